/*
 * dancu/services.h — online public services (Đề án 06): the catalogue,
 * dossiers with states, history, legal deadlines and payments, and linked
 * procedures that run several agencies' steps from one submission
 * (docs/EXCHANGE.md).
 *
 * A dossier belongs to an applicant (personal ID number) and sits in one
 * queue: "officer" (police / commune officers of its commune) or an agency
 * id (e.g. "bhxh"). States: submitted → received → processing →
 * supplement_requested → processing … → completed | rejected. Each change is
 * one history row; final states close the dossier. Completing a step that
 * changes the register (a birth, a residence registration, a death, a
 * deletion) writes the register in the same transaction as the state
 * change: either both happen or neither.
 *
 * A linked procedure is a parent dossier (service "linked_birth" or
 * "linked_death") whose steps are child dossiers created one after the
 * other: step n+1 enters its queue in the transaction that completes step
 * n. A rejected step stops the chain: the parent becomes "partial" (earlier
 * steps stay done; later ones are never started) or "rejected" (first step).
 *
 * Every function takes the store (one thread at a time) and joins the
 * caller's transaction. Strings passed in are borrowed for the call.
 */
#ifndef DANCU_SERVICES_H
#define DANCU_SERVICES_H

#include <stddef.h>
#include <stdint.h>

struct dc_store;
struct dc_buf;
struct dc_calendar;
struct dc_units;

struct dc_service {
	const char *code;    /* stable code: "birth_registration", … */
	const char *tthc;    /* national procedure code, "" when unknown */
	const char *name_vi; /* Vietnamese name */
	const char *name_en;
	const char *owner; /* ministry / agency responsible */
	const char *queue; /* "officer" or an agency id */
	int half_days;     /* legal deadline in half working days */
	int64_t fee_vnd;   /* fee for online submission */
	const char *steps; /* linked procedure: comma list of step services, else NULL */
	int step_only;     /* 1: only as a step of a linked procedure */
};

/* The catalogue: n entries (static). */
const struct dc_service *dc_services(size_t *n);
/* The service with this code, or NULL. */
const struct dc_service *dc_service_find(const char *code);

/* 1 when state is one of the dossier states. */
int dc_svc_state_valid(const char *state);

struct dc_svc_ctx {
	struct dc_store *store;
	const struct dc_units *units;
	const struct dc_calendar *cal;
	int64_t now_ms;
	const char *actor;      /* officer id, key id, "citizen:<pin>" */
	const char *request_id; /* may be NULL */
};

/* Submits a dossier for service `code` (not step_only) by applicant pin
 * (must exist and be alive), through channel "online" or "offline", with
 * data (a JSON object text; borrowed). The register's data on the
 * applicant fills the prefill (name, dob, addresses). Writes the dossier
 * (and, for a linked procedure, its first step) and the history; id_out
 * (40 bytes) gets the id. DC_ERR_INVALID (detail in err) or
 * DC_ERR_NOT_FOUND (no such applicant). */
int dc_svc_submit(const struct dc_svc_ctx *x, const char *code, const char *pin,
                  const char *channel, const char *data_json, char id_out[40], char *err,
                  size_t errlen);

/* Moves dossier id to state `to` with a note (may be NULL); result_json
 * (may be NULL) is kept with it (an agency's answer: {"bhyt_number":…}).
 * When queue is not NULL the dossier must be in that queue (else
 * DC_ERR_NOT_FOUND). Completing a step applies its register change and
 * advances its linked procedure. DC_ERR_CONFLICT (detail in err) when the
 * transition is not allowed or the register change cannot be made (then
 * nothing was written). */
int dc_svc_transition(const struct dc_svc_ctx *x, const char *id, const char *queue, const char *to,
                      const char *note, const char *result_json, char *err, size_t errlen);

/* Appends the dossier as JSON (with history, steps and payments) to out;
 * *commune_out (6 bytes) and *pin_out (13 bytes) get its commune and
 * applicant for the caller's access check (may be NULL). DC_ERR_NOT_FOUND. */
int dc_svc_dossier_json(struct dc_store *s, const char *id, int64_t now_ms, struct dc_buf *out,
                        char *commune_out, char *pin_out);

struct dc_svc_filter {
	const char *applicant; /* only this applicant's, or NULL */
	const char *scope;     /* jurisdiction: "VN", 2-digit province, 5-digit commune, or NULL */
	const char *queue;     /* only this queue, or NULL */
	const char *state;     /* or NULL */
	const char *service;   /* or NULL */
	int overdue;           /* 1: open and past the deadline */
	int steps;             /* 1: include steps of linked procedures */
	int limit;             /* ≤ 0: 500 */
};
/* Appends a JSON array of dossier summaries, newest first. */
int dc_svc_list(struct dc_store *s, const struct dc_svc_filter *f, int64_t now_ms,
                struct dc_buf *out);

/* Payments. A gateway takes (dossier, amount) and answers a reference; the
 * "demo" gateway records the payment locally. Records the payment and the
 * amount paid on the dossier. DC_ERR_INVALID (unknown gateway, amount ≤ 0
 * or over what is due), DC_ERR_NOT_FOUND. ref_out (40 bytes). */
int dc_svc_pay(const struct dc_svc_ctx *x, const char *id, const char *gateway, int64_t amount_vnd,
               char ref_out[40]);

#endif
