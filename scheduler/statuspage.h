/* statuspage: the status page a person reads, and the same data as JSON */
#ifndef OFFPEAK_STATUSPAGE_H
#define OFFPEAK_STATUSPAGE_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct budget_row;
struct extra_freeze;
struct policy;
struct state;

/* Where the page wants the request's host (webcal:// links). */
#define STATUSPAGE_HOST		'\001'
/* How far ahead the page shows windows and freezes. */
#define STATUSPAGE_AHEAD	(28 * 86400)

/* What the page is made from: the published state, as the feeds show it. */
struct statuspage_input {
	const struct policy *pol;
	const struct state *st;
	int64_t	 now;
	int	 simulated;		/* the clock is --now */
	const char *commit;		/* state branch commit, "" when none */
	int64_t	 commit_time;
	char	*const *feeds;		/* public feed paths ("all.ics"), or NULL */
	const struct extra_freeze *extra; /* events of URL freezes (cached) */
	size_t	 nextra;
	const char *timeline;		/* an SVG for the top, or NULL */
	struct budget_row *avail;	/* this period's budgets, or NULL */
	size_t	 navail;
};

/*
 * Render the page (HTML5, inline CSS, no script; every text from plans
 * escaped; STATUSPAGE_HOST where the host of a webcal:// link goes) and
 * the JSON, both allocated. Upcoming changes with their notice countdown,
 * changes running now, recent outcomes (a cancellation marked as such),
 * windows and freezes of the coming weeks, subscribe links. Nothing from
 * hooks, backups, records or operators appears. Returns 0, or -1 with
 * *cause.
 */
int	 statuspage_render(const struct statuspage_input *, char **html,
	     size_t *htmllen, char **json, size_t *jsonlen, char **cause);

/*
 * The page for one request: every STATUSPAGE_HOST replaced by host,
 * escaped. Allocated; *outlen gets its length.
 */
char	*statuspage_for_host(const char *html, size_t len, const char *host,
	     size_t *outlen);

/* Append s to b escaped for HTML text and attribute values. */
void	 html_escape(struct buf *, const char *s);
/* Append text made with a format, escaped the same way. */
void	 html_escapef(struct buf *, const char *fmt, ...)
	     __attribute__((format(printf, 2, 3)));

#endif
