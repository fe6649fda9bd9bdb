/*
 * oidc_jwt.c — checking a compact JWS that someone else signed (a client's
 * private_key_jwt assertion, a DPoP proof) against public keys given as a
 * JWKS or one JWK, with cjose. Asymmetric algorithms only: "none" and the
 * HMAC algorithms are refused, so a public key can never act as a secret.
 */
#include <cjose/cjose.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "eid/oidc.h"

static const char *const algs[] = {"ES256", "ES384", "ES512", "RS256", "RS384",
                                   "RS512", "PS256", "PS384", "PS512"};

int dc__oidc_alg_ok(const char *alg)
{
	for (size_t i = 0; alg && i < DC_ARRAY_LEN(algs); i++)
		if (!strcmp(alg, algs[i]))
			return 1;
	return 0;
}

/* 1 when s[0..n) is base64url that cjose can decode: its decoder aborts
 * the process (assert) on a length of 4k+1, so such input never reaches
 * it. */
static int b64url_ok(const char *s, size_t n)
{
	if (n % 4 == 1)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

/* Three base64url segments, none empty but the signature's. */
static int compact_ok(const char *s)
{
	const char *d1 = strchr(s, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	return d1 && d2 && !strchr(d2 + 1, '.') && d1 > s && d2 > d1 + 1 &&
	       b64url_ok(s, (size_t)(d1 - s)) && b64url_ok(d1 + 1, (size_t)(d2 - d1 - 1)) &&
	       b64url_ok(d2 + 1, strlen(d2 + 1));
}

/* 1 when the key (a JSON object) verifies jws. Only the public members
 * are handed to cjose, each checked first. */
static int try_key(cjose_jws_t *jws, json_t *key)
{
	cjose_err err;
	const char *kty = json_string_value(json_object_get(key, "kty"));
	if (!kty || (strcmp(kty, "EC") && strcmp(kty, "RSA")))
		return 0;
	static const char *const ec[] = {"x", "y", NULL}, *const rsa[] = {"n", "e", NULL};
	const char *const *need = !strcmp(kty, "EC") ? ec : rsa;
	json_t *clean = json_pack("{s:s}", "kty", kty);
	const char *crv = json_string_value(json_object_get(key, "crv"));
	if (clean && !strcmp(kty, "EC"))
		json_object_set_new(clean, "crv", json_string(crv ? crv : ""));
	for (int i = 0; clean && need[i]; i++) {
		const char *v = json_string_value(json_object_get(key, need[i]));
		if (!v || !*v || !b64url_ok(v, strlen(v))) {
			json_decref(clean);
			return 0;
		}
		json_object_set_new(clean, need[i], json_string(v));
	}
	if (!clean)
		return 0;
	char *text = json_dumps(clean, JSON_COMPACT);
	json_decref(clean);
	if (!text)
		return 0;
	cjose_jwk_t *jwk = cjose_jwk_import(text, strlen(text), &err);
	free(text);
	if (!jwk)
		return 0;
	int ok = cjose_jws_verify(jws, jwk, &err);
	cjose_jwk_release(jwk);
	return ok;
}

int dc__oidc_jws_verify(const char *compact, const char *keys_json, json_t **header,
                        json_t **claims)
{
	cjose_err err;
	json_error_t je;
	uint8_t *plain = NULL;
	size_t plen = 0;
	int rc = DC_ERR_VERIFY;
	*header = *claims = NULL;
	if (!compact_ok(compact))
		return DC_ERR_VERIFY;
	cjose_jws_t *jws = cjose_jws_import(compact, strlen(compact), &err);
	json_t *keys = keys_json ? json_loads(keys_json, 0, &je) : NULL;
	if (!jws || !keys)
		goto done;
	cjose_header_t *h = cjose_jws_get_protected(jws);
	const char *alg = h ? cjose_header_get(h, CJOSE_HDR_ALG, &err) : NULL;
	const char *kid = h ? cjose_header_get(h, CJOSE_HDR_KID, &err) : NULL;
	if (!dc__oidc_alg_ok(alg))
		goto done;
	json_t *list = json_object_get(keys, "keys");
	int ok = 0;
	if (json_is_array(list)) {
		size_t i;
		json_t *k;
		json_array_foreach (list, i, k) {
			const char *kk = json_string_value(json_object_get(k, "kid"));
			if (kid && kk && strcmp(kid, kk))
				continue;
			if ((ok = try_key(jws, k)))
				break;
		}
	} else {
		ok = try_key(jws, keys);
	}
	if (!ok || !cjose_jws_get_plaintext(jws, &plain, &plen, &err))
		goto done;
	*claims = json_loadb((const char *)plain, plen, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(*claims)) {
		json_decref(*claims);
		*claims = NULL;
		goto done;
	}
	*header = json_deep_copy((json_t *)h);
	rc = *header ? DC_OK : DC_ERR_NOMEM;
	if (rc) {
		json_decref(*claims);
		*claims = NULL;
	}
done:
	json_decref(keys);
	if (jws)
		cjose_jws_release(jws);
	return rc;
}
