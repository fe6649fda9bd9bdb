/* Tests for src/core/text.c: UTF-8 validation (against utf8proc as an
 * oracle), cleaning, normalised keys with tone placement (every placement of
 * every tone on hand-checked syllables), ASCII keys, dc_text_is_name, the
 * comparison levels, invariants over every Unicode code point, and a
 * property test over thousands of generated Vietnamese names written in
 * every variant. Expected strings are written by hand, never computed with
 * the code under test. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "dancu/text.h"
#include "lib/testlib.h"

typedef int (*text_fn)(const char *, size_t, struct dc_buf *);

/* fn's output for s, in one of a ring of static slots (valid for the next
 * 15 calls). Fails the test on an error. */
static const char *run(text_fn fn, const char *s, size_t n)
{
	static char slot[16][1024];
	static int k;
	struct dc_buf b = DC_BUF_INIT;
	assert_int_equal(fn(s, n, &b), DC_OK);
	k = (k + 1) % 16;
	assert_true(b.len < sizeof slot[k]);
	memcpy(slot[k], dc_buf_str(&b), b.len + 1);
	dc_buf_release(&b);
	return slot[k];
}

static const char *key(const char *s)
{
	return run(dc_text_key, s, strlen(s));
}

static const char *ascii(const char *s)
{
	return run(dc_text_key_ascii, s, strlen(s));
}

static const char *clean(const char *s)
{
	return run(dc_text_clean, s, strlen(s));
}

static int cmp(const char *a, const char *b)
{
	return dc_name_compare(a, strlen(a), b, strlen(b));
}

/* Compares both ways: the result must not depend on the order. */
static int cmp2(const char *a, const char *b)
{
	int ab = cmp(a, b);
	assert_int_equal(ab, cmp(b, a));
	return ab;
}

/* utf8proc_map of s with options; the result in a ring slot. */
static const char *map(const char *s, utf8proc_option_t opts)
{
	static char slot[8][1024];
	static int k;
	utf8proc_uint8_t *out = NULL;
	utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)s, 0, &out,
	                                  (utf8proc_option_t)(opts | UTF8PROC_NULLTERM));
	assert_true(n >= 0 && (size_t)n < sizeof slot[0]);
	k = (k + 1) % 8;
	memcpy(slot[k], out, (size_t)n + 1);
	free(out);
	return slot[k];
}

static const char *nfd(const char *s)
{
	return map(s, UTF8PROC_DECOMPOSE);
}

static const char *nfc(const char *s)
{
	return map(s, UTF8PROC_COMPOSE);
}

/* s with every code point mapped by f (utf8proc_toupper / _tolower). */
static const char *recase(const char *s, utf8proc_int32_t (*f)(utf8proc_int32_t))
{
	static char slot[4][1024];
	static int k;
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t w = 0;
	k = (k + 1) % 4;
	while (*p) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(p, -1, &cp);
		assert_true(n > 0 && w + 4 < sizeof slot[k]);
		w += (size_t)utf8proc_encode_char(f(cp), (utf8proc_uint8_t *)slot[k] + w);
		p += n;
	}
	slot[k][w] = '\0';
	return slot[k];
}

/* A small deterministic generator (xorshift64*), so failures reproduce. */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1Du) >> 33) % n;
}

/* --- UTF-8 --------------------------------------------------------------- */

static void test_utf8_known(void **st)
{
	static const struct {
		const char *s;
		size_t n;
		bool ok;
	} cases[] = {
	        {"", 0, true},
	        {"Nguyễn", 8, true},
	        {"\x7F", 1, true},
	        {"\xC2\x80", 2, true},          /* U+0080 */
	        {"\xDF\xBF", 2, true},          /* U+07FF */
	        {"\xE0\xA0\x80", 3, true},      /* U+0800 */
	        {"\xED\x9F\xBF", 3, true},      /* U+D7FF */
	        {"\xEE\x80\x80", 3, true},      /* U+E000 */
	        {"\xEF\xBF\xBF", 3, true},      /* U+FFFF */
	        {"\xF0\x90\x80\x80", 4, true},  /* U+10000 */
	        {"\xF4\x8F\xBF\xBF", 4, true},  /* U+10FFFF */
	        {"a\0b", 3, true},              /* NUL is valid UTF-8 */
	        {"\x80", 1, false},             /* lone continuation */
	        {"\xC3\x28", 2, false},         /* bad continuation */
	        {"\xC0\xAF", 2, false},         /* overlong / */
	        {"\xC1\xBF", 2, false},         /* overlong */
	        {"\xE0\x9F\xBF", 3, false},     /* overlong U+07FF */
	        {"\xF0\x8F\xBF\xBF", 4, false}, /* overlong U+FFFF */
	        {"\xED\xA0\x80", 3, false},     /* surrogate D800 */
	        {"\xED\xBF\xBF", 3, false},     /* surrogate DFFF */
	        {"\xF4\x90\x80\x80", 4, false}, /* U+110000 */
	        {"\xF5\x80\x80\x80", 4, false}, /* bad lead */
	        {"\xFF", 1, false},
	        {"\xE1\xBB", 2, false},         /* truncated */
	        {"Nguy\xE1\xBB", 6, false},     /* truncated at the end */
	        {"\xF0\x90\x80", 3, false},     /* truncated 4-byte */
	        {"\xE1\xBB\x85\x85", 4, false}, /* extra continuation */
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		if (dc_text_valid_utf8(cases[i].s, cases[i].n) != cases[i].ok)
			fail_msg("case %zu", i);
	}
}

/* Oracle: utf8proc_iterate accepts exactly well-formed UTF-8. */
static bool oracle_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
		if (k <= 0)
			return false;
		i += (size_t)k;
	}
	return true;
}

static void test_utf8_oracle(void **st)
{
	/* Bytes that matter: ASCII, continuations, every lead class. */
	static const unsigned char pool[] = {0x41, 0x00, 0x80, 0x8F, 0x90, 0x9F, 0xA0,
	                                     0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1,
	                                     0xED, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF};
	int iters = dc_test_quick() ? 20000 : 200000, valid = 0;
	for (int it = 0; it < iters; it++) {
		unsigned char s[8];
		size_t n = rnd(sizeof s + 1);
		for (size_t i = 0; i < n; i++)
			s[i] = pool[rnd(sizeof pool)];
		bool ok = oracle_valid(s, n);
		valid += ok;
		if (dc_text_valid_utf8((const char *)s, n) != ok)
			fail_msg("disagrees with utf8proc on iteration %d", it);
	}
	/* Both outcomes must have been exercised. */
	assert_true(valid > iters / 100 && valid < iters - iters / 100);
}

/* --- clean ------------------------------------------------------------------ */

static void test_clean(void **st)
{
	static const char *const cases[][2] = {
	        {"  Nguye\xCC\x82\xCC\x83n \t Va\xCC\x86n  An ", "Nguyễn Văn An"},
	        {"Lê\xC2\xA0Thị\xE3\x80\x80Hoà", "Lê Thị Hoà"}, /* NBSP, ideographic space */
	        {"Lê\xE2\x80\xA8Thị\r\nHoà\n", "Lê Thị Hoà"},   /* line separator, CR LF */
	        {"  A   B  ", "A B"},                           /* ASCII path */
	        {"\t\n", ""},
	        {"", ""},
	        {"Hóa", "Hóa"}, /* placement and case are kept: clean is what is stored */
	        {"THUỶ", "THUỶ"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		assert_string_equal(clean(cases[i][0]), cases[i][1]);
	/* Appends to what the buffer holds. */
	struct dc_buf b = DC_BUF_INIT;
	assert_int_equal(dc_buf_adds(&b, "x:"), 0);
	assert_int_equal(dc_text_clean(" a ", 3, &b), 0);
	assert_int_equal(dc_text_clean(" á ", strlen(" á "), &b), 0);
	assert_string_equal(dc_buf_str(&b), "x:aá");
	dc_buf_release(&b);
}

/* --- the normalised key ------------------------------------------------------ */

static void test_key_known(void **st)
{
	static const char *const cases[][2] = {
	        {"Thanh Hoá", "thanh hoá"},
	        {"thanh  hóa", "thanh hoá"},
	        {"THANH HOÁ", "thanh hoá"},
	        {"Thanh Ho\xCC\x81\x61", "thanh hoá"}, /* NFD, tone on the o */
	        {"Khánh Hòa", "khánh hoà"},
	        {"Thủy", "thuỷ"},
	        {"Thuỷ", "thuỷ"},
	        {"QUÝ", "quý"},
	        {"Qúy", "quý"},
	        {"Khỏe", "khoẻ"},
	        {"Hoàng", "hoàng"},
	        {"Hòang", "hoàng"},
	        {"Hùynh", "huỳnh"},
	        {"Nguyễn Văn Người", "nguyễn văn người"},
	        {"Ngừơi", "người"},
	        {"gía", "giá"},
	        {"gì", "gì"},
	        {"cuả", "của"},
	        {"gĩưa", "giữa"},
	        {"Gìưa", "giừa"},
	        {"hòai", "hoài"},
	        {"khủyu", "khuỷu"},
	        {"qúôc", "quốc"},
	        {"tíêng", "tiếng"},
	        {"Ðặng Đức", "đặng đức"},           /* U+00D0 eth looks like Đ */
	        {"\xC6\x89\xE1\xBA\xB7ng", "đặng"}, /* U+0189 African D */
	        {"Ngu\xE2\x80\x8Byễn", "nguyễn"},   /* zero-width space */
	        {"Hà-Nội", "hà-nội"},
	        {"Y Moan Ênuôl", "y moan ênuôl"},
	        {"H'Hen Niê", "h'hen niê"},
	        /* Not syllables: the marks stay where they were. */
	        {"Hélène", "hélène"},
	        {"María", "maría"},
	        {"Ángel", "ángel"},
	        {"ha\xCC\x80\xCC\x81", "hà\xCC\x81"}, /* two tones */
	        {"h\xCC\x81o\xCC\x80\x61", "h\xCC\x81òa"},
	        {"", ""},
	        {" \t ", ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		/* The expectations are NFC: check the test, not only the code. */
		assert_string_equal(nfc(cases[i][1]), cases[i][1]);
		assert_string_equal(key(cases[i][0]), cases[i][1]);
		assert_string_equal(key(nfd(cases[i][0])), cases[i][1]);
		assert_string_equal(key(cases[i][1]), cases[i][1]);
	}
}

static void test_key_distinct(void **st)
{
	static const char *const tones[] = {"ha", "hà", "há", "hã", "hả", "hạ"};
	for (size_t i = 0; i < 6; i++)
		for (size_t j = 0; j < 6; j++)
			if (i != j)
				assert_string_not_equal(key(tones[i]), key(tones[j]));
	assert_string_not_equal(key("Hoà"), key("Hòe"));
	assert_string_not_equal(key("Hóa"), key("Hoạ"));
	assert_string_not_equal(key("Thuỷ"), key("Thuý"));
	assert_string_not_equal(key("Đào"), key("Dào"));
	assert_string_not_equal(key("Hưng"), key("Hung"));
	assert_string_not_equal(key("Ân"), key("Ấn"));
}

/* Canonical syllables with an acute tone, spelt by hand in the new style,
 * and the same letters without the tone. Every placement of every tone in
 * the toneless letters must give the canonical spelling with that tone. */
static const char *const syllables[][2] = {
        {"hoá", "hoa"},       {"khoé", "khoe"},     {"thuý", "thuy"},     {"quý", "quy"},
        {"khoáng", "khoang"}, {"huýnh", "huynh"},   {"toán", "toan"},     {"oánh", "oanh"},
        {"giá", "gia"},       {"gí", "gi"},         {"giứa", "giưa"},     {"cúa", "cua"},
        {"mía", "mia"},       {"búi", "bui"},       {"ái", "ai"},         {"hoái", "hoai"},
        {"khuýu", "khuyu"},   {"xoáy", "xoay"},     {"nguyến", "nguyên"}, {"ngưới", "ngươi"},
        {"tiếng", "tiêng"},   {"muốn", "muôn"},     {"quốc", "quôc"},     {"hứu", "hưu"},
        {"mứa", "mưa"},       {"thuyến", "thuyên"}, {"uyến", "uyên"},     {"quýnh", "quynh"},
        {"trướng", "trương"}, {"goóng", "goong"},   {"thuớ", "thuơ"},     {"ắn", "ăn"},
        {"ý", "y"},           {"ngoắt", "ngoăt"},   {"rướu", "rươu"},     {"thuế", "thuê"},
        {"khuýa", "khuya"},   {"gión", "gion"},
};

static const int32_t tone_marks[] = {0x0300, 0x0301, 0x0303, 0x0309, 0x0323};

/* s (NFC) with its acute replaced by tone t, recomposed: the expectation. */
static const char *with_tone(const char *s, int32_t t, char *out, size_t n)
{
	const char *d = nfd(s);
	const char *acute = strstr(d, "\xCC\x81");
	utf8proc_uint8_t enc[4];
	utf8proc_ssize_t el = utf8proc_encode_char(t, enc);
	assert_non_null(acute);
	snprintf(out, n, "%.*s%.*s%s", (int)(acute - d), d, (int)el, enc, acute + 2);
	snprintf(out, n, "%s", nfc(out));
	return out;
}

static void test_key_every_placement(void **st)
{
	int checked = 0;
	for (size_t i = 0; i < sizeof syllables / sizeof *syllables; i++) {
		char base[64];
		snprintf(base, sizeof base, "%s", nfd(syllables[i][1]));
		size_t bn = strlen(base);
		for (size_t t = 0; t < 5; t++) {
			char want[64], in[80];
			utf8proc_uint8_t enc[4];
			utf8proc_ssize_t el = utf8proc_encode_char(tone_marks[t], enc);
			with_tone(syllables[i][0], tone_marks[t], want, sizeof want);
			/* After every code point of the decomposed letters. */
			for (size_t at = 0; at <= bn; at++) {
				if (((unsigned char)base[at] & 0xC0) == 0x80)
					continue;
				snprintf(in, sizeof in, "%.*s%.*s%s", (int)at, base, (int)el, enc,
				         base + at);
				assert_string_equal(key(in), want);
				assert_string_equal(key(recase(in, utf8proc_toupper)), want);
				checked++;
			}
		}
	}
	assert_true(checked > 500);
}

/* --- the ASCII key ------------------------------------------------------------- */

static void test_ascii_known(void **st)
{
	static const char *const cases[][2] = {
	        {"Đặng Thị Hoà", "dang thi hoa"},
	        {"ĐẶNG  THỊ HÒA", "dang thi hoa"},
	        {"Nguyễn Văn Ấn", "nguyen van an"},
	        {"Ðặng", "dang"},
	        {"Trường", "truong"},
	        {"O’Neil-Smith", "o'neil-smith"},
	        {"Straße", "strasse"},
	        {"Søren Ærø Łukasz", "soren aero lukasz"},
	        {"\xEF\xAC\x81nh", "finh"},         /* ﬁ ligature */
	        {"\xEF\xBC\xAE\xEF\xBD\x87", "ng"}, /* fullwidth Ｎｇ */
	        {"Иван", "<u+0438><u+0432><u+0430><u+043d>"},
	        {"a \xCC\x80 b", "a b"}, /* a mark alone */
	        {"  NGUYEN   VAN A ", "nguyen van a"},
	        {"", ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		assert_string_equal(ascii(cases[i][0]), cases[i][1]);
}

/* ASCII input takes a shortcut; appending a non-ASCII word forces the code
 * point path, which must agree with it. */
static void test_ascii_shortcut_agrees(void **st)
{
	static const char alphabet[] = "aZ \t\n.-'09~";
	for (int it = 0; it < 5000; it++) {
		char s[32], t[48], want[80];
		size_t n = rnd(sizeof s - 1);
		for (size_t i = 0; i < n; i++)
			s[i] = alphabet[rnd(sizeof alphabet - 1)];
		s[n] = '\0';
		snprintf(t, sizeof t, "%s é", s);
		const char *k = key(s);
		snprintf(want, sizeof want, "%s%sé", k, *k ? " " : "");
		assert_string_equal(key(t), want);
		const char *c = clean(s);
		snprintf(want, sizeof want, "%s%sé", c, *c ? " " : "");
		assert_string_equal(clean(t), want);
		const char *a = ascii(s);
		snprintf(want, sizeof want, "%s%se", a, *a ? " " : "");
		assert_string_equal(ascii(t), want);
	}
}

/* --- invariants over every code point ------------------------------------------ */

static void out_of(text_fn fn, const char *s, size_t n, struct dc_buf *b)
{
	dc_buf_reset(b);
	assert_int_equal(fn(s, n, b), DC_OK);
}

static bool same(const struct dc_buf *a, const struct dc_buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
}

/* The invariants the fuzz target also checks, for one input. */
static void check_invariants(const char *s, size_t n)
{
	struct dc_buf k = DC_BUF_INIT, k2 = DC_BUF_INIT, a = DC_BUF_INIT, a2 = DC_BUF_INIT;
	struct dc_buf c = DC_BUF_INIT, c2 = DC_BUF_INIT;
	out_of(dc_text_key, s, n, &k);
	out_of(dc_text_key, k.ptr ? k.ptr : "", k.len, &k2);
	assert_true(same(&k, &k2)); /* key is idempotent */
	out_of(dc_text_key_ascii, s, n, &a);
	for (size_t i = 0; i < a.len; i++)
		assert_true((unsigned char)a.ptr[i] < 0x80);
	out_of(dc_text_key_ascii, a.ptr ? a.ptr : "", a.len, &a2);
	assert_true(same(&a, &a2)); /* so is the ASCII key */
	out_of(dc_text_key_ascii, k.ptr ? k.ptr : "", k.len, &a2);
	assert_true(same(&a, &a2)); /* and it is a function of the key */
	out_of(dc_text_clean, s, n, &c);
	out_of(dc_text_clean, c.ptr ? c.ptr : "", c.len, &c2);
	assert_true(same(&c, &c2));
	out_of(dc_text_key, c.ptr ? c.ptr : "", c.len, &k2);
	assert_true(same(&k, &k2)); /* cleaning loses nothing the key keeps */
	assert_int_equal(dc_name_compare(s, n, s, n), DC_NAME_EXACT);
	dc_buf_release(&k);
	dc_buf_release(&k2);
	dc_buf_release(&a);
	dc_buf_release(&a2);
	dc_buf_release(&c);
	dc_buf_release(&c2);
}

static void test_every_code_point(void **st)
{
	/* A prime step keeps the sanitizer run short but still varied. */
	int32_t step = dc_test_quick() ? 97 : 1;
	int checked = 0;
	for (int32_t cp = 0; cp <= 0x10FFFF; cp += step) {
		char s[16];
		utf8proc_ssize_t n;
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		n = utf8proc_encode_char(cp, (utf8proc_uint8_t *)s);
		check_invariants(s, (size_t)n);
		/* Inside a Vietnamese word, where tones move. */
		if (cp < 0x3000 || (cp >= 0x1D100 && cp < 0x1D200)) {
			char w[24];
			int m = snprintf(w, sizeof w, "Tho%.*sa", (int)n, s);
			check_invariants(w, (size_t)m);
		}
		checked++;
	}
	assert_true(checked > (dc_test_quick() ? 10000 : 1000000));
}

/* --- names ------------------------------------------------------------------------ */

static void test_is_name(void **st)
{
	static const char *const good[] = {"Nguyễn Thị Ánh", "H'Hen Niê", "Jean-Pierre O'Neil",
	                                   "O’Brien",        "St. John",  "Nguye\xCC\x82\xCC\x83n",
	                                   "Иван Петров",    "王小明",    " An ",
	                                   "Lê  Văn"};
	static const char *const bad[] = {"Nguyễn 2",
	                                  "<b>",
	                                  "",
	                                  "   ",
	                                  "Lê\tVăn",
	                                  "Lê\nVăn",
	                                  "An!",
	                                  "a_b",
	                                  "\xCC\x81"
	                                  "An",
	                                  "An \xCC\x81",
	                                  "Ng\xE2\x80\x8B"
	                                  "uyễn",
	                                  "'-.",
	                                  "An\xC2\xA0"
	                                  "Bình",
	                                  "\xFF"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		if (!dc_text_is_name(good[i], strlen(good[i])))
			fail_msg("rejected %s", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (dc_text_is_name(bad[i], strlen(bad[i])))
			fail_msg("accepted bad[%zu]", i);
	char name[202];
	memset(name, 'a', sizeof name);
	assert_true(dc_text_is_name(name, 200));
	assert_false(dc_text_is_name(name, 201));
	assert_false(dc_text_is_name("a\0b", 3));
	/* 199 bytes of ASCII and a 2-byte letter: 201 bytes. */
	memcpy(name + 199, "\xC3\xA1", 2);
	assert_false(dc_text_is_name(name, 201));
	assert_true(dc_text_is_name(name + 1, 200));
}

static void test_compare_known(void **st)
{
	static const struct {
		const char *a, *b;
		int want;
	} cases[] = {
	        {"Nguyễn Văn An", "Nguyễn Văn An", DC_NAME_EXACT},
	        {"Nguyễn Văn An", "Nguye\xCC\x82\xCC\x83n Va\xCC\x86n An", DC_NAME_EXACT},
	        {"", "", DC_NAME_EXACT},
	        {"Lê Thị Hoà", "LÊ THỊ HÒA", DC_NAME_NORMALISED},
	        {"Lê Thị Hoà", "Lê  Thị  Hòa ", DC_NAME_NORMALISED},
	        {"Nguyễn Văn An", " Nguyễn Văn An", DC_NAME_NORMALISED},
	        {"Phan Thanh An", "PHAN THANH AN", DC_NAME_NORMALISED},
	        {"Đặng Văn An", "DANG VAN AN", DC_NAME_NO_DIACRITICS},
	        {"Đặng Văn An", "Dang Van An", DC_NAME_NO_DIACRITICS},
	        {"Lê Thị Hà", "Lê Thị Hạ", DC_NAME_NO_DIACRITICS},
	        {"Nguyễn Văn An", "Nguyễn An", DC_NAME_PARTIAL},
	        {"Nguyễn Văn An", "NGUYEN AN", DC_NAME_PARTIAL},
	        {"Nguyễn Văn An", "Nguyen Van Minh An", DC_NAME_PARTIAL},
	        {"Nguyễn Văn An", "Nguyễn Hữu An", DC_NAME_PARTIAL},
	        {"Nguyễn Văn An", "Nguyễn An Văn", DC_NAME_PARTIAL},
	        {"Nguyễn An", "An Nguyễn", DC_NAME_PARTIAL},
	        {"Nguyễn Văn An", "Trần Văn An", DC_NAME_DIFFERENT},
	        {"Nguyễn Văn An", "Nguyễn Văn Anh", DC_NAME_DIFFERENT},
	        {"Nguyễn Văn An", "Văn An", DC_NAME_DIFFERENT},
	        {"Nguyễn Văn An", "Nguyễn Văn An An Văn", DC_NAME_DIFFERENT},
	        {"Nguyễn Văn An", "Nguyễn Văn An Văn An", DC_NAME_PARTIAL},
	        {"Nguyễn Văn Văn An", "Nguyễn An Văn An", DC_NAME_PARTIAL},
	        {"Nguyễn Văn Văn Bình", "Nguyễn Văn Bình Bình", DC_NAME_PARTIAL},
	        {"Văn Bình Văn", "Bình Văn Bình", DC_NAME_DIFFERENT},
	        {"An", "An Nguyễn", DC_NAME_DIFFERENT},
	        {"An", "Bình", DC_NAME_DIFFERENT},
	        {"", "An", DC_NAME_DIFFERENT},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int got = cmp2(cases[i].a, cases[i].b);
		if (got != cases[i].want)
			fail_msg("case %zu (%s / %s): got %d, want %d", i, cases[i].a, cases[i].b,
			         got, cases[i].want);
	}
}

static void test_errors_and_codes(void **st)
{
	struct dc_buf b = DC_BUF_INIT;
	static const char bad[] = "Nguy\xE1\xBB";
	assert_int_equal(dc_text_clean(bad, 6, &b), DC_ERR_INVALID);
	assert_int_equal(dc_text_key(bad, 6, &b), DC_ERR_INVALID);
	assert_int_equal(dc_text_key_ascii(bad, 6, &b), DC_ERR_INVALID);
	assert_int_equal(dc_text_key("\xC0\x80", 2, &b), DC_ERR_INVALID);
	assert_int_equal(b.len, 0);
	assert_int_equal(dc_name_compare("An", 2, bad, 6), DC_ERR_INVALID);
	assert_int_equal(dc_name_compare(bad, 6, "An", 2), DC_ERR_INVALID);
	assert_false(dc_text_is_name(bad, 6));
	/* A capped buffer reports the overflow. */
	dc_buf_init(&b, 4);
	assert_int_equal(dc_text_key("Nguyễn Văn An", strlen("Nguyễn Văn An"), &b),
	                 DC_ERR_TOO_LARGE);
	dc_buf_release(&b);
	assert_string_equal(dc_name_match_code(DC_NAME_EXACT), "exact");
	assert_string_equal(dc_name_match_code(DC_NAME_NORMALISED), "normalised");
	assert_string_equal(dc_name_match_code(DC_NAME_NO_DIACRITICS), "no_diacritics");
	assert_string_equal(dc_name_match_code(DC_NAME_PARTIAL), "partial");
	assert_string_equal(dc_name_match_code(DC_NAME_DIFFERENT), "different");
	assert_string_equal(dc_name_match_code((enum dc_name_match)DC_ERR_INVALID), "different");
}

/* --- generated names ------------------------------------------------------------ */

/* Each word in the new style (as the key spells it) and, where it differs,
 * the old style. */
struct word {
	const char *new_style, *old_style;
};

static const struct word surnames[] = {
        {"Nguyễn", 0}, {"Trần", 0}, {"Lê", 0},    {"Phạm", 0}, {"Hoàng", 0}, {"Huỳnh", 0},
        {"Phan", 0},   {"Vũ", 0},   {"Võ", 0},    {"Đặng", 0}, {"Bùi", 0},   {"Đỗ", 0},
        {"Hồ", 0},     {"Ngô", 0},  {"Dương", 0}, {"Lý", 0},   {"Quách", 0}, {"Giang", 0},
        {"Khúc", 0},   {"Thái", 0}, {"Tạ", 0},    {"Quản", 0}, {"Đoàn", 0},  {"Trương", 0},
};
static const struct word middles[] = {
        {"Văn", 0},  {"Thị", 0},   {"Hữu", 0},       {"Ngọc", 0},    {"Thanh", 0},     {"Đức", 0},
        {"Minh", 0}, {"Quốc", 0},  {"Xuân", 0},      {"Gia", 0},     {"Kim", 0},       {"Diệu", 0},
        {"Bảo", 0},  {"Khánh", 0}, {"Thuỳ", "Thùy"}, {"Hoà", "Hòa"}, {"Thuý", "Thúy"},
};
static const struct word givens[] = {
        {"An", 0},      {"Hoà", "Hòa"},   {"Thuỷ", "Thủy"}, {"Khoẻ", "Khỏe"}, {"Quý", 0},
        {"Tuấn", 0},    {"Hương", 0},     {"Đạt", 0},       {"Hoá", "Hóa"},   {"Loan", 0},
        {"Uyên", 0},    {"Thoả", "Thỏa"}, {"Giàu", 0},      {"Trường", 0},    {"Huệ", 0},
        {"Hoè", "Hòe"}, {"Toả", "Tỏa"},   {"Khuê", 0},      {"Quỳnh", 0},     {"Yến", 0},
        {"Lụa", 0},     {"Cường", 0},     {"Dũng", 0},      {"Phượng", 0},    {"Nhã", 0},
        {"Mỹ", 0},      {"Luỹ", "Lũy"},   {"Xoà", "Xòa"},   {"Hoạ", "Họa"},   {"Thuỵ", "Thụy"},
        {"Người", 0},   {"Của", 0},       {"Giữa", 0},      {"Khuyến", 0},    {"Oanh", 0},
};
/* Words that appear in none of the lists above, even without diacritics. */
static const char *const strangers[] = {"Mạc", "Khổng", "Bích", "Sơn", "Lâm", "Châu"};

#define MAX_WORDS 4

struct name {
	const struct word *w[MAX_WORDS];
	size_t n;
};

/* Joins words (new or old style, or with custom separators). */
static void join(const struct name *nm, bool old, const char *const *sep, char *out, size_t n)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < nm->n; i++) {
		const char *w =
		        old && nm->w[i]->old_style ? nm->w[i]->old_style : nm->w[i]->new_style;
		len += (size_t)snprintf(out + len, n - len, "%s%s", i ? (sep ? sep[i] : " ") : "",
		                        w);
		assert_true(len < n);
	}
}

static bool has_old_style(const struct name *nm)
{
	for (size_t i = 0; i < nm->n; i++)
		if (nm->w[i]->old_style)
			return true;
	return false;
}

static bool is_ascii_str(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

static void check_generated(const struct name *nm)
{
	static const char *const spaces[] = {" ", "  ", "\t", "\xC2\xA0", "\xE3\x80\x80", " \n "};
	char n[256], v[600], w[512];
	const char *sep[MAX_WORDS];
	join(nm, false, NULL, n, sizeof n);
	/* The key is exactly the lower-cased new-style spelling. */
	assert_string_equal(key(n), nfc(recase(n, utf8proc_tolower)));
	assert_int_equal(cmp2(n, n), DC_NAME_EXACT);
	assert_int_equal(cmp2(n, nfd(n)), DC_NAME_EXACT);
	join(nm, true, NULL, v, sizeof v);
	assert_int_equal(cmp2(n, v), has_old_style(nm) ? DC_NAME_NORMALISED : DC_NAME_EXACT);
	assert_int_equal(cmp2(n, nfd(v)), has_old_style(nm) ? DC_NAME_NORMALISED : DC_NAME_EXACT);
	assert_int_equal(cmp2(n, recase(v, utf8proc_toupper)), DC_NAME_NORMALISED);
	for (size_t i = 0; i < nm->n; i++)
		sep[i] = spaces[rnd(sizeof spaces / sizeof *spaces)];
	join(nm, rnd(2), sep, w, sizeof w);
	snprintf(v, sizeof v, "%s%s ", rnd(2) ? " " : "", w);
	assert_int_equal(cmp2(n, v), DC_NAME_NORMALISED);
	/* Without diacritics, in capitals as on cards. */
	snprintf(v, sizeof v, "%s", ascii(n));
	int loose = is_ascii_str(n) ? DC_NAME_NORMALISED : DC_NAME_NO_DIACRITICS;
	assert_int_equal(cmp2(n, v), loose);
	assert_int_equal(cmp2(n, recase(v, utf8proc_toupper)), loose);
	/* Surname and given name only: partial when there were middle names. */
	snprintf(v, sizeof v, "%s %s", nm->w[0]->new_style, nm->w[nm->n - 1]->new_style);
	if (nm->n > 2) {
		assert_int_equal(cmp2(n, v), DC_NAME_PARTIAL);
		assert_int_equal(cmp2(n, ascii(v)), DC_NAME_PARTIAL);
	}
	/* Given name first (Western order): the same words in another order. */
	struct name r = *nm;
	r.w[0] = nm->w[nm->n - 1];
	r.w[nm->n - 1] = nm->w[0];
	join(&r, false, NULL, v, sizeof v);
	if (strcmp(ascii(v), ascii(n)) != 0)
		assert_int_equal(cmp2(n, v), DC_NAME_PARTIAL);
	/* Another surname and given name: different. */
	snprintf(w, sizeof w, "%s", n);
	char *first_space = strchr(w, ' ');
	char *last_space = strrchr(w, ' ');
	snprintf(v, sizeof v, "%s%.*s %s", strangers[rnd(3)], (int)(last_space - first_space),
	         first_space, strangers[3 + rnd(3)]);
	assert_int_equal(cmp2(n, v), DC_NAME_DIFFERENT);
	/* Only the given name changed: different. */
	snprintf(v, sizeof v, "%.*s %s", (int)(last_space - w), w, strangers[rnd(6)]);
	assert_int_equal(cmp2(n, v), DC_NAME_DIFFERENT);
}

static void test_generated_names(void **st)
{
	int names = dc_test_quick() ? 500 : 5000;
	for (int i = 0; i < names; i++) {
		struct name nm;
		nm.n = 2 + rnd(3);
		nm.w[0] = &surnames[rnd(sizeof surnames / sizeof *surnames)];
		for (size_t k = 1; k + 1 < nm.n; k++)
			nm.w[k] = &middles[rnd(sizeof middles / sizeof *middles)];
		nm.w[nm.n - 1] = &givens[rnd(sizeof givens / sizeof *givens)];
		check_generated(&nm);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_utf8_known),
	        cmocka_unit_test(test_utf8_oracle),
	        cmocka_unit_test(test_clean),
	        cmocka_unit_test(test_key_known),
	        cmocka_unit_test(test_key_distinct),
	        cmocka_unit_test(test_key_every_placement),
	        cmocka_unit_test(test_ascii_known),
	        cmocka_unit_test(test_ascii_shortcut_agrees),
	        cmocka_unit_test(test_every_code_point),
	        cmocka_unit_test(test_is_name),
	        cmocka_unit_test(test_compare_known),
	        cmocka_unit_test(test_errors_and_codes),
	        cmocka_unit_test(test_generated_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
