/* sshsig: SSH signatures made and checked by OpenSSH's ssh-keygen -Y */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datetime.h"
#include "digest.h"
#include "fsutil.h"
#include "sshsig.h"
#include "util.h"

#define SSHSIG_SIGN_TIMEOUT_MS	(10 * 60 * 1000)	/* a passphrase */
#define SSHSIG_VERIFY_TIMEOUT_MS (60 * 1000)
#define SSHSIG_MAX_OUTPUT	(64 * 1024)
#define SSHSIG_BEGIN		"-----BEGIN SSH SIGNATURE-----"
#define SSHSIG_END		"-----END SSH SIGNATURE-----"

extern char **environ;

static char *sshsig_program;

void
sshsig_set_program(const char *program)
{
	free(sshsig_program);
	sshsig_program = program != NULL && *program != '\0' ?
	    xstrdup(program) : NULL;
}

static const char *
program(void)
{
	return sshsig_program != NULL ? sshsig_program : "ssh-keygen";
}

/* The environment of ssh-keygen: ours with TZ=UTC. */
static char **
keygen_env(void)
{
	size_t	 n = 0, i;
	char	**env;

	while (environ[n] != NULL)
		n++;
	env = xcalloc(n + 2, sizeof *env);
	for (i = 0, n = 0; environ[i] != NULL; i++) {
		if (strncmp(environ[i], "TZ=", 3) != 0)
			env[n++] = environ[i];
	}
	env[n++] = (char *)"TZ=UTC";
	env[n] = NULL;
	return env;
}

/* A private directory for one run's files. */
struct scratch {
	char	 dir[64];
};

static int
scratch_open(struct scratch *s, char **cause)
{
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || *tmp == '\0' || strlen(tmp) > 40)
		tmp = "/tmp";
	snprintf(s->dir, sizeof s->dir, "%s/offpeak-sig.XXXXXX", tmp);
	if (mkdtemp(s->dir) == NULL) {
		*cause = xasprintf("cannot make a temporary directory in '%s': "
		    "%s", tmp, strerror(errno));
		return -1;
	}
	return 0;
}

static char *
scratch_path(const struct scratch *s, const char *name)
{
	return xasprintf("%s/%s", s->dir, name);
}

static void
scratch_close(struct scratch *s)
{
	(void)rmtree(s->dir);	/* a leftover in TMPDIR is harmless */
}

static int
scratch_write(const struct scratch *s, const char *name, const void *data,
    size_t len, char **cause)
{
	char	*path = scratch_path(s, name);
	int	 rc = fs_write_file(path, data, len, 0600, cause);

	free(path);
	return rc;
}

/* What ssh-keygen said: its exit status and its two outputs. */
struct keygen_result {
	int	 status;	/* exit status; -1 when killed */
	char	*out;
	char	*err;		/* the first line, trimmed */
};

static void
keygen_result_release(struct keygen_result *r)
{
	free(r->out);
	free(r->err);
}

/* Wait for pid up to timeout_ms, then end it; its exit status or -1. */
static int
wait_for(pid_t pid, int64_t timeout_ms)
{
	int64_t	 deadline = mono_ms() + timeout_ms;
	int	 st, sig = SIGTERM;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (r == -1 && errno != EINTR)
			return -1;
		if (mono_ms() >= deadline) {
			kill(pid, sig);
			sig = SIGKILL;
			deadline = mono_ms() + 2000;
		}
		poll(NULL, 0, 5);
	}
}

static char *
read_small(const char *path)
{
	char	*data = NULL, *cause = NULL;
	size_t	 len;

	if (fs_read_file(path, SSHSIG_MAX_OUTPUT, &data, &len, &cause) != 0) {
		free(cause);
		return xstrdup("");
	}
	return data;
}

/* ssh-keygen's first line of complaint, for a one-line message. */
static char *
first_line(const char *text)
{
	const char *p = text;
	char	*line, *q;

	while (*p == '\n' || *p == ' ')
		p++;
	line = xstrndup(p, strcspn(p, "\n"));
	q = str_quote(line, 300);
	free(line);
	return q;
}

/*
 * Run ssh-keygen with argv (argv[0] is replaced by the program), stdin
 * from the scratch file "in", stdout and stderr into scratch files.
 * Returns 0 with *res, or -1 with *cause when it could not be started.
 */
static int
keygen_run(const struct scratch *s, char **argv, int64_t timeout_ms,
    struct keygen_result *res, char **cause)
{
	char	*in = scratch_path(s, "in"), *out = scratch_path(s, "out");
	char	*err = scratch_path(s, "err"), **env = keygen_env(), *raw;
	int	 fdin, fdout, fderr, rc = -1;
	pid_t	 pid;

	memset(res, 0, sizeof *res);
	argv[0] = (char *)program();
	fdin = open(in, O_RDONLY | O_CLOEXEC);
	fdout = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fderr = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fdin == -1 || fdout == -1 || fderr == -1) {
		*cause = xasprintf("cannot prepare ssh-keygen's files: %s",
		    strerror(errno));
		goto out;
	}
	fflush(NULL);
	if ((pid = fork()) == -1) {
		*cause = xasprintf("cannot start %s: %s", argv[0],
		    strerror(errno));
		goto out;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (dup2(fdin, 0) == -1 || dup2(fdout, 1) == -1 ||
		    dup2(fderr, 2) == -1)
			_exit(126);
		execvpe(argv[0], argv, env);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	res->status = wait_for(pid, timeout_ms);
	res->out = read_small(out);
	raw = read_small(err);
	res->err = first_line(raw);
	free(raw);
	if (res->status == 127 || res->status == 126) {
		*cause = xasprintf("%s (OpenSSH's ssh-keygen signs and checks "
		    "signatures; Debian: apt-get install openssh-client)",
		    res->err);
		keygen_result_release(res);
		goto out;
	}
	rc = 0;
out:
	if (fdin != -1)
		close(fdin);
	if (fdout != -1)
		close(fdout);
	if (fderr != -1)
		close(fderr);
	free(in);
	free(out);
	free(err);
	free(env);
	return rc;
}

int
sshsig_sign(const char *key, const char *ns, const char *data, size_t len,
    char **sig, char **cause)
{
	struct scratch s;
	struct keygen_result res;
	char	*keyfile = NULL, *argv[8];
	int	 rc = -1;

	if (scratch_open(&s, cause) != 0)
		return -1;
	if (scratch_write(&s, "in", data, len, cause) != 0)
		goto out;
	if (strncmp(key, "key::", 5) == 0) {
		/* a literal public key: its private half is in the agent */
		if (scratch_write(&s, "key.pub", key + 5, strlen(key + 5),
		    cause) != 0)
			goto out;
		keyfile = scratch_path(&s, "key.pub");
	} else
		keyfile = xstrdup(key);
	argv[0] = NULL;
	argv[1] = (char *)"-Y";
	argv[2] = (char *)"sign";
	argv[3] = (char *)"-f";
	argv[4] = keyfile;
	argv[5] = (char *)"-n";
	argv[6] = (char *)ns;
	argv[7] = NULL;
	if (keygen_run(&s, argv, SSHSIG_SIGN_TIMEOUT_MS, &res, cause) != 0)
		goto out;
	if (res.status != 0 || strstr(res.out, SSHSIG_BEGIN) == NULL)
		*cause = xasprintf("cannot sign with key '%s': %s", key,
		    res.err[0] != '\0' ? res.err : "ssh-keygen failed");
	else {
		*sig = res.out;
		res.out = NULL;
		rc = 0;
	}
	keygen_result_release(&res);
out:
	free(keyfile);
	scratch_close(&s);
	return rc;
}

int
sshsig_keygen(const char *path, const char *comment, char **cause)
{
	struct scratch s;
	struct keygen_result res;
	char	*argv[11];
	int	 rc = -1;

	if (scratch_open(&s, cause) != 0)
		return -1;
	if (scratch_write(&s, "in", "", 0, cause) != 0)
		goto out;
	argv[0] = NULL;
	argv[1] = (char *)"-q";
	argv[2] = (char *)"-t";
	argv[3] = (char *)"ed25519";
	argv[4] = (char *)"-N";
	argv[5] = (char *)"";
	argv[6] = (char *)"-C";
	argv[7] = (char *)comment;
	argv[8] = (char *)"-f";
	argv[9] = (char *)path;
	argv[10] = NULL;
	if (keygen_run(&s, argv, SSHSIG_VERIFY_TIMEOUT_MS, &res, cause) != 0)
		goto out;
	if (res.status == 0)
		rc = 0;
	else
		*cause = xasprintf("cannot make a key at '%s': %s", path,
		    res.err[0] != '\0' ? res.err : "ssh-keygen failed");
	keygen_result_release(&res);
out:
	scratch_close(&s);
	return rc;
}

/* The key blob of "type base64 [comment]" text. */
static int
blob_of_public(const char *text, unsigned char **blob, size_t *len)
{
	char	*copy = xstrdup(text), *p = copy, *type, *b64;
	int	 rc;

	p += strspn(p, " \t\r\n");
	type = p;
	p += strcspn(p, " \t");
	if (*p == '\0') {
		free(copy);
		return -1;
	}
	*p++ = '\0';
	p += strspn(p, " \t");
	b64 = p;
	p += strcspn(p, " \t\r\n");
	*p = '\0';
	rc = *type == '\0' || *b64 == '\0' ? -1 : base64_decode(b64, blob, len);
	free(copy);
	return rc;
}

int
sshsig_public_key(const char *key, unsigned char **blob, size_t *len,
    char **cause)
{
	struct scratch s;
	struct keygen_result res;
	char	*text = NULL, *pub, *why = NULL, *argv[5];
	size_t	 n;
	int	 rc = -1;

	if (strncmp(key, "key::", 5) == 0)
		text = xstrdup(key + 5);
	else {
		pub = str_endswith(key, ".pub") ? xstrdup(key) :
		    xasprintf("%s.pub", key);
		if (fs_read_file(pub, SSHSIG_MAX_OUTPUT, &text, &n, &why) != 0) {
			free(why);
			text = NULL;
		}
		free(pub);
	}
	if (text != NULL && strncmp(text, "-----", 5) != 0 &&
	    blob_of_public(text, blob, len) == 0) {
		free(text);
		return 0;
	}
	free(text);
	/* a private key alone: ask ssh-keygen for its public half */
	if (scratch_open(&s, cause) != 0)
		return -1;
	if (scratch_write(&s, "in", "", 0, cause) != 0)
		goto out;
	argv[0] = NULL;
	argv[1] = (char *)"-y";
	argv[2] = (char *)"-f";
	argv[3] = (char *)key;
	argv[4] = NULL;
	if (keygen_run(&s, argv, SSHSIG_VERIFY_TIMEOUT_MS, &res, cause) != 0)
		goto out;
	if (res.status == 0 && blob_of_public(res.out, blob, len) == 0)
		rc = 0;
	else
		*cause = xasprintf("cannot read the public key of '%s': %s", key,
		    res.err[0] != '\0' ? res.err : "not an SSH key");
	keygen_result_release(&res);
out:
	scratch_close(&s);
	return rc;
}

/* An SSH wire string at *p (of *left bytes): 0 with its place, or -1. */
static int
wire_string(const unsigned char **p, size_t *left, const unsigned char **s,
    size_t *len)
{
	size_t	 n;

	if (*left < 4)
		return -1;
	n = (size_t)(*p)[0] << 24 | (size_t)(*p)[1] << 16 |
	    (size_t)(*p)[2] << 8 | (*p)[3];
	if (n > *left - 4)
		return -1;
	*s = *p + 4;
	*len = n;
	*p += 4 + n;
	*left -= 4 + n;
	return 0;
}

/* The base64 between the armour lines, white space removed. */
static char *
armour_body(const char *armored)
{
	const char *b = strstr(armored, SSHSIG_BEGIN), *e;
	struct buf out = BUF_INIT;

	if (b == NULL || (e = strstr(b, SSHSIG_END)) == NULL)
		return NULL;
	buf_init(&out);
	for (b += strlen(SSHSIG_BEGIN); b < e; b++) {
		if (*b != '\n' && *b != '\r' && *b != ' ' && *b != '\t')
			buf_addc(&out, *b);
	}
	return buf_detach(&out, NULL);
}

static char *
fingerprint(const unsigned char *key, size_t len)
{
	struct digest d;
	unsigned char md[SHA256_LEN];
	char	*b64, *fp;
	size_t	 n;

	digest_init(&d);
	digest_update(&d, key, len);
	digest_final(&d, md);
	b64 = base64_text(md, sizeof md, 0);
	n = strlen(b64);
	while (n > 0 && b64[n - 1] == '=')
		b64[--n] = '\0';
	fp = xasprintf("SHA256:%s", b64);
	free(b64);
	return fp;
}

int
sshsig_parse(const char *armored, struct sshsig_info *info, char **cause)
{
	char	*body = armour_body(armored);
	unsigned char *blob = NULL;
	const unsigned char *p, *key, *ns, *type;
	size_t	 left, keylen, nslen, typelen, bloblen;

	memset(info, 0, sizeof *info);
	if (body == NULL || base64_decode(body, &blob, &bloblen) != 0) {
		free(body);
		*cause = xstrdup("not an armored SSH signature");
		return -1;
	}
	free(body);
	p = blob;
	left = bloblen;
	if (left < 10 || memcmp(p, "SSHSIG", 6) != 0 || p[6] != 0 ||
	    p[7] != 0 || p[8] != 0 || p[9] != 1) {
		free(blob);
		*cause = xstrdup("not an SSH signature of version 1");
		return -1;
	}
	p += 10;
	left -= 10;
	if (wire_string(&p, &left, &key, &keylen) != 0 ||
	    wire_string(&p, &left, &ns, &nslen) != 0 ||
	    (p = key, left = keylen, wire_string(&p, &left, &type,
	    &typelen)) != 0 || memchr(ns, '\0', nslen) != NULL ||
	    memchr(type, '\0', typelen) != NULL) {
		free(blob);
		*cause = xstrdup("a malformed SSH signature");
		return -1;
	}
	info->key = xmalloc(keylen);
	memcpy(info->key, key, keylen);
	info->keylen = keylen;
	info->keytype = xstrndup((const char *)type, typelen);
	info->ns = xstrndup((const char *)ns, nslen);
	info->fingerprint = fingerprint(key, keylen);
	free(blob);
	return 0;
}

void
sshsig_info_release(struct sshsig_info *info)
{
	free(info->key);
	free(info->keytype);
	free(info->ns);
	free(info->fingerprint);
	memset(info, 0, sizeof *info);
}

/* The cache of good verifications: sorted digests, and its file. */
struct sshsig_cache {
	char	*path;
	char	(*v)[SHA256_HEX];
	size_t	 n;
};

static int
hex_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

struct sshsig_cache *
sshsig_cache_open(const char *path)
{
	struct sshsig_cache *c = xcalloc(1, sizeof *c);
	char	*data = NULL, *cause = NULL, *p, *nl;
	size_t	 len;

	if (path == NULL)
		return c;
	c->path = xstrdup(path);
	if (fs_read_file(path, 64 * 1024 * 1024, &data, &len, &cause) != 0) {
		free(cause);
		return c;
	}
	for (p = data; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		if (nl - p != SHA256_HEX - 1)
			continue;
		c->v = xreallocarray(c->v, c->n + 1, sizeof *c->v);
		memcpy(c->v[c->n], p, SHA256_HEX - 1);
		c->v[c->n++][SHA256_HEX - 1] = '\0';
	}
	free(data);
	array_sort(c->v, c->n, sizeof *c->v, hex_cmp);
	return c;
}

void
sshsig_cache_free(struct sshsig_cache *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->v);
	free(c);
}

static int
cache_has(const struct sshsig_cache *c, const char *hex)
{
	return c != NULL && c->n > 0 &&
	    bsearch(hex, c->v, c->n, sizeof *c->v, hex_cmp) != NULL;
}

/* Keep a good result; the file gets one line appended (best effort). */
static void
cache_add(struct sshsig_cache *c, const char *hex)
{
	char	 line[SHA256_HEX + 1];
	size_t	 i;
	int	 fd;

	if (c == NULL)
		return;
	c->v = xreallocarray(c->v, c->n + 1, sizeof *c->v);
	for (i = c->n; i > 0 && strcmp(c->v[i - 1], hex) > 0; i--)
		memcpy(c->v[i], c->v[i - 1], SHA256_HEX);
	memcpy(c->v[i], hex, SHA256_HEX);
	c->n++;
	if (c->path == NULL ||
	    (fd = open(c->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0600)) == -1)
		return;
	snprintf(line, sizeof line, "%s\n", hex);
	if (write(fd, line, SHA256_HEX) != SHA256_HEX) {
		/* a cache that was not written is checked again next time */
	}
	close(fd);
}

/* The digest of everything a verification depends on. */
static void
verify_key(const char *signers, size_t signers_len, const char *principal,
    const char *ns, const char *sig, const char *data, size_t len, int64_t at,
    char hex[SHA256_HEX])
{
	struct digest d;
	unsigned char md[SHA256_LEN];
	char	 num[32];
	const char *parts[] = { "offpeak-sshsig-1", principal, ns, sig, num };
	size_t	 i;

	snprintf(num, sizeof num, "%lld", (long long)at);
	digest_init(&d);
	for (i = 0; i < nitems(parts); i++)
		digest_update(&d, parts[i], strlen(parts[i]) + 1);
	digest_update(&d, signers, signers_len);
	digest_update(&d, "", 1);
	digest_update(&d, data, len);
	digest_final(&d, md);
	hex_encode(md, sizeof md, hex);
}

/* "-Overify-time=20261201020000Z" */
static char *
verify_time(int64_t at)
{
	struct civil c;

	utc_to_civil(at, &c);
	return xasprintf("-Overify-time=%04d%02d%02d%02d%02d%02dZ", c.year,
	    c.month, c.day, c.hour, c.minute, c.second);
}

static int
verify_run(const char *signers, size_t signers_len, const char *principal,
    const char *ns, const char *sig, const char *data, size_t len, int64_t at,
    char **cause)
{
	struct scratch s;
	struct keygen_result res;
	char	*argv[13], *fsigners = NULL, *fsig = NULL, *vt = verify_time(at);
	int	 rc = -1;

	if (scratch_open(&s, cause) != 0) {
		free(vt);
		return -1;
	}
	if (scratch_write(&s, "in", data, len, cause) != 0 ||
	    scratch_write(&s, "signers", signers, signers_len, cause) != 0 ||
	    scratch_write(&s, "sig", sig, strlen(sig), cause) != 0)
		goto out;
	fsigners = scratch_path(&s, "signers");
	fsig = scratch_path(&s, "sig");
	argv[0] = NULL;
	argv[1] = (char *)"-Y";
	argv[2] = (char *)"verify";
	argv[3] = (char *)"-f";
	argv[4] = fsigners;
	argv[5] = (char *)"-I";
	argv[6] = (char *)principal;
	argv[7] = (char *)"-n";
	argv[8] = (char *)ns;
	argv[9] = (char *)"-s";
	argv[10] = fsig;
	argv[11] = vt;
	argv[12] = NULL;
	if (keygen_run(&s, argv, SSHSIG_VERIFY_TIMEOUT_MS, &res, cause) != 0)
		goto out;
	if (res.status == 0)
		rc = 0;
	else {
		/* "signers:1: key is not yet valid: ..." names our scratch file */
		const char *why = res.err;

		if (strncmp(why, "signers:", 8) == 0 && strchr(why + 8, ' '))
			why = strchr(why + 8, ' ') + 1;
		*cause = xstrdup(why[0] != '\0' ? why : "the signature does "
		    "not verify");
		rc = 1;
	}
	keygen_result_release(&res);
out:
	free(fsigners);
	free(fsig);
	free(vt);
	scratch_close(&s);
	return rc;
}

int
sshsig_verify(struct sshsig_cache *c, const char *signers, size_t signers_len,
    const char *principal, const char *ns, const char *sig, const char *data,
    size_t len, int64_t at, char **cause)
{
	char	 hex[SHA256_HEX];
	int	 rc;

	verify_key(signers, signers_len, principal, ns, sig, data, len, at,
	    hex);
	if (cache_has(c, hex))
		return 0;
	if ((rc = verify_run(signers, signers_len, principal, ns, sig, data,
	    len, at, cause)) == 0)
		cache_add(c, hex);
	return rc;
}
