/* digest: SHA-256, HMAC-SHA-256 and base64, through nettle */
#ifndef OFFPEAK_DIGEST_H
#define OFFPEAK_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/sha2.h>

#define SHA256_LEN	32
#define SHA256_HEX	65	/* 64 hex digits and a NUL */

/* A SHA-256 digest in progress (FIPS 180-4). */
struct digest {
	struct sha256_ctx ctx;
};

void	 digest_init(struct digest *);
void	 digest_update(struct digest *, const void *, size_t);
/* Finish the digest into out; the context must be initialised again. */
void	 digest_final(struct digest *, unsigned char out[SHA256_LEN]);

/* The SHA-256 of data as 64 lowercase hex digits. */
void	 digest_hex(const void *, size_t, char out[SHA256_HEX]);

/* HMAC-SHA-256 (RFC 2104) of msg keyed by key, and as lowercase hex. */
void	 digest_hmac(const void *key, size_t keylen, const void *msg,
	     size_t len, unsigned char out[SHA256_LEN]);
void	 digest_hmac_hex(const void *key, size_t keylen, const void *msg,
	     size_t len, char out[SHA256_HEX]);

/* Lowercase hex of n bytes into out (2n + 1 bytes). */
void	 hex_encode(const unsigned char *, size_t n, char *out);

/* Base64 of data (RFC 4648), with CR LF after every 76 characters when wrap. */
char	*base64_text(const void *, size_t, int wrap);
/*
 * Decode base64 text (no white space) into *out (allocated) and *len.
 * Returns 0, or -1 when it is not base64.
 */
int	 base64_decode(const char *, unsigned char **out, size_t *len);

#endif
