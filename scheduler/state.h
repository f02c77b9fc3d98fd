/* state: the workflow state of every plan, as kept on the state branch */
#ifndef OFFPEAK_STATE_H
#define OFFPEAK_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "util.h"

struct policy;
struct plan;
struct trust;

#define STATE_BRANCH	"refs/heads/offpeak-state"

enum status {
	ST_SUBMITTED, ST_ASSESSED, ST_APPROVED, ST_SCHEDULED,
	ST_BACKING_UP, ST_EXECUTING, ST_VERIFYING, ST_COMPLETED,
	ST_REJECTED, ST_CANCELLED, ST_EXPIRED, ST_SUPERSEDED,
	ST_ROLLED_BACK, ST_FAILED,
	ST_COUNT
};
extern const char *const status_names[ST_COUNT + 1];

/* A place in time for a change. */
struct slot {
	int64_t	 start, end;	/* UTC seconds */
	char	*window;	/* the off-peak window it lies in */
	char	*timezone;	/* that window's zone, for local times */
};

/* What a notice says about a plan, kept so that feeds outlive the plan file. */
struct snapshot {
	char	*title;
	char	*owner;
	char	*type;
	char	*impact;
	char	*rollback;	/* risk.rollback */
	char	**systems;	/* NULL-terminated */
	char	*description;
};

struct factor {
	char	*name;
	long long weight;
};

struct assessment {
	long long score;
	char	*level;
	int64_t	 notice;
	int	 approvals;	/* needed */
	int	 emergency;
	struct factor *factors;
	size_t	 nfactors;
};

struct approval {
	int	 n;		/* its number: approvals/<id>/<n>.json */
	int	 saved;		/* read from the state branch, or written there */
	char	*approver;	/* the principal (signing) or e-mail */
	int	 reject;
	int	 break_glass;	/* also a break-glass approval (freezes) */
	char	 revision[41];	/* plan blob id it binds to */
	char	*comment;
	int64_t	 at;
	char	*signature;	/* armored SSH signature of its statement */
	/* not kept: what trust_vet found (trust.h) */
	int	 vetted;	/* it counts */
	char	*problem;	/* why it does not, or NULL */
};

struct plan_state {
	char	*id;
	enum status status;
	char	 revision[41];	/* plan blob id the state is about */
	int64_t	 submitted_at;	/* first commit of the plan file */
	int64_t	 updated_at;	/* last change of this state */
	int	 assessed;
	struct assessment risk;
	int	 has_slot;	/* slot is meaningful */
	int	 slot_live;	/* the slot holds (not released) */
	struct slot slot;
	int64_t	 published_at;	/* when the current slot was first published */
	int64_t	 released_at;	/* when a published slot was cancelled */
	int	 sequence;	/* raised on every change subscribers see */
	char	*reason;	/* why it is blocked, rejected or cancelled */
	struct snapshot snap;
	struct {
		char	*id;		/* run in progress or last run; NULL none */
		char	*operator;
		char	*host;
		long	 pid;
		long long pid_start;	/* its start time (clock ticks) */
		int64_t	 started;
		char	*outcome;	/* running, completed, rolled-back, ... */
	} run;
	struct {
		char	**by;		/* break-glass approvers; NULL: none */
		char	**freezes;	/* freezes the slot lies in */
		int	 outside_window;	/* the slot lies in no window */
		char	*overspend;	/* the budget it overspends, or NULL */
	} break_glass;			/* an emergency slot placed by break-glass */
	struct approval *approvals;
	size_t	 napprovals;
	int	 dirty;		/* changed in this invocation: write it */
};

/* Every plan's state, sorted by id. */
struct state {
	struct plan_state **items;
	size_t	 n, alloc;
	char	 commit[41];	/* state branch commit it was read from; "" none */
	struct buf log;		/* transitions made, one line each */
	size_t	 nlog;
	const char *command;	/* what is writing: for the commit subject */
	char	**warnings;	/* entries of the state branch left unread */
	char	 plans[41];	/* plans commit the state was made from; "" */
};

void	 state_init(struct state *);
void	 state_release(struct state *);
/* A new plan state (status submitted), not yet part of any struct state. */
struct plan_state *plan_state_new(const char *id);
void	 plan_state_free(struct plan_state *);
/*
 * Make the plan states (allocated, any order, ids distinct) the whole of an
 * empty state; the array is taken.
 */
void	 state_adopt(struct state *, struct plan_state **, size_t);

/* The state of a plan, or NULL. */
struct plan_state *state_find(const struct state *, const char *id);
/* The state of a plan, created (status submitted) if missing. */
struct plan_state *state_get(struct state *, const char *id);

/* Serialise one plan state to JSON text (allocated), deterministic. */
char	*state_to_json(const struct plan_state *);
/* Parse state/<id>.json; 0, or -1 with *cause. */
int	 state_from_json(struct plan_state *, const char *text, size_t len,
	     char **cause);
char	*approval_to_json(const struct approval *);
void	 approval_release(struct approval *);
int	 approval_from_json(struct approval *, const char *text, size_t len,
	     char **cause);

/* Record a transition line in the log and mark the plan dirty. */
void	 state_log(struct state *, struct plan_state *, const char *fmt, ...)
	     __attribute__((format(printf, 3, 4)));
/* Set a new status; raises the sequence and logs when it changes. */
void	 state_set_status(struct state *, struct plan_state *, enum status,
	     int64_t now);

/* Forget a break-glass placement. */
void	 state_clear_break_glass(struct plan_state *);
/* "freeze 'year-end' overridden by cto@example.com", or NULL (allocated). */
char	*state_break_glass_text(const struct plan_state *);

/* Give up a live slot: its notice becomes a cancellation. */
void	 state_release_slot(struct plan_state *, int64_t now);

/*
 * May one command take a plan from status from to status to (through any
 * number of the workflow's steps)? A run's states and outcomes are
 * reached only from a scheduled plan or a run (a run commits at every
 * phase). A revision change starts afresh: pass ST_SUBMITTED as from. A
 * status may always stay as it is.
 */
int	 state_transition_allowed(enum status from, enum status to);

/*
 * Did the plan's slot end at now without a run (scheduled, the slot still
 * held, now at or past its end)? Every output says "missed" from that
 * instant; the next schedule releases it and places it anew.
 */
int	 state_slot_missed(const struct plan_state *, int64_t now);

/* Is the status one in which a change holds a live slot? */
int	 status_has_slot(enum status);
/* Is the status final (nothing more will happen without a plan change)? */
int	 status_is_final(enum status);

/*
 * Bring the state up to date with the plans and policy at now: new plans
 * are submitted and assessed, edited plans superseded and re-assessed,
 * removed plans cancelled, the approvals of each plan's revision vetted
 * (trust_vet) and counted. Transitions go to the log.
 */
void	 state_reconcile(struct state *, struct trust *,
	     struct plan *const *plans, size_t nplans, int64_t now);
/*
 * Can a decision be recorded on the plan now? Not when it is running or
 * final, nor when who made the same decision on this revision already.
 * 0, or -1 with *cause.
 */
int	 state_decidable(const struct plan_state *, const char *who, int reject,
	     char **cause);
/*
 * Record a decision on the plan's current revision (the plan must be in
 * the state: reconcile first); a's revision must be its current one, as
 * the statement it signs says. The decision
 * must be one that counts (trust_vet_one: an approver, not the author,
 * signed when signing is required). Returns 0 with a taken into the
 * state (its fields now belong there), or -1 with *cause, changing
 * nothing. Counting it is state_reconcile's.
 */
int	 state_approve(struct state *, struct plan_state *, struct trust *,
	     struct approval *a, char **cause);
/* Can the plan be cancelled? 0, or -1 with *cause (completed, cancelled). */
int	 state_cancellable(const struct plan_state *, char **cause);
/*
 * Cancel: the slot is released (its notice becomes a cancellation), the
 * reason is "cancelled: MSG", and an interrupted run is closed as
 * cancelled. A run alive on this host must be refused before (run.h).
 */
void	 state_cancel(struct state *, struct plan_state *, const char *msg,
	     int64_t now);

#endif
