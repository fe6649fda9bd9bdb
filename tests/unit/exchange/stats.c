/* The dashboard's counters (stats_commune, stats_eid, stats_dossier,
 * stats_stay), on SQLite and PostgreSQL: each store, card, e-ID and dossier
 * write keeps them equal to an independent count (dc_stats_check finds no
 * drift, and the rows hold the expected numbers), including the paths the
 * black-box test cannot reach: a renumbering (no route or command does one
 * yet), a rolled-back write, a card, an e-ID account or a dossier deleted,
 * a dossier's channel changed, an account whose holder is not in the
 * register, and a batch import's deltas. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/buf.h"
#include "dancu/core.h"
#include "dancu/db.h"
#include "dancu/stats.h"
#include "dancu/store.h"
#include "dancu/units.h"
#include "lib/testlib.h"

static struct dc_citizen person(const char *pin, const char *commune)
{
	struct dc_citizen c;
	memset(&c, 0, sizeof c);
	dc_pin_parse(pin, 12, &c.pin);
	dc_date_parse("1999-03-15", 10, &c.dob);
	c.sex = DC_SEX_FEMALE;
	c.birth_name = "Trần Thị Mai";
	c.perm_commune = commune;
	c.perm_address = "Số 1";
	c.ethnicity = "Kinh";
	c.birth_reg_unit = commune;
	return c;
}

static const struct dc_change why = {"officer-1", "test", "KS-1", "birth"};

/* citizens, fields, cards of one commune (-1 each when it has no row). */
static void counters(struct dc_test_store *f, const char *commune, int64_t want_citizens,
                     int64_t want_fields, int64_t want_cards)
{
	struct dc_stmt *st = NULL;
	int64_t got[3] = {-1, -1, -1};
	assert_int_equal(dc_db_prepare(dc_store_db(f->s),
	                               "SELECT citizens, fields, cards FROM stats_commune WHERE "
	                               "commune = $1",
	                               &st),
	                 0);
	dc_stmt_bind_str(st, 1, commune);
	if (dc_stmt_step(st) == DC_ROW)
		for (int i = 0; i < 3; i++)
			got[i] = dc_stmt_int64(st, i);
	dc_stmt_finalize(st);
	if (got[0] != want_citizens || got[1] != want_fields || got[2] != want_cards)
		fail_msg("commune %s: got %lld/%lld/%lld, want %lld/%lld/%lld", commune,
		         (long long)got[0], (long long)got[1], (long long)got[2],
		         (long long)want_citizens, (long long)want_fields, (long long)want_cards);
}

static void no_drift(struct dc_test_store *f)
{
	struct dc_buf out = DC_BUF_INIT;
	int64_t drifted = -1;
	assert_int_equal(dc_stats_check(f->s, &out, &drifted), 0);
	if (drifted)
		fail_msg("drift: %s", dc_buf_str(&out));
	dc_buf_release(&out);
}

static void card(struct dc_test_store *f, const char *pin, const char *issued)
{
	assert_int_equal(
	        dc_db_run(dc_store_db(f->s),
	                  "INSERT INTO card (pin, kind, reason, state, issued, applied_ms, "
	                  "updated_ms, actor) VALUES ($1, 'first', 'first', $2, $3, 1, 1, "
	                  "'t')",
	                  "sss", pin, issued ? "delivered" : "applied", issued),
	        0);
}

static void test_writes(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_citizen a = person("001199000001", "00004"), b = person("001199000002", "00004");
	assert_int_equal(dc_store_citizen_create(f->s, &a, &why, NULL), 0);
	assert_int_equal(dc_store_citizen_create(f->s, &b, &why, NULL), 0);
	counters(f, "00004", 2, 12, 0);
	card(f, a.pin.d, "2026-01-02");
	card(f, a.pin.d, NULL); /* applied, not issued: not counted */
	counters(f, "00004", 2, 12, 1);
	/* a partial date of birth and a missing ethnicity: 4 fields */
	dc_date_parse("1999", 4, &b.dob);
	b.ethnicity = NULL;
	assert_int_equal(dc_store_citizen_update(f->s, &b, &why, NULL), 0);
	counters(f, "00004", 2, 10, 1);
	/* the card holder moves: the card goes with her */
	a.perm_commune = "00008";
	assert_int_equal(dc_store_citizen_update(f->s, &a, &why, NULL), 0);
	counters(f, "00004", 1, 4, 0);
	counters(f, "00008", 1, 6, 1);
	/* she dies: no longer counted alive, her card still counts */
	a.status = DC_STATUS_DEAD;
	dc_date_parse("2026-05-01", 10, &a.death_date);
	assert_int_equal(dc_store_citizen_update(f->s, &a, &why, NULL), 0);
	counters(f, "00008", 0, 0, 1);
	no_drift(f);
	/* a write rolled back leaves the counters as they were */
	assert_int_equal(dc_store_begin(f->s), 0);
	b.perm_commune = "00008";
	assert_int_equal(dc_store_citizen_update(f->s, &b, &why, NULL), 0);
	card(f, b.pin.d, "2026-02-03");
	assert_int_equal(dc_store_rollback(f->s), 0);
	counters(f, "00004", 1, 4, 0);
	counters(f, "00008", 0, 0, 1);
	/* renumbering: cards stay under the old number, so they leave */
	struct dc_pin np;
	dc_pin_parse("001199000009", 12, &np);
	struct dc_change re = {"officer-1", "corrected", "QD-1", "pin_reestablished"};
	assert_int_equal(dc_store_pin_reestablish(f->s, &a.pin, &np, &re), 0);
	counters(f, "00008", 0, 0, 0);
	no_drift(f);
	/* a card deleted (trigger), then the counters corrupted and rebuilt */
	card(f, b.pin.d, "2026-02-03");
	counters(f, "00004", 1, 4, 1);
	assert_int_equal(
	        dc_db_run(dc_store_db(f->s), "DELETE FROM card WHERE pin = $1", "s", b.pin.d), 0);
	counters(f, "00004", 1, 4, 0);
	assert_int_equal(dc_db_exec(dc_store_db(f->s),
	                            "UPDATE stats_commune SET fields = 99 WHERE commune = '00004'"),
	                 0);
	struct dc_buf out = DC_BUF_INIT;
	int64_t drifted = 0;
	assert_int_equal(dc_stats_check(f->s, &out, &drifted), 0);
	assert_int_equal(drifted, 1);
	assert_non_null(
	        strstr(dc_buf_str(&out), "commune 00004: citizens +0, fields +95, cards +0"));
	dc_buf_release(&out);
	assert_int_equal(dc_stats_rebuild(f->s), 0);
	no_drift(f);
	counters(f, "00004", 1, 4, 0);
}

static void test_batch(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_citizen rows[3] = {person("001199000011", "00004"),
	                             person("001199000012", "00008"),
	                             person("001199000011", "00008")}; /* duplicate: not written */
	unsigned char ins[3];
	int64_t batch = 0;
	rows[1].ethnicity = NULL;
	assert_int_equal(dc_store_begin(f->s), 0);
	assert_int_equal(dc_store_batch_begin(f->s, "p.csv", NULL, "import", &batch), 0);
	assert_int_equal(dc_store_batch_add_many(f->s, batch, rows, 3, ins), 0);
	struct dc_citizen one = person("001199000013", "00004");
	assert_int_equal(dc_store_batch_add(f->s, batch, &one), 0);
	/* the deltas are written at the end of the batch */
	counters(f, "00004", -1, -1, -1);
	assert_int_equal(dc_store_batch_end(f->s, batch, 3), 0);
	assert_int_equal(dc_store_commit(f->s), 0);
	counters(f, "00004", 2, 12, 0);
	counters(f, "00008", 1, 5, 0);
	no_drift(f);
}

/* collected, approved, activated of one commune's e-ID row ("": no
 * commune), -1 each when there is no row. */
static void eid(struct dc_test_store *f, const char *commune, int64_t c, int64_t a, int64_t act)
{
	struct dc_stmt *st = NULL;
	int64_t got[3] = {-1, -1, -1};
	assert_int_equal(dc_db_prepare(dc_store_db(f->s),
	                               "SELECT collected, approved, activated FROM stats_eid "
	                               "WHERE commune = $1",
	                               &st),
	                 0);
	dc_stmt_bind_text(st, 1, commune, strlen(commune)); /* "" is a value here */
	if (dc_stmt_step(st) == DC_ROW)
		for (int i = 0; i < 3; i++)
			got[i] = dc_stmt_int64(st, i);
	dc_stmt_finalize(st);
	if (got[0] != c || got[1] != a || got[2] != act)
		fail_msg("e-ID of '%s': got %lld/%lld/%lld, want %lld/%lld/%lld", commune,
		         (long long)got[0], (long long)got[1], (long long)got[2], (long long)c,
		         (long long)a, (long long)act);
}

static void run(struct dc_test_store *f, const char *sql, const char *types, const char *a,
                const char *b)
{
	assert_int_equal(dc_db_run(dc_store_db(f->s), sql, types, a, b), 0);
}

/* online, offline of a service in a commune (-1 each: no row). */
static void dossiers(struct dc_test_store *f, const char *service, const char *commune, int64_t on,
                     int64_t off)
{
	struct dc_stmt *st = NULL;
	int64_t got[2] = {-1, -1};
	assert_int_equal(dc_db_prepare(dc_store_db(f->s),
	                               "SELECT online, offline FROM stats_dossier WHERE service "
	                               "= $1 AND commune = $2",
	                               &st),
	                 0);
	dc_stmt_bind_str(st, 1, service);
	dc_stmt_bind_str(st, 2, commune);
	if (dc_stmt_step(st) == DC_ROW)
		for (int i = 0; i < 2; i++)
			got[i] = dc_stmt_int64(st, i);
	dc_stmt_finalize(st);
	if (got[0] != on || got[1] != off)
		fail_msg("dossiers %s %s: got %lld/%lld, want %lld/%lld", service, commune,
		         (long long)got[0], (long long)got[1], (long long)on, (long long)off);
}

#define EID_ADD                                                                              \
	"INSERT INTO eid_account (pin, level, state, phone, created_ms) VALUES ($1, 2, $2, " \
	"'0' || $1, 1)"
#define DOSSIER_ADD                                                                            \
	"INSERT INTO svc_dossier (id, service, applicant, channel, state, commune, province, " \
	"queue, parent, data_json, prefill_json, submitted_ms, deadline_ms) VALUES ($1, "      \
	"'temp_register', '001199000001', 'online', 'submitted', '00004', '01', 'commune', "   \
	"$2, '{}', '{}', 1, 1)"

static void test_eid_dossiers(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_citizen a = person("001199000001", "00004");
	assert_int_equal(dc_store_citizen_create(f->s, &a, &why, NULL), 0);
	run(f, EID_ADD, "ss", a.pin.d, "submitted");
	eid(f, "00004", 1, 0, 0);
	run(f, "UPDATE eid_account SET state = $2 WHERE pin = $1", "ss", a.pin.d, "approved");
	eid(f, "00004", 1, 1, 0);
	run(f, "UPDATE eid_account SET state = $2 WHERE pin = $1", "ss", a.pin.d, "active");
	eid(f, "00004", 1, 1, 1);
	/* an account whose holder is not in the register counts nationally */
	run(f, EID_ADD, "ss", "001199000077", "locked");
	eid(f, "", 1, 1, 1);
	/* a write rolled back leaves the counters as they were */
	assert_int_equal(dc_store_begin(f->s), 0);
	run(f, "UPDATE eid_account SET state = $2 WHERE pin = $1", "ss", a.pin.d, "closed");
	assert_int_equal(dc_store_rollback(f->s), 0);
	eid(f, "00004", 1, 1, 1);
	/* the holder moves: the account goes with her */
	a.perm_commune = "00008";
	assert_int_equal(dc_store_citizen_update(f->s, &a, &why, NULL), 0);
	eid(f, "00004", 0, 0, 0);
	eid(f, "00008", 1, 1, 1);
	no_drift(f);
	/* renumbering: the account stays under the old number, whose holder
	 * is no longer in the register */
	struct dc_pin np;
	dc_pin_parse("001199000009", 12, &np);
	struct dc_change re = {"officer-1", "corrected", "QD-1", "pin_reestablished"};
	assert_int_equal(dc_store_pin_reestablish(f->s, &a.pin, &np, &re), 0);
	eid(f, "00008", 0, 0, 0);
	eid(f, "", 2, 2, 2);
	run(f, "DELETE FROM eid_account WHERE pin = $1", "s", "001199000077", NULL);
	eid(f, "", 1, 1, 1);
	no_drift(f);

	/* dossiers: a top-level one counts, a linked step does not */
	run(f, DOSSIER_ADD, "ss", "D1", NULL);
	run(f, DOSSIER_ADD, "ss", "D2", "D1");
	dossiers(f, "temp_register", "00004", 1, 0);
	run(f, "UPDATE svc_dossier SET channel = $2 WHERE id = $1", "ss", "D1", "offline");
	dossiers(f, "temp_register", "00004", 0, 1);
	run(f, "UPDATE svc_dossier SET state = $2 WHERE id = $1", "ss", "D1", "completed");
	dossiers(f, "temp_register", "00004", 0, 1);
	no_drift(f);
	run(f, "DELETE FROM svc_dossier WHERE id = $1", "s", "D1", NULL);
	dossiers(f, "temp_register", "00004", 0, 0);
	no_drift(f);

	/* a stay written past the stay report (which keeps the counters) is
	 * drift, and the rebuild counts it */
	run(f,
	    "INSERT INTO stay (business_id, commune, province, arrival_ms, arrival_day, "
	    "notified_ms, late, in_register) VALUES ($1, '00004', '01', 1, $2, 1, 1, 0)",
	    "ss", "ks.1", "2026-12-01");
	struct dc_buf out = DC_BUF_INIT;
	int64_t drifted = 0;
	assert_int_equal(dc_stats_check(f->s, &out, &drifted), 0);
	assert_int_equal(drifted, 2);
	assert_non_null(strstr(dc_buf_str(&out), "stays 00004 2026-12-01 01: stays -1, late -1"));
	assert_non_null(strstr(dc_buf_str(&out), "stays total 00004 01: stays -1, late -1"));
	dc_buf_release(&out);
	assert_int_equal(dc_stats_rebuild(f->s), 0);
	no_drift(f);
}

#define BOTH(t)                                                                        \
	{"" #t "/sqlite", t, dc_test_store_sqlite, dc_test_store_teardown, NULL},      \
	{                                                                              \
		"" #t "/postgresql", t, dc_test_store_pg, dc_test_store_teardown, NULL \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        BOTH(test_writes),
	        BOTH(test_batch),
	        BOTH(test_eid_dossiers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
