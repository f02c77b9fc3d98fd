/* parallel: run independent work items on a few threads */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "parallel.h"
#include "util.h"

#define PARALLEL_MIN_ITEMS	256	/* below this, threads cost more than they save */
#define PARALLEL_MAX_WORKERS	8

struct worker {
	size_t	 first, step, n, index;
	void	(*fn)(size_t, size_t, void *);
	void	*arg;
	pthread_t thread;
	int	 started;
};

size_t
parallel_workers(size_t n)
{
	long	 cpus;

	if (n < PARALLEL_MIN_ITEMS)
		return 1;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		return 1;
	return cpus > PARALLEL_MAX_WORKERS ? PARALLEL_MAX_WORKERS : (size_t)cpus;
}

static void *
worker_run(void *v)
{
	struct worker *w = v;
	size_t	 i;

	for (i = w->first; i < w->n; i += w->step)
		w->fn(i, w->index, w->arg);
	return NULL;
}

void
parallel_for(size_t n, void (*fn)(size_t, size_t, void *), void *arg)
{
	size_t	 k = parallel_workers(n), i;
	struct worker *w = xcalloc(k, sizeof *w);

	for (i = 0; i < k; i++) {
		w[i].first = i;
		w[i].step = k;
		w[i].n = n;
		w[i].index = i;
		w[i].fn = fn;
		w[i].arg = arg;
		if (i > 0)
			w[i].started = pthread_create(&w[i].thread, NULL,
			    worker_run, &w[i]) == 0;
	}
	worker_run(&w[0]);
	for (i = 1; i < k; i++) {
		if (w[i].started)
			pthread_join(w[i].thread, NULL);
		else
			worker_run(&w[i]);	/* no thread: do its share here */
	}
	free(w);
}
