/*
 * kyc.c — the e-KYC request and consent records (see kyc.h).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "dancu/core.h"
#include "dancu/db.h"
#include "dancu/store.h"

#include "core/internal.h"
#include "verify/kyc.h"

#define COLS                                                                                  \
	"id, org_id, pin, attributes, purpose, redirect_uri, state, created_ms, expires_ms, " \
	"consent_days, decided_ms, consent_expires_ms, revoked_ms, releases"

int dc__kyc_id_ok(const char *id, size_t n)
{
	if (n != DC__KYC_ID_LEN || memcmp(id, "kyc_", 4))
		return 0;
	for (size_t i = 4; i < n; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return 1;
}

static void fill(struct dc_stmt *st, void *out)
{
	struct dc__kyc *k = out;
	char *s[] = {k->id, k->org, k->pin, k->attributes, k->purpose, k->redirect_uri, k->state};
	size_t n[] = {sizeof k->id,         sizeof k->org,     sizeof k->pin,
	              sizeof k->attributes, sizeof k->purpose, sizeof k->redirect_uri,
	              sizeof k->state};
	for (int i = 0; i < 7; i++) {
		const char *v = dc_stmt_text(st, i, NULL);
		snprintf(s[i], n[i], "%s", v ? v : "");
	}
	k->created_ms = dc_stmt_int64(st, 7);
	k->expires_ms = dc_stmt_int64(st, 8);
	k->consent_days = (int)dc_stmt_int64(st, 9);
	k->decided_ms = dc_stmt_int64(st, 10);
	k->consent_expires_ms = dc_stmt_int64(st, 11);
	k->revoked_ms = dc_stmt_int64(st, 12);
	k->releases = dc_stmt_int64(st, 13);
}

int dc__kyc_create(struct dc_store *s, struct dc__kyc *k)
{
	unsigned char raw[16];
	struct dc_stmt *st = NULL;
	randombytes_buf(raw, sizeof raw);
	memcpy(k->id, "kyc_", 4);
	sodium_bin2hex(k->id + 4, sizeof k->id - 4, raw, sizeof raw);
	snprintf(k->state, sizeof k->state, "pending");
	int rc = dc_db_prepare(dc_store_db(s),
	                       "INSERT INTO kyc_request (id, org_id, pin, attributes, purpose, "
	                       "redirect_uri, state, created_ms, expires_ms, consent_days) VALUES "
	                       "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_text(st, 1, k->id, strlen(k->id));
		dc_stmt_bind_text(st, 2, k->org, strlen(k->org));
		dc_stmt_bind_text(st, 3, k->pin, strlen(k->pin));
		dc_stmt_bind_text(st, 4, k->attributes, strlen(k->attributes));
		dc_stmt_bind_text(st, 5, k->purpose, strlen(k->purpose));
		dc_stmt_bind_text(st, 6, k->redirect_uri, strlen(k->redirect_uri));
		dc_stmt_bind_text(st, 7, k->state, strlen(k->state));
		dc_stmt_bind_int64(st, 8, k->created_ms);
		dc_stmt_bind_int64(st, 9, k->expires_ms);
		dc_stmt_bind_int64(st, 10, k->consent_days);
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc__kyc_get(struct dc_store *s, const char *id, struct dc__kyc *out)
{
	memset(out, 0, sizeof *out);
	return dc_db_get_one(dc_store_db(s), "SELECT " COLS " FROM kyc_request WHERE id = $1", id,
	                     fill, out);
}

const char *dc__kyc_state(const struct dc__kyc *k, int64_t now_ms)
{
	if (!strcmp(k->state, "pending"))
		return now_ms >= k->expires_ms ? "expired" : "pending";
	if (!strcmp(k->state, "approved"))
		return now_ms >= k->consent_expires_ms ? "expired" : "approved";
	if (!strcmp(k->state, "declined"))
		return "declined";
	return "revoked";
}

/* Runs an UPDATE binding ($1 id, $2 pin, $3 now, $4 extra) and gives the
 * number of rows it changed. */
static int update(struct dc_store *s, const char *sql, const char *id, const char *pin,
                  int64_t now_ms, int64_t extra, int64_t *changed)
{
	struct dc_stmt *st = NULL;
	*changed = 0;
	int rc = dc_db_prepare(dc_store_db(s), sql, &st);
	if (rc == DC_OK) {
		dc_stmt_bind_text(st, 1, id, strlen(id));
		dc_stmt_bind_text(st, 2, pin, strlen(pin));
		dc_stmt_bind_int64(st, 3, now_ms);
		dc_stmt_bind_int64(st, 4, extra);
		rc = dc_stmt_step(st);
		if (rc == DC_DONE)
			*changed = dc_stmt_changes(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc__kyc_decide(struct dc_store *s, const char *id, const char *pin, int approve, int64_t now_ms)
{
	struct dc__kyc k;
	int64_t changed = 0;
	int rc = dc__kyc_get(s, id, &k);
	if (rc)
		return rc;
	if (strcmp(k.pin, pin))
		return DC_ERR_NOT_FOUND; /* another citizen's request: it does not exist for you */
	int64_t until = now_ms + (int64_t)k.consent_days * 86400000LL;
	rc = update(s,
	            approve ? "UPDATE kyc_request SET state = 'approved', decided_ms = $3, "
	                      "consent_expires_ms = $4 WHERE id = $1 AND pin = $2 AND state = "
	                      "'pending' AND expires_ms > $3"
	                    : "UPDATE kyc_request SET state = 'declined', decided_ms = $3, "
	                      "consent_expires_ms = $4 WHERE id = $1 AND pin = $2 AND state = "
	                      "'pending' AND expires_ms > $3",
	            id, pin, now_ms, approve ? until : 0, &changed);
	if (rc || changed)
		return rc;
	return strcmp(k.state, "pending") ? DC_ERR_REPLAY : DC_ERR_EXPIRED;
}

int dc__kyc_revoke(struct dc_store *s, const char *id, const char *pin, int64_t now_ms)
{
	struct dc__kyc k;
	int64_t changed = 0;
	int rc = dc__kyc_get(s, id, &k);
	if (rc)
		return rc;
	if (strcmp(k.pin, pin))
		return DC_ERR_NOT_FOUND;
	rc = update(s,
	            "UPDATE kyc_request SET state = 'revoked', revoked_ms = $3 WHERE id = $1 AND "
	            "pin = $2 AND state = 'approved' AND $4 = 0",
	            id, pin, now_ms, 0, &changed);
	if (rc || changed)
		return rc;
	return DC_ERR_CONFLICT;
}

int dc__kyc_count_release(struct dc_store *s, const char *id)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "UPDATE kyc_request SET releases = releases + 1 WHERE id = $1", &st);
	if (rc == DC_OK) {
		dc_stmt_bind_text(st, 1, id, strlen(id));
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc__kyc_list(struct dc_store *s, const char *pin, int (*cb)(void *arg, const struct dc__kyc *k),
                 void *arg)
{
	struct dc_stmt *st = NULL;
	struct dc__kyc k;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT " COLS " FROM kyc_request WHERE pin = $1 ORDER BY "
	                       "created_ms DESC, id LIMIT 200",
	                       &st);
	if (rc == DC_OK)
		dc_stmt_bind_text(st, 1, pin, strlen(pin));
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		memset(&k, 0, sizeof k);
		fill(st, &k);
		rc = cb(arg, &k);
	}
	dc_stmt_finalize(st);
	return rc == DC_DONE ? DC_OK : rc;
}
