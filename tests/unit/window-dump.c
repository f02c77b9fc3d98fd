/*
 * window-dump: print the occurrences of one window, for the end-to-end
 * tests. One line per occurrence: UTC start, UTC end, local start with its
 * offset.
 *
 *   window-dump ZONE START DURATION RRULE|- FROM TO [EXDATE...]
 */
#include <stdio.h>
#include <stdlib.h>

#include "datetime.h"
#include "policy.h"
#include "tz.h"
#include "util.h"
#include "window.h"

static int
fail(char *cause)
{
	fprintf(stderr, "window-dump: %s\n", cause);
	free(cause);
	return 1;
}

int
main(int argc, char **argv)
{
	struct window_def w = { 0 };
	struct interval *v = NULL;
	const struct tz *z;
	int64_t	 from, to;
	size_t	 n, i;
	char	*cause = NULL, *a, *b, *c;
	int	 rv = 0;

	if (argc < 7) {
		fprintf(stderr, "usage: window-dump ZONE START DURATION "
		    "RRULE|- FROM TO [EXDATE...]\n");
		return 2;
	}
	w.name = (char *)"dump";
	w.timezone = argv[1];
	w.rrule = argv[4][0] == '-' && argv[4][1] == '\0' ? NULL : argv[4];
	if (dt_parse_civil(argv[2], &w.start, &cause) != 0 ||
	    dur_parse(argv[3], &w.duration, 0, &cause) != 0 ||
	    dt_parse_instant(argv[5], &from, NULL, &cause) != 0 ||
	    dt_parse_instant(argv[6], &to, NULL, &cause) != 0 ||
	    (z = tz_get(argv[1], &cause)) == NULL)
		return fail(cause);
	w.nexdates = argc - 7;
	w.exdates = xcalloc(w.nexdates + 1, sizeof *w.exdates);
	for (i = 0; i < w.nexdates; i++) {
		if (dt_parse_civil(argv[7 + i], &w.exdates[i], &cause) != 0) {
			free(w.exdates);
			return fail(cause);
		}
	}
	if (window_expand(&w, from, to, &v, &n, &cause) != 0)
		rv = fail(cause);
	else {
		for (i = 0; i < n; i++) {
			a = dt_format_utc(v[i].start);
			b = dt_format_utc(v[i].end);
			c = dt_format_offset(v[i].start,
			    tz_offset_at(z, v[i].start));
			printf("%s %s %s\n", a, b, c);
			free(a);
			free(b);
			free(c);
		}
	}
	free(v);
	free(w.exdates);
	tz_cache_free();
	return rv;
}
