/*
 * dancu/audit.h — the append-only, hash-chained audit log.
 *
 * Every write and every read of personal data appends one entry: who
 * (actor, organisation), what (action, subject's personal ID number, the
 * fields touched), why (purpose), and the request id. Entry n stores
 * hash_n = SHA-256(seq, time, every field, hash_{n-1}) (fields length-
 * prefixed, so no two different entries hash alike), the first entry chains
 * to 64 zeros. Changing, inserting or deleting an entry in the database
 * breaks the chain at that entry, and dc_audit_verify names it.
 *
 * Not yet: signed checkpoints (which also make truncation of the newest
 * entries detectable); see the issue notes.
 */
#ifndef DANCU_AUDIT_H
#define DANCU_AUDIT_H

#include <stddef.h>
#include <stdint.h>

struct dc_store;

struct dc_audit_entry {
	const char *actor;       /* required: officer id, organisation key id, "system" */
	const char *org;         /* organisation, may be NULL */
	const char *action;      /* required: "citizen.read", "citizen.update", "login", … */
	const char *subject_pin; /* whose data, may be NULL */
	const char *purpose;     /* purpose code for reads of personal data */
	const char *fields;      /* comma-separated field names, "*" for the whole record */
	const char *request_id;
};

/* Appends an entry (joins the caller's transaction or runs its own).
 * *seq_out (may be NULL) gets its sequence number. */
int dc_audit_append(struct dc_store *s, const struct dc_audit_entry *e, int64_t *seq_out);

/* Appends ONE entry about many people (a chunk of a batch verification):
 * e->subject_pin must be NULL; pins (n, sorted ascending, duplicates
 * allowed and dropped) are linked to the entry in the audit_link table,
 * and the entry's fields become "<e->fields>;subjects=<count>;sha256=<hex>"
 * — the SHA-256 of the distinct numbers, each followed by '\n' — so the
 * chain covers the links. The data tracker lists the entry for each of them.
 * Joins the caller's transaction. */
int dc_audit_append_subjects(struct dc_store *s, const struct dc_audit_entry *e,
                             const char *const *pins, size_t n, int64_t *seq_out);

/* Walks the whole chain, then checks every many-subject entry's links
 * against its count and digest (and that no link points elsewhere). For each
 * broken entry calls problem(arg, seq, text) (text like "entry 42 was
 * changed"). *checked gets the number of
 * entries read. Returns DC_OK when the chain is intact, DC_ERR_CONFLICT when
 * a problem was found, or a storage error. */
int dc_audit_verify(struct dc_store *s, void (*problem)(void *arg, int64_t seq, const char *what),
                    void *arg, int64_t *checked);

/* The data tracker: calls cb for each entry about pin (its subject, or one
 * of the people linked to it), oldest first.
 * Strings are borrowed for the call. */
int dc_audit_for_subject(struct dc_store *s, const char *pin,
                         int (*cb)(void *arg, int64_t seq, int64_t at_ms,
                                   const struct dc_audit_entry *e),
                         void *arg);

/* --- signed checkpoints ---------------------------------------------------------
 *
 * A hash chain shows that entries were changed, inserted or deleted, but not
 * that the whole chain was rewritten with fresh hashes, nor that its tail
 * was cut off. A checkpoint seals the chain as it stands: (the last entry's
 * number and hash, the time, the previous checkpoint's signature) signed
 * with an Ed25519 key (libsodium) that the database never holds. Servers
 * write one periodically; `dancu audit checkpoint` writes one on demand.
 * Checkpoints are chained too, so deleting one is seen at the next.
 *
 * The key file holds a 32-byte seed, mode 0600 (the same rules as the
 * master key: dc_master_key_load). The public key (32 bytes) is what an
 * outside auditor needs to verify. */

/* The key pair from the seed file at path (created when create is set and
 * the file is missing). */
int dc_audit_key_load(const char *path, int create, unsigned char sk[64], unsigned char pk[32],
                      char *err, size_t errlen);

/* Seals the chain up to its newest entry. *seq_out (may be NULL) gets the
 * sealed entry's number, or 0 when there is nothing new since the last
 * checkpoint (then nothing is written). Joins the caller's transaction or
 * runs its own. */
int dc_audit_checkpoint(struct dc_store *s, const unsigned char sk[64], int64_t now_ms,
                        int64_t *seq_out);

/* Checks every checkpoint against pk and against the chain: each signature,
 * each link to the previous checkpoint, and that the entry each one sealed
 * is still there with the same hash. Calls problem for each failure (text
 * names the checkpoint and the entry). *checked gets the number of
 * checkpoints. DC_OK, DC_ERR_CONFLICT when a problem was found, or a
 * storage error. */
int dc_audit_verify_checkpoints(struct dc_store *s, const unsigned char pk[32],
                                void (*problem)(void *arg, int64_t seq, const char *what),
                                void *arg, int64_t *checked);

#endif
