/*
 * walckpt.h — a background thread that checkpoints a SQLite register's WAL
 * (walckpt.c). Internal to src/http/.
 *
 * Without it the connection that commits (the group committer) copies the
 * WAL back into the database itself whenever the WAL passes the driver's
 * threshold, and every request of that batch waits. With it, a thread of its
 * own runs a PASSIVE checkpoint every period: it never blocks a reader or
 * the writer, and the committer's own checkpoints, still armed as the
 * bound on the WAL's size, find little left to copy.
 *
 * Ownership: *out belongs to the caller until dc__walckpt_stop.
 */
#ifndef DANCU_HTTP_WALCKPT_H
#define DANCU_HTTP_WALCKPT_H

struct dc__walckpt;

/* Starts the thread on its own connection to target, a SQLite register
 * (DC_ERR_INVALID for another store). period_ms 0 means 50. */
#include <stddef.h>

int dc__walckpt_start(const char *target, unsigned period_ms, struct dc__walckpt **out, char *err,
                      size_t errlen);

/* Stops the thread and closes its connection. NULL-safe. */
void dc__walckpt_stop(struct dc__walckpt *w);

/* Checkpoints run so far (for /metrics). */
unsigned long long dc__walckpt_count(struct dc__walckpt *w);

#endif
