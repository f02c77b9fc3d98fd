/* risk: the deterministic risk score of a plan under the policy */
#include <string.h>

#include "util.h"
#include "plan.h"
#include "risk.h"

/* A factor that applies counts when the policy gives it a weight. */
static void
hit(const struct policy *pol, struct risk *r, enum risk_factor f)
{
	if (pol->weights[f] == 0)
		return;
	r->hits[r->nhits].factor = f;
	r->hits[r->nhits].weight = pol->weights[f];
	r->nhits++;
	r->score += pol->weights[f];
}

/* The highest criticality among the plan's systems. */
static enum criticality
plan_criticality(const struct policy *pol, const struct plan *p)
{
	const struct system *s;
	enum criticality c = CRIT_LOW;
	size_t	 i;

	for (i = 0; p->systems[i] != NULL; i++) {
		if ((s = policy_system(pol, p->systems[i])) != NULL &&
		    s->criticality > c)
			c = s->criticality;
	}
	return c;
}

void
risk_assess(const struct policy *pol, const struct plan *p, struct risk *r)
{
	static const enum risk_factor impact[] = { F_IMPACT_NONE,
	    F_IMPACT_REDUCED, F_IMPACT_DEGRADED, F_IMPACT_OUTAGE };
	static const enum risk_factor crit[] = { F_CRIT_LOW, F_CRIT_MEDIUM,
	    F_CRIT_HIGH };
	static const enum risk_factor rollback[] = { F_ROLLBACK_TESTED,
	    F_ROLLBACK_UNTESTED, F_ROLLBACK_NONE };
	static const enum risk_factor type[] = { F_TYPE_STANDARD,
	    F_TYPE_NORMAL, F_TYPE_EMERGENCY };
	const struct risk_level *l;
	size_t	 i;

	memset(r, 0, sizeof *r);
	hit(pol, r, impact[p->impact]);
	hit(pol, r, crit[plan_criticality(pol, p)]);
	hit(pol, r, rollback[p->rollback_kind]);
	if (p->data_migration)
		hit(pol, r, F_DATA_MIGRATION);
	if (!p->tested_in_staging)
		hit(pol, r, F_UNTESTED_IN_STAGING);
	if (strv_len(p->systems) > 3)
		hit(pol, r, F_SYSTEMS_OVER_3);
	hit(pol, r, type[p->type]);

	for (i = 0; i + 1 < pol->nlevels; i++) {
		if (pol->levels[i].has_max && r->score <= pol->levels[i].max_score)
			break;
	}
	if (pol->nlevels == 0)
		return;
	l = &pol->levels[i];
	r->level = i;
	r->level_name = l->name;
	r->notice = l->notice;
	r->approvals = l->approvals;
	r->emergency = p->type == PLAN_EMERGENCY;
	if (r->emergency && pol->has_emergency_notice &&
	    pol->emergency_notice < r->notice)
		r->notice = pol->emergency_notice;
	if (p->type == PLAN_STANDARD)
		r->approvals = 0;
}
