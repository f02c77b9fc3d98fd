/*
 * ics-check: read iCalendar files with libical, for the end-to-end tests.
 * Prints a JSON list, one object per file, in the shape of
 * tests/js/ics-events.mjs: every VEVENT's UID, SEQUENCE, STATUS,
 * X-MAINTNOTE-STATUS and its DTSTART/DTEND in UTC through the file's own
 * VTIMEZONEs. "problems" lists every X-LIC-ERROR libical's parser added, a
 * TZID without a VTIMEZONE in the file, and whether libical writes the
 * parsed file back byte for byte ("roundtrip"; the order of VTIMEZONEs
 * aside, which its parser reverses).
 *
 *   ics-check FILE...
 */
#include <jansson.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	char	*data = NULL;
	size_t	 n = 0, got;

	if (f == NULL)
		return NULL;
	data = malloc(1);
	for (;;) {
		data = realloc(data, n + 65537);
		if ((got = fread(data + n, 1, 65536, f)) == 0)
			break;
		n += got;
	}
	fclose(f);
	data[n] = '\0';
	*len = n;
	return data;
}

/* Every X-LIC-ERROR in c and below. */
static void
lic_errors(icalcomponent *c, json_t *problems)
{
	icalproperty *p;
	icalcomponent *sub;

	for (p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY);
	    p != NULL; p = icalcomponent_get_next_property(c,
	    ICAL_XLICERROR_PROPERTY))
		json_array_append_new(problems, json_sprintf("X-LIC-ERROR in %s: %s",
		    icalcomponent_kind_to_string(icalcomponent_isa(c)),
		    icalproperty_get_xlicerror(p)));
	for (sub = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT);
	    sub != NULL; sub = icalcomponent_get_next_component(c,
	    ICAL_ANY_COMPONENT))
		lic_errors(sub, problems);
}

static json_t *
x_value(icalcomponent *c, const char *name)
{
	icalproperty *p;

	for (p = icalcomponent_get_first_property(c, ICAL_X_PROPERTY); p != NULL;
	    p = icalcomponent_get_next_property(c, ICAL_X_PROPERTY)) {
		if (strcmp(icalproperty_get_x_name(p), name) == 0)
			return json_string(icalproperty_get_x(p));
	}
	return json_null();
}

/* A DTSTART or DTEND in UTC, noting a TZID the file does not define. */
static json_t *
instant(icalcomponent *root, icalcomponent *ev, icalproperty_kind kind,
    json_t *problems, json_t **tzid_out)
{
	icalproperty *p = icalcomponent_get_first_property(ev, kind);
	icalparameter *tzp;
	struct icaltimetype t;
	const char *tzid = NULL;
	char	 buf[32];
	time_t	 u;
	struct tm tm;

	if (p == NULL)
		return json_null();
	if ((tzp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER)) != NULL) {
		tzid = icalparameter_get_tzid(tzp);
		if (icalcomponent_get_timezone(root, tzid) == NULL)
			json_array_append_new(problems, json_sprintf("TZID %s "
			    "has no VTIMEZONE", tzid));
	}
	if (tzid_out != NULL)
		*tzid_out = tzid != NULL ? json_string(tzid) : json_null();
	t = kind == ICAL_DTSTART_PROPERTY ? icalcomponent_get_dtstart(ev) :
	    icalcomponent_get_dtend(ev);
	if (t.zone == NULL && tzid == NULL &&
	    !icaltime_is_utc(icalproperty_get_dtstart(p)))
		json_array_append_new(problems, json_string("a floating time"));
	u = icaltime_as_timet_with_zone(t, t.zone != NULL ? t.zone :
	    icaltimezone_get_utc_timezone());
	gmtime_r(&u, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_t *
event(icalcomponent *root, icalcomponent *ev, json_t *problems)
{
	json_t	*o = json_object(), *tzid = NULL;
	icalproperty *p;

	json_object_set_new(o, "uid", json_string(icalcomponent_get_uid(ev)));
	json_object_set_new(o, "sequence",
	    json_integer(icalcomponent_get_sequence(ev)));
	p = icalcomponent_get_first_property(ev, ICAL_STATUS_PROPERTY);
	json_object_set_new(o, "status", p != NULL ? json_string(
	    icalproperty_status_to_string(icalproperty_get_status(p))) :
	    json_null());
	json_object_set_new(o, "maintnote_status", x_value(ev, "X-MAINTNOTE-STATUS"));
	json_object_set_new(o, "start", instant(root, ev, ICAL_DTSTART_PROPERTY,
	    problems, &tzid));
	json_object_set_new(o, "end", instant(root, ev, ICAL_DTEND_PROPERTY,
	    problems, NULL));
	json_object_set_new(o, "tzid", tzid);
	json_object_set_new(o, "summary", json_string(icalcomponent_get_summary(ev)));
	p = icalcomponent_get_first_property(ev, ICAL_DESCRIPTION_PROPERTY);
	json_object_set_new(o, "description", p != NULL ?
	    json_string(icalproperty_get_description(p)) : json_null());
	json_object_set_new(o, "duration", json_boolean(
	    icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY) != NULL));
	return o;
}

static int
block_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The text with its VTIMEZONEs sorted: libical's parser keeps every other
 * component in order but gives the VTIMEZONEs back in reverse.
 */
static char *
zones_sorted(const char *s)
{
	const char *first = strstr(s, "BEGIN:VTIMEZONE\r\n"), *p, *e;
	char	*out, **blocks = NULL;
	size_t	 n = 0, i, len = strlen(s);

	if (first == NULL)
		return strdup(s);
	out = malloc(len + 1);
	memcpy(out, s, (size_t)(first - s));
	out[first - s] = '\0';
	for (p = first; strncmp(p, "BEGIN:VTIMEZONE\r\n", 17) == 0; p = e) {
		if ((e = strstr(p, "END:VTIMEZONE\r\n")) == NULL)
			break;
		e += strlen("END:VTIMEZONE\r\n");
		blocks = realloc(blocks, (n + 1) * sizeof *blocks);
		blocks[n] = strndup(p, (size_t)(e - p));
		n++;
	}
	qsort(blocks, n, sizeof *blocks, block_cmp);
	for (i = 0; i < n; i++) {
		strcat(out, blocks[i]);
		free(blocks[i]);
	}
	free(blocks);
	strcat(out, p);
	return out;
}

static json_t *
check(const char *path)
{
	json_t	*o = json_object(), *events = json_array(), *zones = json_array();
	json_t	*problems = json_array();
	icalcomponent *root, *c;
	char	*text, *again, *a, *b;
	size_t	 len;

	json_object_set_new(o, "feed", json_string(path));
	if ((text = slurp(path, &len)) == NULL ||
	    (root = icalparser_parse_string(text)) == NULL) {
		json_array_append_new(problems, json_string("does not parse"));
		json_object_set_new(o, "problems", problems);
		free(text);
		return o;
	}
	lic_errors(root, problems);
	for (c = icalcomponent_get_first_component(root, ICAL_VTIMEZONE_COMPONENT);
	    c != NULL; c = icalcomponent_get_next_component(root,
	    ICAL_VTIMEZONE_COMPONENT))
		json_array_append_new(zones, json_string(icalproperty_get_tzid(
		    icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY))));
	for (c = icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT);
	    c != NULL; c = icalcomponent_get_next_component(root,
	    ICAL_VEVENT_COMPONENT))
		json_array_append_new(events, event(root, c, problems));
	again = icalcomponent_as_ical_string_r(root);
	a = zones_sorted(text);
	b = zones_sorted(again);
	json_object_set_new(o, "roundtrip", json_boolean(strlen(again) == len &&
	    strcmp(a, b) == 0));
	free(a);
	free(b);
	icalmemory_free_buffer(again);
	icalcomponent_free(root);
	free(text);
	json_object_set_new(o, "timezones", zones);
	json_object_set_new(o, "events", events);
	json_object_set_new(o, "problems", problems);
	return o;
}

int
main(int argc, char **argv)
{
	json_t	*out = json_array();
	int	 i;

	if (argc < 2) {
		fprintf(stderr, "usage: ics-check FILE...\n");
		return 2;
	}
	for (i = 1; i < argc; i++)
		json_array_append_new(out, check(argv[i]));
	json_dumpf(out, stdout, JSON_INDENT(1));
	putchar('\n');
	json_decref(out);
	icaltimezone_free_builtin_timezones();
	return 0;
}
