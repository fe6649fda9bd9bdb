/*
 * oidc.h — the OpenID Connect provider's internals, shared by src/eid/oidc*.c,
 * src/eid/form.c, src/http/api_oidc.c and the CLI. Internal (dc__).
 *
 * Signing keys: ES256 (P-256) private keys, one PEM file per key, mode 0600,
 * in a directory (DANCU_OIDC_KEYS, default "oidc-keys"). The file name is the
 * key id: "<unix-seconds>.pem", so the newest key signs and every key still in
 * the directory is published in the JWKS. Rotation adds a key and removes
 * keys that have been superseded for longer than the longest token lifetime.
 *
 * Clients: registered by an administrator (CLI); confidential clients
 * authenticate with client_secret_basic (SHA-256 of a 256-bit secret at
 * rest), public clients only with PKCE; redirect URIs match exactly.
 */
#ifndef DANCU_EID_OIDC_H
#define DANCU_EID_OIDC_H

#include <stddef.h>
#include <stdint.h>

#include "dancu/buf.h"

struct dc_store;

#define DC__OIDC_CODE_TTL_MS (60 * 1000)
#define DC__OIDC_ACCESS_TTL_S 600
#define DC__OIDC_ID_TTL_S 600
#define DC__OIDC_REFRESH_TTL_S (30 * 24 * 3600)

/* --- form.c: application/x-www-form-urlencoded ------------------------------ */

/* Finds name in the form or query string s (n bytes; '&'-separated,
 * '+' = space, %XX decoded). Writes the decoded value, NUL-terminated, to out
 * (cap bytes). 1 when found and it fit, 0 when absent, -1 when malformed
 * (bad %XX, embedded NUL, too long, or the name appears twice). */
int dc__form_get(const char *s, size_t n, const char *name, char *out, size_t cap);

/* Appends s percent-encoded (RFC 3986 unreserved kept) to b. */
int dc__form_escape(struct dc_buf *b, const char *s);

/* Appends s with &<>"' escaped for HTML. */
int dc__html_escape(struct dc_buf *b, const char *s);

/* --- oidc_keys.c ------------------------------------------------------------- */

/* The key directory (static or from the environment). */
const char *dc__oidc_key_dir(void);

/* Adds a new signing key; removes keys superseded more than keep_s seconds
 * ago. kid_out (32 bytes) receives the new key id. */
int dc__oidc_keys_rotate(const char *dir, int64_t keep_s, char kid_out[32]);

/* Appends {"keys":[...]} with every key's public part. Creates a first key
 * when the directory is empty. */
int dc__oidc_jwks(const char *dir, struct dc_buf *out);

/* Signs the JSON claims as a compact JWS (ES256, the newest key) into out. */
int dc__oidc_sign(const char *dir, const char *claims_json, struct dc_buf *out);

/* Base64url without padding. */
int dc__b64url(struct dc_buf *b, const unsigned char *p, size_t n);

/* --- oidc_jwt.c: JWS signed by others ------------------------------------- */

typedef struct json_t json_t;

/* 1 for an asymmetric JWS algorithm we accept (ES256/384/512, RS*, PS*). */
int dc__oidc_alg_ok(const char *alg);

/* Verifies the compact JWS with one of the public keys in keys_json (a
 * JWKS — the key with the header's kid, or each in turn — or one JWK).
 * DC_OK: *header and *claims (new references, the caller decrefs) hold the
 * protected header and the payload (a JSON object). DC_ERR_VERIFY: bad
 * format, algorithm, key or signature. Claims are NOT checked here. */
int dc__oidc_jws_verify(const char *compact, const char *keys_json, json_t **header,
                        json_t **claims);

/* --- oidc_client.c ------------------------------------------------------------ */

struct dc__oidc_client {
	char id[65];
	int public_client; /* 1: PKCE only, no secret */
	int pairwise;      /* 1: pairwise subject identifiers */
	int disabled;
	char redirect_uris[1024]; /* one per line */
	char name[128];
	/* "client_secret_basic", "private_key_jwt" or "none" (public). */
	char auth_method[24];
	int require_par; /* 1: authorization requests only through PAR */
	/* add only: the client's public keys (a JWKS or one JWK, JSON) for
	 * private_key_jwt, borrowed; NULL otherwise. get leaves it NULL. */
	const char *jwks;
};

/* Registers a client; secret_out (65 bytes) gets the secret of a
 * confidential client ("" for a public one). */
int dc__oidc_client_add(struct dc_store *s, const struct dc__oidc_client *c, char secret_out[65]);
int dc__oidc_client_get(struct dc_store *s, const char *id, struct dc__oidc_client *out);
int dc__oidc_client_list(struct dc_store *s, int (*cb)(void *arg, const struct dc__oidc_client *c),
                         void *arg);
int dc__oidc_client_disable(struct dc_store *s, const char *id);
/* The client's registered JWKS (JSON) into out; DC_ERR_NOT_FOUND when it
 * has none. */
int dc__oidc_client_jwks(struct dc_store *s, const char *id, struct dc_buf *out);

/* Remembers a JWT id (a client assertion's or a DPoP proof's) until
 * expires_ms; DC_ERR_REPLAY when issuer already used it. Drops expired
 * entries as it goes. */
int dc__oidc_jti_use(struct dc_store *s, const char *issuer, const char *jti, int64_t expires_ms,
                     int64_t now_ms);

/* Converts n bytes of PEM public keys ("BEGIN PUBLIC KEY" blocks: EC
 * P-256/384/521 or RSA of 2048 bits or more) into a JWKS appended to out,
 * the keys without kid. DC_ERR_INVALID: no key, or a key of another kind
 * or size (no private key is read). */
int dc__oidc_pem_jwks(const char *pem, size_t n, struct dc_buf *out);

/* DC_OK when secret is the client's (constant time; an enabled
 * confidential client), DC_ERR_AUTH otherwise. out (may be NULL) gets the
 * client, read in the same statement. */
int dc__oidc_client_check_secret(struct dc_store *s, const char *id, const char *secret,
                                 struct dc__oidc_client *out);
/* 1 when uri is exactly one of the client's redirect URIs. */
int dc__oidc_redirect_ok(const struct dc__oidc_client *c, const char *uri);

/* SHA-256 hex of s (65 bytes out). */
void dc__oidc_sha256_hex(const char *s, char out[65]);

#endif
