/* repo: the plan repository through libgit2 (the only module with git2.h) */
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
#include "repo.h"
#include "util.h"

#define REPO_MAX_LINKS	16	/* symlink hops before REPO_PATH_LOOP */

struct repo {
	git_repository	*git;
	git_odb		*odb;
	git_odb_backend	*mempack;	/* new objects, written as one pack */
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

static int	 libgit2_ready;

static void
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
		libgit2_ready = 1;
	}
}

/* Build a cause from a prefix and libgit2's last error. */
static char *
git_cause(const char *fmt, ...)
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
static int
commit_sound(git_repository *git, const git_oid *id, char **cause)
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
static int
revparse_sound(struct repo *r, const char *rev, git_object **out,
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
	if (known && commit_sound(r->git, &id, cause) != 0)
		return -1;
	if ((rv = git_revparse_single(out, r->git, rev)) != 0) {
		set_cause(cause, git_cause("cannot resolve '%s'", rev));
		return rv == GIT_ENOTFOUND ? GIT_ENOTFOUND : -1;
	}
	return 0;
}

/* Caches. */

static void
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

static struct cache_slot *
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
static struct cache_slot *
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
		set_cause(cause, git_cause("cannot read directory '%s'", dir));
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
		set_cause(cause, git_cause("cannot open repository '%s'",
		    start));
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	r->git = git;
	if (git_repository_odb(&r->odb, git) != 0) {
		set_cause(cause, git_cause("cannot open the objects of '%s'",
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

	if (revparse_sound(r, rev, &obj, cause) != 0) {
		return NULL;
	}
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) != 0) {
		set_cause(cause, git_cause("cannot resolve '%s'", rev));
		git_object_free(obj);
		return NULL;
	}
	if (git_commit_tree(&tree, (git_commit *)peeled) != 0) {
		set_cause(cause, git_cause("cannot read the tree of '%s'",
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
		set_cause(cause, git_cause("cannot read object %s",
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
		set_cause(cause, git_cause("cannot read object %s",
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

static char *
branch_from_config(struct repo *r, int *found, char **cause)
{
	git_config *cfg;
	git_buf	 value = GIT_BUF_INIT;
	char	*ref;
	int	 e;

	*found = 0;
	if (git_repository_config_snapshot(&cfg, r->git) != 0) {
		set_cause(cause, git_cause("cannot read git config"));
		return NULL;
	}
	e = git_config_get_string_buf(&value, cfg, "offpeak.branch");
	git_config_free(cfg);
	if (e == GIT_ENOTFOUND)
		return NULL;
	*found = 1;
	if (e != 0) {
		set_cause(cause, git_cause("cannot read offpeak.branch"));
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

	ref = branch_from_config(r, &found, cause);
	if (found)
		return ref;
	if (git_reference_lookup(&head, r->git, "HEAD") != 0) {
		set_cause(cause, git_cause("cannot read HEAD"));
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

/* Creating a repository. */

/* Is dir missing or an empty directory? */
static int
create_check_dir(const char *dir, char **cause)
{
	struct stat sb;
	struct dirent *de;
	DIR	*d;
	int	 empty = 1;

	if (stat(dir, &sb) != 0) {
		if (errno == ENOENT)
			return 0;
		set_cause(cause, xasprintf("cannot use '%s': %s", dir,
		    strerror(errno)));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		set_cause(cause, xasprintf("'%s' exists and is not a directory",
		    dir));
		return -1;
	}
	if ((d = opendir(dir)) == NULL) {
		set_cause(cause, xasprintf("cannot read '%s': %s", dir,
		    strerror(errno)));
		return -1;
	}
	while (empty && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			empty = 0;
	}
	closedir(d);
	if (!empty) {
		set_cause(cause, xasprintf("'%s' is not empty", dir));
		return -1;
	}
	return 0;
}

/* A relative path without empty, ".", ".." or ".git" components. */
static int
create_path_valid(const char *path)
{
	const char *p = path, *comp;
	size_t	 len;

	if (*path == '\0' || *path == '/')
		return 0;
	while (*p != '\0') {
		comp = p;
		while (*p != '\0' && *p != '/')
			p++;
		len = p - comp;
		if (len == 0 || (len == 1 && comp[0] == '.') ||
		    (len == 2 && strncmp(comp, "..", 2) == 0) ||
		    (len == 4 && strncmp(comp, ".git", 4) == 0))
			return 0;
		if (*p == '/' && *++p == '\0')
			return 0;
	}
	return 1;
}

/* Write one file under the work tree, making its directories. */
static int
create_write(const char *workdir, const struct repo_file *f, char **cause)
{
	char	*full, *p;
	int	 fd;
	ssize_t	 n;
	size_t	 off = 0;

	full = xasprintf("%s/%s", workdir, f->path);
	p = full + strlen(workdir) + 1;
	for (; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(full, 0777) != 0 && errno != EEXIST) {
			set_cause(cause, xasprintf("cannot create '%s': %s",
			    full, strerror(errno)));
			free(full);
			return -1;
		}
		*p = '/';
	}
	fd = open(full, O_WRONLY|O_CREAT|O_EXCL, f->mode & 0111 ? 0777 : 0666);
	if (fd == -1)
		goto fail;
	while (off < f->size) {
		n = write(fd, (const char *)f->data + off, f->size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += n;
	}
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	free(full);
	return 0;
fail:
	set_cause(cause, xasprintf("cannot write '%s': %s", full,
	    strerror(errno)));
	if (fd != -1)
		close(fd);
	free(full);
	return -1;
}

/* Stage a written file with exactly the mode asked for. */
static int
create_stage(git_index *index, const struct repo_file *f, char **cause)
{
	const git_index_entry *ie;
	git_index_entry copy;
	unsigned want;

	want = f->mode & 0111 ? GIT_FILEMODE_BLOB_EXECUTABLE :
	    GIT_FILEMODE_BLOB;
	if (git_index_add_bypath(index, f->path) != 0 ||
	    (ie = git_index_get_bypath(index, f->path, 0)) == NULL) {
		set_cause(cause, git_cause("cannot add '%s'", f->path));
		return -1;
	}
	if (ie->mode == want)
		return 0;
	copy = *ie;
	copy.mode = want;
	if (git_index_add(index, &copy) != 0) {
		set_cause(cause, git_cause("cannot add '%s'", f->path));
		return -1;
	}
	return 0;
}

static git_signature *txn_signature(git_repository *, int64_t);

static int
create_commit(git_repository *git, git_index *index, const char *message,
    int64_t when, char **cause)
{
	git_signature *sig;
	git_tree *tree;
	git_oid	 tree_id, commit_id;
	char	*msg;
	int	 e;

	if (git_index_write(index) != 0 ||
	    git_index_write_tree(&tree_id, index) != 0 ||
	    git_tree_lookup(&tree, git, &tree_id) != 0) {
		set_cause(cause, git_cause("cannot write the index"));
		return -1;
	}
	if ((sig = txn_signature(git, when)) == NULL) {
		set_cause(cause, git_cause("cannot make a signature"));
		git_tree_free(tree);
		return -1;
	}
	msg = str_endswith(message, "\n") ? xstrdup(message) :
	    xasprintf("%s\n", message);
	e = git_commit_create(&commit_id, git, "HEAD", sig, sig, NULL, msg,
	    tree, 0, NULL);
	if (e != 0)
		set_cause(cause, git_cause("cannot commit"));
	free(msg);
	git_signature_free(sig);
	git_tree_free(tree);
	return e != 0 ? -1 : 0;
}

int
repo_create(const char *dir, const struct repo_file *files, size_t n,
    const char *message, int64_t when, char **cause)
{
	git_repository_init_options opts;
	git_repository *git;
	git_index *index = NULL;
	size_t	 i;
	int	 r = -1;

	repo_library_init();
	for (i = 0; i < n; i++) {
		if (!create_path_valid(files[i].path)) {
			set_cause(cause, xasprintf("invalid path '%s'",
			    files[i].path));
			return -1;
		}
	}
	if (create_check_dir(dir, cause) != 0)
		return -1;
	git_repository_init_options_init(&opts,
	    GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	opts.flags = GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_NO_REINIT;
	opts.initial_head = "main";
	if (git_repository_init_ext(&git, dir, &opts) != 0) {
		set_cause(cause, git_cause("cannot create repository '%s'",
		    dir));
		return -1;
	}
	if (git_repository_index(&index, git) != 0) {
		set_cause(cause, git_cause("cannot open the index of '%s'",
		    dir));
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (create_write(git_repository_workdir(git), &files[i],
		    cause) != 0 || create_stage(index, &files[i], cause) != 0)
			goto out;
	}
	r = create_commit(git, index, message, when, cause);
out:
	git_index_free(index);
	git_repository_free(git);
	return r;
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
		set_cause(cause, git_cause("cannot read ref '%s'", ref));
		return -1;
	}
	e = git_reference_peel(&obj, gr, GIT_OBJECT_COMMIT);
	git_reference_free(gr);
	if (e == GIT_ENOTFOUND || e == GIT_EUNBORNBRANCH)
		return 1;
	if (e != 0) {
		set_cause(cause, git_cause("ref '%s' does not name a commit",
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

	if (revparse_sound(r, rev, &obj, cause) != 0) {
		return -1;
	}
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) != 0) {
		set_cause(cause, git_cause("cannot resolve '%s'", rev));
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

/* Commits on the state branch: a set of changes and a compare and swap. */

struct txn_change {
	char	*path;
	char	*data;		/* NULL: remove */
	size_t	 len;
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

static void
txn_add(struct repo_txn *t, const char *path, const void *data, size_t len,
    int remove)
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
	c->data = remove ? NULL : xmalloc(len + 1);
	if (!remove)
		memcpy(c->data, data, len);
	c->len = len;
}

void
repo_txn_put(struct repo_txn *t, const char *path, const void *data,
    size_t len)
{
	txn_add(t, path, data, len, 0);
}

void
repo_txn_remove(struct repo_txn *t, const char *path)
{
	txn_add(t, path, NULL, 0, 1);
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
		if (t->v[i].data == NULL) {
			if (git_tree_entry_bypath(&te, base, t->v[i].path) != 0)
				continue;	/* nothing to remove */
			git_tree_entry_free(te);
			up[nup].action = GIT_TREE_UPDATE_REMOVE;
		} else {
			rc = git_blob_create_from_buffer(&up[nup].id, g,
			    t->v[i].data, t->v[i].len);
			up[nup].action = GIT_TREE_UPDATE_UPSERT;
			up[nup].filemode = GIT_FILEMODE_BLOB;
		}
		up[nup++].path = t->v[i].path;
	}
	if (rc == 0)
		rc = git_tree_create_updated(out, g, base, nup, up);
	if (rc != 0)
		set_cause(cause, git_cause("cannot write the state tree"));
	free(up);
	git_treebuilder_free(tb);
	git_tree_free(base);
	return rc == 0 ? 0 : -1;
}

static git_signature *
txn_signature(git_repository *g, int64_t when)
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
		set_cause(cause, git_cause("cannot move '%s'", ref));
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
		set_cause(cause, git_cause("cannot prepare an object pack"));
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
		set_cause(cause, git_cause("cannot write the object pack"));
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
		set_cause(cause, git_cause("cannot read state commit %s", t->base));
		return -1;
	}
	if (txn_objects_begin(t->repo, cause) != 0 ||
	    txn_tree(t, parent, &tree_id, cause) != 0)
		goto out;
	sig = txn_signature(t->repo->git, when);
	if (git_tree_lookup(&tree, t->repo->git, &tree_id) != 0 ||
	    git_commit_create(&id, t->repo->git, NULL, sig, sig, "UTF-8",
	    message, tree, parent != NULL ? 1 : 0,
	    (const git_commit **)&parent) != 0) {
		set_cause(cause, git_cause("cannot write a state commit"));
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
		set_cause(cause, git_cause("cannot set %s", key));
	git_config_free(local);
	git_config_free(cfg);
	return rc == 0 ? 0 : -1;
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

	if ((rv = revparse_sound(r, rev, &obj, cause)) == GIT_ENOTFOUND) {
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
		set_cause(cause, git_cause("cannot walk the history of '%s'", rev));
		git_revwalk_free(walk);
		git_object_free(obj);
		return -1;
	}
	while (git_revwalk_next(&id, walk) == 0) {
		if (commit_sound(r->git, &id, cause) != 0) {
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

/* Exporting a tree into a directory. */

#define EXPORT_MAX_DEPTH	64

struct export {
	struct repo	*repo;
	struct buf	 path;		/* of the current entry, for messages */
	char		**cause;
};

static int	 export_tree(struct export *, git_tree *, int, int);

static int
export_fail(struct export *x, const char *why)
{
	set_cause(x->cause, xasprintf("cannot export '%s': %s",
	    buf_str(&x->path), why));
	return -1;
}

/* A name that stays in its directory and is not git's own. */
static int
export_name_valid(const char *name)
{
	return *name != '\0' && strcmp(name, ".") != 0 &&
	    strcmp(name, "..") != 0 && strchr(name, '/') == NULL &&
	    strcasecmp(name, ".git") != 0;
}

/*
 * A link target that stays inside: relative, with ".." only as leading
 * components and no more of them than the link is deep. A ".." after a
 * name could climb out through another link ("l/.." with l -> ".").
 */
static int
export_target_valid(const char *target, size_t len, int depth)
{
	const char *p = target, *end = target + len, *comp;
	size_t	 clen;
	int	 up = 0, leading = 1;

	if (len == 0 || target[0] == '/' || memchr(target, '\0', len) != NULL)
		return 0;
	while (p < end) {
		comp = p;
		while (p < end && *p != '/')
			p++;
		clen = p - comp;
		if (p < end)
			p++;
		if (clen == 0 || (clen == 1 && comp[0] == '.'))
			continue;
		if (clen == 2 && comp[0] == '.' && comp[1] == '.') {
			if (!leading || ++up > depth)
				return 0;
			continue;
		}
		leading = 0;
	}
	return 1;
}

static int
export_write_all(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static int
export_file(struct export *x, const git_tree_entry *te, int dirfd)
{
	git_blob *blob;
	mode_t	 mode;
	int	 fd, rc = -1, saved = 0;

	mode = git_tree_entry_filemode(te) == GIT_FILEMODE_BLOB_EXECUTABLE ?
	    0755 : 0644;
	if (git_blob_lookup(&blob, x->repo->git, git_tree_entry_id(te)) != 0) {
		set_cause(x->cause, git_cause("cannot export '%s'",
		    buf_str(&x->path)));
		return -1;
	}
	fd = openat(dirfd, git_tree_entry_name(te),
	    O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0600);
	if (fd != -1 && export_write_all(fd, git_blob_rawcontent(blob),
	    (size_t)git_blob_rawsize(blob)) == 0 && fchmod(fd, mode) == 0)
		rc = 0;
	if (rc != 0)
		saved = errno;
	if (fd != -1 && close(fd) != 0 && rc == 0) {
		saved = errno;
		rc = -1;
	}
	git_blob_free(blob);
	return rc == 0 ? 0 : export_fail(x, strerror(saved));
}

static int
export_link(struct export *x, const git_tree_entry *te, int dirfd,
    int depth)
{
	git_blob *blob;
	const char *raw;
	char	*target;
	size_t	 len;
	int	 rc;

	if (git_blob_lookup(&blob, x->repo->git, git_tree_entry_id(te)) != 0) {
		set_cause(x->cause, git_cause("cannot export '%s'",
		    buf_str(&x->path)));
		return -1;
	}
	raw = git_blob_rawcontent(blob);
	len = (size_t)git_blob_rawsize(blob);
	if (!export_target_valid(raw, len, depth)) {
		target = xasprintf("symlink target '%.*s' leaves the tree",
		    (int)len, raw);
		rc = export_fail(x, target);
	} else {
		target = xstrndup(raw, len);
		rc = symlinkat(target, dirfd, git_tree_entry_name(te));
		if (rc != 0)
			export_fail(x, strerror(errno));
	}
	free(target);
	git_blob_free(blob);
	return rc == 0 ? 0 : -1;
}

static int
export_subdir(struct export *x, const git_tree_entry *te, int dirfd,
    int depth)
{
	const char *name = git_tree_entry_name(te);
	git_tree *sub;
	int	 fd, rc;

	if (depth >= EXPORT_MAX_DEPTH)
		return export_fail(x, "too deeply nested");
	if (git_tree_lookup(&sub, x->repo->git, git_tree_entry_id(te)) != 0) {
		set_cause(x->cause, git_cause("cannot export '%s'",
		    buf_str(&x->path)));
		return -1;
	}
	if (mkdirat(dirfd, name, 0700) != 0 || (fd = openat(dirfd, name,
	    O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC)) == -1) {
		git_tree_free(sub);
		return export_fail(x, strerror(errno));
	}
	rc = export_tree(x, sub, fd, depth + 1);
	if (rc == 0 && fchmod(fd, 0755) != 0)
		rc = export_fail(x, strerror(errno));
	close(fd);
	git_tree_free(sub);
	return rc;
}

static int
export_entry(struct export *x, const git_tree_entry *te, int dirfd,
    int depth)
{
	if (!export_name_valid(git_tree_entry_name(te)))
		return export_fail(x, "invalid file name");
	switch (git_tree_entry_filemode(te)) {
	case GIT_FILEMODE_BLOB:
	case GIT_FILEMODE_BLOB_EXECUTABLE:
		return export_file(x, te, dirfd);
	case GIT_FILEMODE_LINK:
		return export_link(x, te, dirfd, depth);
	case GIT_FILEMODE_TREE:
		return export_subdir(x, te, dirfd, depth);
	case GIT_FILEMODE_COMMIT:
		return 0;	/* a submodule: not part of this repository */
	default:
		return export_fail(x, "unknown file mode");
	}
}

static int
export_tree(struct export *x, git_tree *tree, int dirfd, int depth)
{
	const git_tree_entry *te;
	size_t	 i, n = git_tree_entrycount(tree), len = x->path.len;
	int	 rc = 0;

	for (i = 0; rc == 0 && i < n; i++) {
		te = git_tree_entry_byindex(tree, i);
		if (len != 0)
			buf_addc(&x->path, '/');
		buf_adds(&x->path, git_tree_entry_name(te));
		rc = export_entry(x, te, dirfd, depth);
		x->path.len = len;
		x->path.data[len] = '\0';
	}
	return rc;
}

/* Create dir 0700 or take it empty; its descriptor, or -1. */
static int
export_open_dir(const char *dir, char **cause)
{
	int	 fd;

	if (create_check_dir(dir, cause) != 0)
		return -1;
	if (mkdir_p(dir, 0700) != 0 ||
	    (fd = open(dir, O_RDONLY|O_DIRECTORY|O_CLOEXEC)) == -1) {
		set_cause(cause, xasprintf("cannot create '%s': %s", dir,
		    strerror(errno)));
		return -1;
	}
	if (fchmod(fd, 0700) != 0) {
		set_cause(cause, xasprintf("cannot use '%s': %s", dir,
		    strerror(errno)));
		close(fd);
		return -1;
	}
	return fd;
}

int
repo_export_tree(struct repo *r, const char *rev, const char *dir,
    char **cause)
{
	struct export x;
	git_object *obj = NULL, *tree = NULL;
	int	 fd, rc;

	if (revparse_sound(r, rev, &obj, cause) != 0) {
		return -1;
	}
	if (git_object_peel(&tree, obj, GIT_OBJECT_TREE) != 0) {
		set_cause(cause, git_cause("cannot resolve '%s'", rev));
		git_object_free(obj);
		return -1;
	}
	git_object_free(obj);
	if ((fd = export_open_dir(dir, cause)) == -1) {
		git_object_free(tree);
		return -1;
	}
	memset(&x, 0, sizeof x);
	x.repo = r;
	x.cause = cause;
	buf_init(&x.path);
	rc = export_tree(&x, (git_tree *)tree, fd, 0);
	buf_release(&x.path);
	close(fd);
	git_object_free(tree);
	return rc;
}

/* Remotes: fetch, push, and the local refs that follow origin. */

/* What the callbacks of one network operation share. */
struct net {
	const char *url;
	unsigned tried;		/* credential types already offered */
	int	 key;		/* next key file to offer */
	char	*refused;	/* the first reason a push got back */
};

static const char *net_keys[] = { "id_ed25519", "id_ecdsa", "id_rsa", NULL };

static const char *
net_user(const char *from_url)
{
	const struct passwd *pw;
	const char *user;

	if (from_url != NULL && *from_url != '\0')
		return from_url;
	if ((user = getenv("USER")) != NULL && *user != '\0')
		return user;
	if ((pw = getpwuid(getuid())) != NULL)
		return pw->pw_name;
	return "git";
}

/* The next unencrypted key file in ~/.ssh, as an ssh credential. */
static int
net_key_file(struct net *n, git_credential **out, const char *user)
{
	const char *home = getenv("HOME");
	struct stat sb;
	char	*key;
	int	 e;

	while (home != NULL && net_keys[n->key] != NULL) {
		key = xasprintf("%s/.ssh/%s", home, net_keys[n->key++]);
		if (stat(key, &sb) == 0) {
			e = git_credential_ssh_key_new(out, user, NULL, key, NULL);
			free(key);
			return e;
		}
		free(key);
	}
	return 1;
}

/*
 * Offer each kind of credential once, never prompting: a user name, the
 * ssh agent, key files, the platform default. Asking again would loop on
 * a server that keeps saying no.
 */
static int
net_credentials(git_credential **out, const char *url, const char *from_url,
    unsigned int allowed, void *payload)
{
	struct net *n = payload;
	const char *user = net_user(from_url);

	(void)url;
	if ((allowed & GIT_CREDENTIAL_USERNAME) &&
	    !(n->tried & GIT_CREDENTIAL_USERNAME)) {
		n->tried |= GIT_CREDENTIAL_USERNAME;
		return git_credential_username_new(out, user);
	}
	if (allowed & GIT_CREDENTIAL_SSH_KEY) {
		if (!(n->tried & GIT_CREDENTIAL_SSH_KEY)) {
			n->tried |= GIT_CREDENTIAL_SSH_KEY;
			return git_credential_ssh_key_from_agent(out, user);
		}
		if (net_key_file(n, out, user) <= 0)
			return 0;
	}
	if ((allowed & GIT_CREDENTIAL_DEFAULT) &&
	    !(n->tried & GIT_CREDENTIAL_DEFAULT)) {
		n->tried |= GIT_CREDENTIAL_DEFAULT;
		return git_credential_default_new(out);
	}
	git_error_set_str(GIT_ERROR_NET, n->tried != 0 ?
	    "authentication failed (tried the ssh agent, ~/.ssh keys and the "
	    "credentials in the URL)" : "authentication required: put the "
	    "credentials in the URL or use ssh with an agent");
	return GIT_EAUTH;
}

static int
net_push_status(const char *ref, const char *status, void *payload)
{
	struct net *n = payload;

	(void)ref;
	if (status != NULL && n->refused == NULL)
		n->refused = xstrdup(status);
	return 0;
}

static void
net_init(struct net *n, git_remote_callbacks *cb, git_proxy_options *proxy,
    git_remote *remote)
{
	memset(n, 0, sizeof *n);
	n->url = git_remote_url(remote);
	cb->credentials = net_credentials;
	cb->push_update_reference = net_push_status;
	cb->payload = n;
	proxy->type = GIT_PROXY_AUTO;	/* http.proxy and the environment */
}

/* Rewriting a URL by url.<base>.insteadOf or pushInsteadOf, as git does. */
struct rewrite {
	const char *url;
	const char *key;	/* "insteadof" or "pushinsteadof" */
	size_t	 best;		/* the longest prefix matched so far */
	char	*out;
};

static int
rewrite_entry(const git_config_entry *e, void *arg)
{
	struct rewrite *rw = arg;
	const char *dot = strrchr(e->name, '.');
	size_t	 len = strlen(e->value);

	if (strncmp(e->name, "url.", 4) != 0 || dot == NULL ||
	    dot < e->name + 4 || strcasecmp(dot + 1, rw->key) != 0 ||
	    len == 0 || len <= rw->best || strncmp(rw->url, e->value, len) != 0)
		return 0;
	free(rw->out);
	rw->out = xasprintf("%.*s%s", (int)(dot - e->name - 4), e->name + 4,
	    rw->url + len);
	rw->best = len;
	return 0;
}

/* The URL rewritten by the longest matching prefix, or NULL if none. */
static char *
rewrite_url(git_config *cfg, const char *url, const char *key)
{
	struct rewrite rw;

	memset(&rw, 0, sizeof rw);
	rw.url = url;
	rw.key = key;
	git_config_foreach(cfg, rewrite_entry, &rw);
	return rw.out;
}

/* Origin's fetch URL and, when it differs, push URL, both rewritten. */
static int
remote_urls(git_config *cfg, char **url, char **push)
{
	git_buf	 u = GIT_BUF_INIT, p = GIT_BUF_INIT;

	*url = *push = NULL;
	if (git_config_get_string_buf(&u, cfg, "remote." REPO_REMOTE ".url") ||
	    *u.ptr == '\0') {
		git_buf_dispose(&u);
		return -1;
	}
	if ((*url = rewrite_url(cfg, u.ptr, "insteadof")) == NULL)
		*url = xstrdup(u.ptr);
	if (git_config_get_string_buf(&p, cfg,
	    "remote." REPO_REMOTE ".pushurl") == 0 && *p.ptr != '\0') {
		if ((*push = rewrite_url(cfg, p.ptr, "insteadof")) == NULL)
			*push = xstrdup(p.ptr);
	} else
		*push = rewrite_url(cfg, u.ptr, "pushinsteadof");
	git_buf_dispose(&p);
	git_buf_dispose(&u);
	return 0;
}

/*
 * Origin as an in-memory remote with explicit refspecs. git_remote_lookup
 * would read the same configuration, but libgit2 1.5 leaks memory in the
 * regular expression it finds insteadOf entries with.
 */
static int
remote_lookup(struct repo *r, git_remote **remote, char **cause)
{
	git_remote_create_options opts;
	git_config *cfg;
	char	*url, *push;
	int	 e;

	*remote = NULL;
	if (git_repository_config_snapshot(&cfg, r->git) != 0) {
		set_cause(cause, git_cause("cannot read git config"));
		return -1;
	}
	e = remote_urls(cfg, &url, &push);
	git_config_free(cfg);
	if (e != 0) {
		set_cause(cause, xstrdup("remote '" REPO_REMOTE "' has no URL"));
		return -1;
	}
	git_remote_create_options_init(&opts, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	opts.repository = r->git;
	opts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF |
	    GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	e = git_remote_create_with_opts(remote, url, &opts);
	if (e == 0 && push != NULL)
		e = git_remote_set_instance_pushurl(*remote, push);
	if (e != 0) {
		set_cause(cause, git_cause("cannot use remote '%s' ('%s')",
		    REPO_REMOTE, url));
		git_remote_free(*remote);
		*remote = NULL;
	}
	free(push);
	free(url);
	return e == 0 ? 0 : -1;
}

/* The URL a push goes to. */
static const char *
remote_push_url(git_remote *remote)
{
	const char *url = git_remote_pushurl(remote);

	return url != NULL ? url : git_remote_url(remote);
}

/* The id origin advertises for ref, or NULL when it has no such ref. */
static const git_oid *
remote_find(git_remote *remote, const char *ref)
{
	const git_remote_head **heads;
	size_t	 n, i;

	if (git_remote_ls(&heads, &n, remote) != 0)
		return NULL;
	for (i = 0; i < n; i++) {
		if (strcmp(heads[i]->name, ref) == 0)
			return &heads[i]->oid;
	}
	return NULL;
}

/* Whether origin advertises ref at expect ("": absent). */
static int
remote_at(git_remote *remote, const char *ref, const char *expect)
{
	const git_oid *id = remote_find(remote, ref);
	char	 hex[GIT_OID_HEXSZ + 1];

	if (id == NULL)
		return *expect == '\0';
	git_oid_tostr(hex, sizeof hex, id);
	return strcmp(hex, expect) == 0;
}

int
repo_has_remote(struct repo *r)
{
	char	*url = repo_config_get(r, "remote." REPO_REMOTE ".url");
	int	 has = url != NULL && *url != '\0';

	free(url);
	return has;
}

char *
repo_remote_url(struct repo *r)
{
	git_remote *remote;
	char	*url;

	if (!repo_has_remote(r) || remote_lookup(r, &remote, NULL) != 0)
		return NULL;
	url = xstrdup(git_remote_url(remote));
	git_remote_free(remote);
	return url;
}

char *
repo_tracking_ref(const char *branch)
{
	if (strncmp(branch, "refs/heads/", 11) == 0)
		branch += 11;
	return xasprintf("refs/remotes/%s/%s", REPO_REMOTE, branch);
}

/* Set or delete a ref by compare and swap; see repo_ref_set. */
static int
ref_cas(git_repository *g, const char *ref, const char *oid,
    const char *expect, char **cause)
{
	git_reference *cur = NULL;
	git_oid	 id, old;
	int	 e;

	if ((*oid != '\0' && git_oid_fromstr(&id, oid) != 0) ||
	    (expect != NULL && *expect != '\0' &&
	    git_oid_fromstr(&old, expect) != 0)) {
		set_cause(cause, xasprintf("invalid object id for '%s'", ref));
		return -1;
	}
	if (*oid == '\0') {
		if ((e = git_reference_lookup(&cur, g, ref)) == GIT_ENOTFOUND)
			return expect == NULL || *expect == '\0' ? 0 :
			    REPO_TXN_RACE;
		if (e == 0 && expect != NULL && (*expect == '\0' ||
		    git_reference_target(cur) == NULL ||
		    !git_oid_equal(git_reference_target(cur), &old)))
			e = GIT_EMODIFIED;
		else if (e == 0)
			e = git_reference_delete(cur);
	} else if (expect == NULL || *expect == '\0')
		e = git_reference_create(&cur, g, ref, &id, expect == NULL,
		    "offpeak: follow " REPO_REMOTE);
	else
		e = git_reference_create_matching(&cur, g, ref, &id, 1, &old,
		    "offpeak: follow " REPO_REMOTE);
	git_reference_free(cur);
	if (e == GIT_EEXISTS || e == GIT_EMODIFIED || e == GIT_ELOCKED)
		return REPO_TXN_RACE;
	if (e != 0) {
		set_cause(cause, git_cause("cannot move '%s'", ref));
		return -1;
	}
	return 0;
}

int
repo_ref_set(struct repo *r, const char *ref, const char *oid,
    const char *expect, char **cause)
{
	return ref_cas(r->git, ref, oid, expect, cause);
}

/*
 * Origin's plans branch: offpeak.branch, else the one its HEAD names, else
 * (a bare repository made with plain "git init --bare" names a branch
 * nobody pushed) the local HEAD's branch when origin has it.
 */
static char *
fetch_plans_branch(struct repo *r, git_remote *remote, const char *url,
    char **cause)
{
	git_buf	 buf = GIT_BUF_INIT;
	git_reference *head = NULL;
	const char *local = NULL;
	char	*ref = NULL;
	int	 found;

	ref = branch_from_config(r, &found, cause);
	if (found)
		return ref;
	if (git_remote_default_branch(&buf, remote) == 0) {
		ref = xstrdup(buf.ptr);
		git_buf_dispose(&buf);
		if (remote_find(remote, ref) != NULL)
			return ref;
		free(ref);
		ref = NULL;
	}
	if (git_reference_lookup(&head, r->git, "HEAD") == 0 &&
	    git_reference_type(head) == GIT_REFERENCE_SYMBOLIC)
		local = git_reference_symbolic_target(head);
	if (local != NULL && strncmp(local, "refs/heads/", 11) == 0 &&
	    remote_find(remote, local) != NULL)
		ref = xstrdup(local);
	else if (local != NULL && strncmp(local, "refs/heads/", 11) == 0)
		set_cause(cause, xasprintf("cannot tell the plans branch of "
		    "'%s': its HEAD names no branch it has, and it has no "
		    "branch '%s' (the one checked out here); push the plans, "
		    "or name the branch with git config offpeak.branch", url,
		    local + 11));
	else
		set_cause(cause, xasprintf("cannot tell the plans branch of "
		    "'%s': its HEAD names no branch it has; push the plans, "
		    "or name the branch with git config offpeak.branch", url));
	git_reference_free(head);
	return ref;
}

/* The refspecs of a fetch: the plans branch and the state branch. */
static int
fetch_specs(struct repo *r, git_remote *remote, const char *url,
    const char *plans, const char *state, char **specs, size_t *n,
    char **cause)
{
	char	*tracking;
	int	 rc = 0;

	*n = 0;
	if (plans != NULL) {
		if (remote_find(remote, plans) == NULL) {
			set_cause(cause, xasprintf("'%s' has no branch '%s'; "
			    "push the plans first", url, plans +
			    (strncmp(plans, "refs/heads/", 11) == 0 ? 11 : 0)));
			return -1;
		}
		tracking = repo_tracking_ref(plans);
		specs[(*n)++] = xasprintf("+%s:%s", plans, tracking);
		free(tracking);
	}
	if (state == NULL)
		return 0;
	tracking = repo_tracking_ref(state);
	if (remote_find(remote, state) != NULL)
		specs[(*n)++] = xasprintf("+%s:%s", state, tracking);
	else if (ref_cas(r->git, tracking, "", NULL, cause) != 0)
		rc = -1;
	free(tracking);
	return rc;
}

/*
 * Why origin's URL cannot be a repository, for a local path (file://, or
 * no scheme and not ssh's host:path form) that is missing or no directory;
 * NULL when it may be one (libgit2 then tells the rest).
 */
static char *
local_url_problem(const char *url)
{
	const char *path = url, *colon, *slash;
	struct stat sb;

	if (strncmp(url, "file://", 7) == 0)
		path = url + 7;
	else if (strstr(url, "://") != NULL)
		return NULL;
	else if ((colon = strchr(url, ':')) != NULL &&
	    ((slash = strchr(url, '/')) == NULL || slash > colon))
		return NULL;	/* [user@]host:path, ssh */
	if (stat(path, &sb) != 0)
		return xasprintf("origin '%s' is a local path that does not "
		    "exist: %s", url, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return xasprintf("origin '%s' is a local path that is not a "
		    "directory", url);
	return NULL;
}

int
repo_fetch(struct repo *r, char **plans, const char *state, char **cause)
{
	git_fetch_options opts;
	git_remote *remote;
	git_strarray arr;
	struct net n;
	char	*specs[2], *branch = NULL;
	size_t	 nspecs = 0, i;
	int	 rc = -1;

	if (plans != NULL)
		*plans = NULL;
	if (remote_lookup(r, &remote, cause) != 0)
		return -1;
	git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
	net_init(&n, &opts.callbacks, &opts.proxy_opts, remote);
	if ((branch = local_url_problem(n.url)) != NULL) {
		set_cause(cause, branch);
		branch = NULL;
		goto out;
	}
	opts.update_fetchhead = 0;
	opts.prune = GIT_FETCH_NO_PRUNE;
	opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	if (git_remote_connect(remote, GIT_DIRECTION_FETCH, &opts.callbacks,
	    &opts.proxy_opts, NULL) != 0) {
		set_cause(cause, git_cause("cannot fetch from '%s'", n.url));
		goto out;
	}
	if (plans != NULL &&
	    (branch = fetch_plans_branch(r, remote, n.url, cause)) == NULL)
		goto out;
	if (fetch_specs(r, remote, n.url, branch, state, specs, &nspecs,
	    cause) != 0)
		goto out;
	arr.strings = specs;
	arr.count = nspecs;
	if (nspecs != 0 && git_remote_fetch(remote, &arr, &opts,
	    "offpeak: fetch") != 0) {
		set_cause(cause, git_cause("cannot fetch from '%s'", n.url));
		goto out;
	}
	if (plans != NULL)
		*plans = repo_tracking_ref(branch);
	rc = 0;
out:
	for (i = 0; i < nspecs; i++)
		free(specs[i]);
	free(branch);
	git_remote_free(remote);
	return rc;
}

/* The directory of a local remote (file:// or a path), or NULL. */
static char *
local_remote_path(const char *url)
{
	struct stat sb;

	if (strncmp(url, "file://", 7) == 0)
		return xstrdup(url + 7);
	if (strstr(url, "://") == NULL && stat(url, &sb) == 0 &&
	    S_ISDIR(sb.st_mode))
		return xstrdup(url);
	return NULL;
}

/* Write the commits from id back to expect into far's objects as a pack. */
static int
push_local_objects(struct repo *r, git_repository *far, const git_oid *id,
    const char *expect)
{
	git_packbuilder *pb = NULL;
	git_revwalk *walk = NULL;
	git_buf	 dir = GIT_BUF_INIT;
	git_oid	 old;
	char	*pack;
	int	 e;

	e = git_packbuilder_new(&pb, r->git);
	if (e == 0)
		e = git_revwalk_new(&walk, r->git);
	if (e == 0)
		e = git_revwalk_push(walk, id);
	if (e == 0 && *expect != '\0' && git_oid_fromstr(&old, expect) == 0)
		e = git_revwalk_hide(walk, &old);
	if (e == 0)
		e = git_packbuilder_insert_walk(pb, walk);
	if (e == 0 && git_packbuilder_object_count(pb) != 0)
		e = git_repository_item_path(&dir, far,
		    GIT_REPOSITORY_ITEM_OBJECTS);
	if (e == 0 && git_packbuilder_object_count(pb) != 0) {
		pack = xasprintf("%s%spack", dir.ptr,
		    str_endswith(dir.ptr, "/") ? "" : "/");
		e = git_packbuilder_write(pb, pack, 0, NULL, NULL);
		free(pack);
	}
	git_buf_dispose(&dir);
	git_revwalk_free(walk);
	git_packbuilder_free(pb);
	return e;
}

/*
 * A remote on this machine is updated directly: libgit2's local transport
 * would move the ref without comparing it to what we expect.
 */
static int
push_local(struct repo *r, const char *path, const char *url,
    const char *ref, const git_oid *id, const char *expect, char **cause)
{
	git_repository *far;
	git_reference *cur = NULL;
	char	 hex[GIT_OID_HEXSZ + 1] = "";
	int	 rc;

	if (git_repository_open_ext(&far, path, GIT_REPOSITORY_OPEN_NO_SEARCH,
	    NULL) != 0) {
		set_cause(cause, git_cause("cannot push to '%s'", url));
		return -1;
	}
	if (git_reference_lookup(&cur, far, ref) == 0 &&
	    git_reference_target(cur) != NULL)
		git_oid_tostr(hex, sizeof hex, git_reference_target(cur));
	git_reference_free(cur);
	if (strcmp(hex, expect) != 0)
		rc = REPO_TXN_RACE;
	else if (push_local_objects(r, far, id, expect) != 0) {
		set_cause(cause, git_cause("cannot push to '%s'", url));
		rc = -1;
	} else {
		git_oid_tostr(hex, sizeof hex, id);
		rc = ref_cas(far, ref, hex, expect, cause);
	}
	git_repository_free(far);
	return rc;
}

/* Push over a transport: origin compares the old id as it takes the ref. */
static int
push_smart(git_remote *remote, const char *ref, const char *expect,
    char **cause)
{
	git_push_options opts;
	git_strarray arr;
	struct net n;
	char	*spec;
	int	 e, rc = -1;

	git_push_options_init(&opts, GIT_PUSH_OPTIONS_VERSION);
	net_init(&n, &opts.callbacks, &opts.proxy_opts, remote);
	n.url = remote_push_url(remote);
	/*
	 * libgit2 1.5 leaks the stream of a git:// receive-pack connection
	 * that fails; an upload-pack connection first finds a server that is
	 * down without it.
	 */
	if (strncmp(n.url, "git://", 6) == 0 &&
	    git_remote_pushurl(remote) == NULL) {
		if (git_remote_connect(remote, GIT_DIRECTION_FETCH,
		    &opts.callbacks, &opts.proxy_opts, NULL) != 0) {
			set_cause(cause, git_cause("cannot push to '%s'",
			    n.url));
			return -1;
		}
		git_remote_disconnect(remote);
	}
	if (git_remote_connect(remote, GIT_DIRECTION_PUSH, &opts.callbacks,
	    &opts.proxy_opts, NULL) != 0) {
		set_cause(cause, git_cause("cannot push to '%s'", n.url));
		return -1;
	}
	if (!remote_at(remote, ref, expect))
		return REPO_TXN_RACE;
	spec = xasprintf("%s:%s", ref, ref);	/* no '+': never forced */
	arr.strings = &spec;
	arr.count = 1;
	if ((e = git_remote_upload(remote, &arr, &opts)) == GIT_ENONFASTFORWARD)
		rc = REPO_TXN_RACE;
	else if (e != 0)
		set_cause(cause, git_cause("cannot push to '%s'", n.url));
	else if (n.refused != NULL) {
		set_cause(cause, xasprintf("'%s' refused the update of '%s': %s",
		    n.url, ref, n.refused));
		rc = REPO_PUSH_REFUSED;
	} else
		rc = 0;
	free(n.refused);
	free(spec);
	return rc;
}

int
repo_push(struct repo *r, const char *ref, const char *expect, char **cause)
{
	git_remote *remote;
	git_oid	 id;
	char	 oid[GIT_OID_HEXSZ + 1], *path, *tracking;
	int	 rc;

	if ((rc = repo_ref_commit(r, ref, oid, cause)) != 0) {
		if (rc == 1)
			set_cause(cause, xasprintf("no branch '%s' to push", ref));
		return -1;
	}
	if (remote_lookup(r, &remote, cause) != 0)
		return -1;
	git_oid_fromstr(&id, oid);
	if ((path = local_url_problem(remote_push_url(remote))) != NULL) {
		set_cause(cause, path);
		git_remote_free(remote);
		return -1;
	}
	if ((path = local_remote_path(remote_push_url(remote))) != NULL)
		rc = push_local(r, path, remote_push_url(remote), ref, &id,
		    expect, cause);
	else
		rc = push_smart(remote, ref, expect, cause);
	free(path);
	git_remote_free(remote);
	if (rc == 0) {
		/* the next fetch corrects a remote-tracking ref left behind */
		tracking = repo_tracking_ref(ref);
		ref_cas(r->git, tracking, oid, NULL, NULL);
		free(tracking);
	}
	return rc;
}
