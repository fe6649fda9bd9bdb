/*
 * ecp.c — elliptic-curve helpers for PACE and chip authentication (see
 * card/ec_internal.h): groups from keys or standardized ids, point coding
 * with validation, scalars, ECDH shared secrets. OpenSSL's EC_GROUP and
 * EC_POINT do the arithmetic; nothing here is hand-written crypto.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/obj_mac.h>

#include "card/ec_internal.h"
#include "dancu/error.h"

EC_GROUP *dc__ec_group_of(const EVP_PKEY *pk)
{
	OSSL_PARAM *params = NULL;
	if (!pk || EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC ||
	    EVP_PKEY_todata(pk, EVP_PKEY_KEY_PARAMETERS, &params) != 1)
		return NULL;
	EC_GROUP *g = EC_GROUP_new_from_params(params, NULL, NULL);
	OSSL_PARAM_free(params);
	return g;
}

EC_GROUP *dc__ec_group_std(int id)
{
	static const struct {
		int id, nid;
	} map[] = {
	        {8, NID_X9_62_prime192v1}, {9, NID_brainpoolP192r1},   {10, NID_secp224r1},
	        {11, NID_brainpoolP224r1}, {12, NID_X9_62_prime256v1}, {13, NID_brainpoolP256r1},
	        {14, NID_brainpoolP320r1}, {15, NID_secp384r1},        {16, NID_brainpoolP384r1},
	        {17, NID_brainpoolP512r1}, {18, NID_secp521r1},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].id == id)
			return EC_GROUP_new_by_curve_name(map[i].nid);
	return NULL;
}

size_t dc__ec_field_len(const EC_GROUP *g)
{
	return ((size_t)EC_GROUP_get_degree(g) + 7) / 8;
}

int dc__ec_point_decode(const EC_GROUP *g, const uint8_t *p, size_t n, EC_POINT **out)
{
	EC_POINT *pt = EC_POINT_new(g);
	if (!pt)
		return DC_ERR_NOMEM;
	if (n != 1 + 2 * dc__ec_field_len(g) || p[0] != 0x04 ||
	    EC_POINT_oct2point(g, pt, p, n, NULL) != 1 || EC_POINT_is_at_infinity(g, pt) ||
	    EC_POINT_is_on_curve(g, pt, NULL) != 1) {
		EC_POINT_free(pt);
		return DC_ERR_VERIFY;
	}
	*out = pt;
	return DC_OK;
}

size_t dc__ec_point_encode(const EC_GROUP *g, const EC_POINT *pt, uint8_t *out)
{
	return EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, out, DC__EC_PT_MAX, NULL);
}

BIGNUM *dc__ec_scalar(const EC_GROUP *g, const uint8_t *sk, size_t skn)
{
	const BIGNUM *order = EC_GROUP_get0_order(g);
	BIGNUM *k = BN_secure_new();
	if (!k || !order)
		goto fail;
	if (sk) {
		if (!BN_bin2bn(sk, (int)skn, k) || BN_is_zero(k) || BN_cmp(k, order) >= 0)
			goto fail;
		return k;
	}
	do {
		if (BN_priv_rand_range(k, order) != 1)
			goto fail;
	} while (BN_is_zero(k));
	return k;
fail:
	BN_clear_free(k);
	return NULL;
}

int dc__ec_shared_x(const EC_GROUP *g, const BIGNUM *sk, const EC_POINT *p, uint8_t *x, size_t *xn)
{
	EC_POINT *r = EC_POINT_new(g);
	BIGNUM *bx = BN_new();
	size_t fl = dc__ec_field_len(g);
	int rc = DC_ERR_VERIFY;
	if (r && bx && EC_POINT_mul(g, r, NULL, p, sk, NULL) == 1 &&
	    !EC_POINT_is_at_infinity(g, r) &&
	    EC_POINT_get_affine_coordinates(g, r, bx, NULL, NULL) == 1 &&
	    BN_bn2binpad(bx, x, (int)fl) == (int)fl) {
		*xn = fl;
		rc = DC_OK;
	}
	EC_POINT_clear_free(r);
	BN_clear_free(bx);
	return rc;
}
