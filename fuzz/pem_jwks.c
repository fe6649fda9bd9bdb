/* libFuzzer target: a client's PEM public keys converted to a JWKS at
 * registration (dc__oidc_pem_jwks, src/eid/oidc_client.c). Never a crash
 * or leak; DC_OK comes with a JSON object holding a non-empty "keys"
 * array, anything else with no promise about the buffer. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "dancu/buf.h"
#include "core/internal.h"
#include "eid/oidc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dc_buf b = DC_BUF_INIT;
	if (size > 65536)
		return 0;
	int rc = dc__oidc_pem_jwks((const char *)data, size, &b);
	if (rc == DC_OK) {
		json_error_t e;
		json_t *j = json_loads(dc_buf_str(&b), 0, &e);
		json_t *keys = json_object_get(j, "keys");
		if (!json_is_array(keys) || json_array_size(keys) == 0)
			__builtin_trap();
		json_decref(j);
	}
	dc_buf_release(&b);
	return 0;
}
