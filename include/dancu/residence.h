/*
 * dancu/residence.h — residence procedures (Residence Law 68/2020) as
 * dossiers with legal deadlines in working days, and the working-day
 * calendar they are counted in.
 *
 * A dossier (hồ sơ) is one procedure for one citizen: permanent or temporary
 * registration, extension, deletion, household split, temporary-absence
 * declaration, residence confirmation (CT07). Its life:
 *
 *   submitted ──accept──▶ processing ──approve──▶ approved   (the change is
 *       │                    │  ▲                              applied to the
 *       │                    │  └──resubmit── supplement       register in the
 *       └───────reject───────┴──request_supplement──┘          same transaction)
 *                            └──reject──▶ rejected
 *
 * The deadline is counted in working days (Mon–Fri, minus public holidays,
 * plus compensatory working Saturdays; data/holidays-vn.csv) from the day
 * after the dossier is complete: at submission, and again at resubmission
 * after a supplement request (the clock restarts with a complete dossier).
 * A dossier is overdue when it is not decided by its deadline.
 *
 * Which commune police processes a dossier: the destination commune for a
 * registration, the commune of the registration concerned for an extension
 * or deletion, the permanent commune for a split or absence, the officer's
 * own commune (or the permanent one) for a confirmation. Jurisdiction checks
 * against that commune are the caller's (the HTTP layer).
 *
 * Threads: the calendar is read-only after dc_calendar_load and may be
 * shared. Dossier functions use the caller's store connection.
 */
#ifndef DANCU_RESIDENCE_H
#define DANCU_RESIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "dancu/buf.h"
#include "dancu/date.h"

struct dc_store;
struct dc_units;
struct dc_pool;

/* --- working-day calendar -------------------------------------------------- */

struct dc_calendar;

/* Loads the built-in calendar (data/holidays-vn.csv), then, when path is not
 * NULL, an operator's file in the same format (date,kind,name[,status];
 * kind "holiday" or "workday") whose rows override the built-in ones. The
 * caller owns *out (dc_calendar_free). DC_ERR_INVALID with the line in err. */
int dc_calendar_load(const char *path, struct dc_calendar **out, char *err, size_t errlen);
void dc_calendar_free(struct dc_calendar *cal); /* NULL-safe */

/* 1 when the full date d is a working day. */
int dc_calendar_is_workday(const struct dc_calendar *cal, const struct dc_date *d);

/* The deadline of a procedure of `half_days` half working days (2 = one
 * working day) received at at_ms (Unix ms; local time is UTC+7): counted
 * from the next working day; a whole number of days ends at 17:00 local on
 * the last day, a half day at 12:00. 0 half days: the end of the day of
 * receipt (or of the next working day when received on a day off). */
int64_t dc_calendar_deadline(const struct dc_calendar *cal, int64_t at_ms, int half_days);

/* --- dossiers ----------------------------------------------------------------- */

/* X(name, TTHC code, deadline in half working days, Vietnamese, English) */
#define DC_DOSSIER_KINDS(X)                                                                        \
	X(perm_register, "1.004222", 14, "Đăng ký thường trú", "Permanent residence registration") \
	X(perm_delete, "1.003197", 10, "Xóa đăng ký thường trú",                                   \
	  "Deletion of permanent residence")                                                       \
	X(temp_register, "1.004194", 6, "Đăng ký tạm trú", "Temporary residence registration")     \
	X(temp_extend, "1.002755", 6, "Gia hạn tạm trú", "Extension of temporary residence")       \
	X(temp_delete, "1.010028", 4, "Xóa đăng ký tạm trú", "Deletion of temporary residence")    \
	X(household_split, "1.010038", 10, "Tách hộ", "Household split")                           \
	X(household_merge, "1.004222", 14, "Nhập hộ",                                              \
	  "Household merge (joining another household)")                                           \
	X(temp_absence, "1.003677", 2, "Khai báo tạm vắng", "Temporary absence declaration")       \
	X(confirm, "1.010041", 1, "Xác nhận thông tin về cư trú", "Residence confirmation (CT07)")

enum dc_dossier_kind {
#define DC__DOSSIER_KIND_ENUM(name, tthc, half, vi, en) DC_DOSSIER_##name,
	DC_DOSSIER_KINDS(DC__DOSSIER_KIND_ENUM)
#undef DC__DOSSIER_KIND_ENUM
	        DC_DOSSIER_NKINDS
};

enum dc_dossier_state {
	DC_DOSSIER_SUBMITTED = 0,
	DC_DOSSIER_PROCESSING,
	DC_DOSSIER_SUPPLEMENT, /* the applicant must add documents; the clock stops */
	DC_DOSSIER_APPROVED,
	DC_DOSSIER_REJECTED
};

/* Names (static strings) and parsing; parse returns DC_ERR_INVALID. */
const char *dc_dossier_kind_name(enum dc_dossier_kind k);
const char *dc_dossier_kind_label(enum dc_dossier_kind k, int vietnamese);
const char *dc_dossier_kind_tthc(enum dc_dossier_kind k);
int dc_dossier_kind_half_days(enum dc_dossier_kind k);
int dc_dossier_kind_parse(const char *s, enum dc_dossier_kind *out);
const char *dc_dossier_state_name(enum dc_dossier_state s);
int dc_dossier_state_parse(const char *s, enum dc_dossier_state *out);

/* A dossier as read from the store. Strings are borrowed from the pool the
 * reader was given and live as long as it. */
struct dc_dossier {
	char id[40];
	enum dc_dossier_kind kind;
	enum dc_dossier_state state;
	char pin[13];
	char commune[6];      /* the processing commune */
	char province[3];     /* its province */
	const char *payload;  /* JSON object text: the procedure's details */
	const char *result;   /* JSON object text once approved (e.g. the CT07), or NULL */
	const char *note;     /* last decision's note, or NULL */
	const char *actor;    /* who submitted */
	const char *channel;  /* "counter" or "online" */
	int64_t submitted_ms; /* first submission */
	int64_t received_ms;  /* when the dossier was last complete (clock start) */
	int64_t deadline_ms;  /* 0 while a supplement is awaited */
	int64_t decided_ms;   /* 0 until approved or rejected */
};

/* What the environment of a dossier operation is. */
struct dc_residence_ctx {
	struct dc_store *store;
	const struct dc_units *units;
	const struct dc_calendar *cal;
	const char *actor;      /* officer id (or citizen account) doing it */
	const char *request_id; /* for the audit entry; may be NULL */
	int64_t now_ms;
	/* Authorization: called with the processing commune before anything is
	 * written; 0 refuses with DC_ERR_FORBIDDEN. NULL allows everything
	 * (the CLI run by the operator). */
	int (*allow)(void *arg, const char *commune);
	void *allow_arg;
	char err[256]; /* detail on failure */
};

/* Validates and records a new dossier of kind k for the citizen pin with
 * the procedure's details (a JSON object text, see docs/OPERATIONS.md; its
 * members are checked here so that a bad dossier is refused at the
 * counter, not at approval). `commune` is the submitting officer's commune
 * for a confirmation, else ignored (NULL allowed). Writes the dossier, its
 * first step and an audit entry in one transaction; fills *out (strings
 * from pool). DC_ERR_INVALID / DC_ERR_NOT_FOUND / DC_ERR_CONFLICT with
 * ctx->err. */
int dc_dossier_submit(struct dc_residence_ctx *ctx, enum dc_dossier_kind k, const char *pin,
                      const char *payload_json, const char *commune, const char *channel,
                      struct dc_dossier *out, struct dc_pool *pool);

/* Reads a dossier. DC_ERR_NOT_FOUND when there is none. */
int dc_dossier_get(struct dc_store *s, const char *id, struct dc_dossier *out,
                   struct dc_pool *pool);

/* Moves a dossier: action is "accept", "request_supplement", "resubmit",
 * "approve" or "reject" (note required for the last three but resubmit).
 * Approving applies the procedure to the register (citizen record, events,
 * households, residence terms) in the same transaction as the state change
 * and its audit entry; when the data-quality gate refuses the result, the
 * rule codes are written into ctx->err and DC_ERR_RULE is returned with
 * nothing changed. DC_ERR_CONFLICT when the action is not allowed in the
 * current state (ctx->err says why). */
int dc_dossier_act(struct dc_residence_ctx *ctx, const char *id, const char *action,
                   const char *note, struct dc_dossier *out, struct dc_pool *pool);

/* Lists dossiers, most urgent (earliest deadline) first. Filters: commune
 * (exact) or province (2 digits), either may be NULL; state < 0 for every
 * open state (submitted, processing, supplement), else that state;
 * overdue_at_ms > 0 keeps only dossiers open past their deadline at that
 * time. At most limit rows. cb's dossier is valid during the call. */
struct dc_dossier_filter {
	const char *commune;
	const char *province;
	int state; /* enum dc_dossier_state, or -1 for every open state, -2 for all */
	int64_t overdue_at_ms;
	int limit;
};
int dc_dossier_list(struct dc_store *s, const struct dc_dossier_filter *f,
                    int (*cb)(void *arg, const struct dc_dossier *d), void *arg);

/* Writes a dossier as a JSON object (kind labels, state, deadline, overdue
 * flag at now_ms) to out. */
int dc_dossier_json(const struct dc_dossier *d, int64_t now_ms, struct dc_buf *out);

/* The residence view of a citizen: what the "7 methods" and the CT07 show —
 * identity, permanent / temporary / current residence with their dates, the
 * temporary term, an open temporary absence, the household with its head
 * and the citizen's relation. Appends a JSON object to out. */
int dc_residence_view(struct dc_store *s, const struct dc_units *u, const char *pin, int64_t now_ms,
                      struct dc_buf *out);

/* The members of a household as a JSON object (id, commune, address, head,
 * members with relation), and their pins through cb (for auditing).
 * DC_ERR_NOT_FOUND when no living citizen is in it. */
int dc_household_json(struct dc_store *s, const char *household_id, struct dc_buf *out,
                      int (*cb)(void *arg, const char *pin), void *arg);

#endif
