/* hookrun: run one hook as a child process, with a timeout and its output */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hookrun.h"
#include "util.h"

/*
 * There is no SIGCHLD handler: while the hook lives, the loop looks for
 * its exit every TICK ms, more often just after its output has closed
 * (it is usually about to exit). After SIGKILL, output still open after ABANDON_MS comes
 * from processes that escaped the group; it is no longer read.
 */
#define HOOKRUN_TICK_MS		100
#define HOOKRUN_EXIT_TICK_MS	10
#define HOOKRUN_EXIT_TICKS_FOR	500
#define HOOKRUN_ABANDON_MS	2000
#define HOOKRUN_READ		16384
#define HOOKRUN_MAX_FD		65536

static const char *const hookrun_base_env[] = { "TZ", "TMPDIR" };

/* Why the child could not exec, sent back through a close-on-exec pipe. */
enum child_stage { CHILD_SETPGID, CHILD_FDS, CHILD_CHDIR, CHILD_EXEC };
struct child_error {
	int	 stage;
	int	 error;
};

/* Everything the child needs, prepared before fork: it never allocates. */
struct spawn {
	const char	*root;
	char *const	*argv;
	char		**envp;
	int		 devnull;
	int		 outw;
	int		 errw;
	int		 keep;		/* becomes fd 4; -1: none */
	int		 maxfd;
};

/* The parent's side of one run. */
struct run {
	const struct hookrun_opts *o;
	struct hookrun_result *res;
	pid_t		 pid;
	int		 out;		/* read end of the output; -1 at EOF */
	int		 log;		/* -1: none */
	int		 reaped;
	int		 termed;
	int64_t		 t0;		/* monotonic ms */
	int64_t		 deadline;	/* SIGTERM at; -1: none */
	int64_t		 kill_at;	/* SIGKILL at; -1: not yet due */
	int64_t		 abandon_at;	/* stop reading at; -1: not yet */
	int64_t		 eof_at;	/* when the output closed */
	size_t		 tail_max;
	size_t		 line_max;
	struct buf	 line;
	struct buf	 tail;
};

/* Add "name=value" to env unless a caller's entry sets name. */
static void
env_add(char ***env, size_t *n, char *const *extra, const char *name,
    const char *value)
{
	size_t	 i, len = strlen(name);

	if (value == NULL)
		return;
	for (i = 0; extra != NULL && extra[i] != NULL; i++) {
		if (strncmp(extra[i], name, len) == 0 && extra[i][len] == '=')
			return;
	}
	*env = xreallocarray(*env, *n + 2, sizeof **env);
	(*env)[(*n)++] = xasprintf("%s=%s", name, value);
	(*env)[*n] = NULL;
}

/* The hook's environment: the base, then the caller's entries. */
static char **
env_build(char *const *extra)
{
	char	**env = xcalloc(1, sizeof *env);
	size_t	 n = 0, i;

	env_add(&env, &n, extra, "PATH", "/usr/local/bin:/usr/bin:/bin");
	env_add(&env, &n, extra, "HOME", getenv("HOME"));
	env_add(&env, &n, extra, "LANG", "C.UTF-8");
	for (i = 0; i < nitems(hookrun_base_env); i++)
		env_add(&env, &n, extra, hookrun_base_env[i],
		    getenv(hookrun_base_env[i]));
	for (i = 0; extra != NULL && extra[i] != NULL; i++) {
		env = xreallocarray(env, n + 2, sizeof *env);
		env[n++] = xstrdup(extra[i]);
		env[n] = NULL;
	}
	return env;
}

static int
env_valid(char *const *env, char **cause)
{
	size_t	 i;

	for (i = 0; env != NULL && env[i] != NULL; i++) {
		if (env[i][0] == '=' || strchr(env[i], '=') == NULL) {
			set_cause(cause, xasprintf("invalid environment "
			    "entry '%s'", env[i]));
			return -1;
		}
	}
	return 0;
}

/* The child. */

static void __attribute__((noreturn))
child_fail(int fd, int stage)
{
	struct child_error ce;
	ssize_t	 n;

	ce.stage = stage;
	ce.error = errno;
	do
		n = write(fd, &ce, sizeof ce);
	while (n == -1 && errno == EINTR);
	_exit(stage == CHILD_EXEC && ce.error == ENOENT ? 127 : 126);
}

/* Close every descriptor from lo up; only async-signal-safe calls. */
static void
child_close_from(int lo, int maxfd)
{
	int	 fd;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lo, ~0U, 0) == 0)
		return;
#endif
	for (fd = lo; fd < maxfd; fd++)
		close(fd);
}

/* Signals ignored or blocked here would stay so in the hook. */
static void
child_reset_signals(void)
{
	struct sigaction sa;
	sigset_t set;
	int	 sig;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++) {
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	}
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
}

static void __attribute__((noreturn))
child_exec(const struct spawn *sp)
{
	int	 efd = sp->errw, keep = -1;

	if (setpgid(0, 0) != 0)
		child_fail(efd, CHILD_SETPGID);
	/* out of the way of 0 to 4 before they are set */
	if (sp->keep > 0 && (keep = fcntl(sp->keep, F_DUPFD, 5)) == -1)
		child_fail(efd, CHILD_FDS);
	/* The parent moved every descriptor above 2, so none is clobbered. */
	if (dup2(sp->devnull, 0) == -1 || dup2(sp->outw, 1) == -1 ||
	    dup2(sp->outw, 2) == -1 || dup2(sp->errw, 3) == -1)
		child_fail(efd, CHILD_FDS);
	efd = 3;
	if (fcntl(efd, F_SETFD, FD_CLOEXEC) == -1)
		child_fail(efd, CHILD_FDS);
	if (keep != -1 && dup2(keep, 4) == -1)
		child_fail(efd, CHILD_FDS);
	child_close_from(keep != -1 ? 5 : 4, sp->maxfd);
	child_reset_signals();
	if (chdir(sp->root) != 0)
		child_fail(efd, CHILD_CHDIR);
	/* argv[0] has a '/' or not: either way relative to root, no PATH. */
	execve(sp->argv[0], sp->argv, sp->envp);
	child_fail(efd, CHILD_EXEC);
}

/* Starting. */

/* Move fd above the standard descriptors, close-on-exec. */
static int
fd_high(int fd)
{
	int	 high;

	if (fd == -1 || fd > 2)
		return fd;
	high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return high;
}

static void
close_fd(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

/* Descriptors for the child: fds[0..1] output, [2..3] errors, [4] null. */
static int
spawn_fds(int fds[5])
{
	int	 i, saved;

	fds[0] = fds[1] = fds[2] = fds[3] = fds[4] = -1;
	if (pipe2(fds, O_CLOEXEC) != 0 || pipe2(fds + 2, O_CLOEXEC) != 0 ||
	    (fds[4] = open("/dev/null", O_RDONLY|O_CLOEXEC)) == -1)
		goto fail;
	for (i = 0; i < 5; i++) {
		if ((fds[i] = fd_high(fds[i])) == -1)
			goto fail;
	}
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) == -1)
		goto fail;
	return 0;
fail:
	saved = errno;
	for (i = 0; i < 5; i++)
		close_fd(&fds[i]);
	errno = saved;
	return -1;
}

static int
spawn_maxfd(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > HOOKRUN_MAX_FD)
		return HOOKRUN_MAX_FD;
	return (int)rl.rlim_cur;
}

/* Wait for pid, whatever signals arrive; returns its status. */
static int
wait_blocking(pid_t pid, int *status)
{
	pid_t	 r;

	do
		r = waitpid(pid, status, 0);
	while (r == -1 && errno == EINTR);
	return r == pid ? 0 : -1;
}

/* Did exec succeed? 0, or -1 with *ce (the child is reaped then). */
static int
spawn_check(pid_t pid, int errr, struct child_error *ce)
{
	ssize_t	 n;
	int	 status;

	do
		n = read(errr, ce, sizeof *ce);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)sizeof *ce)
		return 0;
	wait_blocking(pid, &status);
	return -1;
}

static char *
spawn_cause(const struct hookrun_opts *o, const struct child_error *ce)
{
	const char *hook = o->argv[0];
	struct stat sb;

	switch (ce->stage) {
	case CHILD_CHDIR:
		return xasprintf("hook '%s' cannot be run: cannot enter '%s': "
		    "%s", hook, o->root, strerror(ce->error));
	case CHILD_EXEC:
		break;
	default:
		return xasprintf("hook '%s' cannot be run: cannot set up the "
		    "process: %s", hook, strerror(ce->error));
	}
	/* ENOENT for a file that exists: its #! interpreter is missing. */
	if (ce->error == ENOENT && o->root != NULL) {
		char *path = xasprintf("%s/%s", o->root, hook);
		int exists = stat(path, &sb) == 0;

		free(path);
		if (exists)
			return xasprintf("hook '%s' cannot be run: its "
			    "interpreter was not found", hook);
	}
	return xasprintf("hook '%s' cannot be run: %s", hook,
	    strerror(ce->error));
}

/* Output. */

static void
log_write(struct run *r, const char *p, size_t len)
{
	ssize_t	 n;

	while (r->log != -1 && len > 0) {
		n = write(r->log, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			r->res->log_errno = n == -1 ? errno : EIO;
			close_fd(&r->log);
			return;
		}
		p += n;
		len -= n;
	}
}

/* Pass the first len bytes of the line on, NUL-terminated for a moment. */
static void
line_emit(struct run *r, size_t len)
{
	char	 saved;

	if (r->o->line == NULL)
		return;
	if (len == r->line.len) {
		r->o->line(buf_str(&r->line), len, r->o->arg);
		return;
	}
	saved = r->line.data[len];
	r->line.data[len] = '\0';
	r->o->line(r->line.data, len, r->o->arg);
	r->line.data[len] = saved;
}

/* Drop the first len bytes of b. */
static void
buf_consume(struct buf *b, size_t len)
{
	memmove(b->data, b->data + len, b->len - len);
	b->len -= len;
	b->data[b->len] = '\0';
}

static int
utf8_continuation(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

/* Where to cut a long line: at most max bytes, not inside a character. */
static size_t
line_cut(const char *s, size_t max)
{
	size_t	 k = max, back;

	for (back = 0; back < 3 && k > 0 && utf8_continuation(s[k]); back++)
		k--;
	return k == 0 || utf8_continuation(s[k]) ? max : k;
}

static void
line_feed(struct run *r, const char *p, size_t len)
{
	const char *nl;
	size_t	 take, cut;

	while (len > 0) {
		nl = memchr(p, '\n', len);
		take = nl != NULL ? (size_t)(nl - p) : len;
		buf_add(&r->line, p, take);
		while (r->line.len > r->line_max) {
			cut = line_cut(r->line.data, r->line_max);
			line_emit(r, cut);
			buf_consume(&r->line, cut);
		}
		if (nl != NULL) {
			line_emit(r, r->line.len);
			buf_reset(&r->line);
			take++;
		}
		p += take;
		len -= take;
	}
}

static void
tail_feed(struct run *r, const char *p, size_t len)
{
	if (len >= r->tail_max) {
		buf_reset(&r->tail);
		buf_add(&r->tail, p + len - r->tail_max, r->tail_max);
		return;
	}
	buf_add(&r->tail, p, len);
	if (r->tail.len > 2 * r->tail_max)
		buf_consume(&r->tail, r->tail.len - r->tail_max);
}

static void
output_feed(struct run *r, const char *p, size_t len)
{
	r->res->bytes += len;
	log_write(r, p, len);
	line_feed(r, p, len);
	tail_feed(r, p, len);
}

/*
 * The tail as valid UTF-8 without NULs: start after any character cut in
 * two, and replace what is invalid with U+FFFD.
 */
static char *
tail_finish(struct run *r)
{
	struct buf out = BUF_INIT;
	const char *p = r->tail.data;
	size_t	 len = r->tail.len, skip = 0, n, i;

	if (len > r->tail_max) {
		p += len - r->tail_max;
		len = r->tail_max;
	}
	if (r->res->bytes > len) {
		while (skip < 3 && skip < len && utf8_continuation(p[skip]))
			skip++;
		p += skip;
		len -= skip;
	}
	while (len > 0) {
		n = utf8_valid_prefix(p, len);
		for (i = 0; i < n; i++) {
			if (p[i] == '\0')
				buf_adds(&out, "\xef\xbf\xbd");
			else
				buf_addc(&out, p[i]);
		}
		if (n < len) {
			buf_adds(&out, "\xef\xbf\xbd");
			n++;
		}
		p += n;
		len -= n;
	}
	return buf_detach(&out, NULL);
}

/* Read what is there; at EOF close the pipe. */
static void
output_read(struct run *r)
{
	char	 data[HOOKRUN_READ];
	ssize_t	 n;
	int	 rounds;

	/* A bounded number of reads, so deadlines are looked at. */
	for (rounds = 0; rounds < 64 && r->out != -1; rounds++) {
		n = read(r->out, data, sizeof data);
		if (n > 0) {
			output_feed(r, data, n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		close_fd(&r->out);
		r->eof_at = mono_ms();
	}
}

/* The loop. */

static void
run_signal(struct run *r, int sig)
{
	/* The group outlives its leader while any member lives. */
	kill(-r->pid, sig);
}

static void
run_reap(struct run *r, int64_t now)
{
	int	 status;
	pid_t	 p;

	do
		p = waitpid(r->pid, &status, WNOHANG);
	while (p == -1 && errno == EINTR);
	if (p == 0)
		return;
	r->reaped = 1;
	if (p == -1) {
		/* Reaped elsewhere (SIGCHLD ignored): no status to report. */
		r->res->status = -1;
	} else if (WIFEXITED(status)) {
		r->res->exited = 1;
		r->res->status = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status))
		r->res->signal = WTERMSIG(status);
	/* Left-behind processes holding the output get grace_ms. */
	if (r->out != -1 && r->kill_at == -1)
		r->kill_at = now + r->o->grace_ms;
}

/* Act on whatever deadline has passed. */
static void
run_deadlines(struct run *r, int64_t now)
{
	int	 stop = r->o->stop != NULL && *r->o->stop;

	if (!r->termed && !r->reaped &&
	    ((r->deadline != -1 && now >= r->deadline) || stop)) {
		if (stop)
			r->res->stopped = 1;
		else
			r->res->timed_out = 1;
		r->termed = 1;
		run_signal(r, SIGTERM);
		r->kill_at = now + r->o->grace_ms;
	}
	if (r->kill_at != -1 && now >= r->kill_at && !r->res->killed) {
		if (r->reaped)
			r->res->lingered = 1;
		run_signal(r, SIGKILL);
		r->res->killed = 1;
		r->abandon_at = now + HOOKRUN_ABANDON_MS;
	}
	if (r->abandon_at != -1 && now >= r->abandon_at)
		close_fd(&r->out);
}

/* Is /proc/<name>/stat that of a live (not zombie) member of pgid? */
static int
proc_in_group(const char *name, pid_t pgid)
{
	char	 path[300], data[512], state;
	const char *p;
	ssize_t	 n;
	long	 ppid, pgrp;
	int	 fd;

	snprintf(path, sizeof path, "/proc/%s/stat", name);
	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, data, sizeof data - 1);
	close(fd);
	if (n <= 0)
		return 0;
	data[n] = '\0';
	/* "pid (comm) state ppid pgrp ...", comm may hold anything. */
	if ((p = strrchr(data, ')')) == NULL ||
	    sscanf(p + 1, " %c %ld %ld", &state, &ppid, &pgrp) != 3)
		return 0;
	return pgrp == pgid && state != 'Z' && state != 'X';
}

/*
 * Does the group have a live member? kill(-pgid, 0) also counts zombies,
 * which an init that reaps slowly leaves around; /proc tells them apart.
 */
static int
group_alive(pid_t pgid)
{
	struct dirent *de;
	DIR	*d;
	int	 alive = 0;

	if (kill(-pgid, 0) != 0)
		return 0;
	if ((d = opendir("/proc")) == NULL)
		return 1;
	while (!alive && (de = readdir(d)) != NULL) {
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
			alive = proc_in_group(de->d_name, pgid);
	}
	closedir(d);
	return alive;
}

/*
 * Is the run over? After a SIGTERM, the rest of the group gets its grace
 * too, even with the hook gone and the output closed.
 */
static int
run_done(struct run *r)
{
	if (!r->reaped || r->out != -1)
		return 0;
	if (r->termed && !r->res->killed && group_alive(r->pid))
		return 0;
	return 1;
}

static int64_t
min_wait(int64_t wait, int64_t at, int64_t now)
{
	if (at == -1)
		return wait;
	at = at > now ? at - now : 0;
	return wait == -1 || at < wait ? at : wait;
}

/* How long poll may sleep: until the next deadline or tick. */
static int
run_wait(struct run *r, int64_t now)
{
	int64_t	 wait = -1;

	if (!r->reaped) {
		wait = r->out == -1 && now - r->eof_at < HOOKRUN_EXIT_TICKS_FOR ?
		    HOOKRUN_EXIT_TICK_MS : HOOKRUN_TICK_MS;
		if (!r->termed)
			wait = min_wait(wait, r->deadline, now);
	} else if (r->out == -1)
		wait = HOOKRUN_TICK_MS;		/* the group after a SIGTERM */
	if (!r->res->killed)
		wait = min_wait(wait, r->kill_at, now);
	if (r->out != -1)
		wait = min_wait(wait, r->abandon_at, now);
	if ((r->o->stop != NULL || r->o->tick != NULL) && !r->termed &&
	    wait > HOOKRUN_TICK_MS)
		wait = HOOKRUN_TICK_MS;
	return wait > INT32_MAX ? INT32_MAX : (int)wait;
}

static void
run_loop(struct run *r)
{
	struct pollfd pfd;
	int64_t	 now;
	int	 n;

	for (;;) {
		now = mono_ms();
		if (!r->reaped)
			run_reap(r, now);
		if (r->o->tick != NULL && !r->termed)
			r->o->tick(r->o->tick_arg);
		run_deadlines(r, now);
		if (run_done(r))
			break;
		pfd.fd = r->out;
		pfd.events = POLLIN;
		pfd.revents = 0;
		n = poll(&pfd, r->out != -1 ? 1 : 0, run_wait(r, now));
		if (n > 0 && pfd.revents != 0)
			output_read(r);
	}
	/* A last line without a newline. */
	if (r->line.len > 0)
		line_emit(r, r->line.len);
}

/* Running. */

static void
run_init(struct run *r, const struct hookrun_opts *o,
    struct hookrun_result *res)
{
	memset(r, 0, sizeof *r);
	r->o = o;
	r->res = res;
	r->out = r->log = -1;
	r->deadline = r->kill_at = r->abandon_at = -1;
	r->tail_max = o->tail_max != 0 ? o->tail_max : HOOKRUN_TAIL_MAX;
	r->line_max = o->line_max != 0 ? o->line_max : HOOKRUN_LINE_MAX;
	buf_init(&r->line);
	buf_init(&r->tail);
	memset(res, 0, sizeof *res);
	res->started = time(NULL);
	r->t0 = mono_ms();
}

static void
run_finish(struct run *r)
{
	close_fd(&r->out);
	close_fd(&r->log);
	r->res->ended = time(NULL);
	r->res->elapsed_ms = mono_ms() - r->t0;
	r->res->tail = tail_finish(r);
	buf_release(&r->line);
	buf_release(&r->tail);
}

/* Check the options and open the log. */
static int
run_prepare(struct run *r, char **cause)
{
	const struct hookrun_opts *o = r->o;

	if (o->root == NULL || o->argv == NULL || o->argv[0] == NULL) {
		set_cause(cause, xstrdup("no hook to run"));
		return -1;
	}
	if (path_problem(o->argv[0], 0) != NULL) {
		set_cause(cause, xasprintf("hook '%s' is not a relative path "
		    "inside the tree", o->argv[0]));
		return -1;
	}
	if (env_valid(o->env, cause) != 0)
		return -1;
	if (o->log != NULL && (r->log = open(o->log,
	    O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC|O_NOCTTY, 0600)) == -1) {
		set_cause(cause, xasprintf("cannot open log '%s': %s", o->log,
		    strerror(errno)));
		return -1;
	}
	return 0;
}

/* Fork and exec; 0 with r->pid and r->out, or -1 with *cause. */
static int
run_spawn(struct run *r, char **cause)
{
	struct spawn sp;
	struct child_error ce;
	int	 fds[5], rc = 0;

	if (spawn_fds(fds) != 0) {
		set_cause(cause, xasprintf("hook '%s' cannot be run: %s",
		    r->o->argv[0], strerror(errno)));
		return -1;
	}
	sp.root = r->o->root;
	sp.argv = r->o->argv;
	sp.envp = env_build(r->o->env);
	sp.outw = fds[1];
	sp.errw = fds[3];
	sp.devnull = fds[4];
	sp.keep = r->o->keep_fd > 0 ? r->o->keep_fd : -1;
	sp.maxfd = spawn_maxfd();
	if ((r->pid = fork()) == -1) {
		set_cause(cause, xasprintf("hook '%s' cannot be run: %s",
		    r->o->argv[0], strerror(errno)));
		rc = -1;
	} else if (r->pid == 0)
		child_exec(&sp);
	else {
		/* Both sides set the group, so neither can act too early. */
		setpgid(r->pid, r->pid);
		close_fd(&fds[3]);
		if (spawn_check(r->pid, fds[2], &ce) != 0) {
			r->res->not_run = ce.error;
			r->res->exited = 1;
			r->res->status = ce.stage == CHILD_EXEC &&
			    ce.error == ENOENT ? 127 : 126;
			set_cause(cause, spawn_cause(r->o, &ce));
			rc = -1;
		}
	}
	strv_free(sp.envp);
	r->out = rc == 0 ? fds[0] : -1;
	if (rc != 0)
		close_fd(&fds[0]);
	close_fd(&fds[1]);
	close_fd(&fds[2]);
	close_fd(&fds[3]);
	close_fd(&fds[4]);
	return rc;
}

int
hookrun_run(const struct hookrun_opts *opts, struct hookrun_result *res,
    char **cause)
{
	struct hookrun_opts o = *opts;
	struct run r;
	int	 rc;

	if (o.grace_ms <= 0)
		o.grace_ms = HOOKRUN_GRACE_MS;
	run_init(&r, &o, res);
	rc = run_prepare(&r, cause);
	if (rc == 0)
		rc = run_spawn(&r, cause);
	if (rc == 0) {
		if (o.timeout_ms > 0)
			r.deadline = r.t0 + o.timeout_ms;
		run_loop(&r);
	}
	run_finish(&r);
	return rc;
}

void
hookrun_result_release(struct hookrun_result *res)
{
	if (res == NULL)
		return;
	free(res->tail);
	res->tail = NULL;
}

int
hookrun_succeeded(const struct hookrun_result *res)
{
	return res->not_run == 0 && res->exited && res->status == 0 &&
	    !res->timed_out && !res->stopped;
}

static const char *
signal_name(int sig)
{
	static const struct {
		int		 sig;
		const char	*name;
	} names[] = {
		{ SIGHUP, "HUP" }, { SIGINT, "INT" }, { SIGQUIT, "QUIT" },
		{ SIGILL, "ILL" }, { SIGABRT, "ABRT" }, { SIGBUS, "BUS" },
		{ SIGFPE, "FPE" }, { SIGKILL, "KILL" }, { SIGUSR1, "USR1" },
		{ SIGSEGV, "SEGV" }, { SIGUSR2, "USR2" }, { SIGPIPE, "PIPE" },
		{ SIGALRM, "ALRM" }, { SIGTERM, "TERM" }, { SIGXCPU, "XCPU" }
	};
	size_t	 i;

	for (i = 0; i < nitems(names); i++) {
		if (names[i].sig == sig)
			return names[i].name;
	}
	return NULL;
}

char *
hookrun_describe(const struct hookrun_result *res)
{
	struct buf b = BUF_INIT;
	const char *name;

	if (res->not_run != 0)
		return xasprintf("could not be run: %s",
		    strerror(res->not_run));
	if (res->signal != 0) {
		buf_addf(&b, "killed by signal %d", res->signal);
		if ((name = signal_name(res->signal)) != NULL)
			buf_addf(&b, " (%s)", name);
	} else if (res->exited)
		buf_addf(&b, "exit status %d", res->status);
	else
		buf_adds(&b, "ended, status unknown");
	if (res->timed_out)
		buf_adds(&b, " after the timeout");
	else if (res->stopped)
		buf_adds(&b, " after being stopped");
	if (res->lingered)
		buf_adds(&b, "; processes it left behind were killed");
	return buf_detach(&b, NULL);
}
