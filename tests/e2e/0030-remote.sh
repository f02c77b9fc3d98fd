# A shared remote: a git daemon on loopback holding a bare repository, a
# scheduler clone and two operator clones; the push is the lock.
. "$SRCDIR/tests/lib.sh"

[ -x "$(git --exec-path)/git-daemon" ] || skip_all "git daemon is not installed"

NOW=2026-12-01T12:00:00+08:00
SRV=$TMP/srv
BARE=$SRV/plans.git
daemon_pid=

stop_daemon() {
	if [ -n "$daemon_pid" ]; then
		kill "$daemon_pid" 2>/dev/null || :
		wait "$daemon_pid" 2>/dev/null || :
		daemon_pid=
	fi
}
trap 'stop_daemon; rm -rf "$TMP"' EXIT

# start_daemon: git daemon on a free loopback port; waits until it answers
# (a port taken meanwhile by someone else means another try).
start_daemon() {
	tries=0
	while :; do
		PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		git daemon --export-all --enable=receive-pack --base-path="$SRV" \
		    --listen=127.0.0.1 --port="$PORT" --reuseaddr "$SRV" \
		    >"$TMP/daemon.log" 2>&1 &
		daemon_pid=$!
		i=0
		while [ $i -lt 200 ] && kill -0 "$daemon_pid" 2>/dev/null; do
			git ls-remote "git://127.0.0.1:$PORT/plans.git" >/dev/null 2>&1 && return 0
			i=$((i + 1))
			sleep 0.05
		done
		stop_daemon
		tries=$((tries + 1))
		if [ $tries -ge 3 ]; then
			echo "Bail out! git daemon did not start"
			sed 's/^/# /' "$TMP/daemon.log"
			exit 1
		fi
	done
}

# mkplan DIR ID SYSTEMS(json list) IMPACT
mkplan() {
	mkdir -p "$1/plans"
	cat > "$1/plans/$2.json" <<PLAN
{ "id": "$2", "title": "Change $2", "owner": "ops@example.com",
  "systems": $3, "impact": "$4", "duration": "PT1H",
  "backup": { "run": ["hooks/backup"] },
  "steps": [ { "name": "do", "run": ["hooks/step"] } ],
  "verify": { "run": [["hooks/verify"]] } }
PLAN
}

# op CLONE ARGS...: offpeak in one clone at the test's clock.
op() { c=$1; shift; run_offpeak -C "$TMP/$c" --now "$NOW" "$@"; }
srv_state() { git -C "$BARE" rev-parse -q --verify refs/heads/offpeak-state || echo none; }
local_state() { git -C "$TMP/$1" rev-parse -q --verify refs/heads/offpeak-state || echo none; }
# wait_for FILE: bounded polling for a pause point.
wait_for() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt 1000 ]; do i=$((i + 1)); sleep 0.01; done
	[ -e "$1" ]
}
# field CLONE ID PYTHON-EXPR: a value from `status --json ID`, offline.
field() {
	"$OFFPEAK" -C "$TMP/$1" --now "$NOW" --offline --json status "$2" |
	    python3 -c "import json,sys; d=json.load(sys.stdin); print($3)"
}

mkdir -p "$SRV"
git init -q --bare "$BARE"
start_daemon
URL=git://127.0.0.1:$PORT/plans.git

# --- alice writes the plans and pushes them; the others clone
A=$TMP/alice
mkdir -p "$A/hooks"
cp "$SRCDIR/tests/data/sched/offpeak.json" "$A/"
cp "$SRCDIR"/tests/data/base/hooks/* "$A/hooks/"
chmod +x "$A"/hooks/*
mkplan "$A" big '["s1"]' outage
git -C "$A" init -q
commit_all "$A" "policy and a plan"
git -C "$A" remote add origin "$URL"
git -C "$A" push -q origin main
git -C "$A" config user.email alice@example.com
for c in bob sched; do git clone -q "$URL" "$TMP/$c"; done
git -C "$TMP/bob" config user.email bob@example.com
git -C "$TMP/sched" config user.email scheduler@example.com

op sched status
expect_rc "a clone reads the plans from origin before any state exists" 0
[ "$(srv_state)" = none ] && pass "reading writes nothing to origin" || fail "origin has a state branch"

op alice approve big -m "fine by me"
expect_rc "alice approves from her clone" 0
expect_out "her approval counts" "1/2 approvals"
first=$(srv_state)
[ "$first" != none ] && pass "the first approval creates offpeak-state on origin" || fail "no state branch on origin"
[ "$(local_state alice)" = "$first" ] && pass "alice's local state branch is origin's" || fail "alice local $(local_state alice) origin $first"
[ "$(git -C "$BARE" log -1 --format=%ae offpeak-state)" = alice@example.com ] &&
    pass "the state commit carries alice's identity" || fail "author $(git -C "$BARE" log -1 --format=%ae offpeak-state)"

op bob approve big
expect_rc "bob approves from his clone" 0
expect_out "bob sees alice's approval after fetching" "2/2 approvals; now approved"
[ "$(git -C "$BARE" rev-parse offpeak-state~1)" = "$first" ] &&
    pass "bob's commit sits on alice's on origin" || fail "bob's commit is not on alice's"

# --- plans pushed from one clone are seen by another whose checkout is stale
mkplan "$A" small '["s2"]' degraded
commit_all "$A" "plan small"
git -C "$A" push -q origin main
before_bob_head=$(git -C "$TMP/bob" rev-parse HEAD)
op bob approve small
expect_rc "bob approves a plan his checkout does not have yet" 0
expect_out "low risk needs one approval" "1/1 approvals; now approved"
[ "$(git -C "$TMP/bob" rev-parse HEAD)" = "$before_bob_head" ] &&
    pass "bob's checkout and HEAD are left alone" || fail "bob's HEAD moved"
[ "$(git -C "$TMP/bob" rev-parse refs/remotes/origin/main)" = "$(git -C "$BARE" rev-parse main)" ] &&
    pass "origin/main was fetched" || fail "origin/main not fetched"

# a plan committed but not pushed is not shared; --offline reads the copy of
# origin's branch from the last fetch, not the unpushed commit either
mkplan "$TMP/bob" local-only '["s3"]' degraded
commit_all "$TMP/bob" "unpushed plan"
op bob --json status
printf '%s\n' "$out" | grep -q '"local-only"' && fail "an unpushed plan is visible" || pass "an unpushed plan is not scheduled from"
run_offpeak -C "$TMP/bob" --now "$NOW" --offline --json status
expect_rc "--offline status" 0
if printf '%s\n' "$out" | grep -q '"local-only"'; then fail "--offline reads the unpushed plan"; else pass "--offline reads the last fetched copy of origin's branch, not the unpushed plan"; fi
expect_out "... which has the pushed ones" '"small"'
run_offpeak -C "$TMP/bob" --now "$NOW" --offline status local-only
expect_rc "--offline status of the unpushed plan" 1
expect_err "... says where it looked and how to bring it" "no plan has the id 'local-only' in the local copy of origin's plans branch (refs/remotes/origin/main, fetched "
expect_err "... and how to bring it" "a command without --offline fetches it from '"

# --- the scheduler clone places both; everybody sees it after fetching
op sched schedule
expect_rc "the scheduler clone schedules" 0
expect_out "both placed" "2 placed"
git -C "$BARE" log -1 --format=%B offpeak-state | grep -q "^schedule big 2026-12-05T01:00+08:00" &&
    pass "origin has the schedule commit" || fail "schedule commit: $(git -C "$BARE" log -1 --format=%B offpeak-state)"
op alice status big
expect_rc "alice's status" 0
expect_out "alice sees the slot the scheduler chose" "scheduled"
[ "$(local_state alice)" = "$(srv_state)" ] && pass "alice's state branch followed origin" || fail "alice is behind"
[ "$(field alice big 'd["slot"]["start_local"]')" = "2026-12-05T01:00:00+08:00" ] &&
    pass "the slot is the same in every clone" || fail "alice slot $(field alice big 'd["slot"]["start_local"]')"
# a fresh clone that never ran offpeak renders origin's notices
git clone -q "$URL" "$TMP/reader"
run_offpeak -C "$TMP/reader" --now "$NOW" calendar -o "$TMP/reader-feeds"
expect_rc "calendar in a fresh clone fetches origin's state" 0
grep -q "^UID:big@" "$TMP/reader-feeds/all.ics" && pass "its feed has the scheduled change" ||
    fail "no big in the fresh clone's feed"

# --- two operators race the same write: the first to push wins
mkplan "$A" race '["s4"]' outage
commit_all "$A" "plan race"
git -C "$A" push -q origin main
mkdir -p "$TMP/pause"
OFFPEAK_TEST_PAUSE="push:$TMP/pause" "$OFFPEAK" -C "$A" --now "$NOW" approve race \
    >"$TMP/r1.out" 2>"$TMP/r1.err" &
racer=$!
wait_for "$TMP/pause/push.reached" && pass "alice committed locally and waits to push" || fail "pause point not reached"
alice_pending=$(local_state alice)
op bob approve race
expect_rc "bob pushes first and wins" 0
won=$(srv_state)
touch "$TMP/pause/push.go"
set +e; wait $racer; rc=$?; set -e
[ "$rc" -eq 4 ] && pass "alice loses with exit 4" || fail "alice exited $rc: $(cat "$TMP/r1.err")"
[ ! -s "$TMP/r1.out" ] && pass "... printing nothing it did not write" || fail "the loser printed: $(cat "$TMP/r1.out")"
grep -q "another operator or scheduler updated the state on origin ('$URL') first; nothing was written" "$TMP/r1.err" &&
    pass "the loser is told why" || fail "loser message: $(cat "$TMP/r1.err")"
[ "$(srv_state)" = "$won" ] && pass "origin's state is unchanged by the loser" || fail "origin moved"
[ "$(local_state alice)" = "$won" ] && pass "alice's local branch is reset to origin's" || fail "alice local $(local_state alice)"
git -C "$BARE" cat-file -e "$alice_pending^{commit}" 2>/dev/null &&
    fail "the losing commit reached origin" || pass "the losing commit never reached origin"
op alice approve race
expect_rc "alice tries again" 0
expect_out "and now adds the second approval" "2/2 approvals; now approved"

# --- a server that refuses the update: environment, nothing written
before=$(srv_state)
printf '#!/bin/sh\necho "state updates are closed" >&2\nexit 1\n' > "$BARE/hooks/pre-receive"
chmod +x "$BARE/hooks/pre-receive"
op sched schedule
expect_rc "a refused push exits 5" 5
expect_err "and names the remote" "'$URL' refused the update of 'refs/heads/offpeak-state'"
[ "$(srv_state)" = "$before" ] && pass "origin unchanged" || fail "origin moved"
[ "$(local_state sched)" = "$before" ] && pass "the scheduler clone's branch is back at origin's" || fail "sched local moved"
rm "$BARE/hooks/pre-receive"
op sched schedule
expect_rc "with the hook gone the scheduler places race" 0
expect_out "race placed" "1 placed"

# --- the audit trail on the server: linear, every transition once
git -C "$BARE" log --reverse --format=%B offpeak-state > "$TMP/trail"
[ -z "$(git -C "$BARE" rev-list --min-parents=2 offpeak-state)" ] && pass "no merge commits" || fail "merges on offpeak-state"
[ "$(git -C "$BARE" rev-list --count offpeak-state)" -eq 7 ] && pass "seven state commits" ||
    fail "$(git -C "$BARE" rev-list --count offpeak-state) state commits"
ok "every transition is in the trail exactly once, in order" python3 - "$TMP/trail" <<'PY'
import sys
lines = [l for l in open(sys.argv[1]).read().splitlines()
         if l and not l.startswith("Offpeak-") and not l.endswith(" transitions")]
want = ["submit big ", "assess big ", "approval big by alice@example.com",
        "approval big by bob@example.com", "approve big (2/2)",
        "submit small ", "assess small ", "approval small by bob@example.com",
        "approve small (1/1)", "schedule big 2026-12-05T01:00+08:00",
        "schedule small 2026-12-03T01:00+08:00", "submit race ", "assess race ",
        "approval race by bob@example.com", "approval race by alice@example.com",
        "approve race (2/2)", "schedule race "]
at = []
for w in want:
    hits = [i for i, l in enumerate(lines) if l.startswith(w)]
    assert len(hits) == 1, (w, lines)
    at.append(hits[0])
assert len(lines) == len(want), lines
assert at == sorted(at), lines
PY

# --- origin unreachable while pushing: exit 5, nothing written
mkplan "$A" late '["s2"]' degraded
commit_all "$A" "plan late"
git -C "$A" push -q origin main
before=$(srv_state)
rm -f "$TMP"/pause/*
OFFPEAK_TEST_PAUSE="push:$TMP/pause" "$OFFPEAK" -C "$TMP/bob" --now "$NOW" approve late \
    >"$TMP/r2.out" 2>"$TMP/r2.err" &
writer=$!
wait_for "$TMP/pause/push.reached" || fail "pause point not reached"
stop_daemon
touch "$TMP/pause/push.go"
set +e; wait $writer; rc=$?; set -e
[ "$rc" -eq 5 ] && pass "a push that cannot reach origin exits 5" || fail "exit $rc: $(cat "$TMP/r2.err")"
grep -qF "cannot push to '$URL'" "$TMP/r2.err" && pass "the message names the URL" || fail "message: $(cat "$TMP/r2.err")"
[ "$(local_state bob)" = "$before" ] && pass "bob's local branch is back where it was" || fail "bob local moved"
[ "$(srv_state)" = "$before" ] && pass "origin unchanged" || fail "origin moved"

# --- the daemon is down: online commands fail, --offline works
git -C "$TMP/bob" rebase -q origin/main	# the checkout catches up, offline
op bob status
expect_rc "without origin a read-only command still answers" 0
expect_err "with one warning naming the URL" "warning: cannot fetch from '$URL'"
expect_err "... and the age of the copy it answers from" "; answering from the copy of '$URL' fetched "
[ "$(printf '%s\n' "$err" | grep -c warning)" -eq 1 ] && pass "one warning" || { fail "warnings"; diag "$err"; }
expect_out "... from the last fetched state" "scheduled"
for c in "report" "log race" "calendar -o $TMP/cal-offline"; do
	# shellcheck disable=SC2086
	op bob $c
	expect_rc "$c answers from the last fetch" 0
	expect_err "... with the warning" "answering from the copy of '$URL' fetched "
done
op bob approve late
expect_rc "a writing command still refuses without origin" 5
expect_err "naming the URL" "cannot fetch from '$URL'"
run_offpeak -C "$TMP/bob" --now "$NOW" --offline status race
expect_rc "--offline status works without the daemon" 0
expect_out "from the last fetched state" "scheduled"
run_offpeak -C "$TMP/bob" --now "$NOW" --offline approve late
expect_rc "--offline refuses to write a shared state" 5
expect_err "and says so" "--offline: the state is shared through '$URL'"
[ "$(local_state bob)" = "$before" ] && pass "nothing written locally" || fail "bob wrote offline"

# --- a file:// remote and a plain path: the same lock without a daemon
F=$TMP/files.git
git clone -q --bare "$BARE" "$F"
git clone -q "file://$F" "$TMP/f1"
git clone -q "$F" "$TMP/f2"
git -C "$TMP/f1" config user.email alice@example.com
git -C "$TMP/f2" config user.email bob@example.com
fbefore=$(git -C "$F" rev-parse offpeak-state)
op f1 approve late
expect_rc "approve over file://" 0
[ "$(git -C "$F" rev-parse offpeak-state~1)" = "$fbefore" ] && pass "file:// push fast-forwards" || fail "file:// push"
rm -f "$TMP"/pause/*
OFFPEAK_TEST_PAUSE="push:$TMP/pause" "$OFFPEAK" -C "$TMP/f1" --now "$NOW" schedule \
    >"$TMP/r3.out" 2>"$TMP/r3.err" &
racer=$!
wait_for "$TMP/pause/push.reached" || fail "pause point not reached"
op f2 schedule
expect_rc "the plain-path clone schedules first" 0
fwon=$(git -C "$F" rev-parse offpeak-state)
touch "$TMP/pause/push.go"
set +e; wait $racer; rc=$?; set -e
[ "$rc" -eq 4 ] && pass "the file:// loser exits 4" || fail "exit $rc: $(cat "$TMP/r3.err")"
[ ! -s "$TMP/r3.out" ] && pass "... and prints no result it did not write" || fail "the loser printed: $(cat "$TMP/r3.out")"
[ "$(git -C "$F" rev-parse offpeak-state)" = "$fwon" ] && pass "the local remote is unchanged by the loser" || fail "local remote moved"
[ -z "$(git -C "$F" rev-list --min-parents=2 offpeak-state)" ] && pass "still linear" || fail "merges"

# --- a clone behind origin, --offline: the plan is not in its copy yet
mkplan "$TMP/f2" newer '["s3"]' degraded
commit_all "$TMP/f2" "plan newer"
git -C "$TMP/f2" push -q origin main
run_offpeak -C "$TMP/f1" --now "$NOW" --offline approve newer
expect_rc "--offline approve of a plan the clone has not fetched" 1
expect_err "... says it is not in the local copy of origin's branch, and that a fetch brings it" \
    "no plan has the id 'newer' in the local copy of origin's plans branch (refs/remotes/origin/main, fetched "
expect_err "... naming origin" "a command without --offline fetches it from 'file://$F'"

# --- origin is a local path that no longer exists
mv "$F" "$F.moved"
run_offpeak -C "$TMP/f2" --now "$NOW" schedule
expect_rc "origin's path is gone: a writing command exits 5" 5
expect_err "... saying the path does not exist" "origin '$F' is a local path that does not exist: No such file or directory"
run_offpeak -C "$TMP/f2" --now "$NOW" status
expect_rc "... a reading command answers from the last fetch" 0
expect_err "... with the same reason as a warning" "warning: origin '$F' is a local path that does not exist"
run_offpeak -C "$TMP/f1" --now "$NOW" schedule
expect_rc "the same over file://" 5
expect_err "... says so too" "origin 'file://$F' is a local path that does not exist"

done_testing
