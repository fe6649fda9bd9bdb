/*
 * api_register.c — register writes by officers, and a citizen's history.
 *
 *   POST  /api/v1/births                      birth registration: allocates the number
 *   PATCH /api/v1/citizens/{pin}              correction (reason + evidence required)
 *   POST  /api/v1/citizens/{pin}/death        death registration
 *   GET   /api/v1/citizens/{pin}/history?purpose=P   the change events ("biến động")
 *
 * Writes only inside the officer's jurisdiction: a birth by the commune of
 * birth registration, a change by the commune of residence (permanent, else
 * temporary, else current). Every write goes through the data-quality gate
 * (422 with the rule codes when it fails), is one transaction with its event
 * and its audit entry, and is all or nothing.
 *
 * Not yet (see the issue notes): the duplicate check and review queue on
 * births, search, households and residence procedures.
 */
#include <jansson.h>
#include <string.h>

#include "dancu/audit.h"
#include "dancu/eid.h"
#include "dancu/officer.h"
#include "dancu/rules.h"
#include "dancu/store.h"
#include "dancu/text.h"
#include "dancu/units.h"

#include "core/internal.h"
#include "http/http.h"

int dc__in_jurisdiction(const struct dc__call *c, const struct dc_officer *o, const char *commune)
{
	const struct dc_commune *cm;
	switch (o->role) {
	case DC_ROLE_NATIONAL:
		return 1;
	case DC_ROLE_COMMUNE:
		return commune && !strcmp(commune, o->jurisdiction);
	case DC_ROLE_PROVINCE:
		cm = commune ? dc_units_commune(c->units, commune, strlen(commune)) : NULL;
		return cm && !strcmp(cm->province_code, o->jurisdiction);
	case DC_ROLE_AUDITOR:
		return 0;
	}
	return 0;
}

static const char *home_commune(const struct dc_citizen *x)
{
	return x->perm_commune   ? x->perm_commune
	       : x->temp_commune ? x->temp_commune
	                         : x->cur_commune;
}

/* Applies the JSON members of j to x (column names; strings or null).
 * Members in `skip` are left for the caller; pin, status and death_date are
 * refused (they change only through their own procedures). */
static int apply_json(struct dc__call *c, json_t *j, struct dc_citizen *x, struct dc_pool *pool)
{
	const char *key;
	json_t *v;
	struct dc_buf clean = DC_BUF_INIT;
	int rc = DC_OK;
	json_object_foreach (j, key, v) {
		if (!strcmp(key, "reason") || !strcmp(key, "evidence"))
			continue;
		int col = dc_citizen_column_index(key, strlen(key));
		if (col < 0 || !strcmp(key, "pin") || !strcmp(key, "status") ||
		    !strcmp(key, "death_date")) {
			snprintf(c->detail, sizeof c->detail, "field \"%.60s\" cannot be set here",
			         key);
			rc = dc__fail(c, DC_ERR_INVALID, 400, c->detail);
			break;
		}
		if (!json_is_string(v) && !json_is_null(v)) {
			snprintf(c->detail, sizeof c->detail,
			         "field \"%.60s\" must be a string or null", key);
			rc = dc__fail(c, DC_ERR_INVALID, 400, c->detail);
			break;
		}
		const char *s = json_is_string(v) ? json_string_value(v) : "";
		size_t n = json_is_string(v) ? json_string_length(v) : 0;
		dc_buf_reset(&clean);
		if (n && dc_text_clean(s, n, &clean) != DC_OK) {
			snprintf(c->detail, sizeof c->detail, "field \"%.60s\" is not valid UTF-8",
			         key);
			rc = dc__fail(c, DC_ERR_INVALID, 400, c->detail);
			break;
		}
		const char *copy = dc_pool_strndup(pool, dc_buf_str(&clean), clean.len);
		if (!copy) {
			rc = DC_ERR_NOMEM;
			break;
		}
		if (dc_citizen_set(x, (size_t)col, copy, clean.len)) {
			snprintf(c->detail, sizeof c->detail,
			         "field \"%.60s\" has an invalid value", key);
			rc = dc__fail(c, DC_ERR_INVALID, 400, c->detail);
			break;
		}
	}
	dc_buf_release(&clean);
	return rc;
}

/* Runs the gate with the parents from the register; on errors writes the
 * "errors" extension and returns DC_ERR_RULE (422). */
static int gate(struct dc__call *c, const struct dc_citizen *x, struct dc_pool *pool,
                struct dc_buf *body)
{
	struct dc_citizen father, mother;
	struct dc_pin p;
	struct dc_rule_ctx ctx = {c->units, dc_date_today(), NULL, NULL};
	struct dc_rule_hit hits[24];
	if (x->father_pin && !dc_pin_parse(x->father_pin, strlen(x->father_pin), &p) &&
	    dc_store_citizen_get(c->store, &p, &father, pool) == DC_OK)
		ctx.father = &father;
	if (x->mother_pin && !dc_pin_parse(x->mother_pin, strlen(x->mother_pin), &p) &&
	    dc_store_citizen_get(c->store, &p, &mother, pool) == DC_OK)
		ctx.mother = &mother;
	size_t n = dc_rules_check(&ctx, x, hits, DC_ARRAY_LEN(hits));
	if (n > DC_ARRAY_LEN(hits))
		n = DC_ARRAY_LEN(hits);
	if (!dc_rules_has_error(hits, n))
		return DC_OK;
	dc_buf_reset(body);
	dc_buf_adds(body, "\"errors\":[");
	int first = 1;
	for (size_t i = 0; i < n; i++) {
		const struct dc_rule *r = dc_rule_get(hits[i].id);
		if (r->severity != DC_RULE_ERROR)
			continue;
		dc_buf_addf(body, "%s{\"rule\":\"%s\",\"field\":\"%s\",\"message_en\":\"",
		            first ? "" : ",", r->code, hits[i].field ? hits[i].field : "");
		dc_buf_add_json_str(body, r->message_en, strlen(r->message_en));
		dc_buf_adds(body, "\",\"message_vi\":\"");
		dc_buf_add_json_str(body, r->message_vi, strlen(r->message_vi));
		dc_buf_adds(body, "\"}");
		first = 0;
	}
	dc_buf_addc(body, ']');
	c->extension = 1;
	return dc__fail(c, DC_ERR_RULE, 422, "rejected by the data-quality gate; see errors");
}

static int need_reason(struct dc__call *c, json_t *j, const char **reason, const char **evidence,
                       int reason_required)
{
	*reason = dc__str_member(j, "reason");
	*evidence = dc__str_member(j, "evidence");
	if (!*evidence || !**evidence || (reason_required && (!*reason || !**reason)))
		return dc__fail(
		        c, DC_ERR_INVALID, 400,
		        reason_required
		                ? "reason and evidence (the supporting document's reference) are "
		                  "required"
		                : "evidence (the birth certificate's reference) is required");
	return DC_OK;
}

int dc__birth(struct dc__call *c, const struct dc_officer *op, json_t *j, int check_duplicates,
              struct dc_buf *body)
{
	struct dc_officer o = *op;
	struct dc_citizen x;
	struct dc_pool pool;
	const char *reason, *evidence;
	int64_t seq = 0;
	int rc;
	dc_pool_init(&pool, 0);
	memset(&x, 0, sizeof x);
	x.nationality = "VN";
	rc = need_reason(c, j, &reason, &evidence, 0);
	if (rc == DC_OK)
		rc = apply_json(c, j, &x, &pool);
	const struct dc_commune *reg = NULL;
	if (rc == DC_OK) {
		reg = x.birth_reg_unit ? dc_units_commune(c->units, x.birth_reg_unit,
		                                          strlen(x.birth_reg_unit))
		                       : NULL;
		if (!reg)
			rc = dc__fail(c, DC_ERR_INVALID, 400,
			              "birth_reg_unit must be the 5-digit code of the commune "
			              "registering "
			              "the birth");
		else if (!dc__in_jurisdiction(c, &o, x.birth_reg_unit))
			rc = dc__fail(c, DC_ERR_FORBIDDEN, 403,
			              "the birth is registered outside your jurisdiction");
		else if (x.dob.year < 1900 || x.dob.year > 2399 ||
		         (x.sex != DC_SEX_MALE && x.sex != DC_SEX_FEMALE))
			rc = dc__fail(c, DC_ERR_INVALID, 400,
			              "dob (a date) and sex (M or F) are required");
	}
	/* A likely duplicate goes to the review queue instead (review.c). */
	if (rc == DC_OK && check_duplicates) {
		int d = dc__duplicate_check(c, &o, &x, j, body);
		if (d != DC_OK) {
			dc_pool_release(&pool);
			return d == DC__QUEUED ? DC_OK : d;
		}
	}
	/* The number: the registering province's code as prefix (the 2025 codes
	 * are a subset of the historic prefixes), then the store's allocator. */
	for (int attempt = 0; rc == DC_OK && attempt < 3; attempt++) {
		unsigned long long prov = 0;
		dc_parse_uint(reg->province_code, 2, 99, &prov);
		rc = dc_store_begin(c->store);
		if (rc == DC_OK)
			rc = dc_store_pin_allocate(c->store, (int)prov, x.dob.year,
			                           (enum dc_sex)x.sex, &x.pin);
		if (rc == DC_OK && attempt == 0) {
			int g = gate(c, &x, &pool, body);
			if (g) {
				dc_store_rollback(c->store);
				rc = g;
				break;
			}
		}
		struct dc_change why = {o.id, reason ? reason : "birth registration", evidence,
		                        "birth"};
		if (rc == DC_OK)
			rc = dc_store_citizen_create(c->store, &x, &why, &seq);
		struct dc_audit_entry a = {o.id, NULL, "citizen.birth", x.pin.d,
		                           NULL, "*",  c->request_id};
		if (rc == DC_OK)
			rc = dc_audit_append(c->store, &a, NULL);
		if (rc) {
			dc_store_rollback(c->store);
			if (rc ==
			    DC_ERR_CONFLICT) { /* another server took the number: draw again */
				rc = DC_OK;
				continue;
			}
			rc = dc__fail(c, rc, 0, "the birth could not be registered");
			break;
		}
		rc = dc_store_commit(c->store);
		if (rc == DC_OK) {
			c->status = 201;
			dc_buf_reset(body);
			dc_buf_addf(body, "{\"pin\":\"%s\",\"event_seq\":%lld,\"record\":", x.pin.d,
			            (long long)seq);
			dc_citizen_json(&x, body);
			dc_buf_addc(body, '}');
		}
		break;
	}
	dc_pool_release(&pool);
	return rc;
}

int dc__birth_register(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	json_t *j = NULL;
	int rc = dc__authenticate(c, &o);
	if (rc)
		return rc;
	if ((rc = dc__parse_body(c, &j)))
		return rc;
	rc = dc__birth(c, &o, j, 1, body);
	json_decref(j);
	return rc;
}

/* Loads a citizen for a change inside the officer's jurisdiction. */
static int load_for_change(struct dc__call *c, const struct dc_officer *o, const struct dc_pin *pin,
                           struct dc_citizen *x, struct dc_pool *pool)
{
	int rc = dc_store_citizen_get(c->store, pin, x, pool);
	if (rc == DC_ERR_NOT_FOUND)
		return dc__fail(c, rc, 404, "no citizen with this personal ID number");
	if (rc)
		return dc__fail(c, rc, 0, "cannot read the register");
	if (!dc__in_jurisdiction(c, o, home_commune(x)))
		return dc__fail(c, DC_ERR_FORBIDDEN, 403,
		                "this citizen lives outside your jurisdiction");
	return DC_OK;
}

/* Gate, write with its event and audit entry, in one transaction. */
static int commit_change(struct dc__call *c, const struct dc_officer *o, struct dc_citizen *x,
                         const struct dc_change *why, const char *action, struct dc_pool *pool,
                         struct dc_buf *body)
{
	int64_t seq = 0;
	int rc = gate(c, x, pool, body);
	if (rc)
		return rc;
	rc = dc_store_begin(c->store);
	if (rc == DC_OK)
		rc = dc_store_citizen_update(c->store, x, why, &seq);
	struct dc_audit_entry a = {o->id, NULL, action, x->pin.d, NULL, "*", c->request_id};
	if (rc == DC_OK)
		rc = dc_audit_append(c->store, &a, NULL);
	if (rc) {
		dc_store_rollback(c->store);
		return dc__fail(c, rc, 0, "the change could not be written");
	}
	rc = dc_store_commit(c->store);
	if (rc)
		return dc__fail(c, rc, 0, "the change could not be written");
	dc_buf_reset(body);
	dc_buf_addf(body, "{\"pin\":\"%s\",\"event_seq\":%lld,\"changed\":%s,\"record\":", x->pin.d,
	            (long long)seq, seq ? "true" : "false");
	dc_citizen_json(x, body);
	dc_buf_addc(body, '}');
	return dc_buf_error(body);
}

int dc__citizen_death(struct dc__call *c, const struct dc_officer *o, const struct dc_pin *pin,
                      struct dc_buf *body)
{
	struct dc_citizen x;
	struct dc_pool pool;
	json_t *j = NULL;
	const char *reason, *evidence;
	int rc = dc__parse_body(c, &j);
	if (rc)
		return rc;
	dc_pool_init(&pool, 0);
	/* Authorization (the citizen's residence) before the body's checks. */
	rc = load_for_change(c, o, pin, &x, &pool);
	if (rc == DC_OK)
		rc = need_reason(c, j, &reason, &evidence, 0);
	const char *dd = dc__str_member(j, "death_date");
	struct dc_date when;
	if (rc == DC_OK && (!dd || dc_date_parse(dd, strlen(dd), &when)))
		rc = dc__fail(c, DC_ERR_INVALID, 400, "death_date (a date) is required");
	if (rc == DC_OK && x.status != DC_STATUS_ALIVE)
		rc = dc__fail(c, DC_ERR_CONFLICT, 409,
		              "this citizen's death is already registered");
	if (rc == DC_OK) {
		x.status = DC_STATUS_DEAD;
		x.death_date = when;
		struct dc_change why = {o->id, reason ? reason : "death registration", evidence,
		                        "death"};
		/* e-ID (issue 5): the death closes the citizen's e-ID account in the
		 * same transaction; commit_change's own begin/commit nest inside. */
		rc = dc_store_begin(c->store);
		if (rc == DC_OK) {
			rc = commit_change(c, o, &x, &why, "citizen.death", &pool, body);
			if (rc == DC_OK && dc_eid_close_for_death(c->store, x.pin.d) != DC_OK)
				rc = dc__fail(c, DC_ERR_DB, 0,
				              "the e-ID account could not be closed");
			if (rc) {
				dc_store_rollback(c->store);
			} else if ((rc = dc_store_commit(c->store))) {
				dc_store_rollback(c->store);
				rc = dc__fail(c, rc, 0, "the change could not be written");
			}
		}
	}
	json_decref(j);
	dc_pool_release(&pool);
	return rc;
}

int dc__citizen_correct(struct dc__call *c, const struct dc_officer *o, const struct dc_pin *pin,
                        struct dc_buf *body)
{
	struct dc_citizen x;
	struct dc_pool pool;
	json_t *j = NULL;
	const char *reason, *evidence;
	int rc = dc__parse_body(c, &j);
	if (rc)
		return rc;
	dc_pool_init(&pool, 0);
	rc = need_reason(c, j, &reason, &evidence, 1);
	if (rc == DC_OK)
		rc = load_for_change(c, o, pin, &x, &pool);
	if (rc == DC_OK)
		rc = apply_json(c, j, &x, &pool);
	/* A move out of the jurisdiction is a residence procedure, not a fix. */
	if (rc == DC_OK && !dc__in_jurisdiction(c, o, home_commune(&x)))
		rc = dc__fail(c, DC_ERR_FORBIDDEN, 403,
		              "the corrected residence is outside your jurisdiction");
	if (rc == DC_OK) {
		struct dc_change why = {o->id, reason, evidence, "correction"};
		rc = commit_change(c, o, &x, &why, "citizen.correction", &pool, body);
	}
	json_decref(j);
	dc_pool_release(&pool);
	return rc;
}

static int history_entry(void *arg, const struct dc_event *ev)
{
	struct dc_buf *b = arg;
	dc_buf_addf(b, "%s{\"seq\":%lld,\"at_ms\":%lld,\"kind\":\"",
	            b->ptr[b->len - 1] == '[' ? "" : ",", (long long)ev->seq, (long long)ev->at_ms);
	dc_buf_add_json_str(b, ev->kind, strlen(ev->kind));
	dc_buf_adds(b, "\",\"actor\":\"");
	dc_buf_add_json_str(b, ev->actor, strlen(ev->actor));
	dc_buf_adds(b, "\",\"reason\":\"");
	if (ev->reason)
		dc_buf_add_json_str(b, ev->reason, strlen(ev->reason));
	dc_buf_adds(b, "\",\"evidence\":\"");
	if (ev->evidence)
		dc_buf_add_json_str(b, ev->evidence, strlen(ev->evidence));
	dc_buf_addf(b, "\",\"before\":%s,\"after\":%s}",
	            ev->before_json && *ev->before_json ? ev->before_json : "{}",
	            ev->after_json && *ev->after_json ? ev->after_json : "{}");
	return dc_buf_error(b);
}

int dc__citizen_history(struct dc__call *c, const struct dc_officer *o, const struct dc_pin *pin,
                        struct dc_buf *body)
{
	const char *purpose = dc__query_param(c->req, "purpose");
	if (o->role == DC_ROLE_AUDITOR)
		return dc__fail(c, DC_ERR_FORBIDDEN, 403,
		                "auditors read the audit log, not records");
	if (!dc__purpose_ok(purpose))
		return dc__fail(c, DC_ERR_INVALID, 400, "a purpose is required (?purpose=…)");
	struct dc_audit_entry a = {o->id,   NULL,      "citizen.history", pin->d,
	                           purpose, "history", c->request_id};
	int rc = dc_audit_append(c->store, &a, NULL);
	if (rc)
		return dc__fail(c, rc, 503, "the read could not be audited, so it is refused");
	dc_buf_addf(body, "{\"pin\":\"%s\",\"events\":[", pin->d);
	rc = dc_store_history(c->store, pin, history_entry, body);
	if (rc == DC_ERR_NOT_FOUND)
		return dc__fail(c, rc, 404, "no citizen with this personal ID number");
	if (rc)
		return dc__fail(c, rc, 0, "cannot read the history");
	dc_buf_adds(body, "]}");
	return dc_buf_error(body);
}
