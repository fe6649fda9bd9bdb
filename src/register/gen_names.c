/*
 * gen_names.c — Vietnamese personal names for the synthetic population:
 * weighted tables of surnames, middle names and given names by sex, and the
 * spelling variations of a near-duplicate (no diacritics, upper case, the
 * other tone-mark placement).
 *
 * Shares are approximations from published surname statistics (Nguyễn ≈ 38 %,
 * Trần ≈ 11 %, Lê ≈ 9.5 %, …) and from naming habits: older generations
 * mostly carry "Văn" or "Thị" as middle name and short given names
 * ("Hùng", "Lan"); children born since about 2000 far less often, with
 * names such as "Khôi", "Gia", "Bảo", "Vy". The tables are the only
 * Vietnamese text here; every literal is NFC.
 *
 * The letter tables list each Vietnamese letter with a diacritic as a code
 * point, lower and upper case at the same position, so folding and case
 * mapping need no Unicode library (they run on a few names per thousand
 * rows, the near-duplicates).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "register/gen_names.h"

#include "core/internal.h"

#define N(s, o, w)      \
	{               \
		s, o, w \
	}

/* Surnames, in hundredths of a percent (the sum is 10,000). Hoàng and
 * Huỳnh are the northern and southern forms of one name, as are Vũ and Võ;
 * the pairs are listed apart because records keep them apart. */
static const struct dc__gen_name surnames[] = {
        N("Nguyễn", 3800, 3800), N("Trần", 1100, 1100), N("Lê", 950, 950),    N("Phạm", 700, 700),
        N("Hoàng", 300, 300),    N("Huỳnh", 200, 200),  N("Phan", 450, 450),  N("Vũ", 220, 220),
        N("Võ", 170, 170),       N("Đặng", 210, 210),   N("Bùi", 200, 200),   N("Đỗ", 140, 140),
        N("Hồ", 130, 130),       N("Ngô", 130, 130),    N("Dương", 100, 100), N("Lý", 50, 50),
        N("Đào", 60, 60),        N("Đoàn", 60, 60),     N("Vương", 35, 35),   N("Trịnh", 60, 60),
        N("Trương", 70, 70),     N("Lâm", 50, 50),      N("Mai", 50, 50),     N("Cao", 50, 50),
        N("Tô", 30, 30),         N("Hà", 50, 50),       N("Lương", 40, 40),   N("Đinh", 60, 60),
        N("Tạ", 30, 30),         N("Kiều", 20, 20),     N("Quách", 20, 20),   N("Châu", 40, 40),
        N("Chu", 30, 30),        N("Lưu", 40, 40),      N("Thái", 30, 30),    N("Tăng", 20, 20),
        N("Triệu", 30, 30),      N("La", 20, 20),       N("Lục", 15, 15),     N("Phùng", 30, 30),
        N("Khúc", 10, 10),       N("Nghiêm", 15, 15),   N("Thân", 15, 15),    N("Lại", 20, 20),
        N("Giang", 15, 15),      N("Âu", 10, 10),       N("Mạc", 15, 15),     N("Từ", 15, 15),
        N("Diệp", 10, 10),       N("Khổng", 10, 10),    N("Ninh", 10, 10),    N("Tống", 15, 15),
        N("Hứa", 15, 15),        N("Mã", 10, 10),       N("Ông", 10, 10),     N("Thạch", 15, 15),
};

static const struct dc__gen_name middle_m[] = {
        N("Văn", 5500, 1500), N("Đức", 600, 900),   N("Minh", 500, 1400), N("Quang", 400, 600),
        N("Hữu", 500, 300),   N("Thanh", 400, 400), N("Công", 400, 250),  N("Anh", 200, 500),
        N("Xuân", 300, 200),  N("Ngọc", 300, 300),  N("Trọng", 250, 300), N("Quốc", 250, 500),
        N("Hoàng", 150, 500), N("Gia", 50, 700),    N("Bảo", 50, 600),    N("Đình", 400, 200),
        N("Mạnh", 150, 200),  N("Thế", 200, 150),   N("Duy", 150, 400),   N("Tiến", 150, 150),
        N("Nhật", 50, 400),   N("Hải", 100, 200),   N("Tuấn", 100, 200),  N("Thành", 150, 200),
        N("Khắc", 150, 50),   N("Trung", 100, 150), N("Đăng", 50, 300),   N("Phúc", 30, 200),
};

static const struct dc__gen_name middle_f[] = {
        N("Thị", 6500, 2000), N("Ngọc", 500, 1000),  N("Thu", 400, 400),  N("Thanh", 400, 400),
        N("Minh", 100, 700),  N("Phương", 150, 500), N("Kim", 300, 300),  N("Bảo", 30, 600),
        N("Hồng", 300, 250),  N("Thùy", 100, 400),   N("Mai", 100, 300),  N("Khánh", 30, 500),
        N("Hoài", 100, 250),  N("Diệu", 50, 250),    N("Hải", 50, 250),   N("Quỳnh", 50, 300),
        N("Tuyết", 150, 50),  N("Như", 50, 300),     N("Gia", 20, 400),   N("Hà", 50, 250),
        N("Lan", 50, 150),    N("Yến", 50, 150),     N("Bích", 200, 100), N("Cẩm", 100, 150),
        N("Tú", 50, 200),
};

static const struct dc__gen_name given_m[] = {
        N("An", 100, 300),    N("Anh", 300, 500),   N("Bảo", 30, 400),    N("Bình", 300, 150),
        N("Cường", 300, 150), N("Chiến", 200, 50),  N("Dũng", 400, 150),  N("Duy", 150, 300),
        N("Dương", 100, 250), N("Đạt", 200, 350),   N("Đông", 150, 100),  N("Đức", 300, 400),
        N("Giang", 100, 150), N("Hải", 400, 250),   N("Hào", 100, 150),   N("Hiếu", 150, 250),
        N("Hiệp", 150, 100),  N("Hòa", 200, 100),   N("Hoàng", 200, 300), N("Hùng", 500, 200),
        N("Huy", 200, 450),   N("Hưng", 300, 300),  N("Khải", 50, 200),   N("Khang", 20, 400),
        N("Khánh", 100, 300), N("Khoa", 50, 350),   N("Khôi", 20, 450),   N("Kiên", 100, 200),
        N("Lâm", 100, 250),   N("Lộc", 150, 200),   N("Long", 300, 350),  N("Lực", 100, 50),
        N("Mạnh", 200, 150),  N("Minh", 300, 600),  N("Nam", 300, 400),   N("Nghĩa", 250, 150),
        N("Nhân", 100, 200),  N("Phát", 50, 300),   N("Phong", 200, 250), N("Phúc", 100, 400),
        N("Quân", 150, 450),  N("Quang", 200, 200), N("Sơn", 400, 200),   N("Tài", 150, 200),
        N("Tâm", 200, 200),   N("Thắng", 400, 150), N("Thành", 400, 250), N("Thiện", 100, 200),
        N("Thịnh", 150, 200), N("Tiến", 250, 150),  N("Toàn", 200, 150),  N("Trí", 100, 250),
        N("Trung", 300, 250), N("Tuấn", 400, 300),  N("Tùng", 200, 250),  N("Việt", 200, 250),
        N("Vinh", 200, 200),  N("Vũ", 100, 250),    N("Hậu", 150, 100),   N("Lợi", 150, 50),
        N("Thuận", 150, 100), N("Thụy", 50, 50),
};

static const struct dc__gen_name given_f[] = {
        N("An", 50, 300),     N("Anh", 200, 700),    N("Bích", 150, 50),   N("Châu", 50, 250),
        N("Chi", 100, 400),   N("Cúc", 200, 20),     N("Diệp", 50, 150),   N("Dung", 350, 100),
        N("Duyên", 200, 200), N("Giang", 150, 250),  N("Hà", 300, 250),    N("Hạnh", 300, 150),
        N("Hằng", 400, 200),  N("Hiền", 350, 200),   N("Hoa", 400, 150),   N("Hòa", 200, 50),
        N("Hồng", 400, 100),  N("Huệ", 250, 50),     N("Hương", 500, 250), N("Huyền", 300, 250),
        N("Lan", 500, 200),   N("Liên", 250, 100),   N("Linh", 250, 600),  N("Loan", 300, 100),
        N("Lý", 100, 50),     N("Mai", 350, 300),    N("My", 50, 450),     N("Nga", 400, 100),
        N("Ngân", 150, 350),  N("Ngọc", 200, 350),   N("Nhung", 300, 100), N("Như", 50, 350),
        N("Oanh", 250, 150),  N("Phương", 350, 300), N("Quyên", 100, 200), N("Quỳnh", 150, 350),
        N("Tâm", 150, 200),   N("Thảo", 250, 500),   N("Thoa", 250, 50),   N("Thủy", 400, 150),
        N("Thúy", 300, 100),  N("Thùy", 150, 200),   N("Thư", 50, 450),    N("Trang", 300, 500),
        N("Trâm", 50, 300),   N("Tuyết", 250, 50),   N("Uyên", 50, 300),   N("Vân", 300, 200),
        N("Vy", 20, 500),     N("Xuân", 250, 100),   N("Yến", 300, 250),   N("Nhi", 50, 500),
        N("Hân", 20, 450),    N("Ánh", 100, 250),
};

#undef N

const struct dc__gen_name_table dc__gen_surnames = {surnames, DC_ARRAY_LEN(surnames)};
const struct dc__gen_name_table dc__gen_middle_m = {middle_m, DC_ARRAY_LEN(middle_m)};
const struct dc__gen_name_table dc__gen_middle_f = {middle_f, DC_ARRAY_LEN(middle_f)};
const struct dc__gen_name_table dc__gen_given_m = {given_m, DC_ARRAY_LEN(given_m)};
const struct dc__gen_name_table dc__gen_given_f = {given_f, DC_ARRAY_LEN(given_f)};

/* Every Vietnamese letter with a diacritic, grouped by base letter; lower and
 * upper case at the same index: à á ả ã ạ ă ằ ắ ẳ ẵ ặ â ầ ấ ẩ ẫ ậ đ è é ẻ ẽ ẹ
 * ê ề ế ể ễ ệ ì í ỉ ĩ ị ò ó ỏ õ ọ ô ồ ố ổ ỗ ộ ơ ờ ớ ở ỡ ợ ù ú ủ ũ ụ ư ừ ứ ử ữ ự
 * ỳ ý ỷ ỹ ỵ. */
static const uint16_t letters_lower[] = {
        0x00E0, 0x00E1, 0x1EA3, 0x00E3, 0x1EA1, 0x0103, 0x1EB1, 0x1EAF, 0x1EB3, 0x1EB5,
        0x1EB7, 0x00E2, 0x1EA7, 0x1EA5, 0x1EA9, 0x1EAB, 0x1EAD, 0x0111, 0x00E8, 0x00E9,
        0x1EBB, 0x1EBD, 0x1EB9, 0x00EA, 0x1EC1, 0x1EBF, 0x1EC3, 0x1EC5, 0x1EC7, 0x00EC,
        0x00ED, 0x1EC9, 0x0129, 0x1ECB, 0x00F2, 0x00F3, 0x1ECF, 0x00F5, 0x1ECD, 0x00F4,
        0x1ED3, 0x1ED1, 0x1ED5, 0x1ED7, 0x1ED9, 0x01A1, 0x1EDD, 0x1EDB, 0x1EDF, 0x1EE1,
        0x1EE3, 0x00F9, 0x00FA, 0x1EE7, 0x0169, 0x1EE5, 0x01B0, 0x1EEB, 0x1EE9, 0x1EED,
        0x1EEF, 0x1EF1, 0x1EF3, 0x00FD, 0x1EF7, 0x1EF9, 0x1EF5,
};
static const uint16_t letters_upper[] = {
        0x00C0, 0x00C1, 0x1EA2, 0x00C3, 0x1EA0, 0x0102, 0x1EB0, 0x1EAE, 0x1EB2, 0x1EB4,
        0x1EB6, 0x00C2, 0x1EA6, 0x1EA4, 0x1EA8, 0x1EAA, 0x1EAC, 0x0110, 0x00C8, 0x00C9,
        0x1EBA, 0x1EBC, 0x1EB8, 0x00CA, 0x1EC0, 0x1EBE, 0x1EC2, 0x1EC4, 0x1EC6, 0x00CC,
        0x00CD, 0x1EC8, 0x0128, 0x1ECA, 0x00D2, 0x00D3, 0x1ECE, 0x00D5, 0x1ECC, 0x00D4,
        0x1ED2, 0x1ED0, 0x1ED4, 0x1ED6, 0x1ED8, 0x01A0, 0x1EDC, 0x1EDA, 0x1EDE, 0x1EE0,
        0x1EE2, 0x00D9, 0x00DA, 0x1EE6, 0x0168, 0x1EE4, 0x01AF, 0x1EEA, 0x1EE8, 0x1EEC,
        0x1EEE, 0x1EF0, 0x1EF2, 0x00DD, 0x1EF6, 0x1EF8, 0x1EF4,
};
static const char letters_base[] =
        "aaaaaaaaaaaaaaaaadeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyy";
_Static_assert(DC_ARRAY_LEN(letters_lower) == DC_ARRAY_LEN(letters_upper), "case tables");
_Static_assert(DC_ARRAY_LEN(letters_lower) == sizeof(letters_base) - 1, "base table");

/* The five toned forms (huyền, sắc, hỏi, ngã, nặng) of the vowels that take
 * part in the oa/oe/uy placement question. */
enum { V_A, V_E, V_O, V_U, V_Y, NVOWELS };
static const char vowel_plain[NVOWELS] = {'a', 'e', 'o', 'u', 'y'};
static const uint16_t vowel_toned[NVOWELS][5] = {
        {0x00E0, 0x00E1, 0x1EA3, 0x00E3, 0x1EA1}, /* à á ả ã ạ */
        {0x00E8, 0x00E9, 0x1EBB, 0x1EBD, 0x1EB9}, /* è é ẻ ẽ ẹ */
        {0x00F2, 0x00F3, 0x1ECF, 0x00F5, 0x1ECD}, /* ò ó ỏ õ ọ */
        {0x00F9, 0x00FA, 0x1EE7, 0x0169, 0x1EE5}, /* ù ú ủ ũ ụ */
        {0x1EF3, 0x00FD, 0x1EF7, 0x1EF9, 0x1EF5}, /* ỳ ý ỷ ỹ ỵ */
};

/* Decodes one code point of valid UTF-8 at s (n ≥ 1 bytes left); sets *len. */
static uint32_t utf8_get(const char *s, size_t n, size_t *len)
{
	const unsigned char *u = (const unsigned char *)s;
	if (u[0] < 0x80 || n < 2) {
		*len = 1;
		return u[0];
	}
	if ((u[0] & 0xE0) == 0xC0) {
		*len = 2;
		return ((uint32_t)(u[0] & 0x1F) << 6) | (u[1] & 0x3F);
	}
	if ((u[0] & 0xF0) == 0xE0 && n >= 3) {
		*len = 3;
		return ((uint32_t)(u[0] & 0x0F) << 12) | ((uint32_t)(u[1] & 0x3F) << 6) |
		       (u[2] & 0x3F);
	}
	if (n >= 4) {
		*len = 4;
		return ((uint32_t)(u[0] & 0x07) << 18) | ((uint32_t)(u[1] & 0x3F) << 12) |
		       ((uint32_t)(u[2] & 0x3F) << 6) | (u[3] & 0x3F);
	}
	*len = 1;
	return u[0];
}

/* Appends code point c to out[*o] when it fits with room for the NUL. */
static void utf8_put(uint32_t c, char *out, size_t cap, size_t *o)
{
	char b[4];
	size_t n;
	if (c < 0x80) {
		b[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		b[0] = (char)(0xC0 | (c >> 6));
		b[1] = (char)(0x80 | (c & 0x3F));
		n = 2;
	} else if (c < 0x10000) {
		b[0] = (char)(0xE0 | (c >> 12));
		b[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		b[2] = (char)(0x80 | (c & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | (c >> 18));
		b[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		b[3] = (char)(0x80 | (c & 0x3F));
		n = 4;
	}
	if (*o + n < cap) {
		memcpy(out + *o, b, n);
		*o += n;
	}
}

/* Index of c in a letter table, or -1. */
static int letter_index(const uint16_t *table, uint32_t c)
{
	for (size_t i = 0; i < DC_ARRAY_LEN(letters_lower); i++)
		if (table[i] == c)
			return (int)i;
	return -1;
}

size_t dc__gen_fold_ascii(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0, len; i < n; i += len) {
		uint32_t c = utf8_get(s + i, n - i, &len);
		if (c >= 0x80) {
			int lo = letter_index(letters_lower, c);
			int up = lo < 0 ? letter_index(letters_upper, c) : -1;
			if (lo >= 0)
				c = (uint32_t)letters_base[lo];
			else if (up >= 0)
				c = (uint32_t)letters_base[up] - 'a' + 'A';
		}
		utf8_put(c, out, cap, &o);
	}
	if (cap)
		out[o] = '\0';
	return o;
}

size_t dc__gen_upper(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0, len; i < n; i += len) {
		uint32_t c = utf8_get(s + i, n - i, &len);
		if (c >= 'a' && c <= 'z') {
			c = c - 'a' + 'A';
		} else if (c >= 0x80) {
			int k = letter_index(letters_lower, c);
			if (k >= 0)
				c = letters_upper[k];
		}
		utf8_put(c, out, cap, &o);
	}
	if (cap)
		out[o] = '\0';
	return o;
}

/* Which vowel and tone c is: returns the vowel (V_*) and sets *tone to 0 for
 * the plain letter or 1–5; -1 when c is none of them. */
static int vowel_of(uint32_t c, int *tone)
{
	for (int v = 0; v < NVOWELS; v++) {
		if (c == (uint32_t)vowel_plain[v]) {
			*tone = 0;
			return v;
		}
		for (int t = 0; t < 5; t++) {
			if (c == vowel_toned[v][t]) {
				*tone = t + 1;
				return v;
			}
		}
	}
	return -1;
}

/* Rewrites the last two code points of a word (w[k-2], w[k-1]) when they are
 * o+a, o+e or u+y with the tone on either one: the tone moves to the other.
 * prev is the code point before the pair (0 at the start): "qu" + y keeps
 * its tone, u being part of the consonant there. */
static int retone_pair(uint32_t prev, uint32_t *a, uint32_t *b)
{
	int ta = 0, tb = 0;
	int va = vowel_of(*a, &ta);
	int vb = vowel_of(*b, &tb);
	int ok = (va == V_O && (vb == V_A || vb == V_E)) || (va == V_U && vb == V_Y);
	if (!ok || (va == V_U && (prev == 'q' || prev == 'Q')))
		return 0;
	if (ta && !tb) {
		*a = (uint32_t)vowel_plain[va];
		*b = vowel_toned[vb][ta - 1];
		return 1;
	}
	if (tb && !ta) {
		*a = vowel_toned[va][tb - 1];
		*b = (uint32_t)vowel_plain[vb];
		return 1;
	}
	return 0;
}

size_t dc__gen_retone(const char *s, size_t n, char *out, size_t cap, int *changed)
{
	uint32_t word[64];
	size_t k = 0, o = 0;
	*changed = 0;
	for (size_t i = 0, len = 0; i <= n; i += len) {
		uint32_t c = i < n ? utf8_get(s + i, n - i, &len) : 0;
		if (i == n)
			len = 1;
		if (c != 0 && c != ' ' && k < DC_ARRAY_LEN(word)) {
			word[k++] = c;
			continue;
		}
		if (k >= 2)
			*changed |=
			        retone_pair(k >= 3 ? word[k - 3] : 0, &word[k - 2], &word[k - 1]);
		for (size_t j = 0; j < k; j++)
			utf8_put(word[j], out, cap, &o);
		k = 0;
		if (c != 0)
			utf8_put(c, out, cap, &o);
	}
	if (cap)
		out[o] = '\0';
	return o;
}
