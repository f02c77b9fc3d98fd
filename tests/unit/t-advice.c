/*
 * t-advice: the recommendations of a report, each with its figures: a
 * window never used, a system whose changes keep rolling back, a change
 * that took twice its plan (and the duration to plan), a plan waiting for
 * approval and from whom, the notice margins, a budget nearly spent.
 */
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "budget.h"
#include "diag.h"
#include "policy.h"
#include "report.h"
#include "state.h"
#include "tap.h"
#include "testutil.h"
#include "util.h"

static const char policy_json[] =
    "{ \"version\": 1, \"provider\": \"T\",\n"
    "  \"calendar\": { \"name\": \"T\", \"domain\": \"t.example\" },\n"
    "  \"timezone\": \"UTC\",\n"
    "  \"systems\": { \"db-1\": { \"group\": \"db\" }, \"web-1\": { \"group\": \"web\" } },\n"
    "  \"windows\": [ { \"name\": \"nights\", \"groups\": [\"db\", \"web\"],\n"
    "    \"start\": \"2026-01-05T01:00:00\", \"duration\": \"PT4H\", \"rrule\": \"FREQ=DAILY\" },\n"
    "    { \"name\": \"sundays\", \"groups\": [\"web\"],\n"
    "    \"start\": \"2026-01-04T03:00:00\", \"duration\": \"PT4H\", \"rrule\": \"FREQ=WEEKLY\" } ],\n"
    "  \"risk\": { \"weights\": {}, \"levels\": [ { \"name\": \"low\", \"notice\": \"P1D\", \"approvals\": 1 } ] },\n"
    "  \"approvers\": [\"alice@example.com\", \"bob@example.com\"],\n"
    "  \"availability\": [ { \"groups\": [\"db\"], \"target\": \"99.9%\", \"period\": \"month\" } ] }\n";

static struct plan_state *
mkstate(struct state *st, const char *id, const char *system, enum status s,
    const char *start, int64_t len)
{
	struct plan_state *ps = state_get(st, id);

	ps->status = s;
	ps->snap.title = xstrdup(id);
	ps->snap.owner = xstrdup("ops@example.com");
	ps->snap.impact = xstrdup("outage");
	ps->snap.systems = xcalloc(2, sizeof *ps->snap.systems);
	ps->snap.systems[0] = xstrdup(system);
	if (start != NULL) {
		ps->has_slot = 1;
		ps->slot_live = s == ST_SCHEDULED;
		ps->slot.start = at(start);
		ps->slot.end = ps->slot.start + len;
		ps->slot.window = xstrdup("nights");
		ps->published_at = ps->slot.start - 3 * 86400;
		ps->risk.notice = 86400;
	}
	return ps;
}

static void
mkrow(struct report *rep, const char *plan, const char *outcome,
    const char *start, int64_t took, int64_t planned)
{
	struct report_row *r;

	rep->rows = xreallocarray(rep->rows, rep->n + 1, sizeof *rep->rows);
	r = &rep->rows[rep->n++];
	memset(r, 0, sizeof *r);
	r->plan = xstrdup(plan);
	r->run = xasprintf("run-%zu", rep->n);
	r->title = xstrdup(plan);
	r->operator = xstrdup("ops@example.com");
	r->outcome = xstrdup(outcome);
	r->started = at(start);
	r->ended = r->started + took;
	r->planned = planned;
}

static const struct advice *
find(const struct advice_set *set, const char *kind)
{
	size_t	 i;

	for (i = 0; i < set->n; i++) {
		if (strcmp(set->v[i].kind, kind) == 0)
			return &set->v[i];
	}
	return NULL;
}

int
main(void)
{
	struct policy *pol = parse_test_policy(policy_json);
	struct state st;
	struct report rep;
	struct advice_set set;
	struct budget_ledger *l;
	struct budget_row *rows;
	const struct advice *a;
	struct plan_state *w;
	char	*cause = NULL;
	size_t	 n;
	int64_t	 now = at("2027-01-20T12:00:00Z");

	memset(&st, 0, sizeof st);
	memset(&rep, 0, sizeof rep);
	mkstate(&st, "up-1", "db-1", ST_COMPLETED, "2027-01-05T01:00:00Z", 3600);
	mkstate(&st, "up-2", "db-1", ST_ROLLED_BACK, "2027-01-06T01:00:00Z", 3600);
	mkstate(&st, "up-3", "db-1", ST_FAILED, "2027-01-07T01:00:00Z", 1800);
	w = mkstate(&st, "waits", "web-1", ST_ASSESSED, NULL, 0);
	w->submitted_at = at("2027-01-10T12:00:00Z");
	w->risk.approvals = 1;
	w->risk.level = xstrdup("low");
	mkrow(&rep, "up-1", "completed", "2027-01-05T01:00:00Z", 7200, 3600);
	mkrow(&rep, "up-2", "rolled-back", "2027-01-06T01:00:00Z", 600, 3600);
	mkrow(&rep, "up-3", "failed", "2027-01-07T01:00:00Z", 300, 1800);
	l = budget_ledger_of_state(pol, &st);
	report_actuals(&rep, &st, l);
	n = budget_rows(pol, l, at("2027-01-01T00:00:00Z"),
	    at("2027-01-31T00:00:00Z"), &rows);
	ok(advice_make(pol, &st, &rep, rows, n, at("2027-01-01T00:00:00Z"),
	    at("2027-02-01T00:00:00Z"), now, &set, &cause) == 0, "advice made");
	a = find(&set, "window-unused");
	is_str(a != NULL ? a->text : NULL, "window 'sundays' held no change in "
	    "its 5 occurrences of the period", "a window never used");
	a = find(&set, "rollbacks");
	is_str(a != NULL ? a->text : NULL, "db-1: 2 of 3 runs rolled back or "
	    "failed (up-2, up-3)", "a system whose changes keep failing");
	a = find(&set, "duration");
	is_str(a != NULL ? a->text : NULL, "up-1 took 2 h against 1 h planned "
	    "(run run-1)", "a change that took twice its plan");
	is_str(a != NULL ? a->action : NULL, "plan \"duration\": \"PT2H30M\" "
	    "for it: what it took and a sixth more, to the quarter hour",
	    "... and what to plan");
	a = find(&set, "approval");
	is_str(a != NULL ? a->text : NULL, "waits has waited 10 days for "
	    "approval: 0 of 1", "a plan waiting for approval");
	is_str(a != NULL ? a->action : NULL,
	    "ask alice@example.com, bob@example.com", "... and from whom");
	a = find(&set, "notice");
	is_str(a != NULL ? a->text : NULL, "the notice held for 3 of 3 changes; "
	    "median margin 2 days, the least 2 days (up-1)", "notice margins");
	a = find(&set, "budget");
	is_str(a != NULL ? a->subject : NULL, "db-1 2027-01",
	    "a budget spent past 80%%");
	ok(find(&set, "window-full") == NULL, "no window is full");
	advice_release(&set);
	free(rows);
	budget_ledger_free(l);
	report_release(&rep);
	state_release(&st);
	policy_free(pol);
	return done_testing();
}
