/* run: execute one approved change — gates, backup, steps, verify, rollback */
#ifndef OFFPEAK_RUN_H
#define OFFPEAK_RUN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct plan_state;
struct session;
struct store_file;

/* What the operator sees while a change runs. */
struct run_events {
	/* a line of a hook's output, with its phase ("backup", "step 2") */
	void	(*output)(const char *phase, const char *line, size_t len, void *);
	/* a line about progress ("backup: ok after 3 s") */
	void	(*progress)(const char *text, void *);
	void	*arg;
};

struct run_opts {
	const char *operator;	/* who runs it (default: git user.email) */
	const char *key;	/* signing required: the operator's SSH key */
	int	 resume;	/* continue an interrupted run */
	int64_t	 wait_ms;	/* resume: how long processes of the old run
				   may take to end before it refuses */
	int	 kill_orphans;	/* resume: end them instead (TERM, KILL) */
	int64_t	 grace_ms;	/* from SIGTERM to SIGKILL of a hook */
	const volatile sig_atomic_t *stop;	/* set by SIGINT/SIGTERM */
};

/*
 * Run the change id of an open session: check every gate, take the run
 * lock (a state commit moved by compare and swap), then the backup hook,
 * the steps, the verification hooks and HTTP checks, and the rollback hook
 * when anything failed, committing the maintenance record at every phase
 * boundary. Returns an outcome: OUT_OK (completed), OUT_INVALID
 * (a gate refused: *cause names it), OUT_FAILED (the change failed:
 * *cause says whether the rollback succeeded), OUT_RACE, OUT_ENV.
 */
int	 run_change(struct session *, const char *id, const struct run_opts *,
	     const struct run_events *, char **cause);

/*
 * Is the plan's run in progress one of this host whose offpeak process is
 * gone (killed, crashed)? Then only 'run --resume' or 'cancel' go on with
 * it. (Hooks it started may still live: see run_orphans.) A process is
 * the recorded pid with the recorded start time, never another that got
 * the same number later.
 */
int	 run_interrupted(const struct plan_state *);
/* Is the plan's run in progress held by a live offpeak of this host? */
int	 run_alive_here(const struct plan_state *);
/*
 * The processes of the plan's interrupted run still alive on this host
 * (hooks and their children, which hold the run's lock), as a
 * NULL-terminated vector of "pid (command)", or NULL when none.
 */
char	**run_orphans(struct session *, const struct plan_state *);

/*
 * Ask the plan's run in progress to stop (offpeak abort): who must be an
 * operator of it when the policy names operators, and the run must be in
 * progress (not interrupted: that is cancel's or --resume's). *f gets the
 * request to commit, aborts/<id>/<run>.json (path and data allocated),
 * and the state's log a line. 0, or -1 with *cause.
 */
struct store_file;
int	 run_abort_request(struct session *, struct plan_state *, const char *who,
	     const char *msg, struct store_file *f, char **cause);

/*
 * The changes that may run unattended now (run --due): automatic
 * execution, scheduled, inside their slot with their notice held, in
 * slot order; a NULL-terminated vector of ids (allocated). *running gets
 * how many runs are in progress anywhere (the state's count).
 */
char	**run_due(struct session *, size_t *running);

/*
 * When the plan's last run never ended (it was interrupted), its record
 * closed as cancelled with why at now, as a file to commit (path and data
 * allocated; path NULL when there is nothing to close). Returns 0, or -1
 * with *cause.
 */
int	 run_cancel_record(struct session *, const struct plan_state *,
	     const char *why, int64_t now, struct store_file *, char **cause);

#endif
