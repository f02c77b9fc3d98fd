/* field: typed reading of JSON documents with precise problem reports */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "field.h"
#include "util.h"

void
jdoc_init(struct jdoc *d, const char *file, const char *text, size_t len,
    struct diags *diags)
{
	memset(d, 0, sizeof *d);
	d->file = file;
	d->text = text;
	d->len = len;
	d->diags = diags;
}

/* "invalid JSON: <what jansson says>", quoted for one line. */
static char *
invalid_json(const json_error_t *err)
{
	char	*q = str_quote(err->text, 120), *s;

	s = xasprintf("invalid JSON: %s", q);
	free(q);
	return s;
}

static void
jdoc_error_at(struct jdoc *d, int line, int column, char *msg)
{
	diags_add_take(d->diags, d->file, line, column, msg);
	d->errors++;
}

json_t *
jdoc_parse(struct jdoc *d)
{
	json_error_t err;
	json_t	*root;
	size_t	 bad;
	int	 line, col;

	if ((bad = utf8_valid_prefix(d->text, d->len)) != d->len) {
		jsonloc_offset(d->text, d->len, bad, &line, &col);
		jdoc_error_at(d, line, col, xasprintf("invalid UTF-8 "
		    "(byte 0x%02x at offset %zu)", (unsigned char)d->text[bad], bad));
		return NULL;
	}
	if ((bad = strlen(d->text)) < d->len) {
		jsonloc_offset(d->text, d->len, bad, &line, &col);
		jdoc_error_at(d, line, col, xstrdup("a NUL byte is not allowed "
		    "in JSON text"));
		return NULL;
	}
	if (d->len == 0 || strspn(d->text, " \t\r\n") == d->len) {
		jdoc_error_at(d, 1, 1, xstrdup("the file is empty; it must "
		    "hold a JSON object"));
		return NULL;
	}
	root = json_loadb(d->text, d->len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL) {
		jdoc_error_at(d, err.line > 0 ? err.line : 0,
		    err.column > 0 ? err.column : 0,
		    invalid_json(&err));
		return NULL;
	}
	if (!json_is_object(root)) {
		jdoc_error_at(d, 1, 1, xstrdup("the document must be a JSON object"));
		json_decref(root);
		return NULL;
	}
	return root;
}

void
jdoc_push_key(struct jdoc *d, const char *key)
{
	if (d->depth < JDOC_MAXDEPTH) {
		d->path[d->depth].key = key;
		d->path[d->depth].index = 0;
	}
	d->depth++;
}

void
jdoc_push_index(struct jdoc *d, size_t i)
{
	if (d->depth < JDOC_MAXDEPTH) {
		d->path[d->depth].key = NULL;
		d->path[d->depth].index = i;
	}
	d->depth++;
}

void
jdoc_pop(struct jdoc *d)
{
	d->depth--;
}

char *
jseg_format(const struct jseg *path, size_t depth)
{
	struct buf b = BUF_INIT;
	size_t	 i;

	for (i = 0; i < depth; i++) {
		if (path[i].key == NULL)
			buf_addf(&b, "[%zu]", path[i].index);
		else
			buf_addf(&b, "%s%s", i ? "." : "", path[i].key);
	}
	return buf_detach(&b, NULL);
}

char *
jdoc_path(const struct jdoc *d)
{
	return jseg_format(d->path, d->depth < JDOC_MAXDEPTH ? d->depth :
	    JDOC_MAXDEPTH);
}

void
jdoc_error(struct jdoc *d, int at_key, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg, *path;
	int	 line = 0, col = 0;
	size_t	 depth = d->depth < JDOC_MAXDEPTH ? d->depth : JDOC_MAXDEPTH;

	if (diags_full(d->diags, d->file)) {
		/* counted, not placed: placing is a walk of the whole text */
		diags_add_take(d->diags, d->file, 0, 0, xstrdup(""));
		d->errors++;
		return;
	}
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (jsonloc_find(d->text, d->len, d->path, depth, at_key && depth > 0,
	    &line, &col) != 0)
		line = col = 0;
	/* A problem with a member name is told in the words of its parent. */
	if (at_key && depth > 0)
		d->depth--;
	path = jdoc_path(d);
	if (at_key && depth > 0)
		d->depth++;
	if (*path != '\0') {
		char *full = xasprintf("%s: %s", path, msg);
		free(msg);
		msg = full;
	}
	free(path);
	jdoc_error_at(d, line, col, msg);
}

/* Levenshtein distance, capped: for "did you mean" hints. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b), i, j, prev, cur, tmp;
	size_t	 row[65];

	if (la > 64 || lb > 64)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < cur)
				cur = row[j] + 1;
			if (row[j - 1] + 1 < cur)
				cur = row[j - 1] + 1;
			tmp = row[j];
			row[j] = cur;
			prev = tmp;
		}
	}
	return row[lb];
}

void
jd_known(struct jdoc *d, json_t *obj, const char *const *known)
{
	const char *key, *const *k, *best;
	json_t	*v;
	size_t	 dist, bestd;

	json_object_foreach(obj, key, v) {
		for (k = known; *k != NULL; k++) {
			if (strcmp(*k, key) == 0)
				break;
		}
		if (*k != NULL)
			continue;
		best = NULL;
		/* a hint only when most of the name survives */
		bestd = strlen(key) / 2 < 3 ? strlen(key) / 2 : 3;
		for (k = known; *k != NULL; k++) {
			if ((dist = edit_distance(*k, key)) < bestd) {
				bestd = dist;
				best = *k;
			}
		}
		jdoc_push_key(d, key);
		if (best != NULL)
			jdoc_error(d, 1, "unknown field '%s' (did you mean '%s'?)",
			    key, best);
		else
			jdoc_error(d, 1, "unknown field '%s'", key);
		jdoc_pop(d);
	}
}

static const char *
type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

static const char *
want_name(int type)
{
	switch (type) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_TRUE: return "a boolean";
	}
	return "a value";
}

json_t *
jd_get(struct jdoc *d, json_t *obj, const char *key, int type, int required)
{
	json_t	*v = json_object_get(obj, key);
	int	 t;

	if (v == NULL) {
		if (required)
			jdoc_error(d, 0, "missing required field '%s'", key);
		return NULL;
	}
	t = json_typeof(v);
	if (t == JSON_FALSE)
		t = JSON_TRUE;
	if (type != -1 && t != type) {
		jdoc_push_key(d, key);
		jdoc_error(d, 0, "must be %s, not %s", want_name(type), type_name(v));
		jdoc_pop(d);
		return NULL;
	}
	return v;
}

/* Number of UTF-8 characters, as JSON Schema's maxLength counts them. */
static size_t
utf8_chars(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* "'<value>' <what>", the value quoted and cut short; returns -1. */
static int
invalid_value(struct jdoc *d, const char *s, const char *what)
{
	char	*q = str_quote(s, 80);

	jdoc_error(d, 0, "'%s' %s", q, what);
	free(q);
	return -1;
}

int
jd_check_string(struct jdoc *d, const char *s, enum jd_kind kind,
    size_t maxlen)
{
	const char *at;
	uint32_t cp;
	size_t	 n;

	if (str_find_control(s, kind == JD_TEXT ? "\n\t" : NULL, &cp) != NULL) {
		jdoc_error(d, 0, "%s character U+%04X is not allowed%s",
		    cp >= 0x202a ? "bidirectional control" : "control",
		    (unsigned)cp, kind == JD_TEXT ? "" : (cp == '\n' ?
		    " (newlines are allowed only in the description)" : ""));
		return -1;
	}
	if (maxlen != 0 && (n = utf8_chars(s)) > maxlen) {
		jdoc_error(d, 0, "too long (%zu characters; at most %zu)", n, maxlen);
		return -1;
	}
	switch (kind) {
	case JD_LINE:
	case JD_TEXT:
		if (*s == '\0' && kind == JD_LINE) {
			jdoc_error(d, 0, "must not be empty");
			return -1;
		}
		break;
	case JD_NAME:
		if (!name_valid(s))
			return invalid_value(d, s, "is not a valid name "
			    "(^[a-z0-9][a-z0-9._-]{0,63}$)");
		break;
	case JD_URL:
		if (!url_valid(s))
			return invalid_value(d, s, "is not an http:// or https:// URL");
		break;
	case JD_EMAIL:
		at = strchr(s, '@');
		if (at == NULL || at == s || at[1] == '\0' ||
		    strchr(at + 1, '@') != NULL || strpbrk(s, " \t") != NULL)
			return invalid_value(d, s, "is not an e-mail address");
		break;
	case JD_ANY:
		break;
	}
	return 0;
}

const char *
jd_string(struct jdoc *d, json_t *obj, const char *key, enum jd_kind kind,
    size_t maxlen, int required)
{
	json_t	*v = jd_get(d, obj, key, JSON_STRING, required);
	const char *s;
	int	 rc;

	if (v == NULL)
		return NULL;
	s = json_string_value(v);
	jdoc_push_key(d, key);
	rc = jd_check_string(d, s, kind, maxlen);
	jdoc_pop(d);
	return rc == 0 ? s : NULL;
}

int
jd_enum(struct jdoc *d, json_t *obj, const char *key,
    const char *const *values, int required)
{
	const char *s = jd_string(d, obj, key, JD_ANY, 0, required);
	struct buf b = BUF_INIT;
	int	 i;

	if (s == NULL)
		return -1;
	for (i = 0; values[i] != NULL; i++) {
		if (strcmp(values[i], s) == 0) {
			buf_release(&b);
			return i;
		}
		buf_addf(&b, "%s%s", i ? ", " : "", values[i]);
	}
	jdoc_push_key(d, key);
	jdoc_error(d, 0, "'%s' is not one of %s", s, buf_str(&b));
	jdoc_pop(d);
	buf_release(&b);
	return -1;
}

int
jd_int(struct jdoc *d, json_t *obj, const char *key, long long min,
    long long max, int required, long long *out)
{
	json_t	*v = jd_get(d, obj, key, JSON_INTEGER, required);
	long long n;

	if (v == NULL)
		return -1;
	n = json_integer_value(v);
	if (n < min || n > max) {
		jdoc_push_key(d, key);
		jdoc_error(d, 0, "%lld is out of range (%lld to %lld)", n, min, max);
		jdoc_pop(d);
		return -1;
	}
	*out = n;
	return 0;
}

int
jd_bool(struct jdoc *d, json_t *obj, const char *key, int required, int *out)
{
	json_t	*v = jd_get(d, obj, key, JSON_TRUE, required);

	if (v == NULL)
		return -1;
	*out = json_is_true(v);
	return 0;
}

/* Report a parse failure of a string member: cause is taken. */
static int
bad_value(struct jdoc *d, const char *key, char *cause)
{
	jdoc_push_key(d, key);
	jdoc_error(d, 0, "%s", cause);
	jdoc_pop(d);
	free(cause);
	return -1;
}

int
jd_duration(struct jdoc *d, json_t *obj, const char *key, int allow_zero,
    int required, int64_t *out)
{
	const char *s = jd_string(d, obj, key, JD_ANY, 0, required);
	char	*cause;

	if (s == NULL)
		return -1;
	if (dur_parse(s, out, 0, &cause) != 0)
		return bad_value(d, key, cause);
	if (*out == 0 && !allow_zero)
		return bad_value(d, key, xasprintf("'%s': duration must be "
		    "positive", s));
	return 0;
}

int
jd_instant(struct jdoc *d, json_t *obj, const char *key, int required,
    int64_t *out)
{
	const char *s = jd_string(d, obj, key, JD_ANY, 0, required);
	char	*cause;

	if (s == NULL)
		return -1;
	if (dt_parse_instant(s, out, NULL, &cause) != 0)
		return bad_value(d, key, cause);
	return 0;
}

int
jd_civil(struct jdoc *d, json_t *obj, const char *key, int required,
    struct civil *out)
{
	const char *s = jd_string(d, obj, key, JD_ANY, 0, required);
	char	*cause;

	if (s == NULL)
		return -1;
	if (dt_parse_civil(s, out, &cause) != 0)
		return bad_value(d, key, cause);
	return 0;
}

/*
 * The strings of one array seen so far, as a hash set: a list of a
 * hundred thousand names is checked for repeats in linear time. The
 * strings are borrowed from the array.
 */
struct seen {
	const char **slot;
	size_t	 mask;
};

static void
seen_init(struct seen *s, size_t n)
{
	size_t	 cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	s->slot = xcalloc(cap, sizeof *s->slot);
	s->mask = cap - 1;
}

static void
seen_release(struct seen *s)
{
	free(s->slot);
}

/* Add str; 1 when it was there already. */
static int
seen_add(struct seen *s, const char *str)
{
	size_t	 i = (size_t)hash_str(str) & s->mask;

	for (; s->slot[i] != NULL; i = (i + 1) & s->mask) {
		if (strcmp(s->slot[i], str) == 0)
			return 1;
	}
	s->slot[i] = str;
	return 0;
}

int
jd_strings(struct jdoc *d, json_t *obj, const char *key, enum jd_kind kind,
    int unique, int min, int required, char ***out)
{
	json_t	*arr = jd_get(d, obj, key, JSON_ARRAY, required), *v;
	struct seen seen;
	size_t	 i, n = 0;
	char	**vec;

	*out = NULL;
	if (arr == NULL)
		return -1;
	seen_init(&seen, json_array_size(arr));
	jdoc_push_key(d, key);
	if (json_array_size(arr) < (size_t)min)
		jdoc_error(d, 0, min == 1 ? "must not be empty" :
		    "needs at least %d elements", min);
	vec = xcalloc(json_array_size(arr) + 1, sizeof *vec);
	json_array_foreach(arr, i, v) {
		jdoc_push_index(d, i);
		if (!json_is_string(v))
			jdoc_error(d, 0, "must be a string, not %s", type_name(v));
		else if (jd_check_string(d, json_string_value(v), kind, 0) == 0) {
			if (unique && seen_add(&seen, json_string_value(v)))
				invalid_value(d, json_string_value(v),
				    "is listed twice");
			else
				vec[n++] = xstrdup(json_string_value(v));
		}
		jdoc_pop(d);
	}
	jdoc_pop(d);
	seen_release(&seen);
	*out = vec;
	return (int)n;
}
