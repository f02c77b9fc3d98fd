/*
 * run-own: who a run in progress belongs to. A run is its host, the pid
 * of its offpeak with that process's start time, and a lock file every
 * hook inherits; a resume takes it over only when all of them say the old
 * run is gone.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "plan.h"
#include "record.h"
#include "repo.h"
#include "run.h"
#include "run-int.h"
#include "runlock.h"
#include "session.h"
#include "state.h"
#include "store.h"
#include "util.h"

/*
 * Is the run's offpeak process alive: its pid, with the start time it
 * recorded (older states without one: a process named offpeak)?
 */
static int
pid_alive(long pid, long long start)
{
	char	 path[64], buf[4096];
	FILE	*f;
	size_t	 n, i;

	if (pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno != EPERM))
		return 0;
	if (start > 0)
		return runlock_pid_start((pid_t)pid) == start;
	snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
	if ((f = fopen(path, "r")) == NULL)
		return errno == ENOENT && access("/proc/self", F_OK) == 0 ? 0 : 1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	for (i = 0; i < n; i++) {
		if (buf[i] == '\0')
			buf[i] = ' ';	/* the arguments, as one string */
	}
	buf[n] = '\0';
	return strstr(buf, "offpeak") != NULL;
}

char *
run_this_host(void)
{
	char	 h[256];

	if (gethostname(h, sizeof h) != 0)
		return xstrdup("unknown");
	h[sizeof h - 1] = '\0';
	return xstrdup(h);
}

int
run_alive_here(const struct plan_state *ps)
{
	char	*host = run_this_host();
	int	 here = ps->run.host != NULL && strcmp(ps->run.host, host) == 0;

	free(host);
	return run_status_running(ps->status) && here && pid_alive(ps->run.pid,
	    ps->run.pid_start);
}

int
run_interrupted(const struct plan_state *ps)
{
	char	*host = run_this_host();
	int	 here = ps->run.host != NULL && strcmp(ps->run.host, host) == 0;

	free(host);
	return run_status_running(ps->status) && here && !pid_alive(ps->run.pid,
	    ps->run.pid_start);
}

/* The run's lock file, beside the repository's git data. */
char *
run_lock_path(struct session *s, const char *plan, const char *run)
{
	char	*name = xasprintf("offpeak/runs/%s.%s.lock", plan, run);
	char	*path = repo_git_path(s->repo, name);

	free(name);
	return path;
}

char **
run_orphans(struct session *s, const struct plan_state *ps)
{
	struct runlock_holder *v;
	char	*path, **out = NULL;
	size_t	 n, i;

	if (!run_interrupted(ps) || ps->run.id == NULL)
		return NULL;
	path = run_lock_path(s, ps->id, ps->run.id);
	if (runlock_holders(path, &v, &n) == 0 && n > 0) {
		out = xcalloc(n + 1, sizeof *out);
		for (i = 0; i < n; i++)
			out[i] = xstrdup(v[i].what);
		runlock_holders_free(v, n);
	}
	free(path);
	return out;
}

/*
 * A resumed run goes on with the plan and hooks it started with, even when
 * the plans branch has moved since.
 */
static int
plan_of_run(struct run *r, char **cause)
{
	struct repo_tree *tree;
	const char *commit = record_str(r->rec, "commit");
	size_t	 i;

	if (commit == NULL || strcmp(commit, repo_tree_commit(r->s->tree)) == 0)
		return r->p != NULL ? 0 : -1;
	if ((tree = repo_tree_at(r->s->repo, commit, cause)) == NULL)
		return -1;
	r->have_then = 1;
	if (check_tree(r->s->repo, tree, &r->then, cause) != 0) {
		repo_tree_free(tree);
		return -1;
	}
	repo_tree_free(tree);
	r->p = NULL;
	for (i = 0; i < r->then.nplans; i++) {
		if (strcmp(r->then.plans[i]->id, r->ps->id) == 0)
			r->p = r->then.plans[i];
	}
	free(r->commit);
	r->commit = xstrdup(commit);
	return r->p != NULL ? 0 : -1;
}

/*
 * Resuming: the run becomes this process's only when it is of this host
 * and no process of the old run lives on. Hooks it started hold its lock
 * until they end: wait for them (wait_ms), or end them with
 * --kill-orphans, or refuse naming them; never run a step beside an
 * earlier copy of it.
 */
static int
own_again(struct run *r, char **cause)
{
	struct plan_state *ps = r->ps;
	struct runlock_holder *v;
	char	*host = run_this_host(), *list;
	size_t	 n, i;
	int	 rc;

	if (ps->run.host == NULL || strcmp(ps->run.host, host) != 0) {
		*cause = xasprintf("gate 'lock': run %s of '%s' was started on "
		    "host %s (this is %s): only that host can tell whether it "
		    "still runs; resume it there, or stop it with 'offpeak "
		    "cancel %s -m ...'", ps->run.id, ps->id, ps->run.host != NULL ?
		    ps->run.host : "?", host, ps->id);
		free(host);
		return OUT_INVALID;
	}
	free(host);
	r->lockpath = run_lock_path(r->s, ps->id, ps->run.id);
	if (r->opts->kill_orphans && runlock_held(r->lockpath)) {
		run_progress(r, "ending the processes of the interrupted run (TERM, "
		    "then KILL after %lld s)", (long long)(r->opts->grace_ms / 1000));
		if (runlock_kill(r->lockpath, r->opts->grace_ms, &r->orphans) != 0) {
			*cause = xasprintf("gate 'lock': the processes of run %s "
			    "could not be ended", ps->run.id);
			return OUT_ENV;
		}
	} else if (runlock_held(r->lockpath) && r->opts->wait_ms > 0)
		run_progress(r, "processes of the interrupted run %s still run: "
		    "waiting up to %lld s for them to end", ps->run.id,
		    (long long)(r->opts->wait_ms / 1000));
	if ((rc = runlock_wait(r->lockpath, r->opts->wait_ms, &r->lockfd,
	    cause)) < 0)
		return OUT_ENV;
	if (rc == 0)
		return OUT_OK;
	list = NULL;
	if (runlock_holders(r->lockpath, &v, &n) == 0) {
		struct buf b = BUF_INIT;

		for (i = 0; i < n; i++)
			buf_addf(&b, "%s%s", i > 0 ? ", " : "", v[i].what);
		list = buf_detach(&b, NULL);
		runlock_holders_free(v, n);
	}
	*cause = xasprintf("gate 'lock': processes of the interrupted run %s "
	    "still run after %lld s: %s; nothing was started (an earlier copy "
	    "of a step may still be working): wait for them, end them, or "
	    "resume with --kill-orphans", ps->run.id,
	    (long long)(r->opts->wait_ms / 1000), list != NULL && *list != '\0' ?
	    list : "(their ids cannot be read)");
	free(list);
	return OUT_RACE;
}

/* Resuming: the record so far, and the lock taken again by this process. */
int
run_take_over(struct run *r, char **cause)
{
	struct plan_state *ps = r->ps;
	char	*path, *text, *why;
	size_t	 len;
	int	 rc;

	r->id = xstrdup(ps->run.id);
	if ((rc = own_again(r, cause)) != OUT_OK)
		return rc;
	run_work_paths(r);
	path = run_record_path(r);
	rc = store_read(r->s->repo, &r->s->st, path, &text, &len, cause);
	free(path);
	if (rc != 0) {
		if (rc > 0)
			*cause = xasprintf("the record of run %s is missing", r->id);
		return OUT_ENV;
	}
	r->rec = record_parse(text, len, &why);
	free(text);
	if (r->rec == NULL) {
		*cause = xasprintf("run %s: %s", r->id, why);
		free(why);
		return OUT_ENV;
	}
	if (plan_of_run(r, cause) != 0) {
		if (*cause == NULL)
			*cause = xasprintf("run %s: the plan '%s' is not in the "
			    "commit it ran from", r->id, r->ps->id);
		return OUT_ENV;
	}
	if ((rc = run_sign(r, "resume", run_clock(r), cause)) != OUT_OK)
		return rc;
	run_salvage(r);
	free(ps->run.host);
	ps->run.host = run_this_host();
	ps->run.pid = (long)getpid();
	ps->run.pid_start = runlock_pid_start(getpid());
	ps->dirty = 1;
	if (r->orphans != NULL) {
		char *who = strv_join((const char *const *)r->orphans, ", ");

		record_set_str(r->rec, "orphans_killed", who);
		state_log(&r->s->st, ps, "kill %s run %s: processes of the "
		    "interrupted run ended with --kill-orphans: %s", ps->id,
		    r->id, who);
		free(who);
	}
	record_set_str(r->rec, "host", ps->run.host);
	record_set_int(r->rec, "pid", ps->run.pid);
	record_set_time(r->rec, "resumed_at", run_clock(r));
	record_add_resume(r->rec, r->opts->operator, ps->run.host, run_clock(r));
	state_log(&r->s->st, ps, "resume %s run %s by %s on %s (phase %s)",
	    ps->id, r->id, r->opts->operator, ps->run.host,
	    status_names[ps->status]);
	if ((rc = run_checkpoint(r, cause)) == OUT_RACE) {
		free(*cause);
		*cause = xasprintf("gate 'lock': another offpeak wrote the state "
		    "branch first (did someone else resume run %s?); nothing "
		    "was run: see 'offpeak status %s'", r->id, ps->id);
	}
	r->locked = rc == OUT_OK;
	return rc;
}
