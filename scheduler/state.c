/* state: the workflow state of every plan, as kept on the state branch */
#include <jansson.h>
#include <stdarg.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datetime.h"
#include "jarena.h"
#include "jsonx.h"
#include "plan.h"
#include "policy.h"
#include "risk.h"
#include "state.h"
#include "trust.h"
#include "tz.h"

const char *const status_names[ST_COUNT + 1] = {
	"submitted", "assessed", "approved", "scheduled",
	"backing-up", "executing", "verifying", "completed",
	"rejected", "cancelled", "expired", "superseded",
	"rolled-back", "failed", NULL
};

void
state_init(struct state *s)
{
	memset(s, 0, sizeof *s);
	buf_init(&s->log);
}

static void
snapshot_release(struct snapshot *n)
{
	free(n->title);
	free(n->owner);
	free(n->type);
	free(n->impact);
	free(n->rollback);
	strv_free(n->systems);
	free(n->description);
	memset(n, 0, sizeof *n);
}

static void
assessment_release(struct assessment *a)
{
	size_t	 i;

	free(a->level);
	for (i = 0; i < a->nfactors; i++)
		free(a->factors[i].name);
	free(a->factors);
	memset(a, 0, sizeof *a);
}

void
approval_release(struct approval *a)
{
	free(a->approver);
	free(a->comment);
	free(a->signature);
	free(a->problem);
	memset(a, 0, sizeof *a);
}

void
plan_state_free(struct plan_state *ps)
{
	size_t	 i;

	if (ps == NULL)
		return;
	free(ps->id);
	assessment_release(&ps->risk);
	free(ps->slot.window);
	free(ps->slot.timezone);
	free(ps->reason);
	free(ps->run.id);
	free(ps->run.operator);
	free(ps->run.host);
	free(ps->run.outcome);
	strv_free(ps->break_glass.by);
	strv_free(ps->break_glass.freezes);
	free(ps->break_glass.overspend);
	snapshot_release(&ps->snap);
	for (i = 0; i < ps->napprovals; i++)
		approval_release(&ps->approvals[i]);
	free(ps->approvals);
	free(ps);
}

void
state_release(struct state *s)
{
	size_t	 i;

	for (i = 0; i < s->n; i++)
		plan_state_free(s->items[i]);
	free(s->items);
	buf_release(&s->log);
	strv_free(s->warnings);
	state_init(s);
}

/* Index of id, or where it would go (negative - 1). */
static long
state_search(const struct state *s, const char *id)
{
	size_t	 lo = 0, hi = s->n, mid;
	int	 c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(s->items[mid]->id, id);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(long)lo - 1;
}

struct plan_state *
state_find(const struct state *s, const char *id)
{
	long	 i = state_search(s, id);

	return i >= 0 ? s->items[i] : NULL;
}

struct plan_state *
plan_state_new(const char *id)
{
	struct plan_state *ps = xcalloc(1, sizeof *ps);

	ps->id = xstrdup(id);
	ps->status = ST_SUBMITTED;
	return ps;
}

static int
plan_state_cmp(const void *a, const void *b)
{
	return strcmp((*(struct plan_state *const *)a)->id,
	    (*(struct plan_state *const *)b)->id);
}

void
state_adopt(struct state *s, struct plan_state **v, size_t n)
{
	array_sort(v, n, sizeof *v, plan_state_cmp);
	free(s->items);
	s->items = v;
	s->n = n;
	s->alloc = n;
}

struct plan_state *
state_get(struct state *s, const char *id)
{
	long	 i = state_search(s, id);
	size_t	 at;
	struct plan_state *ps;

	if (i >= 0)
		return s->items[i];
	at = (size_t)(-i - 1);
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? s->alloc * 2 : 64;
		s->items = xreallocarray(s->items, s->alloc, sizeof *s->items);
	}
	memmove(&s->items[at + 1], &s->items[at], (s->n - at) * sizeof *s->items);
	ps = plan_state_new(id);
	s->items[at] = ps;
	s->n++;
	return ps;
}

/*
 * When a plan was submitted: its first commit's time, but never after the
 * clock (a commit dated ahead of a simulated or skewed clock was made
 * "now") nor before the epoch (git takes any date; offpeak's times start
 * in 1970).
 */
static int64_t
submission_time(int64_t added, int64_t now)
{
	if (added == 0 || added > now)
		return now;
	return added < 0 ? 0 : added;
}

void
state_log(struct state *s, struct plan_state *ps, const char *fmt, ...)
{
	va_list	 ap;
	char	*line;

	va_start(ap, fmt);
	line = xvasprintf(fmt, ap);
	va_end(ap);
	buf_adds(&s->log, line);
	buf_addc(&s->log, '\n');
	s->nlog++;
	free(line);
	if (ps != NULL)
		ps->dirty = 1;
}

void
state_set_status(struct state *s, struct plan_state *ps, enum status st,
    int64_t now)
{
	if (ps->status == st)
		return;
	ps->status = st;
	ps->sequence++;
	ps->updated_at = now;
	ps->dirty = 1;
	(void)s;
}

/* The workflow's single steps (DESIGN.md, "The workflow"). */
static const enum status steps[][2] = {
	{ ST_SUBMITTED, ST_ASSESSED }, { ST_SUBMITTED, ST_CANCELLED },
	{ ST_ASSESSED, ST_APPROVED }, { ST_ASSESSED, ST_REJECTED },
	{ ST_ASSESSED, ST_CANCELLED },
	{ ST_APPROVED, ST_SCHEDULED }, { ST_APPROVED, ST_ASSESSED },
	{ ST_APPROVED, ST_REJECTED }, { ST_APPROVED, ST_CANCELLED },
	{ ST_APPROVED, ST_EXPIRED },
	{ ST_SCHEDULED, ST_APPROVED }, { ST_SCHEDULED, ST_ASSESSED },
	{ ST_SCHEDULED, ST_REJECTED }, { ST_SCHEDULED, ST_CANCELLED },
	{ ST_SCHEDULED, ST_EXPIRED }, { ST_SCHEDULED, ST_BACKING_UP },
	{ ST_SUPERSEDED, ST_ASSESSED }, { ST_SUPERSEDED, ST_CANCELLED },
	{ ST_BACKING_UP, ST_EXECUTING }, { ST_EXECUTING, ST_VERIFYING },
	{ ST_VERIFYING, ST_COMPLETED },
	{ ST_BACKING_UP, ST_ROLLED_BACK }, { ST_EXECUTING, ST_ROLLED_BACK },
	{ ST_VERIFYING, ST_ROLLED_BACK },
	{ ST_BACKING_UP, ST_FAILED }, { ST_EXECUTING, ST_FAILED },
	{ ST_VERIFYING, ST_FAILED },
	{ ST_BACKING_UP, ST_CANCELLED }, { ST_EXECUTING, ST_CANCELLED },
	{ ST_VERIFYING, ST_CANCELLED },
	{ ST_BACKING_UP, ST_SCHEDULED }	/* aborted before any change */
};

/* A run's states and outcomes: reached only from a scheduled plan's run. */
static int
of_run(enum status st)
{
	return st == ST_BACKING_UP || st == ST_EXECUTING || st == ST_VERIFYING ||
	    st == ST_COMPLETED || st == ST_ROLLED_BACK || st == ST_FAILED;
}

int
state_transition_allowed(enum status from, enum status to)
{
	int	 reach[ST_COUNT] = { 0 }, grew = 1;
	size_t	 i;

	if (to != from && of_run(to) && from != ST_SCHEDULED && !of_run(from))
		return 0;
	reach[from] = 1;
	while (grew) {
		grew = 0;
		for (i = 0; i < nitems(steps); i++) {
			if (reach[steps[i][0]] && !reach[steps[i][1]]) {
				reach[steps[i][1]] = 1;
				grew = 1;
			}
		}
	}
	return reach[to];
}

int
state_slot_missed(const struct plan_state *ps, int64_t now)
{
	return ps->status == ST_SCHEDULED && ps->has_slot && ps->slot_live &&
	    now >= ps->slot.end;
}

int
status_has_slot(enum status st)
{
	return st == ST_SCHEDULED || st == ST_BACKING_UP ||
	    st == ST_EXECUTING || st == ST_VERIFYING;
}

int
status_is_final(enum status st)
{
	return st == ST_COMPLETED || st == ST_CANCELLED || st == ST_EXPIRED ||
	    st == ST_ROLLED_BACK || st == ST_FAILED || st == ST_REJECTED;
}

static void
jw_time(struct jw *w, const char *key, int64_t t)
{
	char	*s = dt_format_utc(t);

	jw_str(w, key, s);
	free(s);
}

/* The same instant in the zone's local time with its offset. */
static void
jw_local(struct jw *w, const char *key, int64_t t, const char *zone)
{
	char	*s = tz_format(t, zone);

	jw_str(w, key, s);
	free(s);
}

static void
jw_opt(struct jw *w, const char *key, const char *s)
{
	if (s != NULL)
		jw_str(w, key, s);
}

static void
assessment_write(struct jw *w, const struct assessment *a)
{
	char	*notice = dur_iso(a->notice);
	size_t	 i;

	jw_open(w, "risk", '{');
	jw_int(w, "score", a->score);
	jw_opt(w, "level", a->level);
	jw_str(w, "notice", notice);
	jw_int(w, "approvals", a->approvals);
	jw_bool(w, "emergency", a->emergency);
	jw_open(w, "factors", '[');
	for (i = 0; i < a->nfactors; i++) {
		jw_open(w, NULL, '{');
		jw_str(w, "factor", a->factors[i].name);
		jw_int(w, "weight", a->factors[i].weight);
		jw_close(w, '{');
	}
	jw_close(w, '[');
	jw_close(w, '{');
	free(notice);
}

static void
slot_write(struct jw *w, const struct slot *sl)
{
	jw_open(w, "slot", '{');
	jw_time(w, "start", sl->start);
	jw_time(w, "end", sl->end);
	jw_local(w, "start_local", sl->start, sl->timezone);
	jw_local(w, "end_local", sl->end, sl->timezone);
	jw_opt(w, "window", sl->window);
	jw_opt(w, "timezone", sl->timezone);
	jw_close(w, '{');
}

static void
snapshot_write(struct jw *w, const struct snapshot *n)
{
	size_t	 i;

	jw_open(w, "plan", '{');
	jw_opt(w, "title", n->title);
	jw_opt(w, "owner", n->owner);
	jw_opt(w, "type", n->type);
	jw_opt(w, "impact", n->impact);
	jw_opt(w, "rollback", n->rollback);
	jw_open(w, "systems", '[');
	for (i = 0; n->systems != NULL && n->systems[i] != NULL; i++)
		jw_str(w, NULL, n->systems[i]);
	jw_close(w, '[');
	jw_opt(w, "description", n->description);
	jw_close(w, '{');
}

static void
strv_write(struct jw *w, const char *key, char *const *v)
{
	size_t	 i;

	jw_open(w, key, '[');
	for (i = 0; v != NULL && v[i] != NULL; i++)
		jw_str(w, NULL, v[i]);
	jw_close(w, '[');
}

static void
break_glass_write(struct jw *w, const struct plan_state *ps)
{
	jw_open(w, "break_glass", '{');
	strv_write(w, "by", ps->break_glass.by);
	strv_write(w, "freezes", ps->break_glass.freezes);
	if (ps->break_glass.outside_window)
		jw_bool(w, "outside_window", 1);
	if (ps->break_glass.overspend != NULL)
		jw_str(w, "overspend", ps->break_glass.overspend);
	jw_close(w, '{');
}

static void
run_write(struct jw *w, const struct plan_state *ps)
{
	jw_open(w, "run", '{');
	jw_opt(w, "id", ps->run.id);
	jw_opt(w, "operator", ps->run.operator);
	jw_opt(w, "host", ps->run.host);
	jw_int(w, "pid", ps->run.pid);
	if (ps->run.pid_start > 0)
		jw_int(w, "pid_start", ps->run.pid_start);
	jw_time(w, "started_at", ps->run.started);
	jw_opt(w, "outcome", ps->run.outcome);
	jw_close(w, '{');
}

/* Written by the thousand: straight to text, no jansson values on the way. */
char *
state_to_json(const struct plan_state *ps)
{
	struct jw w;

	jw_init(&w);
	jw_open(&w, NULL, '{');
	jw_str(&w, "id", ps->id);
	jw_str(&w, "status", status_names[ps->status]);
	jw_str(&w, "revision", ps->revision);
	jw_int(&w, "sequence", ps->sequence);
	jw_time(&w, "submitted_at", ps->submitted_at);
	jw_time(&w, "updated_at", ps->updated_at);
	if (ps->assessed)
		assessment_write(&w, &ps->risk);
	if (ps->has_slot) {
		slot_write(&w, &ps->slot);
		jw_bool(&w, "slot_live", ps->slot_live);
		jw_time(&w, "published_at", ps->published_at);
		if (!ps->slot_live)
			jw_time(&w, "released_at", ps->released_at);
	}
	jw_opt(&w, "reason", ps->reason);
	if (ps->break_glass.by != NULL)
		break_glass_write(&w, ps);
	if (ps->run.id != NULL)
		run_write(&w, ps);
	snapshot_write(&w, &ps->snap);
	jw_close(&w, '{');
	return jw_detach(&w);
}

static char *
get_str(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

static char **
get_strv(json_t *o, const char *key)
{
	json_t	*a = json_object_get(o, key), *v;
	size_t	 i, n = 0;
	char	**out = xcalloc(json_array_size(a) + 1, sizeof *out);

	json_array_foreach(a, i, v) {
		if (json_is_string(v))
			out[n++] = xstrdup(json_string_value(v));
	}
	return out;
}

static int
get_dur(json_t *o, const char *key, int64_t *out)
{
	json_t	*v = json_object_get(o, key);
	char	*cause;

	if (!json_is_string(v) || dur_parse(json_string_value(v), out, 1,
	    &cause) != 0) {
		if (json_is_string(v))
			free(cause);
		return -1;
	}
	return 0;
}

static int
assessment_from(struct assessment *a, json_t *o)
{
	json_t	*f = json_object_get(o, "factors"), *v;
	size_t	 i;

	a->score = json_integer_value(json_object_get(o, "score"));
	a->level = get_str(o, "level");
	a->approvals = (int)json_integer_value(json_object_get(o, "approvals"));
	a->emergency = json_is_true(json_object_get(o, "emergency"));
	a->factors = xcalloc(json_array_size(f) + 1, sizeof *a->factors);
	json_array_foreach(f, i, v) {
		a->factors[a->nfactors].name = get_str(v, "factor");
		a->factors[a->nfactors].weight =
		    json_integer_value(json_object_get(v, "weight"));
		if (a->factors[a->nfactors].name != NULL)
			a->nfactors++;
	}
	return get_dur(o, "notice", &a->notice);
}

static int
slot_from(struct slot *sl, json_t *o)
{
	sl->window = get_str(o, "window");
	sl->timezone = get_str(o, "timezone");
	if (jsonx_get_time(o, "start", &sl->start) != 0 ||
	    jsonx_get_time(o, "end", &sl->end) != 0 || sl->end <= sl->start)
		return -1;
	return 0;
}

static void
snapshot_from(struct snapshot *n, json_t *o)
{
	n->title = get_str(o, "title");
	n->owner = get_str(o, "owner");
	n->type = get_str(o, "type");
	n->impact = get_str(o, "impact");
	n->rollback = get_str(o, "rollback");
	n->systems = get_strv(o, "systems");
	n->description = get_str(o, "description");
}

static int
status_from(const char *s)
{
	int	 i;

	for (i = 0; s != NULL && i < ST_COUNT; i++) {
		if (strcmp(status_names[i], s) == 0)
			return i;
	}
	return -1;
}

/* A git object id as offpeak writes them: 40 lowercase hex digits. */
static int
oid_valid(const char *s)
{
	return s != NULL && strlen(s) == 40 &&
	    strspn(s, "0123456789abcdef") == 40;
}

/*
 * An integer member in [0, max], or absent (0); -1 when it is there and
 * not one. Counters are kept as int, so a forged 2^40 must not wrap.
 */
static int
get_count(json_t *o, const char *key, long long max, long long *out)
{
	json_t	*v = json_object_get(o, key);

	*out = 0;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > max)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

static int
parse_state(struct plan_state *ps, const char *text, size_t len,
    char **cause)
{
	json_error_t err;
	json_t	*o, *v;
	const char *rev, *id;
	long long seq, pid;
	int	 st, bad = 0;

	if ((o = json_loadb(text, len, 0, &err)) == NULL || !json_is_object(o)) {
		*cause = o == NULL ? jsonx_error(&err) :
		    xstrdup("not a JSON object");
		json_decref(o);
		return -1;
	}
	st = status_from(json_string_value(json_object_get(o, "status")));
	rev = json_string_value(json_object_get(o, "revision"));
	id = json_string_value(json_object_get(o, "id"));
	if (st < 0 || !oid_valid(rev)) {
		*cause = xstrdup("bad status or revision");
		json_decref(o);
		return -1;
	}
	if (id != NULL && strcmp(id, ps->id) != 0) {
		*cause = xstrdup("the file names another plan in its \"id\"");
		json_decref(o);
		return -1;
	}
	if (get_count(o, "sequence", INT_MAX - 1000, &seq) != 0) {
		*cause = xstrdup("\"sequence\" is not an integer from 0 to "
		    "2147482647");
		json_decref(o);
		return -1;
	}
	ps->status = st;
	strcpy(ps->revision, rev);
	ps->sequence = (int)seq;
	bad |= jsonx_get_time(o, "submitted_at", &ps->submitted_at);
	bad |= jsonx_get_time(o, "updated_at", &ps->updated_at);
	if ((v = json_object_get(o, "risk")) != NULL) {
		ps->assessed = 1;
		bad |= assessment_from(&ps->risk, v);
	}
	if ((v = json_object_get(o, "slot")) != NULL) {
		ps->has_slot = 1;
		ps->slot_live = json_is_true(json_object_get(o, "slot_live"));
		bad |= slot_from(&ps->slot, v);
		bad |= jsonx_get_time(o, "published_at", &ps->published_at);
		bad |= jsonx_get_time(o, "released_at", &ps->released_at);
	}
	ps->reason = get_str(o, "reason");
	if ((v = json_object_get(o, "break_glass")) != NULL) {
		if (!json_is_object(v) || (ps->break_glass.by = get_strv(v,
		    "by")) == NULL || ps->break_glass.by[0] == NULL)
			bad = 1;
		ps->break_glass.freezes = get_strv(v, "freezes");
		ps->break_glass.outside_window =
		    json_is_true(json_object_get(v, "outside_window"));
		ps->break_glass.overspend = get_str(v, "overspend");
	}
	if ((v = json_object_get(o, "run")) != NULL) {
		ps->run.id = get_str(v, "id");
		ps->run.operator = get_str(v, "operator");
		ps->run.host = get_str(v, "host");
		bad |= get_count(v, "pid", INT_MAX, &pid);
		ps->run.pid = (long)pid;
		bad |= get_count(v, "pid_start", LLONG_MAX / 2, &ps->run.pid_start);
		bad |= jsonx_get_time(v, "started_at", &ps->run.started);
		ps->run.outcome = get_str(v, "outcome");
	}
	snapshot_from(&ps->snap, json_object_get(o, "plan"));
	json_decref(o);
	if (bad) {
		*cause = xstrdup("a time or duration does not parse");
		return -1;
	}
	return 0;
}

/* Thousands of state files are read at once: parse them in an arena. */
int
state_from_json(struct plan_state *ps, const char *text, size_t len,
    char **cause)
{
	int	 rc;

	jarena_begin();
	rc = parse_state(ps, text, len, cause);
	jarena_end();
	return rc;
}

char *
approval_to_json(const struct approval *a)
{
	struct jw w;

	jw_init(&w);
	jw_open(&w, NULL, '{');
	jw_str(&w, "approver", a->approver);
	jw_str(&w, "decision", a->reject ? "reject" : "approve");
	if (a->break_glass)
		jw_bool(&w, "break_glass", 1);
	jw_str(&w, "revision", a->revision);
	jw_opt(&w, "comment", a->comment);
	jw_time(&w, "at", a->at);
	jw_opt(&w, "signature", a->signature);
	jw_close(&w, '{');
	return jw_detach(&w);
}

int
approval_from_json(struct approval *a, const char *text, size_t len,
    char **cause)
{
	json_error_t err;
	json_t	*o;
	const char *dec, *rev;

	if ((o = json_loadb(text, len, 0, &err)) == NULL) {
		*cause = jsonx_error(&err);
		return -1;
	}
	dec = json_string_value(json_object_get(o, "decision"));
	rev = json_string_value(json_object_get(o, "revision"));
	if (!json_is_object(o) || dec == NULL || (strcmp(dec, "approve") != 0 &&
	    strcmp(dec, "reject") != 0) || !oid_valid(rev) ||
	    !json_is_string(json_object_get(o, "approver")) ||
	    jsonx_get_time(o, "at", &a->at) != 0) {
		*cause = xstrdup("missing or bad approver, decision (approve or "
		    "reject), revision or time");
		json_decref(o);
		return -1;
	}
	if ((json_object_get(o, "break_glass") != NULL &&
	    !json_is_boolean(json_object_get(o, "break_glass"))) ||
	    (json_object_get(o, "signature") != NULL &&
	    !json_is_string(json_object_get(o, "signature"))) ||
	    (json_object_get(o, "comment") != NULL &&
	    !json_is_string(json_object_get(o, "comment")))) {
		*cause = xstrdup("bad break_glass (true or false), signature or "
		    "comment (strings)");
		json_decref(o);
		return -1;
	}
	a->approver = get_str(o, "approver");
	a->reject = strcmp(dec, "reject") == 0;
	a->break_glass = json_is_true(json_object_get(o, "break_glass"));
	strcpy(a->revision, rev);
	a->comment = get_str(o, "comment");
	a->signature = get_str(o, "signature");
	json_decref(o);
	return 0;
}

int
state_decidable(const struct plan_state *ps, const char *who, int reject,
    char **cause)
{
	const struct approval *a;
	size_t	 i;

	switch (ps->status) {
	case ST_BACKING_UP:
	case ST_EXECUTING:
	case ST_VERIFYING:
	case ST_COMPLETED:
	case ST_CANCELLED:
	case ST_EXPIRED:
	case ST_ROLLED_BACK:
	case ST_FAILED:
		*cause = xasprintf("plan '%s' is %s: a decision on it would "
		    "change nothing; edit the plan to start a new revision",
		    ps->id, status_names[ps->status]);
		return -1;
	default:
		break;
	}
	for (i = 0; i < ps->napprovals; i++) {
		a = &ps->approvals[i];
		if (strcmp(a->revision, ps->revision) == 0 &&
		    a->reject == reject && strcasecmp(a->approver, who) == 0) {
			*cause = xasprintf("%s already %s revision %.12s of '%s'",
			    who, reject ? "rejected" : "approved", ps->revision,
			    ps->id);
			return -1;
		}
	}
	return 0;
}

int
state_approve(struct state *s, struct plan_state *ps, struct trust *t,
    struct approval *a, char **cause)
{
	struct approval *slot;

	if (strcmp(a->revision, ps->revision) != 0) {
		*cause = xasprintf("the decision is about revision %.12s of '%s', "
		    "not its current %.12s", a->revision, ps->id, ps->revision);
		return -1;
	}
	if (state_decidable(ps, a->approver, a->reject, cause) != 0 ||
	    trust_vet_one(t, ps, a, 0, cause) != 0)
		return -1;
	ps->approvals = xreallocarray(ps->approvals, ps->napprovals + 1,
	    sizeof *ps->approvals);
	slot = &ps->approvals[ps->napprovals++];
	*slot = *a;
	memset(a, 0, sizeof *a);
	slot->saved = 0;
	slot->vetted = 1;
	state_log(s, ps, "%s %s by %s (revision %.12s%s)%s%s",
	    slot->reject ? "rejection" : slot->break_glass ? "break-glass "
	    "approval" : "approval", ps->id, slot->approver, ps->revision,
	    slot->signature != NULL ? ", signed" : "",
	    slot->comment != NULL ? ": " : "",
	    slot->comment != NULL ? slot->comment : "");
	return 0;
}

int
state_cancellable(const struct plan_state *ps, char **cause)
{
	if (ps->status == ST_COMPLETED || ps->status == ST_CANCELLED) {
		*cause = xasprintf("plan '%s' is already %s", ps->id,
		    status_names[ps->status]);
		return -1;
	}
	return 0;
}

void
state_cancel(struct state *s, struct plan_state *ps, const char *msg,
    int64_t now)
{
	state_release_slot(ps, now);
	free(ps->reason);
	ps->reason = xasprintf("cancelled: %s", msg);
	if (ps->run.id != NULL && ps->run.outcome != NULL &&
	    strcmp(ps->run.outcome, "running") == 0) {
		free(ps->run.outcome);
		ps->run.outcome = xstrdup("cancelled");
		state_log(s, ps, "cancel %s run %s (interrupted in phase %s)",
		    ps->id, ps->run.id, status_names[ps->status]);
	}
	state_set_status(s, ps, ST_CANCELLED, now);
	state_log(s, ps, "cancel %s: %s", ps->id, msg);
}

static void
assessment_set(struct assessment *a, const struct risk *r)
{
	size_t	 i;

	assessment_release(a);
	a->score = r->score;
	a->level = xstrdup(r->level_name != NULL ? r->level_name : "");
	a->notice = r->notice;
	a->approvals = r->approvals;
	a->emergency = r->emergency;
	a->factors = xcalloc(r->nhits + 1, sizeof *a->factors);
	for (i = 0; i < r->nhits; i++) {
		a->factors[i].name = xstrdup(risk_factor_names[r->hits[i].factor]);
		a->factors[i].weight = r->hits[i].weight;
	}
	a->nfactors = r->nhits;
}

static int
assessment_same(const struct assessment *a, const struct risk *r)
{
	return a->score == r->score && a->notice == r->notice &&
	    a->approvals == r->approvals && a->emergency == r->emergency &&
	    a->level != NULL && r->level_name != NULL &&
	    strcmp(a->level, r->level_name) == 0 && a->nfactors == r->nhits;
}

static int
str_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int
strv_same(char *const *a, char *const *b)
{
	size_t	 i;

	for (i = 0; a != NULL && b != NULL && a[i] != NULL && b[i] != NULL; i++) {
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	}
	return (a == NULL || a[i] == NULL) && (b == NULL || b[i] == NULL);
}

/* Keep what notices show; a change subscribers see raises the sequence. */
static void
snapshot_update(struct plan_state *ps, const struct plan *p, int64_t now)
{
	struct snapshot *n = &ps->snap;
	int	 seen = n->title != NULL;

	if (seen && (!str_same(n->title, p->title) ||
	    !strv_same(n->systems, p->systems) ||
	    !str_same(n->impact, impact_names[p->impact]))) {
		ps->sequence++;
		ps->updated_at = now;
	}
	snapshot_release(n);
	n->title = xstrdup(p->title);
	n->owner = xstrdup(p->owner);
	n->type = xstrdup(plan_type_names[p->type]);
	n->impact = xstrdup(impact_names[p->impact]);
	n->rollback = xstrdup(rollback_names[p->rollback_kind]);
	n->systems = xcalloc(strv_len(p->systems) + 1, sizeof *n->systems);
	for (size_t i = 0; p->systems[i] != NULL; i++)
		n->systems[i] = xstrdup(p->systems[i]);
	n->description = p->description != NULL ? xstrdup(p->description) : NULL;
}

void
state_clear_break_glass(struct plan_state *ps)
{
	if (ps->break_glass.by == NULL)
		return;
	strv_free(ps->break_glass.by);
	strv_free(ps->break_glass.freezes);
	free(ps->break_glass.overspend);
	memset(&ps->break_glass, 0, sizeof ps->break_glass);
	ps->dirty = 1;
}

char *
state_break_glass_text(const struct plan_state *ps)
{
	struct buf b = BUF_INIT;
	char	*by;
	size_t	 i;

	if (ps->break_glass.by == NULL)
		return NULL;
	buf_init(&b);
	for (i = 0; ps->break_glass.freezes != NULL &&
	    ps->break_glass.freezes[i] != NULL; i++)
		buf_addf(&b, "%sfreeze '%s'", i > 0 ? ", " : "",
		    ps->break_glass.freezes[i]);
	if (ps->break_glass.outside_window)
		buf_addf(&b, "%sthe off-peak windows", b.len > 0 ? " and " : "");
	if (ps->break_glass.overspend != NULL)
		buf_addf(&b, "%sthe availability budget (%s)", b.len > 0 ?
		    " and " : "", ps->break_glass.overspend);
	by = strv_join((const char *const *)ps->break_glass.by, ", ");
	buf_addf(&b, "%s by %s", b.len > 0 ? " overridden" :
	    "break-glass approved", by);
	free(by);
	return buf_detach(&b, NULL);
}

/* Give up a live slot: the notice becomes a cancellation. */
void
state_release_slot(struct plan_state *ps, int64_t now)
{
	if (!ps->has_slot || !ps->slot_live)
		return;
	ps->slot_live = 0;
	ps->released_at = now;
	ps->updated_at = now;
	ps->sequence++;
	ps->dirty = 1;
}

static void
set_reason(struct plan_state *ps, const char *reason)
{
	if (str_same(ps->reason, reason))
		return;
	free(ps->reason);
	ps->reason = reason != NULL ? xstrdup(reason) : NULL;
	ps->dirty = 1;
}

/* The plan file changed: void approvals and slot, assess afresh. */
static void
revise(struct state *s, struct plan_state *ps, const struct plan *p,
    int64_t now)
{
	if (ps->status == ST_SCHEDULED || ps->status == ST_APPROVED) {
		if (ps->slot_live)
			state_release_slot(ps, now);
		state_log(s, ps, "supersede %s (plan changed to %.12s)", ps->id,
		    p->blob);
	} else
		state_log(s, ps, "revise %s (plan changed to %.12s)", ps->id,
		    p->blob);
	memcpy(ps->revision, p->blob, sizeof ps->revision);
	set_reason(ps, NULL);
	state_set_status(s, ps, ST_ASSESSED, now);
}

static void
reassess(struct state *s, struct plan_state *ps, const struct policy *pol,
    const struct plan *p, int64_t now)
{
	struct risk r;
	char	*notice;

	risk_assess(pol, p, &r);
	if (ps->assessed && assessment_same(&ps->risk, &r))
		return;
	assessment_set(&ps->risk, &r);
	ps->assessed = 1;
	ps->updated_at = now;
	notice = dur_iso(r.notice);
	state_log(s, ps, "assess %s %s (score %lld, notice %s, %d approval%s%s)",
	    ps->id, r.level_name, r.score, notice, r.approvals,
	    r.approvals == 1 ? "" : "s", r.emergency ? ", emergency" : "");
	free(notice);
}

/* Count approvals and move between assessed, approved and rejected. */
static void
decide(struct state *s, struct plan_state *ps, const struct policy *pol,
    int64_t now)
{
	struct approval_count c;
	char	*why;

	trust_count(pol, ps, &c);
	if (c.rejected && ps->status != ST_REJECTED &&
	    (ps->status == ST_ASSESSED || ps->status == ST_APPROVED ||
	    ps->status == ST_SCHEDULED)) {
		state_release_slot(ps, now);
		why = xasprintf("rejected by %s", c.rejected_by);
		set_reason(ps, why);
		free(why);
		state_set_status(s, ps, ST_REJECTED, now);
		state_log(s, ps, "reject %s (by %s)", ps->id, c.rejected_by);
	} else if (c.approved && ps->status == ST_ASSESSED) {
		state_set_status(s, ps, ST_APPROVED, now);
		set_reason(ps, NULL);
		state_log(s, ps, "approve %s (%d/%d%s%s)", ps->id,
		    c.n < c.needed ? c.n : c.needed, c.needed,
		    c.break_glass > 0 ? "; break-glass by " : "",
		    c.break_glass > 0 ? c.break_glass_by : "");
	} else if (!c.rejected && !c.approved &&
	    (ps->status == ST_APPROVED || ps->status == ST_SCHEDULED)) {
		state_release_slot(ps, now);
		state_set_status(s, ps, ST_ASSESSED, now);
		state_log(s, ps, "unapprove %s (%d/%d approvals%s%s under the "
		    "current policy)", ps->id, c.n, c.needed,
		    c.missing != NULL ? ", still needs " : "",
		    c.missing != NULL ? c.missing : "");
	}
	approval_count_release(&c);
}

static void
reconcile_plan(struct state *s, struct trust *t, const struct plan *p,
    int64_t now)
{
	struct plan_state *ps = state_get(s, p->id);
	int	 running = ps->status == ST_BACKING_UP ||
	    ps->status == ST_EXECUTING || ps->status == ST_VERIFYING;

	if (ps->revision[0] == '\0') {
		memcpy(ps->revision, p->blob, sizeof ps->revision);
		ps->submitted_at = submission_time(p->added_at, now);
		ps->updated_at = now;
		state_log(s, ps, "submit %s (%.12s)", ps->id, p->blob);
	} else if (strcmp(ps->revision, p->blob) != 0 && !running)
		revise(s, ps, p, now);
	else if (running || status_is_final(ps->status))
		return;
	snapshot_update(ps, p, now);
	reassess(s, ps, t->pol, p, now);
	if (ps->status == ST_SUBMITTED)
		state_set_status(s, ps, ST_ASSESSED, now);
	trust_vet(t, ps, ps->revision);
	decide(s, ps, t->pol, now);
}

/* Is id among the plans (sorted by id)? */
static int
plan_present(struct plan *const *plans, size_t n, const char *id)
{
	size_t	 lo = 0, hi = n, mid;
	int	 c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(plans[mid]->id, id)) == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

void
state_reconcile(struct state *s, struct trust *t,
    struct plan *const *plans, size_t nplans, int64_t now)
{
	struct plan_state *ps;
	size_t	 i;

	for (i = 0; i < nplans; i++)
		reconcile_plan(s, t, plans[i], now);
	for (i = 0; i < s->n; i++) {
		ps = s->items[i];
		if (plan_present(plans, nplans, ps->id) ||
		    status_is_final(ps->status) || ps->status == ST_BACKING_UP ||
		    ps->status == ST_EXECUTING || ps->status == ST_VERIFYING)
			continue;
		state_release_slot(ps, now);
		set_reason(ps, "the plan file was removed");
		state_set_status(s, ps, ST_CANCELLED, now);
		state_log(s, ps, "cancel %s (plan file removed)", ps->id);
	}
}
