/* freezefeed: freezes published as iCalendar feeds, fetched and cached */
#ifndef OFFPEAK_FREEZEFEED_H
#define OFFPEAK_FREEZEFEED_H

#include <stddef.h>

#include "schedule.h"
#include "store.h"

struct session;

/*
 * Feed events are expanded over [now - BEFORE, now + AFTER): the span
 * schedule_solve() looks at (a week back, its 400-day horizon) with a
 * margin.
 */
#define FREEZE_FEED_BEFORE	(8 * 86400)
#define FREEZE_FEED_AFTER	(408 * 86400)

struct freeze_feeds {
	struct extra_freeze *events;	/* every event of every URL freeze */
	size_t	 nevents;
	struct store_files files;	/* refreshed cache files to commit */
	char	**warnings;		/* NULL-terminated, for the operator */
};

/*
 * For every URL freeze of the policy: fetch the feed (If-None-Match with
 * the cached ETag); on success expand its events and, when the text or the
 * ETag changed, queue the new copy for feeds/<name>.ics and its record
 * feeds/<name>.json ({"url", "etag", "last_modified", "fetched_at"}) on the
 * state branch, with a line in the state's log; on 304 use the cached
 * copy. A failed fetch, an HTTP status other than 200 or 304, or a text
 * that is not a readable calendar falls back on the cached copy and adds a
 * warning that says when the copy was fetched. A feed with neither refuses
 * scheduling: a freeze you cannot see must not be ignored. Returns an exit
 * outcome: OUT_OK, or OUT_ENV with *cause and *ff already released.
 */
int	 freeze_feeds_load(struct session *, struct freeze_feeds *, char **cause);
void	 freeze_feeds_release(struct freeze_feeds *);
/*
 * The events over [from, to) of every URL freeze, from the copies cached
 * on the state branch, without fetching: what serve and the timeline
 * show. *events is allocated (never NULL); a freeze without a readable
 * copy has none.
 */
void	 freeze_feeds_cached(struct session *, int64_t from, int64_t to,
	     struct extra_freeze **events, size_t *n);

#endif
