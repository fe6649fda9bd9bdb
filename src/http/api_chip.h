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

/* The server's cache of the CSCA trust list named by the card_trust
 * setting (loaded on first use, re-read when the file or directory
 * changes). One per server, shared by its loops; thread-safe. */
struct dc__card_trust;
struct dc__card_trust *dc__card_trust_new(void);
void dc__card_trust_free(struct dc__card_trust *ct);

#endif
