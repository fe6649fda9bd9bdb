/*
 * date.c — calendar dates with partial precision (year, year-month, full).
 *
 * Day counts use the civil-from-days algorithm on the proleptic Gregorian
 * calendar, so no libc time functions (and their static state) are needed.
 * "Today" is the civil date in Vietnam (UTC+7, no daylight saving).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dancu/date.h"

#include "core/internal.h"

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int dc_date_days_in_month(int y, int m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12)
		return 0;
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

enum dc_date_precision dc_date_precision(const struct dc_date *d)
{
	if (d->year == 0)
		return DC_DATE_NONE;
	if (d->month == 0)
		return DC_DATE_YEAR;
	if (d->day == 0)
		return DC_DATE_MONTH;
	return DC_DATE_DAY;
}

bool dc_date_valid(const struct dc_date *d)
{
	if (d->year == 0)
		return d->month == 0 && d->day == 0;
	if (d->year < 1 || d->year > 9999)
		return false;
	if (d->month == 0)
		return d->day == 0;
	if (d->month < 1 || d->month > 12)
		return false;
	return d->day >= 0 && d->day <= dc_date_days_in_month(d->year, d->month);
}

/* Reads exactly n digits at s into *v. */
static int digits(const char *s, size_t n, int *v)
{
	unsigned long long x;
	if (dc_parse_uint(s, n, 99999, &x))
		return DC_ERR_INVALID;
	*v = (int)x;
	return DC_OK;
}

int dc_date_parse(const char *s, size_t n, struct dc_date *out)
{
	int y = 0, m = 0, d = 0;
	int rc = DC_ERR_INVALID;
	if (n == 4) { /* YYYY */
		if (digits(s, 4, &y))
			return rc;
	} else if (n == 7 && s[4] == '-') { /* YYYY-MM */
		if (digits(s, 4, &y) || digits(s + 5, 2, &m) || m == 0)
			return rc;
	} else if (n == 7 && s[2] == '/') { /* MM/YYYY */
		if (digits(s, 2, &m) || digits(s + 3, 4, &y) || m == 0)
			return rc;
	} else if (n == 10 && s[4] == '-' && s[7] == '-') { /* YYYY-MM-DD */
		if (digits(s, 4, &y) || digits(s + 5, 2, &m) || digits(s + 8, 2, &d))
			return rc;
		if (m == 0 || d == 0)
			return rc;
	} else if (n == 10 && s[2] == '/' && s[5] == '/') { /* DD/MM/YYYY */
		if (digits(s, 2, &d) || digits(s + 3, 2, &m) || digits(s + 6, 4, &y))
			return rc;
		if (m == 0 || d == 0)
			return rc;
	} else if (n == 8) { /* DDMMYYYY */
		if (digits(s, 2, &d) || digits(s + 2, 2, &m) || digits(s + 4, 4, &y))
			return rc;
		if (m == 0 || d == 0)
			return rc;
	} else {
		return rc;
	}
	if (y < 1)
		return rc;
	struct dc_date t = {(int16_t)y, (int8_t)m, (int8_t)d};
	if (!dc_date_valid(&t))
		return rc;
	*out = t;
	return DC_OK;
}

size_t dc_date_iso(const struct dc_date *d, char out[DC_DATE_ISO_MAX])
{
	int n;
	switch (dc_date_precision(d)) {
	case DC_DATE_YEAR:
		n = snprintf(out, DC_DATE_ISO_MAX, "%04d", d->year);
		break;
	case DC_DATE_MONTH:
		n = snprintf(out, DC_DATE_ISO_MAX, "%04d-%02d", d->year, d->month);
		break;
	case DC_DATE_DAY:
		n = snprintf(out, DC_DATE_ISO_MAX, "%04d-%02d-%02d", d->year, d->month, d->day);
		break;
	default:
		out[0] = '\0';
		n = 0;
	}
	return (size_t)n;
}

int64_t dc_date_to_days(const struct dc_date *d)
{
	/* Howard Hinnant's days_from_civil. */
	int64_t y = d->year;
	unsigned m = d->month ? (unsigned)d->month : 1;
	unsigned day = d->day ? (unsigned)d->day : 1;
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

struct dc_date dc_date_from_days(int64_t z)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	struct dc_date r = {(int16_t)(y + (m <= 2)), (int8_t)m, (int8_t)d};
	return r;
}

struct dc_date dc_date_today(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t secs = (int64_t)ts.tv_sec + 7 * 3600;
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	return dc_date_from_days(days);
}

int dc_date_cmp(const struct dc_date *a, const struct dc_date *b)
{
	if (a->year != b->year)
		return a->year < b->year ? -1 : 1;
	if (a->month == 0 || b->month == 0)
		return 0;
	if (a->month != b->month)
		return a->month < b->month ? -1 : 1;
	if (a->day == 0 || b->day == 0)
		return 0;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return 0;
}

int dc_date_age(const struct dc_date *birth, const struct dc_date *on)
{
	if (birth->year == 0 || on->year == 0)
		return -1;
	/* Smallest possible age: assume the latest birth date the precision
	 * allows and the earliest "on" date. */
	int bm = birth->month ? birth->month : 12;
	int bd = birth->day ? birth->day : dc_date_days_in_month(birth->year, bm);
	int om = on->month ? on->month : 1;
	int od = on->day ? on->day : 1;
	int age = on->year - birth->year;
	if (om < bm || (om == bm && od < bd))
		age--;
	if (age < 0) {
		/* Born in the same year but later than `on`'s earliest day: say
		 * 0 when the dates may be the same day, else before birth. */
		return dc_date_cmp(birth, on) > 0 ? -1 : 0;
	}
	return age;
}
