# The parse cache (.git/offpeak/cache): plans, states, approvals and event
# texts are kept by what they are made of, and what a command says is the
# same with it, without it (OFFPEAK_NO_CACHE), and with it damaged,
# foreign or unwritable; a plan's problems always come from parsing.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/run-lib.sh"

C=$R/.git/offpeak/cache
new_repo
mkplan p1 a1
mkplan p2 a2
mkplan p3 b1 'title="Dritte Änderung"'
commit_all "$R" "plans"

# same DESC ARGS...: the command says the same (stdout, stderr, exit) with
# the cache as it is and without one
same() {
	desc=$1; shift
	run_offpeak -C "$R" --now "$NOW" "$@"
	a="$rc|$out|$err"
	nocache run_offpeak -C "$R" --now "$NOW" "$@"
	b="$rc|$out|$err"
	if [ "$a" = "$b" ]; then pass "$desc"; else fail "$desc"; diag "cached: $a" "parsed: $b"; fi
}
# nocache CMD...: the command with OFFPEAK_NO_CACHE set
nocache() {
	OFFPEAK_NO_CACHE=1
	export OFFPEAK_NO_CACHE
	"$@"
	unset OFFPEAK_NO_CACHE
}
# entries FILE: how many entries a cache file holds
entries() {
	python3 -c 'import sys,struct; d=open(sys.argv[1],"rb").read(); print(struct.unpack_from("<I", d, 52)[0])' "$1"
}

nocache run_offpeak -C "$R" check
[ ! -e "$C" ] && pass "OFFPEAK_NO_CACHE: no cache is written" ||
    fail "OFFPEAK_NO_CACHE: no cache is written"
op check
expect_rc "check" 0
[ -f "$C/plans" ] && pass "check keeps the parsed plans" || fail "check keeps the parsed plans"
is "one entry per plan" "$(entries "$C/plans")" 3
before=$(cksum < "$C/plans")
op check
is "an unchanged run does not write the cache again" "$(cksum < "$C/plans")" "$before"
same "check --json, cached and parsed" --json check

# --- the same blob under another name still says its id differs, with its place
git -C "$R" mv plans/p2.json plans/p9.json
same "a renamed plan: the same message, line and column" check --worktree
expect_err "... which names the file and the place" "plans/p9.json:2:9: id: 'p2' differs from the file name"
git -C "$R" mv plans/p9.json plans/p2.json

# --- a plan with a problem is never kept
python3 - "$R/plans/p3.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1])); p["impact"] = "huge"
open(sys.argv[1], "w").write(json.dumps(p, indent=2) + "\n")
PY
op check --worktree
op check --worktree
expect_rc "a bad plan fails with the cache" 1
expect_err "... with its place" "plans/p3.json:"
is "... and is not kept" "$(entries "$C/plans")" 3
same "a bad plan: the same messages, cached and parsed" check --worktree
git -C "$R" checkout -q plans/p3.json

# --- states and approvals
approve_all p1 p2 p3
schedule
op status
[ -f "$C/state" ] && [ -f "$C/approvals" ] && pass "states and approvals are kept" ||
    fail "states and approvals are kept"
same "status --json, cached and parsed" --json status
same "status of one change" status p3
same "schedule --dry-run --json, cached and parsed" --json schedule --dry-run
same "report --json, cached and parsed" --json report
as bob@example.com
"$OFFPEAK" -C "$R" --now "$PLAN_NOW" approve p1 -m "second look" >/dev/null
op --json status p1
case $out in *'"approvals_given": 2'*) pass "a new approval is read, not an old entry" ;;
*) fail "a new approval is read, not an old entry"; diag "$out" ;; esac
same "status after it, cached and parsed" --json status

# --- event texts
op calendar -o "$TMP/f1"
op calendar -o "$TMP/f2"
[ -f "$C/events" ] && pass "event texts are kept" || fail "event texts are kept"
nocache op calendar -o "$TMP/f3"
ok "feeds from kept texts are the same bytes" diff -r "$TMP/f1" "$TMP/f2"
ok "... as feeds rendered without the cache" diff -r "$TMP/f1" "$TMP/f3"
python3 - "$R/offpeak.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1])); p["calendar"]["organizer"] = "mailto:cab@run.test.example"
open(sys.argv[1], "w").write(json.dumps(p, indent=2) + "\n")
PY
commit_all "$R" "an organizer"
op calendar -o "$TMP/f1"
n=$(grep -c "^ORGANIZER:mailto:cab@run.test.example" "$TMP/f1/all.ics" || :)
is "a policy change renders every event again" "$n" 3
nocache op calendar -o "$TMP/f3"
ok "... the same as without the cache" diff -r "$TMP/f1" "$TMP/f3"

# --- feeds still as written are not made again; changed or gone ones are
op calendar -o "$TMP/f1"
expect_out "an unchanged output directory: nothing written" "0 files written or removed"
ls "$C"/feeds-* >/dev/null 2>&1 && pass "the feeds' stamps are kept" || fail "the feeds' stamps are kept"
echo "X-EDITED:by hand" >> "$TMP/f1/all.ics"
rm -f "$TMP/f1/systems/a1.ics"
op calendar -o "$TMP/f1"
expect_out "an edited and a deleted feed are written again" "2 files written or removed"
nocache op calendar -o "$TMP/f3"
ok "... as they should be" diff -r "$TMP/f1" "$TMP/f3"
python3 - "$TMP/f1/groups/a.ics" <<'PY'
import os, sys
p = sys.argv[1]
st = os.stat(p)
open(p, "a").write("X-EDITED:again\r\n")
os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
PY
op calendar -o "$TMP/f1"
ok "a feed grown under the same time is written again" diff -r "$TMP/f1" "$TMP/f3"

# --- damaged, foreign, missing or unwritable caches are no caches
for f in plans state approvals events; do cp "$C/$f" "$TMP/$f.good"; done
python3 - "$C" <<'PY'
import os, sys
d = sys.argv[1]
for f in ("plans", "state", "approvals", "events"):
    b = bytearray(open(os.path.join(d, f), "rb").read())
    for i in range(len(b) - 40, 64 + 40 * 3, -97):
        b[i] ^= 0x5a
    open(os.path.join(d, f), "wb").write(b)
PY
same "damaged entries: status as parsed" --json status
same "damaged entries: check as parsed" check
nocache op calendar -o "$TMP/f3"
for f in plans state approvals events; do cp "$TMP/$f.good" "$C/$f"; done
python3 - "$C" <<'PY'
import os, sys
for f in ("plans", "state"):
    p = os.path.join(sys.argv[1], f)
    b = bytearray(open(p, "rb").read())
    b[24] ^= 0xff                     # the build id: another executable's
    open(p, "wb").write(b)
PY
same "another executable's cache: status as parsed" --json status
b=$(python3 -c 'import sys; print(open(sys.argv[1],"rb").read()[20:56].hex())' "$TMP/plans.good")
a=$(python3 -c 'import sys; print(open(sys.argv[1],"rb").read()[20:56].hex())' "$C/plans")
[ "$a" = "$b" ] && pass "... and it is replaced by this one's" || fail "... and it is replaced by this one's"
head -c 100 "$TMP/plans.good" > "$C/plans"
same "a truncated cache: check as parsed" --json check
: > "$C/state"
same "an empty cache file: status as parsed" --json status
rm -rf "$C"
: > "$C"
same "a cache that cannot be written: status as parsed" --json status
op calendar -o "$TMP/f4"
expect_rc "... calendar works" 0
case $err in "") pass "... and says nothing of it" ;; *) fail "... and says nothing of it"; diag "$err" ;; esac
rm -f "$C"

# --- a blob missing from the repository is missing, cached or not
op check
blob=$(git -C "$R" rev-parse HEAD:plans/p1.json)
obj=$R/.git/objects/$(echo "$blob" | cut -c1-2)/$(echo "$blob" | cut -c3-)
if [ -f "$obj" ]; then
	mv "$obj" "$TMP/obj"
	op check
	expect_rc "a plan blob gone from the repository fails check" 1
	expect_err "... though it is in the cache" "plans/p1.json: its blob ${blob%"${blob#????????????}"} is missing"
	mv "$TMP/obj" "$obj"
else
	fail "the plan blob is a loose object"
fi

done_testing
