/*
 * request.c — the JSON body of a 1:1 verification request (POST
 * /api/v1/verify), parsed strictly: unknown members, wrong types and unknown
 * claim fields are refused with a message naming them.
 *
 *   {"txn": "B-2026-000123",             unique per organisation, 1-64 chars
 *    "timestamp": "2026-11-22T14:05:09Z"  or milliseconds since 1970 (number)
 *    "purpose": "account_opening",
 *    "id_number": "001099012345",        or "old_id_number": "123456789"
 *    "claims": {"name": "NGUYEN VAN AN", "dob": "15/03/1999", ...}}
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dancu/verify.h"

#include "core/internal.h"
#include "verify/verify_internal.h"

/* "YYYY-MM-DDTHH:MM:SS[.fff]Z" → ms since 1970, or -1. */
static int64_t rfc3339_ms(const char *s)
{
	unsigned long long v[6];
	static const size_t at[6] = {0, 5, 8, 11, 14, 17}, len[6] = {4, 2, 2, 2, 2, 2};
	size_t n = strlen(s);
	if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':')
		return -1;
	for (int i = 0; i < 6; i++)
		if (dc_parse_uint(s + at[i], len[i], 9999, &v[i]))
			return -1;
	size_t i = 19;
	int64_t ms = 0;
	if (s[i] == '.') {
		int digits = 0;
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++)
			if (digits < 3)
				ms = ms * 10 + (s[i] - '0');
		if (digits == 0)
			return -1;
		for (; digits < 3; digits++)
			ms *= 10;
	}
	if (i + 1 != n || (s[i] != 'Z' && s[i] != 'z'))
		return -1;
	struct dc_date d = {(int16_t)v[0], (int8_t)v[1], (int8_t)v[2]};
	if (v[0] < 1970 || v[0] > 9999 || v[1] < 1 || v[1] > 12 || v[2] < 1 ||
	    (int)v[2] > dc_date_days_in_month((int)v[0], (int)v[1]) || v[3] > 23 || v[4] > 59 ||
	    v[5] > 60)
		return -1;
	return ((dc_date_to_days(&d) * 24 + (int64_t)v[3]) * 60 + (int64_t)v[4]) * 60000 +
	       (int64_t)v[5] * 1000 + ms;
}

int dc__verify_request_parse(const char *body, size_t n, struct dc_verify_request *rq,
                             json_t **hold, char *detail, size_t dlen)
{
	json_error_t e;
	const char *k;
	json_t *v;
	int rc = DC_ERR_INVALID;
	memset(rq, 0, sizeof *rq);
	rq->ts_ms = -1;
	*hold = body ? json_loadb(body, n, JSON_REJECT_DUPLICATES, &e) : NULL;
	if (!*hold || !json_is_object(*hold)) {
		snprintf(detail, dlen, "%s", *hold || !body ? "a JSON object is required" : e.text);
		goto cleanup;
	}
	json_object_foreach (*hold, k, v) {
		if (!strcmp(k, "claims")) {
			const char *f;
			json_t *c;
			if (!json_is_object(v)) {
				snprintf(detail, dlen, "claims must be an object");
				goto cleanup;
			}
			json_object_foreach (v, f, c) {
				int i = dc_vfield_parse(f, strlen(f));
				if (i < 0) {
					snprintf(detail, dlen, "unknown claim '%.64s'", f);
					goto cleanup;
				}
				if (!json_is_string(c) || json_string_length(c) == 0 ||
				    json_string_length(c) > 1000) {
					snprintf(detail, dlen,
					         "claim %s must be a non-empty string of at most "
					         "1000 "
					         "bytes",
					         f);
					goto cleanup;
				}
				rq->claims.v[i] = json_string_value(c);
				rq->claims.n[i] = json_string_length(c);
			}
		} else if (!strcmp(k, "timestamp")) {
			if (json_is_integer(v) && json_integer_value(v) >= 0)
				rq->ts_ms = json_integer_value(v);
			else if (json_is_string(v))
				rq->ts_ms = rfc3339_ms(json_string_value(v));
			if (rq->ts_ms < 0) {
				snprintf(detail, dlen,
				         "timestamp must be RFC 3339 UTC (2026-11-22T14:05:09Z) or "
				         "milliseconds since 1970");
				goto cleanup;
			}
		} else if (!strcmp(k, "txn") || !strcmp(k, "purpose") || !strcmp(k, "id_number") ||
		           !strcmp(k, "old_id_number")) {
			if (!json_is_string(v) ||
			    strlen(json_string_value(v)) != json_string_length(v)) {
				snprintf(detail, dlen, "%s must be a string", k);
				goto cleanup;
			}
			const char *s = json_string_value(v);
			if (k[0] == 't')
				rq->txn = s;
			else if (k[0] == 'p')
				rq->purpose = s;
			else if (k[0] == 'i')
				rq->id_number = s;
			else
				rq->old_id = s;
		} else {
			snprintf(detail, dlen, "unknown member '%.64s'", k);
			goto cleanup;
		}
	}
	if (!rq->txn || !rq->purpose || rq->ts_ms < 0) {
		snprintf(detail, dlen, "txn, timestamp and purpose are required");
		goto cleanup;
	}
	if (!rq->id_number == !rq->old_id) {
		snprintf(detail, dlen, "give exactly one of id_number and old_id_number");
		goto cleanup;
	}
	rc = DC_OK;
cleanup:
	if (rc) {
		json_decref(*hold);
		*hold = NULL;
	}
	return rc;
}
