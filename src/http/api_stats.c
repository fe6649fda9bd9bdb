/*
 * api_stats.c — the dashboard's figures over HTTP (dancu/stats.h).
 *
 *   GET /api/v1/stats                    every section, JSON
 *   GET /api/v1/stats/{section}          one section, JSON; ?format=csv for CSV
 *
 * Officers of every role (aggregates, no personal data); computed live on
 * each request.
 */
#include <stdlib.h>
#include <string.h>

#include "dancu/core.h"
#include "dancu/officer.h"
#include "dancu/stats.h"

#include "core/internal.h"
#include "http/http.h"
#include "http/api_exchange.h"

static int r_stats(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	int rc = dc__authenticate(c, &o);
	if (rc)
		return rc;
	rc = dc_stats_write(c->replica ? c->replica : c->store, c->units, NULL, 0, body);
	return rc ? dc__fail(c, rc, 0, "cannot compute the statistics") : DC_OK;
}

static int r_stat(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	char name[32];
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
	rc = dc_stats_write(c->replica ? c->replica : c->store, c->units, name, csv, body);
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
