/*
 * dancu/apikey.h — API keys for machine clients: relying-party
 * organisations, accommodation businesses, connected agencies.
 *
 * A key is "<id>.<secret>": the id ("dck_" + 16 lower-case hex digits) is
 * public and names the key in logs, lists and audit entries; the secret is 32
 * random bytes from the OS CSPRNG, base64url without padding (43
 * characters). The whole key is shown once, at creation; only the SHA-256 of
 * the secret is stored, and it is compared in constant time. A key belongs to
 * one owner: a kind ("org", "business", "agency") and that owner's id. The
 * module that owns the kind decides what the owner may do and whether a
 * disabled owner's keys still work (they check their own table).
 *
 * Keys are revoked, never deleted (the audit log names them). Each key keeps
 * the time it was last used (updated at most once a minute, so a busy key
 * does not write on every request) and an optional rate limit: a token bucket
 * of `burst` requests refilled at `rate_per_min` per minute, stored with the
 * key so that every event loop and every server sharing the database sees one
 * bucket. rate_per_min = 0 means no limit.
 *
 * Every function takes the store (one thread at a time, see store.h) and
 * joins the caller's transaction when one is open. Strings passed in are
 * borrowed for the call.
 */
#ifndef DANCU_APIKEY_H
#define DANCU_APIKEY_H

#include <stddef.h>
#include <stdint.h>

struct dc_store;

#define DC_APIKEY_ID_LEN 20     /* "dck_" + 16 hex */
#define DC_APIKEY_SECRET_LEN 43 /* base64url of 32 bytes, no padding */
#define DC_APIKEY_LEN (DC_APIKEY_ID_LEN + 1 + DC_APIKEY_SECRET_LEN)

struct dc_apikey {
	char id[DC_APIKEY_ID_LEN + 1];
	char owner_kind[16]; /* "org", "business", "agency" */
	char owner_id[65];
	char label[101];
	int64_t created_ms;
	int64_t last_used_ms; /* 0 = never */
	int64_t revoked_ms;   /* 0 = active */
	int64_t rate_per_min; /* 0 = unlimited */
	int64_t burst;        /* bucket size (requests) */
};

/* true when kind is one of the owner kinds ("org", "business", "agency"). */
int dc_apikey_kind_valid(const char *kind);

/* Creates a key for (owner_kind, owner_id) with an optional label (may be
 * NULL; at most 100 bytes) and rate limit (rate_per_min 0 = none; burst 0
 * = rate_per_min / 60 rounded up, at least 1). Writes the full key
 * (DC_APIKEY_LEN + 1 bytes, NUL-terminated) into key_out — the only time the
 * secret exists outside the caller — and the id into id_out (may be NULL;
 * DC_APIKEY_ID_LEN + 1 bytes). DC_ERR_INVALID for an unknown kind, an owner
 * id not 1–64 of a-z A-Z 0-9 . _ -, or a negative rate. */
int dc_apikey_create(struct dc_store *s, const char *owner_kind, const char *owner_id,
                     const char *label, int64_t rate_per_min, int64_t burst, int64_t now_ms,
                     char *key_out, char *id_out);

/* Splits "<id>.<secret>" (n bytes at key) into its parts (id_out
 * DC_APIKEY_ID_LEN + 1 bytes, secret_out DC_APIKEY_SECRET_LEN + 1 bytes).
 * DC_ERR_AUTH when the shape is wrong. Pure. */
int dc_apikey_parse(const char *key, size_t n, char *id_out, char *secret_out);

/* Checks a presented key (n bytes). On success fills *out, records the use
 * (at most one write a minute) and, when the key has a rate limit, takes one
 * token from its bucket. Returns DC_OK; DC_ERR_AUTH for a malformed, unknown,
 * wrong or revoked key (one answer for all, so a caller learns nothing about
 * which); DC_ERR_RATE when the bucket is empty, with *retry_after_ms (may be
 * NULL) set to the wait until the next token; or a storage error. */
int dc_apikey_authenticate(struct dc_store *s, const char *key, size_t n, int64_t now_ms,
                           struct dc_apikey *out, int64_t *retry_after_ms);

/* Reads a key by id (no secret involved). DC_ERR_NOT_FOUND. */
int dc_apikey_get(struct dc_store *s, const char *id, struct dc_apikey *out);

/* Revokes a key; it stops working at once. When owner_kind/owner_id are not
 * NULL the key must belong to that owner (DC_ERR_NOT_FOUND otherwise, so one
 * owner cannot probe another's keys). Revoking twice is DC_OK. */
int dc_apikey_revoke(struct dc_store *s, const char *id, const char *owner_kind,
                     const char *owner_id, int64_t now_ms);

/* Changes a key's rate limit (same rules as dc_apikey_create); refills its
 * bucket. DC_ERR_NOT_FOUND. */
int dc_apikey_set_rate(struct dc_store *s, const char *id, int64_t rate_per_min, int64_t burst);

/* Calls cb for each key of the owner (both NULL: every key), oldest first.
 * cb returns 0 to go on; another value stops and is returned. The struct is
 * borrowed for the call. */
int dc_apikey_list(struct dc_store *s, const char *owner_kind, const char *owner_id,
                   int (*cb)(void *arg, const struct dc_apikey *k), void *arg);

#endif
