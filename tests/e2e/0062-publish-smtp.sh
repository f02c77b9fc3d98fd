# offpeak publish --smtp against a local SMTP sink (aiosmtpd) on
# 127.0.0.1 that stores the messages, parsed here with Python's email
# module and python3-icalendar: an iMIP message per subscriber with an
# email and change on their systems or groups, METHOD:REQUEST for a new or
# moved change and METHOD:CANCEL for a cancelled one, text and calendar
# parts, Message-ID and Date; nothing is sent twice, a failure resumes.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/publish-lib.sh"
need py:aiosmtpd py:icalendar

SINK=$SRCDIR/tests/py/smtp_sink.py
READ=$SRCDIR/tests/py/mail_read.py
MAIL=$TMP/mail
SINK_PID=
SPORT=$(free_port)
SMTP=smtp://127.0.0.1:$SPORT

# sink [ARGS...]: (re)start the sink on $SPORT.
sink() {
	[ -z "$SINK_PID" ] || stop_peer "$SINK_PID"
	rm -f "$TMP/sport"
	"$PY" "$SINK" "$TMP/sport" "$MAIL" --port "$SPORT" "$@" >>"$TMP/sink.log" 2>&1 &
	SINK_PID=$!
	PEERS="$PEERS $SINK_PID"
	i=0
	while [ ! -s "$TMP/sport" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$TMP/sport" ] || { echo "Bail out! the SMTP sink did not start: $(tail -3 "$TMP/sink.log")"; exit 1; }
}
publish() { run_offpeak -C "$R" --now "$NOW" publish --smtp "$SMTP"; }
# q PYTHON-EXPRESSION: over the stored messages as the list M.
q() {
	"$PY" "$READ" "$MAIL" >"$TMP/mail.jsonl"
	"$PY" -c 'import json, sys
M = [json.loads(l) for l in open(sys.argv[1])]
print(eval(sys.argv[2]))' "$TMP/mail.jsonl" "$1"
}
seq_of() { state_file "state/$1.json" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["sequence"])'; }

make_repo
sink

# --- each subscriber with an email gets the changes on their systems

n0=$(state_commits)
publish
expect_rc "publish --smtp: exit 0" 0
expect_out "two messages" "2 messages sent"
expect_out "one line per message" "smtp: REQUEST $DB_UID to dba@example.net"
is "two messages in the sink" "$(q 'len(M)')" 2
is "db-upgrade to dba-team (system db-1), web-patch to web-team (group web); none to no-mail" \
    "$(q '[(m["rcpt_tos"], m["uid"]) for m in M]')" \
    "[(['dba@example.net'], '$DB_UID'), (['web@example.net'], '$WEB_UID')]"
is "the envelope sender is the organizer" "$(q 'M[0]["mail_from"]')" noc@pub.test.example
is "From and To" "$(q '(M[0]["from"], M[0]["to"])')" \
    "('Publish test <noc@pub.test.example>', 'dba-team <dba@example.net>')"
is "multipart/alternative: text, then the calendar" "$(q '(M[0]["type"], M[0]["parts"])')" \
    "('multipart/alternative', ['text/plain', 'text/calendar'])"
is "text/calendar; method=REQUEST; charset=UTF-8" "$(q '(M[0]["part_method"], M[0]["charset"])')" \
    "('REQUEST', 'UTF-8')"
is "METHOD:REQUEST, the event as the feeds show it" \
    "$(q '(M[0]["method"], M[0]["status"], M[0]["sequence"], M[0]["dtstart"], M[0]["tzids"])')" \
    "('REQUEST', 'TENTATIVE', $(seq_of db-upgrade), '2026-11-06T01:00:00+01:00', ['Europe/Berlin'])"
is "the subscriber is the ATTENDEE, the organizer the ORGANIZER" \
    "$(q '(M[0]["attendee"], M[0]["attendee_cn"], M[0]["organizer"])')" \
    "('mailto:dba@example.net', 'dba-team', 'mailto:noc@pub.test.example')"
is "a Message-ID and a Date" "$(q 'M[0]["message_id"].startswith("<") and M[0]["message_id"].endswith("@pub.test.example>") and M[0]["date"]')" \
    "Mon, 02 Nov 2026 09:00:00 +0000"
is "the Message-IDs differ" "$(q 'M[0]["message_id"] != M[1]["message_id"]')" True
is "a subject a person reads" "$(q 'M[0]["subject"]')" "Maintenance: Upgrade the database, 2026-11-06 01:00 CET"
is "the text part says what, when and where" \
    "$(q 'all(s in M[0]["text"] for s in ["Upgrade the database", "2026-11-06 01:00 CET to 2026-11-06 03:00 CET (Europe/Berlin)", "Systems:   db-1", "Impact:    outage", "tentative until the notice period ends, 2026-11-05 10:00 CET"])')" True
is "CR LF line ends throughout" "$(q 'all(m["crlf"] for m in M)')" True
is "one state commit remembers what was sent" "$(state_commits)" $((n0 + 1))
state_file publish/smtp.json >"$TMP/rec.json"
is "... per subscriber, UID and SEQUENCE" "$("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["dba@example.net"][sys.argv[2]]["sequence"], d["dba@example.net"][sys.argv[2]]["method"])' "$TMP/rec.json" "$DB_UID")" \
    "$(seq_of db-upgrade) REQUEST"

# --- nothing is sent twice, not even when only the status moves

publish
expect_out "a second publish: nothing" "0 messages sent"
NOW=2026-11-03T11:00:00+01:00	# web-patch's notice holds: CONFIRMED, same SEQUENCE
publish
expect_out "TENTATIVE to CONFIRMED is no new message" "0 messages sent"
is "... the sink has two messages still" "$(q 'len(M)')" 2
is "... and no state commit was made" "$(state_commits)" $((n0 + 1))

# --- a moved change: REQUEST with a higher SEQUENCE

move_db 2026-11-03T12:00:00+01:00
publish
expect_rc "publish after a move: exit 0" 0
is "one message, to dba-team" "$(q '(len(M), M[2]["rcpt_tos"])')" "(3, ['dba@example.net'])"
is "REQUEST at the new time, higher SEQUENCE" \
    "$(q '(M[2]["method"], M[2]["dtstart"], M[2]["sequence"] > M[0]["sequence"])')" \
    "('REQUEST', '2026-11-08T01:00:00+01:00', True)"
is "the subject says it changed" "$(q 'M[2]["subject"]')" "Updated maintenance: Upgrade the database, 2026-11-08 01:00 CET"

# --- a cancelled change: CANCEL

NOW=2026-11-03T13:00:00+01:00
op cancel web-patch -m "not needed after all"
publish
is "one message, to web-team" "$(q '(len(M), M[3]["rcpt_tos"])')" "(4, ['web@example.net'])"
is "METHOD:CANCEL in the part and the calendar, STATUS:CANCELLED" \
    "$(q '(M[3]["part_method"], M[3]["method"], M[3]["status"])')" "('CANCEL', 'CANCEL', 'CANCELLED')"
is "... with the SEQUENCE of the cancellation" "$(q 'M[3]["sequence"]')" "$(seq_of web-patch)"
is "... and the reason in the text" "$(q '"Reason:    cancelled: not needed after all" in M[3]["text"]')" True
publish
expect_out "and then nothing more" "0 messages sent"

# --- a change on both systems, one recipient refused: the other is sent

cat >"$R/plans/kernel.json" <<'PLAN'
{ "id": "kernel", "title": "Kernel-Update für alle Server", "owner": "ops@example.com",
  "systems": ["db-1", "web-1"], "impact": "none", "duration": "PT1H",
  "backup": { "run": ["hooks/backup"] },
  "steps": [ { "name": "work", "run": ["hooks/step"] } ],
  "verify": { "run": [["hooks/verify"]] } }
PLAN
commit_all "$R" "a plan on both systems"
NOW=2026-11-03T14:00:00+01:00
op approve kernel
op schedule
sink --reject dba@example.net
n1=$(state_commits)
publish
expect_rc "a refused recipient: exit 5" 5
expect_err "... named with the reason" "cannot send to 'dba@example.net' through 'smtp://127.0.0.1:$SPORT/'"
is "the other subscriber got it" "$(q '(len(M), M[4]["rcpt_tos"], M[4]["uid"])')" "(5, ['web@example.net'], 'kernel@$DOMAIN')"
is "a UTF-8 title survives the subject" "$(q 'M[4]["subject"].split(", 2026-")[0]')" "Maintenance: Kernel-Update für alle Server"
is "what was sent is recorded" "$(state_commits)" $((n1 + 1))
sink
publish
expect_rc "the next publish: exit 0" 0
is "only the refused message is sent again" "$(q '(len(M), M[5]["rcpt_tos"], M[5]["uid"])')" "(6, ['dba@example.net'], 'kernel@$DOMAIN')"

# --- the sink is down

stop_peer "$SINK_PID"
NOW=2026-11-03T15:00:00+01:00
op cancel kernel -m "postponed"
n2=$(state_commits)
publish
expect_rc "no SMTP server: exit 5" 5
expect_err "... says so" "Couldn't connect to server"
is "... nothing is recorded" "$(state_commits)" "$n2"
sink
publish
expect_rc "once it is back: exit 0" 0
is "both get the CANCEL" "$(q 'sorted((m["rcpt_tos"][0], m["method"]) for m in M[6:])')" \
    "[('dba@example.net', 'CANCEL'), ('web@example.net', 'CANCEL')]"

# --- usage

run_offpeak -C "$R" publish --smtp http://127.0.0.1/
expect_rc "an http URL for --smtp: exit 2" 2
expect_err "... says so" "must be an smtp:// or smtps:// URL"

done_testing
