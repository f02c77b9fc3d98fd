/*
 * runlock: who owns a run — a lock file that the run and every process it
 * starts hold, so that a run's ownership lasts exactly as long as the run
 * and all its hooks, whoever of them outlives the others
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "runlock.h"
#include "util.h"

#define RUNLOCK_POLL_MS	50

static int
open_lock(const char *path, int create)
{
	return open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
}

int
runlock_take(const char *path, int *fd, char **cause)
{
	char	*dir = xstrdup(path), *slash = strrchr(dir, '/');

	if (slash != NULL) {
		*slash = '\0';
		(void)mkdir_p(dir, 0700);
	}
	free(dir);
	if ((*fd = open_lock(path, 1)) == -1) {
		*cause = xasprintf("cannot create the run lock '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		*cause = xasprintf("the run lock '%s' is held by another "
		    "process", path);
		close(*fd);
		*fd = -1;
		return -1;
	}
	return 0;
}

int
runlock_held(const char *path)
{
	int	 fd, held;

	if ((fd = open_lock(path, 0)) == -1)
		return 0;
	held = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	close(fd);	/* a lock taken to probe goes with the descriptor */
	return held;
}

/* "1234 (sh hooks/step nginx)": the process and its command line. */
static char *
describe(pid_t pid)
{
	char	 path[64], buf[512];
	ssize_t	 n, i;
	int	 fd;
	char	*q, *s;

	snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
	n = -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
	}
	if (n <= 0)
		return xasprintf("%ld", (long)pid);
	for (i = 0; i < n; i++) {
		if (buf[i] == '\0')
			buf[i] = ' ';
	}
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	q = str_quote(buf, 80);
	s = xasprintf("%ld (%s)", (long)pid, q);
	free(q);
	return s;
}

/* Does process pid have the file (dev, ino) open? */
static int
has_open(const char *pid, dev_t dev, ino_t ino)
{
	struct dirent *de;
	struct stat sb;
	char	*dir = xasprintf("/proc/%s/fd", pid), *p;
	DIR	*d;
	int	 found = 0;

	if ((d = opendir(dir)) == NULL) {
		free(dir);
		return 0;
	}
	while (!found && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		found = stat(p, &sb) == 0 && sb.st_dev == dev && sb.st_ino == ino;
		free(p);
	}
	closedir(d);
	free(dir);
	return found;
}

int
runlock_holders(const char *path, struct runlock_holder **v, size_t *n)
{
	struct dirent *de;
	struct stat sb;
	DIR	*d;
	pid_t	 pid, self = getpid();

	*v = NULL;
	*n = 0;
	if (stat(path, &sb) != 0)
		return 0;
	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid = (pid_t)atol(de->d_name);
		if (pid == self || !has_open(de->d_name, sb.st_dev, sb.st_ino))
			continue;
		*v = xreallocarray(*v, *n + 1, sizeof **v);
		(*v)[*n].pid = pid;
		(*v)[*n].pgid = getpgid(pid);
		(*v)[(*n)++].what = describe(pid);
	}
	closedir(d);
	return 0;
}

void
runlock_holders_free(struct runlock_holder *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i].what);
	free(v);
}

int
runlock_wait(const char *path, int64_t timeout_ms, int *fd, char **cause)
{
	int64_t	 deadline = mono_ms() + timeout_ms;

	if ((*fd = open_lock(path, 1)) == -1) {
		*cause = xasprintf("cannot open the run lock '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	for (;;) {
		if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			*cause = xasprintf("cannot lock '%s': %s", path,
			    strerror(errno));
			break;
		}
		if (mono_ms() >= deadline) {
			close(*fd);
			*fd = -1;
			return 1;
		}
		poll(NULL, 0, RUNLOCK_POLL_MS);
	}
	close(*fd);
	*fd = -1;
	return -1;
}

/* Signal the process group of every holder (or the holder alone). */
static void
signal_holders(const struct runlock_holder *v, size_t n, int sig)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (v[i].pgid > 1 && v[i].pgid != getpgrp())
			kill(-v[i].pgid, sig);
		else
			kill(v[i].pid, sig);
	}
}

/* Wait up to ms for the lock to be free. */
static int
free_within(const char *path, int64_t ms)
{
	int64_t	 deadline = mono_ms() + ms;

	while (runlock_held(path)) {
		if (mono_ms() >= deadline)
			return 0;
		poll(NULL, 0, RUNLOCK_POLL_MS);
	}
	return 1;
}

int
runlock_kill(const char *path, int64_t grace_ms, char ***killed)
{
	struct runlock_holder *v;
	size_t	 n, i;

	*killed = xcalloc(1, sizeof **killed);
	if (runlock_holders(path, &v, &n) != 0)
		return -1;
	*killed = xreallocarray(*killed, n + 1, sizeof **killed);
	for (i = 0; i < n; i++)
		(*killed)[i] = xstrdup(v[i].what);
	(*killed)[n] = NULL;
	signal_holders(v, n, SIGTERM);
	runlock_holders_free(v, n);
	if (free_within(path, grace_ms))
		return 0;
	if (runlock_holders(path, &v, &n) != 0)
		return -1;
	signal_holders(v, n, SIGKILL);
	runlock_holders_free(v, n);
	return free_within(path, 5000) ? 0 : -1;
}

void
runlock_release(const char *path, int fd, int remove)
{
	if (remove && path != NULL)
		(void)unlink(path);
	if (fd != -1)
		close(fd);
}

long long
runlock_pid_start(pid_t pid)
{
	char	 path[64], data[1024];
	const char *p;
	ssize_t	 n;
	long long start = -1;
	int	 fd, field;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if (pid <= 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, data, sizeof data - 1);
	close(fd);
	if (n <= 0)
		return -1;
	data[n] = '\0';
	/* "pid (comm) state ppid ...": starttime is field 22 */
	if ((p = strrchr(data, ')')) == NULL)
		return -1;
	for (field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p != NULL)
		start = strtoll(p + 1, NULL, 10);
	return start;
}
