/* pack: a compact binary form of parsed values, for the parse cache */
#include <stdlib.h>
#include <string.h>

#include "pack.h"

#define PACK_MAX_STRV	100000	/* more elements is a malformed input */

/* Unsigned numbers are written 7 bits a byte, low bits first. */
void
pack_u64(struct buf *b, uint64_t v)
{
	unsigned char out[10];
	size_t	 n = 0;

	do {
		out[n] = v & 0x7f;
		v >>= 7;
		if (v != 0)
			out[n] |= 0x80;
		n++;
	} while (v != 0);
	buf_add(b, out, n);
}

void
pack_i64(struct buf *b, int64_t v)
{
	pack_u64(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

/* A string is its length plus one (0 for NULL), then its bytes. */
void
pack_str(struct buf *b, const char *s)
{
	size_t	 n;

	if (s == NULL) {
		pack_u64(b, 0);
		return;
	}
	n = strlen(s);
	pack_u64(b, (uint64_t)n + 1);
	buf_add(b, s, n);
}

void
pack_strv(struct buf *b, char *const *v)
{
	size_t	 i, n = 0;

	if (v == NULL) {
		pack_u64(b, 0);
		return;
	}
	while (v[n] != NULL)
		n++;
	pack_u64(b, (uint64_t)n + 1);
	for (i = 0; i < n; i++)
		pack_str(b, v[i]);
}

void
pack_oid(struct buf *b, const char *oid)
{
	pack_str(b, oid);
}

void
unpack_init(struct unpack *u, const void *data, size_t len)
{
	u->p = data;
	u->end = u->p + len;
	u->bad = 0;
}

uint64_t
unpack_u64(struct unpack *u)
{
	uint64_t v = 0;
	int	 shift = 0;

	while (!u->bad) {
		if (u->p == u->end || shift > 63) {
			u->bad = 1;
			break;
		}
		v |= (uint64_t)(*u->p & 0x7f) << shift;
		shift += 7;
		if ((*u->p++ & 0x80) == 0)
			return v;
	}
	return 0;
}

int64_t
unpack_i64(struct unpack *u)
{
	uint64_t v = unpack_u64(u);

	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

int
unpack_int(struct unpack *u, int max)
{
	uint64_t v = unpack_u64(u);

	if (v > (uint64_t)max) {
		u->bad = 1;
		return 0;
	}
	return (int)v;
}

char *
unpack_str(struct unpack *u)
{
	uint64_t n = unpack_u64(u);
	char	*s;

	if (u->bad || n == 0)
		return NULL;
	n--;
	if (n > (uint64_t)(u->end - u->p) || memchr(u->p, '\0', n) != NULL) {
		u->bad = 1;
		return NULL;
	}
	s = xstrndup((const char *)u->p, n);
	u->p += n;
	return s;
}

char **
unpack_strv(struct unpack *u)
{
	uint64_t n = unpack_u64(u);
	char	**v;
	size_t	 i;

	if (u->bad || n == 0)
		return NULL;
	n--;
	if (n > PACK_MAX_STRV || n > (uint64_t)(u->end - u->p)) {
		u->bad = 1;
		return NULL;
	}
	v = xcalloc(n + 1, sizeof *v);
	for (i = 0; i < n; i++) {
		v[i] = unpack_str(u);
		if (v[i] == NULL) {
			u->bad = 1;
			break;
		}
	}
	return v;
}

void
unpack_oid(struct unpack *u, char *out)
{
	char	*s = unpack_str(u);

	out[0] = '\0';
	if (s == NULL || (s[0] != '\0' && (strlen(s) != 40 ||
	    strspn(s, "0123456789abcdef") != 40)))
		u->bad = 1;
	else
		memcpy(out, s, strlen(s) + 1);
	free(s);
}

int
unpack_done(const struct unpack *u)
{
	return !u->bad && u->p == u->end;
}
