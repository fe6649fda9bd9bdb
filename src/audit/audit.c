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

/* SHA-256 (hex) of the distinct sorted numbers, each followed by '\n';
 * *count gets how many. */
static void subjects_digest(const char *const *pins, size_t n, char out[65], size_t *count)
{
	crypto_hash_sha256_state h;
	unsigned char d[32];
	size_t k = 0;
	crypto_hash_sha256_init(&h);
	for (size_t i = 0; i < n; i++) {
		if (i && !strcmp(pins[i], pins[i - 1]))
			continue;
		crypto_hash_sha256_update(&h, (const unsigned char *)pins[i], strlen(pins[i]));
		crypto_hash_sha256_update(&h, (const unsigned char *)"\n", 1);
		k++;
	}
	crypto_hash_sha256_final(&h, d);
	sodium_bin2hex(out, 65, d, sizeof d);
	*count = k;
}

int dc_audit_append_subjects(struct dc_store *s, const struct dc_audit_entry *e,
                             const char *const *pins, size_t n, int64_t *seq_out)
{
	struct dc_db *db = dc_store_db(s);
	const struct dc_db_ops *ops = dc_db_driver(db);
	struct dc_buf fields = DC_BUF_INIT;
	char digest[65], seqs[24];
	size_t count;
	int64_t seq = 0;
	if (e->subject_pin)
		DC_BUG("a many-subject entry has no single subject");
	for (size_t i = 1; i < n; i++)
		if (strcmp(pins[i - 1], pins[i]) > 0)
			DC_BUG("subjects must be sorted");
	subjects_digest(pins, n, digest, &count);
	dc_buf_addf(&fields, "%s;subjects=%zu;sha256=%s", e->fields ? e->fields : "", count,
	            digest);
	int rc = dc_buf_error(&fields);
	if (rc)
		goto cleanup;
	struct dc_audit_entry x = *e;
	x.fields = dc_buf_str(&fields);
	if ((rc = dc_store_begin(s)))
		goto cleanup;
	rc = dc_audit_append(s, &x, &seq);
	int k = snprintf(seqs, sizeof seqs, "%lld", (long long)seq);
	if (rc == DC_OK)
		rc = ops->copy_begin(db, "audit_link", "pin, seq", 2);
	for (size_t i = 0; rc == DC_OK && i < n; i++) {
		if (i && !strcmp(pins[i], pins[i - 1]))
			continue;
		const char *vals[2] = {pins[i], seqs};
		const size_t lens[2] = {strlen(pins[i]), (size_t)k};
		rc = ops->copy_row(db, vals, lens);
	}
	if (rc == DC_OK)
		rc = ops->copy_end(db, 1);
	else if (rc != DC_OK && n)
		ops->copy_end(db, 0);
	if (rc)
		dc_store_rollback(s);
	else
		rc = dc_store_commit(s);
	if (rc == DC_OK && seq_out)
		*seq_out = seq;
cleanup:
	dc_buf_release(&fields);
	return rc;
}

/* The links of every many-subject entry against its count and digest. */
static int verify_links(struct dc_store *s, void (*problem)(void *, int64_t, const char *),
                        void *arg, int *broken)
{
	struct dc_stmt *st = NULL, *ln = NULL;
	char msg[160];
	int64_t nlinked = 0, nall = 0;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT seq, fields FROM audit WHERE fields LIKE '%;sha256=%' ORDER "
	                       "BY seq",
	                       &st);
	if (rc == DC_OK)
		rc = dc_db_prepare(dc_store_db(s),
		                   "SELECT pin FROM audit_link WHERE seq = $1 ORDER BY pin", &ln);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		rc = DC_OK;
		int64_t seq = dc_stmt_int64(st, 0);
		const char *f = dc_stmt_text(st, 1, NULL);
		const char *c = f ? strstr(f, ";subjects=") : NULL;
		const char *h = f ? strstr(f, ";sha256=") : NULL;
		crypto_hash_sha256_state hs;
		unsigned char d[32];
		char hex[65];
		unsigned long long want = 0;
		int64_t got = 0;
		if (!c || !h || h < c ||
		    dc_parse_uint(c + 10, (size_t)(h - c - 10), 1ULL << 40, &want))
			continue; /* free text that happens to look similar */
		crypto_hash_sha256_init(&hs);
		dc_stmt_reset(ln);
		dc_stmt_bind_int64(ln, 1, seq);
		while ((rc = dc_stmt_step(ln)) == DC_ROW) {
			size_t pn;
			const char *p = dc_stmt_text(ln, 0, &pn);
			crypto_hash_sha256_update(&hs, (const unsigned char *)p, pn);
			crypto_hash_sha256_update(&hs, (const unsigned char *)"\n", 1);
			got++;
		}
		rc = rc == DC_DONE ? DC_OK : rc;
		crypto_hash_sha256_final(&hs, d);
		sodium_bin2hex(hex, sizeof hex, d, sizeof d);
		nlinked += got;
		if ((uint64_t)got != want || strncmp(h + 8, hex, 64)) {
			snprintf(
			        msg, sizeof msg,
			        "entry %lld: its list of %llu people was changed (%lld linked now)",
			        (long long)seq, want, (long long)got);
			problem(arg, seq, msg);
			*broken = 1;
		}
	}
	rc = rc == DC_DONE ? DC_OK : rc;
	dc_stmt_finalize(st);
	dc_stmt_finalize(ln);
	st = NULL;
	if (rc == DC_OK)
		rc = dc_db_prepare(dc_store_db(s), "SELECT count(*) FROM audit_link", &st);
	if (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		nall = dc_stmt_int64(st, 0);
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	if (rc == DC_OK && nall != nlinked) {
		snprintf(msg, sizeof msg,
		         "%lld audit links point to no many-subject entry (inserted)",
		         (long long)(nall - nlinked));
		problem(arg, 0, msg);
		*broken = 1;
	}
	return rc;
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
	if (rc < 0 && rc != DC_DONE)
		return rc;
	rc = verify_links(s, problem, arg, &broken);
	if (rc)
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
	        "request_id FROM audit WHERE subject_pin = $1 UNION ALL SELECT a.seq, a.at_ms, "
	        "a.actor, a.org, a.action, a.subject_pin, a.purpose, a.fields, a.request_id FROM "
	        "audit_link l JOIN audit a ON a.seq = l.seq WHERE l.pin = $2 ORDER BY 1",
	        &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, pin);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 2, pin);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		struct dc_audit_entry e = {col(st, 2), col(st, 3), col(st, 4), col(st, 5),
		                           col(st, 6), col(st, 7), col(st, 8)};
		rc = cb(arg, dc_stmt_int64(st, 0), dc_stmt_int64(st, 1), &e);
	}
	dc_stmt_finalize(st);
	return rc == DC_DONE ? DC_OK : rc;
}
