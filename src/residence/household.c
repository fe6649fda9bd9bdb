/*
 * household.c — what a citizen's residence and household look like: the
 * residence view (the content of a CT07 confirmation and of what the "7
 * methods" replacing the household book show) and a household's members.
 */
#include <stdio.h>
#include <string.h>

#include "dancu/citizen.h"
#include "dancu/db.h"
#include "dancu/pool.h"
#include "dancu/residence.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "core/internal.h"

static void str_member(struct dc_buf *b, const char *key, const char *v)
{
	dc_buf_addf(b, ",\"%s\":", key);
	if (!v) {
		dc_buf_adds(b, "null");
		return;
	}
	dc_buf_addc(b, '"');
	dc_buf_add_json_str(b, v, strlen(v));
	dc_buf_addc(b, '"');
}

static void place(struct dc_buf *b, const struct dc_units *u, const char *key, const char *commune,
                  const char *address)
{
	const struct dc_commune *c = commune ? dc_units_commune(u, commune, strlen(commune)) : NULL;
	const struct dc_province *p = c ? dc_units_province(u, c->province_code, 2) : NULL;
	dc_buf_addf(b, ",\"%s\":", key);
	if (!commune) {
		dc_buf_adds(b, "null");
		return;
	}
	dc_buf_addf(b, "{\"commune\":\"%s\"", commune);
	str_member(b, "commune_name", c ? c->name : NULL);
	str_member(b, "province_name", p ? p->name : NULL);
	str_member(b, "address", address);
	dc_buf_addc(b, '}');
}

int dc_residence_view(struct dc_store *s, const struct dc_units *u, const char *pin, int64_t now_ms,
                      struct dc_buf *out)
{
	struct dc_pool pool;
	struct dc_citizen x;
	struct dc_pin p;
	struct dc_stmt *st = NULL;
	char iso[DC_DATE_ISO_MAX];
	int rc;
	if (!pin || dc_pin_parse(pin, strlen(pin), &p))
		return DC_ERR_INVALID;
	dc_pool_init(&pool, 0);
	rc = dc_store_citizen_get(s, &p, &x, &pool);
	if (rc)
		goto cleanup;
	dc_buf_addf(out, "{\"pin\":\"%s\"", x.pin.d);
	str_member(out, "name", x.birth_name);
	dc_date_iso(&x.dob, iso);
	dc_buf_addf(out, ",\"dob\":\"%s\",\"sex\":\"%s\",\"status\":\"%s\"", iso,
	            x.sex == DC_SEX_MALE ? "M" : "F",
	            x.status == DC_STATUS_ALIVE  ? "alive"
	            : x.status == DC_STATUS_DEAD ? "dead"
	                                         : "missing");
	place(out, u, "permanent", x.perm_commune, x.perm_address);
	dc_date_iso(&x.perm_since, iso);
	str_member(out, "permanent_since", x.perm_commune && iso[0] ? iso : NULL);
	place(out, u, "temporary", x.temp_commune, x.temp_address);
	place(out, u, "current",
	      x.cur_commune    ? x.cur_commune
	      : x.temp_commune ? x.temp_commune
	                       : x.perm_commune,
	      x.cur_commune    ? x.cur_address
	      : x.temp_commune ? x.temp_address
	                       : x.perm_address);
	rc = dc_db_prepare(
	        dc_store_db(s),
	        "SELECT from_date, until_date, dossier_id FROM residence_term WHERE pin = "
	        "$1",
	        &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, x.pin.d);
	if (rc == DC_OK && (rc = dc_stmt_step(st)) == 1) {
		size_t n;
		dc_buf_adds(out, ",\"temporary_term\":{\"from\":\"");
		const char *v = dc_stmt_text(st, 0, &n);
		dc_buf_add_json_str(out, v, n);
		dc_buf_adds(out, "\",\"until\":\"");
		v = dc_stmt_text(st, 1, &n);
		dc_buf_add_json_str(out, v, n);
		dc_buf_adds(out, "\",\"dossier\":\"");
		v = dc_stmt_text(st, 2, &n);
		dc_buf_add_json_str(out, v, n);
		dc_buf_adds(out, "\"}");
		rc = DC_OK;
	} else if (rc == 0) {
		dc_buf_adds(out, ",\"temporary_term\":null");
	}
	dc_stmt_finalize(st);
	st = NULL;
	if (rc)
		goto cleanup;
	/* An absence that has not ended. */
	struct dc_date today = dc_date_from_days((now_ms + 7 * 3600 * 1000LL) / 86400000LL);
	dc_date_iso(&today, iso);
	rc = dc_db_prepare(dc_store_db(s),
	                   "SELECT from_date, to_date, destination, case_code FROM temp_absence "
	                   "WHERE pin = $1 AND to_date >= $2 ORDER BY to_date DESC LIMIT 1",
	                   &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, x.pin.d);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 2, iso);
	if (rc == DC_OK && (rc = dc_stmt_step(st)) == 1) {
		const char *k[] = {"from", "to", "destination", "case"};
		dc_buf_adds(out, ",\"temporary_absence\":{");
		for (int i = 0; i < 4; i++) {
			size_t n;
			const char *v = dc_stmt_text(st, i, &n);
			dc_buf_addf(out, "%s\"%s\":\"", i ? "," : "", k[i]);
			dc_buf_add_json_str(out, v, n);
			dc_buf_addc(out, '"');
		}
		dc_buf_addc(out, '}');
		rc = DC_OK;
	} else if (rc == 0) {
		dc_buf_adds(out, ",\"temporary_absence\":null");
	}
	dc_stmt_finalize(st);
	st = NULL;
	if (rc)
		goto cleanup;
	str_member(out, "household_id", x.household_id);
	str_member(out, "head_relation", x.head_relation);
	if (x.household_id) {
		rc = dc_db_prepare(
		        dc_store_db(s),
		        "SELECT pin, birth_name FROM citizen WHERE household_id = $1 AND "
		        "head_relation = 'head' AND status = 'alive'",
		        &st);
		if (rc == DC_OK)
			rc = dc_stmt_bind_str(st, 1, x.household_id);
		if (rc == DC_OK && (rc = dc_stmt_step(st)) == 1) {
			size_t n1, n2;
			const char *hp = dc_stmt_text(st, 0, &n1), *hn = dc_stmt_text(st, 1, &n2);
			dc_buf_adds(out, ",\"head\":{\"pin\":\"");
			dc_buf_add_json_str(out, hp, n1);
			dc_buf_adds(out, "\",\"name\":\"");
			dc_buf_add_json_str(out, hn, n2);
			dc_buf_adds(out, "\"}");
			rc = DC_OK;
		} else if (rc == 0) {
			dc_buf_adds(out, ",\"head\":null");
		}
		dc_stmt_finalize(st);
		st = NULL;
	}
	if (rc == DC_OK)
		rc = dc_buf_addc(out, '}');
cleanup:
	dc_stmt_finalize(st);
	dc_pool_release(&pool);
	return rc;
}

int dc_household_json(struct dc_store *s, const char *household_id, struct dc_buf *out,
                      int (*cb)(void *arg, const char *pin), void *arg)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT pin, birth_name, dob, sex, head_relation, perm_commune, "
	                       "perm_address FROM citizen WHERE household_id = $1 AND status = "
	                       "'alive' ORDER BY CASE WHEN head_relation = 'head' THEN 0 ELSE 1 "
	                       "END, dob, pin",
	                       &st);
	int n = 0;
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, household_id);
	dc_buf_adds(out, "{\"id\":\"");
	dc_buf_add_json_str(out, household_id, strlen(household_id));
	dc_buf_adds(out, "\",\"members\":[");
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == 1) {
		static const char *const k[] = {"pin",         "name",          "dob",
		                                "sex",         "head_relation", "perm_commune",
		                                "perm_address"};
		dc_buf_adds(out, n++ ? ",{" : "{");
		for (int i = 0; i < 7; i++) {
			size_t len;
			const char *v = dc_stmt_is_null(st, i) ? NULL : dc_stmt_text(st, i, &len);
			dc_buf_addf(out, "%s\"%s\":", i ? "," : "", k[i]);
			if (!v) {
				dc_buf_adds(out, "null");
				continue;
			}
			dc_buf_addc(out, '"');
			dc_buf_add_json_str(out, v, len);
			dc_buf_addc(out, '"');
		}
		dc_buf_addc(out, '}');
		size_t len;
		rc = cb ? cb(arg, dc_stmt_text(st, 0, &len)) : DC_OK;
	}
	dc_stmt_finalize(st);
	if (rc < 0)
		return rc;
	if (n == 0)
		return DC_ERR_NOT_FOUND;
	dc_buf_adds(out, "]}");
	return dc_buf_error(out);
}
