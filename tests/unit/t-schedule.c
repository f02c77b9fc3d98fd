/*
 * t-schedule: the solver on hand-built inputs — notice, conflicts on a
 * system, max_concurrent, dependencies, not_before and not_after, freezes,
 * and windows across a daylight-saving change.
 */
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "plan.h"
#include "policy.h"
#include "schedule.h"
#include "state.h"
#include "trust.h"
#include "tap.h"
#include "testutil.h"
#include "util.h"

#define HOUR	INT64_C(3600)

/* A policy: nightly 01:00-05:00 Berlin, low risk P1D notice, one approval. */
static struct policy *
mkpolicy(int max_concurrent, const char *freezes)
{
	struct diags d;
	struct policy *pol;
	char	*text;

	text = xasprintf("{ \"version\": 1, \"provider\": \"T\",\n"
	    "  \"calendar\": { \"name\": \"T\", \"domain\": \"t.example\" },\n"
	    "  \"timezone\": \"Europe/Berlin\",\n"
	    "  \"systems\": { \"db-1\": { \"group\": \"db\", \"criticality\": \"low\" },\n"
	    "    \"web-1\": { \"group\": \"web\", \"criticality\": \"low\" },\n"
	    "    \"web-2\": { \"group\": \"web\", \"criticality\": \"low\" } },\n"
	    "  \"windows\": [ { \"name\": \"nights\", \"groups\": [\"db\", \"web\"],\n"
	    "    \"start\": \"2026-01-01T01:00:00\", \"duration\": \"PT4H\", \"rrule\": \"FREQ=DAILY\" } ],\n"
	    "  \"freezes\": [ %s ],\n"
	    "  \"risk\": { \"weights\": { \"impact.outage\": 1 },\n"
	    "    \"levels\": [ { \"name\": \"low\", \"max_score\": 5, \"notice\": \"P1D\", \"approvals\": 1 },\n"
	    "                { \"name\": \"high\", \"notice\": \"P3D\", \"approvals\": 1 } ] },\n"
	    "  \"approvers\": [\"alice@example.com\"], \"max_concurrent\": %d }\n",
	    freezes, max_concurrent);
	diags_init(&d);
	pol = policy_parse("offpeak.json", text, strlen(text), &d);
	if (pol == NULL || d.n != 0) {
		printf("Bail out! test policy: %s\n", d.n ? diag_format(&d.items[0]) : "?");
		exit(1);
	}
	diags_release(&d);
	free(text);
	return pol;
}

/* A plan on SYSTEM lasting DURATION, with EXTRA members ("" or ", ..."). */
static struct plan *
mkplan(const char *id, const char *system, const char *duration,
    const char *extra)
{
	struct diags d;
	struct plan *p;
	char	*text, *file;

	text = xasprintf("{ \"id\": \"%s\", \"title\": \"Change %s\", "
	    "\"owner\": \"ops@example.com\", \"systems\": [\"%s\"], "
	    "\"impact\": \"degraded\", \"duration\": \"%s\", "
	    "\"backup\": { \"run\": [\"b\"] }, \"steps\": [ { \"name\": \"s\", "
	    "\"run\": [\"s\"] } ], \"verify\": { \"run\": [[\"v\"]] }%s }", id, id,
	    system, duration, extra);
	file = xasprintf("plans/%s.json", id);
	diags_init(&d);
	p = plan_parse_take(file, text, strlen(text), &d);
	if (p == NULL || d.n != 0) {
		printf("Bail out! test plan %s: %s\n", id, d.n ? diag_format(&d.items[0]) : "?");
		exit(1);
	}
	diags_release(&d);
	free(file);
	memset(p->blob, 'a', 40);
	return p;
}

struct world {
	struct policy *pol;
	struct plan *plans[8];
	size_t	 n;
	struct state st;
	struct schedule_stats stats;
	int	 rc;
};

static int
by_id(const void *a, const void *b)
{
	return strcmp((*(struct plan *const *)a)->id,
	    (*(struct plan *const *)b)->id);
}

/* Approve every plan at now, then solve. */
static void
solve(struct world *w, const char *now_s)
{
	struct schedule_input in;
	struct trust t;
	struct approval a;
	struct plan_state *ps;
	int64_t	 now = at(now_s);
	char	*cause = NULL;
	size_t	 i;

	array_sort(w->plans, w->n, sizeof *w->plans, by_id);
	state_init(&w->st);
	trust_init(&t, w->pol, NULL, 0, NULL, NULL);
	state_reconcile(&w->st, &t, w->plans, w->n, now);
	for (i = 0; i < w->n; i++) {
		ps = state_find(&w->st, w->plans[i]->id);
		memset(&a, 0, sizeof a);
		a.approver = xstrdup("alice@example.com");
		memcpy(a.revision, ps->revision, sizeof a.revision);
		a.at = now;
		if (state_approve(&w->st, ps, &t, &a, &cause) != 0) {
			free(cause);
			cause = NULL;
		}
		approval_release(&a);
	}
	state_reconcile(&w->st, &t, w->plans, w->n, now);
	trust_release(&t);
	memset(&in, 0, sizeof in);
	in.policy = w->pol;
	in.plans = w->plans;
	in.nplans = w->n;
	in.now = now;
	schedule_stats_release(&w->stats);
	w->rc = schedule_solve(&in, &w->st, &w->stats, &cause);
	if (w->rc != 0)
		printf("# schedule_solve: %s\n", cause);
	free(cause);
}

static void
release(struct world *w)
{
	size_t	 i;

	for (i = 0; i < w->n; i++)
		plan_free(w->plans[i]);
	state_release(&w->st);
	policy_free(w->pol);
	schedule_stats_release(&w->stats);
	memset(w, 0, sizeof *w);
}

static const struct plan_state *
ps_of(const struct world *w, const char *id)
{
	return state_find(&w->st, id);
}

static int64_t
start_of(const struct world *w, const char *id)
{
	const struct plan_state *ps = ps_of(w, id);

	return ps != NULL && ps->has_slot && ps->slot_live ? ps->slot.start : -1;
}

static int
overlap(const struct world *w, const char *a, const char *b)
{
	const struct plan_state *x = ps_of(w, a), *y = ps_of(w, b);

	return x->slot.start < y->slot.end && y->slot.start < x->slot.end;
}

static void
test_notice_and_conflicts(void)
{
	struct world w = { 0 };

	w.pol = mkpolicy(1, "");
	w.plans[w.n++] = mkplan("a", "web-1", "PT1H", "");
	w.plans[w.n++] = mkplan("b", "web-1", "PT1H", "");
	w.plans[w.n++] = mkplan("c", "web-2", "PT1H", "");
	solve(&w, "2026-12-01T09:00:00Z");
	ok(w.rc == 0 && w.stats.placed == 3, "three plans placed (%zu)", w.stats.placed);
	is_int(start_of(&w, "a"), at("2026-12-03T00:00:00Z"),
	    "the first slot: the first window after a day's notice (01:00 Berlin, 3 Dec)");
	ok(!overlap(&w, "a", "b"), "two changes on one system never overlap");
	ok(!overlap(&w, "a", "c") && !overlap(&w, "b", "c"),
	    "max_concurrent 1: nor do changes on other systems");
	is_str(status_names[ps_of(&w, "c")->status], "scheduled", "placed plans are scheduled");
	release(&w);

	w.pol = mkpolicy(2, "");
	w.plans[w.n++] = mkplan("a", "web-1", "PT1H", "");
	w.plans[w.n++] = mkplan("c", "web-2", "PT1H", "");
	w.plans[w.n++] = mkplan("d", "db-1", "PT1H", "");
	solve(&w, "2026-12-01T09:00:00Z");
	ok(start_of(&w, "a") == start_of(&w, "c") && start_of(&w, "a") == at("2026-12-03T00:00:00Z"),
	    "max_concurrent 2: two systems at once");
	ok(start_of(&w, "d") >= ps_of(&w, "a")->slot.end,
	    "... and not a third");
	release(&w);
}

static void
test_window_fit(void)
{
	struct world w = { 0 };

	w.pol = mkpolicy(1, "");
	w.plans[w.n++] = mkplan("a", "web-1", "PT3H", "");
	w.plans[w.n++] = mkplan("b", "web-1", "PT2H", "");
	w.plans[w.n++] = mkplan("long", "web-2", "PT5H", "");
	solve(&w, "2026-12-01T09:00:00Z");
	is_int(start_of(&w, "a"), at("2026-12-03T00:00:00Z"), "3 h fits the first night");
	is_int(start_of(&w, "b"), at("2026-12-04T00:00:00Z"),
	    "2 h more does not fit its 4 h window: the next night");
	ok(start_of(&w, "long") == -1 && w.stats.blocked == 1,
	    "a change longer than every window is not placed");
	ok(ps_of(&w, "long")->reason != NULL, "... and says why (%s)",
	    ps_of(&w, "long")->reason ? ps_of(&w, "long")->reason : "-");
	release(&w);
}

static void
test_dependencies(void)
{
	struct world w = { 0 };

	w.pol = mkpolicy(3, "");
	w.plans[w.n++] = mkplan("base", "db-1", "PT2H", "");
	w.plans[w.n++] = mkplan("next", "web-1", "PT1H", ", \"depends_on\": [\"base\"]");
	w.plans[w.n++] = mkplan("last", "web-2", "PT1H", ", \"depends_on\": [\"next\"]");
	solve(&w, "2026-12-01T09:00:00Z");
	ok(start_of(&w, "next") >= ps_of(&w, "base")->slot.end,
	    "a dependant starts after what it depends on ends");
	ok(start_of(&w, "last") >= ps_of(&w, "next")->slot.end,
	    "... along the chain");
	release(&w);
}

static void
test_bounds(void)
{
	struct world w = { 0 };

	w.pol = mkpolicy(3, "");
	w.plans[w.n++] = mkplan("later", "web-1", "PT1H",
	    ", \"not_before\": \"2026-12-10T00:00:00Z\"");
	w.plans[w.n++] = mkplan("tooearly", "web-2", "PT1H",
	    ", \"not_after\": \"2026-12-02T00:00:00Z\"");
	solve(&w, "2026-12-01T09:00:00Z");
	is_int(start_of(&w, "later"), at("2026-12-10T00:00:00Z"),
	    "not_before: at it, when a window is open then");
	is_str(status_names[ps_of(&w, "tooearly")->status], "expired",
	    "not_after before the notice allows: expired");
	ok(w.stats.expired == 1, "... counted");
	release(&w);
}

static void
test_freeze(void)
{
	struct world w = { 0 };

	w.pol = mkpolicy(1, "{ \"name\": \"quiet\", \"start\": \"2026-12-02T00:00:00Z\","
	    " \"end\": \"2026-12-06T00:00:00Z\" }");
	w.plans[w.n++] = mkplan("a", "web-1", "PT1H", "");
	solve(&w, "2026-12-01T09:00:00Z");
	is_int(start_of(&w, "a"), at("2026-12-06T00:00:00Z"),
	    "a freeze pushes the change to the first night after it");
	release(&w);
}

static void
test_dst(void)
{
	struct world w = { 0 };

	/* Berlin springs forward on 29 March 2026 at 02:00 */
	w.pol = mkpolicy(1, "");
	w.plans[w.n++] = mkplan("spring", "web-1", "PT4H",
	    ", \"not_before\": \"2026-03-28T12:00:00Z\"");
	w.plans[w.n++] = mkplan("after", "web-2", "PT1H",
	    ", \"not_before\": \"2026-03-29T12:00:00Z\"");
	solve(&w, "2026-03-20T09:00:00Z");
	is_int(start_of(&w, "spring"), at("2026-03-29T00:00:00Z"),
	    "the window of the change night starts 01:00 CET");
	is_int(ps_of(&w, "spring")->slot.end, at("2026-03-29T04:00:00Z"),
	    "... and a 4 h change fills it (it lasts 4 h, to 06:00 CEST)");
	is_int(start_of(&w, "after"), at("2026-03-29T23:00:00Z"),
	    "the next night starts 01:00 CEST, an hour earlier in UTC");
	release(&w);

	/* and falls back on 25 October */
	w.pol = mkpolicy(1, "");
	w.plans[w.n++] = mkplan("autumn", "web-1", "PT1H",
	    ", \"not_before\": \"2026-10-24T12:00:00Z\"");
	solve(&w, "2026-10-20T09:00:00Z");
	is_int(start_of(&w, "autumn"), at("2026-10-24T23:00:00Z"),
	    "01:00 CEST on the night of the change back");
	release(&w);
}

int
main(void)
{
	test_notice_and_conflicts();
	test_window_fit();
	test_dependencies();
	test_bounds();
	test_freeze();
	test_dst();
	return done_testing();
}
