# Shared by the execution tests (tests/e2e/004*-run-*.sh), sourced after
# tests/lib.sh: a plan repository whose plans all get the slot
# 2026-12-03 01:00-02:00 (Asia/Shanghai), a test hook that does what its
# arguments say, and helpers to read the state and the records.

command -v python3 >/dev/null 2>&1 || skip_all "python3 is needed"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY || :
NO_PROXY=127.0.0.1
export NO_PROXY

R=$TMP/repo
PLAN_NOW=2026-12-01T12:00:00+08:00	# approvals and the schedule
NOW=2026-12-03T01:10:00+08:00		# inside the slot 01:00-02:00
OUT=$TMP/out				# what hooks leave behind
mkdir -p "$OUT"

# The policy: twenty systems in two groups, one nightly window, a one-day
# notice for low risk (impact "degraded"), two hours for emergencies.
write_policy() {
	cat > "$R/offpeak.json" <<'JSON'
{
  "version": 1,
  "provider": "Run Test Ops",
  "calendar": { "name": "Run test", "domain": "run.test.example" },
  "timezone": "Asia/Shanghai",
  "systems": {
    "a1": { "group": "a", "criticality": "medium" },
    "a2": { "group": "a", "criticality": "medium" },
    "a3": { "group": "a", "criticality": "medium" },
    "a4": { "group": "a", "criticality": "medium" },
    "a5": { "group": "a", "criticality": "medium" },
    "a6": { "group": "a", "criticality": "medium" },
    "a7": { "group": "a", "criticality": "medium" },
    "a8": { "group": "a", "criticality": "medium" },
    "a9": { "group": "a", "criticality": "medium" },
    "a10": { "group": "a", "criticality": "medium" },
    "a11": { "group": "a", "criticality": "medium" },
    "a12": { "group": "a", "criticality": "medium" },
    "a13": { "group": "a", "criticality": "medium" },
    "a14": { "group": "a", "criticality": "medium" },
    "a15": { "group": "a", "criticality": "medium" },
    "a16": { "group": "a", "criticality": "medium" },
    "b1": { "group": "b", "criticality": "medium" },
    "b2": { "group": "b", "criticality": "medium" },
    "b3": { "group": "b", "criticality": "medium" },
    "b4": { "group": "b", "criticality": "medium" }
  },
  "windows": [
    { "name": "nightly", "groups": ["a", "b"], "start": "2026-01-01T01:00:00",
      "duration": "PT4H", "rrule": "FREQ=DAILY" }
  ],
  "freezes": [],
  "risk": {
    "weights": { "impact.outage": 3, "impact.degraded": 1 },
    "levels": [ { "name": "low", "max_score": 2, "notice": "P1D", "approvals": 1 },
                { "name": "high", "notice": "P3D", "approvals": 1 } ],
    "emergency_notice": "PT2H"
  },
  "approvers": ["alice@example.com", "bob@example.com"],
  "max_concurrent": 30
}
JSON
}

# The test hook: each argument is one action, done in order.
write_hooks() {
	cat > "$R/hooks/act" <<'SH'
#!/bin/sh
# act ACTION...: ok, fail, sleep=S, ignore-term, manifest, manifest=TEXT,
# touch=FILE, count=FILE (append the phase), echo=TEXT, dump=FILE (argv,
# OFFPEAK_* environment, stdin, working directory, whether the plan file is
# there)
for a in "$@"; do
	case $a in
	ok) ;;
	fail) echo "act: failing as asked" >&2; exit 3 ;;
	sleep=*) sleep "${a#sleep=}" ;;
	ignore-term) trap '' TERM ;;
	manifest) printf '{"location": "/backups/%s.tar", "size": 10}\n' \
	    "$OFFPEAK_PLAN_ID" > "$OFFPEAK_BACKUP_MANIFEST" ;;
	manifest=*) printf '%s' "${a#manifest=}" > "$OFFPEAK_BACKUP_MANIFEST" ;;
	touch=*) : > "${a#touch=}" ;;
	count=*) echo "${OFFPEAK_PHASE:-?}" >> "${a#count=}" ;;
	echo=*) echo "${a#echo=}" ;;
	dump=*) f=${a#dump=}
		for x in "$@"; do printf 'arg:%s\n' "$x"; done > "$f"
		env | grep '^OFFPEAK_' | sort >> "$f"
		printf 'stdin:%s\n' "$(readlink /proc/self/fd/0 2>/dev/null || echo ?)" >> "$f"
		printf 'stdin-bytes:%s\n' "$(wc -c | tr -d ' ')" >> "$f"
		printf 'cwd:%s\n' "$(pwd)" >> "$f"
		printf 'plan-file:%s\n' "$([ -f "$OFFPEAK_PLAN_FILE" ] && echo yes || echo no)" >> "$f" ;;
	esac
done
exit 0
SH
	chmod +x "$R/hooks/act"
}

# mkplan ID SYSTEM [KEY=JSON...]: a plan (low risk, PT1H) whose hooks all
# succeed and append their phase to $OUT/ID; each KEY=JSON replaces a
# top-level member. "OUT/" in any string stands for $OUT/. The plans say
# "verify_after_rollback": false, so that what a test counts is the phases
# it is about; 0048-run-unattended.sh tests the verification after a
# rollback.
mkplan() {
	python3 - "$OUT" "$R/plans/$1.json" "$@" <<'PY'
import json, sys
out, path, pid, system = sys.argv[1:5]
count = "count=OUT/" + pid
p = {"id": pid, "title": "Change " + pid, "owner": "ops@example.com",
     "systems": [system], "impact": "degraded", "duration": "PT1H",
     "backup": {"run": ["hooks/act", count, "manifest"], "timeout": "PT10S"},
     "steps": [{"name": "change", "run": ["hooks/act", count], "timeout": "PT10S"}],
     "verify": {"run": [["hooks/act", count]], "timeout": "PT10S"},
     "rollback": {"run": ["hooks/act", count], "timeout": "PT10S"},
     "verify_after_rollback": False}
for kv in sys.argv[5:]:
    k, v = kv.split("=", 1)
    p[k] = json.loads(v)
open(path, "w").write(json.dumps(p, indent=2).replace("OUT/", out + "/") + "\n")
PY
}

# count ID: the phases whose hooks ran, as words ("backup step verify").
count() { if [ -f "$OUT/$1" ]; then tr '\n' ' ' < "$OUT/$1" | sed 's/ $//'; fi; }

# new_repo: the policy and the test hook, committed.
new_repo() {
	mkdir -p "$R/plans" "$R/hooks"
	write_policy
	write_hooks
	git -C "$R" init -q
}

op() { run_offpeak -C "$R" --now "$NOW" "$@"; }
as() { git -C "$R" config user.email "$1"; }

# approve_all ID...: alice approves each plan at PLAN_NOW.
approve_all() {
	as alice@example.com
	for id in "$@"; do
		"$OFFPEAK" -C "$R" --now "$PLAN_NOW" approve "$id" >/dev/null
	done
}

schedule() { "$OFFPEAK" -C "$R" --now "$PLAN_NOW" schedule >/dev/null; }

# field ID PYTHON-EXPR: a value from `status --json ID` (as d).
field() {
	"$OFFPEAK" -C "$R" --now "$NOW" --json status "$1" |
	    python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"
}

# run_id ID: the id of the plan's last run.
run_id() {
	git -C "$R" show "offpeak-state:state/$1.json" |
	    python3 -c "import json,sys; print(json.load(sys.stdin)['run']['id'])"
}

# rec ID PYTHON-EXPR: a value from the record of the plan's last run (as r).
rec() {
	git -C "$R" show "offpeak-state:records/$1/$(run_id "$1").json" |
	    python3 -c "import json,sys; r=json.load(sys.stdin); print($2)"
}

# phases ID: the record's phases as "phase:name:status" words.
phases() {
	rec "$1" '" ".join("%s:%s:%s" % (p["phase"], p["name"].replace(" ", "_"), p["status"]) for p in r["phases"])'
}

state_head() { git -C "$R" rev-parse offpeak-state; }

# is DESC GOT WANT: GOT is WANT.
is() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1"; diag "got:  $2" "want: $3"; fi
}

# has DESC TEXT PATTERN: TEXT contains PATTERN (fixed string).
has() {
	if printf '%s\n' "$2" | grep -qF -- "$3"; then pass "$1"; else fail "$1"; diag "want: $3" "in:   $2"; fi
}

# wait_for FILE: until it exists (at most 10 s).
wait_for() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt 1000 ]; do i=$((i + 1)); sleep 0.01; done
	[ -e "$1" ]
}

# kill_run PID: kill -9 a background offpeak and reap it, quietly.
kill_run() {
	kill -9 "$1"
	{ wait "$1"; } 2>/dev/null || :
}

# http_server: an HTTP server on 127.0.0.1 for the checks. /ok answers
# "service ok"; /slow/MS waits MS ms first;
# /status/N answers status N; /body answers 200 without "ok" in the body;
# /recover/MS answers 503 until MS ms after its first request, then as /ok.
# It stops by itself after a minute at the latest, or when the test ends;
# its address is $URL.
http_server() {
	cat > "$TMP/server.py" <<'PY'
import http.server, os, socketserver, sys, threading, time
portfile = sys.argv[1]
first = {}

class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, code, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts[0] == "slow":
            time.sleep(int(parts[1]) / 1000.0)
            self.answer(200, "service ok\n")
        elif parts[0] == "status":
            self.answer(int(parts[1]), "service ok\n")
        elif parts[0] == "body":
            self.answer(200, "maintenance page\n")
        elif parts[0] == "recover":
            t = first.setdefault(self.path, time.monotonic())
            if time.monotonic() - t < int(parts[1]) / 1000.0:
                self.answer(503, "starting\n")
            else:
                self.answer(200, "service ok\n")
        else:
            self.answer(200, "service ok\n")

    def log_message(self, *args):
        pass

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

srv = Server(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
t = threading.Timer(60, srv.shutdown)
t.daemon = True
t.start()
srv.serve_forever()
PY
	python3 "$TMP/server.py" "$TMP/port" &
	SRV=$!
	trap 'kill $SRV 2>/dev/null || :; rm -rf "$TMP"' EXIT
	wait_for "$TMP/port" || { echo "Bail out! the HTTP server did not start"; exit 1; }
	URL=http://127.0.0.1:$(cat "$TMP/port")
}
