/* site: everything serve answers with, made once per version of the state */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "budget.h"
#include "notice.h"
#include "policy.h"
#include "site.h"
#include "state.h"
#include "statuspage.h"
#include "timeline.h"
#include "util.h"

#define FEED_PREFIX	"/calendar/"
#define JSON_PATH	"/api/status.json"
#define TIMELINE_PATH	"/timeline.svg"

static void
digest(const void *data, size_t len, unsigned char out[SHA256_LEN])
{
	struct digest s;

	digest_init(&s);
	digest_update(&s, data, len);
	digest_final(&s, out);
}

/* 64 hex digits, either case, as a digest; 0, or -1 when s is not that. */
static int
parse_digest(const char *s, unsigned char out[SHA256_LEN])
{
	int	 i, hi, lo;

	for (i = 0; i < SHA256_LEN; i++) {
		if ((hi = hex_value(s[2 * i])) < 0 || (lo = hex_value(s[2 * i + 1])) < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return s[2 * SHA256_LEN] == '\0' ? 0 : -1;
}

/* Equal digests, compared in time that does not depend on where they differ. */
static int
same_digest(const unsigned char *a, const unsigned char *b)
{
	unsigned char diff = 0;
	size_t	 i;

	for (i = 0; i < SHA256_LEN; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

int
site_gzip(const char *data, size_t len, char **out, size_t *outlen,
    char **cause)
{
	z_stream z;
	size_t	 cap;
	int	 rc;

	memset(&z, 0, sizeof z);
	/* windowBits 15 + 16: a gzip wrapper, with no name and time 0 */
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		*cause = xstrdup("cannot start zlib");
		return -1;
	}
	cap = deflateBound(&z, (uLong)len);
	*out = xmalloc(cap);
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)*out;
	z.avail_out = (uInt)cap;
	rc = deflate(&z, Z_FINISH);
	*outlen = cap - z.avail_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(*out);
		*out = NULL;
		*cause = xstrdup("cannot compress a feed with zlib");
		return -1;
	}
	return 0;
}

/* The latest moment at or before now when the clock changed how a change shows. */
static int64_t
clock_changed(const struct policy *pol, const struct state *st, int64_t now)
{
	const struct plan_state *ps;
	int64_t	 v[3], best = 0;
	size_t	 i, k;

	for (i = 0; i < st->n; i++) {
		ps = st->items[i];
		if (!ps->has_slot)
			continue;
		v[0] = ps->published_at + ps->risk.notice;
		v[1] = ps->updated_at + pol->calendar.retention;
		v[2] = ps->released_at != 0 ?
		    ps->released_at + pol->calendar.retention : 0;
		for (k = 0; k < 3; k++) {
			if (v[k] <= now && v[k] > best)
				best = v[k];
		}
	}
	return best;
}

static const struct site_doc *
prev_doc(const struct site *prev, const char *path)
{
	if (prev == NULL)
		return NULL;
	if (strcmp(path, JSON_PATH) == 0)
		return &prev->json;
	if (strcmp(path, TIMELINE_PATH) == 0)
		return &prev->timeline;
	return site_feed(prev, path);
}

/* Take data (allocated) as a document: hash, tags, gzip copy, time. */
static int
doc_make(struct site_doc *d, const char *path, char *data, size_t len,
    const char *commit, int64_t base, int64_t now, const struct site_doc *old,
    char **cause)
{
	char	 hex[2 * SHA256_LEN + 1];

	memset(d, 0, sizeof *d);
	d->path = xstrdup(path);
	d->data = data;
	d->len = len;
	digest(data, len, d->hash);
	hex_encode(d->hash, SHA256_LEN, hex);
	snprintf(d->etag, sizeof d->etag, "\"%.12s-%.16s\"",
	    *commit != '\0' ? commit : "0", hex);
	snprintf(d->etag_gz, sizeof d->etag_gz, "\"%.12s-%.16s-gz\"",
	    *commit != '\0' ? commit : "0", hex);
	if (old == NULL)
		d->modified = base;
	else if (memcmp(old->hash, d->hash, SHA256_LEN) == 0)
		d->modified = old->modified;	/* the bytes did not change */
	else
		d->modified = base > old->modified ? base : old->modified + 1;
	if (d->modified > now)
		d->modified = now;	/* never later than the clock (RFC 9110) */
	if (site_gzip(data, len, &d->gz, &d->gzlen, cause) != 0)
		return -1;
	if (d->gzlen >= len) {
		free(d->gz);
		d->gz = NULL;
		d->gzlen = 0;
	}
	return 0;
}

static void
doc_release(struct site_doc *d)
{
	free(d->path);
	free(d->data);
	free(d->gz);
	memset(d, 0, sizeof *d);
}

static int
make_feeds(struct site *s, const struct site_source *src, struct notice_set *set,
    int64_t base, const struct site *prev, char **cause)
{
	const struct notice_feed *f;
	char	*path;
	size_t	 i;
	int	 rc = 0;

	s->feeds = xcalloc(set->n + 1, sizeof *s->feeds);
	for (i = 0; rc == 0 && i < set->n; i++) {
		f = &set->feeds[i];
		if (strcmp(f->path, NOTICE_ALL) == 0)
			s->nchanges = f->nevents;
		path = xasprintf(FEED_PREFIX "%s", f->path);
		rc = doc_make(&s->feeds[i], path, f->data, f->len, src->commit,
		    base, src->now, prev_doc(prev, path), cause);
		set->feeds[i].data = NULL;	/* taken */
		s->nfeeds++;
		free(path);
	}
	return rc;
}

static const struct site_doc *
prev_sub(const struct site *prev, const unsigned char *digest)
{
	size_t	 i;

	for (i = 0; prev != NULL && i < prev->nsubs; i++) {
		if (memcmp(prev->subs[i].digest, digest, SHA256_LEN) == 0)
			return &prev->subs[i].feed;
	}
	return NULL;
}

static int
make_subs(struct site *s, const struct site_source *src, int64_t base,
    const struct site *prev, char **cause)
{
	const struct policy *pol = src->pol;
	const struct subscriber *sub;
	struct site_sub *out;
	struct notice_feed f;
	size_t	 i;

	s->subs = xcalloc(pol->nsubscribers + 1, sizeof *s->subs);
	for (i = 0; i < pol->nsubscribers; i++) {
		sub = &pol->subscribers[i];
		out = &s->subs[s->nsubs];
		if (sub->token_sha256 == NULL ||
		    parse_digest(sub->token_sha256, out->digest) != 0)
			continue;	/* check says so; such a token opens nothing */
		if (notice_render_filter(pol, src->st, src->now, sub->systems,
		    sub->groups, &f, cause) != 0)
			return -1;
		out->name = xstrdup(sub->name != NULL ? sub->name : "");
		s->nsubs++;
		free(f.path);
		if (doc_make(&out->feed, NOTICE_ALL, f.data, f.len, src->commit,
		    base, src->now, prev_sub(prev, out->digest), cause) != 0)
			return -1;
	}
	return 0;
}

/*
 * The timeline: a model from TIMELINE_BACK_WEEKS back to TIMELINE_MAX_WEEKS
 * ahead of today, and the picture of the coming TIMELINE_WEEKS.
 */
static int
make_timeline(struct site *s, const struct site_source *src, int64_t base,
    const struct site *prev, char **cause)
{
	int64_t	 day, from, to;
	char	*svg;
	size_t	 len;

	from = src->now - (int64_t)TIMELINE_BACK_WEEKS * 7 * 86400 - 86400;
	to = src->now + (int64_t)(TIMELINE_MAX_WEEKS + 1) * 7 * 86400 + 86400;
	if ((s->tl = timeline_new(src->pol, src->st, src->now, from, to,
	    src->extra, src->nextra, cause)) == NULL)
		return -1;
	day = timeline_day(s->tl, src->now);
	s->tl_from = day;
	s->tl_to = timeline_days_after(s->tl, day, TIMELINE_WEEKS * 7);
	svg = timeline_svg(s->tl, s->tl_from, s->tl_to, "/#", &len);
	return doc_make(&s->timeline, TIMELINE_PATH, svg, len, src->commit,
	    base, src->now, prev_doc(prev, TIMELINE_PATH), cause);
}

static int
make_page(struct site *s, const struct site_source *src, int64_t base,
    const struct site *prev, char **cause)
{
	struct statuspage_input in;
	char	**paths = NULL, *json;
	size_t	 i, len;
	int	 rc;

	if (s->public_feeds) {
		paths = xcalloc(s->nfeeds + 1, sizeof *paths);
		for (i = 0; i < s->nfeeds; i++)
			paths[i] = s->feeds[i].path + strlen(FEED_PREFIX);
	}
	memset(&in, 0, sizeof in);
	in.pol = src->pol;
	in.st = src->st;
	in.now = src->now;
	in.simulated = src->simulated;
	in.commit = src->commit;
	in.commit_time = src->commit_time;
	in.feeds = paths;
	in.extra = src->extra;
	in.nextra = src->nextra;
	in.timeline = timeline_svg(s->tl, s->tl_from, s->tl_to, "#", NULL);
	if (src->ledger != NULL)
		in.navail = budget_rows(src->pol, src->ledger, src->now,
		    src->now + 1, &in.avail);
	rc = statuspage_render(&in, &s->page, &s->pagelen, &json, &len, cause);
	free((char *)in.timeline);
	free(in.avail);
	free(paths);
	if (rc != 0)
		return -1;
	return doc_make(&s->json, JSON_PATH, json, len, src->commit, base,
	    src->now, prev_doc(prev, JSON_PATH), cause);
}

int
site_build(struct site *s, const struct site_source *src,
    const struct site *prev, char **cause)
{
	struct notice_set set;
	int64_t	 base, t;

	memset(s, 0, sizeof *s);
	snprintf(s->commit, sizeof s->commit, "%s", src->commit);
	s->now = src->now;
	s->public_feeds = src->pol->public_feeds;
	base = src->commit_time > src->plans_time ? src->commit_time :
	    src->plans_time;
	if ((t = clock_changed(src->pol, src->st, src->now)) > base)
		base = t;
	if (base > src->now)
		base = src->now;	/* a commit from "the future" changed it now */
	if (notice_render_cached(src->pol, src->st, src->now, src->cache, NULL,
	    &set, cause) != 0)
		return -1;
	if (make_feeds(s, src, &set, base, prev, cause) != 0 ||
	    make_subs(s, src, base, prev, cause) != 0 ||
	    make_timeline(s, src, base, prev, cause) != 0 ||
	    make_page(s, src, base, prev, cause) != 0) {
		notice_set_release(&set);
		site_release(s);
		return -1;
	}
	notice_set_release(&set);
	return 0;
}

void
site_release(struct site *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nfeeds; i++)
		doc_release(&s->feeds[i]);
	free(s->feeds);
	for (i = 0; i < s->nsubs; i++) {
		free(s->subs[i].name);
		doc_release(&s->subs[i].feed);
	}
	free(s->subs);
	doc_release(&s->json);
	doc_release(&s->timeline);
	timeline_free(s->tl);
	free(s->page);
	memset(s, 0, sizeof *s);
}

static int
doc_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct site_doc *)elem)->path);
}

const struct site_doc *
site_feed(const struct site *s, const char *path)
{
	if (s->nfeeds == 0)
		return NULL;
	return bsearch(path, s->feeds, s->nfeeds, sizeof *s->feeds, doc_cmp);
}

const struct site_sub *
site_subscriber(const struct site *s, const char *token)
{
	unsigned char d[SHA256_LEN];
	const struct site_sub *found = NULL;
	size_t	 i;
	int	 eq;

	digest(token, strlen(token), d);
	for (i = 0; i < s->nsubs; i++) {
		eq = same_digest(d, s->subs[i].digest);
		if (eq && found == NULL)
			found = &s->subs[i];
	}
	return found;
}
