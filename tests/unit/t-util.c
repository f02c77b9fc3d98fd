/* t-util: buffers, allocation helpers, UTF-8 and string checks */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util.h"

static void
test_buf_empty(void)
{
	struct buf b = BUF_INIT;
	char	*s;
	size_t	 len = 99;

	is_str(buf_str(&b), "", "BUF_INIT reads as the empty string");
	buf_reset(&b);
	is_str(buf_str(&b), "", "reset of BUF_INIT stays empty");
	s = buf_detach(&b, &len);
	is_str(s, "", "detach of an empty buffer gives an empty string");
	is_int(len, 0, "detach of an empty buffer gives length 0");
	free(s);
	buf_release(&b);
	buf_release(&b);
	is_str(buf_str(&b), "", "release twice leaves an empty buffer");

	buf_init(&b);
	is_int(b.len, 0, "buf_init: length 0");
	is_str(buf_str(&b), "", "buf_init: empty string");
	buf_grow(&b, 0);
	ok(b.alloc >= 1 && b.data[0] == '\0', "grow by 0 allocates a terminated string");
	buf_release(&b);
}

static void
test_buf_growth(void)
{
	struct buf b = BUF_INIT;
	char	 want[5001];
	size_t	 i, prev = 0, grew = 0;
	int	 terminated = 1;

	for (i = 0; i < 5000; i++) {
		want[i] = 'a' + i % 26;
		buf_addc(&b, want[i]);
		if (b.data[b.len] != '\0')
			terminated = 0;
		if (b.alloc != prev) {
			grew++;
			prev = b.alloc;
		}
	}
	want[5000] = '\0';
	is_int(b.len, 5000, "5000 single characters appended");
	ok(b.alloc > b.len, "room for the terminating NUL");
	ok(terminated, "terminated after every append");
	is_str(buf_str(&b), want, "contents survive every reallocation");
	ok(grew > 1 && grew < 20, "growth is geometric (%zu reallocations)", grew);

	buf_reset(&b);
	is_int(b.len, 0, "reset empties");
	is_str(buf_str(&b), "", "reset leaves an empty string");
	ok(b.alloc >= 5001, "reset keeps the memory");
	buf_release(&b);
	is_int(b.alloc, 0, "release frees");
}

static void
test_buf_add(void)
{
	struct buf b = BUF_INIT;
	char	 big[1000], *want, *s;
	size_t	 len;

	buf_adds(&b, "abc");
	buf_add(&b, "d\0e", 3);
	is_int(b.len, 6, "buf_add counts an embedded NUL");
	ok(memcmp(b.data, "abcd\0e", 7) == 0, "bytes and terminator in place");

	buf_reset(&b);
	buf_addf(&b, "%s-%d", "x", 42);
	is_str(buf_str(&b), "x-42", "buf_addf formats");
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	buf_addf(&b, "[%s]", big);
	want = xasprintf("x-42[%s]", big);
	is_str(buf_str(&b), want, "buf_addf longer than the spare room");
	is_int(b.len, strlen(want), "buf_addf length after regrowth");
	free(want);

	s = buf_detach(&b, &len);
	is_int(len, 1005, "detach reports the length");
	is_int(strlen(s), 1005, "detached string is whole");
	is_int(b.len, 0, "buffer empty after detach");
	is_str(buf_str(&b), "", "buffer reads empty after detach");
	buf_adds(&b, "again");
	is_str(buf_str(&b), "again", "buffer reusable after detach");
	ok(b.data != s, "reuse does not touch the detached memory");
	is_str(s + 1000, "zzzz]", "detached string unchanged by reuse");
	free(s);
	s = buf_detach(&b, NULL);
	is_str(s, "again", "detach with no length pointer");
	free(s);
}

static void
test_alloc(void)
{
	char	*s;
	int	*v;
	size_t	 i;
	int	 zero = 1;

	s = xasprintf("%s=%d %05.1f %c", "k", -7, 3.14159, 'q');
	is_str(s, "k=-7 003.1 q", "xasprintf formats");
	free(s);
	s = xasprintf("%s", "");
	is_str(s, "", "xasprintf of an empty string");
	free(s);
	s = xstrndup("abcdef", 3);
	is_str(s, "abc", "xstrndup copies n bytes and terminates");
	free(s);
	s = xstrdup("hello");
	is_str(s, "hello", "xstrdup");
	free(s);

	v = xcalloc(100, sizeof *v);
	for (i = 0; i < 100; i++)
		if (v[i] != 0)
			zero = 0;
	ok(zero, "xcalloc zeroes");
	v = xreallocarray(v, 200, sizeof *v);
	v[199] = 5;
	is_int(v[199] + v[0], 5, "xreallocarray grows and keeps contents");
	free(v);
	free(xmalloc(0));
	free(xcalloc(0, 0));
	ok(1, "zero-size allocations are freeable");
}

/* utf8_valid_prefix of a string literal (without its terminator). */
#define U8(lit) utf8_valid_prefix(lit, sizeof lit - 1)

static void
test_utf8(void)
{
	is_int(utf8_valid_prefix("", 0), 0, "empty");
	is_int(U8("plain ascii"), 11, "ASCII");
	is_int(U8("a\0b"), 3, "NUL is a valid character");
	is_int(U8("caf\xc3\xa9"), 5, "2-byte U+00E9");
	is_int(U8("\xe2\x82\xac"), 3, "3-byte U+20AC");
	is_int(U8("\xf0\x9f\x98\x80"), 4, "4-byte U+1F600");
	is_int(U8("\xc2\x80"), 2, "lowest 2-byte U+0080");
	is_int(U8("\xdf\xbf"), 2, "highest 2-byte U+07FF");
	is_int(U8("\xe0\xa0\x80"), 3, "lowest 3-byte U+0800");
	is_int(U8("\xef\xbf\xbf"), 3, "U+FFFF");
	is_int(U8("\xf0\x90\x80\x80"), 4, "lowest 4-byte U+10000");
	is_int(U8("\xf4\x8f\xbf\xbf"), 4, "highest U+10FFFF");
	is_int(U8("\xed\x9f\xbf"), 3, "U+D7FF just below the surrogates");
	is_int(U8("\xee\x80\x80"), 3, "U+E000 just above the surrogates");

	is_int(U8("ab\xc0\x80"), 2, "overlong NUL C0 80");
	is_int(U8("\xc1\xbf"), 0, "overlong C1 BF");
	is_int(U8("x\xe0\x80\x80"), 1, "overlong 3-byte U+0000");
	is_int(U8("\xe0\x9f\xbf"), 0, "overlong 3-byte U+07FF");
	is_int(U8("\xf0\x80\x80\x80"), 0, "overlong 4-byte U+0000");
	is_int(U8("\xf0\x8f\xbf\xbf"), 0, "overlong 4-byte U+FFFF");
	is_int(U8("ok\xed\xa0\x80"), 2, "high surrogate U+D800");
	is_int(U8("\xed\xbf\xbf"), 0, "low surrogate U+DFFF");
	is_int(U8("\xed\xa0\xbd\xed\xb8\x80"), 0, "CESU-8 surrogate pair");
	is_int(U8("\xf4\x90\x80\x80"), 0, "U+110000 above the range");
	is_int(U8("\xf5\x80\x80\x80"), 0, "F5 lead byte");
	is_int(U8("\xf7\xbf\xbf\xbf"), 0, "U+1FFFFF");
	is_int(U8("a\xff"), 1, "FF byte");
	is_int(U8("a\xfe"), 1, "FE byte");
	is_int(U8("\x80"), 0, "stray continuation byte");
	is_int(U8("\xc3\xa9\xa9"), 2, "extra continuation byte");

	is_int(U8("ab\xc3"), 2, "truncated 2-byte at the end");
	is_int(U8("ab\xe2\x82"), 2, "truncated 3-byte at the end");
	is_int(U8("\xf0\x9f\x98"), 0, "truncated 4-byte at the end");
	is_int(U8("\xe2\x82z"), 0, "3-byte cut by ASCII");
	is_int(U8("\xf0\x9f\x98z"), 0, "4-byte cut by ASCII");
	is_int(U8("\xc3\xc3\xa9"), 0, "lead byte followed by a lead byte");
	is_int(utf8_valid_prefix("a\xe2\x82\xac", 3), 1, "len cuts a character");
	is_int(utf8_valid_prefix("a\xe2\x82\xac" "b", 4), 4, "len ends on a boundary");
	is_int(utf8_valid_prefix("\xff", 0), 0, "len 0 reads nothing");
}

static void
test_control(void)
{
	const char *s;
	uint32_t cp = 0;
	char	*q;

	ok(str_find_control("plain text", NULL, NULL) == NULL, "no control characters");
	ok(str_find_control("", NULL, NULL) == NULL, "empty string");
	s = "ab\tc";
	ok(str_find_control(s, NULL, NULL) == s + 2, "tab found");
	ok(str_find_control(s, "\n", NULL) == s + 2, "tab found even if newlines allowed");
	ok(str_find_control(s, "\n\t", NULL) == NULL, "tab allowed when asked");
	s = "line\nnext";
	ok(str_find_control(s, NULL, &cp) == s + 4 && cp == '\n', "newline refused without nl");
	ok(str_find_control(s, "\n", NULL) == NULL, "newline allowed with nl");
	s = "a\nb\rc";
	ok(str_find_control(s, "\n", NULL) == s + 3, "CR is not a newline");
	s = "del\x7f";
	ok(str_find_control(s, "\n", NULL) == s + 3, "DEL found");
	s = "\x1b[31m";
	ok(str_find_control(s, "\n", NULL) == s, "escape at the start");
	s = "x\x01y\x02";
	ok(str_find_control(s, NULL, NULL) == s + 1, "the first of several");
	ok(str_find_control("caf\xc3\xa9 \xe2\x82\xac", NULL, NULL) == NULL,
	    "UTF-8 letters and signs are not controls");
	s = "caf\xc3\xa9 \xc2\x85";
	ok(str_find_control(s, "\n", &cp) == s + 6 && cp == 0x85,
	    "C1 control U+0085 (NEL) found");
	s = "x\xc2\x9f";
	ok(str_find_control(s, NULL, &cp) == s + 1 && cp == 0x9f, "C1 U+009F found");
	s = "admin\xe2\x80\xae.json";
	ok(str_find_control(s, NULL, &cp) == s + 5 && cp == 0x202e,
	    "right-to-left override U+202E found");
	s = "a\xe2\x81\xa6" "b";
	ok(str_find_control(s, NULL, &cp) == s + 1 && cp == 0x2066,
	    "left-to-right isolate U+2066 found");
	ok(str_find_control("a\xe2\x81\xaa", NULL, NULL) == NULL,
	    "U+206A is not an isolate");
	ok(str_find_control("~ !", NULL, NULL) == NULL, "space and tilde are printable");
	ok(str_find_control("\xff\xfe", NULL, NULL) == NULL,
	    "bytes that are not UTF-8 are left to the UTF-8 check");

	q = str_quote("a\nb\tc\x01\xff\xe2\x80\xae\xc3\xa9", 80);
	is_str(q, "a\\nb\\tc\\x01\\xff\\u202e\xc3\xa9", "str_quote escapes controls and stray bytes");
	free(q);
	q = str_quote("abcdef", 3);
	is_str(q, "abc...", "str_quote cuts long text");
	free(q);
}

static void
test_names(void)
{
	char	 name[80];

	ok(name_valid("a"), "one letter");
	ok(name_valid("0"), "one digit");
	ok(name_valid("pg16.web-1_a"), "dots, dashes, underscores");
	ok(!name_valid(""), "empty refused");
	ok(!name_valid("Web"), "uppercase refused");
	ok(!name_valid("web Z"), "space refused");
	ok(!name_valid(".a"), "leading dot refused");
	ok(!name_valid("-a"), "leading dash refused");
	ok(!name_valid("_a"), "leading underscore refused");
	ok(!name_valid("a/b"), "slash refused");
	ok(!name_valid("caf\xc3\xa9"), "non-ASCII refused");

	memset(name, 'a', sizeof name);
	name[63] = '\0';
	ok(name_valid(name), "63 characters");
	name[63] = 'z';
	name[64] = '\0';
	ok(name_valid(name), "64 characters: the limit");
	name[64] = '9';
	name[65] = '\0';
	ok(!name_valid(name), "65 characters refused");
	name[64] = '\0';
	name[63] = 'A';
	ok(!name_valid(name), "bad last character at the limit refused");
}

static void
test_urls(void)
{
	ok(url_valid("http://example.com"), "http with host");
	ok(url_valid("https://example.com/health?x=1#y"), "https with path and query");
	ok(url_valid("http://127.0.0.1:8080/"), "address and port");
	ok(url_valid("http://user@host/"), "user info");
	ok(!url_valid("http://"), "no host");
	ok(!url_valid("https://"), "https, no host");
	ok(!url_valid("http:///path"), "empty host before the path");
	ok(!url_valid("http://?q"), "empty host before the query");
	ok(!url_valid("http://#f"), "empty host before the fragment");
	ok(!url_valid("http://:8080/"), "port without a host");
	ok(!url_valid("ftp://example.com"), "other scheme");
	ok(!url_valid("example.com"), "no scheme");
	ok(!url_valid("http:/example.com"), "one slash");
	ok(!url_valid(""), "empty");
	ok(!url_valid("http://exa mple.com"), "space");
	ok(!url_valid("http://example.com/\t"), "tab");
	ok(!url_valid("http://example.com\n"), "newline at the end");
	ok(!url_valid("http://example.com/\x7f"), "DEL");
	ok(!url_valid(" http://example.com"), "leading space");
}

static void
test_misc(void)
{
	ok(str_endswith("plan.json", ".json"), "suffix");
	ok(str_endswith("plan.json", ""), "empty suffix");
	ok(str_endswith(".json", ".json"), "whole string");
	ok(!str_endswith("json", ".json"), "suffix longer than the string");
	ok(!str_endswith("plan.jsonx", ".json"), "not at the end");

	ok(hash_str("") == 0xcbf29ce484222325ULL, "FNV-1a of \"\"");
	ok(hash_str("a") == 0xaf63dc4c8601ec8cULL, "FNV-1a of \"a\"");
	ok(hash_str("foobar") == 0x85944171f73967e8ULL, "FNV-1a of \"foobar\"");
	ok(hash_str("ab") != hash_str("ba"), "order matters");
	is_int(nitems((int[7]){ 0 }), 7, "nitems");
}

static void
test_paths(void)
{
	ok(path_problem("hooks/backup", 0) == NULL, "relative path");
	ok(path_problem("./hooks/backup", 0) == NULL, "'.' is fine loosely");
	ok(path_problem("a.b/..c", PATH_STRICT) == NULL, "dots inside names");
	is_str(path_problem("", 0), "is empty", "empty");
	is_str(path_problem("/bin/true", 0), "is absolute", "absolute");
	is_str(path_problem("hooks/", 0), "ends with '/'", "trailing slash");
	is_str(path_problem("hooks//x", 0), "has an empty component",
	    "empty component");
	is_str(path_problem("../x", 0), "contains '..'", "leading ..");
	is_str(path_problem("a/../../x", 0), "contains '..'", "inner ..");
	is_str(path_problem("a/..", 0), "contains '..'", "trailing ..");
	is_str(path_problem("./x", PATH_STRICT), "has a '.' component",
	    "strict: '.'");
	is_str(path_problem("a/.git/config", PATH_STRICT),
	    "has a '.git' component", "strict: .git");
	ok(path_problem("a/.git/config", 0) == NULL, "loose: .git");
	ok(path_problem("a/.gitignore", PATH_STRICT) == NULL, ".gitignore");
}

int
main(void)
{
	test_buf_empty();
	test_buf_growth();
	test_buf_add();
	test_alloc();
	test_utf8();
	test_control();
	test_names();
	test_urls();
	test_misc();
	test_paths();
	return done_testing();
}
