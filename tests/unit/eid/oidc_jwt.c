/* Tests for src/eid/oidc_jwt.c: a JWS signed by someone else verifies with
 * its key (alone or in a JWKS, picked by kid); a changed payload, another
 * key, "none", an HMAC algorithm, a private key member and base64 that
 * cjose would abort on are all refused without a crash. */
#include <jansson.h>
#include <string.h>

#include "core/internal.h"
#include "eid/oidc.h"
#include "lib/testlib.h"

/* ES256, kid "k", {"jti":"a","iss":"c","sub":"c","aud":"x","exp":2000000000}
 * (made with npm jose). */
#define JWS                                                                          \
	"eyJhbGciOiJFUzI1NiIsImtpZCI6ImsifQ.eyJqdGkiOiJhIiwiaXNzIjoiYyIsInN1YiI6Im"  \
	"MiLCJhdWQiOiJ4IiwiZXhwIjoyMDAwMDAwMDAwfQ.DzVXtRD8Wd2wIV3D6d8zkygjJZ__2Mbt0" \
	"82s7ZeZzAy7_xmiyQMsljTkC-F9x2CAI4DQSUPQ1lZhsd4NhTy3tw"
#define KEY                                                                      \
	"{\"kty\":\"EC\",\"x\":\"fFWzt09xidiHrjJzktFNMislY1BaFtT3huALPCUNuCs\"," \
	"\"y\":\"Hsn21XGVMeN3NelfkLAAhapg6jBFcdGTaoTGcF6iwkE\",\"crv\":\"P-256\",\"kid\":\"k\"}"
#define OTHER                                                                    \
	"{\"kty\":\"EC\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\"," \
	"\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\",\"crv\":\"P-256\",\"kid\":\"k2\"}"

static int verify(const char *jws, const char *keys)
{
	json_t *h = NULL, *c = NULL;
	int rc = dc__oidc_jws_verify(jws, keys, &h, &c);
	if (rc == DC_OK) {
		assert_string_equal(json_string_value(json_object_get(c, "iss")), "c");
		assert_string_equal(json_string_value(json_object_get(h, "alg")), "ES256");
	} else {
		assert_null(h);
		assert_null(c);
	}
	json_decref(h);
	json_decref(c);
	return rc;
}

static void test_good(void **st)
{
	assert_int_equal(verify(JWS, KEY), DC_OK);
	assert_int_equal(verify(JWS, "{\"keys\":[" OTHER "," KEY "]}"), DC_OK);
}

static void test_refused(void **st)
{
	char buf[1024];
	/* Another key; a JWKS whose only key has another kid. */
	assert_int_equal(verify(JWS, OTHER), DC_ERR_VERIFY);
	assert_int_equal(verify(JWS, "{\"keys\":[" OTHER "]}"), DC_ERR_VERIFY);
	/* A changed payload ("exp" → 2000000001). */
	snprintf(buf, sizeof buf, "%s", JWS);
	char *p = strstr(buf, "MDAwMDAwfQ");
	assert_non_null(p);
	p[7] = 'x';
	assert_int_equal(verify(buf, KEY), DC_ERR_VERIFY);
	/* alg none and HS256 (with the public key's bytes as a secret). */
	assert_int_equal(verify("eyJhbGciOiJub25lIn0.eyJpc3MiOiJjIn0.", KEY), DC_ERR_VERIFY);
	assert_int_equal(verify("eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJjIn0.c2ln",
	                        "{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}"),
	                 DC_ERR_VERIFY);
	/* Base64 of length 4k+1 (cjose's decoder would abort), bad characters,
	 * wrong number of segments, empty input, a bad key. */
	assert_int_equal(verify("eyJhbGciOiJFUzI1NiJ9.a.b", KEY), DC_ERR_VERIFY);
	assert_int_equal(verify("eyJhbGciOiJFUzI1NiJ9.e$.b", KEY), DC_ERR_VERIFY);
	assert_int_equal(verify("a.b", KEY), DC_ERR_VERIFY);
	assert_int_equal(verify("", KEY), DC_ERR_VERIFY);
	assert_int_equal(verify(JWS, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"a\",\"y\":\"b\"}"),
	                 DC_ERR_VERIFY);
	assert_int_equal(verify(JWS, "not json"), DC_ERR_VERIFY);
	assert_true(dc__oidc_alg_ok("PS256"));
	assert_false(dc__oidc_alg_ok("HS256"));
	assert_false(dc__oidc_alg_ok("none"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_good),
	        cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
