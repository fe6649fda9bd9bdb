/*
 * routes.c — the list of route tables, one per API module, in matching
 * order. A module adds its table here and nowhere else.
 */
#include <stddef.h>

#include "http/api_verify.h"
#include "http/api_card.h"
#include "http/api_chip.h"
#include "http/http.h"
#include "http/api_oidc.h"
#include "http/api_kyc.h"
#include "http/api_eid.h"
#include "http/api_exchange.h"
#include "http/api_ui.h"
#include "http/api_orgkeys.h"

#include "core/internal.h"

const struct dc__route_table dc__route_tables[] = {
        {dc__api_routes, &dc__api_routes_n},
        {dc__residence_routes, &dc__residence_routes_n},
        {dc__stay_routes, &dc__stay_routes_n},
        {dc__search_routes, &dc__search_routes_n},
        {dc__review_routes, &dc__review_routes_n},
        {dc__verify_routes, &dc__verify_routes_n},
        {dc__card_routes, &dc__card_routes_n},
        {dc__oidc_routes, &dc__oidc_routes_n},
        {dc__kyc_routes, &dc__kyc_routes_n},
        {dc__eid_routes, &dc__eid_routes_n},
        {dc__me_routes, &dc__me_routes_n},
        {dc__exchange_routes, &dc__exchange_routes_n},
        {dc__ui_routes, &dc__ui_routes_n},
        {dc__dossier_routes, &dc__dossier_routes_n},
        {dc__chip_routes, &dc__chip_routes_n},
        {dc__stats_routes, &dc__stats_routes_n},
        {dc__orgkeys_routes, &dc__orgkeys_routes_n},
};
const size_t dc__nroute_tables = DC_ARRAY_LEN(dc__route_tables);

const struct dc__route *dc__api_route(size_t i)
{
	for (size_t t = 0; t < dc__nroute_tables; t++) {
		if (i < *dc__route_tables[t].n)
			return &dc__route_tables[t].routes[i];
		i -= *dc__route_tables[t].n;
	}
	return NULL;
}

size_t dc__api_nroutes(void)
{
	size_t n = 0;
	for (size_t t = 0; t < dc__nroute_tables; t++)
		n += *dc__route_tables[t].n;
	return n;
}
