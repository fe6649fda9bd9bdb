/*
 * match.c — comparing claimed attributes with a register record, one reason
 * code per field (see dancu/verify.h for the codes and what they mean).
 *
 * Every comparison tries the cheapest test first: byte equality answers
 * "exact" for the bulk of a bank's file without touching utf8proc. Only when
 * the bytes differ are the normalised and ASCII keys of text.h computed, in
 * scratch buffers that one thread reuses for every row.
 */
#include <string.h>

#include "dancu/text.h"
#include "dancu/units.h"
#include "dancu/verify.h"

#include "core/internal.h"

#define CODE(e, code) code,
static const char *const field_codes[] = {DC_VERIFY_FIELDS(CODE)};
static const char *const reason_codes[] = {DC_VERIFY_REASONS(CODE)};
static const char *const purpose_codes[] = {DC_VERIFY_PURPOSES(CODE)};
#undef CODE
static const char *const status_codes[] = {"found", "not_found", "deceased", "missing"};
static const char *const card_codes[] = {"unknown", "valid", "expired", "revoked"};

const char *dc_vfield_code(enum dc_vfield f)
{
	return (unsigned)f < DC_VF__COUNT ? field_codes[f] : NULL;
}

const char *dc_vreason_code(enum dc_vreason r)
{
	return (unsigned)r < DC_VR__COUNT ? reason_codes[r] : NULL;
}

const char *dc_vstatus_code(enum dc_vstatus s)
{
	return (unsigned)s < DC_VS__COUNT ? status_codes[s] : NULL;
}

const char *dc_verify_card_state_code(enum dc_verify_card_state s)
{
	return (unsigned)s <= DC_VCARD_REVOKED ? card_codes[s] : NULL;
}

const char *dc_vpurpose_code(enum dc_vpurpose p)
{
	return (unsigned)p < DC_VP__COUNT ? purpose_codes[p] : NULL;
}

static int lookup(const char *const *tab, int n, const char *s, size_t len)
{
	for (int i = 0; s && i < n; i++)
		if (strlen(tab[i]) == len && !memcmp(tab[i], s, len))
			return i;
	return -1;
}

int dc_vfield_parse(const char *s, size_t n)
{
	return lookup(field_codes, DC_VF__COUNT, s, n);
}

int dc_vpurpose_parse(const char *s, size_t n)
{
	return lookup(purpose_codes, DC_VP__COUNT, s, n);
}

int dc_vreason_is_match(enum dc_vreason r)
{
	return r == DC_VR_EXACT || r == DC_VR_NORMALISED || r == DC_VR_NO_DIACRITICS;
}

void dc_verify_scratch_init(struct dc_verify_scratch *s)
{
	dc_buf_init(&s->a, 1u << 16);
	dc_buf_init(&s->b, 1u << 16);
	dc_buf_init(&s->c, 1u << 16);
	dc_buf_init(&s->d, 1u << 16);
}

void dc_verify_scratch_release(struct dc_verify_scratch *s)
{
	dc_buf_release(&s->a);
	dc_buf_release(&s->b);
	dc_buf_release(&s->c);
	dc_buf_release(&s->d);
}

static int empty(const char *s)
{
	return !s || !*s;
}

int dc_verify_name(const char *claim, size_t n, const char *rec, struct dc_verify_scratch *s)
{
	(void)s;
	if (empty(rec))
		return DC_VR_NO_RECORD;
	size_t rn = strlen(rec);
	if (rn == n && !memcmp(claim, rec, n))
		return DC_VR_EXACT;
	int m = dc_name_compare(claim, n, rec, rn);
	switch (m) {
	case DC_NAME_EXACT:
		return DC_VR_EXACT; /* canonically equivalent (NFD input) */
	case DC_NAME_NORMALISED:
		return DC_VR_NORMALISED;
	case DC_NAME_NO_DIACRITICS:
		return DC_VR_NO_DIACRITICS;
	case DC_NAME_PARTIAL:
		return DC_VR_PARTIAL;
	case DC_NAME_DIFFERENT:
		return DC_VR_MISMATCH;
	case DC_ERR_INVALID:
		return DC_VR_INVALID;
	default:
		return m < 0 ? m : DC_VR_MISMATCH;
	}
}

enum dc_vreason dc_verify_date(const char *claim, size_t n, const struct dc_date *rec)
{
	struct dc_date c;
	char iso[DC_DATE_ISO_MAX];
	const char *raw = claim;
	size_t rawn = n;
	/* Trim surrounding spaces: "  1990-01-02 " is a date. */
	while (n && (*claim == ' ' || *claim == '\t')) {
		claim++;
		n--;
	}
	while (n && (claim[n - 1] == ' ' || claim[n - 1] == '\t'))
		n--;
	if (dc_date_parse(claim, n, &c))
		return DC_VR_INVALID;
	if (!rec || dc_date_precision(rec) == DC_DATE_NONE)
		return DC_VR_NO_RECORD;
	if (c.year == rec->year && c.month == rec->month && c.day == rec->day) {
		size_t k = dc_date_iso(rec, iso);
		return k == rawn && !memcmp(iso, raw, rawn) ? DC_VR_EXACT : DC_VR_NORMALISED;
	}
	/* One side less precise but compatible: "1990" for 1990-05-12, or a
	 * full date claimed for a record known only to the year. */
	return dc_date_cmp(&c, rec) == 0 ? DC_VR_PARTIAL : DC_VR_MISMATCH;
}

/* 'M', 'F', or 0 for a spelling of sex we do not know. */
static int sex_of(const char *s, size_t n)
{
	static const char *const male[] = {"m", "nam", "male"};
	static const char *const female[] = {"f", "nữ", "nu", "female"};
	char low[16];
	if (n == 0 || n >= sizeof low)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		low[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	low[n] = '\0';
	/* "NỮ": upper-case Ữ (U+1EEE, e1 bb ae) → ữ (U+1EEF, e1 bb af) */
	if (n == 4 && !memcmp(low, "n\xe1\xbb\xae", 4))
		low[3] = (char)0xaf;
	for (size_t i = 0; i < DC_ARRAY_LEN(male); i++)
		if (!strcmp(low, male[i]))
			return 'M';
	for (size_t i = 0; i < DC_ARRAY_LEN(female); i++)
		if (!strcmp(low, female[i]))
			return 'F';
	return 0;
}

enum dc_vreason dc_verify_sex(const char *claim, size_t n, int rec_sex)
{
	int c = sex_of(claim, n);
	if (!c)
		return DC_VR_INVALID;
	if (rec_sex != DC_SEX_MALE && rec_sex != DC_SEX_FEMALE)
		return DC_VR_NO_RECORD;
	if (c != rec_sex)
		return DC_VR_MISMATCH;
	return n == 1 && claim[0] == (char)rec_sex ? DC_VR_EXACT : DC_VR_NORMALISED;
}

/* Digits of a phone number in national form ("0…"): separators dropped,
 * +84 / 84 turned into 0. Returns the length, or 0 when s holds anything
 * else than digits, spaces, . - ( ) and a leading +. */
static size_t phone_norm(const char *s, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	int plus = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9') {
			if (k + 1 >= cap)
				return 0;
			out[k++] = c;
		} else if (c == '+' && k == 0 && !plus) {
			plus = 1;
		} else if (c != ' ' && c != '.' && c != '-' && c != '(' && c != ')') {
			return 0;
		}
	}
	if (k >= 11 && out[0] == '8' && out[1] == '4') {
		out[0] = '0';
		memmove(out + 1, out + 2, k - 2);
		k--;
	} else if (plus) {
		return 0; /* a foreign number: compare digits as they are below */
	}
	out[k] = '\0';
	return k;
}

enum dc_vreason dc_verify_phone(const char *claim, size_t n, const char *rec)
{
	char a[32], b[32];
	size_t an, bn;
	if (empty(rec))
		return DC_VR_NO_RECORD;
	size_t rn = strlen(rec);
	if (rn == n && !memcmp(claim, rec, n))
		return DC_VR_EXACT;
	an = phone_norm(claim, n, a, sizeof a);
	if (!an)
		return DC_VR_INVALID;
	bn = phone_norm(rec, rn, b, sizeof b);
	return an == bn && !memcmp(a, b, an) ? DC_VR_NORMALISED : DC_VR_MISMATCH;
}

enum dc_vreason dc_verify_email(const char *claim, size_t n, const char *rec)
{
	if (empty(rec))
		return DC_VR_NO_RECORD;
	size_t rn = strlen(rec);
	if (rn == n && !memcmp(claim, rec, n))
		return DC_VR_EXACT;
	if (!memchr(claim, '@', n))
		return DC_VR_INVALID;
	if (rn != n)
		return DC_VR_MISMATCH;
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)claim[i], y = (unsigned char)rec[i];
		if ((x >= 'A' && x <= 'Z' ? x + 32 : x) != (y >= 'A' && y <= 'Z' ? y + 32 : y))
			return DC_VR_MISMATCH;
	}
	return DC_VR_NORMALISED;
}

enum dc_vreason dc_verify_nationality(const char *claim, size_t n, const char *rec)
{
	static const char *const vn[] = {"vn", "vnm", "viet nam", "vietnam", "việt nam"};
	char low[16];
	if (empty(rec))
		return DC_VR_NO_RECORD;
	if (strlen(rec) == n && !memcmp(claim, rec, n))
		return DC_VR_EXACT;
	if (n == 0 || n >= sizeof low)
		return DC_VR_MISMATCH;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)claim[i];
		low[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	low[n] = '\0';
	if (n == 2 && low[0] == (rec[0] | 32) && low[1] == (rec[1] | 32))
		return DC_VR_NORMALISED;
	if (!strcmp(rec, "VN"))
		for (size_t i = 0; i < DC_ARRAY_LEN(vn); i++)
			if (!strcmp(low, vn[i]))
				return DC_VR_NORMALISED;
	return DC_VR_MISMATCH;
}

/* Rewrites the key in b with punctuation (, . ; / -) as spaces, runs of
 * spaces collapsed and the ends trimmed: "số 12, ngõ 3" → "số 12 ngõ 3". */
static void depunct(struct dc_buf *b)
{
	size_t k = 0;
	int space = 1;
	for (size_t i = 0; i < b->len; i++) {
		char c = b->ptr[i];
		if (c == ',' || c == '.' || c == ';' || c == '/' || c == '-' || c == ' ')
			c = ' ';
		if (c == ' ') {
			if (space)
				continue;
			space = 1;
		} else {
			space = 0;
		}
		b->ptr[k++] = c;
	}
	if (k && b->ptr[k - 1] == ' ')
		k--;
	b->len = k;
	if (b->ptr)
		b->ptr[k] = '\0';
}

/* Both keys of s (normalised into k, ASCII into ka), without punctuation. */
static int keys(const char *s, size_t n, struct dc_buf *k, struct dc_buf *ka)
{
	dc_buf_reset(k);
	dc_buf_reset(ka);
	int rc = dc_text_key(s, n, k);
	if (rc == DC_OK)
		rc = dc_text_key_ascii(s, n, ka);
	if (rc == DC_OK) {
		depunct(k);
		depunct(ka);
	}
	return rc;
}

static int word_prefix(const struct dc_buf *whole, const struct dc_buf *part)
{
	return part->len && part->len < whole->len && !memcmp(whole->ptr, part->ptr, part->len) &&
	       whole->ptr[part->len] == ' ';
}

static int word_suffix(const struct dc_buf *whole, const struct dc_buf *part)
{
	return part->len && part->len < whole->len &&
	       !memcmp(whole->ptr + whole->len - part->len, part->ptr, part->len) &&
	       whole->ptr[whole->len - part->len - 1] == ' ';
}

int dc_verify_address(const char *claim, size_t n, const char *rec_street, const char *rec_commune,
                      const char *rec_province, struct dc_verify_scratch *s)
{
	struct dc_buf full = DC_BUF_INIT;
	int rc;
	if (empty(rec_street) && empty(rec_commune))
		return DC_VR_NO_RECORD;
	const char *parts[3] = {rec_street, rec_commune, rec_province};
	for (size_t i = 0; i < 3; i++)
		if (!empty(parts[i]))
			dc_buf_addf(&full, "%s%s", full.len ? ", " : "", parts[i]);
	if ((rc = dc_buf_error(&full)))
		goto cleanup;
	if (full.len == n && !memcmp(full.ptr, claim, n)) {
		rc = DC_VR_EXACT;
		goto cleanup;
	}
	if (!dc_text_valid_utf8(claim, n)) {
		rc = DC_VR_INVALID;
		goto cleanup;
	}
	if ((rc = keys(claim, n, &s->a, &s->b)) || (rc = keys(full.ptr, full.len, &s->c, &s->d)))
		goto cleanup;
	if (s->a.len && s->a.len == s->c.len && !memcmp(s->a.ptr, s->c.ptr, s->a.len))
		rc = DC_VR_NORMALISED;
	else if (s->b.len && s->b.len == s->d.len && !memcmp(s->b.ptr, s->d.ptr, s->b.len))
		rc = DC_VR_NO_DIACRITICS;
	/* The street alone, street and commune, or commune and province. */
	else if (word_prefix(&s->d, &s->b))
		rc = DC_VR_PARTIAL;
	else if (word_suffix(&s->d, &s->b) && !empty(rec_commune)) {
		/* At least the commune and the province: "Hà Nội" alone says
		 * too little. */
		dc_buf_reset(&full);
		dc_buf_addf(&full, "%s, %s", rec_commune, rec_province ? rec_province : "");
		if ((rc = keys(full.ptr, full.len, &s->a, &s->c)))
			goto cleanup;
		rc = s->b.len >= s->c.len ? DC_VR_PARTIAL : DC_VR_MISMATCH;
	} else {
		rc = DC_VR_MISMATCH;
	}
cleanup:
	dc_buf_release(&full);
	return rc;
}

int dc_verify_match(const struct dc_citizen *rec, const struct dc_verify_card *card,
                    const struct dc_units *units, const struct dc_verify_claims *cl,
                    struct dc_verify_scratch *scratch, struct dc_verify_result *out)
{
	memset(out, 0, sizeof *out);
	out->card = card ? card->state : DC_VCARD_UNKNOWN;
	if (!rec) {
		out->status = DC_VS_NOT_FOUND;
		return DC_OK;
	}
	out->status = rec->status == DC_STATUS_DEAD      ? DC_VS_DECEASED
	              : rec->status == DC_STATUS_MISSING ? DC_VS_MISSING
	                                                 : DC_VS_FOUND;
	int all = 1;
	for (int f = 0; f < DC_VF__COUNT; f++) {
		const char *v = cl->v[f];
		size_t n = cl->n[f];
		int r = DC_VR_NONE;
		if (!v)
			continue;
		switch ((enum dc_vfield)f) {
		case DC_VF_NAME:
			r = dc_verify_name(v, n, rec->birth_name, scratch);
			break;
		case DC_VF_DOB:
			r = dc_verify_date(v, n, &rec->dob);
			break;
		case DC_VF_SEX:
			r = dc_verify_sex(v, n, rec->sex);
			break;
		case DC_VF_ADDRESS: {
			const struct dc_commune *c =
			        units && rec->perm_commune
			                ? dc_units_commune(units, rec->perm_commune,
			                                   strlen(rec->perm_commune))
			                : NULL;
			const struct dc_province *p =
			        c ? dc_units_province(units, c->province_code, 2) : NULL;
			r = dc_verify_address(v, n, rec->perm_address, c ? c->name : NULL,
			                      p ? p->name : NULL, scratch);
			break;
		}
		case DC_VF_PHONE:
			r = dc_verify_phone(v, n, rec->phone);
			break;
		case DC_VF_EMAIL:
			r = dc_verify_email(v, n, rec->email);
			break;
		case DC_VF_FATHER_NAME:
			r = dc_verify_name(v, n, rec->father_name, scratch);
			break;
		case DC_VF_MOTHER_NAME:
			r = dc_verify_name(v, n, rec->mother_name, scratch);
			break;
		case DC_VF_NATIONALITY:
			r = dc_verify_nationality(v, n, rec->nationality);
			break;
		case DC_VF_CARD_ISSUE_DATE:
			r = card && card->state != DC_VCARD_UNKNOWN
			            ? (int)dc_verify_date(v, n, &card->issue_date)
			            : DC_VR_UNAVAILABLE;
			break;
		case DC_VF__COUNT:
			break;
		}
		if (r < 0)
			return r;
		out->reason[f] = (unsigned char)r;
		all = all && dc_vreason_is_match((enum dc_vreason)r);
	}
	out->full_match = all && out->status == DC_VS_FOUND;
	return DC_OK;
}
