/* redact: what public output must not show (credentials, tokens) */
/*
 * Public output is the feeds, the status page, status.json and the report.
 * Every URL in a text shown there loses its user name, password, query and
 * fragment; the policy's "redact" patterns (POSIX extended regular
 * expressions) replace what they match with "[redacted]".
 */
#ifndef OFFPEAK_REDACT_H
#define OFFPEAK_REDACT_H

#include <stddef.h>

struct redactor;

/* "scheme://user:pass@host/path?query#frag" as "scheme://host/path". */
char	*redact_url(const char *url);

/*
 * Compile the patterns (NULL-terminated); NULL with *cause (naming the
 * pattern) for one that does not compile. A NULL list gives a redactor
 * that only cleans URLs.
 */
struct redactor *redactor_new(char *const *patterns, char **cause);
void	 redactor_free(struct redactor *);

/*
 * A copy of text with every URL cleaned and every pattern's matches
 * replaced; r may be NULL (URLs only). NULL stays NULL.
 */
char	*redact_text(const struct redactor *r, const char *text);

#endif
