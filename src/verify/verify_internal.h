/*
 * verify_internal.h — shared by the files of src/verify/ (and the HTTP and
 * CLI front ends of verification).
 */
#ifndef DANCU_VERIFY_INTERNAL_H
#define DANCU_VERIFY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "dancu/citizen.h"
#include "dancu/pool.h"
#include "dancu/verify.h"

struct dc_store;
struct dc_stmt;

/* The card of pin (struct dc_verify_card). The hook the card register plugs
 * into (src/verify/card_hook.c); until then always DC_VCARD_UNKNOWN. */
int dc__verify_card_lookup(struct dc_store *s, const char *pin, struct dc_verify_card *out);

/* The columns verification reads, in this order, for a statement that
 * selects them (a narrow row: matching never needs the whole record). */
#define DC__VERIFY_COLS                                                                 \
	"pin, dob, sex, status, birth_name, perm_address, perm_commune, phone, email, " \
	"father_name, mother_name, nationality"

/* Fills c from the current row of st (columns DC__VERIFY_COLS); text is
 * copied into pool. DC_ERR_NOMEM. */
int dc__verify_row(struct dc_stmt *st, struct dc_citizen *c, struct dc_pool *pool);

/* Reads the record of pin for verification (the transaction's view).
 * DC_ERR_NOT_FOUND. */
int dc__verify_fetch(struct dc_store *s, const struct dc_pin *pin, struct dc_citizen *c,
                     struct dc_pool *pool);

/* DC_ERR_RATE when org's daily quota cannot take `want` more verifications
 * on day (requests + batch rows so far). */
int dc__verify_quota(struct dc_store *s, const struct dc_org *org, const char *day, int64_t want);

/* --- batch jobs run by the server (job.c) --- */
#define DC__JOB_ID_LEN 28 /* "job_" + 24 hex */
struct dc__job {
	char id[DC__JOB_ID_LEN + 1];
	char org[65];
	char purpose[40];
	char state[16]; /* running cancelling done cancelled failed paused */
	int64_t created_ms, updated_ms;
	char in_path[1024], out_path[1024];
	uint64_t bytes_total, bytes_done, rows_done, next_line, out_bytes;
	char summary[16384]; /* summary JSON so far ("" before the first chunk) */
	char error[256];
};
/* Stores the uploaded CSV (n bytes) as dir/<id>.in.csv (mode 0600; dir
 * created if missing) and the job row in state "running". */
int dc__job_create(struct dc_store *s, const char *dir, const char *org, const char *purpose,
                   const void *csv, size_t n, struct dc__job *j);
int dc__job_get(struct dc_store *s, const char *id, struct dc__job *j); /* DC_ERR_NOT_FOUND */
/* DC_ERR_CONFLICT when `from` is given and the job is in another state. */
int dc__job_set_state(struct dc_store *s, const char *id, const char *from, const char *to,
                      const char *error);
/* true when a job may be resumed now. */
int dc__job_resumable(const struct dc__job *j, int64_t now_ms);
/* Runs job id in a detached thread with its own store connection to target
 * (a copy is taken); units must outlive the thread (the server's do). */
int dc__job_start(const char *target, const struct dc_units *units, const char *id);

typedef struct json_t json_t;
/* Parses the JSON body of a 1:1 request (n bytes; body may be NULL) into
 * *rq (org, actor and request_id left NULL for the caller). On success
 * *hold owns every string rq points to: json_decref it after use. On
 * failure returns DC_ERR_INVALID with a message in detail (dlen bytes). */
int dc__verify_request_parse(const char *body, size_t n, struct dc_verify_request *rq,
                             json_t **hold, char *detail, size_t dlen);

#endif
