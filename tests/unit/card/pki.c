/* Tests for src/card/pki.c: a CSCA and DS created on disk, key files 0600
 * and refused when group/other-readable, activation and revocation (CRL
 * lists the revoked serial), trust list loading, curves. */
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "card/pki_internal.h"
#include "dancu/buf.h"
#include "dancu/pki.h"
#include "lib/testlib.h"

static void test_lifecycle(void **st)
{
	char d[256], p[512], why[160];
	dc_test_tmpdir(d, sizeof d);
	strcat(d, "/pki");
	assert_int_equal(dc_pki_init(d, NULL, why), DC_OK);
	assert_int_equal(dc_pki_init(d, NULL, why), DC_ERR_CONFLICT);
	struct stat sb;
	snprintf(p, sizeof p, "%s/csca.key", d);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	struct dc_pki_signer *s = NULL;
	assert_int_equal(dc_pki_signer_load(d, &s, why), DC_ERR_NOT_FOUND);
	assert_int_equal(dc_pki_ds_new(d, "ds1", NULL, why), DC_OK);
	assert_int_equal(dc_pki_ds_new(d, "ds1", NULL, why), DC_ERR_CONFLICT);
	assert_int_equal(dc_pki_ds_new(d, "Bad Name", NULL, why), DC_ERR_INVALID);
	assert_int_equal(
	        dc_pki_ds_new(d, "ds2", &(struct dc_pki_opts){.curve = "brainpoolP256r1"}, why),
	        DC_OK);
	assert_int_equal(dc_pki_signer_load(d, &s, why), DC_OK); /* ds1: the first is active */
	assert_non_null(strstr(X509_NAME_oneline(X509_get_subject_name(s->cert), p, 200), "ds1"));
	/* the DS chains to the CSCA in the trust list */
	struct dc_pki_trust *t = NULL;
	snprintf(p, sizeof p, "%s/trust", d);
	assert_int_equal(dc_pki_trust_load(p, &t, why), DC_OK);
	assert_int_equal(t->ncsca, 1);
	assert_int_equal(t->ncrl, 1);
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_STORE_CTX_init(ctx, t->store, s->cert, NULL);
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_CRL_CHECK);
	assert_int_equal(X509_verify_cert(ctx), 1);
	X509_STORE_CTX_free(ctx);
	dc_pki_trust_free(t);
	dc_pki_signer_free(s);
	/* a readable key is refused */
	snprintf(p, sizeof p, "%s/ds/ds2.key", d);
	chmod(p, 0644);
	assert_int_equal(dc_pki_signer_load_ds(d, "ds2", &s, why), DC_ERR_FORBIDDEN);
	assert_non_null(strstr(why, "chmod 600"));
	chmod(p, 0600);
	assert_int_equal(dc_pki_ds_activate(d, "ds2", why), DC_OK);
	assert_int_equal(dc_pki_signer_load(d, &s, why), DC_OK);
	dc_pki_signer_free(s);
	/* revocation: the CRL lists it, it can no longer sign or be activated */
	assert_int_equal(dc_pki_ds_revoke(d, "ds2", why), DC_OK);
	assert_int_equal(dc_pki_ds_revoke(d, "ds2", why), DC_ERR_CONFLICT);
	assert_int_equal(dc_pki_signer_load(d, &s, why), DC_ERR_NOT_FOUND);
	assert_int_equal(dc_pki_ds_activate(d, "ds2", why), DC_ERR_CONFLICT);
	assert_int_equal(dc_pki_signer_load_ds(d, "ds2", &s, why), DC_ERR_REVOKED);
	snprintf(p, sizeof p, "%s/trust/crl.pem", d);
	FILE *f = fopen(p, "r");
	X509_CRL *crl = PEM_read_X509_CRL(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(crl);
	assert_int_equal(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), 1);
	X509_CRL_free(crl);
	struct dc_buf b = DC_BUF_INIT;
	assert_int_equal(dc_pki_status_json(d, &b, why), DC_OK);
	assert_non_null(strstr(dc_buf_str(&b), "\"name\":\"ds2\",\"state\":\"revoked\""));
	assert_non_null(strstr(dc_buf_str(&b), "\"active\":null"));
	dc_buf_release(&b);
	assert_int_equal(dc_pki_crl_update(d, 7, why), DC_OK);
	/* trust-add: another country's CSCA */
	char d2[256];
	dc_test_tmpdir(d2, sizeof d2);
	assert_int_equal(dc_pki_init(d2, &(struct dc_pki_opts){.country = "LA"}, why), DC_OK);
	snprintf(p, sizeof p, "%s/csca.pem", d2);
	assert_int_equal(dc_pki_trust_add(d, p, "csca-la", why), DC_OK);
	assert_int_equal(dc_pki_trust_add(d, p, "csca-la", why), DC_ERR_CONFLICT);
	assert_int_equal(dc_pki_trust_add(d, "/nonexistent", "x", why), DC_ERR_NOT_FOUND);
	snprintf(p, sizeof p, "%s/trust", d);
	assert_int_equal(dc_pki_trust_load(p, &t, why), DC_OK);
	assert_int_equal(t->ncsca, 2);
	dc_pki_trust_free(t);
	assert_int_equal(dc_pki_init(d2, &(struct dc_pki_opts){.curve = "P-999"}, why),
	                 DC_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_lifecycle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
