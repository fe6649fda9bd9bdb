/*
 * cmd_agency.c — `dancu agency add|list|policy|disable|enable|key-add|
 * webhook|dead|replay`: connected agencies from the command line (the same
 * operations as /api/v1/agencies), each audited with the operating-system
 * user as the actor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/core.h"
#include "dancu/apikey.h"
#include "dancu/audit.h"
#include "dancu/exchange.h"
#include "dancu/officer.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "cli/cli.h"
#include "core/internal.h"

static int print_agency(void *arg, const struct dc_agency *a)
{
	(void)arg;
	printf("%s\t%s\tfields=%s\twrites=%s\twebhook=%s\tcursor=%lld\t%s\n", a->id,
	       a->disabled ? "disabled" : "active", a->fields, a->writes,
	       a->webhook_url[0] ? a->webhook_url : "-", (long long)a->webhook_cursor, a->name);
	return 0;
}

static int print_dead(void *arg, const struct dc_dead_letter *d)
{
	(void)arg;
	printf("%lld\tattempts=%lld\tdead_ms=%lld\treplay_ms=%lld\tdelivered_ms=%lld\t%s\n",
	       (long long)d->seq, (long long)d->attempts, (long long)d->dead_ms,
	       (long long)d->replay_ms, (long long)d->delivered_ms, d->last_error);
	return 0;
}

static const char *const verbs[] = {"add",     "list", "policy", "disable", "enable", "key-add",
                                    "webhook", "dead", "replay", "jws-key", NULL};

/* `dancu agency jws-key --key FILE [--create]`: the webhook JWS key
 * (dancu/exchange.h): makes one (mode 0600, never overwritten) and prints
 * the public JWKS receivers verify with. */
static int jws_key(const char *path, int create)
{
	struct dc_buf out = DC_BUF_INIT;
	if (!path) {
		fprintf(stderr, "dancu agency jws-key: --key FILE is required\n");
		return 2;
	}
	int rc = create ? dc_webhook_jws_keygen(path, &out) : dc_webhook_jws_public(path, &out);
	if (rc)
		fprintf(stderr, "dancu agency jws-key: %s: %s\n", path,
		        rc == DC_ERR_CONFLICT    ? "exists (a key is never overwritten)"
		        : rc == DC_ERR_FORBIDDEN ? "readable by group or others (chmod 600)"
		                                 : dc_strerror(rc));
	else
		puts(dc_buf_str(&out));
	dc_buf_release(&out);
	return rc ? 1 : 0;
}

int dc__cmd_agency(int argc, char **argv)
{
	const char *db = NULL, *pg = NULL, *id = NULL, *name = NULL, *fields = NULL, *writes = NULL,
	           *url = NULL, *mkey = "dancu.key", *jwsk = NULL;
	uint64_t seq = 0;
	int create = 0;
	const struct cli_opt opts[] = {
	        {"db", OPT_STR, &db, 0, 0, "SQLite database file"},
	        {"pg", OPT_STR, &pg, 0, 0, "PostgreSQL conninfo"},
	        {"id", OPT_STR, &id, 0, 0, "agency id (a-z 0-9 . _ -)"},
	        {"name", OPT_STR, &name, 0, 0, "display name (add, policy)"},
	        {"fields", OPT_STR, &fields, 0, 0,
	         "subscribed register fields, comma-separated (citizen columns, attr.<name>) or *"},
	        {"writes", OPT_STR, &writes, 0, 0, "attributes it may write back, comma-separated"},
	        {"url", OPT_STR, &url, 0, 0, "webhook URL http://host:port/path, \"\" to stop"},
	        {"master-key", OPT_STR, &mkey, 0, 0, "master key file (webhook)"},
	        {"seq", OPT_U64, &seq, 1, 9e18, "event number of a dead letter (replay)"},
	        {"key", OPT_STR, &jwsk, 0, 0, "jws-key: the webhook JWS key file (JWK)"},
	        {"create", OPT_FLAG, &create, 0, 0, "jws-key: make a new key (mode 0600)"},
	};
	const char *verb = NULL;
	int rc = dc__cli_verb(
	        "agency",
	        "add|list|policy|disable|enable|key-add|webhook|dead|replay|jws-key [OPTIONS]",
	        opts, DC_ARRAY_LEN(opts), argc, argv, verbs, &verb);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (!strcmp(verb, "jws-key"))
		return jws_key(jwsk, create);
	if (strcmp(verb, "list") && !id) {
		fprintf(stderr, "dancu agency %s: --id is required\n", verb);
		return 2;
	}
	if ((!strcmp(verb, "add") && (!name || !fields)) || (!strcmp(verb, "webhook") && !url) ||
	    (!strcmp(verb, "replay") && !seq)) {
		fprintf(stderr,
		        "dancu agency %s: missing option (add: --name --fields; webhook: "
		        "--url; replay: --seq)\n",
		        verb);
		return 2;
	}
	if ((fields && !dc_agency_fields_valid(fields)) ||
	    (writes && !dc_agency_writes_valid(writes))) {
		fprintf(stderr, "dancu agency %s: unknown field or bad attribute name\n", verb);
		return 2;
	}
	struct dc_agency a;
	memset(&a, 0, sizeof a);
	if (id)
		snprintf(a.id, sizeof a.id, "%s", id);
	struct dc_units *u = NULL;
	struct dc_store *s = NULL;
	unsigned char key[32];
	char secret[44] = "", kbuf[DC_APIKEY_LEN + 1] = "", kid[DC_APIKEY_ID_LEN + 1] = "";
	char actor[96], what[64] = "";
	int exit_code;
	if ((exit_code = dc__cli_open(db, pg, &u, &s)))
		goto cleanup;
	exit_code = 1;
	if (!strcmp(verb, "list")) {
		exit_code = dc_agency_list(s, print_agency, NULL) ? 1 : 0;
		goto cleanup;
	}
	if (strcmp(verb, "add") && (rc = dc_agency_get(s, id, &a))) {
		fprintf(stderr, "dancu agency %s: %s\n", verb,
		        rc == DC_ERR_NOT_FOUND ? "no such agency" : dc_strerror(rc));
		goto cleanup;
	}
	if (!strcmp(verb, "dead")) {
		exit_code = dc_dead_letter_list(s, a.id, print_dead, NULL) ? 1 : 0;
		goto cleanup;
	}
	if (name)
		snprintf(a.name, sizeof a.name, "%s", name);
	if (fields)
		snprintf(a.fields, sizeof a.fields, "%s", fields);
	if (writes)
		snprintf(a.writes, sizeof a.writes, "%s", writes);
	if (!strcmp(verb, "webhook")) {
		char kerr[256];
		if (dc_master_key_load(mkey, 0, key, kerr, sizeof kerr)) {
			fprintf(stderr, "dancu agency webhook: %s\n", kerr);
			goto cleanup;
		}
	}
	dc__cli_actor(actor, sizeof actor);
	if ((rc = dc_store_begin(s)))
		goto fail;
	const char *action;
	if (!strcmp(verb, "add")) {
		action = "agency.add";
		rc = dc_agency_add(s, &a, dc_now_ms());
	} else if (!strcmp(verb, "policy") || !strcmp(verb, "disable") || !strcmp(verb, "enable")) {
		action = !strcmp(verb, "policy") ? "agency.policy"
		         : verb[0] == 'd'        ? "agency.disable"
		                                 : "agency.enable";
		if (strcmp(verb, "policy"))
			a.disabled = verb[0] == 'd';
		rc = dc_agency_update(s, &a);
	} else if (!strcmp(verb, "key-add")) {
		action = "agency.key_add";
		rc = dc_apikey_create(s, "agency", a.id, "agency", 0, 0, dc_now_ms(), kbuf, kid);
		snprintf(what, sizeof what, "%s", kid);
	} else if (!strcmp(verb, "webhook")) {
		action = *url ? "agency.webhook_set" : "agency.webhook_clear";
		rc = dc_agency_webhook_set(s, a.id, url, key, secret);
	} else {
		action = "agency.dead_letter_replay";
		rc = dc_dead_letter_replay(s, a.id, (int64_t)seq, dc_now_ms());
		snprintf(what, sizeof what, "%llu", (unsigned long long)seq);
	}
	if (rc == DC_OK) {
		struct dc_audit_entry e = {actor, a.id, action, NULL, NULL, what[0] ? what : NULL,
		                           NULL};
		rc = dc_audit_append(s, &e, NULL);
	}
	if (rc) {
		dc_store_rollback(s);
		goto fail;
	}
	if ((rc = dc_store_commit(s)))
		goto fail;
	if (kbuf[0])
		printf("API key of agency %s (shown once; only its hash is kept):\n%s\n", a.id,
		       kbuf);
	if (secret[0]) {
		struct dc_agency now;
		dc_agency_get(s, a.id, &now);
		printf("webhook key id %s:%lld, secret (shown once):\n%s\n", a.id,
		       (long long)now.webhook_version, secret);
	}
	exit_code = 0;
	goto cleanup;
fail:
	fprintf(stderr, "dancu agency %s: %s\n", verb,
	        rc == DC_ERR_CONFLICT    ? "an agency with that id exists"
	        : rc == DC_ERR_NOT_FOUND ? "not found"
	        : rc == DC_ERR_INVALID   ? "invalid id, name, list or URL"
	                                 : dc_strerror(rc));
cleanup:
	memset(kbuf, 0, sizeof kbuf);
	memset(secret, 0, sizeof secret);
	memset(key, 0, sizeof key);
	dc_store_close(s);
	dc_units_free(u);
	return exit_code;
}
