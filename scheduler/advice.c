/* advice: recommendations backed by their figures (clause 4.3) */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "advice.h"
#include "budget.h"
#include "datetime.h"
#include "policy.h"
#include "report.h"
#include "state.h"
#include "trust.h"
#include "util.h"
#include "window.h"

#define DAY		86400
#define WINDOW_MIN_OCC	4	/* occurrences before a window is judged */
#define LONGER_FACTOR	1.25	/* a run this much over its plan is noted */
#define LONGER_MIN	600	/* ... when it is also 10 minutes over */
#define APPROVAL_WAIT	DAY	/* plans waiting longer are named */
#define APPROVAL_SHOWN	5
#define BUDGET_NEAR	80	/* percent of a budget spent or planned */

static void
add(struct advice_set *set, const char *kind, const char *subject,
    char *text, char *action)
{
	struct advice *a;

	set->v = xreallocarray(set->v, set->n + 1, sizeof *set->v);
	a = &set->v[set->n++];
	a->kind = xstrdup(kind);
	a->subject = xstrdup(subject);
	a->text = text;
	a->action = action;
}

/* --- windows: full, or never used */

static int
windows(const struct policy *pol, const struct state *st, int64_t from,
    int64_t to, struct advice_set *set, char **cause)
{
	const struct plan_state *ps;
	struct interval *iv;
	size_t	 w, k, i, n, used;

	for (w = 0; w < pol->nwindows; w++) {
		iv = NULL;
		n = 0;
		if (window_expand(&pol->windows[w], from, to, &iv, &n, cause) != 0)
			return -1;
		for (k = 0, used = 0; k < n; k++) {
			for (i = 0; i < st->n; i++) {
				ps = st->items[i];
				if (ps->has_slot && ps->slot.window != NULL &&
				    strcmp(ps->slot.window, pol->windows[w].name) == 0 &&
				    ps->slot.start < iv[k].end &&
				    ps->slot.end > iv[k].start &&
				    (ps->slot_live || ps->status == ST_COMPLETED ||
				    ps->status == ST_ROLLED_BACK ||
				    ps->status == ST_FAILED)) {
					used++;
					break;
				}
			}
		}
		free(iv);
		if (n < WINDOW_MIN_OCC)
			continue;
		if (used == 0)
			add(set, "window-unused", pol->windows[w].name,
			    xasprintf("window '%s' held no change in its %zu "
			    "occurrences of the period", pol->windows[w].name, n),
			    xstrdup("drop it, or give it the changes that wait "
			    "longest for a place"));
		else if (used * 10 >= n * 9)
			add(set, "window-full", pol->windows[w].name,
			    xasprintf("window '%s' held changes in %zu of its %zu "
			    "occurrences", pol->windows[w].name, used, n),
			    xstrdup("add a window or lengthen this one: changes "
			    "wait for room in it"));
	}
	return 0;
}

/* --- systems whose changes keep rolling back or failing */

static int
bad_outcome(const char *o)
{
	return strcmp(o, "rolled-back") == 0 || strcmp(o, "failed") == 0;
}

static void
rollbacks(const struct policy *pol, const struct state *st,
    const struct report *rep, struct advice_set *set)
{
	const struct plan_state *ps;
	struct buf ids;
	size_t	 s, i, runs, bad;

	for (s = 0; s < pol->nsystems; s++) {
		runs = bad = 0;
		buf_init(&ids);
		for (i = 0; i < rep->n; i++) {
			if ((ps = state_find(st, rep->rows[i].plan)) == NULL ||
			    !strv_has(ps->snap.systems, pol->systems[s].name) ||
			    strcmp(rep->rows[i].outcome, "deferred") == 0)
				continue;
			runs++;
			if (bad_outcome(rep->rows[i].outcome)) {
				buf_addf(&ids, "%s%s", bad > 0 ? ", " : "",
				    rep->rows[i].plan);
				bad++;
			}
		}
		if (bad >= 2)
			add(set, "rollbacks", pol->systems[s].name,
			    xasprintf("%s: %zu of %zu runs rolled back or failed "
			    "(%s)", pol->systems[s].name, bad, runs, buf_str(&ids)),
			    xasprintf("rehearse the changes of %s in staging and "
			    "test their rollback before the next one",
			    pol->systems[s].name));
		buf_release(&ids);
	}
}

/* --- changes that took much longer than planned */

static void
durations(const struct report *rep, struct advice_set *set)
{
	const struct report_row *r, *worst;
	char	*took, *plan, *iso;
	int64_t	 over, suggest;
	size_t	 i, j;

	for (i = 0; i < rep->n; i++) {
		r = &rep->rows[i];
		if (r->planned <= 0 || r->ended <= r->started)
			continue;
		over = (r->ended - r->started) - r->planned;
		if ((double)(r->ended - r->started) < r->planned * LONGER_FACTOR ||
		    over < LONGER_MIN)
			continue;
		/* one item per plan: its longest run */
		for (j = 0, worst = r; j < rep->n; j++) {
			if (strcmp(rep->rows[j].plan, r->plan) == 0 &&
			    rep->rows[j].ended - rep->rows[j].started >
			    worst->ended - worst->started)
				worst = &rep->rows[j];
		}
		if (worst != r)
			continue;
		for (j = 0; j < set->n; j++) {
			if (strcmp(set->v[j].kind, "duration") == 0 &&
			    strcmp(set->v[j].subject, r->plan) == 0)
				break;
		}
		if (j < set->n)
			continue;
		suggest = ((r->ended - r->started) * 7 / 6 + 899) / 900 * 900;
		took = dur_human(r->ended - r->started);
		plan = dur_human(r->planned);
		iso = dur_iso(suggest);
		add(set, "duration", r->plan, xasprintf("%s took %s against %s "
		    "planned (run %s)", r->plan, took, plan, r->run),
		    xasprintf("plan \"duration\": \"%s\" for it: what it took and "
		    "a sixth more, to the quarter hour", iso));
		free(took);
		free(plan);
		free(iso);
	}
}

/* --- plans waiting longest for approval, and from whom */

struct waiting {
	const struct plan_state *ps;
	int64_t	 since;
};

static int
waiting_cmp(const void *a, const void *b)
{
	const struct waiting *x = a, *y = b;

	if (x->since != y->since)
		return x->since < y->since ? -1 : 1;
	return strcmp(x->ps->id, y->ps->id);
}

/* Approvers who have not approved the current revision (not the owner). */
static char *
not_yet(const struct policy *pol, const struct plan_state *ps)
{
	struct buf b = BUF_INIT;
	size_t	 i, j;
	int	 given;

	buf_init(&b);
	for (i = 0; pol->approvers != NULL && pol->approvers[i] != NULL; i++) {
		given = ps->snap.owner != NULL &&
		    strcasecmp(ps->snap.owner, pol->approvers[i]) == 0;
		for (j = 0; !given && j < ps->napprovals; j++)
			given = strcasecmp(ps->approvals[j].approver,
			    pol->approvers[i]) == 0 &&
			    strcmp(ps->approvals[j].revision, ps->revision) == 0;
		if (!given)
			buf_addf(&b, "%s%s", b.len > 0 ? ", " : "",
			    pol->approvers[i]);
	}
	return buf_detach(&b, NULL);
}

static void
approvals(const struct policy *pol, const struct state *st, int64_t now,
    struct advice_set *set)
{
	struct waiting *w = xcalloc(st->n + 1, sizeof *w);
	struct approval_count c;
	const struct plan_state *ps;
	char	*wait, *who;
	size_t	 i, n = 0;

	for (i = 0; i < st->n; i++) {
		ps = st->items[i];
		if ((ps->status == ST_SUBMITTED || ps->status == ST_ASSESSED) &&
		    ps->submitted_at > 0 && now - ps->submitted_at >= APPROVAL_WAIT) {
			w[n].ps = ps;
			w[n++].since = ps->submitted_at;
		}
	}
	array_sort(w, n, sizeof *w, waiting_cmp);
	for (i = 0; i < n && i < APPROVAL_SHOWN; i++) {
		ps = w[i].ps;
		trust_count(pol, ps, &c);
		wait = dur_human(now - w[i].since);
		who = not_yet(pol, ps);
		add(set, "approval", ps->id, xasprintf("%s has waited %s for "
		    "approval: %d of %d%s%s", ps->id, wait, c.n < c.needed ? c.n :
		    c.needed, c.needed, c.missing != NULL ? ", still needs " : "",
		    c.missing != NULL ? c.missing : ""), xasprintf("ask %s",
		    *who != '\0' ? who : "the approvers"));
		free(wait);
		free(who);
		approval_count_release(&c);
	}
	free(w);
}

/* --- how much margin the notice periods had */

static int
i64_cmp(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void
notice(const struct state *st, int64_t from, int64_t to, struct advice_set *set)
{
	const struct plan_state *ps, *least = NULL;
	int64_t	*m = xcalloc(st->n + 1, sizeof *m), margin;
	size_t	 i, n = 0, held = 0;
	char	*med, *low;

	for (i = 0; i < st->n; i++) {
		ps = st->items[i];
		if (!ps->has_slot || ps->published_at == 0 ||
		    ps->slot.start < from || ps->slot.start >= to ||
		    !(ps->slot_live || ps->status == ST_COMPLETED ||
		    ps->status == ST_ROLLED_BACK || ps->status == ST_FAILED))
			continue;
		margin = ps->slot.start - (ps->published_at + ps->risk.notice);
		m[n++] = margin;
		held += margin >= 0;
		if (least == NULL || margin < least->slot.start -
		    (least->published_at + least->risk.notice))
			least = ps;
	}
	if (n > 0) {
		array_sort(m, n, sizeof *m, i64_cmp);
		med = dur_human(m[n / 2] > 0 ? m[n / 2] : 0);
		margin = least->slot.start - (least->published_at +
		    least->risk.notice);
		low = dur_human(margin > 0 ? margin : 0);
		add(set, "notice", "notice", xasprintf("the notice held for %zu "
		    "of %zu changes; median margin %s, the least %s (%s)", held, n,
		    med, low, least->id), margin < DAY ? xstrdup("submit and "
		    "approve earlier: a change placed just after its notice ends "
		    "cannot move without a new notice") : xstrdup("none: the "
		    "notices leave room"));
		free(med);
		free(low);
	}
	free(m);
}

/* --- budgets nearly spent */

static void
budgets(const struct policy *pol, const struct budget_row *r, size_t n,
    struct advice_set *set)
{
	char	*b, *subject;
	int64_t	 used;
	size_t	 i;

	for (i = 0; i < n; i++) {
		used = r[i].budget - r[i].left;
		if (r[i].budget <= 0 || used * 100 < r[i].budget * BUDGET_NEAR)
			continue;
		b = budget_minutes(r[i].budget);
		subject = xasprintf("%s %s", r[i].system, r[i].period.label);
		add(set, "budget", subject, xasprintf("%s %s: %lld%% of its %s "
		    "budget (target %s) spent or planned", r[i].system,
		    r[i].period.label, (long long)(used * 100 / r[i].budget), b,
		    pol->availability[r[i].target].target), xasprintf(
		    "further outage changes on %s move to the next period: plan "
		    "them shorter or degraded, or agree the target anew",
		    r[i].system));
		free(subject);
		free(b);
	}
}

int
advice_make(const struct policy *pol, const struct state *st,
    const struct report *rep, const struct budget_row *rows, size_t nrows,
    int64_t from, int64_t to, int64_t now, struct advice_set *set,
    char **cause)
{
	int64_t	 wfrom = from > now - 366 * DAY ? from : now - 366 * DAY;
	int64_t	 wto = to < now + 28 * DAY ? to : now + 28 * DAY;

	memset(set, 0, sizeof *set);
	if (wfrom < wto && windows(pol, st, wfrom, wto, set, cause) != 0) {
		advice_release(set);
		return -1;
	}
	rollbacks(pol, st, rep, set);
	durations(rep, set);
	approvals(pol, st, now, set);
	notice(st, from, to, set);
	budgets(pol, rows, nrows, set);
	return 0;
}

void
advice_release(struct advice_set *set)
{
	size_t	 i;

	for (i = 0; i < set->n; i++) {
		free(set->v[i].kind);
		free(set->v[i].subject);
		free(set->v[i].text);
		free(set->v[i].action);
	}
	free(set->v);
	memset(set, 0, sizeof *set);
}
