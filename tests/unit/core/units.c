/* Tests for src/core/units.c: counts from the official file, code lookups,
 * tolerant name lookups, and the 63 old ID prefixes. */
#include <stdio.h>
#include <string.h>

#include "dancu/units.h"
#include "lib/testlib.h"

static struct dc_units *u;

static int setup(void **st)
{
	return dc_units_new(&u);
}

static int teardown(void **st)
{
	dc_units_free(u);
	return 0;
}

static void test_counts(void **st)
{
	assert_int_equal(dc_units_nprovinces(u), 34);
	assert_int_equal(dc_units_ncommunes(u), 3321);
	size_t ward = 0, commune = 0, special = 0, sum = 0;
	for (size_t i = 0; i < dc_units_ncommunes(u); i++) {
		const struct dc_commune *c = dc_units_commune_at(u, i);
		ward += c->type == DC_COMMUNE_WARD;
		commune += c->type == DC_COMMUNE_COMMUNE;
		special += c->type == DC_COMMUNE_SPECIAL;
		assert_non_null(dc_units_province(u, c->province_code, 2));
		assert_ptr_equal(dc_units_commune(u, c->code, 5), c);
		if (i)
			assert_true(strcmp(dc_units_commune_at(u, i - 1)->code, c->code) < 0);
	}
	assert_int_equal(ward, 697);
	assert_int_equal(commune, 2611);
	assert_int_equal(special, 13);
	for (size_t i = 0; i < 34; i++)
		sum += dc_units_province_at(u, i)->ncommunes;
	assert_int_equal(sum, 3321);
	const struct dc_province *hcm = dc_units_province(u, "79", 2);
	assert_string_equal(hcm->name_en, "Ho Chi Minh");
	assert_int_equal(hcm->ncommunes, 168);
	assert_null(dc_units_province(u, "02", 2)); /* Hà Giang's code retired */
	assert_null(dc_units_commune(u, "99999", 5));
	assert_null(dc_units_commune(u, "0004", 4));
}

static void test_names(void **st)
{
	static const char *const thanh_hoa[] = {"Thanh Hoá",       "Thanh Hóa",
	                                        "thanh hoa",       "Tỉnh Thanh Hoá",
	                                        "TỈNH  THANH HÓA", "tinh thanh hoa"};
	for (size_t i = 0; i < sizeof thanh_hoa / sizeof *thanh_hoa; i++) {
		const struct dc_province *p =
		        dc_units_province_by_name(u, thanh_hoa[i], strlen(thanh_hoa[i]));
		assert_non_null(p);
		assert_string_equal(p->code, "38");
	}
	const struct dc_province *hn = dc_units_province_by_name(u, "Hà Nội", strlen("Hà Nội"));
	assert_string_equal(hn->code, "01");
	assert_null(dc_units_province_by_name(u, "Atlantis", 8));
	const struct dc_commune *found[8];
	size_t n = dc_units_commune_by_name(u, NULL, "Ba Đình", strlen("Ba Đình"), found, 8);
	assert_true(n >= 1);
	assert_string_equal(found[0]->code, "00004");
	n = dc_units_commune_by_name(u, hn, "phuong ba dinh", strlen("phuong ba dinh"), found, 8);
	assert_int_equal(n, 1);
	/* Names repeat across provinces; a province restricts the search. */
	size_t all = dc_units_commune_by_name(u, NULL, "Tân Phú", strlen("Tân Phú"), found, 8);
	const struct dc_province *dn = dc_units_province(u, "75", 2);
	size_t in_dn = dc_units_commune_by_name(u, dn, "Tân Phú", strlen("Tân Phú"), found, 8);
	assert_true(all > in_dn);
}

static void test_prefixes(void **st)
{
	char path[512], line[256];
	int seen = 0;
	dc_test_data_path("id-province-codes.csv", path, sizeof path);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof line, f)); /* header */
	while (fgets(line, sizeof line, f)) {
		int prefix;
		char code[3];
		assert_int_equal(sscanf(line, "%d,%*[^,],%2s", &prefix, code), 2);
		const char *old = NULL;
		const struct dc_province *p = dc_units_pin_prefix(u, prefix, &old);
		assert_non_null(p);
		assert_string_equal(p->code, code);
		assert_non_null(old);
		int out[8];
		size_t n = dc_units_prefixes_of(u, p, out, 8);
		int found = 0;
		for (size_t i = 0; i < n && i < 8; i++)
			found |= out[i] == prefix;
		assert_true(found);
		seen++;
	}
	fclose(f);
	assert_int_equal(seen, 63);
	const char *old;
	assert_string_equal(dc_units_pin_prefix(u, 2, &old)->code, "08");
	assert_string_equal(old, "Hà Giang");
	assert_null(dc_units_pin_prefix(u, 3, NULL));
	assert_null(dc_units_pin_prefix(u, 175, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_counts),
	        cmocka_unit_test(test_names),
	        cmocka_unit_test(test_prefixes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
