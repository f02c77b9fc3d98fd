/* repo-export: a tree written out into a directory (libgit2) */
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
		set_cause(x->cause, repo_git_cause("cannot export '%s'",
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
		set_cause(x->cause, repo_git_cause("cannot export '%s'",
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
		set_cause(x->cause, repo_git_cause("cannot export '%s'",
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

	if (repo_dir_empty(dir, cause) != 0)
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

	if (repo_revparse(r, rev, &obj, cause) != 0) {
		return -1;
	}
	if (git_object_peel(&tree, obj, GIT_OBJECT_TREE) != 0) {
		set_cause(cause, repo_git_cause("cannot resolve '%s'", rev));
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

