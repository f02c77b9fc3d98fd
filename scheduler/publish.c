/* publish: the notices pushed to a CalDAV collection, a webhook and by mail */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "datetime.h"
#include "jsonx.h"
#include "http.h"
#include "mime.h"
#include "notice.h"
#include "policy.h"
#include "publish.h"
#include "repo.h"
#include "session.h"
#include "sha256.h"
#include "state.h"
#include "store.h"
#include "tz.h"
#include "util.h"

#define EXCERPT_MAX	160

/* A target's URL taken apart. */
struct target {
	char	*url;		/* without credentials or fragment: what is used */
	char	*shown;		/* for messages and records */
	char	*key;		/* of its entry in the record */
	char	*user;		/* from the URL, else the environment */
	char	*password;
	char	*scheme;
};

/* A record file of the state branch, as read and as it becomes. */
struct record {
	const char *path;
	char	*orig;		/* the text read, NULL when absent */
	json_t	*j;
};

/* One publish run. */
struct pub {
	struct session *s;
	const struct publish_opts *o;
	struct publish_result *res;
	const struct policy *pol;
	int64_t	 now;
};

/* --- results */

static void
strv_push(char ***v, char *s)
{
	size_t	 n = strv_len(*v);

	*v = xreallocarray(*v, n + 2, sizeof **v);
	(*v)[n] = s;
	(*v)[n + 1] = NULL;
}

static void
problem(struct pub *p, struct publish_count *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
problem(struct pub *p, struct publish_count *c, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	strv_push(&p->res->problems, xvasprintf(fmt, ap));
	va_end(ap);
	c->failed++;
}

static void
done(struct pub *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
done(struct pub *p, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	strv_push(&p->res->done, xvasprintf(fmt, ap));
	va_end(ap);
}

/* What a response said, for a message: "404 Not Found: no such item". */
static char *
status_text(const struct http_response *res)
{
	struct buf b = BUF_INIT;
	const char *s = res->body != NULL ? res->body : "";
	size_t	 i, n = 0;

	buf_addf(&b, "HTTP %ld", res->status);
	while (*s == ' ' || *s == '\r' || *s == '\n' || *s == '\t')
		s++;
	if (*s != '\0' && *s != '<')
		buf_adds(&b, ": ");
	for (i = 0; *s != '<' && s[i] != '\0' && n < EXCERPT_MAX; i++, n++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			if (s[i] == '\n')
				break;
			continue;
		}
		buf_addc(&b, s[i]);
	}
	return buf_detach(&b, NULL);
}

static int
ok_status(long st)
{
	return st >= 200 && st < 300;
}

/* --- targets */

/* The schemes a kind of target speaks. */
struct schemes {
	const char *names[3];
	const char *text;	/* for messages */
};

static const struct schemes http_schemes = { { "http", "https", NULL },
    "an http:// or https://" };
static const struct schemes smtp_schemes = { { "smtp", "smtps", NULL },
    "an smtp:// or smtps://" };

static int
scheme_in(const char *scheme, const struct schemes *allowed)
{
	size_t	 i;

	for (i = 0; allowed->names[i] != NULL; i++) {
		if (strcasecmp(scheme, allowed->names[i]) == 0)
			return 1;
	}
	return 0;
}

static void
target_release(struct target *t)
{
	free(t->url);
	free(t->shown);
	free(t->key);
	free(t->user);
	free(t->password);
	free(t->scheme);
	memset(t, 0, sizeof *t);
}

/*
 * Take a URL apart: its credentials out (the environment's when it has
 * none), the fragment dropped, a collection's path ending in '/'.
 */
static int
target_parse(const char *what, const char *url, const struct schemes *schemes,
    int collection, const char *user, const char *password,
    struct target *t, char **cause)
{
	struct http_url u;

	memset(t, 0, sizeof *t);
	if (http_url_parse(url, collection, &u) != 0) {
		*cause = xasprintf("%s: '%s' is not a URL", what, url);
		return -1;
	}
	if (!scheme_in(u.scheme, schemes)) {
		*cause = xasprintf("%s: '%s' must be %s URL", what, url,
		    schemes->text);
		http_url_release(&u);
		return -1;
	}
	t->scheme = u.scheme;
	t->user = u.user;
	t->password = u.password;
	t->url = u.clean;
	if (t->user == NULL && user != NULL && *user != '\0') {
		t->user = xstrdup(user);
		free(t->password);
		t->password = password != NULL ? xstrdup(password) : NULL;
	}
	t->shown = xstrdup(t->url);
	t->key = xstrdup(t->url);
	return 0;
}

/*
 * A webhook's URL may hold its own secret (a token in the path or the
 * query): the record keys it by a hash and shows only the origin.
 */
static void
target_hide(struct target *t)
{
	char	 hex[SHA256_HEX];
	const char *p = strstr(t->url, "://");
	size_t	 n;

	sha256_hex(t->url, strlen(t->url), hex);
	free(t->key);
	t->key = xasprintf("sha256:%.16s", hex);
	n = p != NULL ? (size_t)(p + 3 - t->url) + strcspn(p + 3, "/?") :
	    strlen(t->url);
	free(t->shown);
	t->shown = xasprintf("%.*s/...", (int)n, t->url);
}

int
publish_check(const struct publish_opts *o, char **cause)
{
	struct target t;

	if (o->caldav != NULL) {
		if (target_parse("caldav", o->caldav, &http_schemes, 1, NULL, NULL,
		    &t, cause) != 0)
			return -1;
		target_release(&t);
	}
	if (o->webhook != NULL) {
		if (target_parse("webhook", o->webhook, &http_schemes, 0, NULL,
		    NULL, &t, cause) != 0)
			return -1;
		target_release(&t);
	}
	if (o->smtp != NULL) {
		if (target_parse("smtp", o->smtp, &smtp_schemes, 0, NULL, NULL, &t,
		    cause) != 0)
			return -1;
		target_release(&t);
	}
	return 0;
}

/* --- records on the state branch */

static int
record_read(struct pub *p, struct record *r, const char *path, char **cause)
{
	json_error_t err;
	char	*why;
	size_t	 len;
	int	 rc;

	memset(r, 0, sizeof *r);
	r->path = path;
	rc = store_read(p->s->repo, &p->s->st, path, &r->orig, &len, cause);
	if (rc == -1)
		return -1;
	if (rc == 1) {
		r->orig = NULL;
		r->j = json_object();
		return 0;
	}
	r->j = json_loadb(r->orig, len, 0, &err);
	if (r->j == NULL || !json_is_object(r->j)) {
		if (r->j == NULL) {
			why = jsonx_error(&err);
			*cause = xasprintf("state branch: cannot read '%s': %s",
			    path, why);
			free(why);
		} else
			*cause = xasprintf("state branch: '%s' is not a JSON "
			    "object", path);
		json_decref(r->j);
		free(r->orig);
		r->j = NULL;
		r->orig = NULL;
		return -1;
	}
	return 0;
}

/*
 * Queue the record for the commit when it changed (a target that never
 * had anything done gets no record yet); release it.
 */
static void
record_finish(struct pub *p, struct record *r, int acted,
    const char *logline)
{
	struct publish_result *res = p->res;
	char	*text = json_dumps(r->j, JSON_INDENT(2) | JSON_SORT_KEYS), *t2;

	t2 = xasprintf("%s\n", text != NULL ? text : "{}");
	free(text);
	if ((r->orig != NULL && strcmp(r->orig, t2) == 0) ||
	    (r->orig == NULL && !acted))
		free(t2);
	else {
		res->files = xreallocarray(res->files, res->nfiles + 1,
		    sizeof *res->files);
		res->files[res->nfiles].path = r->path;
		res->files[res->nfiles].data = t2;
		res->files[res->nfiles].len = strlen(t2);
		res->nfiles++;
		strv_push(&res->texts, t2);
		strv_push(&res->log, xstrdup(logline));
	}
	json_decref(r->j);
	free(r->orig);
	memset(r, 0, sizeof *r);
}

/* The object at key in o, created empty when missing. */
static json_t *
object_at(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	if (!json_is_object(v)) {
		v = json_object();
		json_object_set_new(o, key, v);
	}
	return v;
}

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The keys of an object, sorted, so that it can be changed while walked. */
static char **
object_keys(json_t *o)
{
	const char *k;
	json_t	*v;
	char	**keys = xcalloc(json_object_size(o) + 1, sizeof *keys);
	size_t	 n = 0;

	json_object_foreach(o, k, v)
		keys[n++] = xstrdup(k);
	array_sort(keys, n, sizeof *keys, key_cmp);
	return keys;
}

static char *
uid_of(const struct pub *p, const struct plan_state *ps)
{
	return xasprintf("%s@%s", ps->id, p->pol->calendar.domain);
}

/* The plan state a UID names, or NULL. */
static const struct plan_state *
state_of_uid(const struct pub *p, const char *uid)
{
	const char *at = strrchr(uid, '@');
	struct plan_state *ps;
	char	*id;

	if (at == NULL || strcmp(at + 1, p->pol->calendar.domain) != 0)
		return NULL;
	id = xstrndup(uid, (size_t)(at - uid));
	ps = state_find(&p->s->st, id);
	free(id);
	return ps;
}

/* The value of the first line "NAME:value" or "NAME;...:value" of a text. */
static char *
ics_value(const char *text, const char *name)
{
	size_t	 n = strlen(name);
	const char *l = text, *v;

	while (l != NULL && *l != '\0') {
		if (strncmp(l, name, n) == 0 && (l[n] == ':' || l[n] == ';') &&
		    (v = strchr(l, ':')) != NULL)
			return xstrndup(v + 1, strcspn(v + 1, "\r\n"));
		if ((l = strchr(l, '\n')) != NULL)
			l++;
	}
	return NULL;
}

/* --- CalDAV: one resource per change */

struct caldav {
	struct pub *p;
	struct publish_count *c;
	struct target t;
	json_t	*res;		/* the collection's resources: UID -> record */
	int	 stop;		/* the server cannot be used: give up */
};

static void
caldav_call(struct caldav *d, const char *method, const char *url,
    const char *cond, const char *body, struct http_response *res, int *rc,
    char **cause)
{
	struct http_call rq;
	const char *hdr[3];
	size_t	 n = 0;

	if (body != NULL)
		hdr[n++] = "Content-Type: text/calendar; charset=utf-8";
	if (cond != NULL)
		hdr[n++] = cond;
	hdr[n] = NULL;
	memset(&rq, 0, sizeof rq);
	rq.method = method;
	rq.url = url;
	rq.headers = hdr;
	rq.body = body;
	rq.len = body != NULL ? strlen(body) : 0;
	rq.user = d->t.user;
	rq.password = d->t.password;
	*rc = http_call(&rq, res, cause);
}

/* A failure that every other request would meet too stops the target. */
static void
caldav_failed(struct caldav *d, const char *method, const char *url,
    const struct http_response *res, char *cause)
{
	char	*st;

	if (cause != NULL) {
		problem(d->p, d->c, "caldav: %s", cause);
		free(cause);
		d->stop = 1;
		return;
	}
	st = status_text(res);
	problem(d->p, d->c, "caldav: %s '%s': %s", method, url, st);
	free(st);
	if (res->status == 401 || res->status == 403 || res->status >= 500)
		d->stop = 1;
}

static void
caldav_remember(struct caldav *d, const char *uid, const struct plan_state *ps,
    const char *text, const char *sha, const char *etag)
{
	json_t	*o = json_object();
	char	*stamp = ics_value(text, "DTSTAMP");

	json_object_set_new(o, "href", json_sprintf("%s.ics", uid));
	json_object_set_new(o, "sequence", json_integer(ps->sequence));
	json_object_set_new(o, "dtstamp", stamp != NULL ? json_string(stamp) :
	    json_null());
	json_object_set_new(o, "etag", etag != NULL ? json_string(etag) :
	    json_null());
	json_object_set_new(o, "sha256", json_string(sha));
	json_object_set_new(d->res, uid, o);
	free(stamp);
}

/* The ETag of a resource the server did not give one for on PUT. */
static char *
caldav_etag(struct caldav *d, const char *url)
{
	struct http_response res;
	char	*cause = NULL, *etag = NULL;
	int	 rc;

	caldav_call(d, "GET", url, NULL, NULL, &res, &rc, &cause);
	if (rc == 0 && ok_status(res.status) && res.etag != NULL)
		etag = xstrdup(res.etag);
	free(cause);
	http_response_release(&res);
	return etag;
}

static void caldav_put(struct caldav *, const char *, const struct plan_state *,
    const char *, const char *, json_t *);

/*
 * Is the resource gone from the server? A 412 on an update or delete may
 * mean that someone removed it: then nobody's change is in the way.
 */
static int
caldav_gone(struct caldav *d, const char *url)
{
	struct http_response res;
	char	*cause = NULL;
	int	 rc, gone;

	caldav_call(d, "GET", url, NULL, NULL, &res, &rc, &cause);
	gone = rc == 0 && (res.status == 404 || res.status == 410);
	free(cause);
	http_response_release(&res);
	return gone;
}

/*
 * A resource we meant to create is there: when it is ours as published
 * before (its record was lost: the commit after a publish failed), take
 * its ETag and update it; anything else is someone else's and stays.
 */
static int
same_value(const char *a_text, const char *b_text, const char *name)
{
	char	*a = ics_value(a_text, name), *b = ics_value(b_text, name);
	int	 same = a != NULL && b != NULL && strcmp(a, b) == 0;

	free(a);
	free(b);
	return same;
}

static void
caldav_adopt(struct caldav *d, const char *uid, const struct plan_state *ps,
    const char *text, const char *sha, const char *url)
{
	struct http_response res;
	char	*cause = NULL;
	int	 rc;

	caldav_call(d, "GET", url, NULL, NULL, &res, &rc, &cause);
	if (rc != 0) {
		caldav_failed(d, "GET", url, NULL, cause);
		return;
	}
	if (ok_status(res.status) && res.etag != NULL && same_value(text,
	    res.body, "UID") && same_value(text, res.body, "SEQUENCE") &&
	    same_value(text, res.body, "DTSTAMP")) {
		caldav_remember(d, uid, ps, text, "", res.etag);
		caldav_put(d, uid, ps, text, sha, json_object_get(d->res, uid));
	} else
		problem(d->p, d->c, "caldav: '%s' is on the server but not as "
		    "offpeak published it (412 Precondition Failed); it was not "
		    "overwritten", url);
	http_response_release(&res);
}

/* Create or update a resource, never over a change made on the server. */
static void
caldav_put(struct caldav *d, const char *uid, const struct plan_state *ps,
    const char *text, const char *sha, json_t *rec)
{
	struct http_response res;
	const char *etag = json_string_value(json_object_get(rec, "etag"));
	char	*url = xasprintf("%s%s.ics", d->t.url, uid), *cond = NULL,
		*cause = NULL, *got;
	int	 rc;

	if (rec == NULL)
		cond = xstrdup("If-None-Match: *");
	else if (etag != NULL)
		cond = xasprintf("If-Match: %s", etag);
	caldav_call(d, "PUT", url, cond, text, &res, &rc, &cause);
	if (rc == 0 && ok_status(res.status)) {
		got = res.etag != NULL ? xstrdup(res.etag) : caldav_etag(d, url);
		caldav_remember(d, uid, ps, text, sha, got);
		free(got);
		if (rec == NULL)
			d->c->created++;
		else
			d->c->updated++;
		done(d->p, "caldav: %s %s.ics (SEQUENCE %d)", rec == NULL ?
		    "created" : "updated", uid, ps->sequence);
	} else if (rc == 0 && res.status == 412 && rec == NULL)
		caldav_adopt(d, uid, ps, text, sha, url);
	else if (rc == 0 && res.status == 412 && caldav_gone(d, url)) {
		/* deleted on the server: it is made again, as new */
		json_object_del(d->res, uid);
		caldav_put(d, uid, ps, text, sha, NULL);
	} else if (rc == 0 && res.status == 412)
		problem(d->p, d->c, "caldav: '%s' was changed on the server since "
		    "offpeak published it (412 Precondition Failed); it was not "
		    "overwritten", url);
	else
		caldav_failed(d, "PUT", url, &res, cause);
	http_response_release(&res);
	free(cond);
	free(url);
}

static void
caldav_delete(struct caldav *d, const char *uid, json_t *rec)
{
	struct http_response res;
	const char *etag = json_string_value(json_object_get(rec, "etag"));
	const char *href = json_string_value(json_object_get(rec, "href"));
	char	*url, *cond = NULL, *cause = NULL;
	int	 rc;

	url = href != NULL && strchr(href, '/') == NULL ?
	    xasprintf("%s%s", d->t.url, href) : xasprintf("%s%s.ics", d->t.url, uid);
	if (etag != NULL)
		cond = xasprintf("If-Match: %s", etag);
	caldav_call(d, "DELETE", url, cond, NULL, &res, &rc, &cause);
	if (rc == 0 && (ok_status(res.status) || res.status == 404 ||
	    res.status == 410 || (res.status == 412 && caldav_gone(d, url)))) {
		json_object_del(d->res, uid);
		d->c->deleted++;
		done(d->p, "caldav: deleted %s.ics", uid);
	} else if (rc == 0 && res.status == 412)
		problem(d->p, d->c, "caldav: '%s' was changed on the server since "
		    "offpeak published it (412 Precondition Failed); it was not "
		    "deleted", url);
	else
		caldav_failed(d, "DELETE", url, &res, cause);
	http_response_release(&res);
	free(cond);
	free(url);
}

/* Put every change in the feeds that differs from what the server has. */
static void
caldav_changes(struct caldav *d, json_t *live)
{
	const struct state *st = &d->p->s->st;
	const struct plan_state *ps;
	const char *was;
	json_t	*rec;
	char	*text, *uid, sha[SHA256_HEX];
	size_t	 i;

	for (i = 0; i < st->n && !d->stop; i++) {
		ps = st->items[i];
		text = notice_event(d->p->pol, ps, d->p->now, NULL, NULL, NULL);
		if (text == NULL)
			continue;
		uid = uid_of(d->p, ps);
		json_object_set_new(live, uid, json_true());
		sha256_hex(text, strlen(text), sha);
		rec = json_object_get(d->res, uid);
		was = json_string_value(json_object_get(rec, "sha256"));
		if (was != NULL && strcmp(sha, was) == 0)
			d->c->unchanged++;
		else
			caldav_put(d, uid, ps, text, sha, rec);
		free(uid);
		free(text);
	}
}

static void
caldav_publish(struct pub *p, struct record *r)
{
	struct caldav d;
	json_t	*coll, *live = json_object();
	char	**keys, *cause = NULL, *line;
	size_t	 i;

	memset(&d, 0, sizeof d);
	d.p = p;
	d.c = &p->res->caldav;
	d.c->used = 1;
	if (target_parse("caldav", p->o->caldav, &http_schemes, 1,
	    p->o->caldav_user, p->o->caldav_password, &d.t, &cause) != 0) {
		problem(p, d.c, "%s", cause);
		free(cause);
		json_decref(live);
		return;
	}
	d.c->url = xstrdup(d.t.shown);
	coll = object_at(r->j, d.t.key);
	json_object_set_new(coll, "url", json_string(d.t.shown));
	d.res = object_at(coll, "resources");
	caldav_changes(&d, live);
	keys = object_keys(d.res);
	for (i = 0; keys[i] != NULL && !d.stop; i++) {
		if (json_object_get(live, keys[i]) == NULL)
			caldav_delete(&d, keys[i], json_object_get(d.res, keys[i]));
	}
	strv_free(keys);
	json_decref(live);
	line = xasprintf("publish caldav %s: %zu created, %zu updated, %zu "
	    "deleted", d.t.shown, d.c->created, d.c->updated, d.c->deleted);
	record_finish(p, r, d.c->created + d.c->updated + d.c->deleted > 0, line);
	free(line);
	target_release(&d.t);
}

/* --- webhook: one signed event per transition */

/* A commit of the state branch, oldest first once walked. */
struct hook_commit {
	char	 id[41];
	int64_t	 when;
	char	*message;
};

struct hook_walk {
	const char *stop_at;	/* the last commit delivered from, or NULL */
	struct hook_commit *v;
	size_t	 n, alloc;
	int	 found;
};

struct webhook {
	struct pub *p;
	struct publish_count *c;
	struct target t;
	json_t	*pos;		/* { "commit": id, "line": n } */
	long	 backoff_ms;
	int	 tries;
};

/* The transitions a receiver hears of: the verb of the line, the event. */
static const char *const hook_verbs[][2] = {
	{ "schedule", "scheduled" }, { "move", "moved" },
	{ "release", "released" }, { "cancel", "cancelled" },
	{ "supersede", "superseded" }, { "expire", "expired" },
	{ "start", "started" }, { "completed", "completed" },
	{ "rolled-back", "rolled-back" }, { "failed", "failed" }
};

static int
walk_one(const struct repo_commit *rc, void *arg)
{
	struct hook_walk *w = arg;
	struct hook_commit *c;

	if (w->n == w->alloc) {
		w->alloc = w->alloc != 0 ? w->alloc * 2 : 64;
		w->v = xreallocarray(w->v, w->alloc, sizeof *w->v);
	}
	c = &w->v[w->n++];
	memcpy(c->id, rc->id, sizeof c->id);
	c->when = rc->when;
	c->message = xstrdup(rc->message != NULL ? rc->message : "");
	if (w->stop_at != NULL && strcmp(rc->id, w->stop_at) == 0) {
		w->found = 1;
		return 1;
	}
	return 0;
}

/* The event of a transition line and its plan (allocated), or NULL. */
static const char *
hook_event(const char *line, char **plan, const char **rest)
{
	size_t	 i, n;

	for (i = 0; i < nitems(hook_verbs); i++) {
		n = strlen(hook_verbs[i][0]);
		if (strncmp(line, hook_verbs[i][0], n) != 0 || line[n] != ' ')
			continue;
		line += n + 1;
		n = strcspn(line, " :");
		*plan = xstrndup(line, n);
		if (!name_valid(*plan)) {
			free(*plan);
			*plan = NULL;
			return NULL;
		}
		*rest = line + n + strspn(line + n, " :");
		return hook_verbs[i][1];
	}
	return NULL;
}

/* The first word of s, without a trailing ':' or ',', or NULL. */
static json_t *
first_word(const char *s)
{
	size_t	 n = strcspn(s, " ");

	while (n > 0 && (s[n - 1] == ':' || s[n - 1] == ','))
		n--;
	return n > 0 ? json_stringn(s, n) : NULL;
}

/* What the change is now, for a receiver that wants more than the line. */
static json_t *
hook_current(const struct pub *p, const struct plan_state *ps)
{
	json_t	*o = json_object(), *sys = json_array();
	size_t	 i;

	json_object_set_new(o, "status", json_string(status_names[ps->status]));
	json_object_set_new(o, "sequence", json_integer(ps->sequence));
	if (ps->snap.title != NULL)
		json_object_set_new(o, "title", json_string(ps->snap.title));
	for (i = 0; ps->snap.systems != NULL && ps->snap.systems[i] != NULL; i++)
		json_array_append_new(sys, json_string(ps->snap.systems[i]));
	json_object_set_new(o, "systems", sys);
	if (ps->has_slot) {
		json_object_set_new(o, "start", jsonx_take(
		    dt_format_utc(ps->slot.start)));
		json_object_set_new(o, "end", jsonx_take(
		    dt_format_utc(ps->slot.end)));
		json_object_set_new(o, "slot_live", json_boolean(ps->slot_live));
	}
	(void)p;
	return o;
}

static char *
hook_body(const struct pub *p, const struct hook_commit *c, int lineno,
    const char *line, const char *event, const char *plan, const char *rest)
{
	const struct plan_state *ps = state_find(&p->s->st, plan);
	json_t	*o = json_object(), *w;
	char	*body;

	json_object_set_new(o, "id", json_sprintf("%s:%d", c->id, lineno));
	json_object_set_new(o, "event", json_string(event));
	json_object_set_new(o, "plan", json_string(plan));
	json_object_set_new(o, "uid", json_sprintf("%s@%s", plan,
	    p->pol->calendar.domain));
	json_object_set_new(o, "transition", json_string(line));
	json_object_set_new(o, "commit", json_string(c->id));
	json_object_set_new(o, "line", json_integer(lineno));
	json_object_set_new(o, "at", jsonx_time(c->when));
	json_object_set_new(o, "simulated", json_boolean(strstr(c->message,
	    "\nOffpeak-Clock: simulated") != NULL));
	if (p->pol->provider != NULL)
		json_object_set_new(o, "provider", json_string(p->pol->provider));
	if ((strcmp(event, "scheduled") == 0 || strcmp(event, "moved") == 0) &&
	    (w = first_word(rest)) != NULL)
		json_object_set_new(o, "start", w);
	if (strncmp(rest, "run ", 4) == 0 && (w = first_word(rest + 4)) != NULL)
		json_object_set_new(o, "run", w);
	if (ps != NULL)
		json_object_set_new(o, "current", hook_current(p, ps));
	body = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return body;
}

static void
sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
retryable(long status)
{
	return status == 408 || status == 425 || status == 429 || status >= 500;
}

/* A message about the URL that shows only what the record shows. */
static char *
hide_url(char *msg, const struct target *t)
{
	const char *at = strstr(msg, t->url);
	char	*out;

	if (at == NULL)
		return msg;
	out = xasprintf("%.*s%s%s", (int)(at - msg), msg, t->shown,
	    at + strlen(t->url));
	free(msg);
	return out;
}

/* One attempt: 0 acknowledged, else -1 with *why and *again. */
static int
hook_try(struct webhook *w, const struct http_call *rq, char **why,
    int *again)
{
	struct http_response res;
	char	*cause = NULL;
	int	 rc = -1;

	if (http_call(rq, &res, &cause) != 0) {
		*why = hide_url(cause, &w->t);
		*again = 1;
		return -1;
	}
	if (ok_status(res.status))
		rc = 0;
	else
		*why = status_text(&res);
	*again = retryable(res.status);
	http_response_release(&res);
	return rc;
}

/*
 * POST one event until the receiver acknowledges it (2xx), retrying
 * failures that may pass with a doubling delay. 0, or -1 with *why.
 */
static int
hook_send(struct webhook *w, const char *key, const char *event,
    const char *body, char **why)
{
	struct http_call rq;
	const char *secret = w->p->o->webhook_secret;
	char	 sig[SHA256_HEX], *hdr[5], *s;
	long	 delay = w->backoff_ms;
	size_t	 i;
	int	 try, rc, again;

	hmac_sha256_hex(secret, strlen(secret), body, strlen(body), sig);
	hdr[0] = xstrdup("Content-Type: application/json");
	hdr[1] = xasprintf("X-Offpeak-Signature: sha256=%s", sig);
	hdr[2] = xasprintf("Idempotency-Key: %s", key);
	hdr[3] = xasprintf("X-Offpeak-Event: %s", event);
	hdr[4] = NULL;
	memset(&rq, 0, sizeof rq);
	rq.method = "POST";
	rq.url = w->t.url;
	rq.headers = (const char *const *)hdr;
	rq.body = body;
	rq.len = strlen(body);
	rq.user = w->t.user;
	rq.password = w->t.password;
	for (try = 1;; try++) {
		free(*why);
		*why = NULL;
		if ((rc = hook_try(w, &rq, why, &again)) == 0 || !again ||
		    try >= w->tries)
			break;
		w->c->retries++;
		sleep_ms(delay);
		delay *= 2;
	}
	if (rc != 0) {
		s = xasprintf("%s (%d attempt%s)", *why, try, try == 1 ? "" : "s");
		free(*why);
		*why = s;
	}
	for (i = 0; i < nitems(hdr); i++)
		free(hdr[i]);
	return rc;
}

static void
hook_position(struct webhook *w, const char *commit, int line)
{
	json_object_set_new(w->pos, "commit", json_string(commit));
	json_object_set_new(w->pos, "line", json_integer(line));
}

/*
 * Deliver the transitions of one commit after line `from`; 0, or -1 when
 * one was not acknowledged. The position is the last transition the
 * receiver acknowledged: commits without any (a publish's own) never move
 * it, so that publishing again changes nothing.
 */
static int
hook_commit(struct webhook *w, const struct hook_commit *c, int from)
{
	const char *event, *rest, *s = c->message;
	char	*line, *plan = NULL, *body, *key, *why = NULL;
	int	 n = 0, rc = 0;
	size_t	 len;

	while (rc == 0 && *s != '\0') {
		len = strcspn(s, "\n");
		line = xstrndup(s, len);
		s += len + (s[len] == '\n');
		if (++n <= from || (event = hook_event(line, &plan, &rest)) == NULL) {
			free(line);
			continue;
		}
		key = xasprintf("%s:%d", c->id, n);
		body = hook_body(w->p, c, n, line, event, plan, rest);
		if (hook_send(w, key, event, body, &why) == 0) {
			w->c->sent++;
			hook_position(w, c->id, n);
			done(w->p, "webhook: %s %s (%s)", event, plan, key);
		} else {
			problem(w->p, w->c, "webhook: event %s (%s %s) was not "
			    "acknowledged by '%s': %s; it and the later ones wait "
			    "for the next publish", key, event, plan, w->t.shown,
			    why);
			rc = -1;
		}
		free(why);
		why = NULL;
		free(key);
		free(body);
		free(plan);
		plan = NULL;
		free(line);
	}
	return rc;
}

/* The commits since the remembered position, oldest first. */
static int
hook_walk(struct webhook *w, struct hook_walk *hw, int *from)
{
	const char *at = json_string_value(json_object_get(w->pos, "commit"));
	char	*cause = NULL;
	struct hook_commit t;
	size_t	 i;

	memset(hw, 0, sizeof *hw);
	*from = 0;
	if (w->p->s->st.commit[0] == '\0')
		return 0;
	hw->stop_at = at;
	if (repo_walk(w->p->s->repo, w->p->s->st.commit, NULL, walk_one, hw,
	    &cause) == -1) {
		problem(w->p, w->c, "webhook: %s", cause);
		free(cause);
		return -1;
	}
	if (at != NULL && !hw->found) {
		problem(w->p, w->c, "webhook: the last delivered commit %.12s is "
		    "not in the history of the state branch; nothing was sent",
		    at);
		return -1;
	}
	if (at != NULL)
		*from = (int)json_integer_value(json_object_get(w->pos, "line"));
	for (i = 0; i < hw->n / 2; i++) {
		t = hw->v[i];
		hw->v[i] = hw->v[hw->n - 1 - i];
		hw->v[hw->n - 1 - i] = t;
	}
	return 0;
}

static void
hook_walk_release(struct hook_walk *hw)
{
	size_t	 i;

	for (i = 0; i < hw->n; i++)
		free(hw->v[i].message);
	free(hw->v);
}

static void
webhook_publish(struct pub *p, struct record *r)
{
	struct webhook w;
	struct hook_walk hw;
	char	*cause = NULL, *line;
	size_t	 i;
	int	 from;

	memset(&w, 0, sizeof w);
	w.p = p;
	w.c = &p->res->webhook;
	w.c->used = 1;
	if (p->o->webhook_secret == NULL || *p->o->webhook_secret == '\0') {
		problem(p, w.c, "webhook: no secret to sign the events with; "
		    "nothing was sent");
		return;
	}
	w.tries = p->o->tries > 0 ? p->o->tries : PUBLISH_TRIES;
	w.backoff_ms = p->o->backoff_ms > 0 ? p->o->backoff_ms :
	    PUBLISH_BACKOFF_MS;
	if (target_parse("webhook", p->o->webhook, &http_schemes, 0, NULL, NULL,
	    &w.t, &cause) != 0) {
		problem(p, w.c, "%s", cause);
		free(cause);
		return;
	}
	target_hide(&w.t);
	w.c->url = xstrdup(w.t.shown);
	w.pos = object_at(r->j, w.t.key);
	json_object_set_new(w.pos, "url", json_string(w.t.shown));
	if (hook_walk(&w, &hw, &from) == 0) {
		for (i = 0; i < hw.n; i++) {
			if (hook_commit(&w, &hw.v[i], i == 0 ? from : 0) != 0)
				break;
		}
	}
	hook_walk_release(&hw);
	line = xasprintf("publish webhook %s: %zu event%s", w.t.shown,
	    w.c->sent, w.c->sent == 1 ? "" : "s");
	record_finish(p, r, w.c->sent > 0, line);
	free(line);
	target_release(&w.t);
}

/* --- e-mail: iMIP messages to the subscribers */

struct smtp {
	struct pub *p;
	struct publish_count *c;
	struct target t;
	json_t	*rec;		/* address -> UID -> what was sent last */
	struct http_mail *mail;	/* one connection for every message */
	char	*from;		/* the organizer's address */
	int	 stop;
};


/* Does the change touch one of the subscriber's systems or groups? */
static int
touches(const struct policy *pol, const struct plan_state *ps,
    const struct subscriber *sub)
{
	const struct system *s;
	char	*const *sys = ps->snap.systems;
	size_t	 i, j;

	for (i = 0; sys != NULL && sys[i] != NULL; i++) {
		for (j = 0; sub->systems != NULL && sub->systems[j] != NULL; j++) {
			if (strcmp(sys[i], sub->systems[j]) == 0)
				return 1;
		}
		if ((s = policy_system(pol, sys[i])) == NULL || s->group == NULL)
			continue;
		for (j = 0; sub->groups != NULL && sub->groups[j] != NULL; j++) {
			if (strcmp(s->group, sub->groups[j]) == 0)
				return 1;
		}
	}
	return 0;
}

/* "2026-11-06 01:00 CET" in the zone, or UTC. */
static void
add_local(struct buf *b, int64_t t, const char *zone)
{
	const struct tz *z = NULL;
	struct civil c;
	char	*cause = NULL;

	if (zone != NULL && strcmp(zone, "UTC") != 0)
		z = tz_get(zone, &cause);
	free(cause);
	if (z != NULL)
		tz_utc_to_local(z, t, &c, NULL);
	else
		utc_to_civil(t, &c);
	buf_addf(b, "%04d-%02d-%02d %02d:%02d %s", c.year, c.month, c.day,
	    c.hour, c.minute, z != NULL ? tz_abbr_at(z, t) : "UTC");
}

static void
add_list(struct buf *b, char *const *v)
{
	size_t	 i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		buf_addf(b, "%s%s", i == 0 ? "" : ", ", v[i]);
}

/* The text part: what a person reads first. */
static char *
mail_text(const struct smtp *m, const struct subscriber *sub,
    const struct plan_state *ps, const struct notice_view *v,
    const char *method, int update)
{
	const struct policy *pol = m->p->pol;
	const char *zone = ps->slot.timezone;
	struct buf b = BUF_INIT;

	if (strcmp(method, "CANCEL") == 0)
		buf_adds(&b, "This maintenance has been cancelled.");
	else if (update)
		buf_adds(&b, "This maintenance has changed; this notice replaces "
		    "the earlier one.");
	else
		buf_addf(&b, "%s plans this maintenance on systems you follow.",
		    pol->provider != NULL ? pol->provider : pol->calendar.name);
	buf_addf(&b, "\n\nChange:    %s\nWhen:      ", ps->snap.title != NULL ?
	    ps->snap.title : ps->id);
	add_local(&b, ps->slot.start, zone);
	buf_adds(&b, " to ");
	add_local(&b, ps->slot.end, zone);
	buf_addf(&b, " (%s)\nStatus:    ", zone != NULL ? zone : "UTC");
	if (strcmp(v->status, "TENTATIVE") == 0) {
		buf_adds(&b, "tentative until the notice period ends, ");
		add_local(&b, ps->published_at + ps->risk.notice, zone);
	} else
		buf_adds(&b, strcmp(v->status, "CANCELLED") == 0 ? "cancelled" :
		    "confirmed");
	if (ps->reason != NULL && strcmp(method, "CANCEL") == 0)
		buf_addf(&b, "\nReason:    %s", ps->reason);
	buf_adds(&b, "\nSystems:   ");
	add_list(&b, ps->snap.systems);
	buf_addf(&b, "\nImpact:    %s\nRisk:      %s\nContact:   %s\n"
	    "Reference: %s@%s, sequence %d\n", ps->snap.impact != NULL ?
	    ps->snap.impact : "-", ps->risk.level != NULL ? ps->risk.level : "-",
	    ps->snap.owner != NULL ? ps->snap.owner : "-", ps->id,
	    pol->calendar.domain, ps->sequence);
	if (ps->snap.description != NULL && *ps->snap.description != '\0')
		buf_addf(&b, "\n%s\n", ps->snap.description);
	buf_addf(&b, "\nYou receive this notice as the subscriber '%s' of %s.\n",
	    sub->name, pol->calendar.name);
	return buf_detach(&b, NULL);
}

static char *
mail_subject(const struct plan_state *ps, const char *method, int update)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s: %s, ", strcmp(method, "CANCEL") == 0 ?
	    "Cancelled maintenance" : update ? "Updated maintenance" :
	    "Maintenance", ps->snap.title != NULL ? ps->snap.title : ps->id);
	add_local(&b, ps->slot.start, ps->slot.timezone);
	return buf_detach(&b, NULL);
}

/* Stable for one notice, so that a message sent twice is seen as one. */
static char *
mail_id(const struct smtp *m, const char *to, const char *uid, int seq,
    const char *method)
{
	char	 hex[SHA256_HEX], *s = xasprintf("%s\n%s\n%d\n%s", to, uid, seq,
	    method);

	sha256_hex(s, strlen(s), hex);
	free(s);
	return xasprintf("%.32s.%d@%s", hex, seq, m->p->pol->calendar.domain);
}

static char *
mail_build(const struct smtp *m, const struct subscriber *sub,
    const struct plan_state *ps, const struct notice_view *v,
    const char *method, int update, const char *msgid, size_t *len)
{
	struct mime_message mm;
	struct mime_part parts[2];
	char	*text, *cal, *to, *type, *subject, *change, *msg;
	const char *hdr[3];

	to = xasprintf("mailto:%s", sub->email);
	cal = notice_event(m->p->pol, ps, m->p->now, method, to, sub->name);
	text = mail_text(m, sub, ps, v, method, update);
	type = xasprintf("text/calendar; method=%s; charset=UTF-8", method);
	subject = mail_subject(ps, method, update);
	change = xasprintf("X-Offpeak-Change: %s", ps->id);
	hdr[0] = "Auto-Submitted: auto-generated";
	hdr[1] = change;
	hdr[2] = NULL;
	parts[0].type = "text/plain; charset=UTF-8";
	parts[0].body = text;
	parts[0].len = strlen(text);
	parts[1].type = type;
	parts[1].body = cal != NULL ? cal : "";
	parts[1].len = strlen(parts[1].body);
	memset(&mm, 0, sizeof mm);
	mm.from_name = m->p->pol->calendar.name;
	mm.from = m->from;
	mm.to_name = sub->name;
	mm.to = sub->email;
	mm.subject = subject;
	mm.message_id = msgid;
	mm.date = m->p->now;
	mm.headers = hdr;
	mm.parts = parts;
	mm.nparts = 2;
	msg = mime_build(&mm, len);
	free(to);
	free(cal);
	free(text);
	free(type);
	free(subject);
	free(change);
	return msg;
}

/* Send one message; 0, or -1 with a problem reported. */
static int
smtp_send(struct smtp *m, const char *rcpt, const char *msg, size_t len)
{
	char	*why = NULL;
	int	 fatal;

	if (m->mail == NULL)
		m->mail = http_mail_new(m->t.url, m->t.user, m->t.password);
	if (http_mail_send(m->mail, m->from, rcpt, msg, len, &why, &fatal) == 0)
		return 0;
	problem(m->p, m->c, "smtp: cannot send to '%s' through '%s': %s",
	    rcpt, m->t.shown, why);
	free(why);
	if (fatal)
		m->stop = 1;
	return -1;
}

/*
 * What to send a subscriber about a change: a REQUEST when it is new to
 * them or changed (a higher SEQUENCE), a CANCEL when one they were sent
 * is cancelled; nothing while it runs or after it ran.
 */
static const char *
smtp_method(const struct notice_view *v, const struct plan_state *ps,
    json_t *last)
{
	const char *was = json_string_value(json_object_get(last, "method"));
	json_int_t seq = json_integer_value(json_object_get(last, "sequence"));

	if (strcmp(v->maintnote, "TENTATIVE") == 0 ||
	    strcmp(v->maintnote, "CONFIRMED") == 0)
		return last == NULL || seq < ps->sequence ? "REQUEST" : NULL;
	if (strcmp(v->status, "CANCELLED") == 0 && was != NULL &&
	    strcmp(was, "REQUEST") == 0 && seq < ps->sequence)
		return "CANCEL";
	return NULL;
}

static void
smtp_one(struct smtp *m, const struct subscriber *sub,
    const struct plan_state *ps)
{
	struct notice_view v;
	json_t	*sent, *last, *o;
	const char *method;
	char	*uid, *msgid, *msg;
	size_t	 len;

	if (!notice_view(ps, m->p->pol, m->p->now, &v) ||
	    !touches(m->p->pol, ps, sub))
		return;
	uid = uid_of(m->p, ps);
	sent = object_at(m->rec, sub->email);
	last = json_object_get(sent, uid);
	if ((method = smtp_method(&v, ps, last)) != NULL) {
		msgid = mail_id(m, sub->email, uid, ps->sequence, method);
		msg = mail_build(m, sub, ps, &v, method, last != NULL, msgid, &len);
		if (smtp_send(m, sub->email, msg, len) == 0) {
			o = json_object();
			json_object_set_new(o, "sequence", json_integer(ps->sequence));
			json_object_set_new(o, "method", json_string(method));
			json_object_set_new(o, "message_id", json_string(msgid));
			json_object_set_new(o, "sent_at",
			    jsonx_time(m->p->now));
			json_object_set_new(sent, uid, o);
			m->c->sent++;
			done(m->p, "smtp: %s %s to %s", method, uid, sub->email);
		}
		free(msg);
		free(msgid);
	}
	if (json_object_size(sent) == 0)
		json_object_del(m->rec, sub->email);
	free(uid);
}

static const struct subscriber *
subscriber_by_email(const struct policy *pol, const char *email)
{
	size_t	 i;

	for (i = 0; i < pol->nsubscribers; i++) {
		if (pol->subscribers[i].email != NULL &&
		    strcmp(pol->subscribers[i].email, email) == 0)
			return &pol->subscribers[i];
	}
	return NULL;
}

/* Forget changes that left the feeds, and addresses no longer subscribed. */
static void
smtp_prune(struct smtp *m)
{
	const struct plan_state *ps;
	struct notice_view v;
	char	**emails = object_keys(m->rec), **uids;
	json_t	*sent;
	size_t	 i, j;

	for (i = 0; emails[i] != NULL; i++) {
		sent = json_object_get(m->rec, emails[i]);
		if (subscriber_by_email(m->p->pol, emails[i]) == NULL ||
		    !json_is_object(sent)) {
			json_object_del(m->rec, emails[i]);
			continue;
		}
		uids = object_keys(sent);
		for (j = 0; uids[j] != NULL; j++) {
			ps = state_of_uid(m->p, uids[j]);
			if (ps == NULL || !notice_view(ps, m->p->pol, m->p->now, &v))
				json_object_del(sent, uids[j]);
		}
		strv_free(uids);
		if (json_object_size(sent) == 0)
			json_object_del(m->rec, emails[i]);
	}
	strv_free(emails);
}

/* The organizer's address, which the messages come from; NULL if none. */
static char *
organizer_address(const struct policy *pol)
{
	const char *o = pol->calendar.organizer;

	if (o == NULL)
		return NULL;
	if (strncasecmp(o, "mailto:", 7) == 0)
		o += 7;
	if (strchr(o, '@') == NULL || strpbrk(o, "<>\r\n ") != NULL)
		return NULL;
	return xstrdup(o);
}

static void
smtp_publish(struct pub *p, struct record *r)
{
	const struct policy *pol = p->pol;
	const struct state *st = &p->s->st;
	struct smtp m;
	char	*cause = NULL, *line;
	size_t	 i, j;

	memset(&m, 0, sizeof m);
	m.p = p;
	m.c = &p->res->smtp;
	m.c->used = 1;
	m.rec = r->j;
	if (target_parse("smtp", p->o->smtp, &smtp_schemes, 0, p->o->smtp_user,
	    p->o->smtp_password, &m.t, &cause) != 0) {
		problem(p, m.c, "%s", cause);
		free(cause);
		return;
	}
	m.c->url = xstrdup(m.t.shown);
	if ((m.from = organizer_address(pol)) == NULL)
		problem(p, m.c, "smtp: the policy's calendar.organizer is not a "
		    "mailto: address to send from; no message was sent");
	for (i = 0; m.from != NULL && i < pol->nsubscribers && !m.stop; i++) {
		if (pol->subscribers[i].email == NULL)
			continue;
		if (strpbrk(pol->subscribers[i].email, "<>()[]\\,;:\"") != NULL) {
			problem(p, m.c, "smtp: subscriber '%s': '%s' is not an "
			    "address offpeak sends to", pol->subscribers[i].name,
			    pol->subscribers[i].email);
			continue;
		}
		for (j = 0; j < st->n && !m.stop; j++)
			smtp_one(&m, &pol->subscribers[i], st->items[j]);
	}
	smtp_prune(&m);
	http_mail_free(m.mail);
	line = xasprintf("publish smtp %s: %zu message%s", m.t.shown, m.c->sent,
	    m.c->sent == 1 ? "" : "s");
	record_finish(p, r, m.c->sent > 0, line);
	free(line);
	free(m.from);
	target_release(&m.t);
}

/* --- the run */

int
publish_run(struct session *s, const struct publish_opts *o,
    struct publish_result *res, char **cause)
{
	struct record rc, rw, rs;
	struct pub p;

	memset(res, 0, sizeof *res);
	memset(&rc, 0, sizeof rc);
	memset(&rw, 0, sizeof rw);
	memset(&rs, 0, sizeof rs);
	p.s = s;
	p.o = o;
	p.res = res;
	p.pol = s->chk.policy;
	p.now = s->now;
	if ((o->caldav != NULL && record_read(&p, &rc, PUBLISH_CALDAV_FILE,
	    cause) != 0) || (o->webhook != NULL && record_read(&p, &rw,
	    PUBLISH_WEBHOOK_FILE, cause) != 0) || (o->smtp != NULL &&
	    record_read(&p, &rs, PUBLISH_SMTP_FILE, cause) != 0)) {
		json_decref(rc.j);
		json_decref(rw.j);
		json_decref(rs.j);
		free(rc.orig);
		free(rw.orig);
		free(rs.orig);
		return -1;
	}
	if (o->caldav != NULL)
		caldav_publish(&p, &rc);
	if (o->webhook != NULL)
		webhook_publish(&p, &rw);
	if (o->smtp != NULL)
		smtp_publish(&p, &rs);
	json_decref(rc.j);
	json_decref(rw.j);
	json_decref(rs.j);
	free(rc.orig);
	free(rw.orig);
	free(rs.orig);
	return res->problems != NULL ? 1 : 0;
}

static void
count_release(struct publish_count *c)
{
	free(c->url);
}

void
publish_result_release(struct publish_result *res)
{
	if (res == NULL)
		return;
	count_release(&res->caldav);
	count_release(&res->webhook);
	count_release(&res->smtp);
	strv_free(res->done);
	strv_free(res->problems);
	strv_free(res->log);
	strv_free(res->texts);
	free(res->files);
	memset(res, 0, sizeof *res);
}
