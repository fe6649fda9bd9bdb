/*
 * cmd_officer.c — `dancu officer add|list|disable|enable` (bootstrap and
 * administration of officer accounts) and `dancu audit verify`.
 *
 * Passwords are read from standard input (first line), never from the
 * command line, where other users could see them in the process list.
 */
#include <sodium.h>
#include <unistd.h>
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
	const char *db = NULL, *pg = NULL, *keyfile = NULL, *pubhex = NULL;
	const struct cli_opt opts[] = {
	        {"db", OPT_STR, &db, 0, 0, "SQLite database file"},
	        {"pg", OPT_STR, &pg, 0, 0, "PostgreSQL conninfo"},
	        {"audit-key", OPT_STR, &keyfile, 0, 0,
	         "checkpoint signing key file (default dancu-audit.key)"},
	        {"pubkey", OPT_STR, &pubhex, 0, 0, "public key (hex) to verify checkpoints with"},
	};
	char *pos[1];
	size_t npos;
	int rc = dc__cli_parse("audit", "verify|checkpoint|pubkey [OPTIONS]", opts,
	                       DC_ARRAY_LEN(opts), argc, argv, pos, 1, &npos);
	if (rc)
		return rc < 0 ? 0 : rc;
	int verify = npos == 1 && !strcmp(pos[0], "verify"),
	    checkpoint = npos == 1 && !strcmp(pos[0], "checkpoint"),
	    pubkey = npos == 1 && !strcmp(pos[0], "pubkey");
	if (!verify && !checkpoint && !pubkey) {
		fprintf(stderr,
		        "usage: dancu audit verify|checkpoint|pubkey [--db FILE | --pg CONNINFO] "
		        "[--audit-key FILE] [--pubkey HEX]\n");
		return 2;
	}
	unsigned char sk[64], pk[32];
	char err[256];
	int have_key = 0;
	const char *kf = keyfile ? keyfile : "dancu-audit.key";
	if (pubhex && verify) {
		size_t len = 0;
		if (sodium_hex2bin(pk, sizeof pk, pubhex, strlen(pubhex), NULL, &len, NULL) ||
		    len != sizeof pk) {
			fprintf(stderr, "dancu audit: --pubkey must be 64 hex digits\n");
			return 2;
		}
		have_key = 1;
	} else if (checkpoint || pubkey || keyfile || access(kf, F_OK) == 0) {
		if (dc_audit_key_load(kf, checkpoint, sk, pk, err, sizeof err)) {
			fprintf(stderr, "dancu audit: %s\n", err);
			return 1;
		}
		have_key = 1;
	}
	if (pubkey) {
		char hex[65];
		sodium_bin2hex(hex, sizeof hex, pk, sizeof pk);
		printf("%s\n", hex);
		sodium_memzero(sk, sizeof sk);
		return 0;
	}
	struct dc_units *u = NULL;
	struct dc_store *s = NULL;
	int exit_code = 1, problems = 0;
	int64_t n = 0, nck = 0;
	if ((exit_code = dc__cli_open(db, pg, &u, &s)))
		goto cleanup;
	exit_code = 1;
	if (checkpoint) {
		int64_t seq = 0;
		rc = dc_audit_checkpoint(s, sk, dc_now_ms(), &seq);
		if (rc)
			fprintf(stderr, "dancu audit checkpoint: %s: %s\n", dc_strerror(rc),
			        dc_store_errmsg(s));
		else if (seq)
			printf("checkpoint signed at entry %lld\n", (long long)seq);
		else
			printf("nothing new since the last checkpoint\n");
		exit_code = rc ? 1 : 0;
		goto cleanup;
	}
	rc = dc_audit_verify(s, print_problem, &problems, &n);
	int rc2 = DC_OK;
	if (rc == DC_OK || rc == DC_ERR_CONFLICT) {
		if (have_key)
			rc2 = dc_audit_verify_checkpoints(s, pk, print_problem, &problems, &nck);
	}
	if (rc == DC_OK && rc2 == DC_OK) {
		printf("audit chain intact: %lld entries", (long long)n);
		if (have_key)
			printf(", %lld signed checkpoints verified\n", (long long)nck);
		else
			printf(" (checkpoints not checked: no key; give --pubkey or "
			       "--audit-key)\n");
		exit_code = 0;
	} else if ((rc == DC_OK || rc == DC_ERR_CONFLICT) &&
	           (rc2 == DC_OK || rc2 == DC_ERR_CONFLICT)) {
		printf("audit chain BROKEN: %d problem(s) in %lld entries and %lld checkpoints\n",
		       problems, (long long)n, (long long)nck);
	} else {
		fprintf(stderr, "dancu audit verify: %s: %s\n", dc_strerror(rc ? rc : rc2),
		        dc_store_errmsg(s));
	}
cleanup:
	sodium_memzero(sk, sizeof sk);
	dc_store_close(s);
	dc_units_free(u);
	return exit_code;
}
