/* Tests for src/card/qr.c: the 7-field payload (build, parse, the parser
 * rules of the domain notes: empty old ID, extra 2024 fields kept, real
 * calendar dates, Nam/Nữ folded, U+FFFD flagged), and that the SVG and PNG
 * images are well-formed. The PNG's content is checked end to end by
 * tests/cli/card.sh with zbarimg. */
#include <stdio.h>
#include <string.h>

#include "dancu/qr.h"
#include "lib/testlib.h"

static void test_build(void **st)
{
	struct dc_buf b = DC_BUF_INIT;
	struct dc_qr_card q = {"001099012345", "", "Nguyễn Văn A", {1999, 3, 15}, 'M', "",
	                       {2021, 5, 10},  0,  {NULL}};
	assert_int_equal(dc_qr_build(&q, &b), 0);
	assert_string_equal(dc_buf_str(&b), "001099012345||Nguyễn Văn A|15031999|Nam||10052021");
	dc_buf_reset(&b);
	q.sex = 'F';
	q.old_id = "123456789";
	q.address = "Phường Bến Nghé, TP. Hồ Chí Minh";
	assert_int_equal(dc_qr_build(&q, &b), 0);
	assert_string_equal(dc_buf_str(&b), "001099012345|123456789|Nguyễn Văn A|15031999|Nữ|"
	                                    "Phường Bến Nghé, TP. Hồ Chí Minh|10052021");
	struct dc_qr_card bad = q;
	bad.name = "A|B";
	assert_int_equal(dc_qr_build(&bad, &b), DC_ERR_INVALID);
	bad = q;
	bad.old_id = "1234";
	assert_int_equal(dc_qr_build(&bad, &b), DC_ERR_INVALID);
	bad = q;
	bad.dob.day = 0;
	assert_int_equal(dc_qr_build(&bad, &b), DC_ERR_INVALID);
	bad = q;
	bad.pin = "00109901234";
	assert_int_equal(dc_qr_build(&bad, &b), DC_ERR_INVALID);
	dc_buf_release(&b);
}

static int parse(const char *s, struct dc_qr_card *q, struct dc_pool *p, char *d)
{
	return dc_qr_parse(s, strlen(s), q, p, d, 128);
}

static void test_parse(void **st)
{
	struct dc_pool pool;
	struct dc_qr_card q;
	char d[128];
	dc_pool_init(&pool, 0);
	assert_int_equal(parse("001090123456|012345678|NGUYEN VAN A|01011990|Nam|Phường Bến "
	                       "Nghé, Quận 1, TP. Hồ Chí Minh|15042021\r\n",
	                       &q, &pool, d),
	                 0);
	assert_string_equal(q.pin, "001090123456");
	assert_string_equal(q.old_id, "012345678");
	assert_int_equal(q.sex, 'M');
	assert_int_equal(q.dob.year, 1990);
	assert_int_equal(q.issued.month, 4);
	assert_int_equal(q.nextra, 0);
	assert_int_equal(parse("079198000123||NGUYỄN VĂN A|15101998|Nam|123 Nguyễn Trãi|20102021",
	                       &q, &pool, d),
	                 0);
	assert_string_equal(q.old_id, "");
	/* 2024 card: extra fields kept; Nữ in any case, and "nu" */
	assert_int_equal(parse("001199012345|001234567890|Trần Thị B|01022000|NỮ||01072024|X|Y", &q,
	                       &pool, d),
	                 0);
	assert_int_equal(q.sex, 'F');
	assert_int_equal(q.nextra, 2);
	assert_string_equal(q.extra[1], "Y");
	assert_int_equal(parse("001199012345||B|01022000|nu||01072024", &q, &pool, d), 0);
	assert_int_equal(q.sex, 'F');
	/* failures, each with its reason */
	assert_int_equal(parse("001199012345||B|01022000|Nam|", &q, &pool, d), DC_ERR_INVALID);
	assert_non_null(strstr(d, "fewer than 7"));
	assert_int_equal(parse("00119901234||B|01022000|Nam||01072024", &q, &pool, d),
	                 DC_ERR_INVALID);
	assert_non_null(strstr(d, "field 1"));
	assert_int_equal(parse("001199012345|1234|B|01022000|Nam||01072024", &q, &pool, d),
	                 DC_ERR_INVALID);
	assert_non_null(strstr(d, "field 2"));
	assert_int_equal(
	        parse("001199012345||Nguy\xef\xbf\xbdn|01022000|Nam||01072024", &q, &pool, d),
	        DC_ERR_INVALID);
	assert_non_null(strstr(d, "U+FFFD"));
	assert_int_equal(parse("001199012345||B|31022000|Nam||01072024", &q, &pool, d),
	                 DC_ERR_INVALID);
	assert_non_null(strstr(d, "field 4"));
	assert_int_equal(parse("001199012345||B|01022000|Nam||2024-07-01", &q, &pool, d),
	                 DC_ERR_INVALID);
	assert_non_null(strstr(d, "field 7"));
	assert_int_equal(parse("001199012345||B|01022000|Male||01072024", &q, &pool, d),
	                 DC_ERR_INVALID);
	assert_non_null(strstr(d, "field 5"));
	assert_int_equal(parse("001199012345|||01022000|Nam||01072024", &q, &pool, d),
	                 DC_ERR_INVALID);
	assert_int_equal(dc_qr_parse("a\xff|b", 5, &q, &pool, d, sizeof d), DC_ERR_INVALID);
	/* round trip */
	struct dc_buf b = DC_BUF_INIT;
	struct dc_qr_card r = {"001099012345", "123456789", "Lê Thị Hoà",
	                       {1999, 3, 15},  'F',         "Số 1",
	                       {2021, 5, 10},  0,           {NULL}};
	assert_int_equal(dc_qr_build(&r, &b), 0);
	assert_int_equal(dc_qr_parse(b.ptr, b.len, &q, &pool, d, sizeof d), 0);
	assert_string_equal(q.name, r.name);
	assert_string_equal(q.address, r.address);
	assert_int_equal(q.sex, 'F');
	assert_int_equal(q.dob.day, 15);
	dc_buf_release(&b);
	dc_pool_release(&pool);
}

static void test_images(void **st)
{
	struct dc_buf b = DC_BUF_INIT;
	const char *p = "001099012345||Nguyễn Văn A|15031999|Nam||10052021";
	assert_int_equal(dc_qr_svg(p, strlen(p), 4, &b), 0);
	assert_non_null(strstr(dc_buf_str(&b), "<svg"));
	assert_non_null(strstr(dc_buf_str(&b), "</svg>"));
	dc_buf_reset(&b);
	assert_int_equal(dc_qr_png(p, strlen(p), 4, &b), 0);
	assert_true(b.len > 100);
	assert_memory_equal(b.ptr, "\x89PNG\r\n\x1a\n", 8);
	dc_buf_reset(&b);
	assert_int_equal(dc_qr_png("", 0, 4, &b), DC_ERR_TOO_LARGE);
	static char big[4000];
	memset(big, 'x', sizeof big);
	assert_int_equal(dc_qr_svg(big, sizeof big, 4, &b), DC_ERR_TOO_LARGE);
	dc_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_build),
	        cmocka_unit_test(test_parse),
	        cmocka_unit_test(test_images),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
