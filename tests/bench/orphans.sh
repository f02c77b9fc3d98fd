#!/bin/sh
# Stress `offpeak run` with kill -9 and an immediate `run --resume`.
#
# usage: orphans.sh OFFPEAK        (or `make bench` in the build directory)
#
# N changes (BENCH_KILLS, default 30), each a backup, three steps and a
# verification whose hooks take about a second, and each log every start
# and end and write down any start while an earlier copy of the same hook
# still works. Each run is killed with kill -9 at a random moment (seeded,
# BENCH_SEED) in its first four seconds, and resumed straight away with
# `offpeak run ID --resume`. Printed, with the commands that made them:
#   - kills that left a hook of the run working (orphans at resume time),
#   - runs in which a hook ran beside an earlier copy of itself,
#   - hooks that ran again (at-least-once: cut short, then re-run),
#   - resumes that did not end the change (exit other than 0 or 3).
# The goal: no concurrent copy in any run, and every resume ends its
# change. Exit 0 when met, 1 when not, 2 on usage errors.
set -eu

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 OFFPEAK" >&2
	exit 2
fi
OFFPEAK=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
KILLS=${BENCH_KILLS:-30}
SEED=${BENCH_SEED:-12}
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/run-lib.sh"

new_repo
cat > "$R/hooks/guard" <<SH
#!/bin/sh
out=$OUT
exec >>"\$out/\$1.out" 2>&1
trap 'rmdir "\$out/\$1.running" 2>/dev/null; exit 143' TERM
if ! mkdir "\$out/\$1.running" 2>/dev/null; then
	echo "\$1" >> "\$out/overlaps"
fi
echo "start \$1" >> "\$out/starts"
sleep "\$2"
rmdir "\$out/\$1.running" 2>/dev/null
[ "\$OFFPEAK_PHASE" != backup ] || printf '{"location": "/b/%s", "size": 1}\n' "\$1" > "\$OFFPEAK_BACKUP_MANIFEST"
SH
chmod +x "$R/hooks/guard"
systems="a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14 a15 a16 b1 b2 b3 b4"
i=0
for k in $(seq "$KILLS"); do
	set -- $systems
	shift $((i % 20))
	i=$((i + 1))
	g() { echo '["hooks/guard", "k'"$k"'-'"$1"'", "'"$2"'"]'; }
	mkplan "k$k" "$1" "backup={\"run\": $(g backup 0.8), \"timeout\": \"PT1M\"}" \
	    "steps=[{\"name\": \"one\", \"run\": $(g one 0.8), \"timeout\": \"PT1M\"}, {\"name\": \"two\", \"run\": $(g two 0.8), \"timeout\": \"PT1M\"}, {\"name\": \"three\", \"run\": $(g three 0.8), \"timeout\": \"PT1M\"}]" \
	    "verify={\"run\": [$(g verify 0.5)], \"timeout\": \"PT1M\"}"
done
commit_all "$R" "plans"
ids=$(seq -f 'k%g' "$KILLS" | tr '\n' ' ')
approve_all $ids
schedule

inside() {
	"$OFFPEAK" -C "$R" --now "$PLAN_NOW" --json status "$1" | python3 -c '
import json, sys, datetime
p = json.load(sys.stdin)
t = datetime.datetime.fromisoformat(p["slot"]["start"].replace("Z", "+00:00"))
print((t + datetime.timedelta(minutes=5)).isoformat())'
}

echo "== $KILLS runs, each: offpeak run ID &; sleep <random 0.1-4.0 s>; kill -9; offpeak run ID --resume"
orphans=0 bad=0 t0=$(date +%s)
awk -v n="$KILLS" -v s="$SEED" 'BEGIN { srand(s); for (i = 0; i < n; i++) printf "%.1f\n", 0.1 + rand() * 3.9 }' > "$TMP/delays"
k=0
while read -r delay; do
	k=$((k + 1))
	at=$(inside "k$k")
	"$OFFPEAK" -C "$R" --now "$at" run "k$k" >/dev/null 2>&1 &
	bg=$!
	sleep "$delay"
	kill -9 "$bg" 2>/dev/null || :
	{ wait "$bg"; } 2>/dev/null || :
	if ls "$OUT"/k"$k"-*.running >/dev/null 2>&1; then
		orphans=$((orphans + 1))
	fi
	set +e
	"$OFFPEAK" -C "$R" --now "$at" run "k$k" --resume >"$TMP/resume.out" 2>&1
	rc=$?
	set -e
	case $rc in 0|3) ;; *) bad=$((bad + 1)); sed "s/^/k$k: /" "$TMP/resume.out" | tail -2 ;; esac
done < "$TMP/delays"
t1=$(date +%s)
concurrent=$(sort -u "$OUT/overlaps" 2>/dev/null | sed 's/-.*//' | sort -u | wc -l | tr -d ' ')
reran=$(sort "$OUT/starts" | uniq -d | wc -l | tr -d ' ')

echo
echo "kills that left a hook of the run working:  $orphans of $KILLS"
echo "runs with two copies of a hook at once:     $concurrent of $KILLS"
echo "hooks that ran again after a kill (at-least-once): $reran"
echo "resumes that did not end their change:      $bad of $KILLS"
echo "wall time: $((t1 - t0)) s"
[ "$concurrent" -eq 0 ] && [ "$bad" -eq 0 ]
