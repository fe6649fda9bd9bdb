/*
 * gen.c — a synthetic population for tests, demos and benchmarks: realistic
 * households with valid, linked records, never real people.
 *
 * The generator builds one household at a time into compact internal
 * records (indices into name and unit tables, day counts, 12-digit numbers),
 * then hands them out one per dc_gen_next call, writing the text fields into
 * the caller's pool only then. Keeping the household internal means the
 * caller may clear its pool after every row; a member's links to parents and
 * spouse are copied into the member, so a near-duplicate made much later
 * still knows them.
 *
 * Randomness comes from xoshiro256** seeded through splitmix64 from
 * opts->seed, never from the CSPRNG: the whole point is that one seed and
 * one set of options give the same population, byte for byte, on every run
 * (tests compare dumps; benchmarks compare like with like). All randomness is
 * drawn while a household is built; writing a record out draws nothing, so
 * a retry after an out-of-memory pool gives the same row.
 *
 * ID numbers are unique by construction rather than by lookup: for each
 * 6-digit head (prefix, century/sex digit, year) a counter runs 0, 1, 2, …
 * and a keyed 4-round Feistel permutation of 0–999,999 turns the counter
 * into the random-looking last six digits. Two people can only share a head
 * with different counter values, so their numbers differ; no hash set of
 * issued numbers is needed, whatever the count (a 10-million-row run would
 * otherwise carry a table of hundreds of megabytes). Old 9-digit CMND
 * numbers work the same way, keyed by a 3-digit area.
 *
 * Every row the generator does not deliberately spoil passes every error
 * rule of rules.h: pins agree with date of birth and sex, parents in the data
 * are at least 18 years older and of the right sex, units exist, dates are in
 * order. A spoiled row carries exactly one error, named in the ground truth,
 * and only in fields no other row depends on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/date.h"
#include "dancu/gen.h"
#include "dancu/pin.h"
#include "dancu/units.h"

#include "register/gen_names.h"

#include "core/internal.h"

/* --- the deterministic random source ------------------------------------- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman and Vigna): fast, small state, good statistics. */
static uint64_t rng_next(struct rng *r)
{
	uint64_t result = rotl(r->s[1] * 5, 7) * 9;
	uint64_t t = r->s[1] << 17;
	r->s[2] ^= r->s[0];
	r->s[3] ^= r->s[1];
	r->s[1] ^= r->s[2];
	r->s[0] ^= r->s[3];
	r->s[2] ^= t;
	r->s[3] = rotl(r->s[3], 45);
	return result;
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

/* Uniform in 0..n-1 (n ≥ 1) by multiply-shift; the bias for the small n
 * used here is below 2^-32, far under anything a test can see. */
static uint32_t below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in lo..hi inclusive. */
static int32_t between(struct rng *r, int32_t lo, int32_t hi)
{
	return lo + (int32_t)below(r, (uint32_t)(hi - lo + 1));
}

static double unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static int chance(struct rng *r, double p)
{
	return unit(r) < p;
}

/* A weighted choice among up to WMAX items: cumulative weights, drawn by
 * binary search. */
#define WMAX 72

struct wdist {
	uint32_t n;
	uint32_t cum[WMAX];
};

static void wdist_add(struct wdist *d, uint32_t w)
{
	DC_ASSERT(d->n < WMAX);
	d->cum[d->n] = (d->n ? d->cum[d->n - 1] : 0) + w;
	d->n++;
}

static uint32_t wdist_draw(struct rng *r, const struct wdist *d)
{
	uint32_t x = below(r, d->cum[d->n - 1]);
	uint32_t lo = 0, hi = d->n - 1;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (d->cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* --- reference tables ---------------------------------------------------- */

struct weighted {
	const char *s;
	uint16_t w;
};

/* Approximate populations, in thousands, of the 63 provinces before the 2025
 * merger, keyed by their ID-number prefix (rounded 2023–24 figures; TP Hồ Chí
 * Minh and Bình Dương include their large migrant populations). The weight of
 * a 2025 province is the sum over the old prefixes that now map to it (for
 * example TP Hồ Chí Minh ≈ 14,000 = 079 + 074 + 077, Hà Nội ≈ 8,700), and the
 * prefix of someone born in a merged province is drawn with the same
 * weights. Approximate by design: only the shape matters here. */
static const struct {
	uint16_t prefix;
	uint16_t k;
} old_provinces[] = {
        {1, 8700},  {2, 900},   {4, 550},   {6, 330},   {8, 810},   {10, 780},  {11, 650},
        {12, 490},  {14, 1300}, {15, 850},  {17, 880},  {19, 1340}, {20, 800},  {22, 1400},
        {24, 1930}, {25, 1520}, {26, 1220}, {27, 1520}, {30, 1960}, {31, 2120}, {33, 1300},
        {34, 1880}, {35, 880},  {36, 1890}, {37, 1010}, {38, 3740}, {40, 3440}, {42, 1330},
        {44, 920},  {45, 650},  {46, 1170}, {48, 1240}, {49, 1520}, {51, 1250}, {52, 1500},
        {54, 880},  {56, 1260}, {58, 600},  {60, 1260}, {62, 580},  {64, 1590}, {66, 1920},
        {67, 670},  {68, 1330}, {70, 1040}, {72, 1190}, {74, 2850}, {75, 3310}, {77, 1190},
        {79, 9950}, {80, 1740}, {82, 1790}, {83, 1300}, {84, 1020}, {86, 1030}, {87, 1600},
        {89, 1910}, {91, 1760}, {92, 1260}, {93, 730},  {94, 1200}, {95, 920},  {96, 1210},
};

/* Country codes of births registered abroad (Circular 07/2016 App. II as
 * read by public code, ../shared/domain/id-number-and-card.md §1.4; not yet
 * checked against the official list), with the Vietnamese name written as
 * place of birth, weighted by where Vietnamese families mostly lived. */
static const struct {
	uint16_t code;
	uint16_t w;
	const char *name;
} countries[] = {
        {231, 20, "Liên bang Nga"}, {155, 15, "Cộng hòa Liên bang Đức"},
        {232, 15, "Nhật Bản"},      {174, 15, "Hàn Quốc"},
        {175, 10, "Hoa Kỳ"},        {240, 5, "Cộng hòa Pháp"},
        {284, 5, "Ô-xtrây-li-a"},   {193, 5, "Lào"},
        {139, 5, "Campuchia"},      {257, 3, "Xin-ga-po"},
        {271, 3, "Thái Lan"},       {140, 3, "Ca-na-đa"},
};

/* Shares of the 54 groups, in units of 0.01 % (2019 census, rounded; the
 * smallest groups get 1). Spellings match the list in rules.c exactly. */
static const struct weighted ethnicities[] = {
        {"Kinh", 8530},  {"Tày", 192},    {"Thái", 188},    {"Mường", 147},       {"H'Mông", 151},
        {"Khmer", 132},  {"Nùng", 117},   {"Dao", 92},      {"Hoa", 78},          {"Gia Rai", 53},
        {"Ê Đê", 41},    {"Ba Na", 30},   {"Sán Chay", 21}, {"Chăm", 19},         {"Cơ Ho", 21},
        {"Xơ Đăng", 22}, {"Sán Dìu", 19}, {"Hrê", 15},      {"Ra Glai", 15},      {"Mnông", 13},
        {"Thổ", 9},      {"Xtiêng", 10},  {"Khơ Mú", 9},    {"Bru Vân Kiều", 10}, {"Cơ Tu", 7},
        {"Giáy", 7},     {"Tà Ôi", 5},    {"Mạ", 5},        {"Giẻ Triêng", 7},    {"Co", 4},
        {"Chơ Ro", 3},   {"Xinh Mun", 3}, {"Hà Nhì", 3},    {"Chu Ru", 2},        {"Lào", 2},
        {"La Chí", 2},   {"Kháng", 1},    {"Phù Lá", 1},    {"La Hủ", 1},         {"La Ha", 1},
        {"Pà Thẻn", 1},  {"Lự", 1},       {"Ngái", 1},      {"Chứt", 1},          {"Lô Lô", 1},
        {"Mảng", 1},     {"Cơ Lao", 1},   {"Bố Y", 1},      {"Cống", 1},          {"Si La", 1},
        {"Pu Péo", 1},   {"Rơ Măm", 1},   {"Brâu", 1},      {"Ơ Đu", 1},
};

/* Religion as declared (2019 census shares, 0.01 %). */
static const struct weighted religions[] = {
        {"Không", 8650},   {"Công giáo", 610}, {"Phật giáo", 480},
        {"Tin Lành", 100}, {"Hòa Hảo", 100},   {"Cao Đài", 60},
};

/* ABO/Rh shares in Viet Nam (per 10,000): Rh-negative is rare. */
static const struct weighted blood_groups[] = {
        {"O+", 4170}, {"B+", 3010}, {"A+", 2120}, {"AB+", 650},
        {"O-", 20},   {"A-", 10},   {"B-", 10},   {"AB-", 5},
};

/* Share of households by size, per mille (2019 census shape; mean ≈ 3.5). */
static const uint16_t household_sizes[7] = {110, 180, 210, 260, 130, 65, 45};

/* Mobile prefixes in use since the 2018 renumbering (Viettel 03x, 086,
 * 096–098; VinaPhone 08x, 091, 094; MobiFone 07x, 090, 093; Vietnamobile
 * 05x). */
static const char *const phone_prefixes[] = {
        "032", "033", "034", "035", "036", "037", "038", "039", "056", "058", "059",
        "070", "076", "077", "078", "079", "081", "082", "083", "084", "085", "086",
        "088", "089", "090", "091", "093", "094", "096", "097", "098",
};

/* Reserved example domains only (RFC 2606): a synthetic address must never
 * be someone's real mailbox. */
static const char *const email_domains[] = {
        "example.com", "example.com", "example.com", "example.net", "example.org", "mail.example",
};

/* Streets named after historical figures and dates: every town has them. */
static const char *const streets[] = {
        "Trần Hưng Đạo",
        "Lê Lợi",
        "Nguyễn Trãi",
        "Hai Bà Trưng",
        "Quang Trung",
        "Lý Thường Kiệt",
        "Phan Chu Trinh",
        "Hùng Vương",
        "Lê Duẩn",
        "Nguyễn Huệ",
        "Trần Phú",
        "Lê Lai",
        "Điện Biên Phủ",
        "Nguyễn Du",
        "Bà Triệu",
        "Phan Đình Phùng",
        "Nguyễn Văn Cừ",
        "Võ Thị Sáu",
        "Cách Mạng Tháng Tám",
        "Nguyễn Thị Minh Khai",
        "Lê Thánh Tông",
        "Ngô Quyền",
        "Lý Thái Tổ",
        "Trường Chinh",
        "Hoàng Diệu",
        "Nguyễn Chí Thanh",
        "Lạc Long Quân",
        "Âu Cơ",
        "Tôn Đức Thắng",
        "Phạm Văn Đồng",
        "Võ Văn Kiệt",
        "Nguyễn Văn Linh",
        "Trần Quang Khải",
        "Chu Văn An",
        "Nguyễn Khuyến",
        "Hoàng Hoa Thám",
        "Đinh Tiên Hoàng",
        "Lê Hồng Phong",
        "Nguyễn Thái Học",
        "Hàm Nghi",
        "Thống Nhất",
        "Độc Lập",
        "Yersin",
        "Pasteur",
};

static const char *const villages[] = {
        "Đông",       "Tây",        "Nam",        "Bắc",      "Trung",      "Thượng",
        "Hạ",         "An Phú",     "Phú Lợi",    "Tân Lập",  "Đồng Tâm",   "Hòa Bình",
        "Thống Nhất", "Quyết Tiến", "Tiền Phong", "Đoàn Kết", "Tân Thành",  "Bình An",
        "Phú Mỹ",     "Long Hòa",   "Mỹ Lộc",     "Vĩnh Phú", "Xuân Hòa",   "Hưng Thịnh",
        "Thanh Bình", "Đông Hòa",   "Phước Lộc",  "Tân Hưng", "Bình Thạnh", "Hòa Lạc",
};

/* Villages of the northern uplands are "bản" with Tày–Thái names. */
static const char *const hamlets[] = {
        "Nà Khoang", "Pác Bó", "Nà Ngần", "Huổi Só",  "Co Mạ",      "Pá Khoang",
        "Nậm Cang",  "Bó Mạ",  "Nà Lừa",  "Khuổi Ky", "Phiêng Lơi", "Nà Sài",
};

/* Values an injected error writes; none is valid. */
static const char *const bad_marital[] = {"kết hôn", "ly thân", "M", "separated", "có vợ"};
static const char *const bad_relations[] = {"con", "Con trai", "vợ", "cousin", "cháu nội"};

/* --- people -------------------------------------------------------------- */

enum rel { R_HEAD, R_SPOUSE, R_CHILD, R_PARENT, R_GRANDCHILD, R_CHILD_IN_LAW };
static const char *const rel_codes[] = {"head",   "spouse",     "child",
                                        "parent", "grandchild", "child_in_law"};

enum marital { M_SINGLE, M_MARRIED, M_DIVORCED, M_WIDOWED };
static const char *const marital_codes[] = {"single", "married", "divorced", "widowed"};

/* Injected errors. LEAF kinds change what other rows may depend on (the
 * number, sex, date of birth, death), so they only go to people no one in
 * the data links to; the others touch fields nobody links to. */
enum inj {
	INJ_NONE,
	INJ_PIN_YEAR,
	INJ_PIN_SEX,
	INJ_DOB_FUTURE,
	INJ_DEATH_BEFORE_BIRTH,
	INJ_RESIDENCE_AFTER_DEATH,
	INJ_PARENT_YOUNG,
	INJ_COMMUNE,
	INJ_NAME_REQUIRED,
	INJ_NAME_INVALID,
	INJ_CMND,
	INJ_MARITAL,
	INJ_RELATION,
	NINJ
};
#define INJ_FIRST_ANY INJ_COMMUNE

static const char *const inj_rules[NINJ] = {
        NULL,
        "pin.birth_year_mismatch",
        "pin.sex_mismatch",
        "dob.future",
        "death.before_birth",
        "residence.after_death",
        "parent.too_young",
        "commune.unknown",
        "name.required",
        "name.invalid",
        "cmnd9.format",
        "marital_status.invalid",
        "household.relation_invalid",
};

/* Name variations of a near-duplicate. */
enum variant { V_NONE, V_FOLD, V_UPPER, V_NO_MIDDLE, V_RETONE, NVARIANTS };
/* Codes of the variants in the ground truth (gen.h). */
static const char *const variant_codes[NVARIANTS] = {"", "fold", "upper", "no_middle", "retone"};

#define NO_DAY INT32_MIN
#define NO_UNIT UINT32_MAX

/* A name as table indices; the tables are those of name_sex. mid1/mid2 are
 * index + 1, 0 when absent. */
struct pname {
	uint8_t sur, mid1, mid2, giv;
	char sex;
};

/* Who a link points to: number and name, copied so that the record stands
 * alone. pin.d[0] == 0 means no link. */
struct link {
	struct dc_pin pin;
	struct pname name;
};

struct addr {
	uint8_t form;
	uint8_t word; /* street, village or hamlet index */
	uint16_t a, b;
};

struct person {
	struct dc_pin pin;
	struct pname name;
	char sex; /* as recorded ('M'/'F'); differs from name.sex only when injected */
	uint8_t rel, marital, dob_prec, dead;
	uint8_t ethnicity, religion, blood; /* blood: index + 1, 0 = not recorded */
	uint8_t country;                    /* index + 1 when born abroad */
	uint8_t inj, bad, variant, email_domain;
	uint8_t referenced;
	int8_t father, mother, spouse;       /* household-local indices while building */
	int32_t dob, perm_since, death;      /* days since 1970; NO_DAY when absent */
	uint32_t birth_reg;                  /* commune index, NO_UNIT: province code only */
	uint32_t birth_prov;                 /* province index */
	uint32_t origin;                     /* commune index of quê quán */
	uint32_t perm_commune, temp_commune; /* temp: NO_UNIT when none */
	uint32_t bad_commune;                /* INJ_COMMUNE: a code that does not exist */
	uint32_t email_num;                  /* 0 = no e-mail */
	struct addr perm_addr, temp_addr;
	uint64_t household; /* 0 = none (near-duplicates) */
	struct link father_l, mother_l, spouse_l;
	struct dc_pin dup_of; /* d[0] == 0 unless a near-duplicate */
	char cmnd9[10];
	char phone[11];
};

#define MAX_MEMBERS 7
#define MAX_DUPS_PER_MEMBER 9
#define MAX_PENDING (MAX_MEMBERS * (1 + MAX_DUPS_PER_MEMBER))
#define RING 1024
#define MAX_PROV 64
#define MAX_PREFIX 8

struct gprov {
	const struct dc_province *p;
	uint32_t c0, nc; /* communes: g->communes[c0 .. c0 + nc) */
	uint32_t np;
	int prefix[MAX_PREFIX];
	uint32_t pcum[MAX_PREFIX];
	uint8_t south, upland;
};

struct dc_gen {
	const struct dc_units *u;
	struct dc_gen_opts o;
	struct rng r;
	int32_t today;
	int32_t min_dob; /* 1900-01-01: the ID number cannot encode earlier years */
	double p_err;    /* error probability of a non-duplicate row */
	double q_dup;    /* expected near-duplicates per generated person */
	uint64_t pin_key, cmnd_key;
	uint64_t produced, households;

	size_t nprov;
	struct gprov prov[MAX_PROV];
	struct wdist prov_w; /* households by province */
	uint32_t ncommunes;
	uint32_t *communes;    /* commune indices grouped by province */
	uint8_t *commune_prov; /* province index of each commune */
	uint32_t *pin_next;    /* 10^6 counters, by the first 6 digits of a number */
	uint32_t cmnd_next[100];

	struct wdist surnames, sizes, ethnicity, religion, blood, country;
	struct wdist middle[2][2], given[2][2]; /* [female][modern] */

	struct person hh[MAX_MEMBERS];
	size_t nhh;
	struct person pend[MAX_PENDING];
	size_t npend, ipend;
	struct person ring[RING]; /* recent clean people: near-duplicate sources */
	size_t nring, iring;
};

/* --- dates ----------------------------------------------------------------- */

/* Whole years as days (365.2425 days a year). */
static int32_t yd(int32_t years)
{
	return (int32_t)(((int64_t)years * 3652425) / 10000);
}

static struct dc_date day_date(int32_t days)
{
	return dc_date_from_days(days);
}

static int year_of(int32_t days)
{
	return day_date(days).year;
}

/* The first day of the period a partial date of birth covers. */
static int32_t dob_floor(const struct person *p)
{
	struct dc_date d = day_date(p->dob);
	if (p->dob_prec == DC_DATE_YEAR)
		d.month = 1;
	if (p->dob_prec != DC_DATE_DAY)
		d.day = 1;
	return (int32_t)dc_date_to_days(&d);
}

/* --- units, numbers -------------------------------------------------------- */

static uint32_t draw_commune(struct dc_gen *g, uint32_t prov)
{
	const struct gprov *p = &g->prov[prov];
	return g->communes[p->c0 + below(&g->r, p->nc)];
}

static int draw_prefix(struct dc_gen *g, uint32_t prov)
{
	const struct gprov *p = &g->prov[prov];
	uint32_t x = below(&g->r, p->pcum[p->np - 1]);
	uint32_t i = 0;
	while (p->pcum[i] <= x)
		i++;
	return p->prefix[i];
}

/* A keyed permutation of 0–999,999: four Feistel rounds over 1000 × 1000.
 * Each round maps (l, r) to (r, (l + F(r)) mod 1000), which is invertible
 * whatever F is, so distinct counters give distinct outputs. */
static uint32_t permute6(uint64_t key, uint32_t x)
{
	uint32_t l = x / 1000, r = x % 1000;
	for (uint64_t i = 0; i < 4; i++) {
		uint64_t h = (key ^ (i << 56) ^ r) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
		h *= 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 32;
		uint32_t t = r;
		r = (uint32_t)((l + h % 1000) % 1000);
		l = t;
	}
	return l * 1000 + r;
}

/* A new number, unique in this run, for someone born in year. */
static int alloc_pin(struct dc_gen *g, int prefix, int year, char sex, struct dc_pin *out)
{
	if (year < 1900 || year > 2399)
		return DC_ERR_INVALID;
	int gd = (year / 100 - 19) * 2 + (sex == DC_SEX_FEMALE);
	uint32_t head = (uint32_t)(prefix * 1000 + gd * 100 + year % 100);
	uint32_t c = g->pin_next[head];
	if (c >= 1000000)
		return DC_ERR_EXHAUSTED;
	g->pin_next[head] = c + 1;
	uint32_t r6 = permute6(g->pin_key ^ ((uint64_t)head * 0xd6e8feb86659fd93ULL), c);
	return dc_pin_make(prefix, year, (enum dc_sex)sex, r6, out);
}

static void put_digits(char *out, uint32_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* A 9-digit CMND number, unique in this run: a 3-digit area (the old
 * province prefix, plus 100 for each further million) and six permuted
 * digits. */
static int alloc_cmnd9(struct dc_gen *g, int prefix, char out[10])
{
	uint32_t c = g->cmnd_next[prefix % 100];
	if (c >= 10000000)
		return DC_ERR_EXHAUSTED;
	g->cmnd_next[prefix % 100] = c + 1;
	uint32_t area = (uint32_t)(prefix % 100) + 100 * (c / 1000000);
	put_digits(out, area, 3);
	put_digits(out + 3, permute6(g->cmnd_key ^ area, c % 1000000), 6);
	out[9] = '\0';
	return DC_OK;
}

static void draw_phone(struct dc_gen *g, char out[11])
{
	memcpy(out, phone_prefixes[below(&g->r, DC_ARRAY_LEN(phone_prefixes))], 3);
	put_digits(out + 3, below(&g->r, 10000000), 7);
	out[10] = '\0';
}

static void draw_address(struct dc_gen *g, uint32_t commune, struct addr *a)
{
	const struct dc_commune *c = dc_units_commune_at(g->u, commune);
	const struct gprov *p = &g->prov[g->commune_prov[commune]];
	struct rng *r = &g->r;
	a->a = (uint16_t)between(r, 1, 300);
	a->b = (uint16_t)between(r, 1, 99);
	if (c->type == DC_COMMUNE_COMMUNE) {
		uint32_t k = below(r, 10);
		if (p->upland && k < 5) {
			a->form = 7;
			a->word = (uint8_t)below(r, DC_ARRAY_LEN(hamlets));
		} else if (p->south) {
			a->form = k < 6 ? 6 : 9;
			a->word = (uint8_t)below(r, DC_ARRAY_LEN(villages));
			a->b = (uint16_t)between(r, 1, 12);
		} else {
			a->form = k < 6 ? 4 : k < 8 ? 5 : 8;
			a->word = (uint8_t)below(r, DC_ARRAY_LEN(villages));
			a->b = (uint16_t)between(r, 1, 20);
		}
	} else {
		uint32_t k = below(r, 10);
		a->word = (uint8_t)below(r, DC_ARRAY_LEN(streets));
		if (c->type == DC_COMMUNE_SPECIAL || k >= 8)
			a->form = 3;
		else if (p->south)
			a->form = k < 5 ? 2 : 1;
		else
			a->form = k < 5 ? 0 : 1;
	}
}

/* --- names ----------------------------------------------------------------- */

static const struct dc__gen_name_table *middle_table(char sex)
{
	return sex == DC_SEX_FEMALE ? &dc__gen_middle_f : &dc__gen_middle_m;
}

static const struct dc__gen_name_table *given_table(char sex)
{
	return sex == DC_SEX_FEMALE ? &dc__gen_given_f : &dc__gen_given_m;
}

static int same_word(const struct dc__gen_name_table *a, uint32_t i,
                     const struct dc__gen_name_table *b, uint32_t j)
{
	return strcmp(a->v[i].s, b->v[j].s) == 0;
}

/* A middle and given name for someone of this sex born in year; "modern"
 * habits take over between 1970 and 2000. */
static void draw_name(struct dc_gen *g, struct pname *nm, char sex, int year, uint8_t surname)
{
	struct rng *r = &g->r;
	int f = sex == DC_SEX_FEMALE;
	double pm = (year - 1970) / 30.0;
	int modern = chance(r, pm < 0 ? 0 : pm > 1 ? 1 : pm);
	const struct dc__gen_name_table *mt = middle_table(sex), *gt = given_table(sex);
	nm->sex = sex;
	nm->sur = surname;
	nm->giv = (uint8_t)wdist_draw(r, &g->given[f][modern]);
	nm->mid1 = nm->mid2 = 0;
	if (chance(r, 0.97)) {
		for (int t = 0; t < 4 && !nm->mid1; t++) {
			uint32_t m = wdist_draw(r, &g->middle[f][modern]);
			if (!same_word(mt, m, gt, nm->giv))
				nm->mid1 = (uint8_t)(m + 1);
		}
	}
	if (nm->mid1 && chance(r, modern ? 0.15 : 0.03)) {
		uint32_t m = wdist_draw(r, &g->middle[f][1]);
		if (m + 1 != nm->mid1 && !same_word(mt, m, gt, nm->giv))
			nm->mid2 = (uint8_t)(m + 1);
	}
}

/* A bounded string builder on the stack; every text we write is far below
 * its size, and a longer one would be cut, never overflow. */
struct sb {
	size_t n;
	char b[640];
};

static void sb_add(struct sb *s, const char *p, size_t n)
{
	if (s->n + n < sizeof(s->b)) {
		memcpy(s->b + s->n, p, n);
		s->n += n;
	}
}

static void sb_adds(struct sb *s, const char *p)
{
	sb_add(s, p, strlen(p));
}

static void sb_addu(struct sb *s, uint32_t v)
{
	char t[10];
	size_t k = 0;
	do {
		t[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (k)
		sb_add(s, &t[--k], 1);
}

static void name_text(const struct pname *nm, int no_middle, struct sb *s)
{
	const struct dc__gen_name_table *mt = middle_table(nm->sex);
	sb_adds(s, dc__gen_surnames.v[nm->sur].s);
	if (!no_middle && nm->mid1) {
		sb_add(s, " ", 1);
		sb_adds(s, mt->v[nm->mid1 - 1].s);
	}
	if (!no_middle && nm->mid2) {
		sb_add(s, " ", 1);
		sb_adds(s, mt->v[nm->mid2 - 1].s);
	}
	sb_add(s, " ", 1);
	sb_adds(s, given_table(nm->sex)->v[nm->giv].s);
}

/* The name as written in a record, with a near-duplicate's variation. */
static void name_variant(const struct pname *nm, int variant, struct sb *out)
{
	struct sb plain;
	int changed;
	plain.n = 0;
	name_text(nm, variant == V_NO_MIDDLE, &plain);
	switch (variant) {
	case V_FOLD:
		out->n = dc__gen_fold_ascii(plain.b, plain.n, out->b, sizeof(out->b));
		break;
	case V_UPPER:
		out->n = dc__gen_upper(plain.b, plain.n, out->b, sizeof(out->b));
		break;
	case V_RETONE:
		out->n = dc__gen_retone(plain.b, plain.n, out->b, sizeof(out->b), &changed);
		break;
	default:
		*out = plain;
	}
}

/* --- households -------------------------------------------------------------- */

static struct person *add_member(struct dc_gen *g, enum rel rel, char sex, int32_t age)
{
	struct person *p = &g->hh[g->nhh++];
	memset(p, 0, sizeof(*p));
	p->rel = (uint8_t)rel;
	p->sex = sex;
	if (age > g->today - g->min_dob)
		age = g->today - g->min_dob - (int32_t)below(&g->r, 365);
	p->dob = g->today - age;
	p->dob_prec = DC_DATE_DAY;
	p->father = p->mother = p->spouse = -1;
	p->perm_since = p->death = NO_DAY;
	p->temp_commune = NO_UNIT;
	return p;
}

static int8_t idx(const struct dc_gen *g, const struct person *p)
{
	return (int8_t)(p - g->hh);
}

static void marry(struct dc_gen *g, struct person *a, struct person *b)
{
	a->spouse = idx(g, b);
	b->spouse = idx(g, a);
	a->marital = b->marital = M_MARRIED;
}

static char opposite(char sex)
{
	return sex == DC_SEX_MALE ? DC_SEX_FEMALE : DC_SEX_MALE;
}

/* The husband's age for a wife of this age, in days: usually 0–6 years
 * older, sometimes more, sometimes a little younger, never under 18 (the
 * legal age of marriage is 20 for men; a few marry earlier in fact). */
static int32_t husband_age(struct rng *r, int32_t wife)
{
	uint32_t k = below(r, 100);
	int32_t h;
	if (k < 70)
		h = wife + between(r, 0, yd(6));
	else if (k < 85)
		h = wife + between(r, yd(6), yd(12));
	else
		h = wife - between(r, 0, yd(3));
	return h < yd(18) ? yd(18) + (int32_t)below(r, 365) : h;
}

/* Ages of k children (oldest first) whose youngest is y days old, and of
 * their mother: first birth at 20–30, then every 1.5–5 years, the last no
 * later than 44, so every birth falls in the mother's 18–45. */
static int32_t family_ages(struct rng *r, int k, int32_t y, int32_t *child_age)
{
	int32_t f = yd(20) + (int32_t)below(r, (uint32_t)yd(10));
	int32_t s = yd(3) / 2 + (int32_t)below(r, (uint32_t)(yd(7) / 2));
	if (k > 1 && f + (k - 1) * s > yd(44))
		s = (yd(44) - f) / (k - 1);
	for (int j = 0; j < k; j++)
		child_age[j] = y + (k - 1 - j) * s;
	return y + (k > 0 ? (k - 1) * s : 0) + f;
}

/* Age of the youngest child of a family: mostly minors, some adult children
 * still living with their parents. */
static int32_t youngest_age(struct rng *r, int adult_ok)
{
	uint32_t k = below(r, 100);
	if (!adult_ok || k < 62)
		return (int32_t)below(r, (uint32_t)yd(15));
	if (k < 93)
		return between(r, yd(15), yd(25));
	return between(r, yd(25), yd(35));
}

static int marital_alone(struct rng *r, int32_t age)
{
	uint32_t k = below(r, 100);
	if (age < yd(35))
		return k < 85 ? M_SINGLE : M_DIVORCED;
	if (age < yd(65))
		return k < 35 ? M_SINGLE : k < 70 ? M_DIVORCED : M_WIDOWED;
	return k < 75 ? M_WIDOWED : k < 85 ? M_DIVORCED : M_SINGLE;
}

/* Adds k children of the given father/mother (either may be NULL) with the
 * ages computed by family_ages, relation rel, oldest first. */
static void add_children(struct dc_gen *g, int k, const int32_t *ages, enum rel rel,
                         struct person *father, struct person *mother)
{
	int8_t fi = father ? idx(g, father) : -1, mi = mother ? idx(g, mother) : -1;
	for (int j = 0; j < k; j++) {
		char sex = chance(&g->r, 0.512) ? DC_SEX_MALE : DC_SEX_FEMALE;
		struct person *c = add_member(g, rel, sex, ages[j]);
		c->father = fi;
		c->mother = mi;
		c->marital = M_SINGLE;
	}
}

/* A couple (head and spouse) with k children; the head is the husband in
 * most couples. adult_kids lets the youngest child be grown up. */
static void nuclear(struct dc_gen *g, int k, int adult_kids)
{
	struct rng *r = &g->r;
	int32_t ages[MAX_MEMBERS];
	int32_t wife;
	if (k > 0)
		wife = family_ages(r, k, youngest_age(r, adult_kids), ages);
	else if (chance(r, 0.35))
		wife = between(r, yd(20), yd(35));
	else
		wife = between(r, yd(52), yd(86));
	int32_t husband = husband_age(r, wife);
	char head_sex = chance(r, 0.78) ? DC_SEX_MALE : DC_SEX_FEMALE;
	struct person *h = add_member(g, R_HEAD, head_sex, head_sex == 'M' ? husband : wife);
	struct person *s =
	        add_member(g, R_SPOUSE, opposite(head_sex), head_sex == 'M' ? wife : husband);
	marry(g, h, s);
	struct person *fa = head_sex == 'M' ? h : s, *mo = head_sex == 'M' ? s : h;
	add_children(g, k, ages, R_CHILD, fa, mo);
}

static void single_parent(struct dc_gen *g, int k)
{
	struct rng *r = &g->r;
	int32_t ages[MAX_MEMBERS];
	int32_t age = family_ages(r, k, youngest_age(r, 1), ages);
	char sex = chance(r, 0.78) ? DC_SEX_FEMALE : DC_SEX_MALE;
	if (sex == DC_SEX_MALE)
		age = husband_age(r, age);
	struct person *h = add_member(g, R_HEAD, sex, age);
	uint32_t m = below(r, 100);
	h->marital = m < 50 ? M_DIVORCED : m < 92 ? M_WIDOWED : M_SINGLE;
	add_children(g, k, ages, R_CHILD, sex == 'M' ? h : NULL, sex == 'F' ? h : NULL);
}

static void single(struct dc_gen *g)
{
	struct rng *r = &g->r;
	uint32_t k = below(r, 100);
	int32_t age;
	char sex;
	if (k < 30) {
		age = between(r, yd(19), yd(35));
		sex = chance(r, 0.55) ? DC_SEX_MALE : DC_SEX_FEMALE;
	} else if (k < 48) {
		age = between(r, yd(35), yd(65));
		sex = chance(r, 0.5) ? DC_SEX_MALE : DC_SEX_FEMALE;
	} else {
		age = between(r, yd(65), yd(95));
		sex = chance(r, 0.3) ? DC_SEX_MALE : DC_SEX_FEMALE;
	}
	struct person *h = add_member(g, R_HEAD, sex, age);
	h->marital = (uint8_t)marital_alone(r, age);
}

/* The head's own parent(s) live with the household: listed first, so an
 * importer reads them before the head who links to them. */
static void with_parents(struct dc_gen *g, int n)
{
	struct rng *r = &g->r;
	int spouse = n >= 3 && chance(r, 0.7);
	int np = n - 1 - spouse >= 2 && chance(r, 0.4) ? 2 : 1;
	int k = n - 1 - spouse - np;
	int32_t ages[MAX_MEMBERS];
	int32_t wife, husband;
	char head_sex = chance(r, 0.7) ? DC_SEX_MALE : DC_SEX_FEMALE;
	if (k > 0)
		wife = family_ages(r, k, (int32_t)below(r, (uint32_t)yd(14)), ages);
	else
		wife = between(r, yd(22), yd(50));
	husband = husband_age(r, wife);
	int32_t head_age = head_sex == 'M' ? husband : wife;
	int32_t mother_age = head_age + between(r, yd(20), yd(36));
	int32_t father_age = husband_age(r, mother_age);

	struct person *fa = NULL, *mo = NULL;
	if (np == 2 || chance(r, 0.3))
		fa = add_member(g, R_PARENT, DC_SEX_MALE, father_age);
	if (np == 2 || !fa)
		mo = add_member(g, R_PARENT, DC_SEX_FEMALE, mother_age);
	if (fa && mo)
		marry(g, fa, mo);
	else
		(fa ? fa : mo)->marital = M_WIDOWED;

	struct person *h = add_member(g, R_HEAD, head_sex, head_age);
	h->father = fa ? idx(g, fa) : -1;
	h->mother = mo ? idx(g, mo) : -1;
	struct person *s = NULL;
	if (spouse) {
		s = add_member(g, R_SPOUSE, opposite(head_sex), head_sex == 'M' ? wife : husband);
		marry(g, h, s);
	} else {
		h->marital = (uint8_t)(k > 0 ? (chance(r, 0.6) ? M_DIVORCED : M_WIDOWED)
		                             : marital_alone(r, head_age));
	}
	struct person *cf = head_sex == 'M' ? h : s, *cm = head_sex == 'F' ? h : s;
	add_children(g, k, ages, R_CHILD, cf, cm);
}

/* Three generations: the head (and spouse), a married child with their
 * spouse (child_in_law), their children (grandchild), maybe an unmarried
 * younger sibling. Order: grandparents, parents, children. */
static void three_generations(struct dc_gen *g, int n)
{
	struct rng *r = &g->r;
	int spouse = chance(r, 0.7);
	int rest = n - 1 - spouse - 2;
	if (rest < 0) {
		spouse = 0;
		rest = n - 3;
	}
	int sib = rest >= 2 && chance(r, 0.3);
	int kg = rest - sib;
	int32_t gages[MAX_MEMBERS], sib_age[1];
	int32_t ymother = kg > 0 ? family_ages(r, kg, (int32_t)below(r, (uint32_t)yd(12)), gages)
	                         : between(r, yd(20), yd(32));
	int32_t yfather = husband_age(r, ymother);
	int son = chance(r, 0.8); /* patrilocal custom: mostly the son's family */
	int32_t c_age = son ? yfather : ymother;
	int32_t old_mother = c_age + between(r, yd(20), yd(30));
	int32_t old_father = husband_age(r, old_mother);
	char head_sex = spouse ? (chance(r, 0.85) ? DC_SEX_MALE : DC_SEX_FEMALE)
	                       : (chance(r, 0.35) ? DC_SEX_MALE : DC_SEX_FEMALE);

	struct person *h =
	        add_member(g, R_HEAD, head_sex, head_sex == 'M' ? old_father : old_mother);
	struct person *s = NULL;
	if (spouse) {
		s = add_member(g, R_SPOUSE, opposite(head_sex),
		               head_sex == 'M' ? old_mother : old_father);
		marry(g, h, s);
	} else {
		h->marital = chance(r, 0.8) ? M_WIDOWED : M_DIVORCED;
	}
	struct person *of = head_sex == 'M' ? h : s, *om = head_sex == 'F' ? h : s;
	struct person *c = add_member(g, R_CHILD, son ? DC_SEX_MALE : DC_SEX_FEMALE, c_age);
	c->father = of ? idx(g, of) : -1;
	c->mother = om ? idx(g, om) : -1;
	struct person *l = add_member(g, R_CHILD_IN_LAW, son ? DC_SEX_FEMALE : DC_SEX_MALE,
	                              son ? ymother : yfather);
	marry(g, c, l);
	if (sib) {
		sib_age[0] = c_age - between(r, yd(2), yd(6));
		if (sib_age[0] < yd(1))
			sib_age[0] = yd(1);
		add_children(g, 1, sib_age, R_CHILD, of, om);
	}
	add_children(g, kg, gages, R_GRANDCHILD, son ? c : l, son ? l : c);
}

/* Who this person's quê quán, ethnicity, religion and surname follow. */
static const struct person *lineage(const struct dc_gen *g, const struct person *p)
{
	if (p->father >= 0)
		return &g->hh[p->father];
	if (p->mother >= 0)
		return &g->hh[p->mother];
	return NULL;
}

static void draw_birth(struct dc_gen *g, struct person *p, uint32_t home, double p_home)
{
	struct rng *r = &g->r;
	if (chance(r, 0.001)) {
		p->country = (uint8_t)(wdist_draw(r, &g->country) + 1);
		p->birth_reg = NO_UNIT;
		p->birth_prov = home;
		return;
	}
	p->birth_prov = chance(r, p_home) ? home : wdist_draw(r, &g->prov_w);
	p->birth_reg = chance(r, 0.92) ? draw_commune(g, p->birth_prov) : NO_UNIT;
}

static int birth_prefix(struct dc_gen *g, const struct person *p)
{
	if (p->country)
		return countries[p->country - 1].code;
	return draw_prefix(g, p->birth_prov);
}

/* Fills identity and contact fields of every member: names, birth place and
 * number, quê quán, ethnicity, religion, blood group, CMND, phone, e-mail,
 * temporary residence. Members come parents first, so lineage is ready. */
static int fill_members(struct dc_gen *g, uint32_t home)
{
	struct rng *r = &g->r;
	uint8_t eth = (uint8_t)wdist_draw(r, &g->ethnicity);
	uint8_t rel = (uint8_t)wdist_draw(r, &g->religion);
	int cutoff = g->o.today.year - 14 < 2000 ? g->o.today.year - 14 : 2000;
	for (size_t i = 0; i < g->nhh; i++) {
		struct person *p = &g->hh[i];
		const struct person *lin = lineage(g, p);
		int year = year_of(p->dob);
		int32_t age = g->today - p->dob;
		int rc;

		draw_birth(g, p, home, lin ? 0.9 : 0.8);
		if (year < 1950 && chance(r, 0.01))
			p->dob_prec = chance(r, 0.5) ? DC_DATE_YEAR : DC_DATE_MONTH;

		uint8_t sur;
		if (p->father >= 0 && chance(r, 0.97))
			sur = g->hh[p->father].name.sur;
		else if (p->mother >= 0 && chance(r, 0.2))
			sur = g->hh[p->mother].name.sur;
		else
			sur = (uint8_t)wdist_draw(r, &g->surnames);
		/* Siblings get different given names (parents do not repeat). */
		for (int t = 0; t < 4; t++) {
			int clash = 0;
			draw_name(g, &p->name, p->sex, year, sur);
			for (size_t j = 0; j < i && lin; j++)
				clash |= g->hh[j].father == p->father &&
				         g->hh[j].mother == p->mother &&
				         g->hh[j].name.sex == p->sex &&
				         g->hh[j].name.giv == p->name.giv;
			if (!clash)
				break;
		}

		if (lin) {
			p->origin = lin->origin;
			p->ethnicity = lin->ethnicity;
			p->religion = lin->religion;
		} else {
			uint32_t op = p->country || chance(r, 0.3) ? home : p->birth_prov;
			p->origin = p->birth_reg != NO_UNIT && chance(r, 0.6) ? p->birth_reg
			                                                      : draw_commune(g, op);
			int outsider = p->rel == R_SPOUSE || p->rel == R_CHILD_IN_LAW;
			p->ethnicity = outsider && chance(r, 0.05)
			                       ? (uint8_t)wdist_draw(r, &g->ethnicity)
			                       : eth;
			p->religion = outsider && chance(r, 0.1)
			                      ? (uint8_t)wdist_draw(r, &g->religion)
			                      : rel;
		}

		rc = alloc_pin(g, birth_prefix(g, p), year, p->sex, &p->pin);
		if (rc)
			return rc;
		if (chance(r, 0.4))
			p->blood = (uint8_t)(wdist_draw(r, &g->blood) + 1);
		if (year < cutoff && chance(r, 0.6)) {
			/* The CMND area follows the province of birth, as the
			 * number's prefix does. */
			int area = p->country ? g->prov[home].prefix[0]
			                      : (p->pin.d[1] - '0') * 10 + (p->pin.d[2] - '0');
			rc = alloc_cmnd9(g, area, p->cmnd9);
			if (rc)
				return rc;
		}
		if (age >= yd(16) && chance(r, age >= yd(75) ? 0.4 : 0.88))
			draw_phone(g, p->phone);
		if (age >= yd(16) && age < yd(55) && chance(r, 0.2)) {
			p->email_num = between(r, 1, 9999);
			p->email_domain = (uint8_t)below(r, DC_ARRAY_LEN(email_domains));
		}
		if (age >= yd(18) && age < yd(40) && chance(r, 0.05)) {
			/* Students and workers registered temporarily where they
			 * study or work: mostly the big cities. */
			uint32_t tp = wdist_draw(r, &g->prov_w);
			p->temp_commune = draw_commune(g, tp);
			draw_address(g, p->temp_commune, &p->temp_addr);
		}
	}
	return DC_OK;
}

/* Registration dates and deaths. The household registered its address when
 * the head was an adult; each member from then or from shortly after birth.
 * A death (never the head's) comes after the registration and after the
 * birth of the person's youngest child in the household. */
static void fill_dates(struct dc_gen *g)
{
	struct rng *r = &g->r;
	const struct person *h = &g->hh[0];
	for (size_t i = 0; i < g->nhh; i++)
		if (g->hh[i].rel == R_HEAD)
			h = &g->hh[i];
	int32_t adult = g->today - h->dob - yd(18);
	int32_t span = adult < yd(40) ? adult : yd(40);
	int32_t since = g->today - (span > 0 ? (int32_t)below(r, (uint32_t)span + 1) : 0);
	for (size_t i = 0; i < g->nhh; i++) {
		struct person *p = &g->hh[i];
		int32_t reg = p->dob + between(r, 7, 60);
		p->perm_since = reg > since ? reg : since;
		if (p->perm_since > g->today)
			p->perm_since = g->today;
	}
	for (size_t i = 0; i < g->nhh; i++) {
		struct person *p = &g->hh[i];
		int32_t age = g->today - p->dob;
		double pd = age >= yd(80) ? 0.25 : age >= yd(65) ? 0.08 : 0.005;
		if (p->rel == R_HEAD || !chance(r, pd))
			continue;
		int32_t lo = p->perm_since > p->dob ? p->perm_since : p->dob;
		for (size_t j = 0; j < g->nhh; j++)
			if ((g->hh[j].father == (int8_t)i || g->hh[j].mother == (int8_t)i) &&
			    g->hh[j].dob > lo)
				lo = g->hh[j].dob;
		lo++;
		int32_t hi = g->today - 1;
		if (lo > hi)
			continue;
		int32_t window = hi - lo < yd(10) ? hi - lo : yd(10);
		p->dead = 1;
		p->death = hi - (int32_t)below(r, (uint32_t)window + 1);
		p->phone[0] = '\0';
		p->email_num = 0;
		p->temp_commune = NO_UNIT;
		if (p->spouse >= 0 && !g->hh[p->spouse].dead)
			g->hh[p->spouse].marital = M_WIDOWED;
	}
}

static void set_link(struct link *l, const struct person *p)
{
	l->pin = p->pin;
	l->name = p->name;
}

static void fill_links(struct dc_gen *g)
{
	for (size_t i = 0; i < g->nhh; i++) {
		struct person *p = &g->hh[i];
		if (p->father >= 0) {
			set_link(&p->father_l, &g->hh[p->father]);
			g->hh[p->father].referenced = 1;
		}
		if (p->mother >= 0) {
			set_link(&p->mother_l, &g->hh[p->mother]);
			g->hh[p->mother].referenced = 1;
		}
		if (p->spouse >= 0) {
			set_link(&p->spouse_l, &g->hh[p->spouse]);
			g->hh[p->spouse].referenced = 1;
		}
	}
}

/* Chooses and applies one error for p. Kinds that change what others depend
 * on go only to people nobody links to; the rest can go to anyone. */
static int inject(struct dc_gen *g, struct person *p)
{
	struct rng *r = &g->r;
	uint8_t kinds[NINJ] = {INJ_COMMUNE}; /* always possible: nk ends ≥ 1 */
	size_t nk = 0;
	int leaf = !p->referenced;
	int alive = !p->dead;
	for (int k = INJ_PIN_YEAR; k < NINJ; k++) {
		int ok = k >= INJ_FIRST_ANY || leaf;
		if (k == INJ_DOB_FUTURE || k == INJ_PARENT_YOUNG)
			ok = ok && alive;
		if (k == INJ_RESIDENCE_AFTER_DEATH)
			ok = ok && g->today - p->dob >= 3;
		if (k == INJ_PARENT_YOUNG)
			ok = ok && (p->father >= 0 || p->mother >= 0);
		if (k == INJ_RELATION)
			ok = ok && p->rel != R_HEAD;
		if (ok)
			kinds[nk++] = (uint8_t)k;
	}
	p->inj = kinds[below(r, (uint32_t)nk)];
	p->bad = (uint8_t)below(r, 5);
	int year = year_of(p->dob);
	switch (p->inj) {
	case INJ_PIN_YEAR: {
		int shift = between(r, 1, 5);
		int down = year + shift > 2399 || (year - shift >= 1900 && chance(r, 0.5));
		int wrong = down ? year - shift : year + shift;
		struct dc_pin_info info;
		dc_pin_decode(&p->pin, NULL, &info);
		return alloc_pin(g, info.prefix, wrong, p->sex, &p->pin);
	}
	case INJ_PIN_SEX:
		p->sex = opposite(p->sex);
		return DC_OK;
	case INJ_DOB_FUTURE: {
		struct dc_pin_info info;
		dc_pin_decode(&p->pin, NULL, &info);
		p->dob = g->today + between(r, 1, yd(3));
		p->dob_prec = DC_DATE_DAY;
		/* A new number for the new year, so that only dob.future fires. */
		return alloc_pin(g, info.prefix, year_of(p->dob), p->sex, &p->pin);
	}
	case INJ_DEATH_BEFORE_BIRTH:
		p->dead = 1;
		p->death = dob_floor(p) - between(r, 1, yd(5));
		/* Registration date dropped: it would also be after the death. */
		p->perm_since = NO_DAY;
		return DC_OK;
	case INJ_RESIDENCE_AFTER_DEATH:
		if (!p->dead) {
			p->dead = 1;
			p->death = between(r, p->dob + 1, g->today - 1);
		}
		p->perm_since = between(r, p->death + 1,
		                        g->today > p->death + 365 ? p->death + 365 : g->today);
		return DC_OK;
	case INJ_PARENT_YOUNG: {
		const struct person *par = &g->hh[p->father >= 0 ? p->father : p->mother];
		struct dc_pin_info info;
		dc_pin_decode(&p->pin, NULL, &info);
		/* 1–10 years after the parent: under 12 even by whole years when
		 * the parent's date is partial. */
		p->dob = par->dob + between(r, yd(1), yd(10));
		p->dob_prec = DC_DATE_DAY;
		if (p->perm_since < p->dob)
			p->perm_since = p->dob;
		return alloc_pin(g, info.prefix, year_of(p->dob), p->sex, &p->pin);
	}
	case INJ_COMMUNE:
		for (;;) {
			char code[6];
			p->bad_commune = below(r, 100000);
			put_digits(code, p->bad_commune, 5);
			if (!dc_units_commune(g->u, code, 5))
				break;
		}
		return DC_OK;
	default:
		return DC_OK;
	}
}

/* A near-duplicate of a clean earlier person: a new number, a varied name,
 * no household and no CMND (the same CMND twice would be refused by the
 * store before any dedup could look at it). */
static int make_duplicate(struct dc_gen *g, const struct person *src, struct person *d)
{
	struct rng *r = &g->r;
	struct dc_pin_info info;
	uint8_t choice[NVARIANTS];
	size_t nc = 0;
	struct sb plain, alt;
	*d = *src;
	d->dup_of = src->pin;
	d->household = 0;
	d->cmnd9[0] = '\0';
	d->email_num = 0;
	if (chance(r, 0.5))
		d->phone[0] = '\0';
	plain.n = 0;
	name_text(&src->name, 0, &plain);
	for (size_t i = 0; i < plain.n; i++)
		if ((unsigned char)plain.b[i] >= 0x80) {
			choice[nc++] = V_FOLD;
			break;
		}
	choice[nc++] = V_UPPER;
	if (src->name.mid1)
		choice[nc++] = V_NO_MIDDLE;
	name_variant(&src->name, V_RETONE, &alt);
	if (alt.n != plain.n || memcmp(alt.b, plain.b, plain.n) != 0)
		choice[nc++] = V_RETONE;
	d->variant = choice[below(r, (uint32_t)nc)];
	dc_pin_decode(&src->pin, NULL, &info);
	return alloc_pin(g, info.prefix, year_of(src->dob), src->sex, &d->pin);
}

static int build_household(struct dc_gen *g)
{
	struct rng *r = &g->r;
	int n = (int)wdist_draw(r, &g->sizes) + 1;
	uint32_t home = wdist_draw(r, &g->prov_w);
	int rc;

	g->nhh = 0;
	if (n == 1) {
		single(g);
	} else {
		uint32_t k = below(r, 100);
		int nuc = n == 2 ? 55 : n == 3 ? 62 : 58;
		int sp = n == 2 ? 30 : n == 3 ? 12 : 7;
		int wp = n == 2 ? 15 : n == 3 ? 14 : 17;
		if (k < (uint32_t)nuc)
			nuclear(g, n - 2, 1);
		else if (k < (uint32_t)(nuc + sp))
			single_parent(g, n - 1);
		else if (k < (uint32_t)(nuc + sp + wp) || n == 2)
			with_parents(g, n);
		else
			three_generations(g, n);
	}
	DC_ASSERT(g->nhh == (size_t)n);

	uint64_t hid = ++g->households;
	uint32_t commune = draw_commune(g, home);
	struct addr a;
	draw_address(g, commune, &a);
	rc = fill_members(g, home);
	if (rc)
		return rc;
	fill_dates(g);
	fill_links(g);

	g->npend = g->ipend = 0;
	for (size_t i = 0; i < g->nhh; i++) {
		struct person *p = &g->hh[i];
		p->household = hid;
		p->perm_commune = commune;
		p->perm_addr = a;
		if (chance(r, g->p_err)) {
			rc = inject(g, p);
			if (rc)
				return rc;
		} else {
			g->ring[g->iring] = *p;
			g->iring = (g->iring + 1) % RING;
			if (g->nring < RING)
				g->nring++;
		}
		g->pend[g->npend++] = *p;
	}
	for (size_t i = 0; i < g->nhh && g->nring; i++) {
		for (double q = g->q_dup; q > 0 && unit(r) < q; q -= 1.0) {
			const struct person *src = &g->ring[below(r, (uint32_t)g->nring)];
			rc = make_duplicate(g, src, &g->pend[g->npend]);
			if (rc)
				return rc;
			g->npend++;
		}
	}
	return DC_OK;
}

/* --- writing a record ------------------------------------------------------ */

/* A pool copy of the builder's text; sets *rc on out-of-memory. */
static const char *keep(struct dc_pool *pool, const struct sb *s, int *rc)
{
	const char *c = dc_pool_strndup(pool, s->b, s->n);
	if (!c)
		*rc = DC_ERR_NOMEM;
	return c;
}

static const char *keepn(struct dc_pool *pool, const char *s, size_t n, int *rc)
{
	const char *c = dc_pool_strndup(pool, s, n);
	if (!c)
		*rc = DC_ERR_NOMEM;
	return c;
}

static const char *keep_name(struct dc_pool *pool, const struct pname *nm, int *rc)
{
	struct sb s;
	s.n = 0;
	name_text(nm, 0, &s);
	return keep(pool, &s, rc);
}

/* "Phường Ba Đình, Thành phố Hà Nội": a commune and its province. */
static void place_text(const struct dc_gen *g, uint32_t commune, struct sb *s)
{
	const struct dc_commune *c = dc_units_commune_at(g->u, commune);
	sb_adds(s, c->name);
	sb_add(s, ", ", 2);
	sb_adds(s, g->prov[g->commune_prov[commune]].p->name);
}

static void address_text(const struct addr *a, struct sb *s)
{
	switch (a->form) {
	case 0: /* Hà Nội style: house, lane, street */
		sb_adds(s, "Số ");
		sb_addu(s, a->a);
		sb_adds(s, ", ngõ ");
		sb_addu(s, a->b);
		sb_adds(s, ", đường ");
		sb_adds(s, streets[a->word]);
		break;
	case 1:
		sb_adds(s, "Số ");
		sb_addu(s, a->a);
		sb_adds(s, " đường ");
		sb_adds(s, streets[a->word]);
		break;
	case 2: /* southern alley (hẻm) numbering */
		sb_adds(s, "Số ");
		sb_addu(s, a->a);
		sb_add(s, "/", 1);
		sb_addu(s, a->b);
		sb_adds(s, " đường ");
		sb_adds(s, streets[a->word]);
		break;
	case 3:
		sb_adds(s, "Tổ ");
		sb_addu(s, a->b % 40 + 1);
		sb_adds(s, ", khu phố ");
		sb_addu(s, a->a % 15 + 1);
		break;
	case 4:
		sb_adds(s, "Thôn ");
		sb_adds(s, villages[a->word]);
		break;
	case 5:
		sb_adds(s, "Xóm ");
		sb_addu(s, a->b);
		break;
	case 6:
		sb_adds(s, "Ấp ");
		sb_adds(s, villages[a->word]);
		break;
	case 7:
		sb_adds(s, "Bản ");
		sb_adds(s, hamlets[a->word % DC_ARRAY_LEN(hamlets)]);
		break;
	case 8:
		sb_adds(s, "Thôn ");
		sb_addu(s, a->b);
		break;
	default:
		sb_adds(s, "Ấp ");
		sb_addu(s, a->b);
		break;
	}
}

static struct dc_date out_date(int32_t days)
{
	struct dc_date d = {0, 0, 0};
	return days == NO_DAY ? d : day_date(days);
}

static void write_links(const struct person *p, struct dc_citizen *out, struct dc_pool *pool,
                        int *rc)
{
	if (p->father_l.pin.d[0]) {
		out->father_pin = keepn(pool, p->father_l.pin.d, 12, rc);
		out->father_name = keep_name(pool, &p->father_l.name, rc);
	}
	if (p->mother_l.pin.d[0]) {
		out->mother_pin = keepn(pool, p->mother_l.pin.d, 12, rc);
		out->mother_name = keep_name(pool, &p->mother_l.name, rc);
	}
	if (p->spouse_l.pin.d[0]) {
		out->spouse_pin = keepn(pool, p->spouse_l.pin.d, 12, rc);
		out->spouse_name = keep_name(pool, &p->spouse_l.name, rc);
	}
}

static void write_name(const struct person *p, struct dc_citizen *out, struct dc_pool *pool,
                       int *rc)
{
	struct sb s;
	s.n = 0;
	if (p->inj == INJ_NAME_REQUIRED) {
		out->birth_name = "";
		return;
	}
	name_variant(&p->name, p->variant, &s);
	if (p->inj == INJ_NAME_INVALID) {
		/* A digit where a letter should be, as OCR and typing leave. */
		static const char *const junk[] = {"2", "0", "1", "9"};
		sb_adds(&s, junk[p->bad % DC_ARRAY_LEN(junk)]);
	}
	out->birth_name = keep(pool, &s, rc);
}

static void write_residence(const struct dc_gen *g, const struct person *p, struct dc_citizen *out,
                            struct dc_pool *pool, int *rc)
{
	const struct dc_units *u = g->u;
	struct sb s;
	char code[6];
	if (p->inj == INJ_COMMUNE) {
		put_digits(code, p->bad_commune, 5);
		out->perm_commune = keepn(pool, code, 5, rc);
	} else {
		out->perm_commune =
		        keepn(pool, dc_units_commune_at(u, p->perm_commune)->code, 5, rc);
	}
	s.n = 0;
	address_text(&p->perm_addr, &s);
	out->perm_address = keep(pool, &s, rc);
	if (p->temp_commune != NO_UNIT) {
		out->temp_commune =
		        keepn(pool, dc_units_commune_at(u, p->temp_commune)->code, 5, rc);
		s.n = 0;
		address_text(&p->temp_addr, &s);
		out->temp_address = keep(pool, &s, rc);
		out->cur_commune = out->temp_commune;
		out->cur_address = out->temp_address;
	}
}

static void write_birth(const struct dc_gen *g, const struct person *p, struct dc_citizen *out,
                        struct dc_pool *pool, int *rc)
{
	struct sb s;
	s.n = 0;
	if (p->country) {
		sb_adds(&s, countries[p->country - 1].name);
	} else if (p->birth_reg != NO_UNIT) {
		place_text(g, p->birth_reg, &s);
		out->birth_reg_unit =
		        keepn(pool, dc_units_commune_at(g->u, p->birth_reg)->code, 5, rc);
	} else {
		sb_adds(&s, g->prov[p->birth_prov].p->name);
		out->birth_reg_unit = keepn(pool, g->prov[p->birth_prov].p->code, 2, rc);
	}
	out->birth_place = keep(pool, &s, rc);
	s.n = 0;
	place_text(g, p->origin, &s);
	out->origin_place = keep(pool, &s, rc);
}

static void write_contact(const struct person *p, struct dc_citizen *out, struct dc_pool *pool,
                          int *rc)
{
	if (p->cmnd9[0] || p->inj == INJ_CMND) {
		char c[12];
		size_t n = 9;
		if (p->cmnd9[0])
			memcpy(c, p->cmnd9, 10);
		else
			memcpy(c, p->pin.d + 3, 9);
		if (p->inj == INJ_CMND) {
			/* One digit lost, or a letter O typed for a zero (one
			 * digit too many would also trip text.too_long). */
			if (p->bad % 2 == 0)
				n = 8;
			else
				c[4] = 'O';
		}
		out->cmnd9 = keepn(pool, c, n, rc);
	}
	if (p->phone[0])
		out->phone = keepn(pool, p->phone, 10, rc);
	if (p->email_num) {
		struct sb s, local;
		const struct dc__gen_name_table *gt = given_table(p->name.sex);
		s.n = local.n = 0;
		sb_adds(&s, gt->v[p->name.giv].s);
		sb_add(&s, ".", 1);
		sb_adds(&s, dc__gen_surnames.v[p->name.sur].s);
		local.n = dc__gen_fold_ascii(s.b, s.n, local.b, sizeof(local.b));
		for (size_t i = 0; i < local.n; i++)
			if (local.b[i] >= 'A' && local.b[i] <= 'Z')
				local.b[i] = (char)(local.b[i] - 'A' + 'a');
		sb_addu(&local, p->email_num);
		sb_add(&local, "@", 1);
		sb_adds(&local, email_domains[p->email_domain]);
		out->email = keep(pool, &local, rc);
	}
}

static int emit(const struct dc_gen *g, const struct person *p, struct dc_citizen *out,
                struct dc_gen_truth *truth, struct dc_pool *pool)
{
	int rc = DC_OK;
	struct sb s;
	memset(out, 0, sizeof(*out));
	out->pin = p->pin;
	out->dob = day_date(p->dob);
	if (p->dob_prec == DC_DATE_YEAR)
		out->dob.month = 0;
	if (p->dob_prec != DC_DATE_DAY)
		out->dob.day = 0;
	out->sex = p->sex;
	out->status = p->dead ? DC_STATUS_DEAD : DC_STATUS_ALIVE;
	out->death_date = out_date(p->dead ? p->death : NO_DAY);
	out->perm_since = out_date(p->perm_since);

	write_name(p, out, pool, &rc);
	write_birth(g, p, out, pool, &rc);
	out->ethnicity = ethnicities[p->ethnicity].s;
	out->religion = religions[p->religion].s;
	out->nationality = "VN";
	if (p->blood)
		out->blood_group = blood_groups[p->blood - 1].s;
	write_links(p, out, pool, &rc);
	write_residence(g, p, out, pool, &rc);
	out->marital_status = p->inj == INJ_MARITAL
	                              ? bad_marital[p->bad % DC_ARRAY_LEN(bad_marital)]
	                              : marital_codes[p->marital];
	if (p->household) {
		s.n = 0;
		sb_add(&s, "H", 1);
		put_digits(s.b + 1, (uint32_t)(p->household / 100000), 5);
		put_digits(s.b + 6, (uint32_t)(p->household % 100000), 5);
		s.n = 11;
		out->household_id = keep(pool, &s, &rc);
		out->head_relation = p->inj == INJ_RELATION
		                             ? bad_relations[p->bad % DC_ARRAY_LEN(bad_relations)]
		                             : rel_codes[p->rel];
	}
	write_contact(p, out, pool, &rc);
	if (truth) {
		truth->rule = inj_rules[p->inj];
		truth->dup_of = p->dup_of.d[0] ? keepn(pool, p->dup_of.d, 12, &rc) : NULL;
		truth->variant = p->dup_of.d[0] ? variant_codes[p->variant] : NULL;
	}
	return rc;
}

/* --- life cycle ---------------------------------------------------------- */

static const struct dc__gen_name_table *name_tables(int kind, int female)
{
	if (kind == 0)
		return female ? &dc__gen_middle_f : &dc__gen_middle_m;
	return female ? &dc__gen_given_f : &dc__gen_given_m;
}

static void init_tables(struct dc_gen *g)
{
	for (size_t i = 0; i < dc__gen_surnames.n; i++)
		wdist_add(&g->surnames, dc__gen_surnames.v[i].w_old);
	for (int f = 0; f < 2; f++) {
		for (int modern = 0; modern < 2; modern++) {
			const struct dc__gen_name_table *mt = name_tables(0, f),
			                                *gt = name_tables(1, f);
			for (size_t i = 0; i < mt->n; i++)
				wdist_add(&g->middle[f][modern],
				          modern ? mt->v[i].w_new : mt->v[i].w_old);
			for (size_t i = 0; i < gt->n; i++)
				wdist_add(&g->given[f][modern],
				          modern ? gt->v[i].w_new : gt->v[i].w_old);
		}
	}
	for (size_t i = 0; i < DC_ARRAY_LEN(household_sizes); i++)
		wdist_add(&g->sizes, household_sizes[i]);
	for (size_t i = 0; i < DC_ARRAY_LEN(ethnicities); i++)
		wdist_add(&g->ethnicity, ethnicities[i].w);
	for (size_t i = 0; i < DC_ARRAY_LEN(religions); i++)
		wdist_add(&g->religion, religions[i].w);
	for (size_t i = 0; i < DC_ARRAY_LEN(blood_groups); i++)
		wdist_add(&g->blood, blood_groups[i].w);
	for (size_t i = 0; i < DC_ARRAY_LEN(countries); i++)
		wdist_add(&g->country, countries[i].w);
}

static uint32_t old_weight(int prefix)
{
	for (size_t i = 0; i < DC_ARRAY_LEN(old_provinces); i++)
		if (old_provinces[i].prefix == prefix)
			return old_provinces[i].k;
	return 500; /* a prefix the table does not know: a mid-sized province */
}

/* Provinces, their communes and old prefixes, from the units tables.
 * A province without communes or prefixes gets no households. */
static int init_units(struct dc_gen *g)
{
	const struct dc_units *u = g->u;
	int by_code[100];
	uint32_t fill[MAX_PROV] = {0};
	g->nprov = dc_units_nprovinces(u);
	g->ncommunes = (uint32_t)dc_units_ncommunes(u);
	if (g->nprov == 0 || g->nprov > MAX_PROV || g->ncommunes == 0 || g->ncommunes >= NO_UNIT)
		return DC_ERR_INVALID;
	for (int i = 0; i < 100; i++)
		by_code[i] = -1;
	for (size_t i = 0; i < g->nprov; i++) {
		const struct dc_province *p = dc_units_province_at(u, i);
		int code = (p->code[0] - '0') * 10 + (p->code[1] - '0');
		if (code < 0 || code > 99)
			return DC_ERR_INVALID;
		by_code[code] = (int)i;
		g->prov[i].p = p;
		g->prov[i].south = code >= 75;
		g->prov[i].upland = code == 4 || code == 8 || code == 11 || code == 12 ||
		                    code == 14 || code == 15 || code == 20;
	}
	g->communes = malloc(g->ncommunes * sizeof(*g->communes));
	g->commune_prov = malloc(g->ncommunes);
	if (!g->communes || !g->commune_prov)
		return DC_ERR_NOMEM;
	for (uint32_t i = 0; i < g->ncommunes; i++) {
		const struct dc_commune *c = dc_units_commune_at(u, i);
		int code = (c->province_code[0] - '0') * 10 + (c->province_code[1] - '0');
		if (code < 0 || code > 99 || by_code[code] < 0)
			return DC_ERR_INVALID;
		g->commune_prov[i] = (uint8_t)by_code[code];
		g->prov[by_code[code]].nc++;
	}
	for (size_t i = 1; i < g->nprov; i++)
		g->prov[i].c0 = g->prov[i - 1].c0 + g->prov[i - 1].nc;
	for (uint32_t i = 0; i < g->ncommunes; i++) {
		uint8_t p = g->commune_prov[i];
		g->communes[g->prov[p].c0 + fill[p]++] = i;
	}
	for (size_t i = 0; i < g->nprov; i++) {
		struct gprov *p = &g->prov[i];
		int pre[MAX_PREFIX];
		size_t n = dc_units_prefixes_of(u, p->p, pre, MAX_PREFIX);
		uint32_t total = 0;
		if (n > MAX_PREFIX)
			n = MAX_PREFIX;
		for (size_t j = 0; j < n; j++) {
			if (pre[j] < 0 || pre[j] > 99)
				continue;
			total += old_weight(pre[j]);
			p->prefix[p->np] = pre[j];
			p->pcum[p->np++] = total;
		}
		wdist_add(&g->prov_w, p->nc && p->np ? total : 0);
	}
	return g->prov_w.cum[g->prov_w.n - 1] ? DC_OK : DC_ERR_INVALID;
}

int dc_gen_new(const struct dc_units *units, const struct dc_gen_opts *opts, struct dc_gen **out)
{
	int rc = DC_OK;
	struct dc_gen *g = NULL;
	struct dc_date y1900 = {1900, 1, 1};
	*out = NULL;
	if (!units || !opts || !(opts->error_rate >= 0 && opts->error_rate <= 1) ||
	    !(opts->dup_rate >= 0 && opts->dup_rate <= 0.9) ||
	    opts->error_rate + opts->dup_rate > 1 || !dc_date_valid(&opts->today) ||
	    dc_date_precision(&opts->today) != DC_DATE_DAY || opts->today.year < 2000 ||
	    opts->today.year > 2300) {
		rc = DC_ERR_INVALID;
		goto cleanup;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		rc = DC_ERR_NOMEM;
		goto cleanup;
	}
	g->u = units;
	g->o = *opts;
	g->pin_next = calloc(1000000, sizeof(*g->pin_next));
	if (!g->pin_next) {
		rc = DC_ERR_NOMEM;
		goto cleanup;
	}
	rc = init_units(g);
	if (rc)
		goto cleanup;
	init_tables(g);
	rng_seed(&g->r, opts->seed);
	g->pin_key = rng_next(&g->r);
	g->cmnd_key = rng_next(&g->r);
	g->today = (int32_t)dc_date_to_days(&opts->today);
	g->min_dob = (int32_t)dc_date_to_days(&y1900);
	g->p_err = opts->error_rate / (1 - opts->dup_rate);
	g->q_dup = opts->dup_rate / (1 - opts->dup_rate);
	*out = g;
	g = NULL;
cleanup:
	dc_gen_free(g);
	return rc;
}

void dc_gen_free(struct dc_gen *g)
{
	if (!g)
		return;
	free(g->communes);
	free(g->commune_prov);
	free(g->pin_next);
	free(g);
}

int dc_gen_next(struct dc_gen *g, struct dc_citizen *out, struct dc_gen_truth *truth,
                struct dc_pool *pool)
{
	int rc;
	if (g->produced >= g->o.count)
		return 1;
	if (g->ipend == g->npend) {
		rc = build_household(g);
		if (rc) {
			/* Drop the half-built household rather than hand it out. */
			g->npend = g->ipend = 0;
			return rc;
		}
	}
	rc = emit(g, &g->pend[g->ipend], out, truth, pool);
	if (rc)
		return rc;
	g->ipend++;
	g->produced++;
	return DC_OK;
}
