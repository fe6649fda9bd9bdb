/* Tests for src/verify/kyc.c: the e-KYC request/consent records — ids, the
 * state machine (approve, decline, revoke), expiry derived from the clock,
 * a replayed decision, another citizen's request, and the citizen's list;
 * on SQLite and PostgreSQL. */
#include <stdio.h>
#include <string.h>

#include "dancu/core.h"
#include "dancu/store.h"
#include "dancu/units.h"
#include "lib/testlib.h"
#include "verify/kyc.h"

static struct dc__kyc make(struct dc_store *s, const char *pin, int64_t now)
{
	struct dc__kyc k;
	memset(&k, 0, sizeof k);
	snprintf(k.org, sizeof k.org, "bank-a");
	snprintf(k.pin, sizeof k.pin, "%s", pin);
	snprintf(k.attributes, sizeof k.attributes, "name,dob");
	snprintf(k.purpose, sizeof k.purpose, "account_opening");
	k.created_ms = now;
	k.expires_ms = now + DC__KYC_TTL_MS;
	k.consent_days = 30;
	assert_int_equal(dc__kyc_create(s, &k), 0);
	return k;
}

static int count(void *arg, const struct dc__kyc *k)
{
	(void)k;
	(*(int *)arg)++;
	return DC_OK;
}

static void run(const char *target)
{
	struct dc_units *u = NULL;
	struct dc_store *s = NULL;
	struct dc__kyc k, got;
	char err[256];
	const char *me = "001199012345", *other = "001199054321";
	int64_t now = 1800000000000LL;
	assert_int_equal(dc_units_new(&u), 0);
	assert_int_equal(dc_store_open(target, u, &s, err, sizeof err), 0);

	k = make(s, me, now);
	assert_true(dc__kyc_id_ok(k.id, strlen(k.id)));
	assert_int_equal(dc__kyc_get(s, k.id, &got), 0);
	assert_string_equal(got.attributes, "name,dob");
	assert_string_equal(dc__kyc_state(&got, now), "pending");
	assert_string_equal(dc__kyc_state(&got, now + DC__KYC_TTL_MS), "expired");
	assert_int_equal(dc__kyc_get(s, "kyc_00000000000000000000000000000000", &got),
	                 DC_ERR_NOT_FOUND);

	/* Another citizen cannot decide; revoking a pending request is no revocation. */
	assert_int_equal(dc__kyc_decide(s, k.id, other, 1, now), DC_ERR_NOT_FOUND);
	assert_int_equal(dc__kyc_revoke(s, k.id, me, now), DC_ERR_CONFLICT);
	assert_int_equal(dc__kyc_decide(s, k.id, me, 1, now + 1000), 0);
	assert_int_equal(dc__kyc_decide(s, k.id, me, 1, now + 2000), DC_ERR_REPLAY);
	assert_int_equal(dc__kyc_decide(s, k.id, me, 0, now + 2000), DC_ERR_REPLAY);
	assert_int_equal(dc__kyc_get(s, k.id, &got), 0);
	assert_string_equal(dc__kyc_state(&got, now + 2000), "approved");
	assert_true(got.consent_expires_ms == now + 1000 + 30 * 86400000LL);
	assert_string_equal(dc__kyc_state(&got, got.consent_expires_ms), "expired");
	assert_int_equal(dc__kyc_count_release(s, k.id), 0);
	assert_int_equal(dc__kyc_revoke(s, k.id, other, now), DC_ERR_NOT_FOUND);
	assert_int_equal(dc__kyc_revoke(s, k.id, me, now + 3000), 0);
	assert_int_equal(dc__kyc_revoke(s, k.id, me, now + 4000), DC_ERR_CONFLICT);
	assert_int_equal(dc__kyc_get(s, k.id, &got), 0);
	assert_string_equal(dc__kyc_state(&got, now + 4000), "revoked");
	assert_int_equal(got.releases, 1);
	assert_true(got.revoked_ms == now + 3000);

	/* Declined, and too late. */
	k = make(s, me, now);
	assert_int_equal(dc__kyc_decide(s, k.id, me, 0, now), 0);
	assert_int_equal(dc__kyc_get(s, k.id, &got), 0);
	assert_string_equal(dc__kyc_state(&got, now), "declined");
	k = make(s, me, now);
	assert_int_equal(dc__kyc_decide(s, k.id, me, 1, now + DC__KYC_TTL_MS), DC_ERR_EXPIRED);

	int n = 0;
	make(s, other, now);
	assert_int_equal(dc__kyc_list(s, me, count, &n), 0);
	assert_int_equal(n, 3);
	dc_store_close(s);
	dc_units_free(u);
}

static void test_ids(void **st)
{
	assert_true(dc__kyc_id_ok("kyc_0123456789abcdef0123456789abcdef", 36));
	assert_false(dc__kyc_id_ok("kyc_0123456789ABCDEF0123456789abcdef", 36));
	assert_false(dc__kyc_id_ok("kyx_0123456789abcdef0123456789abcdef", 36));
	assert_false(dc__kyc_id_ok("kyc_0123456789abcdef0123456789abcde", 35));
	assert_false(dc__kyc_id_ok("kyc_0123456789abcdef0123456789abcde/", 36));
}

static void test_sqlite(void **st)
{
	char dir[256], path[300];
	dc_test_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/k.db", dir);
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
	        cmocka_unit_test(test_ids),
	        cmocka_unit_test(test_sqlite),
	        cmocka_unit_test(test_pg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
