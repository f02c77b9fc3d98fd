/* repo: the plan repository through libgit2 (only the repo-* family includes git2.h) */
#ifndef OFFPEAK_REPO_H
#define OFFPEAK_REPO_H

#include <stddef.h>
#include <stdint.h>

struct repo;
struct repo_tree;

/* One entry of a directory in a tree. */
struct repo_entry {
	char	*name;		/* file name, no directory */
	unsigned mode;		/* git mode: 0100644, 0100755, 0120000, 040000 */
	char	 oid[41];	/* object id, hex */
};

/* A file to write into a new repository. */
struct repo_file {
	const char *path;	/* relative, '/'-separated */
	int	 mode;		/* 0644 or 0755 */
	const void *data;
	size_t	 size;
};

/* Results of repo_tree_resolve. */
enum repo_path {
	REPO_PATH_OK,		/* a regular file; *mode is its mode */
	REPO_PATH_MISSING,	/* no such path at this tree */
	REPO_PATH_ESCAPES,	/* a symlink points outside the tree */
	REPO_PATH_LOOP,		/* too many symlinks */
	REPO_PATH_NOTFILE	/* a directory or a submodule */
};

/*
 * Open the repository at path (NULL: the current directory, searching
 * upwards), bare or not. With from_env, honour GIT_DIR, GIT_OBJECT_DIRECTORY
 * and GIT_ALTERNATE_OBJECT_DIRECTORIES (a pre-receive hook's quarantine).
 */
struct repo *repo_open(const char *path, int from_env, char **cause);
void	 repo_free(struct repo *);

/* The tree of the commit a revision names ("HEAD", a branch, an id). */
struct repo_tree *repo_tree_at(struct repo *, const char *rev, char **cause);
void	 repo_tree_free(struct repo_tree *);
/*
 * The tree of a commit (full hex id), kept by the repository with its
 * directory caches until it is asked for another commit or freed: for
 * many small reads of one commit. Borrowed: do not free it; one thread.
 */
struct repo_tree *repo_tree_cached(struct repo *, const char *commit,
	     char **cause);
/* Hex id of the commit the tree belongs to. */
const char *repo_tree_commit(const struct repo_tree *);

/*
 * List a directory of the tree, sorted by name. Returns 0, 1 when the
 * directory does not exist (*out NULL, *n 0), or -1 with *cause.
 */
int	 repo_tree_list(struct repo_tree *, const char *dir,
	     struct repo_entry **out, size_t *n, char **cause);
void	 repo_entries_free(struct repo_entry *, size_t);

/*
 * Read a file of the tree. Returns 0 with *data (allocated, NUL-terminated,
 * the caller frees), *size and oid (41 bytes, may be NULL); 1 when absent;
 * 2 when larger than max (*size set, nothing read); -1 with *cause.
 */
int	 repo_tree_read(struct repo_tree *, const char *path, size_t max,
	     char **data, size_t *size, char *oid, char **cause);
/*
 * The blob id (41 bytes) of a file of the tree, path already normal,
 * without reading it: 0, 1 when absent or not a file, -1 with *cause.
 */
int	 repo_tree_oid(struct repo_tree *, const char *path, char *oid,
	     char **cause);
/* Is the object (hex id) in the repository? Not read: no type check. */
int	 repo_blob_exists(struct repo *, const char *oid);
/* Read a blob by hex id, with the same results as repo_tree_read. */
int	 repo_blob_read(struct repo *, const char *oid, size_t max,
	     char **data, size_t *size, char **cause);

/*
 * Follow path through the tree, resolving symlinks inside the tree (a
 * link's target is relative to its directory). *mode gets the final mode.
 */
enum repo_path repo_tree_resolve(struct repo_tree *, const char *path,
	     unsigned *mode);

/*
 * The plans branch as a full ref name: git config offpeak.branch, else
 * the branch HEAD points to ("refs/heads/main").
 */
char	*repo_plans_branch(struct repo *, char **cause);

/*
 * Create a repository with a work tree at dir (created if missing, must be
 * empty), write files into it and make the first commit on "main" with the
 * caller's git identity or "offpeak <offpeak@localhost>", dated when (UTC
 * seconds: the command's clock, simulated or not).
 */
int	 repo_create(const char *dir, const struct repo_file *, size_t,
	     const char *message, int64_t when, char **cause);

/*
 * How a new commit is signed: sign gets the raw commit and gives back the
 * armored signature (allocated) that becomes its gpgsig header, as git's
 * commit -S does. 0, or -1 with *cause.
 */
struct repo_signer {
	int	(*sign)(void *arg, const char *data, size_t len, char **sig,
		    char **cause);
	void	*arg;
};
/* repo_create, with the first commit signed by signer. */
int	 repo_create_signed(const char *dir, const struct repo_file *, size_t,
	     const char *message, int64_t when, const struct repo_signer *,
	     char **cause);

/* Set a git config value in the repository's own config file; 0 or -1. */
int	 repo_config_set(struct repo *, const char *key, const char *value,
	     char **cause);

/* A path inside the repository's git directory ("<gitdir>/name"). */
char	*repo_git_path(struct repo *, const char *name);

/* The ref a symbolic ref names ("refs/remotes/origin/HEAD"), or NULL. */
char	*repo_symbolic_target(struct repo *, const char *ref);

/* A value of the global and system git config, outside any repository. */
char	*repo_config_global(const char *key);
/* A git config value (e.g. "user.email"), or NULL when unset. */
char	*repo_config_get(struct repo *, const char *key);
/*
 * The files offpeak reads (offpeak.json, plans/, hooks/ and extra, the
 * allowed-signers file, when not NULL) that differ in the work tree from
 * HEAD, each as "plans/x.json (modified)"; a NULL-terminated vector, or
 * NULL when none differ or there is no work tree.
 */
char	**repo_worktree_changes(struct repo *, const char *extra);
/*
 * HEAD's tree with offpeak.json, plans/, hooks/ and extra (when not NULL)
 * as they are in the work tree (for check --worktree; it has no commit).
 * NULL with *cause.
 */
struct repo_tree *repo_tree_worktree(struct repo *, const char *extra,
	     char **cause);

/*
 * The commit a ref points to, as hex into oid (41 bytes). Returns 0, 1 when
 * the ref does not exist (oid set to ""), or -1 with *cause.
 */
int	 repo_ref_commit(struct repo *, const char *ref, char *oid, char **cause);

/*
 * For every file under dir at rev, the commit time at which its current
 * unbroken presence began along the first-parent history of rev (a file
 * deleted and added again counts from the new add); fn returns non-zero
 * to stop.
 */
int	 repo_first_added(struct repo *, const char *rev, const char *dir,
	     int (*fn)(const char *name, int64_t when, void *), void *arg,
	     char **cause);

/* One commit of a history walk. */
struct repo_commit {
	char	 id[41];
	const char *author;	/* name <email> */
	int64_t	 when;		/* commit time */
	const char *message;
	char	 blob[41];	/* the id of the walked path's blob, "" if absent */
};

/*
 * Walk the first-parent history of rev, newest first, calling fn for each
 * commit (with the blob of path, when path is not NULL); fn returns
 * non-zero to stop. Returns 0, 1 when rev does not exist, or -1.
 */
int	 repo_walk(struct repo *, const char *rev, const char *path,
	     int (*fn)(const struct repo_commit *, void *), void *arg,
	     char **cause);

/* Commits as evidence (repo-commit.c). */

/*
 * The signature of a commit (git's gpgsig header, SSH or other) and the
 * bytes it signs. Returns 0 with *sig and *data (allocated, *len bytes),
 * 1 when the commit is not signed, or -1 with *cause.
 */
int	 repo_commit_signature(struct repo *, const char *commit, char **sig,
	     char **data, size_t *len, char **cause);

struct repo_commit_info {
	char	 id[41];
	char	 tree[41];
	char	**parents;	/* hex ids, NULL-terminated */
	unsigned nparents;
	char	*author_email;
	int64_t	 when;		/* commit time */
	char	*message;
};
/* What a commit (a hex id) is; 0, or -1 with *cause. */
int	 repo_commit_info(struct repo *, const char *commit,
	     struct repo_commit_info *, char **cause);
void	 repo_commit_info_release(struct repo_commit_info *);
/* Is ancestor (hex) commit itself or one of its ancestors? 1 or 0. */
int	 repo_is_ancestor(struct repo *, const char *ancestor, const char *commit);
/*
 * The commits reachable from tip and from none of hide (hex ids,
 * NULL-terminated; ids not in the repository are ignored), parents before
 * children; fn returns non-zero to stop (a negative value is an error).
 * Returns 0, or -1 with *cause.
 */
int	 repo_revlist(struct repo *, const char *tip, char *const *hide,
	     int (*fn)(const char *commit, void *), void *arg, char **cause);

/* One file that differs between two commits. */
struct repo_change {
	const char *path;
	char	 old_blob[41];	/* "" when added */
	char	 new_blob[41];	/* "" when deleted */
	unsigned new_mode;
};
/*
 * Every file that differs from commit from ("" for none: everything in
 * to is added) to commit to; fn returns non-zero to stop (negative: an
 * error). Returns 0, or -1 with *cause.
 */
int	 repo_diff(struct repo *, const char *from, const char *to,
	     int (*fn)(const struct repo_change *, void *), void *arg,
	     char **cause);
/*
 * For each of names (files directly under dir at commit rev), the commit
 * where its current content began along the first-parent history (the
 * oldest commit of the unbroken run holding that blob), with the commit's
 * author e-mail. Names absent at rev are not reported. Returns 0, or -1
 * with *cause.
 */
int	 repo_blob_origins(struct repo *, const char *rev, const char *dir,
	     char *const *names,
	     void (*fn)(const char *name, const char *commit, const char *email,
	     void *), void *arg, char **cause);

/*
 * Write the tree of rev (a commit, tag or tree) into dir, which must be
 * missing (it is created 0700, with its parents) or an empty directory
 * (made 0700). Files get mode 0644 or 0755 as in git, symlinks are made
 * as symlinks, submodules are skipped. Entry names ".", "..", ".git" or
 * with a '/' are refused, and so are symlinks whose target is absolute or
 * climbs out of dir (".." is allowed only as leading components). Nothing
 * is ever written outside dir. Returns 0, or -1 with *cause; dir may then
 * hold part of the tree (remove it with rmtree).
 */
int	 repo_export_tree(struct repo *, const char *rev, const char *dir,
	     char **cause);

/*
 * A set of changes to the tree of a branch, committed as one commit whose
 * parent is base (a hex id, or "" for a new branch).
 */
struct repo_txn;
#define REPO_TXN_RACE 1

struct repo_txn *repo_txn_new(struct repo *, const char *base);
/* Write a file (mode 100644) at path; the data is copied. */
void	 repo_txn_put(struct repo_txn *, const char *path, const void *,
	     size_t);
/* The same, taking data (allocated with malloc) instead of copying it. */
void	 repo_txn_put_take(struct repo_txn *, const char *path, char *,
	     size_t);
/* Remove the file at path (nothing if absent). */
void	 repo_txn_remove(struct repo_txn *, const char *path);
/*
 * Commit on ref with the caller's git identity (or "offpeak
 * <offpeak@localhost>") at time when (UTC), and move ref by compare and
 * swap: only if it still points at base (or, for "", does not exist).
 * Returns 0 with the new commit in oid (41 bytes), REPO_TXN_RACE when the
 * ref moved meanwhile (nothing changed), or -1 with *cause.
 */
int	 repo_txn_commit(struct repo_txn *, const char *ref, const char *message,
	     int64_t when, char *oid, char **cause);
void	 repo_txn_free(struct repo_txn *);

/*
 * The shared repository is the remote named "origin". Its branches are
 * fetched into refs/remotes/origin/; credentials come from the URL, the
 * ssh agent or the platform's default (Negotiate/NTLM); nothing prompts.
 */
#define REPO_REMOTE	"origin"
#define REPO_PUSH_REFUSED 2

/* Whether the repository has an origin (git config remote.origin.url). */
int	 repo_has_remote(struct repo *);
/* Origin's URL as used (insteadOf applied), or NULL without an origin. */
char	*repo_remote_url(struct repo *);
/* The remote-tracking ref of a branch: "refs/remotes/origin/<name>". */
char	*repo_tracking_ref(const char *branch);

/*
 * Fetch from origin into refs/remotes/origin/: when plans is not NULL,
 * the plans branch (git config offpeak.branch, else the branch origin's
 * HEAD names), giving its remote-tracking ref in *plans (allocated); and
 * the branch state (a full ref name) when not NULL. A state branch origin
 * lacks is not fetched and its remote-tracking ref is removed; a missing
 * plans branch is an error. Returns 0, or -1 with *cause naming the URL.
 */
int	 repo_fetch(struct repo *, char **plans, const char *state,
	     char **cause);

/*
 * Push the local branch ref to the same name on origin, never forced, and
 * only if origin's branch is at expect (a hex id, or "" for absent); on
 * success its remote-tracking ref follows. Returns 0, REPO_TXN_RACE when
 * origin's branch is elsewhere (nothing pushed), REPO_PUSH_REFUSED when
 * origin refused the update (*cause has its reason), or -1 with *cause
 * naming the URL.
 */
int	 repo_push(struct repo *, const char *ref, const char *expect,
	     char **cause);

/*
 * Point ref at oid (a hex id; "" deletes it), only if it is at expect
 * (a hex id, "" for absent, NULL for anywhere). Returns 0, REPO_TXN_RACE
 * when it is not, or -1 with *cause.
 */
int	 repo_ref_set(struct repo *, const char *ref, const char *oid,
	     const char *expect, char **cause);

#endif
