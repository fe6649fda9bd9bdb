/*
 * error.c — names, codes and HTTP statuses of the one error enum, generated
 * from the DC_ERRORS table in dancu/error.h.
 */
#include "core/internal.h"

const char *dc_strerror(int rc)
{
	switch (rc) {
#define DC__ERR_DESC(name, value, code, http, desc) \
	case value:                                 \
		return desc;
		DC_ERRORS(DC__ERR_DESC)
#undef DC__ERR_DESC
	default:
		return "unknown error";
	}
}

const char *dc_err_code(int rc)
{
	switch (rc) {
#define DC__ERR_CODE(name, value, code, http, desc) \
	case value:                                 \
		return code;
		DC_ERRORS(DC__ERR_CODE)
#undef DC__ERR_CODE
	default:
		return "internal_error";
	}
}

int dc_err_http_status(int rc)
{
	switch (rc) {
#define DC__ERR_HTTP(name, value, code, http, desc) \
	case value:                                 \
		return http;
		DC_ERRORS(DC__ERR_HTTP)
#undef DC__ERR_HTTP
	default:
		return 500;
	}
}
