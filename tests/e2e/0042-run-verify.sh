# offpeak run: HTTP verification against a real server on 127.0.0.1 — a
# response slower than max_ms, a wrong status, a wrong body, nothing
# listening, and a service that recovers within `within`; every attempt's
# status and latency is in the record.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/run-lib.sh"

http_server
# a port nothing listens on: bound, then closed
DOWN=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

new_repo
# check ID SYSTEM HTTP-CHECK-JSON: a plan whose verification is that check
check() {
	mkplan "$1" "$2" "verify={\"http\": [$3]}"
}
check v-ok a1 "{\"url\": \"$URL/ok\", \"max_ms\": 2000, \"contains\": \"ok\"}"
check v-slow a2 "{\"url\": \"$URL/slow/1200\", \"max_ms\": 300}"
check v-status a3 "{\"url\": \"$URL/status/500\"}"
check v-body a4 "{\"url\": \"$URL/body\", \"contains\": \"service ok\"}"
check v-down a5 "{\"url\": \"http://127.0.0.1:$DOWN/\", \"within\": \"PT2S\"}"
check v-recover a6 "{\"url\": \"$URL/recover/1500\", \"max_ms\": 2000, \"within\": \"PT5S\"}"
check v-late a7 "{\"url\": \"$URL/recover/9000\", \"within\": \"PT1S\"}"
mkplan v-both a8 "verify={\"run\": [[\"hooks/act\", \"count=OUT/v-both\"]], \"http\": [{\"url\": \"$URL/ok\"}, {\"url\": \"$URL/status/404\"}]}"
commit_all "$R" "plans"
approve_all v-ok v-slow v-status v-body v-down v-recover v-late v-both
schedule

# attempts ID: the record's attempts as "status:ok" words
attempts() {
	rec "$1" '" ".join("%s:%s" % (a["status"], a["ok"]) for a in r["verification"])'
}

op run v-ok
expect_rc "a healthy service: the change completes" 0
expect_out "each attempt is shown" "run: verify: $URL/ok attempt 1: status 200 in"
is "one attempt, status 200" "$(attempts v-ok)" "200:True"
is "with its latency and the limit" \
    "$(rec v-ok 'r["verification"][0]["ms"] < 2000, r["verification"][0]["max_ms"], r["verification"][0]["url"]')" \
    "True 2000 $URL/ok"
is "the check is a phase of the record" "$(phases v-ok)" \
    "backup:backup:ok step:change:ok http:${URL}/ok:ok"

# verify_fails ID WHY [HOOKS]: exit 3, rolled back, the reason in the
# record; HOOKS (default "backup step rollback") ran.
verify_fails() {
	op run "$1"
	expect_rc "$1: exit 3" 3
	expect_err "$1: the message says why and that the rollback succeeded" "$2"
	expect_err "$1: rolled back" "; the rollback succeeded"
	is "$1: the hooks that ran" "$(count "$1")" "${3:-backup step rollback}"
	is "$1: outcome rolled-back" "$(rec "$1" 'r["outcome"]')" rolled-back
}

verify_fails v-slow "verification failed: $URL/slow/1200: took "
expect_err "over max_ms" "ms, over max_ms 300 (1 attempt)"
is "the slow attempt's status and latency" \
    "$(rec v-slow 'r["verification"][0]["status"], r["verification"][0]["ms"] >= 1200, r["verification"][0]["ok"]')" \
    "200 True False"

verify_fails v-status "verification failed: $URL/status/500: status 500, want 200 (1 attempt)"
is "the wrong status is recorded" "$(attempts v-status)" "500:False"

verify_fails v-body "verification failed: $URL/body: the body does not contain 'service ok' (1 attempt)"
is "the wrong body is recorded" "$(attempts v-body)" "200:False"

verify_fails v-down "verification failed: http://127.0.0.1:$DOWN/: no response: "
expect_err "tried until within ran out" "(2 attempts)"
is "no status, and a latency, for each attempt" \
    "$(rec v-down '" ".join("%s:%s" % (a["status"], isinstance(a["ms"], int)) for a in r["verification"])')" \
    "None:True None:True"

op run v-recover
expect_rc "a service that recovers within 'within': completed" 0
got=$(attempts v-recover)
case $got in
"503:False 503:False 200:True"|"503:False 200:True"|"503:False 503:False 503:False 200:True")
	pass "503 until it recovers, then 200 ($got)" ;;
*) fail "attempts of v-recover: $got" ;;
esac
is "the attempts are numbered" \
    "$(rec v-recover '[a["attempt"] for a in r["verification"]] == list(range(1, len(r["verification"]) + 1))')" True

verify_fails v-late "verification failed: $URL/recover/9000: status 503, want 200 (1 attempt)"

verify_fails v-both "$URL/status/404: status 404, want 200" "backup step verify rollback"
is "the verification hook ran before the checks" "$(phases v-both)" \
    "backup:backup:ok step:change:ok verify:verify_1:ok http:${URL}/ok:ok http:${URL}/status/404:failed rollback:rollback:ok"

done_testing
