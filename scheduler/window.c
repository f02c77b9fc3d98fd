/* window: off-peak windows and freezes as time intervals (libical) */
#include <libical/ical.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datetime.h"
#include "icalx.h"
#include "policy.h"
#include "tz.h"
#include "util.h"
#include "window.h"

#define DAY	INT64_C(86400)
/* Local time is within 26 hours of UTC: two days of slack cover any zone. */
#define SLACK	(2 * DAY)
/* Ranges are clamped to the years 0001..9999. */
#define T_MIN	INT64_C(-62135596800)
#define T_MAX	INT64_C(253402300799)

/* What a window and a recurring freeze have in common. */
struct recur {
	const char *kind;		/* "window" or "freeze" */
	const char *name;
	struct civil start;
	const char *timezone;
	int64_t	 duration;
	const char *rrule;
	const struct civil *exdates;
	size_t	 nexdates;
};

/* An expansion in progress. */
struct expansion {
	const struct recur *r;
	const struct tz *tz;
	int64_t	 from, to;
	int64_t	*ex;			/* exdates in local seconds, sorted */
	size_t	 nex;
	int	 until_utc;		/* UNTIL is an instant, checked here */
	int64_t	 until;
	struct interval *v;
	size_t	 n, alloc;
};

int
window_rrule_check(const char *rrule, char **cause)
{
	struct icalrecurrencetype r;

	if (strncmp(rrule, "RRULE:", 6) == 0) {
		*cause = xasprintf("'%s': give the rule without 'RRULE:'", rrule);
		return -1;
	}
	icalerror_clear_errno();
	r = icalrecurrencetype_from_string(rrule);
	if (r.freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR) {
		*cause = xasprintf("'%s' is not a valid RRULE (RFC 5545): %s",
		    rrule, icalerror_strerror(icalerrno != ICAL_NO_ERROR ?
		    icalerrno : ICAL_MALFORMEDDATA_ERROR));
		icalerror_clear_errno();
		return -1;
	}
	if (r.freq == ICAL_SECONDLY_RECURRENCE ||
	    r.freq == ICAL_MINUTELY_RECURRENCE) {
		*cause = xasprintf("'%s': windows recur at most hourly", rrule);
		return -1;
	}
	return 0;
}

static int
cmp_interval(const void *a, const void *b)
{
	const struct interval *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

static int
is_exdate(const struct expansion *e, int64_t wall)
{
	return e->nex > 0 &&
	    bsearch(&wall, e->ex, e->nex, sizeof *e->ex, cmp_int64) != NULL;
}

/* One occurrence starting at a local time: kept if it overlaps the range. */
static void
add_occurrence(struct expansion *e, int64_t wall)
{
	int64_t	 start, end;

	if (is_exdate(e, wall))
		return;
	start = tz_wall_to_utc(e->tz, wall);
	if (e->until_utc && start > e->until)
		return;
	end = start + e->r->duration;
	if (start >= e->to || end <= e->from)
		return;
	if (e->n == e->alloc) {
		e->alloc = e->alloc == 0 ? 64 : e->alloc * 2;
		e->v = xreallocarray(e->v, e->alloc, sizeof *e->v);
	}
	e->v[e->n].start = start;
	e->v[e->n].end = end;
	e->n++;
}






/*
 * The window's start, moved forward by whole periods of the rule to just
 * before the first occurrence that can overlap the range: libical 3.0
 * has no fast-forward that keeps COUNT, and walking years of daily or
 * hourly occurrences one by one would cost more than the whole range.
 */
static struct icaltimetype
skip_ahead(const struct expansion *e, const struct icalrecurrencetype *rr)
{
	struct civil c = e->r->start;
	int64_t	 period = icalx_rule_period(rr), wall = civil_to_utc(&c), lo;

	lo = e->from - e->r->duration - SLACK;
	if (period > 0 && wall < lo) {
		wall += (lo - wall) / period * period;
		utc_to_civil(wall, &c);
	}
	return icalx_floating(&c);
}

/* A UTC UNTIL is checked here against each start instant. */
static void
take_until(struct expansion *e, struct icalrecurrencetype *rr)
{
	if (icaltime_is_null_time(rr->until) || !icaltime_is_utc(rr->until))
		return;
	e->until_utc = 1;
	e->until = icalx_wall(rr->until);
	rr->until = icaltime_null_time();
}

static int
iterate(struct expansion *e, char **cause)
{
	const struct recur *r = e->r;
	struct icalrecurrencetype rr;
	icalrecur_iterator *it;
	struct icaltimetype o;
	int64_t	 wall, prev = INT64_MIN, stop = e->to;

	if (window_rrule_check(r->rrule, cause) != 0)
		return -1;
	rr = icalrecurrencetype_from_string(r->rrule);
	take_until(e, &rr);
	if (e->until_utc && e->until < stop)
		stop = e->until + 1;
	stop += SLACK;
	if ((it = icalrecur_iterator_new(rr, skip_ahead(e, &rr))) == NULL) {
		*cause = xasprintf("cannot expand the rule '%s'", r->rrule);
		icalerror_clear_errno();
		return -1;
	}
	while (!icaltime_is_null_time(o = icalrecur_iterator_next(it))) {
		if ((wall = icalx_wall(o)) > stop)
			break;
		if (wall <= prev) {
			*cause = xasprintf("the rule '%s' does not advance",
			    r->rrule);
			icalrecur_iterator_free(it);
			return -1;
		}
		prev = wall;
		add_occurrence(e, wall);
	}
	icalrecur_iterator_free(it);
	return 0;
}

static int
expand(const struct recur *r, int64_t from, int64_t to,
    struct interval **out, size_t *n, char **cause)
{
	struct expansion e;
	char	*why = NULL;
	size_t	 i, k;
	int	 rv = 0;

	memset(&e, 0, sizeof e);
	e.r = r;
	e.from = from < T_MIN ? T_MIN : from;
	e.to = to > T_MAX ? T_MAX : to;
	if (r->timezone == NULL)
		why = xstrdup("no time zone");
	else if (r->duration <= 0)
		why = xstrdup("no duration");
	else if ((e.tz = tz_get(r->timezone, &why)) == NULL)
		;
	else if (e.from < e.to) {
		e.nex = r->nexdates;
		e.ex = xreallocarray(NULL, e.nex + 1, sizeof *e.ex);
		for (i = 0; i < e.nex; i++)
			e.ex[i] = civil_to_utc(&r->exdates[i]);
		array_sort(e.ex, e.nex, sizeof *e.ex, cmp_int64);
		if (r->rrule == NULL)
			add_occurrence(&e, civil_to_utc(&r->start));
		else
			rv = iterate(&e, &why);
		free(e.ex);
	}
	if (why != NULL) {
		*cause = xasprintf("%s '%s': %s", r->kind,
		    r->name != NULL ? r->name : "", why);
		free(why);
		free(e.v);
		*out = NULL;
		*n = 0;
		return -1;
	}
	/* A start skipped by DST can land on another occurrence's instant. */
	if (e.n > 0)
		array_sort(e.v, e.n, sizeof *e.v, cmp_interval);
	for (i = k = 0; i < e.n; i++) {
		if (k == 0 || cmp_interval(&e.v[k - 1], &e.v[i]) != 0)
			e.v[k++] = e.v[i];
	}
	*out = e.v;
	*n = k;
	return rv;
}

int
window_expand(const struct window_def *w, int64_t from, int64_t to,
    struct interval **out, size_t *n, char **cause)
{
	struct recur r = { "window", w->name, w->start, w->timezone,
	    w->duration, w->rrule, w->exdates, w->nexdates };

	return expand(&r, from, to, out, n, cause);
}

int
freeze_expand(const struct freeze_def *f, int64_t from, int64_t to,
    struct interval **out, size_t *n, char **cause)
{
	struct recur r = { "freeze", f->name, f->local_start, f->timezone,
	    f->duration, f->rrule, f->exdates, f->nexdates };

	*out = NULL;
	*n = 0;
	switch (f->kind) {
	case FREEZE_ABSOLUTE:
		if (f->start < to && f->end > from && f->start < f->end) {
			*out = xmalloc(sizeof **out);
			(*out)->start = f->start;
			(*out)->end = f->end;
			*n = 1;
		}
		return 0;
	case FREEZE_RECURRING:
		return expand(&r, from, to, out, n, cause);
	case FREEZE_URL:
		return 0;
	}
	return 0;
}

void
interval_merge(struct interval *v, size_t *n)
{
	size_t	 i, k;

	if (*n == 0)
		return;
	array_sort(v, *n, sizeof *v, cmp_interval);
	for (i = 1, k = 0; i < *n; i++) {
		if (v[i].start <= v[k].end) {
			if (v[i].end > v[k].end)
				v[k].end = v[i].end;
		} else
			v[++k] = v[i];
	}
	*n = k + 1;
}

/* The first of sorted, disjoint intervals that ends after t, or n. */
static size_t
first_ending_after(const struct interval *v, size_t n, int64_t t)
{
	size_t	 lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid].end <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
interval_overlaps(const struct interval *v, size_t n, int64_t start,
    int64_t end)
{
	size_t	 i;

	if (start >= end)
		return 0;
	i = first_ending_after(v, n, start);
	return i < n && v[i].start < end;
}

const struct interval *
interval_covering(const struct interval *v, size_t n, int64_t start,
    int64_t end)
{
	size_t	 i = first_ending_after(v, n, start);

	if (i < n && v[i].start <= start && v[i].end >= end)
		return &v[i];
	return NULL;
}


void
interval_sort(struct interval *v, size_t n)
{
	array_sort(v, n, sizeof *v, cmp_interval);
}
