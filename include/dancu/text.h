/*
 * dancu/text.h — Vietnamese text: normalisation, folding, name comparison.
 *
 * Vietnamese writes one letter several ways that look the same: precomposed
 * or decomposed (NFC vs NFD), with the tone mark on a different vowel of
 * "oa", "oe", "uy" ("Hoá" / "Hóa", old and new style), upper or lower case,
 * with or without diacritics ("NGUYEN VAN A" on cards and bank files). These
 * functions turn text into comparable keys with utf8proc.
 *
 * Levels of equality, from strict to loose:
 *   exact          byte-equal after nothing but NFC
 *   normalised     equal after NFC, case folding, whitespace collapsing and
 *                  canonical tone-mark placement
 *   no diacritics  equal after also removing every mark and Đ/đ → D/d
 *
 * All output strings are appended to a struct dc_buf the caller owns.
 * Every function is thread-safe. Invalid UTF-8 gives DC_ERR_INVALID.
 */
#ifndef DANCU_TEXT_H
#define DANCU_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "dancu/buf.h"

/* true when the n bytes at s are valid UTF-8 (no overlongs, no surrogates). */
bool dc_text_valid_utf8(const char *s, size_t n);

/* Appends the NFC form of s with runs of white space collapsed to one
 * U+0020 and leading/trailing white space removed: the form dancu stores. */
int dc_text_clean(const char *s, size_t n, struct dc_buf *out);

/* Appends the "normalised" key: clean + lower case + each syllable's tone
 * mark moved to one canonical place, so "Thanh Hoá" and "thanh  hóa" give
 * the same key. The key stays readable NFC Vietnamese, with the tone where
 * the "new style" puts it ("thanh hoá", "thuỷ", "người"); words that are not
 * one Vietnamese syllable (two vowel groups as in "María", or two tone
 * marks) keep their marks in place. Also removes default-ignorable code
 * points (zero-width space, soft hyphen) and reads the look-alikes Ð (U+00D0)
 * and Ɖ (U+0189) as Đ. Idempotent: the key of a key is itself. */
int dc_text_key(const char *s, size_t n, struct dc_buf *out);

/* Appends the "no diacritics" key: the normalised key with every combining
 * mark removed and đ → d ("Đặng Thị Hoà" → "dang thi hoa"). ASCII only:
 * compatibility forms are decomposed ("ﬁ" → "fi"), a few letters without a
 * decomposition are transliterated (ø → o, æ → ae, ł → l, ’ → '), and any
 * other non-ASCII code point is written "<u+XXXX>" (lower-case hex). Equal
 * normalised keys always give equal ASCII keys. */
int dc_text_key_ascii(const char *s, size_t n, struct dc_buf *out);

enum dc_name_match {
	DC_NAME_EXACT = 0,         /* identical (after NFC) */
	DC_NAME_NORMALISED = 1,    /* equal after case/space/tone-placement normalisation */
	DC_NAME_NO_DIACRITICS = 2, /* equal only when diacritics are ignored */
	DC_NAME_PARTIAL = 3,       /* same surname and given name, middle names differ or are
	                              missing, or the same words in another order */
	DC_NAME_DIFFERENT = 4
};

/* Compares a full name a with b. Returns the enum value, or DC_ERR_INVALID
 * (negative) for invalid UTF-8 in either (DC_ERR_NOMEM when out of memory).
 * Symmetric. PARTIAL is decided on the "no diacritics" keys split at spaces:
 * both names have at least two words and either the first words and the last
 * words are equal, or both have the same words (with repeats) in another
 * order ("Nguyễn Văn An" / "Nguyễn An", "Nguyễn An Văn", "NGUYEN AN"). */
int dc_name_compare(const char *a, size_t alen, const char *b, size_t blen);

/* Stable code of a match result: "exact", "normalised", "no_diacritics",
 * "partial", "different". Static. */
const char *dc_name_match_code(enum dc_name_match m);

/* true when s (n bytes) is a plausible personal name: valid UTF-8, only
 * letters (any script), combining marks, spaces, and the characters ' - .
 * Non-empty after cleaning, at most 200 bytes. The only space allowed is
 * U+0020 (repeated or at the ends is fine: cleaning fixes it; tabs, NBSP and
 * line breaks are not); ’ (U+2019) counts as '; a combining mark must follow
 * a letter; at least one letter. */
bool dc_text_is_name(const char *s, size_t n);

#endif
