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
#include "http/signin.h"

#define P DC__OIDC_PARAM /* capacity of one parameter */

void dc__oidc_issuer(struct dc__call *c, char *out, size_t n)
{
	h2o_req_t *r = c->req;
	snprintf(out, n, "%s://%.*s", r->scheme == &H2O_URL_SCHEME_HTTPS ? "https" : "http",
	         (int)r->authority.len, r->authority.base);
}

void dc__oidc_header(struct dc__call *c, const h2o_token_t *t, const char *v)
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
		dc__oidc_header(c, H2O_TOKEN_WWW_AUTHENTICATE, "Basic realm=\"dancu-oidc\"");
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
	dc__oidc_issuer(c, iss, sizeof iss);
	return dc_buf_addf(
	        body,
	        "{\"issuer\":\"%s\",\"authorization_endpoint\":\"%s/oidc/authorize\","
	        "\"token_endpoint\":\"%s/oidc/token\",\"userinfo_endpoint\":\"%s/oidc/userinfo\","
	        "\"jwks_uri\":\"%s/oidc/jwks\",\"end_session_endpoint\":\"%s/oidc/logout\","
	        "\"response_types_supported\":[\"code\"],\"response_modes_supported\":[\"query\"],"
	        "\"grant_types_supported\":[\"authorization_code\",\"refresh_token\"],"
	        "\"subject_types_supported\":[\"public\",\"pairwise\"],"
	        "\"id_token_signing_alg_values_supported\":[\"ES256\"],"
	        "\"token_endpoint_auth_methods_supported\":[\"client_secret_basic\","
	        "\"private_key_jwt\",\"none\"],"
	        "\"token_endpoint_auth_signing_alg_values_supported\":[\"ES256\",\"ES384\","
	        "\"ES512\",\"RS256\",\"RS384\",\"RS512\",\"PS256\",\"PS384\",\"PS512\"],"
	        "\"revocation_endpoint\":\"%s/oidc/revoke\","
	        "\"revocation_endpoint_auth_methods_supported\":[\"client_secret_basic\","
	        "\"private_key_jwt\",\"none\"],"
	        "\"introspection_endpoint\":\"%s/oidc/introspect\","
	        "\"pushed_authorization_request_endpoint\":\"%s/oidc/par\","
	        "\"dpop_signing_alg_values_supported\":[\"ES256\",\"ES384\",\"ES512\","
	        "\"RS256\",\"RS384\",\"RS512\",\"PS256\",\"PS384\",\"PS512\"],"
	        "\"require_pushed_authorization_requests\":false,"
	        "\"introspection_endpoint_auth_methods_supported\":[\"client_secret_basic\","
	        "\"private_key_jwt\"],"
	        "\"code_challenge_methods_supported\":[\"S256\"],"
	        "\"scopes_supported\":[\"openid\",\"profile\",\"birthdate\",\"address\",\"pin\","
	        "\"records\"],"
	        "\"claims_supported\":[\"sub\",\"name\",\"gender\",\"birthdate\",\"address\","
	        "\"personal_id_number\",\"acr\",\"auth_time\",\"nonce\"],"
	        "\"acr_values_supported\":[\"%s\",\"%s\"],"
	        "\"authorization_response_iss_parameter_supported\":true,"
	        "\"ui_locales_supported\":[\"vi\",\"en\"]}",
	        iss, iss, iss, iss, iss, iss, iss, iss, iss, dc_eid_acr(1), dc_eid_acr(2));
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

/* The parameters of an authorization request; request_uri stays last (a
 * pushed request stores all but it). dpop_jkt (RFC 9449 10): the
 * thumbprint of the DPoP key the code is to be bound to. */
struct authz {
	char client_id[P], redirect_uri[P], response_type[P], scope[P], state[P], nonce[P],
	        challenge[P], method[P], dpop_jkt[P], request_uri[P];
};

static const char *const authz_names[] = {
        "client_id", "redirect_uri",   "response_type",         "scope",    "state",
        "nonce",     "code_challenge", "code_challenge_method", "dpop_jkt", "request_uri"};

static char *authz_field(struct authz *a, size_t i)
{
	char *f[] = {a->client_id, a->redirect_uri, a->response_type, a->scope,    a->state,
	             a->nonce,     a->challenge,    a->method,        a->dpop_jkt, a->request_uri};
	return f[i];
}

/* A JWK SHA-256 thumbprint (RFC 7638): 43 base64url characters. */
static int jkt_ok(const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return 0;
	return n == 43;
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
	dc__oidc_issuer(c, iss, sizeof iss);
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
		dc__oidc_header(c, H2O_TOKEN_LOCATION, dc_buf_str(&loc));
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
	if (cl->require_par && !a->request_uri[0]) {
		*rc = error_page(c, body, 400, "Ứng dụng phải gửi yêu cầu qua PAR.",
		                 "This application must push its request first (PAR, "
		                 "/oidc/par) and send only request_uri.");
		return 1;
	}
	const char *err = NULL;
	if (strcmp(a->response_type, "code"))
		err = "unsupported_response_type";
	else if (!has_scope(a->scope, "openid"))
		err = "invalid_scope";
	else if (strcmp(a->method, "S256") || strlen(a->challenge) != 43)
		err = "invalid_request"; /* PKCE S256 is required of every client */
	else if (a->dpop_jkt[0] && !jkt_ok(a->dpop_jkt))
		err = "invalid_request";
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
	dc__signin_fields(body);
	dc_buf_adds(body,
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

/* --- pushed authorization requests (RFC 9126) ------------------------------ */

#define PAR_PREFIX "urn:ietf:params:oauth:request_uri:"
#define PAR_TTL_MS (60 * 1000)
#define PAR_SIGNIN_MS (10 * 60 * 1000) /* a page shown may be posted this long */

/* Replaces a's parameters with the ones pushed under a->request_uri (which
 * must belong to a->client_id, be unused, and not be expired: at display
 * (post = 0) within its 60 s, at sign-in within the sign-in window). 0 on
 * success, 1 when not usable, or an error. */
static int par_load(struct dc__call *c, struct authz *a, int post)
{
	char h[65];
	struct dc_stmt *st = NULL;
	struct authz b;
	int found = 0;
	dc__oidc_sha256_hex(a->request_uri, h);
	int rc = dc_db_prepare(dc_store_db(c->store),
	                       "SELECT client_id, params, expires_ms, used FROM oidc_par WHERE "
	                       "uri_hash = $1",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, h);
		rc = dc_stmt_step(st);
	}
	if (rc == DC_ROW) {
		size_t n = 0;
		const char *params = dc_stmt_text(st, 1, &n);
		int64_t exp = dc_stmt_int64(st, 2) + (post ? PAR_SIGNIN_MS : 0);
		found = !strcmp(dc_stmt_text(st, 0, NULL), a->client_id) &&
		        dc_stmt_int64(st, 3) == 0 && exp > dc_now_ms() &&
		        authz_read(params, n, &b) == 0;
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	if (rc)
		return rc;
	if (!found)
		return 1;
	memcpy(b.request_uri, a->request_uri, sizeof b.request_uri);
	*a = b;
	return 0;
}

/* Marks the pushed request used (joins the caller's transaction);
 * DC_ERR_REPLAY when it already was. */
static int par_spend(struct dc__call *c, const char *request_uri)
{
	char h[65];
	struct dc_stmt *st = NULL;
	dc__oidc_sha256_hex(request_uri, h);
	int rc =
	        dc_db_prepare(dc_store_db(c->store),
	                      "UPDATE oidc_par SET used = 1 WHERE uri_hash = $1 AND used = 0", &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, h);
		rc = dc_stmt_step(st);
		if (rc == DC_DONE)
			rc = dc_stmt_changes(st) ? DC_OK : DC_ERR_REPLAY;
	}
	dc_stmt_finalize(st);
	return rc;
}

static int par_error_page(struct dc__call *c, struct dc_buf *body)
{
	return error_page(c, body, 400,
	                  "Yêu cầu (request_uri) không tồn tại, đã hết hạn hoặc đã dùng.",
	                  "The request_uri is unknown, expired or already used.");
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
	if (a.request_uri[0] && (rc = par_load(c, &a, 0)) != 0)
		return rc == 1 ? par_error_page(c, body)
		               : dc__fail(c, rc, 0, "cannot read the request");
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
	                       "scope, nonce, challenge, acr, auth_time, expires_ms, dpop_jkt) "
	                       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
	                       &st);
	if (rc == DC_OK) {
		const char *v[] = {h,     a->client_id, pin,          a->redirect_uri,
		                   scope, a->nonce,     a->challenge, acr};
		for (int i = 0; i < 8; i++)
			dc_stmt_bind_str(st, i + 1, v[i]);
		dc_stmt_bind_int64(st, 9, t / 1000);
		dc_stmt_bind_int64(st, 10, t + DC__OIDC_CODE_TTL_MS);
		dc_stmt_bind_str(st, 11, a->dpop_jkt[0] ? a->dpop_jkt : NULL);
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	return rc;
}

/* The page's state across the sign-in (signin.h): the authorization
 * request and its client. */
struct authz_signin {
	struct dc__signin s; /* first */
	struct authz a;
	struct dc__oidc_client cl;
};

static int authz_finish(struct dc__call *c, struct dc_buf *body, struct dc__signin *s, int rc);

static int authz_post(struct dc__call *c, struct dc_buf *body)
{
	struct authz a;
	struct dc__oidc_client cl;
	char decision[P];
	int rc = DC_OK;
	h2o_iovec_t e = c->req->entity;
	struct authz_signin *g = (struct authz_signin *)dc__signin_new(sizeof *g);
	if (!g)
		return dc__fail(c, DC_ERR_NOMEM, 0, "out of memory");
	if (!e.base || authz_read(e.base, e.len, &a) || dc__signin_read(c, &g->s) < 0 ||
	    dc__form_get(e.base, e.len, "decision", decision, sizeof decision) < 0) {
		rc = error_page(c, body, 400, "Yêu cầu không hợp lệ.",
		                "Malformed or repeated parameters.");
		goto cleanup;
	}
	if (a.request_uri[0] && (rc = par_load(c, &a, 1)) != 0) {
		rc = rc == 1 ? par_error_page(c, body)
		             : dc__fail(c, rc, 0, "cannot read the request");
		goto cleanup;
	}
	if (authz_check(c, body, &a, &cl, &rc))
		goto cleanup;
	if (strcmp(decision, "allow")) {
		if (a.request_uri[0])
			(void)par_spend(c, a.request_uri);
		rc = redirect_error(c, body, &a, "access_denied");
		goto cleanup;
	}
	g->a = a;
	g->cl = cl;
	snprintf(g->s.client, sizeof g->s.client, "%s", cl.id);
	g->s.finish = authz_finish;
	return dc__signin_start(c, body, &g->s); /* consumes g */
cleanup:
	sodium_memzero(g->s.pw, sizeof g->s.pw);
	free(g);
	return rc;
}

/* The rest of a sign-in once it is decided (signin.h). */
static int authz_finish(struct dc__call *c, struct dc_buf *body, struct dc__signin *s, int rc)
{
	struct authz_signin *g = (struct authz_signin *)s;
	struct authz a = g->a;
	struct dc__oidc_client cl = g->cl;
	const char *pin = s->pin, *vi, *en;
	int64_t t = s->t;
	char scope[P], code[44], iss[300];
	if (rc) {
		int status = dc__signin_text(s, rc, &vi, &en);
		return status ? login_page(c, body, &a, &cl, status, vi, en)
		              : dc__fail(c, rc, 0, "the login could not be checked");
	}
	clean_scope(a.scope, scope, sizeof scope);
	rc = dc_store_begin(c->store);
	if (rc == DC_OK && a.request_uri[0]) { /* a pushed request is good once */
		rc = par_spend(c, a.request_uri);
		if (rc == DC_ERR_REPLAY) {
			dc_store_rollback(c->store);
			return par_error_page(c, body);
		}
	}
	if (rc == DC_OK)
		rc = dc_eid_login_record(c->store, pin, cl.id, s->acct.level, 1, s->ip, t);
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
		rc = store_code(c, &a, pin, scope, dc_eid_acr(s->acct.level), code);
	if (rc == DC_OK)
		rc = dc_store_commit(c->store);
	else
		dc_store_rollback(c->store);
	if (rc)
		return dc__fail(c, rc, 0, "the sign-in could not be recorded");
	struct dc_buf loc = DC_BUF_INIT;
	dc__oidc_issuer(c, iss, sizeof iss);
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
		dc__oidc_header(c, H2O_TOKEN_LOCATION, dc_buf_str(&loc));
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

#define ASSERTION_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define ASSERTION_MAX 8192
#define ASSERTION_TTL_S 300 /* an assertion may live at most 5 minutes */

/* 1 when aud (a string or an array of strings) names this provider: the
 * issuer, the token endpoint, or the endpoint being called. */
static int aud_ok(struct dc__call *c, json_t *aud)
{
	char iss[300], tok[340], here[600];
	dc__oidc_issuer(c, iss, sizeof iss);
	snprintf(tok, sizeof tok, "%s/oidc/token", iss);
	snprintf(here, sizeof here, "%s%.*s", iss, (int)c->req->path_normalized.len,
	         c->req->path_normalized.base);
	size_t n = json_is_array(aud) ? json_array_size(aud) : 1;
	for (size_t i = 0; i < n; i++) {
		const char *a =
		        json_string_value(json_is_array(aud) ? json_array_get(aud, i) : aud);
		if (a && (!strcmp(a, iss) || !strcmp(a, tok) || !strcmp(a, here)))
			return 1;
	}
	return 0;
}

/* private_key_jwt (RFC 7523 2.2, OIDC Core 9): a JWT signed with a key the
 * client registered; iss = sub = client_id, aud = this provider, exp within
 * 5 minutes, jti used once. */
static int assertion_auth(struct dc__call *c, const char *form, size_t fn, const char *body_id,
                          struct dc__oidc_client *cl)
{
	char *jwt = h2o_mem_alloc_pool(&c->req->pool, ASSERTION_MAX);
	json_t *hdr = NULL, *claims = NULL;
	struct dc_buf keys = DC_BUF_INIT;
	if (dc__form_get(form, fn, "client_assertion", jwt, ASSERTION_MAX) != 1)
		return DC_ERR_AUTH;
	/* The client is named by the (not yet verified) payload's iss. */
	const char *dot = strchr(jwt, '.'), *dot2 = dot ? strchr(dot + 1, '.') : NULL;
	char id[65] = "";
	if (dot && dot2) {
		unsigned char raw[4096];
		size_t rl = 0;
		if (!sodium_base642bin(raw, sizeof raw - 1, dot + 1, (size_t)(dot2 - dot - 1), NULL,
		                       &rl, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING)) {
			json_error_t je;
			json_t *p = json_loadb((const char *)raw, rl, 0, &je);
			const char *v = json_string_value(json_object_get(p, "iss"));
			if (v && strlen(v) < sizeof id)
				snprintf(id, sizeof id, "%s", v);
			json_decref(p);
		}
	}
	if (!id[0] || (body_id[0] && strcmp(body_id, id)))
		return DC_ERR_AUTH;
	if (dc__oidc_client_get(c->store, id, cl) || cl->disabled ||
	    strcmp(cl->auth_method, "private_key_jwt") ||
	    dc__oidc_client_jwks(c->store, id, &keys) || dc_buf_error(&keys)) {
		dc_buf_release(&keys);
		return DC_ERR_AUTH;
	}
	int rc = dc__oidc_jws_verify(jwt, dc_buf_str(&keys), &hdr, &claims);
	dc_buf_release(&keys);
	if (rc)
		return DC_ERR_AUTH;
	int64_t now = dc_now_ms() / 1000;
	json_t *exp = json_object_get(claims, "exp");
	const char *iss = json_string_value(json_object_get(claims, "iss")),
	           *sub = json_string_value(json_object_get(claims, "sub")),
	           *jti = json_string_value(json_object_get(claims, "jti"));
	int ok = iss && sub && !strcmp(iss, id) && !strcmp(sub, id) && jti && *jti &&
	         strlen(jti) <= 256 && json_is_integer(exp) && json_integer_value(exp) > now &&
	         json_integer_value(exp) <= now + ASSERTION_TTL_S &&
	         aud_ok(c, json_object_get(claims, "aud"));
	json_t *nbf = json_object_get(claims, "nbf");
	if (ok && json_is_integer(nbf) && json_integer_value(nbf) > now + 30)
		ok = 0;
	if (ok) {
		char who[80];
		snprintf(who, sizeof who, "client:%s", id);
		rc = dc__oidc_jti_use(c->store, who, jti, json_integer_value(exp) * 1000,
		                      dc_now_ms());
		ok = rc == DC_OK;
	}
	json_decref(hdr);
	json_decref(claims);
	return ok ? DC_OK : DC_ERR_AUTH;
}

/* Authenticates the client: Basic (client_secret_basic), a signed
 * assertion (private_key_jwt), or client_id in the body (public). */
static int client_auth(struct dc__call *c, const char *form, size_t fn, struct dc__oidc_client *cl)
{
	char id[P] = "", body_id[P] = "", atype[128] = "";
	ssize_t i = h2o_find_header(&c->req->headers, H2O_TOKEN_AUTHORIZATION, -1);
	if (dc__form_get(form, fn, "client_id", body_id, sizeof body_id) < 0 ||
	    dc__form_get(form, fn, "client_assertion_type", atype, sizeof atype) < 0)
		return DC_ERR_AUTH;
	if (atype[0]) {
		if (strcmp(atype, ASSERTION_TYPE) || i >= 0)
			return DC_ERR_AUTH; /* one method per request */
		return assertion_auth(c, form, fn, body_id, cl);
	}
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
		int rc = dc__oidc_client_check_secret(c->store, id, secret, cl);
		sodium_memzero(secret, sizeof secret);
		return rc;
	}
	if (dc__oidc_client_get(c->store, body_id, cl) || cl->disabled || !cl->public_client)
		return DC_ERR_AUTH;
	return DC_OK;
}

struct grant {
	char pin[13], scope[P], nonce[P], acr[64], family[65];
	char jkt[64]; /* DPoP key thumbprint the tokens are bound to, or "" */
	int64_t auth_time;
};

/* --- DPoP (RFC 9449) ------------------------------------------------------ */

#define DPOP_MAX 4096
#define DPOP_IAT_SKEW_S 60

/* The JWK SHA-256 thumbprint (RFC 7638) of an EC or RSA public key. */
static int jwk_thumbprint(json_t *jwk, char out[64])
{
	const char *kty = json_string_value(json_object_get(jwk, "kty"));
	struct dc_buf t = DC_BUF_INIT;
	if (!kty)
		return DC_ERR_VERIFY;
	json_t *m;
	if (!strcmp(kty, "EC"))
		m = json_pack("{s:O?, s:s, s:O?, s:O?}", "crv", json_object_get(jwk, "crv"), "kty",
		              "EC", "x", json_object_get(jwk, "x"), "y", json_object_get(jwk, "y"));
	else if (!strcmp(kty, "RSA"))
		m = json_pack("{s:O?, s:s, s:O?}", "e", json_object_get(jwk, "e"), "kty", "RSA",
		              "n", json_object_get(jwk, "n"));
	else
		return DC_ERR_VERIFY;
	/* Members in lexicographic order, no whitespace. */
	char *canon = m ? json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(m);
	if (!canon)
		return DC_ERR_NOMEM;
	unsigned char d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(d, (const unsigned char *)canon, strlen(canon));
	free(canon);
	dc__b64url(&t, d, sizeof d);
	int rc = dc_buf_error(&t);
	if (rc == DC_OK)
		snprintf(out, 64, "%s", dc_buf_str(&t));
	dc_buf_release(&t);
	return rc;
}

/* Server-issued DPoP nonces (RFC 9449 8), required at the token and PAR
 * endpoints: stateless, an HMAC under the master key of the current
 * 5-minute window; the current and the previous window's are accepted, so
 * a nonce lives 5 to 10 minutes. back = 0 the current one, 1 the previous. */
#define DPOP_NONCE_S 300
static void dpop_nonce(struct dc__call *c, int back, char out[44])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char msg[48];
	long long w = (long long)(dc_now_ms() / 1000 / DPOP_NONCE_S) - back;
	snprintf(msg, sizeof msg, "dpop-nonce:%lld", w);
	crypto_auth_hmacsha256(mac, (const unsigned char *)msg, strlen(msg), c->key);
	sodium_bin2base64(out, 44, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* Adds the current DPoP-Nonce header. */
static void dpop_nonce_header(struct dc__call *c)
{
	char n[44];
	if (!c->key)
		return;
	dpop_nonce(c, 0, n);
	h2o_add_header_by_str(&c->req->pool, &c->req->res.headers, H2O_STRLIT("dpop-nonce"), 1,
	                      NULL, h2o_strdup(&c->req->pool, n, SIZE_MAX).base, strlen(n));
}

static int dpop_nonce_ok(struct dc__call *c, const char *nonce)
{
	char n[44];
	if (!c->key)
		return 1; /* an in-process caller without a master key */
	if (!nonce || strlen(nonce) != 43)
		return 0;
	for (int back = 0; back < 2; back++) {
		dpop_nonce(c, back, n);
		if (sodium_memcmp(n, nonce, 43) == 0)
			return 1;
	}
	return 0;
}

/* Checks the request's DPoP proof for method htm at URL htu (and, at a
 * resource, the access token's hash "ath"). 0: no proof sent; 1: a valid
 * proof, its key's thumbprint in jkt; -1: a proof that is not valid
 * (malformed, more than one, wrong type, key, signature, method, URL,
 * time, or a replayed jti); -2 (need_nonce): an otherwise valid proof
 * without this server's current nonce (answer use_dpop_nonce). */
static int dpop_check(struct dc__call *c, const char *htm, const char *htu, const char *token,
                      char jkt[64], int need_nonce)
{
	h2o_req_t *r = c->req;
	ssize_t i = h2o_find_header_by_str(&r->headers, H2O_STRLIT("dpop"), -1);
	if (i < 0)
		return 0;
	if (h2o_find_header_by_str(&r->headers, H2O_STRLIT("dpop"), i) >= 0)
		return -1;
	h2o_iovec_t v = r->headers.entries[i].value;
	if (v.len == 0 || v.len >= DPOP_MAX)
		return -1;
	char *proof = h2o_mem_alloc_pool(&r->pool, v.len + 1);
	memcpy(proof, v.base, v.len);
	proof[v.len] = '\0';
	/* The key is in the (unverified) header: read it, then verify with it. */
	const char *dot = strchr(proof, '.');
	unsigned char raw[DPOP_MAX];
	size_t rl = 0;
	json_error_t je;
	if (!dot || sodium_base642bin(raw, sizeof raw - 1, proof, (size_t)(dot - proof), NULL, &rl,
	                              NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING))
		return -1;
	json_t *h0 = json_loadb((const char *)raw, rl, JSON_REJECT_DUPLICATES, &je);
	json_t *jwk = json_object_get(h0, "jwk");
	const char *typ = json_string_value(json_object_get(h0, "typ"));
	char *jwk_text =
	        json_is_object(jwk) && !json_object_get(jwk, "d") && typ && !strcmp(typ, "dpop+jwt")
	                ? json_dumps(jwk, JSON_COMPACT)
	                : NULL;
	int ok = jwk_text && jwk_thumbprint(jwk, jkt) == DC_OK;
	json_decref(h0);
	json_t *hdr = NULL, *claims = NULL;
	ok = ok && dc__oidc_jws_verify(proof, jwk_text, &hdr, &claims) == DC_OK;
	free(jwk_text);
	int64_t now = dc_now_ms() / 1000;
	json_t *iat = json_object_get(claims, "iat");
	const char *jti = json_string_value(json_object_get(claims, "jti")),
	           *phtm = json_string_value(json_object_get(claims, "htm")),
	           *phtu = json_string_value(json_object_get(claims, "htu")),
	           *ath = json_string_value(json_object_get(claims, "ath"));
	ok = ok && jti && *jti && strlen(jti) <= 256 && phtm && !strcmp(phtm, htm) && phtu &&
	     json_is_integer(iat) && json_integer_value(iat) > now - DPOP_IAT_SKEW_S &&
	     json_integer_value(iat) < now + DPOP_IAT_SKEW_S;
	/* htu without query and fragment (RFC 9449 4.3). */
	if (ok) {
		size_t n = strcspn(phtu, "?#");
		ok = n == strlen(htu) && !memcmp(phtu, htu, n);
	}
	if (ok && token) {
		unsigned char d[crypto_hash_sha256_BYTES];
		struct dc_buf t = DC_BUF_INIT;
		crypto_hash_sha256(d, (const unsigned char *)token, strlen(token));
		dc__b64url(&t, d, sizeof d);
		ok = ath && dc_buf_error(&t) == DC_OK && !strcmp(ath, dc_buf_str(&t));
		dc_buf_release(&t);
	}
	if (ok && need_nonce &&
	    !dpop_nonce_ok(c, json_string_value(json_object_get(claims, "nonce")))) {
		json_decref(hdr);
		json_decref(claims);
		return -2;
	}
	if (ok) {
		char who[80];
		snprintf(who, sizeof who, "dpop:%s", jkt);
		ok = dc__oidc_jti_use(c->store, who, jti,
		                      (json_integer_value(iat) + 2 * DPOP_IAT_SKEW_S) * 1000,
		                      dc_now_ms()) == DC_OK;
	}
	json_decref(hdr);
	json_decref(claims);
	return ok ? 1 : -1;
}

/* The URL of this request without the query (for htu). */
static void request_url(struct dc__call *c, char *out, size_t n)
{
	char iss[300];
	dc__oidc_issuer(c, iss, sizeof iss);
	h2o_iovec_t p = c->req->path;
	size_t pl = c->req->query_at == SIZE_MAX ? p.len : c->req->query_at;
	snprintf(out, n, "%s%.*s", iss, (int)pl, p.base);
}

static int insert_token(struct dc_store *s, const char *kind, const struct grant *g,
                        const char *client_id, int64_t ttl_s, char tok[44])
{
	char h[65];
	struct dc_stmt *st = NULL;
	random_token(tok);
	dc__oidc_sha256_hex(tok, h);
	int rc = dc_db_prepare(dc_store_db(s),
	                       "INSERT INTO oidc_token (token_hash, kind, family, client_id, pin, "
	                       "scope, acr, auth_time, expires_ms, jkt) VALUES ($1, $2, $3, $4, "
	                       "$5, $6, $7, $8, $9, $10)",
	                       &st);
	if (rc == DC_OK) {
		const char *v[] = {h, kind, g->family, client_id, g->pin, g->scope, g->acr};
		for (int i = 0; i < 7; i++)
			dc_stmt_bind_str(st, i + 1, v[i]);
		dc_stmt_bind_int64(st, 8, g->auth_time);
		dc_stmt_bind_int64(st, 9, dc_now_ms() + ttl_s * 1000);
		dc_stmt_bind_str(st, 10, g->jkt);
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	return rc;
}

static int revoke_family(struct dc_store *s, const char *family)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "UPDATE oidc_token SET revoked = 1 WHERE family = $1", &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, family);
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	return rc;
}

/* The account must still be usable: not locked or closed, the citizen
 * alive, the identity card not expired (dc_eid_usable). */
static int account_usable(struct dc_store *s, const char *pin)
{
	struct dc_date today = dc_date_today();
	return dc_eid_usable(s, pin, &today, NULL, NULL) == DC_OK;
}

/* A token request between its halves. The durable part — spending the
 * code or rotating the refresh token, the new tokens, the audit entry —
 * runs in the group commit (redeem, on the committer's connection, one
 * savepoint of a batch: dc__defer); the answer, with the ID token signed,
 * leaves only once that is committed (answer, on the loop). The committer
 * runs its jobs one at a time, so "UPDATE … SET used = 1 WHERE used = 0"
 * decides between two racing redemptions of one code exactly as a
 * transaction of its own did. */
struct redeem {
	int refresh; /* 0: authorization_code, 1: refresh_token */
	char h[65];  /* SHA-256 of the code or refresh token */
	char redirect[P], verifier[P];
	char jkt[64]; /* the DPoP proof's key, or "" */
	char request_id[72];
	struct dc__oidc_client cl;
	/* out */
	struct grant g;
	const char *err; /* a static invalid_grant reason, or NULL */
	char at[44], rt[44];
};

/* The new access and refresh tokens of r->g, and the audit entry. */
static int issue_tokens(struct dc_store *s, struct redeem *r)
{
	int rc = insert_token(s, "access", &r->g, r->cl.id, DC__OIDC_ACCESS_TTL_S, r->at);
	if (rc == DC_OK)
		rc = insert_token(s, "refresh", &r->g, r->cl.id, DC__OIDC_REFRESH_TTL_S, r->rt);
	struct dc_audit_entry au = {r->cl.id,     r->cl.id,          "oidc.token",
	                            r->g.pin,     "citizen_request", "sub,acr,auth_time",
	                            r->request_id};
	if (rc == DC_OK)
		rc = dc_audit_append(s, &au, NULL);
	return rc;
}

static int redeem_code(struct dc_store *s, struct redeem *r)
{
	char client_id[65], want_redirect[P], challenge[64], bound[64] = "";
	struct grant *g = &r->g;
	struct dc_stmt *st = NULL;
	int64_t expires = 0, used = 0;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT client_id, pin, redirect_uri, scope, coalesce(nonce, ''), "
	                       "challenge, acr, auth_time, expires_ms, used, coalesce(dpop_jkt, "
	                       "'') FROM oidc_code WHERE code_hash = $1",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, r->h);
		rc = dc_stmt_step(st);
	}
	int found = rc == DC_ROW;
	if (found) {
		snprintf(client_id, sizeof client_id, "%s", dc_stmt_text(st, 0, NULL));
		snprintf(g->pin, sizeof g->pin, "%s", dc_stmt_text(st, 1, NULL));
		snprintf(want_redirect, sizeof want_redirect, "%s", dc_stmt_text(st, 2, NULL));
		snprintf(g->scope, sizeof g->scope, "%s", dc_stmt_text(st, 3, NULL));
		snprintf(g->nonce, sizeof g->nonce, "%s", dc_stmt_text(st, 4, NULL));
		snprintf(challenge, sizeof challenge, "%s", dc_stmt_text(st, 5, NULL));
		snprintf(g->acr, sizeof g->acr, "%s", dc_stmt_text(st, 6, NULL));
		g->auth_time = dc_stmt_int64(st, 7);
		expires = dc_stmt_int64(st, 8);
		used = dc_stmt_int64(st, 9);
		snprintf(bound, sizeof bound, "%s", dc_stmt_text(st, 10, NULL));
		rc = DC_OK;
	} else if (rc == DC_DONE) {
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	st = NULL;
	/* The tokens of a code are one family, named by the code's hash: a
	 * replayed code revokes what the first use issued (RFC 6749 4.1.2). */
	snprintf(g->family, sizeof g->family, "%s", r->h);
	if (rc == DC_OK && found && !used) {
		rc = dc_db_prepare(
		        dc_store_db(s),
		        "UPDATE oidc_code SET used = 1 WHERE code_hash = $1 AND used = 0", &st);
		if (rc == DC_OK) {
			dc_stmt_bind_str(st, 1, r->h);
			rc = dc_stmt_step(st);
			if (rc == DC_DONE)
				used = dc_stmt_changes(st) == 0;
			rc = rc == DC_DONE ? DC_OK : rc;
		}
		dc_stmt_finalize(st);
	}
	if (rc)
		return rc;
	if (!found)
		r->err = "unknown code";
	else if (used) {
		r->err = "the code was already used";
		rc = revoke_family(s, g->family);
	} else if (strcmp(client_id, r->cl.id))
		r->err = "the code was issued to another client";
	else if (expires < dc_now_ms())
		r->err = "the code expired";
	else if (strcmp(r->redirect, want_redirect))
		r->err = "redirect_uri differs from the authorization request";
	else {
		unsigned char d[crypto_hash_sha256_BYTES];
		struct dc_buf v = DC_BUF_INIT;
		crypto_hash_sha256(d, (const unsigned char *)r->verifier, strlen(r->verifier));
		dc__b64url(&v, d, sizeof d);
		size_t vl = strlen(r->verifier);
		if (vl < 43 || vl > 128 || v.len != strlen(challenge) ||
		    sodium_memcmp(dc_buf_str(&v), challenge, v.len))
			r->err = "PKCE verification failed";
		dc_buf_release(&v);
	}
	if (rc == DC_OK && !r->err && bound[0] && strcmp(bound, r->jkt))
		r->err = "the code is bound to a DPoP key (dpop_jkt): the proof is missing or by "
		         "another key";
	if (rc == DC_OK && !r->err && !account_usable(s, g->pin))
		r->err = "the account is locked or closed";
	snprintf(g->jkt, sizeof g->jkt, "%s", r->jkt);
	/* An error still commits: the code is spent, a replay revoked. */
	if (rc == DC_OK && !r->err)
		rc = issue_tokens(s, r);
	return rc;
}

static int redeem_refresh(struct dc_store *s, struct redeem *r)
{
	char client_id[65];
	struct grant *g = &r->g;
	struct dc_stmt *st = NULL;
	int64_t expires = 0, used = 0, revoked = 0;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT client_id, pin, scope, acr, auth_time, family, expires_ms, "
	                       "used, revoked, coalesce(jkt, '') FROM oidc_token WHERE "
	                       "token_hash = $1 AND kind = 'refresh'",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, r->h);
		rc = dc_stmt_step(st);
	}
	int found = rc == DC_ROW;
	if (found) {
		snprintf(client_id, sizeof client_id, "%s", dc_stmt_text(st, 0, NULL));
		snprintf(g->pin, sizeof g->pin, "%s", dc_stmt_text(st, 1, NULL));
		snprintf(g->scope, sizeof g->scope, "%s", dc_stmt_text(st, 2, NULL));
		snprintf(g->acr, sizeof g->acr, "%s", dc_stmt_text(st, 3, NULL));
		g->auth_time = dc_stmt_int64(st, 4);
		snprintf(g->family, sizeof g->family, "%s", dc_stmt_text(st, 5, NULL));
		expires = dc_stmt_int64(st, 6);
		used = dc_stmt_int64(st, 7);
		revoked = dc_stmt_int64(st, 8);
		snprintf(g->jkt, sizeof g->jkt, "%s", dc_stmt_text(st, 9, NULL));
		rc = DC_OK;
	} else if (rc == DC_DONE) {
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	st = NULL;
	if (rc)
		return rc;
	if (!found || strcmp(client_id, r->cl.id))
		r->err = "unknown refresh token";
	else if (used || revoked) {
		/* Reuse of a rotated token: someone holds a copy. End the whole
		 * family (RFC 9700 4.14.2). */
		r->err = "refresh token reuse: the session is revoked";
		rc = revoke_family(s, g->family);
	} else if (expires < dc_now_ms())
		r->err = "the refresh token expired";
	else if (!account_usable(s, g->pin))
		r->err = "the account is locked or closed";
	else if (g->jkt[0] && strcmp(g->jkt, r->jkt))
		r->err = "the refresh token is bound to another DPoP key";
	if (!g->jkt[0])
		snprintf(g->jkt, sizeof g->jkt, "%s", r->jkt);
	if (rc == DC_OK && !r->err) {
		rc = dc_db_prepare(
		        dc_store_db(s),
		        "UPDATE oidc_token SET used = 1 WHERE token_hash = $1 AND used = 0", &st);
		if (rc == DC_OK) {
			dc_stmt_bind_str(st, 1, r->h);
			rc = dc_stmt_step(st);
			if (rc == DC_DONE && dc_stmt_changes(st) == 0)
				r->err = "refresh token reuse";
			rc = rc == DC_DONE ? DC_OK : rc;
		}
		dc_stmt_finalize(st);
	}
	if (rc == DC_OK && !r->err)
		rc = issue_tokens(s, r);
	return rc;
}

static int redeem(struct dc_store *s, void *arg)
{
	struct redeem *r = arg;
	return r->refresh ? redeem_refresh(s, r) : redeem_code(s, r);
}

static void redeem_free(void *arg)
{
	struct redeem *r = arg;
	sodium_memzero(r, sizeof *r);
	free(r);
}

/* On the loop, once the tokens are committed: the ID token and the answer. */
static int answer(struct dc__call *c, struct dc_buf *body, int rc, void *arg)
{
	struct redeem *r = arg;
	const struct grant *g = &r->g;
	char sub[44], iss[300];
	struct dc_buf idt = DC_BUF_INIT;
	if (rc)
		return dc__fail(c, rc, 0, "the token could not be issued");
	if (r->err)
		return oauth_error(c, body, 400, "invalid_grant", r->err);
	int64_t now = dc_now_ms() / 1000;
	dc__oidc_issuer(c, iss, sizeof iss);
	subject(c, &r->cl, g->pin, sub);
	json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "iss", iss, "sub", sub, "aud",
	                      r->cl.id, "iat", (json_int_t)now, "exp",
	                      (json_int_t)(now + DC__OIDC_ID_TTL_S), "auth_time",
	                      (json_int_t)g->auth_time, "acr", g->acr);
	if (j && g->nonce[0])
		json_object_set_new(j, "nonce", json_string(g->nonce));
	char *cj = j ? json_dumps(j, JSON_COMPACT) : NULL;
	rc = cj ? dc__oidc_sign(dc__oidc_key_dir(), cj, &idt) : DC_ERR_NOMEM;
	free(cj);
	json_decref(j);
	if (rc == DC_OK)
		rc = dc_buf_addf(body,
		                 "{\"access_token\":\"%s\",\"token_type\":\"%s\",\"expires_in\":%d,"
		                 "\"refresh_token\":\"%s\",\"scope\":\"%s\",\"id_token\":\"%s\"}",
		                 r->at, g->jkt[0] ? "DPoP" : "Bearer", DC__OIDC_ACCESS_TTL_S, r->rt,
		                 g->scope, dc_buf_str(&idt));
	dc_buf_release(&idt);
	return rc ? dc__fail(c, rc, 0, "the token could not be issued") : DC_OK;
}

static int r_token(struct dc__call *c, struct dc_buf *body)
{
	char gt[64], tok[P];
	h2o_iovec_t e = c->req->entity;
	const char *f = e.base ? e.base : "";
	size_t fn = e.base ? e.len : 0;
	if (dc__form_get(f, fn, "grant_type", gt, sizeof gt) != 1)
		return oauth_error(c, body, 400, "invalid_request", "grant_type is required");
	int refresh = !strcmp(gt, "refresh_token");
	if (!refresh && strcmp(gt, "authorization_code"))
		return oauth_error(c, body, 400, "unsupported_grant_type",
		                   "unsupported grant_type");
	struct redeem *r = calloc(1, sizeof *r);
	if (!r)
		return dc__fail(c, DC_ERR_NOMEM, 0, "out of memory");
	int rc = DC_OK;
	r->refresh = refresh;
	if (client_auth(c, f, fn, &r->cl) || r->cl.disabled) {
		rc = oauth_error(c, body, 401, "invalid_client", "client authentication failed");
		goto cleanup;
	}
	char url[700];
	request_url(c, url, sizeof url);
	int dp = dpop_check(c, "POST", url, NULL, r->jkt, 1);
	if (dp != 0)
		dpop_nonce_header(c);
	if (dp == -2) {
		rc = oauth_error(c, body, 400, "use_dpop_nonce",
		                 "a DPoP proof must carry this server's nonce (DPoP-Nonce)");
		goto cleanup;
	}
	if (dp < 0) {
		rc = oauth_error(c, body, 400, "invalid_dpop_proof", "the DPoP proof is not valid");
		goto cleanup;
	}
	if (refresh ? dc__form_get(f, fn, "refresh_token", tok, sizeof tok) != 1
	            : dc__form_get(f, fn, "code", tok, sizeof tok) != 1 ||
	                      dc__form_get(f, fn, "redirect_uri", r->redirect,
	                                   sizeof r->redirect) != 1 ||
	                      dc__form_get(f, fn, "code_verifier", r->verifier,
	                                   sizeof r->verifier) != 1) {
		rc = oauth_error(c, body, 400, "invalid_request",
		                 refresh ? "refresh_token is required"
		                         : "code, redirect_uri and code_verifier are required");
		goto cleanup;
	}
	dc__oidc_sha256_hex(tok, r->h);
	sodium_memzero(tok, sizeof tok);
	snprintf(r->request_id, sizeof r->request_id, "%s", c->request_id);
	return dc__defer(c, redeem, answer, r, redeem_free); /* consumes r */
cleanup:
	redeem_free(r);
	return rc;
}

/* POST /oidc/par: the client pushes its authorization request
 * (authenticated as at the token endpoint) and gets a request_uri, good
 * once, for 60 seconds. */
static int r_par(struct dc__call *c, struct dc_buf *body)
{
	struct dc__oidc_client cl;
	struct authz a;
	char tok[44];
	h2o_iovec_t e = c->req->entity;
	const char *f = e.base ? e.base : "";
	size_t fn = e.base ? e.len : 0;
	if (client_auth(c, f, fn, &cl) || cl.disabled)
		return oauth_error(c, body, 401, "invalid_client", "client authentication failed");
	if (authz_read(f, fn, &a))
		return oauth_error(c, body, 400, "invalid_request",
		                   "malformed or repeated parameters");
	if (a.request_uri[0])
		return oauth_error(c, body, 400, "invalid_request",
		                   "request_uri cannot be pushed (RFC 9126 2.1)");
	if (a.client_id[0] && strcmp(a.client_id, cl.id))
		return oauth_error(c, body, 400, "invalid_request",
		                   "client_id differs from the authenticated client");
	snprintf(a.client_id, sizeof a.client_id, "%s", cl.id);
	const char *err = NULL;
	if (!dc__oidc_redirect_ok(&cl, a.redirect_uri))
		err = "redirect_uri does not exactly match a registered one";
	else if (strcmp(a.response_type, "code"))
		err = "response_type must be code";
	else if (!has_scope(a.scope, "openid"))
		err = "scope must include openid";
	else if (strcmp(a.method, "S256") || strlen(a.challenge) != 43)
		err = "PKCE with code_challenge_method S256 is required";
	else if (a.dpop_jkt[0] && !jkt_ok(a.dpop_jkt))
		err = "dpop_jkt must be a JWK SHA-256 thumbprint";
	if (err)
		return oauth_error(c, body, 400, "invalid_request", err);
	/* A DPoP proof sent with the pushed request binds the code to its key
	 * (RFC 9449 10.1); with dpop_jkt too, both must name the same key. */
	char url[700], pj[64] = "";
	request_url(c, url, sizeof url);
	int dp = dpop_check(c, "POST", url, NULL, pj, 1);
	if (dp != 0)
		dpop_nonce_header(c);
	if (dp == -2)
		return oauth_error(c, body, 400, "use_dpop_nonce",
		                   "a DPoP proof must carry this server's nonce (DPoP-Nonce)");
	if (dp < 0 || (dp == 1 && a.dpop_jkt[0] && strcmp(a.dpop_jkt, pj)))
		return oauth_error(
		        c, body, 400, "invalid_dpop_proof",
		        "the DPoP proof is not valid or names another key than dpop_jkt");
	if (dp == 1)
		snprintf(a.dpop_jkt, sizeof a.dpop_jkt, "%s", pj);
	struct dc_buf params = DC_BUF_INIT, uri = DC_BUF_INIT;
	for (size_t i = 0; i + 1 < DC_ARRAY_LEN(authz_names); i++) {
		dc_buf_addf(&params, "%s%s=", i ? "&" : "", authz_names[i]);
		dc__form_escape(&params, authz_field(&a, i));
	}
	random_token(tok);
	dc_buf_adds(&uri, PAR_PREFIX);
	dc_buf_adds(&uri, tok);
	char h[65];
	int rc = dc_buf_error(&params) ? DC_ERR_NOMEM : dc_buf_error(&uri);
	struct dc_stmt *st = NULL;
	if (rc == DC_OK) {
		dc__oidc_sha256_hex(dc_buf_str(&uri), h);
		rc = dc_db_prepare(dc_store_db(c->store),
		                   "INSERT INTO oidc_par (uri_hash, client_id, params, expires_ms) "
		                   "VALUES ($1, $2, $3, $4)",
		                   &st);
	}
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, h);
		dc_stmt_bind_str(st, 2, cl.id);
		dc_stmt_bind_str(st, 3, dc_buf_str(&params));
		dc_stmt_bind_int64(st, 4, dc_now_ms() + PAR_TTL_MS);
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	if (rc == DC_OK) {
		c->status = 201;
		rc = dc_buf_addf(body, "{\"request_uri\":\"%s\",\"expires_in\":%d}",
		                 dc_buf_str(&uri), PAR_TTL_MS / 1000);
	} else {
		rc = dc__fail(c, rc, 0, "the request could not be stored");
	}
	dc_buf_release(&params);
	dc_buf_release(&uri);
	return rc;
}

/* --- revocation (RFC 7009) and introspection (RFC 7662) ----------------- */

struct token_row {
	char kind[16], family[65], client_id[65], pin[13], scope[P], acr[64], jkt[64];
	int64_t auth_time, expires_ms, used, revoked;
};

static void token_fill(struct dc_stmt *st, void *arg)
{
	struct token_row *t = arg;
	snprintf(t->kind, sizeof t->kind, "%s", dc_stmt_text(st, 0, NULL));
	snprintf(t->family, sizeof t->family, "%s", dc_stmt_text(st, 1, NULL));
	snprintf(t->client_id, sizeof t->client_id, "%s", dc_stmt_text(st, 2, NULL));
	snprintf(t->pin, sizeof t->pin, "%s", dc_stmt_text(st, 3, NULL));
	snprintf(t->scope, sizeof t->scope, "%s", dc_stmt_text(st, 4, NULL));
	snprintf(t->acr, sizeof t->acr, "%s", dc_stmt_text(st, 5, NULL));
	t->auth_time = dc_stmt_int64(st, 6);
	t->expires_ms = dc_stmt_int64(st, 7);
	t->used = dc_stmt_int64(st, 8);
	t->revoked = dc_stmt_int64(st, 9);
	snprintf(t->jkt, sizeof t->jkt, "%s", dc_stmt_text(st, 10, NULL));
}

/* The token named in the form's "token" (by its hash). 1 found, 0 not
 * found (or no token given: *missing), or an error. */
static int token_lookup(struct dc__call *c, const char *f, size_t fn, struct token_row *t,
                        int *missing)
{
	char tok[P], h[65];
	memset(t, 0, sizeof *t);
	*missing = dc__form_get(f, fn, "token", tok, sizeof tok) != 1;
	if (*missing)
		return 0;
	dc__oidc_sha256_hex(tok, h);
	int rc = dc_db_get_one(dc_store_db(c->store),
	                       "SELECT kind, family, client_id, pin, scope, acr, auth_time, "
	                       "expires_ms, used, revoked, coalesce(jkt, '') FROM oidc_token "
	                       "WHERE token_hash = $1",
	                       h, token_fill, t);
	if (rc == DC_ERR_NOT_FOUND)
		return 0;
	return rc ? rc : 1;
}

static int r_revoke(struct dc__call *c, struct dc_buf *body)
{
	struct dc__oidc_client cl;
	struct token_row t;
	int missing;
	h2o_iovec_t e = c->req->entity;
	const char *f = e.base ? e.base : "";
	size_t fn = e.base ? e.len : 0;
	if (client_auth(c, f, fn, &cl) || cl.disabled)
		return oauth_error(c, body, 401, "invalid_client", "client authentication failed");
	int found = token_lookup(c, f, fn, &t, &missing);
	if (missing)
		return oauth_error(c, body, 400, "invalid_request", "token is required");
	if (found < 0)
		return dc__fail(c, found, 0, "the token could not be checked");
	/* Unknown tokens and other clients' tokens: 200 all the same (RFC 7009
	 * 2.2), and nothing changes. */
	if (found && !strcmp(t.client_id, cl.id)) {
		int rc = dc_store_begin(c->store);
		if (rc == DC_OK) {
			/* A refresh token ends its whole grant, access tokens too. */
			if (!strcmp(t.kind, "refresh")) {
				rc = revoke_family(c->store, t.family);
			} else {
				char tok[P], h[65];
				struct dc_stmt *st = NULL;
				dc__form_get(f, fn, "token", tok, sizeof tok);
				dc__oidc_sha256_hex(tok, h);
				rc = dc_db_prepare(
				        dc_store_db(c->store),
				        "UPDATE oidc_token SET revoked = 1 WHERE token_hash = "
				        "$1",
				        &st);
				if (rc == DC_OK) {
					dc_stmt_bind_str(st, 1, h);
					rc = dc_stmt_step(st);
					rc = rc == DC_DONE ? DC_OK : rc;
				}
				dc_stmt_finalize(st);
			}
		}
		struct dc_audit_entry au = {cl.id, cl.id,  "oidc.revoke", t.pin,
		                            NULL,  t.kind, c->request_id};
		if (rc == DC_OK)
			rc = dc_audit_append(c->store, &au, NULL);
		if (rc == DC_OK)
			rc = dc_store_commit(c->store);
		else
			dc_store_rollback(c->store);
		if (rc)
			return dc__fail(c, rc, 0, "the token could not be revoked");
	}
	c->content_type = "text/plain; charset=utf-8";
	return DC_OK;
}

static int r_introspect(struct dc__call *c, struct dc_buf *body)
{
	struct dc__oidc_client cl;
	struct token_row t;
	int missing;
	char iss[300], sub[44];
	h2o_iovec_t e = c->req->entity;
	const char *f = e.base ? e.base : "";
	size_t fn = e.base ? e.len : 0;
	/* Confidential clients only: a public client could probe tokens. */
	if (client_auth(c, f, fn, &cl) || cl.disabled || cl.public_client)
		return oauth_error(c, body, 401, "invalid_client",
		                   "client authentication failed (confidential clients only)");
	int found = token_lookup(c, f, fn, &t, &missing);
	if (missing)
		return oauth_error(c, body, 400, "invalid_request", "token is required");
	if (found < 0)
		return dc__fail(c, found, 0, "the token could not be checked");
	/* Only the client's own tokens are described (RFC 7662 4: a client
	 * learns nothing about another's). */
	int active = found && !strcmp(t.client_id, cl.id) && !t.revoked && !t.used &&
	             t.expires_ms > dc_now_ms() && account_usable(c->store, t.pin);
	if (!active)
		return dc_buf_adds(body, "{\"active\":false}");
	struct dc_audit_entry au = {cl.id,
	                            cl.id,
	                            "oidc.introspect",
	                            t.pin,
	                            "citizen_request",
	                            "sub,acr,auth_time,scope",
	                            c->request_id};
	int rc = dc_audit_append(c->store, &au, NULL);
	if (rc)
		return dc__fail(c, rc, 503, "the answer could not be audited, so it is refused");
	dc__oidc_issuer(c, iss, sizeof iss);
	subject(c, &cl, t.pin, sub);
	json_t *j = json_pack("{s:b, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:s}", "active", 1,
	                      "scope", t.scope, "client_id", cl.id, "token_type",
	                      !strcmp(t.kind, "access") ? (t.jkt[0] ? "DPoP" : "Bearer")
	                                                : "refresh_token",
	                      "sub", sub, "iss", iss, "exp", (json_int_t)(t.expires_ms / 1000),
	                      "acr", t.acr, "auth_time", (json_int_t)t.auth_time, "aud", cl.id);
	if (j && t.jkt[0])
		json_object_set_new(j, "cnf", json_pack("{s:s}", "jkt", t.jkt));
	char *sj = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	rc = sj ? dc_buf_adds(body, sj) : DC_ERR_NOMEM;
	free(sj);
	return rc;
}

/* --- userinfo ------------------------------------------------------------ */

int dc__oidc_bearer(struct dc__call *c, char client_id[65], char pin[13], char scope[P],
                    char acr[64], struct dc__oidc_client *cl)
{
	char h[65], tok[P], jkt[64] = "";
	struct dc_stmt *st = NULL;
	ssize_t i = h2o_find_header(&c->req->headers, H2O_TOKEN_AUTHORIZATION, -1);
	h2o_iovec_t v = i >= 0 ? c->req->headers.entries[i].value : h2o_iovec_init(NULL, 0);
	/* "Bearer <token>", or "DPoP <token>" with a DPoP proof (RFC 9449 7). */
	int dpop = v.len > 5 && !strncasecmp(v.base, "DPoP ", 5);
	size_t skip = dpop ? 5 : 7;
	if (i < 0 || v.len <= skip || (!dpop && strncasecmp(v.base, "Bearer ", 7)) ||
	    v.len - skip >= P) {
		dc__oidc_header(c, H2O_TOKEN_WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
		return dc__fail(c, DC_ERR_AUTH, 401, "a Bearer (or DPoP) access token is required");
	}
	snprintf(tok, sizeof tok, "%.*s", (int)(v.len - skip), v.base + skip);
	dc__oidc_sha256_hex(tok, h);
	int found = 0;
	int rc = dc_db_prepare(
	        dc_store_db(c->store),
	        "SELECT client_id, pin, scope, acr, coalesce(jkt, '') FROM oidc_token "
	        "WHERE token_hash = $1 AND kind = 'access' AND revoked = 0 AND "
	        "expires_ms > $2",
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
			snprintf(jkt, sizeof jkt, "%s", dc_stmt_text(st, 4, NULL));
		}
		rc = rc == DC_ROW || rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	if (rc)
		return dc__fail(c, rc, 0, "the token could not be checked");
	/* A DPoP-bound token needs the DPoP scheme and a proof by its key; a
	 * Bearer token cannot be sent as DPoP. */
	int bound_ok = !jkt[0] && !dpop;
	if (found && jkt[0] && dpop) {
		char url[700], proof_jkt[64] = "";
		request_url(c, url, sizeof url);
		char method[16];
		snprintf(method, sizeof method, "%.*s", (int)c->req->method.len,
		         c->req->method.base);
		bound_ok = dpop_check(c, method, url, tok, proof_jkt, 0) == 1 &&
		           !strcmp(proof_jkt, jkt);
	}
	if (!found || !bound_ok || dc__oidc_client_get(c->store, client_id, cl) || cl->disabled ||
	    !account_usable(c->store, pin)) {
		dc__oidc_header(c, H2O_TOKEN_WWW_AUTHENTICATE,
		                dpop || jkt[0]
		                        ? "DPoP error=\"invalid_token\", algs=\"ES256 RS256 PS256\""
		                        : "Bearer error=\"invalid_token\"");
		return dc__fail(
		        c, DC_ERR_AUTH, 401,
		        "the access token is invalid, expired or revoked, or its DPoP proof is "
		        "missing or wrong");
	}
	return DC_OK;
}

/* A userinfo answer waiting for its audit entry (group commit). */
struct userinfo_audit {
	char client_id[65], pin[13], fields[P], request_id[72];
	struct dc_buf json; /* the claims, rendered before the commit */
};

static int userinfo_work(struct dc_store *s, void *arg)
{
	struct userinfo_audit *u = arg;
	struct dc_audit_entry au = {u->client_id,      u->client_id, "oidc.userinfo", u->pin,
	                            "citizen_request", u->fields,    u->request_id};
	return dc_audit_append(s, &au, NULL);
}

static int userinfo_done(struct dc__call *c, struct dc_buf *body, int rc, void *arg)
{
	struct userinfo_audit *u = arg;
	if (rc)
		return dc__fail(c, rc, 503, "the release could not be audited, so it is refused");
	return dc_buf_add(body, u->json.ptr, u->json.len);
}

static void userinfo_free(void *arg)
{
	struct userinfo_audit *u = arg;
	dc_buf_release(&u->json);
	free(u);
}

static int r_userinfo(struct dc__call *c, struct dc_buf *body)
{
	char client_id[65], scope[P], acr[64], pin[13], sub[44];
	struct dc__oidc_client cl;
	struct dc_citizen x;
	struct dc_pool pool;
	/* On SQLite the reads (token, client, account, citizen) share one read
	 * transaction: one snapshot, one WAL read lock, and the page cache
	 * checked against the WAL once instead of four times (after each
	 * group commit it is stale). On PostgreSQL a snapshot would cost two
	 * round trips more, so each read stays a statement of its own. */
	int snap = !strcmp(dc_store_backend(c->store), "sqlite") &&
	           dc_store_snapshot_begin(c->store) == DC_OK;
	int rc = dc__oidc_bearer(c, client_id, pin, scope, acr, &cl);
	int got = DC_OK;
	dc_pool_init(&pool, 0);
	if (rc == DC_OK) {
		struct dc_pin p;
		dc_pin_parse(pin, 12, &p);
		got = dc_store_citizen_get(c->store, &p, &x, &pool);
		if (got == DC_OK && x.status != DC_STATUS_ALIVE)
			got = DC_ERR_REVOKED;
	}
	if (snap)
		dc_store_snapshot_end(c->store);
	if (rc || got)
		dc_pool_release(&pool);
	if (rc)
		return rc; /* dc__oidc_bearer answered */
	if (got == DC_ERR_REVOKED)
		return dc__fail(c, DC_ERR_AUTH, 401, "the citizen's account is closed");
	if (got)
		return dc__fail(c, got, 0, "the claims could not be read");
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
	dc_pool_release(&pool);
	struct userinfo_audit *u = calloc(1, sizeof *u);
	char *js = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!u || !js) {
		free(u);
		free(js);
		return dc__fail(c, DC_ERR_NOMEM, 0, "out of memory");
	}
	dc_buf_init(&u->json, 0);
	rc = dc_buf_adds(&u->json, js);
	free(js);
	snprintf(u->client_id, sizeof u->client_id, "%s", cl.id);
	snprintf(u->pin, sizeof u->pin, "%s", pin);
	snprintf(u->fields, sizeof u->fields, "%s", scope);
	snprintf(u->request_id, sizeof u->request_id, "%s", c->request_id);
	if (rc) {
		userinfo_free(u);
		return dc__fail(c, rc, 0, "out of memory");
	}
	/* The release is recorded before the claims leave: the audit entry
	 * goes to the group committer and the answer waits for it. */
	return dc__defer(c, userinfo_work, userinfo_done, u, userinfo_free);
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
			dc__oidc_header(c, H2O_TOKEN_LOCATION, dc_buf_str(&loc));
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
        {"/oidc/revoke", 0, "POST", r_revoke},
        {"/oidc/par", 0, "POST", r_par},
        {"/oidc/introspect", 0, "POST", r_introspect},
        {"/oidc/userinfo", 0, "*", r_userinfo},
        {"/oidc/logout", 0, "GET", r_logout},
        {"/oidc/me/", 1, "*", r_me},
};
const size_t dc__oidc_routes_n = DC_ARRAY_LEN(dc__oidc_routes);
