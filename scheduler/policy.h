/* policy: the policy file offpeak.json — model and validation */
#ifndef OFFPEAK_POLICY_H
#define OFFPEAK_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "datetime.h"
#include "diag.h"
#include "plan.h"

struct redactor;

#define POLICY_FILE	"offpeak.json"
#define WINDOW_MAX_DURATION (7 * 86400)

enum criticality { CRIT_LOW, CRIT_MEDIUM, CRIT_HIGH };

/* Risk factors with a policy weight; the order matches risk_factor_names. */
enum risk_factor {
	F_IMPACT_NONE, F_IMPACT_REDUCED, F_IMPACT_DEGRADED, F_IMPACT_OUTAGE,
	F_CRIT_LOW, F_CRIT_MEDIUM, F_CRIT_HIGH,
	F_ROLLBACK_TESTED, F_ROLLBACK_UNTESTED, F_ROLLBACK_NONE,
	F_DATA_MIGRATION, F_UNTESTED_IN_STAGING, F_SYSTEMS_OVER_3,
	F_TYPE_STANDARD, F_TYPE_NORMAL, F_TYPE_EMERGENCY,
	F_COUNT
};
extern const char *const risk_factor_names[F_COUNT + 1];

struct system {
	char	*name;
	char	*group;
	enum criticality criticality;
	char	*description;
};

struct window_def {
	char	*name;
	char	**groups;		/* NULL-terminated */
	struct civil start;		/* local time in timezone */
	char	*timezone;
	int64_t	 duration;		/* seconds */
	char	*rrule;
	struct civil *exdates;
	size_t	 nexdates;
};

enum freeze_kind { FREEZE_ABSOLUTE, FREEZE_RECURRING, FREEZE_URL };

struct freeze_def {
	char	*name;
	enum freeze_kind kind;
	int64_t	 start, end;		/* FREEZE_ABSOLUTE */
	struct civil local_start;	/* FREEZE_RECURRING */
	char	*timezone;
	int64_t	 duration;
	char	*rrule;
	struct civil *exdates;
	size_t	 nexdates;
	char	*url;			/* FREEZE_URL */
	char	**groups;		/* NULL-terminated; NULL: every group */
};

struct risk_level {
	char	*name;
	int	 has_max;
	long long max_score;
	int64_t	 notice;
	int	 approvals;
};

struct subscriber {
	char	*name;
	char	*token_sha256;
	char	**systems;		/* NULL-terminated, may be NULL */
	char	**groups;		/* NULL-terminated, may be NULL */
	char	*email;
};

/* A named list of approvers ("approver_lists": {"dba": [...]}) */
struct approver_list {
	char	*name;
	char	**members;		/* NULL-terminated */
};

/* How many approvals a list must give, within an approval rule. */
struct list_quota {
	char	*list;
	int	 n;
};

/*
 * An approval rule: a change on a system of one of groups (NULL: any) whose
 * risk level is one of levels (NULL: any) needs, besides the level's count,
 * quota[i].n approvals from each list, each approval by a distinct person.
 */
struct approval_rule {
	char	**groups;
	char	**levels;
	struct list_quota *quota;
	size_t	 nquota;
};

/* Who may run changes on systems of groups (NULL: every group). */
struct operator_rule {
	char	**groups;
	char	**members;		/* principals, NULL-terminated */
};

enum signing { SIGNING_OFF, SIGNING_REQUIRED };

/* Prechecks the policy asks of every change on systems of groups. */
struct precheck_rule {
	char	**groups;		/* NULL: every group */
	struct checks checks;
};

enum avail_period { PERIOD_MONTH, PERIOD_QUARTER, PERIOD_DURATION };

/*
 * An availability target ("availability": [...], agreement clause 3.1):
 * the systems it covers are at least target_ppm millionths available in
 * every period, which leaves (1 - target) of the period as the budget of
 * planned unavailability. An outage change spends its whole duration, a
 * degraded one that share of it.
 */
struct availability {
	char	**systems;		/* NULL: by groups */
	char	**groups;		/* NULL with systems NULL: every system */
	long	 target_ppm;		/* 99.9% is 999000 */
	char	*target;		/* as written: "99.9%" */
	enum avail_period period;
	int64_t	 period_len;		/* PERIOD_DURATION: seconds, whole days */
	char	*period_text;		/* "month", "quarter", "P7D" */
	double	 degraded;		/* share of a degraded change spent */
};

struct policy {
	unsigned char digest[32];	/* SHA-256 of the file it was read from */
	int	 has_digest;		/* read from a file (policy_parse) */
	char	*provider;
	struct {
		char	*name, *domain, *organizer, *account, *url;
		int64_t	 refresh;
		int64_t	*reminders;
		size_t	 nreminders;
		int64_t	 retention;
	} calendar;
	char	*timezone;
	struct system *systems;		/* sorted by name */
	size_t	 nsystems;
	char	**groups;		/* distinct groups, sorted, NULL-terminated */
	struct window_def *windows;
	size_t	 nwindows;
	struct freeze_def *freezes;
	size_t	 nfreezes;
	long long weights[F_COUNT];
	struct risk_level *levels;
	size_t	 nlevels;
	int	 has_emergency_notice;
	int64_t	 emergency_notice;
	char	**approvers;		/* NULL-terminated */
	enum signing signing;		/* "signing", or "signed_approvals" */
	char	*allowed_signers;	/* its path on the plans branch, or NULL */
	char	**self_approval;	/* levels and types one may self-approve */
	struct approver_list *lists;
	size_t	 nlists;
	struct approval_rule *rules;
	size_t	 nrules;
	struct operator_rule *operators;	/* NULL: anyone may run */
	size_t	 noperators;
	struct {
		char	**approvers;	/* NULL: no break-glass */
		int	 approvals;	/* how many it takes */
		int	 outside_windows;	/* may place outside windows */
	} break_glass;
	char	**warnings;		/* accepted, but worth a word */
	struct precheck_rule *prechecks;	/* "precheck" */
	size_t	 nprechecks;
	int	 max_concurrent;
	int	 public_feeds;
	struct subscriber *subscribers;
	size_t	 nsubscribers;
	char	**redact;		/* patterns public output hides */
	struct availability *availability;	/* targets; may be none */
	size_t	 navailability;
	struct redactor *redactor;	/* never NULL once parsed */
};

/* Is who (an e-mail, in any case) one of the policy's approvers? */
int	 policy_is_approver(const struct policy *, const char *who);
/* Is who in the approver list of that name? */
int	 policy_in_list(const struct policy *, const char *list, const char *who);
/* Is who on the break-glass list? */
int	 policy_is_break_glass(const struct policy *, const char *who);
/*
 * May who run a change on systems of these groups (NULL-terminated)? Yes
 * when the policy names no operators; else who must be an operator for
 * every group. 1 or 0.
 */
int	 policy_is_operator(const struct policy *, const char *who,
	     char *const *groups);
/* May a change of this level and type be approved by its own author? */
int	 policy_self_approval(const struct policy *, const char *level,
	     const char *type);

/*
 * Read and validate a policy from text; problems go to diags under the
 * name file. Returns the policy (possibly with problems reported), or NULL
 * when the text is not a JSON object at all.
 */

struct policy *policy_parse(const char *file, const char *text, size_t len,
	     struct diags *);
void	 policy_free(struct policy *);
/* The system of that name, or NULL. */
const struct system *policy_system(const struct policy *, const char *);
/* Is group one of the policy's groups? */
int	 policy_has_group(const struct policy *, const char *);
/* Does the window admit every group in the NULL-terminated list? */
int	 window_covers(const struct window_def *, char *const *groups);

#endif
