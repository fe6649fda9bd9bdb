/*
 * cmd_org.c — `dancu org add|list|disable|enable|policy|key-add|key-revoke|
 * keys|usage|cert-add|cert-remove|certs`: onboarding and administration of relying-party
 * organisations from the command line (the same operations as /api/v1/orgs), each written to the
 * audit log with the operating-system user as the actor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dancu/core.h"
#include "dancu/apikey.h"
#include "dancu/audit.h"
#include "dancu/store.h"
#include "dancu/units.h"
#include "dancu/verify.h"

#include "cli/cli.h"
#include "core/internal.h"
#include "verify/org_cert.h"

void dc__cli_actor(char *out, size_t n)
{
	const char *user = getenv("SUDO_USER");
	if (!user || !*user)
		user = getenv("USER");
	snprintf(out, n, "cli:%s", user && *user ? user : "unknown");
}

static int audit_cli(struct dc_store *s, const char *action, const char *org, const char *what)
{
	char actor[96];
	dc__cli_actor(actor, sizeof actor);
	struct dc_audit_entry e = {actor, org, action, NULL, NULL, what, NULL};
	return dc_audit_append(s, &e, NULL);
}

static int print_org(void *arg, const struct dc_org *o)
{
	struct dc_buf f = DC_BUF_INIT, p = DC_BUF_INIT;
	(void)arg;
	dc_vfields_format(o->verify_fields, &f);
	dc_vpurposes_format(o->purposes, &p);
	printf("%s\t%s\tfields=%s\tpurposes=%s\tquota=%lld\t%s\n", o->id,
	       o->disabled ? "disabled" : "active", dc_buf_str(&f), dc_buf_str(&p),
	       (long long)o->daily_quota, o->name);
	dc_buf_release(&f);
	dc_buf_release(&p);
	return 0;
}

static int print_key(void *arg, const struct dc_apikey *k)
{
	(void)arg;
	printf("%s\t%s\trate_per_min=%lld\tburst=%lld\tlast_used_ms=%lld\t%s\n", k->id,
	       k->revoked_ms ? "revoked" : "active", (long long)k->rate_per_min,
	       (long long)k->burst, (long long)k->last_used_ms, k->label);
	return 0;
}

static int print_usage(void *arg, const struct dc_org_usage *u)
{
	(void)arg;
	printf("%s\trequests=%lld\trows=%lld\tfull_match=%lld\tnot_found=%lld\trefused=%lld\n",
	       u->day, (long long)u->requests, (long long)u->rows, (long long)u->full_match,
	       (long long)u->not_found, (long long)u->refused);
	return 0;
}

static int print_cert(void *arg, const char *sha256, const char *label, int64_t created_ms)
{
	(void)arg;
	printf("%s\tcreated_ms=%lld\t%s\n", sha256, (long long)created_ms, label);
	return 0;
}

static const char *const verbs[] = {"add",         "list",       "disable", "enable", "policy",
                                    "key-add",     "key-revoke", "keys",    "usage",  "cert-add",
                                    "cert-remove", "certs",      NULL};

int dc__cmd_org(int argc, char **argv)
{
	const char *db = NULL, *pg = NULL, *id = NULL, *name = NULL, *fields = NULL,
	           *receive = NULL, *purposes = NULL, *label = NULL, *key = NULL, *cert = NULL,
	           *sha = NULL;
	uint64_t quota = UINT64_MAX, rate = 0, burst = 0;
	const struct cli_opt opts[] = {
	        {"db", OPT_STR, &db, 0, 0, "SQLite database file"},
	        {"pg", OPT_STR, &pg, 0, 0, "PostgreSQL conninfo"},
	        {"id", OPT_STR, &id, 0, 0, "organisation id (a-z 0-9 . _ -)"},
	        {"name", OPT_STR, &name, 0, 0, "display name (add)"},
	        {"fields", OPT_STR, &fields, 0, 0,
	         "fields it may verify, comma-separated, or * (add, policy): name,dob,sex,address,"
	         "phone,email,father_name,mother_name,nationality,card_issue_date"},
	        {"receive", OPT_STR, &receive, 0, 0,
	         "fields it may receive by e-KYC (add, policy)"},
	        {"purposes", OPT_STR, &purposes, 0, 0,
	         "purposes, comma-separated, or * (add, policy): account_opening,"
	         "customer_due_diligence,credit_assessment,subscriber_registration,"
	         "benefit_payment,employment,insurance"},
	        {"quota", OPT_U64, &quota, 0, 1e15,
	         "verifications a day, 0 = no limit (add, policy)"},
	        {"label", OPT_STR, &label, 0, 0, "what the key is for (key-add)"},
	        {"rate", OPT_U64, &rate, 0, 1e9,
	         "requests a minute for the key, 0 = no limit (key-add)"},
	        {"burst", OPT_U64, &burst, 0, 1e9, "bucket size of the key's rate limit (key-add)"},
	        {"key", OPT_STR, &key, 0, 0, "key id (key-revoke)"},
	        {"cert", OPT_STR, &cert, 0, 0,
	         "client certificate (PEM) the organisation must present over mTLS (cert-add)"},
	        {"sha256", OPT_STR, &sha, 0, 0,
	         "a client certificate's SHA-256 fingerprint, 64 hex (cert-add, cert-remove)"},
	};
	const char *verb = NULL;
	int rc = dc__cli_verb("org",
	                      "add|list|disable|enable|policy|key-add|key-revoke|keys|usage|"
	                      "cert-add|cert-remove|certs [OPTIONS]",
	                      opts, DC_ARRAY_LEN(opts), argc, argv, verbs, &verb);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (strcmp(verb, "list") && !id) {
		fprintf(stderr, "dancu org %s: --id is required\n", verb);
		return 2;
	}
	struct dc_org o;
	memset(&o, 0, sizeof o);
	if (id)
		snprintf(o.id, sizeof o.id, "%s", id);
	if (!strcmp(verb, "add") && !name) {
		fprintf(stderr, "dancu org add: --name is required\n");
		return 2;
	}
	if (!strcmp(verb, "key-revoke") && !key) {
		fprintf(stderr, "dancu org key-revoke: --key is required\n");
		return 2;
	}
	char fp[65] = "";
	if (!strcmp(verb, "cert-add") || !strcmp(verb, "cert-remove")) {
		if (cert && !strcmp(verb, "cert-add")) {
			if (dc__org_cert_file_sha256(cert, fp)) {
				fprintf(stderr, "dancu org %s: %s holds no PEM certificate\n", verb,
				        cert);
				return 2;
			}
		} else if (sha) { /* colons and upper case accepted */
			size_t j = 0;
			for (size_t i = 0; sha[i] && j < 65; i++)
				if (sha[i] != ':')
					fp[j++] =
					        (char)(sha[i] >= 'A' && sha[i] <= 'F' ? sha[i] + 32
					                                              : sha[i]);
			fp[j < 65 ? j : 0] = '\0'; /* more than 64 digits: none */
		}
		if (!dc__org_cert_sha_ok(fp)) {
			fprintf(stderr,
			        "dancu org %s: --cert FILE or --sha256 HEX (64 hex digits) is "
			        "required\n",
			        verb);
			return 2;
		}
	}
	struct dc_units *u = NULL;
	struct dc_store *s = NULL;
	int exit_code;
	if ((exit_code = dc__cli_open(db, pg, &u, &s)))
		goto cleanup;
	exit_code = 1;
	if (!strcmp(verb, "list")) {
		exit_code = dc_org_list(s, print_org, NULL) ? 1 : 0;
		goto cleanup;
	}
	if (strcmp(verb, "add")) {
		rc = dc_org_get(s, id, &o);
		if (rc) {
			fprintf(stderr, "dancu org %s: %s\n", verb,
			        rc == DC_ERR_NOT_FOUND ? "no such organisation" : dc_strerror(rc));
			goto cleanup;
		}
	}
	if (!strcmp(verb, "add") || !strcmp(verb, "policy")) {
		if (name)
			snprintf(o.name, sizeof o.name, "%s", name);
		if ((fields && dc_vfields_parse(fields, &o.verify_fields)) ||
		    (receive && dc_vfields_parse(receive, &o.receive_fields)) ||
		    (purposes && dc_vpurposes_parse(purposes, &o.purposes))) {
			fprintf(stderr,
			        "dancu org %s: unknown field or purpose code (see --help)\n", verb);
			exit_code = 2;
			goto cleanup;
		}
		if (quota != UINT64_MAX)
			o.daily_quota = (int64_t)quota;
	}
	if ((rc = dc_store_begin(s)))
		goto fail;
	char kbuf[DC_APIKEY_LEN + 1] = "", kid[DC_APIKEY_ID_LEN + 1] = "";
	if (!strcmp(verb, "add")) {
		rc = dc_org_add(s, &o, dc_now_ms());
		if (rc == DC_OK)
			rc = audit_cli(s, "org.add", o.id, NULL);
	} else if (!strcmp(verb, "policy")) {
		rc = dc_org_set_policy(s, &o);
		if (rc == DC_OK)
			rc = audit_cli(s, "org.policy", o.id, NULL);
	} else if (!strcmp(verb, "disable") || !strcmp(verb, "enable")) {
		rc = dc_org_set_disabled(s, o.id, verb[0] == 'd');
		if (rc == DC_OK)
			rc = audit_cli(s, verb[0] == 'd' ? "org.disable" : "org.enable", o.id,
			               NULL);
	} else if (!strcmp(verb, "key-add")) {
		rc = dc_apikey_create(s, "org", o.id, label, (int64_t)rate, (int64_t)burst,
		                      dc_now_ms(), kbuf, kid);
		if (rc == DC_OK)
			rc = audit_cli(s, "org.key_add", o.id, kid);
	} else if (!strcmp(verb, "key-revoke")) {
		rc = dc_apikey_revoke(s, key, "org", o.id, dc_now_ms());
		if (rc == DC_OK)
			rc = audit_cli(s, "org.key_revoke", o.id, key);
	} else if (!strcmp(verb, "cert-add")) {
		rc = dc__org_cert_add(s, o.id, fp, label, dc_now_ms());
		if (rc == DC_OK)
			rc = audit_cli(s, "org.cert_add", o.id, fp);
	} else if (!strcmp(verb, "cert-remove")) {
		rc = dc__org_cert_remove(s, o.id, fp);
		if (rc == DC_OK)
			rc = audit_cli(s, "org.cert_remove", o.id, fp);
	} else if (!strcmp(verb, "certs")) {
		rc = dc__org_cert_list(s, o.id, print_cert, NULL);
	} else if (!strcmp(verb, "keys")) {
		rc = dc_apikey_list(s, "org", o.id, print_key, NULL);
	} else {
		rc = dc_org_usage_list(s, o.id, 0, print_usage, NULL);
	}
	if (rc) {
		dc_store_rollback(s);
		goto fail;
	}
	if ((rc = dc_store_commit(s)))
		goto fail;
	if (!strcmp(verb, "add"))
		printf("organisation %s added\n", o.id);
	else if (!strcmp(verb, "key-add"))
		printf("key %s for %s (shown once, keep it secret):\n%s\n", kid, o.id, kbuf);
	else if (!strcmp(verb, "cert-add"))
		printf("organisation %s: bound to client certificate %s\n", o.id, fp);
	else if (strcmp(verb, "keys") && strcmp(verb, "usage") && strcmp(verb, "certs"))
		printf("organisation %s: %s done\n", o.id, verb);
	memset(kbuf, 0, sizeof kbuf);
	exit_code = 0;
	goto cleanup;
fail:
	fprintf(stderr, "dancu org %s: %s\n", verb,
	        rc == DC_ERR_CONFLICT    ? "an organisation with this id exists"
	        : rc == DC_ERR_NOT_FOUND ? "no such key for this organisation"
	        : rc == DC_ERR_INVALID   ? "invalid id (a-z 0-9 . _ -, 1-64), name or value"
	                                 : dc_strerror(rc));
	exit_code = rc == DC_ERR_INVALID ? 2 : 1;
cleanup:
	dc_store_close(s);
	dc_units_free(u);
	return exit_code;
}
