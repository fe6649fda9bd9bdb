/*
 * api_oidc.c — the OpenID Connect provider's HTTP endpoints: discovery,
 * JWKS, the authorization endpoint (a server-rendered login + consent page,
 * Vietnamese with English), the token endpoint (authorization_code with
 * PKCE S256 required; refresh_token with rotation and reuse detection),
 * userinfo, and RP-initiated logout. See docs/EID.md.
 *
 * Issuer: the scheme and authority the request came to (the server is
 * meant to sit on one public name). Subject identifiers are an HMAC of the
 * personal ID number under the master key (public), or of the client id and
 * the number (pairwise clients), so the ID number itself leaves only with the
 * "pin" scope. Every release of claims is audited before it leaves.
 *
 * The sign-in's argon2id check runs on the server's bounded hash threads
 * (dc__offload); past their queue's bound the page is answered 429 at once.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dancu/core.h"
#include "dancu/audit.h"
#include "dancu/citizen.h"
#include "dancu/date.h"
#include "dancu/db.h"
#include "dancu/eid.h"
#include "dancu/password.h"
#include "dancu/pin.h"
#include "dancu/pool.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "core/internal.h"
#include "eid/oidc.h"
#include "http/http.h"
#include "http/api_oidc.h"

#define IP_WINDOW_MS (15 * 60 * 1000)
#define IP_MAX_FAILED 20 /* failed logins per IP address and window */
#define P DC__OIDC_PARAM /* capacity of one parameter */

static void issuer(struct dc__call *c, char *out, size_t n)
{
	h2o_req_t *r = c->req;
	snprintf(out, n, "%s://%.*s", r->scheme == &H2O_URL_SCHEME_HTTPS ? "https" : "http",
	         (int)r->authority.len, r->authority.base);
}

static void header(struct dc__call *c, const h2o_token_t *t, const char *v)
{
	size_t n = strlen(v);
	char *copy = h2o_mem_alloc_pool(&c->req->pool, n + 1);
	memcpy(copy, v, n + 1);
	h2o_add_header(&c->req->pool, &c->req->res.headers, t, NULL, copy, n);
}

static void random_token(char out[44])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(out, 44, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* OAuth error answer (RFC 6749 5.2): JSON {"error":...}, not problem+json. */
static int oauth_error(struct dc__call *c, struct dc_buf *body, int status, const char *err,
                       const char *desc)
{
	c->status = status;
	dc_buf_reset(body);
	dc_buf_addf(body, "{\"error\":\"%s\",\"error_description\":\"%s\"}", err, desc);
	if (status == 401)
		header(c, H2O_TOKEN_WWW_AUTHENTICATE, "Basic realm=\"dancu-oidc\"");
	return dc_buf_error(body);
}

static int has_scope(const char *scope, const char *s)
{
	size_t n = strlen(s);
	for (const char *p = scope; p && *p;) {
		const char *sp = strchr(p, ' ');
		size_t len = sp ? (size_t)(sp - p) : strlen(p);
		if (len == n && !memcmp(p, s, n))
			return 1;
		p += len + (sp != NULL);
	}
	return 0;
}

/* Keeps only the scopes we know, in a canonical order. */
static void clean_scope(const char *in, char *out, size_t n)
{
	static const char *const known[] = {"openid",  "profile", "birthdate",
	                                    "address", "pin",     "records"};
	out[0] = '\0';
	for (size_t i = 0; i < DC_ARRAY_LEN(known); i++)
		if (has_scope(in, known[i]))
			snprintf(out + strlen(out), n - strlen(out), "%s%s", out[0] ? " " : "",
			         known[i]);
}

static void subject(struct dc__call *c, const struct dc__oidc_client *cl, const char *pin,
                    char out[44])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, c->key, 32);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)"oidc-sub\n", 9);
	if (cl->pairwise)
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)cl->id,
		                              strlen(cl->id) + 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)pin, strlen(pin));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2base64(out, 44, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* --- discovery and keys -------------------------------------------------- */

static int r_discovery(struct dc__call *c, struct dc_buf *body)
{
	char iss[300];
	issuer(c, iss, sizeof iss);
	return dc_buf_addf(
	        body,
	        "{\"issuer\":\"%s\",\"authorization_endpoint\":\"%s/oidc/authorize\","
	        "\"token_endpoint\":\"%s/oidc/token\",\"userinfo_endpoint\":\"%s/oidc/userinfo\","
	        "\"jwks_uri\":\"%s/oidc/jwks\",\"end_session_endpoint\":\"%s/oidc/logout\","
	        "\"response_types_supported\":[\"code\"],\"response_modes_supported\":[\"query\"],"
	        "\"grant_types_supported\":[\"authorization_code\",\"refresh_token\"],"
	        "\"subject_types_supported\":[\"public\",\"pairwise\"],"
	        "\"id_token_signing_alg_values_supported\":[\"ES256\"],"
	        "\"token_endpoint_auth_methods_supported\":[\"client_secret_basic\",\"none\"],"
	        "\"code_challenge_methods_supported\":[\"S256\"],"
	        "\"scopes_supported\":[\"openid\",\"profile\",\"birthdate\",\"address\",\"pin\","
	        "\"records\"],"
	        "\"claims_supported\":[\"sub\",\"name\",\"gender\",\"birthdate\",\"address\","
	        "\"personal_id_number\",\"acr\",\"auth_time\",\"nonce\"],"
	        "\"acr_values_supported\":[\"%s\",\"%s\"],"
	        "\"authorization_response_iss_parameter_supported\":true,"
	        "\"ui_locales_supported\":[\"vi\",\"en\"]}",
	        iss, iss, iss, iss, iss, iss, dc_eid_acr(1), dc_eid_acr(2));
}

static int r_jwks(struct dc__call *c, struct dc_buf *body)
{
	int rc = dc__oidc_jwks(dc__oidc_key_dir(), body);
	if (rc)
		return dc__fail(c, rc, 500, "the signing keys cannot be read");
	c->content_type = "application/jwk-set+json";
	return DC_OK;
}

/* --- authorization endpoint ---------------------------------------------- */

struct authz {
	char client_id[P], redirect_uri[P], response_type[P], scope[P], state[P], nonce[P],
	        challenge[P], method[P];
};

static const char *const authz_names[] = {
        "client_id", "redirect_uri", "response_type",  "scope",
        "state",     "nonce",        "code_challenge", "code_challenge_method"};

static char *authz_field(struct authz *a, size_t i)
{
	char *f[] = {a->client_id, a->redirect_uri, a->response_type, a->scope,
	             a->state,     a->nonce,        a->challenge,     a->method};
	return f[i];
}

/* Reads the parameters; -1 when one is malformed or repeated. */
static int authz_read(const char *s, size_t n, struct authz *a)
{
	memset(a, 0, sizeof *a);
	for (size_t i = 0; i < DC_ARRAY_LEN(authz_names); i++)
		if (dc__form_get(s, n, authz_names[i], authz_field(a, i), P) < 0)
			return -1;
	return 0;
}

static int page_start(struct dc_buf *b, const char *title)
{
	dc_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
	               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	               "<title>");
	dc__html_escape(b, title);
	return dc_buf_adds(b,
	                   "</title><style>body{font-family:sans-serif;max-width:34em;margin:2em "
	                   "auto;padding:0 1em;line-height:1.5}label{display:block;margin-top:"
	                   "1em}input[type=text],input[type=password]{width:100%;padding:.4em;"
	                   "font-size:1.1em}button{margin:1em .5em 0 0;padding:.5em 1em;"
	                   "font-size:1em}.err{color:#a00;font-weight:bold}[lang=en]{color:"
	                   "#444}</style></head><body><main>");
}

/* An error the user sees (no redirect: the client or its URI is not
 * trusted). */
static int error_page(struct dc__call *c, struct dc_buf *body, int status, const char *vi,
                      const char *en)
{
	dc_buf_reset(body);
	page_start(body, "Lỗi / Error");
	dc_buf_adds(body, "<h1>Không thể đăng nhập <span lang=\"en\">/ Cannot sign in</span></h1>"
	                  "<p class=\"err\" role=\"alert\">");
	dc__html_escape(body, vi);
	dc_buf_adds(body, "<br><span lang=\"en\">");
	dc__html_escape(body, en);
	dc_buf_adds(body, "</span></p></main></body></html>\n");
	c->status = status;
	c->content_type = "text/html; charset=utf-8";
	return dc_buf_error(body);
}

static int redirect_error(struct dc__call *c, struct dc_buf *body, const struct authz *a,
                          const char *err)
{
	struct dc_buf loc = DC_BUF_INIT;
	char iss[300];
	issuer(c, iss, sizeof iss);
	dc_buf_adds(&loc, a->redirect_uri);
	dc_buf_adds(&loc, strchr(a->redirect_uri, '?') ? "&error=" : "?error=");
	dc_buf_adds(&loc, err);
	if (a->state[0]) {
		dc_buf_adds(&loc, "&state=");
		dc__form_escape(&loc, a->state);
	}
	dc_buf_adds(&loc, "&iss=");
	dc__form_escape(&loc, iss);
	int rc = dc_buf_error(&loc);
	if (rc == DC_OK)
		header(c, H2O_TOKEN_LOCATION, dc_buf_str(&loc));
	dc_buf_release(&loc);
	c->status = 303;
	c->content_type = "text/plain; charset=utf-8";
	dc_buf_reset(body);
	return rc;
}

/* Checks client and redirect URI (errors shown, not redirected), then the
 * rest (errors redirected). 1: answered already; 0: go on. */
static int authz_check(struct dc__call *c, struct dc_buf *body, struct authz *a,
                       struct dc__oidc_client *cl, int *rc)
{
	if (dc__oidc_client_get(c->store, a->client_id, cl) || cl->disabled) {
		*rc = error_page(c, body, 400, "Ứng dụng không được đăng ký.",
		                 "The application (client_id) is not registered.");
		return 1;
	}
	if (!dc__oidc_redirect_ok(cl, a->redirect_uri)) {
		*rc = error_page(c, body, 400, "Địa chỉ chuyển hướng không khớp.",
		                 "The redirect_uri does not exactly match a registered one.");
		return 1;
	}
	const char *err = NULL;
	if (strcmp(a->response_type, "code"))
		err = "unsupported_response_type";
	else if (!has_scope(a->scope, "openid"))
		err = "invalid_scope";
	else if (strcmp(a->method, "S256") || strlen(a->challenge) != 43)
		err = "invalid_request"; /* PKCE S256 is required of every client */
	if (err) {
		*rc = redirect_error(c, body, a, err);
		return 1;
	}
	return 0;
}

static void hidden(struct dc_buf *b, const char *name, const char *v)
{
	dc_buf_addf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
	dc__html_escape(b, v);
	dc_buf_adds(b, "\">");
}

static const struct {
	const char *scope, *vi, *en;
} scope_text[] = {
        {"openid", "Mã định danh tài khoản và mức xác thực",
         "Account identifier and assurance level"},
        {"profile", "Họ tên và giới tính", "Name and sex"},
        {"birthdate", "Ngày sinh", "Date of birth"},
        {"address", "Địa chỉ thường trú", "Permanent address"},
        {"pin", "Số định danh cá nhân", "Personal ID number"},
        {"records", "Xem hồ sơ của bạn, nhật ký truy cập dữ liệu và khóa tài khoản",
         "See your records and who read your data, and lock your account"},
};

static int login_page(struct dc__call *c, struct dc_buf *body, const struct authz *a,
                      const struct dc__oidc_client *cl, int status, const char *vi_err,
                      const char *en_err)
{
	dc_buf_reset(body);
	page_start(body, "Đăng nhập bằng tài khoản định danh điện tử / Sign in with e-ID");
	dc_buf_adds(body, "<h1>Đăng nhập bằng tài khoản định danh điện tử <span lang=\"en\">/ Sign "
	                  "in with your e-ID</span></h1><p><strong>");
	dc__html_escape(body, cl->name);
	dc_buf_adds(body, "</strong> yêu cầu truy cập các thông tin sau <span lang=\"en\">(asks "
	                  "for the following information)</span>:</p><ul>");
	for (size_t i = 0; i < DC_ARRAY_LEN(scope_text); i++)
		if (has_scope(a->scope, scope_text[i].scope))
			dc_buf_addf(body, "<li>%s <span lang=\"en\">/ %s</span></li>",
			            scope_text[i].vi, scope_text[i].en);
	dc_buf_adds(body, "</ul>");
	if (vi_err) {
		dc_buf_adds(body, "<p class=\"err\" role=\"alert\">");
		dc__html_escape(body, vi_err);
		dc_buf_adds(body, " <span lang=\"en\">");
		dc__html_escape(body, en_err);
		dc_buf_adds(body, "</span></p>");
	}
	dc_buf_adds(body, "<form method=\"post\" action=\"/oidc/authorize\">");
	for (size_t i = 0; i < DC_ARRAY_LEN(authz_names); i++)
		hidden(body, authz_names[i], authz_field((struct authz *)a, i));
	dc_buf_adds(body,
	            "<label for=\"pin\">Số định danh cá nhân <span lang=\"en\">/ Personal ID "
	            "number</span></label><input type=\"text\" id=\"pin\" name=\"pin\" "
	            "inputmode=\"numeric\" autocomplete=\"username\" pattern=\"[0-9]{12}\" "
	            "required><label for=\"password\">Mật khẩu <span lang=\"en\">/ "
	            "Password</span></label><input type=\"password\" id=\"password\" "
	            "name=\"password\" autocomplete=\"current-password\" required>"
	            "<label for=\"totp\">Mã xác thực, nếu đã bật <span lang=\"en\">/ One-time "
	            "code, if enabled</span></label><input type=\"text\" id=\"totp\" "
	            "name=\"totp\" inputmode=\"numeric\" autocomplete=\"one-time-code\" "
	            "pattern=\"[0-9]{6}\">"
	            "<button type=\"submit\" name=\"decision\" value=\"allow\">Đồng ý và đăng nhập "
	            "<span lang=\"en\">/ Allow and sign in</span></button>"
	            "<button type=\"submit\" name=\"decision\" value=\"deny\" formnovalidate>Từ "
	            "chối <span lang=\"en\">/ Deny</span></button></form></main></body></html>\n");
	c->status = status;
	c->content_type = "text/html; charset=utf-8";
	h2o_add_header_by_str(&c->req->pool, &c->req->res.headers, H2O_STRLIT("x-frame-options"), 0,
	                      NULL, H2O_STRLIT("DENY"));
	h2o_add_header_by_str(&c->req->pool, &c->req->res.headers,
	                      H2O_STRLIT("content-security-policy"), 0, NULL,
	                      H2O_STRLIT("default-src 'none'; style-src 'unsafe-inline'; "
	                                 "frame-ancestors 'none'"));
	return dc_buf_error(body);
}

static int authz_get(struct dc__call *c, struct dc_buf *body)
{
	struct authz a;
	struct dc__oidc_client cl;
	h2o_req_t *r = c->req;
	int rc = DC_OK;
	const char *q = r->query_at == SIZE_MAX ? "" : r->path.base + r->query_at + 1;
	size_t qn = r->query_at == SIZE_MAX ? 0 : r->path.len - r->query_at - 1;
	if (authz_read(q, qn, &a))
		return error_page(c, body, 400, "Yêu cầu không hợp lệ.",
		                  "Malformed or repeated parameters.");
	if (authz_check(c, body, &a, &cl, &rc))
		return rc;
	return login_page(c, body, &a, &cl, 200, NULL, NULL);
}

static int store_code(struct dc__call *c, const struct authz *a, const char *pin, const char *scope,
                      const char *acr, char code[44])
{
	char h[65];
	struct dc_stmt *st = NULL;
	random_token(code);
	dc__oidc_sha256_hex(code, h);
	int64_t t = dc_now_ms();
	int rc = dc_db_prepare(dc_store_db(c->store),
	                       "INSERT INTO oidc_code (code_hash, client_id, pin, redirect_uri, "
	                       "scope, nonce, challenge, acr, auth_time, expires_ms) VALUES ($1, "
	                       "$2, $3, $4, $5, $6, $7, $8, $9, $10)",
	                       &st);
	if (rc == DC_OK) {
		const char *v[] = {h,     a->client_id, pin,          a->redirect_uri,
		                   scope, a->nonce,     a->challenge, acr};
		for (int i = 0; i < 8; i++)
			dc_stmt_bind_str(st, i + 1, v[i]);
		dc_stmt_bind_int64(st, 9, t / 1000);
		dc_stmt_bind_int64(st, 10, t + DC__OIDC_CODE_TTL_MS);
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	return rc;
}

/* A sign-in between its halves: the hash read on the loop, the argon2id
 * check on a hash thread, the rest (authz_finish) back on the loop. */
struct signin {
	struct authz a;
	struct dc__oidc_client cl;
	char pin[P], pw[P], ip[64], hash[DC_PWHASH_LEN];
	int64_t t;
	int ok;
};

static void signin_free(void *arg)
{
	struct signin *g = arg;
	sodium_memzero(g->pw, sizeof g->pw);
	free(g);
}

static int signin_check(struct dc_store *s, void *arg)
{
	struct signin *g = arg;
	g->ok = dc_password_check(g->hash, g->pw);
	sodium_memzero(g->pw, sizeof g->pw);
	return DC_OK;
}

static int authz_finish(struct dc__call *c, struct dc_buf *body, struct signin *g, int rc);

static int signin_done(struct dc__call *c, struct dc_buf *body, int rc, void *arg)
{
	struct signin *g = arg;
	if (rc == DC_OK)
		rc = dc_eid_login_checked(c->store, g->pin, g->ok ? g->hash : NULL, g->t, NULL);
	return authz_finish(c, body, g, rc);
}

static int authz_post_begin(struct dc__call *c, struct dc_buf *body, struct signin *g, int *handed);

static int authz_post(struct dc__call *c, struct dc_buf *body)
{
	struct signin *g = calloc(1, sizeof *g);
	int handed = 0;
	if (!g)
		return dc__fail(c, DC_ERR_NOMEM, 0, "out of memory");
	int rc = authz_post_begin(c, body, g, &handed);
	if (!handed)
		signin_free(g);
	return rc;
}

/* *handed = 1 once g belongs to the hash threads (or was freed by them). */
static int authz_post_begin(struct dc__call *c, struct dc_buf *body, struct signin *g, int *handed)
{
	struct authz a;
	struct dc__oidc_client cl;
	char pin[P], pw[P], decision[P], ip[64] = "";
	int rc = DC_OK;
	h2o_iovec_t e = c->req->entity;
	if (!e.base || authz_read(e.base, e.len, &a) ||
	    dc__form_get(e.base, e.len, "pin", pin, sizeof pin) < 0 ||
	    dc__form_get(e.base, e.len, "password", pw, sizeof pw) < 0 ||
	    dc__form_get(e.base, e.len, "decision", decision, sizeof decision) < 0)
		return error_page(c, body, 400, "Yêu cầu không hợp lệ.",
		                  "Malformed or repeated parameters.");
	if (authz_check(c, body, &a, &cl, &rc))
		return rc;
	if (strcmp(decision, "allow"))
		return redirect_error(c, body, &a, "access_denied");
	struct sockaddr_storage ss;
	socklen_t sl = c->req->conn->callbacks->get_peername(c->req->conn, (void *)&ss);
	if (sl)
		h2o_socket_getnumerichost((void *)&ss, sl, ip);
	int64_t t = dc_now_ms();
	/* Per-IP limit: many failed logins from one address (guessing across
	 * accounts, which the per-account lockout does not see) → 429. */
	int64_t fails = 0;
	struct dc_stmt *cs = NULL;
	rc = dc_db_prepare(dc_store_db(c->store),
	                   "SELECT count(*) FROM eid_login WHERE ip = $1 AND ok = 0 AND at_ms > $2",
	                   &cs);
	if (rc == DC_OK) {
		dc_stmt_bind_str(cs, 1, ip);
		dc_stmt_bind_int64(cs, 2, t - IP_WINDOW_MS);
		rc = dc_stmt_step(cs);
		fails = rc == DC_ROW ? dc_stmt_int64(cs, 0) : 0;
		rc = rc == DC_ROW ? DC_OK : rc;
	}
	dc_stmt_finalize(cs);
	if (rc)
		return dc__fail(c, rc, 0, "the login could not be checked");
	if (ip[0] && fails >= IP_MAX_FAILED) {
		sodium_memzero(pw, sizeof pw);
		h2o_add_header(&c->req->pool, &c->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
		               H2O_STRLIT("900"));
		return login_page(
		        c, body, &a, &cl, 429,
		        "Quá nhiều lần đăng nhập sai từ địa chỉ này; thử lại sau 15 phút.",
		        "Too many failed sign-ins from this address; try again in 15 "
		        "minutes.");
	}
	snprintf(g->pin, sizeof g->pin, "%s", pin);
	memcpy(g->pw, pw, sizeof pw);
	sodium_memzero(pw, sizeof pw);
	g->a = a;
	g->cl = cl;
	snprintf(g->ip, sizeof g->ip, "%s", ip);
	g->t = t;
	rc = dc_eid_password_hash(c->store, pin, t, g->hash);
	if (rc && rc != DC_ERR_AUTH) /* not usable now: no hash spent */
		return authz_finish(c, body, g, rc);
	*handed = 1;
	rc = dc__offload(c, signin_check, signin_done, g, signin_free);
	if (rc == DC_ERR_BUSY)
		return login_page(c, body, &a, &cl, 429,
		                  "Hệ thống đang bận; vui lòng thử lại sau giây lát.",
		                  "The service is busy; try again in a moment.");
	return rc;
}

/* The rest of a sign-in once the password was checked: rc is the login's
 * result (DC_OK, DC_ERR_AUTH, DC_ERR_LOCKED or a storage error). */
static int authz_finish(struct dc__call *c, struct dc_buf *body, struct signin *g, int rc)
{
	struct authz a = g->a;
	struct dc__oidc_client cl = g->cl;
	struct dc_eid_account acct;
	const char *pin = g->pin, *ip = g->ip;
	int64_t t = g->t;
	char scope[P], code[44], iss[300];
	h2o_iovec_t e = c->req->entity;
	if (rc == DC_OK)
		rc = dc_eid_get(c->store, pin, &acct);
	if (rc == DC_ERR_AUTH || rc == DC_ERR_LOCKED) {
		struct dc_pin p;
		if (dc_pin_parse(pin, strlen(pin), &p) == DC_OK)
			dc_eid_login_record(c->store, pin, cl.id, 0, 0, ip, t);
		return rc == DC_ERR_AUTH
		               ? login_page(c, body, &a, &cl, 401,
		                            "Số định danh hoặc mật khẩu không đúng.",
		                            "Wrong ID number or password.")
		               : login_page(c, body, &a, &cl, 423,
		                            "Tài khoản đang bị khóa hoặc chưa kích hoạt.",
		                            "The account is locked, closed or not activated.");
	}
	if (rc)
		return dc__fail(c, rc, 0, "the login could not be checked");
	/* The register decides: a citizen recorded dead or missing (by an
	 * import, say, not the death route) does not sign in. */
	{
		struct dc_pin p;
		struct dc_citizen x;
		struct dc_pool pool;
		dc_pool_init(&pool, 0);
		int alive = dc_pin_parse(pin, strlen(pin), &p) == DC_OK &&
		            dc_store_citizen_get(c->store, &p, &x, &pool) == DC_OK &&
		            x.status == DC_STATUS_ALIVE;
		dc_pool_release(&pool);
		if (!alive)
			return login_page(c, body, &a, &cl, 423,
			                  "Tài khoản đang bị khóa hoặc chưa kích hoạt.",
			                  "The account is locked, closed or not activated.");
	}
	/* Second factor, when the citizen enrolled one. */
	char totp[16] = "";
	if (dc__form_get(e.base, e.len, "totp", totp, sizeof totp) < 0)
		totp[0] = '\0';
	rc = dc_eid_totp_check(c->store, pin, c->key, totp, t);
	if (rc != DC_OK && rc != 1) {
		dc_eid_login_record(c->store, pin, cl.id, 0, 0, ip, t);
		return login_page(c, body, &a, &cl, 401, "Mã xác thực (TOTP) không đúng.",
		                  "Wrong or reused one-time code (TOTP).");
	}
	clean_scope(a.scope, scope, sizeof scope);
	rc = dc_store_begin(c->store);
	if (rc == DC_OK)
		rc = dc_eid_login_record(c->store, pin, cl.id, acct.level, 1, ip, t);
	if (rc == DC_OK) {
		struct dc_stmt *st = NULL;
		rc = dc_db_prepare(
		        dc_store_db(c->store),
		        "INSERT INTO oidc_consent (pin, client_id, scope, at_ms) VALUES ($1, "
		        "$2, $3, $4) ON CONFLICT (pin, client_id) DO UPDATE SET scope = "
		        "excluded.scope, at_ms = excluded.at_ms",
		        &st);
		if (rc == DC_OK) {
			dc_stmt_bind_str(st, 1, pin);
			dc_stmt_bind_str(st, 2, cl.id);
			dc_stmt_bind_str(st, 3, scope);
			dc_stmt_bind_int64(st, 4, t);
			rc = dc_stmt_step(st);
			rc = rc == DC_DONE ? DC_OK : rc;
		}
		dc_stmt_finalize(st);
	}
	struct dc_audit_entry au = {"citizen",         cl.id, "oidc.consent", pin,
	                            "citizen_request", scope, c->request_id};
	if (rc == DC_OK)
		rc = dc_audit_append(c->store, &au, NULL);
	if (rc == DC_OK)
		rc = store_code(c, &a, pin, scope, dc_eid_acr(acct.level), code);
	if (rc == DC_OK)
		rc = dc_store_commit(c->store);
	else
		dc_store_rollback(c->store);
	if (rc)
		return dc__fail(c, rc, 0, "the sign-in could not be recorded");
	struct dc_buf loc = DC_BUF_INIT;
	issuer(c, iss, sizeof iss);
	dc_buf_adds(&loc, a.redirect_uri);
	dc_buf_adds(&loc, strchr(a.redirect_uri, '?') ? "&code=" : "?code=");
	dc_buf_adds(&loc, code);
	if (a.state[0]) {
		dc_buf_adds(&loc, "&state=");
		dc__form_escape(&loc, a.state);
	}
	dc_buf_adds(&loc, "&iss=");
	dc__form_escape(&loc, iss);
	rc = dc_buf_error(&loc);
	if (rc == DC_OK)
		header(c, H2O_TOKEN_LOCATION, dc_buf_str(&loc));
	dc_buf_release(&loc);
	c->status = 303;
	c->content_type = "text/plain; charset=utf-8";
	return rc;
}

static int r_authorize(struct dc__call *c, struct dc_buf *body)
{
	h2o_req_t *r = c->req;
	if (h2o_memis(r->method.base, r->method.len, H2O_STRLIT("GET")))
		return authz_get(c, body);
	if (h2o_memis(r->method.base, r->method.len, H2O_STRLIT("POST")))
		return authz_post(c, body);
	return dc__not_allowed(c, "GET, POST");
}

/* --- token endpoint ------------------------------------------------------ */

/* Authenticates the client: Basic (confidential) or client_id in the body
 * (public). */
static int client_auth(struct dc__call *c, const char *form, size_t fn, struct dc__oidc_client *cl)
{
	char id[P] = "", body_id[P] = "";
	ssize_t i = h2o_find_header(&c->req->headers, H2O_TOKEN_AUTHORIZATION, -1);
	if (dc__form_get(form, fn, "client_id", body_id, sizeof body_id) < 0)
		return DC_ERR_AUTH;
	if (i >= 0) {
		h2o_iovec_t v = c->req->headers.entries[i].value;
		unsigned char dec[2 * P];
		size_t dl = 0;
		char raw[2 * P + 1], secret[P];
		if (v.len < 7 || strncasecmp(v.base, "Basic ", 6) ||
		    sodium_base642bin(dec, sizeof dec - 1, v.base + 6, v.len - 6, NULL, &dl, NULL,
		                      sodium_base64_VARIANT_ORIGINAL))
			return DC_ERR_AUTH;
		memcpy(raw, dec, dl);
		raw[dl] = '\0';
		char *colon = strchr(raw, ':');
		if (!colon)
			return DC_ERR_AUTH;
		*colon = '\0';
		/* RFC 6749 2.3.1: both parts are form-encoded. */
		char tmp[2 * P + 16];
		snprintf(tmp, sizeof tmp, "i=%s&s=%s", raw, colon + 1);
		if (dc__form_get(tmp, strlen(tmp), "i", id, sizeof id) != 1 ||
		    dc__form_get(tmp, strlen(tmp), "s", secret, sizeof secret) != 1)
			return DC_ERR_AUTH;
		if (body_id[0] && strcmp(body_id, id))
			return DC_ERR_AUTH;
		int rc = dc__oidc_client_check_secret(c->store, id, secret);
		sodium_memzero(secret, sizeof secret);
		if (rc)
			return rc;
		return dc__oidc_client_get(c->store, id, cl);
	}
	if (dc__oidc_client_get(c->store, body_id, cl) || cl->disabled || !cl->public_client)
		return DC_ERR_AUTH;
	return DC_OK;
}

struct grant {
	char pin[13], scope[P], nonce[P], acr[64], family[65];
	int64_t auth_time;
};

static int insert_token(struct dc__call *c, const char *kind, const struct grant *g,
                        const char *client_id, int64_t ttl_s, char tok[44])
{
	char h[65];
	struct dc_stmt *st = NULL;
	random_token(tok);
	dc__oidc_sha256_hex(tok, h);
	int rc = dc_db_prepare(dc_store_db(c->store),
	                       "INSERT INTO oidc_token (token_hash, kind, family, client_id, pin, "
	                       "scope, acr, auth_time, expires_ms) VALUES ($1, $2, $3, $4, $5, $6, "
	                       "$7, $8, $9)",
	                       &st);
	if (rc == DC_OK) {
		const char *v[] = {h, kind, g->family, client_id, g->pin, g->scope, g->acr};
		for (int i = 0; i < 7; i++)
			dc_stmt_bind_str(st, i + 1, v[i]);
		dc_stmt_bind_int64(st, 8, g->auth_time);
		dc_stmt_bind_int64(st, 9, dc_now_ms() + ttl_s * 1000);
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	return rc;
}

static int revoke_family(struct dc__call *c, const char *family)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(c->store),
	                       "UPDATE oidc_token SET revoked = 1 WHERE family = $1", &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, family);
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	return rc;
}

/* The account must still be usable (not locked, closed, or dead). */
static int account_usable(struct dc__call *c, const char *pin)
{
	struct dc_eid_account a;
	return dc_eid_get(c->store, pin, &a) == DC_OK && a.state == DC_EID_ACTIVE;
}

static int issue(struct dc__call *c, struct dc_buf *body, const struct dc__oidc_client *cl,
                 const struct grant *g)
{
	char at[44], rt[44], sub[44], iss[300];
	struct dc_buf claims = DC_BUF_INIT, idt = DC_BUF_INIT;
	int64_t now = dc_now_ms() / 1000;
	int rc = insert_token(c, "access", g, cl->id, DC__OIDC_ACCESS_TTL_S, at);
	if (rc == DC_OK)
		rc = insert_token(c, "refresh", g, cl->id, DC__OIDC_REFRESH_TTL_S, rt);
	struct dc_audit_entry au = {
	        cl->id,       cl->id, "oidc.token", g->pin, "citizen_request", "sub,acr,auth_time",
	        c->request_id};
	if (rc == DC_OK)
		rc = dc_audit_append(c->store, &au, NULL);
	if (rc)
		return rc;
	issuer(c, iss, sizeof iss);
	subject(c, cl, g->pin, sub);
	json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "iss", iss, "sub", sub, "aud",
	                      cl->id, "iat", (json_int_t)now, "exp",
	                      (json_int_t)(now + DC__OIDC_ID_TTL_S), "auth_time",
	                      (json_int_t)g->auth_time, "acr", g->acr);
	if (j && g->nonce[0])
		json_object_set_new(j, "nonce", json_string(g->nonce));
	char *cj = j ? json_dumps(j, JSON_COMPACT) : NULL;
	rc = cj ? dc__oidc_sign(dc__oidc_key_dir(), cj, &idt) : DC_ERR_NOMEM;
	free(cj);
	json_decref(j);
	if (rc == DC_OK)
		rc = dc_buf_addf(
		        body,
		        "{\"access_token\":\"%s\",\"token_type\":\"Bearer\",\"expires_in\":%d,"
		        "\"refresh_token\":\"%s\",\"scope\":\"%s\",\"id_token\":\"%s\"}",
		        at, DC__OIDC_ACCESS_TTL_S, rt, g->scope, dc_buf_str(&idt));
	dc_buf_release(&claims);
	dc_buf_release(&idt);
	return rc;
}

static int grant_code(struct dc__call *c, struct dc_buf *body, const struct dc__oidc_client *cl,
                      const char *f, size_t fn)
{
	char code[P], redirect[P], verifier[P], h[65], client_id[65], want_redirect[P],
	        challenge[64];
	struct grant g;
	struct dc_stmt *st = NULL;
	int64_t expires = 0, used = 0;
	memset(&g, 0, sizeof g);
	if (dc__form_get(f, fn, "code", code, sizeof code) != 1 ||
	    dc__form_get(f, fn, "redirect_uri", redirect, sizeof redirect) != 1 ||
	    dc__form_get(f, fn, "code_verifier", verifier, sizeof verifier) != 1)
		return oauth_error(c, body, 400, "invalid_request",
		                   "code, redirect_uri and code_verifier are required");
	dc__oidc_sha256_hex(code, h);
	int rc = dc_store_begin(c->store);
	if (rc)
		return rc;
	rc = dc_db_prepare(dc_store_db(c->store),
	                   "SELECT client_id, pin, redirect_uri, scope, coalesce(nonce, ''), "
	                   "challenge, acr, auth_time, expires_ms, used FROM oidc_code WHERE "
	                   "code_hash = $1",
	                   &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, h);
		rc = dc_stmt_step(st);
	}
	int found = rc == DC_ROW;
	if (found) {
		snprintf(client_id, sizeof client_id, "%s", dc_stmt_text(st, 0, NULL));
		snprintf(g.pin, sizeof g.pin, "%s", dc_stmt_text(st, 1, NULL));
		snprintf(want_redirect, sizeof want_redirect, "%s", dc_stmt_text(st, 2, NULL));
		snprintf(g.scope, sizeof g.scope, "%s", dc_stmt_text(st, 3, NULL));
		snprintf(g.nonce, sizeof g.nonce, "%s", dc_stmt_text(st, 4, NULL));
		snprintf(challenge, sizeof challenge, "%s", dc_stmt_text(st, 5, NULL));
		snprintf(g.acr, sizeof g.acr, "%s", dc_stmt_text(st, 6, NULL));
		g.auth_time = dc_stmt_int64(st, 7);
		expires = dc_stmt_int64(st, 8);
		used = dc_stmt_int64(st, 9);
		rc = DC_OK;
	} else if (rc == DC_DONE) {
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	st = NULL;
	const char *err = NULL;
	/* The tokens of a code are one family, named by the code's hash: a
	 * replayed code revokes what the first use issued (RFC 6749 4.1.2). */
	snprintf(g.family, sizeof g.family, "%s", h);
	if (rc == DC_OK && found && !used) {
		rc = dc_db_prepare(
		        dc_store_db(c->store),
		        "UPDATE oidc_code SET used = 1 WHERE code_hash = $1 AND used = 0", &st);
		if (rc == DC_OK) {
			dc_stmt_bind_str(st, 1, h);
			rc = dc_stmt_step(st);
			if (rc == DC_DONE)
				used = dc_stmt_changes(st) == 0;
			rc = rc == DC_DONE ? DC_OK : rc;
		}
		dc_stmt_finalize(st);
	}
	if (rc == DC_OK) {
		if (!found)
			err = "unknown code";
		else if (used) {
			err = "the code was already used";
			rc = revoke_family(c, g.family);
		} else if (strcmp(client_id, cl->id))
			err = "the code was issued to another client";
		else if (expires < dc_now_ms())
			err = "the code expired";
		else if (strcmp(redirect, want_redirect))
			err = "redirect_uri differs from the authorization request";
		else {
			unsigned char d[crypto_hash_sha256_BYTES];
			struct dc_buf v = DC_BUF_INIT;
			crypto_hash_sha256(d, (const unsigned char *)verifier, strlen(verifier));
			dc__b64url(&v, d, sizeof d);
			size_t vl = strlen(verifier);
			if (vl < 43 || vl > 128 || v.len != strlen(challenge) ||
			    sodium_memcmp(dc_buf_str(&v), challenge, v.len))
				err = "PKCE verification failed";
			dc_buf_release(&v);
		}
		if (!err && !account_usable(c, g.pin))
			err = "the account is locked or closed";
	}
	if (rc == DC_OK && !err)
		rc = issue(c, body, cl, &g);
	/* An error still commits: the code is spent, a replay revoked. */
	if (rc == DC_OK)
		rc = dc_store_commit(c->store);
	else
		dc_store_rollback(c->store);
	if (rc)
		return dc__fail(c, rc, 0, "the token could not be issued");
	return err ? oauth_error(c, body, 400, "invalid_grant", err) : DC_OK;
}

static int grant_refresh(struct dc__call *c, struct dc_buf *body, const struct dc__oidc_client *cl,
                         const char *f, size_t fn)
{
	char rt[P], h[65], client_id[65];
	struct grant g;
	struct dc_stmt *st = NULL;
	int64_t expires = 0, used = 0, revoked = 0;
	memset(&g, 0, sizeof g);
	if (dc__form_get(f, fn, "refresh_token", rt, sizeof rt) != 1)
		return oauth_error(c, body, 400, "invalid_request", "refresh_token is required");
	dc__oidc_sha256_hex(rt, h);
	int rc = dc_store_begin(c->store);
	if (rc)
		return rc;
	rc = dc_db_prepare(
	        dc_store_db(c->store),
	        "SELECT client_id, pin, scope, acr, auth_time, family, expires_ms, used, "
	        "revoked FROM oidc_token WHERE token_hash = $1 AND kind = 'refresh'",
	        &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, h);
		rc = dc_stmt_step(st);
	}
	int found = rc == DC_ROW;
	if (found) {
		snprintf(client_id, sizeof client_id, "%s", dc_stmt_text(st, 0, NULL));
		snprintf(g.pin, sizeof g.pin, "%s", dc_stmt_text(st, 1, NULL));
		snprintf(g.scope, sizeof g.scope, "%s", dc_stmt_text(st, 2, NULL));
		snprintf(g.acr, sizeof g.acr, "%s", dc_stmt_text(st, 3, NULL));
		g.auth_time = dc_stmt_int64(st, 4);
		snprintf(g.family, sizeof g.family, "%s", dc_stmt_text(st, 5, NULL));
		expires = dc_stmt_int64(st, 6);
		used = dc_stmt_int64(st, 7);
		revoked = dc_stmt_int64(st, 8);
		rc = DC_OK;
	} else if (rc == DC_DONE) {
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	st = NULL;
	const char *err = NULL;
	if (rc == DC_OK) {
		if (!found || strcmp(client_id, cl->id))
			err = "unknown refresh token";
		else if (used || revoked) {
			/* Reuse of a rotated token: someone holds a copy. End the
			 * whole family (RFC 9700 4.14.2). */
			err = "refresh token reuse: the session is revoked";
			rc = revoke_family(c, g.family);
		} else if (expires < dc_now_ms())
			err = "the refresh token expired";
		else if (!account_usable(c, g.pin))
			err = "the account is locked or closed";
	}
	if (rc == DC_OK && !err) {
		rc = dc_db_prepare(
		        dc_store_db(c->store),
		        "UPDATE oidc_token SET used = 1 WHERE token_hash = $1 AND used = 0", &st);
		if (rc == DC_OK) {
			dc_stmt_bind_str(st, 1, h);
			rc = dc_stmt_step(st);
			if (rc == DC_DONE && dc_stmt_changes(st) == 0)
				err = "refresh token reuse";
			rc = rc == DC_DONE ? DC_OK : rc;
		}
		dc_stmt_finalize(st);
	}
	if (rc == DC_OK && !err)
		rc = issue(c, body, cl, &g);
	if (rc == DC_OK)
		rc = dc_store_commit(c->store);
	else
		dc_store_rollback(c->store);
	if (rc)
		return dc__fail(c, rc, 0, "the token could not be issued");
	return err ? oauth_error(c, body, 400, "invalid_grant", err) : DC_OK;
}

static int r_token(struct dc__call *c, struct dc_buf *body)
{
	struct dc__oidc_client cl;
	char gt[64];
	h2o_iovec_t e = c->req->entity;
	const char *f = e.base ? e.base : "";
	size_t fn = e.base ? e.len : 0;
	if (dc__form_get(f, fn, "grant_type", gt, sizeof gt) != 1)
		return oauth_error(c, body, 400, "invalid_request", "grant_type is required");
	if (client_auth(c, f, fn, &cl) || cl.disabled)
		return oauth_error(c, body, 401, "invalid_client", "client authentication failed");
	if (!strcmp(gt, "authorization_code"))
		return grant_code(c, body, &cl, f, fn);
	if (!strcmp(gt, "refresh_token"))
		return grant_refresh(c, body, &cl, f, fn);
	return oauth_error(c, body, 400, "unsupported_grant_type", "unsupported grant_type");
}

/* --- userinfo ------------------------------------------------------------ */

int dc__oidc_bearer(struct dc__call *c, char client_id[65], char pin[13], char scope[P],
                    char acr[64], struct dc__oidc_client *cl)
{
	char h[65], tok[P];
	struct dc_stmt *st = NULL;
	ssize_t i = h2o_find_header(&c->req->headers, H2O_TOKEN_AUTHORIZATION, -1);
	if (i < 0 || c->req->headers.entries[i].value.len < 8 ||
	    strncasecmp(c->req->headers.entries[i].value.base, "Bearer ", 7) ||
	    c->req->headers.entries[i].value.len - 7 >= P) {
		header(c, H2O_TOKEN_WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
		return dc__fail(c, DC_ERR_AUTH, 401, "a Bearer access token is required");
	}
	h2o_iovec_t v = c->req->headers.entries[i].value;
	snprintf(tok, sizeof tok, "%.*s", (int)v.len - 7, v.base + 7);
	dc__oidc_sha256_hex(tok, h);
	int found = 0;
	int rc = dc_db_prepare(dc_store_db(c->store),
	                       "SELECT client_id, pin, scope, acr FROM oidc_token WHERE token_hash "
	                       "= $1 AND kind = 'access' AND revoked = 0 AND expires_ms > $2",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, h);
		dc_stmt_bind_int64(st, 2, dc_now_ms());
		rc = dc_stmt_step(st);
		if (rc == DC_ROW) {
			found = 1;
			snprintf(client_id, 65, "%s", dc_stmt_text(st, 0, NULL));
			snprintf(pin, 13, "%s", dc_stmt_text(st, 1, NULL));
			snprintf(scope, P, "%s", dc_stmt_text(st, 2, NULL));
			snprintf(acr, 64, "%s", dc_stmt_text(st, 3, NULL));
		}
		rc = rc == DC_ROW || rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	if (rc)
		return dc__fail(c, rc, 0, "the token could not be checked");
	if (!found || dc__oidc_client_get(c->store, client_id, cl) || cl->disabled ||
	    !account_usable(c, pin)) {
		header(c, H2O_TOKEN_WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
		return dc__fail(c, DC_ERR_AUTH, 401,
		                "the access token is invalid, expired or revoked");
	}
	return DC_OK;
}

static int r_userinfo(struct dc__call *c, struct dc_buf *body)
{
	char client_id[65], scope[P], acr[64], pin[13], sub[44];
	struct dc__oidc_client cl;
	struct dc_citizen x;
	struct dc_pool pool;
	int rc = dc__oidc_bearer(c, client_id, pin, scope, acr, &cl);
	if (rc)
		return rc;
	struct dc_pin p;
	dc_pin_parse(pin, 12, &p);
	dc_pool_init(&pool, 0);
	rc = dc_store_citizen_get(c->store, &p, &x, &pool);
	if (rc == DC_OK && x.status != DC_STATUS_ALIVE)
		rc = DC_ERR_REVOKED;
	/* Audit the release first: nothing leaves unrecorded. */
	char fields[P];
	snprintf(fields, sizeof fields, "%s", scope);
	struct dc_audit_entry au = {cl.id,  cl.id,        "oidc.userinfo", pin, "citizen_request",
	                            fields, c->request_id};
	if (rc == DC_OK)
		rc = dc_audit_append(c->store, &au, NULL);
	if (rc) {
		dc_pool_release(&pool);
		if (rc == DC_ERR_REVOKED)
			return dc__fail(c, DC_ERR_AUTH, 401, "the citizen's account is closed");
		return dc__fail(c, rc, 0, "the claims could not be read");
	}
	subject(c, &cl, pin, sub);
	json_t *j = json_pack("{s:s, s:s}", "sub", sub, "acr", acr);
	if (has_scope(scope, "profile")) {
		json_object_set_new(j, "name", json_string(x.birth_name ? x.birth_name : ""));
		json_object_set_new(j, "gender",
		                    json_string(x.sex == DC_SEX_FEMALE ? "female"
		                                : x.sex == DC_SEX_MALE ? "male"
		                                                       : "unknown"));
	}
	if (has_scope(scope, "birthdate")) {
		char d[DC_DATE_ISO_MAX];
		dc_date_iso(&x.dob, d);
		json_object_set_new(j, "birthdate", json_string(d));
	}
	if (has_scope(scope, "address")) {
		const struct dc_commune *cm =
		        x.perm_commune
		                ? dc_units_commune(c->units, x.perm_commune, strlen(x.perm_commune))
		                : NULL;
		char formatted[700];
		snprintf(formatted, sizeof formatted, "%s%s%s",
		         x.perm_address ? x.perm_address : "", x.perm_address && cm ? ", " : "",
		         cm ? cm->name : "");
		json_object_set_new(
		        j, "address",
		        json_pack("{s:s, s:s}", "formatted", formatted, "country", "VN"));
	}
	if (has_scope(scope, "pin"))
		json_object_set_new(j, "personal_id_number", json_string(pin));
	char *s = json_dumps(j, JSON_COMPACT);
	rc = s ? dc_buf_adds(body, s) : DC_ERR_NOMEM;
	free(s);
	json_decref(j);
	dc_pool_release(&pool);
	return rc;
}

/* --- logout -------------------------------------------------------------- */

/* RP-initiated logout: no single-sign-on session cookie is kept by this
 * provider, so logging out is a confirmation page, or a redirect to a
 * post_logout_redirect_uri registered for client_id (exact match). */
static int r_logout(struct dc__call *c, struct dc_buf *body)
{
	h2o_req_t *r = c->req;
	char client_id[P] = "", uri[P] = "", state[P] = "";
	const char *q = r->query_at == SIZE_MAX ? "" : r->path.base + r->query_at + 1;
	size_t qn = r->query_at == SIZE_MAX ? 0 : r->path.len - r->query_at - 1;
	if (dc__form_get(q, qn, "client_id", client_id, sizeof client_id) < 0 ||
	    dc__form_get(q, qn, "post_logout_redirect_uri", uri, sizeof uri) < 0 ||
	    dc__form_get(q, qn, "state", state, sizeof state) < 0)
		return error_page(c, body, 400, "Yêu cầu không hợp lệ.", "Malformed parameters.");
	struct dc__oidc_client cl;
	if (uri[0] && dc__oidc_client_get(c->store, client_id, &cl) == DC_OK &&
	    dc__oidc_redirect_ok(&cl, uri)) {
		struct dc_buf loc = DC_BUF_INIT;
		dc_buf_adds(&loc, uri);
		if (state[0]) {
			dc_buf_adds(&loc, strchr(uri, '?') ? "&state=" : "?state=");
			dc__form_escape(&loc, state);
		}
		if (dc_buf_error(&loc) == DC_OK)
			header(c, H2O_TOKEN_LOCATION, dc_buf_str(&loc));
		dc_buf_release(&loc);
		c->status = 303;
		c->content_type = "text/plain; charset=utf-8";
		return DC_OK;
	}
	page_start(body, "Đã đăng xuất / Signed out");
	dc_buf_adds(body, "<h1>Bạn đã đăng xuất <span lang=\"en\">/ You are signed "
	                  "out</span></h1></main></body></html>\n");
	c->content_type = "text/html; charset=utf-8";
	return dc_buf_error(body);
}

/* --- the citizen's own view: consents and login history ------------------ */

/* GET /oidc/me/consents, DELETE /oidc/me/consents/{client_id},
 * GET /oidc/me/logins — with an access token of the citizen. */
static int r_me(struct dc__call *c, struct dc_buf *body)
{
	char client_id[65], scope[P], acr[64], pin[13];
	struct dc__oidc_client cl;
	struct dc_stmt *st = NULL;
	h2o_req_t *r = c->req;
	int rc = dc__oidc_bearer(c, client_id, pin, scope, acr, &cl);
	if (rc)
		return rc;
	int get = h2o_memis(r->method.base, r->method.len, H2O_STRLIT("GET"));
	int del = h2o_memis(r->method.base, r->method.len, H2O_STRLIT("DELETE"));
	if (h2o_memis(c->tail, c->tail_len, H2O_STRLIT("logins")) && get) {
		rc = dc_db_prepare(
		        dc_store_db(c->store),
		        "SELECT at_ms, coalesce(client_id, ''), coalesce(acr, ''), ok, "
		        "coalesce(ip, '') FROM eid_login WHERE pin = $1 ORDER BY id DESC "
		        "LIMIT 100",
		        &st);
		if (rc == DC_OK)
			dc_stmt_bind_str(st, 1, pin);
		json_t *a = json_array();
		while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
			json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:b, s:s}", "at_ms",
			                                   (json_int_t)dc_stmt_int64(st, 0),
			                                   "client_id", dc_stmt_text(st, 1, NULL),
			                                   "acr", dc_stmt_text(st, 2, NULL), "ok",
			                                   (int)dc_stmt_int64(st, 3), "ip",
			                                   dc_stmt_text(st, 4, NULL)));
			rc = DC_OK;
		}
		dc_stmt_finalize(st);
		char *sj = json_dumps(a, JSON_COMPACT);
		json_decref(a);
		if (rc != DC_DONE && rc != DC_OK) {
			free(sj);
			return dc__fail(c, rc, 0, "the login history could not be read");
		}
		dc_buf_addf(body, "{\"logins\":%s}", sj ? sj : "[]");
		free(sj);
		return dc_buf_error(body);
	}
	if (h2o_memis(c->tail, c->tail_len, H2O_STRLIT("consents")) && get) {
		rc = dc_db_prepare(
		        dc_store_db(c->store),
		        "SELECT client_id, scope, at_ms FROM oidc_consent WHERE pin = $1 "
		        "ORDER BY client_id",
		        &st);
		if (rc == DC_OK)
			dc_stmt_bind_str(st, 1, pin);
		json_t *a = json_array();
		while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
			json_array_append_new(a, json_pack("{s:s, s:s, s:I}", "client_id",
			                                   dc_stmt_text(st, 0, NULL), "scope",
			                                   dc_stmt_text(st, 1, NULL), "at_ms",
			                                   (json_int_t)dc_stmt_int64(st, 2)));
			rc = DC_OK;
		}
		dc_stmt_finalize(st);
		char *sj = json_dumps(a, JSON_COMPACT);
		json_decref(a);
		if (rc != DC_DONE && rc != DC_OK) {
			free(sj);
			return dc__fail(c, rc, 0, "the consents could not be read");
		}
		dc_buf_addf(body, "{\"consents\":%s}", sj ? sj : "[]");
		free(sj);
		return dc_buf_error(body);
	}
	if (c->tail_len > 9 && !memcmp(c->tail, "consents/", 9) && del) {
		char which[65];
		if (c->tail_len - 9 >= sizeof which)
			return dc__fail(c, DC_ERR_INVALID, 400, "bad client id");
		snprintf(which, sizeof which, "%.*s", (int)(c->tail_len - 9), c->tail + 9);
		int64_t gone = 0;
		rc = dc_store_begin(c->store);
		if (rc == DC_OK)
			rc = dc_db_prepare(
			        dc_store_db(c->store),
			        "DELETE FROM oidc_consent WHERE pin = $1 AND client_id = $2", &st);
		if (rc == DC_OK) {
			dc_stmt_bind_str(st, 1, pin);
			dc_stmt_bind_str(st, 2, which);
			rc = dc_stmt_step(st);
			gone = rc == DC_DONE ? dc_stmt_changes(st) : 0;
			rc = rc == DC_DONE ? DC_OK : rc;
		}
		dc_stmt_finalize(st);
		st = NULL;
		/* Withdrawing consent ends every token that client holds. */
		if (rc == DC_OK)
			rc = dc_db_prepare(dc_store_db(c->store),
			                   "UPDATE oidc_token SET revoked = 1 WHERE pin = $1 AND "
			                   "client_id = $2",
			                   &st);
		if (rc == DC_OK) {
			dc_stmt_bind_str(st, 1, pin);
			dc_stmt_bind_str(st, 2, which);
			rc = dc_stmt_step(st);
			rc = rc == DC_DONE ? DC_OK : rc;
		}
		dc_stmt_finalize(st);
		struct dc_audit_entry au = {"citizen",         which, "oidc.consent.revoke", pin,
		                            "citizen_request", NULL,  c->request_id};
		if (rc == DC_OK && gone)
			rc = dc_audit_append(c->store, &au, NULL);
		if (rc == DC_OK)
			rc = dc_store_commit(c->store);
		else
			dc_store_rollback(c->store);
		if (rc)
			return dc__fail(c, rc, 0, "the consent could not be withdrawn");
		if (!gone)
			return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no consent for this client");
		return dc_buf_adds(body, "{\"revoked\":true}");
	}
	return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such resource");
}

const struct dc__route dc__oidc_routes[] = {
        {"/.well-known/openid-configuration", 0, "GET", r_discovery},
        {"/oidc/jwks", 0, "GET", r_jwks},
        {"/oidc/authorize", 0, "*", r_authorize},
        {"/oidc/token", 0, "POST", r_token},
        {"/oidc/userinfo", 0, "*", r_userinfo},
        {"/oidc/logout", 0, "GET", r_logout},
        {"/oidc/me/", 1, "*", r_me},
};
const size_t dc__oidc_routes_n = DC_ARRAY_LEN(dc__oidc_routes);
