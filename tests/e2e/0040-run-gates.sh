# offpeak run: every gate refused alone (exit 1, naming the gate, changing
# nothing), the run lock held by a live run (exit 4) or an interrupted one
# (exit 1, --resume), and two runs at once: exactly one proceeds, also
# between machines sharing an origin.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/run-lib.sh"

new_repo
mkplan g-win a1
mkplan g-edit a2
mkplan g-unsched a3
mkplan g-notice a4
mkplan g-lock a5
mkplan g-race a6
mkplan g-dead a7
mkplan g-freeze b1
mkplan g-remote1 a8
mkplan g-remote2 a9
mkplan g-remote3 a10
commit_all "$R" "plans"
approve_all g-win g-edit g-notice g-lock g-race g-dead g-freeze g-remote1 g-remote2 g-remote3
schedule
approve_all g-unsched
is "the slot of every scheduled plan is 01:00-02:00" \
    "$(field g-win 'd["slot"]["start_local"] + " " + d["slot"]["end_local"]')" \
    "2026-12-03T01:00:00+08:00 2026-12-03T02:00:00+08:00"

# refused DESC GATE-TEXT ID [OP ARGS...]: exit 1, the message, no commit,
# no hook run.
refused() {
	r_desc=$1 r_text=$2 r_id=$3
	shift 3
	r_before=$(state_head)
	op run "$r_id" "$@"
	expect_rc "$r_desc: exit 1" 1
	expect_err "$r_desc: the message names the gate" "$r_text"
	is "$r_desc: nothing written" "$(state_head)" "$r_before"
	is "$r_desc: no hook ran" "$(count "$r_id")" ""
}

# --- the window: before and after the slot; inside it the run goes
NOW=2026-12-03T00:30:00+08:00
refused "before the slot" "gate 'window': now is before the slot of 'g-win'" g-win
expect_err "and says when it opens" "it opens at 2026-12-03T01:00:00+08:00 (in 30 min)"
NOW=2026-12-03T02:00:00+08:00
refused "at the slot's end" "gate 'window': the slot of 'g-win' ended at 2026-12-03T02:00:00+08:00" g-win
NOW=2026-12-03T01:10:00+08:00
op run g-win
expect_rc "inside the slot the run goes" 0
is "every phase ran" "$(count g-win)" "backup step verify"

# --- already completed
rm -f "$OUT/g-win"
refused "a completed change" "gate 'not completed': 'g-win' already ran to completion" g-win

# --- approved for the current revision: an edit voids the approval
sed -i 's/"Change g-edit"/"Change g-edit, edited"/' "$R/plans/g-edit.json"
commit_all "$R" "edit g-edit after its approval"
refused "a plan edited after approval" "gate 'approved': 'g-edit' is assessed, with 0 of 1 approvals" g-edit
expect_err "and says the edit voided it" "the plan changed after it was approved"

# --- scheduled: approved after the schedule ran
refused "an approved plan without a slot" "gate 'scheduled': 'g-unsched' is approved, without a slot (run 'offpeak schedule')" g-unsched

# --- a freeze in force inside the slot (added after the schedule)
python3 - "$R/offpeak.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["freezes"].append({"name": "b-maint", "groups": ["b"],
    "start": "2026-12-03T00:30:00+08:00", "end": "2026-12-03T01:30:00+08:00"})
json.dump(p, open(sys.argv[1], "w"), indent=2)
PY
commit_all "$R" "a freeze over group b"
refused "a freeze in force" "gate 'freeze': freeze 'b-maint' is in force until 2026-12-03T01:30:00+08:00" g-freeze
NOW=2026-12-03T01:40:00+08:00
op run g-freeze
expect_rc "once the freeze is over the run goes" 0
NOW=2026-12-03T01:10:00+08:00

# --- the lock held by a live run on this host: exit 4, nothing changes
mkdir -p "$TMP/p-lock"
OFFPEAK_TEST_PAUSE="step:$TMP/p-lock" "$OFFPEAK" -C "$R" --now "$NOW" run g-lock \
    >"$TMP/lock.out" 2>&1 &
lock_pid=$!
wait_for "$TMP/p-lock/step.reached" || fail "the first run reached its steps"
before=$(state_head)
op run g-lock
expect_rc "a second run while the first runs: exit 4" 4
expect_err "it names the lock and the run holding it" "gate 'lock': run $(run_id g-lock) of 'g-lock'"
expect_err "and says it is still running" "holds the lock and is still running"
is "the second run wrote nothing" "$(state_head)" "$before"
op run g-lock --resume
expect_rc "--resume of a live run: exit 4" 4
touch "$TMP/p-lock/step.go"
set +e; wait $lock_pid; rc=$?; set -e
is "the first run completes" "$rc" 0
is "its hooks ran once each" "$(count g-lock)" "backup step verify"

# --- an interrupted run: exit 1 with the way out
mkdir -p "$TMP/p-dead"
OFFPEAK_TEST_PAUSE="step:$TMP/p-dead" "$OFFPEAK" -C "$R" --now "$NOW" run g-dead \
    >/dev/null 2>&1 &
dead_pid=$!
wait_for "$TMP/p-dead/step.reached" || fail "the run reached its steps"
kill_run $dead_pid
before=$(state_head)
op run g-dead
expect_rc "a run after an interrupted one: exit 1" 1
expect_err "it names the gate" "gate 'lock': run $(run_id g-dead) of 'g-dead'"
expect_err "and the way out" "continue it with 'offpeak run g-dead --resume' or stop it with 'offpeak cancel g-dead -m ...'"
is "nothing written" "$(state_head)" "$before"

# --- two runs at once: both pass the gates, one commits the lock first
mkdir -p "$TMP/p-race"
OFFPEAK_TEST_PAUSE="commit:$TMP/p-race" "$OFFPEAK" -C "$R" --now "$NOW" run g-race \
    >"$TMP/race.out" 2>"$TMP/race.err" &
race_pid=$!
wait_for "$TMP/p-race/commit.reached" || fail "the first run reached the lock"
op run g-race
expect_rc "the other run takes the lock and completes" 0
won=$(state_head)
touch "$TMP/p-race/commit.go"
set +e; wait $race_pid; rc=$?; set -e
is "the run that lost the lock exits 4" "$rc" 4
has "it says it lost the lock" "$(cat "$TMP/race.err")" "gate 'lock': another offpeak (an operator or the scheduler) wrote the state branch first; 'g-race' was not run and nothing was written"
is "it changed nothing" "$(state_head)" "$won"
is "exactly one run's hooks ran" "$(count g-race)" "backup step verify"
is "one record" "$(git -C "$R" ls-tree --name-only offpeak-state records/g-race/ | grep -c '\.json$')" 1

# --- the notice: the policy now asks three days for low risk
sed -i 's/"notice": "P1D"/"notice": "P3D"/' "$R/offpeak.json"
commit_all "$R" "longer notice for low risk"
refused "a notice that has not held" "gate 'notice': the notice of 'g-notice' holds only from 2026-12-04T12:00:00+08:00" g-notice
sed -i 's/"notice": "P3D"/"notice": "P1D"/' "$R/offpeak.json"
commit_all "$R" "one day of notice again"

# --- a shared origin: its accepting the push is the lock
git clone -q --bare "$R" "$TMP/origin.git"
git -C "$R" remote add origin "$TMP/origin.git"
git clone -q "$TMP/origin.git" "$TMP/other"	# another operator's machine
git -C "$TMP/other" config user.email bob@example.com
origin_head() { git -C "$TMP/origin.git" rev-parse offpeak-state; }
mkdir -p "$TMP/p-push"
OFFPEAK_TEST_PAUSE="push:$TMP/p-push" "$OFFPEAK" -C "$R" --now "$NOW" run g-remote1 \
    >/dev/null 2>"$TMP/push.err" &
push_pid=$!
wait_for "$TMP/p-push/push.reached" || fail "the first run reached its push"
run_offpeak -C "$TMP/other" --now "$NOW" run g-remote1
expect_rc "the other machine's run is accepted by origin first and completes" 0
won=$(origin_head)
touch "$TMP/p-push/push.go"
set +e; wait $push_pid; rc=$?; set -e
is "the run whose push origin refused exits 4" "$rc" 4
has "it says it lost the lock" "$(cat "$TMP/push.err")" "gate 'lock': another offpeak"
is "origin keeps the winner's state" "$(origin_head)" "$won"
is "one run's hooks ran" "$(count g-remote1)" "backup step verify"

mkdir -p "$TMP/p-held"
OFFPEAK_TEST_PAUSE="step:$TMP/p-held" "$OFFPEAK" -C "$R" --now "$NOW" run g-remote2 \
    >/dev/null 2>"$TMP/held.err" &
held_pid=$!
wait_for "$TMP/p-held/step.reached" || fail "the run reached its steps"
before=$(origin_head)
run_offpeak -C "$TMP/other" --now "$NOW" run g-remote2
expect_rc "a run held on origin by another machine: exit 4" 4
expect_err "it names the lock" "gate 'lock': run $(git -C "$TMP/origin.git" show offpeak-state:state/g-remote2.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["run"]["id"])') of 'g-remote2'"
is "it wrote nothing on origin" "$(origin_head)" "$before"
run_offpeak -C "$TMP/other" --now "$NOW" run g-remote3
expect_rc "meanwhile another change runs from the other machine" 0
touch "$TMP/p-held/step.go"
set +e; wait $held_pid; rc=$?; set -e
is "the held run goes on over the other machine's commits and completes" "$rc" 0
git -C "$TMP/origin.git" log --format=%B offpeak-state > "$TMP/origin.log"
grep -q "^step g-remote2 run .*: step 1 'change' ok" "$TMP/origin.log" &&
    grep -q "^completed g-remote2 run" "$TMP/origin.log" && grep -q "^completed g-remote3 run" "$TMP/origin.log" &&
    pass "origin has every transition of both runs" || fail "origin's log: $(grep g-remote "$TMP/origin.log")"

done_testing
