/* policy: the policy file offpeak.json — model and validation */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "digest.h"
#include "field.h"
#include "policy-int.h"
#include "policy.h"
#include "redact.h"
#include "tz.h"
#include "util.h"
#include "window.h"

const char *const risk_factor_names[F_COUNT + 1] = {
	"impact.none", "impact.reduced-redundancy", "impact.degraded",
	"impact.outage", "criticality.low", "criticality.medium",
	"criticality.high", "rollback.tested", "rollback.untested",
	"rollback.none", "data_migration", "untested_in_staging",
	"systems_over_3", "type.standard", "type.normal", "type.emergency",
	NULL
};

static const char *const crit_names[] = { "low", "medium", "high", NULL };

static void
read_calendar(struct jdoc *d, json_t *root, struct policy *p)
{
	static const char *const known[] = { "name", "domain", "organizer",
	    "account", "url", "refresh", "reminders", "cancelled_retention", NULL };
	json_t	*cal = jd_get(d, root, "calendar", JSON_OBJECT, 1), *arr, *v;
	const char *s;
	size_t	 i;
	char	*cause;

	p->calendar.refresh = 3600;
	p->calendar.retention = 30 * 86400;
	if (cal == NULL)
		return;
	jdoc_push_key(d, "calendar");
	jd_known(d, cal, known);
	if ((s = jd_string(d, cal, "name", JD_LINE, 200, 1)) != NULL)
		p->calendar.name = xstrdup(s);
	if ((s = jd_string(d, cal, "domain", JD_ANY, 253, 1)) != NULL) {
		if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != strlen(s) ||
		    *s == '.' || *s == '-' || strstr(s, "..") != NULL || *s == '\0') {
			jdoc_push_key(d, "domain");
			jdoc_error(d, 0, "'%s' is not a domain name", s);
			jdoc_pop(d);
		} else
			p->calendar.domain = xstrdup(s);
	}
	if ((s = jd_string(d, cal, "organizer", JD_ANY, 320, 0)) != NULL) {
		if (strncmp(s, "mailto:", 7) != 0 || strchr(s + 7, '@') == NULL ||
		    strpbrk(s, " \t") != NULL) {
			jdoc_push_key(d, "organizer");
			jdoc_error(d, 0, "'%s' is not a mailto: address", s);
			jdoc_pop(d);
		} else
			p->calendar.organizer = xstrdup(s);
	}
	if ((s = jd_string(d, cal, "account", JD_LINE, 200, 0)) != NULL)
		p->calendar.account = xstrdup(s);
	if ((s = jd_string(d, cal, "url", JD_URL, 2000, 0)) != NULL)
		p->calendar.url = xstrdup(s);
	jd_duration(d, cal, "refresh", 0, 0, &p->calendar.refresh);
	jd_duration(d, cal, "cancelled_retention", 0, 0, &p->calendar.retention);
	if ((arr = jd_get(d, cal, "reminders", JSON_ARRAY, 0)) != NULL) {
		jdoc_push_key(d, "reminders");
		p->calendar.reminders = xcalloc(json_array_size(arr) + 1,
		    sizeof *p->calendar.reminders);
		json_array_foreach(arr, i, v) {
			int64_t secs;
			jdoc_push_index(d, i);
			if (!json_is_string(v))
				jdoc_error(d, 0, "must be a string");
			else if (json_string_value(v)[0] != '-')
				jdoc_error(d, 0, "'%s': a reminder is a negative "
				    "duration before the start, like -P1D",
				    json_string_value(v));
			else if (dur_parse(json_string_value(v), &secs, 1,
			    &cause) != 0) {
				jdoc_error(d, 0, "%s", cause);
				free(cause);
			} else
				p->calendar.reminders[p->calendar.nreminders++] = secs;
			jdoc_pop(d);
		}
		jdoc_pop(d);
	}
	jdoc_pop(d);
}

static int
system_cmp(const void *a, const void *b)
{
	return strcmp(((const struct system *)a)->name,
	    ((const struct system *)b)->name);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The distinct groups of the systems, sorted. */
static void
collect_groups(struct policy *p)
{
	size_t	 i, n = 0;

	p->groups = xcalloc(p->nsystems + 1, sizeof *p->groups);
	for (i = 0; i < p->nsystems; i++) {
		if (p->systems[i].group != NULL)
			p->groups[n++] = p->systems[i].group;
	}
	array_sort(p->groups, n, sizeof *p->groups, str_cmp);
	for (i = 0; i < n; i++)
		p->groups[i] = xstrdup(p->groups[i]);
	for (i = 1; i < n; ) {
		if (strcmp(p->groups[i], p->groups[i - 1]) == 0) {
			free(p->groups[i]);
			memmove(&p->groups[i], &p->groups[i + 1],
			    (n - i) * sizeof *p->groups);
			n--;
		} else
			i++;
	}
}

static void
read_systems(struct jdoc *d, json_t *root, struct policy *p)
{
	static const char *const known[] = { "group", "criticality",
	    "description", NULL };
	json_t	*obj = jd_get(d, root, "systems", JSON_OBJECT, 1), *v;
	const char *key, *s;
	struct system *sys;
	int	 c;

	if (obj == NULL)
		return;
	jdoc_push_key(d, "systems");
	if (json_object_size(obj) == 0)
		jdoc_error(d, 0, "must list at least one system");
	p->systems = xcalloc(json_object_size(obj) + 1, sizeof *p->systems);
	json_object_foreach(obj, key, v) {
		jdoc_push_key(d, key);
		if (!name_valid(key)) {
			jdoc_error(d, 1, "'%s' is not a valid system name "
			    "(^[a-z0-9][a-z0-9._-]{0,63}$)", key);
		} else if (!json_is_object(v))
			jdoc_error(d, 0, "must be an object");
		else {
			sys = &p->systems[p->nsystems++];
			sys->name = xstrdup(key);
			jd_known(d, v, known);
			if ((s = jd_string(d, v, "group", JD_NAME, 0, 1)) != NULL)
				sys->group = xstrdup(s);
			sys->criticality = CRIT_MEDIUM;
			if ((c = jd_enum(d, v, "criticality", crit_names, 0)) != -1)
				sys->criticality = c;
			if ((s = jd_string(d, v, "description", JD_LINE, 200, 0)) != NULL)
				sys->description = xstrdup(s);
		}
		jdoc_pop(d);
	}
	jdoc_pop(d);
	array_sort(p->systems, p->nsystems, sizeof *p->systems, system_cmp);
	collect_groups(p);
}

/* A zone member: checked against the system zoneinfo. */
static char *
read_zone(struct jdoc *d, json_t *obj, const char *key, int required)
{
	const char *s = jd_string(d, obj, key, JD_ANY, 128, required);
	char	*cause = NULL;

	if (s == NULL)
		return NULL;

	if (!tz_exists(s)) {
		jdoc_push_key(d, key);
		jdoc_error(d, 0, "'%s' is not a time zone in %s", s, tz_dir());
		jdoc_pop(d);
		return NULL;
	}
	if (tz_get(s, &cause) == NULL) {
		jdoc_push_key(d, key);
		jdoc_error(d, 0, "%s", cause);
		jdoc_pop(d);
		free(cause);
		return NULL;
	}
	return xstrdup(s);
}

static char *
read_rrule(struct jdoc *d, json_t *obj)
{
	const char *s = jd_string(d, obj, "rrule", JD_ANY, 500, 1);
	char	*cause;

	if (s == NULL)
		return NULL;
	if (window_rrule_check(s, &cause) != 0) {
		jdoc_push_key(d, "rrule");
		jdoc_error(d, 0, "%s", cause);
		jdoc_pop(d);
		free(cause);
		return NULL;
	}
	return xstrdup(s);
}

static size_t
read_exdates(struct jdoc *d, json_t *obj, struct civil **out)
{
	json_t	*arr = jd_get(d, obj, "exdates", JSON_ARRAY, 0), *v;
	size_t	 i, n = 0;
	char	*cause;

	*out = NULL;
	if (arr == NULL)
		return 0;
	jdoc_push_key(d, "exdates");
	*out = xcalloc(json_array_size(arr) + 1, sizeof **out);
	json_array_foreach(arr, i, v) {
		jdoc_push_index(d, i);
		if (!json_is_string(v))
			jdoc_error(d, 0, "must be a string");
		else if (dt_parse_civil(json_string_value(v), &(*out)[n],
		    &cause) != 0) {
			jdoc_error(d, 0, "%s", cause);
			free(cause);
		} else
			n++;
		jdoc_pop(d);
	}
	jdoc_pop(d);
	return n;
}

/* Every group named must belong to some system. */
static void
check_groups(struct jdoc *d, const struct policy *p, const char *key,
    char *const *groups)
{
	size_t	 i;

	for (i = 0; groups != NULL && groups[i] != NULL; i++) {
		if (p->groups != NULL && !policy_has_group(p, groups[i])) {
			jdoc_push_key(d, key);
			jdoc_push_index(d, i);
			jdoc_error(d, 0, "no system is in group '%s'", groups[i]);
			jdoc_pop(d);
			jdoc_pop(d);
		}
	}
}

/* Every system named must be one of the policy's. */
static void
check_systems(struct jdoc *d, const struct policy *p, const char *key,
    char *const *systems)
{
	size_t	 i;

	for (i = 0; systems != NULL && systems[i] != NULL; i++) {
		if (p->nsystems > 0 && policy_system(p, systems[i]) == NULL) {
			jdoc_push_key(d, key);
			jdoc_push_index(d, i);
			jdoc_error(d, 0, "unknown system '%s'", systems[i]);
			jdoc_pop(d);
			jdoc_pop(d);
		}
	}
}

/* A window whose rule yields no occurrence at all is a mistake. */
static void
check_window_opens(struct jdoc *d, const struct window_def *w)
{
	struct interval *iv = NULL;
	size_t	 n = 0;
	int64_t	 from = civil_to_utc(&w->start) - 86400;
	char	*cause = NULL;

	if (window_expand(w, from, from + 5 * 366 * (int64_t)86400, &iv, &n,
	    &cause) != 0) {
		jdoc_push_key(d, "rrule");
		jdoc_error(d, 0, "%s", cause);
		jdoc_pop(d);
	} else if (n == 0) {
		jdoc_push_key(d, "rrule");
		jdoc_error(d, 0, "the window never opens: the rule gives no "
		    "occurrence after its start");
		jdoc_pop(d);
	}
	free(cause);
	free(iv);
}

static void
read_window(struct jdoc *d, json_t *v, struct policy *p)
{
	static const char *const known[] = { "name", "groups", "start",
	    "timezone", "duration", "rrule", "exdates", NULL };
	struct window_def *w = &p->windows[p->nwindows];
	const char *s;
	size_t	 i;

	jd_known(d, v, known);
	if ((s = jd_string(d, v, "name", JD_NAME, 0, 1)) != NULL) {
		for (i = 0; i < p->nwindows; i++) {
			if (p->windows[i].name != NULL &&
			    strcmp(p->windows[i].name, s) == 0) {
				jdoc_push_key(d, "name");
				jdoc_error(d, 0, "window '%s' is defined twice", s);
				jdoc_pop(d);
				break;
			}
		}
		w->name = xstrdup(s);
	}
	jd_strings(d, v, "groups", JD_NAME, 1, 1, 1, &w->groups);
	check_groups(d, p, "groups", w->groups);
	jd_civil(d, v, "start", 1, &w->start);
	if (json_object_get(v, "timezone") != NULL)
		w->timezone = read_zone(d, v, "timezone", 0);
	else if (p->timezone != NULL)
		w->timezone = xstrdup(p->timezone);
	if (jd_duration(d, v, "duration", 0, 1, &w->duration) == 0 &&
	    w->duration > WINDOW_MAX_DURATION) {
		jdoc_push_key(d, "duration");
		jdoc_error(d, 0, "a window lasts at most 7 days");
		jdoc_pop(d);
	}
	w->rrule = read_rrule(d, v);
	w->nexdates = read_exdates(d, v, &w->exdates);
	if (w->rrule != NULL && w->timezone != NULL && w->duration > 0)
		check_window_opens(d, w);
	p->nwindows++;
}

static void
read_windows(struct jdoc *d, json_t *root, struct policy *p)
{
	json_t	*arr = jd_get(d, root, "windows", JSON_ARRAY, 1), *v;
	size_t	 i;

	if (arr == NULL)
		return;
	jdoc_push_key(d, "windows");
	if (json_array_size(arr) == 0)
		jdoc_error(d, 0, "must list at least one off-peak window");
	p->windows = xcalloc(json_array_size(arr) + 1, sizeof *p->windows);
	json_array_foreach(arr, i, v) {
		jdoc_push_index(d, i);
		if (!json_is_object(v))
			jdoc_error(d, 0, "must be an object");
		else
			read_window(d, v, p);
		jdoc_pop(d);
	}
	jdoc_pop(d);
}

static void
read_freeze(struct jdoc *d, json_t *v, struct policy *p)
{
	static const char *const k_abs[] = { "name", "start", "end", "groups", NULL };
	static const char *const k_rec[] = { "name", "start", "timezone",
	    "duration", "rrule", "exdates", "groups", NULL };
	static const char *const k_url[] = { "name", "url", "groups", NULL };
	struct freeze_def *f = &p->freezes[p->nfreezes];
	const char *s;

	if (json_object_get(v, "url") != NULL) {
		f->kind = FREEZE_URL;
		jd_known(d, v, k_url);
		if ((s = jd_string(d, v, "url", JD_URL, 2000, 1)) != NULL)
			f->url = xstrdup(s);
	} else if (json_object_get(v, "rrule") != NULL) {
		f->kind = FREEZE_RECURRING;
		jd_known(d, v, k_rec);
		jd_civil(d, v, "start", 1, &f->local_start);
		if (json_object_get(v, "timezone") != NULL)
			f->timezone = read_zone(d, v, "timezone", 0);
		else if (p->timezone != NULL)
			f->timezone = xstrdup(p->timezone);
		jd_duration(d, v, "duration", 0, 1, &f->duration);
		f->rrule = read_rrule(d, v);
		f->nexdates = read_exdates(d, v, &f->exdates);
	} else {
		f->kind = FREEZE_ABSOLUTE;
		jd_known(d, v, k_abs);
		if (jd_instant(d, v, "start", 1, &f->start) == 0 &&
		    jd_instant(d, v, "end", 1, &f->end) == 0 && f->end <= f->start) {
			jdoc_push_key(d, "end");
			jdoc_error(d, 0, "the freeze ends before it starts");
			jdoc_pop(d);
		}
	}
	if ((s = jd_string(d, v, "name", JD_NAME, 0, 1)) != NULL)
		f->name = xstrdup(s);
	if (json_object_get(v, "groups") != NULL) {
		jd_strings(d, v, "groups", JD_NAME, 1, 1, 0, &f->groups);
		check_groups(d, p, "groups", f->groups);
	}
	p->nfreezes++;
}

static void
read_freezes(struct jdoc *d, json_t *root, struct policy *p)
{
	json_t	*arr = jd_get(d, root, "freezes", JSON_ARRAY, 0), *v;
	size_t	 i;

	if (arr == NULL)
		return;
	jdoc_push_key(d, "freezes");
	p->freezes = xcalloc(json_array_size(arr) + 1, sizeof *p->freezes);
	json_array_foreach(arr, i, v) {
		jdoc_push_index(d, i);
		if (!json_is_object(v))
			jdoc_error(d, 0, "must be an object");
		else
			read_freeze(d, v, p);
		jdoc_pop(d);
	}
	jdoc_pop(d);
}

static void
read_weights(struct jdoc *d, json_t *risk, struct policy *p)
{
	json_t	*w = jd_get(d, risk, "weights", JSON_OBJECT, 1);
	long long n;
	int	 i;

	if (w == NULL)
		return;
	jdoc_push_key(d, "weights");
	jd_known(d, w, risk_factor_names);
	for (i = 0; i < F_COUNT; i++) {
		if (jd_int(d, w, risk_factor_names[i], 0, 1000, 0, &n) == 0)
			p->weights[i] = n;
	}
	jdoc_pop(d);
}

static void
read_level(struct jdoc *d, json_t *v, struct risk_level *l)
{
	static const char *const known[] = { "name", "max_score", "notice",
	    "approvals", NULL };
	const char *s;
	long long n;

	jd_known(d, v, known);
	if ((s = jd_string(d, v, "name", JD_NAME, 0, 1)) != NULL)
		l->name = xstrdup(s);
	if (json_object_get(v, "max_score") != NULL &&
	    jd_int(d, v, "max_score", 0, 1000000, 0, &l->max_score) == 0)
		l->has_max = 1;
	if (jd_duration(d, v, "notice", 1, 1, &l->notice) != 0)
		l->notice = -1;	/* unknown: not compared */
	l->approvals = 1;
	if (jd_int(d, v, "approvals", 1, 100, 1, &n) == 0)
		l->approvals = (int)n;
}

/* Levels must rise: scores, notice and approvals; the last has no max. */
static void
check_level_order(struct jdoc *d, const struct policy *p)
{
	const struct risk_level *a, *b;
	size_t	 i;

	for (i = 0; i < p->nlevels; i++) {
		if (p->levels[i].name == NULL)
			return;	/* already reported; names make the messages */
	}
	for (i = 0; i < p->nlevels; i++) {
		a = &p->levels[i];
		jdoc_push_index(d, i);
		if (i + 1 < p->nlevels && !a->has_max)
			jdoc_error(d, 0, "level '%s' needs a max_score (only the "
			    "last level takes every higher score)", a->name);
		if (i + 1 == p->nlevels && a->has_max)
			jdoc_error(d, 0, "the last level '%s' must not have a "
			    "max_score (it takes every higher score)", a->name);
		if (i > 0) {
			b = &p->levels[i - 1];
			if (a->has_max && b->has_max && a->max_score <= b->max_score)
				jdoc_error(d, 0, "levels are not ordered: "
				    "'%s' max_score %lld is not above '%s' (%lld)",
				    a->name, a->max_score, b->name, b->max_score);
			if (a->notice >= 0 && b->notice >= 0 && a->notice < b->notice)
				jdoc_error(d, 0, "levels are not ordered: '%s' has "
				    "a shorter notice than '%s'", a->name, b->name);
			if (a->approvals < b->approvals)
				jdoc_error(d, 0, "levels are not ordered: '%s' needs "
				    "fewer approvals than '%s'", a->name, b->name);
		}
		jdoc_pop(d);
	}
}

static void
read_risk(struct jdoc *d, json_t *root, struct policy *p)
{
	static const char *const known[] = { "weights", "levels",
	    "emergency_notice", NULL };
	json_t	*risk = jd_get(d, root, "risk", JSON_OBJECT, 1), *arr, *v;
	size_t	 i;

	if (risk == NULL)
		return;
	jdoc_push_key(d, "risk");
	jd_known(d, risk, known);
	read_weights(d, risk, p);
	if (jd_duration(d, risk, "emergency_notice", 1, 0,
	    &p->emergency_notice) == 0)
		p->has_emergency_notice = 1;
	if ((arr = jd_get(d, risk, "levels", JSON_ARRAY, 1)) != NULL) {
		jdoc_push_key(d, "levels");
		if (json_array_size(arr) == 0)
			jdoc_error(d, 0, "must list at least one level");
		p->levels = xcalloc(json_array_size(arr) + 1, sizeof *p->levels);
		json_array_foreach(arr, i, v) {
			jdoc_push_index(d, i);
			if (!json_is_object(v))
				jdoc_error(d, 0, "must be an object");
			else
				read_level(d, v, &p->levels[p->nlevels++]);
			jdoc_pop(d);
		}
		if (p->nlevels == json_array_size(arr))
			check_level_order(d, p);
		jdoc_pop(d);
	}
	jdoc_pop(d);
}

static void
read_subscriber(struct jdoc *d, json_t *v, struct policy *p)
{
	static const char *const known[] = { "name", "token_sha256", "systems",
	    "groups", "email", NULL };
	struct subscriber *s = &p->subscribers[p->nsubscribers++];
	const char *str;

	jd_known(d, v, known);
	if ((str = jd_string(d, v, "name", JD_NAME, 0, 1)) != NULL)
		s->name = xstrdup(str);
	if ((str = jd_string(d, v, "token_sha256", JD_ANY, 0, 1)) != NULL) {
		if (strlen(str) != 64 || strspn(str, "0123456789abcdef") != 64) {
			jdoc_push_key(d, "token_sha256");
			jdoc_error(d, 0, "must be 64 lowercase hex digits "
			    "(the SHA-256 of the subscriber's token)");
			jdoc_pop(d);
		} else
			s->token_sha256 = xstrdup(str);
	}
	if (json_object_get(v, "systems") != NULL) {
		jd_strings(d, v, "systems", JD_NAME, 1, 0, 0, &s->systems);
		check_systems(d, p, "systems", s->systems);
	}
	if (json_object_get(v, "groups") != NULL) {
		jd_strings(d, v, "groups", JD_NAME, 1, 1, 0, &s->groups);
		check_groups(d, p, "groups", s->groups);
	}
	if ((str = jd_string(d, v, "email", JD_EMAIL, 320, 0)) != NULL)
		s->email = xstrdup(str);
}

static void
read_subscribers(struct jdoc *d, json_t *root, struct policy *p)
{
	json_t	*arr = jd_get(d, root, "subscribers", JSON_ARRAY, 0), *v;
	size_t	 i;

	if (arr == NULL)
		return;
	jdoc_push_key(d, "subscribers");
	p->subscribers = xcalloc(json_array_size(arr) + 1, sizeof *p->subscribers);
	json_array_foreach(arr, i, v) {
		jdoc_push_index(d, i);
		if (!json_is_object(v))
			jdoc_error(d, 0, "must be an object");
		else
			read_subscriber(d, v, p);
		jdoc_pop(d);
	}
	jdoc_pop(d);
}

/* Patterns whose matches public output hides; each must compile. */
static void
read_redact(struct jdoc *d, json_t *root, struct policy *p)
{
	struct redactor *r;
	char	*cause = NULL, *one[2];
	size_t	 i;

	jd_strings(d, root, "redact", JD_ANY, 1, 0, 0, &p->redact);
	if ((p->redactor = redactor_new(p->redact, &cause)) != NULL)
		return;
	free(cause);
	cause = NULL;
	/* say which ones fail, each at its place */
	jdoc_push_key(d, "redact");
	for (i = 0; p->redact[i] != NULL; i++) {
		one[0] = p->redact[i];
		one[1] = NULL;
		cause = NULL;
		r = redactor_new(one, &cause);
		if (r == NULL) {
			jdoc_push_index(d, i);
			jdoc_error(d, 0, "not a regular expression: %s",
			    cause);
			jdoc_pop(d);
		}
		redactor_free(r);
		free(cause);
	}
	jdoc_pop(d);
	p->redactor = redactor_new(NULL, &cause);
}

/* "precheck": [{ "groups"?, "run"?, "http"?, "timeout"? }] */
static void
read_prechecks(struct jdoc *d, json_t *root, struct policy *p)
{
	json_t	*arr = jd_get(d, root, "precheck", JSON_ARRAY, 0), *v;
	struct precheck_rule *r;
	size_t	 i, j;

	if (arr == NULL)
		return;
	jdoc_push_key(d, "precheck");
	p->prechecks = xcalloc(json_array_size(arr) + 1, sizeof *p->prechecks);
	json_array_foreach(arr, i, v) {
		jdoc_push_index(d, i);
		if (!json_is_object(v)) {
			jdoc_error(d, 0, "must be an object with \"groups\" and "
			    "the checks (\"run\", \"http\")");
			jdoc_pop(d);
			continue;
		}
		r = &p->prechecks[p->nprechecks++];
		if (json_object_get(v, "groups") != NULL)
			jd_strings(d, v, "groups", JD_NAME, 1, 1, 0, &r->groups);
		for (j = 0; r->groups != NULL && r->groups[j] != NULL; j++) {
			if (p->nsystems > 0 && !policy_has_group(p, r->groups[j])) {
				jdoc_push_key(d, "groups");
				jdoc_push_index(d, j);
				jdoc_error(d, 0, "unknown group '%s'", r->groups[j]);
				jdoc_pop(d);
				jdoc_pop(d);
			}
		}
		/* the same shape as a plan's, the groups beside the checks */
		checks_read(d, v, "groups", &r->checks);
		jdoc_pop(d);
	}
	jdoc_pop(d);
}

/* "99.9%": more than 0 and less than 100, at most 4 decimals; -1 if not */
static long
target_ppm(const char *s)
{
	long	 whole = 0, frac = 0, scale = 10000;
	size_t	 n = 0;

	if (!(*s >= '0' && *s <= '9'))
		return -1;
	for (; *s >= '0' && *s <= '9' && n < 3; s++, n++)
		whole = whole * 10 + (*s - '0');
	if (*s == '.') {
		for (s++, n = 0; *s >= '0' && *s <= '9'; s++, n++) {
			if (n == 4)
				return -1;
			scale /= 10;
			frac += (*s - '0') * scale;
		}
		if (n == 0)
			return -1;
	}
	if (strcmp(s, "%") != 0 || whole >= 100 || (whole == 0 && frac == 0))
		return -1;
	return whole * 10000 + frac;
}

static void
read_target(struct jdoc *d, json_t *v, struct policy *p)
{
	static const char *const known[] = { "systems", "groups", "target",
	    "period", "degraded", NULL };
	struct availability *a = &p->availability[p->navailability++];
	const char *s;
	json_t	*x;
	int64_t	 len;
	char	*cause = NULL;

	jd_known(d, v, known);
	if (json_object_get(v, "systems") != NULL) {
		jd_strings(d, v, "systems", JD_NAME, 1, 1, 0, &a->systems);
		check_systems(d, p, "systems", a->systems);
	}
	if (json_object_get(v, "groups") != NULL) {
		jd_strings(d, v, "groups", JD_NAME, 1, 1, 0, &a->groups);
		check_groups(d, p, "groups", a->groups);
	}
	if ((s = jd_string(d, v, "target", JD_LINE, 16, 1)) != NULL) {
		if ((a->target_ppm = target_ppm(s)) < 0) {
			jdoc_push_key(d, "target");
			jdoc_error(d, 0, "'%s' is not a percentage above 0 and below "
			    "100 with at most 4 decimals (\"99.9%%\")", s);
			jdoc_pop(d);
		} else
			a->target = xstrdup(s);
	}
	if ((s = jd_string(d, v, "period", JD_LINE, 32, 1)) != NULL) {
		a->period_text = xstrdup(s);
		if (strcmp(s, "month") == 0)
			a->period = PERIOD_MONTH;
		else if (strcmp(s, "quarter") == 0)
			a->period = PERIOD_QUARTER;
		else if (dur_parse(s, &len, 0, &cause) == 0 && len > 0 &&
		    len % 86400 == 0 && len <= 366 * 86400) {
			a->period = PERIOD_DURATION;
			a->period_len = len;
		} else {
			jdoc_push_key(d, "period");
			jdoc_error(d, 0, "'%s' is not month, quarter or a whole "
			    "number of days or weeks up to a year (P7D, P4W)", s);
			jdoc_pop(d);
		}
		free(cause);
	}
	a->degraded = 0;
	if ((x = json_object_get(v, "degraded")) != NULL) {
		if (!json_is_number(x) || json_number_value(x) < 0 ||
		    json_number_value(x) > 1) {
			jdoc_push_key(d, "degraded");
			jdoc_error(d, 0, "must be a number from 0 to 1: the share of "
			    "a degraded change's duration it spends");
			jdoc_pop(d);
		} else
			a->degraded = json_number_value(x);
	}
}

/* "availability": [{ "systems"?, "groups"?, "target", "period", "degraded"? }] */
static void
read_availability(struct jdoc *d, json_t *root, struct policy *p)
{
	json_t	*arr = jd_get(d, root, "availability", JSON_ARRAY, 0), *v;
	size_t	 i;

	if (arr == NULL)
		return;
	jdoc_push_key(d, "availability");
	p->availability = xcalloc(json_array_size(arr) + 1,
	    sizeof *p->availability);
	json_array_foreach(arr, i, v) {
		jdoc_push_index(d, i);
		if (!json_is_object(v))
			jdoc_error(d, 0, "must be an object with \"target\" and "
			    "\"period\"");
		else
			read_target(d, v, p);
		jdoc_pop(d);
	}
	jdoc_pop(d);
}

static void
read_top(struct jdoc *d, json_t *root, struct policy *p)
{
	static const char *const known[] = { "$schema", "version", "provider",
	    "calendar", "timezone", "systems", "windows", "freezes", "risk",
	    "approvers", "signed_approvals", "signing", "allowed_signers",
	    "approver_lists", "approval_rules", "self_approval", "operators",
	    "break_glass", "max_concurrent", "public_feeds", "subscribers",
	    "redact", "precheck", "availability", NULL };
	long long n;
	const char *s;

	jd_known(d, root, known);
	jd_string(d, root, "$schema", JD_ANY, 0, 0);
	if (jd_int(d, root, "version", 0, 1000000, 1, &n) == 0 && n != 1) {
		jdoc_push_key(d, "version");
		jdoc_error(d, 0, "unsupported policy version %lld (this offpeak "
		    "reads version 1)", n);
		jdoc_pop(d);
	}
	if ((s = jd_string(d, root, "provider", JD_LINE, 200, 1)) != NULL)
		p->provider = xstrdup(s);
	p->timezone = read_zone(d, root, "timezone", 1);
	jd_strings(d, root, "approvers", JD_EMAIL, 1, 1, 1, &p->approvers);
	if (p->approvers == NULL)
		p->approvers = xcalloc(1, sizeof *p->approvers);
	p->max_concurrent = 1;
	if (jd_int(d, root, "max_concurrent", 1, 10000, 0, &n) == 0)
		p->max_concurrent = (int)n;
	p->public_feeds = 1;
	jd_bool(d, root, "public_feeds", 0, &p->public_feeds);
	read_redact(d, root, p);
}

struct policy *
policy_parse(const char *file, const char *text, size_t len,
    struct diags *diags)
{
	struct digest dg;
	struct jdoc d;
	struct policy *p;
	json_t	*root;

	jdoc_init(&d, file, text, len, diags);
	if ((root = jdoc_parse(&d)) == NULL)
		return NULL;
	p = xcalloc(1, sizeof *p);
	digest_init(&dg);
	digest_update(&dg, text, len);
	digest_final(&dg, p->digest);
	p->has_digest = 1;
	read_top(&d, root, p);
	read_calendar(&d, root, p);
	read_systems(&d, root, p);
	read_windows(&d, root, p);
	read_freezes(&d, root, p);
	read_risk(&d, root, p);
	read_subscribers(&d, root, p);
	read_prechecks(&d, root, p);
	read_availability(&d, root, p);
	policy_read_trust(&d, root, p);
	json_decref(root);
	return p;
}

static void
free_window(struct window_def *w)
{
	free(w->name);
	strv_free(w->groups);
	free(w->timezone);
	free(w->rrule);
	free(w->exdates);
}

static void
free_freeze(struct freeze_def *f)
{
	free(f->name);
	free(f->timezone);
	free(f->rrule);
	free(f->exdates);
	free(f->url);
	strv_free(f->groups);
}

void
policy_free(struct policy *p)
{
	size_t	 i;

	if (p == NULL)
		return;
	free(p->provider);
	free(p->calendar.name);
	free(p->calendar.domain);
	free(p->calendar.organizer);
	free(p->calendar.account);
	free(p->calendar.url);
	free(p->calendar.reminders);
	free(p->timezone);
	for (i = 0; i < p->nsystems; i++) {
		free(p->systems[i].name);
		free(p->systems[i].group);
		free(p->systems[i].description);
	}
	free(p->systems);
	strv_free(p->groups);
	for (i = 0; i < p->nwindows; i++)
		free_window(&p->windows[i]);
	free(p->windows);
	for (i = 0; i < p->nfreezes; i++)
		free_freeze(&p->freezes[i]);
	free(p->freezes);
	for (i = 0; i < p->nlevels; i++)
		free(p->levels[i].name);
	free(p->levels);
	strv_free(p->approvers);
	policy_free_trust(p);
	for (i = 0; i < p->nprechecks; i++) {
		strv_free(p->prechecks[i].groups);
		checks_release(&p->prechecks[i].checks);
	}
	free(p->prechecks);
	strv_free(p->redact);
	redactor_free(p->redactor);
	for (i = 0; i < p->navailability; i++) {
		strv_free(p->availability[i].systems);
		strv_free(p->availability[i].groups);
		free(p->availability[i].target);
		free(p->availability[i].period_text);
	}
	free(p->availability);
	for (i = 0; i < p->nsubscribers; i++) {
		free(p->subscribers[i].name);
		free(p->subscribers[i].token_sha256);
		strv_free(p->subscribers[i].systems);
		strv_free(p->subscribers[i].groups);
		free(p->subscribers[i].email);
	}
	free(p->subscribers);
	free(p);
}

const struct system *
policy_system(const struct policy *p, const char *name)
{
	struct system key;

	key.name = (char *)name;
	if (p->nsystems == 0)
		return NULL;
	return bsearch(&key, p->systems, p->nsystems, sizeof *p->systems,
	    system_cmp);
}

int
policy_has_group(const struct policy *p, const char *group)
{
	size_t	 n = strv_len(p->groups);

	return n > 0 && bsearch(&group, p->groups, n, sizeof *p->groups,
	    str_cmp) != NULL;
}

int
window_covers(const struct window_def *w, char *const *groups)
{
	size_t	 i, j;

	for (i = 0; groups[i] != NULL; i++) {
		for (j = 0; w->groups != NULL && w->groups[j] != NULL; j++) {
			if (strcmp(w->groups[j], groups[i]) == 0)
				break;
		}
		if (w->groups == NULL || w->groups[j] == NULL)
			return 0;
	}
	return 1;
}
