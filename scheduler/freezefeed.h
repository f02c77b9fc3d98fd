/* freezefeed: freezes published as iCalendar feeds, fetched and cached */
#ifndef OFFPEAK_FREEZEFEED_H
#define OFFPEAK_FREEZEFEED_H

#include <stddef.h>

#include "schedule.h"
#include "store.h"

struct session;

struct freeze_feeds {
	struct extra_freeze *events;	/* every event of every URL freeze */
	size_t	 nevents;
	struct store_file *files;	/* refreshed cache files to commit */
	size_t	 nfiles;
	char	**warnings;		/* NULL-terminated, for the operator */
};

/*
 * For every URL freeze of the policy: fetch the feed (If-None-Match with
 * the cached ETag); on success expand its events and queue the new copy for
 * feeds/<name>.ics on the state branch; on failure use the cached copy and
 * add a warning. A feed that cannot be fetched and has no cached copy
 * refuses scheduling: a freeze you cannot see must not be ignored. Returns
 * an exit code (EXIT_DONE, or EXIT_ENV with *cause).
 */
int	 freeze_feeds_load(struct session *, struct freeze_feeds *, char **cause);
void	 freeze_feeds_release(struct freeze_feeds *);

#endif
