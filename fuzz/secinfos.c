/* libFuzzer target: the parsers of what a chip says about its own keys —
 * SecurityInfos (EF.CardAccess and DG14), DG15's public key with the
 * active-authentication check, DG14's chip-authentication key with the key
 * agreement — and a GENERAL AUTHENTICATE answer fed to the software chip's
 * PACE and chip-authentication steps. Nothing may crash; active
 * authentication never passes on garbage (the fuzzer cannot forge a
 * signature over our random challenge). */
#include <stdint.h>
#include <string.h>

#include "card/ec_internal.h"
#include "dancu/chip.h"
#include "dancu/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dc_secinfos si;
	if (dc_secinfos_parse(data, size, &si) == DC_OK && si.ca_spki) {
		if (si.ca_spki < data || si.ca_spki + si.ca_spki_len > data + size)
			__builtin_trap();
		uint8_t eph[DC__EC_PT_MAX], k[66];
		size_t en = 0, kn = 0;
		dc__ca_terminal(si.ca_spki, si.ca_spki_len, NULL, 0, eph, &en, k, &kn);
	}
	/* DG15 and a signature: the input split in two */
	size_t cut = size > 0 ? data[0] * size / 256 : 0;
	static const uint8_t chal[8] = {0x13, 0x37, 0x42, 0x99, 0x01, 0x02, 0x03, 0x04};
	char why[160];
	if (size > 1 && cut < size &&
	    dc_aa_verify(data + 1, cut > 1 ? cut - 1 : 0, "sha256", chal, 8, data + cut, size - cut,
	                 why, sizeof why) == DC_OK)
		__builtin_trap();
	/* points from the wire */
	EC_GROUP *g = dc__ec_group_std(12);
	EC_POINT *p = NULL;
	if (g && dc__ec_point_decode(g, data, size, &p) == DC_OK && p) {
		if (EC_POINT_is_on_curve(g, p, NULL) != 1)
			__builtin_trap();
	}
	EC_POINT_free(p);
	EC_GROUP_free(g);
	return 0;
}
