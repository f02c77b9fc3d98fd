# Finished changes leave the working set: once a change has ended, its
# plan file is gone and the calendar's retention (and the longest budget
# period) has passed, schedule moves its state and approvals, blob for
# blob, under archive/ on the state branch. status and the feeds no longer
# carry it, report still does, audit and the server's hook accept the move
# and refuse forged ones.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/run-lib.sh"

new_repo
mkplan a-done a1
mkplan a-gone a2
mkplan a-keep a3
commit_all "$R" "plans"
approve_all a-done a-gone a-keep
schedule
op run a-done
expect_rc "a-done completes" 0
as alice@example.com
op cancel a-gone -m "not needed"
expect_rc "a-gone is cancelled" 0
done_blob=$(git -C "$R" rev-parse offpeak-state:state/a-done.json)
appr_blob=$(git -C "$R" rev-parse offpeak-state:approvals/a-done/1.json)
git -C "$R" rm -q plans/a-done.json plans/a-gone.json
commit_all "$R" "a-done and a-gone are finished"

# --- within the retention nothing moves
NOW=2026-12-20T12:00:00+08:00
op schedule
expect_rc "schedule within the retention" 0
case $out in *archive*) fail "nothing is archived within the retention"; diag "$out" ;;
*) pass "nothing is archived within the retention" ;; esac
op status
expect_out "status still shows a-done" "a-done"

# --- after it, the finished changes move; a-keep (plan file there) stays
NOW=2027-01-12T12:00:00+08:00
op schedule
expect_rc "schedule after the retention" 0
expect_out "it says how many moved" "schedule: 2 finished changes archived"
expect_out "... and logs each" "archive a-done (completed, ended 2026-12-02T18:00:00Z)"
expect_out "... with how it ended" "archive a-gone (cancelled"
is "the state moved blob for blob" \
    "$(git -C "$R" rev-parse offpeak-state:archive/state/a-done.json)" "$done_blob"
is "the approval moved blob for blob" \
    "$(git -C "$R" rev-parse offpeak-state:archive/approvals/a-done/1.json)" "$appr_blob"
if git -C "$R" rev-parse -q --verify offpeak-state:state/a-done.json >/dev/null ||
    git -C "$R" rev-parse -q --verify offpeak-state:approvals/a-done >/dev/null; then
	fail "the working set no longer has a-done"
else
	pass "the working set no longer has a-done"
fi
git -C "$R" rev-parse -q --verify "offpeak-state:records/a-done" >/dev/null &&
    pass "its records stay where they are" || fail "its records stay where they are"
git -C "$R" rev-parse -q --verify offpeak-state:state/a-keep.json >/dev/null &&
    pass "a change whose plan file is there stays" || fail "a change whose plan file is there stays"
git -C "$R" log -1 --format=%B offpeak-state | grep -q "^archive a-gone (cancelled" &&
    pass "the commit names the move" || fail "the commit names the move"

op status
case $out in *a-done*) fail "status no longer lists a-done"; diag "$out" ;;
*) pass "status no longer lists a-done" ;; esac
op status a-done
expect_rc "status of an archived change" 1
expect_err "... says it has ended and where its history is" "plan 'a-done' has ended (completed, 2026-12-02T18:00:00Z) and is archived: 'offpeak log a-done'"
op cancel a-gone -m "again"
expect_err "cancel of an archived change says so too" "plan 'a-gone' has ended (cancelled"
op log a-done
expect_rc "log tells an archived change's history" 0
expect_out "... from the history" "completed a-done"
op --json schedule --dry-run
has "schedule --json counts what it archived (none left)" "$out" '"archived": 0'
op report --from 2026-12-01 --to 2026-12-31
expect_rc "report over the old period" 0
expect_out "... still has a-done's record" "a-done"
expect_out "... with its title from the archive" "Change a-done"
op --offline audit
expect_rc "audit accepts the move" 0

# --- a plan under an archived id is a new submission
mkplan a-done a4
commit_all "$R" "a-done again"
op schedule
expect_rc "schedule with a plan under an archived id" 0
expect_out "... it is submitted anew" "submit a-done"
git -C "$R" rev-parse -q --verify offpeak-state:archive/state/a-done.json >/dev/null &&
    pass "... the archived copy stays" || fail "... the archived copy stays"
git -C "$R" rm -q plans/a-done.json
commit_all "$R" "a-done withdrawn"
NOW=2027-03-01T12:00:00+08:00
op schedule
expect_rc "schedule long after the second a-done ended" 0
is "... the archived copy of the first is never replaced" \
    "$(git -C "$R" rev-parse offpeak-state:archive/state/a-done.json)" "$done_blob"
st2=$(git -C "$R" show offpeak-state:state/a-done.json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
case $st2 in
cancelled|completed|expired|rejected|superseded) pass "... the second stays in the working set, though it ended ($st2)" ;;
*) fail "... the second stays in the working set, though it ended"; diag "status: $st2" ;;
esac
op --offline audit
expect_rc "audit still finds the trail clean" 0

# --- the server's hook: the real move passes, forged ones do not
server=$TMP/server.git
git init -q --bare "$server"
git -C "$server" config offpeak.branch main
git -C "$server" config offpeak.allowSimulatedClock true
cp "$SRCDIR/hooks/pre-receive" "$server/hooks/pre-receive"
chmod 755 "$server/hooks/pre-receive"
export OFFPEAK
git -C "$R" branch -q -M main 2>/dev/null || :
if git -C "$R" push -q "$server" main offpeak-state >"$TMP/push.out" 2>&1; then
	pass "the server takes a history with archived changes"
else
	fail "the server takes a history with archived changes"; diag "$(cat "$TMP/push.out")"
fi

# forge MESSAGE [PARENT]: commit the index $IDX on PARENT (the state
# branch), a minute later, as refs/heads/forged
IDX=$TMP/forge.index
forge() {
	t=$(( $(git -C "$R" log -1 --format=%ct "${2:-offpeak-state}") + 60 ))
	tree=$(GIT_INDEX_FILE=$IDX git -C "$R" write-tree)
	c=$(printf '%s\n\nOffpeak-Plans: %s\nOffpeak-Clock: simulated\n' "$1" \
	    "$(git -C "$R" rev-parse main)" | GIT_AUTHOR_DATE="@$t +0000" \
	    GIT_COMMITTER_DATE="@$t +0000" git -C "$R" commit-tree "$tree" -p "${2:-offpeak-state}")
	git -C "$R" update-ref refs/heads/forged "$c"
}
start_forge() { rm -f "$IDX"; GIT_INDEX_FILE=$IDX git -C "$R" read-tree "${1:-offpeak-state}"; }
mv_index() {	# mv_index FROM TO: the blob at FROM now at TO only
	b=$(GIT_INDEX_FILE=$IDX git -C "$R" rev-parse ":$1")
	GIT_INDEX_FILE=$IDX git -C "$R" update-index --force-remove "$1"
	GIT_INDEX_FILE=$IDX git -C "$R" update-index --add --cacheinfo "100644,$b,$2"
}
# refused DESC TEXT: the server refuses refs/heads/forged as the state
refused() {
	before=$(git -C "$server" rev-parse offpeak-state)
	if git -C "$R" push "$server" forged:offpeak-state >"$TMP/push.out" 2>&1; then
		fail "$1: refused"; diag "$(cat "$TMP/push.out")"
	elif grep -qF -- "$2" "$TMP/push.out"; then
		pass "$1: refused, saying why"
	else
		fail "$1: refused, saying why"; diag "$(cat "$TMP/push.out")"
	fi
	[ "$(git -C "$server" rev-parse offpeak-state)" = "$before" ] &&
	    pass "$1: the server's state did not move" || fail "$1: the server's state moved"
}

start_forge
mv_index state/a-keep.json archive/state/a-keep.json
forge "archive a-keep"
refused "archiving a change that has not ended" "archived while scheduled"

start_forge
b=$(echo '{}' | git -C "$R" hash-object -w --stdin)
GIT_INDEX_FILE=$IDX git -C "$R" update-index --cacheinfo "100644,$b,archive/state/a-gone.json"
forge "rewrite a-gone's archived state"
refused "changing an archived file" "the archive is append-only"

start_forge
GIT_INDEX_FILE=$IDX git -C "$R" update-index --force-remove archive/approvals/a-done/1.json
forge "drop an archived approval"
refused "deleting an archived file" "the archive is append-only"

start_forge
GIT_INDEX_FILE=$IDX git -C "$R" update-index --force-remove state/a-keep.json
GIT_INDEX_FILE=$IDX git -C "$R" update-index --add --cacheinfo "100644,$b,archive/state/a-keep.json"
forge "archive a-keep, changed on the way"
refused "a state archived with other bytes" "not moved unchanged"

# a state made unreadable, then archived: the move is not taken on trust
start_forge
b=$(printf 'not json' | git -C "$R" hash-object -w --stdin)
GIT_INDEX_FILE=$IDX git -C "$R" update-index --cacheinfo "100644,$b,state/a-keep.json"
forge "break a-keep's state"
start_forge forged
mv_index state/a-keep.json archive/state/a-keep.json
forge "archive the broken state" forged
good=$(git -C "$R" rev-parse offpeak-state)
git -C "$R" update-ref refs/heads/offpeak-state forged
op --offline audit
expect_rc "audit of a broken state archived" 1
expect_out "... the move of what cannot be read is refused" "the state it archives cannot be read"
git -C "$R" update-ref refs/heads/offpeak-state "$good"

done_testing
