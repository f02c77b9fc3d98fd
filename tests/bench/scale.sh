#!/bin/sh
# Scale: does the cost of everyday commands follow the active work or the
# years of history behind it?
#
# usage: scale.sh OFFPEAK          (run by `make bench`)
#
# Builds, in the same run:
#   fresh: gen.py --standard: 2,000 active plans on 2,000 systems;
#   hist:  gen_history.py: the same 2,000 plans (the same plans tree), and
#          behind them five years of weekly history: 50,000 finished
#          changes (completed, rolled back, failed, cancelled, expired)
#          with their state, approvals, records and logs, their plan files
#          deleted once done;
#   big:   gen.py --standard --plans 10000 (packed), for check, schedule
#          (first and unchanged) and calendar at 10k, the last against
#          python3-icalendar building all.ics from the same state
#          (ical_py.py, /usr/bin/python3).
# Then `schedule` runs on fresh and hist until nothing changes (on hist
# the first run also moves the finished changes under archive/), and each
# command is timed with hyperfine (median of BENCH_RUNS, default 5, after
# a warm-up) on both. Every figure is printed with its command, as a
# ratio against its anchor measured in the same run.
#
# Environment: BENCH_RUNS (5), BENCH_FINISHED (50000), BENCH_KEEP=1 keeps
# the repositories, BENCH_PORT (18431) for serve.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 OFFPEAK" >&2; exit 2; }
OFFPEAK=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
RUNS=${BENCH_RUNS:-5}
FINISHED=${BENCH_FINISHED:-50000}
PORT=${BENCH_PORT:-18431}
NOW=2027-01-01T00:00:00Z
command -v hyperfine >/dev/null 2>&1 || { echo "scale.sh: hyperfine is needed" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/offpeak-bench-scale.XXXXXX")
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT

# med CMD...: the median seconds of a command (its exit status ignored:
# a refused run is what is timed)
med() {
	hyperfine -N -i -w 1 -r "$RUNS" --export-json "$work/h.json" "$*" >/dev/null 2>&1 ||
	    { echo "scale.sh: hyperfine failed on: $*" >&2; exit 1; }
	python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$work/h.json"
}

rows=$work/rows
: > "$rows"
# row LABEL WORKLOAD VALUE ANCHOR TARGET KIND: one line of the table; KIND
# "ratio" divides VALUE by ANCHOR, "abs" shows VALUE against TARGET seconds
row() {
	python3 - "$@" >> "$rows" <<'PY'
import sys
label, load, v, a, target, kind = sys.argv[1:]
v = float(v)
if kind == "ratio":
    r = v / float(a)
    ok = r <= float(target)
    print("| %s | %s | %.3f s | %.3f s | %.2fx | <= %sx | %s |" % (label, load, v, float(a), r, target, "met" if ok else "MISSED"))
elif kind == "speedup":
    r = float(a) / v
    ok = r >= float(target)
    print("| %s | %s | %.3f s | %.3f s | %.1fx | >= %sx | %s |" % (label, load, v, float(a), r, target, "met" if ok else "MISSED"))
else:
    ok = v < float(target)
    print("| %s | %s | %.3f s | %s | - | < %s s | %s |" % (label, load, v, a, target, "met" if ok else "MISSED"))
PY
}

echo "== scale: the cost of history"
echo "\$ python3 $here/gen.py --standard --plans 2000 --systems 2000 --max-concurrent 20 $work/fresh"
python3 "$here/gen.py" --standard --plans 2000 --systems 2000 --max-concurrent 20 "$work/fresh" >/dev/null
echo "\$ python3 $here/gen_history.py --active 2000 --finished $FINISHED $work/hist"
python3 "$here/gen_history.py" --active 2000 --finished "$FINISHED" "$work/hist"
for r in fresh hist; do
	i=0
	while :; do
		/usr/bin/time -f "%e %M" -o "$work/t" "$OFFPEAK" -C "$work/$r" --now "$NOW" schedule > "$work/out"
		set -- $(cat "$work/t")
		echo "$r: schedule ($1 s, $(($2 / 1024)) MiB): $(head -n 1 "$work/out")"
		sed -n '2{/archived/p}' "$work/out"
		grep -q '^schedule: 0 placed, 0 moved, [0-9]* kept, 0 expired' "$work/out" &&
		    ! grep -q archived "$work/out" && break
		i=$((i + 1))
		[ $i -lt 4 ] || { echo "scale.sh: $r does not settle" >&2; exit 1; }
	done
done
echo "working set: fresh $(git -C "$work/fresh" ls-tree offpeak-state state/ | wc -l) states," \
    "hist $(git -C "$work/hist" ls-tree offpeak-state state/ | wc -l) states," \
    "$(git -C "$work/hist" ls-tree offpeak-state archive/state/ | wc -l) archived;" \
    "pack $(du -sh "$work/hist/.git" | cut -f1) against $(du -sh "$work/fresh/.git" | cut -f1)"

id=$(ls "$work/fresh/plans" | head -n 1 | sed 's/\.json$//')
for c in schedule status "calendar -o @/feeds" "run $id"; do
	name=${c%% *}
	f=$(med "$OFFPEAK" -C "$work/fresh" --now "$NOW" $(echo "$c" | sed "s|@|$work/fresh|"))
	h=$(med "$OFFPEAK" -C "$work/hist" --now "$NOW" $(echo "$c" | sed "s|@|$work/hist|"))
	echo "\$ $OFFPEAK -C REPO --now $NOW $c: fresh $f s, hist $h s"
	label=$name
	[ "$name" = run ] && label="run gate check (refused: not in its slot)"
	[ "$name" = schedule ] && label="schedule (unchanged)"
	row "$label" "5-year history vs fresh 2k" "$h" "$f" 1.5 ratio
done
set -- $(python3 "$here/serve_ready.py" "$OFFPEAK" "$work/fresh" "$NOW" "$PORT" "$RUNS")
f=$1
set -- $(python3 "$here/serve_ready.py" "$OFFPEAK" "$work/hist" "$NOW" "$PORT" "$RUNS")
h=$1
echo "\$ python3 $here/serve_ready.py $OFFPEAK REPO $NOW $PORT $RUNS (serve's load, start to first answer): fresh $f s, hist $h s"
row "serve load (start to first answer)" "5-year history vs fresh 2k" "$h" "$f" 1.5 ratio

echo
echo "\$ python3 $here/gen.py --standard --plans 10000 --systems 2000 --max-concurrent 100 $work/big"
python3 "$here/gen.py" --standard --plans 10000 --systems 2000 --max-concurrent 100 "$work/big" >/dev/null
git -C "$work/big" ls-tree -r HEAD plans/ | awk '{ print $3 }' > "$work/blobs"
cat > "$work/catfile.sh" <<SH
exec git -C "$work/big" cat-file --batch < "$work/blobs" > /dev/null
SH
a=$(med sh "$work/catfile.sh")
c=$(med "$OFFPEAK" -C "$work/big" check)
echo "\$ $OFFPEAK -C REPO check: $c s; anchor git cat-file --batch on the same $(wc -l < "$work/blobs") blobs: $a s"
row "check" "10k plans, 2k systems, packed" "$c" "$a" 3 ratio
c0=$(med env OFFPEAK_NO_CACHE=1 "$OFFPEAK" -C "$work/big" check)
echo "\$ env OFFPEAK_NO_CACHE=1 $OFFPEAK -C REPO check (every plan parsed): $c0 s"
row "check, no parse cache" "10k plans, 2k systems, packed" "$c0" "$a" 3 ratio
hyperfine -N -w 1 -r "$RUNS" --prepare "git -C $work/big update-ref -d refs/heads/offpeak-state" \
    --export-json "$work/h.json" "$OFFPEAK -C $work/big --now $NOW schedule" >/dev/null 2>&1
s1=$(python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$work/h.json")
s2=$(med "$OFFPEAK" -C "$work/big" --now "$NOW" schedule)
echo "\$ $OFFPEAK -C REPO --now $NOW schedule: first run (state branch removed before each) $s1 s, unchanged re-run $s2 s"
row "schedule, first run" "10k fresh plans" "$s1" - 0.6 abs
row "schedule, unchanged re-run" "10k fresh plans" "$s2" - 0.25 abs
s0=$(med env OFFPEAK_NO_CACHE=1 "$OFFPEAK" -C "$work/big" --now "$NOW" schedule)
echo "\$ env OFFPEAK_NO_CACHE=1 $OFFPEAK -C REPO --now $NOW schedule (unchanged, every file parsed): $s0 s"
row "schedule, unchanged re-run, no parse cache" "10k fresh plans" "$s0" - 0.25 abs
hyperfine -N -w 1 -r "$RUNS" --prepare "rm -rf $work/cal-new" --export-json "$work/h.json" \
    "$OFFPEAK -C $work/big --now $NOW calendar -o $work/cal-new" >/dev/null 2>&1
calnew=$(python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$work/h.json")
echo "\$ $OFFPEAK -C REPO --now $NOW calendar -o NEWDIR (every feed written and synced; $(find "$work/cal-new" -name '*.ics' | wc -l) files): $calnew s"
cal=$(med "$OFFPEAK" -C "$work/big" --now "$NOW" calendar -o "$work/cal-new")
echo "\$ $OFFPEAK -C REPO --now $NOW calendar -o DIR (unchanged feeds: rendered and compared, nothing written; $(grep -c '^BEGIN:VEVENT' "$work/cal-new/all.ics") events in all.ics): $cal s"
row "calendar, every feed (unchanged: the periodic job)" "10k scheduled changes" "$cal" - 0.25 abs
cal0=$(med env OFFPEAK_NO_CACHE=1 "$OFFPEAK" -C "$work/big" --now "$NOW" calendar -o "$work/cal-new")
echo "\$ env OFFPEAK_NO_CACHE=1 $OFFPEAK -C REPO --now $NOW calendar -o DIR (every state parsed, every event rendered): $cal0 s"
row "calendar, every feed, no parse cache" "10k scheduled changes" "$cal0" - 0.25 abs
if /usr/bin/python3 -c 'import icalendar' 2>/dev/null; then
	for i in 1 2 3; do
		/usr/bin/python3 "$here/ical_py.py" "$work/big" "$NOW" "$work/py.ics"
	done > "$work/py"
	py=$(sort -n -k4 "$work/py" | sed -n 2p | awk '{ print $4 }')
	echo "\$ /usr/bin/python3 $here/ical_py.py REPO $NOW OUT (python3-icalendar building all.ics alone, median of 3): $py s"
	row "calendar against python3-icalendar" "10k scheduled changes" "$cal" "$py" 15 speedup
	row "calendar against python3-icalendar, no parse cache" "10k scheduled changes" "$cal0" "$py" 15 speedup
fi

echo
echo "| command | workload | figure | anchor | ratio | target | |"
echo "|---|---|---|---|---|---|---|"
cat "$rows"
echo "(medians of $RUNS runs after a warm-up, hyperfine -N, so the parse cache in .git/offpeak/cache is warm unless the row says otherwise; schedule at 100k, serve against nginx and the server-side state check: schedule.sh, serve.sh, guard.sh)"
