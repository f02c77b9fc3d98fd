/* vtimezone: a zone's VTIMEZONE from its TZif data and rules (libical) */
#ifndef OFFPEAK_VTIMEZONE_H
#define OFFPEAK_VTIMEZONE_H

#include <libical/ical.h>
#include <stdint.h>

struct tz;

/*
 * A VTIMEZONE for the zone (named tzid) covering [from, to): the zone's
 * current rules as open-ended RRULEs, explicit observances where the
 * rules changed inside the span. The caller frees the component.
 */
icalcomponent *vtimezone_component(const struct tz *, const char *tzid,
	     int64_t from, int64_t to);
/* The same as text for the IANA zone tzid (allocated), or NULL with *cause. */
char	*vtimezone_text(const char *tzid, int64_t from, int64_t to,
	     char **cause);

#endif
