/*
 * review.c — the duplicate check on birth registration and the review
 * queue of likely duplicates.
 *
 * Before a new number is allocated, the register is asked for people of
 * the same sex born the same day (the date-of-birth index) and each is
 * scored on demographic similarity:
 *
 *   name          exact / normalised 0.50, without diacritics 0.45, partial 0.30
 *   mother        same number 0.30, else same name (normalised) 0.20
 *   father        same number 0.15, else same name (normalised) 0.10
 *   birth commune the same commune registering the birth 0.10
 *
 * A candidate scoring 0.70 or more (a name plus a parent, or a name, a
 * parent's name and the place) makes the submission a likely duplicate: it
 * is not created but queued (202 with the candidates), and an officer of
 * the registering commune decides: "create" (it is a different child: the
 * normal registration runs, without the check), "merge" (it is that
 * person: no new number; the decision is audited on the existing citizen)
 * or "reject". Twins share a date and parents but not a name, and stay
 * below the threshold.
 *
 *   GET  /api/v1/reviews?state=open|all          the queue of the jurisdiction
 *   GET  /api/v1/reviews/{id}
 *   POST /api/v1/reviews/{id}/{create|merge|reject}  {"note", "pin" (merge)}
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/audit.h"
#include "dancu/citizen.h"
#include "dancu/core.h"
#include "dancu/db.h"
#include "dancu/officer.h"
#include "dancu/store.h"
#include "dancu/text.h"
#include "dancu/units.h"

#include "core/internal.h"
#include "http/http.h"
#include "store/schema.h"

#define THRESHOLD 0.70
#define MAX_CANDIDATES 20

int dc__schema_review(enum dc__dialect d, struct dc_buf *o)
{
	(void)d;
	dc_buf_adds(o,
	            "CREATE TABLE review_item (id TEXT NOT NULL PRIMARY KEY, kind TEXT NOT NULL, "
	            "state TEXT NOT NULL, commune TEXT NOT NULL, province TEXT NOT NULL, "
	            "submission TEXT NOT NULL, candidates TEXT NOT NULL, actor TEXT NOT NULL, "
	            "created_ms BIGINT NOT NULL, decided_ms BIGINT NOT NULL DEFAULT 0, "
	            "decided_by TEXT, result_pin TEXT, note TEXT);\n"
	            "CREATE INDEX review_item_commune ON review_item (commune, state, "
	            "created_ms);\n");
	return dc_buf_error(o);
}

static int same_name(const char *a, const char *b)
{
	if (!a || !b || !*a || !*b)
		return 0;
	int m = dc_name_compare(a, strlen(a), b, strlen(b));
	return m == DC_NAME_EXACT || m == DC_NAME_NORMALISED;
}

static int same_pin(const char *a, const char *b)
{
	return a && b && *a && !strcmp(a, b);
}

/* Score of candidate y against the submission x, with the reasons. */
static double score(const struct dc_citizen *x, const struct dc_citizen *y, struct dc_buf *why)
{
	double s = 0;
	int m = x->birth_name && y->birth_name
	                ? dc_name_compare(x->birth_name, strlen(x->birth_name), y->birth_name,
	                                  strlen(y->birth_name))
	                : DC_NAME_DIFFERENT;
	static const double name_w[] = {0.50, 0.50, 0.45, 0.30, 0};
	if (m < 0 || m == DC_NAME_DIFFERENT)
		return 0;
	s += name_w[m];
	dc_buf_addf(why, "\"name_%s\"", dc_name_match_code((enum dc_name_match)m));
	if (same_pin(x->mother_pin, y->mother_pin))
		s += 0.30, dc_buf_adds(why, ",\"same_mother\"");
	else if (same_name(x->mother_name, y->mother_name))
		s += 0.20, dc_buf_adds(why, ",\"same_mother_name\"");
	if (same_pin(x->father_pin, y->father_pin))
		s += 0.15, dc_buf_adds(why, ",\"same_father\"");
	else if (same_name(x->father_name, y->father_name))
		s += 0.10, dc_buf_adds(why, ",\"same_father_name\"");
	if (x->birth_reg_unit && y->birth_reg_unit && !strcmp(x->birth_reg_unit, y->birth_reg_unit))
		s += 0.10, dc_buf_adds(why, ",\"same_birth_commune\"");
	return s;
}

int dc__duplicate_check(struct dc__call *c, const struct dc_officer *o, const struct dc_citizen *x,
                        json_t *submission, struct dc_buf *body)
{
	struct dc_stmt *st = NULL;
	struct dc_buf cand = DC_BUF_INIT, why = DC_BUF_INIT;
	char iso[DC_DATE_ISO_MAX], pins[MAX_CANDIDATES][13];
	int n = 0, rc;
	dc_date_iso(&x->dob, iso);
	rc = dc_db_prepare(dc_store_db(c->store),
	                   "SELECT pin FROM citizen WHERE dob = $1 AND sex = $2 LIMIT 2000", &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, iso);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 2, x->sex == DC_SEX_MALE ? "M" : "F");
	/* Cheap filter first (the name, from the index's rows), then the record. */
	struct dc_pin *all = NULL;
	size_t nall = 0, capall = 0;
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		rc = DC_OK;
		if (nall == capall) {
			capall = capall ? capall * 2 : 64;
			struct dc_pin *na = realloc(all, capall * sizeof *na);
			if (!na) {
				rc = DC_ERR_NOMEM;
				break;
			}
			all = na;
		}
		size_t len;
		const char *p = dc_stmt_text(st, 0, &len);
		if (dc_pin_parse(p, len, &all[nall]) == DC_OK)
			nall++;
	}
	dc_stmt_finalize(st);
	if (rc < 0)
		goto cleanup;
	rc = DC_OK;
	dc_buf_addc(&cand, '[');
	for (size_t i = 0; i < nall && n < MAX_CANDIDATES && rc == DC_OK; i++) {
		struct dc_pool pool;
		struct dc_citizen y;
		dc_pool_init(&pool, 0);
		if (dc_store_citizen_get(c->store, &all[i], &y, &pool) == DC_OK) {
			dc_buf_reset(&why);
			double sc = score(x, &y, &why);
			if (sc >= THRESHOLD - 1e-9) {
				snprintf(pins[n], sizeof pins[n], "%s", y.pin.d);
				dc_buf_addf(&cand,
				            "%s{\"pin\":\"%s\",\"score\":%.2f,\"reasons\":[%s],",
				            n ? "," : "", y.pin.d, sc, dc_buf_str(&why));
				dc_buf_adds(&cand, "\"birth_name\":\"");
				dc_buf_add_json_str(&cand, y.birth_name ? y.birth_name : "",
				                    y.birth_name ? strlen(y.birth_name) : 0);
				dc_buf_addf(&cand, "\",\"status\":\"%s\"}",
				            y.status == DC_STATUS_ALIVE ? "alive" : "dead");
				n++;
			}
		}
		dc_pool_release(&pool);
	}
	dc_buf_addc(&cand, ']');
	if (n == 0 || (rc = dc_buf_error(&cand)))
		goto cleanup;
	/* Queue it: the submission, the candidates, an audit entry each. */
	char *sub = json_dumps(submission, JSON_COMPACT | JSON_SORT_KEYS);
	char id[40];
	const struct dc_commune *cm =
	        dc_units_commune(c->units, x->birth_reg_unit, strlen(x->birth_reg_unit));
	snprintf(id, sizeof id, "D%s%010u", x->birth_reg_unit, randombytes_uniform(4000000000u));
	rc = sub ? dc_store_begin(c->store) : DC_ERR_NOMEM;
	if (rc == DC_OK)
		rc = dc_db_prepare(
		        dc_store_db(c->store),
		        "INSERT INTO review_item (id, kind, state, commune, province, "
		        "submission, candidates, actor, created_ms) VALUES ($1, 'birth', "
		        "'open', $2, $3, $4, $5, $6, $7)",
		        &st);
	const char *v[] = {id,  x->birth_reg_unit, cm ? cm->province_code : "",
	                   sub, dc_buf_str(&cand), o->id};
	for (int i = 0; rc == DC_OK && i < 6; i++)
		rc = dc_stmt_bind_str(st, i + 1, v[i]);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 7, dc_now_ms());
	if (rc == DC_OK && (rc = dc_stmt_step(st)) >= 0)
		rc = DC_OK;
	dc_stmt_finalize(st);
	st = NULL;
	for (int i = 0; rc == DC_OK && i < n; i++) {
		struct dc_audit_entry a = {
		        o->id,        NULL,           "review.duplicate_candidate",
		        pins[i],      "civil_status", "birth_name,dob,sex,parents",
		        c->request_id};
		rc = dc_audit_append(c->store, &a, NULL);
	}
	if (rc == DC_OK)
		rc = dc_store_commit(c->store);
	else if (sub)
		dc_store_rollback(c->store);
	free(sub);
	if (rc) {
		rc = dc__fail(c, rc, 0, "the likely duplicate could not be queued for review");
		goto cleanup;
	}
	c->status = 202;
	dc_buf_reset(body);
	dc_buf_addf(body,
	            "{\"status\":\"review\",\"review_id\":\"%s\",\"detail\":\"a likely duplicate: "
	            "queued for an officer's review, no number allocated\",\"candidates\":%s}",
	            id, dc_buf_str(&cand));
	rc = dc_buf_error(body) ? DC_ERR_NOMEM : DC__QUEUED;
cleanup:
	free(all);
	dc_buf_release(&cand);
	dc_buf_release(&why);
	return rc;
}

/* --- the queue ------------------------------------------------------------- */

static const char *const cols =
        "id, state, commune, submission, candidates, actor, created_ms, decided_ms, decided_by, "
        "result_pin, note";

static void item_json(struct dc_stmt *st, struct dc_buf *b)
{
	static const char *const keys[] = {"id",         "state",      "commune",    "submission",
	                                   "candidates", "actor",      "created_ms", "decided_ms",
	                                   "decided_by", "result_pin", "note"};
	dc_buf_addc(b, '{');
	for (int i = 0; i < 11; i++) {
		size_t len = 0;
		const char *v = dc_stmt_is_null(st, i) ? NULL : dc_stmt_text(st, i, &len);
		dc_buf_addf(b, "%s\"%s\":", i ? "," : "", keys[i]);
		if (!v)
			dc_buf_adds(b, "null");
		else if (i == 3 || i == 4 || i == 6 || i == 7)
			dc_buf_add(b, v, len); /* JSON or numbers as stored */
		else {
			dc_buf_addc(b, '"');
			dc_buf_add_json_str(b, v, len);
			dc_buf_addc(b, '"');
		}
	}
	dc_buf_addc(b, '}');
}

static int officer(struct dc__call *c, struct dc_officer *o)
{
	int rc = dc__authenticate(c, o);
	if (rc == DC_OK && o->role == DC_ROLE_AUDITOR)
		rc = dc__fail(c, DC_ERR_FORBIDDEN, 403, "auditors read the audit log only");
	return rc;
}

static int r_list(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	struct dc_stmt *st = NULL;
	char sql[400];
	int rc = officer(c, &o);
	if (rc)
		return rc;
	const char *state = dc__query_param(c->req, "state");
	int all = state && !strcmp(state, "all");
	if (state && !all && strcmp(state, "open"))
		return dc__fail(c, DC_ERR_INVALID, 400, "state must be open or all");
	snprintf(sql, sizeof sql,
	         "SELECT %s FROM review_item WHERE %s%s ORDER BY created_ms LIMIT 500", cols,
	         o.role == DC_ROLE_COMMUNE    ? "commune = $1"
	         : o.role == DC_ROLE_PROVINCE ? "province = $1"
	                                      : "$1 = $1",
	         all ? "" : " AND state = 'open'");
	struct dc_audit_entry a = {o.id,           NULL,     "review.list", NULL,
	                           "civil_status", "review", c->request_id};
	if ((rc = dc_audit_append(c->store, &a, NULL)))
		return dc__fail(c, rc, 503, "the read could not be audited, so it is refused");
	rc = dc_db_prepare(dc_store_db(c->store), sql, &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, o.jurisdiction);
	int n = 0;
	dc_buf_adds(body, "{\"reviews\":[");
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		rc = DC_OK;
		if (n++)
			dc_buf_addc(body, ',');
		item_json(st, body);
	}
	dc_stmt_finalize(st);
	if (rc < 0)
		return dc__fail(c, rc, 0, "cannot read the review queue");
	dc_buf_addf(body, "],\"count\":%d}", n);
	return dc_buf_error(body);
}

static int r_item(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	struct dc_stmt *st = NULL;
	char id[40], action[16], sql[300];
	int rc = officer(c, &o);
	if (rc)
		return rc;
	const char *slash = memchr(c->tail, '/', c->tail_len);
	size_t idlen = slash ? (size_t)(slash - c->tail) : c->tail_len;
	size_t alen = slash ? c->tail_len - idlen - 1 : 0;
	if (idlen == 0 || idlen >= sizeof id || alen >= sizeof action)
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such review item");
	memcpy(id, c->tail, idlen);
	id[idlen] = 0;
	memcpy(action, slash ? slash + 1 : "", alen);
	action[alen] = 0;
	int get = h2o_memis(c->req->method.base, c->req->method.len, H2O_STRLIT("GET"));
	if (!slash && !get)
		return dc__not_allowed(c, "GET");
	if (slash && get)
		return dc__not_allowed(c, "POST");
	snprintf(sql, sizeof sql, "SELECT %s FROM review_item WHERE id = $1", cols);
	rc = dc_db_prepare(dc_store_db(c->store), sql, &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, id);
	if (rc == DC_OK)
		rc = dc_stmt_step(st);
	if (rc != DC_ROW) {
		dc_stmt_finalize(st);
		return rc == DC_DONE ? dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such review item")
		                     : dc__fail(c, rc, 0, "cannot read the review item");
	}
	char state[16], commune[6];
	size_t len;
	snprintf(state, sizeof state, "%s", dc_stmt_text(st, 1, &len));
	snprintf(commune, sizeof commune, "%s", dc_stmt_text(st, 2, &len));
	json_t *sub = json_loads(dc_stmt_text(st, 3, &len), 0, NULL);
	json_t *cands = json_loads(dc_stmt_text(st, 4, &len), 0, NULL);
	if (!dc__in_jurisdiction(c, &o, commune)) {
		rc = dc__fail(c, DC_ERR_FORBIDDEN, 403,
		              "the birth is registered outside your jurisdiction");
		goto cleanup;
	}
	if (!slash) {
		struct dc_audit_entry a = {o.id,           NULL,     "review.read", NULL,
		                           "civil_status", "review", c->request_id};
		rc = dc_audit_append(c->store, &a, NULL);
		if (rc == DC_OK)
			item_json(st, body);
		else
			rc = dc__fail(c, rc, 503,
			              "the read could not be audited, so it is refused");
		goto cleanup;
	}
	dc_stmt_finalize(st);
	st = NULL;
	if (strcmp(state, "open")) {
		rc = dc__fail(c, DC_ERR_CONFLICT, 409, "this review item is already decided");
		goto cleanup;
	}
	json_t *j = NULL;
	const char *note = NULL, *pin = NULL;
	if (c->req->entity.len && (rc = dc__parse_body(c, &j)))
		goto cleanup;
	note = j ? dc__str_member(j, "note") : NULL;
	pin = j ? dc__str_member(j, "pin") : NULL;
	const char *result = NULL;
	struct dc_buf inner = DC_BUF_INIT;
	/* One transaction for the decision and what it does: a child created
	 * from the queue and the item marked "created" go together. */
	int outer = dc_store_begin(c->store);
	if (outer) {
		rc = dc__fail(c, outer, 503, "cannot start a transaction");
		json_decref(j);
		goto cleanup;
	}
	if (!strcmp(action, "create")) {
		/* A different child: the normal registration, without the check. */
		rc = dc__birth(c, &o, sub, 0, &inner);
		c->status = 200; /* the answer is the decision, with the registration in it */
		if (rc == DC_OK) {
			json_t *r = json_loadb(inner.ptr, inner.len, 0, NULL);
			const char *p = r ? dc__str_member(r, "pin") : NULL;
			result = p ? h2o_mem_alloc_pool(&c->req->pool, 13) : NULL;
			if (result)
				memcpy((char *)result, p, 13);
			json_decref(r);
		}
	} else if (!strcmp(action, "merge")) {
		size_t i;
		json_t *v;
		int found = 0;
		json_array_foreach (cands, i, v)
			found |= pin && !strcmp(json_string_value(json_object_get(v, "pin")), pin);
		if (!found)
			rc = dc__fail(
			        c, DC_ERR_INVALID, 400,
			        "pin must be one of the candidates (the person the submission is)");
		result = pin;
	} else if (!strcmp(action, "reject")) {
		if (!note || !*note)
			rc = dc__fail(c, DC_ERR_INVALID, 400, "a note is required to reject");
	} else {
		rc = dc__fail(c, DC_ERR_INVALID, 400, "the action must be create, merge or reject");
	}
	if (rc == DC_OK) {
		rc = dc_store_begin(c->store);
		if (rc == DC_OK)
			rc = dc_db_prepare(
			        dc_store_db(c->store),
			        "UPDATE review_item SET state = $1, decided_ms = $2, decided_by "
			        "= $3, result_pin = $4, note = $5 WHERE id = $6 AND state = "
			        "'open'",
			        &st);
		const char *to = !strcmp(action, "create")  ? "created"
		                 : !strcmp(action, "merge") ? "merged"
		                                            : "rejected";
		if (rc == DC_OK)
			rc = dc_stmt_bind_str(st, 1, to);
		if (rc == DC_OK)
			rc = dc_stmt_bind_int64(st, 2, dc_now_ms());
		if (rc == DC_OK)
			rc = dc_stmt_bind_str(st, 3, o.id);
		if (rc == DC_OK)
			rc = dc_stmt_bind_str(st, 4, result);
		if (rc == DC_OK)
			rc = dc_stmt_bind_str(st, 5, note);
		if (rc == DC_OK)
			rc = dc_stmt_bind_str(st, 6, id);
		if (rc == DC_OK && (rc = dc_stmt_step(st)) >= 0)
			rc = dc_stmt_changes(st) == 1 ? DC_OK : DC_ERR_CONFLICT;
		char what[40];
		snprintf(what, sizeof what, "review.%s", action);
		struct dc_audit_entry a = {o.id,           NULL,     what,         result,
		                           "civil_status", "review", c->request_id};
		if (rc == DC_OK)
			rc = dc_audit_append(c->store, &a, NULL);
		if (rc == DC_OK)
			rc = dc_store_commit(c->store);
		else
			dc_store_rollback(c->store);
		if (rc == DC_OK)
			rc = dc_store_commit(c->store); /* the outer transaction */
		else
			dc_store_rollback(c->store);
		if (rc)
			rc = dc__fail(c, rc, rc == DC_ERR_CONFLICT ? 409 : 0,
			              "the decision could not be recorded");
		else {
			dc_buf_addf(body, "{\"id\":\"%s\",\"state\":\"%s\",\"result_pin\":", id,
			            to);
			if (result)
				dc_buf_addf(body, "\"%s\"", result);
			else
				dc_buf_adds(body, "null");
			if (inner.len) {
				dc_buf_adds(body, ",\"registration\":");
				dc_buf_add(body, inner.ptr, inner.len);
			}
			dc_buf_addc(body, '}');
			rc = dc_buf_error(body);
		}
	} else {
		dc_store_rollback(c->store); /* the outer transaction */
		if (!strcmp(action, "create") && c->extension) {
			/* the gate's errors from the registration: keep them */
			dc_buf_reset(body);
			dc_buf_add(body, inner.ptr, inner.len);
		}
	}
	dc_buf_release(&inner);
	json_decref(j);
cleanup:
	dc_stmt_finalize(st);
	json_decref(sub);
	json_decref(cands);
	return rc;
}

const struct dc__route dc__review_routes[] = {
        {"/api/v1/reviews", 0, "GET", r_list},
        {"/api/v1/reviews/", 1, "*", r_item},
};
const size_t dc__review_routes_n = DC_ARRAY_LEN(dc__review_routes);
