/*
 * serve-conn: what one connection to serve may take. A request must
 * arrive whole (its line and headers) within a deadline, so slow senders
 * are dropped long before a client would give up; a kept-alive connection
 * waits for its next request only so long; one address holds only so
 * many connections; a connection closed with unread input is drained for
 * a moment first (a lingering close), so the client reads the answer
 * instead of a reset.
 *
 * The hooks are called from libmicrohttpd's threads; one thread of the
 * guard's own enforces the deadlines and drains closed connections.
 */
#ifndef OFFPEAK_SERVE_CONN_H
#define OFFPEAK_SERVE_CONN_H

#include <sys/socket.h>

#define CONN_LINGER_MS		2000	/* a closed connection is drained so long */
#define CONN_LINGER_MAX		1024	/* ... so many at once, the rest closed */
#define CONN_LINGER_BYTES	(16L * 1024 * 1024)	/* ... reading so much */
#define CONN_TICK_MS		100	/* how often deadlines are looked at */

struct conn_limits {
	unsigned header_timeout;	/* s, from opening (or from the request
					   line, on a kept-alive connection) */
	unsigned idle_timeout;		/* s, between requests */
	unsigned max_per_ip;		/* connections of one address; 0 none;
					   127.0.0.1 and ::1 are not counted */
};

struct conn_stats {
	unsigned long opened, open;
	unsigned long slow;	/* dropped: a request not in by its deadline */
	unsigned long idle;	/* dropped: kept alive past idle_timeout */
	unsigned long over_ip;	/* refused: their address was at its limit */
	unsigned long lingered;	/* closed after draining their input */
};

struct conn_guard;
struct conn;

/* Start the guard (its thread); NULL with *cause. */
struct conn_guard *conn_guard_new(const struct conn_limits *, char **cause);
/* Stop its thread and close what it still drains. */
void	 conn_guard_free(struct conn_guard *);
void	 conn_guard_stats(struct conn_guard *, struct conn_stats *);

/*
 * A connection was accepted (fd, the peer's address): its deadline
 * starts. NULL when the address is over its limit: the connection is
 * shut down at once (still call conn_closed with NULL).
 */
struct conn *conn_opened(struct conn_guard *, int fd,
	     const struct sockaddr *peer);
/* Its request line is in (a new request on a kept-alive connection). */
void	 conn_request_line(struct conn *);
/* Its headers are in: the request is being answered, no deadline. */
void	 conn_headers_in(struct conn *);
/* It was answered with an error: drain it when it closes. */
void	 conn_refused(struct conn *);
/* Its answer was sent: it may wait idle_timeout for the next request. */
void	 conn_request_done(struct conn *);
/*
 * libmicrohttpd is about to close it (the fd is still open): forget it,
 * and drain it first when it has unread input or was refused.
 */
void	 conn_closed(struct conn_guard *, struct conn *);

#endif
