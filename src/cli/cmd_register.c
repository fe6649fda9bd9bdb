/*
 * cmd_register.c — register look-ups from the command line: `show`,
 * `history`, `report`, `pin` and `units`.
 */
#include <stdio.h>
#include <string.h>

#include "dancu/pin.h"
#include "dancu/report.h"
#include "dancu/rules.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "cli/cli.h"
#include "core/internal.h"

static int parse_pin_arg(const char *cmd, const char *arg, struct dc_pin *pin)
{
	if (dc_pin_parse(arg, strlen(arg), pin)) {
		fprintf(stderr, "dancu %s: '%s' is not a personal ID number (12 digits)\n", cmd,
		        arg);
		return 2;
	}
	return 0;
}

int dc__cmd_show(int argc, char **argv)
{
	const char *db = NULL, *pg = NULL;
	const struct cli_opt opts[] = {
	        {"db", OPT_STR, &db, 0, 0, "SQLite database file"},
	        {"pg", OPT_STR, &pg, 0, 0, "PostgreSQL conninfo"},
	};
	char *pos[1];
	size_t npos;
	struct dc_pin pin;
	int rc = dc__cli_parse("show", "[OPTIONS] PIN", opts, DC_ARRAY_LEN(opts), argc, argv, pos,
	                       1, &npos);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (npos != 1) {
		fprintf(stderr, "dancu show: name one personal ID number\n");
		return 2;
	}
	if ((rc = parse_pin_arg("show", pos[0], &pin)))
		return rc;
	struct dc_units *u = NULL;
	struct dc_store *s = NULL;
	struct dc_pool pool;
	struct dc_buf out = DC_BUF_INIT;
	struct dc_citizen c;
	int exit_code = 1;
	dc_pool_init(&pool, 0);
	if ((exit_code = dc__cli_open(db, pg, &u, &s)))
		goto cleanup;
	exit_code = 1;
	rc = dc_store_citizen_get(s, &pin, &c, &pool);
	if (rc == DC_ERR_NOT_FOUND) {
		struct dc_pin cur;
		enum dc_identifier_kind kind;
		if (dc_store_identifier_lookup(s, pin.d, &cur, &kind) == DC_OK)
			fprintf(stderr,
			        "dancu show: %s is a former identifier; the citizen's number is "
			        "%s\n",
			        pin.d, cur.d);
		else
			fprintf(stderr, "dancu show: no citizen with number %s\n", pin.d);
		goto cleanup;
	}
	if (rc) {
		fprintf(stderr, "dancu show: %s: %s\n", dc_strerror(rc), dc_store_errmsg(s));
		goto cleanup;
	}
	dc_citizen_json(&c, &out);
	puts(dc_buf_str(&out));
	exit_code = 0;
cleanup:
	dc_buf_release(&out);
	dc_pool_release(&pool);
	dc_store_close(s);
	dc_units_free(u);
	return exit_code;
}

static int print_event(void *arg, const struct dc_event *ev)
{
	struct dc_buf *b = arg;
	dc_buf_reset(b);
	dc_buf_addf(b, "{\"seq\":%lld,\"at_ms\":%lld,\"kind\":\"", (long long)ev->seq,
	            (long long)ev->at_ms);
	dc_buf_add_json_str(b, ev->kind, strlen(ev->kind));
	dc_buf_adds(b, "\",\"actor\":\"");
	dc_buf_add_json_str(b, ev->actor ? ev->actor : "", ev->actor ? strlen(ev->actor) : 0);
	dc_buf_adds(b, "\",\"reason\":\"");
	dc_buf_add_json_str(b, ev->reason ? ev->reason : "", ev->reason ? strlen(ev->reason) : 0);
	dc_buf_addf(b, "\",\"before\":%s,\"after\":%s}",
	            ev->before_json && *ev->before_json ? ev->before_json : "{}",
	            ev->after_json && *ev->after_json ? ev->after_json : "{}");
	puts(dc_buf_str(b));
	return 0;
}

int dc__cmd_history(int argc, char **argv)
{
	const char *db = NULL, *pg = NULL;
	const struct cli_opt opts[] = {
	        {"db", OPT_STR, &db, 0, 0, "SQLite database file"},
	        {"pg", OPT_STR, &pg, 0, 0, "PostgreSQL conninfo"},
	};
	char *pos[1];
	size_t npos;
	struct dc_pin pin;
	int rc = dc__cli_parse("history", "[OPTIONS] PIN", opts, DC_ARRAY_LEN(opts), argc, argv,
	                       pos, 1, &npos);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (npos != 1) {
		fprintf(stderr, "dancu history: name one personal ID number\n");
		return 2;
	}
	if ((rc = parse_pin_arg("history", pos[0], &pin)))
		return rc;
	struct dc_units *u = NULL;
	struct dc_store *s = NULL;
	struct dc_buf b = DC_BUF_INIT;
	int exit_code;
	if ((exit_code = dc__cli_open(db, pg, &u, &s)))
		goto cleanup;
	rc = dc_store_history(s, &pin, print_event, &b);
	if (rc) {
		fprintf(stderr, "dancu history: %s%s%s\n", dc_strerror(rc),
		        rc == DC_ERR_NOT_FOUND ? "" : ": ",
		        rc == DC_ERR_NOT_FOUND ? "" : dc_store_errmsg(s));
		exit_code = 1;
	}
cleanup:
	dc_buf_release(&b);
	dc_store_close(s);
	dc_units_free(u);
	return exit_code;
}

int dc__cmd_report(int argc, char **argv)
{
	const char *db = NULL, *pg = NULL;
	struct dc_date today = dc_date_today();
	const struct cli_opt opts[] = {
	        {"db", OPT_STR, &db, 0, 0, "SQLite database file"},
	        {"pg", OPT_STR, &pg, 0, 0, "PostgreSQL conninfo"},
	        {"today", OPT_DATE, &today, 0, 0, "reference date for age bands"},
	};
	char *pos[1];
	size_t npos;
	int rc = dc__cli_parse("report", "[OPTIONS]", opts, DC_ARRAY_LEN(opts), argc, argv, pos, 0,
	                       &npos);
	if (rc)
		return rc < 0 ? 0 : rc;
	struct dc_units *u = NULL;
	struct dc_store *s = NULL;
	struct dc_buf out = DC_BUF_INIT;
	int exit_code;
	if ((exit_code = dc__cli_open(db, pg, &u, &s)))
		goto cleanup;
	rc = dc_report_summary(s, u, &today, &out);
	if (rc) {
		fprintf(stderr, "dancu report: %s: %s\n", dc_strerror(rc), dc_store_errmsg(s));
		exit_code = 1;
		goto cleanup;
	}
	puts(dc_buf_str(&out));
cleanup:
	dc_buf_release(&out);
	dc_store_close(s);
	dc_units_free(u);
	return exit_code;
}

static int pin_decode(const struct dc_units *u, const char *arg)
{
	struct dc_pin pin;
	struct dc_pin_info info;
	const char *old = NULL;
	if (parse_pin_arg("pin", arg, &pin))
		return 2;
	dc_pin_decode(&pin, u, &info);
	const struct dc_province *p = info.origin == DC_PIN_ORIGIN_PROVINCE
	                                      ? dc_units_pin_prefix(u, info.prefix, &old)
	                                      : NULL;
	printf("{\"pin\":\"%s\",\"prefix\":\"%03d\",\"origin\":\"%s\",\"birth_year\":%d,"
	       "\"sex\":\"%c\"",
	       pin.d, info.prefix,
	       info.origin == DC_PIN_ORIGIN_PROVINCE ? "province"
	       : info.origin == DC_PIN_ORIGIN_ABROAD ? "abroad"
	                                             : "unknown",
	       info.birth_year, info.sex);
	if (p)
		printf(",\"birth_registration_province\":\"%s\",\"province_2025\":\"%s\","
		       "\"province_2025_name\":\"%s\"",
		       old ? old : "", p->code, p->name);
	printf("}\n");
	if (info.origin == DC_PIN_ORIGIN_UNKNOWN)
		fprintf(stderr, "warning: prefix %03d is not a known province or country code\n",
		        info.prefix);
	return 0;
}

int dc__cmd_pin(int argc, char **argv)
{
	const char *db = NULL, *pg = NULL, *sex = NULL;
	uint64_t prefix = 1000, year = 0;
	const struct cli_opt opts[] = {
	        {"db", OPT_STR, &db, 0, 0, "SQLite database file (allocate)"},
	        {"pg", OPT_STR, &pg, 0, 0, "PostgreSQL conninfo (allocate)"},
	        {"prefix", OPT_U64, &prefix, 0, 999,
	         "birth registration prefix, e.g. 1 for 001 (allocate)"},
	        {"year", OPT_U64, &year, 1900, 2399, "birth year (allocate)"},
	        {"sex", OPT_STR, &sex, 0, 0, "M or F (allocate)"},
	};
	char *pos[2];
	size_t npos;
	int rc = dc__cli_parse("pin", "decode PIN | allocate --prefix P --year Y --sex M|F", opts,
	                       DC_ARRAY_LEN(opts), argc, argv, pos, 2, &npos);
	if (rc)
		return rc < 0 ? 0 : rc;
	struct dc_units *u = NULL;
	struct dc_store *s = NULL;
	int exit_code = 2;
	if (dc_units_new(&u)) {
		fprintf(stderr, "dancu pin: out of memory\n");
		return 1;
	}
	if (npos == 2 && !strcmp(pos[0], "decode")) {
		exit_code = pin_decode(u, pos[1]);
	} else if (npos == 1 && !strcmp(pos[0], "allocate")) {
		if (prefix > 999 || !year || !sex || (strcmp(sex, "M") && strcmp(sex, "F"))) {
			fprintf(stderr, "dancu pin allocate: --prefix, --year and --sex M|F are "
			                "required\n");
			goto cleanup;
		}
		if ((exit_code = dc__cli_store(db, pg, u, &s)))
			goto cleanup;
		struct dc_pin pin;
		rc = dc_store_pin_allocate(s, (int)prefix, (int)year,
		                           sex[0] == 'M' ? DC_SEX_MALE : DC_SEX_FEMALE, &pin);
		if (rc) {
			fprintf(stderr, "dancu pin allocate: %s\n", dc_strerror(rc));
			exit_code = 1;
			goto cleanup;
		}
		printf("%s\n", pin.d);
		exit_code = 0;
	} else {
		fprintf(stderr,
		        "usage: dancu pin decode PIN | allocate --prefix P --year Y --sex M|F\n");
	}
cleanup:
	dc_store_close(s);
	dc_units_free(u);
	return exit_code;
}

int dc__cmd_units(int argc, char **argv)
{
	const char *province = NULL;
	const struct cli_opt opts[] = {
	        {"province", OPT_STR, &province, 0, 0,
	         "restrict a commune search to this province (code or name)"},
	};
	char *pos[2];
	size_t npos;
	int rc = dc__cli_parse("units", "province CODE|NAME | commune CODE|NAME [--province P]",
	                       opts, DC_ARRAY_LEN(opts), argc, argv, pos, 2, &npos);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (npos != 2 || (strcmp(pos[0], "province") && strcmp(pos[0], "commune"))) {
		fprintf(stderr, "usage: dancu units province CODE|NAME | commune CODE|NAME\n");
		return 2;
	}
	struct dc_units *u = NULL;
	if (dc_units_new(&u)) {
		fprintf(stderr, "dancu units: out of memory\n");
		return 1;
	}
	int exit_code = 1;
	const char *q = pos[1];
	size_t qn = strlen(q);
	if (!strcmp(pos[0], "province")) {
		const struct dc_province *p = dc_units_province(u, q, qn);
		if (!p)
			p = dc_units_province_by_name(u, q, qn);
		if (p) {
			printf("%s\t%s\t%s\t%zu communes\n", p->code, p->name, p->name_en,
			       p->ncommunes);
			exit_code = 0;
		} else {
			fprintf(stderr, "dancu units: no province '%s'\n", q);
		}
	} else {
		const struct dc_province *p = NULL;
		if (province) {
			p = dc_units_province(u, province, strlen(province));
			if (!p)
				p = dc_units_province_by_name(u, province, strlen(province));
			if (!p) {
				fprintf(stderr, "dancu units: no province '%s'\n", province);
				goto cleanup;
			}
		}
		const struct dc_commune *c = dc_units_commune(u, q, qn);
		const struct dc_commune *found[20];
		size_t n = 0;
		if (c) {
			found[0] = c;
			n = 1;
		} else {
			n = dc_units_commune_by_name(u, p, q, qn, found, DC_ARRAY_LEN(found));
		}
		for (size_t i = 0; i < n && i < DC_ARRAY_LEN(found); i++) {
			const struct dc_province *cp =
			        dc_units_province(u, found[i]->province_code, 2);
			printf("%s\t%s\t%s\t%s\n", found[i]->code, found[i]->name,
			       found[i]->province_code, cp ? cp->name : "");
		}
		if (n == 0)
			fprintf(stderr, "dancu units: no commune '%s'\n", q);
		exit_code = n ? 0 : 1;
	}
cleanup:
	dc_units_free(u);
	return exit_code;
}

int dc__cmd_rules(int argc, char **argv)
{
	int markdown = 0;
	const struct cli_opt opts[] = {
	        {"markdown", OPT_FLAG, &markdown, 0, 0,
	         "print the table as Markdown (docs/DATA-QUALITY.md)"},
	};
	char *pos[1];
	size_t npos;
	int rc = dc__cli_parse("rules", "[--markdown]", opts, DC_ARRAY_LEN(opts), argc, argv, pos,
	                       0, &npos);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (markdown) {
		printf("| code | severity | dimension | message (vi) | message (en) |\n");
		printf("|---|---|---|---|---|\n");
	}
	for (int i = 0; i < DC_RULE_COUNT; i++) {
		const struct dc_rule *r = dc_rule_get((enum dc_rule_id)i);
		const char *sev = r->severity == DC_RULE_ERROR ? "error" : "warning";
		if (markdown)
			printf("| `%s` | %s | %s | %s | %s |\n", r->code, sev, r->dimension,
			       r->message_vi, r->message_en);
		else
			printf("%s\t%s\t%s\t%s\n", r->code, sev, r->dimension, r->message_en);
	}
	return 0;
}
