# make install DESTDIR=...: the binary, both man pages, the schemas, the
# sample hooks and the systemd units land in their conventional places with
# the right modes, the units name the installed binary, and make uninstall
# takes every file away again.
. "$SRCDIR/tests/lib.sh"

B=$(cd "$(dirname "$OFFPEAK")/.." && pwd)
[ -f "$B/Makefile" ] || { echo "Bail out! no Makefile in the build directory $B"; exit 1; }
getvar() { sed -n "s|^$1 = ||p" "$B/Makefile" | head -1; }
prefix=$(getvar prefix)
D=$TMP/root
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "${MAKE:-make}" -s -C "$B" "$@" DESTDIR="$D" >"$TMP/make.out" 2>&1; }

if mk install; then pass "make install DESTDIR=..."; else fail "make install"; diag "$(cat "$TMP/make.out")"; fi
(cd "$D$prefix" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) >"$TMP/have"
cat >"$TMP/want" <<'LIST'
bin/offpeak
lib/systemd/system/offpeak-run-due.service
lib/systemd/system/offpeak-run-due.timer
lib/systemd/system/offpeak-schedule.service
lib/systemd/system/offpeak-schedule.timer
lib/systemd/system/offpeak-serve.service
share/man/man1/offpeak.1
share/man/man5/offpeak.json.5
share/offpeak/hooks/backup-files
share/offpeak/hooks/backup-postgres
share/offpeak/hooks/pre-receive
share/offpeak/hooks/rollback-files
share/offpeak/hooks/upgrade-step
share/offpeak/hooks/verify-http
share/offpeak/schemas/plan.schema.json
share/offpeak/schemas/policy.schema.json
share/offpeak/systemd/offpeak.env.example
LIST
if cmp -s "$TMP/want" "$TMP/have"; then pass "the installed tree under $prefix is exactly the expected one"
else fail "installed files differ"; diag "$(diff "$TMP/want" "$TMP/have")"; fi

mode() { stat -c %a "$D$prefix/$1"; }
[ "$(mode bin/offpeak)" = 755 ] && pass "the binary is 0755" || fail "binary mode $(mode bin/offpeak)"
bad=
for h in backup-files backup-postgres pre-receive rollback-files upgrade-step verify-http; do
	[ "$(mode share/offpeak/hooks/$h)" = 755 ] || bad="$bad $h"
	cmp -s "$D$prefix/share/offpeak/hooks/$h" "$SRCDIR/hooks/$h" || bad="$bad $h(content)"
done
[ -z "$bad" ] && pass "the sample hooks are executable copies of hooks/" || fail "hooks:$bad"
[ "$(mode share/man/man1/offpeak.1)" = 644 ] && [ "$(mode share/man/man5/offpeak.json.5)" = 644 ] &&
    head -5 "$D$prefix/share/man/man1/offpeak.1" | grep -q '^\.TH OFFPEAK 1' &&
    head -5 "$D$prefix/share/man/man5/offpeak.json.5" | grep -q '^\.TH OFFPEAK.JSON 5' &&
    pass "the man pages, sections 1 and 5, 0644" || fail "man pages"
"$D$prefix/bin/offpeak" --version | grep -q '^offpeak [0-9]' && pass "the installed binary runs" || fail "installed binary"
/usr/bin/python3 -c 'import json, sys; [json.load(open(f)) for f in sys.argv[1:]]' \
    "$D$prefix"/share/offpeak/schemas/*.json && pass "the schemas are JSON" || fail "schemas"
u=$D$prefix/lib/systemd/system
grep -q "^ExecStart=$prefix/bin/offpeak -C /srv/offpeak/plans serve " "$u/offpeak-serve.service" &&
    [ "$(grep -c "^ExecStart=$prefix/bin/offpeak " "$u/offpeak-schedule.service")" -eq 2 ] &&
    ! grep -q '@bindir@' "$u"/*.service && pass "the units run the installed binary" || fail "units: $(grep ExecStart "$u"/*)"
grep -q '^OnCalendar=' "$u/offpeak-schedule.timer" && pass "the timer is installed as written" || fail "timer"
grep -q "^ExecStart=$prefix/bin/offpeak -C /srv/offpeak/plans run --due " "$u/offpeak-run-due.service" &&
    grep -q '^OnCalendar=\*:\*:00$' "$u/offpeak-run-due.timer" &&
    pass "run --due every minute, as the service account" || fail "run-due units: $(grep -h 'ExecStart\|OnCalendar' "$u"/offpeak-run-due.*)"
if command -v systemd-analyze >/dev/null 2>&1; then
	systemd-analyze verify --man=no "$u/offpeak-run-due.timer" >"$TMP/verify.out" 2>&1 || :
	if grep -qi "unknown\|failed to parse\|invalid\|bad " "$TMP/verify.out"; then
		fail "systemd-analyze verify"; diag "$(cat "$TMP/verify.out")"
	else
		pass "systemd-analyze finds nothing wrong in the run-due units"
	fi
fi

if mk uninstall; then pass "make uninstall"; else fail "make uninstall"; diag "$(cat "$TMP/make.out")"; fi
left=$(find "$D" -type f | sed "s|^$D||")
[ -z "$left" ] && pass "make uninstall removes every installed file" || { fail "left behind"; diag "$left"; }
done_testing
