/*
 * dancu/card.h — the identity card in the register: applications, the
 * production/delivery workflow, card history, expiry, and verification of a
 * presented card (QR or MRZ) against the register.
 *
 * Lifecycle (../shared/domain/id-number-and-card.md §4; Law on
 * Identification 2023 Art. 19–24):
 *   apply (first | renewal | exchange | reissue) → applied
 *   approve → approved          reject → rejected  (from applied/approved)
 *   produce → produced          (issue date, expiry, MRZ and QR fixed here)
 *   deliver → delivered         (the citizen's one valid card; a previous
 *                                delivered card becomes "replaced")
 *   revoke  → revoked           (from produced or delivered)
 * The store allows at most one delivered card and one open application per
 * citizen (unique partial indexes), so two officers racing get one
 * DC_ERR_CONFLICT. Every transition writes a "card.<verb>" event on the
 * citizen's history and an audit entry, in the same transaction as the
 * change. Dead or missing citizens get no card (DC_ERR_CONFLICT), and a
 * death registered later makes verification fail (status is read at
 * verification time).
 *
 * Expiry (Art. 21): the card must be renewed at 14, 25, 40 and 60; a card
 * issued within two years before one of those ages is valid until the next
 * one; issued at 58 or later it has no expiry (MRZ "991231"). Cards for
 * children under 6 carry no photo.
 *
 * Threads: as the store (one thread per store). Strings in the structs are
 * copied into the struct or borrowed from a pool the caller passes, as
 * stated per function.
 */
#ifndef DANCU_CARD_H
#define DANCU_CARD_H

#include <stdbool.h>
#include <stdint.h>

#include "dancu/buf.h"
#include "dancu/date.h"
#include "dancu/mrz.h"
#include "dancu/pin.h"
#include "dancu/pool.h"

struct dc_store;
struct dc_units;
struct dc_citizen;

enum dc_card_kind { DC_CARD_FIRST = 1, DC_CARD_RENEWAL, DC_CARD_EXCHANGE, DC_CARD_REISSUE };

enum dc_card_state {
	DC_CARD_APPLIED = 1,
	DC_CARD_APPROVED,
	DC_CARD_PRODUCED,
	DC_CARD_DELIVERED,
	DC_CARD_REJECTED,
	DC_CARD_REVOKED,
	DC_CARD_REPLACED
};

enum dc_card_action {
	DC_CARD_APPROVE = 1,
	DC_CARD_REJECT,
	DC_CARD_PRODUCE,
	DC_CARD_DELIVER,
	DC_CARD_REVOKE
};

/* Stable names ("first", "applied", "approve", …), static; NULL when out of
 * range. The *_parse functions return 0 for an unknown name. */
const char *dc_card_kind_name(enum dc_card_kind k);
const char *dc_card_state_name(enum dc_card_state s);
const char *dc_card_action_name(enum dc_card_action a);
enum dc_card_kind dc_card_kind_parse(const char *s);
enum dc_card_action dc_card_action_parse(const char *s);

/* Reason codes an application of each kind accepts (Art. 23–24):
 *   first: "first"; renewal: "age"; exchange: "changed_data", "damaged",
 *   "on_request", "error", "admin_change"; reissue: "lost", "nationality".
 * true when reason fits kind. */
bool dc_card_reason_ok(enum dc_card_kind kind, const char *reason);

/* Expiry of a card issued on `issued` to a person born on `dob` (a partial
 * birth date counts from its first possible day). Returns true and sets
 * *expiry, or returns false when the card has no expiry. A birthday on
 * 29 February falls on 28 February in common years. */
bool dc_card_expiry(const struct dc_date *dob, const struct dc_date *issued,
                    struct dc_date *expiry);

struct dc_card {
	int64_t id;
	struct dc_pin pin;
	enum dc_card_kind kind;
	char reason[24];
	enum dc_card_state state;
	struct dc_date issued; /* set at production */
	struct dc_date expiry; /* year 0: none (or not produced yet) */
	bool has_photo;
	int64_t applied_ms, updated_ms;
	char actor[64];            /* who made the last transition */
	char mrz[DC_MRZ_TEXT_MAX]; /* as printed; "" before production */
	char qr[1024];             /* QR payload as printed; "" before production */
};

/* Who acts and why; strings borrowed for the call. `today` is the civil date
 * of the action (dc_date_today() in production, fixed in tests). `issued`
 * (produce only, may be empty) back-dates a card being recorded after the
 * fact; it may not be in the future. On failure `detail` says why. */
struct dc_card_op {
	const char *actor;
	const char *request_id;
	const char *reason;   /* apply: reason code; reject/revoke: free text */
	const char *evidence; /* reference of the supporting document, may be NULL */
	struct dc_date today;
	struct dc_date issued;
	char detail[160];
	const char *rule; /* DC_ERR_RULE: the stable rule code (static string) */
};

/* Files an application. DC_ERR_NOT_FOUND (no such citizen), DC_ERR_INVALID
 * (reason does not fit kind; a first card when one was already delivered;
 * a renewal/exchange/reissue with no earlier card), DC_ERR_RULE with
 * op->rule (a renewal for age outside its window, Art. 21:
 * "card.renewal_too_early" — more than 2 years before the current card's
 * expiry; "card.renewal_no_expiry" — the current card has none),
 * DC_ERR_CONFLICT (an open application exists; the citizen is dead or
 * missing). *out gets the card. */
int dc_card_apply(struct dc_store *s, const struct dc_pin *pin, enum dc_card_kind kind,
                  struct dc_card_op *op, struct dc_card *out);

/* Moves card id by action. Production needs the citizen's record and the
 * reference tables (units, for the residence in the QR payload; may be
 * NULL). DC_ERR_NOT_FOUND, DC_ERR_CONFLICT (wrong state for the action, or
 * another officer moved it first, or the citizen is dead), DC_ERR_INVALID
 * (production: the record cannot make a valid MRZ/QR). *out (may be NULL)
 * gets the card after the move. */
int dc_card_act(struct dc_store *s, const struct dc_units *units, int64_t id,
                enum dc_card_action action, struct dc_card_op *op, struct dc_card *out);

/* Reads one card. DC_ERR_NOT_FOUND. */
int dc_card_get(struct dc_store *s, int64_t id, struct dc_card *out);

/* Calls cb for each card of pin, oldest first (cb returns non-zero to stop;
 * that value is returned). The card is borrowed for the call. */
int dc_card_list(struct dc_store *s, const struct dc_pin *pin,
                 int (*cb)(void *arg, const struct dc_card *c), void *arg);

/* The issuance work list: cards in state (applied, approved, produced ...)
 * with an id above after_id, oldest first, each with its holder's name and
 * home commune (permanent, else temporary, else current residence; "" when
 * unknown) — borrowed for the call. cb returns non-zero to stop (that value
 * is returned), else DC_OK at the end. */
int dc_card_queue(struct dc_store *s, enum dc_card_state state, int64_t after_id,
                  int (*cb)(void *arg, const struct dc_card *c, const char *name,
                            const char *commune),
                  void *arg);
/* A state by its name ("applied", ...), or 0. */
enum dc_card_state dc_card_state_parse(const char *s);

/* Appends c as a JSON object (no MRZ/QR unless with_artefacts). */
int dc_card_json(const struct dc_card *c, bool with_artefacts, struct dc_buf *out);

/* --- verification of a presented card --- */

enum dc_card_form { DC_CARD_FORM_QR = 1, DC_CARD_FORM_MRZ };

/* One check: name (stable code), result (1 pass, 0 fail, -1 not made),
 * detail (static or in the verdict's pool). */
struct dc_card_check {
	const char *name;
	int ok;
	const char *detail;
};

#define DC_CARD_MAX_CHECKS 16

struct dc_card_verdict {
	bool valid;        /* every check made passed */
	struct dc_pin pin; /* whose card it claims to be ("" when unreadable) */
	const char *name;  /* the register's current name, or NULL */
	int64_t card_id;   /* the register's matching card, or 0 */
	size_t nchecks;
	struct dc_card_check checks[DC_CARD_MAX_CHECKS];
};

/* Verifies text presented as a QR payload or an MRZ: the format and check
 * digits, then against the register: a card with exactly this content was
 * issued to this citizen, it is the citizen's valid card (not revoked or
 * replaced), not expired on `today`, the data on it are the register's
 * current data (the MRZ/QR the register would print today for this card
 * equals the one presented; units as for production), and the citizen is
 * alive. Every check is reported. Returns
 * DC_OK whenever a verdict was reached (valid or not); storage errors
 * otherwise. Strings in v borrow from pool. */
int dc_card_verify(struct dc_store *s, const struct dc_units *units, enum dc_card_form form,
                   const char *text, size_t n, const struct dc_date *today,
                   struct dc_card_verdict *v, struct dc_pool *pool);

/* Appends the verdict's checks as JSON: {"valid":…,"pin":…,"checks":[…]}. */
int dc_card_verdict_json(const struct dc_card_verdict *v, struct dc_buf *out);

#endif
