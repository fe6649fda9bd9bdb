/*
 * api_card.c — identity cards over HTTP: the lifecycle for officers, the
 * card's MRZ and QR, verification of a presented card, and check-in.
 *
 *   POST /api/v1/cards                       apply {"pin","kind","reason","evidence"}
 *   GET  /api/v1/cards?pin=P&purpose=U       the citizen's card history
 *   GET  /api/v1/cards/{id}?purpose=U        one card (with its MRZ and QR text)
 *   POST /api/v1/cards/{id}/{approve|reject|produce|deliver|revoke}
 *                                            {"reason","evidence"}; produce: {"issued"}
 *   GET  /api/v1/cards/{id}/mrz?purpose=U[&format=text]
 *   GET  /api/v1/cards?state=S&purpose=U[&after=ID&limit=N]   the issuance
 *        work list of the officer's jurisdiction
 *   GET  /api/v1/cards/{id}/qr?purpose=U[&format=json|svg|png]
 *   POST /api/v1/verify/qr                   {"payload","purpose"} → every check
 *   POST /api/v1/verify/mrz                  {"mrz","purpose"}     → every check
 *   POST /api/v1/checkin/events              {"name","candidates":[{"pin","room"}]}
 *   POST /api/v1/checkin/events/{id}/candidates   {"candidates":[…]} or {"csv":"pin,room\n…"}
 *   POST /api/v1/checkin/events/{id}/scan    {"qr"} or {"mrz"} → who, room, verified, already
 *
 * Authorization: officers only (Bearer), auditors never. Lifecycle writes
 * only inside the officer's jurisdiction (the citizen's commune of
 * residence). Reads of a card need a purpose and are audited before data
 * leaves; a verification is audited as "card.verify" with its purpose on
 * the holder's record (their data tracker shows it), a kiosk scan as
 * "checkin.scan".
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/audit.h"
#include "dancu/card.h"
#include "dancu/checkin.h"
#include "dancu/officer.h"
#include "dancu/qr.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "core/internal.h"
#include "http/api_card.h"
#include "http/http.h"

/* Authenticates and refuses auditors. */
static int officer(struct dc__call *c, struct dc_officer *o)
{
	int rc = dc__authenticate(c, o);
	if (rc == DC_OK && o->role == DC_ROLE_AUDITOR)
		rc = dc__fail(c, DC_ERR_FORBIDDEN, 403, "auditors read the audit log, not cards");
	return rc;
}

/* The citizen must live in the officer's jurisdiction. */
static int may_write(struct dc__call *c, const struct dc_officer *o, const struct dc_pin *pin)
{
	struct dc_pool pool;
	struct dc_citizen x;
	dc_pool_init(&pool, 4096);
	int rc = dc_store_citizen_get(c->store, pin, &x, &pool);
	if (rc == DC_ERR_NOT_FOUND)
		rc = dc__fail(c, rc, 404, "no citizen with this personal ID number");
	else if (rc)
		rc = dc__fail(c, rc, 0, "cannot read the register");
	else if (!dc__in_jurisdiction(c, o,
	                              x.perm_commune   ? x.perm_commune
	                              : x.temp_commune ? x.temp_commune
	                                               : x.cur_commune))
		rc = dc__fail(c, DC_ERR_FORBIDDEN, 403,
		              "this citizen lives outside your jurisdiction");
	dc_pool_release(&pool);
	return rc;
}

static int op_fail(struct dc__call *c, int rc, const struct dc_card_op *op)
{
	int status = rc == DC_ERR_CONFLICT ? 409 : rc == DC_ERR_INVALID ? 400 : 0;
	return dc__fail(c, rc, status, op->detail[0] ? op->detail : dc_strerror(rc));
}

static int audit_read(struct dc__call *c, const struct dc_officer *o, const char *action,
                      const char *pin, const char *purpose, const char *fields)
{
	struct dc_audit_entry a = {o->id, NULL, action, pin, purpose, fields, c->request_id};
	int rc = dc_audit_append(c->store, &a, NULL);
	return rc ? dc__fail(c, rc, 503, "the read could not be audited, so it is refused") : 0;
}

static const char *need_purpose(struct dc__call *c)
{
	const char *p = dc__query_param(c->req, "purpose");
	if (!dc__purpose_ok(p)) {
		dc__fail(c, DC_ERR_INVALID, 400, "a purpose is required (?purpose=…)");
		return NULL;
	}
	return p;
}

static int apply(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	struct dc_pin pin;
	struct dc_card card;
	json_t *j = NULL;
	int rc = officer(c, &o);
	if (rc == DC_OK)
		rc = dc__parse_body(c, &j);
	const char *p = rc ? NULL : dc__str_member(j, "pin");
	const char *kind = rc ? NULL : dc__str_member(j, "kind");
	if (rc == DC_OK && (!p || dc_pin_parse(p, strlen(p), &pin)))
		rc = dc__fail(c, DC_ERR_INVALID, 400, "pin (12 digits) is required");
	if (rc == DC_OK && !dc_card_kind_parse(kind))
		rc = dc__fail(c, DC_ERR_INVALID, 400,
		              "kind must be first, renewal, exchange or reissue");
	if (rc == DC_OK)
		rc = may_write(c, &o, &pin);
	if (rc == DC_OK) {
		struct dc_card_op op = {o.id,
		                        c->request_id,
		                        dc__str_member(j, "reason"),
		                        dc__str_member(j, "evidence"),
		                        dc_date_today(),
		                        {0, 0, 0},
		                        "",
		                        NULL};
		if (!op.reason) /* the only reason a first card or a renewal has */
			op.reason = dc_card_kind_parse(kind) == DC_CARD_FIRST     ? "first"
			            : dc_card_kind_parse(kind) == DC_CARD_RENEWAL ? "age"
			                                                          : NULL;
		rc = dc_card_apply(c->store, &pin, dc_card_kind_parse(kind), &op, &card);
		if (rc == DC_ERR_RULE && op.rule) {
			/* the rule that refused it, as the register's gate reports its own */
			dc_buf_reset(body);
			dc_buf_addf(body, "\"errors\":[{\"rule\":\"%s\",\"message_en\":\"",
			            op.rule);
			dc_buf_add_json_str(body, op.detail, strlen(op.detail));
			dc_buf_adds(body, "\"}]");
			c->extension = 1;
			rc = dc__fail(c, DC_ERR_RULE, 422, op.detail);
		} else if (rc) {
			rc = op_fail(c, rc, &op);
		}
	}
	if (rc == DC_OK) {
		c->status = 201;
		rc = dc_card_json(&card, false, body);
	}
	json_decref(j);
	return rc;
}

static int list_cb(void *arg, const struct dc_card *card)
{
	struct dc_buf *b = arg;
	if (b->ptr[b->len - 1] != '[')
		dc_buf_addc(b, ',');
	return dc_card_json(card, false, b);
}

/* GET /api/v1/cards?state=S[&after=ID][&limit=N]: the issuance work list
 * of the officer's jurisdiction (holder's home commune), oldest first; one
 * audit entry linked to every holder listed. */
struct queue {
	struct dc__call *c;
	const struct dc_officer *o;
	struct dc_buf items;
	const char **pins;
	size_t n, limit;
	int64_t last;
	int more;
};

static int queue_cb(void *arg, const struct dc_card *card, const char *name, const char *commune)
{
	struct queue *q = arg;
	if (!dc__in_jurisdiction(q->c, q->o, commune))
		return 0;
	if (q->n == q->limit) {
		q->more = 1;
		return 1;
	}
	char *pin = strdup(card->pin.d);
	if (!pin)
		return DC_ERR_NOMEM;
	q->pins[q->n++] = pin;
	q->last = card->id;
	if (q->items.len)
		dc_buf_addc(&q->items, ',');
	dc_buf_adds(&q->items, "{\"name\":\"");
	dc_buf_add_json_str(&q->items, name, strlen(name));
	dc_buf_addf(&q->items, "\",\"commune\":\"%s\",\"card\":", commune);
	dc_card_json(card, false, &q->items);
	dc_buf_addc(&q->items, '}');
	return dc_buf_error(&q->items);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int queue(struct dc__call *c, const struct dc_officer *o, const char *state_name,
                 struct dc_buf *body)
{
	enum dc_card_state state = dc_card_state_parse(state_name);
	const char *a = dc__query_param(c->req, "after"), *l = dc__query_param(c->req, "limit");
	unsigned long long after = 0, limit = 50;
	if (!state)
		return dc__fail(c, DC_ERR_INVALID, 400,
		                "state must be a card state (applied, approved, produced, ...)");
	if (a && dc_parse_uint(a, strlen(a), INT64_MAX, &after))
		return dc__fail(c, DC_ERR_INVALID, 400, "after must be a card id");
	if (l && (dc_parse_uint(l, strlen(l), 500, &limit) || limit == 0))
		return dc__fail(c, DC_ERR_INVALID, 400, "limit must be 1 to 500");
	const char *purpose = need_purpose(c);
	if (!purpose)
		return DC_ERR_INVALID;
	struct queue q = {c, o, DC_BUF_INIT, calloc(limit, sizeof(char *)), 0, limit, 0, 0};
	int rc = q.pins ? dc_card_queue(c->store, state, (int64_t)after, queue_cb, &q)
	                : DC_ERR_NOMEM;
	if (rc == 1)
		rc = DC_OK;
	if (rc == DC_OK)
		rc = dc_store_begin(c->store);
	if (rc == DC_OK) {
		qsort(q.pins, q.n, sizeof *q.pins, cmp_str); /* the audit links are sorted */
		struct dc_audit_entry e = {o->id,   NULL,        "card.queue", NULL,
		                           purpose, "name,card", c->request_id};
		rc = q.n ? dc_audit_append_subjects(c->store, &e, q.pins, q.n, NULL)
		         : dc_audit_append(c->store, &e, NULL);
		if (rc == DC_OK)
			rc = dc_store_commit(c->store);
		else
			dc_store_rollback(c->store);
	}
	if (rc == DC_OK) {
		dc_buf_addf(body, "{\"state\":\"%s\",\"count\":%zu,\"items\":[%s]",
		            dc_card_state_name(state), q.n, q.items.len ? q.items.ptr : "");
		if (q.more)
			dc_buf_addf(body, ",\"next_after\":%lld", (long long)q.last);
		rc = dc_buf_adds(body, "}");
	} else {
		rc = dc__fail(c, rc, 0, "cannot read the card queue");
	}
	for (size_t i = 0; i < q.n; i++)
		free((char *)q.pins[i]);
	free(q.pins);
	dc_buf_release(&q.items);
	return rc;
}

static int history(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	struct dc_pin pin;
	int rc = officer(c, &o);
	if (rc)
		return rc;
	const char *state = dc__query_param(c->req, "state");
	if (state && !dc__query_param(c->req, "pin"))
		return queue(c, &o, state, body);
	const char *p = dc__query_param(c->req, "pin");
	if (!p || dc_pin_parse(p, strlen(p), &pin))
		return dc__fail(c, DC_ERR_INVALID, 400, "?pin= (12 digits) is required");
	const char *purpose = need_purpose(c);
	if (!purpose)
		return DC_ERR_INVALID;
	if ((rc = audit_read(c, &o, "card.history", pin.d, purpose, "cards")))
		return rc;
	dc_buf_addf(body, "{\"pin\":\"%s\",\"cards\":[", pin.d);
	rc = dc_card_list(c->store, &pin, list_cb, body);
	if (rc)
		return dc__fail(c, rc, 0, "cannot read the cards");
	return dc_buf_adds(body, "]}");
}

static int r_cards(struct dc__call *c, struct dc_buf *body)
{
	const char *m = c->req->method.base;
	size_t ml = c->req->method.len;
	if (h2o_memis(m, ml, H2O_STRLIT("POST")))
		return apply(c, body);
	if (h2o_memis(m, ml, H2O_STRLIT("GET")))
		return history(c, body);
	return dc__not_allowed(c, "GET, POST");
}

static int act(struct dc__call *c, const struct dc_officer *o, const struct dc_card *card,
               enum dc_card_action a, struct dc_buf *body)
{
	json_t *j = NULL;
	struct dc_card after;
	int rc = c->req->entity.base && c->req->entity.len ? dc__parse_body(c, &j) : DC_OK;
	if (rc == DC_OK)
		rc = may_write(c, o, &card->pin);
	struct dc_card_op op = {o->id,
	                        c->request_id,
	                        j ? dc__str_member(j, "reason") : NULL,
	                        j ? dc__str_member(j, "evidence") : NULL,
	                        dc_date_today(),
	                        {0, 0, 0},
	                        "",
	                        NULL};
	const char *iss = j ? dc__str_member(j, "issued") : NULL;
	if (rc == DC_OK && iss && dc_date_parse(iss, strlen(iss), &op.issued))
		rc = dc__fail(c, DC_ERR_INVALID, 400, "issued must be a date YYYY-MM-DD");
	if (rc == DC_OK && (a == DC_CARD_REJECT || a == DC_CARD_REVOKE) &&
	    (!op.reason || !*op.reason))
		rc = dc__fail(c, DC_ERR_INVALID, 400, "a reason is required");
	if (rc == DC_OK && (rc = dc_card_act(c->store, c->units, card->id, a, &op, &after)))
		rc = op_fail(c, rc, &op);
	if (rc == DC_OK)
		rc = dc_card_json(&after, false, body);
	json_decref(j);
	return rc;
}

/* GET …/qr: JSON (payload), SVG or PNG. */
static int qr(struct dc__call *c, const struct dc_card *card, struct dc_buf *body)
{
	const char *f = dc__query_param(c->req, "format");
	int rc;
	if (!f || !strcmp(f, "json")) {
		dc_buf_addf(body, "{\"id\":%lld,\"payload\":\"", (long long)card->id);
		dc_buf_add_json_str(body, card->qr, strlen(card->qr));
		return dc_buf_adds(body, "\"}");
	}
	if (!strcmp(f, "svg")) {
		c->content_type = "image/svg+xml";
		rc = dc_qr_svg(card->qr, strlen(card->qr), 4, body);
	} else if (!strcmp(f, "png")) {
		c->content_type = "image/png";
		rc = dc_qr_png(card->qr, strlen(card->qr), 6, body);
	} else {
		return dc__fail(c, DC_ERR_INVALID, 400, "format must be json, svg or png");
	}
	return rc ? dc__fail(c, rc, 0, "cannot draw the QR code") : DC_OK;
}

static int r_card(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	struct dc_card card;
	char idtxt[24];
	unsigned long long id;
	int rc = officer(c, &o);
	if (rc)
		return rc;
	const char *slash = memchr(c->tail, '/', c->tail_len);
	size_t il = slash ? (size_t)(slash - c->tail) : c->tail_len;
	const char *sub = slash ? slash + 1 : "";
	size_t sl = slash ? c->tail_len - il - 1 : 0;
	if (il == 0 || il >= sizeof idtxt || dc_parse_uint(c->tail, il, INT64_MAX, &id))
		return dc__fail(c, DC_ERR_INVALID, 400, "the path must continue with a card id");
	memcpy(idtxt, c->tail, il);
	idtxt[il] = '\0';
	rc = dc_card_get(c->store, (int64_t)id, &card);
	if (rc == DC_ERR_NOT_FOUND)
		return dc__fail(c, rc, 404, "no card with this id");
	if (rc)
		return dc__fail(c, rc, 0, "cannot read the card");
	int post = h2o_memis(c->req->method.base, c->req->method.len, H2O_STRLIT("POST"));
	int get = h2o_memis(c->req->method.base, c->req->method.len, H2O_STRLIT("GET"));
	char verb[16];
	if (sl == 0 || sl >= sizeof verb)
		verb[0] = '\0';
	else {
		memcpy(verb, sub, sl);
		verb[sl] = '\0';
	}
	enum dc_card_action a = dc_card_action_parse(verb);
	if (a)
		return post ? act(c, &o, &card, a, body) : dc__not_allowed(c, "POST");
	if (sl && strcmp(verb, "mrz") && strcmp(verb, "qr"))
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such resource");
	if (!get)
		return dc__not_allowed(c, "GET");
	const char *purpose = need_purpose(c);
	if (!purpose)
		return DC_ERR_INVALID;
	if (sl && !card.mrz[0])
		return dc__fail(c, DC_ERR_CONFLICT, 409, "the card is not produced yet");
	if ((rc = audit_read(c, &o, sl ? (verb[0] == 'm' ? "card.mrz" : "card.qr") : "card.read",
	                     card.pin.d, purpose, "card")))
		return rc;
	if (sl && verb[0] == 'q')
		return qr(c, &card, body);
	if (sl) {
		const char *f = dc__query_param(c->req, "format");
		if (f && !strcmp(f, "text")) {
			c->content_type = "text/plain; charset=utf-8";
			dc_buf_adds(body, card.mrz);
			return dc_buf_addc(body, '\n');
		}
		dc_buf_addf(body, "{\"id\":%lld,\"mrz\":\"", (long long)card.id);
		dc_buf_add_json_str(body, card.mrz, strlen(card.mrz));
		return dc_buf_adds(body, "\"}");
	}
	return dc_card_json(&card, true, body);
}

/* POST /api/v1/verify/{qr,mrz} */
static int verify(struct dc__call *c, struct dc_buf *body, enum dc_card_form form)
{
	struct dc_officer o;
	struct dc_card_verdict v;
	struct dc_pool pool;
	json_t *j = NULL;
	int rc = officer(c, &o);
	if (rc == DC_OK)
		rc = dc__parse_body(c, &j);
	if (rc)
		return rc;
	const char *member = form == DC_CARD_FORM_QR ? "payload" : "mrz";
	json_t *t = json_object_get(j, member);
	const char *purpose = dc__str_member(j, "purpose");
	if (!purpose)
		purpose = "verification";
	dc_pool_init(&pool, 0);
	if (!json_is_string(t))
		rc = dc__fail(c, DC_ERR_INVALID, 400,
		              form == DC_CARD_FORM_QR ? "payload (the QR text) is required"
		                                      : "mrz (the three MRZ lines) is required");
	else if (!dc__purpose_ok(purpose))
		rc = dc__fail(c, DC_ERR_INVALID, 400, "unknown purpose");
	if (rc == DC_OK) {
		struct dc_date today = dc_date_today();
		rc = dc_card_verify(c->store, c->units, form, json_string_value(t),
		                    json_string_length(t), &today, &v, &pool);
		if (rc)
			rc = dc__fail(c, rc, 0, "cannot verify against the register");
	}
	/* Audited before the answer (it names the holder) leaves. */
	if (rc == DC_OK)
		rc = audit_read(c, &o, "card.verify", v.pin.d[0] ? v.pin.d : NULL, purpose,
		                form == DC_CARD_FORM_QR ? "qr" : "mrz");
	if (rc == DC_OK)
		rc = dc_card_verdict_json(&v, body);
	dc_pool_release(&pool);
	json_decref(j);
	return rc;
}

static int r_verify_qr(struct dc__call *c, struct dc_buf *body)
{
	return verify(c, body, DC_CARD_FORM_QR);
}

static int r_verify_mrz(struct dc__call *c, struct dc_buf *body)
{
	return verify(c, body, DC_CARD_FORM_MRZ);
}

/* Adds {"candidates":[{"pin","room"}]} or {"csv":"…"} to event id. */
static int add_candidates(struct dc__call *c, json_t *j, int64_t id, int64_t *added)
{
	const char *csv = dc__str_member(j, "csv");
	json_t *list = json_object_get(j, "candidates");
	char detail[160] = "";
	int rc = DC_OK;
	*added = 0;
	if (csv) {
		rc = dc_checkin_import_csv(c->store, id, csv, strlen(csv), added, detail,
		                           sizeof detail);
		return rc ? dc__fail(c, rc, rc == DC_ERR_INVALID ? 400 : 0,
		                     detail[0] ? detail : "cannot store the candidates")
		          : DC_OK;
	}
	if (!list)
		return DC_OK;
	if (!json_is_array(list))
		return dc__fail(c, DC_ERR_INVALID, 400, "candidates must be an array");
	rc = dc_store_begin(c->store);
	size_t i;
	json_t *e;
	json_array_foreach (list, i, e) {
		const char *p = dc__str_member(e, "pin"), *room = dc__str_member(e, "room");
		struct dc_pin pin;
		if (rc)
			break;
		if (!p || dc_pin_parse(p, strlen(p), &pin) || !room) {
			snprintf(detail, sizeof detail,
			         "candidate %zu: pin (12 digits) and room are required", i);
			rc = DC_ERR_INVALID;
			break;
		}
		rc = dc_checkin_candidate_add(c->store, id, &pin, room);
		if (rc == DC_ERR_INVALID)
			snprintf(detail, sizeof detail, "candidate %zu: room must be 1–60 bytes",
			         i);
		if (rc == DC_OK)
			(*added)++;
	}
	if (rc) {
		dc_store_rollback(c->store);
		*added = 0;
		return dc__fail(c, rc, rc == DC_ERR_INVALID ? 400 : 0,
		                detail[0] ? detail : "cannot store the candidates");
	}
	rc = dc_store_commit(c->store);
	return rc ? dc__fail(c, rc, 0, "cannot store the candidates") : DC_OK;
}

static int r_events(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	json_t *j = NULL;
	int64_t id = 0, added = 0;
	int rc = officer(c, &o);
	if (rc == DC_OK)
		rc = dc__parse_body(c, &j);
	if (rc)
		return rc;
	const char *name = dc__str_member(j, "name");
	if (!name || !*name || strlen(name) > 200)
		rc = dc__fail(c, DC_ERR_INVALID, 400, "name (1–200 bytes) is required");
	if (rc == DC_OK && (rc = dc_checkin_event_create(c->store, name, o.id, &id)))
		rc = dc__fail(c, rc, 0, "cannot create the event");
	if (rc == DC_OK)
		rc = add_candidates(c, j, id, &added);
	struct dc_audit_entry a = {o.id, NULL, "checkin.event", NULL, NULL, "event", c->request_id};
	if (rc == DC_OK && (rc = dc_audit_append(c->store, &a, NULL)))
		rc = dc__fail(c, rc, 0, "cannot write the audit log");
	if (rc == DC_OK) {
		c->status = 201;
		dc_buf_addf(body, "{\"id\":%lld,\"candidates\":%lld}", (long long)id,
		            (long long)added);
	}
	json_decref(j);
	return rc;
}

static int scan(struct dc__call *c, const struct dc_officer *o, int64_t id, struct dc_buf *body)
{
	json_t *j = NULL;
	struct dc_checkin_result r;
	struct dc_pool pool;
	int rc = dc__parse_body(c, &j);
	if (rc)
		return rc;
	dc_pool_init(&pool, 0);
	json_t *q = json_object_get(j, "qr"), *m = json_object_get(j, "mrz");
	json_t *t = json_is_string(q) ? q : m;
	if (!json_is_string(t))
		rc = dc__fail(c, DC_ERR_INVALID, 400, "qr (the QR text) or mrz is required");
	if (rc == DC_OK) {
		struct dc_date today = dc_date_today();
		rc = dc_checkin_scan(
		        c->store, c->units, id, t == q ? DC_CARD_FORM_QR : DC_CARD_FORM_MRZ,
		        json_string_value(t), json_string_length(t), &today, &r, &pool);
		if (rc == DC_ERR_NOT_FOUND)
			rc = dc__fail(c, rc, 404, "no such event");
		else if (rc)
			rc = dc__fail(c, rc, 0, "cannot check in");
	}
	if (rc == DC_OK)
		rc = audit_read(c, o, "checkin.scan", r.verdict.pin.d[0] ? r.verdict.pin.d : NULL,
		                "verification", t == q ? "qr" : "mrz");
	if (rc == DC_OK)
		rc = dc_checkin_result_json(id, &r, body);
	dc_pool_release(&pool);
	json_decref(j);
	return rc;
}

static int r_event(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	unsigned long long id;
	int rc = officer(c, &o);
	if (rc)
		return rc;
	const char *slash = memchr(c->tail, '/', c->tail_len);
	size_t il = slash ? (size_t)(slash - c->tail) : c->tail_len;
	if (!slash || il == 0 || dc_parse_uint(c->tail, il, INT64_MAX, &id))
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such resource");
	if (!h2o_memis(c->req->method.base, c->req->method.len, H2O_STRLIT("POST")))
		return dc__not_allowed(c, "POST");
	const char *sub = slash + 1;
	size_t sl = c->tail_len - il - 1;
	if (h2o_memis(sub, sl, H2O_STRLIT("scan")))
		return scan(c, &o, (int64_t)id, body);
	if (!h2o_memis(sub, sl, H2O_STRLIT("candidates")))
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such resource");
	json_t *j = NULL;
	int64_t added = 0;
	char name[8];
	if ((rc = dc__parse_body(c, &j)))
		return rc;
	rc = dc_checkin_event_get(c->store, (int64_t)id, name, sizeof name);
	if (rc)
		rc = dc__fail(c, rc, rc == DC_ERR_NOT_FOUND ? 404 : 0, "no such event");
	if (rc == DC_OK)
		rc = add_candidates(c, j, (int64_t)id, &added);
	if (rc == DC_OK)
		dc_buf_addf(body, "{\"id\":%llu,\"added\":%lld}", id, (long long)added);
	json_decref(j);
	return rc;
}

const struct dc__route dc__card_routes[] = {
        {"/api/v1/cards", 0, "*", r_cards},
        {"/api/v1/cards/", 1, "*", r_card},
        {"/api/v1/verify/qr", 0, "POST", r_verify_qr},
        {"/api/v1/verify/mrz", 0, "POST", r_verify_mrz},
        {"/api/v1/checkin/events", 0, "POST", r_events},
        {"/api/v1/checkin/events/", 1, "*", r_event},
};
const size_t dc__card_routes_n = DC_ARRAY_LEN(dc__card_routes);
