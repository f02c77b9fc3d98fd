/* t-jsonloc: positions of values and member names in JSON text */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonloc.h"
#include "tap.h"
#include "util.h"

#define K(k)	{ (k), 0 }
#define I(i)	{ NULL, (i) }
#define PATH(...) (const struct jseg[]){ __VA_ARGS__ },			\
	sizeof ((const struct jseg[]){ __VA_ARGS__ }) / sizeof (struct jseg)
#define ROOT	NULL, 0

/*
 * Run jsonloc_find on a copy of exactly len bytes, so that reading past
 * the end shows up under valgrind and ASan.
 */
static int
find_n(const char *text, size_t len, const struct jseg *path, size_t depth,
    int want_key, int *line, int *column)
{
	char	*copy = xmalloc(len);
	int	 r;

	memcpy(copy, text, len);
	*line = *column = -7;
	r = jsonloc_find(copy, len, path, depth, want_key, line, column);
	free(copy);
	return r;
}

static void
at(const char *text, const struct jseg *path, size_t depth, int want_key,
    int wl, int wc, const char *what)
{
	int	 l, c, r;

	r = find_n(text, strlen(text), path, depth, want_key, &l, &c);
	is_int(r, 0, "%s: found", what);
	ok(l == wl && c == wc, "%s: at %d:%d", what, wl, wc);
	if (l != wl || c != wc)
		printf("#   got %d:%d\n", l, c);
}

static void
missing(const char *text, const struct jseg *path, size_t depth,
    const char *what)
{
	int	 l, c;

	is_int(find_n(text, strlen(text), path, depth, 0, &l, &c), -1,
	    "%s: not found", what);
	is_int(find_n(text, strlen(text), path, depth, 1, &l, &c), -1,
	    "%s: no member name either", what);
	ok(l == -7 && c == -7, "%s: line and column untouched", what);
}

/* Line and column of byte offset, counted here independently. */
static void
place(const char *text, size_t offset, int *line, int *column)
{
	size_t	 i;

	*line = *column = 1;
	for (i = 0; i < offset; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*column = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80)
			(*column)++;
	}
}

static const char doc[] =
	"{\n"
	"  \"name\": \"web\",\n"
	"  \"steps\": [\n"
	"    {\"run\": \"a\"},\n"
	"    {\"run\": \"b\", \"timeout\": \"PT5M\"}\n"
	"  ],\n"
	"  \"n\": -1.5e3, \"t\": true, \"f\": false, \"z\": null\n"
	"}\n";

static void
test_nested(void)
{
	at(doc, ROOT, 0, 1, 1, "document");
	at(doc, ROOT, 1, 1, 1, "document, want_key");
	at(doc, PATH(K("name")), 0, 2, 11, "name");
	at(doc, PATH(K("name")), 1, 2, 3, "name, want_key");
	at(doc, PATH(K("steps")), 0, 3, 12, "steps");
	at(doc, PATH(K("steps")), 1, 3, 3, "steps, want_key");
	at(doc, PATH(K("steps"), I(0)), 0, 4, 5, "steps[0]");
	at(doc, PATH(K("steps"), I(1)), 0, 5, 5, "steps[1]");
	at(doc, PATH(K("steps"), I(1)), 1, 5, 5,
	    "steps[1], want_key gives the element");
	at(doc, PATH(K("steps"), I(0), K("run")), 0, 4, 13, "steps[0].run");
	at(doc, PATH(K("steps"), I(1), K("run")), 0, 5, 13, "steps[1].run");
	at(doc, PATH(K("steps"), I(1), K("timeout")), 0, 5, 29,
	    "steps[1].timeout");
	at(doc, PATH(K("steps"), I(1), K("timeout")), 1, 5, 18,
	    "steps[1].timeout, want_key");
	at(doc, PATH(K("n")), 0, 7, 8, "number");
	at(doc, PATH(K("t")), 0, 7, 21, "true");
	at(doc, PATH(K("f")), 0, 7, 32, "false");
	at(doc, PATH(K("z")), 1, 7, 39, "null, want_key");
	at(doc, PATH(K("z")), 0, 7, 44, "null");

	missing(doc, PATH(K("nope")), "absent member");
	missing(doc, PATH(K("steps"), I(2)), "index past the end");
	missing(doc, PATH(K("steps"), I(SIZE_MAX)), "huge index");
	missing(doc, PATH(K("steps"), I(0), K("timeout")), "absent inner member");
	missing(doc, PATH(K("steps"), K("run")), "member of an array");
	missing(doc, PATH(I(0)), "element of an object");
	missing(doc, PATH(K("name"), I(0)), "element of a string");
	missing(doc, PATH(K("name"), K("x")), "member of a string");
	missing(doc, PATH(K("z"), K("x")), "member of null");
	missing(doc, PATH(K("Name")), "names are case-sensitive");
	missing(doc, PATH(K("nam")), "a prefix of a name");
	missing(doc, PATH(K("names")), "a name longer than the member");
	missing("{}", PATH(K("a")), "empty object");
	missing("[]", PATH(I(0)), "empty array");
	missing("{\"a\": {}}", PATH(K("a"), K("b")), "empty inner object");
	missing("{\"a\": 1}", PATH(K("")), "empty name not there");
	at("{\"\": 1}", PATH(K("")), 0, 1, 6, "empty name");
	at("[[], [[]], [1, [2, [3]]]]", PATH(I(2), I(1), I(1), I(0)), 0, 1, 21,
	    "arrays in arrays");
	at("  \n\t {\"a\":1}", ROOT, 0, 2, 3, "whitespace before the document");
	at("\"s\"", ROOT, 0, 1, 1, "a string document");
	at(" 42 ", ROOT, 0, 1, 2, "a number document");
}

static void
test_escaped_keys(void)
{
	const char *t = "{\"a\\\"b\": 1, \"c\\\\d\": 2, \"e\\/f\": 3, "
	    "\"\\b\\f\\n\\r\\t\": 4}";

	at(t, PATH(K("a\"b")), 0, 1, 10, "escaped quote");
	at(t, PATH(K("c\\d")), 0, 1, 21, "escaped backslash");
	at(t, PATH(K("e/f")), 0, 1, 32, "escaped slash");
	at(t, PATH(K("\b\f\n\r\t")), 0, 1, 49, "control escapes");
	at(t, PATH(K("\b\f\n\r\t")), 1, 1, 35, "control escapes, want_key");
	missing(t, PATH(K("e\\/f")), "name compared after decoding");

	at("{\"\\u00e9t\\u00E9\": 5}", PATH(K("\xc3\xa9t\xc3\xa9")), 0, 1, 19,
	    "\\u escapes in either case");
	at("{\"\xc3\xa9t\xc3\xa9\": 6}", PATH(K("\xc3\xa9t\xc3\xa9")), 0, 1, 9,
	    "raw UTF-8 name");
	at("{\"\\ud83d\\ude00\": 7}", PATH(K("\xf0\x9f\x98\x80")), 0, 1, 18,
	    "surrogate pair");
	at("{\"\\uD83D\\uDE00x\": 7}", PATH(K("\xf0\x9f\x98\x80x")), 0, 1, 19,
	    "surrogate pair in upper case, then more");
	at("{\"\xf0\x9f\x98\x80\": 8}", PATH(K("\xf0\x9f\x98\x80")), 0, 1, 7,
	    "raw 4-byte name");
	at("{\"\\u0041\\u20ac\": 9}", PATH(K("A\xe2\x82\xac")), 0, 1, 18,
	    "1-byte and 3-byte escapes");
	at("{\"x\\u00e9y\": 1}", PATH(K("x\xc3\xa9y")), 0, 1, 14, "escape inside");
	at("{\"a\\\\u0041\": 1}", PATH(K("a\\u0041")), 0, 1, 14,
	    "escaped backslash before u");
	missing("{\"a\\\\u0041\": 1}", PATH(K("aA")), "not a \\u escape");
	missing("{\"a\\u0000\": 1}", PATH(K("a")), "\\u0000 in a name");
	missing("{\"\\u00e9\": 1}", PATH(K("\xc3")), "half of a character");
	missing("{\"ab\": 1}", PATH(K("a")), "longer member name");
	missing("{\"a\": 1}", PATH(K("ab")), "shorter member name");
}

static void
test_unicode_columns(void)
{
	at("{\"\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87\": "
	    "\"\xd0\xb7\xd0\xbd\xd0\xb0\xd1\x87\xd0\xb5\xd0\xbd\xd0\xb8\xd0\xb5\","
	    " \"x\": 1}", PATH(K("x")), 0, 1, 27, "after Cyrillic");
	at("{\"\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87\": "
	    "\"\xd0\xb7\xd0\xbd\xd0\xb0\xd1\x87\xd0\xb5\xd0\xbd\xd0\xb8\xd0\xb5\","
	    " \"x\": 1}", PATH(K("x")), 1, 1, 22, "after Cyrillic, want_key");
	at("[\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\", 2]", PATH(I(1)), 0, 1, 8,
	    "after 4-byte characters");
	at("{\"\xe5\x90\x8d\xe5\x89\x8d\": \"\xe5\x80\xa4\", \"k\": true}",
	    PATH(K("k")), 0, 1, 18, "after CJK");
	at("{\t\"a\":\t1}", PATH(K("a")), 0, 1, 8, "a tab is one column");
	at("{\r\n  \"a\": 1\r\n}", PATH(K("a")), 0, 2, 8, "CRLF lines");
	at("{\"a\": \"\\u00e9\\u00e9\", \"b\": 1}", PATH(K("b")), 0, 1, 28,
	    "escapes count as written");
	at("{\"\xc3\xa9\": \"\xc3\xa9\",\n\"b\": [\"\xc3\xa9\", 1]}",
	    PATH(K("b"), I(1)), 0, 2, 12, "only this line counts");
	at("[\"\x7f\", 0]", PATH(I(1)), 0, 1, 7, "DEL is allowed in strings");
}

static void
test_duplicates(void)
{
	const char *t = "{\"a\": 1, \"b\": 2, \"a\": 3}";

	at(t, PATH(K("a")), 0, 1, 23, "the last of two");
	at(t, PATH(K("a")), 1, 1, 18, "the last of two, want_key");
	at(t, PATH(K("b")), 0, 1, 15, "between duplicates");
	at("{\"a\": 1, \"\\u0061\": 2}", PATH(K("a")), 0, 1, 20,
	    "duplicates compared after decoding");
	at("{\"a\": {\"x\": 1}, \"a\": {\"y\": 2}}", PATH(K("a"), K("y")), 0,
	    1, 28, "inner member of the last");
	missing("{\"a\": {\"x\": 1}, \"a\": {\"y\": 2}}", PATH(K("a"), K("x")),
	    "inner member only in the first");
	missing("{\"a\": {\"y\": 2}, \"a\": {\"x\": 1}, \"b\": 0}",
	    PATH(K("a"), K("y")), "the first is hidden by the last");
	at("{\"a\": {\"x\": 1, \"x\": 2}}", PATH(K("a"), K("x")), 0, 1, 21,
	    "inner duplicate");
	at("{\"a\": [1, 2, 3], \"a\": [4]}", PATH(K("a"), I(0)), 0, 1, 24,
	    "array of the last");
	missing("{\"a\": [1, 2, 3], \"a\": [4]}", PATH(K("a"), I(2)),
	    "element only in the first");
	missing("{\"a\": {\"b\": {\"c\": 1}}, \"a\": {\"b\": 2}}",
	    PATH(K("a"), K("b"), K("c")), "deep path hidden two levels up");
	at("{\"a\": {\"b\": 1}, \"a\": 5, \"a\": {\"b\": 2}}",
	    PATH(K("a"), K("b")), 0, 1, 36, "three of them");
}

static void
test_truncated(void)
{
	size_t	 n, len = strlen(doc), bad = 0;
	int	 l, c;

	for (n = 0; n < len - 1; n++) {
		if (find_n(doc, n, ROOT, 0, &l, &c) != -1)
			bad++;
		if (find_n(doc, n, PATH(K("name")), 0, &l, &c) != -1)
			bad++;
	}
	is_int(bad, 0, "every truncation of the document is refused");
	is_int(find_n(doc, len - 1, ROOT, 0, &l, &c), 0,
	    "without the final newline it is whole");
	is_int(find_n("[1]xyz", 3, PATH(I(0)), 0, &l, &c), 0,
	    "text after len is not read");
	is_int(find_n("[1, 2]", 4, PATH(I(0)), 0, &l, &c), -1,
	    "len cuts the array");
	is_int(find_n("\"abc\"", 4, ROOT, 0, &l, &c), -1, "len cuts a string");
	is_int(find_n("[\"\\u00e9\"]", 6, ROOT, 0, &l, &c), -1,
	    "len cuts a \\u escape");
	is_int(find_n("[\"\xc3\xa9\"]", 3, ROOT, 0, &l, &c), -1,
	    "len cuts a character");
	is_int(find_n("true", 3, ROOT, 0, &l, &c), -1, "len cuts true");
	is_int(find_n("[-", 2, ROOT, 0, &l, &c), -1, "len cuts a number");
	is_int(find_n("", 0, ROOT, 0, &l, &c), -1, "empty text");
	is_int(jsonloc_find(NULL, 0, NULL, 0, 0, &l, &c), -1, "no text at all");
}

/* Documents that jsonloc and jansson both refuse. */
static void
test_malformed(void)
{
	static const char *bad[] = {
		" ", "{", "}", "[", "]", "[}", "{]", "{\"a\"}", "{\"a\" 1}",
		"{\"a\":}", "{,}", "[,]", "[1,]", "{\"a\":1,}", "[1 2]",
		"{\"a\":1 \"b\":2}", "{'a': 1}", "{a: 1}", "{1: 1}", "[01]",
		"[-01]", "[1.]", "[.5]", "[-]", "[1e]", "[1e+]", "[+1]",
		"[0x10]", "[Infinity]", "[NaN]", "[tru]", "[True]", "[nul]",
		"[null", "1 2", "{} {}", "{}x", "\"abc", "\"a\nb\"",
		"\"a\tb\"", "[\"\xc0\xaf\"]", "[\"\xed\xa0\x80\"]",
		"[\"\xff\"]", "[\"\xe2\x82\"]", "[\"\xf4\x90\x80\x80\"]",
		"\xef\xbb\xbf{}", "{\xc2\xa0}", "\f{}", "[\"\\x41\"]",
		"[\"\\u12\"]", "[\"\\u12g4\"]", "[\"\\ud83d\"]",
		"[\"\\ude00\"]", "[\"\\ud83d\\u0041\"]", "[\"\\ud83dx\"]",
		"[\"\\ud83d\\ud83d\"]", "{\"\\ud800\": 1}", "[\"\\", "[\"\\u",
		"[\"\\U00e9\"]", "[\"a\" \"b\"]", "{\"a\"::1}", "[[]]]",
		"{\"a\":1}}", "[\x01]", "\"\\'\"",
	};
	size_t	 i;
	int	 l, c, agree = 1;
	json_error_t err;
	json_t	*j;

	for (i = 0; i < nitems(bad); i++) {
		is_int(find_n(bad[i], strlen(bad[i]), ROOT, 0, &l, &c), -1,
		    "malformed %zu refused", i);
		j = json_loadb(bad[i], strlen(bad[i]), JSON_DECODE_ANY, &err);
		if (j != NULL) {
			agree = 0;
			printf("# jansson accepts malformed %zu\n", i);
		}
		json_decref(j);
	}
	ok(agree, "jansson refuses them all too");

	is_int(find_n("{\"a\":1}\0", 8, ROOT, 0, &l, &c), -1,
	    "NUL after the document");
	is_int(find_n("\0{}", 3, ROOT, 0, &l, &c), -1, "NUL before the document");
	is_int(find_n("[\"a\0b\"]", 7, ROOT, 0, &l, &c), -1, "NUL in a string");
	is_int(find_n("{\"a\0\":1}", 8, PATH(K("a")), 0, &l, &c), -1,
	    "NUL in a member name");
	is_int(find_n("[1,\0 2]", 7, PATH(I(1)), 0, &l, &c), -1,
	    "NUL between values");
	missing("{\"a\": 1, \"b\": [}", PATH(K("a")),
	    "a path before the error is still refused");
}

/* Documents that jsonloc and jansson both accept. */
static void
test_valid(void)
{
	static const char *good[] = {
		"[]", "{}", "0", "-0", "-0.0e-0", "1E+2", "123.456e78",
		"\"\"", "true", "false", "null", "  [ ]  ", " {\n\r\t} ",
		"[\"\\u0000\"]", "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]",
		"[\"\\ud83d\\ude00\"]", "[\"\xf4\x8f\xbf\xbf\"]",
		"[[[[{\"a\":[{}]}]]]]", "{\"a\":{\"b\":{\"c\":[1,2,{}]}}}",
		"[1,-2,3.5,4e5,-0.1E-2]", "{\"a\":1,\"a\":2}",
	};
	size_t	 i;
	int	 l, c, agree = 1;
	json_error_t err;
	json_t	*j;

	for (i = 0; i < nitems(good); i++) {
		is_int(find_n(good[i], strlen(good[i]), ROOT, 0, &l, &c), 0,
		    "valid '%s' accepted", good[i]);
		j = json_loadb(good[i], strlen(good[i]), JSON_DECODE_ANY |
		    JSON_ALLOW_NUL, &err);
		if (j == NULL) {
			agree = 0;
			printf("# jansson refuses '%s': %s\n", good[i],
			    err.text);
		}
		json_decref(j);
	}
	ok(agree, "jansson accepts them all too");
}

static char *
nested(size_t n, const char *open, const char *mid, const char *close)
{
	struct buf b = BUF_INIT;
	size_t	 i;

	for (i = 0; i < n; i++)
		buf_adds(&b, open);
	buf_adds(&b, mid);
	for (i = 0; i < n; i++)
		buf_adds(&b, close);
	return buf_detach(&b, NULL);
}

static void
test_deep(void)
{
	struct jseg path[2100];
	json_error_t err;
	json_t	*j;
	char	*t;
	size_t	 i;
	int	 l, c;

	for (i = 0; i < nitems(path); i++) {
		path[i].key = NULL;
		path[i].index = 0;
	}
	t = nested(2047, "[", "[]", "]");
	is_int(find_n(t, strlen(t), ROOT, 0, &l, &c), 0,
	    "2048 nested arrays accepted");
	is_int(find_n(t, strlen(t), path, 2047, 0, &l, &c), 0,
	    "2047 steps down");
	ok(l == 1 && c == 2048, "the innermost array at column 2048 (%d:%d)",
	    l, c);
	is_int(find_n(t, strlen(t), path, 2048, 0, &l, &c), -1,
	    "the innermost array is empty");
	j = json_loadb(t, strlen(t), JSON_DECODE_ANY, &err);
	ok(j != NULL, "jansson accepts 2048 too");
	json_decref(j);
	free(t);

	t = nested(2048, "[", "[]", "]");
	is_int(find_n(t, strlen(t), ROOT, 0, &l, &c), -1,
	    "2049 nested arrays refused");
	j = json_loadb(t, strlen(t), JSON_DECODE_ANY, &err);
	ok(j == NULL, "jansson refuses 2049 too");
	json_decref(j);
	free(t);

	t = nested(200000, "[", "", "");
	is_int(find_n(t, strlen(t), ROOT, 0, &l, &c), -1,
	    "200000 open brackets refused without recursion");
	free(t);
	t = nested(100000, "{\"a\":[", "1", "]}");
	is_int(find_n(t, strlen(t), ROOT, 0, &l, &c), -1,
	    "100000 levels of objects and arrays refused");
	free(t);

	t = nested(1000, "{\"a\":", "1", "}");
	for (i = 0; i < 1000; i++)
		path[i].key = "a";
	is_int(find_n(t, strlen(t), path, 1000, 0, &l, &c), 0,
	    "1000 members down");
	ok(l == 1 && c == 5001, "the innermost value at column 5001 (%d:%d)",
	    l, c);
	is_int(find_n(t, strlen(t), path, 1000, 1, &l, &c), 0,
	    "1000 members down, want_key");
	ok(l == 1 && c == 4997, "the innermost name at column 4997 (%d:%d)",
	    l, c);
	is_int(find_n(t, strlen(t), path, 1001, 0, &l, &c), -1,
	    "one step too many");
	free(t);

	t = nested(1000, "[{\"k\":", "\"v\"", "}]");
	for (i = 0; i < 2000; i++) {
		path[i].key = i % 2 ? "k" : NULL;
		path[i].index = 0;
	}
	is_int(find_n(t, strlen(t), path, 2000, 0, &l, &c), 0,
	    "alternating arrays and objects");
	ok(l == 1 && c == 6001, "at column 6001 (%d:%d)", l, c);
	free(t);
}

/*
 * A generated document: many members over many lines with text in
 * several scripts; each name and value must be where it was written.
 */
static void
test_generated(void)
{
	static const char *words[] = {
		"plain", "caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac",
		"\xf0\x9f\x9a\x80 go", "tab\\there", "q\\\"uote", "\\u00e9t\\u00e9",
	};
	struct buf b = BUF_INIT;
	size_t	 name[300], value[300], i;
	char	 key[32], *last, *p;
	int	 l, c, wl, wc, good = 1;

	buf_adds(&b, "{\n");
	for (i = 0; i < nitems(name); i++) {
		buf_adds(&b, i % 3 == 0 ? "\t" : "  ");
		name[i] = b.len;
		buf_addf(&b, "\"k%zu\":%s", i, i % 2 ? "\n    " : " ");
		value[i] = b.len;
		switch (i % 4) {
		case 0:
			buf_addf(&b, "\"%s\"", words[i % nitems(words)]);
			break;
		case 1:
			buf_addf(&b, "[%zu, \"%s\"]", i, words[i % nitems(words)]);
			break;
		case 2:
			buf_addf(&b, "{\"%s\": %zu}", words[i % nitems(words)], i);
			break;
		default:
			buf_addf(&b, "%s", i % 8 == 3 ? "true" : "-1.25e-3");
			break;
		}
		buf_adds(&b, i + 1 < nitems(name) ? ", \"\xc3\xa9\": 0,\n" : "\n");
	}
	buf_adds(&b, "}");

	for (i = 0; i < nitems(name); i++) {
		snprintf(key, sizeof key, "k%zu", i);
		if (find_n(b.data, b.len, PATH(K(key)), 0, &l, &c) != 0) {
			good = 0;
			continue;
		}
		place(b.data, value[i], &wl, &wc);
		if (l != wl || c != wc) {
			good = 0;
			printf("# %s value at %d:%d, want %d:%d\n", key, l, c,
			    wl, wc);
		}
		if (find_n(b.data, b.len, PATH(K(key)), 1, &l, &c) != 0)
			good = 0;
		place(b.data, name[i], &wl, &wc);
		if (l != wl || c != wc) {
			good = 0;
			printf("# %s name at %d:%d, want %d:%d\n", key, l, c,
			    wl, wc);
		}
	}
	ok(good, "%zu members found at their names and values", nitems(name));
	is_int(find_n(b.data, b.len, PATH(K("k1"), I(1)), 0, &l, &c), 0,
	    "inside a generated member");
	place(b.data, value[1] + 4, &wl, &wc);
	ok(l == wl && c == wc, "k1[1] at %d:%d", wl, wc);
	last = strstr(b.data, "\"\xc3\xa9\"");
	while ((p = strstr(last + 1, "\"\xc3\xa9\"")) != NULL)
		last = p;
	place(b.data, last - b.data, &wl, &wc);
	is_int(find_n(b.data, b.len, PATH(K("\xc3\xa9")), 1, &l, &c), 0,
	    "a name used 299 times");
	ok(l == wl && c == wc, "the last of them at %d:%d", wl, wc);
	buf_release(&b);
}

static void
offset_is(const char *text, size_t len, size_t off, int wl, int wc,
    const char *what)
{
	char	*copy = xmalloc(len);
	int	 l = -1, c = -1;

	memcpy(copy, text, len);
	jsonloc_offset(copy, len, off, &l, &c);
	free(copy);
	ok(l == wl && c == wc, "offset: %s (%d:%d)", what, l, c);
}

static void
test_offset(void)
{
	offset_is("abc", 3, 0, 1, 1, "start");
	offset_is("abc", 3, 2, 1, 3, "third character");
	offset_is("abc", 3, 3, 1, 4, "the end");
	offset_is("abc", 3, 99, 1, 4, "past the end is the end");
	offset_is("a\nb\n\nc", 6, 1, 1, 2, "a newline is on its line");
	offset_is("a\nb\n\nc", 6, 4, 3, 1, "empty line");
	offset_is("a\nb\n\nc", 6, 5, 4, 1, "fourth line");
	offset_is("x\xc3\xa9y", 4, 3, 1, 3, "after a 2-byte character");
	offset_is("x\xc3\xa9y", 4, 2, 1, 2, "inside a character is the character");
	offset_is("\xf0\x9f\x98\x80\xe2\x82\xac!", 8, 7, 1, 3,
	    "after 4-byte and 3-byte characters");
	offset_is("a\rb", 3, 2, 1, 3, "CR is a character");
	offset_is("\t\tx", 3, 2, 1, 3, "tabs are one column");
	offset_is("\xff\xfe" "a", 3, 2, 1, 3, "invalid bytes count one each");
	offset_is("\xc3" "a", 2, 1, 1, 2, "lead byte without continuation");
	offset_is("\x80\x80" "a", 3, 2, 1, 3, "stray continuation bytes");
	offset_is("\xc0\x80" "a", 3, 2, 1, 3, "overlong bytes count one each");
	offset_is("\xed\xa0\x80" "a", 4, 3, 1, 4, "surrogate bytes count one each");
	offset_is("a\xe2\x82", 3, 3, 1, 4, "truncated character at the end");
	offset_is("\xf0", 1, 1, 1, 2, "a lone lead byte at the end");
	offset_is("a\0b", 3, 2, 1, 3, "NUL is a character");
	offset_is("", 0, 0, 1, 1, "empty text");
}

int
main(void)
{
	test_nested();
	test_escaped_keys();
	test_unicode_columns();
	test_duplicates();
	test_truncated();
	test_malformed();
	test_valid();
	test_deep();
	test_generated();
	test_offset();
	return done_testing();
}
