/*
 * archive: finished changes leave the working set of the state branch
 *
 * A change that ended (completed, rolled back, failed, cancelled,
 * expired, rejected or superseded) stays in state/<id>.json while anyone
 * may still look at it: its notice stays in the feeds for the calendar's
 * retention, and its run counts against the availability budget of the
 * period it ran in. Once both have passed and its plan file is gone from
 * the plans branch, `schedule` moves its state and approvals, blob for
 * blob, under archive/ on the state branch (the records stay where they
 * are). Commands read the working set only; `report` reads the archive
 * too, and `log` and `audit` read the history. So the cost of everyday
 * commands follows the active work, not the years behind it.
 */
#ifndef OFFPEAK_ARCHIVE_H
#define OFFPEAK_ARCHIVE_H

#include <stdint.h>

#include "state.h"

struct policy;
struct repo;
struct session;
struct store_files;

#define ARCHIVE_DIR	"archive"

/* Has a change in this status ended for good? */
int	 archive_final(enum status);
/*
 * How long after it ended a change stays in the working set: the longer
 * of the calendar's retention and the longest availability period.
 */
int64_t	 archive_age(const struct policy *);
/* When a finished change ended: its last update, release or slot end. */
int64_t	 archive_ended(const struct plan_state *);
/*
 * Move every change that is due out of the working set: its state and
 * approvals are added to files under archive/ (the same bytes) and
 * removed from where they were, a line "archive <id> (<status>, ended
 * <time>)"
 * is logged, and it leaves s->st. Changes changed in this invocation
 * stay. Returns how many moved, or -1 with *cause.
 */
long	 archive_due(struct session *, struct store_files *, char **cause);
/*
 * Read the archived states and their approvals into st beside the
 * working set, for commands that look back (report). Returns 0, or -1
 * with *cause.
 */
int	 archive_load(struct repo *, struct state *, char **cause);
/*
 * What to tell someone who names a change that is archived ("plan 'x' has
 * ended (completed, ...) and is archived: ..."), allocated; NULL when the
 * archive does not hold it.
 */
char	*archive_said(struct repo *, const struct state *, const char *id);

#endif
