# The JSON Schemas and the validator agree.
#
# (a) Every bundled document (the demo repository, the `offpeak init` starting
#     point and the test base repository) validates against its schema, and
#     the schemas themselves are valid Draft 7.
# (b) Every document in tests/data/schema/ differs from a good one in exactly
#     one structural way. Each must be rejected by the schema (with exactly one
#     error), and `offpeak check` must reject it too (exit 1, a message
#     `offpeak: <file>:<line>:<col>: ...` naming the file) when it replaces
#     plans/web-upgrade.json (plan-*.json) or offpeak.json (policy-*.json) in a
#     copy of tests/data/base.
#
# The schema half needs /usr/bin/python3 with jsonschema (python3-jsonschema);
# without it those tests are skipped and the `offpeak check` half still runs.
. "$SRCDIR/tests/lib.sh"

PY=${OFFPEAK_TEST_PYTHON:-/usr/bin/python3}
SCHEMA_DATA=$SRCDIR/tests/data/schema
PYTHONIOENCODING=utf-8
export PYTHONIOENCODING

skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }

have_jsonschema=no
if [ -x "$PY" ] && "$PY" -c 'import jsonschema' 2>/dev/null; then
	have_jsonschema=yes
fi

# schema_run MODE FILE...: validate with Draft 7. Prints one line per test,
# "ok<TAB>description" or "fail<TAB>description<TAB>detail".
#   MODE valid:   the schemas are valid Draft 7, and every FILE validates
#   MODE invalid: every FILE is rejected with exactly one error
# The schema for a file: policy for offpeak.json, init-policy.json and
# policy-*.json, plan for everything else.
schema_run() {
	"$PY" - "$SRCDIR" "$@" <<'EOF'
import json, os, sys
from jsonschema import Draft7Validator

srcdir, mode, files = sys.argv[1], sys.argv[2], sys.argv[3:]

def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)

def say(ok, desc, detail=""):
    # a '#' in a TAP description would start a directive
    line = ("ok" if ok else "fail") + "\t" + desc.replace("#", "\\#")
    if not ok:
        line += "\t" + detail.replace("\t", " ").replace("\n", " ")
    print(line)

schemas = {}
for kind in ("plan", "policy"):
    path = os.path.join(srcdir, "plans", kind + ".schema.json")
    doc = load(path)
    if mode == "valid":
        try:
            Draft7Validator.check_schema(doc)
            say(True, "plans/%s.schema.json is a valid Draft 7 schema" % kind)
        except Exception as e:
            say(False, "plans/%s.schema.json is a valid Draft 7 schema" % kind, str(e).split("\n")[0])
    schemas[kind] = Draft7Validator(doc)

for path in files:
    rel = os.path.relpath(path, srcdir)
    base = os.path.basename(path)
    kind = "policy" if base in ("offpeak.json", "init-policy.json") or base.startswith("policy-") else "plan"
    try:
        doc = load(path)
    except Exception as e:
        say(False, "%s parses as JSON" % rel, str(e))
        continue
    errors = sorted(schemas[kind].iter_errors(doc), key=lambda e: list(e.absolute_path))
    where = lambda e: "/".join(str(p) for p in e.absolute_path) or "(top)"
    if mode == "valid":
        say(not errors, "%s validates against the %s schema" % (rel, kind),
            "; ".join("%s: %s" % (where(e), e.message) for e in errors))
    else:
        if len(errors) == 1:
            say(True, "%s is rejected by the %s schema (%s: %s)" % (rel, kind, where(errors[0]), errors[0].message[:100]))
        elif not errors:
            say(False, "%s is rejected by the %s schema" % (rel, kind), "the schema accepts it")
        else:
            say(False, "%s is rejected by the %s schema with exactly one error" % (rel, kind),
                "%d errors: %s" % (len(errors), "; ".join("%s: %s" % (where(e), e.message) for e in errors)))
EOF
}

# tap_from FILE: turn schema_run's lines into TAP results.
tap_from() {
	while IFS='	' read -r status desc detail; do
		if [ "$status" = ok ]; then
			pass "$desc"
		else
			fail "$desc"
			diag "$detail"
		fi
	done < "$1"
}

### (a) the bundled documents validate; the schemas are Draft 7

good_files="$SRCDIR/plans/examples/offpeak.json $SRCDIR/plans/examples/init-policy.json"
for f in "$SRCDIR"/plans/examples/plans/*.json; do good_files="$good_files $f"; done
good_files="$good_files $SRCDIR/plans/examples/init-plan.json $SRCDIR/tests/data/base/offpeak.json"
for f in "$SRCDIR"/tests/data/base/plans/*.json; do good_files="$good_files $f"; done

if [ "$have_jsonschema" = yes ]; then
	# shellcheck disable=SC2086
	if schema_run valid $good_files > "$TMP/valid.tsv" 2> "$TMP/valid.err"; then
		tap_from "$TMP/valid.tsv"
	else
		fail "schema validation of the bundled documents ran"
		diag "$(cat "$TMP/valid.err")"
	fi
else
	skip "bundled documents validate against the schemas" "no jsonschema for $PY"
fi

# Every plan's id equals its file stem, and plans.mk lists exactly the
# example plans (they are embedded into the binary from that list).
for f in "$SRCDIR"/plans/examples/plans/*.json "$SRCDIR"/tests/data/base/plans/*.json; do
	stem=$(basename "$f" .json)
	rel=${f#"$SRCDIR"/}
	if grep -Eq "^[[:space:]]*\"id\"[[:space:]]*:[[:space:]]*\"$stem\"" "$f"; then
		pass "$rel: id is the file stem"
	else
		fail "$rel: id is the file stem"
	fi
done
(cd "$SRCDIR" && ls plans/examples/plans/*.json) > "$TMP/plans.have"
sed -n 's/^[[:space:]]*\(plans\/examples\/plans\/[^[:space:]\\]*\.json\).*/\1/p' \
	"$SRCDIR/plans/examples/plans.mk" | LC_ALL=C sort > "$TMP/plans.listed"
if cmp -s "$TMP/plans.have" "$TMP/plans.listed"; then
	pass "plans/examples/plans.mk lists exactly the example plans"
else
	fail "plans/examples/plans.mk lists exactly the example plans"
	diag "$(diff "$TMP/plans.have" "$TMP/plans.listed" || :)"
fi

### (b) the bad documents: the schema and `offpeak check` both reject each one

bad_files=
n_bad=0
for f in "$SCHEMA_DATA"/plan-*.json "$SCHEMA_DATA"/policy-*.json; do
	[ -f "$f" ] || continue
	bad_files="$bad_files $f"
	n_bad=$((n_bad + 1))
done
if [ "$n_bad" -ge 20 ]; then
	pass "tests/data/schema holds $n_bad bad documents (at least 20)"
else
	fail "tests/data/schema holds $n_bad bad documents (at least 20)"
fi

if [ "$have_jsonschema" = yes ]; then
	# shellcheck disable=SC2086
	if schema_run invalid $bad_files > "$TMP/invalid.tsv" 2> "$TMP/invalid.err"; then
		tap_from "$TMP/invalid.tsv"
	else
		fail "schema validation of the bad documents ran"
		diag "$(cat "$TMP/invalid.err")"
	fi
else
	skip "bad documents are rejected by the schemas" "no jsonschema for $PY"
fi

repo=$TMP/repo
base_repo "$repo"
run_offpeak -C "$repo" check
expect_rc "check accepts the unmodified base repository" 0

for f in $bad_files; do
	name=$(basename "$f")
	case $name in
	plan-*)   target=plans/web-upgrade.json ;;
	policy-*) target=offpeak.json ;;
	esac
	# Back to the base documents, then substitute the bad one.
	cp "$SRCDIR/tests/data/base/offpeak.json" "$repo/offpeak.json"
	cp "$SRCDIR/tests/data/base/plans/web-upgrade.json" "$repo/plans/web-upgrade.json"
	cp "$f" "$repo/$target"
	commit_all "$repo" "schema: $name"

	run_offpeak -C "$repo" check
	pattern="^offpeak: ([^ ]*/)?$(printf '%s' "$target" | sed 's/\./\\./g'):[0-9]+:[0-9]+: ."
	if [ "$rc" -ne 1 ]; then
		fail "check rejects $name as $target (exit $rc, want 1)"
		diag "stderr: $err"
	elif ! printf '%s\n' "$err" | grep -Eq -- "$pattern"; then
		fail "check rejects $name as $target with a message naming the file"
		diag "want a line matching: $pattern" "stderr: $err"
	else
		pass "check rejects $name as $target: $(printf '%s\n' "$err" | grep -E -- "$pattern" | head -n 1 | cut -c1-160 | sed 's/#/\\#/g')"
	fi
done

done_testing
