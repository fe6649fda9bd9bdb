/*
 * api_card.h — the card module's route table (api_card.c), listed in
 * routes.c. Internal to src/http/.
 */
#ifndef DANCU_HTTP_API_CARD_H
#define DANCU_HTTP_API_CARD_H

#include <stddef.h>

#include "http/http.h"

extern const struct dc__route dc__card_routes[];
extern const size_t dc__card_routes_n;

#endif
