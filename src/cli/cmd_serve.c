/*
 * cmd_serve.c — `dancu serve`: settings from the environment, overridden by
 * flags named after the settings (--max-body or --max_body), then the
 * server.
 */
#include <stdio.h>
#include <string.h>

#include "dancu/server.h"
#include "dancu/units.h"

#include "cli/cli.h"
#include "core/internal.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: dancu serve [--SETTING VALUE]...\n\nsettings (flag, default, "
	           "environment variable in docs/OPERATIONS.md):\n");
	for (size_t i = 0; i < dc_settings_count(); i++) {
		char flag[64];
		snprintf(flag, sizeof flag, "%s", dc_settings_name(i));
		for (char *p = flag; *p; p++)
			*p = *p == '_' ? '-' : *p;
		fprintf(f, "  --%-12s %s (default \"%s\")\n", flag, dc_settings_help(i),
		        dc_settings_default(i));
	}
}

int dc__cmd_serve(int argc, char **argv)
{
	struct dc_settings s;
	char err[256];
	if (dc_settings_load(&s, err, sizeof err)) {
		fprintf(stderr, "dancu serve: %s (from the environment)\n", err);
		return 2;
	}
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
		if (strncmp(argv[i], "--", 2) != 0) {
			fprintf(stderr, "dancu serve: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
		char name[64];
		const char *eq = strchr(argv[i], '=');
		size_t n = eq ? (size_t)(eq - argv[i] - 2) : strlen(argv[i] + 2);
		if (n == 0 || n >= sizeof name) {
			fprintf(stderr, "dancu serve: bad option '%s'\n", argv[i]);
			return 2;
		}
		memcpy(name, argv[i] + 2, n);
		name[n] = '\0';
		for (char *p = name; *p; p++)
			*p = *p == '-' ? '_' : *p;
		const char *value = eq ? eq + 1 : NULL;
		if (!value) {
			if (i + 1 >= argc) {
				fprintf(stderr, "dancu serve: --%s needs a value\n", argv[i] + 2);
				return 2;
			}
			value = argv[++i];
		}
		if (dc_settings_set(&s, name, value, err, sizeof err)) {
			fprintf(stderr, "dancu serve: %s (see --help)\n", err);
			return 2;
		}
	}
	struct dc_units *u = NULL;
	if (dc_units_new(&u)) {
		fprintf(stderr, "dancu serve: out of memory\n");
		return 1;
	}
	int rc = dc_server_run(&s, u);
	dc_units_free(u);
	return rc ? 1 : 0;
}
