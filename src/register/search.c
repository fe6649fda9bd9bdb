/*
 * search.c — citizens by name + date of birth + commune (see dancu/search.h).
 *
 * Candidates are read through an index (commune of permanent residence, or
 * date of birth: the full date and the year/year-month forms a partial
 * record stores), compared in C, ranked, and paged. The candidate set is
 * capped (MAX_CANDIDATES) so that one search cannot scan the country.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/db.h"
#include "dancu/search.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "core/internal.h"
#include "store/schema.h"

#define MAX_CANDIDATES 200000
#define MAX_HITS 5000

static int rank_cmp(const void *a, const void *b)
{
	const struct dc_search_hit *x = a, *y = b;
	if (x->match != y->match)
		return (int)x->match - (int)y->match;
	size_t lx = strlen(x->dob), ly = strlen(y->dob);
	if (lx != ly)
		return lx > ly ? -1 : 1; /* a full date first */
	return strcmp(x->pin, y->pin);
}

static void copy(char *dst, size_t n, struct dc_stmt *st, int i)
{
	size_t len = 0;
	const char *v = dc_stmt_is_null(st, i) ? "" : dc_stmt_text(st, i, &len);
	snprintf(dst, n, "%.*s", (int)len, v);
}

int dc_search(struct dc_store *s, const struct dc_units *u, const struct dc_search_query *q,
              int (*cb)(void *arg, const struct dc_search_hit *h), void *arg, size_t *total)
{
	struct dc_stmt *st = NULL;
	struct dc_search_hit *hits = NULL;
	size_t nhits = 0, cap = 0, seen = 0;
	char iso[DC_DATE_ISO_MAX], year[16], ym[24];
	int rc = DC_OK;
	*total = 0;
	if (!q->name || !dc_text_is_name(q->name, strlen(q->name)))
		return DC_ERR_INVALID;
	int full = q->dob.year && q->dob.month && q->dob.day;
	if (!q->commune && !full)
		return DC_ERR_INVALID;
	dc_date_iso(&q->dob, iso);
	snprintf(year, sizeof year, "%04d", q->dob.year);
	snprintf(ym, sizeof ym, "%04d-%02d", q->dob.year, q->dob.month);
	const char *cols = "SELECT pin, birth_name, dob, sex, status, perm_commune FROM citizen ";
	char sql[512];
	if (full)
		/* The day, and the partial records that may be that day. */
		snprintf(sql, sizeof sql, "%sWHERE dob IN ($1, $2, $3)%s LIMIT %d", cols,
		         q->commune ? " AND perm_commune = $4" : "", MAX_CANDIDATES);
	else
		snprintf(sql, sizeof sql, "%sWHERE perm_commune = $1 LIMIT %d", cols,
		         MAX_CANDIDATES);
	rc = dc_db_prepare(dc_store_db(s), sql, &st);
	if (rc == DC_OK && full) {
		rc = dc_stmt_bind_str(st, 1, iso);
		if (rc == DC_OK)
			rc = dc_stmt_bind_str(st, 2, ym);
		if (rc == DC_OK)
			rc = dc_stmt_bind_str(st, 3, year);
		if (rc == DC_OK && q->commune)
			rc = dc_stmt_bind_str(st, 4, q->commune);
	} else if (rc == DC_OK) {
		rc = dc_stmt_bind_str(st, 1, q->commune);
	}
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		rc = DC_OK;
		size_t nlen = 0, dlen = 0;
		const char *name = dc_stmt_is_null(st, 1) ? "" : dc_stmt_text(st, 1, &nlen);
		const char *dob = dc_stmt_is_null(st, 2) ? "" : dc_stmt_text(st, 2, &dlen);
		/* A partial query date: the record's date must agree as far as both
		 * are known. */
		if (q->dob.year && !full) {
			struct dc_date d;
			if (dlen == 0 || dc_date_parse(dob, dlen, &d) ||
			    dc_date_cmp(&d, &q->dob) != 0)
				continue;
		}
		if (q->province) {
			size_t clen = 0;
			const char *cc = dc_stmt_is_null(st, 5) ? NULL : dc_stmt_text(st, 5, &clen);
			const struct dc_commune *c = cc ? dc_units_commune(u, cc, clen) : NULL;
			if (!c || strcmp(c->province_code, q->province))
				continue;
		}
		int m = dc_name_compare(q->name, strlen(q->name), name, nlen);
		if (m < 0 || m == DC_NAME_DIFFERENT)
			continue;
		seen++;
		if (nhits == MAX_HITS)
			continue; /* counted, not kept */
		if (nhits == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct dc_search_hit *nh = realloc(hits, ncap * sizeof *nh);
			if (!nh) {
				rc = DC_ERR_NOMEM;
				break;
			}
			hits = nh;
			cap = ncap;
		}
		struct dc_search_hit *h = &hits[nhits++];
		copy(h->pin, sizeof h->pin, st, 0);
		copy(h->birth_name, sizeof h->birth_name, st, 1);
		copy(h->dob, sizeof h->dob, st, 2);
		copy(h->sex, sizeof h->sex, st, 3);
		copy(h->status, sizeof h->status, st, 4);
		copy(h->commune, sizeof h->commune, st, 5);
		h->match = (enum dc_name_match)m;
	}
	dc_stmt_finalize(st);
	if (rc < 0)
		goto cleanup;
	rc = DC_OK;
	if (nhits) /* qsort with NULL is undefined even for zero elements */
		qsort(hits, nhits, sizeof *hits, rank_cmp);
	*total = seen;
	int limit = q->limit > 0 && q->limit <= 200 ? q->limit : 50;
	for (size_t i = (size_t)(q->offset > 0 ? q->offset : 0); i < nhits && limit > 0;
	     i++, limit--)
		if ((rc = cb(arg, &hits[i])))
			break;
cleanup:
	free(hits);
	return rc;
}

/* The index the date-of-birth searches read through. */
int dc__schema_search(enum dc__dialect d, struct dc_buf *o)
{
	(void)d;
	dc_buf_adds(o, "CREATE INDEX citizen_dob ON citizen (dob);\n");
	return dc_buf_error(o);
}
