/* report: maintenance records of a period and compliance figures */
#ifndef OFFPEAK_REPORT_H
#define OFFPEAK_REPORT_H

#include <stddef.h>
#include <stdint.h>

struct repo;
struct plan_state;
struct state;
struct redactor;

/* One run, as a maintenance report lists it (clause 3.3 of the SLA). */
struct report_row {
	char	*plan, *run, *title, *operator;
	char	*outcome;	/* completed, rolled-back, failed, deferred,
				   cancelled, running */
	char	*problem;	/* what went wrong, or NULL */
	char	*resolution;	/* what was done about it, or NULL */
	int64_t	 started, ended;
	int64_t	 slot_start, slot_end;
	int64_t	 planned;	/* seconds the plan said it would take */
	int	 emergency;
	int	 unverified;	/* rolled back, but the verification after failed */
	char	*break_glass;	/* what break-glass overrode, or NULL */
	int	 simulated;	/* made under --now */
	int	 inside_window;	/* every phase within the slot */
	int	 notice_held;	/* the notice gate passed */
};

/* Verification latencies of the runs, for the percentiles. */
struct latencies {
	int64_t	*ms;
	long	*max;
	size_t	 n, alloc;
};

/* A slot that ended without a run. */
struct report_miss {
	char	*plan;
	int64_t	 slot_start, slot_end;
};

struct report {
	const struct redactor *redact;	/* hides in problems (redact.h) */
	struct report_miss *missed;	/* by the order read */
	size_t	 nmissed;
	struct report_row *rows;	/* by start time */
	size_t	 n, alloc;
	struct latencies lat;
	size_t	 completed, rolled_back, failed, deferred, other;
	size_t	 unverified;	/* rolled back, the verification after failed */
	size_t	 inside, notice, emergencies, break_glass, simulated;
	int64_t	 mean_duration, mean_planned;	/* over finished runs */
	int64_t	 worst_over;	/* largest (actual - planned), seconds */
	const char *worst_plan;	/* borrowed from rows */
	size_t	 nlatency, over_max;	/* verification attempts */
	int64_t	 p50_ms, p95_ms;
	long	 max_ms_p50;	/* median of the limits they were held to */
};

/*
 * Read every maintenance record on the state branch whose run started in
 * [from, to) and compute the figures; problems are shown through the
 * redactor (or only with URLs cleaned when it is NULL). Returns 0, or -1
 * with *cause.
 */
int	 report_build(struct repo *, const struct state *,
	     const struct redactor *, int64_t from,
	     int64_t to, struct report *, char **cause);
/*
 * The same over the changes of the working set only (archive.h): what
 * the availability budgets of open periods need, whatever the history.
 */
int	 report_build_working(struct repo *, const struct state *,
	     const struct redactor *, int64_t from, int64_t to, struct report *,
	     char **cause);
/*
 * The same one record at a time: start from a zeroed struct report, add
 * each record's text (its plan's state for the title, or NULL; records
 * outside [from, to) are read and left out), then report_finish. Returns
 * 0, or -1 with *cause for a text that is not a record.
 */
int	 report_add(struct report *, const char *text, size_t len,
	     const struct plan_state *, int64_t from, int64_t to, char **cause);
void	 report_finish(struct report *);
/*
 * What the runs of the report measured against the availability budgets:
 * each run that did not stop at its precheck, from its start to its end,
 * on its change's systems with its impact.
 */
struct budget_ledger;
void	 report_actuals(const struct report *, const struct state *,
	     struct budget_ledger *);
void	 report_release(struct report *);

#endif
