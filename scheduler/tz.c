/* tz: time zones read from the system zoneinfo (TZif files, RFC 8536) */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datetime.h"
#include "digest.h"
#include "tz.h"
#include "util.h"

#define TZ_FILE_MAX	(4 * 1024 * 1024)
#define TZ_ABBR_MAX	32
/* Instants beyond about 300,000 years are clamped: no calendar goes there. */
#define TZ_T_LIMIT	INT64_C(10000000000000)

struct tz_type {
	int32_t	 off;
	int	 isdst;
	char	 abbr[TZ_ABBR_MAX];
};

struct tz {
	char	*name;
	char	*key;		/* the file it came from: the cache key */
	size_t	 ntrans;
	int64_t	*trans;		/* transition instants, ascending */
	int64_t	*wall;		/* local time from which fold=0 reads the new type */
	uint16_t *idx;		/* local time type after each transition */
	size_t	 ntypes;
	struct tz_type *types;	/* types[0] applies before the first transition */
	char	*rule_text;	/* the TZ string footer, or NULL */
	unsigned char digest[SHA256_LEN];	/* of the file, or of the TZ string */
	int	 has_rule, has_dst;
	int	 std_type, dst_type;
	struct tz_rule start, end;
	struct tz *next;
};

/* A transition made by the TZ string rule. */
struct rtrans {
	int64_t	 at;
	int	 type;
};

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tz *tz_cache;

static int64_t
clamp_t(int64_t t)
{
	if (t > TZ_T_LIMIT)
		return TZ_T_LIMIT;
	if (t < -TZ_T_LIMIT)
		return -TZ_T_LIMIT;
	return t;
}

static int64_t
year_of(int64_t t)
{
	struct civil c;

	utc_to_civil(clamp_t(t), &c);
	return c.year;
}

int64_t
tz_rule_wall(const struct tz_rule *r, int64_t year)
{
	struct civil c = { (int)year, 1, 1, 0, 0, 0 };
	int64_t	 days, wd;
	int	 leap = days_in_month((int)year, 2) == 29, day;

	switch (r->kind) {
	case TZ_RULE_JULIAN:
		/* Jn counts 1..365 and never counts February 29. */
		days = civil_to_utc(&c) / 86400 + r->n - 1 +
		    (leap && r->n >= 60);
		break;
	case TZ_RULE_ZERO:
		days = civil_to_utc(&c) / 86400 + r->n;
		break;
	default:
		c.month = r->month;
		days = civil_to_utc(&c) / 86400;
		wd = ((days + 4) % 7 + 7) % 7;	/* 1970-01-01 was a Thursday */
		day = 1 + (int)((r->wday - wd + 7) % 7) + 7 * (r->week - 1);
		while (day > days_in_month((int)year, r->month))
			day -= 7;
		days += day - 1;
		break;
	}
	return days * 86400 + r->time;
}

/*
 * The rule's transitions in years y-1 .. y+2, ascending and stable: with DST
 * all year ("0/0,J365/25") a year's end coincides with the next year's
 * start, which comes after it and so wins.
 */
static void
rule_around(const struct tz *z, int64_t y, struct rtrans r[8])
{
	struct rtrans s, e, tmp;
	int	 i, j, n = 0;
	int64_t	 k;

	for (k = y - 1; k <= y + 2; k++) {
		s.at = tz_rule_wall(&z->start, k) - z->types[z->std_type].off;
		s.type = z->dst_type;
		e.at = tz_rule_wall(&z->end, k) - z->types[z->dst_type].off;
		e.type = z->std_type;
		r[n++] = s;
		r[n++] = e;
	}
	for (i = 1; i < n; i++) {
		for (j = i; j > 0 && r[j - 1].at > r[j].at; j--) {
			tmp = r[j];
			r[j] = r[j - 1];
			r[j - 1] = tmp;
		}
	}
}

static int
type_off(const struct tz *z, int type)
{
	return z->types[type].off;
}

/*
 * The type the rule gives at t, counting only rule transitions after the
 * last explicit one. With local, t is local time and a transition counts
 * from its fold=0 threshold: the instant plus the larger of both offsets.
 */
static int
rule_type(const struct tz *z, int64_t t, int local)
{
	struct rtrans r[8];
	int64_t	 after = INT64_MIN, shift = 0;
	int	 type = z->std_type, i;

	if (!z->has_dst)
		return z->std_type;
	if (z->ntrans > 0) {
		after = z->trans[z->ntrans - 1];
		type = z->idx[z->ntrans - 1];
	}
	if (local) {
		shift = type_off(z, z->std_type);
		if (type_off(z, z->dst_type) > shift)
			shift = type_off(z, z->dst_type);
	}
	t = clamp_t(t);
	rule_around(z, year_of(t), r);
	for (i = 0; i < 8; i++) {
		if (r[i].at + shift > t)
			break;
		if (r[i].at > after)
			type = r[i].type;
	}
	return type;
}

/* The last index i with v[i] <= t, or -1. */
static ssize_t
last_at_or_before(const int64_t *v, size_t n, int64_t t)
{
	size_t	 lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (ssize_t)lo - 1;
}

/* The local time type at an instant (or, with local, at a local time). */
static int
type_at(const struct tz *z, int64_t t, int local)
{
	ssize_t	 i;

	if (z->ntrans == 0)
		return z->has_rule ? rule_type(z, t, local) : 0;
	i = last_at_or_before(local ? z->wall : z->trans, z->ntrans, t);
	if (i < 0)
		return 0;
	if ((size_t)i == z->ntrans - 1 && z->has_rule)
		return rule_type(z, t, local);
	return z->idx[i];
}

/* The first transition instant after t, explicit or from the rule. */
static int
next_after(const struct tz *z, int64_t t, int64_t *at)
{
	struct rtrans r[8];
	ssize_t	 i;
	int	 k;

	i = last_at_or_before(z->trans, z->ntrans, t);
	if ((size_t)(i + 1) < z->ntrans) {
		*at = z->trans[i + 1];
		return 1;
	}
	if (!z->has_rule || !z->has_dst || t >= TZ_T_LIMIT)
		return 0;
	t = clamp_t(t);
	rule_around(z, year_of(t), r);
	for (k = 0; k < 8; k++) {
		if (r[k].at > t) {
			*at = r[k].at;
			return 1;
		}
	}
	return 0;
}

/* Read digits as a number no larger than max. */
static int
read_num(const char **sp, int max, int *out)
{
	const char *s = *sp;
	int	 v = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (*s++ - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	*sp = s;
	return 0;
}

/* An abbreviation: 3 or more letters, or <...> with letters, digits, +, -. */
static int
parse_abbr(const char **sp, char *out)
{
	const char *s = *sp, *e;
	size_t	 len;

	if (*s == '<') {
		for (e = ++s; *e != '>'; e++) {
			if (!isalnum((unsigned char)*e) && *e != '+' &&
			    *e != '-')
				return -1;
		}
		*sp = e + 1;
	} else {
		for (e = s; isalpha((unsigned char)*e); e++)
			;
		*sp = e;
	}
	len = e - s;
	if (len < 3 || len >= TZ_ABBR_MAX)
		return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

/* [+-]hh[:mm[:ss]] with hh at most maxh, in seconds. */
static int
parse_hms(const char **sp, int maxh, int32_t *out)
{
	const char *s = *sp;
	int	 sign = 1, h, m = 0, sec = 0;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	if (read_num(&s, maxh, &h) != 0)
		return -1;
	if (*s == ':') {
		s++;
		if (read_num(&s, 59, &m) != 0)
			return -1;
		if (*s == ':') {
			s++;
			if (read_num(&s, 59, &sec) != 0)
				return -1;
		}
	}
	*out = sign * (h * 3600 + m * 60 + sec);
	*sp = s;
	return 0;
}

/* Jn, n or Mm.w.d, then an optional /time (RFC 8536 allows -167..167 h). */
static int
parse_day(const char **sp, struct tz_rule *r)
{
	const char *s = *sp;

	memset(r, 0, sizeof *r);
	if (*s == 'J') {
		s++;
		r->kind = TZ_RULE_JULIAN;
		if (read_num(&s, 365, &r->n) != 0 || r->n < 1)
			return -1;
	} else if (*s == 'M') {
		s++;
		r->kind = TZ_RULE_MONTH;
		if (read_num(&s, 12, &r->month) != 0 || r->month < 1 || *s++ != '.' ||
		    read_num(&s, 5, &r->week) != 0 || r->week < 1 || *s++ != '.' ||
		    read_num(&s, 6, &r->wday) != 0)
			return -1;
	} else {
		r->kind = TZ_RULE_ZERO;
		if (read_num(&s, 365, &r->n) != 0)
			return -1;
	}
	r->time = 7200;
	if (*s == '/') {
		s++;
		if (parse_hms(&s, 167, &r->time) != 0)
			return -1;
	}
	*sp = s;
	return 0;
}

static int
add_type(struct tz *z, const struct tz_type *t)
{
	z->types = xreallocarray(z->types, z->ntypes + 1, sizeof *z->types);
	z->types[z->ntypes] = *t;
	return (int)z->ntypes++;
}

/* Parse a POSIX TZ string into the zone's rule, adding its types. */
static int
parse_posix(struct tz *z, const char *spec)
{
	struct tz_type std, dst;
	const char *s = spec;
	int32_t	 off;

	memset(&std, 0, sizeof std);
	memset(&dst, 0, sizeof dst);
	if (parse_abbr(&s, std.abbr) != 0 || parse_hms(&s, 24, &off) != 0)
		return -1;
	std.off = -off;	/* POSIX counts west of UTC */
	if (*s != '\0') {
		if (parse_abbr(&s, dst.abbr) != 0)
			return -1;
		dst.isdst = 1;
		dst.off = std.off + 3600;
		if (*s != ',' && *s != '\0') {
			if (parse_hms(&s, 24, &off) != 0)
				return -1;
			dst.off = -off;
		}
		if (*s == '\0') {
			/* No rule given: POSIX leaves it open; use the US one. */
			s = ",M3.2.0,M11.1.0";
		}
		if (*s++ != ',' || parse_day(&s, &z->start) != 0 ||
		    *s++ != ',' || parse_day(&s, &z->end) != 0 || *s != '\0')
			return -1;
		z->has_dst = 1;
	}
	z->has_rule = 1;
	z->rule_text = xstrdup(spec);
	z->std_type = add_type(z, &std);
	if (z->has_dst)
		z->dst_type = add_type(z, &dst);
	return 0;
}

/* Thresholds in local time from which fold=0 reads each transition's type. */
static void
make_wall(struct tz *z)
{
	size_t	 i;
	int	 before = type_off(z, 0), after;

	z->wall = xreallocarray(NULL, z->ntrans + 1, sizeof *z->wall);
	for (i = 0; i < z->ntrans; i++) {
		after = type_off(z, z->idx[i]);
		z->wall[i] = z->trans[i] + (after > before ? after : before);
		if (i > 0 && z->wall[i] < z->wall[i - 1])
			z->wall[i] = z->wall[i - 1];
		before = after;
	}
}

struct tzif_hdr {
	int	 version;
	size_t	 isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* The header at p and the size of the data block after it, or 0. */
static size_t
read_header(const unsigned char *p, size_t len, int timesize,
    struct tzif_hdr *h)
{
	size_t	 size;

	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return 0;
	h->version = p[4];
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	size = h->timecnt * timesize + h->timecnt + h->typecnt * 6 +
	    h->charcnt + h->leapcnt * (timesize + 4) + h->isstdcnt +
	    h->isutcnt;
	return size <= len - 44 ? size + 44 : 0;
}

static int
read_types(struct tz *z, const unsigned char *tt, const struct tzif_hdr *h,
    const char **why)
{
	const char *chars = (const char *)tt + h->typecnt * 6;
	struct tz_type t;
	size_t	 i, ai, len;

	for (i = 0; i < h->typecnt; i++, tt += 6) {
		memset(&t, 0, sizeof t);
		t.off = (int32_t)be32(tt);
		t.isdst = tt[4] != 0;
		ai = tt[5];
		if (t.off == INT32_MIN || t.off < -26 * 3600 ||
		    t.off > 26 * 3600) {
			*why = "offset out of range";
			return -1;
		}
		if (ai >= h->charcnt ||
		    memchr(chars + ai, '\0', h->charcnt - ai) == NULL) {
			*why = "bad abbreviation index";
			return -1;
		}
		len = strlen(chars + ai);
		if (len >= TZ_ABBR_MAX)
			len = TZ_ABBR_MAX - 1;
		memcpy(t.abbr, chars + ai, len);
		add_type(z, &t);
	}
	return 0;
}

/* The data block after a header: transitions and types. */
static int
read_block(struct tz *z, const unsigned char *p, const struct tzif_hdr *h,
    int timesize, const char **why)
{
	const unsigned char *ip = p + h->timecnt * timesize;
	size_t	 i;

	if (h->leapcnt != 0) {
		/*
		 * A "right/" zone counts leap seconds: its transitions are in
		 * TAI-like time, and taking them as POSIX seconds shifts every
		 * window and VTIMEZONE by the leap seconds so far.
		 */
		*why = "it counts leap seconds (a \"right/\" zone); use the "
		    "zone of the same name without \"right/\"";
		return -1;
	}
	if (h->typecnt == 0 || h->typecnt > 256 || h->charcnt == 0 ||
	    (h->isstdcnt != 0 && h->isstdcnt != h->typecnt) ||
	    (h->isutcnt != 0 && h->isutcnt != h->typecnt)) {
		*why = "bad counts in header";
		return -1;
	}
	z->ntrans = h->timecnt;
	z->trans = xreallocarray(NULL, h->timecnt + 1, sizeof *z->trans);
	z->idx = xreallocarray(NULL, h->timecnt + 1, sizeof *z->idx);
	for (i = 0; i < h->timecnt; i++, p += timesize) {
		z->trans[i] = timesize == 8 ? (int64_t)be64(p) :
		    (int64_t)(int32_t)be32(p);
		z->idx[i] = ip[i];
		if ((i > 0 && z->trans[i] <= z->trans[i - 1]) ||
		    ip[i] >= h->typecnt) {
			*why = i > 0 && z->trans[i] <= z->trans[i - 1] ?
			    "transitions out of order" : "bad type index";
			return -1;
		}
	}
	return read_types(z, ip + h->timecnt, h, why);
}

/* Fill a zone from the bytes of a TZif file. */
static int
read_tzif(struct tz *z, const unsigned char *p, size_t len, const char **why)
{
	struct tzif_hdr h, h2;
	size_t	 size, size2;
	const unsigned char *f, *nl;
	char	*footer;
	int	 r;

	*why = "not a TZif file or truncated";
	if ((size = read_header(p, len, 4, &h)) == 0)
		return -1;
	if (h.version == 0)
		return read_block(z, p + 44, &h, 4, why);
	/* Version 2 and later: skip the 32-bit block for the 64-bit one. */
	if ((size2 = read_header(p + size, len - size, 8, &h2)) == 0)
		return -1;
	if (read_block(z, p + size + 44, &h2, 8, why) != 0)
		return -1;
	f = p + size + size2;
	if (f >= p + len || *f != '\n' ||
	    (nl = memchr(f + 1, '\n', p + len - f - 1)) == NULL) {
		*why = "no TZ string footer";
		return -1;
	}
	if (nl == f + 1)
		return 0;
	footer = xstrndup((const char *)f + 1, nl - f - 1);
	r = parse_posix(z, footer);
	free(footer);
	if (r != 0)
		*why = "bad TZ string footer";
	return r;
}

static int
slurp(const char *path, unsigned char **out, size_t *len)
{
	struct stat st;
	ssize_t	 r;
	size_t	 got = 0;
	int	 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return -1;
	if (fstat(fd, &st) != 0 || st.st_size > TZ_FILE_MAX) {
		close(fd);
		errno = EFBIG;
		return -1;
	}
	*out = xmalloc(st.st_size + 1);
	while (got < (size_t)st.st_size) {
		r = read(fd, *out + got, st.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += r;
	}
	close(fd);
	*len = got;
	return 0;
}

void
tz_free(struct tz *z)
{
	if (z == NULL)
		return;
	free(z->name);
	free(z->key);
	free(z->trans);
	free(z->wall);
	free(z->idx);
	free(z->types);
	free(z->rule_text);
	free(z);
}

static struct tz *
tz_load(const char *name, const char *path, char **cause)
{
	struct digest d;
	struct tz *z;
	unsigned char *data;
	size_t	 len;
	const char *why;

	if (slurp(path, &data, &len) != 0) {
		*cause = xasprintf("cannot read time zone file '%s': %s", path,
		    strerror(errno));
		return NULL;
	}
	z = xcalloc(1, sizeof *z);
	z->name = xstrdup(name);
	z->key = xstrdup(path);
	if (read_tzif(z, data, len, &why) != 0) {
		*cause = xasprintf("time zone '%s' cannot be used: %s (%s)", name,
		    why, path);
		free(data);
		tz_free(z);
		return NULL;
	}
	digest_init(&d);
	digest_update(&d, data, len);
	digest_final(&d, z->digest);
	free(data);
	make_wall(z);
	return z;
}

const struct tz *
tz_get(const char *name, char **cause)
{
	struct tz *z;
	char	*path;

	path = xasprintf("%s/%s", tz_dir(), name);
	pthread_mutex_lock(&tz_lock);
	for (z = tz_cache; z != NULL; z = z->next) {
		if (strcmp(z->key, path) == 0)
			break;
	}
	/* only a zone not seen yet costs a look at the file system */
	if (z == NULL && !tz_exists(name))
		*cause = xasprintf("unknown time zone '%s'", name);
	else if (z == NULL && (z = tz_load(name, path, cause)) != NULL) {
		z->next = tz_cache;
		tz_cache = z;
	}
	pthread_mutex_unlock(&tz_lock);
	free(path);
	return z;
}

void
tz_cache_free(void)
{
	struct tz *z, *next;

	pthread_mutex_lock(&tz_lock);
	for (z = tz_cache; z != NULL; z = next) {
		next = z->next;
		tz_free(z);
	}
	tz_cache = NULL;
	pthread_mutex_unlock(&tz_lock);
}

struct tz *
tz_posix_new(const char *spec, char **cause)
{
	struct tz *z = xcalloc(1, sizeof *z);
	struct digest d;

	z->name = xstrdup(spec);
	if (parse_posix(z, spec) != 0) {
		*cause = xasprintf("'%s' is not a POSIX TZ string", spec);
		tz_free(z);
		return NULL;
	}
	digest_init(&d);
	digest_update(&d, spec, strlen(spec));
	digest_final(&d, z->digest);
	make_wall(z);
	return z;
}

const char *
tz_name(const struct tz *z)
{
	return z->name;
}

const unsigned char *
tz_digest(const struct tz *z)
{
	return z->digest;
}

const char *
tz_posix_rule(const struct tz *z)
{
	return z->rule_text;
}

int
tz_offset_at(const struct tz *z, int64_t utc)
{
	return type_off(z, type_at(z, utc, 0));
}

const char *
tz_abbr_at(const struct tz *z, int64_t utc)
{
	return z->types[type_at(z, utc, 0)].abbr;
}

int
tz_is_dst_at(const struct tz *z, int64_t utc)
{
	return z->types[type_at(z, utc, 0)].isdst;
}

void
tz_utc_to_local(const struct tz *z, int64_t utc, struct civil *c,
    int *offset)
{
	int	 off = tz_offset_at(z, utc);

	utc_to_civil(utc + off, c);
	if (offset != NULL)
		*offset = off;
}

int64_t
tz_wall_to_utc(const struct tz *z, int64_t wall)
{
	return wall - type_off(z, type_at(z, wall, 1));
}

int64_t
tz_local_to_utc(const struct tz *z, const struct civil *c)
{
	return tz_wall_to_utc(z, civil_to_utc(c));
}

void
tz_iter_init(struct tz_iter *it, const struct tz *z, int64_t from,
    int64_t to)
{
	it->tz = z;
	it->last = from > INT64_MIN ? from - 1 : from;
	it->to = to;
	it->type = type_at(z, it->last, 0);
}

static int
same_type(const struct tz_type *a, const struct tz_type *b)
{
	return a->off == b->off && a->isdst == b->isdst &&
	    strcmp(a->abbr, b->abbr) == 0;
}

int
tz_iter_next(struct tz_iter *it, struct tz_transition *out)
{
	const struct tz *z = it->tz;
	int64_t	 at;
	int	 type;

	while (next_after(z, it->last, &at) && at < it->to) {
		it->last = at;
		type = type_at(z, at, 0);
		if (same_type(&z->types[type], &z->types[it->type]))
			continue;
		out->at = at;
		out->off_before = type_off(z, it->type);
		out->off_after = type_off(z, type);
		out->is_dst = z->types[type].isdst;
		out->abbr = z->types[type].abbr;
		it->type = type;
		return 1;
	}
	return 0;
}

char *
tz_format(int64_t t, const char *zone)
{
	const struct tz *z = NULL;
	char	*cause = NULL;

	if (zone != NULL)
		z = tz_get(zone, &cause);
	free(cause);
	return dt_format_offset(t, z != NULL ? tz_offset_at(z, t) : 0);
}

int
tz_rules(const struct tz *z, struct tz_rule *start, struct tz_rule *end)
{
	if (!z->has_rule || !z->has_dst)
		return -1;
	*start = z->start;
	*end = z->end;
	return 0;
}
