# A state branch written by someone else: entries offpeak never writes are
# left unread (and said so once) and never make it write a broken state;
# forged values it cannot hold are refused with the file named, and nothing
# is written; approval files keep their numbers. Plan commits with dates
# git takes but a calendar does not (before 1970, after the clock) are
# handled the same way by check, the hook and every command.
. "$SRCDIR/tests/lib.sh"

R=$TMP/repo
NOW=2026-12-01T00:00:00Z
base_repo "$R"
git -C "$R" config user.email alice@example.com
op() { run_offpeak -C "$R" --now "$NOW" "$@"; }
op approve web-upgrade
expect_rc "alice approves" 0

# forge COMMAND...: run COMMAND in a checkout of offpeak-state, commit it.
forge() {
	rm -rf "$TMP/st"
	git clone -q -b offpeak-state "$R" "$TMP/st"
	(cd "$TMP/st" && "$@")
	git -C "$TMP/st" add -A
	git -C "$TMP/st" commit -q -m "forged"
	git -C "$TMP/st" push -q origin offpeak-state
}
# all_json: every .json file on offpeak-state parses.
all_json() {
	git -C "$R" ls-tree -r --name-only -z offpeak-state |
	    /usr/bin/python3 -c '
import json, subprocess, sys
bad = []
for p in sys.stdin.buffer.read().split(b"\0"):
    if not p.endswith(b".json"): continue
    blob = subprocess.run(["git", "-C", sys.argv[1], "show", b"offpeak-state:" + p], capture_output=True).stdout
    try: json.loads(blob.decode("utf-8"))
    except Exception as e: bad.append((p, str(e)))
sys.exit(1 if bad else 0) if not bad else print(bad) or sys.exit(1)
' "$R"
}

# --- a state file whose name is not UTF-8
forge sh -c 'cp state/web-upgrade.json "$(printf "state/old-\377.json")"'
op schedule
expect_rc "schedule with state/old-\\377.json on the branch" 0
expect_err "it says the entry is not read" "warning: state branch: 'state/old-\\xff.json' is not read: not <plan id>.json"
ok "every JSON file of the state branch still parses" all_json
op status
expect_rc "the next command works" 0
[ "$(printf '%s\n' "$err" | grep -c 'is not read')" -eq 1 ] && pass "one warning per entry" || { fail "warnings"; diag "$err"; }

# --- approval files keep their numbers; odd names are left alone
forge sh -c 'git mv approvals/web-upgrade/1.json approvals/web-upgrade/0.json &&
    cp approvals/web-upgrade/0.json approvals/web-upgrade/2147483647.json &&
    mkdir -p "approvals/Bad Name" && cp approvals/web-upgrade/0.json "approvals/Bad Name/1.json"'
before=$(git -C "$R" ls-tree -r --name-only offpeak-state approvals | sort)
op approve db-patch
expect_rc "another approval" 0
expect_err "0.json is not read" "'approvals/web-upgrade/0.json' is not read: not a file <n>.json with n from 1 to 999999999"
expect_err "2147483647.json is not read" "'approvals/web-upgrade/2147483647.json' is not read"
expect_err "a directory that is no plan id is not read" "'approvals/Bad Name' is not read: not a directory named by a plan id"
op cancel db-patch -m "to make another commit"
after=$(git -C "$R" ls-tree -r --name-only offpeak-state approvals | sort)
new=$(printf '%s\n' "$after" | grep -vxF "$before" || :)
[ "$new" = "approvals/db-patch/1.json" ] && pass "two commits later the only new approval file is db-patch's 1.json: nothing copied to a new number" ||
    { fail "approval files changed"; diag "new: $new"; }
ok "no overflowed name" sh -c "! git -C '$R' ls-tree -r --name-only offpeak-state | grep -q -- '-2147483648'"

# --- values a state cannot hold are refused, naming the file; nothing written
head_before=$(git -C "$R" rev-parse offpeak-state)
forge /usr/bin/python3 -c '
import json
p = "state/web-upgrade.json"; s = json.load(open(p)); s["sequence"] = 2 ** 40
json.dump(s, open(p, "w"))'
forged=$(git -C "$R" rev-parse offpeak-state)
op schedule
expect_rc "a sequence of 2^40: environment error" 5
expect_err "... naming the file and the value" "state branch: cannot read 'state/web-upgrade.json': \"sequence\" is not an integer from 0 to 2147482647"
[ "$(git -C "$R" rev-parse offpeak-state)" = "$forged" ] && pass "nothing written" || fail "state moved"
git -C "$R" update-ref refs/heads/offpeak-state "$head_before"

forge /usr/bin/python3 -c '
import json
p = "approvals/db-patch/1.json"; a = json.load(open(p)); a["decision"] = "approved"
json.dump(a, open(p, "w"))'
op status
expect_rc "a decision that is neither approve nor reject is refused" 5
expect_err "... naming the file" "cannot read 'approvals/db-patch/1.json': missing or bad approver, decision (approve or reject), revision or time"
git -C "$R" update-ref refs/heads/offpeak-state "$head_before"

forge /usr/bin/python3 -c '
import json
p = "state/web-upgrade.json"; s = json.load(open(p)); s["id"] = "db-patch"
json.dump(s, open(p, "w"))'
op status
expect_rc "a state file that names another plan is refused" 5
expect_err "... saying so" "cannot read 'state/web-upgrade.json': the file names another plan in its \"id\""
git -C "$R" update-ref refs/heads/offpeak-state "$head_before"

# commit_raw DIR MESSAGE "SECONDS ZONE": commit the index with that raw
# date, which git's own commit refuses before 1970 but takes from a push.
commit_raw() {
	t=$(git -C "$1" write-tree)
	c=$(printf 'tree %s\nparent %s\nauthor T <t@example.com> %s\ncommitter T <t@example.com> %s\n\n%s\n' \
	    "$t" "$(git -C "$1" rev-parse HEAD)" "$3" "$3" "$2" | git -C "$1" hash-object -t commit -w --stdin)
	git -C "$1" update-ref HEAD "$c"
}

# --- plan commits dated before 1970 and far after the clock
k=0
for when in "-100 +0000" "7258118400 +0000"; do
	k=$((k + 1))
	sed -e "s/\"web-upgrade\"/\"dated$k\"/" "$R/plans/web-upgrade.json" >"$R/plans/dated$k.json"
	git -C "$R" add "plans/dated$k.json"
	commit_raw "$R" "dated $when" "$when"
	op check
	expect_rc "check of a plan committed at $when" 0
	op approve "dated$k"
	expect_rc "approve it" 0
	op status "dated$k"
	expect_rc "and every later command reads the state ($when)" 0
	sub=$(git -C "$R" show "offpeak-state:state/dated$k.json" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["submitted_at"])')
	case $when in
	-100*) [ "$sub" = 1970-01-01T00:00:00Z ] && pass "before 1970: submitted at the epoch" || fail "submitted_at $sub" ;;
	*) [ "$sub" = 2026-12-01T00:00:00Z ] && pass "after the clock: submitted at --now" || fail "submitted_at $sub" ;;
	esac
	op log "dated$k"
	expect_rc "log of it" 0
done

# the server hook takes the same commit: nothing half-way (the state
# starts afresh on the server, which takes this test's simulated clock)
server=$TMP/server.git
git init -q --bare "$server"
git -C "$server" config offpeak.allowSimulatedClock true
cp "$SRCDIR/hooks/pre-receive" "$server/hooks/pre-receive"
git -C "$R" remote add origin "$server"
git -C "$R" update-ref -d refs/heads/offpeak-state
sed -e 's/"web-upgrade"/"old"/' "$R/plans/web-upgrade.json" >"$R/plans/old.json"
git -C "$R" add plans/old.json
commit_raw "$R" "old" "-100 +0000"
set +e
OFFPEAK=$OFFPEAK git -C "$R" push -q origin main >"$TMP/push.out" 2>&1
prc=$?
set -e
[ "$prc" -eq 0 ] && pass "the pre-receive hook accepts the 1969 commit" || { fail "push"; diag "$(cat "$TMP/push.out")"; }
op approve old
expect_rc "and approve works on the shared repository" 0

# --- a commit whose date is not a number (git refuses to make one; libgit2
# cannot read it): refused with its id by every command and by the hook
good=$(git -C "$R" rev-parse HEAD)
sed -e 's/"web-upgrade"/"garbled"/' "$R/plans/web-upgrade.json" >"$R/plans/garbled.json"
git -C "$R" add plans/garbled.json
t=$(git -C "$R" write-tree)
bad=$(printf 'tree %s\nparent %s\nauthor T <t@example.com> garbage +0000\ncommitter T <t@example.com> 1700000000 +0000\n\ngarbled\n' \
    "$t" "$good" | git -C "$R" hash-object -t commit -w --stdin --literally)
git -C "$R" update-ref HEAD "$bad"
for c in check "check --ref HEAD"; do
	# shellcheck disable=SC2086
	op $c
	expect_rc "$c on a commit with a garbled date: exit 5" 5
	expect_err "... naming the commit and its line" \
	    "offpeak: commit $(printf %.12s "$bad") is damaged: its line 'author T <t@example.com> garbage +0000' has no valid date"
done
set +e
OFFPEAK=$OFFPEAK git -C "$R" push -q origin main >"$TMP/push.out" 2>&1
prc=$?
set -e
[ "$prc" -ne 0 ] && grep -q "commit $(printf %.12s "$bad") is damaged" "$TMP/push.out" &&
    pass "the pre-receive hook refuses it, naming the commit" || { fail "push of a garbled commit ($prc)"; diag "$(cat "$TMP/push.out")"; }
git -C "$R" update-ref HEAD "$good"

done_testing
