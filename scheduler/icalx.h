/* icalx: the one adaptor between offpeak's times and libical's */
#ifndef OFFPEAK_ICALX_H
#define OFFPEAK_ICALX_H

#include <libical/ical.h>
#include <stdint.h>

struct civil;

/* A floating date-time (no zone) of a civil time. */
struct icaltimetype icalx_floating(const struct civil *);
/* A UTC date-time ("Z") of an instant. */
struct icaltimetype icalx_utc(int64_t);
/* A date-time's fields as "wall" seconds (civil time read as if UTC). */
int64_t	 icalx_wall(struct icaltimetype);
/*
 * The length of local time after which the rule repeats itself exactly,
 * or 0 when there is none worth using (COUNT must count from DTSTART; month
 * and year parts make the pattern follow the calendar).
 */
int64_t	 icalx_rule_period(const struct icalrecurrencetype *);
/* A component as text (allocated); the component is freed. */
char	*icalx_text(icalcomponent *);

#endif
