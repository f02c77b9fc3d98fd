/*
 * t-signers: the allowed-signers file — lines read, bad lines reported at
 * file:line, the principals a key stands for in a namespace; and, with
 * real keys made by ssh-keygen, signatures parsed, made and verified
 * (sshsig) including valid-before and the cache of good verifications.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "signers.h"
#include "sshsig.h"
#include "tap.h"
#include "testutil.h"
#include "util.h"

/* Two fixed public keys (their private halves are not needed here). */
#define K1 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGmgBSwRJEugae5djU7GYdZ2eBPCOfWVkW7q9PdYmLMn"
#define K2 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIsh3B3Dm/EhuayVgVMA6DZXzd5dcap3qF61WFzwjMYh"

static void
blob_of(const char *line, unsigned char **blob, size_t *len)
{
	const char *b64 = strchr(line, ' ') + 1;

	if (base64_decode(b64, blob, len) != 0) {
		printf("Bail out! a test key is not base64\n");
		exit(1);
	}
}

static int
has_problem(const struct diags *d, int line, const char *what)
{
	size_t	 i;

	for (i = 0; i < d->n; i++) {
		if (d->items[i].line == line && strstr(d->items[i].message, what))
			return 1;
	}
	return 0;
}

static void
test_parse(void)
{
	static const char text[] =
	    "# who may sign\n"
	    "\n"
	    "alice@example.com " K1 " alice's laptop\n"
	    "bob@example.com,robert@example.com namespaces=\"offpeak-approval,git\" " K2 "\n"
	    "carol@example.com valid-after=\"20260101\",valid-before=\"20261115Z\" " K1 "\n"
	    "*@example.com " K1 "\n"
	    "dave@example.com cert-authority " K1 "\n"
	    "erin@example.com valid-before=\"tomorrow\" " K1 "\n"
	    "frank@example.com ssh-rsa AAAA\n"
	    "gina@example.com ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ==\n"
	    "hal@example.com\n"
	    "ivan@example.com frobnicate=\"1\" " K1 "\n";
	struct signers s;
	struct diags d;
	unsigned char *k1, *k2;
	size_t	 l1, l2;
	const char **v;

	diags_init(&d);
	signers_parse(&s, "keys/allowed_signers", text, strlen(text), &d);
	is_int(s.n, 3, "three good lines are kept");
	ok(has_problem(&d, 6, "is a pattern"), "a pattern principal is refused at its line");
	ok(has_problem(&d, 7, "cert-authority"), "cert-authority is refused");
	ok(has_problem(&d, 8, "is not a time"), "a bad valid-before is refused");
	ok(has_problem(&d, 9, "not base64") || has_problem(&d, 9, "not a ssh-rsa key"),
	    "a key that is not one is refused");
	ok(has_problem(&d, 10, "is not a ssh-ed25519 key"), "a key of another type is refused");
	ok(has_problem(&d, 11, "principals [options] keytype key"), "a short line is refused");
	ok(has_problem(&d, 12, "unknown option 'frobnicate"), "an unknown option is refused");
	ok(d.n == 7 && strcmp(d.items[0].file, "keys/allowed_signers") == 0,
	    "each problem names the file (%zu problems)", d.n);
	is_int(s.v[2].valid_before, 1794700800, "valid-before is read as UTC");
	is_int(s.v[2].valid_after, 1767225600, "valid-after without Z is UTC too");

	blob_of(K1, &k1, &l1);
	blob_of(K2, &k2, &l2);
	v = signers_principals(&s, k2, l2, "git");
	ok(v[0] != NULL && strcmp(v[0], "bob@example.com") == 0 && v[1] != NULL &&
	    strcmp(v[1], "robert@example.com") == 0 && v[2] == NULL,
	    "a key's principals in an admitted namespace");
	free(v);
	v = signers_principals(&s, k2, l2, "offpeak-run");
	ok(v[0] == NULL, "none in a namespace the line does not admit");
	free(v);
	ok(signers_allows(&s, k1, l1, "Carol@Example.com", "offpeak-run"),
	    "a line without namespaces admits any; principals in any case");
	ok(!signers_allows(&s, k1, l1, "bob@example.com", "git"),
	    "another person's key is not theirs");
	free(k1);
	free(k2);
	signers_release(&s);
	diags_release(&d);

	diags_init(&d);
	signers_parse(&s, "f", "a@b " K1 "\n\xff\n", 33 + strlen(K1), &d);
	ok(d.n == 1 && strstr(d.items[0].message, "not UTF-8"), "bytes that are not UTF-8 are refused");
	signers_release(&s);
	diags_release(&d);
}

static void
test_times(void)
{
	int64_t	 t;

	ok(signers_time("20261201", &t) == 0 && t == 1796083200, "YYYYMMDD");
	ok(signers_time("202612010230Z", &t) == 0 && t == 1796092200, "YYYYMMDDHHMMZ");
	ok(signers_time("20261201023005", &t) == 0 && t == 1796092205, "YYYYMMDDHHMMSS");
	ok(signers_time("20261301", &t) != 0, "month 13 is refused");
	ok(signers_time("2026120", &t) != 0, "seven digits are refused");
	ok(signers_time("20260230", &t) != 0, "February 30 is refused");
}

/* Real keys: sign, parse, verify, refuse; the cache remembers. */
static void
test_sshsig(const char *dir)
{
	struct sshsig_info info;
	struct sshsig_cache *c;
	char	*k1 = xasprintf("%s/k1", dir), *k2 = xasprintf("%s/k2", dir);
	char	*sig = NULL, *cause = NULL, *signers, *cache;
	unsigned char *blob;
	size_t	 len;
	const char *msg = "offpeak-approval 1\nplan p\n";
	char	*pub1;

	if (sh("ssh-keygen -q -t ed25519 -N '' -C k1 -f %s </dev/null && "
	    "ssh-keygen -q -t ed25519 -N '' -C k2 -f %s </dev/null", k1, k2)) {
		printf("Bail out! ssh-keygen cannot make keys\n");
		exit(1);
	}
	ok(sshsig_keygen(k2, "again", &cause) != 0, "keygen refuses to overwrite a key (%s)",
	    cause ? cause : "-");
	free(cause);
	cause = NULL;
	pub1 = capture("cut -d' ' -f1,2 %s.pub", k1);
	signers = xasprintf("alice@example.com valid-before=\"20261115\" %s\n", pub1);
	ok(sshsig_sign(k1, SSHSIG_NS_APPROVAL, msg, strlen(msg), &sig, &cause) == 0,
	    "ssh-keygen -Y sign signs (%s)", cause ? cause : "ok");
	ok(sig != NULL && sshsig_parse(sig, &info, &cause) == 0 &&
	    strcmp(info.ns, SSHSIG_NS_APPROVAL) == 0 &&
	    strcmp(info.keytype, "ssh-ed25519") == 0 &&
	    strncmp(info.fingerprint, "SHA256:", 7) == 0,
	    "the signature names its namespace, key type and fingerprint");
	ok(sshsig_public_key(k1, &blob, &len, &cause) == 0 && len == info.keylen &&
	    memcmp(blob, info.key, len) == 0, "the key file's public half is the signature's key");
	free(blob);
	sshsig_info_release(&info);
	cache = xasprintf("%s/verified", dir);
	c = sshsig_cache_open(cache);
	ok(sshsig_verify(c, signers, strlen(signers), "alice@example.com",
	    SSHSIG_NS_APPROVAL, sig, msg, strlen(msg), 1796083200 - 30 * 86400,
	    &cause) == 0, "a good signature verifies before valid-before");
	ok(sshsig_verify(c, signers, strlen(signers), "alice@example.com",
	    SSHSIG_NS_APPROVAL, sig, msg, strlen(msg), 1796083200, &cause) == 1,
	    "... and not after it (%s)", cause ? cause : "-");
	free(cause);
	cause = NULL;
	ok(sshsig_verify(c, signers, strlen(signers), "alice@example.com",
	    SSHSIG_NS_RUN, sig, msg, strlen(msg), 1796083200 - 30 * 86400,
	    &cause) == 1, "nor in another namespace");
	free(cause);
	cause = NULL;
	ok(sshsig_verify(c, signers, strlen(signers), "alice@example.com",
	    SSHSIG_NS_APPROVAL, sig, "offpeak-approval 1\nplan q\n", 26,
	    1796083200 - 30 * 86400, &cause) == 1, "nor over other bytes");
	free(cause);
	cause = NULL;
	sshsig_cache_free(c);
	/* the cache answers without ssh-keygen: a program that cannot run */
	sshsig_set_program("/nonexistent/ssh-keygen");
	c = sshsig_cache_open(cache);
	ok(sshsig_verify(c, signers, strlen(signers), "alice@example.com",
	    SSHSIG_NS_APPROVAL, sig, msg, strlen(msg), 1796083200 - 30 * 86400,
	    &cause) == 0, "a good verification is remembered");
	ok(sshsig_verify(c, signers, strlen(signers), "alice@example.com",
	    SSHSIG_NS_APPROVAL, sig, msg, strlen(msg), 1796083200, &cause) == -1 &&
	    strstr(cause, "openssh-client") != NULL,
	    "a bad one never is: without ssh-keygen it cannot be checked (%s)", cause);
	free(cause);
	sshsig_set_program(NULL);
	sshsig_cache_free(c);
	ok(sshsig_parse("-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH "
	    "SIGNATURE-----\n", &info, &cause) != 0, "garbage is not a signature");
	free(cause);
	free(sig);
	free(signers);
	free(pub1);
	free(cache);
	free(k1);
	free(k2);
}

int
main(void)
{
	char	 dir[] = "/tmp/t-signers.XXXXXX";

	test_parse();
	test_times();
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! no temporary directory\n");
		return 1;
	}
	test_sshsig(dir);
	sh("rm -rf %s", dir);
	return done_testing();
}
