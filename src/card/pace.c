/*
 * pace.c — the arithmetic of PACE with the generic mapping on elliptic
 * curves and AES-128 (ICAO 9303 Part 11 §4.4, Appendix G.1): the password
 * key, the mapped generator and the authentication tokens. The APDU
 * exchanges live in reader.c (terminal) and softchip.c (chip). See
 * card/ec_internal.h.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "card/ec_internal.h"
#include "dancu/error.h"
#include "dancu/tlv.h"

void dc__pace_kpi(const char *mrz_info, size_t n, uint8_t kpi[16])
{
	uint8_t k[SHA_DIGEST_LENGTH];
	SHA1((const unsigned char *)mrz_info, n, k);
	dc_kdf_aes128(k, sizeof k, 3, kpi);
	OPENSSL_cleanse(k, sizeof k);
}

EC_GROUP *dc__pace_map(const EC_GROUP *g, const uint8_t s[16], const BIGNUM *sk, const EC_POINT *p)
{
	EC_GROUP *m = NULL;
	EC_POINT *h = EC_POINT_new(g), *gh = EC_POINT_new(g);
	BIGNUM *bs = BN_bin2bn(s, 16, NULL), *one = BN_new();
	if (!h || !gh || !bs || !one || !BN_one(one))
		goto out;
	/* H = sk·P; Ĝ = s·G + 1·H */
	if (EC_POINT_mul(g, h, NULL, p, sk, NULL) != 1 || EC_POINT_is_at_infinity(g, h) ||
	    EC_POINT_mul(g, gh, bs, h, one, NULL) != 1 || EC_POINT_is_at_infinity(g, gh))
		goto out;
	m = EC_GROUP_dup(g);
	if (m &&
	    EC_GROUP_set_generator(m, gh, EC_GROUP_get0_order(g), EC_GROUP_get0_cofactor(g)) != 1) {
		EC_GROUP_free(m);
		m = NULL;
	}
out:
	EC_POINT_clear_free(h);
	EC_POINT_clear_free(gh);
	BN_clear_free(bs);
	BN_free(one);
	return m;
}

int dc__pace_token(const uint8_t ksmac[16], const uint8_t *oid, size_t oidn, const uint8_t *pk,
                   size_t pkn, uint8_t t[8])
{
	struct dc_buf in = DC_BUF_INIT, body = DC_BUF_INIT;
	dc_tlv_put(&body, 0x06, oid, oidn);
	dc_tlv_put(&body, 0x86, pk, pkn);
	dc_tlv_put(&in, 0x7F49, body.ptr, body.len);
	int rc = dc_buf_error(&in) | dc_buf_error(&body);
	if (rc == DC_OK) {
		/* the CMAC input is the template as is (no padding: CMAC pads) */
		rc = dc_aes128_cmac8(ksmac, (const uint8_t *)in.ptr, in.len, t);
	}
	dc_buf_release(&in);
	dc_buf_release(&body);
	return rc;
}
