/* window: off-peak windows and freezes as time intervals (libical) */
#ifndef OFFPEAK_WINDOW_H
#define OFFPEAK_WINDOW_H

/* Does libical accept this RRULE value (without "RRULE:")? 0, or -1 with *cause. */
int	 window_rrule_check(const char *rrule, char **cause);

#endif
