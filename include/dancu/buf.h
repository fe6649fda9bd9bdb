/*
 * dancu/buf.h — a size-capped growable byte buffer (string builder).
 *
 * struct dc_buf is the one way dancu builds strings. It always keeps its
 * content NUL-terminated (when ptr is not NULL), never grows past `max`, and
 * remembers the first error: after a failed append every later append is a
 * no-op and dc_buf_error() reports the failure, so callers can append many
 * pieces and check once.
 *
 * Ownership: the buffer owns ptr. dc_buf_release() frees it; dc_buf_detach()
 * hands it to the caller ("you now own it", free with free()).
 * Not thread-safe; one buffer belongs to one thread at a time.
 */
#ifndef DANCU_BUF_H
#define DANCU_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct dc_buf {
	char *ptr;  /* content, NUL-terminated; NULL until the first append */
	size_t len; /* bytes of content, excluding the terminator */
	size_t cap; /* bytes allocated */
	size_t max; /* largest allowed len; 0 means DC_BUF_DEFAULT_MAX */
	int err;    /* first error (DC_ERR_NOMEM or DC_ERR_TOO_LARGE), else 0 */
};

#define DC_BUF_DEFAULT_MAX ((size_t)1 << 30)
#define DC_BUF_INIT              \
	{                        \
		NULL, 0, 0, 0, 0 \
	}

/* Initialises b as empty with the given cap on its length (0 = default). */
void dc_buf_init(struct dc_buf *b, size_t max);

/* Frees the content and leaves b empty and reusable (error cleared). NULL-safe. */
void dc_buf_release(struct dc_buf *b);

/* Empties b, keeping the allocation; clears the sticky error. */
void dc_buf_reset(struct dc_buf *b);

/* Appends n bytes of p. Returns 0 or the sticky error. */
int dc_buf_add(struct dc_buf *b, const void *p, size_t n);

/* Appends a NUL-terminated string. */
int dc_buf_adds(struct dc_buf *b, const char *s);

/* Appends one byte. */
int dc_buf_addc(struct dc_buf *b, char c);

/* Appends printf-formatted text. */
int dc_buf_addf(struct dc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int dc_buf_vaddf(struct dc_buf *b, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));

/* Appends s as the body of a JSON string (escapes ", \ and control bytes;
 * no surrounding quotes). */
int dc_buf_add_json_str(struct dc_buf *b, const char *s, size_t n);

/* Ensures room for n more bytes without changing len. */
int dc_buf_grow(struct dc_buf *b, size_t n);

/* The sticky error, or 0. */
int dc_buf_error(const struct dc_buf *b);

/* The content as a C string: "" when empty. Borrowed until the next change. */
const char *dc_buf_str(const struct dc_buf *b);

/* Hands the content to the caller (free with free()) and empties b.
 * Returns NULL if b is empty. *len_out (may be NULL) receives the length. */
char *dc_buf_detach(struct dc_buf *b, size_t *len_out);

#endif
