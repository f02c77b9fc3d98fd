/*
 * fuzz.h: what the libFuzzer harnesses share. Each harness defines
 * LLVMFuzzerTestOneInput; built with --enable-fuzz it links libFuzzer's
 * main (make fuzz-smoke), otherwise tests/fuzz/driver.c, which runs the
 * files it is given once each (make check runs the seeds and every
 * regression input that way).
 */
#ifndef OFFPEAK_FUZZ_H
#define OFFPEAK_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	 LLVMFuzzerInitialize(int *, char ***);

/* An invariant of the code under test: abort (a finding) when it fails. */
#define fuzz_check(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "check failed: %s (%s:%d)\n", #cond,	\
		    __FILE__, __LINE__);				\
		abort();						\
	}								\
} while (0)

/* The input as a NUL-terminated string (allocated). */
static inline char *
fuzz_text(const uint8_t *data, size_t size)
{
	char	*s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A message for people: valid UTF-8, one line, no control characters. */
static inline int
fuzz_one_line(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	 n;

	while (*p != '\0') {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		if (*p < 0x80) {
			p++;
			continue;
		}
		n = *p >= 0xf0 ? 3 : *p >= 0xe0 ? 2 : *p >= 0xc2 ? 1 : 0;
		if (n == 0 || *p > 0xf4)
			return 0;
		for (p++; n > 0; n--, p++) {
			if ((*p & 0xc0) != 0x80)
				return 0;
		}
	}
	return 1;
}

/* A message must be one clear line: print it when it is not. */
#define fuzz_check_line(msg) do {					\
	const char *m_ = (msg);						\
	if (m_ == NULL || !fuzz_one_line(m_)) {				\
		fprintf(stderr, "not one line: [%s]\n", m_ ? m_ : "(null)"); \
		fuzz_check(!"a message is one line of text");		\
	}								\
} while (0)

#endif
