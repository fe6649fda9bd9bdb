/* libFuzzer target: the BER-TLV reader never reads past its input; every
 * parsed TLV lies inside it; walking nested constructed TLVs terminates;
 * re-encoding a parsed TLV and parsing it again gives the same tag and
 * value. */
#include <stdint.h>
#include <string.h>

#include "dancu/error.h"
#include "dancu/tlv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const uint8_t *p, size_t n, int depth)
{
	size_t off = 0;
	struct dc_tlv t;
	while (dc_tlv_next(p, n, &off, &t) == 1) {
		if (t.val < p || t.val + t.len > p + n || off > n)
			__builtin_trap();
		if (t.constructed && depth < 16)
			walk(t.val, t.len, depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dc_tlv t, u;
	walk(data, size, 0);
	if (dc_tlv_parse(data, size, &t) == DC_OK) {
		if (t.size > size)
			__builtin_trap();
		struct dc_buf b = DC_BUF_INIT;
		dc_tlv_put(&b, t.tag, t.val, t.len);
		if (dc_buf_error(&b) || dc_tlv_parse((const uint8_t *)b.ptr, b.len, &u) != DC_OK ||
		    u.tag != t.tag || u.len != t.len || memcmp(u.val, t.val, t.len) != 0 ||
		    b.len != dc_tlv_size(t.tag, t.len))
			__builtin_trap();
		dc_buf_release(&b);
	}
	return 0;
}
