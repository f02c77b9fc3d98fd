/* t-datetime: date-times, durations, civil conversion and zone names */
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "datetime.h"
#include "tap.h"
#include "util.h"

static void
instant_ok(const char *s, int64_t want, int want_off)
{
	int64_t	 t = -1;
	int	 off = -1, r;
	char	*cause = NULL;

	r = dt_parse_instant(s, &t, &off, &cause);
	is_int(r, 0, "instant '%s' accepted%s%s", s, cause ? ": " : "",
	    cause ? cause : "");
	is_int(t, want, "instant '%s' seconds", s);
	is_int(off, want_off, "instant '%s' offset", s);
	free(cause);
}

/* Refused, with a message containing want. */
static void
instant_bad(const char *s, const char *want)
{
	int64_t	 t = 12345;
	char	*cause = NULL;
	int	 r;

	r = dt_parse_instant(s, &t, NULL, &cause);
	is_int(r, -1, "instant '%s' refused", s);
	ok(cause != NULL && strstr(cause, want) != NULL,
	    "instant '%s' message has '%s' (%s)", s, want,
	    cause ? cause : "no message");
	is_int(t, 12345, "instant '%s' leaves the result alone", s);
	free(cause);
}

static void
test_instant(void)
{
	const char *bad = "is not a date-time with an offset";

	instant_ok("2026-12-01T00:00:00Z", 1796083200, 0);
	instant_ok("2026-12-01t00:00:00z", 1796083200, 0);
	instant_ok("2026-12-01T00:00:00+08:00", 1796083200 - 8 * 3600, 28800);
	instant_ok("2026-12-01T00:00:00-05:30", 1796083200 + 5 * 3600 + 1800,
	    -19800);
	instant_ok("2026-12-01T00:00:00+00:00", 1796083200, 0);
	instant_ok("2026-12-01T00:00Z", 1796083200, 0);
	instant_ok("2026-12-01T00:00+08:00", 1796083200 - 28800, 28800);
	instant_ok("1970-01-01T00:00:00Z", 0, 0);
	instant_ok("1970-01-01T00:00:00+01:00", -3600, 3600);
	instant_ok("2000-02-29T12:34:56Z", 951827696, 0);
	instant_ok("2028-02-29T23:59:00Z", 1835481540, 0);
	instant_ok("9999-12-31T23:59:59Z", 253402300799LL, 0);
	instant_ok("2027-01-11T17:00:00Z", 1799686800, 0);
	instant_ok("2027-01-12T01:00:00+08:00", 1799686800, 28800);

	instant_bad("2026-13-01T00:00:00Z", "month out of range");
	instant_bad("2026-00-01T00:00:00Z", "month out of range");
	instant_bad("2026-01-32T00:00:00Z", "day out of range");
	instant_bad("2026-01-00T00:00:00Z", "day out of range");
	instant_bad("2026-04-31T00:00:00Z", "day out of range");
	instant_bad("2027-02-29T00:00:00Z", "day out of range");
	instant_bad("2100-02-29T00:00:00Z", "day out of range");
	instant_bad("2026-01-01T24:00:00Z", "hour out of range");
	instant_bad("2026-01-01T23:60:00Z", "minute out of range");
	instant_bad("2026-01-01T23:59:60Z", "second out of range");
	instant_bad("1969-12-31T23:59:59Z", "year out of range");
	instant_bad("2026-12-01T00:00:00", bad);
	instant_bad("2026-12-01T00:00:00+24:00", bad);
	instant_bad("2026-12-01T00:00:00+08:60", bad);
	instant_bad("2026-12-01T00:00:00+0800", bad);
	instant_bad("2026-12-01T00:00:00+08", bad);
	instant_bad("2026-12-01T00:00:00Zjunk", bad);
	instant_bad("2026-12-01T00:00:00Z ", bad);
	instant_bad("2026-12-01 00:00:00Z", bad);
	instant_bad("2026-12-01", bad);
	instant_bad("2026-1-01T00:00:00Z", bad);
	instant_bad("2026-12-01T0:00:00Z", bad);
	instant_bad("2026-12-01T00:00:0Z", bad);
	instant_bad("2026-12-01T00", bad);
	instant_bad("20261201T000000Z", bad);
	instant_bad("", bad);
	instant_bad("now", bad);
	instant_bad("2026", bad);
	instant_bad("+2026-12-01T00:00:00Z", bad);
}

static void
test_leap(void)
{
	struct {
		int	 y;
		int	 days;
	} feb[] = {
		{ 2024, 29 }, { 2025, 28 }, { 2000, 29 }, { 1900, 28 },
		{ 2100, 28 }, { 2400, 29 }, { 1970, 28 }, { 2028, 29 }
	};
	int64_t	 t;
	char	*cause = NULL, *s;
	size_t	 i;
	int	 r;

	for (i = 0; i < nitems(feb); i++) {
		is_int(days_in_month(feb[i].y, 2), feb[i].days,
		    "February %d has %d days", feb[i].y, feb[i].days);
		s = xasprintf("%d-02-29T00:00:00Z", feb[i].y);
		r = dt_parse_instant(s, &t, NULL, &cause);
		if (feb[i].y < 1970) {
			free(cause);
			cause = NULL;
		} else if (feb[i].days == 29) {
			is_int(r, 0, "%s accepted in a leap year", s);
		} else {
			is_int(r, -1, "%s refused in a common year", s);
			free(cause);
			cause = NULL;
		}
		free(s);
	}
	is_int(days_in_month(2026, 1), 31, "January");
	is_int(days_in_month(2026, 4), 30, "April");
	is_int(days_in_month(2026, 12), 31, "December");
	is_int(days_in_month(2026, 0), 0, "month 0 has no days");
	is_int(days_in_month(2026, 13), 0, "month 13 has no days");
}

static void
test_civil(void)
{
	struct civil c;
	char	*cause = NULL;

	is_int(dt_parse_civil("2026-01-05T01:02:03", &c, &cause), 0,
	    "local date-time accepted");
	ok(c.year == 2026 && c.month == 1 && c.day == 5 && c.hour == 1 &&
	    c.minute == 2 && c.second == 3, "fields of 2026-01-05T01:02:03");
	is_int(dt_parse_civil("2024-02-29T23:59", &c, &cause), 0,
	    "seconds may be left out");
	ok(c.day == 29 && c.hour == 23 && c.minute == 59 && c.second == 0,
	    "missing seconds are zero");

	is_int(dt_parse_civil("2026-01-05T01:00:00Z", &c, &cause), -1,
	    "a zone is refused");
	ok(cause != NULL && strstr(cause, "no offset") != NULL,
	    "message explains: %s", cause ? cause : "none");
	free(cause);
	cause = NULL;
	is_int(dt_parse_civil("2026-01-05T01:00:00+01:00", &c, &cause), -1,
	    "an offset is refused");
	free(cause);
	cause = NULL;
	is_int(dt_parse_civil("2026-02-29T10:00:00", &c, &cause), -1,
	    "Feb 29 of a common year refused");
	ok(cause != NULL && strstr(cause, "day out of range") != NULL,
	    "message says day: %s", cause ? cause : "none");
	free(cause);
	cause = NULL;
	is_int(dt_parse_civil("2026-06-31T10:00:00", &c, &cause), -1,
	    "June 31 refused");
	free(cause);
	cause = NULL;
	is_int(dt_parse_civil("2026-06-30T25:00:00", &c, &cause), -1,
	    "hour 25 refused");
	free(cause);
	cause = NULL;
	is_int(dt_parse_civil("tomorrow", &c, &cause), -1, "garbage refused");
	ok(cause != NULL && strstr(cause, "'tomorrow'") != NULL,
	    "message quotes the input: %s", cause ? cause : "none");
	free(cause);
	cause = NULL;
	is_int(dt_parse_civil("", &c, &cause), -1, "empty refused");
	free(cause);
}

static void
dur_ok(const char *s, int neg, int64_t want)
{
	int64_t	 v = -999;
	char	*cause = NULL;

	is_int(dur_parse(s, &v, neg, &cause), 0, "duration '%s' accepted%s%s",
	    s, cause ? ": " : "", cause ? cause : "");
	is_int(v, want, "duration '%s' is %lld s", s, (long long)want);
	free(cause);
}

static void
dur_bad(const char *s, int neg, const char *want)
{
	int64_t	 v = -999;
	char	*cause = NULL;

	is_int(dur_parse(s, &v, neg, &cause), -1, "duration '%s' refused", s);
	ok(cause != NULL && strstr(cause, want) != NULL,
	    "duration '%s' message has '%s' (%s)", s, want,
	    cause ? cause : "no message");
	is_int(v, -999, "duration '%s' leaves the result alone", s);
	free(cause);
}

static void
test_dur_parse(void)
{
	const char *bad = "is not an ISO 8601 duration";
	const char *ym = "years and months are not supported";

	dur_ok("PT45M", 0, 2700);
	dur_ok("P3D", 0, 3 * 86400);
	dur_ok("P1W", 0, 7 * 86400);
	dur_ok("P2W", 0, 14 * 86400);
	dur_ok("P1DT12H", 0, 36 * 3600);
	dur_ok("PT0S", 0, 0);
	dur_ok("PT90S", 0, 90);
	dur_ok("PT1H30M", 0, 5400);
	dur_ok("P1DT1H1M1S", 0, 90061);
	dur_ok("PT36H", 0, 36 * 3600);
	dur_ok("P1W2D", 0, 9 * 86400);
	dur_ok("P0D", 0, 0);
	dur_ok("+PT5M", 0, 300);
	dur_ok("-PT30M", 1, -1800);
	dur_ok("-P1DT2H", 1, -93600);
	dur_ok("PT30M", 1, 1800);

	dur_bad("-PT30M", 0, "must not be negative");
	dur_bad("P1Y", 0, ym);
	dur_bad("P1M", 0, ym);
	dur_bad("P1Y2M3D", 0, ym);
	dur_bad("P2DT1M1M", 0, bad);
	dur_bad("P", 0, bad);
	dur_bad("PT", 0, bad);
	dur_bad("P1DT", 0, bad);
	dur_bad("-P", 1, bad);
	dur_bad("P1H", 0, bad);
	dur_bad("PT1D", 0, bad);
	dur_bad("PT1W", 0, bad);
	dur_bad("PT1M1H", 0, bad);
	dur_bad("P1D1W", 0, bad);
	dur_bad("PT1H1H", 0, bad);
	dur_bad("PT1H1S1M", 0, bad);
	dur_bad("P1DT1HT1M", 0, bad);
	dur_bad("PTT1H", 0, bad);
	dur_bad("P1", 0, bad);
	dur_bad("PT5", 0, bad);
	dur_bad("P1.5D", 0, bad);
	dur_bad("PT1,5H", 0, bad);
	dur_bad("P-1D", 1, bad);
	dur_bad("1D", 0, bad);
	dur_bad("pt45m", 0, bad);
	dur_bad("45 min", 0, bad);
	dur_bad(" PT1M", 0, bad);
	dur_bad("PT1M ", 0, bad);
	dur_bad("", 0, bad);
	dur_bad("P99999999999D", 0, bad);
}

static void
test_dur_format(void)
{
	struct {
		int64_t	 secs;
		const char *human, *iso;
	} t[] = {
		{ 0, "0 s", "PT0S" },
		{ 1, "1 s", "PT1S" },
		{ 61, "1 min 1 s", "PT1M1S" },
		{ 2700, "45 min", "PT45M" },
		{ 3600, "1 h", "PT1H" },
		{ 86400, "1 day", "P1D" },
		{ 3 * 86400, "3 days", "P3D" },
		{ 93600, "1 day 2 h", "P1DT2H" },
		{ 129600, "1 day 12 h", "P1DT12H" },
		{ 90061, "1 day 1 h 1 min 1 s", "P1DT1H1M1S" },
		{ 7 * 86400, "7 days", "P7D" },
		{ -2700, "-45 min", "-PT45M" },
		{ -93600, "-1 day 2 h", "-P1DT2H" },
		{ -1, "-1 s", "-PT1S" },
	};
	int64_t	 v, secs;
	char	*s, *cause = NULL;
	size_t	 i;
	int	 round = 1;

	for (i = 0; i < nitems(t); i++) {
		s = dur_human(t[i].secs);
		is_str(s, t[i].human, "dur_human(%lld)", (long long)t[i].secs);
		free(s);
		s = dur_iso(t[i].secs);
		is_str(s, t[i].iso, "dur_iso(%lld)", (long long)t[i].secs);
		free(s);
	}
	for (secs = -400000; secs <= 400000; secs += 997) {
		s = dur_iso(secs);
		if (dur_parse(s, &v, 1, &cause) != 0 || v != secs) {
			round = 0;
			printf("# %lld -> %s\n", (long long)secs, s);
		}
		free(cause);
		cause = NULL;
		free(s);
	}
	ok(round, "dur_parse(dur_iso(x)) == x over negatives and positives");
}

static void
test_civil_utc(void)
{
	struct civil c;
	struct tm tm;
	time_t	 tt;
	int64_t	 t;
	int	 round = 1, libc = 1, range = 1;

	utc_to_civil(0, &c);
	ok(c.year == 1970 && c.month == 1 && c.day == 1 && c.hour == 0 &&
	    c.minute == 0 && c.second == 0, "epoch");
	utc_to_civil(-1, &c);
	ok(c.year == 1969 && c.month == 12 && c.day == 31 && c.hour == 23 &&
	    c.minute == 59 && c.second == 59, "one second before the epoch");
	utc_to_civil(-86400, &c);
	ok(c.year == 1969 && c.month == 12 && c.day == 31 && c.hour == 0,
	    "one day before the epoch");
	utc_to_civil(951782400, &c);
	ok(c.year == 2000 && c.month == 2 && c.day == 29, "2000-02-29");
	utc_to_civil(-62135596800LL, &c);
	ok(c.year == 1 && c.month == 1 && c.day == 1 && c.hour == 0,
	    "0001-01-01");
	utc_to_civil(-2203891200LL, &c);
	ok(c.year == 1900 && c.month == 3 && c.day == 1, "1900-03-01");
	utc_to_civil(253402300799LL, &c);
	ok(c.year == 9999 && c.month == 12 && c.day == 31 && c.hour == 23 &&
	    c.minute == 59 && c.second == 59, "9999-12-31T23:59:59");

	/* A step prime to days and hours lands on every kind of time. */
	for (t = -70000000000LL; t < 260000000000LL; t += 7777777LL * 13 + 1) {
		utc_to_civil(t, &c);
		if (civil_to_utc(&c) != t)
			round = 0;
		if (c.month < 1 || c.month > 12 || c.day < 1 ||
		    c.day > days_in_month(c.year, c.month) || c.hour < 0 ||
		    c.hour > 23 || c.minute < 0 || c.minute > 59 ||
		    c.second < 0 || c.second > 59)
			range = 0;
		tt = (time_t)t;
		if (sizeof tt == 8 && gmtime_r(&tt, &tm) != NULL &&
		    (tm.tm_year + 1900 != c.year || tm.tm_mon + 1 != c.month ||
		    tm.tm_mday != c.day || tm.tm_hour != c.hour ||
		    tm.tm_min != c.minute || tm.tm_sec != c.second))
			libc = 0;
	}
	ok(round, "civil_to_utc(utc_to_civil(t)) == t from year -248 to 10208");
	ok(range, "every field in range");
	ok(libc, "agrees with gmtime_r");
	for (t = -100000; t <= 100000; t++) {
		utc_to_civil(t, &c);
		if (civil_to_utc(&c) != t)
			round = 0;
	}
	ok(round, "round trip over every second near the epoch");
}

static void
test_format(void)
{
	char	*s;

	s = dt_format_utc(0);
	is_str(s, "1970-01-01T00:00:00Z", "dt_format_utc epoch");
	free(s);
	s = dt_format_utc(1799686800);
	is_str(s, "2027-01-11T17:00:00Z", "dt_format_utc");
	free(s);
	s = dt_format_offset(1799686800, 8 * 3600);
	is_str(s, "2027-01-12T01:00:00+08:00", "positive offset crosses midnight");
	free(s);
	s = dt_format_offset(1799686800, -(5 * 3600 + 1800));
	is_str(s, "2027-01-11T11:30:00-05:30", "negative half-hour offset");
	free(s);
	s = dt_format_offset(1796083200, -3600);
	is_str(s, "2026-11-30T23:00:00-01:00", "negative offset goes back a day");
	free(s);
	s = dt_format_offset(1796083200, 0);
	is_str(s, "2026-12-01T00:00:00Z", "zero offset is Z");
	free(s);
	s = dt_format_offset(-1, 0);
	is_str(s, "1969-12-31T23:59:59Z", "before the epoch");
	free(s);
	s = dt_format_offset(1796083200, 5 * 3600 + 45 * 60);
	is_str(s, "2026-12-01T05:45:00+05:45", "Nepal's offset");
	free(s);
}

static void
test_round_format(void)
{
	int64_t	 t, back;
	int	 offs[] = { 0, 3600, -3600, 28800, -19800, 20700, 50400, -43200 };
	int	 off, good = 1;
	char	*s, *cause = NULL;
	size_t	 i;

	for (i = 0; i < nitems(offs); i++) {
		for (t = 43200; t < 4000000000LL; t += 86399 * 37) {
			s = dt_format_offset(t, offs[i]);
			if (dt_parse_instant(s, &back, &off, &cause) != 0 ||
			    back != t || off != offs[i]) {
				good = 0;
				printf("# %lld %d -> %s\n", (long long)t,
				    offs[i], s);
			}
			free(cause);
			cause = NULL;
			free(s);
		}
	}
	ok(good, "dt_parse_instant(dt_format_offset(t, off)) gives t and off");
}

/* A fake zoneinfo directory, to see that only TZif files count. */
static void
test_tz_fake(void)
{
	char	 dir[] = "/tmp/t-datetime.XXXXXX", *p;
	FILE	*f;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	p = xasprintf("%s/Fake", dir);
	mkdir(p, 0700);
	free(p);
	p = xasprintf("%s/Fake/Zone", dir);
	if ((f = fopen(p, "w")) != NULL) {
		fputs("TZif2 and the rest", f);
		fclose(f);
	}
	free(p);
	p = xasprintf("%s/Fake/Text", dir);
	if ((f = fopen(p, "w")) != NULL) {
		fputs("not a zone", f);
		fclose(f);
	}
	free(p);
	p = xasprintf("%s/Fake/Short", dir);
	if ((f = fopen(p, "w")) != NULL) {
		fputs("TZ", f);
		fclose(f);
	}
	free(p);

	setenv("TZDIR", dir, 1);
	is_str(tz_dir(), dir, "TZDIR is used");
	ok(tz_exists("Fake/Zone"), "a TZif file in TZDIR");
	ok(!tz_exists("Fake/Text"), "a file that is not TZif");
	ok(!tz_exists("Fake/Short"), "a file shorter than the magic");
	ok(!tz_exists("Fake"), "a directory");
	ok(!tz_exists("Europe/Berlin"), "only TZDIR is searched");
	setenv("TZDIR", "", 1);
	is_str(tz_dir(), "/usr/share/zoneinfo", "empty TZDIR is ignored");
	unsetenv("TZDIR");

	p = xasprintf("rm -rf '%s'", dir);
	if (system(p) != 0)
		printf("# cannot remove %s\n", dir);
	free(p);
}

static void
test_tz(void)
{
	const char *good[] = {
		"Europe/Berlin", "America/New_York", "Asia/Shanghai",
		"Australia/Sydney", "UTC", "America/Argentina/Buenos_Aires",
		"Etc/GMT+5", "Etc/GMT-14"
	};
	const char *badz[] = {
		"../etc/passwd", "/etc/localtime", "Nowhere/City", "",
		"Europe//Berlin", "Europe/Berlin/", "Europe", "Europe/../UTC",
		"./UTC", "Europe/Berlin ", "europe/berlin\n", "zone.tab",
		"Europe\\Berlin", "UTC\x01"
	};
	char	 longname[200];
	size_t	 i;

	unsetenv("TZDIR");
	is_str(tz_dir(), "/usr/share/zoneinfo", "default zoneinfo directory");
	for (i = 0; i < nitems(good); i++)
		ok(tz_exists(good[i]), "zone '%s' exists", good[i]);
	for (i = 0; i < nitems(badz); i++)
		ok(!tz_exists(badz[i]), "zone '%s' refused", badz[i]);
	memset(longname, 'A', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	ok(!tz_exists(longname), "over-long name refused");
	test_tz_fake();
}

int
main(void)
{
	test_instant();
	test_leap();
	test_civil();
	test_dur_parse();
	test_dur_format();
	test_civil_utc();
	test_format();
	test_round_format();
	test_tz();
	return done_testing();
}
