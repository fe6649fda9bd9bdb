/*
 * store.c — the register's storage, written once over the driver interface
 * (db.h) for SQLite and PostgreSQL.
 *
 * SQL is written once with $N parameters and prepared lazily, the first time
 * it is needed, then kept in the store for its life (so PostgreSQL parses
 * and plans each text once per connection, SQLite compiles it once). SQL
 * that names every citizen column is built at open time from the column
 * table (dc_citizen_column), so there is no hand-written column list to
 * drift from citizen.h.
 *
 * Inserts never rely on a constraint error to detect a taken number: they
 * use "… WHERE NOT EXISTS (cancelled) ON CONFLICT (pin) DO NOTHING" and look
 * at the row count. On PostgreSQL a constraint error would abort the whole
 * transaction, and an import must be able to go on past a conflicting row.
 * (On SQLite the never-reuse trigger is left to refuse a cancelled number:
 * its error aborts only the statement.)
 *
 * Event order: event.seq is SQLite's rowid (one writer at a time, so it is
 * commit order) or a PostgreSQL sequence. Sequence values are handed out
 * when rows are inserted, not when transactions commit: with concurrent
 * writers a smaller seq can become visible after a larger one. Per citizen
 * that cannot happen (writes to one citizen row are serialized by its row
 * lock), so history order is right; a consumer that follows the whole log
 * by "seq > last seen" could skip a late commit. A commit-ordered log is
 * planned; until then do not tail the event table on PostgreSQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dancu/core.h"
#include "dancu/store.h"

#include "core/internal.h"
#include "exchange/exchange_internal.h"

enum q {
	Q_GET,
	Q_GET_LOCK, /* Q_GET that also locks the row (PostgreSQL) for an update */
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
	Q_RENUMBER,
	Q_ID_MOVE,
	Q_TAKEN_ANY, /* PostgreSQL only */
	Q_STATS_ADD, /* the dashboard counters (exchange_internal.h) */
	Q_CARDS_OF,
	Q_COMMUNE_OF,
	Q__COUNT
};

/* Columns of the citizen table: the record's columns plus created_seq. */
#define MAX_COLS 64

struct dc_store {
	struct dc_db *db;
	const struct dc_units *units;
	int pg;
	char *sql[Q__COUNT];
	struct dc_stmt *st[Q__COUNT];
	char *copy_cols; /* "pin, dob, …, created_seq" for COPY */
	int depth;       /* open transaction nesting */
	int failed;      /* an inner rollback happened */
	/* The fixed columns of the row being bound, formatted as text and bound
	 * by reference: kept here so the per-row paths do not allocate. */
	struct dc_buf scratch;
	/* Counter deltas of the batch in progress, by 5-digit commune code
	 * (citizens, fields), added to stats_commune by batch_end. */
	int64_t (*batch_acc)[2];
	char *batch_source; /* of the batch in progress, for batch_end */
	char *batch_sha;
	char err[512];
};

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
	case Q_GET_LOCK:
		dc_buf_adds(&b, "SELECT ");
		columns(&b, "");
		dc_buf_adds(&b, " FROM citizen WHERE pin = $1");
		/* SQLite has no row locks (nor the syntax): its writers are
		 * already serialized by BEGIN IMMEDIATE. */
		if (q == Q_GET_LOCK && pg)
			dc_buf_adds(&b, " FOR UPDATE");
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
	case Q_RENUMBER:
		dc_buf_adds(&b, "UPDATE citizen SET pin = $2 WHERE pin = $1");
		break;
	case Q_ID_MOVE:
		/* Old identifiers follow the person to the new number, so a
		 * lookup of any of them (and history through a chain of
		 * re-established numbers) ends at the current one. */
		dc_buf_adds(&b, "UPDATE identifier SET pin = $2 WHERE pin = $1");
		break;
	case Q_TAKEN_ANY:
		dc_buf_adds(&b, "SELECT pin FROM citizen WHERE pin = ANY(CAST($1 AS TEXT[])) UNION "
		                "ALL SELECT value FROM identifier WHERE value = ANY(CAST($1 AS "
		                "TEXT[]))");
		break;
	case Q_STATS_ADD:
		dc_buf_adds(&b,
		            "INSERT INTO stats_commune (commune, citizens, fields, cards) VALUES "
		            "($1, $2, $3, $4) ON CONFLICT (commune) DO UPDATE SET citizens = "
		            "stats_commune.citizens + excluded.citizens, fields = "
		            "stats_commune.fields + excluded.fields, cards = stats_commune.cards + "
		            "excluded.cards");
		break;
	case Q_CARDS_OF:
		dc_buf_adds(&b, "SELECT count(*) FROM card WHERE pin = $1 AND issued IS NOT NULL");
		break;
	case Q_COMMUNE_OF:
		dc_buf_adds(&b, "SELECT perm_commune FROM citizen WHERE pin = $1");
		break;
	case Q__COUNT:
		break;
	}
	return dc_buf_detach(&b, NULL);
}

/* The cached statement q, ready to bind. Also starts a new operation's
 * error text: a store message from an earlier call must not be shown for a
 * driver error of this one. */
static int stmt(struct dc_store *s, enum q q, struct dc_stmt **out)
{
	s->err[0] = '\0';
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
	dc_buf_init(&s->scratch, 0);
	if (dc_citizen_ncolumns() + 1 > MAX_COLS)
		DC_BUG("citizen has more columns than MAX_COLS");
	for (int q = 0; q < Q__COUNT; q++) {
		s->sql[q] = build_sql((enum q)q, s->pg);
		if (!s->sql[q])
			rc = DC_ERR_NOMEM;
	}
	struct dc_buf cols = DC_BUF_INIT;
	columns(&cols, "");
	dc_buf_adds(&cols, ", created_seq");
	s->copy_cols = dc_buf_detach(&cols, NULL);
	if (!s->copy_cols)
		rc = DC_ERR_NOMEM;
	if (rc) {
		dc_store_close(s);
		return rc;
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
	free(s->copy_cols);
	free(s->batch_source);
	free(s->batch_sha);
	free(s->batch_acc);
	dc_buf_release(&s->scratch);
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

int dc_store_sub_begin(struct dc_store *s)
{
	if (s->depth != 1)
		DC_BUG("a savepoint outside a transaction, or nested");
	int rc = dc_db_exec(s->db, "SAVEPOINT dc_sub");
	if (rc == DC_OK)
		s->depth++;
	return rc;
}

int dc_store_sub_end(struct dc_store *s, int ok)
{
	if (s->depth != 2)
		DC_BUG("dc_store_sub_end without dc_store_sub_begin");
	s->depth--;
	if (ok && !s->failed) {
		int rc = dc_db_exec(s->db, "RELEASE SAVEPOINT dc_sub");
		if (rc == DC_OK)
			return DC_OK;
	}
	s->failed = 0;
	int rc = dc_db_exec(s->db, "ROLLBACK TO SAVEPOINT dc_sub");
	if (rc == DC_OK)
		rc = dc_db_exec(s->db, "RELEASE SAVEPOINT dc_sub");
	if (rc)
		s->failed = 1; /* the transaction cannot go on: its commit rolls back */
	return rc ? rc : ok ? DC_ERR_CANCELLED : DC_OK;
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

/* --- dashboard counters ------------------------------------------------------ */

/* Adds a delta to one commune's counters (stats_commune), in the caller's
 * transaction. Nothing to do for no commune or a zero delta. */
static int stats_add(struct dc_store *s, const char *commune, int64_t citizens, int64_t fields,
                     int64_t cards)
{
	struct dc_stmt *st = NULL;
	if (!commune || !*commune || (!citizens && !fields && !cards))
		return DC_OK;
	int rc = stmt(s, Q_STATS_ADD, &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_text(st, 1, commune, strlen(commune));
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 2, citizens);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 3, fields);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 4, cards);
	if (rc == DC_OK)
		rc = dc_stmt_step(st);
	if (st)
		dc_stmt_reset(st);
	return rc == DC_DONE ? DC_OK : rc;
}

/* The number of issued cards held under number pin (12 digits). */
static int cards_of(struct dc_store *s, const char *pin, int64_t *n)
{
	struct dc_stmt *st = NULL;
	int rc = stmt(s, Q_CARDS_OF, &st);
	*n = 0;
	if (rc == DC_OK)
		rc = dc_stmt_bind_text(st, 1, pin, 12);
	if (rc == DC_OK)
		rc = dc_stmt_step(st);
	if (rc == DC_ROW) {
		*n = dc_stmt_int64(st, 0);
		rc = DC_OK;
	}
	if (st)
		dc_stmt_reset(st);
	return rc;
}

/* Moves the counters from row old (NULL: none) to row new (NULL: none) of
 * the citizen with number pin. Called after the write's event is appended:
 * on PostgreSQL that insert takes the register's transaction-level lock
 * (schema_exchange.c), so counter rows are only ever locked by its holder
 * and two writers cannot deadlock on them (the card trigger takes the same
 * lock first). Two communes are written in code order all the same. */
static int stats_change(struct dc_store *s, const char *pin, const struct dc_citizen *old,
                        const struct dc_citizen *new)
{
	struct dc__stats_contrib a = {{0}, 0, 0}, b = {{0}, 0, 0};
	int64_t cards = 0;
	int rc = DC_OK;
	if (old)
		dc__stats_contrib(old, &a);
	if (new)
		dc__stats_contrib(new, &b);
	if (!strcmp(a.commune, b.commune))
		return stats_add(s, a.commune, b.citizens - a.citizens, b.fields - a.fields, 0);
	/* A card counts for its holder's commune: a move moves them. A new row
	 * has none (a card is applied for by a registered citizen, and a
	 * cancelled number never comes back). */
	if (old && new)
		rc = cards_of(s, pin, &cards);
	int first_old = strcmp(a.commune, b.commune) < 0;
	for (int k = 0; k < 2 && rc == DC_OK; k++) {
		if ((k == 0) == first_old)
			rc = stats_add(s, a.commune, -a.citizens, -a.fields, -cards);
		else
			rc = stats_add(s, b.commune, b.citizens, b.fields, cards);
	}
	return rc;
}

/* Adds a batch row's counters to the batch's deltas; communes that are not
 * five digits (none pass the import's checks) go to the table at once. */
static int stats_batch_row(struct dc_store *s, const struct dc_citizen *c)
{
	struct dc__stats_contrib k;
	unsigned long long code = 0;
	dc__stats_contrib(c, &k);
	if (!k.commune[0] || (!k.citizens && !k.fields))
		return DC_OK;
	if (strlen(k.commune) != 5 || dc_parse_uint(k.commune, 5, 99999, &code))
		return stats_add(s, k.commune, k.citizens, k.fields, 0);
	if (!s->batch_acc) {
		s->batch_acc = calloc(100000, sizeof(*s->batch_acc));
		if (!s->batch_acc)
			return DC_ERR_NOMEM;
	}
	s->batch_acc[code][0] += k.citizens;
	s->batch_acc[code][1] += k.fields;
	return DC_OK;
}

/* Writes the batch's deltas (in commune order) and clears them. */
static int stats_batch_flush(struct dc_store *s)
{
	int rc = DC_OK;
	for (unsigned i = 0; s->batch_acc && i < 100000 && rc == DC_OK; i++) {
		if (!s->batch_acc[i][0] && !s->batch_acc[i][1])
			continue;
		char code[6] = {(char)('0' + i / 10000),    (char)('0' + i / 1000 % 10),
		                (char)('0' + i / 100 % 10), (char)('0' + i / 10 % 10),
		                (char)('0' + i % 10),       '\0'};
		rc = stats_add(s, code, s->batch_acc[i][0], s->batch_acc[i][1], 0);
	}
	free(s->batch_acc);
	s->batch_acc = NULL;
	return rc;
}

/* --- citizens --------------------------------------------------------------- */

/* Binds every column of c as $1 … $ncolumns. Text fields are bound by
 * reference (c's strings outlive the step); the fixed columns are formatted
 * into tmp first and bound after, so no later append moves them. Empty text
 * is stored as NULL ("not recorded" either way; NULL keeps the partial
 * indexes small). */
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

/* Reads a citizen with statement q (Q_GET or Q_GET_LOCK). */
static int get_citizen(struct dc_store *s, enum q q, const struct dc_pin *pin,
                       struct dc_citizen *out, struct dc_pool *pool)
{
	struct dc_stmt *st = NULL;
	int rc = stmt(s, q, &st);
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
	if (rc && rc != DC_ERR_NOMEM)
		rc = DC_ERR_DB;
cleanup:
	if (st)
		dc_stmt_reset(st);
	return rc;
}

int dc_store_citizen_get(struct dc_store *s, const struct dc_pin *pin, struct dc_citizen *out,
                         struct dc_pool *pool)
{
	return get_citizen(s, Q_GET, pin, out, pool);
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
	dc_stmt_bind_int64(st, 6, dc_now_ms());
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

/* Inserts one citizen with created_seq; *inserted = 0 when the pin is taken
 * (in use, or cancelled). */
static int insert_citizen(struct dc_store *s, const struct dc_citizen *c, int64_t created,
                          int *inserted)
{
	struct dc_stmt *st = NULL;
	int rc = stmt(s, Q_INSERT, &st);
	if (rc == DC_OK)
		rc = bind_citizen(st, c, &s->scratch);
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
	struct dc_buf before = DC_BUF_INIT, after = DC_BUF_INIT;
	struct dc_stmt *st = NULL;
	int64_t seq = 0;
	int inserted = 0;
	int rc = dc_store_begin(s);
	if (rc)
		return rc;
	/* The row goes in first with created_seq 0 and is pointed at its event
	 * after: the event needs the insert to have succeeded, and the row
	 * needs the event's seq. Both are in one transaction. */
	rc = insert_citizen(s, c, 0, &inserted);
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
		rc = stats_change(s, c->pin.d, NULL, c);
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
	return rc;
}

int dc_store_citizen_update(struct dc_store *s, const struct dc_citizen *c,
                            const struct dc_change *why, int64_t *seq_out)
{
	struct dc_buf before = DC_BUF_INIT, after = DC_BUF_INIT;
	struct dc_pool pool;
	struct dc_citizen old;
	struct dc_stmt *st = NULL;
	int64_t seq = 0;
	dc_pool_init(&pool, 0);
	int rc = dc_store_begin(s);
	if (rc)
		goto out;
	/* Locked, so that a concurrent update of the same citizen waits and
	 * then diffs against this one's result, not a stale copy. */
	rc = get_citizen(s, Q_GET_LOCK, &c->pin, &old, &pool);
	if (rc == DC_OK && diff_json(&old, c, &before, &after) > 0) {
		rc = dc_buf_error(&before) ? dc_buf_error(&before) : dc_buf_error(&after);
		if (rc == DC_OK)
			rc = append_event(s, c->pin.d, why, before.ptr, after.ptr, &seq);
		if (rc == DC_OK)
			rc = stats_change(s, c->pin.d, &old, c);
		if (rc == DC_OK)
			rc = stmt(s, Q_UPDATE, &st);
		if (rc == DC_OK) {
			rc = bind_citizen(st, c, &s->scratch);
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
	dc_stmt_bind_int64(st, 5, dc_now_ms());
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
	if (!value || !*value || !current_pin || kind < DC_ID_PIN_CANCELLED || kind > DC_ID_CMND12)
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

/* Runs q with two 12-digit numbers as $1 and $2; *changed (may be NULL)
 * receives the number of rows changed. */
static int run_pins(struct dc_store *s, enum q q, const char *a, const char *b, int64_t *changed)
{
	struct dc_stmt *st = NULL;
	int rc = stmt(s, q, &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_text(st, 1, a, 12);
	if (rc == DC_OK)
		rc = dc_stmt_bind_text(st, 2, b, 12);
	if (rc == DC_OK)
		rc = dc_stmt_step(st);
	if (rc == DC_DONE) {
		if (changed)
			*changed = dc_stmt_changes(st);
		rc = DC_OK;
	}
	if (st)
		dc_stmt_reset(st);
	return rc;
}

static int stats_renumber(struct dc_store *s, const char *old_pin, const char *new_pin)
{
	struct dc_stmt *st = NULL;
	char commune[16] = "";
	int64_t a = 0, b = 0;
	int rc = stmt(s, Q_COMMUNE_OF, &st);
	if (rc == DC_OK) /* the row, already under its new number */
		rc = dc_stmt_bind_text(st, 1, new_pin, 12);
	if (rc == DC_OK)
		rc = dc_stmt_step(st);
	if (rc == DC_ROW) {
		size_t n = 0;
		const char *v = dc_stmt_text(st, 0, &n);
		if (v && n < sizeof commune) {
			memcpy(commune, v, n);
			commune[n] = '\0';
		}
		rc = DC_OK;
	} else if (rc == DC_DONE) {
		rc = DC_OK; /* no such citizen: the caller says so */
	}
	if (st)
		dc_stmt_reset(st);
	if (rc == DC_OK && commune[0])
		rc = cards_of(s, old_pin, &a);
	if (rc == DC_OK && commune[0])
		rc = cards_of(s, new_pin, &b);
	return rc ? rc : stats_add(s, commune, 0, 0, b - a);
}

int dc_store_pin_reestablish(struct dc_store *s, const struct dc_pin *old_pin,
                             const struct dc_pin *new_pin, const struct dc_change *why)
{
	struct dc_buf before = DC_BUF_INIT, after = DC_BUF_INIT;
	int taken = 0;
	int64_t seq = 0, moved = 0;
	int rc = dc_store_begin(s);
	if (rc)
		return rc;
	rc = pin_taken(s, new_pin->d, &taken);
	if (rc == DC_OK && taken) {
		snprintf(s->err, sizeof(s->err), "personal ID number %s is in use or was cancelled",
		         new_pin->d);
		rc = DC_ERR_CONFLICT;
	}
	/* The row keeps everything, created_seq included: history of the new
	 * number starts with the creating event of the old one. */
	if (rc == DC_OK)
		rc = run_pins(s, Q_RENUMBER, old_pin->d, new_pin->d, &moved);
	if (rc == DC_OK && moved == 0)
		rc = DC_ERR_NOT_FOUND;
	if (rc == DC_OK)
		rc = run_pins(s, Q_ID_MOVE, old_pin->d, new_pin->d, NULL);
	if (rc == DC_OK)
		rc = identifier_insert(s, DC_ID_PIN_CANCELLED, old_pin->d, new_pin->d,
		                       why ? why->reason : NULL);
	if (rc == DC_OK) {
		dc_buf_addf(&before, "{\"pin\":\"%s\"}", old_pin->d);
		dc_buf_addf(&after, "{\"pin\":\"%s\"}", new_pin->d);
		rc = dc_buf_error(&before) ? dc_buf_error(&before) : dc_buf_error(&after);
	}
	if (rc == DC_OK)
		rc = append_event(s, new_pin->d, why, before.ptr, after.ptr, &seq);
	/* Cards stay under the number they were issued to: the ones under
	 * the old number leave the commune's count, any under the new one
	 * join it. */
	if (rc == DC_OK)
		rc = stats_renumber(s, old_pin->d, new_pin->d);
	rc = finish(s, rc);
	dc_buf_release(&before);
	dc_buf_release(&after);
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

/* The import event's after_json: {"batch":seq,"source":…,"sha256":…,"rows":…}.
 * "batch" and "rows" are known only at the end (seq < 0, rows < 0: left out);
 * empty source or sha256 are left out. */
static void batch_json(struct dc_buf *b, int64_t seq, const char *source, const char *sha,
                       int64_t rows)
{
	const char *sep = "";
	dc_buf_addc(b, '{');
	if (seq >= 0) {
		dc_buf_addf(b, "\"batch\":%lld", (long long)seq);
		sep = ",";
	}
	if (source && *source) {
		dc_buf_addf(b, "%s\"source\":\"", sep);
		dc_buf_add_json_str(b, source, strlen(source));
		dc_buf_addc(b, '"');
		sep = ",";
	}
	if (sha && *sha) {
		dc_buf_addf(b, "%s\"sha256\":\"", sep);
		dc_buf_add_json_str(b, sha, strlen(sha));
		dc_buf_addc(b, '"');
		sep = ",";
	}
	if (rows >= 0)
		dc_buf_addf(b, "%s\"rows\":%lld", sep, (long long)rows);
	dc_buf_addc(b, '}');
}

int dc_store_batch_begin(struct dc_store *s, const char *source, const char *sha256_hex,
                         const char *actor, int64_t *batch_seq)
{
	struct dc_buf after = DC_BUF_INIT;
	struct dc_change why = {actor, "bulk import", NULL, "import"};
	if (s->depth == 0)
		DC_BUG("dc_store_batch_begin outside a transaction");
	/* Kept for batch_end, which rewrites the event with the final count
	 * and adds the counters. */
	free(s->batch_acc);
	s->batch_acc = NULL;
	free(s->batch_source);
	free(s->batch_sha);
	s->batch_source = strdup(source ? source : "");
	s->batch_sha = strdup(sha256_hex ? sha256_hex : "");
	int rc = s->batch_source && s->batch_sha ? DC_OK : DC_ERR_NOMEM;
	batch_json(&after, -1, source, sha256_hex, -1);
	if (rc == DC_OK)
		rc = dc_buf_error(&after);
	if (rc == DC_OK)
		rc = append_event(s, NULL, &why, "{}", after.ptr, batch_seq);
	dc_buf_release(&after);
	return rc;
}

int dc_store_batch_end(struct dc_store *s, int64_t batch_seq, int64_t rows)
{
	struct dc_buf after = DC_BUF_INIT;
	struct dc_stmt *st = NULL;
	batch_json(&after, batch_seq, s->batch_source, s->batch_sha, rows);
	int rc = stats_batch_flush(s);
	if (rc == DC_OK)
		rc = dc_buf_error(&after);
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
	int ins = 0;
	if (s->depth == 0)
		DC_BUG("dc_store_batch_add outside a transaction");
	/* The hot path of a row-by-row import: one cached INSERT … ON CONFLICT
	 * DO NOTHING, no allocation, no event (the batch has one). */
	int rc = insert_citizen(s, c, batch_seq, &ins);
	if (rc == DC_OK && ins)
		rc = stats_batch_row(s, c);
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

/* COPYs the n rows into the citizen table with created_seq = seq. */
static int copy_rows(struct dc_store *s, const struct dc_citizen *const *rows, size_t n,
                     int64_t seq)
{
	const struct dc_db_ops *ops = dc_db_driver(s->db);
	size_t nc = dc_citizen_ncolumns();
	const char *v[MAX_COLS];
	size_t lens[MAX_COLS], off[DC_CITIZEN_NFIXED];
	char seqtxt[24];
	int rc = DC_OK;
	if (n == 0)
		return DC_OK;
	snprintf(seqtxt, sizeof(seqtxt), "%lld", (long long)seq);
	rc = ops->copy_begin(s->db, "citizen", s->copy_cols, (int)nc + 1);
	if (rc)
		return rc;
	for (size_t r = 0; r < n && rc == DC_OK; r++) {
		struct dc_citizen *c = (struct dc_citizen *)rows[r];
		dc_buf_reset(&s->scratch);
		for (size_t i = 0; i < DC_CITIZEN_NFIXED; i++) {
			off[i] = s->scratch.len;
			dc_citizen_get(c, i, &s->scratch);
			lens[i] = s->scratch.len - off[i];
		}
		rc = dc_buf_error(&s->scratch);
		if (rc)
			break;
		for (size_t i = 0; i < DC_CITIZEN_NFIXED; i++)
			v[i] = lens[i] ? s->scratch.ptr + off[i] : NULL;
		/* Text straight from the record, empty as NULL (as bind_citizen). */
		for (size_t i = DC_CITIZEN_NFIXED; i < nc; i++) {
			const char *t = *dc_citizen_text_field(c, i);
			v[i] = t && *t ? t : NULL;
			lens[i] = v[i] ? strlen(t) : 0;
		}
		v[nc] = seqtxt;
		lens[nc] = strlen(seqtxt);
		rc = ops->copy_row(s->db, v, lens);
	}
	int rc2 = ops->copy_end(s->db, rc == DC_OK);
	return rc ? rc : rc2;
}

/* Reads which of the (sorted, distinct) numbers in order[0..n) are in use or
 * cancelled, in one round trip, into *taken (sorted; caller frees). */
static int taken_numbers(struct dc_store *s, const struct dc_citizen *const *order, size_t n,
                         char (**taken)[13], size_t *ntaken)
{
	struct dc_buf arr = DC_BUF_INIT;
	struct dc_stmt *st = NULL;
	/* Each number can be both a citizen's and cancelled only if the
	 * database was changed behind the trigger's back: room for both. */
	char(*got)[13] = malloc((2 * n + 1) * sizeof(*got));
	size_t ngot = 0;
	int rc = got ? DC_OK : DC_ERR_NOMEM;
	/* An array literal {n1,n2,…}: numbers are digits, nothing to quote. */
	dc_buf_addc(&arr, '{');
	for (size_t k = 0; k < n; k++) {
		if (k)
			dc_buf_addc(&arr, ',');
		dc_buf_add(&arr, order[k]->pin.d, 12);
	}
	dc_buf_addc(&arr, '}');
	if (rc == DC_OK)
		rc = dc_buf_error(&arr);
	if (rc == DC_OK)
		rc = stmt(s, Q_TAKEN_ANY, &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_text(st, 1, arr.ptr, arr.len);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		size_t len;
		const char *p = dc_stmt_text(st, 0, &len);
		if (p && len == 12 && ngot < 2 * n + 1)
			memcpy(got[ngot++], p, 13);
		rc = DC_OK;
	}
	if (rc == DC_DONE)
		rc = DC_OK;
	if (st)
		dc_stmt_reset(st);
	dc_buf_release(&arr);
	if (rc) {
		free(got);
		return rc;
	}
	qsort(got, ngot, sizeof(*got), cmp_pin);
	*taken = got;
	*ntaken = ngot;
	return DC_OK;
}

/* PostgreSQL: one query for the numbers of the chunk that are taken, then
 * one COPY of the rest straight into citizen (a COPY into a staging table
 * plus INSERT … SELECT … ON CONFLICT was ~30 % slower). The check and the
 * COPY are not atomic: if another connection registers one of the numbers
 * in between, the COPY meets the unique key, the transaction is lost, and
 * the caller gets DC_ERR_BUSY — retry the import (it then sees the number
 * as taken). Rare: it needs a concurrent registration of a number that is
 * in the file. */
static int add_many_pg(struct dc_store *s, int64_t batch_seq, const struct dc_citizen **order,
                       const struct dc_citizen *rows, size_t n, unsigned char *inserted)
{
	char(*taken)[13] = NULL;
	size_t ntaken = 0, nkeep = 0, ndistinct = 0;
	/* order is sorted by number: its first row of each number, in number
	 * order, are the candidates (a later duplicate is never written). */
	const struct dc_citizen **distinct = malloc(n * sizeof(*distinct));
	int rc = distinct ? DC_OK : DC_ERR_NOMEM;
	if (rc)
		goto cleanup;
	for (size_t k = 0; k < n; k++)
		if (k == 0 || memcmp(order[k - 1]->pin.d, order[k]->pin.d, 12) != 0)
			distinct[ndistinct++] = order[k];
	rc = taken_numbers(s, distinct, ndistinct, &taken, &ntaken);
	if (rc)
		goto cleanup;
	/* Keep the first row of each number that is free, in number order
	 * (the primary key index then fills page by page). */
	for (size_t k = 0; k < ndistinct; k++) {
		const struct dc_citizen *c = distinct[k];
		if (ntaken && bsearch(c->pin.d, taken, ntaken, sizeof(*taken), cmp_pin))
			continue;
		distinct[nkeep++] = c;
	}
	memset(inserted, 0, n);
	for (size_t k = 0; k < nkeep; k++)
		inserted[distinct[k] - rows] = 1;
	rc = copy_rows(s, distinct, nkeep, batch_seq);
	if (rc == DC_ERR_CONFLICT) {
		snprintf(s->err, sizeof(s->err),
		         "a number in this import was registered concurrently; retry the import");
		rc = DC_ERR_BUSY;
	}
cleanup:
	free(distinct);
	free(taken);
	return rc;
}

int dc_store_batch_add_many(struct dc_store *s, int64_t batch_seq, const struct dc_citizen *rows,
                            size_t n, unsigned char *inserted)
{
	if (s->depth == 0)
		DC_BUG("batch insert outside a transaction");
	if (n == 0)
		return DC_OK;
	/* Both back ends insert in number order: neighbouring keys land on the
	 * same b-tree pages, which roughly halves page splits and cache misses
	 * on a large table compared with file order. Equal numbers stay in
	 * file order, so the first of them is the one written. */
	const struct dc_citizen **order = malloc(n * sizeof(*order));
	int rc = DC_OK;
	if (!order)
		return DC_ERR_NOMEM;
	for (size_t r = 0; r < n; r++)
		order[r] = &rows[r];
	qsort(order, n, sizeof(*order), cmp_citizen_ptr);
	if (s->pg) {
		rc = add_many_pg(s, batch_seq, order, rows, n, inserted);
	} else {
		/* SQLite: the same prepared INSERT as batch_add, per row; in
		 * process, a statement step costs about what a COPY row does. */
		for (size_t k = 0; k < n && rc == DC_OK; k++) {
			int ins = 0;
			rc = insert_citizen(s, order[k], batch_seq, &ins);
			inserted[order[k] - rows] = (unsigned char)ins;
		}
	}
	for (size_t r = 0; r < n && rc == DC_OK; r++)
		if (inserted[r])
			rc = stats_batch_row(s, &rows[r]);
	free(order);
	return rc;
}
