/*
 * db_sqlite.c — the SQLite driver (the embedded default).
 *
 * One connection per handle, opened without SQLite's own mutex (a handle is
 * used by one thread at a time, as db.h says). Settings: WAL, so readers
 * never block the writer; synchronous=NORMAL, under which a committed
 * transaction survives a crash of the process but the last commits before a
 * power loss may roll back (the WAL is synced at checkpoints) — the usual
 * trade for WAL; a 256 MiB page cache, no memory map (remapping the growing
 * file at checkpoints cost more than it saved, docs/PERFORMANCE.md). The WAL
 * is checkpointed into the database every 16,384 pages (64 MiB) instead of
 * SQLite's 1,000: the group commit writes many random index pages per
 * commit, and checkpointing (copy back + two syncs) after nearly every
 * commit cost the stay reports and audited reads 10–20 % of their rate.
 *
 * Parameters are written $1, $2, … (the PostgreSQL form, so one SQL text
 * serves both drivers). SQLite treats "$1" as a *named* parameter: it gives
 * each distinct name an index in order of first appearance, and a name that
 * appears twice shares one index. So "… $2 … $1 … $2" has two parameters,
 * "$2" at index 1 and "$1" at index 2. prepare() reads every parameter's
 * name back and builds a map from N to SQLite's index; binding $N then sets
 * every occurrence at once, and SQL may name its parameters in any order.
 *
 * Errors: the extended result code decides. A unique or primary-key
 * violation and the never-reuse trigger (RAISE(ABORT) in a trigger is
 * SQLITE_CONSTRAINT_TRIGGER; schema.c has no other trigger) are conflicts;
 * BUSY/LOCKED (after busy_timeout) are "busy, retry"; a full disk and I/O
 * errors are DC_ERR_IO.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dancu/db.h"

#include "core/internal.h"
#include "store/schema.h"

#define MAX_PARAMS 64

/* Prepared statements are kept for reuse: parsing a statement costs more
 * than running most of ours. A statement finalized by its user goes back
 * to the cache (reset, bindings cleared); the cache holds the first
 * STMT_CACHE distinct statements of the connection. */
#define STMT_CACHE 96

struct dc_db {
	struct dc_db_base base;
	sqlite3 *h;
	struct dc_stmt *cache[STMT_CACHE];
	int ncache;
	sqlite3_stmt *copy; /* copy_* in progress */
	int copy_ncols;
	char err[512];
};

struct dc_stmt {
	struct dc_stmt_base base;
	sqlite3_stmt *st;
	char *sql;  /* when cached */
	int in_use; /* when cached: handed out */
	int nparams;
	int map[MAX_PARAMS + 1]; /* $N → SQLite parameter index */
};

static int set_err(struct dc_db *db, int src)
{
	int ext = sqlite3_extended_errcode(db->h);
	snprintf(db->err, sizeof(db->err), "%s", sqlite3_errmsg(db->h));
	switch (src & 0xff) {
	case SQLITE_CONSTRAINT:
		if (ext == SQLITE_CONSTRAINT_PRIMARYKEY || ext == SQLITE_CONSTRAINT_UNIQUE ||
		    ext == SQLITE_CONSTRAINT_TRIGGER)
			return DC_ERR_CONFLICT;
		return DC_ERR_INVALID;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DC_ERR_BUSY;
	case SQLITE_FULL:
		return DC_ERR_NOSPACE; /* the disk (or the file's limit) is full */
	case SQLITE_IOERR:
		return DC_ERR_IO;
	case SQLITE_NOMEM:
		return DC_ERR_NOMEM;
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_READONLY:
		return DC_ERR_UNAVAILABLE;
	case SQLITE_TOOBIG:
		return DC_ERR_TOO_LARGE;
	default:
		return DC_ERR_DB;
	}
}

static int s_exec(struct dc_db *db, const char *sql)
{
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? DC_OK : set_err(db, rc);
}

static int s_migrate(struct dc_db *db)
{
	return dc__schema_migrate(db, DC__SQLITE);
}

static void s_close(struct dc_db *db)
{
	if (!db)
		return;
	if (db->copy)
		sqlite3_finalize(db->copy);
	for (int i = 0; i < db->ncache; i++) {
		sqlite3_finalize(db->cache[i]->st);
		free(db->cache[i]->sql);
		free(db->cache[i]);
	}
	sqlite3_close_v2(db->h);
	free(db);
}

/* Process-wide SQLite settings, made once before the first connection:
 * no memory statistics (they take a global mutex on every allocation,
 * which serialises every event loop). */
static void sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Waiting for another connection's write lock. SQLite's own busy timeout
 * sleeps in steps of up to 100 ms, which lets one event loop's write stall
 * the group committer's batch (and every request in it) for that long; we
 * poll every 0.1–1 ms instead, for at most 5 s. */
static int busy_wait(void *arg, int count)
{
	(void)arg;
	if (count >= 5000)
		return 0; /* give up: SQLITE_BUSY → DC_ERR_BUSY */
	struct timespec ts = {0, (count < 10 ? 100 : 1000) * 1000L};
	nanosleep(&ts, NULL);
	return 1;
}

static int s_open(const char *target, struct dc_db **out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sqlite_setup);
	struct dc_db *db = calloc(1, sizeof(*db));
	if (!db)
		return DC_ERR_NOMEM;
	db->base.ops = &dc_db_sqlite;
	*out = db;
	int rc = sqlite3_open_v2(target, &db->h,
	                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                         NULL);
	if (rc != SQLITE_OK) {
		if (!db->h)
			return DC_ERR_NOMEM;
		return set_err(db, rc);
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_handler(db->h, busy_wait, NULL);
	return s_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
	                  "PRAGMA foreign_keys=ON; PRAGMA cache_size=-262144; "
	                  "PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=16384;");
}

/* Fills st->map from the names SQLite reports: "$N" (our form) and "?NNN"
 * map to N; an anonymous "?" keeps its own index. */
static int map_params(struct dc_stmt *st)
{
	int count = sqlite3_bind_parameter_count(st->st);
	st->nparams = 0;
	for (int idx = 1; idx <= count; idx++) {
		const char *name = sqlite3_bind_parameter_name(st->st, idx);
		unsigned long long n = (unsigned long long)idx;
		if (name && dc_parse_uint(name + 1, strlen(name + 1), MAX_PARAMS, &n) != DC_OK)
			return DC_ERR_INVALID; /* ":name" or "@name": not our dialect */
		if (n == 0 || n > MAX_PARAMS)
			return DC_ERR_INVALID;
		st->map[n] = idx;
		if ((int)n > st->nparams)
			st->nparams = (int)n;
	}
	return DC_OK;
}

static int s_prepare(struct dc_db *db, const char *sql, struct dc_stmt **out)
{
	for (int i = 0; i < db->ncache; i++) {
		struct dc_stmt *c = db->cache[i];
		if (!c->in_use && !strcmp(c->sql, sql)) {
			c->in_use = 1;
			*out = c;
			return DC_OK;
		}
	}
	struct dc_stmt *st = calloc(1, sizeof(*st));
	if (!st)
		return DC_ERR_NOMEM;
	st->base.db = db;
	/* PERSISTENT: statements are cached for the life of the store. */
	int rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->st, NULL);
	if (rc != SQLITE_OK) {
		rc = set_err(db, rc);
		goto cleanup;
	}
	if (!st->st) { /* only white space or a comment */
		snprintf(db->err, sizeof(db->err), "empty SQL statement");
		rc = DC_ERR_INVALID;
		goto cleanup;
	}
	rc = map_params(st);
	if (rc)
		snprintf(db->err, sizeof(db->err), "SQL parameters must be $1 … $%d: %.200s",
		         MAX_PARAMS, sql);
cleanup:
	if (rc) {
		sqlite3_finalize(st->st);
		free(st);
		return rc;
	}
	if (db->ncache < STMT_CACHE && (st->sql = strdup(sql))) {
		st->in_use = 1;
		db->cache[db->ncache++] = st;
	}
	*out = st;
	return DC_OK;
}

static int param(struct dc_stmt *st, int i)
{
	if (i < 1 || i > st->nparams || st->map[i] == 0)
		DC_BUG("bind of a parameter the statement does not have");
	return st->map[i];
}

static int bind_rc(struct dc_stmt *st, int rc)
{
	return rc == SQLITE_OK ? DC_OK : set_err(st->base.db, rc);
}

static int s_bind_text(struct dc_stmt *st, int i, const char *s, size_t len)
{
	if (!s)
		return bind_rc(st, sqlite3_bind_null(st->st, param(st, i)));
	return bind_rc(st, sqlite3_bind_text64(st->st, param(st, i), s, len, SQLITE_TRANSIENT,
	                                       SQLITE_UTF8));
}

static int s_bind_text_ref(struct dc_stmt *st, int i, const char *s, size_t len)
{
	if (!s)
		return bind_rc(st, sqlite3_bind_null(st->st, param(st, i)));
	return bind_rc(
	        st, sqlite3_bind_text64(st->st, param(st, i), s, len, SQLITE_STATIC, SQLITE_UTF8));
}

static int s_bind_int64(struct dc_stmt *st, int i, int64_t v)
{
	return bind_rc(st, sqlite3_bind_int64(st->st, param(st, i), v));
}

static int s_bind_null(struct dc_stmt *st, int i)
{
	return bind_rc(st, sqlite3_bind_null(st->st, param(st, i)));
}

static int s_step(struct dc_stmt *st)
{
	int rc = sqlite3_step(st->st);
	if (rc == SQLITE_ROW)
		return DC_ROW;
	if (rc == SQLITE_DONE)
		return DC_DONE;
	return set_err(st->base.db, rc);
}

static const char *s_column_text(struct dc_stmt *st, int i, size_t *len)
{
	const char *t = (const char *)sqlite3_column_text(st->st, i);
	if (len)
		*len = t ? (size_t)sqlite3_column_bytes(st->st, i) : 0;
	return t;
}

static int64_t s_column_int64(struct dc_stmt *st, int i)
{
	return sqlite3_column_int64(st->st, i);
}

static int s_column_is_null(struct dc_stmt *st, int i)
{
	return sqlite3_column_type(st->st, i) == SQLITE_NULL;
}

static int s_column_count(struct dc_stmt *st)
{
	return sqlite3_column_count(st->st);
}

static int s_reset(struct dc_stmt *st)
{
	sqlite3_reset(st->st);
	sqlite3_clear_bindings(st->st);
	return DC_OK;
}

static void s_finalize(struct dc_stmt *st)
{
	if (!st)
		return;
	if (st->sql) { /* back to the cache */
		sqlite3_reset(st->st);
		sqlite3_clear_bindings(st->st);
		st->in_use = 0;
		return;
	}
	sqlite3_finalize(st->st);
	free(st);
}

static int64_t s_changes(struct dc_stmt *st)
{
	return sqlite3_changes64(st->base.db->h);
}

/* SQLite has no COPY: the bulk path is one prepared multi-column INSERT,
 * stepped once per row inside the caller's transaction, binding the row's
 * text by reference (it only has to live until the step). */
static int s_copy_begin(struct dc_db *db, const char *table, const char *columns, int ncols)
{
	struct dc_buf sql = DC_BUF_INIT;
	if (db->copy)
		DC_BUG("copy_begin while a copy is in progress");
	dc_buf_addf(&sql, "INSERT INTO %s (%s) VALUES (", table, columns);
	for (int i = 1; i <= ncols; i++)
		dc_buf_addf(&sql, "%s?%d", i > 1 ? "," : "", i);
	dc_buf_addc(&sql, ')');
	int rc = dc_buf_error(&sql);
	if (rc == DC_OK) {
		rc = sqlite3_prepare_v2(db->h, sql.ptr, -1, &db->copy, NULL);
		rc = rc == SQLITE_OK ? DC_OK : set_err(db, rc);
	}
	if (rc) {
		sqlite3_finalize(db->copy);
		db->copy = NULL;
	}
	db->copy_ncols = ncols;
	dc_buf_release(&sql);
	return rc;
}

static int s_copy_row(struct dc_db *db, const char *const *vals, const size_t *lens)
{
	int rc = SQLITE_OK;
	if (!db->copy)
		DC_BUG("copy_row without copy_begin");
	for (int i = 0; i < db->copy_ncols && rc == SQLITE_OK; i++) {
		if (vals[i])
			rc = sqlite3_bind_text64(db->copy, i + 1, vals[i], lens[i], SQLITE_STATIC,
			                         SQLITE_UTF8);
		else
			rc = sqlite3_bind_null(db->copy, i + 1);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_step(db->copy);
	int out = rc == SQLITE_DONE ? DC_OK : set_err(db, rc);
	sqlite3_reset(db->copy);
	return out;
}

/* Rows already went into the caller's transaction one by one, so there is
 * nothing to flush; with commit = 0 the caller is abandoning the load and
 * rolls back its transaction (as with COPY, a half-loaded table is never
 * committed). */
static int s_copy_end(struct dc_db *db, int commit)
{
	(void)commit;
	sqlite3_finalize(db->copy);
	db->copy = NULL;
	return DC_OK;
}

static int s_backup(struct dc_db *db, const char *path)
{
	sqlite3 *dst = NULL;
	int rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_backup *b = sqlite3_backup_init(dst, "main", db->h, "main");
		if (!b) {
			rc = sqlite3_errcode(dst);
		} else {
			/* Steps of 1024 pages; writers on other connections go on between
			 * them (a write restarts the copy of what changed). */
			do {
				rc = sqlite3_backup_step(b, 1024);
				if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
					sqlite3_sleep(5);
			} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
			sqlite3_backup_finish(b);
			rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		}
	}
	if (rc != SQLITE_OK) {
		snprintf(db->err, sizeof db->err, "backup to %s failed: %s", path,
		         dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
		sqlite3_close(dst);
		unlink(path);
		return (rc & 0xff) == SQLITE_FULL ? DC_ERR_NOSPACE : DC_ERR_IO;
	}
	/* The copy is a plain database file: no WAL to carry along. */
	rc = sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
	sqlite3_close(dst);
	return rc == SQLITE_OK ? DC_OK : DC_ERR_IO;
}

static const char *s_errmsg(struct dc_db *db)
{
	return db->err;
}

const struct dc_db_ops dc_db_sqlite = {
        .version = DC_DB_OPS_VERSION,
        .name = "sqlite",
        .open = s_open,
        .close = s_close,
        .exec = s_exec,
        .prepare = s_prepare,
        .bind_text = s_bind_text,
        .bind_text_ref = s_bind_text_ref,
        .bind_int64 = s_bind_int64,
        .bind_null = s_bind_null,
        .step = s_step,
        .column_text = s_column_text,
        .column_int64 = s_column_int64,
        .column_is_null = s_column_is_null,
        .column_count = s_column_count,
        .reset = s_reset,
        .finalize = s_finalize,
        .changes = s_changes,
        .copy_begin = s_copy_begin,
        .copy_row = s_copy_row,
        .copy_end = s_copy_end,
        .errmsg = s_errmsg,
        .backup = s_backup,
        .migrate = s_migrate,
};
