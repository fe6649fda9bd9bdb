/*
 * checkin.c — check-in with identity cards at an event: the candidate list
 * and the kiosk scan. See dancu/checkin.h.
 *
 * A scan is one card verification (a handful of indexed reads) plus one
 * indexed read and at most one conditional UPDATE of the candidate row, so
 * it stays far below the 100 ms goal (bench/checkin.c measures it).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dancu/core.h"
#include "dancu/checkin.h"
#include "dancu/csv.h"
#include "dancu/store.h"

#include "core/internal.h"

int dc_checkin_event_create(struct dc_store *s, const char *name, const char *actor, int64_t *id)
{
	struct dc_stmt *st = NULL;
	if (!name || !*name || strlen(name) > 200)
		return DC_ERR_INVALID;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "INSERT INTO checkin_event (name, actor, created_ms) VALUES ($1, "
	                       "$2, $3) RETURNING id",
	                       &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, name);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 2, actor);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 3, dc_now_ms());
	if (rc == DC_OK)
		rc = dc_stmt_step(st);
	if (rc == DC_ROW) {
		*id = dc_stmt_int64(st, 0);
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc_checkin_event_get(struct dc_store *s, int64_t id, char *name, size_t cap)
{
	struct dc_stmt *st = NULL;
	size_t n;
	int rc = dc_db_prepare(dc_store_db(s), "SELECT name FROM checkin_event WHERE id = $1", &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 1, id);
	if (rc == DC_OK)
		rc = dc_stmt_step(st);
	if (rc == DC_ROW) {
		const char *t = dc_stmt_text(st, 0, &n);
		snprintf(name, cap, "%s", t ? t : "");
		rc = DC_OK;
	} else if (rc == DC_DONE) {
		rc = DC_ERR_NOT_FOUND;
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc_checkin_candidate_add(struct dc_store *s, int64_t event, const struct dc_pin *pin,
                             const char *room)
{
	struct dc_stmt *st = NULL;
	char name[8];
	if (!room || !*room || strlen(room) > 60)
		return DC_ERR_INVALID;
	int rc = dc_checkin_event_get(s, event, name, sizeof name);
	if (rc == DC_OK)
		rc = dc_db_prepare(
		        dc_store_db(s),
		        "INSERT INTO checkin_candidate (event_id, pin, room) VALUES ($1, "
		        "$2, $3) ON CONFLICT (event_id, pin) DO UPDATE SET room = "
		        "excluded.room",
		        &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 1, event);
	if (rc == DC_OK)
		rc = dc_stmt_bind_text(st, 2, pin->d, 12);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 3, room);
	if (rc == DC_OK)
		rc = dc_stmt_step(st);
	if (rc == DC_DONE)
		rc = DC_OK;
	dc_stmt_finalize(st);
	return rc;
}

int dc_checkin_import_csv(struct dc_store *s, int64_t event, const char *p, size_t n,
                          int64_t *added, char *detail, size_t dlen)
{
	static struct dc_csv_row row_zero;
	struct dc_csv_row *row = NULL;
	struct dc_csv *r = NULL;
	struct dc_pin pin;
	int rc = dc_csv_open_mem(p, n, &r);
	int in_tx = 0;
	*added = 0;
	if (rc == DC_OK && (rc = dc_store_begin(s)) == DC_OK)
		in_tx = 1;
	/* struct dc_csv_row is large (256 fields): not on the stack. */
	struct dc_pool pool;
	dc_pool_init(&pool, sizeof row_zero + 64);
	row = dc_pool_alloc(&pool, sizeof *row);
	if (!row && rc == DC_OK)
		rc = DC_ERR_NOMEM;
	while (rc == DC_OK) {
		int k = dc_csv_next(r, row);
		if (k == 0)
			break;
		if (k < 0) {
			snprintf(detail, dlen, "line %llu: %s", (unsigned long long)row->line,
			         dc_csv_errmsg(r));
			rc = DC_ERR_INVALID;
			break;
		}
		if (row->line == 1 && row->nfields == 2 && !strcmp(row->fields[0], "pin"))
			continue;
		if (row->nfields != 2 || dc_pin_parse(row->fields[0], row->lens[0], &pin)) {
			snprintf(detail, dlen,
			         "line %llu: expected a 12-digit ID number and a room",
			         (unsigned long long)row->line);
			rc = DC_ERR_INVALID;
			break;
		}
		rc = dc_checkin_candidate_add(s, event, &pin, row->fields[1]);
		if (rc == DC_ERR_INVALID)
			snprintf(detail, dlen, "line %llu: the room must be 1 to 60 bytes",
			         (unsigned long long)row->line);
		else if (rc == DC_ERR_NOT_FOUND)
			snprintf(detail, dlen, "no event %lld", (long long)event);
		if (rc == DC_OK)
			(*added)++;
	}
	if (in_tx)
		rc = rc ? (dc_store_rollback(s), rc) : dc_store_commit(s);
	if (rc)
		*added = 0;
	dc_pool_release(&pool);
	dc_csv_free(r);
	return rc;
}

int dc_checkin_scan(struct dc_store *s, const struct dc_units *units, int64_t event,
                    enum dc_card_form form, const char *text, size_t n, const struct dc_date *today,
                    struct dc_checkin_result *r, struct dc_pool *pool)
{
	struct dc_stmt *st = NULL;
	char name[8];
	size_t len;
	memset(r, 0, sizeof *r);
	int rc = dc_checkin_event_get(s, event, name, sizeof name);
	if (rc == DC_OK)
		rc = dc_card_verify(s, units, form, text, n, today, &r->verdict, pool);
	if (rc || !r->verdict.pin.d[0])
		return rc;
	rc = dc_db_prepare(dc_store_db(s),
	                   "SELECT room, checked_in_ms FROM checkin_candidate WHERE event_id = $1 "
	                   "AND pin = $2",
	                   &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 1, event);
	if (rc == DC_OK)
		rc = dc_stmt_bind_text(st, 2, r->verdict.pin.d, 12);
	if (rc == DC_OK)
		rc = dc_stmt_step(st);
	if (rc == DC_ROW) {
		const char *room = dc_stmt_text(st, 0, &len);
		snprintf(r->room, sizeof r->room, "%s", room ? room : "");
		r->candidate = true;
		r->already = !dc_stmt_is_null(st, 1);
		r->checked_in = r->already;
		r->checked_in_ms = dc_stmt_int64(st, 1);
		rc = DC_OK;
	} else if (rc == DC_DONE) {
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	st = NULL;
	if (rc || !r->candidate || r->already || !r->verdict.valid)
		return rc;
	/* First valid scan: record it. Two kiosks racing: one UPDATE wins. */
	int64_t t = dc_now_ms();
	rc = dc_db_prepare(dc_store_db(s),
	                   "UPDATE checkin_candidate SET checked_in_ms = $3 WHERE event_id = $1 "
	                   "AND pin = $2 AND checked_in_ms IS NULL",
	                   &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 1, event);
	if (rc == DC_OK)
		rc = dc_stmt_bind_text(st, 2, r->verdict.pin.d, 12);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 3, t);
	if (rc == DC_OK)
		rc = dc_stmt_step(st);
	if (rc == DC_DONE) {
		rc = DC_OK;
		r->checked_in = true;
		r->already = dc_stmt_changes(st) == 0;
		r->checked_in_ms = r->already ? 0 : t;
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc_checkin_result_json(int64_t event, const struct dc_checkin_result *r, struct dc_buf *out)
{
	dc_buf_addf(out, "{\"event\":%lld,\"candidate\":%s,\"room\":", (long long)event,
	            r->candidate ? "true" : "false");
	if (r->candidate) {
		dc_buf_addc(out, '"');
		dc_buf_add_json_str(out, r->room, strlen(r->room));
		dc_buf_addc(out, '"');
	} else {
		dc_buf_adds(out, "null");
	}
	dc_buf_addf(out,
	            ",\"checked_in\":%s,\"already\":%s,\"checked_in_ms\":%lld,\"verification\":",
	            r->checked_in ? "true" : "false", r->already ? "true" : "false",
	            (long long)r->checked_in_ms);
	dc_card_verdict_json(&r->verdict, out);
	return dc_buf_addc(out, '}');
}
