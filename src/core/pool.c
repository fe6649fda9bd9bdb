/*
 * pool.c — arena allocator: bump allocation in chunks, freed all at once.
 * Requests larger than a quarter chunk get a chunk of their own so that big
 * strings do not waste the rest of an ordinary chunk.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

struct dc__pool_chunk {
	struct dc__pool_chunk *next;
	size_t size; /* bytes of data[] */
	size_t off;  /* bytes used */
	_Alignas(max_align_t) unsigned char data[];
};

#define ALIGN (_Alignof(max_align_t))

void dc_pool_init(struct dc_pool *p, size_t chunk_size)
{
	p->head = NULL;
	p->chunk_size = chunk_size ? chunk_size : 64 * 1024;
	p->used = 0;
}

static struct dc__pool_chunk *chunk_new(size_t size)
{
	struct dc__pool_chunk *c = malloc(sizeof(*c) + size);
	if (!c)
		return NULL;
	c->next = NULL;
	c->size = size;
	c->off = 0;
	return c;
}

void dc_pool_clear(struct dc_pool *p)
{
	struct dc__pool_chunk *keep = NULL;
	struct dc__pool_chunk *c = p->head;
	while (c) {
		struct dc__pool_chunk *next = c->next;
		if (!keep && c->size == p->chunk_size) {
			keep = c;
			keep->off = 0;
			keep->next = NULL;
		} else {
			free(c);
		}
		c = next;
	}
	p->head = keep;
	p->used = 0;
}

void dc_pool_release(struct dc_pool *p)
{
	if (!p)
		return;
	struct dc__pool_chunk *c = p->head;
	while (c) {
		struct dc__pool_chunk *next = c->next;
		free(c);
		c = next;
	}
	p->head = NULL;
	p->used = 0;
}

void *dc_pool_alloc(struct dc_pool *p, size_t n)
{
	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - ALIGN)
		return NULL;
	n = (n + ALIGN - 1) & ~(ALIGN - 1);
	struct dc__pool_chunk *c = p->head;
	if (c && c->size - c->off >= n) {
		void *r = c->data + c->off;
		c->off += n;
		p->used += n;
		return r;
	}
	if (n > p->chunk_size / 4) {
		/* Own chunk, linked behind the head so the head keeps filling. */
		struct dc__pool_chunk *big = chunk_new(n);
		if (!big)
			return NULL;
		big->off = n;
		if (c) {
			big->next = c->next;
			c->next = big;
		} else {
			p->head = big;
		}
		p->used += n;
		return big->data;
	}
	struct dc__pool_chunk *fresh = chunk_new(p->chunk_size);
	if (!fresh)
		return NULL;
	fresh->next = c;
	p->head = fresh;
	fresh->off = n;
	p->used += n;
	return fresh->data;
}

char *dc_pool_strndup(struct dc_pool *p, const char *s, size_t n)
{
	char *r = dc_pool_alloc(p, n + 1);
	if (!r)
		return NULL;
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

char *dc_pool_strdup(struct dc_pool *p, const char *s)
{
	return s ? dc_pool_strndup(p, s, strlen(s)) : NULL;
}
