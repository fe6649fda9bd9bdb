/*
 * dancu/pin.h — the 12-digit personal identification number (số định danh
 * cá nhân).
 *
 * Structure (Decree 137/2015 Art. 13; ../shared/domain/id-number-and-card.md):
 *   PPP G YY RRRRRR — PPP the province of birth registration (001–096, one of
 *   63 codes) or a country code (101–295) for births registered abroad; G the
 *   century and sex (even = male, odd = female; 0/1 = 1900s, 2/3 = 2000s, …);
 *   YY the last two digits of the birth year; six random digits. There is no
 *   check digit.
 *
 * Parsing extracts information; it never rejects a number only because its
 * prefix is unknown (that is a warning). A number is kept as 12 characters,
 * never as an integer (leading zeros matter).
 *
 * The prefix table comes from struct dc_units (see units.h). Functions here are
 * pure and thread-safe; dc_pin_random uses the operating system's CSPRNG.
 */
#ifndef DANCU_PIN_H
#define DANCU_PIN_H

#include <stdbool.h>
#include <stddef.h>

#include "dancu/date.h"

struct dc_units;

struct dc_pin {
	char d[13]; /* 12 ASCII digits + NUL */
};

enum dc_sex { DC_SEX_UNKNOWN = 0, DC_SEX_MALE = 'M', DC_SEX_FEMALE = 'F' };

enum dc_pin_origin {
	DC_PIN_ORIGIN_UNKNOWN = 0, /* prefix in no table we know: a warning, not an error */
	DC_PIN_ORIGIN_PROVINCE,    /* 001–096 and in the 63-code table */
	DC_PIN_ORIGIN_ABROAD       /* 101–295: country code of a birth registered abroad */
};

struct dc_pin_info {
	int prefix;                /* 0–999 */
	enum dc_pin_origin origin; /* how the prefix reads */
	char province_2025[3];     /* 2-digit 2025 province the old prefix now belongs to, or "" */
	int birth_year;            /* from G and YY */
	enum dc_sex sex;           /* from G */
};

/* Parses exactly 12 ASCII digits (n bytes at s; surrounding spaces are NOT
 * trimmed). Returns DC_OK or DC_ERR_INVALID. */
int dc_pin_parse(const char *s, size_t n, struct dc_pin *out);

/* Decodes the structure. units may be NULL (then origin is never PROVINCE and
 * province_2025 is empty). Always succeeds for a parsed pin. */
void dc_pin_decode(const struct dc_pin *pin, const struct dc_units *units, struct dc_pin_info *out);

/* Builds a number from its parts: prefix 0–999, birth year 1900–2399, sex,
 * and the 6-digit random part 0–999999. Returns DC_OK or DC_ERR_INVALID. */
int dc_pin_make(int prefix, int birth_year, enum dc_sex sex, unsigned random6, struct dc_pin *out);

/* Six random digits (0–999999) from the OS CSPRNG (libsodium randombytes),
 * uniform. Use for allocation; the store enforces uniqueness and never
 * reuses a cancelled number. */
unsigned dc_pin_random6(void);

#endif
