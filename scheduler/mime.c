/* mime: e-mail messages (RFC 5322 headers, MIME parts, RFC 2047 words) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "mime.h"
#include "digest.h"
#include "util.h"

#define LINE_MAX_7BIT	900	/* RFC 5322 allows 998; leave room */
#define WORD_BYTES	45	/* UTF-8 bytes per encoded word: 60 in base64 */

char *
mime_date(int64_t t)
{
	static const char *const days[] = { "Thu", "Fri", "Sat", "Sun", "Mon",
	    "Tue", "Wed" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct civil c;
	int64_t	 d = t / 86400 - (t % 86400 < 0);

	utc_to_civil(t, &c);
	return xasprintf("%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[((d % 7) + 7) % 7], c.day, months[c.month - 1], c.year, c.hour,
	    c.minute, c.second);
}

static int
is_plain(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x7f || (unsigned char)*s < 0x20)
			return 0;
	}
	return 1;
}

/* Bytes of the UTF-8 character starting at s (1 for a stray byte). */
static size_t
char_len(const char *s, size_t left)
{
	unsigned char c = (unsigned char)*s;
	size_t	 k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;

	return k <= left ? k : 1;
}

/*
 * Header text: as is when printable ASCII, else encoded words of whole
 * characters, folded between words.
 */
static void
add_header_text(struct buf *b, const char *s)
{
	size_t	 n, len;
	char	*enc;

	if (is_plain(s)) {
		buf_adds(b, s);
		return;
	}
	len = strlen(s);
	while (len > 0) {
		for (n = 0; n < len && n + char_len(s + n, len - n) <= WORD_BYTES;)
			n += char_len(s + n, len - n);
		if (n == 0)
			n = 1;
		enc = base64_text(s, n, 0);
		buf_addf(b, "=?UTF-8?B?%s?=", enc);
		free(enc);
		s += n;
		len -= n;
		if (len > 0)
			buf_adds(b, "\r\n ");
	}
}

/* A display name in a phrase: quoted when ASCII, else encoded words. */
static void
add_address(struct buf *b, const char *name, const char *addr)
{
	const char *p;

	if (name != NULL && *name != '\0') {
		if (is_plain(name)) {
			buf_addc(b, '"');
			for (p = name; *p != '\0'; p++) {
				if (*p == '"' || *p == '\\')
					buf_addc(b, '\\');
				buf_addc(b, *p);
			}
			buf_addc(b, '"');
		} else
			add_header_text(b, name);
		buf_addc(b, ' ');
	}
	buf_addf(b, "<%s>", addr);
}

/* Is the body ASCII with short lines? */
static int
body_7bit(const char *s, size_t len)
{
	size_t	 i, col = 0;

	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] >= 0x80 || s[i] == '\0')
			return 0;
		col = s[i] == '\n' ? 0 : col + 1;
		if (col > LINE_MAX_7BIT)
			return 0;
	}
	return 1;
}

/* The body with every line ending in CR LF, and a final one. */
static void
add_crlf(struct buf *b, const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
			continue;
		if (s[i] == '\n' || s[i] == '\r')
			buf_adds(b, "\r\n");
		else
			buf_addc(b, s[i]);
	}
	if (len > 0 && s[len - 1] != '\n' && s[len - 1] != '\r')
		buf_adds(b, "\r\n");
}

static void
add_part(struct buf *b, const struct mime_part *part)
{
	char	*enc;

	buf_addf(b, "Content-Type: %s\r\n", part->type);
	if (body_7bit(part->body, part->len)) {
		buf_adds(b, "Content-Transfer-Encoding: 7bit\r\n\r\n");
		add_crlf(b, part->body, part->len);
		return;
	}
	buf_adds(b, "Content-Transfer-Encoding: base64\r\n\r\n");
	enc = base64_text(part->body, part->len, 1);
	buf_adds(b, enc);
	buf_adds(b, "\r\n");
	free(enc);
}

static void
add_headers(struct buf *b, const struct mime_message *m)
{
	const char *const *h;
	char	*date = mime_date(m->date);

	buf_addf(b, "Date: %s\r\n", date);
	free(date);
	buf_adds(b, "From: ");
	add_address(b, m->from_name, m->from);
	buf_adds(b, "\r\nTo: ");
	add_address(b, m->to_name, m->to);
	buf_adds(b, "\r\nSubject: ");
	add_header_text(b, m->subject);
	buf_addf(b, "\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n",
	    m->message_id);
	for (h = m->headers; h != NULL && *h != NULL; h++)
		buf_addf(b, "%s\r\n", *h);
}

char *
mime_build(const struct mime_message *m, size_t *len)
{
	struct buf b = BUF_INIT;
	struct digest s;
	unsigned char md[SHA256_LEN];
	char	 boundary[64], hex[2 * 12 + 1];
	size_t	 i;

	add_headers(&b, m);
	if (m->nparts == 1) {
		add_part(&b, &m->parts[0]);
		return buf_detach(&b, len);
	}
	/* "=_" never occurs in base64, and 7bit parts are our own text */
	digest_init(&s);
	for (i = 0; i < m->nparts; i++)
		digest_update(&s, m->parts[i].body, m->parts[i].len);
	digest_final(&s, md);
	hex_encode(md, 12, hex);
	snprintf(boundary, sizeof boundary, "=_offpeak_%s", hex);
	buf_addf(&b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n"
	    "This is a message in MIME format.\r\n", boundary);
	for (i = 0; i < m->nparts; i++) {
		buf_addf(&b, "\r\n--%s\r\n", boundary);
		add_part(&b, &m->parts[i]);
	}
	buf_addf(&b, "\r\n--%s--\r\n", boundary);
	return buf_detach(&b, len);
}
