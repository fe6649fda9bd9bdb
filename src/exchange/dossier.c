/*
 * dossier.c — service dossiers and linked procedures (dancu/services.h).
 *
 * One transaction per operation: the dossier row, its history row, the
 * register change a completed step makes (a birth, a residence
 * registration, a death, a deletion, an agency's attribute), the next step
 * of a linked procedure, and the audit entry. If any part fails the whole
 * operation is rolled back, so a procedure is never left half-applied: a
 * step is either done with its register change, or not done.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dancu/core.h"
#include "dancu/audit.h"
#include "dancu/citizen.h"
#include "dancu/db.h"
#include "dancu/eid.h"
#include "dancu/exchange.h"
#include "dancu/pool.h"
#include "dancu/residence.h"
#include "dancu/services.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "core/internal.h"

#define ERR(...) snprintf(err, errlen, __VA_ARGS__)

struct row {
	char id[40], service[40], applicant[13], subject[13], state[24], commune[6], province[3],
	        queue[65], parent[40];
	int64_t step, submitted_ms, deadline_ms, closed_ms, fee, paid;
	char *data, *result, *prefill, *channel;
};

static void row_free(struct row *r)
{
	free(r->data);
	free(r->result);
	free(r->prefill);
	free(r->channel);
}

static char *dup_col(struct dc_stmt *st, int i)
{
	const char *t = dc_stmt_is_null(st, i) ? NULL : dc_stmt_text(st, i, NULL);
	return t ? strdup(t) : NULL;
}

#define ROW_COLS                                                                                \
	"id, service, applicant, coalesce(subject, ''), state, commune, province, queue, "      \
	"coalesce(parent, ''), step, submitted_ms, deadline_ms, closed_ms, fee_vnd, paid_vnd, " \
	"data_json, result_json, prefill_json, channel"

static void fill_row(struct dc_stmt *st, struct row *r)
{
	memset(r, 0, sizeof *r);
	snprintf(r->id, sizeof r->id, "%s", dc_stmt_text(st, 0, NULL));
	snprintf(r->service, sizeof r->service, "%s", dc_stmt_text(st, 1, NULL));
	snprintf(r->applicant, sizeof r->applicant, "%s", dc_stmt_text(st, 2, NULL));
	snprintf(r->subject, sizeof r->subject, "%s", dc_stmt_text(st, 3, NULL));
	snprintf(r->state, sizeof r->state, "%s", dc_stmt_text(st, 4, NULL));
	snprintf(r->commune, sizeof r->commune, "%s", dc_stmt_text(st, 5, NULL));
	snprintf(r->province, sizeof r->province, "%s", dc_stmt_text(st, 6, NULL));
	snprintf(r->queue, sizeof r->queue, "%s", dc_stmt_text(st, 7, NULL));
	snprintf(r->parent, sizeof r->parent, "%s", dc_stmt_text(st, 8, NULL));
	r->step = dc_stmt_int64(st, 9);
	r->submitted_ms = dc_stmt_int64(st, 10);
	r->deadline_ms = dc_stmt_int64(st, 11);
	r->closed_ms = dc_stmt_int64(st, 12);
	r->fee = dc_stmt_int64(st, 13);
	r->paid = dc_stmt_int64(st, 14);
	r->data = dup_col(st, 15);
	r->result = dup_col(st, 16);
	r->prefill = dup_col(st, 17);
	r->channel = dup_col(st, 18);
}

static int load(struct dc_store *s, const char *id, struct row *r)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s), "SELECT " ROW_COLS " FROM svc_dossier WHERE id = $1",
	                       &st);
	if (rc == DC_OK)
		dc_stmt_bind_str(st, 1, id);
	if (rc == DC_OK) {
		rc = dc_stmt_step(st);
		if (rc == DC_ROW) {
			fill_row(st, r);
			rc = DC_OK;
		} else if (rc == DC_DONE) {
			rc = DC_ERR_NOT_FOUND;
		}
	}
	dc_stmt_finalize(st);
	return rc;
}

static void new_id(char out[40])
{
	unsigned char b[8];
	char hex[17];
	randombytes_buf(b, sizeof b);
	sodium_bin2hex(hex, sizeof hex, b, sizeof b);
	snprintf(out, 40, "HS%s", hex);
}

static int history(const struct dc_svc_ctx *x, const char *id, const char *from, const char *to,
                   const char *note)
{
	return dc_db_run(
	        dc_store_db(x->store),
	        "INSERT INTO svc_history (dossier, from_state, to_state, at_ms, actor, note) "
	        "VALUES ($1, $2, $3, $4, $5, $6)",
	        "sssiss", id, from, to, x->now_ms, x->actor, note);
}

static int audit(const struct dc_svc_ctx *x, const char *action, const char *pin, const char *id)
{
	struct dc_audit_entry e = {x->actor, NULL, action, pin, NULL, id, x->request_id};
	return dc_audit_append(x->store, &e, NULL);
}

static int64_t deadline(const struct dc_svc_ctx *x, int half_days)
{
	if (x->cal)
		return dc_calendar_deadline(x->cal, x->now_ms, half_days);
	return x->now_ms + (int64_t)half_days * 12 * 3600 * 1000;
}

/* Sets column `name` of c to v (kept in pool). */
static int set_col(struct dc_citizen *c, struct dc_pool *pool, const char *name, const char *v)
{
	int i = dc_citizen_column_index(name, strlen(name));
	if (i < 0)
		return DC_ERR_INVALID;
	size_t n = v ? strlen(v) : 0;
	char *copy = dc_pool_alloc(pool, n + 1);
	if (!copy)
		return DC_ERR_NOMEM;
	if (n)
		memcpy(copy, v, n);
	copy[n] = '\0';
	return dc_citizen_set(c, (size_t)i, copy, n);
}

static const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int alive_citizen(struct dc_store *s, const char *pin, struct dc_citizen *c,
                         struct dc_pool *pool)
{
	struct dc_pin p;
	if (!pin || dc_pin_parse(pin, strlen(pin), &p))
		return DC_ERR_INVALID;
	int rc = dc_store_citizen_get(s, &p, c, pool);
	if (rc == DC_OK && c->status != DC_STATUS_ALIVE)
		return DC_ERR_CONFLICT;
	return rc;
}

static void today_iso(char out[16])
{
	struct dc_date d = dc_date_today();
	snprintf(out, 16, "%04d-%02d-%02d", (int)d.year, d.month & 0xff, d.day & 0xff);
}

/* Checks the data a service needs at submission. */
static int check_data(const struct dc_svc_ctx *x, const struct dc_service *sv, json_t *data,
                      char *err, size_t errlen)
{
	struct dc_pool pool;
	struct dc_citizen c;
	int rc = DC_OK;
	const char *code = sv->code;
	dc_pool_init(&pool, 0);
	if (!strcmp(code, "birth_registration") || !strcmp(code, "linked_birth")) {
		json_t *ch = json_object_get(data, "child");
		struct dc_date d;
		const char *n = jstr(ch, "birth_name"), *dob = jstr(ch, "dob"),
		           *sex = jstr(ch, "sex");
		if (!json_is_object(ch) || !n || !*n || !dob ||
		    dc_date_parse(dob, strlen(dob), &d) || d.day == 0 || !sex ||
		    (strcmp(sex, "M") && strcmp(sex, "F"))) {
			ERR("data.child needs birth_name, dob (YYYY-MM-DD) and sex (M or F)");
			rc = DC_ERR_INVALID;
		} else if (!strcmp(code, "linked_birth") &&
		           dc_date_age(&d, &(struct dc_date){dc_date_today().year,
		                                             dc_date_today().month,
		                                             dc_date_today().day}) >= 6) {
			ERR("the linked procedure is for a child under 6");
			rc = DC_ERR_INVALID;
		}
	} else if (!strcmp(code, "death_registration") || !strcmp(code, "linked_death")) {
		const char *p = jstr(data, "deceased_pin"), *dd = jstr(data, "death_date");
		struct dc_date d;
		if (!dd || dc_date_parse(dd, strlen(dd), &d) || d.day == 0) {
			ERR("data needs deceased_pin and death_date (YYYY-MM-DD)");
			rc = DC_ERR_INVALID;
		} else if ((rc = alive_citizen(x->store, p, &c, &pool))) {
			ERR("deceased_pin: %s", rc == DC_ERR_CONFLICT
			                                ? "already recorded as not alive"
			                        : rc == DC_ERR_INVALID ? "not a personal ID number"
			                                               : "no such citizen");
			rc = rc == DC_ERR_NOT_FOUND || rc == DC_ERR_CONFLICT ? DC_ERR_INVALID : rc;
		}
	} else if (!strcmp(code, "perm_register") || !strcmp(code, "temp_register")) {
		const char *k = code[0] == 'p' ? "perm_commune" : "temp_commune";
		const char *v = jstr(data, k);
		if (!v || !dc_units_commune(x->units, v, strlen(v))) {
			ERR("data.%s must be a 5-digit commune code", k);
			rc = DC_ERR_INVALID;
		}
	}
	dc_pool_release(&pool);
	return rc;
}

static int insert_dossier(const struct dc_svc_ctx *x, const char *id, const struct dc_service *sv,
                          const char *applicant, const char *subject, const char *channel,
                          const char *state, const char *commune, const char *province,
                          const char *parent, int64_t step, const char *data, const char *prefill)
{
	int rc = dc_db_run(
	        dc_store_db(x->store),
	        "INSERT INTO svc_dossier (id, service, applicant, subject, channel, state, "
	        "commune, province, queue, parent, data_json, prefill_json, step, "
	        "submitted_ms, deadline_ms, fee_vnd) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
	        "$9, $10, $11, $12, $13, $14, $15, $16)",
	        "ssssssssssssiiii", id, sv->code, applicant, subject, channel, state, commune,
	        province, parent ? "procedure" : sv->queue, parent, data, prefill, step, x->now_ms,
	        deadline(x, sv->half_days), parent ? (int64_t)0 : sv->fee_vnd);
	(void)0;
	return rc;
}

int dc_svc_submit(const struct dc_svc_ctx *x, const char *code, const char *pin,
                  const char *channel, const char *data_json, char id_out[40], char *err,
                  size_t errlen)
{
	const struct dc_service *sv = dc_service_find(code);
	struct dc_pool pool;
	struct dc_citizen a;
	struct dc_buf pre = DC_BUF_INIT;
	json_t *data = NULL;
	int rc;
	dc_pool_init(&pool, 0);
	if (!sv || sv->step_only) {
		ERR("unknown service (see GET /api/v1/services)");
		return DC_ERR_INVALID;
	}
	if (!channel || (strcmp(channel, "online") && strcmp(channel, "offline"))) {
		ERR("channel must be online or offline");
		return DC_ERR_INVALID;
	}
	data = json_loads(data_json ? data_json : "{}", 0, NULL);
	if (!json_is_object(data)) {
		ERR("data must be a JSON object");
		rc = DC_ERR_INVALID;
		goto done;
	}
	rc = alive_citizen(x->store, pin, &a, &pool);
	if (rc) {
		ERR("the applicant is %s",
		    rc == DC_ERR_CONFLICT ? "not alive in the register" : "not in the register");
		rc = rc == DC_ERR_CONFLICT ? DC_ERR_INVALID : DC_ERR_NOT_FOUND;
		goto done;
	}
	const char *commune = a.perm_commune ? a.perm_commune : a.temp_commune;
	const struct dc_commune *cm =
	        commune ? dc_units_commune(x->units, commune, strlen(commune)) : NULL;
	if (!cm) {
		ERR("the applicant has no place of residence in the register");
		rc = DC_ERR_INVALID;
		goto done;
	}
	if ((rc = check_data(x, sv, data, err, errlen)))
		goto done;
	/* The register's data, so the citizen does not type it again. */
	static const char *const pf[] = {"birth_name",   "perm_commune", "perm_address",
	                                 "temp_commune", "temp_address", "phone",
	                                 "email"};
	dc_buf_adds(&pre, "{\"pin\":\"");
	dc_buf_adds(&pre, pin);
	dc_buf_addf(&pre, "\",\"dob\":\"%04d-%02d-%02d\",\"sex\":\"%s\"", a.dob.year, a.dob.month,
	            a.dob.day, a.sex == DC_SEX_FEMALE ? "F" : "M");
	for (size_t i = 0; i < DC_ARRAY_LEN(pf); i++) {
		int ci = dc_citizen_column_index(pf[i], strlen(pf[i]));
		struct dc_buf v = DC_BUF_INIT;
		dc_citizen_get(&a, (size_t)ci, &v);
		if (v.len) {
			dc_buf_addf(&pre, ",\"%s\":\"", pf[i]);
			dc_buf_add_json_str(&pre, v.ptr, v.len);
			dc_buf_addc(&pre, '"');
		}
		dc_buf_release(&v);
	}
	dc_buf_addc(&pre, '}');
	if ((rc = dc_buf_error(&pre)))
		goto done;
	char *dj = json_dumps(data, JSON_COMPACT);
	if (!dj) {
		rc = DC_ERR_NOMEM;
		goto done;
	}
	new_id(id_out);
	const char *subject = jstr(data, "deceased_pin");
	rc = dc_store_begin(x->store);
	if (rc == DC_OK)
		rc = insert_dossier(x, id_out, sv, pin, subject, channel,
		                    sv->steps ? "processing" : "submitted", cm->code,
		                    cm->province_code, NULL, 0, dj, pre.ptr);
	if (rc == DC_OK)
		rc = history(x, id_out, NULL, sv->steps ? "processing" : "submitted",
		             sv->steps ? "linked procedure started" : NULL);
	if (rc == DC_OK && sv->steps) {
		char first[40], sid[40];
		const char *comma = strchr(sv->steps, ',');
		snprintf(first, sizeof first, "%.*s", (int)(comma - sv->steps), sv->steps);
		new_id(sid);
		rc = insert_dossier(x, sid, dc_service_find(first), pin, subject, channel,
		                    "submitted", cm->code, cm->province_code, id_out, 1, dj,
		                    pre.ptr);
		/* the step's queue is its own service's, not "procedure" */
		if (rc == DC_OK)
			rc = dc_db_run(dc_store_db(x->store),
			               "UPDATE svc_dossier SET queue = $2 WHERE id = $1", "ss", sid,
			               dc_service_find(first)->queue);
		if (rc == DC_OK)
			rc = history(x, sid, NULL, "submitted", "step 1 of the linked procedure");
	}
	if (rc == DC_OK)
		rc = audit(x, "dossier.submit", pin, id_out);
	if (rc == DC_OK)
		rc = dc_store_commit(x->store);
	else
		dc_store_rollback(x->store);
	free(dj);
done:
	json_decref(data);
	dc_buf_release(&pre);
	dc_pool_release(&pool);
	return rc;
}

/* --- register changes of completed steps ---------------------------------------- */

static int update_citizen(const struct dc_svc_ctx *x, const struct dc_citizen *c, const char *kind,
                          const char *id)
{
	char reason[80];
	snprintf(reason, sizeof reason, "service dossier %s", id);
	struct dc_change why = {x->actor, reason, id, kind};
	return dc_store_citizen_update(x->store, c, &why, NULL);
}

/* Applies step r's register change; may set r->subject; *result (may stay
 * NULL) gets a JSON object text (caller frees). */
static int effect(const struct dc_svc_ctx *x, struct row *r, json_t *res, char **result, char *err,
                  size_t errlen)
{
	struct dc_pool pool;
	struct dc_citizen c, a;
	json_t *data = json_loads(r->data ? r->data : "{}", 0, NULL);
	int rc = DC_OK;
	char today[16];
	today_iso(today);
	dc_pool_init(&pool, 0);
	if (!data) {
		rc = DC_ERR_DB;
		goto done;
	}
	if (!strcmp(r->service, "birth_registration")) {
		json_t *ch = json_object_get(data, "child");
		const char *unit =
		        jstr(ch, "birth_reg_unit") ? jstr(ch, "birth_reg_unit") : r->commune;
		const struct dc_commune *cm = dc_units_commune(x->units, unit, strlen(unit));
		unsigned long long prov = 0;
		memset(&c, 0, sizeof c);
		c.nationality = "VN";
		if (!cm || set_col(&c, &pool, "birth_name", jstr(ch, "birth_name")) ||
		    set_col(&c, &pool, "dob", jstr(ch, "dob")) ||
		    set_col(&c, &pool, "sex", jstr(ch, "sex")) ||
		    set_col(&c, &pool, "birth_reg_unit", cm->code)) {
			ERR("the child's data cannot be registered");
			rc = DC_ERR_CONFLICT;
			goto done;
		}
		if ((rc = alive_citizen(x->store, r->applicant, &a, &pool)) == DC_OK)
			rc = set_col(&c, &pool,
			             a.sex == DC_SEX_FEMALE ? "mother_pin" : "father_pin",
			             r->applicant);
		if (rc == DC_OK)
			rc = set_col(&c, &pool,
			             a.sex == DC_SEX_FEMALE ? "mother_name" : "father_name",
			             a.birth_name);
		dc_parse_uint(cm->province_code, 2, 99, &prov);
		if (rc == DC_OK)
			rc = dc_store_pin_allocate(x->store, (int)prov, c.dob.year,
			                           (enum dc_sex)c.sex, &c.pin);
		char reason[80];
		snprintf(reason, sizeof reason, "birth registration, service dossier %s", r->id);
		struct dc_change why = {x->actor, reason, r->id, "birth"};
		if (rc == DC_OK)
			rc = dc_store_citizen_create(x->store, &c, &why, NULL);
		if (rc) {
			ERR("the birth could not be registered: %s", dc_strerror(rc));
			rc = DC_ERR_CONFLICT;
			goto done;
		}
		snprintf(r->subject, sizeof r->subject, "%s", c.pin.d);
		json_object_set_new(res, "child_pin", json_string(c.pin.d));
	} else if (!strcmp(r->service, "perm_register") || !strcmp(r->service, "temp_register")) {
		int perm = r->service[0] == 'p';
		const char *target = r->subject[0] ? r->subject : r->applicant;
		if ((rc = alive_citizen(x->store, target, &c, &pool)) ||
		    (rc = alive_citizen(x->store, r->applicant, &a, &pool))) {
			ERR("the person to register is not alive in the register");
			rc = DC_ERR_CONFLICT;
			goto done;
		}
		const char *cm = jstr(data, perm ? "perm_commune" : "temp_commune");
		const char *ad = jstr(data, perm ? "perm_address" : "temp_address");
		if (!cm) { /* a child registered at the parent's permanent residence */
			cm = a.perm_commune;
			ad = a.perm_address;
		}
		if (!cm || !dc_units_commune(x->units, cm, strlen(cm))) {
			ERR("no commune to register the residence in (the applicant has no "
			    "permanent residence)");
			rc = DC_ERR_CONFLICT;
			goto done;
		}
		rc = set_col(&c, &pool, perm ? "perm_commune" : "temp_commune", cm);
		if (rc == DC_OK)
			rc = set_col(&c, &pool, perm ? "perm_address" : "temp_address",
			             ad ? ad : "");
		if (rc == DC_OK && perm)
			rc = set_col(&c, &pool, "perm_since", today);
		if (rc == DC_OK)
			rc = update_citizen(x, &c, perm ? "perm_register" : "temp_register", r->id);
		if (rc) {
			ERR("the residence could not be registered: %s", dc_strerror(rc));
			rc = DC_ERR_CONFLICT;
			goto done;
		}
		snprintf(r->subject, sizeof r->subject, "%s", c.pin.d);
	} else if (!strcmp(r->service, "bhyt_child")) {
		const char *num = jstr(res, "bhyt_number");
		struct dc_agency ag;
		memset(&ag, 0, sizeof ag);
		snprintf(ag.id, sizeof ag.id, "%s", r->queue);
		snprintf(ag.writes, sizeof ag.writes, "bhyt_number");
		if (!num || !r->subject[0]) {
			ERR("result.bhyt_number is required to complete the card");
			rc = DC_ERR_CONFLICT;
			goto done;
		}
		rc = dc_agency_attr_set(x->store, &ag, r->subject, "bhyt_number", num, x->actor,
		                        x->now_ms);
		if (rc) {
			ERR("the card number could not be recorded: %s", dc_strerror(rc));
			rc = DC_ERR_CONFLICT;
			goto done;
		}
	} else if (!strcmp(r->service, "death_registration")) {
		const char *dd = jstr(data, "death_date");
		if ((rc = alive_citizen(x->store, r->subject, &c, &pool)) ||
		    set_col(&c, &pool, "status", "dead") || set_col(&c, &pool, "death_date", dd) ||
		    (rc = update_citizen(x, &c, "death", r->id)) ||
		    (rc = dc_eid_close_for_death(x->store, r->subject))) {
			ERR("the death could not be registered (%s)",
			    rc == DC_ERR_CONFLICT ? "already recorded" : dc_strerror(rc ? rc : -2));
			rc = DC_ERR_CONFLICT;
			goto done;
		}
	} else if (!strcmp(r->service, "perm_delete")) {
		struct dc_pin p;
		if (dc_pin_parse(r->subject, strlen(r->subject), &p) ||
		    (rc = dc_store_citizen_get(x->store, &p, &c, &pool)) ||
		    set_col(&c, &pool, "perm_commune", "") ||
		    set_col(&c, &pool, "perm_address", "") ||
		    set_col(&c, &pool, "perm_since", "") ||
		    (rc = update_citizen(x, &c, "perm_delete", r->id))) {
			ERR("the permanent residence could not be deleted");
			rc = DC_ERR_CONFLICT;
			goto done;
		}
	}
	if (json_object_size(res)) {
		*result = json_dumps(res, JSON_COMPACT);
		if (!*result)
			rc = DC_ERR_NOMEM;
	}
done:
	json_decref(data);
	dc_pool_release(&pool);
	return rc;
}

static int allowed(const char *from, const char *to)
{
	static const char *const t[][2] = {{"submitted", "received"},
	                                   {"submitted", "rejected"},
	                                   {"received", "processing"},
	                                   {"received", "rejected"},
	                                   {"processing", "supplement_requested"},
	                                   {"processing", "completed"},
	                                   {"processing", "rejected"},
	                                   {"supplement_requested", "processing"},
	                                   {"supplement_requested", "rejected"}};
	for (size_t i = 0; i < DC_ARRAY_LEN(t); i++)
		if (!strcmp(t[i][0], from) && !strcmp(t[i][1], to))
			return 1;
	return 0;
}

/* After step r completed or was rejected: the next step, or the parent's end. */
static int advance_parent(const struct dc_svc_ctx *x, const struct row *r, int completed)
{
	struct row p;
	int rc = load(x->store, r->parent, &p);
	if (rc)
		return rc;
	const struct dc_service *ps = dc_service_find(p.service);
	char next[40] = "";
	const char *s = ps && ps->steps ? ps->steps : "";
	for (int64_t i = 0; i < r->step && s; i++) {
		s = strchr(s, ',');
		if (s)
			s++;
	}
	if (s && *s) {
		const char *e = strchr(s, ',');
		snprintf(next, sizeof next, "%.*s", e ? (int)(e - s) : (int)strlen(s), s);
	}
	if (completed && next[0]) {
		char sid[40];
		const struct dc_service *ns = dc_service_find(next);
		new_id(sid);
		rc = insert_dossier(x, sid, ns, p.applicant, r->subject[0] ? r->subject : NULL,
		                    p.channel ? p.channel : "online", "submitted", p.commune,
		                    p.province, p.id, r->step + 1, p.data ? p.data : "{}",
		                    p.prefill ? p.prefill : "{}");
		if (rc == DC_OK)
			rc = dc_db_run(dc_store_db(x->store),
			               "UPDATE svc_dossier SET queue = $2 WHERE id = $1", "ss", sid,
			               ns->queue);
		if (rc == DC_OK) {
			char note[64];
			snprintf(note, sizeof note, "step %lld of the linked procedure",
			         (long long)r->step + 1);
			rc = history(x, sid, NULL, "submitted", note);
		}
		if (rc == DC_OK && r->subject[0])
			rc = dc_db_run(dc_store_db(x->store),
			               "UPDATE svc_dossier SET subject = $2 WHERE id = $1", "ss",
			               p.id, r->subject);
	} else {
		const char *to = completed ? "completed" : r->step > 1 ? "partial" : "rejected";
		char note[96];
		snprintf(note, sizeof note, "step %lld (%s) %s", (long long)r->step, r->service,
		         completed ? "completed: all steps done"
		                   : "rejected: later steps not started");
		rc = dc_db_run(
		        dc_store_db(x->store),
		        "UPDATE svc_dossier SET state = $2, closed_ms = $3 WHERE id = $1 AND "
		        "closed_ms = 0",
		        "ssi", p.id, to, x->now_ms);
		if (rc == DC_OK)
			rc = history(x, p.id, p.state, to, note);
	}
	row_free(&p);
	return rc;
}

int dc_svc_transition(const struct dc_svc_ctx *x, const char *id, const char *queue, const char *to,
                      const char *note, const char *result_json, char *err, size_t errlen)
{
	struct row r;
	char *result = NULL;
	json_t *res = NULL;
	if (!dc_svc_state_valid(to) || !strcmp(to, "partial") || !strcmp(to, "submitted")) {
		ERR("to must be received, processing, supplement_requested, completed or rejected");
		return DC_ERR_INVALID;
	}
	res = result_json ? json_loads(result_json, 0, NULL) : json_object();
	if (!json_is_object(res)) {
		json_decref(res);
		ERR("result must be a JSON object");
		return DC_ERR_INVALID;
	}
	int rc = dc_store_begin(x->store);
	if (rc) {
		json_decref(res);
		return rc;
	}
	rc = load(x->store, id, &r);
	if (rc == DC_OK && queue && strcmp(queue, r.queue))
		rc = DC_ERR_NOT_FOUND;
	if (rc == DC_OK && !strcmp(r.queue, "procedure")) {
		ERR("a linked procedure moves through its steps");
		rc = DC_ERR_CONFLICT;
	} else if (rc == DC_OK && !allowed(r.state, to)) {
		ERR("a %s dossier cannot become %s", r.state, to);
		rc = DC_ERR_CONFLICT;
	}
	if (rc == DC_OK && !strcmp(to, "completed"))
		rc = effect(x, &r, res, &result, err, errlen);
	int final = !strcmp(to, "completed") || !strcmp(to, "rejected");
	if (rc == DC_OK)
		rc = dc_db_run(dc_store_db(x->store),
		               "UPDATE svc_dossier SET state = $2, closed_ms = $3, subject = $4, "
		               "result_json "
		               "= coalesce($5, result_json) WHERE id = $1",
		               "ssiss", r.id, to, final ? x->now_ms : (int64_t)0,
		               r.subject[0] ? r.subject : NULL, result);
	if (rc == DC_OK)
		rc = history(x, r.id, r.state, to, note);
	if (rc == DC_OK && final && r.parent[0])
		rc = advance_parent(x, &r, !strcmp(to, "completed"));
	if (rc == DC_OK) {
		char action[48];
		snprintf(action, sizeof action, "dossier.%s", to);
		rc = audit(x, action, r.applicant, r.id);
	}
	if (rc == DC_OK)
		rc = dc_store_commit(x->store);
	else
		dc_store_rollback(x->store);
	if (rc != DC_ERR_NOT_FOUND || r.id[0])
		row_free(&r);
	free(result);
	json_decref(res);
	return rc;
}

/* --- reading ------------------------------------------------------------------- */

static void summary_json(struct dc_buf *b, const struct row *r, int64_t now_ms)
{
	const struct dc_service *sv = dc_service_find(r->service);
	dc_buf_addf(b, "{\"id\":\"%s\",\"service\":\"%s\",\"name\":\"", r->id, r->service);
	if (sv)
		dc_buf_add_json_str(b, sv->name_vi, strlen(sv->name_vi));
	dc_buf_addf(
	        b,
	        "\",\"applicant\":\"%s\",\"subject\":%s%s%s,\"channel\":\"%s\",\"state\":\"%s\","
	        "\"commune\":\"%s\",\"province\":\"%s\",\"queue\":\"",
	        r->applicant, r->subject[0] ? "\"" : "", r->subject[0] ? r->subject : "null",
	        r->subject[0] ? "\"" : "", r->channel ? r->channel : "", r->state, r->commune,
	        r->province);
	dc_buf_add_json_str(b, r->queue, strlen(r->queue));
	dc_buf_addf(b,
	            "\",\"parent\":%s%s%s,\"step\":%lld,\"submitted_ms\":%lld,\"deadline_ms\":%lld,"
	            "\"closed_ms\":%lld,\"overdue\":%s,\"fee_vnd\":%lld,\"paid_vnd\":%lld,"
	            "\"result\":%s}",
	            r->parent[0] ? "\"" : "", r->parent[0] ? r->parent : "null",
	            r->parent[0] ? "\"" : "", (long long)r->step, (long long)r->submitted_ms,
	            (long long)r->deadline_ms, (long long)r->closed_ms,
	            !r->closed_ms && r->deadline_ms < now_ms ? "true" : "false", (long long)r->fee,
	            (long long)r->paid, r->result ? r->result : "null");
}

int dc_svc_dossier_json(struct dc_store *s, const char *id, int64_t now_ms, struct dc_buf *out,
                        char *commune_out, char *pin_out)
{
	struct row r;
	struct dc_stmt *st = NULL;
	int rc = load(s, id, &r);
	if (rc)
		return rc;
	if (commune_out)
		snprintf(commune_out, 6, "%s", r.commune);
	if (pin_out)
		snprintf(pin_out, 13, "%s", r.applicant);
	summary_json(out, &r, now_ms);
	out->len--; /* reopen the object */
	dc_buf_addf(out, ",\"data\":%s,\"prefill\":%s,\"history\":[", r.data ? r.data : "{}",
	            r.prefill ? r.prefill : "{}");
	rc = dc_db_prepare(
	        dc_store_db(s),
	        "SELECT coalesce(from_state, ''), to_state, at_ms, actor, coalesce(note, "
	        "'') FROM svc_history WHERE dossier = $1 ORDER BY seq",
	        &st);
	if (rc == DC_OK)
		dc_stmt_bind_str(st, 1, id);
	for (int first = 1; rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW; first = 0) {
		const char *n = dc_stmt_text(st, 4, NULL), *a = dc_stmt_text(st, 3, NULL);
		dc_buf_addf(out, "%s{\"from\":\"%s\",\"to\":\"%s\",\"at_ms\":%lld,\"actor\":\"",
		            first ? "" : ",", dc_stmt_text(st, 0, NULL), dc_stmt_text(st, 1, NULL),
		            (long long)dc_stmt_int64(st, 2));
		dc_buf_add_json_str(out, a, strlen(a));
		dc_buf_adds(out, "\",\"note\":\"");
		dc_buf_add_json_str(out, n, strlen(n));
		dc_buf_adds(out, "\"}");
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	st = NULL;
	rc = rc == DC_DONE ? DC_OK : rc;
	dc_buf_adds(out, "],\"steps\":");
	if (rc == DC_OK) {
		struct dc_svc_filter f = {0};
		(void)f;
		rc = dc_db_prepare(dc_store_db(s),
		                   "SELECT " ROW_COLS
		                   " FROM svc_dossier WHERE parent = $1 ORDER BY step",
		                   &st);
		if (rc == DC_OK)
			dc_stmt_bind_str(st, 1, id);
		dc_buf_addc(out, '[');
		for (int first = 1; rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW; first = 0) {
			struct row c;
			fill_row(st, &c);
			if (!first)
				dc_buf_addc(out, ',');
			summary_json(out, &c, now_ms);
			row_free(&c);
			rc = DC_OK;
		}
		dc_buf_addc(out, ']');
		dc_stmt_finalize(st);
		st = NULL;
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	dc_buf_adds(out, ",\"payments\":[");
	if (rc == DC_OK)
		rc = dc_db_prepare(dc_store_db(s),
		                   "SELECT ref, amount_vnd, gateway, at_ms FROM svc_payment WHERE "
		                   "dossier = $1 ORDER BY at_ms, ref",
		                   &st);
	if (rc == DC_OK)
		dc_stmt_bind_str(st, 1, id);
	for (int first = 1; rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW; first = 0) {
		dc_buf_addf(
		        out,
		        "%s{\"ref\":\"%s\",\"amount_vnd\":%lld,\"gateway\":\"%s\",\"at_ms\":%lld}",
		        first ? "" : ",", dc_stmt_text(st, 0, NULL),
		        (long long)dc_stmt_int64(st, 1), dc_stmt_text(st, 2, NULL),
		        (long long)dc_stmt_int64(st, 3));
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	rc = rc == DC_DONE ? DC_OK : rc;
	dc_buf_adds(out, "]}");
	row_free(&r);
	return rc ? rc : dc_buf_error(out);
}

int dc_svc_list(struct dc_store *s, const struct dc_svc_filter *f, int64_t now_ms,
                struct dc_buf *out)
{
	struct dc_buf sql = DC_BUF_INIT;
	struct dc_stmt *st = NULL;
	const char *v[6];
	int nv = 0;
	dc_buf_adds(&sql, "SELECT " ROW_COLS " FROM svc_dossier WHERE 1 = 1");
	if (!f->steps)
		dc_buf_adds(&sql, " AND parent IS NULL");
	if (f->applicant) {
		v[nv++] = f->applicant;
		dc_buf_addf(&sql, " AND applicant = $%d", nv);
	}
	if (f->scope && strcmp(f->scope, "VN")) {
		v[nv++] = f->scope;
		dc_buf_addf(&sql, " AND %s = $%d", strlen(f->scope) == 2 ? "province" : "commune",
		            nv);
	}
	if (f->queue) {
		v[nv++] = f->queue;
		dc_buf_addf(&sql, " AND queue = $%d", nv);
	}
	if (f->state) {
		v[nv++] = f->state;
		dc_buf_addf(&sql, " AND state = $%d", nv);
	}
	if (f->service) {
		v[nv++] = f->service;
		dc_buf_addf(&sql, " AND service = $%d", nv);
	}
	if (f->overdue)
		dc_buf_addf(&sql, " AND closed_ms = 0 AND deadline_ms < %lld", (long long)now_ms);
	dc_buf_addf(&sql, " ORDER BY submitted_ms DESC, id LIMIT %d",
	            f->limit > 0 && f->limit <= 500 ? f->limit : 500);
	int rc = dc_buf_error(&sql);
	if (rc == DC_OK)
		rc = dc_db_prepare(dc_store_db(s), sql.ptr, &st);
	for (int i = 0; rc == DC_OK && i < nv; i++)
		rc = dc_stmt_bind_str(st, i + 1, v[i]);
	dc_buf_addc(out, '[');
	for (int first = 1; rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW; first = 0) {
		struct row r;
		fill_row(st, &r);
		if (!first)
			dc_buf_addc(out, ',');
		summary_json(out, &r, now_ms);
		row_free(&r);
		rc = DC_OK;
	}
	dc_buf_addc(out, ']');
	dc_stmt_finalize(st);
	dc_buf_release(&sql);
	rc = rc == DC_DONE ? DC_OK : rc;
	return rc ? rc : dc_buf_error(out);
}

/* --- payments -------------------------------------------------------------------- */

/* A payment gateway: charges amount for the dossier and writes a reference.
 * Only the demo gateway exists: it records locally. A real one (a bank's or
 * the National Public Service Portal's) is added here. */
struct gateway {
	const char *name;
	int (*charge)(const char *dossier, int64_t amount, char ref[40]);
};

static int demo_charge(const char *dossier, int64_t amount, char ref[40])
{
	unsigned char b[6];
	char hex[13];
	(void)dossier;
	(void)amount;
	randombytes_buf(b, sizeof b);
	sodium_bin2hex(hex, sizeof hex, b, sizeof b);
	snprintf(ref, 40, "DEMO-%s", hex);
	return DC_OK;
}

static const struct gateway gateways[] = {{"demo", demo_charge}};

int dc_svc_pay(const struct dc_svc_ctx *x, const char *id, const char *gateway, int64_t amount_vnd,
               char ref_out[40])
{
	const struct gateway *g = NULL;
	struct row r;
	for (size_t i = 0; gateway && i < DC_ARRAY_LEN(gateways); i++)
		if (!strcmp(gateways[i].name, gateway))
			g = &gateways[i];
	if (!g || amount_vnd <= 0)
		return DC_ERR_INVALID;
	int rc = dc_store_begin(x->store);
	if (rc)
		return rc;
	rc = load(x->store, id, &r);
	if (rc) {
		dc_store_rollback(x->store);
		return rc;
	}
	if (amount_vnd > r.fee - r.paid)
		rc = DC_ERR_INVALID;
	if (rc == DC_OK)
		rc = g->charge(id, amount_vnd, ref_out);
	if (rc == DC_OK)
		rc = dc_db_run(
		        dc_store_db(x->store),
		        "INSERT INTO svc_payment (ref, dossier, amount_vnd, gateway, at_ms, actor) "
		        "VALUES ($1, $2, $3, $4, $5, $6)",
		        "ssisis", ref_out, id, amount_vnd, g->name, x->now_ms, x->actor);
	if (rc == DC_OK)
		rc = dc_db_run(dc_store_db(x->store),
		               "UPDATE svc_dossier SET paid_vnd = paid_vnd + $2 WHERE id = $1",
		               "si", id, amount_vnd);
	if (rc == DC_OK)
		rc = audit(x, "dossier.payment", r.applicant, id);
	row_free(&r);
	if (rc == DC_OK)
		return dc_store_commit(x->store);
	dc_store_rollback(x->store);
	return rc;
}
