/* icalx: the one adaptor between offpeak's times and libical's */
#include <libical/ical.h>
#include <stdint.h>

#include "datetime.h"
#include "icalx.h"
#include "util.h"

#define DAY	INT64_C(86400)

struct icaltimetype
icalx_floating(const struct civil *c)
{
	struct icaltimetype t = icaltime_null_time();

	t.year = c->year;
	t.month = c->month;
	t.day = c->day;
	t.hour = c->hour;
	t.minute = c->minute;
	t.second = c->second;
	t.is_date = 0;
	t.zone = NULL;
	return t;
}

int64_t
icalx_wall(struct icaltimetype t)
{
	struct civil c = { t.year, t.month, t.day, t.hour, t.minute, t.second };

	return civil_to_utc(&c);
}

static int
has_by(const short *by)
{
	return by[0] != ICAL_RECURRENCE_ARRAY_MAX;
}

static int64_t
lcm(int64_t a, int64_t b)
{
	int64_t	 x = a, y = b, t;

	while (y != 0) {
		t = x % y;
		x = y;
		y = t;
	}
	return a / x * b;
}

/*
 * The length of local time after which the rule repeats itself exactly,
 * or 0 when there is none worth using (COUNT must count from DTSTART; month
 * and year parts make the pattern follow the calendar).
 */
int64_t
icalx_rule_period(const struct icalrecurrencetype *r)
{
	int64_t	 n = r->interval > 0 ? r->interval : 1;

	if (r->count > 0 || r->rscale != NULL || has_by(r->by_month) ||
	    has_by(r->by_month_day) || has_by(r->by_year_day) ||
	    has_by(r->by_week_no))
		return 0;
	switch (r->freq) {
	case ICAL_MINUTELY_RECURRENCE:
	case ICAL_SECONDLY_RECURRENCE:
		/* only plain ones: parts would make the pattern longer */
		if (has_by(r->by_day) || has_by(r->by_hour) ||
		    has_by(r->by_minute) || has_by(r->by_second) ||
		    has_by(r->by_set_pos))
			return 0;
		return r->freq == ICAL_MINUTELY_RECURRENCE ? n * 60 : n;
	case ICAL_WEEKLY_RECURRENCE:
		return n * 7 * DAY;
	case ICAL_DAILY_RECURRENCE:
		return lcm(n, has_by(r->by_day) ? 7 : 1) * DAY;
	case ICAL_HOURLY_RECURRENCE:
		if (has_by(r->by_day))
			return lcm(n, 7 * 24) * 3600;
		return lcm(n, has_by(r->by_hour) ? 24 : 1) * 3600;
	default:
		return 0;
	}
}

/* Made by hand: libical's conversions take a lock, and this runs in threads. */
struct icaltimetype
icalx_utc(int64_t t)
{
	struct icaltimetype tt;
	struct civil c;

	utc_to_civil(t, &c);
	tt = icalx_floating(&c);
	tt.zone = icaltimezone_get_utc_timezone();
	return tt;
}

/* Serialise a component and free it. */
char *
icalx_text(icalcomponent *c)
{
	char	*s = icalcomponent_as_ical_string_r(c), *out;

	out = xstrdup(s);
	icalmemory_free_buffer(s);
	icalcomponent_free(c);
	return out;
}
