/* store: the state branch read into a struct state, and written back */
#ifndef OFFPEAK_STORE_H
#define OFFPEAK_STORE_H

#include <stddef.h>
#include <stdint.h>

struct repo;
struct repo_tree;
struct state;

/* A file to write on the state branch beside the plan states. */
struct store_file {
	const char *path;	/* "records/<id>/<run>.json", "feeds/<name>.ics" */
	const char *data;	/* NULL removes the file */
	size_t	 len;
};

/* Files to write, owning their paths and data. */
struct store_files {
	struct store_file *v;
	size_t	 n;
};

/* Add a file, taking path and data (NULL data removes the file). */
void	 store_files_add(struct store_files *, char *path, char *data,
	     size_t len);
/* Free every file and empty the list. */
void	 store_files_release(struct store_files *);

/*
 * Read every state/<id>.json and approvals/<id>/<n>.json of the state
 * branch (an empty state when the branch does not exist yet). Returns 0,
 * or -1 with *cause.
 */
int	 store_load(struct repo *, struct state *, char **cause);
/*
 * Read the archived states and approvals (archive/state, archive/approvals)
 * of the commit st was loaded from into out (a new state). Returns 0, or
 * -1 with *cause.
 */
int	 store_load_archive(struct repo *, const struct state *,
	     struct state *out, char **cause);
/* The state branch tree read by store_load, for other files; may be NULL. */
struct repo_tree *store_tree(struct repo *, const struct state *, char **cause);

/*
 * Write the plans whose state is dirty, new approvals and the extra files
 * as one commit on the state branch, moved by compare and swap from the
 * commit the state was read from. The message is the state's log, plus
 * "Offpeak-Clock: simulated" when simulated. Nothing is written when the
 * log is empty and there are no extra files. Returns 0 (oid: the new
 * commit, or "" when nothing was written), REPO_TXN_RACE, or -1 with *cause.
 */
int	 store_save(struct repo *, struct state *, const struct store_file *,
	     size_t, int64_t now, int simulated, char *oid, char **cause);

/*
 * Read a file of the state branch as of the loaded state: 0 with *text
 * (allocated) and *len, 1 when absent, -1 with *cause.
 */
int	 store_read(struct repo *, const struct state *, const char *path,
	     char **text, size_t *len, char **cause);
/* The names in a directory of the state branch, sorted, NULL-terminated. */
int	 store_list(struct repo *, const struct state *, const char *dir,
	     char ***names, char **cause);

#endif
