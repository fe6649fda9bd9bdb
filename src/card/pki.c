/*
 * pki.c — CSCA, Document Signers, CRL and trust list on disk (see
 * dancu/pki.h). OpenSSL 3 high-level APIs only.
 */
#include "dancu/pki.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "card/pki_internal.h"
#include "dancu/buf.h"
#include "dancu/error.h"

#define WHY(...) set_why(why, __VA_ARGS__)

static void set_why(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_why(char *why, const char *fmt, ...)
{
	if (!why)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, 160, fmt, ap);
	va_end(ap);
}

static void path(char *out, size_t n, const char *dir, const char *a, const char *b)
{
	snprintf(out, n, "%s/%s%s", dir, a, b ? b : "");
}

static int name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 32)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '_'))
			return 0;
	return 1;
}

int dc_pki_key_mode_ok(const char *p, char *why)
{
	struct stat st;
	if (stat(p, &st) != 0) {
		WHY("%s: %s", p, strerror(errno));
		return DC_ERR_NOT_FOUND;
	}
	if (st.st_mode & 077) {
		WHY("%s: key file is accessible by group or others (mode %03o); chmod 600 it", p,
		    (unsigned)(st.st_mode & 0777));
		return DC_ERR_FORBIDDEN;
	}
	return DC_OK;
}

/* --- file helpers --- */

static int write_key(const char *p, EVP_PKEY *k, char *why)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		WHY("%s: %s", p, strerror(errno));
		return errno == EEXIST ? DC_ERR_CONFLICT : DC_ERR_IO;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return DC_ERR_IO;
	}
	int ok = PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	if (fclose(f) != 0 || !ok) {
		WHY("%s: cannot write key", p);
		unlink(p);
		return DC_ERR_IO;
	}
	return DC_OK;
}

/* Writes via a temporary file and rename, so readers never see half a file. */
static int write_pem(const char *p, X509 *x, X509_CRL *crl, const char *text, char *why)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", p);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		WHY("%s: %s", tmp, strerror(errno));
		return DC_ERR_IO;
	}
	int ok = 1;
	if (x)
		ok = PEM_write_X509(f, x);
	if (crl)
		ok = ok && PEM_write_X509_CRL(f, crl);
	if (text)
		ok = ok && fputs(text, f) >= 0;
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		ok = 0;
	if (fclose(f) != 0 || !ok || rename(tmp, p) != 0) {
		unlink(tmp);
		WHY("%s: cannot write", p);
		return DC_ERR_IO;
	}
	return DC_OK;
}

static int read_text(const char *p, char *out, size_t n)
{
	FILE *f = fopen(p, "r");
	if (!f)
		return DC_ERR_NOT_FOUND;
	size_t k = fread(out, 1, n - 1, f);
	fclose(f);
	out[k] = 0;
	while (k > 0 && (out[k - 1] == '\n' || out[k - 1] == ' '))
		out[--k] = 0;
	return DC_OK;
}

static X509 *load_cert(const char *p)
{
	FILE *f = fopen(p, "r");
	if (!f)
		return NULL;
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return x;
}

static int load_key(const char *p, EVP_PKEY **out, char *why)
{
	int rc = dc_pki_key_mode_ok(p, why);
	if (rc != DC_OK)
		return rc;
	FILE *f = fopen(p, "r");
	if (!f) {
		WHY("%s: %s", p, strerror(errno));
		return DC_ERR_IO;
	}
	*out = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!*out) {
		WHY("%s: not a PEM private key", p);
		return DC_ERR_INVALID;
	}
	return DC_OK;
}

/* --- certificates --- */

static const char *curve_name(const char *c)
{
	if (!c || !*c || strcmp(c, "P-256") == 0 || strcmp(c, "prime256v1") == 0)
		return "prime256v1";
	if (strcmp(c, "P-384") == 0 || strcmp(c, "secp384r1") == 0)
		return "secp384r1";
	if (strcmp(c, "brainpoolP256r1") == 0)
		return "brainpoolP256r1";
	if (strcmp(c, "brainpoolP384r1") == 0)
		return "brainpoolP384r1";
	return NULL;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!e)
		return 0;
	int ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok;
}

static int set_serial(X509 *x)
{
	unsigned char r[16];
	if (RAND_bytes(r, sizeof r) != 1)
		return 0;
	r[0] &= 0x7F; /* positive */
	r[0] |= 0x01; /* no leading zero byte */
	BIGNUM *bn = BN_bin2bn(r, sizeof r, NULL);
	int ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	return ok;
}

static X509_NAME *make_name(const struct dc_pki_opts *o, const char *cn)
{
	X509_NAME *n = X509_NAME_new();
	const char *c = o && o->country ? o->country : "VN";
	const char *org = o && o->org ? o->org : "Bo Cong an";
	if (!n ||
	    !X509_NAME_add_entry_by_txt(n, "C", MBSTRING_UTF8, (const unsigned char *)c, -1, -1,
	                                0) ||
	    !X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)org, -1, -1,
	                                0) ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
	                                0)) {
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}

/* Makes a certificate for key k named cn; signed by issuer/ikey, or
 * self-signed when issuer is NULL. */
static X509 *make_cert(EVP_PKEY *k, const char *cn, const struct dc_pki_opts *o, int def_days,
                       X509 *issuer, EVP_PKEY *ikey)
{
	X509 *x = X509_new();
	X509_NAME *n = make_name(o, cn);
	int64_t nb = o && o->not_before ? o->not_before : (int64_t)time(NULL);
	int days = o && o->days > 0 ? o->days : def_days;
	int64_t na = o && o->not_after ? o->not_after : nb + (int64_t)days * 86400;
	int ok = x && n && X509_set_version(x, 2) && set_serial(x) && X509_set_subject_name(x, n) &&
	         X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n) &&
	         ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb) &&
	         ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na) && X509_set_pubkey(x, k);
	X509 *is = issuer ? issuer : x;
	if (ok && !issuer)
		ok = add_ext(x, is, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
		     add_ext(x, is, NID_key_usage, "critical,keyCertSign,cRLSign") &&
		     add_ext(x, is, NID_subject_key_identifier, "hash") &&
		     add_ext(x, is, NID_authority_key_identifier, "keyid:always");
	else if (ok)
		ok = add_ext(x, is, NID_key_usage, "critical,digitalSignature") &&
		     add_ext(x, is, NID_subject_key_identifier, "hash") &&
		     add_ext(x, is, NID_authority_key_identifier, "keyid:always");
	ok = ok && X509_sign(x, issuer ? ikey : k, EVP_sha256()) > 0;
	X509_NAME_free(n);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static EVP_PKEY *gen_key(const struct dc_pki_opts *o)
{
	const char *c = curve_name(o ? o->curve : NULL);
	return c ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", c) : NULL;
}

/* --- CRL --- */

static int load_ca(const char *dir, X509 **ca, EVP_PKEY **key, char *why)
{
	char p[4096];
	path(p, sizeof p, dir, "csca.pem", NULL);
	*ca = load_cert(p);
	if (!*ca) {
		WHY("%s: no CSCA certificate (run `dancu pki init`)", p);
		return DC_ERR_NOT_FOUND;
	}
	path(p, sizeof p, dir, "csca.key", NULL);
	int rc = load_key(p, key, why);
	if (rc != DC_OK) {
		X509_free(*ca);
		*ca = NULL;
	}
	return rc;
}

/* Re-issues trust/crl.pem from the `revoked` list. */
static int write_crl(const char *dir, int days, char *why)
{
	X509 *ca = NULL;
	EVP_PKEY *key = NULL;
	int rc = load_ca(dir, &ca, &key, why);
	if (rc != DC_OK)
		return rc;
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	time_t now = time(NULL);
	int ok = crl && t && X509_CRL_set_version(crl, 1) &&
	         X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)) &&
	         ASN1_TIME_set(t, now) && X509_CRL_set1_lastUpdate(crl, t) &&
	         ASN1_TIME_set(t, now + (time_t)(days > 0 ? days : 30) * 86400) &&
	         X509_CRL_set1_nextUpdate(crl, t);
	char p[4096], line[256];
	path(p, sizeof p, dir, "revoked", NULL);
	FILE *f = fopen(p, "r");
	while (ok && f && fgets(line, sizeof line, f)) {
		char hex[80];
		long long when;
		if (sscanf(line, "%79s %lld", hex, &when) != 2)
			continue;
		BIGNUM *bn = NULL;
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_TIME *rt = ASN1_TIME_new();
		ok = r && rt && BN_hex2bn(&bn, hex) && ASN1_TIME_set(rt, (time_t)when) &&
		     X509_REVOKED_set_revocationDate(r, rt);
		ASN1_INTEGER *sn = ok ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
		ok = ok && sn && X509_REVOKED_set_serialNumber(r, sn) &&
		     X509_CRL_add0_revoked(crl, r);
		if (!ok)
			X509_REVOKED_free(r);
		ASN1_INTEGER_free(sn);
		ASN1_TIME_free(rt);
		BN_free(bn);
	}
	if (f)
		fclose(f);
	ok = ok && X509_CRL_sort(crl) && X509_CRL_sign(crl, key, EVP_sha256()) > 0;
	if (!ok) {
		WHY("cannot build the CRL");
		rc = DC_ERR_IO;
	} else {
		path(p, sizeof p, dir, "trust/crl.pem", NULL);
		rc = write_pem(p, NULL, crl, NULL, why);
	}
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
	X509_free(ca);
	EVP_PKEY_free(key);
	return rc;
}

/* --- public --- */

int dc_pki_init(const char *dir, const struct dc_pki_opts *o, char *why)
{
	char p[4096];
	if (o && o->curve && !curve_name(o->curve)) {
		WHY("unknown curve %s (P-256, P-384, brainpoolP256r1, brainpoolP384r1)", o->curve);
		return DC_ERR_INVALID;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		WHY("%s: %s", dir, strerror(errno));
		return DC_ERR_IO;
	}
	path(p, sizeof p, dir, "csca.key", NULL);
	if (access(p, F_OK) == 0) {
		WHY("%s already holds a CSCA", dir);
		return DC_ERR_CONFLICT;
	}
	path(p, sizeof p, dir, "ds", NULL);
	mkdir(p, 0700);
	path(p, sizeof p, dir, "trust", NULL);
	mkdir(p, 0755);
	EVP_PKEY *k = gen_key(o);
	char cn[96];
	snprintf(cn, sizeof cn, "CSCA %s", o && o->country ? o->country : "VN");
	X509 *x = k ? make_cert(k, cn, o, 3650, NULL, NULL) : NULL;
	int rc = DC_ERR_IO;
	if (!x) {
		WHY("cannot create the CSCA key or certificate");
	} else {
		path(p, sizeof p, dir, "csca.key", NULL);
		rc = write_key(p, k, why);
		if (rc == DC_OK) {
			path(p, sizeof p, dir, "csca.pem", NULL);
			rc = write_pem(p, x, NULL, NULL, why);
		}
		if (rc == DC_OK) {
			path(p, sizeof p, dir, "trust/csca.pem", NULL);
			rc = write_pem(p, x, NULL, NULL, why);
		}
		if (rc == DC_OK)
			rc = write_crl(dir, 30, why);
	}
	X509_free(x);
	EVP_PKEY_free(k);
	return rc;
}

int dc_pki_ds_new(const char *dir, const char *name, const struct dc_pki_opts *o, char *why)
{
	char p[4096];
	if (!name_ok(name)) {
		WHY("DS name must be 1-32 of a-z 0-9 - _");
		return DC_ERR_INVALID;
	}
	if (o && o->curve && !curve_name(o->curve)) {
		WHY("unknown curve %s", o->curve);
		return DC_ERR_INVALID;
	}
	path(p, sizeof p, dir, "ds/", name);
	strncat(p, ".key", sizeof p - strlen(p) - 1);
	if (access(p, F_OK) == 0) {
		WHY("DS %s exists", name);
		return DC_ERR_CONFLICT;
	}
	X509 *ca = NULL;
	EVP_PKEY *cakey = NULL;
	int rc = load_ca(dir, &ca, &cakey, why);
	if (rc != DC_OK)
		return rc;
	EVP_PKEY *k = gen_key(o);
	char cn[96];
	snprintf(cn, sizeof cn, "DS %s", name);
	struct dc_pki_opts d = o ? *o : (struct dc_pki_opts){0};
	if (!d.country)
		d.country = "VN";
	X509 *x = k ? make_cert(k, cn, &d, 1825, ca, cakey) : NULL;
	if (!x) {
		WHY("cannot create the DS key or certificate");
		rc = DC_ERR_IO;
	} else {
		rc = write_key(p, k, why);
		if (rc == DC_OK) {
			path(p, sizeof p, dir, "ds/", name);
			strncat(p, ".pem", sizeof p - strlen(p) - 1);
			rc = write_pem(p, x, NULL, NULL, why);
		}
		char act[64];
		path(p, sizeof p, dir, "active", NULL);
		if (rc == DC_OK && read_text(p, act, sizeof act) != DC_OK)
			rc = dc_pki_ds_activate(dir, name, why);
	}
	X509_free(x);
	EVP_PKEY_free(k);
	X509_free(ca);
	EVP_PKEY_free(cakey);
	return rc;
}

static int ds_serial_hex(const char *dir, const char *name, char *hex, size_t n, char *why)
{
	char p[4096];
	path(p, sizeof p, dir, "ds/", name);
	strncat(p, ".pem", sizeof p - strlen(p) - 1);
	X509 *x = name_ok(name) ? load_cert(p) : NULL;
	if (!x) {
		WHY("no DS named %s", name);
		return DC_ERR_NOT_FOUND;
	}
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *h = bn ? BN_bn2hex(bn) : NULL;
	int rc = h ? DC_OK : DC_ERR_NOMEM;
	if (h)
		snprintf(hex, n, "%s", h);
	OPENSSL_free(h);
	BN_free(bn);
	X509_free(x);
	return rc;
}

static int is_revoked(const char *dir, const char *hex)
{
	char p[4096], line[256], h[80];
	path(p, sizeof p, dir, "revoked", NULL);
	FILE *f = fopen(p, "r");
	int hit = 0;
	while (f && !hit && fgets(line, sizeof line, f))
		hit = sscanf(line, "%79s", h) == 1 && strcmp(h, hex) == 0;
	if (f)
		fclose(f);
	return hit;
}

int dc_pki_ds_activate(const char *dir, const char *name, char *why)
{
	char hex[80], p[4096];
	int rc = ds_serial_hex(dir, name, hex, sizeof hex, why);
	if (rc != DC_OK)
		return rc;
	if (is_revoked(dir, hex)) {
		WHY("DS %s is revoked", name);
		return DC_ERR_CONFLICT;
	}
	char text[64];
	snprintf(text, sizeof text, "%s\n", name);
	path(p, sizeof p, dir, "active", NULL);
	return write_pem(p, NULL, NULL, text, why);
}

int dc_pki_ds_revoke(const char *dir, const char *name, char *why)
{
	char hex[80], p[4096], act[64];
	int rc = ds_serial_hex(dir, name, hex, sizeof hex, why);
	if (rc != DC_OK)
		return rc;
	if (is_revoked(dir, hex)) {
		WHY("DS %s is already revoked", name);
		return DC_ERR_CONFLICT;
	}
	path(p, sizeof p, dir, "revoked", NULL);
	FILE *f = fopen(p, "a");
	if (!f || fprintf(f, "%s %lld\n", hex, (long long)time(NULL)) < 0 || fclose(f) != 0) {
		WHY("%s: cannot append", p);
		return DC_ERR_IO;
	}
	rc = write_crl(dir, 30, why);
	path(p, sizeof p, dir, "active", NULL);
	if (rc == DC_OK && read_text(p, act, sizeof act) == DC_OK && strcmp(act, name) == 0)
		unlink(p);
	return rc;
}

int dc_pki_crl_update(const char *dir, int days, char *why)
{
	return write_crl(dir, days, why);
}

int dc_pki_trust_add(const char *dir, const char *pem_file, const char *as, char *why)
{
	if (!name_ok(as)) {
		WHY("trust entry name must be 1-32 of a-z 0-9 - _");
		return DC_ERR_INVALID;
	}
	FILE *f = fopen(pem_file, "r");
	if (!f) {
		WHY("%s: %s", pem_file, strerror(errno));
		return DC_ERR_NOT_FOUND;
	}
	STACK_OF(X509_INFO) *in = PEM_X509_INFO_read(f, NULL, NULL, NULL);
	fclose(f);
	if (!in || sk_X509_INFO_num(in) == 0) {
		sk_X509_INFO_pop_free(in, X509_INFO_free);
		WHY("%s: no certificate or CRL in PEM", pem_file);
		return DC_ERR_INVALID;
	}
	char p[4096];
	snprintf(p, sizeof p, "%s/trust/%s.pem", dir, as);
	if (access(p, F_OK) == 0) {
		sk_X509_INFO_pop_free(in, X509_INFO_free);
		WHY("%s exists", p);
		return DC_ERR_CONFLICT;
	}
	struct dc_buf b = DC_BUF_INIT;
	for (int i = 0; i < sk_X509_INFO_num(in); i++) {
		X509_INFO *xi = sk_X509_INFO_value(in, i);
		BIO *m = BIO_new(BIO_s_mem());
		if (xi->x509)
			PEM_write_bio_X509(m, xi->x509);
		if (xi->crl)
			PEM_write_bio_X509_CRL(m, xi->crl);
		char *d;
		long n = BIO_get_mem_data(m, &d);
		dc_buf_add(&b, d, (size_t)n);
		BIO_free(m);
	}
	sk_X509_INFO_pop_free(in, X509_INFO_free);
	int rc = dc_buf_error(&b) ? DC_ERR_NOMEM : write_pem(p, NULL, NULL, dc_buf_str(&b), why);
	dc_buf_release(&b);
	return rc;
}

static void time_str(const ASN1_TIME *t, char *out, size_t n)
{
	struct tm tm;
	if (ASN1_TIME_to_tm(t, &tm))
		strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
	else
		snprintf(out, n, "?");
}

static void cert_json(struct dc_buf *o, X509 *x)
{
	char nb[32], na[32], subj[256];
	time_str(X509_get0_notBefore(x), nb, sizeof nb);
	time_str(X509_get0_notAfter(x), na, sizeof na);
	X509_NAME_oneline(X509_get_subject_name(x), subj, sizeof subj);
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *h = bn ? BN_bn2hex(bn) : NULL;
	dc_buf_adds(o, "\"subject\":\"");
	dc_buf_add_json_str(o, subj, strlen(subj));
	dc_buf_addf(o, "\",\"serial\":\"%s\",\"not_before\":\"%s\",\"not_after\":\"%s\"",
	            h ? h : "", nb, na);
	OPENSSL_free(h);
	BN_free(bn);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int dc_pki_status_json(const char *dir, struct dc_buf *out, char *why)
{
	char p[4096], act[64] = "";
	path(p, sizeof p, dir, "csca.pem", NULL);
	X509 *ca = load_cert(p);
	if (!ca) {
		WHY("%s: no CSCA certificate", p);
		return DC_ERR_NOT_FOUND;
	}
	path(p, sizeof p, dir, "active", NULL);
	read_text(p, act, sizeof act);
	dc_buf_adds(out, "{\"csca\":{");
	cert_json(out, ca);
	X509_free(ca);
	dc_buf_adds(out, "},\"active\":");
	if (act[0])
		dc_buf_addf(out, "\"%s\"", act);
	else
		dc_buf_adds(out, "null");
	dc_buf_adds(out, ",\"ds\":[");
	path(p, sizeof p, dir, "ds", NULL);
	DIR *d = opendir(p);
	char *names[256];
	size_t nn = 0;
	struct dirent *e;
	while (d && (e = readdir(d)) && nn < 256) {
		size_t l = strlen(e->d_name);
		if (l > 4 && strcmp(e->d_name + l - 4, ".pem") == 0)
			names[nn++] = strndup(e->d_name, l - 4);
	}
	if (d)
		closedir(d);
	qsort(names, nn, sizeof names[0], cmp_str);
	time_t now = time(NULL);
	for (size_t i = 0; i < nn; i++) {
		snprintf(p, sizeof p, "%s/ds/%s.pem", dir, names[i]);
		X509 *x = names[i] ? load_cert(p) : NULL;
		if (x) {
			char hex[80] = "";
			ds_serial_hex(dir, names[i], hex, sizeof hex, NULL);
			const char *state = is_revoked(dir, hex) ? "revoked"
			                    : X509_cmp_time(X509_get0_notAfter(x), &now) < 0
			                            ? "expired"
			                    : strcmp(act, names[i]) == 0 ? "active"
			                                                 : "valid";
			dc_buf_addf(out, "%s{\"name\":\"%s\",\"state\":\"%s\",", i ? "," : "",
			            names[i], state);
			cert_json(out, x);
			dc_buf_adds(out, "}");
			X509_free(x);
		}
		free(names[i]);
	}
	dc_buf_adds(out, "]}");
	return dc_buf_error(out);
}

static int signer_from(const char *dir, const char *name, struct dc_pki_signer **out, char *why)
{
	char p[4096];
	if (!name_ok(name)) {
		WHY("bad DS name");
		return DC_ERR_INVALID;
	}
	char hex[80];
	int rc = ds_serial_hex(dir, name, hex, sizeof hex, why);
	if (rc != DC_OK)
		return rc;
	if (is_revoked(dir, hex)) {
		WHY("DS %s is revoked", name);
		return DC_ERR_REVOKED;
	}
	struct dc_pki_signer *s = calloc(1, sizeof *s);
	if (!s)
		return DC_ERR_NOMEM;
	snprintf(p, sizeof p, "%s/ds/%s.pem", dir, name);
	s->cert = load_cert(p);
	snprintf(p, sizeof p, "%s/ds/%s.key", dir, name);
	rc = s->cert ? load_key(p, &s->key, why) : DC_ERR_NOT_FOUND;
	if (rc == DC_OK && X509_check_private_key(s->cert, s->key) != 1) {
		WHY("DS %s: key does not match certificate", name);
		rc = DC_ERR_INVALID;
	}
	if (rc != DC_OK) {
		dc_pki_signer_free(s);
		return rc;
	}
	*out = s;
	return DC_OK;
}

int dc_pki_signer_load_ds(const char *dir, const char *name, struct dc_pki_signer **out, char *why)
{
	return signer_from(dir, name, out, why);
}

int dc_pki_signer_load(const char *dir, struct dc_pki_signer **out, char *why)
{
	char p[4096], act[64];
	path(p, sizeof p, dir, "active", NULL);
	if (read_text(p, act, sizeof act) != DC_OK || !act[0]) {
		WHY("%s: no active Document Signer (dancu pki ds new / activate)", dir);
		return DC_ERR_NOT_FOUND;
	}
	return signer_from(dir, act, out, why);
}

void dc_pki_signer_free(struct dc_pki_signer *s)
{
	if (!s)
		return;
	X509_free(s->cert);
	EVP_PKEY_free(s->key);
	free(s);
}

static int trust_file(struct dc_pki_trust *t, const char *p, char *why)
{
	FILE *f = fopen(p, "r");
	if (!f) {
		WHY("%s: %s", p, strerror(errno));
		return DC_ERR_NOT_FOUND;
	}
	STACK_OF(X509_INFO) *in = PEM_X509_INFO_read(f, NULL, NULL, NULL);
	fclose(f);
	if (!in) {
		WHY("%s: not PEM", p);
		return DC_ERR_INVALID;
	}
	for (int i = 0; i < sk_X509_INFO_num(in); i++) {
		X509_INFO *xi = sk_X509_INFO_value(in, i);
		if (xi->x509 && X509_STORE_add_cert(t->store, xi->x509))
			t->ncsca++;
		if (xi->crl && X509_STORE_add_crl(t->store, xi->crl))
			t->ncrl++;
	}
	sk_X509_INFO_pop_free(in, X509_INFO_free);
	return DC_OK;
}

int dc_pki_trust_load(const char *p, struct dc_pki_trust **out, char *why)
{
	struct stat st;
	if (stat(p, &st) != 0) {
		WHY("%s: %s", p, strerror(errno));
		return DC_ERR_NOT_FOUND;
	}
	struct dc_pki_trust *t = calloc(1, sizeof *t);
	if (!t || !(t->store = X509_STORE_new())) {
		free(t);
		return DC_ERR_NOMEM;
	}
	int rc = DC_OK;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(p);
		struct dirent *e;
		while (rc == DC_OK && d && (e = readdir(d))) {
			size_t l = strlen(e->d_name);
			if (l < 5 || strcmp(e->d_name + l - 4, ".pem") != 0)
				continue;
			char f[4096];
			snprintf(f, sizeof f, "%s/%s", p, e->d_name);
			rc = trust_file(t, f, why);
		}
		if (d)
			closedir(d);
	} else {
		rc = trust_file(t, p, why);
	}
	if (rc == DC_OK && t->ncsca == 0) {
		WHY("%s: no CSCA certificate in the trust list", p);
		rc = DC_ERR_INVALID;
	}
	if (rc != DC_OK) {
		dc_pki_trust_free(t);
		return rc;
	}
	*out = t;
	return DC_OK;
}

void dc_pki_trust_free(struct dc_pki_trust *t)
{
	if (!t)
		return;
	X509_STORE_free(t->store);
	free(t);
}
