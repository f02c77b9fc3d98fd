/* schedule: place approved plans into off-peak windows */
#ifndef OFFPEAK_SCHEDULE_H
#define OFFPEAK_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

struct policy;
struct plan;
struct state;

/* One event of a freeze fetched from an iCalendar URL, expanded. */
struct extra_freeze {
	size_t	 freeze;		/* index of the URL freeze in the policy */
	int64_t	 start, end;
};

struct schedule_input {
	const struct policy *policy;
	struct plan *const *plans;	/* sorted by id */
	size_t	 nplans;
	int64_t	 now;
	int64_t	 horizon;		/* search this far ahead (seconds) */
	const struct extra_freeze *extra;	/* events of URL freezes */
	size_t	 nextra;
};

/* What schedule_solve did, for the command's output. */
struct schedule_stats {
	size_t	 placed, moved, kept, expired, blocked;
	size_t	 missed;		/* slots that ended without a run */
	char	**missed_ids;		/* their plans (NULL-terminated) */
	int64_t	*missed_start, *missed_end;	/* and the slots they missed */
};
/* Free what schedule_solve kept in the stats. */
void	 schedule_stats_release(struct schedule_stats *);

/*
 * Check the live slots and place every approved plan without one, updating
 * the state and its log. Returns 0, or -1 with *cause when a window or
 * freeze cannot be expanded.
 */
int	 schedule_solve(const struct schedule_input *, struct state *,
	     struct schedule_stats *, char **cause);

#endif
