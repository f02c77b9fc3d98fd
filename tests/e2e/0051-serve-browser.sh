# offpeak serve in a real browser: headless Chromium, driven through
# chromedriver (WebDriver), reads the status page as a person would: the
# upcoming changes, the cancelled one marked, a title that is markup shown as
# text and never run. Without Chromium the test is skipped, except under CI.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/serve-lib.sh"

CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || :)}
DRIVER=${CHROMEDRIVER:-$(command -v chromedriver || :)}
if [ -z "$CHROMIUM" ] || [ -z "$DRIVER" ]; then
	if [ -n "${CI:-}" ]; then
		echo "not ok 1 - chromium and chromedriver are missing in CI (./bootstrap installs them)"
		echo "1..1"
		exit 1
	fi
	skip_all "chromium and chromedriver are needed (./bootstrap installs them)"
fi

D=$TMP/repo
# would set the document's title if it ever ran
ODD="Rotate keys <script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
serve_repo "$D" "$ODD"
start_serve -C "$D" --now "$T0"

DPID=
trap 'stop_serve; [ -n "$DPID" ] && kill "$DPID" 2>/dev/null; rm -rf "$TMP"' EXIT
DPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$DRIVER" --port="$DPORT" >"$TMP/driver.log" 2>&1 &
DPID=$!

# The browser: as root it needs --no-sandbox; nothing reaches the network.
if timeout 120 python3 - "$DPORT" "$CHROMIUM" "$BASE/" "$TMP/profile" "$TMP/seen.json" "$TMP/page.png" <<'PY' >"$TMP/browser.log" 2>&1
import base64, json, sys, time, urllib.request

dport, binary, url, profile, out, png = sys.argv[1:7]
wd = "http://127.0.0.1:%s" % dport

def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(wd + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)["value"]

for _ in range(100):
    try:
        call("GET", "/status")
        break
    except Exception:
        time.sleep(0.1)
args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profile, "--window-size=1280,1600"]
sid = call("POST", "/session", {"capabilities": {"alwaysMatch": {
    "browserName": "chrome",
    "goog:chromeOptions": {"binary": binary, "args": args}}}})["sessionId"]
try:
    call("POST", "/session/%s/url" % sid, {"url": url})
    time.sleep(0.5)	# anything that would run has run
    js = lambda s: call("POST", "/session/%s/execute/sync" % sid, {"script": s, "args": []})
    seen = {
        "title": js("return document.title"),
        "text": js("return document.body.innerText"),
        "upcoming": js("return document.querySelector('#upcoming').innerText"),
        "recent": js("return document.querySelector('#recent').innerText"),
        "cancelled_rows": js("return Array.from(document.querySelectorAll('#recent tr.is-cancelled')).map(r => r.innerText)"),
        "cancelled_line": js("var t = document.querySelector('#recent tr.is-cancelled .title');"
                             "return t ? getComputedStyle(t).textDecorationLine : ''"),
        "scripts": js("return document.scripts.length"),
        "images": js("return document.images.length"),
        "links": js("return Array.from(document.querySelectorAll('#subscribe a')).map(a => a.href)"),
    }
    json.dump(seen, open(out, "w"))
    shot = call("GET", "/session/%s/screenshot" % sid)
    open(png, "wb").write(base64.b64decode(shot))
finally:
    call("DELETE", "/session/%s" % sid)
PY
then brc=0; else brc=$?; fi
if [ $brc -ne 0 ] || [ ! -s "$TMP/seen.json" ]; then
	echo "not ok 1 - the browser could not read the page (exit $brc)"
	sed 's/^/# /' "$TMP/browser.log" | tail -n 30
	echo "1..1"
	exit 1
fi
pass "Chromium loaded the status page"

check() {	# DESC PYTHON: an assertion about what the browser saw (seen)
	if python3 - "$TMP/seen.json" "$ODD" "$PORT" >"$TMP/check.out" 2>&1 <<PY
import json, sys
seen = json.load(open(sys.argv[1]))
odd, port = sys.argv[2], sys.argv[3]
$2
PY
	then pass "$1"; else fail "$1"; diag "$(tail -n 5 "$TMP/check.out")"; fi
}

check "the page's title is its own: the markup in a plan title did not run" \
    'assert seen["title"] == "Nordwind maintenance \u2014 maintenance status", seen["title"]'
check "no script element and no image in the page" \
    'assert seen["scripts"] == 0 and seen["images"] == 0, (seen["scripts"], seen["images"])'
check "the markup title is shown as text, as it was written" \
    'assert odd in seen["upcoming"], seen["upcoming"]'
check "a person sees the upcoming changes with their local times" \
    'u = seen["upcoming"]
for t in ("Upgrade PostgreSQL 15 to 16", "Mon 2027-01-11 01:00", "Emergency OpenSSL patch on the web tier",
          "Tentative", "complete in 10 days", "starts in 41 days"):
    assert t in u, t'
check "the cancelled change is not among the upcoming ones" \
    'assert "nginx-upgrade" not in seen["upcoming"]'
check "it is under Recent changes, marked Cancelled, with the reason" \
    'rows = seen["cancelled_rows"]
assert len(rows) == 1 and "nginx-upgrade" in rows[0] and "Cancelled" in rows[0], rows
assert "postponed" in rows[0], rows'
check "... and its title is struck through" \
    'assert seen["cancelled_line"] == "line-through", seen["cancelled_line"]'
check "windows, freezes and subscribe links are there" \
    'assert "weeknights" in seen["text"] and "year-end" in seen["text"]
assert "webcal://127.0.0.1:%s/calendar/all.ics" % port in seen["links"], seen["links"][:3]'
[ -s "$TMP/page.png" ] && [ "$(head -c 8 "$TMP/page.png" | od -An -c | tr -d ' ')" = '211PNG\r\n032\n' ] &&
    pass "a screenshot of the page" || fail "screenshot"
[ -n "${OFFPEAK_SCREENSHOT:-}" ] && cp "$TMP/page.png" "$OFFPEAK_SCREENSHOT"

done_testing
