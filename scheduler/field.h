/* field: typed reading of JSON documents with precise problem reports */
#ifndef OFFPEAK_FIELD_H
#define OFFPEAK_FIELD_H

#include <jansson.h>
#include <stdint.h>

#include "datetime.h"
#include "diag.h"
#include "jsonloc.h"

#define JDOC_MAXDEPTH 16

/*
 * A document being read: its text (for line and column of problems), where
 * problems go, and the path to the value being read.
 */
struct jdoc {
	const char *file;
	const char *text;
	size_t	 len;
	struct diags *diags;
	struct jseg path[JDOC_MAXDEPTH];
	size_t	 depth;
	int	 errors;	/* problems reported through this document */
};

/* String kinds for jd_string(). */
enum jd_kind {
	JD_LINE,	/* one line of text: no control characters, not empty */
	JD_TEXT,	/* text: newlines and tabs allowed */
	JD_NAME,	/* an id or name: ^[a-z0-9][a-z0-9._-]{0,63}$ */
	JD_URL,		/* an http:// or https:// URL */
	JD_EMAIL,	/* local@domain, no spaces */
	JD_ANY		/* any string without control characters */
};

void	 jdoc_init(struct jdoc *, const char *file, const char *text,
	     size_t len, struct diags *);
/*
 * Parse text into a JSON object; on a syntax error, invalid UTF-8 or a
 * non-object report the problem and return NULL.
 */
json_t	*jdoc_parse(struct jdoc *);
void	 jdoc_push_key(struct jdoc *, const char *);
void	 jdoc_push_index(struct jdoc *, size_t);
void	 jdoc_pop(struct jdoc *);
/* Report a problem at the current path (at its member name if at_key). */
void	 jdoc_error(struct jdoc *, int at_key, const char *fmt, ...)
	     __attribute__((format(printf, 3, 4)));
/* The current path for messages: "steps[0].run". */
char	*jdoc_path(const struct jdoc *);
/* A path for messages: "steps[0].run[0]". */
char	*jseg_format(const struct jseg *, size_t);

/* Report every member of obj not in the NULL-terminated list known. */
void	 jd_known(struct jdoc *, json_t *obj, const char *const *known);
/*
 * Member key of obj if present: NULL when absent (reported if required) or
 * of the wrong JSON type (reported; type is a json_type, or -1 for any).
 */
json_t	*jd_get(struct jdoc *, json_t *obj, const char *key, int type,
	     int required);
/* A string member checked as kind; NULL when absent or bad (reported). */
const char *jd_string(struct jdoc *, json_t *obj, const char *key,
	     enum jd_kind, size_t maxlen, int required);
/* Check a string value at the current path as kind; 0 or -1 (reported). */
int	 jd_check_string(struct jdoc *, const char *, enum jd_kind, size_t maxlen);
/* One of the NULL-terminated values; its index, or -1 (reported or absent). */
int	 jd_enum(struct jdoc *, json_t *obj, const char *key,
	     const char *const *values, int required);
/* Integer within [min, max]; 0 when read, -1 when absent or bad. */
int	 jd_int(struct jdoc *, json_t *obj, const char *key, long long min,
	     long long max, int required, long long *out);
/* Boolean; 0 when read, -1 when absent or bad. */
int	 jd_bool(struct jdoc *, json_t *obj, const char *key, int required,
	     int *out);
/* ISO 8601 duration, > 0 unless allow_zero; 0 when read, -1 otherwise. */
int	 jd_duration(struct jdoc *, json_t *obj, const char *key, int allow_zero,
	     int required, int64_t *out);
/* RFC 3339 date-time with offset; 0 when read, -1 otherwise. */
int	 jd_instant(struct jdoc *, json_t *obj, const char *key, int required,
	     int64_t *out);
/* Local date-time without offset; 0 when read, -1 otherwise. */
int	 jd_civil(struct jdoc *, json_t *obj, const char *key, int required,
	     struct civil *out);
/*
 * Array of strings of a kind, with no repeats when unique; returns the
 * count (allocated copies in *out, NULL-terminated), or -1 when absent or
 * not an array. Bad elements are reported and left out.
 */
int	 jd_strings(struct jdoc *, json_t *obj, const char *key, enum jd_kind,
	     int unique, int min, int required, char ***out);

#endif
