/*
 * text.c — Vietnamese text normalisation with utf8proc.
 *
 * Keys are built on code points: the text is decomposed (NFD) and case
 * folded, split into words at white space, and each word's tone mark (one of
 * the five: grave, acute, tilde, hook above, dot below) is taken out and put
 * back after the word's last vowel. Old-style "hoà" and new-style "hòa" thus
 * give the same key, while different tones ("hà", "hạ") stay different. The
 * vowel-quality marks (circumflex, breve, horn) never move. The key is then
 * recomposed (NFC). The ASCII key drops every mark and maps đ to d.
 */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "dancu/text.h"

#include "core/internal.h"

bool dc_text_valid_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned char c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		uint32_t cp, min;
		if (c >= 0xC2 && c <= 0xDF) {
			len = 2, cp = c & 0x1F, min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			len = 3, cp = c & 0x0F, min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += len;
	}
	return true;
}

static int is_space(int32_t c)
{
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
		return 1;
	return c > 0x7f && utf8proc_category(c) == UTF8PROC_CATEGORY_ZS;
}

static int is_tone(int32_t c)
{
	return c == 0x0300 || c == 0x0301 || c == 0x0303 || c == 0x0309 || c == 0x0323;
}

static int is_vowel(int32_t c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

static int is_mark(int32_t c)
{
	utf8proc_category_t k = utf8proc_category(c);
	return k == UTF8PROC_CATEGORY_MN || k == UTF8PROC_CATEGORY_MC || k == UTF8PROC_CATEGORY_ME;
}

/* Decodes s into code points with the given utf8proc options. Caller frees
 * *out. Returns the count, or a negative dc error. */
static int decode(const char *s, size_t n, utf8proc_option_t opts, int32_t **out, ssize_t *count)
{
	if (!dc_text_valid_utf8(s, n))
		return DC_ERR_INVALID;
	ssize_t need =
	        utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, NULL, 0, opts);
	if (need < 0)
		return DC_ERR_INVALID;
	int32_t *buf = malloc(sizeof(int32_t) * ((size_t)need + 1));
	if (!buf)
		return DC_ERR_NOMEM;
	ssize_t got = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, buf,
	                                 need, opts);
	if (got < 0 || got > need) {
		free(buf);
		return DC_ERR_INVALID;
	}
	*out = buf;
	*count = got;
	return DC_OK;
}

/* Recomposes n code points (NFC) and appends them to out. Consumes buf.
 * reorder: the marks may be out of canonical order (after tone moves), so
 * normalise the whole string again instead of composing in place. */
static int emit(int32_t *buf, ssize_t n, struct dc_buf *out, int reorder)
{
	int rc;
	if (!reorder) {
		ssize_t m = utf8proc_reencode(buf, n, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
		rc = m < 0 ? DC_ERR_INVALID : dc_buf_add(out, buf, (size_t)m);
		free(buf);
		return rc;
	}
	ssize_t m = utf8proc_reencode(buf, n, UTF8PROC_STABLE);
	utf8proc_uint8_t *nfc = NULL;
	ssize_t k = m < 0 ? -1
	                  : utf8proc_map((const utf8proc_uint8_t *)buf, m, &nfc,
	                                 UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	rc = k < 0 ? DC_ERR_INVALID : dc_buf_add(out, nfc, (size_t)k);
	free(nfc);
	free(buf);
	return rc;
}

static int emit_nfc(int32_t *buf, ssize_t n, struct dc_buf *out)
{
	return emit(buf, n, out, 0);
}

/* Collapses white space runs to one space and trims, in place. */
static ssize_t collapse(int32_t *b, ssize_t n)
{
	ssize_t w = 0;
	int pending = 0;
	for (ssize_t i = 0; i < n; i++) {
		if (is_space(b[i])) {
			pending = w > 0;
			continue;
		}
		if (pending)
			b[w++] = ' ';
		pending = 0;
		b[w++] = b[i];
	}
	return w;
}

int dc_text_clean(const char *s, size_t n, struct dc_buf *out)
{
	int32_t *b;
	ssize_t m;
	int rc = decode(s, n, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE, &b, &m);
	if (rc)
		return rc;
	return emit_nfc(b, collapse(b, m), out);
}

/* Moves each word's tone mark after its last vowel (see the file comment). */
static void canon_tones(int32_t *b, ssize_t n)
{
	ssize_t start = 0;
	while (start < n) {
		ssize_t end = start;
		while (end < n && b[end] != ' ')
			end++;
		int32_t tone = 0;
		ssize_t w = start;
		for (ssize_t i = start; i < end; i++) {
			if (is_tone(b[i]))
				tone = b[i];
			else
				b[w++] = b[i];
		}
		if (tone) {
			/* After the last vowel and the marks that follow it. */
			ssize_t at = -1;
			for (ssize_t i = start; i < w; i++)
				if (is_vowel(b[i]))
					at = i;
			if (at < 0)
				at = w - 1;
			at++;
			while (at < w && is_mark(b[at]))
				at++;
			memmove(b + at + 1, b + at, sizeof(int32_t) * (size_t)(w - at));
			b[at] = tone;
			w++;
		}
		/* Fill the gap left by removed tones (w ≤ end). */
		if (w < end) {
			memmove(b + w, b + end, sizeof(int32_t) * (size_t)(n - end));
			n -= end - w;
			end = w;
		}
		start = end + 1;
	}
}

static ssize_t key_points(const char *s, size_t n, int32_t **b, int *rc)
{
	ssize_t m;
	*rc = decode(s, n, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD, b, &m);
	if (*rc)
		return 0;
	m = collapse(*b, m);
	/* canon_tones keeps the length (moves, never adds or drops). */
	canon_tones(*b, m);
	return m;
}

int dc_text_key(const char *s, size_t n, struct dc_buf *out)
{
	int32_t *b;
	int rc;
	ssize_t m = key_points(s, n, &b, &rc);
	if (rc)
		return rc;
	return emit(b, m, out, 1);
}

int dc_text_key_ascii(const char *s, size_t n, struct dc_buf *out)
{
	int32_t *b;
	ssize_t m;
	int rc = decode(s, n, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD, &b, &m);
	if (rc)
		return rc;
	/* Drop the marks first: a mark standing alone after a space would
	 * otherwise leave that space behind at the edge. */
	ssize_t w = 0;
	for (ssize_t i = 0; i < m; i++) {
		if (is_mark(b[i]))
			continue;
		b[w++] = b[i] == 0x0111 ? 'd' : b[i];
	}
	return emit_nfc(b, collapse(b, w), out);
}

bool dc_text_is_name(const char *s, size_t n)
{
	int32_t *b;
	ssize_t m;
	if (n == 0 || n > 200)
		return false;
	if (decode(s, n, UTF8PROC_STABLE, &b, &m))
		return false;
	int letters = 0;
	bool ok = true;
	for (ssize_t i = 0; i < m && ok; i++) {
		int32_t c = b[i];
		utf8proc_category_t k = utf8proc_category(c);
		if (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO)
			letters++;
		else if (is_mark(c) || c == ' ' || c == '\'' || c == '-' || c == '.' || c == 0x2019)
			continue;
		else
			ok = false;
	}
	free(b);
	return ok && letters > 0;
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
		return "different";
	}
	return "different";
}

#define MAX_WORDS 16

/* Splits an ASCII key into words (pointers into s, which is modified). */
static size_t words(char *s, char **w)
{
	size_t n = 0;
	char *p = s;
	while (*p && n < MAX_WORDS) {
		w[n++] = p;
		char *sp = strchr(p, ' ');
		if (!sp)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Partial: ≥ 2 words each, same surname and given name, or the same words
 * in another order. On ASCII keys. */
static int partial_match(char *a, char *b)
{
	char *wa[MAX_WORDS], *wb[MAX_WORDS];
	size_t na = words(a, wa), nb = words(b, wb);
	if (na < 2 || nb < 2)
		return 0;
	if (!strcmp(wa[0], wb[0]) && !strcmp(wa[na - 1], wb[nb - 1]))
		return 1;
	if (na != nb)
		return 0;
	qsort(wa, na, sizeof(char *), cmp_str);
	qsort(wb, nb, sizeof(char *), cmp_str);
	for (size_t i = 0; i < na; i++)
		if (strcmp(wa[i], wb[i]))
			return 0;
	return 1;
}

static int buf_eq(const struct dc_buf *a, const struct dc_buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
}

int dc_name_compare(const char *a, size_t alen, const char *b, size_t blen)
{
	struct dc_buf x = DC_BUF_INIT, y = DC_BUF_INIT;
	int32_t *p;
	ssize_t m;
	int rc;
	/* exact: NFC only */
	if ((rc = decode(a, alen, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE, &p, &m)) ||
	    (rc = emit_nfc(p, m, &x)))
		goto cleanup;
	if ((rc = decode(b, blen, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE, &p, &m)) ||
	    (rc = emit_nfc(p, m, &y)))
		goto cleanup;
	if (buf_eq(&x, &y)) {
		rc = DC_NAME_EXACT;
		goto cleanup;
	}
	dc_buf_reset(&x);
	dc_buf_reset(&y);
	if ((rc = dc_text_key(a, alen, &x)) || (rc = dc_text_key(b, blen, &y)))
		goto cleanup;
	if (buf_eq(&x, &y)) {
		rc = DC_NAME_NORMALISED;
		goto cleanup;
	}
	dc_buf_reset(&x);
	dc_buf_reset(&y);
	if ((rc = dc_text_key_ascii(a, alen, &x)) || (rc = dc_text_key_ascii(b, blen, &y)))
		goto cleanup;
	if (buf_eq(&x, &y)) {
		rc = DC_NAME_NO_DIACRITICS;
		goto cleanup;
	}
	if ((rc = dc_buf_error(&x)) || (rc = dc_buf_error(&y)))
		goto cleanup;
	rc = x.len && y.len && partial_match(x.ptr, y.ptr) ? DC_NAME_PARTIAL : DC_NAME_DIFFERENT;
cleanup:
	dc_buf_release(&x);
	dc_buf_release(&y);
	return rc;
}
