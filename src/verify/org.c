/*
 * org.c — relying-party organisations: onboarding, policy (fields it may
 * verify or receive, purposes, daily quota), disabling, and usage counts per
 * day (see dancu/verify.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dancu/db.h"
#include "dancu/store.h"
#include "dancu/verify.h"

#include "core/internal.h"

static int parse_list(const char *s, int count, int (*one)(const char *, size_t), uint32_t *mask)
{
	uint32_t m = 0;
	if (!s)
		return DC_ERR_INVALID;
	if (!strcmp(s, "*")) {
		*mask = count >= 32 ? 0xffffffffu : (1u << count) - 1;
		return DC_OK;
	}
	while (*s) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		while (n && *s == ' ') {
			s++;
			n--;
		}
		while (n && s[n - 1] == ' ')
			n--;
		int i = one(s, n);
		if (i < 0)
			return DC_ERR_INVALID;
		m |= 1u << i;
		s += (e ? (size_t)(e - s) + 1 : strlen(s));
	}
	*mask = m;
	return DC_OK;
}

int dc_vfields_parse(const char *s, uint32_t *mask)
{
	return parse_list(s, DC_VF__COUNT, dc_vfield_parse, mask);
}

int dc_vpurposes_parse(const char *s, uint32_t *mask)
{
	return parse_list(s, DC_VP__COUNT, dc_vpurpose_parse, mask);
}

int dc_vfields_format(uint32_t mask, struct dc_buf *out)
{
	int first = 1;
	for (int i = 0; i < DC_VF__COUNT; i++)
		if (mask & (1u << i)) {
			dc_buf_addf(out, "%s%s", first ? "" : ",", dc_vfield_code(i));
			first = 0;
		}
	return dc_buf_error(out);
}

int dc_vpurposes_format(uint32_t mask, struct dc_buf *out)
{
	int first = 1;
	for (int i = 0; i < DC_VP__COUNT; i++)
		if (mask & (1u << i)) {
			dc_buf_addf(out, "%s%s", first ? "" : ",", dc_vpurpose_code(i));
			first = 0;
		}
	return dc_buf_error(out);
}

static int valid_id(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

/* Binds the policy as $2 … $5 (fields, receive, purposes, quota). */
static int bind_policy(struct dc_stmt *st, const struct dc_org *o)
{
	struct dc_buf f = DC_BUF_INIT, r = DC_BUF_INIT, p = DC_BUF_INIT;
	dc_vfields_format(o->verify_fields, &f);
	dc_vfields_format(o->receive_fields, &r);
	dc_vpurposes_format(o->purposes, &p);
	int rc = dc_buf_error(&f)   ? dc_buf_error(&f)
	         : dc_buf_error(&r) ? dc_buf_error(&r)
	                            : dc_buf_error(&p);
	if (rc == DC_OK) {
		dc_stmt_bind_text(st, 2, dc_buf_str(&f), f.len);
		dc_stmt_bind_text(st, 3, dc_buf_str(&r), r.len);
		dc_stmt_bind_text(st, 4, dc_buf_str(&p), p.len);
		dc_stmt_bind_int64(st, 5, o->daily_quota);
	}
	dc_buf_release(&f);
	dc_buf_release(&r);
	dc_buf_release(&p);
	return rc;
}

int dc_org_add(struct dc_store *s, const struct dc_org *o, int64_t now_ms)
{
	struct dc_stmt *st = NULL;
	if (!valid_id(o->id) || !o->name[0] || o->daily_quota < 0)
		return DC_ERR_INVALID;
	int rc = dc_db_prepare(
	        dc_store_db(s),
	        "INSERT INTO verify_org (id, verify_fields, receive_fields, purposes, "
	        "daily_quota, name, disabled, created_ms) VALUES ($1, $2, $3, $4, "
	        "$5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
	        &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, o->id);
		rc = bind_policy(st, o);
	}
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 6, o->name);
		dc_stmt_bind_int64(st, 7, o->disabled != 0);
		dc_stmt_bind_int64(st, 8, now_ms);
		rc = dc_stmt_step(st);
		if (rc == DC_DONE)
			rc = dc_stmt_changes(st) ? DC_OK : DC_ERR_CONFLICT;
	}
	dc_stmt_finalize(st);
	return rc;
}

#define ORG_COLS \
	"id, name, disabled, verify_fields, receive_fields, purposes, daily_quota, created_ms"

static void fill(struct dc_stmt *st, void *arg)
{
	struct dc_org *o = arg;
	memset(o, 0, sizeof *o);
	snprintf(o->id, sizeof o->id, "%s", dc_stmt_text(st, 0, NULL));
	snprintf(o->name, sizeof o->name, "%s", dc_stmt_text(st, 1, NULL));
	o->disabled = (int)dc_stmt_int64(st, 2);
	const char *f = dc_stmt_text(st, 3, NULL), *r = dc_stmt_text(st, 4, NULL),
	           *p = dc_stmt_text(st, 5, NULL);
	/* Codes this program does not know (a newer writer) grant nothing. */
	if (dc_vfields_parse(f ? f : "", &o->verify_fields))
		o->verify_fields = 0;
	if (dc_vfields_parse(r ? r : "", &o->receive_fields))
		o->receive_fields = 0;
	if (dc_vpurposes_parse(p ? p : "", &o->purposes))
		o->purposes = 0;
	o->daily_quota = dc_stmt_int64(st, 6);
	o->created_ms = dc_stmt_int64(st, 7);
}

int dc_org_get(struct dc_store *s, const char *id, struct dc_org *out)
{
	return dc_db_get_one(dc_store_db(s), "SELECT " ORG_COLS " FROM verify_org WHERE id = $1",
	                     id, fill, out);
}

int dc_org_list(struct dc_store *s, int (*cb)(void *arg, const struct dc_org *o), void *arg)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s), "SELECT " ORG_COLS " FROM verify_org ORDER BY id",
	                       &st);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		struct dc_org o;
		fill(st, &o);
		rc = cb(arg, &o);
	}
	dc_stmt_finalize(st);
	return rc == DC_DONE ? DC_OK : rc;
}

int dc_org_set_disabled(struct dc_store *s, const char *id, int disabled)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s), "UPDATE verify_org SET disabled = $2 WHERE id = $1",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, id);
		dc_stmt_bind_int64(st, 2, disabled != 0);
		rc = dc_stmt_step(st);
		if (rc == DC_DONE)
			rc = dc_stmt_changes(st) ? DC_OK : DC_ERR_NOT_FOUND;
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc_org_set_policy(struct dc_store *s, const struct dc_org *o)
{
	struct dc_stmt *st = NULL;
	if (o->daily_quota < 0)
		return DC_ERR_INVALID;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "UPDATE verify_org SET verify_fields = $2, receive_fields = $3, "
	                       "purposes = $4, daily_quota = $5 WHERE id = $1",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, o->id);
		rc = bind_policy(st, o);
	}
	if (rc == DC_OK) {
		rc = dc_stmt_step(st);
		if (rc == DC_DONE)
			rc = dc_stmt_changes(st) ? DC_OK : DC_ERR_NOT_FOUND;
	}
	dc_stmt_finalize(st);
	return rc;
}

void dc_org_day(int64_t now_ms, char out[11])
{
	time_t t = (time_t)(now_ms / 1000) + 7 * 3600; /* Vietnam, UTC+7, no DST */
	struct tm tm;
	gmtime_r(&t, &tm);
	char b[32];
	snprintf(b, sizeof b, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	memcpy(out, b, 10);
	out[10] = '\0';
}

int dc_org_usage_add(struct dc_store *s, const char *org, const struct dc_org_usage *d)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(
	        dc_store_db(s),
	        "INSERT INTO verify_usage (org_id, day, requests, rows_n, full_match, not_found, "
	        "refused) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id, day) DO UPDATE "
	        "SET requests = verify_usage.requests + excluded.requests, rows_n = "
	        "verify_usage.rows_n + excluded.rows_n, full_match = verify_usage.full_match + "
	        "excluded.full_match, not_found = verify_usage.not_found + excluded.not_found, "
	        "refused = verify_usage.refused + excluded.refused",
	        &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, org);
		dc_stmt_bind_str(st, 2, d->day);
		dc_stmt_bind_int64(st, 3, d->requests);
		dc_stmt_bind_int64(st, 4, d->rows);
		dc_stmt_bind_int64(st, 5, d->full_match);
		dc_stmt_bind_int64(st, 6, d->not_found);
		dc_stmt_bind_int64(st, 7, d->refused);
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc_org_usage_list(struct dc_store *s, const char *org, int days,
                      int (*cb)(void *arg, const struct dc_org_usage *u), void *arg)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT day, requests, rows_n, full_match, not_found, refused FROM "
	                       "verify_usage WHERE org_id = $1 ORDER BY day DESC",
	                       &st);
	if (rc == DC_OK)
		dc_stmt_bind_str(st, 1, org);
	for (int n = 0; rc == DC_OK && (days <= 0 || n < days); n++) {
		rc = dc_stmt_step(st);
		if (rc != DC_ROW)
			break;
		struct dc_org_usage u;
		snprintf(u.day, sizeof u.day, "%s", dc_stmt_text(st, 0, NULL));
		u.requests = dc_stmt_int64(st, 1);
		u.rows = dc_stmt_int64(st, 2);
		u.full_match = dc_stmt_int64(st, 3);
		u.not_found = dc_stmt_int64(st, 4);
		u.refused = dc_stmt_int64(st, 5);
		rc = cb(arg, &u);
	}
	dc_stmt_finalize(st);
	return rc == DC_DONE || rc == DC_ROW ? DC_OK : rc;
}
