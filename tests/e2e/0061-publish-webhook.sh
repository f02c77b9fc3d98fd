# offpeak publish --webhook against a local receiver on 127.0.0.1 that
# verifies the HMAC signature, records the idempotency keys and can fail:
# one event per transition of the state branch, in order, signed; retries
# with a doubling delay; at-least-once (the position only moves past what
# the receiver acknowledged); a second publish sends nothing.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/publish-lib.sh"
need "$PY"

RECV=$SRCDIR/tests/py/webhook_receiver.py
LOG=$TMP/received.jsonl
SECRET=s3cret-for-the-test
HOOK_PID=
HPORT=$(free_port)
URL=http://127.0.0.1:$HPORT/hooks/offpeak?token=abc

# receiver [ARGS...]: (re)start it on $HPORT with the test's secret.
receiver() {
	[ -z "$HOOK_PID" ] || stop_peer "$HOOK_PID"
	rm -f "$TMP/hport"
	"$PY" "$RECV" "$TMP/hport" "$LOG" "${RSECRET:-$SECRET}" --port "$HPORT" "$@" &
	HOOK_PID=$!
	PEERS="$PEERS $HOOK_PID"
	wait_port "$HPORT" || { echo "Bail out! the receiver did not start"; exit 1; }
}
publish() {
	OFFPEAK_WEBHOOK_SECRET=$SECRET OFFPEAK_PUBLISH_RETRY_MS=${RETRY_MS:-50} \
	    run_offpeak -C "$R" --now "$NOW" publish --webhook "$URL"
}
# q PYTHON-EXPRESSION: evaluated over the receiver's log as the list L.
q() {
	"$PY" -c 'import json, sys
L = [json.loads(l) for l in open(sys.argv[1])] if __import__("os").path.exists(sys.argv[1]) else []
ok = [r for r in L if r["result"] == "ok"]
print(eval(sys.argv[2]))' "$LOG" "$1"
}

make_repo
: >"$LOG"

# --- no secret: refused, nothing sent

receiver
run_offpeak -C "$R" --now "$NOW" publish --webhook "$URL"
expect_rc "without OFFPEAK_WEBHOOK_SECRET: refused, exit 1" 1
expect_err "... says why" "OFFPEAK_WEBHOOK_SECRET is not set"
is "... and nothing reached the receiver" "$(q 'len(L)')" 0

# --- the receiver fails the first two requests: retried with backoff

receiver --fail-first 2
n0=$(state_commits)
publish
expect_rc "publish --webhook: exit 0 after the receiver recovers" 0
expect_out "four events, two retries" "4 events delivered, 2 retries"
is "three attempts at the first event, one at each other" "$(q '[r["result"] for r in L]')" \
    "['fail', 'fail', 'ok', 'ok', 'ok', 'ok']"
is "the retries carry the same Idempotency-Key" "$(q 'len(set(r["key"] for r in L[:3]))')" 1
is "... and the events distinct ones" "$(q 'len(set(r["key"] for r in ok))')" 4
is "the delay doubles (50 ms, then 100 ms)" \
    "$(q 'L[1]["time"] - L[0]["time"] >= 0.05 and L[2]["time"] - L[1]["time"] >= 0.1')" True
is "every request is signed right" "$(q 'sum(r["result"] == "badsig" for r in L)')" 0
is "the events, in the order of the state branch" "$(q '[(r["event"], r["body"]["plan"]) for r in ok]')" \
    "[('approval-needed', 'db-upgrade'), ('approval-needed', 'web-patch'), ('scheduled', 'db-upgrade'), ('scheduled', 'web-patch')]"
is "an approval is asked of the approvers" "$(q 'ok[0]["body"]["to"]')" "['alice@example.com']"
is "JSON" "$(q 'ok[0]["content_type"]')" application/json
key=$(q 'ok[1]["key"]')
commit=${key%:*}
line=${key##*:}
is "the key is the state commit and the line of the transition" \
    "$(git -C "$R" show -s --format=%B "$commit" | sed -n "${line}p")" "$(q 'ok[1]["body"]["transition"]')"
is "the body has the plan, UID, start and the change as it is now" \
    "$(q '(ok[2]["body"]["uid"], ok[2]["body"]["start"], ok[2]["body"]["current"]["status"], ok[2]["body"]["id"] == ok[2]["key"])')" \
    "('$DB_UID', '2026-11-06T01:00+01:00', 'scheduled', True)"
is "one state commit remembers the position" "$(state_commits)" $((n0 + 1))
state_file publish/webhook.json >"$TMP/pos.json"
if grep -q "token=abc" "$TMP/pos.json" || git -C "$R" log offpeak-state | grep -q "token=abc"; then
	fail "the webhook URL's query is on the state branch"
else
	pass "the URL's path and query stay off the state branch"
fi

# --- a second publish sends nothing

publish
expect_rc "a second publish: exit 0" 0
expect_out "... no event" "0 events delivered"
is "... no request" "$(q 'len(L)')" 6
is "... no state commit" "$(state_commits)" $((n0 + 1))

# --- a run: started and completed

cat >"$R/hooks/backup" <<'SH'
#!/bin/sh
printf '{"location": "/backups/%s.tar", "size": 10}\n' "$OFFPEAK_PLAN_ID" >"$OFFPEAK_BACKUP_MANIFEST"
SH
chmod +x "$R/hooks/backup"
commit_all "$R" "a backup hook that leaves a manifest"
NOW=2026-11-04T01:10:00+01:00
op approve web-patch
op schedule
op run web-patch --operator carol
expect_rc "web-patch runs in its slot" 0
publish
expect_rc "publish after the run: exit 0" 0
is "started and completed are sent" "$(q '[r["event"] for r in ok[4:]]')" "['started', 'completed']"
is "... with the run id" "$(q 'ok[4]["body"]["run"] == ok[5]["body"]["run"] != None')" True

# --- the receiver goes down part-way: the position stays before the first
# event it did not acknowledge, and the next publish resumes there

move_db 2026-11-04T02:00:00+01:00
NOW=2026-11-04T03:00:00+01:00
op cancel db-upgrade -m "not this month"
receiver --fail-after 1
nok=$(q 'len(ok)')
n1=$(state_commits)
publish
expect_rc "the receiver fails after one event: exit 5" 5
expect_err "... names the event that was not acknowledged" "was not acknowledged by 'http://127.0.0.1:$HPORT/...': HTTP 503: try later (5 attempts)"
expect_err "... and says what happens to it" "it and the later ones wait for the next publish"
is "... one more event acknowledged" "$(q 'len(ok)')" $((nok + 1))
is "... and its position committed" "$(state_commits)" $((n1 + 1))
failed_key=$(q '[r for r in L if r["result"] == "fail"][-1]["key"]')
receiver
publish
expect_rc "the receiver is back: exit 0" 0
is "the next publish starts with the event that failed" "$(q 'ok['"$nok"' + 1]["key"]')" "$failed_key"
is "the move and the cancellation arrive, in order" "$(q '[r["event"] for r in ok['"$nok"':]]')" \
    "['released', 'moved', 'cancelled']"
is "every acknowledged event was acknowledged once" "$(q 'len(ok) == len(set(r["key"] for r in ok))')" True
publish
is "and then nothing more" "$(q 'len(ok)')" $((nok + 3))

# --- a receiver that rejects the signature: no retry, exit 5

NOW=2026-11-05T10:00:00+01:00
plan cache-flush "Flush the caches" web-1 none
commit_all "$R" "a third plan"
op approve cache-flush
op schedule
RSECRET=another-secret receiver
nreq=$(q 'len(L)')
publish
expect_rc "a 401 is not retried: exit 5" 5
expect_err "... and reported" "HTTP 401"
is "... one attempt" "$(q 'len(L)')" $((nreq + 1))

# --- nobody listens: retried, then reported

stop_peer "$HOOK_PID"
RETRY_MS=10 publish
expect_rc "no receiver: exit 5" 5
expect_err "... after five attempts" "Couldn't connect to server (5 attempts)"
receiver
publish
expect_rc "and delivered once the receiver is there" 0
is "... the new schedule" "$(q '(ok[-1]["event"], ok[-1]["body"]["plan"])')" "('scheduled', 'cache-flush')"


# --- another writer moves the shared state while publish runs: the
# position is committed on top of the other commit, nothing is sent twice

git clone -q --bare "$R" "$TMP/origin.git"
git -C "$R" remote add origin "$TMP/origin.git"
git -C "$R" fetch -q origin
git clone -q "$TMP/origin.git" "$TMP/b"
git -C "$TMP/b" config user.email alice@example.com
NOW=2026-11-05T11:00:00+01:00
op cancel cache-flush -m "not needed"
expect_rc "a transition in the shared state" 0
nok=$(q 'len(ok)')
mkdir -p "$TMP/pause"
OFFPEAK_TEST_PAUSE=commit:$TMP/pause OFFPEAK_WEBHOOK_SECRET=$SECRET \
    "$OFFPEAK" -C "$R" --now "$NOW" publish --webhook "$URL" >"$TMP/race.out" 2>&1 &
pub=$!
i=0
while [ ! -e "$TMP/pause/commit.reached" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
plan late "A late change" web-1 none
cp "$R/plans/late.json" "$TMP/b/plans/"
rm -f "$R/plans/late.json"
commit_all "$TMP/b" "a late plan"
git -C "$TMP/b" push -q origin HEAD
"$OFFPEAK" -C "$TMP/b" --now "$NOW" approve late >/dev/null 2>&1
touch "$TMP/pause/commit.go"
set +e
wait "$pub"
prc=$?
set -e
is "publish wins after the other writer: exit 0" "$prc" 0
is "the cancellation was delivered once" "$(q 'len(ok)')" $((nok + 1))
is "origin has the approval, then the position on top" \
    "$(git -C "$TMP/origin.git" log -2 --format=%s offpeak-state | sed 's/[: ].*//' | tr '\n' '|')" \
    "publish|approve|"
"$OFFPEAK" -C "$TMP/b" --now "$NOW" schedule >/dev/null 2>&1
publish
expect_rc "the next publish: exit 0" 0
is "... sends only what is new" "$(q '[r["event"] + " " + r["body"]["plan"] for r in ok['"$nok"':]]')" \
    "['cancelled cache-flush', 'approval-needed late', 'scheduled late']"

done_testing
