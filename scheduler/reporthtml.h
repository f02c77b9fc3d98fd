/*
 * reporthtml: the periodic maintenance report as one self-contained,
 * printable HTML page for the client (agreement clause 3.3): the period,
 * the figures, the availability table, the timeline of the period, the
 * records with problem and resolution, the recommendations, and the
 * audit that proves the trail it was made from.
 */
#ifndef OFFPEAK_REPORTHTML_H
#define OFFPEAK_REPORTHTML_H

#include <stddef.h>
#include <stdint.h>

struct advice_set;
struct budget_row;
struct policy;
struct report;

struct report_page {
	const struct policy *pol;
	const struct report *rep;
	int64_t	 from, to;		/* the period; 0 and INT64_MAX: open */
	int64_t	 now;
	int	 simulated;		/* made under --now */
	size_t	 audit_commits, audit_violations;
	const char *state_commit;	/* "" when there is none */
	const char *audit_first;	/* the first violation, or NULL */
	const struct budget_row *avail;
	size_t	 navail;
	const struct advice_set *advice;
	const char *timeline;		/* an SVG of the period, or NULL */
};

/* The page (allocated); every text from plans and records escaped. */
char	*report_html(const struct report_page *, size_t *len);

#endif
