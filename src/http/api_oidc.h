/*
 * api_oidc.h — the OpenID Connect provider's route table (api_oidc.c).
 * Internal to src/http/.
 */
#ifndef DANCU_HTTP_API_OIDC_H
#define DANCU_HTTP_API_OIDC_H

#include <stddef.h>

#include "http/http.h"

extern const struct dc__route dc__oidc_routes[];
extern const size_t dc__oidc_routes_n;

#endif
