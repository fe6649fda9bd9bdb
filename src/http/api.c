/*
 * api.c — the register API routes for officers.
 *
 *   POST /api/v1/login                 {"officer","password","totp"} → session token
 *   POST /api/v1/logout                (Bearer)
 *   GET  /api/v1/citizens/{pin}?purpose=P        one record, audited
 *   GET  /api/v1/citizens/{pin}/accesses         the data tracker: who read or changed it
 *
 * Every route but login needs "Authorization: Bearer TOKEN". Reading
 * personal data needs a purpose code from the list below and writes an
 * audit entry before the data leaves the server; auditors read the tracker
 * but not the records.
 *
 * A login's argon2id check runs on the server's bounded hash threads
 * (dc__offload), never on the event loop; when they are saturated the
 * login is answered 429 with Retry-After at once.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dancu/core.h"
#include "dancu/audit.h"
#include "dancu/officer.h"
#include "dancu/password.h"
#include "dancu/store.h"

#include "core/internal.h"
#include "http/http.h"

/* Why an officer may read a record. Stable codes; the audit log keeps them. */
const char *const dc__purposes[] = {
        "residence_procedure", "identity_card",   "civil_status", "investigation",
        "data_correction",     "citizen_request", "verification", NULL,
};

int dc__purpose_ok(const char *p)
{
	for (size_t i = 0; p && dc__purposes[i]; i++)
		if (!strcmp(p, dc__purposes[i]))
			return 1;
	return 0;
}

int dc__not_allowed(struct dc__call *c, const char *allow)
{
	h2o_add_header(&c->req->pool, &c->req->res.headers, H2O_TOKEN_ALLOW, NULL, allow,
	               strlen(allow));
	return dc__fail(c, DC_ERR_UNSUPPORTED, 405, "method not allowed on this resource");
}

int dc__fail(struct dc__call *c, int rc, int status, const char *detail)
{
	c->status = status ? status : dc_err_http_status(rc);
	snprintf(c->detail, sizeof c->detail, "%s", detail);
	return rc;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

const char *dc__query_param(h2o_req_t *req, const char *name)
{
	if (req->query_at == SIZE_MAX)
		return NULL;
	const char *q = req->path.base + req->query_at + 1;
	const char *end = req->path.base + req->path.len;
	size_t nl = strlen(name);
	while (q < end) {
		const char *amp = memchr(q, '&', (size_t)(end - q));
		const char *e = amp ? amp : end;
		if ((size_t)(e - q) > nl && !memcmp(q, name, nl) && q[nl] == '=') {
			/* Percent-decoded, '+' as a space (form encoding); a bad
			 * escape or an encoded NUL makes the parameter absent. */
			size_t vl = (size_t)(e - q) - nl - 1, o = 0;
			const char *src = q + nl + 1;
			char *v = h2o_mem_alloc_pool(&req->pool, vl + 1);
			for (size_t i = 0; i < vl; i++) {
				if (src[i] == '%') {
					if (i + 2 >= vl)
						return NULL; /* "%" or "%x" at the end */
					int hi = hexval(src[i + 1]), lo = hexval(src[i + 2]);
					if (hi < 0 || lo < 0 || (hi | lo) == 0)
						return NULL;
					v[o++] = (char)(hi * 16 + lo);
					i += 2;
				} else {
					v[o++] = src[i] == '+' ? ' ' : src[i];
				}
			}
			v[o] = '\0';
			return v;
		}
		q = e + 1;
	}
	return NULL;
}

/* The officer behind the Bearer token, or DC_ERR_AUTH. */
int dc__authenticate(struct dc__call *c, struct dc_officer *o)
{
	ssize_t i = h2o_find_header(&c->req->headers, H2O_TOKEN_AUTHORIZATION, -1);
	char token[DC_TOKEN_LEN + 1];
	if (i < 0)
		return dc__fail(c, DC_ERR_AUTH, 401, "an Authorization: Bearer token is required");
	h2o_iovec_t v = c->req->headers.entries[i].value;
	if (v.len != 7 + DC_TOKEN_LEN || strncasecmp(v.base, "Bearer ", 7))
		return dc__fail(c, DC_ERR_AUTH, 401, "the session token is not valid");
	memcpy(token, v.base + 7, DC_TOKEN_LEN);
	token[DC_TOKEN_LEN] = '\0';
	int64_t now = dc_now_ms();
	if (c->sessions && dc__session_cache_get(c->sessions, token, now, o))
		return DC_OK;
	int rc = dc_officer_session(c->store, token, now, o);
	if (rc == DC_OK && c->sessions)
		dc__session_cache_put(c->sessions, token, o, now + DC__SESSION_CACHE_MS);
	if (rc == DC_ERR_AUTH)
		return dc__fail(c, rc, 401, "the session token is not valid or has expired");
	return rc ? dc__fail(c, rc, 0, "cannot check the session") : DC_OK;
}

int dc__parse_body(struct dc__call *c, json_t **out)
{
	json_error_t e;
	h2o_iovec_t b = c->req->entity;
	*out = b.base ? json_loadb(b.base, b.len, JSON_REJECT_DUPLICATES, &e) : NULL;
	if (!*out || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return dc__fail(c, DC_ERR_INVALID, 400,
		                b.base ? e.text : "a JSON object is required in the request body");
	}
	return DC_OK;
}

int dc__tail_id(const struct dc__call *c, char *id, size_t idsz, const char **sub, size_t *subn)
{
	const char *slash = memchr(c->tail, '/', c->tail_len);
	size_t idn = slash ? (size_t)(slash - c->tail) : c->tail_len;
	*sub = slash ? slash : "";
	*subn = slash ? c->tail_len - idn : 0;
	if (idn == 0 || idn >= idsz)
		return DC_ERR_NOT_FOUND;
	memcpy(id, c->tail, idn);
	id[idn] = '\0';
	return DC_OK;
}

const char *dc__str_member(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A login between its two halves: the hash read on the loop, the check on
 * a hash thread, the rest back on the loop. */
struct login {
	char id[80], totp[16], hash[DC_PWHASH_LEN];
	char *password;
	int ok;
};

static void login_free(void *arg)
{
	struct login *l = arg;
	if (l->password) {
		sodium_memzero(l->password, strlen(l->password));
		free(l->password);
	}
	free(l);
}

static int login_check(struct dc_store *s, void *arg)
{
	struct login *l = arg;
	l->ok = dc_password_check(l->hash, l->password);
	return DC_OK;
}

/* Audits the attempt and answers. */
static int login_answer(struct dc__call *c, struct dc_buf *body, const char *id, int rc,
                        const char *token, int64_t exp)
{
	struct dc_audit_entry a = {id,   NULL,         rc ? "login.failed" : "login", NULL, NULL,
	                           NULL, c->request_id};
	int arc = dc_audit_append(c->store, &a, NULL);
	if (rc == DC_OK && arc == DC_OK) {
		struct dc_officer o;
		dc_officer_get(c->store, id, &o);
		dc_buf_addf(body,
		            "{\"token\":\"%s\",\"expires_at_ms\":%lld,\"officer\":{\"id\":\"%s\","
		            "\"role\":\"%s\",\"jurisdiction\":\"%s\"}}",
		            token, (long long)exp, o.id, dc_role_name(o.role), o.jurisdiction);
	}
	if (rc == DC_ERR_AUTH)
		return dc__fail(c, rc, 401, "officer, password or one-time code is wrong");
	if (rc == DC_ERR_LOCKED)
		return dc__fail(c, rc, 423,
		                "too many failed logins: the account is locked for 15 minutes");
	if (rc || arc)
		return dc__fail(c, rc ? rc : arc, 0, "login failed");
	return dc_buf_error(body);
}

static int login_done(struct dc__call *c, struct dc_buf *body, int rc, void *arg)
{
	struct login *l = arg;
	char token[DC_TOKEN_LEN + 1] = "";
	int64_t exp = 0;
	if (rc == DC_OK)
		rc = dc_officer_login_checked(c->store, c->key, l->id, l->ok ? l->hash : NULL,
		                              l->totp, dc_now_ms(), token, &exp);
	return login_answer(c, body, l->id, rc, token, exp);
}

static int r_login(struct dc__call *c, struct dc_buf *body)
{
	json_t *j;
	int rc = dc__parse_body(c, &j);
	if (rc)
		return rc;
	const char *id = dc__str_member(j, "officer"), *pw = dc__str_member(j, "password"),
	           *totp = dc__str_member(j, "totp");
	if (!id || !pw || !totp) {
		json_decref(j);
		return dc__fail(c, DC_ERR_INVALID, 400,
		                "officer, password and totp are required strings");
	}
	struct login *l = calloc(1, sizeof *l);
	if (!l || strlen(id) >= sizeof l->id || strlen(totp) >= sizeof l->totp ||
	    strlen(pw) > 1024) {
		json_decref(j);
		free(l);
		return l ? dc__fail(c, DC_ERR_AUTH, 401,
		                    "officer, password or one-time code is wrong")
		         : dc__fail(c, DC_ERR_NOMEM, 0, "login failed");
	}
	snprintf(l->id, sizeof l->id, "%s", id);
	snprintf(l->totp, sizeof l->totp, "%s", totp);
	l->password = strdup(pw);
	json_decref(j);
	if (!l->password) {
		login_free(l);
		return dc__fail(c, DC_ERR_NOMEM, 0, "login failed");
	}
	rc = dc_officer_password_hash(c->store, l->id, dc_now_ms(), l->hash);
	if (rc && rc != DC_ERR_AUTH) { /* locked (no hash spent), or storage */
		rc = login_answer(c, body, l->id, rc, NULL, 0);
		login_free(l);
		return rc;
	}
	rc = dc__offload(c, login_check, login_done, l, login_free);
	if (rc == DC_ERR_BUSY)
		return dc__fail(c, DC_ERR_RATE, 429,
		                "too many logins are being checked; retry in a second");
	return rc == DC__DEFERRED ? rc : dc__fail(c, rc, 0, "login failed");
}

static int r_logout(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	int rc = dc__authenticate(c, &o);
	if (rc)
		return rc;
	ssize_t i = h2o_find_header(&c->req->headers, H2O_TOKEN_AUTHORIZATION, -1);
	char token[DC_TOKEN_LEN + 1];
	memcpy(token, c->req->headers.entries[i].value.base + 7, DC_TOKEN_LEN);
	token[DC_TOKEN_LEN] = '\0';
	if (c->sessions)
		dc__session_cache_drop(c->sessions, token);
	rc = dc_officer_logout(c->store, token);
	if (rc)
		return dc__fail(c, rc, 0, "logout failed");
	return dc_buf_adds(body, "{\"status\":\"logged_out\"}");
}

static int tracker_entry(void *arg, int64_t seq, int64_t at, const struct dc_audit_entry *e)
{
	struct dc_buf *b = arg;
	dc_buf_addf(b, "%s{\"seq\":%lld,\"at_ms\":%lld,\"actor\":\"",
	            b->ptr[b->len - 1] == '[' ? "" : ",", (long long)seq, (long long)at);
	dc_buf_add_json_str(b, e->actor, strlen(e->actor));
	if (e->org) { /* a relying party's request: its organisation */
		dc_buf_adds(b, "\",\"org\":\"");
		dc_buf_add_json_str(b, e->org, strlen(e->org));
	}
	dc_buf_adds(b, "\",\"action\":\"");
	dc_buf_add_json_str(b, e->action, strlen(e->action));
	dc_buf_adds(b, "\",\"purpose\":\"");
	if (e->purpose)
		dc_buf_add_json_str(b, e->purpose, strlen(e->purpose));
	dc_buf_adds(b, "\"}");
	return dc_buf_error(b);
}

/* A record read waiting for its audit entry to be durable. */
struct read_audit {
	char actor[65], pin[13], purpose[40], request_id[72];
	int get_rc;
	struct dc_buf json; /* the record, rendered before the commit */
};

static int read_audit_work(struct dc_store *s, void *arg)
{
	struct read_audit *ra = arg;
	struct dc_audit_entry a = {ra->actor,     NULL,        "citizen.read",
	                           ra->pin,       ra->purpose, ra->get_rc == DC_OK ? "*" : NULL,
	                           ra->request_id};
	return dc_audit_append(s, &a, NULL);
}

static int read_audit_done(struct dc__call *c, struct dc_buf *body, int rc, void *arg)
{
	struct read_audit *ra = arg;
	if (rc)
		return dc__fail(c, rc, 503, "the read could not be audited, so it is refused");
	if (ra->get_rc == DC_ERR_NOT_FOUND)
		return dc__fail(c, ra->get_rc, 404, "no citizen with this personal ID number");
	if (ra->get_rc)
		return dc__fail(c, ra->get_rc, 0, "cannot read the register");
	return dc_buf_add(body, ra->json.ptr, ra->json.len);
}

static void read_audit_free(void *arg)
{
	struct read_audit *ra = arg;
	dc_buf_release(&ra->json);
	free(ra);
}

static int r_citizen(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	struct dc_pin pin;
	int rc = dc__authenticate(c, &o);
	if (rc)
		return rc;
	const char *sub = c->tail_len > 12 ? c->tail + 12 : "";
	size_t sublen = c->tail_len > 12 ? c->tail_len - 12 : 0;
	if (c->tail_len < 12 || dc_pin_parse(c->tail, 12, &pin))
		return dc__fail(c, DC_ERR_INVALID, 400,
		                "the path must continue with a 12-digit personal ID number");
	const char *m = c->req->method.base;
	size_t ml = c->req->method.len;
	int get = h2o_memis(m, ml, H2O_STRLIT("GET"));
	int tracker = h2o_memis(sub, sublen, H2O_STRLIT("/accesses"));
	if (h2o_memis(sub, sublen, H2O_STRLIT("/history")))
		return get ? dc__citizen_history(c, &o, &pin, body) : dc__not_allowed(c, "GET");
	if (h2o_memis(sub, sublen, H2O_STRLIT("/death")))
		return h2o_memis(m, ml, H2O_STRLIT("POST")) ? dc__citizen_death(c, &o, &pin, body)
		                                            : dc__not_allowed(c, "POST");
	if (sublen == 0 && h2o_memis(m, ml, H2O_STRLIT("PATCH")))
		return dc__citizen_correct(c, &o, &pin, body);
	if (sublen && !tracker)
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such resource");
	if (!get)
		return dc__not_allowed(c, tracker ? "GET" : "GET, PATCH");
	if (tracker) {
		if (o.role != DC_ROLE_AUDITOR && o.role != DC_ROLE_NATIONAL)
			return dc__fail(
			        c, DC_ERR_FORBIDDEN, 403,
			        "the data tracker is open to auditors and national administrators");
		dc_buf_addf(body, "{\"pin\":\"%s\",\"accesses\":[", pin.d);
		rc = dc_audit_for_subject(c->store, pin.d, tracker_entry, body);
		dc_buf_adds(body, "]}");
		return rc ? dc__fail(c, rc, 0, "cannot read the audit log") : dc_buf_error(body);
	}
	if (o.role == DC_ROLE_AUDITOR)
		return dc__fail(c, DC_ERR_FORBIDDEN, 403,
		                "auditors read the audit log, not records");
	const char *purpose = dc__query_param(c->req, "purpose");
	if (!dc__purpose_ok(purpose))
		return dc__fail(
		        c, DC_ERR_INVALID, 400,
		        "a purpose is required: ?purpose=residence_procedure|identity_card|"
		        "civil_status|investigation|data_correction|citizen_request|verification");
	struct dc_pool pool;
	struct dc_citizen rec;
	struct read_audit *ra = calloc(1, sizeof *ra);
	if (!ra)
		return DC_ERR_NOMEM;
	dc_pool_init(&pool, 0);
	/* From the replica when one is fresh enough; a record it does not have
	 * yet (registered a moment ago) or a replica error falls back to the
	 * primary, so a new citizen is readable at once. */
	struct dc_store *from = c->replica ? c->replica : c->store;
	ra->get_rc = dc_store_citizen_get(from, &pin, &rec, &pool);
	if (from != c->store && ra->get_rc != DC_OK) {
		from = c->store;
		ra->get_rc = dc_store_citizen_get(from, &pin, &rec, &pool);
	}
	if (from != c->store)
		h2o_add_header_by_str(&c->req->pool, &c->req->res.headers,
		                      H2O_STRLIT("x-dancu-read"), 0, NULL, H2O_STRLIT("replica"));
	if (ra->get_rc == DC_OK)
		ra->get_rc = dc_citizen_json(&rec, &ra->json);
	dc_pool_release(&pool);
	snprintf(ra->actor, sizeof ra->actor, "%s", o.id);
	snprintf(ra->pin, sizeof ra->pin, "%s", pin.d);
	snprintf(ra->purpose, sizeof ra->purpose, "%s", purpose);
	snprintf(ra->request_id, sizeof ra->request_id, "%s", c->request_id);
	/* The read is recorded before any data leaves, found or not: the audit
	 * entry goes to the group committer and the answer waits for it. */
	return dc__defer(c, read_audit_work, read_audit_done, ra, read_audit_free);
}

const struct dc__route dc__api_routes[] = {
        {"/api/v1/login", 0, "POST", r_login},
        {"/api/v1/logout", 0, "POST", r_logout},
        {"/api/v1/births", 0, "POST", dc__birth_register},
        {"/api/v1/citizens/", 1, "*", r_citizen},
};
const size_t dc__api_routes_n = DC_ARRAY_LEN(dc__api_routes);
