/* t-digest: SHA-256 and HMAC-SHA256 (nettle) against FIPS 180-4 and RFC 4231, base64 */
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "tap.h"

static void
test_digests(void)
{
	static const struct {
		const char *in, *want;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		  "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" }
	};
	char	 hex[SHA256_HEX];
	size_t	 i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		digest_hex(v[i].in, strlen(v[i].in), hex);
		is_str(hex, v[i].want, "sha256 of a %zu-byte message", strlen(v[i].in));
	}
}

static void
test_long(void)
{
	struct digest s;
	unsigned char md[SHA256_LEN];
	char	*a = malloc(1000000), hex[SHA256_HEX];
	size_t	 off, step;

	memset(a, 'a', 1000000);
	digest_hex(a, 1000000, hex);
	is_str(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	    "a million 'a' at once");
	digest_init(&s);
	for (off = 0, step = 1; off < 1000000; off += step, step = step % 130 + 1)
		digest_update(&s, a + off, off + step > 1000000 ? 1000000 - off : step);
	digest_final(&s, md);
	hex_encode(md, sizeof md, hex);
	is_str(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	    "a million 'a' in pieces of 1 to 130 bytes");
	free(a);
}

static void
test_hmac(void)
{
	unsigned char key[131];
	char	 hex[SHA256_HEX];
	const char *m;

	memset(key, 0x0b, 20);
	m = "Hi There";
	digest_hmac_hex(key, 20, m, strlen(m), hex);
	is_str(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	    "RFC 4231 case 1");
	m = "what do ya want for nothing?";
	digest_hmac_hex("Jefe", 4, m, strlen(m), hex);
	is_str(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	    "RFC 4231 case 2: a short key");
	memset(key, 0xaa, sizeof key);
	m = "Test Using Larger Than Block-Size Key - Hash Key First";
	digest_hmac_hex(key, sizeof key, m, strlen(m), hex);
	is_str(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	    "RFC 4231 case 6: a key longer than a block is hashed");
	digest_hmac_hex("", 0, "", 0, hex);
	is_str(hex, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad",
	    "empty key and message");
}

int
main(void)
{
	test_digests();
	test_long();
	test_hmac();
	return done_testing();
}
