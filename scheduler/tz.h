/* tz: time zones read from the system zoneinfo (TZif files, RFC 8536) */
/*
 * The one owner of zone rules: the transitions of the TZif data and the
 * POSIX TZ string that carries them on, for conversions, for windows and
 * for the VTIMEZONEs of the feeds (vtimezone.c). A reader of our own,
 * rather than localtime(3) or libical's zones: it reads any zone without
 * touching TZ or the process's global state, so threads convert in
 * parallel without a lock; a zone is parsed once and kept; and it is
 * tested against zoneinfo itself (tests/e2e/0010-dst.sh).
 */
#ifndef OFFPEAK_TZ_H
#define OFFPEAK_TZ_H

#include <stdint.h>

#include "datetime.h"

struct tz;

/* One change of local time, as the transition iterator reports it. */
struct tz_transition {
	int64_t	 at;		/* the instant, seconds since the epoch */
	int	 off_before;	/* offset east of UTC before, in seconds */
	int	 off_after;	/* offset east of UTC from then on */
	int	 is_dst;	/* daylight saving time from then on */
	const char *abbr;	/* abbreviation from then on; lives as long as the zone */
};

/* Walks the transitions of a zone within [from, to); see tz_iter_init. */
struct tz_iter {
	const struct tz *tz;
	int64_t	 last;		/* the last instant looked at */
	int64_t	 to;
	int	 type;		/* local time type in effect at last */
};

/*
 * The zone of that IANA name, read from tz_dir() on first use and kept for
 * the life of the process (tz_cache_free() releases them all); callers never
 * free it. Returns NULL with *cause set for an unknown name or a bad file.
 * Leap second corrections ("right/" zones) are ignored.
 */
const struct tz *tz_get(const char *name, char **cause);
/* Release every cached zone; earlier tz_get results become invalid. */
void	 tz_cache_free(void);

/*
 * A zone described only by a POSIX TZ string ("CET-1CEST,M3.5.0,M10.5.0/3"),
 * owned by the caller, who frees it with tz_free(). NULL with *cause when the
 * string is not valid.
 */
struct tz *tz_posix_new(const char *spec, char **cause);
void	 tz_free(struct tz *);

/* The name the zone was loaded under. */
const char *tz_name(const struct tz *);
/* The SHA-256 of the zone's file (32 bytes): its rules, for caches. */
const unsigned char *tz_digest(const struct tz *);
/* The POSIX TZ string for instants after the last transition, or NULL. */
const char *tz_posix_rule(const struct tz *);

/* A day of a POSIX TZ rule (RFC 8536) and the local time on it. */
struct tz_rule {
	enum { TZ_RULE_JULIAN, TZ_RULE_ZERO, TZ_RULE_MONTH } kind;
	int	 n;			/* Jn: 1..365, no February 29; n: 0..365 */
	int	 month, week, wday;	/* Mm.w.d: week 5 is the last */
	int32_t	 time;			/* after local midnight: -167..167 h */
};
/*
 * The rules of the zone's TZ string, when it has daylight saving: the
 * change to it (start) and back (end). 0, or -1 when there are none.
 */
int	 tz_rules(const struct tz *, struct tz_rule *start, struct tz_rule *end);
/* Local seconds (as civil_to_utc counts them) at which a rule acts in a year. */
int64_t	 tz_rule_wall(const struct tz_rule *, int64_t year);

/* Offset east of UTC in seconds at an instant. */
int	 tz_offset_at(const struct tz *, int64_t utc);
/* Abbreviation in use at an instant ("CEST"); lives as long as the zone. */
const char *tz_abbr_at(const struct tz *, int64_t utc);
/* Is daylight saving time in effect at an instant? */
int	 tz_is_dst_at(const struct tz *, int64_t utc);
/* Local civil time at an instant; *offset (may be NULL) gets the offset. */
void	 tz_utc_to_local(const struct tz *, int64_t utc, struct civil *,
	     int *offset);

/*
 * The instant of a local civil time, as RFC 5545 and fold=0 of Python's
 * zoneinfo read it: a time skipped by a forward change is taken with the
 * offset in effect before the change (02:30 on the day Berlin springs
 * forward is 01:30 UTC, shown as 03:30 CEST), and a time that occurs twice
 * is its first occurrence (the offset before the change).
 */
int64_t	 tz_local_to_utc(const struct tz *, const struct civil *);
/* The same for local time given as seconds, as civil_to_utc() counts them. */
int64_t	 tz_wall_to_utc(const struct tz *, int64_t wall);

/*
 * RFC 3339 text of an instant with the offset the named zone has then
 * ("2027-01-11T01:00:00+01:00"), allocated; in UTC when zone is NULL or
 * unknown.
 */
char	*tz_format(int64_t utc, const char *zone);

/*
 * Start walking the transitions at instants in [from, to), in order.
 * Changes that alter neither offset, DST flag nor abbreviation are skipped.
 */
void	 tz_iter_init(struct tz_iter *, const struct tz *, int64_t from,
	     int64_t to);
/* The next transition: 1 with *out filled, or 0 at the end. */
int	 tz_iter_next(struct tz_iter *, struct tz_transition *out);

#endif
