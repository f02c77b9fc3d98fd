/*
 * serve-target: the request target as a client sent it, before
 * libmicrohttpd decodes it: whether it may be served at all, and how a
 * log line may show it.
 */
#ifndef OFFPEAK_SERVE_TARGET_H
#define OFFPEAK_SERVE_TARGET_H

/*
 * 0 when the path may be looked up; else the HTTP status to answer
 * (400): a NUL or another control byte in the path, raw or encoded as
 * %00-%1F or %7F, or a broken %-escape.
 */
int	 target_check(const char *raw);
/*
 * The target for a log line (allocated): every byte outside printable
 * ASCII, and the backslash, as \xHH; at most max bytes of the target
 * (then "..."); nothing after the word "private" once the path, decoded
 * and in lower case, is under /calendar/private/ in any spelling.
 */
char	*target_for_log(const char *raw, size_t max);
/* A method or another short token for a log line, escaped the same way. */
char	*token_for_log(const char *s, size_t max);
/* A message for a log line: control bytes and the backslash escaped. */
char	*text_for_log(const char *s, size_t max);

#endif
