# Shared by the serve tests (tests/e2e/005*-serve*.sh), sourced after
# tests/lib.sh: the bundled example repository made ready for serving (public
# feeds on, two subscribers with known tokens, a cancelled change, a plan
# whose title is markup), and helpers to run `offpeak serve` on a free
# loopback port and to ask it things with curl.

command -v curl >/dev/null 2>&1 || skip_all "curl is needed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is needed"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY || :
NO_PROXY=127.0.0.1
export NO_PROXY

T0=2026-11-30T09:00:00+01:00	# the demo's clock: everything just published
FIN_TOKEN=finance-7Qm2vK9xLr4TzW8p	# subscriber "finance": db-primary, db-replica
WEB_TOKEN=webteam-Hc3Nf6Ys1Ud5Ej0a	# subscriber "web": group web
SPID=
trap 'stop_serve; rm -rf "$TMP"' EXIT

# commit_paths DIR MESSAGE PATH...: commit those files only (the demo
# leaves other things in its work tree).
commit_paths() {
	cp_dir=$1 cp_msg=$2
	shift 2
	git -C "$cp_dir" add -- "$@"
	git -C "$cp_dir" commit -q -m "$cp_msg" -- "$@"
}

sha256_of() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# serve_repo DIR TITLE: the example repository at DIR, scheduled at T0, with
# public feeds, the two subscribers, a standard change "odd-title" whose title
# is TITLE, and nginx-upgrade cancelled.
serve_repo() {
	run_offpeak demo "$1"
	[ "$rc" -eq 0 ] || { echo "Bail out! offpeak demo failed: $err"; exit 1; }
	python3 - "$1/offpeak.json" "$(sha256_of "$FIN_TOKEN")" "$(sha256_of "$WEB_TOKEN")" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["public_feeds"] = True
p["subscribers"] = [
    {"name": "finance", "token_sha256": sys.argv[2], "systems": ["db-primary", "db-replica"]},
    {"name": "web", "token_sha256": sys.argv[3], "groups": ["web"]},
]
json.dump(p, open(sys.argv[1], "w"), indent=2, ensure_ascii=False)
PY
	python3 - "$1/plans/php-fpm-tuning.json" "$1/plans/odd-title.json" "$2" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["id"] = "odd-title"
p["title"] = sys.argv[3]
p["systems"] = ["web-3"]
json.dump(p, open(sys.argv[2], "w"), indent=2, ensure_ascii=False)
PY
	commit_paths "$1" "public feeds, subscribers, a plan with an odd title" \
	    offpeak.json plans/odd-title.json
	run_offpeak -C "$1" --now "$T0" schedule
	[ "$rc" -eq 0 ] || { echo "Bail out! schedule failed: $err"; exit 1; }
	run_offpeak -C "$1" --now "$T0" cancel nginx-upgrade -m "postponed: the web team needs the week"
	[ "$rc" -eq 0 ] || { echo "Bail out! cancel failed: $err"; exit 1; }
}

# start_serve ARGS...: offpeak ARGS serve --listen 127.0.0.1:0 $SERVE_OPTS
# (words without spaces) in the background (killed by the trap), waiting
# until it listens; sets SPID, PORT, BASE; the log is $TMP/serve.log.
start_serve() {
	rm -f "$TMP/serve.log"
	PORT=
	# shellcheck disable=SC2086
	"$OFFPEAK" "$@" serve --listen 127.0.0.1:0 ${SERVE_OPTS:-} >"$TMP/serve.out" 2>"$TMP/serve.log" &
	SPID=$!
	i=0
	while [ $i -lt 200 ]; do
		PORT=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$TMP/serve.log" 2>/dev/null || :)
		[ -n "$PORT" ] && break
		kill -0 "$SPID" 2>/dev/null || break
		i=$((i + 1))
		sleep 0.05
	done
	if [ -z "$PORT" ]; then
		echo "Bail out! offpeak serve did not start"
		sed 's/^/# /' "$TMP/serve.log"
		exit 1
	fi
	BASE=http://127.0.0.1:$PORT
}

stop_serve() {
	if [ -n "$SPID" ]; then
		kill "$SPID" 2>/dev/null || :
		wait "$SPID" 2>/dev/null || :
		SPID=
	fi
}

# get PATH [CURL ARGS...]: body to $TMP/body, headers to $TMP/hdr, status in $code.
get() {
	p=$1; shift
	rm -f "$TMP/body" "$TMP/hdr"
	code=$(curl -s --max-time 10 -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' "$@" "$BASE$p") || code=000
}

# hdr NAME: a header of the last get, without its CR.
hdr() {
	sed -n "s/^$1: *//Ip" "$TMP/hdr" | tr -d '\r' | head -n 1
}

# wait_commit COMMIT: until /healthz names another state commit (10 s at most).
wait_commit() {
	i=0
	while [ $i -lt 100 ]; do
		h=$(curl -s --max-time 5 "$BASE/healthz" || :)
		[ "$h" != "ok $1" ] && [ -n "$h" ] && return 0
		i=$((i + 1))
		sleep 0.1
	done
	return 1
}
