/*
 * settings.c — the server's settings table: defaults, environment,
 * command-line overrides, each checked against its range once at start-up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/server.h"

#include "core/internal.h"

enum kind { S, U };

struct setting {
	const char *name;
	enum kind kind;
	const char *def;
	unsigned long long min, max;
	const char *env;
	const char *help;
	size_t offset;
};

static const struct setting table[] = {
#define DC__SETTING(name, kind, def, min, max, env, help) \
	{#name, kind, def, min, max, env, help, offsetof(struct dc_settings, name)},
        DC_SETTINGS(DC__SETTING)
#undef DC__SETTING
};

size_t dc_settings_count(void)
{
	return DC_ARRAY_LEN(table);
}

const char *dc_settings_name(size_t i)
{
	return i < DC_ARRAY_LEN(table) ? table[i].name : NULL;
}

const char *dc_settings_help(size_t i)
{
	return i < DC_ARRAY_LEN(table) ? table[i].help : NULL;
}

const char *dc_settings_default(size_t i)
{
	return i < DC_ARRAY_LEN(table) ? table[i].def : NULL;
}

static int apply(struct dc_settings *s, const struct setting *t, const char *value, char *err,
                 size_t errlen)
{
	char *p = (char *)s + t->offset;
	if (t->kind == S) {
		*(const char **)p = value;
		return DC_OK;
	}
	unsigned long long v;
	if (dc_parse_uint(value, strlen(value), t->max, &v) || v < t->min) {
		snprintf(err, errlen, "%s must be a whole number from %llu to %llu (got \"%s\")",
		         t->name, t->min, t->max, value);
		return DC_ERR_INVALID;
	}
	*(uint64_t *)p = v;
	return DC_OK;
}

int dc_settings_set(struct dc_settings *s, const char *name, const char *value, char *err,
                    size_t errlen)
{
	for (size_t i = 0; i < DC_ARRAY_LEN(table); i++)
		if (!strcmp(table[i].name, name))
			return apply(s, &table[i], value, err, errlen);
	snprintf(err, errlen, "unknown setting \"%s\"", name);
	return DC_ERR_INVALID;
}

int dc_settings_load(struct dc_settings *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < DC_ARRAY_LEN(table); i++) {
		int rc = apply(s, &table[i], table[i].def, err, errlen);
		if (rc)
			DC_BUG("a default is out of its own range");
		const char *e = getenv(table[i].env);
		if (e && (rc = apply(s, &table[i], e, err, errlen)))
			return rc;
	}
	return DC_OK;
}
