/*
 * agency.c — connected agencies (dancu/exchange.h): the account row,
 * subscription and write-permission lists, attributes written back, the
 * webhook secret (sealed with the master key: it must be usable to sign,
 * so it cannot be hashed) and the dead-letter list.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "dancu/citizen.h"
#include "dancu/db.h"
#include "dancu/exchange.h"
#include "dancu/store.h"

#include "core/internal.h"
#include "exchange/exchange_internal.h"

static int valid_id(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = id[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' ||
		      ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

static int attr_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 40)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static int field_ok(const char *s, size_t n)
{
	if (n > 5 && !memcmp(s, "attr.", 5))
		return attr_name_ok(s + 5, n - 5);
	return dc_citizen_column_index(s, n) >= 0;
}

/* Each comma-separated item of s passes ok; "" is allowed when empty_ok. */
static int list_ok(const char *s, int (*ok)(const char *, size_t), int empty_ok)
{
	if (!s || strlen(s) > DC_AGENCY_LIST_MAX)
		return 0;
	if (!*s)
		return empty_ok;
	for (;;) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (!ok(s, n))
			return 0;
		if (!e)
			return 1;
		s = e + 1;
	}
}

int dc_agency_fields_valid(const char *s)
{
	return s && (!strcmp(s, "*") || list_ok(s, field_ok, 0));
}

int dc_agency_writes_valid(const char *s)
{
	return list_ok(s, attr_name_ok, 1);
}

int dc_agency_list_has(const char *list, const char *field, size_t n)
{
	if (!strcmp(list, "*"))
		return 1;
	const char *s = list;
	while (*s) {
		const char *e = strchr(s, ',');
		size_t m = e ? (size_t)(e - s) : strlen(s);
		if (m == n && !memcmp(s, field, n))
			return 1;
		if (!e)
			break;
		s = e + 1;
	}
	return 0;
}

static int agency_ok(const struct dc_agency *a)
{
	size_t nl = strlen(a->name);
	return valid_id(a->id) && nl > 0 && nl <= 200 && dc_agency_fields_valid(a->fields) &&
	       dc_agency_writes_valid(a->writes);
}

int dc_agency_add(struct dc_store *s, const struct dc_agency *a, int64_t now_ms)
{
	struct dc_stmt *st = NULL;
	if (!agency_ok(a))
		return DC_ERR_INVALID;
	int rc =
	        dc_db_prepare(dc_store_db(s),
	                      "INSERT INTO agency (id, name, fields, writes, disabled, created_ms) "
	                      "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
	                      &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, a->id);
		dc_stmt_bind_str(st, 2, a->name);
		dc_stmt_bind_str(st, 3, a->fields);
		dc_stmt_bind_text(st, 4, a->writes, strlen(a->writes));
		dc_stmt_bind_int64(st, 5, a->disabled != 0);
		dc_stmt_bind_int64(st, 6, now_ms);
		rc = dc_stmt_step(st);
		if (rc == DC_DONE)
			rc = dc_stmt_changes(st) ? DC_OK : DC_ERR_CONFLICT;
	}
	dc_stmt_finalize(st);
	return rc;
}

#define AGENCY_COLS                                                                      \
	"id, name, fields, writes, disabled, created_ms, webhook_url, webhook_version, " \
	"webhook_cursor"

static void fill(struct dc_stmt *st, void *arg)
{
	struct dc_agency *a = arg;
	const char *v;
	memset(a, 0, sizeof *a);
	snprintf(a->id, sizeof a->id, "%s", dc_stmt_text(st, 0, NULL));
	snprintf(a->name, sizeof a->name, "%s", dc_stmt_text(st, 1, NULL));
	snprintf(a->fields, sizeof a->fields, "%s", dc_stmt_text(st, 2, NULL));
	v = dc_stmt_text(st, 3, NULL);
	snprintf(a->writes, sizeof a->writes, "%s", v ? v : "");
	a->disabled = (int)dc_stmt_int64(st, 4);
	a->created_ms = dc_stmt_int64(st, 5);
	v = dc_stmt_text(st, 6, NULL);
	snprintf(a->webhook_url, sizeof a->webhook_url, "%s", v ? v : "");
	a->webhook_version = dc_stmt_int64(st, 7);
	a->webhook_cursor = dc_stmt_int64(st, 8);
}

int dc_agency_get(struct dc_store *s, const char *id, struct dc_agency *out)
{
	return dc_db_get_one(dc_store_db(s), "SELECT " AGENCY_COLS " FROM agency WHERE id = $1", id,
	                     fill, out);
}

int dc_agency_list(struct dc_store *s, int (*cb)(void *arg, const struct dc_agency *a), void *arg)
{
	struct dc_stmt *st = NULL;
	struct dc_agency a;
	int rc = dc_db_prepare(dc_store_db(s), "SELECT " AGENCY_COLS " FROM agency ORDER BY id",
	                       &st);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		fill(st, &a);
		rc = cb(arg, &a);
	}
	dc_stmt_finalize(st);
	return rc == DC_DONE ? DC_OK : rc;
}

int dc_agency_update(struct dc_store *s, const struct dc_agency *a)
{
	struct dc_stmt *st = NULL;
	if (!agency_ok(a))
		return DC_ERR_INVALID;
	int rc = dc_db_prepare(
	        dc_store_db(s),
	        "UPDATE agency SET name = $2, fields = $3, writes = $4, disabled = $5 "
	        "WHERE id = $1",
	        &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, a->id);
		dc_stmt_bind_str(st, 2, a->name);
		dc_stmt_bind_str(st, 3, a->fields);
		dc_stmt_bind_text(st, 4, a->writes, strlen(a->writes));
		dc_stmt_bind_int64(st, 5, a->disabled != 0);
		rc = dc_stmt_step(st);
		if (rc == DC_DONE)
			rc = dc_stmt_changes(st) ? DC_OK : DC_ERR_NOT_FOUND;
	}
	dc_stmt_finalize(st);
	return rc;
}

/* --- attributes ------------------------------------------------------------------ */

static int exec1(struct dc_store *s, const char *sql, const char *const *txt, int ntxt,
                 const int64_t *ints, int nints, int64_t *changes)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s), sql, &st);
	for (int i = 0; rc == DC_OK && i < ntxt; i++)
		rc = dc_stmt_bind_str(st, i + 1, txt[i]);
	for (int i = 0; rc == DC_OK && i < nints; i++)
		rc = dc_stmt_bind_int64(st, ntxt + i + 1, ints[i]);
	if (rc == DC_OK)
		rc = dc_stmt_step(st);
	if (rc == DC_DONE || rc == DC_ROW) {
		if (changes)
			*changes = dc_stmt_changes(st);
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc_agency_attr_set(struct dc_store *s, const struct dc_agency *a, const char *pin,
                       const char *name, const char *value, const char *actor, int64_t now_ms)
{
	struct dc_buf after = DC_BUF_INIT;
	int64_t n = 0;
	size_t vl = value ? strlen(value) : 0;
	if (!attr_name_ok(name, strlen(name)) || vl == 0 || vl > 200 || !pin || strlen(pin) != 12)
		return DC_ERR_INVALID;
	if (!dc_agency_list_has(a->writes, name, strlen(name)) || !strcmp(a->writes, "*"))
		return DC_ERR_FORBIDDEN;
	int rc = dc_store_begin(s);
	if (rc)
		return rc;
	if (rc == DC_OK) {
		struct dc_stmt *st = NULL;
		rc = dc_db_prepare(dc_store_db(s), "SELECT count(*) FROM citizen WHERE pin = $1",
		                   &st);
		if (rc == DC_OK)
			dc_stmt_bind_str(st, 1, pin);
		if (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW)
			rc = dc_stmt_int64(st, 0) ? DC_OK : DC_ERR_NOT_FOUND;
		dc_stmt_finalize(st);
	}
	if (rc == DC_OK) {
		const char *t[] = {pin, a->id, name, value};
		const int64_t i[] = {now_ms};
		rc = exec1(s,
		           "INSERT INTO agency_attribute (pin, agency, name, value, at_ms) VALUES "
		           "($1, $2, $3, $4, $5) ON CONFLICT (pin, agency, name) DO UPDATE SET "
		           "value = excluded.value, at_ms = excluded.at_ms",
		           t, 4, i, 1, &n);
	}
	if (rc == DC_OK) {
		dc_buf_adds(&after, "{\"attr.");
		dc_buf_adds(&after, name);
		dc_buf_adds(&after, "\":\"");
		dc_buf_add_json_str(&after, value, vl);
		dc_buf_adds(&after, "\"}");
		rc = dc_buf_error(&after);
	}
	if (rc == DC_OK) {
		const char *t[] = {pin, actor, a->id, dc_buf_str(&after)};
		const int64_t i[] = {now_ms};
		rc = exec1(s,
		           "INSERT INTO event (pin, kind, actor, reason, before_json, after_json, "
		           "at_ms) VALUES ($1, 'attribute', $2, $3, '{}', $4, $5)",
		           t, 4, i, 1, NULL);
	}
	dc_buf_release(&after);
	if (rc) {
		dc_store_rollback(s);
		return rc;
	}
	return dc_store_commit(s);
}

int dc_agency_attr_get(struct dc_store *s, const char *agency, const char *pin, const char *name,
                       char *out, size_t cap)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT value FROM agency_attribute WHERE pin = $1 AND agency = $2 "
	                       "AND name = $3",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, pin);
		dc_stmt_bind_str(st, 2, agency);
		dc_stmt_bind_str(st, 3, name);
		rc = dc_stmt_step(st);
		if (rc == DC_ROW) {
			snprintf(out, cap, "%s", dc_stmt_text(st, 0, NULL));
			rc = DC_OK;
		} else if (rc == DC_DONE) {
			rc = DC_ERR_NOT_FOUND;
		}
	}
	dc_stmt_finalize(st);
	return rc;
}

/* --- webhooks --------------------------------------------------------------------- */

static int url_ok(const char *url)
{
	size_t n = strlen(url);
	if (n > 512 || strncmp(url, "http://", 7) || n < 8)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f)
			return 0;
	return url[7] != '/';
}

int dc_agency_webhook_set(struct dc_store *s, const char *id, const char *url,
                          const unsigned char key[32], char secret_out[44])
{
	unsigned char secret[32];
	unsigned char sealed[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + 32];
	char hex[2 * sizeof sealed + 1];
	int64_t n = 0;
	int rc;
	if (*url && !url_ok(url))
		return DC_ERR_INVALID;
	if (!*url) {
		const char *t[] = {id};
		rc = exec1(
		        s,
		        "UPDATE agency SET webhook_url = '', webhook_sealed = NULL, attempts = 0, "
		        "next_try_ms = 0 WHERE id = $1",
		        t, 1, NULL, 0, &n);
		return rc ? rc : n ? DC_OK : DC_ERR_NOT_FOUND;
	}
	randombytes_buf(secret, sizeof secret);
	randombytes_buf(sealed, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(sealed + crypto_secretbox_NONCEBYTES, secret, sizeof secret, sealed,
	                      key);
	sodium_bin2hex(hex, sizeof hex, sealed, sizeof sealed);
	sodium_bin2base64(secret_out, 44, secret, sizeof secret,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(secret, sizeof secret);
	const char *t[] = {id, url, hex};
	rc = exec1(s,
	           "UPDATE agency SET webhook_url = $2, webhook_sealed = $3, webhook_version = "
	           "webhook_version + 1, attempts = 0, next_try_ms = 0, last_error = NULL, "
	           "webhook_cursor = CASE WHEN webhook_version = 0 THEN (SELECT coalesce(max(seq), "
	           "0) FROM event) ELSE webhook_cursor END WHERE id = $1",
	           t, 3, NULL, 0, &n);
	if (rc == DC_OK && !n)
		rc = DC_ERR_NOT_FOUND;
	if (rc)
		sodium_memzero(secret_out, 44);
	return rc;
}

int dc__agency_webhook_secret(const char *sealed_hex, const unsigned char key[32],
                              unsigned char secret[32])
{
	unsigned char sealed[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + 32];
	size_t n = 0;
	if (!sealed_hex ||
	    sodium_hex2bin(sealed, sizeof sealed, sealed_hex, strlen(sealed_hex), NULL, &n, NULL) ||
	    n != sizeof sealed)
		return DC_ERR_VERIFY;
	if (crypto_secretbox_open_easy(secret, sealed + crypto_secretbox_NONCEBYTES,
	                               sizeof sealed - crypto_secretbox_NONCEBYTES, sealed, key))
		return DC_ERR_VERIFY;
	return DC_OK;
}

void dc_webhook_sign(const unsigned char *secret, size_t secret_len, int64_t timestamp,
                     const char *body, size_t body_len, char out[72])
{
	crypto_auth_hmacsha256_state h;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char ts[24];
	int tn = snprintf(ts, sizeof ts, "%lld.", (long long)timestamp);
	crypto_auth_hmacsha256_init(&h, secret, secret_len);
	crypto_auth_hmacsha256_update(&h, (const unsigned char *)ts, (size_t)tn);
	crypto_auth_hmacsha256_update(&h, (const unsigned char *)body, body_len);
	crypto_auth_hmacsha256_final(&h, mac);
	memcpy(out, "sha256=", 7);
	sodium_bin2hex(out + 7, 65, mac, sizeof mac);
}

int dc_dead_letter_list(struct dc_store *s, const char *agency,
                        int (*cb)(void *arg, const struct dc_dead_letter *d), void *arg)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT agency, seq, attempts, last_error, dead_ms, replay_ms, "
	                       "delivered_ms FROM webhook_dead WHERE agency = $1 ORDER BY seq",
	                       &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, agency);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		struct dc_dead_letter d;
		const char *e;
		memset(&d, 0, sizeof d);
		snprintf(d.agency, sizeof d.agency, "%s", dc_stmt_text(st, 0, NULL));
		d.seq = dc_stmt_int64(st, 1);
		d.attempts = dc_stmt_int64(st, 2);
		e = dc_stmt_text(st, 3, NULL);
		snprintf(d.last_error, sizeof d.last_error, "%s", e ? e : "");
		d.dead_ms = dc_stmt_int64(st, 4);
		d.replay_ms = dc_stmt_int64(st, 5);
		d.delivered_ms = dc_stmt_int64(st, 6);
		rc = cb(arg, &d);
	}
	dc_stmt_finalize(st);
	return rc == DC_DONE ? DC_OK : rc;
}

int dc_dead_letter_replay(struct dc_store *s, const char *agency, int64_t seq, int64_t now_ms)
{
	int64_t n = 0;
	const char *t[] = {agency};
	const int64_t i[] = {seq, now_ms};
	int rc = exec1(s,
	               "UPDATE webhook_dead SET replay_ms = $3, delivered_ms = 0 WHERE agency = $1 "
	               "AND seq = $2",
	               t, 1, i, 2, &n);
	return rc ? rc : n ? DC_OK : DC_ERR_NOT_FOUND;
}
