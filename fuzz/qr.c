/* libFuzzer target: the QR payload parser must never crash or overread;
 * whatever it accepts builds back (without the extra 2024 fields) to a
 * payload that parses to the same values; images never fail for a payload
 * that fits. */
#include <stdint.h>
#include <string.h>

#include "dancu/qr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dc_pool pool;
	struct dc_qr_card q, r;
	struct dc_buf b = DC_BUF_INIT;
	char detail[128];
	dc_pool_init(&pool, 0);
	if (dc_qr_parse((const char *)data, size, &q, &pool, detail, sizeof detail) == 0) {
		q.nextra = 0;
		/* a name or address with a newline inside parses but cannot be built */
		if (dc_qr_build(&q, &b) == 0) {
			if (dc_qr_parse(b.ptr, b.len, &r, &pool, NULL, 0) != 0)
				__builtin_trap();
			if (strcmp(q.pin, r.pin) || strcmp(q.name, r.name) ||
			    strcmp(q.address, r.address) || q.sex != r.sex ||
			    dc_date_cmp(&q.dob, &r.dob) || dc_date_cmp(&q.issued, &r.issued))
				__builtin_trap();
			struct dc_buf img = DC_BUF_INIT;
			if (b.len < 1000 && dc_qr_png(b.ptr, b.len, 1, &img) != 0)
				__builtin_trap();
			dc_buf_release(&img);
		}
	}
	dc_buf_release(&b);
	dc_pool_release(&pool);
	return 0;
}
