/*
 * dancu/eid.h — e-ID accounts of citizens (Decree 69/2024).
 *
 * An account belongs to one citizen (personal ID number) and has a level:
 *  - level 1: self-service — ID number, the citizen's own phone number and a
 *    reference to a captured face photo;
 *  - level 2: in person — an officer verified the chip card and the face.
 * Who may hold which level depends on age (Art. 7): level 1 for everyone
 * with a card (under 14 "on request", which the caller attests), level 2
 * only from age 6.
 *
 * Life cycle: dc_eid_register (SUBMITTED) → dc_eid_approve (APPROVED: a
 * one-time code is put into the outbox for the phone) → dc_eid_activate
 * (OTP + password per policy + 6-digit passcode → ACTIVE) ⇄ LOCKED; a
 * registered death CLOSES the account (dc_eid_close_for_death, called inside the
 * death registration's transaction). Passwords and passcodes are stored as
 * argon2id hashes (OWASP: 19 MiB, 2 passes), OTPs as SHA-256.
 *
 * Outgoing messages (OTPs) go to the table eid_outbox; dc_eid_outbox_flush
 * hands each unsent message to a sender callback (pluggable); the demo
 * sender dc_eid_sender_file appends to a file.
 *
 * Ownership: every struct is filled by value (fixed-size arrays); strings
 * passed in are borrowed for the call. All functions that write run in one
 * transaction of their own (nested in the caller's, if any).
 */
#ifndef DANCU_EID_H
#define DANCU_EID_H

#include <stddef.h>
#include <stdint.h>

struct dc_store;

enum dc_eid_state {
	DC_EID_SUBMITTED = 1,
	DC_EID_APPROVED,
	DC_EID_ACTIVE,
	DC_EID_LOCKED,
	DC_EID_REJECTED,
	DC_EID_CLOSED
};

struct dc_eid_account {
	char pin[13];
	int level; /* 1 or 2 */
	enum dc_eid_state state;
	char phone[16];
	char face_ref[128];
	char verified_by[65]; /* officer id for level 2, "" for level 1 */
	char lock_reason[64]; /* "citizen", "authority:<id>", "death", ... */
	int failed;           /* consecutive failed logins */
	int64_t locked_until_ms;
	int64_t created_ms, approved_ms, activated_ms;
};

/* Static names: "submitted", "approved", ... and the acr URI of a level
 * ("urn:dancu:acr:nd69:1" / ":2"). */
const char *dc_eid_state_name(enum dc_eid_state s);
const char *dc_eid_acr(int level);

/* Registers an account for the citizen `pin`. level 2 needs officer_id (the
 * officer who verified card and face). DC_ERR_NOT_FOUND: no such citizen;
 * DC_ERR_FORBIDDEN: dead citizen or level not allowed at this age;
 * DC_ERR_CONFLICT: an account exists or the phone is taken (one number, one
 * account); DC_ERR_INVALID: bad phone/face reference. err gets a reason. */
int dc_eid_register(struct dc_store *s, const char *pin, int level, const char *phone,
                    const char *face_ref, const char *officer_id, char *err, size_t errlen);

/* Approves a SUBMITTED account: creates a 6-digit OTP valid 10 minutes and
 * queues the approval SMS with it in the outbox. otp_out (7 bytes, may be
 * NULL) receives the code (for tests and the demo CLI). */
int dc_eid_approve(struct dc_store *s, const char *pin, const char *actor, char otp_out[7]);

/* Rejects a SUBMITTED account. */
int dc_eid_reject(struct dc_store *s, const char *pin, const char *actor);

/* Activates an APPROVED account with the OTP, a password (8–20 chars with a
 * digit, upper and lower case and a special character) and a 6-digit
 * passcode. DC_ERR_VERIFY: wrong OTP (5 tries, then a new approval is
 * needed: DC_ERR_LOCKED); DC_ERR_EXPIRED: OTP too old; DC_ERR_INVALID:
 * password/passcode policy (reason in err). */
int dc_eid_activate(struct dc_store *s, const char *pin, const char *otp, const char *password,
                    const char *passcode, char *err, size_t errlen);

/* Password policy check alone (DC_OK or DC_ERR_INVALID with a reason). */
int dc_eid_password_ok(const char *password, char *err, size_t errlen);

/* Locks an ACTIVE account; by = "citizen" or "authority:<officer>". Unlock
 * returns a LOCKED account to ACTIVE; a CLOSED account never reopens. */
int dc_eid_lock(struct dc_store *s, const char *pin, const char *by);
int dc_eid_unlock(struct dc_store *s, const char *pin, const char *by);

/* Closes the citizen's account because their death was registered (no
 * account: DC_OK). Call inside the death registration's transaction. */
int dc_eid_close_for_death(struct dc_store *s, const char *pin);

/* DC_ERR_NOT_FOUND when the citizen has no account. */
int dc_eid_get(struct dc_store *s, const char *pin, struct dc_eid_account *out);

/* Whether the citizen's account may be used now — to sign in, redeem a
 * code, refresh a token or call with an access token (NĐ 69/2024 Art. 15):
 * the account ACTIVE, the citizen alive in the register, and the citizen's
 * valid identity card (the delivered one) not expired on `today` (dates in
 * Vietnam, dc_date_today). An expired card locks the account until a new
 * card is delivered, which lifts the limit by itself: the limit is read at
 * each use, nothing is written. A citizen with no delivered card in the
 * card register (cards issued before it) is not limited. Returns DC_OK;
 * DC_ERR_NOT_FOUND (no account); DC_ERR_LOCKED (account not active, or the
 * citizen is dead or missing); DC_ERR_EXPIRED (the card expired:
 * card_expiry gets its ISO date). out (may be NULL) gets the account
 * whenever there is one; card_expiry (DC_DATE_ISO_MAX bytes) may be NULL. */
struct dc_date;
int dc_eid_usable(struct dc_store *s, const char *pin, const struct dc_date *today,
                  struct dc_eid_account *out, char card_expiry[11]);

/* Checks a password login (argon2id: slow; run it off the event loop).
 * After 5 consecutive failures the account is held for 15 minutes
 * (DC_ERR_LOCKED). DC_ERR_AUTH on a wrong password or unknown account,
 * DC_ERR_LOCKED when not ACTIVE. On success fills out (may be NULL). */
int dc_eid_login(struct dc_store *s, const char *pin, const char *password, int64_t now_ms,
                 struct dc_eid_account *out);

/* The same login in two halves, so that the server can check the password
 * on its hash threads: password_hash reads the account's argon2id hash
 * into out (DC_PWHASH_LEN bytes, dancu/password.h; DC_ERR_AUTH for no
 * account, DC_ERR_LOCKED when not usable now — out is "" then); the caller
 * runs dc_password_check; login_checked counts the attempt with
 * verified_hash = the hash the password matched, or NULL. */
int dc_eid_password_hash(struct dc_store *s, const char *pin, int64_t now_ms, char *out);
int dc_eid_login_checked(struct dc_store *s, const char *pin, const char *verified_hash,
                         int64_t now_ms, struct dc_eid_account *out);

/* TOTP (RFC 6238, 30 s, 6 digits) as an optional second factor. enroll
 * seals a new secret with the master key and gives its base32 form (for the
 * citizen's authenticator app). check: 1 when the account has no TOTP,
 * DC_OK when code is right (±1 step, each step accepted once), DC_ERR_AUTH
 * otherwise. */
int dc_eid_totp_enroll(struct dc_store *s, const char *pin, const unsigned char key[32],
                       char b32_out[64]);
int dc_eid_totp_check(struct dc_store *s, const char *pin, const unsigned char key[32],
                      const char *code, int64_t now_ms);

/* Records a login attempt in the citizen's login history. */
int dc_eid_login_record(struct dc_store *s, const char *pin, const char *client_id, int level,
                        int ok, const char *ip, int64_t now_ms);

/* Integrated documents (health insurance, driving licence, ...): one value
 * per kind; kind is [a-z_]{1,32}. Level 2 accounts only (DC_ERR_FORBIDDEN). */
int dc_eid_attr_set(struct dc_store *s, const char *pin, const char *kind, const char *value);
int dc_eid_attr_list(struct dc_store *s, const char *pin,
                     int (*cb)(void *arg, const char *kind, const char *value), void *arg);

/* Outbox. The sender returns 0 when the message was handed over; the
 * message is then marked sent. Returns the number sent or an error. */
typedef int (*dc_eid_sender)(void *arg, const char *phone, const char *text);
int dc_eid_outbox_flush(struct dc_store *s, dc_eid_sender send, void *arg);
/* Demo sender: arg is a file path (const char *); appends "phone\ttext\n". */
int dc_eid_sender_file(void *arg, const char *phone, const char *text);

/* The reason given for the account's last rejection or lock (free text,
 * at most 500 bytes; NULL clears it). Joins the caller's transaction. */
int dc_eid_note(struct dc_store *s, const char *pin, const char *note);

/* One row of an officer's work list: the account, the citizen's name and
 * home commune (permanent, else temporary, else current residence) and the
 * note of dc_eid_note. Strings are borrowed for the callback. */
struct dc_eid_row {
	const struct dc_eid_account *account;
	const char *name;
	const char *commune; /* may be "" */
	const char *note;    /* may be "" */
};

/* Which accounts dc_eid_list reads (every member optional: 0 / NULL). */
struct dc_eid_filter {
	enum dc_eid_state state; /* 0: any */
	const char *commune;     /* home commune */
	const char *after;       /* only pins sorting after this one */
	const char *pin;         /* only this citizen */
};

/* Accounts matching f, ordered by pin. cb returns 0 to go on, 1 to stop
 * (DC_OK is returned then), or an error. */
int dc_eid_list(struct dc_store *s, const struct dc_eid_filter *f,
                int (*cb)(void *arg, const struct dc_eid_row *r), void *arg);

/* The state name parsed ("pending" = submitted); 0 for an unknown name. */
enum dc_eid_state dc_eid_state_parse(const char *s);

#endif
