/*
 * committer.c — group commit: one thread with its own store connection runs
 * the durable writes of many requests in one transaction.
 *
 * Event loops hand it jobs (an audit entry for a read, a hotel's report, …)
 * and go on serving; the committer takes every job waiting (up to a batch
 * limit), runs each inside its own savepoint of one transaction, commits
 * once, and posts each job back to its loop, which only then answers the
 * request. A failing job rolls back to its savepoint without touching the
 * others; a failing commit fails them all. One commit for many requests is
 * what lets a register that audits every read keep up with its readers.
 *
 * The queue is bounded: past max_queue jobs, submit says DC_ERR_BUSY and the
 * request is answered 503 with Retry-After at once rather than waiting
 * without limit.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dancu/store.h"

#include "core/internal.h"
#include "http/committer.h"

#define BATCH_MAX 512

struct dc__committer {
	struct dc_store *store;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct dc__job *head, *tail;
	unsigned queued, max_queue;
	int stop;
	uint64_t batches, jobs; /* for /metrics */
	void (*periodic)(struct dc_store *s, void *arg);
	void *periodic_arg;
	unsigned period_ms;
};

static void deadline_in(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* A batch of one job (the usual case when requests come one at a time)
 * runs without a savepoint: the transaction is the job's alone, so
 * rolling it back is what rolling back to the savepoint would do, and the
 * SAVEPOINT and RELEASE statements (on PostgreSQL two round trips) are
 * saved. */
static void run_one(struct dc__committer *k, struct dc__job *j)
{
	int rc = dc_store_begin(k->store);
	if (rc == DC_OK) {
		rc = j->work(k->store, j->arg);
		if (rc == DC_OK)
			rc = dc_store_commit(k->store); /* rolls back by itself on failure */
		else
			dc_store_rollback(k->store);
	}
	j->rc = rc;
	h2o_multithread_send_message(j->reply, &j->msg);
}

static void run_batch(struct dc__committer *k, struct dc__job *batch)
{
	if (!batch->next) {
		run_one(k, batch);
		return;
	}
	int rc = dc_store_begin(k->store);
	for (struct dc__job *j = batch; j; j = j->next) {
		if (rc) {
			j->rc = rc;
			continue;
		}
		/* A savepoint per job: a job that fails (or whose SQL error
		 * aborted the transaction on PostgreSQL) is undone alone. */
		j->rc = dc_store_sub_begin(k->store);
		if (j->rc == DC_OK) {
			j->rc = j->work(k->store, j->arg);
			int end = dc_store_sub_end(k->store, j->rc == DC_OK);
			if (j->rc == DC_OK)
				j->rc = end;
		}
	}
	if (rc == DC_OK) {
		rc = dc_store_commit(k->store);
		if (rc) {
			dc_store_rollback(k->store);
			for (struct dc__job *j = batch; j; j = j->next)
				if (j->rc == DC_OK)
					j->rc = rc; /* nothing of the batch is durable */
		}
	}
	struct dc__job *next;
	for (struct dc__job *j = batch; j; j = next) {
		next = j->next;
		h2o_multithread_send_message(j->reply, &j->msg);
	}
}

static void *committer_main(void *arg)
{
	struct dc__committer *k = arg;
	struct timespec next;
	deadline_in(&next, k->period_ms);
	pthread_mutex_lock(&k->mu);
	for (;;) {
		while (!k->head && !k->stop) {
			if (!k->periodic) {
				pthread_cond_wait(&k->cv, &k->mu);
				continue;
			}
			if (pthread_cond_timedwait(&k->cv, &k->mu, &next) == ETIMEDOUT) {
				pthread_mutex_unlock(&k->mu);
				k->periodic(k->store, k->periodic_arg);
				deadline_in(&next, k->period_ms);
				pthread_mutex_lock(&k->mu);
			}
		}
		if (!k->head && k->stop) {
			if (k->periodic) { /* seal the tail at a clean stop */
				pthread_mutex_unlock(&k->mu);
				k->periodic(k->store, k->periodic_arg);
				pthread_mutex_lock(&k->mu);
			}
			break;
		}
		struct dc__job *batch = k->head, *last = batch;
		unsigned n = 1;
		while (last->next && n < BATCH_MAX) {
			last = last->next;
			n++;
		}
		k->head = last->next;
		if (!k->head)
			k->tail = NULL;
		last->next = NULL;
		k->queued -= n;
		k->batches++;
		k->jobs += n;
		pthread_mutex_unlock(&k->mu);
		run_batch(k, batch);
		if (k->periodic) { /* under steady load too, not only when idle */
			struct timespec now;
			clock_gettime(CLOCK_REALTIME, &now);
			if (now.tv_sec > next.tv_sec ||
			    (now.tv_sec == next.tv_sec && now.tv_nsec >= next.tv_nsec)) {
				k->periodic(k->store, k->periodic_arg);
				deadline_in(&next, k->period_ms);
			}
		}
		pthread_mutex_lock(&k->mu);
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

int dc__committer_start(const char *target, const struct dc_units *u, unsigned max_queue,
                        void (*periodic)(struct dc_store *s, void *arg), void *periodic_arg,
                        unsigned period_ms, struct dc__committer **out, char *err, size_t errlen)
{
	struct dc__committer *k = calloc(1, sizeof *k);
	int rc;
	*out = NULL;
	if (!k)
		return DC_ERR_NOMEM;
	k->periodic = periodic;
	k->periodic_arg = periodic_arg;
	k->period_ms = period_ms ? period_ms : 60000;
	k->max_queue = max_queue ? max_queue : 1;
	rc = dc_store_open(target, u, &k->store, err, errlen);
	if (rc) {
		free(k);
		return rc;
	}
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	if (pthread_create(&k->thread, NULL, committer_main, k)) {
		dc_store_close(k->store);
		pthread_mutex_destroy(&k->mu);
		pthread_cond_destroy(&k->cv);
		free(k);
		return DC_ERR_NOMEM;
	}
	*out = k;
	return DC_OK;
}

void dc__committer_stop(struct dc__committer *k)
{
	if (!k)
		return;
	pthread_mutex_lock(&k->mu);
	k->stop = 1;
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
	pthread_join(k->thread, NULL);
	dc_store_close(k->store);
	pthread_mutex_destroy(&k->mu);
	pthread_cond_destroy(&k->cv);
	free(k);
}

int dc__committer_submit(struct dc__committer *k, struct dc__job *j)
{
	int rc = DC_OK;
	j->next = NULL;
	pthread_mutex_lock(&k->mu);
	if (k->stop || k->queued >= k->max_queue) {
		rc = DC_ERR_BUSY;
	} else {
		if (k->tail)
			k->tail->next = j;
		else
			k->head = j;
		k->tail = j;
		k->queued++;
		pthread_cond_signal(&k->cv);
	}
	pthread_mutex_unlock(&k->mu);
	return rc;
}

void dc__committer_stats(struct dc__committer *k, uint64_t *batches, uint64_t *jobs,
                         unsigned *queued)
{
	pthread_mutex_lock(&k->mu);
	*batches = k->batches;
	*jobs = k->jobs;
	*queued = k->queued;
	pthread_mutex_unlock(&k->mu);
}
