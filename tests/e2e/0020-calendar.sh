# offpeak calendar on the bundled example: the feeds it writes, read by
# libical, ical.js and python3-icalendar, agree with the state branch;
# output is deterministic, replaced atomically, and says nothing private.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/calendar-lib.sh"
need_parsers

D=$TMP/demo
T0=2026-11-30T09:00:00+01:00	# the demo's clock: everything just published
T1=2026-12-11T09:00:00+01:00	# every notice period has passed; some slots too

# --- the demo writes the feeds and says where they are

run_offpeak demo "$D"
expect_rc "demo runs the whole pipeline" 0
expect_out "demo runs calendar" "calendar -o $D/feeds"
expect_out "demo says where the feeds are" "The notices: $D/feeds/all.ics"
expect_out "demo gives a webcal:// hint for serve" "webcal://127.0.0.1:8080/calendar/all.ics"
expect_out "... and for a subscriber's private feed" "webcal://127.0.0.1:8080/calendar/private/<token>/all.ics"
expect_out "... with the serve command" "offpeak -C $D serve --listen 127.0.0.1:8080"
feedcheck "the demo's feeds agree with the state at its clock" "$D" "$D/feeds" "$T0"

# --- calendar writes every feed

calendar "$D" "$T0" "$TMP/f1"
expect_out "calendar reports what it wrote" "calendar: 14 feeds, 13 changes in all.ics, 15 files written or removed, in $TMP/f1/"
want="all.ics groups/db.ics groups/net.ics groups/web.ics systems/db-primary.ics
systems/db-replica.ics systems/fw-edge.ics systems/lb-1.ics systems/sw-core-1.ics
systems/sw-core-2.ics systems/web-1.ics systems/web-2.ics systems/web-3.ics timeline.svg windows.ics"
got=$(cd "$TMP/f1" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')
if [ "$got" = "$(echo $want) " ]; then pass "all.ics, a feed per system and group, windows.ics, timeline.svg"; else fail "feeds: $got"; fi
if diff -r "$D/feeds" "$TMP/f1" >/dev/null; then pass "the same state and clock: the demo's feeds byte for byte"; else fail "the demo's feeds differ"; fi
feedcheck "three parsers agree with the state (start, end, UID, SEQUENCE, STATUS) at $T0" "$D" "$TMP/f1" "$T0" \
    --expect openssl-emergency=TENTATIVE --expect pg16-upgrade=TENTATIVE --absent web3-hypervisor-move

# --- determinism and atomic replacement

calendar "$D" "$T0" "$TMP/f2"
if diff -r "$TMP/f1" "$TMP/f2" >/dev/null; then pass "two runs: identical bytes"; else fail "two runs differ"; fi
touch -d '2001-01-01 00:00:00' "$TMP/f1/all.ics" "$TMP/f1/systems/web-1.ics"
calendar "$D" "$T0" "$TMP/f1"
expect_out "an unchanged feed is not rewritten" "0 files written or removed"
if [ "$(stat -c %Y "$TMP/f1/all.ics")" = "$(date -d '2001-01-01 00:00:00' +%s)" ]; then
	pass "... and keeps its modification time"
else
	fail "all.ics was rewritten"
fi
if [ -z "$(find "$TMP/f1" -name '.*' -type f)" ]; then pass "no temporary file is left"; else fail "temporary files left: $(find "$TMP/f1" -name '.*')"; fi
if [ "$(stat -c %a "$TMP/f1/all.ics")" = 644 ]; then pass "feeds are readable by all (0644)"; else fail "mode $(stat -c %a "$TMP/f1/all.ics")"; fi
echo "stale" >"$TMP/f1/systems/gone.ics"
echo "keep" >"$TMP/f1/systems/notes.txt"
calendar "$D" "$T0" "$TMP/f1"
if [ ! -e "$TMP/f1/systems/gone.ics" ] && [ -f "$TMP/f1/systems/notes.txt" ]; then
	pass "a feed of a system that no longer exists is removed, other files stay"
else
	fail "stale feed handling"
fi
# a reader that opened the old file still reads the old feed: rename, not rewrite
exec 3<"$TMP/f1/all.ics"
calendar "$D" "$T1" "$TMP/f1"
if tr -d '\r' <&3 | grep -q '^STATUS:TENTATIVE'; then
	pass "a feed is replaced by rename: an open reader keeps the old one"
else
	fail "the open file changed under its reader"
fi
exec 3<&-

# --- later: the notice periods have passed

feedcheck "at $T1 changes whose notice held are CONFIRMED, those whose slot ended without a run missed" \
    "$D" "$TMP/f1" "$T1" --expect pg16-upgrade=CONFIRMED \
    --expect openssl-emergency=CANCELLED --expect nginx-upgrade=CANCELLED
seq0=$(ev "$TMP/f2/all.ics" pg16-upgrade@ops.nordwind.example sequence)
seq1=$(ev "$TMP/f1/all.ics" pg16-upgrade@ops.nordwind.example sequence)
stamp0=$(ev "$TMP/f2/all.ics" pg16-upgrade@ops.nordwind.example dtstamp)
stamp1=$(ev "$TMP/f1/all.ics" pg16-upgrade@ops.nordwind.example dtstamp)
if [ -n "$seq0" ] && [ "$seq0" = "$seq1" ] && [ "$stamp0" = "$stamp1" ]; then
	pass "TENTATIVE to CONFIRMED by the clock alone keeps SEQUENCE and DTSTAMP"
else
	fail "sequence $seq0 -> $seq1, dtstamp $stamp0 -> $stamp1"
fi
seq0=$(ev "$TMP/f2/all.ics" nginx-upgrade@ops.nordwind.example sequence)
seq1=$(ev "$TMP/f1/all.ics" nginx-upgrade@ops.nordwind.example sequence)
stamp1=$(ev "$TMP/f1/all.ics" nginx-upgrade@ops.nordwind.example dtstamp)
sum1=$(ev "$TMP/f1/all.ics" nginx-upgrade@ops.nordwind.example summary)
if [ -n "$seq0" ] && [ "$seq1" = $((seq0 + 1)) ] && [ "$stamp1" = 2026-12-03T01:30:00Z ] &&
    [ "$sum1" = "Missed: Rolling upgrade of nginx 1.24 to 1.26 on web-1..3" ]; then
	pass "a slot that ended without a run is missed by the clock alone: SEQUENCE up, dated at its end"
else
	fail "missed: sequence $seq0 -> $seq1, dtstamp $stamp1, summary $sum1"
fi

# --- the contents (at T0, when every change is still to come)

F=$TMP/f2/all.ics
grep -q '^REFRESH-INTERVAL;VALUE=DURATION:PT1H' "$F" && grep -q '^X-PUBLISHED-TTL:PT1H' "$F" &&
    grep -q '^METHOD:PUBLISH' "$F" && grep -q '^CALSCALE:GREGORIAN' "$F" &&
    grep -q '^X-WR-CALNAME:Nordwind maintenance' "$F" && grep -q '^X-WR-TIMEZONE:Europe/Berlin' "$F" &&
    pass "calendar properties from the policy" || fail "calendar properties"
if grep -q '^TZID:Europe/Berlin' "$F" && ! grep -q 'freeassociation' "$F" && ! grep -q 'UNTIL' "$F"; then
	pass "VTIMEZONE with the IANA name, rules without UNTIL"
else
	fail "VTIMEZONE"
fi
tr -d '\r' <"$F" | sed -n '/^UID:openssl-emergency@/,/^END:VEVENT/p' >"$TMP/ev"
grep -q '^SUMMARY:\[EMERGENCY\] Emergency OpenSSL patch' "$TMP/ev" && grep -q '^CATEGORIES:emergency' "$TMP/ev" &&
    pass "an emergency change is flagged in SUMMARY and CATEGORIES" || fail "emergency flag"
grep -q '^X-MAINTNOTE-OBJECT-ID;X-MAINTNOTE-OBJECT-IMPACT=REDUCED-REDUNDANCY:web-1' "$TMP/ev" &&
    grep -q '^X-MAINTNOTE-IMPACT:REDUCED-REDUNDANCY' "$TMP/ev" && grep -q '^X-MAINTNOTE-ACCOUNT:NW-SLA-2026-017' "$TMP/ev" &&
    grep -q '^ORGANIZER:mailto:noc@nordwind.example' "$TMP/ev" &&
    grep -q '^URL:https://ops.nordwind.example/changes/openssl-emergency' "$TMP/ev" &&
    pass "BCOP properties, ORGANIZER and URL" || fail "BCOP properties"
[ "$(grep -c '^BEGIN:VALARM' "$TMP/ev")" = 2 ] && grep -q '^TRIGGER:-P1D' "$TMP/ev" && grep -q '^TRIGGER:-PT2H' "$TMP/ev" &&
    pass "one VALARM per policy reminder" || fail "VALARMs"
if grep -q '^DURATION' "$F"; then fail "DURATION appears"; else pass "DTEND, never DURATION"; fi
# what plans say about hooks and backups never reaches a feed
leak=
for s in hooks/ backup-files backup-postgres /etc/ssl /etc/nginx rollback-files pg-basebackup \
    healthz OFFPEAK_ check-postgres; do
	if cat "$TMP"/f1/*.ics "$TMP"/f1/*/*.ics | tr -d '\r\n ' | grep -qF -- "$s"; then leak="$leak $s"; fi
done
if [ -z "$leak" ]; then pass "no hook argv, backup location or check URL in any feed"; else fail "private text in feeds:$leak"; fi

# --- a repository without a state branch, a bad policy, bad arguments

run_offpeak init "$TMP/new"
calendar "$TMP/new" "$T0" "$TMP/f3"
expect_out "no state yet: empty feeds" "0 changes in all.ics"
feedcheck "feeds of a repository with no state branch" "$TMP/new" "$TMP/f3" "$T0"
run_offpeak -C "$D" --now "$T0" --json calendar -o "$TMP/f4"
printf '%s' "$out" >"$TMP/cal.json"
ok "--json lists every feed with its event count" python3 - "$TMP/cal.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = {x["path"]: x["events"] for x in d["feeds"]}
assert d["events"] == 13 and f["all.ics"] == 13 and f["windows.ics"] == 5, d
assert f["systems/fw-edge.ics"] == 1 and len(f) == 14 and d["changed"] == 15, f
PY
sed -i 's/"domain": "ops.nordwind.example"/"domain": "not a domain"/' "$D/offpeak.json"
git -C "$D" commit -q -a -m "break the policy"
run_offpeak -C "$D" --now "$T0" calendar -o "$TMP/f5"
expect_rc "a policy that does not pass check: exit 1" 1
expect_err "... says why" "'not a domain' is not a domain name"
[ ! -e "$TMP/f5" ] && pass "... and writes nothing" || fail "feeds written from a bad policy"
run_offpeak -C "$D" calendar -o
expect_rc "-o without a value is a usage error" 2
run_offpeak -C "$D" calendar extra
expect_rc "an operand is a usage error" 2
run_offpeak calendar --help
expect_out "calendar --help explains the feeds" "all.ics, systems/<name>.ics"
touch "$TMP/afile"
git -C "$D" revert --no-edit HEAD >/dev/null
run_offpeak -C "$D" --now "$T0" calendar -o "$TMP/afile/x"
expect_rc "an output directory that cannot be made: exit 5" 5

done_testing
