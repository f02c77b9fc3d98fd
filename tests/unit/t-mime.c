/* t-mime: e-mail messages: headers, encoded words, parts, base64 */
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "mime.h"
#include "tap.h"

static void
test_base64(void)
{
	char	*s, big[100];

	s = base64_text("", 0, 0);
	is_str(s, "", "base64 of nothing");
	free(s);
	s = base64_text("f", 1, 0);
	is_str(s, "Zg==", "base64 pads one byte");
	free(s);
	s = base64_text("fo", 2, 0);
	is_str(s, "Zm8=", "base64 pads two bytes");
	free(s);
	s = base64_text("foobar", 6, 0);
	is_str(s, "Zm9vYmFy", "base64 of whole groups (RFC 4648)");
	free(s);
	memset(big, 'x', sizeof big);
	s = base64_text(big, sizeof big, 1);
	ok(strlen(s) > 76 && s[76] == '\r' && s[77] == '\n' &&
	    strchr(s + 78, '\r') == NULL, "wrapped after 76 characters");
	free(s);
}

static void
test_date(void)
{
	char	*s = mime_date(0);

	is_str(s, "Thu, 01 Jan 1970 00:00:00 +0000", "the epoch");
	free(s);
	s = mime_date(1793955600);	/* 2026-11-06T09:00:00Z */
	is_str(s, "Fri, 06 Nov 2026 09:00:00 +0000", "a Friday in 2026");
	free(s);
}

static void
test_message(void)
{
	static const char *const hdr[] = { "Auto-Submitted: auto-generated", NULL };
	struct mime_part parts[2] = {
		{ "text/plain; charset=UTF-8", "Grüße\nline two\n", 0 },
		{ "text/calendar; method=REQUEST; charset=UTF-8",
		  "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", 0 }
	};
	struct mime_message m;
	char	*s;
	size_t	 len;

	parts[0].len = strlen(parts[0].body);
	parts[1].len = strlen(parts[1].body);
	memset(&m, 0, sizeof m);
	m.from_name = "Wartung \"Nord\"";
	m.from = "noc@example.com";
	m.to_name = "finance";
	m.to = "fin@example.com";
	m.subject = "Wartung: Datenbank-Upgrade für das Lager, Übernahme der Daten am Sonntag";
	m.message_id = "abc@example.com";
	m.date = 0;
	m.headers = hdr;
	m.parts = parts;
	m.nparts = 2;
	s = mime_build(&m, &len);
	is_int(len, strlen(s), "the length is the text's");
	ok(strstr(s, "From: \"Wartung \\\"Nord\\\"\" <noc@example.com>\r\n") != NULL,
	    "an ASCII display name is quoted");
	ok(strstr(s, "Subject: =?UTF-8?B?") != NULL && strstr(s, "?=\r\n =?UTF-8?B?") != NULL,
	    "a long UTF-8 subject is encoded words, folded");
	ok(strstr(s, "Message-ID: <abc@example.com>\r\n") != NULL, "Message-ID");
	ok(strstr(s, "Auto-Submitted: auto-generated\r\n") != NULL, "extra headers");
	ok(strstr(s, "Content-Type: multipart/alternative; boundary=\"=_offpeak_") != NULL,
	    "multipart/alternative");
	ok(strstr(s, "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nR3LDvMOfZQpsaW5lIHR3bwo=\r\n") != NULL,
	    "a UTF-8 part is base64");
	ok(strstr(s, "Content-Transfer-Encoding: 7bit\r\n\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n") != NULL,
	    "an ASCII part is 7bit with CR LF");
	ok(strstr(s, "--\r\n") != NULL && strstr(s, "\n\n") == NULL, "closed, CR LF throughout");
	free(s);
}

int
main(void)
{
	test_base64();
	test_date();
	test_message();
	return done_testing();
}
