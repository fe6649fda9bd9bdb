/* Tests for src/residence/stay.c: the 23:00 / 08:00 deadline rule and the
 * local-time parser, on SQLite: a report of arrivals and departures, late
 * and unknown guests flagged, bad items rejected one by one, the overview. */
#include <stdio.h>
#include <string.h>

#include "dancu/audit.h"
#include "dancu/db.h"
#include "dancu/stay.h"
#include "dancu/store.h"
#include "dancu/units.h"
#include "lib/testlib.h"

static int64_t T(const char *s)
{
	int64_t ms = 0;
	assert_int_equal(dc_stay_parse_time(s, &ms), 0);
	return ms;
}

static void test_deadline_rule(void **st)
{
	/* Before 23:00 → 23:00 the same day; at or after → 08:00 the next. */
	assert_int_equal(dc_stay_deadline(T("2026-11-22T14:00")), T("2026-11-22T23:00"));
	assert_int_equal(dc_stay_deadline(T("2026-11-22T22:59")), T("2026-11-22T23:00"));
	assert_int_equal(dc_stay_deadline(T("2026-11-22T23:00")), T("2026-11-23T08:00"));
	assert_int_equal(dc_stay_deadline(T("2026-11-22T23:45")), T("2026-11-23T08:00"));
	assert_int_equal(dc_stay_deadline(T("2026-11-23T00:30")), T("2026-11-23T23:00"));
	/* New Year's Eve crosses the year. */
	assert_int_equal(dc_stay_deadline(T("2026-12-31T23:30")), T("2027-01-01T08:00"));
}

static void test_parse_time(void **st)
{
	assert_int_equal(T("2026-11-22T07:00:00+07:00"), T("2026-11-22T00:00Z"));
	assert_int_equal(T("2026-11-22T07:00"), T("2026-11-22T00:00:00Z"));
	assert_int_equal(T("2026-11-22T02:00-05:00"), T("2026-11-22T07:00Z"));
	static const char *bad[] = {"",
	                            "2026-11-22",
	                            "2026-11-22 07:00",
	                            "2026-11-22T24:00",
	                            "2026-11-22T07:60",
	                            "2026-02-30T07:00",
	                            "2026-11-22T07:00+7",
	                            "2026-11-22T07:00Zx",
	                            "2026-11-22T07:00:61"};
	int64_t ms;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(dc_stay_parse_time(bad[i], &ms), DC_ERR_INVALID);
	assert_int_equal(dc_stay_parse_time(NULL, &ms), DC_ERR_INVALID);
}

static void report_on(const char *path)
{
	char err[256];
	struct dc_units *u = NULL;
	struct dc_store *s = NULL;
	assert_int_equal(dc_units_new(&u), 0);
	assert_int_equal(dc_store_open(path, u, &s, err, sizeof err), 0);
	struct dc_business b = {"ks.hoa.binh", "Khách sạn Hoà Bình", "00004", "hotel", 0};
	int brc = dc_business_add(s, u, &b, "admin", err, sizeof err);
	if (brc)
		fprintf(stderr, "business_add: %s\n", dc_store_errmsg(s));
	assert_int_equal(brc, 0);
	assert_int_equal(dc_business_add(s, u, &b, "admin", err, sizeof err), DC_ERR_CONFLICT);
	struct dc_business bad = b;
	snprintf(bad.id, sizeof bad.id, "Bad Id");
	assert_int_equal(dc_business_add(s, u, &bad, "admin", err, sizeof err), DC_ERR_INVALID);
	snprintf(bad.id, sizeof bad.id, "x");
	snprintf(bad.commune, sizeof bad.commune, "99999");
	assert_int_equal(dc_business_add(s, u, &bad, "admin", err, sizeof err), DC_ERR_INVALID);

	int64_t now = T("2026-11-22T23:30");
	const char *items =
	        "[{\"event\":\"arrival\",\"pin\":\"001099000001\",\"name\":\"Nguyễn Văn A\","
	        "\"at\":\"2026-11-22T21:00\",\"room\":\"101\"},"
	        "{\"event\":\"arrival\",\"passport\":\"X1234567\",\"nationality\":\"FR\","
	        "\"name\":\"Jean Dupont\",\"at\":\"2026-11-22T23:10\"},"
	        "{\"event\":\"arrival\",\"pin\":\"12345\",\"at\":\"2026-11-22T21:00\"},"
	        "{\"event\":\"arrival\",\"passport\":\"Y1\",\"at\":\"2026-11-22T21:00\"},"
	        "{\"event\":\"arrival\",\"pin\":\"001099000002\",\"at\":\"2026-11-23T21:00\"},"
	        "{\"event\":\"departure\",\"pin\":\"001099000003\",\"at\":\"2026-11-22T22:00\"},"
	        "{\"event\":\"checkin\",\"pin\":\"001099000001\",\"at\":\"2026-11-22T21:00\"}]";
	struct dc_buf out = DC_BUF_INIT;
	int recorded = 0;
	assert_int_equal(dc_stay_report(s, &b, items, strlen(items), now, "t-1", &out, &recorded,
	                                err, sizeof err),
	                 0);
	assert_int_equal(recorded, 2);
	const char *r = dc_buf_str(&out);
	/* 21:00 reported at 23:30: late; 23:10 reported at 23:30: on time. */
	assert_non_null(strstr(r,
	                       "{\"index\":0,\"status\":\"recorded\",\"stay_id\":1,\"late\":true,"
	                       "\"in_register\":false}"));
	assert_non_null(strstr(r,
	                       "{\"index\":1,\"status\":\"recorded\",\"stay_id\":2,\"late\":false,"
	                       "\"in_register\":null}"));
	assert_non_null(strstr(r, "{\"index\":2,\"status\":\"rejected\""));
	assert_non_null(strstr(r, "{\"index\":3,\"status\":\"rejected\""));
	assert_non_null(strstr(r, "\"at is in the future\""));
	assert_non_null(strstr(r, "\"no open stay of this guest at this business\""));
	assert_non_null(strstr(r, "\"event must be arrival or departure\""));

	/* The departure closes the open stay. */
	dc_buf_reset(&out);
	items = "[{\"event\":\"departure\",\"pin\":\"001099000001\",\"at\":\"2026-11-22T23:20\"}]";
	assert_int_equal(dc_stay_report(s, &b, items, strlen(items), now, NULL, &out, &recorded,
	                                err, sizeof err),
	                 0);
	assert_int_equal(recorded, 1);
	dc_buf_reset(&out);
	assert_int_equal(dc_stay_overview(s, "00004", NULL, "2026-11-22", 0, 10, &out), 0);
	r = dc_buf_str(&out);
	assert_non_null(
	        strstr(r, "\"count\":2,\"late\":1,\"late_rate\":0.5000,\"not_in_register\":1"));
	assert_non_null(strstr(r, "\"departed\":true"));
	dc_buf_reset(&out);
	assert_int_equal(dc_stay_overview(s, "00007", NULL, "2026-11-22", 0, 10, &out), 0);
	assert_non_null(strstr(dc_buf_str(&out), "\"count\":0"));

	/* Not an array, empty, too many: refused whole, nothing written. */
	const char *whole[] = {"{}", "[]", "[1", "\"x\""};
	for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++)
		assert_int_equal(dc_stay_report(s, &b, whole[i], strlen(whole[i]), now, NULL, &out,
		                                &recorded, err, sizeof err),
		                 DC_ERR_INVALID);
	struct dc_buf big = DC_BUF_INIT;
	dc_buf_addc(&big, '[');
	for (int i = 0; i <= DC_STAY_MAX_BATCH; i++)
		dc_buf_addf(&big, "%s{}", i ? "," : "");
	dc_buf_addc(&big, ']');
	assert_int_equal(dc_stay_report(s, &b, big.ptr, big.len, now, NULL, &out, &recorded, err,
	                                sizeof err),
	                 DC_ERR_INVALID);
	dc_buf_release(&big);
	/* The hotel's reports are in the guests' data trackers. */
	int64_t checked = 0;
	assert_int_equal(dc_audit_verify(s, NULL, NULL, &checked), 0);
	assert_true(checked >= 3);
	dc_buf_release(&out);
	dc_store_close(s);
	dc_units_free(u);
}

static void test_report_sqlite(void **st)
{
	char dir[256], path[300];
	dc_test_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/stay.db", dir);
	report_on(path);
}

static void test_report_pg(void **st)
{
	char conninfo[512];
	if (dc_test_pg_fresh(conninfo, sizeof conninfo))
		skip();
	report_on(conninfo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_deadline_rule),
	        cmocka_unit_test(test_parse_time),
	        cmocka_unit_test(test_report_sqlite),
	        cmocka_unit_test(test_report_pg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
