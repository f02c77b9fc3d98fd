/* icsfeed: iCalendar feeds read into time intervals (libical) */
#include <libical/ical.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datetime.h"
#include "icalx.h"
#include "icsfeed.h"
#include "tz.h"
#include "util.h"
#include "window.h"

#define DAY	INT64_C(86400)
/* Local time is within 26 hours of UTC: two days of slack cover any zone. */
#define SLACK	(2 * DAY)
/* Ranges are clamped to the years 0001..9999. */
#define T_MIN	INT64_C(-62135596800)
#define T_MAX	INT64_C(253402300799)

/*
 * Events of an iCalendar text, for freezes published as feeds. Each
 * VEVENT's start is read in its own zone (UTC, a TZID, or the default zone
 * for floating and date values), recurrences are expanded in that zone's
 * local time like windows are, and each start becomes an instant.
 */

#define ICS_MAX_STEPS	500000		/* recurrence steps of one event */
#define ICS_MAX_TEXT_STEPS 2000000	/* ... and of all events of one text */
#define ICS_MAX_EVENTS	200000		/* intervals from one text */

/* A zone of a feed: one of ours, one the text defines, or UTC (both NULL). */
struct ics_zone {
	const struct tz *tz;
	icaltimezone *ical;
};

/* An instance of a recurring event replaced by another VEVENT. */
struct ics_override {
	const char *uid;
	enum { OV_INSTANT, OV_WALL, OV_DAY } kind;
	int64_t	 at;
};

/* Reading one text. */
struct ics_reader {
	icalcomponent *cal;		/* the VCALENDAR being read */
	struct ics_zone dflt;		/* for floating and date values */
	int64_t	 from, to;
	struct ics_override *ov;	/* of the VCALENDAR being read */
	size_t	 nov;
	struct interval *v;
	size_t	 n, alloc;
	size_t	 steps;			/* recurrence steps taken, all events */
	char	***warnings;		/* where to say what was left out */
};

/* One VEVENT. */
struct ics_event {
	icalcomponent *c;
	const char *uid;
	struct ics_zone zone;		/* of DTSTART */
	int	 is_date;
	int	 is_override;		/* has a RECURRENCE-ID */
	int64_t	 wall;			/* DTSTART in local time */
	int64_t	 days, secs;		/* length: nominal days, then seconds */
	int64_t	*ex;			/* EXDATE instants, sorted */
	size_t	 nex;
	int64_t	*exday;			/* EXDATE dates as local days, sorted */
	size_t	 nexday;
};

static int64_t
day_of(int64_t wall)
{
	return wall >= 0 ? wall / DAY : -((-wall + DAY - 1) / DAY);
}

static int64_t
ics_to_utc(const struct ics_zone *z, int64_t wall)
{
	struct civil c;

	if (z->tz != NULL)
		return tz_wall_to_utc(z->tz, wall);
	if (z->ical == NULL)
		return wall;
	utc_to_civil(wall, &c);
	return (int64_t)icaltime_as_timet_with_zone(icalx_floating(&c), z->ical);
}

static int64_t
ics_to_wall(const struct ics_zone *z, int64_t utc)
{
	struct civil c;

	if (z->tz != NULL) {
		tz_utc_to_local(z->tz, utc, &c, NULL);
		return civil_to_utc(&c);
	}
	if (z->ical == NULL)
		return utc;
	return icalx_wall(icaltime_from_timet_with_zone((time_t)utc, 0, z->ical));
}

/*
 * A TZID: an IANA name, possibly after a prefix ("/freeassociation.
 * sourceforge.net/Tzfile/Europe/Berlin", "/mozilla.org/20050126_1/..."),
 * else a VTIMEZONE of the calendar.
 */
static int
ics_zone_of(struct ics_reader *rd, const char *tzid, struct ics_zone *z,
    char **cause)
{
	const char *p, *name;
	char	*why = NULL, *q;

	memset(z, 0, sizeof *z);
	for (p = tzid; p != NULL && *p != '\0'; p = strchr(p + 1, '/')) {
		name = *p == '/' ? p + 1 : p;
		if (*name == '\0' || !tz_exists(name))
			continue;
		if ((z->tz = tz_get(name, &why)) != NULL)
			return 0;
		free(why);
		why = NULL;
	}
	if ((z->ical = icalcomponent_get_timezone(rd->cal, tzid)) != NULL)
		return 0;
	q = str_quote(tzid, 80);
	*cause = xasprintf("unknown time zone '%s' (no such IANA zone and no "
	    "VTIMEZONE for it)", q);
	free(q);
	return -1;
}

/*
 * The zone and local time of a property's value: "Z" is UTC, a TZID names
 * the zone, a floating or date value is in base.
 */
static int
ics_time(struct ics_reader *rd, icalproperty *p, struct icaltimetype t,
    const struct ics_zone *base, struct ics_zone *z, int64_t *wall,
    char **cause)
{
	icalparameter *tzid;

	if (icaltime_is_null_time(t)) {
		*cause = xasprintf("%s has no valid value",
		    icalproperty_kind_to_string(icalproperty_isa(p)));
		return -1;
	}
	*wall = icalx_wall(t);
	if (icaltime_is_utc(t)) {
		memset(z, 0, sizeof *z);
		return 0;
	}
	tzid = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
	if (tzid != NULL && !t.is_date)
		return ics_zone_of(rd, icalparameter_get_tzid(tzid), z, cause);
	*z = *base;
	return 0;
}

static int
ics_same_zone(const struct ics_zone *a, const struct ics_zone *b)
{
	return a->tz == b->tz && a->ical == b->ical;
}

/* Properties an event's times come from: losing one changes them. */
static const char *const ics_time_props[] = {
	"DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "EXRULE",
	"RECURRENCE-ID", "STATUS", NULL
};

/*
 * Does libical's message ("... in RRULE property. Removing entire
 * property: ...") say it dropped a property the times depend on? A
 * message that names none is taken as one that may: refusing is safe.
 */
static int
ics_error_hits_times(const char *msg)
{
	const char *in = strstr(msg, " in "), *end;
	size_t	 i, n;

	if (in == NULL || (end = strstr(in + 4, " property")) == NULL)
		return 1;
	n = end - (in + 4);
	for (i = 0; ics_time_props[i] != NULL; i++) {
		if (strlen(ics_time_props[i]) == n &&
		    strncasecmp(in + 4, ics_time_props[i], n) == 0)
			return 1;
	}
	return 0;
}

static void
ics_warn(struct ics_reader *rd, char *w)
{
	size_t	 n;

	if (rd->warnings == NULL) {
		free(w);
		return;
	}
	n = strv_len(*rd->warnings);
	*rd->warnings = xreallocarray(*rd->warnings, n + 2, sizeof **rd->warnings);
	(*rd->warnings)[n] = w;
	(*rd->warnings)[n + 1] = NULL;
}

/*
 * Values libical had to drop: one of the event's times or its recurrence
 * makes the event unreadable, so the calendar is refused; another (a
 * DESCRIPTION a mail client mangled) only loses that property, which is
 * said. Component errors (only those when values is 0) always refuse.
 */
static int
ics_check_errors(struct ics_reader *rd, icalcomponent *c, int values,
    const char *name, char **cause)
{
	icalproperty *p;
	icalparameter *type;
	icalparameter_xlicerrortype t;
	const char *msg;
	char	*q;

	for (p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY);
	    p != NULL;
	    p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
		type = icalproperty_get_first_parameter(p,
		    ICAL_XLICERRORTYPE_PARAMETER);
		if (type == NULL)
			continue;
		t = icalparameter_get_xlicerrortype(type);
		msg = icalproperty_get_xlicerror(p);
		if (msg == NULL)
			msg = "a property could not be read";
		if (t != ICAL_XLICERRORTYPE_COMPONENTPARSEERROR &&
		    (!values || t != ICAL_XLICERRORTYPE_VALUEPARSEERROR))
			continue;
		q = str_quote(msg, 200);
		if (t == ICAL_XLICERRORTYPE_VALUEPARSEERROR &&
		    !ics_error_hits_times(msg)) {
			ics_warn(rd, xasprintf("%s: a property was left out: %s",
			    name, q));
			free(q);
			continue;
		}
		*cause = q;
		return -1;
	}
	return 0;
}

/* The event's length from DTEND, DURATION or, for a date, one day. */
static int
ics_length(struct ics_reader *rd, struct ics_event *ev, char **cause)
{
	icalproperty *p, *dur;
	struct icaldurationtype d;
	struct icaltimetype t;
	struct ics_zone z;
	int64_t	 wall;

	p = icalcomponent_get_first_property(ev->c, ICAL_DTEND_PROPERTY);
	dur = icalcomponent_get_first_property(ev->c, ICAL_DURATION_PROPERTY);
	if (p != NULL && dur != NULL) {
		*cause = xstrdup("both DTEND and DURATION");
		return -1;
	}
	if (p != NULL) {
		t = icalproperty_get_dtend(p);
		if (!icaltime_is_null_time(t) && t.is_date != ev->is_date) {
			*cause = xstrdup("DTSTART and DTEND must both be dates "
			    "or both date-times");
			return -1;
		}
		if (ics_time(rd, p, t, &ev->zone, &z, &wall, cause) != 0)
			return -1;
		if (ev->is_date)
			ev->days = day_of(wall) - day_of(ev->wall);
		else
			ev->secs = ics_to_utc(&z, wall) -
			    ics_to_utc(&ev->zone, ev->wall);
	} else if (dur != NULL) {
		d = icalproperty_get_duration(dur);
		if (d.is_neg) {
			*cause = xstrdup("a negative DURATION");
			return -1;
		}
		ev->days = (int64_t)d.weeks * 7 + d.days;
		ev->secs = (int64_t)d.hours * 3600 + d.minutes * 60 + d.seconds;
	} else if (ev->is_date)
		ev->days = 1;
	if (ev->days < 0 || ev->secs < 0) {
		*cause = xstrdup("it ends before it starts");
		return -1;
	}
	return 0;
}

static void
push_int64(int64_t **v, size_t *n, int64_t x)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = x;
}

static int
ics_exdates(struct ics_reader *rd, struct ics_event *ev, char **cause)
{
	icalproperty *p;
	struct icaltimetype t;
	struct ics_zone z;
	int64_t	 wall;

	for (p = icalcomponent_get_first_property(ev->c, ICAL_EXDATE_PROPERTY);
	    p != NULL;
	    p = icalcomponent_get_next_property(ev->c, ICAL_EXDATE_PROPERTY)) {
		t = icalproperty_get_exdate(p);
		if (ics_time(rd, p, t, &ev->zone, &z, &wall, cause) != 0)
			return -1;
		if (t.is_date)
			push_int64(&ev->exday, &ev->nexday, day_of(wall));
		else
			push_int64(&ev->ex, &ev->nex, ics_to_utc(&z, wall));
	}
	if (ev->nex > 0)
		array_sort(ev->ex, ev->nex, sizeof *ev->ex, cmp_int64);
	if (ev->nexday > 0)
		array_sort(ev->exday, ev->nexday, sizeof *ev->exday, cmp_int64);
	return 0;
}

/* Read DTSTART, the length and the exdates of a VEVENT. */
static int
ics_event_read(struct ics_reader *rd, struct ics_event *ev, const char *name,
    char **cause)
{
	icalproperty *p;
	struct icaltimetype t;

	if (ics_check_errors(rd, ev->c, 1, name, cause) != 0)
		return -1;
	switch (icalcomponent_count_properties(ev->c, ICAL_DTSTART_PROPERTY)) {
	case 0:
		*cause = xstrdup("no DTSTART");
		return -1;
	case 1:
		break;
	default:
		*cause = xstrdup("more than one DTSTART");
		return -1;
	}
	ev->is_override = icalcomponent_get_first_property(ev->c,
	    ICAL_RECURRENCEID_PROPERTY) != NULL;
	p = icalcomponent_get_first_property(ev->c, ICAL_DTSTART_PROPERTY);
	t = icalproperty_get_dtstart(p);
	ev->is_date = t.is_date;
	if (ics_time(rd, p, t, &rd->dflt, &ev->zone, &ev->wall, cause) != 0 ||
	    ics_length(rd, ev, cause) != 0)
		return -1;
	return ics_exdates(rd, ev, cause);
}

static int
ics_overridden(const struct ics_reader *rd, const struct ics_event *ev,
    int64_t wall, int64_t start)
{
	const struct ics_override *o;
	size_t	 i;

	if (ev->uid == NULL || ev->is_override)
		return 0;
	for (i = 0; i < rd->nov; i++) {
		o = &rd->ov[i];
		if (strcmp(o->uid, ev->uid) != 0)
			continue;
		if ((o->kind == OV_INSTANT && o->at == start) ||
		    (o->kind == OV_WALL && o->at == wall) ||
		    (o->kind == OV_DAY && o->at == day_of(wall)))
			return 1;
	}
	return 0;
}

static int
ics_push(struct ics_reader *rd, int64_t start, int64_t end, char **cause)
{
	if (end <= start || start >= rd->to || end <= rd->from)
		return 0;
	if (rd->n >= ICS_MAX_EVENTS) {
		*cause = xasprintf("more than %d occurrences", ICS_MAX_EVENTS);
		return -1;
	}
	if (rd->n == rd->alloc) {
		rd->alloc = rd->alloc == 0 ? 64 : rd->alloc * 2;
		rd->v = xreallocarray(rd->v, rd->alloc, sizeof *rd->v);
	}
	rd->v[rd->n].start = start;
	rd->v[rd->n].end = end;
	rd->n++;
	return 0;
}

/* One instance starting at a local time, unless excluded. */
static int
ics_add(struct ics_reader *rd, const struct ics_event *ev, int64_t wall,
    char **cause)
{
	int64_t	 start, end, day = day_of(wall);

	start = ics_to_utc(&ev->zone, wall);
	if ((ev->nex > 0 && bsearch(&start, ev->ex, ev->nex, sizeof *ev->ex,
	    cmp_int64) != NULL) || (ev->nexday > 0 && bsearch(&day, ev->exday,
	    ev->nexday, sizeof *ev->exday, cmp_int64) != NULL) ||
	    ics_overridden(rd, ev, wall, start))
		return 0;
	end = ics_to_utc(&ev->zone, wall + ev->days * DAY) + ev->secs;
	return ics_push(rd, start, end, cause);
}

/*
 * UNTIL is checked here, not by libical: it takes a DATE UNTIL as earlier
 * than every time of that day, and a UTC one against floating times.
 */
static int
ics_past_until(const struct ics_event *ev, struct icaltimetype until,
    int64_t wall)
{
	if (icaltime_is_null_time(until))
		return 0;
	if (until.is_date)
		return day_of(wall) > day_of(icalx_wall(until));
	if (icaltime_is_utc(until))
		return ics_to_utc(&ev->zone, wall) > icalx_wall(until);
	return wall > icalx_wall(until);
}

static int
ics_recur(struct ics_reader *rd, const struct ics_event *ev,
    struct icalrecurrencetype rr, char **cause)
{
	icalrecur_iterator *it;
	struct icaltimetype o, until = rr.until;
	struct civil c;
	int64_t	 wall, prev = INT64_MIN, lo, period, first = ev->wall;
	size_t	 steps = 0;
	int	 rv = 0;

	rr.until = icaltime_null_time();
	lo = rd->from - ev->days * DAY - ev->secs - SLACK;
	if (ics_past_until(ev, until, lo))
		return 0;	/* it ended before the span: nothing to walk */
	if ((period = icalx_rule_period(&rr)) > 0 && first < lo)
		first += (lo - first) / period * period;
	utc_to_civil(first, &c);
	icalerror_clear_errno();
	if ((it = icalrecur_iterator_new(rr, icalx_floating(&c))) == NULL) {
		*cause = xasprintf("cannot expand the RRULE: %s",
		    icalerror_strerror(icalerrno));
		icalerror_clear_errno();
		return -1;
	}
	while (!icaltime_is_null_time(o = icalrecur_iterator_next(it))) {
		wall = icalx_wall(o);
		if (wall > rd->to + SLACK || ics_past_until(ev, until, wall))
			break;
		if (++steps > ICS_MAX_STEPS || wall <= prev ||
		    ++rd->steps > ICS_MAX_TEXT_STEPS) {
			*cause = xstrdup(wall <= prev ? "the RRULE does not "
			    "advance" : steps > ICS_MAX_STEPS ? "the RRULE has "
			    "too many occurrences" : "the calendar's RRULEs "
			    "take too many steps together (more than 2000000)");
			rv = -1;
			break;
		}
		prev = wall;
		if (wall >= lo && (rv = ics_add(rd, ev, wall, cause)) != 0)
			break;
	}
	icalrecur_iterator_free(it);
	icalerror_clear_errno();
	return rv;
}

/* An RDATE: a date, a date-time or a period. */
static int
ics_rdate(struct ics_reader *rd, const struct ics_event *ev, icalproperty *p,
    char **cause)
{
	struct icaldatetimeperiodtype d = icalproperty_get_rdate(p);
	struct ics_zone z;
	int64_t	 wall, start, end;

	if (icalperiodtype_is_null_period(d.period)) {
		if (ics_time(rd, p, d.time, &ev->zone, &z, &wall, cause) != 0)
			return -1;
		if (!ics_same_zone(&z, &ev->zone))
			wall = ics_to_wall(&ev->zone, ics_to_utc(&z, wall));
		return ics_add(rd, ev, wall, cause);
	}
	if (ics_time(rd, p, d.period.start, &ev->zone, &z, &wall, cause) != 0)
		return -1;
	start = ics_to_utc(&z, wall);
	if (icaltime_is_null_time(d.period.end))
		end = start + icaldurationtype_as_int(d.period.duration);
	else if (ics_time(rd, p, d.period.end, &ev->zone, &z, &wall,
	    cause) != 0)
		return -1;
	else
		end = ics_to_utc(&z, wall);
	return ics_push(rd, start, end, cause);
}

/* Every instance of an event: DTSTART, the RRULEs and the RDATEs. */
static int
ics_event_expand(struct ics_reader *rd, const struct ics_event *ev,
    char **cause)
{
	icalproperty *p;
	struct icalrecurrencetype rr;

	if (ics_add(rd, ev, ev->wall, cause) != 0)
		return -1;
	if (ev->is_override)
		return 0;
	for (p = icalcomponent_get_first_property(ev->c, ICAL_RRULE_PROPERTY);
	    p != NULL;
	    p = icalcomponent_get_next_property(ev->c, ICAL_RRULE_PROPERTY)) {
		rr = icalproperty_get_rrule(p);
		if (rr.freq == ICAL_NO_RECURRENCE) {
			*cause = xstrdup("an RRULE without FREQ");
			return -1;
		}
		if (ics_recur(rd, ev, rr, cause) != 0)
			return -1;
	}
	for (p = icalcomponent_get_first_property(ev->c, ICAL_RDATE_PROPERTY);
	    p != NULL;
	    p = icalcomponent_get_next_property(ev->c, ICAL_RDATE_PROPERTY)) {
		if (ics_rdate(rd, ev, p, cause) != 0)
			return -1;
	}
	return 0;
}

/* "event 'UID'", or "event N" (counting from 1) without a UID. */
static char *
ics_event_name(icalcomponent *c, size_t i)
{
	const char *uid = icalcomponent_get_uid(c);
	char	*q, *s;

	if (uid == NULL || *uid == '\0')
		return xasprintf("event %zu", i + 1);
	q = str_quote(uid, 80);
	s = xasprintf("event '%s'", q);
	free(q);
	return s;
}

static int
ics_event(struct ics_reader *rd, icalcomponent *c, size_t i, char **cause)
{
	struct ics_event ev;
	char	*why = NULL, *name;
	int	 rv;

	if (icalcomponent_get_status(c) == ICAL_STATUS_CANCELLED)
		return 0;
	memset(&ev, 0, sizeof ev);
	ev.c = c;
	ev.uid = icalcomponent_get_uid(c);
	name = ics_event_name(c, i);
	rv = ics_event_read(rd, &ev, name, &why);
	if (rv == 0)
		rv = ics_event_expand(rd, &ev, &why);
	if (rv != 0) {
		*cause = xasprintf("%s: %s", name, why);
		free(why);
	}
	free(name);
	free(ev.ex);
	free(ev.exday);
	return rv;
}

/* Note the instance a VEVENT with a RECURRENCE-ID replaces. */
static int
ics_override_add(struct ics_reader *rd, icalcomponent *c, char **cause)
{
	icalproperty *p;
	struct icaltimetype t;
	struct ics_override *o;
	struct ics_zone z;
	const char *uid = icalcomponent_get_uid(c);
	int64_t	 wall;

	p = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
	if (p == NULL || uid == NULL)
		return 0;
	t = icalproperty_get_recurrenceid(p);
	if (ics_time(rd, p, t, &rd->dflt, &z, &wall, cause) != 0)
		return -1;
	rd->ov = xreallocarray(rd->ov, rd->nov + 1, sizeof *rd->ov);
	o = &rd->ov[rd->nov++];
	o->uid = uid;
	o->at = wall;
	if (t.is_date) {
		o->kind = OV_DAY;
		o->at = day_of(wall);
	} else if (icaltime_is_utc(t) || icalproperty_get_first_parameter(p,
	    ICAL_TZID_PARAMETER) != NULL) {
		o->kind = OV_INSTANT;
		o->at = ics_to_utc(&z, wall);
	} else
		o->kind = OV_WALL;	/* in the zone of the recurring event */
	return 0;
}

static int
ics_calendar(struct ics_reader *rd, icalcomponent *cal, char **cause)
{
	icalcomponent *c, **ev = NULL;
	size_t	 n = 0, i;
	char	*why = NULL, *name;
	int	 rv = 0;

	rd->cal = cal;
	if (ics_check_errors(rd, cal, 0, "the calendar", &why) != 0) {
		*cause = xasprintf("not an iCalendar text: %s", why);
		free(why);
		return -1;
	}
	for (c = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	    c != NULL;
	    c = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
		ev = xreallocarray(ev, n + 1, sizeof *ev);
		ev[n++] = c;
	}
	for (i = 0; i < n && rv == 0; i++) {
		if ((rv = ics_override_add(rd, ev[i], &why)) != 0) {
			name = ics_event_name(ev[i], i);
			*cause = xasprintf("%s: RECURRENCE-ID: %s", name, why);
			free(name);
			free(why);
		}
	}
	for (i = 0; i < n && rv == 0; i++)
		rv = ics_event(rd, ev[i], i, cause);
	free(rd->ov);
	rd->ov = NULL;
	rd->nov = 0;
	free(ev);
	return rv;
}

/*
 * Is the logical line a content line: a name of letters, digits and '-',
 * then ';' (parameters) or ':' (the value)? An empty line passes.
 */
static int
ics_content_line(const char *p, size_t n)
{
	size_t	 k = 0;

	while (k < n && (isalnum((unsigned char)p[k]) || p[k] == '-'))
		k++;
	return n == 0 || (k > 0 && k < n && (p[k] == ';' || p[k] == ':'));
}

/*
 * The text with its content lines unfolded (RFC 5545 3.1), without the
 * lines that are not content lines: libical would take such a line (a
 * quoted-printable soft break that a mail client left, say) as the end of
 * the calendar's sense. Their physical line numbers go to *bad (up to
 * nbad_max of them) and their count to *nbad.
 */
static char *
ics_unfold(const char *t, size_t len, size_t *bad, size_t nbad_max,
    size_t *nbad)
{
	struct buf b = BUF_INIT;
	const char *p = t, *e = t + len, *nl;
	size_t	 start, phys = 1, first = 1;

	buf_grow(&b, len);
	*nbad = 0;
	start = 0;
	while (p < e) {
		if ((nl = memchr(p, '\n', e - p)) == NULL)
			nl = e - 1;
		if (nl + 1 < e && (nl[1] == ' ' || nl[1] == '\t')) {
			buf_add(&b, p, nl - p - (nl > p && nl[-1] == '\r'));
			p = nl + 2;
			phys++;
			continue;
		}
		buf_add(&b, p, nl + 1 - p);
		p = nl + 1;
		/* the logical line ends: keep it, or take it out again */
		if (!ics_content_line(b.data + start, strcspn(b.data + start,
		    "\r\n"))) {
			if (*nbad < nbad_max)
				bad[*nbad] = first;
			(*nbad)++;
			b.len = start;
			b.data[start] = '\0';
		}
		start = b.len;
		first = ++phys;
	}
	return buf_detach(&b, NULL);
}

/*
 * A BEGIN or END line, as libical's parser sees it: the name (up to ':'
 * or ';') is BEGIN or END in any case. *value gets what follows the first
 * ':', *n its length.
 */
static int
ics_marker(const char *line, const char *end, const char *what,
    const char **value, size_t *n)
{
	size_t	 k = strlen(what);
	const char *colon;

	if ((size_t)(end - line) < k || strncasecmp(line, what, k) != 0 ||
	    (line[k] != ':' && line[k] != ';'))
		return 0;
	if ((colon = memchr(line, ':', end - line)) == NULL)
		colon = end - 1;
	*value = colon + 1;
	*n = end - *value;
	return 1;
}

/* "BEGIN:NAME why", the name quoted (it is the feed's text). */
static char *
marker_cause(const char *marker, const char *v, size_t n, const char *why)
{
	char	*name = xstrndup(v, n > 64 ? 64 : n), *q, *s;

	q = str_quote(name, 64);
	s = xasprintf("%s:%s %s", marker, q, why);
	free(q);
	free(name);
	return s;
}

/*
 * Every BEGIN has its END with the same name, in order, and the text holds
 * VCALENDARs: a truncated download is no calendar, and libical would print
 * to stderr about an END it did not expect.
 */
static int
ics_structure(const char *t, char **cause)
{
	const char *line, *end, *v, *stack[16];
	size_t	 depth = 0, n, lens[16], seen = 0;

	for (line = t; *line != '\0'; line = *end == '\0' ? end : end + 1) {
		end = line + strcspn(line, "\n");
		if (end > line && end[-1] == '\r')
			end--;
		if (ics_marker(line, end, "BEGIN", &v, &n)) {
			if (depth == nitems(stack)) {
				*cause = xstrdup("components nested too deeply");
				return -1;
			}
			if (depth == 0 && (n != 9 ||
			    strncasecmp(v, "VCALENDAR", 9) != 0)) {
				*cause = marker_cause("BEGIN", v, n,
				    "outside a VCALENDAR");
				return -1;
			}
			stack[depth] = v;
			lens[depth++] = n;
			seen++;
		} else if (ics_marker(line, end, "END", &v, &n)) {
			if (depth == 0 || lens[depth - 1] != n ||
			    strncasecmp(stack[depth - 1], v, n) != 0) {
				*cause = marker_cause("END", v, n,
				    "does not close a BEGIN");
				return -1;
			}
			depth--;
		}
		if (*end == '\r')
			end++;
	}
	if (seen == 0 || depth > 0) {
		*cause = xstrdup(seen == 0 ? "no VCALENDAR" :
		    "a component is not closed (a truncated text?)");
		return -1;
	}
	return 0;
}

/* Sort, drop duplicates (an RDATE may repeat an RRULE instance), hand over. */
static void
ics_finish(struct ics_reader *rd, struct interval **out, size_t *n)
{
	size_t	 i, k;

	if (rd->n > 0)
		interval_sort(rd->v, rd->n);
	for (i = k = 0; i < rd->n; i++) {
		if (k == 0 || rd->v[k - 1].start != rd->v[i].start ||
		    rd->v[k - 1].end != rd->v[i].end)
			rd->v[k++] = rd->v[i];
	}
	*out = rd->v;
	*n = k;
}

static int
ics_root(struct ics_reader *rd, icalcomponent *root, char **cause)
{
	icalcomponent *c, **cals = NULL;
	size_t	 n = 0, i;
	int	 rv = 0;

	if (icalcomponent_isa(root) == ICAL_VCALENDAR_COMPONENT)
		return ics_calendar(rd, root, cause);
	/* several VCALENDARs in one text */
	for (c = icalcomponent_get_first_component(root,
	    ICAL_VCALENDAR_COMPONENT); c != NULL;
	    c = icalcomponent_get_next_component(root,
	    ICAL_VCALENDAR_COMPONENT)) {
		cals = xreallocarray(cals, n + 1, sizeof *cals);
		cals[n++] = c;
	}
	if (n == 0) {
		*cause = xstrdup("not an iCalendar text: no VCALENDAR");
		rv = -1;
	}
	for (i = 0; i < n && rv == 0; i++)
		rv = ics_calendar(rd, cals[i], cause);
	free(cals);
	return rv;
}

/* "lines 12, 13 and 2 more are not ..." */
static char *
ics_bad_lines(const size_t *bad, size_t nbad)
{
	struct buf b = BUF_INIT;
	size_t	 i, shown = nbad < 5 ? nbad : 5;

	buf_addf(&b, "line%s ", nbad == 1 ? "" : "s");
	for (i = 0; i < shown; i++)
		buf_addf(&b, "%s%zu", i == 0 ? "" : ", ", bad[i]);
	if (nbad > shown)
		buf_addf(&b, " and %zu more", nbad - shown);
	buf_addf(&b, " %s and %s left out (a mail client's quoted-printable "
	    "line breaks?)", nbad == 1 ? "is not an iCalendar content line" :
	    "are not iCalendar content lines", nbad == 1 ? "was" : "were");
	return buf_detach(&b, NULL);
}

int
icsfeed_events(const char *ics, size_t len, const char *zone,
    int64_t from, int64_t to, struct interval **out, size_t *n,
    char ***warnings, char **cause)
{
	struct ics_reader rd;
	icalcomponent *root;
	char	*text, *why = NULL;
	size_t	 bad[5], nbad;
	int	 rv;

	*out = NULL;
	*n = 0;
	memset(&rd, 0, sizeof rd);
	rd.warnings = warnings;
	rd.from = from < T_MIN ? T_MIN : from;
	rd.to = to > T_MAX ? T_MAX : to;
	if (zone != NULL && (rd.dflt.tz = tz_get(zone, &why)) == NULL) {
		*cause = xasprintf("time zone '%s': %s", zone, why);
		free(why);
		return -1;
	}
	if (memchr(ics, '\0', len) != NULL) {
		*cause = xstrdup("not an iCalendar text: it contains a NUL byte");
		return -1;
	}
	text = ics_unfold(ics, len, bad, nitems(bad), &nbad);
	if (ics_structure(text, &why) != 0) {
		*cause = xasprintf("not an iCalendar text: %s", why);
		free(why);
		free(text);
		return -1;
	}
	if (nbad > 0)
		ics_warn(&rd, ics_bad_lines(bad, nbad));
	icalerror_clear_errno();
	root = icalparser_parse_string(text);
	icalerror_clear_errno();
	free(text);
	if (root == NULL || (icalcomponent_isa(root) != ICAL_VCALENDAR_COMPONENT &&
	    icalcomponent_isa(root) != ICAL_XROOT_COMPONENT)) {
		if (root != NULL)
			icalcomponent_free(root);
		*cause = xstrdup("not an iCalendar text: no VCALENDAR");
		return -1;
	}
	rv = ics_root(&rd, root, cause);
	icalcomponent_free(root);
	if (rv != 0) {
		free(rd.v);
		return -1;
	}
	ics_finish(&rd, out, n);
	return 0;
}
