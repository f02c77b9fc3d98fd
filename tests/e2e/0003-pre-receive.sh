# The sample git server hook: a bare repository with hooks/pre-receive
# refuses pushes of invalid plans to the plans branch and lets everything
# else through.
. "$SRCDIR/tests/lib.sh"
command -v git >/dev/null 2>&1 || skip_all "git not found"

export OFFPEAK
server=$TMP/server.git
work=$TMP/work

base_repo "$TMP/seed"
git clone -q --bare "$TMP/seed" "$server"
cp "$SRCDIR/hooks/pre-receive" "$server/hooks/pre-receive"
chmod 755 "$server/hooks/pre-receive"
git clone -q "$server" "$work"

# push ARGS...: git push from the work clone, leaving $rc and $err.
push() {
	set +e
	git -C "$work" push "$@" >"$TMP/push.out" 2>"$TMP/push.err"
	rc=$?
	set -e
	err=$(cat "$TMP/push.out" "$TMP/push.err")
}

server_ref() {
	git -C "$server" rev-parse -q --verify "$1" 2>/dev/null || echo none
}

# A second valid plan: web-upgrade under a new id.
sed -e 's/"web-upgrade"/"web-upgrade-2"/' \
    "$work/plans/web-upgrade.json" >"$work/plans/web-upgrade-2.json"
commit_all "$work" "add web-upgrade-2"
push origin main
if [ "$rc" -eq 0 ]; then pass "a valid plan is accepted"; else fail "a valid plan is accepted (exit $rc)"; diag "$err"; fi
if [ "$(server_ref main)" = "$(git -C "$work" rev-parse HEAD)" ]; then
	pass "the plans branch moved to the pushed commit"
else
	fail "the plans branch moved to the pushed commit"
fi

# An invalid plan: a system the policy does not know, on line 6.
good=$(server_ref main)
cat >"$TMP/bad-plan.json" <<'EOF'
{
  "id": "bad-plan",
  "title": "Refers to an unknown system",
  "owner": "ops@example.com",
  "type": "normal",
  "systems": ["no-such-system"],
  "impact": "outage",
  "duration": "PT30M",
  "risk": { "rollback": "tested", "data_migration": false, "tested_in_staging": true },
  "backup": { "run": ["hooks/backup"] },
  "steps": [ { "name": "step", "run": ["hooks/step"] } ],
  "verify": { "run": [["hooks/verify"]] },
  "rollback": { "run": ["hooks/rollback"] }
}
EOF
cp "$TMP/bad-plan.json" "$work/plans/bad-plan.json"
commit_all "$work" "add bad-plan"
push origin main
if [ "$rc" -ne 0 ]; then pass "an invalid plan is refused"; else fail "an invalid plan is refused"; fi
if printf '%s\n' "$err" | grep -Eq '^remote: offpeak: plans/bad-plan\.json:6:[0-9]+: .*no-such-system'; then
	pass "the pusher sees 'remote: offpeak: plans/<file>:<line>:<col>: ...'"
	diag "$(printf '%s\n' "$err" | grep '^remote: offpeak:')"
else
	fail "the pusher sees 'remote: offpeak: plans/<file>:<line>:<col>: ...'"
	diag "$err"
fi
if printf '%s\n' "$err" | grep -q 'pre-receive hook declined'; then
	pass "git reports the hook declined"
else
	fail "git reports the hook declined"; diag "$err"
fi
if [ "$(server_ref main)" = "$good" ]; then
	pass "the plans branch did not move"
else
	fail "the plans branch did not move"
fi
if git -C "$server" cat-file -e "$(git -C "$work" rev-parse HEAD)" 2>/dev/null; then
	fail "the refused commit is not in the server's objects"
else
	pass "the refused commit is not in the server's objects"
fi

# A broken JSON file is refused too, with its place.
printf '{\n  "id": "broken"\n  "title": "x"\n}\n' >"$work/plans/broken.json"
commit_all "$work" "add broken"
push origin main
if [ "$rc" -ne 0 ] && printf '%s\n' "$err" | grep -Eq '^remote: offpeak: plans/broken\.json:[0-9]+:[0-9]+: '; then
	pass "a plan that is not JSON is refused with its place"
else
	fail "a plan that is not JSON is refused with its place (exit $rc)"; diag "$err"
fi

# Other branches are not checked: the same bad commits go to a feature branch.
push origin HEAD:refs/heads/feature
if [ "$rc" -eq 0 ] && [ "$(server_ref feature)" = "$(git -C "$work" rev-parse HEAD)" ]; then
	pass "a push to another branch is not checked"
else
	fail "a push to another branch is not checked (exit $rc)"; diag "$err"
fi
if [ "$(server_ref main)" = "$good" ]; then
	pass "the plans branch is still where it was"
else
	fail "the plans branch is still where it was"
fi

# Deleting another branch touches nothing else.
push origin --delete feature
if [ "$rc" -eq 0 ] && [ "$(server_ref feature)" = none ] && [ "$(server_ref main)" = "$good" ]; then
	pass "deleting another branch is accepted and leaves the plans branch"
else
	fail "deleting another branch is accepted and leaves the plans branch (exit $rc)"; diag "$err"
fi

# With offpeak.branch set, that branch is checked and main is not.
git -C "$work" reset -q --hard "$good"
git -C "$server" config offpeak.branch plans
git -C "$server" branch plans "$good"
cp "$TMP/bad-plan.json" "$work/plans/bad-plan.json"
commit_all "$work" "add bad-plan again"
push origin HEAD:refs/heads/plans
if [ "$rc" -ne 0 ] && [ "$(server_ref plans)" = "$good" ] &&
    printf '%s\n' "$err" | grep -q 'remote: offpeak: plans/bad-plan\.json:'; then
	pass "offpeak.branch names the checked branch"
else
	fail "offpeak.branch names the checked branch (exit $rc)"; diag "$err"
fi
push origin HEAD:refs/heads/main
if [ "$rc" -eq 0 ]; then
	pass "main is not checked when offpeak.branch is plans"
else
	fail "main is not checked when offpeak.branch is plans (exit $rc)"; diag "$err"
fi
push origin --delete plans
if [ "$rc" -ne 0 ] && [ "$(server_ref plans)" = "$good" ]; then
	pass "deleting the plans branch is refused"
else
	fail "deleting the plans branch is refused (exit $rc)"; diag "$err"
fi

# Without an offpeak binary the hook refuses rather than letting pushes by.
git -C "$server" config --unset offpeak.branch
git -C "$work" rm -q plans/bad-plan.json
commit_all "$work" "remove bad-plan"
saved=$OFFPEAK
OFFPEAK=$TMP/no-such-offpeak
push origin HEAD:refs/heads/main
OFFPEAK=$saved
if [ "$rc" -ne 0 ] && printf '%s\n' "$err" | grep -q 'remote: pre-receive: cannot run'; then
	pass "without offpeak the hook refuses the push"
else
	fail "without offpeak the hook refuses the push (exit $rc)"; diag "$err"
fi

# --- a server made the ordinary way: plain "git init --bare" names master
plain=$TMP/plain.git
GIT_CONFIG_GLOBAL=/dev/null git init -q --bare "$plain" 2>/dev/null
[ "$(git -C "$plain" symbolic-ref HEAD)" = refs/heads/master ] && pass "plain git init --bare: HEAD names master" ||
    fail "HEAD of a plain bare repository: $(git -C "$plain" symbolic-ref HEAD)"
cp "$SRCDIR/hooks/pre-receive" "$plain/hooks/pre-receive"
chmod 755 "$plain/hooks/pre-receive"
pw=$TMP/plain-work
base_repo "$pw"
git -C "$pw" remote add origin "$plain"
python3 - "$pw/plans/web-upgrade.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
del p["backup"]
json.dump(p, open(sys.argv[1], "w"), indent=2)
PY
commit_all "$pw" "a plan without a backup"
set +e
git -C "$pw" push origin main >"$TMP/push.out" 2>&1
rc=$?
set -e
err=$(cat "$TMP/push.out")
if [ "$rc" -ne 0 ] && [ -z "$(git -C "$plain" for-each-ref refs/heads/main)" ] &&
    printf '%s\n' "$err" | grep -q 'remote: offpeak: plans/web-upgrade\.json:.*backup'; then
	pass "HEAD names a branch that does not exist: a plan without a backup pushed to main is refused"
else
	fail "a plan without a backup reached main of a plain bare server (exit $rc)"; diag "$err"
fi
printf '%s\n' "$err" | grep -q "remote: offpeak: pre-receive: HEAD names refs/heads/master, which does not exist: checking every pushed branch with offpeak.json (name the plans branch with git -C <server repository> config offpeak.branch main)" &&
    pass "... and the hook says why it checked main, and how to name the plans branch" || { fail "no word on the rule"; diag "$err"; }
git -C "$pw" reset -q --hard HEAD~1
set +e
git -C "$pw" push origin main >"$TMP/push.out" 2>&1
rc=$?
set -e
[ "$rc" -eq 0 ] && pass "the valid plans are accepted on main" || { fail "valid push refused (exit $rc)"; diag "$(cat "$TMP/push.out")"; }
git -C "$pw" checkout -q --orphan notes
git -C "$pw" rm -q -rf .
echo notes >"$pw/README"
commit_all "$pw" "notes"
set +e
git -C "$pw" push origin notes >"$TMP/push.out" 2>&1
rc=$?
set -e
[ "$rc" -eq 0 ] && pass "a pushed branch without offpeak.json is not a plans branch" || { fail "notes refused (exit $rc)"; diag "$(cat "$TMP/push.out")"; }
git -C "$pw" checkout -q main

# offpeak itself on a clone of that server: the plans branch is the local one
pc=$TMP/plain-clone
git clone -q "$plain" "$pc" 2>/dev/null
git -C "$pc" checkout -q main 2>/dev/null || git -C "$pc" checkout -q -b main origin/main
run_offpeak -C "$pc" --now 2026-12-01T00:00:00Z status
expect_rc "status on a clone of a plain bare server (HEAD names master) works" 0
run_offpeak -C "$pc" --now 2026-12-01T00:00:00Z schedule
expect_rc "... and schedule pushes the state there" 0
[ -n "$(git -C "$plain" for-each-ref refs/heads/offpeak-state)" ] && pass "offpeak-state is on the server" || fail "no offpeak-state on the server"
git -C "$pc" checkout -q -b local-only
run_offpeak -C "$pc" --now 2026-12-01T00:00:00Z schedule
expect_rc "checked out on a branch the server's HEAD does not name either: environment error" 5
expect_err "... saying how to name the plans branch" "cannot tell the plans branch of '$plain': its HEAD names no branch it has, and it has no branch 'local-only' (the one checked out here)"

done_testing
