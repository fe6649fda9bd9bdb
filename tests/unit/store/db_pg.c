/* Tests for src/store/db_pg.c: SQLSTATE mapping, a COMMIT that PostgreSQL
 * turned into a rollback, prepared-statement reuse, parameter counting, and
 * connection failures. Needs the test server (DANCU_TEST_PG); fails without
 * it unless DANCU_TEST_NO_PG=1, which skips. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/db.h"
#include "lib/testlib.h"

static int setup(void **state)
{
	char target[512], err[256];
	struct dc_db *db = NULL;
	*state = NULL;
	if (dc_test_pg_fresh(target, sizeof target) != 0) {
		const char *skip = getenv("DANCU_TEST_NO_PG");
		if (skip && *skip == '1')
			return 0; /* the test skips (cmocka cannot skip from setup) */
		fail_msg("DANCU_TEST_PG is not set: run through scripts/test.sh, "
		         "or set DANCU_TEST_NO_PG=1 to skip PostgreSQL");
	}
	if (dc_db_open(target, &db, err, sizeof err))
		fail_msg("open %s: %s", target, err);
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	dc_db_close(*state);
	return 0;
}

static struct dc_db *db_of(void **state)
{
	if (!*state) {
		print_message("PostgreSQL skipped (DANCU_TEST_NO_PG=1)\n");
		skip();
	}
	return *state;
}

/* Raises an error with the given SQLSTATE on the server. */
static int raise_state(struct dc_db *db, const char *state)
{
	char sql[160];
	snprintf(sql, sizeof sql, "DO $$ BEGIN RAISE EXCEPTION 'test' USING ERRCODE = '%s'; END $$",
	         state);
	return dc_db_exec(db, sql);
}

static void test_sqlstate_mapping(void **state)
{
	struct dc_db *db = db_of(state);
	assert_string_equal(dc_db_driver(db)->name, "postgresql");
	assert_int_equal(raise_state(db, "23505"), DC_ERR_CONFLICT);
	assert_non_null(strstr(dc_db_errmsg(db), "test"));
	assert_int_equal(raise_state(db, "40001"), DC_ERR_BUSY);
	assert_int_equal(raise_state(db, "40P01"), DC_ERR_BUSY);
	assert_int_equal(raise_state(db, "23502"), DC_ERR_INVALID); /* not null */
	assert_int_equal(raise_state(db, "22001"), DC_ERR_INVALID); /* too long */
	assert_int_equal(raise_state(db, "53100"), DC_ERR_NOSPACE); /* disk full */
	assert_int_equal(raise_state(db, "53300"), DC_ERR_UNAVAILABLE);
	assert_int_equal(raise_state(db, "57P01"), DC_ERR_UNAVAILABLE);
	assert_int_equal(raise_state(db, "XX000"), DC_ERR_DB);
	assert_int_equal(dc_db_exec(db, "SELEKT 1"), DC_ERR_DB);
	/* The connection is fine after all that. */
	assert_int_equal(dc_db_exec(db, "SELECT 1"), 0);
}

static void test_aborted_commit(void **state)
{
	/* After an error PostgreSQL ignores the rest of the transaction, and
	 * COMMIT then rolls back while reporting success ("ROLLBACK"). The
	 * driver must not pass that off as a commit. */
	struct dc_db *db = db_of(state);
	struct dc_stmt *st = NULL;
	assert_int_equal(dc_db_exec(db, "CREATE TABLE t (k TEXT PRIMARY KEY)"), 0);
	assert_int_equal(dc_db_begin(db), 0);
	assert_int_equal(dc_db_exec(db, "INSERT INTO t VALUES ('a')"), 0);
	assert_int_equal(dc_db_exec(db, "INSERT INTO t VALUES ('a')"), DC_ERR_CONFLICT);
	assert_int_not_equal(dc_db_exec(db, "INSERT INTO t VALUES ('b')"), 0);
	assert_int_equal(dc_db_commit(db), DC_ERR_CANCELLED);
	assert_non_null(strstr(dc_db_errmsg(db), "rolled back"));
	assert_int_equal(dc_db_prepare(db, "SELECT count(*) FROM t", &st), 0);
	assert_int_equal(dc_stmt_step(st), DC_ROW);
	assert_int_equal(dc_stmt_int64(st, 0), 0);
	dc_stmt_finalize(st);
	/* A healthy transaction commits. */
	assert_int_equal(dc_db_begin(db), 0);
	assert_int_equal(dc_db_exec(db, "INSERT INTO t VALUES ('c')"), 0);
	assert_int_equal(dc_db_commit(db), 0);
}

static void test_prepared_reuse(void **state)
{
	struct dc_db *db = db_of(state);
	struct dc_stmt *st = NULL, *two = NULL;
	/* '$7' in a literal and "$8" in a quoted identifier are not parameters. */
	assert_int_equal(dc_db_prepare(db,
	                               "SELECT CAST($1 AS BIGINT) * 2 AS \"x$8\", '$7', "
	                               "CAST($2 AS TEXT)",
	                               &st),
	                 0);
	assert_int_equal(dc_db_prepare(db, "SELECT 1 WHERE false", &two), 0);
	for (int64_t i = 0; i < 5; i++) {
		assert_int_equal(dc_stmt_bind_int64(st, 1, i - 2), 0);
		assert_int_equal(dc_stmt_bind_text_ref(st, 2, "abc", 2), 0);
		assert_int_equal(dc_stmt_step(st), DC_ROW);
		assert_int_equal(dc_stmt_int64(st, 0), (i - 2) * 2);
		assert_string_equal(dc_stmt_text(st, 1, NULL), "$7");
		assert_string_equal(dc_stmt_text(st, 2, NULL), "ab");
		assert_int_equal(dc_stmt_step(st), DC_DONE);
		assert_int_equal(dc_stmt_step(st), DC_DONE); /* stays done */
		assert_int_equal(dc_stmt_reset(st), 0);
		/* Interleaving another statement does not disturb this one. */
		assert_int_equal(dc_stmt_step(two), DC_DONE);
		assert_int_equal(dc_stmt_reset(two), 0);
	}
	/* Unbound parameters are NULL. */
	assert_int_equal(dc_stmt_step(st), DC_ROW);
	assert_true(dc_stmt_is_null(st, 0));
	assert_true(dc_stmt_is_null(st, 2));
	struct dc_stmt *first = st;
	dc_stmt_finalize(st);
	dc_stmt_finalize(two);
	/* Finalized statements stay prepared on the server, for reuse: the same
	 * SQL gets the same handle back, reset, with nothing bound. */
	const char *count = "SELECT count(*) FROM pg_prepared_statements";
	int64_t n[2];
	for (int k = 0; k < 2; k++) {
		assert_int_equal(dc_db_prepare(db, "SELECT 1 WHERE false", &two), 0);
		assert_int_equal(dc_stmt_step(two), DC_DONE);
		dc_stmt_finalize(two);
		assert_int_equal(dc_db_prepare(db, count, &st), 0);
		assert_int_equal(dc_stmt_step(st), DC_ROW);
		n[k] = dc_stmt_int64(st, 0);
		dc_stmt_finalize(st);
	}
	assert_true(n[0] >= 3);       /* the two above and the count */
	assert_int_equal(n[1], n[0]); /* reused, not prepared again */
	/* A statement in use is not handed out twice. */
	struct dc_stmt *a = NULL, *b = NULL;
	assert_int_equal(dc_db_prepare(db, count, &a), 0);
	assert_int_equal(dc_db_prepare(db, count, &b), 0);
	assert_ptr_not_equal(a, b);
	assert_ptr_not_equal(a, first);
	dc_stmt_finalize(a);
	dc_stmt_finalize(b);
}

/* A connection the server dropped is made again at the next statement. */
static void test_reconnect(void **state)
{
	struct dc_db *db = db_of(state);
	struct dc_stmt *st = NULL;
	assert_int_equal(dc_db_prepare(db, "SELECT pg_backend_pid()", &st), 0);
	assert_int_equal(dc_stmt_step(st), DC_ROW);
	int64_t pid = dc_stmt_int64(st, 0);
	dc_stmt_finalize(st);
	/* Another connection terminates ours. */
	char conninfo[512], err[256];
	struct dc_db *killer = NULL;
	assert_int_equal(dc_test_pg_fresh(conninfo, sizeof conninfo), 0);
	assert_int_equal(dc_db_open(conninfo, &killer, err, sizeof err), 0);
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)", (long long)pid);
	assert_int_equal(dc_db_exec(killer, sql), 0);
	dc_db_close(killer);
	/* The first statement after the loss may fail; the next works. */
	if (dc_db_prepare(db, "SELECT pg_backend_pid()", &st) == 0) {
		int rc = dc_stmt_step(st);
		dc_stmt_finalize(st);
		if (rc == DC_ROW)
			return;
	}
	assert_int_equal(dc_db_prepare(db, "SELECT pg_backend_pid()", &st), 0);
	assert_int_equal(dc_stmt_step(st), DC_ROW);
	assert_true(dc_stmt_int64(st, 0) != pid);
	dc_stmt_finalize(st);
}

static void test_copy_shape(void **state)
{
	struct dc_db *db = db_of(state);
	const struct dc_db_ops *ops = dc_db_driver(db);
	assert_int_equal(dc_db_exec(db, "CREATE TABLE t (a TEXT, b INTEGER)"), 0);
	/* A bad value fails the copy at the end, as a data error. */
	assert_int_equal(dc_db_begin(db), 0);
	assert_int_equal(ops->copy_begin(db, "t", "a, b", 2), 0);
	const char *vals[2] = {"x", "not a number"};
	size_t lens[2] = {1, 12};
	assert_int_equal(ops->copy_row(db, vals, lens), 0);
	assert_int_equal(ops->copy_end(db, 1), DC_ERR_INVALID);
	assert_int_equal(dc_db_rollback(db), 0);
	/* An unknown table fails at begin, and the next copy works. */
	assert_int_equal(ops->copy_begin(db, "nosuch", "a", 1), DC_ERR_DB);
	assert_int_equal(ops->copy_end(db, 0), 0);
	assert_int_equal(dc_db_begin(db), 0);
	assert_int_equal(ops->copy_begin(db, "t", "a, b", 2), 0);
	vals[1] = "7";
	lens[1] = 1;
	assert_int_equal(ops->copy_row(db, vals, lens), 0);
	assert_int_equal(ops->copy_end(db, 1), 0);
	assert_int_equal(dc_db_commit(db), 0);
}

static void test_unreachable(void **state)
{
	(void)db_of(state);
	struct dc_db *db = NULL;
	char err[256];
	/* Nothing listens on port 1. */
	assert_int_equal(dc_db_open("host=127.0.0.1 port=1 dbname=x connect_timeout=2", &db, err,
	                            sizeof err),
	                 DC_ERR_UNAVAILABLE);
	assert_null(db);
	assert_true(strlen(err) > 0);
	assert_int_equal(dc_db_open("postgresql://127.0.0.1:1/x", &db, err, sizeof err),
	                 DC_ERR_UNAVAILABLE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_sqlstate_mapping, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_aborted_commit, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_prepared_reuse, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_reconnect, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_copy_shape, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unreachable, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
