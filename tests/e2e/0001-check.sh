# offpeak check on a good repository: what it reads, from where, and how it
# answers.
. "$SRCDIR/tests/lib.sh"

R=$TMP/repo
base_repo "$R"

run_offpeak -C "$R" check
expect_rc "the base repository passes" 0
expect_out "it says how many plans it read" "check: 2 plans: no problems"
[ -z "$err" ] && pass "nothing on stderr" || fail "stderr: $err"

run_offpeak -C "$R" --json check
expect_rc "--json passes too" 0
[ "$out" = "[]" ] && pass "--json prints an empty list" || fail "--json: $out"

# the work tree is never read: an uncommitted broken plan changes nothing
echo '{ broken' > "$R/plans/web-upgrade.json"
run_offpeak -C "$R" check
expect_rc "an uncommitted edit is not read" 0
git -C "$R" checkout -q -- plans/web-upgrade.json

# a bad commit on top; --ref checks an older one
good=$(git -C "$R" rev-parse HEAD)
sed -i 's/"impact": "outage"/"impact": "huge"/' "$R/plans/db-patch.json"
commit_all "$R" "bad impact"
run_offpeak -C "$R" check
expect_rc "the bad commit fails" 1
expect_err "with file, line, column and field" "offpeak: plans/db-patch.json:6:13: impact: 'huge' is not one of none, reduced-redundancy, degraded, outage"
expect_err "and a count" "offpeak: 1 problem found"
run_offpeak -C "$R" check --ref "$good"
expect_rc "--ref checks the older commit" 0
run_offpeak -C "$R" check --ref HEAD~1
expect_rc "--ref takes any revision" 0
run_offpeak -C "$R" check --ref no-such-branch
expect_rc "an unknown ref is an environment error" 5
expect_err "naming the ref" "no-such-branch"

# every problem is reported, sorted by file and line, one per line
sed -i 's/"title": "Upgrade nginx on the web tier"/"title": 42/; s/"duration": "PT45M"/"duration": "soon"/' "$R/plans/web-upgrade.json"
commit_all "$R" "more problems"
run_offpeak -C "$R" check
expect_rc "several problems" 1
n=$(printf '%s\n' "$err" | grep -c '^offpeak: plans/')
[ "$n" -eq 3 ] && pass "three problems, three lines" || fail "$n problem lines: $err"
printf '%s\n' "$err" | grep '^offpeak: plans/' | cut -d: -f2,3 > "$TMP/order"
sort -t: -k1,1 -k2,2n -c "$TMP/order" 2>/dev/null && pass "sorted by file and line" || fail "order: $(cat "$TMP/order")"
run_offpeak -C "$R" --json check
printf '%s' "$out" > "$TMP/j"
ok "--json lists the same problems with file, line, column and message" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d) == 3, d
assert all(set(x) == {"file", "line", "column", "message"} for x in d)
assert {x["file"] for x in d} == {"plans/db-patch.json", "plans/web-upgrade.json"}
' "$TMP/j"

# a bare repository is read the same way
git clone -q --bare "$R" "$TMP/bare.git"
run_offpeak -C "$TMP/bare.git" check --ref "$good"
expect_rc "a bare repository at a good commit" 0
run_offpeak -C "$TMP/bare.git" check
expect_rc "a bare repository at a bad commit" 1

# outside a repository
mkdir -p "$TMP/empty"
run_offpeak -C "$TMP/empty" check
expect_rc "no repository: exit 5" 5
expect_err "with a message" "offpeak: "

# a file with thousands of problems: the first hundred, then one line for the rest
H=$TMP/hostile
base_repo "$H"
python3 - "$H/plans/web-upgrade.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["systems"] = ["web-1"] * 16000
p["depends_on"] = ["nope-%d" % i for i in range(3000)]
json.dump(p, open(sys.argv[1], "w"), indent=1)
PY
commit_all "$H" "16k duplicates, 3000 unknown dependencies"
run_offpeak -C "$H" check
expect_rc "refused" 1
n=$(printf '%s\n' "$err" | grep -c '^offpeak: plans/web-upgrade.json:[0-9]*:[0-9]*: ')
[ "$n" -eq 100 ] && pass "at most 100 problems shown for one file, each with its place" || fail "$n placed lines"
expect_err "the rest counted in one line, after them" "offpeak: plans/web-upgrade.json: and 18899 more problems in this file, not shown (at most 100 are)"
[ "$(printf '%s\n' "$err" | tail -2 | head -1)" = "offpeak: plans/web-upgrade.json: and 18899 more problems in this file, not shown (at most 100 are)" ] &&
    pass "... which comes last for the file" || fail "order: $(printf '%s\n' "$err" | tail -3)"
expect_err "the total counts all of them" "offpeak: 18999 problems found"
expect_err "the first is the first duplicate" "offpeak: plans/web-upgrade.json:9:3: systems[1]: 'web-1' is listed twice"
run_offpeak -C "$H" --json check
ok "--json: the same 101 entries" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d) == 101, len(d)
assert d[-1]["message"].startswith("and 18899 more problems"), d[-1]
' /dev/stdin <<EOF2
$out
EOF2

# a plans/ entry whose blob is not in the repository is a problem, not nothing
M=$TMP/missing
base_repo "$M"
plans=$( (git -C "$M" ls-tree HEAD:plans; printf '100644 blob 1234567890abcdef1234567890abcdef12345678\tghost.json\n') |
    git -C "$M" mktree --missing)
top=$(git -C "$M" ls-tree HEAD | sed "s/^040000 tree [0-9a-f]*\tplans$/040000 tree $plans\tplans/" | git -C "$M" mktree --missing)
c=$(git -C "$M" commit-tree -p HEAD -m "a plan whose blob is missing" "$top")
git -C "$M" update-ref refs/heads/main "$c"
run_offpeak -C "$M" check
expect_rc "a plan whose blob is missing: refused" 1
expect_err "... naming the file" "offpeak: plans/ghost.json: its blob 1234567890ab is missing from the repository (a broken or partial push)"
run_offpeak -C "$M" --now 2026-12-01T00:00:00Z schedule
expect_rc "... and schedule does not skip it silently" 1

# a "right/" zone counts leap seconds: refused, saying which zone to use
Z=$TMP/right
base_repo "$Z"
python3 - "$Z/offpeak.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["timezone"] = "right/Europe/Berlin"
json.dump(p, open(sys.argv[1], "w"), indent=2)
PY
commit_all "$Z" "right/ zone"
run_offpeak -C "$Z" check
expect_rc "a right/ time zone is refused" 1
expect_err "... with the reason and what to use" "offpeak.json:15:15: timezone: time zone 'right/Europe/Berlin' cannot be used: it counts leap seconds (a \"right/\" zone); use the zone of the same name without \"right/\""

# --- uncommitted edits: check reads HEAD and says which files it did not check
W=$TMP/worktree
base_repo "$W"
run_offpeak -C "$W" check
expect_rc "a clean work tree" 0
case $err in *note:*) fail "a clean work tree gets no note: $err" ;; *) pass "... and no note" ;; esac
printf ' ' >>"$W/offpeak.json"
printf '{}' >"$W/plans/draft.json"
run_offpeak -C "$W" check
expect_rc "with edits in the work tree, HEAD still passes" 0
expect_err "... and a note says what was not checked" "offpeak: note: check read HEAD; 2 files in the work tree differ from it and were not checked"
expect_err "... naming the policy" "offpeak:   offpeak.json (modified)"
expect_err "... and the new plan" "offpeak:   plans/draft.json (new)"
run_offpeak -C "$W" check --ref HEAD
case $err in *note:*) fail "--ref gets no note: $err" ;; *) pass "with --ref, no note" ;; esac

run_offpeak -C "$W" check --worktree
expect_rc "--worktree checks the files as they are: the draft is refused" 1
expect_err "... naming it" "plans/draft.json:1:1: "
[ -z "$(git -C "$W" diff --cached --name-only)" ] && pass "... and the index is left as it was" || fail "the index changed"
rm "$W/plans/draft.json"
run_offpeak -C "$W" check --worktree
expect_rc "the edited policy as it is passes" 0
run_offpeak -C "$W" check --worktree --ref HEAD
expect_rc "--worktree with --ref: usage error" 2

done_testing
