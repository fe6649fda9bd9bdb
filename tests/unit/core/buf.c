/* Tests for src/core/buf.c, pool.c, error.c and core.c: the string builder's
 * cap and sticky error, JSON escaping, pool allocation, the error table, the
 * constant-time compare and the checked integer parser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/buf.h"
#include "dancu/core.h"
#include "dancu/pool.h"
#include "lib/testlib.h"

static void test_buf_basic(void **st)
{
	struct dc_buf b;
	dc_buf_init(&b, 0);
	assert_string_equal(dc_buf_str(&b), "");
	dc_buf_adds(&b, "xin ");
	dc_buf_addf(&b, "chào %d", 6);
	assert_string_equal(dc_buf_str(&b), "xin chào 6");
	for (int i = 0; i < 10000; i++)
		dc_buf_addc(&b, 'a');
	assert_int_equal(b.len, strlen("xin chào 6") + 10000);
	size_t n;
	char *p = dc_buf_detach(&b, &n);
	assert_non_null(p);
	assert_int_equal(strlen(p), n);
	free(p);
	assert_null(b.ptr);
	dc_buf_release(&b);
}

static void test_buf_grow_terminates(void **st)
{
	struct dc_buf b = DC_BUF_INIT;
	assert_int_equal(dc_buf_grow(&b, 100), 0);
	assert_string_equal(dc_buf_str(&b), ""); /* NUL-terminated right after growing */
	dc_buf_release(&b);
}

static void test_buf_cap_sticky(void **st)
{
	struct dc_buf b;
	dc_buf_init(&b, 8);
	assert_int_equal(dc_buf_adds(&b, "12345678"), 0);
	assert_int_equal(dc_buf_adds(&b, "9"), DC_ERR_TOO_LARGE);
	/* Sticky: later small appends fail too and content is unchanged. */
	assert_int_equal(dc_buf_addc(&b, 'x'), DC_ERR_TOO_LARGE);
	assert_string_equal(dc_buf_str(&b), "12345678");
	dc_buf_reset(&b);
	assert_int_equal(dc_buf_adds(&b, "ok"), 0);
	dc_buf_release(&b);
}

static void test_json_escape(void **st)
{
	struct dc_buf b = DC_BUF_INIT;
	const char in[] = "a\"b\\c\n\x01Đ";
	dc_buf_add_json_str(&b, in, sizeof(in) - 1);
	assert_string_equal(dc_buf_str(&b), "a\\\"b\\\\c\\n\\u0001Đ");
	dc_buf_release(&b);
}

static void test_pool(void **st)
{
	struct dc_pool p;
	dc_pool_init(&p, 1024);
	char *strs[1000];
	for (int i = 0; i < 1000; i++) {
		char tmp[32];
		snprintf(tmp, sizeof tmp, "s%d", i);
		strs[i] = dc_pool_strdup(&p, tmp);
		assert_non_null(strs[i]);
		assert_int_equal(((uintptr_t)strs[i]) % _Alignof(max_align_t), 0);
	}
	for (int i = 0; i < 1000; i++) {
		char tmp[32];
		snprintf(tmp, sizeof tmp, "s%d", i);
		assert_string_equal(strs[i], tmp);
	}
	void *big = dc_pool_alloc(&p, 100000); /* larger than a chunk */
	assert_non_null(big);
	memset(big, 1, 100000);
	char *after = dc_pool_strdup(&p, "after");
	assert_string_equal(after, "after");
	dc_pool_clear(&p);
	assert_int_equal(p.used, 0);
	assert_non_null(dc_pool_alloc(&p, 10));
	dc_pool_release(&p);
}

static void test_errors(void **st)
{
	assert_string_equal(dc_err_code(DC_OK), "ok");
	assert_string_equal(dc_err_code(DC_ERR_NOT_FOUND), "not_found");
	assert_int_equal(dc_err_http_status(DC_ERR_NOT_FOUND), 404);
	assert_int_equal(dc_err_http_status(DC_ERR_RULE), 422);
	assert_int_equal(dc_err_http_status(DC_ERR_RATE), 429);
	assert_int_equal(dc_err_http_status(12345), 500);
	assert_string_equal(dc_strerror(-999), "unknown error");
	/* Codes are unique. */
	static const int all[] = {
#define X(name, value, code, http, desc) value,
	        DC_ERRORS(X)
#undef X
	};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		for (size_t j = i + 1; j < sizeof(all) / sizeof(all[0]); j++) {
			assert_int_not_equal(all[i], all[j]);
			assert_string_not_equal(dc_err_code(all[i]), dc_err_code(all[j]));
		}
}

static void test_ct_and_uint(void **st)
{
	assert_true(dc_ct_equal("secret", "secret", 6));
	assert_false(dc_ct_equal("secret", "secreT", 6));
	unsigned long long v;
	assert_int_equal(dc_parse_uint("123", 3, 1000, &v), 0);
	assert_int_equal(v, 123);
	assert_int_equal(dc_parse_uint("1001", 4, 1000, &v), DC_ERR_INVALID);
	assert_int_equal(dc_parse_uint("", 0, 1000, &v), DC_ERR_INVALID);
	assert_int_equal(dc_parse_uint("-1", 2, 1000, &v), DC_ERR_INVALID);
	assert_int_equal(dc_parse_uint("18446744073709551615", 20, ~0ULL, &v), 0);
	assert_int_equal(dc_parse_uint("18446744073709551616", 20, ~0ULL, &v), DC_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_buf_basic),      cmocka_unit_test(test_buf_grow_terminates),
	        cmocka_unit_test(test_buf_cap_sticky), cmocka_unit_test(test_json_escape),
	        cmocka_unit_test(test_pool),           cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_ct_and_uint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
