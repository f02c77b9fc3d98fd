/* run: execute one approved change — precheck, backup, steps, verify, rollback, resume; abort requests; what is due */
#include <sys/stat.h>

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "datetime.h"
#include "fsutil.h"
#include "hookrun.h"
#include "plan.h"
#include "policy.h"
#include "record.h"
#include "redact.h"
#include "repo.h"
#include "run.h"
#include "runlock.h"
#include "session.h"
#include "state.h"
#include "store.h"
#include "tz.h"
#include "util.h"
#include "verify.h"

#include "run-int.h"

/* Now, as the run sees it: --now plus the time the run has taken. */
int64_t
run_clock(void *arg)
{
	struct run *r = arg;

	return r->clock0 + (mono_ms() - r->mono0) / 1000;
}

void
run_progress(struct run *r, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	if (r->ev == NULL || r->ev->progress == NULL)
		return;
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	r->ev->progress(s, r->ev->arg);
	free(s);
}

/* Queue a file for the next state commit (taking path and data). */
void
run_queue_file(struct run *r, char *path, char *data, size_t len)
{
	store_files_add(&r->files, path, data, len);
}

char *
run_record_path(const struct run *r)
{
	return xasprintf("records/%s/%s.json", r->ps->id, r->id);
}

int
run_status_running(enum status st)
{
	return st == ST_BACKING_UP || st == ST_EXECUTING || st == ST_VERIFYING;
}

/*
 * Another writer (a schedule, an approval of another plan) moved the state
 * branch after the lock was taken. The run still owns its plan if the new
 * head says so: then the same changes go on top of it.
 */
static int
rebase(struct run *r, char **cause)
{
	struct plan_state *now;
	char	 oid[41], *path, *text, *why = NULL;
	size_t	 len;
	int	 rc, ours;

	if ((rc = repo_ref_commit(r->s->repo, STATE_BRANCH, oid, cause)) != 0) {
		if (rc > 0)
			*cause = xstrdup("the state branch disappeared during "
			    "the run");
		return OUT_ENV;
	}
	memcpy(r->s->st.commit, oid, sizeof r->s->st.commit);
	path = xasprintf("state/%s.json", r->ps->id);
	rc = store_read(r->s->repo, &r->s->st, path, &text, &len, cause);
	free(path);
	if (rc < 0)
		return OUT_ENV;
	now = plan_state_new(r->ps->id);
	ours = rc == 0 && state_from_json(now, text, len, &why) == 0 &&
	    run_status_running(now->status) && now->run.id != NULL &&
	    strcmp(now->run.id, r->id) == 0;
	if (rc == 0)
		free(text);
	free(why);
	plan_state_free(now);
	if (!ours) {
		*cause = xasprintf("gate 'lock': run %s of '%s' lost its lock "
		    "to another writer of the state branch (see 'offpeak log "
		    "%s'); it stops here without a rollback", r->id, r->ps->id,
		    r->ps->id);
		return OUT_RACE;
	}
	r->ps->dirty = 1;
	return OUT_OK;
}

/*
 * A phase boundary: the record (and the logs written since the last one)
 * go to the state branch in one commit, so a crash leaves a record that
 * says how far the run got. A commit that lost a race after the lock was
 * taken is made again on the new head, with the same transitions.
 */
int
run_checkpoint(struct run *r, char **cause)
{
	struct state *st = &r->s->st;
	char	*text = record_to_json(r->rec), *log;
	size_t	 nlog;
	int	 rc, tries = 0;

	run_queue_file(r, run_record_path(r), text, strlen(text));
	r->s->now = run_clock(r);	/* the commit's time: when it happened */
	for (;;) {
		log = xstrdup(buf_str(&st->log));
		nlog = st->nlog;
		rc = session_commit(r->s, r->files.v, r->files.n, cause);
		if (rc == OUT_RACE && st->nlog == 0 && nlog != 0) {
			/* a push origin refused: the local commit was undone */
			buf_adds(&st->log, log);
			st->nlog = nlog;
		}
		free(log);
		if (rc != OUT_RACE || !r->locked || tries++ == RUN_REBASE_TRIES)
			break;
		free(*cause);
		*cause = NULL;
		if ((rc = rebase(r, cause)) != OUT_OK)
			break;
	}
	store_files_release(&r->files);
	return rc;
}

/* A commit inside a phase failed: hand its message on. */
static int
run_fatal(struct run *r, char **cause)
{
	*cause = r->err != NULL ? r->err : xstrdup("the record could not be "
	    "committed");
	r->err = NULL;
	return r->err_rc != OUT_OK ? r->err_rc : OUT_ENV;
}


static void
set_outcome(struct plan_state *ps, const char *outcome)
{
	free(ps->run.outcome);
	ps->run.outcome = xstrdup(outcome);
	ps->dirty = 1;
}

/* A new record with what a report needs to judge the run. */
static void
record_start(struct run *r, int64_t now)
{
	const struct plan_state *ps = r->ps;
	char	*bg;

	r->rec = record_new(ps->id, r->id);
	record_set_str(r->rec, "title", r->p->title);
	record_set_str(r->rec, "revision", ps->revision);
	record_set_str(r->rec, "commit", repo_tree_commit(r->s->tree));
	record_set_str(r->rec, "operator", ps->run.operator);
	record_set_str(r->rec, "host", ps->run.host);
	record_set_int(r->rec, "pid", ps->run.pid);
	record_set_bool(r->rec, "simulated", r->s->simulated);
	record_set_bool(r->rec, "emergency", ps->risk.emergency);
	if ((bg = state_break_glass_text(ps)) != NULL) {
		record_set_str(r->rec, "break_glass", bg);
		free(bg);
	}
	record_set_str(r->rec, "risk_level", ps->risk.level);
	record_set_time(r->rec, "slot_start", ps->slot.start);
	record_set_time(r->rec, "slot_end", ps->slot.end);
	record_set_str(r->rec, "window", ps->slot.window);
	record_set_int(r->rec, "planned_seconds", r->p->duration);
	record_set_time(r->rec, "published_at", ps->published_at);
	record_set_bool(r->rec, "notice_held", now >= ps->published_at +
	    ps->risk.notice);
	record_set_time(r->rec, "started_at", now);
	record_add_gate(r->rec, "approved", 1, ps->revision);
	record_add_gate(r->rec, "scheduled", 1, ps->slot.window);
	record_add_gate(r->rec, "window", 1, NULL);
	record_add_gate(r->rec, "notice", now >= ps->published_at +
	    ps->risk.notice, NULL);
	record_add_gate(r->rec, "freeze", 1, NULL);
	record_add_gate(r->rec, "lock", 1, NULL);
}

/* The lock: the state commit that moves the plan to backing-up. */
static int
take_lock(struct run *r, char **cause)
{
	struct plan_state *ps = r->ps;
	int64_t	 now = run_clock(r);
	struct civil c;
	int	 rc;

	utc_to_civil(now, &c);
	r->id = xasprintf("%04d%02d%02dT%02d%02d%02dZ-%ld", c.year, c.month,
	    c.day, c.hour, c.minute, c.second, (long)getpid());
	free(ps->run.id);
	ps->run.id = xstrdup(r->id);
	free(ps->run.operator);
	ps->run.operator = xstrdup(r->opts->operator);
	free(ps->run.host);
	ps->run.host = run_this_host();
	ps->run.pid = (long)getpid();
	ps->run.pid_start = runlock_pid_start(getpid());
	ps->run.started = now;
	r->lockpath = run_lock_path(r->s, ps->id, r->id);
	if (runlock_take(r->lockpath, &r->lockfd, cause) != 0)
		return OUT_ENV;
	set_outcome(ps, "running");
	record_start(r, now);
	if ((rc = run_sign(r, "start", now, cause)) != OUT_OK)
		return rc;
	state_set_status(&r->s->st, ps, ST_BACKING_UP, now);
	state_log(&r->s->st, ps, "start %s run %s by %s on %s", ps->id, r->id,
	    ps->run.operator, ps->run.host);
	if ((rc = run_checkpoint(r, cause)) == OUT_RACE) {
		free(*cause);
		*cause = xasprintf("gate 'lock': another offpeak (an operator or "
		    "the scheduler) wrote the state branch first; '%s' was not "
		    "run and nothing was written: see 'offpeak status %s'",
		    ps->id, ps->id);
	}
	r->locked = rc == OUT_OK;
	return rc;
}

void
run_work_paths(struct run *r)
{
	const char *tmp = getenv("TMPDIR");

	r->dir = xasprintf("%s/offpeak-run-%s-%s", tmp != NULL && *tmp ?
	    tmp : "/tmp", r->ps->id, r->id);
	r->tree = xasprintf("%s/tree", r->dir);
	r->manifest = xasprintf("%s/backup-manifest.json", r->dir);
}

/* Queue a phase's whole log (its last RUN_LOG_MAX bytes) for the branch. */
static void
queue_log(struct run *r, const char *local, const char *path)
{
	FILE	*f = fopen(local, "rb");
	struct buf b = BUF_INIT;
	char	 chunk[8192];
	size_t	 n;
	long	 size;

	if (f == NULL)
		return;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > RUN_LOG_MAX) {
		buf_addf(&b, "[... %ld bytes cut ...]\n", size - RUN_LOG_MAX);
		fseek(f, size - RUN_LOG_MAX, SEEK_SET);
	} else
		rewind(f);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	n = b.len;
	run_queue_file(r, xstrdup(path), buf_detach(&b, NULL), n);
}

/*
 * Phases a crash cut short are marked so; what their hooks wrote before
 * it is still in the work directory of this host: keep it.
 */
void
run_salvage(struct run *r)
{
	struct record_phase p;
	const char *base;
	char	*local;
	size_t	 i;

	for (i = 0; i < record_nphases(r->rec); i++) {
		record_phase(r->rec, i, &p);
		if (p.log != NULL)
			r->nlog++;
		if (p.status == NULL || strcmp(p.status, "running") != 0)
			continue;
		if (p.log != NULL) {
			base = strrchr(p.log, '/');
			local = xasprintf("%s/%s", r->dir, base != NULL ?
			    base + 1 : p.log);
			queue_log(r, local, p.log);
			free(local);
		}
		record_phase_interrupted(r->rec, i, "offpeak was interrupted "
		    "while this phase ran");
	}
}

/* The work directory and the export of the plan's own revision. */
static int
prepare_dir(struct run *r, char **cause)
{
	r->prepared = 1;
	if (rmtree(r->dir) != 0 || mkdir_p(r->dir, 0700) != 0) {
		*cause = xasprintf("cannot prepare '%s': %s", r->dir,
		    strerror(errno));
		return -1;
	}
	return repo_export_tree(r->s->repo, r->commit, r->tree, cause);
}

/*
 * Has someone asked this run to stop (offpeak abort)? The request is
 * aborts/<id>/<run>.json on the state branch; with origin, fetched from
 * there every few seconds.
 */
static int
abort_seen(struct run *r)
{
	struct repo_tree *t;
	char	 oid[41], *path, *text = NULL, *why = NULL, *ref = NULL;
	size_t	 len;
	json_t	*o;

	if (r->abort_by != NULL)
		return 1;
	if (r->s->origin != NULL && !r->s->offline &&
	    mono_ms() - r->abort_fetched >= RUN_ABORT_FETCH_MS) {
		r->abort_fetched = mono_ms();
		(void)repo_fetch(r->s->repo, NULL, STATE_BRANCH, &why);
		free(why);
		why = NULL;
	}
	ref = r->s->origin != NULL ? repo_tracking_ref(STATE_BRANCH) :
	    xstrdup(STATE_BRANCH);
	if (repo_ref_commit(r->s->repo, ref, oid, &why) != 0 ||
	    (t = repo_tree_at(r->s->repo, oid, &why)) == NULL) {
		free(ref);
		free(why);
		return 0;
	}
	free(ref);
	path = xasprintf("aborts/%s/%s.json", r->ps->id, r->id);
	if (repo_tree_read(t, path, 64 * 1024, &text, &len, NULL, &why) == 0 &&
	    (o = json_loadb(text, len, 0, NULL)) != NULL) {
		const char *by = json_string_value(json_object_get(o, "by"));
		const char *msg = json_string_value(json_object_get(o,
		    "message"));

		r->abort_by = xstrdup(by != NULL ? by : "someone");
		r->abort_msg = xstrdup(msg != NULL ? msg : "");
		json_decref(o);
	}
	free(text);
	free(why);
	free(path);
	repo_tree_free(t);
	return r->abort_by != NULL;
}

/* Between phases and every tick of a hook: a signal or an abort stops. */
static void
run_tick(void *arg)
{
	struct run *r = arg;

	if (r->opts->stop != NULL && *r->opts->stop)
		r->stop_now = 1;
	if (!r->stop_now && mono_ms() - r->abort_looked >= RUN_ABORT_POLL_MS) {
		r->abort_looked = mono_ms();
		if (abort_seen(r)) {
			r->stop_now = 1;
			run_progress(r, "abort asked by %s: %s; stopping", r->abort_by,
			    r->abort_msg);
			record_set_str(r->rec, "aborted_by", r->abort_by);
			record_set_str(r->rec, "abort_message", r->abort_msg);
		}
	}
}

/* Why the run stops at an operator's or an abort's request. */
static char *
stop_reason(struct run *r, const char *where)
{
	if (r->abort_by != NULL)
		return xasprintf("aborted by %s (%s) %s", r->abort_by,
		    r->abort_msg, where);
	return xasprintf("stopped by the operator %s", where);
}

/* Output of a hook, to the operator with its phase as prefix. */
struct phase_out {
	struct run *r;
	const char *label;
};

static void
on_line(const char *line, size_t len, void *arg)
{
	struct phase_out *o = arg;

	if (o->r->ev != NULL && o->r->ev->output != NULL)
		o->r->ev->output(o->label, line, len, o->r->ev->arg);
}

static char **
hook_env(struct run *r, const char *phase)
{
	char	**env = xcalloc(9, sizeof *env), *s, *e;

	s = dt_format_utc(r->ps->slot.start);
	e = dt_format_utc(r->ps->slot.end);
	env[0] = xasprintf("OFFPEAK_PLAN_ID=%s", r->ps->id);
	env[1] = xasprintf("OFFPEAK_PLAN_FILE=%s/plans/%s.json", r->tree,
	    r->ps->id);
	env[2] = xasprintf("OFFPEAK_PHASE=%s", phase);
	env[3] = xasprintf("OFFPEAK_RUN_ID=%s", r->id);
	env[4] = xasprintf("OFFPEAK_WINDOW_START=%s", s);
	env[5] = xasprintf("OFFPEAK_WINDOW_END=%s", e);
	env[6] = xasprintf("OFFPEAK_BACKUP_MANIFEST=%s", r->manifest);
	if (r->opts->resume)
		env[7] = xstrdup("OFFPEAK_RESUMED=1");
	free(s);
	free(e);
	return env;
}

/* The manifest must be a JSON object with a location and a size or hash. */
static char *
manifest_problem(struct run *r)
{
	struct stat st;
	char	*text = NULL, *why = NULL;
	FILE	*f;
	size_t	 n;

	if (stat(r->manifest, &st) != 0)
		return xstrdup("the backup hook left no manifest at "
		    "$OFFPEAK_BACKUP_MANIFEST");
	if (st.st_size == 0)
		return xstrdup("the backup manifest is empty");
	if (st.st_size > 1024 * 1024)
		return xstrdup("the backup manifest is larger than 1 MiB");
	if ((f = fopen(r->manifest, "rb")) == NULL)
		return xasprintf("cannot read the backup manifest: %s",
		    strerror(errno));
	text = xmalloc((size_t)st.st_size + 1);
	n = fread(text, 1, (size_t)st.st_size, f);
	fclose(f);
	text[n] = '\0';
	if (record_set_manifest(r->rec, text, n, &why) != 0) {
		free(text);
		return why;
	}
	free(text);
	return NULL;
}

/* Hook options: the grace after SIGTERM is never longer than the timeout. */
static void
hook_opts(struct run *r, struct hookrun_opts *o, const struct hook *h,
    int64_t timeout, int stoppable)
{
	memset(o, 0, sizeof *o);
	o->root = r->tree;
	o->argv = h->argv;
	o->timeout_ms = timeout * 1000;
	o->grace_ms = r->opts->grace_ms;
	if (o->timeout_ms > 0 && (o->grace_ms <= 0 || o->grace_ms > o->timeout_ms))
		o->grace_ms = o->timeout_ms;
	o->stop = stoppable ? &r->stop_now : NULL;
	o->tick = stoppable ? run_tick : NULL;
	o->tick_arg = r;
	o->keep_fd = r->lockfd;
}

/*
 * Run one hook as a phase of the record, committed as it starts. Returns 1
 * when it succeeded (for the backup: with a good manifest), 0 when it
 * failed (*problem says how), -1 when the record could not be committed.
 */
/* A hook as one phase of the record: what it is and how it runs. */
struct hook_phase {
	const char *phase;	/* backup, step, verify, rollback */
	const char *label;	/* for the operator: "step 2" */
	const char *name;	/* in the record: the step's own name */
	size_t	 step;		/* the step's number, or 0 */
	int	 stoppable;	/* a stop request ends it */
};

static int
run_hook(struct run *r, const struct hook_phase *hp, const struct hook *h,
    int64_t timeout, char **problem)
{
	const char *phase = hp->phase, *label = hp->label;
	int	 stoppable = hp->stoppable;
	struct hookrun_opts o;
	struct hookrun_result res;
	struct phase_out out = { r, label };
	char	*local, *path, **env, *cause = NULL;
	size_t	 i;
	int	 ok;

	r->nlog++;
	local = xasprintf("%s/%02d-%s.log", r->dir, r->nlog, phase);
	path = xasprintf("records/%s/%s/%02d-%s.log", r->ps->id, r->id, r->nlog,
	    phase);
	i = record_phase_begin(r->rec, phase, hp->name, run_clock(r), path);
	if (hp->step > 0)
		record_phase_set_int(r->rec, i, "step", (long long)hp->step);
	if (r->opts->resume && record_was_interrupted(r->rec, phase, hp->name,
	    hp->step))
		record_phase_set_int(r->rec, i, "rerun", 1);
	if (hp->step > 0)
		state_log(&r->s->st, r->ps, "begin %s run %s: %s '%s'", r->ps->id,
		    r->id, label, hp->name);
	else
		state_log(&r->s->st, r->ps, "begin %s run %s: %s", r->ps->id,
		    r->id, label);
	if ((r->err_rc = run_checkpoint(r, &r->err)) != OUT_OK) {
		free(local);
		free(path);
		return -1;
	}
	env = hook_env(r, phase);
	hook_opts(r, &o, h, timeout, stoppable);
	o.env = env;
	o.log = local;
	o.line = on_line;
	o.arg = &out;
	run_progress(r, "%s: running %s", label, h->argv[0]);
	*problem = NULL;
	if (hookrun_run(&o, &res, &cause) == 0 && hookrun_succeeded(&res))
		ok = 1;
	else {
		ok = 0;
		*problem = cause != NULL ? cause : hookrun_describe(&res);
	}
	if (ok && strcmp(phase, "backup") == 0 &&
	    (*problem = manifest_problem(r)) != NULL)
		ok = 0;
	record_phase_end(r->rec, i, run_clock(r), res.exited ? res.status : -1,
	    res.signal, res.timed_out, ok ? "ok" : "failed", *problem, res.tail);
	run_progress(r, "%s: %s", label, ok ? "ok" : *problem);
	queue_log(r, local, path);
	hookrun_result_release(&res);
	strv_free(env);
	free(local);
	free(path);
	return ok;
}

static int
phase_backup(struct run *r, char **problem)
{
	struct hook_phase hp = { "backup", "backup", "backup", 0, 1 };

	test_pause("backup");
	unlink(r->manifest);
	return run_hook(r, &hp, &r->p->backup, r->p->backup.timeout, problem);
}

/* Put what failed in front of how: "step 'x' failed: exit status 3". */
static void
failed_as(char **problem, const char *kind, const char *name)
{
	char	*s = xasprintf("%s '%s' failed: %s", kind, name, *problem);

	free(*problem);
	*problem = s;
}

/* Record a step that is not started, and why. */
static void
step_skipped(struct run *r, const struct hook_phase *hp, const char *problem)
{
	size_t	 k;

	k = record_phase_begin(r->rec, "step", hp->name, run_clock(r), NULL);
	record_phase_set_int(r->rec, k, "step", (long long)hp->step);
	record_phase_end(r->rec, k, run_clock(r), -1, 0, 0, "skipped", problem,
	    NULL);
	run_progress(r, "%s: %s", hp->label, problem);
}

/*
 * Is there time for the step? A step without a timeout of its own has the
 * rest of the slot; one whose timeout would pass the slot's end is not
 * started. Returns the timeout, or 0 with *problem.
 */
static int64_t
step_timeout(struct run *r, const struct step *st, char **problem)
{
	int64_t	 now = run_clock(r), left = r->ps->slot.end - now;
	char	*end, *t;

	if (left > 0 && (st->hook.timeout == 0 || st->hook.timeout <= left))
		return st->hook.timeout == 0 ? left : st->hook.timeout;
	end = tz_format(r->ps->slot.end, r->ps->slot.timezone);
	if (st->hook.timeout == 0 || left <= 0)
		*problem = xasprintf("step '%s' not started: the slot ended at "
		    "%s", st->name, end);
	else {
		t = dur_human(st->hook.timeout);
		*problem = xasprintf("step '%s' not started: its timeout (%s) "
		    "would run past the end of the slot at %s", st->name, t, end);
		free(t);
	}
	free(end);
	return 0;
}

/*
 * Steps in order, each one committed as it starts and ends. Returns 1,
 * 0 (*problem) or -1 (the record could not be committed).
 */
static int
phase_steps(struct run *r, char **problem)
{
	struct hook_phase hp = { "step", NULL, NULL, 0, 1 };
	const struct step *st;
	char	*label, *where;
	int64_t	 timeout;
	size_t	 i;
	int	 ok = 1;

	test_pause("step");
	for (i = 0; ok == 1 && i < r->p->nsteps; i++) {
		st = &r->p->steps[i];
		if (record_step_ok(r->rec, i + 1))
			continue;	/* done before an interruption */
		label = xasprintf("step %zu", i + 1);
		hp.label = label;
		hp.name = st->name;
		hp.step = i + 1;
		run_tick(r);
		if (r->stop_now) {
			where = xasprintf("before step '%s'", st->name);
			*problem = stop_reason(r, where);
			free(where);
			step_skipped(r, &hp, *problem);
			ok = 0;
		} else if ((timeout = step_timeout(r, st, problem)) == 0) {
			step_skipped(r, &hp, *problem);
			ok = 0;
		} else if ((ok = run_hook(r, &hp, &st->hook, timeout,
		    problem)) == 1)
			state_log(&r->s->st, r->ps, "step %s run %s: %s '%s' ok",
			    r->ps->id, r->id, label, st->name);
		else if (ok == 0 && r->abort_by != NULL) {
			free(*problem);
			where = xasprintf("during step '%s'", st->name);
			*problem = stop_reason(r, where);
			free(where);
		} else if (ok == 0)
			failed_as(problem, "step", st->name);
		free(label);
	}
	return ok;
}

static void
on_attempt(const struct verify_attempt *a, void *arg)
{
	struct run *r = arg;

	record_add_attempt(r->rec, a);
	if (a->status != 0)
		run_progress(r, "verify: %s attempt %d: status %ld in %lld ms%s%s",
		    a->url, a->attempt, a->status, (long long)a->ms,
		    a->ok ? "" : ": ", a->ok ? "" : a->problem);
	else
		run_progress(r, "verify: %s attempt %d: %s after %lld ms", a->url,
		    a->attempt, a->problem, (long long)a->ms);
}

/*
 * Verification hooks, then HTTP checks; all again after an interruption.
 * Returns 1, 0 (*problem) or -1 (the record could not be committed).
 */
static int
run_checks(struct run *r, const char *phase, const char *what,
    const struct checks *c, int stoppable, char **problem)
{
	struct hook_phase hp = { NULL, NULL, NULL, 0, 1 };
	struct verify_hooks vh = { run_clock, on_attempt, r, NULL };
	char	*label, *shown;
	size_t	 i, k;
	int	 ok = 1;

	hp.phase = phase;
	hp.stoppable = stoppable;
	vh.stop = stoppable ? &r->stop_now : NULL;
	for (i = 0; ok == 1 && i < c->nrun; i++) {
		label = xasprintf("%s %zu", phase, i + 1);
		hp.label = hp.name = label;
		ok = run_hook(r, &hp, &c->run[i], c->run[i].timeout, problem);
		if (ok == 0)
			failed_as(problem, what, c->run[i].argv[0]);
		free(label);
	}
	for (i = 0; ok == 1 && i < c->nhttp; i++) {
		/* the record and the trail name the URL without its secrets */
		shown = redact_url(c->http[i].url);
		k = record_phase_begin(r->rec, "http", shown, run_clock(r), NULL);
		record_set_phase_str(r->rec, k, "for", phase);
		state_log(&r->s->st, r->ps, "begin %s run %s: %s %s",
		    r->ps->id, r->id, strcmp(phase, "precheck") == 0 ?
		    "precheck" : "check", shown);
		free(shown);
		if ((r->err_rc = run_checkpoint(r, &r->err)) != OUT_OK)
			return -1;
		ok = verify_http(&c->http[i], &vh, problem);
		record_phase_end(r->rec, k, run_clock(r), -1, 0, 0, ok ? "ok" :
		    "failed", ok ? NULL : *problem, NULL);
	}
	return ok;
}

/*
 * Verification hooks, then HTTP checks; all again after an interruption.
 * Returns 1, 0 (*problem) or -1 (the record could not be committed).
 */
static int
phase_verify(struct run *r, char **problem)
{
	const struct checks *c = &r->p->verify;

	test_pause("verify");
	return run_checks(r, "verify", "verification hook", c, 1, problem);
}

/* Does a policy precheck apply to the plan's groups? */
static int
precheck_applies(const struct precheck_rule *pr, char *const *groups)
{
	size_t	 i;

	if (pr->groups == NULL)
		return 1;
	for (i = 0; groups[i] != NULL; i++) {
		if (strv_has(pr->groups, groups[i]))
			return 1;
	}
	return 0;
}

/*
 * Preflight: the policy's prechecks for the plan's groups, then the
 * plan's own, before the backup. 1 when all pass (or there are none), 0
 * (*problem) when one fails, -1 when the record could not be committed.
 */
static int
phase_precheck(struct run *r, char **problem)
{
	const struct policy *pol = r->s->chk.policy;
	char	**groups = run_groups(r);
	size_t	 i;
	int	 ok = 1;

	test_pause("precheck");
	for (i = 0; ok == 1 && i < pol->nprechecks; i++) {
		if (precheck_applies(&pol->prechecks[i], groups))
			ok = run_checks(r, "precheck", "precheck hook",
			    &pol->prechecks[i].checks, 1, problem);
	}
	free(groups);
	if (ok == 1)
		ok = run_checks(r, "precheck", "precheck hook", &r->p->precheck,
		    1, problem);
	return ok;
}

/*
 * A precheck failed: nothing was changed. The run ends as deferred, the
 * plan keeps its slot (run --due tries again inside it).
 */
static int
defer_run(struct run *r, char *problem, char **cause)
{
	struct plan_state *ps = r->ps;
	int64_t	 now = run_clock(r);
	int	 rc;

	set_outcome(ps, "deferred");
	record_set_time(r->rec, "ended_at", now);
	record_set_str(r->rec, "outcome", "deferred");
	record_set_str(r->rec, "reason", problem);
	free(ps->reason);
	ps->reason = xasprintf("deferred: %s", problem);
	state_set_status(&r->s->st, ps, ST_SCHEDULED, now);
	state_log(&r->s->st, ps, "deferred %s run %s: %s", ps->id, r->id,
	    problem);
	if ((rc = run_checkpoint(r, cause)) == OUT_OK) {
		*cause = xasprintf("gate 'precheck': %s; nothing was changed: "
		    "the run is deferred (run --due tries again inside the slot)",
		    problem);
		rc = OUT_INVALID;
	}
	free(problem);
	return rc;
}

/* The run is over: record, state and the operator's message agree. */
static int
finish(struct run *r, enum status st, const char *outcome, char *reason,
    char **cause)
{
	struct plan_state *ps = r->ps;
	int64_t	 now = run_clock(r);
	int	 rc;

	record_set_time(r->rec, "ended_at", now);
	record_set_str(r->rec, "outcome", outcome);
	record_set_str(r->rec, "reason", reason);
	set_outcome(ps, outcome);
	free(ps->reason);
	ps->reason = reason != NULL ? xstrdup(reason) : NULL;
	state_set_status(&r->s->st, ps, st, now);
	if (reason != NULL)
		state_log(&r->s->st, ps, "%s %s run %s: %s", outcome, ps->id, r->id,
		    reason);
	else
		state_log(&r->s->st, ps, "%s %s run %s", outcome, ps->id, r->id);
	rc = run_checkpoint(r, cause);
	if (rc == OUT_OK && st != ST_COMPLETED) {
		*cause = reason;
		return OUT_FAILED;
	}
	free(reason);
	return rc;
}

/*
 * The rollback succeeded: check the system again with the plan's
 * verification (unless the plan says "verify_after_rollback": false). A
 * system that does not verify after its rollback is a failure of its own.
 */
static int
after_rollback(struct run *r, const char *problem, char **cause)
{
	const struct checks *c = &r->p->verify;
	char	*why = NULL;
	int	 ok;

	if (!r->p->verify_after_rollback)
		return finish(r, ST_ROLLED_BACK, "rolled-back", xasprintf("%s; "
		    "the rollback succeeded", problem), cause);
	state_log(&r->s->st, r->ps, "verify %s run %s: after the rollback",
	    r->ps->id, r->id);
	run_progress(r, "verify: checking the system again after the rollback");
	if ((ok = run_checks(r, "verify", "verification hook", c, 0,
	    &why)) < 0)
		return run_fatal(r, cause);
	record_set_str(r->rec, "after_rollback", ok ? "verified" :
	    "verification failed");
	if (ok) {
		free(why);
		return finish(r, ST_ROLLED_BACK, "rolled-back", xasprintf("%s; "
		    "rolled back, verified", problem), cause);
	}
	ok = finish(r, ST_FAILED, "failed", xasprintf("%s; rolled back, "
	    "verification FAILED (%s): the system needs attention", problem,
	    why), cause);
	free(why);
	return ok;
}

/*
 * Something failed after the backup: undo with the rollback hook. The
 * reason is committed first, so a run interrupted here resumes with the
 * rollback. Takes problem.
 */
static int
roll_back(struct run *r, char *problem, char **cause)
{
	struct hook_phase hp = { "rollback", "rollback", "rollback", 0, 0 };
	char	*why = NULL;
	int	 rc;

	record_set_str(r->rec, "rollback_reason", problem);
	state_log(&r->s->st, r->ps, "rollback %s run %s: %s", r->ps->id, r->id,
	    problem);
	if ((rc = run_checkpoint(r, cause)) != OUT_OK) {
		free(problem);
		return rc;
	}
	test_pause("rollback");
	if (r->p->rollback.argv == NULL) {
		why = xasprintf("%s; the plan has no rollback hook (risk.rollback "
		    "none): the change is left as it is", problem);
		free(problem);
		return finish(r, ST_FAILED, "failed", why, cause);
	}
	/* a stop that ended a step must not cut the rollback short */
	if (record_bool(r->rec, "rollback_done"))
		rc = 1;		/* done before an interruption: verify again */
	else if ((rc = run_hook(r, &hp, &r->p->rollback,
	    r->p->rollback.timeout, &why)) == 1) {
		record_set_bool(r->rec, "rollback_done", 1);
		if ((r->err_rc = run_checkpoint(r, &r->err)) != OUT_OK)
			rc = -1;
	}
	if (rc < 0)
		rc = run_fatal(r, cause);
	else if (rc == 1)
		rc = after_rollback(r, problem, cause);
	else
		rc = finish(r, ST_FAILED, "failed", xasprintf("%s; the rollback "
		    "FAILED too (%s): the system needs attention", problem, why),
		    cause);
	free(why);
	free(problem);
	return rc;
}

/*
 * A resumed run needs the manifest the backup left, for the rollback:
 * written back durably, or the run stops before any hook runs.
 */
static int
restore_manifest(struct run *r, char **cause)
{
	char	*m;
	int	 rc = 0;

	if ((m = record_manifest(r->rec)) == NULL)
		return 0;
	if (fs_write_atomic(r->manifest, m, strlen(m), 0600) != 0) {
		*cause = xasprintf("cannot restore the backup manifest at '%s': "
		    "%s; nothing was run", r->manifest, strerror(errno));
		rc = -1;
	}
	free(m);
	return rc;
}

/* Move to the next phase's status, committed. */
static int
advance(struct run *r, enum status st, const char *what, char **cause)
{
	state_set_status(&r->s->st, r->ps, st, run_clock(r));
	state_log(&r->s->st, r->ps, "%s %s run %s ok", what, r->ps->id, r->id);
	return run_checkpoint(r, cause);
}

/*
 * Backup, steps, verification; rollback on failure. A resumed run goes on
 * from its first unfinished phase (the rollback, if it had begun).
 */
static int
execute(struct run *r, char **cause)
{
	const char *again;
	char	*problem = NULL, *m;
	int	 rc;

	if (restore_manifest(r, cause) != 0)
		return OUT_ENV;
	if ((again = record_str(r->rec, "rollback_reason")) != NULL)
		return roll_back(r, xstrdup(again), cause);
	if (!r->opts->resume && !record_phase_ok(r->rec, "backup", "backup")) {
		if ((rc = phase_precheck(r, &problem)) < 0)
			return run_fatal(r, cause);
		if (rc == 0)
			return defer_run(r, problem, cause);
	}
	if (!record_phase_ok(r->rec, "backup", "backup")) {
		if ((rc = phase_backup(r, &problem)) < 0)
			return run_fatal(r, cause);
		if (rc == 0) {
			m = xasprintf("backup failed (%s): no step was run, "
			    "nothing to roll back", problem);
			free(problem);
			return finish(r, ST_FAILED, "failed", m, cause);
		}
	}
	if (r->ps->status == ST_BACKING_UP &&
	    (rc = advance(r, ST_EXECUTING, "backup", cause)) != OUT_OK)
		return rc;
	if (r->ps->status == ST_EXECUTING) {
		if ((rc = phase_steps(r, &problem)) < 0)
			return run_fatal(r, cause);
		if (rc == 0)
			return roll_back(r, problem, cause);
		if ((rc = advance(r, ST_VERIFYING, "steps", cause)) != OUT_OK)
			return rc;
	}
	if ((rc = phase_verify(r, &problem)) < 0)
		return run_fatal(r, cause);
	if (rc == 0) {
		m = xasprintf("verification failed: %s", problem);
		free(problem);
		return roll_back(r, m, cause);
	}
	return finish(r, ST_COMPLETED, "completed", NULL, cause);
}

static void
run_release(struct run *r)
{
	/* the file goes once the run has ended; an interrupted one keeps it */
	if (r->lockpath != NULL)
		runlock_release(r->lockpath, r->lockfd, r->ps != NULL &&
		    !run_status_running(r->ps->status));
	free(r->lockpath);
	strv_free(r->orphans);
	free(r->abort_by);
	free(r->abort_msg);
	if (r->prepared)
		rmtree(r->dir);
	record_free(r->rec);
	store_files_release(&r->files);
	free(r->id);
	free(r->dir);
	free(r->tree);
	free(r->manifest);
	free(r->err);
	free(r->commit);
	if (r->have_then)
		check_result_release(&r->then);
}

/* The lock was taken but nothing could start: give the slot back. */
static int
abort_run(struct run *r, char *why, char **cause)
{
	int	 rc;

	set_outcome(r->ps, "aborted");
	record_set_time(r->rec, "ended_at", run_clock(r));
	record_set_str(r->rec, "outcome", "aborted");
	record_set_str(r->rec, "reason", why);
	state_set_status(&r->s->st, r->ps, ST_SCHEDULED, run_clock(r));
	state_log(&r->s->st, r->ps, "abort %s run %s: %s", r->ps->id, r->id, why);
	rc = run_checkpoint(r, cause);
	if (rc == OUT_OK) {
		*cause = why;
		return OUT_ENV;
	}
	free(why);
	return rc;
}

int
run_change(struct session *s, const char *id, const struct run_opts *o,
    const struct run_events *ev, char **cause)
{
	struct run r;
	char	*why = NULL;
	int	 rc;

	memset(&r, 0, sizeof r);
	r.lockfd = -1;
	r.s = s;
	r.opts = o;
	r.ev = ev;
	r.mono0 = mono_ms();
	r.clock0 = s->now;
	r.commit = xstrdup(repo_tree_commit(s->tree));
	session_reconcile(s);
	/* a run to resume may have lost its plan file since it began */
	r.p = session_plan(s, id);
	if ((r.ps = state_find(&s->st, id)) == NULL || (r.p == NULL &&
	    !o->resume)) {
		*cause = session_no_plan(s, id);
		run_release(&r);
		return OUT_INVALID;
	}
	if ((rc = run_gates(&r, cause)) != OUT_OK ||
	    (rc = o->resume ? run_take_over(&r, cause) : take_lock(&r, cause)) !=
	    OUT_OK) {
		run_release(&r);
		return rc;
	}
	if (r.dir == NULL)
		run_work_paths(&r);
	why = tz_format(r.ps->slot.end, r.ps->slot.timezone);
	run_progress(&r, "%s: %s %s by %s; the slot in '%s' ends at %s", id,
	    o->resume ? "resuming run" : "run", r.id, o->operator,
	    r.ps->slot.window, why);
	free(why);
	why = NULL;
	if (prepare_dir(&r, &why) != 0) {
		if (o->resume) {
			*cause = why;	/* still interrupted: try again */
			rc = OUT_ENV;
		} else
			rc = abort_run(&r, why, cause);
	} else
		rc = execute(&r, cause);
	run_release(&r);
	return rc;
}

int
run_cancel_record(struct session *s, const struct plan_state *ps,
    const char *why, int64_t now, struct store_file *out, char **cause)
{
	struct record *rec;
	char	*path, *text, *err;
	size_t	 len, i;
	int	 rc;

	memset(out, 0, sizeof *out);
	if (ps->run.id == NULL || !run_status_running(ps->status))
		return 0;
	path = xasprintf("records/%s/%s.json", ps->id, ps->run.id);
	if ((rc = store_read(s->repo, &s->st, path, &text, &len, cause)) != 0) {
		free(path);
		return rc < 0 ? -1 : 0;
	}
	rec = record_parse(text, len, &err);
	free(text);
	if (rec == NULL) {
		*cause = xasprintf("%s: %s", path, err);
		free(err);
		free(path);
		return -1;
	}
	for (i = 0; i < record_nphases(rec); i++)
		record_phase_interrupted(rec, i, "offpeak was interrupted while "
		    "this phase ran");
	record_set_time(rec, "ended_at", now);
	record_set_str(rec, "outcome", "cancelled");
	record_set_str(rec, "reason", why);
	text = record_to_json(rec);
	record_free(rec);
	out->path = path;
	out->data = text;
	out->len = strlen(text);
	return 0;
}

int
run_abort_request(struct session *s, struct plan_state *ps, const char *who,
    const char *msg, struct store_file *f, char **cause)
{
	const struct policy *pol = s->chk.policy;
	struct run r;
	char	**groups, *at;
	int	 ok;
	json_t	*o;

	memset(f, 0, sizeof *f);
	if (!run_status_running(ps->status) || ps->run.id == NULL) {
		*cause = xasprintf("'%s' has no run in progress (it is %s)", ps->id,
		    status_names[ps->status]);
		return -1;
	}
	if (run_interrupted(ps)) {
		*cause = xasprintf("run %s of '%s' was interrupted: nothing runs to "
		    "stop; 'offpeak run %s --resume' or 'offpeak cancel %s -m ...'",
		    ps->run.id, ps->id, ps->id, ps->id);
		return -1;
	}
	memset(&r, 0, sizeof r);
	r.s = s;
	r.ps = ps;
	r.p = session_plan(s, ps->id);
	groups = run_groups(&r);
	ok = policy_is_operator(pol, who, groups);
	free(groups);
	if (!ok) {
		*cause = xasprintf("'%s' is not an operator of '%s' (offpeak.json "
		    "\"operators\"): only they may abort it", who, ps->id);
		return -1;
	}
	at = dt_format_utc(s->now);
	o = json_pack("{s:s, s:s, s:s, s:s}", "run", ps->run.id, "by", who,
	    "message", msg, "at", at);
	free(at);
	f->path = xasprintf("aborts/%s/%s.json", ps->id, ps->run.id);
	f->data = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	f->len = strlen(f->data);
	json_decref(o);
	state_log(&s->st, ps, "abort-request %s run %s by %s: %s", ps->id,
	    ps->run.id, who, msg);
	return 0;
}

static int
due_cmp(const void *a, const void *b)
{
	const struct plan_state *x = *(const struct plan_state *const *)a;
	const struct plan_state *y = *(const struct plan_state *const *)b;

	if (x->slot.start != y->slot.start)
		return x->slot.start < y->slot.start ? -1 : 1;
	return strcmp(x->id, y->id);
}

char **
run_due(struct session *s, size_t *running)
{
	const struct plan_state **v;
	const struct plan_state *ps;
	const struct plan *p;
	char	**ids;
	size_t	 i, n = 0;

	*running = 0;
	v = xcalloc(s->st.n + 1, sizeof *v);
	for (i = 0; i < s->st.n; i++) {
		ps = s->st.items[i];
		if (run_status_running(ps->status))
			(*running)++;
		if (ps->status != ST_SCHEDULED || !ps->slot_live ||
		    s->now < ps->slot.start || s->now >= ps->slot.end ||
		    s->now < ps->published_at + ps->risk.notice ||
		    (p = session_plan(s, ps->id)) == NULL ||
		    p->execution != EXEC_AUTOMATIC || strcmp(p->blob,
		    ps->revision) != 0)
			continue;
		v[n++] = ps;
	}
	array_sort(v, n, sizeof *v, due_cmp);
	ids = xcalloc(n + 1, sizeof *ids);
	for (i = 0; i < n; i++)
		ids[i] = xstrdup(v[i]->id);
	free(v);
	return ids;
}
