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
#include "publish-int.h"
#include "publish.h"
#include "repo.h"
#include "session.h"
#include "digest.h"
#include "state.h"
#include "store.h"
#include "tz.h"
#include "util.h"

#define EXCERPT_MAX	160




/* --- results */

static void
pub_strv_push(char ***v, char *s)
{
	size_t	 n = strv_len(*v);

	*v = xreallocarray(*v, n + 2, sizeof **v);
	(*v)[n] = s;
	(*v)[n + 1] = NULL;
}

void
pub_problem(struct pub *p, struct publish_count *c, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	pub_strv_push(&p->res->problems, xvasprintf(fmt, ap));
	va_end(ap);
	c->failed++;
}

void
pub_done(struct pub *p, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	pub_strv_push(&p->res->done, xvasprintf(fmt, ap));
	va_end(ap);
}

/* What a response said, for a message: "404 Not Found: no such item". */
char *
pub_status_text(const struct http_response *res)
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

int
pub_ok_status(long st)
{
	return st >= 200 && st < 300;
}

/* --- targets */


const struct schemes pub_http_schemes = { { "http", "https", NULL },
    "an http:// or https://" };
const struct schemes pub_smtp_schemes = { { "smtp", "smtps", NULL },
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

void
pub_target_release(struct target *t)
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
int
pub_target_parse(const char *what, const char *url, const struct schemes *schemes,
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
void
pub_target_hide(struct target *t)
{
	char	 hex[SHA256_HEX];
	const char *p = strstr(t->url, "://");
	size_t	 n;

	digest_hex(t->url, strlen(t->url), hex);
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
		if (pub_target_parse("caldav", o->caldav, &pub_http_schemes, 1, NULL, NULL,
		    &t, cause) != 0)
			return -1;
		pub_target_release(&t);
	}
	if (o->webhook != NULL) {
		if (pub_target_parse("webhook", o->webhook, &pub_http_schemes, 0, NULL,
		    NULL, &t, cause) != 0)
			return -1;
		pub_target_release(&t);
	}
	if (o->smtp != NULL) {
		if (pub_target_parse("smtp", o->smtp, &pub_smtp_schemes, 0, NULL, NULL, &t,
		    cause) != 0)
			return -1;
		pub_target_release(&t);
	}
	return 0;
}

/* --- records on the state branch */

int
pub_record_read(struct pub *p, struct pub_record *r, const char *path, char **cause)
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
void
pub_record_finish(struct pub *p, struct pub_record *r, int acted,
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
		pub_strv_push(&res->texts, t2);
		pub_strv_push(&res->log, xstrdup(logline));
	}
	json_decref(r->j);
	free(r->orig);
	memset(r, 0, sizeof *r);
}

/* The object at key in o, created empty when missing. */
json_t *
pub_object_at(json_t *o, const char *key)
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
char **
pub_object_keys(json_t *o)
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

char *
pub_uid_of(const struct pub *p, const struct plan_state *ps)
{
	return xasprintf("%s@%s", ps->id, p->pol->calendar.domain);
}

/* The plan state a UID names, or NULL. */
const struct plan_state *
pub_state_of_uid(const struct pub *p, const char *uid)
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
char *
pub_ics_value(const char *text, const char *name)
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

/* --- the run */

int
publish_run(struct session *s, const struct publish_opts *o,
    struct publish_result *res, char **cause)
{
	struct pub_record rc, rw, rs;
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
	if ((o->caldav != NULL && pub_record_read(&p, &rc, PUBLISH_CALDAV_FILE,
	    cause) != 0) || (o->webhook != NULL && pub_record_read(&p, &rw,
	    PUBLISH_WEBHOOK_FILE, cause) != 0) || (o->smtp != NULL &&
	    pub_record_read(&p, &rs, PUBLISH_SMTP_FILE, cause) != 0)) {
		json_decref(rc.j);
		json_decref(rw.j);
		json_decref(rs.j);
		free(rc.orig);
		free(rw.orig);
		free(rs.orig);
		return -1;
	}
	if (o->caldav != NULL)
		pub_caldav(&p, &rc);
	if (o->webhook != NULL)
		pub_webhook(&p, &rw);
	if (o->smtp != NULL)
		pub_smtp(&p, &rs);
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
