# Availability budgets (agreement clause 3.1): a target of 99.9% a month
# leaves 0.1% of each month's true length in Europe/Berlin; schedule never
# overspends it, moving a change to the next month with room or leaving it
# approved with the figures; an emergency with break-glass may overspend,
# flagged; status and report show budget, planned, actual, left and the
# availability the work leaves, a March an hour shorter.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/serve-lib.sh"

NOW=2027-01-10T12:00:00+01:00
R=$TMP/repo
mkdir -p "$R/plans" "$R/hooks"
cat > "$R/offpeak.json" <<'JSON'
{ "version": 1, "provider": "Budget Test Ops",
  "calendar": { "name": "Budget test", "domain": "budget.test.example" },
  "timezone": "Europe/Berlin",
  "systems": { "db-1": { "group": "db" }, "db-2": { "group": "db" },
               "web-1": { "group": "web" } },
  "windows": [ { "name": "nightly", "groups": ["db", "web"], "start": "2026-01-01T01:00:00",
                 "duration": "PT4H", "rrule": "FREQ=DAILY" } ],
  "risk": { "weights": { "impact.outage": 3 },
            "levels": [ { "name": "low", "max_score": 2, "notice": "PT1H", "approvals": 1 },
                        { "name": "high", "notice": "PT1H", "approvals": 1 } ],
            "emergency_notice": "PT1H" },
  "approvers": ["alice@example.com", "bob@example.com"],
  "break_glass": { "approvers": ["bob@example.com"] },
  "max_concurrent": 10,
  "availability": [ { "groups": ["db"], "target": "99.9%", "period": "month", "degraded": 0.5 } ] }
JSON
cp "$SRCDIR"/tests/data/base/hooks/* "$R/hooks/"
chmod +x "$R"/hooks/*
# mkplan ID SYSTEM DURATION IMPACT [TYPE]
mkplan() {
	cat > "$R/plans/$1.json" <<PLAN
{ "id": "$1", "title": "Change $1", "owner": "ops@example.com", "type": "${5:-standard}",
  "systems": ["$2"], "impact": "$4", "duration": "$3",
  "backup": { "run": ["hooks/backup"] },
  "steps": [ { "name": "do", "run": ["hooks/step"] } ],
  "verify": { "run": [["hooks/verify"]] } }
PLAN
}
op() { run_offpeak -C "$R" --now "$NOW" "$@"; }
slot() {
	"$OFFPEAK" -C "$R" --now "$NOW" --json status "$1" |
	    python3 -c 'import json,sys; d=json.load(sys.stdin); print((d.get("slot") or {}).get("start_local", "-")[:16], d["status"])'
}
is() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1"; diag "got:  $2" "want: $3"; fi; }

git -C "$R" init -q
mkplan p1 db-1 PT30M outage
mkplan p2 db-1 PT30M outage
mkplan p3 db-1 PT1H degraded
mkplan p4 db-2 PT50M outage
mkplan p5 web-1 PT2H outage
commit_all "$R" "five plans"
git -C "$R" config user.email alice@example.com

run_offpeak -C "$R" check
expect_rc "check takes the availability targets" 0
op schedule
expect_rc "schedule" 0
is "p1: January has room (30 of 44 min 38 s)" "$(slot p1)" "2027-01-11T01:00 scheduled"
is "p2: January would overspend: February" "$(slot p2)" "2027-02-01T01:00 scheduled"
is "p3: degraded spends half its hour; January and February are full: March" "$(slot p3)" "2027-03-01T01:00 scheduled"
is "p4: 50 min fits no month: left approved" "$(slot p4)" "- approved"
reason=$("$OFFPEAK" -C "$R" --now "$NOW" --json status p4 | python3 -c 'import json,sys; print(json.load(sys.stdin).get("reason", ""))')
case $reason in
*"db-2 20"*": 4"*" min "*" s budget, 0 min planned; this change needs 50 min") pass "... with the system, the period and the figures ($reason)" ;;
*) fail "p4 reason: '$reason'" ;;
esac
is "p5: web has no target" "$(slot p5)" "2027-01-11T01:00 scheduled"
git -C "$R" log -1 --format=%B offpeak-state | grep -q "^defer p4: .*: db-2 20" &&
    pass "the trail says why p4 waits" || fail "no defer line"

# --- status: the budgets of this period and the next
op status
expect_rc "status" 0
printf '%s\n' "$out" > "$TMP/status.txt"
python3 - "$TMP/status.txt" <<'PY' > "$TMP/avail.out"
import sys
rows = {}
for l in open(sys.argv[1]):
    f = l.split()
    if f and f[0] in ("db-1", "db-2", "web-1") and len(f) > 3 and f[1] == "99.9%":
        rows[(f[0], f[2])] = l.strip()
print(sorted(rows))
print(rows[("db-1", "2027-01")])
print(rows[("db-1", "2027-03")])
PY
is "status lists db-1 and db-2 for January to April, not web-1" "$(sed -n 1p "$TMP/avail.out")" \
    "[('db-1', '2027-01'), ('db-1', '2027-02'), ('db-1', '2027-03'), ('db-1', '2027-04'), ('db-2', '2027-01'), ('db-2', '2027-02'), ('db-2', '2027-03'), ('db-2', '2027-04')]"
is "db-1 January: 44 min 38 s budget, 30 min planned, 14 min 38 s left, 99.9328%" \
    "$(sed -n 2p "$TMP/avail.out" | tr -s ' ')" "db-1 99.9% 2027-01 44 min 38 s 30 min 0 min 14 min 38 s 99.9328%"
is "db-1 March: an hour shorter in Berlin: 44 min 34 s, half of p3's hour planned" \
    "$(sed -n 3p "$TMP/avail.out" | tr -s ' ')" "db-1 99.9% 2027-03 44 min 34 s 30 min 0 min 14 min 34 s 99.9327%"

# --- an emergency with break-glass may overspend, flagged
mkplan hot db-1 PT30M outage emergency
commit_all "$R" "an emergency"
op approve hot
op schedule
is "without break-glass the emergency waits for room (February and March are full too)" "$(slot hot)" "2027-04-01T01:00 scheduled"
git -C "$R" config user.email bob@example.com
op approve hot --break-glass -m "the disk is failing"
expect_rc "break-glass approval" 0
op schedule
is "with break-glass it moves to the first night" "$(slot hot)" "2027-01-11T01:30 scheduled"
bg=$("$OFFPEAK" -C "$R" --now "$NOW" --json status hot | python3 -c 'import json,sys; print(json.load(sys.stdin).get("break_glass", {}).get("overspend", "-"))')
is "... the overspend is kept in the state" "$bg" "db-1 2027-01: 44 min 38 s budget, 30 min planned; this change needs 30 min"
git -C "$R" log -1 --format=%B offpeak-state | grep -q "^break-glass hot: the availability budget (db-1 2027-01" &&
    pass "... and said in the trail" || { fail "no break-glass line"; diag "$(git -C "$R" log -1 --format=%B offpeak-state)"; }
op status
printf '%s\n' "$out" | grep -q "^db-1 .*2027-01 .*OVERSPENT" && pass "status flags January of db-1 as overspent" ||
    { fail "no OVERSPENT"; diag "$out"; }

# --- the status page and its JSON show the budgets of this period
start_serve -C "$R" --now "$NOW" --offline
get /api/status.json
python3 - "$TMP/body" <<'PY' > "$TMP/api.out"
import json, sys
a = json.load(open(sys.argv[1]))["availability"]
r = {(x["system"], x["period"]): x for x in a}
x = r[("db-1", "2027-01")]
print(sorted(r), x["budget_seconds"], x["planned_seconds"], x["overspent"])
PY
is "/api/status.json: this period's budget per system, db-1 overspent by the emergency" "$(cat "$TMP/api.out")" \
    "[('db-1', '2027-01'), ('db-2', '2027-01')] 2678 3600 True"
get /
grep -q "<h2>Availability this period</h2>" "$TMP/body" && grep -q 'class="budget"' "$TMP/body" &&
    pass "the status page has a bar per system" || fail "no availability on the page"
stop_serve

done_testing
