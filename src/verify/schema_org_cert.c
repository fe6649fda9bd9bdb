/*
 * schema_org_cert.c — client certificates (mTLS) bound to organisations:
 *   org_cert  (organisation, SHA-256 of the certificate's DER). An
 *             organisation with at least one row must present one of these
 *             certificates on every request made with its API keys.
 */
#include "dancu/buf.h"

#include "core/internal.h"
#include "store/schema.h"

int dc__schema_org_cert(enum dc__dialect d, struct dc_buf *o)
{
	(void)d;
	dc_buf_adds(o, "CREATE TABLE org_cert (org_id TEXT NOT NULL, sha256 TEXT NOT NULL, label "
	               "TEXT NOT NULL DEFAULT '', created_ms BIGINT NOT NULL, PRIMARY KEY (org_id, "
	               "sha256));\n");
	return dc_buf_error(o);
}
