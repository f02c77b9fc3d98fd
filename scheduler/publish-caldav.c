/* publish-caldav: one CalDAV resource per change, with conditional requests */
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
#include "publish-int.h"
#include "publish.h"
#include "repo.h"
#include "session.h"
#include "digest.h"
#include "state.h"
#include "store.h"
#include "tz.h"
#include "util.h"


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
		pub_problem(d->p, d->c, "caldav: %s", cause);
		free(cause);
		d->stop = 1;
		return;
	}
	st = pub_status_text(res);
	pub_problem(d->p, d->c, "caldav: %s '%s': %s", method, url, st);
	free(st);
	if (res->status == 401 || res->status == 403 || res->status >= 500)
		d->stop = 1;
}

static void
caldav_remember(struct caldav *d, const char *uid, const struct plan_state *ps,
    const char *text, const char *sha, const char *etag)
{
	json_t	*o = json_object();
	char	*stamp = pub_ics_value(text, "DTSTAMP");

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
	if (rc == 0 && pub_ok_status(res.status) && res.etag != NULL)
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
	char	*a = pub_ics_value(a_text, name), *b = pub_ics_value(b_text, name);
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
	if (pub_ok_status(res.status) && res.etag != NULL && same_value(text,
	    res.body, "UID") && same_value(text, res.body, "SEQUENCE") &&
	    same_value(text, res.body, "DTSTAMP")) {
		caldav_remember(d, uid, ps, text, "", res.etag);
		caldav_put(d, uid, ps, text, sha, json_object_get(d->res, uid));
	} else
		pub_problem(d->p, d->c, "caldav: '%s' is on the server but not as "
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
	if (rc == 0 && pub_ok_status(res.status)) {
		got = res.etag != NULL ? xstrdup(res.etag) : caldav_etag(d, url);
		caldav_remember(d, uid, ps, text, sha, got);
		free(got);
		if (rec == NULL)
			d->c->created++;
		else
			d->c->updated++;
		pub_done(d->p, "caldav: %s %s.ics (SEQUENCE %d)", rec == NULL ?
		    "created" : "updated", uid, ps->sequence);
	} else if (rc == 0 && res.status == 412 && rec == NULL)
		caldav_adopt(d, uid, ps, text, sha, url);
	else if (rc == 0 && res.status == 412 && caldav_gone(d, url)) {
		/* deleted on the server: it is made again, as new */
		json_object_del(d->res, uid);
		caldav_put(d, uid, ps, text, sha, NULL);
	} else if (rc == 0 && res.status == 412)
		pub_problem(d->p, d->c, "caldav: '%s' was changed on the server since "
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
	if (rc == 0 && (pub_ok_status(res.status) || res.status == 404 ||
	    res.status == 410 || (res.status == 412 && caldav_gone(d, url)))) {
		json_object_del(d->res, uid);
		d->c->deleted++;
		pub_done(d->p, "caldav: deleted %s.ics", uid);
	} else if (rc == 0 && res.status == 412)
		pub_problem(d->p, d->c, "caldav: '%s' was changed on the server since "
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
		uid = pub_uid_of(d->p, ps);
		json_object_set_new(live, uid, json_true());
		digest_hex(text, strlen(text), sha);
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

void
pub_caldav(struct pub *p, struct pub_record *r)
{
	struct caldav d;
	json_t	*coll, *live = json_object();
	char	**keys, *cause = NULL, *line;
	size_t	 i;

	memset(&d, 0, sizeof d);
	d.p = p;
	d.c = &p->res->caldav;
	d.c->used = 1;
	if (pub_target_parse("caldav", p->o->caldav, &pub_http_schemes, 1,
	    p->o->caldav_user, p->o->caldav_password, &d.t, &cause) != 0) {
		pub_problem(p, d.c, "%s", cause);
		free(cause);
		json_decref(live);
		return;
	}
	d.c->url = xstrdup(d.t.shown);
	coll = pub_object_at(r->j, d.t.key);
	json_object_set_new(coll, "url", json_string(d.t.shown));
	d.res = pub_object_at(coll, "resources");
	caldav_changes(&d, live);
	keys = pub_object_keys(d.res);
	for (i = 0; keys[i] != NULL && !d.stop; i++) {
		if (json_object_get(live, keys[i]) == NULL)
			caldav_delete(&d, keys[i], json_object_get(d.res, keys[i]));
	}
	strv_free(keys);
	json_decref(live);
	line = xasprintf("publish caldav %s: %zu created, %zu updated, %zu "
	    "deleted", d.t.shown, d.c->created, d.c->updated, d.c->deleted);
	pub_record_finish(p, r, d.c->created + d.c->updated + d.c->deleted > 0, line);
	free(line);
	pub_target_release(&d.t);
}

