/*
 * schema_kyc.c — e-KYC with consent:
 *   kyc_request  an organisation's request for attributes of one citizen,
 *                for one purpose; once the citizen decides it is also the
 *                consent record (state approved / declined / revoked, when,
 *                until when) and counts the releases made under it.
 */
#include "dancu/buf.h"

#include "core/internal.h"
#include "store/schema.h"

int dc__schema_kyc(enum dc__dialect d, struct dc_buf *o)
{
	(void)d;
	dc_buf_adds(o,
	            "CREATE TABLE kyc_request (id TEXT NOT NULL PRIMARY KEY, org_id TEXT NOT NULL, "
	            "pin TEXT NOT NULL, attributes TEXT NOT NULL, purpose TEXT NOT NULL, "
	            "redirect_uri TEXT NOT NULL DEFAULT '', state TEXT NOT NULL, created_ms "
	            "BIGINT NOT NULL, expires_ms BIGINT NOT NULL, consent_days INTEGER NOT NULL, "
	            "decided_ms BIGINT NOT NULL DEFAULT 0, consent_expires_ms BIGINT NOT NULL "
	            "DEFAULT 0, revoked_ms BIGINT NOT NULL DEFAULT 0, releases BIGINT NOT NULL "
	            "DEFAULT 0);\n"
	            "CREATE INDEX kyc_request_pin ON kyc_request (pin, created_ms);\n"
	            "CREATE INDEX kyc_request_org ON kyc_request (org_id, created_ms);\n");
	return dc_buf_error(o);
}
