/*
 * checkpoint.c — signed checkpoints of the audit chain (see dancu/audit.h).
 *
 * The signed message is
 *   "dancu-audit-checkpoint/1|<seq>|<entry hash>|<at_ms>|<previous signature>"
 * with "genesis" as the first checkpoint's previous signature. Signatures
 * are Ed25519 (libsodium crypto_sign_detached), stored in hex with the
 * first 8 bytes of the public key (hex) as the key id, so a key rotation is
 * visible in the table.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "dancu/audit.h"
#include "dancu/db.h"
#include "dancu/officer.h"
#include "dancu/store.h"

#include "core/internal.h"
#include "store/schema.h"

int dc__schema_audit_ckpt(enum dc__dialect d, struct dc_buf *o)
{
	(void)d;
	dc_buf_adds(o,
	            "CREATE TABLE audit_checkpoint (seq BIGINT NOT NULL PRIMARY KEY, hash TEXT NOT "
	            "NULL, at_ms BIGINT NOT NULL, prev_sig TEXT NOT NULL, signature TEXT NOT "
	            "NULL, key_id TEXT NOT NULL);\n");
	return dc_buf_error(o);
}

int dc_audit_key_load(const char *path, int create, unsigned char sk[64], unsigned char pk[32],
                      char *err, size_t errlen)
{
	unsigned char seed[32];
	int rc = dc_master_key_load(path, create, seed, err, errlen);
	if (rc == DC_OK)
		crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(seed, sizeof seed);
	return rc;
}

static void message(struct dc_buf *m, int64_t seq, const char *hash, int64_t at_ms,
                    const char *prev_sig)
{
	dc_buf_reset(m);
	dc_buf_addf(m, "dancu-audit-checkpoint/1|%lld|%s|%lld|%s", (long long)seq, hash,
	            (long long)at_ms, prev_sig);
}

static const char *text(struct dc_stmt *st, int i)
{
	return dc_stmt_is_null(st, i) ? "" : dc_stmt_text(st, i, NULL);
}

int dc_audit_checkpoint(struct dc_store *s, const unsigned char sk[64], int64_t now_ms,
                        int64_t *seq_out)
{
	struct dc_db *db = dc_store_db(s);
	struct dc_stmt *st = NULL;
	struct dc_buf m = DC_BUF_INIT;
	char hash[65] = "", prev[2 * crypto_sign_BYTES + 1] = "genesis";
	char sighex[2 * crypto_sign_BYTES + 1], keyid[17];
	unsigned char sig[crypto_sign_BYTES], pk[32];
	int64_t seq = 0, last = 0;
	if (seq_out)
		*seq_out = 0;
	int rc = dc_store_begin(s);
	if (rc)
		return rc;
	/* Serialised with appenders (the same lock), so the newest entry is
	 * the newest. */
	if (!strcmp(dc_store_backend(s), "postgresql"))
		rc = dc_db_exec(db, "SELECT pg_advisory_xact_lock(602007)");
	if (rc == DC_OK)
		rc = dc_db_prepare(db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
		                   &st);
	if (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		seq = dc_stmt_int64(st, 0);
		snprintf(hash, sizeof hash, "%s", text(st, 1));
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	st = NULL;
	if (rc == DC_OK)
		rc = dc_db_prepare(
		        db, "SELECT seq, signature FROM audit_checkpoint ORDER BY seq DESC LIMIT 1",
		        &st);
	if (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		last = dc_stmt_int64(st, 0);
		snprintf(prev, sizeof prev, "%s", text(st, 1));
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	st = NULL;
	if (rc || seq == 0 || seq == last)
		goto cleanup; /* nothing new to seal */
	message(&m, seq, hash, now_ms, prev);
	if ((rc = dc_buf_error(&m)))
		goto cleanup;
	crypto_sign_detached(sig, NULL, (const unsigned char *)m.ptr, m.len, sk);
	sodium_bin2hex(sighex, sizeof sighex, sig, sizeof sig);
	crypto_sign_ed25519_sk_to_pk(pk, sk);
	sodium_bin2hex(keyid, sizeof keyid, pk, 8);
	rc = dc_db_prepare(db,
	                   "INSERT INTO audit_checkpoint (seq, hash, at_ms, prev_sig, signature, "
	                   "key_id) VALUES ($1, $2, $3, $4, $5, $6)",
	                   &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 1, seq);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 2, hash);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 3, now_ms);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 4, prev);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 5, sighex);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 6, keyid);
	if (rc == DC_OK && (rc = dc_stmt_step(st)) >= 0)
		rc = DC_OK;
	if (rc == DC_OK && seq_out)
		*seq_out = seq;
cleanup:
	dc_stmt_finalize(st);
	dc_buf_release(&m);
	if (rc == DC_OK)
		return dc_store_commit(s);
	dc_store_rollback(s);
	return rc;
}

int dc_audit_verify_checkpoints(struct dc_store *s, const unsigned char pk[32],
                                void (*problem)(void *arg, int64_t seq, const char *what),
                                void *arg, int64_t *checked)
{
	struct dc_db *db = dc_store_db(s);
	struct dc_stmt *st = NULL, *entry = NULL;
	struct dc_buf m = DC_BUF_INIT;
	char prev[2 * crypto_sign_BYTES + 1] = "genesis", msg[200];
	unsigned char sig[crypto_sign_BYTES];
	int64_t n = 0;
	int broken = 0;
	int rc = dc_db_prepare(db,
	                       "SELECT seq, hash, at_ms, prev_sig, signature FROM audit_checkpoint "
	                       "ORDER BY seq",
	                       &st);
	if (rc == DC_OK)
		rc = dc_db_prepare(db, "SELECT hash FROM audit WHERE seq = $1", &entry);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		rc = DC_OK;
		n++;
		int64_t seq = dc_stmt_int64(st, 0), at = dc_stmt_int64(st, 2);
		const char *hash = text(st, 1), *stored_prev = text(st, 3), *sighex = text(st, 4);
		size_t siglen = 0;
		if (strcmp(stored_prev, prev)) {
			snprintf(
			        msg, sizeof msg,
			        "checkpoint at entry %lld does not follow the checkpoint before it "
			        "(a checkpoint was deleted or inserted)",
			        (long long)seq);
			problem(arg, seq, msg);
			broken = 1;
		}
		message(&m, seq, hash, at, stored_prev);
		if (sodium_hex2bin(sig, sizeof sig, sighex, strlen(sighex), NULL, &siglen, NULL) ||
		    siglen != sizeof sig || dc_buf_error(&m) ||
		    crypto_sign_verify_detached(sig, (const unsigned char *)m.ptr, m.len, pk)) {
			snprintf(msg, sizeof msg,
			         "checkpoint at entry %lld has no valid signature by this key "
			         "(forged "
			         "or changed)",
			         (long long)seq);
			problem(arg, seq, msg);
			broken = 1;
		}
		dc_stmt_reset(entry);
		rc = dc_stmt_bind_int64(entry, 1, seq);
		if (rc == DC_OK) {
			int r = dc_stmt_step(entry);
			if (r == DC_DONE) {
				snprintf(msg, sizeof msg,
				         "entry %lld, sealed by a signed checkpoint, is gone "
				         "(deleted or "
				         "the log was cut back)",
				         (long long)seq);
				problem(arg, seq, msg);
				broken = 1;
			} else if (r == DC_ROW && strcmp(text(entry, 0), hash)) {
				snprintf(msg, sizeof msg,
				         "entry %lld no longer matches its signed checkpoint (the "
				         "chain "
				         "was rewritten)",
				         (long long)seq);
				problem(arg, seq, msg);
				broken = 1;
			} else if (r < 0) {
				rc = r;
			}
		}
		snprintf(prev, sizeof prev, "%s", sighex);
	}
	dc_stmt_finalize(st);
	dc_stmt_finalize(entry);
	dc_buf_release(&m);
	if (checked)
		*checked = n;
	if (rc < 0)
		return rc;
	return broken ? DC_ERR_CONFLICT : DC_OK;
}
