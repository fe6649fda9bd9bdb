/* Tests for src/eid/oidc_keys.c: ID-token signing. Many signatures from the
 * pooled signing contexts verify (cjose) against the published JWKS and
 * carry the key's kid; about one in 128 has an r or s below 2^248, so 600
 * signatures exercise the left padding of r || s with near certainty. A
 * changed payload is refused; after a rotation (the key directory is
 * listed again within a second) the new key signs and both keys are
 * published. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/internal.h"
#include "eid/oidc.h"
#include "lib/testlib.h"

#define CLAIMS "{\"iss\":\"c\",\"sub\":\"s\",\"aud\":\"x\",\"exp\":2000000000}"

/* The kid of compact's header, or "" (into out). */
static void kid_of(const char *compact, const char *jwks, char out[32])
{
	json_t *h = NULL, *c = NULL;
	out[0] = '\0';
	assert_int_equal(dc__oidc_jws_verify(compact, jwks, &h, &c), DC_OK);
	assert_string_equal(json_string_value(json_object_get(c, "iss")), "c");
	assert_string_equal(json_string_value(json_object_get(h, "alg")), "ES256");
	snprintf(out, 32, "%s", json_string_value(json_object_get(h, "kid")));
	json_decref(h);
	json_decref(c);
}

static void test_sign(void **state)
{
	(void)state;
	char dir[512], kid[32], first[32] = "", rotated[32];
	struct dc_buf jwks = DC_BUF_INIT, t = DC_BUF_INIT;
	dc_test_tmpdir(dir, sizeof dir);
	assert_int_equal(dc__oidc_jwks(dir, &jwks), DC_OK);
	for (int i = 0; i < 600; i++) {
		t.len = 0;
		assert_int_equal(dc__oidc_sign(dir, CLAIMS, &t), DC_OK);
		kid_of(dc_buf_str(&t), dc_buf_str(&jwks), kid);
		if (!first[0])
			snprintf(first, sizeof first, "%s", kid);
		assert_string_equal(kid, first);
	}
	/* One character of the payload changed. */
	char *dot = strchr(dc_buf_str(&t), '.');
	dot[3] = dot[3] == 'A' ? 'B' : 'A';
	json_t *h = NULL, *c = NULL;
	assert_int_equal(dc__oidc_jws_verify(dc_buf_str(&t), dc_buf_str(&jwks), &h, &c),
	                 DC_ERR_VERIFY);
	/* Rotation: within a second (and a bit) the new key signs. */
	assert_int_equal(dc__oidc_keys_rotate(dir, 3600, rotated), DC_OK);
	struct timespec pause = {1, 100000000};
	nanosleep(&pause, NULL);
	jwks.len = 0;
	assert_int_equal(dc__oidc_jwks(dir, &jwks), DC_OK);
	assert_non_null(strstr(dc_buf_str(&jwks), first));
	for (int i = 0; i < 3; i++) {
		t.len = 0;
		assert_int_equal(dc__oidc_sign(dir, CLAIMS, &t), DC_OK);
		kid_of(dc_buf_str(&t), dc_buf_str(&jwks), kid);
		assert_string_equal(kid, rotated);
	}
	dc_buf_release(&jwks);
	dc_buf_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sign),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
