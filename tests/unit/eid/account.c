/* Tests for src/eid/account.c on SQLite and PostgreSQL: registration rules
 * (age, phone, death), approval with the OTP in the outbox, activation
 * (OTP, password policy, passcode), login with lockout, lock/unlock, the
 * death closing the account, integrated documents, the card-expiry limit. */
#include <liboath/oath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/citizen.h"
#include "dancu/date.h"
#include "dancu/db.h"
#include "dancu/eid.h"
#include "dancu/pin.h"
#include "dancu/store.h"
#include "dancu/units.h"
#include "lib/testlib.h"

static const struct dc_change birth = {"officer-1", "birth registration", "KS-001", "birth"};

static void add_person(struct dc_test_store *f, const char *pin, int age_years)
{
	struct dc_citizen c;
	struct dc_date today = dc_date_today();
	memset(&c, 0, sizeof c);
	dc_pin_parse(pin, 12, &c.pin);
	c.dob = today;
	c.dob.year = (int16_t)(today.year - age_years);
	if (c.dob.month == 2 && c.dob.day == 29)
		c.dob.day = 28;
	c.sex = DC_SEX_FEMALE;
	c.birth_name = "Nguyễn Thị Thử";
	c.nationality = "VN";
	c.perm_commune = "00004";
	assert_int_equal(dc_store_citizen_create(f->s, &c, &birth, NULL), 0);
}

static void test_register_rules(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	char err[256];
	struct dc_eid_account a;
	add_person(f, "001199012345", 30);
	add_person(f, "001299012346", 4);
	/* Unknown citizen, bad phone, missing face, level 2 without officer. */
	assert_int_equal(dc_eid_register(f->s, "001199099999", 1, "0912345678", "face:1", NULL, err,
	                                 sizeof err),
	                 DC_ERR_NOT_FOUND);
	assert_int_equal(
	        dc_eid_register(f->s, "001199012345", 1, "12345", "face:1", NULL, err, sizeof err),
	        DC_ERR_INVALID);
	assert_int_equal(
	        dc_eid_register(f->s, "001199012345", 1, "0912345678", "", NULL, err, sizeof err),
	        DC_ERR_INVALID);
	assert_int_equal(dc_eid_register(f->s, "001199012345", 2, "0912345678", "face:1", NULL, err,
	                                 sizeof err),
	                 DC_ERR_INVALID);
	/* Under 6: level 2 refused, level 1 allowed. */
	assert_int_equal(dc_eid_register(f->s, "001299012346", 2, "0912000001", "face:2", "off-1",
	                                 err, sizeof err),
	                 DC_ERR_FORBIDDEN);
	assert_int_equal(dc_eid_register(f->s, "001299012346", 1, "0912000001", "face:2", NULL, err,
	                                 sizeof err),
	                 DC_OK);
	/* One number, one account. */
	assert_int_equal(dc_eid_register(f->s, "001199012345", 2, "0912000001", "face:1", "off-1",
	                                 err, sizeof err),
	                 DC_ERR_CONFLICT);
	assert_int_equal(dc_eid_register(f->s, "001199012345", 2, "0912345678", "face:1", "off-1",
	                                 err, sizeof err),
	                 DC_OK);
	assert_int_equal(dc_eid_get(f->s, "001199012345", &a), 0);
	assert_int_equal(a.level, 2);
	assert_int_equal(a.state, DC_EID_SUBMITTED);
	assert_string_equal(a.verified_by, "off-1");
	assert_string_equal(dc_eid_acr(a.level), "urn:dancu:acr:nd69:2");
}

static int count_lines(void *arg, const char *phone, const char *text)
{
	char *otp = arg;
	const char *p = strstr(text, "(OTP): ");
	assert_non_null(p);
	assert_string_equal(phone, "0912345678");
	memcpy(otp, p + 7, 6);
	otp[6] = '\0';
	return 0;
}

/* Registered, approved and activated account; returns nothing. */
static void make_active(struct dc_test_store *f, const char *pin)
{
	char err[256], otp[7], sent[7] = "";
	add_person(f, pin, 30);
	assert_int_equal(
	        dc_eid_register(f->s, pin, 2, "0912345678", "face:1", "off-1", err, sizeof err), 0);
	assert_int_equal(dc_eid_approve(f->s, pin, "off-1", otp), 0);
	/* The OTP went out through the outbox, exactly once. */
	assert_int_equal(dc_eid_outbox_flush(f->s, count_lines, sent), 1);
	assert_string_equal(sent, otp);
	assert_int_equal(dc_eid_outbox_flush(f->s, count_lines, sent), 0);
	assert_int_equal(dc_eid_activate(f->s, pin, otp, "Matkhau@2026", "583920", err, sizeof err),
	                 0);
}

static void test_activation(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	char err[256], otp[7];
	struct dc_eid_account a;
	add_person(f, "001199012345", 30);
	assert_int_equal(dc_eid_register(f->s, "001199012345", 1, "0912345678", "face:1", NULL, err,
	                                 sizeof err),
	                 0);
	/* Not approved yet. */
	assert_int_equal(dc_eid_activate(f->s, "001199012345", "000000", "Matkhau@2026", "583920",
	                                 err, sizeof err),
	                 DC_ERR_CONFLICT);
	assert_int_equal(dc_eid_approve(f->s, "001199012345", "off-1", otp), 0);
	/* Password and passcode policies. */
	assert_int_equal(dc_eid_password_ok("short1A!", err, sizeof err), 0);
	assert_int_equal(dc_eid_password_ok("nouppercase1!", err, sizeof err), DC_ERR_INVALID);
	assert_int_equal(dc_eid_password_ok("NoSpecial123", err, sizeof err), DC_ERR_INVALID);
	assert_int_equal(dc_eid_password_ok("Way@Too@Long@Password1", err, sizeof err),
	                 DC_ERR_INVALID);
	assert_int_equal(dc_eid_activate(f->s, "001199012345", otp, "Matkhau@2026", "123456", err,
	                                 sizeof err),
	                 DC_ERR_INVALID);
	/* Wrong OTP counts; the right one then works. */
	char bad[16];
	snprintf(bad, sizeof bad, "%06d", (int)((strtol(otp, NULL, 10) + 1) % 1000000));
	assert_int_equal(dc_eid_activate(f->s, "001199012345", bad, "Matkhau@2026", "583920", err,
	                                 sizeof err),
	                 DC_ERR_VERIFY);
	assert_int_equal(dc_eid_activate(f->s, "001199012345", otp, "Matkhau@2026", "583920", err,
	                                 sizeof err),
	                 0);
	assert_int_equal(dc_eid_get(f->s, "001199012345", &a), 0);
	assert_int_equal(a.state, DC_EID_ACTIVE);
	assert_true(a.activated_ms > 0);
}

static void test_login_lockout(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_eid_account a;
	make_active(f, "001199012345");
	int64_t t = 1800000000000;
	assert_int_equal(dc_eid_login(f->s, "001199012345", "Matkhau@2026", t, &a), 0);
	assert_int_equal(a.level, 2);
	assert_int_equal(dc_eid_login(f->s, "001199099999", "Matkhau@2026", t, &a), DC_ERR_AUTH);
	for (int i = 0; i < 5; i++)
		assert_int_equal(dc_eid_login(f->s, "001199012345", "wrong", t, NULL), DC_ERR_AUTH);
	/* Held, even with the right password; free again after 15 minutes. */
	assert_int_equal(dc_eid_login(f->s, "001199012345", "Matkhau@2026", t + 1000, NULL),
	                 DC_ERR_LOCKED);
	assert_int_equal(dc_eid_login(f->s, "001199012345", "Matkhau@2026", t + 16 * 60000, NULL),
	                 0);
	assert_int_equal(dc_eid_login_record(f->s, "001199012345", "bank-1", 2, 1, "127.0.0.1", t),
	                 0);
}

static void test_lock_unlock_death(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_eid_account a;
	int64_t t = 1800000000000;
	make_active(f, "001199012345");
	assert_int_equal(dc_eid_lock(f->s, "001199012345", "nobody"), DC_ERR_INVALID);
	assert_int_equal(dc_eid_lock(f->s, "001199012345", "authority:off-2"), 0);
	assert_int_equal(dc_eid_lock(f->s, "001199012345", "citizen"), DC_ERR_CONFLICT);
	assert_int_equal(dc_eid_login(f->s, "001199012345", "Matkhau@2026", t, NULL),
	                 DC_ERR_LOCKED);
	/* An authority's lock is not lifted by the citizen. */
	assert_int_equal(dc_eid_unlock(f->s, "001199012345", "citizen"), DC_ERR_FORBIDDEN);
	assert_int_equal(dc_eid_unlock(f->s, "001199012345", "authority:off-2"), 0);
	assert_int_equal(dc_eid_lock(f->s, "001199012345", "citizen"), 0);
	assert_int_equal(dc_eid_unlock(f->s, "001199012345", "citizen"), 0);
	assert_int_equal(dc_eid_login(f->s, "001199012345", "Matkhau@2026", t, NULL), 0);
	/* Death closes it for good; a rolled-back death does not. */
	assert_int_equal(dc_store_begin(f->s), 0);
	assert_int_equal(dc_eid_close_for_death(f->s, "001199012345"), 0);
	assert_int_equal(dc_store_rollback(f->s), 0);
	assert_int_equal(dc_eid_login(f->s, "001199012345", "Matkhau@2026", t, NULL), 0);
	assert_int_equal(dc_eid_close_for_death(f->s, "001199012345"), 0);
	assert_int_equal(dc_eid_get(f->s, "001199012345", &a), 0);
	assert_int_equal(a.state, DC_EID_CLOSED);
	assert_string_equal(a.lock_reason, "death");
	assert_int_equal(dc_eid_login(f->s, "001199012345", "Matkhau@2026", t, NULL),
	                 DC_ERR_LOCKED);
	assert_int_equal(dc_eid_unlock(f->s, "001199012345", "authority:off-2"), DC_ERR_CONFLICT);
	/* No account: nothing to close. */
	assert_int_equal(dc_eid_close_for_death(f->s, "001199099999"), 0);
}

/* NĐ 69/2024 Art. 15: an expired card keeps the account from being used
 * until a renewed card is delivered; the limit is read, not written. */
static void test_usable_card_expiry(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_eid_account a;
	struct dc_date today = dc_date_today();
	struct dc_date yesterday = dc_date_from_days(dc_date_to_days(&today) - 1);
	char t[DC_DATE_ISO_MAX], y[DC_DATE_ISO_MAX], exp[11], sql[512];
	struct dc_db *db;
	dc_date_iso(&today, t);
	dc_date_iso(&yesterday, y);
	make_active(f, "001199012345");
	db = dc_store_db(f->s);
	assert_int_equal(dc_eid_usable(f->s, "001199012345", &today, &a, exp), 0);
	assert_int_equal(a.state, DC_EID_ACTIVE);
	assert_int_equal(dc_eid_usable(f->s, "001199099999", &today, NULL, NULL), DC_ERR_NOT_FOUND);
	/* A card valid through today. */
	snprintf(sql, sizeof sql,
	         "INSERT INTO card (pin, kind, reason, state, issued, expiry, applied_ms, "
	         "updated_ms, actor) VALUES ('001199012345', 'first', 'first', 'delivered', "
	         "'2016-01-01', '%s', 1, 1, 't')",
	         t);
	assert_int_equal(dc_db_exec(db, sql), 0);
	assert_int_equal(dc_eid_usable(f->s, "001199012345", &today, NULL, exp), 0);
	/* Expired yesterday: locked, with the date; the account row is unchanged. */
	snprintf(sql, sizeof sql, "UPDATE card SET expiry = '%s' WHERE pin = '001199012345'", y);
	assert_int_equal(dc_db_exec(db, sql), 0);
	assert_int_equal(dc_eid_usable(f->s, "001199012345", &today, &a, exp), DC_ERR_EXPIRED);
	assert_string_equal(exp, y);
	assert_int_equal(a.state, DC_EID_ACTIVE);
	/* The renewal replaces it (a card without expiry): usable again. */
	assert_int_equal(dc_db_exec(db, "UPDATE card SET state = 'replaced' WHERE pin = "
	                                "'001199012345'"),
	                 0);
	assert_int_equal(dc_db_exec(db, "INSERT INTO card (pin, kind, reason, state, issued, "
	                                "expiry, applied_ms, updated_ms, actor) VALUES "
	                                "('001199012345', 'renewal', 'age', 'delivered', "
	                                "'2026-01-01', NULL, 2, 2, 't')"),
	                 0);
	assert_int_equal(dc_eid_usable(f->s, "001199012345", &today, NULL, exp), 0);
	/* Dead in the register (not through the death route): locked. */
	assert_int_equal(dc_db_exec(db, "UPDATE citizen SET status = 'dead' WHERE pin = "
	                                "'001199012345'"),
	                 0);
	assert_int_equal(dc_eid_usable(f->s, "001199012345", &today, NULL, exp), DC_ERR_LOCKED);
}

static void test_totp(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	unsigned char key[32];
	char b32[64], code[7];
	char *raw = NULL;
	size_t rawlen = 0;
	int64_t t = 1800000000000;
	memset(key, 7, sizeof key);
	make_active(f, "001199012345");
	assert_int_equal(dc_eid_totp_check(f->s, "001199012345", key, "", t), 1); /* none yet */
	assert_int_equal(dc_eid_totp_enroll(f->s, "001199012345", key, b32), 0);
	assert_int_equal(oath_base32_decode(b32, strlen(b32), &raw, &rawlen), OATH_OK);
	assert_int_equal(oath_totp_generate(raw, rawlen, (time_t)(t / 1000), 30, 0, 6, code),
	                 OATH_OK);
	free(raw);
	assert_int_equal(dc_eid_totp_check(f->s, "001199012345", key, "", t), DC_ERR_AUTH);
	char wrong[16];
	snprintf(wrong, sizeof wrong, "%06d", (int)((strtol(code, NULL, 10) + 1) % 1000000));
	assert_int_equal(dc_eid_totp_check(f->s, "001199012345", key, wrong, t), DC_ERR_AUTH);
	unsigned char other[32];
	memset(other, 8, sizeof other); /* another master key cannot unseal it */
	assert_int_equal(dc_eid_totp_check(f->s, "001199012345", other, code, t), DC_ERR_AUTH);
	assert_int_equal(dc_eid_totp_check(f->s, "001199012345", key, code, t), 0);
	assert_int_equal(dc_eid_totp_check(f->s, "001199012345", key, code, t), DC_ERR_AUTH);
}

static int collect(void *arg, const char *kind, const char *value)
{
	struct dc_buf *b = arg;
	dc_buf_addf(b, "%s=%s;", kind, value);
	return 0;
}

static void test_attrs_and_file_sender(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_buf b = DC_BUF_INIT;
	char path[512], line[1024];
	make_active(f, "001199012345");
	assert_int_equal(dc_eid_attr_set(f->s, "001199012345", "Bad-Kind", "x"), DC_ERR_INVALID);
	assert_int_equal(dc_eid_attr_set(f->s, "001199012345", "health_insurance", "DN4010123456"),
	                 0);
	assert_int_equal(dc_eid_attr_set(f->s, "001199012345", "driving_licence", "790123456789"),
	                 0);
	assert_int_equal(dc_eid_attr_set(f->s, "001199012345", "health_insurance", "DN4010999999"),
	                 0);
	assert_int_equal(dc_eid_attr_list(f->s, "001199012345", collect, &b), 0);
	assert_string_equal(dc_buf_str(&b),
	                    "driving_licence=790123456789;health_insurance=DN4010999999;");
	dc_buf_release(&b);
	/* The demo sender appends to a file. */
	snprintf(path, sizeof path, "%s/sms.txt", f->dir);
	assert_int_equal(dc_eid_sender_file(path, "0912345678", "xin chao"), 0);
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof line, fp));
	fclose(fp);
	assert_string_equal(line, "0912345678\txin chao\n");
}

static int list_cb(void *arg, const struct dc_eid_row *r)
{
	struct dc_buf *b = arg;
	dc_buf_addf(b, "%s:%s:%s:%s;", r->account->pin, dc_eid_state_name(r->account->state),
	            r->commune, r->note);
	return 0;
}

static int first_only(void *arg, const struct dc_eid_row *r)
{
	list_cb(arg, r);
	return 1;
}

static void test_list_and_note(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	char err[256];
	struct dc_buf b = DC_BUF_INIT;
	add_person(f, "001199012345", 30);
	add_person(f, "001199012346", 31);
	add_person(f, "001199012347", 32);
	const char *phones[] = {"0912000011", "0912000012", "0912000013"};
	const char *pins[] = {"001199012345", "001199012346", "001199012347"};
	for (int i = 0; i < 3; i++)
		assert_int_equal(dc_eid_register(f->s, pins[i], 1, phones[i], "face:x", NULL, err,
		                                 sizeof err),
		                 0);
	assert_int_equal(dc_eid_reject(f->s, "001199012346", "off-1"), 0);
	assert_int_equal(dc_eid_note(f->s, "001199012346", "ảnh không khớp"), 0);
	assert_int_equal(dc_eid_note(f->s, "001199099999", "x"), DC_ERR_NOT_FOUND);
	/* Every state; then only pending; after a pin; one pin; a commune. */
	struct dc_eid_filter all = {(enum dc_eid_state)0, NULL, NULL, NULL};
	assert_int_equal(dc_eid_list(f->s, &all, list_cb, &b), 0);
	assert_string_equal(dc_buf_str(&b), "001199012345:submitted:00004:;"
	                                    "001199012346:rejected:00004:ảnh không khớp;"
	                                    "001199012347:submitted:00004:;");
	dc_buf_reset(&b);
	struct dc_eid_filter pending = {dc_eid_state_parse("pending"), NULL, "001199012345", NULL};
	assert_int_equal(dc_eid_list(f->s, &pending, list_cb, &b), 0);
	assert_string_equal(dc_buf_str(&b), "001199012347:submitted:00004:;");
	dc_buf_reset(&b);
	struct dc_eid_filter one = {(enum dc_eid_state)0, "00004", NULL, "001199012346"};
	assert_int_equal(dc_eid_list(f->s, &one, list_cb, &b), 0);
	assert_string_equal(dc_buf_str(&b), "001199012346:rejected:00004:ảnh không khớp;");
	dc_buf_reset(&b);
	struct dc_eid_filter elsewhere = {(enum dc_eid_state)0, "00008", NULL, NULL};
	assert_int_equal(dc_eid_list(f->s, &elsewhere, list_cb, &b), 0);
	assert_string_equal(dc_buf_str(&b), "");
	/* The callback stops the walk with 1. */
	assert_int_equal(dc_eid_list(f->s, &all, first_only, &b), 0);
	assert_string_equal(dc_buf_str(&b), "001199012345:submitted:00004:;");
	assert_int_equal(dc_eid_state_parse("bogus"), 0);
	assert_int_equal(dc_eid_state_parse("locked"), DC_EID_LOCKED);
	dc_buf_release(&b);
}

#define BOTH(t)                                                                        \
	{"" #t "/sqlite", t, dc_test_store_sqlite, dc_test_store_teardown, NULL},      \
	{                                                                              \
		"" #t "/postgresql", t, dc_test_store_pg, dc_test_store_teardown, NULL \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        BOTH(test_register_rules),        BOTH(test_activation),
	        BOTH(test_login_lockout),         BOTH(test_lock_unlock_death),
	        BOTH(test_attrs_and_file_sender), BOTH(test_totp),
	        BOTH(test_list_and_note),         BOTH(test_usable_card_expiry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
