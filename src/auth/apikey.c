/*
 * apikey.c — API keys: creation (shown once), SHA-256 at rest, constant-
 * time check, revocation, last use, and a token-bucket rate limit kept in
 * the key's row (see dancu/apikey.h).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "dancu/apikey.h"
#include "dancu/db.h"
#include "dancu/store.h"

#include "core/internal.h"

#define LAST_USED_EVERY_MS 60000

static const char *const kinds[] = {"org", "business", "agency", NULL};

int dc_apikey_kind_valid(const char *kind)
{
	for (size_t i = 0; kind && kinds[i]; i++)
		if (!strcmp(kind, kinds[i]))
			return 1;
	return 0;
}

static int valid_owner(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static void secret_hash(const char *secret, char out[65])
{
	unsigned char d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(d, (const unsigned char *)secret, strlen(secret));
	sodium_bin2hex(out, 65, d, sizeof d);
}

static int64_t default_burst(int64_t rate, int64_t burst)
{
	if (burst > 0)
		return burst;
	return rate > 0 ? (rate + 59) / 60 : 0;
}

int dc_apikey_create(struct dc_store *s, const char *owner_kind, const char *owner_id,
                     const char *label, int64_t rate_per_min, int64_t burst, int64_t now_ms,
                     char *key_out, char *id_out)
{
	unsigned char rid[8], raw[32];
	char id[DC_APIKEY_ID_LEN + 1], secret[DC_APIKEY_SECRET_LEN + 1], h[65];
	struct dc_stmt *st = NULL;
	if (!dc_apikey_kind_valid(owner_kind) || !valid_owner(owner_id) ||
	    (label && strlen(label) > 100) || rate_per_min < 0 || burst < 0)
		return DC_ERR_INVALID;
	if (sodium_init() < 0)
		return DC_ERR_NOMEM;
	burst = rate_per_min ? default_burst(rate_per_min, burst) : burst;
	randombytes_buf(rid, sizeof rid);
	randombytes_buf(raw, sizeof raw);
	memcpy(id, "dck_", 4);
	sodium_bin2hex(id + 4, sizeof id - 4, rid, sizeof rid);
	sodium_bin2base64(secret, sizeof secret, raw, sizeof raw,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
	secret_hash(secret, h);
	int rc = dc_db_prepare(dc_store_db(s),
	                       "INSERT INTO api_key (id, secret_hash, owner_kind, owner_id, label, "
	                       "created_ms, rate_per_min, burst, bucket_milli, bucket_ms) VALUES "
	                       "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, id);
		dc_stmt_bind_str(st, 2, h);
		dc_stmt_bind_str(st, 3, owner_kind);
		dc_stmt_bind_str(st, 4, owner_id);
		dc_stmt_bind_str(st, 5, label);
		dc_stmt_bind_int64(st, 6, now_ms);
		dc_stmt_bind_int64(st, 7, rate_per_min);
		dc_stmt_bind_int64(st, 8, burst);
		dc_stmt_bind_int64(st, 9, burst * 1000);
		dc_stmt_bind_int64(st, 10, now_ms);
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	if (rc == DC_OK) {
		snprintf(key_out, DC_APIKEY_LEN + 1, "%s.%s", id, secret);
		if (id_out)
			memcpy(id_out, id, sizeof id);
	}
	sodium_memzero(secret, sizeof secret);
	return rc;
}

int dc_apikey_parse(const char *key, size_t n, char *id_out, char *secret_out)
{
	if (!key || n != DC_APIKEY_LEN || memcmp(key, "dck_", 4) || key[DC_APIKEY_ID_LEN] != '.')
		return DC_ERR_AUTH;
	for (size_t i = 4; i < DC_APIKEY_ID_LEN; i++)
		if (!((key[i] >= '0' && key[i] <= '9') || (key[i] >= 'a' && key[i] <= 'f')))
			return DC_ERR_AUTH;
	for (size_t i = DC_APIKEY_ID_LEN + 1; i < n; i++) {
		char c = key[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return DC_ERR_AUTH;
	}
	memcpy(id_out, key, DC_APIKEY_ID_LEN);
	id_out[DC_APIKEY_ID_LEN] = '\0';
	memcpy(secret_out, key + DC_APIKEY_ID_LEN + 1, DC_APIKEY_SECRET_LEN);
	secret_out[DC_APIKEY_SECRET_LEN] = '\0';
	return DC_OK;
}

#define COLS                                                                                    \
	"id, owner_kind, owner_id, label, created_ms, last_used_ms, revoked_ms, rate_per_min, " \
	"burst, secret_hash, bucket_milli, bucket_ms"

struct row {
	struct dc_apikey k;
	char hash[65];
	int64_t bucket_milli, bucket_ms;
};

static void fill(struct dc_stmt *st, struct row *r)
{
	memset(r, 0, sizeof *r);
	snprintf(r->k.id, sizeof r->k.id, "%s", dc_stmt_text(st, 0, NULL));
	snprintf(r->k.owner_kind, sizeof r->k.owner_kind, "%s", dc_stmt_text(st, 1, NULL));
	snprintf(r->k.owner_id, sizeof r->k.owner_id, "%s", dc_stmt_text(st, 2, NULL));
	const char *l = dc_stmt_text(st, 3, NULL);
	snprintf(r->k.label, sizeof r->k.label, "%s", l ? l : "");
	r->k.created_ms = dc_stmt_int64(st, 4);
	r->k.last_used_ms = dc_stmt_int64(st, 5);
	r->k.revoked_ms = dc_stmt_int64(st, 6);
	r->k.rate_per_min = dc_stmt_int64(st, 7);
	r->k.burst = dc_stmt_int64(st, 8);
	snprintf(r->hash, sizeof r->hash, "%s", dc_stmt_text(st, 9, NULL));
	r->bucket_milli = dc_stmt_int64(st, 10);
	r->bucket_ms = dc_stmt_int64(st, 11);
}

static int load(struct dc_store *s, const char *id, int for_update, struct row *r)
{
	struct dc_stmt *st = NULL;
	int pg = !strcmp(dc_store_backend(s), "postgresql");
	int rc = dc_db_prepare(dc_store_db(s),
	                       for_update && pg ? "SELECT " COLS " FROM api_key WHERE id = $1 FOR "
	                                          "UPDATE"
	                                        : "SELECT " COLS " FROM api_key WHERE id = $1",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, id);
		rc = dc_stmt_step(st);
		if (rc == DC_ROW) {
			fill(st, r);
			rc = DC_OK;
		} else if (rc == DC_DONE) {
			rc = DC_ERR_NOT_FOUND;
		}
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc_apikey_get(struct dc_store *s, const char *id, struct dc_apikey *out)
{
	struct row r;
	int rc = load(s, id, 0, &r);
	if (rc == DC_OK)
		*out = r.k;
	return rc;
}

/* Refills the bucket up to now; returns the tokens (×1000) available. */
static int64_t refill(const struct row *r, int64_t now)
{
	int64_t cap = r->k.burst * 1000, t = r->bucket_milli;
	int64_t dt = now - r->bucket_ms;
	if (dt > 0) {
		/* rate_per_min tokens a minute = rate_per_min milli-tokens per 60 ms */
		int64_t add = dt > 60LL * 1000 * 1000 ? cap : dt * r->k.rate_per_min / 60;
		t = t + add > cap ? cap : t + add;
	}
	return t;
}

int dc_apikey_authenticate(struct dc_store *s, const char *key, size_t n, int64_t now_ms,
                           struct dc_apikey *out, int64_t *retry_after_ms)
{
	char id[DC_APIKEY_ID_LEN + 1], secret[DC_APIKEY_SECRET_LEN + 1], h[65];
	struct row r;
	struct dc_stmt *st = NULL;
	int in_tx = 0;
	int rc = dc_apikey_parse(key, n, id, secret);
	if (rc)
		return rc;
	if (sodium_init() < 0)
		return DC_ERR_NOMEM;
	secret_hash(secret, h);
	sodium_memzero(secret, sizeof secret);
	rc = load(s, id, 0, &r);
	if (rc == DC_ERR_NOT_FOUND)
		rc = DC_ERR_AUTH;
	if (rc)
		goto cleanup;
	if (!dc_ct_equal(h, r.hash, 64) || r.k.revoked_ms) {
		rc = DC_ERR_AUTH;
		goto cleanup;
	}
	if (r.k.rate_per_min == 0 && now_ms - r.k.last_used_ms < LAST_USED_EVERY_MS)
		goto cleanup; /* nothing to write */
	/* A write: re-read under the transaction (row lock on PostgreSQL) so
	 * that concurrent requests share one bucket. */
	rc = dc_store_begin(s);
	if (rc)
		goto cleanup;
	in_tx = 1;
	rc = load(s, id, 1, &r);
	if (rc == DC_OK && r.k.revoked_ms)
		rc = DC_ERR_AUTH;
	if (rc)
		goto cleanup;
	int64_t tokens = r.bucket_milli, bms = r.bucket_ms;
	if (r.k.rate_per_min > 0) {
		tokens = refill(&r, now_ms);
		bms = now_ms > r.bucket_ms ? now_ms : r.bucket_ms;
		if (tokens < 1000) {
			/* milli-tokens missing / (rate_per_min milli-tokens per 60 ms) */
			int64_t wait =
			        ((1000 - tokens) * 60 + r.k.rate_per_min - 1) / r.k.rate_per_min;
			if (retry_after_ms)
				*retry_after_ms = wait;
			rc = DC_ERR_RATE;
			goto cleanup;
		}
		tokens -= 1000;
	}
	rc = dc_db_prepare(
	        dc_store_db(s),
	        "UPDATE api_key SET last_used_ms = $2, bucket_milli = $3, bucket_ms = $4 "
	        "WHERE id = $1",
	        &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, id);
		dc_stmt_bind_int64(st, 2,
		                   now_ms - r.k.last_used_ms >= LAST_USED_EVERY_MS
		                           ? now_ms
		                           : r.k.last_used_ms);
		dc_stmt_bind_int64(st, 3, tokens);
		dc_stmt_bind_int64(st, 4, bms);
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
cleanup:
	dc_stmt_finalize(st);
	if (in_tx) {
		/* A refused request (rate) wrote nothing: roll back. */
		if (rc)
			dc_store_rollback(s);
		else
			rc = dc_store_commit(s);
	}
	if (rc == DC_OK)
		*out = r.k;
	return rc;
}

int dc_apikey_revoke(struct dc_store *s, const char *id, const char *owner_kind,
                     const char *owner_id, int64_t now_ms)
{
	struct row r;
	struct dc_stmt *st = NULL;
	int rc = load(s, id, 0, &r);
	if (rc == DC_OK && owner_kind && owner_id &&
	    (strcmp(r.k.owner_kind, owner_kind) || strcmp(r.k.owner_id, owner_id)))
		rc = DC_ERR_NOT_FOUND;
	if (rc || r.k.revoked_ms)
		return rc;
	rc = dc_db_prepare(dc_store_db(s),
	                   "UPDATE api_key SET revoked_ms = $2 WHERE id = $1 AND revoked_ms = 0",
	                   &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, id);
		dc_stmt_bind_int64(st, 2, now_ms > 0 ? now_ms : 1);
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc_apikey_set_rate(struct dc_store *s, const char *id, int64_t rate_per_min, int64_t burst)
{
	struct dc_stmt *st = NULL;
	if (rate_per_min < 0 || burst < 0)
		return DC_ERR_INVALID;
	burst = rate_per_min ? default_burst(rate_per_min, burst) : burst;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "UPDATE api_key SET rate_per_min = $2, burst = $3, bucket_milli = "
	                       "$4 WHERE id = $1",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, id);
		dc_stmt_bind_int64(st, 2, rate_per_min);
		dc_stmt_bind_int64(st, 3, burst);
		dc_stmt_bind_int64(st, 4, burst * 1000);
		rc = dc_stmt_step(st);
		if (rc == DC_DONE)
			rc = dc_stmt_changes(st) ? DC_OK : DC_ERR_NOT_FOUND;
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc_apikey_list(struct dc_store *s, const char *owner_kind, const char *owner_id,
                   int (*cb)(void *arg, const struct dc_apikey *k), void *arg)
{
	struct dc_stmt *st = NULL;
	int all = !owner_kind || !owner_id;
	int rc = dc_db_prepare(dc_store_db(s),
	                       all ? "SELECT " COLS " FROM api_key ORDER BY created_ms, id"
	                           : "SELECT " COLS " FROM api_key WHERE owner_kind = $1 AND "
	                             "owner_id = $2 ORDER BY created_ms, id",
	                       &st);
	if (rc == DC_OK && !all) {
		dc_stmt_bind_str(st, 1, owner_kind);
		dc_stmt_bind_str(st, 2, owner_id);
	}
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		struct row r;
		fill(st, &r);
		rc = cb(arg, &r.k);
	}
	dc_stmt_finalize(st);
	return rc == DC_DONE ? DC_OK : rc;
}
