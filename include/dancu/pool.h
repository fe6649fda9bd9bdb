/*
 * dancu/pool.h — a memory pool (arena) for short-lived objects.
 *
 * Allocations come from large chunks and are never freed one by one: the
 * whole pool is cleared at once (per request, per imported batch of rows).
 * Strings handed out by functions that take a pool are borrowed until that
 * pool is cleared or released.
 *
 * Not thread-safe; one pool belongs to one thread at a time.
 */
#ifndef DANCU_POOL_H
#define DANCU_POOL_H

#include <stddef.h>

struct dc__pool_chunk;

struct dc_pool {
	struct dc__pool_chunk *head; /* chunk being filled; older chunks follow */
	size_t chunk_size;           /* size of ordinary chunks */
	size_t used;                 /* bytes handed out since the last clear */
};

/* Initialises an empty pool whose chunks are chunk_size bytes (0 = 64 KiB). */
void dc_pool_init(struct dc_pool *p, size_t chunk_size);

/* Frees everything handed out; keeps the first chunk for reuse. */
void dc_pool_clear(struct dc_pool *p);

/* Frees all memory of the pool. NULL-safe. */
void dc_pool_release(struct dc_pool *p);

/* n bytes aligned for any type, or NULL when out of memory. */
void *dc_pool_alloc(struct dc_pool *p, size_t n);

/* A NUL-terminated copy of the n bytes at s, or NULL when out of memory. */
char *dc_pool_strndup(struct dc_pool *p, const char *s, size_t n);

/* A copy of the NUL-terminated s (NULL gives NULL). */
char *dc_pool_strdup(struct dc_pool *p, const char *s);

#endif
