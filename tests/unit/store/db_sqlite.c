/* Tests for src/store/db_sqlite.c and the SQLite side of db.c: what the
 * conformance suite cannot see from above the driver — the connection
 * settings, how "$N" parameters are numbered, the mapping of SQLite's result
 * codes, and which targets dc_db_open sends to SQLite. */
#include <stdio.h>
#include <string.h>

#include "dancu/db.h"
#include "lib/testlib.h"

static struct dc_db *open_tmp(char *path, size_t n)
{
	char dir[256], err[256];
	struct dc_db *db = NULL;
	dc_test_tmpdir(dir, sizeof dir);
	snprintf(path, n, "%s/t.db", dir);
	if (dc_db_open(path, &db, err, sizeof err))
		fail_msg("open %s: %s", path, err);
	return db;
}

static int64_t pragma(struct dc_db *db, const char *sql)
{
	struct dc_stmt *st = NULL;
	assert_int_equal(dc_db_prepare(db, sql, &st), 0);
	assert_int_equal(dc_stmt_step(st), DC_ROW);
	int64_t v = dc_stmt_int64(st, 0);
	dc_stmt_finalize(st);
	return v;
}

static void test_settings(void **unused)
{
	char path[300];
	struct dc_db *db = open_tmp(path, sizeof path);
	struct dc_stmt *st = NULL;
	assert_string_equal(dc_db_driver(db)->name, "sqlite");
	assert_int_equal(dc_db_driver(db)->version, DC_DB_OPS_VERSION);
	assert_int_equal(dc_db_prepare(db, "PRAGMA journal_mode", &st), 0);
	assert_int_equal(dc_stmt_step(st), DC_ROW);
	assert_string_equal(dc_stmt_text(st, 0, NULL), "wal");
	dc_stmt_finalize(st);
	assert_int_equal(pragma(db, "PRAGMA synchronous"), 1); /* NORMAL */
	assert_int_equal(pragma(db, "PRAGMA foreign_keys"), 1);
	/* Our own busy handler (polls every 0.1–1 ms for 5 s) replaces the timeout. */
	assert_int_equal(pragma(db, "PRAGMA busy_timeout"), 0);
	assert_int_equal(pragma(db, "PRAGMA cache_size"), -262144);
	/* No memory map: remapping on every checkpoint of a growing file cost
	 * half the throughput of audited reads (docs/PERFORMANCE.md). */
	assert_int_equal(pragma(db, "PRAGMA mmap_size"), 0);
	/* Migrated: the current schema version is recorded once. */
	assert_true(pragma(db, "SELECT max(version) FROM schema_version") >= 1);
	assert_int_equal(pragma(db, "SELECT count(*) FROM schema_version"), 1);
	dc_db_close(db);
	dc_db_close(NULL);
}

static void test_param_numbering(void **unused)
{
	char path[300];
	struct dc_db *db = open_tmp(path, sizeof path);
	struct dc_stmt *st = NULL;
	/* SQLite numbers named parameters by first appearance: here "$3" is its
	 * index 1, "$1" index 2, "$2" index 3; "$3" again shares index 1. */
	assert_int_equal(dc_db_prepare(db, "SELECT $3, $1, $2, $3 || $1", &st), 0);
	assert_int_equal(dc_stmt_bind_str(st, 1, "one"), 0);
	assert_int_equal(dc_stmt_bind_str(st, 2, "two"), 0);
	assert_int_equal(dc_stmt_bind_str(st, 3, "three"), 0);
	assert_int_equal(dc_stmt_step(st), DC_ROW);
	assert_string_equal(dc_stmt_text(st, 0, NULL), "three");
	assert_string_equal(dc_stmt_text(st, 1, NULL), "one");
	assert_string_equal(dc_stmt_text(st, 2, NULL), "two");
	assert_string_equal(dc_stmt_text(st, 3, NULL), "threeone");
	dc_stmt_finalize(st);
	/* A gap is allowed ($2 unused); $1 and $3 still land right. */
	assert_int_equal(dc_db_prepare(db, "SELECT $3 - $1", &st), 0);
	assert_int_equal(dc_stmt_bind_int64(st, 1, 2), 0);
	assert_int_equal(dc_stmt_bind_int64(st, 3, 10), 0);
	assert_int_equal(dc_stmt_step(st), DC_ROW);
	assert_int_equal(dc_stmt_int64(st, 0), 8);
	dc_stmt_finalize(st);
	/* Other parameter styles are not our dialect. */
	assert_int_equal(dc_db_prepare(db, "SELECT :name", &st), DC_ERR_INVALID);
	assert_non_null(strstr(dc_db_errmsg(db), "$1"));
	assert_int_equal(dc_db_prepare(db, "SELECT $0", &st), DC_ERR_INVALID);
	/* Nothing to run. */
	assert_int_equal(dc_db_prepare(db, "  -- only a comment", &st), DC_ERR_INVALID);
	dc_db_close(db);
}

static void test_error_codes(void **unused)
{
	char path[300], err[256];
	struct dc_db *db = open_tmp(path, sizeof path), *other = NULL;
	assert_int_equal(dc_db_exec(db, "CREATE TABLE t (k TEXT PRIMARY KEY, u TEXT UNIQUE, "
	                                "n TEXT NOT NULL, c INTEGER CHECK (c > 0))"),
	                 0);
	assert_int_equal(dc_db_exec(db, "INSERT INTO t VALUES ('a', 'x', 'n', 1)"), 0);
	assert_int_equal(dc_db_exec(db, "INSERT INTO t VALUES ('a', 'y', 'n', 1)"),
	                 DC_ERR_CONFLICT); /* SQLITE_CONSTRAINT_PRIMARYKEY */
	assert_non_null(strstr(dc_db_errmsg(db), "UNIQUE"));
	assert_int_equal(dc_db_exec(db, "INSERT INTO t VALUES ('b', 'x', 'n', 1)"),
	                 DC_ERR_CONFLICT); /* SQLITE_CONSTRAINT_UNIQUE */
	assert_int_equal(dc_db_exec(db, "INSERT INTO t VALUES ('b', 'y', NULL, 1)"),
	                 DC_ERR_INVALID);
	assert_int_equal(dc_db_exec(db, "INSERT INTO t VALUES ('b', 'y', 'n', 0)"), DC_ERR_INVALID);
	assert_int_equal(dc_db_exec(db, "SELEKT 1"), DC_ERR_DB);
	/* A second writer waits busy_timeout, then gets "busy". */
	assert_int_equal(dc_db_open(path, &other, err, sizeof err), 0);
	assert_int_equal(dc_db_exec(other, "PRAGMA busy_timeout = 20"), 0);
	assert_int_equal(dc_db_begin(db), 0);
	assert_int_equal(dc_db_begin(other), DC_ERR_BUSY);
	assert_int_equal(dc_db_commit(db), 0);
	assert_int_equal(dc_db_begin(other), 0);
	assert_int_equal(dc_db_rollback(other), 0);
	assert_int_equal(dc_db_rollback(NULL), 0);
	/* Statements outside a transaction fail cleanly. */
	assert_int_equal(dc_db_commit(other), DC_ERR_DB);
	dc_db_close(other);
	dc_db_close(db);
}

static void test_copy_shape(void **unused)
{
	char path[300];
	struct dc_db *db = open_tmp(path, sizeof path);
	const struct dc_db_ops *ops = dc_db_driver(db);
	assert_int_equal(dc_db_exec(db, "CREATE TABLE t (a TEXT, b TEXT)"), 0);
	/* Column count and list must agree (the INSERT does not compile). */
	assert_int_equal(ops->copy_begin(db, "t", "a, b", 3), DC_ERR_DB);
	assert_int_equal(ops->copy_begin(db, "nosuch", "a", 1), DC_ERR_DB);
	assert_true(strlen(dc_db_errmsg(db)) > 0);
	/* After a failed begin a new copy can start. */
	assert_int_equal(dc_db_begin(db), 0);
	assert_int_equal(ops->copy_begin(db, "t", "a, b", 2), 0);
	const char *vals[2] = {"x", NULL};
	size_t lens[2] = {1, 0};
	assert_int_equal(ops->copy_row(db, vals, lens), 0);
	assert_int_equal(ops->copy_end(db, 1), 0);
	assert_int_equal(dc_db_commit(db), 0);
	assert_int_equal(pragma(db, "SELECT count(*) FROM t WHERE a = 'x' AND b IS NULL"), 1);
	dc_db_close(db);
}

static void test_open_targets(void **unused)
{
	char dir[256], path[300], err[256];
	struct dc_db *db = NULL;
	dc_test_tmpdir(dir, sizeof dir);
	/* A path that merely contains "host=" or "dbname=" is still a file. */
	snprintf(path, sizeof path, "%s/dbname=x host=y.db", dir);
	assert_int_equal(dc_db_open(path, &db, err, sizeof err), 0);
	assert_string_equal(dc_db_driver(db)->name, "sqlite");
	dc_db_close(db);
	/* A file that cannot be created: unavailable, with a reason. */
	snprintf(path, sizeof path, "%s/no/such/dir/x.db", dir);
	db = NULL;
	assert_int_equal(dc_db_open(path, &db, err, sizeof err), DC_ERR_UNAVAILABLE);
	assert_null(db);
	assert_true(strlen(err) > 0);
	/* A newer schema is refused, and the message says so. */
	snprintf(path, sizeof path, "%s/new.db", dir);
	assert_int_equal(dc_db_open(path, &db, err, sizeof err), 0);
	assert_int_equal(dc_db_exec(db, "UPDATE schema_version SET version = version + 1"), 0);
	dc_db_close(db);
	db = NULL;
	assert_int_equal(dc_db_open(path, &db, err, sizeof err), DC_ERR_SCHEMA);
	assert_null(db);
	assert_non_null(strstr(err, "newer"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_settings),     cmocka_unit_test(test_param_numbering),
	        cmocka_unit_test(test_error_codes),  cmocka_unit_test(test_copy_shape),
	        cmocka_unit_test(test_open_targets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
