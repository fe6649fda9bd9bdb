/*
 * batch.c — batch verification (see dancu/verify.h): a CSV of claimed
 * identities in, a CSV of reason codes and a summary out, in chunks with
 * flat memory.
 *
 * Per chunk: the reader parses up to `chunk` rows and copies what matters
 * (reference, number, claims) into the chunk's pool; the numbers are sorted
 * so that lookups walk the citizen index in order (SQLite: one prepared
 * statement reused, inside one read snapshot; PostgreSQL: one
 * "pin = ANY($1)" query per chunk, one round trip); every row is matched and
 * its result row written in input order; then one write transaction holds
 * the chunk's audit entry (one hash-chained entry linked to every number
 * looked up: dc_audit_append_subjects), the usage count and the caller's
 * checkpoint.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "dancu/audit.h"
#include "dancu/csv.h"
#include "dancu/db.h"
#include "dancu/store.h"
#include "dancu/verify.h"

#include "core/internal.h"
#include "verify/verify_internal.h"

#define DEFAULT_CHUNK 16384

enum col { C_REF = -2, C_ID = -3, C_OLD = -4, C_SKIP = -5 };

struct row {
	uint64_t line;
	const char *ref;
	const char *id; /* as given (for the output) */
	struct dc_pin pin;
	int bad; /* 1: bad row (err says why) */
	const char *err;
	int have_pin, found;
	struct dc_verify_claims cl;
	struct dc_citizen rec;
	struct dc_verify_result res;
};

struct run {
	struct dc_store *s;
	const struct dc_units *u;
	const struct dc_verify_batch *b;
	struct dc_verify_summary *sum;
	int ncols;
	int col[DC_CSV_MAX_FIELDS]; /* enum dc_vfield or enum col */
	uint32_t claimed_cols;      /* mask of claimed fields in the header */
	char fields[256];           /* claimed field codes, for the audit log */
	struct row *rows;
	size_t *order;
	size_t norder; /* rows with a number to look up, sorted by it */
	struct dc_pool pool;
	struct dc_buf out, tmp;
	struct dc_verify_scratch scratch;
	struct dc_stmt *get;
	const char **pins; /* the chunk's numbers, sorted, for its audit entry */
	int pg;
};

void dc_verify_rate(uint64_t num, uint64_t den, char out[16])
{
	if (!den) {
		snprintf(out, 16, "0.00%%");
		return;
	}
	/* hundredths of a percent, rounded half up, in integers */
	unsigned long long h = (unsigned long long)((num * 20000 / den + 1) / 2);
	char t[48];
	snprintf(t, sizeof t, "%llu.%02llu%%", h / 100, h % 100);
	snprintf(out, 16, "%.15s", t);
}

int dc_verify_summary_json(const struct dc_verify_summary *s, struct dc_buf *b)
{
	char rate[16];
	dc_verify_rate(s->full_match, s->rows, rate);
	dc_buf_addf(b,
	            "{\"rows\":%llu,\"bad_rows\":%llu,\"full_match\":%llu,\"full_match_rate\":"
	            "\"%s\",\"status\":{",
	            (unsigned long long)s->rows, (unsigned long long)s->bad_rows,
	            (unsigned long long)s->full_match, rate);
	for (int i = 0; i < DC_VS__COUNT; i++)
		dc_buf_addf(b, "%s\"%s\":%llu", i ? "," : "", dc_vstatus_code(i),
		            (unsigned long long)s->status[i]);
	dc_buf_adds(b, "},\"fields\":{");
	int first = 1;
	for (int f = 0; f < DC_VF__COUNT; f++) {
		if (!s->claimed[f])
			continue;
		uint64_t m = s->reasons[f][DC_VR_EXACT] + s->reasons[f][DC_VR_NORMALISED] +
		             s->reasons[f][DC_VR_NO_DIACRITICS];
		dc_verify_rate(m, s->claimed[f], rate);
		dc_buf_addf(b,
		            "%s\"%s\":{\"claimed\":%llu,\"matched\":%llu,\"match_rate\":\"%s\","
		            "\"reasons\":{",
		            first ? "" : ",", dc_vfield_code(f), (unsigned long long)s->claimed[f],
		            (unsigned long long)m, rate);
		first = 0;
		int rf = 1;
		for (int r = 1; r < DC_VR__COUNT; r++)
			if (s->reasons[f][r]) {
				dc_buf_addf(b, "%s\"%s\":%llu", rf ? "" : ",", dc_vreason_code(r),
				            (unsigned long long)s->reasons[f][r]);
				rf = 0;
			}
		dc_buf_adds(b, "}}");
	}
	dc_buf_adds(b, "},\"first_bad_lines\":[");
	for (size_t i = 0; i < s->nbad_lines; i++)
		dc_buf_addf(b, "%s%llu", i ? "," : "", (unsigned long long)s->bad_lines[i]);
	dc_buf_adds(b, "]}");
	return dc_buf_error(b);
}

static int u64_of(json_t *o, const char *k, uint64_t *out)
{
	json_t *v = json_object_get(o, k);
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return DC_ERR_INVALID;
	*out = (uint64_t)json_integer_value(v);
	return DC_OK;
}

int dc_verify_summary_parse(const char *text, size_t n, struct dc_verify_summary *out)
{
	json_error_t e;
	json_t *j = json_loadb(text, n, 0, &e), *st, *fs, *bl;
	int rc = DC_ERR_INVALID;
	memset(out, 0, sizeof *out);
	if (!j || u64_of(j, "rows", &out->rows) || u64_of(j, "bad_rows", &out->bad_rows) ||
	    u64_of(j, "full_match", &out->full_match) || !(st = json_object_get(j, "status")) ||
	    !(fs = json_object_get(j, "fields")) || !json_is_object(fs) ||
	    !(bl = json_object_get(j, "first_bad_lines")) || !json_is_array(bl))
		goto cleanup;
	for (int i = 0; i < DC_VS__COUNT; i++)
		if (u64_of(st, dc_vstatus_code(i), &out->status[i]))
			goto cleanup;
	const char *k;
	json_t *v;
	json_object_foreach (fs, k, v) {
		int f = dc_vfield_parse(k, strlen(k));
		json_t *rs = json_object_get(v, "reasons");
		if (f < 0 || u64_of(v, "claimed", &out->claimed[f]) || !json_is_object(rs))
			goto cleanup;
		for (int r = 1; r < DC_VR__COUNT; r++)
			if (json_object_get(rs, dc_vreason_code(r)) &&
			    u64_of(rs, dc_vreason_code(r), &out->reasons[f][r]))
				goto cleanup;
	}
	size_t i;
	json_array_foreach (bl, i, v) {
		if (i >= DC_ARRAY_LEN(out->bad_lines) || !json_is_integer(v))
			goto cleanup;
		out->bad_lines[out->nbad_lines++] = (uint64_t)json_integer_value(v);
	}
	rc = DC_OK;
cleanup:
	json_decref(j);
	return rc;
}

static int header(struct run *r, struct dc_csv_row *h, char *detail, size_t dlen)
{
	int have_id = 0;
	r->ncols = (int)h->nfields;
	r->claimed_cols = 0;
	for (size_t i = 0; i < h->nfields; i++) {
		const char *c = h->fields[i];
		size_t n = h->lens[i];
		int f;
		if (n == 3 && !memcmp(c, "ref", 3)) {
			r->col[i] = C_REF;
		} else if (n == 9 && !memcmp(c, "id_number", 9)) {
			r->col[i] = C_ID;
			have_id = 1;
		} else if (n == 13 && !memcmp(c, "old_id_number", 13)) {
			r->col[i] = C_OLD;
			have_id = 1;
		} else if ((f = dc_vfield_parse(c, n)) >= 0) {
			if (!(r->b->org->verify_fields & (1u << f))) {
				snprintf(detail, dlen,
				         "column %s: the field is not in the organisation's policy",
				         dc_vfield_code(f));
				return DC_ERR_FORBIDDEN;
			}
			if (r->claimed_cols & (1u << f)) {
				snprintf(detail, dlen, "column %s appears twice",
				         dc_vfield_code(f));
				return DC_ERR_INVALID;
			}
			r->col[i] = f;
			r->claimed_cols |= 1u << f;
		} else {
			snprintf(detail, dlen, "unknown column '%.*s' (see docs/VERIFICATION.md)",
			         (int)(n > 64 ? 64 : n), c);
			return DC_ERR_INVALID;
		}
	}
	if (!have_id || !r->claimed_cols) {
		snprintf(detail, dlen,
		         "the header needs an id_number (or old_id_number) column and at least one "
		         "claimed field");
		return DC_ERR_INVALID;
	}
	size_t k = 0;
	r->fields[0] = '\0';
	for (int f = 0; f < DC_VF__COUNT; f++)
		if (r->claimed_cols & (1u << f))
			k += (size_t)snprintf(r->fields + k, sizeof r->fields - k, "%s%s",
			                      k ? "," : "", dc_vfield_code(f));
	return DC_OK;
}

static int out_header(struct run *r)
{
	dc_buf_adds(&r->out, "line,ref,id_number,status,card_status,match");
	for (int f = 0; f < DC_VF__COUNT; f++)
		if (r->claimed_cols & (1u << f))
			dc_buf_addf(&r->out, ",%s", dc_vfield_code(f));
	return dc_buf_adds(&r->out, ",error\n");
}

/* Copies one parsed CSV row into r->rows[i]. */
static int take(struct run *r, size_t i, const struct dc_csv_row *c, uint64_t line_base,
                const char *csv_err)
{
	struct row *w = &r->rows[i];
	memset(w, 0, sizeof *w);
	w->line = line_base + c->line - 1;
	if (csv_err) {
		w->bad = 1;
		w->err = csv_err;
		return DC_OK;
	}
	if ((int)c->nfields != r->ncols) {
		w->bad = 1;
		w->err = "wrong number of fields";
		/* Still echo ref and number when they are there. */
	}
	for (size_t k = 0; k < c->nfields && (int)k < r->ncols; k++) {
		int col = r->col[k];
		if (col == C_REF || col == C_ID || col == C_OLD || (!w->bad && c->lens[k])) {
			char *v = dc_pool_strndup(&r->pool, c->fields[k], c->lens[k]);
			if (!v)
				return DC_ERR_NOMEM;
			if (col == C_REF)
				w->ref = v;
			else if (col == C_ID || col == C_OLD) {
				if (c->lens[k])
					w->id = v;
				if (!w->bad && c->lens[k] && col == C_ID) {
					if (dc_pin_parse(v, c->lens[k], &w->pin)) {
						w->bad = 1;
						w->err = "id_number must be 12 digits";
					} else {
						w->have_pin = 1;
					}
				} else if (!w->bad && c->lens[k] && col == C_OLD && !w->have_pin) {
					w->err = v; /* resolved later through the identifier history
					             */
				}
			} else if (col >= 0) {
				w->cl.v[col] = v;
				w->cl.n[col] = c->lens[k];
			}
		}
	}
	if (!w->bad && !w->have_pin && !w->err) {
		w->bad = 1;
		w->err = "no id_number";
	}
	return DC_OK;
}

static int by_pin(const void *a, const void *b, void *arg)
{
	const struct row *rows = arg;
	return memcmp(rows[*(const size_t *)a].pin.d, rows[*(const size_t *)b].pin.d, 12);
}

/* Looks up every valid row's record: numbers in sorted order. */
static int lookup(struct run *r, size_t n)
{
	size_t k = 0;
	int rc = DC_OK;
	r->norder = 0;
	/* Old numbers first (few): resolve to the current pin. */
	for (size_t i = 0; i < n; i++) {
		struct row *w = &r->rows[i];
		if (!w->bad && !w->have_pin) {
			enum dc_identifier_kind kind;
			const char *old = w->err;
			w->err = NULL;
			rc = dc_store_identifier_lookup(r->s, old, &w->pin, &kind);
			if (rc == DC_OK)
				w->have_pin = 1;
			else if (rc != DC_ERR_NOT_FOUND)
				return rc;
			rc = DC_OK;
		}
		if (!w->bad && w->have_pin)
			r->order[k++] = i;
	}
	qsort_r(r->order, k, sizeof *r->order, by_pin, r->rows);
	r->norder = k;
	if (!r->pg) {
		for (size_t j = 0; j < k && rc == DC_OK; j++) {
			struct row *w = &r->rows[r->order[j]];
			dc_stmt_reset(r->get);
			dc_stmt_bind_text_ref(r->get, 1, w->pin.d, 12);
			rc = dc_stmt_step(r->get);
			if (rc == DC_ROW) {
				rc = dc__verify_row(r->get, &w->rec, &r->pool);
				w->found = rc == DC_OK;
			} else if (rc == DC_DONE) {
				rc = DC_OK;
			}
		}
		if (r->get)
			dc_stmt_reset(r->get);
		return rc;
	}
	/* PostgreSQL: the whole chunk in one query; rows come back in any
	 * order and are matched to input rows by binary search. */
	if (k == 0)
		return DC_OK;
	dc_buf_reset(&r->tmp);
	dc_buf_addc(&r->tmp, '{');
	for (size_t j = 0; j < k; j++) {
		if (j)
			dc_buf_addc(&r->tmp, ',');
		dc_buf_add(&r->tmp, r->rows[r->order[j]].pin.d, 12);
	}
	dc_buf_addc(&r->tmp, '}');
	if ((rc = dc_buf_error(&r->tmp)))
		return rc;
	dc_stmt_reset(r->get);
	dc_stmt_bind_text(r->get, 1, r->tmp.ptr, r->tmp.len);
	while ((rc = dc_stmt_step(r->get)) == DC_ROW) {
		size_t len;
		const char *p = dc_stmt_text(r->get, 0, &len);
		size_t lo = 0, hi = k;
		while (p && len == 12 && lo < hi) {
			size_t mid = (lo + hi) / 2;
			int c = memcmp(r->rows[r->order[mid]].pin.d, p, 12);
			if (c == 0) {
				/* The same number may appear on several rows. */
				size_t a = mid, z = mid;
				while (a > 0 && !memcmp(r->rows[r->order[a - 1]].pin.d, p, 12))
					a--;
				while (z + 1 < k && !memcmp(r->rows[r->order[z + 1]].pin.d, p, 12))
					z++;
				struct row *first = &r->rows[r->order[a]];
				rc = dc__verify_row(r->get, &first->rec, &r->pool);
				if (rc)
					return rc;
				for (size_t q = a; q <= z; q++) {
					r->rows[r->order[q]].rec = first->rec;
					r->rows[r->order[q]].found = 1;
				}
				break;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return rc == DC_DONE ? DC_OK : rc;
}

static void field_out(struct dc_buf *b, const char *s)
{
	dc_buf_addc(b, ',');
	if (s)
		dc_csv_add_field(b, s, strlen(s));
}

static void note_bad(struct dc_verify_summary *s, uint64_t line)
{
	s->bad_rows++;
	if (s->nbad_lines < DC_ARRAY_LEN(s->bad_lines))
		s->bad_lines[s->nbad_lines++] = line;
}

/* Matches, writes the result rows and counts; fills the audit entries.
 * *naudit gets how many, *nfull / *nnot the usage counts. */
static int process(struct run *r, size_t n, size_t *naudit, int64_t *nfull, int64_t *nnot)
{
	size_t na = 0;
	for (size_t i = 0; i < n; i++) {
		struct row *w = &r->rows[i];
		struct dc_buf *b = &r->out;
		dc_buf_addf(b, "%llu", (unsigned long long)w->line);
		field_out(b, w->ref);
		field_out(b, w->id);
		if (w->bad) {
			note_bad(r->sum, w->line);
			dc_buf_adds(b, ",bad_row,,");
			for (int f = 0; f < DC_VF__COUNT; f++)
				if (r->claimed_cols & (1u << f))
					dc_buf_addc(b, ',');
			field_out(b, w->err);
			dc_buf_addc(b, '\n');
			continue;
		}
		struct dc_verify_card card;
		int rc = DC_OK;
		if (w->found)
			rc = dc__verify_card_lookup(r->s, w->pin.d, &card);
		if (rc == DC_OK)
			rc = dc_verify_match(w->found ? &w->rec : NULL, w->found ? &card : NULL,
			                     r->u, &w->cl, &r->scratch, &w->res);
		if (rc)
			return rc;
		struct dc_verify_summary *s = r->sum;
		s->rows++;
		s->status[w->res.status]++;
		s->full_match += (uint64_t)w->res.full_match;
		*nfull += w->res.full_match;
		*nnot += w->res.status == DC_VS_NOT_FOUND;
		dc_buf_addf(b, ",%s,%s,%s", dc_vstatus_code(w->res.status),
		            dc_verify_card_state_code(w->res.card),
		            w->res.full_match ? "true" : "false");
		for (int f = 0; f < DC_VF__COUNT; f++) {
			if (!(r->claimed_cols & (1u << f)))
				continue;
			dc_buf_addc(b, ',');
			if (w->res.status == DC_VS_NOT_FOUND || !w->cl.v[f])
				continue;
			dc_buf_adds(b, dc_vreason_code(w->res.reason[f]));
			s->claimed[f]++;
			s->reasons[f][w->res.reason[f]]++;
		}
		dc_buf_adds(b, ",\n");
	}
	/* The chunk's audit entry is about every looked-up row's number, in
	 * number order (see dc_audit_append_subjects). */
	for (size_t j = 0; j < r->norder; j++)
		r->pins[na++] = r->rows[r->order[j]].pin.d;
	*naudit = na;
	return dc_buf_error(&r->out);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return DC_ERR_IO;
		p += w;
		n -= (size_t)w;
	}
	return DC_OK;
}

int dc_verify_batch_run(struct dc_store *s, const struct dc_units *units,
                        const struct dc_verify_batch *b, struct dc_verify_summary *sum,
                        char *detail, size_t dlen)
{
	struct run r;
	struct dc_csv *csv = NULL;
	struct dc_csv_row row;
	size_t chunk = b->chunk ? b->chunk : DEFAULT_CHUNK;
	uint64_t out_off = b->out_offset, line_base = 1;
	int rc = DC_OK;
	memset(&r, 0, sizeof r);
	detail[0] = '\0';
	r.s = s;
	r.u = units;
	r.b = b;
	r.sum = sum;
	r.pg = !strcmp(dc_store_backend(s), "postgresql");
	dc_pool_init(&r.pool, 1u << 20);
	dc_buf_init(&r.out, 0);
	dc_buf_init(&r.tmp, 0);
	dc_verify_scratch_init(&r.scratch);
	int p = b->purpose ? dc_vpurpose_parse(b->purpose, strlen(b->purpose)) : -1;
	if (p < 0 || !(b->org->purposes & (1u << p)) || b->org->disabled) {
		snprintf(detail, dlen, "%s",
		         b->org->disabled ? "the organisation is disabled"
		         : p < 0          ? "unknown purpose"
		                          : "the purpose is not in the organisation's policy");
		rc = p < 0 ? DC_ERR_INVALID : DC_ERR_FORBIDDEN;
		goto cleanup;
	}
	r.rows = calloc(chunk, sizeof *r.rows);
	r.order = calloc(chunk, sizeof *r.order);
	r.pins = calloc(chunk, sizeof *r.pins);
	if (!r.rows || !r.order || !r.pins) {
		rc = DC_ERR_NOMEM;
		goto cleanup;
	}
	/* The header, always from the start of the file. */
	if (lseek(b->in_fd, 0, SEEK_SET) < 0 || (rc = dc_csv_open_fd(b->in_fd, &csv))) {
		rc = rc ? rc : DC_ERR_IO;
		goto cleanup;
	}
	rc = dc_csv_next(csv, &row);
	if (rc != 1) {
		snprintf(detail, dlen, "%s",
		         rc == 0 ? "the file is empty" : "the header is not valid CSV");
		rc = rc == 0 || rc == DC_ERR_INVALID ? DC_ERR_INVALID : rc;
		goto cleanup;
	}
	if ((rc = header(&r, &row, detail, dlen)))
		goto cleanup;
	if (b->resume_offset) {
		dc_csv_free(csv);
		csv = NULL;
		if (lseek(b->in_fd, (off_t)b->resume_offset, SEEK_SET) < 0 ||
		    (rc = dc_csv_open_fd(b->in_fd, &csv))) {
			rc = rc ? rc : DC_ERR_IO;
			goto cleanup;
		}
		line_base = b->resume_line;
	} else {
		line_base = 1;
		if ((rc = out_header(&r)))
			goto cleanup;
	}
	uint64_t base_off = b->resume_offset;
	rc = dc_db_prepare(dc_store_db(s),
	                   r.pg ? "SELECT " DC__VERIFY_COLS " FROM citizen WHERE pin = ANY(CAST($1 "
	                          "AS TEXT[]))"
	                        : "SELECT " DC__VERIFY_COLS " FROM citizen WHERE pin = $1",
	                   &r.get);
	if (rc)
		goto cleanup;
	int eof = 0;
	while (!eof) {
		size_t n = 0;
		dc_pool_clear(&r.pool);
		while (n < chunk) {
			int c = dc_csv_next(csv, &row);
			if (c == 0) {
				eof = 1;
				break;
			}
			if (c < 0 && c != DC_ERR_INVALID) {
				rc = c;
				goto cleanup;
			}
			if ((rc = take(&r, n, &row, line_base, c < 0 ? dc_csv_errmsg(csv) : NULL)))
				goto cleanup;
			n++;
		}
		if (n == 0)
			break;
		char day[11];
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		dc_org_day((int64_t)ts.tv_sec * 1000, day);
		/* The quota is checked before the chunk is looked at. */
		if ((rc = dc__verify_quota(s, b->org, day, (int64_t)n))) {
			if (rc == DC_ERR_RATE)
				snprintf(detail, dlen, "the organisation's daily quota is used up");
			goto cleanup;
		}
		if ((rc = dc_store_snapshot_begin(s)))
			goto cleanup;
		rc = lookup(&r, n);
		int erc = dc_store_snapshot_end(s);
		rc = rc ? rc : erc;
		if (rc)
			goto cleanup;
		struct dc_verify_summary before = *sum;
		size_t na = 0;
		int64_t nfull = 0, nnot = 0;
		if ((rc = process(&r, n, &na, &nfull, &nnot))) {
			*sum = before;
			goto cleanup;
		}
		struct dc_verify_progress pr = {base_off + dc_csv_offset(csv),
		                                dc_csv_line(csv) + line_base - 1,
		                                out_off + r.out.len, sum};
		/* Results first (the file is cut back to the last checkpoint on
		 * resume), then the audit entries, usage and checkpoint in one
		 * transaction. */
		if ((rc = write_all(b->out_fd, r.out.ptr, r.out.len))) {
			*sum = before;
			goto cleanup;
		}
		out_off += r.out.len;
		dc_buf_reset(&r.out);
		int cprc = DC_OK;
		struct dc_org_usage u = {{0},   0,    (int64_t)(sum->rows - before.rows),
		                         nfull, nnot, 0};
		memcpy(u.day, day, sizeof day);
		if ((rc = dc_store_begin(s)))
			goto cleanup;
		struct dc_audit_entry a = {b->actor,   b->org->id, "verify.batch", NULL,
		                           b->purpose, r.fields,   b->job};
		rc = na ? dc_audit_append_subjects(s, &a, r.pins, na, NULL) : DC_OK;
		if (rc == DC_OK)
			rc = dc_org_usage_add(s, b->org->id, &u);
		if (rc == DC_OK && b->checkpoint) {
			cprc = b->checkpoint(b->arg, s, &pr);
			if (cprc != DC_ERR_CANCELLED)
				rc = cprc;
		}
		if (rc) {
			dc_store_rollback(s);
			*sum = before;
			goto cleanup;
		}
		if ((rc = dc_store_commit(s))) {
			*sum = before;
			goto cleanup;
		}
		if (cprc) {
			rc = cprc;
			goto cleanup;
		}
	}
	rc = write_all(b->out_fd, r.out.ptr, r.out.len); /* a header with no rows */
cleanup:
	dc_stmt_finalize(r.get);
	dc_csv_free(csv);
	free(r.rows);
	free(r.order);
	free(r.pins);
	dc_pool_release(&r.pool);
	dc_buf_release(&r.out);
	dc_buf_release(&r.tmp);
	dc_verify_scratch_release(&r.scratch);
	return rc;
}
