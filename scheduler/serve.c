/* serve: the feeds, the status page and its JSON over HTTP (libmicrohttpd) */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "budget.h"
#include "diag.h"
#include "report.h"
#include "freezefeed.h"
#include "pcache.h"
#include "policy.h"
#include "repo.h"
#include "schedule.h"
#include "serve.h"
#include "serve-conn.h"
#include "serve-target.h"
#include "session.h"
#include "site.h"
#include "state.h"
#include "statuspage.h"
#include "store.h"
#include "timeline.h"
#include "util.h"
#include "icsfeed.h"
#include "window.h"

#define STOP_WAIT_MS	10000	/* how long requests in flight may take at stop */
#define MAX_TOKEN	256
#define PRIVATE_PREFIX	"/calendar/private/"
/* URL freezes are read over what the status page and the timeline show */
#define EXTRA_BEFORE	((TIMELINE_BACK_WEEKS * 7 + 2) * 86400)
#define EXTRA_AFTER	((TIMELINE_MAX_WEEKS * 7 + 14) * 86400)

/* The responses of one document, made once and queued by every request. */
struct resp {
	struct MHD_Response *ok, *ok_gz, *fresh, *fresh_gz;
};

/* What requests are answered from: swapped whole, freed by its last user. */
struct snap {
	struct site site;
	unsigned refs;
	struct resp *feeds;
	struct resp *subs;
	struct resp json;
	struct resp timeline;
	struct MHD_Response *health;
};

/* One request: its target as sent, and the snapshot that answers it. */
struct req {
	char	*raw;		/* the target before decoding */
	struct snap *sn;	/* once its headers are in */
	struct conn *conn;	/* the connection's guard entry */
	int	 refused;	/* answered with an error */
};

/* What a snapshot is rendered from: kept for re-rendering as the clock moves. */
struct source {
	struct session s;
	int	 open;
	char	 plans[41];		/* the plans commit read */
	int64_t	 commit_time, plans_time;
	struct extra_freeze *extra;
	size_t	 nextra;
	struct budget_ledger *ledger;	/* availability budgets, or NULL */
};

struct server {
	struct serve_options opt;
	char	 address[NI_MAXHOST + NI_MAXSERV + 4];
	int	 fd;
	struct MHD_Daemon *d;
	struct repo *watch;		/* for looking at refs */
	int	 origin;		/* fetch from origin */
	pthread_mutex_t lock;
	struct snap *cur;
	struct source src;
	char	 state_seen[41], head_seen[41];
	int64_t	 last_check, last_fetch, minute;
	struct conn_guard *guard;
	struct MHD_Response *not_found, *not_allowed, *too_long;
	struct MHD_Response *bad_request, *too_large, *bad_timeline;
	unsigned long requests;
	unsigned inflight;
};

/* --- log */

static void
logf_(const struct server *sv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
logf_(const struct server *sv, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	if (sv->opt.log == NULL)
		return;
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	sv->opt.log(sv->opt.log_arg, s);
	free(s);
}

static void
mhd_log(void *arg, const char *fmt, va_list ap)
{
	struct server *sv = arg;
	char	*s = xvasprintf(fmt, ap), *shown;
	size_t	 n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	shown = text_for_log(s, 300);
	logf_(sv, "serve: libmicrohttpd: %s", shown);
	free(shown);
	free(s);
}

/* --- responses */

/*
 * Under --now the Date header is the simulated clock's, not libmicrohttpd's
 * reading of the real one; it is set once, before the first response.
 */
static char fixed_date[64];

static void
add_header(struct MHD_Response *r, const char *name, const char *value)
{
	MHD_add_response_header(r, name, value);
}

static struct MHD_Response *
new_response(size_t len, void *data, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r;

	r = MHD_create_response_from_buffer(len, data, mode);
	if (fixed_date[0] != '\0')
		add_header(r, MHD_HTTP_HEADER_DATE, fixed_date);
	return r;
}

static struct MHD_Response *
text_response(const char *text)
{
	struct MHD_Response *r;

	r = new_response(strlen(text), (void *)(uintptr_t)text,
	    MHD_RESPMEM_PERSISTENT);
	add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	add_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	add_header(r, "X-Content-Type-Options", "nosniff");
	return r;
}

static void
http_date(int64_t t, char *out, size_t size)
{
	time_t	 tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, size, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void
validators(struct MHD_Response *r, const struct site_doc *d, const char *etag,
    const char *cache)
{
	char	 date[64];

	http_date(d->modified, date, sizeof date);
	add_header(r, MHD_HTTP_HEADER_ETAG, etag);
	add_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, date);
	add_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	add_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
}

static struct MHD_Response *
doc_response(const struct site_doc *d, const char *type, const char *cache,
    int gz)
{
	struct MHD_Response *r;

	r = new_response(gz ? d->gzlen : d->len,
	    gz ? d->gz : d->data, MHD_RESPMEM_PERSISTENT);
	add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (gz)
		add_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	add_header(r, "X-Content-Type-Options", "nosniff");
	validators(r, d, gz ? d->etag_gz : d->etag, cache);
	return r;
}

/*
 * A 304. libmicrohttpd 0.9.75 always gives a length: the feed's own would
 * be what RFC 9110 asks for, but clients built on the old http-parser
 * (wrk among them) then wait for that many bytes of a body that never
 * comes. "Content-Length: 0" is read right by everyone, and caches never
 * take Content-Length from a 304 (RFC 9111, 3.2).
 */
static struct MHD_Response *
fresh_response(const struct site_doc *d, const char *cache, int gz)
{
	struct MHD_Response *r;

	r = new_response(0, (void *)(uintptr_t)"",
	    MHD_RESPMEM_PERSISTENT);
	validators(r, d, gz ? d->etag_gz : d->etag, cache);
	return r;
}

static void
resp_make(struct resp *r, const struct site_doc *d, const char *type,
    const char *cache)
{
	r->ok = doc_response(d, type, cache, 0);
	r->fresh = fresh_response(d, cache, 0);
	if (d->gz != NULL) {
		r->ok_gz = doc_response(d, type, cache, 1);
		r->fresh_gz = fresh_response(d, cache, 1);
	}
}

static void
resp_release(struct resp *r)
{
	if (r->ok != NULL)
		MHD_destroy_response(r->ok);
	if (r->fresh != NULL)
		MHD_destroy_response(r->fresh);
	if (r->ok_gz != NULL)
		MHD_destroy_response(r->ok_gz);
	if (r->fresh_gz != NULL)
		MHD_destroy_response(r->fresh_gz);
}

#define TYPE_ICS	"text/calendar; charset=utf-8"
#define TYPE_JSON	"application/json; charset=utf-8"
#define TYPE_HTML	"text/html; charset=utf-8"
#define TYPE_SVG	"image/svg+xml; charset=utf-8"
#define CSP_SVG		"default-src 'none'; style-src 'unsafe-inline'"

/* --- snapshots */

static struct snap *
snap_new(struct site *site)
{
	struct snap *sn = xcalloc(1, sizeof *sn);
	char	*health;
	size_t	 i;

	sn->site = *site;
	sn->refs = 1;
	sn->feeds = xcalloc(site->nfeeds + 1, sizeof *sn->feeds);
	for (i = 0; i < site->nfeeds; i++)
		resp_make(&sn->feeds[i], &site->feeds[i], TYPE_ICS, "no-cache");
	sn->subs = xcalloc(site->nsubs + 1, sizeof *sn->subs);
	for (i = 0; i < site->nsubs; i++)
		resp_make(&sn->subs[i], &site->subs[i].feed, TYPE_ICS,
		    "private, no-cache");
	resp_make(&sn->json, &site->json, TYPE_JSON, "no-cache");
	resp_make(&sn->timeline, &site->timeline, TYPE_SVG, "no-cache");
	add_header(sn->timeline.ok, MHD_HTTP_HEADER_CONTENT_SECURITY_POLICY,
	    CSP_SVG);
	if (sn->timeline.ok_gz != NULL)
		add_header(sn->timeline.ok_gz,
		    MHD_HTTP_HEADER_CONTENT_SECURITY_POLICY, CSP_SVG);
	health = xasprintf("ok %s\n", *site->commit != '\0' ? site->commit :
	    "no-state");
	sn->health = new_response(strlen(health), health,
	    MHD_RESPMEM_MUST_FREE);
	add_header(sn->health, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain; charset=utf-8");
	add_header(sn->health, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	return sn;
}

static void
snap_free(struct snap *sn)
{
	size_t	 i;

	for (i = 0; i < sn->site.nfeeds; i++)
		resp_release(&sn->feeds[i]);
	for (i = 0; i < sn->site.nsubs; i++)
		resp_release(&sn->subs[i]);
	resp_release(&sn->json);
	resp_release(&sn->timeline);
	MHD_destroy_response(sn->health);
	free(sn->feeds);
	free(sn->subs);
	site_release(&sn->site);
	free(sn);
}

static struct snap *
snap_get(struct server *sv)
{
	struct snap *sn;

	pthread_mutex_lock(&sv->lock);
	sn = sv->cur;
	__atomic_add_fetch(&sn->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&sv->lock);
	return sn;
}

static void
snap_put(struct snap *sn)
{
	if (sn != NULL && __atomic_sub_fetch(&sn->refs, 1, __ATOMIC_ACQ_REL) == 0)
		snap_free(sn);
}

/* Make sn the one new requests get; requests in flight keep theirs. */
static void
snap_swap(struct server *sv, struct snap *sn)
{
	struct snap *old;

	pthread_mutex_lock(&sv->lock);
	old = sv->cur;
	sv->cur = sn;
	pthread_mutex_unlock(&sv->lock);
	snap_put(old);
}

/* --- requests */

/* Does Accept-Encoding take gzip (not with q=0)? */
static int
accepts_gzip(const char *ae)
{
	const char *p = ae, *end, *q;
	size_t	 n;

	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t,");
		n = strcspn(p, ";, \t");
		end = p + strcspn(p, ",");
		if ((n == 4 && strncasecmp(p, "gzip", 4) == 0) ||
		    (n == 6 && strncasecmp(p, "x-gzip", 6) == 0) ||
		    (n == 1 && *p == '*')) {
			q = memchr(p, ';', (size_t)(end - p));
			if (q == NULL)
				return 1;
			q += strspn(q, "; \t");
			if (strncasecmp(q, "q=", 2) != 0 || strtod(q + 2, NULL) > 0)
				return 1;
		}
		p = *end != '\0' ? end + 1 : end;
	}
	return 0;
}

/* Does If-None-Match name this document (either encoding)? */
static int
etag_match(const char *inm, const struct site_doc *d)
{
	const char *p = inm;
	size_t	 n;

	while (*p != '\0') {
		p += strspn(p, " \t,");
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		n = strcspn(p, ", \t");
		if ((n == strlen(d->etag) && strncmp(p, d->etag, n) == 0) ||
		    (n == strlen(d->etag_gz) && strncmp(p, d->etag_gz, n) == 0))
			return 1;
		p += n;
	}
	return 0;
}

static int
parse_http_date(const char *s, int64_t *t)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof tm);
	if ((end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm)) == NULL ||
	    *end != '\0')
		return -1;
	*t = (int64_t)timegm(&tm);
	return 0;
}

static const char *
header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static enum MHD_Result
queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r)
{
	return MHD_queue_response(c, status, r);
}

static enum MHD_Result
send_doc(struct MHD_Connection *c, const struct site_doc *d,
    const struct resp *r, unsigned *status)
{
	const char *inm = header(c, MHD_HTTP_HEADER_IF_NONE_MATCH);
	const char *ims = header(c, MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
	int	 gz = r->ok_gz != NULL &&
	    accepts_gzip(header(c, MHD_HTTP_HEADER_ACCEPT_ENCODING));
	int	 fresh = 0;
	int64_t	 t;

	if (inm != NULL)
		fresh = etag_match(inm, d);
	else if (ims != NULL)
		fresh = parse_http_date(ims, &t) == 0 && d->modified <= t;
	if (fresh) {
		*status = MHD_HTTP_NOT_MODIFIED;
		return queue(c, *status, gz ? r->fresh_gz : r->fresh);
	}
	*status = MHD_HTTP_OK;
	return queue(c, *status, gz ? r->ok_gz : r->ok);
}

/* A Host header fit for a link, or the address listened on. */
static const char *
link_host(const struct server *sv, const char *host)
{
	const char *p;

	if (host == NULL || *host == '\0' || strlen(host) > 255)
		return sv->address;
	for (p = host; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(".-_:[]", *p) != NULL))
			return sv->address;
	}
	return host;
}

static enum MHD_Result
send_page(struct server *sv, struct MHD_Connection *c, const struct snap *sn)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char	*page;
	size_t	 len;

	page = statuspage_for_host(sn->site.page, sn->site.pagelen,
	    link_host(sv, header(c, MHD_HTTP_HEADER_HOST)), &len);
	r = new_response(len, page, MHD_RESPMEM_MUST_FREE);
	add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, TYPE_HTML);
	add_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	add_header(r, MHD_HTTP_HEADER_CONTENT_SECURITY_POLICY,
	    "default-src 'none'; style-src 'unsafe-inline'; "
	    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
	add_header(r, "X-Content-Type-Options", "nosniff");
	add_header(r, "Referrer-Policy", "no-referrer");
	ret = queue(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * /timeline.svg: the coming TIMELINE_WEEKS as rendered with the snapshot;
 * ?weeks=N (1 to TIMELINE_MAX_WEEKS) and ?from=YYYY-MM-DD (local midnight)
 * drawn for the request from the snapshot's model, within its range.
 */
static enum MHD_Result
send_timeline(struct server *sv, struct MHD_Connection *c,
    const struct snap *sn, unsigned *status)
{
	const char *w = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
	    "weeks");
	const char *f = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
	    "from");
	struct MHD_Response *r;
	enum MHD_Result ret;
	int64_t	 from = sn->site.tl_from, to, lo, hi;
	char	*svg, *end;
	size_t	 len;
	long	 weeks = TIMELINE_WEEKS;

	if (w == NULL && f == NULL)
		return send_doc(c, &sn->site.timeline, &sn->timeline, status);
	if (w != NULL) {
		weeks = strtol(w, &end, 10);
		if (*w == '\0' || *end != '\0' || weeks < 1 ||
		    weeks > TIMELINE_MAX_WEEKS)
			goto bad;
	}
	timeline_range(sn->site.tl, &lo, &hi);
	if (f != NULL && (timeline_parse_day(sn->site.tl, f, &from) != 0 ||
	    from < lo))
		goto bad;
	to = timeline_days_after(sn->site.tl, from, (int)weeks * 7);
	if (to > hi)
		goto bad;
	svg = timeline_svg(sn->site.tl, from, to, "/#", &len);
	r = new_response(len, svg, MHD_RESPMEM_MUST_FREE);
	add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, TYPE_SVG);
	add_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	add_header(r, MHD_HTTP_HEADER_CONTENT_SECURITY_POLICY, CSP_SVG);
	add_header(r, "X-Content-Type-Options", "nosniff");
	*status = MHD_HTTP_OK;
	ret = queue(c, *status, r);
	MHD_destroy_response(r);
	return ret;
bad:
	*status = MHD_HTTP_BAD_REQUEST;
	return queue(c, *status, sv->bad_timeline);
}

/* /calendar/private/<token>/all.ics */
static enum MHD_Result
send_private(struct server *sv, struct MHD_Connection *c, const struct snap *sn,
    const char *rest, unsigned *status)
{
	const struct site_sub *sub;
	const char *slash = strchr(rest, '/');
	char	 token[MAX_TOKEN + 1];
	size_t	 n = slash != NULL ? (size_t)(slash - rest) : 0;

	if (n == 0 || n > MAX_TOKEN || strcmp(slash + 1, "all.ics") != 0 ||
	    strspn(rest, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-._~") != n) {
		*status = MHD_HTTP_NOT_FOUND;
		return queue(c, *status, sv->not_found);
	}
	memcpy(token, rest, n);
	token[n] = '\0';
	sub = site_subscriber(&sn->site, token);
	explicit_bzero(token, sizeof token);
	if (sub == NULL) {
		*status = MHD_HTTP_NOT_FOUND;
		return queue(c, *status, sv->not_found);
	}
	return send_doc(c, &sub->feed, &sn->subs[sub - sn->site.subs], status);
}

/*
 * A request refused before it is looked at: a method other than GET and
 * HEAD (405), a body on a GET or HEAD (413), a path too long (414) or
 * with control bytes (400). Its body is never read: the connection
 * closes once the answer is sent, after a lingering close.
 */
static struct MHD_Response *
refusal(struct server *sv, struct MHD_Connection *c, const struct req *rq,
    const char *method, unsigned *status)
{
	const char *te = header(c, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	const char *cl = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);

	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		*status = MHD_HTTP_METHOD_NOT_ALLOWED;
		return sv->not_allowed;
	}
	if (te != NULL || (cl != NULL && strspn(cl, "0") != strlen(cl))) {
		*status = MHD_HTTP_CONTENT_TOO_LARGE;
		return sv->too_large;
	}
	if (rq->raw == NULL || strcspn(rq->raw, "?") > SERVE_MAX_PATH) {
		*status = MHD_HTTP_URI_TOO_LONG;
		return sv->too_long;
	}
	if ((*status = (unsigned)target_check(rq->raw)) != 0)
		return sv->bad_request;
	return NULL;
}

static enum MHD_Result
route(struct server *sv, struct MHD_Connection *c, const struct snap *sn,
    const char *url, unsigned *status)
{
	const struct site_doc *d;

	*status = MHD_HTTP_OK;
	if (strcmp(url, "/") == 0)
		return send_page(sv, c, sn);
	if (strcmp(url, "/healthz") == 0)
		return queue(c, *status, sn->health);
	if (strcmp(url, "/api/status.json") == 0)
		return send_doc(c, &sn->site.json, &sn->json, status);
	if (strcmp(url, "/timeline.svg") == 0)
		return send_timeline(sv, c, sn, status);
	if (strncmp(url, PRIVATE_PREFIX, strlen(PRIVATE_PREFIX)) == 0)
		return send_private(sv, c, sn, url + strlen(PRIVATE_PREFIX),
		    status);
	if (sn->site.public_feeds && (d = site_feed(&sn->site, url)) != NULL)
		return send_doc(c, d, &sn->feeds[d - sn->site.feeds], status);
	*status = MHD_HTTP_NOT_FOUND;
	return queue(c, *status, sv->not_found);
}

/*
 * A log line: every byte from the client escaped, nothing under
 * /calendar/private/ past the word "private" (serve-target).
 */
static void
log_request(struct server *sv, const char *method, const struct req *rq,
    unsigned status)
{
	char	*m = token_for_log(method, 16);
	char	*t = target_for_log(rq->raw != NULL ? rq->raw : "?", 200);

	logf_(sv, "serve: %s %s %u", m, t, status);
	free(m);
	free(t);
}

/* The request line is in: the request starts with its raw target. */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;
	struct req *rq = xcalloc(1, sizeof *rq);

	(void)cls;
	rq->raw = uri != NULL ? xstrdup(uri) : NULL;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci != NULL && ci->socket_context != NULL)
		rq->conn = ci->socket_context;
	conn_request_line(rq->conn);
	return rq;
}

/*
 * Called when the headers are in, then for each part of a body, then once
 * more at the end: a GET or HEAD is answered at the end (answering earlier
 * makes libmicrohttpd close the connection); what is refused is answered
 * at once, its body never read.
 */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **req_cls)
{
	struct server *sv = cls;
	struct req *rq = *req_cls;
	struct MHD_Response *no;
	enum MHD_Result ret;
	unsigned status = 0;

	if (rq == NULL)
		return MHD_NO;	/* never: on_uri made it */
	if (rq->sn == NULL) {
		rq->sn = snap_get(sv);
		__atomic_add_fetch(&sv->inflight, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&sv->requests, 1, __ATOMIC_RELAXED);
		conn_headers_in(rq->conn);
		if ((no = refusal(sv, c, rq, method, &status)) != NULL) {
			rq->refused = 1;
			conn_refused(rq->conn);
			if (sv->opt.verbose)
				log_request(sv, method, rq, status);
			return queue(c, status, no);
		}
		return MHD_YES;
	}
	if (*upload_size != 0) {
		*upload_size = 0;	/* never: a body is refused first */
		return MHD_YES;
	}
	ret = route(sv, c, rq->sn, url, &status);
	if (sv->opt.verbose)
		log_request(sv, method, rq, status);
	return ret;
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
    enum MHD_RequestTerminationCode why)
{
	struct server *sv = cls;
	struct req *rq = *req_cls;

	(void)c;
	if (rq == NULL)
		return;
	if (rq->sn != NULL) {
		snap_put(rq->sn);
		__atomic_sub_fetch(&sv->inflight, 1, __ATOMIC_RELEASE);
	}
	if (why == MHD_REQUEST_TERMINATED_COMPLETED_OK && !rq->refused)
		conn_request_done(rq->conn);
	free(rq->raw);
	free(rq);
	*req_cls = NULL;
}

/* A connection opens or closes: the guard's deadlines and limits. */
static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct server *sv = cls;
	const union MHD_ConnectionInfo *fd, *peer;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		peer = MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		*socket_context = fd == NULL ? NULL : conn_opened(sv->guard,
		    fd->connect_fd, peer != NULL ? peer->client_addr : NULL);
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		conn_closed(sv->guard, *socket_context);
		*socket_context = NULL;
	}
}

/* --- loading the state */

static int64_t
clock_now(const struct server *sv)
{
	return sv->opt.simulated ? sv->opt.now : (int64_t)time(NULL);
}

static int
first_time(const struct repo_commit *c, void *arg)
{
	*(int64_t *)arg = c->when;
	return 1;
}

static int64_t
commit_time(struct repo *repo, const char *commit)
{
	int64_t	 t = 0;
	char	*cause = NULL;

	if (*commit != '\0' &&
	    repo_walk(repo, commit, NULL, first_time, &t, &cause) < 0)
		free(cause);
	return t;
}

/* A problem as one line, with how many more there are. */
static char *
problem(const struct diags *d, size_t first, size_t n)
{
	char	*line = diag_format(&d->items[first]), *s;

	if (n <= 1)
		return line;
	s = xasprintf("%s (and %zu more problem%s)", line, n - 1,
	    n == 2 ? "" : "s");
	free(line);
	return s;
}

/*
 * The plans do not pass check. The policy must (the feeds are made from
 * it); a bad plan leaves the published state as it is, so it is served
 * with a warning.
 */
static int
policy_usable(const struct check_result *chk, char **warning, char **cause)
{
	const struct diag *d;
	size_t	 i, bad = 0, first = 0;

	for (i = 0; i < chk->diags.n; i++) {
		d = &chk->diags.items[i];
		if (d->file == NULL || strcmp(d->file, POLICY_FILE) == 0) {
			if (bad++ == 0)
				first = i;
		}
	}
	if (bad != 0 || chk->policy == NULL) {
		*cause = bad != 0 ? problem(&chk->diags, first, bad) :
		    xstrdup("the policy cannot be read");
		return 0;
	}
	if (chk->diags.n != 0)
		*warning = problem(&chk->diags, 0, chk->diags.n);
	return 1;
}

/*
 * The availability budgets as they stand: the slots of the state and what
 * the runs of the last year measured. NULL when the policy has no target
 * (or the records cannot be read, which is logged).
 */
static struct budget_ledger *
load_ledger(struct session *s, int64_t now)
{
	struct budget_ledger *l;
	struct report rep;
	char	*cause = NULL;

	if (s->chk.policy == NULL || s->chk.policy->navailability == 0)
		return NULL;
	l = budget_ledger_of_state(s->chk.policy, &s->st);
	memset(&rep, 0, sizeof rep);
	if (report_build_working(s->repo, &s->st, s->chk.policy->redactor,
	    now - 370 * 86400, now + 86400, &rep, &cause) != 0) {
		free(cause);
		return l;
	}
	report_actuals(&rep, &s->st, l);
	report_release(&rep);
	return l;
}

static void
source_free(struct source *src)
{
	if (src->open)
		session_close(&src->s);
	free(src->extra);
	budget_ledger_free(src->ledger);
	memset(src, 0, sizeof *src);
}

/* Open the repository (fetching first if asked), read the policy and state. */
static int
source_load(struct server *sv, int fetch, int64_t now, struct source *src,
    char **warning, char **cause)
{
	int	 rc;

	memset(src, 0, sizeof *src);
	rc = session_open(&src->s, sv->opt.repo_path, now,
	    (sv->opt.simulated ? SESSION_SIMULATED : 0) |
	    (fetch ? 0 : SESSION_OFFLINE), cause);
	src->open = 1;
	if (rc == OUT_INVALID) {
		if (!policy_usable(&src->s.chk, warning, cause))
			return OUT_INVALID;
		if (store_load(src->s.repo, &src->s.st, cause) != 0)
			return OUT_ENV;
		rc = OUT_OK;
	}
	if (rc != OUT_OK)
		return rc;
	snprintf(src->plans, sizeof src->plans, "%s",
	    repo_tree_commit(src->s.tree));
	src->commit_time = commit_time(src->s.repo, src->s.st.commit);
	src->plans_time = commit_time(src->s.repo, src->plans);
	freeze_feeds_cached(&src->s, now - EXTRA_BEFORE, now + EXTRA_AFTER,
	    &src->extra, &src->nextra);
	src->ledger = load_ledger(&src->s, now);
	return OUT_OK;
}

static struct snap *
render(struct server *sv, const struct source *src, int64_t now, char **cause)
{
	struct site_source ss;
	struct site site;
	int	 rc;

	memset(&ss, 0, sizeof ss);
	ss.pol = src->s.chk.policy;
	ss.st = &src->s.st;
	ss.commit = src->s.st.commit;
	ss.commit_time = src->commit_time;
	ss.plans_time = src->plans_time;
	ss.now = now;
	ss.simulated = sv->opt.simulated;
	ss.extra = src->extra;
	ss.nextra = src->nextra;
	ss.ledger = src->ledger;
	ss.cache = pcache_open(src->s.repo, "events");
	rc = site_build(&site, &ss, sv->cur != NULL ? &sv->cur->site : NULL,
	    cause);
	pcache_close(ss.cache);
	return rc != 0 ? NULL : snap_new(&site);
}

/* --- reloading */

/* Log an error once, not again while it stays the same. */
static void
log_error(struct server *sv, char *msg)
{
	static char *last;

	if (last == NULL || strcmp(last, msg) != 0)
		logf_(sv, "serve: %s", msg);
	free(last);
	last = msg;
}

static int
refs_read(struct server *sv, char *state, char *head)
{
	char	*cause = NULL;

	if (repo_ref_commit(sv->watch, STATE_BRANCH, state, &cause) < 0 ||
	    repo_ref_commit(sv->watch, "HEAD", head, &cause) < 0) {
		log_error(sv, xasprintf("cannot look at the refs: %s", cause));
		free(cause);
		return -1;
	}
	return 0;
}

static const char *
short_id(const char *commit)
{
	static char buf[13];

	if (*commit == '\0')
		return "(none)";
	snprintf(buf, sizeof buf, "%.12s", commit);
	return buf;
}

static void
describe(struct server *sv, const char *what)
{
	const struct site *s = &sv->cur->site;

	logf_(sv, "serve: %s state %s, plans %.12s: %zu change%s, %zu %sfeed%s, "
	    "%zu private", what, short_id(s->commit), sv->src.plans,
	    s->nchanges, s->nchanges == 1 ? "" : "s", s->nfeeds,
	    s->public_feeds ? "public " : "", s->nfeeds == 1 ? "" : "s",
	    s->nsubs);
	if (!s->public_feeds)
		logf_(sv, "serve: public feeds are off (the policy's public_feeds "
		    "is false): only private feeds are served");
}

static void
reload(struct server *sv, int fetch, const char *why)
{
	struct source src;
	struct snap *sn;
	char	*cause = NULL, *warning = NULL, *what, head[41] = "";
	int64_t	 now = clock_now(sv);

	if (repo_ref_commit(sv->watch, "HEAD", head, NULL) < 0)
		head[0] = '\0';
	if (source_load(sv, fetch, now, &src, &warning, &cause) != OUT_OK) {
		log_error(sv, xasprintf("cannot reload (%s): %s; still serving "
		    "state %s", why, cause, short_id(sv->cur->site.commit)));
		free(cause);
		free(warning);
		source_free(&src);
		return;
	}
	memcpy(sv->state_seen, src.s.st.commit, sizeof sv->state_seen);
	snprintf(sv->head_seen, sizeof sv->head_seen, "%s",
	    sv->origin ? head : src.plans);
	if (strcmp(src.s.st.commit, sv->src.s.st.commit) == 0 &&
	    strcmp(src.plans, sv->src.plans) == 0) {
		free(warning);
		source_free(&src);	/* nothing new */
		return;
	}
	if ((sn = render(sv, &src, now, &cause)) == NULL) {
		log_error(sv, xasprintf("cannot render state %s: %s; still "
		    "serving state %s", short_id(src.s.st.commit), cause,
		    short_id(sv->cur->site.commit)));
		free(cause);
		free(warning);
		source_free(&src);
		return;
	}
	what = xasprintf("reloaded (%s) from state %s to", why,
	    short_id(sv->cur->site.commit));
	snap_swap(sv, sn);
	source_free(&sv->src);
	sv->src = src;
	describe(sv, what);
	free(what);
	if (warning != NULL)
		logf_(sv, "serve: warning: %s; serving the state as published",
		    warning);
	free(warning);
}

/* The clock moved on: render again from what is loaded. */
static void
rerender(struct server *sv, int64_t now)
{
	const struct site *old = &sv->cur->site, *s;
	struct snap *sn;
	char	*cause = NULL;
	size_t	 i, changed = 0;

	if ((sn = render(sv, &sv->src, now, &cause)) == NULL) {
		log_error(sv, xasprintf("cannot render at the new time: %s",
		    cause));
		free(cause);
		return;
	}
	s = &sn->site;
	for (i = 0; i < s->nfeeds; i++)
		changed += i >= old->nfeeds || memcmp(s->feeds[i].hash,
		    old->feeds[i].hash, SHA256_LEN) != 0;
	for (i = 0; i < s->nsubs; i++)
		changed += i >= old->nsubs || memcmp(s->subs[i].feed.hash,
		    old->subs[i].feed.hash, SHA256_LEN) != 0;
	snap_swap(sv, sn);
	if (changed != 0)
		logf_(sv, "serve: the clock changed %zu feed%s", changed,
		    changed == 1 ? "" : "s");
}

void
serve_poll(struct server *sv)
{
	int64_t	 t = (int64_t)time(NULL);
	char	 state[41], head[41];
	int	 fetch_due;

	if (t - sv->last_check >= SERVE_CHECK_INTERVAL) {
		sv->last_check = t;
		fetch_due = sv->origin && sv->opt.fetch_interval > 0 &&
		    t - sv->last_fetch >= sv->opt.fetch_interval;
		if (fetch_due)
			sv->last_fetch = t;
		if (refs_read(sv, state, head) == 0 &&
		    (strcmp(state, sv->state_seen) != 0 ||
		    strcmp(head, sv->head_seen) != 0))
			reload(sv, sv->origin, "the state branch or the plans "
			    "moved");
		else if (fetch_due)
			reload(sv, 1, "fetched from origin");
	}
	if (!sv->opt.simulated && t / 60 != sv->minute) {
		sv->minute = t / 60;
		rerender(sv, t);
	}
}

/* --- listening */

/* Split "ADDR:PORT", "[ADDR]:PORT" or ":PORT" (every address). */
static int
parse_listen(const char *spec, char **host, char **port)
{
	const char *colon, *close;
	size_t	 n;

	*host = *port = NULL;
	if (*spec == '[') {
		if ((close = strchr(spec, ']')) == NULL || close[1] != ':')
			return -1;
		*host = xstrndup(spec + 1, (size_t)(close - spec - 1));
		colon = close + 1;
	} else {
		if ((colon = strrchr(spec, ':')) == NULL ||
		    memchr(spec, ':', (size_t)(colon - spec)) != NULL)
			return -1;	/* IPv6 needs brackets */
		if (colon != spec && !(colon - spec == 1 && *spec == '*'))
			*host = xstrndup(spec, (size_t)(colon - spec));
	}
	n = strlen(colon + 1);
	if (n == 0 || n > 5 || strspn(colon + 1, "0123456789") != n ||
	    atoi(colon + 1) > 65535) {
		free(*host);
		*host = NULL;
		return -1;
	}
	*port = xstrdup(colon + 1);
	return 0;
}

static void
name_address(struct server *sv, const struct sockaddr *sa, socklen_t len)
{
	char	 host[NI_MAXHOST], port[NI_MAXSERV];

	if (getnameinfo(sa, len, host, sizeof host, port, sizeof port,
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(sv->address, sizeof sv->address, "%s", sv->opt.listen);
	else if (strchr(host, ':') != NULL)
		snprintf(sv->address, sizeof sv->address, "[%s]:%s", host, port);
	else
		snprintf(sv->address, sizeof sv->address, "%s:%s", host, port);
}

static int
listen_open(struct server *sv, const char *host, const char *port,
    char **cause)
{
	struct addrinfo hints, *res, *ai;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int	 e, fd = -1, err = 0, one = 1;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0) {
		*cause = xasprintf("cannot listen on '%s': %s", sv->opt.listen,
		    gai_strerror(e));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1) {
			err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 1024) == 0)
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		*cause = xasprintf("cannot listen on '%s': %s", sv->opt.listen,
		    strerror(err));
		return -1;
	}
	sv->fd = fd;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		name_address(sv, (struct sockaddr *)&ss, len);
	return 0;
}

static unsigned
thread_count(const struct server *sv)
{
	long	 n = sv->opt.threads != 0 ? (long)sv->opt.threads :
	    sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

/*
 * Descriptors for every connection, the lingering closes and some to
 * spare: raise the soft limit as far as the hard one allows, else take
 * fewer connections (and say so).
 */
static void
fit_descriptors(struct server *sv)
{
	struct rlimit rl;
	rlim_t	 need = (rlim_t)sv->opt.max_connections + CONN_LINGER_MAX + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ?
	    need : rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
		return;
	sv->opt.max_connections = rl.rlim_cur > CONN_LINGER_MAX + 64 + 16 ?
	    (unsigned)(rl.rlim_cur - CONN_LINGER_MAX - 64) : 16;
	logf_(sv, "serve: warning: only %llu file descriptors (ulimit -n): "
	    "--max-connections lowered to %u", (unsigned long long)rl.rlim_cur,
	    sv->opt.max_connections);
}

static int
daemon_start(struct server *sv, char **cause)
{
	unsigned flags, n = thread_count(sv);

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
	    MHD_USE_TURBO | (sv->opt.verbose ? MHD_USE_ERROR_LOG : 0) |
	    (sv->opt.simulated ? MHD_USE_SUPPRESS_DATE_NO_CLOCK : 0);
	sv->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, sv,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, sv,
	    MHD_OPTION_LISTEN_SOCKET, sv->fd,
	    MHD_OPTION_THREAD_POOL_SIZE, n > 1 ? n : 0,
	    MHD_OPTION_CONNECTION_LIMIT, sv->opt.max_connections,
	    /* inactivity while a request is answered (a slow reader) */
	    MHD_OPTION_CONNECTION_TIMEOUT, sv->opt.idle_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_CONNECTION_MEMORY,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, sv,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, sv,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, sv,
	    MHD_OPTION_END);
	if (sv->d == NULL) {
		*cause = xasprintf("cannot start the HTTP server on %s",
		    sv->address);
		return -1;
	}
	return 0;
}

static void
server_free(struct server *sv)
{
	if (sv->fd >= 0)
		close(sv->fd);
	snap_put(sv->cur);
	if (sv->not_found != NULL) {
		MHD_destroy_response(sv->not_found);
		MHD_destroy_response(sv->not_allowed);
		MHD_destroy_response(sv->too_long);
		MHD_destroy_response(sv->bad_request);
		MHD_destroy_response(sv->too_large);
		MHD_destroy_response(sv->bad_timeline);
	}
	conn_guard_free(sv->guard);
	source_free(&sv->src);
	repo_free(sv->watch);
	pthread_mutex_destroy(&sv->lock);
	free(sv);
}

static void
error_responses(struct server *sv)
{
	sv->not_found = text_response("not found\n");
	sv->not_allowed = text_response("method not allowed\n");
	add_header(sv->not_allowed, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	sv->too_long = text_response("request path too long\n");
	sv->bad_request = text_response("bad request\n");
	sv->too_large = text_response("no body is taken here\n");
	sv->bad_timeline = text_response("timeline: weeks is 1 to 26, from is "
	    "YYYY-MM-DD within 13 weeks back and the weeks shown within 26 "
	    "ahead\n");
}

/*
 * The first version: open the repository, load (fetching first when there
 * is an origin; the local copy when origin cannot be reached), render.
 */
static int
first_load(struct server *sv, int64_t now, char **warning, char **cause)
{
	int	 rc;

	if ((sv->watch = repo_open(sv->opt.repo_path, 0, cause)) == NULL)
		return OUT_ENV;
	sv->origin = !sv->opt.offline && repo_has_remote(sv->watch);
	if (refs_read(sv, sv->state_seen, sv->head_seen) != 0) {
		*cause = xstrdup("cannot read the refs of the repository");
		return OUT_ENV;
	}
	rc = source_load(sv, sv->origin, now, &sv->src, warning, cause);
	if (rc == OUT_ENV && sv->origin) {
		logf_(sv, "serve: %s; serving the local copy for now", *cause);
		free(*cause);
		free(*warning);
		*cause = *warning = NULL;
		source_free(&sv->src);
		rc = source_load(sv, 0, now, &sv->src, warning, cause);
	}
	if (rc != OUT_OK)
		return rc;
	memcpy(sv->state_seen, sv->src.s.st.commit, sizeof sv->state_seen);
	if (!sv->origin)
		memcpy(sv->head_seen, sv->src.plans, sizeof sv->head_seen);
	if ((sv->cur = render(sv, &sv->src, now, cause)) == NULL)
		return OUT_INVALID;
	return OUT_OK;
}

int
serve_start(const struct serve_options *opt, struct server **out,
    char **cause)
{
	struct server *sv;
	struct conn_limits lim;
	char	*host, *port, *warning = NULL, perip[16];
	int64_t	 t = (int64_t)time(NULL);
	int	 rc;

	*out = NULL;
	if (parse_listen(opt->listen, &host, &port) != 0) {
		*cause = xasprintf("--listen '%s': want ADDR:PORT, or [ADDR]:PORT "
		    "for IPv6", opt->listen);
		return OUT_BADARG;
	}
	sv = xcalloc(1, sizeof *sv);
	sv->opt = *opt;
	sv->fd = -1;
	if (sv->opt.max_connections == 0)
		sv->opt.max_connections = SERVE_MAX_CONNECTIONS;
	if (sv->opt.idle_timeout == 0)
		sv->opt.idle_timeout = SERVE_TIMEOUT;
	if (sv->opt.header_timeout == 0)
		sv->opt.header_timeout = SERVE_HEADER_TIMEOUT;
	lim.header_timeout = sv->opt.header_timeout;
	lim.idle_timeout = sv->opt.idle_timeout;
	lim.max_per_ip = sv->opt.max_per_ip;
	if (opt->simulated)
		http_date(opt->now, fixed_date, sizeof fixed_date);
	pthread_mutex_init(&sv->lock, NULL);
	if ((rc = first_load(sv, clock_now(sv), &warning, cause)) == OUT_OK) {
		rc = OUT_ENV;
		if (listen_open(sv, host, port, cause) == 0 &&
		    (sv->guard = conn_guard_new(&lim, cause)) != NULL) {
			error_responses(sv);
			fit_descriptors(sv);
			if (daemon_start(sv, cause) == 0)
				rc = OUT_OK;
		}
	}
	free(host);
	free(port);
	if (rc != OUT_OK) {
		free(warning);
		server_free(sv);
		return rc;
	}
	sv->last_check = sv->last_fetch = t;
	sv->minute = t / 60;
	describe(sv, "serving");
	logf_(sv, "serve: listening on http://%s/ with %u thread%s%s%s",
	    sv->address, thread_count(sv), thread_count(sv) == 1 ? "" : "s",
	    opt->simulated ? ", clock fixed by --now" : "", sv->origin ?
	    ", fetching from origin" : "");
	logf_(sv, "serve: at most %u connections, %s per address; a request "
	    "must arrive within %u s, a kept-alive connection may wait %u s",
	    sv->opt.max_connections, sv->opt.max_per_ip > 0 ?
	    (snprintf(perip, sizeof perip, "%u", sv->opt.max_per_ip), perip) :
	    "any number", sv->opt.header_timeout, sv->opt.idle_timeout);
	if (warning != NULL)
		logf_(sv, "serve: warning: %s; serving the state as published",
		    warning);
	free(warning);
	*out = sv;
	return OUT_OK;
}

const char *
serve_address(const struct server *sv)
{
	return sv->address;
}

void
serve_stop(struct server *sv)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	MHD_socket fd;
	int	 waited = 0;

	if (sv == NULL)
		return;
	fd = MHD_quiesce_daemon(sv->d);
	while (__atomic_load_n(&sv->inflight, __ATOMIC_ACQUIRE) != 0 &&
	    waited < STOP_WAIT_MS) {
		nanosleep(&ts, NULL);
		waited += 10;
	}
	MHD_stop_daemon(sv->d);
	if (fd != MHD_INVALID_SOCKET && fd != sv->fd)
		close(fd);
	logf_(sv, "serve: stopped after %lu request%s", sv->requests,
	    sv->requests == 1 ? "" : "s");
	server_free(sv);
}
