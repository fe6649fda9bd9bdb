/*
 * api_orgkeys.h — the route table of a relying party's own API keys
 * (src/http/api_orgkeys.c; internal to src/http/).
 */
#ifndef DANCU_HTTP_API_ORGKEYS_H
#define DANCU_HTTP_API_ORGKEYS_H

#include <stddef.h>

#include "http/http.h"

extern const struct dc__route dc__orgkeys_routes[];
extern const size_t dc__orgkeys_routes_n;

#endif
