/*
 * trust: who a decision or a run is by, and whether it counts — signed
 * statements, the allowed signers, separation of duties, approver lists
 * and rules, break-glass and operators
 */
#ifndef OFFPEAK_TRUST_H
#define OFFPEAK_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "signers.h"

struct approval;
struct plan_state;
struct policy;
struct sshsig_cache;

/*
 * What trust decisions are made with: the policy, its allowed-signers
 * file as read from the plans branch, the cache of good verifications,
 * and how to learn who wrote a plan revision.
 */
struct trust {
	const struct policy *pol;
	int	 required;		/* signing required */
	int	 have_signers;		/* the file was read */
	struct signers signers;
	char	*signers_text;
	size_t	 signers_len;
	char	*signers_problem;	/* why it could not be read, or NULL */
	struct sshsig_cache *cache;
	/*
	 * The signer of revision blob of plan id: the principal whose key
	 * signed the commit that made it (asked only with signing
	 * required): allocated, or NULL when unknown (*why).
	 */
	char	*(*author)(void *arg, const char *id, const char *blob,
		     char **why);
	void	*arg;
};

/*
 * Set up: signers_text (the allowed-signers file, or NULL when the policy
 * names none or it is missing: problem says why) is copied and parsed.
 */
void	 trust_init(struct trust *, const struct policy *, const char *text,
	     size_t len, const char *problem, struct sshsig_cache *);
void	 trust_release(struct trust *);

/*
 * The canonical statement an approval signs (allocated): its plan, the
 * plan blob, the decision, the principal, the time and the comment, one
 * per line, so that a signature holds for exactly one decision on one
 * revision of one plan.
 */
char	*trust_approval_statement(const char *id, const struct approval *);

/* What a run statement says. */
struct run_statement {
	const char *plan;
	const char *revision;
	const char *run;
	int64_t	 start, end;	/* the slot */
	const char *principal;	/* the operator */
	int64_t	 at;
	const char *action;	/* "start" or "resume" */
};
char	*trust_run_statement(const struct run_statement *);
/*
 * Check signature i of a maintenance record: its statement made from the
 * record's plan, revision, run and slot, signed by the principal it
 * names in the namespace offpeak-run. 0, or -1 with *why.
 */
struct record;
int	 trust_verify_record(struct trust *, const struct record *, size_t i,
	     char **why);

/*
 * Check a signature over a statement: by a key that the allowed signers
 * give principal for namespace ns, good at time at. 0 when it holds, or
 * -1 with *why.
 */
int	 trust_verify(struct trust *, const char *principal, const char *ns,
	     const char *sig, const char *statement, int64_t at, char **why);

/*
 * The principal a public key blob stands for in namespace ns (prefer when
 * it is among the key's principals, else the first): NULL with *why.
 */
char	*trust_principal_of_key(struct trust *, const unsigned char *key,
	     size_t keylen, const char *ns, const char *prefer, char **why);

/*
 * The principal a signature is by, from its key and the allowed signers
 * (prefer when it is among the key's principals, else the first): NULL
 * with *why when the key is not there. Nothing is verified.
 */
char	*trust_signer_of(struct trust *, const char *sig, const char *ns,
	     const char *prefer, char **why);

/*
 * Who signed a commit (hex id): the principal of its SSH signature in the
 * namespace "git", verified at the commit's time as git does. NULL with
 * *why when it is unsigned, signed by a key not in the allowed signers,
 * or does not verify.
 */
struct repo;
char	*trust_commit_signer(struct trust *, struct repo *, const char *commit,
	     char **why);

/*
 * Decide whether each approval of the plan's revision blob counts, and
 * say why not in its problem: by an approver, on the break-glass list for
 * a break-glass one, signed and verified when signing is required, and
 * not by the plan's owner or, with signing required, the signer of the
 * commit that made the revision (unless the policy allows self-approval
 * for its level or type). Approvals of other
 * revisions are left alone: they never count.
 */
void	 trust_vet(struct trust *, struct plan_state *, const char *blob);
/*
 * Is this decision, about to be recorded, one that would count? With
 * TRUST_UNSIGNED, everything but its signature (checked before signing,
 * so that nobody signs what would be refused). 0, or -1 with *why.
 */
#define TRUST_UNSIGNED	0x1
int	 trust_vet_one(struct trust *, const struct plan_state *,
	     struct approval *, unsigned flags, char **why);

/* How the approvals of a plan's current revision stand. */
struct approval_count {
	int	 n;		/* distinct approvers whose approval counts */
	int	 needed;	/* the risk level's count */
	int	 rules_met;	/* every approval rule that applies is met */
	char	*missing;	/* "1 from dba" when a rule is not; or NULL */
	int	 rejected;
	char	*rejected_by;	/* the last who rejected, or NULL */
	int	 break_glass;	/* distinct break-glass approvers */
	char	*break_glass_by;	/* their principals, ", "-joined */
	int	 approved;	/* not rejected, n >= needed, rules met */
};

/*
 * Count the vetted approvals of the plan's current revision under the
 * policy's rules; approvals that were not vetted never count.
 */
void	 trust_count(const struct policy *, const struct plan_state *,
	     struct approval_count *);
void	 approval_count_release(struct approval_count *);
/* Does the count hold enough break-glass approvals for the policy? */
int	 trust_break_glass(const struct policy *, const struct approval_count *);

#endif
