# The bad-input corpus: every case under tests/data/bad/NN-name/ is the valid
# base repository (tests/data/base) with the case's files laid over it, then
# changed by the case's optional `setup` script (run in the work tree), then
# committed. `offpeak check` must reject each one with exit status 1 and no
# crash, print every line of the case's `expect` file on stderr (fixed
# strings), start every stderr line with "offpeak: ", and `--json check` must
# list the same problems.
. "$SRCDIR/tests/lib.sh"

BAD=$SRCDIR/tests/data/bad
OUT=$TMP/out
mkdir -p "$OUT" "$TMP/cases"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is needed to read the --json output"

# build_case DIR NAME REPO: the base repository with the case DIR laid over
# it, committed at REPO.
build_case() {
	cp -R "$SRCDIR/tests/data/base" "$3" &&
	chmod +x "$3"/hooks/* &&
	cp -R "$1/." "$3/" &&
	rm -f "$3/expect" "$3/setup" || return 1
	if [ -f "$1/setup" ]; then
		(cd "$3" && sh "$1/setup") || return 1
	fi
	git -C "$3" init -q --template= &&
	git -C "$3" add -A &&
	git -C "$3" commit -q -m "$2"
}

### The base repository itself is valid.

base_repo "$TMP/base"
run_offpeak -C "$TMP/base" check
expect_rc "base repository passes check" 0
if [ -z "$err" ]; then
	pass "base repository: nothing on stderr"
else
	fail "base repository: nothing on stderr"
	diag "$err"
fi

### Build and check every case; the outputs are judged below in one go.

ncases=0
names=
for dir in "$BAD"/*/; do
	dir=${dir%/}
	name=${dir##*/}
	ncases=$((ncases + 1))
	if [ ! -f "$dir/expect" ]; then
		fail "$name: has an expect file"
		continue
	fi
	if ! build_case "$dir" "$name" "$TMP/cases/$name" >"$TMP/build.out" 2>&1; then
		fail "$name: repository builds"
		diag "$(cat "$TMP/build.out")"
		continue
	fi
	set +e
	"$OFFPEAK" -C "$TMP/cases/$name" check >/dev/null 2>"$OUT/$name.err"
	rc=$?
	"$OFFPEAK" --json -C "$TMP/cases/$name" check >"$OUT/$name.json" 2>"$OUT/$name.jerr"
	jrc=$?
	set -e
	if [ "$rc" -eq 1 ]; then
		pass "$name: check exits 1"
	else
		fail "$name: check exits 1 (exit $rc$([ "$rc" -ge 128 ] && echo ': crashed'))"
		diag "$(cat "$OUT/$name.err")"
	fi
	if [ "$jrc" -eq 1 ]; then
		pass "$name: --json check exits 1"
	else
		fail "$name: --json check exits 1 (exit $jrc$([ "$jrc" -ge 128 ] && echo ': crashed'))"
		diag "$(cat "$OUT/$name.jerr")"
	fi
	names="$names $name"
done

# Judges the outputs: argv is the corpus directory, the output directory and
# the case names. Per case it prints three lines "NAME WHAT ok" or
# "NAME WHAT fail REASON" (newlines in REASON written as \n).
judge='
import json, os, sys

bad, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]

def lines_of(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return [l for l in f.read().split("\n") if l]

def json_lines(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except ValueError as e:
        raise ValueError("stdout is not JSON: %s" % e)
    if not isinstance(doc, list) or not doc:
        raise ValueError("stdout is not a non-empty JSON list: %r" % (doc,))
    lines = []
    for d in doc:
        if not isinstance(d, dict) or set(d) != {"file", "line", "column", "message"}:
            raise ValueError("not a problem object: %r" % (d,))
        s = "offpeak: "
        if d["file"] is not None:
            s += d["file"]
            if d["line"] > 0:
                s += ":%d" % d["line"]
                if d["column"] > 0:
                    s += ":%d" % d["column"]
            s += ": "
        lines.append(s + d["message"])
    return lines

def verdict(name, what, problem):
    if problem is None:
        print(name, what, "ok")
    else:
        print(name, what, "fail", problem.replace("\\", "\\\\").replace("\n", "\\n"))

for name in names:
    expect = lines_of(os.path.join(bad, name, "expect"))
    err = lines_of(os.path.join(out, name + ".err"))
    text = "\n".join(err)
    missing = [e for e in expect if e not in text]
    verdict(name, "stderr", "missing: %r\nstderr:\n%s" % (missing, text) if missing else None)
    stray = [l for l in err if not l.startswith("offpeak: ")]
    verdict(name, "prefix", "lines without the prefix: %r" % stray if stray or not err else None)
    try:
        got = json_lines(os.path.join(out, name + ".json"))
        jtext = "\n".join(got)
        missing = [e for e in expect if e not in jtext]
        problems = [l for l in err if not (l.endswith(" found") and " problem" in l)]
        if missing:
            why = "missing from --json: %r\n--json:\n%s" % (missing, jtext)
        elif got != problems:
            why = "--json and stderr differ:\n%s\n---\n%s" % (jtext, "\n".join(problems))
        else:
            why = None
    except (OSError, ValueError) as e:
        why = str(e)
    verdict(name, "json", why)
'

### The verdicts.

if ! python3 -c "$judge" "$BAD" "$OUT" $names >"$TMP/judge.out" 2>"$TMP/judge.err"; then
	fail "the output judge ran"
	diag "$(cat "$TMP/judge.err")"
fi
while read -r name what verdict why; do
	case $what in
	stderr) desc="stderr has every expected problem" ;;
	prefix) desc="every stderr line starts with 'offpeak: '" ;;
	json) desc="--json lists the same problems" ;;
	esac
	if [ "$verdict" = ok ]; then
		pass "$name: $desc"
	else
		fail "$name: $desc"
		diag "$(printf '%b' "$why")"
	fi
done <"$TMP/judge.out"

if [ "$ncases" -ge 45 ]; then
	pass "the corpus holds $ncases cases (at least 45)"
else
	fail "the corpus holds $ncases cases (at least 45)"
fi

done_testing
