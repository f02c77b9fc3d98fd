# The events a team wants at night, through publish --webhook against a
# local receiver: rejected, a reminder before a change starts (the
# calendar's reminders), an interrupted run, a missed slot, a run deferred
# by its precheck; then the same events as Slack and Microsoft Teams
# incoming-webhook messages, whose JSON shape the receiver checks.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/publish-lib.sh"
need "$PY"

RECV=$SRCDIR/tests/py/webhook_receiver.py
SECRET=s3cret-for-the-test
HPORT=$(free_port)
"$PY" "$RECV" "$TMP/hport" "$TMP/json.jsonl" "$SECRET" --port "$HPORT" --unsigned &
PEERS="$PEERS $!"
wait_port "$HPORT" || { echo "Bail out! the receiver did not start"; exit 1; }
BASE=http://127.0.0.1:$HPORT

publish() {
	OFFPEAK_WEBHOOK_SECRET=$SECRET OFFPEAK_PUBLISH_RETRY_MS=50 \
	    run_offpeak -C "$R" --now "$NOW" publish --webhook "$BASE/hooks/offpeak" "$@"
}
# q LOG PYTHON-EXPRESSION: over the receiver's log as L (acknowledged: ok).
q() {
	"$PY" -c 'import json, sys
L = [json.loads(l) for l in open(sys.argv[1])] if __import__("os").path.exists(sys.argv[1]) else []
ok = [r for r in L if r["result"] == "ok"]
print(eval(sys.argv[2]))' "$1" "$2"
}
# at ID OFFSET-MINUTES: the RFC 3339 time OFFSET minutes after ID's slot start
at() {
	"$OFFPEAK" -C "$R" --now "$NOW" --json status "$1" | "$PY" -c 'import json, sys, datetime
p = json.load(sys.stdin)
t = datetime.datetime.fromisoformat(p["slot"]["start"].replace("Z", "+00:00")) + datetime.timedelta(minutes=int(sys.argv[1]))
print(t.isoformat())' "$2"
}

make_repo
cat >"$R/hooks/slow" <<'SH'
#!/bin/sh
echo $$ > "$1"
exec sleep 60
SH
cat >"$R/hooks/backup-manifest" <<'SH'
#!/bin/sh
printf '{"location": "/backups/%s.tar", "size": 10}\n' "$OFFPEAK_PLAN_ID" > "$OFFPEAK_BACKUP_MANIFEST"
SH
chmod +x "$R/hooks/slow" "$R/hooks/backup-manifest"
plan rej "A change nobody wants" web-1 none
plan slow "A long step" web-1 none
sed -i "s|\"run\": \[\"hooks/step\"\]|\"run\": [\"hooks/slow\", \"$TMP/slow.pid\"]|" "$R/plans/slow.json"
sed -i 's|"backup": { "run": \["hooks/backup"\] }|"backup": { "run": ["hooks/backup-manifest"] }|' "$R/plans/slow.json"
commit_all "$R" "two more plans"
NOW=$T0
op approve slow
op schedule
op approve rej --reject -m "not this quarter"
expect_rc "alice rejects rej" 0

# --- rejected
publish
expect_rc "publish at T0" 0
is "approval-needed, scheduled and rejected, in order" "$(q "$TMP/json.jsonl" '[(r["event"], r["body"]["plan"]) for r in ok if r["body"]["plan"] in ("rej", "slow")]')" \
    "[('approval-needed', 'rej'), ('approval-needed', 'slow'), ('scheduled', 'slow'), ('rejected', 'rej')]"
is "... the rejection says why" "$(q "$TMP/json.jsonl" '[r["body"]["transition"] for r in ok if r["event"] == "rejected"][0]')" \
    "reject rej (by alice@example.com)"
is "... every one signed" "$(q "$TMP/json.jsonl" 'all(r["signed"] for r in L)')" True

# --- a reminder, the calendar's -PT1H before web-patch starts: once
NOW=$(at web-patch -30)
publish
expect_rc "publish half an hour before web-patch" 0
is "a reminder" "$(q "$TMP/json.jsonl" '[(r["event"], r["body"]["plan"], r["body"]["transition"]) for r in ok][-1]')" \
    "('reminder', 'web-patch', 'web-patch starts within 1 h')"
publish
is "... sent once" "$(q "$TMP/json.jsonl" 'sum(r["event"] == "reminder" for r in ok)')" 1

# --- an interrupted run
NOW=$(at slow 5)
rm -f "$TMP/slow.pid"
"$OFFPEAK" -C "$R" --now "$NOW" run slow >"$TMP/slow.out" 2>&1 &
bg=$!
for i in $(seq 100); do [ -s "$TMP/slow.pid" ] && break; sleep 0.1; done
[ -s "$TMP/slow.pid" ] || { fail "the slow step started"; diag "$(cat "$TMP/slow.out")"; }
kill -9 $bg
wait $bg 2>/dev/null || :
kill "$(cat "$TMP/slow.pid")" 2>/dev/null || :
publish
expect_rc "publish after kill -9 of the run" 0
is "an interrupted event, naming the run" \
    "$(q "$TMP/json.jsonl" '[(r["event"], r["body"]["plan"], bool(r["body"].get("run"))) for r in ok if r["event"] == "interrupted"]')" \
    "[('interrupted', 'slow', True)]"
publish
is "... sent once" "$(q "$TMP/json.jsonl" 'sum(r["event"] == "interrupted" for r in ok)')" 1

# --- a missed slot: web-patch's slot ended without a run
NOW=$(at web-patch 180)
op schedule
expect_rc "schedule after web-patch's slot" 0
publish
is "a missed event" "$(q "$TMP/json.jsonl" '[r["body"]["plan"] for r in ok if r["event"] == "missed"]')" "['web-patch']"

# --- deferred by the policy's precheck for group db
dead=$(free_port)
"$PY" - "$R/offpeak.json" "http://127.0.0.1:$dead/api/v2/alerts" <<'PYJ'
import json, sys
p = json.load(open(sys.argv[1]))
p["precheck"] = [{"groups": ["db"], "http": [{"url": sys.argv[2], "status": 200, "contains": "[]"}]}]
json.dump(p, open(sys.argv[1], "w"), indent=2)
PYJ
commit_all "$R" "a precheck for the databases"
NOW=$(at db-upgrade 10)
op run db-upgrade
expect_rc "db-upgrade is deferred by the precheck (exit 1)" 1
publish
is "a deferred event" "$(q "$TMP/json.jsonl" '[r["body"]["plan"] for r in ok if r["event"] == "deferred"]')" "['db-upgrade']"
is "the generic events were all signed right" "$(q "$TMP/json.jsonl" 'sum(r["result"] != "ok" for r in L)')" 0

# --- the same history as Slack and Teams messages (no secret needed)
run_offpeak -C "$R" --now "$NOW" publish --webhook "$BASE/services/T0/B0/x" --webhook-format slack
expect_rc "publish --webhook-format slack without a secret" 0
run_offpeak -C "$R" --now "$NOW" publish --webhook "$BASE/webhookb2/teams" --webhook-format teams
expect_rc "publish --webhook-format teams" 0
cp "$TMP/json.jsonl" "$TMP/all.jsonl"
slack='[r for r in ok if r["body"] and "blocks" in r["body"]]'
teams='[r for r in ok if r["body"] and r["body"].get("@type") == "MessageCard"]'
is "Slack: one message per event the generic receiver got (less the reminder, past)" \
    "$(q "$TMP/all.jsonl" "len($slack) == len([r for r in ok if r['body'] and 'event' in r['body'] and r['signed']]) - 1")" True
is "Slack: text, a mrkdwn section and a context block" \
    "$(q "$TMP/all.jsonl" "all(isinstance(m['body']['text'], str) and m['body']['blocks'][0]['type'] == 'section' and m['body']['blocks'][0]['text']['type'] == 'mrkdwn' and m['body']['blocks'][1]['type'] == 'context' for m in $slack)")" True
is "Slack: the events it carried" \
    "$(q "$TMP/all.jsonl" "sorted(set(m['event'] for m in $slack))")" \
    "['approval-needed', 'deferred', 'interrupted', 'missed', 'moved', 'rejected', 'scheduled', 'started']"
has_text() { q "$TMP/all.jsonl" "[m['body']['text'] for m in $slack if m['event'] == '$1'][0]"; }
is "Slack: a missed slot reads as such" "$(has_text missed | cut -c1-31)" "missed: web-patch - Patch the w"
is "Slack: unsigned without a secret" "$(q "$TMP/all.jsonl" "any(m['signed'] for m in $slack)")" False
is "Teams: a MessageCard with context, summary, title, themeColor and facts" \
    "$(q "$TMP/all.jsonl" "all(m['body']['@context'] == 'https://schema.org/extensions' and m['body']['summary'] and m['body']['title'] and len(m['body']['themeColor']) == 6 and m['body']['sections'][0]['facts'][0]['name'] == 'Event' for m in $teams)")" True
is "Teams: as many as Slack" "$(q "$TMP/all.jsonl" "len($teams) == len($slack)")" True
is "Teams: failures in red" \
    "$(q "$TMP/all.jsonl" "sorted(set(m['event'] for m in $teams if m['body']['themeColor'] == 'C50F1F'))")" \
    "['interrupted', 'missed']"

done_testing
