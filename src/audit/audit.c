/*
 * audit.c — the hash-chained audit log (see dancu/audit.h).
 *
 * Appending reads the newest entry's sequence number and hash and writes the
 * next one in the same transaction. On SQLite the write transaction already
 * serialises appenders; on PostgreSQL an advisory transaction lock does, so
 * two servers never fork the chain.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dancu/audit.h"
#include "dancu/db.h"
#include "dancu/store.h"

#include "core/internal.h"

static const char genesis[65] = "0000000000000000000000000000000000000000000000000000000000000000";

static void field(crypto_hash_sha256_state *h, const char *s)
{
	char len[24];
	size_t n = s ? strlen(s) : 0;
	/* Length-prefixed (and NULL distinct from ""), so fields cannot run into
	 * each other. */
	int k = s ? snprintf(len, sizeof len, "%zu:", n) : snprintf(len, sizeof len, "-:");
	crypto_hash_sha256_update(h, (const unsigned char *)len, (unsigned long long)k);
	if (n)
		crypto_hash_sha256_update(h, (const unsigned char *)s, n);
}

static void entry_hash(int64_t seq, int64_t at_ms, const struct dc_audit_entry *e, const char *prev,
                       char out[65])
{
	crypto_hash_sha256_state h;
	unsigned char d[32];
	char num[48];
	crypto_hash_sha256_init(&h);
	snprintf(num, sizeof num, "%lld|%lld|", (long long)seq, (long long)at_ms);
	crypto_hash_sha256_update(&h, (const unsigned char *)num, strlen(num));
	field(&h, e->actor);
	field(&h, e->org);
	field(&h, e->action);
	field(&h, e->subject_pin);
	field(&h, e->purpose);
	field(&h, e->fields);
	field(&h, e->request_id);
	field(&h, prev);
	crypto_hash_sha256_final(&h, d);
	sodium_bin2hex(out, 65, d, sizeof d);
}

int dc_audit_append(struct dc_store *s, const struct dc_audit_entry *e, int64_t *seq_out)
{
	struct dc_db *db = dc_store_db(s);
	struct dc_stmt *st = NULL;
	char prev[65], hash[65];
	int64_t seq = 1;
	struct timespec ts;
	if (!e->actor || !*e->actor || !e->action || !*e->action)
		return DC_ERR_INVALID;
	int rc = dc_store_begin(s);
	if (rc)
		return rc;
	if (!strcmp(dc_store_backend(s), "postgresql"))
		rc = dc_db_exec(db, "SELECT pg_advisory_xact_lock(602007)");
	if (rc == DC_OK)
		rc = dc_db_prepare(db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
		                   &st);
	memcpy(prev, genesis, sizeof prev);
	if (rc == DC_OK) {
		rc = dc_stmt_step(st);
		if (rc == DC_ROW) {
			size_t n;
			const char *h = dc_stmt_text(st, 1, &n);
			seq = dc_stmt_int64(st, 0) + 1;
			if (h && n == 64)
				memcpy(prev, h, 65);
		}
		rc = rc < 0 ? rc : DC_OK;
	}
	dc_stmt_finalize(st);
	st = NULL;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t at = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	entry_hash(seq, at, e, prev, hash);
	if (rc == DC_OK)
		rc = dc_db_prepare(
		        db,
		        "INSERT INTO audit (seq, at_ms, actor, org, action, subject_pin, "
		        "purpose, fields, request_id, prev_hash, hash) VALUES ($1, $2, $3, "
		        "$4, $5, $6, $7, $8, $9, $10, $11)",
		        &st);
	if (rc == DC_OK) {
		dc_stmt_bind_int64(st, 1, seq);
		dc_stmt_bind_int64(st, 2, at);
		dc_stmt_bind_str(st, 3, e->actor);
		dc_stmt_bind_str(st, 4, e->org);
		dc_stmt_bind_str(st, 5, e->action);
		dc_stmt_bind_str(st, 6, e->subject_pin);
		dc_stmt_bind_str(st, 7, e->purpose);
		dc_stmt_bind_str(st, 8, e->fields);
		dc_stmt_bind_str(st, 9, e->request_id);
		dc_stmt_bind_text(st, 10, prev, 64);
		dc_stmt_bind_text(st, 11, hash, 64);
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	if (rc) {
		dc_store_rollback(s);
		return rc;
	}
	rc = dc_store_commit(s);
	if (rc == DC_OK && seq_out)
		*seq_out = seq;
	return rc;
}

int dc_audit_append_many(struct dc_store *s, const struct dc_audit_entry *e, size_t n,
                         int64_t *first_seq_out)
{
	struct dc_db *db = dc_store_db(s);
	struct dc_stmt *st = NULL;
	char prev[65], hash[65];
	int64_t seq = 1;
	struct timespec ts;
	if (n == 0)
		return DC_OK;
	for (size_t i = 0; i < n; i++)
		if (!e[i].actor || !*e[i].actor || !e[i].action || !*e[i].action)
			return DC_ERR_INVALID;
	int rc = dc_store_begin(s);
	if (rc)
		return rc;
	if (!strcmp(dc_store_backend(s), "postgresql"))
		rc = dc_db_exec(db, "SELECT pg_advisory_xact_lock(602007)");
	if (rc == DC_OK)
		rc = dc_db_prepare(db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
		                   &st);
	memcpy(prev, genesis, sizeof prev);
	if (rc == DC_OK) {
		rc = dc_stmt_step(st);
		if (rc == DC_ROW) {
			size_t hn;
			const char *h = dc_stmt_text(st, 1, &hn);
			seq = dc_stmt_int64(st, 0) + 1;
			if (h && hn == 64)
				memcpy(prev, h, 65);
		}
		rc = rc < 0 ? rc : DC_OK;
	}
	dc_stmt_finalize(st);
	st = NULL;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t at = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (rc == DC_OK)
		rc = dc_db_prepare(
		        db,
		        "INSERT INTO audit (seq, at_ms, actor, org, action, subject_pin, "
		        "purpose, fields, request_id, prev_hash, hash) VALUES ($1, $2, $3, "
		        "$4, $5, $6, $7, $8, $9, $10, $11)",
		        &st);
	if (rc == DC_OK && first_seq_out)
		*first_seq_out = seq;
	for (size_t i = 0; rc == DC_OK && i < n; i++, seq++) {
		entry_hash(seq, at, &e[i], prev, hash);
		if (i)
			dc_stmt_reset(st);
		dc_stmt_bind_int64(st, 1, seq);
		dc_stmt_bind_int64(st, 2, at);
		dc_stmt_bind_str(st, 3, e[i].actor);
		dc_stmt_bind_str(st, 4, e[i].org);
		dc_stmt_bind_str(st, 5, e[i].action);
		dc_stmt_bind_str(st, 6, e[i].subject_pin);
		dc_stmt_bind_str(st, 7, e[i].purpose);
		dc_stmt_bind_str(st, 8, e[i].fields);
		dc_stmt_bind_str(st, 9, e[i].request_id);
		dc_stmt_bind_text(st, 10, prev, 64);
		dc_stmt_bind_text(st, 11, hash, 64);
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
		memcpy(prev, hash, sizeof prev);
	}
	dc_stmt_finalize(st);
	if (rc) {
		dc_store_rollback(s);
		return rc;
	}
	return dc_store_commit(s);
}

static const char *col(struct dc_stmt *st, int i)
{
	return dc_stmt_is_null(st, i) ? NULL : dc_stmt_text(st, i, NULL);
}

int dc_audit_verify(struct dc_store *s, void (*problem)(void *arg, int64_t seq, const char *what),
                    void *arg, int64_t *checked)
{
	struct dc_stmt *st = NULL;
	char prev[65], hash[65], msg[160];
	int64_t expect = 1, n = 0;
	int broken = 0;
	memcpy(prev, genesis, sizeof prev);
	int rc = dc_db_prepare(
	        dc_store_db(s),
	        "SELECT seq, at_ms, actor, org, action, subject_pin, purpose, fields, "
	        "request_id, prev_hash, hash FROM audit ORDER BY seq",
	        &st);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		rc = DC_OK;
		int64_t seq = dc_stmt_int64(st, 0);
		struct dc_audit_entry e = {col(st, 2), col(st, 3), col(st, 4), col(st, 5),
		                           col(st, 6), col(st, 7), col(st, 8)};
		const char *stored_prev = col(st, 9), *stored = col(st, 10);
		n++;
		if (seq != expect) {
			if (seq > expect)
				snprintf(msg, sizeof msg,
				         "entries %lld to %lld are missing (deleted)",
				         (long long)expect, (long long)seq - 1);
			else
				snprintf(msg, sizeof msg, "entry %lld is out of order",
				         (long long)seq);
			problem(arg, expect, msg);
			broken = 1;
		}
		if (!stored_prev || strcmp(stored_prev, prev)) {
			snprintf(msg, sizeof msg,
			         "entry %lld does not follow the entry before it (inserted, or its "
			         "predecessor was changed or deleted)",
			         (long long)seq);
			problem(arg, seq, msg);
			broken = 1;
		}
		entry_hash(seq, dc_stmt_int64(st, 1), &e, stored_prev ? stored_prev : "", hash);
		if (!stored || strcmp(stored, hash)) {
			snprintf(msg, sizeof msg,
			         "entry %lld was changed (its hash does not match)",
			         (long long)seq);
			problem(arg, seq, msg);
			broken = 1;
		}
		/* Go on from what is stored, so one change is reported once. */
		snprintf(prev, sizeof prev, "%s", stored ? stored : "");
		expect = seq + 1;
	}
	dc_stmt_finalize(st);
	if (checked)
		*checked = n;
	if (rc < 0)
		return rc;
	return broken ? DC_ERR_CONFLICT : DC_OK;
}

int dc_audit_for_subject(struct dc_store *s, const char *pin,
                         int (*cb)(void *arg, int64_t seq, int64_t at_ms,
                                   const struct dc_audit_entry *e),
                         void *arg)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(
	        dc_store_db(s),
	        "SELECT seq, at_ms, actor, org, action, subject_pin, purpose, fields, "
	        "request_id FROM audit WHERE subject_pin = $1 ORDER BY seq",
	        &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, pin);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		struct dc_audit_entry e = {col(st, 2), col(st, 3), col(st, 4), col(st, 5),
		                           col(st, 6), col(st, 7), col(st, 8)};
		rc = cb(arg, dc_stmt_int64(st, 0), dc_stmt_int64(st, 1), &e);
	}
	dc_stmt_finalize(st);
	return rc == DC_DONE ? DC_OK : rc;
}
