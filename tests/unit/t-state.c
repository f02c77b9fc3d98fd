/*
 * t-state: the workflow's state machine — reconcile (submit, assess,
 * approve, supersede, reject, cancel on removal), decisions (state_approve)
 * and cancellation (state_cancel), legal and illegal, on hand-built states.
 */
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "plan.h"
#include "policy.h"
#include "state.h"
#include "trust.h"
#include "tap.h"
#include "testutil.h"
#include "util.h"

static const char policy_json[] =
    "{ \"version\": 1, \"provider\": \"T\",\n"
    "  \"calendar\": { \"name\": \"T\", \"domain\": \"t.example\" },\n"
    "  \"timezone\": \"Europe/Berlin\",\n"
    "  \"systems\": { \"db-1\": { \"group\": \"db\", \"criticality\": \"high\" },\n"
    "               \"web-1\": { \"group\": \"web\", \"criticality\": \"low\" } },\n"
    "  \"windows\": [ { \"name\": \"nights\", \"groups\": [\"db\", \"web\"],\n"
    "    \"start\": \"2026-01-05T01:00:00\", \"duration\": \"PT4H\", \"rrule\": \"FREQ=DAILY\" } ],\n"
    "  \"risk\": { \"weights\": { \"impact.outage\": 3 },\n"
    "    \"levels\": [ { \"name\": \"low\", \"max_score\": 2, \"notice\": \"P1D\", \"approvals\": 1 },\n"
    "                { \"name\": \"high\", \"notice\": \"P3D\", \"approvals\": 2 } ] },\n"
    "  \"approvers\": [\"alice@example.com\", \"bob@example.com\"] }\n";

static const char *const blob1 = "1111111111111111111111111111111111111111";
static const char *const blob2 = "2222222222222222222222222222222222222222";

/* A plan of impact IMPACT on web-1 whose file has blob BLOB. */
static struct plan *
mkplan(const char *id, const char *impact, const char *blob)
{
	struct diags d;
	struct plan *p;
	char	*text, *file;

	text = xasprintf("{ \"id\": \"%s\", \"title\": \"Change %s\", "
	    "\"owner\": \"ops@example.com\", \"systems\": [\"web-1\"], "
	    "\"impact\": \"%s\", \"duration\": \"PT1H\", "
	    "\"backup\": { \"run\": [\"b\"] }, \"steps\": [ { \"name\": \"s\", "
	    "\"run\": [\"s\"] } ], \"verify\": { \"run\": [[\"v\"]] } }", id, id,
	    impact);
	file = xasprintf("plans/%s.json", id);
	diags_init(&d);
	p = plan_parse_take(file, text, strlen(text), &d);
	if (p == NULL || d.n != 0) {
		printf("Bail out! test plan %s is not valid\n", id);
		exit(1);
	}
	diags_release(&d);
	free(file);
	strcpy(p->blob, blob);
	return p;
}

static int
decide(struct state *st, struct plan_state *ps, const struct policy *pol,
    const char *who, int reject, const char *comment, char **cause)
{
	struct trust t;
	struct approval a;
	int	 rc;

	trust_init(&t, pol, NULL, 0, NULL, NULL);
	memset(&a, 0, sizeof a);
	a.approver = xstrdup(who);
	a.reject = reject;
	a.comment = comment != NULL ? xstrdup(comment) : NULL;
	memcpy(a.revision, ps->revision, sizeof a.revision);
	a.at = at("2026-12-01T10:00:00Z");
	*cause = NULL;
	rc = state_approve(st, ps, &t, &a, cause);
	approval_release(&a);
	trust_release(&t);
	return rc;
}

static void
reconcile(struct state *st, const struct policy *pol, struct plan **p,
    size_t n, int64_t now)
{
	struct trust t;

	trust_init(&t, pol, NULL, 0, NULL, NULL);
	state_reconcile(st, &t, p, n, now);
	trust_release(&t);
}

static int
has_line(const struct state *st, const char *what)
{
	return strstr(buf_str(&st->log), what) != NULL;
}

static void
test_reconcile(const struct policy *pol)
{
	struct state st;
	struct plan *p[2];
	struct plan_state *ps;
	int64_t	 now = at("2026-12-01T09:00:00Z");
	char	*cause;
	long long seq;

	state_init(&st);
	p[0] = mkplan("low-1", "degraded", blob1);
	reconcile(&st, pol, p, 1, now);
	ps = state_find(&st, "low-1");
	ok(ps != NULL, "a new plan enters the state");
	is_str(status_names[ps->status], "assessed", "... assessed at once");
	is_int(ps->risk.approvals, 1, "... low risk: one approval needed");
	is_str(ps->revision, blob1, "... bound to its blob");
	ok(has_line(&st, "submit low-1") && has_line(&st, "assess low-1 low"),
	    "submit and assess are logged");

	ok(decide(&st, ps, pol, "Alice@Example.com", 0, NULL, &cause) == 0,
	    "an approver approves (e-mail in any case)");
	reconcile(&st, pol, p, 1, now);
	is_str(status_names[ps->status], "approved", "one approval: approved");

	/* the same decision twice is refused, another decision is not */
	ok(decide(&st, ps, pol, "alice@example.com", 0, NULL, &cause) != 0 &&
	    cause != NULL && strstr(cause, "already approved revision 111111111111"),
	    "the same approval twice is refused (%s)", cause ? cause : "-");
	free(cause);

	/* an edit voids the approval and re-assesses */
	seq = ps->sequence;
	plan_free(p[0]);
	p[0] = mkplan("low-1", "outage", blob2);
	reconcile(&st, pol, p, 1, now);
	is_str(status_names[ps->status], "assessed", "an edited plan is assessed afresh");
	is_str(ps->revision, blob2, "... at its new revision");
	is_int(ps->risk.approvals, 2, "... outage on a high-weight factor: two approvals");
	ok(ps->sequence > seq, "... with a higher sequence");

	ok(decide(&st, ps, pol, "bob@example.com", 1, "too risky", &cause) == 0,
	    "an approver rejects with a comment");
	ok(has_line(&st, "rejection low-1 by bob@example.com (revision 222222222222): too risky"),
	    "the rejection is logged with its comment");
	reconcile(&st, pol, p, 1, now);
	is_str(status_names[ps->status], "rejected", "a rejection rejects");

	/* removal cancels what is neither final nor running */
	p[1] = mkplan("low-2", "degraded", blob1);
	reconcile(&st, pol, p, 2, now);
	reconcile(&st, pol, NULL, 0, now);
	is_str(status_names[ps->status], "rejected", "a removed rejected plan stays rejected (final)");
	ps = state_find(&st, "low-2");
	is_str(status_names[ps->status], "cancelled", "a removed assessed plan is cancelled");
	is_str(ps->reason, "the plan file was removed", "... saying why");
	plan_free(p[0]);
	plan_free(p[1]);
	state_release(&st);
}

static void
test_approve_refusals(const struct policy *pol)
{
	static const enum status closed[] = { ST_BACKING_UP, ST_EXECUTING,
	    ST_VERIFYING, ST_COMPLETED, ST_CANCELLED, ST_EXPIRED,
	    ST_ROLLED_BACK, ST_FAILED };
	static const enum status open[] = { ST_SUBMITTED, ST_ASSESSED,
	    ST_APPROVED, ST_SCHEDULED, ST_REJECTED, ST_SUPERSEDED };
	struct state st;
	struct plan_state *ps;
	struct policy *signed_pol;
	char	*cause;
	size_t	 i;
	int	 signed_was;

	state_init(&st);
	ps = state_get(&st, "p");
	strcpy(ps->revision, blob1);

	ok(decide(&st, ps, pol, "mallory@example.com", 0, NULL, &cause) != 0 &&
	    strcmp(cause, "'mallory@example.com' is not an approver in offpeak.json") == 0,
	    "a stranger cannot approve (%s)", cause);
	free(cause);
	is_int(ps->napprovals, 0, "... and nothing was recorded");

	signed_pol = (struct policy *)pol;
	signed_was = signed_pol->signing;
	signed_pol->signing = SIGNING_REQUIRED;
	ok(decide(&st, ps, pol, "alice@example.com", 0, NULL, &cause) != 0 &&
	    strstr(cause, "cannot be told") != NULL,
	    "signing required, the revision's signer unknown: refused (%s)",
	    cause);
	free(cause);
	signed_pol->signing = signed_was;

	for (i = 0; i < nitems(closed); i++) {
		ps->status = closed[i];
		ok(decide(&st, ps, pol, "alice@example.com", 0, NULL, &cause) != 0 &&
		    strstr(cause, "edit the plan to start a new revision") != NULL,
		    "no decision while %s", status_names[closed[i]]);
		free(cause);
	}
	is_int(ps->napprovals, 0, "... none recorded");
	for (i = 0; i < nitems(open); i++) {
		ps->status = open[i];
		ok(decide(&st, ps, pol, "alice@example.com", (int)(i % 2), NULL,
		    &cause) == 0 || (cause != NULL && strstr(cause, "already")),
		    "a decision while %s", status_names[open[i]]);
		free(cause);
	}
	ok(ps->napprovals == 2 && ps->dirty, "one approval and one rejection kept, the plan marked to write");
	state_release(&st);
}

static void
test_cancel(void)
{
	static const enum status cancellable[] = { ST_SUBMITTED, ST_ASSESSED,
	    ST_APPROVED, ST_SCHEDULED, ST_BACKING_UP, ST_EXECUTING,
	    ST_VERIFYING, ST_REJECTED, ST_EXPIRED, ST_SUPERSEDED,
	    ST_ROLLED_BACK, ST_FAILED };
	struct state st;
	struct plan_state *ps;
	int64_t	 now = at("2026-12-02T10:00:00Z");
	char	*cause = NULL;
	size_t	 i;
	int	 seq;

	for (i = 0; i < nitems(cancellable); i++) {
		state_init(&st);
		ps = state_get(&st, "c");
		ps->status = cancellable[i];
		ok(state_cancellable(ps, &cause) == 0, "%s can be cancelled",
		    status_names[cancellable[i]]);
		state_release(&st);
	}
	state_init(&st);
	ps = state_get(&st, "c");
	ps->status = ST_COMPLETED;
	ok(state_cancellable(ps, &cause) != 0 &&
	    strcmp(cause, "plan 'c' is already completed") == 0,
	    "a completed change cannot be cancelled (%s)", cause);
	free(cause);
	ps->status = ST_CANCELLED;
	ok(state_cancellable(ps, &cause) != 0, "nor a cancelled one");
	free(cause);

	/* a scheduled change with a live slot, interrupted in its run */
	ps->status = ST_EXECUTING;
	ps->has_slot = ps->slot_live = 1;
	ps->slot.start = now + 3600;
	ps->slot.end = now + 7200;
	ps->sequence = 4;
	ps->run.id = xstrdup("r1");
	ps->run.outcome = xstrdup("running");
	seq = ps->sequence;
	state_cancel(&st, ps, "the vendor withdrew the patch", now);
	is_str(status_names[ps->status], "cancelled", "cancel: cancelled");
	ok(ps->has_slot && !ps->slot_live && ps->released_at == now,
	    "... the slot released at now (its notice becomes a cancellation)");
	ok(ps->sequence > seq, "... with a higher sequence");
	is_str(ps->reason, "cancelled: the vendor withdrew the patch", "... the reason kept");
	is_str(ps->run.outcome, "cancelled", "... the interrupted run closed as cancelled");
	ok(has_line(&st, "cancel c run r1 (interrupted in phase executing)") &&
	    has_line(&st, "cancel c: the vendor withdrew the patch"),
	    "... both logged");
	state_release(&st);
}

int
main(void)
{
	struct policy *pol = parse_test_policy(policy_json);

	test_reconcile(pol);
	test_approve_refusals(pol);
	test_cancel();
	policy_free(pol);
	return done_testing();
}
