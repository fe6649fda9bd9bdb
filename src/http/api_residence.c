/*
 * api_residence.c — residence procedures over HTTP, for officers.
 *
 *   POST /api/v1/residence/dossiers                 submit {kind, pin, details…}
 *   GET  /api/v1/residence/dossiers?state=&overdue=1&commune=&province=&limit=
 *   GET  /api/v1/residence/dossiers/{id}
 *   POST /api/v1/residence/dossiers/{id}/{accept|request_supplement|resubmit|approve|reject}
 *                                                   {note}
 *   GET  /api/v1/residence/citizens/{pin}?purpose=  residence view (CT07 content)
 *   GET  /api/v1/households/{id}?purpose=           members of a household
 *
 * A dossier is handled by the police of its processing commune: commune
 * officers of that commune, province officers of its province, national
 * administrators. Lists are cut to the officer's jurisdiction. Auditors
 * read the audit log only. Every read of personal data is audited before
 * the data leaves; every step is audited with the change it makes.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/audit.h"
#include "dancu/core.h"
#include "dancu/officer.h"
#include "dancu/pool.h"
#include "dancu/residence.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "core/internal.h"
#include "http/http.h"

struct allow_arg {
	struct dc__call *c;
	const struct dc_officer *o;
};

static int allow(void *arg, const char *commune)
{
	struct allow_arg *a = arg;
	return dc__in_jurisdiction(a->c, a->o, commune);
}

static int officer(struct dc__call *c, struct dc_officer *o)
{
	int rc = dc__authenticate(c, o);
	if (rc)
		return rc;
	if (o->role == DC_ROLE_AUDITOR)
		return dc__fail(c, DC_ERR_FORBIDDEN, 403,
		                "auditors read the audit log, not residence dossiers");
	return DC_OK;
}

static void ctx_init(struct dc_residence_ctx *x, struct dc__call *c, const struct dc_officer *o,
                     struct allow_arg *aa)
{
	memset(x, 0, sizeof *x);
	x->store = c->store;
	x->units = c->units;
	x->cal = c->cal;
	x->actor = o->id;
	x->request_id = c->request_id;
	x->now_ms = dc_now_ms();
	aa->c = c;
	aa->o = o;
	x->allow = allow;
	x->allow_arg = aa;
}

static int status_of(int rc)
{
	return rc == DC_ERR_RULE ? 422 : rc == DC_ERR_NOT_FOUND ? 404 : 0;
}

static int submit(struct dc__call *c, const struct dc_officer *o, struct dc_buf *body)
{
	json_t *j = NULL;
	struct dc_residence_ctx x;
	struct allow_arg aa;
	struct dc_pool pool;
	struct dc_dossier d;
	enum dc_dossier_kind k;
	char *details = NULL;
	int rc = dc__parse_body(c, &j);
	if (rc)
		return rc;
	dc_pool_init(&pool, 0);
	/* Copies: the members are deleted from j below. */
	const char *kind = dc__str_member(j, "kind"), *pin = dc__str_member(j, "pin");
	pin = pin ? dc_pool_strdup(&pool, pin) : NULL;
	if (dc_dossier_kind_parse(kind, &k)) {
		rc = dc__fail(c, DC_ERR_INVALID, 400,
		              "kind must be one of perm_register, perm_delete, temp_register, "
		              "household_merge, "
		              "temp_extend, temp_delete, household_split, temp_absence, confirm");
		goto cleanup;
	}
	if (!pin) {
		rc = dc__fail(c, DC_ERR_INVALID, 400,
		              "pin (the citizen's personal ID number) is required");
		goto cleanup;
	}
	/* The details are the body without kind and pin. */
	json_object_del(j, "kind");
	json_object_del(j, "pin");
	details = json_dumps(j, JSON_COMPACT);
	if (!details) {
		rc = DC_ERR_NOMEM;
		goto cleanup;
	}
	ctx_init(&x, c, o, &aa);
	rc = dc_dossier_submit(&x, k, pin, details,
	                       o->role == DC_ROLE_COMMUNE ? o->jurisdiction : NULL, "counter", &d,
	                       &pool);
	if (rc) {
		rc = dc__fail(c, rc, status_of(rc), x.err);
		goto cleanup;
	}
	c->status = 201;
	rc = dc_dossier_json(&d, x.now_ms, body);
cleanup:
	free(details);
	json_decref(j);
	dc_pool_release(&pool);
	return rc;
}

struct list_arg {
	struct dc_buf *body;
	int64_t now;
	int n;
};

static int list_one(void *arg, const struct dc_dossier *d)
{
	struct list_arg *a = arg;
	if (a->n++)
		dc_buf_addc(a->body, ',');
	return dc_dossier_json(d, a->now, a->body);
}

static int list(struct dc__call *c, const struct dc_officer *o, struct dc_buf *body)
{
	struct dc_dossier_filter f = {NULL, NULL, -1, 0, 100};
	const char *state = dc__query_param(c->req, "state"),
	           *overdue = dc__query_param(c->req, "overdue"),
	           *commune = dc__query_param(c->req, "commune"),
	           *province = dc__query_param(c->req, "province"),
	           *limit = dc__query_param(c->req, "limit");
	enum dc_dossier_state st;
	unsigned long long lim = 0;
	int64_t now = dc_now_ms();
	if (state && !strcmp(state, "all"))
		f.state = -2;
	else if (state && strcmp(state, "open")) {
		if (dc_dossier_state_parse(state, &st))
			return dc__fail(
			        c, DC_ERR_INVALID, 400,
			        "state must be open, all, submitted, processing, supplement, "
			        "approved or rejected");
		f.state = (int)st;
	}
	if (overdue && strcmp(overdue, "0") && strcmp(overdue, "1"))
		return dc__fail(c, DC_ERR_INVALID, 400, "overdue must be 0 or 1");
	if (overdue && !strcmp(overdue, "1"))
		f.overdue_at_ms = now;
	if (limit && (dc_parse_uint(limit, strlen(limit), 10000, &lim) || lim == 0))
		return dc__fail(c, DC_ERR_INVALID, 400, "limit must be 1 to 10000");
	if (lim)
		f.limit = (int)lim;
	if (commune && !dc_units_commune(c->units, commune, strlen(commune)))
		return dc__fail(c, DC_ERR_INVALID, 400, "commune must be a 5-digit commune code");
	if (province && !dc_units_province(c->units, province, strlen(province)))
		return dc__fail(c, DC_ERR_INVALID, 400, "province must be a 2-digit province code");
	/* Cut to the jurisdiction: a filter outside it is refused, not widened. */
	if (commune && !dc__in_jurisdiction(c, o, commune))
		return dc__fail(c, DC_ERR_FORBIDDEN, 403,
		                "that commune is outside your jurisdiction");
	if (province && o->role == DC_ROLE_COMMUNE)
		return dc__fail(c, DC_ERR_FORBIDDEN, 403,
		                "commune officers list their own commune's dossiers");
	if (province && o->role == DC_ROLE_PROVINCE && strcmp(province, o->jurisdiction))
		return dc__fail(c, DC_ERR_FORBIDDEN, 403,
		                "that province is outside your jurisdiction");
	f.commune = commune;
	f.province = province;
	if (o->role == DC_ROLE_COMMUNE)
		f.commune = o->jurisdiction;
	else if (o->role == DC_ROLE_PROVINCE && !commune)
		f.province = o->jurisdiction;
	struct dc_audit_entry a = {
	        o->id,     NULL,         "residence.list", NULL, "residence_procedure",
	        "dossier", c->request_id};
	int rc = dc_audit_append(c->store, &a, NULL);
	if (rc)
		return dc__fail(c, rc, 503, "the read could not be audited, so it is refused");
	struct list_arg la = {body, now, 0};
	dc_buf_adds(body, "{\"dossiers\":[");
	rc = dc_dossier_list(c->store, &f, list_one, &la);
	if (rc)
		return dc__fail(c, rc, 0, "cannot list dossiers");
	dc_buf_addf(body, "],\"count\":%d}", la.n);
	return dc_buf_error(body);
}

static int r_dossiers(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	int rc = officer(c, &o);
	if (rc)
		return rc;
	if (h2o_memis(c->req->method.base, c->req->method.len, H2O_STRLIT("POST")))
		return submit(c, &o, body);
	if (h2o_memis(c->req->method.base, c->req->method.len, H2O_STRLIT("GET")))
		return list(c, &o, body);
	return dc__not_allowed(c, "GET, POST");
}

static int r_dossier(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	struct dc_pool pool;
	struct dc_dossier d;
	char id[40], action[32];
	int rc = officer(c, &o);
	if (rc)
		return rc;
	const char *slash = memchr(c->tail, '/', c->tail_len);
	size_t idlen = slash ? (size_t)(slash - c->tail) : c->tail_len;
	size_t alen = slash ? c->tail_len - idlen - 1 : 0;
	if (idlen == 0 || idlen >= sizeof id || alen >= sizeof action)
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such dossier");
	memcpy(id, c->tail, idlen);
	id[idlen] = 0;
	memcpy(action, slash ? slash + 1 : "", alen);
	action[alen] = 0;
	int post = h2o_memis(c->req->method.base, c->req->method.len, H2O_STRLIT("POST"));
	int get = h2o_memis(c->req->method.base, c->req->method.len, H2O_STRLIT("GET"));
	dc_pool_init(&pool, 0);
	if (!slash) {
		if (!get) {
			rc = dc__not_allowed(c, "GET");
			goto cleanup;
		}
		rc = dc_dossier_get(c->store, id, &d, &pool);
		if (rc) {
			rc = dc__fail(c, rc, rc == DC_ERR_NOT_FOUND ? 404 : 0,
			              rc == DC_ERR_NOT_FOUND ? "no such dossier"
			                                     : "cannot read the dossier");
			goto cleanup;
		}
		if (!dc__in_jurisdiction(c, &o, d.commune)) {
			rc = dc__fail(c, DC_ERR_FORBIDDEN, 403,
			              "the dossier is processed outside your jurisdiction");
			goto cleanup;
		}
		struct dc_audit_entry a = {
		        o.id,      NULL,         "residence.read", d.pin, "residence_procedure",
		        "dossier", c->request_id};
		if ((rc = dc_audit_append(c->store, &a, NULL))) {
			rc = dc__fail(c, rc, 503,
			              "the read could not be audited, so it is refused");
			goto cleanup;
		}
		rc = dc_dossier_json(&d, dc_now_ms(), body);
		goto cleanup;
	}
	if (!post) {
		rc = dc__not_allowed(c, "POST");
		goto cleanup;
	}
	json_t *j = NULL;
	const char *note = NULL;
	if (c->req->entity.len) {
		if ((rc = dc__parse_body(c, &j)))
			goto cleanup;
		note = dc__str_member(j, "note");
		note = note ? dc_pool_strdup(&pool, note) : NULL;
		json_decref(j);
	}
	struct dc_residence_ctx x;
	struct allow_arg aa;
	ctx_init(&x, c, &o, &aa);
	rc = dc_dossier_act(&x, id, action, note, &d, &pool);
	if (rc) {
		rc = dc__fail(c, rc, status_of(rc), x.err);
		goto cleanup;
	}
	rc = dc_dossier_json(&d, x.now_ms, body);
cleanup:
	dc_pool_release(&pool);
	return rc;
}

static int need_purpose(struct dc__call *c)
{
	if (!dc__purpose_ok(dc__query_param(c->req, "purpose")))
		return dc__fail(c, DC_ERR_INVALID, 400, "a purpose is required (?purpose=…)");
	return DC_OK;
}

static int r_citizen_residence(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	char pin[13];
	int rc = officer(c, &o);
	if (rc || (rc = need_purpose(c)))
		return rc;
	if (c->tail_len != 12)
		return dc__fail(c, DC_ERR_INVALID, 400,
		                "the path must end with a 12-digit personal ID number");
	memcpy(pin, c->tail, 12);
	pin[12] = 0;
	struct dc_audit_entry a = {o.id,
	                           NULL,
	                           "residence.view",
	                           pin,
	                           dc__query_param(c->req, "purpose"),
	                           "residence",
	                           c->request_id};
	if ((rc = dc_audit_append(c->store, &a, NULL)))
		return dc__fail(c, rc, 503, "the read could not be audited, so it is refused");
	rc = dc_residence_view(c->store, c->units, pin, dc_now_ms(), body);
	if (rc == DC_ERR_INVALID)
		return dc__fail(c, rc, 400, "not a valid personal ID number");
	if (rc == DC_ERR_NOT_FOUND)
		return dc__fail(c, rc, 404, "no citizen with this personal ID number");
	return rc ? dc__fail(c, rc, 0, "cannot read the residence") : DC_OK;
}

struct member_audit {
	struct dc__call *c;
	const struct dc_officer *o;
};

static int audit_member(void *arg, const char *pin)
{
	struct member_audit *m = arg;
	struct dc_audit_entry a = {m->o->id,
	                           NULL,
	                           "household.read",
	                           pin,
	                           dc__query_param(m->c->req, "purpose"),
	                           "household",
	                           m->c->request_id};
	return dc_audit_append(m->c->store, &a, NULL);
}

static int r_household(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	char id[24];
	int rc = officer(c, &o);
	if (rc || (rc = need_purpose(c)))
		return rc;
	if (c->tail_len == 0 || c->tail_len >= sizeof id || memchr(c->tail, '/', c->tail_len))
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such household");
	memcpy(id, c->tail, c->tail_len);
	id[c->tail_len] = 0;
	/* Every member's data tracker shows the read, in one transaction with
	 * the read itself: if the audit fails, nothing leaves. */
	struct member_audit m = {c, &o};
	if ((rc = dc_store_begin(c->store)))
		return dc__fail(c, rc, 503, "cannot start a transaction");
	rc = dc_household_json(c->store, id, body, audit_member, &m);
	if (rc == DC_OK)
		rc = dc_store_commit(c->store);
	else
		dc_store_rollback(c->store);
	if (rc == DC_ERR_NOT_FOUND)
		return dc__fail(c, rc, 404, "no household with living members has this number");
	return rc ? dc__fail(c, rc, 503, "the read could not be audited, so it is refused") : DC_OK;
}

const struct dc__route dc__residence_routes[] = {
        {"/api/v1/residence/dossiers", 0, "*", r_dossiers},
        {"/api/v1/residence/dossiers/", 1, "*", r_dossier},
        {"/api/v1/residence/citizens/", 1, "GET", r_citizen_residence},
        {"/api/v1/households/", 1, "GET", r_household},
};
const size_t dc__residence_routes_n = DC_ARRAY_LEN(dc__residence_routes);
