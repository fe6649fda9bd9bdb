/*
 * sm.c — ICAO 9303 Part 11 §9.8 Secure Messaging: protecting commands and
 * responses on both sides (see dancu/bac.h), with 3DES session keys (after
 * BAC: IV zero, retail MAC, 8-byte SSC and blocks) or AES-128 session keys
 * (after PACE or chip authentication: IV = E(KSenc, SSC), CMAC truncated to
 * 8 bytes, 16-byte SSC and blocks). Every received length is checked before
 * use.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "dancu/bac.h"
#include "dancu/error.h"
#include "dancu/tlv.h"

#define SM_MAX_DATA 255

static size_t blk(const struct dc_sm *sm)
{
	return sm->aes ? 16 : 8;
}

static void ssc_inc(struct dc_sm *sm)
{
	for (int i = (int)blk(sm) - 1; i >= 0; i--)
		if (++sm->ssc[i])
			break;
}

/* pad(in) with method 2 to a multiple of bs; returns the padded length. */
static size_t pad(const uint8_t *in, size_t n, uint8_t *out, size_t bs)
{
	memcpy(out, in, n);
	out[n++] = 0x80;
	while (n % bs)
		out[n++] = 0;
	return n;
}

/* CBC with the session's cipher: 3DES with IV zero, AES with IV =
 * AES-ECB(KSenc, SSC). n is a multiple of the block size. */
static int sm_cipher(const struct dc_sm *sm, int enc, const uint8_t *in, size_t n, uint8_t *out)
{
	if (!sm->aes)
		return dc_des3_cbc(sm->ksenc, enc, in, n, out);
	uint8_t iv[16];
	int rc = dc_aes128_ecb(sm->ksenc, sm->ssc, iv);
	if (rc == DC_OK)
		rc = dc_aes128_cbc(sm->ksenc, iv, enc, in, n, out);
	return rc;
}

static size_t unpad(const uint8_t *p, size_t n)
{
	while (n > 0 && p[n - 1] == 0)
		n--;
	return n > 0 && p[n - 1] == 0x80 ? n - 1 : (size_t)-1;
}

/* MAC over pad(SSC ‖ m): the retail MAC pads itself; CMAC gets the padded
 * input (Part 11 §9.8.6.2). */
static int sm_mac(const struct dc_sm *sm, const uint8_t *m, size_t n, uint8_t mac[8])
{
	uint8_t buf[16 + 300 + 16];
	size_t bs = blk(sm);
	if (n > 300)
		return DC_ERR_INVALID;
	memcpy(buf, sm->ssc, bs);
	memcpy(buf + bs, m, n);
	if (!sm->aes)
		return dc_retail_mac(sm->ksmac, buf, bs + n, mac);
	uint8_t in[16 + 300 + 16];
	size_t k = pad(buf, bs + n, in, 16);
	return dc_aes128_cmac8(sm->ksmac, in, k, mac);
}

/* DO'87' (or '85' for odd INS) with the encrypted, padded data. */
static int do87(const struct dc_sm *sm, int odd, const uint8_t *d, size_t n, struct dc_buf *b)
{
	uint8_t p[SM_MAX_DATA + 17], c[SM_MAX_DATA + 18];
	size_t pn = pad(d, n, p, blk(sm));
	if (sm_cipher(sm, 1, p, pn, c + 1) != DC_OK)
		return DC_ERR_INVALID;
	c[0] = 0x01;
	return odd ? dc_tlv_put(b, 0x85, c + 1, pn) : dc_tlv_put(b, 0x87, c, pn + 1);
}

int dc_sm_wrap(struct dc_sm *sm, const uint8_t *a, size_t n, struct dc_buf *out)
{
	size_t lc = 0, le = 0;
	int has_le = 0;
	const uint8_t *data = NULL;
	dc_buf_reset(out);
	if (n < 4)
		return DC_ERR_INVALID;
	if (n == 5) {
		has_le = 1;
		le = a[4];
	} else if (n > 5) {
		lc = a[4];
		if (lc == 0 || (n != 5 + lc && n != 6 + lc))
			return DC_ERR_INVALID;
		data = a + 5;
		if (n == 6 + lc) {
			has_le = 1;
			le = a[5 + lc];
		}
	}
	ssc_inc(sm);
	uint8_t hdr[16] = {0x0C, a[1], a[2], a[3], 0x80};
	struct dc_buf dos = DC_BUF_INIT, m = DC_BUF_INIT;
	int rc = DC_OK;
	if (lc)
		rc = do87(sm, a[1] & 1, data, lc, &dos);
	if (has_le) {
		uint8_t l = (uint8_t)le;
		dc_tlv_put(&dos, 0x97, &l, 1);
	}
	dc_buf_add(&m, hdr, blk(sm));
	dc_buf_add(&m, dos.ptr, dos.len);
	uint8_t mac[8];
	if (rc == DC_OK)
		rc = dc_buf_error(&m) ? DC_ERR_NOMEM : sm_mac(sm, (uint8_t *)m.ptr, m.len, mac);
	if (rc == DC_OK) {
		dc_tlv_put(&dos, 0x8E, mac, 8);
		if (dos.len > 255)
			rc = DC_ERR_TOO_LARGE;
	}
	if (rc == DC_OK) {
		uint8_t h5[5] = {0x0C, a[1], a[2], a[3], (uint8_t)dos.len};
		dc_buf_add(out, h5, 5);
		dc_buf_add(out, dos.ptr, dos.len);
		dc_buf_addc(out, 0);
		rc = dc_buf_error(out) | dc_buf_error(&dos);
	}
	dc_buf_release(&dos);
	dc_buf_release(&m);
	return rc;
}

/* Finds the SM data objects in p[0..n): DO'87'/'85', '97', '99', '8E'. The
 * MAC input (everything before DO'8E', in order) ends where 8E starts. */
struct dos {
	struct dc_tlv enc, le, sw, mac;
	int has_enc, odd, has_le, has_sw, has_mac;
	size_t mac_off;
};

static int find_dos(const uint8_t *p, size_t n, struct dos *d)
{
	size_t off = 0, before;
	struct dc_tlv t;
	int rc;
	memset(d, 0, sizeof *d);
	for (;;) {
		before = off;
		rc = dc_tlv_next(p, n, &off, &t);
		if (rc <= 0)
			break;
		if (d->has_mac)
			return DC_ERR_VERIFY; /* nothing may follow DO'8E' */
		if (t.tag == 0x87 || t.tag == 0x85) {
			d->enc = t;
			d->has_enc = 1;
			d->odd = t.tag == 0x85;
		} else if (t.tag == 0x97) {
			d->le = t;
			d->has_le = 1;
		} else if (t.tag == 0x99) {
			d->sw = t;
			d->has_sw = 1;
		} else if (t.tag == 0x8E) {
			d->mac = t;
			d->has_mac = 1;
			d->mac_off = before;
		} else {
			return DC_ERR_VERIFY;
		}
	}
	return rc < 0 ? DC_ERR_VERIFY : DC_OK;
}

static int decrypt(const struct dc_sm *sm, const struct dos *d, uint8_t *out, size_t *outn)
{
	const uint8_t *c = d->enc.val;
	size_t cn = d->enc.len;
	if (!d->odd) {
		if (cn < 1 || c[0] != 0x01)
			return DC_ERR_VERIFY;
		c++;
		cn--;
	}
	if (cn == 0 || cn % blk(sm) || cn > SM_MAX_DATA + 16)
		return DC_ERR_VERIFY;
	if (sm_cipher(sm, 0, c, cn, out) != DC_OK)
		return DC_ERR_VERIFY;
	size_t k = unpad(out, cn);
	if (k == (size_t)-1)
		return DC_ERR_VERIFY;
	*outn = k;
	return DC_OK;
}

int dc_sm_unwrap(struct dc_sm *sm, const uint8_t *r, size_t n, struct dc_buf *out)
{
	dc_buf_reset(out);
	if (n < 2)
		return DC_ERR_VERIFY;
	struct dos d;
	ssc_inc(sm);
	int rc = find_dos(r, n - 2, &d);
	if (rc == DC_OK && !d.has_mac) {
		/* a plain status without protection: only an error may come so */
		uint8_t sw1 = r[n - 2];
		dc_buf_add(out, r + n - 2, 2);
		return n == 2 && sw1 != 0x90 && sw1 != 0x61 ? DC_ERR_AUTH : DC_ERR_VERIFY;
	}
	if (rc != DC_OK || d.mac.len != 8)
		return DC_ERR_VERIFY;
	uint8_t mac[8];
	if (sm_mac(sm, r, d.mac_off, mac) != DC_OK || CRYPTO_memcmp(mac, d.mac.val, 8) != 0)
		return DC_ERR_VERIFY;
	uint8_t plain[SM_MAX_DATA + 16];
	size_t pn = 0;
	if (d.has_enc && (rc = decrypt(sm, &d, plain, &pn)) != DC_OK)
		return rc;
	dc_buf_add(out, plain, pn);
	if (d.has_sw && d.sw.len == 2)
		dc_buf_add(out, d.sw.val, 2);
	else
		dc_buf_add(out, r + n - 2, 2);
	OPENSSL_cleanse(plain, sizeof plain);
	return dc_buf_error(out);
}

int dc_sm_unwrap_cmd(struct dc_sm *sm, const uint8_t *a, size_t n, struct dc_buf *out)
{
	dc_buf_reset(out);
	/* 0C INS P1 P2 Lc DOs 00 */
	if (n < 6 || (a[0] & 0x0C) != 0x0C || a[4] + 6u != n || a[n - 1] != 0)
		return DC_ERR_VERIFY;
	ssc_inc(sm);
	struct dos d;
	if (find_dos(a + 5, a[4], &d) != DC_OK || !d.has_mac || d.mac.len != 8 || d.has_sw)
		return DC_ERR_VERIFY;
	uint8_t m[16 + 260], mac[8];
	uint8_t hdr[16] = {a[0], a[1], a[2], a[3], 0x80};
	size_t bs = blk(sm);
	memcpy(m, hdr, bs);
	memcpy(m + bs, a + 5, d.mac_off);
	if (sm_mac(sm, m, bs + d.mac_off, mac) != DC_OK || CRYPTO_memcmp(mac, d.mac.val, 8) != 0)
		return DC_ERR_VERIFY;
	uint8_t plain[SM_MAX_DATA + 16];
	size_t pn = 0;
	int rc;
	if (d.has_enc && (rc = decrypt(sm, &d, plain, &pn)) != DC_OK)
		return rc;
	uint8_t h[4] = {0x00, a[1], a[2], a[3]};
	dc_buf_add(out, h, 4);
	if (pn) {
		uint8_t lc = (uint8_t)pn;
		dc_buf_add(out, &lc, 1);
		dc_buf_add(out, plain, pn);
	}
	if (d.has_le) {
		if (d.le.len != 1)
			return DC_ERR_VERIFY;
		dc_buf_add(out, d.le.val, 1);
	}
	return dc_buf_error(out);
}

int dc_sm_wrap_resp(struct dc_sm *sm, const uint8_t *data, size_t n, uint16_t sw,
                    struct dc_buf *out)
{
	dc_buf_reset(out);
	if (n > SM_MAX_DATA - 32)
		return DC_ERR_TOO_LARGE;
	ssc_inc(sm);
	int rc = DC_OK;
	if (n)
		rc = do87(sm, 0, data, n, out);
	uint8_t s[2] = {(uint8_t)(sw >> 8), (uint8_t)sw}, mac[8];
	dc_tlv_put(out, 0x99, s, 2);
	if (rc == DC_OK)
		rc = dc_buf_error(out) ? DC_ERR_NOMEM
		                       : sm_mac(sm, (uint8_t *)out->ptr, out->len, mac);
	if (rc != DC_OK)
		return rc;
	dc_tlv_put(out, 0x8E, mac, 8);
	dc_buf_add(out, s, 2);
	return dc_buf_error(out);
}
