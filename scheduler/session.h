/* session: what a command works on — the plans at a ref and the state */
#ifndef OFFPEAK_SESSION_H
#define OFFPEAK_SESSION_H

#include <stdint.h>

#include "check.h"
#include "state.h"
#include "store.h"

struct repo;
struct repo_tree;

struct session {
	struct repo *repo;
	struct repo_tree *tree;		/* the plans branch */
	struct check_result chk;	/* policy, plans and their problems */
	struct state st;
	int64_t	 now;
	int	 simulated;
	int	 offline;		/* SESSION_OFFLINE: no network */
	char	*origin;		/* origin's URL, or NULL: not shared */
	char	 origin_state[41];	/* origin's state commit, "" if none */
};

/* Flags of session_open (SESSION_SIMULATED is 1, as the old int was). */
#define SESSION_SIMULATED 0x1	/* the clock is simulated (--now) */
#define SESSION_OFFLINE	0x2	/* do not fetch or push origin */

/*
 * Open the repository, read and check the plans and load the state
 * branch. Without origin, the plans are those at HEAD. With origin (and
 * without SESSION_OFFLINE), the plans branch and the state branch are
 * fetched first, the plans are read from origin's branch and the local
 * state branch is set to origin's (a local one origin never had is kept,
 * and published by the next commit). Returns an exit code: EXIT_DONE,
 * EXIT_INVALID when the plans do not pass check (the problems are in
 * s->chk.diags), EXIT_ENV with *cause.
 */
int	 session_open(struct session *, const char *repo_path, int64_t now,
	     int flags, char **cause);
void	 session_close(struct session *);
/*
 * With a remote: fetch the plans branch and the state branch from origin
 * and make the local state branch origin's. *plans gets the tracking ref
 * of the plans branch (allocated); origin_state (41 bytes) origin's state
 * commit, "" when it has none. Returns 0, or -1 with *cause.
 */
int	 session_fetch(struct repo *, char **plans, char *origin_state,
	     char **cause);
/* Bring the state up to date with the plans (no write). */
void	 session_reconcile(struct session *);
/* The plan of that id at HEAD, or NULL. */
struct plan *session_plan(const struct session *, const char *id);
/*
 * Commit the state's log and the extra files on the state branch; with
 * origin, push it there (the push is the lock between machines). Returns
 * EXIT_DONE, EXIT_RACE when another writer moved the branch first (nothing
 * written; after it the session is stale: close it and open a new one),
 * or EXIT_ENV with *cause (origin unreachable or refusing, or
 * SESSION_OFFLINE with something to write to a shared state).
 */
int	 session_commit(struct session *, const struct store_file *, size_t,
	     char **cause);

#endif
