/*
 * api_chip.h — the chip verification route table (api_chip.c), listed in
 * routes.c. Internal to src/http/.
 */
#ifndef DANCU_HTTP_API_CHIP_H
#define DANCU_HTTP_API_CHIP_H

#include <stddef.h>

#include "http/http.h"

extern const struct dc__route dc__chip_routes[];
extern const size_t dc__chip_routes_n;

#endif
