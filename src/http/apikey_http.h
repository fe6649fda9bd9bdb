/*
 * apikey_http.h — authenticating a machine client's API key on an HTTP
 * request (internal to src/http/). Any module whose routes are called by
 * organisations, businesses or agencies uses this instead of officer
 * sessions.
 */
#ifndef DANCU_HTTP_APIKEY_HTTP_H
#define DANCU_HTTP_APIKEY_HTTP_H

#include <stdint.h>

struct dc__call;
struct dc_apikey;

/* Reads the key from "Authorization: ApiKey <id>.<secret>" or, failing
 * that, "X-Api-Key: <id>.<secret>", checks it (dc_apikey_authenticate) and
 * that it belongs to an owner of kind `kind` ("org", "business", "agency";
 * NULL accepts any kind). On success fills *out (owner kind and id there)
 * and returns DC_OK. Otherwise it has already set the problem answer: 401
 * (missing, malformed, unknown, revoked, or another kind's key — one answer
 * for all), 429 with a Retry-After header in whole seconds (rate limit), or
 * a storage error; the caller just returns the code. */
int dc__apikey_authenticate(struct dc__call *c, const char *kind, struct dc_apikey *out);

#endif
