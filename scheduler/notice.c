/* notice: the iCalendar feeds of changes, windows and freezes (libical) */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datetime.h"
#include "digest.h"
#include "fsutil.h"
#include "icalx.h"
#include "notice.h"
#include "redact.h"
#include "parallel.h"
#include "pcache.h"
#include "policy.h"
#include "state.h"
#include "state-pack.h"
#include "tz.h"
#include "vtimezone.h"
#include "util.h"
#include "window.h"

#define DAY		INT64_C(86400)
#define YEAR		(366 * DAY)
#define CAL_END		"END:VCALENDAR\r\n"
#define PRODID		"-//offpeak//offpeak " PACKAGE_VERSION "//EN"

/* A zone some feed uses, with the span its VTIMEZONE covers. */
struct zone {
	char	*name;
	const struct tz *tz;
	int64_t	 min, max;
	char	*text;			/* the VTIMEZONE, serialised */
};

/* One change as it appears in the feeds. */
struct event {
	const struct plan_state *ps;
	struct notice_view view;
	size_t	 zone;			/* index into zones, or SIZE_MAX: UTC */
	char	*text;			/* the VEVENT, serialised */
	size_t	 len;
	unsigned char digest[SHA256_LEN]; /* of text, when feeds are digested */
};

/* A feed being assembled. */
struct feed {
	char	*path;
	char	*title;			/* X-WR-CALNAME */
	char	*desc;			/* X-WR-CALDESC, or NULL */
	const char **parts;		/* VEVENT texts, borrowed */
	size_t	*lens;
	const unsigned char **digests;	/* of each part, or NULL */
	size_t	 nevents, alloc, len;
	unsigned char *zused;		/* per zone: does a VEVENT use it? */
};

struct render {
	const struct policy *pol;
	const struct state *st;
	int64_t	 now;
	struct zone *zones;
	size_t	 nzones;
	size_t	*zorder;		/* zones by name */
	struct event *evs;
	size_t	 nevs;
	struct feed *feeds;		/* systems and groups, sorted by path */
	size_t	 nfeeds;
	struct buf head, tail;		/* of every VCALENDAR, around its name */
	struct pcache *cache;		/* event texts by what they are made of */
	const struct notice_known *known; /* feeds the output holds, or NULL */
	struct feed **sys_feed;		/* by the policy's system index */
	struct feed **group_feed;	/* of that system's group */
};

/* --- text */

/* Length of the UTF-8 character at s (n bytes left), 0 when not valid. */
static size_t
utf8_char(const char *s, size_t n)
{
	unsigned char c = (unsigned char)*s;
	size_t	 k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;

	if (k > n || utf8_valid_prefix(s, k) != k)
		return 0;
	return k;
}

/*
 * A copy of s that can only ever be one value: with multiline, CR LF and
 * CR become LF (libical writes "\n") and tabs stay, else both become
 * spaces; other control characters become spaces and bytes that are not
 * UTF-8 '?'.
 */
static char *
clean(const char *s, int multiline)
{
	struct buf b = BUF_INIT;
	size_t	 n = s != NULL ? strlen(s) : 0, i = 0, k;
	unsigned char c;

	for (k = 0; k < n; k++) {
		c = (unsigned char)s[k];
		if ((c < 0x20 && !(multiline && c == '\n')) || c == 0x7f)
			break;
	}
	if (k == n && utf8_valid_prefix(s, n) == n)
		return xstrdup(n != 0 ? s : "");	/* the usual case */
	buf_grow(&b, n + 1);
	while (i < n) {
		c = (unsigned char)s[i];
		if (c == '\r' && i + 1 < n && s[i + 1] == '\n') {
			i++;
			continue;
		}
		if (c == '\r' || c == '\n')
			buf_addc(&b, multiline ? '\n' : ' ');
		else if (c == '\t' && multiline)
			buf_addc(&b, '\t');
		else if (c < 0x20 || c == 0x7f)
			buf_addc(&b, ' ');
		else if (c < 0x80)
			buf_addc(&b, (char)c);
		else if ((k = utf8_char(s + i, n - i)) != 0) {
			buf_add(&b, s + i, k);
			i += k;
			continue;
		} else
			buf_addc(&b, '?');
		i++;
	}
	return buf_detach(&b, NULL);
}

static void
add_text(icalcomponent *c, icalproperty *(*make)(const char *),
    const char *s, int multiline)
{
	char	*v = clean(s, multiline);

	icalcomponent_add_property(c, make(v));
	free(v);
}

/* An X- or other non-standard property with a one-line value. */
static icalproperty *
new_x(const char *name, const char *value)
{
	char	*v = clean(value, 0);
	icalproperty *p = icalproperty_new_x(v);

	free(v);
	icalproperty_set_x_name(p, name);
	return p;
}

/* The same, added to a component. */
static icalproperty *
add_x(icalcomponent *c, const char *name, const char *s)
{
	icalproperty *p = new_x(name, s);

	icalcomponent_add_property(c, p);
	return p;
}


/* --- times */


/*
 * Does the local time at t happen only once? In the hour the clocks go
 * back, RFC 5545 and zoneinfo take the first pass but libical, ical.js and
 * python3-icalendar all take the second, so such a time has no local name
 * that every client reads alike.
 */
static int
local_unique(const struct tz *tz, int64_t t)
{
	static const int64_t near[] = { -DAY, -3 * 3600, 3 * 3600, DAY };
	int64_t	 wall = t + tz_offset_at(tz, t), u;
	size_t	 i;
	int	 off;

	for (i = 0; i < nitems(near); i++) {
		off = tz_offset_at(tz, t + near[i]);
		u = wall - off;
		if (u != t && tz_offset_at(tz, u) == off)
			return 0;
	}
	return 1;
}

/* Is the local time one that exists, once, so every client reads it alike? */
static int
local_named(const struct tz *tz, const struct civil *c)
{
	int64_t	 t = tz_local_to_utc(tz, c);
	struct civil back;

	tz_utc_to_local(tz, t, &back, NULL);
	return back.year == c->year && back.month == c->month &&
	    back.day == c->day && back.hour == c->hour &&
	    back.minute == c->minute && back.second == c->second &&
	    local_unique(tz, t);
}

/*
 * A DTSTART, DTEND or EXDATE at instant t: local time with TZID when every
 * client reads that local time as t, else UTC.
 */
static void
add_time(icalcomponent *c, icalproperty *(*make)(struct icaltimetype),
    int64_t t, const struct zone *z)
{
	icalproperty *p;
	struct civil lc;

	if (z != NULL) {
		tz_utc_to_local(z->tz, t, &lc, NULL);
		if (tz_local_to_utc(z->tz, &lc) == t && local_unique(z->tz, t)) {
			p = make(icalx_floating(&lc));
			icalproperty_add_parameter(p, icalparameter_new_tzid(z->name));
			icalcomponent_add_property(c, p);
			return;
		}
	}
	icalcomponent_add_property(c, make(icalx_utc(t)));
}

/* "2026-12-05 01:00 CET" in a zone, or UTC. */
static void
add_local(struct buf *b, int64_t t, const struct zone *z)
{
	struct civil c;

	if (z != NULL)
		tz_utc_to_local(z->tz, t, &c, NULL);
	else
		utc_to_civil(t, &c);
	buf_addf(b, "%04d-%02d-%02d %02d:%02d %s", c.year, c.month, c.day,
	    c.hour, c.minute, z != NULL ? tz_abbr_at(z->tz, t) : "UTC");
}


/* --- zones */

#define ZONE_UTC	SIZE_MAX
#define ZONE_BAD	(SIZE_MAX - 1)

/* The zone of that name: ZONE_UTC for UTC, ZONE_BAD with *cause if unknown. */
static size_t
zone_find(struct render *r, const char *name, char **cause)
{
	const struct tz *tz;
	struct zone *z;
	size_t	 i;

	if (name == NULL || strcmp(name, "UTC") == 0)
		return ZONE_UTC;
	for (i = 0; i < r->nzones; i++) {
		if (strcmp(r->zones[i].name, name) == 0)
			return i;
	}
	if ((tz = tz_get(name, cause)) == NULL)
		return ZONE_BAD;
	r->zones = xreallocarray(r->zones, r->nzones + 1, sizeof *r->zones);
	z = &r->zones[r->nzones];
	z->name = xstrdup(name);
	z->tz = tz;
	z->min = INT64_MAX;
	z->max = INT64_MIN;
	z->text = NULL;
	return r->nzones++;
}

/* Note that [start, end] is shown in zone i: its VTIMEZONE must cover it. */
static void
zone_note(struct render *r, size_t i, int64_t start, int64_t end)
{
	struct zone *z;

	if (i >= r->nzones)
		return;
	z = &r->zones[i];
	z->min = start < z->min ? start : z->min;
	z->max = end > z->max ? end : z->max;
}

static const struct zone *
zone_at(const struct render *r, size_t i)
{
	return i < r->nzones ? &r->zones[i] : NULL;
}

static int
zone_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct zone *const *)a)->name,
	    (*(const struct zone *const *)b)->name);
}

/* Each zone's VTIMEZONE covers whole years, one past its last use. */
static void
zones_finish(struct render *r)
{
	struct zone *z, **byname;
	size_t	 i;

	byname = xcalloc(r->nzones + 1, sizeof *byname);
	for (i = 0; i < r->nzones; i++)
		byname[i] = &r->zones[i];
	array_sort(byname, r->nzones, sizeof *byname, zone_cmp);
	r->zorder = xcalloc(r->nzones + 1, sizeof *r->zorder);
	for (i = 0; i < r->nzones; i++)
		r->zorder[i] = (size_t)(byname[i] - r->zones);
	free(byname);
	for (i = 0; i < r->nzones; i++) {
		z = &r->zones[i];
		if (z->min > z->max)
			z->min = z->max = 0;
		z->text = icalx_text(vtimezone_component(z->tz, z->name,
		    dt_year_start(dt_year_of(z->min)), dt_year_start(dt_year_of(z->max) + 2)));
	}
}

/* --- the view of a change */

int
notice_view(const struct plan_state *ps, const struct policy *pol,
    int64_t now, struct notice_view *v)
{
	int64_t	 keep = pol->calendar.retention, since;

	if (!ps->has_slot)
		return 0;
	memset(v, 0, sizeof *v);
	v->sequence = ps->sequence;
	v->stamp = ps->updated_at != 0 ? ps->updated_at : ps->published_at;
	switch (ps->status) {
	case ST_COMPLETED:
	case ST_ROLLED_BACK:
	case ST_FAILED:
		if (now >= ps->updated_at + keep)
			return 0;
		/* the window was used: the SUMMARY and a category tell how */
		v->status = "CONFIRMED";
		v->maintnote = "COMPLETED";
		v->outcome = status_names[ps->status];
		return 1;
	case ST_BACKING_UP:
	case ST_EXECUTING:
	case ST_VERIFYING:
		if (!ps->slot_live)
			break;
		v->status = "CONFIRMED";
		v->maintnote = "IN-PROCESS";
		return 1;
	case ST_SCHEDULED:
		if (!ps->slot_live)
			break;
		if (state_slot_missed(ps, now)) {
			if (now >= ps->slot.end + keep)
				return 0;
			v->status = v->maintnote = "CANCELLED";
			v->outcome = "missed";
			v->sequence = ps->sequence + 1;
			v->stamp = ps->slot.end;
			return 1;
		}
		v->status = now >= ps->published_at + ps->risk.notice ?
		    "CONFIRMED" : "TENTATIVE";
		v->maintnote = v->status;
		return 1;
	default:
		break;
	}
	since = ps->slot_live ? ps->updated_at : ps->released_at;
	if (now >= since + keep)
		return 0;
	v->status = "CANCELLED";
	v->maintnote = "CANCELLED";
	if (ps->reason != NULL && strncmp(ps->reason, "missed", 6) == 0)
		v->outcome = "missed";
	return 1;
}

static int
is_emergency(const struct plan_state *ps)
{
	return ps->risk.emergency || (ps->snap.type != NULL &&
	    strcmp(ps->snap.type, "emergency") == 0);
}

static const char *
bcop_impact(const char *impact)
{
	static const char *const map[][2] = {
		{ "none", "NO-IMPACT" },
		{ "reduced-redundancy", "REDUCED-REDUNDANCY" },
		{ "degraded", "DEGRADED" },
		{ "outage", "OUTAGE" }
	};
	size_t	 i;

	for (i = 0; impact != NULL && i < nitems(map); i++) {
		if (strcmp(map[i][0], impact) == 0)
			return map[i][1];
	}
	return "OUTAGE";	/* unknown: say the worst */
}

/* --- DESCRIPTION */

static void
describe_status(struct buf *b, const struct event *e, const struct zone *z)
{
	const struct plan_state *ps = e->ps;

	buf_addf(b, "Status: %s", status_names[ps->status]);
	if (strcmp(e->view.maintnote, "CANCELLED") == 0) {
		buf_adds(b, ps->slot_live ? "" : ", slot released ");
		if (!ps->slot_live)
			add_local(b, ps->released_at, z);
	} else if (strcmp(e->view.maintnote, "COMPLETED") == 0)
		buf_addf(b, " (%s)", ps->status == ST_COMPLETED ?
		    "completed and verified" : ps->status == ST_ROLLED_BACK ?
		    "the change failed and was rolled back" :
		    "the change failed");
	if (e->view.outcome != NULL)
		buf_addf(b, "\nOutcome: %s", strcmp(e->view.outcome, "missed") ==
		    0 ? "missed: the slot ended without a run; a new slot gets a "
		    "new notice" : strcmp(e->view.outcome, "rolled-back") == 0 ?
		    "rolled back: the change did not hold and was undone" :
		    strcmp(e->view.outcome, "failed") == 0 ? "FAILED: the change "
		    "did not hold and could not be undone cleanly" :
		    "completed and verified");
	if (ps->reason != NULL)
		buf_addf(b, "\nReason: %s", ps->reason);
	buf_adds(b, "\nNotice: published ");
	add_local(b, ps->published_at, z);
	buf_adds(b, ", held from ");
	add_local(b, ps->published_at + ps->risk.notice, z);
	buf_addc(b, '\n');
}

static void
describe_risk(struct buf *b, const struct plan_state *ps)
{
	size_t	 i;

	buf_addf(b, "Risk: %s (score %lld)", ps->risk.level != NULL ?
	    ps->risk.level : "-", ps->risk.score);
	for (i = 0; i < ps->risk.nfactors; i++)
		buf_addf(b, "%s %s %+lld", i == 0 ? ":" : ",",
		    ps->risk.factors[i].name, ps->risk.factors[i].weight);
	buf_addc(b, '\n');
}

static void
describe_approvals(struct buf *b, const struct plan_state *ps)
{
	const struct approval *a;
	struct civil c;
	size_t	 i, n = 0;

	buf_addf(b, "Approvals: %d needed", ps->risk.approvals);
	for (i = 0; i < ps->napprovals; i++) {
		a = &ps->approvals[i];
		if (a->reject || strcmp(a->revision, ps->revision) != 0)
			continue;
		utc_to_civil(a->at, &c);
		buf_addf(b, "%s %s (%04d-%02d-%02d)", n++ == 0 ? ", given by" :
		    ",", a->approver, c.year, c.month, c.day);
	}
	buf_addc(b, '\n');
}

/* The DESCRIPTION, with what the policy hides hidden (redact.h). */
static char *
describe(const struct event *e, const struct zone *z,
    const struct policy *pol)
{
	const struct plan_state *ps = e->ps;
	struct buf b = BUF_INIT;
	size_t	 i;
	char	*text, *shown, *bg;

	if (ps->snap.description != NULL && *ps->snap.description != '\0')
		buf_addf(&b, "%s\n\n", ps->snap.description);
	describe_status(&b, e, z);
	describe_risk(&b, ps);
	buf_addf(&b, "Impact: %s\nSystems:", ps->snap.impact != NULL ?
	    ps->snap.impact : "-");
	for (i = 0; ps->snap.systems != NULL && ps->snap.systems[i] != NULL; i++)
		buf_addf(&b, "%s %s", i == 0 ? "" : ",", ps->snap.systems[i]);
	buf_addf(&b, "\nOwner: %s\nRollback: %s\n", ps->snap.owner != NULL ?
	    ps->snap.owner : "-", ps->snap.rollback != NULL ?
	    ps->snap.rollback : "-");
	describe_approvals(&b, ps);
	if ((bg = state_break_glass_text(ps)) != NULL) {
		buf_addf(&b, "Break-glass: %s\n", bg);
		free(bg);
	}
	buf_addf(&b, "Window: %s\nChange: %s (%s), revision %.12s",
	    ps->slot.window != NULL ? ps->slot.window : "-", ps->id,
	    ps->snap.type != NULL ? ps->snap.type : "-", ps->revision);
	text = buf_detach(&b, NULL);
	shown = redact_text(pol->redactor, text);
	free(text);
	return shown;
}

/* --- VEVENT of a change */

static icalproperty_status
ical_status(const char *s)
{
	if (strcmp(s, "TENTATIVE") == 0)
		return ICAL_STATUS_TENTATIVE;
	if (strcmp(s, "CANCELLED") == 0)
		return ICAL_STATUS_CANCELLED;
	return ICAL_STATUS_CONFIRMED;
}

static void
add_summary(icalcomponent *c, const struct event *e)
{
	char	*s;
	const char *o = e->view.outcome, *lead;

	lead = o != NULL && strcmp(o, "rolled-back") == 0 ? "Rolled back: " :
	    o != NULL && strcmp(o, "failed") == 0 ? "Failed: " :
	    o != NULL && strcmp(o, "missed") == 0 ? "Missed: " :
	    strcmp(e->view.status, "CANCELLED") == 0 ? "Cancelled: " : "";
	s = xasprintf("%s%s%s", lead, is_emergency(e->ps) ? "[EMERGENCY] " : "",
	    e->ps->snap.title != NULL ? e->ps->snap.title : e->ps->id);
	add_text(c, icalproperty_new_summary, s, 0);
	free(s);
}

/* One CATEGORIES each, as libical's parser splits a list into. */
static void
add_categories(icalcomponent *c, const struct plan_state *ps,
    const struct notice_view *v)
{
	char	*s;

	add_text(c, icalproperty_new_categories, "maintenance", 0);
	s = xasprintf("risk-%s", ps->risk.level != NULL &&
	    *ps->risk.level != '\0' ? ps->risk.level : "unknown");
	add_text(c, icalproperty_new_categories, s, 0);
	free(s);
	add_text(c, icalproperty_new_categories, is_emergency(ps) ?
	    "emergency" : ps->snap.type != NULL ? ps->snap.type : "normal", 0);
	if (v->outcome != NULL) {
		s = xasprintf("outcome-%s", v->outcome);
		add_text(c, icalproperty_new_categories, s, 0);
		free(s);
	}
}

static void
add_alarms(icalcomponent *c, const struct policy *pol, const char *summary)
{
	icalcomponent *a;
	size_t	 i;

	for (i = 0; i < pol->calendar.nreminders; i++) {
		a = icalcomponent_new(ICAL_VALARM_COMPONENT);
		icalcomponent_add_property(a,
		    icalproperty_new_action(ICAL_ACTION_DISPLAY));
		icalcomponent_add_property(a, icalproperty_new_trigger(
		    icaltriggertype_from_int((int)pol->calendar.reminders[i])));
		add_text(a, icalproperty_new_description, summary, 0);
		icalcomponent_add_component(c, a);
	}
}

static void
add_bcop(icalcomponent *c, const struct policy *pol, const struct event *e)
{
	const struct plan_state *ps = e->ps;
	const char *impact = bcop_impact(ps->snap.impact);
	icalparameter *q;
	icalproperty *p;
	size_t	 i;

	add_x(c, "X-MAINTNOTE-PROVIDER", pol->provider != NULL ?
	    pol->provider : pol->calendar.name);
	add_x(c, "X-MAINTNOTE-ACCOUNT", pol->calendar.account != NULL ?
	    pol->calendar.account : pol->calendar.name);
	add_x(c, "X-MAINTNOTE-MAINTENANCE-ID", ps->id);
	for (i = 0; ps->snap.systems != NULL && ps->snap.systems[i] != NULL; i++) {
		p = add_x(c, "X-MAINTNOTE-OBJECT-ID", ps->snap.systems[i]);
		q = icalparameter_new_x(impact);
		icalparameter_set_xname(q, "X-MAINTNOTE-OBJECT-IMPACT");
		icalproperty_add_parameter(p, q);
	}
	add_x(c, "X-MAINTNOTE-IMPACT", impact);
	add_x(c, "X-MAINTNOTE-STATUS", e->view.maintnote);
}

static char *
event_text(const struct render *r, const struct event *e)
{
	const struct plan_state *ps = e->ps;
	const struct policy *pol = r->pol;
	const struct zone *z = zone_at(r, e->zone);
	icalcomponent *c = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	int64_t	 stamp = e->view.stamp;
	char	*s;

	s = xasprintf("%s@%s", ps->id, pol->calendar.domain);
	add_text(c, icalproperty_new_uid, s, 0);
	free(s);
	icalcomponent_add_property(c, icalproperty_new_dtstamp(icalx_utc(stamp)));
	icalcomponent_add_property(c, icalproperty_new_lastmodified(icalx_utc(stamp)));
	icalcomponent_add_property(c, icalproperty_new_sequence(e->view.sequence));
	add_time(c, icalproperty_new_dtstart, ps->slot.start, z);
	add_time(c, icalproperty_new_dtend, ps->slot.end, z);
	add_summary(c, e);
	s = describe(e, z, pol);
	add_text(c, icalproperty_new_description, s, 1);
	free(s);
	icalcomponent_add_property(c, icalproperty_new_status(
	    ical_status(e->view.status)));
	icalcomponent_add_property(c, icalproperty_new_transp(
	    ICAL_TRANSP_TRANSPARENT));
	add_categories(c, ps, &e->view);
	if (pol->calendar.organizer != NULL)
		add_text(c, icalproperty_new_organizer, pol->calendar.organizer, 0);
	if (pol->calendar.url != NULL) {
		s = xasprintf("%s%s%s", pol->calendar.url,
		    str_endswith(pol->calendar.url, "/") ? "" : "/", ps->id);
		add_text(c, icalproperty_new_url, s, 0);
		free(s);
	}
	add_bcop(c, pol, e);
	if (strcmp(e->view.maintnote, "TENTATIVE") == 0 ||
	    strcmp(e->view.maintnote, "CONFIRMED") == 0)
		add_alarms(c, pol, icalproperty_get_summary(
		    icalcomponent_get_first_property(c, ICAL_SUMMARY_PROPERTY)));
	return icalx_text(c);
}

/*
 * The cache key of an event's text: a digest of everything event_text
 * reads (the policy file, the zone's name and rules, the view, the whole
 * plan state with its approvals as vetted), so the same key is the same
 * text. 0 with out (40 hex digits), or -1 when there is none.
 */
static int
event_key(const struct render *r, const struct event *e, char *out)
{
	const struct plan_state *ps = e->ps;
	const struct approval *a;
	const struct zone *z = zone_at(r, e->zone);
	unsigned char d[SHA256_LEN];
	struct digest dg;
	struct buf b;
	size_t	 i;

	if (!r->pol->has_digest)
		return -1;
	buf_init(&b);
	buf_adds(&b, "event 2");
	buf_add(&b, r->pol->digest, sizeof r->pol->digest);
	pack_str(&b, z != NULL ? z->name : NULL);
	if (z != NULL && z->tz != NULL)
		buf_add(&b, tz_digest(z->tz), SHA256_LEN);
	pack_str(&b, e->view.status);
	pack_str(&b, e->view.maintnote);
	pack_str(&b, e->view.outcome);
	pack_i64(&b, e->view.sequence);
	pack_i64(&b, e->view.stamp);
	state_pack(ps, &b);
	pack_u64(&b, ps->napprovals);
	for (i = 0; i < ps->napprovals; i++) {
		a = &ps->approvals[i];
		approval_pack(a, &b);
		pack_i64(&b, a->n);
		pack_u64(&b, a->saved);
		pack_u64(&b, a->vetted);
		pack_str(&b, a->problem);
	}
	digest_init(&dg);
	digest_update(&dg, b.data, b.len);
	digest_final(&dg, d);
	hex_encode(d, 20, out);
	buf_release(&b);
	return 0;
}

static void
event_work(size_t i, size_t worker, void *arg)
{
	struct render *r = arg;
	struct event *e = &r->evs[i];
	struct digest d;
	struct unpack u;
	struct buf b;
	char	 key[41];
	int	 keyed;

	(void)worker;
	keyed = r->cache != NULL && event_key(r, e, key) == 0;
	/* an entry: the text's SHA-256, then the text */
	if (keyed && pcache_get(r->cache, key, &u) &&
	    u.end - u.p > SHA256_LEN) {
		memcpy(e->digest, u.p, SHA256_LEN);
		e->len = u.end - u.p - SHA256_LEN;
		e->text = xstrndup((const char *)u.p + SHA256_LEN, e->len);
		if (strlen(e->text) == e->len)
			return;
		free(e->text);
	}
	e->text = event_text(r, e);
	e->len = strlen(e->text);
	if (keyed || r->known != NULL) {
		digest_init(&d);
		digest_update(&d, e->text, e->len);
		digest_final(&d, e->digest);
	}
	if (keyed) {
		buf_init(&b);
		buf_add(&b, e->digest, SHA256_LEN);
		buf_add(&b, e->text, e->len);
		pcache_put(r->cache, key, &b);
		buf_release(&b);
	}
}

static int
event_cmp(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->ps->slot.start != y->ps->slot.start)
		return x->ps->slot.start < y->ps->slot.start ? -1 : 1;
	return strcmp(x->ps->id, y->ps->id);
}

/* Every change the feeds show, in order, with the zones they use. */
static void
collect_events(struct render *r)
{
	const struct plan_state *ps;
	struct notice_view v;
	struct event *e;
	char	*cause = NULL;
	size_t	 i;

	r->evs = xcalloc(r->st->n + 1, sizeof *r->evs);
	for (i = 0; i < r->st->n; i++) {
		ps = r->st->items[i];
		if (!notice_view(ps, r->pol, r->now, &v))
			continue;
		e = &r->evs[r->nevs++];
		e->ps = ps;
		e->view = v;
		/* a zone the system no longer knows: the times go out in UTC */
		e->zone = zone_find(r, ps->slot.timezone, &cause);
		zone_note(r, e->zone, ps->slot.start, ps->slot.end);
		free(cause);
		cause = NULL;
	}
	array_sort(r->evs, r->nevs, sizeof *r->evs, event_cmp);
}

/* --- windows.ics */

/* A local time as the zone reads it, as an instant. */
static int64_t
civil_instant(const struct civil *c, const struct zone *z)
{
	return z != NULL ? tz_local_to_utc(z->tz, c) : civil_to_utc(c);
}

/* The rule with a local UNTIL made an instant, as RFC 5545 wants it. */
static struct icalrecurrencetype
window_rule(const char *rrule, const struct zone *z)
{
	struct icalrecurrencetype rt = icalrecurrencetype_from_string(rrule);
	struct icaltimetype *u = &rt.until;
	struct civil c;

	if (!icaltime_is_null_time(*u) && !u->is_date && !icaltime_is_utc(*u)) {
		c.year = u->year;
		c.month = u->month;
		c.day = u->day;
		c.hour = u->hour;
		c.minute = u->minute;
		c.second = u->second;
		*u = icalx_utc(civil_instant(&c, z));
	}
	return rt;
}

/* What a window and a freeze show in windows.ics. */
struct span_event {
	const char *kind;	/* "window", "freeze" */
	const struct civil *local;	/* recurring: the first start as given */
	const struct window_def *w;	/* or */
	const struct freeze_def *f;
	const char *name;
	char	*summary, *desc;
	const char *category;
	int64_t	 start, end;		/* absolute, or the first occurrence */
	const char *rrule;
	const struct civil *exdates;
	size_t	 nexdates;
	size_t	 zone;
};

/*
 * Occurrences whose local start is skipped or repeated by a clock change
 * are read differently by clients (libical and ical.js take the offset
 * after the change, RFC 5545 the one before): each is replaced by an
 * EXDATE at the time the rule names and an RDATE at the instant offpeak
 * uses, up to the end of the zone's VTIMEZONE.
 */
static void
add_overrides(icalcomponent *c, const struct span_event *s,
    const struct zone *z)
{
	struct icaldatetimeperiodtype rd;
	struct interval *v = NULL;
	struct civil lc;
	icalproperty *p;
	char	*cause = NULL;
	size_t	 n = 0, i;
	int	 rc;

	if (z == NULL || strstr(s->rrule, "BYHOUR") != NULL ||
	    strstr(s->rrule, "BYMINUTE") != NULL || strstr(s->rrule, "BYSECOND") != NULL)
		return;
	rc = s->w != NULL ? window_expand(s->w, s->start, z->max, &v, &n, &cause) :
	    freeze_expand(s->f, s->start, z->max, &v, &n, &cause);
	free(cause);
	for (i = 0; rc == 0 && i < n; i++) {
		tz_utc_to_local(z->tz, v[i].start, &lc, NULL);
		if (lc.hour == s->local->hour && lc.minute == s->local->minute &&
		    lc.second == s->local->second && local_unique(z->tz, v[i].start))
			continue;
		lc.hour = s->local->hour;
		lc.minute = s->local->minute;
		lc.second = s->local->second;
		p = icalproperty_new_exdate(icalx_floating(&lc));
		icalproperty_add_parameter(p, icalparameter_new_tzid(z->name));
		icalcomponent_add_property(c, p);
		memset(&rd, 0, sizeof rd);
		rd.time = icalx_utc(v[i].start);
		rd.period = icalperiodtype_null_period();
		icalcomponent_add_property(c, icalproperty_new_rdate(rd));
	}
	free(v);
}

static char *
span_text(const struct render *r, const struct span_event *s)
{
	icalcomponent *c = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	const struct zone *z = zone_at(r, s->zone);
	icalproperty *p;
	char	*uid;
	size_t	 i;

	uid = xasprintf("%s+%s@%s", s->kind, s->name, r->pol->calendar.domain);
	add_text(c, icalproperty_new_uid, uid, 0);
	free(uid);
	icalcomponent_add_property(c, icalproperty_new_dtstamp(icalx_utc(s->start)));
	icalcomponent_add_property(c, icalproperty_new_sequence(0));
	if (s->local != NULL && z != NULL) {
		/* a rule recurs in local time: its DTSTART must be local */
		p = icalproperty_new_dtstart(icalx_floating(s->local));
		icalproperty_add_parameter(p, icalparameter_new_tzid(z->name));
		icalcomponent_add_property(c, p);
	} else
		add_time(c, icalproperty_new_dtstart, s->start, z);
	if (s->local != NULL && z != NULL && !local_named(z->tz, s->local))
		/* clients read that DTSTART differently: a DTEND would too */
		icalcomponent_add_property(c, icalproperty_new_duration(
		    icaldurationtype_from_int((int)(s->end - s->start))));
	else
		add_time(c, icalproperty_new_dtend, s->end, z);
	if (s->rrule != NULL) {
		icalcomponent_add_property(c,
		    icalproperty_new_rrule(window_rule(s->rrule, z)));
		add_overrides(c, s, z);
	}
	for (i = 0; i < s->nexdates; i++) {
		if (z == NULL) {
			icalcomponent_add_property(c, icalproperty_new_exdate(
			    icalx_utc(civil_to_utc(&s->exdates[i]))));
			continue;
		}
		p = icalproperty_new_exdate(icalx_floating(&s->exdates[i]));
		icalproperty_add_parameter(p, icalparameter_new_tzid(z->name));
		icalcomponent_add_property(c, p);
	}
	add_text(c, icalproperty_new_summary, s->summary, 0);
	add_text(c, icalproperty_new_description, s->desc, 1);
	icalcomponent_add_property(c, icalproperty_new_status(ICAL_STATUS_CONFIRMED));
	icalcomponent_add_property(c, icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT));
	add_text(c, icalproperty_new_categories, s->category, 0);
	return icalx_text(c);
}

static void
add_groups(struct buf *b, char *const *groups)
{
	size_t	 i;

	for (i = 0; groups[i] != NULL; i++)
		buf_addf(b, "%s%s", i == 0 ? "" : ", ", groups[i]);
}

static int
window_event(struct render *r, const struct window_def *w,
    struct span_event *s, char **cause)
{
	struct buf b = BUF_INIT;
	char	*dur = dur_human(w->duration);

	memset(s, 0, sizeof *s);
	s->kind = "window";
	s->name = w->name;
	s->category = "off-peak-window";
	s->summary = xasprintf("Off-peak window: %s", w->name);
	buf_adds(&b, "Changes to ");
	add_groups(&b, w->groups);
	buf_addf(&b, " may be scheduled in this window (%s each time).", dur);
	free(dur);
	s->desc = buf_detach(&b, NULL);
	s->local = &w->start;
	s->w = w;
	s->rrule = w->rrule;
	s->exdates = w->exdates;
	s->nexdates = w->nexdates;
	if ((s->zone = zone_find(r, w->timezone, cause)) == ZONE_BAD)
		return -1;
	s->start = civil_instant(&w->start, zone_at(r, s->zone));
	s->end = s->start + w->duration;
	zone_note(r, s->zone, s->start, (s->start > r->now ? s->start :
	    r->now) + YEAR);
	return 0;
}

static int
freeze_event(struct render *r, const struct freeze_def *f,
    struct span_event *s, char **cause)
{
	struct buf b = BUF_INIT;
	const char *zone = f->kind == FREEZE_RECURRING ? f->timezone :
	    r->pol->timezone;

	memset(s, 0, sizeof *s);
	s->kind = "freeze";
	s->name = f->name;
	s->category = "change-freeze";
	s->summary = xasprintf("Change freeze: %s", f->name);
	buf_adds(&b, "No changes ");
	if (f->groups != NULL && f->groups[0] != NULL) {
		buf_adds(&b, "to ");
		add_groups(&b, f->groups);
		buf_addc(&b, ' ');
	}
	buf_adds(&b, "are scheduled during this freeze.");
	s->desc = buf_detach(&b, NULL);
	if ((s->zone = zone_find(r, zone, cause)) == ZONE_BAD)
		return -1;
	if (f->kind == FREEZE_RECURRING) {
		s->local = &f->local_start;
		s->f = f;
		s->start = civil_instant(&f->local_start, zone_at(r, s->zone));
		s->end = s->start + f->duration;
		s->rrule = f->rrule;
		s->exdates = f->exdates;
		s->nexdates = f->nexdates;
	} else {
		s->start = f->start;
		s->end = f->end;
	}
	zone_note(r, s->zone, s->start, (s->end > r->now ? s->end : r->now) +
	    (s->rrule != NULL ? YEAR : 0));
	return 0;
}

static int
span_cmp(const void *a, const void *b)
{
	const struct span_event *x = a, *y = b;
	int	 c = strcmp(x->kind, y->kind);

	return c != 0 ? -c : strcmp(x->name, y->name);	/* windows first */
}

/* The windows and freezes (URL freezes are not repeated), in order. */
static int
collect_spans(struct render *r, struct span_event **out, size_t *n,
    char **cause)
{
	struct span_event *v;
	const struct policy *pol = r->pol;
	size_t	 i;

	v = xcalloc(pol->nwindows + pol->nfreezes + 1, sizeof *v);
	*out = v;
	*n = 0;
	for (i = 0; i < pol->nwindows; i++) {
		if (pol->windows[i].name == NULL || pol->windows[i].rrule == NULL)
			continue;
		if (window_event(r, &pol->windows[i], &v[(*n)++], cause) != 0)
			return -1;
	}
	for (i = 0; i < pol->nfreezes; i++) {
		if (pol->freezes[i].kind == FREEZE_URL ||
		    pol->freezes[i].name == NULL)
			continue;
		if (freeze_event(r, &pol->freezes[i], &v[(*n)++], cause) != 0)
			return -1;
	}
	array_sort(v, *n, sizeof *v, span_cmp);
	return 0;
}

static void
spans_free(struct span_event *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(v[i].summary);
		free(v[i].desc);
	}
	free(v);
}

/* --- feeds */

static void
feed_init(struct feed *f, const struct render *r, char *path, char *title,
    char *desc)
{
	memset(f, 0, sizeof *f);
	f->path = path;
	f->title = title;
	f->desc = desc;

	f->zused = xcalloc(r->nzones + 1, 1);
}

static void
feed_add(struct feed *f, const char *text, size_t len,
    const unsigned char *digest, size_t zone)
{
	if (f->nevents == f->alloc) {
		f->alloc = f->alloc != 0 ? f->alloc * 2 : 16;
		f->parts = xreallocarray(f->parts, f->alloc, sizeof *f->parts);
		f->lens = xreallocarray(f->lens, f->alloc, sizeof *f->lens);
		f->digests = xreallocarray(f->digests, f->alloc,
		    sizeof *f->digests);
	}
	f->parts[f->nevents] = text;
	f->digests[f->nevents] = digest;
	f->lens[f->nevents++] = len;
	f->len += len;
	if (zone != ZONE_UTC && zone != ZONE_BAD)
		f->zused[zone] = 1;
}

/* One property as libical writes it. */
static void
add_prop_text(struct buf *b, icalproperty *p)
{
	char	*s = icalproperty_as_ical_string_r(p);

	buf_adds(b, s);
	icalmemory_free_buffer(s);
	icalproperty_free(p);
}

/*
 * What every feed's VCALENDAR says before and after its own name: made
 * once, property by property, as libical writes a component.
 */
static void
headers_make(struct render *r)
{
	icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	icalproperty *p;
	char	*head, *ttl;
	size_t	 len;

	icalcomponent_add_property(cal, icalproperty_new_prodid(PRODID));
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(cal, icalproperty_new_method(ICAL_METHOD_PUBLISH));
	head = icalx_text(cal);
	len = strlen(head);
	if (len >= strlen(CAL_END))
		len -= strlen(CAL_END);	/* the rest goes before the end */
	buf_add(&r->head, head, len);
	free(head);
	add_prop_text(&r->tail, new_x("X-WR-TIMEZONE", r->pol->timezone != NULL ?
	    r->pol->timezone : "UTC"));
	ttl = dur_iso(r->pol->calendar.refresh);
	p = new_x("REFRESH-INTERVAL", ttl);
	icalproperty_add_parameter(p, icalparameter_new_value(ICAL_VALUE_DURATION));
	add_prop_text(&r->tail, p);
	add_prop_text(&r->tail, new_x("X-PUBLISHED-TTL", ttl));
	free(ttl);
}

/* The VCALENDAR around a feed's events, with the VTIMEZONEs they use. */
/*
 * A SHA-256 that names the feed pre (all before the events), the events
 * and the end make, without making it: over pre's length and bytes, then
 * each event's own SHA-256 (or, without one, its length and bytes).
 */
static void
feed_digest(const struct feed *f, const struct buf *pre, unsigned char *out)
{
	struct digest d;
	uint64_t n;
	size_t	 i;

	digest_init(&d);
	digest_update(&d, "feed 1", 6);
	n = pre->len;
	digest_update(&d, &n, sizeof n);
	digest_update(&d, pre->data, pre->len);
	for (i = 0; i < f->nevents; i++) {
		if (f->digests[i] != NULL) {
			digest_update(&d, "d", 1);
			digest_update(&d, f->digests[i], SHA256_LEN);
			continue;
		}
		n = f->lens[i];
		digest_update(&d, "t", 1);
		digest_update(&d, &n, sizeof n);
		digest_update(&d, f->parts[i], f->lens[i]);
	}
	digest_update(&d, CAL_END, strlen(CAL_END));
	digest_final(&d, out);
}

static void
feed_finish(const struct render *r, struct feed *f, struct notice_feed *out)
{
	struct buf b = BUF_INIT;
	size_t	 i, len;

	buf_add(&b, r->head.data, r->head.len);
	add_prop_text(&b, new_x("X-WR-CALNAME", f->title));
	if (f->desc != NULL)
		add_prop_text(&b, new_x("X-WR-CALDESC", f->desc));
	buf_add(&b, r->tail.data, r->tail.len);
	for (i = 0; i < r->nzones; i++) {
		if (f->zused[r->zorder[i]])
			buf_adds(&b, r->zones[r->zorder[i]].text);
	}
	len = b.len + f->len + strlen(CAL_END);
	out->path = f->path;
	out->nevents = f->nevents;
	out->data = NULL;
	out->len = len;
	if (r->known != NULL) {
		feed_digest(f, &b, out->digest);
		if (r->known->has(r->known->arg, f->path, out->digest, len))
			goto done;	/* the output holds it already */
	}
	buf_grow(&b, len + 1);
	for (i = 0; i < f->nevents; i++)
		buf_add(&b, f->parts[i], f->lens[i]);
	buf_adds(&b, CAL_END);
	out->data = buf_detach(&b, &out->len);
done:
	buf_release(&b);
	free(f->parts);
	free(f->lens);
	free(f->digests);
	free(f->title);
	free(f->desc);
	free(f->zused);
}

static int
feed_cmp(const void *a, const void *b)
{
	return strcmp(((const struct feed *)a)->path,
	    ((const struct feed *)b)->path);
}

static struct feed *
feed_find(struct render *r, const char *dir, const char *name)
{
	struct feed key, *f;
	char	*path = xasprintf("%s/%s.ics", dir, name);

	key.path = path;
	f = bsearch(&key, r->feeds, r->nfeeds, sizeof *r->feeds, feed_cmp);
	free(path);
	return f;
}

static void
feed_new(struct render *r, const char *dir, const char *name,
    const char *what, const char *desc)
{
	struct feed *f;

	r->feeds = xreallocarray(r->feeds, r->nfeeds + 1, sizeof *r->feeds);
	f = &r->feeds[r->nfeeds++];
	feed_init(f, r, xasprintf("%s/%s.ics", dir, name),
	    xasprintf("%s: %s %s", r->pol->calendar.name, what, name),
	    desc != NULL ? xstrdup(desc) : NULL);
}

/* A feed for every system and group of the policy or of a shown change. */
static void
make_feeds(struct render *r)
{
	const struct policy *pol = r->pol;
	char	*const *sys;
	size_t	 i, j;

	for (i = 0; i < pol->nsystems; i++)
		feed_new(r, "systems", pol->systems[i].name, "system",
		    pol->systems[i].description);
	for (i = 0; pol->groups != NULL && pol->groups[i] != NULL; i++)
		feed_new(r, "groups", pol->groups[i], "group", NULL);
	array_sort(r->feeds, r->nfeeds, sizeof *r->feeds, feed_cmp);
	for (i = 0; i < r->nevs; i++) {
		sys = r->evs[i].ps->snap.systems;
		for (j = 0; sys != NULL && sys[j] != NULL; j++) {
			if (!name_valid(sys[j]) || policy_system(pol, sys[j]) ||
			    feed_find(r, "systems", sys[j]))
				continue;
			feed_new(r, "systems", sys[j], "system", NULL);
			array_sort(r->feeds, r->nfeeds, sizeof *r->feeds, feed_cmp);
		}
	}
	/* the feeds of the policy's systems, found once */
	r->sys_feed = xcalloc(pol->nsystems + 1, sizeof *r->sys_feed);
	r->group_feed = xcalloc(pol->nsystems + 1, sizeof *r->group_feed);
	for (i = 0; i < pol->nsystems; i++) {
		r->sys_feed[i] = feed_find(r, "systems", pol->systems[i].name);
		if (pol->systems[i].group != NULL)
			r->group_feed[i] = feed_find(r, "groups",
			    pol->systems[i].group);
	}
}

/* Add an event to a feed unless it is there already. */
static void
add_once(struct feed *f, struct feed **seen, size_t *n, const struct event *e)
{
	size_t	 k;

	if (f == NULL)
		return;
	for (k = 0; k < *n; k++) {
		if (seen[k] == f)
			return;
	}
	feed_add(f, e->text, e->len, e->digest, e->zone);
	seen[(*n)++] = f;
}

/* Add an event to the feeds of its systems and of their groups, once each. */
static void
distribute(struct render *r, const struct event *e)
{
	const struct system *s;
	char	*const *sys = e->ps->snap.systems;
	struct feed **seen;
	size_t	 i, n = 0;

	seen = xcalloc(2 * strv_len(sys) + 1, sizeof *seen);
	for (i = 0; sys != NULL && sys[i] != NULL; i++) {
		if ((s = policy_system(r->pol, sys[i])) == NULL) {
			add_once(feed_find(r, "systems", sys[i]), seen, &n, e);
			continue;
		}
		add_once(r->sys_feed[s - r->pol->systems], seen, &n, e);
		add_once(r->group_feed[s - r->pol->systems], seen, &n, e);
	}
	free(seen);
}

static void
render_release(struct render *r)
{
	size_t	 i;

	for (i = 0; i < r->nevs; i++)
		free(r->evs[i].text);
	free(r->evs);
	for (i = 0; i < r->nzones; i++) {
		free(r->zones[i].name);
		free(r->zones[i].text);
	}
	free(r->zones);
	free(r->zorder);
	free(r->feeds);
	free(r->sys_feed);
	free(r->group_feed);
	buf_release(&r->head);
	buf_release(&r->tail);
}

/* Where the system and group feeds go while threads finish them. */
struct finish {
	const struct render *r;
	struct notice_feed *out;
};

static void
finish_work(size_t i, size_t worker, void *arg)
{
	struct finish *w = arg;

	(void)worker;
	feed_finish(w->r, &w->r->feeds[i], &w->out[i]);
}

static int
out_cmp(const void *a, const void *b)
{
	return strcmp(((const struct notice_feed *)a)->path,
	    ((const struct notice_feed *)b)->path);
}

int
notice_render(const struct policy *pol, const struct state *st, int64_t now,
    struct notice_set *set, char **cause)
{
	return notice_render_cached(pol, st, now, NULL, NULL, set, cause);
}

int
notice_render_cached(const struct policy *pol, const struct state *st,
    int64_t now, struct pcache *cache, const struct notice_known *known,
    struct notice_set *set, char **cause)
{
	struct render r;
	struct span_event *spans = NULL;
	struct feed all, win;
	struct finish fin;
	char	**texts;
	size_t	 i, nspans = 0;

	memset(set, 0, sizeof *set);
	memset(&r, 0, sizeof r);
	buf_init(&r.head);
	buf_init(&r.tail);
	r.pol = pol;
	r.st = st;
	r.now = now;
	r.cache = cache;
	r.known = known;
	collect_events(&r);
	if (collect_spans(&r, &spans, &nspans, cause) != 0) {
		spans_free(spans, nspans);
		render_release(&r);
		return -1;
	}
	zones_finish(&r);
	/* libical's lazily made UTC zone, before threads share it */
	(void)icaltimezone_get_utc_timezone();
	parallel_for(r.nevs, event_work, &r);
	make_feeds(&r);
	headers_make(&r);
	feed_init(&all, &r, xstrdup(NOTICE_ALL), xstrdup(pol->calendar.name),
	    NULL);
	feed_init(&win, &r, xstrdup(NOTICE_WINDOWS), xasprintf("%s: windows "
	    "and freezes", pol->calendar.name), NULL);
	for (i = 0; i < r.nevs; i++) {
		feed_add(&all, r.evs[i].text, r.evs[i].len,
		    known != NULL ? r.evs[i].digest : NULL, r.evs[i].zone);
		distribute(&r, &r.evs[i]);
	}
	texts = xcalloc(nspans + 1, sizeof *texts);
	for (i = 0; i < nspans; i++) {
		texts[i] = span_text(&r, &spans[i]);
		feed_add(&win, texts[i], strlen(texts[i]), NULL, spans[i].zone);
	}
	set->feeds = xcalloc(r.nfeeds + 2, sizeof *set->feeds);
	fin.r = &r;
	fin.out = set->feeds + 2;
	parallel_for(r.nfeeds, finish_work, &fin);
	feed_finish(&r, &all, &set->feeds[0]);
	feed_finish(&r, &win, &set->feeds[1]);
	set->n = r.nfeeds + 2;
	for (i = 0; i < nspans; i++)
		free(texts[i]);
	free(texts);
	spans_free(spans, nspans);
	array_sort(set->feeds, set->n, sizeof *set->feeds, out_cmp);
	render_release(&r);
	return 0;
}

void
notice_set_release(struct notice_set *set)
{
	size_t	 i;

	for (i = 0; i < set->n; i++) {
		free(set->feeds[i].path);
		free(set->feeds[i].data);
	}
	free(set->feeds);
	memset(set, 0, sizeof *set);
}

/* --- writing */

int
notice_write(const struct notice_set *set, const char *dir, size_t *changed,
    char **cause)
{
	static const char *const prune[] = { "systems", "groups", NULL };
	struct fs_file *files = xcalloc(set->n + 1, sizeof *files);
	size_t	 i;
	int	 rc;

	for (i = 0; i < set->n; i++) {
		files[i].path = set->feeds[i].path;
		files[i].data = set->feeds[i].data;
		files[i].len = set->feeds[i].len;
	}
	rc = fs_write_set(dir, files, set->n, prune, ".ics", 0644, changed,
	    cause);
	free(files);
	return rc;
}

/* --- one feed for a subscriber */

/* Does the change touch one of the systems, or a system in one of the groups? */
static int
filter_match(const struct policy *pol, const struct plan_state *ps,
    char *const *systems, char *const *groups)
{
	const struct system *s;
	char	*const *sys = ps->snap.systems;
	size_t	 i, j;

	for (i = 0; sys != NULL && sys[i] != NULL; i++) {
		for (j = 0; systems != NULL && systems[j] != NULL; j++) {
			if (strcmp(sys[i], systems[j]) == 0)
				return 1;
		}
		if ((s = policy_system(pol, sys[i])) == NULL || s->group == NULL)
			continue;
		for (j = 0; groups != NULL && groups[j] != NULL; j++) {
			if (strcmp(s->group, groups[j]) == 0)
				return 1;
		}
	}
	return 0;
}

int
notice_render_filter(const struct policy *pol, const struct state *st,
    int64_t now, char *const *systems, char *const *groups,
    struct notice_feed *out, char **cause)
{
	struct state sub = *st;
	struct notice_set set;
	size_t	 i;
	int	 rc;

	memset(out, 0, sizeof *out);
	sub.items = xcalloc(st->n + 1, sizeof *sub.items);
	sub.n = 0;
	for (i = 0; i < st->n; i++) {
		if (filter_match(pol, st->items[i], systems, groups))
			sub.items[sub.n++] = st->items[i];
	}
	rc = notice_render(pol, &sub, now, &set, cause);
	free(sub.items);
	if (rc != 0)
		return -1;
	for (i = 0; i < set.n; i++) {
		if (strcmp(set.feeds[i].path, NOTICE_ALL) == 0) {
			*out = set.feeds[i];
			set.feeds[i].path = NULL;
			set.feeds[i].data = NULL;
		}
	}
	notice_set_release(&set);
	return 0;
}

/* --- one change on its own: a CalDAV resource, an iMIP message */

/* The VEVENT text with an ATTENDEE who is told, not asked. */
static char *
with_attendee(char *vevent, const char *attendee, const char *cn)
{
	icalcomponent *c = icalcomponent_new_from_string(vevent);
	icalproperty *p;
	char	*v;

	if (c == NULL)
		return vevent;
	free(vevent);
	v = clean(attendee, 0);
	p = icalproperty_new_attendee(v);
	free(v);
	if (cn != NULL) {
		v = clean(cn, 0);
		icalproperty_add_parameter(p, icalparameter_new_cn(v));
		free(v);
	}
	icalproperty_add_parameter(p, icalparameter_new_role(ICAL_ROLE_NONPARTICIPANT));
	icalproperty_add_parameter(p, icalparameter_new_rsvp(ICAL_RSVP_FALSE));
	icalcomponent_add_property(c, p);
	return icalx_text(c);
}

char *
notice_event(const struct policy *pol, const struct plan_state *ps,
    int64_t now, const char *method, const char *attendee, const char *cn)
{
	struct plan_state *one = (struct plan_state *)ps;
	struct state st;
	struct render r;
	icalcomponent *cal;
	struct buf b = BUF_INIT;
	char	*head, *text;
	size_t	 len;

	memset(&st, 0, sizeof st);
	st.items = &one;
	st.n = 1;
	memset(&r, 0, sizeof r);
	r.pol = pol;
	r.st = &st;
	r.now = now;
	collect_events(&r);
	if (r.nevs == 0) {
		render_release(&r);
		return NULL;
	}
	zones_finish(&r);
	text = event_text(&r, &r.evs[0]);
	if (attendee != NULL)
		text = with_attendee(text, attendee, cn);
	cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	icalcomponent_add_property(cal, icalproperty_new_prodid(PRODID));
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	if (method != NULL)
		icalcomponent_add_property(cal, icalproperty_new_method(
		    icalproperty_string_to_method(method)));
	head = icalx_text(cal);
	len = strlen(head);
	if (len >= strlen(CAL_END))
		len -= strlen(CAL_END);
	buf_add(&b, head, len);
	free(head);
	if (r.evs[0].zone < r.nzones)
		buf_adds(&b, r.zones[r.evs[0].zone].text);
	buf_adds(&b, text);
	buf_adds(&b, CAL_END);
	free(text);
	render_release(&r);
	return buf_detach(&b, NULL);
}
