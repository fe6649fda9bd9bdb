/*
 * dancu/search.h — finding citizens by name, date of birth and commune,
 * the way an officer at a counter asks: "Nguyễn Văn An, born 1990, in this
 * ward" — with or without diacritics, tone marks placed either way, a
 * middle name missing, a birth date known only to the year.
 *
 * A search needs a commune or a full date of birth besides the name: the
 * candidates come from the index on the commune of permanent residence or on
 * the date of birth (a commune holds tens of thousands of people, a date of
 * birth nationally a few thousand), and the names are compared with
 * dc_name_compare. Results are ranked: exact, then normalised, then
 * without diacritics, then partial; within a rank, a date of birth known to
 * the day first; then by number.
 */
#ifndef DANCU_SEARCH_H
#define DANCU_SEARCH_H

#include <stddef.h>

#include "dancu/date.h"
#include "dancu/text.h"

struct dc_store;
struct dc_units;

struct dc_search_query {
	const char *name;     /* required: a full or partial name */
	struct dc_date dob;   /* optional: year, year-month or full date (0 = none) */
	const char *commune;  /* optional: commune of permanent residence (5 digits) */
	const char *province; /* optional: keep only communes of this province (2 digits) */
	int limit;            /* 1..200 (0 = 50) */
	int offset;           /* results to skip (paging) */
};

struct dc_search_hit {
	char pin[13];
	char birth_name[201];
	char dob[11];
	char sex[2];
	char status[8];
	char commune[6];
	enum dc_name_match match;
};

/* Runs q. DC_ERR_INVALID when the name is not a name or neither a commune
 * nor a full date of birth is given. Calls cb for each hit of the page in
 * rank order (the hit is borrowed for the call); *total gets the number of
 * matching citizens (all pages). */
int dc_search(struct dc_store *s, const struct dc_units *u, const struct dc_search_query *q,
              int (*cb)(void *arg, const struct dc_search_hit *h), void *arg, size_t *total);

#endif
