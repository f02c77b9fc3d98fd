/* hookrun: run one hook as a child process, with a timeout and its output */
#ifndef OFFPEAK_HOOKRUN_H
#define OFFPEAK_HOOKRUN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define HOOKRUN_GRACE_MS	10000	/* from SIGTERM to SIGKILL */
#define HOOKRUN_TAIL_MAX	4096	/* bytes of output kept as the tail */
#define HOOKRUN_LINE_MAX	4096	/* longer lines arrive in chunks */

/*
 * Called for every line of output (stdout and stderr together), without
 * its newline and NUL-terminated; a line longer than line_max arrives in
 * chunks cut between UTF-8 characters, a last line without a newline at
 * the end. The bytes are as the hook wrote them.
 */
typedef void (*hookrun_line_fn)(const char *line, size_t len, void *arg);

/* What to run and how; zero members take the defaults above. */
struct hookrun_opts {
	const char	*root;		/* the hook's cwd; argv[0] is relative to it */
	char *const	*argv;		/* NULL-terminated, run as is (no shell) */
	char *const	*env;		/* "K=V" added to the base, may be NULL */
	int64_t		 timeout_ms;	/* then SIGTERM to the group; 0: none */
	int64_t		 grace_ms;	/* then SIGKILL to the group */
	const char	*log;		/* output appended here (0600); may be NULL */
	size_t		 tail_max;
	size_t		 line_max;
	hookrun_line_fn	 line;		/* may be NULL */
	void		*arg;
	/* Set (e.g. from a SIGINT handler) to end the hook as on timeout. */
	const volatile sig_atomic_t *stop;
	/*
	 * A descriptor the hook inherits as fd 4 (e.g. a lock its process
	 * group must hold for as long as any of it lives); -1 or 0: none.
	 */
	int		 keep_fd;
	/*
	 * Called about every tick (100 ms) while the hook runs, before *stop
	 * is looked at: it may set it (an abort asked from elsewhere).
	 */
	void		(*tick)(void *);
	void		*tick_arg;
};

/* What happened; the caller releases it with hookrun_result_release. */
struct hookrun_result {
	int64_t	 started;	/* wall clock, seconds since the epoch */
	int64_t	 ended;
	int64_t	 elapsed_ms;	/* monotonic */
	int	 exited;	/* status is valid */
	int	 status;	/* exit status; 127/126 when it could not run */
	int	 signal;	/* the signal that ended it, or 0 */
	int	 timed_out;	/* the timeout expired: the group got SIGTERM */
	int	 stopped;	/* *stop was set: the group got SIGTERM */
	int	 killed;	/* the group got SIGKILL */
	int	 lingered;	/* processes it left behind got the SIGKILL */
	int	 not_run;	/* errno that kept it from running, or 0 */
	int	 log_errno;	/* first error writing the log, or 0 */
	uint64_t bytes;		/* output bytes in all */
	char	*tail;		/* last tail_max bytes of output, valid UTF-8 */
};

/*
 * Run the hook argv with cwd root, by execve of root/argv[0] (which must be
 * relative and contain no ".." component). The environment is PATH, HOME,
 * LANG=C.UTF-8, TZ and TMPDIR (the last three when set here), then env,
 * whose entries replace base ones of the same name; stdin is /dev/null,
 * stdout and stderr one pipe. The hook leads its own process group. At the
 * timeout (or when *stop is set) the group gets SIGTERM and, grace_ms
 * later, SIGKILL if any of it is left. When the hook exits by itself but
 * processes it left behind still hold the output open grace_ms later, the
 * group gets SIGKILL too; those that closed the output (daemons) are left
 * alone then.
 *
 * Returns 0 when the hook ran, whatever its outcome, or -1 with *cause
 * when it could not be run: invalid argv, the log cannot be opened, or
 * exec failed ("hook 'hooks/x' cannot be run: No such file or
 * directory"; not_run is the errno, status 127 for ENOENT, else 126).
 * *res is filled in either case.
 */
int	 hookrun_run(const struct hookrun_opts *, struct hookrun_result *,
	     char **cause);
void	 hookrun_result_release(struct hookrun_result *);

/* Did the hook run, exit 0 and finish in time? */
int	 hookrun_succeeded(const struct hookrun_result *);

/*
 * The outcome in words, allocated: "exit status 3", "killed by signal 9
 * (KILL) after the timeout", "could not be run: Permission denied".
 */
char	*hookrun_describe(const struct hookrun_result *);

#endif
