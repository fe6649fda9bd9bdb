/*
 * dancu/error.h — the one error enum of dancu.
 *
 * Every fallible function in dancu returns an int that is either DC_OK (0)
 * or one of the negative codes below. The table DC_ERRORS is the single
 * source of truth: it gives the enum value, the stable machine-readable code
 * used in JSON problem documents and CLI messages, the HTTP status an API
 * answers with, and a short English description. Values are never renumbered
 * and codes are never renamed: clients depend on them. Add new rows at the end.
 *
 * Detail text (which field, which line) travels separately, on the object
 * that failed (for example dc_db_errmsg()) or in a caller-supplied buffer.
 * Programmer mistakes are not error codes: they are DC_BUG() (see core.h).
 */
#ifndef DANCU_ERROR_H
#define DANCU_ERROR_H

/* X(name, value, stable code, http status, description) */
#define DC_ERRORS(X)                                                                             \
	X(OK, 0, "ok", 200, "success")                                                           \
	X(ERR_NOMEM, -1, "out_of_memory", 503, "out of memory")                                  \
	X(ERR_INVALID, -2, "invalid_input", 400, "invalid input")                                \
	X(ERR_NOT_FOUND, -3, "not_found", 404, "not found")                                      \
	X(ERR_CONFLICT, -4, "conflict", 409, "conflicts with existing data")                     \
	X(ERR_IO, -5, "io_error", 500, "input/output error")                                     \
	X(ERR_DB, -6, "storage_error", 500, "storage error")                                     \
	X(ERR_BUSY, -7, "busy", 503, "resource busy, retry later")                               \
	X(ERR_TOO_LARGE, -8, "too_large", 413, "input too large")                                \
	X(ERR_RULE, -9, "data_quality_rejected", 422, "rejected by a data-quality rule")         \
	X(ERR_UNSUPPORTED, -10, "unsupported", 501, "not supported")                             \
	X(ERR_AUTH, -11, "unauthenticated", 401, "authentication required or failed")            \
	X(ERR_FORBIDDEN, -12, "forbidden", 403, "not allowed")                                   \
	X(ERR_EXHAUSTED, -13, "exhausted", 503, "no free identifier left in this range")         \
	X(ERR_SCHEMA, -14, "schema_mismatch", 500, "database schema is newer than this program") \
	X(ERR_UNAVAILABLE, -15, "unavailable", 503, "a dependency is unavailable")               \
	X(ERR_RATE, -16, "rate_limited", 429, "too many requests")                               \
	X(ERR_CANCELLED, -17, "cancelled", 409, "operation cancelled")                           \
	X(ERR_LOCKED, -18, "account_locked", 423, "account locked")                              \
	X(ERR_VERIFY, -19, "verification_failed", 422, "a signature, MAC or check failed")       \
	X(ERR_EXPIRED, -20, "expired", 410, "expired")                                           \
	X(ERR_REVOKED, -21, "revoked", 410, "revoked or cancelled")                              \
	X(ERR_REPLAY, -22, "replayed", 409, "already used (replay)")                             \
	X(ERR_NOSPACE, -23, "storage_full", 507, "no space left for storage")                    \
	X(ERR_CONSENT, -24, "consent_required", 403, "the citizen has not consented")

enum dc_err {
#define DC__ERR_ENUM(name, value, code, http, desc) DC_##name = value,
	DC_ERRORS(DC__ERR_ENUM)
#undef DC__ERR_ENUM
};

/* Short English description of rc. Never NULL; unknown codes give "unknown error".
 * The string is static. */
const char *dc_strerror(int rc);

/* Stable machine-readable code of rc ("not_found", ...). Never NULL; static. */
const char *dc_err_code(int rc);

/* HTTP status an API answers with for rc (500 for unknown codes). */
int dc_err_http_status(int rc);

#endif
