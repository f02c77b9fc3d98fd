/* parallel: run independent work items on a few threads */
#ifndef OFFPEAK_PARALLEL_H
#define OFFPEAK_PARALLEL_H

#include <stddef.h>

/* How many workers parallel_for uses for n items (1 for small n). */
size_t	 parallel_workers(size_t n);

/*
 * Call fn(i, worker, arg) for every i in [0, n), spread over
 * parallel_workers(n) workers (worker 0 is the calling thread). fn must be
 * safe to run concurrently for different items; per-worker state can be
 * indexed by worker.
 */
void	 parallel_for(size_t n, void (*fn)(size_t, size_t, void *), void *arg);

#endif
