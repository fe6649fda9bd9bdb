/* libFuzzer target: APDU responses and commands from outside. (1) the
 * reader against a "chip" that answers with fuzzer bytes: it never crashes,
 * never reads past a response, and never reports success (BAC needs a
 * MAC the fuzzer cannot forge). (2) secure-messaging unwrapping of a
 * response and of a command under fixed session keys. (3) the software chip
 * answering fuzzer commands — with EF.CardAccess (PACE) and its own keys,
 * so MSE:Set AT, GENERAL AUTHENTICATE (PACE steps, chip authentication)
 * and INTERNAL AUTHENTICATE are reachable: every answer fits the buffer
 * and ends in a status word. The reader's part includes EF.CardAccess and
 * PACE answers from the fuzzer. */
#include <stdint.h>
#include <string.h>

#include "dancu/bac.h"
#include "dancu/chip.h"
#include "dancu/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct feed {
	const uint8_t *p;
	size_t n, off;
};

static int feed_tx(void *ctx, const uint8_t *a, size_t n, uint8_t *r, size_t *rn)
{
	struct feed *f = ctx;
	if (f->off >= f->n)
		return DC_ERR_IO;
	size_t k = f->p[f->off++];
	if (k > f->n - f->off)
		k = f->n - f->off;
	if (k > *rn)
		k = *rn;
	memcpy(r, f->p + f->off, k);
	f->off += k;
	*rn = k;
	return DC_OK;
}

static const char *MRZ = "IDVNM1990123456001199012345<<7\n9903159F3903157VNM<<<<<<<<<<<8\n"
                         "NGUYEN<<THI<MAU<<<<<<<<<<<<<<<";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed f = {data, size, 0};
	struct dc_chip_transport t = {&f, feed_tx};
	struct dc_lds l;
	struct dc_read_result r;
	memset(&l, 0, sizeof l);
	if (dc_chip_read(&t, MRZ, &l, &r) == DC_OK)
		__builtin_trap();
	dc_lds_free(&l);

	struct dc_sm sm;
	memset(&sm, 0x11, sizeof sm);
	struct dc_buf out = DC_BUF_INIT;
	dc_sm_unwrap(&sm, data, size, &out);
	dc_sm_unwrap_cmd(&sm, data, size, &out);
	dc_buf_release(&out);

	struct dc_softchip *c;
	memset(&l, 0, sizeof l);
	dc_lds_set(&l.com, "\x60\x03\x5C\x01\x61", 5);
	dc_lds_set(&l.dg[1], data, size < 300 ? size : 300);
	struct dc_buf ca = DC_BUF_INIT;
	dc_card_access_build(&ca);
	dc_lds_set(&l.card_access, ca.ptr, ca.len);
	dc_buf_release(&ca);
	static struct dc_chip_keys *keys; /* made once: key generation is slow */
	if (!keys)
		dc_chip_keys_generate(&keys);
	if (dc_softchip_new(&l, MRZ, &c) == DC_OK) {
		if (keys)
			dc_softchip_set_keys(c, keys);
		struct dc_chip_transport ct = dc_softchip_transport(c);
		size_t off = 0;
		while (off < size) {
			size_t k = data[off++] % 64;
			if (k > size - off)
				k = size - off;
			uint8_t resp[300];
			size_t rn = sizeof resp;
			ct.transmit(ct.ctx, data + off, k, resp, &rn);
			if (rn < 2 || rn > sizeof resp)
				__builtin_trap();
			off += k;
		}
		dc_softchip_free(c);
	}
	dc_lds_free(&l);
	return 0;
}
