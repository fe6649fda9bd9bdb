/* Tests for src/card/card.c and verify.c: the Art. 21 expiry rule table,
 * reason codes, and the lifecycle against a real store (SQLite, then
 * PostgreSQL when the test server is up): one valid card per citizen, state
 * rules, events and audit entries, dead citizens, and verification of a
 * good, replaced, revoked, expired and dead holder's card. */
#include <stdio.h>
#include <string.h>

#include "dancu/audit.h"
#include "dancu/card.h"
#include "dancu/store.h"
#include "dancu/units.h"
#include "lib/testlib.h"

static struct dc_units *units;

static int setup(void **st)
{
	return dc_units_new(&units);
}

static int teardown(void **st)
{
	dc_units_free(units);
	return 0;
}

static void test_expiry_table(void **st)
{
	static const struct {
		struct dc_date dob, issued;
		int has;
		struct dc_date want;
	} t[] = {
	        /* under 12: until 14 */
	        {{2020, 5, 10}, {2024, 7, 1}, 1, {2034, 5, 10}},
	        /* the day before the 2-year window opens: still until 14 */
	        {{2010, 5, 10}, {2022, 5, 9}, 1, {2024, 5, 10}},
	        /* exactly 2 years before 14: the next age (25) */
	        {{2010, 5, 10}, {2022, 5, 10}, 1, {2035, 5, 10}},
	        /* at 14: until 25 */
	        {{2010, 5, 10}, {2024, 5, 10}, 1, {2035, 5, 10}},
	        /* 23 → within 2 years of 25 → 40 */
	        {{1999, 3, 15}, {2022, 6, 1}, 1, {2039, 3, 15}},
	        /* 22 and a day before the window → 25 */
	        {{1999, 3, 15}, {2021, 5, 10}, 1, {2024, 3, 15}},
	        /* 30 → 40 */
	        {{1990, 1, 1}, {2020, 1, 1}, 1, {2030, 1, 1}},
	        /* 38.5 → 60 */
	        {{1980, 1, 1}, {2018, 7, 1}, 1, {2040, 1, 1}},
	        /* 45 → 60 */
	        {{1975, 8, 20}, {2020, 8, 20}, 1, {2035, 8, 20}},
	        /* 57 and a day short of 58 → 60 */
	        {{1967, 8, 20}, {2025, 8, 19}, 1, {2027, 8, 20}},
	        /* 58 → no expiry */
	        {{1967, 8, 20}, {2025, 8, 20}, 0, {0, 0, 0}},
	        /* 70 → no expiry */
	        {{1950, 1, 1}, {2020, 1, 1}, 0, {0, 0, 0}},
	        /* 29 February → 28 February in a common year */
	        {{2000, 2, 29}, {2001, 1, 1}, 1, {2014, 2, 28}},
	        /* year-only birth date counts from 1 January */
	        {{1990, 0, 0}, {2020, 6, 1}, 1, {2030, 1, 1}},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct dc_date e = {0, 0, 0};
		bool has = dc_card_expiry(&t[i].dob, &t[i].issued, &e);
		if (has != (t[i].has == 1) ||
		    (has && (e.year != t[i].want.year || e.month != t[i].want.month ||
		             e.day != t[i].want.day)))
			fail_msg("row %zu: got %d %d-%d-%d", i, has, e.year, e.month, e.day);
	}
}

static void test_names(void **st)
{
	assert_true(dc_card_reason_ok(DC_CARD_FIRST, "first"));
	assert_true(dc_card_reason_ok(DC_CARD_EXCHANGE, "damaged"));
	assert_true(dc_card_reason_ok(DC_CARD_REISSUE, "lost"));
	assert_false(dc_card_reason_ok(DC_CARD_REISSUE, "damaged"));
	assert_false(dc_card_reason_ok(DC_CARD_RENEWAL, NULL));
	assert_int_equal(dc_card_kind_parse("renewal"), DC_CARD_RENEWAL);
	assert_int_equal(dc_card_kind_parse("x"), 0);
	assert_int_equal(dc_card_action_parse("deliver"), DC_CARD_DELIVER);
	assert_string_equal(dc_card_state_name(DC_CARD_REPLACED), "replaced");
	assert_null(dc_card_state_name(0));
}

static void add_citizen(struct dc_store *s, const char *pin, const char *name, struct dc_date dob,
                        int sex)
{
	struct dc_citizen c;
	memset(&c, 0, sizeof c);
	dc_pin_parse(pin, 12, &c.pin);
	c.dob = dob;
	c.sex = sex;
	c.birth_name = name;
	c.nationality = "VN";
	c.perm_commune = "00004";
	c.perm_address = "Số 1 Phố Thử";
	struct dc_change why = {"test", "setup", NULL, "birth"};
	assert_int_equal(dc_store_citizen_create(s, &c, &why, NULL), 0);
}

static struct dc_card_op op_at(struct dc_date today, const char *reason)
{
	struct dc_card_op op;
	memset(&op, 0, sizeof op);
	op.actor = "officer.1";
	op.request_id = "req";
	op.reason = reason;
	op.today = today;
	return op;
}

static int count_state(void *arg, const struct dc_card *c)
{
	int *n = arg;
	if (c->state == DC_CARD_DELIVERED)
		n[0]++;
	n[1]++;
	return 0;
}

static int audit_count(void *arg, int64_t seq, int64_t at, const struct dc_audit_entry *e)
{
	if (!strncmp(e->action, "card.", 5))
		(*(int *)arg)++;
	return 0;
}

static void run_verify(struct dc_store *s, enum dc_card_form f, const char *text,
                       struct dc_date today, struct dc_card_verdict *v, struct dc_pool *pool)
{
	assert_int_equal(dc_card_verify(s, units, f, text, strlen(text), &today, v, pool), 0);
}

static int check_ok(const struct dc_card_verdict *v, const char *name)
{
	for (size_t i = 0; i < v->nchecks; i++)
		if (!strcmp(v->checks[i].name, name))
			return v->checks[i].ok;
	return -2;
}

static void lifecycle(const char *target)
{
	struct dc_store *s;
	char err[256];
	assert_int_equal(dc_store_open(target, units, &s, err, sizeof err), 0);
	struct dc_date today = {2026, 11, 22};
	add_citizen(s, "001199012345", "Nguyễn Thị Mẫu", (struct dc_date){1999, 3, 15}, 'F');
	add_citizen(s, "001099012346", "Trần Văn Thư", (struct dc_date){1999, 4, 1}, 'M');
	add_citizen(s, "001222000001", "Lê Bé", (struct dc_date){2022, 1, 1}, 'M');
	struct dc_pin p1, p2, p3;
	dc_pin_parse("001199012345", 12, &p1);
	dc_pin_parse("001099012346", 12, &p2);
	dc_pin_parse("001222000001", 12, &p3);
	struct dc_card c, c2;
	struct dc_card_op op = op_at(today, "first");

	/* a renewal before any card, a bad reason, then a first card */
	op.reason = "age";
	assert_int_equal(dc_card_apply(s, &p1, DC_CARD_RENEWAL, &op, &c), DC_ERR_INVALID);
	op.reason = "lost";
	assert_int_equal(dc_card_apply(s, &p1, DC_CARD_FIRST, &op, &c), DC_ERR_INVALID);
	op.reason = "first";
	assert_int_equal(dc_card_apply(s, &p1, DC_CARD_FIRST, &op, &c), 0);
	assert_int_equal(c.state, DC_CARD_APPLIED);
	assert_int_equal(dc_card_apply(s, &p1, DC_CARD_FIRST, &op, &c2), DC_ERR_CONFLICT);
	/* wrong order of steps */
	assert_int_equal(dc_card_act(s, units, c.id, DC_CARD_DELIVER, &op, NULL), DC_ERR_CONFLICT);
	assert_non_null(strstr(op.detail, "applied"));
	assert_int_equal(dc_card_act(s, units, c.id, DC_CARD_APPROVE, &op, NULL), 0);
	/* back-dated production (a card recorded after the fact) */
	op.issued = (struct dc_date){2021, 5, 10};
	assert_int_equal(dc_card_act(s, units, c.id, DC_CARD_PRODUCE, &op, &c), 0);
	assert_int_equal(c.expiry.year, 2024); /* 22 at issue → 25 */
	assert_true(c.has_photo);
	assert_non_null(strstr(c.mrz, "IDVNM1990123456001199012345<<7"));
	assert_non_null(strstr(c.qr, "001199012345||Nguyễn Thị Mẫu|15031999|Nữ|Số 1 Phố Thử, "));
	assert_int_equal(dc_card_act(s, units, c.id, DC_CARD_DELIVER, &op, &c), 0);
	struct dc_card first = c;

	/* verification: the card is expired in 2026 */
	struct dc_pool pool;
	dc_pool_init(&pool, 0);
	struct dc_card_verdict v;
	run_verify(s, DC_CARD_FORM_QR, first.qr, today, &v, &pool);
	assert_false(v.valid);
	assert_int_equal(check_ok(&v, "card_issued"), 1);
	assert_int_equal(check_ok(&v, "card_valid"), 1);
	assert_int_equal(check_ok(&v, "not_expired"), 0);
	/* … and good in 2023 */
	run_verify(s, DC_CARD_FORM_MRZ, first.mrz, (struct dc_date){2023, 1, 1}, &v, &pool);
	assert_true(v.valid);
	assert_int_equal(check_ok(&v, "check_digit_composite"), 1);
	assert_string_equal(v.name, "Nguyễn Thị Mẫu");

	/* renewal: a second delivered card replaces the first */
	op = op_at(today, "age");
	assert_int_equal(dc_card_apply(s, &p1, DC_CARD_RENEWAL, &op, &c), 0);
	assert_int_equal(dc_card_act(s, units, c.id, DC_CARD_APPROVE, &op, NULL), 0);
	assert_int_equal(dc_card_act(s, units, c.id, DC_CARD_PRODUCE, &op, &c), 0);
	assert_int_equal(c.expiry.year, 2039); /* 27 → 40 */
	assert_int_equal(dc_card_act(s, units, c.id, DC_CARD_DELIVER, &op, &c), 0);
	/* Art. 21: the next renewal for age (40, on 2039-03-15) opens two years
	 * before; earlier applications are refused with a rule code */
	op = op_at(today, "age");
	assert_int_equal(dc_card_apply(s, &p1, DC_CARD_RENEWAL, &op, &c2), DC_ERR_RULE);
	assert_string_equal(op.rule, "card.renewal_too_early");
	assert_non_null(strstr(op.detail, "2037-03-15"));
	op = op_at((struct dc_date){2037, 3, 14}, "age");
	assert_int_equal(dc_card_apply(s, &p1, DC_CARD_RENEWAL, &op, &c2), DC_ERR_RULE);
	op = op_at((struct dc_date){2037, 3, 15}, "age");
	assert_int_equal(dc_card_apply(s, &p1, DC_CARD_RENEWAL, &op, &c2), DC_OK);
	assert_null(op.rule);
	assert_int_equal(dc_card_act(s, units, c2.id, DC_CARD_REJECT, &op, NULL), 0);
	/* an exchange is not bound to the window */
	op = op_at(today, "damaged");
	assert_int_equal(dc_card_apply(s, &p1, DC_CARD_EXCHANGE, &op, &c2), DC_OK);
	assert_int_equal(dc_card_act(s, units, c2.id, DC_CARD_REJECT, &op, NULL), 0);
	int n[2] = {0, 0};
	dc_card_list(s, &p1, count_state, n);
	assert_int_equal(n[0], 1);
	assert_int_equal(n[1], 4); /* with the two rejected applications */
	assert_int_equal(dc_card_get(s, first.id, &c2), 0);
	assert_int_equal(c2.state, DC_CARD_REPLACED);
	run_verify(s, DC_CARD_FORM_QR, c.qr, today, &v, &pool);
	assert_true(v.valid);
	run_verify(s, DC_CARD_FORM_QR, first.qr, (struct dc_date){2023, 1, 1}, &v, &pool);
	assert_int_equal(check_ok(&v, "card_valid"), 0);
	/* tampered MRZ: check digit fails, and no such card */
	char bad[DC_MRZ_TEXT_MAX];
	memcpy(bad, c.mrz, sizeof bad);
	bad[14] = bad[14] == '0' ? '1' : '0';
	run_verify(s, DC_CARD_FORM_MRZ, bad, today, &v, &pool);
	assert_false(v.valid);
	assert_int_equal(check_ok(&v, "check_digit_document_number"), 0);
	run_verify(s, DC_CARD_FORM_QR, "garbage", today, &v, &pool);
	assert_int_equal(check_ok(&v, "format"), 0);
	assert_false(v.valid);
	run_verify(s, DC_CARD_FORM_QR, "001199099999||X|15031999|Nam||10052021", today, &v, &pool);
	assert_int_equal(check_ok(&v, "citizen_known"), 0);

	/* changed data: the card no longer shows the register's data */
	struct dc_citizen x;
	struct dc_pool cp;
	dc_pool_init(&cp, 0);
	assert_int_equal(dc_store_citizen_get(s, &p1, &x, &cp), 0);
	x.birth_name = "Nguyễn Thị Mai";
	struct dc_change why = {"test", "name change", "QD-1", "correction"};
	assert_int_equal(dc_store_citizen_update(s, &x, &why, NULL), 0);
	run_verify(s, DC_CARD_FORM_MRZ, c.mrz, today, &v, &pool);
	assert_int_equal(check_ok(&v, "data_current"), 0);
	assert_false(v.valid);

	/* revocation */
	op = op_at(today, "stolen");
	assert_int_equal(dc_card_act(s, units, c.id, DC_CARD_REVOKE, &op, &c), 0);
	run_verify(s, DC_CARD_FORM_QR, c.qr, today, &v, &pool);
	assert_int_equal(check_ok(&v, "card_valid"), 0);
	assert_int_equal(dc_card_act(s, units, c.id, DC_CARD_REVOKE, &op, &c), DC_ERR_CONFLICT);

	/* issued at 60: no expiry, so no renewal for age is ever due */
	add_citizen(s, "001060000123", "Phạm Văn Lão", (struct dc_date){1960, 6, 1}, 'M');
	struct dc_pin p4;
	dc_pin_parse("001060000123", 12, &p4);
	op = op_at(today, "first");
	assert_int_equal(dc_card_apply(s, &p4, DC_CARD_FIRST, &op, &c2), 0);
	dc_card_act(s, units, c2.id, DC_CARD_APPROVE, &op, NULL);
	op.issued = (struct dc_date){2021, 1, 1};
	assert_int_equal(dc_card_act(s, units, c2.id, DC_CARD_PRODUCE, &op, &c2), 0);
	assert_int_equal(c2.expiry.year, 0);
	assert_int_equal(dc_card_act(s, units, c2.id, DC_CARD_DELIVER, &op, &c2), 0);
	op = op_at(today, "age");
	assert_int_equal(dc_card_apply(s, &p4, DC_CARD_RENEWAL, &op, &c2), DC_ERR_RULE);
	assert_string_equal(op.rule, "card.renewal_no_expiry");

	/* a child under 6: no photo, until 14 */
	op = op_at(today, "first");
	assert_int_equal(dc_card_apply(s, &p3, DC_CARD_FIRST, &op, &c), 0);
	dc_card_act(s, units, c.id, DC_CARD_APPROVE, &op, NULL);
	assert_int_equal(dc_card_act(s, units, c.id, DC_CARD_PRODUCE, &op, &c), 0);
	assert_false(c.has_photo);
	assert_int_equal(c.expiry.year, 2036);
	/* reject path */
	op = op_at(today, "first");
	assert_int_equal(dc_card_apply(s, &p2, DC_CARD_FIRST, &op, &c), 0);
	assert_int_equal(dc_card_act(s, units, c.id, DC_CARD_REJECT, &op, &c), 0);
	assert_int_equal(c.state, DC_CARD_REJECTED);
	/* a future issue date is refused */
	assert_int_equal(dc_card_apply(s, &p2, DC_CARD_FIRST, &op, &c), 0);
	dc_card_act(s, units, c.id, DC_CARD_APPROVE, &op, NULL);
	op.issued = (struct dc_date){2027, 1, 1};
	assert_int_equal(dc_card_act(s, units, c.id, DC_CARD_PRODUCE, &op, &c2), DC_ERR_INVALID);
	op.issued = (struct dc_date){0, 0, 0};
	assert_int_equal(dc_card_act(s, units, c.id, DC_CARD_PRODUCE, &op, &c), 0);
	assert_int_equal(dc_card_act(s, units, c.id, DC_CARD_DELIVER, &op, &c), 0);
	run_verify(s, DC_CARD_FORM_QR, c.qr, today, &v, &pool);
	assert_true(v.valid);
	/* death: the card fails verification, and no new card */
	assert_int_equal(dc_store_citizen_get(s, &p2, &x, &cp), 0);
	x.status = DC_STATUS_DEAD;
	x.death_date = today;
	why.kind = "death";
	assert_int_equal(dc_store_citizen_update(s, &x, &why, NULL), 0);
	run_verify(s, DC_CARD_FORM_QR, c.qr, today, &v, &pool);
	assert_false(v.valid);
	assert_int_equal(check_ok(&v, "citizen_alive"), 0);
	op = op_at(today, "lost");
	assert_int_equal(dc_card_apply(s, &p2, DC_CARD_REISSUE, &op, &c2), DC_ERR_CONFLICT);
	if (!strstr(op.detail, "death"))
		fail_msg("detail: %s", op.detail);

	/* the store itself refuses a second valid card */
	assert_int_equal(dc_db_exec(dc_store_db(s),
	                            "INSERT INTO card (pin, kind, reason, state, applied_ms, "
	                            "updated_ms, actor) VALUES ('001099012346', 'first', 'first', "
	                            "'delivered', 0, 0, 'x')"),
	                 DC_ERR_CONFLICT);
	/* every transition is on the audit log */
	int a = 0;
	dc_audit_for_subject(s, "001199012345", audit_count, &a);
	/* (apply approve produce deliver) ×2, (apply reject) ×2, revoke */
	assert_int_equal(a, 13);
	dc_pool_release(&cp);
	dc_pool_release(&pool);
	dc_store_close(s);
}

static void test_lifecycle_sqlite(void **st)
{
	char dir[256], path[300];
	dc_test_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/c.db", dir);
	lifecycle(path);
}

static void test_lifecycle_pg(void **st)
{
	char conn[512];
	if (dc_test_pg_fresh(conn, sizeof conn))
		skip();
	lifecycle(conn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_expiry_table),
	        cmocka_unit_test(test_names),
	        cmocka_unit_test(test_lifecycle_sqlite),
	        cmocka_unit_test(test_lifecycle_pg),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
