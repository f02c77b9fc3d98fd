/* util: allocation, growable buffers, strings, UTF-8 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static void
die_oom(void)
{
	fputs("offpeak: out of memory\n", stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void	*p = malloc(n ? n : 1);

	if (p == NULL)
		die_oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		die_oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		die_oom();
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		die_oom();
	return xrealloc(p, n * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char	*s;

	if (vasprintf(&s, fmt, ap) < 0)
		die_oom();
	return s;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

static char buf_empty[1];

void
buf_init(struct buf *b)
{
	b->data = buf_empty;
	b->len = 0;
	b->alloc = 0;
}

void
buf_release(struct buf *b)
{
	if (b->alloc != 0)
		free(b->data);
	buf_init(b);
}

void
buf_grow(struct buf *b, size_t extra)
{
	size_t	 want;

	if (b->alloc == 0 && b->data != buf_empty)
		buf_init(b);	/* zero-initialised with BUF_INIT */
	if (extra >= SIZE_MAX - b->len - 1)
		die_oom();
	want = b->len + extra + 1;
	if (want <= b->alloc)
		return;
	if (want < b->alloc * 2)
		want = b->alloc * 2;
	if (want < 64)
		want = 64;
	if (b->alloc == 0) {
		b->data = xmalloc(want);
		b->data[0] = '\0';
	} else
		b->data = xrealloc(b->data, want);
	b->alloc = want;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	buf_grow(b, 64);
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->alloc - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= b->alloc - b->len) {
		buf_grow(b, n);
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, b->alloc - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += n;
}

void
buf_reset(struct buf *b)
{
	if (b->alloc == 0) {
		buf_init(b);
		return;
	}
	b->len = 0;
	b->data[0] = '\0';
}

char *
buf_detach(struct buf *b, size_t *len)
{
	char	*s;

	if (b->alloc == 0)
		s = xstrdup("");
	else
		s = b->data;
	if (len != NULL)
		*len = b->len;
	buf_init(b);
	return s;
}

const char *
buf_str(const struct buf *b)
{
	return b->data != NULL ? b->data : buf_empty;
}

size_t
utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	 n, k;
	uint32_t c;

	if (len == 0)
		return 0;
	*cp = p[0];
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 1; c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 2; c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 3; c = p[0] & 0x07;
	} else
		return 0;
	if (n >= len)
		return 0;
	for (k = 1; k <= n; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[k] & 0x3f);
	}
	if ((n == 2 && c < 0x800) || (n == 3 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n + 1;
}

size_t
utf8_valid_prefix(const char *s, size_t len)
{
	size_t	 i = 0, n;
	uint32_t cp;

	while (i < len && (n = utf8_decode(s + i, len - i, &cp)) != 0)
		i += n;
	return i;
}

int
char_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

const char *
str_find_control(const char *s, const char *allow, uint32_t *found)
{
	size_t	 len = strlen(s), n;
	uint32_t cp;

	while (*s != '\0') {
		if ((n = utf8_decode(s, len, &cp)) == 0)
			n = 1;	/* not UTF-8: for utf8_valid_prefix to report */
		else if (char_is_control(cp) && (cp >= 0x80 || allow == NULL ||
		    strchr(allow, (int)cp) == NULL)) {
			if (found != NULL)
				*found = cp;
			return s;
		}
		s += n;
		len -= n;
	}
	return NULL;
}

char *
str_quote(const char *s, size_t max)
{
	struct buf b = BUF_INIT;
	size_t	 len = strlen(s), n, shown = 0;
	uint32_t cp;

	while (len > 0) {
		if (shown >= max) {
			buf_adds(&b, "...");
			break;
		}
		n = utf8_decode(s, len, &cp);
		if (n == 0) {
			buf_addf(&b, "\\x%02x", (unsigned char)*s);
			n = 1;
		} else if (cp == '\n')
			buf_adds(&b, "\\n");
		else if (cp == '\r')
			buf_adds(&b, "\\r");
		else if (cp == '\t')
			buf_adds(&b, "\\t");
		else if (char_is_control(cp))
			buf_addf(&b, cp < 0x100 ? "\\x%02x" : "\\u%04x",
			    (unsigned)cp);
		else
			buf_add(&b, s, n);
		s += n;
		len -= n;
		shown++;
	}
	return buf_detach(&b, NULL);
}

int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
str_endswith(const char *s, const char *suffix)
{
	size_t	 a = strlen(s), b = strlen(suffix);

	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

const char *
path_problem(const char *path, unsigned flags)
{
	const char *s = path;
	size_t	 n;

	if (*path == '\0')
		return "is empty";
	if (*path == '/')
		return "is absolute";
	if (str_endswith(path, "/"))
		return "ends with '/'";
	while (*s != '\0') {
		n = strcspn(s, "/");
		if (n == 0)
			return "has an empty component";
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return "contains '..'";
		if ((flags & PATH_STRICT) && ((n == 1 && s[0] == '.') ||
		    (n == 4 && strncmp(s, ".git", 4) == 0)))
			return n == 1 ? "has a '.' component" :
			    "has a '.git' component";
		s += n;
		if (*s == '/')
			s++;
	}
	return NULL;
}

int
name_valid(const char *s)
{
	size_t	 i;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (i = 1; s[i] != '\0'; i++) {
		char c = s[i];
		if (i > 63)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int
url_valid(const char *s)
{
	const char *host, *p;

	if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else
		return 0;
	if (*host == '\0' || strchr("/?#:", *host) != NULL)
		return 0;
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return 0;
	}
	return 1;
}

uint64_t
hash_str(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

void
strv_free(char **v)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

int
strv_has(char *const *v, const char *s)
{
	size_t	 i;

	for (i = 0; v != NULL && v[i] != NULL; i++) {
		if (strcmp(v[i], s) == 0)
			return 1;
	}
	return 0;
}

char *
strv_join(const char *const *v, const char *sep)
{
	struct buf b = BUF_INIT;
	size_t	 i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		buf_addf(&b, "%s%s", i ? sep : "", v[i]);
	return buf_detach(&b, NULL);
}

size_t
strv_len(char *const *v)
{
	size_t	 n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

void
test_pause(const char *point)
{
	const char *env = getenv("OFFPEAK_TEST_PAUSE"), *colon;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	struct stat st;
	char	*reached, *go;
	int	 fd, i;

	if (env == NULL || (colon = strchr(env, ':')) == NULL ||
	    strlen(point) != (size_t)(colon - env) ||
	    strncmp(env, point, colon - env) != 0)
		return;
	reached = xasprintf("%s/%s.reached", colon + 1, point);
	go = xasprintf("%s/%s.go", colon + 1, point);
	if ((fd = open(reached, O_WRONLY | O_CREAT, 0644)) != -1)
		close(fd);
	for (i = 0; i < 6000 && stat(go, &st) != 0; i++)
		nanosleep(&ts, NULL);
	free(reached);
	free(go);
}

int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
set_cause(char **cause, char *message)
{
	if (cause != NULL)
		*cause = message;
	else
		free(message);
}

int
cmp_int64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

void
array_sort(void *base, size_t n, size_t size,
    int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}
