/* fsutil: removing and creating directory trees, durable file writes */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "util.h"

/* Deeper trees than this are refused rather than exhausting descriptors. */
#define RMTREE_MAX_DEPTH	512

static int	rmtree_at(int, const char *, int);

/* Open a directory below dirfd for removal, giving ourselves rwx on it. */
static int
rmtree_open(int dirfd, const char *name)
{
	struct stat sb;
	int	 fd;

	fd = openat(dirfd, name, O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC);
	if (fd == -1 && errno == EACCES &&
	    fchmodat(dirfd, name, S_IRWXU, 0) == 0)
		fd = openat(dirfd, name,
		    O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (fstat(fd, &sb) == 0 && (sb.st_mode & S_IRWXU) != S_IRWXU)
		fchmod(fd, (sb.st_mode & 07777) | S_IRWXU);
	return fd;
}

/* Remove every entry of the open directory fd (which it closes). */
static int
rmtree_entries(int fd, int depth)
{
	struct dirent *de;
	DIR	*d;
	int	 saved = 0;

	if ((d = fdopendir(fd)) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (rmtree_at(dirfd(d), de->d_name, depth + 1) != 0 &&
		    saved == 0)
			saved = errno;
	}
	closedir(d);
	errno = saved;
	return saved != 0 ? -1 : 0;
}

static int
rmtree_at(int dirfd, const char *name, int depth)
{
	int	 fd;

	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	/* Linux says EISDIR for a directory, POSIX EPERM. */
	if (errno != EISDIR && errno != EPERM)
		return -1;
	if (depth >= RMTREE_MAX_DEPTH) {
		errno = ELOOP;
		return -1;
	}
	if ((fd = rmtree_open(dirfd, name)) == -1)
		return errno == ENOENT ? 0 : -1;
	if (rmtree_entries(fd, depth) != 0)
		return -1;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
		return -1;
	return 0;
}

int
rmtree(const char *path)
{
	if (path == NULL || *path == '\0') {
		errno = EINVAL;
		return -1;
	}
	return rmtree_at(AT_FDCWD, path, 0);
}

/* Create one directory; an existing directory is fine. */
static int
mkdir_one(const char *path, mode_t mode)
{
	struct stat sb;

	if (mkdir(path, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	if (stat(path, &sb) != 0)
		return -1;
	if (!S_ISDIR(sb.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

int
mkdir_p(const char *path, mode_t mode)
{
	char	*copy, *p;
	size_t	 len;
	int	 r = 0, saved;

	if (path == NULL || *path == '\0') {
		errno = ENOENT;
		return -1;
	}
	copy = xstrdup(path);
	len = strlen(copy);
	while (len > 1 && copy[len - 1] == '/')
		copy[--len] = '\0';
	for (p = copy + 1; r == 0 && (p = strchr(p, '/')) != NULL; p++) {
		if (p[-1] == '/')
			continue;
		*p = '\0';
		r = mkdir_one(copy, 0777);
		*p = '/';
	}
	if (r == 0)
		r = mkdir_one(copy, mode);
	saved = errno;
	free(copy);
	errno = saved;
	return r;
}

int
fs_sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char	*dir;
	int	 fd, rc, saved;

	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, slash - path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd == -1)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char	*tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int	 fd, saved;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (fd == -1) {
		free(tmp);
		return -1;
	}
	if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 ||
	    fsync(fd) != 0) {
		saved = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		saved = errno;
		goto fail;
	}
	free(tmp);
	return fs_sync_parent(path);
fail:
	unlink(tmp);
	free(tmp);
	errno = saved;
	return -1;
}

/* --- a set of files, durably */


/* Is the file at path exactly data? */
static int
same_file(const char *path, const char *data, size_t len)
{
	struct stat sb;
	char	 chunk[65536];
	size_t	 off = 0;
	ssize_t	 got;
	int	 fd, same = 0;

	if ((fd = open(path, O_RDONLY)) == -1)
		return 0;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (size_t)sb.st_size == len) {
		same = 1;
		while (same && (got = read(fd, chunk, sizeof chunk)) > 0) {
			if (off + (size_t)got > len ||
			    memcmp(chunk, data + off, (size_t)got) != 0)
				same = 0;
			off += (size_t)got;
		}
		same = same && off == len;
	}
	close(fd);
	return same;
}

/* A feed written beside its place, to be renamed over it. */
struct pending {
	char	*tmp;
	char	*path;
};

/* Write data to a new temporary file beside path (not yet synced). */
static int
write_temp(const char *path, const char *data, size_t len, mode_t mode,
    struct pending *p, char **cause)
{
	const char *slash = strrchr(path, '/');
	int	 fd, saved;

	p->path = xstrdup(path);
	p->tmp = slash != NULL ? xasprintf("%.*s/.%s.XXXXXX",
	    (int)(slash - path), path, slash + 1) : xasprintf(".%s.XXXXXX", path);
	if ((fd = mkstemp(p->tmp)) == -1) {
		*cause = xasprintf("cannot create a file beside '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	if (write_all(fd, data, len) == 0 && fchmod(fd, mode) == 0 &&
	    close(fd) == 0)
		return 0;
	saved = errno;
	close(fd);
	*cause = xasprintf("cannot write '%s': %s", p->tmp, strerror(saved));
	return -1;
}

static int
fsync_path(const char *path, char **cause)
{
	int	 fd, rc;

	if ((fd = open(path, O_RDONLY)) == -1)
		rc = -1;
	else {
		rc = fsync(fd);
		close(fd);
	}
	if (rc != 0)
		*cause = xasprintf("cannot sync '%s': %s", path, strerror(errno));
	return rc;
}

/* fsync a directory, or (whole) syncfs() the file system it is on. */
static int
sync_dir(const char *path, int whole, char **cause)
{
	int	 fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY)) != -1)
#ifdef __linux__
		rc = whole ? syncfs(fd) : fsync(fd);
#else
		rc = fsync(fd);
#endif
	if (rc != 0)
		*cause = xasprintf("cannot sync %s'%s': %s", whole ? "" :
		    "directory ", path, strerror(errno));
	if (fd != -1)
		close(fd);
	return rc;
}

/*
 * Make the temporary files durable before any is renamed, so that no
 * crash leaves a feed empty: one by one when they are few, else with one
 * syncfs() of the whole file system, which costs far less than thousands.
 */
static int
sync_pending(const char *dir, const struct pending *v, size_t n, char **cause)
{
	size_t	 i;

#ifdef __linux__
	if (n > 16)
		return sync_dir(dir, 1, cause);
#endif
	(void)dir;
	for (i = 0; i < n; i++) {
		if (fsync_path(v[i].tmp, cause) != 0)
			return -1;
	}
	return 0;
}

/* Rename what is written and synced; remove every temporary file left. */
static int
commit_pending(struct pending *v, size_t n, int ok, char **cause)
{
	size_t	 i;
	int	 rc = ok ? 0 : -1;

	for (i = 0; i < n; i++) {
		if (rc == 0 && rename(v[i].tmp, v[i].path) != 0) {
			*cause = xasprintf("cannot rename '%s' to '%s': %s",
			    v[i].tmp, v[i].path, strerror(errno));
			rc = -1;
		}
		if (rc != 0)
			unlink(v[i].tmp);
		free(v[i].tmp);
		free(v[i].path);
	}
	free(v);
	return rc;
}


static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Remove the files in dir/sub ending in suffix whose path is not in set. */
static int
prune(const char *dir, const char *sub, const char *suffix,
    const char **set, size_t n, size_t *changed, char **cause)
{
	char	*path = xasprintf("%s/%s", dir, sub), *rel, *full;
	struct dirent *de;
	DIR	*d;
	int	 rc = 0;

	if ((d = opendir(path)) == NULL) {
		free(path);
		return 0;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !str_endswith(de->d_name, suffix))
			continue;
		rel = xasprintf("%s/%s", sub, de->d_name);
		if (n == 0 || bsearch(&rel, set, n, sizeof *set, cmp_str) == NULL) {
			full = xasprintf("%s/%s", dir, rel);
			if (unlink(full) == 0)
				(*changed)++;
			else if (errno != ENOENT) {
				*cause = xasprintf("cannot remove '%s': %s",
				    full, strerror(errno));
				rc = -1;
			}
			free(full);
		}
		free(rel);
	}
	closedir(d);
	free(path);
	return rc;
}

/* Add d (allocated) to the directories unless it is there; d is taken. */
static void
dir_add(char **v, size_t *k, char *d)
{
	size_t	 j;

	for (j = 0; j < *k && strcmp(v[j], d) != 0; j++)
		;
	if (j == *k)
		v[(*k)++] = d;
	else
		free(d);
}

/*
 * The directories of a set, relative to its directory ("" for itself),
 * each once: those the files are in and those to prune.
 */
static char **
set_dirs(const struct fs_file *files, size_t n, const char *const *prune)
{
	size_t	 i, k = 0, np = 0;
	char	**v, *d, *slash;

	while (prune != NULL && prune[np] != NULL)
		np++;
	v = xcalloc(n + np + 2, sizeof *v);
	dir_add(v, &k, xstrdup(""));
	for (i = 0; i < n; i++) {
		d = xstrdup(files[i].path);
		if ((slash = strrchr(d, '/')) != NULL)
			*slash = '\0';
		else
			*d = '\0';
		dir_add(v, &k, d);
	}
	for (i = 0; i < np; i++)
		dir_add(v, &k, xstrdup(prune[i]));
	return v;
}

/* dir/rel, or dir itself for "" (allocated). */
static char *
in_dir(const char *dir, const char *rel)
{
	return *rel != '\0' ? xasprintf("%s/%s", dir, rel) : xstrdup(dir);
}

int
fs_write_set(const char *dir, const struct fs_file *files, size_t n,
    const char *const *prune_dirs, const char *suffix, mode_t mode,
    size_t *changed, char **cause)
{
	struct pending *v;
	const char **set;
	char	*path, **dirs;
	size_t	 i, npend = 0;
	int	 rc = 0;

	*changed = 0;
	dirs = set_dirs(files, n, prune_dirs);
	for (i = 0; rc == 0 && dirs[i] != NULL; i++) {
		path = in_dir(dir, dirs[i]);
		if (mkdir_p(path, 0755) != 0) {
			*cause = xasprintf("cannot create directory '%s': %s",
			    path, strerror(errno));
			rc = -1;
		}
		free(path);
	}
	v = xcalloc(n + 1, sizeof *v);
	for (i = 0; rc == 0 && i < n; i++) {
		if (files[i].data == NULL)
			continue;	/* known to be there as it should be */
		path = in_dir(dir, files[i].path);
		if (!same_file(path, files[i].data, files[i].len))
			rc = write_temp(path, files[i].data, files[i].len, mode,
			    &v[npend++], cause);
		free(path);
	}
	if (rc == 0)
		rc = sync_pending(dir, v, npend, cause);
	rc = commit_pending(v, npend, rc == 0, cause);
	*changed = npend;
	set = xcalloc(n + 1, sizeof *set);
	for (i = 0; i < n; i++)
		set[i] = files[i].path;
	array_sort(set, n, sizeof *set, cmp_str);
	for (i = 0; prune_dirs != NULL && rc == 0 && prune_dirs[i] != NULL; i++)
		rc = prune(dir, prune_dirs[i], suffix, set, n, changed, cause);
	free(set);
	/* every directory once: the renames and removals in it are durable */
	for (i = 0; rc == 0 && *changed > 0 && dirs[i] != NULL; i++) {
		path = in_dir(dir, dirs[i]);
		rc = sync_dir(path, 0, cause);
		free(path);
	}
	strv_free(dirs);
	return rc;
}

int
fs_read_file(const char *path, size_t max, char **data, size_t *len,
    char **cause)
{
	struct stat sb;
	struct buf b = BUF_INIT;
	char	 chunk[65536];
	ssize_t	 got;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		*cause = xasprintf("cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		*cause = xasprintf("'%s' is not a regular file", path);
		return -1;
	}
	buf_init(&b);
	while ((got = read(fd, chunk, sizeof chunk)) > 0 && b.len <= max)
		buf_add(&b, chunk, (size_t)got);
	close(fd);
	if (got < 0 || b.len > max) {
		*cause = got < 0 ? xasprintf("cannot read '%s': %s", path,
		    strerror(errno)) : xasprintf("'%s' is larger than %zu bytes",
		    path, max);
		buf_release(&b);
		return -1;
	}
	*data = buf_detach(&b, len);
	return 0;
}

int
fs_write_file(const char *path, const void *data, size_t len, mode_t mode,
    char **cause)
{
	int	 fd, saved;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) == -1) {
		*cause = xasprintf("cannot create '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	if (write_all(fd, data, len) == 0 && close(fd) == 0)
		return 0;
	saved = errno;
	close(fd);
	*cause = xasprintf("cannot write '%s': %s", path, strerror(saved));
	return -1;
}
