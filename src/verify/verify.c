/*
 * verify.c — one verification request of a relying party, end to end in
 * one transaction: policy, replay window and transaction id, daily quota,
 * the record as of now, matching, the audit entry and the usage count (see
 * dc_verify_one in dancu/verify.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dancu/audit.h"
#include "dancu/db.h"
#include "dancu/store.h"
#include "dancu/verify.h"

#include "core/internal.h"
#include "verify/verify_internal.h"

static const char *text(struct dc_stmt *st, int i, struct dc_pool *pool, int *rc)
{
	size_t n;
	const char *s = dc_stmt_text(st, i, &n);
	if (!s)
		return NULL;
	char *c = dc_pool_strndup(pool, s, n);
	if (!c)
		*rc = DC_ERR_NOMEM;
	return c;
}

int dc__verify_row(struct dc_stmt *st, struct dc_citizen *c, struct dc_pool *pool)
{
	int rc = DC_OK;
	size_t n;
	const char *s;
	memset(c, 0, sizeof *c);
	s = dc_stmt_text(st, 0, &n);
	if (!s || dc_pin_parse(s, n, &c->pin))
		return DC_ERR_DB;
	s = dc_stmt_text(st, 1, &n);
	if (s && n && dc_date_parse(s, n, &c->dob))
		memset(&c->dob, 0, sizeof c->dob);
	s = dc_stmt_text(st, 2, &n);
	c->sex = s && n == 1 && (s[0] == 'M' || s[0] == 'F') ? s[0] : DC_SEX_UNKNOWN;
	s = dc_stmt_text(st, 3, &n);
	c->status = !s                      ? DC_STATUS_ALIVE
	            : !strcmp(s, "dead")    ? DC_STATUS_DEAD
	            : !strcmp(s, "missing") ? DC_STATUS_MISSING
	                                    : DC_STATUS_ALIVE;
	c->birth_name = text(st, 4, pool, &rc);
	c->perm_address = text(st, 5, pool, &rc);
	c->perm_commune = text(st, 6, pool, &rc);
	c->phone = text(st, 7, pool, &rc);
	c->email = text(st, 8, pool, &rc);
	c->father_name = text(st, 9, pool, &rc);
	c->mother_name = text(st, 10, pool, &rc);
	c->nationality = text(st, 11, pool, &rc);
	return rc;
}

int dc__verify_fetch(struct dc_store *s, const struct dc_pin *pin, struct dc_citizen *c,
                     struct dc_pool *pool)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT " DC__VERIFY_COLS " FROM citizen WHERE pin = $1", &st);
	if (rc == DC_OK) {
		dc_stmt_bind_text(st, 1, pin->d, 12);
		rc = dc_stmt_step(st);
		if (rc == DC_ROW)
			rc = dc__verify_row(st, c, pool);
		else if (rc == DC_DONE)
			rc = DC_ERR_NOT_FOUND;
	}
	dc_stmt_finalize(st);
	return rc;
}

static int valid_txn(const char *t)
{
	size_t n = t ? strlen(t) : 0;
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (t[i] < 0x21 || t[i] > 0x7e)
			return 0;
	return 1;
}

/* Counts a refused request (its own small transaction). */
static void count_refusal(struct dc_store *s, const char *org, int64_t now)
{
	struct dc_org_usage u = {{0}, 0, 0, 0, 0, 1};
	dc_org_day(now, u.day);
	dc_org_usage_add(s, org, &u);
}

static int quota_left(struct dc_store *s, const struct dc_org *org, const char *day, int64_t want)
{
	struct dc_stmt *st = NULL;
	int64_t used = 0;
	if (org->daily_quota <= 0)
		return DC_OK;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT requests + rows_n FROM verify_usage WHERE org_id = $1 AND "
	                       "day = $2",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, org->id);
		dc_stmt_bind_str(st, 2, day);
		rc = dc_stmt_step(st);
		if (rc == DC_ROW)
			used = dc_stmt_int64(st, 0);
		rc = rc < 0 ? rc : DC_OK;
	}
	dc_stmt_finalize(st);
	if (rc == DC_OK && used + want > org->daily_quota)
		rc = DC_ERR_RATE;
	return rc;
}

int dc__verify_quota(struct dc_store *s, const struct dc_org *org, const char *day, int64_t want)
{
	return quota_left(s, org, day, want);
}

/* Claimed fields as a comma-separated list (for the audit log). */
static void claimed_list(const struct dc_verify_claims *cl, char *out, size_t cap)
{
	size_t k = 0;
	out[0] = '\0';
	for (int f = 0; f < DC_VF__COUNT; f++)
		if (cl->v[f]) {
			int w = snprintf(out + k, cap - k, "%s%s", k ? "," : "", dc_vfield_code(f));
			if (w < 0 || (size_t)w >= cap - k)
				break;
			k += (size_t)w;
		}
}

static int refuse(char *detail, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(char *detail, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (detail)
		vsnprintf(detail, 160, fmt, ap);
	va_end(ap);
	return rc;
}

int dc_verify_one(struct dc_store *s, const struct dc_units *units, const struct dc_org *org,
                  const struct dc_verify_request *rq, int64_t now_ms,
                  struct dc_verify_scratch *scratch, struct dc_verify_result *out, char *detail)
{
	struct dc_stmt *st = NULL;
	struct dc_pool pool;
	struct dc_citizen rec;
	struct dc_pin pin;
	int have_pin = 0, found = 0, in_tx = 0, nclaims = 0;
	char day[11], fields[256];
	int rc = DC_OK;
	dc_pool_init(&pool, 4096);
	memset(out, 0, sizeof *out);
	if (detail)
		detail[0] = '\0';
	/* Policy first: nothing is read for a request the organisation may not make. */
	if (org->disabled) {
		rc = refuse(detail, DC_ERR_FORBIDDEN, "the organisation is disabled");
		goto refused;
	}
	int p = rq->purpose ? dc_vpurpose_parse(rq->purpose, strlen(rq->purpose)) : -1;
	if (p < 0) {
		rc = refuse(detail, DC_ERR_INVALID, "unknown purpose '%s'",
		            rq->purpose ? rq->purpose : "");
		goto refused;
	}
	if (!(org->purposes & (1u << p))) {
		rc = refuse(detail, DC_ERR_FORBIDDEN,
		            "purpose %s is not in the organisation's policy", rq->purpose);
		goto refused;
	}
	for (int f = 0; f < DC_VF__COUNT; f++) {
		if (!rq->claims.v[f])
			continue;
		nclaims++;
		if (!(org->verify_fields & (1u << f))) {
			rc = refuse(detail, DC_ERR_FORBIDDEN,
			            "field %s is not in the organisation's policy",
			            dc_vfield_code(f));
			goto refused;
		}
	}
	if (!nclaims) {
		rc = refuse(detail, DC_ERR_INVALID, "no claimed attribute to verify");
		goto refused;
	}
	if (!valid_txn(rq->txn)) {
		rc = refuse(detail, DC_ERR_INVALID,
		            "txn must be 1-64 printable ASCII characters without spaces");
		goto refused;
	}
	if (rq->ts_ms < now_ms - DC_VERIFY_WINDOW_MS || rq->ts_ms > now_ms + DC_VERIFY_WINDOW_MS) {
		rc = refuse(detail, DC_ERR_REPLAY,
		            "the request timestamp is more than 5 minutes from the server's clock");
		goto refused;
	}
	if (rq->id_number) {
		if (dc_pin_parse(rq->id_number, strlen(rq->id_number), &pin)) {
			rc = refuse(detail, DC_ERR_INVALID, "id_number must be 12 digits");
			goto refused;
		}
		have_pin = 1;
	} else if (!rq->old_id) {
		rc = refuse(detail, DC_ERR_INVALID, "id_number or old_id_number is required");
		goto refused;
	}
	dc_org_day(now_ms, day);
	rc = dc_store_begin(s);
	if (rc)
		goto cleanup;
	in_tx = 1;
	/* Transaction ids older than the window can never be accepted again
	 * (the timestamp check refuses them), so they are forgotten. */
	rc = dc_db_prepare(dc_store_db(s), "DELETE FROM verify_txn WHERE at_ms < $1", &st);
	if (rc == DC_OK) {
		dc_stmt_bind_int64(st, 1, now_ms - 2 * DC_VERIFY_WINDOW_MS);
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	st = NULL;
	if (rc == DC_OK)
		rc = dc_db_prepare(
		        dc_store_db(s),
		        "INSERT INTO verify_txn (org_id, txn, at_ms) VALUES ($1, $2, $3) ON "
		        "CONFLICT (org_id, txn) DO NOTHING",
		        &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, org->id);
		dc_stmt_bind_str(st, 2, rq->txn);
		dc_stmt_bind_int64(st, 3, now_ms);
		rc = dc_stmt_step(st);
		if (rc == DC_DONE)
			rc = dc_stmt_changes(st) ? DC_OK : DC_ERR_REPLAY;
	}
	dc_stmt_finalize(st);
	st = NULL;
	if (rc == DC_ERR_REPLAY) {
		refuse(detail, rc, "transaction id %s was already used by this organisation",
		       rq->txn);
		goto refused;
	}
	if (rc == DC_OK && (rc = quota_left(s, org, day, 1)) == DC_ERR_RATE) {
		refuse(detail, rc, "the organisation's daily quota is used up");
		goto refused;
	}
	if (rc)
		goto cleanup;
	if (!have_pin) {
		enum dc_identifier_kind kind;
		rc = dc_store_identifier_lookup(s, rq->old_id, &pin, &kind);
		if (rc == DC_OK)
			have_pin = 1;
		else if (rc != DC_ERR_NOT_FOUND)
			goto cleanup;
		rc = DC_OK;
	}
	if (have_pin) {
		rc = dc__verify_fetch(s, &pin, &rec, &pool);
		found = rc == DC_OK;
		if (rc == DC_ERR_NOT_FOUND)
			rc = DC_OK;
		if (rc)
			goto cleanup;
	}
	struct dc_verify_card card;
	if (found && (rc = dc__verify_card_lookup(s, pin.d, &card)))
		goto cleanup;
	rc = dc_verify_match(found ? &rec : NULL, found ? &card : NULL, units, &rq->claims, scratch,
	                     out);
	if (rc)
		goto cleanup;
	claimed_list(&rq->claims, fields, sizeof fields);
	struct dc_audit_entry a = {rq->actor,   org->id, "verify",      have_pin ? pin.d : NULL,
	                           rq->purpose, fields,  rq->request_id};
	rc = dc_audit_append(s, &a, NULL);
	if (rc)
		goto cleanup;
	struct dc_org_usage u = {{0}, 1, 0, out->full_match, out->status == DC_VS_NOT_FOUND, 0};
	memcpy(u.day, day, sizeof day);
	rc = dc_org_usage_add(s, org->id, &u);
	if (rc)
		goto cleanup;
	in_tx = 0;
	rc = dc_store_commit(s);
	goto cleanup;
refused:
	/* The refusal is counted; inside the transaction (a replayed txn, the
	 * quota) nothing else was written but the txn id, which the timestamp
	 * window retires anyway: commit rather than roll back, so that the
	 * count survives when this runs as one job of a group commit. */
	count_refusal(s, org->id, now_ms);
	if (in_tx) {
		in_tx = 0;
		int crc = dc_store_commit(s);
		if (crc)
			rc = crc;
	}
cleanup:
	if (in_tx)
		dc_store_rollback(s);
	dc_pool_release(&pool);
	return rc;
}
