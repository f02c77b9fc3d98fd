# offpeak serve against hostile clients, over real sockets on loopback:
# every request that breaks a limit gets its status (414, 431, 413, 405,
# 400) and a clean close, never a reset; no NUL or control byte in a path
# reaches a feed; log lines escape every byte from the client and never
# show what follows /calendar/private/; one address holds only so many
# connections; slow senders, silent sockets and idle kept-alive
# connections are dropped on time while a normal client is answered; and
# SIGTERM still exits 0.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/serve-lib.sh"

D=$TMP/repo
serve_repo "$D" "Tidy up"
SERVE_OPTS="--verbose --header-timeout 2 --idle-timeout 2 --max-per-ip 8" start_serve -C "$D" --now "$T0"
grep -q "at most 4096 connections, 8 per address; a request must arrive within 2 s, a kept-alive connection may wait 2 s" "$TMP/serve.log" &&
    pass "the start line names the limits" || { fail "start line"; diag "$(cat "$TMP/serve.log")"; }

# raw KIND...: python over raw sockets (tests/py/http_raw.py), one result line per call
raw() { python3 "$SRCDIR/tests/py/http_raw.py" "$PORT" "$@"; }

# --- limits: the status, then a clean close
is_raw() {
	got=$(raw "$2")
	[ "$got" = "$3" ] && pass "$1" || fail "$1: '$got', want '$3'"
}
is_raw "a 100 KB path: 414, read whole" long-path "414 clean"
is_raw "one 100 KB header: 431" big-header "431 clean"
is_raw "5,000 small headers: 431" many-headers "431 clean"
is_raw "POST with a 10 MB body: 405 at once, no reset" post-10mb "405 clean"
is_raw "a chunked 1 MB PUT: 405" put-chunked "405 clean"
is_raw "a GET with a body: 413" get-body "413 clean"
t0=$(date +%s)
raw post-10mb >/dev/null
[ $(( $(date +%s) - t0 )) -le 3 ] && pass "... quickly (the body is drained, never read)" || fail "the refused POST took too long"

# --- paths with NUL or control bytes are never a feed
for p in '/calendar/all.ics%00' '/calendar/all.ics%00.html' '/calendar/all.ics%0a' \
    '/calendar/%01all.ics' '/calendar/all.ics%7f' '/calendar/all%zz.ics'; do
	get "$p"
	[ "$code" = 400 ] && pass "$p: 400" || fail "$p: $code"
done
is_raw "a raw control byte in the path: 400" raw-control "400 clean"
get /calendar/all.ics
[ "$code" = 200 ] && pass "the feed itself still 200" || fail "all.ics: $code"

# --- the log: escaped, and no token
get '/x%0d%0aFORGED%20line'
raw esc-path >/dev/null
for p in "/Calendar/Private/$FIN_TOKEN/all.ics" "/calendar/%70rivate/$FIN_TOKEN/all.ics" \
    "/calendar/%2570rivate/$FIN_TOKEN/all.ics" "//calendar//PRIVATE/$FIN_TOKEN/all.ics" \
    "/calendar/private/$FIN_TOKEN/all.ics?x=1" "/CALENDAR/PRIVATE/$FIN_TOKEN"; do
	get "$p"
done
get "/calendar/private/$FIN_TOKEN/all.ics"
[ "$code" = 200 ] && pass "the private feed is served" || fail "private feed: $code"
sleep 0.2
if grep -q "$FIN_TOKEN\|7Qm2vK9xLr4TzW8p" "$TMP/serve.log"; then
	fail "a token reached the log"; diag "$(grep -n "7Qm2" "$TMP/serve.log")"
else
	pass "no token in the log, in any casing or encoding"
fi
grep -q '^FORGED' "$TMP/serve.log" && fail "a forged log line" || pass "no forged line (CR LF stay escaped)"
if LC_ALL=C grep -q "$(printf '\033')" "$TMP/serve.log"; then fail "a raw ESC in the log"
else pass "no raw ESC in the log"; fi
grep -qF 'GET /\x1b[31mred 400' "$TMP/serve.log" && pass "... it is written \\x1b" ||
    { fail "escaped ESC"; diag "$(tail -n 12 "$TMP/serve.log")"; }
[ "$(grep -c 'GET /calendar/private/\.\.\. ' "$TMP/serve.log")" -ge 2 ] &&
    grep -qi 'GET //calendar//private/\.\.\. 404' "$TMP/serve.log" &&
    pass "private paths are logged up to the word private" || { fail "private log lines"; diag "$(tail -n 12 "$TMP/serve.log")"; }

# --- one address holds at most --max-per-ip; loopback's 127.0.0.1 is not counted
is_raw "127.0.0.2: 8 connections stay, the 9th is closed; 127.0.0.1 is answered meanwhile" per-ip "8 kept, 9th closed, probe 200"

# --- slowloris and silent sockets: dropped on time, a normal client answered
got=$(raw slowloris 300 5)
case $got in
"probes "*" answered, 0 failed, max "*", slow left 0")
	max=$(echo "$got" | sed 's/.*max \([0-9.]*\) s.*/\1/')
	python3 -c "import sys; sys.exit(0 if float('$max') < 1.0 else 1)" &&
	    pass "300 slowloris connections for 5 s: every probe answered within 1 s, every slow one dropped ($got)" ||
	    fail "slowloris probe too slow: $got" ;;
*) fail "slowloris: $got" ;;
esac
got=$(raw idle 1000 4)
case $got in
"probes "*" answered, 0 failed, max "*", idle left 0")
	pass "1,000 silent sockets: probes answered, all dropped after the header timeout ($got)" ;;
*) fail "idle sockets: $got" ;;
esac
is_raw "a kept-alive connection idle past --idle-timeout is closed" keepalive-idle "200, then closed after idle"

# --- still well, and a clean stop
get /healthz
[ "$code" = 200 ] && pass "/healthz answers after all that" || fail "/healthz: $code"
kill -TERM "$SPID"
set +e
wait "$SPID"
src=$?
set -e
SPID=
is_rc() { [ "$2" = "$3" ] && pass "$1" || fail "$1: $2, want $3"; }
is_rc "SIGTERM: exit 0" "$src" 0
done_testing
