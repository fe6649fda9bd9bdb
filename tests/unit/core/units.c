/* Tests for src/core/units.c. The two CSV files are read here again with a
 * separate little reader, and every row is checked against the library's
 * tables: counts, every code lookup, every name lookup in several spellings,
 * the 63 old ID prefixes; plus hand-written tolerant lookups and unknown
 * codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/text.h"
#include "dancu/units.h"
#include "lib/testlib.h"

static struct dc_units *u;

/* One row of a CSV file as read by the test: fields cut in place. */
#define MAX_ROWS 4000
#define MAX_FIELDS 8

struct table {
	char *text;
	char *f[MAX_ROWS][MAX_FIELDS];
	size_t rows; /* without the header */
};

static struct table units_csv, prefix_csv;

/* Reads data/name; the files have no quotes, so fields split at commas. */
static void load(const char *name, size_t nfields, struct table *t)
{
	char path[512];
	long size;
	FILE *f;
	dc_test_data_path(name, path, sizeof path);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	t->text = malloc((size_t)size + 1);
	assert_non_null(t->text);
	assert_int_equal(fread(t->text, 1, (size_t)size, f), (size_t)size);
	t->text[size] = '\0';
	fclose(f);
	assert_null(strchr(t->text, '"'));
	t->rows = 0;
	char *line = t->text;
	bool header = true;
	while (*line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (*line && !header) {
			size_t k = 0;
			assert_true(t->rows < MAX_ROWS);
			for (char *p = line; p; k++) {
				char *c = strchr(p, ',');
				assert_true(k < nfields);
				t->f[t->rows][k] = p;
				if (c)
					*c = '\0';
				p = c ? c + 1 : NULL;
			}
			assert_int_equal(k, nfields);
			t->rows++;
		}
		header = false;
		line = nl ? nl + 1 : line + strlen(line);
	}
}

static int setup(void **st)
{
	load("admin-units-2025.csv", 7, &units_csv);
	load("id-province-codes.csv", 4, &prefix_csv);
	return dc_units_new(&u);
}

static int teardown(void **st)
{
	dc_units_free(u);
	free(units_csv.text);
	free(prefix_csv.text);
	return 0;
}

static enum dc_commune_type type_of(const char *s)
{
	if (strcmp(s, "Ward") == 0)
		return DC_COMMUNE_WARD;
	if (strcmp(s, "Commune") == 0)
		return DC_COMMUNE_COMMUNE;
	assert_string_equal(s, "Special administrative region");
	return DC_COMMUNE_SPECIAL;
}

static const struct dc_province *prov_by_name(const char *s)
{
	return dc_units_province_by_name(u, s, strlen(s));
}

static size_t comm_by_name(const struct dc_province *p, const char *s,
                           const struct dc_commune **out, size_t max)
{
	return dc_units_commune_by_name(u, p, s, strlen(s), out, max);
}

/* s without its first word(s) when they are the given type word. */
static const char *drop_type(const char *s, const char *word)
{
	size_t n = strlen(word);
	if (strncmp(s, word, n) == 0 && s[n] == ' ')
		return s + n + 1;
	return s;
}

static const char *ascii(const char *s)
{
	static char out[4][512];
	static int k;
	struct dc_buf b = DC_BUF_INIT;
	assert_int_equal(dc_text_key_ascii(s, strlen(s), &b), 0);
	k = (k + 1) % 4;
	snprintf(out[k], sizeof out[k], "%s", dc_buf_str(&b));
	dc_buf_release(&b);
	return out[k];
}

/* --- counts and codes ------------------------------------------------------- */

static void test_counts(void **st)
{
	size_t per_type[3] = {0, 0, 0}, sum = 0;
	assert_int_equal(units_csv.rows, 3321);
	assert_int_equal(dc_units_ncommunes(u), units_csv.rows);
	assert_int_equal(dc_units_nprovinces(u), 34);
	for (size_t i = 0; i < dc_units_ncommunes(u); i++)
		per_type[dc_units_commune_at(u, i)->type]++;
	/* Counted from the file by hand (cut -d, -f7 | sort | uniq -c). */
	assert_int_equal(per_type[DC_COMMUNE_WARD], 697);
	assert_int_equal(per_type[DC_COMMUNE_COMMUNE], 2611);
	assert_int_equal(per_type[DC_COMMUNE_SPECIAL], 13);
	for (size_t i = 0; i < dc_units_nprovinces(u); i++)
		sum += dc_units_province_at(u, i)->ncommunes;
	assert_int_equal(sum, 3321);
	assert_null(dc_units_province_at(u, 34));
	assert_null(dc_units_commune_at(u, 3321));
	const struct dc_province *hcm = dc_units_province(u, "79", 2);
	assert_non_null(hcm);
	assert_string_equal(hcm->name, "Thành phố Hồ Chí Minh");
	assert_string_equal(hcm->name_en, "Ho Chi Minh");
	assert_int_equal(hcm->ncommunes, 168);
	const struct dc_commune *bd = dc_units_commune(u, "00004", 5);
	assert_non_null(bd);
	assert_string_equal(bd->name, "Phường Ba Đình");
	assert_string_equal(bd->name_en, "Ba Dinh");
	assert_string_equal(bd->province_code, "01");
	assert_int_equal(bd->type, DC_COMMUNE_WARD);
}

/* Every row of the file is in the tables, with the same fields. */
static void test_every_row(void **st)
{
	for (size_t r = 0; r < units_csv.rows; r++) {
		char **f = units_csv.f[r];
		const struct dc_commune *c = dc_units_commune(u, f[3], strlen(f[3]));
		const struct dc_province *p = dc_units_province(u, f[0], strlen(f[0]));
		assert_non_null(c);
		assert_non_null(p);
		assert_string_equal(c->code, f[3]);
		assert_string_equal(c->province_code, f[0]);
		assert_string_equal(c->name, f[4]);
		assert_string_equal(c->name_en, f[5]);
		assert_int_equal(c->type, type_of(f[6]));
		assert_string_equal(p->code, f[0]);
		assert_string_equal(p->name, f[1]);
		assert_string_equal(p->name_en, f[2]);
	}
	/* Each province's commune count matches the rows that name it. */
	for (size_t i = 0; i < dc_units_nprovinces(u); i++) {
		const struct dc_province *p = dc_units_province_at(u, i);
		size_t rows = 0;
		for (size_t r = 0; r < units_csv.rows; r++)
			rows += strcmp(units_csv.f[r][0], p->code) == 0;
		assert_int_equal(p->ncommunes, rows);
	}
}

/* Positional access is sorted by code and round-trips through the lookups. */
static void test_order_and_round_trip(void **st)
{
	for (size_t i = 0; i < dc_units_ncommunes(u); i++) {
		const struct dc_commune *c = dc_units_commune_at(u, i);
		assert_ptr_equal(dc_units_commune(u, c->code, strlen(c->code)), c);
		assert_non_null(dc_units_province(u, c->province_code, 2));
		if (i)
			assert_true(strcmp(dc_units_commune_at(u, i - 1)->code, c->code) < 0);
	}
	for (size_t i = 0; i < dc_units_nprovinces(u); i++) {
		const struct dc_province *p = dc_units_province_at(u, i);
		assert_ptr_equal(dc_units_province(u, p->code, 2), p);
		if (i)
			assert_true(strcmp(dc_units_province_at(u, i - 1)->code, p->code) < 0);
	}
}

static void test_unknown_codes(void **st)
{
	static const char *const provinces[] = {"00", "02", "99", "1", "001", "", "0", "ab", "1a"};
	static const char *const communes[] = {"00000", "99999", "0004",   "000040",
	                                       "",      "abcde", "00004 ", " 0004"};
	for (size_t i = 0; i < sizeof provinces / sizeof *provinces; i++)
		assert_null(dc_units_province(u, provinces[i], strlen(provinces[i])));
	for (size_t i = 0; i < sizeof communes / sizeof *communes; i++)
		assert_null(dc_units_commune(u, communes[i], strlen(communes[i])));
	/* Only n bytes count: "01x" with n = 2 is "01". */
	assert_non_null(dc_units_province(u, "01x", 2));
	assert_null(dc_units_province(u, "0\0", 2));
	assert_null(dc_units_province(u, NULL, 0));
	assert_null(dc_units_commune(u, NULL, 0));
}

/* --- names --------------------------------------------------------------- */

/* Every province by its published name, without "Tỉnh"/"Thành phố", in
 * capitals, without diacritics, and by its English name. */
static void test_every_province_by_name(void **st)
{
	for (size_t i = 0; i < dc_units_nprovinces(u); i++) {
		const struct dc_province *p = dc_units_province_at(u, i);
		const char *bare = drop_type(drop_type(p->name, "Tỉnh"), "Thành phố");
		char buf[256];
		assert_ptr_not_equal(bare, p->name);
		assert_ptr_equal(prov_by_name(p->name), p);
		assert_ptr_equal(prov_by_name(bare), p);
		assert_ptr_equal(prov_by_name(ascii(p->name)), p);
		assert_ptr_equal(prov_by_name(ascii(bare)), p);
		assert_ptr_equal(prov_by_name(p->name_en), p);
		snprintf(buf, sizeof buf, "  %s  province ", p->name_en);
		assert_ptr_equal(prov_by_name(buf), p);
		snprintf(buf, sizeof buf, "TP. %s", bare);
		assert_ptr_equal(prov_by_name(buf), p);
	}
}

/* Every commune by name, within its province and anywhere. */
static void test_every_commune_by_name(void **st)
{
	const struct dc_commune *found[64];
	size_t max_same = 0;
	for (size_t i = 0; i < dc_units_ncommunes(u); i++) {
		const struct dc_commune *c = dc_units_commune_at(u, i);
		const struct dc_province *p = dc_units_province(u, c->province_code, 2);
		const char *bare = c->name + strcspn(c->name, " ") + 1;
		if (strncmp(c->name, "Đặc khu ", strlen("Đặc khu ")) == 0)
			bare = c->name + strlen("Đặc khu ");
		/* The published name is unique within the province. */
		assert_int_equal(comm_by_name(p, c->name, found, 64), 1);
		assert_ptr_equal(found[0], c);
		assert_int_equal(comm_by_name(p, bare, found, 64), 1);
		assert_ptr_equal(found[0], c);
		/* Without diacritics it may collide; it is among the matches. */
		size_t n = comm_by_name(p, ascii(c->name), found, 64);
		bool in = false;
		assert_true(n >= 1 && n <= 64);
		for (size_t k = 0; k < n; k++)
			in |= found[k] == c;
		assert_true(in);
		/* Anywhere: names repeat across provinces. */
		n = comm_by_name(NULL, bare, found, 64);
		in = false;
		assert_true(n >= 1 && n <= 64);
		for (size_t k = 0; k < n; k++) {
			in |= found[k] == c;
			if (k)
				assert_true(strcmp(found[k - 1]->code, found[k]->code) < 0);
		}
		assert_true(in);
		if (n > max_same)
			max_same = n;
	}
	assert_true(max_same >= 10); /* "Tân An" is in ten provinces */
}

static void test_tolerant_names(void **st)
{
	static const char *const thanh_hoa[] = {"Thanh Hoá",         "Thanh Hóa",
	                                        "thanh hoa",         "Tỉnh Thanh Hoá",
	                                        "THANH HÓA",         "TỈNH  THANH HÓA",
	                                        "tinh thanh hoa",    "Tinh Thanh Hoa",
	                                        " thanh\thoa ",      "Thanh Ho\xCC\x81\x61",
	                                        "Thanh Hoa province"};
	for (size_t i = 0; i < sizeof thanh_hoa / sizeof *thanh_hoa; i++) {
		const struct dc_province *p = prov_by_name(thanh_hoa[i]);
		if (!p || strcmp(p->code, "38") != 0)
			fail_msg("%s", thanh_hoa[i]);
	}
	assert_string_equal(prov_by_name("Khánh Hòa")->code, "56");
	assert_string_equal(prov_by_name("Hà Nội")->code, "01");
	assert_string_equal(prov_by_name("Hanoi")->code, "01");
	assert_string_equal(prov_by_name("TP.Hồ Chí Minh")->code, "79");
	assert_string_equal(prov_by_name("tp ho chi minh")->code, "79");
	assert_string_equal(prov_by_name("Ho Chi Minh City")->code, "79");
	assert_string_equal(prov_by_name("Đắk Lắk")->code, "66");
	assert_string_equal(prov_by_name("dak lak")->code, "66");
	assert_null(prov_by_name("Atlantis"));
	assert_null(prov_by_name("Tỉnh"));
	assert_null(prov_by_name(""));
	assert_null(prov_by_name("Hà Giang")); /* merged in 2025 */
	assert_null(dc_units_province_by_name(u, "\xFF", 1));
	assert_null(dc_units_province_by_name(u, NULL, 0));

	const struct dc_commune *found[16];
	const struct dc_province *hn = dc_units_province(u, "01", 2);
	assert_int_equal(comm_by_name(hn, "phuong ba dinh", found, 16), 1);
	assert_string_equal(found[0]->code, "00004");
	assert_int_equal(comm_by_name(hn, "P. Ba Đình", found, 16), 1);
	assert_string_equal(found[0]->code, "00004");
	/* A name that starts like a type word ("Phương", "Xa", "Tịnh"). */
	static const char *const tricky[][2] = {{"Phương Liệt", "Phường Phương Liệt"},
	                                        {"phuong liet", "Phường Phương Liệt"},
	                                        {"Phường Phương Liệt", "Phường Phương Liệt"},
	                                        {"phuong phuong liet", "Phường Phương Liệt"},
	                                        {"xa dung", "Xã Xa Dung"},
	                                        {"Xã Xa Dung", "Xã Xa Dung"},
	                                        {"Tịnh Khê", "Xã Tịnh Khê"},
	                                        {"tinh khe", "Xã Tịnh Khê"}};
	for (size_t i = 0; i < sizeof tricky / sizeof *tricky; i++) {
		size_t n = comm_by_name(NULL, tricky[i][0], found, 16);
		if (n != 1 || strcmp(found[0]->name, tricky[i][1]) != 0)
			fail_msg("%s: %zu matches", tricky[i][0], n);
	}
	assert_int_equal(comm_by_name(NULL, "Nowhere", found, 16), 0);
	assert_int_equal(comm_by_name(NULL, "Phường", found, 16), 0);
	assert_int_equal(comm_by_name(NULL, "\xC0", found, 16), 0);
}

/* A type word in the query prefers units of that type. */
static void test_type_preference(void **st)
{
	const struct dc_commune *found[64];
	size_t all = comm_by_name(NULL, "Tân An", found, 64);
	size_t wards = 0, communes = 0;
	for (size_t i = 0; i < all; i++) {
		wards += found[i]->type == DC_COMMUNE_WARD;
		communes += found[i]->type == DC_COMMUNE_COMMUNE;
	}
	assert_true(wards > 0 && communes > 0);
	assert_int_equal(comm_by_name(NULL, "Phường Tân An", found, 64), wards);
	for (size_t i = 0; i < wards; i++)
		assert_int_equal(found[i]->type, DC_COMMUNE_WARD);
	assert_int_equal(comm_by_name(NULL, "Xã Tân An", found, 64), communes);
	for (size_t i = 0; i < communes; i++)
		assert_int_equal(found[i]->type, DC_COMMUNE_COMMUNE);
	/* The same without diacritics (which also finds "Tân Ân" and the like). */
	size_t n = comm_by_name(NULL, "xa tan an", found, 64);
	assert_true(n >= communes);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(found[i]->type, DC_COMMUNE_COMMUNE);
	/* The wrong type word still finds the only unit of that name. */
	const struct dc_province *hn = dc_units_province(u, "01", 2);
	assert_int_equal(comm_by_name(hn, "Xã Ba Đình", found, 64), 1);
	assert_string_equal(found[0]->code, "00004");
	assert_int_equal(comm_by_name(NULL, "Đặc khu Cô Tô", found, 64), 1);
	assert_int_equal(found[0]->type, DC_COMMUNE_SPECIAL);
}

/* The count is the total; only max are written. */
static void test_max(void **st)
{
	const struct dc_commune *found[3] = {NULL, NULL, NULL};
	const struct dc_commune *sentinel = (const struct dc_commune *)&found;
	size_t all = comm_by_name(NULL, "Tân An", NULL, 0);
	assert_int_equal(all, 10);
	found[2] = sentinel;
	assert_int_equal(comm_by_name(NULL, "Tân An", found, 2), all);
	assert_non_null(found[0]);
	assert_non_null(found[1]);
	assert_ptr_equal(found[2], sentinel);
	const struct dc_province *hn = dc_units_province(u, "01", 2);
	assert_int_equal(comm_by_name(hn, "Tân An", found, 2), 0);
}

/* --- ID prefixes ------------------------------------------------------------ */

static void test_prefixes(void **st)
{
	bool listed[1000] = {false};
	size_t total = 0;
	assert_int_equal(prefix_csv.rows, 63);
	for (size_t r = 0; r < prefix_csv.rows; r++) {
		char **f = prefix_csv.f[r];
		int prefix = (int)strtol(f[0], NULL, 10);
		const char *old = NULL;
		const struct dc_province *p = dc_units_pin_prefix(u, prefix, &old);
		assert_int_equal(strlen(f[0]), 3);
		assert_false(listed[prefix]);
		listed[prefix] = true;
		assert_non_null(p);
		assert_string_equal(p->code, f[2]);
		assert_string_equal(p->name, f[3]);
		assert_non_null(old);
		assert_string_equal(old, f[1]);
		assert_ptr_equal(dc_units_pin_prefix(u, prefix, NULL), p);
		int out[16];
		size_t n = dc_units_prefixes_of(u, p, out, 16);
		bool found = false;
		assert_true(n >= 1 && n <= 16);
		for (size_t i = 0; i < n; i++) {
			found |= out[i] == prefix;
			if (i)
				assert_true(out[i - 1] < out[i]);
		}
		assert_true(found);
	}
	for (int prefix = 0; prefix < 1000; prefix++)
		if (!listed[prefix])
			assert_null(dc_units_pin_prefix(u, prefix, NULL));
	assert_null(dc_units_pin_prefix(u, -1, NULL));
	assert_null(dc_units_pin_prefix(u, 1000, NULL));
	/* Every 2025 province has at least one old prefix; together, 63. */
	for (size_t i = 0; i < dc_units_nprovinces(u); i++) {
		size_t n = dc_units_prefixes_of(u, dc_units_province_at(u, i), NULL, 0);
		assert_true(n >= 1);
		total += n;
	}
	assert_int_equal(total, 63);
	assert_int_equal(dc_units_prefixes_of(u, NULL, NULL, 0), 0);
}

static void test_prefix_known(void **st)
{
	const char *old = NULL;
	assert_string_equal(dc_units_pin_prefix(u, 1, &old)->code, "01");
	assert_string_equal(old, "Hà Nội");
	assert_string_equal(dc_units_pin_prefix(u, 2, &old)->code, "08");
	assert_string_equal(old, "Hà Giang");
	assert_string_equal(dc_units_pin_prefix(u, 79, &old)->code, "79");
	assert_null(dc_units_pin_prefix(u, 3, &old));
	assert_string_equal(old, "Thành phố Hồ Chí Minh"); /* untouched on NULL */
	assert_null(dc_units_pin_prefix(u, 0, NULL));
	/* Tuyên Quang took in Hà Giang: prefixes 2 and 8. */
	int out[4];
	const struct dc_province *tq = dc_units_province(u, "08", 2);
	assert_int_equal(dc_units_prefixes_of(u, tq, out, 4), 2);
	assert_int_equal(out[0], 2);
	assert_int_equal(out[1], 8);
	/* A province from another dc_units works too (matched by code). */
	struct dc_units *other;
	assert_int_equal(dc_units_new(&other), 0);
	assert_int_equal(dc_units_prefixes_of(u, dc_units_province(other, "08", 2), out, 1), 2);
	assert_int_equal(out[0], 2);
	dc_units_free(other);
	dc_units_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_counts),
	        cmocka_unit_test(test_every_row),
	        cmocka_unit_test(test_order_and_round_trip),
	        cmocka_unit_test(test_unknown_codes),
	        cmocka_unit_test(test_every_province_by_name),
	        cmocka_unit_test(test_every_commune_by_name),
	        cmocka_unit_test(test_tolerant_names),
	        cmocka_unit_test(test_type_preference),
	        cmocka_unit_test(test_max),
	        cmocka_unit_test(test_prefixes),
	        cmocka_unit_test(test_prefix_known),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
