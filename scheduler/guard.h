/*
 * guard: the rules every commit of the state branch keeps, checked by the
 * server's pre-receive hook on every push and by audit over the history
 */
#ifndef OFFPEAK_GUARD_H
#define OFFPEAK_GUARD_H

#include <stddef.h>
#include <stdint.h>

struct repo;
struct sshsig_cache;

/* One broken rule: the commit, the file on the state branch, the rule. */
struct guard_problem {
	char	 commit[41];
	char	*file;		/* NULL when the commit as a whole is at fault */
	char	*rule;
};

struct guard_plans;		/* the plans a state commit was made from */

struct guard {
	struct repo *repo;
	struct sshsig_cache *cache;
	/*
	 * The plans branch tip that every Offpeak-Plans trailer must lie on
	 * (hex), or NULL to leave that unchecked.
	 */
	const char *plans_tip;
	/* The real clock for commits dated ahead of it (0: not checked). */
	int64_t	 now;
	/* Commits made under --now (Offpeak-Clock: simulated) are accepted. */
	int	 allow_simulated;
	/* Only state commits dated in [from, to) are checked (0, 0: all). */
	int64_t	 from, to;
	size_t	 simulated;	/* commits checked that were made under --now */
	struct guard_problem *v;
	size_t	 n;
	size_t	 commits;	/* state commits checked */
	size_t	 plans_commits;	/* plans commits checked */
	struct guard_plans *plans;	/* cached for the last trailer seen */
};

void	 guard_init(struct guard *, struct repo *, struct sshsig_cache *);
void	 guard_release(struct guard *);

/*
 * Check one commit of the state branch against its parent ("" for the
 * first): that it is offpeak state (one parent, files offpeak writes,
 * each parseable), made from plans on the plans branch, dated in order;
 * that approvals and records are append-only (a record grows only while
 * its run has not ended) and every new approval counts (an approver, not
 * the author, signed and verified with signing required, on the current
 * revision, never a replay); that every status change is one the workflow
 * allows, approved and scheduled plans hold enough approvals, a run is
 * locked by a signed statement of an operator, an outcome follows its run;
 * and that every new or moved slot keeps the notice invariant, lies in an
 * off-peak window of its systems and outside freezes (unless break-glass
 * lets it). Problems are added to the guard. Returns 0, or -1 with *cause
 * when the repository cannot be read.
 */
int	 guard_commit(struct guard *, const char *parent, const char *commit,
	     char **cause);

/*
 * A push of the state branch from old to new ("" for none): deleting it
 * and moving it other than forward are refused; every new commit is
 * checked in order. Returns 0, or -1 with *cause.
 */
int	 guard_push(struct guard *, const char *old, const char *new,
	     char **cause);

/*
 * New commits of the plans branch: those reachable from new and from none
 * of hide (hex ids). Where the policy of a commit's first parent requires
 * signing, a commit that changes offpeak.json, the allowed-signers file,
 * plans/ or hooks/ must be SSH-signed by a key the parent's allowed
 * signers name (namespace "git"), verified at its commit time. Returns 0,
 * or -1 with *cause.
 */
int	 guard_plans_push(struct guard *, char *const *hide, const char *new,
	     char **cause);

/*
 * The whole history (first parents) of the state branch up to tip, from
 * its root or from since (a commit whose own changes are not checked).
 * Returns 0, or -1 with *cause.
 */
int	 guard_history(struct guard *, const char *tip, const char *since,
	     char **cause);

/*
 * An audit: every commit of the plans branch up to plans_tip (signed
 * where required) and of the state branch up to state_tip ("" none),
 * from its root or from since. Returns 0, or -1 with *cause.
 */
int	 guard_audit(struct guard *, const char *plans_tip, const char *state_tip,
	     const char *since, char **cause);

#endif
