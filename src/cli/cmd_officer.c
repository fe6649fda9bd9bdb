/*
 * cmd_officer.c — `dancu officer add|list|disable|enable` (bootstrap and
 * administration of officer accounts) and `dancu audit verify`.
 *
 * Passwords are read from standard input (first line), never from the
 * command line, where other users could see them in the process list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/audit.h"
#include "dancu/officer.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "cli/cli.h"
#include "core/internal.h"

static int print_officer(void *arg, const struct dc_officer *o)
{
	(void)arg;
	printf("%s\t%s\t%s\t%s\t%s\n", o->id, dc_role_name(o->role), o->jurisdiction,
	       o->disabled ? "disabled" : "active", o->name);
	return 0;
}

/* Officer administration is a write: it goes into the audit log, with the
 * operating-system user who ran the command as the actor. */
static int audit_cli(struct dc_store *s, const char *action, const char *id)
{
	char actor[96];
	const char *user = getenv("SUDO_USER");
	if (!user || !*user)
		user = getenv("USER");
	snprintf(actor, sizeof actor, "cli:%s", user && *user ? user : "unknown");
	struct dc_audit_entry e = {actor, NULL, action, NULL, NULL, id, NULL};
	int rc = dc_audit_append(s, &e, NULL);
	if (rc)
		fprintf(stderr, "dancu officer: cannot write the audit log: %s\n", dc_strerror(rc));
	return rc;
}

static const char *default_key(const char *key)
{
	const char *e = getenv("DANCU_MASTER_KEY");
	return key ? key : e && *e ? e : "dancu.key";
}

int dc__cmd_officer(int argc, char **argv)
{
	const char *db = NULL, *pg = NULL, *id = NULL, *name = NULL, *role = NULL, *jur = NULL,
	           *key_path = NULL;
	const struct cli_opt opts[] = {
	        {"db", OPT_STR, &db, 0, 0, "SQLite database file"},
	        {"pg", OPT_STR, &pg, 0, 0, "PostgreSQL conninfo"},
	        {"id", OPT_STR, &id, 0, 0, "officer id (a-z 0-9 . _ -)"},
	        {"name", OPT_STR, &name, 0, 0, "full name (add)"},
	        {"role", OPT_STR, &role, 0, 0,
	         "commune_officer | province_officer | national_admin | auditor (add)"},
	        {"jurisdiction", OPT_STR, &jur, 0, 0,
	         "commune code, province code, or VN, matching the role (add)"},
	        {"master-key", OPT_STR, &key_path, 0, 0,
	         "master key file (default $DANCU_MASTER_KEY or dancu.key; created if missing)"},
	};
	char *pos[1];
	size_t npos;
	int rc = dc__cli_parse("officer", "add|list|disable|enable [OPTIONS] (password on stdin)",
	                       opts, DC_ARRAY_LEN(opts), argc, argv, pos, 1, &npos);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (npos != 1 || (strcmp(pos[0], "add") && strcmp(pos[0], "list") &&
	                  strcmp(pos[0], "disable") && strcmp(pos[0], "enable"))) {
		fprintf(stderr, "usage: dancu officer add|list|disable|enable [OPTIONS]\n");
		return 2;
	}
	if (strcmp(pos[0], "list") && !id) {
		fprintf(stderr, "dancu officer %s: --id is required\n", pos[0]);
		return 2;
	}
	struct dc_officer o;
	memset(&o, 0, sizeof o);
	if (!strcmp(pos[0], "add")) {
		if (!name || !role || !jur) {
			fprintf(stderr, "dancu officer add: --name, --role and --jurisdiction are "
			                "required\n");
			return 2;
		}
		if (dc_role_parse(role, &o.role)) {
			fprintf(stderr, "dancu officer add: unknown role '%s'\n", role);
			return 2;
		}
		snprintf(o.id, sizeof o.id, "%s", id);
		snprintf(o.name, sizeof o.name, "%s", name);
		snprintf(o.jurisdiction, sizeof o.jurisdiction, "%s", jur);
	}
	struct dc_units *u = NULL;
	struct dc_store *s = NULL;
	int exit_code = 1;
	if ((exit_code = dc__cli_open(db, pg, &u, &s)))
		goto cleanup;
	exit_code = 1;
	if (!strcmp(pos[0], "list")) {
		rc = dc_officer_list(s, print_officer, NULL);
		exit_code = rc == DC_OK || rc == DC_DONE ? 0 : 1;
		goto cleanup;
	}
	if (!strcmp(pos[0], "disable") || !strcmp(pos[0], "enable")) {
		rc = dc_officer_set_disabled(s, id, !strcmp(pos[0], "disable"));
		if (rc == DC_OK)
			rc = audit_cli(s,
			               !strcmp(pos[0], "disable") ? "officer.disable"
			                                          : "officer.enable",
			               id);
		if (rc)
			fprintf(stderr, "dancu officer %s: %s\n", pos[0],
			        rc == DC_ERR_NOT_FOUND ? "no such officer" : dc_strerror(rc));
		exit_code = rc ? 1 : 0;
		goto cleanup;
	}
	char password[1024], err[256], totp[64];
	unsigned char key[32];
	if (!fgets(password, sizeof password, stdin)) {
		fprintf(stderr, "dancu officer add: give the password on standard input\n");
		goto cleanup;
	}
	password[strcspn(password, "\r\n")] = '\0';
	rc = dc_master_key_load(default_key(key_path), 1, key, err, sizeof err);
	if (rc == DC_OK)
		rc = dc_officer_add(s, u, &o, password, key, totp, err, sizeof err);
	memset(password, 0, sizeof password);
	if (rc) {
		fprintf(stderr, "dancu officer add: %s\n", err[0] ? err : dc_strerror(rc));
		exit_code = rc == DC_ERR_INVALID ? 2 : 1;
		goto cleanup;
	}
	if (audit_cli(s, "officer.add", o.id))
		goto cleanup;
	printf("officer %s added (%s, %s)\n", o.id, dc_role_name(o.role), o.jurisdiction);
	printf("TOTP secret (enter it in the officer's authenticator app): %s\n", totp);
	printf("otpauth://totp/dancu:%s?secret=%s&issuer=dancu\n", o.id, totp);
	exit_code = 0;
cleanup:
	dc_store_close(s);
	dc_units_free(u);
	return exit_code;
}

static void print_problem(void *arg, int64_t seq, const char *what)
{
	(void)seq;
	(*(int *)arg)++;
	printf("BROKEN: %s\n", what);
}

int dc__cmd_audit(int argc, char **argv)
{
	const char *db = NULL, *pg = NULL;
	const struct cli_opt opts[] = {
	        {"db", OPT_STR, &db, 0, 0, "SQLite database file"},
	        {"pg", OPT_STR, &pg, 0, 0, "PostgreSQL conninfo"},
	};
	char *pos[1];
	size_t npos;
	int rc = dc__cli_parse("audit", "verify [OPTIONS]", opts, DC_ARRAY_LEN(opts), argc, argv,
	                       pos, 1, &npos);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (npos != 1 || strcmp(pos[0], "verify")) {
		fprintf(stderr, "usage: dancu audit verify [--db FILE | --pg CONNINFO]\n");
		return 2;
	}
	struct dc_units *u = NULL;
	struct dc_store *s = NULL;
	int exit_code = 1, problems = 0;
	int64_t n = 0;
	if ((exit_code = dc__cli_open(db, pg, &u, &s)))
		goto cleanup;
	rc = dc_audit_verify(s, print_problem, &problems, &n);
	if (rc == DC_OK) {
		printf("audit chain intact: %lld entries\n", (long long)n);
		exit_code = 0;
	} else if (rc == DC_ERR_CONFLICT) {
		printf("audit chain BROKEN: %d problem(s) in %lld entries\n", problems,
		       (long long)n);
		exit_code = 1;
	} else {
		fprintf(stderr, "dancu audit verify: %s: %s\n", dc_strerror(rc),
		        dc_store_errmsg(s));
		exit_code = 1;
	}
cleanup:
	dc_store_close(s);
	dc_units_free(u);
	return exit_code;
}
