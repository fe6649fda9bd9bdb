/* libFuzzer target: the JSON body of a 1:1 verification request
 * (src/verify/request.c). Any input must parse to a request or be refused
 * with a message; a parsed request must satisfy what the parser promises
 * (txn, purpose and timestamp present; exactly one of the two ID numbers;
 * every claim a non-empty string of the length reported) and, matched
 * against a record, give a reason code for every claimed field. */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "dancu/error.h"
#include "dancu/verify.h"
#include "verify/verify_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dc_verify_request rq;
	json_t *hold = NULL;
	char detail[256];
	int rc = dc__verify_request_parse((const char *)data, size, &rq, &hold, detail,
	                                  sizeof detail);
	if (rc) {
		if (hold || !detail[0])
			__builtin_trap();
		return 0;
	}
	if (!hold || !rq.txn || !rq.purpose || rq.ts_ms < 0 || !rq.id_number == !rq.old_id)
		__builtin_trap();
	for (int f = 0; f < DC_VF__COUNT; f++)
		if (rq.claims.v[f] && (rq.claims.n[f] == 0 || rq.claims.n[f] > 1000))
			__builtin_trap();
	/* Match the claims against a fixed record: reasons stay in range. */
	struct dc_citizen c;
	struct dc_verify_result res;
	struct dc_verify_scratch s;
	memset(&c, 0, sizeof c);
	dc_pin_parse("001099012345", 12, &c.pin);
	dc_date_parse("1999-03-15", 10, &c.dob);
	c.sex = 'M';
	c.birth_name = "Nguyễn Văn An";
	c.perm_address = "Số 1";
	c.phone = "0912345678";
	c.email = "an@example.org";
	c.nationality = "VN";
	dc_verify_scratch_init(&s);
	rc = dc_verify_match(&c, NULL, NULL, &rq.claims, &s, &res);
	if (rc && rc != DC_ERR_NOMEM)
		__builtin_trap();
	for (int f = 0; rc == 0 && f < DC_VF__COUNT; f++)
		if ((rq.claims.v[f] != NULL) != (res.reason[f] != DC_VR_NONE) ||
		    res.reason[f] >= DC_VR__COUNT)
			__builtin_trap();
	dc_verify_scratch_release(&s);
	json_decref(hold);
	return 0;
}
