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

#include "dancu/buf.h"

struct dc_settings;
struct dc_store;
struct dc_units;

struct dc__call {
	struct dc_store *store;
	const struct dc_units *units;
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
int dc__purpose_ok(const char *purpose);
extern const char *const dc__purposes[]; /* NULL-terminated */

/* Register writes and history (api_register.c). */
int dc__birth_register(struct dc__call *c, struct dc_buf *body);
int dc__citizen_history(struct dc__call *c, const struct dc_officer *o, const struct dc_pin *pin,
                        struct dc_buf *body);
int dc__citizen_death(struct dc__call *c, const struct dc_officer *o, const struct dc_pin *pin,
                      struct dc_buf *body);
int dc__citizen_correct(struct dc__call *c, const struct dc_officer *o, const struct dc_pin *pin,
                        struct dc_buf *body);

#endif
