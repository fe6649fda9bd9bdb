/* Tests for src/card/tlv.c: ICAO EF.COM (App. D) and DG13 long-form vectors,
 * multi-byte tags, every length form, and malformed inputs (truncation,
 * indefinite length, oversized tags) rejected without overreading. */
#include <stdlib.h>
#include <string.h>

#include "dancu/tlv.h"
#include "lib/testlib.h"
#include "unit/card/chiptest.h"

static void test_efcom(void **st)
{
	uint8_t b[64];
	size_t n = unhex("60145F0104303130365F36063034303030305C026175", b, sizeof b);
	struct dc_tlv t, c;
	assert_int_equal(dc_tlv_parse(b, n, &t), DC_OK);
	assert_int_equal(t.tag, 0x60);
	assert_true(t.constructed);
	assert_int_equal(t.len, 0x14);
	assert_int_equal(t.size, n);
	assert_int_equal(dc_tlv_find(t.val, t.len, 0x5F01, &c), DC_OK);
	assert_int_equal(c.len, 4);
	assert_memory_equal(c.val, "0106", 4);
	assert_int_equal(dc_tlv_find(t.val, t.len, 0x5C, &c), DC_OK);
	assert_hex(c.val, c.len, "6175");
	assert_int_equal(dc_tlv_find(t.val, t.len, 0x5F1F, &c), DC_ERR_NOT_FOUND);
	size_t off = 0;
	int k = 0;
	while (dc_tlv_next(t.val, t.len, &off, &c) == 1)
		k++;
	assert_int_equal(k, 3);
}

static void test_long_form(void **st)
{
	/* DG13 field 9 record, 30 81 B1 ... 0C 81 AB (domain notes §5.4) */
	uint8_t v[171];
	memset(v, 'a', sizeof v);
	struct dc_buf b = DC_BUF_INIT;
	dc_tlv_put_header(&b, 0x30, 3 + 3 + sizeof v);
	dc_tlv_put(&b, 0x02, "\x09", 1);
	dc_tlv_put(&b, 0x0C, v, sizeof v);
	assert_int_equal(dc_buf_error(&b), 0);
	assert_int_equal(b.len, 180);
	assert_hex(b.ptr, 3, "3081B1");
	assert_hex(b.ptr + 6, 3, "0C81AB");
	struct dc_tlv t;
	assert_int_equal(dc_tlv_parse((uint8_t *)b.ptr, b.len, &t), DC_OK);
	assert_int_equal(t.len, 0xB1);
	assert_int_equal(dc_tlv_size(0x30, 0xB1), 180);
	/* 82 and 83 forms round trip */
	size_t lens[] = {0, 1, 127, 128, 255, 256, 65535, 65536, 70000};
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		struct dc_buf x = DC_BUF_INIT;
		uint8_t *z = calloc(1, lens[i] + 1);
		dc_tlv_put(&x, 0x7F61, z, lens[i]);
		assert_int_equal(dc_buf_error(&x), 0);
		assert_int_equal(x.len, dc_tlv_size(0x7F61, lens[i]));
		assert_int_equal(dc_tlv_parse((uint8_t *)x.ptr, x.len, &t), DC_OK);
		assert_int_equal(t.tag, 0x7F61);
		assert_int_equal(t.len, lens[i]);
		/* one byte short is refused */
		assert_int_equal(dc_tlv_parse((uint8_t *)x.ptr, x.len - 1, &t),
		                 lens[i] ? DC_ERR_INVALID : DC_ERR_INVALID);
		free(z);
		dc_buf_release(&x);
	}
	dc_buf_release(&b);
}

static void test_tags(void **st)
{
	uint8_t b[16];
	struct dc_tlv t;
	size_t n = unhex("5F2E0100", b, sizeof b);
	assert_int_equal(dc_tlv_parse(b, n, &t), DC_OK);
	assert_int_equal(t.tag, 0x5F2E);
	n = unhex("BF811F0100", b, sizeof b); /* three-byte tag */
	assert_int_equal(dc_tlv_parse(b, n, &t), DC_OK);
	assert_int_equal(t.tag, 0xBF811F);
	struct dc_buf x = DC_BUF_INIT;
	dc_tlv_put(&x, 0xBF811F, "\x00", 1);
	assert_hex(x.ptr, x.len, "BF811F0100");
	dc_buf_release(&x);
}

static void test_malformed(void **st)
{
	static const char *bad[] = {
	        "",                 /* empty */
	        "5F",               /* tag cut */
	        "5F81",             /* tag continues past the end */
	        "BF818101",         /* four-byte tag */
	        "60",               /* no length */
	        "6080",             /* indefinite */
	        "608400000001",     /* 4-byte length field */
	        "6081",             /* length cut */
	        "60820100",         /* length cut */
	        "6005010203",       /* value short */
	        "6081050102030405", /* non-minimal but value present: accepted below */
	};
	uint8_t b[32];
	struct dc_tlv t;
	for (size_t i = 0; i + 1 < sizeof bad / sizeof bad[0]; i++) {
		size_t n = unhex(bad[i], b, sizeof b);
		assert_int_equal(dc_tlv_parse(n ? b : (uint8_t *)"", n, &t), DC_ERR_INVALID);
	}
	size_t n = unhex(bad[10], b, sizeof b);
	assert_int_equal(dc_tlv_parse(b, n, &t), DC_OK);
	assert_int_equal(t.len, 5);
	/* iteration stops on a malformed element and on trailing padding */
	n = unhex("0101AA02", b, sizeof b);
	size_t off = 0;
	assert_int_equal(dc_tlv_next(b, n, &off, &t), 1);
	assert_int_equal(dc_tlv_next(b, n, &off, &t), DC_ERR_INVALID);
	n = unhex("0101AA0000", b, sizeof b);
	off = 0;
	assert_int_equal(dc_tlv_next(b, n, &off, &t), 1);
	assert_int_equal(dc_tlv_next(b, n, &off, &t), 0);
	assert_int_equal(dc_tlv_find(b, 0, 1, &t), DC_ERR_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_efcom),
	        cmocka_unit_test(test_long_form),
	        cmocka_unit_test(test_tags),
	        cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
