/*
 * api_verify.c — verification for relying parties over HTTP.
 *
 *   POST   /api/v1/verify                  (API key of an organisation) 1:1 verification
 *   GET    /api/v1/verify/usage            (API key) the organisation's own usage
 *   GET    /api/v1/orgs                    (national admin) organisations
 *   POST   /api/v1/orgs                    (national admin) onboard one
 *   GET    /api/v1/orgs/{id}               (national admin) policy, keys, usage
 *   PATCH  /api/v1/orgs/{id}               (national admin) policy, quota, disabled
 *   POST   /api/v1/orgs/{id}/keys          (national admin) new key, shown once
 *   DELETE /api/v1/orgs/{id}/keys/{key id} (national admin) revoke
 *
 * A verification answer carries reason codes only, never register data.
 * Administration is written to the audit log with the officer as actor.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "dancu/core.h"
#include "dancu/apikey.h"
#include "dancu/audit.h"
#include "dancu/officer.h"
#include "dancu/server.h"
#include "dancu/store.h"
#include "dancu/verify.h"

#include "core/internal.h"
#include "http/api_verify.h"
#include "http/apikey_http.h"
#include "http/http.h"
#include "http/mtls.h"
#include "verify/verify_internal.h"

/* The organisation behind the request's API key, enabled or not (the
 * verification itself refuses a disabled one, and counts the refusal). */
int dc__verify_org_of_key(struct dc__call *c, struct dc_apikey *k, struct dc_org *org)
{
	int rc = dc__apikey_authenticate(c, "org", k);
	if (rc)
		return rc;
	rc = dc_org_get(c->store, k->owner_id, org);
	if (rc == DC_ERR_NOT_FOUND)
		return dc__fail(c, DC_ERR_AUTH, 401, "the API key is not valid");
	if (rc)
		return dc__fail(c, rc, 0, "cannot read the organisation");
	if (org->disabled)
		return dc__fail(c, DC_ERR_FORBIDDEN, 403, "the organisation is disabled");
	return dc__mtls_org_check(c, org->id); /* bound to a client certificate? */
}

/* A 1:1 verification between its halves: parsed on the loop, verified and
 * recorded on the committer (group commit: its audit entry, txn id and
 * usage count are durable with a batch of others before the answer). */
struct vjob {
	struct dc_org org;
	struct dc_apikey key;
	struct dc_verify_request rq;
	struct dc_verify_result res;
	struct dc_verify_scratch scratch;
	const struct dc_units *units;
	json_t *hold;
	int64_t now;
	int vrc; /* dc_verify_one's answer, refusals included */
	char detail[256];
	char request_id[80]; /* a copy: the request may go before the job ends */
};

static void vjob_free(void *arg)
{
	struct vjob *v = arg;
	dc_verify_scratch_release(&v->scratch);
	json_decref(v->hold);
	free(v);
}

static int vjob_work(struct dc_store *s, void *arg)
{
	struct vjob *v = arg;
	v->vrc = dc_verify_one(s, v->units, &v->org, &v->rq, v->now, &v->scratch, &v->res,
	                       v->detail);
	/* A refusal is an answer whose count was written: keep it. */
	int refused = v->vrc == DC_ERR_FORBIDDEN || v->vrc == DC_ERR_INVALID ||
	              v->vrc == DC_ERR_REPLAY || v->vrc == DC_ERR_RATE;
	return v->vrc == DC_OK || refused ? DC_OK : v->vrc;
}

static int vjob_done(struct dc__call *c, struct dc_buf *body, int rc, void *arg)
{
	struct vjob *v = arg;
	const struct dc_verify_request *rq = &v->rq;
	const struct dc_verify_result *res = &v->res;
	if (rc == DC_OK)
		rc = v->vrc;
	if (rc == DC_OK) {
		dc_buf_adds(body, "{\"txn\":\"");
		dc_buf_add_json_str(body, rq->txn, strlen(rq->txn));
		dc_buf_addf(body,
		            "\",\"status\":\"%s\",\"card_status\":\"%s\",\"match\":%s,\"fields\":{",
		            dc_vstatus_code(res->status), dc_verify_card_state_code(res->card),
		            res->full_match ? "true" : "false");
		int first = 1;
		for (int f = 0; f < DC_VF__COUNT; f++)
			if (rq->claims.v[f] && res->status != DC_VS_NOT_FOUND) {
				dc_buf_addf(body, "%s\"%s\":\"%s\"", first ? "" : ",",
				            dc_vfield_code(f), dc_vreason_code(res->reason[f]));
				first = 0;
			}
		dc_buf_adds(body, "}}");
		return dc_buf_error(body);
	}
	if (rc == DC_ERR_FORBIDDEN || rc == DC_ERR_INVALID || rc == DC_ERR_REPLAY)
		return dc__fail(c, rc, 0, v->detail);
	if (rc == DC_ERR_RATE) {
		h2o_add_header(&c->req->pool, &c->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
		               H2O_STRLIT("3600"));
		return dc__fail(c, rc, 429, v->detail);
	}
	return dc__fail(c, rc, 0, "the verification failed; nothing was recorded");
}

static int r_verify(struct dc__call *c, struct dc_buf *body)
{
	struct vjob *v = calloc(1, sizeof *v);
	if (!v)
		return dc__fail(c, DC_ERR_NOMEM, 0,
		                "the verification failed; nothing was recorded");
	dc_verify_scratch_init(&v->scratch);
	int rc = dc__verify_org_of_key(c, &v->key, &v->org);
	if (rc) {
		vjob_free(v);
		return rc;
	}
	h2o_iovec_t b = c->req->entity;
	rc = dc__verify_request_parse(b.base, b.len, &v->rq, &v->hold, v->detail, sizeof v->detail);
	if (rc) {
		rc = dc__fail(c, rc, 400, v->detail);
		vjob_free(v);
		return rc;
	}
	v->rq.org = v->org.id;
	v->rq.actor = v->key.id;
	snprintf(v->request_id, sizeof v->request_id, "%s", c->request_id);
	v->rq.request_id = v->request_id;
	v->units = c->units;
	v->now = dc_now_ms();
	return dc__defer(c, vjob_work, vjob_done, v, vjob_free);
}

static int usage_json(void *arg, const struct dc_org_usage *u)
{
	struct dc_buf *b = arg;
	dc_buf_addf(b,
	            "%s{\"day\":\"%s\",\"requests\":%lld,\"rows\":%lld,\"full_match\":%lld,"
	            "\"not_found\":%lld,\"refused\":%lld}",
	            b->ptr[b->len - 1] == '[' ? "" : ",", u->day, (long long)u->requests,
	            (long long)u->rows, (long long)u->full_match, (long long)u->not_found,
	            (long long)u->refused);
	return dc_buf_error(b);
}

static int r_usage_self(struct dc__call *c, struct dc_buf *body)
{
	struct dc_apikey k;
	struct dc_org org;
	int rc = dc__verify_org_of_key(c, &k, &org);
	if (rc)
		return rc;
	dc_buf_addf(body, "{\"org\":\"%s\",\"usage\":[", org.id);
	rc = dc_org_usage_list(c->store, org.id, 90, usage_json, body);
	dc_buf_adds(body, "]}");
	return rc ? dc__fail(c, rc, 0, "cannot read usage") : dc_buf_error(body);
}

/* --- administration ------------------------------------------------------ */

static int admin(struct dc__call *c, struct dc_officer *o)
{
	int rc = dc__authenticate(c, o);
	if (rc)
		return rc;
	if (o->role != DC_ROLE_NATIONAL)
		return dc__fail(c, DC_ERR_FORBIDDEN, 403,
		                "relying parties are managed by national administrators");
	return DC_OK;
}

static void codes_json(struct dc_buf *b, uint32_t mask, int fields)
{
	int first = 1;
	dc_buf_addc(b, '[');
	for (int i = 0; i < (fields ? DC_VF__COUNT : DC_VP__COUNT); i++)
		if (mask & (1u << i)) {
			dc_buf_addf(b, "%s\"%s\"", first ? "" : ",",
			            fields ? dc_vfield_code(i) : dc_vpurpose_code(i));
			first = 0;
		}
	dc_buf_addc(b, ']');
}

static void org_json(struct dc_buf *b, const struct dc_org *o)
{
	dc_buf_addf(b, "{\"id\":\"%s\",\"name\":\"", o->id);
	dc_buf_add_json_str(b, o->name, strlen(o->name));
	dc_buf_addf(b, "\",\"disabled\":%s,\"verify_fields\":", o->disabled ? "true" : "false");
	codes_json(b, o->verify_fields, 1);
	dc_buf_adds(b, ",\"receive_fields\":");
	codes_json(b, o->receive_fields, 1);
	dc_buf_adds(b, ",\"purposes\":");
	codes_json(b, o->purposes, 0);
	dc_buf_addf(b, ",\"daily_quota\":%lld,\"created_ms\":%lld}", (long long)o->daily_quota,
	            (long long)o->created_ms);
}

static int org_list_cb(void *arg, const struct dc_org *o)
{
	struct dc_buf *b = arg;
	if (b->ptr[b->len - 1] != '[')
		dc_buf_addc(b, ',');
	org_json(b, o);
	return dc_buf_error(b);
}

/* A JSON array of codes → mask. DC_ERR_INVALID names the member in detail. */
static int codes_of(struct dc__call *c, json_t *a, const char *member, int fields, uint32_t *mask)
{
	size_t i;
	json_t *v;
	*mask = 0;
	if (!json_is_array(a))
		goto bad;
	json_array_foreach (a, i, v) {
		const char *s = json_string_value(v);
		int k = !s       ? -1
		        : fields ? dc_vfield_parse(s, strlen(s))
		                 : dc_vpurpose_parse(s, strlen(s));
		if (k < 0)
			goto bad;
		*mask |= 1u << k;
	}
	return DC_OK;
bad:;
	char d[200];
	snprintf(d, sizeof d, "%s must be an array of known %s codes (see docs/VERIFICATION.md)",
	         member, fields ? "field" : "purpose");
	return dc__fail(c, DC_ERR_INVALID, 400, d);
}

/* Applies the policy members present in j to *o. */
static int policy_of(struct dc__call *c, json_t *j, struct dc_org *o)
{
	json_t *v;
	int rc = DC_OK;
	if ((v = json_object_get(j, "verify_fields")))
		rc = codes_of(c, v, "verify_fields", 1, &o->verify_fields);
	if (rc == DC_OK && (v = json_object_get(j, "receive_fields")))
		rc = codes_of(c, v, "receive_fields", 1, &o->receive_fields);
	if (rc == DC_OK && (v = json_object_get(j, "purposes")))
		rc = codes_of(c, v, "purposes", 0, &o->purposes);
	if (rc == DC_OK && (v = json_object_get(j, "daily_quota"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return dc__fail(c, DC_ERR_INVALID, 400,
			                "daily_quota must be a non-negative integer (0 = none)");
		o->daily_quota = json_integer_value(v);
	}
	return rc;
}

static int audit_admin(struct dc__call *c, const struct dc_officer *o, const char *action,
                       const char *org, const char *what)
{
	struct dc_audit_entry a = {o->id, org, action, NULL, NULL, what, c->request_id};
	return dc_audit_append(c->store, &a, NULL);
}

static int r_orgs(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer off;
	int rc = admin(c, &off);
	if (rc)
		return rc;
	if (h2o_memis(c->req->method.base, c->req->method.len, H2O_STRLIT("GET"))) {
		dc_buf_adds(body, "{\"orgs\":[");
		rc = dc_org_list(c->store, org_list_cb, body);
		dc_buf_adds(body, "]}");
		return rc ? dc__fail(c, rc, 0, "cannot list organisations") : dc_buf_error(body);
	}
	if (!h2o_memis(c->req->method.base, c->req->method.len, H2O_STRLIT("POST")))
		return dc__not_allowed(c, "GET, POST");
	json_t *j;
	if ((rc = dc__parse_body(c, &j)))
		return rc;
	struct dc_org o;
	memset(&o, 0, sizeof o);
	const char *id = dc__str_member(j, "id"), *name = dc__str_member(j, "name");
	if (!id || !name || strlen(id) >= sizeof o.id || strlen(name) >= sizeof o.name) {
		rc = dc__fail(c, DC_ERR_INVALID, 400,
		              "id (a-z 0-9 . _ -, ≤ 64) and name are required");
		goto done;
	}
	snprintf(o.id, sizeof o.id, "%s", id);
	snprintf(o.name, sizeof o.name, "%s", name);
	if ((rc = policy_of(c, j, &o)))
		goto done;
	if ((rc = dc_store_begin(c->store)))
		goto done;
	rc = dc_org_add(c->store, &o, dc_now_ms());
	if (rc == DC_OK)
		rc = audit_admin(c, &off, "org.add", o.id, NULL);
	if (rc) {
		dc_store_rollback(c->store);
		rc = rc == DC_ERR_CONFLICT
		             ? dc__fail(c, rc, 409, "an organisation with this id exists")
		     : rc == DC_ERR_INVALID
		             ? dc__fail(c, rc, 400,
		                        "id must be 1-64 of a-z 0-9 . _ - and name non-empty")
		             : dc__fail(c, rc, 0, "cannot add the organisation");
		goto done;
	}
	if ((rc = dc_store_commit(c->store))) {
		rc = dc__fail(c, rc, 0, "cannot add the organisation");
		goto done;
	}
	dc_org_get(c->store, o.id, &o);
	c->status = 201;
	org_json(body, &o);
	rc = dc_buf_error(body);
done:
	json_decref(j);
	return rc;
}

static int key_json_cb(void *arg, const struct dc_apikey *k)
{
	struct dc_buf *b = arg;
	dc_buf_addf(b, "%s{\"id\":\"%s\",\"label\":\"", b->ptr[b->len - 1] == '[' ? "" : ",",
	            k->id);
	dc_buf_add_json_str(b, k->label, strlen(k->label));
	dc_buf_addf(b,
	            "\",\"created_ms\":%lld,\"last_used_ms\":%lld,\"revoked_ms\":%lld,"
	            "\"rate_per_min\":%lld,\"burst\":%lld}",
	            (long long)k->created_ms, (long long)k->last_used_ms, (long long)k->revoked_ms,
	            (long long)k->rate_per_min, (long long)k->burst);
	return dc_buf_error(b);
}

static int org_keys_add(struct dc__call *c, const struct dc_officer *off, const struct dc_org *o,
                        struct dc_buf *body)
{
	json_t *j = NULL;
	int rc;
	int64_t rate = 0, burst = 0;
	const char *label = NULL;
	if (c->req->entity.base && c->req->entity.len) {
		if ((rc = dc__parse_body(c, &j)))
			return rc;
		label = dc__str_member(j, "label");
		json_t *r = json_object_get(j, "rate_per_min"), *bu = json_object_get(j, "burst");
		if ((r && (!json_is_integer(r) || json_integer_value(r) < 0)) ||
		    (bu && (!json_is_integer(bu) || json_integer_value(bu) < 0))) {
			json_decref(j);
			return dc__fail(c, DC_ERR_INVALID, 400,
			                "rate_per_min and burst must be non-negative integers");
		}
		rate = r ? json_integer_value(r) : 0;
		burst = bu ? json_integer_value(bu) : 0;
	}
	char key[DC_APIKEY_LEN + 1], id[DC_APIKEY_ID_LEN + 1];
	if ((rc = dc_store_begin(c->store)))
		goto done;
	rc = dc_apikey_create(c->store, "org", o->id, label, rate, burst, dc_now_ms(), key, id);
	if (rc == DC_OK)
		rc = audit_admin(c, off, "org.key_add", o->id, id);
	if (rc) {
		dc_store_rollback(c->store);
		rc = dc__fail(c, rc, 0,
		              rc == DC_ERR_INVALID ? "label too long" : "cannot create the key");
		goto done;
	}
	if ((rc = dc_store_commit(c->store))) {
		rc = dc__fail(c, rc, 0, "cannot create the key");
		goto done;
	}
	c->status = 201;
	dc_buf_addf(body,
	            "{\"id\":\"%s\",\"key\":\"%s\",\"org\":\"%s\",\"note\":\"the key is shown "
	            "once; only its hash is kept\"}",
	            id, key, o->id);
	rc = dc_buf_error(body);
done:
	memset(key, 0, sizeof key);
	json_decref(j);
	return rc;
}

static int r_org(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer off;
	struct dc_org o;
	char id[65];
	int rc = admin(c, &off);
	if (rc)
		return rc;
	const char *sub;
	size_t subn;
	if (dc__tail_id(c, id, sizeof id, &sub, &subn))
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such organisation");
	rc = dc_org_get(c->store, id, &o);
	if (rc == DC_ERR_NOT_FOUND)
		return dc__fail(c, rc, 404, "no such organisation");
	if (rc)
		return dc__fail(c, rc, 0, "cannot read the organisation");
	const char *m = c->req->method.base;
	size_t ml = c->req->method.len;
	if (subn == 0) {
		if (h2o_memis(m, ml, H2O_STRLIT("GET"))) {
			dc_buf_adds(body, "{\"org\":");
			org_json(body, &o);
			dc_buf_adds(body, ",\"keys\":[");
			rc = dc_apikey_list(c->store, "org", o.id, key_json_cb, body);
			dc_buf_adds(body, "],\"usage\":[");
			if (rc == DC_OK)
				rc = dc_org_usage_list(c->store, o.id, 31, usage_json, body);
			dc_buf_adds(body, "]}");
			return rc ? dc__fail(c, rc, 0, "cannot read the organisation")
			          : dc_buf_error(body);
		}
		if (!h2o_memis(m, ml, H2O_STRLIT("PATCH")))
			return dc__not_allowed(c, "GET, PATCH");
		json_t *j;
		if ((rc = dc__parse_body(c, &j)))
			return rc;
		json_t *dis = json_object_get(j, "disabled");
		if (dis && !json_is_boolean(dis)) {
			json_decref(j);
			return dc__fail(c, DC_ERR_INVALID, 400, "disabled must be true or false");
		}
		if ((rc = policy_of(c, j, &o))) {
			json_decref(j);
			return rc;
		}
		if ((rc = dc_store_begin(c->store)) == DC_OK) {
			rc = dc_org_set_policy(c->store, &o);
			if (rc == DC_OK && dis)
				rc = dc_org_set_disabled(c->store, o.id, json_is_true(dis));
			if (rc == DC_OK)
				rc = audit_admin(c, &off,
				                 dis && json_is_true(dis) ? "org.disable"
				                                          : "org.policy",
				                 o.id, NULL);
			if (rc)
				dc_store_rollback(c->store);
			else
				rc = dc_store_commit(c->store);
		}
		json_decref(j);
		if (rc)
			return dc__fail(c, rc, 0, "cannot change the organisation");
		dc_org_get(c->store, o.id, &o);
		org_json(body, &o);
		return dc_buf_error(body);
	}
	if (h2o_memis(sub, subn, H2O_STRLIT("/keys")))
		return h2o_memis(m, ml, H2O_STRLIT("POST")) ? org_keys_add(c, &off, &o, body)
		                                            : dc__not_allowed(c, "POST");
	if (subn == 6 + DC_APIKEY_ID_LEN && !memcmp(sub, "/keys/", 6)) {
		if (!h2o_memis(m, ml, H2O_STRLIT("DELETE")))
			return dc__not_allowed(c, "DELETE");
		char kid[DC_APIKEY_ID_LEN + 1];
		memcpy(kid, sub + 6, DC_APIKEY_ID_LEN);
		kid[DC_APIKEY_ID_LEN] = '\0';
		if ((rc = dc_store_begin(c->store)))
			return dc__fail(c, rc, 0, "cannot revoke the key");
		rc = dc_apikey_revoke(c->store, kid, "org", o.id, dc_now_ms());
		if (rc == DC_OK)
			rc = audit_admin(c, &off, "org.key_revoke", o.id, kid);
		if (rc)
			dc_store_rollback(c->store);
		else
			rc = dc_store_commit(c->store);
		if (rc == DC_ERR_NOT_FOUND)
			return dc__fail(c, rc, 404, "no such key for this organisation");
		if (rc)
			return dc__fail(c, rc, 0, "cannot revoke the key");
		return dc_buf_addf(body, "{\"id\":\"%s\",\"status\":\"revoked\"}", kid);
	}
	return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such resource");
}

/* --- batch jobs ------------------------------------------------------------ */

static void job_json(struct dc_buf *b, const struct dc__job *j)
{
	char pct[16];
	dc_verify_rate(j->bytes_done, j->bytes_total, pct);
	if (!strcmp(j->state, "done"))
		snprintf(pct, sizeof pct, "100.00%%");
	dc_buf_addf(b,
	            "{\"id\":\"%s\",\"org\":\"%s\",\"purpose\":\"%s\",\"state\":\"%s\","
	            "\"created_ms\":%lld,\"updated_ms\":%lld,\"bytes_total\":%llu,\"bytes_done\":"
	            "%llu,\"progress\":\"%s\",\"rows_done\":%llu",
	            j->id, j->org, j->purpose, j->state, (long long)j->created_ms,
	            (long long)j->updated_ms, (unsigned long long)j->bytes_total,
	            (unsigned long long)j->bytes_done, pct, (unsigned long long)j->rows_done);
	if (j->error[0]) {
		dc_buf_adds(b, ",\"error\":\"");
		dc_buf_add_json_str(b, j->error, strlen(j->error));
		dc_buf_addc(b, '"');
	}
	if (j->summary[0])
		dc_buf_addf(b, ",\"summary\":%s", j->summary);
	dc_buf_addc(b, '}');
}

static const char *store_target(const struct dc__call *c)
{
	return c->cfg->pg && *c->cfg->pg ? c->cfg->pg : c->cfg->db;
}

static int r_jobs(struct dc__call *c, struct dc_buf *body)
{
	struct dc_apikey k;
	struct dc_org org;
	struct dc__job j;
	int rc = dc__verify_org_of_key(c, &k, &org);
	if (rc)
		return rc;
	if (!h2o_memis(c->req->method.base, c->req->method.len, H2O_STRLIT("POST")))
		return dc__not_allowed(c, "POST");
	const char *purpose = dc__query_param(c->req, "purpose");
	int p = purpose ? dc_vpurpose_parse(purpose, strlen(purpose)) : -1;
	if (p < 0)
		return dc__fail(c, DC_ERR_INVALID, 400,
		                "?purpose= with a purpose code is required");
	if (!(org.purposes & (1u << p)))
		return dc__fail(c, DC_ERR_FORBIDDEN, 403,
		                "the purpose is not in the organisation's policy");
	h2o_iovec_t b = c->req->entity;
	if (!b.base || !b.len)
		return dc__fail(c, DC_ERR_INVALID, 400,
		                "the request body must be the CSV to verify");
	rc = dc__job_create(c->store, c->cfg->job_dir, org.id, purpose, b.base, b.len, &j);
	if (rc == DC_OK)
		rc = dc__job_start(store_target(c), c->units, j.id);
	if (rc)
		return dc__fail(c, rc, 0, "cannot start the job");
	c->status = 202;
	char loc[64];
	int n = snprintf(loc, sizeof loc, "/api/v1/verify/jobs/%s", j.id);
	h2o_add_header(&c->req->pool, &c->req->res.headers, H2O_TOKEN_LOCATION, NULL,
	               h2o_strdup(&c->req->pool, loc, (size_t)n).base, (size_t)n);
	job_json(body, &j);
	return dc_buf_error(body);
}

/* Reads a whole file into body (result downloads). */
static int file_into(const char *path, uint64_t len, struct dc_buf *body)
{
	FILE *f = fopen(path, "rb");
	int rc = f ? dc_buf_grow(body, (size_t)len + 1) : DC_ERR_IO;
	if (rc == DC_OK && len && fread(body->ptr + body->len, 1, (size_t)len, f) != len)
		rc = DC_ERR_IO;
	if (rc == DC_OK) {
		body->len += (size_t)len;
		body->ptr[body->len] = '\0';
	}
	if (f)
		fclose(f);
	return rc;
}

static int r_job(struct dc__call *c, struct dc_buf *body)
{
	struct dc_apikey k;
	struct dc_org org;
	struct dc__job j;
	char id[DC__JOB_ID_LEN + 1];
	int rc = dc__verify_org_of_key(c, &k, &org);
	if (rc)
		return rc;
	if (c->tail_len < DC__JOB_ID_LEN)
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such job");
	memcpy(id, c->tail, DC__JOB_ID_LEN);
	id[DC__JOB_ID_LEN] = '\0';
	const char *sub = c->tail + DC__JOB_ID_LEN;
	size_t subn = c->tail_len - DC__JOB_ID_LEN;
	rc = dc__job_get(c->store, id, &j);
	/* Another organisation's job does not exist, as far as this key knows. */
	if (rc == DC_ERR_NOT_FOUND || (rc == DC_OK && strcmp(j.org, org.id)))
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such job");
	if (rc)
		return dc__fail(c, rc, 0, "cannot read the job");
	const char *m = c->req->method.base;
	size_t ml = c->req->method.len;
	int get = h2o_memis(m, ml, H2O_STRLIT("GET")), post = h2o_memis(m, ml, H2O_STRLIT("POST"));
	if (subn == 0) {
		if (!get)
			return dc__not_allowed(c, "GET");
		job_json(body, &j);
		return dc_buf_error(body);
	}
	if (h2o_memis(sub, subn, H2O_STRLIT("/cancel"))) {
		if (!post)
			return dc__not_allowed(c, "POST");
		rc = dc__job_set_state(c->store, id, "running", "cancelling", NULL);
		if (rc == DC_ERR_CONFLICT)
			return dc__fail(c, rc, 409, "only a running job can be cancelled");
		if (rc)
			return dc__fail(c, rc, 0, "cannot cancel the job");
		snprintf(j.state, sizeof j.state, "cancelling");
		c->status = 202;
		job_json(body, &j);
		return dc_buf_error(body);
	}
	if (h2o_memis(sub, subn, H2O_STRLIT("/resume"))) {
		if (!post)
			return dc__not_allowed(c, "POST");
		if (!dc__job_resumable(&j, dc_now_ms()))
			return dc__fail(c, DC_ERR_CONFLICT, 409,
			                "the job is running or done; only a cancelled, failed or "
			                "paused job is resumed");
		rc = dc__job_set_state(c->store, id, j.state, "running", NULL);
		if (rc == DC_OK)
			rc = dc__job_start(store_target(c), c->units, id);
		if (rc == DC_ERR_CONFLICT)
			return dc__fail(c, rc, 409, "the job changed state meanwhile");
		if (rc)
			return dc__fail(c, rc, 0, "cannot resume the job");
		snprintf(j.state, sizeof j.state, "running");
		c->status = 202;
		job_json(body, &j);
		return dc_buf_error(body);
	}
	int result = h2o_memis(sub, subn, H2O_STRLIT("/result"));
	if (result || h2o_memis(sub, subn, H2O_STRLIT("/summary"))) {
		if (!get)
			return dc__not_allowed(c, "GET");
		if (strcmp(j.state, "done"))
			return dc__fail(c, DC_ERR_CONFLICT, 409, "the job is not done");
		if (!result)
			return dc_buf_adds(body, j.summary);
		c->content_type = "text/csv; charset=utf-8";
		rc = file_into(j.out_path, j.out_bytes, body);
		return rc ? dc__fail(c, rc, 0, "cannot read the result") : DC_OK;
	}
	return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such resource");
}

const struct dc__route dc__verify_routes[] = {
        {"/api/v1/verify", 0, "POST", r_verify}, {"/api/v1/verify/usage", 0, "GET", r_usage_self},
        {"/api/v1/verify/jobs", 0, "*", r_jobs}, {"/api/v1/verify/jobs/", 1, "*", r_job},
        {"/api/v1/orgs", 0, "*", r_orgs},        {"/api/v1/orgs/", 1, "*", r_org},
};
const size_t dc__verify_routes_n = DC_ARRAY_LEN(dc__verify_routes);
