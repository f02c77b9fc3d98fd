/* jsonx: small JSON helpers shared by the modules that keep JSON files */
#ifndef OFFPEAK_JSONX_H
#define OFFPEAK_JSONX_H

#include <jansson.h>
#include <stdint.h>

/* A JSON string of an allocated C string, which is freed. */
json_t	*jsonx_take(char *);
/* An instant as an RFC 3339 UTC string ("2027-01-11T17:00:00Z"). */
json_t	*jsonx_time(int64_t);
/* A duration as an ISO 8601 string ("PT45M"). */
json_t	*jsonx_duration(int64_t);
/*
 * Read the instant member key of o into *out: 0 when it was read or is
 * absent (*out untouched), -1 when it is not an RFC 3339 date-time.
 */
int	 jsonx_get_time(json_t *o, const char *key, int64_t *out);

#endif
