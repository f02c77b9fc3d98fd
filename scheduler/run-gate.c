/*
 * run-gate: what must hold before a change runs — the operator, the
 * approvals and the state, the slot and the notice, the freezes — and the
 * operator's signed statement of the run.
 */
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "freezefeed.h"
#include "plan.h"
#include "policy.h"
#include "record.h"
#include "run.h"
#include "run-int.h"
#include "session.h"
#include "sshsig.h"
#include "state.h"
#include "trust.h"
#include "tz.h"
#include "util.h"
#include "window.h"

/* A run in progress: held elsewhere (exit 4) or interrupted (exit 1). */
static int
gate_running(struct run *r, char **cause)
{
	struct plan_state *ps = r->ps;
	char	*since = dt_format_utc(ps->run.started);
	int	 rc = OUT_RACE;

	if (run_interrupted(ps)) {
		*cause = xasprintf("gate 'lock': run %s of '%s' (by %s since %s) "
		    "was interrupted in phase %s: its process %ld on this host "
		    "is gone; continue it with 'offpeak run %s --resume' or "
		    "stop it with 'offpeak cancel %s -m ...'", ps->run.id, ps->id,
		    ps->run.operator, since, status_names[ps->status],
		    ps->run.pid, ps->id, ps->id);
		rc = OUT_INVALID;
	} else if (run_alive_here(ps))
		*cause = xasprintf("gate 'lock': run %s of '%s' by %s (process "
		    "%ld on this host, since %s) holds the lock and is still "
		    "running", ps->run.id, ps->id, ps->run.operator, ps->run.pid,
		    since);
	else
		*cause = xasprintf("gate 'lock': run %s of '%s' by %s on %s "
		    "(process %ld) since %s holds the lock; if it was "
		    "interrupted, continue it with 'offpeak run %s --resume'",
		    ps->run.id, ps->id, ps->run.operator, ps->run.host,
		    ps->run.pid, since, ps->id);
	free(since);
	return rc;
}

/* Not approved: say why, and whether an edit voided earlier approvals. */
static char *
not_approved(struct run *r, int n)
{
	const struct plan_state *ps = r->ps;
	size_t	 i, old = 0;

	for (i = 0; i < ps->napprovals; i++) {
		if (!ps->approvals[i].reject &&
		    strcmp(ps->approvals[i].revision, ps->revision) != 0)
			old++;
	}
	return xasprintf("gate 'approved': '%s' is %s, with %d of %d "
	    "approvals for its current revision %.12s%s", ps->id,
	    status_names[ps->status], n, ps->risk.approvals, ps->revision,
	    old > 0 ? "; the plan changed after it was approved, which voids "
	    "approvals: approve it again, then schedule it" : "");
}

static int
gate_status(struct run *r, char **cause)
{
	struct plan_state *ps = r->ps;
	struct approval_count c;
	int	 n, running = run_status_running(ps->status);

	if (running && (!r->opts->resume || run_alive_here(ps)))
		return gate_running(r, cause);
	if (r->opts->resume && !running) {
		*cause = xasprintf("'%s' has no interrupted run to resume (it is "
		    "%s)", ps->id, status_names[ps->status]);
		return OUT_INVALID;
	}
	if (running)
		return OUT_OK;
	trust_count(r->s->chk.policy, ps, &c);
	n = c.n;
	approval_count_release(&c);
	if (ps->status == ST_COMPLETED)
		*cause = xasprintf("gate 'not completed': '%s' already ran to "
		    "completion (run %s)", ps->id, ps->run.id != NULL ?
		    ps->run.id : "?");
	else if (ps->status == ST_SUBMITTED || ps->status == ST_ASSESSED ||
	    ps->status == ST_REJECTED)
		*cause = not_approved(r, n);
	else if ((ps->status == ST_ROLLED_BACK || ps->status == ST_FAILED) &&
	    ps->run.id != NULL)
		*cause = xasprintf("gate 'scheduled': '%s' is %s after run %s; "
		    "to try again, edit the plan, then approve and schedule it",
		    ps->id, status_names[ps->status], ps->run.id);
	else if (ps->status != ST_SCHEDULED || !ps->slot_live)
		*cause = xasprintf("gate 'scheduled': '%s' is %s, without a slot%s",
		    ps->id, status_names[ps->status], ps->status == ST_APPROVED ?
		    " (run 'offpeak schedule')" : "");
	else
		return OUT_OK;
	return OUT_INVALID;
}

static int
gate_time(struct run *r, char **cause)
{
	const struct plan_state *ps = r->ps;
	int64_t	 now = run_clock(r), held = ps->published_at + ps->risk.notice;
	char	*a, *wait;

	if (now < ps->slot.start || now >= ps->slot.end) {
		a = tz_format(now < ps->slot.start ? ps->slot.start :
		    ps->slot.end, ps->slot.timezone);
		wait = dur_human(ps->slot.start - now);
		if (now < ps->slot.start)
			*cause = xasprintf("gate 'window': now is before the "
			    "slot of '%s'; it opens at %s (in %s)", ps->id, a,
			    wait);
		else
			*cause = xasprintf("gate 'window': the slot of '%s' ended "
			    "at %s; 'offpeak schedule' gives it a new one", ps->id, a);
		free(a);
		free(wait);
		return OUT_INVALID;
	}
	if (now < held) {
		a = tz_format(held, ps->slot.timezone);
		wait = dur_human(held - now);
		*cause = xasprintf("gate 'notice': the notice of '%s' holds only "
		    "from %s (in %s); 'offpeak schedule' moves it to a slot "
		    "after that", ps->id, a, wait);
		free(a);
		free(wait);
		return OUT_INVALID;
	}
	return OUT_OK;
}

/* Does the freeze touch one of the plan's systems' groups? */
static int
freeze_touches(const struct policy *pol, const struct freeze_def *f,
    const struct plan *p)
{
	const struct system *s;
	size_t	 i, j;

	if (f->groups == NULL)
		return 1;
	for (i = 0; p->systems[i] != NULL; i++) {
		if ((s = policy_system(pol, p->systems[i])) == NULL)
			continue;
		for (j = 0; f->groups[j] != NULL; j++) {
			if (strcmp(f->groups[j], s->group) == 0)
				return 1;
		}
	}
	return 0;
}

/* The end of a freeze in force at now, or 0. */
static int64_t
frozen_until(struct run *r, const struct freeze_def *f,
    const struct freeze_feeds *ff, size_t index, int64_t now, char **cause)
{
	struct interval *iv = NULL;
	size_t	 n = 0, i;
	int64_t	 until = 0;

	if (f->kind == FREEZE_URL) {
		for (i = 0; i < ff->nevents; i++) {
			if (ff->events[i].freeze == index &&
			    ff->events[i].start <= now && now < ff->events[i].end &&
			    ff->events[i].end > until)
				until = ff->events[i].end;
		}
		return until;
	}
	if (freeze_expand(f, now - 8 * 86400, now + 86400, &iv, &n, cause) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (iv[i].start <= now && now < iv[i].end && iv[i].end > until)
			until = iv[i].end;
	}
	free(iv);
	(void)r;
	return until;
}

/*
 * Does a break-glass placement, whose approvals still count, override this
 * freeze for the plan?
 */
static int
overridden(struct run *r, const char *freeze)
{
	const struct plan_state *ps = r->ps;
	struct approval_count c;
	size_t	 i;
	int	 ok;

	if (ps->break_glass.by == NULL)
		return 0;
	for (i = 0; ps->break_glass.freezes != NULL &&
	    ps->break_glass.freezes[i] != NULL; i++) {
		if (strcmp(ps->break_glass.freezes[i], freeze) == 0)
			break;
	}
	if (ps->break_glass.freezes == NULL || ps->break_glass.freezes[i] == NULL)
		return 0;
	trust_count(r->s->chk.policy, ps, &c);
	ok = ps->risk.emergency && trust_break_glass(r->s->chk.policy, &c);
	approval_count_release(&c);
	return ok;
}

static int
gate_freeze(struct run *r, char **cause)
{
	const struct policy *pol = r->s->chk.policy;
	struct freeze_feeds ff;
	int64_t	 now = run_clock(r), until;
	size_t	 i;
	char	*t;
	int	 rc;

	if ((rc = freeze_feeds_load(r->s, &ff, cause)) != OUT_OK)
		return rc;
	for (i = 0; rc == OUT_OK && i < pol->nfreezes; i++) {
		if (!freeze_touches(pol, &pol->freezes[i], r->p) ||
		    overridden(r, pol->freezes[i].name))
			continue;
		if ((until = frozen_until(r, &pol->freezes[i], &ff, i, now,
		    cause)) < 0)
			rc = OUT_ENV;
		else if (until > 0) {
			t = tz_format(until, r->ps->slot.timezone);
			*cause = xasprintf("gate 'freeze': freeze '%s' is in force "
			    "until %s", pol->freezes[i].name, t);
			free(t);
			rc = OUT_INVALID;
		}
	}
	/* refreshed feed caches go into the lock commit */
	for (i = 0; rc == OUT_OK && i < ff.files.n; i++) {
		run_queue_file(r, xstrdup(ff.files.v[i].path), ff.files.v[i].data ?
		    xstrndup(ff.files.v[i].data, ff.files.v[i].len) : NULL,
		    ff.files.v[i].len);
	}
	for (i = 0; ff.warnings != NULL && ff.warnings[i] != NULL; i++)
		run_progress(r, "warning: %s", ff.warnings[i]);
	freeze_feeds_release(&ff);
	return rc;
}

/* The groups of the plan's systems (borrowed strings, vector allocated). */
char **
run_groups(struct run *r)
{
	const struct policy *pol = r->s->chk.policy;
	char	*const *systems = r->p != NULL ? r->p->systems : r->ps->snap.systems;
	const struct system *sys;
	char	**v = xcalloc(strv_len(systems) + 1, sizeof *v);
	size_t	 i, n = 0;

	for (i = 0; systems != NULL && systems[i] != NULL; i++) {
		if ((sys = policy_system(pol, systems[i])) != NULL)
			v[n++] = sys->group;
	}
	return v;
}

/* Is the operator one the policy lets run this change? */
static int
gate_operator(struct run *r, char **cause)
{
	char	**groups = run_groups(r), *list;
	int	 ok = policy_is_operator(r->s->chk.policy, r->opts->operator,
	    groups);

	if (!ok) {
		list = strv_join((const char *const *)groups, ", ");
		*cause = xasprintf("gate 'operator': '%s' is not an operator for "
		    "%s (offpeak.json \"operators\")%s", r->opts->operator,
		    *list != '\0' ? list : "this change",
		    r->s->trust.required ? "; with signing required, the "
		    "operator is the principal of the signing key" : "");
		free(list);
	}
	free(groups);
	return ok ? OUT_OK : OUT_INVALID;
}

/*
 * With signing required, the operator signs what the run is about: the
 * plan, its revision, the run, the slot, who and when (trust.h); the
 * signature is checked before it goes into the record.
 */
int
run_sign(struct run *r, const char *action, int64_t now, char **cause)
{
	struct run_statement st;
	struct record_signature sg;
	char	*text, *sig = NULL, *why = NULL;
	size_t	 n;

	if (!r->s->trust.required)
		return OUT_OK;
	memset(&st, 0, sizeof st);
	st.plan = r->ps->id;
	st.revision = record_str(r->rec, "revision");
	st.run = r->id;
	st.start = record_time(r->rec, "slot_start");
	st.end = record_time(r->rec, "slot_end");
	st.principal = r->opts->operator;
	st.at = now;
	st.action = action;
	text = trust_run_statement(&st);
	if (r->opts->key == NULL || sshsig_sign(r->opts->key, SSHSIG_NS_RUN,
	    text, strlen(text), &sig, &why) != 0) {
		free(text);
		*cause = xasprintf("gate 'signature': the run statement cannot be "
		    "signed: %s", why != NULL ? why : "no key");
		free(why);
		return OUT_INVALID;
	}
	free(text);
	sg.action = action;
	sg.principal = r->opts->operator;
	sg.at = now;
	sg.signature = sig;
	record_add_signature(r->rec, &sg);
	free(sig);
	n = record_nsignatures(r->rec);
	if (trust_verify_record(&r->s->trust, r->rec, n - 1, &why) != 0) {
		*cause = xasprintf("gate 'signature': the run statement does not "
		    "verify: %s", why);
		free(why);
		return OUT_INVALID;
	}
	return OUT_OK;
}

/* Every gate, in the order an operator would want to hear about them. */
int
run_gates(struct run *r, char **cause)
{
	int	 rc;

	if ((rc = gate_operator(r, cause)) != OUT_OK)
		return rc;

	if ((rc = gate_status(r, cause)) != OUT_OK)
		return rc;
	if (r->opts->resume)
		return OUT_OK;	/* a change half done is finished or undone */
	if ((rc = gate_time(r, cause)) != OUT_OK)
		return rc;
	return gate_freeze(r, cause);
}
