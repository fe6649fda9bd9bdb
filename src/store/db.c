/*
 * db.c — picks a driver for a target and forwards the generic calls to the
 * ops table of the handle (every handle starts with struct dc_db_base, every
 * statement with struct dc_stmt_base). The only SQL here is transaction
 * control, which both engines spell alike except SQLite's BEGIN IMMEDIATE.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dancu/db.h"

#include "core/internal.h"

static const struct dc_db_ops *ops_of(const struct dc_db *db)
{
	return ((const struct dc_db_base *)db)->ops;
}

static const struct dc_db_ops *st_ops(struct dc_stmt *st)
{
	return ops_of(((struct dc_stmt_base *)st)->db);
}

/* A PostgreSQL URI, or a libpq conninfo: "keyword = value …", whose first
 * word is a lowercase keyword followed by '='. A file path rarely looks like
 * that, and a path that does can be written "./host=…". */
static int is_pg_target(const char *t)
{
	if (!strncmp(t, "postgresql://", 13) || !strncmp(t, "postgres://", 11))
		return 1;
	while (*t == ' ' || *t == '\t')
		t++;
	const char *k = t;
	while ((*t >= 'a' && *t <= 'z') || *t == '_')
		t++;
	if (t == k)
		return 0;
	while (*t == ' ' || *t == '\t')
		t++;
	return *t == '=';
}

int dc_db_open(const char *target, struct dc_db **out, char *errbuf, size_t errlen)
{
	const struct dc_db_ops *ops = is_pg_target(target) ? &dc_db_pg : &dc_db_sqlite;
	struct dc_db *db = NULL;
	if (errbuf && errlen)
		errbuf[0] = '\0';
	int rc = ops->open(target, &db);
	if (rc == DC_OK)
		rc = ops->migrate(db);
	if (rc) {
		/* The driver's text when it has one (migrations report
		 * DC_ERR_SCHEMA without any), else the code's description. */
		const char *msg = db ? ops->errmsg(db) : "";
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s", *msg ? msg : dc_strerror(rc));
		if (db)
			ops->close(db);
		return rc;
	}
	*out = db;
	return DC_OK;
}

void dc_db_close(struct dc_db *db)
{
	if (db)
		ops_of(db)->close(db);
}

const struct dc_db_ops *dc_db_driver(const struct dc_db *db)
{
	return ops_of(db);
}

int dc_db_exec(struct dc_db *db, const char *sql)
{
	return ops_of(db)->exec(db, sql);
}

int dc_db_run(struct dc_db *db, const char *sql, const char *types, ...)
{
	struct dc_stmt *st = NULL;
	va_list ap;
	int rc = dc_db_prepare(db, sql, &st);
	va_start(ap, types);
	for (int i = 0; rc == DC_OK && types[i]; i++)
		rc = types[i] == 's' ? dc_stmt_bind_str(st, i + 1, va_arg(ap, const char *))
		                     : dc_stmt_bind_int64(st, i + 1, va_arg(ap, int64_t));
	va_end(ap);
	if (rc == DC_OK) {
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE || rc == DC_ROW ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc_db_prepare(struct dc_db *db, const char *sql, struct dc_stmt **out)
{
	return ops_of(db)->prepare(db, sql, out);
}

const char *dc_db_errmsg(struct dc_db *db)
{
	return db ? ops_of(db)->errmsg(db) : "";
}

/* SQLite: IMMEDIATE takes the write lock at BEGIN, so two writers queue on
 * busy_timeout there instead of one failing with SQLITE_BUSY at its first
 * write (a deferred transaction cannot wait to upgrade its lock). */
int dc_db_begin(struct dc_db *db)
{
	const struct dc_db_ops *o = ops_of(db);
	return o->exec(db, o == &dc_db_sqlite ? "BEGIN IMMEDIATE" : "BEGIN");
}

int dc_db_commit(struct dc_db *db)
{
	return ops_of(db)->exec(db, "COMMIT");
}

int dc_db_rollback(struct dc_db *db)
{
	return db ? ops_of(db)->exec(db, "ROLLBACK") : DC_OK;
}

int dc_stmt_bind_text(struct dc_stmt *st, int i, const char *s, size_t len)
{
	return st_ops(st)->bind_text(st, i, s, len);
}

int dc_stmt_bind_text_ref(struct dc_stmt *st, int i, const char *s, size_t len)
{
	return st_ops(st)->bind_text_ref(st, i, s, len);
}

int dc_stmt_bind_str(struct dc_stmt *st, int i, const char *s)
{
	if (!s || !*s)
		return st_ops(st)->bind_null(st, i);
	return st_ops(st)->bind_text(st, i, s, strlen(s));
}

int dc_stmt_bind_int64(struct dc_stmt *st, int i, int64_t v)
{
	return st_ops(st)->bind_int64(st, i, v);
}

int dc_stmt_bind_null(struct dc_stmt *st, int i)
{
	return st_ops(st)->bind_null(st, i);
}

int dc_stmt_step(struct dc_stmt *st)
{
	return st_ops(st)->step(st);
}

const char *dc_stmt_text(struct dc_stmt *st, int i, size_t *len)
{
	return st_ops(st)->column_text(st, i, len);
}

int64_t dc_stmt_int64(struct dc_stmt *st, int i)
{
	return st_ops(st)->column_int64(st, i);
}

int dc_stmt_is_null(struct dc_stmt *st, int i)
{
	return st_ops(st)->column_is_null(st, i);
}

int dc_stmt_reset(struct dc_stmt *st)
{
	return st_ops(st)->reset(st);
}

void dc_stmt_finalize(struct dc_stmt *st)
{
	if (st)
		st_ops(st)->finalize(st);
}

int64_t dc_stmt_changes(struct dc_stmt *st)
{
	return st_ops(st)->changes(st);
}

int dc_db_backup(struct dc_db *db, const char *path)
{
	const struct dc_db_ops *ops = dc_db_driver(db);
	if (!ops->backup)
		return DC_ERR_UNSUPPORTED;
	if (access(path, F_OK) == 0)
		return DC_ERR_CONFLICT;
	return ops->backup(db, path);
}

int dc_db_get_one(struct dc_db *db, const char *sql, const char *key,
                  void (*fill)(struct dc_stmt *st, void *out), void *out)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(db, sql, &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, key);
	if (rc == DC_OK) {
		rc = dc_stmt_step(st);
		if (rc == DC_ROW) {
			fill(st, out);
			rc = DC_OK;
		} else if (rc == DC_DONE) {
			rc = DC_ERR_NOT_FOUND;
		}
	}
	dc_stmt_finalize(st);
	return rc;
}
