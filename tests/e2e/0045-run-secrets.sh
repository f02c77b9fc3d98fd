# Secrets in a verify.http URL never reach public output: a check of
# http://monitor:S3cretPass@host/...?token=... fails, and its reason is shown
# in every feed, the status page, /api/status.json and the report with the
# URL's user, password and query removed; the policy's "redact" patterns
# hide more (here an API key in the plan's description).
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/run-lib.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl is needed"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY || :

http_server
new_repo
python3 - "$R/offpeak.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["public_feeds"] = True
p["redact"] = ["apikey-[A-Za-z0-9]+"]
json.dump(p, open(sys.argv[1], "w"), indent=2)
PY
SECRET_URL="http://monitor:S3cretPass@${URL#http://}/status/500?token=T0ken4242"
mkplan v-secret a1 "verify={\"http\": [{\"url\": \"$SECRET_URL\"}]}" \
    "description=\"Checks with apikey-Zq81xW in the header.\""
commit_all "$R" "plans"
approve_all v-secret
schedule

op run v-secret
expect_rc "the check fails: exit 3" 3
expect_err "the operator sees the URL without its secrets" \
    "verification failed: $URL/status/500: status 500, want 200 (1 attempt)"
case $err in *S3cretPass*|*T0ken4242*) fail "the run's message holds a secret: $err" ;; *) pass "... and nothing of them" ;; esac
is "the record's reason has no secret" "$(rec v-secret 'r["reason"]')" \
    "verification failed: $URL/status/500: status 500, want 200 (1 attempt); the rollback succeeded"
is "nor the record's attempt" "$(rec v-secret 'r["verification"][0]["url"]')" "$URL/status/500"
is "nor the record's phase" "$(rec v-secret '[p["name"] for p in r["phases"] if p["phase"] == "http"][0]')" "$URL/status/500"
git -C "$R" log --format=%B offpeak-state >"$TMP/trail"
grep -q "check $URL/status/500" "$TMP/trail" && ! grep -q -e S3cretPass -e T0ken4242 "$TMP/trail" &&
    pass "nor the audit trail's commit messages" || fail "the trail: $(grep -e S3cret -e T0ken "$TMP/trail")"

# A reason written before redaction existed (forged into the state here)
# is cleaned when shown.
rm -rf "$TMP/st"
git clone -q -b offpeak-state "$R" "$TMP/st"
python3 - "$TMP/st/state/v-secret.json" "$SECRET_URL" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
st["reason"] = "verification failed: %s: status 500, want 200 (1 attempt)" % sys.argv[2]
open(sys.argv[1], "w").write(json.dumps(st, indent=2) + "\n")
PY
git -C "$TMP/st" commit -q -am "a reason from before redaction"
git -C "$TMP/st" push -q origin offpeak-state
git -C "$R" show offpeak-state:state/v-secret.json | grep -q S3cretPass && pass "an old reason holds the secret" || fail "forging the old reason"

# no_secret WHAT FILE: FILE holds the cleaned URL and none of the secrets.
no_secret() {
	if grep -q -e S3cretPass -e T0ken4242 -e monitor: -e apikey-Zq81xW "$2"; then
		fail "$1 holds a secret"
		grep -n -e S3cretPass -e T0ken4242 -e apikey-Zq81xW "$2" | sed 's/^/# /' | head -5
	else
		pass "$1 holds none of the secrets"
	fi
}

SHOW=2026-12-03T03:00:00+08:00
run_offpeak -C "$R" --now "$SHOW" calendar -o "$TMP/cal"
expect_rc "calendar writes the feeds" 0
for f in "$TMP"/cal/*.ics "$TMP"/cal/*/*.ics; do
	[ -f "$f" ] || continue
	no_secret "feed ${f#"$TMP/cal/"}" "$f"
done
/usr/bin/python3 - "$TMP/cal/all.ics" "$URL" <<'PY' && pass "all.ics tells the cleaned reason and the redacted key" || fail "all.ics description"
import sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
d = [str(e["DESCRIPTION"]) for e in cal.walk("VEVENT") if str(e["UID"]).startswith("v-secret@")][0]
assert "Reason: verification failed: %s/status/500: status 500" % sys.argv[2] in d, d
assert "Checks with [redacted] in the header." in d, d
PY

"$OFFPEAK" -C "$R" --now "$SHOW" serve --listen 127.0.0.1:0 >"$TMP/serve.out" 2>"$TMP/serve.log" &
SPID=$!
trap 'kill $SPID $SRV 2>/dev/null || :; rm -rf "$TMP"' EXIT
i=0
while [ $i -lt 200 ]; do
	SPORT=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$TMP/serve.log" 2>/dev/null || :)
	[ -n "$SPORT" ] && break
	i=$((i + 1))
	sleep 0.05
done
[ -n "$SPORT" ] || { echo "Bail out! serve did not start"; exit 1; }
curl -s --max-time 10 -o "$TMP/page.html" "http://127.0.0.1:$SPORT/"
curl -s --max-time 10 -o "$TMP/status.json" "http://127.0.0.1:$SPORT/api/status.json"
curl -s --max-time 10 -o "$TMP/served.ics" "http://127.0.0.1:$SPORT/calendar/all.ics"
kill $SPID; wait $SPID 2>/dev/null || :
no_secret "the status page" "$TMP/page.html"
grep -q "$URL/status/500: status 500" "$TMP/page.html" && pass "... which shows the cleaned reason" || fail "status page reason"
no_secret "/api/status.json" "$TMP/status.json"
python3 - "$TMP/status.json" >"$TMP/reason" 2>&1 <<'PY' || :
import json, sys
def walk(v):
    if isinstance(v, dict):
        if v.get("id") == "v-secret" and "reason" in v:
            yield v["reason"]
        for x in v.values():
            yield from walk(x)
    elif isinstance(v, list):
        for x in v:
            yield from walk(x)
print(next(walk(json.load(open(sys.argv[1])))))
PY
is "... whose reason is cleaned" "$(cat "$TMP/reason")" "verification failed: $URL/status/500: status 500, want 200 (1 attempt)"
no_secret "the served all.ics" "$TMP/served.ics"

for fmt in text json csv; do
	"$OFFPEAK" -C "$R" --now "$SHOW" report --format "$fmt" >"$TMP/report.$fmt" 2>&1
	no_secret "report --format $fmt" "$TMP/report.$fmt"
done

# A pattern that is not a regular expression is refused by check.
python3 - "$R/offpeak.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["redact"] = ["ok", "(unclosed"]
json.dump(p, open(sys.argv[1], "w"), indent=2)
PY
commit_all "$R" "a bad pattern"
run_offpeak -C "$R" check
expect_rc "a redact pattern that does not compile: check refuses" 1
expect_err "... naming it" "redact[1]: not a regular expression: pattern '(unclosed': "

done_testing
