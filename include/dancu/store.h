/*
 * dancu/store.h — the register's storage: citizens, their event history,
 * identifier history and import batches, on SQLite or PostgreSQL.
 *
 * Built on the driver of db.h; every function works the same on both back
 * ends (tests/conformance/store.c proves it).
 *
 * Transactions: every write function runs inside a transaction. If the
 * caller has one open (dc_store_begin), the write joins it; otherwise the
 * function opens and commits its own. Nested begin/commit pairs are counted;
 * only the outermost commit commits. A rollback at any depth makes the whole
 * transaction roll back (the outermost commit then returns DC_ERR_CANCELLED
 * after rolling back). Nothing is ever half-written.
 *
 * Events: every change to a citizen writes one row to the event table in
 * the same transaction: sequence number (commit order within the store),
 * the citizen's pin, kind, actor, reason, evidence reference, time, and the
 * changed fields before → after as JSON objects. A bulk import writes one
 * "import" event for the batch, referenced by every citizen it created (the
 * citizen's created_seq), so history per citizen = its creating event plus
 * the events naming its pin.
 *
 * Threads: one struct dc_store is one connection; one thread at a time.
 * Ownership: the store borrows `units` (must outlive it). Strings returned
 * through a struct dc_pool are borrowed until that pool is cleared.
 */
#ifndef DANCU_STORE_H
#define DANCU_STORE_H

#include <stdint.h>

#include "dancu/citizen.h"
#include "dancu/db.h"
#include "dancu/pool.h"

struct dc_store;
struct dc_units;

/* Why a change is made. All strings borrowed for the call. */
struct dc_change {
	const char *actor;    /* who: officer id, "import", "system", … (required) */
	const char *reason;   /* why, free text (required for corrections) */
	const char *evidence; /* reference to the supporting document, may be NULL */
	const char *kind;     /* event kind: "birth", "correction", "death", … (required) */
};

struct dc_event {
	int64_t seq;
	const char *pin; /* NULL for batch events */
	const char *kind;
	const char *actor;
	const char *reason;
	const char *evidence;
	int64_t at_ms;           /* Unix time, milliseconds */
	const char *before_json; /* changed fields before, "{}" for creation */
	const char *after_json;  /* changed fields after; for an import event:
	                            {"batch":…,"source":…,"sha256":…,"rows":…} */
};

enum dc_identifier_kind {
	DC_ID_PIN_CANCELLED = 1, /* a 12-digit number cancelled and never reused */
	DC_ID_CMND9 = 2,         /* old 9-digit identity card number */
	DC_ID_CMND12 = 3         /* old 12-digit CMND */
};

/* Opens the store at target (see dc_db_open), migrating the schema.
 * On failure writes a reason into errbuf (may be NULL). */
int dc_store_open(const char *target, const struct dc_units *units, struct dc_store **out,
                  char *errbuf, size_t errlen);
void dc_store_close(struct dc_store *s); /* NULL-safe; rolls back an open transaction */

struct dc_db *dc_store_db(struct dc_store *s);
const char *dc_store_errmsg(struct dc_store *s);
const char *dc_store_backend(const struct dc_store *s); /* "sqlite" / "postgresql" */

int dc_store_begin(struct dc_store *s);
int dc_store_commit(struct dc_store *s);
int dc_store_rollback(struct dc_store *s);

/* A unit inside an open transaction that may fail on its own without
 * taking the transaction down (group commit: one request's writes among
 * many). dc_store_sub_begin sets a savepoint (the transaction must be open,
 * not nested); the unit may begin/commit/rollback inside it as usual.
 * dc_store_sub_end(s, ok) keeps the unit's writes when ok and nothing in it
 * rolled back, else undoes them back to the savepoint — also after an SQL
 * error that aborted the transaction on PostgreSQL — and the transaction
 * goes on. Returns DC_OK when the unit's writes stand (or ok was 0 and they
 * were undone), DC_ERR_CANCELLED when ok was 1 but they had to be undone,
 * or the error of the savepoint statements. */
int dc_store_sub_begin(struct dc_store *s);
int dc_store_sub_end(struct dc_store *s, int ok);

/* A read snapshot: lookups between these two calls see one consistent state
 * and skip per-statement locking (SQLite takes its file locks once per
 * transaction, not per read). Keep snapshots short (one request, one batch
 * of lookups): on SQLite a long one holds back WAL checkpoints. Must not be
 * nested in or around a write transaction. */
int dc_store_snapshot_begin(struct dc_store *s);
int dc_store_snapshot_end(struct dc_store *s);

/* Reads a citizen. DC_ERR_NOT_FOUND when no such pin (cancelled numbers are
 * not found; see dc_store_identifier_lookup). Text fields are copied into pool. */
int dc_store_citizen_get(struct dc_store *s, const struct dc_pin *pin, struct dc_citizen *out,
                         struct dc_pool *pool);

/* Creates a citizen and its creation event (before "{}", after = all
 * non-empty fields). DC_ERR_CONFLICT when the pin is in use or was ever
 * cancelled. Does not run the data-quality rules (callers do: rules.h).
 * *seq_out (may be NULL) receives the event's sequence number. */
int dc_store_citizen_create(struct dc_store *s, const struct dc_citizen *c,
                            const struct dc_change *why, int64_t *seq_out);

/* Replaces a citizen's fields with c's (same pin), writing one event with
 * only the changed fields. DC_ERR_NOT_FOUND when absent. No change → no
 * event, *seq_out = 0. */
int dc_store_citizen_update(struct dc_store *s, const struct dc_citizen *c,
                            const struct dc_change *why, int64_t *seq_out);

/* Calls cb for each event of pin in sequence order, the creating event first.
 * cb returns 0 to go on, non-zero to stop (that value is returned). Event
 * strings are borrowed for the call. */
int dc_store_history(struct dc_store *s, const struct dc_pin *pin,
                     int (*cb)(void *arg, const struct dc_event *ev), void *arg);

/* Allocates a new unused personal ID number for a person with this birth
 * registration prefix, birth year and sex: 6 random digits from the CSPRNG,
 * retried until the number is neither in use nor ever cancelled. Does not
 * reserve it: create the citizen in the same transaction.
 * DC_ERR_EXHAUSTED after 1000 collisions in a row. */
int dc_store_pin_allocate(struct dc_store *s, int prefix, int birth_year, enum dc_sex sex,
                          struct dc_pin *out);

/* Identifier history: records value (a cancelled pin, an old CMND) as
 * belonging to current_pin. Values are unique across kinds and across active
 * pins: DC_ERR_CONFLICT otherwise. */
int dc_store_identifier_add(struct dc_store *s, enum dc_identifier_kind kind, const char *value,
                            const struct dc_pin *current_pin, const char *reason);

/* Finds which current pin an old identifier belongs to: the identifier
 * history first, then the 9-digit CMND on citizen records. Old 9-digit CMND
 * numbers were not unique across provinces: with several holders the first
 * is returned. DC_ERR_NOT_FOUND. */
int dc_store_identifier_lookup(struct dc_store *s, const char *value, struct dc_pin *current_out,
                               enum dc_identifier_kind *kind_out);

/* Re-establishes a number (Decree 70/2024 Art. 11 cl. 7): moves the citizen
 * from old_pin to new_pin, records old_pin as cancelled (never reused), moves
 * the person's old identifiers to new_pin, and writes a "pin_reestablished"
 * event on new_pin. DC_ERR_NOT_FOUND when no citizen has old_pin;
 * DC_ERR_CONFLICT when new_pin is in use or was cancelled. Other citizens'
 * references to old_pin (parents, spouse) are not rewritten: they still
 * resolve through dc_store_identifier_lookup. */
int dc_store_pin_reestablish(struct dc_store *s, const struct dc_pin *old_pin,
                             const struct dc_pin *new_pin, const struct dc_change *why);

/* A cheap round trip to the database (readiness checks). */
int dc_store_ping(struct dc_store *s);

/* Number of citizens (all statuses). */
int dc_store_count(struct dc_store *s, int64_t *out);

/* --- bulk import (used by import.c) ---
 * Inside a transaction: dc_store_batch_begin writes the batch's "import"
 * event and returns its seq; dc_store_batch_add inserts one citizen with
 * created_seq = that seq and returns DC_OK, or DC_ERR_CONFLICT when the pin
 * already exists (nothing written for that row) — the caller then compares
 * with dc_store_citizen_get to tell an identical re-import from a conflict;
 * dc_store_batch_end records the final row count in the batch event. */
int dc_store_batch_begin(struct dc_store *s, const char *source, const char *sha256_hex,
                         const char *actor, int64_t *batch_seq);
int dc_store_batch_add(struct dc_store *s, int64_t batch_seq, const struct dc_citizen *c);
int dc_store_batch_end(struct dc_store *s, int64_t batch_seq, int64_t rows);

/* Adds n citizens to the batch in one go (PostgreSQL: one query for the
 * numbers already taken, then one COPY of the rest straight into the table;
 * SQLite: a loop of the prepared insert, in number order). inserted[i] is
 * set to 1 when rows[i] was written, 0 when its number already exists, was
 * cancelled, or appears earlier in rows (nothing written for that row).
 * PostgreSQL only: DC_ERR_BUSY when another connection registered one of
 * the numbers between the query and the COPY; the transaction is then lost —
 * roll back and retry the import. */
int dc_store_batch_add_many(struct dc_store *s, int64_t batch_seq, const struct dc_citizen *rows,
                            size_t n, unsigned char *inserted);

#endif
