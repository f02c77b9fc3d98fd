/* t-ics: events of iCalendar texts (freeze feeds) as UTC intervals */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "tap.h"
#include "testutil.h"
#include "tz.h"
#include "util.h"
#include "icsfeed.h"
#include "window.h"

/* A VCALENDAR around the given lines ("\n" becomes CRLF). */
static char *
cal(const char *body)
{
	struct buf b = BUF_INIT;
	const char *p;

	buf_adds(&b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n");
	for (p = body; *p != '\0'; p++) {
		if (*p == '\n')
			buf_addc(&b, '\r');
		buf_addc(&b, *p);
	}
	buf_adds(&b, "END:VCALENDAR\r\n");
	return buf_detach(&b, NULL);
}

/* Events of text within [from, to) in zone; n = -1 on failure. */
static struct interval *
events(const char *text, const char *zone, const char *from, const char *to,
    ssize_t *n, char **cause)
{
	struct interval *v;
	size_t	 k;

	*cause = NULL;
	if (icsfeed_events(text, strlen(text), zone, at(from), at(to), &v,
	    &k, NULL, cause) != 0) {
		*n = -1;
		return NULL;
	}
	*n = (ssize_t)k;
	return v;
}

static int
has(const struct interval *v, ssize_t n, const char *start, const char *end)
{
	ssize_t	 i;

	for (i = 0; i < n; i++) {
		if (v[i].start == at(start) && v[i].end == at(end))
			return 1;
	}
	return 0;
}

static void
show(const struct interval *v, ssize_t n, const char *cause)
{
	ssize_t	 i;
	char	*a, *b;

	if (cause != NULL)
		printf("#   cause: %s\n", cause);
	for (i = 0; i < n; i++) {
		a = dt_format_utc(v[i].start);
		b = dt_format_utc(v[i].end);
		printf("#   %s .. %s\n", a, b);
		free(a);
		free(b);
	}
}

#define Y2026 "2026-01-01T00:00:00Z", "2027-06-01T00:00:00Z"

static void
test_dates(void)
{
	struct interval *v;
	ssize_t	 n;
	char	*c, *t;

	t = cal("BEGIN:VEVENT\nUID:xmas\nDTSTART;VALUE=DATE:20261225\n"
	    "SUMMARY:Christmas\nEND:VEVENT\n"
	    "BEGIN:VEVENT\nUID:ny\nDTSTART;VALUE=DATE:20261231\n"
	    "DTEND;VALUE=DATE:20270103\nEND:VEVENT\n"
	    "BEGIN:VEVENT\nUID:dur\nDTSTART;VALUE=DATE:20261201\n"
	    "DURATION:P2D\nEND:VEVENT\n");
	v = events(t, "Asia/Shanghai", Y2026, &n, &c);
	is_int(n, 3, "three date events");
	ok(has(v, n, "2026-12-25T00:00:00+08:00", "2026-12-26T00:00:00+08:00"),
	    "a date is the whole local day in the default zone");
	ok(has(v, n, "2026-12-31T00:00:00+08:00", "2027-01-03T00:00:00+08:00"),
	    "DTEND of a date event is exclusive: three days");
	ok(has(v, n, "2026-12-01T00:00:00+08:00", "2026-12-03T00:00:00+08:00"),
	    "DURATION P2D of a date event: two days");
	ok(n > 0 && v[0].start == at("2026-12-01T00:00:00+08:00"),
	    "ordered by start");
	show(v, n, c);
	free(v);
	free(c);
	v = events(t, NULL, Y2026, &n, &c);
	ok(has(v, n, "2026-12-25T00:00:00Z", "2026-12-26T00:00:00Z"),
	    "without a zone dates are UTC days");
	free(v);
	free(c);
	free(t);

	t = cal("BEGIN:VEVENT\nUID:spring\nDTSTART;VALUE=DATE:20260329\n"
	    "END:VEVENT\n");
	v = events(t, "Europe/Berlin", Y2026, &n, &c);
	ok(n == 1 && has(v, n, "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"),
	    "the day Berlin springs forward is 23 hours long");
	show(v, n, c);
	free(v);
	free(c);
	free(t);
}

static void
test_zones(void)
{
	struct interval *v;
	ssize_t	 n;
	char	*c, *t;

	t = cal("BEGIN:VEVENT\nUID:a\nDTSTART;TZID=Europe/Berlin:20260710T100000\n"
	    "DTEND;TZID=Europe/Berlin:20260710T120000\nEND:VEVENT\n"
	    "BEGIN:VEVENT\nUID:b\nDTSTART;TZID=/freeassociation.sourceforge.net/"
	    "Tzfile/America/New_York:20261105T090000\nDURATION:PT1H30M\n"
	    "END:VEVENT\n"
	    "BEGIN:VEVENT\nUID:c\nDTSTART;TZID=/mozilla.org/20050126_1/"
	    "Australia/Sydney:20261004T013000\n"
	    "DTEND;TZID=/mozilla.org/20050126_1/Australia/Sydney:"
	    "20261004T040000\nEND:VEVENT\n"
	    "BEGIN:VEVENT\nUID:d\nDTSTART:20261201T100000Z\n"
	    "DTEND:20261201T113000Z\nEND:VEVENT\n"
	    "BEGIN:VEVENT\nUID:e\nDTSTART:20261202T100000\nDURATION:PT1H\n"
	    "END:VEVENT\n"
	    "BEGIN:VEVENT\nUID:f\nDTSTART;TZID=Europe/Ber\n lin:20261203T100000\n"
	    "DTEND:20261203T100000Z\nEND:VEV\n\tENT\n");
	v = events(t, "Asia/Shanghai", Y2026, &n, &c);
	is_int(n, 6, "six timed events");
	ok(has(v, n, "2026-07-10T08:00:00Z", "2026-07-10T10:00:00Z"),
	    "TZID Europe/Berlin in summer: UTC+2");
	ok(has(v, n, "2026-11-05T14:00:00Z", "2026-11-05T15:30:00Z"),
	    "a TZID behind the freeassociation prefix resolves");
	ok(has(v, n, "2026-10-03T15:30:00Z", "2026-10-03T17:00:00Z"),
	    "Sydney's spring-forward gap: exact elapsed time (1.5 h)");
	ok(has(v, n, "2026-12-01T10:00:00Z", "2026-12-01T11:30:00Z"),
	    "UTC times are taken as they are");
	ok(has(v, n, "2026-12-02T02:00:00Z", "2026-12-02T03:00:00Z"),
	    "floating times are in the default zone");
	ok(has(v, n, "2026-12-03T09:00:00Z", "2026-12-03T10:00:00Z"),
	    "DTEND in another zone than DTSTART; folded lines");
	show(v, n, c);
	free(v);
	free(c);
	free(t);

	t = cal("BEGIN:VTIMEZONE\nTZID:Custom Time\nBEGIN:STANDARD\n"
	    "DTSTART:19700101T000000\nTZOFFSETFROM:+0530\nTZOFFSETTO:+0530\n"
	    "TZNAME:CUS\nEND:STANDARD\nEND:VTIMEZONE\n"
	    "BEGIN:VEVENT\nUID:v\nDTSTART;TZID=Custom Time:20261201T100000\n"
	    "DURATION:PT1H\nEND:VEVENT\n");
	v = events(t, NULL, Y2026, &n, &c);
	ok(n == 1 && has(v, n, "2026-12-01T04:30:00Z", "2026-12-01T05:30:00Z"),
	    "an unknown TZID uses the calendar's VTIMEZONE");
	show(v, n, c);
	free(v);
	free(c);
	free(t);

	t = cal("BEGIN:VEVENT\nUID:m\nDTSTART;TZID=Mars/Olympus:20261201T100000\n"
	    "DURATION:PT1H\nEND:VEVENT\n");
	v = events(t, NULL, Y2026, &n, &c);
	ok(n == -1 && c != NULL && strstr(c, "event 'm'") != NULL &&
	    strstr(c, "unknown time zone 'Mars/Olympus'") != NULL,
	    "an unknown TZID without VTIMEZONE is refused, naming both");
	show(v, 0, c);
	free(c);
	free(t);
}

static void
test_recurring(void)
{
	struct interval *v;
	ssize_t	 n;
	char	*c, *t;

	/* Berlin springs forward on 2026-03-29 */
	t = cal("BEGIN:VEVENT\nUID:w\nDTSTART;TZID=Europe/Berlin:20260316T220000\n"
	    "DTEND;TZID=Europe/Berlin:20260317T000000\n"
	    "RRULE:FREQ=WEEKLY;COUNT=4\n"
	    "EXDATE;TZID=Europe/Berlin:20260323T220000\nEND:VEVENT\n");
	v = events(t, NULL, Y2026, &n, &c);
	is_int(n, 3, "weekly COUNT=4 less one EXDATE");
	ok(has(v, n, "2026-03-16T21:00:00Z", "2026-03-16T23:00:00Z") &&
	    has(v, n, "2026-03-30T20:00:00Z", "2026-03-30T22:00:00Z") &&
	    has(v, n, "2026-04-06T20:00:00Z", "2026-04-06T22:00:00Z") &&
	    !has(v, n, "2026-03-23T21:00:00Z", "2026-03-23T23:00:00Z"),
	    "same local time across the DST change, EXDATE removed");
	show(v, n, c);
	free(v);
	free(c);
	free(t);

	t = cal("BEGIN:VEVENT\nUID:y\nDTSTART;VALUE=DATE:20201225\n"
	    "RRULE:FREQ=YEARLY\nEXDATE;VALUE=DATE:20261225\nEND:VEVENT\n"
	    "BEGIN:VEVENT\nUID:u\nDTSTART;VALUE=DATE:20261201\n"
	    "RRULE:FREQ=DAILY;UNTIL=20261203\nEND:VEVENT\n"
	    "BEGIN:VEVENT\nUID:x\nDTSTART:20261101T080000Z\nDURATION:PT1H\n"
	    "RRULE:FREQ=DAILY;COUNT=3\nEXDATE:20261102T080000Z\n"
	    "RDATE:20261110T080000Z\n"
	    "RDATE;VALUE=PERIOD:20261120T000000Z/PT4H\nEND:VEVENT\n");
	v = events(t, "Asia/Shanghai", "2025-06-01T00:00:00Z",
	    "2027-12-31T00:00:00Z", &n, &c);
	ok(has(v, n, "2025-12-25T00:00:00+08:00", "2025-12-26T00:00:00+08:00") &&
	    has(v, n, "2027-12-25T00:00:00+08:00", "2027-12-26T00:00:00+08:00") &&
	    !has(v, n, "2026-12-25T00:00:00+08:00", "2026-12-26T00:00:00+08:00"),
	    "yearly date event from 2020 with a date EXDATE");
	ok(has(v, n, "2026-12-03T00:00:00+08:00", "2026-12-04T00:00:00+08:00") &&
	    !has(v, n, "2026-12-04T00:00:00+08:00", "2026-12-05T00:00:00+08:00"),
	    "a DATE UNTIL includes its day");
	ok(has(v, n, "2026-11-01T08:00:00Z", "2026-11-01T09:00:00Z") &&
	    !has(v, n, "2026-11-02T08:00:00Z", "2026-11-02T09:00:00Z") &&
	    has(v, n, "2026-11-03T08:00:00Z", "2026-11-03T09:00:00Z") &&
	    has(v, n, "2026-11-10T08:00:00Z", "2026-11-10T09:00:00Z") &&
	    has(v, n, "2026-11-20T00:00:00Z", "2026-11-20T04:00:00Z"),
	    "UTC daily with EXDATE, an RDATE and an RDATE period");
	is_int(n, 2 + 3 + 4, "nothing else");
	show(v, n, c);
	free(v);
	free(c);
	free(t);

	/* an old daily rule is expanded only near the range */
	t = cal("BEGIN:VEVENT\nUID:old\nDTSTART;TZID=Europe/Berlin:19900101T030000\n"
	    "DURATION:PT1H\nRRULE:FREQ=DAILY\nEND:VEVENT\n");
	v = events(t, NULL, "2026-07-01T00:00:00Z", "2026-07-08T00:00:00Z", &n,
	    &c);
	ok(n == 7 && has(v, n, "2026-07-01T01:00:00Z", "2026-07-01T02:00:00Z"),
	    "a daily rule from 1990 gives the 7 days asked for");
	show(v, n, c);
	free(v);
	free(c);
	free(t);
}

static void
test_cancelled(void)
{
	struct interval *v;
	ssize_t	 n;
	char	*c, *t;

	t = cal("BEGIN:VEVENT\nUID:gone\nDTSTART:20261201T000000Z\n"
	    "DTEND:20261202T000000Z\nSTATUS:CANCELLED\nEND:VEVENT\n"
	    "BEGIN:VEVENT\nUID:kept\nDTSTART:20261205T000000Z\n"
	    "DTEND:20261206T000000Z\nSTATUS:CONFIRMED\nEND:VEVENT\n"
	    "BEGIN:VEVENT\nUID:r\nDTSTART:20261207T100000Z\nDURATION:PT1H\n"
	    "RRULE:FREQ=DAILY;COUNT=3\nEND:VEVENT\n"
	    "BEGIN:VEVENT\nUID:r\nRECURRENCE-ID:20261208T100000Z\n"
	    "DTSTART:20261208T150000Z\nDURATION:PT2H\nEND:VEVENT\n"
	    "BEGIN:VEVENT\nUID:r\nRECURRENCE-ID:20261209T100000Z\n"
	    "DTSTART:20261209T100000Z\nDURATION:PT1H\nSTATUS:CANCELLED\n"
	    "END:VEVENT\n");
	v = events(t, NULL, Y2026, &n, &c);
	ok(!has(v, n, "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z"),
	    "a cancelled event is no freeze");
	ok(has(v, n, "2026-12-05T00:00:00Z", "2026-12-06T00:00:00Z"),
	    "a confirmed one is");
	ok(has(v, n, "2026-12-07T10:00:00Z", "2026-12-07T11:00:00Z") &&
	    has(v, n, "2026-12-08T15:00:00Z", "2026-12-08T17:00:00Z") &&
	    !has(v, n, "2026-12-08T10:00:00Z", "2026-12-08T11:00:00Z") &&
	    !has(v, n, "2026-12-09T10:00:00Z", "2026-12-09T11:00:00Z"),
	    "a RECURRENCE-ID moves one instance, a cancelled one removes it");
	is_int(n, 3, "three freezes in all");
	show(v, n, c);
	free(v);
	free(c);
	free(t);
}

/* A text that must be refused, with a cause containing want. */
static void
refused(const char *text, const char *want, const char *desc)
{
	struct interval *v;
	ssize_t	 n;
	char	*c;

	v = events(text, NULL, Y2026, &n, &c);
	ok(n == -1 && c != NULL && strstr(c, want) != NULL, "%s", desc);
	if (n != -1 || c == NULL || strstr(c, want) == NULL)
		show(v, n > 0 ? n : 0, c);
	free(v);
	free(c);
}

static void
nul(void)
{
	static const char t[] = "BEGIN:VCALENDAR\r\nEND:VC\0ALENDAR\r\n";
	struct interval *v = NULL;
	size_t	 n;
	char	*c = NULL;

	ok(icsfeed_events(t, sizeof t - 1, NULL, 0, 1, &v, &n, NULL, &c) == -1 &&
	    c != NULL && strstr(c, "NUL") != NULL, "a NUL byte");
	free(v);
	free(c);
}

static void
test_malformed(void)
{
	char	*t;

	refused("<html><body>Not here</body></html>\n", "not an iCalendar",
	    "an HTML page");
	refused("", "not an iCalendar", "an empty text");
	refused("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2026",
	    "not an iCalendar", "a truncated text");
	refused("BEGIN:VEVENT\r\nDTSTART:20261201T000000Z\r\nEND:VEVENT\r\n",
	    "outside a VCALENDAR", "a VEVENT outside a VCALENDAR");
	t = cal("BEGIN:VEVENT\nUID:n\nSUMMARY:x\nEND:VEVENT\n");
	refused(t, "event 'n': no DTSTART", "an event without DTSTART");
	free(t);
	t = cal("BEGIN:VEVENT\nDTSTART:20261201T000000Z\nDTEND:garbage\n"
	    "END:VEVENT\n");
	refused(t, "event 1: ", "a DTEND that does not parse (no UID: counted)");
	free(t);
	t = cal("BEGIN:VEVENT\nUID:b\nDTSTART:20261201T100000Z\n"
	    "DTEND:20261201T090000Z\nEND:VEVENT\n");
	refused(t, "ends before it starts", "DTEND before DTSTART");
	free(t);
	t = cal("BEGIN:VEVENT\nUID:m\nDTSTART;VALUE=DATE:20261201\n"
	    "DTEND:20261202T000000Z\nEND:VEVENT\n");
	refused(t, "both be dates", "a date DTSTART with a date-time DTEND");
	free(t);
	t = cal("BEGIN:VEVENT\nUID:r\nDTSTART:20261201T100000Z\n"
	    "RRULE:FREQ=SOMETIMES\nEND:VEVENT\n");
	refused(t, "RRULE", "an RRULE that does not parse");
	free(t);
	t = cal("BEGIN:VEVENT\nUID:s\nDTSTART:20100101T000000Z\nDURATION:PT1S\n"
	    "RRULE:FREQ=SECONDLY;COUNT=100000000\nEND:VEVENT\n");
	refused(t, "too many occurrences", "a rule too long to expand");
	free(t);
	refused("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\n",
	    "not closed", "a calendar cut short after a complete event");
	refused("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VTODO\r\n"
	    "END:VCALENDAR\r\n", "END:VTODO does not close",
	    "mismatched BEGIN and END");
	refused("END:VEVENT\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
	    "does not close", "an END before any BEGIN");
	nul();
}

/*
 * A provider's calendar as mail clients leave it: quoted-printable soft
 * line breaks in a DESCRIPTION, a DTSTAMP that does not parse. Every event
 * whose times read is taken, and what was left out is said once.
 */
static void
test_provider(void)
{
	struct interval *v = NULL;
	char	*t, *c = NULL, **w = NULL;
	size_t	 n = 0;
	int	 rc;

	t = cal("BEGIN:VEVENT\nUID:p1\nDTSTAMP:20261101T000000Z\n"
	    "DTSTART:20261210T220000Z\nDTEND:20261211T020000Z\n"
	    "DESCRIPTION;ENCODING=QUOTED-PRINTABLE:Dear customer=0D=0A=\n"
	    "we will replace the core routers=\n"
	    " during the window.\nEND:VEVENT\n"
	    "BEGIN:VEVENT\nUID:p2\nDTSTAMP:notadate\n"
	    "DTSTART:20261212T220000Z\nDURATION:PT2H\nEND:VEVENT\n");
	rc = icsfeed_events(t, strlen(t), NULL, at("2026-12-01T00:00:00Z"),
	    at("2027-01-01T00:00:00Z"), &v, &n, &w, &c);
	ok(rc == 0 && n == 2, "a provider's calendar with mangled lines: both events read");
	if (rc != 0)
		printf("#   cause: %s\n", c);
	ok(n == 2 && v[0].start == at("2026-12-10T22:00:00Z") &&
	    v[1].end == at("2026-12-13T00:00:00Z"), "... at their times");
	ok(w != NULL && w[0] != NULL && strcmp(w[0], "line 10 is not an "
	    "iCalendar content line and was left out (a mail client's "
	    "quoted-printable line breaks?)") == 0,
	    "one warning names the broken line");
	if (w != NULL && w[0] != NULL)
		printf("#   %s\n", w[0]);
	ok(w != NULL && w[0] != NULL && w[1] != NULL &&
	    strstr(w[1], "event 'p2': a property was left out: ") != NULL &&
	    strstr(w[1], "DTSTAMP") != NULL && w[2] == NULL,
	    "another names the event whose DTSTAMP was left out");
	strv_free(w);
	free(v);
	free(c);
	free(t);

	t = cal("BEGIN:VEVENT\nUID:q\nDTSTART:20261210T220000Z\n"
	    "DTEND:20261211T020000Z\nRRULE:FREQ=WEEKLY;BYDAY=XX\nEND:VEVENT\n");
	refused(t, "event 'q': ", "a recurrence that does not parse still refuses");
	free(t);
	t = cal("BEGIN:VEVENT\nUID:d\nDTSTART:2026121\nDURATION:PT1H\nEND:VEVENT\n");
	refused(t, "event 'd': ", "a DTSTART that does not parse still refuses");
	free(t);
}

/* Every prefix and many damaged copies: an answer each time, no crash. */
static void
test_robust(void)
{
	struct interval *v;
	size_t	 len, i, k, n, answers = 0;
	char	*t, *d, *c;

	t = cal("BEGIN:VTIMEZONE\nTZID:Custom\nBEGIN:STANDARD\n"
	    "DTSTART:19700101T000000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0100\n"
	    "END:STANDARD\nEND:VTIMEZONE\n"
	    "BEGIN:VEVENT\nUID:a\nDTSTART;TZID=Custom:20261201T100000\n"
	    "DTEND;TZID=Custom:20261201T120000\nRRULE:FREQ=WEEKLY;COUNT=5\n"
	    "EXDATE;TZID=Custom:20261208T100000\nEND:VEVENT\n"
	    "BEGIN:VEVENT\nUID:a\nRECURRENCE-ID;TZID=Custom:20261215T100000\n"
	    "DTSTART;TZID=Custom:20261215T130000\nDURATION:PT1H\nEND:VEVENT\n"
	    "BEGIN:VEVENT\nUID:b\nDTSTART;VALUE=DATE:20261225\n"
	    "RRULE:FREQ=YEARLY;UNTIL=20301231\nRDATE;VALUE=DATE:20261226\n"
	    "END:VEVENT\n");
	len = strlen(t);
	for (i = 0; i <= len; i++) {
		c = NULL;
		v = NULL;
		if (icsfeed_events(t, i, "Europe/Berlin", at("2026-01-01T00:00:00Z"),
		    at("2031-01-01T00:00:00Z"), &v, &n, NULL, &c) == 0 || c != NULL)
			answers++;
		free(v);
		free(c);
	}
	srand(7);
	d = xmalloc(len + 1);
	for (i = 0; i < 2000; i++) {
		memcpy(d, t, len + 1);
		for (k = 0; k < 4; k++)
			d[rand() % len] = " :;=,/TZ0123456789\r\n-+"[rand() % 22];
		c = NULL;
		v = NULL;
		if (icsfeed_events(d, len, NULL, at("2026-01-01T00:00:00Z"),
		    at("2031-01-01T00:00:00Z"), &v, &n, NULL, &c) == 0 || c != NULL)
			answers++;
		free(v);
		free(c);
	}
	is_int(answers, len + 1 + 2000,
	    "every prefix and damaged copy gives events or a cause");
	free(d);
	free(t);
}

int
main(void)
{
	test_dates();
	test_zones();
	test_recurring();
	test_cancelled();
	test_malformed();
	test_provider();
	test_robust();
	tz_cache_free();
	return done_testing();
}
