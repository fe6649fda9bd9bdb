/* libFuzzer target: what the attachment upload reads from outside — the
 * Content-Type header value (dc_attachment_type) and the first bytes of the
 * file (dc_attachment_sniff). Both must never read past their input, and
 * must answer only one of the three allowed types (the same static
 * strings, so the upload's "declared = sniffed" comparison is exact). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/attachment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *t)
{
	if (t && strcmp(t, "application/pdf") && strcmp(t, "image/jpeg") && strcmp(t, "image/png"))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so ASan sees any read past the end. */
	char *v = malloc(size ? size : 1);
	if (!v)
		return 0;
	memcpy(v, data, size);
	const char *declared = dc_attachment_type(v, size);
	const char *sniffed = dc_attachment_sniff((const unsigned char *)v, size);
	check(declared);
	check(sniffed);
	if (declared && dc_attachment_type(declared, strlen(declared)) != declared)
		abort();
	free(v);
	return 0;
}
