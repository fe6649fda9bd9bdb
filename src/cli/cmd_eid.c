/*
 * cmd_eid.c — `dancu eid register|approve|activate|lock|unlock|show|
 * outbox`: e-ID account administration from the command line.
 *
 * Secrets never go on the command line: `activate` reads the password
 * (first line) and the 6-digit passcode (second line) from standard input;
 * the OTP arrives through the outbox (`dancu eid outbox --sms-file F` runs
 * the demo sender that appends the messages to F).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/audit.h"
#include "dancu/eid.h"
#include "dancu/officer.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "cli/cli.h"
#include "core/internal.h"

static int print_attr(void *arg, const char *kind, const char *value)
{
	(void)arg;
	printf("attr\t%s\t%s\n", kind, value);
	return 0;
}

static int audit_cli(struct dc_store *s, const char *action, const char *pin)
{
	char actor[96];
	const char *user = getenv("SUDO_USER");
	if (!user || !*user)
		user = getenv("USER");
	snprintf(actor, sizeof actor, "cli:%s", user && *user ? user : "unknown");
	struct dc_audit_entry e = {actor, NULL, action, pin, NULL, "eid_account", NULL};
	return dc_audit_append(s, &e, NULL);
}

static int read_line(char *buf, size_t n)
{
	if (!fgets(buf, (int)n, stdin))
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static const char *const verbs[] = {"register", "approve", "reject", "activate", "lock", "unlock",
                                    "show",     "attr",    "outbox", "totp",     NULL};

int dc__cmd_eid(int argc, char **argv)
{
	const char *db = NULL, *pg = NULL, *pin = NULL, *phone = NULL, *face = NULL,
	           *officer = NULL, *otp = NULL, *by = NULL, *sms = NULL, *kind = NULL,
	           *value = NULL, *key_path = NULL;
	uint64_t level = 1;
	const struct cli_opt opts[] = {
	        {"db", OPT_STR, &db, 0, 0, "SQLite database file"},
	        {"pg", OPT_STR, &pg, 0, 0, "PostgreSQL conninfo"},
	        {"pin", OPT_STR, &pin, 0, 0, "personal ID number (12 digits)"},
	        {"level", OPT_U64, &level, 1, 2, "1 (self-service) or 2 (in person) (register)"},
	        {"phone", OPT_STR, &phone, 0, 0, "the citizen's own mobile number (register)"},
	        {"face", OPT_STR, &face, 0, 0, "reference of the captured face photo (register)"},
	        {"officer", OPT_STR, &officer, 0, 0,
	         "officer who verified card and face (register level 2; approve; lock/unlock "
	         "by authority)"},
	        {"otp", OPT_STR, &otp, 0, 0, "activation code from the SMS (activate)"},
	        {"by", OPT_STR, &by, 0, 0, "citizen | authority (lock/unlock)"},
	        {"kind", OPT_STR, &kind, 0, 0, "integrated document kind (attr)"},
	        {"value", OPT_STR, &value, 0, 0, "integrated document number (attr)"},
	        {"sms-file", OPT_STR, &sms, 0, 0, "demo sender: append outgoing SMS here (outbox)"},
	        {"master-key", OPT_STR, &key_path, 0, 0,
	         "master key file (totp; default $DANCU_MASTER_KEY or dancu.key)"},
	};
	char *pos[1];
	size_t npos;
	int rc = dc__cli_parse("eid",
	                       "register|approve|reject|activate|lock|unlock|show|attr|outbox|totp "
	                       "[OPTIONS]",
	                       opts, DC_ARRAY_LEN(opts), argc, argv, pos, 1, &npos);
	if (rc)
		return rc < 0 ? 0 : rc;
	int known = 0;
	for (size_t i = 0; npos == 1 && verbs[i]; i++)
		known |= !strcmp(pos[0], verbs[i]);
	if (!known) {
		fprintf(stderr,
		        "usage: dancu eid "
		        "register|approve|reject|activate|lock|unlock|show|attr|outbox|totp "
		        "[OPTIONS]\n");
		return 2;
	}
	const char *verb = pos[0];
	if (strcmp(verb, "outbox") && !pin) {
		fprintf(stderr, "dancu eid %s: --pin is required\n", verb);
		return 2;
	}
	if (!strcmp(verb, "outbox") && !sms) {
		fprintf(stderr, "dancu eid outbox: --sms-file is required\n");
		return 2;
	}
	char who[96] = "";
	if (!strcmp(verb, "lock") || !strcmp(verb, "unlock")) {
		if (by && !strcmp(by, "citizen"))
			snprintf(who, sizeof who, "citizen");
		else if (by && !strcmp(by, "authority") && officer)
			snprintf(who, sizeof who, "authority:%s", officer);
		else {
			fprintf(stderr,
			        "dancu eid %s: --by citizen, or --by authority --officer ID\n",
			        verb);
			return 2;
		}
	}
	struct dc_units *u = NULL;
	struct dc_store *s = NULL;
	char err[256] = "", line1[256], line2[64], code[7];
	int exit_code = dc__cli_open(db, pg, &u, &s);
	if (exit_code)
		goto cleanup;
	exit_code = 1;
	if (!strcmp(verb, "register")) {
		rc = dc_eid_register(s, pin, (int)level, phone, face, officer, err, sizeof err);
		if (rc == DC_OK)
			rc = audit_cli(s, "eid.register", pin);
		if (rc == DC_OK)
			printf("e-ID account of %s registered at level %d (submitted)\n", pin,
			       (int)level);
	} else if (!strcmp(verb, "approve")) {
		rc = dc_eid_approve(s, pin, officer ? officer : "cli", code);
		if (rc == DC_OK)
			rc = audit_cli(s, "eid.approve", pin);
		if (rc == DC_OK)
			printf("approved; the activation code is in the outbox for the phone\n");
	} else if (!strcmp(verb, "reject")) {
		rc = dc_eid_reject(s, pin, officer ? officer : "cli");
		if (rc == DC_OK)
			rc = audit_cli(s, "eid.reject", pin);
	} else if (!strcmp(verb, "activate")) {
		if (!otp || read_line(line1, sizeof line1) || read_line(line2, sizeof line2)) {
			fprintf(stderr,
			        "dancu eid activate: --otp, and the password then the passcode "
			        "on standard input (two lines)\n");
			exit_code = 2;
			goto cleanup;
		}
		rc = dc_eid_activate(s, pin, otp, line1, line2, err, sizeof err);
		memset(line1, 0, sizeof line1);
		memset(line2, 0, sizeof line2);
		if (rc == DC_OK)
			rc = audit_cli(s, "eid.activate", pin);
		if (rc == DC_OK)
			printf("e-ID account of %s is active\n", pin);
	} else if (!strcmp(verb, "lock") || !strcmp(verb, "unlock")) {
		rc = !strcmp(verb, "lock") ? dc_eid_lock(s, pin, who) : dc_eid_unlock(s, pin, who);
		if (rc == DC_OK)
			rc = audit_cli(s, !strcmp(verb, "lock") ? "eid.lock" : "eid.unlock", pin);
	} else if (!strcmp(verb, "attr")) {
		rc = dc_eid_attr_set(s, pin, kind, value);
		if (rc == DC_OK)
			rc = audit_cli(s, "eid.attr", pin);
	} else if (!strcmp(verb, "totp")) {
		unsigned char key[32];
		char b32[64];
		const char *env = getenv("DANCU_MASTER_KEY");
		rc = dc_master_key_load(key_path      ? key_path
		                        : env && *env ? env
		                                      : "dancu.key",
		                        0, key, err, sizeof err);
		if (rc == DC_OK)
			rc = dc_eid_totp_enroll(s, pin, key, b32);
		if (rc == DC_OK)
			rc = audit_cli(s, "eid.totp", pin);
		if (rc == DC_OK)
			printf("TOTP secret (enter it in the citizen's authenticator app): %s\n",
			       b32);
	} else if (!strcmp(verb, "outbox")) {
		rc = dc_eid_outbox_flush(s, dc_eid_sender_file, (void *)sms);
		if (rc >= 0) {
			printf("%d message(s) sent\n", rc);
			rc = DC_OK;
		}
	} else {
		struct dc_eid_account a;
		rc = dc_eid_get(s, pin, &a);
		if (rc == DC_OK) {
			printf("pin\t%s\nlevel\t%d\nacr\t%s\nstate\t%s\nphone\t%s\nface\t%s\n",
			       a.pin, a.level, dc_eid_acr(a.level), dc_eid_state_name(a.state),
			       a.phone, a.face_ref);
			if (a.verified_by[0])
				printf("verified_by\t%s\n", a.verified_by);
			if (a.lock_reason[0])
				printf("lock_reason\t%s\n", a.lock_reason);
			rc = dc_eid_attr_list(s, pin, print_attr, NULL);
		}
	}
	if (rc) {
		fprintf(stderr, "dancu eid %s: %s\n", verb,
		        err[0]                   ? err
		        : rc == DC_ERR_NOT_FOUND ? "no such account"
		        : rc == DC_ERR_CONFLICT  ? "not possible in the account's current state"
		                                 : dc_strerror(rc));
		exit_code = rc == DC_ERR_INVALID ? 2 : 1;
		goto cleanup;
	}
	exit_code = 0;
cleanup:
	dc_store_close(s);
	dc_units_free(u);
	return exit_code;
}
