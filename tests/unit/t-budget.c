/*
 * t-budget: availability budgets: periods in the policy's zone (a March
 * in Berlin an hour short, quarters, periods of days from a Monday), the
 * allowance of a target, what a change spends split at a period's end,
 * whether a change fits and why not, and the table.
 */
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "diag.h"
#include "policy.h"
#include "state.h"
#include "tap.h"
#include "testutil.h"
#include "util.h"

static const char policy_json[] =
    "{ \"version\": 1, \"provider\": \"T\",\n"
    "  \"calendar\": { \"name\": \"T\", \"domain\": \"t.example\" },\n"
    "  \"timezone\": \"Europe/Berlin\",\n"
    "  \"systems\": { \"db-1\": { \"group\": \"db\" }, \"web-1\": { \"group\": \"web\" } },\n"
    "  \"windows\": [ { \"name\": \"nights\", \"groups\": [\"db\", \"web\"],\n"
    "    \"start\": \"2026-01-05T01:00:00\", \"duration\": \"PT4H\", \"rrule\": \"FREQ=DAILY\" } ],\n"
    "  \"risk\": { \"weights\": {}, \"levels\": [ { \"name\": \"low\", \"notice\": \"P1D\", \"approvals\": 1 } ] },\n"
    "  \"approvers\": [\"alice@example.com\"],\n"
    "  \"availability\": [\n"
    "    { \"groups\": [\"db\"], \"target\": \"99.9%\", \"period\": \"month\", \"degraded\": 0.5 },\n"
    "    { \"systems\": [\"web-1\"], \"target\": \"99.95%\", \"period\": \"quarter\" },\n"
    "    { \"systems\": [\"web-1\"], \"target\": \"99%\", \"period\": \"P7D\" } ] }\n";

static void
test_periods(const struct policy *pol)
{
	struct budget_period p;

	budget_period_of(pol, &pol->availability[0], at("2026-11-15T12:00:00Z"), &p);
	is_str(p.label, "2026-11", "a month's label");
	is_int(p.start, at("2026-10-31T23:00:00Z"), "November starts at local midnight (CET)");
	is_int(budget_allowance(&pol->availability[0], &p), 2592,
	    "99.9%% of a 30-day month is 43 min 12 s");
	budget_period_of(pol, &pol->availability[0], at("2027-03-31T21:59:59Z"), &p);
	is_int(p.end - p.start, 31 * 86400 - 3600, "March in Berlin is an hour short");
	is_int(budget_allowance(&pol->availability[0], &p), 2674, "... and so is its budget");
	budget_period_of(pol, &pol->availability[0], at("2027-10-31T12:00:00Z"), &p);
	is_int(p.end - p.start, 31 * 86400 + 3600, "October an hour long");
	budget_period_of(pol, &pol->availability[1], at("2027-05-20T00:00:00Z"), &p);
	is_str(p.label, "2027-Q2", "a quarter's label");
	is_int(p.start, at("2027-03-31T22:00:00Z"), "Q2 starts 1 April, local midnight (CEST)");
	is_int(p.end, at("2027-06-30T22:00:00Z"), "... and ends 1 July");
	budget_period_of(pol, &pol->availability[2], at("2027-01-06T12:00:00Z"), &p);
	is_str(p.label, "2027-01-04+P7D", "seven days from a Monday");
	is_int(budget_allowance(&pol->availability[2], &p), 6048, "1%% of a week");
	budget_period_of(pol, &pol->availability[2], at("1970-01-02T12:00:00Z"), &p);
	is_str(p.label, "1969-12-29+P7D", "before the anchor too");
}

static void
test_spend(const struct policy *pol)
{
	struct budget_period p;
	const struct availability *a = &pol->availability[0];

	budget_period_of(pol, a, at("2027-01-31T22:00:00Z"), &p);
	is_int(budget_spend(a, "outage", at("2027-01-31T22:30:00Z"),
	    at("2027-01-31T23:30:00Z"), &p), 1800,
	    "an outage across midnight spends its part in January");
	is_int(budget_spend(a, "degraded", at("2027-01-31T22:00:00Z"),
	    at("2027-01-31T22:40:00Z"), &p), 1200, "degraded spends its share");
	is_int(budget_spend(a, "none", at("2027-01-31T22:00:00Z"),
	    at("2027-01-31T23:00:00Z"), &p), 0, "no impact spends nothing");
	ok(budget_share(&pol->availability[1], "degraded") == 0,
	    "a target without a share for degraded: nothing");
}

static void
test_ledger(const struct policy *pol)
{
	struct budget_ledger *l = budget_ledger_new(pol);
	char	 db1[] = "db-1", *db[] = { db1, NULL }, *why = NULL;
	struct budget_row *rows;
	int64_t	 next = 0;
	size_t	 n;

	budget_ledger_add(l, db, "outage", at("2027-01-11T00:00:00Z"),
	    at("2027-01-11T00:30:00Z"), 1);
	ok(budget_fits(l, db, "outage", at("2027-01-12T00:00:00Z"),
	    at("2027-01-12T00:14:00Z"), &why, &next), "14 more minutes fit");
	ok(!budget_fits(l, db, "outage", at("2027-01-12T00:00:00Z"),
	    at("2027-01-12T00:20:00Z"), &why, &next), "20 do not");
	is_str(why, "db-1 2027-01: 44 min 38 s budget, 30 min planned; this "
	    "change needs 20 min", "... saying why with the figures");
	is_int(next, at("2027-01-31T23:00:00Z"), "... and where to look on");
	free(why);
	budget_ledger_add(l, db, "outage", at("2027-01-11T00:00:00Z"),
	    at("2027-01-11T00:30:00Z"), -1);
	ok(budget_fits(l, db, "outage", at("2027-01-12T00:00:00Z"),
	    at("2027-01-12T00:40:00Z"), &why, &next), "taken back, 40 fit");
	budget_ledger_add(l, db, "outage", at("2027-01-11T00:00:00Z"),
	    at("2027-01-11T00:50:00Z"), 1);
	budget_ledger_actual(l, db, "outage", at("2027-01-11T00:00:00Z"),
	    at("2027-01-11T01:00:00Z"));
	n = budget_rows(pol, l, at("2027-01-15T00:00:00Z"),
	    at("2027-01-15T00:00:01Z"), &rows);
	is_int(n, 3, "a row per covered system and target for the instant");
	is_str(rows[0].system, "db-1", "db-1 first");
	is_int(rows[0].planned, 3000, "planned");
	is_int(rows[0].actual, 3600, "actual, as measured");
	is_int(rows[0].left, 2678 - 3600, "left: the budget less the larger");
	ok(rows[0].availability > 99.86 && rows[0].availability < 99.87,
	    "the availability the work leaves");
	free(rows);
	budget_ledger_free(l);
}

int
main(void)
{
	struct policy *pol = parse_test_policy(policy_json);
	char	*m = budget_minutes(2592);

	is_str(m, "43 min 12 s", "minutes and seconds");
	free(m);
	test_periods(pol);
	test_spend(pol);
	test_ledger(pol);
	policy_free(pol);
	return done_testing();
}
