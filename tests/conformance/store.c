/* The storage conformance suite: every test runs unchanged against SQLite
 * (a temporary file) and PostgreSQL (a fresh database on the server that
 * scripts/test.sh starts); cmocka names each run "<test>/sqlite" or
 * "<test>/postgresql". Without DANCU_TEST_PG the PostgreSQL half fails,
 * unless DANCU_TEST_NO_PG=1 says to skip it.
 *
 * Two layers are covered: the store (store.h: citizens, events, identifiers,
 * imports, transactions) and, below it, the driver contract of db.h that the
 * store relies on (positional parameters, text round trips, the bulk copy
 * path and its escaping, error mapping). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dancu/core.h"
#include "dancu/store.h"
#include "dancu/units.h"
#include "lib/testlib.h"

static struct dc_citizen person(const char *pin, const char *name)
{
	struct dc_citizen c;
	memset(&c, 0, sizeof c);
	dc_pin_parse(pin, 12, &c.pin);
	dc_date_parse("1999-03-15", 10, &c.dob);
	c.sex = pin[3] % 2 ? DC_SEX_FEMALE : DC_SEX_MALE;
	c.birth_name = name;
	c.nationality = "VN";
	c.perm_commune = "00004";
	c.perm_address = "Số 1, \"phố\" Đội Cấn\\ngõ\t2\nnhà 3 — it's";
	c.ethnicity = "Kinh";
	return c;
}

static const struct dc_change birth = {"officer-1", "birth registration", "KS-001", "birth"};

static int64_t count(struct dc_test_store *f)
{
	int64_t n = -1;
	assert_int_equal(dc_store_count(f->s, &n), 0);
	return n;
}

static struct dc_pin pin_of(const char *s)
{
	struct dc_pin p;
	assert_int_equal(dc_pin_parse(s, strlen(s), &p), 0);
	return p;
}

/* --- history collection ----------------------------------------------------- */

#define MAXEV 16
struct evs {
	int n;
	int64_t seq[MAXEV], at_ms[MAXEV];
	char pin[MAXEV][16];
	char kinds[MAXEV][32];
	char actor[MAXEV][32];
	char reason[MAXEV][64];
	char evidence[MAXEV][32];
	char before[MAXEV][1024];
	char after[MAXEV][1024];
};

static int collect(void *arg, const struct dc_event *ev)
{
	struct evs *e = arg;
	if (e->n < MAXEV) {
		int i = e->n;
		e->seq[i] = ev->seq;
		e->at_ms[i] = ev->at_ms;
		snprintf(e->pin[i], sizeof e->pin[i], "%s", ev->pin ? ev->pin : "");
		snprintf(e->kinds[i], sizeof e->kinds[i], "%s", ev->kind);
		snprintf(e->actor[i], sizeof e->actor[i], "%s", ev->actor ? ev->actor : "");
		snprintf(e->reason[i], sizeof e->reason[i], "%s", ev->reason ? ev->reason : "");
		snprintf(e->evidence[i], sizeof e->evidence[i], "%s",
		         ev->evidence ? ev->evidence : "");
		snprintf(e->before[i], sizeof e->before[i], "%s",
		         ev->before_json ? ev->before_json : "");
		snprintf(e->after[i], sizeof e->after[i], "%s",
		         ev->after_json ? ev->after_json : "");
	}
	e->n++;
	return 0;
}

static int count_cb(void *arg, const struct dc_event *ev)
{
	(void)ev;
	(*(int *)arg)++;
	return 0;
}

static int stop_cb(void *arg, const struct dc_event *ev)
{
	(void)ev;
	(*(int *)arg)++;
	return 42;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- schema ------------------------------------------------------------------ */

static void test_reopen_migrated(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_store *again;
	char err[256];
	struct dc_citizen c = person("001199012345", "Nguyễn Thị An");
	assert_int_equal(dc_store_citizen_create(f->s, &c, &birth, NULL), 0);
	/* A second open of a migrated database changes nothing, twice. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(dc_store_open(f->target, f->units, &again, err, sizeof err), 0);
		int64_t n;
		assert_int_equal(dc_store_count(again, &n), 0);
		assert_int_equal(n, 1);
		dc_store_close(again);
	}
	assert_string_equal(dc_store_backend(f->s),
	                    strstr(f->target, "store.db") ? "sqlite" : "postgresql");
	assert_int_equal(dc_store_ping(f->s), 0);
}

static void test_schema_newer_refused(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_store *again = NULL;
	char err[256];
	/* A database migrated by a newer program is left alone. */
	assert_int_equal(dc_db_exec(dc_store_db(f->s), "UPDATE schema_version SET version = 9999"),
	                 0);
	assert_int_equal(dc_store_open(f->target, f->units, &again, err, sizeof err),
	                 DC_ERR_SCHEMA);
	assert_null(again);
	assert_true(err[0] != '\0');
}

/* --- citizens ------------------------------------------------------------------ */

static void test_round_trip_all_fields(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_citizen c = person("001199012345", "Nguyễn Thị Ánh Dương"), d;
	struct dc_pool pool;
	struct dc_buf a = DC_BUF_INIT, b = DC_BUF_INIT;
	dc_pool_init(&pool, 0);
	/* Every text field set, to prove each column round-trips. */
	for (size_t i = DC_CITIZEN_NFIXED; i < dc_citizen_ncolumns(); i++) {
		const char **fld = dc_citizen_text_field(&c, i);
		if (!*fld)
			*fld = dc_citizen_column(i);
	}
	c.other_names = "Bé Ốc — \"Ốc\" 'nhỏ' \\ tab\there";
	dc_date_parse("1948", 4, &c.perm_since);
	c.status = DC_STATUS_MISSING;
	dc_date_parse("2020-07", 7, &c.death_date);
	int64_t seq = 0;
	assert_int_equal(dc_store_citizen_create(f->s, &c, &birth, &seq), 0);
	assert_true(seq > 0);
	assert_int_equal(dc_store_citizen_get(f->s, &c.pin, &d, &pool), 0);
	for (size_t i = 0; i < dc_citizen_ncolumns(); i++) {
		dc_buf_reset(&a);
		dc_buf_reset(&b);
		dc_citizen_get(&c, i, &a);
		dc_citizen_get(&d, i, &b);
		assert_string_equal(dc_buf_str(&a), dc_buf_str(&b));
	}
	/* Partial dates keep their precision. */
	assert_int_equal(d.perm_since.month, 0);
	assert_int_equal(d.death_date.day, 0);
	assert_int_equal(d.death_date.month, 7);
	/* The creation event lists exactly the non-empty fields. */
	struct evs *e = calloc(1, sizeof(*e));
	assert_int_equal(dc_store_history(f->s, &c.pin, collect, e), 0);
	assert_int_equal(e->n, 1);
	assert_int_equal(e->seq[0], seq);
	assert_string_equal(e->before[0], "{}");
	assert_non_null(strstr(e->after[0], "\"perm_since\":\"1948\""));
	assert_non_null(strstr(e->after[0], "\"status\":\"missing\""));
	assert_non_null(
	        strstr(e->after[0], "\"other_names\":\"Bé Ốc — \\\"Ốc\\\" 'nhỏ' \\\\ tab\\t"));
	free(e);

	struct dc_pin missing = pin_of("001199099999");
	assert_int_equal(dc_store_citizen_get(f->s, &missing, &d, &pool), DC_ERR_NOT_FOUND);
	dc_pool_release(&pool);
	dc_buf_release(&a);
	dc_buf_release(&b);
}

static void test_duplicate_conflict(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_citizen c = person("001199012345", "Nguyễn Thị An"), d;
	struct dc_pool pool;
	int n = 0;
	dc_pool_init(&pool, 0);
	assert_int_equal(dc_store_citizen_create(f->s, &c, &birth, NULL), 0);
	c.birth_name = "Someone Else";
	int64_t seq = -1;
	assert_int_equal(dc_store_citizen_create(f->s, &c, &birth, &seq), DC_ERR_CONFLICT);
	assert_true(dc_store_errmsg(f->s)[0] != '\0');
	/* Nothing written: one row, the first name, one event. */
	assert_int_equal(count(f), 1);
	assert_int_equal(dc_store_citizen_get(f->s, &c.pin, &d, &pool), 0);
	assert_string_equal(d.birth_name, "Nguyễn Thị An");
	assert_int_equal(dc_store_history(f->s, &c.pin, count_cb, &n), 0);
	assert_int_equal(n, 1);
	/* A change without an actor is refused before anything is written. */
	struct dc_citizen other = person("001199054321", "Khác");
	struct dc_change noactor = {"", "x", NULL, "birth"};
	assert_int_equal(dc_store_citizen_create(f->s, &other, &noactor, NULL), DC_ERR_INVALID);
	assert_int_equal(count(f), 1);
	dc_pool_release(&pool);
}

static void test_update_events(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_citizen c = person("001199012345", "Nguyễn Thị An");
	struct dc_change fix = {"officer-2", "typo in name", "QD-12", "correction"};
	int64_t seq = -1, created = 0;
	assert_int_equal(dc_store_citizen_create(f->s, &c, &birth, &created), 0);
	c.birth_name = "Nguyễn Thị Ân";
	c.perm_address = NULL;
	c.religion = "Phật giáo";
	dc_date_parse("1999", 4, &c.dob); /* full date → year only */
	int64_t t0 = now_ms();
	assert_int_equal(dc_store_citizen_update(f->s, &c, &fix, &seq), 0);
	assert_true(seq > created);
	/* No change → no event. */
	int64_t none = -1;
	assert_int_equal(dc_store_citizen_update(f->s, &c, &fix, &none), 0);
	assert_int_equal(none, 0);
	struct evs *e = calloc(1, sizeof(*e));
	assert_int_equal(dc_store_history(f->s, &c.pin, collect, e), 0);
	assert_int_equal(e->n, 2);
	assert_string_equal(e->kinds[0], "birth");
	assert_string_equal(e->before[0], "{}");
	assert_non_null(strstr(e->after[0], "\"birth_name\":\"Nguyễn Thị An\""));
	assert_string_equal(e->kinds[1], "correction");
	assert_int_equal(e->seq[1], seq);
	assert_string_equal(e->pin[1], c.pin.d);
	assert_string_equal(e->actor[1], "officer-2");
	assert_string_equal(e->reason[1], "typo in name");
	assert_string_equal(e->evidence[1], "QD-12");
	assert_true(e->at_ms[1] >= t0 - 1000 && e->at_ms[1] <= now_ms() + 1000);
	/* Exactly the four changed fields, old values before, new after. */
	assert_string_equal(e->before[1],
	                    "{\"dob\":\"1999-03-15\",\"birth_name\":\"Nguyễn Thị An\","
	                    "\"religion\":null,\"perm_address\":\"Số 1, \\\"phố\\\" Đội "
	                    "Cấn\\\\ngõ\\t2\\nnhà 3 — it's\"}");
	assert_string_equal(e->after[1], "{\"dob\":\"1999\",\"birth_name\":\"Nguyễn Thị Ân\","
	                                 "\"religion\":\"Phật giáo\",\"perm_address\":null}");
	free(e);
	struct dc_citizen ghost = person("001199000000", "Ma");
	assert_int_equal(dc_store_citizen_update(f->s, &ghost, &fix, &seq), DC_ERR_NOT_FOUND);
	assert_int_equal(seq, 0);
	struct dc_change bad = {NULL, "x", NULL, "correction"};
	c.birth_name = "Nguyễn Thị Ấn";
	assert_int_equal(dc_store_citizen_update(f->s, &c, &bad, &seq), DC_ERR_INVALID);
	int n = 0;
	assert_int_equal(dc_store_history(f->s, &c.pin, count_cb, &n), 0);
	assert_int_equal(n, 2);
}

static void test_history_order(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_citizen c = person("001199012345", "Nguyễn Thị An");
	struct dc_citizen other = person("001099054321", "Lê Văn Khác");
	struct dc_change fix = {"officer-2", "fix", NULL, "correction"};
	static const char *const names[] = {"Một", "Hai", "Ba", "Bốn"};
	assert_int_equal(dc_store_citizen_create(f->s, &c, &birth, NULL), 0);
	assert_int_equal(dc_store_citizen_create(f->s, &other, &birth, NULL), 0);
	for (int i = 0; i < 4; i++) {
		/* Interleave another citizen's events: they must not show. */
		c.birth_name = names[i];
		other.birth_name = names[3 - i];
		assert_int_equal(dc_store_citizen_update(f->s, &c, &fix, NULL), 0);
		assert_int_equal(dc_store_citizen_update(f->s, &other, &fix, NULL), 0);
	}
	struct evs *e = calloc(1, sizeof(*e));
	assert_int_equal(dc_store_history(f->s, &c.pin, collect, e), 0);
	assert_int_equal(e->n, 5);
	assert_string_equal(e->kinds[0], "birth");
	for (int i = 1; i < 5; i++) {
		assert_true(e->seq[i] > e->seq[i - 1]);
		assert_string_equal(e->pin[i], c.pin.d);
		char want[64];
		snprintf(want, sizeof want, "{\"birth_name\":\"%s\"}", names[i - 1]);
		assert_string_equal(e->after[i], want);
	}
	/* The callback can stop the walk; its value comes back. */
	int n = 0;
	assert_int_equal(dc_store_history(f->s, &c.pin, stop_cb, &n), 42);
	assert_int_equal(n, 1);
	struct dc_pin none = pin_of("001199099999");
	assert_int_equal(dc_store_history(f->s, &none, count_cb, &n), DC_ERR_NOT_FOUND);
	free(e);
}

/* --- transactions ------------------------------------------------------------ */

static void test_nested_rollback(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_citizen a = person("001199000001", "A A"), b = person("001199000002", "B B");
	assert_int_equal(dc_store_begin(f->s), 0);
	assert_int_equal(dc_store_citizen_create(f->s, &a, &birth, NULL), 0);
	assert_int_equal(dc_store_rollback(f->s), 0);
	assert_int_equal(count(f), 0);
	/* A failing write inside an outer transaction undoes everything. */
	assert_int_equal(dc_store_begin(f->s), 0);
	assert_int_equal(dc_store_citizen_create(f->s, &a, &birth, NULL), 0);
	assert_int_equal(dc_store_citizen_create(f->s, &a, &birth, NULL), DC_ERR_CONFLICT);
	assert_int_equal(dc_store_citizen_create(f->s, &b, &birth, NULL), 0);
	assert_int_equal(dc_store_commit(f->s), DC_ERR_CANCELLED);
	assert_int_equal(count(f), 0);
	/* An inner rollback three levels down cancels the outermost commit. */
	assert_int_equal(dc_store_begin(f->s), 0);
	assert_int_equal(dc_store_begin(f->s), 0);
	assert_int_equal(dc_store_citizen_create(f->s, &a, &birth, NULL), 0);
	assert_int_equal(dc_store_begin(f->s), 0);
	assert_int_equal(dc_store_citizen_create(f->s, &b, &birth, NULL), 0);
	assert_int_equal(dc_store_rollback(f->s), 0);
	assert_int_equal(dc_store_commit(f->s), 0); /* inner: nothing yet */
	assert_int_equal(dc_store_commit(f->s), DC_ERR_CANCELLED);
	assert_int_equal(count(f), 0);
	/* Nothing of it reached the event table either. */
	int n = 0;
	assert_int_equal(dc_store_history(f->s, &a.pin, count_cb, &n), DC_ERR_NOT_FOUND);
	/* Nested commit commits once, at the outermost level. */
	assert_int_equal(dc_store_begin(f->s), 0);
	assert_int_equal(dc_store_begin(f->s), 0);
	assert_int_equal(dc_store_citizen_create(f->s, &a, &birth, NULL), 0);
	assert_int_equal(dc_store_commit(f->s), 0);
	assert_int_equal(dc_store_citizen_create(f->s, &b, &birth, NULL), 0);
	assert_int_equal(dc_store_commit(f->s), 0);
	assert_int_equal(count(f), 2);
	/* The store is usable after all that, and rollback at depth 0 is a no-op. */
	assert_int_equal(dc_store_rollback(f->s), 0);
	assert_int_equal(dc_store_ping(f->s), 0);
}

/* Group commit: units inside one transaction fail alone (savepoints). */
static void test_sub_units(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_citizen a = person("001199000001", "A A"), b = person("001199000002", "B B"),
	                  c = person("001199000003", "C C");
	assert_int_equal(dc_store_begin(f->s), 0);
	assert_int_equal(dc_store_sub_begin(f->s), 0);
	assert_int_equal(dc_store_citizen_create(f->s, &a, &birth, NULL), 0);
	assert_int_equal(dc_store_sub_end(f->s, 1), 0);
	/* A failing unit (a conflict: an SQL error on PostgreSQL) is undone
	 * alone and the transaction goes on. */
	assert_int_equal(dc_store_sub_begin(f->s), 0);
	assert_int_equal(dc_store_citizen_create(f->s, &a, &birth, NULL), DC_ERR_CONFLICT);
	assert_int_equal(dc_store_sub_end(f->s, 0), 0);
	assert_int_equal(dc_store_sub_begin(f->s), 0);
	assert_int_equal(dc_store_citizen_create(f->s, &b, &birth, NULL), 0);
	assert_int_equal(dc_store_sub_end(f->s, 1), 0);
	/* A unit whose inner part rolled back is undone even if it says ok. */
	assert_int_equal(dc_store_sub_begin(f->s), 0);
	assert_int_equal(dc_store_citizen_create(f->s, &c, &birth, NULL), 0);
	assert_int_equal(dc_store_begin(f->s), 0);
	assert_int_equal(dc_store_rollback(f->s), 0);
	assert_int_equal(dc_store_sub_end(f->s, 1), DC_ERR_CANCELLED);
	assert_int_equal(dc_store_commit(f->s), 0);
	assert_int_equal(count(f), 2);
	struct dc_citizen got;
	struct dc_pool pool;
	dc_pool_init(&pool, 0);
	assert_int_equal(dc_store_citizen_get(f->s, &c.pin, &got, &pool), DC_ERR_NOT_FOUND);
	dc_pool_release(&pool);
}

static void test_close_rolls_back(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_citizen a = person("001199000001", "A A");
	assert_int_equal(dc_store_begin(f->s), 0);
	assert_int_equal(dc_store_citizen_create(f->s, &a, &birth, NULL), 0);
	dc_store_close(f->s);
	f->s = NULL;
	char err[256];
	assert_int_equal(dc_store_open(f->target, f->units, &f->s, err, sizeof err), 0);
	assert_int_equal(count(f), 0);
}

static void test_snapshot(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_citizen a = person("001199000001", "A A"), d;
	struct dc_pool pool;
	dc_pool_init(&pool, 0);
	assert_int_equal(dc_store_citizen_create(f->s, &a, &birth, NULL), 0);
	assert_int_equal(dc_store_snapshot_begin(f->s), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(dc_store_citizen_get(f->s, &a.pin, &d, &pool), 0);
	assert_int_equal(count(f), 1);
	assert_int_equal(dc_store_snapshot_end(f->s), 0);
	/* Writes work again after the snapshot. */
	struct dc_citizen b = person("001199000002", "B B");
	assert_int_equal(dc_store_citizen_create(f->s, &b, &birth, NULL), 0);
	dc_pool_release(&pool);
}

/* --- identifiers ------------------------------------------------------------- */

static void test_identifiers(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_citizen c = person("001199012345", "Nguyễn Thị An");
	struct dc_pin cur, newpin;
	enum dc_identifier_kind kind;
	assert_int_equal(dc_store_citizen_create(f->s, &c, &birth, NULL), 0);
	assert_int_equal(
	        dc_store_identifier_add(f->s, DC_ID_CMND9, "012345678", &c.pin, "old card"), 0);
	assert_int_equal(dc_store_identifier_add(f->s, DC_ID_CMND9, "012345678", &c.pin, "again"),
	                 DC_ERR_CONFLICT);
	/* Unique across kinds too. */
	assert_int_equal(dc_store_identifier_add(f->s, DC_ID_CMND12, "012345678", &c.pin, "x"),
	                 DC_ERR_CONFLICT);
	/* An active number cannot be recorded as an old identifier. */
	assert_int_equal(dc_store_identifier_add(f->s, DC_ID_PIN_CANCELLED, c.pin.d, &c.pin, "x"),
	                 DC_ERR_CONFLICT);
	/* Bad arguments. */
	assert_int_equal(dc_store_identifier_add(f->s, DC_ID_CMND9, "", &c.pin, "x"),
	                 DC_ERR_INVALID);
	assert_int_equal(dc_store_identifier_add(f->s, DC_ID_CMND9, NULL, &c.pin, "x"),
	                 DC_ERR_INVALID);
	assert_int_equal(dc_store_identifier_add(f->s, DC_ID_CMND9, "111", NULL, "x"),
	                 DC_ERR_INVALID);
	assert_int_equal(
	        dc_store_identifier_add(f->s, (enum dc_identifier_kind)9, "111", &c.pin, "x"),
	        DC_ERR_INVALID);
	assert_int_equal(dc_store_identifier_lookup(f->s, "012345678", &cur, &kind), 0);
	assert_string_equal(cur.d, c.pin.d);
	assert_int_equal(kind, DC_ID_CMND9);
	assert_int_equal(dc_store_identifier_lookup(f->s, "999999999", &cur, &kind),
	                 DC_ERR_NOT_FOUND);
	/* A CMND carried on the record is found too. */
	struct dc_citizen withcmnd = person("001099054321", "Lê Văn Cũ");
	withcmnd.cmnd9 = "123456789";
	assert_int_equal(dc_store_citizen_create(f->s, &withcmnd, &birth, NULL), 0);
	assert_int_equal(dc_store_identifier_lookup(f->s, "123456789", &cur, &kind), 0);
	assert_string_equal(cur.d, "001099054321");
	assert_int_equal(kind, DC_ID_CMND9);

	/* Re-establish: the old number moves to the history, never reused. */
	struct dc_change why = {"officer-3", "year of birth corrected", "QD-99",
	                        "pin_reestablished"};
	newpin = pin_of("001198012345");
	assert_int_equal(dc_store_pin_reestablish(f->s, &c.pin, &newpin, &why), 0);
	struct dc_pool pool;
	struct dc_citizen d;
	dc_pool_init(&pool, 0);
	assert_int_equal(dc_store_citizen_get(f->s, &c.pin, &d, &pool), DC_ERR_NOT_FOUND);
	assert_int_equal(dc_store_citizen_get(f->s, &newpin, &d, &pool), 0);
	assert_string_equal(d.birth_name, "Nguyễn Thị An");
	assert_int_equal(dc_store_identifier_lookup(f->s, c.pin.d, &cur, &kind), 0);
	assert_string_equal(cur.d, newpin.d);
	assert_int_equal(kind, DC_ID_PIN_CANCELLED);
	/* The old CMND follows the person to the new number. */
	assert_int_equal(dc_store_identifier_lookup(f->s, "012345678", &cur, &kind), 0);
	assert_string_equal(cur.d, newpin.d);
	struct dc_citizen reuse = person(c.pin.d, "Người Khác");
	assert_int_equal(dc_store_citizen_create(f->s, &reuse, &birth, NULL), DC_ERR_CONFLICT);
	/* The database itself refuses it too, whatever SQL tries (the trigger). */
	char sql[160];
	snprintf(sql, sizeof sql, "INSERT INTO citizen (pin, created_seq) VALUES ('%s', 0)",
	         c.pin.d);
	assert_int_equal(dc_db_exec(dc_store_db(f->s), sql), DC_ERR_CONFLICT);
	assert_true(dc_db_errmsg(dc_store_db(f->s))[0] != '\0');
	snprintf(sql, sizeof sql, "UPDATE citizen SET pin = '%s' WHERE pin = '%s'", c.pin.d,
	         newpin.d);
	assert_int_equal(dc_db_exec(dc_store_db(f->s), sql), DC_ERR_CONFLICT);
	assert_int_equal(count(f), 2);
	struct evs *e = calloc(1, sizeof(*e));
	assert_int_equal(dc_store_history(f->s, &newpin, collect, e), 0);
	assert_int_equal(e->n, 2); /* birth (under the old number) + re-establishment */
	assert_string_equal(e->pin[0], c.pin.d);
	assert_string_equal(e->kinds[1], "pin_reestablished");
	assert_string_equal(e->before[1], "{\"pin\":\"001199012345\"}");
	assert_string_equal(e->after[1], "{\"pin\":\"001198012345\"}");
	free(e);
	/* Re-establishing onto a number in use, or a cancelled one, is refused;
	 * from a number nobody has, not found. Nothing changes. */
	struct dc_citizen other = person("001199054321", "Khác");
	assert_int_equal(dc_store_citizen_create(f->s, &other, &birth, NULL), 0);
	assert_int_equal(dc_store_pin_reestablish(f->s, &newpin, &other.pin, &why),
	                 DC_ERR_CONFLICT);
	assert_int_equal(dc_store_pin_reestablish(f->s, &other.pin, &c.pin, &why), DC_ERR_CONFLICT);
	struct dc_pin nobody = pin_of("001199077777"), fresh = pin_of("001199088888");
	assert_int_equal(dc_store_pin_reestablish(f->s, &nobody, &fresh, &why), DC_ERR_NOT_FOUND);
	assert_int_equal(dc_store_identifier_lookup(f->s, nobody.d, &cur, &kind), DC_ERR_NOT_FOUND);
	assert_int_equal(count(f), 3);
	dc_pool_release(&pool);
}

static void test_reestablish_chain(void **state)
{
	/* A → B → C: everything said about A and B ends at C. */
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_citizen c = person("001199012345", "Trần Văn Ba");
	struct dc_pin a = c.pin, b = pin_of("001198012345"), cc = pin_of("001197012345");
	struct dc_pin cur;
	enum dc_identifier_kind kind;
	struct dc_change why = {"officer-3", "correction", "QD-1", "pin_reestablished"};
	struct dc_change fix = {"officer-2", "fix", NULL, "correction"};
	assert_int_equal(dc_store_citizen_create(f->s, &c, &birth, NULL), 0);
	assert_int_equal(dc_store_identifier_add(f->s, DC_ID_CMND9, "987654321", &a, "card"), 0);
	assert_int_equal(dc_store_pin_reestablish(f->s, &a, &b, &why), 0);
	c.pin = b;
	c.birth_name = "Trần Văn Bá";
	assert_int_equal(dc_store_citizen_update(f->s, &c, &fix, NULL), 0);
	assert_int_equal(dc_store_pin_reestablish(f->s, &b, &cc, &why), 0);
	const char *olds[] = {a.d, b.d, "987654321"};
	for (int i = 0; i < 3; i++) {
		assert_int_equal(dc_store_identifier_lookup(f->s, olds[i], &cur, &kind), 0);
		assert_string_equal(cur.d, cc.d);
	}
	struct evs *e = calloc(1, sizeof(*e));
	assert_int_equal(dc_store_history(f->s, &cc, collect, e), 0);
	assert_int_equal(e->n, 4);
	assert_string_equal(e->kinds[0], "birth");
	assert_string_equal(e->kinds[1], "pin_reestablished");
	assert_string_equal(e->kinds[2], "correction");
	assert_string_equal(e->kinds[3], "pin_reestablished");
	free(e);
	assert_int_equal(count(f), 1);
}

static void test_allocate(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	enum { N = 200 };
	struct dc_pin *seen = calloc(N, sizeof(*seen));
	/* A cancelled number in the same range is never handed out (it cannot
	 * be forced, but it must never come back across 200 draws either). */
	struct dc_citizen first = person("079226000001", "Bé Đầu");
	assert_int_equal(dc_store_citizen_create(f->s, &first, &birth, NULL), 0);
	struct dc_pin moved = pin_of("079226000002");
	struct dc_change why = {"officer-3", "x", NULL, "pin_reestablished"};
	assert_int_equal(dc_store_pin_reestablish(f->s, &first.pin, &moved, &why), 0);
	for (int i = 0; i < N; i++) {
		struct dc_pin_info info;
		enum dc_sex sex = i % 2 ? DC_SEX_FEMALE : DC_SEX_MALE;
		assert_int_equal(dc_store_pin_allocate(f->s, 79, 2026, sex, &seen[i]), 0);
		dc_pin_decode(&seen[i], f->units, &info);
		assert_int_equal(info.birth_year, 2026);
		assert_int_equal(info.prefix, 79);
		assert_int_equal(info.sex, sex);
		assert_string_not_equal(seen[i].d, first.pin.d);
		assert_string_not_equal(seen[i].d, moved.d);
		struct dc_citizen c = person(seen[i].d, "Bé Mới Sinh");
		dc_date_parse("2026-01-01", 10, &c.dob);
		assert_int_equal(dc_store_citizen_create(f->s, &c, &birth, NULL), 0);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(seen[i].d, seen[j].d);
	}
	assert_int_equal(count(f), N + 1);
	free(seen);
}

/* --- bulk import ------------------------------------------------------------- */

static void test_batch(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_citizen rows[3] = {person("001199000001", "A A"), person("001199000002", "B B"),
	                             person("001199000001", "A again")};
	unsigned char ins[3];
	int64_t batch;
	assert_int_equal(dc_store_begin(f->s), 0);
	assert_int_equal(dc_store_batch_begin(f->s, "people.csv", "ab12", "import", &batch), 0);
	assert_int_equal(dc_store_batch_add_many(f->s, batch, rows, 3, ins), 0);
	assert_int_equal(ins[0], 1);
	assert_int_equal(ins[1], 1);
	assert_int_equal(ins[2], 0); /* same number twice: only the first */
	struct dc_citizen c = person("001199000003", "C C");
	assert_int_equal(dc_store_batch_add(f->s, batch, &c), 0);
	assert_int_equal(dc_store_batch_add(f->s, batch, &c), DC_ERR_CONFLICT);
	assert_int_equal(dc_store_batch_add(f->s, batch, &rows[1]), DC_ERR_CONFLICT);
	assert_int_equal(dc_store_batch_end(f->s, batch, 3), 0);
	assert_int_equal(dc_store_commit(f->s), 0);
	assert_int_equal(count(f), 3);
	/* History of an imported citizen starts at the batch event. */
	struct evs *e = calloc(1, sizeof(*e));
	assert_int_equal(dc_store_history(f->s, &c.pin, collect, e), 0);
	assert_int_equal(e->n, 1);
	assert_int_equal(e->seq[0], batch);
	assert_string_equal(e->kinds[0], "import");
	assert_string_equal(e->pin[0], "");
	assert_string_equal(e->actor[0], "import");
	char want[128];
	snprintf(want, sizeof want,
	         "{\"batch\":%lld,\"source\":\"people.csv\",\"sha256\":\"ab12\",\"rows\":3}",
	         (long long)batch);
	assert_string_equal(e->after[0], want);
	memset(e, 0, sizeof(*e));
	assert_int_equal(dc_store_history(f->s, &rows[0].pin, collect, e), 0);
	assert_int_equal(e->n, 1);
	assert_int_equal(e->seq[0], batch);
	free(e);
	struct dc_pool pool;
	struct dc_citizen d;
	dc_pool_init(&pool, 0);
	assert_int_equal(dc_store_citizen_get(f->s, &rows[0].pin, &d, &pool), 0);
	assert_string_equal(d.birth_name, "A A");
	/* Tabs, newlines, quotes and backslashes survive the bulk path (COPY). */
	assert_string_equal(d.perm_address, rows[0].perm_address);
	assert_int_equal(dc_store_citizen_get(f->s, &c.pin, &d, &pool), 0);
	assert_string_equal(d.perm_address, c.perm_address);
	dc_pool_release(&pool);
	/* A rolled-back batch leaves nothing, not even its event. */
	struct dc_citizen more[2] = {person("001199000004", "D D"), person("001199000005", "E E")};
	assert_int_equal(dc_store_begin(f->s), 0);
	assert_int_equal(dc_store_batch_begin(f->s, "x.csv", NULL, "import", &batch), 0);
	assert_int_equal(dc_store_batch_add_many(f->s, batch, more, 2, ins), 0);
	assert_int_equal(dc_store_rollback(f->s), 0);
	assert_int_equal(count(f), 3);
	/* … and the next batch on the same connection works. */
	assert_int_equal(dc_store_begin(f->s), 0);
	assert_int_equal(dc_store_batch_begin(f->s, "y.csv", NULL, "import", &batch), 0);
	assert_int_equal(dc_store_batch_add_many(f->s, batch, more, 2, ins), 0);
	assert_int_equal(ins[0] + ins[1], 2);
	assert_int_equal(dc_store_batch_end(f->s, batch, 2), 0);
	assert_int_equal(dc_store_commit(f->s), 0);
	assert_int_equal(count(f), 5);
}

static void test_batch_cancelled(void **state)
{
	/* A cancelled number is refused by the bulk paths too, without
	 * spoiling the transaction (the rest of the chunk goes in). */
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_citizen c = person("001199012345", "Nguyễn Thị An");
	struct dc_pin newpin = pin_of("001198012345");
	struct dc_change why = {"officer-3", "x", NULL, "pin_reestablished"};
	assert_int_equal(dc_store_citizen_create(f->s, &c, &birth, NULL), 0);
	assert_int_equal(dc_store_pin_reestablish(f->s, &c.pin, &newpin, &why), 0);
	struct dc_citizen rows[3] = {person("001199000001", "A A"), person(c.pin.d, "Cancelled"),
	                             person(newpin.d, "In use")};
	unsigned char ins[3] = {9, 9, 9};
	int64_t batch;
	assert_int_equal(dc_store_begin(f->s), 0);
	assert_int_equal(dc_store_batch_begin(f->s, "z.csv", NULL, "import", &batch), 0);
	assert_int_equal(dc_store_batch_add(f->s, batch, &rows[1]), DC_ERR_CONFLICT);
	assert_int_equal(dc_store_batch_add_many(f->s, batch, rows, 3, ins), 0);
	assert_int_equal(ins[0], 1);
	assert_int_equal(ins[1], 0);
	assert_int_equal(ins[2], 0);
	assert_int_equal(dc_store_batch_end(f->s, batch, 1), 0);
	assert_int_equal(dc_store_commit(f->s), 0);
	assert_int_equal(count(f), 2);
	struct dc_pool pool;
	struct dc_citizen d;
	dc_pool_init(&pool, 0);
	assert_int_equal(dc_store_citizen_get(f->s, &newpin, &d, &pool), 0);
	assert_string_equal(d.birth_name, "Nguyễn Thị An");
	dc_pool_release(&pool);
}

static void test_batch_many_chunk(void **state)
{
	/* Chunks large enough to exercise COPY buffering on PostgreSQL. */
	struct dc_test_store *f = dc_test_store_of(state);
	enum { N = 5000 };
	struct dc_citizen *rows = calloc(N, sizeof(*rows));
	unsigned char *ins = calloc(N, 1);
	char(*pins)[13] = calloc(N, 13);
	int64_t batch;
	/* Numbers in reverse, so number order differs from file order. */
	for (int i = 0; i < N; i++) {
		snprintf(pins[i], 13, "0011990%05u", (unsigned)(N - i) % 100000u);
		rows[i] = person(pins[i], i % 3 ? "Trần Văn Bình" : "Lê Thị \\N \t.\\.");
	}
	assert_int_equal(dc_store_begin(f->s), 0);
	assert_int_equal(dc_store_batch_begin(f->s, "big.csv", NULL, "import", &batch), 0);
	assert_int_equal(dc_store_batch_add_many(f->s, batch, rows, N / 2, ins), 0);
	for (int i = 0; i < N / 2; i++)
		assert_int_equal(ins[i], 1);
	/* Overlapping second chunk: the first half is taken. */
	assert_int_equal(dc_store_batch_add_many(f->s, batch, rows, N, ins), 0);
	for (int i = 0; i < N; i++)
		assert_int_equal(ins[i], i >= N / 2);
	assert_int_equal(dc_store_batch_end(f->s, batch, N), 0);
	assert_int_equal(dc_store_commit(f->s), 0);
	assert_int_equal(count(f), N);
	struct dc_pool pool;
	struct dc_citizen d;
	dc_pool_init(&pool, 0);
	for (int i = 0; i < N; i += 997) {
		assert_int_equal(dc_store_citizen_get(f->s, &rows[i].pin, &d, &pool), 0);
		assert_string_equal(d.birth_name, rows[i].birth_name);
		assert_string_equal(d.perm_address, rows[i].perm_address);
	}
	dc_pool_release(&pool);
	free(rows);
	free(ins);
	free(pins);
}

/* --- the driver contract ------------------------------------------------------ */

static void exec_ok(struct dc_db *db, const char *sql)
{
	int rc = dc_db_exec(db, sql);
	if (rc)
		fail_msg("%s: %s", sql, dc_db_errmsg(db));
}

static void test_sql_params(void **state)
{
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_db *db = dc_store_db(f->s);
	struct dc_stmt *st = NULL;
	exec_ok(db,
	        "CREATE TABLE t_param (id BIGINT NOT NULL PRIMARY KEY, a TEXT, b TEXT, c TEXT)");
	/* Out of order and repeated: $3 first, $2 twice. */
	assert_int_equal(
	        dc_db_prepare(db, "INSERT INTO t_param (c, id, a, b) VALUES ($3, $1, $2, $2)", &st),
	        0);
	const char *tricky = "it's \"quoted\" \\back\\slash\ttab\nnew\rcr Đội Cấn";
	assert_int_equal(dc_stmt_bind_int64(st, 1, -5000000000LL), 0);
	/* Text need not be NUL-terminated: only len bytes go in. */
	assert_int_equal(dc_stmt_bind_text(st, 2, "abcdef", 3), 0);
	assert_int_equal(dc_stmt_bind_text(st, 3, tricky, strlen(tricky)), 0);
	assert_int_equal(dc_stmt_step(st), DC_DONE);
	assert_int_equal(dc_stmt_changes(st), 1);
	/* Reuse: reset clears the bindings. */
	assert_int_equal(dc_stmt_reset(st), 0);
	assert_int_equal(dc_stmt_bind_int64(st, 1, 7), 0);
	assert_int_equal(dc_stmt_bind_null(st, 2), 0);
	assert_int_equal(dc_stmt_bind_text_ref(st, 3, "", 0), 0); /* "" is not NULL */
	assert_int_equal(dc_stmt_step(st), DC_DONE);
	assert_int_equal(dc_stmt_reset(st), 0);
	assert_int_equal(dc_stmt_bind_int64(st, 1, 8), 0);
	assert_int_equal(dc_stmt_bind_str(st, 2, ""), 0); /* bind_str: "" is NULL */
	assert_int_equal(dc_stmt_bind_text(st, 3, NULL, 0), 0);
	assert_int_equal(dc_stmt_step(st), DC_DONE);
	dc_stmt_finalize(st);

	assert_int_equal(dc_db_prepare(db,
	                               "SELECT id, a, b, c FROM t_param WHERE id >= $1 ORDER BY id",
	                               &st),
	                 0);
	assert_int_equal(dc_stmt_bind_int64(st, 1, -6000000000LL), 0);
	size_t n;
	assert_int_equal(dc_stmt_step(st), DC_ROW);
	assert_int_equal(dc_db_driver(db)->column_count(st), 4);
	assert_int_equal(dc_stmt_int64(st, 0), -5000000000LL);
	assert_string_equal(dc_stmt_text(st, 1, &n), "abc");
	assert_int_equal(n, 3);
	assert_string_equal(dc_stmt_text(st, 2, NULL), "abc");
	assert_string_equal(dc_stmt_text(st, 3, &n), tricky);
	assert_int_equal(n, strlen(tricky));
	assert_int_equal(dc_stmt_step(st), DC_ROW);
	assert_int_equal(dc_stmt_int64(st, 0), 7);
	assert_true(dc_stmt_is_null(st, 1));
	assert_null(dc_stmt_text(st, 1, &n));
	assert_int_equal(n, 0);
	assert_int_equal(dc_stmt_int64(st, 1), 0);
	assert_false(dc_stmt_is_null(st, 3));
	assert_string_equal(dc_stmt_text(st, 3, &n), "");
	assert_int_equal(n, 0);
	assert_int_equal(dc_stmt_step(st), DC_ROW);
	assert_int_equal(dc_stmt_int64(st, 0), 8);
	assert_true(dc_stmt_is_null(st, 1));
	assert_true(dc_stmt_is_null(st, 3));
	assert_int_equal(dc_stmt_step(st), DC_DONE);
	dc_stmt_finalize(st);

	/* A parameter used twice in a WHERE, and one inside a literal that is not one. */
	assert_int_equal(dc_db_prepare(db,
	                               "SELECT count(*), '$9' FROM t_param WHERE a = $1 OR b = $1 "
	                               "OR c = $1",
	                               &st),
	                 0);
	assert_int_equal(dc_stmt_bind_text(st, 1, "abc", 3), 0);
	assert_int_equal(dc_stmt_step(st), DC_ROW);
	assert_int_equal(dc_stmt_int64(st, 0), 1);
	assert_string_equal(dc_stmt_text(st, 1, NULL), "$9");
	dc_stmt_finalize(st);
	dc_stmt_finalize(NULL);

	/* Errors: a taken key is a conflict and the text says why; bad SQL is
	 * an error with a message; the connection stays usable. */
	assert_int_equal(dc_db_exec(db, "INSERT INTO t_param (id) VALUES (7)"), DC_ERR_CONFLICT);
	assert_true(strlen(dc_db_errmsg(db)) > 0);
	assert_int_not_equal(dc_db_prepare(db, "SELEKT nonsense", &st), 0);
	assert_true(strlen(dc_db_errmsg(db)) > 0);
	assert_int_equal(dc_db_exec(db, "INSERT INTO t_param (id) VALUES (NULL)"), DC_ERR_INVALID);
	exec_ok(db, "INSERT INTO t_param (id) VALUES (9)");
}

struct crow {
	int64_t id;
	const char *v[3];
	size_t len[3];
};

static void test_copy_escaping(void **state)
{
	/* Every byte that COPY's text format treats specially, NULL vs "",
	 * and enough volume to cross the 64 KiB send buffer several times. */
	struct dc_test_store *f = dc_test_store_of(state);
	struct dc_db *db = dc_store_db(f->s);
	const struct dc_db_ops *ops = dc_db_driver(db);
	enum { NBIG = 3000, BIGLEN = 100000 };
	char *big = malloc(BIGLEN + 1);
	for (size_t i = 0; i < BIGLEN; i++)
		big[i] = "ab\\\t\n\r'\"x"[i % 9];
	big[BIGLEN] = '\0';
	static const char embedded_nul[] = {'a', 'b', 'c'}; /* not terminated */
	struct crow fixed[] = {
	        {1, {"plain", "", NULL}, {5, 0, 0}},
	        {2, {"back\\slash", "tab\there", "new\nline"}, {10, 8, 8}},
	        {3, {"cr\rret", "it's \"quoted\"", "\\N"}, {6, 13, 2}},
	        {4, {"\\.", "\\", "trailing\\"}, {2, 1, 9}},
	        {5, {"a\\tb", "Nguyễn Thị Ánh Dương — Đội Cấn", NULL}, {4, 0, 0}},
	        {6, {NULL, NULL, NULL}, {0, 0, 0}},
	        {7, {big, "x", "\n\n\t\t\\\\"}, {BIGLEN, 1, 6}},
	        {8, {embedded_nul, "\\.\n", "\t"}, {2, 3, 1}},
	};
	fixed[4].len[1] = strlen(fixed[4].v[1]);
	exec_ok(db, "CREATE TABLE t_copy (id BIGINT NOT NULL PRIMARY KEY, a TEXT, b TEXT, c TEXT)");
	assert_int_equal(dc_db_begin(db), 0);
	assert_int_equal(ops->copy_begin(db, "t_copy", "id, a, b, c", 4), 0);
	char idtxt[24];
	const char *vals[4];
	size_t lens[4];
	for (size_t r = 0; r < DC_ARRAY_LEN(fixed); r++) {
		int k = snprintf(idtxt, sizeof idtxt, "%lld", (long long)fixed[r].id);
		vals[0] = idtxt;
		lens[0] = (size_t)k;
		for (int i = 0; i < 3; i++) {
			vals[i + 1] = fixed[r].v[i];
			lens[i + 1] = fixed[r].len[i];
		}
		assert_int_equal(ops->copy_row(db, vals, lens), 0);
	}
	char filler[128];
	for (int r = 0; r < NBIG; r++) {
		int k = snprintf(idtxt, sizeof idtxt, "%d", 1000 + r);
		int m = snprintf(filler, sizeof filler, "row %d\twith\\tabs\nand lines, ư ơ đ", r);
		vals[0] = idtxt;
		lens[0] = (size_t)k;
		vals[1] = vals[2] = vals[3] = filler;
		lens[1] = lens[2] = lens[3] = (size_t)m;
		assert_int_equal(ops->copy_row(db, vals, lens), 0);
	}
	int crc = ops->copy_end(db, 1);
	if (crc)
		fail_msg("copy: %s", dc_db_errmsg(db));
	assert_int_equal(dc_db_commit(db), 0);

	struct dc_stmt *st = NULL;
	assert_int_equal(dc_db_prepare(db, "SELECT id, a, b, c FROM t_copy ORDER BY id", &st), 0);
	for (size_t r = 0; r < DC_ARRAY_LEN(fixed); r++) {
		assert_int_equal(dc_stmt_step(st), DC_ROW);
		assert_int_equal(dc_stmt_int64(st, 0), fixed[r].id);
		for (int i = 0; i < 3; i++) {
			size_t n = 99;
			const char *got = dc_stmt_text(st, i + 1, &n);
			if (!fixed[r].v[i]) {
				assert_true(dc_stmt_is_null(st, i + 1));
				assert_null(got);
				continue;
			}
			assert_false(dc_stmt_is_null(st, i + 1));
			assert_non_null(got);
			assert_int_equal(n, fixed[r].len[i]);
			assert_memory_equal(got, fixed[r].v[i], n);
		}
	}
	for (int r = 0; r < NBIG; r++) {
		assert_int_equal(dc_stmt_step(st), DC_ROW);
		int m = snprintf(filler, sizeof filler, "row %d\twith\\tabs\nand lines, ư ơ đ", r);
		size_t n;
		const char *got = dc_stmt_text(st, 3, &n);
		assert_int_equal(n, (size_t)m);
		assert_memory_equal(got, filler, n);
	}
	assert_int_equal(dc_stmt_step(st), DC_DONE);
	dc_stmt_finalize(st);

	/* A row that breaks a constraint fails the copy; the transaction is
	 * rolled back and nothing of the copy stays. */
	assert_int_equal(dc_db_begin(db), 0);
	assert_int_equal(ops->copy_begin(db, "t_copy", "id, a", 2), 0);
	vals[0] = "50";
	lens[0] = 2;
	vals[1] = "new";
	lens[1] = 3;
	int rc = ops->copy_row(db, vals, lens);
	vals[0] = "1"; /* taken */
	lens[0] = 1;
	if (rc == DC_OK)
		rc = ops->copy_row(db, vals, lens);
	int rc2 = ops->copy_end(db, rc == DC_OK);
	assert_int_equal(rc ? rc : rc2, DC_ERR_CONFLICT);
	assert_true(strlen(dc_db_errmsg(db)) > 0);
	assert_int_equal(dc_db_rollback(db), 0);
	assert_int_equal(dc_db_prepare(db, "SELECT count(*) FROM t_copy WHERE id = 50", &st), 0);
	assert_int_equal(dc_stmt_step(st), DC_ROW);
	assert_int_equal(dc_stmt_int64(st, 0), 0);
	dc_stmt_finalize(st);

	/* An abandoned copy (commit = 0) leaves nothing once rolled back. */
	assert_int_equal(dc_db_begin(db), 0);
	assert_int_equal(ops->copy_begin(db, "t_copy", "id, a", 2), 0);
	vals[0] = "51";
	lens[0] = 2;
	assert_int_equal(ops->copy_row(db, vals, lens), 0);
	ops->copy_end(db, 0);
	assert_int_equal(dc_db_rollback(db), 0);
	assert_int_equal(dc_db_prepare(db, "SELECT count(*) FROM t_copy", &st), 0);
	assert_int_equal(dc_stmt_step(st), DC_ROW);
	assert_int_equal(dc_stmt_int64(st, 0), (int64_t)DC_ARRAY_LEN(fixed) + NBIG);
	dc_stmt_finalize(st);
	free(big);
}

#define BOTH(t)                                                                        \
	{"" #t "/sqlite", t, dc_test_store_sqlite, dc_test_store_teardown, NULL},      \
	{                                                                              \
		"" #t "/postgresql", t, dc_test_store_pg, dc_test_store_teardown, NULL \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        BOTH(test_reopen_migrated),
	        BOTH(test_schema_newer_refused),
	        BOTH(test_round_trip_all_fields),
	        BOTH(test_duplicate_conflict),
	        BOTH(test_update_events),
	        BOTH(test_history_order),
	        BOTH(test_nested_rollback),
	        BOTH(test_sub_units),
	        BOTH(test_close_rolls_back),
	        BOTH(test_snapshot),
	        BOTH(test_identifiers),
	        BOTH(test_reestablish_chain),
	        BOTH(test_allocate),
	        BOTH(test_batch),
	        BOTH(test_batch_cancelled),
	        BOTH(test_batch_many_chunk),
	        BOTH(test_sql_params),
	        BOTH(test_copy_escaping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
