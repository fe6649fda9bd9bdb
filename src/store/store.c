/*
 * store.c — the register's storage, written once over the driver interface
 * (db.h) for SQLite and PostgreSQL.
 *
 * Statements are prepared lazily and kept for the life of the store. SQL
 * that names every citizen column is built at open time from the column
 * table, so there is no hand-written column list to drift.
 *
 * Inserts never rely on a constraint error to detect a taken number: they
 * use "… WHERE NOT EXISTS (cancelled) ON CONFLICT (pin) DO NOTHING" and look
 * at the row count. On PostgreSQL a constraint error would abort the whole
 * transaction, and an import must be able to go on past a conflicting row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dancu/store.h"

#include "core/internal.h"

enum q {
	Q_GET,
	Q_INSERT,
	Q_UPDATE,
	Q_SET_CREATED,
	Q_EVENT,
	Q_CREATED_SEQ,
	Q_HISTORY,
	Q_PIN_TAKEN,
	Q_ID_ADD,
	Q_ID_LOOKUP,
	Q_COUNT,
	Q_BATCH_END,
	Q_STAGE_INSERT,
	Q_STAGE_CLEAR,
	Q__COUNT
};

struct dc_store {
	struct dc_db *db;
	const struct dc_units *units;
	int pg;
	char *sql[Q__COUNT];
	struct dc_stmt *st[Q__COUNT];
	int depth;  /* open transaction nesting */
	int failed; /* an inner rollback happened */
	int staged; /* PostgreSQL staging table exists on this connection */
	char *batch_source;
	char err[512];
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Column list "pin, dob, …" of the citizen table. */
static void columns(struct dc_buf *b, const char *prefix)
{
	for (size_t i = 0; i < dc_citizen_ncolumns(); i++)
		dc_buf_addf(b, "%s%s%s", i ? ", " : "", prefix, dc_citizen_column(i));
}

static char *build_sql(enum q q, int pg)
{
	struct dc_buf b = DC_BUF_INIT;
	size_t nc = dc_citizen_ncolumns();
	switch (q) {
	case Q_GET:
		dc_buf_adds(&b, "SELECT ");
		columns(&b, "");
		dc_buf_adds(&b, " FROM citizen WHERE pin = $1");
		break;
	case Q_INSERT:
		dc_buf_adds(&b, "INSERT INTO citizen (");
		columns(&b, "");
		if (!pg) {
			/* SQLite: a cancelled number trips the trigger, which
			 * aborts only this statement (a conflict for the caller). */
			dc_buf_adds(&b, ", created_seq) VALUES (");
			for (size_t i = 1; i <= nc + 1; i++)
				dc_buf_addf(&b, "%s$%zu", i > 1 ? ", " : "", i);
			dc_buf_adds(&b, ") ON CONFLICT (pin) DO NOTHING");
			break;
		}
		dc_buf_adds(&b, ", created_seq) SELECT ");
		for (size_t i = 1; i <= nc; i++)
			dc_buf_addf(&b, "CAST($%zu AS TEXT), ", i);
		dc_buf_addf(&b,
		            "CAST($%zu AS BIGINT) WHERE NOT EXISTS (SELECT 1 FROM identifier WHERE "
		            "value = $1) ON CONFLICT (pin) DO NOTHING",
		            nc + 1);
		break;
	case Q_UPDATE:
		dc_buf_adds(&b, "UPDATE citizen SET ");
		for (size_t i = 1; i < nc; i++)
			dc_buf_addf(&b, "%s%s = $%zu", i > 1 ? ", " : "", dc_citizen_column(i),
			            i + 1);
		dc_buf_addf(&b, ", updated_seq = $%zu WHERE pin = $1", nc + 1);
		break;
	case Q_SET_CREATED:
		dc_buf_adds(&b, "UPDATE citizen SET created_seq = $2 WHERE pin = $1");
		break;
	case Q_EVENT:
		dc_buf_adds(&b, "INSERT INTO event (pin, kind, actor, reason, evidence, at_ms, "
		                "before_json, after_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
		                "RETURNING seq");
		break;
	case Q_CREATED_SEQ:
		dc_buf_adds(&b, "SELECT created_seq FROM citizen WHERE pin = $1");
		break;
	case Q_HISTORY:
		dc_buf_adds(&b,
		            "SELECT seq, pin, kind, actor, reason, evidence, at_ms, before_json, "
		            "after_json FROM event WHERE seq = $1 OR pin = $2 OR pin IN (SELECT "
		            "value FROM identifier WHERE pin = $2 AND kind = 1) ORDER BY seq");
		break;
	case Q_PIN_TAKEN:
		dc_buf_adds(&b, "SELECT 1 FROM citizen WHERE pin = $1 UNION ALL SELECT 1 FROM "
		                "identifier WHERE value = $1");
		break;
	case Q_ID_ADD:
		dc_buf_adds(&b,
		            "INSERT INTO identifier (value, kind, pin, reason, at_ms) SELECT "
		            "CAST($1 AS TEXT), CAST($2 AS INTEGER), CAST($3 AS TEXT), CAST($4 AS "
		            "TEXT), CAST($5 AS BIGINT) WHERE NOT EXISTS (SELECT 1 FROM citizen "
		            "WHERE pin = $1) ON CONFLICT (value) DO NOTHING");
		break;
	case Q_ID_LOOKUP:
		/* Old CMND numbers arrive on the citizen row (imports) or in the
		 * identifier history; 9-digit CMND were not unique nationwide,
		 * so the first match is returned, history first. */
		dc_buf_adds(&b, "SELECT pin, kind FROM identifier WHERE value = $1 UNION ALL "
		                "SELECT pin, 2 FROM citizen WHERE cmnd9 = $1");
		break;
	case Q_COUNT:
		dc_buf_adds(&b, "SELECT count(*) FROM citizen");
		break;
	case Q_BATCH_END:
		dc_buf_adds(&b, "UPDATE event SET after_json = $2 WHERE seq = $1");
		break;
	case Q_STAGE_INSERT:
		dc_buf_adds(&b,
		            "INSERT INTO citizen SELECT * FROM dc_stage s WHERE NOT EXISTS "
		            "(SELECT 1 FROM identifier i WHERE i.value = s.pin) ON CONFLICT (pin) "
		            "DO NOTHING RETURNING pin");
		break;
	case Q_STAGE_CLEAR:
		dc_buf_adds(&b, "TRUNCATE dc_stage");
		break;
	case Q__COUNT:
		break;
	}
	return dc_buf_detach(&b, NULL);
}

static int stmt(struct dc_store *s, enum q q, struct dc_stmt **out)
{
	if (!s->st[q]) {
		int rc = dc_db_prepare(s->db, s->sql[q], &s->st[q]);
		if (rc)
			return rc;
	} else {
		dc_stmt_reset(s->st[q]);
	}
	*out = s->st[q];
	return DC_OK;
}

int dc_store_open(const char *target, const struct dc_units *units, struct dc_store **out,
                  char *errbuf, size_t errlen)
{
	struct dc_store *s = calloc(1, sizeof(*s));
	if (!s)
		return DC_ERR_NOMEM;
	int rc = dc_db_open(target, &s->db, errbuf, errlen);
	if (rc) {
		free(s);
		return rc;
	}
	s->units = units;
	s->pg = dc_db_driver(s->db) == &dc_db_pg;
	for (int q = 0; q < Q__COUNT; q++) {
		s->sql[q] = build_sql((enum q)q, s->pg);
		if (!s->sql[q]) {
			dc_store_close(s);
			return DC_ERR_NOMEM;
		}
	}
	*out = s;
	return DC_OK;
}

void dc_store_close(struct dc_store *s)
{
	if (!s)
		return;
	if (s->depth)
		dc_db_rollback(s->db);
	for (int q = 0; q < Q__COUNT; q++) {
		dc_stmt_finalize(s->st[q]);
		free(s->sql[q]);
	}
	free(s->batch_source);
	dc_db_close(s->db);
	free(s);
}

struct dc_db *dc_store_db(struct dc_store *s)
{
	return s->db;
}

const char *dc_store_errmsg(struct dc_store *s)
{
	return s->err[0] ? s->err : dc_db_errmsg(s->db);
}

const char *dc_store_backend(const struct dc_store *s)
{
	return dc_db_driver(s->db)->name;
}

int dc_store_begin(struct dc_store *s)
{
	if (s->depth == 0) {
		int rc = dc_db_begin(s->db);
		if (rc)
			return rc;
		s->failed = 0;
	}
	s->depth++;
	return DC_OK;
}

int dc_store_commit(struct dc_store *s)
{
	if (s->depth == 0)
		DC_BUG("commit without begin");
	if (--s->depth > 0)
		return DC_OK;
	if (s->failed) {
		s->failed = 0;
		dc_db_rollback(s->db);
		return DC_ERR_CANCELLED;
	}
	int rc = dc_db_commit(s->db);
	if (rc)
		dc_db_rollback(s->db);
	return rc;
}

int dc_store_rollback(struct dc_store *s)
{
	if (s->depth == 0)
		return DC_OK;
	if (--s->depth > 0) {
		s->failed = 1;
		return DC_OK;
	}
	s->failed = 0;
	return dc_db_rollback(s->db);
}

int dc_store_snapshot_begin(struct dc_store *s)
{
	if (s->depth)
		DC_BUG("snapshot inside a write transaction");
	return dc_db_exec(s->db, s->pg ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
	                               : "BEGIN DEFERRED");
}

int dc_store_snapshot_end(struct dc_store *s)
{
	return dc_db_exec(s->db, "COMMIT");
}

/* Ends a write function's (possibly nested) transaction. */
static int finish(struct dc_store *s, int rc)
{
	if (rc) {
		dc_store_rollback(s);
		return rc;
	}
	return dc_store_commit(s);
}

/* --- citizens --------------------------------------------------------------- */

/* Binds every column of c. Text fields are bound by reference (c's strings
 * outlive the step); the fixed columns are formatted into tmp, which is
 * grown once up front so the references into it stay valid. */
static int bind_citizen(struct dc_stmt *st, const struct dc_citizen *c, struct dc_buf *tmp)
{
	size_t off[DC_CITIZEN_NFIXED], len[DC_CITIZEN_NFIXED];
	int rc = DC_OK;
	dc_buf_reset(tmp);
	rc = dc_buf_grow(tmp, 128);
	for (size_t i = 0; i < DC_CITIZEN_NFIXED && rc == DC_OK; i++) {
		off[i] = tmp->len;
		rc = dc_citizen_get(c, i, tmp);
		len[i] = tmp->len - off[i];
	}
	for (size_t i = 0; i < DC_CITIZEN_NFIXED && rc == DC_OK; i++)
		rc = len[i] ? dc_stmt_bind_text_ref(st, (int)i + 1, tmp->ptr + off[i], len[i])
		            : dc_stmt_bind_null(st, (int)i + 1);
	for (size_t i = DC_CITIZEN_NFIXED; i < dc_citizen_ncolumns() && rc == DC_OK; i++) {
		const char *v = *dc_citizen_text_field((struct dc_citizen *)c, i);
		rc = v && *v ? dc_stmt_bind_text_ref(st, (int)i + 1, v, strlen(v))
		             : dc_stmt_bind_null(st, (int)i + 1);
	}
	return rc;
}

int dc_store_citizen_get(struct dc_store *s, const struct dc_pin *pin, struct dc_citizen *out,
                         struct dc_pool *pool)
{
	struct dc_stmt *st = NULL;
	int rc = stmt(s, Q_GET, &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_text(st, 1, pin->d, 12);
	if (rc == DC_OK)
		rc = dc_stmt_step(st);
	if (rc == DC_DONE)
		rc = DC_ERR_NOT_FOUND;
	if (rc != DC_ROW)
		goto cleanup;
	memset(out, 0, sizeof(*out));
	rc = DC_OK;
	for (size_t i = 0; i < dc_citizen_ncolumns() && rc == DC_OK; i++) {
		size_t n;
		const char *v = dc_stmt_text(st, (int)i, &n);
		if (!v)
			continue;
		if (i >= DC_CITIZEN_NFIXED) {
			v = dc_pool_strndup(pool, v, n);
			if (!v) {
				rc = DC_ERR_NOMEM;
				break;
			}
		}
		rc = dc_citizen_set(out, i, v, n);
		if (rc)
			snprintf(s->err, sizeof(s->err), "stored column %s does not parse",
			         dc_citizen_column(i));
	}
	if (rc)
		rc = DC_ERR_DB;
cleanup:
	if (st)
		dc_stmt_reset(st);
	return rc;
}

static int append_event(struct dc_store *s, const char *pin, const struct dc_change *why,
                        const char *before, const char *after, int64_t *seq)
{
	struct dc_stmt *st = NULL;
	int rc = stmt(s, Q_EVENT, &st);
	if (rc)
		return rc;
	if (!why || !why->actor || !*why->actor || !why->kind || !*why->kind) {
		snprintf(s->err, sizeof(s->err), "a change needs an actor and a kind");
		return DC_ERR_INVALID;
	}
	dc_stmt_bind_str(st, 1, pin);
	dc_stmt_bind_str(st, 2, why->kind);
	dc_stmt_bind_str(st, 3, why->actor);
	dc_stmt_bind_str(st, 4, why->reason);
	dc_stmt_bind_str(st, 5, why->evidence);
	dc_stmt_bind_int64(st, 6, now_ms());
	dc_stmt_bind_str(st, 7, before);
	dc_stmt_bind_str(st, 8, after);
	rc = dc_stmt_step(st);
	if (rc == DC_ROW) {
		*seq = dc_stmt_int64(st, 0);
		rc = DC_OK;
	} else if (rc == DC_DONE) {
		rc = DC_ERR_DB;
	}
	dc_stmt_reset(st);
	return rc;
}

/* Appends to before/after the JSON members of columns that differ between
 * old and new (old may be NULL: every non-empty column of new). Returns the
 * number of differing columns. */
static size_t diff_json(const struct dc_citizen *old, const struct dc_citizen *new,
                        struct dc_buf *before, struct dc_buf *after)
{
	struct dc_buf x = DC_BUF_INIT, y = DC_BUF_INIT;
	size_t n = 0;
	dc_buf_addc(before, '{');
	dc_buf_addc(after, '{');
	for (size_t i = 0; i < dc_citizen_ncolumns(); i++) {
		dc_buf_reset(&x);
		dc_buf_reset(&y);
		if (old)
			dc_citizen_get(old, i, &x);
		dc_citizen_get(new, i, &y);
		if (x.len == y.len && (x.len == 0 || !memcmp(x.ptr, y.ptr, x.len)))
			continue;
		const char *sep = n ? "," : "";
		const char *col = dc_citizen_column(i);
		if (old) {
			dc_buf_addf(before, "%s\"%s\":", sep, col);
			if (x.len) {
				dc_buf_addc(before, '"');
				dc_buf_add_json_str(before, x.ptr, x.len);
				dc_buf_addc(before, '"');
			} else {
				dc_buf_adds(before, "null");
			}
		}
		dc_buf_addf(after, "%s\"%s\":", sep, col);
		if (y.len) {
			dc_buf_addc(after, '"');
			dc_buf_add_json_str(after, y.ptr, y.len);
			dc_buf_addc(after, '"');
		} else {
			dc_buf_adds(after, "null");
		}
		n++;
	}
	dc_buf_addc(before, '}');
	dc_buf_addc(after, '}');
	dc_buf_release(&x);
	dc_buf_release(&y);
	return n;
}

/* Inserts one citizen with created_seq; *inserted = 0 when the pin is taken. */
static int insert_citizen(struct dc_store *s, const struct dc_citizen *c, int64_t created,
                          int *inserted, struct dc_buf *tmp)
{
	struct dc_stmt *st = NULL;
	int rc = stmt(s, Q_INSERT, &st);
	if (rc == DC_OK)
		rc = bind_citizen(st, c, tmp);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, (int)dc_citizen_ncolumns() + 1, created);
	if (rc == DC_OK)
		rc = dc_stmt_step(st);
	if (rc == DC_DONE) {
		*inserted = dc_stmt_changes(st) > 0;
		rc = DC_OK;
	} else if (rc == DC_ERR_CONFLICT) { /* the never-reuse trigger */
		*inserted = 0;
		rc = DC_OK;
	}
	dc_stmt_reset(st);
	return rc;
}

int dc_store_citizen_create(struct dc_store *s, const struct dc_citizen *c,
                            const struct dc_change *why, int64_t *seq_out)
{
	struct dc_buf before = DC_BUF_INIT, after = DC_BUF_INIT, tmp = DC_BUF_INIT;
	struct dc_stmt *st = NULL;
	int64_t seq = 0;
	int inserted = 0;
	int rc = dc_store_begin(s);
	if (rc)
		return rc;
	rc = insert_citizen(s, c, 0, &inserted, &tmp);
	if (rc == DC_OK && !inserted) {
		snprintf(s->err, sizeof(s->err), "personal ID number %s is in use or was cancelled",
		         c->pin.d);
		rc = DC_ERR_CONFLICT;
	}
	if (rc == DC_OK) {
		diff_json(NULL, c, &before, &after);
		rc = dc_buf_error(&after);
	}
	if (rc == DC_OK)
		rc = append_event(s, c->pin.d, why, "{}", dc_buf_str(&after), &seq);
	if (rc == DC_OK)
		rc = stmt(s, Q_SET_CREATED, &st);
	if (rc == DC_OK) {
		dc_stmt_bind_text(st, 1, c->pin.d, 12);
		dc_stmt_bind_int64(st, 2, seq);
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
		dc_stmt_reset(st);
	}
	rc = finish(s, rc);
	if (rc == DC_OK && seq_out)
		*seq_out = seq;
	dc_buf_release(&before);
	dc_buf_release(&after);
	dc_buf_release(&tmp);
	return rc;
}

int dc_store_citizen_update(struct dc_store *s, const struct dc_citizen *c,
                            const struct dc_change *why, int64_t *seq_out)
{
	struct dc_buf before = DC_BUF_INIT, after = DC_BUF_INIT, tmp = DC_BUF_INIT;
	struct dc_pool pool;
	struct dc_citizen old;
	struct dc_stmt *st = NULL;
	int64_t seq = 0;
	dc_pool_init(&pool, 0);
	int rc = dc_store_begin(s);
	if (rc)
		goto out;
	rc = dc_store_citizen_get(s, &c->pin, &old, &pool);
	if (rc == DC_OK && diff_json(&old, c, &before, &after) > 0) {
		rc = dc_buf_error(&before) ? dc_buf_error(&before) : dc_buf_error(&after);
		if (rc == DC_OK)
			rc = append_event(s, c->pin.d, why, before.ptr, after.ptr, &seq);
		if (rc == DC_OK)
			rc = stmt(s, Q_UPDATE, &st);
		if (rc == DC_OK) {
			rc = bind_citizen(st, c, &tmp);
			if (rc == DC_OK)
				rc = dc_stmt_bind_int64(st, (int)dc_citizen_ncolumns() + 1, seq);
			if (rc == DC_OK)
				rc = dc_stmt_step(st);
			rc = rc == DC_DONE ? DC_OK : rc;
			dc_stmt_reset(st);
		}
	}
	rc = finish(s, rc);
out:
	if (seq_out)
		*seq_out = rc == DC_OK ? seq : 0;
	dc_pool_release(&pool);
	dc_buf_release(&before);
	dc_buf_release(&after);
	dc_buf_release(&tmp);
	return rc;
}

int dc_store_history(struct dc_store *s, const struct dc_pin *pin,
                     int (*cb)(void *arg, const struct dc_event *ev), void *arg)
{
	struct dc_stmt *st = NULL;
	int64_t created = 0;
	int rc = stmt(s, Q_CREATED_SEQ, &st);
	if (rc)
		return rc;
	dc_stmt_bind_text(st, 1, pin->d, 12);
	rc = dc_stmt_step(st);
	if (rc == DC_ROW)
		created = dc_stmt_int64(st, 0);
	dc_stmt_reset(st);
	if (rc == DC_DONE)
		return DC_ERR_NOT_FOUND;
	if (rc < 0)
		return rc;
	rc = stmt(s, Q_HISTORY, &st);
	if (rc)
		return rc;
	dc_stmt_bind_int64(st, 1, created);
	dc_stmt_bind_text(st, 2, pin->d, 12);
	while ((rc = dc_stmt_step(st)) == DC_ROW) {
		struct dc_event ev;
		ev.seq = dc_stmt_int64(st, 0);
		ev.pin = dc_stmt_text(st, 1, NULL);
		ev.kind = dc_stmt_text(st, 2, NULL);
		ev.actor = dc_stmt_text(st, 3, NULL);
		ev.reason = dc_stmt_text(st, 4, NULL);
		ev.evidence = dc_stmt_text(st, 5, NULL);
		ev.at_ms = dc_stmt_int64(st, 6);
		ev.before_json = dc_stmt_text(st, 7, NULL);
		ev.after_json = dc_stmt_text(st, 8, NULL);
		int stop = cb(arg, &ev);
		if (stop) {
			rc = stop;
			break;
		}
	}
	dc_stmt_reset(st);
	return rc == DC_DONE ? DC_OK : rc;
}

/* --- identifiers ------------------------------------------------------------ */

static int pin_taken(struct dc_store *s, const char *pin, int *taken)
{
	struct dc_stmt *st = NULL;
	int rc = stmt(s, Q_PIN_TAKEN, &st);
	if (rc)
		return rc;
	dc_stmt_bind_text(st, 1, pin, strlen(pin));
	rc = dc_stmt_step(st);
	*taken = rc == DC_ROW;
	dc_stmt_reset(st);
	return rc < 0 ? rc : DC_OK;
}

int dc_store_pin_allocate(struct dc_store *s, int prefix, int birth_year, enum dc_sex sex,
                          struct dc_pin *out)
{
	for (int tries = 0; tries < 1000; tries++) {
		int taken, rc = dc_pin_make(prefix, birth_year, sex, dc_pin_random6(), out);
		if (rc)
			return rc;
		rc = pin_taken(s, out->d, &taken);
		if (rc)
			return rc;
		if (!taken)
			return DC_OK;
	}
	return DC_ERR_EXHAUSTED;
}

static int identifier_insert(struct dc_store *s, enum dc_identifier_kind kind, const char *value,
                             const char *pin, const char *reason)
{
	struct dc_stmt *st = NULL;
	int rc = stmt(s, Q_ID_ADD, &st);
	if (rc)
		return rc;
	dc_stmt_bind_str(st, 1, value);
	dc_stmt_bind_int64(st, 2, kind);
	dc_stmt_bind_str(st, 3, pin);
	dc_stmt_bind_str(st, 4, reason);
	dc_stmt_bind_int64(st, 5, now_ms());
	rc = dc_stmt_step(st);
	if (rc == DC_DONE)
		rc = dc_stmt_changes(st) > 0 ? DC_OK : DC_ERR_CONFLICT;
	dc_stmt_reset(st);
	if (rc == DC_ERR_CONFLICT)
		snprintf(s->err, sizeof(s->err), "identifier %s is already in use", value);
	return rc;
}

int dc_store_identifier_add(struct dc_store *s, enum dc_identifier_kind kind, const char *value,
                            const struct dc_pin *current_pin, const char *reason)
{
	if (!value || !*value || kind < DC_ID_PIN_CANCELLED || kind > DC_ID_CMND12)
		return DC_ERR_INVALID;
	int rc = dc_store_begin(s);
	if (rc)
		return rc;
	return finish(s, identifier_insert(s, kind, value, current_pin->d, reason));
}

int dc_store_identifier_lookup(struct dc_store *s, const char *value, struct dc_pin *current_out,
                               enum dc_identifier_kind *kind_out)
{
	struct dc_stmt *st = NULL;
	int rc = stmt(s, Q_ID_LOOKUP, &st);
	if (rc)
		return rc;
	dc_stmt_bind_str(st, 1, value);
	rc = dc_stmt_step(st);
	if (rc == DC_ROW) {
		size_t n;
		const char *p = dc_stmt_text(st, 0, &n);
		rc = p ? dc_pin_parse(p, n, current_out) : DC_ERR_DB;
		if (kind_out)
			*kind_out = (enum dc_identifier_kind)dc_stmt_int64(st, 1);
	} else if (rc == DC_DONE) {
		rc = DC_ERR_NOT_FOUND;
	}
	dc_stmt_reset(st);
	return rc;
}

int dc_store_pin_reestablish(struct dc_store *s, const struct dc_pin *old_pin,
                             const struct dc_pin *new_pin, const struct dc_change *why)
{
	struct dc_pool pool;
	struct dc_citizen c;
	struct dc_buf sql = DC_BUF_INIT;
	struct dc_stmt *st = NULL;
	int taken = 0;
	int64_t seq = 0;
	dc_pool_init(&pool, 0);
	int rc = dc_store_begin(s);
	if (rc)
		goto out;
	rc = dc_store_citizen_get(s, old_pin, &c, &pool);
	if (rc == DC_OK)
		rc = pin_taken(s, new_pin->d, &taken);
	if (rc == DC_OK && taken) {
		snprintf(s->err, sizeof(s->err), "personal ID number %s is in use or was cancelled",
		         new_pin->d);
		rc = DC_ERR_CONFLICT;
	}
	if (rc == DC_OK)
		rc = dc_db_prepare(s->db, "UPDATE citizen SET pin = $2 WHERE pin = $1", &st);
	if (rc == DC_OK) {
		dc_stmt_bind_text(st, 1, old_pin->d, 12);
		dc_stmt_bind_text(st, 2, new_pin->d, 12);
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	if (rc == DC_OK)
		rc = identifier_insert(s, DC_ID_PIN_CANCELLED, old_pin->d, new_pin->d,
		                       why ? why->reason : NULL);
	if (rc == DC_OK) {
		dc_buf_addf(&sql, "{\"pin\":\"%s\"}", old_pin->d);
		struct dc_buf after = DC_BUF_INIT;
		dc_buf_addf(&after, "{\"pin\":\"%s\"}", new_pin->d);
		rc = append_event(s, new_pin->d, why, sql.ptr, after.ptr, &seq);
		dc_buf_release(&after);
	}
	rc = finish(s, rc);
out:
	dc_stmt_finalize(st);
	dc_buf_release(&sql);
	dc_pool_release(&pool);
	return rc;
}

int dc_store_ping(struct dc_store *s)
{
	return dc_db_exec(s->db, "SELECT 1");
}

int dc_store_count(struct dc_store *s, int64_t *out)
{
	struct dc_stmt *st = NULL;
	int rc = stmt(s, Q_COUNT, &st);
	if (rc)
		return rc;
	rc = dc_stmt_step(st);
	*out = rc == DC_ROW ? dc_stmt_int64(st, 0) : 0;
	dc_stmt_reset(st);
	return rc < 0 ? rc : DC_OK;
}

/* --- bulk import ------------------------------------------------------------ */

static void batch_json(struct dc_buf *b, const char *source, const char *sha, int64_t rows)
{
	dc_buf_adds(b, "{\"source\":\"");
	dc_buf_add_json_str(b, source ? source : "", source ? strlen(source) : 0);
	dc_buf_adds(b, "\"");
	if (sha)
		dc_buf_addf(b, ",\"sha256\":\"%s\"", sha);
	if (rows >= 0)
		dc_buf_addf(b, ",\"rows\":%lld", (long long)rows);
	dc_buf_addc(b, '}');
}

int dc_store_batch_begin(struct dc_store *s, const char *source, const char *sha256_hex,
                         const char *actor, int64_t *batch_seq)
{
	struct dc_buf after = DC_BUF_INIT;
	struct dc_change why = {actor, "bulk import", NULL, "import"};
	if (s->depth == 0)
		DC_BUG("dc_store_batch_begin outside a transaction");
	free(s->batch_source);
	s->batch_source = strdup(source ? source : "");
	batch_json(&after, source, sha256_hex, -1);
	int rc = dc_buf_error(&after);
	if (rc == DC_OK)
		rc = append_event(s, NULL, &why, "{}", after.ptr, batch_seq);
	dc_buf_release(&after);
	return rc;
}

int dc_store_batch_end(struct dc_store *s, int64_t batch_seq, int64_t rows)
{
	struct dc_buf after = DC_BUF_INIT;
	struct dc_stmt *st = NULL;
	batch_json(&after, s->batch_source, NULL, rows);
	int rc = dc_buf_error(&after);
	if (rc == DC_OK)
		rc = stmt(s, Q_BATCH_END, &st);
	if (rc == DC_OK) {
		dc_stmt_bind_int64(st, 1, batch_seq);
		dc_stmt_bind_text(st, 2, after.ptr, after.len);
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
		dc_stmt_reset(st);
	}
	dc_buf_release(&after);
	return rc;
}

int dc_store_batch_add(struct dc_store *s, int64_t batch_seq, const struct dc_citizen *c)
{
	unsigned char ins = 0;
	int rc = dc_store_batch_add_many(s, batch_seq, c, 1, &ins);
	return rc ? rc : ins ? DC_OK : DC_ERR_CONFLICT;
}

static int cmp_citizen_ptr(const void *a, const void *b)
{
	const struct dc_citizen *x = *(const struct dc_citizen *const *)a;
	const struct dc_citizen *y = *(const struct dc_citizen *const *)b;
	int c = memcmp(x->pin.d, y->pin.d, 12);
	/* Equal numbers keep file order, so the first one is the one written. */
	return c ? c : (x < y ? -1 : x > y);
}

static int cmp_pin(const void *a, const void *b)
{
	return memcmp(a, b, 12);
}

/* PostgreSQL: COPY the rows into a staging table, then one INSERT … SELECT
 * that skips taken numbers and returns the numbers it inserted. */
static int add_many_pg(struct dc_store *s, int64_t batch_seq, const struct dc_citizen *rows,
                       size_t n, unsigned char *inserted)
{
	struct dc_buf cols = DC_BUF_INIT, vals = DC_BUF_INIT;
	const struct dc_db_ops *ops = dc_db_driver(s->db);
	size_t nc = dc_citizen_ncolumns();
	const char **v = calloc(nc + 1, sizeof(*v));
	size_t *lens = calloc(nc + 1, sizeof(*lens));
	size_t *offs = calloc(nc + 1, sizeof(*offs));
	char(*got)[13] = calloc(n ? n : 1, 13);
	unsigned char *used = calloc(n ? n : 1, 1);
	size_t ngot = 0;
	struct dc_stmt *st = NULL;
	char seq[24];
	int rc = v && lens && offs && got && used ? DC_OK : DC_ERR_NOMEM;
	int copying = 0;
	if (rc)
		goto cleanup;
	if (!s->staged) {
		rc = dc_db_exec(s->db, "CREATE TEMP TABLE IF NOT EXISTS dc_stage (LIKE citizen) ON "
		                       "COMMIT DELETE ROWS");
		if (rc)
			goto cleanup;
		s->staged = 1;
	}
	columns(&cols, "");
	dc_buf_adds(&cols, ", created_seq");
	rc = ops->copy_begin(s->db, "dc_stage", cols.ptr, (int)nc + 1);
	if (rc)
		goto cleanup;
	copying = 1;
	snprintf(seq, sizeof(seq), "%lld", (long long)batch_seq);
	for (size_t r = 0; r < n && rc == DC_OK; r++) {
		dc_buf_reset(&vals);
		for (size_t i = 0; i < nc; i++) {
			offs[i] = vals.len;
			dc_citizen_get(&rows[r], i, &vals);
			lens[i] = vals.len - offs[i];
		}
		if ((rc = dc_buf_error(&vals)))
			break;
		for (size_t i = 0; i < nc; i++)
			v[i] = lens[i] ? vals.ptr + offs[i] : NULL;
		v[nc] = seq;
		lens[nc] = strlen(seq);
		rc = ops->copy_row(s->db, v, lens);
	}
	copying = 0;
	int rc2 = ops->copy_end(s->db, rc == DC_OK);
	rc = rc ? rc : rc2;
	if (rc == DC_OK)
		rc = stmt(s, Q_STAGE_INSERT, &st);
	if (rc == DC_OK) {
		while ((rc = dc_stmt_step(st)) == DC_ROW) {
			size_t len;
			const char *p = dc_stmt_text(st, 0, &len);
			if (p && len == 12 && ngot < n)
				memcpy(got[ngot++], p, 13);
		}
		rc = rc == DC_DONE ? DC_OK : rc;
		dc_stmt_reset(st);
	}
	if (rc == DC_OK)
		rc = stmt(s, Q_STAGE_CLEAR, &st);
	if (rc == DC_OK) {
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
		dc_stmt_reset(st);
	}
	if (rc == DC_OK) {
		qsort(got, ngot, 13, cmp_pin);
		for (size_t r = 0; r < n; r++) {
			char(*hit)[13] =
			        ngot ? bsearch(rows[r].pin.d, got, ngot, 13, cmp_pin) : NULL;
			size_t k = hit ? (size_t)(hit - got) : 0;
			/* A number twice in one chunk: only its first row went in. */
			inserted[r] = hit && !used[k];
			if (hit)
				used[k] = 1;
		}
	}
cleanup:
	if (copying)
		ops->copy_end(s->db, 0);
	free(v);
	free(lens);
	free(offs);
	free(got);
	free(used);
	dc_buf_release(&cols);
	dc_buf_release(&vals);
	return rc;
}

int dc_store_batch_add_many(struct dc_store *s, int64_t batch_seq, const struct dc_citizen *rows,
                            size_t n, unsigned char *inserted)
{
	if (s->depth == 0)
		DC_BUG("batch insert outside a transaction");
	if (s->pg && n > 1)
		return add_many_pg(s, batch_seq, rows, n, inserted);
	/* Insert in number order: neighbouring keys land on the same b-tree
	 * pages, which roughly halves page splits and cache misses on a large
	 * table compared with file order. */
	struct dc_buf tmp = DC_BUF_INIT;
	const struct dc_citizen **order = malloc((n ? n : 1) * sizeof(*order));
	int rc = order ? DC_OK : DC_ERR_NOMEM;
	for (size_t r = 0; r < n && order; r++)
		order[r] = &rows[r];
	if (order && n > 1)
		qsort(order, n, sizeof(*order), cmp_citizen_ptr);
	for (size_t k = 0; k < n && rc == DC_OK; k++) {
		int ins = 0;
		rc = insert_citizen(s, order[k], batch_seq, &ins, &tmp);
		inserted[order[k] - rows] = (unsigned char)ins;
	}
	free(order);
	dc_buf_release(&tmp);
	return rc;
}
