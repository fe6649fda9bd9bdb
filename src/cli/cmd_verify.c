/*
 * cmd_verify.c — `dancu verify-batch IN.csv --out OUT.csv --org ID
 * --purpose P`: batch verification for an organisation, from the command
 * line (see docs/VERIFICATION.md for the formats). The summary (JSON) goes
 * to standard output, or to --summary FILE. The organisation's policy and
 * quota apply as over the API; every row is audited with the organisation,
 * the purpose and the operating-system user as the actor.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dancu/store.h"
#include "dancu/units.h"
#include "dancu/verify.h"

#include "cli/cli.h"
#include "core/internal.h"

int dc__cmd_verify_batch(int argc, char **argv)
{
	const char *db = NULL, *pg = NULL, *out_path = NULL, *org_id = NULL, *purpose = NULL,
	           *summary_path = NULL;
	uint64_t chunk = 0;
	const struct cli_opt opts[] = {
	        {"db", OPT_STR, &db, 0, 0, "SQLite database file"},
	        {"pg", OPT_STR, &pg, 0, 0, "PostgreSQL conninfo"},
	        {"out", OPT_STR, &out_path, 0, 0, "result CSV (required; '-' = standard output)"},
	        {"org", OPT_STR, &org_id, 0, 0, "organisation the batch runs for (required)"},
	        {"purpose", OPT_STR, &purpose, 0, 0,
	         "purpose code, allowed by the organisation's policy (default: the first one it "
	         "has)"},
	        {"summary", OPT_STR, &summary_path, 0, 0, "write the summary JSON here"},
	        {"chunk", OPT_U64, &chunk, 1, 1000000, "rows per chunk (default 16384)"},
	};
	char *pos[1];
	size_t npos;
	int rc = dc__cli_parse("verify-batch", "IN.csv --out OUT.csv --org ID [--purpose P]", opts,
	                       DC_ARRAY_LEN(opts), argc, argv, pos, 1, &npos);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (npos != 1 || !out_path || !org_id) {
		fprintf(stderr,
		        "usage: dancu verify-batch IN.csv --out OUT.csv --org ID [--purpose P]\n");
		return 2;
	}
	struct dc_units *u = NULL;
	struct dc_store *s = NULL;
	struct dc_org org;
	struct dc_verify_summary sum;
	struct dc_buf js = DC_BUF_INIT;
	char actor[96], detail[256];
	int in = -1, out = -1, exit_code;
	memset(&sum, 0, sizeof sum);
	if ((exit_code = dc__cli_open(db, pg, &u, &s)))
		goto cleanup;
	exit_code = 1;
	if ((rc = dc_org_get(s, org_id, &org))) {
		fprintf(stderr, "dancu verify-batch: %s\n",
		        rc == DC_ERR_NOT_FOUND ? "no such organisation" : dc_strerror(rc));
		goto cleanup;
	}
	if (!purpose)
		for (int i = 0; i < DC_VP__COUNT && !purpose; i++)
			if (org.purposes & (1u << i))
				purpose = dc_vpurpose_code(i);
	if ((in = open(pos[0], O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "dancu verify-batch: cannot read %s: %s\n", pos[0],
		        strerror(errno));
		goto cleanup;
	}
	out = strcmp(out_path, "-") ? open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)
	                            : dup(1);
	if (out < 0) {
		fprintf(stderr, "dancu verify-batch: cannot write %s: %s\n", out_path,
		        strerror(errno));
		goto cleanup;
	}
	dc__cli_actor(actor, sizeof actor);
	struct dc_verify_batch b = {&org, purpose, actor, NULL, in,   out,
	                            0,    0,       0,     NULL, NULL, (size_t)chunk};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = dc_verify_batch_run(s, u, &b, &sum, detail, sizeof detail);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (rc) {
		fprintf(stderr, "dancu verify-batch: %s%s%s (%llu rows done)\n", dc_strerror(rc),
		        detail[0] ? ": " : "", detail, (unsigned long long)sum.rows);
		exit_code = rc == DC_ERR_INVALID || rc == DC_ERR_FORBIDDEN ? 2 : 1;
		goto cleanup;
	}
	dc_verify_summary_json(&sum, &js);
	dc_buf_addc(&js, '\n');
	FILE *f = summary_path ? fopen(summary_path, "w") : stdout;
	if (!f || fputs(dc_buf_str(&js), f) < 0 || (summary_path && fclose(f))) {
		fprintf(stderr, "dancu verify-batch: cannot write the summary\n");
		goto cleanup;
	}
	fprintf(stderr, "dancu verify-batch: %llu rows (%llu bad) in %.2f s, %.0f rows/s\n",
	        (unsigned long long)sum.rows, (unsigned long long)sum.bad_rows, secs,
	        secs > 0 ? (double)(sum.rows + sum.bad_rows) / secs : 0.0);
	exit_code = 0;
cleanup:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) && exit_code == 0) {
		fprintf(stderr, "dancu verify-batch: cannot write %s\n", out_path);
		exit_code = 1;
	}
	dc_buf_release(&js);
	dc_store_close(s);
	dc_units_free(u);
	return exit_code;
}
