/* Tests for src/residence/calendar.c: weekends, public holidays and
 * compensatory working Saturdays from the built-in data, an operator's
 * override file, and legal deadlines in (half) working days counted in
 * Vietnam's local time. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dancu/residence.h"
#include "lib/testlib.h"

static struct dc_calendar *cal;

static int setup(void **st)
{
	char err[256];
	return dc_calendar_load(NULL, &cal, err, sizeof err);
}

static int teardown(void **st)
{
	dc_calendar_free(cal);
	return 0;
}

static int workday(const char *iso)
{
	struct dc_date d;
	assert_int_equal(dc_date_parse(iso, strlen(iso), &d), 0);
	return dc_calendar_is_workday(cal, &d);
}

/* Unix ms of a local (UTC+7) time "YYYY-MM-DD HH:MM". */
static int64_t local_ms(const char *s)
{
	struct dc_date d;
	int h = 0, m = 0;
	assert_int_equal(dc_date_parse(s, 10, &d), 0);
	assert_int_equal(sscanf(s + 11, "%d:%d", &h, &m), 2);
	return (dc_date_to_days(&d) * 86400 + h * 3600 + m * 60 - 7 * 3600) * 1000LL;
}

static void assert_local(int64_t ms, const char *want)
{
	time_t t = (time_t)(ms / 1000 + 7 * 3600);
	struct tm tm;
	char got[32];
	gmtime_r(&t, &tm);
	strftime(got, sizeof got, "%Y-%m-%d %H:%M", &tm);
	assert_string_equal(got, want);
}

static void test_weekends_and_holidays(void **st)
{
	assert_true(workday("2026-11-23"));  /* Monday */
	assert_false(workday("2026-11-22")); /* Sunday */
	assert_false(workday("2026-11-21")); /* Saturday */
	assert_false(workday("2026-02-17")); /* Tết 2026 */
	assert_false(workday("2026-04-30"));
	assert_false(workday("2026-05-01"));
	assert_false(workday("2026-09-02"));
	assert_false(workday("2025-01-01"));
	assert_true(workday("2025-04-26"));  /* a Saturday made a working day */
	assert_false(workday("2025-05-02")); /* the Friday it paid for */
	assert_true(workday("2026-02-23"));  /* back after Tết */
}

static void test_deadlines(void **st)
{
	/* 3 working days from Friday before Tết: the holiday week does not count. */
	assert_local(dc_calendar_deadline(cal, local_ms("2026-02-13 10:00"), 6),
	             "2026-02-25 17:00");
	/* 7 working days (permanent registration) from a Monday. */
	assert_local(dc_calendar_deadline(cal, local_ms("2026-11-23 09:00"), 14),
	             "2026-12-02 17:00");
	/* Half a working day: noon of the next working day. */
	assert_local(dc_calendar_deadline(cal, local_ms("2026-11-27 16:30"), 1),
	             "2026-11-30 12:00");
	/* 1 working day from a Saturday. */
	assert_local(dc_calendar_deadline(cal, local_ms("2026-11-21 08:00"), 2),
	             "2026-11-23 17:00");
	/* 0: the end of the day of receipt, or of the next working day. */
	assert_local(dc_calendar_deadline(cal, local_ms("2026-11-23 08:00"), 0),
	             "2026-11-23 17:00");
	assert_local(dc_calendar_deadline(cal, local_ms("2026-11-22 08:00"), 0),
	             "2026-11-23 17:00");
	/* Local midnight: 23:30 UTC on Sunday is Monday 06:30 in Vietnam. */
	assert_local(dc_calendar_deadline(cal, local_ms("2026-11-23 06:30"), 2),
	             "2026-11-24 17:00");
	/* Each kind's time limit is positive and in half days. */
	for (int k = 0; k < DC_DOSSIER_NKINDS; k++)
		assert_true(dc_dossier_kind_half_days((enum dc_dossier_kind)k) > 0);
	assert_int_equal(dc_dossier_kind_half_days(DC_DOSSIER_perm_register), 14);
}

static void test_override_file(void **st)
{
	char dir[256], path[300], err[256];
	struct dc_calendar *c2 = NULL;
	dc_test_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/holidays.csv", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("date,kind,name\n2026-11-24,holiday,a storm day\n2026-11-28,workday,make-up day\n",
	      f);
	fclose(f);
	assert_int_equal(dc_calendar_load(path, &c2, err, sizeof err), 0);
	struct dc_date d = {2026, 11, 24};
	assert_false(dc_calendar_is_workday(c2, &d));
	d.day = 28;
	assert_true(dc_calendar_is_workday(c2, &d));
	dc_calendar_free(c2);
	f = fopen(path, "w");
	fputs("date,kind,name\n2026-11-24,storm,x\n", f);
	fclose(f);
	assert_int_equal(dc_calendar_load(path, &c2, err, sizeof err), DC_ERR_INVALID);
	assert_non_null(strstr(err, "line 2"));
	snprintf(path, sizeof path, "%s/missing.csv", dir);
	assert_int_equal(dc_calendar_load(path, &c2, err, sizeof err), DC_ERR_IO);
}

static void test_kind_names(void **st)
{
	enum dc_dossier_kind k;
	enum dc_dossier_state s;
	assert_int_equal(dc_dossier_kind_parse("temp_extend", &k), 0);
	assert_string_equal(dc_dossier_kind_tthc(k), "1.002755");
	assert_int_equal(dc_dossier_kind_parse("move", &k), DC_ERR_INVALID);
	assert_int_equal(dc_dossier_kind_parse(NULL, &k), DC_ERR_INVALID);
	assert_int_equal(dc_dossier_state_parse("supplement", &s), 0);
	assert_string_equal(dc_dossier_state_name(s), "supplement");
	assert_int_equal(dc_dossier_state_parse("done", &s), DC_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_weekends_and_holidays),
	        cmocka_unit_test(test_deadlines),
	        cmocka_unit_test(test_override_file),
	        cmocka_unit_test(test_kind_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
