/* datetime: ISO 8601 date-times, local date-times, durations, zone names */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datetime.h"
#include "util.h"

int
days_in_month(int y, int m)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return mdays[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t
civil_to_utc(const struct civil *c)
{
	return days_from_civil(c->year, c->month, c->day) * 86400 +
	    c->hour * 3600 + c->minute * 60 + c->second;
}

void
utc_to_civil(int64_t t, struct civil *c)
{
	int64_t	 z, era, doe, yoe, y, doy, mp, secs;

	z = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	secs = t - z * 86400;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	c->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	c->month = (int)(mp < 10 ? mp + 3 : mp - 9);
	c->year = (int)(y + (c->month <= 2));
	c->hour = (int)(secs / 3600);
	c->minute = (int)(secs / 60 % 60);
	c->second = (int)(secs % 60);
}

/* Read exactly n digits. */
static int
digits(const char **sp, int n, int *out)
{
	const char *s = *sp;
	int	 v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*sp = s + n;
	*out = v;
	return 0;
}

/* Parse "YYYY-MM-DDTHH:MM[:SS]" and leave *sp after it. */
static int
parse_civil_prefix(const char **sp, struct civil *c)
{
	const char *s = *sp;

	memset(c, 0, sizeof *c);
	if (digits(&s, 4, &c->year) || *s++ != '-' ||
	    digits(&s, 2, &c->month) || *s++ != '-' ||
	    digits(&s, 2, &c->day) || (*s != 'T' && *s != 't') ||
	    (s++, digits(&s, 2, &c->hour)) || *s++ != ':' ||
	    digits(&s, 2, &c->minute))
		return -1;
	if (*s == ':') {
		s++;
		if (digits(&s, 2, &c->second))
			return -1;
	}
	*sp = s;
	return 0;
}

static const char *
civil_range_error(const struct civil *c)
{
	if (c->year < 1970 || c->year > 9999)
		return "year out of range";
	if (c->month < 1 || c->month > 12)
		return "month out of range";
	if (c->day < 1 || c->day > days_in_month(c->year, c->month))
		return "day out of range";
	if (c->hour > 23)
		return "hour out of range";
	if (c->minute > 59)
		return "minute out of range";
	if (c->second > 59)
		return "second out of range";
	return NULL;
}

/* "'<str>'<rest>": the input quoted and cut short, for a message. */
static char *
about(const char *str, const char *fmt, ...)
{
	va_list	 ap;
	char	*q = str_quote(str, 64), *rest, *s;

	va_start(ap, fmt);
	rest = xvasprintf(fmt, ap);
	va_end(ap);
	s = xasprintf("'%s'%s", q, rest);
	free(q);
	free(rest);
	return s;
}

int
dt_parse_civil(const char *str, struct civil *c, char **cause)
{
	const char *s = str, *why;

	if (parse_civil_prefix(&s, c) != 0 || *s != '\0') {
		*cause = about(str, " is not a local date-time "
		    "(YYYY-MM-DDTHH:MM:SS, no offset)");
		return -1;
	}
	if ((why = civil_range_error(c)) != NULL) {
		*cause = about(str, ": %s", why);
		return -1;
	}
	return 0;
}

int
dt_parse_instant(const char *str, int64_t *t, int *offset, char **cause)
{
	const char *s = str, *why;
	struct civil c;
	int	 off = 0, oh, om, sign;

	if (parse_civil_prefix(&s, &c) != 0)
		goto bad;
	if (*s == 'Z' || *s == 'z')
		s++;
	else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (digits(&s, 2, &oh) || *s++ != ':' || digits(&s, 2, &om) ||
		    oh > 23 || om > 59)
			goto bad;
		off = sign * (oh * 3600 + om * 60);
	} else
		goto bad;
	if (*s != '\0')
		goto bad;
	if ((why = civil_range_error(&c)) != NULL) {
		*cause = about(str, ": %s", why);
		return -1;
	}
	*t = civil_to_utc(&c) - off;
	if (offset != NULL)
		*offset = off;
	return 0;
bad:
	*cause = about(str, " is not a date-time with an offset "
	    "(like 2026-12-01T00:00:00+08:00 or 2026-12-01T00:00:00Z)");
	return -1;
}

int
dur_parse(const char *str, int64_t *out, int allow_negative, char **cause)
{
	const char *s = str;
	int64_t	 total = 0, v;
	int	 neg = 0, in_time = 0, any = 0, last = 0, rank;
	const char *order = "WDHMS";

	if (*s == '-' || *s == '+') {
		neg = *s == '-';
		if (neg && !allow_negative) {
			*cause = about(str, ": duration must not be negative");
			return -1;
		}
		s++;
	}
	if (*s++ != 'P')
		goto bad;
	while (*s != '\0') {
		if (*s == 'T') {
			if (in_time || s[1] == '\0')
				goto bad;
			in_time = 1;
			s++;
			continue;
		}
		if (*s < '0' || *s > '9')
			goto bad;
		for (v = 0; *s >= '0' && *s <= '9'; s++) {
			if (v > 100000000)
				goto bad;
			v = v * 10 + (*s - '0');
		}
		if ((!in_time && (*s == 'Y' || *s == 'M'))) {
			*cause = about(str, ": years and months are not "
			    "supported in durations; use days or weeks");
			return -1;
		}
		if (*s == '\0' || strchr(order, *s) == NULL)
			goto bad;
		rank = (int)(strchr(order, *s) - order) + 1;
		if (rank <= last || (in_time != (rank >= 3)))
			goto bad;
		last = rank;
		switch (*s) {
		case 'W': total += v * 7 * 86400; break;
		case 'D': total += v * 86400; break;
		case 'H': total += v * 3600; break;
		case 'M': total += v * 60; break;
		case 'S': total += v; break;
		}
		any = 1;
		s++;
	}
	if (!any)
		goto bad;
	*out = neg ? -total : total;
	return 0;
bad:
	*cause = about(str, " is not an ISO 8601 duration "
	    "(like PT45M, P3D or P1DT12H)");
	return -1;
}

/* A duration's sign into b, and its days, hours, minutes and seconds. */
static void
dur_split(int64_t secs, struct buf *b, int64_t part[4])
{
	if (secs < 0) {
		buf_addc(b, '-');
		secs = -secs;
	}
	part[0] = secs / 86400;
	part[1] = secs / 3600 % 24;
	part[2] = secs / 60 % 60;
	part[3] = secs % 60;
}

char *
dur_human(int64_t secs)
{
	static const char *unit[4] = { " day", " h", " min", " s" };
	struct buf b = BUF_INIT;
	int64_t	 part[4];
	int	 i;

	dur_split(secs, &b, part);
	for (i = 0; i < 4; i++) {
		if (part[i] != 0 || (i == 3 && secs == 0))
			buf_addf(&b, "%s%lld%s%s", b.len > 1 ? " " : "",
			    (long long)part[i], unit[i],
			    i == 0 && part[i] != 1 ? "s" : "");
	}
	return buf_detach(&b, NULL);
}

char *
dur_iso(int64_t secs)
{
	struct buf b = BUF_INIT;
	int64_t	 part[4];

	dur_split(secs, &b, part);
	buf_addc(&b, 'P');
	if (part[0])
		buf_addf(&b, "%lldD", (long long)part[0]);
	if (part[1] || part[2] || part[3] || secs == 0) {
		buf_addc(&b, 'T');
		if (part[1])
			buf_addf(&b, "%lldH", (long long)part[1]);
		if (part[2])
			buf_addf(&b, "%lldM", (long long)part[2]);
		if (part[3] || secs == 0)
			buf_addf(&b, "%lldS", (long long)part[3]);
	}
	return buf_detach(&b, NULL);
}

char *
dt_format_offset(int64_t t, int offset)
{
	struct civil c;
	int	 a = offset < 0 ? -offset : offset;

	utc_to_civil(t + offset, &c);
	if (offset == 0)
		return xasprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", c.year,
		    c.month, c.day, c.hour, c.minute, c.second);
	return xasprintf("%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", c.year,
	    c.month, c.day, c.hour, c.minute, c.second,
	    offset < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}

char *
dt_format_utc(int64_t t)
{
	return dt_format_offset(t, 0);
}

const char *
tz_dir(void)
{
	const char *d = getenv("TZDIR");

	return d != NULL && *d != '\0' ? d : "/usr/share/zoneinfo";
}

int
tz_exists(const char *name)
{
	char	*path, magic[4];
	struct stat st;
	int	 fd, ok = 0;
	const char *p;

	if (*name == '\0' || *name == '/' || strlen(name) > 128)
		return 0;
	for (p = name; *p != '\0'; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("/_+-", *p) != NULL))
			return 0;
		if (*p == '/' && (p[1] == '/' || p[1] == '\0'))
			return 0;
	}
	path = xasprintf("%s/%s", tz_dir(), name);
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (fd = open(path, O_RDONLY)) != -1) {
		ok = read(fd, magic, 4) == 4 && memcmp(magic, "TZif", 4) == 0;
		close(fd);
	}
	free(path);
	return ok;
}

int64_t
dt_year_start(int year)
{
	struct civil c = { year, 1, 1, 0, 0, 0 };

	return civil_to_utc(&c);
}

int
dt_year_of(int64_t t)
{
	struct civil c;

	utc_to_civil(t, &c);
	return c.year;
}
