/*
 * account.c — e-ID accounts: registration, approval, activation, lock,
 * login with lockout, integrated documents, the OTP outbox (dancu/eid.h).
 */
#include <liboath/oath.h>
#include <sodium.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dancu/core.h"
#include "dancu/citizen.h"
#include "dancu/date.h"
#include "dancu/db.h"
#include "dancu/eid.h"
#include "dancu/password.h"
#include "dancu/pin.h"
#include "dancu/pool.h"
#include "dancu/store.h"

#include "core/internal.h"

#define OTP_TTL_MS (10 * 60 * 1000)
#define OTP_TRIES 5
#define MAX_FAILED 5
#define HOLD_MS (15 * 60 * 1000)

static const char *const state_names[] = {NULL,     "submitted", "approved", "active",
                                          "locked", "rejected",  "closed"};

const char *dc_eid_state_name(enum dc_eid_state s)
{
	return s >= DC_EID_SUBMITTED && s <= DC_EID_CLOSED ? state_names[s] : "unknown";
}

static enum dc_eid_state state_parse(const char *s)
{
	for (int i = DC_EID_SUBMITTED; i <= DC_EID_CLOSED; i++)
		if (s && !strcmp(s, state_names[i]))
			return (enum dc_eid_state)i;
	return DC_EID_CLOSED;
}

const char *dc_eid_acr(int level)
{
	return level == 2 ? "urn:dancu:acr:nd69:2" : "urn:dancu:acr:nd69:1";
}

static void set_err(char *err, size_t n, const char *msg)
{
	if (err && n)
		snprintf(err, n, "%s", msg);
}

/* A Vietnamese mobile number: 0 + 9 digits, or 84 + 9 digits. */
static int phone_ok(const char *p)
{
	size_t n = p ? strlen(p) : 0;
	if (!((n == 10 && p[0] == '0') || (n == 11 && !strncmp(p, "84", 2))))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

static void sha256_hex(const char *s, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
	sodium_bin2hex(out, 65, h, sizeof h);
}

/* Runs sql with text parameters (NULL-terminated list, at most 6) in a
 * statement; DC_ERR_NOT_FOUND when an UPDATE/DELETE changed nothing. */
static int run(struct dc_store *s, const char *sql, const char *const *args, int64_t n1)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s), sql, &st);
	int i = 0;
	for (; rc == DC_OK && args && args[i]; i++)
		rc = dc_stmt_bind_str(st, i + 1, args[i]);
	if (rc == DC_OK && n1 >= 0)
		rc = dc_stmt_bind_int64(st, i + 1, n1);
	if (rc == DC_OK) {
		rc = dc_stmt_step(st);
		if (rc == DC_DONE)
			rc = dc_stmt_changes(st) ? DC_OK : DC_ERR_NOT_FOUND;
	}
	dc_stmt_finalize(st);
	return rc;
}

#define COLS                                                                            \
	"pin, level, state, phone, coalesce(face_ref, ''), coalesce(verified_by, ''), " \
	"coalesce(lock_reason, ''), failed, locked_until_ms, created_ms, approved_ms, " \
	"activated_ms"

static void fill(struct dc_stmt *st, void *arg)
{
	struct dc_eid_account *a = arg;
	memset(a, 0, sizeof *a);
	snprintf(a->pin, sizeof a->pin, "%s", dc_stmt_text(st, 0, NULL));
	a->level = (int)dc_stmt_int64(st, 1);
	a->state = state_parse(dc_stmt_text(st, 2, NULL));
	snprintf(a->phone, sizeof a->phone, "%s", dc_stmt_text(st, 3, NULL));
	snprintf(a->face_ref, sizeof a->face_ref, "%s", dc_stmt_text(st, 4, NULL));
	snprintf(a->verified_by, sizeof a->verified_by, "%s", dc_stmt_text(st, 5, NULL));
	snprintf(a->lock_reason, sizeof a->lock_reason, "%s", dc_stmt_text(st, 6, NULL));
	a->failed = (int)dc_stmt_int64(st, 7);
	a->locked_until_ms = dc_stmt_int64(st, 8);
	a->created_ms = dc_stmt_int64(st, 9);
	a->approved_ms = dc_stmt_int64(st, 10);
	a->activated_ms = dc_stmt_int64(st, 11);
}

int dc_eid_get(struct dc_store *s, const char *pin, struct dc_eid_account *out)
{
	return dc_db_get_one(dc_store_db(s), "SELECT " COLS " FROM eid_account WHERE pin = $1", pin,
	                     fill, out);
}

int dc_eid_register(struct dc_store *s, const char *pin, int level, const char *phone,
                    const char *face_ref, const char *officer_id, char *err, size_t errlen)
{
	struct dc_pin p;
	struct dc_citizen c;
	struct dc_pool pool;
	int rc;
	dc_pool_init(&pool, 0);
	if (!pin || dc_pin_parse(pin, strlen(pin), &p)) {
		set_err(err, errlen, "the personal ID number must be 12 digits");
		rc = DC_ERR_INVALID;
		goto cleanup;
	}
	if (level != 1 && level != 2) {
		set_err(err, errlen, "level must be 1 or 2");
		rc = DC_ERR_INVALID;
		goto cleanup;
	}
	if (!phone_ok(phone)) {
		set_err(err, errlen, "phone must be a Vietnamese mobile number (0xxxxxxxxx)");
		rc = DC_ERR_INVALID;
		goto cleanup;
	}
	if (!face_ref || !*face_ref || strlen(face_ref) >= 128) {
		set_err(err, errlen, "a face photo reference (1-127 characters) is required");
		rc = DC_ERR_INVALID;
		goto cleanup;
	}
	if (level == 2 && (!officer_id || !*officer_id)) {
		set_err(err, errlen, "level 2 needs the officer who verified the card and face");
		rc = DC_ERR_INVALID;
		goto cleanup;
	}
	rc = dc_store_citizen_get(s, &p, &c, &pool);
	if (rc) {
		set_err(err, errlen, rc == DC_ERR_NOT_FOUND ? "no such citizen" : "cannot read");
		goto cleanup;
	}
	if (c.status != DC_STATUS_ALIVE) {
		set_err(err, errlen, "the citizen is not alive in the register");
		rc = DC_ERR_FORBIDDEN;
		goto cleanup;
	}
	/* NĐ 69 Art. 7: level 2 only from age 6 (under 6: level 1 on request). */
	struct dc_date today = dc_date_today();
	int age = dc_date_age(&c.dob, &today);
	if (level == 2 && age < 6) {
		set_err(err, errlen, "level 2 is only for citizens aged 6 or more (NĐ 69 Art. 7)");
		rc = DC_ERR_FORBIDDEN;
		goto cleanup;
	}
	const char *args[] = {pin,      level == 2 ? "2" : "1",         phone,
	                      face_ref, level == 2 ? officer_id : NULL, NULL};
	struct dc_stmt *st = NULL;
	rc = dc_db_prepare(dc_store_db(s),
	                   "INSERT INTO eid_account (pin, level, state, phone, face_ref, "
	                   "verified_by, created_ms) VALUES ($1, CAST($2 AS INTEGER), 'submitted', "
	                   "$3, $4, $5, $6) ON CONFLICT DO NOTHING",
	                   &st);
	for (int i = 0; rc == DC_OK && i < 5; i++)
		rc = dc_stmt_bind_str(st, i + 1, args[i]);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 6, dc_now_ms());
	if (rc == DC_OK) {
		rc = dc_stmt_step(st);
		if (rc == DC_DONE)
			rc = dc_stmt_changes(st) ? DC_OK : DC_ERR_CONFLICT;
	}
	dc_stmt_finalize(st);
	if (rc == DC_ERR_CONFLICT)
		set_err(err, errlen,
		        "the citizen already has an account, or the phone number is taken "
		        "(one number, one account)");
cleanup:
	dc_pool_release(&pool);
	return rc;
}

int dc_eid_approve(struct dc_store *s, const char *pin, const char *actor, char otp_out[7])
{
	struct dc_eid_account a;
	char otp[7], h[65], msg[512];
	(void)actor;
	int rc = dc_store_begin(s);
	if (rc)
		return rc;
	rc = dc_eid_get(s, pin, &a);
	if (rc == DC_OK && a.state != DC_EID_SUBMITTED && a.state != DC_EID_APPROVED)
		rc = DC_ERR_CONFLICT;
	if (rc == DC_OK) {
		snprintf(otp, sizeof otp, "%06u", (unsigned)randombytes_uniform(1000000));
		sha256_hex(otp, h);
		const char *args[] = {pin, h, NULL};
		int64_t t = dc_now_ms();
		struct dc_stmt *st = NULL;
		rc = dc_db_prepare(
		        dc_store_db(s),
		        "UPDATE eid_account SET state = 'approved', otp_hash = $2, "
		        "otp_tries = 0, otp_expires_ms = $3, approved_ms = $4 WHERE pin = $1",
		        &st);
		if (rc == DC_OK) {
			dc_stmt_bind_str(st, 1, args[0]);
			dc_stmt_bind_str(st, 2, args[1]);
			dc_stmt_bind_int64(st, 3, t + OTP_TTL_MS);
			dc_stmt_bind_int64(st, 4, t);
			rc = dc_stmt_step(st);
			rc = rc == DC_DONE ? DC_OK : rc;
		}
		dc_stmt_finalize(st);
		/* The approval notice of C06 (domain notes 1.4), ASCII as an SMS. */
		snprintf(
		        msg, sizeof msg,
		        "Cuc Canh sat QLHC ve TTXH thong bao: Ho so dang ky tai khoan dinh danh "
		        "dien tu muc %d cua cong dan %s da duoc phe duyet. Ma kich hoat (OTP): %s, "
		        "hieu luc 10 phut.",
		        a.level, pin, otp);
		const char *oargs[] = {a.phone, msg, NULL};
		if (rc == DC_OK)
			rc = run(s,
			         "INSERT INTO eid_outbox (phone, body, created_ms) VALUES ($1, $2, "
			         "$3)",
			         oargs, t);
	}
	if (rc == DC_OK)
		rc = dc_store_commit(s);
	else
		dc_store_rollback(s);
	if (rc == DC_OK && otp_out)
		memcpy(otp_out, otp, 7);
	sodium_memzero(otp, sizeof otp);
	return rc;
}

int dc_eid_reject(struct dc_store *s, const char *pin, const char *actor)
{
	const char *args[] = {pin, NULL};
	(void)actor;
	return run(s,
	           "UPDATE eid_account SET state = 'rejected' WHERE pin = $1 AND state = "
	           "'submitted'",
	           args, -1);
}

int dc_eid_password_ok(const char *pw, char *err, size_t errlen)
{
	size_t n = pw ? strlen(pw) : 0;
	int d = 0, up = 0, lo = 0, sp = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)pw[i];
		if (ch >= '0' && ch <= '9')
			d = 1;
		else if (ch >= 'A' && ch <= 'Z')
			up = 1;
		else if (ch >= 'a' && ch <= 'z')
			lo = 1;
		else if (ch > ' ' && ch < 0x7f)
			sp = 1;
		else {
			set_err(err, errlen,
			        "the password may use only printable ASCII characters");
			return DC_ERR_INVALID;
		}
	}
	if (n < 8 || n > 20 || !d || !up || !lo || !sp) {
		set_err(err, errlen,
		        "mật khẩu 8–20 ký tự, có chữ số, chữ hoa, chữ thường và ký tự đặc biệt / "
		        "password: 8-20 characters with a digit, upper case, lower case and a "
		        "special character");
		return DC_ERR_INVALID;
	}
	return DC_OK;
}

static int passcode_ok(const char *p)
{
	if (!p || strlen(p) != 6)
		return 0;
	for (int i = 0; i < 6; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	/* Not all the same digit and not a straight run. */
	int same = 1, up = 1, down = 1;
	for (int i = 1; i < 6; i++) {
		same &= p[i] == p[0];
		up &= p[i] == p[i - 1] + 1;
		down &= p[i] == p[i - 1] - 1;
	}
	return !same && !up && !down;
}

int dc_eid_activate(struct dc_store *s, const char *pin, const char *otp, const char *password,
                    const char *passcode, char *err, size_t errlen)
{
	char pwh[DC_PWHASH_LEN], pch[DC_PWHASH_LEN], h[65];
	struct dc_stmt *st = NULL;
	int rc = dc_eid_password_ok(password, err, errlen);
	if (rc)
		return rc;
	if (!passcode_ok(passcode)) {
		set_err(err, errlen, "the passcode must be 6 digits, not all equal nor a run");
		return DC_ERR_INVALID;
	}
	if (dc_password_hash(password, pwh) != DC_OK || dc_password_hash(passcode, pch) != DC_OK)
		return DC_ERR_NOMEM;
	rc = dc_store_begin(s);
	if (rc)
		return rc;
	rc = dc_db_prepare(dc_store_db(s),
	                   "SELECT state, coalesce(otp_hash, ''), otp_expires_ms, otp_tries FROM "
	                   "eid_account WHERE pin = $1",
	                   &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, pin);
		rc = dc_stmt_step(st);
		rc = rc == DC_ROW ? DC_OK : rc == DC_DONE ? DC_ERR_NOT_FOUND : rc;
	}
	if (rc == DC_OK) {
		sha256_hex(otp ? otp : "", h);
		const char *state = dc_stmt_text(st, 0, NULL);
		size_t hl;
		const char *want = dc_stmt_text(st, 1, &hl);
		if (strcmp(state, "approved")) {
			set_err(err, errlen,
			        "the account is not approved and waiting for activation");
			rc = DC_ERR_CONFLICT;
		} else if (dc_stmt_int64(st, 3) >= OTP_TRIES) {
			set_err(err, errlen, "too many wrong codes: ask for a new approval");
			rc = DC_ERR_LOCKED;
		} else if (dc_stmt_int64(st, 2) < dc_now_ms()) {
			set_err(err, errlen, "the activation code expired");
			rc = DC_ERR_EXPIRED;
		} else if (hl != 64 || sodium_memcmp(want, h, 64)) {
			set_err(err, errlen, "wrong activation code");
			rc = DC_ERR_VERIFY;
		}
	}
	dc_stmt_finalize(st);
	st = NULL;
	if (rc == DC_ERR_VERIFY) {
		/* Count the wrong try, and keep it. */
		const char *args[] = {pin, NULL};
		int r2 = run(s, "UPDATE eid_account SET otp_tries = otp_tries + 1 WHERE pin = $1",
		             args, -1);
		if (r2 == DC_OK && dc_store_commit(s) == DC_OK)
			return DC_ERR_VERIFY;
		dc_store_rollback(s);
		return r2 ? r2 : DC_ERR_VERIFY;
	}
	if (rc == DC_OK) {
		const char *args[] = {pin, pwh, pch, NULL};
		rc = run(s,
		         "UPDATE eid_account SET state = 'active', password_hash = $2, "
		         "passcode_hash "
		         "= $3, otp_hash = NULL, otp_expires_ms = 0, failed = 0, activated_ms = $4 "
		         "WHERE pin = $1",
		         args, dc_now_ms());
	}
	if (rc == DC_OK)
		rc = dc_store_commit(s);
	else
		dc_store_rollback(s);
	return rc;
}

static int set_state(struct dc_store *s, const char *pin, const char *from, const char *to,
                     const char *reason)
{
	const char *args[] = {pin, from, to, reason, NULL};
	return run(s,
	           "UPDATE eid_account SET state = $3, lock_reason = $4 WHERE pin = $1 AND state "
	           "= $2",
	           args, -1);
}

int dc_eid_lock(struct dc_store *s, const char *pin, const char *by)
{
	if (!by || (strcmp(by, "citizen") && strncmp(by, "authority:", 10)))
		return DC_ERR_INVALID;
	int rc = set_state(s, pin, "active", "locked", by);
	if (rc == DC_ERR_NOT_FOUND) {
		struct dc_eid_account a;
		rc = dc_eid_get(s, pin, &a);
		if (rc == DC_OK)
			rc = DC_ERR_CONFLICT;
	}
	return rc;
}

int dc_eid_unlock(struct dc_store *s, const char *pin, const char *by)
{
	struct dc_eid_account a;
	int rc = dc_eid_get(s, pin, &a);
	if (rc)
		return rc;
	if (a.state != DC_EID_LOCKED)
		return DC_ERR_CONFLICT;
	/* A lock requested by an authority is lifted only by an authority. */
	if (!strncmp(a.lock_reason, "authority:", 10) && strncmp(by ? by : "", "authority:", 10))
		return DC_ERR_FORBIDDEN;
	return set_state(s, pin, "locked", "active", NULL);
}

int dc_eid_close_for_death(struct dc_store *s, const char *pin)
{
	const char *args[] = {pin, NULL};
	int rc = run(s,
	             "UPDATE eid_account SET state = 'closed', lock_reason = 'death', "
	             "password_hash = NULL, passcode_hash = NULL, otp_hash = NULL WHERE pin = $1",
	             args, -1);
	return rc == DC_ERR_NOT_FOUND ? DC_OK : rc;
}

struct usable_row {
	struct dc_eid_account a;
	int alive;
	char expiry[DC_DATE_ISO_MAX];
};

static void usable_fill(struct dc_stmt *st, void *arg)
{
	struct usable_row *u = arg;
	fill(st, &u->a);
	u->alive = !strcmp(dc_stmt_text(st, 12, NULL), "alive");
	snprintf(u->expiry, sizeof u->expiry, "%s", dc_stmt_text(st, 13, NULL));
}

int dc_eid_usable(struct dc_store *s, const char *pin, const struct dc_date *today,
                  struct dc_eid_account *out, char card_expiry[11])
{
	struct usable_row u;
	struct dc_date exp;
	memset(&u, 0, sizeof u);
	if (card_expiry)
		card_expiry[0] = '\0';
	/* One read: the account, the citizen's status in the register, and the
	 * expiry of the citizen's valid (delivered) card, if any. */
	int rc = dc_db_get_one(dc_store_db(s),
	                       "SELECT " COLS ", coalesce((SELECT status FROM citizen WHERE "
	                       "citizen.pin = eid_account.pin), ''), coalesce((SELECT expiry FROM "
	                       "card WHERE card.pin = eid_account.pin AND state = 'delivered' "
	                       "LIMIT 1), '') FROM eid_account WHERE pin = $1",
	                       pin ? pin : "", usable_fill, &u);
	if (rc)
		return rc;
	if (out)
		*out = u.a;
	if (u.a.state != DC_EID_ACTIVE || !u.alive)
		return DC_ERR_LOCKED;
	/* NĐ 69/2024 Art. 15: the account is locked while the card is expired
	 * and unlocked when the ground ends (a new card delivered replaces
	 * this one). The card is valid through its expiry date. */
	if (u.expiry[0] && dc_date_parse(u.expiry, strlen(u.expiry), &exp) == DC_OK &&
	    dc_date_cmp(&exp, today) < 0) {
		if (card_expiry)
			snprintf(card_expiry, DC_DATE_ISO_MAX, "%s", u.expiry);
		return DC_ERR_EXPIRED;
	}
	return DC_OK;
}

/* The account and its password hash; DC_ERR_AUTH when there is none. */
static int read_login(struct dc_store *s, const char *pin, struct dc_eid_account *a, char *hash)
{
	struct dc_stmt *st = NULL;
	hash[0] = '\0';
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT " COLS ", coalesce(password_hash, '') FROM eid_account "
	                       "WHERE pin = $1",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, pin ? pin : "");
		rc = dc_stmt_step(st);
		if (rc == DC_ROW) {
			fill(st, a);
			snprintf(hash, DC_PWHASH_LEN, "%s", dc_stmt_text(st, 12, NULL));
			rc = DC_OK;
		} else if (rc == DC_DONE) {
			rc = DC_ERR_AUTH;
		}
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc_eid_password_hash(struct dc_store *s, const char *pin, int64_t t, char *out)
{
	struct dc_eid_account a;
	int rc = read_login(s, pin, &a, out);
	if (rc == DC_OK && (a.state != DC_EID_ACTIVE || a.locked_until_ms > t))
		rc = DC_ERR_LOCKED;
	if (rc)
		out[0] = '\0';
	return rc;
}

int dc_eid_login(struct dc_store *s, const char *pin, const char *password, int64_t t,
                 struct dc_eid_account *out)
{
	char hash[DC_PWHASH_LEN];
	int rc = dc_eid_password_hash(s, pin, t, hash);
	if (rc == DC_ERR_AUTH) /* spend the time a check would */
		(void)dc_password_check("", password);
	if (rc)
		return rc;
	int ok = dc_password_check(hash, password);
	return dc_eid_login_checked(s, pin, ok ? hash : NULL, t, out);
}

int dc_eid_login_checked(struct dc_store *s, const char *pin, const char *verified_hash, int64_t t,
                         struct dc_eid_account *out)
{
	struct dc_eid_account a;
	char hash[DC_PWHASH_LEN];
	int rc = read_login(s, pin, &a, hash);
	if (rc)
		return rc;
	if (a.state != DC_EID_ACTIVE || a.locked_until_ms > t)
		return DC_ERR_LOCKED;
	/* Counts only if the hash checked is still the account's. */
	size_t hl = strlen(hash);
	int good = verified_hash && hl && strlen(verified_hash) == hl &&
	           sodium_memcmp(verified_hash, hash, hl) == 0;
	const char *args[] = {pin, NULL};
	if (good) {
		rc = run(s, "UPDATE eid_account SET failed = 0 WHERE pin = $1", args, -1);
		if (rc == DC_OK && out) {
			a.failed = 0;
			*out = a;
		}
	} else {
		/* Fifth failure in a row: hold the account for 15 minutes. */
		rc = run(s,
		         "UPDATE eid_account SET failed = failed + 1, locked_until_ms = CASE WHEN "
		         "failed + 1 >= 5 THEN $2 ELSE locked_until_ms END WHERE pin = $1",
		         args, t + HOLD_MS);
		rc = rc ? rc : DC_ERR_AUTH;
	}
	return rc;
}

#define TOTP_BYTES 20

int dc_eid_totp_enroll(struct dc_store *s, const char *pin, const unsigned char key[32],
                       char b32_out[64])
{
	unsigned char secret[TOTP_BYTES];
	unsigned char sealed[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + TOTP_BYTES];
	char hex[2 * sizeof sealed + 1];
	char *b32 = NULL;
	size_t b32len = 0;
	struct dc_eid_account a;
	int rc = dc_eid_get(s, pin, &a);
	if (rc)
		return rc;
	if (a.state != DC_EID_ACTIVE)
		return DC_ERR_CONFLICT;
	randombytes_buf(secret, sizeof secret);
	randombytes_buf(sealed, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(sealed + crypto_secretbox_NONCEBYTES, secret, sizeof secret, sealed,
	                      key);
	sodium_bin2hex(hex, sizeof hex, sealed, sizeof sealed);
	oath_init();
	if (oath_base32_encode((const char *)secret, sizeof secret, &b32, &b32len) != OATH_OK) {
		sodium_memzero(secret, sizeof secret);
		return DC_ERR_NOMEM;
	}
	sodium_memzero(secret, sizeof secret);
	snprintf(b32_out, 64, "%s", b32);
	free(b32);
	const char *args[] = {pin, hex, NULL};
	return run(s, "UPDATE eid_account SET totp_sealed = $2, last_totp_step = 0 WHERE pin = $1",
	           args, -1);
}

int dc_eid_totp_check(struct dc_store *s, const char *pin, const unsigned char key[32],
                      const char *code, int64_t t)
{
	struct dc_stmt *st = NULL;
	char hex[2 * (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + TOTP_BYTES) + 1] =
	        "";
	int64_t last = 0;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT coalesce(totp_sealed, ''), last_totp_step FROM eid_account "
	                       "WHERE pin = $1",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, pin);
		rc = dc_stmt_step(st);
		if (rc == DC_ROW) {
			snprintf(hex, sizeof hex, "%s", dc_stmt_text(st, 0, NULL));
			last = dc_stmt_int64(st, 1);
			rc = DC_OK;
		} else if (rc == DC_DONE) {
			rc = DC_ERR_AUTH;
		}
	}
	dc_stmt_finalize(st);
	if (rc)
		return rc;
	if (!hex[0])
		return 1; /* not enrolled */
	unsigned char sealed[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + TOTP_BYTES];
	unsigned char secret[TOTP_BYTES];
	size_t bin = 0;
	int pos = 0;
	int ok = sodium_hex2bin(sealed, sizeof sealed, hex, strlen(hex), NULL, &bin, NULL) == 0 &&
	         bin == sizeof sealed &&
	         crypto_secretbox_open_easy(secret, sealed + crypto_secretbox_NONCEBYTES,
	                                    sizeof sealed - crypto_secretbox_NONCEBYTES, sealed,
	                                    key) == 0;
	oath_init();
	ok = ok && code && strlen(code) == 6 &&
	     oath_totp_validate2((const char *)secret, sizeof secret, (time_t)(t / 1000), 30, 0, 1,
	                         &pos, code) >= 0;
	sodium_memzero(secret, sizeof secret);
	int64_t step = t / 1000 / 30 + pos;
	if (!ok || step <= last) /* a code is good once */
		return DC_ERR_AUTH;
	const char *args[] = {pin, NULL};
	return run(s,
	           "UPDATE eid_account SET last_totp_step = $2 WHERE pin = $1 AND last_totp_step < "
	           "$2",
	           args, step) == DC_OK
	               ? DC_OK
	               : DC_ERR_AUTH;
}

int dc_eid_login_record(struct dc_store *s, const char *pin, const char *client_id, int level,
                        int ok, const char *ip, int64_t t)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "INSERT INTO eid_login (pin, at_ms, client_id, acr, ok, ip) VALUES "
	                       "($1, $2, $3, $4, $5, $6)",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, pin);
		dc_stmt_bind_int64(st, 2, t);
		dc_stmt_bind_str(st, 3, client_id);
		dc_stmt_bind_str(st, 4, ok ? dc_eid_acr(level) : NULL);
		dc_stmt_bind_int64(st, 5, ok != 0);
		dc_stmt_bind_str(st, 6, ip);
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	return rc;
}

static int kind_ok(const char *k)
{
	size_t n = k ? strlen(k) : 0;
	if (n == 0 || n > 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || k[i] == '_'))
			return 0;
	return 1;
}

int dc_eid_attr_set(struct dc_store *s, const char *pin, const char *kind, const char *value)
{
	struct dc_eid_account a;
	if (!kind_ok(kind) || !value || !*value || strlen(value) > 256)
		return DC_ERR_INVALID;
	int rc = dc_eid_get(s, pin, &a);
	if (rc)
		return rc;
	if (a.level != 2)
		return DC_ERR_FORBIDDEN; /* integration is a level-2 feature */
	const char *args[] = {pin, kind, value, NULL};
	return run(s,
	           "INSERT INTO eid_attr (pin, kind, value, at_ms) VALUES ($1, $2, $3, $4) ON "
	           "CONFLICT (pin, kind) DO UPDATE SET value = excluded.value, at_ms = "
	           "excluded.at_ms",
	           args, dc_now_ms());
}

int dc_eid_attr_list(struct dc_store *s, const char *pin,
                     int (*cb)(void *arg, const char *kind, const char *value), void *arg)
{
	struct dc_stmt *st = NULL;
	int rc =
	        dc_db_prepare(dc_store_db(s),
	                      "SELECT kind, value FROM eid_attr WHERE pin = $1 ORDER BY kind", &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, pin);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW)
		rc = cb(arg, dc_stmt_text(st, 0, NULL), dc_stmt_text(st, 1, NULL));
	dc_stmt_finalize(st);
	return rc == DC_DONE ? DC_OK : rc;
}

int dc_eid_outbox_flush(struct dc_store *s, dc_eid_sender send, void *arg)
{
	struct dc_stmt *st = NULL, *up = NULL;
	int sent = 0;
	int rc = dc_db_prepare(
	        dc_store_db(s),
	        "SELECT id, phone, body FROM eid_outbox WHERE sent_ms = 0 ORDER BY id", &st);
	if (rc == DC_OK)
		rc = dc_db_prepare(dc_store_db(s),
		                   "UPDATE eid_outbox SET sent_ms = $2 WHERE id = $1", &up);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		if (send(arg, dc_stmt_text(st, 1, NULL), dc_stmt_text(st, 2, NULL)))
			continue; /* stays in the outbox for the next flush */
		dc_stmt_bind_int64(up, 1, dc_stmt_int64(st, 0));
		dc_stmt_bind_int64(up, 2, dc_now_ms());
		rc = dc_stmt_step(up);
		rc = rc == DC_DONE ? dc_stmt_reset(up) : rc;
		sent++;
	}
	dc_stmt_finalize(up);
	dc_stmt_finalize(st);
	return rc == DC_DONE || rc == DC_OK ? sent : rc;
}

int dc_eid_sender_file(void *arg, const char *phone, const char *text)
{
	FILE *f = fopen((const char *)arg, "a");
	if (!f)
		return DC_ERR_IO;
	int bad = fprintf(f, "%s\t%s\n", phone, text) < 0;
	bad |= fclose(f) != 0;
	return bad ? DC_ERR_IO : DC_OK;
}

enum dc_eid_state dc_eid_state_parse(const char *s)
{
	if (s && !strcmp(s, "pending"))
		return DC_EID_SUBMITTED;
	for (int i = DC_EID_SUBMITTED; i <= DC_EID_CLOSED; i++)
		if (s && !strcmp(s, state_names[i]))
			return (enum dc_eid_state)i;
	return (enum dc_eid_state)0;
}

int dc_eid_note(struct dc_store *s, const char *pin, const char *note)
{
	if (note && strlen(note) > 500)
		return DC_ERR_INVALID;
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "UPDATE eid_account SET state_note = $2 WHERE pin = $1", &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, pin);
		dc_stmt_bind_str(st, 2, note);
		rc = dc_stmt_step(st);
		if (rc == DC_DONE)
			rc = dc_stmt_changes(st) ? DC_OK : DC_ERR_NOT_FOUND;
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc_eid_list(struct dc_store *s, const struct dc_eid_filter *f,
                int (*cb)(void *arg, const struct dc_eid_row *r), void *arg)
{
	struct dc_stmt *st = NULL;
	struct dc_eid_account a;
	int rc = dc_db_prepare(
	        dc_store_db(s),
	        "SELECT a.pin, a.level, a.state, a.phone, coalesce(a.face_ref, ''), "
	        "coalesce(a.verified_by, ''), coalesce(a.lock_reason, ''), a.failed, "
	        "a.locked_until_ms, a.created_ms, a.approved_ms, a.activated_ms, "
	        "coalesce(c.birth_name, ''), coalesce(c.perm_commune, c.temp_commune, "
	        "c.cur_commune, ''), coalesce(a.state_note, '') FROM eid_account a LEFT JOIN "
	        "citizen c ON c.pin = a.pin WHERE (CAST($1 AS TEXT) IS NULL OR a.state = $1) AND "
	        "(CAST($2 AS TEXT) IS NULL OR a.pin > $2) AND (CAST($3 AS TEXT) IS NULL OR "
	        "coalesce(c.perm_commune, c.temp_commune, c.cur_commune) = $3) AND "
	        "(CAST($4 AS TEXT) IS NULL OR a.pin = $4) "
	        "ORDER BY a.pin",
	        &st);
	if (rc == DC_OK) {
		/* NULL (or "") leaves a condition out. */
		dc_stmt_bind_str(st, 1, f->state ? dc_eid_state_name(f->state) : NULL);
		dc_stmt_bind_str(st, 2, f->after);
		dc_stmt_bind_str(st, 3, f->commune);
		dc_stmt_bind_str(st, 4, f->pin);
	}
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		fill(st, &a);
		struct dc_eid_row r = {&a, dc_stmt_text(st, 12, NULL), dc_stmt_text(st, 13, NULL),
		                       dc_stmt_text(st, 14, NULL)};
		rc = cb(arg, &r);
	}
	dc_stmt_finalize(st);
	return rc == DC_DONE || rc == 1 ? DC_OK : rc;
}
