/* datetime: ISO 8601 date-times, local date-times, durations, zone names */
#ifndef OFFPEAK_DATETIME_H
#define OFFPEAK_DATETIME_H

#include <stdint.h>

/* A civil (wall-clock) date-time with no zone. */
struct civil {
	int	 year, month, day;
	int	 hour, minute, second;
};

/*
 * Parse an RFC 3339 date-time with "Z" or an offset ("2026-12-01T00:00:00+08:00";
 * seconds may be omitted) into seconds since the epoch; *offset gets the
 * offset in seconds when not NULL. Returns 0, or -1 with *cause set.
 */
int	 dt_parse_instant(const char *, int64_t *, int *offset, char **cause);
/* Parse a local date-time without offset ("2026-01-05T01:00:00"). */
int	 dt_parse_civil(const char *, struct civil *, char **cause);
/*
 * Parse an ISO 8601 duration (PnW, PnDTnHnMnS) into seconds; a leading '-'
 * is accepted only if allow_negative. Days are 24 hours. Returns 0 or -1.
 */
int	 dur_parse(const char *, int64_t *, int allow_negative, char **cause);
/* "45 min", "3 days", "1 day 2 h" for people. */
char	*dur_human(int64_t);
/* Canonical ISO 8601 form of a duration ("PT45M", "P3D"). */
char	*dur_iso(int64_t);

/* Seconds since the epoch of a civil time taken as UTC. */
int64_t	 civil_to_utc(const struct civil *);
/* The civil UTC time of seconds since the epoch. */
void	 utc_to_civil(int64_t, struct civil *);
/* Number of days in a month of a year. */
int	 days_in_month(int year, int month);

/* RFC 3339 in UTC: "2027-01-11T17:00:00Z". */
char	*dt_format_utc(int64_t);
/* RFC 3339 with a fixed offset in seconds: "2027-01-12T01:00:00+08:00". */
char	*dt_format_offset(int64_t, int offset);

/*
 * Is name an IANA zone present in the system zoneinfo ($TZDIR or
 * /usr/share/zoneinfo)? Relative names only, no "..", the file a TZif file.
 */
int	 tz_exists(const char *);
/* The zoneinfo directory in use. */
const char *tz_dir(void);
/* 1 January of a year, 00:00 UTC; the (UTC) year of an instant. */
int64_t	 dt_year_start(int year);
int	 dt_year_of(int64_t);

#endif
