/*
 * api_verify.h — the verification API's route tables and what its files
 * share (internal to src/http/).
 */
#ifndef DANCU_HTTP_API_VERIFY_H
#define DANCU_HTTP_API_VERIFY_H

#include <stddef.h>

#include "http/http.h"

struct dc_apikey;
struct dc_org;

extern const struct dc__route dc__verify_routes[];
extern const size_t dc__verify_routes_n;

/* Authenticates an organisation's API key and reads the organisation:
 * 401 for a bad key or one of another kind, 403 when the organisation is
 * disabled (the problem answer is already set when this fails). */
int dc__verify_org_of_key(struct dc__call *c, struct dc_apikey *k, struct dc_org *org);

#endif
