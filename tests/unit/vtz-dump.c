/*
 * vtz-dump: a VCALENDAR with offpeak's VTIMEZONE for one zone and a VEVENT
 * at each probe instant, for the end-to-end tests to read back with every
 * parser. Probes: each transition of the span and the seconds and hours
 * around it, and every 5 days and 7 hours; a probe in an hour that repeats
 * is left out (clients read such a local time differently; the feeds write
 * it in UTC).
 * Each event's UID is "<instant>@probe": its start, read through the
 * VTIMEZONE, must be that instant.
 *
 *   vtz-dump ZONE FROM TO
 */
#include <stdio.h>
#include <stdlib.h>

#include "datetime.h"
#include "notice.h"
#include "vtimezone.h"
#include "tz.h"
#include "util.h"

/* Does the local time at t happen only once (as notice.c asks)? */
static int
local_unique(const struct tz *z, int64_t t)
{
	static const int64_t near[] = { -86400, -3 * 3600, 3 * 3600, 86400 };
	int64_t	 wall = t + tz_offset_at(z, t), u;
	size_t	 i;
	int	 off;

	for (i = 0; i < nitems(near); i++) {
		off = tz_offset_at(z, t + near[i]);
		u = wall - off;
		if (u != t && tz_offset_at(z, u) == off)
			return 0;
	}
	return 1;
}

static void
probe(const struct tz *z, const char *name, int64_t t)
{
	struct civil c;

	tz_utc_to_local(z, t, &c, NULL);
	if (tz_local_to_utc(z, &c) != t || !local_unique(z, t))
		return;
	printf("BEGIN:VEVENT\r\nUID:%lld@probe\r\nDTSTAMP:20260101T000000Z\r\n"
	    "DTSTART;TZID=%s:%04d%02d%02dT%02d%02d%02d\r\n"
	    "DTEND;TZID=%s:%04d%02d%02dT%02d%02d%02d\r\nSUMMARY:probe\r\n"
	    "END:VEVENT\r\n", (long long)t, name, c.year, c.month, c.day,
	    c.hour, c.minute, c.second, name, c.year, c.month, c.day, c.hour,
	    c.minute, c.second);
}

int
main(int argc, char **argv)
{
	const struct tz *z;
	struct tz_iter it;
	struct tz_transition tr;
	int64_t	 from, to, t;
	char	*cause = NULL, *vtz;
	static const int around[] = { -3601, -3600, -1, 0, 1, 1800, 3600, 7200 };
	size_t	 i;

	if (argc != 4) {
		fprintf(stderr, "usage: vtz-dump ZONE FROM TO\n");
		return 2;
	}
	if (dt_parse_instant(argv[2], &from, NULL, &cause) != 0 ||
	    dt_parse_instant(argv[3], &to, NULL, &cause) != 0 ||
	    (z = tz_get(argv[1], &cause)) == NULL ||
	    (vtz = vtimezone_text(argv[1], from, to, &cause)) == NULL) {
		fprintf(stderr, "vtz-dump: %s\n", cause);
		free(cause);
		return 1;
	}
	printf("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//offpeak//vtz-dump//EN\r\n"
	    "%s", vtz);
	free(vtz);
	tz_iter_init(&it, z, from, to);
	while (tz_iter_next(&it, &tr)) {
		for (i = 0; i < nitems(around); i++) {
			if (tr.at + around[i] >= from && tr.at + around[i] < to)
				probe(z, argv[1], tr.at + around[i]);
		}
	}
	for (t = from; t < to; t += 5 * 86400 + 7 * 3600)
		probe(z, argv[1], t);
	printf("END:VCALENDAR\r\n");
	tz_cache_free();
	return 0;
}
