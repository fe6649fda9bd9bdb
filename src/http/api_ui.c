/*
 * api_ui.c — serves the web UI: the citizen portal, the officer console,
 * the relying-party console and the dashboard (docs/WEBUI.md). The pages
 * are plain HTML/CSS/JS from web/, compiled into the binary, so `dancu
 * serve` needs no document root and the files cannot drift from the
 * binary that answers their API calls.
 *
 * Every answer carries a strict Content-Security-Policy (only this origin's
 * scripts, styles and connections; no inline script; no framing), no
 * referrer (the OIDC code travels in the callback URL), and an ETag:
 * files are revalidated (Cache-Control: no-cache) and answered 304 when
 * unchanged. GET and HEAD only. `/` and `/ui` redirect to `/ui/`. One
 * answer is computed: /ui/units/provinces.json, the province names, and
 * /ui/units/communes.json, the communes (the pages' commune picker).
 */
#include <string.h>

#include "dancu/buf.h"
#include "dancu/core.h"
#include "dancu/error.h"
#include "dancu/units.h"
#include "http/api_ui.h"

#include "core/internal.h"

#define CSP                                                                               \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

static void header(struct dc__call *c, const char *name, const char *value)
{
	h2o_add_header_by_str(&c->req->pool, &c->req->res.headers, name, strlen(name), 0, NULL,
	                      value, strlen(value));
}

static int get_or_head(struct dc__call *c)
{
	h2o_iovec_t m = c->req->method;
	return h2o_memis(m.base, m.len, H2O_STRLIT("GET")) ||
	       h2o_memis(m.base, m.len, H2O_STRLIT("HEAD"));
}

static int is_head(struct dc__call *c)
{
	return h2o_memis(c->req->method.base, c->req->method.len, H2O_STRLIT("HEAD"));
}

/* 1 when the request's If-None-Match lists etag (or is "*"). */
static int not_modified(struct dc__call *c, const char *etag)
{
	ssize_t i = h2o_find_header(&c->req->headers, H2O_TOKEN_IF_NONE_MATCH, -1);
	if (i < 0)
		return 0;
	h2o_iovec_t v = c->req->headers.entries[i].value;
	size_t el = strlen(etag);
	if (v.len == 1 && v.base[0] == '*')
		return 1;
	for (size_t p = 0; p + el <= v.len; p++)
		if (!memcmp(v.base + p, etag, el))
			return 1;
	/* a weak validator W/"..." of the same tag matches too (RFC 9110 8.8.3.2) */
	return 0;
}

static int send_asset(struct dc__call *c, struct dc_buf *body, const struct dc__ui_asset *a)
{
	header(c, "content-security-policy", CSP);
	header(c, "x-content-type-options", "nosniff");
	header(c, "referrer-policy", "no-referrer");
	header(c, "x-frame-options", "DENY");
	header(c, "cache-control", "no-cache");
	header(c, "etag", a->etag);
	c->content_type = a->content_type;
	if (not_modified(c, a->etag)) {
		c->status = 304;
		return DC_OK;
	}
	c->status = 200;
	return dc_buf_add(body, a->data, a->len); /* h2o sends no body on HEAD */
}

static const struct dc__ui_asset *find(const char *path, size_t n)
{
	for (size_t i = 0; i < dc__ui_assets_n; i++)
		if (strlen(dc__ui_assets[i].path) == n && !memcmp(dc__ui_assets[i].path, path, n))
			return &dc__ui_assets[i];
	return NULL;
}

/* GET / and /ui: to the UI's front page. */
static int r_root(struct dc__call *c, struct dc_buf *body)
{
	if (!get_or_head(c))
		return dc__not_allowed(c, "GET, HEAD");
	header(c, "location", "/ui/");
	c->status = 302;
	c->content_type = "text/plain; charset=utf-8";
	return is_head(c) ? DC_OK : dc_buf_adds(body, "/ui/\n");
}

/* GET /ui/units/provinces.json: the provinces of the unit list the server
 * runs with (code, name, English name), so the pages label per-province
 * figures by name in either language without a copy of the list. Public
 * reference data, no personal data. */
#define PROVINCES "units/provinces.json"

static int provinces(struct dc__call *c, struct dc_buf *body)
{
	header(c, "content-security-policy", CSP);
	header(c, "x-content-type-options", "nosniff");
	header(c, "cache-control", "no-cache");
	c->content_type = "application/json";
	c->status = 200;
	dc_buf_adds(body, "{\"provinces\":[");
	for (size_t i = 0; c->units && i < dc_units_nprovinces(c->units); i++) {
		const struct dc_province *p = dc_units_province_at(c->units, i);
		dc_buf_addf(body, "%s{\"code\":\"%s\",\"name\":\"", i ? "," : "", p->code);
		dc_buf_add_json_str(body, p->name, strlen(p->name));
		dc_buf_adds(body, "\",\"name_en\":\"");
		if (p->name_en)
			dc_buf_add_json_str(body, p->name_en, strlen(p->name_en));
		dc_buf_adds(body, "\"}");
	}
	dc_buf_adds(body, "]}\n");
	return dc_buf_error(body);
}

/* GET /ui/units/communes.json: every commune (code, name, English name,
 * province code), for the commune picker of the pages' forms. Public
 * reference data, no personal data (≈ 300 KB);
 * the page loads it once per visit. */
#define COMMUNES "units/communes.json"

static int communes(struct dc__call *c, struct dc_buf *body)
{
	header(c, "content-security-policy", CSP);
	header(c, "x-content-type-options", "nosniff");
	header(c, "cache-control", "no-cache");
	c->content_type = "application/json";
	c->status = 200;
	dc_buf_adds(body, "{\"communes\":[");
	for (size_t i = 0; c->units && i < dc_units_ncommunes(c->units); i++) {
		const struct dc_commune *m = dc_units_commune_at(c->units, i);
		dc_buf_addf(body, "%s{\"code\":\"%s\",\"province\":\"%s\",\"name\":\"",
		            i ? "," : "", m->code, m->province_code);
		dc_buf_add_json_str(body, m->name, strlen(m->name));
		dc_buf_adds(body, "\",\"name_en\":\"");
		if (m->name_en)
			dc_buf_add_json_str(body, m->name_en, strlen(m->name_en));
		dc_buf_adds(body, "\"}");
	}
	dc_buf_adds(body, "]}\n");
	return dc_buf_error(body);
}

/* GET /ui/ and /ui/{file}. */
static int r_ui(struct dc__call *c, struct dc_buf *body)
{
	if (!get_or_head(c))
		return dc__not_allowed(c, "GET, HEAD");
	if (c->tail_len == strlen(PROVINCES) && !memcmp(c->tail, PROVINCES, c->tail_len))
		return provinces(c, body);
	if (c->tail_len == strlen(COMMUNES) && !memcmp(c->tail, COMMUNES, c->tail_len))
		return communes(c, body);
	const struct dc__ui_asset *a =
	        c->tail_len ? find(c->tail, c->tail_len) : find("index.html", strlen("index.html"));
	if (!a)
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such page");
	return send_asset(c, body, a);
}

const struct dc__route dc__ui_routes[] = {
        {"/", 0, "*", r_root},
        {"/ui", 0, "*", r_root},
        {"/ui/", 0, "*", r_ui},
        {"/ui/", 1, "*", r_ui},
};
const size_t dc__ui_routes_n = DC_ARRAY_LEN(dc__ui_routes);
