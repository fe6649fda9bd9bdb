/*
 * api_stats.c — the dashboard's figures over HTTP (dancu/stats.h).
 *
 *   GET /api/v1/stats                    every section, JSON
 *   GET /api/v1/stats/{section}          one section, JSON; ?format=csv for CSV
 *
 * Officers of every role (aggregates, no personal data), cut to their
 * jurisdiction: a commune officer sees their commune, a province officer
 * their province, national administrators and auditors the nation.
 * ?area=CODE (a province's 2 digits or a commune's 5) narrows it further;
 * an area outside the officer's jurisdiction is 403.
 */
#include <stdlib.h>
#include <string.h>

#include "dancu/core.h"
#include "dancu/officer.h"
#include "dancu/stats.h"
#include "dancu/units.h"

#include "core/internal.h"
#include "http/http.h"
#include "http/api_exchange.h"

/* The area the request is cut to, into area (NUL-terminated; "" for the
 * nation), or a problem answered (non-zero). */
static int area_of(struct dc__call *c, const struct dc_officer *o, char area[6])
{
	const char *q = dc__query_param(c->req, "area");
	size_t n = q ? strlen(q) : 0;
	unsigned long long v = 0;
	const struct dc_commune *cm = NULL;
	area[0] = '\0';
	if (o->role == DC_ROLE_COMMUNE || o->role == DC_ROLE_PROVINCE)
		memcpy(area, o->jurisdiction, strlen(o->jurisdiction) + 1);
	if (!q || !*q)
		return DC_OK;
	if ((n != 2 && n != 5) || dc_parse_uint(q, n, n == 2 ? 99 : 99999, &v) ||
	    (n == 2 ? !dc_units_province(c->units, q, 2)
	            : !(cm = dc_units_commune(c->units, q, 5))))
		return dc__fail(c, DC_ERR_INVALID, 400,
		                "area is a province (2 digits) or a commune (5 digits) code");
	/* Inside the jurisdiction: the same area, or a commune of one's own
	 * province; national administrators and auditors may ask for any. */
	int ok = !area[0] || !strcmp(area, q) ||
	         (strlen(area) == 2 && cm && !strcmp(cm->province_code, area));
	if (!ok)
		return dc__fail(c, DC_ERR_FORBIDDEN, 403, "the area is outside your jurisdiction");
	memcpy(area, q, n + 1);
	return DC_OK;
}

static int r_stats(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	char area[6];
	int rc = dc__authenticate(c, &o);
	if (rc)
		return rc;
	if ((rc = area_of(c, &o, area)))
		return rc;
	rc = dc_stats_write(c->replica ? c->replica : c->store, c->units, area, NULL, 0, body);
	return rc ? dc__fail(c, rc, 0, "cannot compute the statistics") : DC_OK;
}

static int r_stat(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	char name[32], area[6];
	int rc = dc__authenticate(c, &o);
	if (rc)
		return rc;
	if (c->tail_len == 0 || c->tail_len >= sizeof name)
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such statistic");
	memcpy(name, c->tail, c->tail_len);
	name[c->tail_len] = '\0';
	if (!dc_stats_section_valid(name))
		return dc__fail(c, DC_ERR_NOT_FOUND, 404,
		                "no such statistic (cards, eid, dossiers, verification, stays, "
		                "connected, quality)");
	const char *f = dc__query_param(c->req, "format");
	if (f && strcmp(f, "csv") && strcmp(f, "json"))
		return dc__fail(c, DC_ERR_INVALID, 400, "format is json or csv");
	int csv = f && !strcmp(f, "csv");
	if ((rc = area_of(c, &o, area)))
		return rc;
	rc = dc_stats_write(c->replica ? c->replica : c->store, c->units, area, name, csv, body);
	if (rc)
		return dc__fail(c, rc, 0, "cannot compute the statistic");
	if (csv)
		c->content_type = "text/csv; charset=utf-8";
	return DC_OK;
}

const struct dc__route dc__stats_routes[] = {
        {"/api/v1/stats", 0, "GET", r_stats},
        {"/api/v1/stats/", 1, "GET", r_stat},
};
const size_t dc__stats_routes_n = DC_ARRAY_LEN(dc__stats_routes);
