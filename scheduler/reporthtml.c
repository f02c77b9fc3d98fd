/* reporthtml: the maintenance report as a printable page for the client */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "budget.h"
#include "datetime.h"
#include "policy.h"
#include "report.h"
#include "reporthtml.h"
#include "statuspage.h"
#include "tz.h"
#include "util.h"

static const char css[] =
    "@page{size:A4;margin:14mm 12mm}"
    "body{font:10.5pt/1.4 system-ui,-apple-system,\"Segoe UI\",Roboto,"
    "sans-serif;color:#1d2430;margin:0 auto;max-width:60rem;padding:1rem}"
    "h1{font-size:1.6rem;margin:0}h2{font-size:1.15rem;margin:1.6rem 0 .5rem;"
    "border-bottom:2px solid #1d2430;padding-bottom:.2rem;break-after:avoid}"
    ".meta{color:#5b6575;margin:.3rem 0 0}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{text-align:left;vertical-align:top;padding:.3rem .45rem;"
    "border-bottom:1px solid #dfe3e8}"
    "th{font-size:.75rem;text-transform:uppercase;color:#5b6575}"
    "tr{break-inside:avoid}td.n{text-align:right;white-space:nowrap}"
    ".figures td:first-child{width:45%}"
    ".ok{color:#14592a}.bad{color:#8f1919;font-weight:600}"
    ".rolled-back td,.failed td{background:#fff4ec}"
    ".bar{display:flex;height:.7rem;width:10rem;background:#eef1f5;"
    "border-radius:.2rem;overflow:hidden}"
    ".bar .planned{background:#e09a20}.bar .over{background:#d03b33}"
    ".tl svg{width:100%;height:auto}"
    "ol.advice li{margin:.35rem 0;break-inside:avoid}"
    ".action{color:#3d424a}"
    "footer{margin-top:2rem;font-size:.8rem;color:#5b6575}"
    "@media print{body{max-width:none;padding:0}.tl{break-inside:avoid}}";

static char *
local(const struct report_page *pg, int64_t t)
{
	struct civil c;
	char	*cause = NULL;
	const struct tz *tz = tz_get(pg->pol->timezone != NULL ?
	    pg->pol->timezone : "UTC", &cause);

	free(cause);
	if (tz == NULL)
		return dt_format_utc(t);
	tz_utc_to_local(tz, t, &c, NULL);
	return xasprintf("%04d-%02d-%02d %02d:%02d %s", c.year, c.month, c.day,
	    c.hour, c.minute, tz_abbr_at(tz, t));
}

static double
pct(size_t part, size_t whole)
{
	return whole == 0 ? 0.0 : 100.0 * (double)part / (double)whole;
}

static void
head(struct buf *b, const struct report_page *pg)
{
	const char *who = pg->pol->provider != NULL ? pg->pol->provider : "";
	char	*a = pg->from > 0 ? local(pg, pg->from) : xstrdup("the beginning");
	char	*z = pg->to < INT64_MAX ? local(pg, pg->to) : local(pg, pg->now);
	char	*made = local(pg, pg->now);

	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
	    "charset=\"utf-8\">\n<title>Maintenance report \xe2\x80\x94 ");
	html_escape(b, who);
	buf_adds(b, "</title>\n<style>");
	buf_adds(b, css);
	buf_adds(b, "</style>\n</head>\n<body>\n<header><h1>Maintenance "
	    "report</h1><p class=\"meta\">");
	html_escape(b, who);
	if (pg->pol->calendar.account != NULL) {
		buf_adds(b, " \xc2\xb7 agreement ");
		html_escape(b, pg->pol->calendar.account);
	}
	buf_adds(b, "</p><p class=\"meta\">Period: <strong id=\"period\">");
	html_escapef(b, "%s \xe2\x80\x93 %s", a, z);
	buf_adds(b, "</strong>; times in ");
	html_escape(b, pg->pol->timezone);
	buf_adds(b, ". Made ");
	html_escapef(b, "%s%s", made, pg->simulated ? " (simulated clock)" : "");
	buf_adds(b, ".</p></header>\n");
	free(a);
	free(z);
	free(made);
}

static void
fig(struct buf *b, const char *name, const char *cls, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
fig(struct buf *b, const char *name, const char *cls, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	buf_adds(b, "<tr><td>");
	html_escape(b, name);
	buf_addf(b, "</td><td class=\"n%s%s\">", *cls != '\0' ? " " : "", cls);
	html_escape(b, s);
	buf_adds(b, "</td></tr>\n");
	free(s);
}

static void
figures(struct buf *b, const struct report_page *pg)
{
	const struct report *r = pg->rep;
	char	*d = dur_human(r->mean_duration), *p = dur_human(r->mean_planned);

	buf_adds(b, "<section><h2>Figures</h2><table class=\"figures\" "
	    "id=\"figures\">\n");
	fig(b, "Changes run", "", "%zu", r->n);
	fig(b, "Completed", "ok", "%zu", r->completed);
	fig(b, "Rolled back", r->rolled_back ? "bad" : "", "%zu", r->rolled_back);
	fig(b, "Failed", r->failed ? "bad" : "", "%zu", r->failed);
	fig(b, "Deferred by their precheck", "", "%zu", r->deferred);
	fig(b, "Run inside their window", "", "%.1f%%", pct(r->inside, r->n));
	fig(b, "Notice held", "", "%.1f%%", pct(r->notice, r->n));
	fig(b, "Mean duration (planned)", "", "%s (%s)", d, p);
	fig(b, "Verification latency p50 / p95", "", "%lld ms / %lld ms",
	    (long long)r->p50_ms, (long long)r->p95_ms);
	fig(b, "Emergency changes", "", "%zu", r->emergencies);
	fig(b, "Break-glass changes", r->break_glass ? "bad" : "", "%zu",
	    r->break_glass);
	fig(b, "Missed slots", r->nmissed ? "bad" : "", "%zu", r->nmissed);
	fig(b, "Rolled back, not verified after", r->unverified ? "bad" : "",
	    "%zu", r->unverified);
	buf_adds(b, "</table></section>\n");
	free(d);
	free(p);
}

static void
availability(struct buf *b, const struct report_page *pg)
{
	const struct budget_row *r;
	char	*v[4];
	size_t	 i, k;
	int64_t	 used;
	double	 w, over;

	if (pg->pol->navailability == 0)
		return;
	buf_adds(b, "<section><h2>Availability (clause 3.1)</h2><table "
	    "id=\"availability\"><tr><th>System</th><th>Target</th><th>Period"
	    "</th><th>Budget</th><th>Planned</th><th>Actual</th><th>Left</th>"
	    "<th>Availability</th><th></th></tr>\n");
	for (i = 0; i < pg->navail; i++) {
		r = &pg->avail[i];
		v[0] = budget_minutes(r->budget);
		v[1] = budget_minutes(r->planned);
		v[2] = budget_minutes(r->actual);
		v[3] = budget_minutes(r->left);
		used = r->budget - r->left;
		w = r->budget > 0 ? 100.0 * (double)used / (double)r->budget : 0;
		over = w > 100 ? 100 : 0;
		buf_adds(b, "<tr><td>");
		html_escape(b, r->system);
		buf_adds(b, "</td><td>");
		html_escape(b, pg->pol->availability[r->target].target);
		buf_adds(b, "</td><td>");
		html_escape(b, r->period.label);
		for (k = 0; k < 4; k++) {
			buf_addf(b, "</td><td class=\"n%s\">", k == 3 && r->left < 0 ?
			    " bad" : "");
			html_escape(b, v[k]);
			free(v[k]);
		}
		buf_addf(b, "</td><td class=\"n%s\">%.4f%%</td><td><div class=\"bar\" "
		    "title=\"%.0f%% of the budget\"><div class=\"%s\" "
		    "style=\"width:%.1f%%\"></div></div></td></tr>\n",
		    r->left < 0 ? " bad" : "", r->availability, w,
		    over > 0 ? "over" : "planned", w > 100 ? 100.0 : w);
	}
	buf_adds(b, "</table></section>\n");
}

static void
records(struct buf *b, const struct report_page *pg)
{
	const struct report *r = pg->rep;
	const struct report_row *w;
	char	*t;
	size_t	 i;

	buf_addf(b, "<section><h2>Maintenance records</h2><table "
	    "id=\"records\"><tr><th>When</th><th>Change</th><th>Outcome</th>"
	    "<th>Problem and resolution</th><th>Operator</th></tr>\n");
	for (i = 0; i < r->n; i++) {
		w = &r->rows[i];
		t = local(pg, w->started);
		buf_addf(b, "<tr class=\"%s\"><td>", w->outcome);
		html_escape(b, t);
		buf_adds(b, "</td><td>");
		html_escape(b, w->title);
		buf_adds(b, "<br><small>");
		html_escape(b, w->plan);
		if (w->emergency)
			buf_adds(b, " \xc2\xb7 emergency");
		buf_adds(b, "</small></td><td>");
		html_escape(b, w->outcome);
		buf_adds(b, "</td><td>");
		if (w->problem != NULL) {
			buf_adds(b, "<strong>Problem:</strong> ");
			html_escape(b, w->problem);
		}
		if (w->resolution != NULL) {
			buf_adds(b, w->problem != NULL ? "<br>" : "");
			buf_adds(b, "<strong>Resolution:</strong> ");
			html_escape(b, w->resolution);
		}
		buf_adds(b, "</td><td>");
		html_escape(b, w->operator);
		buf_adds(b, "</td></tr>\n");
		free(t);
	}
	if (r->n == 0)
		buf_adds(b, "<tr><td colspan=\"5\">No change ran in the period."
		    "</td></tr>\n");
	buf_adds(b, "</table></section>\n");
}

static void
advice(struct buf *b, const struct report_page *pg)
{
	size_t	 i;

	buf_adds(b, "<section><h2>Recommendations (clause 4.3)</h2>");
	if (pg->advice == NULL || pg->advice->n == 0) {
		buf_adds(b, "<p id=\"advice\">None: nothing in the period's "
		    "figures asks for a change.</p></section>\n");
		return;
	}
	buf_adds(b, "<ol class=\"advice\" id=\"advice\">\n");
	for (i = 0; i < pg->advice->n; i++) {
		buf_adds(b, "<li><strong>");
		html_escape(b, pg->advice->v[i].text);
		buf_adds(b, "</strong><br><span class=\"action\">Suggested: ");
		html_escape(b, pg->advice->v[i].action);
		buf_adds(b, "</span></li>\n");
	}
	buf_adds(b, "</ol></section>\n");
}

static void
proof(struct buf *b, const struct report_page *pg)
{
	buf_addf(b, "<section><h2>Proof</h2><p id=\"audit\">The trail of the "
	    "period was replayed against the rules the server enforces "
	    "(offpeak audit): %zu state commit%s checked, <span class=\"%s\">%zu "
	    "violation%s</span>. ", pg->audit_commits, pg->audit_commits == 1 ?
	    "" : "s", pg->audit_violations ? "bad" : "ok", pg->audit_violations,
	    pg->audit_violations == 1 ? "" : "s");
	if (pg->audit_first != NULL) {
		buf_adds(b, "The first: ");
		html_escape(b, pg->audit_first);
		buf_adds(b, ". ");
	}
	buf_adds(b, "This report was made from state commit <code>");
	html_escape(b, *pg->state_commit != '\0' ? pg->state_commit : "(none)");
	buf_adds(b, "</code>.</p></section>\n");
}

char *
report_html(const struct report_page *pg, size_t *len)
{
	struct buf b = BUF_INIT;

	buf_init(&b);
	head(&b, pg);
	buf_adds(&b, "<main>\n");
	figures(&b, pg);
	availability(&b, pg);
	if (pg->timeline != NULL) {
		buf_adds(&b, "<section class=\"tl\"><h2>Timeline of the period"
		    "</h2>");
		buf_adds(&b, pg->timeline);
		buf_adds(&b, "</section>\n");
	}
	records(&b, pg);
	advice(&b, pg);
	proof(&b, pg);
	buf_adds(&b, "</main>\n<footer>offpeak " PACKAGE_VERSION "</footer>\n"
	    "</body>\n</html>\n");
	return buf_detach(&b, len);
}
