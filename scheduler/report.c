/* report: maintenance records of a period and compliance figures */
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "redact.h"
#include "budget.h"
#include "report.h"
#include "state.h"
#include "store.h"
#include "util.h"
#include "verify.h"

/*
 * What the record says went wrong (what made the run roll back, else why
 * it did not complete) and what was done about it.
 */
static void
problem_and_resolution(const struct record *r, const struct redactor *redact,
    struct report_row *row)
{
	struct record_phase p;
	const char *why = record_str(r, "rollback_reason"), *after;
	size_t	 i;
	int	 steps = 0, rollbacks = 0, rollback_failed = 0;

	for (i = 0; i < record_nphases(r); i++) {
		record_phase(r, i, &p);
		if (p.phase == NULL || p.status == NULL)
			continue;
		if (strcmp(p.phase, "step") == 0 && strcmp(p.status, "skipped") != 0)
			steps++;
		if (strcmp(p.phase, "rollback") == 0) {
			rollbacks++;
			if (strcmp(p.status, "ok") != 0)
				rollback_failed = 1;
		}
	}
	/* Several rollback phases: it failed if any of them did. */
	after = record_str(r, "after_rollback");
	if (rollbacks > 0 && rollback_failed)
		row->resolution = xstrdup("rollback failed");
	else if (rollbacks > 0 && after != NULL &&
	    strcmp(after, "verified") == 0)
		row->resolution = xstrdup("rollback succeeded, verified after it");
	else if (rollbacks > 0 && after != NULL)
		row->resolution = xstrdup("rollback succeeded, but the "
		    "verification after it FAILED");
	else if (rollbacks > 0)
		row->resolution = xstrdup("rollback succeeded");
	row->unverified = rollbacks > 0 && !rollback_failed && after != NULL &&
	    strcmp(after, "verified") != 0;
	if (why == NULL && strcmp(row->outcome, "completed") != 0)
		why = record_str(r, "reason");
	if (why != NULL)
		row->problem = redact_text(redact, why);
	if (row->resolution == NULL && steps == 0 &&
	    strcmp(row->outcome, "failed") == 0)
		row->resolution = xstrdup("none needed: no step had run");
	else if (row->resolution == NULL && strcmp(row->outcome,
	    "cancelled") == 0)
		row->resolution = xstrdup("cancelled");
	else if (row->resolution == NULL && strcmp(row->outcome,
	    "deferred") == 0)
		row->resolution = xstrdup("deferred by its precheck: nothing was "
		    "changed, the slot kept");
}

/* Did every phase run inside the slot? */
static int
inside_window(const struct record *r, int64_t s, int64_t e)
{
	struct record_phase p;
	size_t	 i;

	for (i = 0; i < record_nphases(r); i++) {
		record_phase(r, i, &p);
		if (p.started < s || (p.ended != 0 && p.ended > e))
			return 0;
	}
	return 1;
}

static void
collect_latencies(const struct record *r, struct latencies *l)
{
	struct verify_attempt a;
	size_t	 i;

	for (i = 0; i < record_nattempts(r); i++) {
		record_attempt(r, i, &a);
		if (a.status == 0)
			continue;	/* no response: no latency */
		if (l->n == l->alloc) {
			l->alloc = l->alloc ? l->alloc * 2 : 64;
			l->ms = xreallocarray(l->ms, l->alloc, sizeof *l->ms);
			l->max = xreallocarray(l->max, l->alloc, sizeof *l->max);
		}
		l->ms[l->n] = a.ms;
		l->max[l->n++] = a.max_ms;
	}
}

static void
fill_row(const struct record *r, const struct plan_state *ps,
    const struct redactor *redact, struct report_row *row)
{
	char	*resumed;

	row->plan = xstrdup(record_str(r, "plan"));
	row->run = xstrdup(record_str(r, "run"));
	row->title = xstrdup(record_str(r, "title") != NULL ?
	    record_str(r, "title") : (ps != NULL && ps->snap.title != NULL ?
	    ps->snap.title : ""));
	if ((resumed = record_resumed_by(r)) != NULL) {
		row->operator = xasprintf("%s, resumed by %s",
		    record_str(r, "operator") != NULL ? record_str(r, "operator") :
		    "?", resumed);
		free(resumed);
	} else
		row->operator = xstrdup(record_str(r, "operator") != NULL ?
		    record_str(r, "operator") : "");
	row->outcome = xstrdup(record_str(r, "outcome") != NULL ?
	    record_str(r, "outcome") : "unknown");
	row->started = record_time(r, "started_at");
	row->ended = record_time(r, "ended_at");
	row->slot_start = record_time(r, "slot_start");
	row->slot_end = record_time(r, "slot_end");
	row->planned = record_int(r, "planned_seconds");
	row->emergency = record_bool(r, "emergency");
	if (record_str(r, "break_glass") != NULL)
		row->break_glass = xstrdup(record_str(r, "break_glass"));
	row->simulated = record_bool(r, "simulated");
	row->notice_held = record_bool(r, "notice_held");
	row->inside_window = inside_window(r, row->slot_start, row->slot_end);
	problem_and_resolution(r, redact, row);
}

int
report_add(struct report *rep, const char *text, size_t len,
    const struct plan_state *ps, int64_t from, int64_t to, char **cause)
{
	struct record *r;
	struct report_row *row;

	if ((r = record_parse(text, len, cause)) == NULL)
		return -1;
	if (record_str(r, "plan") == NULL || record_str(r, "run") == NULL) {
		*cause = xstrdup("a record names its plan and run");
		record_free(r);
		return -1;
	}
	if (record_str(r, "outcome") != NULL &&
	    strcmp(record_str(r, "outcome"), "missed") == 0) {
		/* no run: a slot lost, counted apart from the runs */
		if (record_time(r, "slot_end") >= from &&
		    record_time(r, "slot_end") < to) {
			rep->missed = xreallocarray(rep->missed, rep->nmissed + 1,
			    sizeof *rep->missed);
			rep->missed[rep->nmissed].plan =
			    xstrdup(record_str(r, "plan"));
			rep->missed[rep->nmissed].slot_start =
			    record_time(r, "slot_start");
			rep->missed[rep->nmissed++].slot_end =
			    record_time(r, "slot_end");
		}
	} else if (record_time(r, "started_at") >= from &&
	    record_time(r, "started_at") < to) {
		if (rep->n == rep->alloc) {
			rep->alloc = rep->alloc ? rep->alloc * 2 : 16;
			rep->rows = xreallocarray(rep->rows, rep->alloc,
			    sizeof *rep->rows);
		}
		row = &rep->rows[rep->n++];
		memset(row, 0, sizeof *row);
		fill_row(r, ps, rep->redact, row);
		collect_latencies(r, &rep->lat);
	}
	record_free(r);
	return 0;
}

static int
load_row(struct repo *repo, const struct state *st, const char *id,
    const char *name, struct report *rep, int64_t from, int64_t to,
    char **cause)
{
	char	*path, *text, *why;
	size_t	 len;
	int	 rc;

	path = xasprintf("records/%s/%s", id, name);
	rc = store_read(repo, st, path, &text, &len, cause);
	if (rc == 0) {
		if (report_add(rep, text, len, state_find(st, id), from, to,
		    &why) != 0) {
			*cause = xasprintf("%s: %s", path, why);
			free(why);
			rc = -1;
		}
		free(text);
	}
	free(path);
	return rc < 0 ? -1 : 0;
}

static int
row_cmp(const void *a, const void *b)
{
	const struct report_row *x = a, *y = b;

	if (x->started != y->started)
		return x->started < y->started ? -1 : 1;
	return strcmp(x->plan, y->plan);
}

static int
i64_cmp(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int
long_cmp(const void *a, const void *b)
{
	long	 x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static void
figures(struct report *rep)
{
	struct latencies *l = &rep->lat;
	int64_t	 dur = 0, planned = 0, over;
	size_t	 i, finished = 0;

	for (i = 0; i < rep->n; i++) {
		struct report_row *r = &rep->rows[i];
		if (strcmp(r->outcome, "completed") == 0)
			rep->completed++;
		else if (strcmp(r->outcome, "rolled-back") == 0)
			rep->rolled_back++;
		else if (strcmp(r->outcome, "failed") == 0)
			rep->failed++;
		else if (strcmp(r->outcome, "deferred") == 0)
			rep->deferred++;
		else
			rep->other++;
		rep->unverified += r->unverified;
		rep->inside += r->inside_window;
		rep->notice += r->notice_held;
		rep->emergencies += r->emergency;
		rep->break_glass += r->break_glass != NULL;
		rep->simulated += r->simulated;
		if (r->ended == 0)
			continue;
		finished++;
		dur += r->ended - r->started;
		planned += r->planned;
		over = (r->ended - r->started) - r->planned;
		if (rep->worst_plan == NULL || over > rep->worst_over) {
			rep->worst_over = over;
			rep->worst_plan = r->plan;
		}
	}
	if (finished > 0) {
		rep->mean_duration = dur / (int64_t)finished;
		rep->mean_planned = planned / (int64_t)finished;
	}
	rep->nlatency = l->n;
	for (i = 0; i < l->n; i++)
		rep->over_max += l->max[i] > 0 && l->ms[i] > l->max[i];
	array_sort(l->ms, l->n, sizeof *l->ms, i64_cmp);
	array_sort(l->max, l->n, sizeof *l->max, long_cmp);
	if (l->n > 0) {
		rep->p50_ms = l->ms[(l->n - 1) / 2];
		rep->p95_ms = l->ms[(l->n * 95 + 99) / 100 - 1];
		rep->max_ms_p50 = l->max[(l->n - 1) / 2];
	}
}

void
report_finish(struct report *rep)
{
	array_sort(rep->rows, rep->n, sizeof *rep->rows, row_cmp);
	figures(rep);
}

/* Every run of one change whose record lies in [from, to). */
static int
load_runs_of(struct repo *repo, const struct state *st, const char *id,
    struct report *rep, int64_t from, int64_t to, char **cause)
{
	char	**runs, *dir = xasprintf("records/%s", id);
	size_t	 j;
	int	 rc;

	rc = store_list(repo, st, dir, &runs, cause);
	free(dir);
	if (rc != 0)
		return rc;
	for (j = 0; rc == 0 && runs[j] != NULL; j++) {
		if (str_endswith(runs[j], ".json"))
			rc = load_row(repo, st, id, runs[j], rep, from, to, cause);
	}
	strv_free(runs);
	return rc;
}

static int
build(struct repo *repo, const struct state *st, int working,
    const struct redactor *redact, int64_t from, int64_t to,
    struct report *rep, char **cause)
{
	char	**ids = NULL;
	size_t	 i;
	int	 rc = 0;

	memset(rep, 0, sizeof *rep);
	rep->redact = redact;
	if (working) {
		for (i = 0; rc == 0 && i < st->n; i++)
			rc = load_runs_of(repo, st, st->items[i]->id, rep, from,
			    to, cause);
	} else {
		if (store_list(repo, st, "records", &ids, cause) != 0)
			return -1;
		for (i = 0; rc == 0 && ids[i] != NULL; i++)
			rc = load_runs_of(repo, st, ids[i], rep, from, to, cause);
		strv_free(ids);
	}
	report_finish(rep);
	return rc;
}

int
report_build(struct repo *repo, const struct state *st,
    const struct redactor *redact, int64_t from, int64_t to,
    struct report *rep, char **cause)
{
	return build(repo, st, 0, redact, from, to, rep, cause);
}

int
report_build_working(struct repo *repo, const struct state *st,
    const struct redactor *redact, int64_t from, int64_t to,
    struct report *rep, char **cause)
{
	return build(repo, st, 1, redact, from, to, rep, cause);
}

void
report_release(struct report *rep)
{
	size_t	 i;

	for (i = 0; i < rep->n; i++) {
		struct report_row *r = &rep->rows[i];
		free(r->plan);
		free(r->run);
		free(r->title);
		free(r->operator);
		free(r->outcome);
		free(r->problem);
		free(r->resolution);
		free(r->break_glass);
	}
	free(rep->rows);
	for (i = 0; i < rep->nmissed; i++)
		free(rep->missed[i].plan);
	free(rep->missed);
	free(rep->lat.ms);
	free(rep->lat.max);
	memset(rep, 0, sizeof *rep);
}

void
report_actuals(const struct report *rep, const struct state *st,
    struct budget_ledger *l)
{
	const struct report_row *r;
	const struct plan_state *ps;
	size_t	 i;

	for (i = 0; i < rep->n; i++) {
		r = &rep->rows[i];
		if (r->ended <= r->started || strcmp(r->outcome, "deferred") == 0 ||
		    (ps = state_find(st, r->plan)) == NULL)
			continue;
		budget_ledger_actual(l, ps->snap.systems, ps->snap.impact,
		    r->started, r->ended);
	}
}
