/*
 * api_dossier.c — online public services over HTTP (docs/EXCHANGE.md).
 *
 *   GET  /api/v1/services                          the catalogue (public)
 *   POST /api/v1/dossiers                          citizen (e-ID Bearer token): online;
 *                                                  officer: offline, for {"pin"}
 *   GET  /api/v1/dossiers?state=&service=&overdue=1&queue=
 *                                                  officer: in the jurisdiction;
 *                                                  citizen: own
 *   GET  /api/v1/dossiers/{id}                     with history, steps, payments
 *   POST /api/v1/dossiers/{id}/transition          officer: {"to","note"}
 *   POST /api/v1/dossiers/{id}/supplement          citizen: {"note"} answers a request
 *   POST /api/v1/dossiers/{id}/payments            citizen: {"amount_vnd","gateway"}
 *   GET  /api/v1/dossiers/{id}/attachments         the list (name, type, size, SHA-256)
 *   POST /api/v1/dossiers/{id}/attachments?name=N  the file as the body (PDF, JPEG, PNG;
 *                                                  Content-Type names it); open dossiers
 *   GET  /api/v1/dossiers/{id}/attachments/{aid}   the file (audited)
 *   GET  /api/v1/agency/dossiers                   agency key: its queue
 *   POST /api/v1/agency/dossiers/{id}              agency key: {"to","note","result"}
 *
 * Officer session tokens and citizens' access tokens are both Bearer
 * tokens: an officer session is tried first, then an access token.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/core.h"
#include "dancu/apikey.h"
#include "dancu/attachment.h"
#include "dancu/audit.h"
#include "dancu/citizen.h"
#include "dancu/exchange.h"
#include "dancu/officer.h"
#include "dancu/pin.h"
#include "dancu/pool.h"
#include "dancu/server.h"
#include "dancu/services.h"
#include "dancu/store.h"

#include "core/internal.h"
#include "http/api_oidc.h"
#include "http/apikey_http.h"
#include "http/http.h"

struct who {
	int officer; /* 1 officer, 0 citizen */
	struct dc_officer o;
	char pin[13];
	char actor[80];
};

static int is_method(const struct dc__call *c, const char *m)
{
	return c->req->method.len == strlen(m) && !memcmp(c->req->method.base, m, strlen(m));
}

static int identify(struct dc__call *c, struct who *w)
{
	memset(w, 0, sizeof *w);
	int rc = dc__authenticate(c, &w->o);
	if (rc == DC_OK) {
		w->officer = 1;
		snprintf(w->actor, sizeof w->actor, "%s", w->o.id);
		return DC_OK;
	}
	if (rc != DC_ERR_AUTH)
		return rc;
	char client[65], scope[DC__OIDC_PARAM], acr[64];
	struct dc__oidc_client cl;
	c->status = 200; /* forget the officer check's 401 */
	c->detail[0] = '\0';
	rc = dc__oidc_bearer(c, client, w->pin, scope, acr, &cl);
	if (rc)
		return rc;
	snprintf(w->actor, sizeof w->actor, "citizen:%s", w->pin);
	return DC_OK;
}

static void ctx_of(struct dc__call *c, const char *actor, struct dc_svc_ctx *x)
{
	x->store = c->store;
	x->units = c->units;
	x->cal = c->cal;
	x->now_ms = dc_now_ms();
	x->actor = actor;
	x->request_id = c->request_id;
}

static int r_services(struct dc__call *c, struct dc_buf *body)
{
	size_t n;
	const struct dc_service *s = dc_services(&n);
	dc_buf_adds(body, "{\"services\":[");
	for (size_t i = 0; i < n; i++) {
		dc_buf_addf(body, "%s{\"code\":\"%s\",\"tthc\":\"%s\",\"name\":\"", i ? "," : "",
		            s[i].code, s[i].tthc);
		dc_buf_add_json_str(body, s[i].name_vi, strlen(s[i].name_vi));
		dc_buf_adds(body, "\",\"name_en\":\"");
		dc_buf_add_json_str(body, s[i].name_en, strlen(s[i].name_en));
		dc_buf_adds(body, "\",\"owner\":\"");
		dc_buf_add_json_str(body, s[i].owner, strlen(s[i].owner));
		dc_buf_addf(body,
		            "\",\"queue\":\"%s\",\"deadline_half_days\":%d,\"fee_vnd\":%lld,"
		            "\"linked\":%s,\"steps\":",
		            s[i].queue, s[i].half_days, (long long)s[i].fee_vnd,
		            s[i].steps ? "true" : "false");
		if (s[i].steps) {
			dc_buf_adds(body, "[\"");
			for (const char *p = s[i].steps; *p; p++)
				dc_buf_adds(body, *p == ',' ? "\",\"" : (char[2]){*p, 0});
			dc_buf_adds(body, "\"]");
		} else {
			dc_buf_adds(body, "null");
		}
		dc_buf_addf(body, ",\"step_only\":%s}", s[i].step_only ? "true" : "false");
	}
	dc_buf_adds(body, "]}");
	return dc_buf_error(body);
}

static int submit(struct dc__call *c, const struct who *w, struct dc_buf *body)
{
	json_t *j = NULL;
	char id[40], err[256] = "";
	struct dc_svc_ctx x;
	char *dj = NULL;
	int rc = dc__parse_body(c, &j);
	if (rc)
		return rc;
	const char *service = dc__str_member(j, "service");
	const char *pin = w->officer ? dc__str_member(j, "pin") : w->pin;
	json_t *data = json_object_get(j, "data");
	if (!service || !pin || (data && !json_is_object(data))) {
		rc = dc__fail(c, DC_ERR_INVALID, 400,
		              w->officer ? "service, pin and data (an object) are required"
		                         : "service and data (an object) are required");
		goto done;
	}
	if (w->officer) {
		struct dc_pin p;
		struct dc_citizen a;
		struct dc_pool pool;
		dc_pool_init(&pool, 0);
		if (w->o.role == DC_ROLE_AUDITOR)
			rc = dc__fail(c, DC_ERR_FORBIDDEN, 403, "auditors do not file dossiers");
		else if (dc_pin_parse(pin, strlen(pin), &p) ||
		         dc_store_citizen_get(c->store, &p, &a, &pool))
			rc = dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such applicant");
		else if (!dc__in_jurisdiction(c, &w->o,
		                              a.perm_commune ? a.perm_commune : a.temp_commune))
			rc = dc__fail(c, DC_ERR_FORBIDDEN, 403,
			              "the applicant lives outside your jurisdiction");
		dc_pool_release(&pool);
		if (rc)
			goto done;
	}
	dj = data ? json_dumps(data, JSON_COMPACT) : NULL;
	ctx_of(c, w->actor, &x);
	rc = dc_svc_submit(&x, service, pin, w->officer ? "offline" : "online", dj ? dj : "{}", id,
	                   err, sizeof err);
	if (rc == DC_ERR_INVALID || rc == DC_ERR_NOT_FOUND) {
		rc = dc__fail(c, rc, rc == DC_ERR_INVALID ? 400 : 404, err);
		goto done;
	}
	if (rc) {
		rc = dc__fail(c, rc, 0, "the dossier could not be filed; nothing was recorded");
		goto done;
	}
	c->status = 201;
	rc = dc_svc_dossier_json(c->store, id, x.now_ms, body, NULL, NULL);
done:
	free(dj);
	json_decref(j);
	return rc;
}

static const char *scope_of(const struct dc_officer *o)
{
	return o->role == DC_ROLE_NATIONAL ? "VN" : o->jurisdiction;
}

static int r_dossiers(struct dc__call *c, struct dc_buf *body)
{
	struct who w;
	int rc = identify(c, &w);
	if (rc)
		return rc;
	if (is_method(c, "POST"))
		return submit(c, &w, body);
	if (!is_method(c, "GET"))
		return dc__not_allowed(c, "GET, POST");
	struct dc_svc_filter f = {0};
	f.state = dc__query_param(c->req, "state");
	f.service = dc__query_param(c->req, "service");
	f.queue = dc__query_param(c->req, "queue");
	const char *od = dc__query_param(c->req, "overdue");
	f.overdue = od && !strcmp(od, "1");
	if (f.state && !dc_svc_state_valid(f.state))
		return dc__fail(c, DC_ERR_INVALID, 400, "unknown state");
	if (w.officer) {
		if (w.o.role == DC_ROLE_AUDITOR)
			return dc__fail(c, DC_ERR_FORBIDDEN, 403, "auditors read the audit log");
		f.scope = scope_of(&w.o);
		f.steps = 1;
	} else {
		f.applicant = w.pin;
	}
	dc_buf_adds(body, "{\"dossiers\":");
	rc = dc_svc_list(c->store, &f, dc_now_ms(), body);
	dc_buf_adds(body, "}");
	return rc ? dc__fail(c, rc, 0, "cannot list dossiers") : dc_buf_error(body);
}

/* The dossier's JSON into body when w may see it (its applicant into pin);
 * DC_OK or answered. */
static int visible(struct dc__call *c, const struct who *w, const char *id, struct dc_buf *body,
                   char pin[13])
{
	char commune[6];
	int rc = dc_svc_dossier_json(c->store, id, dc_now_ms(), body, commune, pin);
	if (rc == DC_ERR_NOT_FOUND)
		return dc__fail(c, rc, 404, "no such dossier");
	if (rc)
		return dc__fail(c, rc, 0, "cannot read the dossier");
	int ok = w->officer ? w->o.role != DC_ROLE_AUDITOR && dc__in_jurisdiction(c, &w->o, commune)
	                    : !strcmp(pin, w->pin);
	if (!ok) {
		dc_buf_reset(body);
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such dossier");
	}
	return DC_OK;
}

/* Content-Disposition: attachment; filename*=UTF-8''<name percent-encoded>. */
static void disposition(struct dc__call *c, const char *name)
{
	size_t n = strlen(name);
	char *v = h2o_mem_alloc_pool(&c->req->pool, 40 + 3 * n);
	size_t k = (size_t)snprintf(v, 40, "attachment; filename*=UTF-8''");
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_') {
			v[k++] = (char)ch;
		} else {
			v[k++] = '%';
			v[k++] = "0123456789ABCDEF"[ch >> 4];
			v[k++] = "0123456789ABCDEF"[ch & 15];
		}
	}
	h2o_add_header(&c->req->pool, &c->req->res.headers, H2O_TOKEN_CONTENT_DISPOSITION, NULL, v,
	               k);
}

/* /api/v1/dossiers/{id}/attachments[/{aid}] for w, who may see the
 * dossier (applicant: its applicant); sub is what follows "/attachments". */
static int attachments(struct dc__call *c, const struct who *w, const char *id,
                       const char *applicant, const char *sub, size_t subn, struct dc_buf *body)
{
	char aid[40], err[256] = "", sha[65], ctype[32], name[201];
	int rc;
	if (subn == 0 && is_method(c, "GET")) {
		dc_buf_addf(body, "{\"dossier\":\"%s\",\"attachments\":", id);
		rc = dc_attachment_list(c->store, id, body);
		dc_buf_addc(body, '}');
		return rc ? dc__fail(c, rc, 0, "cannot list the attachments") : dc_buf_error(body);
	}
	if (subn == 0 && is_method(c, "POST")) {
		ssize_t h = h2o_find_header(&c->req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
		struct dc_attachment_new a = {
		        id,
		        dc__query_param(c->req, "name"),
		        h < 0 ? NULL
		              : dc_attachment_type(c->req->headers.entries[h].value.base,
		                                   c->req->headers.entries[h].value.len),
		        (const unsigned char *)c->req->entity.base,
		        c->req->entity.base ? c->req->entity.len : 0,
		        c->cfg ? c->cfg->attachment_max : 1048576,
		        w->actor,
		        dc_now_ms()};
		if (!a.content_type)
			return dc__fail(c, DC_ERR_INVALID, 415,
			                "Content-Type must be application/pdf, image/jpeg or "
			                "image/png");
		if ((rc = dc_store_begin(c->store)))
			return dc__fail(c, rc, 0, "the attachment was not stored");
		rc = dc_attachment_add(c->store, &a, aid, sha, err, sizeof err);
		if (rc == DC_OK) {
			struct dc_audit_entry e = {w->actor,     NULL, "dossier.attachment.add",
			                           applicant,    NULL, aid,
			                           c->request_id};
			rc = dc_audit_append(c->store, &e, NULL);
		}
		rc = rc ? (dc_store_rollback(c->store), rc) : dc_store_commit(c->store);
		if (rc == DC_ERR_INVALID || rc == DC_ERR_TOO_LARGE || rc == DC_ERR_CONFLICT ||
		    rc == DC_ERR_NOT_FOUND)
			return dc__fail(c, rc, 0, err);
		if (rc)
			return dc__fail(c, rc, 0, "the attachment was not stored");
		c->status = 201;
		dc_buf_addf(
		        body,
		        "{\"id\":\"%s\",\"dossier\":\"%s\",\"content_type\":\"%s\",\"size\":%zu,"
		        "\"sha256\":\"%s\"}",
		        aid, id, a.content_type, a.len, sha);
		return dc_buf_error(body);
	}
	if (subn == 0)
		return dc__not_allowed(c, "GET, POST");
	if (subn - 1 >= sizeof aid || subn < 2)
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such attachment");
	memcpy(aid, sub + 1, subn - 1);
	aid[subn - 1] = '\0';
	if (!is_method(c, "GET"))
		return dc__not_allowed(c, "GET");
	/* The read is audited in its own transaction before the bytes go out:
	 * no download without its audit entry. */
	rc = dc_attachment_get(c->store, id, aid, body, ctype, name);
	if (rc == DC_ERR_NOT_FOUND)
		return dc__fail(c, rc, 404, "no such attachment");
	if (rc == DC_ERR_VERIFY) {
		dc_buf_reset(body);
		return dc__fail(c, rc, 500, "the stored attachment no longer matches its SHA-256");
	}
	if (rc == DC_OK) {
		struct dc_audit_entry e = {w->actor,     NULL, "dossier.attachment.read",
		                           applicant,    NULL, aid,
		                           c->request_id};
		rc = dc_audit_append(c->store, &e, NULL);
	}
	if (rc) {
		dc_buf_reset(body);
		return dc__fail(c, rc, 0, "cannot read the attachment");
	}
	c->content_type = dc_attachment_type(ctype, strlen(ctype));
	if (!c->content_type)
		c->content_type = "application/octet-stream";
	disposition(c, name);
	return DC_OK;
}

static int r_dossier(struct dc__call *c, struct dc_buf *body)
{
	struct who w;
	char id[40], err[256] = "", applicant[13];
	json_t *j = NULL;
	int rc = identify(c, &w);
	if (rc)
		return rc;
	const char *sub;
	size_t subn;
	if (dc__tail_id(c, id, sizeof id, &sub, &subn))
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such dossier");
	if ((rc = visible(c, &w, id, body, applicant)))
		return rc;
	if (subn >= 12 && !memcmp(sub, "/attachments", 12) && (subn == 12 || sub[12] == '/')) {
		dc_buf_reset(body);
		return attachments(c, &w, id, applicant, sub + 12, subn - 12, body);
	}
	if (subn == 0)
		return is_method(c, "GET") ? DC_OK : dc__not_allowed(c, "GET");
	dc_buf_reset(body);
	if (!is_method(c, "POST"))
		return dc__not_allowed(c, "POST");
	if ((rc = dc__parse_body(c, &j)))
		return rc;
	struct dc_svc_ctx x;
	ctx_of(c, w.actor, &x);
	const char *note = dc__str_member(j, "note");
	if (h2o_memis(sub, subn, H2O_STRLIT("/transition")) && w.officer) {
		const char *to = dc__str_member(j, "to");
		rc = dc_svc_transition(&x, id, "officer", to ? to : "", note, NULL, err,
		                       sizeof err);
	} else if (h2o_memis(sub, subn, H2O_STRLIT("/supplement")) && !w.officer) {
		rc = dc_svc_transition(&x, id, NULL, "processing",
		                       note ? note : "supplement provided", NULL, err, sizeof err);
	} else if (h2o_memis(sub, subn, H2O_STRLIT("/payments")) && !w.officer) {
		json_t *a = json_object_get(j, "amount_vnd");
		char ref[40];
		const char *gw = dc__str_member(j, "gateway");
		rc = json_is_integer(a)
		             ? dc_svc_pay(&x, id, gw ? gw : "demo", json_integer_value(a), ref)
		             : DC_ERR_INVALID;
		json_decref(j);
		if (rc == DC_ERR_INVALID)
			return dc__fail(c, rc, 400,
			                "amount_vnd (1 … what is due) and a known gateway (demo) "
			                "are required");
		if (rc)
			return dc__fail(c, rc, 0, "the payment was not recorded");
		c->status = 201;
		dc_buf_addf(body, "{\"ref\":\"%s\",\"dossier\":\"%s\",\"amount_vnd\":%lld}", ref,
		            id, (long long)json_integer_value(a));
		return dc_buf_error(body);
	} else {
		json_decref(j);
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such dossier action for you");
	}
	json_decref(j);
	if (rc == DC_ERR_INVALID || rc == DC_ERR_CONFLICT)
		return dc__fail(c, rc, 0, err);
	if (rc == DC_ERR_NOT_FOUND)
		return dc__fail(c, rc, 404, "the dossier is not in the officers' queue");
	if (rc)
		return dc__fail(c, rc, 0, "the dossier could not be changed; nothing was recorded");
	rc = dc_svc_dossier_json(c->store, id, dc_now_ms(), body, NULL, NULL);
	return rc ? dc__fail(c, rc, 0, "cannot read the dossier") : DC_OK;
}

/* --- agencies' queues --------------------------------------------------------------- */

static int agency_key(struct dc__call *c, struct dc_apikey *k, struct dc_agency *a)
{
	int rc = dc__apikey_authenticate(c, "agency", k);
	if (rc)
		return rc;
	rc = dc_agency_get(c->store, k->owner_id, a);
	if (rc == DC_ERR_NOT_FOUND)
		return dc__fail(c, DC_ERR_AUTH, 401, "the API key is not valid");
	if (rc)
		return dc__fail(c, rc, 0, "cannot read the agency");
	return a->disabled ? dc__fail(c, DC_ERR_FORBIDDEN, 403, "the agency is disabled") : DC_OK;
}

static int r_agency_queue(struct dc__call *c, struct dc_buf *body)
{
	struct dc_apikey k;
	struct dc_agency a;
	int rc = agency_key(c, &k, &a);
	if (rc)
		return rc;
	struct dc_svc_filter f = {0};
	f.queue = a.id;
	f.steps = 1;
	f.state = dc__query_param(c->req, "state");
	if (f.state && !dc_svc_state_valid(f.state))
		return dc__fail(c, DC_ERR_INVALID, 400, "unknown state");
	dc_buf_adds(body, "{\"dossiers\":");
	rc = dc_svc_list(c->store, &f, dc_now_ms(), body);
	dc_buf_adds(body, "}");
	return rc ? dc__fail(c, rc, 0, "cannot list the queue") : dc_buf_error(body);
}

static int r_agency_dossier(struct dc__call *c, struct dc_buf *body)
{
	struct dc_apikey k;
	struct dc_agency a;
	char id[40], err[256] = "";
	json_t *j = NULL;
	int rc = agency_key(c, &k, &a);
	if (rc)
		return rc;
	if (c->tail_len == 0 || c->tail_len >= sizeof id || memchr(c->tail, '/', c->tail_len))
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such dossier");
	memcpy(id, c->tail, c->tail_len);
	id[c->tail_len] = '\0';
	if (!is_method(c, "POST"))
		return dc__not_allowed(c, "POST");
	if ((rc = dc__parse_body(c, &j)))
		return rc;
	const char *to = dc__str_member(j, "to");
	json_t *res = json_object_get(j, "result");
	char *rj = res ? json_dumps(res, JSON_COMPACT) : NULL;
	struct dc_svc_ctx x;
	ctx_of(c, k.id, &x);
	rc = dc_svc_transition(&x, id, a.id, to ? to : "", dc__str_member(j, "note"), rj, err,
	                       sizeof err);
	free(rj);
	json_decref(j);
	if (rc == DC_ERR_INVALID || rc == DC_ERR_CONFLICT)
		return dc__fail(c, rc, 0, err);
	if (rc == DC_ERR_NOT_FOUND)
		return dc__fail(c, rc, 404, "no such dossier in this agency's queue");
	if (rc)
		return dc__fail(c, rc, 0, "the dossier could not be changed; nothing was recorded");
	rc = dc_svc_dossier_json(c->store, id, dc_now_ms(), body, NULL, NULL);
	return rc ? dc__fail(c, rc, 0, "cannot read the dossier") : DC_OK;
}

const struct dc__route dc__dossier_routes[] = {
        {"/api/v1/services", 0, "GET", r_services},
        {"/api/v1/dossiers", 0, "*", r_dossiers},
        {"/api/v1/dossiers/", 1, "*", r_dossier},
        {"/api/v1/agency/dossiers", 0, "GET", r_agency_queue},
        {"/api/v1/agency/dossiers/", 1, "*", r_agency_dossier},
};
const size_t dc__dossier_routes_n = DC_ARRAY_LEN(dc__dossier_routes);
