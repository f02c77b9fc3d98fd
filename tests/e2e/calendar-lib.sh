# Shared by the calendar tests (tests/e2e/002*-calendar*.sh), sourced after
# tests/lib.sh: the three iCalendar parsers and the feed checker.
#
# The parsers are libical (tests/unit/ics-check, built by make check),
# ical.js (tests/js, installed by ./bootstrap with npm) and
# python3-icalendar (Debian's, under /usr/bin/python3). Without one the
# tests are skipped, except under CI (CI set), where they fail.

PY=${OFFPEAK_TEST_PYTHON:-/usr/bin/python3}
PYTHONDONTWRITEBYTECODE=1	# nothing written into the source tree
export PYTHONDONTWRITEBYTECODE
NODE=${NODE:-node}
TESTBIN=$(dirname "$OFFPEAK")/../tests/unit
ICS_CHECK=${ICS_CHECK:-$TESTBIN/ics-check}
VTZ_DUMP=${VTZ_DUMP:-$TESTBIN/vtz-dump}
FEEDCHECK=$SRCDIR/tests/py/feedcheck.py

# ical.js from tests/js/node_modules (./bootstrap puts it there), or from
# OFFPEAK_NODE_MODULES for a source tree that has none (a release tarball
# under make distcheck): the runner is copied beside a link to it.
ICS_JS=$SRCDIR/tests/js/ics-events.mjs
if ! [ -f "$SRCDIR/tests/js/node_modules/ical.js/package.json" ] &&
    [ -f "${OFFPEAK_NODE_MODULES:-/nonexistent}/ical.js/package.json" ]; then
	mkdir -p "$TMP/js"
	cp "$ICS_JS" "$TMP/js/"
	ln -s "$OFFPEAK_NODE_MODULES" "$TMP/js/node_modules"
	ICS_JS=$TMP/js/ics-events.mjs
fi

# need_parsers: every parser is there, or skip (fail under CI).
need_parsers() {
	missing=
	[ -x "$ICS_CHECK" ] || missing="$missing ics-check"
	[ -x "$VTZ_DUMP" ] || missing="$missing vtz-dump"
	"$PY" -c 'import icalendar, zoneinfo' >/dev/null 2>&1 ||
	    missing="$missing python3-icalendar"
	if ! command -v "$NODE" >/dev/null 2>&1 ||
	    ! [ -f "$(dirname "$ICS_JS")/node_modules/ical.js/package.json" ]; then
		missing="$missing ical.js"
	fi
	[ -z "$missing" ] && return 0
	if [ -n "${CI:-}" ]; then
		echo "not ok 1 - parsers missing in CI:$missing (./bootstrap installs them)"
		echo "1..1"
		exit 1
	fi
	skip_all "parsers missing:$missing (./bootstrap installs them)"
}

# feedcheck DESC REPO FEEDS NOW [CHECKER ARGS...]: the checker finds nothing.
feedcheck() {
	fc_desc=$1 fc_repo=$2 fc_feeds=$3 fc_now=$4
	shift 4
	if "$PY" "$FEEDCHECK" --repo "$fc_repo" --feeds "$fc_feeds" --now "$fc_now" \
	    --ics-check "$ICS_CHECK" --node "$NODE" --ics-js "$ICS_JS" "$@" >"$TMP/feedcheck.out" 2>&1; then
		pass "$fc_desc"
	else
		fail "$fc_desc"
		diag "$(tail -n 40 "$TMP/feedcheck.out")"
	fi
}

# calendar REPO NOW DIR: offpeak calendar, which must succeed.
calendar() {
	run_offpeak -C "$1" --now "$2" calendar -o "$3"
	if [ "$rc" -ne 0 ]; then
		fail "calendar at $2 (exit $rc)"
		diag "$err"
	fi
}

# ev FILE UID FIELD: one field of one event of a feed, as python3-icalendar
# reads it ("" when the event is not there).
ev() {
	"$PY" - "$1" "$2" "$3" "$SRCDIR/tests/py" <<'PY'
import sys
sys.path.insert(0, sys.argv[4])
import ics_events
for e in ics_events.main_data([sys.argv[1]])[0]["events"]:
    if e["uid"] == sys.argv[2]:
        print(e[sys.argv[3]])
PY
}
