/* session: what a command works on — the plans at a ref and the state */
#ifndef OFFPEAK_SESSION_H
#define OFFPEAK_SESSION_H

#include <stdint.h>

#include "check.h"
#include "state.h"
#include "store.h"
#include "trust.h"

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
	char	*plans_ref;		/* the ref the plans came from; NULL HEAD */
	int	 stale;			/* origin unreachable: last fetched copy */
	char	*warning;		/* why it is stale, for the user; or NULL */
	char	*fetched;		/* offline or stale: "2 h ago (...)" */
	struct trust trust;		/* who counts, by the plans' policy */
	struct sshsig_cache *sigcache;	/* good verifications, in the git dir */
	struct authors *authors;	/* who wrote each plan's revision */
};

/* Flags of session_open (SESSION_SIMULATED is 1, as the old int was). */
#define SESSION_SIMULATED 0x1	/* the clock is simulated (--now) */
#define SESSION_OFFLINE	0x2	/* do not fetch or push origin */
#define SESSION_READONLY 0x4	/* the command only reads: an unreachable
				   origin is a warning, the last fetched
				   copies answer */

/*
 * Open the repository, read and check the plans and load the state
 * branch. Without origin, the plans are those at HEAD. With origin, see
 * session_sync; the plans are read from origin's branch (its copy from the
 * last fetch with SESSION_OFFLINE, or HEAD when there is none). Returns an
 * outcome: OUT_OK (s->warning set when origin could not be reached and
 * SESSION_READONLY let the last fetched copy answer), OUT_INVALID when the
 * plans do not pass check (the problems are in s->chk.diags), OUT_ENV with
 * *cause.
 */
int	 session_open(struct session *, const char *repo_path, int64_t now,
	     int flags, char **cause);
void	 session_close(struct session *);
/*
 * The same at the end of a one-shot command: the plans and states are
 * left for the process's exit to reclaim (freeing tens of thousands of
 * them one by one costs a tenth of a run), still reachable.
 */
void	 session_close_at_exit(struct session *);
/*
 * With a remote: fetch the plans branch and the state branch from origin
 * and make the local state branch origin's. *plans gets the tracking ref
 * of the plans branch (allocated); origin_state (41 bytes) origin's state
 * commit, "" when it has none. Returns 0, or -1 with *cause.
 */
int	 session_fetch(struct repo *, char **plans, char *origin_state,
	     char **cause);
/*
 * What a command reads from a shared repository. Without origin: *plans
 * NULL (HEAD). With SESSION_OFFLINE: *plans the copy of origin's plans
 * branch from the last fetch (NULL, HEAD, when there is none). Else fetch
 * (see session_fetch), remembering when; when that fails and flags has
 * SESSION_READONLY and the clone holds a fetched copy, *plans is that copy
 * and *warning (allocated) names origin, the reason and the copy's age.
 * Returns 0, or -1 with *cause.
 */
int	 session_sync(struct repo *, int64_t now, int flags, char **plans,
	     char *origin_state, char **warning, char **cause);
/*
 * Who is acting, for statements in namespace ns. With signing required:
 * the principal that the allowed signers give the key (key, else git
 * config user.signingkey), preferring user.email among several, and
 * *keyfile the key to sign with (allocated). Without: user.email, and
 * *keyfile NULL. Returns 0 with *who (allocated), or -1 with *cause.
 */
int	 session_identity(struct session *, const char *key, const char *ns,
	     char **who, char **keyfile, char **cause);
/* "no plan has the id ..." saying where the plans were looked for. */
char	*session_no_plan(const struct session *, const char *id);
/* Bring the state up to date with the plans (no write). */
void	 session_reconcile(struct session *);
/* The plan of that id at HEAD, or NULL. */
struct plan *session_plan(const struct session *, const char *id);
/*
 * Commit the state's log and the extra files on the state branch; with
 * origin, push it there (the push is the lock between machines). Returns
 * OUT_OK, OUT_RACE when another writer moved the branch first (nothing
 * written; after it the session is stale: close it and open a new one),
 * or OUT_ENV with *cause (origin unreachable or refusing, or
 * SESSION_OFFLINE with something to write to a shared state).
 */
int	 session_commit(struct session *, const struct store_file *, size_t,
	     char **cause);

#endif
