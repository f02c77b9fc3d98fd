/*
 * runlock: who owns a run — a lock file that the run and every process it
 * starts hold, so that a run's ownership lasts exactly as long as the run
 * and all its hooks, whoever of them outlives the others
 */
#ifndef OFFPEAK_RUNLOCK_H
#define OFFPEAK_RUNLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The lock is an flock(2) on a file beside the repository's git data. The
 * run takes it before its lock commit and every hook inherits the open
 * descriptor (as fd 4: hookrun's keep_fd), so the lock is held while any
 * process of the run lives: kill -9 of offpeak leaves it held by the
 * hooks it started, until the last of them ends.
 */

/*
 * Take the lock of a new run at path (its directory is created): 0 with
 * *fd (close-on-exec), or -1 with *cause.
 */
int	 runlock_take(const char *path, int *fd, char **cause);

/* Is the lock at path held by a live process? 1 or 0 (also when missing). */
int	 runlock_held(const char *path);

/* A process holding a lock. */
struct runlock_holder {
	pid_t	 pid;
	pid_t	 pgid;
	char	*what;		/* "1234 (sh hooks/step nginx)" */
};

/*
 * The processes that hold the lock at path (those with it open), as
 * found in /proc: *v (allocated) and *n. Returns 0, or -1 when /proc
 * cannot be read.
 */
int	 runlock_holders(const char *path, struct runlock_holder **v, size_t *n);
void	 runlock_holders_free(struct runlock_holder *, size_t);

/*
 * Take the lock of an interrupted run, waiting up to timeout_ms for the
 * processes of the old run to end: 0 with *fd, 1 when it is still held
 * then, -1 with *cause.
 */
int	 runlock_wait(const char *path, int64_t timeout_ms, int *fd,
	     char **cause);

/*
 * End the processes that hold the lock: SIGTERM to each one's process
 * group, SIGKILL to those left after grace_ms. *killed (a NULL-terminated
 * vector, allocated) names them. 0 when the lock is free afterwards
 * (within 5 s of the SIGKILL), -1 when not.
 */
int	 runlock_kill(const char *path, int64_t grace_ms, char ***killed);

/* Let go of the lock; with remove, delete the file (the run has ended). */
void	 runlock_release(const char *path, int fd, int remove);

/*
 * The start time of process pid (clock ticks since boot, from /proc), or
 * -1 when it does not exist: with its pid it names one process, not
 * whichever reuses the number later.
 */
long long runlock_pid_start(pid_t pid);

#endif
