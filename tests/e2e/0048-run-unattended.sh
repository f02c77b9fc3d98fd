# Execution you can leave alone: run --due starts automatic changes whose
# slot is open, never manual ones; a precheck (the plan's, or the policy's
# for a group) against an Alertmanager-style endpoint defers the run while
# alerts fire and lets it go once none do; the verification runs again
# after a rollback; offpeak abort stops a running change from another
# shell; a resume credits who resumed.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/run-lib.sh"

new_repo

# an Alertmanager stand-in: /api/v2/alerts answers what $TMP/alerts holds
cat > "$TMP/am.py" <<'PY'
import http.server, sys, threading
path = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if not self.path.startswith("/api/v2/alerts"):
            self.send_response(404); self.end_headers(); return
        body = open(path, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[2], "w").write(str(s.server_address[1]))
threading.Timer(120, s.shutdown).start()
s.serve_forever()
PY
# (a firing alert's body holds "[]" too: only "equals" tells them apart)
echo '[{"labels": {"alertname": "DiskFull", "instance": "a1"}, "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}}]' > "$TMP/alerts"
python3 "$TMP/am.py" "$TMP/alerts" "$TMP/am.port" &
AM_PID=$!
trap 'kill $AM_PID 2>/dev/null; rm -rf "$TMP"' EXIT
wait_for "$TMP/am.port" || fail "the alert endpoint started"
sleep 0.2
AM="http://127.0.0.1:$(cat "$TMP/am.port")/api/v2/alerts?active=true"

# the policy's own precheck for group b
python3 - "$R/offpeak.json" "$AM" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["precheck"] = [{"groups": ["b"], "http": [{"url": sys.argv[2], "status": 200, "equals": "[]", "max_ms": 2000}]}]
json.dump(p, open(sys.argv[1], "w"), indent=2)
PY
pre='precheck={"http": [{"url": "'"$AM"'", "status": 200, "equals": "[]", "max_ms": 2000}]}'
mkplan u-auto a1 'execution="automatic"' "$pre"
mkplan u-group b1 'execution="automatic"'
mkplan u-manual a2
mkplan u-rbv a3 'steps=[{"name": "break it", "run": ["hooks/act", "fail"]}]' 'verify_after_rollback=true'
mkplan u-rbf a4 'steps=[{"name": "break it", "run": ["hooks/act", "fail"]}]' 'verify_after_rollback=true' \
    'verify={"run": [["hooks/act", "count=OUT/u-rbf", "fail"]]}'
mkplan u-abort a5 'steps=[{"name": "slow", "run": ["hooks/act", "touch=OUT/abort.started", "sleep=20"], "timeout": "PT5M"}]'
mkplan u-credit a6 'steps=[{"name": "slow", "run": ["hooks/act", "touch=OUT/credit.started", "sleep=1"], "timeout": "PT5M"}]'
commit_all "$R" "plans"
approve_all u-auto u-group u-manual u-rbv u-rbf u-abort u-credit
schedule
run_offpeak -C "$R" check
expect_rc "check takes precheck, execution and verify_after_rollback" 0

# --- run --due while alerts fire: deferred, nothing changed, slot kept
op run --due --operator robot@example.com
expect_rc "run --due: the deferrals are not failures" 0
expect_out "... it says what it did" "run --due: 2 started: 0 completed, 0 rolled back, 0 failed, 2 deferred by their precheck"
expect_err "... and why" "gate 'precheck': http://127.0.0.1:"
is "u-auto: no backup was taken" "$(count u-auto)" ""
is "u-auto: still scheduled in its slot" "$(field u-auto 'd["status"], d["slot_live"]')" "scheduled True"
is "u-auto: the record says deferred, with the reason" "$(rec u-auto 'r["outcome"], "the body is not" in r["reason"]')" "deferred True"
is "u-group: deferred by the policy's precheck for group b" "$(rec u-group 'r["outcome"]')" "deferred"
is "u-manual: a manual change is never started by --due" "$(count u-manual)" ""
git -C "$R" log --format=%B offpeak-state | grep -q "^deferred u-auto run " && pass "the trail says deferred" ||
    fail "no deferred line"

# --- the alerts clear: the next --due runs them, in slot order
echo '[]' > "$TMP/alerts"
op run --due --operator robot@example.com
expect_rc "run --due after the alerts cleared" 0
expect_out "... both completed" "run --due: 2 started: 2 completed"
is "u-auto ran backup, step, verify" "$(count u-auto)" "backup step verify"
is "... as the service's principal" "$(rec u-auto 'r["operator"]')" robot@example.com
is "u-manual still waits for a person" "$(count u-manual)" ""
op run --due
expect_out "nothing more is due" "run --due: 0 started"

# --- the verification runs again after a rollback
op run u-rbv
expect_rc "u-rbv: a failed step, rolled back: exit 3" 3
expect_err "... rolled back and verified" "rolled back, verified"
is "u-rbv: verify ran after the rollback" "$(count u-rbv)" "backup rollback verify"
is "u-rbv: rolled-back, and the record says verified" "$(field u-rbv 'd["status"]') $(rec u-rbv 'r["after_rollback"]')" "rolled-back verified"
op run u-rbf
expect_rc "u-rbf: exit 3" 3
expect_err "... the verification after the rollback failed, loudly" "rolled back, verification FAILED"
is "u-rbf: an outcome of its own: failed" "$(field u-rbf 'd["status"]') $(rec u-rbf 'r["after_rollback"]')" "failed verification failed"

# --- abort from another shell: the running step ends, the run rolls back
"$OFFPEAK" -C "$R" --now "$NOW" run u-abort >"$TMP/abort.out" 2>&1 &
bg=$!
wait_for "$OUT/abort.started" || fail "the slow step started"
as bob@example.com
op abort u-abort -m "the vendor pulled the release"
expect_rc "abort is taken" 0
expect_out "... it says what happens" "asked run"
t0=$(date +%s)
set +e
wait $bg
arc=$?
set -e
is "the run stopped and rolled back (exit 3)" "$arc" 3
[ $(( $(date +%s) - t0 )) -lt 15 ] && pass "... within seconds, not after the 20 s step" || fail "abort took too long"
grep -q "abort asked by bob@example.com: the vendor pulled the release" "$TMP/abort.out" &&
    pass "... the operator sees who asked" || { fail "no abort line"; diag "$(cat "$TMP/abort.out")"; }
is "the record names who aborted" "$(rec u-abort 'r["aborted_by"], r["outcome"]')" "bob@example.com rolled-back"
has "... and the reason says it" "$(rec u-abort 'r["reason"]')" "aborted by bob@example.com (the vendor pulled the release) during step 'slow'"
op abort u-abort -m "again"
expect_rc "abort of a change not running: refused" 1
expect_err "... saying so" "has no run in progress"

# --- a resumed run credits who resumed it
as alice@example.com
"$OFFPEAK" -C "$R" --now "$NOW" run u-credit >/dev/null 2>&1 &
bg=$!
wait_for "$OUT/credit.started" || fail "the step started"
kill_run $bg
op run u-credit --resume --operator carol@example.com
expect_rc "carol resumes alice's run" 0
is "the record lists the resume" "$(rec u-credit '[x["operator"] for x in r["resumes"]]')" "['carol@example.com']"
op report
expect_out "report credits both" "operator alice@example.com, resumed by carol@example.com"
expect_out "report: a failed verification after a rollback, loudly" "u-rbf (run $(run_id u-rbf)): rolled back, but the service did not verify after it"
expect_out "... and the resolution of u-rbv" "resolution: rollback succeeded, verified after it"
expect_out "... the deferrals counted" "failed 1, deferred 2, other"
run_offpeak -C "$R" --now "$NOW" --json report
is "report --json: the figures" "$(printf '%s' "$out" | python3 -c 'import json,sys; f=json.load(sys.stdin)["figures"]; print(f["deferred"], f["failed_verification_after_rollback"])')" "2 1"

# --- the trail of all this (deferred runs, an abort request, a resume)
# is one the server's guard takes
op audit
expect_rc "audit finds the state branch sound" 0

done_testing
