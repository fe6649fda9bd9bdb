/*
 * api_stay.c — stay notifications over HTTP.
 *
 *   POST /api/v1/businesses {"id","name","commune","kind"}   officers: register an
 *        accommodation business in their jurisdiction; 201 with its first API key
 *        (shown once)
 *   POST /api/v1/stays {"guests":[…]}                        businesses (API key):
 *        report arrivals and departures; one result per guest
 *   GET  /api/v1/stays?day=YYYY-MM-DD&commune=&province=&late=1&limit=
 *                                                           officers: the overview of
 *        their jurisdiction (audited)
 *
 * A business authenticates with "Authorization: ApiKey <id>.<secret>" (or
 * X-Api-Key); its key must belong to an enabled business. The report's
 * result is 200 when at least one guest was recorded, 422 when none was.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/apikey.h"
#include "dancu/audit.h"
#include "dancu/core.h"
#include "dancu/officer.h"
#include "dancu/stay.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "core/internal.h"
#include "http/apikey_http.h"
#include "http/http.h"

static int business_auth(struct dc__call *c, struct dc_business *b)
{
	struct dc_apikey k;
	int rc = dc__apikey_authenticate(c, "business", &k);
	if (rc)
		return rc;
	rc = dc_business_get(c->store, k.owner_id, b);
	if (rc == DC_ERR_NOT_FOUND || (rc == DC_OK && b->disabled))
		return dc__fail(c, DC_ERR_AUTH, 401,
		                "the business of this key is disabled or gone");
	return rc ? dc__fail(c, rc, 0, "cannot read the business") : DC_OK;
}

/* A report waiting for the group commit. */
struct stay_job {
	struct dc_business b;
	char *items;
	int64_t now;
	char request_id[72];
	struct dc_buf results;
	int recorded;
	char err[256];
};

static int stay_work(struct dc_store *s, void *arg)
{
	struct stay_job *j = arg;
	dc_buf_reset(&j->results);
	return dc_stay_report(s, &j->b, j->items, strlen(j->items), j->now, j->request_id,
	                      &j->results, &j->recorded, j->err, sizeof j->err);
}

static int stay_done(struct dc__call *c, struct dc_buf *body, int rc, void *arg)
{
	struct stay_job *j = arg;
	if (rc)
		return dc__fail(c, rc, rc == DC_ERR_INVALID ? 400 : 0,
		                j->err[0] ? j->err : "the report could not be recorded");
	if (j->recorded == 0) {
		/* Keep the per-guest reasons as a problem extension. */
		dc_buf_adds(body, "\"results\":");
		dc_buf_add(body, j->results.ptr, j->results.len);
		c->extension = 1;
		return dc__fail(c, DC_ERR_INVALID, 422, "no guest was recorded; see results");
	}
	dc_buf_addf(body, "{\"business\":\"%s\",\"recorded\":%d,\"results\":", j->b.id,
	            j->recorded);
	dc_buf_add(body, j->results.ptr, j->results.len);
	return dc_buf_addc(body, '}');
}

static void stay_free(void *arg)
{
	struct stay_job *j = arg;
	free(j->items);
	dc_buf_release(&j->results);
	free(j);
}

static int r_stays_post(struct dc__call *c, struct dc_buf *body)
{
	struct dc_business b;
	json_t *j = NULL;
	int rc = business_auth(c, &b);
	if (rc)
		return rc;
	if ((rc = dc__parse_body(c, &j)))
		return rc;
	json_t *guests = json_object_get(j, "guests");
	char *text = guests ? json_dumps(guests, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!text)
		return dc__fail(c, DC_ERR_INVALID, 400, "guests (an array) is required");
	struct stay_job *sj = calloc(1, sizeof *sj);
	if (!sj) {
		free(text);
		return DC_ERR_NOMEM;
	}
	sj->b = b;
	sj->items = text;
	sj->now = dc_now_ms();
	snprintf(sj->request_id, sizeof sj->request_id, "%s", c->request_id);
	/* The answer waits for the group commit: an acknowledged report is
	 * durable. */
	return dc__defer(c, stay_work, stay_done, sj, stay_free);
}

static int r_stays_get(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	int rc = dc__authenticate(c, &o);
	if (rc)
		return rc;
	if (o.role == DC_ROLE_AUDITOR)
		return dc__fail(c, DC_ERR_FORBIDDEN, 403, "auditors read the audit log only");
	const char *day = dc__query_param(c->req, "day"),
	           *commune = dc__query_param(c->req, "commune"),
	           *province = dc__query_param(c->req, "province"),
	           *late = dc__query_param(c->req, "late"),
	           *limit = dc__query_param(c->req, "limit");
	struct dc_date d;
	char today[DC_DATE_ISO_MAX];
	unsigned long long lim = 100;
	if (!day) {
		struct dc_date t = dc_date_today();
		dc_date_iso(&t, today);
		day = today;
	} else if (dc_date_parse(day, strlen(day), &d) || !d.day || strlen(day) != 10) {
		return dc__fail(c, DC_ERR_INVALID, 400, "day must be a date YYYY-MM-DD");
	}
	if (late && strcmp(late, "0") && strcmp(late, "1"))
		return dc__fail(c, DC_ERR_INVALID, 400, "late must be 0 or 1");
	if (limit && (dc_parse_uint(limit, strlen(limit), 10000, &lim) || !lim))
		return dc__fail(c, DC_ERR_INVALID, 400, "limit must be 1 to 10000");
	if (commune && !dc_units_commune(c->units, commune, strlen(commune)))
		return dc__fail(c, DC_ERR_INVALID, 400, "commune must be a 5-digit commune code");
	if (province && !dc_units_province(c->units, province, strlen(province)))
		return dc__fail(c, DC_ERR_INVALID, 400, "province must be a 2-digit province code");
	if (commune && !dc__in_jurisdiction(c, &o, commune))
		return dc__fail(c, DC_ERR_FORBIDDEN, 403,
		                "that commune is outside your jurisdiction");
	if (province && o.role != DC_ROLE_NATIONAL &&
	    !(o.role == DC_ROLE_PROVINCE && !strcmp(province, o.jurisdiction)))
		return dc__fail(c, DC_ERR_FORBIDDEN, 403,
		                "that province is outside your jurisdiction");
	if (o.role == DC_ROLE_COMMUNE)
		commune = o.jurisdiction;
	else if (o.role == DC_ROLE_PROVINCE && !commune)
		province = o.jurisdiction;
	struct dc_audit_entry a = {
	        o.id, NULL, "stay.overview", NULL, "residence_procedure", "stay", c->request_id};
	if ((rc = dc_audit_append(c->store, &a, NULL)))
		return dc__fail(c, rc, 503, "the read could not be audited, so it is refused");
	rc = dc_stay_overview(c->store, commune, province, day, late && !strcmp(late, "1"),
	                      (int)lim, body);
	return rc ? dc__fail(c, rc, 0, "cannot read the stays") : DC_OK;
}

static int r_stays(struct dc__call *c, struct dc_buf *body)
{
	if (h2o_memis(c->req->method.base, c->req->method.len, H2O_STRLIT("POST")))
		return r_stays_post(c, body);
	if (h2o_memis(c->req->method.base, c->req->method.len, H2O_STRLIT("GET")))
		return r_stays_get(c, body);
	return dc__not_allowed(c, "GET, POST");
}

static int r_businesses(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	struct dc_business b;
	json_t *j = NULL;
	char err[256] = "", key[DC_APIKEY_LEN + 1], kid[DC_APIKEY_ID_LEN + 1];
	int rc = dc__authenticate(c, &o);
	if (rc)
		return rc;
	if (o.role == DC_ROLE_AUDITOR)
		return dc__fail(c, DC_ERR_FORBIDDEN, 403, "auditors read the audit log only");
	if ((rc = dc__parse_body(c, &j)))
		return rc;
	memset(&b, 0, sizeof b);
	const char *v;
	snprintf(b.id, sizeof b.id, "%s", (v = dc__str_member(j, "id")) ? v : "");
	snprintf(b.name, sizeof b.name, "%s", (v = dc__str_member(j, "name")) ? v : "");
	snprintf(b.commune, sizeof b.commune, "%s", (v = dc__str_member(j, "commune")) ? v : "");
	snprintf(b.kind, sizeof b.kind, "%s", (v = dc__str_member(j, "kind")) ? v : "");
	json_decref(j);
	if (!dc__in_jurisdiction(c, &o, b.commune) && dc_units_commune(c->units, b.commune, 5))
		return dc__fail(c, DC_ERR_FORBIDDEN, 403,
		                "that commune is outside your jurisdiction");
	/* The business and its first key in one transaction. */
	if ((rc = dc_store_begin(c->store)))
		return dc__fail(c, rc, 503, "cannot start a transaction");
	rc = dc_business_add(c->store, c->units, &b, o.id, err, sizeof err);
	if (rc == DC_OK)
		rc = dc_apikey_create(c->store, "business", b.id, "first key", 0, 0, dc_now_ms(),
		                      key, kid);
	if (rc == DC_OK)
		rc = dc_store_commit(c->store);
	else
		dc_store_rollback(c->store);
	if (rc)
		return dc__fail(c, rc, 0, err[0] ? err : "the business could not be registered");
	c->status = 201;
	dc_buf_addf(body,
	            "{\"id\":\"%s\",\"commune\":\"%s\",\"kind\":\"%s\",\"key_id\":\"%s\","
	            "\"api_key\":\"%s\"}",
	            b.id, b.commune, b.kind, kid, key);
	sodium_memzero(key, sizeof key);
	return dc_buf_error(body);
}

const struct dc__route dc__stay_routes[] = {
        {"/api/v1/stays", 0, "*", r_stays},
        {"/api/v1/businesses", 0, "POST", r_businesses},
};
const size_t dc__stay_routes_n = DC_ARRAY_LEN(dc__stay_routes);
