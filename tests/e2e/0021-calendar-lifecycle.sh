# One change through its life as subscribers see it: approve, schedule
# (TENTATIVE until the notice holds, then CONFIRMED), plan edit (CANCELLED,
# SEQUENCE raised), re-approval and a new slot (TENTATIVE, higher SEQUENCE),
# a move forced by a new freeze, cancellation by removing the plan, and the
# end of the retention. STATUS, X-MAINTNOTE-STATUS and SEQUENCE are checked
# at every step, and the three parsers against the state.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/calendar-lib.sh"
need_parsers

R=$TMP/repo
F=$TMP/feeds
UID_=db-upgrade@life.test.example

mkdir -p "$R/plans" "$R/hooks"
cp "$SRCDIR"/tests/data/base/hooks/* "$R/hooks/"
chmod +x "$R"/hooks/*
cat >"$R/offpeak.json" <<'JSON'
{ "version": 1, "provider": "Life Test Ops",
  "calendar": { "name": "Life test", "domain": "life.test.example",
                "organizer": "mailto:noc@life.test.example",
                "reminders": ["-PT1H"], "cancelled_retention": "P10D" },
  "timezone": "Europe/Berlin",
  "systems": { "db-1": { "group": "db", "criticality": "medium" } },
  "windows": [ { "name": "nightly", "groups": ["db"], "start": "2026-01-01T01:00:00",
                 "duration": "PT4H", "rrule": "FREQ=DAILY" } ],
  "risk": { "weights": { "impact.outage": 3 },
            "levels": [ { "name": "low", "max_score": 2, "notice": "P1D", "approvals": 1 },
                        { "name": "high", "notice": "P3D", "approvals": 2 } ] },
  "approvers": ["alice@example.com", "bob@example.com"] }
JSON
# plan TITLE: (re)write the plan file
plan() {
	cat >"$R/plans/db-upgrade.json" <<PLAN
{ "id": "db-upgrade", "title": "$1", "owner": "dba@example.com",
  "description": "Upgrade the database on db-1.",
  "systems": ["db-1"], "impact": "outage", "duration": "PT2H",
  "backup": { "run": ["hooks/backup"] },
  "steps": [ { "name": "upgrade", "run": ["hooks/step"] } ],
  "verify": { "run": [["hooks/verify"]] } }
PLAN
}
op() { run_offpeak -C "$R" --now "$NOW" "$@"; }
approve_both() {
	git -C "$R" config user.email alice@example.com; op approve db-upgrade
	git -C "$R" config user.email bob@example.com; op approve db-upgrade
}
# at NOW: render, run the checker with the expectation, read the event
step() {
	calendar "$R" "$NOW" "$F"
	feedcheck "$1" "$R" "$F" "$NOW" ${2:+--expect db-upgrade=$2} ${3:+--absent db-upgrade}
	seq=$(ev "$F/all.ics" "$UID_" sequence)
	start=$(ev "$F/all.ics" "$UID_" start)
	status=$(ev "$F/all.ics" "$UID_" status)
	mn=$(ev "$F/all.ics" "$UID_" maintnote_status)
}
# is DESC GOT WANT
is() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: '$2', want '$3'"; fi; }
gt() { if [ -n "$2" ] && [ -n "$3" ] && [ "$2" -gt "$3" ]; then pass "$1 ($3 -> $2)"; else fail "$1: '$2' not above '$3'"; fi; }

plan "Upgrade the database"
git -C "$R" init -q
commit_all "$R" "a plan"

# --- approved, not yet scheduled: not in the feeds
NOW=2026-11-02T10:00:00+01:00
approve_both
step "approved without a slot: not in the feeds" "" absent
is "no event before the slot" "$seq" ""

# --- scheduled: TENTATIVE until the notice (3 days) holds
op schedule
expect_out "scheduled for 11-06 01:00, after 3 days of notice" "schedule db-upgrade 2026-11-06T01:00+01:00"
step "scheduled: the parsers agree" TENTATIVE
is "STATUS TENTATIVE" "$status" TENTATIVE
is "X-MAINTNOTE-STATUS TENTATIVE" "$mn" TENTATIVE
is "start is the slot" "$start" 2026-11-06T00:00:00Z
seq1=$seq
NOW=2026-11-05T09:59:59+01:00
step "one second before the notice holds" TENTATIVE
is "still TENTATIVE" "$status" TENTATIVE
NOW=2026-11-05T10:00:00+01:00
step "the notice holds" CONFIRMED
is "CONFIRMED once published_at + notice has passed" "$status/$mn" CONFIRMED/CONFIRMED
is "the clock alone does not raise SEQUENCE" "$seq" "$seq1"

# --- the plan is edited: superseded, the notice becomes a cancellation
NOW=2026-11-05T12:00:00+01:00
plan "Upgrade the database (v2)"
commit_all "$R" "edit the plan"
op schedule
expect_out "the edit supersedes the approval" "supersede db-upgrade"
step "superseded: CANCELLED" CANCELLED
is "STATUS and X-MAINTNOTE-STATUS CANCELLED" "$status/$mn" CANCELLED/CANCELLED
gt "SEQUENCE raised by the cancellation" "$seq" "$seq1"
is "the cancelled event keeps the last slot's start" "$start" 2026-11-06T00:00:00Z
is "SUMMARY says it is cancelled" "$(ev "$F/all.ics" "$UID_" summary)" "Cancelled: Upgrade the database (v2)"
seq2=$seq

# --- approved again and given a new slot
NOW=2026-11-06T09:00:00+01:00
approve_both
step "re-approved, no slot yet: still CANCELLED" CANCELLED
seq3=$seq
[ "$seq3" -ge "$seq2" ] && pass "SEQUENCE never goes down ($seq2 -> $seq3)" || fail "SEQUENCE went down"
op schedule
expect_out "a new slot after a new notice period" "db-upgrade 2026-11-10T01:00+01:00"
step "rescheduled: TENTATIVE again" TENTATIVE
is "TENTATIVE: the earlier notice does not count for the new slot" "$status/$mn" TENTATIVE/TENTATIVE
gt "SEQUENCE raised by the new slot" "$seq" "$seq3"
is "the new start" "$start" 2026-11-10T00:00:00Z
is "DTSTAMP is the time of the change" "$(ev "$F/all.ics" "$UID_" dtstamp)" 2026-11-06T08:00:00Z
seq4=$seq
NOW=2026-11-09T09:00:00+01:00
step "three days after the new publication: CONFIRMED" CONFIRMED
is "CONFIRMED" "$status/$mn" CONFIRMED/CONFIRMED

# --- a new freeze covers the slot: the change moves, its notice restarts
NOW=2026-11-07T09:00:00+01:00
sed -i 's|"risk":|"freezes": [ { "name": "audit", "start": "2026-11-09T00:00:00+01:00", "end": "2026-11-12T00:00:00+01:00" } ],\n  "risk":|' "$R/offpeak.json"
commit_all "$R" "an audit freeze"
op schedule
expect_out "the slot is released and the change moved" "move db-upgrade 2026-11-12T01:00+01:00"
step "moved: TENTATIVE with a higher SEQUENCE" TENTATIVE
gt "SEQUENCE raised by the move" "$seq" "$seq4"
is "the moved start" "$start" 2026-11-12T00:00:00Z
seq5=$seq
NOW=2026-11-10T09:00:00+01:00
step "the moved change's notice holds: CONFIRMED" CONFIRMED
is "CONFIRMED after the move" "$status/$mn/$seq" "CONFIRMED/CONFIRMED/$seq5"

# --- the plan file is removed: cancelled
NOW=2026-11-10T10:00:00+01:00
git -C "$R" rm -q plans/db-upgrade.json
git -C "$R" commit -q -m "drop the plan"
op schedule
expect_out "removing the plan cancels it" "cancel db-upgrade (plan file removed)"
step "cancelled by removal" CANCELLED
is "CANCELLED" "$status/$mn" CANCELLED/CANCELLED
gt "SEQUENCE raised by the cancellation" "$seq" "$seq5"
is "the cancellation keeps the slot it cancels" "$start" 2026-11-12T00:00:00Z

# --- the retention (10 days) ends
NOW=2026-11-20T09:59:59+01:00
step "one second before the retention ends: still there" CANCELLED
NOW=2026-11-20T10:00:00+01:00
step "after cancelled_retention the event is gone" "" absent
is "no event" "$seq" ""
n=$(grep -c '^BEGIN:VEVENT' "$F/all.ics" || :)
is "all.ics is empty" "$n" 0

done_testing
