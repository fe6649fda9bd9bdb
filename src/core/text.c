/*
 * text.c — Vietnamese text: UTF-8 validation, cleaning, comparison keys and
 * name comparison, on top of utf8proc.
 *
 * Everything but validation works on arrays of code points: the input is
 * decomposed (NFD, which also puts combining marks in canonical order),
 * changed, and recomposed (NFC) on the way out. ASCII input, the bulk of
 * bank and card files, takes a byte-level shortcut that gives the same
 * result without utf8proc.
 *
 * Tone marks. Vietnamese has five tone marks (U+0300 grave, U+0301 acute,
 * U+0303 tilde, U+0309 hook above, U+0323 dot below) besides the marks that
 * make a different vowel (U+0302 circumflex, U+0306 breve, U+031B horn).
 * Writers disagree on which vowel of "oa", "oe", "uy" takes the tone
 * ("hoá"/"hóa", "thuỷ"/"thủy"), and sloppy input puts it anywhere. For the
 * key, each word (a maximal run of letters and combining marks) that looks
 * like one Vietnamese syllable gets its tone taken out and put back on one
 * canonical vowel, so every placement gives the same key, while different
 * tones ("hà", "hạ") and different vowels ("hoà", "hoè") stay different.
 * Putting the tone back on a vowel, rather than appending a marker, keeps the
 * key readable NFC Vietnamese ("thanh hoá").
 *
 * A word is taken for a syllable when it carries exactly one tone mark and,
 * without it, exactly one run of vowel letters (a e i o u y, with or without
 * quality marks). Foreign words with several vowel runs ("Hélène", "María")
 * and anything with two tone marks keep their marks where they are. The
 * canonical vowel follows the "new style", the one the 2025 decision on
 * administrative units is spelt in ("Thanh Hoá", "Khánh Hoà"):
 *   1. "qu" and "gi" before another vowel are consonants ("quý", "giá");
 *   2. a vowel with a circumflex, breve or horn takes the tone, the last one
 *      if there are two ("người", "tiếng", "hữu");
 *   3. in a closed syllable (letters follow the vowels) the last vowel
 *      ("hoàng", "huỳnh");
 *   4. otherwise one vowel takes it; of two, the second of "oa", "oe", "uy"
 *      ("hoà", "khoẻ", "thuỷ") and the first of any other pair ("của",
 *      "mía", "bùi"); of three or more, the second ("hoài", "khuỷu").
 *
 * The ASCII key is derived from the normalised key (so names equal at the
 * normalised level are always equal at the ASCII level): compatibility
 * decomposition, every mark dropped, a few letters without a decomposition
 * transliterated (đ → d, ø → o, æ → ae, ...), and any other non-ASCII code
 * point written as "<u+XXXX>", which keeps the key ASCII and distinct and
 * cannot collide with a valid name (dc_text_is_name rejects '<').
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "dancu/text.h"

#include "core/internal.h"

/* Longest name dc_text_is_name accepts, in bytes. */
#define NAME_MAX_BYTES 200

/* Longest vowel run treated as a syllable nucleus; Vietnamese has at most 3. */
#define MAX_VOWELS 4

/* Code points being worked on. p has room for n + 1 entries because
 * utf8proc_reencode writes a terminating NUL byte after its output. */
struct cps {
	int32_t *p;
	size_t n;
};

/* --- UTF-8 ---------------------------------------------------------------- */

/* Length of the sequence a byte c >= 0x80 leads, the payload bits it carries
 * and the smallest code point the length may encode (less is overlong); 0
 * for a byte that cannot lead (continuation bytes, C0, C1, F5–FF). */
static size_t lead(unsigned char c, uint32_t *bits, uint32_t *min)
{
	if (c >= 0xC2 && c <= 0xDF) {
		*bits = c & 0x1Fu;
		*min = 0x80;
		return 2;
	}
	if (c >= 0xE0 && c <= 0xEF) {
		*bits = c & 0x0Fu;
		*min = 0x800;
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		*bits = c & 0x07u;
		*min = 0x10000;
		return 4;
	}
	return 0;
}

bool dc_text_valid_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		uint32_t cp, min;
		size_t len;
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		len = lead(p[i], &cp, &min);
		if (len == 0 || len > n - i)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3Fu);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += len;
	}
	return true;
}

static bool is_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

/* --- character classes ---------------------------------------------------- */

/* ASCII white space, NEL, and the Unicode space and separator categories
 * (NBSP, ideographic space, line and paragraph separators, ...). */
static bool is_space(int32_t c)
{
	if (c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85)
		return true;
	if (c < 0x80)
		return false;
	utf8proc_category_t k = utf8proc_category(c);
	return k == UTF8PROC_CATEGORY_ZS || k == UTF8PROC_CATEGORY_ZL || k == UTF8PROC_CATEGORY_ZP;
}

static bool is_letter(int32_t c)
{
	utf8proc_category_t k = utf8proc_category(c);
	return k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO;
}

static bool is_mark(int32_t c)
{
	utf8proc_category_t k = utf8proc_category(c);
	return k == UTF8PROC_CATEGORY_MN || k == UTF8PROC_CATEGORY_MC || k == UTF8PROC_CATEGORY_ME;
}

/* The five tone marks (huyền, sắc, ngã, hỏi, nặng). */
static bool is_tone(int32_t c)
{
	return c == 0x0300 || c == 0x0301 || c == 0x0303 || c == 0x0309 || c == 0x0323;
}

/* The marks that change the vowel: â ê ô (circumflex), ă (breve), ơ ư (horn). */
static bool is_quality(int32_t c)
{
	return c == 0x0302 || c == 0x0306 || c == 0x031B;
}

/* Base vowel letters, after case folding and decomposition. */
static bool is_vowel(int32_t c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

static int ccc(int32_t c)
{
	return utf8proc_get_property(c)->combining_class;
}

/* --- decoding and encoding ------------------------------------------------ */

/* Validates the n bytes at s and decomposes them with utf8proc options opts
 * (which must include UTF8PROC_DECOMPOSE). On DC_OK the caller frees out->p. */
static int decode(const char *s, size_t n, utf8proc_option_t opts, struct cps *out)
{
	const utf8proc_uint8_t *u = (const utf8proc_uint8_t *)s;
	utf8proc_ssize_t need, got;
	if (!dc_text_valid_utf8(s, n))
		return DC_ERR_INVALID;
	if (n > (size_t)INT32_MAX / 8)
		return DC_ERR_TOO_LARGE;
	need = utf8proc_decompose(u, (utf8proc_ssize_t)n, NULL, 0, opts);
	if (need < 0)
		return DC_ERR_INVALID;
	out->p = malloc(sizeof(*out->p) * ((size_t)need + 1));
	if (!out->p)
		return DC_ERR_NOMEM;
	got = utf8proc_decompose(u, (utf8proc_ssize_t)n, out->p, need, opts);
	if (got != need) {
		free(out->p);
		out->p = NULL;
		return DC_ERR_INVALID;
	}
	out->n = (size_t)got;
	return DC_OK;
}

/* Recomposes c (decomposed, marks in canonical order) to NFC and appends the
 * UTF-8 to out. utf8proc encodes in place: c->p no longer holds code points
 * afterwards, only free it. */
static int emit_nfc(struct cps *c, struct dc_buf *out)
{
	utf8proc_ssize_t m =
	        utf8proc_reencode(c->p, (utf8proc_ssize_t)c->n, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (m < 0)
		return DC_ERR_INVALID;
	return dc_buf_add(out, c->p, (size_t)m);
}

/* Collapses each run of white space to one U+0020 and drops white space at
 * both ends, in place. */
static void collapse(struct cps *c)
{
	size_t w = 0;
	bool gap = false;
	for (size_t i = 0; i < c->n; i++) {
		if (is_space(c->p[i])) {
			gap = w > 0;
			continue;
		}
		if (gap)
			c->p[w++] = ' ';
		gap = false;
		c->p[w++] = c->p[i];
	}
	c->n = w;
}

/* The whole of clean (lower == false) or key (lower == true) for ASCII
 * input, where decomposition, case folding and tone marks reduce to
 * collapsing white space and lower-casing A–Z. Must agree with the code
 * point path byte for byte (the tests compare the two). */
static int ascii_fast(const char *s, size_t n, bool lower, struct dc_buf *out)
{
	int rc = DC_OK;
	bool gap = false, any = false;
	for (size_t i = 0; rc == DC_OK && i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_space(c)) {
			gap = any;
			continue;
		}
		if (gap)
			rc = dc_buf_addc(out, ' ');
		gap = false;
		any = true;
		if (lower && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (rc == DC_OK)
			rc = dc_buf_addc(out, (char)c);
	}
	return rc;
}

int dc_text_clean(const char *s, size_t n, struct dc_buf *out)
{
	struct cps c = {NULL, 0};
	int rc;
	if (is_ascii(s, n))
		return ascii_fast(s, n, false, out);
	rc = decode(s, n, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE, &c);
	if (rc != DC_OK)
		return rc;
	collapse(&c);
	rc = emit_nfc(&c, out);
	free(c.p);
	return rc;
}

/* Appends the NFC form of s, nothing else changed ("exact" level). */
static int nfc(const char *s, size_t n, struct dc_buf *out)
{
	struct cps c = {NULL, 0};
	int rc;
	if (is_ascii(s, n))
		return dc_buf_add(out, s, n);
	rc = decode(s, n, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE, &c);
	if (rc != DC_OK)
		return rc;
	rc = emit_nfc(&c, out);
	free(c.p);
	return rc;
}

/* --- tone placement (see the file comment) -------------------------------- */

/* The vowels of a syllable: positions in the word of the letters of its one
 * vowel run, and whether letters (a final consonant) follow the run. */
struct nucleus {
	size_t at[MAX_VOWELS];
	size_t n;
	bool closed;
};

/* Finds the one vowel run of the word w[0..n) (tone already taken out).
 * false when there is no vowel, more than one run, or a run too long to be
 * Vietnamese. Marks belong to the letter before them and never split runs. */
static bool find_nucleus(const int32_t *w, size_t n, struct nucleus *v)
{
	size_t runs = 0;
	bool in_run = false;
	v->n = 0;
	v->closed = false;
	for (size_t i = 0; i < n; i++) {
		if (is_mark(w[i]))
			continue;
		if (!is_vowel(w[i])) {
			in_run = false;
			v->closed = runs > 0;
			continue;
		}
		if (!in_run)
			runs++;
		if (runs > 1 || v->n == MAX_VOWELS)
			return false;
		in_run = true;
		v->at[v->n++] = i;
	}
	return runs == 1;
}

/* Rule 1: the u of "qu" and the i of "gi" are part of the consonant when
 * another vowel follows ("quý", "giá", but "gì"). */
static void drop_onset_glide(const int32_t *w, struct nucleus *v)
{
	size_t i = v->at[0];
	int32_t first = w[i];
	if (v->n < 2)
		return;
	/* The letter before the run, skipping marks on it. */
	while (i > 0 && is_mark(w[i - 1]))
		i--;
	if (i == 0)
		return;
	if ((w[i - 1] == 'q' && first == 'u') || (w[i - 1] == 'g' && first == 'i')) {
		memmove(v->at, v->at + 1, sizeof(v->at[0]) * (v->n - 1));
		v->n--;
	}
}

/* true when the vowel at w[i] carries a circumflex, breve or horn. */
static bool has_quality(const int32_t *w, size_t n, size_t i)
{
	for (size_t k = i + 1; k < n && is_mark(w[k]); k++)
		if (is_quality(w[k]))
			return true;
	return false;
}

/* Rules 2–4: the position of the vowel that takes the tone. */
static size_t tone_vowel(const int32_t *w, size_t n, const struct nucleus *v)
{
	for (size_t k = v->n; k-- > 0;)
		if (has_quality(w, n, v->at[k]))
			return v->at[k];
	if (v->closed || v->n == 1)
		return v->at[v->n - 1];
	if (v->n == 2) {
		int32_t a = w[v->at[0]], b = w[v->at[1]];
		bool glide = (a == 'o' && (b == 'a' || b == 'e')) || (a == 'u' && b == 'y');
		return glide ? v->at[1] : v->at[0];
	}
	return v->at[1];
}

/* Inserts mark t into w[0..n) (room for n + 1) on the letter at w[i]: after
 * the marks already there, then left past those of a higher combining class,
 * which is where canonical ordering puts it (dot below, class 220, goes
 * before a circumflex, 230, but after a horn, 216). */
static void put_mark(int32_t *w, size_t n, size_t i, int32_t t)
{
	size_t at = i + 1;
	int cc = ccc(t);
	while (at < n && is_mark(w[at]))
		at++;
	while (at > i + 1 && ccc(w[at - 1]) > cc)
		at--;
	memmove(w + at + 1, w + at, sizeof(*w) * (n - at));
	w[at] = t;
}

/* Moves the tone mark of the word w[0..n) to its canonical vowel, or leaves
 * the word alone when it is not a syllable. The length never changes. */
static void canon_word(int32_t *w, size_t n)
{
	size_t ti = 0, tones = 0;
	struct nucleus v;
	int32_t t;
	for (size_t i = 0; i < n; i++) {
		if (is_tone(w[i])) {
			tones++;
			ti = i;
		}
	}
	if (tones != 1)
		return;
	t = w[ti];
	memmove(w + ti, w + ti + 1, sizeof(*w) * (n - ti - 1));
	if (!find_nucleus(w, n - 1, &v)) {
		memmove(w + ti + 1, w + ti, sizeof(*w) * (n - ti - 1));
		w[ti] = t;
		return;
	}
	drop_onset_glide(w, &v);
	put_mark(w, n - 1, tone_vowel(w, n - 1, &v), t);
}

/* Applies canon_word to every word: maximal runs of letters and marks. */
static void canon_tones(struct cps *c)
{
	size_t i = 0;
	while (i < c->n) {
		size_t start = i;
		while (i < c->n && (is_letter(c->p[i]) || is_mark(c->p[i])))
			i++;
		if (i > start)
			canon_word(c->p + start, i - start);
		else
			i++;
	}
}

/* Ð (U+00D0, eth) and Ɖ (U+0189, African D) look exactly like Đ, and text
 * converted from legacy Vietnamese encodings often has them in its place.
 * After case folding they are ð and ɖ; the key treats both as đ. */
static void fold_d(struct cps *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->p[i] == 0x00F0 || c->p[i] == 0x0256)
			c->p[i] = 0x0111;
}

/* The code points of the normalised key, before recomposition: decomposed,
 * case folded, default-ignorable code points (zero-width spaces, soft
 * hyphens, ...) removed, white space collapsed, tones placed. */
static int key_points(const char *s, size_t n, struct cps *c)
{
	int rc = decode(s, n,
	                UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE,
	                c);
	if (rc != DC_OK)
		return rc;
	fold_d(c);
	collapse(c);
	canon_tones(c);
	return DC_OK;
}

int dc_text_key(const char *s, size_t n, struct dc_buf *out)
{
	struct cps c = {NULL, 0};
	int rc;
	if (is_ascii(s, n))
		return ascii_fast(s, n, true, out);
	rc = key_points(s, n, &c);
	if (rc != DC_OK)
		return rc;
	rc = emit_nfc(&c, out);
	free(c.p);
	return rc;
}

/* --- the ASCII key ------------------------------------------------------- */

/* Letters with no decomposition to an ASCII letter, and look-alikes of the
 * apostrophe and hyphen that names are written with. Lower case (the input
 * is case folded), sorted by code point. */
static const struct translit {
	int32_t cp;
	const char *ascii;
} translits[] = {
        {0x00E6, "ae"}, {0x00F0, "d"}, {0x00F8, "o"},  {0x00FE, "th"}, {0x0111, "d"}, {0x0127, "h"},
        {0x0131, "i"},  {0x0142, "l"}, {0x014B, "ng"}, {0x0153, "oe"}, {0x0167, "t"}, {0x0180, "b"},
        {0x0254, "o"},  {0x0256, "d"}, {0x0259, "e"},  {0x025B, "e"},  {0x02BC, "'"}, {0x2010, "-"},
        {0x2012, "-"},  {0x2013, "-"}, {0x2014, "-"},  {0x2015, "-"},  {0x2018, "'"}, {0x2019, "'"},
        {0x201B, "'"},  {0x2032, "'"}, {0x2212, "-"},
};

static int cmp_translit(const void *key, const void *elem)
{
	int32_t a = *(const int32_t *)key, b = ((const struct translit *)elem)->cp;
	return (a > b) - (a < b);
}

/* Appends code point c as ASCII (see the file comment). */
static int put_ascii(int32_t c, struct dc_buf *out)
{
	const struct translit *t;
	if (c < 0x80)
		return dc_buf_addc(out, (char)c);
	t = bsearch(&c, translits, DC_ARRAY_LEN(translits), sizeof(translits[0]), cmp_translit);
	if (t)
		return dc_buf_adds(out, t->ascii);
	return dc_buf_addf(out, "<u+%04x>", (unsigned)c);
}

/* Appends the ASCII key of a normalised key k (kn bytes). */
static int ascii_of_key(const char *k, size_t kn, struct dc_buf *out)
{
	struct cps c = {NULL, 0};
	int rc;
	/* An ASCII key is already lower case with collapsed white space. */
	if (is_ascii(k, kn))
		return dc_buf_add(out, k, kn);
	rc = decode(k, kn,
	            UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
	                    UTF8PROC_IGNORE | UTF8PROC_STRIPMARK,
	            &c);
	if (rc != DC_OK)
		return rc;
	/* Compatibility forms may bring spaces ("¨" is " ̈"), and marks that
	 * stood alone between spaces leave two spaces behind. */
	collapse(&c);
	for (size_t i = 0; rc == DC_OK && i < c.n; i++)
		rc = put_ascii(c.p[i], out);
	free(c.p);
	return rc;
}

int dc_text_key_ascii(const char *s, size_t n, struct dc_buf *out)
{
	struct dc_buf key = DC_BUF_INIT;
	int rc;
	if (is_ascii(s, n))
		return ascii_fast(s, n, true, out);
	rc = dc_text_key(s, n, &key);
	if (rc == DC_OK)
		rc = ascii_of_key(dc_buf_str(&key), key.len, out);
	dc_buf_release(&key);
	return rc;
}

/* --- names ---------------------------------------------------------------- */

bool dc_text_is_name(const char *s, size_t n)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t i = 0, letters = 0;
	bool on_letter = false; /* a combining mark must sit on a letter */
	if (n == 0 || n > NAME_MAX_BYTES || !dc_text_valid_utf8(s, n))
		return false;
	while (i < n) {
		utf8proc_int32_t c;
		utf8proc_ssize_t len = utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &c);
		if (len <= 0)
			return false;
		i += (size_t)len;
		if (is_letter(c)) {
			letters++;
			on_letter = true;
		} else if (is_mark(c)) {
			if (!on_letter)
				return false;
		} else if (c == ' ' || c == '\'' || c == 0x2019 || c == '-' || c == '.') {
			on_letter = false;
		} else {
			return false;
		}
	}
	return letters > 0;
}

const char *dc_name_match_code(enum dc_name_match m)
{
	switch (m) {
	case DC_NAME_EXACT:
		return "exact";
	case DC_NAME_NORMALISED:
		return "normalised";
	case DC_NAME_NO_DIACRITICS:
		return "no_diacritics";
	case DC_NAME_PARTIAL:
		return "partial";
	case DC_NAME_DIFFERENT:
		break;
	}
	/* Out-of-range values (an error code passed by mistake) read as the
	 * weakest level rather than NULL. */
	return "different";
}

struct word {
	const char *p;
	size_t n;
};

/* Splits an ASCII key (single spaces, none at the ends) into words. w may
 * be NULL to only count them. */
static size_t split_words(const char *s, size_t n, struct word *w)
{
	size_t count = 0, start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != ' ')
			continue;
		if (i > start) {
			if (w) {
				w[count].p = s + start;
				w[count].n = i - start;
			}
			count++;
		}
		start = i + 1;
	}
	return count;
}

static bool word_eq(const struct word *a, const struct word *b)
{
	return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

static int cmp_word(const void *x, const void *y)
{
	const struct word *a = x, *b = y;
	int c = memcmp(a->p, b->p, a->n < b->n ? a->n : b->n);
	if (c != 0)
		return c;
	return (a->n > b->n) - (a->n < b->n);
}

/* Decides PARTIAL on the ASCII keys a and b (already known to differ):
 * both have at least two words, and either
 *   - the first words (surname) are equal and the last words (given name)
 *     are equal: middle names differ, are missing or are extra
 *     ("nguyen van an" / "nguyen an", "nguyen van an" / "nguyen thi an"); or
 *   - the words are the same, counted with repeats, in another order
 *     ("nguyen van an" / "nguyen an van", "an nguyen" / "nguyen an").
 * The test is symmetric. Sets *partial; returns DC_OK or DC_ERR_NOMEM. */
static int partial(const struct dc_buf *a, const struct dc_buf *b, bool *partial_out)
{
	struct word *wa = NULL, *wb = NULL;
	size_t na = split_words(dc_buf_str(a), a->len, NULL);
	size_t nb = split_words(dc_buf_str(b), b->len, NULL);
	int rc = DC_OK;
	*partial_out = false;
	if (na < 2 || nb < 2)
		goto cleanup;
	wa = malloc(sizeof(*wa) * na);
	wb = malloc(sizeof(*wb) * nb);
	if (!wa || !wb) {
		rc = DC_ERR_NOMEM;
		goto cleanup;
	}
	split_words(dc_buf_str(a), a->len, wa);
	split_words(dc_buf_str(b), b->len, wb);
	if (word_eq(&wa[0], &wb[0]) && word_eq(&wa[na - 1], &wb[nb - 1])) {
		*partial_out = true;
		goto cleanup;
	}
	if (na != nb)
		goto cleanup;
	qsort(wa, na, sizeof(*wa), cmp_word);
	qsort(wb, nb, sizeof(*wb), cmp_word);
	*partial_out = true;
	for (size_t i = 0; i < na && *partial_out; i++)
		*partial_out = word_eq(&wa[i], &wb[i]);
cleanup:
	free(wa);
	free(wb);
	return rc;
}

static bool buf_eq(const struct dc_buf *a, const struct dc_buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
}

/* Puts fn's form of a into x and of b into y, both emptied first. */
static int both(int (*fn)(const char *, size_t, struct dc_buf *), const char *a, size_t alen,
                const char *b, size_t blen, struct dc_buf *x, struct dc_buf *y)
{
	int rc;
	dc_buf_reset(x);
	dc_buf_reset(y);
	rc = fn(a, alen, x);
	if (rc == DC_OK)
		rc = fn(b, blen, y);
	return rc;
}

/* Each level is tried from strict to loose on forms that only get looser
 * (the ASCII keys are made from the normalised keys), so the first level
 * that matches is the answer. */
int dc_name_compare(const char *a, size_t alen, const char *b, size_t blen)
{
	struct dc_buf x = DC_BUF_INIT, y = DC_BUF_INIT, xa = DC_BUF_INIT, ya = DC_BUF_INIT;
	bool is_partial = false;
	int rc;
	if (!dc_text_valid_utf8(a, alen) || !dc_text_valid_utf8(b, blen))
		return DC_ERR_INVALID;
	rc = both(nfc, a, alen, b, blen, &x, &y);
	if (rc != DC_OK || buf_eq(&x, &y))
		goto cleanup; /* rc is DC_OK, which is DC_NAME_EXACT */
	rc = both(dc_text_key, a, alen, b, blen, &x, &y);
	if (rc == DC_OK && buf_eq(&x, &y))
		rc = DC_NAME_NORMALISED;
	if (rc != DC_OK)
		goto cleanup;
	rc = both(ascii_of_key, dc_buf_str(&x), x.len, dc_buf_str(&y), y.len, &xa, &ya);
	if (rc == DC_OK && buf_eq(&xa, &ya))
		rc = DC_NAME_NO_DIACRITICS;
	if (rc != DC_OK)
		goto cleanup;
	rc = partial(&xa, &ya, &is_partial);
	if (rc == DC_OK)
		rc = is_partial ? DC_NAME_PARTIAL : DC_NAME_DIFFERENT;
cleanup:
	dc_buf_release(&x);
	dc_buf_release(&y);
	dc_buf_release(&xa);
	dc_buf_release(&ya);
	return rc;
}
