/*
 * advice: recommendations for the client's optimisation (agreement clause
 * 4.3), each backed by its figures: windows that are full or never used,
 * systems whose changes keep rolling back or failing, changes that took
 * much longer than planned (with a duration to plan instead), plans
 * waiting longest for approval and from whom, how much margin the notice
 * periods had, budgets nearly spent.
 */
#ifndef OFFPEAK_ADVICE_H
#define OFFPEAK_ADVICE_H

#include <stddef.h>
#include <stdint.h>

struct budget_row;
struct policy;
struct report;
struct state;

struct advice {
	char	*kind;		/* "window-unused", "window-full", "rollbacks",
				   "duration", "approval", "notice", "budget" */
	char	*subject;	/* the window, system or plan it is about */
	char	*text;		/* one sentence with its figures */
	char	*action;	/* what to do */
};

struct advice_set {
	struct advice *v;
	size_t	 n;
};

/*
 * The recommendations for the period [from, to) at now, from the report of
 * its runs, the state, the policy's windows and the availability rows.
 * Returns 0, or -1 with *cause when a window cannot be expanded.
 */
int	 advice_make(const struct policy *, const struct state *,
	     const struct report *, const struct budget_row *, size_t nrows,
	     int64_t from, int64_t to, int64_t now, struct advice_set *,
	     char **cause);
void	 advice_release(struct advice_set *);

#endif
