/*
 * main.c — the `dancu` command: dispatch from a static table of
 * subcommands, and the option parser they share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/store.h"
#include "dancu/units.h"

#include "cli/cli.h"
#include "core/internal.h"

#define DANCU_VERSION "0.1.0"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static int cmd_version(int argc, char **argv)
{
	printf("dancu %s\n", DANCU_VERSION);
	return 0;
}

static const struct command commands[] = {
        {"serve", dc__cmd_serve, "run the HTTP API server"},
        {"officer", dc__cmd_officer, "add, list, disable or enable officer accounts"},
        {"eid", dc__cmd_eid, "register, approve, activate, lock or show e-ID accounts"},
        {"oidc", dc__cmd_oidc, "register OpenID Connect clients, rotate signing keys"},
        {"audit", dc__cmd_audit, "verify the audit log's hash chain"},
        {"backup", dc__cmd_backup, "online backup of a SQLite register to a new file"},
        {"restore", dc__cmd_restore, "check a backup and install it as a new register"},
        {"org", dc__cmd_org, "relying-party organisations: onboarding, policy, API keys, usage"},
        {"verify-batch", dc__cmd_verify_batch,
         "verify a CSV of claimed identities for an organisation (result CSV + summary)"},
        {"agency", dc__cmd_agency, "connected agencies: subscriptions, API keys, webhooks"},
        {"card", dc__cmd_card, "identity cards: apply, produce, MRZ/QR, verify, check-in"},
        {"pki", dc__cmd_pki, "card PKI: CSCA, Document Signers, CRL, trust list"},
        {"gen", dc__cmd_gen, "generate a synthetic population (CSV or JSON Lines)"},
        {"import", dc__cmd_import,
         "import citizens from CSV or JSON Lines through the quality gate"},
        {"show", dc__cmd_show, "show one citizen by personal ID number (JSON)"},
        {"history", dc__cmd_history, "list the change events of one citizen"},
        {"report", dc__cmd_report, "summarise the register (JSON)"},
        {"stats", dc__cmd_stats, "dashboard figures; check or rebuild their counters"},
        {"pin", dc__cmd_pin, "decode or allocate personal ID numbers"},
        {"units", dc__cmd_units, "look up provinces and communes by code or name"},
        {"rules", dc__cmd_rules, "list the data-quality rules with their stable codes"},
        {"version", cmd_version, "print the version"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: dancu COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < DC_ARRAY_LEN(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'dancu COMMAND --help' describes a command's options.\n");
}

static void print_opts(FILE *f, const char *cmd, const char *use, const struct cli_opt *opts,
                       size_t n)
{
	fprintf(f, "usage: dancu %s %s\n\noptions:\n", cmd, use);
	for (size_t i = 0; i < n; i++) {
		const char *arg = opts[i].type == OPT_FLAG     ? ""
		                  : opts[i].type == OPT_STR    ? " TEXT"
		                  : opts[i].type == OPT_DATE   ? " YYYY-MM-DD"
		                  : opts[i].type == OPT_DOUBLE ? " NUMBER"
		                                               : " N";
		fprintf(f, "  --%s%s\n      %s\n", opts[i].name, arg, opts[i].help);
	}
}

int dc__cli_parse(const char *cmd, const char *use, const struct cli_opt *opts, size_t nopts,
                  int argc, char **argv, char **pos, size_t maxpos, size_t *npos)
{
	*npos = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			print_opts(stdout, cmd, use, opts, nopts);
			return -1;
		}
		if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
			if (*npos >= maxpos) {
				fprintf(stderr, "dancu %s: unexpected argument '%s'\n", cmd, a);
				return 2;
			}
			pos[(*npos)++] = argv[i];
			continue;
		}
		const char *name = a + 2;
		const char *eq = strchr(name, '=');
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		const struct cli_opt *o = NULL;
		for (size_t k = 0; k < nopts; k++)
			if (strlen(opts[k].name) == nlen && !strncmp(opts[k].name, name, nlen))
				o = &opts[k];
		if (!o) {
			fprintf(stderr, "dancu %s: unknown option '--%.*s' (see --help)\n", cmd,
			        (int)nlen, name);
			return 2;
		}
		if (o->type == OPT_FLAG) {
			if (eq) {
				fprintf(stderr, "dancu %s: --%s takes no value\n", cmd, o->name);
				return 2;
			}
			*(int *)o->dest = 1;
			continue;
		}
		const char *v = eq ? eq + 1 : NULL;
		if (!v) {
			if (i + 1 >= argc) {
				fprintf(stderr, "dancu %s: --%s needs a value\n", cmd, o->name);
				return 2;
			}
			v = argv[++i];
		}
		switch (o->type) {
		case OPT_STR:
			*(const char **)o->dest = v;
			break;
		case OPT_U64: {
			unsigned long long x;
			if (dc_parse_uint(v, strlen(v), (unsigned long long)o->max, &x) ||
			    (double)x < o->min) {
				fprintf(stderr,
				        "dancu %s: --%s must be a whole number from %.0f to %.0f\n",
				        cmd, o->name, o->min, o->max);
				return 2;
			}
			*(uint64_t *)o->dest = x;
			break;
		}
		case OPT_DOUBLE: {
			char *end;
			double x = strtod(v, &end);
			if (*v == '\0' || *end != '\0' || !(x >= o->min && x <= o->max)) {
				fprintf(stderr, "dancu %s: --%s must be a number from %g to %g\n",
				        cmd, o->name, o->min, o->max);
				return 2;
			}
			*(double *)o->dest = x;
			break;
		}
		case OPT_DATE:
			if (dc_date_parse(v, strlen(v), (struct dc_date *)o->dest) ||
			    dc_date_precision((struct dc_date *)o->dest) != DC_DATE_DAY) {
				fprintf(stderr, "dancu %s: --%s must be a date YYYY-MM-DD\n", cmd,
				        o->name);
				return 2;
			}
			break;
		case OPT_FLAG:
			break;
		}
	}
	return 0;
}

int dc__cli_store(const char *db, const char *pg, const struct dc_units *u, struct dc_store **out)
{
	char err[512] = "";
	if (!db && !pg) {
		pg = getenv("DANCU_PG");
		db = getenv("DANCU_DB");
		if (pg && !*pg)
			pg = NULL;
	}
	if (db && pg) {
		fprintf(stderr, "dancu: give either --db or --pg, not both\n");
		return 2;
	}
	const char *target = pg ? pg : db ? db : "dancu.db";
	int rc = dc_store_open(target, u, out, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "dancu: cannot open the store %s: %s%s%s\n",
		        pg ? "(PostgreSQL)" : target, dc_strerror(rc), err[0] ? ": " : "", err);
		return 1;
	}
	return 0;
}

int dc__cli_open(const char *db, const char *pg, struct dc_units **u, struct dc_store **s)
{
	int rc = dc_units_new(u);
	if (rc) {
		fprintf(stderr, "dancu: %s\n", dc_strerror(rc));
		return 1;
	}
	return dc__cli_store(db, pg, *u, s);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(0, NULL);
	for (size_t i = 0; i < DC_ARRAY_LEN(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 2, argv + 2);
	fprintf(stderr, "dancu: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
int dc__cli_verb(const char *cmd, const char *usage, const struct cli_opt *opts, size_t nopts,
                 int argc, char **argv, const char *const *verbs, const char **verb)
{
	char *pos[1];
	size_t npos;
	int rc = dc__cli_parse(cmd, usage, opts, nopts, argc, argv, pos, 1, &npos);
	if (rc)
		return rc;
	for (size_t i = 0; npos == 1 && verbs[i]; i++)
		if (!strcmp(pos[0], verbs[i])) {
			*verb = pos[0];
			return 0;
		}
	fprintf(stderr, "usage: dancu %s %s (see --help)\n", cmd, usage);
	return 2;
}
