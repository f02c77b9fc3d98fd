/* verify: post-change HTTP checks with latency limits (libcurl via http) */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "plan.h"
#include "redact.h"
#include "util.h"
#include "verify.h"

#define VERIFY_PAUSE_MS		1000	/* between tries */
#define VERIFY_TIMEOUT_MS	30000	/* one try, when max_ms gives no bound */
#define VERIFY_CONNECT_MS	10000	/* to connect, at most */

static void
pause_ms(int64_t ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1)
		;
}

/* "cannot fetch 'URL': why" from http, as "no response: why". */
static char *
no_response(const char *url, char *cause)
{
	char	*prefix = xasprintf("cannot fetch '%s': ", url), *s;

	if (strncmp(cause, prefix, strlen(prefix)) == 0)
		s = xasprintf("no response: %s", cause + strlen(prefix));
	else
		s = xasprintf("no response: %s", cause);
	free(prefix);
	free(cause);
	return s;
}

/*
 * One try; returns the problem (allocated) or NULL when it passed. Without
 * a response, the latency is the time until the exchange failed.
 */
/* The body is want, blanks (space, tab, CR, LF) around it aside. */
static int
body_equals(const char *body, const char *want)
{
	const char *end;
	size_t	 n = strlen(want);

	body += strspn(body, " \t\r\n");
	end = body + strlen(body);
	while (end > body && strchr(" \t\r\n", end[-1]) != NULL)
		end--;
	return (size_t)(end - body) == n && memcmp(body, want, n) == 0;
}

static char *
try_once(const struct http_check *c, struct verify_attempt *a)
{
	struct http_request req;
	struct http_response res;
	char	*cause = NULL, *problem = NULL;
	int64_t	 t0 = mono_ms();

	memset(&req, 0, sizeof req);
	req.url = c->url;
	/* a response slower than the limit fails anyway: do not wait long */
	req.timeout_ms = c->max_ms > 0 ? c->max_ms * 2 + 1000 : VERIFY_TIMEOUT_MS;
	if (req.timeout_ms > VERIFY_TIMEOUT_MS)
		req.timeout_ms = VERIFY_TIMEOUT_MS;
	if (req.timeout_ms < VERIFY_CONNECT_MS)
		req.connect_timeout_ms = req.timeout_ms;
	else
		req.connect_timeout_ms = VERIFY_CONNECT_MS;
	memset(&res, 0, sizeof res);
	if (http_get(&req, &res, &cause) != 0) {
		a->ms = mono_ms() - t0;
		return no_response(c->url, cause);
	}
	a->status = res.status;
	a->ms = res.total_ms;
	if (res.status != c->status)
		problem = xasprintf("status %ld, want %d", res.status, c->status);
	else if (c->max_ms > 0 && res.total_ms > c->max_ms)
		problem = xasprintf("took %lld ms, over max_ms %d",
		    (long long)res.total_ms, c->max_ms);
	else if (c->contains != NULL && strstr(res.body, c->contains) == NULL)
		problem = xasprintf("the body does not contain '%s'", c->contains);
	else if (c->equals != NULL && !body_equals(res.body, c->equals))
		problem = xasprintf("the body is not '%s'", c->equals);
	http_response_release(&res);
	return problem;
}

int
verify_http(const struct http_check *c, const struct verify_hooks *h,
    char **why)
{
	struct verify_attempt a;
	int64_t	 deadline = mono_ms() + c->within * 1000;
	char	*problem = NULL, *shown = redact_url(c->url);
	int	 n;

	for (n = 1;; n++) {
		memset(&a, 0, sizeof a);
		a.url = shown;	/* records and reasons are public */
		a.max_ms = c->max_ms;
		a.attempt = n;
		a.at = h->clock(h->arg);
		free(problem);
		problem = try_once(c, &a);
		a.ok = problem == NULL;
		a.problem = problem;
		h->attempt(&a, h->arg);
		if (problem == NULL) {
			free(shown);
			return 1;
		}
		if (mono_ms() + VERIFY_PAUSE_MS >= deadline ||
		    (h->stop != NULL && *h->stop))
			break;
		pause_ms(VERIFY_PAUSE_MS);
	}
	*why = xasprintf("%s: %s (%d attempt%s)", shown, problem, n,
	    n == 1 ? "" : "s");
	free(problem);
	free(shown);
	return 0;
}
