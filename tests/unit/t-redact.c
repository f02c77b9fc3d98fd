/* t-redact: what public output hides */
#include <stdlib.h>

#include "redact.h"

#include "tap.h"

static void
url_is(const char *in, const char *want)
{
	char	*got = redact_url(in);

	is_str(got, want, "url %s", in);
	free(got);
}

static void
text_is(const struct redactor *r, const char *in, const char *want,
    const char *what)
{
	char	*got = redact_text(r, in);

	is_str(got, want, "%s", what);
	free(got);
}

int
main(void)
{
	char	 p1[] = "tok_[A-Za-z0-9]+", p2[] = "x*", p3[] = "ok";
	char	 p4[] = "(unclosed";
	char	*pats[] = { p1, p2, NULL }, *bad[] = { p3, p4, NULL };
	char	*cause = NULL;
	struct redactor *r;

	url_is("http://monitor:S3cretPass@db1.example.com:8443/health?token=abc#x",
	    "http://db1.example.com:8443/health");
	url_is("https://host", "https://host");
	url_is("https://user@host?q=1", "https://host");
	url_is("http://a@b@host/p@q", "http://host/p@q");
	url_is("not a url", "not a url");

	text_is(NULL, "http://u:p@h/health?token=abc: status 500, want 200 (3 attempts)",
	    "http://h/health: status 500, want 200 (3 attempts)",
	    "a verify reason keeps its punctuation");
	text_is(NULL, "verify 'https://u:p@h/x?a=1' and (http://h2/y?b=2).",
	    "verify 'https://h/x' and (http://h2/y).", "two URLs in quotes and brackets");
	text_is(NULL, "scheme-less ://u:p@h stays", "scheme-less ://u:p@h stays",
	    "no scheme: not a URL");
	text_is(NULL, "", "", "empty text");
	ok(redact_text(NULL, NULL) == NULL, "NULL stays NULL");

	r = redactor_new(pats, &cause);
	ok(r != NULL, "patterns compile");
	text_is(r, "key tok_ab12 and tok_Z9 at http://h/p?tok_q", "key [redacted] and [redacted] at http://h/p",
	    "pattern matches replaced, empty matches leave the text");
	text_is(r, "xxx", "[redacted]", "a whole match");
	redactor_free(r);

	ok(redactor_new(bad, &cause) == NULL && cause != NULL &&
	    strstr(cause, "'(unclosed'") != NULL, "a bad pattern is named (%s)",
	    cause ? cause : "no message");
	free(cause);
	redactor_free(NULL);
	return done_testing();
}
