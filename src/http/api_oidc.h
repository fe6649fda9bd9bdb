/*
 * api_oidc.h — the OpenID Connect provider's route table (api_oidc.c).
 * Internal to src/http/.
 */
#ifndef DANCU_HTTP_API_OIDC_H
#define DANCU_HTTP_API_OIDC_H

#include <stddef.h>

#include "http/http.h"

#include "eid/oidc.h"

#define DC__OIDC_PARAM 512 /* capacity of one OAuth parameter (scope, token) */

extern const struct dc__route dc__oidc_routes[];

/* The issuer: the scheme and authority the request came to. */
void dc__oidc_issuer(struct dc__call *c, char *out, size_t n);
/* Adds response header t with a copy of v (in the request's pool). */
void dc__oidc_header(struct dc__call *c, const h2o_token_t *t, const char *v);

/* The grant behind the request's Bearer access token, for routes that
 * serve a citizen (or an organisation acting with the citizen's consent):
 * fills client_id, pin, scope, acr and the client. On DC_ERR_AUTH (token
 * missing, unknown, expired, revoked, or the account no longer usable) and
 * on storage errors the answer is already written (401 + WWW-Authenticate);
 * the caller returns the code. Check the scope you need with the scope
 * string (space-separated). */
int dc__oidc_bearer(struct dc__call *c, char client_id[65], char pin[13],
                    char scope[DC__OIDC_PARAM], char acr[64], struct dc__oidc_client *cl);
extern const size_t dc__oidc_routes_n;

#endif
