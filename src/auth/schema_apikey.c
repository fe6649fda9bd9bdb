/*
 * schema_apikey.c — the api_key table (dancu/apikey.h): one row per key,
 * the SHA-256 of its secret, its owner, revocation, last use and the state
 * of its rate-limit bucket (milli-tokens and the time they were counted).
 */
#include "dancu/buf.h"

#include "core/internal.h"
#include "store/schema.h"

int dc__schema_apikey(enum dc__dialect d, struct dc_buf *o)
{
	(void)d;
	dc_buf_adds(o,
	            "CREATE TABLE api_key (id TEXT NOT NULL PRIMARY KEY, secret_hash TEXT NOT "
	            "NULL, owner_kind TEXT NOT NULL, owner_id TEXT NOT NULL, label TEXT, "
	            "created_ms BIGINT NOT NULL, last_used_ms BIGINT NOT NULL DEFAULT 0, "
	            "revoked_ms BIGINT NOT NULL DEFAULT 0, rate_per_min BIGINT NOT NULL DEFAULT "
	            "0, burst BIGINT NOT NULL DEFAULT 0, bucket_milli BIGINT NOT NULL DEFAULT 0, "
	            "bucket_ms BIGINT NOT NULL DEFAULT 0);\n"
	            "CREATE INDEX api_key_owner ON api_key (owner_kind, owner_id);\n");
	return dc_buf_error(o);
}
