/*
 * cmd_backup.c — `dancu backup` and `dancu restore`.
 *
 *   dancu backup --db register.db OUT.db     online copy while the server runs
 *   dancu restore BACKUP.db --db register.db  checks the backup, then installs it
 *
 * A backup is a consistent SQLite file taken with SQLite's backup API.
 * Restoring never overwrites a database in place: the backup is copied to a
 * temporary file next to the target, opened (migrated when older than this
 * program), checked (integrity, the audit chain), and only then renamed
 * over the target name, which must not exist unless --force. PostgreSQL
 * has its own tools (pg_dump / pg_basebackup); see docs/OPERATIONS.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dancu/audit.h"
#include "dancu/db.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "cli/cli.h"
#include "core/internal.h"

int dc__cmd_backup(int argc, char **argv)
{
	const char *db = NULL, *pg = NULL;
	const struct cli_opt opts[] = {
	        {"db", OPT_STR, &db, 0, 0, "SQLite database file to back up"},
	        {"pg", OPT_STR, &pg, 0, 0, "PostgreSQL: not supported here, use pg_dump"},
	};
	char *pos[1];
	size_t npos;
	int rc = dc__cli_parse("backup", "[--db FILE] OUT.db", opts, DC_ARRAY_LEN(opts), argc, argv,
	                       pos, 1, &npos);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (npos != 1) {
		fprintf(stderr, "usage: dancu backup [--db FILE] OUT.db\n");
		return 2;
	}
	if (pg) {
		fprintf(stderr, "dancu backup: for PostgreSQL use pg_dump or pg_basebackup (see "
		                "docs/OPERATIONS.md)\n");
		return 2;
	}
	struct dc_units *u = NULL;
	struct dc_store *s = NULL;
	int exit_code = dc__cli_open(db, NULL, &u, &s);
	if (exit_code)
		goto cleanup;
	rc = dc_db_backup(dc_store_db(s), pos[0]);
	if (rc) {
		fprintf(stderr, "dancu backup: %s: %s\n", dc_strerror(rc),
		        rc == DC_ERR_CONFLICT ? "the output file exists" : dc_store_errmsg(s));
		exit_code = 1;
		goto cleanup;
	}
	int64_t n = 0;
	dc_store_count(s, &n);
	printf("backup written to %s (%lld citizens at the start of the copy)\n", pos[0],
	       (long long)n);
cleanup:
	dc_store_close(s);
	dc_units_free(u);
	return exit_code;
}

static int copy_file(const char *from, const char *to)
{
	char buf[1 << 16];
	int in = open(from, O_RDONLY | O_CLOEXEC), rc = DC_OK;
	if (in < 0)
		return DC_ERR_NOT_FOUND;
	int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		close(in);
		return DC_ERR_IO;
	}
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n == 0)
			break;
		if (n < 0 || write(out, buf, (size_t)n) != n) {
			rc = errno == ENOSPC ? DC_ERR_NOSPACE : DC_ERR_IO;
			break;
		}
	}
	if (rc == DC_OK && fsync(out))
		rc = DC_ERR_IO;
	close(in);
	if (close(out) && rc == DC_OK)
		rc = DC_ERR_IO;
	return rc;
}

static void print_problem(void *arg, int64_t seq, const char *what)
{
	(void)seq;
	int *n = arg;
	(*n)++;
	fprintf(stderr, "  %s\n", what);
}

int dc__cmd_restore(int argc, char **argv)
{
	const char *db = NULL;
	int force = 0;
	const struct cli_opt opts[] = {
	        {"db", OPT_STR, &db, 0, 0, "SQLite database file to create"},
	        {"force", OPT_FLAG, &force, 0, 0,
	         "replace an existing database (stop the server first)"},
	};
	char *pos[1], tmp[4096];
	size_t npos;
	int rc = dc__cli_parse("restore", "BACKUP.db --db FILE [--force]", opts, DC_ARRAY_LEN(opts),
	                       argc, argv, pos, 1, &npos);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (npos != 1 || !db) {
		fprintf(stderr, "usage: dancu restore BACKUP.db --db FILE [--force]\n");
		return 2;
	}
	if (!force && access(db, F_OK) == 0) {
		fprintf(stderr, "dancu restore: %s exists; restore into a new file, or --force\n",
		        db);
		return 1;
	}
	snprintf(tmp, sizeof tmp, "%s.restoring", db);
	unlink(tmp);
	rc = copy_file(pos[0], tmp);
	if (rc) {
		fprintf(stderr, "dancu restore: cannot copy %s: %s\n", pos[0], dc_strerror(rc));
		unlink(tmp);
		return 1;
	}
	struct dc_units *u = NULL;
	struct dc_store *s = NULL;
	struct dc_stmt *st = NULL;
	int exit_code = 1, problems = 0;
	int64_t entries = 0, citizens = 0;
	char err[256] = "";
	if (dc_units_new(&u)) {
		fprintf(stderr, "dancu restore: out of memory\n");
		goto cleanup;
	}
	rc = dc_store_open(tmp, u, &s, err, sizeof err);
	if (rc) {
		fprintf(stderr, "dancu restore: %s is not a usable dancu database: %s\n", pos[0],
		        err);
		goto cleanup;
	}
	rc = dc_db_prepare(dc_store_db(s), "PRAGMA integrity_check", &st);
	if (rc == DC_OK && dc_stmt_step(st) == DC_ROW && strcmp(dc_stmt_text(st, 0, NULL), "ok")) {
		fprintf(stderr, "dancu restore: %s is damaged: %s\n", pos[0],
		        dc_stmt_text(st, 0, NULL));
		goto cleanup;
	}
	rc = dc_audit_verify(s, print_problem, &problems, &entries);
	if (rc) {
		fprintf(stderr,
		        "dancu restore: the backup's audit chain does not verify (%d problem(s))\n",
		        problems);
		goto cleanup;
	}
	dc_store_count(s, &citizens);
	exit_code = 0;
cleanup:
	dc_stmt_finalize(st);
	dc_store_close(s);
	dc_units_free(u);
	if (exit_code == 0) {
		unlink(db); /* with --force: the old file goes only now */
		char side[4200];
		snprintf(side, sizeof side, "%s-wal", db);
		unlink(side);
		snprintf(side, sizeof side, "%s-shm", db);
		unlink(side);
		if (rename(tmp, db)) {
			fprintf(stderr, "dancu restore: cannot rename into place: %s\n",
			        strerror(errno));
			exit_code = 1;
		} else {
			printf("restored %s into %s: %lld citizens, audit chain of %lld entries "
			       "intact\n",
			       pos[0], db, (long long)citizens, (long long)entries);
		}
	}
	if (exit_code) {
		unlink(tmp);
		char side[4200];
		snprintf(side, sizeof side, "%s-wal", tmp);
		unlink(side);
		snprintf(side, sizeof side, "%s-shm", tmp);
		unlink(side);
	}
	return exit_code;
}
