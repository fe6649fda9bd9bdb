/*
 * card.c — the identity card's lifecycle in the register: applications,
 * approval, production (issue date, expiry, the MRZ and QR payload as
 * printed), delivery, rejection and revocation, each with its event on the
 * citizen's history and its audit entry in one transaction. See
 * dancu/card.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dancu/core.h"
#include "dancu/audit.h"
#include "dancu/card.h"
#include "dancu/citizen.h"
#include "dancu/qr.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "card/card_internal.h"
#include "core/internal.h"

static const char *const kinds[] = {NULL, "first", "renewal", "exchange", "reissue"};
static const char *const states[] = {NULL,        "applied",  "approved", "produced",
                                     "delivered", "rejected", "revoked",  "replaced"};
static const char *const actions[] = {NULL, "approve", "reject", "produce", "deliver", "revoke"};

/* names[i] for 1 ≤ i < n, else NULL. */
static const char *name_at(const char *const *names, size_t n, int i)
{
	if (i < 1 || (size_t)i >= n)
		return NULL;
	return names[i];
}

const char *dc_card_kind_name(enum dc_card_kind k)
{
	return name_at(kinds, DC_ARRAY_LEN(kinds), (int)k);
}

const char *dc_card_state_name(enum dc_card_state s)
{
	return name_at(states, DC_ARRAY_LEN(states), (int)s);
}

const char *dc_card_action_name(enum dc_card_action a)
{
	return name_at(actions, DC_ARRAY_LEN(actions), (int)a);
}

static int lookup(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 1; s && i < n; i++)
		if (!strcmp(names[i], s))
			return (int)i;
	return 0;
}

enum dc_card_kind dc_card_kind_parse(const char *s)
{
	return (enum dc_card_kind)lookup(kinds, DC_ARRAY_LEN(kinds), s);
}

enum dc_card_action dc_card_action_parse(const char *s)
{
	return (enum dc_card_action)lookup(actions, DC_ARRAY_LEN(actions), s);
}

static enum dc_card_state state_parse(const char *s)
{
	return (enum dc_card_state)lookup(states, DC_ARRAY_LEN(states), s);
}

bool dc_card_reason_ok(enum dc_card_kind kind, const char *r)
{
	static const char *const ok[][6] = {
	        {NULL},
	        {"first", NULL},
	        {"age", NULL},
	        {"changed_data", "damaged", "on_request", "error", "admin_change", NULL},
	        {"lost", "nationality", NULL},
	};
	if (kind < DC_CARD_FIRST || kind > DC_CARD_REISSUE || !r)
		return false;
	for (size_t i = 0; ok[kind][i]; i++)
		if (!strcmp(ok[kind][i], r))
			return true;
	return false;
}

/* The birthday at age a; 29 February → 28 February in common years. */
static struct dc_date birthday(const struct dc_date *dob, int a)
{
	struct dc_date d = {(int16_t)(dob->year + a), dob->month ? dob->month : 1,
	                    dob->day ? dob->day : 1};
	int dim = dc_date_days_in_month(d.year, d.month);
	if (d.day > dim)
		d.day = (int8_t)dim;
	return d;
}

bool dc_card_expiry(const struct dc_date *dob, const struct dc_date *issued, struct dc_date *expiry)
{
	static const int ages[] = {14, 25, 40, 60};
	for (size_t i = 0; i < DC_ARRAY_LEN(ages); i++) {
		struct dc_date due = birthday(dob, ages[i]);
		struct dc_date window = birthday(dob, ages[i] - 2);
		/* Art. 21 cl. 2: issued within 2 years before the age → valid
		 * until the next age. [I] The boundary day (exactly 2 years
		 * before) counts as "within": confirm with C06. */
		if (dc_date_to_days(issued) < dc_date_to_days(&window)) {
			*expiry = due;
			return true;
		}
	}
	return false;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static int fail(struct dc_card_op *op, int rc, const char *why)
{
	snprintf(op->detail, sizeof op->detail, "%s", why);
	return rc;
}

#define CARD_COLUMNS                                                                        \
	"id, pin, kind, reason, state, issued, expiry, has_photo, applied_ms, updated_ms, " \
	"actor, mrz, qr"

static void read_row(struct dc_stmt *st, struct dc_card *c)
{
	size_t n;
	const char *t;
	memset(c, 0, sizeof *c);
	c->id = dc_stmt_int64(st, 0);
	copy_str(c->pin.d, sizeof c->pin.d, dc_stmt_text(st, 1, &n));
	c->kind = dc_card_kind_parse(dc_stmt_text(st, 2, &n));
	copy_str(c->reason, sizeof c->reason, dc_stmt_text(st, 3, &n));
	c->state = state_parse(dc_stmt_text(st, 4, &n));
	if ((t = dc_stmt_text(st, 5, &n)) && n)
		dc_date_parse(t, n, &c->issued);
	if ((t = dc_stmt_text(st, 6, &n)) && n)
		dc_date_parse(t, n, &c->expiry);
	c->has_photo = dc_stmt_int64(st, 7) != 0;
	c->applied_ms = dc_stmt_int64(st, 8);
	c->updated_ms = dc_stmt_int64(st, 9);
	copy_str(c->actor, sizeof c->actor, dc_stmt_text(st, 10, &n));
	copy_str(c->mrz, sizeof c->mrz, dc_stmt_text(st, 11, &n));
	copy_str(c->qr, sizeof c->qr, dc_stmt_text(st, 12, &n));
}

int dc_card_get(struct dc_store *s, int64_t id, struct dc_card *out)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s), "SELECT " CARD_COLUMNS " FROM card WHERE id = $1",
	                       &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 1, id);
	if (rc == DC_OK)
		rc = dc_stmt_step(st);
	if (rc == DC_ROW) {
		read_row(st, out);
		rc = DC_OK;
	} else if (rc == DC_DONE) {
		rc = DC_ERR_NOT_FOUND;
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc_card_list(struct dc_store *s, const struct dc_pin *pin,
                 int (*cb)(void *arg, const struct dc_card *c), void *arg)
{
	struct dc_stmt *st = NULL;
	struct dc_card c;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT " CARD_COLUMNS " FROM card WHERE pin = $1 ORDER BY id", &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_text(st, 1, pin->d, 12);
	while (rc == DC_OK) {
		rc = dc_stmt_step(st);
		if (rc != DC_ROW)
			break;
		read_row(st, &c);
		rc = cb(arg, &c);
	}
	dc_stmt_finalize(st);
	return rc;
}

enum dc_card_state dc_card_state_parse(const char *s)
{
	return s ? state_parse(s) : (enum dc_card_state)0;
}

int dc_card_queue(struct dc_store *s, enum dc_card_state state, int64_t after_id,
                  int (*cb)(void *arg, const struct dc_card *c, const char *name,
                            const char *commune),
                  void *arg)
{
	struct dc_stmt *st = NULL;
	struct dc_card c;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT card.id, card.pin, kind, reason, state, issued, expiry, "
	                       "has_photo, applied_ms, updated_ms, actor, mrz, qr, "
	                       "coalesce(z.birth_name, ''), coalesce(z.perm_commune, "
	                       "z.temp_commune, z.cur_commune, '') FROM card LEFT JOIN citizen z "
	                       "ON z.pin = card.pin WHERE card.state = $1 AND card.id > $2 "
	                       "ORDER BY card.id",
	                       &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, dc_card_state_name(state));
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 2, after_id);
	while (rc == DC_OK) {
		rc = dc_stmt_step(st);
		if (rc != DC_ROW)
			break;
		read_row(st, &c);
		rc = cb(arg, &c, dc_stmt_text(st, 13, NULL), dc_stmt_text(st, 14, NULL));
	}
	dc_stmt_finalize(st);
	return rc == DC_DONE ? DC_OK : rc;
}

/* Counts the citizen's cards in the given states (a SQL IN list). */
static int count_cards(struct dc_store *s, const struct dc_pin *pin, const char *in_list,
                       int64_t *n)
{
	char sql[200];
	struct dc_stmt *st = NULL;
	snprintf(sql, sizeof sql, "SELECT count(*) FROM card WHERE pin = $1 AND state IN (%s)",
	         in_list);
	int rc = dc_db_prepare(dc_store_db(s), sql, &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_text(st, 1, pin->d, 12);
	if (rc == DC_OK)
		rc = dc_stmt_step(st);
	if (rc == DC_ROW) {
		*n = dc_stmt_int64(st, 0);
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	return rc;
}

/* The expiry of the citizen's newest issued card (year 0: none, issued at
 * 58 or later); *found = 0 when no card was ever issued. */
static int last_expiry(struct dc_store *s, const struct dc_pin *pin, struct dc_date *exp,
                       int *found)
{
	struct dc_stmt *st = NULL;
	size_t n = 0;
	*found = 0;
	memset(exp, 0, sizeof *exp);
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT expiry FROM card WHERE pin = $1 AND state IN ('produced', "
	                       "'delivered', 'revoked', 'replaced') ORDER BY id DESC LIMIT 1",
	                       &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_text(st, 1, pin->d, 12);
	if (rc == DC_OK)
		rc = dc_stmt_step(st);
	if (rc == DC_ROW) {
		*found = 1;
		const char *t = dc_stmt_text(st, 0, &n);
		if (t && n)
			dc_date_parse(t, n, exp);
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	return rc == DC_DONE ? DC_OK : rc;
}

/* Law on Identification Art. 21: a renewal for age is due when the card
 * reaches its expiry (the birthday of the next renewal age, 14, 25, 40 or
 * 60); a card renewed within the two years before that age is valid until
 * the following one, so the application window opens two years before the
 * expiry and stays open after it (late renewals are still renewals). */
static int renewal_window(struct dc_store *s, const struct dc_pin *pin, struct dc_card_op *op)
{
	struct dc_date exp;
	int found = 0;
	int rc = last_expiry(s, pin, &exp, &found);
	if (rc || !found)
		return rc; /* no card: the caller refuses it as "never had a card" */
	if (!exp.year) {
		op->rule = "card.renewal_no_expiry";
		snprintf(op->detail, sizeof op->detail,
		         "card.renewal_no_expiry: the current card has no expiry (issued at 58 or "
		         "later); no renewal for age is due");
		return DC_ERR_RULE;
	}
	struct dc_date open = {(int16_t)(exp.year - 2), exp.month, exp.day};
	int dim = dc_date_days_in_month(open.year, open.month);
	if (open.day > dim)
		open.day = (int8_t)dim;
	if (dc_date_to_days(&op->today) < dc_date_to_days(&open)) {
		char e[DC_DATE_ISO_MAX], o[DC_DATE_ISO_MAX];
		dc_date_iso(&exp, e);
		dc_date_iso(&open, o);
		op->rule = "card.renewal_too_early";
		snprintf(
		        op->detail, sizeof op->detail,
		        "card.renewal_too_early: the card is valid until %s; a renewal for age can "
		        "be filed from %s (2 years before)",
		        e, o);
		return DC_ERR_RULE;
	}
	return DC_OK;
}

/* The event on the citizen's history and the audit entry of a transition;
 * inside the caller's transaction. */
static int record(struct dc_store *s, const struct dc_card *c, const char *verb, const char *from,
                  const struct dc_card_op *op, int64_t other)
{
	char kind[32], before[96], after[160];
	struct dc_stmt *st = NULL;
	snprintf(kind, sizeof kind, "card.%s", verb);
	if (from)
		snprintf(before, sizeof before, "{\"card\":%lld,\"state\":\"%s\"}",
		         (long long)c->id, from);
	else
		snprintf(before, sizeof before, "{}");
	if (other)
		snprintf(after, sizeof after,
		         "{\"card\":%lld,\"state\":\"%s\",\"kind\":\"%s\",\"replaced\":%lld}",
		         (long long)c->id, dc_card_state_name(c->state), dc_card_kind_name(c->kind),
		         (long long)other);
	else
		snprintf(after, sizeof after, "{\"card\":%lld,\"state\":\"%s\",\"kind\":\"%s\"}",
		         (long long)c->id, dc_card_state_name(c->state),
		         dc_card_kind_name(c->kind));
	int rc = dc_db_prepare(dc_store_db(s),
	                       "INSERT INTO event (pin, kind, actor, reason, evidence, at_ms, "
	                       "before_json, after_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
	                       &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_text(st, 1, c->pin.d, 12);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 2, kind);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 3, op->actor);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 4, op->reason ? op->reason : c->reason);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 5, op->evidence);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 6, dc_now_ms());
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 7, before);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 8, after);
	if (rc == DC_OK)
		rc = dc_stmt_step(st);
	if (rc == DC_DONE)
		rc = DC_OK;
	dc_stmt_finalize(st);
	struct dc_audit_entry a = {op->actor, NULL, kind, c->pin.d, NULL, "card", op->request_id};
	if (rc == DC_OK)
		rc = dc_audit_append(s, &a, NULL);
	return rc;
}

static int citizen_alive(struct dc_store *s, const struct dc_pin *pin, struct dc_card_op *op,
                         struct dc_citizen *x, struct dc_pool *pool)
{
	int rc = dc_store_citizen_get(s, pin, x, pool);
	if (rc == DC_ERR_NOT_FOUND)
		return fail(op, rc, "no citizen with this personal ID number");
	if (rc)
		return fail(op, rc, "cannot read the register");
	if (x->status != DC_STATUS_ALIVE)
		return fail(op, DC_ERR_CONFLICT,
		            x->status == DC_STATUS_DEAD
		                    ? "the citizen's death is registered: no card is issued"
		                    : "the citizen is declared missing: no card is issued");
	return DC_OK;
}

int dc_card_apply(struct dc_store *s, const struct dc_pin *pin, enum dc_card_kind kind,
                  struct dc_card_op *op, struct dc_card *out)
{
	struct dc_pool pool;
	struct dc_citizen x;
	struct dc_stmt *st = NULL;
	int64_t earlier = 0, open = 0;
	int in_tx = 0;
	dc_pool_init(&pool, 4096);
	op->detail[0] = '\0';
	op->rule = NULL;
	int rc = DC_OK;
	if (!dc_card_kind_name(kind))
		rc = fail(op, DC_ERR_INVALID, "kind must be first, renewal, exchange or reissue");
	else if (!dc_card_reason_ok(kind, op->reason))
		rc = fail(op, DC_ERR_INVALID,
		          kind == DC_CARD_FIRST     ? "a first card's reason is \"first\""
		          : kind == DC_CARD_RENEWAL ? "a renewal's reason is \"age\""
		          : kind == DC_CARD_EXCHANGE
		                  ? "an exchange's reason is changed_data, damaged, on_request, "
		                    "error or admin_change"
		                  : "a reissue's reason is lost or nationality");
	if (rc == DC_OK && (rc = dc_store_begin(s)) == DC_OK)
		in_tx = 1;
	if (rc == DC_OK)
		rc = citizen_alive(s, pin, op, &x, &pool);
	if (rc == DC_OK)
		rc = count_cards(s, pin, "'produced', 'delivered', 'revoked', 'replaced'",
		                 &earlier);
	if (rc == DC_OK)
		rc = count_cards(s, pin, "'applied', 'approved', 'produced'", &open);
	if (rc == DC_OK && open)
		rc = fail(op, DC_ERR_CONFLICT, "an application for this citizen is already open");
	else if (rc == DC_OK && kind == DC_CARD_FIRST && earlier)
		rc = fail(
		        op, DC_ERR_INVALID,
		        "the citizen already had a card: apply for a renewal, exchange or reissue");
	else if (rc == DC_OK && kind != DC_CARD_FIRST && !earlier)
		rc = fail(op, DC_ERR_INVALID,
		          "the citizen never had a card: apply for a first card");
	else if (rc == DC_OK && kind == DC_CARD_RENEWAL)
		rc = renewal_window(s, pin, op);
	int64_t t = dc_now_ms();
	if (rc == DC_OK)
		rc = dc_db_prepare(dc_store_db(s),
		                   "INSERT INTO card (pin, kind, reason, state, applied_ms, "
		                   "updated_ms, actor) VALUES ($1, $2, $3, 'applied', $4, $4, $5) "
		                   "RETURNING id",
		                   &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_text(st, 1, pin->d, 12);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 2, dc_card_kind_name(kind));
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 3, op->reason);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 4, t);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 5, op->actor);
	if (rc == DC_OK && (rc = dc_stmt_step(st)) == DC_ERR_CONFLICT) /* a racing apply */
		fail(op, rc, "an application for this citizen is already open");
	if (rc == DC_ROW) {
		memset(out, 0, sizeof *out);
		out->id = dc_stmt_int64(st, 0);
		out->pin = *pin;
		out->kind = kind;
		copy_str(out->reason, sizeof out->reason, op->reason);
		out->state = DC_CARD_APPLIED;
		out->applied_ms = out->updated_ms = t;
		copy_str(out->actor, sizeof out->actor, op->actor);
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	if (rc == DC_OK)
		rc = record(s, out, "apply", NULL, op, 0);
	if (in_tx)
		rc = rc ? (dc_store_rollback(s), rc) : dc_store_commit(s);
	if (rc && !op->detail[0])
		fail(op, rc, "the application could not be stored");
	dc_pool_release(&pool);
	return rc;
}

/* The residence printed on the card: street address, commune, province. */
void dc__card_residence(const struct dc_citizen *x, const struct dc_units *u, struct dc_buf *b)
{
	const char *cm = x->perm_commune   ? x->perm_commune
	                 : x->temp_commune ? x->temp_commune
	                                   : x->cur_commune;
	const char *addr = x->perm_commune   ? x->perm_address
	                   : x->temp_commune ? x->temp_address
	                                     : x->cur_address;
	if (addr && *addr)
		dc_buf_adds(b, addr);
	const struct dc_commune *c = cm && u ? dc_units_commune(u, cm, strlen(cm)) : NULL;
	if (c) {
		const struct dc_province *p = dc_units_province(u, c->province_code, 2);
		dc_buf_addf(b, "%s%s", b->len ? ", " : "", c->name);
		if (p)
			dc_buf_addf(b, ", %s", p->name);
	}
}

int dc__card_artefacts(const struct dc_card *c, const struct dc_citizen *x,
                       const struct dc_units *u, char mrz[DC_MRZ_TEXT_MAX], struct dc_buf *qr,
                       const char **why)
{
	struct dc_buf addr = DC_BUF_INIT;
	int rc = DC_OK;
	struct dc_mrz_input mi = {x->pin.d, x->birth_name, x->dob, x->sex, c->expiry};
	if (dc_mrz_build(&mi, mrz)) {
		*why = "the record cannot make a valid MRZ (name, birth year and number needed)";
		rc = DC_ERR_INVALID;
		goto cleanup;
	}
	dc__card_residence(x, u, &addr);
	struct dc_qr_card q = {x->pin.d, x->cmnd9 ? x->cmnd9 : "", x->birth_name, x->dob,
	                       x->sex,   dc_buf_str(&addr),        c->issued,     0,
	                       {NULL}};
	if (dc_qr_build(&q, qr)) {
		*why = "the record cannot make a valid QR payload (full date of birth, sex M/F and "
		       "a name are needed)";
		rc = DC_ERR_INVALID;
	}
cleanup:
	dc_buf_release(&addr);
	return rc;
}

/* Fixes issue date, expiry, photo, MRZ and QR of card c from record x. */
static int produce(struct dc_card *c, const struct dc_citizen *x, const struct dc_units *u,
                   struct dc_card_op *op)
{
	struct dc_buf qr = DC_BUF_INIT;
	const char *why = NULL;
	int rc = DC_OK;
	c->issued = op->issued.year ? op->issued : op->today;
	if (dc_date_precision(&c->issued) != DC_DATE_DAY ||
	    dc_date_cmp(&c->issued, &op->today) > 0 || dc_date_cmp(&c->issued, &x->dob) < 0) {
		rc = fail(op, DC_ERR_INVALID,
		          "the issue date must be a full date between birth and today");
		goto cleanup;
	}
	if (!dc_card_expiry(&x->dob, &c->issued, &c->expiry))
		memset(&c->expiry, 0, sizeof c->expiry);
	c->has_photo = dc_date_age(&x->dob, &c->issued) >= 6;
	rc = dc__card_artefacts(c, x, u, c->mrz, &qr, &why);
	if (rc == DC_OK && qr.len >= sizeof c->qr) {
		why = "the QR payload is too long";
		rc = DC_ERR_INVALID;
	}
	if (rc) {
		fail(op, rc, why);
		goto cleanup;
	}
	memcpy(c->qr, qr.ptr, qr.len + 1);
cleanup:
	dc_buf_release(&qr);
	return rc;
}

int dc_card_act(struct dc_store *s, const struct dc_units *units, int64_t id,
                enum dc_card_action action, struct dc_card_op *op, struct dc_card *out)
{
	static const struct {
		enum dc_card_state from1, from2, to;
	} moves[] = {
	        [DC_CARD_APPROVE] = {DC_CARD_APPLIED, DC_CARD_APPLIED, DC_CARD_APPROVED},
	        [DC_CARD_REJECT] = {DC_CARD_APPLIED, DC_CARD_APPROVED, DC_CARD_REJECTED},
	        [DC_CARD_PRODUCE] = {DC_CARD_APPROVED, DC_CARD_APPROVED, DC_CARD_PRODUCED},
	        [DC_CARD_DELIVER] = {DC_CARD_PRODUCED, DC_CARD_PRODUCED, DC_CARD_DELIVERED},
	        [DC_CARD_REVOKE] = {DC_CARD_PRODUCED, DC_CARD_DELIVERED, DC_CARD_REVOKED},
	};
	struct dc_card c;
	struct dc_citizen x;
	struct dc_pool pool;
	struct dc_stmt *st = NULL;
	int64_t replaced = 0;
	int in_tx = 0;
	memset(&c, 0, sizeof c);
	dc_pool_init(&pool, 4096);
	op->detail[0] = '\0';
	if (!dc_card_action_name(action))
		DC_BUG("unknown card action");
	int rc = dc_store_begin(s);
	if (rc == DC_OK)
		in_tx = 1;
	if (rc == DC_OK && (rc = dc_card_get(s, id, &c)) == DC_ERR_NOT_FOUND)
		fail(op, rc, "no card application with this id");
	enum dc_card_state from = c.state;
	if (rc == DC_OK && from != moves[action].from1 && from != moves[action].from2) {
		snprintf(op->detail, sizeof op->detail, "a card in state %s cannot be %s",
		         dc_card_state_name(from),
		         action == DC_CARD_APPROVE   ? "approved"
		         : action == DC_CARD_REJECT  ? "rejected"
		         : action == DC_CARD_PRODUCE ? "produced"
		         : action == DC_CARD_DELIVER ? "delivered"
		                                     : "revoked");
		rc = DC_ERR_CONFLICT;
	}
	if (rc == DC_OK && action != DC_CARD_REJECT && action != DC_CARD_REVOKE)
		rc = citizen_alive(s, &c.pin, op, &x, &pool);
	if (rc == DC_OK && action == DC_CARD_PRODUCE)
		rc = produce(&c, &x, units, op);
	if (rc == DC_OK && action == DC_CARD_DELIVER) {
		/* The previous valid card is superseded by this one. */
		struct dc_stmt *q = NULL;
		rc = dc_db_prepare(
		        dc_store_db(s),
		        "UPDATE card SET state = 'replaced', updated_ms = $2 WHERE pin = "
		        "$1 AND state = 'delivered' RETURNING id",
		        &q);
		if (rc == DC_OK)
			rc = dc_stmt_bind_text(q, 1, c.pin.d, 12);
		if (rc == DC_OK)
			rc = dc_stmt_bind_int64(q, 2, dc_now_ms());
		if (rc == DC_OK)
			rc = dc_stmt_step(q);
		if (rc == DC_ROW) {
			replaced = dc_stmt_int64(q, 0);
			rc = dc_stmt_step(q);
		}
		if (rc == DC_DONE)
			rc = DC_OK;
		dc_stmt_finalize(q);
	}
	char iss[DC_DATE_ISO_MAX], exp[DC_DATE_ISO_MAX];
	dc_date_iso(&c.issued, iss);
	dc_date_iso(&c.expiry, exp);
	if (rc == DC_OK)
		rc = dc_db_prepare(
		        dc_store_db(s),
		        "UPDATE card SET state = $2, updated_ms = $3, actor = $4, issued "
		        "= $5, expiry = $6, has_photo = $7, mrz = $8, qr = $9 WHERE id = "
		        "$1 AND state = $10",
		        &st);
	c.state = moves[action].to;
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 1, id);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 2, dc_card_state_name(c.state));
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 3, c.updated_ms = dc_now_ms());
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 4, op->actor);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 5, iss);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 6, exp);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 7, c.issued.year ? c.has_photo : 1);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 8, c.mrz);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 9, c.qr);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 10, dc_card_state_name(from));
	if (rc == DC_OK)
		rc = dc_stmt_step(st);
	if (rc == DC_DONE)
		rc = dc_stmt_changes(st) == 1
		             ? DC_OK
		             : fail(op, DC_ERR_CONFLICT, "another officer moved this card first");
	if (rc == DC_ERR_CONFLICT && !op->detail[0])
		fail(op, rc, "the citizen already has a valid card");
	dc_stmt_finalize(st);
	copy_str(c.actor, sizeof c.actor, op->actor);
	if (rc == DC_OK)
		rc = record(s, &c, dc_card_action_name(action), dc_card_state_name(from), op,
		            replaced);
	if (in_tx)
		rc = rc ? (dc_store_rollback(s), rc) : dc_store_commit(s);
	if (rc == DC_OK && out)
		*out = c;
	if (rc && !op->detail[0])
		fail(op, rc, "the card could not be updated");
	dc_pool_release(&pool);
	return rc;
}

int dc_card_json(const struct dc_card *c, bool with_artefacts, struct dc_buf *out)
{
	char iss[DC_DATE_ISO_MAX], exp[DC_DATE_ISO_MAX];
	dc_date_iso(&c->issued, iss);
	dc_date_iso(&c->expiry, exp);
	dc_buf_addf(
	        out,
	        "{\"id\":%lld,\"pin\":\"%s\",\"kind\":\"%s\",\"reason\":\"%s\",\"state\":\"%s\","
	        "\"issued\":%s%s%s,\"expiry\":%s%s%s,\"no_expiry\":%s,\"has_photo\":%s,"
	        "\"applied_ms\":%lld,\"updated_ms\":%lld,\"actor\":\"",
	        (long long)c->id, c->pin.d, dc_card_kind_name(c->kind), c->reason,
	        dc_card_state_name(c->state), *iss ? "\"" : "", *iss ? iss : "null",
	        *iss ? "\"" : "", *exp ? "\"" : "", *exp ? exp : "null", *exp ? "\"" : "",
	        c->issued.year && !c->expiry.year ? "true" : "false",
	        c->has_photo ? "true" : "false", (long long)c->applied_ms,
	        (long long)c->updated_ms);
	dc_buf_add_json_str(out, c->actor, strlen(c->actor));
	dc_buf_addc(out, '"');
	if (with_artefacts && c->mrz[0]) {
		dc_buf_adds(out, ",\"mrz\":\"");
		dc_buf_add_json_str(out, c->mrz, strlen(c->mrz));
		dc_buf_adds(out, "\",\"qr\":\"");
		dc_buf_add_json_str(out, c->qr, strlen(c->qr));
		dc_buf_addc(out, '"');
	}
	return dc_buf_addc(out, '}');
}
