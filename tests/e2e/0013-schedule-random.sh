# Property test of the scheduler over random repositories: whatever the
# plans, every placed change honours its notice, shares no system with
# another change at the same time, respects max_concurrent, starts after
# its dependencies end and stays within not_before/not_after.
. "$SRCDIR/tests/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is missing"

for seed in 11 23 37; do
	R=$TMP/repo-$seed
	python3 "$SRCDIR/tests/bench/gen.py" --plans 300 --systems 60 --seed "$seed" \
	    --standard --max-concurrent 3 "$R" > /dev/null
	run_offpeak -C "$R" --now 2027-01-01T00:00:00Z schedule
	expect_rc "seed $seed: schedule" 0
	"$OFFPEAK" -C "$R" --now 2027-01-01T00:00:00Z --json status > "$TMP/status-$seed.json"
	ok "seed $seed: every constraint holds for every placed change" \
	    python3 - "$R" "$TMP/status-$seed.json" <<'PY'
import json, os, re, sys
from datetime import datetime, timedelta

repo, status = sys.argv[1], sys.argv[2]
def t(s): return datetime.fromisoformat(s.replace("Z", "+00:00"))
def dur(s):
    m = re.fullmatch(r"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", s)
    w, d, h, mi, se = (int(x or 0) for x in m.groups())
    return timedelta(weeks=w, days=d, hours=h, minutes=mi, seconds=se)

policy = json.load(open(os.path.join(repo, "offpeak.json")))
plans = {}
for f in os.listdir(os.path.join(repo, "plans")):
    p = json.load(open(os.path.join(repo, "plans", f)))
    plans[p["id"]] = p
states = {s["id"]: s for s in json.load(open(status))}
live = {i: s for i, s in states.items() if s.get("slot_live")}
assert len(live) > 100, len(live)
for i, s in live.items():
    p, a, b = plans[i], t(s["slot"]["start"]), t(s["slot"]["end"])
    assert b - a == dur(p["duration"]), i
    assert a >= t(s["published_at"]) + dur(s["risk"]["notice"]), (i, "notice")
    if "not_before" in p: assert a >= t(p["not_before"]), (i, "not_before")
    if "not_after" in p: assert b <= t(p["not_after"]), (i, "not_after")
    for d in p.get("depends_on", []):
        assert d in live, (i, "dependency not placed", d)
        assert t(live[d]["slot"]["end"]) <= a, (i, "dependency ends late", d)
ids = sorted(live, key=lambda i: t(live[i]["slot"]["start"]))
events = []
for x in ids:
    events.append((t(live[x]["slot"]["start"]), 1))
    events.append((t(live[x]["slot"]["end"]), -1))
depth = 0
for when, step in sorted(events, key=lambda e: (e[0], e[1])):
    depth += step
    assert depth <= policy["max_concurrent"], ("max_concurrent", when, depth)
for n, x in enumerate(ids):
    for y in ids[n + 1:]:
        if t(live[y]["slot"]["start"]) >= t(live[x]["slot"]["end"]):
            break
        shared = set(plans[x]["systems"]) & set(plans[y]["systems"])
        assert not shared, (x, y, "share", shared)
# inside one occurrence of a window (the generator's: weeknights 01:00 for
# 4 h, weekends 02:00 for 8 h, Europe/Berlin, one exdate), computed here
# with zoneinfo
from zoneinfo import ZoneInfo
berlin = ZoneInfo("Europe/Berlin")
exdates = {datetime(2027, 12, 25, 2, 0)}
def inside_window(a, b):
    day = a.astimezone(berlin).date()
    for w in policy["windows"]:
        hh, mm = int(w["start"][11:13]), int(w["start"][14:16])
        local = datetime(day.year, day.month, day.day, hh, mm)
        days = w["rrule"].split("BYDAY=")[1].split(";")[0].split(",")
        if ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][local.weekday()] not in days:
            continue
        if local in exdates and "exdates" in w:
            continue
        start = local.replace(tzinfo=berlin)
        if start <= a and b <= start + dur(w["duration"]):
            return True
    return False
for i, s in live.items():
    a, b = t(s["slot"]["start"]), t(s["slot"]["end"])
    assert inside_window(a, b), (i, "outside every window", s["slot"])
for i, s in states.items():
    if s["status"] == "expired":
        assert "not_after" in plans[i], (i, "expired without not_after")
PY
done

done_testing
