/*
 * dancu/db.h — the storage driver: one small ops table, two back ends.
 *
 * dancu speaks SQL to an embedded SQLite file (the default) or to a
 * PostgreSQL server. Both are driven through struct dc_db_ops, a versioned
 * table of functions (like SQLite's VFS): open/close, exec, prepared
 * statements with positional parameters, a bulk "copy" path and the error
 * text of the last failure. Everything above the driver (store.c: schema,
 * citizens, events, imports) is written once against this interface and is
 * proven on both back ends by one conformance suite.
 *
 * SQL dialect: statements use $1, $2, … for parameters. PostgreSQL takes them
 * natively; SQLite treats "$1" as a named parameter, which is bound by the
 * same position. Write SQL that both accept (ON CONFLICT, RETURNING,
 * CAST(x AS INTEGER), substr, coalesce). Backend-specific DDL lives in the
 * migrations of each driver.
 *
 * Threads: a struct dc_db is one connection; use it from one thread at a
 * time. Open one per thread.
 *
 * Ownership: dc_db_open returns a handle the caller owns (dc_db_close).
 * Statements belong to their db and must be finalized before it is closed.
 * Column text is borrowed until the next step/reset/finalize of that statement.
 */
#ifndef DANCU_DB_H
#define DANCU_DB_H

#include <stddef.h>
#include <stdint.h>

struct dc_db;
struct dc_stmt;

/* step() results besides errors */
#define DC_ROW 1
#define DC_DONE 0

#define DC_DB_OPS_VERSION 2

struct dc_db_ops {
	int version;      /* DC_DB_OPS_VERSION */
	const char *name; /* "sqlite" or "postgresql" */
	int (*open)(const char *target, struct dc_db **out);
	void (*close)(struct dc_db *db);
	/* Runs one or more statements without parameters or results. */
	int (*exec)(struct dc_db *db, const char *sql);
	int (*prepare)(struct dc_db *db, const char *sql, struct dc_stmt **out);
	/* Parameters are 1-based. Text is copied (len bytes; need not be NUL-
	 * terminated); NULL text binds SQL NULL. */
	int (*bind_text)(struct dc_stmt *st, int i, const char *s, size_t len);
	/* Like bind_text, but s is borrowed: it must stay unchanged until the
	 * statement is stepped and reset (avoids a copy on bulk paths). */
	int (*bind_text_ref)(struct dc_stmt *st, int i, const char *s, size_t len);
	int (*bind_int64)(struct dc_stmt *st, int i, int64_t v);
	int (*bind_null)(struct dc_stmt *st, int i);
	/* DC_ROW, DC_DONE or an error. */
	int (*step)(struct dc_stmt *st);
	/* Columns are 0-based; NULL gives NULL/0. */
	const char *(*column_text)(struct dc_stmt *st, int i, size_t *len);
	int64_t (*column_int64)(struct dc_stmt *st, int i);
	int (*column_is_null)(struct dc_stmt *st, int i);
	int (*column_count)(struct dc_stmt *st);
	/* Ready to bind and step again; bindings are cleared. */
	int (*reset)(struct dc_stmt *st);
	void (*finalize)(struct dc_stmt *st);
	/* Rows changed by the last INSERT/UPDATE/DELETE step. */
	int64_t (*changes)(struct dc_stmt *st);
	/* Bulk load into `table` (columns listed, comma-separated): rows given as
	 * arrays of ncols (text, length) pairs; NULL text = SQL NULL. SQLite
	 * uses a prepared INSERT, PostgreSQL COPY FROM STDIN. Must be inside a
	 * transaction. Rows that violate a constraint fail the whole copy. */
	int (*copy_begin)(struct dc_db *db, const char *table, const char *columns, int ncols);
	int (*copy_row)(struct dc_db *db, const char *const *vals, const size_t *lens);
	int (*copy_end)(struct dc_db *db, int commit);
	/* Text of the last error on this connection ("" when none). Borrowed until
	 * the next call on db. */
	const char *(*errmsg)(struct dc_db *db);
	/* Schema: apply every migration the database does not have yet, in one
	 * transaction each. Returns DC_ERR_SCHEMA when the database is newer. */
	int (*migrate)(struct dc_db *db);
	/* Version 2. An online, consistent copy of the whole database into a new
	 * file at path (SQLite's backup API: writers go on while it runs). NULL
	 * when the back end has its own tools (PostgreSQL: pg_dump,
	 * pg_basebackup; see docs/OPERATIONS.md). */
	int (*backup)(struct dc_db *db, const char *path);
};

/* The two drivers. */
extern const struct dc_db_ops dc_db_sqlite;
extern const struct dc_db_ops dc_db_pg;

/* Every handle starts with this header so generic code can find its ops. */
struct dc_db_base {
	const struct dc_db_ops *ops;
};
struct dc_stmt_base {
	struct dc_db *db;
};

/* Opens `target`: "postgresql://…", "postgres://…" or a libpq "key=value"
 * conninfo ("host=… dbname=…") selects PostgreSQL; anything else is a SQLite
 * file path (created if missing; WAL mode). Runs migrations. On failure
 * returns an error and, when errbuf is not NULL, writes the reason there. */
int dc_db_open(const char *target, struct dc_db **out, char *errbuf, size_t errlen);
void dc_db_close(struct dc_db *db);

/* Runs sql with key bound to $1 and hands the first row to fill(st, out).
 * DC_OK, DC_ERR_NOT_FOUND when there is no row, or the error of the query.
 * The row is valid only during fill. */
int dc_db_get_one(struct dc_db *db, const char *sql, const char *key,
                  void (*fill)(struct dc_stmt *st, void *out), void *out);

/* An online backup of db into a new file at path (must not exist).
 * DC_ERR_UNSUPPORTED on PostgreSQL; DC_ERR_CONFLICT when path exists. */
int dc_db_backup(struct dc_db *db, const char *path);

/* The driver of an open handle. */
const struct dc_db_ops *dc_db_driver(const struct dc_db *db);

/* Convenience wrappers over the ops of db / st. */
int dc_db_exec(struct dc_db *db, const char *sql);
/* Prepares sql, binds one argument per letter of types ('s' a string,
 * NULL binds SQL NULL; 'i' an int64_t), steps it once and finalizes it:
 * for an INSERT/UPDATE/DELETE, or a SELECT whose rows are not wanted. */
int dc_db_run(struct dc_db *db, const char *sql, const char *types, ...);
int dc_db_prepare(struct dc_db *db, const char *sql, struct dc_stmt **out);
const char *dc_db_errmsg(struct dc_db *db);
int dc_db_begin(struct dc_db *db); /* BEGIN (IMMEDIATE on SQLite) */
/* DC_ERR_CANCELLED when PostgreSQL had already aborted the transaction (a
 * statement in it failed): nothing was committed. */
int dc_db_commit(struct dc_db *db);
int dc_db_rollback(struct dc_db *db); /* never fails silently; NULL-safe */
int dc_stmt_bind_text(struct dc_stmt *st, int i, const char *s, size_t len);
int dc_stmt_bind_str(struct dc_stmt *st, int i, const char *s); /* NULL or "" binds NULL */
int dc_stmt_bind_text_ref(struct dc_stmt *st, int i, const char *s, size_t len);
int dc_stmt_bind_int64(struct dc_stmt *st, int i, int64_t v);
int dc_stmt_bind_null(struct dc_stmt *st, int i);
int dc_stmt_step(struct dc_stmt *st);
const char *dc_stmt_text(struct dc_stmt *st, int i, size_t *len);
int64_t dc_stmt_int64(struct dc_stmt *st, int i);
int dc_stmt_is_null(struct dc_stmt *st, int i);
int dc_stmt_reset(struct dc_stmt *st);
void dc_stmt_finalize(struct dc_stmt *st); /* NULL-safe */
int64_t dc_stmt_changes(struct dc_stmt *st);

#endif
