/* Tests for src/core/date.c: parsing forms, precision, validity, day
 * arithmetic round trips, partial-date comparison and ages. */
#include <string.h>

#include "dancu/date.h"
#include "lib/testlib.h"

static struct dc_date D(const char *s) {
	struct dc_date d;
	assert_int_equal(dc_date_parse(s, strlen(s), &d), 0);
	return d;
}

static void
test_parse_forms(void **st)
{
	struct dc_date d = D("1999-03-15");
	assert_int_equal(d.year, 1999);
	assert_int_equal(d.month, 3);
	assert_int_equal(d.day, 15);
	d = D("15/03/1999");
	assert_int_equal(d.day, 15);
	assert_int_equal(d.month, 3);
	d = D("15031999");
	assert_int_equal(d.year, 1999);
	d = D("1948");
	assert_int_equal(dc_date_precision(&d), DC_DATE_YEAR);
	d = D("1948-07");
	assert_int_equal(dc_date_precision(&d), DC_DATE_MONTH);
	d = D("07/1948");
	assert_int_equal(d.month, 7);
}

static void test_parse_rejects(void **st)
{
	static const char *bad[] = {
	        "",     "199",  "1999-13-01", "1999-02-30", "31022000",    "2000-00",  "1999-1-01",
	        "abcd", "0000", "2001-02-29", "99/99/1999", "1999-03-15x", "15/03/99", "-199"};
	struct dc_date d;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(dc_date_parse(bad[i], strlen(bad[i]), &d), DC_ERR_INVALID);
	assert_int_equal(dc_date_parse("2000-02-29", 10, &d), 0); /* leap */
	assert_int_equal(dc_date_parse("1900-02-29", 10, &d), DC_ERR_INVALID);
}

static void test_iso_round_trip(void **st)
{
	static const char *forms[] = {"1999-03-15", "1948", "1948-07", "2024-02-29"};
	char out[DC_DATE_ISO_MAX];
	for (size_t i = 0; i < 4; i++) {
		struct dc_date d = D(forms[i]);
		size_t n = dc_date_iso(&d, out);
		assert_int_equal(n, strlen(forms[i]));
		assert_string_equal(out, forms[i]);
	}
	struct dc_date none = {0, 0, 0};
	assert_int_equal(dc_date_iso(&none, out), 0);
}

static void test_days(void **st)
{
	struct dc_date epoch = D("1970-01-01");
	assert_int_equal(dc_date_to_days(&epoch), 0);
	struct dc_date y2k = D("2000-03-01");
	assert_int_equal(dc_date_to_days(&y2k), 11017);
	/* Every day from 1800 to 2400 round-trips. */
	struct dc_date a = D("1800-01-01"), b = D("2400-12-31");
	for (int64_t z = dc_date_to_days(&a); z <= dc_date_to_days(&b); z += 1) {
		struct dc_date d = dc_date_from_days(z);
		assert_true(dc_date_valid(&d));
		assert_int_equal(dc_date_to_days(&d), z);
	}
}

static void test_cmp_partial(void **st)
{
	struct dc_date y = D("1990"), m = D("1990-05"), full = D("1990-05-12"),
	               other = D("1991-01-01");
	assert_int_equal(dc_date_cmp(&y, &full), 0);
	assert_int_equal(dc_date_cmp(&m, &full), 0);
	assert_int_equal(dc_date_cmp(&full, &other), -1);
	assert_int_equal(dc_date_cmp(&other, &y), 1);
	struct dc_date june = D("1990-06-01");
	assert_int_equal(dc_date_cmp(&m, &june), -1);
}

static void test_age(void **st)
{
	struct dc_date b = D("2000-06-15");
	struct dc_date on1 = D("2014-06-14"), on2 = D("2014-06-15");
	assert_int_equal(dc_date_age(&b, &on1), 13);
	assert_int_equal(dc_date_age(&b, &on2), 14);
	struct dc_date leap = D("2004-02-29"), on3 = D("2022-02-28"), on4 = D("2022-03-01");
	assert_int_equal(dc_date_age(&leap, &on3), 17);
	assert_int_equal(dc_date_age(&leap, &on4), 18);
	/* Partial birth: the smallest possible age. */
	struct dc_date yb = D("2000"), on5 = D("2014-06-15");
	assert_int_equal(dc_date_age(&yb, &on5), 13);
	struct dc_date before = D("1999-01-01");
	assert_int_equal(dc_date_age(&b, &before), -1);
}

static void test_today(void **st)
{
	struct dc_date t = dc_date_today();
	assert_true(dc_date_valid(&t));
	assert_true(t.year >= 2024 && t.day > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse_forms),    cmocka_unit_test(test_parse_rejects),
	        cmocka_unit_test(test_iso_round_trip), cmocka_unit_test(test_days),
	        cmocka_unit_test(test_cmp_partial),    cmocka_unit_test(test_age),
	        cmocka_unit_test(test_today),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
