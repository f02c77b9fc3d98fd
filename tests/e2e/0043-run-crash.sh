# offpeak run: kill -9 at every phase leaves a record that says how far the
# run got; status shows the interrupted run, run refuses it with the way
# out, run --resume goes on from the first unfinished phase and cancel
# closes it. Feeds show IN-PROCESS, COMPLETED and CANCELLED.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/run-lib.sh"

new_repo
mkplan k-backup a1
mkplan k-midbackup a2 \
    'backup={"run": ["hooks/act", "count=OUT/k-midbackup", "echo=backup started", "touch=OUT/mid.started", "sleep=1", "manifest", "touch=OUT/mid.done"]}'
mkplan k-step a3
mkplan k-verify a4
mkplan k-rollback a5 'steps=[{"name": "break it", "run": ["hooks/act", "count=OUT/k-rollback", "fail"]}]'
mkplan k-cancel a6
mkplan k-edit a7
commit_all "$R" "plans"
approve_all k-backup k-midbackup k-step k-verify k-rollback k-cancel k-edit
schedule

# paused ID POINT: `run ID` in the background, held at the pause POINT;
# its process id in $bg.
paused() {
	mkdir -p "$TMP/p-$1"
	OFFPEAK_TEST_PAUSE="$2:$TMP/p-$1" "$OFFPEAK" -C "$R" --now "$NOW" run "$1" \
	    >"$TMP/$1.out" 2>&1 &
	bg=$!
	wait_for "$TMP/p-$1/$2.reached" || fail "$1 reached the pause point $2"
}

# feed_status ID: X-MAINTNOTE-STATUS of the plan's event in all.ics
feed_status() {
	rm -rf "$TMP/feeds"
	"$OFFPEAK" -C "$R" --now "$NOW" calendar -o "$TMP/feeds" >/dev/null
	python3 - "$TMP/feeds/all.ics" "$1@run.test.example" <<'PY'
import re, sys
text = re.sub(r"\r?\n[ \t]", "", open(sys.argv[1]).read())
for ev in text.split("BEGIN:VEVENT")[1:]:
    props = dict(l.split(":", 1) for l in ev.splitlines() if ":" in l)
    if props.get("UID") == sys.argv[2]:
        print(props.get("X-MAINTNOTE-STATUS"))
PY
}

# interrupted ID PHASE: status, run and the record after the kill.
interrupted() {
	op status
	expect_out "$1: status shows the interrupted run" "INTERRUPTED run $(run_id "$1"): 'offpeak run $1 --resume' or 'offpeak cancel $1'"
	is "$1: still in phase $2" "$(field "$1" 'd["status"] + " " + d["next"].split()[0]')" "$2 INTERRUPTED"
	before=$(state_head)
	op run "$1"
	expect_rc "$1: run refuses the interrupted run" 1
	expect_err "$1: with the --resume hint" "was interrupted in phase $2: its process"
	expect_err "$1: and the way out" "continue it with 'offpeak run $1 --resume'"
	is "$1: the refusal wrote nothing" "$(state_head)" "$before"
}

# --- killed as the backup starts: resume runs it
paused k-backup backup
is "while it runs the feed says IN-PROCESS" "$(feed_status k-backup)" IN-PROCESS
kill_run $bg
is "the record says the run began, no phase yet" "$(rec k-backup 'r["outcome"], len(r["phases"])')" "running 0"
interrupted k-backup backing-up
op run k-backup --resume
expect_rc "k-backup: --resume completes it" 0
expect_out "k-backup: it says it resumes" "resuming run $(run_id k-backup)"
is "k-backup: each hook ran once" "$(count k-backup)" "backup step verify"
is "k-backup: the record" "$(phases k-backup)" "backup:backup:ok step:change:ok verify:verify_1:ok"
is "k-backup: the record notes the resume" "$(rec k-backup '"resumed_at" in r and r["outcome"]')" completed
is "after it the feed says COMPLETED" "$(feed_status k-backup)" COMPLETED

# --- killed inside the backup hook: the backup runs again
mkdir -p "$TMP/p-mid"
"$OFFPEAK" -C "$R" --now "$NOW" run k-midbackup >"$TMP/mid.out" 2>&1 &
bg=$!
wait_for "$OUT/mid.started" || fail "the backup hook started"
kill_run $bg
wait_for "$OUT/mid.done" || fail "the orphaned backup hook ended"
is "the record shows the backup running" "$(phases k-midbackup)" "backup:backup:running"
interrupted k-midbackup backing-up
op run k-midbackup --resume
expect_rc "k-midbackup: --resume completes it" 0
is "k-midbackup: the backup ran again" "$(count k-midbackup)" "backup backup step verify"
is "k-midbackup: the first backup is marked interrupted" "$(phases k-midbackup)" \
    "backup:backup:interrupted backup:backup:ok step:change:ok verify:verify_1:ok"
id=$(run_id k-midbackup)
is "k-midbackup: the interrupted backup's output is kept" \
    "$(git -C "$R" show "offpeak-state:records/k-midbackup/$id/01-backup.log")" "backup started"
is "k-midbackup: the new one has its own log" \
    "$(rec k-midbackup 'r["phases"][1]["log"]')" "records/k-midbackup/$id/02-backup.log"

# --- killed as the steps start: the backup is not run again
paused k-step step
kill_run $bg
is "k-step: the record has the backup done" "$(phases k-step)" "backup:backup:ok"
interrupted k-step executing
op run k-step --resume
expect_rc "k-step: --resume completes it" 0
is "k-step: the backup was not run again" "$(count k-step)" "backup step verify"

# --- killed as the verification starts
paused k-verify verify
kill_run $bg
interrupted k-verify verifying
op run k-verify --resume
expect_rc "k-verify: --resume completes it" 0
is "k-verify: only the verification was left" "$(count k-verify)" "backup step verify"
is "k-verify: the record" "$(phases k-verify)" "backup:backup:ok step:change:ok verify:verify_1:ok"

# --- killed as the rollback starts: resume rolls back, the step stays done
paused k-rollback rollback
kill_run $bg
is "k-rollback: the record says why it rolls back" "$(rec k-rollback 'r["rollback_reason"]')" \
    "step 'break it' failed: exit status 3"
interrupted k-rollback executing
op run k-rollback --resume
expect_rc "k-rollback: --resume finishes the rollback: exit 3" 3
expect_err "k-rollback: and says it succeeded" "step 'break it' failed: exit status 3; the rollback succeeded"
is "k-rollback: the step did not run again" "$(count k-rollback)" "backup step rollback"
is "k-rollback: outcome rolled-back" "$(rec k-rollback 'r["outcome"]')/$(field k-rollback 'd["status"]')" \
    rolled-back/rolled-back

# --- the plan edited while its run was interrupted: the run goes on with
# the plan and hooks it started with
paused k-edit step
kill_run $bg
started=$(rec k-edit 'r["commit"]')
python3 - "$R/plans/k-edit.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["steps"][0]["run"].append("fail")
p["verify"]["run"][0].append("fail")
json.dump(p, open(sys.argv[1], "w"), indent=2)
PY
commit_all "$R" "k-edit: every hook fails now"
op run k-edit --resume
expect_rc "k-edit: --resume completes with the plan it started with" 0
is "k-edit: its hooks ran from the commit the run began at" "$(count k-edit)" "backup step verify"
is "k-edit: the record keeps that commit" "$(rec k-edit 'r["commit"]')" "$started"

# --- cancel: refused while the run lives, closes it once interrupted
paused k-cancel step
before=$(state_head)
op cancel k-cancel -m "called off"
expect_rc "cancel of a live run: exit 4" 4
expect_err "it says the run is in progress" "run $(run_id k-cancel) of 'k-cancel' is in progress (process $bg on this host)"
is "nothing written" "$(state_head)" "$before"
kill_run $bg
op cancel k-cancel -m "called off"
expect_rc "cancel of the interrupted run" 0
is "k-cancel: cancelled" "$(field k-cancel 'd["status"] + " " + d["run"]["outcome"]')" "cancelled cancelled"
is "k-cancel: the record is closed" "$(rec k-cancel 'r["outcome"] + ": " + r["reason"] + " " + str("ended_at" in r)')" \
    "cancelled: cancelled: called off True"
is "k-cancel: the feed says CANCELLED" "$(feed_status k-cancel)" CANCELLED
op run k-cancel --resume
expect_rc "nothing left to resume" 1
expect_err "and says so" "'k-cancel' has no interrupted run to resume (it is cancelled)"
is "k-cancel: no step ever ran" "$(count k-cancel)" "backup"

done_testing
