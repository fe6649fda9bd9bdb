/*
 * workpool.c — the bounded CPU pool (see workpool.h).
 *
 * A plain mutex + condition variable queue: the jobs are tens of
 * milliseconds of argon2id each, so the queue's own cost does not matter;
 * what matters is the bound and that a stop drains what was admitted.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/internal.h"
#include "http/workpool.h"

struct dc__workpool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct dc__job *head, *tail;
	unsigned queued, max_queue, nthreads;
	int stop;
	uint64_t done, rejected;
	pthread_t threads[];
};

/* The pool's threads yield to the event loops: on a machine with as many
 * hash threads as cores, a login flood would otherwise take the CPU from
 * the loops that answer lookups (and the 429s). SCHED_BATCH + nice 5;
 * best effort, a refusal leaves the thread as it was. */
static void lower_priority(void)
{
	struct sched_param sp = {0};
	(void)pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), 5);
}

static void *pool_main(void *arg)
{
	struct dc__workpool *p = arg;
	lower_priority();
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->head && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->head)
			break; /* stopping and drained */
		struct dc__job *j = p->head;
		p->head = j->next;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
		pthread_mutex_unlock(&p->mu);
		j->next = NULL;
		j->rc = j->work(NULL, j->arg);
		h2o_multithread_send_message(j->reply, &j->msg);
		pthread_mutex_lock(&p->mu);
		p->done++;
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int dc__workpool_start(unsigned nthreads, unsigned max_queue, struct dc__workpool **out)
{
	if (nthreads == 0)
		nthreads = 1;
	struct dc__workpool *p = calloc(1, sizeof *p + nthreads * sizeof(pthread_t));
	*out = NULL;
	if (!p)
		return DC_ERR_NOMEM;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->max_queue = max_queue ? max_queue : 1;
	for (unsigned i = 0; i < nthreads; i++) {
		if (pthread_create(&p->threads[i], NULL, pool_main, p)) {
			p->nthreads = i;
			dc__workpool_stop(p);
			return DC_ERR_NOMEM;
		}
		p->nthreads = i + 1;
	}
	*out = p;
	return DC_OK;
}

void dc__workpool_stop(struct dc__workpool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}

int dc__workpool_submit(struct dc__workpool *p, struct dc__job *j)
{
	int rc = DC_OK;
	j->next = NULL;
	pthread_mutex_lock(&p->mu);
	if (p->stop || p->queued >= p->max_queue) {
		p->rejected++;
		rc = DC_ERR_BUSY;
	} else {
		if (p->tail)
			p->tail->next = j;
		else
			p->head = j;
		p->tail = j;
		p->queued++;
		pthread_cond_signal(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

void dc__workpool_stats(struct dc__workpool *p, uint64_t *done, uint64_t *rejected,
                        unsigned *queued, unsigned *threads)
{
	pthread_mutex_lock(&p->mu);
	*done = p->done;
	*rejected = p->rejected;
	*queued = p->queued;
	*threads = p->nthreads;
	pthread_mutex_unlock(&p->mu);
}
