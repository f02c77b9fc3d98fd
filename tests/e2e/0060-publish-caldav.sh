# offpeak publish --caldav against a real Radicale server on 127.0.0.1:
# each change is its own resource <uid>.ics (read back with a CalDAV
# calendar-query REPORT: UID, SEQUENCE, STATUS), created with
# If-None-Match, updated with If-Match after a reschedule, never written
# over someone else's edit (412), deleted after the retention; a second
# publish sends nothing; a server that is down, a lost record.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/publish-lib.sh"
need py:radicale py:icalendar timeout

CLIENT=$SRCDIR/tests/py/caldav_client.py
RDIR=$TMP/radicale
RAD=

# start_radicale: Radicale with its own configuration and storage in $RDIR,
# no authentication, at most 10 minutes.
start_radicale() {
	RPORT=${RPORT:-$(free_port)}
	mkdir -p "$RDIR"
	cat >"$RDIR/config" <<EOF
[server]
hosts = 127.0.0.1:$RPORT
[auth]
type = none
[rights]
type = owner_only
[storage]
filesystem_folder = $RDIR/collections
[logging]
level = info
mask_passwords = True
EOF
	timeout 600 "$PY" -m radicale --config "$RDIR/config" >>"$RDIR/log" 2>&1 &
	RAD=$!
	PEERS="$PEERS $RAD"
	wait_port "$RPORT" || { echo "Bail out! Radicale did not start: $(tail -5 "$RDIR/log")"; exit 1; }
	COLL=http://127.0.0.1:$RPORT/ops/maintenance/
}

# report: the events of the collection, one JSON line each, in $TMP/report.
report() { "$PY" "$CLIENT" report "$COLL" >"$TMP/report"; }
# field UID KEY: one field of one event of the last report.
field() {
	"$PY" -c 'import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["uid"] == sys.argv[2]:
        print(e[sys.argv[3]] if not isinstance(e[sys.argv[3]], list) else ",".join(e[sys.argv[3]]))' \
	    "$TMP/report" "$1" "$2"
}
nevents() { wc -l <"$TMP/report" | tr -d ' '; }
puts() { grep -c "PUT request for" "$RDIR/log" || :; }
# seq ID: the SEQUENCE the state branch holds for a plan.
seq_of() { state_file "state/$1.json" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["sequence"])'; }
# rec UID KEY: a field of publish/caldav.json for the collection.
rec() {
	state_file publish/caldav.json | "$PY" -c 'import json, sys
d = json.load(sys.stdin)
r = d[sys.argv[1]]["resources"].get(sys.argv[2])
print("" if r is None else r[sys.argv[3]])' "$COLL" "$1" "$2"
}
publish() {
	OFFPEAK_CALDAV_USER=ops OFFPEAK_CALDAV_PASSWORD=pw-not-in-git \
	    run_offpeak -C "$R" --now "$NOW" publish --caldav "${1:-${COLL%/}}"
}

make_repo
start_radicale
"$PY" "$CLIENT" mkcalendar "$COLL" || { echo "Bail out! cannot make the calendar"; exit 1; }

# --- the first publish creates a resource per change

n0=$(state_commits)
publish
expect_rc "publish --caldav: exit 0" 0
expect_out "two resources created" "2 created, 0 updated, 0 deleted, 0 unchanged"
expect_out "one line per resource" "caldav: created $DB_UID.ics"
report
is "the REPORT finds both events" "$(nevents)" 2
is "db-upgrade is the resource <uid>.ics" "$(field "$DB_UID" href)" "$DB_UID.ics"
is "web-patch is the resource <uid>.ics" "$(field "$WEB_UID" href)" "$WEB_UID.ics"
is "SEQUENCE as in the state" "$(field "$DB_UID" sequence)/$(field "$WEB_UID" sequence)" \
    "$(seq_of db-upgrade)/$(seq_of web-patch)"
is "both TENTATIVE before the notice holds" "$(field "$DB_UID" status)/$(field "$WEB_UID" status)" \
    TENTATIVE/TENTATIVE
is "DTSTART is the slot" "$(field "$DB_UID" dtstart)" 2026-11-06T01:00:00+01:00
is "a resource has no METHOD (RFC 4791) and its VTIMEZONE" \
    "$(field "$DB_UID" method)/$(field "$DB_UID" tzids)" /Europe/Berlin
is "one state commit records it" "$(state_commits)" $((n0 + 1))
is "... with the ETag the server gave" "$(rec "$DB_UID" etag)" "$(field "$DB_UID" etag)"
subject=$(git -C "$R" log -1 --format=%s offpeak-state)
is "the commit says what was published" "$subject" \
    "publish caldav $COLL: 2 created, 0 updated, 0 deleted"
grep -q "Successful login: 'ops'" "$RDIR/log" && pass "credentials from OFFPEAK_CALDAV_USER/PASSWORD" ||
    fail "no login as ops"
if git -C "$R" log -p offpeak-state | grep -q pw-not-in-git || printf '%s' "$out$err" | grep -q pw-not-in-git; then
	fail "the password is in the output or the state branch"
else
	pass "the password appears nowhere"
fi

# --- a second publish sends nothing

p0=$(puts)
etags0=$(field "$DB_UID" etag)$(field "$WEB_UID" etag)
publish
expect_rc "a second publish: exit 0" 0
expect_out "... nothing to send" "0 created, 0 updated, 0 deleted, 2 unchanged"
is "... no PUT reached the server" "$(puts)" "$p0"
report
is "... the ETags are the same" "$(field "$DB_UID" etag)$(field "$WEB_UID" etag)" "$etags0"
is "... and no state commit" "$(state_commits)" $((n0 + 1))

# --- the clock alone: web-patch's notice holds, CONFIRMED with the same SEQUENCE

NOW=2026-11-03T10:00:00+01:00
wseq=$(field "$WEB_UID" sequence)
publish
expect_out "only the change whose status moved is sent" "0 created, 1 updated, 0 deleted, 1 unchanged"
report
is "web-patch CONFIRMED, SEQUENCE unchanged" "$(field "$WEB_UID" status)/$(field "$WEB_UID" sequence)" \
    "CONFIRMED/$wseq"

# --- a reschedule: the resource is updated in place with a higher SEQUENCE

dseq=$(field "$DB_UID" sequence)
move_db 2026-11-03T12:00:00+01:00
expect_out "a freeze moves db-upgrade" "move db-upgrade 2026-11-08T01:00+01:00"
publish
expect_rc "publish after the move: exit 0" 0
expect_out "the moved change is updated" "caldav: updated $DB_UID.ics"
report
is "still two events" "$(nevents)" 2
is "the new start" "$(field "$DB_UID" dtstart)" 2026-11-08T01:00:00+01:00
s1=$(field "$DB_UID" sequence)
[ "$s1" -gt "$dseq" ] && pass "SEQUENCE raised by the move ($dseq -> $s1)" || fail "SEQUENCE $dseq -> $s1"
is "the record follows the new ETag" "$(rec "$DB_UID" etag)" "$(field "$DB_UID" etag)"

# --- someone edits web-patch on the server: 412, reported, not overwritten

"$PY" "$CLIENT" get "$COLL$WEB_UID.ics" | sed 's/^SUMMARY:.*/SUMMARY:Edited by hand/' >"$TMP/edited.ics"
"$PY" "$CLIENT" put "$COLL$WEB_UID.ics" "$TMP/edited.ics"
NOW=2026-11-03T13:00:00+01:00
op cancel web-patch -m "not needed"
NOW=2026-11-06T12:00:00+01:00	# and db-upgrade's notice holds: an update that succeeds
n1=$(state_commits)
publish
expect_rc "an edit on the server: exit 5" 5
expect_err "... says which resource and why" "'$COLL$WEB_UID.ics' was changed on the server since offpeak published it (412 Precondition Failed); it was not overwritten"
expect_err "... and that what succeeded is recorded" "what succeeded is recorded"
report
is "the edit stays" "$(field "$WEB_UID" summary)/$(field "$WEB_UID" status)" "Edited by hand/CONFIRMED"
is "the other change was still updated" "$(field "$DB_UID" status)" CONFIRMED
is "... and recorded" "$(rec "$DB_UID" etag)/$(state_commits)" "$(field "$DB_UID" etag)/$((n1 + 1))"
publish
expect_rc "the conflict is reported again" 5
expect_out "... and db-upgrade is not sent twice" "0 created, 0 updated, 0 deleted, 1 unchanged"

# deleting the edited resource hands it back to offpeak
"$PY" "$CLIENT" delete "$COLL$WEB_UID.ics"
publish
expect_rc "once deleted on the server it is offpeak's again: exit 0" 0
expect_out "... created anew" "caldav: created $WEB_UID.ics"
report
is "web-patch CANCELLED with a higher SEQUENCE" "$(field "$WEB_UID" status)/$(field "$WEB_UID" sequence)" \
    "CANCELLED/$(seq_of web-patch)"
[ "$(seq_of web-patch)" -gt "$wseq" ] && pass "the cancellation raised SEQUENCE" || fail "SEQUENCE not raised"

# --- the retention (10 days after the cancellation) ends: DELETE

NOW=2026-11-13T12:59:59+01:00
publish
expect_out "one second before the retention ends: kept" "0 deleted"
NOW=2026-11-13T13:00:00+01:00
publish
expect_rc "after the retention: exit 0" 0
expect_out "web-patch is deleted" "caldav: deleted $WEB_UID.ics"
report
is "only db-upgrade is left" "$(nevents)/$(field "$DB_UID" uid)" "1/$DB_UID"
is "the record forgets it" "$(rec "$WEB_UID" etag)" ""
publish
expect_out "and then nothing more" "0 created, 0 updated, 0 deleted, 1 unchanged"

# --- the record is lost (the commit after a publish failed): taken back

git -C "$R" worktree add -q "$TMP/wt" offpeak-state
git -C "$TMP/wt" rm -q publish/caldav.json
git -C "$TMP/wt" commit -q -m "lose the record"
git -C "$R" worktree remove --force "$TMP/wt"
publish
expect_rc "a resource offpeak published but forgot: taken back, exit 0" 0
expect_out "... updated in place with the server's ETag" "0 created, 1 updated"
report
is "... not duplicated (its slot ended without a run by now: missed)" "$(nevents)/$(field "$DB_UID" status)" 1/CANCELLED
is "... and remembered again" "$(rec "$DB_UID" etag)" "$(field "$DB_UID" etag)"

# --- the server is down: exit 5, nothing recorded

stop_peer "$RAD"
op cancel db-upgrade -m "superseded by a new plan"
n2=$(state_commits)
publish
expect_rc "the server is down: exit 5" 5
expect_err "... names the URL and the failure" "cannot PUT '$COLL$DB_UID.ics': Couldn't connect to server"
is "... and nothing is committed" "$(state_commits)" "$n2"
start_radicale
publish
expect_rc "the server is back: exit 0" 0
report
is "... and the cancellation arrives" "$(field "$DB_UID" status)" CANCELLED

# --- usage

run_offpeak -C "$R" publish
expect_rc "no target: usage, exit 2" 2
run_offpeak -C "$R" publish --caldav ftp://127.0.0.1/x/
expect_rc "a URL that is not http(s): exit 2" 2
expect_err "... says so" "caldav: 'ftp://127.0.0.1/x/' must be an http:// or https:// URL"
run_offpeak publish --help
expect_out "publish --help explains the targets" "--caldav URL"
OFFPEAK_CALDAV_USER=ops run_offpeak -C "$R" --now "$NOW" --json publish --caldav "$COLL"
printf '%s' "$out" >"$TMP/pub.json"
ok "--json gives the counts" "$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["caldav"]["unchanged"] == 1 and d["caldav"]["created"] == 0, d
assert d["webhook"] is None and d["problems"] == [], d' "$TMP/pub.json"

done_testing
