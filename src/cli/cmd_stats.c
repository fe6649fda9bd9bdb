/*
 * cmd_stats.c — `dancu stats`: the dashboard's figures and their counters
 * for operators (dancu/stats.h).
 *
 *   dancu stats show [--area CODE] [--section NAME [--csv]]
 *   dancu stats check     compare every counter with a count; exit 1 and
 *                         one line per drifted counter row
 *   dancu stats rebuild   recompute the counters (one transaction)
 */
#include <stdio.h>
#include <string.h>

#include "dancu/buf.h"
#include "dancu/core.h"
#include "dancu/stats.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "cli/cli.h"
#include "core/internal.h"

int dc__cmd_stats(int argc, char **argv)
{
	const char *db = NULL, *pg = NULL, *area = NULL, *section = NULL;
	int csv = 0;
	const struct cli_opt opts[] = {
	        {"db", OPT_STR, &db, 0, 0, "SQLite database file"},
	        {"pg", OPT_STR, &pg, 0, 0, "PostgreSQL conninfo"},
	        {"area", OPT_STR, &area, 0, 0, "show: a province (2 digits) or commune (5)"},
	        {"section", OPT_STR, &section, 0, 0, "show: one section"},
	        {"csv", OPT_FLAG, &csv, 0, 0, "show: one section as CSV"},
	};
	char *pos[1];
	size_t npos = 0;
	int rc = dc__cli_parse("stats", "show|check|rebuild [OPTIONS]", opts, DC_ARRAY_LEN(opts),
	                       argc, argv, pos, 1, &npos);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (npos != 1 ||
	    (strcmp(pos[0], "show") && strcmp(pos[0], "check") && strcmp(pos[0], "rebuild"))) {
		fprintf(stderr, "dancu stats: say show, check or rebuild\n");
		return 2;
	}
	if (section && !dc_stats_section_valid(section)) {
		fprintf(stderr, "dancu stats: no such section: %s\n", section);
		return 2;
	}
	if (csv && !section) {
		fprintf(stderr, "dancu stats: --csv needs --section\n");
		return 2;
	}
	struct dc_units *u = NULL;
	struct dc_store *s = NULL;
	struct dc_buf out = DC_BUF_INIT;
	int64_t drifted = 0;
	int exit_code;
	if ((exit_code = dc__cli_open(db, pg, &u, &s)))
		goto cleanup;
	if (!strcmp(pos[0], "show"))
		rc = dc_stats_write(s, u, area, section, csv, &out);
	else if (!strcmp(pos[0], "check"))
		rc = dc_stats_check(s, &out, &drifted);
	else
		rc = dc_stats_rebuild(s);
	if (rc == DC_ERR_INVALID && area) {
		fprintf(stderr, "dancu stats: no such province or commune: %s\n", area);
		exit_code = 2;
	} else if (rc) {
		fprintf(stderr, "dancu stats: %s: %s\n", dc_strerror(rc), dc_store_errmsg(s));
		exit_code = 1;
	} else if (!strcmp(pos[0], "check")) {
		fputs(dc_buf_str(&out), stdout);
		printf("%lld counter rows drifted\n", (long long)drifted);
		exit_code = drifted ? 1 : 0;
	} else if (!strcmp(pos[0], "show")) {
		fputs(dc_buf_str(&out), stdout);
		if (!csv)
			putchar('\n');
	}
cleanup:
	dc_buf_release(&out);
	dc_store_close(s);
	dc_units_free(u);
	return exit_code;
}
