/* store: the state branch read into a struct state, and written back */
#include <stdlib.h>
#include <string.h>

#include "parallel.h"
#include "pcache.h"
#include "repo.h"
#include "state.h"
#include "state-pack.h"
#include "store.h"
#include "util.h"

#define STATE_MAX_FILE (4 * 1024 * 1024)
#define APPROVAL_MAX_N	999999999	/* approvals/<id>/<n>.json: 1 to this */

/*
 * An entry of the state branch that offpeak does not write (a name that
 * is no plan id, not UTF-8, not <n>.json) is left alone: never read into
 * the state, so never written back from it, and said once.
 */
static void
skip_entry(struct state *st, const char *dir, const char *name,
    const char *why)
{
	char	*q = str_quote(name, 80);
	size_t	 n = strv_len(st->warnings);

	st->warnings = xreallocarray(st->warnings, n + 2, sizeof *st->warnings);
	st->warnings[n] = xasprintf("state branch: '%s/%s' is not read: %s",
	    dir, q, why);
	st->warnings[n + 1] = NULL;
	free(q);
}

/* Is name "<id>.json" with a valid plan id? */
static int
state_name_valid(const char *name)
{
	size_t	 n = strlen(name);
	char	*id;
	int	 ok;

	if (n <= 5 || !str_endswith(name, ".json"))
		return 0;
	id = xstrndup(name, n - 5);
	ok = name_valid(id);
	free(id);
	return ok;
}

/* The number of an approval file "<n>.json", 1 to APPROVAL_MAX_N; or 0. */
static int
approval_number(const char *name)
{
	size_t	 d = strspn(name, "0123456789");

	if (d == 0 || d > 9 || name[0] == '0' || strcmp(name + d, ".json") != 0)
		return 0;
	return atoi(name);
}

/* State files are read and parsed by a few threads, like plans. */
struct state_reader {
	struct repo *repo;
	const char *dir;		/* "state", "archive/state" */
	const struct repo_entry *ents;
	struct plan_state **out;	/* indexed like ents; NULL: skipped */
	char	**cause;		/* one per worker */
	struct pcache *cache;		/* parsed states by blob id */
};

/* The state of a blob parsed before, by this executable; or NULL. */
static struct plan_state *
cached_state(struct state_reader *r, const char *oid, const char *id)
{
	struct plan_state *ps;
	struct unpack u;

	if (!pcache_get(r->cache, oid, &u) || !repo_blob_exists(r->repo, oid))
		return NULL;
	ps = plan_state_new(id);
	if (state_unpack(&u, ps) != 0) {
		plan_state_free(ps);
		return NULL;
	}
	return ps;
}

static void
keep_state(struct state_reader *r, const char *oid,
    const struct plan_state *ps)
{
	struct buf b;

	if (r->cache == NULL)
		return;
	buf_init(&b);
	state_pack(ps, &b);
	if (state_repacks(&b, ps->id))
		pcache_put(r->cache, oid, &b);
	buf_release(&b);
}

static void
load_state_file(size_t i, size_t worker, void *arg)
{
	struct state_reader *r = arg;
	const struct repo_entry *e = &r->ents[i];
	struct plan_state *ps;
	char	*text, *id, *why;
	size_t	 len;
	int	 rc;

	if (r->cause[worker] != NULL || !state_name_valid(e->name))
		return;
	id = xstrndup(e->name, strlen(e->name) - 5);
	if ((r->out[i] = cached_state(r, e->oid, id)) != NULL) {
		free(id);
		return;
	}
	free(id);
	rc = repo_blob_read(r->repo, e->oid, STATE_MAX_FILE, &text, &len,
	    &r->cause[worker]);
	if (rc != 0) {
		if (rc > 0)
			r->cause[worker] = xasprintf("state branch: '%s/%s' %s",
			    r->dir, e->name, rc == 1 ? "is missing from the repository" :
			    "is too large");
		return;
	}
	id = xstrndup(e->name, strlen(e->name) - 5);
	ps = plan_state_new(id);
	if (state_from_json(ps, text, len, &why) != 0) {
		r->cause[worker] = xasprintf("state branch: cannot read "
		    "'%s/%s': %s", r->dir, e->name, why);
		free(why);
		plan_state_free(ps);
	} else {
		keep_state(r, e->oid, ps);
		r->out[i] = ps;
	}
	free(text);
	free(id);
}

static int
load_states(struct repo *repo, struct repo_tree *tree, const char *base,
    struct state *st, char **cause)
{
	char	*dir = xasprintf("%sstate", base);
	struct state_reader r;
	struct repo_entry *ents;
	size_t	 n, i, k, m = 0;
	int	 rc = 0;

	if (repo_tree_list(tree, dir, &ents, &n, cause) == -1) {
		free(dir);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!state_name_valid(ents[i].name))
			skip_entry(st, dir, ents[i].name, "not <plan id>.json");
		else if (ents[i].mode != 0100644 && ents[i].mode != 0100755)
			skip_entry(st, dir, ents[i].name, "not a file");
	}
	k = parallel_workers(n);
	r.repo = repo;
	r.dir = dir;
	r.ents = ents;
	r.out = xcalloc(n + 1, sizeof *r.out);
	r.cause = xcalloc(k, sizeof *r.cause);
	r.cache = pcache_open(repo, *base == '\0' ? "state" : "archive-state");
	parallel_for(n, load_state_file, &r);
	pcache_close(r.cache);
	for (i = 0; i < k; i++) {
		if (r.cause[i] != NULL && rc == 0) {
			*cause = r.cause[i];
			rc = -1;
		} else
			free(r.cause[i]);
	}
	for (i = 0; i < n; i++) {
		if (r.out[i] == NULL)
			continue;
		if (rc == 0)
			r.out[m++] = r.out[i];
		else
			plan_state_free(r.out[i]);
	}
	if (rc == 0)
		state_adopt(st, r.out, m);
	else
		free(r.out);
	free(r.cause);
	free(dir);
	repo_entries_free(ents, n);
	return rc;
}

/* An approval file parsed before, by this executable: 1 with *a filled. */
static int
cached_approval(struct repo *repo, struct pcache *cache, const char *oid,
    struct approval *a)
{
	struct unpack u;

	if (!pcache_get(cache, oid, &u) || !repo_blob_exists(repo, oid))
		return 0;
	if (approval_unpack(&u, a) != 0) {
		approval_release(a);
		return 0;
	}
	return 1;
}

static void
keep_approval(struct pcache *cache, const char *oid, const struct approval *a)
{
	struct buf b;

	if (cache == NULL)
		return;
	buf_init(&b);
	approval_pack(a, &b);
	if (approval_repacks(&b))
		pcache_put(cache, oid, &b);
	buf_release(&b);
}

static int
load_approvals_of(struct repo *repo, struct pcache *cache,
    struct repo_tree *tree, const char *base, struct state *st, const char *id,
    char **cause)
{
	struct repo_entry *ents;
	struct plan_state *ps;
	struct approval *a;
	char	*dir, *text, *why;
	size_t	 n, i, len;
	int	 rc = 0;

	dir = xasprintf("%sapprovals/%s", base, id);
	if (repo_tree_list(tree, dir, &ents, &n, cause) == -1) {
		free(dir);
		return -1;
	}
	ps = state_get(st, id);
	ps->approvals = xreallocarray(ps->approvals, ps->napprovals + n + 1,
	    sizeof *ps->approvals);
	for (i = 0; i < n && rc == 0; i++) {
		if (approval_number(ents[i].name) == 0 ||
		    (ents[i].mode != 0100644 && ents[i].mode != 0100755)) {
			skip_entry(st, dir, ents[i].name, "not a file <n>.json "
			    "with n from 1 to 999999999");
			continue;
		}
		a = &ps->approvals[ps->napprovals];
		memset(a, 0, sizeof *a);
		if (cached_approval(repo, cache, ents[i].oid, a)) {
			a->n = approval_number(ents[i].name);
			a->saved = 1;
			ps->napprovals++;
			continue;
		}
		if (repo_blob_read(repo, ents[i].oid, STATE_MAX_FILE, &text,
		    &len, cause) != 0) {
			rc = -1;
			break;
		}
		a->n = approval_number(ents[i].name);
		a->saved = 1;
		if (approval_from_json(a, text, len, &why) != 0) {
			*cause = xasprintf("state branch: cannot read '%s/%s': %s",
			    dir, ents[i].name, why);
			free(why);
			rc = -1;
		} else {
			keep_approval(cache, ents[i].oid, a);
			ps->napprovals++;
		}
		free(text);
	}
	repo_entries_free(ents, n);
	free(dir);
	return rc;
}

static int
approval_cmp(const void *a, const void *b)
{
	return ((const struct approval *)a)->n - ((const struct approval *)b)->n;
}

/* The states and approvals under base ("" or "archive/") of a tree. */
static int
load_tree(struct repo *repo, struct repo_tree *tree, const char *base,
    struct state *st, char **cause)
{
	struct repo_entry *ents;
	char	*dir = xasprintf("%sapprovals", base);
	size_t	 n, i;
	struct pcache *cache;
	int	 rc;

	rc = load_states(repo, tree, base, st, cause);
	if (rc != -1 && (rc = repo_tree_list(tree, dir, &ents, &n,
	    cause)) != -1) {
		cache = pcache_open(repo, *base == '\0' ? "approvals" :
		    "archive-approvals");
		for (i = 0; rc != -1 && i < n; i++) {
			if (ents[i].mode != 040000 || !name_valid(ents[i].name))
				skip_entry(st, dir, ents[i].name,
				    "not a directory named by a plan id");
			else if (*base != '\0' &&
			    state_find(st, ents[i].name) == NULL)
				skip_entry(st, dir, ents[i].name,
				    "no archived state of that plan");
			else
				rc = load_approvals_of(repo, cache, tree, base, st,
				    ents[i].name, cause);
		}
		pcache_close(cache);
		repo_entries_free(ents, n);
	}
	for (i = 0; i < st->n; i++)
		array_sort(st->items[i]->approvals, st->items[i]->napprovals,
		    sizeof *st->items[i]->approvals, approval_cmp);
	free(dir);
	return rc == -1 ? -1 : 0;
}

int
store_load(struct repo *repo, struct state *st, char **cause)
{
	struct repo_tree *tree;
	int	 rc;

	if ((rc = repo_ref_commit(repo, STATE_BRANCH, st->commit, cause)) != 0)
		return rc == 1 ? 0 : -1;
	if ((tree = repo_tree_at(repo, st->commit, cause)) == NULL)
		return -1;
	rc = load_tree(repo, tree, "", st, cause);
	repo_tree_free(tree);
	return rc;
}

int
store_load_archive(struct repo *repo, const struct state *st,
    struct state *out, char **cause)
{
	struct repo_tree *tree;
	int	 rc;

	memset(out, 0, sizeof *out);
	if (st->commit[0] == '\0')
		return 0;
	if ((tree = repo_tree_at(repo, st->commit, cause)) == NULL)
		return -1;
	rc = load_tree(repo, tree, "archive/", out, cause);
	repo_tree_free(tree);
	return rc;
}

struct repo_tree *
store_tree(struct repo *repo, const struct state *st, char **cause)
{
	if (st->commit[0] == '\0')
		return NULL;
	return repo_tree_at(repo, st->commit, cause);
}

/* Dirty states are serialised by a few threads: JSON building is costly. */
struct state_writer {
	struct plan_state **dirty;
	char	**text;
};

static void
serialise_one(size_t i, size_t worker, void *arg)
{
	struct state_writer *w = arg;

	(void)worker;
	w->text[i] = state_to_json(w->dirty[i]);
}

/* New approvals get the next numbers after the plan's existing ones. */
static void
stage_approvals(struct repo_txn *txn, struct plan_state *ps)
{
	char	*path, *text;
	size_t	 j;
	int	 top = 0;

	for (j = 0; j < ps->napprovals; j++) {
		if (ps->approvals[j].n > top)
			top = ps->approvals[j].n;
	}
	for (j = 0; j < ps->napprovals; j++) {
		if (ps->approvals[j].saved)
			continue;
		ps->approvals[j].saved = 1;
		ps->approvals[j].n = ++top;
		path = xasprintf("approvals/%s/%d.json", ps->id, top);
		text = approval_to_json(&ps->approvals[j]);
		repo_txn_put(txn, path, text, strlen(text));
		free(text);
		free(path);
	}
}

/* Write dirty states and new approvals into the transaction. */
static void
stage_states(struct repo_txn *txn, struct state *st)
{
	struct state_writer w;
	char	*path;
	size_t	 i, n = 0;

	w.dirty = xcalloc(st->n + 1, sizeof *w.dirty);
	for (i = 0; i < st->n; i++) {
		stage_approvals(txn, st->items[i]);
		if (st->items[i]->dirty)
			w.dirty[n++] = st->items[i];
	}
	w.text = xcalloc(n + 1, sizeof *w.text);
	parallel_for(n, serialise_one, &w);
	for (i = 0; i < n; i++) {
		path = xasprintf("state/%s.json", w.dirty[i]->id);
		repo_txn_put_take(txn, path, w.text[i], strlen(w.text[i]));
		free(path);
	}
	free(w.text);
	free(w.dirty);
}

int
store_save(struct repo *repo, struct state *st, const struct store_file *extra,
    size_t nextra, int64_t now, int simulated, char *oid, char **cause)
{
	struct repo_txn *txn;
	struct buf msg = BUF_INIT;
	size_t	 i;
	int	 rc;

	oid[0] = '\0';
	if (st->log.len == 0 && nextra == 0)
		return 0;
	txn = repo_txn_new(repo, st->commit);
	stage_states(txn, st);
	for (i = 0; i < nextra; i++) {
		if (extra[i].data == NULL)
			repo_txn_remove(txn, extra[i].path);
		else
			repo_txn_put(txn, extra[i].path, extra[i].data, extra[i].len);
	}
	/* one transition: it is the subject; more: a summary, then each */
	if (st->nlog != 1)
		buf_addf(&msg, "%s: %zu transition%s\n\n", st->command != NULL ?
		    st->command : "offpeak", st->nlog, st->nlog == 1 ? "" : "s");
	buf_adds(&msg, buf_str(&st->log));
	if (simulated || st->plans[0] != '\0')
		buf_addc(&msg, '\n');
	if (st->plans[0] != '\0')
		buf_addf(&msg, "Offpeak-Plans: %s\n", st->plans);
	if (simulated)
		buf_adds(&msg, "Offpeak-Clock: simulated\n");
	rc = repo_txn_commit(txn, STATE_BRANCH, buf_str(&msg), now, oid, cause);
	repo_txn_free(txn);
	buf_release(&msg);
	if (rc == 0) {
		memcpy(st->commit, oid, sizeof st->commit);
		/* a process may commit again: start a fresh set of changes */
		for (i = 0; i < st->n; i++)
			st->items[i]->dirty = 0;
		buf_reset(&st->log);
		st->nlog = 0;
	}
	return rc;
}

int
store_read(struct repo *repo, const struct state *st, const char *path,
    char **text, size_t *len, char **cause)
{
	struct repo_tree *tree;
	int	 rc;

	if (st->commit[0] == '\0')
		return 1;
	if ((tree = repo_tree_cached(repo, st->commit, cause)) == NULL)
		return -1;
	rc = repo_tree_read(tree, path, STATE_MAX_FILE, text, len, NULL, cause);
	if (rc == 2) {
		*cause = xasprintf("state branch: '%s' is too large", path);
		rc = -1;
	}
	return rc;
}

int
store_list(struct repo *repo, const struct state *st, const char *dir,
    char ***names, char **cause)
{
	struct repo_tree *tree;
	struct repo_entry *ents;
	size_t	 n = 0, i;
	int	 rc;

	*names = NULL;
	if (st->commit[0] == '\0') {
		*names = xcalloc(1, sizeof **names);
		return 0;
	}
	if ((tree = repo_tree_cached(repo, st->commit, cause)) == NULL)
		return -1;
	rc = repo_tree_list(tree, dir, &ents, &n, cause);
	if (rc == -1)
		return -1;
	*names = xcalloc(n + 1, sizeof **names);
	for (i = 0; i < n; i++)
		(*names)[i] = xstrdup(ents[i].name);
	repo_entries_free(ents, n);
	return 0;
}

void
store_files_add(struct store_files *l, char *path, char *data, size_t len)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n].path = path;
	l->v[l->n].data = data;
	l->v[l->n].len = len;
	l->n++;
}

void
store_files_release(struct store_files *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++) {
		free((char *)l->v[i].path);
		free((char *)l->v[i].data);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
