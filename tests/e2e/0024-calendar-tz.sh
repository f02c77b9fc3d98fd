# VTIMEZONEs: offpeak writes its own from the system zoneinfo, with the
# current rules as open-ended RRULEs and explicit observances where rules
# changed. For zones of every kind (southern hemisphere, half-hour and
# 45-minute offsets, 30-minute DST, negative DST, rule times past midnight
# or before it, rules that ended or changed inside the span) libical,
# ical.js and python3-icalendar must read local times through them as
# zoneinfo does. Then changes scheduled around DST changes in several zones
# go through the whole pipeline and the feeds are checked as usual.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/calendar-lib.sh"
need_parsers

# --- probe calendars: one per zone and span

mkdir "$TMP/vtz"
bad=
while read -r zone from to; do
	f=$TMP/vtz/$(echo "$zone" | tr / _).ics
	"$VTZ_DUMP" "$zone" "$from-01-01T00:00:00Z" "$to-01-01T00:00:00Z" >"$f" 2>"$TMP/vtz.err" ||
	    bad="$bad $zone"
done <<'ZONES'
Europe/Berlin 2026 2029
Europe/London 2026 2029
Europe/Dublin 2026 2029
America/New_York 2026 2029
America/St_Johns 2026 2029
America/Havana 2026 2029
America/Santiago 2026 2029
America/Nuuk 2022 2027
America/Asuncion 2023 2027
America/Mexico_City 2021 2024
America/Sao_Paulo 2017 2021
Australia/Sydney 2026 2029
Australia/Lord_Howe 2026 2029
Pacific/Auckland 2026 2029
Pacific/Chatham 2026 2029
Pacific/Apia 2020 2023
Antarctica/Troll 2026 2029
Asia/Jerusalem 2026 2029
Asia/Gaza 2026 2029
Asia/Amman 2021 2024
Asia/Tehran 2021 2024
Asia/Kolkata 2026 2029
Asia/Shanghai 2026 2029
Africa/Cairo 2022 2027
Africa/Casablanca 2026 2029
Europe/Moscow 2010 2016
Europe/Lisbon 1990 1998
America/Los_Angeles 1970 1975
Etc/GMT+5 2026 2028
UTC 2026 2028
ZONES
[ -z "$bad" ] && pass "a VTIMEZONE for each of 30 zones" || fail "vtz-dump failed for:$bad"; diag "$(cat "$TMP/vtz.err")"
if "$PY" "$SRCDIR/tests/py/probecheck.py" --ics-check "$ICS_CHECK" --node "$NODE" --ics-js "$ICS_JS" "$TMP"/vtz/*.ics >"$TMP/probe.out" 2>&1; then
	pass "libical, ical.js, python3-icalendar and zoneinfo agree on every probe of every zone"
else
	fail "the parsers read a VTIMEZONE differently"
fi
diag "$(grep -v ' 0 problems' "$TMP/probe.out" | head -n 40)"
n=$(awk '{ s += $2 } END { print s }' "$TMP/probe.out")
[ "$n" -gt 7000 ] && pass "$n probes" || fail "only $n probes"
for z in Europe_Berlin America_New_York Australia_Sydney Asia_Jerusalem America_Nuuk America_Santiago; do
	f=$TMP/vtz/$z.ics
	if [ "$(grep -c '^RRULE:FREQ=YEARLY' "$f")" = 2 ] && ! grep -q UNTIL "$f"; then :; else bad="$bad $z"; fi
done
[ -z "$bad" ] && pass "zones with DST now: two open-ended RRULEs, no UNTIL" || fail "RRULEs:$bad"
grep -q '^BYMONTHDAY\|BYMONTHDAY=23,24,25,26,27,28,29' "$TMP/vtz/Asia_Jerusalem.ics" &&
    pass "a rule time past midnight (Jerusalem: Friday before the last Sunday) as BYDAY+BYMONTHDAY" ||
    fail "Jerusalem's rule"
if ! grep -q RRULE "$TMP/vtz/America_Sao_Paulo.ics" && [ "$(grep -c '^BEGIN:DAYLIGHT' "$TMP/vtz/America_Sao_Paulo.ics")" -ge 2 ]; then
	pass "rules that ended inside the span (Sao Paulo 2019): explicit observances"
else
	fail "Sao Paulo"
fi
if ! grep -q 'freeassociation\|^TZID:/' "$TMP"/vtz/*.ics; then pass "TZIDs are plain IANA names"; else fail "TZID prefix"; fi

# --- changes around DST changes in five zones, through the pipeline

R=$TMP/repo
F=$TMP/feeds
mkdir -p "$R/plans" "$R/hooks"
cp "$SRCDIR"/tests/data/base/hooks/* "$R/hooks/"
chmod +x "$R"/hooks/*
cat >"$R/offpeak.json" <<'JSON'
{ "version": 1, "provider": "Zones Ops",
  "calendar": { "name": "Zones", "domain": "zones.test.example" },
  "timezone": "Europe/Berlin",
  "systems": { "s-ber": { "group": "ber" }, "s-gap": { "group": "gap" },
               "s-nyc": { "group": "nyc" }, "s-syd": { "group": "syd" },
               "s-cht": { "group": "cht" }, "s-kol": { "group": "kol" } },
  "windows": [
    { "name": "berlin", "groups": ["ber"], "start": "2026-01-01T01:30:00", "duration": "PT3H",
      "rrule": "FREQ=DAILY" },
    { "name": "gap", "groups": ["gap"], "start": "2026-03-29T02:30:00", "duration": "PT2H",
      "rrule": "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" },
    { "name": "nyc", "groups": ["nyc"], "start": "2026-01-04T00:30:00", "timezone": "America/New_York",
      "duration": "PT4H", "rrule": "FREQ=WEEKLY;BYDAY=SU" },
    { "name": "sydney", "groups": ["syd"], "start": "2026-01-01T01:00:00", "timezone": "Australia/Sydney",
      "duration": "PT4H", "rrule": "FREQ=DAILY" },
    { "name": "chatham", "groups": ["cht"], "start": "2026-01-04T02:00:00", "timezone": "Pacific/Chatham",
      "duration": "PT3H", "rrule": "FREQ=WEEKLY;BYDAY=SU" },
    { "name": "kolkata", "groups": ["kol"], "start": "2026-01-01T23:30:00", "timezone": "Asia/Kolkata",
      "duration": "PT2H", "rrule": "FREQ=DAILY" } ],
  "risk": { "weights": {}, "levels": [ { "name": "low", "notice": "P1D", "approvals": 1 } ] },
  "approvers": ["alice@example.com"] }
JSON
# plan ID SYSTEM DURATION NOT_BEFORE
plan() {
	cat >"$R/plans/$1.json" <<PLAN
{ "id": "$1", "title": "Change $1", "owner": "ops@example.com",
  "systems": ["$2"], "impact": "none", "duration": "$3", "not_before": "$4",
  "backup": { "run": ["hooks/backup"] },
  "steps": [ { "name": "do", "run": ["hooks/step"] } ],
  "verify": { "run": [["hooks/verify"]] } }
PLAN
}
plan ber-fallback s-ber PT1H 2026-10-25T00:00:00+02:00	# 01:30-02:30 CEST: ends in the repeated hour
plan gap-spring s-gap PT1H 2027-01-01T00:00:00+01:00	# 02:30 does not exist on 2027-03-28
plan nyc-fallback s-nyc PT2H 2026-11-01T00:00:00-04:00	# 00:30-02:30 crosses 01:00-02:00 twice
plan syd-autumn s-syd PT3H 2027-04-04T00:00:00+11:00	# Sydney leaves DST 03:00 -> 02:00
plan cht-spring s-cht PT2H 2026-09-27T00:00:00+12:45	# Chatham: +12:45 -> +13:45 at 02:45
plan kol s-kol PT1H30M 2026-10-30T00:00:00+05:30
git -C "$R" init -q
commit_all "$R" "plans around DST changes"
git -C "$R" config user.email alice@example.com
NOW=2026-09-20T12:00:00+02:00
for p in ber-fallback gap-spring nyc-fallback syd-autumn cht-spring kol; do
	run_offpeak -C "$R" --now "$NOW" approve "$p"
done
run_offpeak -C "$R" --now "$NOW" schedule
expect_rc "scheduled" 0
expect_out "gap: 02:30 on 2027-03-28 is 03:30 CEST" "schedule gap-spring 2027-03-28T03:30+02:00"
expect_out "Berlin: the night summer time ends" "schedule ber-fallback 2026-10-25T01:30+02:00"
calendar "$R" "$NOW" "$F"
feedcheck "changes around DST changes: three parsers and zoneinfo agree with the state" "$R" "$F" "$NOW"
grep -q '^DTEND:20261025T003000Z' "$F/all.ics" && pass "an end in the repeated hour is written in UTC" ||
    fail "ber-fallback DTEND"
grep -q '^DTSTART;TZID=Europe/Berlin:20270328T033000' "$F/all.ics" &&
    pass "a start in the spring gap is written as the local time that exists" || fail "gap-spring DTSTART"
for z in Europe/Berlin America/New_York Australia/Sydney Pacific/Chatham Asia/Kolkata; do
	grep -q "^TZID:$z" "$F/all.ics" || bad="$bad $z"
done
[ -z "$bad" ] && pass "all.ics has a VTIMEZONE for each zone it uses" || fail "missing VTIMEZONE:$bad"
if [ "$(grep -c '^TZID:' "$F/systems/s-syd.ics")" = 1 ] && grep -q '^TZID:Australia/Sydney' "$F/systems/s-syd.ics"; then
	pass "a system's feed carries only the zones its events use"
else
	fail "zones in systems/s-syd.ics"
fi

done_testing
