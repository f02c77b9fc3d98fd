/* redact: URLs without credentials or queries, and the policy's patterns */
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "util.h"

#define REDACTED	"[redacted]"

struct redactor {
	regex_t	*re;
	size_t	 n;
};

static int
scheme_char(int c)
{
	return isalnum(c) || c == '+' || c == '-' || c == '.';
}

/* Where a URL that starts at s ends in running text. */
static size_t
url_span(const char *s)
{
	size_t	 n = 0;

	while (s[n] != '\0' && !isspace((unsigned char)s[n]) &&
	    (unsigned char)s[n] >= 0x20 && s[n] != 0x7f &&
	    strchr("'\"<>`", s[n]) == NULL)
		n++;
	/* trailing punctuation belongs to the sentence */
	while (n > 0 && strchr(":,;.)!]", s[n - 1]) != NULL)
		n--;
	return n;
}

/* Clean one URL of length len into b. */
static void
clean_url(struct buf *b, const char *u, size_t len)
{
	const char *sep = NULL, *auth, *end = u + len, *p, *at = NULL;
	const char *path;

	for (p = u; p + 2 < end; p++)
		if (p[0] == ':' && p[1] == '/' && p[2] == '/') {
			sep = p;
			break;
		}
	if (sep == NULL) {
		buf_add(b, u, len);
		return;
	}
	auth = sep + 3;
	for (path = auth; path < end && strchr("/?#", *path) == NULL; path++)
		if (*path == '@')
			at = path;
	buf_add(b, u, auth - u);
	if (at != NULL)
		auth = at + 1;
	buf_add(b, auth, path - auth);
	for (p = path; p < end && *p != '?' && *p != '#'; p++)
		;
	buf_add(b, path, p - path);
}

char *
redact_url(const char *url)
{
	struct buf b;

	buf_init(&b);
	clean_url(&b, url, strlen(url));
	return buf_detach(&b, NULL);
}

/* Every "scheme://…" in text, cleaned. */
static char *
clean_urls(const char *text)
{
	struct buf b;
	const char *s = text, *p, *start;
	size_t	 n;

	buf_init(&b);
	while ((p = strstr(s, "://")) != NULL) {
		start = p;
		while (start > s && scheme_char((unsigned char)start[-1]))
			start--;
		while (start < p && !isalpha((unsigned char)*start))
			start++;
		if (start == p) {
			buf_add(&b, s, p + 3 - s);
			s = p + 3;
			continue;
		}
		buf_add(&b, s, start - s);
		n = url_span(start);
		if (n < (size_t)(p + 3 - start))
			n = p + 3 - start;
		clean_url(&b, start, n);
		s = start + n;
	}
	buf_adds(&b, s);
	return buf_detach(&b, NULL);
}

struct redactor *
redactor_new(char *const *patterns, char **cause)
{
	struct redactor *r = xcalloc(1, sizeof *r);
	char	 msg[256], *q;
	size_t	 i, n = 0;
	int	 rc;

	while (patterns != NULL && patterns[n] != NULL)
		n++;
	r->re = xcalloc(n ? n : 1, sizeof *r->re);
	for (i = 0; i < n; i++) {
		if ((rc = regcomp(&r->re[i], patterns[i], REG_EXTENDED)) != 0) {
			regerror(rc, &r->re[i], msg, sizeof msg);
			q = str_quote(patterns[i], 80);
			*cause = xasprintf("pattern '%s': %s", q, msg);
			free(q);
			r->n = i;
			redactor_free(r);
			return NULL;
		}
		r->n = i + 1;
	}
	return r;
}

void
redactor_free(struct redactor *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		regfree(&r->re[i]);
	free(r->re);
	free(r);
}

/* One pattern's matches in s replaced. */
static char *
apply(const regex_t *re, char *s)
{
	struct buf b;
	regmatch_t m;
	const char *p = s;
	int	 flags = 0;

	buf_init(&b);
	while (*p != '\0' && regexec(re, p, 1, &m, flags) == 0) {
		buf_add(&b, p, m.rm_so);
		if (m.rm_eo == m.rm_so && p[m.rm_so] == '\0') {
			p += m.rm_so;
			break;
		}
		if (m.rm_eo > m.rm_so)
			buf_adds(&b, REDACTED);
		else
			buf_add(&b, p + m.rm_so, 1);	/* empty match: step on */
		p += m.rm_eo > m.rm_so ? m.rm_eo : m.rm_so + 1;
		flags = REG_NOTBOL;
	}
	buf_adds(&b, p);
	free(s);
	return buf_detach(&b, NULL);
}

char *
redact_text(const struct redactor *r, const char *text)
{
	char	*s;
	size_t	 i;

	if (text == NULL)
		return NULL;
	s = clean_urls(text);
	for (i = 0; r != NULL && i < r->n; i++)
		s = apply(&r->re[i], s);
	return s;
}
