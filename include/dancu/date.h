/*
 * dancu/date.h — calendar dates with partial precision.
 *
 * Registers hold dates known only to the year ("1948") or to the month
 * ("1948-07") as well as full dates. struct dc_date keeps the precision:
 * month == 0 means year only; day == 0 means year and month. A zero year
 * means "no date". Dates are proleptic Gregorian, years 1..9999, and carry no
 * time zone: they are civil dates in Vietnam.
 *
 * All functions are pure and thread-safe.
 */
#ifndef DANCU_DATE_H
#define DANCU_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dc_date {
	int16_t year; /* 1..9999, 0 = no date */
	int8_t month; /* 1..12, 0 = unknown */
	int8_t day;   /* 1..31, 0 = unknown */
};

enum dc_date_precision { DC_DATE_NONE = 0, DC_DATE_YEAR, DC_DATE_MONTH, DC_DATE_DAY };

/* Parses an ISO form "YYYY", "YYYY-MM" or "YYYY-MM-DD", or the Vietnamese
 * forms "DD/MM/YYYY" and "DDMMYYYY" (QR codes, DG13), or "MM/YYYY".
 * n bytes at s, no NUL needed. Rejects impossible dates (31/02/2000).
 * Returns DC_OK or DC_ERR_INVALID. An empty input gives DC_ERR_INVALID. */
int dc_date_parse(const char *s, size_t n, struct dc_date *out);

/* Writes the ISO form ("YYYY", "YYYY-MM", "YYYY-MM-DD") into out, which must
 * hold DC_DATE_ISO_MAX bytes. An empty date gives "". Returns the length. */
#define DC_DATE_ISO_MAX 11
size_t dc_date_iso(const struct dc_date *d, char out[DC_DATE_ISO_MAX]);

enum dc_date_precision dc_date_precision(const struct dc_date *d);

/* true when d is empty or a valid date of its precision. */
bool dc_date_valid(const struct dc_date *d);

/* Days in month m of year y (0 for a bad month). */
int dc_date_days_in_month(int y, int m);

/* Days since 1970-01-01 of a full date (unknown month/day count as 1). */
int64_t dc_date_to_days(const struct dc_date *d);

/* The full date of a day count since 1970-01-01. */
struct dc_date dc_date_from_days(int64_t days);

/* Today's date in Vietnam (UTC+7), from the system clock. */
struct dc_date dc_date_today(void);

/* Compares two dates as far as both are known: -1 when a is surely before b,
 * 1 when surely after, 0 when they may be the same day (equal, or one is less
 * precise and compatible: 1990 vs 1990-05-12). */
int dc_date_cmp(const struct dc_date *a, const struct dc_date *b);

/* Age in whole years on date `on` of a person born on `birth`. With a partial
 * birth date this is the smallest age the person can have (the safe bound for
 * "old enough" checks). -1 when `on` is before the birth date or either is
 * empty. */
int dc_date_age(const struct dc_date *birth, const struct dc_date *on);

#endif
