/*
 * units.c — the administrative units of Decision 19/2025/QĐ-TTg and the old
 * ID-number prefixes, parsed once from the CSV files embedded at build time
 * (scripts/embed.sh) into immutable, sorted tables.
 *
 * Code lookups are binary searches. Name lookups compare keys: the
 * normalised key (dc_text_key: case, spacing, tone placement) first, then the
 * ASCII key (no diacritics), both with the unit-type prefix ("Tỉnh",
 * "Thành phố", "Phường", "Xã", "Đặc khu") removed. Name lookups scan the
 * 3,321 communes; they are for people typing names, not for hot paths.
 */
#include <stdlib.h>
#include <string.h>

#include "dancu/text.h"
#include "dancu/units.h"

#include "core/internal.h"

extern const unsigned char dc__units_csv[];
extern const size_t dc__units_csv_len;
extern const unsigned char dc__prefix_csv[];
extern const size_t dc__prefix_csv_len;

struct prefix {
	int prefix;
	const char *old_name;
	size_t province; /* index into provinces */
};

struct keyed {
	char *key;   /* dc_text_key without type prefix */
	char *ascii; /* dc_text_key_ascii without type prefix */
};

struct dc_units {
	struct dc_province *provinces;
	struct keyed *pkeys;
	size_t nprov;
	struct dc_commune *communes;
	struct keyed *ckeys;
	size_t ncomm;
	struct prefix prefixes[64];
	size_t npref;
	char *text; /* one allocation holding every string */
	size_t text_len, text_cap;
};

/* --- a tiny CSV splitter for the trusted embedded files ------------------ */

/* Splits one line (NUL-terminated, modified) into up to max fields. A quoted
 * field may hold commas; "" inside quotes is one quote. */
static size_t split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;
	while (n < max) {
		if (*p == '"') {
			char *w = ++p;
			f[n++] = w;
			while (*p) {
				if (*p == '"' && p[1] == '"') {
					*w++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*w++ = *p++;
				}
			}
			*w = '\0';
			if (*p == ',')
				p++;
			else
				break;
			continue;
		}
		f[n++] = p;
		char *c = strchr(p, ',');
		if (!c)
			break;
		*c = '\0';
		p = c + 1;
	}
	return n;
}

static char *dup_text(const unsigned char *p, size_t n)
{
	char *s = malloc(n + 1);
	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

/* The type prefixes a name may carry, as ASCII keys (lower case, no marks). */
static const char *const type_prefixes[] = {"thanh pho ", "tinh ", "tp. ",    "tp ",
                                            "phuong ",    "xa ",   "dac khu "};

/* Builds both keys of name with any type prefix removed. */
static int make_keys(const char *name, size_t n, struct keyed *k)
{
	struct dc_buf a = DC_BUF_INIT, t = DC_BUF_INIT;
	int rc = dc_text_key_ascii(name, n, &a);
	if (rc == DC_OK)
		rc = dc_text_key(name, n, &t);
	if (rc == DC_OK) {
		/* Drop as many words from the normalised key as the prefix has. */
		for (size_t i = 0; i < DC_ARRAY_LEN(type_prefixes); i++) {
			size_t pl = strlen(type_prefixes[i]);
			if (a.len > pl && !memcmp(a.ptr, type_prefixes[i], pl)) {
				size_t spaces = 0;
				for (size_t j = 0; j < pl; j++)
					spaces += type_prefixes[i][j] == ' ';
				size_t cut = 0;
				while (spaces && cut < t.len)
					spaces -= t.ptr[cut++] == ' ';
				memmove(a.ptr, a.ptr + pl, a.len - pl + 1);
				a.len -= pl;
				memmove(t.ptr, t.ptr + cut, t.len - cut + 1);
				t.len -= cut;
				break;
			}
		}
	}
	if (rc == DC_OK) {
		k->ascii = dc_buf_detach(&a, NULL);
		k->key = dc_buf_detach(&t, NULL);
		if (!k->ascii || !k->key)
			rc = DC_ERR_NOMEM;
	}
	dc_buf_release(&a);
	dc_buf_release(&t);
	return rc;
}

/* The next line of a NUL-terminated text (cut in place, CR removed), or
 * NULL at the end. */
static char *next_line(char **cursor)
{
	char *line = *cursor;
	if (!*line)
		return NULL;
	char *nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*cursor = nl + 1;
	} else {
		*cursor = line + strlen(line);
	}
	size_t len = strlen(line);
	if (len && line[len - 1] == '\r')
		line[len - 1] = '\0';
	return line;
}

static int cmp_province(const void *a, const void *b)
{
	return strcmp(((const struct dc_province *)a)->code, ((const struct dc_province *)b)->code);
}

static int cmp_commune(const void *a, const void *b)
{
	return strcmp(((const struct dc_commune *)a)->code, ((const struct dc_commune *)b)->code);
}

static int parse_units(struct dc_units *u, char *text)
{
	char *save = text, *line;
	size_t cap_p = 40, cap_c = 3400;
	u->provinces = calloc(cap_p, sizeof(*u->provinces));
	u->communes = calloc(cap_c, sizeof(*u->communes));
	if (!u->provinces || !u->communes)
		return DC_ERR_NOMEM;
	int header = 1;
	while ((line = next_line(&save)) != NULL) {
		if (header || !*line) {
			header = 0;
			continue;
		}
		char *f[8];
		if (split(line, f, 8) != 7 || strlen(f[0]) != 2 || strlen(f[3]) != 5)
			DC_BUG("malformed embedded admin-units row");
		size_t pi = 0;
		while (pi < u->nprov && strcmp(u->provinces[pi].code, f[0]))
			pi++;
		if (pi == u->nprov) {
			if (u->nprov == cap_p)
				DC_BUG("more provinces than expected");
			struct dc_province *p = &u->provinces[u->nprov++];
			memcpy(p->code, f[0], 3);
			p->name = f[1];
			p->name_en = f[2];
		}
		u->provinces[pi].ncommunes++;
		if (u->ncomm == cap_c)
			DC_BUG("more communes than expected");
		struct dc_commune *c = &u->communes[u->ncomm++];
		memcpy(c->code, f[3], 6);
		memcpy(c->province_code, f[0], 3);
		c->name = f[4];
		c->name_en = f[5];
		c->type = !strcmp(f[6], "Ward")      ? DC_COMMUNE_WARD
		          : !strcmp(f[6], "Commune") ? DC_COMMUNE_COMMUNE
		                                     : DC_COMMUNE_SPECIAL;
	}
	qsort(u->provinces, u->nprov, sizeof(*u->provinces), cmp_province);
	qsort(u->communes, u->ncomm, sizeof(*u->communes), cmp_commune);
	return DC_OK;
}

static int parse_prefixes(struct dc_units *u, char *text)
{
	char *save = text, *line;
	int header = 1;
	while ((line = next_line(&save)) != NULL) {
		if (header || !*line) {
			header = 0;
			continue;
		}
		char *f[5];
		unsigned long long v;
		if (split(line, f, 5) != 4 || dc_parse_uint(f[0], strlen(f[0]), 999, &v))
			DC_BUG("malformed embedded prefix row");
		const struct dc_province *p = dc_units_province(u, f[2], strlen(f[2]));
		if (!p || u->npref == DC_ARRAY_LEN(u->prefixes))
			DC_BUG("prefix row names an unknown province");
		u->prefixes[u->npref].prefix = (int)v;
		u->prefixes[u->npref].old_name = f[1];
		u->prefixes[u->npref].province = (size_t)(p - u->provinces);
		u->npref++;
	}
	return DC_OK;
}

int dc_units_new(struct dc_units **out)
{
	struct dc_units *u = calloc(1, sizeof(*u));
	char *a = dup_text(dc__units_csv, dc__units_csv_len);
	char *b = dup_text(dc__prefix_csv, dc__prefix_csv_len);
	int rc = u && a && b ? DC_OK : DC_ERR_NOMEM;
	if (rc == DC_OK) {
		/* Keep both texts alive: the tables point into them. */
		size_t la = dc__units_csv_len + 1, lb = dc__prefix_csv_len + 1;
		u->text = malloc(la + lb);
		if (!u->text)
			rc = DC_ERR_NOMEM;
		else {
			memcpy(u->text, a, la);
			memcpy(u->text + la, b, lb);
			rc = parse_units(u, u->text);
			if (rc == DC_OK)
				rc = parse_prefixes(u, u->text + la);
		}
	}
	if (rc == DC_OK) {
		u->pkeys = calloc(u->nprov, sizeof(*u->pkeys));
		u->ckeys = calloc(u->ncomm, sizeof(*u->ckeys));
		rc = u->pkeys && u->ckeys ? DC_OK : DC_ERR_NOMEM;
	}
	for (size_t i = 0; rc == DC_OK && i < u->nprov; i++)
		rc = make_keys(u->provinces[i].name, strlen(u->provinces[i].name), &u->pkeys[i]);
	for (size_t i = 0; rc == DC_OK && i < u->ncomm; i++)
		rc = make_keys(u->communes[i].name, strlen(u->communes[i].name), &u->ckeys[i]);
	free(a);
	free(b);
	if (rc) {
		dc_units_free(u);
		return rc;
	}
	*out = u;
	return DC_OK;
}

void dc_units_free(struct dc_units *u)
{
	if (!u)
		return;
	for (size_t i = 0; u->pkeys && i < u->nprov; i++) {
		free(u->pkeys[i].key);
		free(u->pkeys[i].ascii);
	}
	for (size_t i = 0; u->ckeys && i < u->ncomm; i++) {
		free(u->ckeys[i].key);
		free(u->ckeys[i].ascii);
	}
	free(u->pkeys);
	free(u->ckeys);
	free(u->provinces);
	free(u->communes);
	free(u->text);
	free(u);
}

size_t dc_units_nprovinces(const struct dc_units *u)
{
	return u->nprov;
}

size_t dc_units_ncommunes(const struct dc_units *u)
{
	return u->ncomm;
}

const struct dc_province *dc_units_province_at(const struct dc_units *u, size_t i)
{
	return i < u->nprov ? &u->provinces[i] : NULL;
}

const struct dc_commune *dc_units_commune_at(const struct dc_units *u, size_t i)
{
	return i < u->ncomm ? &u->communes[i] : NULL;
}

const struct dc_province *dc_units_province(const struct dc_units *u, const char *code, size_t n)
{
	struct dc_province key = {0};
	if (n != 2)
		return NULL;
	memcpy(key.code, code, 2);
	key.code[2] = '\0';
	return bsearch(&key, u->provinces, u->nprov, sizeof(key), cmp_province);
}

const struct dc_commune *dc_units_commune(const struct dc_units *u, const char *code, size_t n)
{
	struct dc_commune key = {0};
	if (n != 5)
		return NULL;
	memcpy(key.code, code, 5);
	key.code[5] = '\0';
	return bsearch(&key, u->communes, u->ncomm, sizeof(key), cmp_commune);
}

/* Finds entries whose keys equal the query's: exact normalised matches if any,
 * else ASCII matches. Writes indexes into out; returns the count. */
static size_t match(const struct keyed *keys, size_t n, const char *name, size_t len,
                    const struct dc_units *u, const struct dc_province *restrict_to, size_t *out,
                    size_t max)
{
	struct keyed q = {NULL, NULL};
	size_t found = 0;
	if (make_keys(name, len, &q))
		goto cleanup;
	for (int pass = 0; pass < 2 && found == 0; pass++) {
		for (size_t i = 0; i < n; i++) {
			if (restrict_to &&
			    memcmp(u->communes[i].province_code, restrict_to->code, 2) != 0)
				continue;
			const char *k = pass == 0 ? keys[i].key : keys[i].ascii;
			const char *qk = pass == 0 ? q.key : q.ascii;
			if (strcmp(k, qk) == 0) {
				if (found < max)
					out[found] = i;
				found++;
			}
		}
	}
cleanup:
	free(q.key);
	free(q.ascii);
	return found;
}

const struct dc_province *dc_units_province_by_name(const struct dc_units *u, const char *name,
                                                    size_t n)
{
	size_t idx;
	if (match(u->pkeys, u->nprov, name, n, u, NULL, &idx, 1) == 0)
		return NULL;
	return &u->provinces[idx];
}

size_t dc_units_commune_by_name(const struct dc_units *u, const struct dc_province *province,
                                const char *name, size_t n, const struct dc_commune **out,
                                size_t max)
{
	size_t idx[64];
	size_t found = match(u->ckeys, u->ncomm, name, n, u, province, idx, DC_ARRAY_LEN(idx));
	for (size_t i = 0; i < found && i < max && i < DC_ARRAY_LEN(idx); i++)
		out[i] = &u->communes[idx[i]];
	return found;
}

const struct dc_province *dc_units_pin_prefix(const struct dc_units *u, int prefix,
                                              const char **old_name_out)
{
	for (size_t i = 0; i < u->npref; i++)
		if (u->prefixes[i].prefix == prefix) {
			if (old_name_out)
				*old_name_out = u->prefixes[i].old_name;
			return &u->provinces[u->prefixes[i].province];
		}
	return NULL;
}

size_t dc_units_prefixes_of(const struct dc_units *u, const struct dc_province *p, int *out,
                            size_t max)
{
	size_t n = 0;
	size_t pi = (size_t)(p - u->provinces);
	for (size_t i = 0; i < u->npref; i++)
		if (u->prefixes[i].province == pi) {
			if (n < max)
				out[n] = u->prefixes[i].prefix;
			n++;
		}
	return n;
}
