/*
 * sod.c — EF.SOD (CMS SignedData over an LDSSecurityObject, ICAO 9303
 * Part 10 §4.6.2) and passive authentication (Part 11 §5.1) with OpenSSL 3
 * CMS and X.509 (see dancu/lds.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "card/pki_internal.h"
#include "dancu/error.h"
#include "dancu/lds.h"
#include "dancu/tlv.h"

#define OID_LDS_SO "2.23.136.1.1.1"

/* DER OID value of id-sha256 (2.16.840.1.101.3.4.2.1). */
static const uint8_t oid_sha256[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};

static const char *const reason_names[] = {
        [DC_PA_OK] = "ok",
        [DC_PA_SOD_MALFORMED] = "sod_malformed",
        [DC_PA_SIGNATURE] = "sod_signature_invalid",
        [DC_PA_DS_UNTRUSTED] = "ds_untrusted",
        [DC_PA_DS_EXPIRED] = "ds_expired",
        [DC_PA_DS_REVOKED] = "ds_revoked",
        [DC_PA_DG_HASH] = "dg_hash_mismatch",
        [DC_PA_DG_NOT_IN_SOD] = "dg_not_in_sod",
        [DC_PA_UNSUPPORTED_HASH] = "unsupported_hash",
};

const char *dc_pa_reason_name(enum dc_pa_reason r)
{
	return (unsigned)r < sizeof reason_names / sizeof reason_names[0] ? reason_names[r] : NULL;
}

/* LDSSecurityObject v0 with SHA-256 hashes of every DG in l. */
static int lds_so(const struct dc_lds *l, struct dc_buf *out)
{
	struct dc_buf alg = DC_BUF_INIT, hashes = DC_BUF_INIT, body = DC_BUF_INIT,
	              one = DC_BUF_INIT;
	dc_tlv_put(&alg, 0x06, oid_sha256, sizeof oid_sha256);
	for (int i = 1; i <= DC_LDS_MAX_DG; i++) {
		if (!l->dg[i].data)
			continue;
		uint8_t h[32], n = (uint8_t)i;
		SHA256(l->dg[i].data, l->dg[i].len, h);
		dc_buf_reset(&one);
		dc_tlv_put(&one, 0x02, &n, 1);
		dc_tlv_put(&one, 0x04, h, sizeof h);
		dc_tlv_put(&hashes, 0x30, one.ptr, one.len);
	}
	dc_tlv_put(&body, 0x02, "\x00", 1);
	dc_tlv_put(&body, 0x30, alg.ptr, alg.len);
	dc_tlv_put(&body, 0x30, hashes.ptr ? hashes.ptr : "", hashes.len);
	dc_tlv_put(out, 0x30, body.ptr, body.len);
	int err = dc_buf_error(&alg) | dc_buf_error(&hashes) | dc_buf_error(&body) |
	          dc_buf_error(&one) | dc_buf_error(out);
	dc_buf_release(&alg);
	dc_buf_release(&hashes);
	dc_buf_release(&body);
	dc_buf_release(&one);
	return err ? DC_ERR_NOMEM : DC_OK;
}

int dc_sod_build(struct dc_lds *l, struct dc_pki_signer *s)
{
	struct dc_buf so = DC_BUF_INIT, out = DC_BUF_INIT;
	int rc = lds_so(l, &so);
	CMS_ContentInfo *cms = NULL;
	BIO *in = NULL;
	ASN1_OBJECT *oid = OBJ_txt2obj(OID_LDS_SO, 1);
	unsigned char *der = NULL;
	int dn = 0;
	if (rc == DC_OK) {
		int fl = CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP;
		in = BIO_new_mem_buf(so.ptr, (int)so.len);
		cms = CMS_sign(s->cert, s->key, NULL, NULL, fl);
		if (!in || !cms || !oid || !CMS_set1_eContentType(cms, oid) ||
		    !CMS_final(cms, in, NULL, CMS_BINARY) ||
		    (dn = i2d_CMS_ContentInfo(cms, &der)) <= 0)
			rc = DC_ERR_IO;
	}
	if (rc == DC_OK) {
		dc_tlv_put(&out, 0x77, der, (size_t)dn);
		rc = dc_buf_error(&out);
	}
	if (rc == DC_OK)
		rc = dc_lds_set(&l->sod, out.ptr, out.len);
	OPENSSL_free(der);
	ASN1_OBJECT_free(oid);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	dc_buf_release(&so);
	dc_buf_release(&out);
	ERR_clear_error();
	return rc;
}

/* --- verification --- */

static int fail(struct dc_pa_result *r, enum dc_pa_reason why, const char *detail)
{
	if (r->reason == DC_PA_OK) {
		r->reason = why;
		snprintf(r->detail, sizeof r->detail, "%s", detail);
	}
	return DC_OK;
}

/* Accept explicit EC curve parameters (common in eMRTD certificates) and a
 * CSCA for which the trust list has no CRL (noted by the caller). */
static int verify_cb(int ok, X509_STORE_CTX *ctx)
{
	int e = X509_STORE_CTX_get_error(ctx);
	if (!ok && (e == X509_V_ERR_EC_KEY_EXPLICIT_PARAMS || e == X509_V_ERR_UNABLE_TO_GET_CRL))
		return 1;
	return ok;
}

static void chain(X509 *ds, STACK_OF(X509) * extra, const struct dc_pki_trust *t, int64_t when,
                  struct dc_pa_result *r)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	if (!ctx || !X509_STORE_CTX_init(ctx, t->store, ds, extra)) {
		X509_STORE_CTX_free(ctx);
		r->chain_ok = 0;
		fail(r, DC_PA_DS_UNTRUSTED, "cannot set up chain verification");
		return;
	}
	X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(vp, (time_t)(when ? when : time(NULL)));
	if (t->ncrl)
		X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_CRL_CHECK);
	X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
	int ok = X509_verify_cert(ctx) == 1;
	int e = X509_STORE_CTX_get_error(ctx);
	r->crl_checked = t->ncrl > 0;
	if (ok) {
		r->chain_ok = 1;
	} else {
		char d[160];
		r->chain_ok = 0;
		snprintf(d, sizeof d, "DS certificate: %s (depth %d)",
		         X509_verify_cert_error_string(e), X509_STORE_CTX_get_error_depth(ctx));
		if (e == X509_V_ERR_CERT_HAS_EXPIRED || e == X509_V_ERR_CERT_NOT_YET_VALID)
			fail(r, DC_PA_DS_EXPIRED, d);
		else if (e == X509_V_ERR_CERT_REVOKED)
			fail(r, DC_PA_DS_REVOKED, d);
		else
			fail(r, DC_PA_DS_UNTRUSTED, d);
	}
	X509_STORE_CTX_free(ctx);
}

/* Walks the LDSSecurityObject: hash algorithm and the (number, hash) list. */
static int parse_so(const uint8_t *p, size_t n, const EVP_MD **md, struct dc_tlv *list)
{
	struct dc_tlv so, v, alg, oid;
	size_t off = 0;
	if (dc_tlv_parse(p, n, &so) != DC_OK || so.tag != 0x30 ||
	    dc_tlv_next(so.val, so.len, &off, &v) != 1 || v.tag != 0x02 ||
	    dc_tlv_next(so.val, so.len, &off, &alg) != 1 || alg.tag != 0x30 ||
	    dc_tlv_next(so.val, so.len, &off, list) != 1 || list->tag != 0x30 ||
	    dc_tlv_parse(alg.val, alg.len, &oid) != DC_OK || oid.tag != 0x06)
		return DC_ERR_INVALID;
	const unsigned char *q = alg.val;
	ASN1_OBJECT *o = d2i_ASN1_OBJECT(NULL, &q, (long)oid.size);
	*md = o ? EVP_get_digestbynid(OBJ_obj2nid(o)) : NULL;
	ASN1_OBJECT_free(o);
	return *md ? DC_OK : DC_ERR_UNSUPPORTED;
}

static void hashes(const struct dc_lds *l, const EVP_MD *md, const struct dc_tlv *list,
                   struct dc_pa_result *r)
{
	uint32_t covered = 0;
	size_t off = 0;
	struct dc_tlv e;
	int rc;
	r->hashes_ok = 1;
	while ((rc = dc_tlv_next(list->val, list->len, &off, &e)) == 1) {
		struct dc_tlv no, h;
		size_t o2 = 0;
		if (e.tag != 0x30 || dc_tlv_next(e.val, e.len, &o2, &no) != 1 || no.tag != 0x02 ||
		    no.len != 1 || dc_tlv_next(e.val, e.len, &o2, &h) != 1 || h.tag != 0x04 ||
		    no.val[0] < 1 || no.val[0] > DC_LDS_MAX_DG) {
			r->hashes_ok = 0;
			fail(r, DC_PA_SOD_MALFORMED, "bad DataGroupHash entry");
			return;
		}
		int k = no.val[0];
		covered |= 1u << k;
		if (!l->dg[k].data)
			continue; /* not read */
		uint8_t d[EVP_MAX_MD_SIZE];
		unsigned dn = 0;
		if (!EVP_Digest(l->dg[k].data, l->dg[k].len, d, &dn, md, NULL) || dn != h.len ||
		    CRYPTO_memcmp(d, h.val, dn) != 0) {
			char m[64];
			snprintf(m, sizeof m, "DG%d hash differs from EF.SOD", k);
			r->hashes_ok = 0;
			if (!r->bad_dg)
				r->bad_dg = k;
			fail(r, DC_PA_DG_HASH, m);
		}
	}
	if (rc < 0) {
		r->hashes_ok = 0;
		fail(r, DC_PA_SOD_MALFORMED, "bad DataGroupHash list");
	}
	for (int k = 1; k <= DC_LDS_MAX_DG; k++)
		if (l->dg[k].data && !(covered & (1u << k))) {
			char m[64];
			snprintf(m, sizeof m, "DG%d is not covered by EF.SOD", k);
			r->hashes_ok = 0;
			if (!r->bad_dg)
				r->bad_dg = k;
			fail(r, DC_PA_DG_NOT_IN_SOD, m);
		}
}

int dc_pa_verify(const struct dc_lds *l, const struct dc_pki_trust *trust, int64_t when,
                 struct dc_pa_result *r)
{
	memset(r, 0, sizeof *r);
	r->sod_ok = r->signature_ok = r->chain_ok = r->hashes_ok = -1;
	struct dc_tlv w;
	CMS_ContentInfo *cms = NULL;
	BIO *out = NULL;
	STACK_OF(X509) *signers = NULL, *certs = NULL;
	if (!l->sod.data || dc_tlv_parse(l->sod.data, l->sod.len, &w) != DC_OK || w.tag != 0x77) {
		r->sod_ok = 0;
		fail(r, DC_PA_SOD_MALFORMED, "EF.SOD is missing or not tagged 77");
		goto done;
	}
	const unsigned char *q = w.val;
	cms = d2i_CMS_ContentInfo(NULL, &q, (long)w.len);
	const ASN1_OBJECT *ct = cms ? CMS_get0_eContentType(cms) : NULL;
	char oid[64] = "";
	if (ct)
		OBJ_obj2txt(oid, sizeof oid, ct, 1);
	if (!cms || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed ||
	    (strcmp(oid, OID_LDS_SO) && strcmp(oid, "1.3.27.1.1.1") &&
	     strcmp(oid, "1.2.528.1.1006.1.20.1") && strcmp(oid, "1.2.840.113549.1.7.1"))) {
		r->sod_ok = 0;
		fail(r, DC_PA_SOD_MALFORMED,
		     "EF.SOD is not a CMS SignedData over an LDSSecurityObject");
		goto done;
	}
	r->sod_ok = 1;
	/* signature over the signed attributes, messageDigest = H(eContent) */
	out = BIO_new(BIO_s_mem());
	certs = CMS_get1_certs(cms);
	if (CMS_verify(cms, NULL, NULL, NULL, out, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) != 1) {
		r->signature_ok = 0;
		unsigned long e = ERR_peek_last_error();
		char m[160];
		snprintf(m, sizeof m, "EF.SOD signature: %s",
		         e ? ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "invalid"
		           : "invalid");
		fail(r, DC_PA_SIGNATURE, m);
		goto done;
	}
	r->signature_ok = 1;
	signers = CMS_get0_signers(cms);
	X509 *ds = signers && sk_X509_num(signers) == 1 ? sk_X509_value(signers, 0) : NULL;
	if (ds)
		X509_NAME_oneline(X509_get_subject_name(ds), r->ds_subject, sizeof r->ds_subject);
	/* every DG hash */
	char *so;
	long son = BIO_get_mem_data(out, &so);
	const EVP_MD *md = NULL;
	struct dc_tlv list;
	int prc = parse_so((const uint8_t *)so, (size_t)son, &md, &list);
	if (prc == DC_ERR_UNSUPPORTED) {
		r->hashes_ok = 0;
		fail(r, DC_PA_UNSUPPORTED_HASH, "unknown hash algorithm in the LDSSecurityObject");
	} else if (prc != DC_OK) {
		r->sod_ok = 0;
		fail(r, DC_PA_SOD_MALFORMED, "LDSSecurityObject does not parse");
	} else {
		snprintf(r->hash_alg, sizeof r->hash_alg, "%s", EVP_MD_get0_name(md));
		for (char *c = r->hash_alg; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		hashes(l, md, &list, r);
	}
	/* the DS chains to a trusted CSCA, valid and not revoked */
	if (!ds) {
		r->chain_ok = 0;
		fail(r, DC_PA_DS_UNTRUSTED, "EF.SOD carries no single DS certificate");
	} else if (trust) {
		chain(ds, certs, trust, when, r);
	}
done:
	sk_X509_free(signers);
	sk_X509_pop_free(certs, X509_free);
	BIO_free(out);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return DC_OK;
}

static void check_json(struct dc_buf *b, const char *name, int v, int first)
{
	dc_buf_addf(b, "%s\"%s\":%s", first ? "" : ",", name,
	            v == 1   ? "true"
	            : v == 0 ? "false"
	                     : "null");
}

int dc_pa_result_json(const struct dc_pa_result *r, struct dc_buf *b)
{
	dc_buf_addf(b, "{\"passed\":%s,\"reason\":\"%s\",\"checks\":{",
	            r->reason == DC_PA_OK && r->chain_ok == 1 ? "true" : "false",
	            r->reason == DC_PA_OK && r->chain_ok != 1 ? "no_trust_list"
	                                                      : dc_pa_reason_name(r->reason));
	check_json(b, "sod", r->sod_ok, 1);
	check_json(b, "signature", r->signature_ok, 0);
	check_json(b, "chain", r->chain_ok, 0);
	check_json(b, "dg_hashes", r->hashes_ok, 0);
	dc_buf_addf(b, "},\"crl_checked\":%s,\"hash\":\"%s\",\"bad_dg\":%d,\"ds\":\"",
	            r->crl_checked ? "true" : "false", r->hash_alg, r->bad_dg);
	dc_buf_add_json_str(b, r->ds_subject, strlen(r->ds_subject));
	dc_buf_adds(b, "\",\"detail\":\"");
	dc_buf_add_json_str(b, r->detail, strlen(r->detail));
	return dc_buf_adds(b, "\"}");
}
