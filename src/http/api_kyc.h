/*
 * api_kyc.h — the e-KYC route table (api_kyc.c). Internal to src/http/.
 */
#ifndef DANCU_HTTP_API_KYC_H
#define DANCU_HTTP_API_KYC_H

#include <stddef.h>

#include "http/http.h"

extern const struct dc__route dc__kyc_routes[];
extern const size_t dc__kyc_routes_n;

#endif
