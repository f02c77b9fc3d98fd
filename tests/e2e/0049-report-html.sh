# The periodic report a client reads: report --format html -o FILE on a
# known history (a completed outage change, two rollbacks on one system, a
# plan waiting for approval, an availability target), printed to PDF by
# headless Chromium; the PDF's text holds the period, the figures, the
# availability table, the records, the recommendations and the audit; its
# first page is kept as a picture in tests/artefacts/. The text and JSON
# reports carry the same budgets and recommendations.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/e2e/run-lib.sh"

ART=${OFFPEAK_ARTEFACTS:-$PWD/tests/artefacts}
mkdir -p "$ART"
new_repo
python3 - "$R/offpeak.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["availability"] = [{"groups": ["a"], "target": "99.8%", "period": "month", "degraded": 0.5}]
p["calendar"]["account"] = "SLA-2026-042"
json.dump(p, open(sys.argv[1], "w"), indent=2)
PY
mkplan h-done a1 'title="Upgrade <script>alert(1)</script> the database"'
mkplan h-rb1 a2 'steps=[{"name": "break it", "run": ["hooks/act", "fail"]}]'
mkplan h-rb2 a2 'steps=[{"name": "break it again", "run": ["hooks/act", "fail"]}]'
mkplan h-wait b1
commit_all "$R" "plans"
approve_all h-done h-rb1 h-rb2
schedule
op run h-done
expect_rc "h-done completes" 0
op run h-rb1
expect_rc "h-rb1 rolls back" 3
NOW=2026-12-03T02:10:00+08:00
op run h-rb2
expect_rc "h-rb2 rolls back" 3
FROM=2026-12-01
TO=2027-01-01

# --- the page
op report --format html --from "$FROM" --to "$TO" -o "$TMP/report.html"
expect_rc "report --format html -o FILE" 0
expect_out "... says what it wrote" "written to $TMP/report.html"
[ -s "$TMP/report.html" ] && pass "the page is written" || fail "no page"
python3 - "$TMP/report.html" <<'PY' >"$TMP/html.out"
import re, sys
h = open(sys.argv[1]).read()
print("<script>" not in h, "&lt;script&gt;alert(1)&lt;/script&gt;" in h,
      re.search(r'<(link|img|script)[^>]*(src|href)=', h) is None,
      all(k in h for k in ('id="figures"', 'id="availability"', 'id="records"', 'id="advice"', 'id="audit"', "<svg")))
PY
is "self-contained, a title that is markup stays text, every section there" "$(cat "$TMP/html.out")" "True True True True"
op report --format html --from "$FROM" --to "$TO"
expect_rc "without -o the page goes to stdout" 0
case $out in "<!DOCTYPE html>"*) pass "... as HTML" ;; *) fail "stdout: $(printf '%s' "$out" | head -c 80)" ;; esac
op report --format text -o "$TMP/x"
expect_rc "-o with another format: usage" 2

# --- the same budgets and recommendations in text and JSON
op report --from "$FROM" --to "$TO"
printf '%s\n' "$out" > "$TMP/report.txt"
grep -q "^a1 .*99.8% .*2026-12 .*89 min 16 s .*30 min" "$TMP/report.txt" &&
    pass "text: a1's December budget (89 min 16 s) with half of h-done's degraded hour planned" ||
    { fail "text availability"; diag "$(grep -A8 '^Availability' "$TMP/report.txt")"; }
grep -q "a2: 2 of 2 runs rolled back or failed (h-rb1, h-rb2)" "$TMP/report.txt" &&
    pass "text: a2's repeated rollbacks are a recommendation" || fail "no rollbacks advice"
grep -q "h-wait has waited .* for approval: 0 of 1" "$TMP/report.txt" &&
    pass "text: the plan waiting longest for approval, and from whom" || { fail "no approval advice"; diag "$(grep -A20 Recommendations "$TMP/report.txt")"; }
op --json report --from "$FROM" --to "$TO"
printf '%s\n' "$out" > "$TMP/report.json"
python3 - "$TMP/report.json" <<'PY' >"$TMP/json.out"
import json, sys
r = json.load(open(sys.argv[1]))
a = [x for x in r["availability"] if x["system"] == "a1" and x["period"] == "2026-12"][0]
print(a["budget_seconds"], a["planned_seconds"], a["left_seconds"] < a["budget_seconds"],
      sorted(set(x["kind"] for x in r["recommendations"])))
PY
is "JSON: the budget, what is planned, and the kinds of advice" "$(cat "$TMP/json.out")" \
    "5356 1800 True ['approval', 'notice', 'rollbacks']"

# --- printed to PDF by headless Chromium
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || :)}
if [ -z "$CHROMIUM" ] || ! command -v pdftotext >/dev/null 2>&1; then
	if [ -n "${CI:-}" ]; then fail "chromium or poppler-utils missing in CI (./bootstrap installs them)"
	else pass "no chromium or pdftotext here # SKIP"; fi
	done_testing
	exit
fi
rm -f "$ART/report.pdf"
timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --user-data-dir="$TMP/profile" \
    --no-pdf-header-footer --print-to-pdf="$ART/report.pdf" "file://$TMP/report.html" >/dev/null 2>&1 || :
[ -s "$ART/report.pdf" ] && pass "Chromium prints it to PDF (tests/artefacts/report.pdf)" || fail "no PDF"
pages=$(pdfinfo "$ART/report.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
[ -n "$pages" ] && [ "$pages" -ge 1 ] && [ "$pages" -le 6 ] && pass "$pages page(s)" || fail "pages: '$pages'"
pdftotext -layout "$ART/report.pdf" "$TMP/report.pdf.txt"
for want in "Maintenance report" "SLA-2026-042" "2026-12-01 00:00 CST" "Changes run" "Rolled back" \
    "Availability (clause 3.1)" "89 min 16 s" "Maintenance records" "Recommendations (clause 4.3)" \
    "a2: 2 of 2 runs rolled back or failed" "h-wait has waited" "0 violations" "Timeline of the period"; do
	grep -qF "$want" "$TMP/report.pdf.txt" && pass "the PDF says: $want" || fail "the PDF lacks: $want"
done
python3 - "$TMP/report.pdf.txt" <<'PY' >"$TMP/fig.out"
import re, sys
t = open(sys.argv[1]).read()
def fig(name):
    m = re.search(re.escape(name) + r"\s+(\S+)", t)
    return m.group(1) if m else "?"
print(fig("Changes run"), fig("Completed"), fig("Rolled back"), fig("Failed"))
PY
is "the key figures in the PDF: 3 run, 1 completed, 2 rolled back, 0 failed" "$(cat "$TMP/fig.out")" "3 1 2 0"
rm -f "$ART/report-page1.png"
pdftoppm -png -r 50 -f 1 -l 1 -singlefile "$ART/report.pdf" "$ART/report-page1" 2>/dev/null || :
head -c 8 "$ART/report-page1.png" 2>/dev/null | od -An -c | grep -q "P   N   G" &&
    pass "the first page as a picture (tests/artefacts/report-page1.png)" || fail "no PNG of page 1"

done_testing
