/*
 * rules.c — the data-quality gate ("đúng, đủ, sạch, sống").
 *
 * Each check below is one rule of DC_RULES (rules.h). Rules look only at
 * the record, the reference tables and, when given, the parents' records.
 * They never modify anything. Order of hits follows the order of checks, so
 * reports are stable.
 */
#include <string.h>

#include "dancu/rules.h"
#include "dancu/text.h"
#include "dancu/units.h"

#include "core/internal.h"

static const struct dc_rule rules[] = {
#define DC__RULE_ROW(id, code, sev, dim, vi, en) {DC_RULE_##id, code, DC_RULE_##sev, dim, vi, en},
        DC_RULES(DC__RULE_ROW)
#undef DC__RULE_ROW
};

/* The 54 ethnic groups of Viet Nam (General Statistics Office list), NFC. */
static const char *const ethnicities[] = {
        "Kinh",    "Tày",     "Thái",    "Mường",  "Khmer",      "Hoa",    "Nùng",   "H'Mông",
        "Dao",     "Gia Rai", "Ê Đê",    "Ba Na",  "Sán Chay",   "Chăm",   "Cơ Ho",  "Xơ Đăng",
        "Sán Dìu", "Hrê",     "Ra Glai", "Mnông",  "Thổ",        "Xtiêng", "Khơ Mú", "Bru Vân Kiều",
        "Cơ Tu",   "Giáy",    "Tà Ôi",   "Mạ",     "Giẻ Triêng", "Co",     "Chơ Ro", "Xinh Mun",
        "Hà Nhì",  "Chu Ru",  "Lào",     "La Chí", "Kháng",      "Phù Lá", "La Hủ",  "La Ha",
        "Pà Thẻn", "Lự",      "Ngái",    "Chứt",   "Lô Lô",      "Mảng",   "Cơ Lao", "Bố Y",
        "Cống",    "Si La",   "Pu Péo",  "Rơ Măm", "Brâu",       "Ơ Đu",
};
_Static_assert(DC_ARRAY_LEN(ethnicities) == 54, "54 ethnic groups");

const struct dc_rule *dc_rule_get(enum dc_rule_id id)
{
	DC_ASSERT(id < DC_RULE_COUNT);
	return &rules[id];
}

const struct dc_rule *dc_rule_find(const char *code)
{
	for (size_t i = 0; i < DC_ARRAY_LEN(rules); i++)
		if (strcmp(rules[i].code, code) == 0)
			return &rules[i];
	return NULL;
}

int dc_rules_has_error(const struct dc_rule_hit *hits, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rules[hits[i].id].severity == DC_RULE_ERROR)
			return 1;
	return 0;
}

struct hitlist {
	struct dc_rule_hit *hits;
	size_t max;
	size_t n;
};

static void hit(struct hitlist *h, enum dc_rule_id id, const char *field)
{
	if (h->n < h->max) {
		h->hits[h->n].id = id;
		h->hits[h->n].field = field;
	}
	h->n++;
}

static int empty(const char *s)
{
	return !s || !*s;
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int known_ethnicity(const char *s)
{
	struct dc_buf a = DC_BUF_INIT, b = DC_BUF_INIT;
	int found = 0;
	for (size_t i = 0; i < DC_ARRAY_LEN(ethnicities); i++)
		if (strcmp(s, ethnicities[i]) == 0)
			return 1;
	/* Tolerate case, spacing, hyphens and missing diacritics. */
	if (dc_text_key_ascii(s, strlen(s), &a))
		goto cleanup;
	for (size_t i = 0; i < a.len; i++)
		if (a.ptr[i] == '-')
			a.ptr[i] = ' ';
	for (size_t i = 0; i < DC_ARRAY_LEN(ethnicities) && !found; i++) {
		dc_buf_reset(&b);
		if (dc_text_key_ascii(ethnicities[i], strlen(ethnicities[i]), &b))
			goto cleanup;
		found = b.len == a.len && memcmp(a.ptr, b.ptr, a.len) == 0;
	}
cleanup:
	dc_buf_release(&a);
	dc_buf_release(&b);
	return found;
}

static int valid_blood(const char *s)
{
	static const char *const groups[] = {"O", "A", "B", "AB"};
	size_t n = strlen(s);
	if (n && (s[n - 1] == '+' || s[n - 1] == '-'))
		n--;
	for (size_t i = 0; i < DC_ARRAY_LEN(groups); i++)
		if (strlen(groups[i]) == n && memcmp(s, groups[i], n) == 0)
			return 1;
	return 0;
}

static int valid_marital(const char *s)
{
	return !strcmp(s, "single") || !strcmp(s, "married") || !strcmp(s, "divorced") ||
	       !strcmp(s, "widowed");
}

static int valid_phone(const char *s)
{
	size_t n = strlen(s);
	if (!all_digits(s, n))
		return 0;
	return (n == 10 && s[0] == '0') || (n == 11 && s[0] == '8' && s[1] == '4');
}

static int valid_email(const char *s)
{
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@'))
		return 0;
	const char *dot = strrchr(at + 1, '.');
	if (!dot || dot == at + 1 || dot[1] == '\0')
		return 0;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return 0;
	return 1;
}

/* Is a commune code, or for birth registration also a province code, known? */
static int known_unit(const struct dc_units *u, const char *code, int allow_province)
{
	size_t n = strlen(code);
	if (n == 5)
		return dc_units_commune(u, code, n) != NULL;
	if (allow_province && n == 2)
		return dc_units_province(u, code, n) != NULL;
	return 0;
}

static const char *province_of_unit(const struct dc_units *u, const char *code)
{
	size_t n = strlen(code);
	if (n == 5) {
		const struct dc_commune *c = dc_units_commune(u, code, n);
		return c ? c->province_code : NULL;
	}
	if (n == 2) {
		const struct dc_province *p = dc_units_province(u, code, n);
		return p ? p->code : NULL;
	}
	return NULL;
}

static void check_text(struct hitlist *h, const struct dc_citizen *c)
{
	for (size_t i = DC_CITIZEN_NFIXED; i < dc_citizen_ncolumns(); i++) {
		const char **f = dc_citizen_text_field((struct dc_citizen *)c, i);
		if (empty(*f))
			continue;
		size_t n = strlen(*f);
		if (!dc_text_valid_utf8(*f, n))
			hit(h, DC_RULE_TEXT_UTF8, dc_citizen_column(i));
		else if (n > dc_citizen_column_max(i))
			hit(h, DC_RULE_TEXT_LONG, dc_citizen_column(i));
	}
}

static void check_pin(struct hitlist *h, const struct dc_rule_ctx *ctx, const struct dc_citizen *c)
{
	struct dc_pin_info info;
	if (c->pin.d[0] == '\0') {
		hit(h, DC_RULE_PIN_REQUIRED, "pin");
		return;
	}
	dc_pin_decode(&c->pin, ctx->units, &info);
	if (c->dob.year && info.birth_year != c->dob.year)
		hit(h, DC_RULE_PIN_YEAR, "pin");
	if (c->sex != DC_SEX_UNKNOWN && info.sex != (enum dc_sex)c->sex)
		hit(h, DC_RULE_PIN_SEX, "pin");
	if (info.origin == DC_PIN_ORIGIN_UNKNOWN) {
		hit(h, DC_RULE_PIN_PREFIX, "pin");
	} else if (info.origin == DC_PIN_ORIGIN_PROVINCE && !empty(c->birth_reg_unit)) {
		const char *prov = province_of_unit(ctx->units, c->birth_reg_unit);
		if (prov && strcmp(prov, info.province_2025) != 0)
			hit(h, DC_RULE_PIN_PROVINCE, "pin");
	}
}

static void check_links(struct hitlist *h, const struct dc_citizen *c)
{
	const char *links[] = {c->father_pin, c->mother_pin, c->spouse_pin, c->rep_pin};
	const char *names[] = {"father_pin", "mother_pin", "spouse_pin", "rep_pin"};
	for (size_t i = 0; i < DC_ARRAY_LEN(links); i++) {
		if (empty(links[i]))
			continue;
		if (strlen(links[i]) != 12 || !all_digits(links[i], 12))
			hit(h, DC_RULE_PIN_LINK, names[i]);
		else if (i < 2 && strcmp(links[i], c->pin.d) == 0)
			hit(h, DC_RULE_PARENT_SELF, names[i]);
	}
}

static void check_dates(struct hitlist *h, const struct dc_rule_ctx *ctx,
                        const struct dc_citizen *c)
{
	if (c->dob.year == 0) {
		hit(h, DC_RULE_DOB_REQUIRED, "dob");
	} else if (dc_date_cmp(&c->dob, &ctx->today) > 0) {
		hit(h, DC_RULE_DOB_FUTURE, "dob");
	} else if (dc_date_age(&c->dob, &ctx->today) > 130) {
		hit(h, DC_RULE_DOB_TOO_OLD, "dob");
	}
	int has_death = c->death_date.year != 0;
	if ((c->status == DC_STATUS_ALIVE) == has_death)
		hit(h, DC_RULE_DEATH_STATUS, "death_date");
	if (has_death && c->dob.year && dc_date_cmp(&c->death_date, &c->dob) < 0)
		hit(h, DC_RULE_DEATH_BEFORE_BIRTH, "death_date");
	if (has_death && c->status == DC_STATUS_DEAD && c->perm_since.year &&
	    dc_date_cmp(&c->perm_since, &c->death_date) > 0)
		hit(h, DC_RULE_RESIDENCE_DEAD, "perm_since");
}

static void check_units(struct hitlist *h, const struct dc_rule_ctx *ctx,
                        const struct dc_citizen *c)
{
	const char *communes[] = {c->perm_commune, c->temp_commune, c->cur_commune};
	const char *names[] = {"perm_commune", "temp_commune", "cur_commune"};
	int any = 0;
	for (size_t i = 0; i < DC_ARRAY_LEN(communes); i++) {
		if (empty(communes[i]))
			continue;
		any = 1;
		if (!known_unit(ctx->units, communes[i], 0))
			hit(h, DC_RULE_COMMUNE, names[i]);
	}
	if (!any && c->status == DC_STATUS_ALIVE)
		hit(h, DC_RULE_RESIDENCE_MISSING, "perm_commune");
	if (!empty(c->birth_reg_unit) && !known_unit(ctx->units, c->birth_reg_unit, 1))
		hit(h, DC_RULE_BIRTH_REG, "birth_reg_unit");
}

static void check_codes(struct hitlist *h, const struct dc_citizen *c)
{
	if (empty(c->nationality) || strlen(c->nationality) != 2 || c->nationality[0] < 'A' ||
	    c->nationality[0] > 'Z' || c->nationality[1] < 'A' || c->nationality[1] > 'Z')
		hit(h, DC_RULE_NATIONALITY, "nationality");
	if (!empty(c->ethnicity) && !known_ethnicity(c->ethnicity))
		hit(h, DC_RULE_ETHNICITY, "ethnicity");
	if (empty(c->household_id) != empty(c->head_relation))
		hit(h, DC_RULE_HOUSEHOLD, "household_id");
	if (!empty(c->head_relation) &&
	    !dc_relation_valid(c->head_relation, strlen(c->head_relation)))
		hit(h, DC_RULE_RELATION, "head_relation");
	if (!empty(c->marital_status) && !valid_marital(c->marital_status))
		hit(h, DC_RULE_MARITAL, "marital_status");
	if (!empty(c->blood_group) && !valid_blood(c->blood_group))
		hit(h, DC_RULE_BLOOD, "blood_group");
	if (!empty(c->cmnd9) && (strlen(c->cmnd9) != 9 || !all_digits(c->cmnd9, 9)))
		hit(h, DC_RULE_CMND, "cmnd9");
	if (!empty(c->phone) && !valid_phone(c->phone))
		hit(h, DC_RULE_PHONE, "phone");
	if (!empty(c->email) && !valid_email(c->email))
		hit(h, DC_RULE_EMAIL, "email");
}

size_t dc_rules_check_parent(const struct dc_citizen *child, const struct dc_citizen *parent,
                             int is_father, struct dc_rule_hit *hits, size_t max)
{
	struct hitlist h = {hits, max, 0};
	const char *field = is_father ? "father_pin" : "mother_pin";
	int want = is_father ? DC_SEX_MALE : DC_SEX_FEMALE;
	if (parent->sex != DC_SEX_UNKNOWN && parent->sex != want)
		hit(&h, DC_RULE_PARENT_SEX, field);
	if (parent->dob.year && child->dob.year) {
		int full = dc_date_precision(&parent->dob) == DC_DATE_DAY &&
		           dc_date_precision(&child->dob) == DC_DATE_DAY;
		/* With a partial date, fire only when the parent is surely too
		 * young: the year difference alone is under 12. */
		int young = full ? dc_date_age(&parent->dob, &child->dob) < 12
		                 : child->dob.year - parent->dob.year < 12;
		if (young)
			hit(&h, DC_RULE_PARENT_YOUNG, field);
	}
	return h.n < max ? h.n : max;
}

size_t dc_rules_check(const struct dc_rule_ctx *ctx, const struct dc_citizen *c,
                      struct dc_rule_hit *hits, size_t max)
{
	struct hitlist h = {hits, max, 0};
	check_text(&h, c);
	check_pin(&h, ctx, c);
	if (empty(c->birth_name))
		hit(&h, DC_RULE_NAME_REQUIRED, "birth_name");
	else if (!dc_text_is_name(c->birth_name, strlen(c->birth_name)))
		hit(&h, DC_RULE_NAME_INVALID, "birth_name");
	if (!empty(c->other_names) && !dc_text_is_name(c->other_names, strlen(c->other_names)))
		hit(&h, DC_RULE_NAME_INVALID, "other_names");
	if (c->sex != DC_SEX_MALE && c->sex != DC_SEX_FEMALE)
		hit(&h, DC_RULE_SEX_REQUIRED, "sex");
	check_dates(&h, ctx, c);
	check_units(&h, ctx, c);
	check_codes(&h, c);
	check_links(&h, c);
	if (ctx->father) {
		struct dc_rule_hit ph[2];
		size_t n = dc_rules_check_parent(c, ctx->father, 1, ph, 2);
		for (size_t i = 0; i < n; i++)
			hit(&h, ph[i].id, ph[i].field);
	}
	if (ctx->mother) {
		struct dc_rule_hit ph[2];
		size_t n = dc_rules_check_parent(c, ctx->mother, 0, ph, 2);
		for (size_t i = 0; i < n; i++)
			hit(&h, ph[i].id, ph[i].field);
	}
	return h.n;
}
