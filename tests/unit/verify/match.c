/* Matching claimed attributes against a record (src/verify/match.c): tables
 * of tricky Vietnamese cases with the expected reason codes. */
#include <stdio.h>
#include <string.h>

#include "dancu/units.h"
#include "dancu/verify.h"
#include "lib/testlib.h"

struct ncase {
	const char *claim, *rec, *want;
};

/* NFD of "Nguyễn Văn An" (e + circumflex + tilde; a + breve) */
#define NFD_NGUYEN "Nguye\xcc\x82\xcc\x83n Va\xcc\x86n An"

static const struct ncase names[] = {
        {"Nguyễn Văn An", "Nguyễn Văn An", "exact"},
        {NFD_NGUYEN, "Nguyễn Văn An", "exact"}, /* canonically the same text */
        {"nguyễn văn an", "Nguyễn Văn An", "normalised"},
        {"NGUYỄN VĂN AN", "Nguyễn Văn An", "normalised"},
        {"Nguyễn  Văn   An", "Nguyễn Văn An", "normalised"},
        {" Nguyễn Văn An ", "Nguyễn Văn An", "normalised"},
        {"Lê Thị Hoá", "Lê Thị Hóa", "normalised"}, /* tone on the other vowel */
        {"Trần Thuỷ", "Trần Thủy", "normalised"},
        {"NGUYEN VAN AN", "Nguyễn Văn An", "no_diacritics"},
        {"Nguyen Van An", "Nguyễn Văn An", "no_diacritics"},
        {"Dang Thi Hoa", "Đặng Thị Hoà", "no_diacritics"}, /* Đ → D */
        {"DANG THI HOA", "Đặng Thị Hoà", "no_diacritics"},
        {"Nguyễn An", "Nguyễn Văn An", "partial"}, /* middle name missing */
        {"Nguyễn Văn An", "Nguyễn An", "partial"},
        {"Nguyễn An Văn", "Nguyễn Văn An", "partial"}, /* given and middle swapped */
        {"NGUYEN AN", "Nguyễn Văn An", "partial"},
        {"Nguyễn Thị Anh", "Nguyễn Văn An", "mismatch"},
        {"Trần Văn An", "Nguyễn Văn An", "mismatch"},
        {"Hà", "Hạ", "no_diacritics"}, /* tones differ: only a match without marks */
        {"Hà Văn", "Hồ Văn", "mismatch"},
        {"Nguy\xff", "Nguyễn Văn An", "invalid"},
        {"Nguyễn Văn An", "", "not_on_record"},
};

static void test_names(void **state)
{
	struct dc_verify_scratch s;
	dc_verify_scratch_init(&s);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		int r = dc_verify_name(names[i].claim, strlen(names[i].claim), names[i].rec, &s);
		assert_true(r >= 0);
		if (strcmp(dc_vreason_code(r), names[i].want))
			fail_msg("name '%s' vs '%s': got %s, want %s", names[i].claim, names[i].rec,
			         dc_vreason_code(r), names[i].want);
	}
	dc_verify_scratch_release(&s);
}

struct dcase {
	const char *claim, *rec, *want;
};

static const struct dcase dates[] = {
        {"1990-05-12", "1990-05-12", "exact"},
        {"12/05/1990", "1990-05-12", "normalised"},
        {"12051990", "1990-05-12", "normalised"},
        {" 1990-05-12 ", "1990-05-12", "normalised"},
        {"1990", "1990-05-12", "partial"},    /* year only */
        {"05/1990", "1990-05-12", "partial"}, /* month and year */
        {"1990-05-12", "1990", "partial"},    /* the register knows only the year */
        {"1990", "1990", "exact"},
        {"1991", "1990-05-12", "mismatch"},
        {"1990-05-13", "1990-05-12", "mismatch"},
        {"12/05/1991", "1990-05-12", "mismatch"},
        {"31/02/1990", "1990-05-12", "invalid"},
        {"yesterday", "1990-05-12", "invalid"},
        {"1990-05-12", "", "not_on_record"},
};

static void test_dates(void **state)
{
	for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
		struct dc_date rec = {0, 0, 0};
		if (*dates[i].rec)
			assert_int_equal(dc_date_parse(dates[i].rec, strlen(dates[i].rec), &rec),
			                 0);
		int r = dc_verify_date(dates[i].claim, strlen(dates[i].claim), &rec);
		if (strcmp(dc_vreason_code(r), dates[i].want))
			fail_msg("date '%s' vs '%s': got %s, want %s", dates[i].claim, dates[i].rec,
			         dc_vreason_code(r), dates[i].want);
	}
}

static void test_small_fields(void **state)
{
	assert_string_equal(dc_vreason_code(dc_verify_sex("M", 1, 'M')), "exact");
	assert_string_equal(dc_vreason_code(dc_verify_sex("Nam", 3, 'M')), "normalised");
	assert_string_equal(dc_vreason_code(dc_verify_sex("Nữ", strlen("Nữ"), 'F')), "normalised");
	assert_string_equal(dc_vreason_code(dc_verify_sex("NỮ", strlen("NỮ"), 'F')), "normalised");
	assert_string_equal(dc_vreason_code(dc_verify_sex("female", 6, 'F')), "normalised");
	assert_string_equal(dc_vreason_code(dc_verify_sex("F", 1, 'M')), "mismatch");
	assert_string_equal(dc_vreason_code(dc_verify_sex("X", 1, 'M')), "invalid");
	assert_string_equal(dc_vreason_code(dc_verify_phone("0912345678", 10, "0912345678")),
	                    "exact");
	assert_string_equal(dc_vreason_code(dc_verify_phone("+84 912 345 678", 15, "0912345678")),
	                    "normalised");
	assert_string_equal(dc_vreason_code(dc_verify_phone("84912345678", 11, "0912345678")),
	                    "normalised");
	assert_string_equal(dc_vreason_code(dc_verify_phone("0912.345.679", 12, "0912345678")),
	                    "mismatch");
	assert_string_equal(dc_vreason_code(dc_verify_phone("call me", 7, "0912345678")),
	                    "invalid");
	assert_string_equal(dc_vreason_code(dc_verify_phone("0912345678", 10, NULL)),
	                    "not_on_record");
	assert_string_equal(
	        dc_vreason_code(dc_verify_email("An@Example.org", 14, "an@example.org")),
	        "normalised");
	assert_string_equal(dc_vreason_code(dc_verify_email("b@example.org", 13, "an@example.org")),
	                    "mismatch");
	assert_string_equal(
	        dc_vreason_code(dc_verify_nationality("Việt Nam", strlen("Việt Nam"), "VN")),
	        "normalised");
	assert_string_equal(dc_vreason_code(dc_verify_nationality("VN", 2, "VN")), "exact");
	assert_string_equal(dc_vreason_code(dc_verify_nationality("LA", 2, "VN")), "mismatch");
}

static const struct ncase addrs[] = {
        /* record: "Số 12 ngõ 3", "Phường Ba Đình", "Thành phố Hà Nội" */
        {"Số 12 ngõ 3, Phường Ba Đình, Thành phố Hà Nội", NULL, "exact"},
        {"số 12 ngõ 3 phường ba đình thành phố hà nội", NULL, "normalised"},
        {"So 12 ngo 3, Phuong Ba Dinh, Thanh pho Ha Noi", NULL, "no_diacritics"},
        {"Số 12 ngõ 3", NULL, "partial"},
        {"Số 12 ngõ 3, Phường Ba Đình", NULL, "partial"},
        {"Phường Ba Đình, Thành phố Hà Nội", NULL, "partial"},
        {"Số 14 ngõ 3, Phường Ba Đình, Thành phố Hà Nội", NULL, "mismatch"},
        {"Hà Nội", NULL, "mismatch"},
};

static void test_addresses(void **state)
{
	struct dc_verify_scratch s;
	dc_verify_scratch_init(&s);
	for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
		int r = dc_verify_address(addrs[i].claim, strlen(addrs[i].claim), "Số 12 ngõ 3",
		                          "Phường Ba Đình", "Thành phố Hà Nội", &s);
		assert_true(r >= 0);
		if (strcmp(dc_vreason_code(r), addrs[i].want))
			fail_msg("address '%s': got %s, want %s", addrs[i].claim,
			         dc_vreason_code(r), addrs[i].want);
	}
	dc_verify_scratch_release(&s);
}

static void test_record(void **state)
{
	struct dc_units *u;
	struct dc_citizen c;
	struct dc_verify_claims cl;
	struct dc_verify_result r;
	struct dc_verify_scratch s;
	assert_int_equal(dc_units_new(&u), 0);
	dc_verify_scratch_init(&s);
	memset(&c, 0, sizeof c);
	memset(&cl, 0, sizeof cl);
	dc_pin_parse("001099012345", 12, &c.pin);
	dc_date_parse("1999-03-15", 10, &c.dob);
	c.sex = 'M';
	c.birth_name = "Nguyễn Văn An";
	c.perm_commune = "00004";
	c.perm_address = "Số 1";
	const struct dc_commune *com = dc_units_commune(u, "00004", 5);
	assert_non_null(com);
#define CLAIM(f, s) (cl.v[f] = (s), cl.n[f] = strlen(s))
	CLAIM(DC_VF_NAME, "NGUYEN VAN AN");
	CLAIM(DC_VF_DOB, "15/03/1999");
	CLAIM(DC_VF_SEX, "M");
	assert_int_equal(dc_verify_match(&c, NULL, u, &cl, &s, &r), 0);
	assert_int_equal(r.status, DC_VS_FOUND);
	assert_true(r.full_match);
	assert_int_equal(r.reason[DC_VF_NAME], DC_VR_NO_DIACRITICS);
	assert_int_equal(r.reason[DC_VF_DOB], DC_VR_NORMALISED);
	assert_int_equal(r.reason[DC_VF_SEX], DC_VR_EXACT);
	assert_int_equal(r.reason[DC_VF_PHONE], DC_VR_NONE);
	CLAIM(DC_VF_DOB, "1999");
	assert_int_equal(dc_verify_match(&c, NULL, u, &cl, &s, &r), 0);
	assert_false(r.full_match); /* a partial field is not a full match */
	assert_int_equal(r.reason[DC_VF_DOB], DC_VR_PARTIAL);
	/* address built from the commune and province names */
	char full[256];
	const struct dc_province *p = dc_units_province(u, com->province_code, 2);
	snprintf(full, sizeof full, "Số 1, %s, %s", com->name, p->name);
	CLAIM(DC_VF_DOB, "1999-03-15");
	CLAIM(DC_VF_ADDRESS, full);
	assert_int_equal(dc_verify_match(&c, NULL, u, &cl, &s, &r), 0);
	assert_int_equal(r.reason[DC_VF_ADDRESS], DC_VR_EXACT);
	assert_true(r.full_match);
	/* card fields are unavailable until the card register plugs in */
	CLAIM(DC_VF_CARD_ISSUE_DATE, "2021-05-10");
	assert_int_equal(dc_verify_match(&c, NULL, u, &cl, &s, &r), 0);
	assert_int_equal(r.reason[DC_VF_CARD_ISSUE_DATE], DC_VR_UNAVAILABLE);
	assert_false(r.full_match);
	struct dc_verify_card card = {DC_VCARD_REVOKED, {2021, 5, 10}};
	assert_int_equal(dc_verify_match(&c, &card, u, &cl, &s, &r), 0);
	assert_int_equal(r.reason[DC_VF_CARD_ISSUE_DATE], DC_VR_EXACT);
	assert_int_equal(r.card, DC_VCARD_REVOKED);
	cl.v[DC_VF_CARD_ISSUE_DATE] = NULL;
	c.status = DC_STATUS_DEAD;
	assert_int_equal(dc_verify_match(&c, NULL, u, &cl, &s, &r), 0);
	assert_int_equal(r.status, DC_VS_DECEASED);
	assert_false(r.full_match);
	assert_int_equal(dc_verify_match(NULL, NULL, u, &cl, &s, &r), 0);
	assert_int_equal(r.status, DC_VS_NOT_FOUND);
	assert_int_equal(r.reason[DC_VF_NAME], DC_VR_NONE);
	dc_verify_scratch_release(&s);
	dc_units_free(u);
}

static void test_codes(void **state)
{
	for (int f = 0; f < DC_VF__COUNT; f++) {
		const char *c = dc_vfield_code(f);
		assert_int_equal(dc_vfield_parse(c, strlen(c)), f);
	}
	assert_int_equal(dc_vfield_parse("pin", 3), -1);
	uint32_t m;
	struct dc_buf b = DC_BUF_INIT;
	assert_int_equal(dc_vfields_parse("name,dob,sex", &m), 0);
	assert_int_equal(m, 7);
	assert_int_equal(dc_vfields_format(m, &b), 0);
	assert_string_equal(dc_buf_str(&b), "name,dob,sex");
	assert_int_equal(dc_vfields_parse("name,salary", &m), DC_ERR_INVALID);
	assert_int_equal(dc_vfields_parse("*", &m), 0);
	assert_int_equal(m, (1u << DC_VF__COUNT) - 1);
	assert_int_equal(dc_vfields_parse("", &m), 0);
	assert_int_equal(m, 0);
	assert_int_equal(dc_vpurposes_parse("account_opening,benefit_payment", &m), 0);
	assert_int_equal(m, (1u << DC_VP_ACCOUNT_OPENING) | (1u << DC_VP_BENEFIT_PAYMENT));
	dc_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_names),        cmocka_unit_test(test_dates),
	        cmocka_unit_test(test_small_fields), cmocka_unit_test(test_addresses),
	        cmocka_unit_test(test_record),       cmocka_unit_test(test_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
