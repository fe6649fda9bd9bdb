/*
 * reader.c — reading an eMRTD chip over any transport: SELECT, BAC, secure
 * messaging reads (see dancu/chip.h); and the PC/SC transport (pcsc-lite).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <winscard.h>

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

/* Reads the whole EF fid under SM into f. Returns 0, 1 (file absent or
 * protected: skipped) or -1. */
static int read_file(struct session *s, unsigned fid, struct dc_lds_file *f)
{
	uint8_t sel[7] = {0x00, 0xA4, 0x02, 0x0C, 0x02, (uint8_t)(fid >> 8), (uint8_t)fid};
	int sw = secure(s, sel, sizeof sel);
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
		sw = secure(s, rb, 5);
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

int dc_chip_read(const struct dc_chip_transport *t, const char *mrz, struct dc_lds *l,
                 struct dc_read_result *r)
{
	memset(r, 0, sizeof *r);
	struct session s;
	memset(&s, 0, sizeof s);
	s.t = t;
	s.r = r;
	static const uint8_t sel[12] = {0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0,
	                                0x00, 0x00, 0x02, 0x47, 0x10, 0x01};
	uint8_t rr[DC_APDU_MAX];
	size_t rn = sizeof rr;
	int sw = plain(&s, sel, sizeof sel, rr, &rn);
	if (sw >= 0 && sw != 0x9000)
		stop(&s, DC_READ_NO_APP, "SELECT of the eMRTD application refused (SW %04X)",
		     (unsigned)sw);
	if (r->status == DC_READ_OK)
		bac(&s, mrz);
	if (r->status == DC_READ_OK && read_file(&s, 0x011E, &l->com) != 0)
		stop(&s, DC_READ_FILE_ERROR, "EF.COM could not be read (%u)", 0);
	uint32_t mask = 0;
	if (r->status == DC_READ_OK && dc_lds_com_dgs(l->com.data, l->com.len, &mask) != DC_OK)
		stop(&s, DC_READ_FILE_ERROR, "EF.COM is malformed (%u)", 0);
	if (r->status == DC_READ_OK && read_file(&s, 0x011D, &l->sod) != 0)
		stop(&s, DC_READ_FILE_ERROR, "EF.SOD could not be read (%u)", 0);
	for (int i = 1; r->status == DC_READ_OK && i <= DC_LDS_MAX_DG; i++)
		if ((mask & (1u << i)) && i != 3 && i != 4)
			read_file(&s, 0x0100u + (unsigned)i, &l->dg[i]);
	OPENSSL_cleanse(&s.sm, sizeof s.sm);
	dc_buf_release(&s.prot);
	dc_buf_release(&s.plain);
	return r->status == DC_READ_OK           ? DC_OK
	       : r->status == DC_READ_BAC_FAILED ? DC_ERR_AUTH
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
