/*
 * bac.c — BAC key derivation, 3DES and the retail MAC via OpenSSL, and the
 * mutual authentication of ICAO 9303 Part 11 §4.3 (see dancu/bac.h).
 */
#include "dancu/bac.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "dancu/error.h"
#include "dancu/mrz.h"

#include "card/card_internal.h"

static void parity(uint8_t *k, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = k[i] & 0xFE;
		int ones = __builtin_popcount(b);
		k[i] = (uint8_t)(b | (ones % 2 == 0));
	}
}

void dc_bac_kdf(const uint8_t seed[16], uint32_t counter, uint8_t out[16])
{
	uint8_t d[20], h[SHA_DIGEST_LENGTH];
	memcpy(d, seed, 16);
	d[16] = (uint8_t)(counter >> 24);
	d[17] = (uint8_t)(counter >> 16);
	d[18] = (uint8_t)(counter >> 8);
	d[19] = (uint8_t)counter;
	SHA1(d, sizeof d, h);
	memcpy(out, h, 16);
	parity(out, 16);
	OPENSSL_cleanse(h, sizeof h);
}

int dc_bac_keys_from_mrz_info(const char *info, size_t n, struct dc_bac_keys *k)
{
	uint8_t h[SHA_DIGEST_LENGTH];
	SHA1((const unsigned char *)info, n, h);
	dc_bac_kdf(h, 1, k->kenc);
	dc_bac_kdf(h, 2, k->kmac);
	OPENSSL_cleanse(h, sizeof h);
	return DC_OK;
}

int dc_bac_mrz_info(const char *mrz, char out[25])
{
	char z[90];
	size_t n = 0;
	for (; *mrz; mrz++) {
		if (*mrz == '\n' || *mrz == '\r')
			continue;
		if (n == 90)
			return DC_ERR_INVALID;
		z[n++] = *mrz;
	}
	if (n != 90)
		return DC_ERR_INVALID;
	memcpy(out, z + 5, 10);      /* line 1 pos 6–15 */
	memcpy(out + 10, z + 30, 7); /* line 2 pos 1–7 */
	memcpy(out + 17, z + 38, 7); /* line 2 pos 9–15 */
	out[24] = 0;
	if (dc_mrz_check_digit(out, 24) < 0)
		return DC_ERR_INVALID;
	return DC_OK;
}

int dc__card_cipher(const EVP_CIPHER *c, const uint8_t *key, const uint8_t *iv, int enc,
                    const uint8_t *in, size_t n, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0;
	int ok = ctx && EVP_CipherInit_ex(ctx, c, NULL, key, iv, enc) &&
	         EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	         EVP_CipherUpdate(ctx, out, &l1, in, (int)n) &&
	         EVP_CipherFinal_ex(ctx, out + l1, &l2) && (size_t)(l1 + l2) == n;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? DC_OK : DC_ERR_INVALID;
}

int dc_des3_cbc(const uint8_t key[16], int encrypt, const uint8_t *in, size_t n, uint8_t *out)
{
	static const uint8_t iv[8];
	if (n % 8)
		return DC_ERR_INVALID;
	if (n == 0)
		return DC_OK;
	return dc__card_cipher(EVP_des_ede_cbc(), key, iv, encrypt, in, n, out);
}

/* ISO/IEC 9797-1 MAC algorithm 3 with DES: single-DES CBC under Ka over all
 * blocks, then D(Kb), E(Ka) on the last, i.e. the last block is a two-key
 * 3DES (EDE) encryption. Single DES is 3DES with K1 = K2 (OpenSSL 3 keeps
 * plain DES in its legacy provider). */
int dc_retail_mac(const uint8_t key[16], const uint8_t *in, size_t n, uint8_t mac[8])
{
	uint8_t ka2[16], h[8] = {0}, blk[8];
	memcpy(ka2, key, 8);
	memcpy(ka2 + 8, key, 8);
	size_t total = (n / 8 + 1) * 8; /* padding method 2 always adds a byte */
	int rc = DC_OK;
	for (size_t off = 0; off < total && rc == DC_OK; off += 8) {
		for (size_t i = 0; i < 8; i++) {
			size_t k = off + i;
			uint8_t b = k < n ? in[k] : k == n ? 0x80 : 0x00;
			blk[i] = h[i] ^ b;
		}
		rc = dc__card_cipher(EVP_des_ede_ecb(), off + 8 < total ? ka2 : key, NULL, 1, blk,
		                     8, h);
	}
	memcpy(mac, h, 8);
	OPENSSL_cleanse(ka2, sizeof ka2);
	return rc;
}

static void session(const uint8_t k_ifd[16], const uint8_t k_ic[16], const uint8_t rnd_ic[8],
                    const uint8_t rnd_ifd[8], struct dc_sm *sm)
{
	uint8_t seed[16];
	memset(sm, 0, sizeof *sm);
	for (int i = 0; i < 16; i++)
		seed[i] = k_ifd[i] ^ k_ic[i];
	dc_bac_kdf(seed, 1, sm->ksenc);
	dc_bac_kdf(seed, 2, sm->ksmac);
	memcpy(sm->ssc, rnd_ic + 4, 4);
	memcpy(sm->ssc + 4, rnd_ifd + 4, 4);
	OPENSSL_cleanse(seed, sizeof seed);
}

int dc_bac_ifd_auth(const struct dc_bac_keys *k, const uint8_t rnd_ic[8], const uint8_t rnd_ifd[8],
                    const uint8_t k_ifd[16], uint8_t cmd[40])
{
	uint8_t s[32];
	memcpy(s, rnd_ifd, 8);
	memcpy(s + 8, rnd_ic, 8);
	memcpy(s + 16, k_ifd, 16);
	int rc = dc_des3_cbc(k->kenc, 1, s, 32, cmd);
	if (rc == DC_OK)
		rc = dc_retail_mac(k->kmac, cmd, 32, cmd + 32);
	OPENSSL_cleanse(s, sizeof s);
	return rc;
}

int dc_bac_ifd_finish(const struct dc_bac_keys *k, const uint8_t rnd_ic[8],
                      const uint8_t rnd_ifd[8], const uint8_t k_ifd[16], const uint8_t resp[40],
                      struct dc_sm *sm)
{
	uint8_t mac[8], r[32];
	if (dc_retail_mac(k->kmac, resp, 32, mac) != DC_OK || CRYPTO_memcmp(mac, resp + 32, 8) != 0)
		return DC_ERR_VERIFY;
	if (dc_des3_cbc(k->kenc, 0, resp, 32, r) != DC_OK || CRYPTO_memcmp(r, rnd_ic, 8) != 0 ||
	    CRYPTO_memcmp(r + 8, rnd_ifd, 8) != 0) {
		OPENSSL_cleanse(r, sizeof r);
		return DC_ERR_VERIFY;
	}
	session(k_ifd, r + 16, rnd_ic, rnd_ifd, sm);
	OPENSSL_cleanse(r, sizeof r);
	return DC_OK;
}

int dc_bac_ic_answer(const struct dc_bac_keys *k, const uint8_t rnd_ic[8], const uint8_t k_ic[16],
                     const uint8_t cmd[40], uint8_t resp[40], struct dc_sm *sm)
{
	uint8_t mac[8], s[32], r[32];
	if (dc_retail_mac(k->kmac, cmd, 32, mac) != DC_OK || CRYPTO_memcmp(mac, cmd + 32, 8) != 0)
		return DC_ERR_VERIFY;
	if (dc_des3_cbc(k->kenc, 0, cmd, 32, s) != DC_OK || CRYPTO_memcmp(s + 8, rnd_ic, 8) != 0) {
		OPENSSL_cleanse(s, sizeof s);
		return DC_ERR_VERIFY;
	}
	memcpy(r, rnd_ic, 8);
	memcpy(r + 8, s, 8);
	memcpy(r + 16, k_ic, 16);
	int rc = dc_des3_cbc(k->kenc, 1, r, 32, resp);
	if (rc == DC_OK)
		rc = dc_retail_mac(k->kmac, resp, 32, resp + 32);
	if (rc == DC_OK)
		session(s + 16, k_ic, rnd_ic, s, sm);
	OPENSSL_cleanse(s, sizeof s);
	OPENSSL_cleanse(r, sizeof r);
	return rc;
}
