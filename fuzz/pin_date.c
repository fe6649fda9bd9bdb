/* libFuzzer target: personal ID numbers and dates. Parsing arbitrary bytes
 * must not crash; whatever parses must format back and re-parse to the same
 * value, and decoding a parsed number must give a year in the scheme's range. */
#include <stdint.h>
#include <string.h>

#include "dancu/date.h"
#include "dancu/pin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct dc_pin pin;
	if (dc_pin_parse(s, size, &pin) == 0) {
		struct dc_pin_info info;
		dc_pin_decode(&pin, NULL, &info);
		if (info.birth_year < 1900 || info.birth_year > 2399 || strlen(pin.d) != 12)
			__builtin_trap();
		struct dc_pin again;
		if (dc_pin_make(info.prefix, info.birth_year, info.sex,
		                (unsigned)(pin.d[6] - '0') * 100000 +
		                        (unsigned)(pin.d[7] - '0') * 10000 +
		                        (unsigned)(pin.d[8] - '0') * 1000 +
		                        (unsigned)(pin.d[9] - '0') * 100 +
		                        (unsigned)(pin.d[10] - '0') * 10 +
		                        (unsigned)(pin.d[11] - '0'),
		                &again) ||
		    memcmp(again.d, pin.d, 13))
			__builtin_trap();
	}
	struct dc_date d, e;
	if (dc_date_parse(s, size, &d) == 0) {
		char iso[DC_DATE_ISO_MAX];
		size_t n = dc_date_iso(&d, iso);
		if (!dc_date_valid(&d) || dc_date_parse(iso, n, &e) || memcmp(&d, &e, sizeof d))
			__builtin_trap();
		struct dc_date back = dc_date_from_days(dc_date_to_days(&d));
		if (dc_date_precision(&d) == DC_DATE_DAY && memcmp(&back, &d, sizeof d))
			__builtin_trap();
	}
	return 0;
}
