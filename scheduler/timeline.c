/* timeline: the coming weeks as a picture, in SVG or for a terminal */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "notice.h"
#include "policy.h"
#include "schedule.h"
#include "state.h"
#include "timeline.h"
#include "tz.h"
#include "util.h"
#include "window.h"

enum tl_kind { TL_TENTATIVE, TL_CONFIRMED, TL_RUNNING, TL_DONE, TL_CANCELLED };

static const char *const kind_names[] = {
	"tentative", "confirmed", "running", "done", "cancelled"
};

/* A window or freeze occurrence over a group's rows. */
struct tl_band {
	int64_t	 start, end;
	size_t	 name;		/* in names */
};

/* A change on one system's row. */
struct tl_bar {
	size_t	 row;
	int64_t	 start, end;
	int64_t	 notice_at;	/* when its notice holds; 0: not shown */
	char	*id, *title, *state, *risk;
	int	 level;		/* index of its risk level, -1 unknown */
	enum tl_kind kind;
	const char *outcome;	/* completed, rolled-back, failed, missed */
	int	 emergency;
};

struct tl_group {
	char	*name;
	size_t	 first, n;	/* its rows */
	struct tl_band *win, *frz;
	size_t	 nwin, nfrz;
};

struct tl_row {
	const char *name;
	long	 row;
};

struct timeline {
	const struct tz *tz;
	char	*zone, *title;
	int64_t	 now, from, to;
	char	**rows;
	size_t	 nrows;
	struct tl_row *by_name;	/* the rows sorted by system name */
	struct tl_group *groups;
	size_t	 ngroups;
	char	**names;	/* of windows and freezes */
	size_t	 nnames;
	struct tl_bar *bars;
	size_t	 nbars;
	char	**levels;	/* the policy's risk levels, in order */
	size_t	 nlevels;
};

/* --- days in the policy's zone */

int64_t
timeline_day(const struct timeline *tl, int64_t t)
{
	struct civil c;

	tz_utc_to_local(tl->tz, t, &c, NULL);
	c.hour = c.minute = c.second = 0;
	return tz_local_to_utc(tl->tz, &c);
}

int64_t
timeline_days_after(const struct timeline *tl, int64_t day, int n)
{
	struct civil c;

	tz_utc_to_local(tl->tz, day, &c, NULL);
	c.hour = c.minute = c.second = 0;
	utc_to_civil(civil_to_utc(&c) + (int64_t)n * 86400, &c);
	return tz_local_to_utc(tl->tz, &c);
}

int
timeline_parse_day(const struct timeline *tl, const char *s, int64_t *out)
{
	struct civil c;
	char	 tail;

	memset(&c, 0, sizeof c);
	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &c.year, &c.month,
	    &c.day, &tail) != 3 || c.year < 1971 || c.year > 9998 ||
	    c.month < 1 || c.month > 12 || c.day < 1 ||
	    c.day > days_in_month(c.year, c.month))
		return -1;
	*out = tz_local_to_utc(tl->tz, &c);
	return 0;
}

void
timeline_range(const struct timeline *tl, int64_t *from, int64_t *to)
{
	*from = tl->from;
	*to = tl->to;
}

/* --- the model */

static size_t
name_index(struct timeline *tl, const char *name)
{
	size_t	 i;

	for (i = 0; i < tl->nnames; i++) {
		if (strcmp(tl->names[i], name) == 0)
			return i;
	}
	tl->names = xreallocarray(tl->names, tl->nnames + 1, sizeof *tl->names);
	tl->names[tl->nnames] = xstrdup(name);
	return tl->nnames++;
}

static void
band_add(struct tl_band **v, size_t *n, int64_t s, int64_t e, size_t name)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[*n].start = s;
	(*v)[*n].end = e;
	(*v)[*n].name = name;
	(*n)++;
}

static int
applies(char *const *groups, const char *group)
{
	return groups == NULL || strv_has(groups, group);
}

static void
rows_make(struct timeline *tl, const struct policy *pol)
{
	struct tl_group *g;
	size_t	 i, j;

	for (i = 0; pol->groups != NULL && pol->groups[i] != NULL; i++) {
		tl->groups = xreallocarray(tl->groups, tl->ngroups + 1,
		    sizeof *tl->groups);
		g = &tl->groups[tl->ngroups++];
		memset(g, 0, sizeof *g);
		g->name = xstrdup(pol->groups[i]);
		g->first = tl->nrows;
		for (j = 0; j < pol->nsystems; j++) {
			if (strcmp(pol->systems[j].group, g->name) != 0)
				continue;
			tl->rows = xreallocarray(tl->rows, tl->nrows + 1,
			    sizeof *tl->rows);
			tl->rows[tl->nrows++] = xstrdup(pol->systems[j].name);
			g->n++;
		}
	}
}

static int
bands_make(struct timeline *tl, const struct policy *pol,
    const struct extra_freeze *extra, size_t nextra, char **cause)
{
	struct interval *iv;
	size_t	 i, j, k, n, name;

	for (i = 0; i < pol->nwindows; i++) {
		iv = NULL;
		n = 0;
		if (window_expand(&pol->windows[i], tl->from, tl->to, &iv, &n,
		    cause) != 0)
			return -1;
		name = name_index(tl, pol->windows[i].name);
		for (j = 0; j < tl->ngroups; j++) {
			if (!applies(pol->windows[i].groups, tl->groups[j].name))
				continue;
			for (k = 0; k < n; k++)
				band_add(&tl->groups[j].win, &tl->groups[j].nwin,
				    iv[k].start, iv[k].end, name);
		}
		free(iv);
	}
	for (i = 0; i < pol->nfreezes; i++) {
		iv = NULL;
		n = 0;
		if (pol->freezes[i].kind != FREEZE_URL &&
		    freeze_expand(&pol->freezes[i], tl->from, tl->to, &iv, &n,
		    cause) != 0)
			return -1;
		for (k = 0; k < nextra; k++) {
			if (extra[k].freeze != i || extra[k].end <= tl->from ||
			    extra[k].start >= tl->to)
				continue;
			iv = xreallocarray(iv, n + 1, sizeof *iv);
			iv[n].start = extra[k].start;
			iv[n++].end = extra[k].end;
		}
		name = name_index(tl, pol->freezes[i].name);
		for (j = 0; j < tl->ngroups; j++) {
			if (!applies(pol->freezes[i].groups, tl->groups[j].name))
				continue;
			for (k = 0; k < n; k++)
				band_add(&tl->groups[j].frz, &tl->groups[j].nfrz,
				    iv[k].start, iv[k].end, name);
		}
		free(iv);
	}
	return 0;
}

static int
tl_row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tl_row *)a)->name,
	    ((const struct tl_row *)b)->name);
}

/* Index the rows by name: a timeline of thousands of systems. */
static void
rows_index(struct timeline *tl)
{
	size_t	 i;

	tl->by_name = xcalloc(tl->nrows + 1, sizeof *tl->by_name);
	for (i = 0; i < tl->nrows; i++) {
		tl->by_name[i].name = tl->rows[i];
		tl->by_name[i].row = (long)i;
	}
	array_sort(tl->by_name, tl->nrows, sizeof *tl->by_name, tl_row_cmp);
}

static long
row_of(const struct timeline *tl, const char *system)
{
	struct tl_row key, *found;

	key.name = system;
	if (tl->nrows == 0 || (found = bsearch(&key, tl->by_name, tl->nrows,
	    sizeof *tl->by_name, tl_row_cmp)) == NULL)
		return -1;
	return found->row;
}

static enum tl_kind
kind_of(const struct plan_state *ps, const struct notice_view *v)
{
	if (ps->status == ST_BACKING_UP || ps->status == ST_EXECUTING ||
	    ps->status == ST_VERIFYING)
		return TL_RUNNING;
	if (strcmp(v->status, "CANCELLED") == 0)
		return TL_CANCELLED;
	if (v->outcome != NULL)
		return TL_DONE;
	return strcmp(v->status, "CONFIRMED") == 0 ? TL_CONFIRMED : TL_TENTATIVE;
}

static const char *
outcome_word(const char *o)
{
	static const char *const known[] = { "completed", "rolled-back",
	    "failed", "missed", NULL };
	size_t	 i;

	for (i = 0; o != NULL && known[i] != NULL; i++) {
		if (strcmp(o, known[i]) == 0)
			return known[i];
	}
	return NULL;
}

static void
bars_of(struct timeline *tl, const struct policy *pol,
    const struct plan_state *ps)
{
	struct notice_view v;
	struct tl_bar *b;
	size_t	 i, j;
	long	 row;

	if (ps->slot.start == 0 || ps->slot.end <= tl->from ||
	    ps->slot.start >= tl->to || ps->snap.systems == NULL ||
	    !notice_view(ps, pol, tl->now, &v))
		return;
	for (i = 0; ps->snap.systems[i] != NULL; i++) {
		if ((row = row_of(tl, ps->snap.systems[i])) < 0)
			continue;
		tl->bars = xreallocarray(tl->bars, tl->nbars + 1, sizeof *tl->bars);
		b = &tl->bars[tl->nbars++];
		memset(b, 0, sizeof *b);
		b->row = (size_t)row;
		b->start = ps->slot.start;
		b->end = ps->slot.end;
		b->id = xstrdup(ps->id);
		b->title = xstrdup(ps->snap.title != NULL ? ps->snap.title : ps->id);
		b->state = xstrdup(status_names[ps->status]);
		b->risk = xstrdup(ps->risk.level != NULL ? ps->risk.level : "-");
		b->level = -1;
		for (j = 0; j < pol->nlevels; j++) {
			if (ps->risk.level != NULL &&
			    strcmp(pol->levels[j].name, ps->risk.level) == 0)
				b->level = (int)j;
		}
		b->kind = kind_of(ps, &v);
		b->outcome = outcome_word(v.outcome);
		b->emergency = ps->risk.emergency;
		if (b->kind == TL_TENTATIVE || b->kind == TL_CONFIRMED)
			b->notice_at = ps->published_at + ps->risk.notice;
	}
}

static int
bar_cmp(const void *a, const void *b)
{
	const struct tl_bar *x = a, *y = b;

	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return strcmp(x->id, y->id);
}

struct timeline *
timeline_new(const struct policy *pol, const struct state *st, int64_t now,
    int64_t from, int64_t to, const struct extra_freeze *extra, size_t nextra,
    char **cause)
{
	struct timeline *tl = xcalloc(1, sizeof *tl);
	size_t	 i;

	tl->zone = xstrdup(pol->timezone != NULL ? pol->timezone : "UTC");
	if ((tl->tz = tz_get(tl->zone, cause)) == NULL) {
		timeline_free(tl);
		return NULL;
	}
	tl->title = xstrdup(pol->calendar.name != NULL ? pol->calendar.name :
	    "Maintenance");
	tl->now = now;
	tl->from = from;
	tl->to = to;
	tl->levels = xcalloc(pol->nlevels + 1, sizeof *tl->levels);
	for (i = 0; i < pol->nlevels; i++)
		tl->levels[i] = xstrdup(pol->levels[i].name);
	tl->nlevels = pol->nlevels;
	rows_make(tl, pol);
	rows_index(tl);
	if (bands_make(tl, pol, extra, nextra, cause) != 0) {
		timeline_free(tl);
		return NULL;
	}
	for (i = 0; st != NULL && i < st->n; i++)
		bars_of(tl, pol, st->items[i]);
	array_sort(tl->bars, tl->nbars, sizeof *tl->bars, bar_cmp);
	return tl;
}

void
timeline_free(struct timeline *tl)
{
	size_t	 i;

	if (tl == NULL)
		return;
	for (i = 0; i < tl->nrows; i++)
		free(tl->rows[i]);
	free(tl->rows);
	free(tl->by_name);
	for (i = 0; i < tl->ngroups; i++) {
		free(tl->groups[i].name);
		free(tl->groups[i].win);
		free(tl->groups[i].frz);
	}
	free(tl->groups);
	for (i = 0; i < tl->nnames; i++)
		free(tl->names[i]);
	free(tl->names);
	for (i = 0; i < tl->nbars; i++) {
		free(tl->bars[i].id);
		free(tl->bars[i].title);
		free(tl->bars[i].state);
		free(tl->bars[i].risk);
	}
	free(tl->bars);
	strv_free(tl->levels);
	free(tl->zone);
	free(tl->title);
	free(tl);
}

/* --- words and colours shared by both pictures */

static const char *const month_abbr[] = { "Jan", "Feb", "Mar", "Apr", "May",
    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
static const char *const wday_abbr[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
    "Fri", "Sat" };

static int
weekday(const struct civil *c)
{
	int64_t	 days = civil_to_utc(c) / 86400;

	return (int)(((days % 7) + 11) % 7);	/* 1970-01-01 was a Thursday */
}

/* "Mon 2026-12-07 01:00 CET" into out (at least 40 bytes). */
static const char *
local_into(const struct timeline *tl, int64_t t, char *out, size_t size)
{
	struct civil c;

	const char *abbr;
	size_t	 n;

	tz_utc_to_local(tl->tz, t, &c, NULL);
	abbr = tz_abbr_at(tl->tz, t);
	if (size < 24 + strlen(abbr) || c.year < 0 || c.year > 9999) {
		snprintf(out, size, "%s %04d-%02d-%02d %02d:%02d %s",
		    wday_abbr[weekday(&c)], c.year, c.month, c.day, c.hour,
		    c.minute, abbr);
		return out;
	}
	/* "Mon 2026-12-07 01:00 CET", without printf: it is drawn often */
	memcpy(out, wday_abbr[weekday(&c)], 3);
	out[3] = ' ';
	out[4] = (char)('0' + c.year / 1000);
	out[5] = (char)('0' + c.year / 100 % 10);
	out[6] = (char)('0' + c.year / 10 % 10);
	out[7] = (char)('0' + c.year % 10);
	out[8] = '-';
	out[9] = (char)('0' + c.month / 10);
	out[10] = (char)('0' + c.month % 10);
	out[11] = '-';
	out[12] = (char)('0' + c.day / 10);
	out[13] = (char)('0' + c.day % 10);
	out[14] = ' ';
	out[15] = (char)('0' + c.hour / 10);
	out[16] = (char)('0' + c.hour % 10);
	out[17] = ':';
	out[18] = (char)('0' + c.minute / 10);
	out[19] = (char)('0' + c.minute % 10);
	out[20] = ' ';
	n = strlen(abbr);
	memcpy(out + 21, abbr, n + 1);
	return out;
}

static char *
local_text(const struct timeline *tl, int64_t t)
{
	char	 out[64];

	return xstrdup(local_into(tl, t, out, sizeof out));
}

/* The same, remembered: many bars start and end at the same instants. */
struct when_cache {
	int64_t	 t[1021];
	char	 text[1021][48];
};

static const char *
local_cached(const struct timeline *tl, struct when_cache *wc, int64_t t)
{
	size_t	 i = (size_t)((uint64_t)t % 1021);

	if (wc->t[i] != t || wc->text[i][0] == '\0') {
		wc->t[i] = t;
		local_into(tl, t, wc->text[i], sizeof wc->text[i]);
	}
	return wc->text[i];
}

/* A colour for a risk level: green to red along the policy's levels. */
static void
level_rgb(const struct timeline *tl, int level, int rgb[3])
{
	static const int low[3] = { 0x3c, 0x9a, 0x4a }, mid[3] = { 0xe0, 0x9a,
	    0x20 }, high[3] = { 0xd0, 0x3b, 0x33 };
	double	 f;
	int	 i;

	if (level < 0 || tl->nlevels < 2) {
		for (i = 0; i < 3; i++)
			rgb[i] = level < 0 ? 0x7a : mid[i];
		return;
	}
	f = (double)level / (double)(tl->nlevels - 1);
	for (i = 0; i < 3; i++)
		rgb[i] = (int)((f <= 0.5 ? low[i] + (mid[i] - low[i]) * f * 2 :
		    mid[i] + (high[i] - mid[i]) * (f - 0.5) * 2) + 0.5);
}

static const char *
outcome_label(const char *o)
{
	if (o == NULL)
		return "";
	if (strcmp(o, "completed") == 0)
		return "\xe2\x9c\x93";			/* check mark */
	if (strcmp(o, "rolled-back") == 0)
		return "\xe2\x86\xba rolled back";	/* anticlockwise arrow */
	if (strcmp(o, "failed") == 0)
		return "\xe2\x9c\x97 failed";		/* ballot x */
	return "missed";
}

/* --- SVG */

#define SVG_W		1200
#define SVG_LABEL	170
#define SVG_RIGHT	110
#define SVG_HEAD	88
#define SVG_ROW		18
#define SVG_GROUP	20
#define SVG_LEGEND	64

struct svg {
	struct buf b;
	const struct timeline *tl;
	int64_t	 from, to;
	double	 plot;
	struct when_cache *wc;	/* 57 KiB: on the heap, not a thread's stack */
	char	 col[17][8];	/* "#rrggbb" of each risk level, then unknown */
};

static void
xml_text(struct buf *b, const char *s)
{
	size_t	 n;

	for (;;) {
		/* the run of bytes that need nothing, at once */
		for (n = 0; s[n] != '\0' && s[n] != '&' && s[n] != '<' &&
		    s[n] != '>' && s[n] != '"' && s[n] != '\'' &&
		    ((unsigned char)s[n] >= 0x20 || s[n] == '\n'); n++)
			;
		if (n > 0)
			buf_add(b, s, n);
		s += n;
		switch (*s) {
		case '\0': return;
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		default: buf_addc(b, ' ');
		}
		s++;
	}
}

/* A coordinate with one decimal, without printf. */
static void
add_x(struct buf *b, double x)
{
	char	 t[24], *p = t + sizeof t;
	long long v = (long long)(x * 10 + (x < 0 ? -0.5 : 0.5));
	int	 neg = v < 0;

	if (neg)
		v = -v;
	*--p = (char)('0' + v % 10);
	*--p = '.';
	v /= 10;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	if (neg)
		*--p = '-';
	buf_add(b, p, (size_t)(t + sizeof t - p));
}

static void
add_int(struct buf *b, long long v)
{
	add_x(b, (double)v);
	b->len -= 2;		/* no decimal for an integer */
	b->data[b->len] = '\0';
}

static void
xml_textf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
xml_textf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	xml_text(b, s);
	free(s);
}

static double
xpos(const struct svg *g, int64_t t)
{
	if (t < g->from)
		t = g->from;
	if (t > g->to)
		t = g->to;
	return SVG_LABEL + (double)(t - g->from) * g->plot /
	    (double)(g->to - g->from);
}

static void
svg_head(struct svg *g, int height)
{
	const struct timeline *tl = g->tl;
	char	*a = local_text(tl, g->from), *z = local_text(tl, g->to - 1);

	buf_addf(&g->b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	    "font-family=\"sans-serif\" font-size=\"11\" role=\"img\" "
	    "class=\"timeline\" data-from=\"%lld\" data-to=\"%lld\" "
	    "data-x0=\"%d\" data-width=\"%.1f\" data-zone=\"", SVG_W, height,
	    SVG_W, height, (long long)g->from, (long long)g->to, SVG_LABEL,
	    g->plot);
	xml_text(&g->b, tl->zone);
	buf_adds(&g->b, "\">\n<title>");
	xml_textf(&g->b, "%s: changes from %s to %s", tl->title, a, z);
	buf_adds(&g->b, "</title>\n<defs><pattern id=\"tl-hatch\" width=\"6\" "
	    "height=\"6\" patternUnits=\"userSpaceOnUse\" "
	    "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" "
	    "fill=\"#dbe4f3\" fill-opacity=\"0.55\"/><line x1=\"0\" y1=\"0\" "
	    "x2=\"0\" y2=\"6\" stroke=\"#3a5fa8\" stroke-width=\"1.5\"/>"
	    "</pattern></defs>\n");
	buf_addf(&g->b, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n",
	    SVG_W, height);
	buf_adds(&g->b, "<text x=\"8\" y=\"18\" font-size=\"14\" "
	    "font-weight=\"bold\">");
	xml_textf(&g->b, "%s \xe2\x80\x94 timeline", tl->title);
	buf_adds(&g->b, "</text>\n<text x=\"8\" y=\"34\" fill=\"#555\">");
	xml_textf(&g->b, "%s \xe2\x80\x93 %s, times in %s", a, z, tl->zone);
	buf_adds(&g->b, "</text>\n");
	free(a);
	free(z);
}

/* Day and week lines and labels, in the policy's zone. */
static void
svg_axis(struct svg *g, int height)
{
	const struct timeline *tl = g->tl;
	struct civil c;
	int64_t	 d, next;
	double	 x, perday = g->plot * 86400.0 / (double)(g->to - g->from);
	int	 wd;

	buf_adds(&g->b, "<g class=\"axis\">\n");
	for (d = timeline_day(tl, g->from); d < g->to; d = next) {
		next = timeline_days_after(tl, d, 1);
		if (d < g->from)
			continue;
		tz_utc_to_local(tl->tz, d, &c, NULL);
		wd = weekday(&c);
		x = xpos(g, d);
		buf_addf(&g->b, "<line class=\"%s\" data-t=\"%lld\" x1=\"%.1f\" "
		    "y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" "
		    "stroke-width=\"%s\"/>\n", wd == 1 ? "week" : "day",
		    (long long)d, x, SVG_HEAD - 20, x, height - SVG_LEGEND,
		    wd == 1 ? "#9aa" : "#dde", wd == 1 ? "1.2" : "0.6");
		if (wd == 1)
			buf_addf(&g->b, "<text x=\"%.1f\" y=\"%d\" fill=\"#333\">"
			    "%s %d %s</text>\n", x + 2, SVG_HEAD - 34,
			    wday_abbr[wd], c.day, month_abbr[c.month - 1]);
		if (perday >= 14)
			buf_addf(&g->b, "<text x=\"%.1f\" y=\"%d\" fill=\"#777\" "
			    "font-size=\"9\" text-anchor=\"middle\">%d</text>\n",
			    x + perday / 2, SVG_HEAD - 8, c.day);
	}
	buf_adds(&g->b, "</g>\n");
}

static void
svg_band(struct svg *g, const struct tl_band *v, int y, int h, const char *kind)
{
	int	 win = strcmp(kind, "window") == 0;
	double	 x1, x2;

	if (v->end <= g->from || v->start >= g->to)
		return;
	x1 = xpos(g, v->start);
	x2 = xpos(g, v->end);
	buf_adds(&g->b, "<rect class=\"");
	buf_adds(&g->b, kind);
	buf_adds(&g->b, "\" data-start=\"");
	add_int(&g->b, v->start);
	buf_adds(&g->b, "\" data-end=\"");
	add_int(&g->b, v->end);
	buf_adds(&g->b, "\" x=\"");
	add_x(&g->b, x1);
	buf_adds(&g->b, "\" y=\"");
	add_int(&g->b, y);
	buf_adds(&g->b, "\" width=\"");
	add_x(&g->b, x2 - x1 > 0.5 ? x2 - x1 : 0.5);
	buf_adds(&g->b, "\" height=\"");
	add_int(&g->b, h);
	buf_adds(&g->b, win ? "\" fill=\"#dff0dc\"><title>" :
	    "\" fill=\"url(#tl-hatch)\" stroke=\"#3a5fa8\" "
	    "stroke-width=\"0.6\"><title>");
	buf_adds(&g->b, kind);
	buf_adds(&g->b, " '");
	xml_text(&g->b, g->tl->names[v->name]);
	buf_adds(&g->b, "': ");
	buf_adds(&g->b, local_cached(g->tl, g->wc, v->start));
	buf_adds(&g->b, " \xe2\x80\x93 ");
	buf_adds(&g->b, local_cached(g->tl, g->wc, v->end));
	buf_adds(&g->b, "</title></rect>\n");
}

/* <rect x=".." y=".." width=".." height=".." rx="2" and the rest */
static void
bar_rect(struct svg *g, double x, int y, double w, int h, const char *rest)
{
	buf_adds(&g->b, "<rect x=\"");
	add_x(&g->b, x);
	buf_adds(&g->b, "\" y=\"");
	add_int(&g->b, y);
	buf_adds(&g->b, "\" width=\"");
	add_x(&g->b, w);
	buf_adds(&g->b, "\" height=\"");
	add_int(&g->b, h);
	buf_adds(&g->b, "\" rx=\"2\" ");
	buf_adds(&g->b, rest);
}

/* Attributes name="value" with value the bar's colour. */
static void
add_col(struct buf *b, const char *name, const char *col)
{
	buf_adds(b, name);
	buf_adds(b, "=\"");
	buf_adds(b, col);
	buf_adds(b, "\" ");
}

static void
svg_bar(struct svg *g, const struct tl_bar *b, int y, const char *link)
{
	const char *col = g->col[b->level >= 0 && b->level < 16 ? b->level : 16];
	double	 x1 = xpos(g, b->start), x2 = xpos(g, b->end), w;
	const char *ol = outcome_label(b->outcome);

	w = x2 - x1 < 4 ? 4 : x2 - x1;
	buf_adds(&g->b, "<g class=\"bar\" data-id=\"");
	xml_text(&g->b, b->id);
	buf_adds(&g->b, "\" data-kind=\"");
	buf_adds(&g->b, kind_names[b->kind]);
	buf_adds(&g->b, "\" data-start=\"");
	add_int(&g->b, b->start);
	buf_adds(&g->b, "\" data-end=\"");
	add_int(&g->b, b->end);
	if (b->outcome != NULL) {
		buf_adds(&g->b, "\" data-outcome=\"");
		buf_adds(&g->b, b->outcome);
	}
	buf_adds(&g->b, "\">");
	if (link != NULL) {
		buf_adds(&g->b, "<a href=\"");
		xml_text(&g->b, link);
		buf_adds(&g->b, "change-");
		xml_text(&g->b, b->id);
		buf_adds(&g->b, "\">");
	}
	buf_adds(&g->b, "<title>");
	if (b->emergency)
		buf_adds(&g->b, "[EMERGENCY] ");
	xml_text(&g->b, b->id);
	buf_adds(&g->b, " \xe2\x80\x94 ");
	xml_text(&g->b, b->title);
	buf_addc(&g->b, '\n');
	buf_adds(&g->b, local_cached(g->tl, g->wc, b->start));
	buf_adds(&g->b, " \xe2\x80\x93 ");
	buf_adds(&g->b, local_cached(g->tl, g->wc, b->end));
	buf_addc(&g->b, '\n');
	xml_text(&g->b, b->state);
	if (b->outcome != NULL) {
		buf_adds(&g->b, ": ");
		buf_adds(&g->b, b->outcome);
	}
	buf_adds(&g->b, ", risk ");
	xml_text(&g->b, b->risk);
	buf_adds(&g->b, "</title>");
	switch (b->kind) {
	case TL_TENTATIVE:
		bar_rect(g, x1, y + 3, w, SVG_ROW - 6, "");
		add_col(&g->b, "fill", col);
		add_col(&g->b, "stroke", col);
		buf_adds(&g->b, "fill-opacity=\"0.22\" stroke-width=\"1.5\" "
		    "stroke-dasharray=\"3 2\"/>");
		break;
	case TL_CONFIRMED:
	case TL_DONE:
		bar_rect(g, x1, y + 3, w, SVG_ROW - 6, "");
		add_col(&g->b, "fill", col);
		buf_adds(&g->b, b->kind == TL_DONE ? "fill-opacity=\"0.55\"/>" :
		    "/>");
		break;
	case TL_RUNNING:
		bar_rect(g, x1, y + 2, w, SVG_ROW - 4, "");
		add_col(&g->b, "fill", col);
		buf_adds(&g->b, "stroke=\"#111\" stroke-width=\"2.5\"/>");
		buf_adds(&g->b, "<path d=\"M");
		add_x(&g->b, x1 + 2);
		buf_addc(&g->b, ' ');
		add_int(&g->b, y + 4);
		buf_adds(&g->b, " l7 5 l-7 5 z\" fill=\"#111\"/>");
		break;
	case TL_CANCELLED:
		bar_rect(g, x1, y + 3, w, SVG_ROW - 6, "fill=\"none\" "
		    "stroke=\"#8a8a8a\" stroke-dasharray=\"2 2\"/>");
		buf_adds(&g->b, "<line x1=\"");
		add_x(&g->b, x1 - 2);
		buf_adds(&g->b, "\" y1=\"");
		add_int(&g->b, y + SVG_ROW / 2);
		buf_adds(&g->b, "\" x2=\"");
		add_x(&g->b, x1 + w + 2);
		buf_adds(&g->b, "\" y2=\"");
		add_int(&g->b, y + SVG_ROW / 2);
		buf_adds(&g->b, "\" stroke=\"#555\" stroke-width=\"1.5\"/>");
		break;
	}
	if (link != NULL)
		buf_adds(&g->b, "</a>");
	if (*ol != '\0' || b->kind == TL_CANCELLED) {
		buf_adds(&g->b, "<text x=\"");
		add_x(&g->b, x1 + w + 3);
		buf_adds(&g->b, "\" y=\"");
		add_int(&g->b, y + SVG_ROW - 5);
		buf_adds(&g->b, "\" font-size=\"10\" fill=\"#333\">");
		xml_text(&g->b, *ol != '\0' ? ol : "cancelled");
		buf_adds(&g->b, "</text>");
	}
	buf_adds(&g->b, "</g>\n");
	if (b->notice_at > g->from && b->notice_at < g->to) {
		buf_adds(&g->b, "<path class=\"notice\" data-id=\"");
		xml_text(&g->b, b->id);
		buf_adds(&g->b, "\" data-t=\"");
		add_int(&g->b, b->notice_at);
		buf_adds(&g->b, "\" d=\"M");
		add_x(&g->b, xpos(g, b->notice_at));
		buf_addc(&g->b, ' ');
		add_int(&g->b, y + 6);
		buf_adds(&g->b, " l-4 -5 h8 z\" fill=\"#333\"><title>");
		xml_text(&g->b, b->id);
		buf_adds(&g->b, ": the notice holds from ");
		buf_adds(&g->b, local_cached(g->tl, g->wc, b->notice_at));
		buf_adds(&g->b, "</title></path>\n");
	}
}

static void
svg_legend(struct svg *g, int y)
{
	static const struct {
		const char *attrs, *text;
	} keys[] = {
		{ "fill=\"#dff0dc\"", "off-peak window" },
		{ "fill=\"url(#tl-hatch)\" stroke=\"#3a5fa8\" "
		    "stroke-width=\"0.6\"", "freeze" },
		{ "fill=\"#e09a20\" fill-opacity=\"0.22\" stroke=\"#e09a20\" "
		    "stroke-dasharray=\"3 2\"", "tentative (notice not yet held)" },
		{ "fill=\"#e09a20\"", "confirmed" },
		{ "fill=\"#e09a20\" stroke=\"#111\" stroke-width=\"2\"",
		    "running" },
		{ "fill=\"none\" stroke=\"#8a8a8a\" stroke-dasharray=\"2 2\"",
		    "cancelled" },
	};
	int	 rgb[3], x = 8;
	size_t	 i;

	buf_addf(&g->b, "<g class=\"legend\" transform=\"translate(0 %d)\">\n", y);
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		buf_addf(&g->b, "<rect x=\"%d\" y=\"4\" width=\"18\" "
		    "height=\"10\" ", x);
		buf_adds(&g->b, keys[i].attrs);
		buf_adds(&g->b, "/>");
		buf_addf(&g->b, "<text x=\"%d\" y=\"13\">%s</text>\n", x + 22,
		    keys[i].text);
		x += 34 + (int)strlen(keys[i].text) * 6;
	}
	buf_addf(&g->b, "<path d=\"M%d 6 l-4 -5 h8 z\" fill=\"#333\" "
	    "transform=\"translate(4 4)\"/><text x=\"%d\" y=\"13\">notice "
	    "holds</text>\n", x, x + 10);
	x = 8;
	buf_addf(&g->b, "<text x=\"%d\" y=\"33\">risk:</text>\n", x);
	x += 34;
	for (i = 0; i < g->tl->nlevels; i++) {
		level_rgb(g->tl, (int)i, rgb);
		buf_addf(&g->b, "<rect x=\"%d\" y=\"24\" width=\"18\" height=\"10\" "
		    "fill=\"#%02x%02x%02x\"/><text x=\"%d\" y=\"33\">", x, rgb[0],
		    rgb[1], rgb[2], x + 22);
		xml_text(&g->b, g->tl->levels[i]);
		buf_adds(&g->b, "</text>\n");
		x += 34 + (int)strlen(g->tl->levels[i]) * 7;
	}
	buf_addf(&g->b, "<text x=\"%d\" y=\"33\">after a run: %s completed, %s, "
	    "%s; the red line is now</text>\n</g>\n", x + 10,
	    outcome_label("completed"), outcome_label("rolled-back"),
	    outcome_label("failed"));
}

char *
timeline_svg(const struct timeline *tl, int64_t from, int64_t to,
    const char *link, size_t *len)
{
	struct svg g;
	const struct tl_group *gr;
	size_t	 i, j, k;
	int	 y, height, gy, rgb[3];
	double	 x;

	memset(&g, 0, sizeof g);
	buf_init(&g.b);
	buf_grow(&g.b, 4096 + tl->nbars * 160 + tl->nrows * 120);
	g.tl = tl;
	g.wc = xcalloc(1, sizeof *g.wc);
	for (i = 0; i < 17; i++) {
		level_rgb(tl, i < 16 && i < tl->nlevels ? (int)i : -1, rgb);
		snprintf(g.col[i], sizeof g.col[i], "#%02x%02x%02x", rgb[0],
		    rgb[1], rgb[2]);
	}
	g.from = from;
	g.to = to > from ? to : from + 86400;
	g.plot = SVG_W - SVG_LABEL - SVG_RIGHT;
	height = SVG_HEAD + (int)tl->ngroups * SVG_GROUP + (int)tl->nrows *
	    SVG_ROW + 8 + SVG_LEGEND;
	svg_head(&g, height);
	svg_axis(&g, height);
	y = SVG_HEAD;
	k = 0;
	for (i = 0; i < tl->ngroups; i++) {
		gr = &tl->groups[i];
		buf_addf(&g.b, "<g class=\"group\" data-group=\"");
		xml_text(&g.b, gr->name);
		buf_addf(&g.b, "\">\n<text x=\"8\" y=\"%d\" font-weight=\"bold\" "
		    "fill=\"#234\">", y + 14);
		xml_text(&g.b, gr->name);
		buf_adds(&g.b, "</text>\n");
		y += SVG_GROUP;
		gy = y;
		for (j = 1; j < gr->n; j += 2) {
			buf_adds(&g.b, "<rect x=\"0\" y=\"");
			add_int(&g.b, gy + (int)j * SVG_ROW);
			buf_adds(&g.b, "\" width=\"");
			add_int(&g.b, SVG_W);
			buf_adds(&g.b, "\" height=\"");
			add_int(&g.b, SVG_ROW);
			buf_adds(&g.b, "\" fill=\"#f6f7f9\"/>\n");
		}
		for (j = 0; j < gr->nwin; j++)
			svg_band(&g, &gr->win[j], gy, (int)gr->n * SVG_ROW,
			    "window");
		for (j = 0; j < gr->nfrz; j++)
			svg_band(&g, &gr->frz[j], gy, (int)gr->n * SVG_ROW,
			    "freeze");
		for (j = 0; j < gr->n; j++) {
			buf_adds(&g.b, "<text class=\"system\" x=\"16\" y=\"");
			add_int(&g.b, y + SVG_ROW - 5);
			buf_adds(&g.b, "\">");
			xml_text(&g.b, tl->rows[gr->first + j]);
			buf_adds(&g.b, "</text>\n");
			for (; k < tl->nbars && tl->bars[k].row == gr->first + j;
			    k++) {
				if (tl->bars[k].end > g.from &&
				    tl->bars[k].start < g.to)
					svg_bar(&g, &tl->bars[k], y, link);
			}
			y += SVG_ROW;
		}
		buf_adds(&g.b, "</g>\n");
	}
	if (tl->now >= g.from && tl->now < g.to) {
		x = xpos(&g, tl->now);
		buf_addf(&g.b, "<line class=\"now\" data-t=\"%lld\" x1=\"%.1f\" "
		    "y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#d21f1f\" "
		    "stroke-width=\"1.5\"/><text x=\"%.1f\" y=\"%d\" "
		    "fill=\"#d21f1f\" font-size=\"10\">now</text>\n",
		    (long long)tl->now, x, SVG_HEAD - 20, x, y, x + 3,
		    SVG_HEAD - 22);
	}
	svg_legend(&g, y + 8);
	buf_adds(&g.b, "</svg>\n");
	free(g.wc);
	return buf_detach(&g.b, len);
}

/* --- text */

#define TX_LABEL_MAX	18

static const char *
ansi_level(const struct timeline *tl, int level)
{
	if (level < 0 || tl->nlevels < 2)
		return "\033[35m";
	if (level == 0)
		return "\033[32m";
	return level == (int)tl->nlevels - 1 ? "\033[31m" : "\033[33m";
}

/* The cell of a row at column c: what covers [t0, t1) there. */
static const char *
cell(const struct timeline *tl, const struct tl_group *gr, size_t row,
    size_t *k, int64_t t0, int64_t t1, int colour, const char **col)
{
	const struct tl_bar *b;
	size_t	 i;

	*col = NULL;
	for (i = *k; i < tl->nbars && tl->bars[i].row == row; i++) {
		b = &tl->bars[i];
		if (b->end <= t0 || b->start >= t1)
			continue;
		*col = colour ? ansi_level(tl, b->level) : NULL;
		switch (b->kind) {
		case TL_TENTATIVE: return "\xe2\x96\x92";	/* medium shade */
		case TL_CONFIRMED: return "\xe2\x96\x88";	/* full block */
		case TL_RUNNING: return "\xe2\x96\xb6";		/* triangle */
		case TL_DONE:
			if (b->outcome != NULL && strcmp(b->outcome, "failed") == 0)
				return "\xe2\x9c\x97";
			if (b->outcome != NULL &&
			    strcmp(b->outcome, "rolled-back") == 0)
				return "\xe2\x86\xba";
			return "\xe2\x9c\x93";
		case TL_CANCELLED:
			*col = colour ? "\033[90m" : NULL;
			return "\xe2\x95\x8c";			/* dashed line */
		}
	}
	for (i = 0; i < gr->nfrz; i++) {
		if (gr->frz[i].end > t0 && gr->frz[i].start < t1) {
			*col = colour ? "\033[34m" : NULL;
			return "\xe2\x96\x9a";			/* quadrants */
		}
	}
	for (i = 0; i < gr->nwin; i++) {
		if (gr->win[i].end > t0 && gr->win[i].start < t1) {
			*col = colour ? "\033[2;32m" : NULL;
			return "\xe2\x96\x91";			/* light shade */
		}
	}
	return NULL;
}

static void
pad(struct buf *b, const char *s, size_t w)
{
	size_t	 n = strlen(s);

	if (n > w) {
		buf_add(b, s, w - 1);
		buf_adds(b, "\xe2\x80\xa6");
		return;
	}
	buf_adds(b, s);
	for (; n < w; n++)
		buf_addc(b, ' ');
}

/* The legend, wrapped at width columns. */
static void
legend(struct buf *b, const struct timeline *tl, size_t width, int colour)
{
	static const struct {
		const char *mark, *ansi, *text;
	} keys[] = {
		{ "\xe2\x96\x91", "\033[2;32m", "window" },
		{ "\xe2\x96\x9a", "\033[34m", "freeze" },
		{ "\xe2\x96\x92", NULL, "tentative" },
		{ "\xe2\x96\x88", NULL, "confirmed" },
		{ "\xe2\x96\xb6", NULL, "running" },
		{ "\xe2\x95\x8c", "\033[90m", "cancelled" },
		{ "\xe2\x9c\x93", NULL, "completed" },
		{ "\xe2\x86\xba", NULL, "rolled back" },
		{ "\xe2\x9c\x97", NULL, "failed" },
		{ "\xe2\x94\x82", "\033[31m", "now" },
	};
	size_t	 i, used = 0, w;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		w = 2 + strlen(keys[i].text) + 2;
		if (used > 0 && used + w > width) {
			buf_addc(b, '\n');
			used = 0;
		}
		if (colour && keys[i].ansi != NULL)
			buf_adds(b, keys[i].ansi);
		buf_adds(b, keys[i].mark);
		if (colour && keys[i].ansi != NULL)
			buf_adds(b, "\033[0m");
		buf_addf(b, " %s  ", keys[i].text);
		used += w;
	}
	buf_adds(b, "\nrisk:");
	for (i = 0; i < tl->nlevels; i++)
		buf_addf(b, " %s%s%s", colour ? ansi_level(tl, (int)i) : "",
		    tl->levels[i], colour ? "\033[0m" : "");
	buf_addc(b, '\n');
}

char *
timeline_text(const struct timeline *tl, int64_t from, int64_t to, int width,
    int colour)
{
	struct buf b = BUF_INIT;
	struct civil c;
	const struct tl_group *gr;
	const char *ch, *col;
	char	*a, *z, **marks;
	size_t	 label = 6, cols, i, j, k = 0, r;
	int64_t	 span, t0, t1, d;
	long	 nowcol = -1, at;

	for (i = 0; i < tl->nrows; i++)
		label = strlen(tl->rows[i]) + 3 > label ?
		    strlen(tl->rows[i]) + 3 : label;
	label = label > TX_LABEL_MAX ? TX_LABEL_MAX : label;
	cols = width > (int)label + 10 ? (size_t)width - label : 10;
	if (to <= from)
		to = from + 86400;
	span = to - from;
	if (tl->now >= from && tl->now < to)
		nowcol = (long)((tl->now - from) * (int64_t)cols / span);
	a = local_text(tl, from);
	z = local_text(tl, to - 1);
	buf_addf(&b, "%s: %s \xe2\x80\x93 %s, times in %s\n", tl->title, a, z,
	    tl->zone);
	free(a);
	free(z);
	/* the axis: week labels, then a tick per day */
	marks = xcalloc(cols + 1, sizeof *marks);
	for (d = timeline_day(tl, from); d < to; d = timeline_days_after(tl, d, 1)) {
		if (d < from)
			continue;
		at = (long)((d - from) * (int64_t)cols / span);
		tz_utc_to_local(tl->tz, d, &c, NULL);
		if (weekday(&c) == 1 && marks[at] == NULL)
			marks[at] = xasprintf("%d %s", c.day, month_abbr[c.month - 1]);
	}
	pad(&b, "", label);
	for (i = 0; i < cols; ) {
		if (marks[i] != NULL && i + strlen(marks[i]) <= cols) {
			buf_adds(&b, marks[i]);
			i += strlen(marks[i]);
		} else {
			buf_addc(&b, ' ');
			i++;
		}
	}
	buf_addc(&b, '\n');
	pad(&b, "", label);
	for (i = 0; i < cols; i++) {
		t0 = from + span * (int64_t)i / (int64_t)cols;
		t1 = from + span * (int64_t)(i + 1) / (int64_t)cols;
		d = timeline_day(tl, t1 - 1);
		ch = d >= t0 && d < t1 ? (marks[i] != NULL ? "\xe2\x94\xbc" :
		    "\xe2\x94\xac") : "\xe2\x94\x80";
		buf_adds(&b, ch);
	}
	buf_addc(&b, '\n');
	for (i = 0; i <= cols; i++)
		free(marks[i]);
	free(marks);
	for (i = 0; i < tl->ngroups; i++) {
		gr = &tl->groups[i];
		buf_addf(&b, "%s[%s]%s\n", colour ? "\033[1m" : "", gr->name,
		    colour ? "\033[0m" : "");
		for (r = gr->first; r < gr->first + gr->n; r++) {
			buf_adds(&b, "  ");
			pad(&b, tl->rows[r], label - 3);
			buf_addc(&b, ' ');
			while (k < tl->nbars && tl->bars[k].row < r)
				k++;
			for (j = 0; j < cols; j++) {
				t0 = from + span * (int64_t)j / (int64_t)cols;
				t1 = from + span * (int64_t)(j + 1) / (int64_t)cols;
				ch = cell(tl, gr, r, &k, t0, t1, colour, &col);
				if (ch == NULL && (long)j == nowcol) {
					ch = "\xe2\x94\x82";
					col = colour ? "\033[31m" : NULL;
				}
				if (col != NULL)
					buf_adds(&b, col);
				buf_adds(&b, ch != NULL ? ch : " ");
				if (col != NULL)
					buf_adds(&b, "\033[0m");
			}
			buf_addc(&b, '\n');
		}
	}
	legend(&b, tl, label + cols, colour);
	return buf_detach(&b, NULL);
}
