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

#endif
