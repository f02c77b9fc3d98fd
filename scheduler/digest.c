/* digest: SHA-256, HMAC-SHA-256 and base64, through nettle */
#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>
#include <nettle/hmac.h>
#include <nettle/sha2.h>

#include "digest.h"
#include "util.h"

void
digest_init(struct digest *d)
{
	sha256_init(&d->ctx);
}

void
digest_update(struct digest *d, const void *data, size_t len)
{
	sha256_update(&d->ctx, len, data);
}

void
digest_final(struct digest *d, unsigned char out[SHA256_LEN])
{
	sha256_digest(&d->ctx, SHA256_LEN, out);
}

void
hex_encode(const unsigned char *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t	 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void
digest_hex(const void *data, size_t len, char out[SHA256_HEX])
{
	struct digest d;
	unsigned char md[SHA256_LEN];

	digest_init(&d);
	digest_update(&d, data, len);
	digest_final(&d, md);
	hex_encode(md, SHA256_LEN, out);
}

void
digest_hmac(const void *key, size_t keylen, const void *msg, size_t len,
    unsigned char out[SHA256_LEN])
{
	struct hmac_sha256_ctx h;

	hmac_sha256_set_key(&h, keylen, key);
	hmac_sha256_update(&h, len, msg);
	hmac_sha256_digest(&h, SHA256_LEN, out);
}

void
digest_hmac_hex(const void *key, size_t keylen, const void *msg, size_t len,
    char out[SHA256_HEX])
{
	unsigned char md[SHA256_LEN];

	digest_hmac(key, keylen, msg, len, md);
	hex_encode(md, SHA256_LEN, out);
}

char *
base64_text(const void *data, size_t len, int wrap)
{
	struct buf b = BUF_INIT;
	const unsigned char *p = data;
	char	 line[BASE64_ENCODE_RAW_LENGTH(57) + 1];
	size_t	 off, n;

	/* 57 bytes make one line of 76 characters */
	for (off = 0; off < len || (off == 0 && len == 0); off += n) {
		n = len - off < 57 ? len - off : 57;
		if (n == 0)
			break;
		base64_encode_raw(line, n, p + off);
		if (wrap && off > 0)
			buf_adds(&b, "\r\n");
		buf_add(&b, line, BASE64_ENCODE_RAW_LENGTH(n));
	}
	return buf_detach(&b, NULL);
}

int
base64_decode(const char *text, unsigned char **out, size_t *len)
{
	struct base64_decode_ctx ctx;
	size_t	 n = strlen(text), got = BASE64_DECODE_LENGTH(n) + 1;
	unsigned char *p = xmalloc(got);

	base64_decode_init(&ctx);
	if (base64_decode_update(&ctx, &got, p, n, text) != 1 ||
	    base64_decode_final(&ctx) != 1) {
		free(p);
		return -1;
	}
	*out = p;
	*len = got;
	return 0;
}
