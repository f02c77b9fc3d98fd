# offpeak serve: the feeds byte for byte as `calendar` writes them, with
# validators, 304s, gzip and HEAD; private feeds by token; the status page,
# its JSON and /healthz; reloading when the state or the policy moves; limits;
# a clean stop on SIGTERM.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/serve-lib.sh"

D=$TMP/repo
ODD='Tidy <script>alert(1)</script> & "quote" up'
serve_repo "$D" "$ODD"
run_offpeak -C "$D" --now "$T0" calendar -o "$TMP/feeds"
[ "$rc" -eq 0 ] || { echo "Bail out! calendar failed: $err"; exit 1; }

SERVE_OPTS=--verbose start_serve -C "$D" --now "$T0"
grep -q 'serve: serving state [0-9a-f]\{12\}, plans [0-9a-f]\{12\}: 14 changes, 14 public feeds, 2 private' "$TMP/serve.log" &&
    grep -q "listening on http://127.0.0.1:$PORT/" "$TMP/serve.log" &&
    pass "one log line says what is served, one where it listens" || { fail "start log"; diag "$(cat "$TMP/serve.log")"; }

# --- the feeds

n=0 bad=
for f in $(cd "$TMP/feeds" && find . -name '*.ics' | sed 's|^\./||' | sort); do
	get "/calendar/$f"
	n=$((n + 1))
	if [ "$code" != 200 ] || ! cmp -s "$TMP/body" "$TMP/feeds/$f"; then bad="$bad $f($code)"; fi
done
if [ "$n" -eq 14 ] && [ -z "$bad" ]; then pass "all $n feeds byte for byte as 'offpeak calendar' writes them at the same --now"
else fail "feeds differ:$bad (of $n)"; fi

get /calendar/all.ics
[ "$(hdr Content-Type)" = "text/calendar; charset=utf-8" ] && pass "Content-Type: text/calendar; charset=utf-8" ||
    fail "Content-Type: $(hdr Content-Type)"
ETAG=$(hdr ETag)
LM=$(hdr Last-Modified)
case $ETAG in
\"*\") pass "a strong ETag: $ETAG" ;;
*) fail "ETag: '$ETAG'" ;;
esac
[ "$LM" = "Mon, 30 Nov 2026 08:00:00 GMT" ] && pass "Last-Modified is the state commit's time" || fail "Last-Modified: $LM"
[ "$(hdr Vary)" = "Accept-Encoding" ] && pass "Vary: Accept-Encoding" || fail "Vary: $(hdr Vary)"
[ "$(hdr Content-Length)" = "$(wc -c <"$TMP/feeds/all.ics" | tr -d ' ')" ] && pass "Content-Length is the feed's size" || fail "Content-Length $(hdr Content-Length)"

get /calendar/all.ics -H "If-None-Match: $ETAG"
[ "$code" = 304 ] && [ ! -s "$TMP/body" ] && [ "$(hdr ETag)" = "$ETAG" ] &&
    [ "$(hdr Last-Modified)" = "$LM" ] && [ "$(hdr Vary)" = "Accept-Encoding" ] &&
    pass "If-None-Match with the ETag: 304, no body, ETag, Last-Modified, Vary" || fail "If-None-Match: $code"
get /calendar/all.ics -H 'If-None-Match: "other", '"$ETAG"
[ "$code" = 304 ] && pass "... also among other tags" || fail "If-None-Match list: $code"
get /calendar/all.ics -H 'If-None-Match: "0-0"'
[ "$code" = 200 ] && pass "another ETag: 200" || fail "other ETag: $code"
get /calendar/all.ics -H "If-Modified-Since: $LM"
[ "$code" = 304 ] && pass "If-Modified-Since the Last-Modified: 304" || fail "If-Modified-Since: $code"
get /calendar/all.ics -H "If-Modified-Since: Sun, 29 Nov 2026 08:00:00 GMT"
[ "$code" = 200 ] && pass "If-Modified-Since a day earlier: 200" || fail "If-Modified-Since earlier: $code"
get /calendar/all.ics -H 'If-None-Match: "0-0"' -H "If-Modified-Since: $LM"
[ "$code" = 200 ] && pass "If-None-Match wins over If-Modified-Since" || fail "precedence: $code"

get /calendar/all.ics --compressed
[ "$(hdr Content-Encoding)" = gzip ] && cmp -s "$TMP/body" "$TMP/feeds/all.ics" &&
    pass "gzip when asked (curl --compressed), the same bytes once decompressed" || fail "gzip: $(hdr Content-Encoding)"
GZTAG=$(hdr ETag)
[ "$GZTAG" != "$ETAG" ] && [ "$(hdr Vary)" = "Accept-Encoding" ] && pass "the gzip copy has its own ETag" || fail "gzip ETag $GZTAG"
curl -s --max-time 10 -H 'Accept-Encoding: gzip' -o "$TMP/all.gz" "$BASE/calendar/all.ics"
gzip -dc <"$TMP/all.gz" | cmp -s - "$TMP/feeds/all.ics" && pass "... a valid gzip stream" || fail "not gzip"
get /calendar/all.ics -H 'Accept-Encoding: gzip;q=0, identity'
[ -z "$(hdr Content-Encoding)" ] && cmp -s "$TMP/body" "$TMP/feeds/all.ics" && pass "gzip;q=0: plain" || fail "q=0 gave $(hdr Content-Encoding)"
get /calendar/all.ics --compressed -H "If-None-Match: $GZTAG"
[ "$code" = 304 ] && pass "304 for the gzip copy's ETag too" || fail "gzip 304: $code"

get /calendar/all.ics -I
[ "$code" = 200 ] && [ "$(hdr Content-Length)" = "$(wc -c <"$TMP/feeds/all.ics" | tr -d ' ')" ] &&
    [ "$(hdr ETag)" = "$ETAG" ] && cmp -s "$TMP/body" "$TMP/hdr" &&
    pass "HEAD: the headers of GET, no body" || fail "HEAD: $code"
python3 - "$PORT" <<'PY' && pass "... and the connection goes on with the next request" || fail "HEAD then GET on one connection"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
parts = data.split(b"HTTP/1.1 200 OK")
assert len(parts) == 3, data
assert parts[1].endswith(b"\r\n\r\n") and b"\r\n\r\nok " in parts[2], data
PY

for m in POST PUT DELETE PATCH; do
	get /calendar/all.ics -X "$m" -d x
	[ "$code" = 405 ] && [ "$(hdr Allow)" = "GET, HEAD" ] || { fail "$m: $code"; continue; }
	pass "$m: 405 with Allow: GET, HEAD"
done

get /calendar/systems/no-such-system.ics
cp "$TMP/body" "$TMP/404a"
[ "$code" = 404 ] && pass "an unknown feed: 404" || fail "unknown feed: $code"
get "/calendar/private/not-a-token/all.ics"
[ "$code" = 404 ] && cmp -s "$TMP/body" "$TMP/404a" && pass "an unknown token: 404 with the same body" || fail "unknown token: $code"
get "/calendar/private/$FIN_TOKEN/windows.ics"
[ "$code" = 404 ] && cmp -s "$TMP/body" "$TMP/404a" && pass "a private feed other than all.ics: the same 404" || fail "private windows: $code"
get "/calendar/../offpeak.json"
[ "$code" = 404 ] && pass "no path reaches a file" || fail "traversal: $code"

# --- private feeds

uids() { tr -d '\r' <"$1" | sed -n 's/^UID://p' | sort; }
touching() {	# FEED SYSTEMS...: the UIDs of the events naming one of the systems
	python3 - "$@" <<'PY'
import sys
text = open(sys.argv[1], newline="").read().replace("\r\n ", "").replace("\r\n", "\n")
want = set(sys.argv[2:])
for ev in text.split("BEGIN:VEVENT")[1:]:
    lines = ev.split("\n")
    uid = [l[4:] for l in lines if l.startswith("UID:")][0]
    objs = {l.rsplit(":", 1)[1] for l in lines if l.startswith("X-MAINTNOTE-OBJECT-ID")}
    if objs & want:
        print(uid)
PY
}
get "/calendar/private/$FIN_TOKEN/all.ics"
cp "$TMP/body" "$TMP/fin.ics"
if [ "$code" = 200 ] && [ "$(hdr Content-Type)" = "text/calendar; charset=utf-8" ] &&
    [ "$(uids "$TMP/fin.ics")" = "$(touching "$TMP/feeds/all.ics" db-primary db-replica | sort)" ] &&
    [ "$(uids "$TMP/fin.ics" | wc -l)" -ge 3 ]; then
	pass "a subscriber's feed: exactly the changes touching its systems ($(uids "$TMP/fin.ics" | wc -l | tr -d ' '))"
else
	fail "finance feed ($code)"; diag "$(uids "$TMP/fin.ics")"
fi
[ "$(hdr Cache-Control)" = "private, no-cache" ] && pass "... marked private for caches" || fail "Cache-Control: $(hdr Cache-Control)"
FINTAG=$(hdr ETag)
get "/calendar/private/$FIN_TOKEN/all.ics" -H "If-None-Match: $FINTAG"
[ "$code" = 304 ] && pass "... with its own ETag and 304" || fail "private 304: $code"
get "/calendar/private/$WEB_TOKEN/all.ics"
if [ "$code" = 200 ] && [ "$(uids "$TMP/body")" = "$(touching "$TMP/feeds/all.ics" web-1 web-2 web-3 lb-1 | sort)" ]; then
	pass "a subscriber by group: the changes on the group's systems"
else
	fail "web feed ($code)"
fi
if grep -q "$FIN_TOKEN\|$WEB_TOKEN" "$TMP/serve.log"; then fail "a token was logged"
elif grep -q 'GET /calendar/private/... 200' "$TMP/serve.log"; then pass "--verbose logs requests, never a token"
else fail "no request log line"; diag "$(tail -n 5 "$TMP/serve.log")"; fi

# --- the status page, its JSON, /healthz

get /
cp "$TMP/body" "$TMP/page.html"
[ "$code" = 200 ] && [ "$(hdr Content-Type)" = "text/html; charset=utf-8" ] && pass "/: an HTML page" || fail "/: $code"
case $(hdr Content-Security-Policy) in *"default-src 'none'"*) pass "... with a CSP that allows no script" ;; *) fail "CSP" ;; esac
miss=
for t in "Upgrade PostgreSQL 15 to 16" "Emergency OpenSSL patch on the web tier" "Upgrade HAProxy 2.8 to 3.0 on lb-1" \
    "Mon 2027-01-11 01:00" "pg16-upgrade" "complete in 10 days" "starts in 41 days"; do
	grep -qF -- "$t" "$TMP/page.html" || miss="$miss [$t]"
done
[ -z "$miss" ] && pass "the upcoming changes with local times and notice countdowns" || fail "missing:$miss"
python3 - "$TMP/page.html" <<'PY' && pass "the cancelled change is in Recent changes, marked Cancelled, with the reason" || fail "cancelled marking"
import re, sys
html = open(sys.argv[1]).read()
recent = html.split('id="recent"')[1].split("</section>")[0]
row = [r for r in recent.split("<tr") if "nginx-upgrade" in r][0]
assert 'class="is-cancelled"' in row and "Cancelled" in row and "postponed" in row, row
upcoming = html.split('id="upcoming"')[1].split("</section>")[0]
assert "nginx-upgrade" not in upcoming
PY
if grep -qF '<script>alert(1)</script>' "$TMP/page.html"; then
	fail "the markup title appears raw"
elif grep -qF 'Tidy &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quote&quot; up' "$TMP/page.html"; then
	pass "a title with <script> is escaped, never raw"
else
	fail "the odd title is missing"
fi
grep -qi '<script' "$TMP/page.html" && fail "the page has a script element" || pass "the page has no script at all"
grep -qF "href=\"webcal://127.0.0.1:$PORT/calendar/all.ics\"" "$TMP/page.html" &&
    grep -qF "href=\"webcal://127.0.0.1:$PORT/calendar/groups/db.ics\"" "$TMP/page.html" &&
    pass "webcal:// subscribe links from the Host header" || fail "subscribe links"
get / -H 'Host: calendar.example.org:8443'
grep -qF 'href="webcal://calendar.example.org:8443/calendar/windows.ics"' "$TMP/body" && pass "... whatever host the client used" || fail "Host"
get / -H 'Host: x"><script>alert(2)</script>'
if grep -qF 'alert(2)' "$TMP/body"; then fail "a hostile Host header reached the page"
elif grep -qF "webcal://127.0.0.1:$PORT/calendar/all.ics" "$TMP/body"; then pass "a Host header that is no host name is not used"
else fail "hostile Host"; fi
leak=
for s in hooks/ backup-files backup-postgres /etc/nginx /etc/php rollback-files upgrade-step healthz \
    shop.nordwind.example/ OFFPEAK_ "$FIN_TOKEN" "$WEB_TOKEN" finance; do
	grep -qF -- "$s" "$TMP/page.html" && leak="$leak $s"
done
[ -z "$leak" ] && pass "nothing private on the page (hooks, backups, checks, tokens, subscribers)" || fail "private text:$leak"

get /api/status.json
cp "$TMP/body" "$TMP/status.json"
[ "$code" = 200 ] && [ "$(hdr Content-Type)" = "application/json; charset=utf-8" ] && pass "/api/status.json: JSON" || fail "json: $code"
python3 - "$TMP/status.json" "$ODD" <<'PY' && pass "... the same data: upcoming, recent (cancelled), windows, freezes, feeds" || fail "status.json content"
import json, sys
d = json.load(open(sys.argv[1]))
up = {c["id"]: c for c in d["upcoming"]}
assert len(up) == 13 and "nginx-upgrade" not in up, sorted(up)
assert up["pg16-upgrade"]["start"] == "2027-01-11T01:00:00+01:00", up["pg16-upgrade"]
assert up["pg16-upgrade"]["notice_held"] is False and up["pg16-upgrade"]["risk"] == "high"
assert up["odd-title"]["title"] == sys.argv[2]
rec = {c["id"]: c for c in d["recent"]}
assert rec["nginx-upgrade"]["cancelled"] is True and rec["nginx-upgrade"]["calendar_status"] == "CANCELLED"
assert [w["name"] for w in d["windows"]] == ["weeknights", "sunday-early", "network-saturday"]
assert len(d["windows"][0]["occurrences"]) == 16, len(d["windows"][0]["occurrences"])
assert d["freezes"][0]["name"] == "year-end" and d["freezes"][0]["occurrences"]
assert "/calendar/all.ics" in d["feeds"] and d["public_feeds"] is True
assert d["clock"] == "simulated" and d["generated_at"] == "2026-11-30T08:00:00Z"
text = open(sys.argv[1]).read()
for s in ("hooks/", "backup", "/etc/", "operator", "finance"):
    assert s not in text, s
PY
JTAG=$(hdr ETag)
get /api/status.json -H "If-None-Match: $JTAG"
[ "$code" = 304 ] && pass "... with an ETag and 304" || fail "json 304: $code"

get /healthz
STATE=$(git -C "$D" rev-parse offpeak-state)
[ "$code" = 200 ] && [ "$(cat "$TMP/body")" = "ok $STATE" ] && pass "/healthz: ok and the state commit" || fail "healthz: $code $(cat "$TMP/body")"

# --- limits

long=$(python3 -c 'print("/calendar/" + "a" * 2000)')
get "$long"
[ "$code" = 414 ] && pass "a request path over 1024 bytes: 414" || fail "long path: $code"
get "/calendar/all.ics" -H "X-Big: $(python3 -c 'print("b" * 40000)')"
case $code in 431|413|400) pass "request headers over the memory limit are refused ($code)" ;; *) fail "big header: $code" ;; esac
python3 - "$PORT" <<'PY' && pass "a client that sends half a request does not hold up the others" || fail "slow client"
import socket, sys, time, urllib.request
port = int(sys.argv[1])
slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
for s in slow:
    s.sendall(b"GET /calendar/all.ics HTTP/1.1\r\nHost: x\r\n")
t = time.time()
body = urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=5).read()
assert body.startswith(b"ok ") and time.time() - t < 2, time.time() - t
for s in slow:
    s.close()
PY

# --- reloading: the state branch moves, then the policy

OLD=$STATE
run_offpeak -C "$D" --now "$T0" cancel kernel-db-replica -m "replaced by the January window"
[ "$rc" -eq 0 ] || fail "cancel: $err"
if wait_commit "$OLD"; then
	NEW=$(git -C "$D" rev-parse offpeak-state)
	get /healthz
	[ "$(cat "$TMP/body")" = "ok $NEW" ] && pass "a new state commit is served within seconds" || fail "healthz after reload: $(cat "$TMP/body")"
else
	fail "no reload after the state branch moved"
fi
grep -qF "serve: reloaded (the state branch or the plans moved) from state $(printf %.12s "$OLD") to state $(printf %.12s "$NEW")," "$TMP/serve.log" &&
    pass "one log line says it reloaded" || { fail "reload log"; diag "$(tail -n 5 "$TMP/serve.log")"; }
get /calendar/all.ics -H "If-None-Match: $ETAG"
[ "$code" = 200 ] && [ "$(hdr ETag)" != "$ETAG" ] && pass "a new ETag; the old one no longer gives 304" || fail "old ETag: $code"
run_offpeak -C "$D" --now "$T0" calendar -o "$TMP/feeds2"
cmp -s "$TMP/body" "$TMP/feeds2/all.ics" && pass "... and the feed is the new state's" || fail "feed after reload"
get /
python3 - "$TMP/body" <<'PY' && pass "the page shows the new cancellation too" || fail "page after reload"
import sys
html = open(sys.argv[1]).read()
recent = html.split('id="recent"')[1].split("</section>")[0]
assert "kernel-db-replica" in recent and "replaced by the January window" in recent
PY

python3 - "$D/offpeak.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["public_feeds"] = False
json.dump(p, open(sys.argv[1], "w"), indent=2, ensure_ascii=False)
PY
commit_paths "$D" "public feeds off" offpeak.json
i=0
while [ $i -lt 100 ]; do
	get /calendar/all.ics
	[ "$code" = 404 ] && break
	i=$((i + 1)); sleep 0.1
done
[ "$code" = 404 ] && cmp -s "$TMP/body" "$TMP/404a" && pass "public_feeds false (a new plans commit): public feeds 404" || fail "public feed with public_feeds false: $code"
get /calendar/windows.ics
[ "$code" = 404 ] && pass "... every one of them" || fail "windows.ics: $code"
get "/calendar/private/$FIN_TOKEN/all.ics"
[ "$code" = 200 ] && [ "$(uids "$TMP/body")" = "$(touching "$TMP/feeds2/all.ics" db-primary db-replica | sort)" ] &&
    pass "... while private feeds still work" || fail "private with public off: $code"
get /
grep -q 'Public calendar feeds are switched off' "$TMP/body" && ! grep -q 'webcal://' "$TMP/body" &&
    pass "the page has no subscribe links then" || fail "page with public feeds off"

# --- a broken policy keeps what is served

echo '{ "version": 1, ' >"$D/offpeak.json"
commit_paths "$D" "a broken policy" offpeak.json
i=0
while [ $i -lt 50 ] && ! grep -q 'cannot reload' "$TMP/serve.log"; do i=$((i + 1)); sleep 0.1; done
get "/calendar/private/$FIN_TOKEN/all.ics"
grep -q 'serve: cannot reload (the state branch or the plans moved): offpeak.json.*still serving state' "$TMP/serve.log" && [ "$code" = 200 ] &&
    pass "a policy that does not pass check: logged, the last good version still served" || { fail "broken policy ($code)"; diag "$(tail -n 3 "$TMP/serve.log")"; }
[ "$(grep -c 'cannot reload' "$TMP/serve.log")" = 1 ] && pass "... logged once, not every few seconds" || fail "logged $(grep -c 'cannot reload' "$TMP/serve.log") times"

# --- stopping

kill -TERM "$SPID"
# the watchdog is a shell of its own, with none of this script's traps
sh -c 'sleep 20; kill -KILL "$1" 2>/dev/null' watchdog "$SPID" >/dev/null 2>&1 &
watchdog=$!
set +e
wait "$SPID"
src=$?
set -e
kill "$watchdog" 2>/dev/null || :
SPID=
[ "$src" -eq 0 ] && pass "SIGTERM: exit 0" || fail "SIGTERM: exit $src"
grep -q 'serve: SIGTERM: finishing requests in flight' "$TMP/serve.log" && grep -q 'serve: stopped after [0-9]* requests' "$TMP/serve.log" &&
    pass "... saying so" || fail "stop log"

# --- the command line

run_offpeak -C "$D" serve --listen nonsense
expect_rc "--listen without a port: usage error" 2
expect_err "... says what it wants" "want ADDR:PORT"
run_offpeak -C "$D" serve extra
expect_rc "an operand: usage error" 2
run_offpeak -C "$D" serve --fetch-interval -3
expect_rc "a negative --fetch-interval: usage error" 2
run_offpeak -C "$TMP/nowhere" serve --listen 127.0.0.1:0
expect_rc "no repository: exit 5" 5
"$OFFPEAK" -C "$D" serve --listen 127.0.0.1:0 >"$TMP/stdout" 2>"$TMP/stderr" &
bg=$!
i=0
while [ $i -lt 100 ] && kill -0 "$bg" 2>/dev/null; do i=$((i + 1)); sleep 0.1; done
if kill -0 "$bg" 2>/dev/null; then
	kill "$bg"
	rc=running
else
	wait "$bg" && rc=0 || rc=$?
fi
out=$(cat "$TMP/stdout"); err=$(cat "$TMP/stderr")
[ "$rc" = 1 ] && pass "a policy that does not pass check: exit 1" || fail "a broken policy: exit $rc"
expect_err "... says why" "offpeak.json"
git -C "$D" revert --no-edit HEAD >/dev/null
start_serve -C "$D" --now "$T0"
timeout 20 "$OFFPEAK" -C "$D" serve --listen "127.0.0.1:$PORT" >/dev/null 2>"$TMP/busy.err" && rc=0 || rc=$?
[ "$rc" -eq 5 ] && grep -q "cannot listen on '127.0.0.1:$PORT'" "$TMP/busy.err" && pass "a port in use: exit 5, saying so" || fail "port in use: $rc $(cat "$TMP/busy.err")"
if python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	stop_serve
	"$OFFPEAK" -C "$D" --now "$T0" serve --listen '[::1]:0' >/dev/null 2>"$TMP/v6.log" &
	SPID=$!
	i=0
	while [ $i -lt 100 ] && ! grep -q 'listening on' "$TMP/v6.log" 2>/dev/null; do i=$((i + 1)); sleep 0.05; done
	P6=$(sed -n 's|.*listening on http://\[::1\]:\([0-9]*\)/.*|\1|p' "$TMP/v6.log" 2>/dev/null || :)
	[ -n "$P6" ] && [ "$(curl -s --max-time 5 -g "http://[::1]:$P6/healthz" | cut -c1-2)" = ok ] &&
	    pass "IPv6: --listen [::1]:PORT" || fail "IPv6: $(cat "$TMP/v6.log")"
else
	pass "# SKIP no IPv6 loopback"
fi
run_offpeak serve --help
expect_out "serve --help lists the paths" "/calendar/private/TOKEN/all.ics"

# --- with an origin: fetched on an interval

stop_serve
git clone -q --bare "$D" "$TMP/origin.git"
git clone -q "$TMP/origin.git" "$TMP/server"
git clone -q "$TMP/origin.git" "$TMP/operator"
git -C "$TMP/operator" config user.email anna.schmidt@nordwind.example
SERVE_OPTS="--fetch-interval 1" start_serve -C "$TMP/server" --now "$T0"
grep -q 'fetching from origin' "$TMP/serve.log" && pass "a clone of a shared repository: it says it fetches" || fail "origin start log"
OLD=$(git -C "$TMP/origin.git" rev-parse offpeak-state)
run_offpeak -C "$TMP/operator" --now "$T0" cancel haproxy-upgrade -m "moved to January"
NEW=$(git -C "$TMP/origin.git" rev-parse offpeak-state)
[ "$rc" -eq 0 ] && [ "$NEW" != "$OLD" ] || fail "the operator's cancel did not reach origin: $err"
if wait_commit "$OLD" && [ "$(curl -s --max-time 5 "$BASE/healthz")" = "ok $NEW" ]; then
	pass "a state another machine pushed to origin is fetched and served"
else
	fail "no reload from origin"; diag "$(tail -n 3 "$TMP/serve.log")"
fi
grep -q 'serve: reloaded (fetched from origin) from state' "$TMP/serve.log" && pass "... saying so" || fail "fetch reload log"
stop_serve
git -C "$TMP/server" remote set-url origin "$TMP/no-such-origin.git"
start_serve -C "$TMP/server" --now "$T0"
get /healthz
grep -q 'serving the local copy for now' "$TMP/serve.log" && [ "$code" = 200 ] &&
    pass "origin out of reach at start: the local copy is served, with a log line" || { fail "unreachable origin"; diag "$(cat "$TMP/serve.log")"; }
stop_serve

done_testing
