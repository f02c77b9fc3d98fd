/* testutil: helpers the unit tests share (shell commands, times, policies) */
#ifndef OFFPEAK_TESTUTIL_H
#define OFFPEAK_TESTUTIL_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "diag.h"
#include "policy.h"
#include "util.h"

/* Run a shell command built from fmt; 0 when it exits 0, else 1. */
static inline int
sh(const char *fmt, ...)
{
	va_list	 ap;
	char	*cmd;
	int	 r;

	va_start(ap, fmt);
	cmd = xvasprintf(fmt, ap);
	va_end(ap);
	r = system(cmd);
	free(cmd);
	return r == 0 ? 0 : 1;
}

/* The first line a shell command prints, allocated. */
static inline char *
capture(const char *fmt, ...)
{
	va_list	 ap;
	char	*cmd, line[1024] = "";
	FILE	*f;

	va_start(ap, fmt);
	cmd = xvasprintf(fmt, ap);
	va_end(ap);
	if ((f = popen(cmd, "r")) != NULL) {
		if (fgets(line, sizeof line, f) == NULL)
			line[0] = '\0';
		pclose(f);
	}
	free(cmd);
	line[strcspn(line, "\n")] = '\0';
	return xstrdup(line);
}

/* Seconds since the epoch of an RFC 3339 instant; a typo stops the test. */
static inline int64_t
at(const char *s)
{
	int64_t	 t;
	char	*cause;

	if (dt_parse_instant(s, &t, NULL, &cause) != 0) {
		fprintf(stderr, "bad instant in test: %s\n", cause);
		exit(2);
	}
	return t;
}

/* A local date-time; a typo stops the test. */
static inline struct civil
local(const char *s)
{
	struct civil c;
	char	*cause;

	if (dt_parse_civil(s, &c, &cause) != 0) {
		fprintf(stderr, "bad local time in test: %s\n", cause);
		exit(2);
	}
	return c;
}

/* A policy from its text; one that is not valid stops the test, saying why. */
static inline struct policy *
parse_test_policy(const char *text)
{
	struct diags d;
	struct policy *pol;
	size_t	 i;

	diags_init(&d);
	pol = policy_parse("offpeak.json", text, strlen(text), &d);
	if (pol == NULL || d.n != 0) {
		for (i = 0; i < d.n; i++)
			printf("# %s\n", d.items[i].message);
		printf("Bail out! the test policy is not valid\n");
		exit(1);
	}
	diags_release(&d);
	return pol;
}

#endif
