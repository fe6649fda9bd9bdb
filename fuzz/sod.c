/* libFuzzer target: EF.SOD and the LDS file parsers on outside input (a
 * chip's or a kiosk's bytes). Passive authentication never crashes and
 * never passes on garbage (no trust list: a pass needs a valid signature
 * over hashes of the DG given, which the fuzzer cannot forge); DG1, DG2,
 * DG13 and EF.COM parsers stay inside their input. The input is split
 * at a point its first byte chooses: SOD, then a DG1 candidate; the
 * single-file parsers get the whole input. */
#include <stdint.h>
#include <string.h>

#include "dancu/error.h"
#include "dancu/lds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t cut = data[0] * size / 256;
	if (cut == 0)
		cut = 1;
	struct dc_lds l;
	memset(&l, 0, sizeof l);
	dc_lds_set(&l.sod, data + 1, cut - 1);
	dc_lds_set(&l.dg[1], data + cut, size - cut);
	struct dc_pa_result r;
	if (dc_pa_verify(&l, NULL, 0, &r) != DC_OK)
		__builtin_trap();
	if (r.reason == DC_PA_OK && (r.signature_ok != 1 || r.hashes_ok != 1))
		__builtin_trap();
	char mrz[93];
	if (dc_lds_dg1_mrz(data, size, mrz, sizeof mrz) == DC_OK && strlen(mrz) != 92)
		__builtin_trap();
	const uint8_t *img;
	size_t imgn;
	int type;
	if (dc_lds_dg2_image(data, size, &img, &imgn, &type) == DC_OK &&
	    (img < data || img + imgn > data + size))
		__builtin_trap();
	struct dc_pool pool;
	struct dc_dg13 d;
	dc_pool_init(&pool, 0);
	dc_lds_dg13_parse(data, size, &d, &pool);
	dc_pool_release(&pool);
	uint32_t mask;
	dc_lds_com_dgs(data, size, &mask);
	dc_lds_free(&l);
	return 0;
}
