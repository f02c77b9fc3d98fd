/* signers: the allowed-signers file, ssh-keygen(1) ALLOWED SIGNERS format */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "digest.h"
#include "signers.h"
#include "util.h"

#define SIGNERS_MAX_LINE 16384

static const char *const key_types[] = {
	"ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
	"ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
	"sk-ecdsa-sha2-nistp256@openssh.com", "ssh-dss", NULL
};

/* One line being read: where problems go and what has been found. */
struct line_reader {
	const char *file;
	int	 line;
	struct diags *diags;
	int	 bad;
};

static void
problem(struct line_reader *lr, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
problem(struct line_reader *lr, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	diags_add_take(lr->diags, lr->file, lr->line, 0, xvasprintf(fmt, ap));
	va_end(ap);
	lr->bad = 1;
}

/* The number of two decimal digits at s + at (checked to be digits). */
static int
two_digits(const char *s, size_t at)
{
	return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

int
signers_time(const char *s, int64_t *out)
{
	struct civil c = { 0, 0, 0, 0, 0, 0 };
	size_t	 n = strlen(s), i;

	if (n > 0 && s[n - 1] == 'Z')
		n--;
	if (n != 8 && n != 12 && n != 14)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
	}
	c.year = two_digits(s, 0) * 100 + two_digits(s, 2);
	c.month = two_digits(s, 4);
	c.day = two_digits(s, 6);
	if (n >= 12) {
		c.hour = two_digits(s, 8);
		c.minute = two_digits(s, 10);
	}
	if (n == 14)
		c.second = two_digits(s, 12);
	if (c.year < 1970 || c.month < 1 || c.month > 12 || c.day < 1 ||
	    c.day > days_in_month(c.year, c.month) || c.hour > 23 ||
	    c.minute > 59 || c.second > 59)
		return -1;
	*out = civil_to_utc(&c);
	return 0;
}

/* The next field of a line, quotes kept together; NULL at its end. */
static char *
next_field(char **p)
{
	char	*s = *p, *start;
	int	 quoted = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return NULL;
	start = s;
	for (; *s != '\0'; s++) {
		if (*s == '"')
			quoted = !quoted;
		else if (!quoted && (*s == ' ' || *s == '\t'))
			break;
	}
	if (*s != '\0')
		*s++ = '\0';
	*p = s;
	return start;
}

/* Split on commas outside quotes, each part unquoted; NULL-terminated. */
static char **
split_list(const char *s)
{
	char	**v = NULL;
	size_t	 n = 0;
	struct buf b = BUF_INIT;
	int	 quoted = 0;

	buf_init(&b);
	for (;; s++) {
		if (*s == '"') {
			quoted = !quoted;
			continue;
		}
		if (*s == '\0' || (*s == ',' && !quoted)) {
			v = xreallocarray(v, n + 2, sizeof *v);
			v[n++] = buf_detach(&b, NULL);
			v[n] = NULL;
			if (*s == '\0')
				break;
			continue;
		}
		buf_addc(&b, *s);
	}
	buf_release(&b);
	return v;
}

static void
read_principals(struct line_reader *lr, const char *field, struct signer *sg)
{
	size_t	 i;

	sg->principals = split_list(field);
	for (i = 0; sg->principals[i] != NULL; i++) {
		const char *p = sg->principals[i];

		if (*p == '\0')
			problem(lr, "an empty principal");
		else if (strpbrk(p, "*?!") != NULL)
			problem(lr, "principal '%s' is a pattern: offpeak needs "
			    "the principal itself, to name who signed", p);
		else if (str_find_control(p, NULL, NULL) != NULL)
			problem(lr, "a principal holds a control character");
	}
}

static void
read_time(struct line_reader *lr, const char *name, const char *value,
    int64_t *out)
{
	char	*v = xstrdup(value);
	size_t	 n = strlen(v);

	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		memmove(v, v + 1, n - 2);
		v[n - 2] = '\0';
	}
	if (signers_time(v, out) != 0) {
		char	*q = str_quote(v, 40);
		problem(lr, "%s=\"%s\" is not a time (YYYYMMDD or "
		    "YYYYMMDDHHMM[SS], optionally with Z)", name, q);
		free(q);
	}
	free(v);
}

static void
read_options(struct line_reader *lr, const char *field, struct signer *sg)
{
	char	**opts = split_list(field), *eq;
	size_t	 i;

	for (i = 0; opts[i] != NULL; i++) {
		eq = strchr(opts[i], '=');
		if (strcasecmp(opts[i], "cert-authority") == 0)
			problem(lr, "cert-authority lines are not read by "
			    "offpeak: give each signer's own key");
		else if (eq != NULL && strncasecmp(opts[i], "namespaces=", 11) == 0) {
			strv_free(sg->namespaces);
			sg->namespaces = split_list(eq + 1);
		} else if (eq != NULL && strncasecmp(opts[i], "valid-after=", 12) == 0)
			read_time(lr, "valid-after", eq + 1, &sg->valid_after);
		else if (eq != NULL && strncasecmp(opts[i], "valid-before=", 13) == 0)
			read_time(lr, "valid-before", eq + 1, &sg->valid_before);
		else {
			char	*q = str_quote(opts[i], 40);
			problem(lr, "unknown option '%s' (namespaces, valid-after, "
			    "valid-before)", q);
			free(q);
		}
	}
	strv_free(opts);
}

/* Is the base64 key blob one whose first string names keytype? */
static int
read_key(struct line_reader *lr, const char *type, const char *b64,
    struct signer *sg)
{
	size_t	 i, tlen;

	for (i = 0; key_types[i] != NULL; i++) {
		if (strcmp(key_types[i], type) == 0)
			break;
	}
	if (key_types[i] == NULL) {
		char	*q = str_quote(type, 40);
		problem(lr, "'%s' is not a key type (ssh-ed25519, ssh-rsa, "
		    "ecdsa-sha2-nistp256, ...)", q);
		free(q);
		return -1;
	}
	if (base64_decode(b64, &sg->key, &sg->keylen) != 0 || sg->keylen < 4) {
		problem(lr, "the %s key is not base64", type);
		return -1;
	}
	tlen = (size_t)sg->key[0] << 24 | (size_t)sg->key[1] << 16 |
	    (size_t)sg->key[2] << 8 | sg->key[3];
	if (tlen != strlen(type) || sg->keylen < 4 + tlen ||
	    memcmp(sg->key + 4, type, tlen) != 0) {
		problem(lr, "the key is not a %s key", type);
		return -1;
	}
	sg->keytype = xstrdup(type);
	return 0;
}

static int
is_key_type(const char *s)
{
	size_t	 i;

	for (i = 0; key_types[i] != NULL; i++) {
		if (strcmp(key_types[i], s) == 0)
			return 1;
	}
	return 0;
}

static void
signer_release(struct signer *sg)
{
	strv_free(sg->principals);
	strv_free(sg->namespaces);
	free(sg->keytype);
	free(sg->key);
}

/* One line: add its signer, or report what is wrong with it. */
static void
read_line(struct signers *s, struct line_reader *lr, char *text)
{
	struct signer sg;
	char	*p = text, *f[3];
	int	 n = 0;

	memset(&sg, 0, sizeof sg);
	sg.valid_after = INT64_MIN;
	sg.valid_before = INT64_MAX;
	sg.line = lr->line;
	while (n < 3 && (f[n] = next_field(&p)) != NULL)
		n++;
	if (n < 3) {
		problem(lr, "a line is \"principals [options] keytype key\"");
		return;
	}
	read_principals(lr, f[0], &sg);
	if (!is_key_type(f[1]) && strchr(f[1], '=') != NULL) {
		read_options(lr, f[1], &sg);
		f[1] = f[2];
		if ((f[2] = next_field(&p)) == NULL) {
			problem(lr, "the key is missing after the key type");
			signer_release(&sg);
			return;
		}
	}
	if (read_key(lr, f[1], f[2], &sg) != 0 || lr->bad) {
		signer_release(&sg);
		return;
	}
	if (sg.valid_after != INT64_MIN && sg.valid_before != INT64_MAX &&
	    sg.valid_after >= sg.valid_before)
		problem(lr, "valid-after is not before valid-before");
	s->v = xreallocarray(s->v, s->n + 1, sizeof *s->v);
	s->v[s->n++] = sg;
}

void
signers_parse(struct signers *s, const char *file, const char *text,
    size_t len, struct diags *diags)
{
	struct line_reader lr = { file, 0, diags, 0 };
	const char *p = text, *end = text + len, *nl;
	char	*line;

	memset(s, 0, sizeof *s);
	if (utf8_valid_prefix(text, len) != len || memchr(text, '\0', len) != NULL) {
		diags_add(diags, file, 0, 0, "not UTF-8 text");
		return;
	}
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		lr.line++;
		lr.bad = 0;
		line = xstrndup(p, (size_t)(nl - p));
		if (line[0] != '\0' && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		if (strlen(line) > SIGNERS_MAX_LINE)
			problem(&lr, "the line is longer than %d bytes",
			    SIGNERS_MAX_LINE);
		else if (str_find_control(line, "\t", NULL) != NULL)
			problem(&lr, "the line holds a control character");
		else {
			char *q = line + strspn(line, " \t");
			if (*q != '\0' && *q != '#')
				read_line(s, &lr, q);
		}
		free(line);
		p = nl + 1;
	}
}

void
signers_release(struct signers *s)
{
	size_t	 i;

	for (i = 0; i < s->n; i++)
		signer_release(&s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

static int
ns_admits(const struct signer *sg, const char *ns)
{
	size_t	 i;

	if (sg->namespaces == NULL)
		return 1;
	for (i = 0; sg->namespaces[i] != NULL; i++) {
		if (strcmp(sg->namespaces[i], ns) == 0)
			return 1;
	}
	return 0;
}

const char **
signers_principals(const struct signers *s, const unsigned char *key,
    size_t keylen, const char *ns)
{
	const char **v = xcalloc(1, sizeof *v);
	size_t	 i, j, n = 0;

	for (i = 0; i < s->n; i++) {
		const struct signer *sg = &s->v[i];

		if (sg->keylen != keylen || memcmp(sg->key, key, keylen) != 0 ||
		    !ns_admits(sg, ns))
			continue;
		for (j = 0; sg->principals[j] != NULL; j++) {
			v = xreallocarray(v, n + 2, sizeof *v);
			v[n++] = sg->principals[j];
			v[n] = NULL;
		}
	}
	return v;
}

int
signers_allows(const struct signers *s, const unsigned char *key,
    size_t keylen, const char *principal, const char *ns)
{
	const char **v = signers_principals(s, key, keylen, ns);
	size_t	 i;
	int	 found = 0;

	for (i = 0; v[i] != NULL && !found; i++)
		found = strcasecmp(v[i], principal) == 0;
	free(v);
	return found;
}
