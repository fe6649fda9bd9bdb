/*
 * aes.c — the AES-128 primitives of ICAO 9303 Part 11 secure messaging
 * after PACE or chip authentication (§9.7.1 KDF, §9.8 CBC and CMAC), all
 * from OpenSSL (see dancu/bac.h).
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include "dancu/bac.h"
#include "dancu/error.h"

#include "card/card_internal.h"

void dc_kdf_aes128(const uint8_t *seed, size_t n, uint32_t counter, uint8_t out[16])
{
	uint8_t d[128 + 4], h[SHA_DIGEST_LENGTH];
	if (n > 128) /* no curve or password gives more; DC_BUG-free: truncate */
		n = 128;
	memcpy(d, seed, n);
	d[n] = (uint8_t)(counter >> 24);
	d[n + 1] = (uint8_t)(counter >> 16);
	d[n + 2] = (uint8_t)(counter >> 8);
	d[n + 3] = (uint8_t)counter;
	SHA1(d, n + 4, h);
	memcpy(out, h, 16);
	OPENSSL_cleanse(h, sizeof h);
	OPENSSL_cleanse(d, sizeof d);
}

int dc_aes128_ecb(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
	return dc__card_cipher(EVP_aes_128_ecb(), key, NULL, 1, in, 16, out);
}

int dc_aes128_cbc(const uint8_t key[16], const uint8_t iv[16], int encrypt, const uint8_t *in,
                  size_t n, uint8_t *out)
{
	if (n % 16)
		return DC_ERR_INVALID;
	if (n == 0)
		return DC_OK;
	return dc__card_cipher(EVP_aes_128_cbc(), key, iv, encrypt, in, n, out);
}

int dc_aes128_cmac8(const uint8_t key[16], const uint8_t *in, size_t n, uint8_t mac[8])
{
	EVP_MAC *m = EVP_MAC_fetch(NULL, "CMAC", NULL);
	EVP_MAC_CTX *ctx = m ? EVP_MAC_CTX_new(m) : NULL;
	char name[] = "AES-128-CBC";
	OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, name, 0),
	                  OSSL_PARAM_construct_end()};
	uint8_t full[16];
	size_t k = 0;
	int ok = ctx && EVP_MAC_init(ctx, key, 16, p) && EVP_MAC_update(ctx, in, n) &&
	         EVP_MAC_final(ctx, full, &k, sizeof full) && k == 16;
	if (ok)
		memcpy(mac, full, 8);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(m);
	return ok ? DC_OK : DC_ERR_INVALID;
}
