/*
 * dancu/units.h — administrative units and ID-number prefixes.
 *
 * The 34 provinces and 3,321 communes of Decision 19/2025/QĐ-TTg (as updated
 * in 2026), from data/admin-units-2025.csv (MIT licence beside it), and the 63
 * old province prefixes of the personal ID number from
 * data/id-province-codes.csv. Both files are compiled into the library.
 *
 * struct dc_units is built once (dc_units_new) and is read-only afterwards:
 * share one between threads freely. Returned pointers are borrowed until
 * dc_units_free.
 *
 * Name lookup is tolerant: case, missing diacritics, old/new tone-mark
 * placement ("Thanh Hoá" = "Thanh Hóa"), extra spaces and the type prefix
 * ("Tỉnh", "Thành phố", "TP.", "Phường", "P.", "Xã", "X.", "Đặc khu") may all
 * differ. Matches with diacritics win over matches without; as a last resort
 * the English name is tried ("Hanoi", "Ho Chi Minh City"). A commune type
 * word in the query ("Phường Tân An") prefers units of that type.
 */
#ifndef DANCU_UNITS_H
#define DANCU_UNITS_H

#include <stddef.h>

struct dc_units;

struct dc_province {
	char code[3];        /* "01" */
	const char *name;    /* "Thành phố Hà Nội" as published */
	const char *name_en; /* "Hanoi" */
	size_t ncommunes;
};

enum dc_commune_type { DC_COMMUNE_WARD, DC_COMMUNE_COMMUNE, DC_COMMUNE_SPECIAL };

struct dc_commune {
	char code[6];          /* "00004" */
	char province_code[3]; /* "01" */
	const char *name;      /* "Phường Ba Đình" */
	const char *name_en;   /* "Ba Dinh" */
	enum dc_commune_type type;
};

/* Builds the tables from the compiled-in data. Returns DC_OK and *out (caller
 * owns; free with dc_units_free), or DC_ERR_NOMEM. */
int dc_units_new(struct dc_units **out);
void dc_units_free(struct dc_units *u);

size_t dc_units_nprovinces(const struct dc_units *u);
size_t dc_units_ncommunes(const struct dc_units *u);
const struct dc_province *dc_units_province_at(const struct dc_units *u, size_t i);
const struct dc_commune *dc_units_commune_at(const struct dc_units *u, size_t i);

/* Lookup by exact code (n bytes); NULL when unknown. */
const struct dc_province *dc_units_province(const struct dc_units *u, const char *code, size_t n);
const struct dc_commune *dc_units_commune(const struct dc_units *u, const char *code, size_t n);

/* Lookup by name, tolerant as described above. For communes, names repeat
 * across provinces: province may be NULL (any) or restrict the search.
 * Writes up to max matches into out (in code order; out may be NULL when max
 * is 0) and returns how many exist (may exceed max). NULL / 0 for no match,
 * invalid UTF-8 or a NULL name. */
const struct dc_province *dc_units_province_by_name(const struct dc_units *u, const char *name,
                                                    size_t n);
size_t dc_units_commune_by_name(const struct dc_units *u, const struct dc_province *province,
                                const char *name, size_t n, const struct dc_commune **out,
                                size_t max);

/* The 2025 province an old ID-number prefix (0–999) belongs to, or NULL when
 * the prefix is not one of the 63 codes. old_name_out (may be NULL) receives
 * the pre-2025 province name. */
const struct dc_province *dc_units_pin_prefix(const struct dc_units *u, int prefix,
                                              const char **old_name_out);

/* The old ID prefixes (e.g. 1 for "001") that map to a 2025 province; writes
 * up to max into out and returns how many exist. */
size_t dc_units_prefixes_of(const struct dc_units *u, const struct dc_province *p, int *out,
                            size_t max);

#endif
