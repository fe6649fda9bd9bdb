/* Tests for src/core/text.c: UTF-8 validation, cleaning, keys with tone
 * placement, diacritic folding, name comparison levels, and a property test
 * over thousands of generated Vietnamese names in every written variant. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "dancu/text.h"
#include "lib/testlib.h"

static char *key(const char *s)
{
	static char out[4][512];
	static int k;
	struct dc_buf b = DC_BUF_INIT;
	assert_int_equal(dc_text_key(s, strlen(s), &b), 0);
	k = (k + 1) % 4;
	snprintf(out[k], sizeof out[k], "%s", dc_buf_str(&b));
	dc_buf_release(&b);
	return out[k];
}

static char *ascii(const char *s)
{
	static char out[512];
	struct dc_buf b = DC_BUF_INIT;
	assert_int_equal(dc_text_key_ascii(s, strlen(s), &b), 0);
	snprintf(out, sizeof out, "%s", dc_buf_str(&b));
	dc_buf_release(&b);
	return out;
}

static int cmp(const char *a, const char *b)
{
	return dc_name_compare(a, strlen(a), b, strlen(b));
}

static void test_utf8(void **st)
{
	assert_true(dc_text_valid_utf8("Nguyễn", strlen("Nguyễn")));
	assert_false(dc_text_valid_utf8("\xC3\x28", 2));         /* bad continuation */
	assert_false(dc_text_valid_utf8("\xC0\xAF", 2));         /* overlong */
	assert_false(dc_text_valid_utf8("\xED\xA0\x80", 3));     /* surrogate */
	assert_false(dc_text_valid_utf8("\xF4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_false(dc_text_valid_utf8("\xE1\xBB", 2));         /* truncated */
	struct dc_buf b = DC_BUF_INIT;
	assert_int_equal(dc_text_clean("\xFF", 1, &b), DC_ERR_INVALID);
	dc_buf_release(&b);
}

static void test_clean(void **st)
{
	struct dc_buf b = DC_BUF_INIT;
	/* NFD input, tabs, doubled and edge spaces */
	const char *nfd = "  Nguye\xCC\x82\xCC\x83n \t Va\xCC\x86n  An ";
	assert_int_equal(dc_text_clean(nfd, strlen(nfd), &b), 0);
	assert_string_equal(dc_buf_str(&b), "Nguyễn Văn An");
	dc_buf_release(&b);
}

static void test_keys(void **st)
{
	assert_string_equal(key("Thanh Hoá"), key("thanh  hóa"));
	assert_string_equal(key("THANH HOÁ"), key("Thanh Hóa"));
	assert_string_equal(key("Thủy"), key("Thuỷ"));
	assert_string_equal(key("Khánh Hoà"), key("Khánh Hòa"));
	assert_string_equal(key("Quý"), key("QUÝ"));
	assert_string_not_equal(key("Hoà"), key("Hòe"));
	assert_string_not_equal(key("Hà"), key("Hạ"));
	assert_string_not_equal(key("Hà"), key("Ha"));
	assert_string_not_equal(key("Đào"), key("Dào"));
	assert_string_equal(ascii("Đặng Thị Hoà"), "dang thi hoa");
	assert_string_equal(ascii("ĐẶNG  THỊ HÒA"), "dang thi hoa");
	assert_string_equal(ascii("Nguyễn Văn Ấn"), "nguyen van an");
}

static void test_compare_levels(void **st)
{
	assert_int_equal(cmp("Nguyễn Văn An", "Nguyễn Văn An"), DC_NAME_EXACT);
	assert_int_equal(cmp("Nguyễn Văn An", "Nguye\xCC\x82\xCC\x83n Va\xCC\x86n An"),
	                 DC_NAME_EXACT);
	assert_int_equal(cmp("Lê Thị Hoà", "LÊ THỊ HÒA"), DC_NAME_NORMALISED);
	assert_int_equal(cmp("Lê Thị Hoà", "Lê  Thị  Hòa "), DC_NAME_NORMALISED);
	assert_int_equal(cmp("Đặng Văn An", "DANG VAN AN"), DC_NAME_NO_DIACRITICS);
	assert_int_equal(cmp("Nguyễn Văn An", "Nguyễn An"), DC_NAME_PARTIAL);
	assert_int_equal(cmp("Nguyễn Văn An", "Nguyen Van Minh An"), DC_NAME_PARTIAL);
	assert_int_equal(cmp("Nguyễn Văn An", "Nguyễn An Văn"), DC_NAME_PARTIAL);
	assert_int_equal(cmp("Nguyễn Văn An", "Trần Văn An"), DC_NAME_DIFFERENT);
	assert_int_equal(cmp("Nguyễn Văn An", "Nguyễn Văn Anh"), DC_NAME_DIFFERENT);
	assert_int_equal(cmp("An", "An Nguyễn"), DC_NAME_DIFFERENT);
	assert_int_equal(cmp("Nguyễn", "\xFF"), DC_ERR_INVALID);
	assert_string_equal(dc_name_match_code(DC_NAME_NO_DIACRITICS), "no_diacritics");
}

static void test_is_name(void **st)
{
	assert_true(dc_text_is_name("Nguyễn Thị Ánh", strlen("Nguyễn Thị Ánh")));
	assert_true(dc_text_is_name("H'Hen Niê", strlen("H'Hen Niê")));
	assert_true(dc_text_is_name("Jean-Pierre O'Neil", strlen("Jean-Pierre O'Neil")));
	assert_false(dc_text_is_name("Nguyễn 2", strlen("Nguyễn 2")));
	assert_false(dc_text_is_name("<b>", 3));
	assert_false(dc_text_is_name("", 0));
	assert_false(dc_text_is_name("   ", 3));
	char longname[260];
	memset(longname, 'a', sizeof longname);
	assert_false(dc_text_is_name(longname, sizeof longname));
}

/* Property: for thousands of generated names, every way of writing the same
 * name compares as it should. */
static const char *const sur[] = {"Nguyễn", "Trần", "Lê",   "Phạm", "Hoàng",
                                  "Huỳnh",  "Võ",   "Đặng", "Bùi",  "Đỗ"};
static const char *const mid[] = {"Văn", "Thị", "Hữu", "Ngọc", "Thanh", "Đức", "Thuỳ", "Kim"};
static const char *const giv[] = {"An",    "Hoà", "Thuỷ", "Khoẻ", "Quý",  "Tuấn",
                                  "Hương", "Đạt", "Hoá",  "Loan", "Uyên", "Thoả"};

static char *nfd(const char *s)
{
	utf8proc_uint8_t *out = NULL;
	utf8proc_map((const utf8proc_uint8_t *)s, 0, &out, UTF8PROC_NULLTERM | UTF8PROC_DECOMPOSE);
	return (char *)out;
}

/* Moves old-style tones to new style for oa/oe/uy ("Hoà" → "Hòa"). */
static void new_style(char *dst, const char *src)
{
	static const char *const map[][2] = {{"oà", "òa"}, {"oá", "óa"}, {"oả", "ỏa"}, {"oã", "õa"},
	                                     {"oạ", "ọa"}, {"oè", "òe"}, {"oé", "óe"}, {"oẻ", "ỏe"},
	                                     {"uỳ", "ùy"}, {"uý", "úy"}, {"uỷ", "ủy"}, {"uỹ", "ũy"},
	                                     {"uỵ", "ụy"}};
	size_t n = strlen(src);
	memcpy(dst, src, n + 1);
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		char *p;
		while ((p = strstr(dst, map[i][0])) && !(p > dst && (p[-1] == 'q' || p[-1] == 'Q')))
			memcpy(p, map[i][1], strlen(map[i][1]));
	}
}

static void upper(char *dst, const char *src)
{
	utf8proc_uint8_t *out = NULL;
	/* utf8proc has no full upper-case mapping of strings; map per code point. */
	utf8proc_int32_t cp;
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)src;
	size_t w = 0;
	(void)out;
	while (*p) {
		utf8proc_ssize_t n = utf8proc_iterate(p, -1, &cp);
		w += (size_t)utf8proc_encode_char(utf8proc_toupper(cp),
		                                  (utf8proc_uint8_t *)dst + w);
		p += n;
	}
	dst[w] = '\0';
}

static void test_property(void **st)
{
	int cases = 0;
	for (size_t a = 0; a < sizeof sur / sizeof *sur; a++)
		for (size_t b = 0; b < sizeof mid / sizeof *mid; b++)
			for (size_t c = 0; c < sizeof giv / sizeof *giv; c++) {
				char name[128], var[256], up[256], tmp[256];
				snprintf(name, sizeof name, "%s %s %s", sur[a], mid[b], giv[c]);
				char *d = nfd(name);
				assert_int_equal(cmp(name, d), DC_NAME_EXACT);
				free(d);
				new_style(var, name);
				assert_true(cmp(name, var) <= DC_NAME_NORMALISED);
				upper(up, name);
				assert_int_equal(cmp(name, up), DC_NAME_NORMALISED);
				snprintf(tmp, sizeof tmp, "  %s   %s %s ", sur[a], mid[b], giv[c]);
				assert_int_equal(cmp(name, tmp), DC_NAME_NORMALISED);
				assert_int_equal(cmp(name, ascii(name)),
				                 strcmp(name, ascii(name)) ? DC_NAME_NO_DIACRITICS
				                                           : DC_NAME_EXACT);
				snprintf(tmp, sizeof tmp, "%s %s", sur[a], giv[c]);
				assert_int_equal(cmp(name, tmp), DC_NAME_PARTIAL);
				snprintf(tmp, sizeof tmp, "%s %s %s", sur[(a + 1) % 10], mid[b],
				         giv[c]);
				assert_int_equal(cmp(name, tmp), DC_NAME_DIFFERENT);
				cases += 6;
			}
	assert_true(cases > 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_utf8),    cmocka_unit_test(test_clean),
	        cmocka_unit_test(test_keys),    cmocka_unit_test(test_compare_levels),
	        cmocka_unit_test(test_is_name), cmocka_unit_test(test_property),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
