/* t-notice: the iCalendar feeds — views, escaping, folding, zones, order */
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "diag.h"
#include "notice.h"
#include "vtimezone.h"
#include "policy.h"
#include "state.h"
#include "tap.h"
#include "testutil.h"
#include "util.h"

#define DAY	INT64_C(86400)

static const char policy_json[] =
    "{ \"version\": 1, \"provider\": \"Test, Corp; IT \\\\ ops\",\n"
    "  \"calendar\": { \"name\": \"Test maintenance\", \"domain\": \"ops.test.example\",\n"
    "    \"organizer\": \"mailto:noc@test.example\", \"account\": \"A-1\",\n"
    "    \"url\": \"https://ops.test.example/changes\",\n"
    "    \"reminders\": [\"-P1D\"], \"cancelled_retention\": \"P10D\" },\n"
    "  \"timezone\": \"Europe/Berlin\",\n"
    "  \"systems\": { \"db-1\": { \"group\": \"db\", \"criticality\": \"high\" },\n"
    "               \"web-1\": { \"group\": \"web\", \"criticality\": \"low\" } },\n"
    "  \"windows\": [ { \"name\": \"nights\", \"groups\": [\"db\", \"web\"],\n"
    "    \"start\": \"2026-01-05T01:00:00\", \"duration\": \"PT4H\",\n"
    "    \"rrule\": \"FREQ=DAILY;UNTIL=20271231T010000\",\n"
    "    \"exdates\": [\"2026-12-24T01:00:00\"] } ],\n"
    "  \"freezes\": [ { \"name\": \"year-end\", \"start\": \"2026-12-21T00:00:00+01:00\",\n"
    "    \"end\": \"2027-01-04T00:00:00+01:00\" },\n"
    "    { \"name\": \"remote\", \"url\": \"https://intranet.test.example/h.ics\" } ],\n"
    "  \"risk\": { \"weights\": { \"impact.outage\": 3 },\n"
    "    \"levels\": [ { \"name\": \"low\", \"max_score\": 2, \"notice\": \"P1D\", \"approvals\": 1 },\n"
    "                { \"name\": \"high\", \"notice\": \"P3D\", \"approvals\": 2 } ] },\n"
    "  \"approvers\": [\"alice@example.com\"] }\n";

static struct plan_state *
add_plan(struct state *st, const char *id, enum status status, int64_t start,
    int64_t published, const char *title, const char *const *systems)
{
	struct plan_state *ps = state_get(st, id);
	size_t	 n = 0;

	ps->status = status;
	strcpy(ps->revision, "0123456789abcdef0123456789abcdef01234567");
	ps->sequence = 3;
	ps->updated_at = published;
	ps->has_slot = start != 0;
	ps->slot_live = 1;
	ps->slot.start = start;
	ps->slot.end = start + 3600;
	ps->slot.window = xstrdup("nights");
	ps->slot.timezone = xstrdup("Europe/Berlin");
	ps->published_at = published;
	ps->assessed = 1;
	ps->risk.level = xstrdup("high");
	ps->risk.notice = 3 * DAY;
	ps->risk.approvals = 2;
	ps->snap.title = xstrdup(title);
	ps->snap.owner = xstrdup("dba@test.example");
	ps->snap.type = xstrdup("normal");
	ps->snap.impact = xstrdup("outage");
	ps->snap.rollback = xstrdup("tested");
	while (systems[n] != NULL)
		n++;
	ps->snap.systems = xcalloc(n + 1, sizeof *ps->snap.systems);
	for (n = 0; systems[n] != NULL; n++)
		ps->snap.systems[n] = xstrdup(systems[n]);
	return ps;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t	 n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* Lines end in CRLF, hold at most 75 octets and whole UTF-8 characters. */
static int
lines_ok(const char *s, size_t *longest)
{
	const char *e;

	*longest = 0;
	while (*s != '\0') {
		if ((e = strstr(s, "\r\n")) == NULL)
			return 0;
		if ((size_t)(e - s) > *longest)
			*longest = (size_t)(e - s);
		if ((size_t)(e - s) > 75 || utf8_valid_prefix(s, (size_t)(e - s)) !=
		    (size_t)(e - s) || memchr(s, '\n', (size_t)(e - s)) != NULL ||
		    memchr(s, '\r', (size_t)(e - s)) != NULL)
			return 0;
		s = e + 2;
	}
	return 1;
}

/* The text with every fold undone. */
static char *
unfold(const char *s)
{
	struct buf b = BUF_INIT;
	const char *p;

	while ((p = strstr(s, "\r\n ")) != NULL) {
		buf_add(&b, s, (size_t)(p - s));
		s = p + 3;
	}
	buf_adds(&b, s);
	return buf_detach(&b, NULL);
}

/* How many lines start with what (after a CRLF, not a folded line). */
static size_t
starts(const char *s, const char *what)
{
	char	*pat = xasprintf("\r\n%s", what);
	size_t	 n = count(s, pat) + (strncmp(s, what, strlen(what)) == 0);

	free(pat);
	return n;
}

static const struct notice_feed *
feed(const struct notice_set *set, const char *path)
{
	size_t	 i;

	for (i = 0; i < set->n; i++) {
		if (strcmp(set->feeds[i].path, path) == 0)
			return &set->feeds[i];
	}
	return NULL;
}

static void
test_views(const struct policy *pol)
{
	static const char *const sys[] = { "db-1", NULL };
	struct state st;
	struct plan_state *ps;
	struct notice_view v;
	int64_t	 pub = at("2026-12-01T10:00:00Z"), start = at("2026-12-05T00:00:00Z");

	state_init(&st);
	ps = add_plan(&st, "a", ST_APPROVED, 0, 0, "A", sys);
	ok(!notice_view(ps, pol, pub, &v), "a plan that never had a slot is not shown");
	ps = add_plan(&st, "b", ST_SCHEDULED, start, pub, "B", sys);
	ok(notice_view(ps, pol, pub + 3 * DAY - 1, &v) &&
	    strcmp(v.status, "TENTATIVE") == 0 && strcmp(v.maintnote, "TENTATIVE") == 0,
	    "scheduled, one second before the notice holds: TENTATIVE");
	ok(notice_view(ps, pol, pub + 3 * DAY, &v) &&
	    strcmp(v.status, "CONFIRMED") == 0 && strcmp(v.maintnote, "CONFIRMED") == 0,
	    "scheduled, notice held: CONFIRMED");
	ps->status = ST_EXECUTING;
	ok(notice_view(ps, pol, start + 60, &v) && strcmp(v.status, "CONFIRMED") == 0 &&
	    strcmp(v.maintnote, "IN-PROCESS") == 0, "executing: CONFIRMED, IN-PROCESS");
	ps->status = ST_BACKING_UP;
	ok(notice_view(ps, pol, start + 60, &v) && strcmp(v.maintnote, "IN-PROCESS") == 0,
	    "backing up: IN-PROCESS");
	ps->status = ST_VERIFYING;
	ok(notice_view(ps, pol, start + 60, &v) && strcmp(v.maintnote, "IN-PROCESS") == 0,
	    "verifying: IN-PROCESS");
	ps->status = ST_COMPLETED;
	ps->updated_at = start + 3600;
	ok(notice_view(ps, pol, start + 3600 + 10 * DAY - 1, &v) &&
	    strcmp(v.status, "CONFIRMED") == 0 && strcmp(v.maintnote, "COMPLETED") == 0,
	    "completed: CONFIRMED, COMPLETED within the retention");
	ok(!notice_view(ps, pol, start + 3600 + 10 * DAY, &v),
	    "completed: gone after the retention");
	ps->status = ST_ROLLED_BACK;
	ok(notice_view(ps, pol, start + 7200, &v) && strcmp(v.maintnote, "COMPLETED") == 0,
	    "rolled back: COMPLETED (the window happened)");
	ps->status = ST_FAILED;
	ok(notice_view(ps, pol, start + 7200, &v) && strcmp(v.maintnote, "COMPLETED") == 0,
	    "failed: COMPLETED");
	ps->status = ST_ASSESSED;
	ps->slot_live = 0;
	ps->released_at = pub + DAY;
	ok(notice_view(ps, pol, pub + DAY + 10 * DAY - 1, &v) &&
	    strcmp(v.status, "CANCELLED") == 0 && strcmp(v.maintnote, "CANCELLED") == 0,
	    "a released slot (superseded) is CANCELLED within the retention");
	ok(!notice_view(ps, pol, pub + DAY + 10 * DAY, &v),
	    "... and gone after cancelled_retention");
	ps->status = ST_SCHEDULED;
	ok(notice_view(ps, pol, pub + DAY, &v) && strcmp(v.status, "CANCELLED") == 0,
	    "scheduled but the slot released: CANCELLED");
	state_release(&st);
}

static void
test_render(const struct policy *pol)
{
	static const char *const evil_sys[] = { "db-1", "web-1\r\nBEGIN:VEVENT",
	    "../../etc", NULL };
	static const char *const sys[] = { "web-1", NULL };
	struct notice_set a, b;
	struct state st;
	struct plan_state *ps;
	const struct notice_feed *f;
	char	*cause = NULL, *title, *text;
	struct buf desc = BUF_INIT;
	int64_t	 pub = at("2026-10-20T10:00:00Z");
	size_t	 i, longest = 0, nvevent;
	int	 same, good;

	state_init(&st);
	ps = add_plan(&st, "evil", ST_SCHEDULED, at("2026-12-05T00:00:00Z"), pub,
	    "T\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:x@y\nSUMMARY:pwned,;\\", evil_sys);
	free(ps->snap.owner);
	ps->snap.owner = xstrdup("o\rORGANIZER:mailto:evil@x\n;x=y,z");
	ps->snap.description = xstrdup("line\r\nEND:VCALENDAR\rBEGIN:VTODO\n\\n,;\x01\x7f\t.");
	for (i = 0; i < 60; i++)
		buf_adds(&desc, "升级数据库😀👩‍💻🇩🇪é");
	title = xasprintf("%s", desc.data);
	/* the second 02:30 of the night Berlin leaves summer time */
	ps = add_plan(&st, "fold", ST_SCHEDULED, at("2026-10-25T01:30:00Z"), pub,
	    title, sys);
	ps->snap.description = buf_detach(&desc, NULL);
	free(title);
	add_plan(&st, "first", ST_SCHEDULED, at("2026-10-25T00:30:00Z"), pub,
	    "First pass", sys);
	ps = add_plan(&st, "nozone", ST_SCHEDULED, at("2026-11-02T01:00:00Z"), pub,
	    "No zone", sys);
	free(ps->slot.timezone);
	ps->slot.timezone = xstrdup("Mars/Olympus_Mons");
	ps = add_plan(&st, "old", ST_CANCELLED, at("2026-11-01T01:00:00Z"), pub,
	    "Old", sys);
	ps->slot_live = 0;
	ps->released_at = at("2026-10-28T00:00:00Z");
	/* before every slot: none of them is missed yet */
	ok(notice_render(pol, &st, at("2026-10-21T00:00:00Z"), &a, &cause) == 0,
	    "render");
	ok(notice_render(pol, &st, at("2026-10-21T00:00:00Z"), &b, &cause) == 0,
	    "render again");
	same = a.n == b.n;
	for (i = 0; same && i < a.n; i++)
		same = a.feeds[i].len == b.feeds[i].len &&
		    memcmp(a.feeds[i].data, b.feeds[i].data, a.feeds[i].len) == 0;
	ok(same, "the same state and clock give the same bytes");
	ok(feed(&a, "all.ics") != NULL && feed(&a, "windows.ics") != NULL &&
	    feed(&a, "systems/db-1.ics") != NULL && feed(&a, "systems/web-1.ics") != NULL &&
	    feed(&a, "groups/db.ics") != NULL && feed(&a, "groups/web.ics") != NULL,
	    "all.ics, windows.ics, a feed per system and group");
	good = 1;
	for (i = 0; i < a.n; i++) {
		if (strstr(a.feeds[i].path, "..") != NULL ||
		    strchr(a.feeds[i].path, '\r') != NULL ||
		    strchr(a.feeds[i].path, '\n') != NULL)
			good = 0;
	}
	ok(good && a.n == 6, "a system name from the state never makes a feed path "
	    "(%zu feeds)", a.n);
	f = feed(&a, "all.ics");
	nvevent = starts(f->data, "BEGIN:VEVENT\r\n");
	is_int(nvevent, 5, "all.ics: five VEVENTs (CR/LF in fields made none)");
	is_int(f->nevents, 5, "... as counted");
	is_int(starts(f->data, "END:VEVENT\r\n"), 5, "... five ends");
	is_int(starts(f->data, "BEGIN:"), 1 + 1 + 3 + 5 + 4, "no component from a value "
	    "(VCALENDAR, VTIMEZONE with 3 observances, 5 VEVENTs, 4 VALARMs)");
	is_int(starts(f->data, "UID:"), 5, "one UID each");
	is_int(starts(f->data, "ORGANIZER:"), 5, "one ORGANIZER each");
	is_int(starts(f->data, "END:VCALENDAR"), 1, "one END:VCALENDAR");
	ok(strstr(f->data, "\r\nSUMMARY:") != NULL && starts(f->data, "SUMMARY:pwned") == 0 &&
	    starts(f->data, "X:") == 0, "no smuggled property starts a line");
	ok(lines_ok(f->data, &longest), "every line ends in CRLF, is <= 75 octets "
	    "and whole UTF-8 (longest %zu)", longest);
	ok(strstr(f->data, "DTSTART:20261025T013000Z") != NULL &&
	    strstr(f->data, "DTSTART:20261025T003000Z") != NULL &&
	    strstr(f->data, "DTEND:20261025T013000Z") != NULL,
	    "both 02:30s of a fall-back night are written in UTC");
	ok(strstr(f->data, "DTEND;TZID=Europe/Berlin:20261025T033000\r\n") != NULL,
	    "... but 03:30 is local");
	ok(strstr(f->data, "DTSTART:20261102T010000Z") != NULL,
	    "a zone the system does not know: UTC");
	text = unfold(f->data);
	ok(strstr(text, "UID:evil@ops.test.example\r\n") != NULL &&
	    strstr(text, "X-MAINTNOTE-OBJECT-ID;X-MAINTNOTE-OBJECT-IMPACT=OUTAGE:"
	    "web-1 BEGIN:VEVENT\r\n") != NULL, "a CR LF in a system name becomes a space");
	ok(strstr(text, "\r\nSUMMARY:T END:VEVENT BEGIN:VEVENT UID:x@y SUMMARY:pwned\\,"
	    "\\;\\\\\r\n") != NULL, "... and in a title; the rest is escaped");
	ok(strstr(text, "\r\nDESCRIPTION:line\\nEND:VCALENDAR\\nBEGIN:VTODO\\n"
	    "\\\\n\\,\\;  \t.\\n") != NULL, "a description's CR LF and CR become \\n, "
	    "other controls spaces");
	free(text);
	ok(strstr(f->data, "STATUS:CANCELLED") != NULL &&
	    strstr(f->data, "SUMMARY:Cancelled: Old") != NULL, "a released slot is CANCELLED");
	ok(strstr(f->data, "X-MAINTNOTE-PROVIDER:Test, Corp; IT \\\\ ops\r\n") != NULL,
	    "an X- value keeps commas and semicolons, escapes backslashes");
	f = feed(&a, "systems/db-1.ics");
	is_int(f->nevents, 1, "systems/db-1.ics: the one change on db-1");
	f = feed(&a, "groups/web.ics");
	is_int(f->nevents, 4, "groups/web.ics: every change on web-1, once");
	f = feed(&a, "windows.ics");
	ok(strstr(f->data, "RRULE:FREQ=DAILY;UNTIL=20271231T000000Z") != NULL,
	    "a local UNTIL is written in UTC");
	ok(strstr(f->data, "EXDATE;TZID=Europe/Berlin:20261224T010000") != NULL,
	    "exdates in the window's zone");
	ok(strstr(f->data, "freeze+year-end@") != NULL && strstr(f->data, "remote") == NULL,
	    "freezes are listed; one read from a URL is not");
	notice_set_release(&a);
	notice_set_release(&b);
	ok(notice_render(pol, &st, at("2026-11-20T10:00:00Z"), &a, &cause) == 0 &&
	    feed(&a, "all.ics")->nevents == 1, "after the retention the cancelled "
	    "one and the three missed ones are gone");
	notice_set_release(&a);
	ok(notice_render(pol, &st, at("2026-11-03T00:00:00Z"), &a, &cause) == 0 &&
	    starts(feed(&a, "all.ics")->data, "SUMMARY:Missed: ") == 3 &&
	    starts(feed(&a, "all.ics")->data, "CATEGORIES:outcome-missed") == 3,
	    "slots that ended without a run are missed, from their end");
	notice_set_release(&a);
	state_release(&st);
}

static void
test_vtimezone(void)
{
	char	*cause = NULL, *s;
	int64_t	 from = at("2026-01-01T00:00:00Z"), to = at("2028-01-01T00:00:00Z");

	s = vtimezone_text("Europe/Berlin", from, to, &cause);
	ok(s != NULL && strstr(s, "TZID:Europe/Berlin\r\n") != NULL,
	    "VTIMEZONE with the plain IANA name");
	ok(s != NULL && strstr(s, "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n") != NULL &&
	    strstr(s, "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n") != NULL &&
	    strstr(s, "UNTIL") == NULL, "Berlin: open-ended RRULEs, no UNTIL");
	free(s);
	s = vtimezone_text("Asia/Shanghai", from, to, &cause);
	ok(s != NULL && count(s, "BEGIN:STANDARD") == 1 && strstr(s, "RRULE") == NULL &&
	    strstr(s, "TZOFFSETTO:+0800") != NULL, "Shanghai: one observance");
	free(s);
	s = vtimezone_text("America/Sao_Paulo", at("2018-01-01T00:00:00Z"),
	    at("2021-01-01T00:00:00Z"), &cause);
	ok(s != NULL && strstr(s, "RRULE") == NULL && count(s, "BEGIN:DAYLIGHT") == 2 &&
	    count(s, "BEGIN:STANDARD") == 2,
	    "Sao Paulo 2018-2020: DST ended in 2019, explicit observances only");
	free(s);
	s = vtimezone_text("Asia/Jerusalem", from, to, &cause);
	ok(s != NULL && strstr(s, "BYMONTHDAY=23,24,25,26,27,28,29") != NULL,
	    "Jerusalem: the Friday before the last Sunday as BYDAY with BYMONTHDAY");
	free(s);
	ok(vtimezone_text("No/Such_Zone", from, to, &cause) == NULL && cause != NULL,
	    "an unknown zone is an error");
	free(cause);
}

int
main(void)
{
	struct diags d;
	struct policy *pol;

	diags_init(&d);
	pol = policy_parse("offpeak.json", policy_json, strlen(policy_json), &d);
	ok(pol != NULL && d.n == 0, "the test policy is valid");
	if (d.n != 0) {
		char *line = diag_format(&d.items[0]);
		printf("# %s\n", line);
		free(line);
	}
	diags_release(&d);
	test_views(pol);
	test_render(pol);
	test_vtimezone();
	policy_free(pol);
	return done_testing();
}
