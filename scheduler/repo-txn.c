/* repo-txn: state branch commits, a set of changes and a compare and swap (libgit2) */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>

#include "fsutil.h"
#include "repo-int.h"
#include "util.h"

/* Commits on the state branch: a set of changes and a compare and swap. */

struct txn_change {
	char	*path;
	char	*data;		/* NULL: remove, or stored */
	size_t	 len;
	int	 stored;	/* written to the object database as id */
	git_oid	 id;
};

struct repo_txn {
	struct repo *repo;
	char	 base[GIT_OID_HEXSZ + 1];
	struct txn_change *v;
	size_t	 n, alloc;
	struct cache index;	/* path -> position in v (slot result) */
};

struct repo_txn *
repo_txn_new(struct repo *r, const char *base)
{
	struct repo_txn *t = xcalloc(1, sizeof *t);

	t->repo = r;
	snprintf(t->base, sizeof t->base, "%s", base != NULL ? base : "");
	return t;
}

/* Add a change; data (allocated, or NULL to remove) is taken. */
static void
txn_add_take(struct repo_txn *t, const char *path, char *data, size_t len)
{
	struct txn_change *c;
	struct cache_slot *slot;
	size_t	 i;

	if ((slot = cache_find(&t->index, path)) != NULL) {
		i = (size_t)slot->result;
		free(t->v[i].data);
	} else {
		if (t->n == t->alloc) {
			t->alloc = t->alloc ? t->alloc * 2 : 16;
			t->v = xreallocarray(t->v, t->alloc, sizeof *t->v);
		}
		i = t->n++;
		t->v[i].path = xstrdup(path);
		cache_add(&t->index, path)->result = (int)i;
	}
	c = &t->v[i];
	c->stored = 0;
	c->data = data;
	c->len = len;
}

void
repo_txn_put(struct repo_txn *t, const char *path, const void *data,
    size_t len)
{
	char	*copy = xmalloc(len + 1);

	memcpy(copy, data, len);
	txn_add_take(t, path, copy, len);
}

void
repo_txn_put_take(struct repo_txn *t, const char *path, char *data,
    size_t len)
{
	txn_add_take(t, path, data, len);
}

void
repo_txn_remove(struct repo_txn *t, const char *path)
{
	txn_add_take(t, path, NULL, 0);
}

void
repo_txn_free(struct repo_txn *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++) {
		free(t->v[i].path);
		free(t->v[i].data);
	}
	free(t->v);
	cache_free(&t->index);
	free(t);
}

/* The tree of base with the changes applied. */
static int
txn_tree(struct repo_txn *t, git_commit *parent, git_oid *out, char **cause)
{
	git_repository *g = t->repo->git;
	git_tree *base = NULL;
	git_treebuilder *tb = NULL;
	git_tree_entry *te;
	git_tree_update *up = xcalloc(t->n + 1, sizeof *up);
	git_oid	 empty;
	size_t	 i, nup = 0;
	int	 rc = -1;

	if (parent != NULL)
		rc = git_commit_tree(&base, parent);
	else if ((rc = git_treebuilder_new(&tb, g, NULL)) == 0 &&
	    (rc = git_treebuilder_write(&empty, tb)) == 0)
		rc = git_tree_lookup(&base, g, &empty);
	for (i = 0; rc == 0 && i < t->n; i++) {
		if (t->v[i].data == NULL && !t->v[i].stored) {
			if (git_tree_entry_bypath(&te, base, t->v[i].path) != 0)
				continue;	/* nothing to remove */
			git_tree_entry_free(te);
			up[nup].action = GIT_TREE_UPDATE_REMOVE;
		} else {
			/* once the object database has it, one copy is enough */
			if (!t->v[i].stored && (rc = git_blob_create_from_buffer(
			    &t->v[i].id, g, t->v[i].data, t->v[i].len)) == 0) {
				t->v[i].stored = 1;
				free(t->v[i].data);
				t->v[i].data = NULL;
			}
			git_oid_cpy(&up[nup].id, &t->v[i].id);
			up[nup].action = GIT_TREE_UPDATE_UPSERT;
			up[nup].filemode = GIT_FILEMODE_BLOB;
		}
		up[nup++].path = t->v[i].path;
	}
	if (rc == 0)
		rc = git_tree_create_updated(out, g, base, nup, up);
	if (rc != 0)
		set_cause(cause, repo_git_cause("cannot write the state tree"));
	free(up);
	git_treebuilder_free(tb);
	git_tree_free(base);
	return rc == 0 ? 0 : -1;
}

git_signature *
repo_signature(git_repository *g, int64_t when)
{
	git_signature *def = NULL, *sig = NULL;

	if (git_signature_default(&def, g) == 0) {
		git_signature_new(&sig, def->name, def->email, (git_time_t)when, 0);
		git_signature_free(def);
	}
	if (sig == NULL)
		git_signature_new(&sig, "offpeak", "offpeak@localhost",
		    (git_time_t)when, 0);
	return sig;
}

/* Move ref to id only if it still is where we read it. */
static int
txn_move_ref(struct repo_txn *t, const char *ref, const git_oid *id,
    const git_oid *base, char **cause)
{
	git_reference *out = NULL;
	int	 rc;

	if (base == NULL)
		rc = git_reference_create(&out, t->repo->git, ref, id, 0,
		    "offpeak: create state branch");
	else
		rc = git_reference_create_matching(&out, t->repo->git, ref, id,
		    1, base, "offpeak: update state");
	git_reference_free(out);
	if (rc == GIT_EEXISTS || rc == GIT_EMODIFIED || rc == GIT_ELOCKED)
		return REPO_TXN_RACE;
	if (rc != 0) {
		set_cause(cause, repo_git_cause("cannot move '%s'", ref));
		return -1;
	}
	return 0;
}

/*
 * New objects of a transaction go to an in-memory backend first, then into
 * the object database as one pack: thousands of state files would
 * otherwise become thousands of loose object files.
 */
static int
txn_objects_begin(struct repo *r, char **cause)
{
	if (r->mempack != NULL)
		return 0;
	if (git_mempack_new(&r->mempack) != 0 ||
	    git_odb_add_backend(r->odb, r->mempack, 1000) != 0) {
		set_cause(cause, repo_git_cause("cannot prepare an object pack"));
		r->mempack = NULL;
		return -1;
	}
	return 0;
}

static int
txn_objects_flush(struct repo *r, char **cause)
{
	git_buf	 pack = GIT_BUF_INIT;
	git_odb_writepack *wp = NULL;
	git_indexer_progress stats;
	int	 rc;

	memset(&stats, 0, sizeof stats);
	rc = git_mempack_dump(&pack, r->git, r->mempack);
	if (rc == 0)
		rc = git_odb_write_pack(&wp, r->odb, NULL, NULL);
	if (rc == 0)
		rc = wp->append(wp, pack.ptr, pack.size, &stats);
	if (rc == 0)
		rc = wp->commit(wp, &stats);
	if (wp != NULL)
		wp->free(wp);
	git_buf_dispose(&pack);
	if (rc == 0) {
		git_mempack_reset(r->mempack);
		git_odb_refresh(r->odb);
	} else
		set_cause(cause, repo_git_cause("cannot write the object pack"));
	return rc == 0 ? 0 : -1;
}

int
repo_txn_commit(struct repo_txn *t, const char *ref, const char *message,
    int64_t when, char *oid, char **cause)
{
	git_commit *parent = NULL;
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	git_oid	 base, tree_id, id;
	int	 rc = -1;

	oid[0] = '\0';
	if (t->base[0] != '\0' && (git_oid_fromstr(&base, t->base) != 0 ||
	    git_commit_lookup(&parent, t->repo->git, &base) != 0)) {
		set_cause(cause, repo_git_cause("cannot read state commit %s", t->base));
		return -1;
	}
	if (txn_objects_begin(t->repo, cause) != 0 ||
	    txn_tree(t, parent, &tree_id, cause) != 0)
		goto out;
	/* the trail's dates never go back, even when two clocks differ */
	if (parent != NULL && when < (int64_t)git_commit_time(parent))
		when = git_commit_time(parent);
	sig = repo_signature(t->repo->git, when);
	if (git_tree_lookup(&tree, t->repo->git, &tree_id) != 0 ||
	    git_commit_create(&id, t->repo->git, NULL, sig, sig, "UTF-8",
	    message, tree, parent != NULL ? 1 : 0,
	    (const git_commit **)&parent) != 0) {
		set_cause(cause, repo_git_cause("cannot write a state commit"));
		goto out;
	}
	if (txn_objects_flush(t->repo, cause) != 0)
		goto out;
	rc = txn_move_ref(t, ref, &id, parent != NULL ? &base : NULL, cause);
	if (rc == 0)
		git_oid_tostr(oid, GIT_OID_HEXSZ + 1, &id);
out:
	git_signature_free(sig);
	git_tree_free(tree);
	git_commit_free(parent);
	return rc;
}

int
repo_config_set(struct repo *r, const char *key, const char *value,
    char **cause)
{
	git_config *cfg = NULL, *local = NULL;
	int	 rc;

	rc = git_repository_config(&cfg, r->git);
	if (rc == 0)
		rc = git_config_open_level(&local, cfg, GIT_CONFIG_LEVEL_LOCAL);
	if (rc == 0)
		rc = git_config_set_string(local, key, value);
	if (rc != 0)
		set_cause(cause, repo_git_cause("cannot set %s", key));
	git_config_free(local);
	git_config_free(cfg);
	return rc == 0 ? 0 : -1;
}

