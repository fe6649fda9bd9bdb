/*
 * softchip.c — a software eMRTD chip for a card dancu issued: the APDUs of
 * ICAO 9303 Part 10/11 with BAC and 3DES secure messaging (see
 * dancu/chip.h). Used by tests, `dancu card verify --chip` and the demo.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "dancu/bac.h"
#include "dancu/chip.h"
#include "dancu/error.h"

static const uint8_t aid[7] = {0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01};

struct dc_softchip {
	struct dc_lds files;
	struct dc_bac_keys keys;
	struct dc_sm sm;
	uint8_t rnd_ic[8];
	int app, challenged, secure;
	const struct dc_lds_file *cur;
};

static int copy(struct dc_lds_file *to, const struct dc_lds_file *from)
{
	return from->data ? dc_lds_set(to, from->data, from->len) : DC_OK;
}

int dc_softchip_new(const struct dc_lds *l, const char *mrz, struct dc_softchip **out)
{
	char info[25];
	if (dc_bac_mrz_info(mrz, info) != DC_OK)
		return DC_ERR_INVALID;
	struct dc_softchip *c = calloc(1, sizeof *c);
	if (!c)
		return DC_ERR_NOMEM;
	int rc = copy(&c->files.com, &l->com);
	if (rc == DC_OK)
		rc = copy(&c->files.sod, &l->sod);
	for (int i = 1; rc == DC_OK && i <= DC_LDS_MAX_DG; i++)
		rc = copy(&c->files.dg[i], &l->dg[i]);
	if (rc != DC_OK) {
		dc_softchip_free(c);
		return rc;
	}
	dc_bac_keys_from_mrz_info(info, 24, &c->keys);
	*out = c;
	return DC_OK;
}

void dc_softchip_free(struct dc_softchip *c)
{
	if (!c)
		return;
	dc_lds_free(&c->files);
	OPENSSL_cleanse(c, sizeof *c);
	free(c);
}

static const struct dc_lds_file *by_fid(struct dc_softchip *c, unsigned fid)
{
	const struct dc_lds_file *f = NULL;
	if (fid == 0x011E)
		f = &c->files.com;
	else if (fid == 0x011D)
		f = &c->files.sod;
	else if (fid >= 0x0101 && fid <= 0x0110)
		f = &c->files.dg[fid - 0x0100];
	return f && f->data ? f : NULL;
}

/* Handles a plain command; *sw gets the status, out the data. */
static void handle(struct dc_softchip *c, const uint8_t *a, size_t n, struct dc_buf *out,
                   uint16_t *sw)
{
	uint8_t ins = a[1], p1 = a[2], p2 = a[3];
	size_t lc = n > 5 ? a[4] : 0;
	const uint8_t *data = a + 5;
	if (n > 5 && n != 5 + lc && n != 6 + lc) {
		*sw = 0x6700;
		return;
	}
	if (ins == 0xA4) { /* SELECT */
		if (p1 == 0x04 && lc == 7 && memcmp(data, aid, 7) == 0) {
			c->app = 1;
			c->cur = NULL;
			*sw = 0x9000;
		} else if (p1 == 0x02 && lc == 2) {
			if (!c->app) {
				*sw = 0x6A82;
				return;
			}
			if (!c->secure) {
				*sw = 0x6982;
				return;
			}
			const struct dc_lds_file *f = by_fid(c, (unsigned)data[0] << 8 | data[1]);
			c->cur = f ? f : c->cur;
			*sw = f ? 0x9000 : 0x6A82;
		} else {
			*sw = 0x6A82;
		}
	} else if (ins == 0xB0) { /* READ BINARY */
		if (!c->secure) {
			*sw = 0x6982;
			return;
		}
		size_t off;
		const struct dc_lds_file *f = c->cur;
		if (p1 & 0x80) {
			f = (p1 & 0x1F) == 0x1E   ? by_fid(c, 0x011E)
			    : (p1 & 0x1F) == 0x1D ? by_fid(c, 0x011D)
			                          : by_fid(c, 0x0100 | (p1 & 0x1F));
			if (!f) {
				*sw = 0x6A82;
				return;
			}
			c->cur = f;
			off = p2;
		} else {
			off = (size_t)p1 << 8 | p2;
		}
		if (!f) {
			*sw = 0x6986;
			return;
		}
		if (off > f->len) {
			*sw = 0x6B00;
			return;
		}
		size_t le = n == 5 ? a[4] : n == 6 + lc ? a[n - 1] : 0;
		if (le == 0)
			le = 256;
		if (le > 0xDF)
			le = 0xDF; /* what fits one 3DES SM response */
		size_t k = f->len - off < le ? f->len - off : le;
		dc_buf_add(out, f->data + off, k);
		*sw = 0x9000;
	} else if (ins == 0x84) { /* GET CHALLENGE */
		if (n != 5 || a[4] != 8 || RAND_bytes(c->rnd_ic, 8) != 1) {
			*sw = 0x6700;
			return;
		}
		c->challenged = 1;
		dc_buf_add(out, c->rnd_ic, 8);
		*sw = 0x9000;
	} else if (ins == 0x82) { /* EXTERNAL / MUTUAL AUTHENTICATE */
		if (!c->app || !c->challenged) {
			*sw = 0x6985;
			return;
		}
		if (lc != 40) {
			*sw = 0x6700;
			return;
		}
		uint8_t k_ic[16], resp[40];
		c->challenged = 0; /* one attempt per challenge */
		if (RAND_bytes(k_ic, 16) != 1 ||
		    dc_bac_ic_answer(&c->keys, c->rnd_ic, k_ic, data, resp, &c->sm) != DC_OK) {
			*sw = 0x6300;
			return;
		}
		c->secure = 1;
		dc_buf_add(out, resp, 40);
		*sw = 0x9000;
		OPENSSL_cleanse(k_ic, sizeof k_ic);
	} else {
		*sw = 0x6D00;
	}
}

static int transmit(void *ctx, const uint8_t *a, size_t n, uint8_t *r, size_t *rn)
{
	struct dc_softchip *c = ctx;
	struct dc_buf plain = DC_BUF_INIT, out = DC_BUF_INIT, prot = DC_BUF_INIT;
	uint16_t sw = 0x6F00;
	int sm = 0;
	if (n < 4 || n > DC_APDU_MAX) {
		sw = 0x6700;
	} else if ((a[0] & 0x0C) == 0x0C) {
		if (!c->secure || dc_sm_unwrap_cmd(&c->sm, a, n, &plain) != DC_OK) {
			/* SM broken: drop the session */
			c->secure = 0;
			sw = 0x6988;
		} else {
			sm = 1;
			handle(c, (const uint8_t *)plain.ptr, plain.len, &out, &sw);
		}
	} else if (a[0] != 0x00) {
		sw = 0x6E00;
	} else {
		if (c->secure && a[1] != 0xA4 && a[1] != 0x84 && a[1] != 0x82) {
			/* plain access after BAC ends the session */
			c->secure = 0;
		}
		handle(c, a, n, &out, &sw);
	}
	size_t k = 0;
	if (sm && sw >= 0x9000 && sw <= 0x90FF) {
		if (dc_sm_wrap_resp(&c->sm, (const uint8_t *)out.ptr, out.len, sw, &prot) ==
		            DC_OK &&
		    prot.len <= *rn) {
			memcpy(r, prot.ptr, prot.len);
			k = prot.len;
		} else {
			r[0] = 0x6F;
			r[1] = 0x00;
			k = 2;
		}
	} else if (sm) {
		/* errors are protected too (DO'99' + MAC) */
		if (dc_sm_wrap_resp(&c->sm, NULL, 0, sw, &prot) == DC_OK && prot.len <= *rn) {
			memcpy(r, prot.ptr, prot.len);
			k = prot.len;
		}
	} else {
		if (out.len + 2 <= *rn) {
			memcpy(r, out.ptr ? out.ptr : "", out.len);
			k = out.len;
		}
		r[k++] = (uint8_t)(sw >> 8);
		r[k++] = (uint8_t)sw;
	}
	*rn = k;
	dc_buf_release(&plain);
	dc_buf_release(&out);
	dc_buf_release(&prot);
	return DC_OK;
}

struct dc_chip_transport dc_softchip_transport(struct dc_softchip *c)
{
	return (struct dc_chip_transport){c, transmit};
}
