/*
 * t-jsonx: the streaming JSON writer — every value kind, escaping,
 * non-ASCII and bytes that are not UTF-8, empty and deeply nested
 * containers — each read back by jansson and compared value by value.
 */
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "jsonx.h"
#include "tap.h"
#include "util.h"

/* The writer's text, parsed by jansson (NULL when it does not parse). */
static json_t *
reread(struct jw *w, char **text)
{
	json_error_t err;
	json_t	*v;

	*text = jw_detach(w);
	if ((v = json_loads(*text, 0, &err)) == NULL)
		printf("# jansson: %s\n", err.text);
	return v;
}

static void
test_kinds(void)
{
	struct jw w;
	json_t	*got, *want;
	char	*text;

	jw_init(&w);
	jw_open(&w, NULL, '{');
	jw_str(&w, "ascii", "plain text");
	jw_str(&w, "escapes", "quote \" backslash \\ nl \n tab \t cr \r bell \a nul-less \x1f");
	jw_str(&w, "non-ascii", "Zürich – 東京 ✓ 🙂");
	jw_str(&w, "empty", "");
	jw_str(&w, "k\"ey\n", "a key that needs escaping");
	jw_int(&w, "zero", 0);
	jw_int(&w, "negative", -1);
	jw_int(&w, "min", LLONG_MIN);
	jw_int(&w, "max", LLONG_MAX);
	jw_bool(&w, "yes", 1);
	jw_bool(&w, "no", 0);
	jw_open(&w, "empty_object", '{');
	jw_close(&w, '{');
	jw_open(&w, "empty_array", '[');
	jw_close(&w, '[');
	jw_open(&w, "list", '[');
	jw_str(&w, NULL, "one");
	jw_int(&w, NULL, 2);
	jw_bool(&w, NULL, 1);
	jw_open(&w, NULL, '{');
	jw_str(&w, "in", "an object in an array");
	jw_close(&w, '{');
	jw_close(&w, '[');
	jw_close(&w, '{');
	got = reread(&w, &text);
	want = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:b, s:b,"
	    " s:{}, s:[], s:[s, i, b, {s:s}]}",
	    "ascii", "plain text",
	    "escapes", "quote \" backslash \\ nl \n tab \t cr \r bell \a nul-less \x1f",
	    "non-ascii", "Zürich – 東京 ✓ 🙂",
	    "empty", "",
	    "k\"ey\n", "a key that needs escaping",
	    "zero", (json_int_t)0, "negative", (json_int_t)-1,
	    "min", (json_int_t)LLONG_MIN, "max", (json_int_t)LLONG_MAX,
	    "yes", 1, "no", 0,
	    "empty_object", "empty_array",
	    "list", "one", 2, 1, "in", "an object in an array");
	ok(got != NULL, "the text parses");
	ok(want != NULL && json_equal(got, want), "every kind of value reads back equal");
	ok(text[strlen(text) - 1] == '\n' && strstr(text, "\n  \"ascii\": \"plain text\",\n") != NULL,
	    "indented two spaces, one member a line, newline-terminated");
	ok(strstr(text, "\"empty_object\": {}") != NULL && strstr(text, "\"empty_array\": []") != NULL,
	    "empty containers on one line");
	ok(strstr(text, "\\u001f") != NULL && strstr(text, "\\u0007") != NULL,
	    "other control characters as \\u00XX");
	ok(strstr(text, "Zürich – 東京 ✓ 🙂") != NULL, "UTF-8 written as it is");
	json_decref(got);
	json_decref(want);
	free(text);
}

static void
test_not_utf8(void)
{
	struct jw w;
	json_t	*got;
	char	*text;

	jw_init(&w);
	jw_open(&w, NULL, '{');
	jw_str(&w, "bad", "a\xff" "b\xc3" "c\xe2\x82" "d\xc3\xa9");
	jw_close(&w, '{');
	got = reread(&w, &text);
	ok(got != NULL, "bytes that are not UTF-8 still give JSON that parses");
	ok(got != NULL && strcmp(json_string_value(json_object_get(got, "bad")),
	    "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd" "d\xc3\xa9") == 0,
	    "... each such byte as U+FFFD, valid characters kept");
	json_decref(got);
	free(text);
}

static void
test_depth(int depth)
{
	struct jw w;
	json_t	*got, *v;
	char	*text;
	int	 i, n = 0;

	jw_init(&w);
	/* arrays at even levels, objects (key "k") at odd ones */
	for (i = 0; i < depth; i++)
		jw_open(&w, i > 0 && (i - 1) % 2 == 1 ? "k" : NULL,
		    i % 2 == 0 ? '[' : '{');
	jw_str(&w, (depth - 1) % 2 == 1 ? "k" : NULL, "bottom");
	for (i = depth - 1; i >= 0; i--)
		jw_close(&w, i % 2 == 0 ? '[' : '{');
	got = reread(&w, &text);
	for (v = got; v != NULL && !json_is_string(v); n++)
		v = json_is_array(v) ? json_array_get(v, 0) : json_object_get(v, "k");
	ok(got != NULL && n == depth && strcmp(json_string_value(v), "bottom") == 0,
	    "%d levels deep: every level kept (%d read back)", depth, n);
	json_decref(got);
	free(text);
}

int
main(void)
{
	test_kinds();
	test_not_utf8();
	test_depth(1);
	test_depth(16);
	test_depth(17);
	test_depth(200);
	return done_testing();
}
