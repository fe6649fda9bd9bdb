/*
 * pin.c — the 12-digit personal identification number: parse, decode,
 * build, and the random part of a new number.
 *
 * Decoding follows Decree 137/2015 Art. 13: year = (19 + G/2) * 100 + YY,
 * female when G is odd. An unknown prefix is reported as
 * DC_PIN_ORIGIN_UNKNOWN, never as an error: numbers are never rejected only
 * for their prefix (the prefix is the *historical* place of birth
 * registration; the current province must not be derived from it except
 * through the old→2025 mapping table).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "dancu/pin.h"
#include "dancu/units.h"

#include "core/internal.h"

int dc_pin_parse(const char *s, size_t n, struct dc_pin *out)
{
	if (n != 12)
		return DC_ERR_INVALID;
	for (size_t i = 0; i < 12; i++)
		if (s[i] < '0' || s[i] > '9')
			return DC_ERR_INVALID;
	memcpy(out->d, s, 12);
	out->d[12] = '\0';
	return DC_OK;
}

void dc_pin_decode(const struct dc_pin *pin, const struct dc_units *units, struct dc_pin_info *out)
{
	const char *d = pin->d;
	int g = d[3] - '0';
	memset(out, 0, sizeof(*out));
	out->prefix = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
	out->birth_year = (19 + g / 2) * 100 + (d[4] - '0') * 10 + (d[5] - '0');
	out->sex = (g % 2) ? DC_SEX_FEMALE : DC_SEX_MALE;
	out->origin = DC_PIN_ORIGIN_UNKNOWN;
	if (out->prefix >= 101 && out->prefix <= 295) {
		out->origin = DC_PIN_ORIGIN_ABROAD;
	} else if (units) {
		const struct dc_province *p = dc_units_pin_prefix(units, out->prefix, NULL);
		if (p) {
			out->origin = DC_PIN_ORIGIN_PROVINCE;
			memcpy(out->province_2025, p->code, sizeof(out->province_2025));
		}
	}
}

int dc_pin_make(int prefix, int birth_year, enum dc_sex sex, unsigned random6, struct dc_pin *out)
{
	if (prefix < 0 || prefix > 999 || birth_year < 1900 || birth_year > 2399 ||
	    random6 > 999999)
		return DC_ERR_INVALID;
	if (sex != DC_SEX_MALE && sex != DC_SEX_FEMALE)
		return DC_ERR_INVALID;
	int g = (birth_year / 100 - 19) * 2 + (sex == DC_SEX_FEMALE);
	snprintf(out->d, sizeof(out->d), "%03d%d%02d%06u", prefix, g, birth_year % 100, random6);
	return DC_OK;
}

unsigned dc_pin_random6(void)
{
	/* randombytes_uniform avoids modulo bias; sodium_init is idempotent and
	 * thread-safe, and randombytes works even before it on Linux
	 * (getrandom), so a failure here is not fatal. */
	if (sodium_init() < 0) {
		/* randombytes_uniform still reads getrandom(); go on. */
	}
	return (unsigned)randombytes_uniform(1000000);
}
