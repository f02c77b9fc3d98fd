# Shared by the publish tests (tests/e2e/006*-publish-*.sh), sourced after
# tests/lib.sh: a plan repository with two changes on two systems, two
# subscribers with e-mail, and helpers for the local peers.
#
# The peers run under /usr/bin/python3 (Debian's, with python3-icalendar
# and python3-aiosmtpd) or $OFFPEAK_TEST_PYTHON.

PY=${OFFPEAK_TEST_PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || PY=$(command -v python3 || echo python3)
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY || :
NO_PROXY=127.0.0.1
export NO_PROXY
unset OFFPEAK_CALDAV_USER OFFPEAK_CALDAV_PASSWORD OFFPEAK_WEBHOOK_SECRET \
    OFFPEAK_SMTP_USER OFFPEAK_SMTP_PASSWORD OFFPEAK_PUBLISH_RETRY_MS || :

R=$TMP/repo
DOMAIN=pub.test.example
DB_UID=db-upgrade@$DOMAIN
WEB_UID=web-patch@$DOMAIN
T0=2026-11-02T10:00:00+01:00	# both approved and scheduled
PEERS=

# need PROGRAM|MODULE...: skip unless every one is there (fail under CI).
need() {
	missing=
	for n in "$@"; do
		case $n in
		py:*) "$PY" -c "import ${n#py:}" >/dev/null 2>&1 || missing="$missing ${n#py:}" ;;
		*) command -v "$n" >/dev/null 2>&1 || missing="$missing $n" ;;
		esac
	done
	[ -z "$missing" ] && return 0
	if [ -n "${CI:-}" ]; then
		echo "not ok 1 - missing in CI:$missing (./bootstrap installs them)"
		echo "1..1"
		exit 1
	fi
	skip_all "missing:$missing (./bootstrap installs them)"
}

# Every peer a test starts is killed on exit, whatever happens.
trap 'for p in $PEERS; do kill "$p" 2>/dev/null || :; done; rm -rf "$TMP"' EXIT

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT: until something accepts on it (10 s at most).
wait_port() {
	"$PY" - "$1" <<'PYW'
import socket, sys, time
end = time.time() + 10
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PYW
}

# stop_peer PID: kill one peer and forget it.
stop_peer() {
	kill "$1" 2>/dev/null || :
	wait "$1" 2>/dev/null || :
	PEERS=$(echo $PEERS | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}

# is DESC GOT WANT
is() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: '$2', want '$3'"; fi; }

op() { run_offpeak -C "$R" --now "$NOW" "$@"; }

# state_commits: the number of commits on the state branch.
state_commits() { git -C "$R" rev-list --count offpeak-state; }

# state_file PATH: a file of the state branch ("" if absent).
state_file() { git -C "$R" show "offpeak-state:$1" 2>/dev/null || :; }

# plan ID TITLE SYSTEM IMPACT: (re)write a plan file.
plan() {
	cat >"$R/plans/$1.json" <<PLAN
{ "id": "$1", "title": "$2", "owner": "ops@example.com",
  "description": "Planned work on $3.",
  "systems": ["$3"], "impact": "$4", "duration": "PT2H",
  "backup": { "run": ["hooks/backup"] },
  "steps": [ { "name": "work", "run": ["hooks/step"] } ],
  "verify": { "run": [["hooks/verify"]] } }
PLAN
}

# make_repo: the repository, both changes approved and scheduled at $T0:
# db-upgrade (outage, 3 days of notice) on 2026-11-06 01:00 and
# web-patch (no impact, 1 day) on 2026-11-04 01:00, Europe/Berlin.
make_repo() {
	mkdir -p "$R/plans" "$R/hooks"
	cp "$SRCDIR"/tests/data/base/hooks/* "$R/hooks/"
	chmod +x "$R"/hooks/*
	cat >"$R/offpeak.json" <<'JSON'
{ "version": 1, "provider": "Publish Test Ops",
  "calendar": { "name": "Publish test", "domain": "pub.test.example",
                "organizer": "mailto:noc@pub.test.example",
                "reminders": ["-PT1H"], "cancelled_retention": "P10D" },
  "timezone": "Europe/Berlin",
  "systems": { "db-1": { "group": "db", "criticality": "medium" },
               "web-1": { "group": "web", "criticality": "low" } },
  "windows": [ { "name": "nightly", "groups": ["db", "web"], "start": "2026-01-01T01:00:00",
                 "duration": "PT4H", "rrule": "FREQ=DAILY" } ],
  "risk": { "weights": { "impact.outage": 3 },
            "levels": [ { "name": "low", "max_score": 2, "notice": "P1D", "approvals": 1 },
                        { "name": "high", "notice": "P3D", "approvals": 1 } ] },
  "approvers": ["alice@example.com"],
  "subscribers": [
    { "name": "dba-team", "systems": ["db-1"], "email": "dba@example.net",
      "token_sha256": "1111111111111111111111111111111111111111111111111111111111111111" },
    { "name": "web-team", "groups": ["web"], "email": "web@example.net",
      "token_sha256": "2222222222222222222222222222222222222222222222222222222222222222" },
    { "name": "no-mail", "systems": ["db-1", "web-1"],
      "token_sha256": "3333333333333333333333333333333333333333333333333333333333333333" } ] }
JSON
	plan db-upgrade "Upgrade the database" db-1 outage
	plan web-patch "Patch the web server" web-1 none
	git -C "$R" init -q
	git -C "$R" config user.email alice@example.com
	commit_all "$R" "two plans"
	NOW=$T0
	op approve db-upgrade
	op approve web-patch
	op schedule
	if [ "$rc" -ne 0 ]; then
		echo "Bail out! cannot schedule the test repository: $err"
		exit 1
	fi
}

# move_db NOW: a freeze over db-upgrade's slot makes schedule move it.
move_db() {
	NOW=$1
	sed -i 's|"risk":|"freezes": [ { "name": "audit", "start": "2026-11-05T00:00:00+01:00", "end": "2026-11-08T00:00:00+01:00" } ],\n  "risk":|' "$R/offpeak.json"
	commit_all "$R" "an audit freeze"
	op schedule
}
