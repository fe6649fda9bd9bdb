/*
 * db_pg.c — the PostgreSQL driver (libpq).
 *
 * Statements are server-side prepared (PQprepare) once, under a name unique
 * on the connection ("dc1", "dc2", …), and kept until finalize sends
 * DEALLOCATE; callers cache the handles (store.c does), so the server parses
 * and plans each SQL text once per connection. Binding only stores the text
 * of each parameter; the first step runs PQexecPrepared in text format and
 * later steps walk the rows of that one PGresult.
 *
 * Bulk loads use COPY … FROM STDIN in text format: rows are escaped into a
 * buffer and handed to PQputCopyData in ~64 KiB pieces (one call per row
 * would cost a libpq call and often a send per row).
 *
 * Errors are mapped by SQLSTATE: unique violations (23505, also raised by
 * the never-reuse trigger) are conflicts, serialization failures and
 * deadlocks (40001, 40P01) are "busy" (retry the transaction), a lost
 * connection, connection failures and resource exhaustion are
 * "unavailable". After an error PostgreSQL refuses every further statement
 * of the transaction until ROLLBACK; store.c is written so that expected
 * outcomes (a taken number) never raise one.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/db.h"

#include "core/internal.h"
#include "store/schema.h"

#define MAX_PARAMS 64
#define COPY_CHUNK (64 * 1024)
/* Prepared statements kept for reuse, like the SQLite driver's: a prepare
 * and a DEALLOCATE are two round trips saved per use. */
#define STMT_CACHE 96

struct dc_db {
	struct dc_db_base base;
	PGconn *c;
	unsigned next_stmt;
	unsigned gen; /* connection generation: +1 at every reconnection */
	struct dc_stmt *cache[STMT_CACHE];
	int ncache;
	struct dc_buf copybuf;
	int copy_ncols;
	int copying;
	char err[512];
};

struct dc_stmt {
	struct dc_stmt_base base;
	char name[24];
	char *sql;    /* when cached */
	int in_use;   /* when cached: handed out */
	unsigned gen; /* the connection generation it was prepared on */
	int nparams;
	char *vals[MAX_PARAMS];
	PGresult *res;
	int cur; /* row being read; -1 before the first */
	int nrows;
	int executed;
	int64_t changes;
};

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg; /* NOTICEs (e.g. "already exists, skipping") are not errors */
}

static int conn_err(struct dc_db *db)
{
	snprintf(db->err, sizeof(db->err), "%s", PQerrorMessage(db->c));
	size_t n = strlen(db->err);
	while (n && (db->err[n - 1] == '\n'))
		db->err[--n] = '\0';
	return PQstatus(db->c) == CONNECTION_OK ? DC_ERR_DB : DC_ERR_UNAVAILABLE;
}

static int res_err(struct dc_db *db, const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(db->c);
	snprintf(db->err, sizeof(db->err), "%s", msg && *msg ? msg : PQerrorMessage(db->c));
	size_t n = strlen(db->err);
	while (n && (db->err[n - 1] == '\n'))
		db->err[--n] = '\0';
	if (PQstatus(db->c) != CONNECTION_OK)
		return DC_ERR_UNAVAILABLE;
	if (!state)
		return DC_ERR_DB;
	if (!strcmp(state, "23505"))
		return DC_ERR_CONFLICT;
	if (!strncmp(state, "23", 2) || !strncmp(state, "22", 2))
		return DC_ERR_INVALID;
	if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03"))
		return DC_ERR_BUSY;
	if (!strcmp(state, "53100"))
		return DC_ERR_NOSPACE; /* disk full */
	if (!strncmp(state, "53", 2) || !strncmp(state, "08", 2) || !strncmp(state, "57P", 3))
		return DC_ERR_UNAVAILABLE;
	return DC_ERR_DB;
}

static void stmt_free(struct dc_stmt *st);

/* A lost connection (the server restarted, the network broke) is made
 * again at the next statement, so the service recovers by itself when
 * PostgreSQL is back. Statements prepared on the old connection are gone
 * with it: the cache is emptied and a statement of an old generation is
 * freed instead of returned to the cache. */
static int alive(struct dc_db *db)
{
	if (PQstatus(db->c) == CONNECTION_OK)
		return DC_OK;
	PQreset(db->c);
	if (PQstatus(db->c) != CONNECTION_OK)
		return conn_err(db);
	PQsetNoticeProcessor(db->c, quiet, NULL);
	PQsetClientEncoding(db->c, "UTF8");
	db->gen++;
	int keep = 0;
	for (int i = 0; i < db->ncache; i++) {
		if (db->cache[i]->in_use)
			db->cache[keep++] = db->cache[i]; /* freed by its finalize */
		else
			stmt_free(db->cache[i]);
	}
	db->ncache = keep;
	return DC_OK;
}

static int p_exec(struct dc_db *db, const char *sql)
{
	int arc = alive(db);
	if (arc)
		return arc;
	PGresult *r = PQexec(db->c, sql);
	ExecStatusType s = PQresultStatus(r);
	int rc = (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) ? DC_OK : res_err(db, r);
	/* COMMIT of a transaction that an earlier error aborted "succeeds" and
	 * reports ROLLBACK: the caller must not take it for a commit. (SQLite
	 * needs no such check: a failed statement leaves its transaction open,
	 * and one that SQLite rolled back makes COMMIT fail.) */
	if (rc == DC_OK && !strcmp(PQcmdStatus(r), "ROLLBACK") && !strcmp(sql, "COMMIT")) {
		snprintf(db->err, sizeof(db->err),
		         "transaction rolled back: an earlier statement in it failed");
		rc = DC_ERR_CANCELLED;
	}
	PQclear(r);
	return rc;
}

static int p_migrate(struct dc_db *db)
{
	return dc__schema_migrate(db, DC__PG);
}

static void p_close(struct dc_db *db)
{
	if (!db)
		return;
	for (int i = 0; i < db->ncache; i++)
		stmt_free(db->cache[i]);
	PQfinish(db->c);
	dc_buf_release(&db->copybuf);
	free(db);
}

static int p_open(const char *target, struct dc_db **out)
{
	struct dc_db *db = calloc(1, sizeof(*db));
	if (!db)
		return DC_ERR_NOMEM;
	db->base.ops = &dc_db_pg;
	dc_buf_init(&db->copybuf, 0);
	*out = db;
	db->c = PQconnectdb(target);
	if (!db->c)
		return DC_ERR_NOMEM;
	if (PQstatus(db->c) != CONNECTION_OK) {
		conn_err(db);
		return DC_ERR_UNAVAILABLE;
	}
	PQsetNoticeProcessor(db->c, quiet, NULL);
	if (PQsetClientEncoding(db->c, "UTF8") != 0)
		return conn_err(db);
	return DC_OK;
}

/* The highest $N in sql: PQexecPrepared needs the parameter count, and the
 * server infers it from the text the same way. String literals and quoted
 * identifiers are skipped (a '$1' inside them is not a parameter). */
static int count_params(const char *sql)
{
	int max = 0;
	for (const char *p = sql; *p; p++) {
		if (*p == '\'' || *p == '"') {
			char q = *p++;
			while (*p && *p != q)
				p++;
			if (!*p)
				break;
			continue;
		}
		if (*p == '$' && p[1] >= '1' && p[1] <= '9') {
			int n = 0;
			const char *q = p + 1;
			while (*q >= '0' && *q <= '9' && n < 1000)
				n = n * 10 + (*q++ - '0');
			if (n > max)
				max = n;
		}
	}
	return max;
}

static int p_prepare(struct dc_db *db, const char *sql, struct dc_stmt **out)
{
	int arc = alive(db);
	if (arc)
		return arc;
	for (int i = 0; i < db->ncache; i++) {
		struct dc_stmt *c = db->cache[i];
		if (!c->in_use && c->gen == db->gen && !strcmp(c->sql, sql)) {
			c->in_use = 1;
			*out = c;
			return DC_OK;
		}
	}
	struct dc_stmt *st = calloc(1, sizeof(*st));
	if (!st)
		return DC_ERR_NOMEM;
	st->gen = db->gen;
	st->base.db = db;
	st->nparams = count_params(sql);
	if (st->nparams > MAX_PARAMS)
		DC_BUG("too many SQL parameters");
	snprintf(st->name, sizeof(st->name), "dc%u", ++db->next_stmt);
	PGresult *r = PQprepare(db->c, st->name, sql, 0, NULL);
	int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? DC_OK : res_err(db, r);
	PQclear(r);
	if (rc) {
		free(st);
		return rc;
	}
	st->cur = -1;
	if (db->ncache < STMT_CACHE && (st->sql = strdup(sql))) {
		st->in_use = 1;
		db->cache[db->ncache++] = st;
	}
	*out = st;
	return DC_OK;
}

static void check_index(struct dc_stmt *st, int i)
{
	if (i < 1 || i > st->nparams)
		DC_BUG("bind of a parameter the statement does not have");
}

static int p_bind_text(struct dc_stmt *st, int i, const char *s, size_t len)
{
	check_index(st, i);
	free(st->vals[i - 1]);
	st->vals[i - 1] = NULL;
	if (!s)
		return DC_OK;
	st->vals[i - 1] = malloc(len + 1);
	if (!st->vals[i - 1])
		return DC_ERR_NOMEM;
	memcpy(st->vals[i - 1], s, len);
	st->vals[i - 1][len] = '\0';
	return DC_OK;
}

static int p_bind_int64(struct dc_stmt *st, int i, int64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
	return p_bind_text(st, i, tmp, (size_t)n);
}

static int p_bind_null(struct dc_stmt *st, int i)
{
	return p_bind_text(st, i, NULL, 0);
}

static int p_step(struct dc_stmt *st)
{
	struct dc_db *db = st->base.db;
	if (!st->executed) {
		st->res = PQexecPrepared(db->c, st->name, st->nparams,
		                         (const char *const *)st->vals, NULL, NULL, 0);
		st->executed = 1;
		ExecStatusType s = PQresultStatus(st->res);
		if (s == PGRES_TUPLES_OK) {
			st->nrows = PQntuples(st->res);
		} else if (s == PGRES_COMMAND_OK) {
			unsigned long long n = 0;
			const char *t = PQcmdTuples(st->res);
			if (t && *t)
				dc_parse_uint(t, strlen(t), ~0ULL, &n);
			st->changes = (int64_t)n;
			st->nrows = 0;
		} else {
			int rc = res_err(db, st->res);
			PQclear(st->res);
			st->res = NULL;
			return rc;
		}
		st->cur = -1;
	}
	if (st->cur + 1 < st->nrows) {
		st->cur++;
		return DC_ROW;
	}
	return DC_DONE;
}

static const char *p_column_text(struct dc_stmt *st, int i, size_t *len)
{
	if (!st->res || st->cur < 0 || PQgetisnull(st->res, st->cur, i)) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = (size_t)PQgetlength(st->res, st->cur, i);
	return PQgetvalue(st->res, st->cur, i);
}

static int64_t p_column_int64(struct dc_stmt *st, int i)
{
	size_t n;
	const char *t = p_column_text(st, i, &n);
	if (!t || !n)
		return 0;
	int neg = t[0] == '-';
	unsigned long long v = 0;
	dc_parse_uint(t + neg, n - (size_t)neg, ~0ULL >> 1, &v);
	return neg ? -(int64_t)v : (int64_t)v;
}

static int p_column_is_null(struct dc_stmt *st, int i)
{
	return !st->res || st->cur < 0 || PQgetisnull(st->res, st->cur, i);
}

static int p_column_count(struct dc_stmt *st)
{
	return st->res ? PQnfields(st->res) : 0;
}

static int p_reset(struct dc_stmt *st)
{
	PQclear(st->res);
	st->res = NULL;
	st->executed = 0;
	st->cur = -1;
	st->nrows = 0;
	st->changes = 0;
	for (int i = 0; i < st->nparams; i++) {
		free(st->vals[i]);
		st->vals[i] = NULL;
	}
	return DC_OK;
}

static void stmt_free(struct dc_stmt *st)
{
	p_reset(st);
	struct dc_db *db = st->base.db;
	if (st->gen == db->gen && PQstatus(db->c) == CONNECTION_OK &&
	    PQtransactionStatus(db->c) != PQTRANS_INERROR) {
		char sql[48];
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", st->name);
		PQclear(PQexec(db->c, sql));
	}
	free(st->sql);
	free(st);
}

static void p_finalize(struct dc_stmt *st)
{
	if (!st)
		return;
	struct dc_db *db = st->base.db;
	if (st->sql && st->gen == db->gen) { /* back to the cache */
		p_reset(st);
		st->in_use = 0;
		return;
	}
	if (st->sql) { /* an old generation's: out of the cache */
		for (int i = 0; i < db->ncache; i++)
			if (db->cache[i] == st)
				db->cache[i] = db->cache[--db->ncache];
	}
	stmt_free(st);
}

static int64_t p_changes(struct dc_stmt *st)
{
	return st->changes;
}

static int p_copy_begin(struct dc_db *db, const char *table, const char *columns, int ncols)
{
	struct dc_buf sql = DC_BUF_INIT;
	if (db->copying)
		DC_BUG("copy_begin while a copy is in progress");
	dc_buf_addf(&sql, "COPY %s (%s) FROM STDIN", table, columns);
	int rc = dc_buf_error(&sql);
	if (rc == DC_OK) {
		PGresult *r = PQexec(db->c, sql.ptr);
		rc = PQresultStatus(r) == PGRES_COPY_IN ? DC_OK : res_err(db, r);
		PQclear(r);
	}
	dc_buf_release(&sql);
	dc_buf_reset(&db->copybuf);
	db->copy_ncols = ncols;
	db->copying = rc == DC_OK;
	return rc;
}

static int flush_copy(struct dc_db *db)
{
	if (db->copybuf.len == 0)
		return DC_OK;
	if (PQputCopyData(db->c, db->copybuf.ptr, (int)db->copybuf.len) != 1)
		return conn_err(db);
	dc_buf_reset(&db->copybuf);
	return DC_OK;
}

static int p_copy_row(struct dc_db *db, const char *const *vals, const size_t *lens)
{
	struct dc_buf *b = &db->copybuf;
	/* COPY text format: columns split by tab, rows by newline, \N is NULL;
	 * so a backslash, tab, newline or carriage return inside a value is
	 * written as a backslash escape. Everything else (quotes, UTF-8) goes
	 * as is. Runs between escapes are copied in one piece. */
	for (int i = 0; i < db->copy_ncols; i++) {
		if (i)
			dc_buf_addc(b, '\t');
		if (!vals[i]) {
			dc_buf_add(b, "\\N", 2);
			continue;
		}
		const char *s = vals[i];
		size_t run = 0, n = lens[i];
		for (size_t k = 0; k < n; k++) {
			const char *esc = NULL;
			switch (s[k]) {
			case '\\':
				esc = "\\\\";
				break;
			case '\t':
				esc = "\\t";
				break;
			case '\n':
				esc = "\\n";
				break;
			case '\r':
				esc = "\\r";
				break;
			default:
				continue;
			}
			dc_buf_add(b, s + run, k - run);
			dc_buf_add(b, esc, 2);
			run = k + 1;
		}
		dc_buf_add(b, s + run, n - run);
	}
	dc_buf_addc(b, '\n');
	if (dc_buf_error(b))
		return dc_buf_error(b);
	return b->len >= COPY_CHUNK ? flush_copy(db) : DC_OK;
}

static int p_copy_end(struct dc_db *db, int commit)
{
	int rc = commit ? flush_copy(db) : DC_OK;
	if (!db->copying)
		return rc;
	db->copying = 0;
	if (PQputCopyEnd(db->c, rc == DC_OK && commit ? NULL : "copy abandoned") != 1)
		return conn_err(db);
	PGresult *r;
	while ((r = PQgetResult(db->c)) != NULL) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == DC_OK && commit)
			rc = res_err(db, r);
		PQclear(r);
	}
	dc_buf_reset(&db->copybuf);
	return rc;
}

static const char *p_errmsg(struct dc_db *db)
{
	return db->err;
}

const struct dc_db_ops dc_db_pg = {
        .version = DC_DB_OPS_VERSION,
        .name = "postgresql",
        .open = p_open,
        .close = p_close,
        .exec = p_exec,
        .prepare = p_prepare,
        .bind_text = p_bind_text,
        .bind_text_ref = p_bind_text, /* libpq sends at step time: copy anyway */
        .bind_int64 = p_bind_int64,
        .bind_null = p_bind_null,
        .step = p_step,
        .column_text = p_column_text,
        .column_int64 = p_column_int64,
        .column_is_null = p_column_is_null,
        .column_count = p_column_count,
        .reset = p_reset,
        .finalize = p_finalize,
        .changes = p_changes,
        .copy_begin = p_copy_begin,
        .copy_row = p_copy_row,
        .copy_end = p_copy_end,
        .errmsg = p_errmsg,
        .migrate = p_migrate,
};
