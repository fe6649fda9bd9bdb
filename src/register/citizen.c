/*
 * citizen.c — the citizen record's column table: names, text conversion of
 * each column in both directions. The CSV header, JSON keys and database
 * columns all come from here (and so from DC_CITIZEN_TEXT_FIELDS), in one
 * order.
 */
#include <string.h>

#include "dancu/citizen.h"

#include "core/internal.h"

static const char *const columns[] = {DC_CITIZEN_FIXED_COLUMNS,
#define DC__CITIZEN_NAME(name, group, max) #name,
                                      DC_CITIZEN_TEXT_FIELDS(DC__CITIZEN_NAME)
#undef DC__CITIZEN_NAME
};

static const size_t text_max[] = {
#define DC__CITIZEN_MAX(name, group, max) max,
        DC_CITIZEN_TEXT_FIELDS(DC__CITIZEN_MAX)
#undef DC__CITIZEN_MAX
};

_Static_assert(DC_ARRAY_LEN(columns) == DC_CITIZEN_NFIXED + DC_ARRAY_LEN(text_max),
               "fixed column count out of date");

size_t dc_citizen_ncolumns(void)
{
	return DC_ARRAY_LEN(columns);
}

const char *dc_citizen_column(size_t i)
{
	return i < DC_ARRAY_LEN(columns) ? columns[i] : NULL;
}

size_t dc_citizen_column_max(size_t i)
{
	return i >= DC_CITIZEN_NFIXED && i < DC_ARRAY_LEN(columns) ? text_max[i - DC_CITIZEN_NFIXED]
	                                                           : 0;
}

int dc_citizen_column_index(const char *name, size_t n)
{
	for (size_t i = 0; i < DC_ARRAY_LEN(columns); i++)
		if (strlen(columns[i]) == n && memcmp(columns[i], name, n) == 0)
			return (int)i;
	return -1;
}

const char **dc_citizen_text_field(struct dc_citizen *c, size_t i)
{
	size_t k = DC_CITIZEN_NFIXED;
#define DC__CITIZEN_PTR(name, group, max) \
	if (i == k)                       \
		return &c->name;          \
	k++;
	DC_CITIZEN_TEXT_FIELDS(DC__CITIZEN_PTR)
#undef DC__CITIZEN_PTR
	return NULL;
}

const char *dc_citizen_status_name(enum dc_citizen_status s)
{
	switch (s) {
	case DC_STATUS_ALIVE:
		return "alive";
	case DC_STATUS_DEAD:
		return "dead";
	case DC_STATUS_MISSING:
		return "missing";
	}
	return "alive";
}

static int eq(const char *v, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(v, lit, n) == 0;
}

static int set_date(struct dc_date *d, const char *v, size_t n)
{
	if (n == 0) {
		memset(d, 0, sizeof(*d));
		return DC_OK;
	}
	return dc_date_parse(v, n, d);
}

int dc_citizen_set(struct dc_citizen *c, size_t i, const char *v, size_t n)
{
	switch (i) {
	case 0:
		if (n == 0) {
			memset(&c->pin, 0, sizeof(c->pin));
			return DC_OK;
		}
		return dc_pin_parse(v, n, &c->pin);
	case 1:
		return set_date(&c->dob, v, n);
	case 2:
		if (n == 0)
			c->sex = DC_SEX_UNKNOWN;
		else if (eq(v, n, "M"))
			c->sex = DC_SEX_MALE;
		else if (eq(v, n, "F"))
			c->sex = DC_SEX_FEMALE;
		else
			return DC_ERR_INVALID;
		return DC_OK;
	case 3:
		if (n == 0 || eq(v, n, "alive"))
			c->status = DC_STATUS_ALIVE;
		else if (eq(v, n, "dead"))
			c->status = DC_STATUS_DEAD;
		else if (eq(v, n, "missing"))
			c->status = DC_STATUS_MISSING;
		else
			return DC_ERR_INVALID;
		return DC_OK;
	case 4:
		return set_date(&c->death_date, v, n);
	case 5:
		return set_date(&c->perm_since, v, n);
	default: {
		const char **f = dc_citizen_text_field(c, i);
		if (!f)
			return DC_ERR_INVALID;
		*f = n ? v : NULL;
		return DC_OK;
	}
	}
}

int dc_citizen_get(const struct dc_citizen *c, size_t i, struct dc_buf *out)
{
	char iso[DC_DATE_ISO_MAX];
	switch (i) {
	case 0:
		return dc_buf_adds(out, c->pin.d);
	case 1:
		return dc_buf_add(out, iso, dc_date_iso(&c->dob, iso));
	case 2:
		return c->sex == DC_SEX_MALE     ? dc_buf_adds(out, "M")
		       : c->sex == DC_SEX_FEMALE ? dc_buf_adds(out, "F")
		                                 : dc_buf_error(out);
	case 3:
		return dc_buf_adds(out, dc_citizen_status_name(c->status));
	case 4:
		return dc_buf_add(out, iso, dc_date_iso(&c->death_date, iso));
	case 5:
		return dc_buf_add(out, iso, dc_date_iso(&c->perm_since, iso));
	default: {
		const char **f = dc_citizen_text_field((struct dc_citizen *)c, i);
		if (!f)
			return DC_ERR_INVALID;
		return *f ? dc_buf_adds(out, *f) : dc_buf_error(out);
	}
	}
}

int dc_relation_valid(const char *code, size_t n)
{
	static const char *const rel[] = {
#define DC__REL(code_, vi, en) #code_,
	        DC_RELATIONS(DC__REL)
#undef DC__REL
	};
	for (size_t i = 0; i < DC_ARRAY_LEN(rel); i++)
		if (eq(code, n, rel[i]))
			return 1;
	return 0;
}

int dc_citizen_json(const struct dc_citizen *c, struct dc_buf *out)
{
	struct dc_buf tmp = DC_BUF_INIT;
	int first = 1;
	dc_buf_addc(out, '{');
	for (size_t i = 0; i < dc_citizen_ncolumns(); i++) {
		dc_buf_reset(&tmp);
		dc_citizen_get(c, i, &tmp);
		if (!tmp.len)
			continue;
		dc_buf_addf(out, "%s\"%s\":\"", first ? "" : ",", dc_citizen_column(i));
		dc_buf_add_json_str(out, dc_buf_str(&tmp), tmp.len);
		dc_buf_addc(out, '"');
		first = 0;
	}
	dc_buf_addc(out, '}');
	dc_buf_release(&tmp);
	return dc_buf_error(out);
}
