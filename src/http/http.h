/*
 * http.h — what the server core (server.c) and the API handlers (api.c)
 * share. Internal to src/http/.
 *
 * A handler gets one struct dc__call per request: the worker's store
 * connection, the reference tables, the master key, the h2o request, the
 * request id, and the part of the path after a prefix route. It appends the
 * response body to `body`, sets `status`, and returns DC_OK or an error of
 * the one enum (then the core answers with problem+json, using `detail`).
 */
#ifndef DANCU_HTTP_H
#define DANCU_HTTP_H

#include <h2o.h>
#include <stdint.h>

#include "dancu/buf.h"

struct dc_settings;
struct dc_store;
struct dc_units;
struct dc_calendar;
struct dc__card_trust;

struct dc__call {
	struct dc_store *store;
	const struct dc_units *units;
	const struct dc_calendar *cal; /* working days for deadlines */
	const unsigned char *key;      /* master key, 32 bytes */
	const struct dc_settings *cfg; /* the server's settings (read-only) */
	h2o_req_t *req;
	const char *request_id;
	const char *tail; /* path after a prefix route's path */
	size_t tail_len;
	int status;
	char detail[256];
	int extension; /* on error, body holds problem extension members */
	/* Set by a handler whose answer is not JSON (HTML, PNG, SVG, CSV,
	 * a redirect's empty body): a static string. NULL means JSON. Extra
	 * response headers (Location, ...) go straight onto c->req. */
	const char *content_type;
	void *loop;                         /* the event loop's context (server.c), for dc__defer */
	struct dc__session_cache *sessions; /* shared by the loops; may be NULL */
	struct dc__card_trust *card_trust;  /* api_chip.c: the CSCA trust list; may be NULL */
	/* A read-only replica within the staleness bound, or NULL: for reads
	 * that may be that stale (not for reads followed by writes). */
	struct dc_store *replica;
	int deferred;
	/* Set only by in-process callers without an event loop (c->loop NULL,
	 * the route fuzzer): dc__defer / dc__offload run the job at once and
	 * done() writes into this buffer. */
	struct dc_buf *inline_body;
};

struct dc__route {
	const char *path;
	int prefix; /* match any path that starts with `path` */
	const char *method;
	int (*run)(struct dc__call *c, struct dc_buf *body);
};

/* Each module of the API exports one route table; routes.c lists the
 * tables in matching order (the first match wins). */
struct dc__route_table {
	const struct dc__route *routes;
	const size_t *n;
};
extern const struct dc__route_table dc__route_tables[];
extern const size_t dc__nroute_tables;

/* Route i of the concatenation of every table (NULL past the end), and the
 * total count. */
const struct dc__route *dc__api_route(size_t i);
size_t dc__api_nroutes(void);

/* The officer/register API routes (api.c). */
extern const struct dc__route dc__api_routes[];
extern const size_t dc__api_routes_n;
/* Residence procedures and households (api_residence.c). */
extern const struct dc__route dc__residence_routes[];
extern const size_t dc__residence_routes_n;
/* Stay notifications and businesses (api_stay.c). */
extern const struct dc__route dc__stay_routes[];
extern const size_t dc__stay_routes_n;
/* Search by name, date of birth, commune (api_search.c). */
extern const struct dc__route dc__search_routes[];
extern const size_t dc__search_routes_n;

/* Officers' sessions remembered for DC__SESSION_CACHE_MS (session_cache.c).
 * get returns 1 and fills out on a hit. Thread-safe. */
#define DC__SESSION_CACHE_MS 5000
struct dc_officer;
struct dc__session_cache *dc__session_cache_new(void);
void dc__session_cache_free(struct dc__session_cache *sc);
int dc__session_cache_get(struct dc__session_cache *sc, const char *token, int64_t now_ms,
                          struct dc_officer *out);
void dc__session_cache_put(struct dc__session_cache *sc, const char *token,
                           const struct dc_officer *o, int64_t until_ms);
void dc__session_cache_drop(struct dc__session_cache *sc, const char *token);

/* Deferred, group-committed work (server.c, committer.c).
 *
 * A handler whose answer depends on a durable write (the audit entry of a
 * read, a high-volume report) hands the write to the committer instead of
 * writing on the loop: dc__defer queues work(store, arg), to run in one
 * transaction with other requests' writes, and returns DC__DEFERRED, which
 * the handler returns at once. When the batch is committed, done(c, body,
 * rc, arg) runs on the loop with work's result and writes the answer as a
 * handler would (returning DC_OK or dc__fail(...)); then free_arg(arg)
 * (may be NULL). If the client has gone, done is skipped, free_arg still
 * runs. When the queue is full the request is answered 503 with
 * Retry-After and dc__defer returns that error (free_arg has run). */
#define DC__DEFERRED 1
int dc__defer(struct dc__call *c, int (*work)(struct dc_store *s, void *arg),
              int (*done)(struct dc__call *c, struct dc_buf *body, int rc, void *arg), void *arg,
              void (*free_arg)(void *arg));

/* CPU-heavy work (an argon2id password check) off the event loop: like
 * dc__defer, but work(NULL, arg) runs on one of the bounded hash threads
 * (no store; touch only arg) and done(c, body, rc, arg) answers on the
 * loop. Returns DC__DEFERRED, or DC_ERR_BUSY when the pool's queue is
 * full: then free_arg has run, a Retry-After header is set, and the
 * handler answers (429) itself — a login page is not problem+json. */
int dc__offload(struct dc__call *c, int (*work)(struct dc_store *s, void *arg),
                int (*done)(struct dc__call *c, struct dc_buf *body, int rc, void *arg), void *arg,
                void (*free_arg)(void *arg));

/* Value of query parameter name (NUL-terminated copy in the request pool),
 * or NULL. */
const char *dc__query_param(h2o_req_t *req, const char *name);

/* Shared by the handlers (api.c). */
struct dc_officer;
struct dc_pin;
typedef struct json_t json_t;
int dc__fail(struct dc__call *c, int rc, int status, const char *detail);
int dc__not_allowed(struct dc__call *c, const char *allow);
int dc__authenticate(struct dc__call *c, struct dc_officer *o);
int dc__parse_body(struct dc__call *c, json_t **out);
const char *dc__str_member(json_t *o, const char *k);
/* The path tail of a prefix route as "ID" or "ID/REST": copies ID into id
 * (idsz bytes, NUL-terminated) and points *sub at "/REST" (slash included;
 * "" when there is none), *subn its length. DC_ERR_NOT_FOUND when ID is
 * empty or does not fit; the caller answers 404 in its own words. */
int dc__tail_id(const struct dc__call *c, char *id, size_t idsz, const char **sub, size_t *subn);
int dc__purpose_ok(const char *purpose);
/* 1 when commune (a 5-digit code, may be NULL) is inside o's jurisdiction
 * for writes: the commune itself, its province, or the nation; auditors
 * have none. */
int dc__in_jurisdiction(const struct dc__call *c, const struct dc_officer *o, const char *commune);
extern const char *const dc__purposes[]; /* NULL-terminated */

/* Register writes and history (api_register.c). */
int dc__birth_register(struct dc__call *c, struct dc_buf *body);
/* Registers the birth described by j (borrowed) for officer o; with
 * check_duplicates, a likely duplicate is queued for review instead (202). */
struct dc_citizen;
int dc__birth(struct dc__call *c, const struct dc_officer *o, json_t *j, int check_duplicates,
              struct dc_buf *body);
/* Duplicate check and review queue (review.c). dc__duplicate_check returns
 * DC_OK (no likely duplicate: go on), DC__QUEUED (queued: body holds the
 * 202 answer), or an error already answered. */
#define DC__QUEUED 2
int dc__duplicate_check(struct dc__call *c, const struct dc_officer *o, const struct dc_citizen *x,
                        json_t *submission, struct dc_buf *body);
extern const struct dc__route dc__review_routes[];
extern const size_t dc__review_routes_n;
int dc__citizen_history(struct dc__call *c, const struct dc_officer *o, const struct dc_pin *pin,
                        struct dc_buf *body);
int dc__citizen_death(struct dc__call *c, const struct dc_officer *o, const struct dc_pin *pin,
                      struct dc_buf *body);
int dc__citizen_correct(struct dc__call *c, const struct dc_officer *o, const struct dc_pin *pin,
                        struct dc_buf *body);

#endif
