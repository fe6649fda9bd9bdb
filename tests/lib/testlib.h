/*
 * testlib.h — helpers shared by dancu's C tests (cmocka).
 *
 * Temporary files go under $DANCU_TEST_TMP (set by scripts/test.sh) or /tmp.
 * PostgreSQL: scripts/test.sh starts a server and sets DANCU_TEST_PG;
 * dc_test_pg_fresh() creates a new empty database on it for one test.
 */
#ifndef DANCU_TESTLIB_H
#define DANCU_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dancu/error.h"

/* A new empty directory for this test; path written into out (≥ 256 bytes). */
void dc_test_tmpdir(char *out, size_t n);

/* Creates a fresh PostgreSQL database and writes its conninfo into out.
 * Returns 0, or -1 when no test server is configured (DANCU_TEST_PG unset). */
int dc_test_pg_fresh(char *out, size_t n);

/* A register store for one test: SQLite (a file in a new temporary
 * directory, dir) or a fresh PostgreSQL database. */
struct dc_test_store {
	char target[512]; /* what dc_store_open was given */
	char dir[256];    /* a new temporary directory, on both back ends */
	struct dc_units *units;
	struct dc_store *s;
};

/* cmocka setups: open a struct dc_test_store into *state (owned by the
 * fixture; dc_test_store_teardown frees it). Without a PostgreSQL test
 * server, the PostgreSQL setup fails the test unless DANCU_TEST_NO_PG=1,
 * then it leaves *state NULL: cmocka cannot skip from a setup, so
 * dc_test_store_of skips in the test body. */
int dc_test_store_sqlite(void **state);
int dc_test_store_pg(void **state);
int dc_test_store_teardown(void **state);
/* The fixture of a test; skips the test when its back end is not there. */
struct dc_test_store *dc_test_store_of(void **state);

/* true when DANCU_TEST_QUICK=1 (sanitizer runs): shrink big loops. */
int dc_test_quick(void);

/* Path of a file in the project's data/ directory. */
void dc_test_data_path(const char *name, char *out, size_t n);

#endif
