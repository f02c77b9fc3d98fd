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
};

/*
 * Open the repository, read and check the plans at HEAD and load the state
 * branch. Returns an exit code: EXIT_DONE, EXIT_INVALID when the plans do
 * not pass check (the problems are in s->chk.diags), EXIT_ENV with *cause.
 */
int	 session_open(struct session *, const char *repo_path, int64_t now,
	     int simulated, char **cause);
void	 session_close(struct session *);
/* Bring the state up to date with the plans (no write). */
void	 session_reconcile(struct session *);
/* The plan of that id at HEAD, or NULL. */
struct plan *session_plan(const struct session *, const char *id);
/*
 * Commit the state's log and the extra files on the state branch. Returns
 * EXIT_DONE, EXIT_RACE when another writer moved the branch first (nothing
 * written), or EXIT_ENV with *cause.
 */
int	 session_commit(struct session *, const struct store_file *, size_t,
	     char **cause);

#endif
