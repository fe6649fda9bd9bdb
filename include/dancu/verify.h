/*
 * dancu/verify.h — verification of claimed identity attributes for relying
 * parties (banks, telcos, social insurance): organisations and their policy,
 * 1:1 matching with explainable reason codes, and batch verification.
 *
 * An organisation (relying party) is onboarded by a national administrator.
 * Its policy says which fields it may verify, which it may receive through
 * e-KYC (kept for the e-KYC work; not used here), for which purposes, and how
 * many verifications a day it may run (quota). It authenticates with API keys
 * of owner kind "org" (apikey.h), each with its own rate limit.
 *
 * Matching compares each claimed field with the register and answers a
 * reason code per field — never the register's value:
 *   exact          identical as written
 *   normalised     equal after Unicode/case/space/tone-placement
 *                  normalisation, or the same date or phone written another way
 *   no_diacritics  equal only when diacritics are ignored ("NGUYEN VAN AN")
 *   partial        a middle name missing or the names in another order, a
 *                  date known only to the year (or month) that fits, an
 *                  address that omits the commune/province or names only them
 *   mismatch       different
 *   not_on_record  the register holds no value to compare with
 *   unavailable    the field cannot be checked yet (card fields until the card
 *                  register plugs in: see dc_verify_card)
 *   invalid        the claimed value is malformed (a date that is no date)
 * A record matches fully when it is found, alive, and every claimed field is
 * exact, normalised or no_diacritics.
 *
 * Ownership: strings in the structs below are borrowed for the call. The
 * matching functions are pure and thread-safe; the store functions follow
 * store.h (one thread per store; each write is one transaction).
 */
#ifndef DANCU_VERIFY_H
#define DANCU_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "dancu/buf.h"
#include "dancu/citizen.h"
#include "dancu/date.h"

struct dc_store;
struct dc_units;

/* X(enum suffix, code) — the fields a relying party may verify. Never
 * reorder (policies are stored by code, masks are per process). */
#define DC_VERIFY_FIELDS(X)           \
	X(NAME, "name")               \
	X(DOB, "dob")                 \
	X(SEX, "sex")                 \
	X(ADDRESS, "address")         \
	X(PHONE, "phone")             \
	X(EMAIL, "email")             \
	X(FATHER_NAME, "father_name") \
	X(MOTHER_NAME, "mother_name") \
	X(NATIONALITY, "nationality") \
	X(CARD_ISSUE_DATE, "card_issue_date")

enum dc_vfield {
#define DC__VF(e, code) DC_VF_##e,
	DC_VERIFY_FIELDS(DC__VF)
#undef DC__VF
	        DC_VF__COUNT
};

/* X(enum suffix, code) — the reason codes. */
#define DC_VERIFY_REASONS(X)              \
	X(NONE, "not_claimed")            \
	X(EXACT, "exact")                 \
	X(NORMALISED, "normalised")       \
	X(NO_DIACRITICS, "no_diacritics") \
	X(PARTIAL, "partial")             \
	X(MISMATCH, "mismatch")           \
	X(NO_RECORD, "not_on_record")     \
	X(UNAVAILABLE, "unavailable")     \
	X(INVALID, "invalid")

enum dc_vreason {
#define DC__VR(e, code) DC_VR_##e,
	DC_VERIFY_REASONS(DC__VR)
#undef DC__VR
	        DC_VR__COUNT
};

/* Record-level status. */
enum dc_vstatus { DC_VS_FOUND = 0, DC_VS_NOT_FOUND, DC_VS_DECEASED, DC_VS_MISSING, DC_VS__COUNT };

/* The identity card behind the record. Filled by one internal hook
 * (src/verify/card_hook.c); until the card register exists it answers
 * DC_VCARD_UNKNOWN and card fields are "unavailable". The card module
 * replaces that one function: nothing else changes. */
enum dc_verify_card_state {
	DC_VCARD_UNKNOWN = 0,
	DC_VCARD_VALID,
	DC_VCARD_EXPIRED,
	DC_VCARD_REVOKED
};
struct dc_verify_card {
	enum dc_verify_card_state state;
	struct dc_date issue_date; /* empty when unknown */
};

/* Stable codes; static strings. NULL for out-of-range values. */
const char *dc_vfield_code(enum dc_vfield f);
const char *dc_vreason_code(enum dc_vreason r);
const char *dc_vstatus_code(enum dc_vstatus s);
const char *dc_verify_card_state_code(enum dc_verify_card_state s);
/* The field with this code (n bytes), or -1. */
int dc_vfield_parse(const char *s, size_t n);
/* true for the reasons that count as a match (exact, normalised, no_diacritics). */
int dc_vreason_is_match(enum dc_vreason r);

/* Claimed values, by field; v[f] NULL = not claimed. n[f] is the length. */
struct dc_verify_claims {
	const char *v[DC_VF__COUNT];
	size_t n[DC_VF__COUNT];
};

struct dc_verify_result {
	enum dc_vstatus status;
	enum dc_verify_card_state card;
	int full_match;                     /* found, alive, every claimed field a match */
	unsigned char reason[DC_VF__COUNT]; /* enum dc_vreason; NONE when not claimed */
};

/* Scratch space for matching (key buffers); one per thread, reusable. */
struct dc_verify_scratch {
	struct dc_buf a, b, c, d;
};
void dc_verify_scratch_init(struct dc_verify_scratch *s);
void dc_verify_scratch_release(struct dc_verify_scratch *s);

/* Compares claims with a record (rec NULL = not found). units (may be NULL)
 * names the record's commune and province for addresses; card may be NULL
 * (unknown). Fills *out. DC_ERR_NOMEM only. */
int dc_verify_match(const struct dc_citizen *rec, const struct dc_verify_card *card,
                    const struct dc_units *units, const struct dc_verify_claims *cl,
                    struct dc_verify_scratch *scratch, struct dc_verify_result *out);

/* Single-field comparisons (used by dc_verify_match; exposed for tests).
 * rec NULL or "" gives not_on_record. Those taking scratch return the enum
 * value or DC_ERR_NOMEM (negative). */
int dc_verify_name(const char *claim, size_t n, const char *rec, struct dc_verify_scratch *s);
enum dc_vreason dc_verify_date(const char *claim, size_t n, const struct dc_date *rec);
enum dc_vreason dc_verify_sex(const char *claim, size_t n, int rec_sex);
enum dc_vreason dc_verify_phone(const char *claim, size_t n, const char *rec);
enum dc_vreason dc_verify_email(const char *claim, size_t n, const char *rec);
/* rec_street: the street part; rec_commune / rec_province: unit names (any
 * may be NULL). */
int dc_verify_address(const char *claim, size_t n, const char *rec_street, const char *rec_commune,
                      const char *rec_province, struct dc_verify_scratch *s);
enum dc_vreason dc_verify_nationality(const char *claim, size_t n, const char *rec);

/* --- organisations ------------------------------------------------------ */

/* X(enum suffix, code) — purposes a relying party may verify for. */
#define DC_VERIFY_PURPOSES(X)                                 \
	X(ACCOUNT_OPENING, "account_opening")                 \
	X(CUSTOMER_DUE_DILIGENCE, "customer_due_diligence")   \
	X(CREDIT_ASSESSMENT, "credit_assessment")             \
	X(SUBSCRIBER_REGISTRATION, "subscriber_registration") \
	X(BENEFIT_PAYMENT, "benefit_payment")                 \
	X(EMPLOYMENT, "employment")                           \
	X(INSURANCE, "insurance")

enum dc_vpurpose {
#define DC__VP(e, code) DC_VP_##e,
	DC_VERIFY_PURPOSES(DC__VP)
#undef DC__VP
	        DC_VP__COUNT
};
const char *dc_vpurpose_code(enum dc_vpurpose p); /* static; NULL out of range */
int dc_vpurpose_parse(const char *s, size_t n);   /* -1 when unknown */

struct dc_org {
	char id[65];    /* 1–64 of a-z 0-9 . _ - */
	char name[201]; /* display name */
	int disabled;
	uint32_t verify_fields;  /* bit (1u << enum dc_vfield) */
	uint32_t receive_fields; /* e-KYC (not used yet) */
	uint32_t purposes;       /* bit (1u << enum dc_vpurpose) */
	int64_t daily_quota;     /* verifications a day (rows count one each); 0 = none */
	int64_t created_ms;
};

/* Parses a comma-separated list of field codes (or "" = none, "*" = all)
 * into a mask. DC_ERR_INVALID names nothing; callers say which list. */
int dc_vfields_parse(const char *s, uint32_t *mask);
int dc_vpurposes_parse(const char *s, uint32_t *mask);
/* Appends the codes of a mask, comma-separated. */
int dc_vfields_format(uint32_t mask, struct dc_buf *out);
int dc_vpurposes_format(uint32_t mask, struct dc_buf *out);

/* Onboards an organisation. DC_ERR_INVALID (bad id or empty name),
 * DC_ERR_CONFLICT (id taken). */
int dc_org_add(struct dc_store *s, const struct dc_org *o, int64_t now_ms);
int dc_org_get(struct dc_store *s, const char *id, struct dc_org *out); /* DC_ERR_NOT_FOUND */
int dc_org_list(struct dc_store *s, int (*cb)(void *arg, const struct dc_org *o), void *arg);
/* A disabled organisation's keys stop working at once (its requests are
 * refused with DC_ERR_FORBIDDEN). */
int dc_org_set_disabled(struct dc_store *s, const char *id, int disabled);
/* Replaces the policy (fields, purposes, quota) of o->id with o's. */
int dc_org_set_policy(struct dc_store *s, const struct dc_org *o);

/* Usage of one organisation on one day (YYYY-MM-DD, Vietnam time). */
struct dc_org_usage {
	char day[11];
	int64_t requests;   /* 1:1 requests answered */
	int64_t rows;       /* batch rows verified */
	int64_t full_match; /* of requests + rows */
	int64_t not_found;
	int64_t refused; /* requests refused by policy, replay or quota */
};
/* Adds delta's counts to (org, delta->day). Joins the caller's transaction. */
int dc_org_usage_add(struct dc_store *s, const char *org, const struct dc_org_usage *delta);
/* Calls cb per day, newest first, at most `days` days (0 = all). */
int dc_org_usage_list(struct dc_store *s, const char *org, int days,
                      int (*cb)(void *arg, const struct dc_org_usage *u), void *arg);
/* Today's day string in Vietnam (UTC+7) for a time in ms. */
void dc_org_day(int64_t now_ms, char out[11]);

/* --- 1:1 verification --------------------------------------------------- */

#define DC_VERIFY_WINDOW_MS (5 * 60 * 1000LL) /* request timestamp ± 5 minutes */

struct dc_verify_request {
	const char *org;        /* organisation id (from its API key) */
	const char *actor;      /* the key id, for the audit log */
	const char *txn;        /* caller's transaction id, unique per organisation (1–64
	                           printable ASCII) */
	int64_t ts_ms;          /* caller's timestamp */
	const char *purpose;    /* one of DC_VERIFY_PURPOSES, allowed by the policy */
	const char *id_number;  /* 12-digit personal ID number, or */
	const char *old_id;     /* a 9- or 12-digit old CMND number */
	const char *request_id; /* for the audit log, may be NULL */
	struct dc_verify_claims claims;
};

/* Verifies one request for org in one transaction: checks the policy
 * (DC_ERR_FORBIDDEN: disabled organisation, purpose or a claimed field
 * outside it — detail names it), the timestamp window and the transaction id
 * (DC_ERR_REPLAY: outside ±DC_VERIFY_WINDOW_MS, or txn already used by this
 * organisation), the daily quota (DC_ERR_RATE), reads the record as of now
 * (a registration or death committed before is seen), matches, writes the
 * audit entry (org, purpose, claimed fields, subject) and the usage, and
 * commits — all before the caller may answer. DC_ERR_INVALID for a request
 * without an ID number or claims. detail (may be NULL, ≥ 160 bytes) gets the
 * reason of a refusal. A refused request still counts in usage.refused. */
int dc_verify_one(struct dc_store *s, const struct dc_units *units, const struct dc_org *org,
                  const struct dc_verify_request *rq, int64_t now_ms,
                  struct dc_verify_scratch *scratch, struct dc_verify_result *out, char *detail);

/* --- batch verification ------------------------------------------------
 *
 * Input: CSV with a header naming its columns — "id_number" (12 digits) or
 * "old_id_number", optionally "ref" (the caller's own reference, echoed),
 * and one column per claimed field (codes of DC_VERIFY_FIELDS; an empty cell
 * claims nothing). Output: CSV "line,ref,id_number,status,card_status,match,
 * <claimed fields>,error", one row per input row in input order; a bad row
 * (malformed CSV, wrong number of fields, a bad ID number) gets status
 * "bad_row" and the reason in "error" and never stops the job.
 *
 * Rows are processed in chunks: read and parse a chunk, look its numbers up
 * in number order inside one read snapshot (PostgreSQL: one query per
 * chunk), match, write the result rows, then one transaction with the
 * chunk's audit entry (action "verify.batch", linked to every number looked
 * up, so each person's data tracker lists it), the usage count and the
 * caller's checkpoint. Memory is bounded by the chunk, whatever the file size. */

struct dc_verify_summary {
	uint64_t rows;     /* valid rows verified */
	uint64_t bad_rows; /* rows reported as bad */
	uint64_t status[DC_VS__COUNT];
	uint64_t full_match;
	uint64_t claimed[DC_VF__COUNT]; /* rows with a record (any status) claiming f */
	uint64_t reasons[DC_VF__COUNT][DC_VR__COUNT];
	uint64_t bad_lines[20]; /* the first bad rows' lines */
	size_t nbad_lines;
};

/* "83.28%": num/den in percent, rounded half up to two decimals ("0.00%"
 * when den is 0). out holds 16 bytes. */
void dc_verify_rate(uint64_t num, uint64_t den, char out[16]);

/* Appends the summary as JSON: rows, bad_rows, full_match, full_match_rate,
 * status counts, per field claimed / matched / match_rate / reasons, and the
 * first bad lines. */
int dc_verify_summary_json(const struct dc_verify_summary *s, struct dc_buf *out);

/* Reads back what dc_verify_summary_json wrote (to resume a job).
 * DC_ERR_INVALID. */
int dc_verify_summary_parse(const char *json, size_t n, struct dc_verify_summary *out);

struct dc_verify_progress {
	uint64_t in_offset;  /* input bytes done: a resumed run starts here */
	uint64_t next_line;  /* physical line there */
	uint64_t out_offset; /* result bytes written so far */
	const struct dc_verify_summary *sum;
};

struct dc_verify_batch {
	const struct dc_org *org;
	const char *purpose;                 /* allowed by the policy */
	const char *actor;                   /* audit actor: the key id or "cli:<user>" */
	const char *job;                     /* audit request id (the job id), may be NULL */
	int in_fd;                           /* the input; read from offset 0 for the header */
	int out_fd;                          /* results are written at its current position */
	uint64_t resume_offset, resume_line; /* 0, 0 for a new run */
	uint64_t out_offset;                 /* result bytes already written (resume) */
	/* Called inside each chunk's transaction after its audit entries: record
	 * progress; a non-zero return (DC_ERR_CANCELLED) stops the run after that
	 * chunk commits, and is returned. May be NULL. */
	int (*checkpoint)(void *arg, struct dc_store *s, const struct dc_verify_progress *p);
	void *arg;
	size_t chunk; /* rows per chunk, 0 = 16384 */
};

/* Runs a batch. sum holds the totals so far (zero for a new run, the last
 * checkpoint's for a resumed one) and is updated. Returns DC_OK at the end
 * of input; DC_ERR_INVALID / DC_ERR_FORBIDDEN for a header that is not
 * usable or names a field outside the policy, or a purpose outside it
 * (detail says which; nothing processed); DC_ERR_RATE when the daily quota
 * runs out (the run stops at a chunk boundary: resumable); the checkpoint's
 * code; or an I/O or storage error (the chunk in progress is not counted). */
int dc_verify_batch_run(struct dc_store *s, const struct dc_units *units,
                        const struct dc_verify_batch *b, struct dc_verify_summary *sum,
                        char *detail, size_t dlen);

#endif
