/*
 * cli.h — shared pieces of the `dancu` command-line tool: the option-table
 * parser every subcommand uses, and opening the store a command names.
 *
 * Exit codes: 0 success, 1 the operation failed or rejected data, 2 usage
 * error (bad flag or argument).
 */
#ifndef DANCU_CLI_H
#define DANCU_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "dancu/date.h"

struct dc_store;
struct dc_units;

enum cli_opt_type { OPT_STR, OPT_U64, OPT_DOUBLE, OPT_FLAG, OPT_DATE };

struct cli_opt {
	const char *name; /* long name without "--" */
	enum cli_opt_type type;
	void *dest;      /* const char **, uint64_t *, double *, int *, struct dc_date * */
	double min, max; /* range for numbers */
	const char *help;
};

/* Parses argv (after the subcommand name) against opts; positional arguments
 * are collected into pos (up to maxpos). Prints a message and returns 2 on a
 * usage error, 0 otherwise; "--help" prints usage and returns -1. */
int dc__cli_parse(const char *cmd, const char *usage, const struct cli_opt *opts, size_t nopts,
                  int argc, char **argv, char **pos, size_t maxpos, size_t *npos);

/* dc__cli_parse for a command whose one positional argument is a verb from
 * verbs (NULL-terminated): *verb points into argv. Returns 0, 2 after
 * printing the usage when the verb is missing or unknown, or -1 after
 * --help (the caller exits 0). */
int dc__cli_verb(const char *cmd, const char *usage, const struct cli_opt *opts, size_t nopts,
                 int argc, char **argv, const char *const *verbs, const char **verb);

/* Opens the store named by --db / --pg or the DANCU_DB / DANCU_PG
 * environment variables (default: dancu.db). Prints the reason and returns
 * non-zero on failure. */
int dc__cli_store(const char *db, const char *pg, const struct dc_units *u, struct dc_store **out);

/* Builds the reference tables and opens the store (both caller-owned);
 * prints the reason and returns an exit code on failure. */
int dc__cli_open(const char *db, const char *pg, struct dc_units **u, struct dc_store **s);

int dc__cmd_gen(int argc, char **argv);
int dc__cmd_import(int argc, char **argv);
int dc__cmd_show(int argc, char **argv);
int dc__cmd_history(int argc, char **argv);
int dc__cmd_report(int argc, char **argv);
int dc__cmd_stats(int argc, char **argv); /* cmd_stats.c */
int dc__cmd_pin(int argc, char **argv);
int dc__cmd_units(int argc, char **argv);
int dc__cmd_rules(int argc, char **argv);
int dc__cmd_serve(int argc, char **argv);
int dc__cmd_officer(int argc, char **argv);
int dc__cmd_eid(int argc, char **argv);
int dc__cmd_oidc(int argc, char **argv);
int dc__cmd_audit(int argc, char **argv);
int dc__cmd_backup(int argc, char **argv);
int dc__cmd_restore(int argc, char **argv);
int dc__cmd_org(int argc, char **argv);
int dc__cmd_verify_batch(int argc, char **argv);

/* "cli:<user>" (SUDO_USER or USER): the actor of CLI actions in the audit log. */
void dc__cli_actor(char *out, size_t n);
int dc__cmd_card(int argc, char **argv);
int dc__cmd_agency(int argc, char **argv);
int dc__cmd_pki(int argc, char **argv);
/* `dancu card verify --chip` (cmd_chip.c): returns the exit code. */
int dc__card_verify_chip(struct dc_store *s, const struct dc_units *u, int64_t id, const char *pki,
                         const char *trust, const char *reader, const char *mrz, const char *dump,
                         const char *aa_challenge, const char *can, const struct dc_date *today);
/* `dancu card chip-serve` (cmd_chip.c): card id's chip on a vsmartcard vpcd. */
int dc__card_chip_serve(struct dc_store *s, const struct dc_units *u, int64_t id, const char *pki,
                        const char *vpcd);

#endif
