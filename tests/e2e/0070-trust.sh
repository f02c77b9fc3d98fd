# Trust: signed plans, approvals and runs with real Ed25519 keys made by
# ssh-keygen, pushed through a git daemon to a bare repository (made with
# plain "git init --bare") carrying the sample pre-receive hook. What the
# people do is taken; every forgery pushed straight to offpeak-state is
# refused by the server naming the problem, changes nothing there, and is
# flagged by offpeak audit.
. "$SRCDIR/tests/lib.sh"

[ -x "$(git --exec-path)/git-daemon" ] || skip_all "git daemon is not installed"
command -v ssh-keygen >/dev/null 2>&1 || skip_all "ssh-keygen is not installed"

NOW=2026-12-01T10:00:00+08:00
SRV=$TMP/srv
BARE=$SRV/plans.git
K=$TMP/keys
daemon_pid=

stop_daemon() {
	if [ -n "$daemon_pid" ]; then
		kill "$daemon_pid" 2>/dev/null || :
		wait "$daemon_pid" 2>/dev/null || :
		daemon_pid=
	fi
}
trap 'stop_daemon; rm -rf "$TMP"' EXIT

start_daemon() {
	tries=0
	while :; do
		PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		git daemon --export-all --enable=receive-pack --base-path="$SRV" \
		    --listen=127.0.0.1 --port="$PORT" --reuseaddr "$SRV" \
		    >"$TMP/daemon.log" 2>&1 &
		daemon_pid=$!
		i=0
		while [ $i -lt 200 ] && kill -0 "$daemon_pid" 2>/dev/null; do
			git ls-remote "git://127.0.0.1:$PORT/plans.git" >/dev/null 2>&1 && return 0
			i=$((i + 1))
			sleep 0.05
		done
		stop_daemon
		tries=$((tries + 1))
		if [ $tries -ge 3 ]; then
			echo "Bail out! git daemon did not start"
			exit 1
		fi
	done
}

# --- keys: the author, three approvers (carol's key expired on Nov 15),
# the operator, the break-glass approver, and mallory who is not listed
mkdir -p "$K"
for who in dana alice bob carol ops cto mallory; do
	ssh-keygen -q -t ed25519 -N '' -C "$who" -f "$K/$who" </dev/null
done
pub() { cut -d' ' -f1,2 "$K/$1.pub"; }

R=$TMP/work
mkdir -p "$R/plans" "$R/hooks" "$R/keys"
cat > "$R/offpeak.json" <<'JSON'
{
  "version": 1,
  "provider": "Trust Test Ops",
  "calendar": { "name": "Trust test", "domain": "trust.test.example" },
  "timezone": "Asia/Shanghai",
  "systems": {
    "web-1": { "group": "web", "criticality": "medium" },
    "db-1": { "group": "db", "criticality": "medium" }
  },
  "windows": [
    { "name": "nightly", "groups": ["web", "db"], "start": "2026-01-01T01:00:00",
      "duration": "PT4H", "rrule": "FREQ=DAILY" }
  ],
  "freezes": [
    { "name": "year-end", "start": "2026-12-24T00:00:00+08:00", "end": "2027-01-02T00:00:00+08:00" }
  ],
  "risk": {
    "weights": { "impact.outage": 3 },
    "levels": [ { "name": "low", "max_score": 2, "notice": "P1D", "approvals": 1 },
                { "name": "high", "notice": "P3D", "approvals": 2 } ],
    "emergency_notice": "PT2H"
  },
  "approvers": ["alice@example.com", "bob@example.com", "carol@example.com", "dana@example.com"],
  "operators": ["ops@example.com"],
  "break_glass": { "approvers": ["cto@example.com"], "approvals": 1 },
  "signing": "required",
  "allowed_signers": "keys/allowed_signers",
  "max_concurrent": 4
}
JSON
{
	echo "dana@example.com $(pub dana)"
	echo "alice@example.com $(pub alice)"
	echo "bob@example.com $(pub bob)"
	echo "carol@example.com valid-before=\"20261115\" $(pub carol)"
	echo "ops@example.com namespaces=\"offpeak-run\" $(pub ops)"
	echo "cto@example.com namespaces=\"offpeak-approval\" $(pub cto)"
} > "$R/keys/allowed_signers"
cat > "$R/hooks/ok" <<'SH'
#!/bin/sh
if [ "$OFFPEAK_PHASE" = backup ]; then
	printf '{"location": "/backups/%s", "size": 1}\n' "$OFFPEAK_PLAN_ID" > "$OFFPEAK_BACKUP_MANIFEST"
fi
echo "ok: $OFFPEAK_PHASE"
SH
chmod +x "$R/hooks/ok"
plan() {	# plan ID SYSTEM IMPACT OWNER [TYPE]
	cat > "$R/plans/$1.json" <<JSON
{
  "id": "$1", "title": "Change $1", "owner": "$4", "type": "${5:-normal}",
  "systems": ["$2"], "impact": "$3", "duration": "PT30M",
  "risk": { "rollback": "tested", "data_migration": false, "tested_in_staging": true },
  "backup": { "run": ["hooks/ok"], "timeout": "PT5M" },
  "steps": [ { "name": "apply", "run": ["hooks/ok"], "timeout": "PT5M" } ],
  "verify": { "run": [["hooks/ok"]] },
  "rollback": { "run": ["hooks/ok"], "timeout": "PT5M" }
}
JSON
}
plan cfg web-1 degraded bob@example.com
plan dbx db-1 outage dba@example.com
plan extra web-1 degraded bob@example.com
git -C "$R" init -q

# signed_commit DIR KEY MESSAGE: commit everything, SSH-signed with KEY.
signed_commit() {
	git_tick=$((git_tick + 1))
	GIT_AUTHOR_DATE="@$((GIT_EPOCH + 60 * git_tick)) +0000"
	GIT_COMMITTER_DATE=$GIT_AUTHOR_DATE
	git -C "$1" add -A
	git -C "$1" -c gpg.format=ssh -c user.signingkey="$K/$2" \
	    -c user.email="$2@example.com" commit -q -S --allow-empty -m "$3"
}
signed_commit "$R" dana "plans, policy and allowed signers"

run_offpeak -C "$R" check
expect_rc "check accepts the signed repository" 0
cp "$R/keys/allowed_signers" "$TMP/signers.good"
printf '*@example.com %s\nzed@example.com valid-before="soon" %s\n' "$(pub dana)" "$(pub dana)" >> "$R/keys/allowed_signers"
run_offpeak -C "$R" check --worktree
expect_rc "check refuses a bad allowed-signers file" 1
expect_err "... naming the file and line of a pattern principal" "keys/allowed_signers:7: principal '*@example.com' is a pattern"
expect_err "... and of a bad time" "keys/allowed_signers:8: valid-before=\"soon\" is not a time"
cp "$TMP/signers.good" "$R/keys/allowed_signers"

# --- the server: plain git init --bare, the sample hook, the plans branch
mkdir -p "$SRV"
git init -q --bare "$BARE"
git -C "$BARE" config offpeak.branch main
git -C "$BARE" config offpeak.allowSimulatedClock true
cp "$SRCDIR/hooks/pre-receive" "$BARE/hooks/pre-receive"
OFFPEAK_BIN=$OFFPEAK
export OFFPEAK
start_daemon
URL=git://127.0.0.1:$PORT/plans.git
git -C "$R" remote add origin "$URL"
git -C "$R" push -q origin main >"$TMP/push.out" 2>&1 && pass "the signed plans are taken" ||
    { fail "push of the signed plans"; diag "$(cat "$TMP/push.out")"; }

# every person works in a clone of their own, with their key
clone() {	# clone NAME
	git clone -q "$URL" "$TMP/$1"
	git -C "$TMP/$1" config offpeak.branch main
	git -C "$TMP/$1" config user.email "$1@example.com"
	git -C "$TMP/$1" config user.signingkey "$K/$1"
}
for who in alice bob carol dana ops mallory; do clone $who; done
as() { who=$1; shift; run_offpeak -C "$TMP/$who" --now "$NOW" "$@"; }

# --- what the people do
as alice approve cfg
expect_rc "alice approves cfg, signed, through the hook" 0
expect_out "... as the principal of her key" "approved by alice@example.com (signed)"
git -C "$TMP/alice" show origin/offpeak-state:approvals/cfg/1.json | grep -q 'BEGIN SSH SIGNATURE' &&
    pass "the signature is kept beside the approval" || fail "no signature in approvals/cfg/1.json"
as bob approve cfg
expect_rc "bob, cfg's owner, cannot approve it" 1
expect_err "... saying why" "'bob@example.com' is the plan's owner"
as dana approve dbx
expect_rc "dana, who signed the plan commit, cannot approve it" 1
expect_err "... saying why" "'dana@example.com' is the plan's author"
as carol approve dbx
expect_rc "carol's key is past its valid-before" 1
expect_err "... ssh-keygen says so" "does not count"
as mallory approve dbx
expect_rc "mallory's key is in no allowed-signers line" 1
expect_err "... saying so" "is not in the allowed signers"
as alice approve dbx
expect_rc "alice approves dbx" 0
as bob approve dbx -m "checked the migration"
expect_rc "bob approves dbx" 0
expect_out "two approvals read 2/2" "2/2 approvals; now approved"
as bob approve dbx --reject -m "second thoughts"
expect_rc "a rejection is recorded" 0
expect_out "... without an approval count" "dbx: rejected by bob@example.com (signed); now rejected"

# a new revision of dbx (signed by dana) brings it back for approval
sed -i 's/"Change dbx"/"Change dbx, again"/' "$R/plans/dbx.json"
signed_commit "$R" dana "dbx again"
git -C "$R" push -q origin main >"$TMP/push.out" 2>&1 && pass "a signed plan edit is taken" ||
    { fail "push of a signed edit"; diag "$(cat "$TMP/push.out")"; }
as alice approve dbx
expect_rc "alice approves the new revision" 0
as bob approve dbx
expect_rc "bob too" 0
as ops schedule
expect_rc "the schedule is taken by the hook" 0
as ops status cfg
expect_out "cfg is scheduled" "scheduled"

# the run: alice is no operator; ops runs it with a signed statement
SLOT=2026-12-03T01:05:00+08:00
run_offpeak -C "$TMP/alice" --now "$SLOT" run cfg
expect_rc "alice is not an operator: refused" 1
expect_err "... naming the gate" "gate 'operator': 'alice@example.com' is not an operator"
run_offpeak -C "$TMP/ops" --now "$SLOT" run cfg
expect_rc "ops runs cfg through the hook" 0
expect_out "... as the principal of the ops key" "by ops@example.com"
git -C "$TMP/ops" fetch -q origin
run=$(git -C "$TMP/ops" ls-tree --name-only origin/offpeak-state records/cfg/ | grep '\.json$' | head -1)
git -C "$TMP/ops" show "origin/offpeak-state:$run" | grep -q '"action": "start"' &&
    pass "the record carries the signed start statement" || fail "no signed statement in $run"

as ops audit
expect_rc "audit finds the trail clean" 0
expect_out "... and says what it checked" "0 violations"

# --- forgeries, pushed straight to offpeak-state with git
F=$TMP/forge
git clone -q -b offpeak-state "$URL" "$F"
git -C "$F" config offpeak.branch main
git -C "$F" fetch -q origin main:refs/remotes/origin/main
PLANS=$(git -C "$F" rev-parse origin/main)
ftick=0

# forge MESSAGE: commit the forge's work tree, dated after the last state
forge() {
	ftick=$((ftick + 1))
	FT=$(( $(git -C "$F" log -1 --format=%ct) + 60 ))
	git -C "$F" add -A
	GIT_AUTHOR_DATE="@$FT +0000" GIT_COMMITTER_DATE="@$FT +0000" \
	    git -C "$F" commit -q --allow-empty -m "$1

Offpeak-Plans: $PLANS
Offpeak-Clock: simulated"
}
at_forge() { python3 -c "import datetime,sys; print(datetime.datetime.fromtimestamp($1 + 60, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'))"; }

# refused DESC TEXT [ARGS]: the push fails naming TEXT, the server keeps its
# state, and audit (of the forged local history) flags it too
refused() {
	before=$(git -C "$BARE" rev-parse offpeak-state)
	set +e
	git -C "$F" push ${3:-} origin "${4:-offpeak-state}" >"$TMP/push.out" 2>&1
	prc=$?
	set -e
	if [ "$prc" -ne 0 ] && grep -qF -- "$2" "$TMP/push.out"; then
		pass "$1: refused by the server"
	else
		fail "$1: refused by the server (exit $prc)"; diag "$(cat "$TMP/push.out")"
	fi
	[ "$(git -C "$BARE" rev-parse offpeak-state)" = "$before" ] &&
	    pass "$1: nothing changed" || fail "$1: the server's state moved"
	if [ "${5:-audit}" = audit ]; then
		run_offpeak -C "$F" --offline audit
		if [ "$rc" -eq 1 ] && printf '%s\n' "$out" | grep -qF -- "$2"; then
			pass "$1: flagged by audit"
		else
			fail "$1: flagged by audit (exit $rc)"; diag "$out" "$err"
		fi
	fi
	git -C "$F" reset -q --hard "$before"
}

rev_of() { git -C "$F" show "origin/main:plans/$1.json" | git hash-object --stdin; }
# approval ID N APPROVER KEY|- [REVISION]: an approval file, signed with KEY
approval() {
	when=$(at_forge "$(git -C "$F" log -1 --format=%ct)")
	r=${5:-$(rev_of "$1")}
	if [ "$4" != - ]; then
		printf 'offpeak-approval 1\nplan %s\nrevision %s\ndecision approve\nbreak-glass no\nprincipal %s\ntime %s\ncomment \n' \
		    "$1" "$r" "$3" "$when" | ssh-keygen -Y sign -f "$K/$4" -n offpeak-approval > "$TMP/sig" 2>/dev/null
	else
		: > "$TMP/sig"
	fi
	mkdir -p "$F/approvals/$1"
	python3 - "$F/approvals/$1/$2.json" "$3" "$r" "$when" "$TMP/sig" <<'PY'
import json, sys
path, who, rev, when, sigf = sys.argv[1:]
a = {"approver": who, "decision": "approve", "revision": rev, "at": when}
sig = open(sigf).read()
if sig:
    a["signature"] = sig
json.dump(a, open(path, "w"), indent=2)
PY
}

approval extra 1 alice@example.com -
forge "approval extra by alice"
refused "an approval without a signature" "it is not signed"

approval extra 1 alice@example.com mallory
forge "approval extra by alice"
refused "an approval signed by a key not in the allowed signers" "is not in the allowed signers for 'alice@example.com'"

approval extra 1 carol@example.com carol
forge "approval extra by carol"
refused "an approval by a key past its valid-before" "does not count"

mkdir -p "$F/approvals/extra"
git -C "$F" show HEAD:approvals/cfg/1.json > "$F/approvals/extra/1.json"
forge "approval extra by alice"
refused "alice's approval of cfg replayed onto extra" "does not count"

approval extra 1 bob@example.com bob
forge "approval extra by bob"
refused "an approval by the plan's owner" "is the plan's owner"

approval extra 1 dana@example.com dana
forge "approval extra by dana"
refused "an approval by the signer of the plan's revision" "is the plan's author"

# alice's first approval of dbx (an older revision) replayed as a new one
n=$(git -C "$F" ls-tree --name-only HEAD approvals/dbx/ | wc -l)
git -C "$F" show HEAD:approvals/dbx/1.json > "$F/approvals/dbx/$((n + 1)).json"
forge "approval dbx by alice"
refused "an approval replayed onto a newer revision" "a replay of approvals/dbx/1.json"

# a state file that marks an unapproved plan scheduled
python3 - "$F/state/extra.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["status"] = "scheduled"
s["slot"] = {"start": "2026-12-10T17:00:00Z", "end": "2026-12-10T17:30:00Z",
             "window": "nightly", "timezone": "Asia/Shanghai"}
s["slot_live"] = True
s["published_at"] = "2026-12-01T02:00:00Z"
json.dump(s, open(sys.argv[1], "w"), indent=2)
PY
forge "schedule extra"
refused "an unapproved plan marked scheduled" "with 0 of 1 approvals that count"

# slots moved by hand: into the freeze, and before the notice holds
move() {	# move START END
	python3 - "$F/state/dbx.json" "$1" "$2" "$(at_forge "$(git -C "$F" log -1 --format=%ct)")" <<'PY'
import json, sys
path, start, end, pub = sys.argv[1:]
s = json.load(open(path))
s["slot"]["start"], s["slot"]["end"] = start, end
s["published_at"] = pub
json.dump(s, open(path, "w"), indent=2)
PY
}
move 2026-12-25T17:00:00Z 2026-12-25T17:30:00Z
forge "move dbx into the freeze"
refused "a slot written inside a freeze" "the slot lies in freeze 'year-end'"
move 2026-12-03T17:00:00Z 2026-12-03T17:30:00Z
forge "move dbx before its notice"
refused "a slot written before its notice holds" "is before its notice holds"

# the run record: edited, deleted
python3 - "$F/$run" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["outcome"] = "failed"
json.dump(r, open(sys.argv[1], "w"), indent=2)
PY
forge "edit the record"
refused "a run record edited" "records are append-only"
git -C "$F" rm -q "$run"
forge "delete the record"
refused "a run record deleted" "a run record was deleted"

# abort requests: only whole ones, never rewritten
mkdir -p "$F/aborts/cfg"
echo '{"run": "x", "by": "mallory"}' > "$F/aborts/cfg/x.json"
forge "abort-request cfg"
refused "a malformed abort request" "not an abort request"
mkdir -p "$F/aborts/cfg"
echo '{"run": "x", "by": "alice@example.com", "message": "stop", "at": "2026-12-01T00:00:00Z"}' > "$F/aborts/cfg/x.json"
forge "abort-request cfg"
echo '{"run": "x", "by": "bob@example.com", "message": "stop", "at": "2026-12-01T00:00:00Z"}' > "$F/aborts/cfg/x.json"
forge "abort-request cfg, rewritten"
refused "an abort request rewritten" "abort requests are append-only"

# history rewritten, the branch deleted
git -C "$F" reset -q --hard HEAD~1
forge "another past"
refused "a force-push of offpeak-state" "not a fast-forward" -f offpeak-state noaudit
refused "deleting offpeak-state" "cannot be deleted" "" :offpeak-state noaudit

# an unsigned plan commit
sed -i 's/"Change extra"/"Change extra, unsigned"/' "$R/plans/extra.json"
commit_all "$R" "unsigned edit"
set +e
git -C "$R" push origin main >"$TMP/push.out" 2>&1
prc=$?
set -e
[ "$prc" -ne 0 ] && grep -q "is not signed" "$TMP/push.out" &&
    pass "an unsigned plan commit is refused by the server" ||
    { fail "an unsigned plan commit (exit $prc)"; diag "$(cat "$TMP/push.out")"; }
git clone -q "$R" "$TMP/local"
git -C "$TMP/local" config offpeak.branch main
run_offpeak -C "$TMP/local" audit
expect_rc "audit of a history holding it exits 1" 1
expect_out "... naming the commit and the file" "plans/extra.json signing is required"
git -C "$R" reset -q --hard HEAD~1

# --- break-glass: an emergency change inside the freeze
FREEZE_NOW=2026-12-24T10:00:00+08:00
plan hotfix web-1 none dana@example.com emergency
signed_commit "$R" dana "hotfix"
git -C "$R" push -q origin main >"$TMP/push.out" 2>&1 && pass "the emergency plan is taken" ||
    { fail "push of the emergency plan"; diag "$(cat "$TMP/push.out")"; }
run_offpeak -C "$TMP/alice" --now "$FREEZE_NOW" approve hotfix
expect_rc "alice approves the emergency change" 0
run_offpeak -C "$TMP/ops" --now "$FREEZE_NOW" schedule
expect_rc "schedule without break-glass" 0
run_offpeak -C "$TMP/ops" --now "$FREEZE_NOW" --json status hotfix
start=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); d=d[0] if isinstance(d,list) else d; print(d.get("slot",{}).get("start",""))' || :)
case $start in 2027-01-01T17:00:00Z) pass "without break-glass it waits for the freeze's end ($start)" ;;
*) fail "without break-glass: slot $start" ;; esac
clone cto
run_offpeak -C "$TMP/cto" --now "$FREEZE_NOW" approve hotfix --break-glass -m "exploit in the wild"
expect_rc "the break-glass approval is taken by the hook" 0
run_offpeak -C "$TMP/ops" --now "$FREEZE_NOW" schedule
expect_rc "schedule with break-glass is taken by the hook" 0
run_offpeak -C "$TMP/ops" --now "$FREEZE_NOW" status hotfix
expect_out "placed inside the freeze, flagged" "freeze 'year-end' overridden by cto@example.com"
expect_out "... in the status" "2026-12-25 01:00"
run_offpeak -C "$TMP/ops" --now "$FREEZE_NOW" calendar -o "$TMP/feeds"
python3 - "$TMP/feeds/all.ics" > "$TMP/all.txt" <<'PY'
import sys
print(open(sys.argv[1], newline="").read().replace("\r\n ", "").replace("\\n", "\n"))
PY
grep -q 'SUMMARY:\[EMERGENCY\]' "$TMP/all.txt" && grep -q "Break-glass: freeze 'year-end' overridden by cto@example.com" "$TMP/all.txt" &&
    pass "the feed flags the break-glass placement" || { fail "the feed does not flag it"; diag "$(grep -i -A3 emergency "$TMP/all.txt")"; }
run_offpeak -C "$TMP/ops" --now 2026-12-25T01:05:00+08:00 run hotfix
expect_rc "the operator runs it inside the freeze" 0
run_offpeak -C "$TMP/ops" --now 2026-12-26T00:00:00+08:00 report
expect_out "report: a line of its own" "hotfix: freeze 'year-end' overridden by cto@example.com"
expect_out "report: its own audit" "0 violations"
run_offpeak -C "$TMP/ops" audit
expect_rc "the whole trail is clean" 0

done_testing
