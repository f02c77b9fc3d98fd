/*
 * fuzz-freeze: a freeze calendar fetched by URL, as any provider may serve
 * it (and as the state branch caches it). The events are expanded over
 * the span the scheduler looks at; that must end in bounded time, give
 * ordered, non-empty intervals inside the span, or refuse with one line.
 */
#include "freezefeed.h"
#include "util.h"
#include "icsfeed.h"
#include "window.h"

#include "fuzz.h"

#define NOW	1764547200		/* 2025-12-01T00:00:00Z */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct interval *v = NULL;
	char	*text, *cause = NULL, **warnings = NULL;
	size_t	 n = 0, i;

	if (size > 10 * 1024 * 1024)
		return 0;
	text = fuzz_text(data, size);
	if (icsfeed_events(text, size, "Europe/Berlin",
	    NOW - FREEZE_FEED_BEFORE, NOW + FREEZE_FEED_AFTER, &v, &n,
	    &warnings, &cause) == 0) {
		for (i = 0; i < n; i++) {
			fuzz_check(v[i].start < v[i].end);
			fuzz_check(v[i].end > NOW - FREEZE_FEED_BEFORE);
			fuzz_check(v[i].start < NOW + FREEZE_FEED_AFTER);
			fuzz_check(i == 0 || v[i - 1].start <= v[i].start);
		}
	} else
		fuzz_check_line(cause);
	for (i = 0; warnings != NULL && warnings[i] != NULL; i++)
		fuzz_check_line(warnings[i]);
	strv_free(warnings);
	free(v);
	free(cause);
	free(text);
	return 0;
}
