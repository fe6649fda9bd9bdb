/*
 * apikey_http.c — API-key authentication for HTTP handlers (see
 * apikey_http.h).
 */
#include <h2o.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dancu/core.h"
#include "dancu/apikey.h"

#include "core/internal.h"
#include "http/apikey_http.h"
#include "http/http.h"

int dc__apikey_authenticate(struct dc__call *c, const char *kind, struct dc_apikey *out)
{
	const char *key = NULL;
	size_t n = 0;
	int64_t wait = 0;
	ssize_t i = h2o_find_header(&c->req->headers, H2O_TOKEN_AUTHORIZATION, -1);
	if (i >= 0) {
		h2o_iovec_t v = c->req->headers.entries[i].value;
		if (v.len > 7 && !strncasecmp(v.base, "ApiKey ", 7)) {
			key = v.base + 7;
			n = v.len - 7;
		}
	}
	if (!key) {
		i = h2o_find_header_by_str(&c->req->headers, H2O_STRLIT("x-api-key"), -1);
		if (i >= 0) {
			key = c->req->headers.entries[i].value.base;
			n = c->req->headers.entries[i].value.len;
		}
	}
	if (!key)
		return dc__fail(c, DC_ERR_AUTH, 401,
		                "an API key is required: Authorization: ApiKey <id>.<secret>");
	int rc = dc_apikey_authenticate(c->store, key, n, dc_now_ms(), out, &wait);
	if (rc == DC_OK && kind && strcmp(out->owner_kind, kind))
		rc = DC_ERR_AUTH;
	if (rc == DC_ERR_AUTH)
		return dc__fail(c, rc, 401, "the API key is not valid");
	if (rc == DC_ERR_RATE) {
		char s[24];
		int len = snprintf(s, sizeof s, "%lld", (long long)((wait + 999) / 1000));
		h2o_add_header(&c->req->pool, &c->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
		               h2o_strdup(&c->req->pool, s, (size_t)len).base, (size_t)len);
		return dc__fail(c, rc, 429, "rate limit of this API key reached; retry later");
	}
	return rc ? dc__fail(c, rc, 0, "cannot check the API key") : DC_OK;
}
