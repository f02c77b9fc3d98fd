/*
 * budget: planned unavailability held against the policy's availability
 * targets (agreement clause 3.1). A target of 99.9% a month leaves 0.1% of
 * the month's true length in the policy's zone (43 min 12 s of a 30-day
 * month, an hour less of 31 days in the month the clocks go forward) as a
 * system's budget; an outage change spends its duration, a degraded one
 * the target's share of it, split at the periods' bounds.
 */
#ifndef OFFPEAK_BUDGET_H
#define OFFPEAK_BUDGET_H

#include <stddef.h>
#include <stdint.h>

struct availability;
struct policy;
struct state;
struct system;

struct budget_period {
	int64_t	 start, end;
	char	 label[40];	/* "2027-01", "2027-Q1", "2027-01-04+P7D" */
};

/* The period of a target that holds t, in the policy's zone. */
void	 budget_period_of(const struct policy *, const struct availability *,
	     int64_t t, struct budget_period *);
/* The budget of a period in seconds: (1 - target) of its true length. */
int64_t	 budget_allowance(const struct availability *,
	     const struct budget_period *);
/* Does a target cover the system? */
int	 budget_covers(const struct availability *, const struct system *);
/* The share of its duration a change of this impact spends (0 to 1). */
double	 budget_share(const struct availability *, const char *impact);
/* What [s, e) of that impact spends of the period, in seconds. */
int64_t	 budget_spend(const struct availability *, const char *impact,
	     int64_t s, int64_t e, const struct budget_period *);

/* What is planned against every budget: per system, target and period. */
struct budget_ledger;

struct budget_ledger *budget_ledger_new(const struct policy *);
void	 budget_ledger_free(struct budget_ledger *);
/* Add (sign 1) or take back (sign -1) [s, e) of impact on the systems. */
void	 budget_ledger_add(struct budget_ledger *, char *const *systems,
	     const char *impact, int64_t s, int64_t e, int sign);
/*
 * Would [s, e) of impact on the systems fit every budget? 1 when it
 * does; 0 with *why ("db-primary 2027-01: 43 min budget, 40 min planned;
 * this change needs 30 min", allocated) and *next (the end of that
 * period, where the search may go on).
 */
int	 budget_fits(const struct budget_ledger *, char *const *systems,
	     const char *impact, int64_t s, int64_t e, char **why,
	     int64_t *next);
/* A run measured: [s, e) of that impact, for the actual figures. */
void	 budget_ledger_actual(struct budget_ledger *, char *const *systems,
	     const char *impact, int64_t s, int64_t e);
/* Seconds planned against a system's target in a period. */
int64_t	 budget_planned(const struct budget_ledger *, size_t system,
	     size_t target, const struct budget_period *);
/*
 * A ledger of the state: every change with a slot that was not given
 * up (scheduled, running, or run), by its slot and its impact.
 */
struct budget_ledger *budget_ledger_of_state(const struct policy *,
	     const struct state *);

/* One line of an availability table. */
struct budget_row {
	const char *system;		/* the policy's */
	size_t	 target;		/* index in the policy's availability */
	struct budget_period period;
	int64_t	 budget;		/* seconds */
	int64_t	 planned;		/* of changes with a slot in it */
	int64_t	 actual;		/* measured by runs (budget_ledger_actual) */
	int64_t	 left;			/* budget less what is spent or planned */
	double	 availability;		/* what that work leaves, in percent */
};

/*
 * The table for the periods that meet [from, to): a row per covered
 * system, target and period, in the policy's order (allocated).
 */
size_t	 budget_rows(const struct policy *, const struct budget_ledger *,
	     int64_t from, int64_t to, struct budget_row **);
/* "43 min 12 s", "11 h 2 min 42 s" from 100 minutes on (allocated). */
char	*budget_minutes(int64_t seconds);
/* The table as text, a header and a line per row (allocated). */
char	*budget_table_text(const struct policy *, const struct budget_row *,
	     size_t);
/* The table as a JSON array (a new reference). */
struct json_t;
struct json_t *budget_table_json(const struct policy *,
	     const struct budget_row *, size_t);

#endif
