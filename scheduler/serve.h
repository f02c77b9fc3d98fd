/* serve: the feeds, the status page and its JSON over HTTP (libmicrohttpd) */
#ifndef OFFPEAK_SERVE_H
#define OFFPEAK_SERVE_H

#include <stdint.h>

#define SERVE_LISTEN		"127.0.0.1:8080"
#define SERVE_FETCH_INTERVAL	60	/* seconds between fetches from origin */
#define SERVE_CHECK_INTERVAL	2	/* seconds between looks at the refs */
#define SERVE_MAX_CONNECTIONS	4096	/* at once, in all */
#define SERVE_MAX_PER_IP	64	/* at once, from one address */
#define SERVE_HEADER_TIMEOUT	10	/* seconds for a request to arrive */
#define SERVE_TIMEOUT		15	/* seconds a connection may stay idle */
#define SERVE_CONNECTION_MEMORY	32768	/* bytes for one request's headers */
#define SERVE_MAX_PATH		1024	/* longer request paths get 414 */

struct serve_options {
	const char *repo_path;		/* NULL: the current directory */
	const char *listen;		/* "ADDR:PORT" or "[ADDR]:PORT"; port 0: any */
	int64_t	 now;			/* the clock, fixed when simulated */
	int	 simulated;
	int	 offline;		/* never fetch from origin */
	int	 fetch_interval;	/* seconds; 0: never */
	int	 verbose;		/* a line per request */
	unsigned threads;		/* 0: one per core */
	unsigned idle_timeout;		/* seconds; 0: SERVE_TIMEOUT */
	unsigned header_timeout;	/* seconds; 0: SERVE_HEADER_TIMEOUT */
	unsigned max_connections;	/* 0: SERVE_MAX_CONNECTIONS */
	unsigned max_per_ip;		/* 0: no limit per address */
	/* Where log lines go (one line, no newline); called from any thread. */
	void	(*log)(void *arg, const char *line);
	void	*log_arg;
};

struct server;

/*
 * Load the state and the policy, render everything, listen and start
 * answering. Returns an outcome: OUT_OK with *out, OUT_INVALID when
 * the policy does not pass check (the problems are in *cause), OUT_BADARG
 * for a listen address that is not one, OUT_ENV with *cause.
 */
int	 serve_start(const struct serve_options *, struct server **out,
	     char **cause);
/* The address it listens on, "127.0.0.1:8080" or "[::1]:8080". */
const char *serve_address(const struct server *);
/*
 * Reload when it is time: the state branch or the plans moved (looked at
 * every SERVE_CHECK_INTERVAL seconds), a fetch from origin is due, or the
 * real clock reached a new minute. What was served stays until the new
 * version is ready, and stays whole when loading fails (which is logged).
 * Call it every second or so, from one thread.
 */
void	 serve_poll(struct server *);
/*
 * Stop accepting, let requests in flight finish (for a few seconds at
 * most), close everything and free the server.
 */
void	 serve_stop(struct server *);

#endif
