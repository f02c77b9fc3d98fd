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
