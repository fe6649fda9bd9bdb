/* libFuzzer target: checking a compact JWS signed by someone else — a
 * private_key_jwt client assertion or a DPoP proof (src/eid/oidc_jwt.c).
 * The input is split at the first newline into the token and the key set
 * (a JWKS or one JWK). Never a crash or leak; DC_OK comes with a header and
 * claims object, anything else with neither. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "eid/oidc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	char *nl = memchr(s, '\n', size);
	const char *keys = "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":"
	                   "\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":"
	                   "\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}";
	if (nl) {
		*nl = '\0';
		keys = nl + 1;
	}
	json_t *h = NULL, *c = NULL;
	int rc = dc__oidc_jws_verify(s, keys, &h, &c);
	if ((rc == DC_OK) != (h != NULL && c != NULL) || (rc != DC_OK && (h || c)))
		__builtin_trap();
	json_decref(h);
	json_decref(c);
	free(s);
	return 0;
}
