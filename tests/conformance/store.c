/* The storage conformance suite: every test runs unchanged against SQLite
 * (a temporary file) and PostgreSQL (a fresh database on the server that
 * scripts/test.sh starts). Without DANCU_TEST_PG the PostgreSQL half fails,
 * unless DANCU_TEST_NO_PG=1 says to skip it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/store.h"
#include "dancu/units.h"
#include "lib/testlib.h"

struct fx {
	char target[512];
	struct dc_units *units;
	struct dc_store *s;
};

static int open_fx(void **state, int pg)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];
	if (pg) {
		if (dc_test_pg_fresh(f->target, sizeof f->target) != 0) {
			const char *skip = getenv("DANCU_TEST_NO_PG");
			free(f);
			if (skip && *skip == '1')
				skip();
			fail_msg("DANCU_TEST_PG is not set: run through scripts/test.sh");
		}
	} else {
		char dir[256];
		dc_test_tmpdir(dir, sizeof dir);
		snprintf(f->target, sizeof f->target, "%s/store.db", dir);
	}
	assert_int_equal(dc_units_new(&f->units), 0);
	int rc = dc_store_open(f->target, f->units, &f->s, err, sizeof err);
	if (rc)
		fail_msg("open %s: %s", f->target, err);
	*state = f;
	return 0;
}

static int setup_sqlite(void **state)
{
	return open_fx(state, 0);
}

static int setup_pg(void **state)
{
	return open_fx(state, 1);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	if (f) {
		dc_store_close(f->s);
		dc_units_free(f->units);
		free(f);
	}
	return 0;
}

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
	c.perm_address = "Số 1, \"phố\" Đội Cấn\\ngõ\t2\nnhà 3";
	c.ethnicity = "Kinh";
	return c;
}

static const struct dc_change birth = {"officer-1", "birth registration", "KS-001", "birth"};

static int64_t count(struct fx *f)
{
	int64_t n = -1;
	assert_int_equal(dc_store_count(f->s, &n), 0);
	return n;
}

static void test_reopen_migrated(void **state)
{
	struct fx *f = *state;
	struct dc_store *again;
	char err[256];
	/* A second open of a migrated database changes nothing. */
	assert_int_equal(dc_store_open(f->target, f->units, &again, err, sizeof err), 0);
	int64_t n;
	assert_int_equal(dc_store_count(again, &n), 0);
	assert_int_equal(n, 0);
	dc_store_close(again);
}

static void test_round_trip_all_fields(void **state)
{
	struct fx *f = *state;
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
	struct dc_pin missing;
	dc_pin_parse("001199099999", 12, &missing);
	assert_int_equal(dc_store_citizen_get(f->s, &missing, &d, &pool), DC_ERR_NOT_FOUND);
	dc_pool_release(&pool);
	dc_buf_release(&a);
	dc_buf_release(&b);
}

static int count_cb(void *arg, const struct dc_event *ev)
{
	(void)ev;
	(*(int *)arg)++;
	return 0;
}

static void test_duplicate_conflict(void **state)
{
	struct fx *f = *state;
	struct dc_citizen c = person("001199012345", "Nguyễn Thị An");
	assert_int_equal(dc_store_citizen_create(f->s, &c, &birth, NULL), 0);
	c.birth_name = "Someone Else";
	assert_int_equal(dc_store_citizen_create(f->s, &c, &birth, NULL), DC_ERR_CONFLICT);
	assert_int_equal(count(f), 1);
}

struct evs {
	int n;
	char kinds[8][32];
	char before[8][512];
	char after[8][512];
};

static int collect(void *arg, const struct dc_event *ev)
{
	struct evs *e = arg;
	if (e->n < 8) {
		snprintf(e->kinds[e->n], 32, "%s", ev->kind);
		snprintf(e->before[e->n], 512, "%s", ev->before_json ? ev->before_json : "");
		snprintf(e->after[e->n], 512, "%s", ev->after_json ? ev->after_json : "");
	}
	e->n++;
	return 0;
}

static void test_duplicate_leaves_one_event(void **state)
{
	struct fx *f = *state;
	struct dc_citizen c = person("001199012345", "Nguyễn Thị An");
	int n = 0;
	assert_int_equal(dc_store_citizen_create(f->s, &c, &birth, NULL), 0);
	assert_int_equal(dc_store_citizen_create(f->s, &c, &birth, NULL), DC_ERR_CONFLICT);
	/* The failed create wrote no event: history has just the birth. */
	assert_int_equal(dc_store_history(f->s, &c.pin, count_cb, &n), 0);
	assert_int_equal(n, 1);
}

static void test_update_events(void **state)
{
	struct fx *f = *state;
	struct dc_citizen c = person("001199012345", "Nguyễn Thị An");
	struct dc_change fix = {"officer-2", "typo in name", "QD-12", "correction"};
	int64_t seq = -1;
	assert_int_equal(dc_store_citizen_create(f->s, &c, &birth, NULL), 0);
	c.birth_name = "Nguyễn Thị Ân";
	c.perm_address = NULL;
	assert_int_equal(dc_store_citizen_update(f->s, &c, &fix, &seq), 0);
	assert_true(seq > 0);
	/* No change → no event. */
	assert_int_equal(dc_store_citizen_update(f->s, &c, &fix, &seq), 0);
	assert_int_equal(seq, 0);
	struct evs e = {0};
	assert_int_equal(dc_store_history(f->s, &c.pin, collect, &e), 0);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.kinds[0], "birth");
	assert_string_equal(e.before[0], "{}");
	assert_non_null(strstr(e.after[0], "\"birth_name\":\"Nguyễn Thị An\""));
	assert_string_equal(e.kinds[1], "correction");
	assert_non_null(strstr(e.before[1], "\"birth_name\":\"Nguyễn Thị An\""));
	assert_non_null(strstr(e.after[1], "\"birth_name\":\"Nguyễn Thị Ân\""));
	assert_non_null(strstr(e.after[1], "\"perm_address\":null"));
	assert_null(strstr(e.after[1], "dob")); /* only changed fields */
	struct dc_citizen ghost = person("001199000000", "Ma");
	assert_int_equal(dc_store_citizen_update(f->s, &ghost, &fix, &seq), DC_ERR_NOT_FOUND);
	struct dc_change bad = {NULL, "x", NULL, "correction"};
	c.birth_name = "Nguyễn Thị Ấn";
	assert_int_equal(dc_store_citizen_update(f->s, &c, &bad, &seq), DC_ERR_INVALID);
}

static void test_nested_rollback(void **state)
{
	struct fx *f = *state;
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
	/* Nested commit commits once. */
	assert_int_equal(dc_store_begin(f->s), 0);
	assert_int_equal(dc_store_begin(f->s), 0);
	assert_int_equal(dc_store_citizen_create(f->s, &a, &birth, NULL), 0);
	assert_int_equal(dc_store_commit(f->s), 0);
	assert_int_equal(dc_store_citizen_create(f->s, &b, &birth, NULL), 0);
	assert_int_equal(dc_store_commit(f->s), 0);
	assert_int_equal(count(f), 2);
}

static void test_identifiers(void **state)
{
	struct fx *f = *state;
	struct dc_citizen c = person("001199012345", "Nguyễn Thị An");
	struct dc_pin cur, newpin;
	enum dc_identifier_kind kind;
	assert_int_equal(dc_store_citizen_create(f->s, &c, &birth, NULL), 0);
	assert_int_equal(
	        dc_store_identifier_add(f->s, DC_ID_CMND9, "012345678", &c.pin, "old card"), 0);
	assert_int_equal(dc_store_identifier_add(f->s, DC_ID_CMND9, "012345678", &c.pin, "again"),
	                 DC_ERR_CONFLICT);
	/* An active number cannot be recorded as an old identifier. */
	assert_int_equal(dc_store_identifier_add(f->s, DC_ID_PIN_CANCELLED, c.pin.d, &c.pin, "x"),
	                 DC_ERR_CONFLICT);
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
	dc_pin_parse("001198012345", 12, &newpin);
	assert_int_equal(dc_store_pin_reestablish(f->s, &c.pin, &newpin, &why), 0);
	struct dc_pool pool;
	struct dc_citizen d;
	dc_pool_init(&pool, 0);
	assert_int_equal(dc_store_citizen_get(f->s, &c.pin, &d, &pool), DC_ERR_NOT_FOUND);
	assert_int_equal(dc_store_citizen_get(f->s, &newpin, &d, &pool), 0);
	assert_int_equal(dc_store_identifier_lookup(f->s, c.pin.d, &cur, &kind), 0);
	assert_string_equal(cur.d, newpin.d);
	assert_int_equal(kind, DC_ID_PIN_CANCELLED);
	struct dc_citizen reuse = person(c.pin.d, "Người Khác");
	assert_int_equal(dc_store_citizen_create(f->s, &reuse, &birth, NULL), DC_ERR_CONFLICT);
	/* The database itself refuses it too, whatever SQL tries (the trigger). */
	char sql[160];
	snprintf(sql, sizeof sql, "INSERT INTO citizen (pin, created_seq) VALUES ('%s', 0)",
	         c.pin.d);
	assert_int_equal(dc_db_exec(dc_store_db(f->s), sql), DC_ERR_CONFLICT);
	snprintf(sql, sizeof sql, "UPDATE citizen SET pin = '%s' WHERE pin = '%s'", c.pin.d,
	         newpin.d);
	assert_int_equal(dc_db_exec(dc_store_db(f->s), sql), DC_ERR_CONFLICT);
	assert_int_equal(count(f), 2);
	int n = 0;
	assert_int_equal(dc_store_history(f->s, &newpin, count_cb, &n), 0);
	assert_int_equal(n, 2); /* birth (under the old number) + re-establishment */
	/* Re-establishing onto a number in use is refused. */
	struct dc_citizen other = person("001199054321", "Khác");
	assert_int_equal(dc_store_citizen_create(f->s, &other, &birth, NULL), 0);
	assert_int_equal(dc_store_pin_reestablish(f->s, &newpin, &other.pin, &why),
	                 DC_ERR_CONFLICT);
	dc_pool_release(&pool);
}

static void test_allocate(void **state)
{
	struct fx *f = *state;
	struct dc_pin seen[200];
	for (int i = 0; i < 200; i++) {
		struct dc_pin_info info;
		assert_int_equal(dc_store_pin_allocate(f->s, 79, 2026,
		                                       i % 2 ? DC_SEX_FEMALE : DC_SEX_MALE,
		                                       &seen[i]),
		                 0);
		dc_pin_decode(&seen[i], f->units, &info);
		assert_int_equal(info.birth_year, 2026);
		assert_int_equal(info.prefix, 79);
		assert_int_equal(info.sex, i % 2 ? DC_SEX_FEMALE : DC_SEX_MALE);
		struct dc_citizen c = person(seen[i].d, "Bé Mới Sinh");
		dc_date_parse("2026-01-01", 10, &c.dob);
		assert_int_equal(dc_store_citizen_create(f->s, &c, &birth, NULL), 0);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(seen[i].d, seen[j].d);
	}
	assert_int_equal(count(f), 200);
}

static void test_batch(void **state)
{
	struct fx *f = *state;
	struct dc_citizen rows[3] = {person("001199000001", "A A"), person("001199000002", "B B"),
	                             person("001199000001", "A again")};
	unsigned char ins[3];
	int64_t batch;
	assert_int_equal(dc_store_begin(f->s), 0);
	assert_int_equal(dc_store_batch_begin(f->s, "people.csv", NULL, "import", &batch), 0);
	assert_int_equal(dc_store_batch_add_many(f->s, batch, rows, 3, ins), 0);
	assert_int_equal(ins[0], 1);
	assert_int_equal(ins[1], 1);
	assert_int_equal(ins[2], 0); /* same number twice: only the first */
	struct dc_citizen c = person("001199000003", "C C");
	assert_int_equal(dc_store_batch_add(f->s, batch, &c), 0);
	assert_int_equal(dc_store_batch_add(f->s, batch, &c), DC_ERR_CONFLICT);
	assert_int_equal(dc_store_batch_end(f->s, batch, 3), 0);
	assert_int_equal(dc_store_commit(f->s), 0);
	assert_int_equal(count(f), 3);
	struct evs e = {0};
	assert_int_equal(dc_store_history(f->s, &c.pin, collect, &e), 0);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.kinds[0], "import");
	assert_non_null(strstr(e.after[0], "\"rows\":3"));
	assert_non_null(strstr(e.after[0], "people.csv"));
	struct dc_pool pool;
	struct dc_citizen d;
	dc_pool_init(&pool, 0);
	assert_int_equal(dc_store_citizen_get(f->s, &rows[0].pin, &d, &pool), 0);
	assert_string_equal(d.birth_name, "A A");
	/* Tabs, newlines, quotes and backslashes survive the bulk path (COPY). */
	assert_string_equal(d.perm_address, rows[0].perm_address);
	dc_pool_release(&pool);
	/* A rolled-back batch leaves nothing. */
	struct dc_citizen e4 = person("001199000004", "D D");
	assert_int_equal(dc_store_begin(f->s), 0);
	assert_int_equal(dc_store_batch_begin(f->s, "x.csv", NULL, "import", &batch), 0);
	assert_int_equal(dc_store_batch_add_many(f->s, batch, &e4, 1, ins), 0);
	assert_int_equal(dc_store_rollback(f->s), 0);
	assert_int_equal(count(f), 3);
}

static void test_batch_many_chunk(void **state)
{
	/* A chunk large enough to exercise COPY buffering on PostgreSQL. */
	struct fx *f = *state;
	enum { N = 5000 };
	static struct dc_citizen rows[N];
	static unsigned char ins[N];
	static char pins[N][13];
	int64_t batch;
	for (int i = 0; i < N; i++) {
		snprintf(pins[i], 13, "0011990%05u", (unsigned)i % 100000u);
		rows[i] = person(pins[i], "Trần Văn Bình");
	}
	assert_int_equal(dc_store_begin(f->s), 0);
	assert_int_equal(dc_store_batch_begin(f->s, "big.csv", NULL, "import", &batch), 0);
	assert_int_equal(dc_store_batch_add_many(f->s, batch, rows, N, ins), 0);
	assert_int_equal(dc_store_batch_add_many(f->s, batch, rows, N, ins), 0);
	for (int i = 0; i < N; i++)
		assert_int_equal(ins[i], 0); /* second time: all taken */
	assert_int_equal(dc_store_batch_end(f->s, batch, N), 0);
	assert_int_equal(dc_store_commit(f->s), 0);
	assert_int_equal(count(f), N);
}

#define BOTH(t)                                                                    \
	cmocka_unit_test_prestate_setup_teardown(t, setup_sqlite, teardown, NULL), \
	        cmocka_unit_test_prestate_setup_teardown(t, setup_pg, teardown, NULL)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        BOTH(test_reopen_migrated),
	        BOTH(test_round_trip_all_fields),
	        BOTH(test_duplicate_conflict),
	        BOTH(test_duplicate_leaves_one_event),
	        BOTH(test_update_events),
	        BOTH(test_nested_rollback),
	        BOTH(test_identifiers),
	        BOTH(test_allocate),
	        BOTH(test_batch),
	        BOTH(test_batch_many_chunk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
