/*
 * report.c — the register summary. Aggregates run in SQL (GROUP BY on the
 * commune code and the birth year, which both back ends index or scan
 * cheaply); communes are rolled up to provinces in C through the reference
 * tables, because the commune code does not encode its province.
 */
#include <stdlib.h>
#include <string.h>

#include "dancu/db.h"
#include "dancu/report.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "core/internal.h"

static int scalar(struct dc_db *db, const char *sql, int64_t *out)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(db, sql, &st);
	if (rc == DC_OK) {
		rc = dc_stmt_step(st);
		*out = rc == DC_ROW ? dc_stmt_int64(st, 0) : 0;
		rc = rc < 0 ? rc : DC_OK;
	}
	dc_stmt_finalize(st);
	return rc;
}

/* Appends {"key":count,...} from a two-column (text, count) query. */
static int grouped(struct dc_db *db, const char *sql, struct dc_buf *out)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(db, sql, &st);
	int first = 1;
	dc_buf_addc(out, '{');
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		size_t n;
		const char *k = dc_stmt_text(st, 0, &n);
		dc_buf_adds(out, first ? "\"" : ",\"");
		dc_buf_add_json_str(out, k ? k : "", k ? n : 0);
		dc_buf_addf(out, "\":%lld", (long long)dc_stmt_int64(st, 1));
		first = 0;
		rc = DC_OK;
	}
	dc_buf_addc(out, '}');
	dc_stmt_finalize(st);
	return rc < 0 ? rc : DC_OK;
}

static int by_province(struct dc_db *db, const struct dc_units *u, struct dc_buf *out)
{
	size_t np = dc_units_nprovinces(u);
	int64_t *counts = calloc(np + 1, sizeof(*counts));
	struct dc_stmt *st = NULL;
	int rc = counts ? dc_db_prepare(db,
	                                "SELECT perm_commune, count(*) FROM citizen WHERE status = "
	                                "'alive' "
	                                "GROUP BY perm_commune",
	                                &st)
	                : DC_ERR_NOMEM;
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		size_t n;
		const char *code = dc_stmt_text(st, 0, &n);
		const struct dc_commune *c = code ? dc_units_commune(u, code, n) : NULL;
		size_t idx = np; /* unknown / none */
		for (size_t i = 0; c && i < np; i++)
			if (!memcmp(dc_units_province_at(u, i)->code, c->province_code, 2))
				idx = i;
		counts[idx] += dc_stmt_int64(st, 1);
		rc = DC_OK;
	}
	if (rc >= 0) {
		rc = DC_OK;
		dc_buf_addc(out, '[');
		for (size_t i = 0; i < np; i++) {
			const struct dc_province *p = dc_units_province_at(u, i);
			dc_buf_addf(out, "%s{\"code\":\"%s\",\"name\":\"", i ? "," : "", p->code);
			dc_buf_add_json_str(out, p->name, strlen(p->name));
			dc_buf_addf(out, "\",\"alive\":%lld}", (long long)counts[i]);
		}
		dc_buf_addf(out, "],\"alive_without_permanent_residence\":%lld",
		            (long long)counts[np]);
	}
	dc_stmt_finalize(st);
	free(counts);
	return rc;
}

static int age_bands(struct dc_db *db, const struct dc_date *today, struct dc_buf *out)
{
	/* Bands by birth year: exact enough for a summary, and one GROUP BY. */
	static const int edges[] = {0, 6, 14, 18, 25, 40, 60, 80};
	int64_t counts[DC_ARRAY_LEN(edges)] = {0};
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(
	        db,
	        "SELECT CAST(substr(dob, 1, 4) AS INTEGER) AS y, count(*) FROM citizen "
	        "WHERE status = 'alive' GROUP BY y",
	        &st);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		int64_t age = today->year - dc_stmt_int64(st, 0);
		size_t band = 0;
		for (size_t i = 0; i < DC_ARRAY_LEN(edges); i++)
			if (age >= edges[i])
				band = i;
		counts[band] += dc_stmt_int64(st, 1);
		rc = DC_OK;
	}
	if (rc >= 0) {
		rc = DC_OK;
		dc_buf_addc(out, '{');
		for (size_t i = 0; i < DC_ARRAY_LEN(edges); i++) {
			if (i + 1 < DC_ARRAY_LEN(edges))
				dc_buf_addf(out, "%s\"%d-%d\":%lld", i ? "," : "", edges[i],
				            edges[i + 1] - 1, (long long)counts[i]);
			else
				dc_buf_addf(out, ",\"%d+\":%lld", edges[i], (long long)counts[i]);
		}
		dc_buf_addc(out, '}');
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc_report_summary(struct dc_store *s, const struct dc_units *u, const struct dc_date *today,
                      struct dc_buf *out)
{
	struct dc_db *db = dc_store_db(s);
	int64_t total = 0, households = 0, events = 0;
	int rc = scalar(db, "SELECT count(*) FROM citizen", &total);
	if (rc == DC_OK)
		rc = scalar(db,
		            "SELECT count(DISTINCT household_id) FROM citizen WHERE household_id "
		            "IS NOT "
		            "NULL",
		            &households);
	if (rc == DC_OK)
		rc = scalar(db, "SELECT count(*) FROM event", &events);
	if (rc)
		return rc;
	dc_buf_addf(out,
	            "{\"backend\":\"%s\",\"citizens\":%lld,\"households\":%lld,\"events\":%lld,"
	            "\"by_status\":",
	            dc_store_backend(s), (long long)total, (long long)households,
	            (long long)events);
	rc = grouped(db, "SELECT status, count(*) FROM citizen GROUP BY status ORDER BY status",
	             out);
	if (rc == DC_OK) {
		dc_buf_adds(out, ",\"by_sex\":");
		rc = grouped(
		        db,
		        "SELECT sex, count(*) FROM citizen WHERE status = 'alive' GROUP BY sex "
		        "ORDER BY sex",
		        out);
	}
	if (rc == DC_OK) {
		dc_buf_adds(out, ",\"age_bands\":");
		rc = age_bands(db, today, out);
	}
	if (rc == DC_OK) {
		dc_buf_adds(out, ",\"by_province\":");
		rc = by_province(db, u, out);
	}
	dc_buf_addc(out, '}');
	return rc ? rc : dc_buf_error(out);
}
