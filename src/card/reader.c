/*
 * reader.c — reading an eMRTD chip over any transport (see dancu/chip.h):
 * the chip access procedure (EF.CardAccess → PACE, else SELECT + BAC),
 * secure-messaging reads, chip authentication (SM restarts with its keys)
 * and active authentication; and the PC/SC transport (pcsc-lite).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <winscard.h>

#include "card/ec_internal.h"
#include "dancu/bac.h"
#include "dancu/chip.h"
#include "dancu/error.h"
#include "dancu/tlv.h"

static const char *const status_names[] = {
        [DC_READ_OK] = "ok",
        [DC_READ_TRANSPORT] = "transport_error",
        [DC_READ_NO_APP] = "no_emrtd_application",
        [DC_READ_BAC_FAILED] = "bac_failed",
        [DC_READ_SM_ERROR] = "secure_messaging_error",
        [DC_READ_FILE_ERROR] = "file_error",
        [DC_READ_PACE_FAILED] = "pace_failed",
        [DC_READ_CA_FAILED] = "chip_auth_failed",
};

const char *dc_read_status_name(enum dc_read_status s)
{
	return (unsigned)s < sizeof status_names / sizeof status_names[0] ? status_names[s] : NULL;
}

struct session {
	const struct dc_chip_transport *t;
	struct dc_sm sm;
	struct dc_read_result *r;
	struct dc_buf prot, plain;
};

static int stop(struct session *s, enum dc_read_status st, const char *fmt, unsigned v)
        __attribute__((format(printf, 3, 0)));
static int stop(struct session *s, enum dc_read_status st, const char *fmt, unsigned v)
{
	if (s->r->status == DC_READ_OK) {
		s->r->status = st;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(s->r->detail, sizeof s->r->detail, fmt, v);
#pragma GCC diagnostic pop
	}
	return -1;
}

/* Plain exchange; returns SW or -1. */
static int plain(struct session *s, const uint8_t *a, size_t n, uint8_t *r, size_t *rn)
{
	size_t cap = *rn;
	s->r->apdus++;
	if (s->t->transmit(s->t->ctx, a, n, r, rn) != DC_OK || *rn < 2 || *rn > cap)
		return stop(s, DC_READ_TRANSPORT, "the transport failed (%u)", 0);
	return r[*rn - 2] << 8 | r[*rn - 1];
}

/* Protected exchange: the plain response data go to s->plain (without SW). */
static int secure(struct session *s, const uint8_t *a, size_t n)
{
	uint8_t r[DC_APDU_MAX];
	size_t rn = sizeof r;
	if (dc_sm_wrap(&s->sm, a, n, &s->prot) != DC_OK)
		return stop(s, DC_READ_SM_ERROR, "cannot protect a command (%u)", 0);
	int sw = plain(s, (const uint8_t *)s->prot.ptr, s->prot.len, r, &rn);
	if (sw < 0)
		return sw;
	int rc = dc_sm_unwrap(&s->sm, r, rn, &s->plain);
	if (rc == DC_ERR_AUTH)
		return stop(s, DC_READ_SM_ERROR, "the chip ended secure messaging (SW %04X)",
		            (unsigned)sw);
	if (rc != DC_OK || s->plain.len < 2)
		return stop(s, DC_READ_SM_ERROR, "a response failed its MAC check (SW %04X)",
		            (unsigned)sw);
	s->plain.len -= 2;
	return (uint8_t)s->plain.ptr[s->plain.len] << 8 | (uint8_t)s->plain.ptr[s->plain.len + 1];
}

static int bac(struct session *s, const char *mrz)
{
	char info[25];
	struct dc_bac_keys k;
	if (dc_bac_mrz_info(mrz, info) != DC_OK)
		return stop(s, DC_READ_BAC_FAILED, "the MRZ for the BAC key is not a TD1 MRZ (%u)",
		            0);
	dc_bac_keys_from_mrz_info(info, 24, &k);
	uint8_t r[DC_APDU_MAX], rnd_ic[8], rnd_ifd[8], k_ifd[16];
	size_t rn = sizeof r;
	static const uint8_t gc[5] = {0x00, 0x84, 0x00, 0x00, 0x08};
	int sw = plain(s, gc, 5, r, &rn);
	if (sw < 0)
		return sw;
	if (sw != 0x9000 || rn != 10)
		return stop(s, DC_READ_BAC_FAILED, "GET CHALLENGE refused (SW %04X)", (unsigned)sw);
	memcpy(rnd_ic, r, 8);
	if (RAND_bytes(rnd_ifd, 8) != 1 || RAND_bytes(k_ifd, 16) != 1)
		return stop(s, DC_READ_TRANSPORT, "no randomness (%u)", 0);
	uint8_t ea[46] = {0x00, 0x82, 0x00, 0x00, 0x28};
	dc_bac_ifd_auth(&k, rnd_ic, rnd_ifd, k_ifd, ea + 5);
	ea[45] = 0x28;
	rn = sizeof r;
	sw = plain(s, ea, sizeof ea, r, &rn);
	int rc = -1;
	if (sw == 0x9000 && rn == 42 &&
	    dc_bac_ifd_finish(&k, rnd_ic, rnd_ifd, k_ifd, r, &s->sm) == 0)
		rc = 0;
	else if (sw >= 0)
		stop(s, DC_READ_BAC_FAILED,
		     "BAC failed (SW %04X): the document number, birth date or expiry do not match "
		     "the chip",
		     (unsigned)sw);
	OPENSSL_cleanse(&k, sizeof k);
	OPENSSL_cleanse(k_ifd, sizeof k_ifd);
	return rc;
}

/* Tag + length + value size from the first n bytes of a file, or -1. */
static int tlv_total(const uint8_t *p, size_t n, size_t *total)
{
	size_t i = 1;
	if (n == 0)
		return -1;
	if ((p[0] & 0x1F) == 0x1F) {
		while (i < n && i < 3 && (p[i] & 0x80))
			i++;
		i++;
	}
	if (i >= n)
		return -1;
	size_t len = p[i++];
	if (len & 0x80) {
		size_t k = len & 0x7F;
		if (k == 0 || k > 3 || i + k > n)
			return -1;
		for (len = 0; k > 0; k--)
			len = len << 8 | p[i++];
	}
	*total = i + len;
	return 0;
}

/* A plain exchange whose response data go to s->plain (like secure()). */
static int clear(struct session *s, const uint8_t *a, size_t n)
{
	uint8_t r[DC_APDU_MAX];
	size_t rn = sizeof r;
	int sw = plain(s, a, n, r, &rn);
	if (sw < 0)
		return sw;
	dc_buf_reset(&s->plain);
	dc_buf_add(&s->plain, r, rn - 2);
	return sw;
}

/* Reads the whole EF fid under SM (or in the clear: EF.CardAccess) into f.
 * Returns 0, 1 (file absent or protected: skipped) or -1. */
static int read_file_as(struct session *s, unsigned fid, struct dc_lds_file *f, int sm)
{
	int (*xch)(struct session *, const uint8_t *, size_t) = sm ? secure : clear;
	uint8_t sel[7] = {0x00, 0xA4, 0x02, 0x0C, 0x02, (uint8_t)(fid >> 8), (uint8_t)fid};
	int sw = xch(s, sel, sizeof sel);
	if (sw < 0)
		return sw;
	if (sw == 0x6A82 || sw == 0x6982)
		return 1;
	if (sw != 0x9000)
		return stop(s, DC_READ_FILE_ERROR, "SELECT of EF %04X refused", fid);
	struct dc_buf b = DC_BUF_INIT;
	size_t want = 8, total = 0;
	int rc = -1;
	while (b.len < want) {
		size_t chunk = want - b.len > 0xDF ? 0xDF : want - b.len;
		uint8_t rb[5] = {0x00, 0xB0, (uint8_t)(b.len >> 8), (uint8_t)b.len, (uint8_t)chunk};
		sw = xch(s, rb, 5);
		if (sw < 0)
			goto out;
		if ((sw != 0x9000 && sw != 0x6282) || s->plain.len == 0 || s->plain.len > chunk) {
			stop(s, DC_READ_FILE_ERROR, "READ BINARY of EF %04X failed", fid);
			goto out;
		}
		dc_buf_add(&b, s->plain.ptr, s->plain.len);
		if (!total) {
			if (tlv_total((const uint8_t *)b.ptr, b.len, &total) != 0) {
				stop(s, DC_READ_FILE_ERROR, "EF %04X does not start with a TLV",
				     fid);
				goto out;
			}
			if (total > 0x7FFF) {
				stop(s, DC_READ_FILE_ERROR, "EF %04X is larger than 32 KiB", fid);
				goto out;
			}
			want = total;
		}
	}
	if (b.len > total) /* the first chunk read past a short file's end */
		b.len = total;
	rc = dc_buf_error(&b) ? -1 : dc_lds_set(f, b.ptr, total) == DC_OK ? 0 : -1;
out:
	dc_buf_release(&b);
	return rc;
}

static int read_file(struct session *s, unsigned fid, struct dc_lds_file *f)
{
	return read_file_as(s, fid, f, 1);
}

/* One GENERAL AUTHENTICATE step of PACE in the clear: 7C {tag data} → the
 * value of the answer's rtag into out. Returns SW or -1. */
static int ga(struct session *s, int last, uint8_t tag, const uint8_t *d, size_t n, uint8_t rtag,
              uint8_t *out, size_t *outn)
{
	struct dc_buf c = DC_BUF_INIT, in = DC_BUF_INIT;
	if (n)
		dc_tlv_put(&in, tag, d, n);
	uint8_t h[4] = {last ? 0x00 : 0x10, 0x86, 0x00, 0x00};
	dc_buf_add(&c, h, 4);
	dc_buf_addc(&c, (char)(dc_tlv_size(0x7C, in.len)));
	dc_tlv_put(&c, 0x7C, in.ptr ? in.ptr : "", in.len);
	dc_buf_addc(&c, 0);
	int sw = dc_buf_error(&c) ? -1 : clear(s, (const uint8_t *)c.ptr, c.len);
	dc_buf_release(&c);
	dc_buf_release(&in);
	if (sw != 0x9000)
		return sw;
	struct dc_tlv t, v;
	if (dc_tlv_parse((const uint8_t *)s->plain.ptr, s->plain.len, &t) != DC_OK ||
	    t.tag != 0x7C || dc_tlv_parse(t.val, t.len, &v) != DC_OK || v.tag != rtag ||
	    v.len > *outn)
		return 0x6F00;
	memcpy(out, v.val, v.len);
	*outn = v.len;
	return sw;
}

int dc__pace_terminal(const struct dc_chip_transport *t, const char *info, int param,
                      int send_param, const uint8_t *sk_map, const uint8_t *sk_eph,
                      struct dc_sm *sm, int *apdus, char *why, size_t whyn);

/* PACE, terminal side (Part 11 §4.4.3): 0 with s->sm set, 1 when the
 * chip refused the protocol before the password mattered (the caller falls
 * back to BAC), -1 on a wrong password or a broken exchange. */
static int pace_run(struct session *s, const char *pw, size_t pwn, int pwref, int param,
                    int send_param, const uint8_t *fix_map, const uint8_t *fix_eph)
{
	uint8_t m[64];
	size_t mn = 0;
	m[mn++] = 0x80;
	m[mn++] = 10;
	memcpy(m + mn, dc__oid_pace_ecdh_gm_aes128, 10);
	mn += 10;
	m[mn++] = 0x83; /* the password: 01 MRZ, 02 CAN */
	m[mn++] = 1;
	m[mn++] = (uint8_t)pwref;
	if (send_param) {
		m[mn++] = 0x84;
		m[mn++] = 1;
		m[mn++] = (uint8_t)param;
	}
	uint8_t a[80] = {0x00, 0x22, 0xC1, 0xA4, (uint8_t)mn};
	memcpy(a + 5, m, mn);
	int sw = clear(s, a, 5 + mn);
	if (sw < 0)
		return -1;
	if (sw != 0x9000)
		return 1;
	EC_GROUP *g = dc__ec_group_std(param), *mapped = NULL;
	BIGNUM *skm = NULL, *ske = NULL;
	EC_POINT *p = NULL, *other = NULL;
	uint8_t z[16], nonce[16], kpi[16], iv[16] = {0}, pt[DC__EC_PT_MAX], pic[DC__EC_PT_MAX];
	uint8_t pifd[DC__EC_PT_MAX], k[66], tok[8];
	size_t n, pn, picn, pifdn, kn;
	int rc = -1;
	if (!g) {
		stop(s, DC_READ_PACE_FAILED, "PACE domain parameters %u are not supported",
		     (unsigned)param);
		goto out;
	}
	/* 1: the encrypted nonce */
	n = sizeof z;
	sw = ga(s, 0, 0, NULL, 0, 0x80, z, &n);
	if (sw != 0x9000 || n != 16) {
		stop(s, DC_READ_PACE_FAILED, "PACE: no encrypted nonce (SW %04X)", (unsigned)sw);
		goto out;
	}
	if (pwref == 2) /* CAN: K is the digits themselves */
		dc_kdf_aes128((const uint8_t *)pw, pwn, 3, kpi);
	else
		dc__pace_kpi(pw, pwn, kpi);
	dc_aes128_cbc(kpi, iv, 0, z, 16, nonce);
	/* 2: generic mapping */
	skm = dc__ec_scalar(g, fix_map, fix_map ? 32 : 0);
	p = EC_POINT_new(g);
	if (!skm || !p || EC_POINT_mul(g, p, skm, NULL, NULL, NULL) != 1)
		goto broken;
	pn = dc__ec_point_encode(g, p, pt);
	n = sizeof pic;
	sw = ga(s, 0, 0x81, pt, pn, 0x82, pic, &n);
	if (sw != 0x9000 || dc__ec_point_decode(g, pic, n, &other) ||
	    !(mapped = dc__pace_map(g, nonce, skm, other)))
		goto broken;
	EC_POINT_free(other);
	other = NULL;
	EC_POINT_free(p);
	/* 3: key agreement on the mapped generator */
	ske = dc__ec_scalar(mapped, fix_eph, fix_eph ? 32 : 0);
	p = EC_POINT_new(mapped);
	if (!ske || !p || EC_POINT_mul(mapped, p, ske, NULL, NULL, NULL) != 1)
		goto broken;
	pifdn = dc__ec_point_encode(mapped, p, pifd);
	picn = sizeof pic;
	sw = ga(s, 0, 0x83, pifd, pifdn, 0x84, pic, &picn);
	if (sw != 0x9000 || dc__ec_point_decode(mapped, pic, picn, &other) ||
	    (picn == pifdn && !memcmp(pic, pifd, picn)) ||
	    dc__ec_shared_x(mapped, ske, other, k, &kn))
		goto broken;
	dc__sm_from_secret(k, kn, &s->sm);
	/* 4: mutual authentication */
	dc__pace_token(s->sm.ksmac, dc__oid_pace_ecdh_gm_aes128, 10, pic, picn, tok);
	n = sizeof pt;
	sw = ga(s, 1, 0x85, tok, 8, 0x86, pt, &n);
	if (sw < 0)
		goto out;
	if (sw == 0x9000 && n == 8) {
		dc__pace_token(s->sm.ksmac, dc__oid_pace_ecdh_gm_aes128, 10, pifd, pifdn, tok);
		if (CRYPTO_memcmp(tok, pt, 8) == 0) {
			rc = 0;
			goto out;
		}
	}
	stop(s, DC_READ_PACE_FAILED,
	     "PACE failed (SW %04X): the document number, birth date or expiry do not match the "
	     "chip",
	     (unsigned)sw);
	goto out;
broken:
	stop(s, DC_READ_PACE_FAILED, "PACE: the chip's answer is malformed (SW %04X)",
	     (unsigned)sw);
out:
	OPENSSL_cleanse(kpi, sizeof kpi);
	OPENSSL_cleanse(nonce, sizeof nonce);
	OPENSSL_cleanse(k, sizeof k);
	BN_clear_free(skm);
	BN_clear_free(ske);
	EC_POINT_free(p);
	EC_POINT_free(other);
	EC_GROUP_free(g);
	EC_GROUP_free(mapped);
	return rc;
}

int dc__pace_terminal(const struct dc_chip_transport *t, const char *info, int param,
                      int send_param, const uint8_t *sk_map, const uint8_t *sk_eph,
                      struct dc_sm *sm, int *apdus, char *why, size_t whyn)
{
	struct dc_read_result r;
	struct session s;
	memset(&r, 0, sizeof r);
	memset(&s, 0, sizeof s);
	s.t = t;
	s.r = &r;
	int rc = pace_run(&s, info, 24, 1, param, send_param, sk_map, sk_eph);
	*sm = s.sm;
	*apdus = r.apdus;
	snprintf(why, whyn, "%s", r.detail);
	dc_buf_release(&s.prot);
	dc_buf_release(&s.plain);
	return rc == 0 ? DC_OK : rc == 1 ? DC_ERR_UNAVAILABLE : DC_ERR_AUTH;
}

/* Chip authentication (Part 11 §6.2, AES variant) with DG14's key; SM
 * restarts with the new keys. A probe under them shows whether the chip
 * holds the private key. */
static void chip_auth(struct session *s, const struct dc_secinfos *si)
{
	struct dc_read_result *r = s->r;
	if (!si->ca_spki) {
		r->ca = -1;
		snprintf(r->ca_detail, sizeof r->ca_detail, "DG14 offers no chip authentication");
		return;
	}
	if (si->ca_cipher != 2) {
		r->ca = -1;
		snprintf(r->ca_detail, sizeof r->ca_detail,
		         "DG14 offers chip authentication with a cipher not implemented here (%d)",
		         si->ca_cipher);
		return;
	}
	uint8_t eph[DC__EC_PT_MAX], k[66];
	size_t en = 0, kn = 0;
	if (dc__ca_terminal(si->ca_spki, si->ca_spki_len, NULL, 0, eph, &en, k, &kn) != DC_OK) {
		r->ca = 0;
		snprintf(r->ca_detail, sizeof r->ca_detail,
		         "DG14's chip authentication key is unusable");
		stop(s, DC_READ_CA_FAILED, "DG14's chip authentication key is unusable (%u)", 0);
		return;
	}
	uint8_t mse[17] = {0x00, 0x22, 0x41, 0xA4, 0x0C, 0x80, 0x0A};
	memcpy(mse + 7, dc__oid_ca_ecdh_aes128, 10);
	int sw = secure(s, mse, sizeof mse);
	/* GENERAL AUTHENTICATE 7C { 80 PK } (long-form lengths for big curves) */
	struct dc_buf in = DC_BUF_INIT, ga_ = DC_BUF_INIT;
	dc_tlv_put(&in, 0x80, eph, en);
	static const uint8_t h[4] = {0x00, 0x86, 0x00, 0x00};
	dc_buf_add(&ga_, h, 4);
	dc_buf_addc(&ga_, (char)dc_tlv_size(0x7C, in.len));
	dc_tlv_put(&ga_, 0x7C, in.ptr, in.len);
	dc_buf_addc(&ga_, 0);
	if (sw == 0x9000 && (dc_buf_error(&ga_) || dc_tlv_size(0x7C, in.len) > 255))
		sw = 0x6700;
	else if (sw == 0x9000)
		sw = secure(s, (const uint8_t *)ga_.ptr, ga_.len);
	dc_buf_release(&in);
	dc_buf_release(&ga_);
	if (sw != 0x9000) {
		r->ca = 0;
		snprintf(r->ca_detail, sizeof r->ca_detail,
		         "the chip refused chip authentication (SW %04X)", (unsigned)(sw & 0xFFFF));
		if (sw >= 0)
			stop(s, DC_READ_CA_FAILED, "the chip refused chip authentication (SW %04X)",
			     (unsigned)sw);
		OPENSSL_cleanse(k, sizeof k);
		return;
	}
	dc__sm_from_secret(k, kn, &s->sm);
	OPENSSL_cleanse(k, sizeof k);
	static const uint8_t probe[7] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x1E};
	sw = secure(s, probe, sizeof probe);
	if (sw == 0x9000) {
		r->ca = 1;
		snprintf(r->ca_detail, sizeof r->ca_detail,
		         "the chip proved it holds DG14's private key (AES-128 SM restarted)");
		return;
	}
	r->ca = 0;
	snprintf(r->ca_detail, sizeof r->ca_detail,
	         "the chip cannot continue secure messaging with the chip-authentication keys: "
	         "it does not hold DG14's private key");
	r->status = DC_READ_CA_FAILED;
	snprintf(r->detail, sizeof r->detail, "%s", r->ca_detail);
}

/* Active authentication (Part 11 §6.1) with DG15's key. */
static void active_auth(struct session *s, const struct dc_lds *l, const struct dc_secinfos *si,
                        const uint8_t *chal)
{
	struct dc_read_result *r = s->r;
	uint8_t a[14] = {0x00, 0x88, 0x00, 0x00, 0x08};
	if (chal)
		memcpy(a + 5, chal, 8);
	else if (RAND_bytes(a + 5, 8) != 1)
		return;
	memcpy(r->aa_challenge, a + 5, 8);
	a[13] = 0x00;
	int sw = secure(s, a, sizeof a);
	if (sw < 0)
		return;
	r->aa = 0;
	if (sw != 0x9000 || s->plain.len == 0 || s->plain.len > sizeof r->aa_sig) {
		snprintf(r->aa_detail, sizeof r->aa_detail,
		         "the chip refused INTERNAL AUTHENTICATE (SW %04X) though DG15 is present",
		         (unsigned)sw);
		return;
	}
	memcpy(r->aa_sig, s->plain.ptr, s->plain.len);
	r->aa_sig_len = s->plain.len;
	if (dc_aa_verify(l->dg[15].data, l->dg[15].len, si ? si->aa_hash : NULL, r->aa_challenge, 8,
	                 r->aa_sig, r->aa_sig_len, r->aa_detail, sizeof r->aa_detail) == DC_OK)
		r->aa = 1;
}

int dc_chip_read(const struct dc_chip_transport *t, const char *mrz, struct dc_lds *l,
                 struct dc_read_result *r)
{
	return dc_chip_read_ex(t, mrz, NULL, l, r);
}

int dc_chip_read_ex(const struct dc_chip_transport *t, const char *mrz,
                    const struct dc_chip_read_opts *o, struct dc_lds *l, struct dc_read_result *r)
{
	const uint8_t *aa_chal = o ? o->aa_challenge : NULL;
	const char *can = o && o->can && *o->can ? o->can : NULL;
	memset(r, 0, sizeof *r);
	r->pace = r->ca = r->aa = -1;
	struct session s;
	memset(&s, 0, sizeof s);
	s.t = t;
	s.r = r;
	static const uint8_t sel[12] = {0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0,
	                                0x00, 0x00, 0x02, 0x47, 0x10, 0x01};
	struct dc_secinfos ca_info, si;
	char info[25];
	int have_si = 0, sw = 0;
	/* the chip access procedure: EF.CardAccess in the clear */
	if (read_file_as(&s, 0x011C, &l->card_access, 0) == 0 &&
	    dc_secinfos_parse(l->card_access.data, l->card_access.len, &ca_info) == DC_OK &&
	    ca_info.pace && r->status == DC_READ_OK) {
		if (!can && dc_bac_mrz_info(mrz, info) != DC_OK) {
			stop(&s, DC_READ_PACE_FAILED,
			     "the MRZ for the PACE password is not TD1 (%u)", 0);
		} else {
			int param = ca_info.pace_param >= 0 ? ca_info.pace_param : 12;
			int p = can ? pace_run(&s, can, strlen(can), 2, param,
			                       ca_info.pace_param >= 0, NULL, NULL)
			            : pace_run(&s, info, 24, 1, param, ca_info.pace_param >= 0,
			                       NULL, NULL);
			r->pace = p == 0 ? 1 : 0;
			if (p != 0 && r->status != DC_READ_TRANSPORT) {
				/* §4.2: when PACE fails, BAC (chips in the field refuse PACE
				 * with the MRZ password, e.g. when they want the CAN) */
				snprintf(r->pace_detail, sizeof r->pace_detail, "%.100s; then BAC",
				         p == 1 ? "the chip refused PACE" : r->detail);
				r->status = DC_READ_OK;
				r->detail[0] = 0;
			}
			if (p == 0) {
				r->access = "pace";
				sw = secure(&s, sel, sizeof sel);
				if (sw >= 0 && sw != 0x9000)
					stop(&s, DC_READ_NO_APP,
					     "SELECT of the eMRTD application refused (SW %04X)",
					     (unsigned)sw);
			}
		}
		OPENSSL_cleanse(info, sizeof info);
	}
	if (r->status == DC_READ_FILE_ERROR) { /* no readable EF.CardAccess: BAC */
		r->status = DC_READ_OK;
		r->detail[0] = 0;
	}
	if (r->status == DC_READ_OK && !r->access) {
		uint8_t rr[DC_APDU_MAX];
		size_t rn = sizeof rr;
		sw = plain(&s, sel, sizeof sel, rr, &rn);
		if (sw >= 0 && sw != 0x9000)
			stop(&s, DC_READ_NO_APP,
			     "SELECT of the eMRTD application refused (SW %04X)", (unsigned)sw);
		if (r->status == DC_READ_OK && bac(&s, mrz) == 0)
			r->access = "bac";
		if (r->status == DC_READ_BAC_FAILED && r->pace == 0) {
			/* neither protocol took the key: a wrong MRZ, named as PACE's */
			r->status = DC_READ_PACE_FAILED;
			snprintf(r->detail, sizeof r->detail,
			         "PACE and BAC both failed: the document number, birth date or "
			         "expiry "
			         "do not match the chip");
		}
	}
	if (r->status == DC_READ_OK && read_file(&s, 0x011E, &l->com) != 0)
		stop(&s, DC_READ_FILE_ERROR, "EF.COM could not be read (%u)", 0);
	uint32_t mask = 0;
	if (r->status == DC_READ_OK && dc_lds_com_dgs(l->com.data, l->com.len, &mask) != DC_OK)
		stop(&s, DC_READ_FILE_ERROR, "EF.COM is malformed (%u)", 0);
	/* DG14 first: chip authentication protects everything read after it */
	if (r->status == DC_READ_OK && (mask & (1u << 14)) &&
	    read_file(&s, 0x010E, &l->dg[14]) == 0) {
		if (dc_secinfos_parse(l->dg[14].data, l->dg[14].len, &si) == DC_OK) {
			have_si = 1;
			/* DG14 (signed) offers PACE, EF.CardAccess (unsigned) did not: a
			 * downgrade to BAC, or a broken EF.CardAccess */
			if (si.pace && r->pace == -1) {
				r->pace = 0;
				snprintf(
				        r->pace_detail, sizeof r->pace_detail,
				        "DG14 offers PACE but EF.CardAccess did not: read with BAC "
				        "(downgrade?)");
			}
			chip_auth(&s, &si);
		} else {
			r->ca = 0;
			snprintf(r->ca_detail, sizeof r->ca_detail, "DG14 is malformed");
		}
	}
	if (r->status == DC_READ_OK && read_file(&s, 0x011D, &l->sod) != 0)
		stop(&s, DC_READ_FILE_ERROR, "EF.SOD could not be read (%u)", 0);
	for (int i = 1; r->status == DC_READ_OK && i <= DC_LDS_MAX_DG; i++)
		if ((mask & (1u << i)) && i != 3 && i != 4 && i != 14)
			read_file(&s, 0x0100u + (unsigned)i, &l->dg[i]);
	if (r->status == DC_READ_OK && l->dg[15].data)
		active_auth(&s, l, have_si ? &si : NULL, aa_chal);
	if (r->access)
		r->sm = s.sm.aes ? "aes128" : "3des";
	OPENSSL_cleanse(&s.sm, sizeof s.sm);
	dc_buf_release(&s.prot);
	dc_buf_release(&s.plain);
	return r->status == DC_READ_OK ? DC_OK
	       : r->status == DC_READ_BAC_FAILED || r->status == DC_READ_PACE_FAILED
	               ? DC_ERR_AUTH
	               : DC_ERR_VERIFY;
}

/* --- PC/SC --- */

struct dc_pcsc {
	SCARDCONTEXT ctx;
	SCARDHANDLE card;
	DWORD proto;
};

int dc_pcsc_open(const char *name, struct dc_pcsc **out, char *why, size_t whyn)
{
	struct dc_pcsc *p = calloc(1, sizeof *p);
	if (!p)
		return DC_ERR_NOMEM;
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->ctx);
	if (rv != SCARD_S_SUCCESS) {
		snprintf(why, whyn, "PC/SC: %s (is pcscd running?)", pcsc_stringify_error(rv));
		free(p);
		return DC_ERR_UNAVAILABLE;
	}
	char readers[2048];
	DWORD n = sizeof readers;
	rv = SCardListReaders(p->ctx, NULL, readers, &n);
	if (rv != SCARD_S_SUCCESS) {
		snprintf(why, whyn, "PC/SC: no reader (%s)", pcsc_stringify_error(rv));
		dc_pcsc_close(p);
		return DC_ERR_UNAVAILABLE;
	}
	rv = SCARD_E_NO_SMARTCARD;
	for (const char *r = readers; *r && r < readers + n; r += strlen(r) + 1) {
		if (name && strcmp(name, r) != 0)
			continue;
		rv = SCardConnect(p->ctx, r, SCARD_SHARE_SHARED,
		                  SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &p->card, &p->proto);
		if (rv == SCARD_S_SUCCESS)
			break;
	}
	if (rv != SCARD_S_SUCCESS) {
		snprintf(why, whyn, "PC/SC: no card %s%s (%s)", name ? "in " : "", name ? name : "",
		         pcsc_stringify_error(rv));
		dc_pcsc_close(p);
		return DC_ERR_UNAVAILABLE;
	}
	*out = p;
	return DC_OK;
}

void dc_pcsc_close(struct dc_pcsc *p)
{
	if (!p)
		return;
	if (p->card)
		SCardDisconnect(p->card, SCARD_LEAVE_CARD);
	SCardReleaseContext(p->ctx);
	free(p);
}

static int pcsc_transmit(void *ctx, const uint8_t *a, size_t n, uint8_t *r, size_t *rn)
{
	struct dc_pcsc *p = ctx;
	const SCARD_IO_REQUEST *pci = p->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	DWORD len = (DWORD)*rn;
	LONG rv = SCardTransmit(p->card, pci, a, (DWORD)n, NULL, r, &len);
	if (rv != SCARD_S_SUCCESS || len < 2)
		return DC_ERR_IO;
	/* T=0: fetch the response with GET RESPONSE */
	if (r[len - 2] == 0x61) {
		uint8_t gr[5] = {a[0] & 0x0C ? a[0] & 0xF0 : 0x00, 0xC0, 0x00, 0x00, r[len - 1]};
		len = (DWORD)*rn;
		rv = SCardTransmit(p->card, pci, gr, 5, NULL, r, &len);
		if (rv != SCARD_S_SUCCESS || len < 2)
			return DC_ERR_IO;
	}
	*rn = len;
	return DC_OK;
}

struct dc_chip_transport dc_pcsc_transport(struct dc_pcsc *p)
{
	return (struct dc_chip_transport){p, pcsc_transmit};
}
