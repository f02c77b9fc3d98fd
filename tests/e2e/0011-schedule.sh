# Scheduling: risk, approvals, placement constraints, stability, races.
. "$SRCDIR/tests/lib.sh"

NOW=2026-12-01T12:00:00+08:00
R=$TMP/repo

# mkplan ID SYSTEMS(json list) DURATION IMPACT [EXTRA-JSON-MEMBERS]
mkplan() {
	cat > "$R/plans/$1.json" <<PLAN
{ "id": "$1", "title": "Change $1", "owner": "ops@example.com",
  "systems": $2, "impact": "$4", "duration": "$3",
  "backup": { "run": ["hooks/backup"] },
  "steps": [ { "name": "do", "run": ["hooks/step"] } ],
  "verify": { "run": [["hooks/verify"]] }${5:+, $5} }
PLAN
}

op() { run_offpeak -C "$R" --now "$NOW" "$@"; }
as() { git -C "$R" config user.email "$1"; }
# field ID JQ-LIKE-PYTHON-EXPR: a value from `status --json ID`
field() {
	"$OFFPEAK" -C "$R" --now "$NOW" --json status "$1" |
	    python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"
}

mkdir -p "$R/plans" "$R/hooks"
cp "$SRCDIR/tests/data/sched/offpeak.json" "$R/"
cp "$SRCDIR"/tests/data/base/hooks/* "$R/hooks/"
chmod +x "$R"/hooks/*
git -C "$R" init -q
mkplan big '["s1"]' PT1H outage
mkplan small '["s2"]' PT1H degraded
commit_all "$R" "two plans"

# --- risk levels and notice periods
op --json assess
printf '%s' "$out" > "$TMP/assess.json"
ok "assess --json lists both plans with levels" python3 - "$TMP/assess.json" <<'PY'
import json, sys
a = {x["id"]: x for x in json.load(open(sys.argv[1]))}
assert a["big"]["level"] == "high" and a["big"]["score"] == 3, a["big"]
assert a["big"]["notice"] == "P3D" and a["big"]["approvals"] == 2
assert a["small"]["level"] == "low" and a["small"]["notice"] == "P1D"
assert [f["factor"] for f in a["big"]["factors"]] == ["impact.outage"]
PY
op assess big
expect_out "human assess names level and factor" "big: high risk (score 3), notice 3 days, 2 approvals"
expect_out "human assess lists the factor" "impact.outage"

# --- approvals: only approvers, once each, bound to the revision
as carol@example.com
op approve big
expect_rc "a non-approver is refused" 1
expect_err "the refusal names the identity" "'carol@example.com' is not an approver"
as alice@example.com
op approve big -m "looks fine"
expect_rc "alice approves" 0
expect_out "one of two approvals" "1/2 approvals; now assessed"
op approve big
expect_rc "alice twice is refused" 1
expect_err "twice is named" "already approved"
as bob@example.com
op approve big
expect_out "two of two approve the plan" "2/2 approvals; now approved"
op approve small
expect_out "low risk needs one" "1/1 approvals; now approved"

# --- placement honours the notice period
op schedule --dry-run
expect_out "dry run says so" "(dry run) schedule: 2 placed"
before=$(git -C "$R" rev-parse offpeak-state)
op schedule
expect_rc "schedule succeeds" 0
after=$(git -C "$R" rev-parse offpeak-state)
[ "$before" != "$after" ] && pass "schedule made a state commit" || fail "schedule made a state commit"
[ "$(field big 'd["slot"]["start_local"]')" = "2026-12-05T01:00:00+08:00" ] &&
    pass "high risk waits 3 days of notice: 12-05 01:00" || fail "high risk start $(field big 'd["slot"]["start_local"]')"
[ "$(field small 'd["slot"]["start_local"]')" = "2026-12-03T01:00:00+08:00" ] &&
    pass "low risk waits 1 day: 12-03 01:00 (12-02 01:00 is inside the notice)" || fail "small start $(field small 'd["slot"]["start_local"]')"
git -C "$R" log -1 --format=%B offpeak-state > "$TMP/msg"
grep -q "^schedule big 2026-12-05T01:00+08:00" "$TMP/msg" && pass "commit message has one line per transition" || fail "commit message"; 
grep -q "^Offpeak-Clock: simulated" "$TMP/msg" && pass "simulated clock trailer" || fail "simulated clock trailer"

# --- stability: nothing changes, nothing is written
op schedule
[ "$(git -C "$R" rev-parse offpeak-state)" = "$after" ] && pass "a second schedule writes nothing" || fail "a second schedule writes nothing"
expect_out "kept slots are reported" "2 kept"

# --- conflicts on a shared system and the concurrency cap
mkplan c1 '["s1"]' PT3H degraded
mkplan c2 '["s1"]' PT2H degraded
mkplan c3 '["s3"]' PT1H degraded
mkplan c4 '["s4"]' PT1H degraded
commit_all "$R" "more plans"
as alice@example.com
for p in c1 c2 c3 c4; do op approve $p; done
op schedule
expect_rc "schedule of the new plans" 0
[ "$(field big 'd["slot"]["start_local"]')" = "2026-12-05T01:00:00+08:00" ] &&
    pass "an existing slot is not moved by new plans" || fail "big moved"
c1=$(field c1 'd["slot"]["start_local"]'); c2=$(field c2 'd["slot"]["start_local"]')
[ "$c1" = "2026-12-03T01:00:00+08:00" ] && pass "c1 takes the first night" || fail "c1 at $c1"
[ "$c2" = "2026-12-04T01:00:00+08:00" ] && pass "c2 cannot share s1 with c1 (3h+2h > 4h): next night" || fail "c2 at $c2"
c3=$(field c3 'd["slot"]["start_local"]'); c4=$(field c4 'd["slot"]["start_local"]')
# small (s2) and c1 (s1) hold 12-03 01:00-02:00: max_concurrent 2 pushes c3 and c4
[ "$c3" = "2026-12-03T02:00:00+08:00" ] && pass "c3 waits for a free concurrency slot" || fail "c3 at $c3"
[ "$c4" = "2026-12-03T03:00:00+08:00" ] && pass "c4 waits for c3 (max_concurrent 2 with c1)" || fail "c4 at $c4"

# --- dependencies and not_before/not_after; expiry
mkplan dep-a '["s2"]' PT1H degraded '"not_before": "2026-12-06T00:00:00+08:00"'
mkplan dep-b '["s1"]' PT1H degraded '"depends_on": ["dep-a"]'
mkplan late '["s4"]' PT1H degraded '"not_after": "2026-12-02T03:00:00+08:00"'
commit_all "$R" "deps"
for p in dep-a dep-b late; do op approve $p; done
op schedule
[ "$(field dep-a 'd["slot"]["start_local"]')" = "2026-12-06T01:00:00+08:00" ] &&
    pass "not_before holds" || fail "dep-a at $(field dep-a 'd["slot"]["start_local"]')"
[ "$(field dep-b 'd["slot"]["start_local"]')" = "2026-12-06T02:00:00+08:00" ] &&
    pass "a dependent starts when its dependency ends" || fail "dep-b at $(field dep-b 'd["slot"]["start_local"]')"
[ "$(field late 'd["status"]')" = expired ] && pass "no slot before not_after: expired" || fail "late is $(field late 'd["status"]')"
field late 'd["reason"]' | grep -q "no 1 h slot in 'nightly' for s4 before 2026-12-02" &&
    pass "expiry reason names the window, system and limit" || fail "reason: $(field late 'd["reason"]')"

# --- freezes: absolute and recurring (b-sundays applies to group b only)
mkplan fz-a '["s1"]' PT1H degraded '"not_before": "2026-12-10T00:00:00+08:00"'
mkplan fz-b '["s3"]' PT1H degraded '"not_before": "2026-12-13T00:00:00+08:00"'
commit_all "$R" "freeze plans"
for p in fz-a fz-b; do op approve $p; done
op schedule
[ "$(field fz-a 'd["slot"]["start_local"]')" = "2026-12-13T01:00:00+08:00" ] &&
    pass "the absolute freeze pushes past 12-13" || fail "fz-a at $(field fz-a 'd["slot"]["start_local"]')"
[ "$(field fz-b 'd["slot"]["start_local"]')" = "2026-12-14T01:00:00+08:00" ] &&
    pass "the recurring Sunday freeze of group b skips 12-13" || fail "fz-b at $(field fz-b 'd["slot"]["start_local"]')"

# --- an edit voids approvals and releases the slot
sed -i 's/"Change small"/"Change small, edited"/' "$R/plans/small.json"
commit_all "$R" "edit small"
op status small
expect_out "edited plan is back to assessed" "assessed"
[ "$(field small 'd["slot_live"]')" = False ] && pass "its slot is released" || fail "slot still live"
[ "$(field small 'd["approvals_given"]')" = 0 ] && pass "earlier approvals stop counting" || fail "approvals still count"
op schedule
git -C "$R" log -1 --format=%B offpeak-state | grep -q "^supersede small" && pass "supersede is in the audit trail" || fail "no supersede line"

# --- a new freeze over a scheduled slot moves it, with a new notice clock
python3 - "$R/offpeak.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["freezes"].append({"name": "surprise", "start": "2026-12-05T00:00:00+08:00", "end": "2026-12-06T00:00:00+08:00"})
json.dump(p, open(sys.argv[1], "w"), indent=2)
PY
commit_all "$R" "surprise freeze"
NOW=2026-12-02T12:00:00+08:00
op schedule
expect_out "big is released" "release big 2026-12-05T01:00+08:00 (freeze 'surprise')"
[ "$(field big 'd["slot"]["start_local"]')" = "2026-12-06T03:00:00+08:00" ] || [ "$(field big 'd["published_at"]')" = "2026-12-02T04:00:00Z" ] &&
    pass "moved big has a new published_at" || fail "big published_at $(field big 'd["published_at"]')"
b=$(field big 'd["slot"]["start"]'); p=$(field big 'd["published_at"]')
python3 -c "
from datetime import datetime as D
s=D.fromisoformat('$b'.replace('Z','+00:00')); p=D.fromisoformat('$p'.replace('Z','+00:00'))
assert (s-p).total_seconds() >= 3*86400, (s, p)" && pass "moved slot honours the new notice" || fail "moved slot inside notice"

# --- the notice invariant over every scheduled plan
"$OFFPEAK" -C "$R" --now "$NOW" --json status > "$TMP/all.json"
ok "start >= published_at + notice for every live slot" python3 - "$TMP/all.json" <<'PY'
import json, sys, re
from datetime import datetime, timedelta
def t(s): return datetime.fromisoformat(s.replace("Z", "+00:00"))
def dur(s):
    m = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", s)
    d, h, mi, se = (int(x or 0) for x in m.groups())
    return timedelta(days=d, hours=h, minutes=mi, seconds=se)
n = 0
for st in json.load(open(sys.argv[1])):
    if st.get("slot_live"):
        n += 1
        assert t(st["slot"]["start"]) >= t(st["published_at"]) + dur(st["risk"]["notice"]), st["id"]
assert n >= 8, n
PY

# --- a lost race: another writer moves the state branch first
mkplan race '["s2"]' PT1H degraded
commit_all "$R" "race plan"
mkdir -p "$TMP/pause"
OFFPEAK_TEST_PAUSE="commit:$TMP/pause" "$OFFPEAK" -C "$R" --now "$NOW" approve race >"$TMP/r1.out" 2>"$TMP/r1.err" &
pid=$!
i=0; while [ ! -e "$TMP/pause/commit.reached" ] && [ $i -lt 3000 ]; do i=$((i+1)); sleep 0.01; done
as bob@example.com
op approve race
expect_rc "the other writer wins" 0
won=$(git -C "$R" rev-parse offpeak-state)
touch "$TMP/pause/commit.go"
set +e; wait $pid; rc=$?; set -e
[ "$rc" -eq 4 ] && pass "the loser exits 4" || fail "the loser exited $rc"
grep -q "state branch moved" "$TMP/r1.err" && pass "the loser says why" || fail "loser message: $(cat "$TMP/r1.err")"
[ "$(git -C "$R" rev-parse offpeak-state)" = "$won" ] && pass "the loser changed nothing" || fail "the loser wrote"

# --- bad input changes nothing
echo '{ broken' > "$R/plans/broken.json"
commit_all "$R" "broken"
state_before=$(git -C "$R" rev-parse offpeak-state)
op schedule
expect_rc "schedule refuses a repository that fails check" 1
expect_err "and says so" "do not pass 'offpeak check'"
[ "$(git -C "$R" rev-parse offpeak-state)" = "$state_before" ] && pass "nothing written" || fail "state moved"

# --- the old "signed_approvals": read as "signing": "required" with a
# warning; approvals made before without a signature no longer count
mkdir -p "$R/keys"
ssh-keygen -q -t ed25519 -N '' -C carol -f "$TMP/carol" </dev/null
printf 'carol@example.com %s\n' "$(cut -d' ' -f1,2 "$TMP/carol.pub")" > "$R/keys/allowed_signers"
python3 - "$R/offpeak.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["signed_approvals"] = True
p["allowed_signers"] = "keys/allowed_signers"
json.dump(p, open(sys.argv[1], "w"), indent=2)
PY
rm -f "$R/plans/broken.json"
commit_all "$R" "signed approvals"
op check
expect_rc "check accepts the old field" 0
expect_err "with a warning naming the new one" 'read as "signing": "required"'
as alice@example.com
op approve race
expect_rc "approve without a signing key is refused" 1
expect_err "and says how to name one" "git config user.signingkey"
op status race
expect_out "unsigned approvals do not count" "0/1"

done_testing
