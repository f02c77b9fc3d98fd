/* t-window: off-peak windows and freezes as UTC intervals */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datetime.h"
#include "policy.h"
#include "tap.h"
#include "testutil.h"
#include "tz.h"
#include "util.h"
#include "window.h"

static const struct tz *
berlin(void)
{
	char	*cause = NULL;
	const struct tz *z = tz_get("Europe/Berlin", &cause);

	if (z == NULL) {
		fprintf(stderr, "%s\n", cause);
		exit(2);
	}
	return z;
}

/* A window; exdates are added with exdate(). */
static struct window_def
win(const char *zone, const char *start, const char *dur, const char *rrule)
{
	struct window_def w;
	char	*cause;

	memset(&w, 0, sizeof w);
	w.name = (char *)"w";
	w.timezone = (char *)zone;
	w.start = local(start);
	if (dur_parse(dur, &w.duration, 0, &cause) != 0) {
		fprintf(stderr, "bad duration in test: %s\n", cause);
		exit(2);
	}
	w.rrule = (char *)rrule;
	return w;
}

static void
exdate(struct window_def *w, const char *s)
{
	w->exdates = xreallocarray(w->exdates, w->nexdates + 1,
	    sizeof *w->exdates);
	w->exdates[w->nexdates++] = local(s);
}

/* "start/end, start/end" in UTC, or "error: cause". */
static char *
show(const struct interval *v, size_t n)
{
	struct buf b = BUF_INIT;
	char	*s, *e;
	size_t	 i;

	for (i = 0; i < n; i++) {
		s = dt_format_utc(v[i].start);
		e = dt_format_utc(v[i].end);
		buf_addf(&b, "%s%s/%s", i ? ", " : "", s, e);
		free(s);
		free(e);
	}
	return buf_detach(&b, NULL);
}

static char *
expand_show(const struct window_def *w, const char *from, const char *to)
{
	struct interval *v;
	size_t	 n;
	char	*cause, *s;

	if (window_expand(w, at(from), at(to), &v, &n, &cause) != 0) {
		s = xasprintf("error: %s", cause);
		free(cause);
		return s;
	}
	s = show(v, n);
	free(v);
	return s;
}

static void
expands_to(const struct window_def *w, const char *from, const char *to,
    const char *want, const char *desc)
{
	char	*got = expand_show(w, from, to);

	is_str(got, want, "%s", desc);
	free(got);
}

/* Expand, failing the test on error. */
static size_t
expand_n(const struct window_def *w, int64_t from, int64_t to,
    struct interval **v)
{
	size_t	 n = 0;
	char	*cause = NULL;

	if (window_expand(w, from, to, v, &n, &cause) != 0) {
		ok(0, "expansion failed: %s", cause);
		free(cause);
		*v = NULL;
		return 0;
	}
	return n;
}

static void
test_daily(void)
{
	struct window_def w = win("Europe/Berlin", "2025-06-01T01:00:00",
	    "PT4H", "FREQ=DAILY");
	struct interval *v;
	struct civil c;
	size_t	 n, i;
	int	 bad = 0;

	expands_to(&w, "2026-01-01T02:00:00Z", "2026-01-03T00:00:00Z",
	    "2026-01-01T00:00:00Z/2026-01-01T04:00:00Z, "
	    "2026-01-02T00:00:00Z/2026-01-02T04:00:00Z",
	    "daily: an occurrence already running at 'from' is included");
	expands_to(&w, "2026-01-01T04:00:00Z", "2026-01-02T00:00:00Z", "",
	    "daily: occurrences ending at 'from' or starting at 'to' are not");
	expands_to(&w, "2025-01-01T00:00:00Z", "2025-05-31T23:00:00Z", "",
	    "daily: nothing before the window's start");
	expands_to(&w, "2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z", "",
	    "daily: an empty range gives nothing");

	/* A year: one occurrence a day, 01:00 local, four elapsed hours. */
	n = expand_n(&w, at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"),
	    &v);
	is_int(n, 365, "daily: 365 occurrences in 2026");
	for (i = 0; i < n; i++) {
		tz_utc_to_local(berlin(), v[i].start, &c,
		    NULL);
		if (c.hour != 1 || c.minute != 0 || v[i].end - v[i].start !=
		    4 * 3600 || (i > 0 && v[i].start <= v[i - 1].start))
			bad++;
	}
	is_int(bad, 0, "daily: every one at 01:00 local, 4 h long, in order");
	free(v);
}

static void
test_weekly(void)
{
	struct window_def w = win("Asia/Shanghai", "2026-01-05T22:00:00",
	    "PT3H", "FREQ=WEEKLY;BYDAY=MO,WE,FR");

	expands_to(&w, "2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z",
	    "2026-01-05T14:00:00Z/2026-01-05T17:00:00Z, "
	    "2026-01-07T14:00:00Z/2026-01-07T17:00:00Z, "
	    "2026-01-09T14:00:00Z/2026-01-09T17:00:00Z",
	    "weekly: Monday, Wednesday and Friday at 22:00 +08:00");
	w = win("Asia/Shanghai", "2026-01-07T01:00:00", "PT1H",
	    "FREQ=WEEKLY;INTERVAL=2");
	expands_to(&w, "2026-01-01T00:00:00Z", "2026-02-10T00:00:00Z",
	    "2026-01-06T17:00:00Z/2026-01-06T18:00:00Z, "
	    "2026-01-20T17:00:00Z/2026-01-20T18:00:00Z, "
	    "2026-02-03T17:00:00Z/2026-02-03T18:00:00Z",
	    "weekly: every other Wednesday from the start's weekday");
}

static void
test_exdates(void)
{
	struct window_def w = win("Europe/Berlin", "2026-01-01T01:00:00",
	    "PT1H", "FREQ=DAILY");

	exdate(&w, "2026-01-02T01:00:00");
	exdate(&w, "2026-01-03T02:00:00");	/* not an occurrence */
	expands_to(&w, "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z",
	    "2026-01-01T00:00:00Z/2026-01-01T01:00:00Z, "
	    "2026-01-03T00:00:00Z/2026-01-03T01:00:00Z",
	    "exdates: the excluded day is gone, a non-matching exdate is not");
	free(w.exdates);

	/* An exdate in summer is local time too. */
	w = win("Europe/Berlin", "2026-07-01T01:00:00", "PT1H", "FREQ=DAILY");
	exdate(&w, "2026-07-02T01:00:00");
	expands_to(&w, "2026-06-30T00:00:00Z", "2026-07-03T00:00:00Z",
	    "2026-06-30T23:00:00Z/2026-07-01T00:00:00Z, "
	    "2026-07-02T23:00:00Z/2026-07-03T00:00:00Z",
	    "exdates: compared in local time, not UTC");
	free(w.exdates);

	w = win("Europe/Berlin", "2026-07-01T01:00:00", "PT1H", NULL);
	expands_to(&w, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z",
	    "2026-06-30T23:00:00Z/2026-07-01T00:00:00Z",
	    "no rule: a single occurrence");
	exdate(&w, "2026-07-01T01:00:00");
	expands_to(&w, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", "",
	    "no rule: an exdate removes the only occurrence");
	free(w.exdates);
}

static void
test_count_until(void)
{
	struct window_def w = win("Europe/Berlin", "2026-01-01T01:00:00",
	    "PT1H", "FREQ=DAILY;COUNT=3");
	struct interval *v;
	size_t	 n;

	expands_to(&w, "2025-01-01T00:00:00Z", "2027-01-01T00:00:00Z",
	    "2026-01-01T00:00:00Z/2026-01-01T01:00:00Z, "
	    "2026-01-02T00:00:00Z/2026-01-02T01:00:00Z, "
	    "2026-01-03T00:00:00Z/2026-01-03T01:00:00Z", "COUNT=3: three");
	exdate(&w, "2026-01-02T01:00:00");
	expands_to(&w, "2025-01-01T00:00:00Z", "2027-01-01T00:00:00Z",
	    "2026-01-01T00:00:00Z/2026-01-01T01:00:00Z, "
	    "2026-01-03T00:00:00Z/2026-01-03T01:00:00Z",
	    "COUNT counts excluded occurrences too (RFC 5545)");
	free(w.exdates);

	w = win("Europe/Berlin", "2016-01-01T01:00:00", "PT1H",
	    "FREQ=DAILY;COUNT=4000");
	n = expand_n(&w, at("2026-01-01T00:00:00Z"),
	    at("2027-01-01T00:00:00Z"), &v);
	/* 2016-01-01 + 3999 days = 2026-12-13 */
	is_int(n, 347, "COUNT from ten years back ends 2026-12-13");
	if (n > 0) {
		is_int(v[n - 1].start, at("2026-12-13T00:00:00Z"),
		    "the last counted occurrence");
	}
	free(v);

	w = win("Europe/Berlin", "2026-01-01T01:00:00", "PT1H",
	    "FREQ=DAILY;UNTIL=20260104T000000Z");
	expands_to(&w, "2025-01-01T00:00:00Z", "2027-01-01T00:00:00Z",
	    "2026-01-01T00:00:00Z/2026-01-01T01:00:00Z, "
	    "2026-01-02T00:00:00Z/2026-01-02T01:00:00Z, "
	    "2026-01-03T00:00:00Z/2026-01-03T01:00:00Z, "
	    "2026-01-04T00:00:00Z/2026-01-04T01:00:00Z",
	    "UNTIL in UTC: an occurrence starting at UNTIL is included");
	w.rrule = (char *)"FREQ=DAILY;UNTIL=20260103T235959Z";
	expands_to(&w, "2025-01-01T00:00:00Z", "2027-01-01T00:00:00Z",
	    "2026-01-01T00:00:00Z/2026-01-01T01:00:00Z, "
	    "2026-01-02T00:00:00Z/2026-01-02T01:00:00Z, "
	    "2026-01-03T00:00:00Z/2026-01-03T01:00:00Z",
	    "UNTIL in UTC: one second earlier excludes it");
	w.rrule = (char *)"FREQ=DAILY;UNTIL=20260102T010000";
	expands_to(&w, "2025-01-01T00:00:00Z", "2027-01-01T00:00:00Z",
	    "2026-01-01T00:00:00Z/2026-01-01T01:00:00Z, "
	    "2026-01-02T00:00:00Z/2026-01-02T01:00:00Z",
	    "UNTIL in local time is compared in local time");

	/* 02:30 CEST on the fall-back day is 00:30 UTC: UNTIL must see that. */
	w = win("Europe/Berlin", "2026-10-23T02:30:00", "PT1H",
	    "FREQ=DAILY;UNTIL=20261025T003000Z");
	expands_to(&w, "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z",
	    "2026-10-23T00:30:00Z/2026-10-23T01:30:00Z, "
	    "2026-10-24T00:30:00Z/2026-10-24T01:30:00Z, "
	    "2026-10-25T00:30:00Z/2026-10-25T01:30:00Z",
	    "UNTIL in UTC against the first 02:30 of the fall-back night");

	/* The iterator is not told about UTC: years of UNTIL still stop. */
	w = win("Europe/Berlin", "2020-01-01T01:00:00", "PT1H",
	    "FREQ=DAILY;UNTIL=20251231T000000Z");
	expands_to(&w, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", "",
	    "UNTIL before the range gives nothing");
}

static void
test_dst(void)
{
	struct window_def w = win("Europe/Berlin", "2026-01-01T01:00:00",
	    "PT3H", "FREQ=DAILY");

	expands_to(&w, "2026-03-28T12:00:00Z", "2026-03-30T12:00:00Z",
	    "2026-03-29T00:00:00Z/2026-03-29T03:00:00Z, "
	    "2026-03-29T23:00:00Z/2026-03-30T02:00:00Z",
	    "spanning spring forward: 01:00 CET plus 3 elapsed hours");
	expands_to(&w, "2026-10-24T12:00:00Z", "2026-10-26T12:00:00Z",
	    "2026-10-24T23:00:00Z/2026-10-25T02:00:00Z, "
	    "2026-10-26T00:00:00Z/2026-10-26T03:00:00Z",
	    "spanning fall back: 01:00 CEST plus 3 elapsed hours");

	w = win("Europe/Berlin", "2026-01-01T02:30:00", "PT1H", "FREQ=DAILY");
	expands_to(&w, "2026-03-28T00:00:00Z", "2026-03-31T00:00:00Z",
	    "2026-03-28T01:30:00Z/2026-03-28T02:30:00Z, "
	    "2026-03-29T01:30:00Z/2026-03-29T02:30:00Z, "
	    "2026-03-30T00:30:00Z/2026-03-30T01:30:00Z",
	    "02:30 in the gap: read with the offset before, no drift after");
	expands_to(&w, "2026-10-24T00:00:00Z", "2026-10-27T00:00:00Z",
	    "2026-10-24T00:30:00Z/2026-10-24T01:30:00Z, "
	    "2026-10-25T00:30:00Z/2026-10-25T01:30:00Z, "
	    "2026-10-26T01:30:00Z/2026-10-26T02:30:00Z",
	    "02:30 twice on fall back: the first one");

	w = win("Europe/Berlin", "2026-01-01T23:00:00", "PT4H", "FREQ=DAILY");
	expands_to(&w, "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z",
	    "2026-01-01T22:00:00Z/2026-01-02T02:00:00Z, "
	    "2026-01-02T22:00:00Z/2026-01-03T02:00:00Z",
	    "crossing midnight: the previous evening's window reaches in");
	expands_to(&w, "2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z",
	    "2026-03-28T22:00:00Z/2026-03-29T02:00:00Z",
	    "crossing midnight into the spring-forward night: 4 elapsed hours");

	/* Half-hourly starts: the gap folds two starts onto one instant. */
	w = win("Europe/Berlin", "2026-03-29T00:00:00", "PT30M",
	    "FREQ=HOURLY;BYMINUTE=0,30");
	expands_to(&w, "2026-03-28T23:00:00Z", "2026-03-29T02:00:00Z",
	    "2026-03-28T23:00:00Z/2026-03-28T23:30:00Z, "
	    "2026-03-28T23:30:00Z/2026-03-29T00:00:00Z, "
	    "2026-03-29T00:00:00Z/2026-03-29T00:30:00Z, "
	    "2026-03-29T00:30:00Z/2026-03-29T01:00:00Z, "
	    "2026-03-29T01:00:00Z/2026-03-29T01:30:00Z, "
	    "2026-03-29T01:30:00Z/2026-03-29T02:00:00Z",
	    "starts in the gap and after it land on one instant: sorted, once");

	w = win("Australia/Sydney", "2026-12-31T22:00:00", "PT4H",
	    "FREQ=DAILY;COUNT=2");
	expands_to(&w, "2026-01-01T00:00:00Z", "2028-01-01T00:00:00Z",
	    "2026-12-31T11:00:00Z/2026-12-31T15:00:00Z, "
	    "2027-01-01T11:00:00Z/2027-01-01T15:00:00Z",
	    "Sydney: DST over the new year");
}

/* Occurrences of an expansion over a late range are the tail of a long one. */
static void
same_tail(const char *zone, const char *start, const char *rrule)
{
	struct window_def w = win(zone, start, "PT2H", rrule);
	struct interval *all, *part;
	int64_t	 from = at("2026-02-10T05:00:00Z"), to = at("2026-04-20T00:00:00Z");
	size_t	 na, np, i, k;
	int	 same;

	na = expand_n(&w, civil_to_utc(&w.start) - 86400, to, &all);
	np = expand_n(&w, from, to, &part);
	for (k = 0; k < na && all[k].end <= from; k++)
		;
	same = np > 0 && na - k == np;
	for (i = 0; same && i < np; i++)
		same = all[k + i].start == part[i].start &&
		    all[k + i].end == part[i].end;
	ok(same, "'%s' from %s: skipping ahead changes nothing (%zu of %zu)",
	    rrule, start, np, na);
	free(all);
	free(part);
}

static void
test_far_past(void)
{
	struct window_def w = win("Europe/Berlin", "2000-01-03T01:00:00",
	    "PT4H", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH");
	struct interval *v;
	struct civil c;
	size_t	 n, i;
	int64_t	 days;
	int	 bad = 0;
	clock_t	 c0;
	double	 secs;

	n = expand_n(&w, at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"),
	    &v);
	/* Weeks counted from Monday 2000-01-03: the even ones. */
	for (i = 0; i < n; i++) {
		tz_utc_to_local(berlin(), v[i].start, &c,
		    NULL);
		c.hour = 0;
		days = civil_to_utc(&c) / 86400 - 10959;
		if (days < 0 || (days / 7) % 2 != 0 ||
		    (days % 7 != 0 && days % 7 != 3))
			bad++;
	}
	ok(n >= 50 && n <= 54, "start in 2000: %zu occurrences in 2026", n);
	is_int(bad, 0, "start in 2000: every one on an even week, Mon or Thu");
	free(v);

	same_tail("Europe/Berlin", "1999-03-01T01:00:00", "FREQ=DAILY");
	same_tail("Europe/Berlin", "1999-03-01T02:30:00",
	    "FREQ=DAILY;INTERVAL=3;BYDAY=MO,TU,WE");
	same_tail("America/New_York", "2001-05-07T23:00:00",
	    "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,SU;WKST=SU");
	same_tail("America/New_York", "2001-05-07T23:00:00",
	    "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYSETPOS=-1");
	same_tail("Australia/Sydney", "2003-01-01T02:00:00",
	    "FREQ=HOURLY;INTERVAL=5");
	same_tail("Australia/Sydney", "2003-01-01T02:00:00",
	    "FREQ=HOURLY;INTERVAL=7;BYHOUR=2,3,4;BYDAY=SA,SU");
	same_tail("Asia/Shanghai", "2003-01-31T02:00:00", "FREQ=MONTHLY");
	same_tail("Asia/Shanghai", "2003-01-31T02:00:00",
	    "FREQ=DAILY;BYMONTH=3;BYDAY=FR");

	/* Hourly windows started decades ago, over a year: still quick. */
	w = win("Europe/Berlin", "1980-01-01T00:00:00", "PT30M",
	    "FREQ=HOURLY;INTERVAL=2");
	c0 = clock();
	n = expand_n(&w, at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"),
	    &v);
	secs = (double)(clock() - c0) / CLOCKS_PER_SEC;
	ok(n >= 4370 && n <= 4382 && secs < 1.0,
	    "two-hourly since 1980: %zu in 2026, %.3f s", n, secs);
	free(v);
}

static void
test_freeze(void)
{
	struct freeze_def f;
	struct interval *v;
	size_t	 n;
	char	*cause = NULL, *s;

	memset(&f, 0, sizeof f);
	f.name = (char *)"year-end";
	f.kind = FREEZE_ABSOLUTE;
	f.start = at("2026-12-24T00:00:00+08:00");
	f.end = at("2027-01-02T00:00:00+08:00");
	ok(freeze_expand(&f, at("2026-12-01T00:00:00Z"),
	    at("2027-02-01T00:00:00Z"), &v, &n, &cause) == 0 && n == 1 &&
	    v[0].start == f.start && v[0].end == f.end,
	    "absolute freeze overlapping the range");
	free(v);
	ok(freeze_expand(&f, at("2027-01-01T16:00:00Z"),
	    at("2027-02-01T00:00:00Z"), &v, &n, &cause) == 0 && n == 0,
	    "absolute freeze ending at the range's start");
	free(v);

	f.kind = FREEZE_RECURRING;
	f.local_start = local("2020-12-24T00:00:00");
	f.timezone = (char *)"Asia/Shanghai";
	f.duration = 9 * 86400;
	f.rrule = (char *)"FREQ=YEARLY";
	ok(freeze_expand(&f, at("2026-06-01T00:00:00Z"),
	    at("2028-06-01T00:00:00Z"), &v, &n, &cause) == 0, "recurring freeze");
	s = show(v, n);
	is_str(s, "2026-12-23T16:00:00Z/2027-01-01T16:00:00Z, "
	    "2027-12-23T16:00:00Z/2028-01-01T16:00:00Z",
	    "recurring freeze: every Christmas Eve in Shanghai, 9 days");
	free(s);
	free(v);

	f.kind = FREEZE_URL;
	f.url = (char *)"https://intranet.example.com/holidays.ics";
	v = (struct interval *)&f;
	ok(freeze_expand(&f, at("2026-01-01T00:00:00Z"),
	    at("2027-01-01T00:00:00Z"), &v, &n, &cause) == 0 && n == 0 &&
	    v == NULL, "calendar URL freeze: nothing here");
}

static void
test_errors(void)
{
	struct window_def w = win("Nowhere/Else", "2026-01-01T01:00:00", "PT1H",
	    "FREQ=DAILY");
	char	*s;

	s = expand_show(&w, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
	is_str(s, "error: window 'w': unknown time zone 'Nowhere/Else'",
	    "unknown zone");
	free(s);
	w = win("Europe/Berlin", "2026-01-01T01:00:00", "PT1H", "FREQ=DAILIE");
	s = expand_show(&w, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
	ok(strncmp(s, "error: window 'w': 'FREQ=DAILIE' is not a valid RRULE",
	    53) == 0, "bad rule (%s)", s);
	free(s);
	w.rrule = (char *)"FREQ=DAILY";
	w.timezone = NULL;
	s = expand_show(&w, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
	is_str(s, "error: window 'w': no time zone", "no zone");
	free(s);
}

static void
test_intervals(void)
{
	struct interval v[] = { { 50, 60 }, { 10, 20 }, { 15, 30 }, { 30, 35 },
	    { 70, 80 }, { 75, 78 } };
	size_t	 n = nitems(v);
	char	*s;

	interval_merge(v, &n);
	is_int(n, 3, "merge: touching and overlapping intervals join");
	ok(v[0].start == 10 && v[0].end == 35 && v[1].start == 50 &&
	    v[1].end == 60 && v[2].start == 70 && v[2].end == 80,
	    "merge: sorted, spans kept");
	ok(interval_overlaps(v, n, 34, 40), "overlaps: the tail of one");
	ok(!interval_overlaps(v, n, 35, 50), "overlaps: exactly the gap");
	ok(interval_overlaps(v, n, 0, 11), "overlaps: the head of the first");
	ok(!interval_overlaps(v, n, 80, 90), "overlaps: after the last");
	ok(!interval_overlaps(v, n, 55, 55), "overlaps: an empty span never");
	ok(interval_overlaps(v, n, 0, 100), "overlaps: around everything");
	ok(interval_covering(v, n, 50, 60) == &v[1], "covering: exactly");
	ok(interval_covering(v, n, 12, 35) == &v[0], "covering: inside");
	ok(interval_covering(v, n, 55, 71) == NULL, "covering: across a gap");
	ok(interval_covering(v, n, 5, 12) == NULL, "covering: from before");
	ok(interval_covering(v, 0, 5, 12) == NULL, "covering: no intervals");
	s = show(v, 0);
	is_str(s, "", "nothing shows as nothing");
	free(s);
}

int
main(void)
{
	test_daily();
	test_weekly();
	test_exdates();
	test_count_until();
	test_dst();
	test_far_past();
	test_freeze();
	test_errors();
	test_intervals();
	tz_cache_free();
	return done_testing();
}
