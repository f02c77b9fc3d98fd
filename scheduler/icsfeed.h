/* icsfeed: iCalendar feeds read into time intervals (libical) */
#ifndef OFFPEAK_ICSFEED_H
#define OFFPEAK_ICSFEED_H

#include <stddef.h>
#include <stdint.h>

struct interval;

/*
 * The events of an iCalendar text that overlap [from, to), ordered by
 * start, into *out (the caller frees it) and *n; not merged. Every VEVENT
 * but a STATUS:CANCELLED one counts. DTSTART and DTEND are read in UTC
 * ("Z"), in their TZID (an IANA name, also behind a prefix such as
 * "/freeassociation.sourceforge.net/", else the text's VTIMEZONE of that
 * name), or, floating or a date, in zone (NULL: UTC). A date DTSTART
 * without DTEND or DURATION is that whole local day; DURATION days are
 * nominal. RRULEs are expanded in local time like window_expand (window.h); EXDATE,
 * RDATE (dates, date-times, periods) and instances replaced by a
 * RECURRENCE-ID event are honoured. Lines that are not content lines (a
 * quoted-printable soft line break a mail client left) and properties
 * libical cannot read other than the times, the recurrence and STATUS
 * (a mangled DESCRIPTION) are left out, each said in a line appended to
 * *warnings (a NULL-terminated vector; warnings may be NULL). Returns 0, or
 * -1 with *cause for a text that is not iCalendar or an event whose times
 * or recurrence cannot be read. The work is bounded: one event's rule at
 * most 500000 steps, all rules of a text 2000000, 200000 intervals.
 */
int	 icsfeed_events(const char *ics, size_t len, const char *zone,
	     int64_t from, int64_t to, struct interval **out, size_t *n,
	     char ***warnings, char **cause);

#endif
