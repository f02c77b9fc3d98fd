/* publish-smtp: iMIP messages to the policy's subscribers */
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
#include "session.h"
#include "digest.h"
#include "state.h"
#include "store.h"
#include "tz.h"
#include "util.h"


/* --- e-mail: iMIP messages to the subscribers */

struct smtp {
	struct pub *p;
	struct publish_count *c;
	struct target t;
	json_t	*rec;		/* address -> UID -> what was sent last */
	struct http_mail *mail;	/* one connection for every message */
	char	*from;		/* the organizer's address */
	int	 stop;
};


/* Does the change touch one of the subscriber's systems or groups? */
static int
touches(const struct policy *pol, const struct plan_state *ps,
    const struct subscriber *sub)
{
	const struct system *s;
	char	*const *sys = ps->snap.systems;
	size_t	 i, j;

	for (i = 0; sys != NULL && sys[i] != NULL; i++) {
		for (j = 0; sub->systems != NULL && sub->systems[j] != NULL; j++) {
			if (strcmp(sys[i], sub->systems[j]) == 0)
				return 1;
		}
		if ((s = policy_system(pol, sys[i])) == NULL || s->group == NULL)
			continue;
		for (j = 0; sub->groups != NULL && sub->groups[j] != NULL; j++) {
			if (strcmp(s->group, sub->groups[j]) == 0)
				return 1;
		}
	}
	return 0;
}

/* "2026-11-06 01:00 CET" in the zone, or UTC. */
static void
add_local(struct buf *b, int64_t t, const char *zone)
{
	const struct tz *z = NULL;
	struct civil c;
	char	*cause = NULL;

	if (zone != NULL && strcmp(zone, "UTC") != 0)
		z = tz_get(zone, &cause);
	free(cause);
	if (z != NULL)
		tz_utc_to_local(z, t, &c, NULL);
	else
		utc_to_civil(t, &c);
	buf_addf(b, "%04d-%02d-%02d %02d:%02d %s", c.year, c.month, c.day,
	    c.hour, c.minute, z != NULL ? tz_abbr_at(z, t) : "UTC");
}

static void
add_list(struct buf *b, char *const *v)
{
	size_t	 i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		buf_addf(b, "%s%s", i == 0 ? "" : ", ", v[i]);
}

/* The text part: what a person reads first. */
static char *
mail_text(const struct smtp *m, const struct subscriber *sub,
    const struct plan_state *ps, const struct notice_view *v,
    const char *method, int update)
{
	const struct policy *pol = m->p->pol;
	const char *zone = ps->slot.timezone;
	struct buf b = BUF_INIT;

	if (strcmp(method, "CANCEL") == 0)
		buf_adds(&b, "This maintenance has been cancelled.");
	else if (update)
		buf_adds(&b, "This maintenance has changed; this notice replaces "
		    "the earlier one.");
	else
		buf_addf(&b, "%s plans this maintenance on systems you follow.",
		    pol->provider != NULL ? pol->provider : pol->calendar.name);
	buf_addf(&b, "\n\nChange:    %s\nWhen:      ", ps->snap.title != NULL ?
	    ps->snap.title : ps->id);
	add_local(&b, ps->slot.start, zone);
	buf_adds(&b, " to ");
	add_local(&b, ps->slot.end, zone);
	buf_addf(&b, " (%s)\nStatus:    ", zone != NULL ? zone : "UTC");
	if (strcmp(v->status, "TENTATIVE") == 0) {
		buf_adds(&b, "tentative until the notice period ends, ");
		add_local(&b, ps->published_at + ps->risk.notice, zone);
	} else
		buf_adds(&b, strcmp(v->status, "CANCELLED") == 0 ? "cancelled" :
		    "confirmed");
	if (ps->reason != NULL && strcmp(method, "CANCEL") == 0)
		buf_addf(&b, "\nReason:    %s", ps->reason);
	buf_adds(&b, "\nSystems:   ");
	add_list(&b, ps->snap.systems);
	buf_addf(&b, "\nImpact:    %s\nRisk:      %s\nContact:   %s\n"
	    "Reference: %s@%s, sequence %d\n", ps->snap.impact != NULL ?
	    ps->snap.impact : "-", ps->risk.level != NULL ? ps->risk.level : "-",
	    ps->snap.owner != NULL ? ps->snap.owner : "-", ps->id,
	    pol->calendar.domain, ps->sequence);
	if (ps->snap.description != NULL && *ps->snap.description != '\0')
		buf_addf(&b, "\n%s\n", ps->snap.description);
	buf_addf(&b, "\nYou receive this notice as the subscriber '%s' of %s.\n",
	    sub->name, pol->calendar.name);
	return buf_detach(&b, NULL);
}

static char *
mail_subject(const struct plan_state *ps, const char *method, int update)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s: %s, ", strcmp(method, "CANCEL") == 0 ?
	    "Cancelled maintenance" : update ? "Updated maintenance" :
	    "Maintenance", ps->snap.title != NULL ? ps->snap.title : ps->id);
	add_local(&b, ps->slot.start, ps->slot.timezone);
	return buf_detach(&b, NULL);
}

/* Stable for one notice, so that a message sent twice is seen as one. */
static char *
mail_id(const struct smtp *m, const char *to, const char *uid, int seq,
    const char *method)
{
	char	 hex[SHA256_HEX], *s = xasprintf("%s\n%s\n%d\n%s", to, uid, seq,
	    method);

	digest_hex(s, strlen(s), hex);
	free(s);
	return xasprintf("%.32s.%d@%s", hex, seq, m->p->pol->calendar.domain);
}

static char *
mail_build(const struct smtp *m, const struct subscriber *sub,
    const struct plan_state *ps, const struct notice_view *v,
    const char *method, int update, const char *msgid, size_t *len)
{
	struct mime_message mm;
	struct mime_part parts[2];
	char	*text, *cal, *to, *type, *subject, *change, *msg;
	const char *hdr[3];

	to = xasprintf("mailto:%s", sub->email);
	cal = notice_event(m->p->pol, ps, m->p->now, method, to, sub->name);
	text = mail_text(m, sub, ps, v, method, update);
	type = xasprintf("text/calendar; method=%s; charset=UTF-8", method);
	subject = mail_subject(ps, method, update);
	change = xasprintf("X-Offpeak-Change: %s", ps->id);
	hdr[0] = "Auto-Submitted: auto-generated";
	hdr[1] = change;
	hdr[2] = NULL;
	parts[0].type = "text/plain; charset=UTF-8";
	parts[0].body = text;
	parts[0].len = strlen(text);
	parts[1].type = type;
	parts[1].body = cal != NULL ? cal : "";
	parts[1].len = strlen(parts[1].body);
	memset(&mm, 0, sizeof mm);
	mm.from_name = m->p->pol->calendar.name;
	mm.from = m->from;
	mm.to_name = sub->name;
	mm.to = sub->email;
	mm.subject = subject;
	mm.message_id = msgid;
	mm.date = m->p->now;
	mm.headers = hdr;
	mm.parts = parts;
	mm.nparts = 2;
	msg = mime_build(&mm, len);
	free(to);
	free(cal);
	free(text);
	free(type);
	free(subject);
	free(change);
	return msg;
}

/* Send one message; 0, or -1 with a pub_problem reported. */
static int
smtp_send(struct smtp *m, const char *rcpt, const char *msg, size_t len)
{
	char	*why = NULL;
	int	 fatal;

	if (m->mail == NULL)
		m->mail = http_mail_new(m->t.url, m->t.user, m->t.password);
	if (http_mail_send(m->mail, m->from, rcpt, msg, len, &why, &fatal) == 0)
		return 0;
	pub_problem(m->p, m->c, "smtp: cannot send to '%s' through '%s': %s",
	    rcpt, m->t.shown, why);
	free(why);
	if (fatal)
		m->stop = 1;
	return -1;
}

/*
 * What to send a subscriber about a change: a REQUEST when it is new to
 * them or changed (a higher SEQUENCE), a CANCEL when one they were sent
 * is cancelled; nothing while it runs or after it ran.
 */
static const char *
smtp_method(const struct notice_view *v, const struct plan_state *ps,
    json_t *last)
{
	const char *was = json_string_value(json_object_get(last, "method"));
	json_int_t seq = json_integer_value(json_object_get(last, "sequence"));

	if (strcmp(v->maintnote, "TENTATIVE") == 0 ||
	    strcmp(v->maintnote, "CONFIRMED") == 0)
		return last == NULL || seq < ps->sequence ? "REQUEST" : NULL;
	if (strcmp(v->status, "CANCELLED") == 0 && was != NULL &&
	    strcmp(was, "REQUEST") == 0 && seq < ps->sequence)
		return "CANCEL";
	return NULL;
}

static void
smtp_one(struct smtp *m, const struct subscriber *sub,
    const struct plan_state *ps)
{
	struct notice_view v;
	json_t	*sent, *last, *o;
	const char *method;
	char	*uid, *msgid, *msg;
	size_t	 len;

	if (!notice_view(ps, m->p->pol, m->p->now, &v) ||
	    !touches(m->p->pol, ps, sub))
		return;
	uid = pub_uid_of(m->p, ps);
	sent = pub_object_at(m->rec, sub->email);
	last = json_object_get(sent, uid);
	if ((method = smtp_method(&v, ps, last)) != NULL) {
		msgid = mail_id(m, sub->email, uid, ps->sequence, method);
		msg = mail_build(m, sub, ps, &v, method, last != NULL, msgid, &len);
		if (smtp_send(m, sub->email, msg, len) == 0) {
			o = json_object();
			json_object_set_new(o, "sequence", json_integer(ps->sequence));
			json_object_set_new(o, "method", json_string(method));
			json_object_set_new(o, "message_id", json_string(msgid));
			json_object_set_new(o, "sent_at",
			    jsonx_time(m->p->now));
			json_object_set_new(sent, uid, o);
			m->c->sent++;
			pub_done(m->p, "smtp: %s %s to %s", method, uid, sub->email);
		}
		free(msg);
		free(msgid);
	}
	if (json_object_size(sent) == 0)
		json_object_del(m->rec, sub->email);
	free(uid);
}

static const struct subscriber *
subscriber_by_email(const struct policy *pol, const char *email)
{
	size_t	 i;

	for (i = 0; i < pol->nsubscribers; i++) {
		if (pol->subscribers[i].email != NULL &&
		    strcmp(pol->subscribers[i].email, email) == 0)
			return &pol->subscribers[i];
	}
	return NULL;
}

/* Forget changes that left the feeds, and addresses no longer subscribed. */
static void
smtp_prune(struct smtp *m)
{
	const struct plan_state *ps;
	struct notice_view v;
	char	**emails = pub_object_keys(m->rec), **uids;
	json_t	*sent;
	size_t	 i, j;

	for (i = 0; emails[i] != NULL; i++) {
		sent = json_object_get(m->rec, emails[i]);
		if (subscriber_by_email(m->p->pol, emails[i]) == NULL ||
		    !json_is_object(sent)) {
			json_object_del(m->rec, emails[i]);
			continue;
		}
		uids = pub_object_keys(sent);
		for (j = 0; uids[j] != NULL; j++) {
			ps = pub_state_of_uid(m->p, uids[j]);
			if (ps == NULL || !notice_view(ps, m->p->pol, m->p->now, &v))
				json_object_del(sent, uids[j]);
		}
		strv_free(uids);
		if (json_object_size(sent) == 0)
			json_object_del(m->rec, emails[i]);
	}
	strv_free(emails);
}

/* The organizer's address, which the messages come from; NULL if none. */
static char *
organizer_address(const struct policy *pol)
{
	const char *o = pol->calendar.organizer;

	if (o == NULL)
		return NULL;
	if (strncasecmp(o, "mailto:", 7) == 0)
		o += 7;
	if (strchr(o, '@') == NULL || strpbrk(o, "<>\r\n ") != NULL)
		return NULL;
	return xstrdup(o);
}

void
pub_smtp(struct pub *p, struct pub_record *r)
{
	const struct policy *pol = p->pol;
	const struct state *st = &p->s->st;
	struct smtp m;
	char	*cause = NULL, *line;
	size_t	 i, j;

	memset(&m, 0, sizeof m);
	m.p = p;
	m.c = &p->res->smtp;
	m.c->used = 1;
	m.rec = r->j;
	if (pub_target_parse("smtp", p->o->smtp, &pub_smtp_schemes, 0, p->o->smtp_user,
	    p->o->smtp_password, &m.t, &cause) != 0) {
		pub_problem(p, m.c, "%s", cause);
		free(cause);
		return;
	}
	m.c->url = xstrdup(m.t.shown);
	if ((m.from = organizer_address(pol)) == NULL)
		pub_problem(p, m.c, "smtp: the policy's calendar.organizer is not a "
		    "mailto: address to send from; no message was sent");
	for (i = 0; m.from != NULL && i < pol->nsubscribers && !m.stop; i++) {
		if (pol->subscribers[i].email == NULL)
			continue;
		if (strpbrk(pol->subscribers[i].email, "<>()[]\\,;:\"") != NULL) {
			pub_problem(p, m.c, "smtp: subscriber '%s': '%s' is not an "
			    "address offpeak sends to", pol->subscribers[i].name,
			    pol->subscribers[i].email);
			continue;
		}
		for (j = 0; j < st->n && !m.stop; j++)
			smtp_one(&m, &pol->subscribers[i], st->items[j]);
	}
	smtp_prune(&m);
	http_mail_free(m.mail);
	line = xasprintf("publish smtp %s: %zu message%s", m.t.shown, m.c->sent,
	    m.c->sent == 1 ? "" : "s");
	pub_record_finish(p, r, m.c->sent > 0, line);
	free(line);
	free(m.from);
	pub_target_release(&m.t);
}

