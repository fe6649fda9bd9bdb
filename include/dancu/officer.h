/*
 * dancu/officer.h — officer accounts, login and sessions.
 *
 * An officer has a role (commune officer, province officer, national
 * administrator, auditor) bound to a jurisdiction: a commune code (5 digits)
 * for commune officers, a province code (2 digits) for province officers,
 * "VN" for national administrators and auditors.
 *
 * Login needs the password (argon2id, libsodium, OWASP parameters: 19 MiB,
 * 2 passes) and a TOTP code (RFC 6238, liboath, 30 s, ±1 step; a code is
 * accepted once). Five failures lock the account for 15 minutes. A session
 * token (32 random bytes, base64url) is returned once; only its SHA-256 is
 * stored; sessions expire after 8 hours.
 *
 * TOTP secrets must be usable, so they cannot be hashed: they are sealed
 * with the server's master key (libsodium secretbox), a 32-byte file created
 * with mode 0600 (dc_master_key_load).
 */
#ifndef DANCU_OFFICER_H
#define DANCU_OFFICER_H

#include <stddef.h>
#include <stdint.h>

struct dc_store;
struct dc_units;

enum dc_role { DC_ROLE_COMMUNE = 1, DC_ROLE_PROVINCE, DC_ROLE_NATIONAL, DC_ROLE_AUDITOR };

struct dc_officer {
	char id[65];
	char name[201];
	enum dc_role role;
	char jurisdiction[6];
	int disabled;
};

#define DC_TOKEN_LEN 43 /* base64url of 32 bytes, no padding */
#define DC_SESSION_MS (8 * 3600 * 1000LL)
#define DC_LOCK_AFTER 5
#define DC_LOCK_MS (15 * 60 * 1000LL)

/* "commune_officer", "province_officer", "national_admin", "auditor". */
int dc_role_parse(const char *s, enum dc_role *out);
const char *dc_role_name(enum dc_role r);

/* Reads the 32-byte master key at path; with create, makes a new random one
 * (mode 0600, written to a temporary file then renamed) when missing.
 * Refuses a key file readable by group or others. */
int dc_master_key_load(const char *path, int create, unsigned char key[32], char *err,
                       size_t errlen);

/* Creates an officer. Checks the id (1–64 of a-z 0-9 . _ -), name, role and
 * jurisdiction (must exist in units), and the password (at least 12
 * characters). Writes the new TOTP secret, base32, into totp_b32 (≥ 64
 * bytes) for the officer's authenticator app. DC_ERR_CONFLICT when the id
 * exists. */
int dc_officer_add(struct dc_store *s, const struct dc_units *u, const struct dc_officer *o,
                   const char *password, const unsigned char key[32], char *totp_b32, char *err,
                   size_t errlen);

int dc_officer_get(struct dc_store *s, const char *id, struct dc_officer *out);
int dc_officer_list(struct dc_store *s, int (*cb)(void *arg, const struct dc_officer *o),
                    void *arg);
int dc_officer_set_disabled(struct dc_store *s, const char *id, int disabled);

/* Logs in. DC_ERR_AUTH for any wrong or unknown credential (the same answer
 * whatever was wrong), DC_ERR_LOCKED while locked. On success writes the
 * token (DC_TOKEN_LEN + 1 bytes) and its expiry. */
int dc_officer_login(struct dc_store *s, const unsigned char key[32], const char *id,
                     const char *password, const char *totp, int64_t now_ms, char *token,
                     int64_t *expires_ms);

/* A login in two halves, so that the server can check the password on its
 * hash threads: password_hash reads id's argon2id hash into out
 * (DC_PWHASH_LEN bytes, dancu/password.h) — DC_ERR_AUTH for an unknown id
 * (out is ""), DC_ERR_LOCKED while locked; the caller runs
 * dc_password_check(out, password); then login_checked does the rest of
 * dc_officer_login (TOTP, lockout counting, the session) with
 * verified_hash = the hash the password matched, or NULL when it did not.
 * dc_officer_login is the three in a row. */
int dc_officer_password_hash(struct dc_store *s, const char *id, int64_t now_ms, char *out);
int dc_officer_login_checked(struct dc_store *s, const unsigned char key[32], const char *id,
                             const char *verified_hash, const char *totp, int64_t now_ms,
                             char *token, int64_t *expires_ms);

/* The officer a session token belongs to. DC_ERR_AUTH when unknown, expired,
 * or the officer is disabled. */
int dc_officer_session(struct dc_store *s, const char *token, int64_t now_ms,
                       struct dc_officer *out);

/* Ends a session (logout). */
int dc_officer_logout(struct dc_store *s, const char *token);

#endif
