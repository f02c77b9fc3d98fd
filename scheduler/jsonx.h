/* jsonx: small JSON helpers shared by the modules that keep JSON files */
#ifndef OFFPEAK_JSONX_H
#define OFFPEAK_JSONX_H

#include <jansson.h>
#include <stdint.h>

#include "util.h"

/* A JSON string of an allocated C string, which is freed. */
json_t	*jsonx_take(char *);
/* An instant as an RFC 3339 UTC string ("2027-01-11T17:00:00Z"). */
json_t	*jsonx_time(int64_t);
/* A JSON array of the strings of a NULL-terminated vector (NULL: empty). */
json_t	*jsonx_strv(char *const *);
/*
 * Read the instant member key of o into *out: 0 when it was read or is
 * absent (*out untouched), -1 when it is not an RFC 3339 date-time.
 */
int	 jsonx_get_time(json_t *o, const char *key, int64_t *out);
/*
 * A parse error of jansson's for a message: "line L column C: what", the
 * text jansson quotes from the input made fit for one line (allocated).
 */
char	*jsonx_error(const json_error_t *);

/*
 * A small streaming writer of indented JSON, for files written by the
 * thousand where building jansson values first costs too much. Any depth;
 * strings are escaped as JSON wants, bytes that are not UTF-8 written as
 * U+FFFD, so the text always parses.
 */
struct jw {
	struct buf b;
	size_t	 level;
	size_t	*count;		/* members written at each open level */
	size_t	 alloc;
};

void	 jw_init(struct jw *);
/*
 * The text (allocated, newline-terminated) once every open object and
 * array is closed; the writer is released.
 */
char	*jw_detach(struct jw *);
/* Open an object ('{') or array ('['); key NULL inside arrays or at the top. */
void	 jw_open(struct jw *, const char *key, char kind);
void	 jw_close(struct jw *, char kind);
void	 jw_str(struct jw *, const char *key, const char *);
void	 jw_int(struct jw *, const char *key, long long);
void	 jw_bool(struct jw *, const char *key, int);

#endif
