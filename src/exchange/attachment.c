/*
 * attachment.c — files attached to dossiers (dancu/attachment.h).
 *
 * Stored in the database, in the dossier's transaction, rather than under
 * a data directory: a backup of the register then holds the dossiers with
 * their documents, both back ends replicate them, and an upload that fails
 * halfway leaves nothing (no orphan file to sweep). The cost is size: the
 * base64 text is 4/3 of the file; the per-file limit (a server setting,
 * 1 MiB by default) and the count per dossier keep a dossier small.
 *
 * The checks on upload: the declared type is on the allow-list, the first
 * bytes are that type's magic number (so a renamed executable is refused),
 * the size is within the limit, the name is printable and has no path
 * separators (it is shown and offered as a download name), the dossier is
 * open.
 */
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dancu/attachment.h"
#include "dancu/buf.h"
#include "dancu/core.h"
#include "dancu/db.h"
#include "dancu/store.h"

#include "core/internal.h"

static const char PDF[] = "application/pdf", JPEG[] = "image/jpeg", PNG[] = "image/png";

const char *dc_attachment_sniff(const unsigned char *p, size_t n)
{
	static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	if (n >= 5 && !memcmp(p, "%PDF-", 5))
		return PDF;
	if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return JPEG;
	if (n >= 8 && !memcmp(p, png, 8))
		return PNG;
	return NULL;
}

const char *dc_attachment_type(const char *v, size_t n)
{
	static const char *const allowed[] = {PDF, JPEG, PNG};
	if (!v)
		return NULL;
	const char *semi = memchr(v, ';', n);
	if (semi)
		n = (size_t)(semi - v);
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < DC_ARRAY_LEN(allowed); i++)
		if (strlen(allowed[i]) == n && !strncasecmp(v, allowed[i], n))
			return allowed[i];
	return NULL;
}

static int name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > DC_ATTACHMENT_NAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch == 0x7f || ch == '/' || ch == '\\' || ch == '"')
			return 0;
	}
	return 1;
}

static void sha256_hex(const unsigned char *p, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int len = 0;
	EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
	sodium_bin2hex(out, 65, md, sizeof md);
}

int dc_attachment_add(struct dc_store *s, const struct dc_attachment_new *a, char id_out[40],
                      char sha_out[65], char *err, size_t errlen)
{
	struct dc_stmt *st = NULL;
	char *b64 = NULL;
	int rc = DC_OK;
	int64_t closed = 0, count = 0;
	const char *sniffed = a->data ? dc_attachment_sniff(a->data, a->len) : NULL;
	err[0] = '\0';
	if (!a->content_type) {
		snprintf(err, errlen,
		         "the content type must be application/pdf, image/jpeg or "
		         "image/png");
		return DC_ERR_INVALID;
	}
	if (a->len == 0) {
		snprintf(err, errlen, "the attachment is empty");
		return DC_ERR_INVALID;
	}
	if (a->len > a->max_len) {
		snprintf(err, errlen, "the attachment is larger than %llu bytes",
		         (unsigned long long)a->max_len);
		return DC_ERR_TOO_LARGE;
	}
	if (sniffed != a->content_type) {
		snprintf(err, errlen, "the file's content is not %s", a->content_type);
		return DC_ERR_INVALID;
	}
	if (!name_ok(a->name)) {
		snprintf(err, errlen,
		         "name (1–%d bytes, no control characters, quotes, / or \\) is required",
		         DC_ATTACHMENT_NAME_MAX);
		return DC_ERR_INVALID;
	}
	/* PostgreSQL: the dossier row stays locked to commit, so a concurrent
	 * close or upload waits and then sees this one (SQLite has one writer). */
	rc = dc_db_prepare(dc_store_db(s),
	                   !strcmp(dc_store_backend(s), "postgresql")
	                           ? "SELECT closed_ms, (SELECT count(*) FROM svc_attachment WHERE "
	                             "dossier = $1) FROM svc_dossier WHERE id = $1 FOR UPDATE"
	                           : "SELECT closed_ms, (SELECT count(*) FROM svc_attachment WHERE "
	                             "dossier = $1) FROM svc_dossier WHERE id = $1",
	                   &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, a->dossier);
	if (rc == DC_OK)
		rc = dc_stmt_step(st);
	if (rc == DC_ROW) {
		closed = dc_stmt_int64(st, 0);
		count = dc_stmt_int64(st, 1);
		rc = DC_OK;
	} else if (rc == DC_DONE) {
		snprintf(err, errlen, "no such dossier");
		rc = DC_ERR_NOT_FOUND;
	}
	dc_stmt_finalize(st);
	if (rc == DC_OK && closed) {
		snprintf(err, errlen, "the dossier is closed: it takes no more attachments");
		rc = DC_ERR_CONFLICT;
	}
	if (rc == DC_OK && count >= DC_ATTACHMENT_MAX_PER_DOSSIER) {
		snprintf(err, errlen, "a dossier has at most %d attachments",
		         DC_ATTACHMENT_MAX_PER_DOSSIER);
		rc = DC_ERR_CONFLICT;
	}
	if (rc)
		return rc;
	size_t b64len = sodium_base64_encoded_len(a->len, sodium_base64_VARIANT_ORIGINAL);
	b64 = malloc(b64len);
	if (!b64)
		return DC_ERR_NOMEM;
	sodium_bin2base64(b64, b64len, a->data, a->len, sodium_base64_VARIANT_ORIGINAL);
	sha256_hex(a->data, a->len, sha_out);
	unsigned char r[8];
	char hex[17];
	randombytes_buf(r, sizeof r);
	sodium_bin2hex(hex, sizeof hex, r, sizeof r);
	snprintf(id_out, 40, "TL%s", hex);
	rc = dc_db_run(dc_store_db(s),
	               "INSERT INTO svc_attachment (id, dossier, name, content_type, size, sha256, "
	               "content, actor, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
	               "ssssisssi", id_out, a->dossier, a->name, a->content_type, (int64_t)a->len,
	               sha_out, b64, a->actor, a->now_ms);
	free(b64);
	return rc;
}

int dc_attachment_list(struct dc_store *s, const char *dossier, struct dc_buf *out)
{
	struct dc_stmt *st = NULL;
	int n = 0;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT id, name, content_type, size, sha256, at_ms, actor FROM "
	                       "svc_attachment WHERE dossier = $1 ORDER BY at_ms, id",
	                       &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, dossier);
	dc_buf_addc(out, '[');
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		const char *name = dc_stmt_text(st, 1, NULL), *actor = dc_stmt_text(st, 6, NULL);
		dc_buf_addf(out, "%s{\"id\":\"%s\",\"name\":\"", n++ ? "," : "",
		            dc_stmt_text(st, 0, NULL));
		dc_buf_add_json_str(out, name ? name : "", name ? strlen(name) : 0);
		dc_buf_addf(out,
		            "\",\"content_type\":\"%s\",\"size\":%lld,\"sha256\":\"%s\",\"at_ms\":%"
		            "lld,\"actor\":\"",
		            dc_stmt_text(st, 2, NULL), (long long)dc_stmt_int64(st, 3),
		            dc_stmt_text(st, 4, NULL), (long long)dc_stmt_int64(st, 5));
		dc_buf_add_json_str(out, actor ? actor : "", actor ? strlen(actor) : 0);
		dc_buf_adds(out, "\"}");
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	dc_buf_addc(out, ']');
	if (rc == DC_DONE)
		rc = DC_OK;
	return rc ? rc : dc_buf_error(out);
}

int dc_attachment_get(struct dc_store *s, const char *dossier, const char *id,
                      struct dc_buf *content, char ctype[32], char name[201])
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT content_type, name, sha256, content FROM svc_attachment "
	                       "WHERE dossier = $1 AND id = $2",
	                       &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, dossier);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 2, id);
	if (rc == DC_OK)
		rc = dc_stmt_step(st);
	if (rc == DC_DONE)
		rc = DC_ERR_NOT_FOUND;
	if (rc == DC_ROW) {
		size_t n = 0, out = 0;
		const char *t = dc_stmt_text(st, 0, NULL), *nm = dc_stmt_text(st, 1, NULL),
		           *sha = dc_stmt_text(st, 2, NULL), *b64 = dc_stmt_text(st, 3, &n);
		char got[65];
		snprintf(ctype, 32, "%s", t ? t : "");
		snprintf(name, 201, "%s", nm ? nm : "");
		size_t start = content->len;
		rc = b64 && sha ? dc_buf_grow(content, n / 4 * 3 + 3) : DC_ERR_DB;
		if (rc == DC_OK &&
		    sodium_base642bin((unsigned char *)content->ptr + start, n / 4 * 3 + 3, b64, n,
		                      NULL, &out, NULL, sodium_base64_VARIANT_ORIGINAL))
			rc = DC_ERR_VERIFY;
		if (rc == DC_OK) {
			content->len = start + out;
			content->ptr[content->len] = '\0';
			sha256_hex((const unsigned char *)content->ptr + start, out, got);
			if (sodium_memcmp(got, sha, 64) != 0 || strlen(sha) != 64)
				rc = DC_ERR_VERIFY;
		}
	}
	dc_stmt_finalize(st);
	return rc;
}
