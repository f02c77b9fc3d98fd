/*
 * timeline: the coming weeks as a picture. One row per system, grouped
 * by group; the off-peak windows as bands, the freezes hatched, each
 * change a bar from its start to its end, coloured by risk, outlined while
 * tentative, filled once confirmed, struck through when cancelled, marked
 * while it runs, its outcome after it ran, the instant its notice holds
 * marked; a line at now. As SVG (serve, the status page, calendar -o) or
 * as text for a terminal (status --timeline).
 *
 * A model is made once from the policy and the state over a range of
 * days and owns everything it holds, so that pictures of any part of that
 * range can be drawn later without them.
 */
#ifndef OFFPEAK_TIMELINE_H
#define OFFPEAK_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#define TIMELINE_WEEKS		4	/* shown by default */
#define TIMELINE_MAX_WEEKS	26	/* at most */
#define TIMELINE_BACK_WEEKS	13	/* how far back a model reaches */

struct extra_freeze;
struct policy;
struct state;
struct timeline;

/*
 * The model over [from, to) (instants; a picture's range must lie inside
 * it). NULL with *cause when a window or freeze cannot be expanded.
 */
struct timeline *timeline_new(const struct policy *, const struct state *,
	     int64_t now, int64_t from, int64_t to,
	     const struct extra_freeze *, size_t nextra, char **cause);
void	 timeline_free(struct timeline *);

/* The local midnight, in the policy's zone, of the day t falls on. */
int64_t	 timeline_day(const struct timeline *, int64_t t);
/* The local midnight n days after the one day starts (DST-correct). */
int64_t	 timeline_days_after(const struct timeline *, int64_t day, int n);
/* "YYYY-MM-DD" as the local midnight of that day; 0, or -1. */
int	 timeline_parse_day(const struct timeline *, const char *, int64_t *);
/* The range of the model. */
void	 timeline_range(const struct timeline *, int64_t *from, int64_t *to);

/*
 * The picture of [from, to) as a standalone SVG document (allocated,
 * *len its length): every string from a plan escaped, no script, no
 * external asset. Each bar links to link_prefix + "change-<id>" (NULL:
 * no links).
 */
char	*timeline_svg(const struct timeline *, int64_t from, int64_t to,
	     const char *link_prefix, size_t *len);
/*
 * The same for a terminal, width columns wide: a row of Unicode block
 * characters per system, an axis and a legend; ANSI colours when colour.
 */
char	*timeline_text(const struct timeline *, int64_t from, int64_t to,
	     int width, int colour);

#endif
