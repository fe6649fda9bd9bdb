/*
 * import.c — bulk import of citizens (CSV or JSON Lines) through the
 * data-quality gate, in one transaction.
 *
 * Flow per row: fields → struct dc_citizen (text cleaned to NFC), rules,
 * parent checks (parents seen earlier in the same file are remembered in a
 * compact hash), then the store's batch insert. In all-or-nothing mode the
 * first rejected row stops the writing but not the reading, so the report
 * still lists every bad row.
 *
 * Two threads: the caller's thread reads, cleans and checks rows and fills
 * chunks; a writer thread owns the store connection for the import and
 * writes full chunks (and checks parents that are already in the register,
 * which needs the connection). NSLOTS chunks circulate between them, so
 * parsing one chunk overlaps writing the previous one. The report, the
 * rejection counters and the rule counts are shared under one mutex.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dancu/csv.h"
#include "dancu/import.h"
#include "dancu/store.h"
#include "dancu/text.h"
#include "dancu/units.h"

#include "core/internal.h"

#define MAX_HITS 16
#define CHUNK 8192
#define NSLOTS 3

enum { NEED_FATHER = 1, NEED_MOTHER = 2 };

struct slot {
	struct dc_citizen *rows; /* strings in pool */
	uint64_t *line;
	unsigned char *ins;
	unsigned char *need; /* NEED_FATHER | NEED_MOTHER: parents to look up in the store */
	size_t n;
	struct dc_pool pool;
	int full; /* handed to the writer */
};
#define JSONL_MAX_LINE (1u << 20)

/* --- a compact map pin → (dob, sex) of rows already imported ------------- */

struct seen_entry {
	uint64_t key; /* pin as a number + 1; 0 = empty slot */
	struct dc_date dob;
	char sex;
};

struct seen {
	struct seen_entry *slots;
	size_t mask;
	size_t n;
};

static uint64_t pin_key(const char *d)
{
	uint64_t k = 0;
	for (int i = 0; i < 12; i++)
		k = k * 10 + (uint64_t)(d[i] - '0');
	return k + 1;
}

static size_t slot_of(uint64_t k, size_t mask)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k & mask;
}

static int seen_put(struct seen *s, const struct dc_citizen *c)
{
	if ((s->n + 1) * 2 > s->mask + 1 || !s->slots) {
		size_t cap = s->slots ? (s->mask + 1) * 2 : 1u << 16;
		struct seen_entry *ns = calloc(cap, sizeof(*ns));
		if (!ns)
			return DC_ERR_NOMEM;
		for (size_t i = 0; s->slots && i <= s->mask; i++) {
			if (!s->slots[i].key)
				continue;
			size_t j = slot_of(s->slots[i].key, cap - 1);
			while (ns[j].key)
				j = (j + 1) & (cap - 1);
			ns[j] = s->slots[i];
		}
		free(s->slots);
		s->slots = ns;
		s->mask = cap - 1;
	}
	uint64_t k = pin_key(c->pin.d);
	size_t j = slot_of(k, s->mask);
	while (s->slots[j].key && s->slots[j].key != k)
		j = (j + 1) & s->mask;
	if (!s->slots[j].key)
		s->n++;
	s->slots[j].key = k;
	s->slots[j].dob = c->dob;
	s->slots[j].sex = (char)c->sex;
	return DC_OK;
}

static const struct seen_entry *seen_get(const struct seen *s, const char *pin)
{
	if (!s->slots)
		return NULL;
	uint64_t k = pin_key(pin);
	size_t j = slot_of(k, s->mask);
	while (s->slots[j].key) {
		if (s->slots[j].key == k)
			return &s->slots[j];
		j = (j + 1) & s->mask;
	}
	return NULL;
}

/* --- the import state ----------------------------------------------------- */

struct imp {
	struct dc_store *store;
	const struct dc_units *units;
	const struct dc_import_opts *opts;
	struct dc_import_result *res;
	struct dc_pool pool;   /* per row */
	struct dc_buf scratch; /* text cleaning */
	struct dc_buf line;    /* report lines */
	struct seen seen;
	int colmap[DC_CSV_MAX_FIELDS]; /* CSV column → citizen column, -1 unknown */
	size_t ncols;
	int64_t batch;
	atomic_int writing; /* still inserting (all-or-nothing stops at the first reject) */
	/* Accepted rows wait in slots and go to the store CHUNK at a time (one
	 * COPY on PostgreSQL). */
	struct slot slots[NSLOTS];
	size_t fill; /* slot the reader fills */
	pthread_t writer;
	int threaded;       /* writer thread running */
	pthread_mutex_t mu; /* slots' full flags, done, werr, report, counters */
	pthread_cond_t cv;
	int done;             /* reader finished: writer drains and stops */
	int werr;             /* first error of the writer */
	struct dc_pool wpool; /* writer's scratch */
	uint64_t bytes_total;
	struct timespec t0, last_progress;
};

static double since(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) + (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

static void progress(struct imp *im, uint64_t offset, int final)
{
	FILE *f = im->opts->progress;
	if (!f)
		return;
	if (!final && since(&im->last_progress) < 0.1)
		return;
	clock_gettime(CLOCK_MONOTONIC, &im->last_progress);
	double el = since(&im->t0);
	double frac = im->bytes_total ? (double)offset / (double)im->bytes_total : 0;
	if (final || frac > 1)
		frac = 1;
	char bar[31];
	int fill = (int)(frac * 30);
	for (int i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	fprintf(f, "\rimport [%s] %3d%%  %llu rows  %.0f rows/s  %llu rejected ", bar,
	        (int)(frac * 100), (unsigned long long)im->res->rows,
	        el > 0 ? (double)im->res->rows / el : 0.0, (unsigned long long)im->res->rejected);
	if (final)
		fputc('\n', f);
	fflush(f);
}

/* true when s certainly is already in the stored form: NFC (only code points
 * below U+0300 or in Latin Extended Additional, where every character is
 * NFC-stable and none combines), single inner spaces, no edge spaces. */
static int already_clean(const unsigned char *s, size_t n)
{
	if (n == 0)
		return 1;
	if (s[0] == ' ' || s[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (c < 0x80) {
			if (c < 0x20 || (c == ' ' && i + 1 < n && s[i + 1] == ' '))
				return 0;
			continue;
		}
		if (c >= 0xC2 && c <= 0xCB && i + 1 < n) { /* U+0080–U+02FF */
			i++;
			continue;
		}
		if (c == 0xE1 && i + 2 < n &&
		    (s[i + 1] == 0xB8 || s[i + 1] == 0xB9 || s[i + 1] == 0xBA ||
		     s[i + 1] == 0xBB)) { /* U+1E00–U+1EFF */
			i += 2;
			continue;
		}
		return 0;
	}
	return 1;
}

static void add_hit(struct dc_rule_hit *hits, size_t *n, enum dc_rule_id id, const char *field)
{
	if (*n < MAX_HITS) {
		hits[*n].id = id;
		hits[*n].field = field;
	}
	(*n)++;
}

/* Sets column col of c from a raw value, cleaning text. Format problems
 * become rule hits. */
static int set_field(struct imp *im, struct dc_citizen *c, int col, const char *v, size_t n,
                     struct dc_rule_hit *hits, size_t *nhits)
{
	if (col >= DC_CITIZEN_NFIXED && n && !already_clean((const unsigned char *)v, n)) {
		dc_buf_reset(&im->scratch);
		if (dc_text_clean(v, n, &im->scratch) == DC_OK) {
			char *t = dc_pool_strndup(&im->pool, im->scratch.ptr ? im->scratch.ptr : "",
			                          im->scratch.len);
			if (!t)
				return DC_ERR_NOMEM;
			v = t;
			n = im->scratch.len;
		}
		/* invalid UTF-8 stays raw: the rules report text.invalid_utf8 */
	}
	if (dc_citizen_set(c, (size_t)col, v, n) == DC_OK)
		return DC_OK;
	switch (col) {
	case 0:
		add_hit(hits, nhits, DC_RULE_PIN_FORMAT, "pin");
		break;
	case 2:
		add_hit(hits, nhits, DC_RULE_SEX_INVALID, "sex");
		break;
	case 3:
		add_hit(hits, nhits, DC_RULE_STATUS_INVALID, "status");
		break;
	default:
		add_hit(hits, nhits, DC_RULE_DATE_FORMAT, dc_citizen_column((size_t)col));
	}
	return DC_OK;
}

/* Looks a parent up: first among rows of this import, then in the store. */
/* Looks a parent up among rows of this import. *need is set when the
 * parent is not there but may be in the register (checked by the writer). */
static void find_parent(struct imp *im, const char *pin, struct dc_citizen *out, int *found,
                        int *need)
{
	*found = 0;
	*need = 0;
	if (!pin || strlen(pin) != 12)
		return;
	const struct seen_entry *e = seen_get(&im->seen, pin);
	memset(out, 0, sizeof(*out));
	if (e) {
		out->dob = e->dob;
		out->sex = e->sex;
		*found = 1;
		return;
	}
	*need = 1;
}

static void report_hits(struct imp *im, uint64_t line, const struct dc_citizen *c,
                        const struct dc_rule_hit *hits, size_t n, int rejected)
{
	FILE *f = im->opts->report;
	pthread_mutex_lock(&im->mu);
	if (rejected)
		im->res->rejected++;
	else if (n)
		im->res->warnings++;
	for (size_t i = 0; i < n && i < MAX_HITS; i++) {
		const struct dc_rule *r = dc_rule_get(hits[i].id);
		im->res->rule_hits[hits[i].id]++;
		if (!f || (r->severity == DC_RULE_WARNING && !im->opts->report_warnings))
			continue;
		dc_buf_reset(&im->line);
		dc_buf_addf(&im->line, "{\"line\":%llu,\"pin\":\"", (unsigned long long)line);
		dc_buf_add_json_str(&im->line, c->pin.d, strlen(c->pin.d));
		dc_buf_addf(
		        &im->line,
		        "\",\"rule\":\"%s\",\"severity\":\"%s\",\"field\":\"%s\",\"row\":\"%s\","
		        "\"message_en\":\"",
		        r->code, r->severity == DC_RULE_ERROR ? "error" : "warning",
		        hits[i].field ? hits[i].field : "", rejected ? "rejected" : "accepted");
		dc_buf_add_json_str(&im->line, r->message_en, strlen(r->message_en));
		dc_buf_adds(&im->line, "\",\"message_vi\":\"");
		dc_buf_add_json_str(&im->line, r->message_vi, strlen(r->message_vi));
		dc_buf_adds(&im->line, "\"}\n");
		fwrite(dc_buf_str(&im->line), 1, im->line.len, f);
	}
	pthread_mutex_unlock(&im->mu);
	if (rejected && !im->opts->partial)
		im->writing = 0;
}

/* Compares every column of a and b. */
static int same_record(const struct dc_citizen *a, const struct dc_citizen *b)
{
	struct dc_buf x = DC_BUF_INIT, y = DC_BUF_INIT;
	int same = 1;
	for (size_t i = 0; i < dc_citizen_ncolumns() && same; i++) {
		dc_buf_reset(&x);
		dc_buf_reset(&y);
		dc_citizen_get(a, i, &x);
		dc_citizen_get(b, i, &y);
		same = x.len == y.len && (x.len == 0 || memcmp(x.ptr, y.ptr, x.len) == 0);
	}
	dc_buf_release(&x);
	dc_buf_release(&y);
	return same;
}

/* Checks rows whose parents were not in the file against the register,
 * then writes the chunk; rows whose number exists are compared with the
 * stored record: identical → unchanged, else a pin.conflict reject. Runs
 * on the writer thread (or the reader's, when there is no writer). */
static int flush_slot(struct imp *im, struct slot *sl)
{
	int rc = DC_OK;
	size_t w = 0;
	for (size_t r = 0; r < sl->n && im->writing; r++) {
		struct dc_citizen *c = &sl->rows[r];
		struct dc_rule_hit hits[4];
		size_t nh = 0;
		for (int k = 0; k < 2 && rc == DC_OK; k++) {
			if (!(sl->need[r] & (k ? NEED_MOTHER : NEED_FATHER)))
				continue;
			struct dc_pin p;
			struct dc_citizen parent;
			if (dc_pin_parse(k ? c->mother_pin : c->father_pin, 12, &p))
				continue;
			dc_pool_clear(&im->wpool);
			rc = dc_store_citizen_get(im->store, &p, &parent, &im->wpool);
			if (rc == DC_OK)
				nh += dc_rules_check_parent(c, &parent, !k, hits + nh, 4 - nh);
			rc = rc == DC_ERR_NOT_FOUND ? DC_OK : rc;
		}
		if (rc)
			break;
		if (dc_rules_has_error(hits, nh)) {
			report_hits(im, sl->line[r], c, hits, nh, 1);
			continue;
		}
		sl->rows[w] = *c;
		sl->line[w++] = sl->line[r];
	}
	if (rc == DC_OK && im->writing && w)
		rc = dc_store_batch_add_many(im->store, im->batch, sl->rows, w, sl->ins);
	for (size_t r = 0; r < w && rc == DC_OK && im->writing; r++) {
		struct dc_citizen *c = &sl->rows[r];
		if (sl->ins[r]) {
			im->res->inserted++;
			continue;
		}
		struct dc_citizen old;
		dc_pool_clear(&im->wpool);
		rc = dc_store_citizen_get(im->store, &c->pin, &old, &im->wpool);
		if (rc == DC_OK && same_record(&old, c)) {
			im->res->unchanged++;
			continue;
		}
		if (rc != DC_OK && rc != DC_ERR_NOT_FOUND)
			break;
		rc = DC_OK;
		/* Exists with other content, or the number was cancelled. */
		struct dc_rule_hit h = {DC_RULE_PIN_CONFLICT, "pin"};
		report_hits(im, sl->line[r], c, &h, 1, 1);
	}
	sl->n = 0;
	dc_pool_clear(&sl->pool);
	return rc;
}

static void *writer_main(void *arg)
{
	struct imp *im = arg;
	size_t w = 0;
	for (;;) {
		pthread_mutex_lock(&im->mu);
		while (!im->slots[w].full && !im->done)
			pthread_cond_wait(&im->cv, &im->mu);
		int have = im->slots[w].full, failed = im->werr != 0;
		pthread_mutex_unlock(&im->mu);
		if (!have)
			break;
		int rc = DC_OK;
		if (failed) { /* drain without writing so the reader never waits forever */
			im->slots[w].n = 0;
			dc_pool_clear(&im->slots[w].pool);
		} else {
			rc = flush_slot(im, &im->slots[w]);
		}
		pthread_mutex_lock(&im->mu);
		im->slots[w].full = 0;
		if (rc && !im->werr)
			im->werr = rc;
		pthread_cond_broadcast(&im->cv);
		pthread_mutex_unlock(&im->mu);
		w = (w + 1) % NSLOTS;
	}
	return NULL;
}

/* Hands the slot being filled to the writer and waits for the next one. */
static int submit(struct imp *im)
{
	struct slot *sl = &im->slots[im->fill];
	if (!im->threaded)
		return flush_slot(im, sl);
	pthread_mutex_lock(&im->mu);
	sl->full = 1;
	pthread_cond_broadcast(&im->cv);
	im->fill = (im->fill + 1) % NSLOTS;
	while (im->slots[im->fill].full && !im->werr)
		pthread_cond_wait(&im->cv, &im->mu);
	int rc = im->werr;
	pthread_mutex_unlock(&im->mu);
	return rc;
}

/* Sends the last partial chunk, lets the writer drain, and joins it. */
static int finish_writer(struct imp *im)
{
	if (!im->threaded)
		return submit(im);
	pthread_mutex_lock(&im->mu);
	if (im->slots[im->fill].n)
		im->slots[im->fill].full = 1;
	im->done = 1;
	pthread_cond_broadcast(&im->cv);
	pthread_mutex_unlock(&im->mu);
	pthread_join(im->writer, NULL);
	im->threaded = 0;
	return im->werr;
}

/* Copies c's strings into the slot's pool and queues it. */
static int stage(struct imp *im, const struct dc_citizen *c, uint64_t line, unsigned char need)
{
	struct slot *sl = &im->slots[im->fill];
	struct dc_citizen *d = &sl->rows[sl->n];
	*d = *c;
	for (size_t i = DC_CITIZEN_NFIXED; i < dc_citizen_ncolumns(); i++) {
		const char **f = dc_citizen_text_field(d, i);
		if (*f && !(*f = dc_pool_strdup(&sl->pool, *f)))
			return DC_ERR_NOMEM;
	}
	sl->need[sl->n] = need;
	sl->line[sl->n++] = line;
	return sl->n == CHUNK ? submit(im) : DC_OK;
}

/* Gate and queue one parsed row. */
static int process(struct imp *im, struct dc_citizen *c, uint64_t line, struct dc_rule_hit *hits,
                   size_t nhits)
{
	struct dc_rule_ctx ctx = {im->units, im->opts->today, NULL, NULL};
	struct dc_citizen father, mother;
	int found, need;
	unsigned char needs = 0;
	int rc;
	if (nhits == 0) { /* format errors already make the record meaningless */
		nhits = dc_rules_check(&ctx, c, hits, MAX_HITS);
		if (!dc_rules_has_error(hits, nhits < MAX_HITS ? nhits : MAX_HITS)) {
			find_parent(im, c->father_pin, &father, &found, &need);
			if (found)
				nhits += dc_rules_check_parent(c, &father, 1, hits + nhits,
				                               nhits < MAX_HITS ? MAX_HITS - nhits
				                                                : 0);
			needs |= need ? NEED_FATHER : 0;
			find_parent(im, c->mother_pin, &mother, &found, &need);
			if (found)
				nhits += dc_rules_check_parent(c, &mother, 0, hits + nhits,
				                               nhits < MAX_HITS ? MAX_HITS - nhits
				                                                : 0);
			needs |= need ? NEED_MOTHER : 0;
		}
	}
	size_t shown = nhits < MAX_HITS ? nhits : MAX_HITS;
	/* Remember every row with a number, rejected or not: a child later in
	 * the file is checked against its parent's data as submitted. */
	if (c->pin.d[0] && (rc = seen_put(&im->seen, c)))
		return rc;
	if (dc_rules_has_error(hits, shown)) {
		report_hits(im, line, c, hits, shown, 1);
		return DC_OK;
	}
	if (shown)
		report_hits(im, line, c, hits, shown, 0);
	if (!im->writing)
		return DC_OK;
	return stage(im, c, line, needs);
}

static int read_header(struct imp *im, const struct dc_csv_row *row)
{
	int have[DC_CSV_MAX_FIELDS] = {0};
	im->ncols = row->nfields;
	for (size_t i = 0; i < row->nfields; i++) {
		const char *name = row->fields[i];
		size_t n = row->lens[i];
		while (n && (name[n - 1] == ' '))
			n--;
		int col = dc_citizen_column_index(name, n);
		if (col < 0) {
			snprintf(im->res->error, sizeof(im->res->error),
			         "unknown column \"%.*s\" in the header (column %zu)",
			         (int)(n > 60 ? 60 : n), name, i + 1);
			return DC_ERR_INVALID;
		}
		if (have[col]) {
			snprintf(im->res->error, sizeof(im->res->error),
			         "column \"%s\" appears twice", dc_citizen_column((size_t)col));
			return DC_ERR_INVALID;
		}
		have[col] = 1;
		im->colmap[i] = col;
	}
	static const char *const required[] = {"pin", "birth_name", "dob", "sex"};
	for (size_t i = 0; i < DC_ARRAY_LEN(required); i++) {
		int col = dc_citizen_column_index(required[i], strlen(required[i]));
		if (!have[col]) {
			snprintf(im->res->error, sizeof(im->res->error),
			         "required column \"%s\" is missing from the header", required[i]);
			return DC_ERR_INVALID;
		}
	}
	return DC_OK;
}

static int malformed(struct imp *im, uint64_t line)
{
	struct dc_citizen c;
	struct dc_rule_hit h = {DC_RULE_ROW_MALFORMED, NULL};
	memset(&c, 0, sizeof(c));
	im->res->rows++;
	report_hits(im, line, &c, &h, 1, 1);
	return DC_OK;
}

static int run_csv(struct imp *im, int fd)
{
	struct dc_csv *r = NULL;
	struct dc_csv_row *row = malloc(sizeof(*row));
	int rc = row ? dc_csv_open_fd(fd, &r) : DC_ERR_NOMEM;
	int header = 1;
	while (rc == DC_OK) {
		int got = dc_csv_next(r, row);
		if (got == 0)
			break;
		if (got == DC_ERR_INVALID) {
			if (header) {
				snprintf(im->res->error, sizeof(im->res->error), "header: %s",
				         dc_csv_errmsg(r));
				rc = DC_ERR_INVALID;
				break;
			}
			rc = malformed(im, row->line);
			continue;
		}
		if (got < 0) {
			rc = got;
			break;
		}
		if (row->nfields == 1 && row->lens[0] == 0)
			continue; /* blank line */
		if (header) {
			header = 0;
			rc = read_header(im, row);
			continue;
		}
		if (row->nfields != im->ncols) {
			rc = malformed(im, row->line);
			continue;
		}
		struct dc_citizen c;
		struct dc_rule_hit hits[MAX_HITS];
		size_t nhits = 0;
		memset(&c, 0, sizeof(c));
		dc_pool_clear(&im->pool);
		im->res->rows++;
		for (size_t i = 0; i < row->nfields && rc == DC_OK; i++)
			rc = set_field(im, &c, im->colmap[i], row->fields[i], row->lens[i], hits,
			               &nhits);
		if (rc == DC_OK)
			rc = process(im, &c, row->line, hits, nhits);
		if ((im->res->rows & 0xfff) == 0)
			progress(im, dc_csv_offset(r), 0);
	}
	if (rc == DC_OK && header) {
		snprintf(im->res->error, sizeof(im->res->error),
		         "the file is empty (no header line)");
		rc = DC_ERR_INVALID;
	}
	if (r)
		progress(im, dc_csv_offset(r), 1);
	dc_csv_free(r);
	free(row);
	return rc;
}

static int jsonl_row(struct imp *im, const char *text, size_t n, uint64_t line)
{
	json_error_t jerr;
	json_t *o = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
	struct dc_citizen c;
	struct dc_rule_hit hits[MAX_HITS];
	size_t nhits = 0;
	int rc = DC_OK;
	const char *key;
	json_t *val;
	if (!o || !json_is_object(o)) {
		json_decref(o);
		return malformed(im, line);
	}
	memset(&c, 0, sizeof(c));
	dc_pool_clear(&im->pool);
	json_object_foreach (o, key, val) {
		int col = dc_citizen_column_index(key, strlen(key));
		if (col < 0 || !(json_is_string(val) || json_is_null(val))) {
			json_decref(o);
			return malformed(im, line);
		}
	}
	static const char *const required[] = {"pin", "birth_name", "dob", "sex"};
	for (size_t i = 0; i < DC_ARRAY_LEN(required); i++)
		if (!json_object_get(o, required[i])) {
			json_decref(o);
			return malformed(im, line);
		}
	im->res->rows++;
	json_object_foreach (o, key, val) {
		if (json_is_null(val) || rc)
			continue;
		int col = dc_citizen_column_index(key, strlen(key));
		const char *v =
		        dc_pool_strndup(&im->pool, json_string_value(val), json_string_length(val));
		if (!v)
			rc = DC_ERR_NOMEM;
		else
			rc = set_field(im, &c, col, v, json_string_length(val), hits, &nhits);
	}
	if (rc == DC_OK)
		rc = process(im, &c, line, hits, nhits);
	json_decref(o);
	return rc;
}

static int run_jsonl(struct imp *im, int fd)
{
	FILE *f = fdopen(dup(fd), "r");
	char *buf = NULL;
	size_t cap = 0;
	uint64_t line = 0, offset = 0;
	int rc = f ? DC_OK : DC_ERR_IO;
	while (rc == DC_OK) {
		ssize_t n = getline(&buf, &cap, f);
		if (n < 0)
			break;
		line++;
		offset += (uint64_t)n;
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		if ((size_t)n > JSONL_MAX_LINE)
			rc = malformed(im, line);
		else
			rc = jsonl_row(im, buf, (size_t)n, line);
		if ((line & 0xfff) == 0)
			progress(im, offset, 0);
	}
	if (f && ferror(f))
		rc = DC_ERR_IO;
	progress(im, offset, 1);
	free(buf);
	if (f)
		fclose(f);
	return rc;
}

static enum dc_import_format detect(const char *path)
{
	size_t n = strlen(path);
	if ((n > 6 && !strcmp(path + n - 6, ".jsonl")) ||
	    (n > 7 && !strcmp(path + n - 7, ".ndjson")))
		return DC_IMPORT_JSONL;
	return DC_IMPORT_CSV;
}

int dc_import(struct dc_store *s, const struct dc_units *u, const struct dc_import_opts *opts,
              struct dc_import_result *res)
{
	struct imp im;
	int fd = -1, rc, rc2, in_tx = 0;
	memset(res, 0, sizeof(*res));
	memset(&im, 0, sizeof(im));
	im.store = s;
	im.units = u;
	im.opts = opts;
	im.res = res;
	im.writing = 1;
	dc_pool_init(&im.pool, 0);
	dc_pool_init(&im.wpool, 0);
	pthread_mutex_init(&im.mu, NULL);
	pthread_cond_init(&im.cv, NULL);
	int slots_ok = 1;
	for (int k = 0; k < NSLOTS; k++) {
		struct slot *sl = &im.slots[k];
		dc_pool_init(&sl->pool, 1u << 20);
		sl->rows = calloc(CHUNK, sizeof(*sl->rows));
		sl->line = calloc(CHUNK, sizeof(*sl->line));
		sl->ins = calloc(CHUNK, 1);
		sl->need = calloc(CHUNK, 1);
		slots_ok &= sl->rows && sl->line && sl->ins && sl->need;
	}
	dc_buf_init(&im.scratch, 1u << 20);
	dc_buf_init(&im.line, 1u << 20);
	clock_gettime(CLOCK_MONOTONIC, &im.t0);

	if (!slots_ok) {
		rc = DC_ERR_NOMEM;
		goto cleanup;
	}
	if (!opts->actor || !*opts->actor) {
		snprintf(res->error, sizeof(res->error), "an actor is required");
		rc = DC_ERR_INVALID;
		goto cleanup;
	}
	if (strcmp(opts->path, "-") == 0) {
		fd = dup(0);
	} else {
		fd = open(opts->path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		snprintf(res->error, sizeof(res->error), "cannot open %s: %s", opts->path,
		         strerror(errno));
		rc = DC_ERR_IO;
		goto cleanup;
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		im.bytes_total = (uint64_t)st.st_size;

	rc = dc_store_begin(s);
	if (rc)
		goto cleanup;
	in_tx = 1;
	rc = dc_store_batch_begin(s, opts->path, NULL, opts->actor, &im.batch);
	if (rc)
		goto cleanup;
	/* From here the writer thread owns the store until finish_writer. */
	im.threaded = pthread_create(&im.writer, NULL, writer_main, &im) == 0;
	enum dc_import_format fmt = opts->format ? opts->format : detect(opts->path);
	rc = fmt == DC_IMPORT_JSONL ? run_jsonl(&im, fd) : run_csv(&im, fd);
	rc2 = finish_writer(&im);
	rc = rc ? rc : rc2;
	if (rc)
		goto cleanup;
	if (res->rejected && !opts->partial) {
		rc = DC_ERR_RULE;
		goto cleanup;
	}
	if (res->inserted == 0)
		goto cleanup; /* nothing new: write nothing, not even the event */
	rc = dc_store_batch_end(s, im.batch, (int64_t)res->inserted);
	if (rc)
		goto cleanup;
	in_tx = 0;
	rc = dc_store_commit(s);
	if (rc == DC_OK) {
		res->committed = 1;
		res->batch_seq = im.batch;
	}
cleanup:
	if (in_tx)
		dc_store_rollback(s);
	if (rc && rc != DC_ERR_RULE && !res->error[0])
		snprintf(res->error, sizeof(res->error), "%s: %s", dc_strerror(rc),
		         dc_store_errmsg(s));
	if (fd >= 0)
		close(fd);
	free(im.seen.slots);
	if (im.threaded)
		finish_writer(&im);
	for (int k = 0; k < NSLOTS; k++) {
		free(im.slots[k].rows);
		free(im.slots[k].line);
		free(im.slots[k].ins);
		free(im.slots[k].need);
		dc_pool_release(&im.slots[k].pool);
	}
	dc_pool_release(&im.wpool);
	pthread_mutex_destroy(&im.mu);
	pthread_cond_destroy(&im.cv);
	dc_pool_release(&im.pool);
	dc_buf_release(&im.scratch);
	dc_buf_release(&im.line);
	res->seconds = since(&im.t0);
	return rc;
}
