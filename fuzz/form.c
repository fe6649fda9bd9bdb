/* libFuzzer target: the form / query-string parser of the OpenID Connect
 * endpoints (src/eid/form.c). Never a crash or overread; a found value is
 * NUL-terminated within the capacity and contains no NUL; re-encoding a
 * value and parsing it again gives the same value. */
#include <stdint.h>
#include <string.h>

#include "dancu/buf.h"
#include "eid/oidc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"code", "redirect_uri", "state", "a", ""};
	char out[64], again[64];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		memset(out, 'X', sizeof out);
		int r = dc__form_get((const char *)data, size, names[i], out, sizeof out);
		if (r < -1 || r > 1)
			__builtin_trap();
		if (r != 1)
			continue;
		size_t n = strnlen(out, sizeof out);
		if (n == sizeof out)
			__builtin_trap(); /* not terminated inside the buffer */
		struct dc_buf b = DC_BUF_INIT;
		dc_buf_adds(&b, "v=");
		dc__form_escape(&b, out);
		if (dc__form_get(b.ptr, b.len, "v", again, sizeof again) != 1 || strcmp(out, again))
			__builtin_trap();
		dc_buf_release(&b);
	}
	return 0;
}
