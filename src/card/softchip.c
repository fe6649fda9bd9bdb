/*
 * softchip.c — a software eMRTD chip for a card dancu issued: the APDUs of
 * ICAO 9303 Part 10/11 — BAC or PACE (generic mapping, ECDH, AES-128, the
 * MRZ password), 3DES or AES secure messaging, chip authentication (ECDH,
 * AES-128; SM restarts with the new keys) and active authentication (ECDSA
 * P-256) — see dancu/chip.h. Used by tests, `dancu card verify --chip` and
 * the demo.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "card/ec_internal.h"
#include "dancu/bac.h"
#include "dancu/chip.h"
#include "dancu/error.h"
#include "dancu/tlv.h"

static const uint8_t aid[7] = {0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01};

/* PACE in progress (chip side). */
struct pace {
	int step;  /* 0 idle; 1 after MSE:Set AT; 2 nonce sent; 3 mapped; 4 keys agreed */
	int pwref; /* 1 MRZ, 2 CAN */
	uint8_t s[16];
	EC_GROUP *g, *mapped;
	uint8_t pk_ifd[DC__EC_PT_MAX], pk_ic[DC__EC_PT_MAX];
	size_t pk_ifd_n, pk_ic_n;
	struct dc_sm sm;
};

struct dc_softchip {
	struct dc_lds files;
	struct dc_bac_keys keys;
	char info[25];         /* MRZ_information: the PACE password */
	char can[17];          /* the card access number ("" none) */
	struct dc_sm sm, next; /* next: keys that take over after this response (CA) */
	int switch_sm;
	uint8_t rnd_ic[8];
	int app, challenged, secure, ca_ready;
	const struct dc_lds_file *cur;
	EVP_PKEY *aa, *ca;
	struct pace pace;
};

static void pace_reset(struct pace *p)
{
	EC_GROUP_free(p->g);
	EC_GROUP_free(p->mapped);
	OPENSSL_cleanse(p, sizeof *p);
}

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
	memcpy(c->info, info, 25);
	if (l->card_access.data && (rc = copy(&c->files.card_access, &l->card_access))) {
		dc_softchip_free(c);
		return rc;
	}
	*out = c;
	return DC_OK;
}

void dc_softchip_free(struct dc_softchip *c)
{
	if (!c)
		return;
	dc_lds_free(&c->files);
	pace_reset(&c->pace);
	EVP_PKEY_free(c->aa);
	EVP_PKEY_free(c->ca);
	OPENSSL_cleanse(c, sizeof *c);
	free(c);
}

int dc_softchip_set_can(struct dc_softchip *c, const char *can)
{
	size_t n = can ? strlen(can) : 0;
	if (n == 0 || n >= sizeof c->can || strspn(can, "0123456789") != n)
		return DC_ERR_INVALID;
	memcpy(c->can, can, n + 1);
	return DC_OK;
}

int dc_softchip_set_keys(struct dc_softchip *c, const struct dc_chip_keys *k)
{
	EVP_PKEY *aa = dc__chip_keys_aa(k), *ca = dc__chip_keys_ca(k);
	if (EVP_PKEY_up_ref(aa) != 1)
		return DC_ERR_NOMEM;
	if (EVP_PKEY_up_ref(ca) != 1) {
		EVP_PKEY_free(aa);
		return DC_ERR_NOMEM;
	}
	EVP_PKEY_free(c->aa);
	EVP_PKEY_free(c->ca);
	c->aa = aa;
	c->ca = ca;
	return DC_OK;
}

/* GENERAL AUTHENTICATE for PACE; a is the plain command. */
static void pace_step(struct dc_softchip *c, const uint8_t *data, size_t lc, struct dc_buf *out,
                      uint16_t *sw)
{
	struct pace *p = &c->pace;
	struct dc_tlv t, in;
	uint8_t pt[DC__EC_PT_MAX];
	size_t pn;
	BIGNUM *sk = NULL;
	EC_POINT *pub = NULL, *other = NULL;
	struct dc_buf b = DC_BUF_INIT;
	*sw = 0x6A80;
	if (dc_tlv_parse(data, lc, &t) != DC_OK || t.tag != 0x7C)
		goto fail;
	int has = t.len > 0 && dc_tlv_parse(t.val, t.len, &in) == DC_OK;
	if (p->step == 1) { /* encrypted nonce */
		uint8_t kpi[16], z[16], iv[16] = {0};
		if (t.len != 0 || RAND_bytes(p->s, 16) != 1)
			goto fail;
		if (p->pwref == 2)
			dc_kdf_aes128((const uint8_t *)c->can, strlen(c->can), 3, kpi);
		else
			dc__pace_kpi(c->info, 24, kpi);
		int rc = dc_aes128_cbc(kpi, iv, 1, p->s, 16, z);
		OPENSSL_cleanse(kpi, sizeof kpi);
		if (rc)
			goto fail;
		dc_tlv_put(&b, 0x80, z, 16);
	} else if (p->step == 2) { /* mapping */
		if (!has || in.tag != 0x81 || dc__ec_point_decode(p->g, in.val, in.len, &other))
			goto fail;
		sk = dc__ec_scalar(p->g, NULL, 0);
		pub = EC_POINT_new(p->g);
		if (!sk || !pub || EC_POINT_mul(p->g, pub, sk, NULL, NULL, NULL) != 1 ||
		    !(p->mapped = dc__pace_map(p->g, p->s, sk, other)))
			goto fail;
		pn = dc__ec_point_encode(p->g, pub, pt);
		dc_tlv_put(&b, 0x82, pt, pn);
	} else if (p->step == 3) { /* key agreement */
		uint8_t k[66];
		size_t kn = 0;
		if (!has || in.tag != 0x83 || in.len > sizeof p->pk_ifd ||
		    dc__ec_point_decode(p->mapped, in.val, in.len, &other))
			goto fail;
		sk = dc__ec_scalar(p->mapped, NULL, 0);
		pub = EC_POINT_new(p->mapped);
		if (!sk || !pub || EC_POINT_mul(p->mapped, pub, sk, NULL, NULL, NULL) != 1)
			goto fail;
		p->pk_ic_n = dc__ec_point_encode(p->mapped, pub, p->pk_ic);
		memcpy(p->pk_ifd, in.val, in.len);
		p->pk_ifd_n = in.len;
		/* the terminal's key must not be ours echoed back */
		if (p->pk_ic_n == p->pk_ifd_n && !memcmp(p->pk_ic, p->pk_ifd, p->pk_ic_n))
			goto fail;
		if (dc__ec_shared_x(p->mapped, sk, other, k, &kn))
			goto fail;
		dc__sm_from_secret(k, kn, &p->sm);
		OPENSSL_cleanse(k, sizeof k);
		dc_tlv_put(&b, 0x84, p->pk_ic, p->pk_ic_n);
	} else if (p->step == 4) { /* mutual authentication */
		uint8_t want[8], mine[8];
		if (!has || in.tag != 0x85 || in.len != 8 ||
		    dc__pace_token(p->sm.ksmac, dc__oid_pace_ecdh_gm_aes128, 10, p->pk_ic,
		                   p->pk_ic_n, want))
			goto fail;
		if (CRYPTO_memcmp(want, in.val, 8) != 0) {
			*sw = 0x6300; /* wrong password */
			goto fail;
		}
		dc__pace_token(p->sm.ksmac, dc__oid_pace_ecdh_gm_aes128, 10, p->pk_ifd, p->pk_ifd_n,
		               mine);
		dc_tlv_put(&b, 0x86, mine, 8);
		c->sm = p->sm;
		c->secure = 1;
	} else {
		*sw = 0x6985;
		goto fail;
	}
	if (dc_buf_error(&b))
		goto fail;
	dc_tlv_put(out, 0x7C, b.ptr, b.len);
	*sw = 0x9000;
	p->step = p->step == 4 ? 0 : p->step + 1;
	if (p->step == 0)
		pace_reset(p);
	goto done;
fail:
	pace_reset(p);
done:
	BN_clear_free(sk);
	EC_POINT_free(pub);
	EC_POINT_free(other);
	dc_buf_release(&b);
}

/* MSE:Set AT — PACE (C1 A4, plain) or chip authentication (41 A4, under
 * SM). */
static void mse(struct dc_softchip *c, uint8_t p1, uint8_t p2, const uint8_t *d, size_t lc,
                uint16_t *sw)
{
	struct dc_tlv oid, pw;
	size_t off = 0;
	*sw = 0x6A80;
	if (p2 != 0xA4 || dc_tlv_next(d, lc, &off, &oid) != 1 || oid.tag != 0x80 || oid.len != 10)
		return;
	if (p1 == 0xC1 && c->files.card_access.data &&
	    !memcmp(oid.val, dc__oid_pace_ecdh_gm_aes128, 10)) {
		if (dc_tlv_next(d, lc, &off, &pw) != 1 || pw.tag != 0x83 || pw.len != 1 ||
		    (pw.val[0] != 0x01 && !(pw.val[0] == 0x02 && c->can[0]))) {
			*sw = 0x6A88; /* the MRZ, or the CAN when the card has one */
			return;
		}
		pace_reset(&c->pace);
		c->pace.pwref = pw.val[0];
		c->pace.g = dc__ec_group_std(12);
		c->pace.step = c->pace.g ? 1 : 0;
		c->secure = 0;
		*sw = c->pace.g ? 0x9000 : 0x6F00;
	} else if (p1 == 0x41 && c->ca && c->secure &&
	           !memcmp(oid.val, dc__oid_ca_ecdh_aes128, 10)) {
		c->ca_ready = 1;
		*sw = 0x9000;
	}
}

/* GENERAL AUTHENTICATE of chip authentication: 7C { 80 PK_eph } → 7C 00;
 * the new keys take over after this response. */
static void ca_step(struct dc_softchip *c, const uint8_t *d, size_t lc, struct dc_buf *out,
                    uint16_t *sw)
{
	struct dc_tlv t, in;
	uint8_t k[66];
	size_t kn = 0;
	c->ca_ready = 0;
	if (dc_tlv_parse(d, lc, &t) != DC_OK || t.tag != 0x7C ||
	    dc_tlv_parse(t.val, t.len, &in) != DC_OK || in.tag != 0x80 ||
	    dc__ca_chip(c->ca, in.val, in.len, k, &kn) != DC_OK) {
		*sw = 0x6A80;
		return;
	}
	dc__sm_from_secret(k, kn, &c->next);
	OPENSSL_cleanse(k, sizeof k);
	c->switch_sm = 1;
	dc_tlv_put(out, 0x7C, "", 0);
	*sw = 0x9000;
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
	else if (fid == 0x011C)
		f = &c->files.card_access;
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
		} else if (p1 == 0x02 && lc == 2 && data[0] == 0x01 && data[1] == 0x1C) {
			/* EF.CardAccess in the MF: readable without access control */
			const struct dc_lds_file *f = by_fid(c, 0x011C);
			c->cur = f ? f : c->cur;
			*sw = f ? 0x9000 : 0x6A82;
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
		int free_read =
		        (p1 & 0x80) ? (p1 & 0x1F) == 0x1C : c->cur && c->cur == by_fid(c, 0x011C);
		if (!c->secure && !free_read) {
			*sw = 0x6982;
			return;
		}
		size_t off;
		const struct dc_lds_file *f = c->cur;
		if (p1 & 0x80) {
			f = (p1 & 0x1F) == 0x1C   ? by_fid(c, 0x011C)
			    : (p1 & 0x1F) == 0x1E ? by_fid(c, 0x011E)
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
	} else if (ins == 0x22) { /* MSE:Set AT */
		mse(c, p1, p2, data, lc, sw);
	} else if (ins == 0x86) { /* GENERAL AUTHENTICATE */
		if (c->pace.step && !c->secure)
			pace_step(c, data, lc, out, sw);
		else if (c->ca_ready && c->secure)
			ca_step(c, data, lc, out, sw);
		else
			*sw = 0x6985;
	} else if (ins == 0x88) { /* INTERNAL AUTHENTICATE (active authentication) */
		uint8_t sig[140];
		size_t sn = 0;
		if (!c->aa) {
			*sw = 0x6D00;
		} else if (!c->secure) {
			*sw = 0x6982;
		} else if (lc != 8) {
			*sw = 0x6700;
		} else if (dc__aa_sign(c->aa, data, 8, sig, &sn) != DC_OK) {
			*sw = 0x6F00;
		} else {
			dc_buf_add(out, sig, sn);
			*sw = 0x9000;
		}
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
	} else if (a[0] != 0x00 && !(a[0] == 0x10 && a[1] == 0x86)) {
		sw = 0x6E00;
	} else {
		if (c->secure && a[1] != 0xA4 && a[1] != 0x84 && a[1] != 0x82 && a[1] != 0x22 &&
		    a[1] != 0x86 && !(a[1] == 0xB0 && c->cur == by_fid(c, 0x011C))) {
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
	if (c->switch_sm) { /* chip authentication: the new keys from now on */
		c->sm = c->next;
		c->switch_sm = 0;
		OPENSSL_cleanse(&c->next, sizeof c->next);
	}
	dc_buf_release(&plain);
	dc_buf_release(&out);
	dc_buf_release(&prot);
	return DC_OK;
}

struct dc_chip_transport dc_softchip_transport(struct dc_softchip *c)
{
	return (struct dc_chip_transport){c, transmit};
}

/* --- vpcd (vsmartcard) --- */

static int io_all(int fd, uint8_t *p, size_t n, int wr)
{
	while (n > 0) {
		ssize_t k = wr ? write(fd, p, n) : read(fd, p, n);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int send_framed(int fd, const uint8_t *p, size_t n)
{
	uint8_t h[2] = {(uint8_t)(n >> 8), (uint8_t)n};
	return io_all(fd, h, 2, 1) || io_all(fd, (uint8_t *)p, n, 1) ? -1 : 0;
}

int dc_softchip_serve_vpcd(struct dc_softchip *c, const char *host, int port, int sessions)
{
	/* the ATR vsmartcard's virtual cards use (ISO 14443-4 style, T=1) */
	static const uint8_t atr[] = {0x3B, 0x80, 0x80, 0x01, 0x01};
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return DC_ERR_INVALID;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		if (fd >= 0)
			close(fd);
		return DC_ERR_UNAVAILABLE;
	}
	uint8_t buf[65536], resp[300];
	int offs = 0, rc = DC_OK;
	for (;;) {
		uint8_t h[2];
		if (io_all(fd, h, 2, 0))
			break;
		size_t n = (size_t)h[0] << 8 | h[1];
		if (io_all(fd, buf, n, 0)) {
			rc = DC_ERR_IO;
			break;
		}
		if (n == 1) {
			if (buf[0] == 0x04) { /* get ATR */
				if (send_framed(fd, atr, sizeof atr))
					break;
			} else { /* 0 power off, 1 power on, 2 reset: the chip forgets its session
				  */
				c->app = c->challenged = c->secure = c->ca_ready = 0;
				c->cur = NULL;
				pace_reset(&c->pace);
				if (buf[0] == 0x00 && sessions && ++offs >= sessions)
					break;
			}
			continue;
		}
		size_t rn = sizeof resp;
		transmit(c, buf, n, resp, &rn);
		if (send_framed(fd, resp, rn))
			break;
	}
	close(fd);
	return rc;
}
