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
 * the same key. */
int dc_text_key(const char *s, size_t n, struct dc_buf *out);

/* Appends the "no diacritics" key: the normalised key with every combining
 * mark removed and đ → d ("Đặng Thị Hoà" → "dang thi hoa"). ASCII only. */
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
 * (negative) for invalid UTF-8 in either. */
int dc_name_compare(const char *a, size_t alen, const char *b, size_t blen);

/* Stable code of a match result: "exact", "normalised", "no_diacritics",
 * "partial", "different". Static. */
const char *dc_name_match_code(enum dc_name_match m);

/* true when s (n bytes) is a plausible personal name: valid UTF-8, only
 * letters (any script), combining marks, spaces, and the characters ' - .
 * Non-empty after cleaning, at most 200 bytes. */
bool dc_text_is_name(const char *s, size_t n);

#endif
