/*
 * dossier.c — residence procedures as dossiers: validation at the counter,
 * the state machine, legal deadlines, and, on approval, the change to the
 * register (citizen record with its event, household, temporary term,
 * temporary absence) in the same transaction as the state change and its
 * audit entry. See dancu/residence.h for the life of a dossier.
 *
 * Procedure details (the payload, a JSON object) by kind:
 *   perm_register   commune, address, household: "new" | {"id", "relation"},
 *                   new_head_pin when the citizen heads a household others stay in
 *   perm_delete     ground (Art. 24(1): a b c d dd e g h i), new_head_pin as above
 *   temp_register   commune, address, until (≤ 2 years from today)
 *   temp_extend     until (≤ 2 years after the current term; filed ≤ 15 days before its end)
 *   temp_delete     ground (Art. 29(1): 1–8)
 *   household_split members (pins of the same household leaving with the
 *                   citizen, who becomes the new head), relations {pin: code}
 *   household_merge into (the household joined, in the same commune), relation
 *                   (of the citizen — the head of the household that merges — to
 *                   the new head), relations {pin: code} for the other members
 *   temp_absence    from, to, destination, case (Art. 31(1): a b c d), reason
 *   confirm         (nothing) — the result is the CT07 content
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>

#include "dancu/audit.h"
#include "dancu/citizen.h"
#include "dancu/db.h"
#include "dancu/pool.h"
#include "dancu/residence.h"
#include "dancu/rules.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "core/internal.h"

static const struct {
	const char *name, *tthc;
	int half;
	const char *vi, *en;
} kinds[] = {
#define DC__KIND_ROW(name, tthc, half, vi, en) {#name, tthc, half, vi, en},
        DC_DOSSIER_KINDS(DC__KIND_ROW)
#undef DC__KIND_ROW
};

static const char *const states[] = {"submitted", "processing", "supplement", "approved",
                                     "rejected"};

const char *dc_dossier_kind_name(enum dc_dossier_kind k)
{
	return (unsigned)k < DC_DOSSIER_NKINDS ? kinds[k].name : "unknown";
}

const char *dc_dossier_kind_label(enum dc_dossier_kind k, int vietnamese)
{
	return (unsigned)k < DC_DOSSIER_NKINDS ? (vietnamese ? kinds[k].vi : kinds[k].en) : "";
}

const char *dc_dossier_kind_tthc(enum dc_dossier_kind k)
{
	return (unsigned)k < DC_DOSSIER_NKINDS ? kinds[k].tthc : "";
}

int dc_dossier_kind_half_days(enum dc_dossier_kind k)
{
	return (unsigned)k < DC_DOSSIER_NKINDS ? kinds[k].half : 0;
}

int dc_dossier_kind_parse(const char *s, enum dc_dossier_kind *out)
{
	for (size_t i = 0; s && i < DC_ARRAY_LEN(kinds); i++)
		if (!strcmp(s, kinds[i].name)) {
			*out = (enum dc_dossier_kind)i;
			return DC_OK;
		}
	return DC_ERR_INVALID;
}

const char *dc_dossier_state_name(enum dc_dossier_state s)
{
	return (unsigned)s < DC_ARRAY_LEN(states) ? states[s] : "unknown";
}

int dc_dossier_state_parse(const char *s, enum dc_dossier_state *out)
{
	for (size_t i = 0; s && i < DC_ARRAY_LEN(states); i++)
		if (!strcmp(s, states[i])) {
			*out = (enum dc_dossier_state)i;
			return DC_OK;
		}
	return DC_ERR_INVALID;
}

/* --- helpers ------------------------------------------------------------------ */

static int fail(struct dc_residence_ctx *ctx, int rc, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int fail(struct dc_residence_ctx *ctx, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx->err, sizeof ctx->err, fmt, ap);
	va_end(ap);
	return rc;
}

static const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) && json_string_length(v) ? json_string_value(v) : NULL;
}

static int64_t local_days(int64_t ms)
{
	int64_t l = ms + 7 * 3600 * 1000LL;
	return l >= 0 ? l / 86400000LL : (l - 86399999LL) / 86400000LL;
}

static struct dc_date today_at(int64_t ms)
{
	return dc_date_from_days(local_days(ms));
}

static int full_date(const char *s, struct dc_date *d)
{
	return s && !dc_date_parse(s, strlen(s), d) && d->day ? DC_OK : DC_ERR_INVALID;
}

static int load_citizen(struct dc_residence_ctx *ctx, const char *pin, struct dc_citizen *x,
                        struct dc_pool *pool)
{
	struct dc_pin p;
	if (!pin || dc_pin_parse(pin, strlen(pin), &p))
		return fail(ctx, DC_ERR_INVALID, "pin must be a valid 12-digit personal ID number");
	int rc = dc_store_citizen_get(ctx->store, &p, x, pool);
	if (rc == DC_ERR_NOT_FOUND)
		return fail(ctx, rc, "no citizen with the personal ID number %s", pin);
	if (rc)
		return fail(ctx, rc, "cannot read the register");
	return DC_OK;
}

/* Living members of a household other than `except`, into pins (max n);
 * returns the count (may exceed n) or a negative error. */
static int household_members(struct dc_store *s, const char *hh, const char *except,
                             char (*pins)[13], int n)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT pin FROM citizen WHERE household_id = $1 AND status = "
	                       "'alive' ORDER BY pin",
	                       &st);
	int count = 0;
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, hh);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == 1) {
		size_t len;
		const char *p = dc_stmt_text(st, 0, &len);
		if (except && !strcmp(p, except)) {
			rc = DC_OK;
			continue;
		}
		if (count < n)
			snprintf(pins[count], sizeof pins[count], "%.12s", p);
		count++;
		rc = DC_OK;
	}
	dc_stmt_finalize(st);
	return rc < 0 ? rc : count;
}

/* The head question when x leaves its household: DC_OK when x is not a head
 * with others staying, or new_head is one of those others. */
static int check_new_head(struct dc_residence_ctx *ctx, const struct dc_citizen *x,
                          const char *new_head)
{
	char others[64][13];
	if (!x->household_id || !x->head_relation || strcmp(x->head_relation, "head"))
		return DC_OK;
	int n = household_members(ctx->store, x->household_id, x->pin.d, others, 64);
	if (n < 0)
		return fail(ctx, n, "cannot read the household");
	if (n == 0)
		return DC_OK;
	for (int i = 0; new_head && i < n && i < 64; i++)
		if (!strcmp(others[i], new_head))
			return DC_OK;
	return fail(ctx, DC_ERR_CONFLICT,
	            "the citizen heads household %s where %d other member(s) stay: name the new "
	            "head among them (new_head_pin)",
	            x->household_id, n);
}

static int relation_ok(const char *r)
{
	static const char *const codes[] = {
#define DC__REL(code, vi, en) #code,
	        DC_RELATIONS(DC__REL)
#undef DC__REL
	};
	for (size_t i = 0; r && i < DC_ARRAY_LEN(codes); i++)
		if (!strcmp(r, codes[i]))
			return 1;
	return 0;
}

static int ground_ok(const char *g, const char *const *list)
{
	for (size_t i = 0; g && list[i]; i++)
		if (!strcmp(g, list[i]))
			return 1;
	return 0;
}

static const char *const perm_grounds[] = {"a", "b", "c", "d", "dd", "e", "g", "h", "i", NULL};
static const char *const temp_grounds[] = {"1", "2", "3", "4", "5", "6", "7", "8", NULL};
static const char *const absence_cases[] = {"a", "b", "c", "d", NULL};

/* The current temporary term of pin: 1 found (dates filled), 0 none, <0 error. */
static int temp_term(struct dc_store *s, const char *pin, struct dc_date *from,
                     struct dc_date *until)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s),
	                       "SELECT from_date, until_date FROM residence_term WHERE pin = $1",
	                       &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, pin);
	if (rc == DC_OK && (rc = dc_stmt_step(st)) == 1) {
		size_t l1, l2;
		const char *a = dc_stmt_text(st, 0, &l1), *b = dc_stmt_text(st, 1, &l2);
		if (dc_date_parse(a, l1, from) || dc_date_parse(b, l2, until))
			rc = DC_ERR_DB;
	}
	dc_stmt_finalize(st);
	return rc;
}

/* Checks the payload of kind k for citizen x; sets the processing commune. */
static int validate(struct dc_residence_ctx *ctx, enum dc_dossier_kind k,
                    const struct dc_citizen *x, json_t *p, const char *commune_in,
                    const char **commune)
{
	const char *c = jstr(p, "commune"), *addr = jstr(p, "address");
	struct dc_date today = today_at(ctx->now_ms), d1, d2;
	int64_t t = dc_date_to_days(&today);
	int rc;
	if (x->status != DC_STATUS_ALIVE && k != DC_DOSSIER_perm_delete &&
	    k != DC_DOSSIER_temp_delete)
		return fail(ctx, DC_ERR_CONFLICT,
		            "the citizen is registered as dead or missing: only a deletion is "
		            "possible");
	switch (k) {
	case DC_DOSSIER_perm_register:
	case DC_DOSSIER_temp_register:
		if (!c || !dc_units_commune(ctx->units, c, strlen(c)))
			return fail(ctx, DC_ERR_INVALID,
			            "commune must be a valid 5-digit commune code");
		if (!addr || strlen(addr) > 300)
			return fail(ctx, DC_ERR_INVALID,
			            "address (the street address in the commune, ≤ 300 bytes) is "
			            "required");
		*commune = c;
		if (k == DC_DOSSIER_temp_register) {
			if (x->perm_commune && !strcmp(x->perm_commune, c))
				return fail(ctx, DC_ERR_CONFLICT,
				            "temporary residence cannot be registered in the "
				            "commune of "
				            "permanent residence");
			if (full_date(jstr(p, "until"), &d1) || dc_date_to_days(&d1) <= t ||
			    dc_date_to_days(&d1) > t + 731)
				return fail(
				        ctx, DC_ERR_INVALID,
				        "until must be a date after today and at most 2 years away "
				        "(Art. 27)");
			return DC_OK;
		}
		json_t *hh = json_object_get(p, "household");
		if (json_is_string(hh) && !strcmp(json_string_value(hh), "new")) {
			/* a new household headed by the citizen */
		} else if (json_is_object(hh)) {
			const char *id = jstr(hh, "id"), *rel = jstr(hh, "relation");
			char head[1][13];
			if (!id || !relation_ok(rel) || !strcmp(rel, "head"))
				return fail(ctx, DC_ERR_INVALID,
				            "household.id and household.relation (a relation code "
				            "other "
				            "than head) are required to join a household");
			int n = household_members(ctx->store, id, x->pin.d, head, 1);
			if (n < 0)
				return fail(ctx, n, "cannot read the household");
			if (n == 0)
				return fail(ctx, DC_ERR_NOT_FOUND,
				            "no household %s with living members", id);
		} else {
			return fail(ctx, DC_ERR_INVALID,
			            "household must be \"new\" or {\"id\":…, \"relation\":…}");
		}
		return check_new_head(ctx, x, jstr(p, "new_head_pin"));
	case DC_DOSSIER_perm_delete:
		if (!x->perm_commune)
			return fail(ctx, DC_ERR_CONFLICT, "the citizen has no permanent residence");
		if (!ground_ok(jstr(p, "ground"), perm_grounds))
			return fail(ctx, DC_ERR_INVALID,
			            "ground must be one of Art. 24(1): a b c d dd e g h i");
		*commune = x->perm_commune;
		return x->status != DC_STATUS_ALIVE
		               ? DC_OK
		               : check_new_head(ctx, x, jstr(p, "new_head_pin"));
	case DC_DOSSIER_temp_extend:
		rc = temp_term(ctx->store, x->pin.d, &d1, &d2);
		if (rc < 0)
			return fail(ctx, rc, "cannot read the temporary residence");
		if (rc == 0 || !x->temp_commune)
			return fail(ctx, DC_ERR_CONFLICT,
			            "the citizen has no temporary residence term");
		if (dc_date_to_days(&d2) - t > 15 || dc_date_to_days(&d2) < t)
			return fail(ctx, DC_ERR_CONFLICT,
			            "an extension is filed within the 15 days before the term ends "
			            "(it ends on %04d-%02d-%02d)",
			            d2.year, d2.month, d2.day);
		if (full_date(jstr(p, "until"), &d1) ||
		    dc_date_to_days(&d1) <= dc_date_to_days(&d2) ||
		    dc_date_to_days(&d1) > dc_date_to_days(&d2) + 731)
			return fail(
			        ctx, DC_ERR_INVALID,
			        "until must be after the current term's end and at most 2 years "
			        "after it");
		*commune = x->temp_commune;
		return DC_OK;
	case DC_DOSSIER_temp_delete:
		if (!x->temp_commune)
			return fail(ctx, DC_ERR_CONFLICT, "the citizen has no temporary residence");
		if (!ground_ok(jstr(p, "ground"), temp_grounds))
			return fail(ctx, DC_ERR_INVALID,
			            "ground must be one of Art. 29(1): 1 to 8");
		*commune = x->temp_commune;
		return DC_OK;
	case DC_DOSSIER_household_split: {
		json_t *m = json_object_get(p, "members"), *v;
		size_t i;
		if (!x->household_id || !x->perm_commune)
			return fail(ctx, DC_ERR_CONFLICT, "the citizen is not in a household");
		if (x->head_relation && !strcmp(x->head_relation, "head"))
			return fail(
			        ctx, DC_ERR_CONFLICT,
			        "the head stays with the household; the members who leave file the "
			        "split");
		if (m && !json_is_array(m))
			return fail(ctx, DC_ERR_INVALID,
			            "members must be an array of personal ID numbers");
		char all[64][13];
		int n = household_members(ctx->store, x->household_id, x->pin.d, all, 64);
		if (n < 0)
			return fail(ctx, n, "cannot read the household");
		json_array_foreach (m, i, v) {
			int found = 0;
			for (int j = 0; j < n && j < 64; j++)
				found |= json_is_string(v) && !strcmp(all[j], json_string_value(v));
			if (!found)
				return fail(ctx, DC_ERR_INVALID,
				            "members[%zu] is not a living member of household %s",
				            i, x->household_id);
		}
		json_t *rels = json_object_get(p, "relations");
		const char *key;
		json_object_foreach (rels, key, v)
			if (!json_is_string(v) || !relation_ok(json_string_value(v)) ||
			    !strcmp(json_string_value(v), "head"))
				return fail(
				        ctx, DC_ERR_INVALID,
				        "relations must map members to relation codes other than "
				        "head");
		*commune = x->perm_commune;
		return DC_OK;
	}
	case DC_DOSSIER_household_merge: {
		const char *into = jstr(p, "into"), *rel = jstr(p, "relation"), *key;
		json_t *v, *rels = json_object_get(p, "relations");
		char head[1][13];
		if (!x->household_id || !x->head_relation || strcmp(x->head_relation, "head"))
			return fail(ctx, DC_ERR_CONFLICT,
			            "the head of the household that joins another files the merge");
		if (!into || !strcmp(into, x->household_id))
			return fail(ctx, DC_ERR_INVALID, "into must name another household");
		if (!relation_ok(rel) || !strcmp(rel, "head"))
			return fail(
			        ctx, DC_ERR_INVALID,
			        "relation (of the citizen to the new head, not head) is required");
		json_object_foreach (rels, key, v)
			if (!json_is_string(v) || !relation_ok(json_string_value(v)) ||
			    !strcmp(json_string_value(v), "head"))
				return fail(
				        ctx, DC_ERR_INVALID,
				        "relations must map members to relation codes other than "
				        "head");
		int n = household_members(ctx->store, into, NULL, head, 1);
		if (n < 0)
			return fail(ctx, n, "cannot read the household");
		if (n == 0)
			return fail(ctx, DC_ERR_NOT_FOUND, "no household %s with living members",
			            into);
		struct dc_citizen h;
		struct dc_pool hp;
		dc_pool_init(&hp, 0);
		int hrc = load_citizen(ctx, head[0], &h, &hp);
		int same = hrc == DC_OK && h.perm_commune && x->perm_commune &&
		           !strcmp(h.perm_commune, x->perm_commune);
		dc_pool_release(&hp);
		if (hrc)
			return hrc;
		if (!same)
			return fail(ctx, DC_ERR_CONFLICT,
			            "the households are in different communes: that is a permanent "
			            "residence registration");
		*commune = x->perm_commune;
		return DC_OK;
	}
	case DC_DOSSIER_temp_absence:
		if (full_date(jstr(p, "from"), &d1) || full_date(jstr(p, "to"), &d2) ||
		    dc_date_to_days(&d2) < dc_date_to_days(&d1) || dc_date_to_days(&d2) < t)
			return fail(ctx, DC_ERR_INVALID,
			            "from and to must be dates, from ≤ to, and to not in the past");
		if (!jstr(p, "destination"))
			return fail(ctx, DC_ERR_INVALID, "destination is required");
		if (!ground_ok(jstr(p, "case"), absence_cases))
			return fail(ctx, DC_ERR_INVALID, "case must be one of Art. 31(1): a b c d");
		if (!x->perm_commune)
			return fail(ctx, DC_ERR_CONFLICT,
			            "temporary absence is declared at the commune of permanent "
			            "residence; the citizen has none");
		*commune = x->perm_commune;
		return DC_OK;
	case DC_DOSSIER_confirm:
		*commune =
		        commune_in && dc_units_commune(ctx->units, commune_in, strlen(commune_in))
		                ? commune_in
		        : x->perm_commune ? x->perm_commune
		        : x->temp_commune ? x->temp_commune
		                          : x->cur_commune;
		if (!*commune)
			return fail(ctx, DC_ERR_CONFLICT, "the citizen has no recorded residence");
		return DC_OK;
	case DC_DOSSIER_NKINDS:
		break;
	}
	return fail(ctx, DC_ERR_INVALID, "unknown kind");
}

static int audit(struct dc_residence_ctx *ctx, const char *action, const char *pin,
                 const char *fields)
{
	struct dc_audit_entry a = {ctx->actor, NULL,           action, pin, "residence_procedure",
	                           fields,     ctx->request_id};
	return dc_audit_append(ctx->store, &a, NULL);
}

static int add_step(struct dc_residence_ctx *ctx, const char *id, const char *action,
                    const char *from, const char *to, const char *note)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(ctx->store),
	                       "INSERT INTO dossier_step (dossier_id, at_ms, actor, action, "
	                       "from_state, to_state, note) VALUES ($1, $2, $3, $4, $5, $6, $7)",
	                       &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, id);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 2, ctx->now_ms);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 3, ctx->actor);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 4, action);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 5, from);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 6, to);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 7, note);
	if (rc == DC_OK && (rc = dc_stmt_step(st)) > 0)
		rc = DC_OK;
	dc_stmt_finalize(st);
	return rc;
}

#define DOSSIER_COLS                                                                       \
	"id, kind, state, pin, commune, province, payload, result, note, actor, channel, " \
	"submitted_ms, received_ms, deadline_ms, decided_ms"

static int read_row(struct dc_stmt *st, struct dc_dossier *d, struct dc_pool *pool)
{
	size_t n;
	const char *s;
	memset(d, 0, sizeof *d);
	snprintf(d->id, sizeof d->id, "%s", dc_stmt_text(st, 0, &n));
	if (dc_dossier_kind_parse(dc_stmt_text(st, 1, &n), &d->kind) ||
	    dc_dossier_state_parse(dc_stmt_text(st, 2, &n), &d->state))
		return DC_ERR_DB;
	snprintf(d->pin, sizeof d->pin, "%s", dc_stmt_text(st, 3, &n));
	snprintf(d->commune, sizeof d->commune, "%s", dc_stmt_text(st, 4, &n));
	snprintf(d->province, sizeof d->province, "%s", dc_stmt_text(st, 5, &n));
	const char **strs[] = {&d->payload, &d->result, &d->note, &d->actor, &d->channel};
	for (int i = 0; i < 5; i++) {
		s = dc_stmt_is_null(st, 6 + i) ? NULL : dc_stmt_text(st, 6 + i, &n);
		if (s && !(*strs[i] = pool ? dc_pool_strndup(pool, s, n) : s))
			return DC_ERR_NOMEM;
	}
	d->submitted_ms = dc_stmt_int64(st, 11);
	d->received_ms = dc_stmt_int64(st, 12);
	d->deadline_ms = dc_stmt_int64(st, 13);
	d->decided_ms = dc_stmt_int64(st, 14);
	return DC_OK;
}

static int get(struct dc_store *s, const char *id, int for_update, struct dc_dossier *out,
               struct dc_pool *pool)
{
	struct dc_stmt *st = NULL;
	int pg = !strcmp(dc_store_backend(s), "postgresql");
	int rc = dc_db_prepare(
	        dc_store_db(s),
	        pg && for_update ? "SELECT " DOSSIER_COLS " FROM dossier WHERE id = $1 FOR UPDATE"
	                         : "SELECT " DOSSIER_COLS " FROM dossier WHERE id = $1",
	        &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, id);
	if (rc == DC_OK) {
		rc = dc_stmt_step(st);
		rc = rc == 1 ? read_row(st, out, pool) : rc == 0 ? DC_ERR_NOT_FOUND : rc;
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc_dossier_get(struct dc_store *s, const char *id, struct dc_dossier *out, struct dc_pool *pool)
{
	return get(s, id, 0, out, pool);
}

int dc_dossier_submit(struct dc_residence_ctx *ctx, enum dc_dossier_kind k, const char *pin,
                      const char *payload_json, const char *commune_in, const char *channel,
                      struct dc_dossier *out, struct dc_pool *pool)
{
	struct dc_citizen x;
	json_error_t jerr;
	json_t *p = NULL;
	struct dc_stmt *st = NULL;
	const char *commune = NULL;
	char *payload = NULL;
	int rc = DC_OK, in_tx = 0;
	ctx->err[0] = 0;
	if ((unsigned)k >= DC_DOSSIER_NKINDS)
		return fail(ctx, DC_ERR_INVALID, "unknown kind");
	p = json_loads(payload_json ? payload_json : "{}", JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(p)) {
		rc = fail(ctx, DC_ERR_INVALID, "the procedure's details must be a JSON object");
		goto cleanup;
	}
	if ((rc = load_citizen(ctx, pin, &x, pool)))
		goto cleanup;
	if ((rc = validate(ctx, k, &x, p, commune_in, &commune)))
		goto cleanup;
	const struct dc_commune *cm = dc_units_commune(ctx->units, commune, strlen(commune));
	if (!cm) {
		rc = fail(ctx, DC_ERR_INVALID, "the processing commune %s does not exist", commune);
		goto cleanup;
	}
	if (ctx->allow && !ctx->allow(ctx->allow_arg, cm->code)) {
		rc = fail(ctx, DC_ERR_FORBIDDEN,
		          "the dossier is processed by commune %s, outside your jurisdiction",
		          cm->code);
		goto cleanup;
	}
	payload = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
	if (!payload) {
		rc = DC_ERR_NOMEM;
		goto cleanup;
	}
	memset(out, 0, sizeof *out);
	out->kind = k;
	out->state = DC_DOSSIER_SUBMITTED;
	snprintf(out->pin, sizeof out->pin, "%s", x.pin.d);
	snprintf(out->commune, sizeof out->commune, "%s", cm->code);
	snprintf(out->province, sizeof out->province, "%s", cm->province_code);
	out->payload = dc_pool_strdup(pool, payload);
	out->actor = dc_pool_strdup(pool, ctx->actor);
	out->channel = channel && !strcmp(channel, "online") ? "online" : "counter";
	out->submitted_ms = out->received_ms = ctx->now_ms;
	out->deadline_ms = dc_calendar_deadline(ctx->cal, ctx->now_ms, kinds[k].half);
	if (!out->payload || !out->actor) {
		rc = DC_ERR_NOMEM;
		goto cleanup;
	}
	if ((rc = dc_store_begin(ctx->store)))
		goto cleanup;
	in_tx = 1;
	for (int attempt = 0;; attempt++) {
		/* Readable and unique: R + commune + local date + 6 random digits. */
		struct dc_date t = today_at(ctx->now_ms);
		snprintf(out->id, sizeof out->id, "R%s%04d%02d%02d%06u", cm->code, t.year, t.month,
		         t.day, (unsigned)(randombytes_uniform(1000000)));
		dc_stmt_finalize(st);
		rc = dc_db_prepare(
		        dc_store_db(ctx->store),
		        "INSERT INTO dossier (" DOSSIER_COLS
		        ") SELECT $1, $2, $3, $4, $5, $6, $7, NULL, NULL, $8, $9, $10, $10, "
		        "$11, 0 WHERE NOT EXISTS (SELECT 1 FROM dossier WHERE id = $1)",
		        &st);
		const char *vals[] = {out->id,  kinds[k].name, "submitted",
		                      out->pin, out->commune,  out->province,
		                      payload,  ctx->actor,    out->channel};
		for (int i = 0; rc == DC_OK && i < 9; i++)
			rc = dc_stmt_bind_str(st, i + 1, vals[i]);
		if (rc == DC_OK)
			rc = dc_stmt_bind_int64(st, 10, ctx->now_ms);
		if (rc == DC_OK)
			rc = dc_stmt_bind_int64(st, 11, out->deadline_ms);
		if (rc == DC_OK && (rc = dc_stmt_step(st)) >= 0)
			rc = DC_OK;
		if (rc)
			goto cleanup;
		if (dc_stmt_changes(st) == 1)
			break;
		if (attempt == 20) {
			rc = fail(ctx, DC_ERR_EXHAUSTED, "no free dossier number today in %s",
			          cm->code);
			goto cleanup;
		}
	}
	if ((rc = add_step(ctx, out->id, "submit", NULL, "submitted", NULL)))
		goto cleanup;
	if ((rc = audit(ctx, "residence.submit", out->pin, kinds[k].name)))
		goto cleanup;
	rc = dc_store_commit(ctx->store);
	in_tx = 0;
cleanup:
	dc_stmt_finalize(st);
	if (in_tx)
		dc_store_rollback(ctx->store);
	if (rc && !ctx->err[0])
		fail(ctx, rc, "the dossier could not be recorded: %s", dc_strerror(rc));
	free(payload);
	json_decref(p);
	return rc;
}

/* --- approval: the change to the register ------------------------------------ */

static int gate(struct dc_residence_ctx *ctx, const struct dc_citizen *x)
{
	struct dc_rule_ctx rctx = {ctx->units, today_at(ctx->now_ms), NULL, NULL};
	struct dc_rule_hit hits[24];
	size_t n = dc_rules_check(&rctx, x, hits, DC_ARRAY_LEN(hits));
	if (n > DC_ARRAY_LEN(hits))
		n = DC_ARRAY_LEN(hits);
	if (!dc_rules_has_error(hits, n))
		return DC_OK;
	struct dc_buf b = DC_BUF_INIT;
	dc_buf_adds(&b, "rejected by the data-quality gate:");
	for (size_t i = 0; i < n; i++) {
		const struct dc_rule *r = dc_rule_get(hits[i].id);
		if (r->severity == DC_RULE_ERROR)
			dc_buf_addf(&b, " %s (%s)", r->code, r->message_en);
	}
	fail(ctx, DC_ERR_RULE, "%s",
	     dc_buf_error(&b) ? "rejected by the data-quality gate" : dc_buf_str(&b));
	dc_buf_release(&b);
	return DC_ERR_RULE;
}

static int update(struct dc_residence_ctx *ctx, struct dc_citizen *x, const struct dc_dossier *d,
                  const char *kind)
{
	int rc = gate(ctx, x);
	struct dc_change why = {ctx->actor, dc_dossier_kind_label(d->kind, 1), d->id, kind};
	if (rc == DC_OK)
		rc = dc_store_citizen_update(ctx->store, x, &why, NULL);
	if (rc == DC_OK)
		rc = audit(ctx, "residence.apply", x->pin.d, kind);
	return rc;
}

/* Makes new_head the head of x's household (x leaves it). */
static int transfer_head(struct dc_residence_ctx *ctx, const struct dc_citizen *x,
                         const char *new_head, const struct dc_dossier *d, struct dc_pool *pool)
{
	struct dc_citizen h;
	if (!x->household_id || !x->head_relation || strcmp(x->head_relation, "head") || !new_head)
		return DC_OK;
	int rc = load_citizen(ctx, new_head, &h, pool);
	if (rc == DC_OK && (!h.household_id || strcmp(h.household_id, x->household_id)))
		rc = fail(ctx, DC_ERR_CONFLICT, "the new head is no longer in the household");
	if (rc == DC_OK) {
		h.head_relation = "head";
		rc = update(ctx, &h, d, "residence.head_change");
	}
	return rc;
}

static int new_household_id(struct dc_residence_ctx *ctx, const char *commune, char *out, size_t n)
{
	char none[1][13];
	for (int attempt = 0; attempt < 20; attempt++) {
		snprintf(out, n, "H%s%08u", commune, (unsigned)randombytes_uniform(100000000));
		int c = household_members(ctx->store, out, NULL, none, 1);
		if (c < 0)
			return c;
		if (c == 0)
			return DC_OK;
	}
	return fail(ctx, DC_ERR_EXHAUSTED, "no free household number");
}

static int term_write(struct dc_residence_ctx *ctx, const char *sql, const char *const *vals, int n)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(ctx->store), sql, &st);
	for (int i = 0; rc == DC_OK && i < n; i++)
		rc = dc_stmt_bind_str(st, i + 1, vals[i]);
	if (rc == DC_OK && (rc = dc_stmt_step(st)) > 0)
		rc = DC_OK;
	dc_stmt_finalize(st);
	return rc;
}

static int apply(struct dc_residence_ctx *ctx, const struct dc_dossier *d, json_t *p,
                 struct dc_buf *result, struct dc_pool *pool)
{
	struct dc_citizen x;
	struct dc_date today = today_at(ctx->now_ms);
	char iso[DC_DATE_ISO_MAX], hh[24];
	const char *dummy = NULL;
	int rc = load_citizen(ctx, d->pin, &x, pool);
	if (rc)
		return rc;
	/* The register may have moved since the counter: check again. */
	if ((rc = validate(ctx, d->kind, &x, p, d->commune, &dummy)))
		return rc;
	dc_date_iso(&today, iso);
	switch (d->kind) {
	case DC_DOSSIER_perm_register: {
		json_t *h = json_object_get(p, "household");
		if ((rc = transfer_head(ctx, &x, jstr(p, "new_head_pin"), d, pool)))
			return rc;
		x.perm_commune = jstr(p, "commune");
		x.perm_address = jstr(p, "address");
		x.perm_since = today;
		x.residence_dossier = d->id;
		if (json_is_object(h)) {
			x.household_id = jstr(h, "id");
			x.head_relation = jstr(h, "relation");
		} else {
			if ((rc = new_household_id(ctx, x.perm_commune, hh, sizeof hh)))
				return rc;
			x.household_id = hh;
			x.head_relation = "head";
		}
		/* A permanent registration where one lives temporarily ends that term. */
		if (x.temp_commune && !strcmp(x.temp_commune, x.perm_commune)) {
			x.temp_commune = x.temp_address = NULL;
			const char *v[] = {x.pin.d};
			rc = term_write(ctx, "DELETE FROM residence_term WHERE pin = $1", v, 1);
		}
		if (rc == DC_OK)
			rc = update(ctx, &x, d, "residence.perm_register");
		if (rc == DC_OK)
			rc = dc_buf_addf(result,
			                 "{\"household_id\":\"%s\",\"head_relation\":\"%s\"}",
			                 x.household_id, x.head_relation);
		return rc;
	}
	case DC_DOSSIER_perm_delete:
		if (x.status == DC_STATUS_ALIVE &&
		    (rc = transfer_head(ctx, &x, jstr(p, "new_head_pin"), d, pool)))
			return rc;
		x.perm_commune = x.perm_address = NULL;
		memset(&x.perm_since, 0, sizeof x.perm_since);
		x.household_id = x.head_relation = NULL;
		x.residence_dossier = d->id;
		return update(ctx, &x, d, "residence.perm_delete");
	case DC_DOSSIER_temp_register: {
		x.temp_commune = jstr(p, "commune");
		x.temp_address = jstr(p, "address");
		const char *v[] = {x.pin.d, x.temp_commune,   x.temp_address,
		                   iso,     jstr(p, "until"), d->id};
		rc = term_write(ctx, "DELETE FROM residence_term WHERE pin = $1", v, 1);
		if (rc == DC_OK)
			rc = term_write(
			        ctx,
			        "INSERT INTO residence_term (pin, commune, address, from_date, "
			        "until_date, dossier_id) VALUES ($1, $2, $3, $4, $5, $6)",
			        v, 6);
		if (rc == DC_OK)
			rc = update(ctx, &x, d, "residence.temp_register");
		return rc;
	}
	case DC_DOSSIER_temp_extend: {
		const char *v[] = {jstr(p, "until"), d->id, x.pin.d};
		rc = term_write(
		        ctx,
		        "UPDATE residence_term SET until_date = $1, dossier_id = $2 WHERE pin "
		        "= $3",
		        v, 3);
		if (rc == DC_OK)
			rc = audit(ctx, "residence.apply", x.pin.d, "residence.temp_extend");
		if (rc == DC_OK)
			rc = dc_buf_addf(result, "{\"until\":\"%s\"}", jstr(p, "until"));
		return rc;
	}
	case DC_DOSSIER_temp_delete: {
		const char *v[] = {x.pin.d};
		x.temp_commune = x.temp_address = NULL;
		rc = term_write(ctx, "DELETE FROM residence_term WHERE pin = $1", v, 1);
		if (rc == DC_OK)
			rc = update(ctx, &x, d, "residence.temp_delete");
		return rc;
	}
	case DC_DOSSIER_household_split: {
		json_t *m = json_object_get(p, "members"), *v,
		       *rels = json_object_get(p, "relations");
		size_t i;
		if ((rc = new_household_id(ctx, x.perm_commune, hh, sizeof hh)))
			return rc;
		x.household_id = hh;
		x.head_relation = "head";
		rc = update(ctx, &x, d, "residence.household_split");
		json_array_foreach (m, i, v) {
			struct dc_citizen y;
			if (rc)
				break;
			rc = load_citizen(ctx, json_string_value(v), &y, pool);
			if (rc)
				break;
			y.household_id = hh;
			y.head_relation = jstr(rels, y.pin.d) ? jstr(rels, y.pin.d) : "other";
			rc = update(ctx, &y, d, "residence.household_split");
		}
		if (rc == DC_OK)
			rc = dc_buf_addf(result, "{\"household_id\":\"%s\"}", hh);
		return rc;
	}
	case DC_DOSSIER_household_merge: {
		const char *into = jstr(p, "into");
		json_t *rels = json_object_get(p, "relations");
		char members[64][13];
		int n = household_members(ctx->store, x.household_id, x.pin.d, members, 64);
		if (n < 0)
			return n;
		if (n > 64)
			return fail(ctx, DC_ERR_TOO_LARGE, "a household of more than 64 members");
		x.household_id = into;
		x.head_relation = jstr(p, "relation");
		rc = update(ctx, &x, d, "residence.household_merge");
		for (int i = 0; rc == DC_OK && i < n; i++) {
			struct dc_citizen y;
			rc = load_citizen(ctx, members[i], &y, pool);
			if (rc)
				break;
			y.household_id = into;
			y.head_relation = jstr(rels, y.pin.d) ? jstr(rels, y.pin.d) : "other";
			rc = update(ctx, &y, d, "residence.household_merge");
		}
		if (rc == DC_OK)
			rc = dc_buf_addf(result, "{\"household_id\":\"%s\",\"members_moved\":%d}",
			                 into, n + 1);
		return rc;
	}
	case DC_DOSSIER_temp_absence: {
		struct dc_stmt *st = NULL;
		const char *v[] = {d->id,
		                   x.pin.d,
		                   jstr(p, "from"),
		                   jstr(p, "to"),
		                   jstr(p, "destination"),
		                   jstr(p, "case"),
		                   jstr(p, "reason")};
		rc = dc_db_prepare(
		        dc_store_db(ctx->store),
		        "INSERT INTO temp_absence (dossier_id, pin, from_date, to_date, "
		        "destination, case_code, reason, declared_ms) VALUES ($1, $2, $3, "
		        "$4, $5, $6, $7, $8)",
		        &st);
		for (int k = 0; rc == DC_OK && k < 7; k++)
			rc = dc_stmt_bind_str(st, k + 1, v[k]);
		if (rc == DC_OK)
			rc = dc_stmt_bind_int64(st, 8, ctx->now_ms);
		if (rc == DC_OK && (rc = dc_stmt_step(st)) > 0)
			rc = DC_OK;
		dc_stmt_finalize(st);
		if (rc == DC_OK)
			rc = audit(ctx, "residence.apply", x.pin.d, "residence.temp_absence");
		return rc;
	}
	case DC_DOSSIER_confirm:
		rc = audit(ctx, "residence.confirm", x.pin.d, "residence");
		if (rc == DC_OK)
			rc = dc_residence_view(ctx->store, ctx->units, x.pin.d, ctx->now_ms,
			                       result);
		return rc;
	case DC_DOSSIER_NKINDS:
		break;
	}
	return DC_ERR_INVALID;
}

int dc_dossier_act(struct dc_residence_ctx *ctx, const char *id, const char *action,
                   const char *note, struct dc_dossier *out, struct dc_pool *pool)
{
	struct dc_buf result = DC_BUF_INIT;
	struct dc_stmt *st = NULL;
	json_t *p = NULL;
	int rc, in_tx = 0;
	enum dc_dossier_state to;
	ctx->err[0] = 0;
	if (!action)
		return fail(ctx, DC_ERR_INVALID, "no action");
	int accept = !strcmp(action, "accept"), supp = !strcmp(action, "request_supplement"),
	    resub = !strcmp(action, "resubmit"), approve = !strcmp(action, "approve"),
	    reject = !strcmp(action, "reject");
	if (!(accept || supp || resub || approve || reject))
		return fail(
		        ctx, DC_ERR_INVALID,
		        "action must be accept, request_supplement, resubmit, approve or reject");
	if ((rc = dc_store_begin(ctx->store)))
		return fail(ctx, rc, "cannot start a transaction");
	in_tx = 1;
	if ((rc = get(ctx->store, id, 1, out, pool))) {
		fail(ctx, rc, rc == DC_ERR_NOT_FOUND ? "no dossier %s" : "cannot read dossier %s",
		     id);
		goto cleanup;
	}
	if (ctx->allow && !ctx->allow(ctx->allow_arg, out->commune)) {
		rc = fail(ctx, DC_ERR_FORBIDDEN,
		          "the dossier is processed by commune %s, outside your jurisdiction",
		          out->commune);
		goto cleanup;
	}
	/* After the jurisdiction check: an outsider learns nothing from a 400. */
	if ((supp || reject) && (!note || !*note)) {
		rc = fail(ctx, DC_ERR_INVALID, "a note for the applicant is required");
		goto cleanup;
	}
	enum dc_dossier_state from = out->state;
	int ok = accept    ? from == DC_DOSSIER_SUBMITTED
	         : supp    ? from == DC_DOSSIER_SUBMITTED || from == DC_DOSSIER_PROCESSING
	         : resub   ? from == DC_DOSSIER_SUPPLEMENT
	         : approve ? from == DC_DOSSIER_SUBMITTED || from == DC_DOSSIER_PROCESSING
	                   : from != DC_DOSSIER_APPROVED && from != DC_DOSSIER_REJECTED;
	if (!ok) {
		rc = fail(ctx, DC_ERR_CONFLICT, "cannot %s a dossier that is %s", action,
		          states[from]);
		goto cleanup;
	}
	to = accept || resub ? DC_DOSSIER_PROCESSING
	     : supp          ? DC_DOSSIER_SUPPLEMENT
	     : approve       ? DC_DOSSIER_APPROVED
	                     : DC_DOSSIER_REJECTED;
	if (approve) {
		p = json_loads(out->payload, 0, NULL);
		if (!p) {
			rc = fail(ctx, DC_ERR_DB, "dossier %s has an unreadable payload", id);
			goto cleanup;
		}
		if ((rc = apply(ctx, out, p, &result, pool)))
			goto cleanup;
		if ((rc = dc_buf_error(&result)))
			goto cleanup;
	}
	if (resub) {
		out->received_ms = ctx->now_ms;
		out->deadline_ms =
		        dc_calendar_deadline(ctx->cal, ctx->now_ms, kinds[out->kind].half);
	}
	if (supp)
		out->deadline_ms = 0; /* the clock stops until the dossier is complete */
	if (approve || reject)
		out->decided_ms = ctx->now_ms;
	out->state = to;
	out->note = note ? dc_pool_strdup(pool, note) : out->note;
	out->result = result.len ? dc_pool_strndup(pool, dc_buf_str(&result), result.len) : NULL;
	rc = dc_db_prepare(dc_store_db(ctx->store),
	                   "UPDATE dossier SET state = $1, note = $2, result = $3, received_ms = "
	                   "$4, deadline_ms = $5, decided_ms = $6 WHERE id = $7",
	                   &st);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 1, states[to]);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 2, out->note);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 3, out->result);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 4, out->received_ms);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 5, out->deadline_ms);
	if (rc == DC_OK)
		rc = dc_stmt_bind_int64(st, 6, out->decided_ms);
	if (rc == DC_OK)
		rc = dc_stmt_bind_str(st, 7, out->id);
	if (rc == DC_OK && (rc = dc_stmt_step(st)) > 0)
		rc = DC_OK;
	if (rc == DC_OK)
		rc = add_step(ctx, out->id, action, states[from], states[to], note);
	if (rc == DC_OK) {
		char what[64];
		snprintf(what, sizeof what, "residence.%s", action);
		rc = audit(ctx, what, out->pin, dc_dossier_kind_name(out->kind));
	}
	if (rc == DC_OK) {
		rc = dc_store_commit(ctx->store);
		in_tx = 0;
	}
cleanup:
	dc_stmt_finalize(st);
	if (in_tx)
		dc_store_rollback(ctx->store);
	if (rc && !ctx->err[0])
		fail(ctx, rc, "the dossier could not be updated: %s", dc_strerror(rc));
	json_decref(p);
	dc_buf_release(&result);
	return rc;
}

int dc_dossier_list(struct dc_store *s, const struct dc_dossier_filter *f,
                    int (*cb)(void *arg, const struct dc_dossier *d), void *arg)
{
	struct dc_buf sql = DC_BUF_INIT;
	struct dc_stmt *st = NULL;
	int rc, n = 0;
	dc_buf_adds(&sql, "SELECT " DOSSIER_COLS " FROM dossier WHERE 1 = 1");
	if (f->commune)
		dc_buf_addf(&sql, " AND commune = $%d", ++n);
	if (f->province)
		dc_buf_addf(&sql, " AND province = $%d", ++n);
	if (f->state == -1 || f->overdue_at_ms > 0)
		dc_buf_adds(&sql, " AND state IN ('submitted', 'processing', 'supplement')");
	if (f->state >= 0)
		dc_buf_addf(&sql, " AND state = $%d", ++n);
	if (f->overdue_at_ms > 0)
		dc_buf_addf(&sql, " AND deadline_ms > 0 AND deadline_ms < $%d", ++n);
	dc_buf_addf(&sql,
	            " ORDER BY CASE WHEN deadline_ms = 0 THEN 1 ELSE 0 END, deadline_ms, id "
	            "LIMIT %d",
	            f->limit > 0 && f->limit <= 10000 ? f->limit : 100);
	rc = dc_buf_error(&sql);
	if (rc == DC_OK)
		rc = dc_db_prepare(dc_store_db(s), dc_buf_str(&sql), &st);
	n = 0;
	if (rc == DC_OK && f->commune)
		rc = dc_stmt_bind_str(st, ++n, f->commune);
	if (rc == DC_OK && f->province)
		rc = dc_stmt_bind_str(st, ++n, f->province);
	if (rc == DC_OK && f->state >= 0)
		rc = dc_stmt_bind_str(st, ++n,
		                      dc_dossier_state_name((enum dc_dossier_state)f->state));
	if (rc == DC_OK && f->overdue_at_ms > 0)
		rc = dc_stmt_bind_int64(st, ++n, f->overdue_at_ms);
	while (rc == DC_OK && (rc = dc_stmt_step(st)) == 1) {
		struct dc_dossier d;
		rc = read_row(st, &d, NULL);
		if (rc == DC_OK)
			rc = cb(arg, &d);
	}
	dc_stmt_finalize(st);
	dc_buf_release(&sql);
	return rc < 0 ? rc : DC_OK;
}

static void add_ms_local(struct dc_buf *b, const char *key, int64_t ms)
{
	if (!ms) {
		dc_buf_addf(b, ",\"%s\":null", key);
		return;
	}
	int64_t l = ms + 7 * 3600 * 1000LL, days = local_days(ms), sec = (l / 1000) % 86400;
	if (sec < 0)
		sec += 86400;
	struct dc_date d = dc_date_from_days(days);
	dc_buf_addf(b, ",\"%s\":\"%04d-%02d-%02dT%02d:%02d:%02d+07:00\"", key, d.year, d.month,
	            d.day, (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
}

int dc_dossier_json(const struct dc_dossier *d, int64_t now_ms, struct dc_buf *out)
{
	int open = d->state != DC_DOSSIER_APPROVED && d->state != DC_DOSSIER_REJECTED;
	dc_buf_addf(out,
	            "{\"id\":\"%s\",\"kind\":\"%s\",\"tthc\":\"%s\",\"label_vi\":\"%s\","
	            "\"label_en\":\"%s\",\"state\":\"%s\",\"pin\":\"%s\",\"commune\":\"%s\","
	            "\"province\":\"%s\",\"channel\":\"%s\",\"actor\":\"",
	            d->id, dc_dossier_kind_name(d->kind), dc_dossier_kind_tthc(d->kind),
	            dc_dossier_kind_label(d->kind, 1), dc_dossier_kind_label(d->kind, 0),
	            dc_dossier_state_name(d->state), d->pin, d->commune, d->province,
	            d->channel ? d->channel : "counter");
	if (d->actor)
		dc_buf_add_json_str(out, d->actor, strlen(d->actor));
	dc_buf_adds(out, "\"");
	add_ms_local(out, "submitted_at", d->submitted_ms);
	add_ms_local(out, "received_at", d->received_ms);
	add_ms_local(out, "deadline", d->deadline_ms);
	add_ms_local(out, "decided_at", d->decided_ms);
	dc_buf_addf(out, ",\"overdue\":%s,\"details\":%s,\"result\":%s,\"note\":",
	            open && d->deadline_ms && d->deadline_ms < now_ms ? "true" : "false",
	            d->payload ? d->payload : "{}", d->result ? d->result : "null");
	if (d->note) {
		dc_buf_addc(out, '"');
		dc_buf_add_json_str(out, d->note, strlen(d->note));
		dc_buf_addc(out, '"');
	} else {
		dc_buf_adds(out, "null");
	}
	return dc_buf_addc(out, '}');
}
