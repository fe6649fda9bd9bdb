/*
 * committer.h — group commit of the durable writes of many requests
 * (committer.c). Internal to src/http/.
 *
 * A job is owned by whoever submitted it. work runs on the committer's
 * thread with the committer's store connection, inside a savepoint of the
 * batch's transaction; it must touch only arg and the store. When the batch
 * is committed (or failed), rc holds the job's result and msg is posted to
 * reply, on the submitting loop's queue: the loop then owns the job again.
 */
#ifndef DANCU_HTTP_COMMITTER_H
#define DANCU_HTTP_COMMITTER_H

#include <h2o.h>
#include <stddef.h>
#include <stdint.h>

struct dc_store;
struct dc_units;
struct dc__committer;

struct dc__job {
	h2o_multithread_message_t msg; /* first: the loop casts back */
	h2o_multithread_receiver_t *reply;
	int (*work)(struct dc_store *s, void *arg);
	void *arg;
	int rc;
	struct dc__job *next; /* the committer's queue */
};

/* Opens the committer's own connection to target and starts its thread.
 * max_queue bounds the jobs waiting. When periodic is not NULL, the thread
 * also calls periodic(store, arg) every period_ms (between batches; the
 * audit checkpoints). */
int dc__committer_start(const char *target, const struct dc_units *u, unsigned max_queue,
                        void (*periodic)(struct dc_store *s, void *arg), void *periodic_arg,
                        unsigned period_ms, struct dc__committer **out, char *err, size_t errlen);

/* Runs the jobs still queued, then stops the thread and closes the store.
 * Every loop that may receive replies must still be running. NULL-safe. */
void dc__committer_stop(struct dc__committer *k);

/* Queues j. DC_ERR_BUSY when the queue is full or stopping (j untouched). */
int dc__committer_submit(struct dc__committer *k, struct dc__job *j);

/* Counters for /metrics. */
void dc__committer_stats(struct dc__committer *k, uint64_t *batches, uint64_t *jobs,
                         unsigned *queued);

#endif
