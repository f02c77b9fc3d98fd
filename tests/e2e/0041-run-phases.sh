# offpeak run: hooks from the plan's revision with their argv, environment
# and /dev/null for stdin, output streamed and logged on the state branch;
# every way a backup fails; a failed step and its rollback, step timeouts
# (TERM, then KILL) and the cut-off at the slot's end; the demo's change,
# run with the sample hooks.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/run-lib.sh"

new_repo
cat > "$R/hooks/version" <<'SH'
#!/bin/sh
echo "version: committed"
SH
chmod +x "$R/hooks/version"
mkplan p-env a1 \
    'backup={"run": ["hooks/act", "dump=OUT/env-backup", "echo=hello from the backup", "manifest"]}' \
    'steps=[{"name": "dump", "run": ["hooks/act", "dump=OUT/env-step", "a b", "$HOME", "*", "", "--x=1;y"]},
            {"name": "version", "run": ["hooks/version"]}]'
mkplan bf-exit a2 'backup={"run": ["hooks/act", "count=OUT/bf-exit", "fail"]}'
mkplan bf-timeout a3 'backup={"run": ["hooks/act", "count=OUT/bf-timeout", "sleep=5", "manifest"], "timeout": "PT1S"}'
mkplan bf-none a4 'backup={"run": ["hooks/act", "count=OUT/bf-none"]}'
mkplan bf-empty a5 'backup={"run": ["hooks/act", "count=OUT/bf-empty", "manifest="]}'
mkplan bf-noloc a6 'backup={"run": ["hooks/act", "count=OUT/bf-noloc", "manifest={\"size\": 10, \"sha256\": \"ab\"}"]}'
mkplan bf-nosize a7 'backup={"run": ["hooks/act", "count=OUT/bf-nosize", "manifest={\"location\": \"/b/x\"}"]}'
mkplan s-rb a8 'steps=[{"name": "break it", "run": ["hooks/act", "count=OUT/s-rb", "fail"]}]'
mkplan s-rbfail a9 'steps=[{"name": "break it", "run": ["hooks/act", "count=OUT/s-rbfail", "fail"]}]' \
    'rollback={"run": ["hooks/act", "count=OUT/s-rbfail", "fail"]}'
mkplan s-term a10 'steps=[{"name": "slow", "run": ["hooks/act", "count=OUT/s-term", "sleep=5"], "timeout": "PT1S"}]'
mkplan s-kill a11 'steps=[{"name": "stubborn", "run": ["hooks/act", "count=OUT/s-kill", "ignore-term", "sleep=5"], "timeout": "PT1S"}]'
mkplan s-cut a12 'steps=[{"name": "quick", "run": ["hooks/act", "count=OUT/s-cut"], "timeout": "PT10S"},
                         {"name": "long", "run": ["hooks/act", "count=OUT/s-cut"], "timeout": "PT10M"}]'
mkplan s-stop a14 'steps=[{"name": "long", "run": ["hooks/act", "count=OUT/s-stop", "touch=OUT/stop.started", "sleep=5"]},
                          {"name": "next", "run": ["hooks/act", "count=OUT/s-stop"]}]'
mkplan s-multi a13 'steps=[{"name": "one", "run": ["hooks/act", "count=OUT/s-multi"]},
                           {"name": "two", "run": ["hooks/act", "count=OUT/s-multi"]},
                           {"name": "three", "run": ["hooks/act", "count=OUT/s-multi"]}]'
commit_all "$R" "plans"
approve_all p-env bf-exit bf-timeout bf-none bf-empty bf-noloc bf-nosize \
    s-rb s-rbfail s-term s-kill s-cut s-multi s-stop
schedule

# --- hooks: the committed revision, argv as given, environment, stdin
cat > "$R/hooks/version" <<'SH'
#!/bin/sh
echo "version: work tree, not committed"
SH
op run p-env --operator "night shift"
expect_rc "p-env completes" 0
id=$(run_id p-env)
expect_out "the committed hook ran, not the work tree's" "version: committed"
expect_out "output is streamed with the phase as prefix" "    backup | hello from the backup"
expect_out "each step has its own prefix" "    step 2 | version: committed"
is "argv exactly as the plan gives it (no shell)" \
    "$(grep '^arg:' "$OUT/env-step" | tr '\n' '|')" \
    'arg:dump='"$OUT"'/env-step|arg:a b|arg:$HOME|arg:*|arg:|arg:--x=1;y|'
env_of() { grep "^$1=" "$OUT/env-$2" | cut -d= -f2-; }
is "OFFPEAK_PLAN_ID" "$(env_of OFFPEAK_PLAN_ID step)" p-env
is "OFFPEAK_PHASE in the backup" "$(env_of OFFPEAK_PHASE backup)" backup
is "OFFPEAK_PHASE in a step" "$(env_of OFFPEAK_PHASE step)" step
is "OFFPEAK_RUN_ID is the run's id" "$(env_of OFFPEAK_RUN_ID step)" "$id"
is "OFFPEAK_WINDOW_START" "$(env_of OFFPEAK_WINDOW_START step)" 2026-12-02T17:00:00Z
is "OFFPEAK_WINDOW_END" "$(env_of OFFPEAK_WINDOW_END step)" 2026-12-02T18:00:00Z
case $(env_of OFFPEAK_PLAN_FILE step) in
*/tree/plans/p-env.json) pass "OFFPEAK_PLAN_FILE is the plan in the export" ;;
*) fail "OFFPEAK_PLAN_FILE is $(env_of OFFPEAK_PLAN_FILE step)" ;;
esac
is "the plan file is there while the hook runs" "$(grep '^plan-file:' "$OUT/env-step")" plan-file:yes
case $(env_of OFFPEAK_BACKUP_MANIFEST step) in
/*/backup-manifest.json) pass "OFFPEAK_BACKUP_MANIFEST is set for every phase" ;;
*) fail "OFFPEAK_BACKUP_MANIFEST is '$(env_of OFFPEAK_BACKUP_MANIFEST step)'" ;;
esac
is "stdin is /dev/null" "$(grep '^stdin:' "$OUT/env-step")" stdin:/dev/null
is "stdin gives nothing" "$(grep '^stdin-bytes:' "$OUT/env-step")" stdin-bytes:0
cwd=$(grep '^cwd:' "$OUT/env-step" | cut -d: -f2-)
case $cwd in
"$R"*) fail "the hook ran in the work tree ($cwd)" ;;
*/tree) pass "the hook runs in the export of the revision" ;;
*) fail "the hook ran in $cwd" ;;
esac
[ ! -e "$cwd" ] && pass "the export is removed after the run" || fail "the export $cwd is left behind"
is "the phases in the record" "$(phases p-env)" \
    "backup:backup:ok step:dump:ok step:version:ok verify:verify_1:ok"
is "the record names operator and revision" \
    "$(rec p-env 'r["operator"] + " " + r["revision"]')" \
    "night shift $(git -C "$R" rev-parse HEAD:plans/p-env.json)"
is "the record keeps the manifest" "$(rec p-env 'r["backup_manifest"]["location"]')" /backups/p-env.tar
is "the record keeps each output tail" "$(rec p-env 'r["phases"][2]["output_tail"]')" "version: committed"
logs=$(git -C "$R" ls-tree --name-only "offpeak-state:records/p-env/$id/")
is "every phase's log is on the state branch" "$(echo $logs)" \
    "01-backup.log 02-step.log 03-step.log 04-verify.log"
is "the record points at them" "$(rec p-env 'r["phases"][1]["log"]')" "records/p-env/$id/02-step.log"
is "a log holds the hook's output" \
    "$(git -C "$R" show "offpeak-state:records/p-env/$id/03-step.log")" "version: committed"
git -C "$R" checkout -q -- hooks/version

# --- backup failures: the run stops before any step, nothing to roll back
# backup_fails ID WHY: exit 3, outcome failed, only the backup ran.
backup_fails() {
	op run "$1"
	expect_rc "$1: exit 3" 3
	expect_err "$1: the message says why" "backup failed ($2): no step was run, nothing to roll back"
	is "$1: only the backup hook ran" "$(count "$1")" backup
	is "$1: the record has the failed backup alone" "$(phases "$1")" "backup:backup:failed"
	is "$1: outcome failed" "$(rec "$1" 'r["outcome"]')/$(field "$1" 'd["status"]')" failed/failed
	has "$1: the record says why" "$(rec "$1" 'r["reason"]')" "$2"
}
backup_fails bf-exit "exit status 3"
backup_fails bf-timeout "killed by signal 15 (TERM) after the timeout"
is "the timed-out backup is recorded as such" \
    "$(rec bf-timeout '(r["phases"][0]["timed_out"], r["phases"][0]["signal"])')" "(True, 15)"
backup_fails bf-none "the backup hook left no manifest at \$OFFPEAK_BACKUP_MANIFEST"
backup_fails bf-empty "the backup manifest is empty"
backup_fails bf-noloc "the backup manifest has no 'location'"
backup_fails bf-nosize "the backup manifest has neither 'size' nor 'sha256'"

# --- a failed step and the rollback
op run s-rb
expect_rc "a failed step: exit 3" 3
expect_err "the message says the rollback succeeded" "step 'break it' failed: exit status 3; the rollback succeeded"
is "backup, step, rollback ran" "$(count s-rb)" "backup step rollback"
is "no verification after a failed step" "$(phases s-rb)" \
    "backup:backup:ok step:break_it:failed rollback:rollback:ok"
is "outcome rolled-back" "$(rec s-rb 'r["outcome"]')/$(field s-rb 'd["status"]')" rolled-back/rolled-back
op run s-rb
expect_rc "a rolled-back change does not run again as it is" 1
expect_err "the gate says what to do" "gate 'scheduled': 's-rb' is rolled-back after run $(run_id s-rb); to try again, edit the plan"

op run s-rbfail
expect_rc "a failed rollback: exit 3" 3
expect_err "the message says the rollback FAILED" "step 'break it' failed: exit status 3; the rollback FAILED too (exit status 3): the system needs attention"
is "outcome failed" "$(rec s-rbfail 'r["outcome"]')/$(field s-rbfail 'd["status"]')" failed/failed

# --- step timeouts: TERM honoured, TERM ignored (then KILL)
t0=$(date +%s%N)
op run s-term
t1=$(date +%s%N)
expect_rc "a step past its timeout: exit 3" 3
expect_err "it was ended by TERM" "step 'slow' failed: killed by signal 15 (TERM) after the timeout; the rollback succeeded"
is "TERM ended it at once" "$(rec s-term '(r["phases"][1]["signal"], r["phases"][1]["timed_out"])')" "(15, True)"
[ $(((t1 - t0) / 1000000)) -lt 4500 ] && pass "it did not wait for the hook's 5 s" ||
    fail "s-term took $(((t1 - t0) / 1000000)) ms"
t0=$(date +%s%N)
op run s-kill
t1=$(date +%s%N)
expect_rc "a step that ignores TERM: exit 3" 3
expect_err "it was killed" "step 'stubborn' failed: killed by signal 9 (KILL) after the timeout; the rollback succeeded"
is "KILL after the grace" "$(rec s-kill '(r["phases"][1]["signal"], r["phases"][1]["timed_out"])')" "(9, True)"
[ $(((t1 - t0) / 1000000)) -lt 8000 ] && pass "the grace is no longer than the timeout (not 10 s)" ||
    fail "s-kill took $(((t1 - t0) / 1000000)) ms"

# --- SIGTERM to offpeak (as Ctrl-C): the hook ends, no further step, rollback
"$OFFPEAK" -C "$R" --now "$NOW" run s-stop >"$TMP/stop.out" 2>&1 &
bg=$!
wait_for "$OUT/stop.started" || fail "the step started"
kill -TERM $bg
set +e; wait $bg; rc=$?; set -e
is "a stopped run: exit 3" "$rc" 3
has "it says the step was stopped and rolled back" "$(cat "$TMP/stop.out")" \
    "step 'long' failed: killed by signal 15 (TERM) after being stopped; the rollback succeeded"
is "no further step, and the rollback ran" "$(count s-stop)" "backup step rollback"

# --- the slot's end: a step whose timeout would pass it is not started
NOW=2026-12-03T01:55:00+08:00
op run s-cut
expect_rc "a step cut off by the slot's end: exit 3" 3
expect_err "the message says why" "step 'long' not started: its timeout (10 min) would run past the end of the slot at 2026-12-03T02:00:00+08:00; the rollback succeeded"
is "the first step ran, the second did not" "$(count s-cut)" "backup step rollback"
is "the record shows the skipped step" "$(phases s-cut)" \
    "backup:backup:ok step:quick:ok step:long:skipped rollback:rollback:ok"

# --- steps without a timeout of their own share the rest of the slot
op run s-multi
expect_rc "three steps without timeouts all run" 0
is "every step ran" "$(count s-multi)" "backup step step step verify"

# --- the demo: the sample hooks back up, change and restore a file tree
D=$TMP/demo
run_offpeak demo "$D"
expect_rc "the demo executes its change" 0
expect_out "its step changed the files" "    step 1 | upgrade-step: run cp -R $D/system/release-2/. $D/system/www"
expect_out "its check failed" "  verify 1 | verify-http: http://127.0.0.1:"
expect_out "it says the files were restored" "the rollback restored the files: $D/system/www/index.html is version 1 again"
is "version 1 is back" "$(cat "$D/system/www/index.html" "$D/system/www/app.conf")" \
    "$(printf '<h1>Nordwind shop, version 1</h1>\nversion = 1\nworkers = 8')"
is "version 2 is kept aside" "$(cat "$D"/system/www.offpeak-rollback.*/app.conf | head -n 1)" "version = 2"
ls "$D"/system/backups/site-release-*.tar.gz >/dev/null 2>&1 &&
    pass "the backup archive is there" || fail "no backup archive in $D/system/backups"
is "the state says rolled-back" \
    "$(git -C "$D/execution" show offpeak-state:state/site-release.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" \
    rolled-back

done_testing
