/* Tests for src/register/pin.c: parsing, decoding (the synthetic vectors of
 * the domain notes), building, and a property test over every century/sex
 * digit and many random parts. */
#include <string.h>

#include "dancu/pin.h"
#include "dancu/units.h"
#include "lib/testlib.h"

static struct dc_units *units;

static int setup(void **st)
{
	return dc_units_new(&units);
}

static int teardown(void **st)
{
	dc_units_free(units);
	return 0;
}

static void test_parse(void **st)
{
	struct dc_pin p;
	assert_int_equal(dc_pin_parse("001199012345", 12, &p), 0);
	assert_string_equal(p.d, "001199012345");
	assert_int_equal(dc_pin_parse("00119901234", 11, &p), DC_ERR_INVALID);
	assert_int_equal(dc_pin_parse("0011990123456", 13, &p), DC_ERR_INVALID);
	assert_int_equal(dc_pin_parse("00119901234a", 12, &p), DC_ERR_INVALID);
	assert_int_equal(dc_pin_parse(" 01199012345", 12, &p), DC_ERR_INVALID);
	assert_int_equal(dc_pin_parse("０01199012345", 12, &p), DC_ERR_INVALID); /* full-width */
}

static void test_decode_vectors(void **st)
{
	struct dc_pin p;
	struct dc_pin_info i;
	dc_pin_parse("001199012345", 12, &p); /* Hà Nội, F, 1999 */
	dc_pin_decode(&p, units, &i);
	assert_int_equal(i.prefix, 1);
	assert_int_equal(i.origin, DC_PIN_ORIGIN_PROVINCE);
	assert_string_equal(i.province_2025, "01");
	assert_int_equal(i.sex, DC_SEX_FEMALE);
	assert_int_equal(i.birth_year, 1999);
	dc_pin_parse("079205000123", 12, &p); /* TP HCM, M, 2005 */
	dc_pin_decode(&p, units, &i);
	assert_string_equal(i.province_2025, "79");
	assert_int_equal(i.sex, DC_SEX_MALE);
	assert_int_equal(i.birth_year, 2005);
	dc_pin_parse("002090000001", 12, &p); /* Hà Giang → Tuyên Quang (08) */
	dc_pin_decode(&p, units, &i);
	assert_string_equal(i.province_2025, "08");
	dc_pin_parse("003090000001", 12, &p); /* unused gap: warning-level unknown */
	dc_pin_decode(&p, units, &i);
	assert_int_equal(i.origin, DC_PIN_ORIGIN_UNKNOWN);
	assert_int_equal(i.birth_year, 1990);
	dc_pin_parse("232301000001", 12, &p); /* Japan, F, 2001 */
	dc_pin_decode(&p, units, &i);
	assert_int_equal(i.origin, DC_PIN_ORIGIN_ABROAD);
	assert_int_equal(i.sex, DC_SEX_FEMALE);
	assert_int_equal(i.birth_year, 2001);
	dc_pin_decode(&p, NULL, &i); /* no tables: still decodes */
	assert_int_equal(i.birth_year, 2001);
}

static void test_make_rejects(void **st)
{
	struct dc_pin p;
	assert_int_equal(dc_pin_make(1000, 1990, DC_SEX_MALE, 1, &p), DC_ERR_INVALID);
	assert_int_equal(dc_pin_make(1, 1899, DC_SEX_MALE, 1, &p), DC_ERR_INVALID);
	assert_int_equal(dc_pin_make(1, 2400, DC_SEX_MALE, 1, &p), DC_ERR_INVALID);
	assert_int_equal(dc_pin_make(1, 1990, DC_SEX_UNKNOWN, 1, &p), DC_ERR_INVALID);
	assert_int_equal(dc_pin_make(1, 1990, DC_SEX_MALE, 1000000, &p), DC_ERR_INVALID);
	assert_int_equal(dc_pin_make(1, 1999, DC_SEX_FEMALE, 12345, &p), 0);
	assert_string_equal(p.d, "001199012345");
}

/* Property: make → parse → decode gives back year, sex and prefix, for every
 * century the scheme covers and many random parts. */
static void test_round_trip_property(void **st)
{
	int n = 0;
	for (int year = 1900; year <= 2399; year += 7) {
		for (int sx = 0; sx < 2; sx++) {
			for (int k = 0; k < 20; k++) {
				struct dc_pin p, q;
				struct dc_pin_info i;
				int prefix = (year * 31 + k * 17) % 1000;
				unsigned r = dc_pin_random6();
				enum dc_sex sex = sx ? DC_SEX_FEMALE : DC_SEX_MALE;
				assert_true(r <= 999999);
				assert_int_equal(dc_pin_make(prefix, year, sex, r, &p), 0);
				assert_int_equal(strlen(p.d), 12);
				assert_int_equal(dc_pin_parse(p.d, 12, &q), 0);
				dc_pin_decode(&q, units, &i);
				assert_int_equal(i.birth_year, year);
				assert_int_equal(i.sex, sex);
				assert_int_equal(i.prefix, prefix);
				n++;
			}
		}
	}
	assert_true(n > 2500);
}

static void test_random_spread(void **st)
{
	/* The random part covers the range: over 20,000 draws every leading
	 * digit appears and no value repeats more than a few times. */
	int lead[10] = {0};
	for (int i = 0; i < 20000; i++)
		lead[dc_pin_random6() / 100000]++;
	for (int d = 0; d < 10; d++)
		assert_true(lead[d] > 1500 && lead[d] < 2500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse),         cmocka_unit_test(test_decode_vectors),
	        cmocka_unit_test(test_make_rejects),  cmocka_unit_test(test_round_trip_property),
	        cmocka_unit_test(test_random_spread),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
