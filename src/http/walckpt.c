/*
 * walckpt.c — the WAL checkpoint thread of a SQLite register (walckpt.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dancu/db.h"
#include "dancu/error.h"

#include "core/internal.h"
#include "http/walckpt.h"

struct dc__walckpt {
	struct dc_db *db;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	unsigned period_ms;
	atomic_ullong count;
};

static void *walckpt_main(void *arg)
{
	struct dc__walckpt *w = arg;
	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)w->period_ms * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) != ETIMEDOUT)
			continue; /* woken to stop */
		pthread_mutex_unlock(&w->mu);
		/* PASSIVE: copies what no reader still needs, waits for no one;
		 * a failure (the database busy) is retried next period. */
		if (dc_db_exec(w->db, "PRAGMA wal_checkpoint(PASSIVE)") == DC_OK)
			atomic_fetch_add(&w->count, 1);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int dc__walckpt_start(const char *target, unsigned period_ms, struct dc__walckpt **out, char *err,
                      size_t errlen)
{
	*out = NULL;
	struct dc__walckpt *w = calloc(1, sizeof *w);
	if (!w)
		return DC_ERR_NOMEM;
	w->period_ms = period_ms ? period_ms : 50;
	int rc = dc_db_open(target, &w->db, err, errlen);
	if (rc == DC_OK && dc_db_driver(w->db) != &dc_db_sqlite) {
		snprintf(err, errlen, "the WAL checkpoint thread is for a SQLite register");
		dc_db_close(w->db);
		rc = DC_ERR_INVALID;
	}
	if (rc) {
		free(w);
		return rc;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->thread, NULL, walckpt_main, w)) {
		dc_db_close(w->db);
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		free(w);
		return DC_ERR_NOMEM;
	}
	*out = w;
	return DC_OK;
}

void dc__walckpt_stop(struct dc__walckpt *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	dc_db_close(w->db);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}

unsigned long long dc__walckpt_count(struct dc__walckpt *w)
{
	return w ? atomic_load(&w->count) : 0;
}
