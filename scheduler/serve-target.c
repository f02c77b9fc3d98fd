/* serve-target: the raw request target, checked and made fit for a log */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "serve-target.h"
#include "util.h"

#define PRIVATE_WORD	"private"
#define DECODE_ROUNDS	3	/* %2570 is %70 is p: look through them all */

static int
control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

int
target_check(const char *raw)
{
	const unsigned char *p = (const unsigned char *)raw;
	int	 hi, lo;

	for (; *p != '\0' && *p != '?'; p++) {
		if (control(*p))
			return 400;
		if (*p != '%')
			continue;
		if ((hi = hex_value(p[1])) < 0 || (lo = hex_value(p[2])) < 0)
			return 400;
		if (control((unsigned char)(hi * 16 + lo)))
			return 400;
		p += 2;
	}
	return 0;
}

/* One round of %-decoding of s (in place); 1 when anything changed. */
static int
decode(char *s)
{
	char	*w = s;
	int	 hi, lo, changed = 0;

	for (; *s != '\0'; s++) {
		if (*s == '%' && (hi = hex_value((unsigned char)s[1])) >= 0 &&
		    (lo = hex_value((unsigned char)s[2])) >= 0 &&
		    (hi != 0 || lo != 0)) {
			*w++ = (char)(hi * 16 + lo);
			s += 2;
			changed = 1;
		} else
			*w++ = *s;
	}
	*w = '\0';
	return changed;
}

/* s as \xHH where it is not printable ASCII (spaces too, unless text). */
static void
escape_as(struct buf *b, const char *s, size_t n, int text)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c;
	size_t	 i;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if ((c < 0x21 && !(text && c == ' ')) || c > 0x7e || c == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, 'x');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		} else
			buf_addc(b, (char)c);
	}
}

static void
escape_into(struct buf *b, const char *s, size_t n)
{
	escape_as(b, s, n, 0);
}

/*
 * Where the word "private" ends in the path, decoded and in lower case,
 * or 0: then everything after it is a token the log must not show.
 */
static size_t
private_end(char *path)
{
	char	*p;
	int	 i;

	for (i = 0; i < DECODE_ROUNDS && decode(path); i++)
		;
	for (p = path; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if ((p = strstr(path, PRIVATE_WORD)) == NULL)
		return 0;
	return (size_t)(p - path) + strlen(PRIVATE_WORD);
}

char *
target_for_log(const char *raw, size_t max)
{
	struct buf b = BUF_INIT;
	size_t	 n = strcspn(raw, "?"), end;
	char	*path = xstrndup(raw, n);

	if ((end = private_end(path)) != 0) {
		escape_into(&b, path, end);
		buf_adds(&b, "/...");
	} else {
		n = strlen(raw);
		escape_into(&b, raw, n > max ? max : n);
		if (n > max)
			buf_adds(&b, "...");
	}
	free(path);
	return buf_detach(&b, NULL);
}

char *
token_for_log(const char *s, size_t max)
{
	struct buf b = BUF_INIT;
	size_t	 n = strlen(s);

	escape_into(&b, s, n > max ? max : n);
	if (n > max)
		buf_adds(&b, "...");
	return buf_detach(&b, NULL);
}

char *
text_for_log(const char *s, size_t max)
{
	struct buf b = BUF_INIT;
	size_t	 n = strlen(s);

	escape_as(&b, s, n > max ? max : n, 1);
	if (n > max)
		buf_adds(&b, "...");
	return buf_detach(&b, NULL);
}
