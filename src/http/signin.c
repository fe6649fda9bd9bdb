/*
 * signin.c — the e-ID sign-in of a server-rendered page, shared by the
 * OpenID authorization page and the e-KYC consent page (signin.h).
 *
 * The hash is read on the loop, checked on a hash thread, and the attempt
 * counts only if the stored hash is still the one checked
 * (dc_eid_login_checked). Failures of every kind — unknown number, wrong
 * password, account locked or closed, card expired, wrong TOTP — go to
 * the login history with the caller's client and address, so that the
 * per-address limit sees them all.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/core.h"
#include "dancu/date.h"
#include "dancu/db.h"
#include "dancu/eid.h"
#include "dancu/password.h"
#include "dancu/pin.h"
#include "dancu/store.h"

#include "eid/oidc.h"
#include "http/signin.h"

#define IP_WINDOW_MS (15 * 60 * 1000)
#define IP_MAX_FAILED 20 /* failed sign-ins per address and window */

struct dc__signin *dc__signin_new(size_t size)
{
	if (size < sizeof(struct dc__signin))
		DC_BUG("dc__signin_new: size too small");
	return calloc(1, size);
}

static void signin_free(struct dc__signin *g)
{
	sodium_memzero(g->pw, sizeof g->pw);
	sodium_memzero(g->totp, sizeof g->totp);
	free(g);
}

/* The offload's free_arg: frees g only once it was parked (on the other
 * paths dc__signin_start frees it after finish). */
static void release(void *arg)
{
	struct dc__signin *g = arg;
	if (g->parked)
		signin_free(g);
}

int dc__signin_read(struct dc__call *c, struct dc__signin *g)
{
	h2o_iovec_t e = c->req->entity;
	if (!e.base)
		return 0;
	int p = dc__form_get(e.base, e.len, "pin", g->pin, sizeof g->pin);
	int w = dc__form_get(e.base, e.len, "password", g->pw, sizeof g->pw);
	int t = dc__form_get(e.base, e.len, "totp", g->totp, sizeof g->totp);
	if (p < 0 || w < 0 || t < 0)
		return -1;
	return p == 1 && w == 1;
}

static int check(struct dc_store *s, void *arg)
{
	struct dc__signin *g = arg;
	(void)s;
	g->ok = dc_password_check(g->hash, g->pw);
	sodium_memzero(g->pw, sizeof g->pw);
	return DC_OK;
}

/* After the password check: rc is DC_OK or the error of reading the hash
 * (DC_ERR_AUTH for an unknown number, DC_ERR_LOCKED ...). */
static int settle(struct dc__call *c, struct dc_buf *body, struct dc__signin *g, int rc)
{
	if (rc == DC_OK)
		rc = dc_eid_login_checked(c->store, g->pin, g->ok ? g->hash : NULL, g->t, NULL);
	if (rc == DC_OK) {
		struct dc_date today = dc_date_today();
		rc = dc_eid_usable(c->store, g->pin, &today, &g->acct, g->card_expiry);
		rc = rc == DC_ERR_NOT_FOUND ? DC_ERR_LOCKED : rc;
	}
	if (rc == DC_OK) {
		/* Second factor, when the citizen enrolled one (1: none). */
		int tr = dc_eid_totp_check(c->store, g->pin, c->key, g->totp, g->t);
		rc = tr == DC_OK || tr == 1 ? DC_OK : DC_ERR_VERIFY;
	}
	if (rc == DC_ERR_AUTH || rc == DC_ERR_LOCKED || rc == DC_ERR_EXPIRED ||
	    rc == DC_ERR_VERIFY) {
		struct dc_pin p;
		if (dc_pin_parse(g->pin, strlen(g->pin), &p) == DC_OK)
			(void)dc_eid_login_record(c->store, g->pin, g->client, 0, 0, g->ip, g->t);
	}
	return g->finish(c, body, g, rc);
}

static int checked(struct dc__call *c, struct dc_buf *body, int rc, void *arg)
{
	return settle(c, body, arg, rc);
}

/* Failed sign-ins from this address within the window. */
static int address_failures(struct dc__call *c, const char *ip, int64_t t, int64_t *n)
{
	struct dc_stmt *st = NULL;
	*n = 0;
	int rc = dc_db_prepare(dc_store_db(c->store),
	                       "SELECT count(*) FROM eid_login WHERE ip = $1 AND ok = 0 AND "
	                       "at_ms > $2",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, ip);
		dc_stmt_bind_int64(st, 2, t - IP_WINDOW_MS);
		rc = dc_stmt_step(st);
		*n = rc == DC_ROW ? dc_stmt_int64(st, 0) : 0;
		rc = rc == DC_ROW ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc__signin_start(struct dc__call *c, struct dc_buf *body, struct dc__signin *g)
{
	struct sockaddr_storage ss;
	int64_t fails = 0;
	int rc;
	socklen_t sl = c->req->conn->callbacks->get_peername(c->req->conn, (void *)&ss);
	if (sl)
		h2o_socket_getnumerichost((void *)&ss, sl, g->ip);
	g->t = dc_now_ms();
	/* Many failed sign-ins from one address (guessing across accounts,
	 * which the per-account hold does not see) → 429 for 15 minutes. */
	rc = address_failures(c, g->ip, g->t, &fails);
	if (rc == DC_OK && g->ip[0] && fails >= IP_MAX_FAILED) {
		h2o_add_header(&c->req->pool, &c->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
		               H2O_STRLIT("900"));
		rc = DC_ERR_RATE;
	}
	if (rc) {
		rc = g->finish(c, body, g, rc);
		signin_free(g);
		return rc;
	}
	rc = dc_eid_password_hash(c->store, g->pin, g->t, g->hash);
	if (rc && rc != DC_ERR_AUTH) { /* not usable now: no hash spent */
		rc = settle(c, body, g, rc);
		signin_free(g);
		return rc;
	}
	/* An unknown number still spends a check (on the empty hash), so
	 * that the answer's time does not tell which numbers have accounts;
	 * dc_eid_login_checked then says DC_ERR_AUTH. */
	rc = dc__offload(c, check, checked, g, release);
	if (rc == DC__DEFERRED) {
		g->parked = 1; /* replies are read on this loop, after we return */
		return rc;
	}
	if (rc == DC_ERR_BUSY) /* g is untouched: release did not free it */
		rc = g->finish(c, body, g, DC_ERR_BUSY);
	signin_free(g);
	return rc;
}

int dc__signin_text(struct dc__signin *g, int rc, const char **vi, const char **en)
{
	switch (rc) {
	case DC_ERR_AUTH:
		*vi = "Số định danh hoặc mật khẩu không đúng.";
		*en = "Wrong ID number or password.";
		return 401;
	case DC_ERR_VERIFY:
		*vi = "Mã xác thực (TOTP) không đúng.";
		*en = "Wrong or reused one-time code (TOTP).";
		return 401;
	case DC_ERR_LOCKED:
		*vi = "Tài khoản đang bị khóa hoặc chưa kích hoạt.";
		*en = "The account is locked, closed or not activated.";
		return 423;
	case DC_ERR_EXPIRED: {
		struct dc_date d;
		char vd[24] = "";
		if (dc_date_parse(g->card_expiry, strlen(g->card_expiry), &d) == DC_OK)
			snprintf(vd, sizeof vd, "%02d/%02d/%04d", d.day, d.month, d.year);
		snprintf(g->vi, sizeof g->vi,
		         "Thẻ căn cước của bạn đã hết hạn ngày %s: tài khoản định danh điện tử "
		         "bị khóa cho đến khi bạn được cấp thẻ mới (Nghị định 69/2024, Điều 15).",
		         vd);
		snprintf(g->en, sizeof g->en,
		         "Your identity card expired on %s: the e-ID account is locked until a new "
		         "card is issued (Decree 69/2024, Art. 15).",
		         g->card_expiry);
		*vi = g->vi;
		*en = g->en;
		return 423;
	}
	case DC_ERR_RATE:
		*vi = "Quá nhiều lần đăng nhập sai từ địa chỉ này; thử lại sau 15 phút.";
		*en = "Too many failed sign-ins from this address; try again in 15 minutes.";
		return 429;
	case DC_ERR_BUSY:
		*vi = "Hệ thống đang bận; vui lòng thử lại sau giây lát.";
		*en = "The service is busy; try again in a moment.";
		return 429;
	default:
		return 0;
	}
}

int dc__signin_fields(struct dc_buf *b)
{
	return dc_buf_adds(
	        b, "<label for=\"pin\">Số định danh cá nhân <span lang=\"en\">/ Personal ID "
	           "number</span></label><input type=\"text\" id=\"pin\" name=\"pin\" "
	           "inputmode=\"numeric\" autocomplete=\"username\" pattern=\"[0-9]{12}\" "
	           "required><label for=\"password\">Mật khẩu <span lang=\"en\">/ "
	           "Password</span></label><input type=\"password\" id=\"password\" "
	           "name=\"password\" autocomplete=\"current-password\" required>"
	           "<label for=\"totp\">Mã xác thực, nếu đã bật <span lang=\"en\">/ One-time "
	           "code, if enabled</span></label><input type=\"text\" id=\"totp\" "
	           "name=\"totp\" inputmode=\"numeric\" autocomplete=\"one-time-code\" "
	           "pattern=\"[0-9]{6}\">");
}
