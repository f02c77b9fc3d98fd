# One truth at every instant: a slot that ends without a run is missed in
# status, status --json, the feeds and the status page's JSON at once, with
# no schedule in between; the next schedule releases it, records the miss,
# places the plan anew with a new notice, and report counts it. A change
# that rolled back or failed says so in its feed. A closed stdout never
# loses or half-writes state.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/run-lib.sh"
. "$SRCDIR/tests/e2e/calendar-lib.sh"

need_parsers
new_repo
mkplan t-miss a1
mkplan t-rb a2 'steps=[{"name": "break it", "run": ["hooks/act", "fail"]}]'
mkplan t-fail a3 'steps=[{"name": "break it", "run": ["hooks/act", "fail"]}]' \
    'rollback={"run": ["hooks/act", "fail"]}'
commit_all "$R" "plans"
approve_all t-miss t-rb t-fail
schedule
AFTER=2026-12-03T02:30:00+08:00	# the slot 01:00-02:00 has ended

# a rollback and a failure tell their outcome in the feeds
run_offpeak -C "$R" --now "$NOW" run t-rb
expect_rc "t-rb rolls back (exit 3)" 3
run_offpeak -C "$R" --now "$NOW" run t-fail
expect_rc "t-fail fails (exit 3)" 3
calendar "$R" "$NOW" "$TMP/f3"
for id in t-rb:"Rolled back: Change t-rb":rolled-back t-fail:"Failed: Change t-fail":failed; do
	pid=${id%%:*}; rest=${id#*:}; want=${rest%:*}; cat=${rest##*:}
	is "$pid: SUMMARY tells the outcome (python3-icalendar)" "$(ev "$TMP/f3/all.ics" "$pid@run.test.example" summary)" "$want"
	is "$pid: X-MAINTNOTE-STATUS stays in the BCOP's words" "$(ev "$TMP/f3/all.ics" "$pid@run.test.example" maintnote_status)" COMPLETED
	tr -d '\r' < "$TMP/f3/all.ics" | sed -n "/^UID:$pid@/,/^END:VEVENT/p" | grep -q "^CATEGORIES:outcome-$cat" &&
	    pass "$pid: an outcome category" || fail "$pid: no outcome category"
done
"$NODE" "$ICS_JS" "$TMP/f3/all.ics" > "$TMP/js3.json"
is "ical.js reads the outcomes" "$(python3 -c '
import json,sys
for e in sorted(json.load(open(sys.argv[1]))[0]["events"], key=lambda e: e["uid"]):
    if e["uid"] in ("t-fail@run.test.example", "t-rb@run.test.example"):
        print(e["summary"])' "$TMP/js3.json" | tr '\n' '/')" "Failed: Change t-fail/Rolled back: Change t-rb/"
feedcheck "the feeds agree with the state after the runs" "$R" "$TMP/f3" "$NOW"


# the slot of t-miss ends without a run: missed everywhere at once
run_offpeak -C "$R" --now "$AFTER" status
expect_out "status says missed, not 'run now'" "missed: its slot ended without a run"
printf '%s\n' "$out" | grep -q '^t-miss  *missed ' && pass "... in the STATE column" || fail "state column: $out"
run_offpeak -C "$R" --now "$AFTER" --json status t-miss
is "status --json: the slot no longer holds" \
    "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); d=d[0] if isinstance(d,list) else d; print(d["slot_live"], d["missed"], d["next"].split(":")[0])')" \
    "False True missed"
run_offpeak -C "$R" --now "$AFTER" run t-miss
expect_rc "run refuses the slot that ended" 1
seq=$(git -C "$R" show offpeak-state:state/t-miss.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["sequence"])')
calendar "$R" "$AFTER" "$TMP/f1"
is "the feed: CANCELLED, SUMMARY Missed:, one SEQUENCE up, dated at the slot's end (python3-icalendar)" \
    "$(ev "$TMP/f1/all.ics" t-miss@run.test.example status) $(ev "$TMP/f1/all.ics" t-miss@run.test.example summary) $(ev "$TMP/f1/all.ics" t-miss@run.test.example sequence) $(ev "$TMP/f1/all.ics" t-miss@run.test.example dtstamp)" \
    "CANCELLED Missed: Change t-miss $((seq + 1)) 2026-12-02T18:00:00Z"
"$NODE" "$ICS_JS" "$TMP/f1/all.ics" > "$TMP/js.json"
is "ical.js reads the same" "$(python3 -c '
import json,sys
for e in json.load(open(sys.argv[1]))[0]["events"]:
    if e["uid"] == "t-miss@run.test.example":
        print(e["status"], e["summary"], e["sequence"])' "$TMP/js.json")" "CANCELLED Missed: Change t-miss $((seq + 1))"
feedcheck "the feeds agree with the state at $AFTER" "$R" "$TMP/f1" "$AFTER"
. "$SRCDIR/tests/e2e/serve-lib.sh"
start_serve -C "$R" --now "$AFTER"
is "the status page's JSON says missed" "$(curl -s "http://127.0.0.1:$PORT/api/status.json" | python3 -c '
import json,sys
d = json.load(sys.stdin)
for sec in d.values():
    if isinstance(sec, list):
        for it in sec:
            if isinstance(it, dict) and it.get("id") == "t-miss":
                print(it.get("outcome"))')" "missed (its slot ended without a run)"
stop_serve

# the next schedule: the miss is written down and the plan placed anew
run_offpeak -C "$R" --now "$AFTER" schedule
expect_rc "schedule after the miss" 0
expect_out "schedule says so" "1 slot ended without a run (missed)"
git -C "$R" log -1 --format=%B offpeak-state | grep -q "^miss t-miss " && pass "the trail says it" || fail "no miss line"
git -C "$R" ls-tree --name-only offpeak-state records/t-miss/ | grep -q 'missed-20261202T170000Z.json' &&
    pass "a record of the miss" || fail "no record of the miss"
is "t-miss is placed anew with a new notice" \
    "$(git -C "$R" show offpeak-state:state/t-miss.json | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["status"], s["slot"]["start"] > "2026-12-03", s["published_at"])')" \
    "scheduled True 2026-12-02T18:30:00Z"
calendar "$R" "$AFTER" "$TMP/f2"
seq2=$(ev "$TMP/f2/all.ics" t-miss@run.test.example sequence)
[ "$seq2" -gt $((seq + 1)) ] && pass "... and its notice moves on to a higher SEQUENCE ($seq2)" || fail "sequence $seq2"
run_offpeak -C "$R" --now "$AFTER" report
expect_out "report counts the missed slot" "missed slots:           1"
expect_out "... naming it" "t-miss: the slot of 2026-12-03 01:00"

# a closed stdout: the same state as a plain run
R2=$TMP/big
mkdir -p "$R2/plans" "$R2/hooks"
cp "$R/offpeak.json" "$R2/"
cp "$R/hooks/act" "$R2/hooks/"
i=0
while [ $i -lt 200 ]; do
	i=$((i + 1))
	python3 - "$R2/plans/p$i.json" "p$i" "a$((i % 16 + 1))" <<'PY'
import json, sys
path, pid, sysname = sys.argv[1:]
json.dump({"id": pid, "title": "Change " + pid, "owner": "ops@example.com",
           "type": "standard", "systems": [sysname], "impact": "none",
           "duration": "PT15M",
           "backup": {"run": ["hooks/act", "manifest"]},
           "steps": [{"name": "s", "run": ["hooks/act"]}],
           "verify": {"run": [["hooks/act"]]}}, open(path, "w"))
PY
done
git -C "$R2" init -q
commit_all "$R2" "many plans"
git clone -q "$R2" "$TMP/big2"
git -C "$TMP/big2" remote remove origin
set +e
"$OFFPEAK" -C "$R2" --now "$PLAN_NOW" schedule | head -1 > "$TMP/head.out"
set -e
"$OFFPEAK" -C "$TMP/big2" --now "$PLAN_NOW" schedule > /dev/null
is "schedule | head -1 printed the summary line" "$(cut -c1-9 "$TMP/head.out")" "schedule:"
is "... and left the same state as a plain run" "$(git -C "$R2" rev-parse 'offpeak-state^{tree}')" \
    "$(git -C "$TMP/big2" rev-parse 'offpeak-state^{tree}')"

done_testing
