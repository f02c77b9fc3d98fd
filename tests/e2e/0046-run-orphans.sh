# offpeak run: a run owns its lock for as long as it and every hook it
# started live. After kill -9 of offpeak in the middle of a hook, run
# --resume straight away never starts a step while the old copy still
# works: it waits for it, refuses naming it, or ends it with
# --kill-orphans and records that. The hook of a resumed run is told so
# (OFFPEAK_RESUMED=1) and the record says which phase ran again. A run of
# another host is never taken over.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/run-lib.sh"

new_repo
# guard NAME SECONDS [SECONDS-WHEN-RESUMED]: one copy at a time of NAME,
# else OVERLAP is written down; each start and end is logged
cat > "$R/hooks/guard" <<SH
#!/bin/sh
out=$OUT
# its output outlives offpeak's pipe (a shell that says "Terminated" to a
# closed pipe would die of SIGPIPE before its trap)
exec >>"\$out/\$1.out" 2>&1
trap 'rmdir "\$out/\$1.running" 2>/dev/null; echo "ended \$1" >> "\$out/\$1.log"; exit 143' TERM
if ! mkdir "\$out/\$1.running" 2>/dev/null; then
	echo "OVERLAP \$1 \$OFFPEAK_PHASE" >> "\$out/overlaps"
fi
echo "start \$1 resumed=\${OFFPEAK_RESUMED:-0}" >> "\$out/\$1.log"
if [ "\${OFFPEAK_RESUMED:-0}" = 1 ] && [ -n "\${3:-}" ]; then sleep "\$3"; else sleep "\$2"; fi
rmdir "\$out/\$1.running" 2>/dev/null
echo "end \$1" >> "\$out/\$1.log"
[ "\$OFFPEAK_PHASE" != backup ] || printf '{"location": "/b/%s", "size": 1}\n' "\$1" > "\$OFFPEAK_BACKUP_MANIFEST"
SH
chmod +x "$R/hooks/guard"
step() { echo '[{"name": "long step", "run": ["hooks/guard", "'"$1"'", "'"$2"'", "'"${3:-}"'"], "timeout": "PT5M"}]'; }
mkplan o-wait a1 "steps=$(step o-wait 2)"
mkplan o-refuse a2 "steps=$(step o-refuse 3)"
mkplan o-kill a3 "steps=$(step o-kill 60 0)"
mkplan o-host a4 "steps=$(step o-host 1)"
sys=4
for ph in backup step verify rollback; do
	sys=$((sys + 1))
	mkplan "o-$ph" "a$sys" 'backup={"run": ["hooks/guard", "o-'"$ph"'-backup", "1"], "timeout": "PT5M"}' \
	    "steps=$(step "o-$ph-step" 1)" \
	    'verify={"run": [["hooks/guard", "o-'"$ph"'-verify", "1"], ["hooks/act", "fail"]], "timeout": "PT5M"}' \
	    'rollback={"run": ["hooks/guard", "o-'"$ph"'-rollback", "1"], "timeout": "PT5M"}'
done
commit_all "$R" "plans"
approve_all o-wait o-refuse o-kill o-host o-backup o-step o-verify o-rollback
schedule

# started ID NAME: run ID in the background until hook NAME is working
started() {
	"$OFFPEAK" -C "$R" --now "$NOW" run "$1" >"$TMP/$1.out" 2>&1 &
	bg=$!
	wait_for "$OUT/$2.running" || fail "$1: $2 started"
}
starts() { grep -c '^start' "$OUT/$1.log" 2>/dev/null || echo 0; }

# --- resume waits for the old copy of the step, then runs it again
started o-wait o-wait
kill_run $bg
op run o-wait --resume
expect_rc "o-wait: --resume completes the run" 0
expect_out "... after waiting for the old run's processes" "waiting up to 30 s for them to end"
is "o-wait: the second copy started after the first ended" "$(tr '\n' ' ' < "$OUT/o-wait.log")" \
    "start o-wait resumed=0 end o-wait start o-wait resumed=1 end o-wait "
is "o-wait: the record says the step was cut short and ran again" \
    "$(rec o-wait '" ".join("%s:%s" % (p["status"], p.get("rerun", 0)) for p in r["phases"] if p["phase"] == "step")')" \
    "interrupted:0 ok:1"
is "o-wait: steps are named in the record" "$(rec o-wait 'r["phases"][1]["name"], r["phases"][1]["step"]')" "long step 1"

# --- with --wait 0 it refuses at once, naming the live process
started o-refuse o-refuse
kill_run $bg
before=$(state_head)
op run o-refuse --resume --wait 0
expect_rc "o-refuse: resume refuses while the old step runs (exit 4)" 4
expect_err "... naming the live process" "hooks/guard o-refuse 3"
expect_err "... and the ways out" "resume with --kill-orphans"
is "o-refuse: nothing was written" "$(state_head)" "$before"
is "o-refuse: no second copy was started" "$(starts o-refuse)" 1
op status o-refuse
expect_out "status names the live processes" "hooks/guard o-refuse 3"
while [ -d "$OUT/o-refuse.running" ]; do sleep 0.1; done
op run o-refuse --resume
expect_rc "o-refuse: once it ended, resume completes" 0

# --- --kill-orphans ends the old copy first, and says so in the record
started o-kill o-kill
kill_run $bg
op run o-kill --resume --kill-orphans
expect_rc "o-kill: --kill-orphans, then the run completes" 0
is "o-kill: the old copy was ended, not waited for (60 s)" "$(tr '\n' ' ' < "$OUT/o-kill.log")" \
    "start o-kill resumed=0 ended o-kill start o-kill resumed=1 end o-kill "
has "o-kill: the record names the processes it ended" "$(rec o-kill 'r.get("orphans_killed")')" "hooks/guard o-kill 60"
git -C "$R" log --format=%B offpeak-state | grep -q "^kill o-kill run .*--kill-orphans: " &&
    pass "o-kill: the trail says it too" || fail "o-kill: no kill line in the trail"

# --- kill -9 inside every phase, resume straight away: never two copies
for ph in backup step verify rollback; do
	case $ph in
	verify) hook=o-verify-verify ;; rollback) hook=o-rollback-rollback ;;
	*) hook=o-$ph-$ph ;;
	esac
	started "o-$ph" "$hook"
	kill_run $bg
	op run "o-$ph" --resume
	case $rc in 0|3) pass "o-$ph: killed in the $ph hook, resumed (exit $rc)" ;;
	*) fail "o-$ph: resume after a kill in $ph (exit $rc)"; diag "$err" ;; esac
	is "o-$ph: the $ph hook ran again after the first copy ended" \
	    "$(tr '\n' ' ' < "$OUT/$hook.log" | sed 's/ $//')" \
	    "start $hook resumed=0 end $hook start $hook resumed=1 end $hook"
done
[ ! -e "$OUT/overlaps" ] && pass "no hook ever ran beside an earlier copy of itself" ||
    { fail "copies overlapped"; diag "$(cat "$OUT/overlaps")"; }

# --- a run of another host is never taken over
started o-host o-host
kill_run $bg
while [ -d "$OUT/o-host.running" ]; do sleep 0.1; done
t=$(mktemp -d "$TMP/st.XXXXXX")
git -C "$R" worktree add -q "$t" offpeak-state
python3 - "$t/state/o-host.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["run"]["host"] = "far-away.example"
json.dump(s, open(sys.argv[1], "w"), indent=2)
PY
git -C "$t" commit -qam "the run is another host's"
git -C "$R" worktree remove --force "$t"
op run o-host --resume
expect_rc "a run of another host is not resumed here" 1
expect_err "... saying where it runs" "was started on host far-away.example"

done_testing
