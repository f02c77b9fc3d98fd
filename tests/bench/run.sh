#!/bin/sh
# Benchmark `offpeak check` on a large plan repository.
#
# usage: run.sh OFFPEAK        (or `make bench` in the build directory)
#
# Builds a 10,000-plan / 2,000-system repository with gen.py in a temporary
# directory, then measures in the same run:
#   - the mean time of `offpeak -C REPO check`,
#   - the mean time of `git cat-file --batch` reading the same plan blobs,
#   - their ratio,
#   - the peak memory of check (Maximum resident set size from /usr/bin/time -v).
# Timing uses hyperfine when it is installed, else repeated /usr/bin/time runs.
# Every figure is printed with the exact command that produced it.
#
# Goals: check under 0.25 s, within 5x of git cat-file, peak memory under
# 100 MiB. The exit status is 0 when all goals are met, 1 when one is missed
# or check fails, 2 on usage errors.
#
# Environment: BENCH_PLANS, BENCH_SYSTEMS (defaults 10000, 2000), BENCH_RUNS
# (timed runs per command, default 10), BENCH_TIMER=time forces the
# /usr/bin/time fallback, BENCH_KEEP=1 keeps the repository.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 OFFPEAK" >&2
	exit 2
fi
if [ ! -f "$1" ] || [ ! -x "$1" ]; then
	echo "$0: $1: not an executable" >&2
	exit 2
fi
OFFPEAK=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
PLANS=${BENCH_PLANS:-10000}
SYSTEMS=${BENCH_SYSTEMS:-2000}
RUNS=${BENCH_RUNS:-10}
PYTHON=${PYTHON:-python3}

GOAL_CHECK_S=0.25
GOAL_RATIO=5
GOAL_RSS_MIB=100

tmp=$(mktemp -d "${TMPDIR:-/tmp}/offpeak-bench.XXXXXX")
if [ "${BENCH_KEEP:-0}" = 1 ]; then
	trap 'echo "kept: $tmp"' EXIT
else
	trap 'rm -rf "$tmp"' EXIT
fi
repo=$tmp/repo
blobs=$tmp/blobs

unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY OFFPEAK_NOW || :

echo "== building the repository"
gen_cmd="$PYTHON $here/gen.py --plans $PLANS --systems $SYSTEMS $repo"
echo "\$ $gen_cmd"
$gen_cmd
git -C "$repo" ls-tree HEAD plans/ | awk '{ print $3 }' > "$blobs"
nblobs=$(wc -l < "$blobs" | tr -d ' ')
packsize=$(du -sk "$repo/.git/objects/pack" | cut -f1)
echo "$PLANS plans on $SYSTEMS systems; $nblobs plan blobs; pack ${packsize} KiB"

check_cmd="$OFFPEAK -C $repo check"
cat_cmd="git -C $repo cat-file --batch < $blobs"

# Both commands must work before their timings mean anything.
echo
echo "== sanity"
if ! sh -c "$check_cmd" > "$tmp/check.out" 2> "$tmp/check.err"; then
	echo "\$ $check_cmd"
	echo "FAILED: check exits non-zero on the generated repository:"
	head -n 20 "$tmp/check.err"
	exit 1
fi
echo "\$ $check_cmd"
head -n 3 "$tmp/check.out"
sh -c "$cat_cmd" > "$tmp/cat.out"
echo "\$ $cat_cmd"
echo "$(wc -c < "$tmp/cat.out" | tr -d ' ') bytes"

echo
echo "== timing"
if [ "${BENCH_TIMER:-}" != time ] && command -v hyperfine > /dev/null 2>&1; then
	timer=hyperfine
	hf_cmd="hyperfine --style basic --warmup 3 --runs $RUNS --export-json $tmp/hyperfine.json -n check '$check_cmd' -n cat-file '$cat_cmd'"
	echo "\$ $hf_cmd"
	hyperfine --style basic --warmup 3 --runs "$RUNS" --export-json "$tmp/hyperfine.json" \
		-n check "$check_cmd" -n cat-file "$cat_cmd"
	# mean and standard deviation in seconds, one command per line
	"$PYTHON" -c '
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(r["command"], "%.6f" % r["mean"], "%.6f" % (r["stddev"] or 0.0))
' "$tmp/hyperfine.json" > "$tmp/means"
	check_mean=$(awk '$1 == "check" { print $2 }' "$tmp/means")
	check_sd=$(awk '$1 == "check" { print $3 }' "$tmp/means")
	cat_mean=$(awk '$1 == "cat-file" { print $2 }' "$tmp/means")
	cat_sd=$(awk '$1 == "cat-file" { print $3 }' "$tmp/means")
	how="hyperfine, $RUNS runs after 3 warm-ups"
elif [ -x /usr/bin/time ]; then
	timer=usr-bin-time
	# time_mean CMD: mean and standard deviation of elapsed seconds over RUNS runs
	time_mean() {
		sh -c "$1" > /dev/null 2>&1 || :	# warm-up
		: > "$tmp/times"
		i=0
		while [ "$i" -lt "$RUNS" ]; do
			/usr/bin/time -f %e -a -o "$tmp/times" sh -c "$1" > /dev/null 2>&1
			i=$((i + 1))
		done
		awk '{ s += $1; q += $1 * $1; n++ } END { m = s / n; v = q / n - m * m; if (v < 0) v = 0;
			printf "%.6f %.6f\n", m, sqrt(v) }' "$tmp/times"
	}
	echo "\$ for i in \$(seq $RUNS); do /usr/bin/time -f %e sh -c '$check_cmd'; done"
	# shellcheck disable=SC2046
	set -- $(time_mean "$check_cmd")
	check_mean=$1 check_sd=$2
	echo "\$ for i in \$(seq $RUNS); do /usr/bin/time -f %e sh -c '$cat_cmd'; done"
	# shellcheck disable=SC2046
	set -- $(time_mean "$cat_cmd")
	cat_mean=$1 cat_sd=$2
	how="/usr/bin/time, $RUNS runs after 1 warm-up, 10 ms resolution"
else
	echo "neither hyperfine nor /usr/bin/time is installed: cannot time" >&2
	exit 1
fi

rss_cmd="/usr/bin/time -v $check_cmd"
rss_kib=
if [ -x /usr/bin/time ]; then
	/usr/bin/time -v sh -c "exec $check_cmd" > /dev/null 2> "$tmp/time-v" || :
	rss_kib=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): *//p' "$tmp/time-v")
fi

echo
echo "== results ($PLANS plans, $SYSTEMS systems; timing: $how)"
missed=0
# verdict OK: "ok" or "MISSED" (runs in a subshell: the caller counts misses)
verdict() {
	if [ "$1" = 1 ]; then echo "ok"; else echo "MISSED"; fi
}
ok=$(awk -v m="$check_mean" -v g="$GOAL_CHECK_S" 'BEGIN { print (m < g) ? 1 : 0 }')
printf 'check      mean %.3f s (sd %.3f)    goal < %s s        %s\n' \
	"$check_mean" "$check_sd" "$GOAL_CHECK_S" "$(verdict "$ok")"
[ "$ok" = 1 ] || missed=$((missed + 1))
echo "           command: $check_cmd"
printf 'cat-file   mean %.3f s (sd %.3f)\n' "$cat_mean" "$cat_sd"
echo "           command: $cat_cmd"
ratio=$(awk -v a="$check_mean" -v b="$cat_mean" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
if [ "$ratio" = n/a ]; then
	echo "ratio      not measured: cat-file took less than the timer's resolution"
else
	ok=$(awk -v r="$ratio" -v g="$GOAL_RATIO" 'BEGIN { print (r + 0 <= g) ? 1 : 0 }')
	printf 'ratio      check / cat-file = %sx          goal <= %sx           %s\n' \
		"$ratio" "$GOAL_RATIO" "$(verdict "$ok")"
	[ "$ok" = 1 ] || missed=$((missed + 1))
fi
echo "           from the two means above"
if [ -n "$rss_kib" ]; then
	rss_mib=$(awk -v k="$rss_kib" 'BEGIN { printf "%.1f", k / 1024 }')
	ok=$(awk -v m="$rss_mib" -v g="$GOAL_RSS_MIB" 'BEGIN { print (m < g) ? 1 : 0 }')
	printf 'peak RSS   check %s MiB (%s KiB)       goal < %s MiB        %s\n' \
		"$rss_mib" "$rss_kib" "$GOAL_RSS_MIB" "$(verdict "$ok")"
	[ "$ok" = 1 ] || missed=$((missed + 1))
else
	echo "peak RSS   not measured (no /usr/bin/time)"
fi
echo "           command: $rss_cmd"
if [ "$timer" = hyperfine ]; then
	echo "timing command: $hf_cmd"
fi

. "$here/calendar.sh"

if [ "$missed" -gt 0 ]; then
	echo "bench: $missed goal(s) missed"
	exit 1
fi
echo "bench: all goals met"
