/*
 * run-int.h: what the parts of run share — the run in progress and the
 * helpers its gates (run-gate.c) and its ownership (run-own.c) use.
 * Private to run.c, run-gate.c and run-own.c.
 */
#ifndef OFFPEAK_RUN_INT_H
#define OFFPEAK_RUN_INT_H

#include <signal.h>
#include <stdint.h>

#include "check.h"
#include "state.h"
#include "store.h"

struct record;
struct session;
struct plan;
struct run_opts;
struct run_events;

#define RUN_LOG_MAX	(1024 * 1024)	/* bytes of a phase log kept on the branch */
#define RUN_REBASE_TRIES 16		/* commits made again after lost races */
#define RUN_ABORT_POLL_MS 2000		/* how often an abort is looked for */
#define RUN_ABORT_FETCH_MS 5000		/* ... on origin, when shared */

/* Everything one run works with. */
struct run {
	struct session *s;
	struct plan *p;
	struct plan_state *ps;
	const struct run_opts *opts;
	const struct run_events *ev;
	struct record *rec;
	char	*commit;	/* plans commit the run executes */
	struct check_result then;	/* the plans at it, when not HEAD's */
	int	 have_then;
	char	*id;		/* run id */
	char	*dir;		/* work directory: tree/, manifest, logs */
	char	*tree;		/* export of the plan's revision */
	char	*manifest;	/* $OFFPEAK_BACKUP_MANIFEST */
	int64_t	 mono0;		/* monotonic ms at the start */
	int64_t	 clock0;	/* the run's clock at the start: --now or time */
	int	 locked;	/* the lock is ours: later commits are rebased */
	int	 lockfd;	/* the run lock every hook inherits; -1 none */
	char	*lockpath;
	char	**orphans;	/* processes --kill-orphans ended */
	volatile sig_atomic_t stop_now;	/* a signal, or an abort: stop */
	char	*abort_by;	/* who asked for the abort, and why */
	char	*abort_msg;
	int64_t	 abort_looked, abort_fetched;	/* monotonic ms */
	int	 prepared;	/* dir is this process's: remove it at the end */
	int	 nlog;		/* phase logs named so far */
	struct store_files files;	/* queued for the next commit */
	char	*err;		/* a commit inside a phase failed: why */
	int	 err_rc;	/* and its exit code */
};

/* run.c */
int64_t	 run_clock(void *run);
void	 run_progress(struct run *, const char *fmt, ...)
	     __attribute__((format(printf, 2, 3)));
void	 run_queue_file(struct run *, char *path, char *data, size_t len);
char	*run_record_path(const struct run *);
int	 run_status_running(enum status);
/* Commit what the run queued, rebased on other writers: an OUT_ code. */
int	 run_checkpoint(struct run *, char **cause);
void	 run_work_paths(struct run *);
/* Phase logs of an interrupted run, kept as far as they got. */
void	 run_salvage(struct run *);

/* run-gate.c: every gate, in the order an operator wants them; OUT_ codes */
int	 run_gates(struct run *, char **cause);
/* The groups of the plan's systems (borrowed strings, vector allocated). */
char	**run_groups(struct run *);
/* With signing required, the operator's signed statement of the run. */
int	 run_sign(struct run *, const char *action, int64_t now, char **cause);

/* run-own.c: who a run in progress belongs to */
char	*run_this_host(void);
char	*run_lock_path(struct session *, const char *plan, const char *run);
/* Resuming: the record so far, and the run this process's again. */
int	 run_take_over(struct run *, char **cause);

#endif
