/* load: how many changes run at each minute, for max_concurrent */
#ifndef OFFPEAK_LOAD_H
#define OFFPEAK_LOAD_H

#include <stdint.h>

struct load;

/*
 * A load profile over [from, to) at minute resolution: an interval counts
 * in every minute it touches, so partial minutes count as overlap.
 */
struct load *load_new(int64_t from, int64_t to);
void	 load_free(struct load *);
/* Add delta to the load of every minute that [start, end) touches. */
void	 load_add(struct load *, int64_t start, int64_t end, int delta);
/* The highest load over [start, end). */
int	 load_max(struct load *, int64_t start, int64_t end);
/* The first minute in [start, end) whose load is at least limit, or -1. */
int64_t	 load_first_at_least(struct load *, int64_t start, int64_t end,
	     int limit);
/* The start of the first minute at or after t whose load is below limit. */
int64_t	 load_next_below(struct load *, int64_t t, int limit);

#endif
