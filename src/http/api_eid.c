/*
 * api_eid.c — e-ID accounts over HTTP, for officers (Bearer session token
 * from POST /api/v1/login).
 *
 *   GET  /api/v1/eid/accounts?state=pending&after=PIN&limit=N   work list
 *   GET  /api/v1/eid/accounts/{pin}                              one account
 *   POST /api/v1/eid/accounts/{pin}/approve  {"card_verified":true,"face_verified":true}
 *   POST /api/v1/eid/accounts/{pin}/reject   {"reason":"…"}
 *   POST /api/v1/eid/accounts/{pin}/lock     {"reason":"…"}   (by authority)
 *   POST /api/v1/eid/accounts/{pin}/unlock   {"reason":"…"}
 *
 * An account belongs to the police of the citizen's home commune (permanent
 * residence, else temporary, else current): commune officers of that
 * commune, province officers of its province, national administrators.
 * Auditors read (list and view) but change nothing. Lists are cut to the
 * officer's jurisdiction. Every read is audited before the data leaves
 * (a list with one entry linked to every account listed); every change is
 * audited in the transaction that makes it. Approval of a level-2 account
 * needs the officer's statement that the chip card and the face were
 * checked in person; the OTP goes to the citizen's phone through the
 * outbox, never into the answer.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/audit.h"
#include "dancu/citizen.h"
#include "dancu/core.h"
#include "dancu/date.h"
#include "dancu/eid.h"
#include "dancu/officer.h"
#include "dancu/pin.h"
#include "dancu/pool.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "core/internal.h"
#include "http/api_eid.h"
#include "http/http.h"

#define LIST_DEFAULT 50
#define LIST_MAX 500

static int in_scope(struct dc__call *c, const struct dc_officer *o, const char *commune)
{
	if (o->role == DC_ROLE_AUDITOR || o->role == DC_ROLE_NATIONAL)
		return 1;
	return commune && *commune && dc__in_jurisdiction(c, o, commune);
}

static void account_json(const struct dc_eid_row *r, struct dc_buf *b)
{
	const struct dc_eid_account *a = r->account;
	dc_buf_addf(b, "{\"pin\":\"%s\",\"name\":\"", a->pin);
	dc_buf_add_json_str(b, r->name, strlen(r->name));
	dc_buf_addf(b,
	            "\",\"commune\":\"%s\",\"level\":%d,\"state\":\"%s\",\"acr\":\"%s\","
	            "\"phone\":\"%s\",\"face_ref\":\"",
	            r->commune, a->level, dc_eid_state_name(a->state), dc_eid_acr(a->level),
	            a->phone);
	dc_buf_add_json_str(b, a->face_ref, strlen(a->face_ref));
	dc_buf_adds(b, "\",\"verified_by\":\"");
	dc_buf_add_json_str(b, a->verified_by, strlen(a->verified_by));
	dc_buf_adds(b, "\",\"lock_reason\":\"");
	dc_buf_add_json_str(b, a->lock_reason, strlen(a->lock_reason));
	dc_buf_adds(b, "\",\"note\":\"");
	dc_buf_add_json_str(b, r->note, strlen(r->note));
	dc_buf_addf(b,
	            "\",\"failed_logins\":%d,\"held_until_ms\":%lld,\"created_ms\":%lld,"
	            "\"approved_ms\":%lld,\"activated_ms\":%lld}",
	            a->failed, (long long)a->locked_until_ms, (long long)a->created_ms,
	            (long long)a->approved_ms, (long long)a->activated_ms);
}

/* --- the work list ------------------------------------------------------- */

struct list_arg {
	struct dc__call *c;
	const struct dc_officer *o;
	struct dc_buf rows;
	char (*pins)[13];
	size_t n, limit;
	int more;
};

static int list_one(void *arg, const struct dc_eid_row *r)
{
	struct list_arg *la = arg;
	if (!in_scope(la->c, la->o, r->commune))
		return 0;
	if (la->n == la->limit) {
		la->more = 1;
		return 1;
	}
	if (la->n)
		dc_buf_addc(&la->rows, ',');
	account_json(r, &la->rows);
	memcpy(la->pins[la->n++], r->account->pin, 13);
	return dc_buf_error(&la->rows);
}

static int r_list(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	int rc = dc__authenticate(c, &o);
	if (rc)
		return rc;
	const char *state = dc__query_param(c->req, "state"),
	           *after = dc__query_param(c->req, "after"),
	           *limit = dc__query_param(c->req, "limit");
	enum dc_eid_state st = (enum dc_eid_state)0;
	unsigned long long lim = LIST_DEFAULT;
	struct dc_pin ap;
	if (state && strcmp(state, "all") && !(st = dc_eid_state_parse(state)))
		return dc__fail(c, DC_ERR_INVALID, 400,
		                "state must be all, pending, submitted, approved, active, locked, "
		                "rejected or closed");
	if (limit && (dc_parse_uint(limit, strlen(limit), LIST_MAX, &lim) || lim == 0))
		return dc__fail(c, DC_ERR_INVALID, 400, "limit must be 1 to 500");
	if (after && dc_pin_parse(after, strlen(after), &ap))
		return dc__fail(c, DC_ERR_INVALID, 400,
		                "after must be a 12-digit personal ID number (the last one seen)");
	struct list_arg la = {c, &o, DC_BUF_INIT, calloc(lim, 13), 0, (size_t)lim, 0};
	if (!la.pins)
		return dc__fail(c, DC_ERR_NOMEM, 0, "out of memory");
	struct dc_eid_filter f = {st, o.role == DC_ROLE_COMMUNE ? o.jurisdiction : NULL, after,
	                          NULL};
	rc = dc_eid_list(c->store, &f, list_one, &la);
	if (rc == DC_OK)
		rc = dc_store_begin(c->store);
	if (rc == DC_OK) {
		/* One entry for the list, linked to each citizen in it: it shows
		 * in every listed citizen's data tracker. */
		const char **pins = calloc(la.n + 1, sizeof *pins);
		for (size_t i = 0; pins && i < la.n; i++)
			pins[i] = la.pins[i];
		struct dc_audit_entry a = {
		        o.id,          NULL,         "eid.account.list", NULL, "citizen_request",
		        "eid_account", c->request_id};
		rc = !pins  ? DC_ERR_NOMEM
		     : la.n ? dc_audit_append_subjects(c->store, &a, pins, la.n, NULL)
		            : dc_audit_append(c->store, &a, NULL);
		free(pins);
		if (rc == DC_OK)
			rc = dc_store_commit(c->store);
		else
			dc_store_rollback(c->store);
		if (rc)
			rc = dc__fail(c, rc, 503,
			              "the read could not be audited, so it is refused");
	} else {
		rc = dc__fail(c, rc, 0, "cannot read the e-ID accounts");
	}
	if (rc == DC_OK) {
		dc_buf_adds(body, "{\"accounts\":[");
		dc_buf_add(body, la.rows.ptr, la.rows.len);
		dc_buf_adds(body, "]");
		if (la.more)
			dc_buf_addf(body, ",\"next_after\":\"%s\"", la.pins[la.n - 1]);
		dc_buf_adds(body, "}");
		rc = dc_buf_error(body);
	}
	dc_buf_release(&la.rows);
	free(la.pins);
	return rc;
}

/* --- one account --------------------------------------------------------- */

struct one_arg {
	const char *pin;
	struct dc_buf *out;
	char commune[6];
	int found;
};

static int one_row(void *arg, const struct dc_eid_row *r)
{
	struct one_arg *a = arg;
	if (strcmp(r->account->pin, a->pin))
		return 1;
	a->found = 1;
	snprintf(a->commune, sizeof a->commune, "%s", r->commune);
	if (a->out)
		account_json(r, a->out);
	return 1;
}

/* Reads the account of pin; json (may be NULL) gets it rendered. Without
 * an account, a->commune is still the citizen's home commune (so that the
 * jurisdiction is checked before "no account" is said). */
static int read_one(struct dc__call *c, const char *pin, struct one_arg *a, struct dc_buf *json)
{
	struct dc_eid_filter f = {(enum dc_eid_state)0, NULL, NULL, pin};
	memset(a, 0, sizeof *a);
	a->pin = pin;
	a->out = json;
	int rc = dc_eid_list(c->store, &f, one_row, a);
	if (rc == DC_OK && !a->found) {
		struct dc_pin p;
		struct dc_citizen x;
		struct dc_pool pool;
		dc_pool_init(&pool, 0);
		if (dc_pin_parse(pin, strlen(pin), &p) == DC_OK &&
		    dc_store_citizen_get(c->store, &p, &x, &pool) == DC_OK) {
			const char *home = x.perm_commune   ? x.perm_commune
			                   : x.temp_commune ? x.temp_commune
			                                    : x.cur_commune;
			snprintf(a->commune, sizeof a->commune, "%s", home ? home : "");
		}
		dc_pool_release(&pool);
	}
	return rc;
}

static int status_of(int rc)
{
	switch (rc) {
	case DC_ERR_NOT_FOUND:
		return 404;
	case DC_ERR_CONFLICT:
		return 409;
	case DC_ERR_FORBIDDEN:
		return 403;
	case DC_ERR_INVALID:
		return 400;
	default:
		return 0;
	}
}

static int get_one(struct dc__call *c, const struct dc_officer *o, const char *pin,
                   struct dc_buf *body)
{
	struct one_arg a;
	struct dc_buf json = DC_BUF_INIT;
	int rc = read_one(c, pin, &a, &json);
	if (rc) {
		dc_buf_release(&json);
		return dc__fail(c, rc, 0, "cannot read the e-ID account");
	}
	if ((a.found || a.commune[0]) && !in_scope(c, o, a.commune)) {
		dc_buf_release(&json);
		return dc__fail(c, DC_ERR_FORBIDDEN, 403,
		                "the citizen lives outside your jurisdiction");
	}
	struct dc_audit_entry e = {o->id,
	                           NULL,
	                           "eid.account.read",
	                           pin,
	                           "citizen_request",
	                           a.found ? "eid_account" : NULL,
	                           c->request_id};
	rc = dc_audit_append(c->store, &e, NULL);
	if (rc) {
		dc_buf_release(&json);
		return dc__fail(c, rc, 503, "the read could not be audited, so it is refused");
	}
	if (!a.found) {
		dc_buf_release(&json);
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "this citizen has no e-ID account");
	}
	/* Why the citizen cannot sign in although the account is active: an
	 * expired card locks it until the renewal (NĐ 69/2024 Art. 15). */
	struct dc_date today = dc_date_today();
	char expired[11];
	if (dc_eid_usable(c->store, pin, &today, NULL, expired) == DC_ERR_EXPIRED && json.len &&
	    json.ptr[json.len - 1] == '}') {
		json.len--;
		dc_buf_addf(&json, ",\"card_expired_on\":\"%s\"}", expired);
	}
	rc = dc_buf_error(&json);
	if (rc == DC_OK)
		rc = dc_buf_add(body, json.ptr, json.len);
	dc_buf_release(&json);
	return rc;
}

/* approve | reject | lock | unlock, in one transaction with its audit
 * entry; answers with the account as it is after the change. */
static int act(struct dc__call *c, const struct dc_officer *o, const char *pin, const char *verb,
               struct dc_buf *body)
{
	json_t *j = NULL;
	char by[80], fields[64];
	struct one_arg a;
	if (o->role == DC_ROLE_AUDITOR)
		return dc__fail(c, DC_ERR_FORBIDDEN, 403,
		                "auditors read; they do not change accounts");
	int rc = dc__parse_body(c, &j);
	if (rc)
		return rc;
	const char *reason = dc__str_member(j, "reason");
	int need_reason = strcmp(verb, "approve") != 0;
	if (need_reason && (!reason || !*reason || strlen(reason) > 500)) {
		json_decref(j);
		return dc__fail(c, DC_ERR_INVALID, 400, "a reason (1-500 bytes) is required");
	}
	rc = dc_store_begin(c->store);
	if (rc) {
		json_decref(j);
		return dc__fail(c, rc, 0, "cannot start the change");
	}
	const char *detail = "the change could not be made";
	rc = read_one(c, pin, &a, NULL);
	struct dc_eid_account acc;
	if (rc == DC_OK && (a.found || a.commune[0]) && !in_scope(c, o, a.commune)) {
		rc = DC_ERR_FORBIDDEN;
		detail = "the citizen lives outside your jurisdiction";
	} else if (rc == DC_OK && !a.found) {
		rc = DC_ERR_NOT_FOUND;
		detail = "this citizen has no e-ID account";
	} else if (rc == DC_OK && !in_scope(c, o, a.commune)) {
		rc = DC_ERR_FORBIDDEN;
		detail = "the citizen lives outside your jurisdiction";
	}
	if (rc == DC_OK)
		rc = dc_eid_get(c->store, pin, &acc);
	snprintf(by, sizeof by, "authority:%s", o->id);
	snprintf(fields, sizeof fields, "state");
	if (rc == DC_OK && !strcmp(verb, "approve")) {
		if (acc.level == 2 && !(json_is_true(json_object_get(j, "card_verified")) &&
		                        json_is_true(json_object_get(j, "face_verified")))) {
			rc = DC_ERR_INVALID;
			detail = "level 2: state card_verified and face_verified (true) after "
			         "checking "
			         "the chip card and the face in person";
		} else if (acc.state != DC_EID_SUBMITTED && acc.state != DC_EID_APPROVED) {
			/* Approving again sends a new activation code. */
			rc = DC_ERR_CONFLICT;
			detail = "only a submitted (or approved, not yet activated) account can be "
			         "approved";
		} else {
			rc = dc_eid_approve(c->store, pin, o->id, NULL);
			if (rc == DC_OK && acc.level == 2) {
				struct dc_stmt *st = NULL;
				rc = dc_db_prepare(
				        dc_store_db(c->store),
				        "UPDATE eid_account SET verified_by = $2 WHERE pin = $1",
				        &st);
				if (rc == DC_OK) {
					dc_stmt_bind_str(st, 1, pin);
					dc_stmt_bind_str(st, 2, o->id);
					rc = dc_stmt_step(st);
					rc = rc == DC_DONE ? DC_OK : rc;
				}
				dc_stmt_finalize(st);
				snprintf(fields, sizeof fields,
				         "state,verified_by,card_face_checked");
			}
		}
	} else if (rc == DC_OK && !strcmp(verb, "reject")) {
		rc = dc_eid_reject(c->store, pin, o->id);
		if (rc == DC_ERR_NOT_FOUND) {
			rc = DC_ERR_CONFLICT;
			detail = "only a submitted account can be rejected";
		}
	} else if (rc == DC_OK && !strcmp(verb, "lock")) {
		rc = dc_eid_lock(c->store, pin, by);
		if (rc == DC_ERR_CONFLICT)
			detail = "only an active account can be locked";
	} else if (rc == DC_OK) {
		rc = dc_eid_unlock(c->store, pin, by);
		if (rc == DC_ERR_CONFLICT)
			detail = "the account is not locked";
	}
	if (rc == DC_OK && need_reason) {
		rc = dc_eid_note(c->store, pin, reason);
		snprintf(fields, sizeof fields, "state,lock_reason,note");
	}
	char action[40];
	snprintf(action, sizeof action, "eid.account.%s", verb);
	struct dc_audit_entry e = {o->id,  NULL,         action, pin, "citizen_request",
	                           fields, c->request_id};
	if (rc == DC_OK)
		rc = dc_audit_append(c->store, &e, NULL);
	if (rc == DC_OK)
		rc = dc_store_commit(c->store);
	else
		dc_store_rollback(c->store);
	json_decref(j);
	if (rc)
		return dc__fail(c, rc, status_of(rc), detail);
	rc = read_one(c, pin, &a, body);
	return rc ? dc__fail(c, rc, 0, "the change was made; the account cannot be read") : DC_OK;
}

static int r_account(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	struct dc_pin pin;
	int rc = dc__authenticate(c, &o);
	if (rc)
		return rc;
	if (c->tail_len < 12 || dc_pin_parse(c->tail, 12, &pin))
		return dc__fail(c, DC_ERR_INVALID, 400,
		                "the path must continue with a 12-digit personal ID number");
	const char *sub = c->tail + 12;
	size_t sublen = c->tail_len - 12;
	const char *m = c->req->method.base;
	size_t ml = c->req->method.len;
	if (sublen == 0)
		return h2o_memis(m, ml, H2O_STRLIT("GET")) ? get_one(c, &o, pin.d, body)
		                                           : dc__not_allowed(c, "GET");
	static const char *const verbs[] = {"approve", "reject", "lock", "unlock"};
	for (size_t i = 0; i < DC_ARRAY_LEN(verbs); i++)
		if (sublen == strlen(verbs[i]) + 1 && sub[0] == '/' &&
		    !memcmp(sub + 1, verbs[i], sublen - 1))
			return h2o_memis(m, ml, H2O_STRLIT("POST"))
			               ? act(c, &o, pin.d, verbs[i], body)
			               : dc__not_allowed(c, "POST");
	return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such resource");
}

const struct dc__route dc__eid_routes[] = {
        {"/api/v1/eid/accounts", 0, "GET", r_list},
        {"/api/v1/eid/accounts/", 1, "*", r_account},
};
const size_t dc__eid_routes_n = DC_ARRAY_LEN(dc__eid_routes);
