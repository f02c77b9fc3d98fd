/* statuspage: the status page a person reads, and the same data as JSON */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "datetime.h"
#include "jsonx.h"
#include "notice.h"
#include "policy.h"
#include "schedule.h"
#include "state.h"
#include "statuspage.h"
#include "redact.h"
#include "tz.h"
#include "util.h"
#include "window.h"

enum section { SEC_NONE, SEC_UPCOMING, SEC_RUNNING, SEC_RECENT };

/* One change on the page. */
struct item {
	const struct plan_state *ps;
	struct notice_view view;
	enum section sec;
	const char *outcome;		/* recent: what became of it */
	int	 cancelled;
	const struct tz *tz;		/* the slot's zone, or NULL: UTC */
	const char *zone;
};

/* A window or a freeze with its occurrences in the coming weeks. */
struct span_list {
	const char *name;
	char	*const *groups;		/* NULL: every group */
	const char *zone;
	const struct tz *tz;
	struct interval *iv;
	size_t	 n;
	int	 external;		/* a freeze published as a calendar */
};

struct page {
	const struct statuspage_input *in;
	struct item *items;
	size_t	 nitems;
	struct span_list *wins, *frz;
	size_t	 nwins, nfrz;
	const struct tz *home;		/* the policy's zone */
};

static const char *const wdays[] = {
	"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"
};

/* --- text */

void
html_escape(struct buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		case '\n': case '\t': buf_addc(b, ' '); break;
		default:
			/* control characters (and so the host marker) never pass */
			if ((unsigned char)*s >= 0x20 && *s != 0x7f)
				buf_addc(b, *s);
			break;
		}
	}
}

void
html_escapef(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	html_escape(b, s);
	free(s);
}

/* "Thu 2026-12-03 01:00" and the zone's abbreviation then. */
static const char *
local(int64_t t, const struct tz *tz, char *out, size_t size, int with_day)
{
	struct civil c;
	int64_t	 days;

	if (tz != NULL)
		tz_utc_to_local(tz, t, &c, NULL);
	else
		utc_to_civil(t, &c);
	days = civil_to_utc(&c) / 86400 - (civil_to_utc(&c) % 86400 < 0);
	if (with_day)
		snprintf(out, size, "%s %04d-%02d-%02d %02d:%02d",
		    wdays[((days % 7) + 7) % 7], c.year, c.month, c.day, c.hour,
		    c.minute);
	else
		snprintf(out, size, "%02d:%02d", c.hour, c.minute);
	return tz != NULL ? tz_abbr_at(tz, t) : "UTC";
}

/* A span for people: one day "Thu 2026-12-03 01:00–02:30 CET", else both ends. */
static char *
span_text(int64_t start, int64_t end, const struct tz *tz)
{
	char	 a[64], b[64], bd[64];
	const char *za, *zb;

	za = local(start, tz, a, sizeof a, 1);
	zb = local(end, tz, bd, sizeof bd, 1);
	if (strncmp(a, bd, 14) == 0 && strcmp(za, zb) == 0) {
		local(end, tz, b, sizeof b, 0);
		return xasprintf("%s\xe2\x80\x93%s %s", a, b, za);
	}
	return xasprintf("%s %s \xe2\x80\x93 %s %s", a, za, bd, zb);
}

static char *
when_text(int64_t t, const struct tz *tz)
{
	char	 a[64];
	const char *z = local(t, tz, a, sizeof a, 1);

	return xasprintf("%s %s", a, z);
}

/* A countdown for people, to the minute: "2 days 3 h", "5 h 20 min", "4 min". */
static char *
countdown(int64_t secs)
{
	int64_t	 m = (secs + 59) / 60, d = m / 1440, h = m / 60 % 24;

	if (d >= 2)
		return h != 0 ? xasprintf("%lld days %lld h", (long long)d,
		    (long long)h) : xasprintf("%lld days", (long long)d);
	if (m >= 60)
		return m % 60 != 0 ? xasprintf("%lld h %lld min", (long long)(m / 60),
		    (long long)(m % 60)) : xasprintf("%lld h", (long long)(m / 60));
	return xasprintf("%lld min", (long long)m);
}

static char *
rfc3339(int64_t t, const struct tz *tz)
{
	return tz != NULL ? dt_format_offset(t, tz_offset_at(tz, t)) :
	    dt_format_utc(t);
}

/* --- what the page shows */

static const char *
outcome_of(const struct plan_state *ps, int *cancelled)
{
	*cancelled = 0;
	switch (ps->status) {
	case ST_COMPLETED:
		return "completed";
	case ST_ROLLED_BACK:
		return "rolled back";
	case ST_FAILED:
		return "failed";
	case ST_SCHEDULED:
		return "missed (its slot ended without a run)";
	case ST_SUPERSEDED:
		*cancelled = 1;
		return "cancelled (the plan changed)";
	case ST_EXPIRED:
		*cancelled = 1;
		return "cancelled (no slot before its deadline)";
	default:
		*cancelled = 1;
		return "cancelled";
	}
}

static void
classify(struct page *pg, struct item *it)
{
	const struct plan_state *ps = it->ps;
	int64_t	 now = pg->in->now;
	char	*cause = NULL;

	it->zone = ps->slot.timezone != NULL ? ps->slot.timezone :
	    pg->in->pol->timezone;
	if (it->zone == NULL || (it->tz = tz_get(it->zone, &cause)) == NULL)
		it->zone = "UTC";
	free(cause);
	if (strcmp(it->view.maintnote, "IN-PROCESS") == 0)
		it->sec = SEC_RUNNING;
	else if (strcmp(it->view.status, "CANCELLED") != 0 &&
	    strcmp(it->view.maintnote, "COMPLETED") != 0 &&
	    ps->status == ST_SCHEDULED && ps->slot.end > now)
		it->sec = SEC_UPCOMING;
	else {
		it->sec = SEC_RECENT;
		it->outcome = outcome_of(ps, &it->cancelled);
		if (it->view.outcome != NULL &&
		    strcmp(it->view.outcome, "missed") == 0) {
			it->cancelled = 0;
			it->outcome = "missed (its slot ended without a run)";
		} else if (strcmp(it->view.status, "CANCELLED") == 0 &&
		    !it->cancelled) {
			it->cancelled = 1;
			it->outcome = "cancelled";
		}
	}
}

static int
item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int64_t	 p, q;

	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	/* upcoming and running soonest first; recent latest first */
	p = x->ps->slot.start;
	q = y->ps->slot.start;
	if (x->sec == SEC_RECENT) {
		p = -(x->ps->updated_at);
		q = -(y->ps->updated_at);
	}
	if (p != q)
		return p < q ? -1 : 1;
	return strcmp(x->ps->id, y->ps->id);
}

static void
collect_items(struct page *pg)
{
	const struct state *st = pg->in->st;
	struct item *it;
	size_t	 i;

	pg->items = xcalloc(st->n + 1, sizeof *pg->items);
	for (i = 0; i < st->n; i++) {
		it = &pg->items[pg->nitems];
		it->ps = st->items[i];
		if (!notice_view(it->ps, pg->in->pol, pg->in->now, &it->view))
			continue;
		classify(pg, it);
		pg->nitems++;
	}
	array_sort(pg->items, pg->nitems, sizeof *pg->items, item_cmp);
}

static void
span_setup(struct span_list *s, const char *name, char *const *groups,
    const char *zone)
{
	char	*cause = NULL;

	s->name = name;
	s->groups = groups;
	s->zone = zone != NULL ? zone : "UTC";
	s->tz = tz_get(s->zone, &cause);
	free(cause);
	if (s->tz == NULL)
		s->zone = "UTC";
}

/* An event of a freeze published as a calendar, read from its cached copy. */
static void
add_extra(struct page *pg, const struct extra_freeze *e)
{
	struct span_list *s;

	if (e->freeze >= pg->nfrz || e->end <= pg->in->now ||
	    e->start >= pg->in->now + STATUSPAGE_AHEAD)
		return;
	s = &pg->frz[e->freeze];
	s->iv = xreallocarray(s->iv, s->n + 1, sizeof *s->iv);
	s->iv[s->n].start = e->start;
	s->iv[s->n].end = e->end;
	s->n++;
}

static int
collect_spans(struct page *pg, char **cause)
{
	const struct policy *pol = pg->in->pol;
	const struct freeze_def *f;
	int64_t	 from = pg->in->now, to = from + STATUSPAGE_AHEAD;
	size_t	 i;

	pg->wins = xcalloc(pol->nwindows + 1, sizeof *pg->wins);
	for (i = 0; i < pol->nwindows; i++, pg->nwins++) {
		span_setup(&pg->wins[i], pol->windows[i].name,
		    pol->windows[i].groups, pol->windows[i].timezone != NULL ?
		    pol->windows[i].timezone : pol->timezone);
		if (window_expand(&pol->windows[i], from, to, &pg->wins[i].iv,
		    &pg->wins[i].n, cause) != 0)
			return -1;
	}
	pg->frz = xcalloc(pol->nfreezes + 1, sizeof *pg->frz);
	for (i = 0; i < pol->nfreezes; i++, pg->nfrz++) {
		f = &pol->freezes[i];
		span_setup(&pg->frz[i], f->name, f->groups, f->timezone != NULL ?
		    f->timezone : pol->timezone);
		pg->frz[i].external = f->kind == FREEZE_URL;
		if (freeze_expand(f, from, to, &pg->frz[i].iv, &pg->frz[i].n,
		    cause) != 0)
			return -1;
	}
	for (i = 0; i < pg->in->nextra; i++)
		add_extra(pg, &pg->in->extra[i]);
	return 0;
}

static void
page_release(struct page *pg)
{
	size_t	 i;

	for (i = 0; i < pg->nwins; i++)
		free(pg->wins[i].iv);
	for (i = 0; i < pg->nfrz; i++)
		free(pg->frz[i].iv);
	free(pg->wins);
	free(pg->frz);
	free(pg->items);
}

/* --- HTML */

#define MAX_SHOWN	40	/* occurrences listed per window or freeze */

static const char css[] =
    "body{font:15px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
    "margin:0;color:#1d2430;background:#f4f5f7}"
    "header{background:#1d2430;color:#fff;padding:1rem 1.5rem}"
    "header h1{margin:0;font-size:1.45rem}"
    "header p{margin:.3rem 0 0;color:#c9d1dc}"
    "main{max-width:76rem;margin:0 auto;padding:0 1.5rem 2rem}"
    "h2{font-size:1.15rem;margin:1.8rem 0 .6rem}"
    "h3{font-size:1rem;margin:1.2rem 0 .4rem}"
    "table{border-collapse:collapse;width:100%;background:#fff;"
    "box-shadow:0 1px 2px rgba(0,0,0,.1)}"
    "th,td{text-align:left;vertical-align:top;padding:.5rem .65rem;"
    "border-bottom:1px solid #e4e7eb}"
    "th{font-size:.78rem;text-transform:uppercase;letter-spacing:.03em;"
    "color:#5b6575;background:#fafbfc}"
    ".id{font:12px ui-monospace,Menlo,Consolas,monospace;color:#5b6575}"
    ".bg{font-size:12px;font-weight:600;color:#a4161a}"
    ".badge{display:inline-block;padding:.05rem .5rem;border-radius:.7rem;"
    "font-size:.8rem;font-weight:600;white-space:nowrap}"
    ".tentative{background:#fff1c7;color:#6e5100}"
    ".confirmed,.completed{background:#d8f1e0;color:#14592a}"
    ".rolled-back,.not-run{background:#ffe3cc;color:#7f3d00}"
    ".failed{background:#fddcdc;color:#8f1919}"
    ".cancelled{background:#e3e5e9;color:#3d424a}"
    ".running{background:#d9e7ff;color:#1b46c2}"
    "tr.is-cancelled td{color:#6b7280}"
    "tr.is-cancelled .title{text-decoration:line-through}"
    ".risk-high{color:#8f1919;font-weight:600}.risk-medium{color:#7f3d00}"
    ".risk-low{color:#14592a}"
    "small,.muted{color:#5b6575}.nw{white-space:nowrap}"
    "ul.spans{list-style:none;padding:0;margin:0}"
    "ul.spans li{background:#fff;margin:.4rem 0;padding:.55rem .7rem;"
    "box-shadow:0 1px 2px rgba(0,0,0,.1)}"
    ".occ{display:inline-block;margin:.2rem .35rem 0 0;padding:.05rem .45rem;"
    "background:#eef1f5;border-radius:.3rem;font-size:.85rem}"
    ".occ.now{background:#d9e7ff;font-weight:600}"
    ".occ.frozen{text-decoration:line-through;color:#7b818b}"
    "ul.feeds li{margin:.25rem 0}"
    "footer{margin-top:2rem;font-size:.8rem;color:#5b6575}"
    ".tl{background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.1);margin-top:1rem;"
    "overflow-x:auto}.tl svg{display:block;max-width:100%;height:auto}"
    "tr:target{outline:2px solid #1b46c2}"
    ".budget{display:flex;width:9rem;height:.75rem;background:#d8f1e0;"
    "border-radius:.2rem;overflow:hidden}.budget .spent{background:#d03b33}"
    ".budget .planned{background:#e09a20}tr.over td{color:#8f1919}";

static void
add_list(struct buf *b, char *const *v, const char *none)
{
	size_t	 i;

	for (i = 0; v != NULL && v[i] != NULL; i++) {
		buf_adds(b, i != 0 ? ", <span class=\"nw\">" : "<span class=\"nw\">");
		html_escape(b, v[i]);
		buf_adds(b, "</span>");
	}
	if (i == 0)
		html_escape(b, none);
}

static void
add_change(struct buf *b, const struct plan_state *ps)
{
	char	*bg;

	buf_adds(b, "<td><span class=\"title\">");
	if (ps->risk.emergency || (ps->snap.type != NULL &&
	    strcmp(ps->snap.type, "emergency") == 0))
		buf_adds(b, "[EMERGENCY] ");
	html_escape(b, ps->snap.title != NULL ? ps->snap.title : ps->id);
	buf_adds(b, "</span><br><span class=\"id\">");
	html_escape(b, ps->id);
	buf_adds(b, "</span>");
	if ((bg = state_break_glass_text(ps)) != NULL) {
		buf_adds(b, "<br><span class=\"bg\">");
		html_escape(b, bg);
		buf_adds(b, "</span>");
		free(bg);
	}
	buf_adds(b, "</td>");
}

/* A span of time that breaks only between its two ends. */
static void
add_span_html(struct buf *b, const char *text)
{
	const char *sep = strstr(text, " \xe2\x80\x93 ");
	char	*first;

	buf_adds(b, "<span class=\"nw\">");
	if (sep == NULL)
		html_escape(b, text);
	else {
		first = xstrndup(text, (size_t)(sep - text));
		html_escape(b, first);
		free(first);
		buf_adds(b, " \xe2\x80\x93</span><br><span class=\"nw\">");
		html_escape(b, sep + 5);
	}
	buf_adds(b, "</span>");
}

/* The slot in local time, its zone and a note (may be NULL) below. */
static void
add_when(struct buf *b, const struct item *it, const char *note)
{
	char	*s = span_text(it->ps->slot.start, it->ps->slot.end, it->tz);

	buf_adds(b, "<td>");
	add_span_html(b, s);
	free(s);
	buf_adds(b, "<br><small>");
	html_escape(b, it->zone);
	if (note != NULL) {
		buf_adds(b, "<br>");
		html_escape(b, note);
	}
	buf_adds(b, "</small></td>");
}

static void
add_notice(struct buf *b, const struct page *pg, const struct item *it)
{
	int64_t	 held = it->ps->published_at + it->ps->risk.notice;
	char	*when = when_text(held, it->tz), *left;

	if (pg->in->now < held) {
		left = countdown(held - pg->in->now);
		html_escapef(b, "complete in %s", left);
		free(left);
	} else
		html_escape(b, "complete");
	buf_adds(b, "<br><small>");
	html_escapef(b, "%s %s", pg->in->now < held ? "on" : "since", when);
	buf_adds(b, "</small>");
	free(when);
}

/* "reduced-redundancy" as words, so that it wraps like text. */
static void
add_impact(struct buf *b, const char *impact)
{
	char	*s = xstrdup(impact != NULL ? impact : "-"), *p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '-' && p != s)
			*p = ' ';
	}
	html_escape(b, s);
	free(s);
}

static void
upcoming_row(struct buf *b, const struct page *pg, const struct item *it)
{
	const struct plan_state *ps = it->ps;
	char	*s, *left;

	if (ps->slot.start > pg->in->now) {
		left = countdown(ps->slot.start - pg->in->now);
		s = xasprintf("starts in %s", left);
		free(left);
	} else
		s = xstrdup("its slot is open now");
	buf_addf(b, "<tr id=\"change-%s\">", it->ps->id);
	add_when(b, it, s);
	free(s);
	add_change(b, ps);
	buf_addf(b, "<td><span class=\"risk-%s\">", ps->risk.level != NULL &&
	    (strcmp(ps->risk.level, "high") == 0 || strcmp(ps->risk.level,
	    "medium") == 0 || strcmp(ps->risk.level, "low") == 0) ?
	    ps->risk.level : "other");
	html_escape(b, ps->risk.level != NULL ? ps->risk.level : "-");
	buf_adds(b, "</span></td><td>");
	add_impact(b, ps->snap.impact);
	buf_adds(b, "</td><td>");
	add_list(b, ps->snap.systems, "-");
	buf_addf(b, "</td><td><span class=\"badge %s\">%s</span></td><td class=\"nw\">",
	    strcmp(it->view.status, "CONFIRMED") == 0 ? "confirmed" : "tentative",
	    strcmp(it->view.status, "CONFIRMED") == 0 ? "Confirmed" : "Tentative");
	add_notice(b, pg, it);
	buf_adds(b, "</td></tr>\n");
}

static const char *
outcome_class(const struct item *it)
{
	if (it->cancelled)
		return "cancelled";
	switch (it->ps->status) {
	case ST_COMPLETED:
		return "completed";
	case ST_ROLLED_BACK:
		return "rolled-back";
	case ST_FAILED:
		return "failed";
	default:
		return "not-run";
	}
}

static void
recent_row(struct buf *b, const struct page *pg, const struct item *it)
{
	const struct policy *pol = pg->in->pol;
	char	*shown;
	buf_addf(b, "<tr id=\"change-%s\"%s>", it->ps->id, it->cancelled ?
	    " class=\"is-cancelled\"" : "");
	add_when(b, it, NULL);
	add_change(b, it->ps);
	buf_addf(b, "<td><span class=\"badge %s\">", outcome_class(it));
	html_escape(b, it->cancelled ? "Cancelled" : it->outcome);
	buf_adds(b, "</span>");
	if (it->cancelled && strcmp(it->outcome, "cancelled") != 0) {
		buf_adds(b, "<br><small>");
		html_escape(b, it->outcome);
		buf_adds(b, "</small>");
	}
	if (it->ps->reason != NULL) {
		shown = redact_text(pol->redactor, it->ps->reason);
		buf_adds(b, "<br><small>");
		html_escape(b, shown);
		buf_adds(b, "</small>");
		free(shown);
	}
	buf_adds(b, "</td><td>");
	add_list(b, it->ps->snap.systems, "-");
	buf_adds(b, "</td></tr>\n");
}

static void
running_row(struct buf *b, const struct item *it)
{
	buf_addf(b, "<tr id=\"change-%s\">", it->ps->id);
	add_when(b, it, NULL);
	add_change(b, it->ps);
	buf_adds(b, "<td><span class=\"badge running\">");
	html_escape(b, status_names[it->ps->status]);
	buf_adds(b, "</span></td><td>");
	add_list(b, it->ps->snap.systems, "-");
	buf_adds(b, "</td></tr>\n");
}

static size_t
count(const struct page *pg, enum section sec)
{
	size_t	 i, n = 0;

	for (i = 0; i < pg->nitems; i++)
		n += pg->items[i].sec == sec;
	return n;
}

static void
html_changes(struct buf *b, const struct page *pg)
{
	size_t	 i;

	buf_adds(b, "<section id=\"upcoming\"><h2>Upcoming changes</h2>\n");
	if (count(pg, SEC_UPCOMING) == 0)
		buf_adds(b, "<p class=\"muted\">No change is scheduled.</p>\n");
	else {
		buf_adds(b, "<table><thead><tr><th>When</th><th>Change</th>"
		    "<th>Risk</th><th>Impact</th><th>Systems</th><th>State</th>"
		    "<th>Notice period</th></tr></thead><tbody>\n");
		for (i = 0; i < pg->nitems; i++) {
			if (pg->items[i].sec == SEC_UPCOMING)
				upcoming_row(b, pg, &pg->items[i]);
		}
		buf_adds(b, "</tbody></table>\n");
	}
	buf_adds(b, "</section>\n<section id=\"running\"><h2>Running now</h2>\n");
	if (count(pg, SEC_RUNNING) == 0)
		buf_adds(b, "<p class=\"muted\">No change is running.</p>\n");
	else {
		buf_adds(b, "<table><thead><tr><th>When</th><th>Change</th>"
		    "<th>Phase</th><th>Systems</th></tr></thead><tbody>\n");
		for (i = 0; i < pg->nitems; i++) {
			if (pg->items[i].sec == SEC_RUNNING)
				running_row(b, &pg->items[i]);
		}
		buf_adds(b, "</tbody></table>\n");
	}
	buf_adds(b, "</section>\n<section id=\"recent\"><h2>Recent changes</h2>\n");
	if (count(pg, SEC_RECENT) == 0)
		buf_adds(b, "<p class=\"muted\">Nothing recent.</p>\n");
	else {
		buf_adds(b, "<table><thead><tr><th>When</th><th>Change</th>"
		    "<th>Outcome</th><th>Systems</th></tr></thead><tbody>\n");
		for (i = 0; i < pg->nitems; i++) {
			if (pg->items[i].sec == SEC_RECENT)
				recent_row(b, pg, &pg->items[i]);
		}
		buf_adds(b, "</tbody></table>\n");
	}
	buf_adds(b, "</section>\n");
}

static int
groups_meet(char *const *a, char *const *b)
{
	size_t	 i, j;

	if (a == NULL || b == NULL)
		return 1;	/* every group */
	for (i = 0; a[i] != NULL; i++) {
		for (j = 0; b[j] != NULL; j++) {
			if (strcmp(a[i], b[j]) == 0)
				return 1;
		}
	}
	return 0;
}

/* The freeze that falls on an occurrence of a window, or NULL. */
static const char *
frozen_by(const struct page *pg, const struct span_list *w,
    const struct interval *iv)
{
	const struct span_list *f;
	size_t	 i, k;

	for (i = 0; i < pg->nfrz; i++) {
		f = &pg->frz[i];
		if (!groups_meet(f->groups, w->groups))
			continue;
		for (k = 0; k < f->n; k++) {
			if (f->iv[k].start < iv->end && iv->start < f->iv[k].end)
				return f->name;
		}
	}
	return NULL;
}

static void
html_span_list(struct buf *b, const struct page *pg,
    const struct span_list *v, size_t n, int windows)
{
	const char *frozen;
	const struct span_list *s;
	size_t	 i, k;
	char	*t;

	buf_adds(b, "<ul class=\"spans\">\n");
	for (i = 0; i < n; i++) {
		s = &v[i];
		buf_adds(b, "<li><strong>");
		html_escape(b, s->name);
		buf_adds(b, "</strong> <small>(");
		add_list(b, s->groups, "every group");
		buf_adds(b, "; ");
		html_escape(b, s->zone);
		buf_adds(b, ")</small><br>");
		if (s->n == 0)
			buf_adds(b, s->external ? "<span class=\"muted\">none "
			    "in the cached copy of its calendar</span>" :
			    "<span class=\"muted\">none</span>");
		for (k = 0; k < s->n && k < MAX_SHOWN; k++) {
			t = span_text(s->iv[k].start, s->iv[k].end, s->tz);
			frozen = windows ? frozen_by(pg, s, &s->iv[k]) : NULL;
			buf_addf(b, "<span class=\"occ%s%s\"", s->iv[k].start <=
			    pg->in->now && pg->in->now < s->iv[k].end ? " now" : "",
			    frozen != NULL ? " frozen" : "");
			if (frozen != NULL) {
				buf_adds(b, " title=\"");
				html_escapef(b, "freeze %s", frozen);
				buf_adds(b, "\"");
			}
			buf_addc(b, '>');
			html_escape(b, t);
			buf_adds(b, "</span>");
			free(t);
		}
		if (s->n > MAX_SHOWN)
			buf_addf(b, " <small>and %zu more</small>", s->n - MAX_SHOWN);
		buf_adds(b, "</li>\n");
	}
	buf_adds(b, "</ul>\n");
}

static void
html_spans(struct buf *b, const struct page *pg)
{
	buf_addf(b, "<section id=\"windows\"><h2>Off-peak windows and freezes, "
	    "next %d weeks</h2>\n<h3>Windows</h3>\n", STATUSPAGE_AHEAD / 86400 / 7);
	if (pg->nwins == 0)
		buf_adds(b, "<p class=\"muted\">No window.</p>\n");
	else {
		buf_adds(b, "<p class=\"muted\">Changes run only inside these "
		    "windows. <span class=\"occ frozen\">Struck through</span>: "
		    "a freeze falls on it for some of its groups.</p>\n");
		html_span_list(b, pg, pg->wins, pg->nwins, 1);
	}
	buf_adds(b, "<h3>Freezes</h3>\n");
	if (pg->nfrz == 0)
		buf_adds(b, "<p class=\"muted\">No freeze.</p>\n");
	else
		html_span_list(b, pg, pg->frz, pg->nfrz, 0);
	buf_adds(b, "</section>\n");
}

/* "All changes", "System web-1", "Group db", "Windows and freezes". */
static void
feed_label(struct buf *b, const char *path)
{
	const char *slash = strchr(path, '/');
	char	*name;

	if (strcmp(path, NOTICE_ALL) == 0)
		buf_adds(b, "All changes");
	else if (strcmp(path, NOTICE_WINDOWS) == 0)
		buf_adds(b, "Off-peak windows and freezes");
	else if (slash != NULL && str_endswith(path, ".ics")) {
		name = xstrndup(slash + 1, strlen(slash + 1) - 4);
		html_escapef(b, "%s %s", strncmp(path, "groups/", 7) == 0 ?
		    "Group" : "System", name);
		free(name);
	} else
		html_escape(b, path);
}

static void
subscribe_link(struct buf *b, const char *path)
{
	buf_adds(b, "<li><a href=\"webcal://");
	buf_addc(b, STATUSPAGE_HOST);
	buf_adds(b, "/calendar/");
	html_escape(b, path);
	buf_adds(b, "\">");
	feed_label(b, path);
	buf_adds(b, "</a> <small>(<a href=\"/calendar/");
	html_escape(b, path);
	buf_adds(b, "\">");
	html_escape(b, path);
	buf_adds(b, "</a>)</small></li>\n");
}

static void
html_subscribe(struct buf *b, const struct page *pg)
{
	char	*const *f = pg->in->feeds;
	size_t	 i;
	int	 pass;

	buf_adds(b, "<section id=\"subscribe\"><h2>Subscribe</h2>\n");
	if (f == NULL || *f == NULL) {
		buf_adds(b, "<p class=\"muted\">Public calendar feeds are switched "
		    "off. Subscribers use the private address they were "
		    "given.</p>\n</section>\n");
		return;
	}
	buf_adds(b, "<p>Add a feed to your calendar application; it follows "
	    "every change, move and cancellation.</p>\n<ul class=\"feeds\">\n");
	/* all.ics and windows.ics first, then groups and systems */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; f[i] != NULL; i++) {
			if ((strchr(f[i], '/') == NULL) == (pass == 0))
				subscribe_link(b, f[i]);
		}
	}
	buf_adds(b, "</ul>\n</section>\n");
}

/*
 * The availability budgets of this period (clause 3.1): a row and a bar
 * per system and target: what is spent (measured by runs), what is
 * planned, what is left.
 */
static void
html_avail(struct buf *b, const struct page *pg)
{
	const struct statuspage_input *in = pg->in;
	const struct budget_row *r;
	char	*v[4];
	double	 spent, planned;
	size_t	 i, k;

	if (in->navail == 0)
		return;
	buf_adds(b, "<section><h2>Availability this period</h2><table "
	    "class=\"avail\"><tr><th>System</th><th>Target</th><th>Period</th>"
	    "<th>Budget</th><th>Spent</th><th>Planned</th><th>Left</th>"
	    "<th></th></tr>\n");
	for (i = 0; i < in->navail; i++) {
		r = &in->avail[i];
		v[0] = budget_minutes(r->budget);
		v[1] = budget_minutes(r->actual);
		v[2] = budget_minutes(r->planned);
		v[3] = budget_minutes(r->left);
		spent = r->budget > 0 ? 100.0 * (double)r->actual /
		    (double)r->budget : 0;
		planned = r->budget > 0 ? 100.0 * (double)(r->planned >
		    r->actual ? r->planned - r->actual : 0) / (double)r->budget : 0;
		if (spent > 100)
			spent = 100;
		if (spent + planned > 100)
			planned = 100 - spent;
		buf_addf(b, "<tr%s><td>", r->left < 0 ? " class=\"over\"" : "");
		html_escape(b, r->system);
		buf_adds(b, "</td><td>");
		html_escape(b, in->pol->availability[r->target].target);
		buf_adds(b, "</td><td>");
		html_escape(b, r->period.label);
		for (k = 0; k < 4; k++) {
			buf_adds(b, "</td><td class=\"nw\">");
			html_escape(b, v[k]);
			free(v[k]);
		}
		buf_addf(b, "</td><td><div class=\"budget\" title=\"spent, "
		    "planned, left\"><div class=\"spent\" style=\"width:%.1f%%\">"
		    "</div><div class=\"planned\" style=\"width:%.1f%%\"></div>"
		    "</div></td></tr>\n", spent, planned);
	}
	buf_adds(b, "</table></section>\n");
}

static void
html_page(struct buf *b, const struct page *pg)
{
	const struct statuspage_input *in = pg->in;
	const char *name = in->pol->calendar.name != NULL ?
	    in->pol->calendar.name : "Maintenance";
	char	*now = when_text(in->now, pg->home), *t;

	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n<title>");
	html_escape(b, name);
	buf_adds(b, " \xe2\x80\x94 maintenance status</title>\n<style>");
	buf_adds(b, css);
	buf_adds(b, "</style>\n</head>\n<body>\n<header><h1>");
	html_escape(b, name);
	buf_adds(b, "</h1><p>");
	if (in->pol->provider != NULL) {
		html_escape(b, in->pol->provider);
		buf_adds(b, " \xc2\xb7 ");
	}
	html_escapef(b, "as of %s%s", now, in->simulated ? " (simulated clock)" : "");
	buf_adds(b, "</p></header>\n<main>\n");
	if (in->timeline != NULL) {
		buf_adds(b, "<section class=\"tl\" aria-label=\"timeline\">");
		buf_adds(b, in->timeline);
		buf_adds(b, "</section>\n");
	}
	html_changes(b, pg);
	html_avail(b, pg);
	html_spans(b, pg);
	html_subscribe(b, pg);
	buf_adds(b, "<footer>");
	if (*in->commit != '\0') {
		t = when_text(in->commit_time, pg->home);
		html_escapef(b, "State %.12s of %s. ", in->commit, t);
		free(t);
	} else
		buf_adds(b, "Nothing has been scheduled yet. ");
	buf_adds(b, "Machine-readable: <a href=\"/api/status.json\">"
	    "/api/status.json</a>. offpeak " PACKAGE_VERSION "</footer>\n"
	    "</main>\n</body>\n</html>\n");
	free(now);
}

/* --- JSON */

static json_t *
json_time(int64_t t, const struct tz *tz)
{
	char	*s = rfc3339(t, tz);
	json_t	*v = json_string(s);

	free(s);
	return v;
}

static json_t *
item_json(const struct page *pg, const struct item *it)
{
	const struct plan_state *ps = it->ps;
	int64_t	 held = ps->published_at + ps->risk.notice, now = pg->in->now;
	json_t	*o;
	char	*s, *shown;

	o = json_pack("{s:s, s:s?, s:s?, s:b, s:s, s:s, s:s, s:s?, s:s?, s:o}",
	    "id", ps->id, "title", ps->snap.title, "type", ps->snap.type,
	    "emergency", ps->risk.emergency || (ps->snap.type != NULL &&
	    strcmp(ps->snap.type, "emergency") == 0),
	    "state", status_names[ps->status],
	    "calendar_status", it->view.status, "maintnote_status",
	    it->view.maintnote, "risk", ps->risk.level, "impact", ps->snap.impact,
	    "systems", jsonx_strv(ps->snap.systems));
	json_object_set_new(o, "start", json_time(ps->slot.start, it->tz));
	json_object_set_new(o, "end", json_time(ps->slot.end, it->tz));
	s = span_text(ps->slot.start, ps->slot.end, it->tz);
	json_object_set_new(o, "when", json_string(s));
	free(s);
	json_object_set_new(o, "timezone", json_string(it->zone));
	if (ps->slot.window != NULL)
		json_object_set_new(o, "window", json_string(ps->slot.window));
	json_object_set_new(o, "sequence", json_integer(ps->sequence));
	if ((s = state_break_glass_text(ps)) != NULL) {
		json_object_set_new(o, "break_glass", json_string(s));
		free(s);
	}
	json_object_set_new(o, "cancelled", json_boolean(it->cancelled));
	if (it->sec == SEC_UPCOMING) {
		json_object_set_new(o, "notice_held_from", json_time(held, it->tz));
		json_object_set_new(o, "notice_held", json_boolean(now >= held));
		json_object_set_new(o, "notice_remaining_seconds",
		    json_integer(now < held ? held - now : 0));
		json_object_set_new(o, "starts_in_seconds",
		    json_integer(ps->slot.start > now ? ps->slot.start - now : 0));
	}
	if (it->outcome != NULL)
		json_object_set_new(o, "outcome", json_string(it->outcome));
	if (it->sec == SEC_RECENT && ps->reason != NULL) {
		shown = redact_text(pg->in->pol->redactor, ps->reason);
		json_object_set_new(o, "reason", json_string(shown));
		free(shown);
	}
	return o;
}

static json_t *
spans_json(const struct span_list *v, size_t n)
{
	json_t	*a = json_array(), *o, *occ;
	size_t	 i, k;

	for (i = 0; i < n; i++) {
		occ = json_array();
		for (k = 0; k < v[i].n; k++)
			json_array_append_new(occ, json_pack("{s:o, s:o}",
			    "start", json_time(v[i].iv[k].start, v[i].tz),
			    "end", json_time(v[i].iv[k].end, v[i].tz)));
		o = json_pack("{s:s, s:o, s:s, s:o}", "name", v[i].name,
		    "groups", v[i].groups != NULL ? jsonx_strv(v[i].groups) :
		    json_null(), "timezone", v[i].zone, "occurrences", occ);
		if (v[i].external)
			json_object_set_new(o, "external", json_true());
		json_array_append_new(a, o);
	}
	return a;
}

static char *
json_page(const struct page *pg, size_t *len)
{
	const struct statuspage_input *in = pg->in;
	static const char *const names[] = { NULL, "upcoming", "running", "recent" };
	json_t	*o, *lists[4], *feeds;
	char	*s, *out;
	size_t	 i;

	for (i = 1; i < 4; i++)
		lists[i] = json_array();
	for (i = 0; i < pg->nitems; i++)
		json_array_append_new(lists[pg->items[i].sec],
		    item_json(pg, &pg->items[i]));
	feeds = json_array();
	for (i = 0; in->feeds != NULL && in->feeds[i] != NULL; i++) {
		s = xasprintf("/calendar/%s", in->feeds[i]);
		json_array_append_new(feeds, json_string(s));
		free(s);
	}
	o = json_pack("{s:s?, s:s?, s:s?, s:o, s:s}", "calendar",
	    in->pol->calendar.name, "provider", in->pol->provider,
	    "timezone", in->pol->timezone, "generated_at", json_time(in->now,
	    NULL), "clock", in->simulated ? "simulated" : "real");
	json_object_set_new(o, "state", *in->commit == '\0' ? json_null() :
	    json_pack("{s:s, s:o}", "commit", in->commit, "committed_at",
	    json_time(in->commit_time, NULL)));
	for (i = 1; i < 4; i++)
		json_object_set_new(o, names[i], lists[i]);
	json_object_set_new(o, "windows", spans_json(pg->wins, pg->nwins));
	json_object_set_new(o, "availability", budget_table_json(pg->in->pol,
	    pg->in->avail, pg->in->navail));
	json_object_set_new(o, "freezes", spans_json(pg->frz, pg->nfrz));
	json_object_set_new(o, "public_feeds", json_boolean(in->feeds != NULL));
	json_object_set_new(o, "feeds", feeds);
	s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	out = xasprintf("%s\n", s);
	free(s);
	*len = strlen(out);
	return out;
}

int
statuspage_render(const struct statuspage_input *in, char **html,
    size_t *htmllen, char **json, size_t *jsonlen, char **cause)
{
	struct page pg;
	struct buf b = BUF_INIT;
	char	*why = NULL;

	*html = *json = NULL;
	memset(&pg, 0, sizeof pg);
	pg.in = in;
	if (in->pol->timezone != NULL)
		pg.home = tz_get(in->pol->timezone, &why);
	free(why);
	collect_items(&pg);
	if (collect_spans(&pg, cause) != 0) {
		page_release(&pg);
		return -1;
	}
	html_page(&b, &pg);
	*html = buf_detach(&b, htmllen);
	*json = json_page(&pg, jsonlen);
	page_release(&pg);
	return 0;
}

char *
statuspage_for_host(const char *html, size_t len, const char *host,
    size_t *outlen)
{
	struct buf b = BUF_INIT, h = BUF_INIT;
	const char *p = html, *end = html + len, *m;

	html_escape(&h, host);
	buf_grow(&b, len + 16 * h.len);
	while ((m = memchr(p, STATUSPAGE_HOST, (size_t)(end - p))) != NULL) {
		buf_add(&b, p, (size_t)(m - p));
		buf_add(&b, buf_str(&h), h.len);
		p = m + 1;
	}
	buf_add(&b, p, (size_t)(end - p));
	buf_release(&h);
	return buf_detach(&b, outlen);
}
