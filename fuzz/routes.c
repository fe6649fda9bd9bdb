/* libFuzzer target: every API route with an arbitrary request — the JSON
 * (or form) body, the path tail of prefix routes, the method and the
 * credentials — run in process on a real SQLite store with a small
 * synthetic population and a national administrator's session.
 *
 * Input: byte 0 picks the route, byte 1 the method (for routes that take
 * several), byte 2 the credentials (the officer's session, the
 * organisation's API key, none, a wrong token); then the path tail up to the first newline; the
 * rest is the body.
 *
 * What must hold for any input: the handler answers (never crashes, never
 * leaks: ASan), the status is a real one, a refusal is a 4xx with a detail
 * (bad input is the client's error, never a 500 — the store here does not
 * fail), and a JSON answer parses as JSON. Deferred work (the committer,
 * the hash threads) runs inline (dc__call.inline_body). */
#include <jansson.h>
#include <liboath/oath.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/core.h"
#include "dancu/apikey.h"
#include "dancu/gen.h"
#include "dancu/officer.h"
#include "dancu/pool.h"
#include "dancu/residence.h"
#include "dancu/server.h"
#include "dancu/store.h"
#include "dancu/units.h"
#include "dancu/verify.h"

#include "core/internal.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dc_store *store;
static struct dc_units *units;
static struct dc_calendar *cal;
static struct dc_settings cfg;
static unsigned char key[32];
static char token[DC_TOKEN_LEN + 8];
static char apikey[DC_APIKEY_LEN + 1];

static socklen_t peername(h2o_conn_t *conn, struct sockaddr *sa)
{
	struct sockaddr_in *in = (struct sockaddr_in *)sa;
	memset(in, 0, sizeof *in);
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(0x7f000001);
	return sizeof *in;
}

static const h2o_conn_callbacks_t callbacks = {.get_peername = peername};

static void setup(void)
{
	char dir[] = "/tmp/dancu-fuzz-routes.XXXXXX", path[300], err[256], secret[64];
	if (!mkdtemp(dir) || dc_units_new(&units) || dc_calendar_load(NULL, &cal, err, sizeof err))
		abort();
	snprintf(path, sizeof path, "%s/f.db", dir);
	if (dc_store_open(path, units, &store, err, sizeof err))
		abort();
	if (dc_settings_load(&cfg, err, sizeof err))
		abort();
	snprintf(path, sizeof path, "%s/jobs", dir);
	static char jobs[300];
	snprintf(jobs, sizeof jobs, "%s", path);
	cfg.job_dir = jobs;
	memset(key, 7, sizeof key);
	/* A few synthetic people, so that lookups find someone. */
	struct dc_gen_opts go = {.seed = 5, .count = 20};
	dc_date_parse("2026-01-01", 10, &go.today);
	struct dc_gen *g;
	struct dc_pool pool;
	struct dc_citizen c;
	struct dc_change why = {"fuzz", "setup", NULL, "import"};
	dc_pool_init(&pool, 0);
	if (dc_gen_new(units, &go, &g) || dc_store_begin(store))
		abort();
	while (dc_gen_next(g, &c, NULL, &pool) == DC_OK)
		(void)dc_store_citizen_create(store, &c, &why, NULL);
	if (dc_store_commit(store))
		abort();
	dc_gen_free(g);
	dc_pool_release(&pool);
	struct dc_officer o = {.id = "fuzz.admin", .name = "Fuzz", .role = DC_ROLE_NATIONAL};
	snprintf(o.jurisdiction, sizeof o.jurisdiction, "VN");
	if (dc_officer_add(store, units, &o, "a long enough passphrase", key, secret, err,
	                   sizeof err))
		abort();
	char *raw = NULL, otp[8];
	size_t rawlen = 0;
	oath_init();
	if (oath_base32_decode(secret, strlen(secret), &raw, &rawlen) != OATH_OK)
		abort();
	int64_t now = dc_now_ms();
	if (oath_totp_generate(raw, rawlen, (time_t)(now / 1000), 0, 0, 6, otp) != OATH_OK)
		abort();
	free(raw);
	/* An organisation allowed every field and purpose, with an API key. */
	struct dc_org org = {.id = "fuzz-bank", .name = "Fuzz Bank", .daily_quota = 0};
	if (dc_vfields_parse("*", &org.verify_fields) || dc_vpurposes_parse("*", &org.purposes) ||
	    dc_org_add(store, &org, now) ||
	    dc_apikey_create(store, "org", "fuzz-bank", "fuzz", 0, 0, now, apikey, NULL))
		abort();
	int64_t exp;
	if (dc_officer_login(store, key, "fuzz.admin", "a long enough passphrase", otp, now, token,
	                     &exp))
		abort();
}

static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!store)
		setup();
	if (size < 3 || size > 65536)
		return 0;
	size_t n = dc__api_nroutes();
	const struct dc__route *r = dc__api_route(data[0] % n);
	const char *method = strcmp(r->method, "*") ? r->method : methods[data[1] % 6];
	const uint8_t *p = data + 3, *end = data + size;
	const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
	size_t taillen = nl ? (size_t)(nl - p) : 0;
	const uint8_t *bodyp = nl ? nl + 1 : p;

	h2o_req_t req;
	h2o_conn_t conn;
	memset(&req, 0, sizeof req);
	memset(&conn, 0, sizeof conn);
	conn.callbacks = &callbacks;
	req.conn = &conn;
	h2o_mem_init_pool(&req.pool);
	char *path = h2o_mem_alloc_pool(&req.pool, strlen(r->path) + taillen + 1);
	memcpy(path, r->path, strlen(r->path));
	memcpy(path + strlen(r->path), p, taillen);
	req.path_normalized = h2o_iovec_init(path, strlen(r->path) + (r->prefix ? taillen : 0));
	req.path = req.path_normalized;
	req.method = h2o_iovec_init(method, strlen(method));
	req.entity = h2o_iovec_init(bodyp, (size_t)(end - bodyp));
	char auth[96];
	/* Logging out would end the session every later input relies on. */
	int cred = data[2] % 4;
	if (cred == 0 && !strcmp(r->path, "/api/v1/logout"))
		cred = 3;
	switch (cred) {
	case 0:
		snprintf(auth, sizeof auth, "Bearer %s", token);
		break;
	case 1:
		snprintf(auth, sizeof auth, "ApiKey %s", apikey);
		break;
	case 2:
		auth[0] = 0;
		break;
	default:
		snprintf(auth, sizeof auth, "Bearer not-a-token");
	}
	if (auth[0])
		h2o_add_header(&req.pool, &req.headers, H2O_TOKEN_AUTHORIZATION, NULL, auth,
		               strlen(auth));
	if (data[1] & 0x80)
		h2o_add_header(&req.pool, &req.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
		               H2O_STRLIT("application/x-www-form-urlencoded"));

	struct dc_buf body = DC_BUF_INIT;
	struct dc__call call;
	memset(&call, 0, sizeof call);
	call.store = store;
	call.units = units;
	call.cal = cal;
	call.key = key;
	call.cfg = &cfg;
	call.req = &req;
	call.request_id = "fuzz-1";
	call.status = 200;
	call.inline_body = &body;
	if (r->prefix) {
		call.tail = path + strlen(r->path);
		call.tail_len = taillen;
	}
	int rc = r->run(&call, &body);
	int status = rc ? (call.status >= 400 ? call.status : dc_err_http_status(rc)) : call.status;
	if (status < 100 || status > 599)
		__builtin_trap();
	if (rc && rc != DC_ERR_NOMEM && rc != DC_ERR_BUSY && rc != DC_ERR_RATE && status >= 500) {
		fprintf(stderr, "route %s %s: %d %s (%s)\n", method, r->path, status,
		        dc_strerror(rc), call.detail);
		__builtin_trap();
	}
	if (!rc && !call.content_type && body.len && status != 204) {
		json_error_t je;
		json_t *j = json_loadb(body.ptr, body.len, 0, &je);
		if (!j) {
			fprintf(stderr, "route %s %s: answer is not JSON: %.200s\n", method,
			        r->path, body.ptr);
			__builtin_trap();
		}
		json_decref(j);
	}
	if (getenv("DANCU_FUZZ_DEBUG"))
		fprintf(stderr, "%s %.*s -> %d %s\n", method, (int)req.path.len, req.path.base,
		        status, rc ? call.detail : "");
	dc_buf_release(&body);
	h2o_mem_clear_pool(&req.pool);
	/* A transaction a handler left open would poison the next input. */
	(void)dc_store_rollback(store);
	return 0;
}
