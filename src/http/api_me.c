/*
 * api_me.c — the citizen's own API, with an access token of the OpenID
 * Connect provider that carries the scope "records" (the citizen consented
 * on the sign-in page to let that application show them their records).
 *
 *   GET  /api/v1/me          own record, residence, household members'
 *                            names and relations, identity card and e-ID
 *                            account status
 *   GET  /api/v1/me/access?after=SEQ&limit=N   the data tracker: the audit
 *                            entries about the citizen, oldest first, paged
 *                            (who, organisation, when, what, why)
 *   GET  /api/v1/me/card/qr?format=svg|png   the QR code printed on the
 *                            citizen's newest produced card, as an image
 *   POST /api/v1/me/lock     the citizen locks their own e-ID account (and
 *                            every token issued for it is revoked)
 *
 * Every read is audited before the data leaves, with the citizen as the
 * subject and the application (client id) as the organisation; showing the
 * household members' names is a read of their data too, linked to each.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/audit.h"
#include "dancu/card.h"
#include "dancu/qr.h"
#include "dancu/citizen.h"
#include "dancu/core.h"
#include "dancu/date.h"
#include "dancu/db.h"
#include "dancu/eid.h"
#include "dancu/pin.h"
#include "dancu/pool.h"
#include "dancu/residence.h"
#include "dancu/store.h"

#include "core/internal.h"
#include "http/api_eid.h"
#include "http/api_oidc.h"
#include "http/http.h"

#define SCOPE "records"

struct who {
	char client_id[65], pin[13], scope[DC__OIDC_PARAM], acr[64];
	struct dc__oidc_client cl;
};

static int has_scope(const char *scope, const char *s)
{
	size_t n = strlen(s);
	for (const char *p = scope; p && *p;) {
		const char *sp = strchr(p, ' ');
		size_t len = sp ? (size_t)(sp - p) : strlen(p);
		if (len == n && !memcmp(p, s, n))
			return 1;
		p += len + (sp != NULL);
	}
	return 0;
}

/* The citizen behind the Bearer token, with the "records" scope. */
static int citizen(struct dc__call *c, struct who *w)
{
	int rc = dc__oidc_bearer(c, w->client_id, w->pin, w->scope, w->acr, &w->cl);
	if (rc)
		return rc;
	/* The register decides: a citizen recorded dead or missing (by an
	 * import, not the death route that closes the account) is not served. */
	struct dc_pin p;
	struct dc_citizen x;
	struct dc_pool pool;
	dc_pool_init(&pool, 0);
	rc = dc_pin_parse(w->pin, 12, &p) ? DC_ERR_AUTH
	                                  : dc_store_citizen_get(c->store, &p, &x, &pool);
	int alive = rc == DC_OK && x.status == DC_STATUS_ALIVE;
	dc_pool_release(&pool);
	if (rc && rc != DC_ERR_NOT_FOUND && rc != DC_ERR_AUTH)
		return dc__fail(c, rc, 0, "the register could not be read");
	if (!alive)
		return dc__fail(c, DC_ERR_AUTH, 401, "the citizen's account is closed");
	if (!has_scope(w->scope, SCOPE)) {
		h2o_add_header(
		        &c->req->pool, &c->req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
		        H2O_STRLIT("Bearer error=\"insufficient_scope\", scope=\"records\""));
		return dc__fail(c, DC_ERR_FORBIDDEN, 403,
		                "the access token lacks the scope \"records\"");
	}
	return DC_OK;
}

static void add_str(struct dc_buf *b, const char *k, const char *v)
{
	dc_buf_addf(b, ",\"%s\":", k);
	if (!v) {
		dc_buf_adds(b, "null");
		return;
	}
	dc_buf_addc(b, '"');
	dc_buf_add_json_str(b, v, strlen(v));
	dc_buf_addc(b, '"');
}

/* --- GET /api/v1/me ---------------------------------------------------- */

struct members {
	struct dc_buf json;
	char (*pins)[13];
	size_t n, cap;
};

static int household(struct dc_store *s, const char *hh, const char *self, struct members *m)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT pin, coalesce(birth_name, ''), coalesce(head_relation, '') "
	                       "FROM citizen WHERE household_id = $1 AND status = 'alive' AND pin "
	                       "<> $2 ORDER BY pin",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, hh);
		dc_stmt_bind_str(st, 2, self);
	}
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ROW) {
		if (m->n == m->cap) {
			size_t cap = m->cap ? 2 * m->cap : 8;
			void *p = realloc(m->pins, cap * sizeof *m->pins);
			if (!p) {
				rc = DC_ERR_NOMEM;
				break;
			}
			m->pins = p;
			m->cap = cap;
		}
		snprintf(m->pins[m->n], 13, "%s", dc_stmt_text(st, 0, NULL));
		dc_buf_adds(&m->json, m->n++ ? ",{\"name\":\"" : "{\"name\":\"");
		const char *v = dc_stmt_text(st, 1, NULL);
		dc_buf_add_json_str(&m->json, v, strlen(v));
		dc_buf_adds(&m->json, "\",\"relation\":\"");
		v = dc_stmt_text(st, 2, NULL);
		dc_buf_add_json_str(&m->json, v, strlen(v));
		dc_buf_adds(&m->json, "\"}");
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	return rc == DC_DONE ? dc_buf_error(&m->json) : rc;
}

static int last_card(void *arg, const struct dc_card *card)
{
	*(struct dc_card *)arg = *card;
	return 0;
}

static int r_me(struct dc__call *c, struct dc_buf *body)
{
	struct who w;
	struct dc_pin p;
	struct dc_citizen x;
	struct dc_pool pool;
	struct dc_card card;
	struct dc_eid_account acc;
	struct members m = {DC_BUF_INIT, NULL, 0, 0};
	struct dc_buf rec = DC_BUF_INIT, res = DC_BUF_INIT;
	int rc = citizen(c, &w);
	if (rc)
		return rc;
	dc_pin_parse(w.pin, 12, &p);
	dc_pool_init(&pool, 0);
	memset(&card, 0, sizeof card);
	rc = dc_store_citizen_get(c->store, &p, &x, &pool);
	if (rc == DC_OK)
		rc = dc_citizen_json(&x, &rec);
	if (rc == DC_OK)
		rc = dc_residence_view(c->store, c->units, w.pin, dc_now_ms(), &res);
	if (rc == DC_OK && x.household_id && *x.household_id)
		rc = household(c->store, x.household_id, w.pin, &m);
	if (rc == DC_OK)
		rc = dc_card_list(c->store, &p, last_card, &card);
	if (rc == DC_OK)
		rc = dc_eid_get(c->store, w.pin, &acc);
	/* Audit first: the citizen's read, and the members' names shown. */
	if (rc == DC_OK)
		rc = dc_store_begin(c->store);
	if (rc == DC_OK) {
		struct dc_audit_entry e = {"citizen",         w.cl.id, "me.read",    w.pin,
		                           "citizen_request", "*",     c->request_id};
		rc = dc_audit_append(c->store, &e, NULL);
		if (rc == DC_OK && m.n) {
			const char **pins = calloc(m.n, sizeof *pins);
			for (size_t i = 0; pins && i < m.n; i++)
				pins[i] = m.pins[i];
			struct dc_audit_entry h = {"citizen",         w.cl.id,
			                           "me.household",    NULL,
			                           "citizen_request", "name,head_relation",
			                           c->request_id};
			rc = pins ? dc_audit_append_subjects(c->store, &h, pins, m.n, NULL)
			          : DC_ERR_NOMEM;
			free(pins);
		}
		if (rc == DC_OK)
			rc = dc_store_commit(c->store);
		else
			dc_store_rollback(c->store);
		if (rc)
			rc = dc__fail(c, rc, 503,
			              "the read could not be audited, so it is refused");
	} else {
		rc = dc__fail(c, rc, 0, "the record could not be read");
	}
	if (rc == DC_OK) {
		dc_buf_adds(body, "{\"record\":");
		dc_buf_add(body, rec.ptr, rec.len);
		dc_buf_adds(body, ",\"residence\":");
		dc_buf_add(body, res.ptr, res.len);
		dc_buf_adds(body, ",\"household\":{\"id\":");
		if (x.household_id && *x.household_id) {
			dc_buf_addc(body, '"');
			dc_buf_add_json_str(body, x.household_id, strlen(x.household_id));
			dc_buf_addc(body, '"');
		} else {
			dc_buf_adds(body, "null");
		}
		dc_buf_adds(body, ",\"members\":[");
		dc_buf_add(body, m.json.ptr, m.json.len);
		dc_buf_adds(body, "]},\"card\":");
		if (card.id) {
			char d[DC_DATE_ISO_MAX];
			dc_buf_addf(body, "{\"id\":%lld", (long long)card.id);
			add_str(body, "kind", dc_card_kind_name(card.kind));
			add_str(body, "state", dc_card_state_name(card.state));
			if (card.issued.year) {
				dc_date_iso(&card.issued, d);
				add_str(body, "issued", d);
			}
			if (card.expiry.year) {
				dc_date_iso(&card.expiry, d);
				add_str(body, "expiry", d);
			}
			dc_buf_addc(body, '}');
		} else {
			dc_buf_adds(body, "null");
		}
		dc_buf_addf(body, ",\"eid\":{\"level\":%d,\"state\":\"%s\",\"acr\":\"%s\"}}",
		            acc.level, dc_eid_state_name(acc.state), dc_eid_acr(acc.level));
		rc = dc_buf_error(body);
	}
	dc_buf_release(&rec);
	dc_buf_release(&res);
	dc_buf_release(&m.json);
	free(m.pins);
	dc_pool_release(&pool);
	return rc;
}

/* --- GET /api/v1/me/access --------------------------------------------- */

#define ACCESS_DEFAULT 200
#define ACCESS_MAX 1000

struct access_page {
	struct dc_buf *b;
	int64_t after, last;
	size_t n, limit;
	int more;
};

static int access_entry(void *arg, int64_t seq, int64_t at, const struct dc_audit_entry *e)
{
	struct access_page *pg = arg;
	struct dc_buf *b = pg->b;
	if (seq <= pg->after)
		return 0;
	if (pg->n == pg->limit) {
		pg->more = 1;
		return 1; /* stop: the page is full */
	}
	dc_buf_addf(b, "%s{\"seq\":%lld,\"at_ms\":%lld", pg->n++ ? "," : "", (long long)seq,
	            (long long)at);
	add_str(b, "actor", e->actor);
	add_str(b, "org", e->org);
	add_str(b, "action", e->action);
	add_str(b, "purpose", e->purpose);
	add_str(b, "fields", e->fields);
	dc_buf_addc(b, '}');
	pg->last = seq;
	return dc_buf_error(b);
}

static int r_access(struct dc__call *c, struct dc_buf *body)
{
	struct who w;
	unsigned long long after = 0, limit = ACCESS_DEFAULT;
	int rc = citizen(c, &w);
	if (rc)
		return rc;
	const char *a = dc__query_param(c->req, "after"), *l = dc__query_param(c->req, "limit");
	if (a && dc_parse_uint(a, strlen(a), (unsigned long long)INT64_MAX, &after))
		return dc__fail(c, DC_ERR_INVALID, 400, "after must be an entry number (seq)");
	if (l && (dc_parse_uint(l, strlen(l), ACCESS_MAX, &limit) || limit == 0))
		return dc__fail(c, DC_ERR_INVALID, 400, "limit must be 1 to 1000");
	struct dc_audit_entry e = {"citizen",         w.cl.id,   "me.access.read", w.pin,
	                           "citizen_request", "tracker", c->request_id};
	rc = dc_audit_append(c->store, &e, NULL);
	if (rc)
		return dc__fail(c, rc, 503, "the read could not be audited, so it is refused");
	struct access_page pg = {body, (int64_t)after, 0, 0, (size_t)limit, 0};
	dc_buf_addf(body, "{\"pin\":\"%s\",\"accesses\":[", w.pin);
	rc = dc_audit_for_subject(c->store, w.pin, access_entry, &pg);
	if (rc == 1)
		rc = DC_OK;
	dc_buf_adds(body, "]");
	if (pg.more)
		dc_buf_addf(body, ",\"next_after\":%lld", (long long)pg.last);
	dc_buf_adds(body, "}");
	return rc ? dc__fail(c, rc, 0, "cannot read the audit log") : dc_buf_error(body);
}

/* --- GET /api/v1/me/card/qr ------------------------------------------- */

/* The newest card that has been printed (its QR payload is set). */
static int printed_card(void *arg, const struct dc_card *card)
{
	if (card->qr[0])
		*(struct dc_card *)arg = *card;
	return 0;
}

static int r_card_qr(struct dc__call *c, struct dc_buf *body)
{
	struct who w;
	struct dc_pin p;
	struct dc_card card;
	int rc = citizen(c, &w);
	if (rc)
		return rc;
	const char *f = dc__query_param(c->req, "format");
	int png = f && !strcmp(f, "png");
	if (f && !png && strcmp(f, "svg"))
		return dc__fail(c, DC_ERR_INVALID, 400, "format must be svg or png");
	dc_pin_parse(w.pin, 12, &p);
	memset(&card, 0, sizeof card);
	rc = dc_card_list(c->store, &p, printed_card, &card);
	if (rc)
		return dc__fail(c, rc, 0, "the card register could not be read");
	if (!card.qr[0])
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no identity card has been printed yet");
	struct dc_audit_entry e = {"citizen",         w.cl.id, "me.card.qr", w.pin,
	                           "citizen_request", "qr",    c->request_id};
	if ((rc = dc_audit_append(c->store, &e, NULL)))
		return dc__fail(c, rc, 0, "the read could not be recorded");
	c->content_type = png ? "image/png" : "image/svg+xml";
	rc = png ? dc_qr_png(card.qr, strlen(card.qr), 6, body)
	         : dc_qr_svg(card.qr, strlen(card.qr), 4, body);
	return rc ? dc__fail(c, rc, 0, "the QR code could not be drawn") : DC_OK;
}

/* --- POST /api/v1/me/lock ---------------------------------------------- */

static int r_lock(struct dc__call *c, struct dc_buf *body)
{
	struct who w;
	struct dc_stmt *st = NULL;
	int rc = citizen(c, &w);
	if (rc)
		return rc;
	rc = dc_store_begin(c->store);
	if (rc)
		return dc__fail(c, rc, 0, "the account could not be locked");
	rc = dc_eid_lock(c->store, w.pin, "citizen");
	if (rc == DC_OK)
		rc = dc_eid_note(c->store, w.pin, "locked by the citizen");
	/* Every session of the account ends with the lock. */
	if (rc == DC_OK)
		rc = dc_db_prepare(dc_store_db(c->store),
		                   "UPDATE oidc_token SET revoked = 1 WHERE pin = $1", &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, w.pin);
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	struct dc_audit_entry e = {"citizen",         w.cl.id,        "eid.account.lock", w.pin,
	                           "citizen_request", "state,tokens", c->request_id};
	if (rc == DC_OK)
		rc = dc_audit_append(c->store, &e, NULL);
	if (rc == DC_OK)
		rc = dc_store_commit(c->store);
	else
		dc_store_rollback(c->store);
	if (rc)
		return dc__fail(c, rc, rc == DC_ERR_CONFLICT ? 409 : 0,
		                "the account could not be locked");
	return dc_buf_adds(body, "{\"state\":\"locked\",\"lock_reason\":\"citizen\"}");
}

const struct dc__route dc__me_routes[] = {
        {"/api/v1/me", 0, "GET", r_me},
        {"/api/v1/me/access", 0, "GET", r_access},
        {"/api/v1/me/lock", 0, "POST", r_lock},
        {"/api/v1/me/card/qr", 0, "GET", r_card_qr},
};
const size_t dc__me_routes_n = DC_ARRAY_LEN(dc__me_routes);
