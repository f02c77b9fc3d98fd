#!/bin/sh
# Benchmark `offpeak schedule` on 1k, 10k and 100k plans over 2k systems.
#
# usage: schedule.sh OFFPEAK       (run by `make bench`)
#
# For each size, gen.py builds a repository of standard (pre-approved)
# plans with max_concurrent = plans/100 and a year of windows; then, in the
# same run:
#   first:  `offpeak schedule` from an empty state branch (assess, approve
#           and place every plan, write every state file: one commit)
#   again:  `offpeak schedule` once more (nothing to change), then a third
#           time: the steady state of a scheduler run every few minutes,
#           with the parse cache warm; then the state branch is removed
#           and a first run made again with the plans' entries cached
# Peak memory is Maximum resident set size from /usr/bin/time -v. The
# growth from 1k to 10k and 10k to 100k is printed beside n log n's.
#
# Environment: BENCH_SIZES (default "1000 10000 100000"), BENCH_SYSTEMS
# (2000), BENCH_KEEP=1 keeps the repositories.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 OFFPEAK" >&2; exit 2; }
OFFPEAK=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
SIZES=${BENCH_SIZES:-1000 10000 100000}
SYSTEMS=${BENCH_SYSTEMS:-2000}
NOW=2027-01-01T00:00:00Z
work=$(mktemp -d "${TMPDIR:-/tmp}/offpeak-bench-schedule.XXXXXX")
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT

# seconds and peak KiB of one command, from /usr/bin/time -v
measure() {
	/usr/bin/time -v "$@" > /dev/null 2> "$work/time.txt" || {
		cat "$work/time.txt" >&2; exit 1; }
	secs=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":");
	    s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$work/time.txt")
	kib=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")
}

echo "offpeak schedule benchmark ($SYSTEMS systems, a year of windows, --now $NOW)"
printf '%-8s %-12s %-12s %-12s %-12s %-10s\n' plans "first (s)" "first, warm" "again (s)" \
    "again, warm" "peak MiB"
prev_n= prev_t=
for n in $SIZES; do
	repo=$work/repo-$n
	python3 "$here/gen.py" --plans "$n" --systems "$SYSTEMS" --standard \
	    --max-concurrent $((n / 100 > 1 ? n / 100 : 1)) "$repo" > /dev/null
	measure "$OFFPEAK" -C "$repo" --now "$NOW" schedule
	first=$secs; mem=$kib
	measure "$OFFPEAK" -C "$repo" --now "$NOW" schedule
	again=$secs
	[ "$kib" -gt "$mem" ] && mem=$kib
	measure "$OFFPEAK" -C "$repo" --now "$NOW" schedule
	steady=$secs
	[ "$kib" -gt "$mem" ] && mem=$kib
	git -C "$repo" update-ref -d refs/heads/offpeak-state
	measure "$OFFPEAK" -C "$repo" --now "$NOW" schedule
	warm=$secs
	[ "$kib" -gt "$mem" ] && mem=$kib
	printf '%-8s %-12s %-12s %-12s %-12s %-10s\n' "$n" "$first" "$warm" "$again" \
	    "$steady" "$((mem / 1024))"
	if [ -n "$prev_n" ]; then
		awk -v a="$prev_t" -v b="$first" -v n0="$prev_n" -v n1="$n" 'BEGIN {
		    printf "  growth %d -> %d: %.1fx (n log n: %.1fx)\n", n0, n1,
		    b / a, (n1 * log(n1)) / (n0 * log(n0)) }'
	fi
	prev_n=$n prev_t=$first
done
echo "commands: /usr/bin/time -v $OFFPEAK -C REPO --now $NOW schedule, four times per size:"
echo "  first: a fresh repository, nothing in the parse cache (.git/offpeak/cache);"
echo "  again: unchanged, the states just written parsed and kept in the cache;"
echo "  again, warm: unchanged, with the cache (the steady state of a periodic run);"
echo "  first, warm: the state branch deleted, the plans' entries still cached"
echo "goal: under 1 s at 10k, growth no worse than n log n, peak under 200 MiB at 10k"
