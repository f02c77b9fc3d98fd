/* t-tz: TZif reading, offsets, local time and transitions */
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "datetime.h"
#include "tap.h"
#include "testutil.h"
#include "tz.h"
#include "util.h"

static char *tmpdir;

static const struct tz *
zone(const char *name)
{
	const struct tz *z;
	char	*cause = NULL;

	z = tz_get(name, &cause);
	ok(z != NULL, "zone %s loads%s%s", name, cause ? ": " : "",
	    cause ? cause : "");
	free(cause);
	if (z == NULL) {
		done_testing();
		exit(1);
	}
	return z;
}

/* Offset and abbreviation at an instant. */
static void
off_is(const struct tz *z, const char *when, int off, const char *abbr)
{
	is_int(tz_offset_at(z, at(when)), off, "%s offset at %s", tz_name(z),
	    when);
	is_str(tz_abbr_at(z, at(when)), abbr, "%s abbreviation at %s",
	    tz_name(z), when);
}

/* A local time becomes that instant. */
static void
l2u_is(const struct tz *z, const char *lt, const char *want)
{
	struct civil c = local(lt);
	char	*got = dt_format_utc(tz_local_to_utc(z, &c));

	is_str(got, want, "%s local %s is %s", tz_name(z), lt, want);
	free(got);
}

/* An instant shows as that local time and offset. */
static void
u2l_is(const struct tz *z, const char *when, const char *want, int off)
{
	struct civil c;
	char	 buf[32];
	int	 got_off = 12345;

	tz_utc_to_local(z, at(when), &c, &got_off);
	snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", c.year,
	    c.month, c.day, c.hour, c.minute, c.second);
	is_str(buf, want, "%s at %s local time", tz_name(z), when);
	is_int(got_off, off, "%s at %s offset", tz_name(z), when);
}

/* The transitions of [from, to) are exactly these (instant, before, after). */
static void
transitions_are(const struct tz *z, const char *from, const char *to,
    const char *want)
{
	struct tz_iter it;
	struct tz_transition tr;
	struct buf b = BUF_INIT;
	char	*s;

	tz_iter_init(&it, z, at(from), at(to));
	while (tz_iter_next(&it, &tr)) {
		s = dt_format_utc(tr.at);
		buf_addf(&b, "%s%s %d>%d %s%s", b.len ? ", " : "", s,
		    tr.off_before, tr.off_after, tr.abbr, tr.is_dst ? "*" : "");
		free(s);
	}
	is_str(buf_str(&b), want, "%s transitions in [%s, %s)", tz_name(z),
	    from, to);
	buf_release(&b);
}

static void
test_berlin(void)
{
	const struct tz *z = zone("Europe/Berlin");

	ok(zone("Europe/Berlin") == z, "zones are cached and shared");
	off_is(z, "2026-01-15T12:00:00Z", 3600, "CET");
	off_is(z, "2026-03-29T00:59:59Z", 3600, "CET");
	off_is(z, "2026-03-29T01:00:00Z", 7200, "CEST");
	off_is(z, "2026-10-25T00:59:59Z", 7200, "CEST");
	off_is(z, "2026-10-25T01:00:00Z", 3600, "CET");
	off_is(z, "2027-03-28T01:00:00Z", 7200, "CEST");
	off_is(z, "2027-10-31T00:59:59Z", 7200, "CEST");
	off_is(z, "2027-10-31T01:00:00Z", 3600, "CET");
	ok(tz_is_dst_at(z, at("2026-07-01T00:00:00Z")), "CEST is DST");
	ok(!tz_is_dst_at(z, at("2026-12-01T00:00:00Z")), "CET is not DST");

	/* Spring forward: 02:00-03:00 does not exist; read with CET. */
	l2u_is(z, "2026-03-29T01:59:59", "2026-03-29T00:59:59Z");
	l2u_is(z, "2026-03-29T02:00:00", "2026-03-29T01:00:00Z");
	l2u_is(z, "2026-03-29T02:30:00", "2026-03-29T01:30:00Z");
	l2u_is(z, "2026-03-29T02:59:59", "2026-03-29T01:59:59Z");
	l2u_is(z, "2026-03-29T03:00:00", "2026-03-29T01:00:00Z");
	l2u_is(z, "2027-03-28T02:30:00", "2027-03-28T01:30:00Z");
	u2l_is(z, "2026-03-29T01:30:00Z", "2026-03-29T03:30:00", 7200);

	/* Fall back: 02:00-03:00 happens twice; the first (CEST) counts. */
	l2u_is(z, "2026-10-25T01:59:59", "2026-10-24T23:59:59Z");
	l2u_is(z, "2026-10-25T02:00:00", "2026-10-25T00:00:00Z");
	l2u_is(z, "2026-10-25T02:30:00", "2026-10-25T00:30:00Z");
	l2u_is(z, "2026-10-25T02:59:59", "2026-10-25T00:59:59Z");
	l2u_is(z, "2026-10-25T03:00:00", "2026-10-25T02:00:00Z");
	l2u_is(z, "2027-10-31T02:30:00", "2027-10-31T00:30:00Z");
	u2l_is(z, "2026-10-25T00:30:00Z", "2026-10-25T02:30:00", 7200);
	u2l_is(z, "2026-10-25T01:30:00Z", "2026-10-25T02:30:00", 3600);

	transitions_are(z, "2026-01-01T00:00:00Z", "2028-01-01T00:00:00Z",
	    "2026-03-29T01:00:00Z 3600>7200 CEST*, "
	    "2026-10-25T01:00:00Z 7200>3600 CET, "
	    "2027-03-28T01:00:00Z 3600>7200 CEST*, "
	    "2027-10-31T01:00:00Z 7200>3600 CET");
	transitions_are(z, "2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z",
	    "2026-03-29T01:00:00Z 3600>7200 CEST*");

	/* 2100 is past the table: the TZ string rule answers. */
	is_str(tz_posix_rule(z), "CET-1CEST,M3.5.0,M10.5.0/3",
	    "Berlin's TZ string");
	off_is(z, "2100-03-28T00:59:59Z", 3600, "CET");
	off_is(z, "2100-03-28T01:00:00Z", 7200, "CEST");
	off_is(z, "2100-10-31T00:59:59Z", 7200, "CEST");
	off_is(z, "2100-10-31T01:00:00Z", 3600, "CET");
	l2u_is(z, "2100-03-28T02:30:00", "2100-03-28T01:30:00Z");
	l2u_is(z, "2100-10-31T02:30:00", "2100-10-31T00:30:00Z");
	l2u_is(z, "2100-10-31T03:00:00", "2100-10-31T02:00:00Z");
	transitions_are(z, "2100-01-01T00:00:00Z", "2101-01-01T00:00:00Z",
	    "2100-03-28T01:00:00Z 3600>7200 CEST*, "
	    "2100-10-31T01:00:00Z 7200>3600 CET");
}

static void
test_new_york(void)
{
	const struct tz *z = zone("America/New_York");

	off_is(z, "2026-03-08T06:59:59Z", -18000, "EST");
	off_is(z, "2026-03-08T07:00:00Z", -14400, "EDT");
	off_is(z, "2026-11-01T05:59:59Z", -14400, "EDT");
	off_is(z, "2026-11-01T06:00:00Z", -18000, "EST");
	off_is(z, "2027-03-14T07:00:00Z", -14400, "EDT");
	off_is(z, "2027-11-07T06:00:00Z", -18000, "EST");
	l2u_is(z, "2026-03-08T02:30:00", "2026-03-08T07:30:00Z");
	l2u_is(z, "2026-03-08T03:00:00", "2026-03-08T07:00:00Z");
	l2u_is(z, "2026-11-01T01:30:00", "2026-11-01T05:30:00Z");
	l2u_is(z, "2026-11-01T02:00:00", "2026-11-01T07:00:00Z");
	l2u_is(z, "2027-03-14T02:30:00", "2027-03-14T07:30:00Z");
	l2u_is(z, "2027-11-07T01:30:00", "2027-11-07T05:30:00Z");
	u2l_is(z, "2026-11-01T06:30:00Z", "2026-11-01T01:30:00", -18000);
	off_is(z, "2100-03-14T06:59:59Z", -18000, "EST");
	off_is(z, "2100-03-14T07:00:00Z", -14400, "EDT");
	off_is(z, "2100-11-07T06:00:00Z", -18000, "EST");
	l2u_is(z, "2100-11-07T01:30:00", "2100-11-07T05:30:00Z");
}

static void
test_sydney(void)
{
	const struct tz *z = zone("Australia/Sydney");

	/* Southern hemisphere: DST over the new year. */
	off_is(z, "2026-01-01T00:00:00Z", 39600, "AEDT");
	off_is(z, "2026-04-04T15:59:59Z", 39600, "AEDT");
	off_is(z, "2026-04-04T16:00:00Z", 36000, "AEST");
	off_is(z, "2026-10-03T15:59:59Z", 36000, "AEST");
	off_is(z, "2026-10-03T16:00:00Z", 39600, "AEDT");
	off_is(z, "2026-12-31T13:00:00Z", 39600, "AEDT");
	off_is(z, "2027-04-03T16:00:00Z", 36000, "AEST");
	off_is(z, "2027-10-02T16:00:00Z", 39600, "AEDT");
	l2u_is(z, "2027-01-01T00:00:00", "2026-12-31T13:00:00Z");
	l2u_is(z, "2026-10-04T02:30:00", "2026-10-03T16:30:00Z");
	l2u_is(z, "2026-04-05T02:30:00", "2026-04-04T15:30:00Z");
	l2u_is(z, "2026-04-05T03:00:00", "2026-04-04T17:00:00Z");
	l2u_is(z, "2027-10-03T02:30:00", "2027-10-02T16:30:00Z");
	l2u_is(z, "2027-04-04T02:30:00", "2027-04-03T15:30:00Z");
	u2l_is(z, "2026-12-31T13:00:00Z", "2027-01-01T00:00:00", 39600);
	transitions_are(z, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z",
	    "2026-04-04T16:00:00Z 39600>36000 AEST, "
	    "2026-10-03T16:00:00Z 36000>39600 AEDT*");
	off_is(z, "2100-04-03T16:00:00Z", 36000, "AEST");
	off_is(z, "2100-10-02T15:59:59Z", 36000, "AEST");
	off_is(z, "2100-10-02T16:00:00Z", 39600, "AEDT");
	l2u_is(z, "2100-10-03T02:30:00", "2100-10-02T16:30:00Z");
}

static void
test_fixed(void)
{
	const struct tz *z = zone("Asia/Shanghai");
	const struct tz *u = zone("UTC");

	off_is(z, "2026-03-29T01:00:00Z", 28800, "CST");
	off_is(z, "2026-10-25T01:00:00Z", 28800, "CST");
	off_is(z, "2100-07-01T00:00:00Z", 28800, "CST");
	l2u_is(z, "2026-03-29T02:30:00", "2026-03-28T18:30:00Z");
	l2u_is(z, "2027-01-01T00:00:00", "2026-12-31T16:00:00Z");
	transitions_are(z, "2000-01-01T00:00:00Z", "2101-01-01T00:00:00Z", "");
	off_is(u, "2026-03-29T01:00:00Z", 0, "UTC");
	l2u_is(u, "2026-03-29T02:30:00", "2026-03-29T02:30:00Z");
	transitions_are(u, "1970-01-01T00:00:00Z", "2101-01-01T00:00:00Z", "");
}

/* Awkward rules from the real database, past their tables. */
static void
test_rules(void)
{
	const struct tz *z;

	z = zone("America/Nuuk");	/* v3: -1 and 0 hour transition times */
	off_is(z, "2100-03-28T00:59:59Z", -7200, "-02");
	off_is(z, "2100-03-28T01:00:00Z", -3600, "-01");
	off_is(z, "2100-10-31T00:59:59Z", -3600, "-01");
	off_is(z, "2100-10-31T01:00:00Z", -7200, "-02");
	z = zone("Asia/Jerusalem");	/* v3: 26:00 on the Thursday */
	off_is(z, "2100-03-25T23:59:59Z", 7200, "IST");
	off_is(z, "2100-03-26T00:00:00Z", 10800, "IDT");
	z = zone("Europe/Dublin");	/* negative DST: winter is "DST" */
	off_is(z, "2100-07-01T00:00:00Z", 3600, "IST");
	off_is(z, "2100-12-01T00:00:00Z", 0, "GMT");
	ok(tz_is_dst_at(z, at("2100-12-01T00:00:00Z")), "Dublin's GMT is DST");
	l2u_is(z, "2100-03-28T01:30:00", "2100-03-28T01:30:00Z");
	l2u_is(z, "2100-10-31T01:30:00", "2100-10-31T00:30:00Z");
	z = zone("Australia/Lord_Howe");	/* half an hour of DST */
	off_is(z, "2100-01-01T00:00:00Z", 39600, "+11");
	off_is(z, "2100-07-01T00:00:00Z", 37800, "+1030");
	l2u_is(z, "2100-10-03T02:15:00", "2100-10-02T15:45:00Z");
}

/*
 * A zone built from the file's TZ string alone reproduces the file's own
 * table, transition for transition, and reads local times the same way.
 */
static void
footer_matches_table(const char *name)
{
	const struct tz *z = zone(name);
	struct tz *p;
	struct tz_iter a, b;
	struct tz_transition ta, tb;
	int64_t	 from = at("2026-01-01T00:00:00Z"), to = at("2037-01-01T00:00:00Z");
	int64_t	 t, wall;
	int	 n = 0, same = 1, ra, rb, bad = 0;
	char	*cause = NULL;

	p = tz_posix_new(tz_posix_rule(z), &cause);
	ok(p != NULL, "%s: TZ string '%s' parses%s%s", name, tz_posix_rule(z),
	    cause ? ": " : "", cause ? cause : "");
	free(cause);
	if (p == NULL)
		return;
	tz_iter_init(&a, z, from, to);
	tz_iter_init(&b, p, from, to);
	for (;;) {
		ra = tz_iter_next(&a, &ta);
		rb = tz_iter_next(&b, &tb);
		if (ra != rb || (ra && (ta.at != tb.at ||
		    ta.off_before != tb.off_before || ta.off_after !=
		    tb.off_after || ta.is_dst != tb.is_dst ||
		    strcmp(ta.abbr, tb.abbr) != 0))) {
			same = 0;
			break;
		}
		if (!ra)
			break;
		n++;
		/* Local times around the change, every 15 minutes. */
		for (t = ta.at - 4 * 3600; t < ta.at + 4 * 3600; t += 900) {
			wall = t + ta.off_after;
			if (tz_wall_to_utc(z, wall) != tz_wall_to_utc(p, wall))
				bad++;
		}
	}
	ok(same && n >= 20, "%s: TZ string gives the table's %d transitions "
	    "of 2026-2036", name, n);
	is_int(bad, 0, "%s: local times near transitions agree", name);
	tz_free(p);
}

static void
test_posix(void)
{
	static const char *const bad[] = { "", "CET", "-1", "C-1", "CET-1CEST,",
	    "CET-1CEST,M3.5.0", "CET-1CEST,M13.5.0,M10.5.0",
	    "CET-1CEST,M3.6.0,M10.5.0", "CET-1CEST,M3.5.7,M10.5.0",
	    "CET-1CEST,J0,J100", "CET-1CEST,J366,J100", "CET-1CEST,366,1",
	    "CET-1CEST,M3.5.0/168,M10.5.0", "CET-25", "<CET-1", "CET-1 ",
	    "CET-1CEST,M3.5.0,M10.5.0x", "CET-1:60", NULL };
	struct tz *p;
	char	*cause;
	size_t	 i;

	for (i = 0; bad[i] != NULL; i++) {
		cause = NULL;
		p = tz_posix_new(bad[i], &cause);
		ok(p == NULL && cause != NULL &&
		    strstr(cause, "is not a POSIX TZ string") != NULL,
		    "TZ string '%s' refused", bad[i]);
		tz_free(p);
		free(cause);
	}

	/* Jn skips February 29; n counts it (2028 is a leap year). */
	p = tz_posix_new("AAA-1BBB,J60/0,J300/0", &cause);
	ok(p != NULL, "Jn rule parses");
	off_is(p, "2028-02-29T22:59:59Z", 3600, "AAA");
	off_is(p, "2028-02-29T23:00:00Z", 7200, "BBB");
	off_is(p, "2027-03-01T00:00:00Z", 7200, "BBB");
	off_is(p, "2027-02-28T22:59:59Z", 3600, "AAA");
	tz_free(p);
	p = tz_posix_new("AAA-1BBB,59/0,300/0", &cause);
	ok(p != NULL, "zero-based n rule parses");
	off_is(p, "2028-02-28T22:59:59Z", 3600, "AAA");
	off_is(p, "2028-02-28T23:00:00Z", 7200, "BBB");
	off_is(p, "2027-02-28T23:00:00Z", 7200, "BBB");
	off_is(p, "2027-02-28T22:59:59Z", 3600, "AAA");
	tz_free(p);

	/* DST all year (RFC 8536 3.3.1) has no transitions at all. */
	p = tz_posix_new("EST5EDT,0/0,J365/25", &cause);
	ok(p != NULL, "all-year DST parses");
	off_is(p, "2026-01-01T05:00:00Z", -14400, "EDT");
	off_is(p, "2026-12-31T23:00:00Z", -14400, "EDT");
	off_is(p, "2027-01-01T05:00:00Z", -14400, "EDT");
	l2u_is(p, "2027-01-01T00:30:00", "2027-01-01T04:30:00Z");
	transitions_are(p, "2026-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "");
	tz_free(p);

	/* Default DST offset one hour, quoted names, minutes. */
	p = tz_posix_new("<+0530>-5:30<+0630>,M3.5.0,M10.5.0", &cause);
	ok(p != NULL, "quoted names and minutes parse");
	off_is(p, "2026-01-01T00:00:00Z", 19800, "+0530");
	off_is(p, "2026-07-01T00:00:00Z", 23400, "+0630");
	tz_free(p);
	p = tz_posix_new("<-03>3", &cause);
	ok(p != NULL, "fixed zone parses");
	off_is(p, "2026-07-01T00:00:00Z", -10800, "-03");
	tz_free(p);
}

static void
test_errors(void)
{
	char	*cause = NULL;

	ok(tz_get("Mars/Olympus_Mons", &cause) == NULL && cause != NULL &&
	    strcmp(cause, "unknown time zone 'Mars/Olympus_Mons'") == 0,
	    "unknown zone refused (%s)", cause ? cause : "no message");
	free(cause);
	cause = NULL;
	ok(tz_get("../etc/passwd", &cause) == NULL && cause != NULL,
	    "path outside the zoneinfo refused");
	free(cause);
}

static int
run(const char *cmd)
{
	int	 r = system(cmd);

	return r == 0 ? 0 : -1;
}

static void
write_file(const char *path, const void *p, size_t len)
{
	FILE	*f = fopen(path, "wb");

	if (f == NULL || fwrite(p, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(2);
	}
}

static const char *
find_zic(void)
{
	static const char *const dirs[] = { "/usr/sbin/zic", "/usr/bin/zic",
	    "/sbin/zic", "/bin/zic", NULL };
	size_t	 i;

	for (i = 0; dirs[i] != NULL; i++) {
		if (access(dirs[i], X_OK) == 0)
			return dirs[i];
	}
	return NULL;
}

/*
 * Slim TZif files (zic -b slim) stop their tables early and rely on the TZ
 * string; the results must equal the fat system files'.
 */
static void
test_slim(void)
{
	static const char src[] =
	    "Rule EU 1981 max - Mar lastSun 1:00u 1:00 S\n"
	    "Rule EU 1996 max - Oct lastSun 1:00u 0 -\n"
	    "Zone Slim/Berlin 1:00 EU CE%sT\n"
	    "Rule AN 2008 max - Apr Sun>=1 2:00s 0 S\n"
	    "Rule AN 2008 max - Oct Sun>=1 2:00s 1:00 D\n"
	    "Zone Slim/Sydney 10:00 AN AE%sT\n"
	    "Rule Nu 2023 max - Mar lastSun -1:00 1:00 -\n"
	    "Rule Nu 2023 max - Oct lastSun 0:00 0 -\n"
	    "Zone Slim/Nuuk -2:00 Nu -02/-01\n";
	const char *zic = find_zic(), *saved = getenv("TZDIR");
	const struct tz *slim, *fat;
	char	*dir, *cmd, *path, *cause = NULL;
	struct stat st;
	int64_t	 t;
	int	 bad = 0;
	const char *names[] = { "Berlin", "Sydney", NULL };
	size_t	 i;

	if (zic == NULL) {
		printf("ok %d - # SKIP zic not installed\n", ++tap_n);
		return;
	}
	dir = xasprintf("%s/slim", tmpdir);
	path = xasprintf("%s/src", tmpdir);
	write_file(path, src, sizeof src - 1);
	cmd = xasprintf("%s -b slim -d %s %s", zic, dir, path);
	ok(run(cmd) == 0, "zic -b slim compiles the test zones");
	free(cmd);
	free(path);

	path = xasprintf("%s/Slim/Berlin", dir);
	ok(stat(path, &st) == 0 && st.st_size < 200,
	    "the slim file has no table for recent years (%lld bytes)",
	    (long long)st.st_size);
	free(path);

	for (i = 0; names[i] != NULL; i++) {
		path = xasprintf("Slim/%s", names[i]);
		setenv("TZDIR", dir, 1);
		slim = tz_get(path, &cause);
		free(path);
		if (saved != NULL)
			setenv("TZDIR", saved, 1);
		else
			unsetenv("TZDIR");
		ok(slim != NULL, "slim %s loads%s%s", names[i],
		    cause ? ": " : "", cause ? cause : "");
		free(cause);
		cause = NULL;
		if (slim == NULL)
			continue;
		path = xasprintf("%s/%s", i == 0 ? "Europe" : "Australia",
		    names[i]);
		fat = zone(path);
		free(path);
		ok(fat != slim, "slim and system zones are cached apart");
		bad = 0;
		for (t = at("2024-01-01T00:00:00Z");
		    t < at("2030-01-01T00:00:00Z"); t += 1800) {
			if (tz_offset_at(slim, t) != tz_offset_at(fat, t) ||
			    strcmp(tz_abbr_at(slim, t), tz_abbr_at(fat, t)) != 0 ||
			    tz_wall_to_utc(slim, t) != tz_wall_to_utc(fat, t))
				bad++;
		}
		is_int(bad, 0, "slim %s equals the system zone, 2024-2029, "
		    "every 30 minutes", names[i]);
	}
	setenv("TZDIR", dir, 1);
	slim = tz_get("Slim/Berlin", &cause);
	if (slim != NULL) {
		off_is(slim, "2026-03-29T01:00:00Z", 7200, "CEST");
		l2u_is(slim, "2026-03-29T02:30:00", "2026-03-29T01:30:00Z");
		l2u_is(slim, "2026-10-25T02:30:00", "2026-10-25T00:30:00Z");
		transitions_are(slim, "2027-01-01T00:00:00Z",
		    "2028-01-01T00:00:00Z",
		    "2027-03-28T01:00:00Z 3600>7200 CEST*, "
		    "2027-10-31T01:00:00Z 7200>3600 CET");
	}
	slim = tz_get("Slim/Nuuk", &cause);
	ok(slim != NULL, "slim Nuuk (version 3 TZ string) loads");
	if (slim != NULL) {
		is_str(tz_posix_rule(slim), "<-02>2<-01>,M3.5.0/-1,M10.5.0/0",
		    "slim Nuuk's TZ string");
		off_is(slim, "2026-03-29T00:59:59Z", -7200, "-02");
		off_is(slim, "2026-03-29T01:00:00Z", -3600, "-01");
		l2u_is(slim, "2026-03-28T23:30:00", "2026-03-29T01:30:00Z");
	}
	free(cause);
	if (saved != NULL)
		setenv("TZDIR", saved, 1);
	else
		unsetenv("TZDIR");
	free(dir);
}

/*
 * A version 1 file (32-bit table, no TZ string), cut from the system's
 * Europe/Berlin; and a truncated file that must be refused.
 */
static void
test_v1(void)
{
	const char *saved = getenv("TZDIR");
	unsigned char *data, *p;
	uint32_t c[6];
	size_t	 len, size;
	FILE	*f;
	char	*path, *cause = NULL;
	const struct tz *z;
	int	 i;

	path = xasprintf("%s/Europe/Berlin", tz_dir());
	f = fopen(path, "rb");
	free(path);
	data = xmalloc(1 << 16);
	len = f != NULL ? fread(data, 1, 1 << 16, f) : 0;
	if (f != NULL)
		fclose(f);
	for (i = 0; i < 6; i++) {
		p = data + 20 + 4 * i;
		c[i] = (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
	}
	size = 44 + c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
	ok(len > size && c[3] > 100, "system Europe/Berlin has a v1 table");
	data[4] = 0;
	path = xasprintf("%s/V1", tmpdir);
	mkdir(path, 0700);
	free(path);
	path = xasprintf("%s/V1/Berlin", tmpdir);
	write_file(path, data, size);
	free(path);
	path = xasprintf("%s/V1/Short", tmpdir);
	write_file(path, data, size - 10);
	free(path);
	free(data);

	setenv("TZDIR", tmpdir, 1);
	z = tz_get("V1/Berlin", &cause);
	ok(z != NULL, "version 1 file loads");
	if (z != NULL) {
		ok(tz_posix_rule(z) == NULL, "version 1 has no TZ string");
		off_is(z, "1990-07-01T00:00:00Z", 7200, "CEST");
		off_is(z, "2026-03-29T01:00:00Z", 7200, "CEST");
		off_is(z, "2026-10-25T01:00:00Z", 3600, "CET");
		l2u_is(z, "2026-03-29T02:30:00", "2026-03-29T01:30:00Z");
		/* Past the 32-bit table the last type stays. */
		off_is(z, "2040-07-01T00:00:00Z", 3600, "CET");
	}
	free(cause);
	cause = NULL;
	z = tz_get("V1/Short", &cause);
	ok(z == NULL && cause != NULL && strstr(cause, "cannot be used: not a TZif file") != NULL,
	    "truncated file refused (%s)", cause ? cause : "no message");
	free(cause);
	if (saved != NULL)
		setenv("TZDIR", saved, 1);
	else
		unsetenv("TZDIR");
}

/* The scheduler converts hundreds of thousands of starts. */
static void
test_speed(void)
{
	const struct tz *z = zone("Europe/Berlin"), *s;
	struct tz *p;
	clock_t	 c0 = clock();
	int64_t	 t, sum = 0;
	double	 secs;
	char	*cause;

	s = zone("Australia/Sydney");
	p = tz_posix_new("CET-1CEST,M3.5.0,M10.5.0/3", &cause);
	for (t = 0; t < 100000; t++) {
		sum += tz_wall_to_utc(z, 1767225600 + t * 1800);
		sum += tz_offset_at(s, 1767225600 + t * 1800);
		sum += tz_wall_to_utc(p, 4102444800 + t * 1800);
	}
	secs = (double)(clock() - c0) / CLOCKS_PER_SEC;
	ok(sum != 0 && secs < 2.0, "300,000 conversions in %.2f s", secs);
	tz_free(p);
}

int
main(void)
{
	char	 tmpl[] = "/tmp/t-tz.XXXXXX";
	char	*cmd;

	if ((tmpdir = mkdtemp(tmpl)) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_berlin();
	test_new_york();
	test_sydney();
	test_fixed();
	test_rules();
	footer_matches_table("Europe/Berlin");
	footer_matches_table("America/New_York");
	footer_matches_table("Australia/Sydney");
	footer_matches_table("America/Nuuk");
	footer_matches_table("Asia/Jerusalem");
	footer_matches_table("America/Santiago");
	footer_matches_table("Europe/Dublin");
	footer_matches_table("Australia/Lord_Howe");
	footer_matches_table("Pacific/Chatham");
	test_posix();
	test_errors();
	test_slim();
	test_v1();
	test_speed();
	tz_cache_free();
	cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	free(cmd);
	return done_testing();
}
