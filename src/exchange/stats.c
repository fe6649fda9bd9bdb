/*
 * stats.c — dashboard figures computed live (dancu/stats.h).
 *
 * Each section is one grouped SQL query; a section is a table of rows
 * (strings and integers) written as JSON objects or CSV. Rates are written
 * with four decimals next to the counts they come from, so a reader can
 * check them. Grouping by province for cards goes through the commune →
 * province table (units), which the database does not hold.
 *
 * Cost: every figure over a large table reads counters kept in the
 * writing transactions (exchange_internal.h): cards and quality
 * stats_commune (store.c, card triggers), eid stats_eid (triggers on
 * eid_account and citizen), dossiers stats_dossier (triggers on
 * svc_dossier), stays stats_stay_total (stay.c, per report; per-day rows
 * in stats_stay).
 * Verification sums verify_usage (one row per organisation and day);
 * connected counts small tables. See docs/PERFORMANCE.md.
 *
 * Areas: a request can be cut to a province or a commune. Cards, quality,
 * e-ID (accounts of the area's permanent residents), dossiers and stays
 * are cut; verification (per organisation) and connected systems are
 * national figures and the same for every area.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dancu/buf.h"
#include "dancu/citizen.h"
#include "dancu/date.h"
#include "dancu/db.h"
#include "dancu/stats.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "core/internal.h"
#include "exchange/exchange_internal.h"

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

/* The area a request is cut to: every commune (national), the communes of
 * one province, or one commune. */
struct scope {
	const struct dc_units *u;
	const char *code; /* NULL: national; 2 digits: province; 5: commune */
};

/* 1 when commune code cm (NUL-terminated, may be NULL) is in the scope. */
static int in_scope(const struct scope *sc, const char *cm)
{
	if (!sc->code)
		return 1;
	if (!cm)
		return 0;
	if (strlen(sc->code) == 5)
		return !strcmp(cm, sc->code);
	const struct dc_commune *c = dc_units_commune(sc->u, cm, strlen(cm));
	return c && !strcmp(c->province_code, sc->code);
}

/* Appends " AND <col> IN ('c1', …)": the communes of the scope (nothing
 * when national). Codes are digits (checked by dc_stats_write), so they
 * are written as literals. */
static void scope_communes(const struct scope *sc, const char *col, struct dc_buf *b)
{
	if (!sc->code)
		return;
	dc_buf_addf(b, " AND %s IN (", col);
	if (strlen(sc->code) == 5) {
		dc_buf_addf(b, "'%s')", sc->code);
		return;
	}
	int n = 0;
	for (size_t i = 0; i < dc_units_ncommunes(sc->u); i++) {
		const struct dc_commune *c = dc_units_commune_at(sc->u, i);
		if (strcmp(c->province_code, sc->code))
			continue;
		dc_buf_addf(b, "%s'%s'", n++ ? ", " : "", c->code);
	}
	dc_buf_adds(b, n ? ")" : "NULL)");
}

/* Appends " AND commune = '…'" or " AND province = '…'" for a table with
 * both columns (nothing when national). */
static void scope_columns(const struct scope *sc, struct dc_buf *b)
{
	if (sc->code)
		dc_buf_addf(b, " AND %s = '%s'", strlen(sc->code) == 5 ? "commune" : "province",
		            sc->code);
}

/* Reads stats_commune, calling cb for each commune in the scope. */
static int counters(struct dc_store *s, const struct scope *sc,
                    void (*cb)(void *arg, const char *commune, int64_t citizens, int64_t fields,
                               int64_t cards),
                    void *arg)
{
	struct dc_stmt *st = NULL;
	int rc = query(s,
	               "SELECT commune, citizens, fields, cards FROM stats_commune ORDER BY "
	               "commune",
	               &st);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		const char *cm = dc_stmt_text(st, 0, NULL);
		if (in_scope(sc, cm))
			cb(arg, cm, dc_stmt_int64(st, 1), dc_stmt_int64(st, 2),
			   dc_stmt_int64(st, 3));
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	return rc == DC_DONE ? DC_OK : rc;
}

struct per_province {
	const struct dc_units *u;
	int64_t n[100];
};

static void add_cards(void *arg, const char *cm, int64_t citizens, int64_t fields, int64_t cards)
{
	struct per_province *pp = arg;
	const struct dc_commune *c = dc_units_commune(pp->u, cm, strlen(cm));
	unsigned long long p = 0;
	(void)citizens;
	(void)fields;
	if (c && !dc_parse_uint(c->province_code, 2, 99, &p))
		pp->n[p] += cards;
}

/* Cards issued per province of the holders' permanent residence, from the
 * per-commune counters (≈ 3,300 rows whatever the population). */
static int cards(struct dc_store *s, const struct scope *sc, struct table *t)
{
	struct per_province pp;
	memset(&pp, 0, sizeof pp);
	pp.u = sc->u;
	begin(t, "province,name,cards_issued");
	int rc = counters(s, sc, add_cards, &pp);
	for (int p = 1; p < 100 && rc == DC_OK; p++)
		if (pp.n[p]) {
			char code[3] = {(char)('0' + p / 10), (char)('0' + p % 10), '\0'};
			const struct dc_province *pv = dc_units_province(sc->u, code, 2);
			row(t, "ssi", code, pv ? pv->name : "", pp.n[p]);
		}
	end(t);
	return rc;
}

static int eid(struct dc_store *s, const struct scope *sc, struct table *t)
{
	struct dc_stmt *st = NULL;
	struct dc_buf sql = DC_BUF_INIT;
	begin(t, "collected,approved,activated,activation_rate");
	/* The counters per commune of the holders (stats_eid); national
	 * includes the accounts whose holder has no commune (''). */
	dc_buf_adds(&sql, "SELECT CAST(coalesce(sum(collected), 0) AS BIGINT), "
	                  "CAST(coalesce(sum(approved), 0) AS BIGINT), "
	                  "CAST(coalesce(sum(activated), 0) AS BIGINT) FROM stats_eid WHERE 1 = 1");
	scope_communes(sc, "commune", &sql);
	int rc = dc_buf_error(&sql);
	if (rc == DC_OK)
		rc = query(s, sql.ptr, &st);
	if (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		int64_t act = dc_stmt_int64(st, 2), appr = dc_stmt_int64(st, 1);
		row(t, "iiir", dc_stmt_int64(st, 0), appr, act, act, appr);
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	dc_buf_release(&sql);
	end(t);
	return rc;
}

static int dossiers(struct dc_store *s, const struct scope *sc, struct table *t)
{
	struct dc_stmt *st = NULL;
	struct dc_buf sql = DC_BUF_INIT;
	begin(t, "service,online,offline,online_share");
	dc_buf_adds(&sql, "SELECT service, CAST(sum(online) AS BIGINT), CAST(sum(offline) AS "
	                  "BIGINT) FROM stats_dossier WHERE 1 = 1");
	scope_columns(sc, &sql);
	dc_buf_adds(&sql, " GROUP BY service HAVING sum(online) <> 0 OR sum(offline) <> 0 ORDER "
	                  "BY service");
	int rc = dc_buf_error(&sql);
	if (rc == DC_OK)
		rc = query(s, sql.ptr, &st);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		int64_t on = dc_stmt_int64(st, 1), off = dc_stmt_int64(st, 2);
		row(t, "siir", dc_stmt_text(st, 0, NULL), on, off, on, on + off);
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	dc_buf_release(&sql);
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

static int stays(struct dc_store *s, const struct scope *sc, struct table *t)
{
	struct dc_stmt *st = NULL;
	struct dc_buf sql = DC_BUF_INIT;
	begin(t, "province,stays,late,late_rate");
	dc_buf_adds(&sql, "SELECT province, CAST(sum(stays) AS BIGINT), CAST(sum(late) AS BIGINT) "
	                  "FROM stats_stay_total WHERE 1 = 1");
	scope_columns(sc, &sql);
	dc_buf_adds(&sql, " GROUP BY province HAVING sum(stays) <> 0 ORDER BY province");
	int rc = dc_buf_error(&sql);
	if (rc == DC_OK)
		rc = query(s, sql.ptr, &st);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		int64_t n = dc_stmt_int64(st, 1), late = dc_stmt_int64(st, 2);
		row(t, "siir", dc_stmt_text(st, 0, NULL), n, late, late, n);
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	dc_buf_release(&sql);
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

struct quality_rows {
	const struct dc_units *u;
	struct table *t;
};

static void quality_row(void *arg, const char *cm, int64_t n, int64_t have, int64_t cards)
{
	struct quality_rows *q = arg;
	const struct dc_commune *c = dc_units_commune(q->u, cm, strlen(cm));
	(void)cards;
	if (n > 0)
		row(q->t, "ssiiir", cm, c ? c->province_code : "", n, 6 * n, have, have, 6 * n);
}

/* Data-quality score per commune, from the per-commune counters. */
static int quality(struct dc_store *s, const struct scope *sc, struct table *t)
{
	struct quality_rows q = {sc->u, t};
	begin(t, "commune,province,citizens,fields_checked,fields_present,score");
	int rc = counters(s, sc, quality_row, &q);
	end(t);
	return rc;
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

static int one(struct dc_store *s, const struct scope *sc, const char *name, struct table *t)
{
	switch (name[0]) {
	case 'c':
		return name[1] == 'a' ? cards(s, sc, t) : connected(s, t);
	case 'e':
		return eid(s, sc, t);
	case 'd':
		return dossiers(s, sc, t);
	case 'v':
		return verification(s, t);
	case 's':
		return stays(s, sc, t);
	default:
		return quality(s, sc, t);
	}
}

int dc_stats_write(struct dc_store *s, const struct dc_units *u, const char *area, const char *name,
                   int csv, struct dc_buf *out)
{
	struct table t;
	struct scope sc = {u, area && *area ? area : NULL};
	unsigned long long code = 0;
	if (sc.code) {
		size_t n = strlen(sc.code);
		if ((n != 2 && n != 5) || dc_parse_uint(sc.code, n, n == 2 ? 99 : 99999, &code) ||
		    (n == 2 ? !dc_units_province(u, sc.code, 2) : !dc_units_commune(u, sc.code, 5)))
			return DC_ERR_INVALID;
	}
	memset(&t, 0, sizeof t);
	t.csv = csv && name;
	t.out = out;
	int rc = DC_OK;
	if (name) {
		if (!dc_stats_section_valid(name))
			return DC_ERR_INVALID;
		rc = one(s, &sc, name, &t);
		return rc ? rc : dc_buf_error(out);
	}
	dc_buf_addf(out, "{\"area\":\"%s\"", sc.code ? sc.code : "national");
	for (size_t i = 0; rc == DC_OK && i < DC_ARRAY_LEN(sections); i++) {
		dc_buf_addf(out, ",\"%s\":", sections[i]);
		rc = one(s, &sc, sections[i], &t);
	}
	dc_buf_addc(out, '}');
	return rc ? rc : dc_buf_error(out);
}

/* --- the counters ------------------------------------------------------------ */

void dc__stats_contrib(const struct dc_citizen *c, struct dc__stats_contrib *out)
{
	/* The same six fields as DC__STATS_FIELDS_SQL, read as the store
	 * writes them (dc_citizen_get; empty is stored as NULL). */
	size_t n = c->perm_commune ? strlen(c->perm_commune) : 0;
	memset(out, 0, sizeof *out);
	if (n == 0 || n >= sizeof out->commune)
		return;
	memcpy(out->commune, c->perm_commune, n + 1);
	if (c->status != DC_STATUS_ALIVE)
		return;
	out->citizens = 1;
	/* dob as stored (dc_date_iso): "YYYY-MM-DD", 10 bytes, only with a
	 * day; partial dates are shorter */
	out->fields = (c->birth_name && *c->birth_name) +
	              (c->sex == DC_SEX_MALE || c->sex == DC_SEX_FEMALE) +
	              (dc_date_precision(&c->dob) == DC_DATE_DAY) +
	              (c->ethnicity && *c->ethnicity) + (c->perm_address && *c->perm_address) +
	              (c->birth_reg_unit && *c->birth_reg_unit);
}

int dc_stats_rebuild(struct dc_store *s)
{
	int rc = dc_store_begin(s);
	if (rc)
		return rc;
	/* PostgreSQL: hold the register's lock (every counter writer takes it
	 * first), so no write lands between the delete and the count. SQLite
	 * has one writer. */
	/* The dossier and stay counters are written by their writers without
	 * that lock: their tables are locked against writes first (those
	 * writers lock them before any register lock they take). */
	if (!strcmp(dc_store_backend(s), "postgresql"))
		rc = dc_db_exec(
		        dc_store_db(s),
		        "LOCK TABLE stats_dossier, stats_stay, stats_stay_total IN EXCLUSIVE "
		        "MODE; SELECT "
		        "pg_advisory_xact_lock(602007)");
	if (rc == DC_OK)
		rc = dc_db_exec(dc_store_db(s),
		                "DELETE FROM stats_commune; DELETE FROM stats_eid; "
		                "DELETE FROM stats_dossier; DELETE FROM stats_stay; DELETE FROM "
		                "stats_stay_total");
	if (rc == DC_OK)
		rc = dc_db_exec(dc_store_db(s), DC__STATS_FILL_SQL DC__STATS_FILL_MORE_SQL);
	if (rc) {
		dc_store_rollback(s);
		return rc;
	}
	return dc_store_commit(s);
}

/* Runs one drift query (rows: a key of nkey text columns, then nval
 * differences) and writes a line per row: "<what> k1 k2: n1 +d1, …". */
static int drift(struct dc_store *s, const char *sql, const char *what, int nkey,
                 const char *const *vals, int nval, struct dc_buf *out, int64_t *drifted)
{
	struct dc_stmt *st = NULL;
	int rc = query(s, sql, &st);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		dc_buf_adds(out, what);
		for (int i = 0; i < nkey; i++) {
			const char *k = dc_stmt_text(st, i, NULL);
			dc_buf_addf(out, " %s", k && *k ? k : "(none)");
		}
		for (int i = 0; i < nval; i++)
			dc_buf_addf(out, "%s %s %+lld", i ? "," : ":", vals[i],
			            (long long)dc_stmt_int64(st, nkey + i));
		dc_buf_addc(out, '\n');
		(*drifted)++;
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	return rc == DC_DONE ? DC_OK : rc;
}

int dc_stats_check(struct dc_store *s, struct dc_buf *out, int64_t *drifted)
{
	static const char *const v_commune[] = {"citizens", "fields", "cards"},
	                         *const v_eid[] = {"collected", "approved", "activated"},
	                         *const v_dossier[] = {"online", "offline"},
	                         *const v_stay[] = {"stays", "late"};
	*drifted = 0;
	/* Counters minus independent counts, per key: every non-zero
	 * difference is drift. One snapshot, so writers do not show as drift. */
	int rc = dc_store_snapshot_begin(s);
	if (rc)
		return rc;
	rc = drift(
	        s,
	        "SELECT commune, CAST(sum(ci) AS BIGINT), CAST(sum(fi) AS BIGINT), CAST(sum(ca) "
	        "AS BIGINT) FROM (SELECT commune, citizens AS ci, fields AS fi, cards AS ca FROM "
	        "stats_commune UNION ALL SELECT perm_commune, -count(*), -sum(" DC__STATS_FIELDS_SQL
	        "), 0 FROM citizen WHERE status = 'alive' AND perm_commune IS NOT NULL GROUP BY "
	        "perm_commune UNION ALL SELECT c.perm_commune, 0, 0, -count(*) FROM card k JOIN "
	        "citizen c ON c.pin = k.pin WHERE k.issued IS NOT NULL AND c.perm_commune IS NOT "
	        "NULL GROUP BY c.perm_commune) d GROUP BY commune HAVING sum(ci) <> 0 OR sum(fi) "
	        "<> 0 OR sum(ca) <> 0 ORDER BY commune",
	        "commune", 1, v_commune, 3, out, drifted);
	if (rc == DC_OK)
		rc = drift(
		        s,
		        "SELECT k, CAST(sum(c1) AS BIGINT), CAST(sum(c2) AS BIGINT), CAST(sum(c3) "
		        "AS BIGINT) FROM (SELECT commune AS k, collected AS c1, approved AS c2, "
		        "activated AS c3 FROM stats_eid UNION ALL SELECT k, -c1, -c2, -c3 FROM "
		        "(" DC__STATS_COUNT_EID_SQL ") x) d GROUP BY k HAVING "
		        "sum(c1) <> 0 OR sum(c2) <> 0 OR sum(c3) <> 0 ORDER BY k",
		        "e-ID commune", 1, v_eid, 3, out, drifted);
	if (rc == DC_OK)
		rc = drift(
		        s,
		        "SELECT k1, k2, k3, CAST(sum(c1) AS BIGINT), CAST(sum(c2) AS BIGINT) FROM "
		        "(SELECT service AS k1, commune AS k2, province AS k3, online AS c1, "
		        "offline AS c2 FROM stats_dossier UNION ALL SELECT k1, k2, k3, -c1, -c2 "
		        "FROM "
		        "(" DC__STATS_COUNT_DOSSIER_SQL ") x) d GROUP BY k1, "
		        "k2, k3 HAVING sum(c1) <> 0 OR sum(c2) <> 0 ORDER BY k1, k2, k3",
		        "dossiers", 3, v_dossier, 2, out, drifted);
	if (rc == DC_OK)
		rc = drift(
		        s,
		        "SELECT k1, k2, k3, CAST(sum(c1) AS BIGINT), CAST(sum(c2) AS BIGINT) FROM "
		        "(SELECT commune AS k1, day AS k2, province AS k3, stays AS c1, late AS c2 "
		        "FROM stats_stay UNION ALL SELECT k1, k2, k3, -c1, -c2 FROM "
		        "(" DC__STATS_COUNT_STAY_SQL ") x) d GROUP BY k1, k2, "
		        "k3 HAVING sum(c1) <> 0 OR sum(c2) <> 0 ORDER BY k1, k2, k3",
		        "stays", 3, v_stay, 2, out, drifted);
	if (rc == DC_OK)
		rc = drift(s,
		           "SELECT k1, k2, CAST(sum(c1) AS BIGINT), CAST(sum(c2) AS BIGINT) FROM "
		           "(SELECT commune AS k1, province AS k2, stays AS c1, late AS c2 FROM "
		           "stats_stay_total UNION ALL SELECT k1, k2, -c1, -c2 FROM "
		           "(" DC__STATS_COUNT_STAY_TOTAL_SQL
		           ") x) d GROUP BY k1, k2 HAVING sum(c1) "
		           "<> 0 OR sum(c2) <> 0 ORDER BY k1, k2",
		           "stays total", 2, v_stay, 2, out, drifted);
	dc_store_snapshot_end(s);
	return rc ? rc : dc_buf_error(out);
}
