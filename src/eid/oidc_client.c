/*
 * oidc_client.c — relying parties registered by an administrator (see
 * eid/oidc.h).
 */
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dancu/db.h"
#include "dancu/store.h"

#include "core/internal.h"
#include "eid/oidc.h"

void dc__oidc_sha256_hex(const char *s, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
	sodium_bin2hex(out, 65, h, sizeof h);
}

static int id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') ||
		      id[i] == '-' || id[i] == '_' || id[i] == '.'))
			return 0;
	return 1;
}

/* Each redirect URI: absolute https, or http on loopback (RFC 8252), no
 * fragment. */
static int uris_ok(const char *list)
{
	const char *p = list;
	int n = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len == 0 || memchr(p, '#', len) || memchr(p, ' ', len))
			return 0;
		if (!(len > 8 && !strncmp(p, "https://", 8)) &&
		    !(len > 17 && !strncmp(p, "http://127.0.0.1", 16)) &&
		    !(len > 17 && !strncmp(p, "http://localhost", 16)))
			return 0;
		n++;
		p += len + (nl != NULL);
	}
	return n > 0;
}

/* An EC or RSA public key (no private part "d"). */
static int kty_ok(json_t *k)
{
	const char *kty = json_string_value(json_object_get(k, "kty"));
	return json_is_object(k) && kty && (!strcmp(kty, "EC") || !strcmp(kty, "RSA")) &&
	       !json_object_get(k, "d");
}

/* A JWKS ({"keys":[...]}) or one JWK, each an EC or RSA public key. */
static int jwks_ok(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &e), *keys;
	int ok = json_is_object(j);
	keys = ok ? json_object_get(j, "keys") : NULL;
	if (ok && !keys) {
		ok = kty_ok(j);
	} else if (ok) {
		size_t i;
		json_t *k;
		ok = json_is_array(keys) && json_array_size(keys) > 0;
		json_array_foreach (keys, i, k)
			ok = ok && kty_ok(k);
	}
	json_decref(j);
	return ok;
}

/* Appends the big-number parameter name of k as base64url, left-padded
 * with zeros to pad bytes (0: its own length). */
static int bn_member(struct dc_buf *b, EVP_PKEY *k, const char *name, int pad)
{
	BIGNUM *v = NULL;
	unsigned char raw[1024];
	if (EVP_PKEY_get_bn_param(k, name, &v) != 1)
		return DC_ERR_INVALID;
	int n = pad ? pad : BN_num_bytes(v);
	int ok = n > 0 && n <= (int)sizeof raw && BN_bn2binpad(v, raw, n) == n;
	BN_free(v);
	return ok ? dc__b64url(b, raw, (size_t)n) : DC_ERR_INVALID;
}

/* One public key as a JWK (no kid: the signature check then tries it). */
static int key_jwk(struct dc_buf *b, EVP_PKEY *k)
{
	int rc;
	if (EVP_PKEY_is_a(k, "EC")) {
		char group[64] = "";
		size_t gl = 0;
		const char *crv = NULL;
		int size = 0;
		if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group,
		                                   sizeof group, &gl) != 1)
			return DC_ERR_INVALID;
		if (!strcmp(group, "prime256v1") || !strcmp(group, "P-256"))
			crv = "P-256", size = 32;
		else if (!strcmp(group, "secp384r1") || !strcmp(group, "P-384"))
			crv = "P-384", size = 48;
		else if (!strcmp(group, "secp521r1") || !strcmp(group, "P-521"))
			crv = "P-521", size = 66;
		else
			return DC_ERR_INVALID;
		dc_buf_addf(b, "{\"kty\":\"EC\",\"crv\":\"%s\",\"x\":\"", crv);
		rc = bn_member(b, k, OSSL_PKEY_PARAM_EC_PUB_X, size);
		dc_buf_adds(b, "\",\"y\":\"");
		if (rc == DC_OK)
			rc = bn_member(b, k, OSSL_PKEY_PARAM_EC_PUB_Y, size);
	} else if (EVP_PKEY_is_a(k, "RSA")) {
		if (EVP_PKEY_get_bits(k) < 2048)
			return DC_ERR_INVALID; /* too weak to authenticate a client */
		dc_buf_adds(b, "{\"kty\":\"RSA\",\"n\":\"");
		rc = bn_member(b, k, OSSL_PKEY_PARAM_RSA_N, 0);
		dc_buf_adds(b, "\",\"e\":\"");
		if (rc == DC_OK)
			rc = bn_member(b, k, OSSL_PKEY_PARAM_RSA_E, 0);
	} else {
		return DC_ERR_INVALID;
	}
	dc_buf_adds(b, "\"}");
	return rc ? rc : dc_buf_error(b);
}

int dc__oidc_pem_jwks(const char *pem, size_t n, struct dc_buf *out)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)n);
	int rc = bio ? DC_OK : DC_ERR_NOMEM, count = 0;
	dc_buf_adds(out, "{\"keys\":[");
	while (rc == DC_OK) {
		EVP_PKEY *k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
		if (!k)
			break;
		if (count++)
			dc_buf_addc(out, ',');
		rc = key_jwk(out, k);
		EVP_PKEY_free(k);
	}
	BIO_free(bio);
	dc_buf_adds(out, "]}");
	if (rc == DC_OK && count == 0)
		rc = DC_ERR_INVALID;
	return rc ? rc : dc_buf_error(out);
}

int dc__oidc_client_add(struct dc_store *s, const struct dc__oidc_client *c, char secret_out[65])
{
	unsigned char raw[32];
	char hash[65] = "";
	struct dc_stmt *st = NULL;
	secret_out[0] = '\0';
	if (!id_ok(c->id) || !uris_ok(c->redirect_uris))
		return DC_ERR_INVALID;
	if (c->jwks && (c->public_client || !jwks_ok(c->jwks)))
		return DC_ERR_INVALID;
	if (!c->public_client && !c->jwks) {
		randombytes_buf(raw, sizeof raw);
		sodium_bin2base64(secret_out, 65, raw, sizeof raw,
		                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		dc__oidc_sha256_hex(secret_out, hash);
	}
	int rc = dc_db_prepare(dc_store_db(s),
	                       "INSERT INTO oidc_client (id, name, secret_hash, public_client, "
	                       "pairwise, redirect_uris, created_ms, auth_method, jwks, "
	                       "require_par) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON "
	                       "CONFLICT (id) DO NOTHING",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, c->id);
		dc_stmt_bind_str(st, 2, c->name[0] ? c->name : c->id);
		dc_stmt_bind_str(st, 3, hash);
		dc_stmt_bind_int64(st, 4, c->public_client != 0);
		dc_stmt_bind_int64(st, 5, c->pairwise != 0);
		dc_stmt_bind_str(st, 6, c->redirect_uris);
		dc_stmt_bind_int64(st, 7, (int64_t)time(NULL) * 1000);
		dc_stmt_bind_str(st, 8,
		                 c->public_client ? "none"
		                 : c->jwks        ? "private_key_jwt"
		                                  : "client_secret_basic");
		dc_stmt_bind_str(st, 9, c->jwks);
		dc_stmt_bind_int64(st, 10, c->require_par != 0);
		rc = dc_stmt_step(st);
		if (rc == DC_DONE)
			rc = dc_stmt_changes(st) ? DC_OK : DC_ERR_CONFLICT;
	}
	dc_stmt_finalize(st);
	return rc;
}

#define CCOLS                                                                                  \
	"id, name, public_client, pairwise, disabled, redirect_uris, CASE WHEN auth_method = " \
	"'' THEN CASE WHEN public_client = 1 THEN 'none' ELSE 'client_secret_basic' END ELSE " \
	"auth_method END, require_par"

static void fill(struct dc_stmt *st, void *arg)
{
	struct dc__oidc_client *c = arg;
	memset(c, 0, sizeof *c);
	snprintf(c->id, sizeof c->id, "%s", dc_stmt_text(st, 0, NULL));
	snprintf(c->name, sizeof c->name, "%s", dc_stmt_text(st, 1, NULL));
	c->public_client = (int)dc_stmt_int64(st, 2);
	c->pairwise = (int)dc_stmt_int64(st, 3);
	c->disabled = (int)dc_stmt_int64(st, 4);
	snprintf(c->redirect_uris, sizeof c->redirect_uris, "%s", dc_stmt_text(st, 5, NULL));
	snprintf(c->auth_method, sizeof c->auth_method, "%s", dc_stmt_text(st, 6, NULL));
	c->require_par = (int)dc_stmt_int64(st, 7);
}

int dc__oidc_client_get(struct dc_store *s, const char *id, struct dc__oidc_client *out)
{
	return dc_db_get_one(dc_store_db(s), "SELECT " CCOLS " FROM oidc_client WHERE id = $1",
	                     id ? id : "", fill, out);
}

int dc__oidc_client_list(struct dc_store *s, int (*cb)(void *arg, const struct dc__oidc_client *c),
                         void *arg)
{
	struct dc_stmt *st = NULL;
	int rc =
	        dc_db_prepare(dc_store_db(s), "SELECT " CCOLS " FROM oidc_client ORDER BY id", &st);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		struct dc__oidc_client c;
		fill(st, &c);
		rc = cb(arg, &c);
	}
	dc_stmt_finalize(st);
	return rc == DC_DONE ? DC_OK : rc;
}

int dc__oidc_client_disable(struct dc_store *s, const char *id)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s), "UPDATE oidc_client SET disabled = 1 WHERE id = $1",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, id);
		rc = dc_stmt_step(st);
		if (rc == DC_DONE)
			rc = dc_stmt_changes(st) ? DC_OK : DC_ERR_NOT_FOUND;
	}
	dc_stmt_finalize(st);
	return rc;
}

struct secret_row {
	struct dc__oidc_client *c;
	char hash[65];
	int usable;
};

static void secret_fill(struct dc_stmt *st, void *arg)
{
	struct secret_row *r = arg;
	size_t l = 0;
	const char *h = dc_stmt_text(st, 8, &l);
	fill(st, r->c);
	r->usable = !r->c->disabled && !r->c->public_client && l == 64;
	if (r->usable)
		memcpy(r->hash, h, 65);
}

int dc__oidc_client_check_secret(struct dc_store *s, const char *id, const char *secret,
                                 struct dc__oidc_client *out)
{
	struct dc__oidc_client tmp;
	struct secret_row r = {out ? out : &tmp, "", 0};
	char h[65];
	dc__oidc_sha256_hex(secret ? secret : "", h);
	/* One read: the client and its secret's hash. */
	int rc = dc_db_get_one(dc_store_db(s),
	                       "SELECT " CCOLS ", coalesce(secret_hash, '') FROM oidc_client WHERE "
	                       "id = $1",
	                       id ? id : "", secret_fill, &r);
	if (rc == DC_ERR_NOT_FOUND)
		return DC_ERR_AUTH;
	if (rc)
		return rc;
	return r.usable && sodium_memcmp(r.hash, h, 64) == 0 ? DC_OK : DC_ERR_AUTH;
}

int dc__oidc_redirect_ok(const struct dc__oidc_client *c, const char *uri)
{
	const char *p = c->redirect_uris;
	size_t ul = strlen(uri);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len == ul && !memcmp(p, uri, ul))
			return 1;
		p += len + (nl != NULL);
	}
	return 0;
}

static void copy_text(struct dc_stmt *st, void *arg)
{
	size_t n = 0;
	const char *t = dc_stmt_text(st, 0, &n);
	dc_buf_add(arg, t, n);
}

int dc__oidc_client_jwks(struct dc_store *s, const char *id, struct dc_buf *out)
{
	return dc_db_get_one(dc_store_db(s),
	                     "SELECT jwks FROM oidc_client WHERE id = $1 AND jwks IS NOT NULL",
	                     id ? id : "", copy_text, out);
}

int dc__oidc_jti_use(struct dc_store *s, const char *issuer, const char *jti, int64_t expires_ms,
                     int64_t now_ms)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s), "DELETE FROM oidc_jti WHERE expires_ms < $1", &st);
	if (rc == DC_OK) {
		dc_stmt_bind_int64(st, 1, now_ms);
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	st = NULL;
	if (rc == DC_OK)
		rc = dc_db_prepare(dc_store_db(s),
		                   "INSERT INTO oidc_jti (issuer, jti, expires_ms) VALUES ($1, $2, "
		                   "$3) ON CONFLICT DO NOTHING",
		                   &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, issuer);
		dc_stmt_bind_str(st, 2, jti);
		dc_stmt_bind_int64(st, 3, expires_ms);
		rc = dc_stmt_step(st);
		if (rc == DC_DONE)
			rc = dc_stmt_changes(st) ? DC_OK : DC_ERR_REPLAY;
	}
	dc_stmt_finalize(st);
	return rc;
}
