/*
 * repo-commit: commits as evidence — their signatures, who made a file's
 * current content, ancestry, the commits of a push and what each changed
 */
#include <stdlib.h>
#include <string.h>

#include "repo-int.h"
#include "util.h"

static int
lookup_commit(struct repo *r, const char *hex, git_commit **out, char **cause)
{
	git_oid	 id;

	if (git_oid_fromstrn(&id, hex, strlen(hex)) != 0 || strlen(hex) != 40) {
		set_cause(cause, xasprintf("'%.60s' is not a commit id", hex));
		return -1;
	}
	if (repo_commit_sound(r->git, &id, cause) != 0)
		return -1;
	if (git_commit_lookup(out, r->git, &id) != 0) {
		set_cause(cause, repo_git_cause("cannot read commit %.12s", hex));
		return -1;
	}
	return 0;
}

int
repo_commit_signature(struct repo *r, const char *commit, char **sig,
    char **data, size_t *len, char **cause)
{
	git_buf	 s = { NULL, 0, 0 }, d = { NULL, 0, 0 };
	git_oid	 id;
	int	 rv;

	*sig = *data = NULL;
	*len = 0;
	if (git_oid_fromstrn(&id, commit, strlen(commit)) != 0) {
		set_cause(cause, xasprintf("'%.60s' is not a commit id", commit));
		return -1;
	}
	rv = git_commit_extract_signature(&s, &d, r->git, &id, NULL);
	if (rv == GIT_ENOTFOUND) {
		git_error_clear();
		return 1;
	}
	if (rv != 0) {
		set_cause(cause, repo_git_cause("cannot read the signature of "
		    "commit %.12s", commit));
		return -1;
	}
	*sig = xstrndup(s.ptr, s.size);
	*data = xmalloc(d.size + 1);
	memcpy(*data, d.ptr, d.size);
	(*data)[d.size] = '\0';
	*len = d.size;
	git_buf_dispose(&s);
	git_buf_dispose(&d);
	return 0;
}

int
repo_commit_info(struct repo *r, const char *commit, struct repo_commit_info *ci,
    char **cause)
{
	git_commit *c;
	const git_signature *a;
	unsigned i, n;

	memset(ci, 0, sizeof *ci);
	if (lookup_commit(r, commit, &c, cause) != 0)
		return -1;
	git_oid_tostr(ci->id, sizeof ci->id, git_commit_id(c));
	git_oid_tostr(ci->tree, sizeof ci->tree, git_commit_tree_id(c));
	n = git_commit_parentcount(c);
	ci->nparents = n;
	ci->parents = xcalloc(n + 1, sizeof *ci->parents);
	for (i = 0; i < n; i++) {
		ci->parents[i] = xmalloc(41);
		git_oid_tostr(ci->parents[i], 41, git_commit_parent_id(c, i));
	}
	a = git_commit_author(c);
	ci->author_email = xstrdup(a->email != NULL ? a->email : "");
	ci->when = (int64_t)git_commit_time(c);
	ci->message = xstrdup(git_commit_message(c) != NULL ?
	    git_commit_message(c) : "");
	git_commit_free(c);
	return 0;
}

void
repo_commit_info_release(struct repo_commit_info *ci)
{
	strv_free(ci->parents);
	free(ci->author_email);
	free(ci->message);
	memset(ci, 0, sizeof *ci);
}

int
repo_is_ancestor(struct repo *r, const char *ancestor, const char *commit)
{
	git_oid	 a, c;

	if (git_oid_fromstrn(&a, ancestor, strlen(ancestor)) != 0 ||
	    git_oid_fromstrn(&c, commit, strlen(commit)) != 0)
		return 0;
	if (git_oid_equal(&a, &c))
		return 1;
	return git_graph_descendant_of(r->git, &c, &a) == 1;
}

int
repo_revlist(struct repo *r, const char *tip, char *const *hide,
    int (*fn)(const char *commit, void *), void *arg, char **cause)
{
	git_revwalk *walk = NULL;
	git_oid	 id;
	char	 hex[41];
	size_t	 i;
	int	 rv = 0;

	if (git_oid_fromstrn(&id, tip, strlen(tip)) != 0 ||
	    git_revwalk_new(&walk, r->git) != 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) != 0 ||
	    git_revwalk_push(walk, &id) != 0) {
		set_cause(cause, repo_git_cause("cannot walk from %.12s", tip));
		git_revwalk_free(walk);
		return -1;
	}
	for (i = 0; hide != NULL && hide[i] != NULL; i++) {
		git_oid	 h;

		if (git_oid_fromstrn(&h, hide[i], strlen(hide[i])) == 0 &&
		    git_odb_exists(r->odb, &h))
			git_revwalk_hide(walk, &h);
	}
	while (rv == 0 && git_revwalk_next(&id, walk) == 0) {
		if (repo_commit_sound(r->git, &id, cause) != 0) {
			rv = -1;
			break;
		}
		git_oid_tostr(hex, sizeof hex, &id);
		rv = fn(hex, arg);
	}
	git_revwalk_free(walk);
	return rv < 0 ? -1 : 0;
}

/* The tree of a commit, or NULL (an empty tree) for "". */
static int
commit_tree(struct repo *r, const char *commit, git_tree **tree, char **cause)
{
	git_commit *c;
	int	 rv;

	*tree = NULL;
	if (commit == NULL || *commit == '\0')
		return 0;
	if (lookup_commit(r, commit, &c, cause) != 0)
		return -1;
	rv = git_commit_tree(tree, c);
	git_commit_free(c);
	if (rv != 0) {
		set_cause(cause, repo_git_cause("cannot read the tree of %.12s",
		    commit));
		return -1;
	}
	return 0;
}

int
repo_diff(struct repo *r, const char *from, const char *to,
    int (*fn)(const struct repo_change *, void *), void *arg, char **cause)
{
	git_tree *a = NULL, *b = NULL;
	git_diff *diff = NULL;
	git_diff_options opts;
	struct repo_change ch;
	size_t	 i, n;
	int	 rv = -1;

	if (commit_tree(r, from, &a, cause) != 0 ||
	    commit_tree(r, to, &b, cause) != 0)
		goto out;
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.flags = GIT_DIFF_SKIP_BINARY_CHECK;
	if (git_diff_tree_to_tree(&diff, r->git, a, b, &opts) != 0) {
		set_cause(cause, repo_git_cause("cannot compare %.12s with %.12s",
		    from, to));
		goto out;
	}
	n = git_diff_num_deltas(diff);
	rv = 0;
	for (i = 0; i < n && rv == 0; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);

		memset(&ch, 0, sizeof ch);
		ch.path = d->status == GIT_DELTA_DELETED ? d->old_file.path :
		    d->new_file.path;
		if (d->status != GIT_DELTA_ADDED)
			git_oid_tostr(ch.old_blob, sizeof ch.old_blob,
			    &d->old_file.id);
		if (d->status != GIT_DELTA_DELETED) {
			git_oid_tostr(ch.new_blob, sizeof ch.new_blob,
			    &d->new_file.id);
			ch.new_mode = d->new_file.mode;
		}
		rv = fn(&ch, arg);
	}
	if (rv > 0)
		rv = 0;
out:
	git_diff_free(diff);
	git_tree_free(a);
	git_tree_free(b);
	return rv;
}

/* Files whose origin is still sought, with the blob each has at the tip. */
struct origin_walk {
	char	**names;
	git_oid	*blobs;
	size_t	 n;
	void	(*fn)(const char *, const char *, const char *, void *);
	void	*arg;
};

/* Settle the names whose blob the parent's dir (NULL: none) lacks. */
static void
origin_settle(struct origin_walk *w, git_tree *parent, git_commit *cur)
{
	const git_tree_entry *te;
	char	 hex[41];
	size_t	 i, kept = 0;

	git_oid_tostr(hex, sizeof hex, git_commit_id(cur));
	for (i = 0; i < w->n; i++) {
		te = parent != NULL ? git_tree_entry_byname(parent,
		    w->names[i]) : NULL;
		if (te != NULL && git_oid_equal(git_tree_entry_id(te),
		    &w->blobs[i])) {
			w->names[kept] = w->names[i];
			w->blobs[kept++] = w->blobs[i];
			continue;
		}
		w->fn(w->names[i], hex, git_commit_author(cur)->email, w->arg);
		free(w->names[i]);
	}
	w->n = kept;
}

/* The tree of dir in commit c, or NULL. */
static git_tree *
dir_tree(struct repo *r, git_commit *c, const char *dir, git_oid *id)
{
	git_tree *root = NULL, *t = NULL;
	git_tree_entry *te = NULL;

	if (git_commit_tree(&root, c) != 0)
		return NULL;
	if (git_tree_entry_bypath(&te, root, dir) == 0 &&
	    git_tree_entry_type(te) == GIT_OBJECT_TREE) {
		git_oid_cpy(id, git_tree_entry_id(te));
		git_tree_lookup(&t, r->git, id);
	}
	git_tree_entry_free(te);
	git_tree_free(root);
	return t;
}

int
repo_blob_origins(struct repo *r, const char *rev, const char *dir,
    char *const *names,
    void (*fn)(const char *name, const char *commit, const char *email, void *),
    void *arg, char **cause)
{
	struct origin_walk w;
	git_commit *cur, *parent;
	git_tree *tree, *pt;
	git_oid	 cur_id, parent_id;
	const git_tree_entry *te;
	size_t	 i;

	if (lookup_commit(r, rev, &cur, cause) != 0)
		return -1;
	memset(&w, 0, sizeof w);
	w.fn = fn;
	w.arg = arg;
	if ((tree = dir_tree(r, cur, dir, &cur_id)) != NULL) {
		w.names = xcalloc(strv_len(names) + 1, sizeof *w.names);
		w.blobs = xcalloc(strv_len(names) + 1, sizeof *w.blobs);
		for (i = 0; names != NULL && names[i] != NULL; i++) {
			te = git_tree_entry_byname(tree, names[i]);
			if (te == NULL || git_tree_entry_type(te) != GIT_OBJECT_BLOB)
				continue;
			w.names[w.n] = xstrdup(names[i]);
			git_oid_cpy(&w.blobs[w.n++], git_tree_entry_id(te));
		}
		git_tree_free(tree);
	}
	while (w.n > 0 && cur != NULL) {
		parent = NULL;
		if (git_commit_parentcount(cur) == 0 ||
		    git_commit_parent(&parent, cur, 0) != 0) {
			origin_settle(&w, NULL, cur);
			break;
		}
		pt = dir_tree(r, parent, dir, &parent_id);
		if (pt == NULL || !git_oid_equal(&parent_id, &cur_id))
			origin_settle(&w, pt, cur);
		git_tree_free(pt);
		git_commit_free(cur);
		cur = parent;
		cur_id = parent_id;
		if (pt == NULL)
			memset(&cur_id, 0, sizeof cur_id);
	}
	git_commit_free(cur);
	for (i = 0; i < w.n; i++)
		free(w.names[i]);
	free(w.names);
	free(w.blobs);
	return 0;
}
