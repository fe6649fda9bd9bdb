/*
 * schema_verify.c — tables of verification for relying parties:
 *   verify_org    organisations and their policy (field and purpose codes,
 *                 comma-separated, so a policy reads the same in SQL)
 *   verify_usage  counts per organisation and day
 *   verify_txn    transaction ids seen within the replay window, per
 *                 organisation (older ones are purged: the timestamp window
 *                 refuses them anyway)
 *   verify_job    batch jobs: state, progress (input bytes and lines done,
 *                 the point a resumed job restarts from) and the summary
 */
#include "dancu/buf.h"

#include "core/internal.h"
#include "store/schema.h"

int dc__schema_verify(enum dc__dialect d, struct dc_buf *o)
{
	(void)d;
	dc_buf_adds(
	        o, "CREATE TABLE verify_org (id TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, "
	           "disabled INTEGER NOT NULL DEFAULT 0, verify_fields TEXT NOT NULL DEFAULT '', "
	           "receive_fields TEXT NOT NULL DEFAULT '', purposes TEXT NOT NULL DEFAULT '', "
	           "daily_quota BIGINT NOT NULL DEFAULT 0, created_ms BIGINT NOT NULL);\n"
	           "CREATE TABLE verify_usage (org_id TEXT NOT NULL, day TEXT NOT NULL, requests "
	           "BIGINT NOT NULL DEFAULT 0, rows_n BIGINT NOT NULL DEFAULT 0, full_match "
	           "BIGINT NOT NULL DEFAULT 0, not_found BIGINT NOT NULL DEFAULT 0, refused "
	           "BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (org_id, day));\n"
	           "CREATE TABLE verify_txn (org_id TEXT NOT NULL, txn TEXT NOT NULL, at_ms BIGINT "
	           "NOT NULL, PRIMARY KEY (org_id, txn));\n"
	           "CREATE INDEX verify_txn_at ON verify_txn (at_ms);\n"
	           "CREATE TABLE verify_job (id TEXT NOT NULL PRIMARY KEY, org_id TEXT NOT NULL, "
	           "purpose TEXT NOT NULL, state TEXT NOT NULL, created_ms BIGINT NOT NULL, "
	           "updated_ms BIGINT NOT NULL, in_path TEXT NOT NULL, out_path TEXT NOT NULL, "
	           "bytes_total BIGINT NOT NULL DEFAULT 0, bytes_done BIGINT NOT NULL DEFAULT 0, "
	           "rows_done BIGINT NOT NULL DEFAULT 0, next_line BIGINT NOT NULL DEFAULT 0, "
	           "out_bytes BIGINT NOT NULL DEFAULT 0, summary_json TEXT, error TEXT);\n"
	           "CREATE INDEX verify_job_org ON verify_job (org_id, created_ms);\n");
	return dc_buf_error(o);
}
