/*
 * fuzz-jsonloc: jsonloc_find, jsonloc_offset and utf8_valid_prefix, the
 * code that places every problem of a plan or policy at a line and column.
 *
 * The first byte of an input says how many path steps follow (low three
 * bits) and whether the member name is wanted (bit 3); each step is one
 * byte, an array index if the top bit is set, else a name from a table.
 * The rest is the JSON text. Besides crashes it checks that jsonloc agrees
 * with jansson about which documents are valid and which paths exist, that
 * a position lands on the start of a value of the right type, and that
 * utf8_valid_prefix agrees with a decoder written differently.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonloc.h"
#include "util.h"

#include "fuzz.h"


static const char *names[] = {
	"a", "b", "", "id", "steps", "run", "\xc3\xa9", "\xf0\x9f\x98\x80",
	"a\"b", "\n", "a\\u0041", "timeout", "k", "x", "risk", "verify"
};

#define check(cond) fuzz_check(cond)

/* Length of the valid UTF-8 prefix, by ranges of the second byte. */
static size_t
ref_utf8(const uint8_t *p, size_t len)
{
	size_t	 i = 0, n, k;
	uint8_t	 lo, hi;

	while (i < len) {
		lo = 0x80;
		hi = 0xbf;
		if (p[i] < 0x80)
			n = 0;
		else if (p[i] >= 0xc2 && p[i] <= 0xdf)
			n = 1;
		else if (p[i] == 0xe0) {
			n = 2;
			lo = 0xa0;
		} else if (p[i] == 0xed) {
			n = 2;
			hi = 0x9f;
		} else if (p[i] >= 0xe1 && p[i] <= 0xef)
			n = 2;
		else if (p[i] == 0xf0) {
			n = 3;
			lo = 0x90;
		} else if (p[i] == 0xf4) {
			n = 3;
			hi = 0x8f;
		} else if (p[i] >= 0xf1 && p[i] <= 0xf3)
			n = 3;
		else
			return i;
		if (n > 0 && (len - i <= n || p[i + 1] < lo || p[i + 1] > hi))
			return i;
		for (k = 2; k <= n; k++)
			if (p[i + k] < 0x80 || p[i + k] > 0xbf)
				return i;
		i += n + 1;
	}
	return len;
}

static void
fuzz_utf8(const uint8_t *data, size_t size)
{
	size_t	 r = utf8_valid_prefix((const char *)data, size);

	check(r <= size);
	check(r == ref_utf8(data, size));
	check(utf8_valid_prefix((const char *)data, r) == r);
	if (r < size)
		check(utf8_valid_prefix((const char *)data + r, size - r) == 0);
}

/* Byte offset of a 1-based line and column in valid UTF-8 text. */
static size_t
offset_of(const char *text, size_t len, int line, int column)
{
	size_t	 i = 0;
	int	 l = 1, c = 1;

	while (i < len && (l < line || c < column)) {
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80)
			c++;
		i++;
		while (i < len && ((unsigned char)text[i] & 0xc0) == 0x80)
			i++;
	}
	check(l == line && c == column);
	return i;
}

/* Does the text at offset start a value of the type of j? */
static int
starts(const char *text, size_t len, size_t at, const json_t *j)
{
	int	 c;

	if (at >= len)
		return 0;
	c = text[at];
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return c == '{';
	case JSON_ARRAY:
		return c == '[';
	case JSON_STRING:
		return c == '"';
	case JSON_INTEGER:
	case JSON_REAL:
		return c == '-' || (c >= '0' && c <= '9');
	case JSON_TRUE:
		return c == 't';
	case JSON_FALSE:
		return c == 'f';
	case JSON_NULL:
		return c == 'n';
	}
	return 0;
}

static json_t *
walk(json_t *j, const struct jseg *path, size_t depth)
{
	size_t	 d;

	for (d = 0; d < depth && j != NULL; d++) {
		if (path[d].key != NULL)
			j = json_object_get(j, path[d].key);
		else
			j = json_array_get(j, path[d].index);
	}
	return j;
}

/* jansson refuses some documents for their values, not their syntax. */
static int
refused_for_value(const json_error_t *err)
{
	return strstr(err->text, "overflow") != NULL ||
	    strstr(err->text, "too big") != NULL ||
	    strstr(err->text, "NUL byte in object key") != NULL;
}

static void
fuzz_jsonloc(const uint8_t *data, size_t size)
{
	struct jseg path[7];
	json_error_t err;
	json_t	*doc, *v;
	const char *text;
	size_t	 depth, len, i, at;
	int	 want_key, l, c, r, r0;

	if (size == 0)
		return;
	depth = data[0] & 7;
	want_key = (data[0] & 8) != 0;
	if (size < 1 + depth)
		return;
	for (i = 0; i < depth; i++) {
		path[i].key = data[1 + i] & 0x80 ? NULL :
		    names[data[1 + i] % nitems(names)];
		path[i].index = data[1 + i] & 7;
	}
	text = (const char *)data + 1 + depth;
	len = size - 1 - depth;

	r0 = jsonloc_find(text, len, NULL, 0, 0, &l, &c);
	r = jsonloc_find(text, len, path, depth, want_key, &l, &c);
	check(r0 == 0 || r == -1);
	doc = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (doc == NULL) {
		check(r0 == -1 || refused_for_value(&err));
		return;
	}
	if (r0 == -1) {
		/* jansson drops a NUL byte that ends a number or literal */
		check(memchr(text, '\0', len) != NULL);
		json_decref(doc);
		return;
	}
	v = walk(doc, path, depth);
	check((v != NULL) == (r == 0));
	if (v != NULL) {
		at = offset_of(text, len, l, c);
		if (want_key && depth > 0 && path[depth - 1].key != NULL)
			check(at < len && text[at] == '"');
		else
			check(starts(text, len, at, v));
	}
	json_decref(doc);
}

static void
fuzz_offset(const uint8_t *data, size_t size)
{
	size_t	 off;
	int	 l, c;

	if (size < 2)
		return;
	off = data[0] | (size_t)data[1] << 8;
	jsonloc_offset((const char *)data + 2, size - 2, off, &l, &c);
	check(l >= 1 && c >= 1);
	check((size_t)l + (size_t)c <= size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_utf8(data, size);
	fuzz_jsonloc(data, size);
	fuzz_offset(data, size);
	return 0;
}
