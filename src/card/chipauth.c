/*
 * chipauth.c — the chip's own keys and what the LDS says about them
 * (ICAO 9303 Part 11 §6, Part 10 DG14/DG15), active authentication on both
 * sides and the key agreement of chip authentication (see dancu/chip.h and
 * card/ec_internal.h). OpenSSL signs, verifies and agrees keys; this file
 * only arranges the bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "card/ec_internal.h"
#include "dancu/chip.h"
#include "dancu/error.h"
#include "dancu/pki.h"
#include "dancu/tlv.h"

struct dc_chip_keys {
	EVP_PKEY *aa, *ca;
};

/* OID values (DER contents). */
static const uint8_t oid_pk_ecdh[9] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x01, 0x02};
static const uint8_t oid_ca_ecdh[9] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x02};
static const uint8_t oid_pace[8] = {0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04};
static const uint8_t oid_aa[6] = {0x67, 0x81, 0x08, 0x01, 0x01, 0x05}; /* 2.23.136.1.1.5 */
const uint8_t dc__oid_pace_ecdh_gm_aes128[10] = {0x04, 0x00, 0x7F, 0x00, 0x07,
                                                 0x02, 0x02, 0x04, 0x02, 0x02};
const uint8_t dc__oid_ca_ecdh_aes128[10] = {0x04, 0x00, 0x7F, 0x00, 0x07,
                                            0x02, 0x02, 0x03, 0x02, 0x02};
/* ecdsa-with-SHA1/224/256/384/512: 1.2.840.10045.4.1 and 4.3.1–4 */
static const struct {
	uint8_t der[8];
	size_t n;
	const char *hash;
} ecdsa_oids[] = {
        {{0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x01}, 7, "sha1"},
        {{0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x01}, 8, "sha224"},
        {{0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02}, 8, "sha256"},
        {{0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03}, 8, "sha384"},
        {{0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x04}, 8, "sha512"},
};

/* --- keys --- */

void dc_chip_keys_free(struct dc_chip_keys *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->aa);
	EVP_PKEY_free(k->ca);
	free(k);
}

int dc_chip_keys_generate(struct dc_chip_keys **out)
{
	struct dc_chip_keys *k = calloc(1, sizeof *k);
	if (!k)
		return DC_ERR_NOMEM;
	k->aa = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	k->ca = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!k->aa || !k->ca) {
		dc_chip_keys_free(k);
		return DC_ERR_IO;
	}
	*out = k;
	return DC_OK;
}

/* Writes k to a temporary file (mode 0600) next to path; then rename
 * (replace) or link (create only: DC_ERR_CONFLICT when path exists). */
static int save(const struct dc_chip_keys *k, const char *path, int replace)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return DC_ERR_IO;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return DC_ERR_IO;
	}
	int ok = PEM_write_PrivateKey(f, k->aa, NULL, NULL, 0, NULL, NULL) &&
	         PEM_write_PrivateKey(f, k->ca, NULL, NULL, 0, NULL, NULL);
	if (fclose(f) != 0 || !ok) {
		unlink(tmp);
		return DC_ERR_IO;
	}
	int rc = DC_OK;
	if (replace ? rename(tmp, path) != 0 : link(tmp, path) != 0)
		rc = !replace && errno == EEXIST ? DC_ERR_CONFLICT : DC_ERR_IO;
	if (!replace || rc)
		unlink(tmp);
	return rc;
}

int dc_chip_keys_save(const struct dc_chip_keys *k, const char *path)
{
	return save(k, path, 1);
}

int dc_chip_keys_load(const char *path, struct dc_chip_keys **out)
{
	char why[160];
	int rc = dc_pki_key_mode_ok(path, why);
	if (rc)
		return rc;
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? DC_ERR_NOT_FOUND : DC_ERR_IO;
	struct dc_chip_keys *k = calloc(1, sizeof *k);
	if (!k) {
		fclose(f);
		return DC_ERR_NOMEM;
	}
	k->aa = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	k->ca = k->aa ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	fclose(f);
	if (!k->ca || EVP_PKEY_get_base_id(k->aa) != EVP_PKEY_EC ||
	    EVP_PKEY_get_base_id(k->ca) != EVP_PKEY_EC) {
		dc_chip_keys_free(k);
		return DC_ERR_INVALID;
	}
	*out = k;
	return DC_OK;
}

int dc_chip_keys_for_card(const char *pki_dir, int64_t card_id, struct dc_chip_keys **out)
{
	char dir[4100], path[4200];
	snprintf(dir, sizeof dir, "%s/chips", pki_dir);
	snprintf(path, sizeof path, "%s/%lld.pem", dir, (long long)card_id);
	int rc = dc_chip_keys_load(path, out);
	if (rc != DC_ERR_NOT_FOUND)
		return rc;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return DC_ERR_IO;
	struct dc_chip_keys *k = NULL;
	if ((rc = dc_chip_keys_generate(&k)))
		return rc;
	/* created with link(): of two issuers racing, the first wins and both
	 * then use its keys (a chip's keys never change once made) */
	rc = save(k, path, 0);
	dc_chip_keys_free(k);
	return rc && rc != DC_ERR_CONFLICT ? rc : dc_chip_keys_load(path, out);
}

/* --- DG14, DG15, EF.CardAccess --- */

static int spki(EVP_PKEY *k, struct dc_buf *out)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k, &der);
	if (n <= 0)
		return DC_ERR_INVALID;
	dc_buf_add(out, der, (size_t)n);
	OPENSSL_free(der);
	return dc_buf_error(out);
}

int dc_chip_keys_dg15(const struct dc_chip_keys *k, struct dc_buf *out)
{
	struct dc_buf b = DC_BUF_INIT;
	int rc = spki(k->aa, &b);
	if (rc == DC_OK)
		rc = dc_tlv_put(out, 0x6F, b.ptr, b.len);
	dc_buf_release(&b);
	return rc;
}

static void seq_oid_int(struct dc_buf *set, const uint8_t *oid, size_t n, int v, int v2)
{
	struct dc_buf s = DC_BUF_INIT;
	uint8_t iv = (uint8_t)v, iv2 = (uint8_t)v2;
	dc_tlv_put(&s, 0x06, oid, n);
	dc_tlv_put(&s, 0x02, &iv, 1);
	if (v2 >= 0)
		dc_tlv_put(&s, 0x02, &iv2, 1);
	dc_tlv_put(set, 0x30, s.ptr, s.len);
	dc_buf_release(&s);
}

static void pace_info(struct dc_buf *set)
{
	seq_oid_int(set, dc__oid_pace_ecdh_gm_aes128, 10, 2, 12); /* version 2, P-256 */
}

int dc_chip_keys_dg14(const struct dc_chip_keys *k, bool pace, struct dc_buf *out)
{
	struct dc_buf set = DC_BUF_INIT, s = DC_BUF_INIT, set2 = DC_BUF_INIT;
	/* ChipAuthenticationPublicKeyInfo */
	dc_tlv_put(&s, 0x06, oid_pk_ecdh, sizeof oid_pk_ecdh);
	int rc = spki(k->ca, &s);
	dc_tlv_put(&set, 0x30, s.ptr, s.len);
	/* ChipAuthenticationInfo, version 1 */
	seq_oid_int(&set, dc__oid_ca_ecdh_aes128, 10, 1, -1);
	/* ActiveAuthenticationInfo { id-AA, 1, ecdsa-with-SHA256 } */
	dc_buf_reset(&s);
	dc_tlv_put(&s, 0x06, oid_aa, sizeof oid_aa);
	dc_tlv_put(&s, 0x02, "\x01", 1);
	dc_tlv_put(&s, 0x06, ecdsa_oids[2].der, ecdsa_oids[2].n);
	dc_tlv_put(&set, 0x30, s.ptr, s.len);
	if (pace)
		pace_info(&set);
	dc_tlv_put(&set2, 0x31, set.ptr, set.len);
	if (rc == DC_OK)
		rc = dc_buf_error(&set) | dc_buf_error(&s) | dc_buf_error(&set2);
	if (rc == DC_OK)
		rc = dc_tlv_put(out, 0x6E, set2.ptr, set2.len);
	dc_buf_release(&set);
	dc_buf_release(&set2);
	dc_buf_release(&s);
	return rc;
}

int dc_card_access_build(struct dc_buf *out)
{
	struct dc_buf set = DC_BUF_INIT;
	pace_info(&set);
	int rc = dc_buf_error(&set);
	if (rc == DC_OK)
		rc = dc_tlv_put(out, 0x31, set.ptr, set.len);
	dc_buf_release(&set);
	return rc;
}

/* --- SecurityInfos --- */

static int small_int(const struct dc_tlv *t)
{
	if (t->tag != 0x02 || t->len == 0 || t->len > 2 || (t->val[0] & 0x80))
		return -1;
	int v = 0;
	for (size_t i = 0; i < t->len; i++)
		v = v << 8 | t->val[i];
	return v;
}

static void one_info(const uint8_t *p, size_t n, struct dc_secinfos *o)
{
	struct dc_tlv oid, a, b;
	size_t off = 0;
	if (dc_tlv_next(p, n, &off, &oid) != 1 || oid.tag != 0x06 ||
	    dc_tlv_next(p, n, &off, &a) != 1)
		return;
	int has_b = dc_tlv_next(p, n, &off, &b) == 1;
	if (oid.len == 9 && !memcmp(oid.val, oid_pk_ecdh, 9) && a.tag == 0x30) {
		o->ca_spki = a.val - (a.size - a.len);
		o->ca_spki_len = a.size;
	} else if (oid.len == 10 && !memcmp(oid.val, oid_ca_ecdh, 9) && small_int(&a) == 1) {
		o->ca_cipher = oid.val[9];
	} else if (oid.len == 6 && !memcmp(oid.val, oid_aa, 6) && has_b && b.tag == 0x06) {
		for (size_t i = 0; i < sizeof ecdsa_oids / sizeof ecdsa_oids[0]; i++)
			if (b.len == ecdsa_oids[i].n && !memcmp(b.val, ecdsa_oids[i].der, b.len))
				o->aa_hash = ecdsa_oids[i].hash;
	} else if (oid.len == 10 && !memcmp(oid.val, oid_pace, 8) && small_int(&a) == 2) {
		if (!memcmp(oid.val, dc__oid_pace_ecdh_gm_aes128, 10)) {
			o->pace = 1;
			o->pace_param = has_b ? small_int(&b) : -1;
		} else {
			o->pace_other = 1;
		}
	}
}

int dc_secinfos_parse(const uint8_t *p, size_t n, struct dc_secinfos *out)
{
	struct dc_tlv t, set;
	memset(out, 0, sizeof *out);
	out->pace_param = -1;
	if (dc_tlv_parse(p, n, &t) != DC_OK)
		return DC_ERR_INVALID;
	if (t.tag == 0x6E) {
		if (dc_tlv_parse(t.val, t.len, &set) != DC_OK || set.tag != 0x31)
			return DC_ERR_INVALID;
	} else if (t.tag == 0x31) {
		set = t;
	} else {
		return DC_ERR_INVALID;
	}
	size_t off = 0;
	struct dc_tlv e;
	int r;
	while ((r = dc_tlv_next(set.val, set.len, &off, &e)) == 1)
		if (e.tag == 0x30)
			one_info(e.val, e.len, out);
	return r < 0 ? DC_ERR_INVALID : DC_OK;
}

/* --- active authentication --- */

int dc__aa_sign(EVP_PKEY *k, const uint8_t *chal, size_t n, uint8_t *sig, size_t *sn)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t der[160];
	size_t dn = sizeof der;
	int rc = DC_ERR_IO;
	ECDSA_SIG *es = NULL;
	if (md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
	    EVP_DigestSign(md, der, &dn, chal, n) == 1) {
		const unsigned char *q = der;
		es = d2i_ECDSA_SIG(NULL, &q, (long)dn);
	}
	if (es) {
		EC_GROUP *g = dc__ec_group_of(k);
		int fl = g ? (int)((EC_GROUP_order_bits(g) + 7) / 8) : 0;
		if (fl && BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, fl) == fl &&
		    BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + fl, fl) == fl) {
			*sn = 2 * (size_t)fl;
			rc = DC_OK;
		}
		EC_GROUP_free(g);
	}
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	return rc;
}

static void say(char *why, size_t n, const char *s)
{
	if (why && n)
		snprintf(why, n, "%s", s);
}

static int ecdsa_der_verify(EVP_PKEY *pk, const EVP_MD *md, const uint8_t *chal, size_t chaln,
                            const uint8_t *der, size_t dn)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, pk) == 1 &&
	         EVP_DigestVerify(ctx, der, dn, chal, chaln) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

/* ECDSA: r‖s as sent by TR-03110 chips (exactly twice the order's size),
 * or DER. A plain signature may start with 30 by chance, so the plain
 * reading comes first when the length fits, and DER is tried after. */
static int aa_ecdsa(EVP_PKEY *pk, const char *hash, const uint8_t *chal, size_t chaln,
                    const uint8_t *sig, size_t sn)
{
	const EVP_MD *md = EVP_get_digestbyname(hash ? hash : "sha256");
	if (!md)
		return DC_ERR_INVALID;
	size_t fl = ((size_t)EVP_PKEY_get_bits(pk) + 7) / 8;
	if (fl && sn == 2 * fl) {
		uint8_t der[200];
		ECDSA_SIG *es = ECDSA_SIG_new();
		BIGNUM *r = BN_bin2bn(sig, (int)fl, NULL), *s = BN_bin2bn(sig + fl, (int)fl, NULL);
		if (!es || !r || !s || ECDSA_SIG_set0(es, r, s) != 1) {
			BN_free(r);
			BN_free(s);
			ECDSA_SIG_free(es);
			return DC_ERR_NOMEM;
		}
		int k = i2d_ECDSA_SIG(es, NULL);
		int ok = 0;
		if (k > 0 && k <= (int)sizeof der) {
			unsigned char *q = der;
			i2d_ECDSA_SIG(es, &q);
			ok = ecdsa_der_verify(pk, md, chal, chaln, der, (size_t)k);
		}
		ECDSA_SIG_free(es);
		if (ok)
			return DC_OK;
	}
	if (sig[0] == 0x30 && ecdsa_der_verify(pk, md, chal, chaln, sig, sn))
		return DC_OK;
	return DC_ERR_VERIFY;
}

/* RSA, ISO/IEC 9796-2 digital signature scheme 1 (partial recovery):
 * m = s^e mod n = 6A ‖ M1 ‖ H ‖ trailer, H = Hash(M1 ‖ challenge). */
static int aa_rsa(EVP_PKEY *pk, const uint8_t *chal, size_t chaln, const uint8_t *sig, size_t sn)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, NULL);
	uint8_t m[1024];
	size_t mn = sizeof m;
	int rc = DC_ERR_VERIFY;
	if (!ctx || sn > sizeof m || EVP_PKEY_verify_recover_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) != 1 ||
	    EVP_PKEY_verify_recover(ctx, m, &mn, sig, sn) != 1 || mn < 24)
		goto out;
	const EVP_MD *md = NULL;
	size_t tl = 1;
	if (m[mn - 1] == 0xBC) {
		md = EVP_sha1();
	} else if (m[mn - 1] == 0xCC) {
		tl = 2;
		md = m[mn - 2] == 0x38   ? EVP_sha224()
		     : m[mn - 2] == 0x34 ? EVP_sha256()
		     : m[mn - 2] == 0x36 ? EVP_sha384()
		     : m[mn - 2] == 0x35 ? EVP_sha512()
		     : m[mn - 2] == 0x33 ? EVP_sha1()
		                         : NULL;
	}
	size_t hl = md ? (size_t)EVP_MD_get_size(md) : 0;
	if (!md || m[0] != 0x6A || mn < 1 + hl + tl)
		goto out;
	size_t m1 = mn - 1 - hl - tl;
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned hn = 0;
	EVP_MD_CTX *x = EVP_MD_CTX_new();
	int ok = x && EVP_DigestInit_ex(x, md, NULL) == 1 && EVP_DigestUpdate(x, m + 1, m1) == 1 &&
	         EVP_DigestUpdate(x, chal, chaln) == 1 && EVP_DigestFinal_ex(x, h, &hn) == 1 &&
	         hn == hl;
	EVP_MD_CTX_free(x);
	if (ok && CRYPTO_memcmp(h, m + 1 + m1, hl) == 0)
		rc = DC_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

int dc_aa_verify(const uint8_t *dg15, size_t n, const char *aa_hash, const uint8_t *chal,
                 size_t chaln, const uint8_t *sig, size_t sn, char *why, size_t whyn)
{
	struct dc_tlv t;
	if (!dg15 || dc_tlv_parse(dg15, n, &t) != DC_OK || t.tag != 0x6F) {
		say(why, whyn, "DG15 is not an active authentication public key");
		return DC_ERR_INVALID;
	}
	const unsigned char *q = t.val;
	EVP_PKEY *pk = d2i_PUBKEY(NULL, &q, (long)t.len);
	if (!pk) {
		say(why, whyn, "DG15's SubjectPublicKeyInfo cannot be decoded");
		return DC_ERR_INVALID;
	}
	int rc;
	if (!sig || sn == 0) {
		say(why, whyn, "the chip gave no signature");
		rc = DC_ERR_VERIFY;
	} else if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC) {
		rc = aa_ecdsa(pk, aa_hash, chal, chaln, sig, sn);
		say(why, whyn,
		    rc == DC_OK ? "ECDSA signature over the challenge verified with DG15's key"
		                : "the ECDSA signature over the challenge does not verify with "
		                  "DG15's key");
	} else if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA) {
		rc = aa_rsa(pk, chal, chaln, sig, sn);
		say(why, whyn,
		    rc == DC_OK ? "ISO/IEC 9796-2 signature over the challenge verified with "
		                  "DG15's RSA key"
		                : "the ISO/IEC 9796-2 signature does not verify with DG15's RSA "
		                  "key");
	} else {
		say(why, whyn, "DG15 holds a key type active authentication does not use");
		rc = DC_ERR_INVALID;
	}
	EVP_PKEY_free(pk);
	return rc;
}

/* --- chip authentication --- */

void dc__sm_from_secret(const uint8_t *k, size_t kn, struct dc_sm *sm)
{
	memset(sm, 0, sizeof *sm);
	dc_kdf_aes128(k, kn, 1, sm->ksenc);
	dc_kdf_aes128(k, kn, 2, sm->ksmac);
	sm->aes = 1;
}

int dc__ca_terminal(const uint8_t *spki_der, size_t n, const uint8_t *sk, size_t skn, uint8_t *eph,
                    size_t *ephn, uint8_t *k, size_t *kn)
{
	const unsigned char *q = spki_der;
	EVP_PKEY *pk = d2i_PUBKEY(NULL, &q, (long)n);
	EC_GROUP *g = pk ? dc__ec_group_of(pk) : NULL;
	EC_POINT *chip = NULL, *mine = NULL;
	BIGNUM *x = NULL;
	uint8_t pub[DC__EC_PT_MAX];
	size_t pn = 0;
	int rc = DC_ERR_INVALID;
	if (!g ||
	    !EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub, &pn))
		goto out;
	rc = dc__ec_point_decode(g, pub, pn, &chip);
	if (rc)
		goto out;
	rc = DC_ERR_INVALID;
	x = dc__ec_scalar(g, sk, skn);
	mine = EC_POINT_new(g);
	if (!x || !mine || EC_POINT_mul(g, mine, x, NULL, NULL, NULL) != 1)
		goto out;
	*ephn = dc__ec_point_encode(g, mine, eph);
	if (*ephn == 0)
		goto out;
	rc = dc__ec_shared_x(g, x, chip, k, kn);
out:
	BN_clear_free(x);
	EC_POINT_free(mine);
	EC_POINT_free(chip);
	EC_GROUP_free(g);
	EVP_PKEY_free(pk);
	return rc;
}

int dc__ca_chip(EVP_PKEY *key, const uint8_t *eph, size_t n, uint8_t *k, size_t *kn)
{
	EC_GROUP *g = dc__ec_group_of(key);
	BIGNUM *x = NULL;
	EC_POINT *p = NULL;
	int rc = DC_ERR_INVALID;
	if (g && EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &x) == 1 &&
	    (rc = dc__ec_point_decode(g, eph, n, &p)) == DC_OK)
		rc = dc__ec_shared_x(g, x, p, k, kn);
	BN_clear_free(x);
	EC_POINT_free(p);
	EC_GROUP_free(g);
	return rc;
}

EVP_PKEY *dc__chip_keys_aa(const struct dc_chip_keys *k)
{
	return k->aa;
}

EVP_PKEY *dc__chip_keys_ca(const struct dc_chip_keys *k)
{
	return k->ca;
}
