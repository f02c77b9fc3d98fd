# The notice invariant, DTSTART >= published_at + notice period, for every
# event of every feed, computed from the feeds (as the three parsers read
# them) and the state branch, across a run of the bundled example with
# plan edits (superseded), re-approvals and new slots, a freeze that moves
# changes, cancellations by plan removal, and clocks past the retention.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/calendar-lib.sh"
need_parsers

D=$TMP/demo
F=$TMP/feeds
run_offpeak demo "$D"
expect_rc "the demo schedules the example" 0

op() { run_offpeak -C "$D" --now "$NOW" "$@"; }
as() { git -C "$D" config user.email "$1"; }
# checkpoint DESC: render at NOW; the checker (invariant included) passes
checkpoint() {
	cp_desc=$1
	shift
	calendar "$D" "$NOW" "$F"
	feedcheck "$cp_desc (at $NOW)" "$D" "$F" "$NOW" "$@"
}
# count of events whose state says they are shown, at NOW
shown() {
	sed -n 's/^feedcheck: .* \([0-9]*\) shown: .*/\1/p' "$TMP/feedcheck.out"
}

NOW=2026-11-30T09:00:00+01:00
checkpoint "just published"
[ "$(shown)" -ge 12 ] && pass "the invariant is checked on $(shown) changes" || fail "too few changes shown: $(shown)"

# --- an edited plan is superseded; approved again, it gets a new slot
NOW=2026-12-01T10:00:00+01:00
sed -i 's/"duration": "PT1H30M"/"duration": "PT2H"/' "$D/plans/nginx-upgrade.json"
git -C "$D" commit -q -a -m "nginx: two hours"
op schedule
expect_out "the edit supersedes nginx-upgrade" "supersede nginx-upgrade"
checkpoint "nginx-upgrade superseded" --expect nginx-upgrade=CANCELLED
as anna.schmidt@nordwind.example
op approve nginx-upgrade
op schedule
expect_out "nginx-upgrade gets a new slot" "move nginx-upgrade"
checkpoint "nginx-upgrade rescheduled" --expect nginx-upgrade=TENTATIVE

# --- the emergency change is edited after its short notice had held
NOW=2026-12-02T12:00:00+01:00
sed -i 's/restart nginx node by node/restart nginx one node at a time/' "$D/plans/openssl-emergency.json"
git -C "$D" commit -q -a -m "openssl: wording"
op schedule
checkpoint "openssl-emergency superseded after its slot" --expect openssl-emergency=CANCELLED

# --- a freeze over the first December weekend moves what was there
NOW=2026-12-02T13:00:00+01:00
sed -i 's|"freezes": \[|"freezes": [ { "name": "dc-move", "start": "2026-12-05T00:00:00+01:00", "end": "2026-12-07T00:00:00+01:00" },|' "$D/offpeak.json"
git -C "$D" commit -q -a -m "freeze: data centre move"
op schedule
expect_out "changes on that weekend are moved" "move "
checkpoint "after the freeze moved changes"

# --- plans removed: their notices become cancellations
NOW=2026-12-03T08:00:00+01:00
git -C "$D" rm -q plans/tls-rotation.json plans/php-fpm-tuning.json
git -C "$D" commit -q -m "drop two plans"
op schedule
expect_out "removal cancels" "cancel tls-rotation (plan file removed)"
checkpoint "two plans removed" --expect tls-rotation=CANCELLED --expect php-fpm-tuning=CANCELLED

# --- the policy's notice grows: slots that no longer honour it move
NOW=2026-12-03T09:00:00+01:00
sed -i 's/"notice": "P2D"/"notice": "P4D"/' "$D/offpeak.json"
git -C "$D" commit -q -a -m "low risk: four days of notice"
op schedule
expect_out "a slot inside the longer notice is released" "the notice period grew beyond the slot"
checkpoint "after the notice period grew"

# --- weeks later: some slots passed, old cancellations expire
for NOW in 2026-12-12T09:00:00+01:00 2027-01-01T09:00:00+01:00; do
	op schedule
	checkpoint "schedule and calendar later"
done
NOW=2027-01-02T07:59:59+01:00
checkpoint "a cancellation within the retention" --expect tls-rotation=CANCELLED
NOW=2027-01-02T08:00:00+01:00
checkpoint "... and after it" --absent tls-rotation --absent php-fpm-tuning
NOW=2027-01-20T09:00:00+01:00
op schedule
checkpoint "schedule and calendar in the new year"

done_testing
