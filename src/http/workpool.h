/*
 * workpool.h — a bounded pool of threads for CPU-heavy request work
 * (argon2id password checks) that must not run on an event loop
 * (workpool.c). Internal to src/http/.
 *
 * Jobs are struct dc__job (committer.h): work runs on a pool thread with
 * store NULL and must touch only its arg; then msg is posted to reply, and
 * the submitting loop owns the job again. The queue is bounded: past
 * max_queue waiting jobs, submit says DC_ERR_BUSY at once, so a flood of
 * logins is answered 429 rather than queued without limit, and the wait of
 * an admitted job stays bounded (max_queue / threads job times).
 */
#ifndef DANCU_HTTP_WORKPOOL_H
#define DANCU_HTTP_WORKPOOL_H

#include <stdint.h>

#include "http/committer.h"

struct dc__workpool;

/* Starts nthreads (≥ 1) threads. *out is owned by the caller until
 * dc__workpool_stop. DC_ERR_NOMEM when a thread cannot be started. */
int dc__workpool_start(unsigned nthreads, unsigned max_queue, struct dc__workpool **out);

/* Runs the jobs still queued, then stops the threads and frees the pool.
 * Every loop that may receive replies must still be running. NULL-safe. */
void dc__workpool_stop(struct dc__workpool *p);

/* Queues j. DC_ERR_BUSY when the queue is full or stopping (j untouched). */
int dc__workpool_submit(struct dc__workpool *p, struct dc__job *j);

/* Counters for /metrics. */
void dc__workpool_stats(struct dc__workpool *p, uint64_t *done, uint64_t *rejected,
                        unsigned *queued, unsigned *threads);

#endif
