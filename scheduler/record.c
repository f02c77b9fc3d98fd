/* record: the maintenance record of one run, records/<id>/<run>.json */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "jsonx.h"
#include "record.h"
#include "util.h"
#include "verify.h"

struct record {
	json_t	*o;
};

static json_t *
array_of(json_t *o, const char *key)
{
	json_t	*a = json_object_get(o, key);

	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(o, key, a);
	}
	return a;
}

/* A time member, or 0 when absent or not a time. */
static int64_t
time_of(json_t *o, const char *key)
{
	int64_t	 t = 0;

	return jsonx_get_time(o, key, &t) == 0 ? t : 0;
}

struct record *
record_new(const char *plan, const char *run)
{
	struct record *r = xcalloc(1, sizeof *r);

	r->o = json_object();
	json_object_set_new(r->o, "plan", json_string(plan));
	json_object_set_new(r->o, "run", json_string(run));
	json_object_set_new(r->o, "outcome", json_string("running"));
	array_of(r->o, "gates");
	array_of(r->o, "phases");
	array_of(r->o, "verification");
	return r;
}

char *
record_missed(const char *plan, const char *title, int64_t start,
    int64_t end, const char *window, int64_t now, char **run)
{
	struct record *r;
	struct civil c;
	char	*text;

	utc_to_civil(start, &c);
	*run = xasprintf("missed-%04d%02d%02dT%02d%02d%02dZ", c.year, c.month,
	    c.day, c.hour, c.minute, c.second);
	r = record_new(plan, *run);
	record_set_str(r, "title", title);
	record_set_str(r, "outcome", "missed");
	record_set_str(r, "reason", "the slot ended without a run");
	record_set_time(r, "slot_start", start);
	record_set_time(r, "slot_end", end);
	record_set_time(r, "started_at", end);
	record_set_time(r, "ended_at", end);
	record_set_time(r, "noted_at", now);
	if (window != NULL)
		record_set_str(r, "window", window);
	text = record_to_json(r);
	record_free(r);
	return text;
}

struct record *
record_parse(const char *text, size_t len, char **cause)
{
	json_error_t err;
	char	*why;
	json_t	*o = json_loadb(text, len, 0, &err);
	struct record *r;

	if (o == NULL || !json_is_object(o) ||
	    !json_is_string(json_object_get(o, "run")) ||
	    !json_is_array(json_object_get(o, "phases"))) {
		why = o == NULL ? jsonx_error(&err) : NULL;
		*cause = xasprintf("not a maintenance record%s%s",
		    why != NULL ? ": " : "", why != NULL ? why : "");
		free(why);
		json_decref(o);
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	r->o = o;
	return r;
}

void
record_free(struct record *r)
{
	if (r == NULL)
		return;
	json_decref(r->o);
	free(r);
}

char *
record_to_json(const struct record *r)
{
	char	*s = json_dumps(r->o, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_ENSURE_ASCII), *out;

	out = xasprintf("%s\n", s);
	free(s);
	return out;
}

void
record_set_str(struct record *r, const char *key, const char *value)
{
	if (value == NULL)
		json_object_del(r->o, key);
	else
		json_object_set_new(r->o, key, json_string(value));
}

void
record_set_time(struct record *r, const char *key, int64_t t)
{
	json_object_set_new(r->o, key, jsonx_time(t));
}

void
record_set_int(struct record *r, const char *key, long long v)
{
	json_object_set_new(r->o, key, json_integer(v));
}

long long
record_int(const struct record *r, const char *key)
{
	return json_integer_value(json_object_get(r->o, key));
}

void
record_set_bool(struct record *r, const char *key, int b)
{
	json_object_set_new(r->o, key, json_boolean(b));
}

const char *
record_str(const struct record *r, const char *key)
{
	return json_string_value(json_object_get(r->o, key));
}

int64_t
record_time(const struct record *r, const char *key)
{
	return time_of(r->o, key);
}

int
record_bool(const struct record *r, const char *key)
{
	return json_is_true(json_object_get(r->o, key));
}

void
record_add_signature(struct record *r, const struct record_signature *sg)
{
	json_t	*o = json_object();
	char	*t = dt_format_utc(sg->at);

	json_object_set_new(o, "action", json_string(sg->action));
	json_object_set_new(o, "principal", json_string(sg->principal));
	json_object_set_new(o, "at", json_string(t));
	json_object_set_new(o, "signature", json_string(sg->signature));
	json_array_append_new(array_of(r->o, "signatures"), o);
	free(t);
}

size_t
record_nsignatures(const struct record *r)
{
	json_t	*a = json_object_get(r->o, "signatures");

	return json_is_array(a) ? json_array_size(a) : 0;
}

int
record_signature(const struct record *r, size_t i, struct record_signature *sg)
{
	json_t	*o = json_array_get(json_object_get(r->o, "signatures"), i);

	memset(sg, 0, sizeof *sg);
	sg->action = json_string_value(json_object_get(o, "action"));
	sg->principal = json_string_value(json_object_get(o, "principal"));
	sg->signature = json_string_value(json_object_get(o, "signature"));
	if (sg->action == NULL || sg->principal == NULL ||
	    sg->signature == NULL || jsonx_get_time(o, "at", &sg->at) != 0) {
		memset(sg, 0, sizeof *sg);
		return -1;
	}
	return 0;
}

void
record_add_resume(struct record *r, const char *operator, const char *host,
    int64_t at)
{
	json_array_append_new(array_of(r->o, "resumes"), json_pack("{s:s, s:s, "
	    "s:o}", "operator", operator != NULL ? operator : "",
	    "host", host != NULL ? host : "", "at", jsonx_time(at)));
}

char *
record_resumed_by(const struct record *r)
{
	json_t	*a = json_object_get(r->o, "resumes"), *e;
	struct buf b = BUF_INIT;
	const char *who;
	size_t	 i;

	json_array_foreach(a, i, e) {
		if ((who = json_string_value(json_object_get(e, "operator"))) ==
		    NULL || strstr(b.data != NULL ? b.data : "", who) != NULL)
			continue;
		buf_addf(&b, "%s%s", b.len > 0 ? ", " : "", who);
	}
	if (b.len == 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

void
record_add_gate(struct record *r, const char *gate, int ok, const char *detail)
{
	json_t	*g = json_pack("{s:s, s:b}", "gate", gate, "ok", ok);

	if (detail != NULL)
		json_object_set_new(g, "detail", json_string(detail));
	json_array_append_new(array_of(r->o, "gates"), g);
}

size_t
record_phase_begin(struct record *r, const char *phase, const char *name,
    int64_t at, const char *log)
{
	json_t	*a = array_of(r->o, "phases"), *p;

	p = json_pack("{s:s, s:s, s:o, s:s}", "phase", phase, "name", name,
	    "started_at", jsonx_time(at), "status", "running");
	if (log != NULL)
		json_object_set_new(p, "log", json_string(log));
	json_array_append_new(a, p);
	return json_array_size(a) - 1;
}

void
record_phase_end(struct record *r, size_t i, int64_t at, int exit, int signal,
    int timed_out, const char *status, const char *problem, const char *tail)
{
	json_t	*p = json_array_get(array_of(r->o, "phases"), i);

	if (p == NULL)
		return;
	json_object_set_new(p, "ended_at", jsonx_time(at));
	json_object_set_new(p, "exit", exit >= 0 ? json_integer(exit) : json_null());
	json_object_set_new(p, "signal", signal > 0 ? json_integer(signal) :
	    json_null());
	json_object_set_new(p, "timed_out", json_boolean(timed_out));
	json_object_set_new(p, "status", json_string(status));
	if (problem != NULL)
		json_object_set_new(p, "problem", json_string(problem));
	if (tail != NULL)
		json_object_set_new(p, "output_tail", json_string(tail));
}

size_t
record_nphases(const struct record *r)
{
	return json_array_size(json_object_get(r->o, "phases"));
}

void
record_phase(const struct record *r, size_t i, struct record_phase *out)
{
	json_t	*p = json_array_get(json_object_get(r->o, "phases"), i), *v;

	memset(out, 0, sizeof *out);
	out->phase = json_string_value(json_object_get(p, "phase"));
	out->name = json_string_value(json_object_get(p, "name"));
	out->started = time_of(p, "started_at");
	out->ended = time_of(p, "ended_at");
	v = json_object_get(p, "exit");
	out->exit = json_is_integer(v) ? (int)json_integer_value(v) : -1;
	out->signal = (int)json_integer_value(json_object_get(p, "signal"));
	out->timed_out = json_is_true(json_object_get(p, "timed_out"));
	out->status = json_string_value(json_object_get(p, "status"));
	out->problem = json_string_value(json_object_get(p, "problem"));
	out->tail = json_string_value(json_object_get(p, "output_tail"));
	out->log = json_string_value(json_object_get(p, "log"));
}

void
record_phase_interrupted(struct record *r, size_t i, const char *problem)
{
	json_t	*p = json_array_get(array_of(r->o, "phases"), i);

	if (p == NULL || !json_is_string(json_object_get(p, "status")) ||
	    strcmp(json_string_value(json_object_get(p, "status")),
	    "running") != 0)
		return;
	json_object_set_new(p, "status", json_string("interrupted"));
	if (problem != NULL)
		json_object_set_new(p, "problem", json_string(problem));
}

void
record_set_phase_str(struct record *r, size_t i, const char *key,
    const char *v)
{
	json_t	*p = json_array_get(json_object_get(r->o, "phases"), i);

	if (p != NULL)
		json_object_set_new(p, key, json_string(v));
}

void
record_phase_set_int(struct record *r, size_t i, const char *key, long long v)
{
	json_t	*p = json_array_get(json_object_get(r->o, "phases"), i);

	if (p != NULL)
		json_object_set_new(p, key, json_integer(v));
}

/* Is phase p step n: by its number, or by the old name "step n"? */
static int
is_step(json_t *p, size_t n)
{
	json_t	*k = json_object_get(p, "step");
	const char *name = json_string_value(json_object_get(p, "name"));
	char	 old[32];

	if (!json_is_string(json_object_get(p, "phase")) ||
	    strcmp(json_string_value(json_object_get(p, "phase")), "step") != 0)
		return 0;
	if (json_is_integer(k))
		return json_integer_value(k) == (json_int_t)n;
	snprintf(old, sizeof old, "step %zu", n);
	return name != NULL && strcmp(name, old) == 0;
}

int
record_step_ok(const struct record *r, size_t n)
{
	json_t	*a = json_object_get(r->o, "phases"), *p;
	const char *st;
	size_t	 i = json_array_size(a);

	while (i-- > 0) {
		p = json_array_get(a, i);
		if (!is_step(p, n))
			continue;
		st = json_string_value(json_object_get(p, "status"));
		return st != NULL && strcmp(st, "ok") == 0;
	}
	return 0;
}

int
record_was_interrupted(const struct record *r, const char *phase,
    const char *name, size_t step)
{
	json_t	*a = json_object_get(r->o, "phases"), *p;
	const char *st, *ph, *nm;
	size_t	 i;

	for (i = 0; i < json_array_size(a); i++) {
		p = json_array_get(a, i);
		st = json_string_value(json_object_get(p, "status"));
		ph = json_string_value(json_object_get(p, "phase"));
		nm = json_string_value(json_object_get(p, "name"));
		if (st == NULL || strcmp(st, "interrupted") != 0 || ph == NULL)
			continue;
		if (step > 0 ? is_step(p, step) : (strcmp(ph, phase) == 0 &&
		    nm != NULL && strcmp(nm, name) == 0))
			return 1;
	}
	return 0;
}

int
record_phase_ok(const struct record *r, const char *phase, const char *name)
{
	struct record_phase p;
	size_t	 i = record_nphases(r);

	while (i-- > 0) {
		record_phase(r, i, &p);
		if (p.phase != NULL && p.name != NULL &&
		    strcmp(p.phase, phase) == 0 && strcmp(p.name, name) == 0)
			return p.status != NULL && strcmp(p.status, "ok") == 0;
	}
	return 0;
}

/* What is wrong with a backup manifest, or NULL. */
static char *
manifest_problem(json_t *m)
{
	json_t	*loc = json_object_get(m, "location");
	json_t	*size = json_object_get(m, "size");
	json_t	*sum = json_object_get(m, "sha256");

	if (!json_is_object(m))
		return xstrdup("the backup manifest is not a JSON object");
	if (json_object_size(m) == 0)
		return xstrdup("the backup manifest is an empty object");
	if (loc == NULL)
		return xstrdup("the backup manifest has no 'location'");
	if (!json_is_string(loc) || json_string_length(loc) == 0)
		return xstrdup("the backup manifest's 'location' is not a "
		    "non-empty string");
	if (size == NULL && sum == NULL)
		return xstrdup("the backup manifest has neither 'size' nor "
		    "'sha256'");
	if (size != NULL && (!json_is_integer(size) ||
	    json_integer_value(size) < 0))
		return xstrdup("the backup manifest's 'size' is not a number "
		    "of bytes");
	if (sum != NULL && (!json_is_string(sum) ||
	    json_string_length(sum) == 0))
		return xstrdup("the backup manifest's 'sha256' is not a "
		    "non-empty string");
	return NULL;
}

int
record_set_manifest(struct record *r, const char *text, size_t len,
    char **cause)
{
	json_error_t err;
	char	*why;
	json_t	*m = json_loadb(text, len, 0, &err);

	if (m == NULL) {
		why = jsonx_error(&err);
		*cause = xasprintf("the backup manifest is not JSON: %s", why);
		free(why);
		return -1;
	}
	if ((*cause = manifest_problem(m)) != NULL) {
		json_decref(m);
		return -1;
	}
	json_object_set_new(r->o, "backup_manifest", m);
	return 0;
}

char *
record_manifest(const struct record *r)
{
	json_t	*m = json_object_get(r->o, "backup_manifest");

	return m != NULL ? json_dumps(m, JSON_COMPACT) : NULL;
}

void
record_add_attempt(struct record *r, const struct verify_attempt *a)
{
	json_t	*v = json_pack("{s:s, s:i, s:o, s:o, s:I, s:b}", "url", a->url,
	    "attempt", a->attempt, "at", jsonx_time(a->at), "status", a->status > 0 ?
	    json_integer(a->status) : json_null(), "ms", (json_int_t)a->ms, "ok",
	    a->ok);

	if (a->max_ms > 0)
		json_object_set_new(v, "max_ms", json_integer(a->max_ms));
	if (a->problem != NULL)
		json_object_set_new(v, "problem", json_string(a->problem));
	json_array_append_new(array_of(r->o, "verification"), v);
}

size_t
record_nattempts(const struct record *r)
{
	return json_array_size(json_object_get(r->o, "verification"));
}

void
record_attempt(const struct record *r, size_t i, struct verify_attempt *a)
{
	json_t	*v = json_array_get(json_object_get(r->o, "verification"), i);

	memset(a, 0, sizeof *a);
	a->url = json_string_value(json_object_get(v, "url"));
	a->attempt = (int)json_integer_value(json_object_get(v, "attempt"));
	a->at = time_of(v, "at");
	a->status = (long)json_integer_value(json_object_get(v, "status"));
	a->ms = json_integer_value(json_object_get(v, "ms"));
	a->max_ms = (long)json_integer_value(json_object_get(v, "max_ms"));
	a->ok = json_is_true(json_object_get(v, "ok"));
	a->problem = json_string_value(json_object_get(v, "problem"));
}
