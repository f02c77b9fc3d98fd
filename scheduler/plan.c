/* plan: upgrade plans plans/<id>.json — model and validation */
#include <stdlib.h>
#include <string.h>

#include "field.h"
#include "jarena.h"
#include "plan.h"
#include "util.h"

const char *const plan_type_names[] = { "standard", "normal", "emergency", NULL };
const char *const execution_names[] = { "manual", "automatic", NULL };
const char *const impact_names[] = { "none", "reduced-redundancy", "degraded",
	"outage", NULL };
const char *const rollback_names[] = { "tested", "untested", "none", NULL };

#define DEFAULT_HOOK_TIMEOUT	(30 * 60)
#define DEFAULT_VERIFY_TIMEOUT	(5 * 60)

/* Remember where argv[0] is: the current path plus "run" and index. */
static void
hook_where(struct jdoc *d, struct hook *h, int indexed, size_t index)
{
	size_t	 i;

	h->depth = 0;
	for (i = 0; i < d->depth && i < 2; i++)
		h->where[h->depth++] = d->path[i];
	if (indexed) {
		h->where[h->depth].key = NULL;
		h->where[h->depth++].index = index;
	} else
		h->where[h->depth++].key = "run";
	h->where[h->depth].key = NULL;
	h->where[h->depth++].index = 0;
}

/* An argv vector at the current path: a non-empty array of strings. */
static char **
read_argv(struct jdoc *d, json_t *arr)
{
	json_t	*v;
	size_t	 i;
	char	**argv;

	if (!json_is_array(arr)) {
		jdoc_error(d, 0, "must be an argv array of strings "
		    "(like [\"hooks/backup\", \"--db\", \"main\"]), not a shell string");
		return NULL;
	}
	if (json_array_size(arr) == 0) {
		jdoc_error(d, 0, "must not be empty: the first element is the "
		    "hook's path");
		return NULL;
	}
	argv = xcalloc(json_array_size(arr) + 1, sizeof *argv);
	json_array_foreach(arr, i, v) {
		jdoc_push_index(d, i);
		if (!json_is_string(v))
			jdoc_error(d, 0, "must be a string");
		else if (jd_check_string(d, json_string_value(v), i == 0 ?
		    JD_LINE : JD_ANY, 4096) == 0) {
			argv[i] = xstrdup(json_string_value(v));
			jdoc_pop(d);
			continue;
		}
		jdoc_pop(d);
		strv_free(argv);
		return NULL;
	}
	return argv;
}

/* A hook object {run, timeout} at key of obj. */
static int
read_hook(struct jdoc *d, json_t *obj, const char *key, int required,
    int64_t def_timeout, struct hook *h)
{
	static const char *const known[] = { "run", "timeout", NULL };
	json_t	*v = jd_get(d, obj, key, JSON_OBJECT, required), *run;

	h->timeout = def_timeout;
	if (v == NULL)
		return -1;
	jdoc_push_key(d, key);
	jd_known(d, v, known);
	if ((run = json_object_get(v, "run")) == NULL) {
		if (json_object_size(v) == 0)
			jdoc_error(d, 0, "is empty: it needs a hook to run "
			    "(\"run\": [\"hooks/...\"])");
		else
			jdoc_error(d, 0, "missing required field 'run'");
	} else {
		jdoc_push_key(d, "run");
		h->argv = read_argv(d, run);
		jdoc_pop(d);
		hook_where(d, h, 0, 0);
	}
	jd_duration(d, v, "timeout", 0, 0, &h->timeout);
	jdoc_pop(d);
	return h->argv != NULL ? 0 : -1;
}

static void
read_steps(struct jdoc *d, json_t *root, struct plan *p)
{
	static const char *const known[] = { "name", "run", "timeout", NULL };
	json_t	*arr = jd_get(d, root, "steps", JSON_ARRAY, 1), *v, *run;
	struct step *s;
	const char *name;
	size_t	 i;

	if (arr == NULL)
		return;
	jdoc_push_key(d, "steps");
	if (json_array_size(arr) == 0)
		jdoc_error(d, 0, "must list at least one step");
	p->steps = xcalloc(json_array_size(arr) + 1, sizeof *p->steps);
	json_array_foreach(arr, i, v) {
		jdoc_push_index(d, i);
		if (!json_is_object(v)) {
			jdoc_error(d, 0, "must be an object");
			jdoc_pop(d);
			continue;
		}
		s = &p->steps[p->nsteps++];
		jd_known(d, v, known);
		if ((name = jd_string(d, v, "name", JD_LINE, 200, 1)) != NULL)
			s->name = xstrdup(name);
		s->hook.timeout = 0;	/* none: the rest of the slot */
		if ((run = jd_get(d, v, "run", -1, 1)) != NULL) {
			jdoc_push_key(d, "run");
			s->hook.argv = read_argv(d, run);
			jdoc_pop(d);
			hook_where(d, &s->hook, 0, 0);
		}
		jd_duration(d, v, "timeout", 0, 0, &s->hook.timeout);
		jdoc_pop(d);
	}
	jdoc_pop(d);
}

static void
read_http(struct jdoc *d, json_t *v, struct http_check *c)
{
	static const char *const known[] = { "url", "status", "max_ms",
	    "contains", "equals", "within", NULL };
	const char *s;
	long long n;

	jd_known(d, v, known);
	if ((s = jd_string(d, v, "url", JD_URL, 2000, 1)) != NULL)
		c->url = xstrdup(s);
	c->status = 200;
	if (jd_int(d, v, "status", 100, 599, 0, &n) == 0)
		c->status = (int)n;
	if (jd_int(d, v, "max_ms", 1, 600000, 0, &n) == 0)
		c->max_ms = (int)n;
	if ((s = jd_string(d, v, "contains", JD_LINE, 1000, 0)) != NULL)
		c->contains = xstrdup(s);
	if ((s = jd_string(d, v, "equals", JD_LINE, 1000, 0)) != NULL)
		c->equals = xstrdup(s);
	jd_duration(d, v, "within", 1, 0, &c->within);
}

static void
hook_release(struct hook *h)
{
	strv_free(h->argv);
}

static void
read_checks_run(struct jdoc *d, json_t *arr, struct checks *c,
    int64_t timeout)
{
	json_t	*v;
	size_t	 i;
	struct hook *h;

	jdoc_push_key(d, "run");
	if (!json_is_array(arr)) {
		jdoc_error(d, 0, "must be an array of argv arrays "
		    "(like [[\"hooks/check\", \"--quick\"]])");
		jdoc_pop(d);
		return;
	}
	c->run = xcalloc(json_array_size(arr) + 1, sizeof *c->run);
	json_array_foreach(arr, i, v) {
		h = &c->run[c->nrun];
		jdoc_push_index(d, i);
		h->argv = read_argv(d, v);
		jdoc_pop(d);
		if (h->argv != NULL) {
			h->timeout = timeout;
			hook_where(d, h, 1, i);
			c->nrun++;
		}
	}
	jdoc_pop(d);
}

/*
 * Checks of the shape of "verify" in the object v at the document's
 * current place: hooks in "run", HTTP checks in "http", a "timeout" for
 * the hooks; at least one check. Members in extra are allowed beside.
 */
void
checks_read(struct jdoc *d, json_t *v, const char *extra, struct checks *c)
{
	const char *const known[] = { "run", "timeout", "http", extra, NULL };
	json_t	*arr, *h;
	int64_t	 timeout = DEFAULT_VERIFY_TIMEOUT;
	size_t	 i;

	memset(c, 0, sizeof *c);
	jd_known(d, v, known);
	jd_duration(d, v, "timeout", 0, 0, &timeout);
	if ((arr = json_object_get(v, "run")) != NULL)
		read_checks_run(d, arr, c, timeout);
	if ((arr = jd_get(d, v, "http", JSON_ARRAY, 0)) != NULL) {
		jdoc_push_key(d, "http");
		c->http = xcalloc(json_array_size(arr) + 1, sizeof *c->http);
		json_array_foreach(arr, i, h) {
			jdoc_push_index(d, i);
			if (!json_is_object(h))
				jdoc_error(d, 0, "must be an object");
			else
				read_http(d, h, &c->http[c->nhttp++]);
			jdoc_pop(d);
		}
		jdoc_pop(d);
	}
	if (json_array_size(json_object_get(v, "run")) == 0 &&
	    json_array_size(json_object_get(v, "http")) == 0 &&
	    (json_object_get(v, "run") == NULL || json_is_array(json_object_get(v, "run"))) &&
	    (json_object_get(v, "http") == NULL || json_is_array(json_object_get(v, "http"))))
		jdoc_error(d, 0, "needs at least one check: a hook in 'run' "
		    "or an HTTP check in 'http'");
}

int
plan_read_checks(struct jdoc *d, json_t *obj, const char *key, int required,
    struct checks *c)
{
	json_t	*v = jd_get(d, obj, key, JSON_OBJECT, required);

	memset(c, 0, sizeof *c);
	if (v == NULL)
		return -1;
	jdoc_push_key(d, key);
	checks_read(d, v, NULL, c);
	jdoc_pop(d);
	return 0;
}

void
checks_release(struct checks *c)
{
	size_t	 i;

	for (i = 0; i < c->nrun; i++)
		hook_release(&c->run[i]);
	free(c->run);
	for (i = 0; i < c->nhttp; i++) {
		free(c->http[i].url);
		free(c->http[i].contains);
		free(c->http[i].equals);
	}
	free(c->http);
	memset(c, 0, sizeof *c);
}

static void
read_verify(struct jdoc *d, json_t *root, struct plan *p)
{
	(void)plan_read_checks(d, root, "verify", 1, &p->verify);
}

static void
read_risk(struct jdoc *d, json_t *root, struct plan *p)
{
	static const char *const known[] = { "rollback", "data_migration",
	    "tested_in_staging", NULL };
	json_t	*v = jd_get(d, root, "risk", JSON_OBJECT, 0);
	int	 k;

	p->rollback_kind = json_object_get(root, "rollback") != NULL ?
	    ROLLBACK_UNTESTED : ROLLBACK_NONE;
	if (v == NULL)
		return;
	jdoc_push_key(d, "risk");
	jd_known(d, v, known);
	if ((k = jd_enum(d, v, "rollback", rollback_names, 0)) != -1)
		p->rollback_kind = k;
	jd_bool(d, v, "data_migration", 0, &p->data_migration);
	jd_bool(d, v, "tested_in_staging", 0, &p->tested_in_staging);
	jdoc_pop(d);
}

static void
read_times(struct jdoc *d, json_t *root, struct plan *p)
{
	p->has_not_before = jd_instant(d, root, "not_before", 0,
	    &p->not_before) == 0;
	p->has_not_after = jd_instant(d, root, "not_after", 0,
	    &p->not_after) == 0;
	if (!p->has_not_before || !p->has_not_after)
		return;
	jdoc_push_key(d, "not_before");
	if (p->not_before >= p->not_after)
		jdoc_error(d, 0, "not_before is not before not_after");
	else if (p->duration > 0 && p->not_after - p->not_before < p->duration)
		jdoc_error(d, 0, "the range from not_before to not_after is "
		    "shorter than the duration");
	jdoc_pop(d);
}

/* The rollback hook and risk.rollback must agree. */
static void
check_rollback(struct jdoc *d, json_t *root, struct plan *p)
{
	int	 has_hook = json_object_get(root, "rollback") != NULL;

	if (!has_hook && p->rollback_kind != ROLLBACK_NONE) {
		jdoc_push_key(d, "risk");
		jdoc_push_key(d, "rollback");
		jdoc_error(d, 0, "is '%s' but the plan has no rollback hook "
		    "(say \"none\" if the change cannot be rolled back)",
		    rollback_names[p->rollback_kind]);
		jdoc_pop(d);
		jdoc_pop(d);
	} else if (has_hook && p->rollback_kind == ROLLBACK_NONE &&
	    json_object_get(json_object_get(root, "risk"), "rollback") != NULL) {
		jdoc_push_key(d, "rollback");
		jdoc_error(d, 1, "a rollback hook is given but risk.rollback "
		    "is 'none'");
		jdoc_pop(d);
	}
}

static void
read_plan(struct jdoc *d, json_t *root, struct plan *p)
{
	static const char *const known[] = { "$schema", "id", "title",
	    "description", "owner", "type", "systems", "impact", "duration",
	    "not_before", "not_after", "depends_on", "risk", "backup", "steps",
	    "verify", "rollback", "precheck", "execution",
	    "verify_after_rollback", NULL };
	const char *s;
	int	 k;

	jd_known(d, root, known);
	jd_string(d, root, "$schema", JD_ANY, 0, 0);
	if ((s = jd_string(d, root, "id", JD_NAME, 0, 1)) != NULL)
		p->id = xstrdup(s);
	if ((s = jd_string(d, root, "title", JD_LINE, 200, 1)) != NULL)
		p->title = xstrdup(s);
	if ((s = jd_string(d, root, "description", JD_TEXT, 20000, 0)) != NULL)
		p->description = xstrdup(s);
	if ((s = jd_string(d, root, "owner", JD_LINE, 200, 1)) != NULL)
		p->owner = xstrdup(s);
	p->type = PLAN_NORMAL;
	if ((k = jd_enum(d, root, "type", plan_type_names, 0)) != -1)
		p->type = k;
	jd_strings(d, root, "systems", JD_NAME, 1, 1, 1, &p->systems);
	if ((k = jd_enum(d, root, "impact", impact_names, 1)) != -1)
		p->impact = k;
	jd_duration(d, root, "duration", 0, 1, &p->duration);
	read_times(d, root, p);
	jd_strings(d, root, "depends_on", JD_NAME, 1, 0, 0, &p->depends_on);
	if (p->depends_on == NULL)
		p->depends_on = xcalloc(1, sizeof *p->depends_on);
	read_risk(d, root, p);
	read_hook(d, root, "backup", 1, DEFAULT_HOOK_TIMEOUT, &p->backup);
	read_steps(d, root, p);
	read_verify(d, root, p);
	(void)plan_read_checks(d, root, "precheck", 0, &p->precheck);
	p->execution = EXEC_MANUAL;
	if ((k = jd_enum(d, root, "execution", execution_names, 0)) != -1)
		p->execution = k;
	p->verify_after_rollback = 1;
	jd_bool(d, root, "verify_after_rollback", 0, &p->verify_after_rollback);
	read_hook(d, root, "rollback", 0, DEFAULT_HOOK_TIMEOUT, &p->rollback);
	check_rollback(d, root, p);
}

struct plan *
plan_parse_take(const char *file, char *text, size_t len, struct diags *diags)
{
	struct jdoc d;
	struct plan *p;
	json_t	*root;

	jdoc_init(&d, file, text, len, diags);
	jarena_begin();
	if ((root = jdoc_parse(&d)) == NULL) {
		jarena_end();
		free(text);
		return NULL;
	}
	p = xcalloc(1, sizeof *p);
	p->file = xstrdup(file);
	p->text = text;
	p->len = len;
	read_plan(&d, root, p);
	if (p->systems == NULL)
		p->systems = xcalloc(1, sizeof *p->systems);
	json_decref(root);
	jarena_end();
	return p;
}


void
plan_free(struct plan *p)
{
	size_t	 i;

	if (p == NULL)
		return;
	free(p->file);
	free(p->id);
	free(p->title);
	free(p->description);
	free(p->owner);
	strv_free(p->systems);
	strv_free(p->depends_on);
	hook_release(&p->backup);
	for (i = 0; i < p->nsteps; i++) {
		free(p->steps[i].name);
		hook_release(&p->steps[i].hook);
	}
	free(p->steps);
	checks_release(&p->verify);
	checks_release(&p->precheck);
	hook_release(&p->rollback);
	free(p->text);
	free(p);
}

void
plan_foreach_hook(struct plan *p, void (*fn)(struct plan *, struct hook *,
    void *), void *arg)
{
	size_t	 i;

	if (p->backup.argv != NULL)
		fn(p, &p->backup, arg);
	for (i = 0; i < p->nsteps; i++) {
		if (p->steps[i].hook.argv != NULL)
			fn(p, &p->steps[i].hook, arg);
	}
	for (i = 0; i < p->verify.nrun; i++)
		fn(p, &p->verify.run[i], arg);
	for (i = 0; i < p->precheck.nrun; i++)
		fn(p, &p->precheck.run[i], arg);
	if (p->rollback.argv != NULL)
		fn(p, &p->rollback, arg);
}
