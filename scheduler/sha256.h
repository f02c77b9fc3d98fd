/* sha256: SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) */
#ifndef OFFPEAK_SHA256_H
#define OFFPEAK_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN	32
#define SHA256_HEX	65	/* 64 hex digits and a NUL */

/* A digest in progress. */
struct sha256 {
	uint32_t h[8];
	uint64_t total;		/* bytes hashed so far */
	unsigned char block[64];
	size_t	 fill;		/* bytes waiting in block */
};

void	 sha256_init(struct sha256 *);
void	 sha256_update(struct sha256 *, const void *, size_t);
/* Finish the digest into out; the context must be initialised again. */
void	 sha256_final(struct sha256 *, unsigned char out[SHA256_LEN]);

/* The digest of data as 64 lowercase hex digits. */
void	 sha256_hex(const void *, size_t, char out[SHA256_HEX]);

/* HMAC-SHA256 of msg keyed by key. */
void	 hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len,
	     unsigned char out[SHA256_LEN]);
/* The same as 64 lowercase hex digits. */
void	 hmac_sha256_hex(const void *key, size_t keylen, const void *msg,
	     size_t len, char out[SHA256_HEX]);

/* Lowercase hex of n bytes into out (2n + 1 bytes). */
void	 hex_encode(const unsigned char *, size_t n, char *out);

#endif
