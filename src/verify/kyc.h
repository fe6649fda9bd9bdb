/*
 * kyc.h — e-KYC with consent (internal, dc__): an organisation asks for
 * attributes of one citizen for one purpose; the citizen approves or
 * declines; an approved request is the consent, valid for consent_days
 * unless the citizen revokes it; each release under it is a signed JWT
 * (built in src/http/api_kyc.c with the OpenID provider's key).
 *
 * Attributes are the verification field codes (dancu/verify.h), checked
 * against the organisation's receive_fields; purposes are its purposes.
 *
 * State machine (state column; "expired" is derived, never stored):
 *   pending  --approve-->  approved  --revoke-->  revoked
 *   pending  --decline-->  declined
 *   pending past expires_ms, approved past consent_expires_ms: expired.
 * A decision is one conditional UPDATE (state = 'pending' AND not past
 * expiry), so two concurrent approvals cannot both win.
 *
 * Store rules as in store.h: each function joins the caller's transaction.
 */
#ifndef DANCU_VERIFY_KYC_H
#define DANCU_VERIFY_KYC_H

#include <stdint.h>

struct dc_store;

#define DC__KYC_ID_LEN 36                 /* "kyc_" + 32 hex */
#define DC__KYC_TTL_MS (15 * 60 * 1000LL) /* default time to approve */
#define DC__KYC_CONSENT_DAYS 30           /* default consent validity */
#define DC__KYC_JWT_TTL_S 300             /* lifetime of a released JWT */

struct dc__kyc {
	char id[DC__KYC_ID_LEN + 1];
	char org[65];
	char pin[13];
	char attributes[256]; /* comma-separated field codes, policy order */
	char purpose[64];
	char redirect_uri[512]; /* "" when none */
	char state[16];         /* as stored */
	int64_t created_ms, expires_ms, decided_ms, consent_expires_ms, revoked_ms, releases;
	int consent_days;
};

/* 1 when id is "kyc_" + 32 lower-case hex (n bytes). */
int dc__kyc_id_ok(const char *id, size_t n);

/* Inserts k as a new pending request; fills k->id and k->state. */
int dc__kyc_create(struct dc_store *s, struct dc__kyc *k);

/* DC_OK or DC_ERR_NOT_FOUND. */
int dc__kyc_get(struct dc_store *s, const char *id, struct dc__kyc *out);

/* The effective state at now: "pending", "approved", "declined",
 * "revoked" or "expired" (static). */
const char *dc__kyc_state(const struct dc__kyc *k, int64_t now_ms);

/* The citizen pin decides request id. DC_OK; DC_ERR_NOT_FOUND (no such
 * request for this citizen); DC_ERR_REPLAY (already decided);
 * DC_ERR_EXPIRED (too late). */
int dc__kyc_decide(struct dc_store *s, const char *id, const char *pin, int approve,
                   int64_t now_ms);

/* The citizen pin revokes the consent id. DC_OK; DC_ERR_NOT_FOUND (none of
 * this citizen's); DC_ERR_CONFLICT (not an approved consent). */
int dc__kyc_revoke(struct dc_store *s, const char *id, const char *pin, int64_t now_ms);

/* Counts one release under k. */
int dc__kyc_count_release(struct dc_store *s, const char *id);

/* Calls cb for each request about pin, newest first (at most 200). */
int dc__kyc_list(struct dc_store *s, const char *pin, int (*cb)(void *arg, const struct dc__kyc *k),
                 void *arg);

#endif
