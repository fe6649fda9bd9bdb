/*
 * schema.c — versioned migrations, written once and rendered per dialect.
 * The citizen table's columns come from dc_citizen_column(), the one list
 * of fields; only types, the identity column and trigger syntax differ.
 * Migrations are append-only: never edit a released one, add the next.
 *
 * A module that owns tables (card, eid, verify, ...) writes its migration as
 * a function in its own file, declared in schema.h, and appends it to
 * migrations[] below; the version is its position.
 */
#include <string.h>

#include "dancu/citizen.h"
#include "dancu/db.h"

#include "core/internal.h"
#include "store/schema.h"

static int v1(enum dc__dialect d, struct dc_buf *o)
{
	int pg = d == DC__PG;
	dc_buf_adds(o, "CREATE TABLE citizen (pin TEXT NOT NULL PRIMARY KEY");
	for (size_t i = 1; i < dc_citizen_ncolumns(); i++)
		dc_buf_addf(o, ", %s TEXT%s", dc_citizen_column(i),
		            !strcmp(dc_citizen_column(i), "status") ? " NOT NULL DEFAULT 'alive'"
		                                                    : "");
	/* A rowid table with the number as a unique key, not WITHOUT ROWID:
	 * rows are wide (~35 columns, a few hundred bytes), and a table
	 * clustered on a random key moves whole rows on every page split.
	 * Measured on 1M synthetic rows: 84–90k rows/s imported as a rowid
	 * table, 51–65k WITHOUT ROWID; lookups pay one more b-tree descent. */
	dc_buf_adds(o, ", created_seq BIGINT NOT NULL, updated_seq BIGINT);\n");
	dc_buf_adds(o,
	            "CREATE INDEX citizen_cmnd9 ON citizen (cmnd9) WHERE cmnd9 IS NOT NULL;\n"
	            "CREATE INDEX citizen_household ON citizen (household_id) WHERE household_id "
	            "IS NOT NULL;\n"
	            "CREATE INDEX citizen_perm_commune ON citizen (perm_commune);\n");
	/* event.seq: AUTOINCREMENT on SQLite so a number is never handed out
	 * twice, even after the newest row is gone (a rolled-back import);
	 * BIGSERIAL on PostgreSQL, whose order is insert order, not commit
	 * order, under concurrent writers (see store.c). */
	dc_buf_addf(
	        o,
	        "CREATE TABLE event (seq %s, pin TEXT, kind TEXT NOT NULL, actor TEXT NOT NULL, "
	        "reason TEXT, evidence TEXT, at_ms BIGINT NOT NULL, before_json TEXT, "
	        "after_json TEXT);\n"
	        "CREATE INDEX event_pin ON event (pin, seq) WHERE pin IS NOT NULL;\n",
	        pg ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT");
	dc_buf_adds(o, "CREATE TABLE identifier (value TEXT NOT NULL PRIMARY KEY, kind INTEGER NOT "
	               "NULL, pin TEXT NOT NULL, reason TEXT, at_ms BIGINT NOT NULL);\n"
	               "CREATE INDEX identifier_pin ON identifier (pin);\n");
	/* A cancelled number is never given to anyone again (Law on
	 * Identification Art. 12; Decree 70/2024 Art. 11 cl. 11). */
	if (pg)
		/* Statement-level, over the transition table: one join per
		 * statement instead of a function call per row on bulk loads. */
		dc_buf_adds(o,
		            "CREATE FUNCTION dc_pin_not_cancelled() RETURNS trigger LANGUAGE "
		            "plpgsql AS $f$ BEGIN IF EXISTS (SELECT 1 FROM dc_new n JOIN "
		            "identifier i ON i.value = n.pin) THEN RAISE EXCEPTION 'a personal ID "
		            "number that was cancelled is never reused' USING ERRCODE = "
		            "'unique_violation'; END IF; RETURN NULL; END $f$;\n"
		            "CREATE TRIGGER citizen_pin_not_cancelled_ins AFTER INSERT ON citizen "
		            "REFERENCING NEW TABLE AS dc_new FOR EACH STATEMENT EXECUTE FUNCTION "
		            "dc_pin_not_cancelled();\n"
		            "CREATE TRIGGER citizen_pin_not_cancelled_upd AFTER UPDATE ON citizen "
		            "REFERENCING NEW TABLE AS dc_new FOR EACH STATEMENT EXECUTE FUNCTION "
		            "dc_pin_not_cancelled();\n");
	else
		dc_buf_adds(o,
		            "CREATE TRIGGER citizen_pin_not_cancelled BEFORE INSERT ON citizen "
		            "WHEN EXISTS (SELECT 1 FROM identifier WHERE value = NEW.pin) BEGIN "
		            "SELECT RAISE(ABORT, 'personal ID number was cancelled and is never "
		            "reused'); END;\n"
		            "CREATE TRIGGER citizen_pin_not_cancelled_upd BEFORE UPDATE OF pin ON "
		            "citizen WHEN EXISTS (SELECT 1 FROM identifier WHERE value = NEW.pin) "
		            "BEGIN SELECT RAISE(ABORT, 'personal ID number was cancelled and is "
		            "never reused'); END;\n");
	return dc_buf_error(o);
}

/* v2: officers, sessions, the audit log. */
static int v2(enum dc__dialect d, struct dc_buf *o)
{
	int pg = d == DC__PG;
	dc_buf_adds(o,
	            "CREATE TABLE officer (id TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, "
	            "role TEXT NOT NULL, jurisdiction TEXT NOT NULL, password_hash TEXT NOT NULL, "
	            "totp_sealed TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, failed "
	            "INTEGER NOT NULL DEFAULT 0, locked_until_ms BIGINT NOT NULL DEFAULT 0, "
	            "last_totp_step BIGINT NOT NULL DEFAULT 0, created_ms BIGINT NOT NULL);\n"
	            "CREATE TABLE session (token_hash TEXT NOT NULL PRIMARY KEY, officer_id TEXT "
	            "NOT NULL, created_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL);\n"
	            "CREATE INDEX session_officer ON session (officer_id);\n");
	dc_buf_addf(
	        o,
	        "CREATE TABLE audit (seq %s, at_ms BIGINT NOT NULL, actor TEXT NOT NULL, "
	        "org TEXT, action TEXT NOT NULL, subject_pin TEXT, purpose TEXT, fields TEXT, "
	        "request_id TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);\n"
	        "CREATE INDEX audit_subject ON audit (subject_pin, seq) WHERE subject_pin IS NOT "
	        "NULL;\n",
	        pg ? "BIGINT NOT NULL PRIMARY KEY" : "INTEGER NOT NULL PRIMARY KEY");
	return dc_buf_error(o);
}

static int (*const migrations[])(enum dc__dialect, struct dc_buf *) = {
        v1,
        v2,
        dc__schema_residence,
        dc__schema_stay,
        dc__schema_apikey,
        dc__schema_audit_ckpt,
        dc__schema_search,
        dc__schema_review,
        dc__schema_verify,
        dc__schema_audit_links,
        dc__schema_card,
        dc__schema_eid,
        dc__schema_kyc,
        dc__schema_eid_api,
        dc__schema_exchange,
        dc__schema_org_cert,
        dc__schema_services,
        dc__schema_stats_attachments,
        dc__schema_eid_dpop_jkt,
        dc__schema_stats_more,
};

int dc__schema_version(void)
{
	return (int)DC_ARRAY_LEN(migrations);
}

int dc__schema_migration(enum dc__dialect d, int v, struct dc_buf *out)
{
	if (v >= 1 && v <= dc__schema_version())
		return migrations[v - 1](d, out);
	DC_BUG("no such migration");
	return DC_ERR_INVALID; /* not reached */
}

/* The version a database has, or -1 when it has no schema_version table
 * (or cannot be read). Writes nothing: a read-only replica can answer. */
static int current_version(struct dc_db *db)
{
	struct dc_stmt *st = NULL;
	int v = -1;
	if (dc_db_prepare(db, "SELECT coalesce(max(version), 0) FROM schema_version", &st) ==
	            DC_OK &&
	    dc_stmt_step(st) == DC_ROW)
		v = (int)dc_stmt_int64(st, 0);
	dc_stmt_finalize(st);
	return v;
}

int dc__schema_migrate(struct dc_db *db, enum dc__dialect d)
{
	struct dc_stmt *st = NULL;
	struct dc_buf sql = DC_BUF_INIT;
	int rc, in_tx = 0;
	/* Up to date: nothing to write (this is how a PostgreSQL hot standby,
	 * which refuses every write, opens). */
	int have0 = current_version(db);
	if (have0 == dc__schema_version())
		return DC_OK;
	if (have0 > dc__schema_version())
		return DC_ERR_SCHEMA;
	if (d == DC__PG && have0 < 0)
		dc_db_exec(db, "ROLLBACK"); /* no-op unless the failed read left one open */
	rc = dc_db_exec(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
	if (rc)
		goto cleanup;
	for (;;) {
		rc = dc_db_begin(db);
		if (rc)
			goto cleanup;
		in_tx = 1;
		/* Two servers starting at once must not both migrate. */
		if (d == DC__PG && (rc = dc_db_exec(db, "SELECT pg_advisory_xact_lock(602006)")))
			goto cleanup;
		rc = dc_db_prepare(db, "SELECT coalesce(max(version), 0) FROM schema_version", &st);
		if (rc)
			goto cleanup;
		rc = dc_stmt_step(st);
		if (rc < 0)
			goto cleanup;
		int have = (int)dc_stmt_int64(st, 0);
		dc_stmt_finalize(st);
		st = NULL;
		if (have > dc__schema_version()) {
			rc = DC_ERR_SCHEMA;
			goto cleanup;
		}
		if (have == dc__schema_version()) {
			rc = dc_db_commit(db);
			in_tx = 0;
			goto cleanup;
		}
		dc_buf_reset(&sql);
		rc = dc__schema_migration(d, have + 1, &sql);
		if (rc == DC_OK)
			rc = dc_buf_addf(&sql,
			                 "DELETE FROM schema_version; INSERT INTO schema_version "
			                 "VALUES (%d);",
			                 have + 1);
		if (rc == DC_OK)
			rc = dc_db_exec(db, dc_buf_str(&sql));
		if (rc == DC_OK)
			rc = dc_db_commit(db);
		if (rc)
			goto cleanup;
		in_tx = 0;
	}
cleanup:
	dc_stmt_finalize(st);
	if (in_tx) {
		/* Keep the first error's text: rollback would overwrite it. */
		dc_db_exec(db, "ROLLBACK");
	}
	dc_buf_release(&sql);
	return rc;
}
