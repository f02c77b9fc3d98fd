/* check: validate the policy and every plan of a tree */
#ifndef OFFPEAK_CHECK_H
#define OFFPEAK_CHECK_H

#include "diag.h"

struct repo;
struct repo_tree;
struct policy;
struct plan;

#define CHECK_MAX_FILE (1024 * 1024)	/* larger files are refused */

struct check_result {
	struct policy *policy;		/* NULL when the policy is unusable */
	struct plan **plans;		/* every plan that parsed, by id */
	size_t	 nplans;
	struct diags diags;		/* every problem found */
};

/*
 * Validate offpeak.json and plans/ of a tree: every problem goes to
 * result->diags. Returns 0 (even with problems), or -1 with *cause when
 * the repository itself cannot be read.
 */
int	 check_tree(struct repo *, struct repo_tree *, struct check_result *,
	     char **cause);
void	 check_result_release(struct check_result *);

#endif
