/* repo-read: trees, blobs and paths of the plan repository, its refs and history (libgit2) */
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

static int	 libgit2_ready;

void
repo_library_init(void)
{
	if (!libgit2_ready) {
		git_libgit2_init();
		/*
		 * Blobs are addressed by the id we look them up with; hashing
		 * every one again costs a tenth of `check` on big repositories.
		 */
		git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
		/*
		 * State trees only name blobs we have just written; checking
		 * that each exists costs a file system look-up per object.
		 */
		git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0);
		/*
		 * A directory of thousands of plans or states is one tree of
		 * megabytes; libgit2 caches trees only up to 4 KiB, so every
		 * path looked up in it would inflate it again.
		 */
		git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE,
		    (size_t)64 * 1024 * 1024);
		libgit2_ready = 1;
	}
}


/* Build a cause from a prefix and libgit2's last error. */
char *
repo_git_cause(const char *fmt, ...)
{
	const git_error *e = git_error_last();
	va_list	 ap;
	char	*prefix, *cause;

	va_start(ap, fmt);
	prefix = xvasprintf(fmt, ap);
	va_end(ap);
	if (e != NULL && e->message != NULL && *e->message != '\0')
		cause = xasprintf("%s: %s", prefix, e->message);
	else
		cause = xstrdup(prefix);
	free(prefix);
	return cause;
}

/*
 * Commits are read raw before libgit2 parses them: a commit whose author or
 * committer line has no valid date ("author A <a> garbage +0000", which git
 * itself refuses to make) is refused with its id, and libgit2's own parser
 * (which leaks on such a commit) never sees it.
 */
static int
sig_date_ok(const char *line, size_t len)
{
	const char *gt = NULL, *p, *end = line + len;
	size_t	 digits = 0;

	for (p = line; p < end; p++)
		if (*p == '>')
			gt = p;
	if (gt == NULL || gt + 1 >= end || gt[1] != ' ')
		return 0;
	p = gt + 2;
	if (p < end && *p == '-')	/* before 1970: libgit2 reads it */
		p++;
	for (; p < end && *p >= '0' && *p <= '9'; p++)
		digits++;
	if (digits == 0 || digits > 18 || p >= end || *p != ' ')
		return 0;
	p++;
	if (end - p != 5 || (*p != '+' && *p != '-'))
		return 0;
	for (p++; p < end; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

/* The first signature line of the raw commit without a valid date, or NULL. */
static const char *
commit_bad_signature(const char *data, size_t len, size_t *linelen)
{
	const char *p = data, *end = data + len, *nl;
	size_t	 n;

	while (p < end && *p != '\n') {
		nl = memchr(p, '\n', end - p);
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (((n > 7 && strncmp(p, "author ", 7) == 0) ||
		    (n > 10 && strncmp(p, "committer ", 10) == 0)) &&
		    !sig_date_ok(p, n)) {
			*linelen = n;
			return p;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return NULL;
}

/* 0 when the object id is not a commit or a sound one; -1 with *cause. */
int
repo_commit_sound(git_repository *git, const git_oid *id, char **cause)
{
	git_odb	*odb = NULL;
	git_odb_object *o = NULL;
	const char *bad;
	char	 hex[GIT_OID_HEXSZ + 1], *q, *line;
	size_t	 n;
	int	 rc = 0;

	if (git_repository_odb(&odb, git) != 0)
		return 0;	/* the parse that follows says why */
	if (git_odb_read(&o, odb, id) == 0 &&
	    git_odb_object_type(o) == GIT_OBJECT_COMMIT &&
	    (bad = commit_bad_signature(git_odb_object_data(o),
	    git_odb_object_size(o), &n)) != NULL) {
		git_oid_tostr(hex, sizeof hex, id);
		line = xstrndup(bad, n > 200 ? 200 : n);
		q = str_quote(line, 120);
		set_cause(cause, xasprintf("commit %.12s is damaged: its "
		    "line '%s' has no valid date (git fsck reports it; rewrite "
		    "the commit)", hex, q));
		free(q);
		free(line);
		rc = -1;
	}
	git_odb_object_free(o);
	git_odb_free(odb);
	return rc;
}

/*
 * The object a revision names, checked by commit_sound first when the
 * revision is a reference or a full id: 0 with *out, or -1 or
 * GIT_ENOTFOUND with *cause.
 */
int
repo_revparse(struct repo *r, const char *rev, git_object **out,
    char **cause)
{
	git_reference *ref = NULL, *res = NULL;
	git_oid	 id;
	int	 known = 0, rv;

	*out = NULL;
	if (git_reference_dwim(&ref, r->git, rev) == 0 &&
	    git_reference_resolve(&res, ref) == 0 &&
	    git_reference_target(res) != NULL) {
		git_oid_cpy(&id, git_reference_target(res));
		known = 1;
	} else if (strlen(rev) == GIT_OID_HEXSZ &&
	    git_oid_fromstr(&id, rev) == 0)
		known = 1;
	git_reference_free(res);
	git_reference_free(ref);
	if (known && repo_commit_sound(r->git, &id, cause) != 0)
		return -1;
	if ((rv = git_revparse_single(out, r->git, rev)) != 0) {
		set_cause(cause, repo_git_cause("cannot resolve '%s'", rev));
		return rv == GIT_ENOTFOUND ? GIT_ENOTFOUND : -1;
	}
	return 0;
}

/* Caches. */

void
cache_free(struct cache *c)
{
	size_t	 i;

	for (i = 0; i < c->size; i++) {
		free(c->slots[i].key);
		git_tree_free(c->slots[i].tree);
	}
	free(c->slots);
	memset(c, 0, sizeof *c);
}

static struct cache_slot *
cache_probe(struct cache_slot *slots, size_t size, const char *key,
    uint64_t hash)
{
	size_t	 i = (size_t)hash & (size - 1);

	while (slots[i].key != NULL) {
		if (slots[i].hash == hash && strcmp(slots[i].key, key) == 0)
			break;
		i = (i + 1) & (size - 1);
	}
	return &slots[i];
}

struct cache_slot *
cache_find(struct cache *c, const char *key)
{
	struct cache_slot *s;

	if (c->size == 0)
		return NULL;
	s = cache_probe(c->slots, c->size, key, hash_str(key));
	return s->key != NULL ? s : NULL;
}

static void
cache_grow(struct cache *c)
{
	struct cache_slot *old = c->slots, *s;
	size_t	 oldsize = c->size, i;

	c->size = oldsize ? oldsize * 2 : 64;
	c->slots = xcalloc(c->size, sizeof *c->slots);
	for (i = 0; i < oldsize; i++) {
		if (old[i].key == NULL)
			continue;
		s = cache_probe(c->slots, c->size, old[i].key, old[i].hash);
		*s = old[i];
	}
	free(old);
}

/* Add key (which must be absent); the slot's values start zeroed. */
struct cache_slot *
cache_add(struct cache *c, const char *key)
{
	struct cache_slot *s;
	uint64_t hash = hash_str(key);

	if ((c->used + 1) * 4 > c->size * 3)
		cache_grow(c);
	s = cache_probe(c->slots, c->size, key, hash);
	s->key = xstrdup(key);
	s->hash = hash;
	c->used++;
	return s;
}

/* Paths. */

/*
 * Normalise a '/'-separated path: no empty or "." components. Returns -1
 * for ".." anywhere, which lists and reads do not follow.
 */
static int
path_normalise(const char *path, struct buf *out)
{
	const char *p = path != NULL ? path : "", *end;
	size_t	 len;

	buf_reset(out);
	while (*p != '\0') {
		end = strchr(p, '/');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return -1;
		if (len != 0 && !(len == 1 && p[0] == '.')) {
			if (out->len != 0)
				buf_addc(out, '/');
			buf_add(out, p, len);
		}
		p += len;
		if (*p == '/')
			p++;
	}
	return 0;
}

/*
 * The tree of a normalised directory path ("" is the root): 0 with *tree
 * (borrowed from the cache), 1 when missing or not a directory, -1 on error.
 */
static int
tree_dir(struct repo_tree *rt, const char *dir, git_tree **tree, char **cause)
{
	struct cache_slot *s;
	const git_tree_entry *te;
	const char *slash, *name;
	git_tree *parent, *sub = NULL;
	char	*up;
	int	 r;

	if (*dir == '\0') {
		*tree = rt->root;
		return 0;
	}
	if ((s = cache_find(&rt->dirs, dir)) != NULL) {
		*tree = s->tree;
		return s->tree != NULL ? 0 : 1;
	}
	slash = strrchr(dir, '/');
	up = slash != NULL ? xstrndup(dir, slash - dir) : xstrdup("");
	name = slash != NULL ? slash + 1 : dir;
	r = tree_dir(rt, up, &parent, cause);
	free(up);
	if (r != 0)
		return r;
	te = git_tree_entry_byname(parent, name);
	if (te != NULL && git_tree_entry_type(te) == GIT_OBJECT_TREE &&
	    git_tree_lookup(&sub, rt->repo->git, git_tree_entry_id(te)) != 0) {
		set_cause(cause, repo_git_cause("cannot read directory '%s'", dir));
		return -1;
	}
	cache_add(&rt->dirs, dir)->tree = sub;
	*tree = sub;
	return sub != NULL ? 0 : 1;
}

/* Repositories. */

struct repo *
repo_open(const char *path, int from_env, char **cause)
{
	struct repo *r;
	git_repository *git;
	unsigned flags = from_env ? GIT_REPOSITORY_OPEN_FROM_ENV : 0;
	const char *start = path != NULL ? path : ".";

	repo_library_init();
	/* From the environment, GIT_DIR is only consulted without a path. */
	if (git_repository_open_ext(&git, from_env ? path : start, flags,
	    NULL) != 0) {
		set_cause(cause, repo_git_cause("cannot open repository '%s'",
		    start));
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	r->git = git;
	if (git_repository_odb(&r->odb, git) != 0) {
		set_cause(cause, repo_git_cause("cannot open the objects of '%s'",
		    start));
		repo_free(r);
		return NULL;
	}
	return r;
}

void
repo_free(struct repo *r)
{
	if (r == NULL)
		return;
	repo_tree_free(r->last);
	git_odb_free(r->odb);
	git_repository_free(r->git);
	free(r);
}

/* Trees. */

struct repo_tree *
repo_tree_at(struct repo *r, const char *rev, char **cause)
{
	struct repo_tree *rt;
	git_object *obj = NULL, *peeled = NULL;
	git_tree *tree = NULL;

	if (repo_revparse(r, rev, &obj, cause) != 0) {
		return NULL;
	}
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) != 0) {
		set_cause(cause, repo_git_cause("cannot resolve '%s'", rev));
		git_object_free(obj);
		return NULL;
	}
	if (git_commit_tree(&tree, (git_commit *)peeled) != 0) {
		set_cause(cause, repo_git_cause("cannot read the tree of '%s'",
		    rev));
		git_object_free(peeled);
		git_object_free(obj);
		return NULL;
	}
	rt = xcalloc(1, sizeof *rt);
	rt->repo = r;
	rt->root = tree;
	git_oid_tostr(rt->commit, sizeof rt->commit, git_object_id(peeled));
	git_object_free(peeled);
	git_object_free(obj);
	return rt;
}

void
repo_tree_free(struct repo_tree *rt)
{
	if (rt == NULL)
		return;
	cache_free(&rt->dirs);
	cache_free(&rt->resolved);
	git_tree_free(rt->root);
	free(rt);
}

struct repo_tree *
repo_tree_cached(struct repo *r, const char *commit, char **cause)
{
	if (r->last != NULL && strcmp(r->last->commit, commit) == 0)
		return r->last;
	repo_tree_free(r->last);
	r->last = repo_tree_at(r, commit, cause);
	return r->last;
}

const char *
repo_tree_commit(const struct repo_tree *rt)
{
	return rt->commit;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct repo_entry *ea = a, *eb = b;

	return strcmp(ea->name, eb->name);
}

int
repo_tree_list(struct repo_tree *rt, const char *dir, struct repo_entry **out,
    size_t *n, char **cause)
{
	struct buf path = BUF_INIT;
	const git_tree_entry *te;
	git_tree *tree;
	size_t	 i, count;
	int	 r;

	*out = NULL;
	*n = 0;
	if (path_normalise(dir, &path) != 0) {
		buf_release(&path);
		return 1;
	}
	r = tree_dir(rt, buf_str(&path), &tree, cause);
	buf_release(&path);
	if (r != 0)
		return r;
	count = git_tree_entrycount(tree);
	*out = xcalloc(count, sizeof **out);
	for (i = 0; i < count; i++) {
		te = git_tree_entry_byindex(tree, i);
		(*out)[i].name = xstrdup(git_tree_entry_name(te));
		(*out)[i].mode = (unsigned)git_tree_entry_filemode(te);
		git_oid_tostr((*out)[i].oid, sizeof (*out)[i].oid,
		    git_tree_entry_id(te));
	}
	/* Git orders directories as if their names ended in '/'. */
	array_sort(*out, count, sizeof **out, entry_cmp);
	*n = count;
	return 0;
}

void
repo_entries_free(struct repo_entry *e, size_t n)
{
	size_t	 i;

	if (e == NULL)
		return;
	for (i = 0; i < n; i++)
		free(e[i].name);
	free(e);
}

/* Read a blob by id: 0, 1 when absent, 2 when larger than max, -1. */
static int
blob_read_oid(struct repo *r, const git_oid *id, size_t max, char **data,
    size_t *size, char **cause)
{
	git_odb_object *obj;
	git_object_t type;
	size_t	 len;
	int	 e;

	*data = NULL;
	*size = 0;
	/* The header first, so a huge blob is never inflated. */
	if ((e = git_odb_read_header(&len, &type, r->odb, id)) != 0) {
		if (e == GIT_ENOTFOUND)
			return 1;
		set_cause(cause, repo_git_cause("cannot read object %s",
		    git_oid_tostr_s(id)));
		return -1;
	}
	if (type != GIT_OBJECT_BLOB) {
		set_cause(cause, xasprintf("object %s is a %s, not a blob",
		    git_oid_tostr_s(id), git_object_type2string(type)));
		return -1;
	}
	*size = len;
	if (len > max)
		return 2;
	if (git_odb_read(&obj, r->odb, id) != 0) {
		set_cause(cause, repo_git_cause("cannot read object %s",
		    git_oid_tostr_s(id)));
		return -1;
	}
	*size = git_odb_object_size(obj);
	*data = xmalloc(*size + 1);
	memcpy(*data, git_odb_object_data(obj), *size);
	(*data)[*size] = '\0';
	git_odb_object_free(obj);
	return 0;
}

int
repo_tree_read(struct repo_tree *rt, const char *path, size_t max,
    char **data, size_t *size, char *oid, char **cause)
{
	struct buf norm = BUF_INIT;
	const git_tree_entry *te;
	const char *slash, *name;
	git_tree *tree;
	char	*dir;
	int	 r;

	*data = NULL;
	*size = 0;
	if (path_normalise(path, &norm) != 0 || norm.len == 0) {
		buf_release(&norm);
		return 1;
	}
	slash = strrchr(buf_str(&norm), '/');
	dir = slash != NULL ? xstrndup(norm.data, slash - norm.data) :
	    xstrdup("");
	name = slash != NULL ? slash + 1 : norm.data;
	r = tree_dir(rt, dir, &tree, cause);
	free(dir);
	te = r == 0 ? git_tree_entry_byname(tree, name) : NULL;
	buf_release(&norm);
	if (r != 0 || te == NULL)
		return r == -1 ? -1 : 1;
	if (git_tree_entry_type(te) != GIT_OBJECT_BLOB)
		return 1;
	if (oid != NULL)
		git_oid_tostr(oid, GIT_OID_HEXSZ + 1, git_tree_entry_id(te));
	return blob_read_oid(rt->repo, git_tree_entry_id(te), max, data, size,
	    cause);
}

int
repo_tree_oid(struct repo_tree *rt, const char *path, char *oid, char **cause)
{
	const git_tree_entry *te;
	const char *slash;
	git_tree *tree;
	char	*dir;
	int	 r;

	slash = strrchr(path, '/');
	dir = slash != NULL ? xstrndup(path, slash - path) : xstrdup("");
	r = tree_dir(rt, dir, &tree, cause);
	free(dir);
	te = r == 0 ? git_tree_entry_byname(tree, slash != NULL ? slash + 1 :
	    path) : NULL;
	if (r != 0 || te == NULL || git_tree_entry_type(te) != GIT_OBJECT_BLOB)
		return r == -1 ? -1 : 1;
	git_oid_tostr(oid, GIT_OID_HEXSZ + 1, git_tree_entry_id(te));
	return 0;
}

int
repo_blob_read(struct repo *r, const char *oid, size_t max, char **data,
    size_t *size, char **cause)
{
	git_oid	 id;

	*data = NULL;
	*size = 0;
	if (strlen(oid) != GIT_OID_HEXSZ || git_oid_fromstr(&id, oid) != 0) {
		set_cause(cause, xasprintf("invalid object id '%s'", oid));
		return -1;
	}
	return blob_read_oid(r, &id, max, data, size, cause);
}

int
repo_blob_exists(struct repo *r, const char *oid)
{
	git_oid	 id;

	return strlen(oid) == GIT_OID_HEXSZ && git_oid_fromstr(&id, oid) == 0 &&
	    git_odb_exists(r->odb, &id);
}

/* Resolving paths through symlinks. */

/* Take the next component of *rest into comp; 0 at the end. */
static int
path_next(const char **rest, const char **comp, size_t *len)
{
	const char *p = *rest;

	while (*p == '/')
		p++;
	if (*p == '\0') {
		*rest = p;
		return 0;
	}
	*comp = p;
	while (*p != '\0' && *p != '/')
		p++;
	*len = p - *comp;
	while (*p == '/')
		p++;
	*rest = p;
	return 1;
}

/* Pop the last component of a directory path; -1 above the root. */
static int
path_pop(struct buf *dir)
{
	char	*slash;

	if (dir->len == 0)
		return -1;
	slash = strrchr(dir->data, '/');
	dir->len = slash != NULL ? (size_t)(slash - dir->data) : 0;
	dir->data[dir->len] = '\0';
	return 0;
}

/* A walk through the tree for repo_tree_resolve. */
struct walk {
	struct buf	 dir;		/* real directories, no links */
	const char	*rest;		/* what is left of the path */
	char		*owned;	/* rest's memory after a link */
	int		 hops;
	unsigned	 mode;
};

/* Continue with the link's target followed by what remained. */
static enum repo_path
walk_link(struct repo_tree *rt, struct walk *w, const git_tree_entry *te)
{
	git_blob *blob;
	const char *target;
	size_t	 len;
	char	*next;

	if (++w->hops > REPO_MAX_LINKS)
		return REPO_PATH_LOOP;
	if (git_blob_lookup(&blob, rt->repo->git, git_tree_entry_id(te)) != 0)
		return REPO_PATH_MISSING;
	target = git_blob_rawcontent(blob);
	len = (size_t)git_blob_rawsize(blob);
	if (len == 0 || target[0] == '/' || memchr(target, '\0', len) != NULL) {
		git_blob_free(blob);
		return REPO_PATH_ESCAPES;
	}
	next = xasprintf("%.*s/%s", (int)len, target, w->rest);
	git_blob_free(blob);
	free(w->owned);
	w->owned = next;
	w->rest = next;
	return REPO_PATH_OK;
}

/*
 * Take one component: returns REPO_PATH_OK to go on (the walk moved into a
 * directory or through a link), or the final result, REPO_PATH_OK included
 * when *done is set.
 */
static enum repo_path
walk_step(struct repo_tree *rt, struct walk *w, const char *comp, size_t len,
    int *done)
{
	const git_tree_entry *te;
	git_tree *tree;
	char	*name;

	*done = 0;
	if (len == 1 && comp[0] == '.')
		return REPO_PATH_OK;
	if (len == 2 && comp[0] == '.' && comp[1] == '.')
		return path_pop(&w->dir) == 0 ? REPO_PATH_OK :
		    REPO_PATH_ESCAPES;
	if (tree_dir(rt, buf_str(&w->dir), &tree, NULL) != 0)
		return REPO_PATH_MISSING;
	name = xstrndup(comp, len);
	te = git_tree_entry_byname(tree, name);
	free(name);
	if (te == NULL)
		return REPO_PATH_MISSING;
	w->mode = (unsigned)git_tree_entry_filemode(te);
	if (w->mode == GIT_FILEMODE_LINK)
		return walk_link(rt, w, te);
	if (w->mode == GIT_FILEMODE_TREE) {
		if (w->dir.len != 0)
			buf_addc(&w->dir, '/');
		buf_add(&w->dir, comp, len);
		return REPO_PATH_OK;
	}
	*done = 1;
	if (w->mode == GIT_FILEMODE_COMMIT)
		return REPO_PATH_NOTFILE;
	if (*w->rest != '\0')
		return REPO_PATH_MISSING;	/* a file as a directory */
	return REPO_PATH_OK;
}

static enum repo_path
resolve_walk(struct repo_tree *rt, const char *path, unsigned *mode)
{
	struct walk w;
	enum repo_path result = REPO_PATH_NOTFILE;
	const char *comp;
	size_t	 len;
	int	 done = 0;

	memset(&w, 0, sizeof w);
	buf_init(&w.dir);
	w.rest = path;
	w.mode = GIT_FILEMODE_TREE;
	while (!done && path_next(&w.rest, &comp, &len)) {
		result = walk_step(rt, &w, comp, len, &done);
		if (result != REPO_PATH_OK)
			break;
		if (!done)
			result = REPO_PATH_NOTFILE;	/* ends on a dir */
	}
	*mode = w.mode;
	free(w.owned);
	buf_release(&w.dir);
	return result;
}

enum repo_path
repo_tree_resolve(struct repo_tree *rt, const char *path, unsigned *mode)
{
	struct cache_slot *s;
	enum repo_path result;
	unsigned m;

	if ((s = cache_find(&rt->resolved, path)) == NULL) {
		result = resolve_walk(rt, path, &m);
		s = cache_add(&rt->resolved, path);
		s->result = result;
		s->mode = m;
	}
	*mode = s->mode;
	return (enum repo_path)s->result;
}

/* A path inside the repository's git directory (allocated). */
char *
repo_git_path(struct repo *r, const char *name)
{
	const char *dir = git_repository_path(r->git);

	return xasprintf("%s%s%s", dir, str_endswith(dir, "/") ? "" : "/", name);
}

char *
repo_symbolic_target(struct repo *r, const char *ref)
{
	git_reference *ref_;
	char	*target = NULL;

	if (git_reference_lookup(&ref_, r->git, ref) != 0)
		return NULL;
	if (git_reference_type(ref_) == GIT_REFERENCE_SYMBOLIC)
		target = xstrdup(git_reference_symbolic_target(ref_));
	git_reference_free(ref_);
	return target;
}

/* The plans branch. */

char *
repo_config_branch(struct repo *r, int *found, char **cause)
{
	git_config *cfg;
	git_buf	 value = GIT_BUF_INIT;
	char	*ref;
	int	 e;

	*found = 0;
	if (git_repository_config_snapshot(&cfg, r->git) != 0) {
		set_cause(cause, repo_git_cause("cannot read git config"));
		return NULL;
	}
	e = git_config_get_string_buf(&value, cfg, "offpeak.branch");
	git_config_free(cfg);
	if (e == GIT_ENOTFOUND)
		return NULL;
	*found = 1;
	if (e != 0) {
		set_cause(cause, repo_git_cause("cannot read offpeak.branch"));
		return NULL;
	}
	if (strncmp(value.ptr, "refs/heads/", 11) == 0)
		ref = xstrdup(value.ptr);
	else
		ref = xasprintf("refs/heads/%s", value.ptr);
	if (!git_reference_is_valid_name(ref) ||
	    strcmp(ref, "refs/heads/") == 0) {
		set_cause(cause, xasprintf("offpeak.branch '%s' is not a valid "
		    "branch name", value.ptr));
		free(ref);
		ref = NULL;
	}
	git_buf_dispose(&value);
	return ref;
}

char *
repo_plans_branch(struct repo *r, char **cause)
{
	git_reference *head;
	char	*ref;
	int	 found;

	ref = repo_config_branch(r, &found, cause);
	if (found)
		return ref;
	if (git_reference_lookup(&head, r->git, "HEAD") != 0) {
		set_cause(cause, repo_git_cause("cannot read HEAD"));
		return NULL;
	}
	if (git_reference_type(head) != GIT_REFERENCE_SYMBOLIC ||
	    strncmp(git_reference_symbolic_target(head), "refs/heads/",
	    11) != 0) {
		set_cause(cause, xstrdup("HEAD is not on a branch; set "
		    "offpeak.branch in git config"));
		git_reference_free(head);
		return NULL;
	}
	ref = xstrdup(git_reference_symbolic_target(head));
	git_reference_free(head);
	return ref;
}

/* Config and refs. */

char *
repo_config_get(struct repo *r, const char *key)
{
	git_config *cfg;
	git_buf	 value = GIT_BUF_INIT;
	char	*s = NULL;

	if (git_repository_config_snapshot(&cfg, r->git) != 0)
		return NULL;
	if (git_config_get_string_buf(&value, cfg, key) == 0)
		s = xstrdup(value.ptr);
	git_buf_dispose(&value);
	git_config_free(cfg);
	return s;
}

char *
repo_config_global(const char *key)
{
	git_config *cfg, *snap;
	git_buf	 value = GIT_BUF_INIT;
	char	*s = NULL;

	repo_library_init();
	if (git_config_open_default(&cfg) != 0)
		return NULL;
	if (git_config_snapshot(&snap, cfg) == 0) {
		if (git_config_get_string_buf(&value, snap, key) == 0)
			s = xstrdup(value.ptr);
		git_config_free(snap);
	}
	git_buf_dispose(&value);
	git_config_free(cfg);
	return s;
}

int
repo_ref_commit(struct repo *r, const char *ref, char *oid, char **cause)
{
	git_reference *gr;
	git_object *obj;
	int	 e;

	oid[0] = '\0';
	if (strcmp(ref, "HEAD") == 0 || strncmp(ref, "refs/", 5) == 0)
		e = git_reference_lookup(&gr, r->git, ref);
	else
		e = git_reference_dwim(&gr, r->git, ref);
	if (e == GIT_ENOTFOUND || e == GIT_EUNBORNBRANCH)
		return 1;
	if (e != 0) {
		set_cause(cause, repo_git_cause("cannot read ref '%s'", ref));
		return -1;
	}
	e = git_reference_peel(&obj, gr, GIT_OBJECT_COMMIT);
	git_reference_free(gr);
	if (e == GIT_ENOTFOUND || e == GIT_EUNBORNBRANCH)
		return 1;
	if (e != 0) {
		set_cause(cause, repo_git_cause("ref '%s' does not name a commit",
		    ref));
		return -1;
	}
	git_oid_tostr(oid, GIT_OID_HEXSZ + 1, git_object_id(obj));
	git_object_free(obj);
	return 0;
}

/* When files first appeared. */

static int
commit_at(struct repo *r, const char *rev, git_commit **out, char **cause)
{
	git_object *obj, *peeled;

	if (repo_revparse(r, rev, &obj, cause) != 0) {
		return -1;
	}
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) != 0) {
		set_cause(cause, repo_git_cause("cannot resolve '%s'", rev));
		git_object_free(obj);
		return -1;
	}
	git_object_free(obj);
	*out = (git_commit *)peeled;
	return 0;
}

/* The id of dir's tree in a commit; 1 when the commit has no such tree. */
static int
commit_dir_id(git_commit *c, const char *dir, git_oid *id)
{
	git_tree *root;
	git_tree_entry *te;
	int	 r = 1;

	if (git_commit_tree(&root, c) != 0)
		return 1;
	if (git_tree_entry_bypath(&te, root, dir) == 0) {
		if (git_tree_entry_type(te) == GIT_OBJECT_TREE) {
			git_oid_cpy(id, git_tree_entry_id(te));
			r = 0;
		}
		git_tree_entry_free(te);
	}
	git_tree_free(root);
	return r;
}

/*
 * The names still waiting for their time. Walking back along first
 * parents, a name is settled at the child of the first commit that lacks
 * it: the start of its current, unbroken presence.
 */
struct added_walk {
	const char	**names;
	size_t		  n;
	int		(*fn)(const char *, int64_t, void *);
	void		 *arg;
	int		  stopped;
};

/* Settle every waiting name that the parent's tree (NULL: none) lacks. */
static void
added_settle(struct added_walk *w, git_tree *parent, int64_t when)
{
	const git_tree_entry *te;
	size_t	 i, kept = 0;

	for (i = 0; i < w->n; i++) {
		te = NULL;
		if (parent != NULL)
			te = git_tree_entry_byname(parent, w->names[i]);
		if (te != NULL && git_tree_entry_type(te) != GIT_OBJECT_TREE) {
			w->names[kept++] = w->names[i];
			continue;
		}
		if (!w->stopped && w->fn(w->names[i], when, w->arg) != 0)
			w->stopped = 1;
	}
	w->n = w->stopped ? 0 : kept;
}

/* One step back; returns the parent (NULL at the root) with its dir id. */
static git_commit *
added_step(struct repo *r, struct added_walk *w, git_commit *cur,
    const git_oid *cur_id, const char *dir, git_oid *parent_id)
{
	git_commit *parent = NULL;
	git_tree *pt = NULL;
	int	 has;

	if (git_commit_parentcount(cur) == 0 ||
	    git_commit_parent(&parent, cur, 0) != 0) {
		added_settle(w, NULL, git_commit_time(cur));
		return NULL;
	}
	has = commit_dir_id(parent, dir, parent_id) == 0;
	if (!has)
		memset(parent_id, 0, sizeof *parent_id);
	if (has && git_oid_equal(parent_id, cur_id))
		return parent;
	if (has)
		git_tree_lookup(&pt, r->git, parent_id);
	added_settle(w, pt, git_commit_time(cur));
	git_tree_free(pt);
	return parent;
}

int
repo_first_added(struct repo *r, const char *rev, const char *dir,
    int (*fn)(const char *, int64_t, void *), void *arg, char **cause)
{
	struct added_walk w;
	git_commit *cur, *parent;
	git_tree *tree;
	git_oid	 cur_id, parent_id;
	size_t	 i, count;

	if (commit_at(r, rev, &cur, cause) != 0)
		return -1;
	if (commit_dir_id(cur, dir, &cur_id) != 0 ||
	    git_tree_lookup(&tree, r->git, &cur_id) != 0) {
		git_commit_free(cur);
		return 0;
	}
	memset(&w, 0, sizeof w);
	w.fn = fn;
	w.arg = arg;
	count = git_tree_entrycount(tree);
	w.names = xcalloc(count, sizeof *w.names);
	for (i = 0; i < count; i++) {
		if (git_tree_entry_type(git_tree_entry_byindex(tree, i)) ==
		    GIT_OBJECT_BLOB)
			w.names[w.n++] = git_tree_entry_name(
			    git_tree_entry_byindex(tree, i));
	}
	while (w.n != 0 && cur != NULL) {
		parent = added_step(r, &w, cur, &cur_id, dir, &parent_id);
		git_commit_free(cur);
		cur = parent;
		git_oid_cpy(&cur_id, &parent_id);
	}
	git_commit_free(cur);
	free(w.names);
	git_tree_free(tree);
	return 0;
}

/* History walks, for the log of one plan. */

static void
walk_fill(git_commit *c, const char *path, struct repo_commit *rc,
    char *author, size_t authorlen)
{
	const git_signature *a = git_commit_author(c);
	git_tree *tree = NULL;
	git_tree_entry *te = NULL;

	git_oid_tostr(rc->id, sizeof rc->id, git_commit_id(c));
	snprintf(author, authorlen, "%s <%s>", a->name, a->email);
	rc->author = author;
	rc->when = (int64_t)git_commit_time(c);
	rc->message = git_commit_message(c);
	rc->blob[0] = '\0';
	if (path != NULL && git_commit_tree(&tree, c) == 0 &&
	    git_tree_entry_bypath(&te, tree, path) == 0)
		git_oid_tostr(rc->blob, sizeof rc->blob, git_tree_entry_id(te));
	git_tree_entry_free(te);
	git_tree_free(tree);
}

int
repo_walk(struct repo *r, const char *rev, const char *path,
    int (*fn)(const struct repo_commit *, void *), void *arg, char **cause)
{
	git_revwalk *walk = NULL;
	git_object *obj = NULL;
	git_commit *c;
	git_oid	 id;
	struct repo_commit rc;
	char	 author[512];
	int	 rv, damaged = 0;

	if ((rv = repo_revparse(r, rev, &obj, cause)) == GIT_ENOTFOUND) {
		if (cause != NULL) {
			free(*cause);
			*cause = NULL;
		}
		return 1;
	}
	if (rv != 0)
		return -1;
	if (git_revwalk_new(&walk, r->git) != 0 ||
	    git_revwalk_simplify_first_parent(walk) != 0 ||
	    git_revwalk_push(walk, git_object_id(obj)) != 0) {
		set_cause(cause, repo_git_cause("cannot walk the history of '%s'", rev));
		git_revwalk_free(walk);
		git_object_free(obj);
		return -1;
	}
	while (git_revwalk_next(&id, walk) == 0) {
		if (repo_commit_sound(r->git, &id, cause) != 0) {
			damaged = 1;
			break;
		}
		if (git_commit_lookup(&c, r->git, &id) != 0)
			continue;
		walk_fill(c, path, &rc, author, sizeof author);
		rv = fn(&rc, arg);
		git_commit_free(c);
		if (rv != 0)
			break;
	}
	git_revwalk_free(walk);
	git_object_free(obj);
	return damaged ? -1 : 0;
}


/* --- the work tree against HEAD */

char **
repo_worktree_changes(struct repo *r, const char *extra)
{
	static char p1[] = "offpeak.json", p2[] = "plans", p3[] = "hooks";
	char	*paths[] = { p1, p2, p3, (char *)extra };
	git_status_options o;
	git_status_list *list = NULL;
	const git_status_entry *e;
	const char *path, *how;
	char	**v = NULL;
	size_t	 i, n, k = 0;

	if (git_repository_is_bare(r->git) ||
	    git_status_options_init(&o, GIT_STATUS_OPTIONS_VERSION) != 0)
		return NULL;
	o.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED |
	    GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
	    GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	o.pathspec.strings = paths;
	o.pathspec.count = extra != NULL ? 4 : 3;
	/* against HEAD: the index counts as the work tree here */
	o.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	if (git_status_list_new(&list, r->git, &o) != 0)
		return NULL;
	n = git_status_list_entrycount(list);
	for (i = 0; i < n; i++) {
		e = git_status_byindex(list, i);
		if (e->status == GIT_STATUS_CURRENT ||
		    (e->status & GIT_STATUS_IGNORED))
			continue;
		path = e->index_to_workdir != NULL ?
		    e->index_to_workdir->new_file.path :
		    e->head_to_index != NULL ? e->head_to_index->new_file.path :
		    NULL;
		if (path == NULL)
			continue;
		if (e->status & (GIT_STATUS_WT_NEW | GIT_STATUS_INDEX_NEW))
			how = "new";
		else if (e->status & (GIT_STATUS_WT_DELETED |
		    GIT_STATUS_INDEX_DELETED))
			how = "deleted";
		else
			how = "modified";
		v = xreallocarray(v, k + 2, sizeof *v);
		v[k++] = xasprintf("%s (%s)", path, how);
		v[k] = NULL;
	}
	git_status_list_free(list);
	return v;
}

/*
 * The tree of HEAD with offpeak.json, plans/ and hooks/ as the work tree
 * has them: read into the index in memory (never written back), their
 * blobs and trees written to the object database.
 */
struct repo_tree *
repo_tree_worktree(struct repo *r, const char *extra, char **cause)
{
	static char p1[] = "offpeak.json", p2[] = "plans", p3[] = "hooks";
	char	*paths[] = { p1, p2, p3, (char *)extra };
	git_strarray spec = { paths, extra != NULL ? 4 : 3 };
	struct repo_tree *rt;
	git_object *head = NULL;
	git_tree *base = NULL, *tree = NULL;
	git_index *idx = NULL;
	git_oid	 id;
	int	 e;

	if (git_repository_is_bare(r->git)) {
		set_cause(cause, xstrdup("--worktree: the repository has no "
		    "work tree"));
		return NULL;
	}
	if (repo_revparse(r, "HEAD", &head, cause) != 0)
		return NULL;
	e = git_object_peel((git_object **)&base, head, GIT_OBJECT_TREE);
	if (e == 0)
		e = git_repository_index(&idx, r->git);
	if (e == 0)
		e = git_index_read_tree(idx, base);
	if (e == 0)
		e = git_index_add_all(idx, &spec, GIT_INDEX_ADD_DEFAULT, NULL,
		    NULL);
	if (e == 0)
		e = git_index_update_all(idx, &spec, NULL, NULL);
	if (e == 0)
		e = git_index_write_tree(&id, idx);
	if (e == 0)
		e = git_tree_lookup(&tree, r->git, &id);
	/* the index on disk stays as it was: read it back in memory */
	if (idx != NULL)
		git_index_read(idx, 1);
	git_index_free(idx);
	git_tree_free(base);
	git_object_free(head);
	if (e != 0) {
		set_cause(cause, repo_git_cause("cannot read the work tree"));
		return NULL;
	}
	rt = xcalloc(1, sizeof *rt);
	rt->repo = r;
	rt->root = tree;
	rt->commit[0] = '\0';
	return rt;
}
