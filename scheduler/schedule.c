/* schedule: place approved plans into off-peak windows */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "budget.h"
#include "datetime.h"
#include "load.h"
#include "plan.h"
#include "policy.h"
#include "schedule.h"
#include "state.h"
#include "trust.h"
#include "tz.h"
#include "util.h"
#include "window.h"

#define DAY 86400

/* A change that occupies time: a live slot. */
struct placed {
	int64_t	 start, end;
	const char *id;
};

/* Sorted, non-overlapping intervals of one system or freeze. */
struct ivec {
	struct placed *v;
	size_t	 n, alloc;
};

struct solver {
	const struct schedule_input *in;
	const struct policy *pol;
	struct state *st;
	int64_t	 to;			/* end of the search horizon */
	struct interval **wocc;		/* occurrences per window */
	size_t	*nwocc;
	struct ivec *freeze;		/* per freeze def, then the feed freezes */
	struct ivec *sys;		/* busy intervals per system */
	struct load *load;		/* changes per minute, for max_concurrent */
	struct budget_ledger *ledger;	/* availability budgets; NULL: none */
};

/* First interval of a sorted, non-overlapping vector ending after t. */
static size_t
ivec_first_after(const struct ivec *iv, int64_t t)
{
	size_t	 lo = 0, hi = iv->n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (iv->v[mid].end <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The interval overlapping [s, e), or NULL. */
static const struct placed *
ivec_overlap(const struct ivec *iv, int64_t s, int64_t e)
{
	size_t	 i = ivec_first_after(iv, s);

	return i < iv->n && iv->v[i].start < e ? &iv->v[i] : NULL;
}

static void
ivec_insert(struct ivec *iv, int64_t s, int64_t e, const char *id)
{
	size_t	 i = ivec_first_after(iv, s);

	if (iv->n == iv->alloc) {
		iv->alloc = iv->alloc ? iv->alloc * 2 : 8;
		iv->v = xreallocarray(iv->v, iv->alloc, sizeof *iv->v);
	}
	memmove(&iv->v[i + 1], &iv->v[i], (iv->n - i) * sizeof *iv->v);
	iv->v[i].start = s;
	iv->v[i].end = e;
	iv->v[i].id = id;
	iv->n++;
}

static int
interval_cmp(const void *a, const void *b)
{
	const struct interval *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->end > y->end) - (x->end < y->end);
}

/* Sort and merge intervals into a vector that binary search can use. */
static void
ivec_from_intervals(struct ivec *iv, struct interval *v, size_t n,
    const char *name)
{
	size_t	 i;

	array_sort(v, n, sizeof *v, interval_cmp);
	for (i = 0; i < n; i++) {
		if (iv->n > 0 && v[i].start <= iv->v[iv->n - 1].end) {
			if (v[i].end > iv->v[iv->n - 1].end)
				iv->v[iv->n - 1].end = v[i].end;
			continue;
		}
		ivec_insert(iv, v[i].start, v[i].end, name);
	}
}

/* Record a live slot: it occupies its systems and a share of concurrency. */
static void
occupy(struct solver *sv, const struct plan *p, int64_t s, int64_t e)
{
	const struct system *sys;
	size_t	 i;

	for (i = 0; p->systems[i] != NULL; i++) {
		if ((sys = policy_system(sv->pol, p->systems[i])) != NULL)
			ivec_insert(&sv->sys[sys - sv->pol->systems], s, e, p->id);
	}
	load_add(sv->load, s, e, 1);
	budget_ledger_add(sv->ledger, p->systems, impact_names[p->impact], s, e,
	    1);
}

/*
 * Would [s, e) exceed max_concurrent? If so *next is the first moment
 * after the full minute at which a change could start again.
 */
static int
too_many(struct solver *sv, int64_t s, int64_t e, int64_t *next)
{
	int64_t	 full;

	if ((full = load_first_at_least(sv->load, s, e,
	    sv->pol->max_concurrent)) < 0)
		return 0;
	*next = load_next_below(sv->load, full, sv->pol->max_concurrent);
	return 1;
}

/* The distinct groups of a plan's systems, NULL-terminated (borrowed). */
static const char **
groups_of(const struct policy *pol, const struct plan *p)
{
	const struct system *s;
	const char **g = xcalloc(strv_len(p->systems) + 1, sizeof *g);
	size_t	 i, j, n = 0;

	for (i = 0; p->systems[i] != NULL; i++) {
		if ((s = policy_system(pol, p->systems[i])) == NULL)
			continue;
		for (j = 0; j < n && strcmp(g[j], s->group) != 0; j++)
			;
		if (j == n)
			g[n++] = s->group;
	}
	return g;
}

/* Does a freeze limited to some groups touch any of these? */
static int
freeze_applies(const struct freeze_def *f, const char **groups)
{
	size_t	 i, j;

	if (f == NULL || f->groups == NULL)
		return 1;
	for (i = 0; groups[i] != NULL; i++) {
		for (j = 0; f->groups[j] != NULL; j++) {
			if (strcmp(f->groups[j], groups[i]) == 0)
				return 1;
		}
	}
	return 0;
}

/* Why the last try failed, for the plan's reason. */
struct blocker {
	char	*what;
};

static void
blocked_by(struct blocker *b, char *what)
{
	free(b->what);
	b->what = what;
}

/*
 * The first obstacle to [s, e) for a plan, or 0: *next is when it ends.
 * Checks freezes (not for a break-glass placement), the plan's systems,
 * max_concurrent, and the availability budgets (not for break-glass; the
 * period's end is where the search goes on).
 */
static int
obstacle(struct solver *sv, const struct plan *p, const char **groups,
    int64_t s, int64_t e, int64_t *next, struct blocker *b, int break_glass)
{
	const struct placed *o;
	const struct system *sys;
	char	*why;
	size_t	 i;

	for (i = 0; !break_glass && i < sv->pol->nfreezes; i++) {
		if (!freeze_applies(&sv->pol->freezes[i], groups) ||
		    (o = ivec_overlap(&sv->freeze[i], s, e)) == NULL)
			continue;
		*next = o->end;
		blocked_by(b, xasprintf("freeze '%s'", o->id));
		return 1;
	}
	for (i = 0; p->systems[i] != NULL; i++) {
		if ((sys = policy_system(sv->pol, p->systems[i])) == NULL ||
		    (o = ivec_overlap(&sv->sys[sys - sv->pol->systems], s, e)) == NULL)
			continue;
		*next = o->end;
		blocked_by(b, xasprintf("overlaps %s on %s", o->id, sys->name));
		return 1;
	}
	if (too_many(sv, s, e, next)) {
		blocked_by(b, xasprintf("max_concurrent %d reached",
		    sv->pol->max_concurrent));
		return 1;
	}
	if (!break_glass && !budget_fits(sv->ledger, p->systems,
	    impact_names[p->impact], s, e, &why, next)) {
		blocked_by(b, why);
		return 1;
	}
	return 0;
}

/* First occurrence of window w that ends after t. */
static size_t
occ_first_ending_after(const struct interval *v, size_t n, int64_t t)
{
	size_t	 lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (v[mid].end <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct found {
	int64_t	 start, end;
	size_t	 window;
};

/* Try the occurrence [os, oe) of a window from earliest; 1 when placed. */
static int
try_occurrence(struct solver *sv, const struct plan *p, const char **groups,
    int64_t os, int64_t oe, int64_t earliest, int64_t latest,
    struct found *f, struct blocker *b, int break_glass)
{
	int64_t	 t = os > earliest ? os : earliest, next;
	int64_t	 limit = oe < latest ? oe : latest;

	while (t + p->duration <= limit) {
		if (!obstacle(sv, p, groups, t, t + p->duration, &next, b,
		    break_glass)) {
			f->start = t;
			f->end = t + p->duration;
			return 1;
		}
		if (next <= t)
			break;
		t = next;
	}
	return 0;
}

/*
 * The earliest slot in [earliest, latest) inside one occurrence of a
 * window open to all the plan's groups; 1 when found.
 */
static int
find_slot(struct solver *sv, const struct plan *p, const char **groups,
    int64_t earliest, int64_t latest, struct found *f, struct blocker *b,
    int *any_window, int break_glass)
{
	const struct policy *pol = sv->pol;
	size_t	*pos = xcalloc(pol->nwindows + 1, sizeof *pos), w, best;
	int	 found = 0;

	*any_window = 0;
	for (w = 0; w < pol->nwindows; w++) {
		if (!window_covers(&pol->windows[w], (char *const *)groups) ||
		    pol->windows[w].duration < p->duration) {
			pos[w] = sv->nwocc[w];
			continue;
		}
		*any_window = 1;
		pos[w] = occ_first_ending_after(sv->wocc[w], sv->nwocc[w],
		    earliest + p->duration - 1);
	}
	for (;;) {
		best = pol->nwindows;
		for (w = 0; w < pol->nwindows; w++) {
			if (pos[w] < sv->nwocc[w] && (best == pol->nwindows ||
			    sv->wocc[w][pos[w]].start < sv->wocc[best][pos[best]].start))
				best = w;
		}
		if (best == pol->nwindows ||
		    sv->wocc[best][pos[best]].start + p->duration > latest)
			break;
		if (try_occurrence(sv, p, groups, sv->wocc[best][pos[best]].start,
		    sv->wocc[best][pos[best]].end, earliest, latest, f, b,
		    break_glass)) {
			f->window = best;
			found = 1;
			break;
		}
		pos[best]++;
	}
	free(pos);
	return found;
}

/*
 * A break-glass placement the policy lets out of the windows: the
 * earliest [t, t + duration) in [earliest, latest) free of the plan's
 * systems and of max_concurrent; f->window is the number of windows.
 */
static int
find_anywhere(struct solver *sv, const struct plan *p, const char **groups,
    int64_t earliest, int64_t latest, struct found *f, struct blocker *b)
{
	int64_t	 t = earliest, next;

	while (t + p->duration <= latest) {
		if (!obstacle(sv, p, groups, t, t + p->duration, &next, b, 1)) {
			f->start = t;
			f->end = t + p->duration;
			f->window = sv->pol->nwindows;
			return 1;
		}
		if (next <= t)
			break;
		t = next;
	}
	return 0;
}

/* "2026-12-02T01:00+08:00" in zone (UTC when unknown). */
static char *
fmt_local(int64_t t, const char *zone)
{
	char	*full = tz_format(t, zone), *out;

	/* drop the seconds: "YYYY-MM-DDTHH:MM" + offset */
	out = xasprintf("%.16s%s", full, full + 19);
	free(full);
	return out;
}

static const struct plan *
find_plan(const struct schedule_input *in, const char *id)
{
	size_t	 lo = 0, hi = in->nplans, mid;
	int	 c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(in->plans[mid]->id, id)) == 0)
			return in->plans[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * When the dependencies allow the plan to start: the latest end among
 * them; -1 with *why when one is not placed.
 */
static int64_t
deps_end(struct solver *sv, const struct plan *p, char **why)
{
	const struct plan_state *d;
	int64_t	 end = 0;
	size_t	 i;

	for (i = 0; p->depends_on[i] != NULL; i++) {
		d = state_find(sv->st, p->depends_on[i]);
		if (d != NULL && d->status == ST_COMPLETED)
			continue;
		if (d == NULL || !d->slot_live || !status_has_slot(d->status)) {
			*why = xasprintf("waits for '%s' (%s)", p->depends_on[i],
			    d != NULL ? status_names[d->status] : "unknown");
			return -1;
		}
		if (d->slot.end > end)
			end = d->slot.end;
	}
	return end;
}

/* The earliest start the plan may have, from notice, not_before and deps. */
static int64_t
earliest_start(struct solver *sv, const struct plan *p,
    const struct plan_state *ps, char **why)
{
	int64_t	 t = sv->in->now + ps->risk.notice, d;

	if (p->has_not_before && p->not_before > t)
		t = p->not_before;
	if ((d = deps_end(sv, p, why)) < 0)
		return -1;
	return d > t ? d : t;
}

static void
set_reason(struct plan_state *ps, char *reason)
{
	if (ps->reason != NULL && reason != NULL && strcmp(ps->reason, reason) == 0) {
		free(reason);
		return;
	}
	free(ps->reason);
	ps->reason = reason;
	ps->dirty = 1;
}

/* Names of the windows open to the plan, for messages: "'a', 'b'". */
static char *
window_names(const struct policy *pol, const char **groups)
{
	struct buf b = BUF_INIT;
	size_t	 w;

	for (w = 0; w < pol->nwindows; w++) {
		if (window_covers(&pol->windows[w], (char *const *)groups))
			buf_addf(&b, "%s'%s'", b.len ? ", " : "", pol->windows[w].name);
	}
	if (b.len == 0)
		buf_adds(&b, "any window");
	return buf_detach(&b, NULL);
}

static char *
unplaced_reason(struct solver *sv, const struct plan *p, const char **groups,
    int64_t latest, const struct blocker *b)
{
	char	*dur = dur_human(p->duration), *wins = window_names(sv->pol, groups);
	char	*when = fmt_local(latest, sv->pol->timezone), *sys, *r;
	struct buf sb = BUF_INIT;
	size_t	 i;

	for (i = 0; p->systems[i] != NULL; i++)
		buf_addf(&sb, "%s%s", i ? ", " : "", p->systems[i]);
	sys = buf_detach(&sb, NULL);
	r = xasprintf("no %s slot in %s for %s before %.10s: %s", dur, wins,
	    sys, when, b->what != NULL ? b->what : "no window occurrence is "
	    "long enough after the notice period");
	free(dur);
	free(wins);
	free(when);
	free(sys);
	return r;
}

/* A plan taking part in this run, with what ordering needs. */
struct cand {
	const struct plan *p;
	struct plan_state *ps;
	char	**bg_by;	/* break-glass approvers enough: may enter freezes */
	int	 earlier;	/* break-glass came after the slot: try earlier */
	int	 level;
	size_t	 indeg;
	size_t	*next;		/* dependents among the candidates */
	size_t	 nnext, anext;
};

static int
level_index(const struct policy *pol, const char *name)
{
	size_t	 i;

	for (i = 0; name != NULL && i < pol->nlevels; i++) {
		if (strcmp(pol->levels[i].name, name) == 0)
			return (int)i;
	}
	return 0;
}

/* Emergency first, then higher risk, earlier submission, id. */
static int
cand_before(const struct cand *a, const struct cand *b)
{
	if (a->ps->risk.emergency != b->ps->risk.emergency)
		return a->ps->risk.emergency;
	if (a->level != b->level)
		return a->level > b->level;
	if (a->ps->risk.score != b->ps->risk.score)
		return a->ps->risk.score > b->ps->risk.score;
	if (a->ps->submitted_at != b->ps->submitted_at)
		return a->ps->submitted_at < b->ps->submitted_at;
	return strcmp(a->p->id, b->p->id) < 0;
}

static int
cand_id_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cand *)a)->p->id,
	    ((const struct cand *)b)->p->id);
}

static void
heap_push(const struct cand *c, size_t *h, size_t *n, size_t x)
{
	size_t	 i = (*n)++, parent;

	h[i] = x;
	while (i > 0 && cand_before(&c[h[i]], &c[h[parent = (i - 1) / 2]])) {
		size_t t = h[i]; h[i] = h[parent]; h[parent] = t;
		i = parent;
	}
}

static size_t
heap_pop(const struct cand *c, size_t *h, size_t *n)
{
	size_t	 top = h[0], i = 0, l, r, m;

	h[0] = h[--(*n)];
	for (;;) {
		l = 2 * i + 1; r = l + 1; m = i;
		if (l < *n && cand_before(&c[h[l]], &c[h[m]]))
			m = l;
		if (r < *n && cand_before(&c[h[r]], &c[h[m]]))
			m = r;
		if (m == i)
			break;
		size_t t = h[i]; h[i] = h[m]; h[m] = t;
		i = m;
	}
	return top;
}

/*
 * Order candidates (sorted by id in place) so that a plan comes after the
 * candidates it depends on, and otherwise by priority. Returns indexes.
 */
static size_t *
cand_order(const struct policy *pol, struct cand *c, size_t n)
{
	size_t	*order = xcalloc(n + 1, sizeof *order), *heap, nh = 0, no = 0;
	size_t	 i, j, x;
	struct cand key, *d;

	array_sort(c, n, sizeof *c, cand_id_cmp);
	for (i = 0; i < n; i++)
		c[i].level = level_index(pol, c[i].ps->risk.level);
	for (i = 0; i < n; i++) {
		for (j = 0; c[i].p->depends_on[j] != NULL; j++) {
			struct plan kp;
			kp.id = c[i].p->depends_on[j];
			key.p = &kp;
			if ((d = bsearch(&key, c, n, sizeof *c, cand_id_cmp)) == NULL)
				continue;
			if (d->nnext == d->anext) {
				d->anext = d->anext ? d->anext * 2 : 4;
				d->next = xreallocarray(d->next, d->anext, sizeof *d->next);
			}
			d->next[d->nnext++] = i;
			c[i].indeg++;
		}
	}
	heap = xcalloc(n + 1, sizeof *heap);
	for (i = 0; i < n; i++) {
		if (c[i].indeg == 0)
			heap_push(c, heap, &nh, i);
	}
	while (nh > 0) {
		x = heap_pop(c, heap, &nh);
		order[no++] = x;
		for (j = 0; j < c[x].nnext; j++) {
			if (--c[c[x].next[j]].indeg == 0)
				heap_push(c, heap, &nh, c[x].next[j]);
		}
	}
	/* a cycle (which check refuses) leaves plans out: append them */
	for (i = 0; i < n && no < n; i++) {
		if (c[i].indeg != 0)
			order[no++] = i;
	}
	free(heap);
	return order;
}

static void
cands_free(struct cand *c, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(c[i].next);
		strv_free(c[i].bg_by);
	}
	free(c);
}

static const struct window_def *
window_named(const struct policy *pol, const char *name, size_t *index)
{
	size_t	 i;

	for (i = 0; name != NULL && i < pol->nwindows; i++) {
		if (strcmp(pol->windows[i].name, name) == 0) {
			*index = i;
			return &pol->windows[i];
		}
	}
	return NULL;
}

/* Why a live slot no longer holds (allocated), or NULL when it does. */
static char *
slot_problem(struct solver *sv, const struct plan *p, struct plan_state *ps,
    const char **groups, int break_glass)
{
	const struct slot *sl = &ps->slot;
	const struct window_def *w;
	const struct plan_state *d;
	struct blocker b = { NULL };
	int64_t	 next;
	size_t	 wi, i;

	if (sl->end <= sv->in->now)
		return xstrdup("the slot passed without a run");
	if (ps->break_glass.outside_window) {
		if (!break_glass || !sv->pol->break_glass.outside_windows)
			return xstrdup("it lies outside the windows and the "
			    "break-glass that placed it no longer holds");
	} else if ((w = window_named(sv->pol, sl->window, &wi)) == NULL ||
	    !window_covers(w, (char *const *)groups))
		return xasprintf("window '%s' no longer admits the plan", sl->window);
	else {
		i = occ_first_ending_after(sv->wocc[wi], sv->nwocc[wi], sl->start);
		if (i == sv->nwocc[wi] || sv->wocc[wi][i].start > sl->start ||
		    sv->wocc[wi][i].end < sl->end)
			return xasprintf("the slot is no longer inside window '%s'",
			    w->name);
	}
	if (sl->end - sl->start != p->duration)
		return xstrdup("the duration changed");
	if (sl->start < ps->published_at + ps->risk.notice)
		return xstrdup("the notice period grew beyond the slot");
	if ((p->has_not_before && sl->start < p->not_before) ||
	    (p->has_not_after && sl->end > p->not_after))
		return xstrdup("the slot is outside not_before/not_after");
	for (i = 0; p->depends_on[i] != NULL; i++) {
		d = state_find(sv->st, p->depends_on[i]);
		if (d != NULL && d->status == ST_COMPLETED)
			continue;
		if (d == NULL || !d->slot_live || d->slot.end > sl->start)
			return xasprintf("dependency '%s' moved or lost its slot",
			    p->depends_on[i]);
	}
	if (obstacle(sv, p, groups, sl->start, sl->end, &next, &b, break_glass))
		return b.what;
	return NULL;
}

/* The freezes that [s, e) lies in for the plan's groups (allocated). */
static char **
freezes_over(struct solver *sv, const char **groups, int64_t s, int64_t e)
{
	const struct placed *o;
	char	**v = xcalloc(sv->pol->nfreezes + 1, sizeof *v);
	size_t	 i, n = 0;

	for (i = 0; i < sv->pol->nfreezes; i++) {
		if (freeze_applies(&sv->pol->freezes[i], groups) &&
		    (o = ivec_overlap(&sv->freeze[i], s, e)) != NULL)
			v[n++] = xstrdup(o->id);
	}
	return v;
}

/* Say, in the state, what a break-glass slot overrides (or nothing). */
static void
note_break_glass(struct solver *sv, struct cand *c, const char **groups,
    int outside, char *overspend)
{
	struct plan_state *ps = c->ps;
	char	**fz = freezes_over(sv, groups, ps->slot.start, ps->slot.end);
	char	*text;

	if (fz[0] == NULL && !outside && overspend == NULL) {
		strv_free(fz);
		state_clear_break_glass(ps);
		return;
	}
	state_clear_break_glass(ps);
	ps->break_glass.by = c->bg_by;
	c->bg_by = NULL;
	ps->break_glass.freezes = fz;
	ps->break_glass.outside_window = outside;
	ps->break_glass.overspend = overspend;
	ps->dirty = 1;
	text = state_break_glass_text(ps);
	state_log(sv->st, ps, "break-glass %s: %s", ps->id, text);
	free(text);
}

static void
log_release(struct solver *sv, struct plan_state *ps, const char *why)
{
	char	*at = fmt_local(ps->slot.start, ps->slot.timezone);

	state_log(sv->st, ps, "release %s %s (%s)", ps->id, at, why);
	free(at);
}

/*
 * A slot that ended without a run is missed: released as of its end (so
 * the feeds, which said so from that instant, say the same after), with
 * the reason, and counted; the plan is placed anew below.
 */
static void
note_miss(struct solver *sv, struct plan_state *ps, struct schedule_stats *st)
{
	char	*at = fmt_local(ps->slot.start, ps->slot.timezone), *why;
	size_t	 n = st->missed;

	state_log(sv->st, ps, "miss %s %s (the slot ended without a run)",
	    ps->id, at);
	why = xasprintf("missed: the slot of %s ended without a run", at);
	state_release_slot(ps, ps->slot.end);
	free(ps->reason);
	ps->reason = why;
	state_set_status(sv->st, ps, ST_APPROVED, ps->slot.end);
	st->missed_ids = xreallocarray(st->missed_ids, n + 2,
	    sizeof *st->missed_ids);
	st->missed_ids[n] = xstrdup(ps->id);
	st->missed_ids[n + 1] = NULL;
	st->missed_start = xreallocarray(st->missed_start, n + 1, sizeof (int64_t));
	st->missed_end = xreallocarray(st->missed_end, n + 1, sizeof (int64_t));
	st->missed_start[n] = ps->slot.start;
	st->missed_end[n] = ps->slot.end;
	st->missed++;
	free(at);
}

void
schedule_stats_release(struct schedule_stats *st)
{
	strv_free(st->missed_ids);
	free(st->missed_start);
	free(st->missed_end);
	memset(st, 0, sizeof *st);
}

/* Keep a live slot if it still holds; otherwise free it for a new place. */
static void
keep_or_release(struct solver *sv, struct cand *c, struct schedule_stats *stats)
{
	const char **groups = groups_of(sv->pol, c->p);
	char	*why;

	if (state_slot_missed(c->ps, sv->in->now)) {
		note_miss(sv, c->ps, stats);
		free(groups);
		return;
	}
	why = slot_problem(sv, c->p, c->ps, groups, c->bg_by != NULL);
	if (why == NULL) {
		occupy(sv, c->p, c->ps->slot.start,
		    c->ps->slot.end);
		stats->kept++;
		c->earlier = c->bg_by != NULL && c->ps->break_glass.by == NULL;
	} else {
		log_release(sv, c->ps, why);
		state_release_slot(c->ps, sv->in->now);
		state_clear_break_glass(c->ps);
		state_set_status(sv->st, c->ps, ST_APPROVED, sv->in->now);
		free(why);
	}
	free(groups);
}

static void
assign_slot(struct solver *sv, struct plan_state *ps, const struct found *f,
    int moved, struct schedule_stats *stats)
{
	const struct window_def *w = f->window < sv->pol->nwindows ?
	    &sv->pol->windows[f->window] : NULL;
	const char *zone = w != NULL && w->timezone != NULL ? w->timezone :
	    w == NULL && sv->pol->timezone != NULL ? sv->pol->timezone : "UTC";
	char	*at, *until;

	free(ps->slot.window);
	free(ps->slot.timezone);
	ps->slot.start = f->start;
	ps->slot.end = f->end;
	ps->slot.window = xstrdup(w != NULL ? w->name : "break-glass");
	ps->slot.timezone = xstrdup(zone);
	ps->has_slot = 1;
	ps->slot_live = 1;
	ps->published_at = sv->in->now;
	ps->updated_at = sv->in->now;
	ps->sequence++;
	free(ps->reason);
	ps->reason = NULL;
	state_set_status(sv->st, ps, ST_SCHEDULED, sv->in->now);
	at = fmt_local(f->start, ps->slot.timezone);
	until = fmt_local(sv->in->now + ps->risk.notice, ps->slot.timezone);
	state_log(sv->st, ps, "%s %s %s (window '%s', notice held from %s)",
	    moved ? "move" : "schedule", ps->id, at, ps->slot.window, until);
	free(at);
	free(until);
	if (moved)
		stats->moved++;
	else
		stats->placed++;
}

/*
 * The earliest place: in a window, through freezes with break-glass, and
 * outside the windows when the policy lets break-glass out of them.
 */
static int
find_place(struct solver *sv, struct cand *c, const char **groups,
    int64_t earliest, int64_t latest, struct found *f, struct blocker *b,
    int *any)
{
	struct found g = { 0, 0, 0 };
	int	 in = find_slot(sv, c->p, groups, earliest, latest, f, b, any,
	    c->bg_by != NULL);

	if (c->bg_by == NULL || !sv->pol->break_glass.outside_windows)
		return in;
	if (find_anywhere(sv, c->p, groups, earliest, in ? f->start : latest,
	    &g, b) && (!in || g.start < f->start)) {
		*f = g;
		return 1;
	}
	return in;
}

/* What a break-glass placement overspends of a budget, or NULL. */
static char *
overspent(struct solver *sv, const struct plan *p, const struct found *f)
{
	char	*why = NULL;
	int64_t	 next;

	if (budget_fits(sv->ledger, p->systems, impact_names[p->impact],
	    f->start, f->end, &why, &next))
		return NULL;
	return why;
}

/*
 * Break-glass given to an emergency change that holds a later slot: an
 * earlier place through the freezes, if there is one, replaces it.
 */
static void
move_earlier(struct solver *sv, struct cand *c, struct schedule_stats *stats)
{
	const char **groups = groups_of(sv->pol, c->p);
	struct blocker b = { NULL };
	struct found f = { 0, 0, 0 };
	char	*why = NULL, *over;
	int64_t	 earliest;
	int	 any;

	if ((earliest = earliest_start(sv, c->p, c->ps, &why)) >= 0 &&
	    find_place(sv, c, groups, earliest, c->ps->slot.start, &f, &b,
	    &any) && f.start < c->ps->slot.start) {
		log_release(sv, c->ps, "break-glass lets it in earlier");
		budget_ledger_add(sv->ledger, c->p->systems,
		    impact_names[c->p->impact], c->ps->slot.start,
		    c->ps->slot.end, -1);
		state_release_slot(c->ps, sv->in->now);
		stats->kept--;
		assign_slot(sv, c->ps, &f, 1, stats);
		over = overspent(sv, c->p, &f);
		occupy(sv, c->p, f.start, f.end);
		note_break_glass(sv, c, groups, f.window == sv->pol->nwindows,
		    over);
	}
	free(why);
	free(b.what);
	free(groups);
}

static void
place(struct solver *sv, struct cand *c, struct schedule_stats *stats)
{
	const char **groups = groups_of(sv->pol, c->p);
	struct blocker b = { NULL };
	struct found f = { 0, 0, 0 };
	char	*why = NULL, *over;
	int64_t	 earliest, latest = sv->to;
	int	 any, moved = c->ps->has_slot;

	if (c->p->has_not_after && c->p->not_after < latest)
		latest = c->p->not_after;
	if ((earliest = earliest_start(sv, c->p, c->ps, &why)) >= 0 &&
	    find_place(sv, c, groups, earliest, latest, &f, &b, &any)) {
		assign_slot(sv, c->ps, &f, moved, stats);
		over = c->bg_by != NULL ? overspent(sv, c->p, &f) : NULL;
		occupy(sv, c->p, f.start, f.end);
		if (c->bg_by != NULL)
			note_break_glass(sv, c, groups,
			    f.window == sv->pol->nwindows, over);
		else
			state_clear_break_glass(c->ps);
	} else {
		if (why == NULL)
			why = unplaced_reason(sv, c->p, groups, latest, &b);
		if (c->p->has_not_after && c->p->not_after <= sv->to &&
		    earliest >= 0) {
			set_reason(c->ps, why);
			state_set_status(sv->st, c->ps, ST_EXPIRED, sv->in->now);
			state_log(sv->st, c->ps, "expire %s: %s", c->p->id,
			    c->ps->reason);
			stats->expired++;
		} else {
			if (c->ps->reason == NULL || strcmp(c->ps->reason, why) != 0)
				state_log(sv->st, c->ps, "defer %s: %s", c->p->id, why);
			set_reason(c->ps, why);
			stats->blocked++;
		}
	}
	free(b.what);
	free(groups);
}

static int
solver_init(struct solver *sv, const struct schedule_input *in,
    struct state *st, char **cause)
{
	const struct policy *pol = in->policy;
	int64_t	 from;
	size_t	 i, j, n;
	struct interval *iv;

	memset(sv, 0, sizeof *sv);
	sv->in = in;
	sv->pol = pol;
	sv->st = st;
	sv->to = in->now + (in->horizon > 0 ? in->horizon : 400 * (int64_t)DAY);
	from = in->now - 8 * (int64_t)DAY;
	sv->load = load_new(from - from % 60, sv->to + 16 * DAY);
	sv->sys = xcalloc(pol->nsystems + 1, sizeof *sv->sys);
	if (pol->navailability > 0)
		sv->ledger = budget_ledger_new(pol);
	sv->wocc = xcalloc(pol->nwindows + 1, sizeof *sv->wocc);
	sv->nwocc = xcalloc(pol->nwindows + 1, sizeof *sv->nwocc);
	for (i = 0; i < pol->nwindows; i++) {
		if (window_expand(&pol->windows[i], from, sv->to, &sv->wocc[i],
		    &sv->nwocc[i], cause) != 0)
			return -1;
	}
	sv->freeze = xcalloc(pol->nfreezes + 1, sizeof *sv->freeze);
	for (i = 0; i < pol->nfreezes; i++) {
		if (freeze_expand(&pol->freezes[i], from, sv->to + 8 * DAY, &iv,
		    &n, cause) != 0)
			return -1;
		/* add the fetched events of a URL freeze */
		for (j = 0; j < in->nextra; j++) {
			if (in->extra[j].freeze != i)
				continue;
			iv = xreallocarray(iv, n + 1, sizeof *iv);
			iv[n].start = in->extra[j].start;
			iv[n++].end = in->extra[j].end;
		}
		ivec_from_intervals(&sv->freeze[i], iv, n, pol->freezes[i].name);
		free(iv);
	}
	return 0;
}

static void
solver_free(struct solver *sv)
{
	size_t	 i;

	load_free(sv->load);
	budget_ledger_free(sv->ledger);
	for (i = 0; sv->sys != NULL && i < sv->pol->nsystems; i++)
		free(sv->sys[i].v);
	free(sv->sys);
	for (i = 0; sv->wocc != NULL && i < sv->pol->nwindows; i++)
		free(sv->wocc[i]);
	free(sv->wocc);
	free(sv->nwocc);
	for (i = 0; sv->freeze != NULL && i < sv->pol->nfreezes; i++)
		free(sv->freeze[i].v);
	free(sv->freeze);
}

static int
listed(char **v, size_t n, const char *who)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (strcasecmp(v[i], who) == 0)
			return 1;
	}
	return 0;
}

/*
 * An emergency change with the policy's number of break-glass approvals
 * may be placed inside freezes: their principals (allocated), or NULL.
 */
static char **
break_glass_by(const struct policy *pol, const struct plan_state *ps)
{
	struct approval_count c;
	const struct approval *a;
	char	**v = NULL;
	size_t	 i, n = 0;

	if (!ps->risk.emergency)
		return NULL;
	trust_count(pol, ps, &c);
	if (trust_break_glass(pol, &c)) {
		v = xcalloc(ps->napprovals + 1, sizeof *v);
		for (i = 0; i < ps->napprovals; i++) {
			a = &ps->approvals[i];
			if (a->vetted && a->break_glass && !a->reject &&
			    strcmp(a->revision, ps->revision) == 0 &&
			    !listed(v, n, a->approver))
				v[n++] = xstrdup(a->approver);
		}
	}
	approval_count_release(&c);
	return v;
}

int
schedule_solve(const struct schedule_input *in, struct state *st,
    struct schedule_stats *stats, char **cause)
{
	struct solver sv;
	struct cand *kept, *todo;
	struct plan_state *ps;
	const struct plan *p;
	size_t	 i, nk = 0, nt = 0, *order;
	int	 rc = -1;

	memset(stats, 0, sizeof *stats);
	kept = xcalloc(st->n + 1, sizeof *kept);
	todo = xcalloc(st->n + 1, sizeof *todo);
	if (solver_init(&sv, in, st, cause) != 0)
		goto out;
	for (i = 0; i < st->n; i++) {
		ps = st->items[i];
		/* changes that ran spent their budget in their slot */
		if (ps->has_slot && (ps->status == ST_COMPLETED ||
		    ps->status == ST_ROLLED_BACK || ps->status == ST_FAILED))
			budget_ledger_add(sv.ledger, ps->snap.systems,
			    ps->snap.impact, ps->slot.start, ps->slot.end, 1);
		if ((p = find_plan(in, ps->id)) == NULL)
			continue;
		if (ps->slot_live && (ps->status == ST_BACKING_UP ||
		    ps->status == ST_EXECUTING || ps->status == ST_VERIFYING))
			occupy(&sv, p, ps->slot.start, ps->slot.end);
		else if (ps->status == ST_SCHEDULED && ps->slot_live) {
			kept[nk].p = p;
			kept[nk].bg_by = break_glass_by(in->policy, ps);
			kept[nk++].ps = ps;
		}
	}
	order = cand_order(in->policy, kept, nk);
	for (i = 0; i < nk; i++)
		keep_or_release(&sv, &kept[order[i]], stats);
	for (i = 0; i < nk; i++) {
		if (kept[order[i]].earlier)
			move_earlier(&sv, &kept[order[i]], stats);
	}
	free(order);
	for (i = 0; i < st->n; i++) {
		ps = st->items[i];
		if (ps->status == ST_APPROVED && (p = find_plan(in, ps->id)) != NULL) {
			todo[nt].p = p;
			todo[nt].bg_by = break_glass_by(in->policy, ps);
			todo[nt++].ps = ps;
		}
	}
	order = cand_order(in->policy, todo, nt);
	for (i = 0; i < nt; i++)
		place(&sv, &todo[order[i]], stats);
	free(order);
	rc = 0;
out:
	solver_free(&sv);
	cands_free(kept, nk);
	cands_free(todo, nt);
	return rc;
}
