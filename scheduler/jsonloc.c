/* jsonloc: find where a value is in JSON text, for messages */
#include <stdint.h>
#include <string.h>

#include "jsonloc.h"
#include "util.h"

/*
 * Positions are wanted only when a problem is reported, so the text is
 * scanned again rather than keeping positions for every value in the
 * parser. The scanner checks the syntax jansson checks (RFC 8259 in UTF-8,
 * any value at the top; not the range of numbers) and nests as deep as
 * jansson does, with no recursion and no allocation: containers being
 * skipped are kept as one bit each.
 */
#define JSONLOC_MAX_DEPTH 2048	/* jansson's JSON_PARSER_MAX_DEPTH */

struct scan {
	const unsigned char *p;
	size_t	 len;
	size_t	 pos;
};

/* Containers open in a value being skipped; a set bit is an object. */
struct nest {
	unsigned char bits[JSONLOC_MAX_DEPTH / 8];
	size_t	 n;
};

/* A member name being compared, as it is decoded, with a path step. */
struct keycmp {
	const char *k;		/* what is left of the wanted name */
	size_t	 left;
	int	 same;
};

/* The next byte, or -1 at the end of the text. */
static int
peek(const struct scan *s)
{
	return s->pos < s->len ? s->p[s->pos] : -1;
}

static void
skip_ws(struct scan *s)
{
	int	 c;

	while ((c = peek(s)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		s->pos++;
}

static int
expect(struct scan *s, int c)
{
	skip_ws(s);
	if (peek(s) != c)
		return -1;
	s->pos++;
	return 0;
}

static void
key_feed(struct keycmp *kc, const void *bytes, size_t n)
{
	if (kc == NULL || !kc->same)
		return;
	if (n > kc->left || memcmp(kc->k, bytes, n) != 0) {
		kc->same = 0;
		return;
	}
	kc->k += n;
	kc->left -= n;
}

static int
hex4(struct scan *s, uint32_t *out)
{
	uint32_t v = 0;
	size_t	 i;
	int	 c;

	if (s->len - s->pos < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		c = s->p[s->pos + i];
		if (c >= '0' && c <= '9')
			v = v * 16 + (c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v * 16 + (c - 'A' + 10);
		else
			return -1;
	}
	s->pos += 4;
	*out = v;
	return 0;
}

/* After "\u": one code point; a surrogate must be half of a pair. */
static int
unicode_escape(struct scan *s, uint32_t *cp)
{
	uint32_t lo;

	if (hex4(s, cp) != 0 || (*cp >= 0xdc00 && *cp <= 0xdfff))
		return -1;
	if (*cp < 0xd800 || *cp > 0xdbff)
		return 0;
	if (s->len - s->pos < 2 || s->p[s->pos] != '\\' ||
	    s->p[s->pos + 1] != 'u')
		return -1;
	s->pos += 2;
	if (hex4(s, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff)
		return -1;
	*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
	return 0;
}

static size_t
utf8_encode(uint32_t cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = 0xc0 | (cp >> 6);
		out[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = 0xe0 | (cp >> 12);
		out[1] = 0x80 | ((cp >> 6) & 0x3f);
		out[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	out[0] = 0xf0 | (cp >> 18);
	out[1] = 0x80 | ((cp >> 12) & 0x3f);
	out[2] = 0x80 | ((cp >> 6) & 0x3f);
	out[3] = 0x80 | (cp & 0x3f);
	return 4;
}

/* After a backslash: one escape, fed to kc as the bytes it stands for. */
static int
scan_escape(struct scan *s, struct keycmp *kc)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	unsigned char out[4];
	const char *e;
	uint32_t cp;
	int	 c = peek(s);

	if (c == 'u') {
		s->pos++;
		if (unicode_escape(s, &cp) != 0)
			return -1;
		key_feed(kc, out, utf8_encode(cp, out));
		return 0;
	}
	if (c <= 0 || (e = strchr(from, c)) == NULL)
		return -1;
	s->pos++;
	key_feed(kc, &to[e - from], 1);
	return 0;
}

/* The string at s->pos, decoded into kc when kc is not NULL. */
static int
scan_string(struct scan *s, struct keycmp *kc)
{
	size_t	 start;
	int	 c;

	if (peek(s) != '"')
		return -1;
	s->pos++;
	for (;;) {
		start = s->pos;
		while ((c = peek(s)) >= 0x20 && c != '"' && c != '\\')
			s->pos++;
		if (utf8_valid_prefix((const char *)s->p + start,
		    s->pos - start) != s->pos - start)
			return -1;
		key_feed(kc, s->p + start, s->pos - start);
		if (c == '"') {
			s->pos++;
			return 0;
		}
		if (c != '\\')
			return -1;	/* a control character or the end */
		s->pos++;
		if (scan_escape(s, kc) != 0)
			return -1;
	}
}

static size_t
skip_digits(struct scan *s)
{
	size_t	 start = s->pos;

	while (peek(s) >= '0' && peek(s) <= '9')
		s->pos++;
	return s->pos - start;
}

static int
scan_number(struct scan *s)
{
	if (peek(s) == '-')
		s->pos++;
	if (peek(s) == '0')
		s->pos++;
	else if (skip_digits(s) == 0)
		return -1;
	if (peek(s) == '.') {
		s->pos++;
		if (skip_digits(s) == 0)
			return -1;
	}
	if (peek(s) == 'e' || peek(s) == 'E') {
		s->pos++;
		if (peek(s) == '+' || peek(s) == '-')
			s->pos++;
		if (skip_digits(s) == 0)
			return -1;
	}
	return 0;
}

static int
scan_word(struct scan *s, const char *w)
{
	size_t	 n = strlen(w);

	if (s->len - s->pos < n || memcmp(s->p + s->pos, w, n) != 0)
		return -1;
	s->pos += n;
	return 0;
}

static int
scan_scalar(struct scan *s)
{
	switch (peek(s)) {
	case '"':
		return scan_string(s, NULL);
	case 't':
		return scan_word(s, "true");
	case 'f':
		return scan_word(s, "false");
	case 'n':
		return scan_word(s, "null");
	default:
		return scan_number(s);
	}
}

/* A member name and its colon, after '{' or ','. */
static int
scan_name(struct scan *s, struct keycmp *kc)
{
	skip_ws(s);
	if (scan_string(s, kc) != 0)
		return -1;
	return expect(s, ':');
}

static void
nest_push(struct nest *nest, int object)
{
	unsigned char bit = 1U << (nest->n % 8);

	if (object)
		nest->bits[nest->n / 8] |= bit;
	else
		nest->bits[nest->n / 8] &= ~bit;
	nest->n++;
}

static int
nest_top_is_object(const struct nest *nest)
{
	return (nest->bits[(nest->n - 1) / 8] >> ((nest->n - 1) % 8)) & 1;
}

/*
 * Start the value at s->pos: a scalar or an empty container whole, or the
 * opening of a container. Returns 1 if a container was opened and its
 * first value comes next, 0 if the value is complete, -1 if it is invalid.
 */
static int
value_start(struct scan *s, struct nest *nest)
{
	int	 c, object;

	skip_ws(s);
	c = peek(s);
	if (c != '{' && c != '[')
		return scan_scalar(s);
	if (nest->n == JSONLOC_MAX_DEPTH)
		return -1;
	object = c == '{';
	s->pos++;
	skip_ws(s);
	if (peek(s) == (object ? '}' : ']')) {
		s->pos++;
		return 0;
	}
	nest_push(nest, object);
	if (object && scan_name(s, NULL) != 0)
		return -1;
	return 1;
}

/*
 * After a complete value: step over closing brackets and then a comma with
 * the member name after it. Returns 1 if another value comes next, 0 when
 * every container is closed, -1 if the text is invalid.
 */
static int
value_end(struct scan *s, struct nest *nest)
{
	int	 object;

	while (nest->n > 0) {
		object = nest_top_is_object(nest);
		skip_ws(s);
		if (peek(s) == ',') {
			s->pos++;
			if (object && scan_name(s, NULL) != 0)
				return -1;
			return 1;
		}
		if (peek(s) != (object ? '}' : ']'))
			return -1;
		s->pos++;
		nest->n--;
	}
	return 0;
}

/* Step over one whole value, checking it. */
static int
skip_value(struct scan *s)
{
	struct nest nest;
	int	 r;

	nest.n = 0;
	for (;;) {
		if ((r = value_start(s, &nest)) == -1)
			return -1;
		if (r == 1)
			continue;
		if ((r = value_end(s, &nest)) != 1)
			return r;
	}
}

/*
 * In the object at s->pos, the last member with this name: where its name
 * and its value start.
 */
static int
find_member(struct scan *s, const char *key, size_t *name, size_t *value)
{
	struct keycmp kc;
	size_t	 klen = strlen(key), at;
	int	 found = 0;

	if (peek(s) != '{')
		return -1;
	s->pos++;
	skip_ws(s);
	if (peek(s) == '}')
		return -1;
	for (;;) {
		skip_ws(s);
		at = s->pos;
		kc.k = key;
		kc.left = klen;
		kc.same = 1;
		if (scan_name(s, &kc) != 0)
			return -1;
		skip_ws(s);
		if (kc.same && kc.left == 0) {
			*name = at;
			*value = s->pos;
			found = 1;
		}
		if (skip_value(s) != 0)
			return -1;
		skip_ws(s);
		if (peek(s) == '}')
			return found ? 0 : -1;
		if (peek(s) != ',')
			return -1;
		s->pos++;
	}
}

/* In the array at s->pos, where element index starts. */
static int
find_element(struct scan *s, size_t index, size_t *value)
{
	size_t	 i;

	if (peek(s) != '[')
		return -1;
	s->pos++;
	skip_ws(s);
	if (peek(s) == ']')
		return -1;
	for (i = 0;; i++) {
		skip_ws(s);
		if (i == index) {
			*value = s->pos;
			return 0;
		}
		if (skip_value(s) != 0)
			return -1;
		skip_ws(s);
		if (peek(s) != ',')
			return -1;	/* ']': the array is shorter */
		s->pos++;
	}
}

/*
 * The whole text is checked first, so a document jansson would refuse
 * gets no position. With want_key, a value that no member name holds (the
 * document, an array element) is reported at the value itself.
 */
int
jsonloc_find(const char *text, size_t len, const struct jseg *path,
    size_t depth, int want_key, int *line, int *column)
{
	struct scan s = { (const unsigned char *)text, len, 0 };
	size_t	 value, name = SIZE_MAX, d;
	int	 r;

	skip_ws(&s);
	value = s.pos;
	if (skip_value(&s) != 0)
		return -1;
	skip_ws(&s);
	if (s.pos != len)
		return -1;
	for (d = 0; d < depth; d++) {
		s.pos = value;
		name = SIZE_MAX;
		if (path[d].key != NULL)
			r = find_member(&s, path[d].key, &name, &value);
		else
			r = find_element(&s, path[d].index, &value);
		if (r != 0)
			return -1;
	}
	jsonloc_offset(text, len, want_key && name != SIZE_MAX ? name : value,
	    line, column);
	return 0;
}

/* Bytes in the character at p, counting an invalid byte as one. */
static size_t
char_len(const unsigned char *p, size_t n)
{
	size_t	 k;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		k = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		k = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		k = 4;
	else
		return 1;
	if (k > n || utf8_valid_prefix((const char *)p, k) != k)
		return 1;
	return k;
}

void
jsonloc_offset(const char *text, size_t len, size_t offset, int *line,
    int *column)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t	 i = 0, k;
	int	 l = 1, c = 1;

	if (offset > len)
		offset = len;
	while (i < offset) {
		if (p[i] == '\n') {
			l++;
			c = 1;
			i++;
			continue;
		}
		k = char_len(p + i, len - i);
		if (k > offset - i)
			break;	/* inside this character */
		i += k;
		c++;
	}
	*line = l;
	*column = c;
}
