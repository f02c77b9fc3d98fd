/*
 * guard: the rules every commit of the state branch keeps, checked by the
 * server's pre-receive hook on every push and by audit over the history
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "archive.h"
#include "datetime.h"
#include "diag.h"
#include "guard.h"
#include "icsfeed.h"
#include "plan.h"
#include "policy.h"
#include "record.h"
#include "repo.h"
#include "risk.h"
#include "sshsig.h"
#include "state.h"
#include "trust.h"
#include "util.h"
#include "window.h"

#define GUARD_MAX_FILE	(4 * 1024 * 1024)
#define GUARD_SKEW	300	/* seconds a commit may be dated ahead */
#define ZERO_OID	"0000000000000000000000000000000000000000"

/*
 * Expanded occurrences of a window or freeze over [from, to), kept while
 * the plans stay the same: a commit of ten thousand slots expands each
 * recurrence once, not once per slot.
 */
struct span_cache {
	int	 have;
	int64_t	 from, to;
	struct interval *iv;
	size_t	 n;
};
#define GUARD_SPAN_MARGIN	(400 * 86400)

/* The plans a state commit says it was made from, read once. */
struct guard_plans {
	char	 commit[41];
	struct repo_tree *tree;
	struct policy *pol;	/* NULL: offpeak.json unusable there */
	struct trust trust;
	char	*problem;	/* why they cannot be used, or NULL */
	struct span_cache *windows;	/* one per window of the policy */
	struct span_cache *freezes;	/* one per freeze (URL: per commit) */
	char	 feeds_of[41];	/* the state commit URL freezes were read at */
};

/* One state commit being checked. */
struct gcommit {
	struct guard *g;
	const char *id;
	const char *parent;	/* "" for a first commit */
	struct repo_commit_info ci;
	int64_t	 ptime;		/* the parent's commit time; 0 for none */
	struct repo_tree *tree, *ptree;	/* ptree NULL for none */
	struct guard_plans *plans;	/* NULL: no usable plans */
	char	**touched;	/* plan ids whose files changed */
	char	**new_approvals;	/* paths added under approvals/ */
	char	**new_records;	/* records/<id>/<run>.json added */
	int	 structural;	/* a problem that stops the semantic checks */
};

static void
problem(struct guard *g, const char *commit, const char *file,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
problem(struct guard *g, const char *commit, const char *file,
    const char *fmt, ...)
{
	struct guard_problem *p;
	va_list	 ap;

	g->v = xreallocarray(g->v, g->n + 1, sizeof *g->v);
	p = &g->v[g->n++];
	snprintf(p->commit, sizeof p->commit, "%s", commit);
	p->file = file != NULL ? xstrdup(file) : NULL;
	va_start(ap, fmt);
	p->rule = xvasprintf(fmt, ap);
	va_end(ap);
}

void
guard_init(struct guard *g, struct repo *repo, struct sshsig_cache *cache)
{
	memset(g, 0, sizeof *g);
	g->repo = repo;
	g->cache = cache;
}

static void
spans_free(struct span_cache *c, size_t n)
{
	size_t	 i;

	for (i = 0; c != NULL && i < n; i++)
		free(c[i].iv);
	free(c);
}

static void
plans_free(struct guard_plans *gp)
{
	if (gp == NULL)
		return;
	if (gp->pol != NULL) {
		spans_free(gp->windows, gp->pol->nwindows);
		spans_free(gp->freezes, gp->pol->nfreezes);
	}
	repo_tree_free(gp->tree);
	trust_release(&gp->trust);
	policy_free(gp->pol);
	free(gp->problem);
	free(gp);
}

void
guard_release(struct guard *g)
{
	size_t	 i;

	for (i = 0; i < g->n; i++) {
		free(g->v[i].file);
		free(g->v[i].rule);
	}
	free(g->v);
	plans_free(g->plans);
	memset(g, 0, sizeof *g);
}

/* --- the plans of a trailer */

/* trust's question: who signed the commit that made revision blob? */
struct origin_seen {
	const char *blob;
	char	 commit[41];
};

static void
origin_found(const char *name, const char *commit, const char *email,
    void *arg)
{
	struct origin_seen *o = arg;

	(void)name;
	(void)email;
	snprintf(o->commit, sizeof o->commit, "%s", commit);
}

static char *
plans_author(void *arg, const char *id, const char *blob, char **why)
{
	struct gcommit *gc = arg;
	struct guard_plans *gp = gc->plans;
	struct origin_seen o = { blob, "" };
	char	*names[2], *oid = xcalloc(1, 41), *data = NULL, *path;
	size_t	 len;
	int	 r;

	path = xasprintf("plans/%s.json", id);
	r = repo_tree_read(gp->tree, path, GUARD_MAX_FILE, &data, &len, oid, why);
	free(path);
	free(data);
	if (r != 0 || strcmp(oid, blob) != 0) {
		if (r >= 0 && *why == NULL)
			*why = xasprintf("revision %.12s is not the plan's in "
			    "commit %.12s", blob, gp->commit);
		free(oid);
		return NULL;
	}
	free(oid);
	names[0] = xasprintf("%s.json", id);
	names[1] = NULL;
	r = repo_blob_origins(gc->g->repo, gp->commit, "plans", names,
	    origin_found, &o, why);
	free(names[0]);
	if (r != 0 || o.commit[0] == '\0') {
		if (r == 0)
			*why = xasprintf("no commit of plans/%s.json was found", id);
		return NULL;
	}
	return trust_commit_signer(&gp->trust, gc->g->repo, o.commit, why);
}

static struct guard_plans *
plans_load(struct guard *g, const char *commit, char **cause)
{
	struct guard_plans *gp;
	struct diags d;
	char	*text = NULL, *signers = NULL, *why = NULL;
	size_t	 len = 0, slen = 0;
	int	 r, rs = 1;

	if (g->plans != NULL && strcmp(g->plans->commit, commit) == 0)
		return g->plans;
	plans_free(g->plans);
	g->plans = gp = xcalloc(1, sizeof *gp);
	snprintf(gp->commit, sizeof gp->commit, "%s", commit);
	if ((gp->tree = repo_tree_at(g->repo, commit, cause)) == NULL)
		return NULL;
	r = repo_tree_read(gp->tree, POLICY_FILE, GUARD_MAX_FILE, &text, &len,
	    NULL, cause);
	if (r == -1)
		return NULL;
	diags_init(&d);
	if (r == 0)
		gp->pol = policy_parse(POLICY_FILE, text, len, &d);
	free(text);
	if (gp->pol == NULL || d.n > 0) {
		gp->problem = xasprintf("the policy at plans commit %.12s does "
		    "not pass check", commit);
		policy_free(gp->pol);
		gp->pol = NULL;
	}
	diags_release(&d);
	if (gp->pol != NULL && gp->pol->allowed_signers != NULL &&
	    (rs = repo_tree_read(gp->tree, gp->pol->allowed_signers,
	    GUARD_MAX_FILE, &signers, &slen, NULL, &why)) == -1) {
		*cause = why;
		return NULL;
	}
	if (gp->pol != NULL) {
		trust_init(&gp->trust, gp->pol, rs == 0 ? signers : NULL, slen,
		    rs == 0 ? NULL : "the allowed-signers file is missing", g->cache);
		gp->windows = xcalloc(gp->pol->nwindows + 1, sizeof *gp->windows);
		gp->freezes = xcalloc(gp->pol->nfreezes + 1, sizeof *gp->freezes);
	}
	free(signers);
	free(why);
	return gp;
}

/* --- reading files of the two trees */

static int
read_file(struct repo_tree *t, const char *path, char **text, size_t *len,
    char **cause)
{
	int	 r;

	*text = NULL;
	if (t == NULL)
		return 1;
	r = repo_tree_read(t, path, GUARD_MAX_FILE, text, len, NULL, cause);
	if (r == 2) {
		*cause = xasprintf("'%s' is larger than %d bytes", path,
		    GUARD_MAX_FILE);
		return -1;
	}
	return r;
}

/* The plan state of id in a tree with its approvals: NULL when absent. */
static struct plan_state *
load_state(struct gcommit *gc, struct repo_tree *t, const char *id, int *bad)
{
	struct plan_state *ps;
	struct repo_entry *ents = NULL;
	struct approval a;
	char	*path = xasprintf("state/%s.json", id), *text, *why = NULL;
	size_t	 len, n = 0, i;
	int	 r;

	*bad = 0;
	if ((r = read_file(t, path, &text, &len, &why)) != 0) {
		if (r < 0) {
			problem(gc->g, gc->id, path, "%s", why);
			*bad = 1;
		}
		free(why);
		free(path);
		return NULL;
	}
	ps = plan_state_new(id);
	if (state_from_json(ps, text, len, &why) != 0) {
		if (t == gc->tree)
			problem(gc->g, gc->id, path, "not a plan state: %s", why);
		free(why);
		free(text);
		free(path);
		plan_state_free(ps);
		*bad = 1;
		return NULL;
	}
	free(text);
	free(path);
	path = xasprintf("approvals/%s", id);
	if (repo_tree_list(t, path, &ents, &n, &why) == -1) {
		free(why);
		n = 0;
	}
	for (i = 0; i < n; i++) {
		char *f = xasprintf("%s/%s", path, ents[i].name);

		memset(&a, 0, sizeof a);
		a.n = atoi(ents[i].name);
		if (read_file(t, f, &text, &len, &why) == 0 &&
		    approval_from_json(&a, text, len, &why) == 0) {
			ps->approvals = xreallocarray(ps->approvals,
			    ps->napprovals + 1, sizeof *ps->approvals);
			a.saved = 1;
			ps->approvals[ps->napprovals++] = a;
		} else
			approval_release(&a);
		free(why);
		why = NULL;
		free(text);
		free(f);
	}
	repo_entries_free(ents, n);
	free(path);
	return ps;
}

/* The plan at the plans commit, or NULL when absent or unreadable. */
static struct plan *
load_plan(struct gcommit *gc, const char *id)
{
	struct diags d;
	struct plan *p;
	char	*path = xasprintf("plans/%s.json", id), *text, *why = NULL;
	char	 oid[41];
	size_t	 len;

	if (gc->plans == NULL || repo_tree_read(gc->plans->tree, path,
	    GUARD_MAX_FILE, &text, &len, oid, &why) != 0) {
		free(why);
		free(path);
		return NULL;
	}
	diags_init(&d);
	p = plan_parse_take(path, text, len, &d);
	if (p != NULL && d.n > 0) {
		plan_free(p);
		p = NULL;
	}
	diags_release(&d);
	if (p != NULL)
		memcpy(p->blob, oid, sizeof p->blob);
	free(path);
	return p;
}

/* --- the workflow */

static int
running(enum status st)
{
	return st == ST_BACKING_UP || st == ST_EXECUTING || st == ST_VERIFYING;
}

/*
 * Make ps's assessment and snapshot what the plan and policy say, so that
 * counting and the notice are judged on the plan, never on what the state
 * file claims of it.
 */
static void
assess_from_plan(struct plan_state *ps, const struct policy *pol,
    const struct plan *p)
{
	struct risk r;
	size_t	 i;

	risk_assess(pol, p, &r);
	free(ps->risk.level);
	ps->risk.level = xstrdup(r.level_name != NULL ? r.level_name : "");
	ps->risk.notice = r.notice;
	ps->risk.approvals = r.approvals;
	ps->risk.emergency = r.emergency;
	free(ps->snap.owner);
	ps->snap.owner = p->owner != NULL ? xstrdup(p->owner) : NULL;
	free(ps->snap.type);
	ps->snap.type = xstrdup(plan_type_names[p->type]);
	strv_free(ps->snap.systems);
	ps->snap.systems = xcalloc(strv_len(p->systems) + 1,
	    sizeof *ps->snap.systems);
	for (i = 0; p->systems[i] != NULL; i++)
		ps->snap.systems[i] = xstrdup(p->systems[i]);
}

static char **
plan_groups(const struct policy *pol, const struct plan *p)
{
	const struct system *sys;
	char	**v = xcalloc(strv_len(p->systems) + 1, sizeof *v);
	size_t	 i, n = 0;

	for (i = 0; p->systems[i] != NULL; i++) {
		if ((sys = policy_system(pol, p->systems[i])) != NULL)
			v[n++] = sys->group;
	}
	return v;
}

/* Vet every approval of ps's revision and count them. */
static void
count(struct gcommit *gc, struct plan_state *ps, struct approval_count *c)
{
	gc->plans->trust.author = plans_author;
	gc->plans->trust.arg = gc;
	trust_vet(&gc->plans->trust, ps, ps->revision);
	trust_count(gc->plans->pol, ps, c);
}

static int
break_glass_holds(struct gcommit *gc, struct plan_state *ps)
{
	struct approval_count c;
	int	 ok;

	if (!ps->risk.emergency || ps->break_glass.by == NULL)
		return 0;
	count(gc, ps, &c);
	ok = trust_break_glass(gc->plans->pol, &c);
	approval_count_release(&c);
	return ok;
}

/*
 * The occurrences of a recurrence over at least [s, e), from the cache or
 * expanded anew with a wide margin; NULL (n 0) when it cannot be.
 */
static const struct interval *
spans(struct span_cache *c, int64_t s, int64_t e, size_t *n,
    int (*expand)(const void *, int64_t, int64_t, struct interval **,
    size_t *, char **), const void *def)
{
	char	*why = NULL;

	if (!c->have || s < c->from || e > c->to) {
		free(c->iv);
		c->iv = NULL;
		c->n = 0;
		c->from = (c->have && c->from < s ? c->from : s) - GUARD_SPAN_MARGIN;
		c->to = (c->have && c->to > e ? c->to : e) + GUARD_SPAN_MARGIN;
		c->have = 1;
		if (expand(def, c->from, c->to, &c->iv, &c->n, &why) != 0) {
			free(why);
			c->iv = NULL;
			c->n = 0;
		}
	}
	*n = c->n;
	return c->iv;
}

static int
expand_window(const void *def, int64_t from, int64_t to, struct interval **iv,
    size_t *n, char **why)
{
	return window_expand(def, from, to, iv, n, why);
}

static int
expand_freeze(const void *def, int64_t from, int64_t to, struct interval **iv,
    size_t *n, char **why)
{
	return freeze_expand(def, from, to, iv, n, why);
}

/* Does [s, e) lie inside one occurrence of a window open to the groups? */
static int
in_window(struct guard_plans *gp, char *const *groups, int64_t s, int64_t e)
{
	const struct policy *pol = gp->pol;
	const struct interval *iv;
	size_t	 w, n, i;
	int	 in = 0;

	for (w = 0; w < pol->nwindows && !in; w++) {
		if (!window_covers(&pol->windows[w], groups))
			continue;
		iv = spans(&gp->windows[w], s - pol->windows[w].duration, e, &n,
		    expand_window, &pol->windows[w]);
		for (i = 0; i < n && !in; i++)
			in = iv[i].start <= s && e <= iv[i].end;
	}
	return in;
}

static int
freeze_applies(const struct freeze_def *f, char *const *groups)
{
	size_t	 i;

	if (f->groups == NULL)
		return 1;
	for (i = 0; groups[i] != NULL; i++) {
		if (strv_has(f->groups, groups[i]))
			return 1;
	}
	return 0;
}

/* A URL freeze's events from its copy in the state commit. */
struct feed_def {
	struct gcommit *gc;
	const struct freeze_def *f;
};

static int
expand_feed(const void *def, int64_t from, int64_t to, struct interval **iv,
    size_t *n, char **why)
{
	const struct feed_def *fd = def;
	char	*path = xasprintf("feeds/%s.ics", fd->f->name), *text = NULL;
	size_t	 len;
	int	 rc = -1;

	if (read_file(fd->gc->tree, path, &text, &len, why) == 0)
		rc = icsfeed_events(text, len, fd->gc->plans->pol->timezone, from,
		    to, iv, n, NULL, why);
	else if (*why == NULL)
		*why = xstrdup("no cached copy");
	free(text);
	free(path);
	return rc;
}

/* Does freeze i (a URL one from its copy in the commit) touch [s, e)? */
static int
frozen(struct gcommit *gc, size_t i, int64_t s, int64_t e)
{
	struct guard_plans *gp = gc->plans;
	const struct freeze_def *f = &gp->pol->freezes[i];
	const struct interval *iv;
	struct feed_def fd = { gc, f };
	size_t	 n, k;

	if (f->kind == FREEZE_URL) {
		if (strcmp(gp->feeds_of, gc->id) != 0) {
			/* a new commit may carry a new copy of the feed */
			for (k = 0; k < gp->pol->nfreezes; k++) {
				if (gp->pol->freezes[k].kind != FREEZE_URL)
					continue;
				free(gp->freezes[k].iv);
				memset(&gp->freezes[k], 0, sizeof gp->freezes[k]);
			}
			snprintf(gp->feeds_of, sizeof gp->feeds_of, "%s", gc->id);
		}
		iv = spans(&gp->freezes[i], s, e, &n, expand_feed, &fd);
	} else
		iv = spans(&gp->freezes[i], s, e, &n, expand_freeze, f);
	for (k = 0; k < n; k++) {
		if (iv[k].start < e && s < iv[k].end)
			return 1;
	}
	return 0;
}

static int
slot_same(const struct plan_state *a, const struct plan_state *b)
{
	return a != NULL && b != NULL && a->has_slot && a->slot_live &&
	    b->has_slot && b->slot_live && a->slot.start == b->slot.start &&
	    a->slot.end == b->slot.end;
}

/* A live slot, new or moved in this commit, keeps every rule. */
static void
check_slot(struct gcommit *gc, const char *file, struct plan_state *s1,
    const struct plan_state *s0, const struct plan *p)
{
	const struct policy *pol = gc->plans->pol;
	const struct slot *sl = &s1->slot;
	char	**groups = plan_groups(pol, p), *a, *b;
	size_t	 i;
	int	 bg = -1;

	if (slot_same(s1, s0)) {
		if (s1->published_at != s0->published_at)
			problem(gc->g, gc->id, file, "published_at changed while "
			    "the slot stayed: the notice clock was moved by hand");
		free(groups);
		return;
	}
	if (s1->published_at < gc->ptime || s1->published_at > gc->ci.when)
		problem(gc->g, gc->id, file, "the slot was published at a time "
		    "outside this commit's span (its notice clock is forged)");
	if (sl->start < s1->published_at + s1->risk.notice) {
		a = dt_format_utc(sl->start);
		b = dt_format_utc(s1->published_at + s1->risk.notice);
		problem(gc->g, gc->id, file, "the slot at %s is before its "
		    "notice holds (%s)", a, b);
		free(a);
		free(b);
	}
	if (sl->end - sl->start != p->duration || sl->end <= sl->start)
		problem(gc->g, gc->id, file, "the slot is not the plan's "
		    "duration");
	if ((p->has_not_before && sl->start < p->not_before) ||
	    (p->has_not_after && sl->end > p->not_after))
		problem(gc->g, gc->id, file, "the slot is outside the plan's "
		    "not_before/not_after");
	if (!in_window(gc->plans, groups, sl->start, sl->end)) {
		bg = break_glass_holds(gc, s1);
		if (!(bg && s1->break_glass.outside_window &&
		    pol->break_glass.outside_windows))
			problem(gc->g, gc->id, file, "the slot lies in no "
			    "off-peak window of the plan's systems");
	}
	for (i = 0; i < pol->nfreezes; i++) {
		if (!freeze_applies(&pol->freezes[i], groups) ||
		    !frozen(gc, i, sl->start, sl->end))
			continue;
		if (bg < 0)
			bg = break_glass_holds(gc, s1);
		if (bg && strv_has(s1->break_glass.freezes, pol->freezes[i].name))
			continue;
		problem(gc->g, gc->id, file, "the slot lies in freeze '%s'%s",
		    pol->freezes[i].name, s1->risk.emergency ? " and no "
		    "break-glass lets it" : "");
	}
	free(groups);
}

/* The record of a run in the new tree, or NULL. */
static struct record *
load_record(struct repo_tree *t, const char *id, const char *run)
{
	struct record *r = NULL;
	char	*path = xasprintf("records/%s/%s.json", id, run), *text, *why = NULL;
	size_t	 len;

	if (read_file(t, path, &text, &len, &why) == 0)
		r = record_parse(text, len, &why);
	free(text);
	free(why);
	free(path);
	return r;
}

/* A run begins: its record is there, signed when signing is required. */
static void
check_lock(struct gcommit *gc, const char *file, const struct plan_state *s1,
    const struct plan *p)
{
	const struct policy *pol = gc->plans->pol;
	struct record *rec = s1->run.id != NULL ? load_record(gc->tree, s1->id,
	    s1->run.id) : NULL;
	struct record_signature sg;
	char	**groups, *why = NULL;
	const char *op;

	if (rec == NULL) {
		problem(gc->g, gc->id, file, "the plan is %s without the record "
		    "of its run", status_names[s1->status]);
		return;
	}
	op = record_str(rec, "operator");
	if (gc->plans->trust.required) {
		if (record_nsignatures(rec) == 0 ||
		    record_signature(rec, 0, &sg) != 0 ||
		    strcmp(sg.action, "start") != 0)
			problem(gc->g, gc->id, file, "run %s has no signed "
			    "statement of its operator", s1->run.id);
		else if (trust_verify_record(&gc->plans->trust, rec, 0, &why) != 0)
			problem(gc->g, gc->id, file, "run %s: the operator's "
			    "statement does not count: %s", s1->run.id, why);
		else if (op == NULL || strcasecmp(op, sg.principal) != 0)
			problem(gc->g, gc->id, file, "run %s names operator '%s' "
			    "but is signed by '%s'", s1->run.id, op != NULL ? op :
			    "", sg.principal);
		free(why);
	}
	groups = p != NULL ? plan_groups(pol, p) : NULL;
	if (groups != NULL && op != NULL && !policy_is_operator(pol, op, groups))
		problem(gc->g, gc->id, file, "'%s' is not an operator of this "
		    "change", op);
	free(groups);
	record_free(rec);
}

/* An outcome follows the run it ends. */
static void
check_outcome(struct gcommit *gc, const char *file,
    const struct plan_state *s1, const struct plan_state *s0)
{
	struct record *rec;
	const char *outcome;

	if (s0 == NULL || !running(s0->status) || s1->run.id == NULL ||
	    s0->run.id == NULL || strcmp(s0->run.id, s1->run.id) != 0) {
		problem(gc->g, gc->id, file, "the plan is %s without a run "
		    "that ended so", status_names[s1->status]);
		return;
	}
	if ((rec = load_record(gc->tree, s1->id, s1->run.id)) == NULL) {
		problem(gc->g, gc->id, file, "run %s has no record", s1->run.id);
		return;
	}
	outcome = record_str(rec, "outcome");
	if (outcome == NULL || strcmp(outcome, status_names[s1->status]) != 0)
		problem(gc->g, gc->id, file, "the plan is %s but its run %s says "
		    "%s", status_names[s1->status], s1->run.id, outcome != NULL ?
		    outcome : "nothing");
	record_free(rec);
}

static int
approvals_changed(struct gcommit *gc, const char *id)
{
	size_t	 i, n = strlen(id);

	for (i = 0; gc->new_approvals != NULL && gc->new_approvals[i] != NULL;
	    i++) {
		if (strncmp(gc->new_approvals[i] + 10, id, n) == 0 &&
		    gc->new_approvals[i][10 + n] == '/')
			return 1;
	}
	return 0;
}

/* The status, the approvals behind it, the run, the slot. */
static void
check_state(struct gcommit *gc, const char *file, struct plan_state *s1,
    const struct plan_state *s0, const struct plan *p)
{
	enum status from;
	struct approval_count c;
	int	 revised = s0 != NULL && strcmp(s0->revision, s1->revision) != 0;

	if (p != NULL && (s0 == NULL || revised) && !running(s1->status) &&
	    strcmp(s1->revision, p->blob) != 0)
		problem(gc->g, gc->id, file, "revision %.12s is not the plan's "
		    "(%.12s) at plans commit %.12s", s1->revision, p->blob,
		    gc->plans->commit);
	from = s0 == NULL || (revised && !running(s0->status)) ? ST_SUBMITTED :
	    s0->status;
	if (!state_transition_allowed(from, s1->status))
		problem(gc->g, gc->id, file, "%s to %s is not a step of the "
		    "workflow", s0 != NULL ? status_names[s0->status] :
		    "a new plan", status_names[s1->status]);
	if (p == NULL)
		return;	/* removed: cancelled, or a run that goes on */
	assess_from_plan(s1, gc->plans->pol, p);
	if ((s1->status == ST_APPROVED || s1->status == ST_SCHEDULED ||
	    (running(s1->status) && (s0 == NULL || !running(s0->status)))) &&
	    (s0 == NULL || s0->status != s1->status || revised ||
	    approvals_changed(gc, s1->id))) {
		count(gc, s1, &c);
		if (!c.approved)
			problem(gc->g, gc->id, file, "the plan is %s with %d of "
			    "%d approvals that count%s%s%s", status_names[s1->status],
			    c.n, c.needed, c.missing != NULL ? " (still needs " :
			    "", c.missing != NULL ? c.missing : "",
			    c.missing != NULL ? ")" : "");
		approval_count_release(&c);
	}
	if (running(s1->status) && (s0 == NULL || !running(s0->status)))
		check_lock(gc, file, s1, p);
	if ((s1->status == ST_COMPLETED || s1->status == ST_ROLLED_BACK ||
	    s1->status == ST_FAILED) && (s0 == NULL || s0->status != s1->status))
		check_outcome(gc, file, s1, s0);
	if (s1->status == ST_SCHEDULED && s1->has_slot && s1->slot_live)
		check_slot(gc, file, s1, s0, p);
}

/* A new approval file: on the current revision, not a replay, counting. */
static void
check_new_approval(struct gcommit *gc, const char *path,
    struct plan_state *s1, const struct plan_state *s0, const struct plan *p)
{
	struct approval *a = NULL;
	const struct approval *o;
	char	*why = NULL;
	size_t	 i;
	int	 n = atoi(strrchr(path, '/') + 1);

	for (i = 0; i < s1->napprovals; i++) {
		if (s1->approvals[i].n == n)
			a = &s1->approvals[i];
	}
	if (a == NULL)
		return;	/* unreadable: said where the file was parsed */
	if (strcmp(a->revision, s1->revision) != 0)
		problem(gc->g, gc->id, path, "the approval is for revision %.12s, "
		    "not the plan's current %.12s", a->revision, s1->revision);
	if (a->at < gc->ptime || a->at > gc->ci.when)
		problem(gc->g, gc->id, path, "the approval is dated outside this "
		    "commit's span");
	for (i = 0; s0 != NULL && i < s0->napprovals; i++) {
		o = &s0->approvals[i];
		if ((o->signature != NULL && a->signature != NULL &&
		    strcmp(o->signature, a->signature) == 0) ||
		    (strcasecmp(o->approver, a->approver) == 0 &&
		    o->reject == a->reject && strcmp(o->revision, a->revision) == 0))
			problem(gc->g, gc->id, path, "a replay of approvals/%s/%d.json",
			    s1->id, o->n);
	}
	if (p == NULL || gc->plans == NULL)
		return;
	gc->plans->trust.author = plans_author;
	gc->plans->trust.arg = gc;
	if (trust_vet_one(&gc->plans->trust, s1, a, 0, &why) != 0)
		problem(gc->g, gc->id, path, "%s", why);
	free(why);
}

/* Everything about one plan whose files this commit changed. */
static void
check_plan(struct gcommit *gc, const char *id)
{
	struct plan_state *s1, *s0;
	struct plan *p;
	char	*file = xasprintf("state/%s.json", id);
	size_t	 i, n = strlen(id);
	int	 bad1, bad0;

	s1 = load_state(gc, gc->tree, id, &bad1);
	s0 = load_state(gc, gc->ptree, id, &bad0);
	if (s1 == NULL) {
		if (!bad1)
			problem(gc->g, gc->id, file, "files of plan '%s' changed "
			    "but it has no state", id);
		goto out;
	}
	p = load_plan(gc, id);
	if (gc->plans != NULL && gc->plans->pol != NULL)
		check_state(gc, file, s1, s0, p);
	for (i = 0; gc->new_approvals != NULL && gc->new_approvals[i] != NULL;
	    i++) {
		const char *a = gc->new_approvals[i];

		if (strncmp(a + 10, id, n) == 0 && a[10 + n] == '/')
			check_new_approval(gc, a, s1, s0, p);
	}
	plan_free(p);
out:
	plan_state_free(s1);
	plan_state_free(s0);
	free(file);
}

/* --- the files of a commit */

static void
touch(struct gcommit *gc, const char *id, size_t len)
{
	char	*s = xstrndup(id, len);
	size_t	 n = strv_len(gc->touched);

	if (strv_has(gc->touched, s)) {
		free(s);
		return;
	}
	gc->touched = xreallocarray(gc->touched, n + 2, sizeof *gc->touched);
	gc->touched[n] = s;
	gc->touched[n + 1] = NULL;
}

static void
push_path(char ***v, const char *path)
{
	size_t	 n = strv_len(*v);

	*v = xreallocarray(*v, n + 2, sizeof **v);
	(*v)[n] = xstrdup(path);
	(*v)[n + 1] = NULL;
}

/* "<dir>/<id>.json" or "<dir>/<id>/<rest>": the id's length, or 0. */
static size_t
id_in(const char *path, const char *dir, const char **rest)
{
	size_t	 d = strlen(dir), n;
	char	*id;
	int	 ok;

	if (strncmp(path, dir, d) != 0 || path[d] != '/')
		return 0;
	path += d + 1;
	n = strcspn(path, "/");
	*rest = path + n;
	if (path[n] == '\0' && str_endswith(path, ".json"))
		n -= 5;
	id = xstrndup(path, n);
	ok = name_valid(id);
	free(id);
	return ok ? n : 0;
}

/* A record grows only while its run goes on, keeping what it said. */
static void
check_record_change(struct gcommit *gc, const struct repo_change *ch)
{
	static const char *const fixed[] = { "plan", "run", "revision",
	    "commit", "slot_start", "slot_end", "started_at", NULL };
	char	*a = NULL, *b = NULL, *why = NULL;
	size_t	 la, lb, i;
	json_t	*o, *n, *po, *pn;

	if (repo_blob_read(gc->g->repo, ch->old_blob, GUARD_MAX_FILE, &a, &la,
	    &why) != 0 || repo_blob_read(gc->g->repo, ch->new_blob,
	    GUARD_MAX_FILE, &b, &lb, &why) != 0) {
		problem(gc->g, gc->id, ch->path, "cannot be read: %s",
		    why != NULL ? why : "too large");
		goto out;
	}
	o = json_loadb(a, la, 0, NULL);
	n = json_loadb(b, lb, 0, NULL);
	if (!json_is_object(o) || !json_is_object(n))
		problem(gc->g, gc->id, ch->path, "not a maintenance record");
	else if (!json_is_string(json_object_get(o, "outcome")) ||
	    strcmp(json_string_value(json_object_get(o, "outcome")),
	    "running") != 0)
		problem(gc->g, gc->id, ch->path, "the record of a run that ended "
		    "was changed: records are append-only");
	else {
		for (i = 0; fixed[i] != NULL; i++) {
			if (!json_equal(json_object_get(o, fixed[i]),
			    json_object_get(n, fixed[i])) &&
			    json_object_get(o, fixed[i]) != NULL)
				problem(gc->g, gc->id, ch->path, "\"%s\" of the "
				    "record was changed", fixed[i]);
		}
		po = json_object_get(o, "phases");
		pn = json_object_get(n, "phases");
		for (i = 0; i < json_array_size(po); i++) {
			json_t	*x = json_array_get(po, i);
			const char *st = json_string_value(json_object_get(x,
			    "status"));

			if (st != NULL && strcmp(st, "running") == 0)
				continue;
			if (!json_equal(x, json_array_get(pn, i)))
				problem(gc->g, gc->id, ch->path, "phase %zu of the "
				    "record was changed or removed", i + 1);
		}
		po = json_object_get(o, "signatures");
		pn = json_object_get(n, "signatures");
		for (i = 0; i < json_array_size(po); i++) {
			if (!json_equal(json_array_get(po, i),
			    json_array_get(pn, i)))
				problem(gc->g, gc->id, ch->path, "a signed "
				    "statement of the record was changed or "
				    "removed");
		}
	}
	json_decref(o);
	json_decref(n);
out:
	free(a);
	free(b);
	free(why);
}

/* A new or grown record: it parses; new resume statements verify. */
static void
check_record_parse(struct gcommit *gc, const struct repo_change *ch)
{
	struct record *r;
	char	*text = NULL, *why = NULL;
	size_t	 len, i;

	if (repo_blob_read(gc->g->repo, ch->new_blob, GUARD_MAX_FILE, &text,
	    &len, &why) != 0 || (r = record_parse(text, len, &why)) == NULL) {
		problem(gc->g, gc->id, ch->path, "not a maintenance record: %s",
		    why != NULL ? why : "too large");
		free(text);
		free(why);
		return;
	}
	free(text);
	if (gc->plans != NULL && gc->plans->pol != NULL &&
	    gc->plans->trust.required) {
		for (i = 0; i < record_nsignatures(r); i++) {
			if (trust_verify_record(&gc->plans->trust, r, i, &why) != 0) {
				problem(gc->g, gc->id, ch->path, "signed statement "
				    "%zu does not count: %s", i + 1, why);
				free(why);
				why = NULL;
			}
		}
	}
	record_free(r);
}

static void
check_blob_parses(struct gcommit *gc, const struct repo_change *ch,
    int approval)
{
	struct approval a;
	char	*text = NULL, *why = NULL;
	size_t	 len;

	memset(&a, 0, sizeof a);
	if (repo_blob_read(gc->g->repo, ch->new_blob, GUARD_MAX_FILE, &text,
	    &len, &why) != 0 || (approval && approval_from_json(&a, text, len,
	    &why) != 0))
		problem(gc->g, gc->id, ch->path, "not %s: %s", approval ?
		    "an approval" : "readable", why != NULL ? why : "too large");
	approval_release(&a);
	free(text);
	free(why);
}

/* An abort request: who asked, when, why, for which run. */
static void
check_abort_parses(struct gcommit *gc, const struct repo_change *ch)
{
	static const char *const keys[] = { "run", "by", "message", "at",
	    NULL };
	char	*text = NULL, *why = NULL;
	size_t	 len, i;
	json_t	*o = NULL;

	if (repo_blob_read(gc->g->repo, ch->new_blob, GUARD_MAX_FILE, &text,
	    &len, &why) == 0)
		o = json_loadb(text, len, 0, NULL);
	for (i = 0; keys[i] != NULL && json_is_object(o); i++) {
		if (!json_is_string(json_object_get(o, keys[i])))
			break;
	}
	if (!json_is_object(o) || keys[i] != NULL || json_object_size(o) != i)
		problem(gc->g, gc->id, ch->path, "not an abort request (an "
		    "object of \"run\", \"by\", \"message\" and \"at\")");
	json_decref(o);
	free(text);
	free(why);
}

/* --- the archive: finished changes moved, blob for blob */

/* Is path's old blob now at archive/<path>, and path itself gone? */
static int
moved_to_archive(struct gcommit *gc, const char *path, const char *blob)
{
	char	*apath = xasprintf("%s/%s", ARCHIVE_DIR, path), oid[41], *why = NULL;
	int	 r;

	r = repo_tree_oid(gc->tree, apath, oid, &why);
	free(why);
	free(apath);
	return r == 0 && strcmp(oid, blob) == 0;
}

/* Was the state at spath moved under archive/ by this commit? */
static int
moved_to_archive_state(struct gcommit *gc, const char *spath)
{
	char	 oid[41], *why = NULL;
	int	 r;

	r = gc->ptree != NULL ? repo_tree_oid(gc->ptree, spath, oid, &why) : 1;
	free(why);
	return r == 0 && moved_to_archive(gc, spath, oid);
}

/* May the state of id (as it was in the parent) leave the working set? */
static void
check_archived_state(struct gcommit *gc, const char *file, const char *id)
{
	struct plan_state *s0;
	struct plan *p;
	char	*when;
	int	 bad;

	if ((s0 = load_state(gc, gc->ptree, id, &bad)) == NULL) {
		problem(gc->g, gc->id, file, "the state it archives cannot be "
		    "read, so it cannot be shown to have ended");
		return;
	}
	if (!archive_final(s0->status))
		problem(gc->g, gc->id, file, "archived while %s: only a change "
		    "that ended leaves the working set",
		    status_names[s0->status]);
	else if (gc->plans != NULL && gc->plans->pol != NULL &&
	    gc->ci.when < archive_ended(s0) + archive_age(gc->plans->pol)) {
		when = dt_format_utc(archive_ended(s0) +
		    archive_age(gc->plans->pol));
		problem(gc->g, gc->id, file, "archived before %s: the feeds and "
		    "the availability budgets still count it", when);
		free(when);
	}
	if (gc->plans != NULL && (p = load_plan(gc, id)) != NULL) {
		problem(gc->g, gc->id, file, "archived while its plan file is "
		    "on the plans branch");
		plan_free(p);
	}
	plan_state_free(s0);
}

/* A file added under archive/: moved there unchanged, never changed. */
static void
check_archive_change(struct gcommit *gc, const struct repo_change *ch)
{
	const char *orig = ch->path + strlen(ARCHIVE_DIR) + 1, *rest = NULL;
	char	 oid[41], *why = NULL, *spath;
	size_t	 n;
	int	 state, r;

	if (ch->old_blob[0] != '\0') {
		problem(gc->g, gc->id, ch->path, "the archive is append-only: a "
		    "file of it was %s", ch->new_blob[0] == '\0' ? "deleted" :
		    "changed");
		return;
	}
	state = (n = id_in(orig, "state", &rest)) != 0 && *rest == '\0';
	if (!state && !((n = id_in(orig, "approvals", &rest)) != 0 &&
	    *rest == '/' && strchr(rest + 1, '/') == NULL)) {
		problem(gc->g, gc->id, ch->path, "not a file offpeak writes on "
		    "the state branch");
		return;
	}
	r = gc->ptree != NULL ? repo_tree_oid(gc->ptree, orig, oid, &why) : 1;
	free(why);
	why = NULL;
	if (r != 0 || strcmp(oid, ch->new_blob) != 0 ||
	    repo_tree_oid(gc->tree, orig, oid, &why) != 1) {
		free(why);
		problem(gc->g, gc->id, ch->path, "not moved unchanged from "
		    "'%s'", orig);
		return;
	}
	spath = xasprintf("state/%.*s.json", (int)n, orig + (state ? 6 : 10));
	if (state) {
		char *id = xstrndup(orig + 6, n);

		check_archived_state(gc, spath, id);
		free(id);
	} else if (!moved_to_archive_state(gc, spath))
		problem(gc->g, gc->id, ch->path, "an approval is archived only "
		    "with its plan's state");
	free(spath);
}

static int
on_change(const struct repo_change *ch, void *arg)
{
	struct gcommit *gc = arg;
	const char *rest = NULL;
	int	 added = ch->old_blob[0] == '\0', deleted = ch->new_blob[0] == '\0';
	size_t	 n;

	if (!deleted && ch->new_mode != 0100644 && ch->new_mode != 0100755) {
		problem(gc->g, gc->id, ch->path, "not a regular file");
		return 0;
	}
	if (deleted && (strncmp(ch->path, "state/", 6) == 0 ||
	    strncmp(ch->path, "approvals/", 10) == 0) &&
	    moved_to_archive(gc, ch->path, ch->old_blob))
		return 0;	/* checked as its archive/ copy */
	if (strncmp(ch->path, ARCHIVE_DIR "/", sizeof ARCHIVE_DIR) == 0) {
		check_archive_change(gc, ch);
		return 0;
	}
	if ((n = id_in(ch->path, "state", &rest)) != 0 && *rest == '\0') {
		if (deleted)
			problem(gc->g, gc->id, ch->path, "a plan's state was "
			    "deleted");
		touch(gc, ch->path + 6, n);
	} else if ((n = id_in(ch->path, "approvals", &rest)) != 0 &&
	    *rest == '/' && strchr(rest + 1, '/') == NULL) {
		if (!added)
			problem(gc->g, gc->id, ch->path, "approvals are append-only: "
			    "one was %s", deleted ? "deleted" : "changed");
		else {
			check_blob_parses(gc, ch, 1);
			push_path(&gc->new_approvals, ch->path);
		}
		touch(gc, ch->path + 10, n);
	} else if ((n = id_in(ch->path, "records", &rest)) != 0 &&
	    *rest == '/' && strchr(rest + 1, '/') == NULL &&
	    str_endswith(rest, ".json")) {
		if (deleted)
			problem(gc->g, gc->id, ch->path, "a run record was deleted");
		else if (!added)
			check_record_change(gc, ch);
		if (!deleted)
			check_record_parse(gc, ch);
		touch(gc, ch->path + 8, n);
	} else if ((n = id_in(ch->path, "records", &rest)) != 0 &&
	    *rest == '/' && strchr(rest + 1, '/') != NULL &&
	    str_endswith(ch->path, ".log")) {
		if (deleted)
			problem(gc->g, gc->id, ch->path, "a run's log was deleted");
	} else if ((n = id_in(ch->path, "aborts", &rest)) != 0 &&
	    *rest == '/' && strchr(rest + 1, '/') == NULL &&
	    str_endswith(rest, ".json")) {
		if (!added)
			problem(gc->g, gc->id, ch->path, "abort requests are "
			    "append-only: one was %s", deleted ? "deleted" :
			    "changed");
		else
			check_abort_parses(gc, ch);
	} else if (strncmp(ch->path, "feeds/", 6) != 0 &&
	    strncmp(ch->path, "publish/", 8) != 0)
		problem(gc->g, gc->id, ch->path, "not a file offpeak writes on "
		    "the state branch");
	return 0;
}

/* --- one commit */

static char *
trailer(const char *message, const char *key)
{
	size_t	 n = strlen(key);
	const char *p;

	for (p = message; p != NULL && *p != '\0'; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, key, n) == 0 && p[n] == ':' && p[n + 1] == ' ')
			return xstrndup(p + n + 2, strcspn(p + n + 2, "\n"));
	}
	return NULL;
}

static int
hex40(const char *s)
{
	return s != NULL && strlen(s) == 40 &&
	    strspn(s, "0123456789abcdef") == 40;
}

/* The commit as a whole: its parent, dates, clock and plans. */
static int
check_header(struct gcommit *gc, char **cause)
{
	struct guard *g = gc->g;
	char	*plans, *sim;

	if (gc->ci.nparents != (gc->parent[0] != '\0' ? 1u : 0u) ||
	    (gc->parent[0] != '\0' && strcmp(gc->ci.parents[0], gc->parent) != 0)) {
		problem(g, gc->id, NULL, "a state commit has exactly one parent, "
		    "the state before it");
		gc->structural = 1;
	}
	if (gc->ci.when < gc->ptime)
		problem(g, gc->id, NULL, "dated before its parent");
	sim = trailer(gc->ci.message, "Offpeak-Clock");
	if (sim != NULL && strcmp(sim, "simulated") == 0) {
		if (!g->allow_simulated)
			problem(g, gc->id, NULL, "made under a simulated clock "
			    "(--now), which this repository does not accept "
			    "(git config offpeak.allowSimulatedClock true)");
	} else if (g->now > 0 && gc->ci.when > g->now + GUARD_SKEW)
		problem(g, gc->id, NULL, "dated ahead of the server's clock");
	free(sim);
	plans = trailer(gc->ci.message, "Offpeak-Plans");
	if (!hex40(plans)) {
		problem(g, gc->id, NULL, "no Offpeak-Plans trailer: the plans "
		    "the state was made from cannot be told");
		free(plans);
		return 0;
	}
	if (g->plans_tip != NULL && !repo_is_ancestor(g->repo, plans,
	    g->plans_tip)) {
		problem(g, gc->id, NULL, "plans commit %.12s is not on the plans "
		    "branch", plans);
		free(plans);
		return 0;
	}
	gc->plans = plans_load(g, plans, cause);
	free(plans);
	if (gc->plans == NULL)
		return -1;
	if (gc->plans->pol == NULL) {
		problem(g, gc->id, NULL, "%s", gc->plans->problem);
		gc->plans = NULL;
	}
	return 0;
}

int
guard_commit(struct guard *g, const char *parent, const char *commit,
    char **cause)
{
	struct gcommit gc;
	struct repo_commit_info pi;
	size_t	 i;
	int	 rc = -1;

	memset(&gc, 0, sizeof gc);
	gc.g = g;
	gc.id = commit;
	gc.parent = parent;
	g->commits++;
	if (repo_commit_info(g->repo, commit, &gc.ci, cause) != 0)
		return -1;
	if ((g->from != 0 || g->to != 0) && (gc.ci.when < g->from ||
	    gc.ci.when >= g->to)) {
		g->commits--;
		repo_commit_info_release(&gc.ci);
		return 0;
	}
	if (strstr(gc.ci.message, "\nOffpeak-Clock: simulated") != NULL)
		g->simulated++;
	if (parent[0] != '\0') {
		if (repo_commit_info(g->repo, parent, &pi, cause) != 0)
			goto out;
		gc.ptime = pi.when;
		repo_commit_info_release(&pi);
		if ((gc.ptree = repo_tree_at(g->repo, parent, cause)) == NULL)
			goto out;
	}
	if ((gc.tree = repo_tree_at(g->repo, commit, cause)) == NULL ||
	    check_header(&gc, cause) != 0)
		goto out;
	if (repo_diff(g->repo, parent, commit, on_change, &gc, cause) != 0)
		goto out;
	for (i = 0; !gc.structural && gc.touched != NULL &&
	    gc.touched[i] != NULL; i++)
		check_plan(&gc, gc.touched[i]);
	rc = 0;
out:
	repo_commit_info_release(&gc.ci);
	repo_tree_free(gc.tree);
	repo_tree_free(gc.ptree);
	strv_free(gc.touched);
	strv_free(gc.new_approvals);
	strv_free(gc.new_records);
	return rc;
}

/* --- ranges of commits */

struct chain {
	char	**v;
	size_t	 n;
};

/* The first-parent chain from tip back to stop (excluded; "" the root). */
static int
chain_of(struct guard *g, const char *tip, const char *stop,
    struct chain *ch, char **cause)
{
	struct repo_commit_info ci;
	char	*cur = xstrdup(tip);

	memset(ch, 0, sizeof *ch);
	while (cur != NULL && strcmp(cur, stop) != 0) {
		if (repo_commit_info(g->repo, cur, &ci, cause) != 0) {
			free(cur);
			return -1;
		}
		ch->v = xreallocarray(ch->v, ch->n + 1, sizeof *ch->v);
		ch->v[ch->n++] = cur;
		cur = ci.nparents > 0 ? xstrdup(ci.parents[0]) : NULL;
		repo_commit_info_release(&ci);
	}
	free(cur);
	return 0;
}

static void
chain_free(struct chain *ch)
{
	size_t	 i;

	for (i = 0; i < ch->n; i++)
		free(ch->v[i]);
	free(ch->v);
}

/* Check the chain oldest first; the parent of the oldest is base. */
static int
check_chain(struct guard *g, const struct chain *ch, const char *base,
    char **cause)
{
	size_t	 i;

	for (i = ch->n; i > 0; i--) {
		if (guard_commit(g, i == ch->n ? base : ch->v[i], ch->v[i - 1],
		    cause) != 0)
			return -1;
	}
	return 0;
}

int
guard_push(struct guard *g, const char *old, const char *new, char **cause)
{
	struct chain ch;
	int	 rc;

	if (old[0] == '\0' || strcmp(old, ZERO_OID) == 0)
		old = "";
	if (new[0] == '\0' || strcmp(new, ZERO_OID) == 0) {
		problem(g, old, NULL, "the state branch cannot be deleted: it is "
		    "the audit trail");
		return 0;
	}
	if (old[0] != '\0' && !repo_is_ancestor(g->repo, old, new)) {
		problem(g, new, NULL, "not a fast-forward of the state branch "
		    "(%.12s): history is never rewritten", old);
		return 0;
	}
	if (chain_of(g, new, old, &ch, cause) != 0)
		return -1;
	rc = check_chain(g, &ch, old, cause);
	chain_free(&ch);
	return rc;
}

int
guard_history(struct guard *g, const char *tip, const char *since,
    char **cause)
{
	struct chain ch;
	int	 rc;

	if (since != NULL && !repo_is_ancestor(g->repo, since, tip)) {
		*cause = xasprintf("%.12s is not in the history of the state "
		    "branch", since);
		return -1;
	}
	if (chain_of(g, tip, since != NULL ? since : "", &ch, cause) != 0)
		return -1;
	rc = check_chain(g, &ch, since != NULL ? since : "", cause);
	chain_free(&ch);
	return rc;
}

/* --- the plans branch */

/* Does a change touch what offpeak reads (policy, signers, plans, hooks)? */
struct reads {
	const char *signers;	/* the allowed-signers path, or NULL */
	int	 hit;
	char	*what;
};

static int
on_plans_change(const struct repo_change *ch, void *arg)
{
	struct reads *r = arg;

	if (strcmp(ch->path, POLICY_FILE) == 0 ||
	    strncmp(ch->path, "plans/", 6) == 0 ||
	    strncmp(ch->path, "hooks/", 6) == 0 ||
	    (r->signers != NULL && strcmp(ch->path, r->signers) == 0)) {
		r->hit = 1;
		r->what = xstrdup(ch->path);
		return 1;
	}
	return 0;
}

struct plans_walk {
	struct guard *g;
	char	**cause;
};

/* One new commit of the plans branch: signed when its parent says so. */
static int
plans_commit(const char *commit, void *arg)
{
	struct plans_walk *w = arg;
	struct guard *g = w->g;
	struct repo_commit_info ci;
	struct guard_plans *gp;
	struct reads r = { NULL, 0, NULL };
	char	*who, *why = NULL;
	const char *base;

	if (repo_commit_info(g->repo, commit, &ci, w->cause) != 0)
		return -1;
	g->plans_commits++;
	base = ci.nparents > 0 ? ci.parents[0] : commit;
	if ((gp = plans_load(g, base, w->cause)) == NULL) {
		repo_commit_info_release(&ci);
		return -1;
	}
	if (gp->pol == NULL || !gp->trust.required) {
		repo_commit_info_release(&ci);
		return 0;
	}
	r.signers = gp->pol->allowed_signers;
	if (repo_diff(g->repo, ci.nparents > 0 ? ci.parents[0] : "", commit,
	    on_plans_change, &r, w->cause) != 0) {
		repo_commit_info_release(&ci);
		return -1;
	}
	if (r.hit && (who = trust_commit_signer(&gp->trust, g->repo, commit,
	    &why)) == NULL) {
		problem(g, commit, r.what, "signing is required for changes of "
		    "the plans branch: %s", why);
		free(why);
	} else if (r.hit)
		free(who);
	free(r.what);
	repo_commit_info_release(&ci);
	return 0;
}

int
guard_plans_push(struct guard *g, char *const *hide, const char *new,
    char **cause)
{
	struct plans_walk w = { g, cause };

	return repo_revlist(g->repo, new, hide, plans_commit, &w, cause);
}

int
guard_audit(struct guard *g, const char *plans_tip, const char *state_tip,
    const char *since, char **cause)
{
	g->plans_tip = plans_tip;
	if (plans_tip != NULL && g->from == 0 && g->to == 0 &&
	    guard_plans_push(g, NULL, plans_tip, cause) != 0)
		return -1;
	if (state_tip == NULL || *state_tip == '\0')
		return 0;
	return guard_history(g, state_tip, since, cause);
}
