#!/bin/sh
# Benchmark a hostile push: `offpeak check` of the example repository with
# one added plan of 100,000 repeated systems (about 800 KB, under the 1 MiB
# cap), against the anchor, `offpeak check` of the same repository without
# it, measured in the same run.
#
# usage: hostile.sh OFFPEAK        (or `make bench` in the build directory)
#
# Goal: the hostile check refuses the file in under 1.5 s, and its problem
# list stays capped (at most 100 shown, one count line). Exit 0 when met,
# 1 when missed, 2 on usage errors. BENCH_RUNS (default 5) runs each; the
# median is reported.
set -eu

[ $# -eq 1 ] && [ -x "$1" ] || { echo "usage: $0 OFFPEAK" >&2; exit 2; }
OFFPEAK=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
RUNS=${BENCH_RUNS:-5}
GOAL_S=1.5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

export GIT_AUTHOR_DATE=2025-06-01T00:00:00Z GIT_COMMITTER_DATE=2025-06-01T00:00:00Z
"$OFFPEAK" demo "$tmp/clean" >/dev/null 2>&1
git clone -q "$tmp/clean" "$tmp/hostile"
python3 - "$tmp/hostile/plans/nginx-upgrade.json" "$tmp/hostile/plans/flood.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["id"] = "flood"
p["systems"] = [p["systems"][0]] * 100000
open(sys.argv[2], "w").write(json.dumps(p, separators=(",", ":")))
PY
git -C "$tmp/hostile" add plans/flood.json
git -C "$tmp/hostile" -c user.name=b -c user.email=b@example.com commit -q -m flood
size=$(wc -c < "$tmp/hostile/plans/flood.json")

# median SECONDS...: the middle value
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# measure DIR: the median wall time of check over RUNS runs
measure() {
	times=
	i=0
	while [ $i -lt "$RUNS" ]; do
		t0=$(date +%s%N)
		"$OFFPEAK" -C "$1" check >"$tmp/out" 2>"$tmp/err" || :
		t1=$(date +%s%N)
		times="$times $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	median $times
}

clean=$(measure "$tmp/clean")
hostile=$(measure "$tmp/hostile")
shown=$(grep -c 'flood.json' "$tmp/err" || :)
ratio=$(awk -v h="$hostile" -v c="$clean" 'BEGIN { printf "%.1f", (c > 0) ? h / c : 0 }')

echo "hostile check: a plan of 100,000 repeated systems ($size bytes)"
echo "  anchor:  $OFFPEAK -C CLEAN check    median wall time of $RUNS (date +%s%N around it): ${clean} s"
echo "  hostile: $OFFPEAK -C HOSTILE check  median wall time of $RUNS: ${hostile} s (${ratio}x the anchor)"
echo "  lines naming the file: $shown (100 problems and one count line expected)"
ok=$(awk -v h="$hostile" -v g="$GOAL_S" 'BEGIN { print (h < g) ? 1 : 0 }')
if [ "$ok" -eq 1 ] && [ "$shown" -le 102 ]; then
	echo "  goal: under $GOAL_S s, capped: met"
else
	echo "  goal: under $GOAL_S s, capped: MISSED"
	exit 1
fi
