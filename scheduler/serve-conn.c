/*
 * serve-conn: deadlines for requests to arrive, a limit per address, and
 * a lingering close, for the connections libmicrohttpd serves.
 *
 * A connection is dropped by shutting its socket down (never closing it:
 * libmicrohttpd owns the descriptor), under the lock that conn_closed
 * takes before libmicrohttpd closes it, so the descriptor is always the
 * connection's own. A lingering close keeps a duplicate of the descriptor
 * open after libmicrohttpd's close and reads what the client still sends,
 * for a moment, so that the kernel does not answer it with a reset.
 */
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "serve-conn.h"
#include "util.h"

#define IP_BUCKETS	1024

enum phase {
	PH_FRESH,	/* accepted, nothing yet */
	PH_LINE,	/* its request line is in */
	PH_REQUEST,	/* its headers are in: being answered */
	PH_KEPT		/* answered, kept alive for the next request */
};

struct conn {
	struct conn *prev, *next;
	int	 fd;
	int64_t	 deadline;	/* monotonic ms, 0 none (atomic) */
	int	 phase;		/* enum phase (atomic) */
	int	 refused;	/* answered with an error (atomic) */
	int	 shut;		/* dropped by its deadline (under the lock) */
	int64_t	 header_ms, idle_ms;	/* the limits; 0 none */
	struct ip_count *ip;	/* counted against its address, or NULL */
};

struct ip_count {
	struct ip_count *next;
	unsigned char key[16];
	unsigned n;
};

struct drain {
	int	 fd;
	int64_t	 until;
	long	 bytes;
};

struct conn_guard {
	struct conn_limits lim;
	pthread_mutex_t lock;
	pthread_t thread;
	int	 running;
	int	 stop;		/* (atomic) */
	int	 ep;		/* epoll of the lingering descriptors */
	struct conn *list;
	struct ip_count *ips[IP_BUCKETS];
	struct drain lingers[CONN_LINGER_MAX];
	size_t	 nlingers;
	struct conn_stats st;
};

static int64_t
load64(const int64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void
store64(int64_t *p, int64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

/* --- addresses */

/*
 * The address as 16 bytes (IPv4 as ::ffff:a.b.c.d); 0 when it is not
 * counted: loopback's 127.0.0.1 and ::1 (a reverse proxy on the same host
 * speaks for many clients), or not an IP address.
 */
static int
ip_key(const struct sockaddr *sa, unsigned char key[16])
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0xff, 0xff };
	static const unsigned char v4lo[4] = { 127, 0, 0, 1 };

	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		memcpy(key, mapped, 12);
		memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6)
		memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	else
		return 0;
	if (memcmp(key, mapped, 12) == 0 && memcmp(key + 12, v4lo, 4) == 0)
		return 0;
	if (sa->sa_family == AF_INET6 && memcmp(key, &in6addr_loopback,
	    16) == 0)
		return 0;
	return 1;
}

static unsigned
ip_hash(const unsigned char key[16])
{
	uint32_t h = 2166136261u;
	size_t	 i;

	for (i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % IP_BUCKETS;
}

/* Count one more connection of the address; NULL when it is over. */
static struct ip_count *
ip_take(struct conn_guard *g, const unsigned char key[16])
{
	struct ip_count **b = &g->ips[ip_hash(key)], *c;

	for (c = *b; c != NULL && memcmp(c->key, key, 16) != 0; c = c->next)
		;
	if (c == NULL) {
		c = xcalloc(1, sizeof *c);
		memcpy(c->key, key, 16);
		c->next = *b;
		*b = c;
	}
	if (c->n >= g->lim.max_per_ip) {
		if (c->n == 0) {
			*b = c->next;
			free(c);
		}
		return NULL;
	}
	c->n++;
	return c;
}

static void
ip_give(struct conn_guard *g, struct ip_count *c)
{
	struct ip_count **p;

	if (c == NULL || --c->n > 0)
		return;
	for (p = &g->ips[ip_hash(c->key)]; *p != c; p = &(*p)->next)
		;
	*p = c->next;
	free(c);
}

/* --- lingering closes */

static void
linger_end(struct conn_guard *g, size_t i)
{
	epoll_ctl(g->ep, EPOLL_CTL_DEL, g->lingers[i].fd, NULL);
	close(g->lingers[i].fd);
	g->lingers[i] = g->lingers[--g->nlingers];
}

/* Read what is there; 1 when the connection is done (EOF, error, enough). */
static int
linger_read(struct drain *l)
{
	char	 buf[16384];
	ssize_t	 n;

	for (;;) {
		n = recv(l->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n > 0) {
			l->bytes += n;
			if (l->bytes > CONN_LINGER_BYTES)
				return 1;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		return 1;
	}
}

/* Under the lock: keep a duplicate of fd open and drain it. */
static void
linger_add(struct conn_guard *g, int fd)
{
	struct epoll_event ev;
	int	 dup_fd;

	if (g->nlingers == CONN_LINGER_MAX ||
	    (dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return;
	shutdown(dup_fd, SHUT_WR);
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN | EPOLLRDHUP;
	ev.data.fd = dup_fd;
	if (epoll_ctl(g->ep, EPOLL_CTL_ADD, dup_fd, &ev) != 0) {
		close(dup_fd);
		return;
	}
	g->lingers[g->nlingers].fd = dup_fd;
	g->lingers[g->nlingers].until = mono_ms() + CONN_LINGER_MS;
	g->lingers[g->nlingers].bytes = 0;
	g->nlingers++;
	g->st.lingered++;
}

/* --- the guard's thread */

static void
drop_late(struct conn_guard *g, int64_t now)
{
	struct conn *c;
	int64_t	 d;

	for (c = g->list; c != NULL; c = c->next) {
		d = load64(&c->deadline);
		if (d != 0 && now >= d && !c->shut) {
			shutdown(c->fd, SHUT_RDWR);
			c->shut = 1;
			if (__atomic_load_n(&c->phase, __ATOMIC_RELAXED) == PH_KEPT)
				g->st.idle++;
			else
				g->st.slow++;
		}
	}
}

static void *
guard_main(void *arg)
{
	struct conn_guard *g = arg;
	struct epoll_event ev[64];
	int64_t	 now;
	size_t	 i;
	int	 n, k;

	while (!__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE)) {
		n = epoll_wait(g->ep, ev, 64, CONN_TICK_MS);
		pthread_mutex_lock(&g->lock);
		for (k = 0; k < n; k++) {
			for (i = 0; i < g->nlingers; i++) {
				if (g->lingers[i].fd == ev[k].data.fd)
					break;
			}
			if (i < g->nlingers && linger_read(&g->lingers[i]))
				linger_end(g, i);
		}
		now = mono_ms();
		for (i = 0; i < g->nlingers; ) {
			if (now >= g->lingers[i].until)
				linger_end(g, i);
			else
				i++;
		}
		drop_late(g, now);
		pthread_mutex_unlock(&g->lock);
	}
	return NULL;
}

/* --- the interface */

struct conn_guard *
conn_guard_new(const struct conn_limits *lim, char **cause)
{
	struct conn_guard *g = xcalloc(1, sizeof *g);

	g->lim = *lim;
	g->ep = -1;
	pthread_mutex_init(&g->lock, NULL);
	if ((g->ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		*cause = xasprintf("cannot make an epoll descriptor: %s",
		    strerror(errno));
		conn_guard_free(g);
		return NULL;
	}
	if ((errno = pthread_create(&g->thread, NULL, guard_main, g)) != 0) {
		*cause = xasprintf("cannot start a thread: %s", strerror(errno));
		conn_guard_free(g);
		return NULL;
	}
	g->running = 1;
	return g;
}

void
conn_guard_free(struct conn_guard *g)
{
	struct ip_count *c, *next;
	size_t	 i;

	if (g == NULL)
		return;
	if (g->running) {
		__atomic_store_n(&g->stop, 1, __ATOMIC_RELEASE);
		pthread_join(g->thread, NULL);
	}
	while (g->nlingers > 0)
		linger_end(g, 0);
	for (i = 0; i < IP_BUCKETS; i++) {
		for (c = g->ips[i]; c != NULL; c = next) {
			next = c->next;
			free(c);
		}
	}
	if (g->ep >= 0)
		close(g->ep);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

void
conn_guard_stats(struct conn_guard *g, struct conn_stats *st)
{
	pthread_mutex_lock(&g->lock);
	*st = g->st;
	pthread_mutex_unlock(&g->lock);
}

struct conn *
conn_opened(struct conn_guard *g, int fd, const struct sockaddr *peer)
{
	struct conn *c;
	struct ip_count *ip = NULL;
	unsigned char key[16];

	pthread_mutex_lock(&g->lock);
	g->st.opened++;
	if (g->lim.max_per_ip > 0 && ip_key(peer, key) &&
	    (ip = ip_take(g, key)) == NULL) {
		g->st.over_ip++;
		pthread_mutex_unlock(&g->lock);
		shutdown(fd, SHUT_RDWR);
		return NULL;
	}
	c = xcalloc(1, sizeof *c);
	c->fd = fd;
	c->ip = ip;
	c->phase = PH_FRESH;
	c->header_ms = (int64_t)g->lim.header_timeout * 1000;
	c->idle_ms = (int64_t)g->lim.idle_timeout * 1000;
	c->deadline = c->header_ms > 0 ? mono_ms() + c->header_ms : 0;
	c->next = g->list;
	if (g->list != NULL)
		g->list->prev = c;
	g->list = c;
	g->st.open++;
	pthread_mutex_unlock(&g->lock);
	return c;
}

void
conn_request_line(struct conn *c)
{
	if (c == NULL)
		return;
	/* a fresh connection keeps the deadline of its opening */
	if (__atomic_load_n(&c->phase, __ATOMIC_RELAXED) == PH_KEPT)
		store64(&c->deadline, c->header_ms > 0 ? mono_ms() +
		    c->header_ms : 0);
	__atomic_store_n(&c->phase, PH_LINE, __ATOMIC_RELAXED);
}

void
conn_headers_in(struct conn *c)
{
	if (c == NULL)
		return;
	__atomic_store_n(&c->phase, PH_REQUEST, __ATOMIC_RELAXED);
	store64(&c->deadline, 0);
}

void
conn_refused(struct conn *c)
{
	if (c != NULL)
		__atomic_store_n(&c->refused, 1, __ATOMIC_RELAXED);
}

void
conn_request_done(struct conn *c)
{
	if (c == NULL)
		return;
	store64(&c->deadline, c->idle_ms > 0 ? mono_ms() + c->idle_ms : 0);
	__atomic_store_n(&c->phase, PH_KEPT, __ATOMIC_RELAXED);
}

void
conn_closed(struct conn_guard *g, struct conn *c)
{
	int	 unread = 0, phase;

	if (c == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		g->list = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	g->st.open--;
	ip_give(g, c->ip);
	phase = __atomic_load_n(&c->phase, __ATOMIC_RELAXED);
	if (!c->shut && ((ioctl(c->fd, FIONREAD, &unread) == 0 && unread > 0) ||
	    __atomic_load_n(&c->refused, __ATOMIC_RELAXED) ||
	    phase == PH_LINE || phase == PH_REQUEST))
		linger_add(g, c->fd);
	pthread_mutex_unlock(&g->lock);
	free(c);
}
