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
	            "DEFAULT 0, lock_reason TEXT, totp_sealed TEXT, last_totp_step BIGINT NOT NULL "
	            "DEFAULT 0, created_ms BIGINT NOT NULL, approved_ms BIGINT "
	            "NOT NULL DEFAULT 0, activated_ms BIGINT NOT NULL DEFAULT 0);\n"
	            "CREATE TABLE eid_attr (pin TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT "
	            "NULL, at_ms BIGINT NOT NULL, PRIMARY KEY (pin, kind));\n");
	dc_buf_addf(o,
	            "CREATE TABLE eid_outbox (id %s, phone TEXT NOT NULL, body TEXT NOT NULL, "
	            "created_ms BIGINT NOT NULL, sent_ms BIGINT NOT NULL DEFAULT 0);\n"
	            "CREATE INDEX eid_outbox_unsent ON eid_outbox (id) WHERE sent_ms = 0;\n"
	            "CREATE TABLE eid_login (id %s, pin TEXT NOT NULL, at_ms BIGINT NOT NULL, "
	            "client_id TEXT, acr TEXT, ok INTEGER NOT NULL, ip TEXT);\n"
	            "CREATE INDEX eid_login_pin ON eid_login (pin, id);\n"
	            "CREATE INDEX eid_login_ip ON eid_login (ip, at_ms) WHERE ok = 0;\n",
	            serial, serial);
	/* OpenID Connect: clients, one-use codes, access and refresh tokens
	 * (hashes only), consents. */
	dc_buf_adds(o,
	            "CREATE TABLE oidc_client (id TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, "
	            "secret_hash TEXT, public_client INTEGER NOT NULL, pairwise INTEGER NOT NULL, "
	            "disabled INTEGER NOT NULL DEFAULT 0, redirect_uris TEXT NOT NULL, "
	            "created_ms BIGINT NOT NULL);\n"
	            "CREATE TABLE oidc_code (code_hash TEXT NOT NULL PRIMARY KEY, client_id TEXT "
	            "NOT NULL, pin TEXT NOT NULL, redirect_uri TEXT NOT NULL, scope TEXT NOT NULL, "
	            "nonce TEXT, challenge TEXT NOT NULL, acr TEXT NOT NULL, auth_time BIGINT NOT "
	            "NULL, expires_ms BIGINT NOT NULL, used INTEGER NOT NULL DEFAULT 0);\n"
	            "CREATE TABLE oidc_token (token_hash TEXT NOT NULL PRIMARY KEY, kind TEXT NOT "
	            "NULL, family TEXT NOT NULL, client_id TEXT NOT NULL, pin TEXT NOT NULL, scope "
	            "TEXT NOT NULL, acr TEXT NOT NULL, auth_time BIGINT NOT NULL, expires_ms "
	            "BIGINT NOT NULL, used INTEGER NOT NULL DEFAULT 0, revoked INTEGER NOT NULL "
	            "DEFAULT 0);\n"
	            "CREATE INDEX oidc_token_family ON oidc_token (family);\n"
	            "CREATE TABLE oidc_consent (pin TEXT NOT NULL, client_id TEXT NOT NULL, scope "
	            "TEXT NOT NULL, at_ms BIGINT NOT NULL, PRIMARY KEY (pin, client_id));\n");
	return dc_buf_error(o);
}

/* The officer e-ID API, token revocation, private_key_jwt, PAR and DPoP:
 * the reason given for a rejection or lock; a client's authentication
 * method, its public keys (JWKS) and whether it must use PAR; the JWT ids
 * seen (replay cache of client assertions and DPoP proofs); pushed
 * authorization requests; and the key an access token is bound to (DPoP). */
int dc__schema_eid_api(enum dc__dialect d, struct dc_buf *o)
{
	(void)d;
	dc_buf_adds(o,
	            "ALTER TABLE eid_account ADD COLUMN state_note TEXT;\n"
	            "ALTER TABLE oidc_client ADD COLUMN auth_method TEXT NOT NULL DEFAULT '';\n"
	            "ALTER TABLE oidc_client ADD COLUMN jwks TEXT;\n"
	            "ALTER TABLE oidc_client ADD COLUMN require_par INTEGER NOT NULL DEFAULT 0;\n"
	            "ALTER TABLE oidc_token ADD COLUMN jkt TEXT;\n"
	            "CREATE TABLE oidc_jti (issuer TEXT NOT NULL, jti TEXT NOT NULL, expires_ms "
	            "BIGINT NOT NULL, PRIMARY KEY (issuer, jti));\n"
	            "CREATE INDEX oidc_jti_expiry ON oidc_jti (expires_ms);\n"
	            "CREATE TABLE oidc_par (uri_hash TEXT NOT NULL PRIMARY KEY, client_id TEXT NOT "
	            "NULL, params TEXT NOT NULL, expires_ms BIGINT NOT NULL, used INTEGER NOT NULL "
	            "DEFAULT 0);\n");
	return dc_buf_error(o);
}

/* DPoP at the authorization endpoint (RFC 9449 10): the thumbprint of the
 * key an authorization code is bound to. */
int dc__schema_eid_dpop_jkt(enum dc__dialect d, struct dc_buf *o)
{
	(void)d;
	dc_buf_adds(o, "ALTER TABLE oidc_code ADD COLUMN dpop_jkt TEXT;\n");
	return dc_buf_error(o);
}
