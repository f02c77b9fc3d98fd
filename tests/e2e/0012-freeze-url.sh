# Freezes from an iCalendar URL: fetched over HTTP from 127.0.0.1, cached
# on the state branch with the ETag, revalidated with If-None-Match, and
# the cached copy used (with a warning) when the server fails.
. "$SRCDIR/tests/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is needed for the HTTP server"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY || :
NO_PROXY=127.0.0.1
export NO_PROXY

NOW=2026-12-01T12:00:00+08:00
R=$TMP/repo
WWW=$TMP/www
LOG=$TMP/requests.log
SRV=
mkdir -p "$WWW"

# A static server that sends an ETag (a hash of the file) and answers 304
# to a matching If-None-Match; it logs "path if-none-match status" per
# request and stops by itself after two minutes at the latest.
cat > "$TMP/server.py" <<'PY'
import hashlib, http.server, os, sys, threading
root, portfile, log = sys.argv[1], sys.argv[2], sys.argv[3]
port = int(sys.argv[4]) if len(sys.argv) > 4 else 0

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        inm = self.headers.get("If-None-Match")
        try:
            with open(os.path.join(root, self.path.lstrip("/")), "rb") as f:
                data = f.read()
        except OSError:
            data = None
        if data is None:
            code, body, etag = 404, b"not found\n", None
        else:
            etag = '"%s"' % hashlib.sha256(data).hexdigest()[:16]
            code, body = (304, b"") if inm == etag else (200, data)
        self.send_response(code)
        if etag:
            self.send_header("ETag", etag)
        if code == 200:
            self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        with open(log, "a") as f:
            f.write("%s %s %d\n" % (self.path, inm or "-", code))

    def log_message(self, *args):
        pass

srv = http.server.HTTPServer(("127.0.0.1", port), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
t = threading.Timer(120, srv.shutdown)
t.daemon = True
t.start()
srv.serve_forever()
PY

# start_server [PORT]: start it (on PORT, or a free port) and set $PORT.
start_server() {
	rm -f "$TMP/port"
	python3 "$TMP/server.py" "$WWW" "$TMP/port" "$LOG" ${1:+"$1"} &
	SRV=$!
	i=0
	while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$TMP/port" ] || { echo "Bail out! the test HTTP server did not start"; exit 1; }
	PORT=$(cat "$TMP/port")
}
stop_server() {
	[ -n "$SRV" ] || return 0
	kill "$SRV" 2>/dev/null || :
	wait "$SRV" 2>/dev/null || :
	SRV=
}
trap 'stop_server; rm -rf "$TMP"' EXIT

# mkpolicy DIR URL
mkpolicy() {
	cat > "$1/offpeak.json" <<JSON
{
  "version": 1,
  "provider": "Freeze URL Test",
  "calendar": { "name": "Freeze URL test", "domain": "freeze.test.example" },
  "timezone": "Asia/Shanghai",
  "systems": { "s1": { "group": "a" }, "s2": { "group": "a" }, "s3": { "group": "a" } },
  "windows": [ { "name": "nightly", "groups": ["a"], "start": "2026-01-01T01:00:00",
                 "duration": "PT4H", "rrule": "FREQ=DAILY" } ],
  "freezes": [ { "name": "holidays", "url": "$2" } ],
  "risk": { "weights": { "impact.degraded": 1 },
            "levels": [ { "name": "low", "notice": "P1D", "approvals": 1 } ] },
  "approvers": ["alice@example.com"],
  "max_concurrent": 3
}
JSON
}

# mkplan DIR ID SYSTEM
mkplan() {
	mkdir -p "$1/plans"
	cat > "$1/plans/$2.json" <<PLAN
{ "id": "$2", "title": "Change $2", "owner": "ops@example.com",
  "systems": ["$3"], "impact": "degraded", "duration": "PT1H",
  "backup": { "run": ["hooks/backup"] },
  "steps": [ { "name": "do", "run": ["hooks/step"] } ],
  "verify": { "run": [["hooks/verify"]] } }
PLAN
}

# mkrepo DIR URL PLAN...: a committed repository with approved plans.
mkrepo() {
	dir=$1 url=$2
	shift 2
	mkdir -p "$dir/hooks"
	cp "$SRCDIR"/tests/data/base/hooks/* "$dir/hooks/"
	chmod +x "$dir"/hooks/*
	mkpolicy "$dir" "$url"
	for p in "$@"; do mkplan "$dir" "$p" s1; done
	git -C "$dir" init -q
	git -C "$dir" config user.email alice@example.com
	commit_all "$dir" "policy and plans"
	for p in "$@"; do "$OFFPEAK" -C "$dir" --now "$NOW" approve "$p" >/dev/null; done
}

op() { run_offpeak -C "$R" --now "$NOW" "$@"; }
start_of() {
	"$OFFPEAK" -C "$R" --now "$NOW" --json status "$1" |
	    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["slot"]["start_local"] if d.get("slot_live") else "none")'
}
state_tip() { git -C "$R" rev-parse -q --verify offpeak-state || echo none; }

# Holidays on 12-03 and 12-04 (whole days in the policy's zone); the
# cancelled event on 12-05 must not freeze anything.
printf '%s\r\n' BEGIN:VCALENDAR VERSION:2.0 "PRODID:-//test//holidays//EN" \
    BEGIN:VEVENT UID:h1@test DTSTAMP:20261101T000000Z \
    "DTSTART;VALUE=DATE:20261203" "DTEND;VALUE=DATE:20261205" \
    SUMMARY:Holidays END:VEVENT \
    BEGIN:VEVENT UID:gone@test DTSTAMP:20261101T000000Z \
    "DTSTART;VALUE=DATE:20261205" SUMMARY:Cancelled STATUS:CANCELLED \
    END:VEVENT END:VCALENDAR > "$WWW/holidays.ics"

start_server
URL=http://127.0.0.1:$PORT/holidays.ics
mkrepo "$R" "$URL" p1

# --- the freeze comes from the feed
op schedule
expect_rc "schedule with a freeze feed" 0
s=$(start_of p1)
[ "$s" = "2026-12-05T01:00:00+08:00" ] &&
    pass "placed after the feed's holidays (12-03, 12-04 local), cancelled event ignored" ||
    fail "p1 at $s, want 2026-12-05T01:00:00+08:00"
if git -C "$R" show offpeak-state:feeds/holidays.ics > "$TMP/cached.ics" 2>/dev/null &&
    cmp -s "$TMP/cached.ics" "$WWW/holidays.ics"; then
	pass "the state branch holds feeds/holidays.ics, byte for byte"
else
	fail "feeds/holidays.ics on the state branch"
fi
ok "feeds/holidays.json records url, etag and fetch time" python3 - "$R" "$URL" <<'PY'
import json, subprocess, sys
m = json.loads(subprocess.check_output(["git", "-C", sys.argv[1], "show", "offpeak-state:feeds/holidays.json"]))
assert m["url"] == sys.argv[2], m
assert m["etag"].startswith('"') and len(m["etag"]) == 18, m
assert m["fetched_at"] == "2026-12-01T04:00:00Z", m
PY
git -C "$R" log -1 --format=%B offpeak-state | grep -q "^refresh freeze feed holidays" &&
    pass "the commit message says the feed was refreshed" || fail "no refresh line in the commit"
tip=$(state_tip)

# --- unchanged feed: If-None-Match, 304, nothing written
op schedule
expect_rc "second schedule" 0
tail -n 1 "$LOG" | grep -q '^/holidays.ics "[0-9a-f]*" 304$' &&
    pass "the second fetch sent If-None-Match and got 304" || fail "last request: $(tail -n 1 "$LOG")"
[ "$(state_tip)" = "$tip" ] && pass "a 304 changes nothing on the state branch" || fail "state moved after 304"
[ -z "$err" ] && pass "no warning after a 304" || fail "stderr after 304: $err"

# --- server down, cached copy: proceed with a warning
stop_server
mkplan "$R" p2 s2
commit_all "$R" "p2"
"$OFFPEAK" -C "$R" --now "$NOW" approve p2 >/dev/null
op schedule
expect_rc "schedule with the server down and a cached copy" 0
expect_err "the warning names the freeze" "warning: freeze 'holidays': cannot fetch '$URL'"
expect_err "the warning says when the copy was fetched" "using the copy fetched 2026-12-01T04:00:00Z"
diag "$err"
s=$(start_of p2)
[ "$s" = "2026-12-05T01:00:00+08:00" ] && pass "the cached freeze still holds p2 back" ||
    fail "p2 at $s, want 2026-12-05T01:00:00+08:00"
git -C "$R" show offpeak-state:feeds/holidays.ics | cmp -s - "$WWW/holidays.ics" &&
    pass "the cached copy is kept" || fail "the cached copy changed"

# --- a feed that is not iCalendar counts as a failure
cp "$WWW/holidays.ics" "$TMP/good.ics"
printf '<html><body>Service temporarily unavailable</body></html>\n' > "$WWW/holidays.ics"
start_server "$PORT"
mkplan "$R" p3 s3
commit_all "$R" "p3"
"$OFFPEAK" -C "$R" --now "$NOW" approve p3 >/dev/null
op schedule
expect_rc "schedule with an HTML page for a feed" 0
expect_err "the warning names the freeze and the problem" "warning: freeze 'holidays': '$URL' is not a usable calendar: not an iCalendar text"
s=$(start_of p3)
[ "$s" = "2026-12-05T01:00:00+08:00" ] && pass "the cached freeze holds p3 back" || fail "p3 at $s"
git -C "$R" show offpeak-state:feeds/holidays.ics | cmp -s - "$TMP/good.ics" &&
    pass "the HTML page does not replace the cached copy" || fail "the cache was overwritten"

# --- a changed feed replaces the copy, and its new freeze moves slots
printf '%s\r\n' BEGIN:VCALENDAR VERSION:2.0 "PRODID:-//test//holidays//EN" \
    BEGIN:VEVENT UID:h2@test DTSTAMP:20261101T000000Z \
    "DTSTART;TZID=Asia/Shanghai:20261205T000000" \
    "DTEND;TZID=Asia/Shanghai:20261206T000000" SUMMARY:Moved END:VEVENT \
    END:VCALENDAR > "$WWW/holidays.ics"
op schedule
expect_rc "schedule with a changed feed" 0
git -C "$R" show offpeak-state:feeds/holidays.ics | cmp -s - "$WWW/holidays.ics" &&
    pass "the new copy is on the state branch" || fail "the new copy was not stored"
s=$(start_of p1)
[ "$s" = "2026-12-03T01:00:00+08:00" ] && pass "p1 leaves the new freeze for the earliest free night" ||
    fail "p1 at $s, want 2026-12-03T01:00:00+08:00"
stop_server

# --- no cached copy and no server: refuse, write nothing
F=$TMP/fresh
mkrepo "$F" "$URL" p1
before=$(git -C "$F" rev-parse offpeak-state)
run_offpeak -C "$F" --now "$NOW" schedule
expect_rc "a fresh repository with the feed down exits 5" 5
expect_err "the message names the freeze" "freeze 'holidays'"
expect_err "the message names the URL" "cannot fetch '$URL'"
diag "$err"
[ "$(git -C "$F" rev-parse offpeak-state)" = "$before" ] &&
    pass "no state commit (the approval's is the last)" || fail "a state commit was written"

# --- no cached copy and an HTTP error: refuse as well
start_server "$PORT"
rm "$WWW/holidays.ics"
run_offpeak -C "$F" --now "$NOW" schedule
expect_rc "a 404 without a cached copy exits 5" 5
expect_err "the message gives the status" "HTTP status 404"
stop_server

# --- hostile feeds: expansion work is bounded per calendar
start_server "$PORT"
/usr/bin/python3 - "$WWW/secondly.ics" <<'PY'
import sys
ev = []
for i in range(2000):
    ev += ["BEGIN:VEVENT", "UID:s%d@test" % i, "DTSTAMP:20261101T000000Z",
           "DTSTART:20200101T000000Z", "DTEND:20200101T000001Z",
           "RRULE:FREQ=SECONDLY;UNTIL=20200102T000000Z", "END:VEVENT"]
ev += ["BEGIN:VEVENT", "UID:real@test", "DTSTAMP:20261101T000000Z",
       "DTSTART;VALUE=DATE:20261203", "DTEND;VALUE=DATE:20261205", "END:VEVENT"]
open(sys.argv[1], "w").write("\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//t//EN"] + ev + ["END:VCALENDAR", ""]))
PY
S=$TMP/secondly
mkrepo "$S" "http://127.0.0.1:$PORT/secondly.ics" p1
run_offpeak -C "$S" --now "$NOW" schedule
expect_rc "2000 per-second events that ended in 2020: no walk through them, the feed is read" 0
s=$("$OFFPEAK" -C "$S" --now "$NOW" --json status p1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["slot"]["start_local"])')
[ "$s" = "2026-12-05T01:00:00+08:00" ] && pass "... and its one real freeze holds" || fail "p1 at $s"
printf '%s\r\n' BEGIN:VCALENDAR VERSION:2.0 "PRODID:-//t//t//EN" BEGIN:VEVENT UID:x@test \
    DTSTAMP:20261101T000000Z DTSTART:20261201T000000Z DTEND:20261201T000001Z \
    RRULE:FREQ=SECONDLY END:VEVENT END:VCALENDAR >"$WWW/endless.ics"
E=$TMP/endless
mkrepo "$E" "http://127.0.0.1:$PORT/endless.ics" p1
run_offpeak -C "$E" --now "$NOW" schedule
expect_rc "a per-second event without end, in the span: refused" 5
expect_err "... saying why" "event 'x@test': more than 200000 occurrences; there is no cached copy"
stop_server

# --- a provider's maintenance calendar with a mail client's line breaks
start_server "$PORT"
printf '%s\r\n' BEGIN:VCALENDAR VERSION:2.0 "PRODID:-//provider//notices//EN" \
    BEGIN:VEVENT UID:m1@provider DTSTAMP:20261101T000000Z \
    "DTSTART;VALUE=DATE:20261203" "DTEND;VALUE=DATE:20261205" SUMMARY:Core-router-upgrade \
    "DESCRIPTION;ENCODING=QUOTED-PRINTABLE:Dear customer,=0D=0A=" \
    "we will upgrade the core routers=" "during the window." END:VEVENT END:VCALENDAR >"$WWW/provider.ics"
P=$TMP/provider
mkrepo "$P" "http://127.0.0.1:$PORT/provider.ics" p1
run_offpeak -C "$P" --now "$NOW" schedule
expect_rc "a provider calendar with quoted-printable soft line breaks is read" 0
expect_err "one warning names the broken lines" "offpeak: warning: freeze 'holidays': lines 11, 12 are not iCalendar content lines and were left out (a mail client's quoted-printable line breaks?)"
[ "$(printf '%s\n' "$err" | grep -c warning)" -eq 1 ] && pass "... once" || { fail "warnings"; diag "$err"; }
s=$("$OFFPEAK" -C "$P" --now "$NOW" --json status p1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["slot"]["start_local"])')
[ "$s" = "2026-12-05T01:00:00+08:00" ] && pass "... and its freeze holds" || fail "p1 at $s"
stop_server

done_testing
