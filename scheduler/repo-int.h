/*
 * repo-int: what the repo family (repo-read, repo-create, repo-txn,
 * repo-export, repo-remote) shares; private to it, and with repo.h the
 * only place git2.h is included.
 */
#ifndef OFFPEAK_REPO_INT_H
#define OFFPEAK_REPO_INT_H

#include <stdint.h>

#include <git2.h>

#include "repo.h"

#define REPO_MAX_LINKS	16	/* symlink hops before REPO_PATH_LOOP */

struct repo {
	git_repository	*git;
	git_odb		*odb;
	git_odb_backend	*mempack;	/* new objects, written as one pack */
	struct repo_tree *last;		/* repo_tree_cached's, or NULL */
};

/*
 * A string-keyed hash table (open addressing) for the per-tree caches:
 * directories by path, and resolved paths.
 */
struct cache_slot {
	char		*key;		/* NULL: empty slot */
	uint64_t	 hash;
	git_tree	*tree;		/* directories: NULL if none */
	int		 result;	/* resolved paths: enum repo_path */
	unsigned	 mode;
};

struct cache {
	struct cache_slot *slots;
	size_t		 used;
	size_t		 size;		/* a power of two, or 0 */
};

struct repo_tree {
	struct repo	*repo;
	git_tree	*root;
	char		 commit[GIT_OID_HEXSZ + 1];
	struct cache	 dirs;
	struct cache	 resolved;
};

/* Start libgit2 once, with the options offpeak wants. */
void	 repo_library_init(void);
/* A cause from a prefix and libgit2's last error (allocated). */
char	*repo_git_cause(const char *fmt, ...)
	     __attribute__((format(printf, 1, 2)));
/*
 * The object a revision names, its commit checked raw before libgit2
 * parses it: 0 with *out, or -1 or GIT_ENOTFOUND with *cause.
 */
int	 repo_revparse(struct repo *, const char *rev, git_object **out,
	     char **cause);
/* 0 when the object is not a commit or a sound one; -1 with *cause. */
int	 repo_commit_sound(git_repository *, const git_oid *, char **cause);

/* The per-tree caches (repo-read.c). */
void	 cache_free(struct cache *);
struct cache_slot *cache_find(struct cache *, const char *key);
/* Add key (which must be absent); the slot's values start zeroed. */
struct cache_slot *cache_add(struct cache *, const char *key);
/* git's signature (user.name, user.email) dated when, else offpeak's. */
git_signature *repo_signature(git_repository *, int64_t when);
/* Is dir missing or an empty directory? 0, or -1 with *cause. */
int	 repo_dir_empty(const char *dir, char **cause);
/* git config offpeak.branch (*found), or NULL. */
char	*repo_config_branch(struct repo *, int *found, char **cause);

#endif
