/* risk: the deterministic risk score of a plan under the policy */
#ifndef OFFPEAK_RISK_H
#define OFFPEAK_RISK_H

#include <stdint.h>

#include "policy.h"

struct plan;

struct risk_hit {
	enum risk_factor factor;
	long long weight;
};

struct risk {
	long long score;
	size_t	 level;			/* index into policy->levels */
	const char *level_name;		/* borrowed from the policy */
	int64_t	 notice;		/* seconds of advance notice */
	int	 approvals;		/* approvals needed (0 for standard) */
	int	 emergency;		/* an emergency change */
	struct risk_hit hits[F_COUNT];	/* factors that apply, in order */
	size_t	 nhits;
};

/* Score a plan: every applicable factor with its weight, level, notice. */
void	 risk_assess(const struct policy *, const struct plan *, struct risk *);

#endif
