/*
 * api_eid.h — route tables of the officers' e-ID account API (api_eid.c)
 * and the citizens' own API (api_me.c). Internal to src/http/.
 */
#ifndef DANCU_HTTP_API_EID_H
#define DANCU_HTTP_API_EID_H

#include <stddef.h>

#include "http/http.h"

extern const struct dc__route dc__eid_routes[];
extern const size_t dc__eid_routes_n;
extern const struct dc__route dc__me_routes[];
extern const size_t dc__me_routes_n;

#endif
