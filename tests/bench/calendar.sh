# The calendar section of tests/bench/run.sh (sourced by it; uses its
# OFFPEAK, PLANS, SYSTEMS, PYTHON, tmp, here, missed and verdict).
#
# Builds a repository of PLANS standard changes on SYSTEMS systems with
# gen.py --standard and schedules them (offpeak schedule writes the state
# branch), then measures in the same run:
#   - `offpeak calendar` into a new directory (every feed rendered,
#     written and synced: all.ics, a feed per system and group, windows.ics),
#   - `offpeak calendar` again over unchanged feeds (rendered and compared,
#     nothing written: the steady state of a periodic job),
#   - ical_py.py: python3-icalendar building all.ics alone from the same
#     state (its own build-and-serialise time, reading the state excluded),
#   - the ratio of python's build time to offpeak's whole command.
# Goals: calendar under 0.3 s, at least 10x python3-icalendar.
#
# Environment: BENCH_CALENDAR=0 skips the section; BENCH_CAL_RUNS (default
# 5) and BENCH_CAL_PY_RUNS (default 3) set the timed runs.

CAL_NOW=2027-01-01T09:00:00+01:00
CAL_RUNS=${BENCH_CAL_RUNS:-5}
CAL_PY_RUNS=${BENCH_CAL_PY_RUNS:-3}
CAL_PY=/usr/bin/python3
GOAL_CAL_S=0.3
GOAL_CAL_RATIO=10

# cal_time CMD: mean and standard deviation of elapsed seconds over CAL_RUNS
cal_time() {
	: >"$tmp/cal-times"
	i=0
	while [ "$i" -lt "$CAL_RUNS" ]; do
		/usr/bin/time -f %e -a -o "$tmp/cal-times" sh -c "$1" >/dev/null 2>&1
		i=$((i + 1))
	done
	awk '{ s += $1; q += $1 * $1; n++ } END { m = s / n; v = q / n - m * m; if (v < 0) v = 0;
		printf "%.3f %.3f\n", m, sqrt(v) }' "$tmp/cal-times"
}

if [ "${BENCH_CALENDAR:-1}" != 0 ]; then
	echo
	echo "== calendar"
	cal_repo=$tmp/cal-repo
	cal_gen="$PYTHON $here/gen.py --standard --plans $PLANS --systems $SYSTEMS $cal_repo"
	echo "\$ $cal_gen"
	$cal_gen
	cal_sched="$OFFPEAK -C $cal_repo --now $CAL_NOW schedule"
	echo "\$ $cal_sched"
	$cal_sched >"$tmp/cal-sched.out" 2>&1 || { cat "$tmp/cal-sched.out"; exit 1; }
	head -n 1 "$tmp/cal-sched.out"
	# a new directory each run: removing the last one would be timed too
	cal_fresh="$OFFPEAK -C $cal_repo --now $CAL_NOW calendar -o \$(mktemp -u $tmp/cal-new.XXXXXX)"
	cal_steady="$OFFPEAK -C $cal_repo --now $CAL_NOW calendar -o $tmp/cal-feeds"
	cal_pycmd="$CAL_PY $here/ical_py.py $cal_repo $CAL_NOW $tmp/cal-py.ics"
	echo "\$ $cal_steady"
	sh -c "$cal_steady" || exit 1
	nev=$(grep -c '^BEGIN:VEVENT' "$tmp/cal-feeds/all.ics")
	nfeeds=$(find "$tmp/cal-feeds" -name '*.ics' | wc -l | tr -d ' ')
	kib=$(du -sk "$tmp/cal-feeds" | cut -f1)
	echo "$nev events in all.ics; $nfeeds feeds, ${kib} KiB"

	set -- $(cal_time "$cal_fresh")
	fresh_mean=$1 fresh_sd=$2
	rm -rf "$tmp"/cal-new.*
	set -- $(cal_time "$cal_steady")
	steady_mean=$1 steady_sd=$2
	cal_rss=
	/usr/bin/time -v sh -c "exec $cal_steady" >/dev/null 2>"$tmp/cal-v" &&
	    cal_rss=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): *//p' "$tmp/cal-v")
	py_build=
	if "$CAL_PY" -c 'import icalendar' 2>/dev/null; then
		: >"$tmp/cal-py"
		i=0
		while [ "$i" -lt "$CAL_PY_RUNS" ]; do
			$cal_pycmd >>"$tmp/cal-py"
			i=$((i + 1))
		done
		py_build=$(awk '{ s += $4; n++ } END { printf "%.3f", s / n }' "$tmp/cal-py")
		py_events=$(awk 'END { print $2 }' "$tmp/cal-py")
	fi

	echo
	echo "== calendar results ($nev scheduled changes, $nfeeds feeds; /usr/bin/time, $CAL_RUNS runs)"
	ok=$(awk -v m="$steady_mean" -v g="$GOAL_CAL_S" 'BEGIN { print (m < g) ? 1 : 0 }')
	printf 'calendar   unchanged feeds  mean %.3f s (sd %.3f)   goal < %s s   %s\n' \
		"$steady_mean" "$steady_sd" "$GOAL_CAL_S" "$(verdict "$ok")"
	[ "$ok" = 1 ] || missed=$((missed + 1))
	echo "           command: $cal_steady"
	printf 'calendar   new directory    mean %.3f s (sd %.3f)   (written and synced)\n' \
		"$fresh_mean" "$fresh_sd"
	echo "           command: $cal_fresh"
	[ -n "$cal_rss" ] && echo "           peak RSS $(awk -v k="$cal_rss" 'BEGIN { printf "%.1f", k / 1024 }') MiB"
	if [ -n "$py_build" ]; then
		printf 'python3-icalendar all.ics only: build %.3f s for %s events (%s runs)\n' \
			"$py_build" "$py_events" "$CAL_PY_RUNS"
		echo "           command: $cal_pycmd"
		ratio=$(awk -v p="$py_build" -v c="$fresh_mean" 'BEGIN { printf "%.1f", p / c }')
		ok=$(awk -v r="$ratio" -v g="$GOAL_CAL_RATIO" 'BEGIN { print (r + 0 >= g) ? 1 : 0 }')
		printf 'ratio      python build / offpeak calendar (every feed, new directory) = %sx   goal >= %sx   %s\n' \
			"$ratio" "$GOAL_CAL_RATIO" "$(verdict "$ok")"
		[ "$ok" = 1 ] || missed=$((missed + 1))
		ratio=$(awk -v p="$py_build" -v c="$steady_mean" 'BEGIN { printf "%.1f", p / c }')
		printf '           python build / offpeak calendar (unchanged feeds) = %sx\n' "$ratio"
	else
		echo "python3-icalendar is not installed for $CAL_PY: ratio not measured"
		missed=$((missed + 1))
	fi
fi
