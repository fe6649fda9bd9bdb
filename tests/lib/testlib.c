/*
 * testlib.c — temporary directories, fresh PostgreSQL databases and settings
 * for the C tests.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dancu/store.h"
#include "dancu/units.h"

#include "testlib.h"

static int store_open(void **state, int pg)
{
	struct dc_test_store *f = calloc(1, sizeof(*f));
	char err[256];
	assert_non_null(f);
	dc_test_tmpdir(f->dir, sizeof f->dir);
	if (pg) {
		if (dc_test_pg_fresh(f->target, sizeof f->target) != 0) {
			const char *skip = getenv("DANCU_TEST_NO_PG");
			free(f);
			if (skip && *skip == '1') {
				*state = NULL;
				return 0;
			}
			fail_msg("DANCU_TEST_PG is not set: run through scripts/test.sh, "
			         "or set DANCU_TEST_NO_PG=1 to skip PostgreSQL");
		}
	} else {
		snprintf(f->target, sizeof f->target, "%s/store.db", f->dir);
	}
	assert_int_equal(dc_units_new(&f->units), 0);
	if (dc_store_open(f->target, f->units, &f->s, err, sizeof err))
		fail_msg("open %s: %s", f->target, err);
	*state = f;
	return 0;
}

int dc_test_store_sqlite(void **state)
{
	return store_open(state, 0);
}

int dc_test_store_pg(void **state)
{
	return store_open(state, 1);
}

int dc_test_store_teardown(void **state)
{
	struct dc_test_store *f = *state;
	if (f) {
		dc_store_close(f->s);
		dc_units_free(f->units);
		free(f);
	}
	return 0;
}

struct dc_test_store *dc_test_store_of(void **state)
{
	if (!*state) {
		print_message("PostgreSQL skipped (DANCU_TEST_NO_PG=1)\n");
		skip();
	}
	return *state;
}

void dc_test_tmpdir(char *out, size_t n)
{
	const char *base = getenv("DANCU_TEST_TMP");
	if (!base)
		base = "/tmp";
	snprintf(out, n, "%s/t.XXXXXX", base);
	if (!mkdtemp(out)) {
		perror("mkdtemp");
		abort();
	}
}

int dc_test_quick(void)
{
	const char *q = getenv("DANCU_TEST_QUICK");
	return q && q[0] == '1';
}

void dc_test_data_path(const char *name, char *out, size_t n)
{
	const char *d = getenv("DANCU_DATA");
	snprintf(out, n, "%s/%s", d ? d : "data", name);
}

int dc_test_pg_fresh(char *out, size_t n)
{
	const char *ci = getenv("DANCU_TEST_PG");
	if (!ci || !*ci)
		return -1;
	PGconn *c = PQconnectdb(ci);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "testlib: cannot connect to %s: %s", ci, PQerrorMessage(c));
		abort();
	}
	char name[64];
	unsigned r;
	FILE *f = fopen("/dev/urandom", "rb");
	if (!f || fread(&r, sizeof r, 1, f) != 1)
		abort();
	fclose(f);
	snprintf(name, sizeof name, "t_%d_%08x", (int)getpid(), r);
	char sql[128];
	snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
	PGresult *res = PQexec(c, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "testlib: %s", PQerrorMessage(c));
		abort();
	}
	PQclear(res);
	PQfinish(c);
	/* Replace dbname=... in the conninfo. */
	char base[512];
	snprintf(base, sizeof base, "%s", ci);
	char *p = strstr(base, "dbname=");
	if (p) {
		char *e = strchr(p, ' ');
		if (e)
			memmove(p, e + 1, strlen(e + 1) + 1);
		else
			*p = '\0';
	}
	snprintf(out, n, "%s dbname=%s", base, name);
	return 0;
}
