/* Tests for src/card/mrz.c: the ICAO 9303 check-digit vectors, the ICAO TD1
 * specimen, the synthetic Vietnamese vectors S1–S3 and the negative vectors
 * N1–N3 of the domain notes, name transliteration and truncation, and a
 * build → parse round trip. */
#include <stdio.h>
#include <string.h>

#include "dancu/mrz.h"
#include "lib/testlib.h"

static void test_check_digits(void **st)
{
	static const struct {
		const char *in;
		int cd;
	} v[] = {
	        {"L898902C<", 3},
	        {"690806", 1},
	        {"940623", 6},
	        {"L898902C3", 6},
	        {"740812", 2},
	        {"120415", 9},
	        {"D23145890", 7},
	        {"D23145890734", 9},
	        {"340712", 7},
	        {"950712", 2},
	        {"<<<<<<<<<<<<<<", 0},
	        {"123456BB", 5},
	        {"D231458907<<<<<<<<<<<<<<<34071279507122<<<<<<<<<<<", 2},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		assert_int_equal(dc_mrz_check_digit(v[i].in, strlen(v[i].in)), v[i].cd);
	assert_int_equal(dc_mrz_check_digit("ab", 2), -1);
	assert_int_equal(dc_mrz_check_digit("", 0), 0);
}

static void test_icao_specimen(void **st)
{
	const char *z = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\n"
	                "ERIKSSON<<ANNA<MARIA<<<<<<<<<<\n";
	struct dc_mrz m;
	assert_int_equal(dc_mrz_parse(z, strlen(z), &m), 0);
	assert_true(dc_mrz_ok(&m));
	assert_false(m.is_vn);
	assert_string_equal(m.docno, "D23145890");
	assert_string_equal(m.primary, "ERIKSSON");
	assert_string_equal(m.secondary, "ANNA MARIA");
	assert_int_equal(m.sex, 'F');
	/* long document number (TD2 App. C idea, on a TD1 line) */
	const char *lz = "I<UTOD23145890<7349<<<<<<<<<<<3407127M9507122UTO<<<<<<<<<<<2"
	                 "STEVENSON<<PETER<JOHN<<<<<<<<<";
	assert_int_equal(dc_mrz_parse(lz, strlen(lz), &m), 0);
	assert_int_equal(m.cd_docno, 1);
}

static const char *S[3][3] = {
        {"IDVNM1990123456001199012345<<7", "9903159F3903157VNM<<<<<<<<<<<8",
         "NGUYEN<<THI<MAU<<<<<<<<<<<<<<<"},
        {"IDVNM2050001235079205000123<<5", "0507200M3007206VNM<<<<<<<<<<<0",
         "TRAN<<VAN<THU<<<<<<<<<<<<<<<<<"},
        {"IDVNM0990123459001099012345<<0", "9903159M2403155VNM<<<<<<<<<<<2",
         "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<"},
};

static void join(char *out, const char *a, const char *b, const char *c)
{
	snprintf(out, DC_MRZ_TEXT_MAX, "%s\n%s\n%s", a, b, c);
}

static void test_vn_vectors(void **st)
{
	char z[DC_MRZ_TEXT_MAX];
	struct dc_mrz m;
	for (int i = 0; i < 3; i++) {
		join(z, S[i][0], S[i][1], S[i][2]);
		assert_int_equal(dc_mrz_parse(z, strlen(z), &m), 0);
		assert_true(m.is_vn);
		assert_true(dc_mrz_ok(&m));
		assert_int_equal(m.cd_pin, 1);
		assert_int_equal(m.vn_docno, 1);
	}
	assert_string_equal(m.pin, "001099012345");
	struct dc_date today = {2026, 11, 22};
	struct dc_date dob = dc_mrz_dob(&m, &today);
	assert_int_equal(dob.year, 1999);
	assert_int_equal(dob.month, 3);
	assert_int_equal(dob.day, 15);
	/* N1: pos 15 altered → document-number cd and composite fail */
	join(z, "IDVNM1990123450001199012345<<7", S[0][1], S[0][2]);
	dc_mrz_parse(z, strlen(z), &m);
	assert_int_equal(m.cd_docno, 0);
	assert_int_equal(m.cd_composite, 0);
	assert_int_equal(m.cd_dob, 1);
	assert_int_equal(m.cd_expiry, 1);
	assert_int_equal(m.cd_pin, 1);
	assert_false(dc_mrz_ok(&m));
	/* N2: every ICAO digit valid, document number ≠ last 9 of the ID */
	join(z, "IDVNM1990123467001199012345<<7", "9903159F3903157VNM<<<<<<<<<<<6", S[0][2]);
	dc_mrz_parse(z, strlen(z), &m);
	assert_int_equal(m.cd_docno, 1);
	assert_int_equal(m.cd_composite, 1);
	assert_int_equal(m.vn_docno, 0);
	assert_false(dc_mrz_ok(&m));
	/* N3: expiry cd altered */
	join(z, S[1][0], "0507200M3007207VNM<<<<<<<<<<<0", S[1][2]);
	dc_mrz_parse(z, strlen(z), &m);
	assert_int_equal(m.cd_expiry, 0);
	assert_int_equal(m.cd_composite, 0);
	assert_int_equal(m.cd_dob, 1);
}

static void test_build(void **st)
{
	char z[DC_MRZ_TEXT_MAX], want[DC_MRZ_TEXT_MAX];
	struct dc_mrz_input in = {
	        "001199012345", "Nguyễn Thị Mẫu", {1999, 3, 15}, 'F', {2039, 3, 15}};
	assert_int_equal(dc_mrz_build(&in, z), 0);
	join(want, S[0][0], S[0][1], S[0][2]);
	assert_string_equal(z, want);
	struct dc_mrz_input in2 = {
	        "079205000123", "Trần Văn Thư", {2005, 7, 20}, 'M', {2030, 7, 20}};
	assert_int_equal(dc_mrz_build(&in2, z), 0);
	join(want, S[1][0], S[1][1], S[1][2]);
	assert_string_equal(z, want);
	/* no expiry → 991231, and still valid */
	struct dc_mrz_input in3 = {"001060012345", "Đặng Văn An", {1960, 1, 2}, 'M', {0, 0, 0}};
	assert_int_equal(dc_mrz_build(&in3, z), 0);
	assert_non_null(strstr(z, "M991231"));
	assert_non_null(strstr(z, "\nDANG<<VAN<AN<"));
	struct dc_mrz m;
	assert_int_equal(dc_mrz_parse(z, strlen(z), &m), 0);
	assert_true(dc_mrz_ok(&m));
	/* partial date of birth: unknown month and day as '<' */
	struct dc_mrz_input in4 = {"001060012345", "Lê A", {1960, 0, 0}, 'M', {0, 0, 0}};
	assert_int_equal(dc_mrz_build(&in4, z), 0);
	assert_non_null(strstr(z, "\n60<<<<"));
	dc_mrz_parse(z, strlen(z), &m);
	assert_true(dc_mrz_ok(&m));
	/* bad input */
	struct dc_mrz_input bad = in;
	bad.pin = "00119901234";
	assert_int_equal(dc_mrz_build(&bad, z), DC_ERR_INVALID);
	bad = in;
	bad.name = "!!!";
	assert_int_equal(dc_mrz_build(&bad, z), DC_ERR_INVALID);
}

static void test_names(void **st)
{
	char o[31];
	assert_int_equal(dc_mrz_name("Đặng Văn An", strlen("Đặng Văn An"), o), 0);
	assert_string_equal(o, "DANG<<VAN<AN<<<<<<<<<<<<<<<<<<");
	const char *sp = "  nguyễn   thị  ngọc-ánh ";
	assert_int_equal(dc_mrz_name(sp, strlen(sp), o), 0);
	assert_string_equal(o, "NGUYEN<<THI<NGOC<ANH<<<<<<<<<<");
	assert_int_equal(dc_mrz_name("H'Hen Niê", strlen("H'Hen Niê"), o), 0);
	assert_string_equal(o, "HHEN<<NIE<<<<<<<<<<<<<<<<<<<<<");
	assert_int_equal(dc_mrz_name("Thị", strlen("Thị"), o), 0);
	assert_string_equal(o, "THI<<<<<<<<<<<<<<<<<<<<<<<<<<<");
	/* too long: given names become initials from the last one */
	const char *lng = "Tôn Nữ Hoàng Phương Thảo Nguyên Khánh";
	assert_int_equal(dc_mrz_name(lng, strlen(lng), o), 0);
	assert_int_equal(strlen(o), 30);
	assert_string_equal(o, "TON<<NU<HOANG<PHUONG<THAO<N<K<");
	const char *huge = "Nguyễnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn Văn An";
	assert_int_equal(dc_mrz_name(huge, strlen(huge), o), 0);
	assert_int_equal(strlen(o), 30);
	assert_int_equal(dc_mrz_name("\xff", 1, o), DC_ERR_INVALID);
	assert_int_equal(dc_mrz_name("123", 3, o), DC_ERR_INVALID);
}

static void test_shape(void **st)
{
	struct dc_mrz m;
	char z[DC_MRZ_TEXT_MAX];
	join(z, S[0][0], S[0][1], S[0][2]);
	assert_int_equal(dc_mrz_parse(z, strlen(z) - 1, &m), DC_ERR_INVALID);
	assert_int_equal(dc_mrz_parse("", 0, &m), DC_ERR_INVALID);
	z[3] = 'v';
	assert_int_equal(dc_mrz_parse(z, strlen(z), &m), DC_ERR_INVALID);
	join(z, S[0][0], S[0][1], S[0][2]);
	z[31 + 7] = 'Q'; /* sex */
	assert_int_equal(dc_mrz_parse(z, strlen(z), &m), DC_ERR_INVALID);
	/* CRLF and no separators both accepted */
	snprintf(z, sizeof z, "%s\r\n%s\r\n", S[0][0], S[0][1]);
	char z2[200];
	snprintf(z2, sizeof z2, "%s%s\r\n", z, S[0][2]);
	assert_int_equal(dc_mrz_parse(z2, strlen(z2), &m), 0);
	snprintf(z2, sizeof z2, "%s%s%s", S[0][0], S[0][1], S[0][2]);
	assert_int_equal(dc_mrz_parse(z2, strlen(z2), &m), 0);
	/* an impossible date with a matching check digit */
	char l2[31];
	memcpy(l2, "9902300F3903157VNM<<<<<<<<<<<0", 31);
	l2[6] = (char)('0' + dc_mrz_check_digit(l2, 6));
	join(z, S[0][0], l2, S[0][2]);
	dc_mrz_parse(z, strlen(z), &m);
	assert_int_equal(m.cd_dob, 1);
	assert_int_equal(m.date_dob, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_check_digits), cmocka_unit_test(test_icao_specimen),
	        cmocka_unit_test(test_vn_vectors),   cmocka_unit_test(test_build),
	        cmocka_unit_test(test_names),        cmocka_unit_test(test_shape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
