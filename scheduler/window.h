/* window: off-peak windows and freezes as time intervals (libical) */
#ifndef OFFPEAK_WINDOW_H
#define OFFPEAK_WINDOW_H

#include <stddef.h>
#include <stdint.h>

struct window_def;
struct freeze_def;

/* A half-open span of time [start, end), in seconds since the epoch. */
struct interval {
	int64_t	 start, end;
};

/* Does libical accept this RRULE value (without "RRULE:")? 0, or -1 with *cause. */
int	 window_rrule_check(const char *rrule, char **cause);

/*
 * Every occurrence of a window that overlaps [from, to), ordered by start,
 * into *out (the caller frees it; NULL when there are none) and *n.
 * The rule is expanded in the window's local civil time, exdates are civil
 * times in that zone, each local start becomes an instant as
 * tz_local_to_utc() says, and the end is the start plus the duration in
 * elapsed seconds. COUNT counts from the window's start, before exdates are
 * removed; UNTIL in UTC ("...Z") is compared with the instant, a local
 * UNTIL with the local start. Returns 0, or -1 with *cause set.
 */
int	 window_expand(const struct window_def *, int64_t from, int64_t to,
	     struct interval **out, size_t *n, char **cause);
/*
 * The same for a freeze: an absolute freeze gives itself when it overlaps,
 * a recurring one its occurrences, a calendar URL nothing (the feed is read
 * elsewhere).
 */
int	 freeze_expand(const struct freeze_def *, int64_t from, int64_t to,
	     struct interval **out, size_t *n, char **cause);

/* Sort by start (then end). */
void	 interval_sort(struct interval *, size_t n);
/* Sort by start and merge intervals that overlap or touch; *n shrinks. */
void	 interval_merge(struct interval *, size_t *n);
/* Does [start, end) overlap any of n sorted, disjoint (merged) intervals? */
int	 interval_overlaps(const struct interval *, size_t n, int64_t start,
	     int64_t end);
/* The one of n sorted, disjoint intervals that contains [start, end), or NULL. */
const struct interval *interval_covering(const struct interval *, size_t n,
	     int64_t start, int64_t end);

#endif
