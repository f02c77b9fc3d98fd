#!/bin/sh
# Benchmark the timeline pictures on the 10k-plan repository.
#
# usage: timeline.sh OFFPEAK       (run by `make bench`)
#
# gen.py builds 10,000 standard plans over 2,000 systems and `offpeak
# schedule` places them all. Then, with hyperfine (or /usr/bin/time when
# it is missing), in the same run:
#   - a request for /timeline.svg?from=<today> to `offpeak serve`: the
#     picture of the coming 4 weeks drawn for the request from the model
#     serve keeps, against its anchor, a request for /healthz to the same
#     server (the difference is the drawing);
#   - `offpeak status --timeline`, which reads the state, builds the model
#     and draws the text, against its anchor `offpeak status`.
#
# Goal: the picture of the coming 4 weeks drawn in under 50 ms.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 OFFPEAK" >&2; exit 2; }
OFFPEAK=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
PLANS=${BENCH_PLANS:-10000}
SYSTEMS=${BENCH_SYSTEMS:-2000}
RUNS=${BENCH_RUNS:-20}
NOW=2027-01-01T00:00:00Z
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY || :
work=$(mktemp -d "${TMPDIR:-/tmp}/offpeak-bench-timeline.XXXXXX")
spid=
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
repo=$work/repo

python3 "$here/gen.py" --plans "$PLANS" --systems "$SYSTEMS" --standard \
    --max-concurrent $((PLANS / 100 > 1 ? PLANS / 100 : 1)) "$repo" > /dev/null
"$OFFPEAK" -C "$repo" --now "$NOW" schedule > /dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$OFFPEAK" -C "$repo" --now "$NOW" --offline serve --listen "127.0.0.1:$port" 2>"$work/serve.log" &
spid=$!
for i in $(seq 300); do
	curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break
	sleep 0.1
done
day=$(python3 -c 'import datetime; print(datetime.date(2027, 1, 1).isoformat())')
svg_url="http://127.0.0.1:$port/timeline.svg?from=$day&weeks=4"
curl -sf -o "$work/tl.svg" "$svg_url" || { echo "timeline.sh: no picture" >&2; exit 1; }
bars=$(grep -c 'class="bar"' "$work/tl.svg" || :)
size=$(wc -c < "$work/tl.svg" | tr -d ' ')

. "$here/mean.sh"
mean() { bench_mean "$1" 3; }

svg="curl -s -o /dev/null $svg_url"
svg_anchor="curl -s -o /dev/null http://127.0.0.1:$port/healthz"
text="$OFFPEAK -C $repo --now $NOW status --timeline"
text_anchor="$OFFPEAK -C $repo --now $NOW status"
t1=$(mean "$svg"); a1=$(mean "$svg_anchor")
t2=$(mean "$text"); a2=$(mean "$text_anchor")

echo "offpeak timeline benchmark ($PLANS plans, $SYSTEMS systems; the coming 4 weeks: $bars bars, $size bytes of SVG)"
printf '%-48s %10s %12s %10s\n' "what" "offpeak s" "anchor s" "difference"
row() { awk -v w="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%-48s %10.4f %12.4f %9.1fms\n", w, a, b, (a - b) * 1000 }'; }
row "/timeline.svg?from=...&weeks=4 (drawn per request)" "$t1" "$a1"
row "status --timeline (read, model, text)" "$t2" "$a2"
echo "commands:"
echo "  $svg"
echo "    anchor: $svg_anchor"
echo "  $text"
echo "    anchor: $text_anchor"
awk -v t="$t1" -v a="$a1" 'BEGIN { d = (t - a) * 1000; if (d < 50) printf "goal: the picture drawn in under 50 ms: met (%.1f ms)\n", d; else { printf "goal: the picture drawn in under 50 ms: MISSED (%.1f ms)\n", d; exit 1 } }'
