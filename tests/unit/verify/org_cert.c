/* Tests for src/verify/org_cert.c: binding client certificates to
 * organisations — fingerprint syntax, add / duplicate / list / remove, and
 * the check (unbound: anything; bound: only a bound certificate); on SQLite
 * and PostgreSQL. */
#include <stdio.h>
#include <string.h>

#include "dancu/core.h"
#include "dancu/store.h"
#include "dancu/units.h"
#include "lib/testlib.h"
#include "verify/org_cert.h"

#define A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static int count(void *arg, const char *sha, const char *label, int64_t at)
{
	(void)sha;
	(void)label;
	(void)at;
	(*(int *)arg)++;
	return DC_OK;
}

static void run(const char *target)
{
	struct dc_units *u = NULL;
	struct dc_store *s = NULL;
	char err[256];
	int n = 0;
	assert_int_equal(dc_units_new(&u), 0);
	assert_int_equal(dc_store_open(target, u, &s, err, sizeof err), 0);
	assert_int_equal(dc__org_cert_check(s, "bank-a", NULL), DC_OK);
	assert_int_equal(dc__org_cert_check(s, "bank-a", A), DC_OK);
	assert_int_equal(dc__org_cert_add(s, "bank-a", "xyz", NULL, 1), DC_ERR_INVALID);
	assert_int_equal(dc__org_cert_add(s, "bank-a", A, "core", 1), DC_OK);
	assert_int_equal(dc__org_cert_add(s, "bank-a", A, "again", 2), DC_ERR_CONFLICT);
	assert_int_equal(dc__org_cert_check(s, "bank-a", NULL), DC_ERR_AUTH);
	assert_int_equal(dc__org_cert_check(s, "bank-a", B), DC_ERR_AUTH);
	assert_int_equal(dc__org_cert_check(s, "bank-a", A), DC_OK);
	assert_int_equal(dc__org_cert_check(s, "telco-b", NULL), DC_OK);
	assert_int_equal(dc__org_cert_add(s, "bank-a", B, "", 3), DC_OK);
	assert_int_equal(dc__org_cert_check(s, "bank-a", B), DC_OK);
	assert_int_equal(dc__org_cert_list(s, "bank-a", count, &n), DC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(dc__org_cert_remove(s, "bank-a", A), DC_OK);
	assert_int_equal(dc__org_cert_remove(s, "bank-a", A), DC_ERR_NOT_FOUND);
	assert_int_equal(dc__org_cert_check(s, "bank-a", A), DC_ERR_AUTH);
	assert_int_equal(dc__org_cert_remove(s, "bank-a", B), DC_OK);
	assert_int_equal(dc__org_cert_check(s, "bank-a", NULL), DC_OK);
	dc_store_close(s);
	dc_units_free(u);
}

static void test_syntax(void **st)
{
	assert_true(dc__org_cert_sha_ok(A));
	assert_false(dc__org_cert_sha_ok(NULL));
	assert_false(dc__org_cert_sha_ok("0123"));
	assert_false(dc__org_cert_sha_ok(A "0"));
	assert_false(dc__org_cert_sha_ok(
	        "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
	char out[65];
	assert_int_equal(dc__org_cert_file_sha256("/nonexistent/cert.pem", out), DC_ERR_IO);
}

static void test_sqlite(void **st)
{
	char dir[256], path[300];
	dc_test_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/c.db", dir);
	run(path);
}

static void test_pg(void **st)
{
	char conninfo[512];
	if (dc_test_pg_fresh(conninfo, sizeof conninfo))
		skip();
	run(conninfo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_syntax),
	        cmocka_unit_test(test_sqlite),
	        cmocka_unit_test(test_pg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
