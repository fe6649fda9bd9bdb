/* Tests for src/register/rules.c and citizen.c: one passing record, then
 * each rule made to fire by one change (each rule has a test that can fail),
 * the parent rules, the rule table's integrity, and the column table. */
#include <stdlib.h>
#include <string.h>

#include "dancu/citizen.h"
#include "dancu/rules.h"
#include "dancu/units.h"
#include "lib/testlib.h"

static struct dc_units *units;
static const struct dc_date today = {2026, 11, 22};

static int setup(void **st)
{
	return dc_units_new(&units);
}

static int teardown(void **st)
{
	dc_units_free(units);
	return 0;
}

/* A valid woman born 1999-03-15 in Hà Nội, living in Phường Ba Đình. */
static struct dc_citizen good(void)
{
	struct dc_citizen c;
	memset(&c, 0, sizeof(c));
	dc_pin_parse("001199012345", 12, &c.pin);
	dc_date_parse("1999-03-15", 10, &c.dob);
	c.sex = DC_SEX_FEMALE;
	c.birth_name = "Nguyễn Thị An";
	c.birth_reg_unit = "00004";
	c.nationality = "VN";
	c.ethnicity = "Kinh";
	c.religion = "Không";
	c.perm_commune = "00004";
	c.perm_address = "Số 1, phố Đội Cấn";
	dc_date_parse("2010-01-01", 10, &c.perm_since);
	c.household_id = "H1";
	c.head_relation = "head";
	c.marital_status = "single";
	c.blood_group = "O+";
	c.phone = "0912345678";
	c.email = "an@example.vn";
	c.cmnd9 = "012345678";
	return c;
}

static size_t check(const struct dc_citizen *c, struct dc_rule_hit *hits)
{
	struct dc_rule_ctx ctx = {units, today, NULL, NULL};
	return dc_rules_check(&ctx, c, hits, 16);
}

static int fired(const struct dc_citizen *c, const char *code)
{
	struct dc_rule_hit hits[16];
	size_t n = check(c, hits);
	for (size_t i = 0; i < n && i < 16; i++)
		if (!strcmp(dc_rule_get(hits[i].id)->code, code))
			return 1;
	return 0;
}

static void test_good_passes(void **st)
{
	struct dc_citizen c = good();
	struct dc_rule_hit hits[16];
	size_t n = check(&c, hits);
	for (size_t i = 0; i < n; i++)
		print_message("unexpected: %s\n", dc_rule_get(hits[i].id)->code);
	assert_int_equal(n, 0);
}

#define FIRES(code, mutate)                                     \
	do {                                                    \
		struct dc_citizen c = good();                   \
		mutate;                                         \
		if (!fired(&c, code))                           \
			fail_msg("rule %s did not fire", code); \
		assert_true(dc_rule_find(code) != NULL);        \
	} while (0)

static void test_each_rule_fires(void **st)
{
	FIRES("pin.required", memset(&c.pin, 0, sizeof(c.pin)));
	FIRES("pin.birth_year_mismatch", dc_date_parse("1998-03-15", 10, &c.dob));
	FIRES("pin.sex_mismatch", c.sex = DC_SEX_MALE);
	FIRES("pin.prefix_unknown", dc_pin_parse("003199012345", 12, &c.pin));
	FIRES("pin.birth_province_mismatch", c.birth_reg_unit = "79");
	FIRES("name.required", c.birth_name = "");
	FIRES("name.invalid", c.birth_name = "Nguyễn Thị 4n");
	FIRES("name.invalid", c.other_names = "<script>");
	FIRES("dob.required", memset(&c.dob, 0, sizeof(c.dob)));
	FIRES("dob.future",
	      (dc_date_parse("2099-01-01", 10, &c.dob), dc_pin_parse("001399012345", 12, &c.pin)));
	FIRES("dob.implausible", (dc_date_parse("1850-01-01", 10, &c.dob)));
	FIRES("sex.required", c.sex = DC_SEX_UNKNOWN);
	FIRES("nationality.invalid", c.nationality = "Viet Nam");
	FIRES("nationality.invalid", c.nationality = NULL);
	FIRES("ethnicity.unknown", c.ethnicity = "Klingon");
	FIRES("commune.unknown", c.perm_commune = "99999");
	FIRES("commune.unknown", c.temp_commune = "0004");
	FIRES("birth_reg_unit.unknown", c.birth_reg_unit = "99");
	FIRES("residence.missing", c.perm_commune = NULL);
	FIRES("residence.after_death",
	      (c.status = DC_STATUS_DEAD, dc_date_parse("2005-01-01", 10, &c.death_date)));
	FIRES("death.before_birth",
	      (c.status = DC_STATUS_DEAD, dc_date_parse("1990-01-01", 10, &c.death_date)));
	FIRES("death.status_mismatch", c.status = DC_STATUS_DEAD);
	FIRES("death.status_mismatch", dc_date_parse("2020-01-01", 10, &c.death_date));
	FIRES("parent.self", c.father_pin = "001199012345");
	FIRES("household.relation_invalid", c.head_relation = "boss");
	FIRES("household.incomplete", c.household_id = NULL);
	FIRES("marital_status.invalid", c.marital_status = "complicated");
	FIRES("blood_group.invalid", c.blood_group = "C+");
	FIRES("cmnd9.format", c.cmnd9 = "12345");
	FIRES("phone.format", c.phone = "+84 912 345 678");
	FIRES("email.format", c.email = "an@@example");
	FIRES("text.invalid_utf8", c.perm_address = "\xC3\x28 bad");
	FIRES("text.too_long", c.nationality = "VNM");
	FIRES("pin.link_format", c.mother_pin = "12345");
}

static void test_warnings_do_not_reject(void **st)
{
	struct dc_citizen c = good();
	struct dc_rule_hit hits[16];
	dc_pin_parse("003199012345", 12, &c.pin); /* unknown prefix */
	c.ethnicity = "kinh";                     /* tolerant match: no warning */
	size_t n = check(&c, hits);
	assert_int_equal(n, 1);
	assert_string_equal(dc_rule_get(hits[0].id)->code, "pin.prefix_unknown");
	assert_false(dc_rules_has_error(hits, n));
	c.ethnicity = "Ê-đê"; /* hyphen and case variant of "Ê Đê" */
	assert_int_equal(check(&c, hits), 1);
}

static void test_partial_dates_ok(void **st)
{
	struct dc_citizen c = good();
	dc_date_parse("1999", 4, &c.dob);
	assert_false(fired(&c, "pin.birth_year_mismatch"));
	assert_false(fired(&c, "dob.required"));
}

static void test_parents(void **st)
{
	struct dc_citizen child = good(), father = good(), mother = good();
	struct dc_rule_hit h[4];
	dc_date_parse("1970-05-01", 10, &father.dob);
	father.sex = DC_SEX_MALE;
	dc_date_parse("1972-05-01", 10, &mother.dob);
	assert_int_equal(dc_rules_check_parent(&child, &father, 1, h, 4), 0);
	assert_int_equal(dc_rules_check_parent(&child, &mother, 0, h, 4), 0);
	/* Wrong sex. */
	assert_int_equal(dc_rules_check_parent(&child, &mother, 1, h, 4), 1);
	assert_int_equal(h[0].id, DC_RULE_PARENT_SEX);
	/* Eleven years and a bit older: too young. */
	dc_date_parse("1987-06-01", 10, &mother.dob);
	assert_int_equal(dc_rules_check_parent(&child, &mother, 0, h, 4), 1);
	assert_int_equal(h[0].id, DC_RULE_PARENT_YOUNG);
	/* Exactly 12 years: fine. */
	dc_date_parse("1987-03-15", 10, &mother.dob);
	assert_int_equal(dc_rules_check_parent(&child, &mother, 0, h, 4), 0);
	/* Partial dates: 12 years apart by year is not surely too young. */
	dc_date_parse("1987", 4, &mother.dob);
	assert_int_equal(dc_rules_check_parent(&child, &mother, 0, h, 4), 0);
	dc_date_parse("1988", 4, &mother.dob);
	assert_int_equal(dc_rules_check_parent(&child, &mother, 0, h, 4), 1);
	/* Through the context too. */
	struct dc_rule_ctx ctx = {units, today, &father, &mother};
	assert_true(dc_rules_check(&ctx, &child, h, 4) >= 1);
}

static void test_rule_table(void **st)
{
	for (int i = 0; i < DC_RULE_COUNT; i++) {
		const struct dc_rule *r = dc_rule_get((enum dc_rule_id)i);
		assert_int_equal(r->id, i);
		assert_true(strchr(r->code, '.') != NULL);
		assert_true(strlen(r->message_vi) > 5 && strlen(r->message_en) > 5);
		assert_ptr_equal(dc_rule_find(r->code), r);
		for (int j = i + 1; j < DC_RULE_COUNT; j++)
			assert_string_not_equal(r->code, dc_rule_get((enum dc_rule_id)j)->code);
	}
	assert_null(dc_rule_find("no.such_rule"));
}

static void test_columns(void **st)
{
	struct dc_citizen c = good();
	struct dc_buf b = DC_BUF_INIT;
	assert_int_equal(dc_citizen_column_index("pin", 3), 0);
	assert_int_equal(dc_citizen_column_index("email", 5), (int)dc_citizen_ncolumns() - 1);
	assert_int_equal(dc_citizen_column_index("nope", 4), -1);
	assert_null(dc_citizen_column(dc_citizen_ncolumns()));
	/* Every column round-trips through text. */
	struct dc_citizen d;
	memset(&d, 0, sizeof(d));
	char *vals[64];
	for (size_t i = 0; i < dc_citizen_ncolumns(); i++) {
		dc_buf_reset(&b);
		assert_int_equal(dc_citizen_get(&c, i, &b), 0);
		vals[i] = strdup(dc_buf_str(&b));
		assert_int_equal(dc_citizen_set(&d, i, vals[i], strlen(vals[i])), 0);
	}
	for (size_t i = 0; i < dc_citizen_ncolumns(); i++) {
		dc_buf_reset(&b);
		dc_citizen_get(&d, i, &b);
		assert_string_equal(dc_buf_str(&b), vals[i]);
		free(vals[i]);
	}
	assert_int_equal(dc_citizen_set(&d, 2, "X", 1), DC_ERR_INVALID);
	assert_int_equal(dc_citizen_set(&d, 3, "zombie", 6), DC_ERR_INVALID);
	assert_int_equal(dc_citizen_set(&d, 1, "1999-02-30", 10), DC_ERR_INVALID);
	assert_int_equal(dc_citizen_set(&d, 0, "12", 2), DC_ERR_INVALID);
	assert_true(dc_relation_valid("grandchild", 10));
	assert_false(dc_relation_valid("grand", 5));
	dc_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_good_passes),
	        cmocka_unit_test(test_each_rule_fires),
	        cmocka_unit_test(test_warnings_do_not_reject),
	        cmocka_unit_test(test_partial_dates_ok),
	        cmocka_unit_test(test_parents),
	        cmocka_unit_test(test_rule_table),
	        cmocka_unit_test(test_columns),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
