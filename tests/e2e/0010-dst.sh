# Off-peak windows across daylight saving time changes.
#
# tests/unit/window-dump expands one window in a zone; every occurrence of
# 2026 and 2027 is compared with an independent computation in Python's
# zoneinfo with fold=0 semantics: a local start in a spring-forward gap takes
# the offset before the gap, one in a fall-back overlap its first occurrence,
# and the end is the start plus the duration in elapsed time. Zones:
# Europe/Berlin, America/New_York, Australia/Sydney (DST over the new year)
# and Asia/Shanghai (none). A few results are also pinned here so that the
# test means something without Python.
. "$SRCDIR/tests/lib.sh"

DUMP=${WINDOW_DUMP:-$(dirname "$OFFPEAK")/../tests/unit/window-dump}
PY=${OFFPEAK_TEST_PYTHON:-/usr/bin/python3}
FROM=2026-01-01T00:00:00Z
TO=2028-01-01T00:00:00Z

skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }

[ -x "$DUMP" ] || skip_all "window-dump not built ($DUMP)"

have_py=no
if [ -x "$PY" ] && "$PY" -c 'import zoneinfo; zoneinfo.ZoneInfo("Europe/Berlin")' 2>/dev/null; then
	have_py=yes
fi

# expected ZONE START DURATION RRULE FROM TO [EXDATE...]: what zoneinfo says,
# in window-dump's format. Rules: FREQ=DAILY or FREQ=WEEKLY;BYDAY=...
expected() {
	"$PY" - "$@" <<'EOF'
import re, sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

zone, start, dur, rule, frm, to = sys.argv[1:7]
exdates = {datetime.fromisoformat(x) for x in sys.argv[7:]}
z = ZoneInfo(zone)
utc = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
frm, to = utc(frm), utc(to)
m = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?", dur)
length = timedelta(hours=int(m.group(1) or 0), minutes=int(m.group(2) or 0))
days = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
if rule == "FREQ=DAILY":
    wanted = set(range(7))
else:
    m = re.fullmatch(r"FREQ=WEEKLY;BYDAY=([A-Z,]+)", rule)
    wanted = {days.index(d) for d in m.group(1).split(",")}

def show(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")

def show_local(t):
    loc = t.astimezone(z)
    off = int(loc.utcoffset().total_seconds())
    if off == 0:
        return loc.strftime("%Y-%m-%dT%H:%M:%SZ")
    sign = "-" if off < 0 else "+"
    off = abs(off)
    return loc.strftime("%Y-%m-%dT%H:%M:%S") + "%s%02d:%02d" % (sign, off // 3600, off // 60 % 60)

local = datetime.fromisoformat(start)
while True:
    begin = local.replace(tzinfo=z, fold=0).astimezone(timezone.utc)
    if begin >= to:
        break
    if local.weekday() in wanted and local not in exdates:
        end = begin + length
        if end > frm:
            print(show(begin), show(end), show_local(begin))
    local += timedelta(days=1)
EOF
}

# check DESC ZONE START DURATION RRULE [EXDATE...]: window-dump over 2026-2027
# equals zoneinfo's answer, occurrence for occurrence.
check() {
	desc=$1; zone=$2; start=$3; dur=$4; rule=$5; shift 5
	if ! "$DUMP" "$zone" "$start" "$dur" "$rule" "$FROM" "$TO" "$@" \
	    >"$TMP/got" 2>"$TMP/err"; then
		fail "$desc: window-dump failed"
		diag "$(cat "$TMP/err")"
		return
	fi
	if [ "$have_py" = no ]; then
		skip "$desc" "no $PY with zoneinfo"
		return
	fi
	expected "$zone" "$start" "$dur" "$rule" "$FROM" "$TO" "$@" >"$TMP/want"
	n=$(wc -l <"$TMP/want")
	if [ "$n" -lt 100 ]; then
		fail "$desc: zoneinfo gave only $n occurrences"
	elif cmp -s "$TMP/got" "$TMP/want"; then
		pass "$desc: $n occurrences equal zoneinfo's"
	else
		fail "$desc: differs from zoneinfo"
		diag "$(diff "$TMP/want" "$TMP/got" | head -20)"
	fi
}

# has DESC LINE: the last window-dump output contains that occurrence.
has() {
	if grep -qxF -- "$2" "$TMP/got"; then
		pass "$1"
	else
		fail "$1"
		diag "want: $2" "$(head -5 "$TMP/got")"
	fi
}

# Europe/Berlin: 2026-03-29, 2026-10-25, 2027-03-28, 2027-10-31 (02:00-03:00).
check "Berlin 02:30 daily (spring gap, autumn overlap)" \
	Europe/Berlin 2025-12-01T02:30:00 PT1H FREQ=DAILY
has "Berlin 02:30 in the gap is 03:30 CEST" \
	"2026-03-29T01:30:00Z 2026-03-29T02:30:00Z 2026-03-29T03:30:00+02:00"
has "Berlin 02:30 after the gap has no drift" \
	"2026-03-30T00:30:00Z 2026-03-30T01:30:00Z 2026-03-30T02:30:00+02:00"
has "Berlin 02:30 in the overlap is the first (CEST)" \
	"2026-10-25T00:30:00Z 2026-10-25T01:30:00Z 2026-10-25T02:30:00+02:00"
has "Berlin 2027 gap" \
	"2027-03-28T01:30:00Z 2027-03-28T02:30:00Z 2027-03-28T03:30:00+02:00"
check "Berlin 23:00 PT4H daily (crossing midnight)" \
	Europe/Berlin 2025-12-01T23:00:00 PT4H FREQ=DAILY
has "Berlin 23:00 into the spring-forward night lasts 4 elapsed hours" \
	"2026-03-28T22:00:00Z 2026-03-29T02:00:00Z 2026-03-28T23:00:00+01:00"
check "Berlin 01:00 PT3H daily (spanning the transitions)" \
	Europe/Berlin 2025-12-01T01:00:00 PT3H FREQ=DAILY
has "Berlin 01:00 PT3H on the autumn night" \
	"2026-10-24T23:00:00Z 2026-10-25T02:00:00Z 2026-10-25T01:00:00+02:00"
check "Berlin weekends 02:00 PT2H30M with exdates" \
	Europe/Berlin 2025-12-06T02:00:00 PT2H30M "FREQ=WEEKLY;BYDAY=SA,SU" \
	2026-03-29T02:00:00 2027-10-31T02:00:00 2026-05-02T03:00:00
if grep -q '^2026-03-29T01:00:00Z' "$TMP/got"; then
	fail "Berlin exdate in the gap removes that occurrence"
else
	pass "Berlin exdate in the gap removes that occurrence"
fi

# America/New_York: 2026-03-08, 2026-11-01, 2027-03-14, 2027-11-07.
check "New York 02:30 daily (spring gap)" \
	America/New_York 2025-12-01T02:30:00 PT1H FREQ=DAILY
has "New York 02:30 in the gap is 03:30 EDT" \
	"2026-03-08T07:30:00Z 2026-03-08T08:30:00Z 2026-03-08T03:30:00-04:00"
check "New York 01:30 daily (autumn overlap)" \
	America/New_York 2025-12-01T01:30:00 PT1H FREQ=DAILY
has "New York 01:30 in the overlap is the first (EDT)" \
	"2026-11-01T05:30:00Z 2026-11-01T06:30:00Z 2026-11-01T01:30:00-04:00"
has "New York 2027 overlap" \
	"2027-11-07T05:30:00Z 2027-11-07T06:30:00Z 2027-11-07T01:30:00-04:00"
check "New York 23:00 PT4H daily (crossing midnight)" \
	America/New_York 2025-12-01T23:00:00 PT4H FREQ=DAILY
check "New York 01:00 PT3H daily (spanning the transitions)" \
	America/New_York 2025-12-01T01:00:00 PT3H FREQ=DAILY
check "New York weekends 02:00 PT2H30M" \
	America/New_York 2025-12-06T02:00:00 PT2H30M "FREQ=WEEKLY;BYDAY=SA,SU"

# Australia/Sydney: 2026-04-05, 2026-10-04, 2027-04-04, 2027-10-03.
check "Sydney 02:30 daily (spring gap in October, overlap in April)" \
	Australia/Sydney 2025-12-01T02:30:00 PT1H FREQ=DAILY
has "Sydney 02:30 in the gap is 03:30 AEDT" \
	"2026-10-03T16:30:00Z 2026-10-03T17:30:00Z 2026-10-04T03:30:00+11:00"
has "Sydney 02:30 in the overlap is the first (AEDT)" \
	"2026-04-04T15:30:00Z 2026-04-04T16:30:00Z 2026-04-05T02:30:00+11:00"
check "Sydney 23:00 PT4H daily (crossing midnight and the new year)" \
	Australia/Sydney 2025-12-01T23:00:00 PT4H FREQ=DAILY
has "Sydney new year's eve window" \
	"2026-12-31T12:00:00Z 2026-12-31T16:00:00Z 2026-12-31T23:00:00+11:00"
check "Sydney 01:00 PT3H daily (spanning the transitions)" \
	Australia/Sydney 2025-12-01T01:00:00 PT3H FREQ=DAILY
check "Sydney weekends 02:00 PT2H30M" \
	Australia/Sydney 2025-12-06T02:00:00 PT2H30M "FREQ=WEEKLY;BYDAY=SA,SU"

# Asia/Shanghai: no DST; nothing may move.
check "Shanghai 02:30 daily" \
	Asia/Shanghai 2025-12-01T02:30:00 PT1H FREQ=DAILY
has "Shanghai 02:30 on Berlin's gap day" \
	"2026-03-28T18:30:00Z 2026-03-28T19:30:00Z 2026-03-29T02:30:00+08:00"
check "Shanghai 23:00 PT4H daily (crossing midnight)" \
	Asia/Shanghai 2025-12-01T23:00:00 PT4H FREQ=DAILY
check "Shanghai 01:00 PT3H daily" \
	Asia/Shanghai 2025-12-01T01:00:00 PT3H FREQ=DAILY
check "Shanghai weekdays 01:00 PT4H" \
	Asia/Shanghai 2026-01-05T01:00:00 PT4H "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"

done_testing
