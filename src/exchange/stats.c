/*
 * stats.c — dashboard figures computed live (dancu/stats.h).
 *
 * Each section is one grouped SQL query; a section is a table of rows
 * (strings and integers) written as JSON objects or CSV. Rates are written
 * with four decimals next to the counts they come from, so a reader can
 * check them. Grouping by province for cards goes through the commune →
 * province table (units), which the database does not hold.
 *
 * Cost: every figure is a full aggregate over its table. The counts over
 * small tables (accounts, dossiers, usage, stays by day) are cheap; the
 * two over the citizen table (cards per province joins it, quality scans
 * it) are linear in the population: see docs/PERFORMANCE.md.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dancu/buf.h"
#include "dancu/db.h"
#include "dancu/stats.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "core/internal.h"

#define MAXC 8

struct table {
	char names[256]; /* the column names, split in place */
	const char *cols[MAXC];
	int ncols;
	int csv;
	int nrows;
	struct dc_buf *out;
};

/* Writes one row: types 's' text, 'i' int64, 'r' a rate from two int64s. */
static void row(struct table *t, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	if (!t->csv)
		dc_buf_adds(t->out, t->nrows ? ",{" : "{");
	for (int i = 0; types[i]; i++) {
		if (t->csv)
			dc_buf_adds(t->out, i ? "," : "");
		else
			dc_buf_addf(t->out, "%s\"%s\":", i ? "," : "", t->cols[i]);
		if (types[i] == 's') {
			const char *v = va_arg(ap, const char *);
			v = v ? v : "";
			if (t->csv) {
				dc_buf_addc(t->out, '"');
				for (const char *p = v; *p; p++)
					dc_buf_add(t->out, *p == '"' ? "\"\"" : p,
					           *p == '"' ? 2 : 1);
				dc_buf_addc(t->out, '"');
			} else {
				dc_buf_addc(t->out, '"');
				dc_buf_add_json_str(t->out, v, strlen(v));
				dc_buf_addc(t->out, '"');
			}
		} else if (types[i] == 'i') {
			dc_buf_addf(t->out, "%lld", (long long)va_arg(ap, int64_t));
		} else {
			int64_t a = va_arg(ap, int64_t), b = va_arg(ap, int64_t);
			dc_buf_addf(t->out, "%.4f", b ? (double)a / (double)b : 0.0);
		}
	}
	dc_buf_adds(t->out, t->csv ? "\r\n" : "}");
	t->nrows++;
	va_end(ap);
}

static void begin(struct table *t, const char *cols)
{
	char *save = NULL;
	snprintf(t->names, sizeof t->names, "%s", cols);
	t->ncols = 0;
	for (char *c = strtok_r(t->names, ",", &save); c && t->ncols < MAXC;
	     c = strtok_r(NULL, ",", &save))
		t->cols[t->ncols++] = c;
	t->nrows = 0;
	if (t->csv) {
		dc_buf_adds(t->out, cols);
		dc_buf_adds(t->out, "\r\n");
	} else {
		dc_buf_addc(t->out, '[');
	}
}

static void end(struct table *t)
{
	if (!t->csv)
		dc_buf_addc(t->out, ']');
}

static int query(struct dc_store *s, const char *sql, struct dc_stmt **st)
{
	return dc_db_prepare(dc_store_db(s), sql, st);
}

static int cards(struct dc_store *s, const struct dc_units *u, struct table *t)
{
	struct dc_stmt *st = NULL;
	int64_t per[100] = {0};
	begin(t, "province,name,cards_issued");
	int rc = query(s,
	               /* CROSS JOIN: SQLite keeps this order, cards first (else it
	                * may walk every citizen); PostgreSQL plans an inner join. */
	               "SELECT c.perm_commune, count(*) FROM card k CROSS JOIN citizen c WHERE "
	               "c.pin = k.pin AND k.issued IS NOT NULL AND c.perm_commune IS NOT NULL "
	               "GROUP BY c.perm_commune",
	               &st);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		const char *cm = dc_stmt_text(st, 0, NULL);
		const struct dc_commune *c = cm ? dc_units_commune(u, cm, strlen(cm)) : NULL;
		unsigned long long p = 0;
		if (c && !dc_parse_uint(c->province_code, 2, 99, &p))
			per[p] += dc_stmt_int64(st, 1);
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	for (int p = 1; p < 100; p++)
		if (per[p]) {
			char code[3] = {(char)('0' + p / 10), (char)('0' + p % 10), '\0'};
			const struct dc_province *pv = dc_units_province(u, code, 2);
			row(t, "ssi", code, pv ? pv->name : "", per[p]);
		}
	end(t);
	return rc == DC_DONE ? DC_OK : rc;
}

static int eid(struct dc_store *s, struct table *t)
{
	struct dc_stmt *st = NULL;
	begin(t, "collected,approved,activated,activation_rate");
	int rc = query(s,
	               "SELECT count(*), coalesce(sum(CASE WHEN state IN ('approved', 'active', "
	               "'locked') THEN 1 ELSE 0 END), 0), coalesce(sum(CASE WHEN state IN "
	               "('active', 'locked') THEN 1 ELSE 0 END), 0) FROM eid_account",
	               &st);
	if (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		int64_t act = dc_stmt_int64(st, 2), appr = dc_stmt_int64(st, 1);
		row(t, "iiir", dc_stmt_int64(st, 0), appr, act, act, appr);
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	end(t);
	return rc;
}

static int dossiers(struct dc_store *s, struct table *t)
{
	struct dc_stmt *st = NULL;
	begin(t, "service,online,offline,online_share");
	int rc =
	        query(s,
	              "SELECT service, coalesce(sum(CASE WHEN channel = 'online' THEN 1 ELSE 0 "
	              "END), 0), coalesce(sum(CASE WHEN channel = 'offline' THEN 1 ELSE 0 END), 0) "
	              "FROM svc_dossier WHERE parent IS NULL GROUP BY service ORDER BY service",
	              &st);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		int64_t on = dc_stmt_int64(st, 1), off = dc_stmt_int64(st, 2);
		row(t, "siir", dc_stmt_text(st, 0, NULL), on, off, on, on + off);
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	end(t);
	return rc == DC_DONE ? DC_OK : rc;
}

static int verification(struct dc_store *s, struct table *t)
{
	struct dc_stmt *st = NULL;
	begin(t, "org,requests,rows,full_match,not_found,refused,match_rate");
	int rc =
	        query(s,
	              "SELECT org_id, sum(requests), sum(rows_n), sum(full_match), sum(not_found), "
	              "sum(refused) FROM verify_usage GROUP BY org_id ORDER BY org_id",
	              &st);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		int64_t rows = dc_stmt_int64(st, 2), fm = dc_stmt_int64(st, 3);
		row(t, "siiiiir", dc_stmt_text(st, 0, NULL), dc_stmt_int64(st, 1), rows, fm,
		    dc_stmt_int64(st, 4), dc_stmt_int64(st, 5), fm, rows);
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	end(t);
	return rc == DC_DONE ? DC_OK : rc;
}

static int stays(struct dc_store *s, struct table *t)
{
	struct dc_stmt *st = NULL;
	begin(t, "province,stays,late,late_rate");
	int rc = query(s,
	               "SELECT province, count(*), coalesce(sum(late), 0) FROM stay GROUP BY "
	               "province ORDER BY province",
	               &st);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		int64_t n = dc_stmt_int64(st, 1), late = dc_stmt_int64(st, 2);
		row(t, "siir", dc_stmt_text(st, 0, NULL), n, late, late, n);
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	end(t);
	return rc == DC_DONE ? DC_OK : rc;
}

static int connected(struct dc_store *s, struct table *t)
{
	struct dc_stmt *st = NULL;
	begin(t, "agencies,organisations,oidc_clients,total");
	int rc = query(
	        s,
	        "SELECT (SELECT count(*) FROM agency WHERE disabled = 0), (SELECT count(*) "
	        "FROM verify_org WHERE disabled = 0), (SELECT count(*) FROM oidc_client WHERE "
	        "disabled = 0)",
	        &st);
	if (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		int64_t a = dc_stmt_int64(st, 0), o = dc_stmt_int64(st, 1),
		        c = dc_stmt_int64(st, 2);
		row(t, "iiii", a, o, c, a + o + c);
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	end(t);
	return rc;
}

/* present(x): 1 when the column has a value. */
#define PRESENT(x) "CASE WHEN coalesce(" x ", '') <> '' THEN 1 ELSE 0 END"

static int quality(struct dc_store *s, const struct dc_units *u, struct table *t)
{
	struct dc_stmt *st = NULL;
	begin(t, "commune,province,citizens,fields_checked,fields_present,score");
	int rc = query(
	        s,
	        "SELECT perm_commune, count(*), sum(" PRESENT("birth_name") " + " PRESENT(
	                "sex") " + CASE WHEN length(coalesce(dob, '')) = 10 THEN 1 ELSE 0 "
	                       "END + " PRESENT("ethnicity") " + " PRESENT(
	                               "perm_address") " + " PRESENT("birth_reg_unit") ") "
	                                                                               "FROM "
	                                                                               "citizen "
	                                                                               "WHERE "
	                                                                               "status = "
	                                                                               "'alive' "
	                                                                               "AND "
	                                                                               "perm_"
	                                                                               "commune IS "
	                                                                               "NOT "
	                                                                               "NULL GROUP "
	                                                                               "BY "
	                                                                               "perm_"
	                                                                               "commune "
	                                                                               "ORDER "
	                                                                               "BY "
	                                                                               "perm_"
	                                                                               "commune",
	        &st);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		const char *cm = dc_stmt_text(st, 0, NULL);
		const struct dc_commune *c = dc_units_commune(u, cm, strlen(cm));
		int64_t n = dc_stmt_int64(st, 1), have = dc_stmt_int64(st, 2);
		row(t, "ssiiir", cm, c ? c->province_code : "", n, 6 * n, have, have, 6 * n);
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	end(t);
	return rc == DC_DONE ? DC_OK : rc;
}

static const char *const sections[] = {"cards", "eid",       "dossiers", "verification",
                                       "stays", "connected", "quality"};

int dc_stats_section_valid(const char *name)
{
	for (size_t i = 0; name && i < DC_ARRAY_LEN(sections); i++)
		if (!strcmp(sections[i], name))
			return 1;
	return 0;
}

static int one(struct dc_store *s, const struct dc_units *u, const char *name, struct table *t)
{
	switch (name[0]) {
	case 'c':
		return name[1] == 'a' ? cards(s, u, t) : connected(s, t);
	case 'e':
		return eid(s, t);
	case 'd':
		return dossiers(s, t);
	case 'v':
		return verification(s, t);
	case 's':
		return stays(s, t);
	default:
		return quality(s, u, t);
	}
}

int dc_stats_write(struct dc_store *s, const struct dc_units *u, const char *name, int csv,
                   struct dc_buf *out)
{
	struct table t;
	memset(&t, 0, sizeof t);
	t.csv = csv && name;
	t.out = out;
	int rc = DC_OK;
	if (name) {
		if (!dc_stats_section_valid(name))
			return DC_ERR_INVALID;
		rc = one(s, u, name, &t);
		return rc ? rc : dc_buf_error(out);
	}
	dc_buf_addc(out, '{');
	for (size_t i = 0; rc == DC_OK && i < DC_ARRAY_LEN(sections); i++) {
		dc_buf_addf(out, "%s\"%s\":", i ? "," : "", sections[i]);
		rc = one(s, u, sections[i], &t);
	}
	dc_buf_addc(out, '}');
	return rc ? rc : dc_buf_error(out);
}
