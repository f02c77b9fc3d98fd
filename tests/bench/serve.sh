#!/bin/sh
# Benchmark `offpeak serve` against nginx serving the same all.ics file, in
# the same run, on loopback, with wrk; then under attack, and a soak.
#
# usage: serve.sh OFFPEAK       (run by `make bench`)
#
# The feed is the bundled example's all.ics (public feeds switched on), as
# `offpeak calendar` writes it; nginx serves that file from disk (sendfile,
# one worker per core, no access log), offpeak from its in-memory snapshot
# (one thread per core). Runs:
#   200:  GET all.ics, no validators: the whole feed each time
#   304:  GET all.ics with If-None-Match: the server's own ETag
# each at 64, 400 and 2,000 connections. wrk sends no Accept-Encoding, so
# both send the feed uncompressed. Printed: requests/s of both,
# offpeak/nginx, p99 latency of both, and the commands. nginx gets
# worker_processes auto and worker_connections 4096 (so that 2,000 fit);
# offpeak its defaults.
#
# Then, against offpeak alone (tests/bench/attack.py): 300 slowloris
# connections (a header line every 5 s, reconnecting when dropped) and
# 2,000 silent ones (reconnecting) for BENCH_ATTACK seconds (default 30),
# while a probe asks /healthz every 50 ms: its p50, p99 and worst latency.
# Then the soak (tests/bench/soak.py): BENCH_SOAK seconds (default 120) of
# normal, slow, silent and abusive clients mixed; /healthz must answer at
# once afterwards, the resident memory must stay within 10% of what it was
# after the warm-up, and SIGTERM must end serve with exit 0.
# nginx and wrk are installed with apt-get when missing (as root).
#
# Each run is repeated BENCH_ROUNDS times (default 3), alternating between the
# servers, and the medians are printed, so that other load on the machine
# does not favour one of them.
#
# Environment: BENCH_DURATION (seconds per run, default 5), BENCH_ROUNDS,
# BENCH_CONNECTIONS (default "64 400 2000"), BENCH_THREADS (wrk threads,
# default 2), BENCH_ATTACK, BENCH_SOAK, BENCH_KEEP=1 keeps the work
# directory.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 OFFPEAK" >&2; exit 2; }
OFFPEAK=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
DURATION=${BENCH_DURATION:-5}
CONNS_LIST=${BENCH_CONNECTIONS:-64 400 2000}
ATTACK=${BENCH_ATTACK:-30}
SOAK=${BENCH_SOAK:-120}
here=$(cd "$(dirname "$0")" && pwd)
WRK_THREADS=${BENCH_THREADS:-2}
ROUNDS=${BENCH_ROUNDS:-3}
NOW=2026-11-30T09:00:00+01:00
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY || :

missing=
command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx"
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "serve benchmark: missing$missing; run as root or: apt-get install -y$missing" >&2
		exit 1
	fi
	echo "serve benchmark: installing$missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null ||
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null; }
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d "${TMPDIR:-/tmp}/offpeak-bench-serve.XXXXXX")
opid= npid=
cleanup() {
	[ -n "$opid" ] && kill "$opid" 2>/dev/null && wait "$opid" 2>/dev/null
	[ -n "$npid" ] && kill "$npid" 2>/dev/null && wait "$npid" 2>/dev/null
	[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- the repository and the feed file
R=$work/repo
HOME=$work/home GIT_CONFIG_NOSYSTEM=1
export HOME GIT_CONFIG_NOSYSTEM
mkdir -p "$HOME"
git config --global user.name bench
git config --global user.email bench@example.com
"$OFFPEAK" demo "$R" >/dev/null 2>&1
if grep -q '"public_feeds": *false' "$R/offpeak.json"; then
	sed -i 's/"public_feeds": *false/"public_feeds": true/' "$R/offpeak.json"
	git -C "$R" commit -q -m "public feeds" -- offpeak.json
fi
"$OFFPEAK" -C "$R" --now "$NOW" calendar -o "$work/www" >/dev/null
size=$(wc -c <"$work/www/all.ics" | tr -d ' ')
cores=$(nproc 2>/dev/null || echo 1)

# --- the servers
OPORT=$(free_port)
"$OFFPEAK" -C "$R" --now "$NOW" serve --listen "127.0.0.1:$OPORT" 2>"$work/serve.log" &
opid=$!
NPORT=$(free_port)
mkdir -p "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<EOF
user root;
worker_processes auto;
worker_rlimit_nofile 16384;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	types { text/calendar ics; }
	server {
		listen 127.0.0.1:$NPORT;
		root $work/www;
		charset utf-8;
		charset_types text/calendar;
	}
}
EOF
"$NGINX" -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' 2>"$work/nginx/logs/stderr" &
npid=$!
for i in $(seq 100); do
	curl -sf -o /dev/null "http://127.0.0.1:$OPORT/calendar/all.ics" &&
	    curl -sf -o /dev/null "http://127.0.0.1:$NPORT/all.ics" && break
	sleep 0.1
done
OURL=http://127.0.0.1:$OPORT/calendar/all.ics
NURL=http://127.0.0.1:$NPORT/all.ics
curl -s "$OURL" | cmp -s - "$work/www/all.ics" && curl -s "$NURL" | cmp -s - "$work/www/all.ics" ||
    { echo "serve benchmark: the servers do not serve the same feed" >&2; exit 1; }
OTAG=$(curl -sI "$OURL" | tr -d '\r' | sed -n 's/^ETag: //Ip')
NTAG=$(curl -sI "$NURL" | tr -d '\r' | sed -n 's/^ETag: //Ip')
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $OTAG" "$OURL")" = 304 ] &&
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $NTAG" "$NURL")" = 304 ] ||
    { echo "serve benchmark: no 304 for the servers' own ETags" >&2; exit 1; }

# --- wrk
# run NAME ARGS...: wrk, appending requests/s and the p99 latency (in ms)
# to NAME.rps and NAME.p99
run() {
	name=$1; shift
	wrk "$@" >"$work/$name.txt" 2>&1
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$work/$name.txt")
	if [ -z "$rps" ]; then cat "$work/$name.txt" >&2; exit 1; fi
	echo "$rps" >>"$work/$name.rps"
	awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
	    f = u == "us" ? 0.001 : u == "s" ? 1000 : 1; printf "%.2f\n", v * f }' \
	    "$work/$name.txt" >>"$work/$name.p99"
	errs=$(sed -n 's/^ *Non-2xx or 3xx responses: //p; s/^ *Socket errors: //p' "$work/$name.txt")
	[ -z "$errs" ] || echo "  ($name: $errs)"
}
# median FILE: the median of the numbers in it
median() {
	sort -g "$1" | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo "offpeak serve vs nginx: all.ics of the example ($size bytes), $cores cores, loopback"
echo "commands ($ROUNDS rounds, each run alternating between the servers; medians):"
echo "  offpeak -C REPO --now $NOW serve --listen 127.0.0.1:$OPORT"
echo "  nginx -p DIR -c nginx.conf -g 'daemon off;'   (worker_processes auto, worker_connections 4096, sendfile, access_log off)"
echo "  wrk -t$WRK_THREADS -cN -d${DURATION}s --latency [-H 'If-None-Match: ETAG'] URL   (N: $CONNS_LIST)"
run warm-o -t1 -c8 -d2s "$OURL"
run warm-n -t1 -c8 -d2s "$NURL"
for CONNS in $CONNS_LIST; do
	W="-t$WRK_THREADS -c$CONNS -d${DURATION}s --latency"
	# alternate, so that neither gets the quieter part of the machine's time
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		# shellcheck disable=SC2086
		run o200-$CONNS $W "$OURL"
		# shellcheck disable=SC2086
		run n200-$CONNS $W "$NURL"
		# shellcheck disable=SC2086
		run n304-$CONNS $W -H "If-None-Match: $NTAG" "$NURL"
		# shellcheck disable=SC2086
		run o304-$CONNS $W -H "If-None-Match: $OTAG" "$OURL"
		r=$((r + 1))
	done
done

row() {
	o=$(median "$work/o$1.rps") n=$(median "$work/n$1.rps")
	printf '%-10s %14.0f %14.0f %8s %14s %14s\n' "$1" "$o" "$n" \
	    "$(awk -v o="$o" -v n="$n" 'BEGIN { printf "%.2f", o / n }')" \
	    "$(median "$work/o$1.p99")" "$(median "$work/n$1.p99")"
}
printf '%-10s %14s %14s %8s %14s %14s\n' run "offpeak req/s" "nginx req/s" ratio \
    "offpeak p99 ms" "nginx p99 ms"
worst=
for CONNS in $CONNS_LIST; do
	for k in 200 304; do
		row "$k-$CONNS"
		ratio=$(awk -v o="$(median "$work/o$k-$CONNS.rps")" -v n="$(median "$work/n$k-$CONNS.rps")" 'BEGIN { printf "%.2f", o / n }')
		if [ "$CONNS" -ge 400 ] && awk -v r="$ratio" 'BEGIN { exit !(r < 0.8) }'; then
			worst="$worst $k@$CONNS=$ratio"
		fi
	done
done
if [ -z "$worst" ]; then
	echo "goal: offpeak at least 0.8x nginx at 400 and 2,000 connections, feed and 304: met"
else
	echo "goal: offpeak at least 0.8x nginx at 400 and 2,000 connections: NOT met:$worst"
fi
kill "$npid" 2>/dev/null && wait "$npid" 2>/dev/null
npid=

# --- under attack: slowloris and silent sockets, a probe
echo
echo "under attack, $ATTACK s: python3 tests/bench/attack.py $OPORT $ATTACK 300 2000"
python3 "$here/attack.py" "$OPORT" "$ATTACK" 300 2000 | tee "$work/attack.txt"
p99=$(sed -n 's/.*p99 \([0-9.]*\) s.*/\1/p' "$work/attack.txt")
if [ -n "$p99" ] && awk -v p="$p99" 'BEGIN { exit !(p < 1) }'; then
	echo "goal: probe p99 under 1 s under attack: met ($p99 s)"
else
	echo "goal: probe p99 under 1 s under attack: NOT met (${p99:-no answer})"
	worst="$worst attack"
fi

# --- soak: everything mixed, then healthz, memory, SIGTERM
echo
echo "soak, $SOAK s: python3 tests/bench/soak.py $OPORT $opid $SOAK"
python3 "$here/soak.py" "$OPORT" "$opid" "$SOAK" | tee "$work/soak.txt"
grep -q "^soak: ok" "$work/soak.txt" || worst="$worst soak"
kill -TERM "$opid"
set +e
wait "$opid"
orc=$?
set -e
opid=
if [ "$orc" -eq 0 ]; then
	echo "SIGTERM after the soak: exit 0"
else
	echo "SIGTERM after the soak: exit $orc"
	worst="$worst sigterm"
fi
tail -n 3 "$work/serve.log" | sed 's/^/  serve log: /'
[ -z "$worst" ]
