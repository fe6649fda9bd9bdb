/*
 * units.c — the administrative units of Decision 19/2025/QĐ-TTg and the old
 * ID-number prefixes, parsed once from the CSV files embedded at build time
 * (scripts/embed.sh) into immutable tables sorted by code.
 *
 * The tables point into private copies of the two CSV texts, cut in place.
 * The embedded files come from the repository and are checked by the tests,
 * so a malformed file is a build mistake (DC_BUG), not an error code.
 *
 * Code lookups are binary searches; a prefix lookup is one array index.
 * Name lookups compare precomputed keys with the query's, in passes from
 * strict to loose, and stop at the first pass that finds something:
 *   1. the normalised key (dc_text_key: case, spacing, tone placement),
 *   2. the ASCII key (dc_text_key_ascii: no diacritics),
 *   3. the ASCII key of the English name ("Hanoi"), a trailing "city" or
 *      "province" in the query ignored.
 * Unit keys leave out the unit's type word ("Tỉnh", "Thành phố", "Phường",
 * "Xã", "Đặc khu"). In each pass the query is first tried as given, then
 * without a leading type word ("TP.", "P." and "X." included). The order
 * matters because some names start with a word that looks like a type
 * without diacritics: "Phường Phương Liệt", "Xã Xa Dũng", "Xã Tịnh Khê".
 * When the query named a commune type and matched without it, units of that
 * type are preferred ("Phường Tân An" over "Xã Tân An"). Name lookups scan
 * the 3,321 communes: they are for people typing names, not for hot paths.
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

#define NPREFIX 1000  /* ID prefixes are three digits */
#define NLEVELS 3     /* name passes: normalised, ASCII, English */
#define ANY_TYPE (-1) /* a query type word that names no commune type */
#define NO_TYPE (-2)  /* the query has no type word */

/* Offsets into dc_units.keys of one unit's name keys, one per pass. */
struct names {
	size_t at[NLEVELS];
};

struct old_prefix {
	int prefix;
	const char *old_name;
	size_t province; /* index into provinces */
};

/* A type word as written, and the commune type it names (ANY_TYPE for the
 * province-level words). Longer forms first: "tp." must win over "tp". */
static const struct type_word {
	const char *text;
	int type;
} type_words[] = {
        {"Thành phố", ANY_TYPE},    {"TP.", ANY_TYPE},           {"TP", ANY_TYPE},
        {"Tỉnh", ANY_TYPE},         {"Phường", DC_COMMUNE_WARD}, {"P.", DC_COMMUNE_WARD},
        {"Xã", DC_COMMUNE_COMMUNE}, {"X.", DC_COMMUNE_COMMUNE},  {"Đặc khu", DC_COMMUNE_SPECIAL},
};

/* English words a query may end with at the English pass. */
static const char *const en_suffixes[] = {" city", " province"};

struct dc_units {
	struct dc_province *provinces;
	struct names *pnames;
	size_t nprov;
	struct dc_commune *communes;
	struct names *cnames;
	size_t ncomm;
	struct old_prefix *prefixes; /* sorted by prefix */
	size_t npref;
	short by_prefix[NPREFIX]; /* index into prefixes, -1 for none */
	/* Offsets into keys of each type word's key at the first two passes. */
	size_t type_keys[DC_ARRAY_LEN(type_words)][2];
	char *units_text, *prefix_text; /* the CSV copies the tables point into */
	struct dc_buf keys;             /* every key, NUL-terminated, back to back */
};

/* --- reading the embedded CSV ------------------------------------------- */

/* Cuts the next line out of a NUL-terminated text (CR LF or LF) and returns
 * it, or NULL at the end. */
static char *next_line(char **cursor)
{
	char *line = *cursor, *nl;
	size_t len;
	if (!*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*cursor = nl + 1;
	} else {
		*cursor = line + strlen(line);
	}
	len = strlen(line);
	if (len && line[len - 1] == '\r')
		line[len - 1] = '\0';
	return line;
}

/* Unquotes the quoted field at *p (on the opening quote) in place: "" inside
 * is one quote. Leaves *p after the closing quote; false when it is missing. */
static bool unquote(char **p)
{
	char *r = *p + 1, *w = *p;
	for (;;) {
		if (*r == '\0')
			return false;
		if (*r == '"' && r[1] == '"') {
			*w++ = '"';
			r += 2;
		} else if (*r == '"') {
			*w = '\0';
			*p = r + 1;
			return true;
		} else {
			*w++ = *r++;
		}
	}
}

/* Splits a line in place into fields, storing up to max of them in f.
 * Returns the number of fields, or 0 when the line is malformed (an
 * unterminated quote, or text after a closing quote). The embedded files
 * quote nothing today; quoting is handled so that a name with a comma
 * cannot shift the columns silently. */
static size_t split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;
	for (;;) {
		char *field = p;
		if (*p == '"') {
			if (!unquote(&p))
				return 0;
			if (*p != ',' && *p != '\0')
				return 0;
		} else {
			while (*p && *p != ',')
				p++;
		}
		if (n < max)
			f[n] = field;
		n++;
		if (*p == '\0')
			return n;
		*p++ = '\0';
	}
}

/* Reads the header line and checks it names the expected columns. */
static void check_header(char **cursor, const char *const *cols, size_t ncols, const char *what)
{
	char *f[8];
	char *line = next_line(cursor);
	if (!line || split(line, f, DC_ARRAY_LEN(f)) != ncols)
		DC_BUG(what);
	for (size_t i = 0; i < ncols; i++)
		if (strcmp(f[i], cols[i]) != 0)
			DC_BUG(what);
}

static bool all_digits(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static size_t count_lines(const char *s)
{
	size_t n = 1;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static char *copy_text(const unsigned char *p, size_t n)
{
	char *s = malloc(n + 1);
	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

static int cmp_province(const void *a, const void *b)
{
	return strcmp(((const struct dc_province *)a)->code, ((const struct dc_province *)b)->code);
}

static int cmp_commune(const void *a, const void *b)
{
	return strcmp(((const struct dc_commune *)a)->code, ((const struct dc_commune *)b)->code);
}

static int cmp_prefix(const void *a, const void *b)
{
	int x = ((const struct old_prefix *)a)->prefix, y = ((const struct old_prefix *)b)->prefix;
	return (x > y) - (x < y);
}

static enum dc_commune_type commune_type(const char *s)
{
	if (strcmp(s, "Ward") == 0)
		return DC_COMMUNE_WARD;
	if (strcmp(s, "Commune") == 0)
		return DC_COMMUNE_COMMUNE;
	if (strcmp(s, "Special administrative region") != 0)
		DC_BUG("admin-units-2025.csv: unknown commune_type");
	return DC_COMMUNE_SPECIAL;
}

/* The province with this code among those read so far, added if new. Rows
 * come grouped by province, so the last one is checked first. */
static struct dc_province *province_of_row(struct dc_units *u, char **f)
{
	struct dc_province *p = NULL;
	if (u->nprov && strcmp(u->provinces[u->nprov - 1].code, f[0]) == 0)
		p = &u->provinces[u->nprov - 1];
	for (size_t i = 0; !p && i < u->nprov; i++)
		if (strcmp(u->provinces[i].code, f[0]) == 0)
			p = &u->provinces[i];
	if (!p) {
		p = &u->provinces[u->nprov++];
		memcpy(p->code, f[0], 3);
		p->name = f[1];
		p->name_en = f[2];
	}
	if (strcmp(p->name, f[1]) != 0 || strcmp(p->name_en, f[2]) != 0)
		DC_BUG("admin-units-2025.csv: one province code with two names");
	return p;
}

static int parse_units(struct dc_units *u)
{
	static const char *const cols[] = {"province_code", "province_name", "province_name_en",
	                                   "commune_code",  "commune_name",  "commune_name_en",
	                                   "commune_type"};
	char *cursor = u->units_text, *line;
	size_t rows = count_lines(cursor);
	check_header(&cursor, cols, DC_ARRAY_LEN(cols), "admin-units-2025.csv: unexpected header");
	/* At most one province and one commune per line. */
	u->provinces = calloc(rows, sizeof(*u->provinces));
	u->communes = calloc(rows, sizeof(*u->communes));
	if (!u->provinces || !u->communes)
		return DC_ERR_NOMEM;
	for (line = next_line(&cursor); line; line = next_line(&cursor)) {
		char *f[DC_ARRAY_LEN(cols)];
		struct dc_commune *c;
		if (!*line)
			continue;
		if (split(line, f, DC_ARRAY_LEN(f)) != DC_ARRAY_LEN(cols) || !all_digits(f[0], 2) ||
		    !all_digits(f[3], 5) || !*f[1] || !*f[4])
			DC_BUG("admin-units-2025.csv: malformed row");
		province_of_row(u, f)->ncommunes++;
		c = &u->communes[u->ncomm++];
		memcpy(c->code, f[3], 6);
		memcpy(c->province_code, f[0], 3);
		c->name = f[4];
		c->name_en = f[5];
		c->type = commune_type(f[6]);
	}
	qsort(u->provinces, u->nprov, sizeof(*u->provinces), cmp_province);
	qsort(u->communes, u->ncomm, sizeof(*u->communes), cmp_commune);
	for (size_t i = 1; i < u->ncomm; i++)
		if (strcmp(u->communes[i - 1].code, u->communes[i].code) == 0)
			DC_BUG("admin-units-2025.csv: duplicate commune code");
	return DC_OK;
}

static int parse_prefixes(struct dc_units *u)
{
	static const char *const cols[] = {"id_prefix", "province_at_birth_registration",
	                                   "province_code_2025", "province_2025"};
	char *cursor = u->prefix_text, *line;
	check_header(&cursor, cols, DC_ARRAY_LEN(cols), "id-province-codes.csv: unexpected header");
	u->prefixes = calloc(count_lines(cursor), sizeof(*u->prefixes));
	if (!u->prefixes)
		return DC_ERR_NOMEM;
	for (line = next_line(&cursor); line; line = next_line(&cursor)) {
		char *f[DC_ARRAY_LEN(cols)];
		unsigned long long v;
		const struct dc_province *p;
		struct old_prefix *e;
		if (!*line)
			continue;
		if (split(line, f, DC_ARRAY_LEN(f)) != DC_ARRAY_LEN(cols) || !all_digits(f[0], 3) ||
		    dc_parse_uint(f[0], 3, NPREFIX - 1, &v) != DC_OK)
			DC_BUG("id-province-codes.csv: malformed row");
		p = dc_units_province(u, f[2], strlen(f[2]));
		if (!p)
			DC_BUG("id-province-codes.csv: unknown 2025 province");
		e = &u->prefixes[u->npref++];
		e->prefix = (int)v;
		e->old_name = f[1];
		e->province = (size_t)(p - u->provinces);
	}
	qsort(u->prefixes, u->npref, sizeof(*u->prefixes), cmp_prefix);
	for (size_t i = 0; i < NPREFIX; i++)
		u->by_prefix[i] = -1;
	for (size_t i = 0; i < u->npref; i++) {
		if (u->by_prefix[u->prefixes[i].prefix] >= 0)
			DC_BUG("id-province-codes.csv: duplicate prefix");
		u->by_prefix[u->prefixes[i].prefix] = (short)i;
	}
	return DC_OK;
}

/* --- keys ------------------------------------------------------------------ */

static const char *key_at(const struct dc_units *u, size_t off)
{
	return u->keys.ptr + off;
}

/* Appends fn's key of s to keys, NUL-terminated, and stores its offset. */
static int add_key(struct dc_buf *keys, int (*fn)(const char *, size_t, struct dc_buf *),
                   const char *s, size_t *off)
{
	int rc;
	*off = keys->len;
	rc = fn(s, strlen(s), keys);
	if (rc == DC_OK)
		rc = dc_buf_addc(keys, '\0');
	return rc;
}

/* Length of the type word that key k (pass 0 or 1) starts with, including
 * the space after it, or 0 when it starts with none or would be left
 * empty. *type (may be NULL) receives the word's commune type. */
static size_t type_word_len(const struct dc_units *u, const char *k, int level, int *type)
{
	size_t kn = strlen(k);
	for (size_t i = 0; i < DC_ARRAY_LEN(type_words); i++) {
		const char *w = key_at(u, u->type_keys[i][level]);
		size_t wn = strlen(w), skip = wn;
		if (kn <= wn || memcmp(k, w, wn) != 0)
			continue;
		/* "tp.hcm": a dotted abbreviation needs no space after it. */
		if (k[wn] == ' ')
			skip++;
		else if (w[wn - 1] != '.')
			continue;
		if (skip == kn)
			continue;
		if (type)
			*type = type_words[i].type;
		return skip;
	}
	return 0;
}

/* Computes the keys of one unit: its name's normalised and ASCII keys
 * without the type word, and its English name's ASCII key. */
static int unit_names(struct dc_units *u, const char *name, const char *name_en, struct names *nm)
{
	int rc = add_key(&u->keys, dc_text_key, name, &nm->at[0]);
	if (rc == DC_OK)
		rc = add_key(&u->keys, dc_text_key_ascii, name, &nm->at[1]);
	if (rc == DC_OK)
		rc = add_key(&u->keys, dc_text_key_ascii, name_en, &nm->at[2]);
	/* Offsets, not pointers: keys.ptr moves as the buffer grows. */
	for (int level = 0; rc == DC_OK && level < 2; level++)
		nm->at[level] += type_word_len(u, key_at(u, nm->at[level]), level, NULL);
	return rc;
}

static int build_keys(struct dc_units *u)
{
	int rc = DC_OK;
	for (size_t i = 0; rc == DC_OK && i < DC_ARRAY_LEN(type_words); i++) {
		rc = add_key(&u->keys, dc_text_key, type_words[i].text, &u->type_keys[i][0]);
		if (rc == DC_OK)
			rc = add_key(&u->keys, dc_text_key_ascii, type_words[i].text,
			             &u->type_keys[i][1]);
	}
	u->pnames = calloc(u->nprov, sizeof(*u->pnames));
	u->cnames = calloc(u->ncomm, sizeof(*u->cnames));
	if (rc == DC_OK && (!u->pnames || !u->cnames))
		rc = DC_ERR_NOMEM;
	for (size_t i = 0; rc == DC_OK && i < u->nprov; i++)
		rc = unit_names(u, u->provinces[i].name, u->provinces[i].name_en, &u->pnames[i]);
	for (size_t i = 0; rc == DC_OK && i < u->ncomm; i++)
		rc = unit_names(u, u->communes[i].name, u->communes[i].name_en, &u->cnames[i]);
	return rc;
}

/* --- life cycle ------------------------------------------------------------ */

int dc_units_new(struct dc_units **out)
{
	struct dc_units *u = calloc(1, sizeof(*u));
	int rc = DC_ERR_NOMEM;
	if (!u)
		goto cleanup;
	dc_buf_init(&u->keys, 0);
	u->units_text = copy_text(dc__units_csv, dc__units_csv_len);
	u->prefix_text = copy_text(dc__prefix_csv, dc__prefix_csv_len);
	if (!u->units_text || !u->prefix_text)
		goto cleanup;
	rc = parse_units(u);
	if (rc == DC_OK)
		rc = parse_prefixes(u);
	if (rc == DC_OK)
		rc = build_keys(u);
	if (rc == DC_OK)
		rc = dc_buf_error(&u->keys);
cleanup:
	if (rc != DC_OK) {
		dc_units_free(u);
		u = NULL;
	}
	*out = u;
	return rc;
}

void dc_units_free(struct dc_units *u)
{
	if (!u)
		return;
	free(u->provinces);
	free(u->pnames);
	free(u->communes);
	free(u->cnames);
	free(u->prefixes);
	free(u->units_text);
	free(u->prefix_text);
	dc_buf_release(&u->keys);
	free(u);
}

/* --- lookups by position and code ------------------------------------------ */

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
	if (!code || n != 2 || memchr(code, '\0', n))
		return NULL;
	memcpy(key.code, code, 2);
	key.code[2] = '\0';
	return bsearch(&key, u->provinces, u->nprov, sizeof(key), cmp_province);
}

const struct dc_commune *dc_units_commune(const struct dc_units *u, const char *code, size_t n)
{
	struct dc_commune key = {0};
	if (!code || n != 5 || memchr(code, '\0', n))
		return NULL;
	memcpy(key.code, code, 5);
	key.code[5] = '\0';
	return bsearch(&key, u->communes, u->ncomm, sizeof(key), cmp_commune);
}

/* --- lookups by name --------------------------------------------------------- */

/* A name query: its key at each pass, and at each pass the same without
 * the leading type word (pass 0, 1) or the English suffix (pass 2), NULL
 * when there is none. type is the commune type the type word named. */
struct query {
	struct dc_buf key[NLEVELS];
	const char *form[NLEVELS][2];
	int type;
};

static void query_release(struct query *q)
{
	for (size_t i = 0; i < NLEVELS; i++)
		dc_buf_release(&q->key[i]);
}

/* Cuts a trailing " city" or " province" off k (a copy of the ASCII key kept
 * for the English pass) and returns it, or NULL when there is none. */
static const char *without_en_suffix(struct dc_buf *k)
{
	for (size_t i = 0; i < DC_ARRAY_LEN(en_suffixes); i++) {
		size_t sn = strlen(en_suffixes[i]);
		if (k->len > sn && memcmp(k->ptr + k->len - sn, en_suffixes[i], sn) == 0) {
			k->ptr[k->len - sn] = '\0';
			return k->ptr;
		}
	}
	return NULL;
}

/* Computes the query's forms. q is released by query_release even when
 * this fails. */
static int query_init(const struct dc_units *u, const char *name, size_t n, struct query *q)
{
	int rc;
	for (size_t i = 0; i < NLEVELS; i++)
		dc_buf_init(&q->key[i], 0);
	q->type = NO_TYPE;
	rc = dc_text_key(name, n, &q->key[0]);
	if (rc == DC_OK)
		rc = dc_text_key_ascii(name, n, &q->key[1]);
	if (rc == DC_OK)
		rc = dc_buf_add(&q->key[2], dc_buf_str(&q->key[1]), q->key[1].len);
	if (rc != DC_OK)
		return rc;
	for (int level = 0; level < 2; level++) {
		const char *k = dc_buf_str(&q->key[level]);
		int type = NO_TYPE;
		size_t skip = type_word_len(u, k, level, &type);
		q->form[level][0] = k;
		q->form[level][1] = skip ? k + skip : NULL;
		if (skip && q->type == NO_TYPE)
			q->type = type;
	}
	q->form[2][0] = dc_buf_str(&q->key[1]);
	q->form[2][1] = without_en_suffix(&q->key[2]);
	return DC_OK;
}

/* A name search in one table: provinces (pout set) or communes (cout set,
 * with the province filter). Matches go to pout or cout, up to max. */
struct scan {
	const struct dc_units *u;
	const struct names *names;
	size_t n;
	bool communes;
	const struct dc_province *in; /* NULL: anywhere */
	const struct dc_province **pout;
	const struct dc_commune **cout;
	size_t max;
};

static bool unit_matches(const struct scan *s, size_t i, int level, const char *form, int type)
{
	const struct dc_commune *c = s->communes ? &s->u->communes[i] : NULL;
	if (c && s->in && memcmp(c->province_code, s->in->code, 2) != 0)
		return false;
	if (c && type >= 0 && (int)c->type != type)
		return false;
	return strcmp(key_at(s->u, s->names[i].at[level]), form) == 0;
}

/* Writes up to s->max matching units out; returns how many match. */
static size_t scan_form(const struct scan *s, int level, const char *form, int type)
{
	size_t found = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (!unit_matches(s, i, level, form, type))
			continue;
		if (found < s->max && s->cout)
			s->cout[found] = &s->u->communes[i];
		else if (found < s->max && s->pout)
			s->pout[found] = &s->u->provinces[i];
		found++;
	}
	return found;
}

/* Runs the passes (see the file comment) until one finds something. */
static size_t find(const struct scan *s, const char *name, size_t n)
{
	struct query q;
	size_t found = 0;
	if (!name)
		return 0;
	if (query_init(s->u, name, n, &q) != DC_OK)
		goto cleanup;
	for (int level = 0; level < NLEVELS && found == 0; level++) {
		for (int f = 0; f < 2 && found == 0; f++) {
			const char *form = q.form[level][f];
			if (!form || !*form)
				continue;
			/* A type word is a preference only where it was removed. */
			if (f == 1 && level < 2 && q.type >= 0 && s->communes)
				found = scan_form(s, level, form, q.type);
			if (found == 0)
				found = scan_form(s, level, form, ANY_TYPE);
		}
	}
cleanup:
	query_release(&q);
	return found;
}

const struct dc_province *dc_units_province_by_name(const struct dc_units *u, const char *name,
                                                    size_t n)
{
	const struct dc_province *p = NULL;
	struct scan s = {u, u->pnames, u->nprov, false, NULL, &p, NULL, 1};
	find(&s, name, n);
	return p;
}

size_t dc_units_commune_by_name(const struct dc_units *u, const struct dc_province *province,
                                const char *name, size_t n, const struct dc_commune **out,
                                size_t max)
{
	struct scan s = {u, u->cnames, u->ncomm, true, province, NULL, out, out ? max : 0};
	return find(&s, name, n);
}

/* --- ID-number prefixes ------------------------------------------------------ */

const struct dc_province *dc_units_pin_prefix(const struct dc_units *u, int prefix,
                                              const char **old_name_out)
{
	const struct old_prefix *e;
	if (prefix < 0 || prefix >= NPREFIX || u->by_prefix[prefix] < 0)
		return NULL;
	e = &u->prefixes[u->by_prefix[prefix]];
	if (old_name_out)
		*old_name_out = e->old_name;
	return &u->provinces[e->province];
}

size_t dc_units_prefixes_of(const struct dc_units *u, const struct dc_province *p, int *out,
                            size_t max)
{
	size_t n = 0;
	const struct dc_province *mine = p ? dc_units_province(u, p->code, 2) : NULL;
	if (!mine)
		return 0;
	/* By code, so a province from another dc_units works too. */
	for (size_t i = 0; i < u->npref; i++) {
		if (u->prefixes[i].province != (size_t)(mine - u->provinces))
			continue;
		if (n < max)
			out[n] = u->prefixes[i].prefix;
		n++;
	}
	return n;
}
