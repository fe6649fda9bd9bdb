/*
 * cmd_gen.c — `dancu gen`: write a synthetic population as CSV or JSON
 * Lines, with an optional ground-truth file of injected errors and
 * near-duplicates.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dancu/csv.h"
#include "dancu/gen.h"
#include "dancu/units.h"

#include "cli/cli.h"
#include "core/internal.h"

static void row_csv(const struct dc_citizen *c, struct dc_buf *out, struct dc_buf *tmp)
{
	for (size_t i = 0; i < dc_citizen_ncolumns(); i++) {
		if (i)
			dc_buf_addc(out, ',');
		dc_buf_reset(tmp);
		dc_citizen_get(c, i, tmp);
		dc_csv_add_field(out, dc_buf_str(tmp), tmp->len);
	}
	dc_buf_addc(out, '\n');
}

static void row_jsonl(const struct dc_citizen *c, struct dc_buf *out, struct dc_buf *tmp)
{
	int first = 1;
	dc_buf_addc(out, '{');
	for (size_t i = 0; i < dc_citizen_ncolumns(); i++) {
		dc_buf_reset(tmp);
		dc_citizen_get(c, i, tmp);
		if (tmp->len == 0)
			continue;
		dc_buf_addf(out, "%s\"%s\":\"", first ? "" : ",", dc_citizen_column(i));
		dc_buf_add_json_str(out, dc_buf_str(tmp), tmp->len);
		dc_buf_addc(out, '"');
		first = 0;
	}
	dc_buf_adds(out, "}\n");
}

static int flush(FILE *f, struct dc_buf *b)
{
	if (b->len && fwrite(b->ptr, 1, b->len, f) != b->len)
		return DC_ERR_IO;
	dc_buf_reset(b);
	return DC_OK;
}

int dc__cmd_gen(int argc, char **argv)
{
	uint64_t count = 1000, seed = 1;
	double errors = 0, dups = 0;
	const char *out_path = NULL, *truth_path = NULL, *format = "csv";
	struct dc_date today = {2026, 1, 1};
	const struct cli_opt opts[] = {
	        {"count", OPT_U64, &count, 0, 200000000, "people to generate (default 1000)"},
	        {"seed", OPT_U64, &seed, 0, 1e18,
	         "random seed; the same seed gives the same output (default 1)"},
	        {"errors", OPT_DOUBLE, &errors, 0, 1,
	         "fraction of rows with one injected error (default 0)"},
	        {"dups", OPT_DOUBLE, &dups, 0, 0.5, "fraction of near-duplicate rows (default 0)"},
	        {"truth", OPT_STR, &truth_path, 0, 0,
	         "write the ground truth (line,pin,rule,dup_of,variant) as CSV here"},
	        {"format", OPT_STR, &format, 0, 0, "csv (default) or jsonl"},
	        {"out", OPT_STR, &out_path, 0, 0, "output file (default: standard output)"},
	        {"today", OPT_DATE, &today, 0, 0,
	         "reference date for ages (default 2026-01-01, for reproducibility)"},
	};
	char *pos[1];
	size_t npos;
	int rc = dc__cli_parse("gen", "[OPTIONS]", opts, DC_ARRAY_LEN(opts), argc, argv, pos, 0,
	                       &npos);
	if (rc)
		return rc < 0 ? 0 : rc;
	int jsonl = !strcmp(format, "jsonl");
	if (!jsonl && strcmp(format, "csv")) {
		fprintf(stderr, "dancu gen: --format must be csv or jsonl\n");
		return 2;
	}
	struct dc_units *u = NULL;
	struct dc_gen *g = NULL;
	FILE *out = stdout, *truth = NULL;
	struct dc_buf buf = DC_BUF_INIT, tmp = DC_BUF_INIT, tb = DC_BUF_INIT;
	struct dc_pool pool;
	dc_pool_init(&pool, 0);
	int exit_code = 1;
	struct dc_gen_opts go = {seed, count, errors, dups, today};
	if ((rc = dc_units_new(&u)) || (rc = dc_gen_new(u, &go, &g))) {
		fprintf(stderr, "dancu gen: %s\n", dc_strerror(rc));
		goto cleanup;
	}
	if (out_path && !(out = fopen(out_path, "w"))) {
		fprintf(stderr, "dancu gen: cannot write %s: %s\n", out_path, strerror(errno));
		out = NULL;
		goto cleanup;
	}
	if (truth_path && !(truth = fopen(truth_path, "w"))) {
		fprintf(stderr, "dancu gen: cannot write %s: %s\n", truth_path, strerror(errno));
		goto cleanup;
	}
	if (truth)
		fputs("line,pin,rule,dup_of,variant\n", truth);
	uint64_t line = 1;
	if (!jsonl) {
		for (size_t i = 0; i < dc_citizen_ncolumns(); i++)
			dc_buf_addf(&buf, "%s%s", i ? "," : "", dc_citizen_column(i));
		dc_buf_addc(&buf, '\n');
	} else {
		line = 0;
	}
	for (;;) {
		struct dc_citizen c;
		struct dc_gen_truth t;
		dc_pool_clear(&pool);
		rc = dc_gen_next(g, &c, &t, &pool);
		if (rc == 1)
			break;
		if (rc < 0) {
			fprintf(stderr, "dancu gen: %s\n", dc_strerror(rc));
			goto cleanup;
		}
		line++;
		if (jsonl)
			row_jsonl(&c, &buf, &tmp);
		else
			row_csv(&c, &buf, &tmp);
		if (truth && (t.rule || t.dup_of)) {
			dc_buf_reset(&tb);
			dc_buf_addf(&tb, "%llu,%s,%s,%s,%s\n", (unsigned long long)line, c.pin.d,
			            t.rule ? t.rule : "", t.dup_of ? t.dup_of : "",
			            t.variant ? t.variant : "");
			fputs(dc_buf_str(&tb), truth);
		}
		if (buf.len > (1u << 20) && flush(out, &buf))
			break;
	}
	if (dc_buf_error(&buf) || flush(out, &buf) || fflush(out) || (truth && fflush(truth))) {
		fprintf(stderr, "dancu gen: write failed: %s\n", strerror(errno));
		goto cleanup;
	}
	exit_code = 0;
cleanup:
	if (out && out != stdout)
		fclose(out);
	if (truth)
		fclose(truth);
	dc_gen_free(g);
	dc_units_free(u);
	dc_buf_release(&buf);
	dc_buf_release(&tmp);
	dc_buf_release(&tb);
	dc_pool_release(&pool);
	return exit_code;
}
