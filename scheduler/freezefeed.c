/* freezefeed: freezes published as iCalendar feeds, fetched and cached */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "freezefeed.h"
#include "http.h"
#include "policy.h"
#include "repo.h"
#include "session.h"
#include "state.h"
#include "util.h"
#include "icsfeed.h"
#include "window.h"

/* The copy of one feed on the state branch. */
struct feed_cache {
	char	*ics;			/* NULL: there is none */
	size_t	 len;
	char	*etag;
	char	*last_modified;
	char	*fetched_at;		/* RFC 3339, or NULL */
};

static void
cache_release(struct feed_cache *fc)
{
	free(fc->ics);
	free(fc->etag);
	free(fc->last_modified);
	free(fc->fetched_at);
	memset(fc, 0, sizeof *fc);
}

static char *
json_str(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

/*
 * Read feeds/<name>.json. A copy made for another URL is no copy of this
 * feed: returns 0 with it dropped. A record that does not parse leaves the
 * copy without ETag and date, so the next fetch replaces both.
 */
static void
cache_meta(struct feed_cache *fc, const struct freeze_def *f,
    const char *text, size_t len)
{
	json_t	*o, *url;

	if ((o = json_loadb(text, len, 0, NULL)) == NULL)
		return;
	url = json_object_get(o, "url");
	if (json_is_string(url) && strcmp(json_string_value(url), f->url) != 0) {
		free(fc->ics);
		fc->ics = NULL;
	} else {
		fc->etag = json_str(o, "etag");
		fc->last_modified = json_str(o, "last_modified");
		fc->fetched_at = json_str(o, "fetched_at");
	}
	json_decref(o);
}

static int
cache_read(struct repo_tree *tree, const struct freeze_def *f,
    struct feed_cache *fc, char **cause)
{
	char	*path, *meta = NULL;
	size_t	 len;
	int	 rc;

	memset(fc, 0, sizeof *fc);
	if (tree == NULL)
		return 0;
	path = xasprintf("feeds/%s.ics", f->name);
	rc = repo_tree_read(tree, path, HTTP_MAX_BODY, &fc->ics, &fc->len,
	    NULL, cause);
	free(path);
	if (rc != 0) {
		fc->ics = NULL;
		return rc == -1 ? -1 : 0;
	}
	path = xasprintf("feeds/%s.json", f->name);
	rc = repo_tree_read(tree, path, 64 * 1024, &meta, &len, NULL, cause);
	free(path);
	if (rc == -1)
		return -1;
	if (rc == 0)
		cache_meta(fc, f, meta, len);
	free(meta);
	return 0;
}

static void
add_warning(struct freeze_feeds *ff, char *w)
{
	size_t	 n = strv_len(ff->warnings);

	ff->warnings = xreallocarray(ff->warnings, n + 2, sizeof *ff->warnings);
	ff->warnings[n] = w;
	ff->warnings[n + 1] = NULL;
}

/* Expand a feed's text and add its events; 0, or -1 with *cause. */
static int
add_events(struct session *s, struct freeze_feeds *ff, size_t i,
    const char *ics, size_t len, char **cause)
{
	struct interval *iv;
	char	**w = NULL;
	size_t	 n, k;
	int	 rc;

	rc = icsfeed_events(ics, len, s->chk.policy->timezone,
	    s->now - FREEZE_FEED_BEFORE, s->now + FREEZE_FEED_AFTER, &iv, &n,
	    &w, cause);
	for (k = 0; w != NULL && w[k] != NULL; k++)
		add_warning(ff, xasprintf("freeze '%s': %s",
		    s->chk.policy->freezes[i].name, w[k]));
	strv_free(w);
	if (rc != 0)
		return -1;
	ff->events = xreallocarray(ff->events, ff->nevents + n + 1,
	    sizeof *ff->events);
	for (k = 0; k < n; k++) {
		ff->events[ff->nevents].freeze = i;
		ff->events[ff->nevents].start = iv[k].start;
		ff->events[ff->nevents++].end = iv[k].end;
	}
	free(iv);
	return 0;
}

static int
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Queue feeds/<name>.ics and .json when the copy or its ETag changed. */
static void
queue_copy(struct session *s, struct freeze_feeds *ff,
    const struct freeze_def *f, const struct feed_cache *fc,
    struct http_response *res)
{
	json_t	*o;
	char	*when, *meta;

	if (fc->ics != NULL && fc->fetched_at != NULL && fc->len == res->len &&
	    memcmp(fc->ics, res->body, res->len) == 0 &&
	    same_str(fc->etag, res->etag))
		return;
	when = dt_format_utc(s->now);
	o = json_pack("{s:s, s:s?, s:s?, s:s}", "url", f->url, "etag",
	    res->etag, "last_modified", res->last_modified, "fetched_at", when);
	meta = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	free(when);
	store_files_add(&ff->files, xasprintf("feeds/%s.ics", f->name), res->body, res->len);
	store_files_add(&ff->files, xasprintf("feeds/%s.json", f->name),
	    xasprintf("%s\n", meta), strlen(meta) + 1);
	free(meta);
	res->body = NULL;
	res->len = 0;
	state_log(&s->st, NULL, "refresh freeze feed %s", f->name);
}

/*
 * Fetch a feed and use what came: 0 when done, -1 with *why when the fetch
 * failed or brought no usable calendar (the caller falls back on the copy).
 */
static int
fetch(struct session *s, struct freeze_feeds *ff, size_t i,
    const struct feed_cache *fc, char **why)
{
	const struct freeze_def *f = &s->chk.policy->freezes[i];
	struct http_request rq;
	struct http_response res;
	char	*bad = NULL;
	int	 rv = -1;

	memset(&rq, 0, sizeof rq);
	rq.url = f->url;
	if (fc->ics != NULL) {
		rq.if_none_match = fc->etag;
		rq.if_modified_since = fc->last_modified;
	}
	if (http_get(&rq, &res, why) != 0)
		return -1;
	if (res.status == 304 && fc->ics != NULL)
		rv = add_events(s, ff, i, fc->ics, fc->len, why);
	else if (res.status != 200)
		*why = xasprintf("cannot fetch '%s': HTTP status %ld", f->url,
		    res.status);
	else if (add_events(s, ff, i, res.body, res.len, &bad) != 0) {
		*why = xasprintf("'%s' is not a usable calendar: %s", f->url,
		    bad);
		free(bad);
	} else {
		queue_copy(s, ff, f, fc, &res);
		rv = 0;
	}
	http_response_release(&res);
	return rv;
}

/* The fetch failed: the cached copy, with a warning, or refusal. */
static int
fall_back(struct session *s, struct freeze_feeds *ff, size_t i,
    const struct feed_cache *fc, const char *why, char **cause)
{
	const struct freeze_def *f = &s->chk.policy->freezes[i];
	char	*bad = NULL;

	if (fc->ics == NULL) {
		*cause = xasprintf("freeze '%s': %s; there is no cached copy, "
		    "and a freeze that cannot be seen must not be ignored",
		    f->name, why);
		return OUT_ENV;
	}
	if (add_events(s, ff, i, fc->ics, fc->len, &bad) != 0) {
		*cause = xasprintf("freeze '%s': %s; the cached copy cannot be "
		    "read either: %s", f->name, why, bad);
		free(bad);
		return OUT_ENV;
	}
	add_warning(ff, xasprintf("freeze '%s': %s; using the copy fetched %s",
	    f->name, why, fc->fetched_at != NULL ? fc->fetched_at :
	    "at an unknown time"));
	return OUT_OK;
}

static int
load_one(struct session *s, struct repo_tree *tree, struct freeze_feeds *ff,
    size_t i, char **cause)
{
	struct feed_cache fc;
	char	*why = NULL;
	int	 rc = OUT_OK;

	if (cache_read(tree, &s->chk.policy->freezes[i], &fc, cause) != 0)
		return OUT_ENV;
	if (fetch(s, ff, i, &fc, &why) != 0)
		rc = fall_back(s, ff, i, &fc, why, cause);
	free(why);
	cache_release(&fc);
	return rc;
}

int
freeze_feeds_load(struct session *s, struct freeze_feeds *ff, char **cause)
{
	struct repo_tree *tree = NULL;
	const struct policy *pol = s->chk.policy;
	size_t	 i;
	int	 rc = OUT_OK;

	memset(ff, 0, sizeof *ff);
	ff->warnings = xcalloc(1, sizeof *ff->warnings);
	for (i = 0; i < pol->nfreezes && rc == OUT_OK; i++) {
		if (pol->freezes[i].kind != FREEZE_URL)
			continue;
		if (tree == NULL && s->st.commit[0] != '\0' &&
		    (tree = store_tree(s->repo, &s->st, cause)) == NULL)
			rc = OUT_ENV;
		else
			rc = load_one(s, tree, ff, i, cause);
	}
	repo_tree_free(tree);
	if (rc != OUT_OK)
		freeze_feeds_release(ff);
	return rc;
}

void
freeze_feeds_release(struct freeze_feeds *ff)
{
	free(ff->events);
	store_files_release(&ff->files);
	strv_free(ff->warnings);
	memset(ff, 0, sizeof *ff);
}

void
freeze_feeds_cached(struct session *s, int64_t from, int64_t to,
    struct extra_freeze **events, size_t *nevents)
{
	const struct policy *pol = s->chk.policy;
	struct interval *iv;
	char	*path, *text, *cause = NULL;
	size_t	 i, k, len, n;

	*events = xcalloc(1, sizeof **events);
	*nevents = 0;
	for (i = 0; pol != NULL && i < pol->nfreezes; i++) {
		if (pol->freezes[i].kind != FREEZE_URL)
			continue;
		path = xasprintf("feeds/%s.ics", pol->freezes[i].name);
		iv = NULL;
		n = 0;
		if (store_read(s->repo, &s->st, path, &text, &len, &cause) == 0) {
			if (icsfeed_events(text, len, pol->timezone, from, to, &iv,
			    &n, NULL, &cause) != 0)
				n = 0;
			free(text);
		}
		free(cause);
		cause = NULL;
		free(path);
		*events = xreallocarray(*events, *nevents + n + 1,
		    sizeof **events);
		for (k = 0; k < n; k++) {
			(*events)[*nevents].freeze = i;
			(*events)[*nevents].start = iv[k].start;
			(*events)[*nevents].end = iv[k].end;
			(*nevents)++;
		}
		free(iv);
	}
}
