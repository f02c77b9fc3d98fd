# The command line: help, usage errors, the global options.
. "$SRCDIR/tests/lib.sh"

run_offpeak --help
expect_rc "--help" 0
expect_out "--help lists the commands" "commands:"
commands=$("$OFFPEAK" help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p')
[ "$(printf '%s\n' "$commands" | wc -l)" -ge 15 ] && pass "help lists every command" || fail "help lists: $commands"
for c in $commands; do
	run_offpeak "$c" --help
	expect_rc "$c --help exits 0" 0
	expect_out "$c --help shows its usage" "usage: offpeak"
	expect_out "$c --help names the command" " $c"
done

run_offpeak --version
expect_rc "--version" 0
expect_out "--version names the program" "offpeak "

run_offpeak
expect_rc "no command: usage" 2
run_offpeak frobnicate
expect_rc "an unknown command" 2
expect_err "is named" "unknown command: frobnicate"
run_offpeak c
expect_rc "an ambiguous prefix" 2
expect_err "is called ambiguous" "ambiguous command: c"
run_offpeak sched --help
expect_rc "a unique prefix works" 0
expect_out "and finds the command" "schedule"
run_offpeak --bogus check
expect_rc "an unknown global option" 2
run_offpeak check --bogus
expect_rc "an unknown command option" 2
expect_err "is named" "unknown option"
run_offpeak --now yesterday check
expect_rc "a bad --now" 2
expect_err "--now says what it wants" "is not a date-time with an offset"
OFFPEAK_NOW=soon run_offpeak check
expect_rc "a bad OFFPEAK_NOW" 2
run_offpeak approve
expect_rc "approve without an id" 2
run_offpeak cancel some-plan
expect_rc "cancel without -m" 2
run_offpeak run
expect_rc "run without an id" 2
run_offpeak log a b
expect_rc "log with two ids" 2
run_offpeak report --format xml
expect_rc "report with an unknown format" 2
expect_err "... names it and the choices" "offpeak: report: unknown format 'xml' (text, json, csv, html)"
run_offpeak report --format
expect_rc "report --format without a value" 2
expect_err "... says it needs one, and which" "offpeak: report: option '--format' needs a value (text, json, csv, html)"
run_offpeak cancel some-plan
expect_err "cancel without -m says a message is required" "offpeak: cancel: -m MSG is required: a message saying why"
run_offpeak report --from 11/06/2026
expect_rc "report --from in another form" 2
expect_err "... says which forms are accepted" "'11/06/2026' is not a day or a date-time: give a day (2026-11-06, midnight UTC) or an RFC 3339 date-time"
run_offpeak report --from 2026-12-01 --to 2026-11-01
expect_rc "an inverted period is a usage error" 2
expect_err "... saying so" "the period is empty: --from 2026-12-01 is not before --to 2026-11-01"
run_offpeak log a b
expect_err "an extra operand is named" "offpeak: log: unexpected argument 'b' (it takes ID)"
run_offpeak approve
expect_err "a missing operand is named" "offpeak: approve: missing ID"
run_offpeak check --bogus
expect_err "an unknown option lists the command's options" "offpeak: check: unknown option '--bogus' (it takes --ref, --pre-receive, --worktree)"
run_offpeak schedule extra
expect_err "a command without operands says so" "offpeak: schedule: unexpected argument 'extra' (it takes none)"

# help in every form, with the exit codes
for form in "help report" "report --help" "report -h"; do
	# shellcheck disable=SC2086
	run_offpeak $form
	expect_rc "offpeak $form" 0
	expect_out "... shows the options" "  --format text|json|csv|html "
	expect_out "... and the exit codes" "exit codes:"
done
run_offpeak help
expect_rc "offpeak help" 0
expect_out "... lists the commands" "commands:"
run_offpeak help frobnicate
expect_rc "help of an unknown command" 2
commands=$("$OFFPEAK" help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p')
[ "$(printf '%s\n' "$commands" | wc -l)" -ge 15 ] && pass "help lists every command" || fail "help lists: $commands"
for c in $commands; do
	run_offpeak help "$c"
	expect_out "help $c lists exit 0 and 2" "  2  usage: the command line is wrong"
done

# README's and offpeak(1)'s synopses are the table's
commands=$("$OFFPEAK" help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p')
[ "$(printf '%s\n' "$commands" | wc -l)" -ge 15 ] && pass "help lists every command" || fail "help lists: $commands"
for c in $commands; do
	syn=$("$OFFPEAK" help "$c" | sed -n '1s/^usage: offpeak \[-C REPO\] \[--now TIME\] \[--json\] \[--offline\] //p')
	grep -qxF "### \`offpeak $syn\`" "$SRCDIR/README.md" && pass "README has the synopsis of $c" ||
	    fail "README's heading for $c is not '### \`offpeak $syn\`'"
	man=$(sed -n "/^\.SH COMMANDS/,/^\.SH /{/^\.BR $c /p}" "$SRCDIR/scheduler/offpeak.1" |
	    sed -e 's/^\.BR //' -e 's/\\f[BIR]//g' -e 's/\\-/-/g' -e 's/" \[/ [/' -e 's/"//g' -e 's/  */ /g')
	[ "$man" = "$syn" ] && pass "offpeak(1) has the synopsis of $c" || fail "offpeak(1) for $c: '$man', want '$syn'"
done

# a plan id in a command is never a path
R=$TMP/repo
base_repo "$R"
run_offpeak -C "$R" log ../../etc/passwd
expect_rc "log refuses a path as an id" 1
run_offpeak -C "$R" --now 2026-12-01T00:00:00Z status ../x
expect_rc "status of an unknown id" 1
expect_err "says so" "no plan has the id '../x'"

# the status table agrees with itself: by slot time, every time with its
# zone, emergency changes flagged
run_offpeak demo "$TMP/demo"
run_offpeak -C "$TMP/demo" --now 2026-11-30T09:00:00+01:00 status
expect_rc "status of the demo" 0
printf '%s\n' "$out" | python3 -c '
import re, sys
rows = [l for l in sys.stdin.read().splitlines()[1:] if re.match(r"^[a-z0-9]", l)]
slots = [re.search(r"(\d{4}-\d\d-\d\d \d\d:\d\d) \S+ \(", l) for l in rows]
timed = [m.group(1) for m in slots if m]
assert timed == sorted(timed), timed
first_untimed = next((i for i, m in enumerate(slots) if not m), len(slots))
assert all(not m for m in slots[first_untimed:]), "rows with slots come first"
for l in rows:
    if "holds from" in l or "held since" in l:
        assert re.search(r"(holds from|held since) \d{4}-\d\d-\d\d \d\d:\d\d [A-Z]+", l), l
assert any(l.startswith("openssl-emergency") and "!E" in l for l in rows), "emergency flag"
assert not any("!E" in l for l in rows if not l.startswith("openssl-emergency")), "only the emergency"
' && pass "... sorted by slot, notice times with their zone, the emergency change flagged" ||
    { fail "status table"; diag "$out"; }

# calendar without -o leaves the work tree as it was
git -C "$TMP/demo" add -A >/dev/null 2>&1
git -C "$TMP/demo" -c user.name=t -c user.email=t@example.com commit -q -m "everything the demo left" >/dev/null 2>&1 || :
run_offpeak -C "$TMP/demo" --now 2026-11-30T09:00:00+01:00 calendar
expect_rc "calendar without -o" 0
expect_out "... says where the feeds went" "$TMP/demo/.git/offpeak/feeds"
[ -f "$TMP/demo/.git/offpeak/feeds/all.ics" ] && pass "... into the git directory" || fail "no feeds in .git/offpeak/feeds"
[ -z "$(git -C "$TMP/demo" status --porcelain)" ] && pass "... and the work tree is clean" ||
    fail "untracked: $(git -C "$TMP/demo" status --porcelain | head -3)"

done_testing
