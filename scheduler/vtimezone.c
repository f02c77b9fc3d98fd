/* vtimezone: a zone's VTIMEZONE from its TZif data and rules (libical) */
#include <libical/ical.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "icalx.h"
#include "tz.h"
#include "util.h"
#include "vtimezone.h"

#define DAY		INT64_C(86400)


/*
 * The zone's rules when both are of the Mm.w.d form, which RRULEs can say
 * (Jn and n days are left to explicit observances); -1 otherwise.
 */
static int
zone_rules(const struct tz *tz, struct tz_rule *start, struct tz_rule *end)
{
	if (tz_rules(tz, start, end) != 0 || start->kind != TZ_RULE_MONTH ||
	    end->kind != TZ_RULE_MONTH)
		return -1;
	return 0;
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}


/*
 * The rule as an RRULE for DTSTARTs at the local time it gives: -1 when
 * its day, moved by a time past midnight, could leave the month, or when
 * the last week of February moves (2001 has the shortest months).
 */
static int
rule_rrule(const struct tz_rule *r, struct buf *b)
{
	static const char *const wd[] = { "SU", "MO", "TU", "WE", "TH", "FR", "SA" };
	int64_t	 k = floor_div(r->time, DAY), lo, i;
	int	 d = (int)(((r->wday + k) % 7 + 7) % 7);

	buf_addf(b, "FREQ=YEARLY;BYMONTH=%d;BYDAY=", r->month);
	if (k == 0) {
		buf_addf(b, "%d%s", r->week == 5 ? -1 : r->week, wd[d]);
		return 0;
	}
	/* ical.js misreads a negative BYMONTHDAY here: count from the start */
	if (r->week == 5 && r->month != 2 && k < 0 &&
	    days_in_month(2001, r->month) - 6 + k >= 1)
		lo = days_in_month(2001, r->month) - 6 + k;
	else if (r->week < 5 && 7 * (r->week - 1) + 1 + k >= 1 &&
	    7 * r->week + k <= days_in_month(2001, r->month))
		lo = 7 * (r->week - 1) + 1 + k;
	else
		return -1;
	buf_addf(b, "%s;BYMONTHDAY=", wd[d]);
	for (i = lo; i < lo + 7; i++)
		buf_addf(b, "%s%lld", i == lo ? "" : ",", (long long)i);
	return 0;
}

/* The transitions of a zone in [from, to). */
static struct tz_transition *
transitions(const struct tz *tz, int64_t from, int64_t to, size_t *n)
{
	struct tz_iter it;
	struct tz_transition t, *v = NULL;
	size_t	 alloc = 0;

	*n = 0;
	tz_iter_init(&it, tz, from, to);
	while (tz_iter_next(&it, &t)) {
		if (*n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			v = xreallocarray(v, alloc, sizeof *v);
		}
		v[(*n)++] = t;
	}
	return v;
}

static int
same_change(const struct tz_transition *a, const struct tz_transition *b)
{
	return a->off_before == b->off_before && a->off_after == b->off_after &&
	    a->is_dst == b->is_dst && strcmp(a->abbr, b->abbr) == 0;
}

/* Does the rule of its kind make transition i, like the last of its kind? */
static int
rule_made(const struct tz_transition *v, size_t n, size_t i,
    const struct tz_rule rules[2])
{
	const struct tz_rule *r = &rules[v[i].is_dst ? 0 : 1];
	size_t	 j;

	if (v[i].at != tz_rule_wall(r, dt_year_of(v[i].at + v[i].off_before)) -
	    v[i].off_before)
		return 0;
	for (j = n; j-- > i;) {
		if (v[j].is_dst == v[i].is_dst)
			return same_change(&v[j], &v[i]);
	}
	return 0;
}

/*
 * Do the rules make every transition from v[k] up to to, each of them
 * there? 1 if so; 0 with *bad, the first one they make that is missing;
 * -1 when one kind of transition is not there at all.
 */
static int
rules_complete(const struct tz_transition *v, size_t n, size_t k, int64_t to,
    const struct tz_rule rules[2], int64_t *bad)
{
	int64_t	 at;
	size_t	 i;
	int	 y, kind, found[2] = { 0, 0 }, off[2] = { 0, 0 };

	for (i = k; i < n; i++) {
		found[v[i].is_dst ? 0 : 1] = 1;
		off[v[i].is_dst ? 0 : 1] = v[i].off_before;
	}
	if (!found[0] || !found[1])
		return -1;
	for (y = dt_year_of(v[k].at) - 1; y <= dt_year_of(to) + 1; y++) {
		for (kind = 0; kind < 2; kind++) {
			at = tz_rule_wall(&rules[kind], y) - off[kind];
			if (at < v[k].at || at >= to)
				continue;
			for (i = k; i < n && v[i].at != at; i++)
				;
			if (i == n) {
				*bad = at;
				return 0;
			}
		}
	}
	return 1;
}

/* From which transition on the zone's rules describe the rest; n if none. */
static size_t
rules_from(const struct tz_transition *v, size_t n, int64_t to,
    const struct tz_rule rules[2])
{
	size_t	 k = n;
	int64_t	 bad = 0;
	int	 r = 0;

	while (k > 0 && rule_made(v, n, k - 1, rules))
		k--;
	while (k < n && (r = rules_complete(v, n, k, to, rules, &bad)) == 0) {
		while (k < n && v[k].at <= bad)
			k++;
	}
	return k < n && r == 1 ? k : n;
}

static void
add_observance(icalcomponent *vtz, int daylight, int64_t at, int from,
    int to, const char *abbr, const char *rrule)
{
	icalcomponent *o = icalcomponent_new(daylight ?
	    ICAL_XDAYLIGHT_COMPONENT : ICAL_XSTANDARD_COMPONENT);
	struct civil c;

	utc_to_civil(at + from, &c);
	icalcomponent_add_property(o, icalproperty_new_dtstart(icalx_floating(&c)));
	icalcomponent_add_property(o, icalproperty_new_tzoffsetfrom(from));
	icalcomponent_add_property(o, icalproperty_new_tzoffsetto(to));
	icalcomponent_add_property(o, icalproperty_new_tzname(abbr));
	if (rrule != NULL)
		icalcomponent_add_property(o, icalproperty_new_rrule(
		    icalrecurrencetype_from_string(rrule)));
	icalcomponent_add_component(vtz, o);
}

/* The first transition of a kind from k on. */
static const struct tz_transition *
first_of(const struct tz_transition *v, size_t n, size_t k, int dst)
{
	for (; k < n; k++) {
		if (v[k].is_dst == dst)
			return &v[k];
	}
	return NULL;
}

static void
add_rule_observances(icalcomponent *vtz, const struct tz_transition *v,
    size_t n, size_t k, const struct tz_rule rules[2])
{
	const struct tz_transition *t;
	struct buf b = BUF_INIT;
	int	 kind;

	for (kind = 0; kind < 2; kind++) {
		t = first_of(v, n, k, kind == 0);
		buf_reset(&b);
		rule_rrule(&rules[kind], &b);
		add_observance(vtz, t->is_dst, t->at, t->off_before,
		    t->off_after, t->abbr, buf_str(&b));
	}
	buf_release(&b);
}

icalcomponent *
vtimezone_component(const struct tz *tz, const char *tzid, int64_t from, int64_t to)
{
	icalcomponent *vtz = icalcomponent_new_vtimezone();
	struct tz_transition *v;
	struct tz_rule rules[2];
	struct buf b = BUF_INIT;
	size_t	 n, i, k;

	icalcomponent_add_property(vtz, icalproperty_new_tzid(tzid));
	v = transitions(tz, from, to, &n);
	k = n;
	if (n > 0 && zone_rules(tz, &rules[0], &rules[1]) == 0 &&
	    rule_rrule(&rules[0], &b) == 0 && rule_rrule(&rules[1], &b) == 0)
		k = rules_from(v, n, to, rules);
	buf_release(&b);
	if (n == 0 || v[0].at > from)
		add_observance(vtz, tz_is_dst_at(tz, from), from,
		    tz_offset_at(tz, from), tz_offset_at(tz, from),
		    tz_abbr_at(tz, from), NULL);
	for (i = 0; i < k; i++)
		add_observance(vtz, v[i].is_dst, v[i].at, v[i].off_before,
		    v[i].off_after, v[i].abbr, NULL);
	if (k < n)
		add_rule_observances(vtz, v, n, k, rules);
	free(v);
	return vtz;
}

char *
vtimezone_text(const char *tzid, int64_t from, int64_t to, char **cause)
{
	const struct tz *tz;

	if ((tz = tz_get(tzid, cause)) == NULL)
		return NULL;
	return icalx_text(vtimezone_component(tz, tzid, from, to));
}

