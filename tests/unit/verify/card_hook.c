/* Tests for src/verify/card_hook.c: verification learns a citizen's card
 * from the card register — none (unknown), delivered (valid, with its issue
 * date), revoked, and a card produced but not yet delivered (not current). */
#include <stdio.h>
#include <string.h>

#include "dancu/card.h"
#include "dancu/store.h"
#include "dancu/units.h"
#include "dancu/verify.h"
#include "lib/testlib.h"
#include "verify/verify_internal.h"

static void run(const char *target)
{
	struct dc_units *u = NULL;
	struct dc_store *s = NULL;
	char err[256];
	assert_int_equal(dc_units_new(&u), 0);
	assert_int_equal(dc_store_open(target, u, &s, err, sizeof err), 0);
	struct dc_citizen c;
	memset(&c, 0, sizeof c);
	dc_pin_parse("001199012345", 12, &c.pin);
	c.dob = (struct dc_date){1999, 3, 15};
	c.sex = 'F';
	c.birth_name = "Nguyễn Thị Mẫu";
	c.nationality = "VN";
	c.perm_commune = "00004";
	c.perm_address = "Số 1";
	struct dc_change why = {"test", "setup", NULL, "birth"};
	assert_int_equal(dc_store_citizen_create(s, &c, &why, NULL), 0);
	struct dc_verify_card vc;
	assert_int_equal(dc__verify_card_lookup(s, "001199012345", &vc), 0);
	assert_int_equal(vc.state, DC_VCARD_UNKNOWN);

	struct dc_card card;
	struct dc_card_op op;
	memset(&op, 0, sizeof op);
	op.actor = "t";
	op.reason = "first";
	op.today = dc_date_today();
	assert_int_equal(dc_card_apply(s, &c.pin, DC_CARD_FIRST, &op, &card), 0);
	assert_int_equal(dc_card_act(s, u, card.id, DC_CARD_APPROVE, &op, NULL), 0);
	assert_int_equal(dc_card_act(s, u, card.id, DC_CARD_PRODUCE, &op, &card), 0);
	/* Produced, not yet in the citizen's hands: not current. */
	assert_int_equal(dc__verify_card_lookup(s, "001199012345", &vc), 0);
	assert_int_equal(vc.state, DC_VCARD_UNKNOWN);
	assert_int_equal(dc_card_act(s, u, card.id, DC_CARD_DELIVER, &op, &card), 0);
	assert_int_equal(dc__verify_card_lookup(s, "001199012345", &vc), 0);
	assert_int_equal(vc.state, DC_VCARD_VALID);
	assert_int_equal(vc.issue_date.year, card.issued.year);
	assert_int_equal(vc.issue_date.day, card.issued.day);
	op.reason = "fraud";
	assert_int_equal(dc_card_act(s, u, card.id, DC_CARD_REVOKE, &op, &card), 0);
	assert_int_equal(dc__verify_card_lookup(s, "001199012345", &vc), 0);
	assert_int_equal(vc.state, DC_VCARD_REVOKED);
	assert_int_equal(dc__verify_card_lookup(s, "bad", &vc), 0);
	assert_int_equal(vc.state, DC_VCARD_UNKNOWN);
	dc_store_close(s);
	dc_units_free(u);
}

static void test_sqlite(void **st)
{
	char dir[256], path[300];
	dc_test_tmpdir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/c.db", dir);
	run(path);
}

static void test_pg(void **st)
{
	char conninfo[512];
	if (dc_test_pg_fresh(conninfo, sizeof conninfo))
		skip();
	run(conninfo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sqlite),
	        cmocka_unit_test(test_pg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
