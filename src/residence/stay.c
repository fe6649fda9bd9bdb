/*
 * stay.c — stay notifications from accommodation businesses: the business
 * register, reports of arrivals and departures with the 23:00 / 08:00
 * deadline rule, and the commune police's overview. See dancu/stay.h.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/audit.h"
#include "dancu/db.h"
#include "dancu/pin.h"
#include "dancu/stay.h"
#include "dancu/store.h"
#include "dancu/text.h"
#include "dancu/units.h"

#include "core/internal.h"
#include "store/schema.h"

#define LOCAL_MS (7 * 3600 * 1000LL)
#define DAY_MS (86400 * 1000LL)

int dc__schema_stay(enum dc__dialect d, struct dc_buf *o)
{
	dc_buf_addf(
	        o,
	        "CREATE TABLE business (id TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, "
	        "commune TEXT NOT NULL, province TEXT NOT NULL, kind TEXT NOT NULL, disabled "
	        "INTEGER NOT NULL DEFAULT 0, created_ms BIGINT NOT NULL);\n"
	        "CREATE TABLE stay (id %s, business_id TEXT NOT NULL, commune TEXT NOT NULL, "
	        "province TEXT NOT NULL, pin TEXT, passport TEXT, nationality TEXT, name TEXT, "
	        "dob TEXT, room TEXT, arrival_ms BIGINT NOT NULL, arrival_day TEXT NOT NULL, "
	        "until_day TEXT, notified_ms BIGINT NOT NULL, late INTEGER NOT NULL, "
	        "in_register INTEGER NOT NULL, departure_ms BIGINT, departure_notified_ms "
	        "BIGINT);\n"
	        "CREATE INDEX stay_commune ON stay (commune, arrival_day);\n"
	        "CREATE INDEX stay_province ON stay (province, arrival_day);\n"
	        "CREATE INDEX stay_pin ON stay (pin) WHERE pin IS NOT NULL;\n"
	        "CREATE INDEX stay_open ON stay (business_id, pin, passport) WHERE departure_ms "
	        "IS NULL;\n",
	        d == DC__PG ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT");
	return dc_buf_error(o);
}

static int valid_id(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static int step_done(struct dc_stmt *st)
{
	int rc = dc_stmt_step(st);
	return rc >= 0 ? DC_OK : rc;
}

int dc_business_add(struct dc_store *s, const struct dc_units *u, const struct dc_business *b,
                    const char *actor, char *err, size_t errlen)
{
	static const char *const kinds[] = {"hotel",     "guesthouse", "hospital",
	                                    "dormitory", "household",  "other"};
	const struct dc_commune *c = dc_units_commune(u, b->commune, strlen(b->commune));
	int kind_ok = 0;
	for (size_t i = 0; i < DC_ARRAY_LEN(kinds); i++)
		kind_ok |= !strcmp(b->kind, kinds[i]);
	if (!valid_id(b->id)) {
		snprintf(err, errlen, "the business id must be 1-64 of a-z 0-9 . _ -");
		return DC_ERR_INVALID;
	}
	if (!b->name[0] || !dc_text_valid_utf8(b->name, strlen(b->name))) {
		snprintf(err, errlen, "the name must be non-empty UTF-8");
		return DC_ERR_INVALID;
	}
	if (!c) {
		snprintf(err, errlen, "commune %s does not exist", b->commune);
		return DC_ERR_INVALID;
	}
	if (!kind_ok) {
		snprintf(err, errlen,
		         "kind must be hotel, guesthouse, hospital, dormitory, household or other");
		return DC_ERR_INVALID;
	}
	struct dc_stmt *st = NULL;
	int rc = dc_store_begin(s);
	if (rc)
		return rc;
	rc = dc_db_prepare(dc_store_db(s),
	                   "INSERT INTO business (id, name, commune, province, kind, created_ms) "
	                   "SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM business "
	                   "WHERE id = $1)",
	                   &st);
	const char *v[] = {b->id, b->name, c->code, c->province_code, b->kind};
	for (int i = 0; rc == DC_OK && i < 5; i++)
		rc = dc_stmt_bind_str(st, i + 1, v[i]);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 6, dc_now_ms());
	if (rc == DC_OK)
		rc = step_done(st);
	if (rc == DC_OK && dc_stmt_changes(st) != 1) {
		snprintf(err, errlen, "a business with id %s exists", b->id);
		rc = DC_ERR_CONFLICT;
	}
	dc_stmt_finalize(st);
	struct dc_audit_entry a = {actor, NULL, "business.add", NULL, NULL, b->id, NULL};
	if (rc == DC_OK)
		rc = dc_audit_append(s, &a, NULL);
	if (rc == DC_OK)
		return dc_store_commit(s);
	dc_store_rollback(s);
	return rc;
}

int dc_business_get(struct dc_store *s, const char *id, struct dc_business *out)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(
	        dc_store_db(s),
	        "SELECT id, name, commune, kind, disabled FROM business WHERE id = $1", &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, id);
	if (rc == DC_OK) {
		rc = dc_stmt_step(st);
		if (rc == 1) {
			size_t n;
			memset(out, 0, sizeof *out);
			snprintf(out->id, sizeof out->id, "%s", dc_stmt_text(st, 0, &n));
			snprintf(out->name, sizeof out->name, "%s", dc_stmt_text(st, 1, &n));
			snprintf(out->commune, sizeof out->commune, "%s", dc_stmt_text(st, 2, &n));
			snprintf(out->kind, sizeof out->kind, "%s", dc_stmt_text(st, 3, &n));
			out->disabled = (int)dc_stmt_int64(st, 4);
			rc = DC_OK;
		} else if (rc == 0) {
			rc = DC_ERR_NOT_FOUND;
		}
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc_business_set_disabled(struct dc_store *s, const char *id, int disabled, const char *actor)
{
	struct dc_stmt *st = NULL;
	int rc = dc_store_begin(s);
	if (rc)
		return rc;
	rc = dc_db_prepare(dc_store_db(s), "UPDATE business SET disabled = $1 WHERE id = $2", &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 1, disabled ? 1 : 0);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 2, id);
	if (rc == DC_OK)
		rc = step_done(st);
	if (rc == DC_OK && dc_stmt_changes(st) != 1)
		rc = DC_ERR_NOT_FOUND;
	dc_stmt_finalize(st);
	struct dc_audit_entry a = {actor, NULL, disabled ? "business.disable" : "business.enable",
	                           NULL,  NULL, id,
	                           NULL};
	if (rc == DC_OK)
		rc = dc_audit_append(s, &a, NULL);
	if (rc == DC_OK)
		return dc_store_commit(s);
	dc_store_rollback(s);
	return rc;
}

int64_t dc_stay_deadline(int64_t arrival_ms)
{
	int64_t local = arrival_ms + LOCAL_MS;
	int64_t day = local >= 0 ? local / DAY_MS : (local - DAY_MS + 1) / DAY_MS;
	int64_t in_day = local - day * DAY_MS;
	int64_t end = in_day < 23 * 3600 * 1000LL ? day * DAY_MS + 23 * 3600 * 1000LL
	                                          : (day + 1) * DAY_MS + 8 * 3600 * 1000LL;
	return end - LOCAL_MS;
}

int dc_stay_parse_time(const char *s, int64_t *ms_out)
{
	struct dc_date d;
	unsigned long long h, mi, sec = 0;
	size_t n = s ? strlen(s) : 0, i = 16;
	if (n < 16 || s[10] != 'T' || s[13] != ':' || dc_date_parse(s, 10, &d) || !d.day ||
	    dc_parse_uint(s + 11, 2, 23, &h) || dc_parse_uint(s + 14, 2, 59, &mi))
		return DC_ERR_INVALID;
	if (n >= 19 && s[16] == ':') {
		if (dc_parse_uint(s + 17, 2, 59, &sec))
			return DC_ERR_INVALID;
		i = 19;
	}
	int64_t offset = LOCAL_MS;
	if (i < n) {
		unsigned long long oh, om;
		if (s[i] == 'Z' && i + 1 == n)
			offset = 0;
		else if ((s[i] == '+' || s[i] == '-') && n == i + 6 && s[i + 3] == ':' &&
		         !dc_parse_uint(s + i + 1, 2, 14, &oh) &&
		         !dc_parse_uint(s + i + 4, 2, 59, &om))
			offset = (s[i] == '-' ? -1 : 1) * (int64_t)(oh * 3600 + om * 60) * 1000;
		else
			return DC_ERR_INVALID;
	}
	*ms_out =
	        (dc_date_to_days(&d) * 86400 + (int64_t)(h * 3600 + mi * 60 + sec)) * 1000 - offset;
	return DC_OK;
}

static void local_day(int64_t ms, char out[DC_DATE_ISO_MAX])
{
	int64_t l = ms + LOCAL_MS;
	struct dc_date d = dc_date_from_days(l >= 0 ? l / DAY_MS : (l - DAY_MS + 1) / DAY_MS);
	dc_date_iso(&d, out);
}

static const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) && json_string_length(v) ? json_string_value(v) : NULL;
}

struct report {
	struct dc_store *s;
	const struct dc_business *b;
	const char *province;
	int64_t now;
	const char *request_id;
	struct dc_stmt *ins, *dep, *who;
	/* Citizens recorded by this report, audited together at the end: one
	 * hash-chained entry per event kind with every subject linked. */
	const char *arrived[DC_STAY_MAX_BATCH], *departed[DC_STAY_MAX_BATCH];
	size_t narrived, ndeparted;
	/* Stays recorded per arrival day, added to the dashboard's counters
	 * (stats_stay) once per report and day at the end. */
	struct {
		char day[DC_DATE_ISO_MAX];
		int64_t n, late;
	} days[DC_STAY_MAX_BATCH];
	size_t ndays;
};

/* One guest: DC_OK (recorded; result written) or DC_ERR_INVALID with why
 * (rejected, nothing written for it); other errors abort the report. */
static int one(struct report *r, json_t *g, struct dc_buf *res, const char **why)
{
	const char *ev = jstr(g, "event"), *pin = jstr(g, "pin"), *pp = jstr(g, "passport"),
	           *nat = jstr(g, "nationality"), *at = jstr(g, "at"), *name = jstr(g, "name"),
	           *dob = jstr(g, "dob"), *room = jstr(g, "room"), *until = jstr(g, "until");
	struct dc_pin p;
	struct dc_date dd;
	int64_t at_ms;
	int rc;
	if (!json_is_object(g))
		return (*why = "each guest must be an object"), DC_ERR_INVALID;
	int arrival = ev && !strcmp(ev, "arrival"), departure = ev && !strcmp(ev, "departure");
	if (!arrival && !departure)
		return (*why = "event must be arrival or departure"), DC_ERR_INVALID;
	if (!!pin == !!pp)
		return (*why = "exactly one of pin (citizens) or passport (foreigners) is "
		               "required"),
		       DC_ERR_INVALID;
	if (pin && dc_pin_parse(pin, strlen(pin), &p))
		return (*why = "pin must be a 12-digit personal ID number"), DC_ERR_INVALID;
	if (pp && (strlen(pp) > 20 || !nat || strlen(nat) != 2))
		return (*why = "a foreigner needs passport (≤ 20 characters) and nationality (2 "
		               "letters)"),
		       DC_ERR_INVALID;
	if (!at || dc_stay_parse_time(at, &at_ms))
		return (*why = "at must be a local time YYYY-MM-DDTHH:MM"), DC_ERR_INVALID;
	if (at_ms > r->now + 10 * 60 * 1000LL)
		return (*why = "at is in the future"), DC_ERR_INVALID;
	if (at_ms < r->now - 30 * DAY_MS)
		return (*why = "at is more than 30 days ago"), DC_ERR_INVALID;
	const char *texts[] = {name, room, nat};
	for (size_t t = 0; t < DC_ARRAY_LEN(texts); t++)
		if (texts[t] &&
		    (strlen(texts[t]) > 200 || !dc_text_valid_utf8(texts[t], strlen(texts[t]))))
			return (*why = "text fields must be UTF-8 of at most 200 bytes"),
			       DC_ERR_INVALID;
	if (dob && (dc_date_parse(dob, strlen(dob), &dd)))
		return (*why = "dob must be a date"), DC_ERR_INVALID;
	if (until && (dc_date_parse(until, strlen(until), &dd) || !dd.day))
		return (*why = "until must be a date"), DC_ERR_INVALID;
	if (departure) {
		dc_stmt_reset(r->dep);
		rc = dc_stmt_bind_int64(r->dep, 1, at_ms);
		if (rc == DC_OK)
			rc = dc_stmt_bind_int64(r->dep, 2, r->now);
		if (rc == DC_OK)
			rc = dc_stmt_bind_str(r->dep, 3, r->b->id);
		if (rc == DC_OK)
			rc = dc_stmt_bind_str(r->dep, 4, pin);
		if (rc == DC_OK)
			rc = dc_stmt_bind_str(r->dep, 5, pp);
		if (rc == DC_OK)
			rc = step_done(r->dep);
		if (rc)
			return rc;
		if (dc_stmt_changes(r->dep) == 0)
			return (*why = "no open stay of this guest at this business"),
			       DC_ERR_INVALID;
		if (pin)
			r->departed[r->ndeparted++] = pin;
		return dc_buf_adds(res, ",\"status\":\"recorded\"");
	}
	int in_register = 0;
	if (pin) {
		dc_stmt_reset(r->who);
		rc = dc_stmt_bind_str(r->who, 1, pin);
		if (rc == DC_OK && (rc = dc_stmt_step(r->who)) >= 0) {
			in_register = rc == 1;
			rc = DC_OK;
		}
		if (rc)
			return rc;
	}
	int late = r->now > dc_stay_deadline(at_ms);
	char day[DC_DATE_ISO_MAX];
	local_day(at_ms, day);
	dc_stmt_reset(r->ins);
	const char *v[] = {r->b->id, r->b->commune, r->province, pin, pp,   nat,
	                   name,     dob,           room,        day, until};
	rc = DC_OK;
	for (int i = 0; rc == DC_OK && i < 11; i++)
		rc = dc_stmt_bind_str(r->ins, i + 1, v[i]);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(r->ins, 12, at_ms);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(r->ins, 13, r->now);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(r->ins, 14, late);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(r->ins, 15, in_register);
	if (rc == DC_OK)
		rc = dc_stmt_step(r->ins);
	int64_t id = rc == 1 ? dc_stmt_int64(r->ins, 0) : 0;
	if (rc == 1)
		rc = dc_stmt_step(r->ins); /* finish the statement */
	if (rc < 0)
		return rc;
	if (pin)
		r->arrived[r->narrived++] = pin;
	size_t k = 0;
	while (k < r->ndays && strcmp(r->days[k].day, day))
		k++;
	if (k == r->ndays) {
		memcpy(r->days[k].day, day, sizeof day);
		r->days[k].n = r->days[k].late = 0;
		r->ndays++;
	}
	r->days[k].n++;
	r->days[k].late += late;
	return dc_buf_addf(
	        res, ",\"status\":\"recorded\",\"stay_id\":%lld,\"late\":%s,\"in_register\":%s",
	        (long long)id, late ? "true" : "false",
	        pin ? (in_register ? "true" : "false") : "null");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_day(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b); /* day is the first member */
}

/* Adds the report's stays to the dashboard's counters: one row per arrival
 * day of the business's commune, in day order (so two reports never lock
 * the same rows in opposite orders), then the report to the commune's
 * total (stats_stay_total, what the dashboard reads). */
static int stats_report(struct report *r)
{
	struct dc_stmt *st = NULL;
	int64_t n = 0, late = 0;
	if (!r->ndays)
		return DC_OK;
	qsort(r->days, r->ndays, sizeof r->days[0], cmp_day);
	int rc = dc_db_prepare(dc_store_db(r->s),
	                       "INSERT INTO stats_stay (commune, day, province, stays, late) "
	                       "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (commune, day, province) "
	                       "DO UPDATE SET stays = stats_stay.stays + excluded.stays, late = "
	                       "stats_stay.late + excluded.late",
	                       &st);
	for (size_t i = 0; rc == DC_OK && i < r->ndays; i++) {
		n += r->days[i].n;
		late += r->days[i].late;
		dc_stmt_reset(st);
		rc = dc_stmt_bind_str(st, 1, r->b->commune);
		if (rc == DC_OK)
			rc = dc_stmt_bind_str(st, 2, r->days[i].day);
		if (rc == DC_OK)
			rc = dc_stmt_bind_str(st, 3, r->province);
		if (rc == DC_OK)
			rc = dc_stmt_bind_int64(st, 4, r->days[i].n);
		if (rc == DC_OK)
			rc = dc_stmt_bind_int64(st, 5, r->days[i].late);
		if (rc == DC_OK)
			rc = step_done(st);
	}
	dc_stmt_finalize(st);
	st = NULL;
	if (rc == DC_OK)
		rc = dc_db_prepare(
		        dc_store_db(r->s),
		        "INSERT INTO stats_stay_total (commune, province, stays, late) "
		        "VALUES ($1, $2, $3, $4) ON CONFLICT (commune, province) DO UPDATE "
		        "SET stays = stats_stay_total.stays + excluded.stays, late = "
		        "stats_stay_total.late + excluded.late",
		        &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, r->b->commune);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 2, r->province);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 3, n);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 4, late);
	if (rc == DC_OK)
		rc = step_done(st);
	dc_stmt_finalize(st);
	return rc;
}

/* One audit entry for the citizens of a report with the same event: the
 * subjects are linked to it (audit_link), so each citizen's data tracker
 * shows the report, and the entry carries their count and digest. */
static int audit_report(struct report *r, const char *action, const char **pins, size_t n)
{
	if (!n)
		return DC_OK;
	qsort(pins, n, sizeof(*pins), cmp_str);
	struct dc_audit_entry a = {r->b->id, r->b->id, action, NULL, NULL, "stay", r->request_id};
	return dc_audit_append_subjects(r->s, &a, pins, n, NULL);
}

int dc_stay_report(struct dc_store *s, const struct dc_business *b, const char *items,
                   size_t items_len, int64_t now_ms, const char *request_id, struct dc_buf *out,
                   int *recorded, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *arr = json_loadb(items, items_len, JSON_REJECT_DUPLICATES, &jerr);
	struct dc_buf res = DC_BUF_INIT;
	struct report r = {.s = s, .b = b, .now = now_ms, .request_id = request_id};
	char prov[3] = "";
	size_t i;
	json_t *g;
	int rc = DC_OK, in_tx = 0;
	*recorded = 0;
	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > DC_STAY_MAX_BATCH) {
		snprintf(err, errlen, "guests must be an array of 1 to %d objects",
		         DC_STAY_MAX_BATCH);
		rc = DC_ERR_INVALID;
		goto cleanup;
	}
	struct dc_stmt *pst = NULL;
	rc = dc_db_prepare(dc_store_db(s), "SELECT province FROM business WHERE id = $1", &pst);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(pst, 1, b->id);
	if (rc == DC_OK && dc_stmt_step(pst) == 1) {
		size_t n;
		snprintf(prov, sizeof prov, "%s", dc_stmt_text(pst, 0, &n));
	}
	dc_stmt_finalize(pst);
	r.province = prov;
	int pg = !strcmp(dc_store_backend(s), "postgresql");
	if (rc == DC_OK)
		rc = dc_store_begin(s);
	in_tx = rc == DC_OK;
	if (rc == DC_OK)
		rc = dc_db_prepare(
		        dc_store_db(s),
		        "INSERT INTO stay (business_id, commune, province, pin, passport, "
		        "nationality, name, dob, room, arrival_day, until_day, arrival_ms, "
		        "notified_ms, late, in_register) VALUES ($1, $2, $3, $4, $5, $6, $7, "
		        "$8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
		        &r.ins);
	if (rc == DC_OK)
		rc = dc_db_prepare(
		        dc_store_db(s),
		        pg ? "UPDATE stay SET departure_ms = $1, departure_notified_ms = $2 WHERE "
		             "id = "
		             "(SELECT id FROM stay WHERE business_id = $3 AND departure_ms IS NULL "
		             "AND "
		             "pin IS NOT DISTINCT FROM $4 AND passport IS NOT DISTINCT FROM $5 "
		             "ORDER "
		             "BY arrival_ms DESC LIMIT 1)"
		           : "UPDATE stay SET departure_ms = $1, departure_notified_ms = $2 WHERE "
		             "id = "
		             "(SELECT id FROM stay WHERE business_id = $3 AND departure_ms IS NULL "
		             "AND "
		             "pin IS $4 AND passport IS $5 ORDER BY arrival_ms DESC LIMIT 1)",
		        &r.dep);
	if (rc == DC_OK)
		rc = dc_db_prepare(dc_store_db(s), "SELECT 1 FROM citizen WHERE pin = $1", &r.who);
	if (rc)
		goto cleanup;
	dc_buf_addc(&res, '[');
	json_array_foreach (arr, i, g) {
		const char *why = NULL;
		dc_buf_addf(&res, "%s{\"index\":%zu", i ? "," : "", i);
		rc = one(&r, g, &res, &why);
		if (rc == DC_ERR_INVALID && why) {
			dc_buf_adds(&res, ",\"status\":\"rejected\",\"error\":\"");
			dc_buf_add_json_str(&res, why, strlen(why));
			dc_buf_addc(&res, '"');
			rc = DC_OK;
		} else if (rc == DC_OK) {
			(*recorded)++;
		} else {
			goto cleanup;
		}
		dc_buf_addc(&res, '}');
	}
	dc_buf_addc(&res, ']');
	if ((rc = dc_buf_error(&res)))
		goto cleanup;
	if ((rc = stats_report(&r)) ||
	    (rc = audit_report(&r, "stay.arrival", r.arrived, r.narrived)) ||
	    (rc = audit_report(&r, "stay.departure", r.departed, r.ndeparted)))
		goto cleanup;
	rc = dc_store_commit(s);
	in_tx = 0;
	if (rc == DC_OK)
		rc = dc_buf_add(out, res.ptr, res.len);
cleanup:
	dc_stmt_finalize(r.ins);
	dc_stmt_finalize(r.dep);
	dc_stmt_finalize(r.who);
	if (in_tx)
		dc_store_rollback(s);
	if (rc && rc != DC_ERR_INVALID)
		snprintf(err, errlen, "the report could not be recorded: %s", dc_strerror(rc));
	dc_buf_release(&res);
	json_decref(arr);
	return rc;
}

int dc_stay_overview(struct dc_store *s, const char *commune, const char *province, const char *day,
                     int late_only, int limit, struct dc_buf *out)
{
	struct dc_buf where = DC_BUF_INIT, sql = DC_BUF_INIT;
	struct dc_stmt *st = NULL;
	int n = 0, rc;
	dc_buf_adds(&where, " WHERE arrival_day = $1");
	n = 1;
	if (commune)
		dc_buf_addf(&where, " AND commune = $%d", ++n);
	if (province)
		dc_buf_addf(&where, " AND province = $%d", ++n);
	dc_buf_addf(
	        &sql,
	        "SELECT count(*), coalesce(sum(late), 0), coalesce(sum(CASE WHEN pin IS NOT NULL "
	        "AND in_register = 0 THEN 1 ELSE 0 END), 0) FROM stay%s",
	        dc_buf_str(&where));
	rc = dc_buf_error(&sql);
	for (int pass = 0; rc == DC_OK && pass < 2; pass++) {
		rc = dc_db_prepare(dc_store_db(s), dc_buf_str(&sql), &st);
		int k = 0;
		if (rc == DC_OK)
			rc = dc_stmt_bind_str(st, ++k, day);
		if (rc == DC_OK && commune)
			rc = dc_stmt_bind_str(st, ++k, commune);
		if (rc == DC_OK && province)
			rc = dc_stmt_bind_str(st, ++k, province);
		if (rc)
			break;
		if (pass == 0) {
			if ((rc = dc_stmt_step(st)) == 1) {
				int64_t total = dc_stmt_int64(st, 0), late = dc_stmt_int64(st, 1),
				        unknown = dc_stmt_int64(st, 2);
				dc_buf_addf(out,
				            "{\"day\":\"%s\",\"count\":%lld,\"late\":%lld,\"late_"
				            "rate\":%.4f,"
				            "\"not_in_register\":%lld,\"stays\":[",
				            day, (long long)total, (long long)late,
				            total ? (double)late / (double)total : 0.0,
				            (long long)unknown);
				rc = DC_OK;
			}
			dc_stmt_finalize(st);
			st = NULL;
			dc_buf_reset(&sql);
			dc_buf_addf(
			        &sql,
			        "SELECT id, business_id, pin, passport, nationality, name, room, "
			        "arrival_ms, notified_ms, late, in_register, departure_ms FROM "
			        "stay%s%s "
			        "ORDER BY arrival_ms, id LIMIT %d",
			        dc_buf_str(&where), late_only ? " AND late = 1" : "",
			        limit > 0 && limit <= 10000 ? limit : 100);
			continue;
		}
		int first = 1;
		while ((rc = dc_stmt_step(st)) == 1) {
			static const char *const keys[] = {"business",    "pin",  "passport",
			                                   "nationality", "name", "room"};
			dc_buf_addf(out, "%s{\"id\":%lld", first ? "" : ",",
			            (long long)dc_stmt_int64(st, 0));
			first = 0;
			for (int c = 1; c <= 6; c++) {
				size_t len;
				if (dc_stmt_is_null(st, c))
					continue;
				const char *v = dc_stmt_text(st, c, &len);
				dc_buf_addf(out, ",\"%s\":\"", keys[c - 1]);
				dc_buf_add_json_str(out, v, len);
				dc_buf_addc(out, '"');
			}
			dc_buf_addf(out,
			            ",\"arrival_ms\":%lld,\"notified_ms\":%lld,\"late\":%s,"
			            "\"in_register\":%s,\"departed\":%s}",
			            (long long)dc_stmt_int64(st, 7),
			            (long long)dc_stmt_int64(st, 8),
			            dc_stmt_int64(st, 9) ? "true" : "false",
			            dc_stmt_int64(st, 10) ? "true" : "false",
			            dc_stmt_is_null(st, 11) ? "false" : "true");
		}
		if (rc == 0)
			rc = dc_buf_adds(out, "]}");
	}
	dc_stmt_finalize(st);
	dc_buf_release(&where);
	dc_buf_release(&sql);
	return rc < 0 ? rc : dc_buf_error(out);
}
