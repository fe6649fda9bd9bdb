/*
 * dancu/exchange.h — connected agencies: accounts with field-level
 * subscriptions, the change feed, attributes agencies write back, and
 * signed webhooks with a dead-letter list (docs/EXCHANGE.md).
 *
 * An agency (BHXH, the civil-status software, EVN, a telco) owns API keys of
 * kind "agency" (dancu/apikey.h) and one row in the agency table. It
 * subscribes to register fields (citizen column names, or "attr.<name>" for
 * attributes agencies write); the feed lists the events that touch them.
 *
 * Every function takes the store (one thread at a time) and joins the
 * caller's transaction when one is open. Strings passed in are borrowed for
 * the call; structs filled are owned by the caller.
 */
#ifndef DANCU_EXCHANGE_H
#define DANCU_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

struct dc_store;
struct dc_buf;

#define DC_AGENCY_LIST_MAX 1024

struct dc_agency {
	char id[65];
	char name[201];
	char fields[DC_AGENCY_LIST_MAX + 1]; /* subscribed fields, comma list, or "*" */
	char writes[DC_AGENCY_LIST_MAX + 1]; /* attributes it may write, comma list */
	char webhook_url[513];               /* "" = no webhook */
	int64_t webhook_version;             /* secret version, 0 = none */
	int64_t webhook_cursor;              /* last event seq handled by the pusher */
	int disabled;
	int64_t created_ms;
};

/* 1 when s is a valid subscription list: "*" or a comma list of citizen
 * column names and "attr.<name>" (name: 1–40 of a-z 0-9 _). */
int dc_agency_fields_valid(const char *s);
/* 1 when s is a valid list of attribute names (a-z 0-9 _, 1–40 each), or "". */
int dc_agency_writes_valid(const char *s);
/* 1 when field (n bytes) is in the comma list (or the list is "*"). */
int dc_agency_list_has(const char *list, const char *field, size_t n);

/* Adds an agency (id 1–64 of a-z 0-9 . _ -, name 1–200 bytes, valid lists).
 * DC_ERR_INVALID, DC_ERR_CONFLICT when the id is taken. */
int dc_agency_add(struct dc_store *s, const struct dc_agency *a, int64_t now_ms);
/* DC_ERR_NOT_FOUND. */
int dc_agency_get(struct dc_store *s, const char *id, struct dc_agency *out);
/* cb for each agency by id; a non-zero return stops and is returned. */
int dc_agency_list(struct dc_store *s, int (*cb)(void *arg, const struct dc_agency *a), void *arg);
/* Writes name, fields, writes and disabled of a (same checks as add). */
int dc_agency_update(struct dc_store *s, const struct dc_agency *a);

/* --- the change feed ------------------------------------------------------- */

/* One event of the feed, borrowed for the callback. json is the feed's JSON
 * object for it ({"seq",...,"changed":[...],"fields":{...}}). */
struct dc_feed_event {
	int64_t seq;
	const char *pin; /* may be NULL */
	const char *json;
	size_t json_len;
};

/* Reads the events after cursor `after` in seq (= commit) order that touch
 * a's subscribed fields: at most `limit` of them, scanning at most
 * 20 * limit events. cb(arg, ev) for each (a non-zero return stops and is
 * returned). *next gets the cursor for the next call (the last event
 * scanned); *more is 1 when the scan stopped early. Reads only. */
int dc_feed_read(struct dc_store *s, const struct dc_agency *a, int64_t after, int limit,
                 int (*cb)(void *arg, const struct dc_feed_event *ev), void *arg, int64_t *next,
                 int *more);

/* --- attributes agencies write back ------------------------------------------ */

/* Sets attribute `name` (in a->writes, else DC_ERR_FORBIDDEN) of citizen pin
 * (must exist: DC_ERR_NOT_FOUND) to value (1–200 bytes, DC_ERR_INVALID):
 * one row, one register event (kind "attribute", after_json
 * {"attr.<name>":value}) and nothing else: the caller audits in the same
 * transaction. actor is the API key id. */
int dc_agency_attr_set(struct dc_store *s, const struct dc_agency *a, const char *pin,
                       const char *name, const char *value, const char *actor, int64_t now_ms);
/* Reads it into out (cap bytes). DC_ERR_NOT_FOUND. */
int dc_agency_attr_get(struct dc_store *s, const char *agency, const char *pin, const char *name,
                       char *out, size_t cap);

/* --- webhooks ------------------------------------------------------------------ */

/* Sets (url not empty) or clears the agency's webhook. With a url, makes a
 * new secret (32 random bytes), seals it with key (32-byte master key) into
 * the row, bumps the version, starts the cursor at the newest event (so old
 * history is not pushed; the feed has it), and writes the secret, base64url,
 * into secret_out (44 bytes). url must be http://host[:port]/path, at most
 * 512 bytes (DC_ERR_INVALID). DC_ERR_NOT_FOUND. */
int dc_agency_webhook_set(struct dc_store *s, const char *id, const char *url,
                          const unsigned char key[32], char secret_out[44]);

/* The signature header value "sha256=<hex>" of HMAC-SHA256(secret,
 * timestamp "." body) into out (72 bytes). Pure. */
void dc_webhook_sign(const unsigned char *secret, size_t secret_len, int64_t timestamp,
                     const char *body, size_t body_len, char out[72]);

/* JWS signatures (the alternative to HMAC; webhook_jws.c): an ES256 key in
 * a JWK file (mode 0600). With a key, each delivery also carries
 * X-Dancu-JWS, a compact JWS over the exact body with the payload detached
 * ("header..signature"); the protected header has alg, kid (the RFC 7638
 * thumbprint), typ "dancu-webhook+jws", iat, dancu_agency and dancu_seq. */
struct dc_webhook_jws;
/* Creates a new key file at path (mode 0600; DC_ERR_CONFLICT when it
 * exists) and appends its public JWKS ({"keys":[…]}) to public_jwks. */
int dc_webhook_jws_keygen(const char *path, struct dc_buf *public_jwks);
/* Appends the public JWKS of the key at path to out. DC_ERR_NOT_FOUND,
 * DC_ERR_FORBIDDEN (readable by group or others), DC_ERR_INVALID. */
int dc_webhook_jws_public(const char *path, struct dc_buf *out);
/* Loads the key at path (caller frees with dc_webhook_jws_free); errors as
 * dc_webhook_jws_public. */
int dc_webhook_jws_load(const char *path, struct dc_webhook_jws **out);
void dc_webhook_jws_free(struct dc_webhook_jws *k); /* NULL-safe */
/* Appends the detached compact JWS of body (len bytes) for the delivery
 * of event seq to agency at time ts (Unix seconds) to out. */
int dc_webhook_jws_sign(const struct dc_webhook_jws *k, const char *agency, int64_t seq, int64_t ts,
                        const char *body, size_t len, struct dc_buf *out);

struct dc_dead_letter {
	char agency[65];
	int64_t seq;
	int64_t attempts;
	char last_error[201];
	int64_t dead_ms;
	int64_t replay_ms; /* 0 = not queued again */
	int64_t delivered_ms;
};
int dc_dead_letter_list(struct dc_store *s, const char *agency,
                        int (*cb)(void *arg, const struct dc_dead_letter *d), void *arg);
/* Queues a dead letter for delivery again. DC_ERR_NOT_FOUND. */
int dc_dead_letter_replay(struct dc_store *s, const char *agency, int64_t seq, int64_t now_ms);

/* The pusher: a background thread with its own store connection (target as
 * for dc_store_open). Every poll_ms it delivers, per agency with a webhook,
 * the next feed event (in order), with retries and exponential backoff
 * (base_ms doubling, capped at 300 s) up to `budget` attempts, then the
 * dead-letter list; then queued replays. key is copied. */
struct dc_webhook_pusher;
struct dc_webhook_opts {
	unsigned poll_ms;    /* default 200 */
	unsigned base_ms;    /* first retry delay, default 1000 */
	unsigned budget;     /* attempts before dead-letter, default 8 */
	unsigned timeout_ms; /* per request, default 5000 */
	const char *jws_key; /* JWK file: also sign with JWS; NULL or "": HMAC only */
};
struct dc_units;
int dc_webhook_start(const char *target, const struct dc_units *units,
                     const struct dc_webhook_opts *o, const unsigned char key[32],
                     struct dc_webhook_pusher **out, char *err, size_t errlen);
void dc_webhook_stop(struct dc_webhook_pusher *p); /* NULL-safe; joins the thread */

#endif
