/* policy-int: what policy.c and policy-trust.c share; private to them */
#ifndef OFFPEAK_POLICY_INT_H
#define OFFPEAK_POLICY_INT_H

#include <jansson.h>

struct jdoc;
struct policy;

/*
 * Read signing, allowed_signers, approver_lists, approval_rules,
 * self_approval, operators and break_glass (after the systems and the
 * risk levels, which they name).
 */
void	 policy_read_trust(struct jdoc *, json_t *root, struct policy *);
void	 policy_free_trust(struct policy *);

#endif
