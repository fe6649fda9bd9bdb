/*
 * schema_eid.c — tables of the e-ID accounts and the OpenID Connect
 * provider (one migration, see store/schema.c).
 */
#include "dancu/buf.h"

#include "core/internal.h"
#include "store/schema.h"

int dc__schema_eid(enum dc__dialect d, struct dc_buf *o)
{
	const char *serial =
	        d == DC__PG ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT";
	dc_buf_adds(o,
	            "CREATE TABLE eid_account (pin TEXT NOT NULL PRIMARY KEY, level INTEGER NOT "
	            "NULL, state TEXT NOT NULL, phone TEXT NOT NULL UNIQUE, face_ref TEXT, "
	            "verified_by TEXT, password_hash TEXT, passcode_hash TEXT, otp_hash TEXT, "
	            "otp_expires_ms BIGINT NOT NULL DEFAULT 0, otp_tries INTEGER NOT NULL DEFAULT "
	            "0, failed INTEGER NOT NULL DEFAULT 0, locked_until_ms BIGINT NOT NULL "
	            "DEFAULT 0, lock_reason TEXT, created_ms BIGINT NOT NULL, approved_ms BIGINT "
	            "NOT NULL DEFAULT 0, activated_ms BIGINT NOT NULL DEFAULT 0);\n"
	            "CREATE TABLE eid_attr (pin TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT "
	            "NULL, at_ms BIGINT NOT NULL, PRIMARY KEY (pin, kind));\n");
	dc_buf_addf(o,
	            "CREATE TABLE eid_outbox (id %s, phone TEXT NOT NULL, body TEXT NOT NULL, "
	            "created_ms BIGINT NOT NULL, sent_ms BIGINT NOT NULL DEFAULT 0);\n"
	            "CREATE INDEX eid_outbox_unsent ON eid_outbox (id) WHERE sent_ms = 0;\n"
	            "CREATE TABLE eid_login (id %s, pin TEXT NOT NULL, at_ms BIGINT NOT NULL, "
	            "client_id TEXT, acr TEXT, ok INTEGER NOT NULL, ip TEXT);\n"
	            "CREATE INDEX eid_login_pin ON eid_login (pin, id);\n",
	            serial, serial);
	return dc_buf_error(o);
}
