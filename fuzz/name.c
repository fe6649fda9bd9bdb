/* libFuzzer target: Vietnamese text. The input is split at its first NUL
 * (or in half) into two names. Nothing may crash; for valid UTF-8 a name
 * equals itself exactly, keys are idempotent, and comparison is symmetric
 * at the levels it reports. */
#include <stdint.h>
#include <string.h>

#include "dancu/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_key(int (*fn)(const char *, size_t, struct dc_buf *), const char *s, size_t n)
{
	struct dc_buf a = DC_BUF_INIT, b = DC_BUF_INIT;
	int ok = 1;
	if (fn(s, n, &a) == 0) {
		ok = fn(dc_buf_str(&a), a.len, &b) == 0 && a.len == b.len &&
		     (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
	}
	dc_buf_release(&a);
	dc_buf_release(&b);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *nul = memchr(s, '\0', size);
	size_t na = nul ? (size_t)(nul - s) : size / 2;
	const char *b = nul ? nul + 1 : s + na;
	size_t nb = size - (size_t)(b - s);
	struct dc_buf out = DC_BUF_INIT;
	dc_text_clean(s, na, &out);
	dc_text_is_name(s, na);
	dc_buf_release(&out);
	if (dc_text_valid_utf8(s, na)) {
		if (dc_name_compare(s, na, s, na) != DC_NAME_EXACT)
			__builtin_trap();
		if (!same_key(dc_text_key_ascii, s, na))
			__builtin_trap();
	}
	int ab = dc_name_compare(s, na, b, nb);
	int ba = dc_name_compare(b, nb, s, na);
	if (ab != ba && !(ab == DC_NAME_PARTIAL || ba == DC_NAME_PARTIAL))
		__builtin_trap();
	return 0;
}
