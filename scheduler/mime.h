/* mime: e-mail messages (RFC 5322 headers, MIME parts, RFC 2047 words) */
#ifndef OFFPEAK_MIME_H
#define OFFPEAK_MIME_H

#include <stddef.h>
#include <stdint.h>

/* One body part. */
struct mime_part {
	const char *type;	/* "text/plain; charset=UTF-8" */
	const char *body;	/* UTF-8 text; lines end in LF or CR LF */
	size_t	 len;
};

struct mime_message {
	const char *from_name;	/* display name (any UTF-8), or NULL */
	const char *from;	/* address */
	const char *to_name;
	const char *to;
	const char *subject;	/* any UTF-8 */
	const char *message_id;	/* without the angle brackets */
	int64_t	 date;		/* UTC seconds */
	const char *const *headers;	/* more "Name: value" lines, NULL-terminated */
	const struct mime_part *parts;	/* multipart/alternative when more than one */
	size_t	 nparts;
};

/*
 * The message as CR LF text, allocated. Header text that is not ASCII is
 * sent as RFC 2047 encoded words; a part is 7bit when it is ASCII with
 * short lines, else base64.
 */
char	*mime_build(const struct mime_message *, size_t *len);

/* "Mon, 02 Nov 2026 09:00:00 +0000", allocated. */
char	*mime_date(int64_t);


#endif
