/* jsonx: small JSON helpers shared by the modules that keep JSON files */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "jsonx.h"

json_t *
jsonx_take(char *s)
{
	json_t	*v = json_string(s);

	free(s);
	return v;
}

json_t *
jsonx_time(int64_t t)
{
	return jsonx_take(dt_format_utc(t));
}

int
jsonx_get_time(json_t *o, const char *key, int64_t *out)
{
	json_t	*v = json_object_get(o, key);
	char	*cause = NULL;

	if (v == NULL)
		return 0;
	if (!json_is_string(v) ||
	    dt_parse_instant(json_string_value(v), out, NULL, &cause) != 0) {
		free(cause);
		return -1;
	}
	return 0;
}

void
jw_init(struct jw *w)
{
	buf_init(&w->b);
	w->level = 0;
	w->alloc = 8;
	w->count = xcalloc(w->alloc, sizeof *w->count);
}

char *
jw_detach(struct jw *w)
{
	free(w->count);
	w->count = NULL;
	w->alloc = w->level = 0;
	buf_addc(&w->b, '\n');
	return buf_detach(&w->b, NULL);
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void
jw_quote(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	const char *end = s + strlen(s);
	uint32_t cp;
	size_t	 n;

	buf_addc(b, '"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x80) {
			if ((n = utf8_decode(s, end - s, &cp)) > 0) {
				s += n - 1;
				continue;
			}
			buf_add(b, run, s - run);
			buf_adds(b, "\xef\xbf\xbd");	/* U+FFFD */
			run = s + 1;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_add(b, run, s - run);
		run = s + 1;
		switch (c) {
		case '"': buf_adds(b, "\\\""); break;
		case '\\': buf_adds(b, "\\\\"); break;
		case '\n': buf_adds(b, "\\n"); break;
		case '\t': buf_adds(b, "\\t"); break;
		case '\r': buf_adds(b, "\\r"); break;
		default:
			buf_adds(b, "\\u00");
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
	}
	buf_add(b, run, s - run);
	buf_addc(b, '"');
}

/* Separator, newline and indent before a member, then its key. */
static void
jw_member(struct jw *w, const char *key)
{
	size_t	 i;

	if (w->level > 0) {
		if (w->count[w->level]++ > 0)
			buf_addc(&w->b, ',');
		buf_addc(&w->b, '\n');
		for (i = 0; i < w->level; i++)
			buf_adds(&w->b, "  ");
	}
	if (key != NULL) {
		jw_quote(&w->b, key);
		buf_adds(&w->b, ": ");
	}
}

void
jw_open(struct jw *w, const char *key, char kind)
{
	jw_member(w, key);
	buf_addc(&w->b, kind);
	if (++w->level == w->alloc) {
		w->count = xreallocarray(w->count, w->alloc * 2,
		    sizeof *w->count);
		w->alloc *= 2;
	}
	w->count[w->level] = 0;
}

void
jw_close(struct jw *w, char kind)
{
	size_t	 i, had = w->count[w->level];

	if (w->level == 0) {		/* a programming error */
		fputs("offpeak: jw_close: nothing is open\n", stderr);
		abort();
	}
	w->level--;
	if (had > 0) {
		buf_addc(&w->b, '\n');
		for (i = 0; i < w->level; i++)
			buf_adds(&w->b, "  ");
	}
	buf_addc(&w->b, kind == '{' ? '}' : ']');
}

void
jw_str(struct jw *w, const char *key, const char *v)
{
	jw_member(w, key);
	jw_quote(&w->b, v);
}

void
jw_int(struct jw *w, const char *key, long long v)
{
	jw_member(w, key);
	buf_addf(&w->b, "%lld", v);
}

void
jw_bool(struct jw *w, const char *key, int v)
{
	jw_member(w, key);
	buf_adds(&w->b, v ? "true" : "false");
}

char *
jsonx_error(const json_error_t *err)
{
	char	*q = str_quote(err->text, 120), *s;

	s = xasprintf("line %d column %d: %s", err->line, err->column, q);
	free(q);
	return s;
}

json_t *
jsonx_strv(char *const *v)
{
	json_t	*a = json_array();

	for (; v != NULL && *v != NULL; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}
