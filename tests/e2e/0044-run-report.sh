# offpeak report and log on a known history: a completed change, two rolled
# back (one of them past its slot's end), a failed one and an emergency
# change; the figures in text, JSON and CSV agree with the records, the
# period filters, simulated-clock records are marked; log tells one plan's
# history in order.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/run-lib.sh"

http_server
new_repo
mkplan r-done a1 \
    'steps=[{"name": "upgrade", "run": ["hooks/act", "count=OUT/r-done", "sleep=1.2"], "timeout": "PT10S"}]' \
    "verify={\"http\": [{\"url\": \"$URL/ok\", \"max_ms\": 2000}, {\"url\": \"$URL/slow/300\", \"max_ms\": 2000}]}"
mkplan r-rb a2 'steps=[{"name": "break it", "run": ["hooks/act", "count=OUT/r-rb", "fail"]}]'
mkplan r-fail a3 'backup={"run": ["hooks/act", "count=OUT/r-fail", "fail"]}'
mkplan r-late a4 'steps=[{"name": "overrun", "run": ["hooks/act", "count=OUT/r-late", "sleep=5"]}]' \
    'rollback={"run": ["hooks/act", "count=OUT/r-late", "sleep=1.1"], "timeout": "PT10S"}'
mkplan r-emerg a5 'type="emergency"' \
    "verify={\"http\": [{\"url\": \"$URL/ok\", \"max_ms\": 2000}]}"
commit_all "$R" "plans"
approve_all r-done r-rb r-fail r-late r-emerg
schedule
is "the emergency change has the earlier night (two hours' notice)" \
    "$(field r-emerg 'd["slot"]["start_local"]')" 2026-12-02T01:00:00+08:00

NOW=2026-12-02T01:10:00+08:00
op run r-emerg
expect_rc "r-emerg completes" 0
NOW=2026-12-03T01:10:00+08:00
op run r-done
expect_rc "r-done completes" 0
NOW=2026-12-03T01:20:00+08:00
op run r-rb
expect_rc "r-rb is rolled back" 3
NOW=2026-12-03T01:30:00+08:00
op run r-fail
expect_rc "r-fail fails its backup" 3
NOW=2026-12-03T01:59:58+08:00
op run r-late
expect_rc "r-late runs into the slot's end and is rolled back" 3
expect_err "its step had the rest of the slot" "step 'overrun' failed: killed by signal 15 (TERM) after the timeout; the rollback succeeded"

# every record, as the report should see them
for p in r-emerg r-done r-rb r-fail r-late; do
	git -C "$R" show "offpeak-state:records/$p/$(run_id $p).json"
	echo "@@"
done > "$TMP/records"

op report --format json
expect_rc "report --format json" 0
printf '%s\n' "$out" > "$TMP/report.json"
ok "the JSON figures agree with the records" python3 - "$TMP/records" "$TMP/report.json" <<'PY'
import json, math, sys
from datetime import datetime
recs = [json.loads(t) for t in open(sys.argv[1]).read().split("@@") if t.strip()]
rep = json.load(open(sys.argv[2]))
f = rep["figures"]
def t(s): return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
assert f["runs"] == 5, f
assert (f["completed"], f["rolled_back"], f["failed"], f["other"]) == (2, 2, 1, 0), f
assert f["emergency"] == 1, f
assert f["inside_window_pct"] == 80.0, f
assert f["notice_held_pct"] == 100.0, f
recs.sort(key=lambda r: (t(r["started_at"]), r["plan"]))
durs = [int(t(r["ended_at"]) - t(r["started_at"])) for r in recs]
assert f["mean_seconds"] == sum(durs) // len(durs), (f, durs)
assert f["mean_planned_seconds"] == 3600, f
worst = None
for r, d in zip(recs, durs):
    if worst is None or d - r["planned_seconds"] > worst[1]:
        worst = (r["plan"], d - r["planned_seconds"])
assert (f["worst_plan"], f["worst_over_seconds"]) == worst, (f, worst)
assert worst[0] == "r-late", worst
ms = sorted(a["ms"] for r in recs for a in r["verification"] if a["status"])
assert f["latency_attempts"] == len(ms) == 3, (f, ms)
assert f["latency_p50_ms"] == ms[(len(ms) - 1) // 2], (f, ms)
assert f["latency_p95_ms"] == ms[math.ceil(len(ms) * 0.95) - 1] == max(ms), (f, ms)
assert max(ms) >= 300, ms
assert f["over_max_ms"] == 0, f
rows = {w["plan"]: w for w in rep["records"]}
assert [w["plan"] for w in rep["records"]] == ["r-emerg", "r-done", "r-rb", "r-fail", "r-late"]
assert {p: w["outcome"] for p, w in rows.items()} == {"r-emerg": "completed",
    "r-done": "completed", "r-rb": "rolled-back", "r-fail": "failed", "r-late": "rolled-back"}
assert [p for p, w in rows.items() if w["emergency"]] == ["r-emerg"]
assert [p for p, w in rows.items() if not w["inside_window"]] == ["r-late"]
assert all(w["simulated"] and w["notice_held"] for w in rows.values())
assert rows["r-rb"]["resolution"] == "rollback succeeded", rows["r-rb"]
assert rows["r-rb"]["problem"] == "step 'break it' failed: exit status 3", rows["r-rb"]
assert rows["r-fail"]["problem"].startswith("backup failed (exit status 3)"), rows["r-fail"]
assert rows["r-fail"]["resolution"] == "none needed: no step had run", rows["r-fail"]
assert rows["r-done"].get("problem") is None
PY

op report --format csv
expect_rc "report --format csv" 0
printf '%s\n' "$out" > "$TMP/report.csv"
ok "the CSV has one row per run, as the JSON" python3 - "$TMP/report.csv" "$TMP/report.json" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
rep = json.load(open(sys.argv[2]))
assert [r["plan"] for r in rows] == [w["plan"] for w in rep["records"]], rows
for r, w in zip(rows, rep["records"]):
    assert r["outcome"] == w["outcome"] and r["run"] == w["run"], (r, w)
    assert r["started_at"] == w["started_at"] and r["ended_at"] == w["ended_at"]
    assert r["emergency"] == ("yes" if w["emergency"] else "no")
    assert r["inside_window"] == ("yes" if w["inside_window"] else "no")
    assert r["simulated"] == "yes"
    assert r["problem"] == (w.get("problem") or "")
PY

op report
expect_rc "report (text)" 0
expect_out "text: the runs" "Maintenance records: 5 runs"
expect_out "text: times are local" "2026-12-03 01:20 CST (Asia/Shanghai)  r-rb "
expect_out "text: the counts" "changes run:            5 (completed 2, rolled back 2, failed 1, deferred 0, other 0)"
expect_out "text: the share inside the window" "inside their window:    80.0%"
expect_out "text: a run past its slot is marked" "OUTSIDE its window"
expect_out "text: emergency changes apart" "emergency changes:      1"
expect_out "text: listed by name" "    r-emerg (completed)"
expect_out "text: emergency runs are marked" "[EMERGENCY]"
expect_out "text: simulated-clock records are marked" "[simulated clock]"
expect_out "text: and counted" "records made under a simulated clock: 5"
expect_out "text: the problem" "problem:    step 'break it' failed: exit status 3"
expect_out "text: and its resolution" "resolution: rollback succeeded"

# --- the period
plans_in() { python3 -c 'import json,sys; print(" ".join(w["plan"] for w in json.load(sys.stdin)["records"]))'; }
is "--to a day: the runs before it" \
    "$("$OFFPEAK" -C "$R" report --to 2026-12-02 --format json | plans_in)" r-emerg
is "--from a day: the runs from it" \
    "$("$OFFPEAK" -C "$R" report --from 2026-12-02 --format json | plans_in)" "r-done r-rb r-fail r-late"
is "--from and --to as RFC 3339 times" \
    "$("$OFFPEAK" -C "$R" report --from 2026-12-03T01:15:00+08:00 --to 2026-12-03T01:59:00+08:00 --format json | plans_in)" \
    "r-rb r-fail"
"$OFFPEAK" -C "$R" report --from 2026-12-03T01:15:00+08:00 --to 2026-12-03T01:59:00+08:00 --format json > "$TMP/part.json"
is "the figures are those of the period" \
    "$(python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["figures"]; print(f["runs"], f["rolled_back"], f["failed"], f["emergency"])' "$TMP/part.json")" \
    "2 1 1 0"
run_offpeak -C "$R" report --from yesterday
expect_rc "a bad date is a usage error" 2

# --- log: the history of one plan in order
op log r-rb
expect_rc "log r-rb" 0
printf '%s\n' "$out" > "$TMP/log"
ok "log shows revision, approval, schedule and run phases in order" python3 - "$TMP/log" <<'PY'
import sys
text = open(sys.argv[1]).read()
want = ["plan submitted", "submit r-rb", "assess r-rb low", "approval r-rb by alice@example.com",
        "approve r-rb (1/1)", "schedule r-rb 2026-12-03T01:00+08:00", "start r-rb run",
        "begin r-rb run", "backup r-rb run", "begin r-rb run", "rollback r-rb run",
        "begin r-rb run", "rolled-back r-rb run"]
at = 0
for w in want:
    i = text.find(w, at)
    assert i >= 0, (w, text[at:])
    at = i + len(w)
PY
expect_out "log names the failed step and the rollback" "rollback r-rb run $(run_id r-rb): step 'break it' failed: exit status 3"
expect_out "log shows the outcome" "rolled-back r-rb run $(run_id r-rb): step 'break it' failed: exit status 3; the rollback succeeded"

done_testing
