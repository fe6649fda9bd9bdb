/*
 * api_search.c — GET /api/v1/citizens?name=&dob=&commune=&purpose=&limit=&offset=
 *
 * Officers (not auditors) search within their jurisdiction: a commune
 * officer in their commune, a province officer in the communes of their
 * province, national administrators everywhere. A purpose is required.
 * The search and every citizen it returns are audited (each one's data
 * tracker shows it) in one transaction before the answer leaves.
 */
#include <stdlib.h>
#include <string.h>

#include "dancu/audit.h"
#include "dancu/core.h"
#include "dancu/officer.h"
#include "dancu/search.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "core/internal.h"
#include "http/http.h"

struct out {
	struct dc__call *c;
	const struct dc_officer *o;
	const char *purpose;
	struct dc_buf *body;
	int n;
};

static int one(void *arg, const struct dc_search_hit *h)
{
	struct out *a = arg;
	struct dc_audit_entry e = {a->o->id,         NULL,
	                           "citizen.search", h->pin,
	                           a->purpose,       "birth_name,dob,sex,status,perm_commune",
	                           a->c->request_id};
	int rc = dc_audit_append(a->c->store, &e, NULL);
	if (rc)
		return rc;
	dc_buf_addf(a->body, "%s{\"pin\":\"%s\",\"birth_name\":\"", a->n++ ? "," : "", h->pin);
	dc_buf_add_json_str(a->body, h->birth_name, strlen(h->birth_name));
	dc_buf_addf(a->body,
	            "\",\"dob\":\"%s\",\"sex\":\"%s\",\"status\":\"%s\",\"perm_commune\":\"%s\","
	            "\"match\":\"%s\"}",
	            h->dob, h->sex, h->status, h->commune, dc_name_match_code(h->match));
	return dc_buf_error(a->body);
}

static int r_search(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	struct dc_search_query q;
	unsigned long long lim = 50, off = 0;
	int rc = dc__authenticate(c, &o);
	if (rc)
		return rc;
	if (o.role == DC_ROLE_AUDITOR)
		return dc__fail(c, DC_ERR_FORBIDDEN, 403,
		                "auditors read the audit log, not records");
	const char *purpose = dc__query_param(c->req, "purpose"),
	           *dob = dc__query_param(c->req, "dob"), *limit = dc__query_param(c->req, "limit"),
	           *offset = dc__query_param(c->req, "offset");
	memset(&q, 0, sizeof q);
	q.name = dc__query_param(c->req, "name");
	q.commune = dc__query_param(c->req, "commune");
	if (!dc__purpose_ok(purpose))
		return dc__fail(c, DC_ERR_INVALID, 400, "a purpose is required (?purpose=…)");
	if (!q.name || !dc_text_is_name(q.name, strlen(q.name)))
		return dc__fail(c, DC_ERR_INVALID, 400, "name must be a person's name");
	if (dob && (dc_date_parse(dob, strlen(dob), &q.dob) || !dc_date_valid(&q.dob)))
		return dc__fail(c, DC_ERR_INVALID, 400, "dob must be YYYY, YYYY-MM or YYYY-MM-DD");
	if (q.commune && !dc_units_commune(c->units, q.commune, strlen(q.commune)))
		return dc__fail(c, DC_ERR_INVALID, 400, "commune must be a 5-digit commune code");
	if ((limit && (dc_parse_uint(limit, strlen(limit), 200, &lim) || !lim)) ||
	    (offset && dc_parse_uint(offset, strlen(offset), 100000, &off)))
		return dc__fail(c, DC_ERR_INVALID, 400, "limit must be 1–200 and offset 0–100000");
	if (o.role == DC_ROLE_COMMUNE) {
		if (q.commune && strcmp(q.commune, o.jurisdiction))
			return dc__fail(c, DC_ERR_FORBIDDEN, 403,
			                "that commune is outside your jurisdiction");
		q.commune = o.jurisdiction;
	} else if (o.role == DC_ROLE_PROVINCE) {
		if (q.commune && !dc__in_jurisdiction(c, &o, q.commune))
			return dc__fail(c, DC_ERR_FORBIDDEN, 403,
			                "that commune is outside your jurisdiction");
		q.province = o.jurisdiction;
	}
	if (!q.commune && !(q.dob.year && q.dob.month && q.dob.day))
		return dc__fail(c, DC_ERR_INVALID, 400,
		                "give a commune or a full date of birth with the name");
	q.limit = (int)lim;
	q.offset = (int)off;
	struct out a = {c, &o, purpose, body, 0};
	size_t total = 0;
	if ((rc = dc_store_begin(c->store)))
		return dc__fail(c, rc, 503, "cannot start a transaction");
	struct dc_audit_entry e = {o.id,    NULL,     "citizen.search", NULL,
	                           purpose, "search", c->request_id};
	rc = dc_audit_append(c->store, &e, NULL);
	dc_buf_adds(body, "{\"results\":[");
	if (rc == DC_OK)
		rc = dc_search(c->store, c->units, &q, one, &a, &total);
	if (rc == DC_OK)
		rc = dc_store_commit(c->store);
	else
		dc_store_rollback(c->store);
	if (rc)
		return dc__fail(c, rc, rc == DC_ERR_INVALID ? 400 : 503,
		                "the search could not be run and audited");
	dc_buf_addf(body, "],\"count\":%d,\"total\":%zu,\"offset\":%llu}", a.n, total, off);
	return dc_buf_error(body);
}

const struct dc__route dc__search_routes[] = {
        {"/api/v1/citizens", 0, "GET", r_search},
};
const size_t dc__search_routes_n = DC_ARRAY_LEN(dc__search_routes);
