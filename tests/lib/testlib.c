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

#include "testlib.h"

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
