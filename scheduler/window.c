/* window: off-peak windows and freezes as time intervals (libical) */
#include <libical/ical.h>
#include <string.h>

#include "util.h"
#include "window.h"

int
window_rrule_check(const char *rrule, char **cause)
{
	struct icalrecurrencetype r;

	if (strncmp(rrule, "RRULE:", 6) == 0) {
		*cause = xasprintf("'%s': give the rule without 'RRULE:'", rrule);
		return -1;
	}
	icalerror_clear_errno();
	r = icalrecurrencetype_from_string(rrule);
	if (r.freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR) {
		*cause = xasprintf("'%s' is not a valid RRULE (RFC 5545): %s",
		    rrule, icalerror_strerror(icalerrno != ICAL_NO_ERROR ?
		    icalerrno : ICAL_MALFORMEDDATA_ERROR));
		icalerror_clear_errno();
		return -1;
	}
	if (r.freq == ICAL_SECONDLY_RECURRENCE ||
	    r.freq == ICAL_MINUTELY_RECURRENCE) {
		*cause = xasprintf("'%s': windows recur at most hourly", rrule);
		return -1;
	}
	return 0;
}
