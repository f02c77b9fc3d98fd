/*
 * fuzz-policy: offpeak.json as a team pushes it: systems, windows with
 * RRULEs in real time zones, freezes, risk levels, subscribers. A policy
 * that passes is expanded over a year (each window and recurring freeze),
 * which must end in bounded time with ordered, non-empty intervals.
 */
#include "check.h"
#include "diag.h"
#include "policy.h"
#include "window.h"

#include "fuzz.h"

#define FROM	1764547200		/* 2025-12-01T00:00:00Z */
#define TO	(FROM + 366 * 86400)

static void
check_intervals(const struct interval *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		fuzz_check(v[i].start < v[i].end);
		fuzz_check(v[i].end > FROM && v[i].start < TO);
		fuzz_check(i == 0 || v[i - 1].start <= v[i].start);
	}
}

static void
expand(const struct policy *pol)
{
	struct interval *v;
	char	*cause;
	size_t	 i, n;

	for (i = 0; i < pol->nwindows; i++) {
		v = NULL;
		cause = NULL;
		if (window_expand(&pol->windows[i], FROM, TO, &v, &n, &cause) == 0)
			check_intervals(v, n);
		else
			fuzz_check_line(cause);
		free(v);
		free(cause);
	}
	for (i = 0; i < pol->nfreezes; i++) {
		v = NULL;
		cause = NULL;
		if (freeze_expand(&pol->freezes[i], FROM, TO, &v, &n, &cause) == 0)
			check_intervals(v, n);
		else
			fuzz_check_line(cause);
		free(v);
		free(cause);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d;
	struct policy *pol;
	char	*text, *line;
	size_t	 i;

	if (size > CHECK_MAX_FILE)
		return 0;
	diags_init(&d);
	text = fuzz_text(data, size);
	pol = policy_parse("offpeak.json", text, size, &d);
	for (i = 0; i < d.n; i++) {
		line = diag_format(&d.items[i]);
		fuzz_check_line(line);
		free(line);
	}
	if (pol != NULL && d.n == 0)
		expand(pol);
	policy_free(pol);
	diags_release(&d);
	free(text);
	return 0;
}
