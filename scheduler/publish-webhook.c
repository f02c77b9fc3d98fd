/* publish-webhook: one signed JSON event per transition of the state branch */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "datetime.h"
#include "jsonx.h"
#include "http.h"
#include "mime.h"
#include "notice.h"
#include "policy.h"
#include "publish-int.h"
#include "publish.h"
#include "repo.h"
#include "run.h"
#include "session.h"
#include "digest.h"
#include "state.h"
#include "store.h"
#include "tz.h"
#include "util.h"


/* --- webhook: one signed event per transition */

/* A commit of the state branch, oldest first once walked. */
struct hook_commit {
	char	 id[41];
	int64_t	 when;
	char	*message;
};

struct hook_walk {
	const char *stop_at;	/* the last commit delivered from, or NULL */
	struct hook_commit *v;
	size_t	 n, alloc;
	int	 found;
};

struct webhook {
	struct pub *p;
	struct publish_count *c;
	struct target t;
	json_t	*pos;		/* { "commit": id, "line": n } */
	long	 backoff_ms;
	int	 tries;
};

/* The transitions a receiver hears of: the verb of the line, the event. */
static const char *const hook_verbs[][2] = {
	{ "schedule", "scheduled" }, { "move", "moved" },
	{ "release", "released" }, { "cancel", "cancelled" },
	{ "supersede", "superseded" }, { "expire", "expired" },
	{ "start", "started" }, { "completed", "completed" },
	{ "rolled-back", "rolled-back" }, { "failed", "failed" },
	{ "break-glass", "break-glass" }, { "assess", "approval-needed" },
	{ "reject", "rejected" }, { "miss", "missed" },
	{ "deferred", "deferred" }, { "abort-request", "abort-requested" }
};

static int
walk_one(const struct repo_commit *rc, void *arg)
{
	struct hook_walk *w = arg;
	struct hook_commit *c;

	if (w->n == w->alloc) {
		w->alloc = w->alloc != 0 ? w->alloc * 2 : 64;
		w->v = xreallocarray(w->v, w->alloc, sizeof *w->v);
	}
	c = &w->v[w->n++];
	memcpy(c->id, rc->id, sizeof c->id);
	c->when = rc->when;
	c->message = xstrdup(rc->message != NULL ? rc->message : "");
	if (w->stop_at != NULL && strcmp(rc->id, w->stop_at) == 0) {
		w->found = 1;
		return 1;
	}
	return 0;
}

/* The event of a transition line and its plan (allocated), or NULL. */
static const char *
hook_event(const char *line, char **plan, const char **rest)
{
	size_t	 i, n;

	for (i = 0; i < nitems(hook_verbs); i++) {
		n = strlen(hook_verbs[i][0]);
		if (strncmp(line, hook_verbs[i][0], n) != 0 || line[n] != ' ')
			continue;
		line += n + 1;
		n = strcspn(line, " :");
		*plan = xstrndup(line, n);
		if (!name_valid(*plan)) {
			free(*plan);
			*plan = NULL;
			return NULL;
		}
		*rest = line + n + strspn(line + n, " :");
		/* an assessment asks for approval only when one is needed */
		if (strcmp(hook_verbs[i][0], "assess") == 0 &&
		    strstr(*rest, ", 0 approvals") != NULL) {
			free(*plan);
			*plan = NULL;
			return NULL;
		}
		return hook_verbs[i][1];
	}
	return NULL;
}

/* The first word of s, without a trailing ':' or ',', or NULL. */
static json_t *
first_word(const char *s)
{
	size_t	 n = strcspn(s, " ");

	while (n > 0 && (s[n - 1] == ':' || s[n - 1] == ','))
		n--;
	return n > 0 ? json_stringn(s, n) : NULL;
}

/* What the change is now, for a receiver that wants more than the line. */
static json_t *
hook_current(const struct pub *p, const struct plan_state *ps)
{
	json_t	*o = json_object(), *sys = json_array();
	size_t	 i;
	char	*bg;

	json_object_set_new(o, "status", json_string(status_names[ps->status]));
	json_object_set_new(o, "sequence", json_integer(ps->sequence));
	if (ps->snap.title != NULL)
		json_object_set_new(o, "title", json_string(ps->snap.title));
	for (i = 0; ps->snap.systems != NULL && ps->snap.systems[i] != NULL; i++)
		json_array_append_new(sys, json_string(ps->snap.systems[i]));
	json_object_set_new(o, "systems", sys);
	json_object_set_new(o, "emergency", json_boolean(ps->risk.emergency));
	if ((bg = state_break_glass_text(ps)) != NULL) {
		json_object_set_new(o, "break_glass", json_string(bg));
		free(bg);
	}
	if (ps->has_slot) {
		json_object_set_new(o, "start", jsonx_take(
		    dt_format_utc(ps->slot.start)));
		json_object_set_new(o, "end", jsonx_take(
		    dt_format_utc(ps->slot.end)));
		json_object_set_new(o, "slot_live", json_boolean(ps->slot_live));
	}
	(void)p;
	return o;
}

/* Who an approval is asked of: the approvers and the approver lists. */
static json_t *
approvers_of(const struct policy *pol)
{
	json_t	*a = json_array();
	size_t	 i, j;

	for (i = 0; pol->approvers != NULL && pol->approvers[i] != NULL; i++)
		json_array_append_new(a, json_string(pol->approvers[i]));
	for (i = 0; i < pol->nlists; i++) {
		for (j = 0; pol->lists[i].members[j] != NULL; j++)
			json_array_append_new(a,
			    json_string(pol->lists[i].members[j]));
	}
	return a;
}

/*
 * The body in the receiver's format: offpeak's own JSON, a Slack
 * incoming-webhook message ({"text", "blocks"}), or a Microsoft Teams
 * connector card ({"@type": "MessageCard", ...}).
 */
/*
 * Slack and Teams incoming webhooks hold their secret in the URL and
 * check no signature: the secret is optional for them.
 */
int
publish_webhook_unsigned(const struct publish_opts *o)
{
	return o->webhook_format != NULL && (strcmp(o->webhook_format,
	    "slack") == 0 || strcmp(o->webhook_format, "teams") == 0);
}

static char *
hook_format(const struct pub *p, json_t *o, const char *event)
{
	const char *fmt = p->o->webhook_format;
	json_t	*cur = json_object_get(o, "current"), *m, *facts;
	const char *plan = json_string_value(json_object_get(o, "plan"));
	const char *title = json_string_value(json_object_get(cur, "title"));
	const char *start = json_string_value(json_object_get(cur, "start"));
	const char *tr = json_string_value(json_object_get(o, "transition"));
	char	*text, *body;

	if (fmt == NULL || strcmp(fmt, "json") == 0)
		return json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	text = xasprintf("%s: %s%s%s%s%s%s", event, plan != NULL ? plan : "?",
	    title != NULL ? " - " : "", title != NULL ? title : "",
	    start != NULL ? " (start " : "", start != NULL ? start : "",
	    start != NULL ? ")" : "");
	if (strcmp(fmt, "slack") == 0)
		m = json_pack("{s:s, s:[{s:s, s:{s:s, s:s}}, {s:s, s:[{s:s, s:s}]}]}",
		    "text", text, "blocks", "type", "section", "text", "type",
		    "mrkdwn", "text", text, "type", "context", "elements", "type",
		    "mrkdwn", "text", tr != NULL ? tr : event);
	else {
		facts = json_pack("[{s:s, s:s}, {s:s, s:s}]", "name", "Event",
		    "value", event, "name", "Change", "value",
		    plan != NULL ? plan : "?");
		if (start != NULL)
			json_array_append_new(facts, json_pack("{s:s, s:s}", "name",
			    "Start", "value", start));
		m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:o, s:s}]}",
		    "@type", "MessageCard", "@context",
		    "https://schema.org/extensions", "summary", text,
		    "themeColor", strcmp(event, "failed") == 0 ||
		    strcmp(event, "missed") == 0 || strcmp(event,
		    "interrupted") == 0 ? "C50F1F" : "0076D7", "title", text,
		    "sections", "activityTitle", title != NULL ? title :
		    (plan != NULL ? plan : "?"), "facts", facts, "text",
		    tr != NULL ? tr : event);
	}
	body = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(m);
	free(text);
	return body;
}

static char *
hook_body(const struct pub *p, const struct hook_commit *c, int lineno,
    const char *line, const char *event, const char *plan, const char *rest)
{
	const struct plan_state *ps = state_find(&p->s->st, plan);
	json_t	*o = json_object(), *w;
	char	*body;

	json_object_set_new(o, "id", json_sprintf("%s:%d", c->id, lineno));
	json_object_set_new(o, "event", json_string(event));
	json_object_set_new(o, "plan", json_string(plan));
	json_object_set_new(o, "uid", json_sprintf("%s@%s", plan,
	    p->pol->calendar.domain));
	json_object_set_new(o, "transition", json_string(line));
	json_object_set_new(o, "commit", json_string(c->id));
	json_object_set_new(o, "line", json_integer(lineno));
	json_object_set_new(o, "at", jsonx_time(c->when));
	json_object_set_new(o, "simulated", json_boolean(strstr(c->message,
	    "\nOffpeak-Clock: simulated") != NULL));
	if (p->pol->provider != NULL)
		json_object_set_new(o, "provider", json_string(p->pol->provider));
	if ((strcmp(event, "scheduled") == 0 || strcmp(event, "moved") == 0) &&
	    (w = first_word(rest)) != NULL)
		json_object_set_new(o, "start", w);
	if (strncmp(rest, "run ", 4) == 0 && (w = first_word(rest + 4)) != NULL)
		json_object_set_new(o, "run", w);
	if (ps != NULL)
		json_object_set_new(o, "current", hook_current(p, ps));
	if (strcmp(event, "approval-needed") == 0)
		json_object_set_new(o, "to", approvers_of(p->pol));
	body = hook_format(p, o, event);
	json_decref(o);
	return body;
}

static void
sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
retryable(long status)
{
	return status == 408 || status == 425 || status == 429 || status >= 500;
}

/* A message about the URL that shows only what the record shows. */
static char *
hide_url(char *msg, const struct target *t)
{
	const char *at = strstr(msg, t->url);
	char	*out;

	if (at == NULL)
		return msg;
	out = xasprintf("%.*s%s%s", (int)(at - msg), msg, t->shown,
	    at + strlen(t->url));
	free(msg);
	return out;
}

/* One attempt: 0 acknowledged, else -1 with *why and *again. */
static int
hook_try(struct webhook *w, const struct http_call *rq, char **why,
    int *again)
{
	struct http_response res;
	char	*cause = NULL;
	int	 rc = -1;

	if (http_call(rq, &res, &cause) != 0) {
		*why = hide_url(cause, &w->t);
		*again = 1;
		return -1;
	}
	if (pub_ok_status(res.status))
		rc = 0;
	else
		*why = pub_status_text(&res);
	*again = retryable(res.status);
	http_response_release(&res);
	return rc;
}

/*
 * POST one event until the receiver acknowledges it (2xx), retrying
 * failures that may pass with a doubling delay. 0, or -1 with *why.
 */
static int
hook_send(struct webhook *w, const char *key, const char *event,
    const char *body, char **why)
{
	struct http_call rq;
	const char *secret = w->p->o->webhook_secret;
	char	 sig[SHA256_HEX], *hdr[5], *s;
	long	 delay = w->backoff_ms;
	size_t	 i;
	int	 try, rc, again;

	i = 0;
	hdr[i++] = xstrdup("Content-Type: application/json");
	if (secret != NULL && *secret != '\0') {
		digest_hmac_hex(secret, strlen(secret), body, strlen(body), sig);
		hdr[i++] = xasprintf("X-Offpeak-Signature: sha256=%s", sig);
	}
	hdr[i++] = xasprintf("Idempotency-Key: %s", key);
	hdr[i++] = xasprintf("X-Offpeak-Event: %s", event);
	hdr[i] = NULL;
	memset(&rq, 0, sizeof rq);
	rq.method = "POST";
	rq.url = w->t.url;
	rq.headers = (const char *const *)hdr;
	rq.body = body;
	rq.len = strlen(body);
	rq.user = w->t.user;
	rq.password = w->t.password;
	for (try = 1;; try++) {
		free(*why);
		*why = NULL;
		if ((rc = hook_try(w, &rq, why, &again)) == 0 || !again ||
		    try >= w->tries)
			break;
		w->c->retries++;
		sleep_ms(delay);
		delay *= 2;
	}
	if (rc != 0) {
		s = xasprintf("%s (%d attempt%s)", *why, try, try == 1 ? "" : "s");
		free(*why);
		*why = s;
	}
	for (i = 0; hdr[i] != NULL; i++)
		free(hdr[i]);
	return rc;
}

static void
hook_position(struct webhook *w, const char *commit, int line)
{
	json_object_set_new(w->pos, "commit", json_string(commit));
	json_object_set_new(w->pos, "line", json_integer(line));
}

/*
 * Deliver the transitions of one commit after line `from`; 0, or -1 when
 * one was not acknowledged. The position is the last transition the
 * receiver acknowledged: commits without any (a publish's own) never move
 * it, so that publishing again changes nothing.
 */
static int
hook_commit(struct webhook *w, const struct hook_commit *c, int from)
{
	const char *event, *rest, *s = c->message;
	char	*line, *plan = NULL, *body, *key, *why = NULL;
	int	 n = 0, rc = 0;
	size_t	 len;

	while (rc == 0 && *s != '\0') {
		len = strcspn(s, "\n");
		line = xstrndup(s, len);
		s += len + (s[len] == '\n');
		if (++n <= from || (event = hook_event(line, &plan, &rest)) == NULL) {
			free(line);
			continue;
		}
		key = xasprintf("%s:%d", c->id, n);
		body = hook_body(w->p, c, n, line, event, plan, rest);
		if (hook_send(w, key, event, body, &why) == 0) {
			w->c->sent++;
			hook_position(w, c->id, n);
			pub_done(w->p, "webhook: %s %s (%s)", event, plan, key);
		} else {
			pub_problem(w->p, w->c, "webhook: event %s (%s %s) was not "
			    "acknowledged by '%s': %s; it and the later ones wait "
			    "for the next publish", key, event, plan, w->t.shown,
			    why);
			rc = -1;
		}
		free(why);
		why = NULL;
		free(key);
		free(body);
		free(plan);
		plan = NULL;
		free(line);
	}
	return rc;
}

/* The commits since the remembered position, oldest first. */
static int
hook_walk(struct webhook *w, struct hook_walk *hw, int *from)
{
	const char *at = json_string_value(json_object_get(w->pos, "commit"));
	char	*cause = NULL;
	struct hook_commit t;
	size_t	 i;

	memset(hw, 0, sizeof *hw);
	*from = 0;
	if (w->p->s->st.commit[0] == '\0')
		return 0;
	hw->stop_at = at;
	if (repo_walk(w->p->s->repo, w->p->s->st.commit, NULL, walk_one, hw,
	    &cause) == -1) {
		pub_problem(w->p, w->c, "webhook: %s", cause);
		free(cause);
		return -1;
	}
	if (at != NULL && !hw->found) {
		pub_problem(w->p, w->c, "webhook: the last delivered commit %.12s is "
		    "not in the history of the state branch; nothing was sent",
		    at);
		return -1;
	}
	if (at != NULL)
		*from = (int)json_integer_value(json_object_get(w->pos, "line"));
	for (i = 0; i < hw->n / 2; i++) {
		t = hw->v[i];
		hw->v[i] = hw->v[hw->n - 1 - i];
		hw->v[hw->n - 1 - i] = t;
	}
	return 0;
}

static void
hook_walk_release(struct hook_walk *hw)
{
	size_t	 i;

	for (i = 0; i < hw->n; i++)
		free(hw->v[i].message);
	free(hw->v);
}

/* Has the remembered list key of the position got s? */
static int
pos_has(struct webhook *w, const char *key, const char *s)
{
	json_t	*a = json_object_get(w->pos, key), *v;
	size_t	 i;

	json_array_foreach(a, i, v) {
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return 1;
	}
	return 0;
}

static void
pos_add(struct webhook *w, const char *key, const char *s)
{
	json_t	*a = json_object_get(w->pos, key);

	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(w->pos, key, a);
	}
	json_array_append_new(a, json_string(s));
}

/*
 * An event that no transition line carries (an interrupted run, a
 * reminder): sent once, remembered under list by its key. 0 when sent or
 * sent before, -1 when the receiver did not acknowledge it.
 */
static int
hook_extra(struct webhook *w, const struct plan_state *ps, const char *event,
    const char *list, const char *key, const char *what)
{
	json_t	*o;
	char	*body, *why = NULL;
	int	 rc;

	if (pos_has(w, list, key))
		return 0;
	o = json_object();
	json_object_set_new(o, "id", json_string(key));
	json_object_set_new(o, "event", json_string(event));
	json_object_set_new(o, "plan", json_string(ps->id));
	json_object_set_new(o, "uid", json_sprintf("%s@%s", ps->id,
	    w->p->pol->calendar.domain));
	json_object_set_new(o, "transition", json_string(what));
	json_object_set_new(o, "at", jsonx_time(w->p->now));
	json_object_set_new(o, "simulated", json_boolean(w->p->s->simulated));
	if (w->p->pol->provider != NULL)
		json_object_set_new(o, "provider",
		    json_string(w->p->pol->provider));
	if (ps->run.id != NULL && strcmp(event, "interrupted") == 0)
		json_object_set_new(o, "run", json_string(ps->run.id));
	json_object_set_new(o, "current", hook_current(w->p, ps));
	body = hook_format(w->p, o, event);
	json_decref(o);
	if ((rc = hook_send(w, key, event, body, &why)) == 0) {
		w->c->sent++;
		pos_add(w, list, key);
		pub_done(w->p, "webhook: %s %s (%s)", event, ps->id, key);
	} else
		pub_problem(w->p, w->c, "webhook: event %s (%s %s) was not "
		    "acknowledged by '%s': %s; it waits for the next publish",
		    key, event, ps->id, w->t.shown, why);
	free(why);
	free(body);
	return rc;
}

/* Reminders whose change has started no longer need remembering. */
static void
pos_prune_reminders(struct webhook *w)
{
	json_t	*a = json_object_get(w->pos, "reminded"), *keep, *v;
	const char *k, *at;
	size_t	 i;
	int64_t	 start;

	if (!json_is_array(a))
		return;
	keep = json_array();
	json_array_foreach(a, i, v) {
		/* "reminder:<id>:<start>:<lead>" */
		k = json_string_value(v);
		at = k != NULL ? strchr(k + 9, ':') : NULL;
		start = at != NULL ? strtoll(at + 1, NULL, 10) : 0;
		if (start > w->p->now - 86400)
			json_array_append(keep, v);
	}
	json_object_set_new(w->pos, "reminded", keep);
}

/* Interrupted runs and reminders, each once. 0, or -1. */
static int
hook_extras(struct webhook *w)
{
	const struct state *st = &w->p->s->st;
	const struct policy *pol = w->p->pol;
	const struct plan_state *ps;
	char	*key, *what, *lead;
	size_t	 i, k;
	int64_t	 at;
	int	 rc = 0;

	pos_prune_reminders(w);
	for (i = 0; rc == 0 && i < st->n; i++) {
		ps = st->items[i];
		if (run_interrupted(ps) && ps->run.id != NULL) {
			key = xasprintf("interrupted:%s:%s", ps->id, ps->run.id);
			what = xasprintf("run %s of %s was interrupted in phase %s",
			    ps->run.id, ps->id, status_names[ps->status]);
			rc = hook_extra(w, ps, "interrupted", "interrupted", key,
			    what);
			free(key);
			free(what);
		}
		if (ps->status != ST_SCHEDULED || !ps->slot_live ||
		    w->p->now >= ps->slot.start)
			continue;
		for (k = 0; rc == 0 && k < pol->calendar.nreminders; k++) {
			at = ps->slot.start + pol->calendar.reminders[k];
			if (w->p->now < at || pol->calendar.reminders[k] >= 0)
				continue;
			key = xasprintf("reminder:%s:%lld:%lld", ps->id,
			    (long long)ps->slot.start,
			    (long long)-pol->calendar.reminders[k]);
			lead = dur_human(-pol->calendar.reminders[k]);
			what = xasprintf("%s starts within %s", ps->id, lead);
			rc = hook_extra(w, ps, "reminder", "reminded", key, what);
			free(key);
			free(what);
			free(lead);
		}
	}
	return rc;
}

void
pub_webhook(struct pub *p, struct pub_record *r)
{
	struct webhook w;
	struct hook_walk hw;
	char	*cause = NULL, *line;
	size_t	 i;
	int	 from;

	memset(&w, 0, sizeof w);
	w.p = p;
	w.c = &p->res->webhook;
	w.c->used = 1;
	if (!publish_webhook_unsigned(p->o) && (p->o->webhook_secret == NULL ||
	    *p->o->webhook_secret == '\0')) {
		pub_problem(p, w.c, "webhook: no secret to sign the events with; "
		    "nothing was sent");
		return;
	}
	w.tries = p->o->tries > 0 ? p->o->tries : PUBLISH_TRIES;
	w.backoff_ms = p->o->backoff_ms > 0 ? p->o->backoff_ms :
	    PUBLISH_BACKOFF_MS;
	if (pub_target_parse("webhook", p->o->webhook, &pub_http_schemes, 0, NULL, NULL,
	    &w.t, &cause) != 0) {
		pub_problem(p, w.c, "%s", cause);
		free(cause);
		return;
	}
	pub_target_hide(&w.t);
	w.c->url = xstrdup(w.t.shown);
	w.pos = pub_object_at(r->j, w.t.key);
	json_object_set_new(w.pos, "url", json_string(w.t.shown));
	if (hook_walk(&w, &hw, &from) == 0) {
		for (i = 0; i < hw.n; i++) {
			if (hook_commit(&w, &hw.v[i], i == 0 ? from : 0) != 0)
				break;
		}
		if (i == hw.n)
			(void)hook_extras(&w);
	}
	hook_walk_release(&hw);
	line = xasprintf("publish webhook %s: %zu event%s", w.t.shown,
	    w.c->sent, w.c->sent == 1 ? "" : "s");
	pub_record_finish(p, r, w.c->sent > 0, line);
	free(line);
	pub_target_release(&w.t);
}

