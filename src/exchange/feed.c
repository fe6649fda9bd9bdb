/*
 * feed.c — the change feed of a connected agency (dancu/exchange.h).
 *
 * The feed is a filtered view of the register's event table, read in seq
 * order, which is commit order on both back ends (SQLite: one writer; on
 * PostgreSQL see schema_exchange.c). An event's before/after JSON hold
 * only the fields it changed, so "does it touch a subscribed field" is a
 * look at their keys; the agency gets the new values of its subscribed
 * fields and nothing else.
 */
#include <jansson.h>
#include <string.h>

#include "dancu/citizen.h"
#include "dancu/db.h"
#include "dancu/exchange.h"
#include "dancu/store.h"

#include "core/internal.h"
#include "exchange/exchange_internal.h"

static int reportable(const char *fields, const char *k)
{
	size_t n = strlen(k);
	int known = (n > 5 && !memcmp(k, "attr.", 5)) || dc_citizen_column_index(k, n) >= 0;
	return known && dc_agency_list_has(fields, k, n);
}

int dc__feed_event_json(const char *fields, int64_t seq, const char *pin, const char *kind,
                        int64_t at_ms, const char *before_json, const char *after_json,
                        struct dc_buf *out)
{
	json_t *b = before_json ? json_loads(before_json, 0, NULL) : NULL;
	json_t *a = after_json ? json_loads(after_json, 0, NULL) : NULL;
	json_t *changed = json_array(), *vals = json_object();
	const char *k;
	json_t *v;
	int rc = 0;
	if (!pin || !changed || !vals)
		goto cleanup;
	if (json_is_object(a))
		json_object_foreach (a, k, v) {
			if (reportable(fields, k)) {
				json_array_append_new(changed, json_string(k));
				json_object_set(vals, k, v);
			}
		}
	if (json_is_object(b))
		json_object_foreach (b, k, v) {
			if (reportable(fields, k) && !json_object_get(vals, k)) {
				json_array_append_new(changed, json_string(k));
				json_object_set_new(vals, k, json_null());
			}
		}
	if (!json_array_size(changed))
		goto cleanup;
	char *cj = json_dumps(changed, JSON_COMPACT), *vj = json_dumps(vals, JSON_COMPACT);
	if (!cj || !vj) {
		free(cj);
		free(vj);
		rc = DC_ERR_NOMEM;
		goto cleanup;
	}
	dc_buf_addf(out, "{\"seq\":%lld,\"kind\":\"", (long long)seq);
	dc_buf_add_json_str(out, kind, strlen(kind));
	dc_buf_adds(out, "\",\"pin\":\"");
	dc_buf_add_json_str(out, pin, strlen(pin));
	dc_buf_addf(out, "\",\"at_ms\":%lld,\"changed\":%s,\"fields\":%s}", (long long)at_ms, cj,
	            vj);
	free(cj);
	free(vj);
	rc = dc_buf_error(out) ? dc_buf_error(out) : 1;
cleanup:
	json_decref(a);
	json_decref(b);
	json_decref(changed);
	json_decref(vals);
	return rc;
}

int dc_feed_read(struct dc_store *s, const struct dc_agency *a, int64_t after, int limit,
                 int (*cb)(void *arg, const struct dc_feed_event *ev), void *arg, int64_t *next,
                 int *more)
{
	struct dc_stmt *st = NULL;
	struct dc_buf one = DC_BUF_INIT;
	int64_t last = after, scanned = 0, scan_max;
	int got = 0;
	if (limit < 1)
		limit = 1;
	scan_max = (int64_t)limit * 20;
	*more = 0;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT seq, pin, kind, at_ms, before_json, after_json FROM event "
	                       "WHERE seq > $1 ORDER BY seq LIMIT $2",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_int64(st, 1, after);
		dc_stmt_bind_int64(st, 2, scan_max);
	}
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		int64_t seq = dc_stmt_int64(st, 0);
		const char *pin = dc_stmt_text(st, 1, NULL);
		scanned++;
		dc_buf_reset(&one);
		rc = dc__feed_event_json(a->fields, seq, pin, dc_stmt_text(st, 2, NULL),
		                         dc_stmt_int64(st, 3), dc_stmt_text(st, 4, NULL),
		                         dc_stmt_text(st, 5, NULL), &one);
		if (rc < 0)
			break;
		last = seq;
		if (rc == 1) {
			struct dc_feed_event ev = {seq, pin, one.ptr, one.len};
			rc = cb(arg, &ev);
			if (rc)
				break;
			if (++got == limit) {
				*more = 1;
				break;
			}
		}
		rc = DC_OK;
	}
	if (rc == DC_DONE) {
		rc = DC_OK;
		if (scanned == scan_max)
			*more = 1;
	}
	dc_stmt_finalize(st);
	dc_buf_release(&one);
	*next = last;
	return rc;
}
