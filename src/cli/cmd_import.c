/*
 * cmd_import.c — `dancu import FILE`: import citizens through the quality
 * gate, with a progress bar on a terminal and a validation report.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dancu/import.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "cli/cli.h"
#include "core/internal.h"

int dc__cmd_import(int argc, char **argv)
{
	const char *db = NULL, *pg = NULL, *report_path = NULL, *actor = "import", *format = NULL;
	int partial = 0, quiet = 0, warnings = 0;
	struct dc_date today = dc_date_today();
	const struct cli_opt opts[] = {
	        {"db", OPT_STR, &db, 0, 0, "SQLite database file (default: $DANCU_DB or dancu.db)"},
	        {"pg", OPT_STR, &pg, 0, 0, "PostgreSQL conninfo instead of SQLite (or $DANCU_PG)"},
	        {"partial", OPT_FLAG, &partial, 0, 0,
	         "import the valid rows even if some are rejected"},
	        {"report", OPT_STR, &report_path, 0, 0,
	         "write rejected rows (JSON Lines) to this file ('-' = stdout)"},
	        {"warnings", OPT_FLAG, &warnings, 0, 0,
	         "also list rows with warnings in the report"},
	        {"actor", OPT_STR, &actor, 0, 0,
	         "who is importing, recorded in the event (default: import)"},
	        {"format", OPT_STR, &format, 0, 0, "csv or jsonl (default: from the file name)"},
	        {"today", OPT_DATE, &today, 0, 0,
	         "reference date for the rules (default: today in Vietnam)"},
	        {"quiet", OPT_FLAG, &quiet, 0, 0, "no progress bar"},
	};
	char *pos[1];
	size_t npos;
	int rc = dc__cli_parse("import", "[OPTIONS] FILE", opts, DC_ARRAY_LEN(opts), argc, argv,
	                       pos, 1, &npos);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (npos != 1) {
		fprintf(stderr, "dancu import: name one FILE to import ('-' for standard input)\n");
		return 2;
	}
	struct dc_import_opts io = {0};
	io.path = pos[0];
	io.partial = partial;
	io.actor = actor;
	io.today = today;
	io.report_warnings = warnings;
	if (format) {
		if (!strcmp(format, "csv"))
			io.format = DC_IMPORT_CSV;
		else if (!strcmp(format, "jsonl"))
			io.format = DC_IMPORT_JSONL;
		else {
			fprintf(stderr, "dancu import: --format must be csv or jsonl\n");
			return 2;
		}
	}
	struct dc_units *u = NULL;
	struct dc_store *s = NULL;
	FILE *report = NULL;
	int exit_code = 1;
	struct dc_import_result res;
	if ((exit_code = dc__cli_open(db, pg, &u, &s)))
		goto cleanup;
	exit_code = 1;
	if (report_path) {
		report = !strcmp(report_path, "-") ? stdout : fopen(report_path, "w");
		if (!report) {
			fprintf(stderr, "dancu import: cannot write %s: %s\n", report_path,
			        strerror(errno));
			goto cleanup;
		}
	}
	io.report = report;
	io.progress = !quiet && isatty(2) ? stderr : NULL;
	rc = dc_import(s, u, &io, &res);
	if (rc == DC_ERR_INVALID || rc == DC_ERR_IO) {
		fprintf(stderr, "dancu import: %s\n", res.error);
		goto cleanup;
	}
	fprintf(stderr,
	        "%s: %llu rows, %llu imported, %llu unchanged, %llu rejected, %llu with warnings, "
	        "%.2f s (%.0f rows/s)\n",
	        io.path, (unsigned long long)res.rows, (unsigned long long)res.inserted,
	        (unsigned long long)res.unchanged, (unsigned long long)res.rejected,
	        (unsigned long long)res.warnings, res.seconds,
	        res.seconds > 0 ? (double)res.rows / res.seconds : 0.0);
	for (int i = 0; i < DC_RULE_COUNT; i++)
		if (res.rule_hits[i]) {
			const struct dc_rule *r = dc_rule_get((enum dc_rule_id)i);
			fprintf(stderr, "  %-28s %-7s %8llu  %s\n", r->code,
			        r->severity == DC_RULE_ERROR ? "error" : "warning",
			        (unsigned long long)res.rule_hits[i], r->message_en);
		}
	if (rc == DC_ERR_RULE) {
		fprintf(stderr,
		        "dancu import: %llu rows rejected; nothing was imported (all or nothing). "
		        "Fix them, or use --partial to import the valid rows.%s\n",
		        (unsigned long long)res.rejected,
		        report_path ? "" : " --report FILE lists each rejected row.");
		goto cleanup;
	}
	if (rc) {
		fprintf(stderr, "dancu import: failed, nothing was imported: %s\n", res.error);
		goto cleanup;
	}
	exit_code = res.rejected ? 3 : 0; /* 3: partly imported */
	if (res.rejected)
		fprintf(stderr,
		        "dancu import: %llu rows rejected (--partial: the others were imported)\n",
		        (unsigned long long)res.rejected);
cleanup:
	if (report && report != stdout)
		fclose(report);
	dc_store_close(s);
	dc_units_free(u);
	return exit_code;
}
