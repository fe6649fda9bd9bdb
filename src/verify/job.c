/*
 * job.c — batch verification jobs run by the server: a job row (state,
 * progress, summary), the uploaded input and the result file in the job
 * directory, and a thread per running job with its own store connection.
 *
 * States: running → done | cancelled | failed | paused (daily quota used
 * up); "cancelling" while a cancel waits for the chunk in progress. A job
 * checkpoints after every chunk, in the same transaction as that chunk's
 * audit entries: input offset and line, result bytes, rows and the summary
 * so far. Resuming cuts the result file back to the checkpoint and goes on
 * from the input offset, so a job stopped anywhere — cancelled, failed,
 * or the server killed — resumes without losing or repeating a row. A job
 * left "running" by a server that died is resumable once its heartbeat
 * (updated_ms, written at every checkpoint) is a minute old.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dancu/core.h"
#include "dancu/db.h"
#include "dancu/store.h"
#include "dancu/verify.h"

#include "core/internal.h"
#include "verify/verify_internal.h"

#define STALE_MS 60000

#define JOB_COLS                                                                               \
	"id, org_id, purpose, state, created_ms, updated_ms, in_path, out_path, bytes_total, " \
	"bytes_done, rows_done, next_line, out_bytes, summary_json, error"

int dc__job_get(struct dc_store *s, const char *id, struct dc__job *j)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(dc_store_db(s), "SELECT " JOB_COLS " FROM verify_job WHERE id = $1",
	                       &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, id);
		rc = dc_stmt_step(st);
		if (rc == DC_ROW) {
			const char *t;
			memset(j, 0, sizeof *j);
			snprintf(j->id, sizeof j->id, "%s", dc_stmt_text(st, 0, NULL));
			snprintf(j->org, sizeof j->org, "%s", dc_stmt_text(st, 1, NULL));
			snprintf(j->purpose, sizeof j->purpose, "%s", dc_stmt_text(st, 2, NULL));
			snprintf(j->state, sizeof j->state, "%s", dc_stmt_text(st, 3, NULL));
			j->created_ms = dc_stmt_int64(st, 4);
			j->updated_ms = dc_stmt_int64(st, 5);
			snprintf(j->in_path, sizeof j->in_path, "%s", dc_stmt_text(st, 6, NULL));
			snprintf(j->out_path, sizeof j->out_path, "%s", dc_stmt_text(st, 7, NULL));
			j->bytes_total = (uint64_t)dc_stmt_int64(st, 8);
			j->bytes_done = (uint64_t)dc_stmt_int64(st, 9);
			j->rows_done = (uint64_t)dc_stmt_int64(st, 10);
			j->next_line = (uint64_t)dc_stmt_int64(st, 11);
			j->out_bytes = (uint64_t)dc_stmt_int64(st, 12);
			t = dc_stmt_text(st, 13, NULL);
			snprintf(j->summary, sizeof j->summary, "%s", t ? t : "");
			t = dc_stmt_text(st, 14, NULL);
			snprintf(j->error, sizeof j->error, "%s", t ? t : "");
			rc = DC_OK;
		} else if (rc == DC_DONE) {
			rc = DC_ERR_NOT_FOUND;
		}
	}
	dc_stmt_finalize(st);
	return rc;
}

/* Sets the state (and error) of a job; with `from`, only when it is in
 * that state now (DC_ERR_CONFLICT otherwise). */
int dc__job_set_state(struct dc_store *s, const char *id, const char *from, const char *to,
                      const char *error)
{
	struct dc_stmt *st = NULL;
	int rc = dc_db_prepare(
	        dc_store_db(s),
	        from ? "UPDATE verify_job SET state = $2, error = $3, updated_ms = $4 "
	               "WHERE id = $1 AND state = $5"
	             : "UPDATE verify_job SET state = $2, error = $3, updated_ms = $4 "
	               "WHERE id = $1",
	        &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, id);
		dc_stmt_bind_str(st, 2, to);
		dc_stmt_bind_str(st, 3, error);
		dc_stmt_bind_int64(st, 4, dc_now_ms());
		if (from)
			dc_stmt_bind_str(st, 5, from);
		rc = dc_stmt_step(st);
		if (rc == DC_DONE)
			rc = dc_stmt_changes(st) ? DC_OK : DC_ERR_CONFLICT;
	}
	dc_stmt_finalize(st);
	return rc;
}

int dc__job_create(struct dc_store *s, const char *dir, const char *org, const char *purpose,
                   const void *csv, size_t n, struct dc__job *j)
{
	unsigned char raw[12];
	struct dc_stmt *st = NULL;
	int fd = -1, rc = DC_OK;
	memset(j, 0, sizeof *j);
	if (sodium_init() < 0)
		return DC_ERR_NOMEM;
	randombytes_buf(raw, sizeof raw);
	memcpy(j->id, "job_", 4);
	sodium_bin2hex(j->id + 4, sizeof j->id - 4, raw, sizeof raw);
	if (mkdir(dir, 0700) && errno != EEXIST)
		return DC_ERR_IO;
	snprintf(j->in_path, sizeof j->in_path, "%s/%s.in.csv", dir, j->id);
	snprintf(j->out_path, sizeof j->out_path, "%s/%s.out.csv", dir, j->id);
	snprintf(j->org, sizeof j->org, "%s", org);
	snprintf(j->purpose, sizeof j->purpose, "%s", purpose);
	snprintf(j->state, sizeof j->state, "running");
	fd = open(j->in_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == ENOSPC ? DC_ERR_NOSPACE : DC_ERR_IO;
	const char *p = csv;
	size_t left = n;
	while (left && rc == DC_OK) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			rc = errno == ENOSPC ? DC_ERR_NOSPACE : DC_ERR_IO;
		else {
			p += w;
			left -= (size_t)w;
		}
	}
	if (close(fd) && rc == DC_OK)
		rc = DC_ERR_IO;
	if (rc == DC_OK)
		rc = dc_db_prepare(
		        dc_store_db(s),
		        "INSERT INTO verify_job (id, org_id, purpose, state, created_ms, "
		        "updated_ms, in_path, out_path, bytes_total) VALUES ($1, $2, $3, "
		        "'running', $4, $4, $5, $6, $7)",
		        &st);
	if (rc == DC_OK) {
		j->created_ms = j->updated_ms = dc_now_ms();
		j->bytes_total = n;
		dc_stmt_bind_str(st, 1, j->id);
		dc_stmt_bind_str(st, 2, org);
		dc_stmt_bind_str(st, 3, purpose);
		dc_stmt_bind_int64(st, 4, j->created_ms);
		dc_stmt_bind_str(st, 5, j->in_path);
		dc_stmt_bind_str(st, 6, j->out_path);
		dc_stmt_bind_int64(st, 7, (int64_t)n);
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	if (rc)
		unlink(j->in_path);
	return rc;
}

int dc__job_resumable(const struct dc__job *j, int64_t now)
{
	return !strcmp(j->state, "cancelled") || !strcmp(j->state, "failed") ||
	       !strcmp(j->state, "paused") ||
	       ((!strcmp(j->state, "running") || !strcmp(j->state, "cancelling")) &&
	        now - j->updated_ms > STALE_MS);
}

struct jobrun {
	char target[1024];
	const struct dc_units *units;
	char id[DC__JOB_ID_LEN + 1];
};

/* Inside each chunk's transaction: progress, heartbeat, and a look at
 * whether the job was cancelled meanwhile. */
static int checkpoint(void *arg, struct dc_store *s, const struct dc_verify_progress *p)
{
	const char *id = arg;
	struct dc_stmt *st = NULL;
	struct dc_buf js = DC_BUF_INIT;
	char state[16] = "";
	int rc = dc_verify_summary_json(p->sum, &js);
	if (rc == DC_OK)
		rc = dc_db_prepare(dc_store_db(s), "SELECT state FROM verify_job WHERE id = $1",
		                   &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, id);
		if (dc_stmt_step(st) == DC_ROW)
			snprintf(state, sizeof state, "%s", dc_stmt_text(st, 0, NULL));
	}
	dc_stmt_finalize(st);
	st = NULL;
	if (rc == DC_OK)
		rc = dc_db_prepare(
		        dc_store_db(s),
		        "UPDATE verify_job SET bytes_done = $2, next_line = $3, out_bytes = "
		        "$4, rows_done = $5, summary_json = $6, updated_ms = $7 WHERE id = $1",
		        &st);
	if (rc == DC_OK) {
		dc_stmt_bind_str(st, 1, id);
		dc_stmt_bind_int64(st, 2, (int64_t)p->in_offset);
		dc_stmt_bind_int64(st, 3, (int64_t)p->next_line);
		dc_stmt_bind_int64(st, 4, (int64_t)p->out_offset);
		dc_stmt_bind_int64(st, 5, (int64_t)(p->sum->rows + p->sum->bad_rows));
		dc_stmt_bind_text(st, 6, dc_buf_str(&js), js.len);
		dc_stmt_bind_int64(st, 7, dc_now_ms());
		rc = dc_stmt_step(st);
		rc = rc == DC_DONE ? DC_OK : rc;
	}
	dc_stmt_finalize(st);
	dc_buf_release(&js);
	if (rc == DC_OK && !strcmp(state, "cancelling"))
		rc = DC_ERR_CANCELLED;
	return rc;
}

static void *run(void *arg)
{
	struct jobrun *jr = arg;
	struct dc_store *s = NULL;
	struct dc__job j;
	struct dc_org org;
	struct dc_verify_summary sum;
	char detail[256] = "", err[256];
	int in = -1, out = -1;
	int rc = dc_store_open(jr->target, jr->units, &s, err, sizeof err);
	if (rc)
		goto cleanup; /* nothing to record it in; the job stays resumable */
	if ((rc = dc__job_get(s, jr->id, &j)) || (rc = dc_org_get(s, j.org, &org)))
		goto done;
	memset(&sum, 0, sizeof sum);
	if (j.summary[0] && (rc = dc_verify_summary_parse(j.summary, strlen(j.summary), &sum)))
		goto done;
	in = open(j.in_path, O_RDONLY | O_CLOEXEC);
	out = open(j.out_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (in < 0 || out < 0 || ftruncate(out, (off_t)j.out_bytes) ||
	    lseek(out, (off_t)j.out_bytes, SEEK_SET) < 0) {
		rc = DC_ERR_IO;
		snprintf(detail, sizeof detail, "cannot open the job's files: %s", strerror(errno));
		goto done;
	}
	struct dc_verify_batch b = {&org,         j.purpose,   "job",       j.id,       in,   out,
	                            j.bytes_done, j.next_line, j.out_bytes, checkpoint, j.id, 0};
	char actor[96];
	snprintf(actor, sizeof actor, "org:%s", org.id);
	b.actor = actor;
	rc = dc_verify_batch_run(s, jr->units, &b, &sum, detail, sizeof detail);
	if (rc == DC_OK) {
		/* Final summary (a file with no rows never checkpointed). */
		struct dc_verify_progress p = {j.bytes_total, 0, (uint64_t)lseek(out, 0, SEEK_CUR),
		                               &sum};
		if (dc_store_begin(s) == DC_OK) {
			struct dc_stmt *st = NULL;
			int crc = dc_db_prepare(dc_store_db(s),
			                        "SELECT next_line FROM verify_job WHERE id = $1",
			                        &st);
			if (crc == DC_OK) {
				dc_stmt_bind_str(st, 1, j.id);
				if (dc_stmt_step(st) == DC_ROW)
					p.next_line = (uint64_t)dc_stmt_int64(st, 0);
			}
			dc_stmt_finalize(st);
			crc = checkpoint(j.id, s, &p);
			if (crc && crc != DC_ERR_CANCELLED)
				dc_store_rollback(s);
			else
				dc_store_commit(s);
		}
	}
done:
	if (fsync(out >= 0 ? out : -1) && out >= 0 && rc == DC_OK)
		rc = DC_ERR_IO;
	dc__job_set_state(s, jr->id, NULL,
	                  rc == DC_OK              ? "done"
	                  : rc == DC_ERR_CANCELLED ? "cancelled"
	                  : rc == DC_ERR_RATE      ? "paused"
	                                           : "failed",
	                  rc == DC_OK || rc == DC_ERR_CANCELLED ? NULL
	                  : detail[0]                           ? detail
	                                                        : dc_strerror(rc));
cleanup:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	dc_store_close(s);
	free(jr);
	return NULL;
}

int dc__job_start(const char *target, const struct dc_units *units, const char *id)
{
	pthread_t t;
	pthread_attr_t a;
	struct jobrun *jr = calloc(1, sizeof *jr);
	if (!jr)
		return DC_ERR_NOMEM;
	snprintf(jr->target, sizeof jr->target, "%s", target);
	snprintf(jr->id, sizeof jr->id, "%s", id);
	jr->units = units;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	int rc = pthread_create(&t, &a, run, jr) ? DC_ERR_NOMEM : DC_OK;
	pthread_attr_destroy(&a);
	if (rc)
		free(jr);
	return rc;
}
