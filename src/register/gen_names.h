/*
 * gen_names.h — internal to the synthetic population generator (gen.c):
 * the weighted tables of Vietnamese surnames, middle names and given names,
 * and the spelling variations a near-duplicate's name goes through
 * (diacritics removed, upper case, the other tone-mark placement).
 *
 * Not a public API: only gen.c includes it.
 */
#ifndef DANCU_GEN_NAMES_H
#define DANCU_GEN_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* A name with two weights: for people born up to about 1970 ("old") and
 * from about 2000 ("new"); births in between mix the two. Weights are
 * relative, in tenths of a per mille or so; only ratios matter. */
struct dc__gen_name {
	const char *s; /* NFC UTF-8 */
	uint16_t w_old;
	uint16_t w_new;
};

struct dc__gen_name_table {
	const struct dc__gen_name *v;
	size_t n;
};

/* Surnames (one weight: the shares do not move by era), middle names and
 * given names by sex. */
extern const struct dc__gen_name_table dc__gen_surnames;
extern const struct dc__gen_name_table dc__gen_middle_m;
extern const struct dc__gen_name_table dc__gen_middle_f;
extern const struct dc__gen_name_table dc__gen_given_m;
extern const struct dc__gen_name_table dc__gen_given_f;

/* The variations below write at most cap - 1 bytes and a NUL into out and
 * return the length written (truncating at a character boundary when out is
 * too small). s is n bytes of valid NFC UTF-8. */

/* Every Vietnamese letter without its marks, Đ/đ as D/d ("Đặng Thị Hoà" →
 * "Dang Thi Hoa"). Other bytes are copied. */
size_t dc__gen_fold_ascii(const char *s, size_t n, char *out, size_t cap);

/* Upper case of ASCII and Vietnamese letters ("Đặng" → "ĐẶNG"). */
size_t dc__gen_upper(const char *s, size_t n, char *out, size_t cap);

/* Moves the tone mark of every word ending in oa/oe/uy (not after q) to the
 * other customary vowel: new style "Hòa", "Thủy" ↔ old style "Hoà", "Thuỷ".
 * Returns the length; *changed is set to 1 when any word changed. */
size_t dc__gen_retone(const char *s, size_t n, char *out, size_t cap, int *changed);

#endif
