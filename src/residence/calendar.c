/*
 * calendar.c — working days for legal deadlines.
 *
 * A working day is Monday to Friday, minus public holidays, plus the
 * Saturdays the government declares working days in exchange for a bridge
 * day off. Holidays move every year (Tết and the Hùng Kings' day follow the
 * lunar calendar, and bridge days are announced late), so they are data:
 * data/holidays-vn.csv, embedded at build time, overridable by an
 * operator's file. Dates are local (Vietnam, UTC+7, no daylight saving).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/csv.h"
#include "dancu/residence.h"

#include "core/internal.h"

extern const unsigned char dc__holidays_csv[];
extern const size_t dc__holidays_csv_len;

#define LOCAL_OFFSET_MS (7 * 3600 * 1000LL)
#define DAY_MS (86400 * 1000LL)

struct day {
	int64_t days; /* since 1970-01-01 */
	int workday;  /* 1 = declared working day, 0 = holiday */
};

struct dc_calendar {
	struct day *v;
	size_t n, cap;
};

static int set_day(struct dc_calendar *cal, int64_t days, int workday)
{
	for (size_t i = 0; i < cal->n; i++)
		if (cal->v[i].days == days) {
			cal->v[i].workday = workday; /* a later file overrides */
			return DC_OK;
		}
	if (cal->n == cal->cap) {
		size_t cap = cal->cap ? cal->cap * 2 : 64;
		struct day *nv = realloc(cal->v, cap * sizeof *nv);
		if (!nv)
			return DC_ERR_NOMEM;
		cal->v = nv;
		cal->cap = cap;
	}
	cal->v[cal->n].days = days;
	cal->v[cal->n].workday = workday;
	cal->n++;
	return DC_OK;
}

static int by_day(const void *a, const void *b)
{
	const struct day *x = a, *y = b;
	return (x->days > y->days) - (x->days < y->days);
}

static int load_rows(struct dc_calendar *cal, struct dc_csv *r, const char *what, char *err,
                     size_t errlen)
{
	struct dc_csv_row row;
	int rc, first = 1;
	while ((rc = dc_csv_next(r, &row)) == 1) {
		if (first && row.nfields && !strcmp(row.fields[0], "date")) {
			first = 0;
			continue; /* header */
		}
		first = 0;
		struct dc_date d;
		if (row.nfields < 2 || dc_date_parse(row.fields[0], row.lens[0], &d) || !d.day ||
		    (strcmp(row.fields[1], "holiday") && strcmp(row.fields[1], "workday"))) {
			snprintf(err, errlen,
			         "%s line %llu: expected date (YYYY-MM-DD),holiday|workday,name",
			         what, (unsigned long long)row.line);
			return DC_ERR_INVALID;
		}
		if ((rc = set_day(cal, dc_date_to_days(&d), !strcmp(row.fields[1], "workday"))))
			return rc;
	}
	if (rc < 0)
		snprintf(err, errlen, "%s line %llu: %s", what, (unsigned long long)row.line,
		         dc_csv_errmsg(r));
	return rc < 0 ? rc : DC_OK;
}

int dc_calendar_load(const char *path, struct dc_calendar **out, char *err, size_t errlen)
{
	struct dc_calendar *cal = calloc(1, sizeof *cal);
	struct dc_csv *r = NULL;
	int rc = DC_OK;
	FILE *f = NULL;
	*out = NULL;
	if (!cal)
		return DC_ERR_NOMEM;
	rc = dc_csv_open_mem(dc__holidays_csv, dc__holidays_csv_len, &r);
	if (rc == DC_OK)
		rc = load_rows(cal, r, "built-in holidays", err, errlen);
	dc_csv_free(r);
	r = NULL;
	if (rc == DC_OK && path) {
		f = fopen(path, "rb");
		if (!f) {
			snprintf(err, errlen, "cannot open the holiday file %s", path);
			rc = DC_ERR_IO;
		}
		if (rc == DC_OK)
			rc = dc_csv_open_fd(fileno(f), &r);
		if (rc == DC_OK)
			rc = load_rows(cal, r, path, err, errlen);
	}
	dc_csv_free(r);
	if (f)
		fclose(f);
	if (rc) {
		dc_calendar_free(cal);
		return rc;
	}
	qsort(cal->v, cal->n, sizeof *cal->v, by_day);
	*out = cal;
	return DC_OK;
}

void dc_calendar_free(struct dc_calendar *cal)
{
	if (!cal)
		return;
	free(cal->v);
	free(cal);
}

static int workday(const struct dc_calendar *cal, int64_t days)
{
	struct day key = {days, 0};
	const struct day *d = bsearch(&key, cal->v, cal->n, sizeof *cal->v, by_day);
	if (d)
		return d->workday;
	int dow = (int)(((days + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday; 0 = Sunday */
	return dow >= 1 && dow <= 5;
}

int dc_calendar_is_workday(const struct dc_calendar *cal, const struct dc_date *d)
{
	return workday(cal, dc_date_to_days(d));
}

int64_t dc_calendar_deadline(const struct dc_calendar *cal, int64_t at_ms, int half_days)
{
	int64_t local = at_ms + LOCAL_OFFSET_MS;
	int64_t day = local >= 0 ? local / DAY_MS : (local - DAY_MS + 1) / DAY_MS;
	int end_hour = 17;
	if (half_days <= 0) {
		while (!workday(cal, day))
			day++;
	} else {
		int whole = (half_days + 1) / 2; /* working days to count */
		end_hour = half_days % 2 ? 12 : 17;
		while (whole > 0) {
			day++;
			if (workday(cal, day))
				whole--;
		}
	}
	return day * DAY_MS + end_hour * 3600 * 1000LL - LOCAL_OFFSET_MS;
}
