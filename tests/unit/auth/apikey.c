/* API keys (src/auth/apikey.c): shown once, hashed at rest, constant-time
 * check, owner, revocation, last use, token-bucket rate limit — on SQLite
 * and PostgreSQL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/apikey.h"
#include "dancu/db.h"
#include "dancu/store.h"
#include "dancu/units.h"
#include "lib/testlib.h"

static struct dc_store *S(void **state)
{
	return dc_test_store_of(state)->s;
}

static void test_lifecycle(void **state)
{
	struct dc_store *s = S(state);
	char key[DC_APIKEY_LEN + 1], id[DC_APIKEY_ID_LEN + 1];
	struct dc_apikey k;
	int64_t t = 1700000000000;
	assert_int_equal(dc_apikey_create(s, "org", "bank-a", "core banking", 0, 0, t, key, id), 0);
	assert_int_equal(strlen(key), DC_APIKEY_LEN);
	assert_memory_equal(key, id, DC_APIKEY_ID_LEN);
	assert_int_equal(dc_apikey_authenticate(s, key, strlen(key), t + 1, &k, NULL), 0);
	assert_string_equal(k.owner_kind, "org");
	assert_string_equal(k.owner_id, "bank-a");
	assert_string_equal(k.label, "core banking");
	/* the secret is nowhere in the database: only its hash */
	struct dc_stmt *st;
	assert_int_equal(dc_db_prepare(dc_store_db(s), "SELECT secret_hash FROM api_key", &st), 0);
	assert_int_equal(dc_stmt_step(st), DC_ROW);
	assert_int_equal(strlen(dc_stmt_text(st, 0, NULL)), 64);
	assert_null(strstr(dc_stmt_text(st, 0, NULL), key + DC_APIKEY_ID_LEN + 1));
	dc_stmt_finalize(st);
	/* a changed secret, a truncated key, garbage: one answer */
	char bad[DC_APIKEY_LEN + 1];
	memcpy(bad, key, sizeof bad);
	bad[DC_APIKEY_LEN - 1] = bad[DC_APIKEY_LEN - 1] == 'A' ? 'B' : 'A';
	assert_int_equal(dc_apikey_authenticate(s, bad, strlen(bad), t, &k, NULL), DC_ERR_AUTH);
	assert_int_equal(dc_apikey_authenticate(s, key, strlen(key) - 1, t, &k, NULL), DC_ERR_AUTH);
	assert_int_equal(dc_apikey_authenticate(s, "x", 1, t, &k, NULL), DC_ERR_AUTH);
	memcpy(bad, key, sizeof bad);
	bad[5] = bad[5] == '0' ? '1' : '0'; /* unknown id */
	assert_int_equal(dc_apikey_authenticate(s, bad, strlen(bad), t, &k, NULL), DC_ERR_AUTH);
	/* last use recorded */
	assert_int_equal(dc_apikey_get(s, id, &k), 0);
	assert_true(k.last_used_ms == t + 1);
	/* another owner cannot revoke it */
	assert_int_equal(dc_apikey_revoke(s, id, "org", "bank-b", t), DC_ERR_NOT_FOUND);
	assert_int_equal(dc_apikey_revoke(s, id, "org", "bank-a", t + 2), 0);
	assert_int_equal(dc_apikey_revoke(s, id, NULL, NULL, t + 3), 0);
	assert_int_equal(dc_apikey_authenticate(s, key, strlen(key), t + 4, &k, NULL), DC_ERR_AUTH);
	/* bad owners */
	assert_int_equal(dc_apikey_create(s, "bank", "x", NULL, 0, 0, t, key, id), DC_ERR_INVALID);
	assert_int_equal(dc_apikey_create(s, "org", "", NULL, 0, 0, t, key, id), DC_ERR_INVALID);
	assert_int_equal(dc_apikey_create(s, "org", "a b", NULL, 0, 0, t, key, id), DC_ERR_INVALID);
}

static int count_cb(void *arg, const struct dc_apikey *k)
{
	(void)k;
	(*(int *)arg)++;
	return 0;
}

static void test_rate_and_list(void **state)
{
	struct dc_store *s = S(state);
	char key[DC_APIKEY_LEN + 1], id[DC_APIKEY_ID_LEN + 1], key2[DC_APIKEY_LEN + 1];
	struct dc_apikey k;
	int64_t t = 1700000000000, wait = 0;
	/* 60 a minute = one a second, bucket of 3 */
	assert_int_equal(dc_apikey_create(s, "business", "hotel-1", NULL, 60, 3, t, key, id), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(dc_apikey_authenticate(s, key, strlen(key), t, &k, &wait), 0);
	assert_int_equal(dc_apikey_authenticate(s, key, strlen(key), t, &k, &wait), DC_ERR_RATE);
	assert_true(wait > 0 && wait <= 1000);
	assert_int_equal(dc_apikey_authenticate(s, key, strlen(key), t + 500, &k, &wait),
	                 DC_ERR_RATE);
	assert_true(wait > 0 && wait <= 500);
	assert_int_equal(dc_apikey_authenticate(s, key, strlen(key), t + 1000, &k, &wait), 0);
	/* a long pause refills to the burst, not beyond */
	for (int i = 0; i < 3; i++)
		assert_int_equal(dc_apikey_authenticate(s, key, strlen(key), t + 3600000, &k, NULL),
		                 0);
	assert_int_equal(dc_apikey_authenticate(s, key, strlen(key), t + 3600000, &k, NULL),
	                 DC_ERR_RATE);
	assert_int_equal(dc_apikey_set_rate(s, id, 0, 0), 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(dc_apikey_authenticate(s, key, strlen(key), t + 3600000, &k, NULL),
		                 0);
	assert_int_equal(dc_apikey_create(s, "agency", "bhxh", NULL, 0, 0, t, key2, NULL), 0);
	int n = 0;
	assert_int_equal(dc_apikey_list(s, "business", "hotel-1", count_cb, &n), 0);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(dc_apikey_list(s, NULL, NULL, count_cb, &n), 0);
	assert_int_equal(n, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_lifecycle, dc_test_store_sqlite,
	                                        dc_test_store_teardown),
	        cmocka_unit_test_setup_teardown(test_rate_and_list, dc_test_store_sqlite,
	                                        dc_test_store_teardown),
	        cmocka_unit_test_setup_teardown(test_lifecycle, dc_test_store_pg,
	                                        dc_test_store_teardown),
	        cmocka_unit_test_setup_teardown(test_rate_and_list, dc_test_store_pg,
	                                        dc_test_store_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
