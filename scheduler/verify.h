/* verify: post-change HTTP checks with latency limits (libcurl via http) */
#ifndef OFFPEAK_VERIFY_H
#define OFFPEAK_VERIFY_H

#include <signal.h>
#include <stdint.h>

struct http_check;

/* One try of one check, as the maintenance record keeps it. */
struct verify_attempt {
	const char *url;
	int	 attempt;	/* 1, 2, ... */
	int64_t	 at;		/* when it started (the run's clock) */
	long	 status;	/* HTTP status; 0 when no response */
	int64_t	 ms;		/* total time of the exchange */
	long	 max_ms;	/* the check's limit; 0 none */
	int	 ok;
	const char *problem;	/* why it failed, or NULL */
};

/* The run's clock, a report of every attempt, and when to give up early. */
struct verify_hooks {
	int64_t	(*clock)(void *);
	void	(*attempt)(const struct verify_attempt *, void *);
	void	*arg;
	const volatile sig_atomic_t *stop;	/* set: no further try; may be NULL */
};

/*
 * Run one HTTP check: the expected status, the body substring if any, and
 * the total time within max_ms; retried (a pause between tries) until it
 * passes, `within` has elapsed or *stop is set. Returns 1 when it passed,
 * 0 when it did not (with *why: the last problem).
 */
int	 verify_http(const struct http_check *, const struct verify_hooks *,
	     char **why);

#endif
