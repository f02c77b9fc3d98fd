/*
 * t-trust: who counts — approvers and approver lists, approval rules met
 * by distinct people, separation of duties (owner; with signing, the
 * signer of the revision), self-approval by level or type, break-glass,
 * operators per group; and every transition of the workflow, allowed or
 * not.
 */
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "policy.h"
#include "state.h"
#include "tap.h"
#include "testutil.h"
#include "trust.h"
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
    "  \"approvers\": [\"alice@example.com\", \"bob@example.com\"],\n"
    "  \"approver_lists\": { \"dba\": [\"dora@example.com\", \"both@example.com\"],\n"
    "                      \"board\": [\"ben@example.com\", \"both@example.com\"] },\n"
    "  \"approval_rules\": [ { \"groups\": [\"db\"], \"levels\": [\"high\"],\n"
    "                        \"require\": { \"dba\": 1, \"board\": 1 } } ],\n"
    "  \"self_approval\": [\"standard\"],\n"
    "  \"operators\": [\"ops@example.com\", { \"groups\": [\"db\"], \"members\": [\"dora@example.com\"] }],\n"
    "  \"break_glass\": { \"approvers\": [\"cto@example.com\"], \"approvals\": 1 } }\n";

static const char *const rev = "1111111111111111111111111111111111111111";

/* A plan state on system with level and type, owned by owner. */
static struct plan_state *
mkstate(const char *system, const char *level, int approvals,
    const char *type, const char *owner)
{
	struct plan_state *ps = plan_state_new("p");

	strcpy(ps->revision, rev);
	ps->status = ST_ASSESSED;
	ps->risk.level = xstrdup(level);
	ps->risk.approvals = approvals;
	ps->risk.emergency = strcmp(type, "emergency") == 0;
	ps->snap.owner = xstrdup(owner);
	ps->snap.type = xstrdup(type);
	ps->snap.systems = xcalloc(2, sizeof *ps->snap.systems);
	ps->snap.systems[0] = xstrdup(system);
	return ps;
}

/* Add a decision as if read from the state branch (not yet vetted). */
static void
add(struct plan_state *ps, const char *who, int reject, int bg)
{
	struct approval *a;

	ps->approvals = xreallocarray(ps->approvals, ps->napprovals + 1,
	    sizeof *ps->approvals);
	a = &ps->approvals[ps->napprovals++];
	memset(a, 0, sizeof *a);
	a->n = (int)ps->napprovals;
	a->saved = 1;
	a->approver = xstrdup(who);
	a->reject = reject;
	a->break_glass = bg;
	strcpy(a->revision, rev);
}

static void
count(struct trust *t, struct plan_state *ps, struct approval_count *c)
{
	trust_vet(t, ps, ps->revision);
	trust_count(t->pol, ps, c);
}

static void
test_rules(struct trust *t)
{
	struct approval_count c;
	struct plan_state *ps;

	/* a high-risk change on db-1: two approvals, one from dba and board */
	ps = mkstate("db-1", "high", 2, "normal", "dba@example.com");
	add(ps, "alice@example.com", 0, 0);
	add(ps, "bob@example.com", 0, 0);
	count(t, ps, &c);
	ok(c.n == 2 && !c.approved && c.missing != NULL &&
	    strcmp(c.missing, "1 from dba, 1 from board") == 0,
	    "two approvers are not enough without the lists (%s)", c.missing);
	approval_count_release(&c);
	add(ps, "both@example.com", 0, 0);
	count(t, ps, &c);
	ok(!c.approved && c.missing != NULL && strstr(c.missing, "1 from"),
	    "one person on both lists fills one of them only (%s)", c.missing);
	approval_count_release(&c);
	add(ps, "ben@example.com", 0, 0);
	count(t, ps, &c);
	ok(c.approved && c.missing == NULL && c.n == 4,
	    "both@ for dba and ben@ for board: approved");
	approval_count_release(&c);
	add(ps, "ben@example.com", 0, 0);
	count(t, ps, &c);
	is_int(c.n, 4, "the same person twice counts once");
	approval_count_release(&c);
	add(ps, "mallory@example.com", 0, 0);
	count(t, ps, &c);
	ok(!ps->approvals[ps->napprovals - 1].vetted &&
	    strstr(ps->approvals[ps->napprovals - 1].problem, "is not an approver"),
	    "a stranger does not count (%s)", ps->approvals[ps->napprovals - 1].problem);
	approval_count_release(&c);
	add(ps, "bob@example.com", 1, 0);
	count(t, ps, &c);
	ok(c.rejected && !c.approved && strcmp(c.rejected_by, "bob@example.com") == 0,
	    "a rejection by an approver rejects");
	approval_count_release(&c);
	plan_state_free(ps);

	/* the same change on web-1: the rule does not apply */
	ps = mkstate("web-1", "high", 2, "normal", "web@example.com");
	add(ps, "alice@example.com", 0, 0);
	add(ps, "bob@example.com", 0, 0);
	count(t, ps, &c);
	ok(c.approved, "the rule asks nothing of web changes");
	approval_count_release(&c);
	/* an approval of another revision never counts */
	strcpy(ps->approvals[1].revision, "2222222222222222222222222222222222222222");
	count(t, ps, &c);
	ok(!c.approved && c.n == 1, "an approval of another revision does not count");
	approval_count_release(&c);
	/* approvals not vetted never count */
	ps->approvals[0].vetted = 0;
	trust_count(t->pol, ps, &c);
	is_int(c.n, 0, "approvals nobody vetted never count");
	approval_count_release(&c);
	plan_state_free(ps);
}

static void
test_self(struct trust *t)
{
	struct approval_count c;
	struct plan_state *ps;
	struct approval a;
	char	*why = NULL;

	ps = mkstate("web-1", "low", 1, "normal", "Alice@Example.com");
	add(ps, "alice@example.com", 0, 0);
	count(t, ps, &c);
	ok(!c.approved && ps->approvals[0].problem != NULL &&
	    strstr(ps->approvals[0].problem, "is the plan's owner"),
	    "the owner cannot approve (%s)", ps->approvals[0].problem);
	approval_count_release(&c);
	memset(&a, 0, sizeof a);
	a.approver = (char *)"alice@example.com";
	a.reject = 1;
	strcpy(a.revision, rev);
	ok(trust_vet_one(t, ps, &a, 0, &why) == 0, "but may reject it");
	free(ps->snap.type);
	ps->snap.type = xstrdup("standard");
	count(t, ps, &c);
	ok(c.approved, "self_approval lets a standard change be approved by its owner");
	approval_count_release(&c);
	plan_state_free(ps);
}

/* The signer of a revision, as the session would learn it from git. */
static char *
signer_is_bob(void *arg, const char *id, const char *blob, char **why)
{
	(void)arg;
	(void)id;
	(void)blob;
	(void)why;
	return xstrdup("bob@example.com");
}

static char *
signer_unknown(void *arg, const char *id, const char *blob, char **why)
{
	(void)arg;
	(void)id;
	(void)blob;
	*why = xstrdup("commit 1234 is not signed");
	return NULL;
}

static void
test_signer(struct policy *pol)
{
	struct trust t;
	struct plan_state *ps;
	struct approval a;
	char	*why = NULL;

	pol->signing = SIGNING_REQUIRED;
	trust_init(&t, pol, NULL, 0, "no file", NULL);
	t.author = signer_is_bob;
	ps = mkstate("web-1", "low", 1, "normal", "web@example.com");
	memset(&a, 0, sizeof a);
	a.approver = (char *)"bob@example.com";
	strcpy(a.revision, rev);
	ok(trust_vet_one(&t, ps, &a, TRUST_UNSIGNED, &why) != 0 &&
	    strstr(why, "'bob@example.com' is the plan's author"),
	    "with signing, the signer of the revision cannot approve (%s)", why);
	free(why);
	why = NULL;
	a.approver = (char *)"alice@example.com";
	ok(trust_vet_one(&t, ps, &a, TRUST_UNSIGNED, &why) == 0,
	    "another approver may (before signing)");
	ok(trust_vet_one(&t, ps, &a, 0, &why) != 0 && strstr(why, "no file"),
	    "but the decision counts only signed and verified (%s)", why);
	free(why);
	why = NULL;
	t.author = signer_unknown;
	ok(trust_vet_one(&t, ps, &a, TRUST_UNSIGNED, &why) != 0 &&
	    strstr(why, "cannot be told: commit 1234 is not signed"),
	    "a revision whose signer cannot be told counts for nobody (%s)", why);
	free(why);
	plan_state_free(ps);
	trust_release(&t);
	pol->signing = SIGNING_OFF;
}

static void
test_break_glass(struct trust *t)
{
	struct approval_count c;
	struct plan_state *ps;

	ps = mkstate("web-1", "low", 1, "emergency", "web@example.com");
	add(ps, "alice@example.com", 0, 0);
	add(ps, "bob@example.com", 0, 1);
	count(t, ps, &c);
	ok(c.approved && c.break_glass == 0 && !trust_break_glass(t->pol, &c),
	    "a break-glass approval by someone off the list does not count as one (%s)",
	    ps->approvals[1].problem);
	approval_count_release(&c);
	add(ps, "cto@example.com", 0, 1);
	count(t, ps, &c);
	ok(c.break_glass == 1 && trust_break_glass(t->pol, &c) &&
	    strcmp(c.break_glass_by, "cto@example.com") == 0,
	    "the break-glass list's approval counts");
	is_int(c.n, 1, "... and is not an approval of the change by itself");
	approval_count_release(&c);
	plan_state_free(ps);
}

static void
test_operators(const struct policy *pol)
{
	char	*db[] = { (char *)"db", NULL }, *web[] = { (char *)"web", NULL };
	char	*both[] = { (char *)"db", (char *)"web", NULL };

	ok(policy_is_operator(pol, "ops@example.com", both), "an operator of every group");
	ok(policy_is_operator(pol, "Dora@example.com", db), "a db operator runs db changes");
	ok(!policy_is_operator(pol, "dora@example.com", web), "... not web ones");
	ok(!policy_is_operator(pol, "dora@example.com", both), "... nor one touching both");
	ok(!policy_is_operator(pol, "alice@example.com", db), "an approver is no operator");
}

static void
test_transitions(void)
{
	static const enum status finals[] = { ST_COMPLETED, ST_CANCELLED,
	    ST_EXPIRED, ST_ROLLED_BACK, ST_FAILED, ST_REJECTED };
	size_t	 i, j;
	int	 bad = 0;

	ok(state_transition_allowed(ST_SUBMITTED, ST_SCHEDULED),
	    "a new plan may be approved and scheduled by one command");
	ok(state_transition_allowed(ST_SCHEDULED, ST_BACKING_UP), "scheduled -> backing-up");
	ok(state_transition_allowed(ST_BACKING_UP, ST_SCHEDULED),
	    "an aborted lock goes back to scheduled");
	ok(state_transition_allowed(ST_EXECUTING, ST_ROLLED_BACK), "executing -> rolled-back");
	ok(!state_transition_allowed(ST_ASSESSED, ST_BACKING_UP),
	    "no run without a schedule");
	ok(!state_transition_allowed(ST_VERIFYING, ST_EXECUTING), "no step back in a run");
	ok(!state_transition_allowed(ST_EXPIRED, ST_SCHEDULED),
	    "an expired plan is not scheduled again as it is");
	ok(!state_transition_allowed(ST_REJECTED, ST_APPROVED),
	    "a rejection holds until the plan changes");
	for (i = 0; i < nitems(finals); i++) {
		for (j = 0; j < ST_COUNT; j++) {
			if (j != finals[i] &&
			    state_transition_allowed(finals[i], (enum status)j))
				bad++;
		}
	}
	is_int(bad, 0, "a final state goes nowhere without a new revision");
}

int
main(void)
{
	struct policy *pol = parse_test_policy(policy_json);
	struct trust t;

	trust_init(&t, pol, NULL, 0, NULL, NULL);
	test_rules(&t);
	test_self(&t);
	test_break_glass(&t);
	trust_release(&t);
	test_signer(pol);
	test_operators(pol);
	test_transitions();
	policy_free(pol);
	return done_testing();
}
