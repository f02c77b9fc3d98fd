/* check: validate the policy and every plan of a tree */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "field.h"
#include "parallel.h"
#include "pcache.h"
#include "plan.h"
#include "plan-pack.h"
#include "policy.h"
#include "repo.h"
#include "signers.h"
#include "util.h"

/* Cached result of resolving one hook path in the tree. */
struct hook_seen {
	char	*path;
	enum repo_path res;
	unsigned mode;
	struct hook_seen *next;
};

struct checker {
	struct repo *repo;
	struct repo_tree *tree;
	struct check_result *res;
	struct diags *diags;
	struct pcache *cache;	/* parsed plans by blob id */
	struct hook_seen *hooks[1024];
	char	**stems;	/* every plans/<stem>.json, sorted */
	size_t	 nstems;
};

/*
 * offpeak.json must be a regular file and plans/ a directory: anything else
 * is reported here (and 1 returned when the policy is not worth reading).
 */
static int
check_top_shapes(struct checker *c, char **cause)
{
	struct repo_entry *ents;
	size_t	 n, i;
	int	 bad = 0;

	if (repo_tree_list(c->tree, "", &ents, &n, cause) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (strcmp(ents[i].name, POLICY_FILE) == 0 &&
		    ents[i].mode != 0100644 && ents[i].mode != 0100755) {
			diags_add(c->diags, POLICY_FILE, 0, 0, "not a regular "
			    "file (%s)", ents[i].mode == 040000 ? "a directory" :
			    ents[i].mode == 0120000 ? "a symlink" : "a submodule");
			bad = 1;
		}
		if (strcmp(ents[i].name, PLAN_DIR) == 0 && ents[i].mode != 040000)
			diags_add(c->diags, PLAN_DIR, 0, 0, "must be a directory "
			    "of <id>.json files");
	}
	repo_entries_free(ents, n);
	return bad;
}

static int
read_policy(struct checker *c, char **cause)
{
	char	*text;
	size_t	 size;
	int	 rc;

	if ((rc = check_top_shapes(c, cause)) != 0)
		return rc < 0 ? -1 : 0;
	rc = repo_tree_read(c->tree, POLICY_FILE, CHECK_MAX_FILE, &text, &size,
	    NULL, cause);
	if (rc == -1)
		return -1;
	if (rc == 1)
		diags_add(c->diags, POLICY_FILE, 0, 0, "missing: a plan "
		    "repository needs a policy file at its top level");
	else if (rc == 2)
		diags_add(c->diags, POLICY_FILE, 0, 0, "file is %zu bytes; "
		    "at most %d are allowed", size, CHECK_MAX_FILE);
	else {
		c->res->policy = policy_parse(POLICY_FILE, text, size, c->diags);
		free(text);
	}
	return 0;
}

/* The allowed-signers file the policy names: there, and well formed. */
static int
check_signers(struct checker *c, char **cause)
{
	const struct policy *pol = c->res->policy;
	struct signers sg;
	char	*text;
	size_t	 size;
	int	 rc;

	if (pol == NULL || pol->allowed_signers == NULL)
		return 0;
	rc = repo_tree_read(c->tree, pol->allowed_signers, CHECK_MAX_FILE, &text,
	    &size, NULL, cause);
	if (rc == -1)
		return -1;
	if (rc == 1)
		diags_add(c->diags, POLICY_FILE, 0, 0, "the allowed-signers file "
		    "'%s' is not on the branch", pol->allowed_signers);
	else if (rc == 2)
		diags_add(c->diags, pol->allowed_signers, 0, 0, "file is %zu "
		    "bytes; at most %d are allowed", size, CHECK_MAX_FILE);
	else {
		signers_parse(&sg, pol->allowed_signers, text, size, c->diags);
		if (sg.n == 0 && pol->signing == SIGNING_REQUIRED &&
		    !diags_full(c->diags, pol->allowed_signers))
			diags_add(c->diags, pol->allowed_signers, 0, 0, "signing "
			    "is required but the file names no usable key");
		signers_release(&sg);
		free(text);
	}
	return 0;
}

/* The plan's text, read again from its blob when it came from the cache. */
static void
plan_text(struct repo *repo, struct plan *p)
{
	char	*why = NULL;

	if (p->text == NULL && repo_blob_read(repo, p->blob, CHECK_MAX_FILE,
	    &p->text, &p->len, &why) != 0) {
		p->text = NULL;
		p->len = 0;
		free(why);
	}
}

/*
 * A plan parsed before from the same blob, by this executable: the parse
 * cache keeps only plans that parsed without a problem. The blob must
 * still be in the repository (a push that lacks it is broken).
 */
static struct plan *
cached_plan(struct checker *c, const char *path, const char *oid)
{
	struct unpack u;
	struct plan *p;

	if (!pcache_get(c->cache, oid, &u) || !repo_blob_exists(c->repo, oid) ||
	    (p = plan_unpack(&u, path)) == NULL)
		return NULL;
	memcpy(p->blob, oid, sizeof p->blob);
	return p;
}

/* Does the packed plan unpack into one that packs the same? */
static int
plan_repacks(const struct buf *b, const char *path)
{
	struct unpack u;
	struct plan *p;
	struct buf again;
	int	 same;

	unpack_init(&u, b->data, b->len);
	if ((p = plan_unpack(&u, path)) == NULL)
		return 0;
	buf_init(&again);
	same = plan_pack(p, &again) == 0 && again.len == b->len &&
	    memcmp(again.data, b->data, b->len) == 0;
	buf_release(&again);
	plan_free(p);
	return same;
}

/* Parse a plan's text (taken); keep a clean parse in the cache. */
static struct plan *
parse_plan(struct checker *c, const char *path, const char *oid, char *text,
    size_t size, struct diags *diags)
{
	struct plan *p;
	struct buf b;
	size_t	 before = diags->n;

	if ((p = plan_parse_take(path, text, size, diags)) == NULL)
		return NULL;
	memcpy(p->blob, oid, sizeof p->blob);
	if (diags->n != before)
		return p;	/* its text stays for the messages to come */
	if (c->cache != NULL) {
		buf_init(&b);
		if (plan_pack(p, &b) == 0 && plan_repacks(&b, path))
			pcache_put(c->cache, oid, &b);
		buf_release(&b);
	}
	/* a clean plan's text is read again if a message needs a place */
	free(p->text);
	p->text = NULL;
	p->len = 0;
	return p;
}

/* Read one entry of plans/; NULL when it is not a readable plan. */
static struct plan *
read_plan(struct checker *c, struct diags *diags, const struct repo_entry *e,
    char **cause)
{
	char	*path, *text, *stem;
	size_t	 size;
	struct plan *p = NULL;
	int	 rc;

	path = xasprintf(PLAN_DIR "/%s", e->name);
	if (!str_endswith(e->name, ".json") || e->mode == 040000) {
		diags_add(diags, path, 0, 0, "not a plan: plans/ holds only "
		    "<id>.json files");
		goto out;
	}
	if (e->mode != 0100644 && e->mode != 0100755) {
		diags_add(diags, path, 0, 0, "not a regular file "
		    "(plans may not be symlinks or submodules)");
		goto out;
	}
	stem = xstrndup(e->name, strlen(e->name) - 5);
	if ((p = cached_plan(c, path, e->oid)) != NULL) {
		rc = 0;
		text = NULL;
		size = 0;
	} else
		rc = repo_blob_read(c->repo, e->oid, CHECK_MAX_FILE, &text,
		    &size, cause);
	if (rc == -1) {
		free(stem);
		free(path);
		return (struct plan *)-1;
	}
	if (rc == 1)
		diags_add(diags, path, 0, 0, "its blob %.12s is missing from the "
		    "repository (a broken or partial push)", e->oid);
	else if (rc == 2)
		diags_add(diags, path, 0, 0, "file is %zu bytes; at most %d "
		    "are allowed", size, CHECK_MAX_FILE);
	else if (!name_valid(stem))
		diags_add(diags, path, 0, 0, "file name '%s' is not a valid "
		    "plan id (^[a-z0-9][a-z0-9._-]{0,63}$)", stem);
	if (rc == 0 && p == NULL)
		p = parse_plan(c, path, e->oid, text, size, diags);
	if (rc == 0 && p != NULL) {
		if (p->id != NULL && name_valid(stem) && strcmp(p->id, stem) != 0) {
			struct jseg id = { "id", 0 };
			int line = 0, col = 0;
			plan_text(c->repo, p);
			if (p->text != NULL)
				jsonloc_find(p->text, p->len, &id, 1, 0, &line,
				    &col);
			diags_add(diags, path, line, col, "id: '%s' differs "
			    "from the file name (want '%s')", p->id, stem);
		}
	}
	free(stem);
out:
	free(path);
	return p;
}

static int
plan_cmp(const void *a, const void *b)
{
	const struct plan *pa = *(struct plan *const *)a;
	const struct plan *pb = *(struct plan *const *)b;
	int	 c;

	c = strcmp(pa->id != NULL ? pa->id : "", pb->id != NULL ? pb->id : "");
	return c != 0 || pa->file == NULL || pb->file == NULL ? c :
	    strcmp(pa->file, pb->file);
}

/* Plans are read and parsed by a few threads: parsing is most of check. */
struct plan_reader {
	struct checker *c;
	const struct repo_entry *ents;
	struct plan **out;	/* indexed like ents */
	struct diags *diags;	/* one per worker */
	char	**cause;	/* one per worker: set when reading failed */
};

static void
read_one(size_t i, size_t worker, void *arg)
{
	struct plan_reader *r = arg;
	struct plan *p;

	if (r->cause[worker] != NULL)
		return;
	p = read_plan(r->c, &r->diags[worker], &r->ents[i], &r->cause[worker]);
	r->out[i] = p == (struct plan *)-1 ? NULL : p;
}

static int
read_parallel(struct checker *c, const struct repo_entry *ents, size_t n,
    struct plan **out, char **cause)
{
	struct plan_reader r;
	size_t	 k = parallel_workers(n), i;
	int	 rc = 0;

	r.c = c;
	r.ents = ents;
	r.out = out;
	r.diags = xcalloc(k, sizeof *r.diags);
	r.cause = xcalloc(k, sizeof *r.cause);
	parallel_for(n, read_one, &r);
	for (i = 0; i < k; i++) {
		diags_merge_take(c->diags, &r.diags[i]);
		if (r.cause[i] != NULL && rc == 0) {
			*cause = r.cause[i];
			rc = -1;
		} else
			free(r.cause[i]);
	}
	free(r.diags);
	free(r.cause);
	return rc;
}

static int
read_plans(struct checker *c, char **cause)
{
	struct repo_entry *ents;
	struct plan **out;
	size_t	 n, i;
	int	 rc;

	rc = repo_tree_list(c->tree, PLAN_DIR, &ents, &n, cause);
	if (rc == -1)
		return -1;
	c->res->plans = xcalloc(n + 1, sizeof *c->res->plans);
	c->stems = xcalloc(n + 1, sizeof *c->stems);
	for (i = 0; i < n; i++) {
		if (str_endswith(ents[i].name, ".json"))
			c->stems[c->nstems++] = xstrndup(ents[i].name,
			    strlen(ents[i].name) - 5);
	}
	out = xcalloc(n + 1, sizeof *out);
	c->cache = pcache_open(c->repo, "plans");
	rc = read_parallel(c, ents, n, out, cause);
	pcache_close(c->cache);
	c->cache = NULL;
	for (i = 0; i < n; i++) {
		if (out[i] != NULL)
			c->res->plans[c->res->nplans++] = out[i];
	}
	free(out);
	repo_entries_free(ents, n);
	array_sort(c->res->plans, c->res->nplans, sizeof *c->res->plans, plan_cmp);
	return rc;
}

/* Report a problem at a place in a plan's text. */
static void
plan_error(struct checker *c, const struct plan *p, const struct jseg *path,
    size_t depth, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
plan_error(struct checker *c, const struct plan *p, const struct jseg *path,
    size_t depth, const char *fmt, ...)
{
	va_list	 ap;
	int	 line = 0, col = 0;

	if (diags_full(c->diags, p->file)) {
		diags_add_take(c->diags, p->file, 0, 0, xstrdup(""));
		return;	/* counted; placing it would walk the whole text */
	}
	plan_text(c->repo, (struct plan *)p);
	if (p->text == NULL ||
	    jsonloc_find(p->text, p->len, path, depth, 0, &line, &col) != 0)
		line = col = 0;
	va_start(ap, fmt);
	diags_add_take(c->diags, p->file, line, col, xvasprintf(fmt, ap));
	va_end(ap);
}

static struct plan *
find_plan(struct check_result *r, const char *id)
{
	struct plan key, *kp = &key, **found;

	key.id = (char *)id;
	key.file = NULL;
	found = bsearch(&kp, r->plans, r->nplans, sizeof *r->plans, plan_cmp);
	return found != NULL ? *found : NULL;
}

static size_t
plan_index(struct check_result *r, const char *id)
{
	struct plan key, *kp = &key, **found;

	key.id = (char *)id;
	key.file = NULL;
	found = bsearch(&kp, r->plans, r->nplans, sizeof *r->plans, plan_cmp);
	return found != NULL ? (size_t)(found - r->plans) : (size_t)-1;
}

static void
check_duplicate_ids(struct checker *c)
{
	struct check_result *r = c->res;
	static const struct jseg id = { "id", 0 };
	size_t	 i;

	for (i = 1; i < r->nplans; i++) {
		if (r->plans[i]->id != NULL && r->plans[i - 1]->id != NULL &&
		    strcmp(r->plans[i]->id, r->plans[i - 1]->id) == 0)
			plan_error(c, r->plans[i], &id, 1, "id: '%s' is also "
			    "the id of %s", r->plans[i]->id, r->plans[i - 1]->file);
	}
}

/* The distinct groups of a plan's known systems, NULL-terminated. */
static char **
plan_groups(const struct policy *pol, const struct plan *p)
{
	const struct system *s;
	size_t	 i, j, n = 0;
	char	**g = xcalloc(strv_len(p->systems) + 1, sizeof *g);

	for (i = 0; p->systems[i] != NULL; i++) {
		if ((s = policy_system(pol, p->systems[i])) == NULL ||
		    s->group == NULL)
			continue;
		for (j = 0; j < n && strcmp(g[j], s->group) != 0; j++)
			;
		if (j == n)
			g[n++] = s->group;
	}
	return g;
}

static void
check_systems_and_windows(struct checker *c, struct plan *p)
{
	const struct policy *pol = c->res->policy;
	const struct window_def *best = NULL;
	struct jseg at[2] = { { "systems", 0 }, { NULL, 0 } };
	char	**groups, *want, *have;
	size_t	 i;
	int	 unknown = 0;

	for (i = 0; p->systems[i] != NULL; i++) {
		if (policy_system(pol, p->systems[i]) == NULL) {
			at[1].index = i;
			plan_error(c, p, at, 2, "systems[%zu]: '%s' is not in "
			    "the policy's inventory", i, p->systems[i]);
			unknown = 1;
		}
	}
	if (unknown || p->systems[0] == NULL || p->duration <= 0 ||
	    pol->nwindows == 0)
		return;
	groups = plan_groups(pol, p);
	for (i = 0; i < pol->nwindows; i++) {
		const struct window_def *w = &pol->windows[i];
		if (w->name != NULL && window_covers(w, groups) &&
		    (best == NULL || w->duration > best->duration))
			best = w;
	}
	if (best == NULL) {
		char *list = strv_join((const char *const *)groups, ", ");
		plan_error(c, p, at, 1, "systems: no off-peak window is open "
		    "to all of the plan's groups (%s)", list);
		free(list);
	} else if (best->duration < p->duration) {
		at[0].key = "duration";
		want = dur_human(p->duration);
		have = dur_human(best->duration);
		plan_error(c, p, at, 1, "duration: %s is longer than every "
		    "window open to its systems (longest: '%s', %s)", want,
		    best->name, have);
		free(want);
		free(have);
	}
	free(groups);
}

/* Is there a plan file of that name (even one that does not parse)? */
static int
has_stem(const struct checker *c, const char *id)
{
	size_t	 i;

	for (i = 0; i < c->nstems; i++) {
		if (strcmp(c->stems[i], id) == 0)
			return 1;
	}
	return 0;
}

static void
check_depends(struct checker *c, struct plan *p)
{
	struct jseg at[2] = { { "depends_on", 0 }, { NULL, 0 } };
	size_t	 i;

	for (i = 0; p->depends_on[i] != NULL; i++) {
		at[1].index = i;
		if (p->id != NULL && strcmp(p->depends_on[i], p->id) == 0)
			plan_error(c, p, at, 2, "depends_on[%zu]: a plan cannot "
			    "depend on itself", i);
		else if (find_plan(c->res, p->depends_on[i]) == NULL &&
		    !has_stem(c, p->depends_on[i]))
			plan_error(c, p, at, 2, "depends_on[%zu]: no plan has "
			    "the id '%s'", i, p->depends_on[i]);
	}
}

/* Report the cycle stack[from..top] closed by an edge back to stack[from]. */
static void
report_cycle(struct checker *c, const size_t *stack, size_t from, size_t top)
{
	struct buf b = BUF_INIT;
	struct plan *first = c->res->plans[stack[from]];
	struct jseg at = { "depends_on", 0 };
	size_t	 i;

	for (i = from; i <= top; i++)
		buf_addf(&b, "%s -> ", c->res->plans[stack[i]]->id);
	buf_adds(&b, first->id);
	plan_error(c, first, &at, 1, "depends_on: dependency cycle: %s",
	    buf_str(&b));
	buf_release(&b);
}

/* Depth-first search without recursion: chains may be thousands long. */
static void
check_cycles(struct checker *c)
{
	struct check_result *r = c->res;
	size_t	 n = r->nplans, top, root, dep, *stack, *edge, *pos;
	unsigned char *color;
	struct plan *p;

	stack = xcalloc(n + 1, sizeof *stack);
	edge = xcalloc(n + 1, sizeof *edge);
	pos = xcalloc(n + 1, sizeof *pos);
	color = xcalloc(n + 1, 1);
	for (root = 0; root < n; root++) {
		if (color[root] != 0 || r->plans[root]->id == NULL)
			continue;
		top = 0;
		stack[0] = root;
		edge[0] = 0;
		pos[root] = 0;
		color[root] = 1;
		for (;;) {
			p = r->plans[stack[top]];
			if (p->depends_on[edge[top]] == NULL) {
				color[stack[top]] = 2;
				if (top-- == 0)
					break;
				continue;
			}
			dep = plan_index(r, p->depends_on[edge[top]++]);
			if (dep == (size_t)-1 || dep == stack[top])
				continue;
			if (color[dep] == 1)
				report_cycle(c, stack, pos[dep], top);
			else if (color[dep] == 0) {
				stack[++top] = dep;
				edge[top] = 0;
				pos[dep] = top;
				color[dep] = 1;
			}
		}
	}
	free(stack);
	free(edge);
	free(pos);
	free(color);
}

/* Syntax of a hook path (path_problem), said with what a hook is. */
static const char *
hook_path_problem(const char *path, char *buf, size_t size)
{
	const char *why = path_problem(path, 0);

	if (why == NULL || strstr(why, "component") != NULL)
		return why;
	snprintf(buf, size, "%s; a hook is %s", why, str_endswith(path, "/") ?
	    "a file" : "a path inside the repository");
	return buf;
}

static struct hook_seen *
resolve_hook(struct checker *c, const char *path)
{
	uint64_t h = hash_str(path) % nitems(c->hooks);
	struct hook_seen *s;

	for (s = c->hooks[h]; s != NULL; s = s->next) {
		if (strcmp(s->path, path) == 0)
			return s;
	}
	s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	s->res = repo_tree_resolve(c->tree, path, &s->mode);
	s->next = c->hooks[h];
	c->hooks[h] = s;
	return s;
}

/* What is wrong with a hook path at this tree, or NULL. */
static const char *
hook_problem(struct checker *c, const char *path, char *buf, size_t size)
{
	struct hook_seen *s;
	const char *why;

	if ((why = hook_path_problem(path, buf, size)) != NULL)
		return why;
	s = resolve_hook(c, path);
	switch (s->res) {
	case REPO_PATH_OK:
		if (s->mode == 0100755)
			return NULL;
		snprintf(buf, size, "is not executable (mode %o; want 100755)",
		    s->mode);
		return buf;
	case REPO_PATH_MISSING:
		return "does not exist at this revision";
	case REPO_PATH_ESCAPES:
		return "points outside the repository through a symlink";
	case REPO_PATH_LOOP:
		return "is a symlink loop";
	case REPO_PATH_NOTFILE:
		return "is not a file";
	}
	return NULL;
}

static void
check_hook(struct plan *p, struct hook *h, void *arg)
{
	struct checker *c = arg;
	const char *path = h->argv[0], *why;
	char	*where, modebuf[96];

	if ((why = hook_problem(c, path, modebuf, sizeof modebuf)) == NULL)
		return;
	where = jseg_format(h->where, h->depth);
	plan_error(c, p, h->where, h->depth, "%s: hook '%s' %s", where, path,
	    why);
	free(where);
}

/* The policy's prechecks run hooks of the tree too. */
static void
check_policy_hooks(struct checker *c)
{
	const struct policy *pol = c->res->policy;
	const char *why;
	char	 modebuf[96];
	size_t	 i, j;

	for (i = 0; pol != NULL && i < pol->nprechecks; i++) {
		for (j = 0; j < pol->prechecks[i].checks.nrun; j++) {
			const char *path = pol->prechecks[i].checks.run[j].argv[0];

			if ((why = hook_problem(c, path, modebuf,
			    sizeof modebuf)) != NULL)
				diags_add(c->diags, POLICY_FILE, 0, 0,
				    "precheck[%zu].run[%zu]: hook '%s' %s", i, j,
				    path, why);
		}
	}
}

static void
check_plan(struct checker *c, struct plan *p)
{
	if (c->res->policy != NULL)
		check_systems_and_windows(c, p);
	check_depends(c, p);
	plan_foreach_hook(p, check_hook, c);
}

static void
free_hook_cache(struct checker *c)
{
	struct hook_seen *s, *next;
	size_t	 i;

	for (i = 0; i < nitems(c->hooks); i++) {
		for (s = c->hooks[i]; s != NULL; s = next) {
			next = s->next;
			free(s->path);
			free(s);
		}
	}
}

int
check_tree(struct repo *repo, struct repo_tree *tree, struct check_result *r,
    char **cause)
{
	struct checker c;
	size_t	 i;
	int	 rc = -1;

	memset(r, 0, sizeof *r);
	diags_init(&r->diags);
	memset(&c, 0, sizeof c);
	c.repo = repo;
	c.tree = tree;
	c.res = r;
	c.diags = &r->diags;
	if (read_policy(&c, cause) != 0 || check_signers(&c, cause) != 0 ||
	    read_plans(&c, cause) != 0)
		goto out;
	check_duplicate_ids(&c);
	check_policy_hooks(&c);
	for (i = 0; i < r->nplans; i++)
		check_plan(&c, r->plans[i]);
	check_cycles(&c);
	diags_sort(&r->diags);
	rc = 0;
out:
	free_hook_cache(&c);
	strv_free(c.stems);
	return rc;
}

void
check_result_release(struct check_result *r)
{
	size_t	 i;

	policy_free(r->policy);
	for (i = 0; i < r->nplans; i++)
		plan_free(r->plans[i]);
	free(r->plans);
	diags_release(&r->diags);
	memset(r, 0, sizeof *r);
}
