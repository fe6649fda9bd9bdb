/*
 * api_exchange.h — route table of connected agencies (api_exchange.c).
 */
#ifndef DANCU_HTTP_API_EXCHANGE_H
#define DANCU_HTTP_API_EXCHANGE_H

#include <stddef.h>

struct dc__route;
extern const struct dc__route dc__exchange_routes[];
extern const size_t dc__exchange_routes_n;

/* Services, dossiers, linked procedures (api_dossier.c). */
extern const struct dc__route dc__dossier_routes[];
extern const size_t dc__dossier_routes_n;

/* Dashboard statistics (api_stats.c). */
extern const struct dc__route dc__stats_routes[];
extern const size_t dc__stats_routes_n;

#endif
