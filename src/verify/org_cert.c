/*
 * org_cert.c — client certificates bound to organisations (see org_cert.h).
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#include "dancu/core.h"
#include "dancu/db.h"
#include "dancu/store.h"

#include "core/internal.h"
#include "verify/org_cert.h"

int dc__org_cert_sha_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int dc__org_cert_file_sha256(const char *path, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int rc = DC_ERR_INVALID;
	FILE *f = fopen(path, "r");
	if (!f)
		return DC_ERR_IO;
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x && X509_digest(x, EVP_sha256(), md, &n) == 1 && n == 32) {
		for (unsigned i = 0; i < n; i++)
			snprintf(out + 2 * i, 3, "%02x", md[i]);
		rc = DC_OK;
	}
	X509_free(x);
	return rc;
}

static int exec2(struct dc_store *s, const char *sql, const char *a, const char *b, const char *c3,
                 int64_t v4, int64_t *changed)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s), sql, &st);
	if (rc == DC_OK) {
		dc_stmt_bind_text(st, 1, a, strlen(a));
		dc_stmt_bind_text(st, 2, b, strlen(b));
		if (c3) {
			dc_stmt_bind_text(st, 3, c3, strlen(c3));
			dc_stmt_bind_int64(st, 4, v4);
		}
		rc = dc_stmt_step(st);
		if (rc == DC_DONE && changed)
			*changed = dc_stmt_changes(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc__org_cert_add(struct dc_store *s, const char *org, const char *sha256, const char *label,
                     int64_t now_ms)
{
	if (!dc__org_cert_sha_ok(sha256))
		return DC_ERR_INVALID;
	return exec2(s,
	             "INSERT INTO org_cert (org_id, sha256, label, created_ms) VALUES ($1, $2, "
	             "$3, $4)",
	             org, sha256, label ? label : "", now_ms, NULL);
}

int dc__org_cert_remove(struct dc_store *s, const char *org, const char *sha256)
{
	int64_t changed = 0;
	int rc = exec2(s, "DELETE FROM org_cert WHERE org_id = $1 AND sha256 = $2", org, sha256,
	               NULL, 0, &changed);
	return rc ? rc : changed ? DC_OK : DC_ERR_NOT_FOUND;
}

int dc__org_cert_list(struct dc_store *s, const char *org,
                      int (*cb)(void *arg, const char *sha256, const char *label,
                                int64_t created_ms),
                      void *arg)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT sha256, label, created_ms FROM org_cert WHERE org_id = $1 "
	                       "ORDER BY created_ms, sha256",
	                       &st);
	if (rc == DC_OK)
		dc_stmt_bind_text(st, 1, org, strlen(org));
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW)
		rc = cb(arg, dc_stmt_text(st, 0, NULL), dc_stmt_text(st, 1, NULL),
		        dc_stmt_int64(st, 2));
	dc_stmt_finalize(st);
	return rc == DC_DONE ? DC_OK : rc;
}

int dc__org_cert_check(struct dc_store *s, const char *org, const char *presented)
{
	struct dc_stmt *st = NULL;
	int64_t bound = 0, match = 0;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT count(*), coalesce(sum(CASE WHEN sha256 = $2 THEN 1 ELSE 0 "
	                       "END), 0) FROM org_cert WHERE org_id = $1",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_text(st, 1, org, strlen(org));
		dc_stmt_bind_text(st, 2, presented ? presented : "-",
		                  presented ? strlen(presented) : 1);
		rc = dc_stmt_step(st);
		if (rc == DC_ROW) {
			bound = dc_stmt_int64(st, 0);
			match = dc_stmt_int64(st, 1);
			rc = DC_OK;
		}
	}
	dc_stmt_finalize(st);
	if (rc)
		return rc;
	return bound == 0 || match > 0 ? DC_OK : DC_ERR_AUTH;
}
