/* t-servetarget: request targets checked before decoding, and made fit for a log */
#include <stdlib.h>
#include <string.h>

#include "serve-target.h"
#include "tap.h"

static void
test_check(void)
{
	is_int(target_check("/calendar/all.ics"), 0, "a plain path");
	is_int(target_check("/calendar/a%20b.ics?x=%00"), 0,
	    "an escape that is text, and the query is not the path");
	is_int(target_check("/calendar/all.ics%00"), 400, "%s", "%00");
	is_int(target_check("/calendar/all.ics%00.html"), 400, "%s", "%00 inside");
	is_int(target_check("/a%0D%0Ab"), 400, "%s", "%0D%0A, upper case");
	is_int(target_check("/a%7f"), 400, "%s", "%7f");
	is_int(target_check("/a\x01"), 400, "a raw control byte");
	is_int(target_check("/a\x1b[31m"), 400, "a raw ESC");
	is_int(target_check("/a%zz"), 400, "a broken escape");
	is_int(target_check("/a%4"), 400, "a cut escape");
	is_int(target_check("/\xc3\xa9t\xc3\xa9"), 0, "UTF-8 is not control");
}

static void
is_log(const char *raw, const char *want, const char *what)
{
	char	*got = target_for_log(raw, 40);

	is_str(got, want, "%s", what);
	free(got);
}

static void
test_log(void)
{
	char	*t;

	is_log("/calendar/all.ics", "/calendar/all.ics", "as it is");
	is_log("/a\x1b[31m\r\nFORGED", "/a\\x1b[31m\\x0d\\x0aFORGED",
	    "control bytes escaped");
	is_log("/a b\\c\x7f\xff", "/a\\x20b\\x5cc\\x7f\\xff",
	    "space, backslash, DEL and high bytes");
	is_log("/calendar/private/TOKEN/all.ics", "/calendar/private/...",
	    "a private path stops at the word");
	is_log("/Calendar/PRIVATE/TOKEN/all.ics", "/calendar/private/...",
	    "in any casing");
	is_log("/calendar/%70rivate/TOKEN", "/calendar/private/...",
	    "percent-encoded");
	is_log("/calendar/%2570rivate/TOKEN", "/calendar/private/...",
	    "encoded twice");
	is_log("//calendar//private/TOKEN?x", "//calendar//private/...",
	    "doubled slashes, and no query");
	is_log("/privateTOKEN", "/private/...", "the word anywhere");
	t = strdup("/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	is_log(t, "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...", "cut at max");
	free(t);
	t = token_for_log("G\x1bT", 16);
	is_str(t, "G\\x1bT", "a method escaped too");
	free(t);
	t = text_for_log("a message\r\nFORGED \x1b", 100);
	is_str(t, "a message\\x0d\\x0aFORGED \\x1b", "a message keeps its spaces");
	free(t);
}

int
main(void)
{
	test_check();
	test_log();
	return done_testing();
}
