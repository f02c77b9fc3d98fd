# The time rule: under --now nothing offpeak writes or prints depends on the
# real clock. The same repository is taken through the pipeline three times
# with the real clock moved (libfaketime) to today, years ahead and years
# back; every output, header and state commit must be the same bytes. One
# plan commit is dated years after --now: log still puts it before the
# transitions it caused, and serve's Last-Modified never passes the clock.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/serve-lib.sh"

LIBFAKETIME=
for l in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1; do
	[ -f "$l" ] && LIBFAKETIME=$l && break
done
[ -n "$LIBFAKETIME" ] || { echo "Bail out! libfaketime is needed (./bootstrap installs faketime)"; exit 1; }

REAL=$OFFPEAK
D=$TMP/repo
run_offpeak demo "$D"
[ "$rc" -eq 0 ] || { echo "Bail out! offpeak demo failed: $err"; exit 1; }
# a revision committed "in 2031", long after the simulated clock
python3 - "$D/plans/php-fpm-tuning.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["title"] = "Tune php-fpm workers (revised)"
json.dump(p, open(sys.argv[1], "w"), indent=2)
PY
GIT_AUTHOR_DATE="2031-03-01T00:00:00Z" GIT_COMMITTER_DATE="2031-03-01T00:00:00Z" \
    commit_paths "$D" "revise php-fpm-tuning" plans/php-fpm-tuning.json

# pipeline N OFFSET: a copy of the repository taken through the commands
# with the real clock moved by OFFSET; everything they say goes to $TMP/outN/.
pipeline() {
	R=$TMP/r$1 O=$TMP/out$1
	rm -rf "$R" "$O"
	cp -R "$D" "$R"
	mkdir -p "$O" "$TMP/bin"
	# libfaketime preloaded into offpeak itself (not the faketime wrapper,
	# which would stand between serve and the signal that stops it)
	printf '#!/bin/sh\nFAKETIME=%s LD_PRELOAD="%s${LD_PRELOAD:+:$LD_PRELOAD}" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" exec "%s" "$@"\n' \
	    "$2" "$LIBFAKETIME" "$REAL" >"$TMP/bin/offpeak$1"
	chmod +x "$TMP/bin/offpeak$1"
	OFFPEAK=$TMP/bin/offpeak$1
	for cmd in "assess" "approve php-fpm-tuning" "schedule" "status" "--json status" \
	    "log php-fpm-tuning" "--json log php-fpm-tuning" "--json report" "calendar -o $TMP/feeds$1"; do
		# shellcheck disable=SC2086
		run_offpeak -C "$R" --now "$T0" $cmd
		printf '%s\n%s\nexit %s\n' "$out" "$err" "$rc" | sed "s|$R|REPO|g; s|$TMP/feeds$1|FEEDS|g" >>"$O/said"
	done
	git -C "$R" rev-parse offpeak-state >"$O/state-commit"
	(cd "$TMP/feeds$1" && find . -type f | sort | xargs cat) >"$O/feeds"
	start_serve -C "$R" --now "$T0"
	curl -s -D "$O/headers" -o "$O/all.ics" "$BASE/calendar/all.ics"
	curl -s -o "$O/status.json" "$BASE/api/status.json"
	stop_serve
	OFFPEAK=$REAL
}

pipeline 1 +0d
pipeline 2 +1500d
pipeline 3 -2500d

# the preload really moves the clock (date(1) through the same mechanism)
y=$(FAKETIME="@2040-06-01 00:00:00" LD_PRELOAD=$LIBFAKETIME date -u +%Y)
[ "$y" = 2040 ] && pass "the preloaded libfaketime moves the clock" ||
    fail "libfaketime did not move the clock ($y)"

for f in said state-commit feeds headers all.ics status.json; do
	if cmp -s "$TMP/out1/$f" "$TMP/out2/$f" && cmp -s "$TMP/out1/$f" "$TMP/out3/$f"; then
		pass "$f: the same bytes with the real clock today, 1500 days ahead and 2500 days back"
	else
		fail "$f differs with the real clock moved"
		diag "$(diff "$TMP/out1/$f" "$TMP/out2/$f" | head -20)" "$(diff "$TMP/out1/$f" "$TMP/out3/$f" | head -20)"
	fi
done

h=$(tr -d '\r' <"$TMP/out1/headers")
printf '%s\n' "$h" | grep -qx "Date: Mon, 30 Nov 2026 08:00:00 GMT" &&
    pass "Date is the simulated clock's" || { fail "Date header"; diag "$h"; }
printf '%s\n' "$h" | grep -qx "Last-Modified: Mon, 30 Nov 2026 08:00:00 GMT" &&
    pass "Last-Modified is not the 2031 plan commit's: never after the clock" || { fail "Last-Modified"; diag "$h"; }

ok "log: the 2031 revision comes before the transitions it caused" python3 - "$TMP/out1/said" <<'PY'
import sys
text = open(sys.argv[1]).read()
log = text[text.index("plan revised"):]
want = ["plan revised", "supersede php-fpm-tuning", "assess php-fpm-tuning",
        "approval php-fpm-tuning by", "move php-fpm-tuning 2026-12-03"]
at = 0
for w in want:
    i = log.find(w, at)
    assert i >= 0, (w, log[at:at + 400])
    at = i + len(w)
assert "2031-03-01T00:00:00Z  plan" in text, "the plan commit shows its own date"
PY

"$REAL" -C "$TMP/r1" --json status php-fpm-tuning >"$TMP/st.json"
ok "the revision's submission is not after the clock" python3 - "$TMP/r1" <<'PY'
import json, subprocess, sys
s = json.loads(subprocess.run(["git", "-C", sys.argv[1], "show", "offpeak-state:state/php-fpm-tuning.json"],
                              capture_output=True, text=True, check=True).stdout)
assert s["submitted_at"] <= "2026-11-30T08:00:00Z", s["submitted_at"]
PY

done_testing
