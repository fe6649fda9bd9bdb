/*
 * cmd_oidc.c — `dancu oidc client add|list|disable` (relying parties,
 * registered by an administrator) and `dancu oidc keys rotate` (ES256
 * signing keys in DANCU_OIDC_KEYS or --keys, files mode 0600).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/audit.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "cli/cli.h"
#include "core/internal.h"
#include "eid/oidc.h"

static int print_client(void *arg, const struct dc__oidc_client *c)
{
	(void)arg;
	char uris[1024];
	snprintf(uris, sizeof uris, "%s", c->redirect_uris);
	for (char *p = uris; *p; p++)
		if (*p == '\n')
			*p = ' ';
	printf("%s\t%s\t%s%s\t%s\n", c->id, c->public_client ? "public" : "confidential",
	       c->disabled ? "disabled" : "active", c->pairwise ? ",pairwise" : "", uris);
	return 0;
}

int dc__cmd_oidc(int argc, char **argv)
{
	const char *db = NULL, *pg = NULL, *id = NULL, *name = NULL, *redirect = NULL, *keys = NULL,
	           *jwks_path = NULL;
	int is_public = 0, pairwise = 0, require_par = 0;
	char *jwks = NULL;
	uint64_t keep = 3600;
	const struct cli_opt opts[] = {
	        {"db", OPT_STR, &db, 0, 0, "SQLite database file"},
	        {"pg", OPT_STR, &pg, 0, 0, "PostgreSQL conninfo"},
	        {"id", OPT_STR, &id, 0, 0, "client id (a-z 0-9 . _ -)"},
	        {"name", OPT_STR, &name, 0, 0, "display name shown on the consent page"},
	        {"redirect-uri", OPT_STR, &redirect, 0, 0,
	         "redirect URIs, comma-separated, matched exactly"},
	        {"public", OPT_FLAG, &is_public, 0, 0, "public client (PKCE, no secret)"},
	        {"pairwise", OPT_FLAG, &pairwise, 0, 0, "pairwise subject identifiers"},
	        {"jwks", OPT_STR, &jwks_path, 0, 0,
	         "file with the client's public keys (JWKS, one JWK, or PEM public keys): "
	         "private_key_jwt instead of a secret"},
	        {"require-par", OPT_FLAG, &require_par, 0, 0,
	         "authorization requests only through PAR (POST /oidc/par)"},
	        {"keys", OPT_STR, &keys, 0, 0, "signing key directory (default $DANCU_OIDC_KEYS)"},
	        {"keep", OPT_U64, &keep, 0, 1e9,
	         "seconds a superseded key stays published (default 3600)"},
	};
	char *pos[2];
	size_t npos;
	int rc = dc__cli_parse("oidc", "client add|list|disable | keys rotate [OPTIONS]", opts,
	                       DC_ARRAY_LEN(opts), argc, argv, pos, 2, &npos);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (npos == 2 && !strcmp(pos[0], "keys") && !strcmp(pos[1], "rotate")) {
		char kid[32];
		rc = dc__oidc_keys_rotate(keys ? keys : dc__oidc_key_dir(), (int64_t)keep, kid);
		if (rc) {
			fprintf(stderr, "dancu oidc keys rotate: %s\n", dc_strerror(rc));
			return 1;
		}
		printf("new signing key %s\n", kid);
		return 0;
	}
	if (npos != 2 || strcmp(pos[0], "client") ||
	    (strcmp(pos[1], "add") && strcmp(pos[1], "list") && strcmp(pos[1], "disable"))) {
		fprintf(stderr,
		        "usage: dancu oidc client add|list|disable | keys rotate [OPTIONS]\n");
		return 2;
	}
	if (strcmp(pos[1], "list") && !id) {
		fprintf(stderr, "dancu oidc client %s: --id is required\n", pos[1]);
		return 2;
	}
	struct dc__oidc_client c;
	memset(&c, 0, sizeof c);
	if (!strcmp(pos[1], "add")) {
		if (!redirect) {
			fprintf(stderr, "dancu oidc client add: --redirect-uri is required\n");
			return 2;
		}
		snprintf(c.id, sizeof c.id, "%s", id);
		snprintf(c.name, sizeof c.name, "%s", name ? name : id);
		if (strlen(redirect) >= sizeof c.redirect_uris) {
			fprintf(stderr, "dancu oidc client add: too many redirect URIs\n");
			return 2;
		}
		snprintf(c.redirect_uris, sizeof c.redirect_uris, "%s", redirect);
		for (char *p = c.redirect_uris; *p; p++)
			if (*p == ',')
				*p = '\n';
		c.public_client = is_public;
		c.pairwise = pairwise;
		c.require_par = require_par;
		if (jwks_path) {
			FILE *f = fopen(jwks_path, "r");
			size_t n = 0;
			jwks = f ? calloc(1, 65537) : NULL;
			if (jwks)
				n = fread(jwks, 1, 65536, f);
			if (f)
				fclose(f);
			if (!jwks || n == 0 || n == 65536) {
				fprintf(stderr,
				        "dancu oidc client add: cannot read --jwks %s (at most 64 "
				        "KiB)\n",
				        jwks_path);
				free(jwks);
				return 2;
			}
			/* PEM public keys: converted to a JWKS here. */
			if (strstr(jwks, "-----BEGIN PUBLIC KEY-----")) {
				struct dc_buf jb = DC_BUF_INIT;
				if (dc__oidc_pem_jwks(jwks, n, &jb) != DC_OK) {
					fprintf(stderr,
					        "dancu oidc client add: --jwks %s: the PEM holds "
					        "no "
					        "usable public key (EC P-256/384/521 or RSA ≥ 2048 "
					        "bits)\n",
					        jwks_path);
					dc_buf_release(&jb);
					free(jwks);
					return 2;
				}
				free(jwks);
				jwks = strdup(dc_buf_str(&jb));
				dc_buf_release(&jb);
				if (!jwks)
					return 1;
			}
			c.jwks = jwks;
		}
	}
	struct dc_units *u = NULL;
	struct dc_store *s = NULL;
	int exit_code = dc__cli_open(db, pg, &u, &s);
	if (exit_code)
		goto cleanup;
	exit_code = 1;
	if (!strcmp(pos[1], "list")) {
		rc = dc__oidc_client_list(s, print_client, NULL);
	} else {
		char secret[65] = "";
		rc = !strcmp(pos[1], "add") ? dc__oidc_client_add(s, &c, secret)
		                            : dc__oidc_client_disable(s, id);
		if (rc == DC_OK) {
			struct dc_audit_entry e = {
			        "cli",
			        NULL,
			        !strcmp(pos[1], "add") ? "oidc.client.add" : "oidc.client.disable",
			        NULL,
			        NULL,
			        id,
			        NULL};
			rc = dc_audit_append(s, &e, NULL);
		}
		if (rc == DC_OK && !strcmp(pos[1], "add")) {
			printf("client %s registered (%s%s)\n", c.id,
			       c.public_client ? "public, PKCE"
			       : c.jwks        ? "confidential, private_key_jwt"
			                       : "confidential, client_secret_basic",
			       c.require_par ? ", PAR required" : "");
			if (secret[0])
				printf("client secret (shown once): %s\n", secret);
		}
	}
	if (rc) {
		fprintf(stderr, "dancu oidc client %s: %s\n", pos[1],
		        rc == DC_ERR_INVALID
		                ? "bad id, redirect URI (https, or http on loopback) or JWKS "
		                  "(public keys only; not with --public)"
		        : rc == DC_ERR_CONFLICT  ? "a client with this id exists"
		        : rc == DC_ERR_NOT_FOUND ? "no such client"
		                                 : dc_strerror(rc));
		exit_code = rc == DC_ERR_INVALID ? 2 : 1;
		goto cleanup;
	}
	exit_code = 0;
cleanup:
	free(jwks);
	dc_store_close(s);
	dc_units_free(u);
	return exit_code;
}
