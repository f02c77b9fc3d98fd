/* util: allocation, growable buffers, strings, UTF-8 */
#ifndef OFFPEAK_UTIL_H
#define OFFPEAK_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Exit codes of the offpeak command (DESIGN.md). */
/*
 * What a library operation came to. The command line maps it to the exit
 * codes of offpeak(1) (cmd_exit in cli/cmd.h); the values are those codes,
 * so that the two never disagree.
 */
enum outcome {
	OUT_OK = 0,		/* done */
	OUT_INVALID = 1,	/* invalid input or refused by a gate */
	OUT_BADARG = 2,		/* an argument that is not one (an address) */
	OUT_FAILED = 3,		/* the change ran and failed */
	OUT_RACE = 4,		/* lost a race: state moved, lock held elsewhere */
	OUT_ENV = 5		/* repository, file system, network */
};

#define nitems(a) (sizeof (a) / sizeof (a)[0])

/* Allocation failure is fatal: these never return NULL. */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *, va_list) __attribute__((format(printf, 1, 0)));

/*
 * A growable string: never NULL, always NUL-terminated; buf_detach() is the
 * only way to take the memory.
 */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 alloc;
};
#define BUF_INIT { NULL, 0, 0 }

void	 buf_init(struct buf *);
void	 buf_release(struct buf *);
void	 buf_grow(struct buf *, size_t);
void	 buf_add(struct buf *, const void *, size_t);
void	 buf_adds(struct buf *, const char *);
void	 buf_addc(struct buf *, char);
void	 buf_addf(struct buf *, const char *, ...) __attribute__((format(printf, 2, 3)));
void	 buf_reset(struct buf *);
/* Hand the string to the caller, who frees it; the buffer is left empty. */
char	*buf_detach(struct buf *, size_t *);
/* The buffer's string; valid until the next change to the buffer. */
const char *buf_str(const struct buf *);

/*
 * Decode the UTF-8 character at s (len bytes left): its length in bytes,
 * or 0 when the bytes are not UTF-8 (then *cp is the first byte).
 */
size_t	 utf8_decode(const char *s, size_t len, uint32_t *cp);
/* Length of the valid UTF-8 prefix of s[0..len); equals len when valid. */
size_t	 utf8_valid_prefix(const char *, size_t);
/*
 * Is the character one that text must not carry: C0, DEL, C1 (U+0080 to
 * U+009F), or a bidirectional embedding, override or isolate (U+202A to
 * U+202E, U+2066 to U+2069), which make text read other than it is?
 */
int	 char_is_control(uint32_t);
/*
 * The first such character in s, or NULL; allow names C0 characters that
 * may stay ("\n\t" for a description; NULL: none). *found, when not NULL,
 * gets its code point. Bytes that are not UTF-8 are skipped.
 */
const char *str_find_control(const char *s, const char *allow,
	     uint32_t *found);
/*
 * Untrusted text made fit for a one-line message (allocated): control
 * characters as \n, \t, \xNN or \uNNNN, bytes that are not UTF-8 as
 * \xNN, and cut after max characters with "...".
 */
char	*str_quote(const char *, size_t max);
/* Does s end with suffix? */
int	 str_endswith(const char *, const char *);
/* The value of a hex digit (either case), or -1. */
int	 hex_value(int c);
/*
 * What is wrong with a path meant to name a file inside a tree: absolute,
 * ending in '/', an empty or ".." component; with PATH_STRICT also a "."
 * or ".git" component. NULL when it is fine; else a phrase ("is
 * absolute", "contains '..'", ...) to follow the path in a message.
 */
#define PATH_STRICT	0x1
const char *path_problem(const char *path, unsigned flags);
/* Does a match ^[a-z0-9][a-z0-9._-]{0,63}$ (plan ids, system and group names)? */
int	 name_valid(const char *);
/* Is s an http:// or https:// URL with a host and no whitespace? */
int	 url_valid(const char *);

/* Free a NULL-terminated string vector (NULL is fine). */
void	 strv_free(char **);
/* Number of strings in a NULL-terminated vector (0 for NULL). */
size_t	 strv_len(char *const *);
/* The strings joined with sep, allocated. */
char	*strv_join(const char *const *, const char *sep);
/* Is s one of v (NULL-terminated, or NULL)? */
int	 strv_has(char *const *v, const char *s);

/*
 * A pause point for tests of races and crashes. When OFFPEAK_TEST_PAUSE is
 * "<point>:<dir>" and point matches, create <dir>/<point>.reached and wait
 * (up to 60 s) until <dir>/<point>.go exists. Does nothing otherwise.
 */
void	 test_pause(const char *point);

/* Milliseconds of a monotonic clock, for timeouts and elapsed time. */
int64_t	 mono_ms(void);
/* Hand message to *cause, or free it when the caller wants none. */
void	 set_cause(char **cause, char *message);

/* Compare two int64_t, for array_sort and bsearch. */
int	 cmp_int64(const void *, const void *);
/*
 * qsort for any n: with fewer than two elements (so also the NULL base of
 * an empty array, which qsort must not be given) nothing is done.
 */
void	 array_sort(void *base, size_t n, size_t size,
	     int (*cmp)(const void *, const void *));

/* Stable 64-bit FNV-1a hash, for hash tables. */
uint64_t hash_str(const char *);

#endif
