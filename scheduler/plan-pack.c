/* plan-pack: a parsed plan in the parse cache's binary form */
#include <stdlib.h>
#include <string.h>

#include "pack.h"
#include "plan.h"
#include "plan-pack.h"

/*
 * A hook remembers where its argv[0] was in the document, by member
 * names the parser wrote as literals; they are packed as their place in
 * this table, so an unpacked plan points at the same literals.
 */
static const char *const where_keys[] = {
	"backup", "rollback", "verify", "precheck", "steps", "run", "http",
	NULL
};
#define MAX_ITEMS	100000	/* more steps or checks is a malformed entry */

static int
pack_hook(struct buf *b, const struct hook *h)
{
	size_t	 i, k;

	pack_strv(b, h->argv);
	pack_i64(b, h->timeout);
	if (h->depth > sizeof h->where / sizeof h->where[0])
		return -1;
	pack_u64(b, h->depth);
	for (i = 0; i < h->depth; i++) {
		if (h->where[i].key == NULL) {
			pack_u64(b, 0);
			pack_u64(b, h->where[i].index);
			continue;
		}
		for (k = 0; where_keys[k] != NULL; k++)
			if (strcmp(where_keys[k], h->where[i].key) == 0)
				break;
		if (where_keys[k] == NULL)
			return -1;
		pack_u64(b, k + 1);
	}
	return 0;
}

static void
unpack_hook(struct unpack *u, struct hook *h)
{
	size_t	 i, k;

	h->argv = unpack_strv(u);
	h->timeout = unpack_i64(u);
	h->depth = unpack_int(u, sizeof h->where / sizeof h->where[0]);
	for (i = 0; i < h->depth && !u->bad; i++) {
		k = unpack_int(u, sizeof where_keys / sizeof where_keys[0] - 1);
		if (k == 0) {
			h->where[i].key = NULL;
			h->where[i].index = unpack_u64(u);
		} else
			h->where[i].key = where_keys[k - 1];
	}
}

/* A count, or 0 for a NULL array. */
static void
pack_count(struct buf *b, const void *array, size_t n)
{
	pack_u64(b, array == NULL ? 0 : (uint64_t)n + 1);
}

/* An array of n items (and a zeroed one after them), or NULL. */
static void *
unpack_array(struct unpack *u, size_t *n, size_t size)
{
	int	 c = unpack_int(u, MAX_ITEMS + 1);

	*n = 0;
	if (c == 0 || u->bad)
		return NULL;
	*n = c - 1;
	return xcalloc(*n + 1, size);
}

static int
pack_checks(struct buf *b, const struct checks *c)
{
	const struct http_check *h;
	size_t	 i;

	pack_count(b, c->run, c->nrun);
	for (i = 0; i < c->nrun; i++)
		if (pack_hook(b, &c->run[i]) != 0)
			return -1;
	pack_count(b, c->http, c->nhttp);
	for (i = 0; i < c->nhttp; i++) {
		h = &c->http[i];
		pack_str(b, h->url);
		pack_i64(b, h->status);
		pack_i64(b, h->max_ms);
		pack_str(b, h->contains);
		pack_str(b, h->equals);
		pack_i64(b, h->within);
	}
	return 0;
}

static void
unpack_checks(struct unpack *u, struct checks *c)
{
	struct http_check *h;
	size_t	 i;

	c->run = unpack_array(u, &c->nrun, sizeof *c->run);
	for (i = 0; i < c->nrun; i++)
		unpack_hook(u, &c->run[i]);
	c->http = unpack_array(u, &c->nhttp, sizeof *c->http);
	for (i = 0; i < c->nhttp; i++) {
		h = &c->http[i];
		h->url = unpack_str(u);
		h->status = unpack_i64(u);
		h->max_ms = unpack_i64(u);
		h->contains = unpack_str(u);
		h->equals = unpack_str(u);
		h->within = unpack_i64(u);
	}
}

int
plan_pack(const struct plan *p, struct buf *b)
{
	size_t	 i;

	pack_str(b, p->id);
	pack_str(b, p->title);
	pack_str(b, p->description);
	pack_str(b, p->owner);
	pack_u64(b, p->type);
	pack_strv(b, p->systems);
	pack_u64(b, p->impact);
	pack_i64(b, p->duration);
	pack_u64(b, p->has_not_before);
	pack_u64(b, p->has_not_after);
	pack_i64(b, p->not_before);
	pack_i64(b, p->not_after);
	pack_strv(b, p->depends_on);
	pack_u64(b, p->rollback_kind);
	pack_u64(b, p->data_migration);
	pack_u64(b, p->tested_in_staging);
	if (pack_hook(b, &p->backup) != 0)
		return -1;
	pack_count(b, p->steps, p->nsteps);
	for (i = 0; i < p->nsteps; i++) {
		pack_str(b, p->steps[i].name);
		if (pack_hook(b, &p->steps[i].hook) != 0)
			return -1;
	}
	if (pack_checks(b, &p->verify) != 0 ||
	    pack_checks(b, &p->precheck) != 0)
		return -1;
	pack_u64(b, p->execution);
	pack_u64(b, p->verify_after_rollback);
	return pack_hook(b, &p->rollback);
}

struct plan *
plan_unpack(struct unpack *u, const char *file)
{
	struct plan *p = xcalloc(1, sizeof *p);
	size_t	 i;

	p->file = xstrdup(file);
	p->id = unpack_str(u);
	p->title = unpack_str(u);
	p->description = unpack_str(u);
	p->owner = unpack_str(u);
	p->type = unpack_int(u, PLAN_EMERGENCY);
	p->systems = unpack_strv(u);
	p->impact = unpack_int(u, IMPACT_OUTAGE);
	p->duration = unpack_i64(u);
	p->has_not_before = unpack_int(u, 1);
	p->has_not_after = unpack_int(u, 1);
	p->not_before = unpack_i64(u);
	p->not_after = unpack_i64(u);
	p->depends_on = unpack_strv(u);
	p->rollback_kind = unpack_int(u, ROLLBACK_NONE);
	p->data_migration = unpack_int(u, 1);
	p->tested_in_staging = unpack_int(u, 1);
	unpack_hook(u, &p->backup);
	p->steps = unpack_array(u, &p->nsteps, sizeof *p->steps);
	for (i = 0; i < p->nsteps; i++) {
		p->steps[i].name = unpack_str(u);
		unpack_hook(u, &p->steps[i].hook);
	}
	unpack_checks(u, &p->verify);
	unpack_checks(u, &p->precheck);
	p->execution = unpack_int(u, EXEC_AUTOMATIC);
	p->verify_after_rollback = unpack_int(u, 1);
	unpack_hook(u, &p->rollback);
	if (p->systems == NULL)
		p->systems = xcalloc(1, sizeof *p->systems);
	if (!unpack_done(u)) {
		plan_free(p);
		return NULL;
	}
	return p;
}
