/*
 * buf.c — the size-capped string builder with a sticky first error.
 * Growth doubles the allocation; nothing is ever written past `max`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

void dc_buf_init(struct dc_buf *b, size_t max)
{
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : DC_BUF_DEFAULT_MAX;
	b->err = 0;
}

void dc_buf_release(struct dc_buf *b)
{
	if (!b)
		return;
	size_t max = b->max;
	free(b->ptr);
	dc_buf_init(b, max);
}

void dc_buf_reset(struct dc_buf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

int dc_buf_grow(struct dc_buf *b, size_t n)
{
	size_t max = b->max ? b->max : DC_BUF_DEFAULT_MAX;
	if (b->err)
		return b->err;
	if (n > max || b->len > max - n) {
		b->err = DC_ERR_TOO_LARGE;
		return b->err;
	}
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return DC_OK;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->ptr, cap);
	if (!p) {
		b->err = DC_ERR_NOMEM;
		return b->err;
	}
	b->ptr = p;
	b->cap = cap;
	b->ptr[b->len] = '\0'; /* a fresh buffer is "" at once, as buf.h promises */
	return DC_OK;
}

int dc_buf_add(struct dc_buf *b, const void *p, size_t n)
{
	int rc = dc_buf_grow(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->ptr + b->len, p, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return DC_OK;
}

int dc_buf_adds(struct dc_buf *b, const char *s)
{
	return dc_buf_add(b, s, strlen(s));
}

int dc_buf_addc(struct dc_buf *b, char c)
{
	return dc_buf_add(b, &c, 1);
}

int dc_buf_vaddf(struct dc_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	if (b->err)
		return b->err;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		DC_BUG("bad format string");
	int rc = dc_buf_grow(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return DC_OK;
}

int dc_buf_addf(struct dc_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = dc_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int dc_buf_add_json_str(struct dc_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		dc_buf_add(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"':
			dc_buf_add(b, "\\\"", 2);
			break;
		case '\\':
			dc_buf_add(b, "\\\\", 2);
			break;
		case '\n':
			dc_buf_add(b, "\\n", 2);
			break;
		case '\r':
			dc_buf_add(b, "\\r", 2);
			break;
		case '\t':
			dc_buf_add(b, "\\t", 2);
			break;
		default: {
			char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			dc_buf_add(b, u, 6);
		}
		}
	}
	return dc_buf_add(b, s + run, n - run);
}

int dc_buf_error(const struct dc_buf *b)
{
	return b->err;
}

const char *dc_buf_str(const struct dc_buf *b)
{
	return b->ptr ? b->ptr : "";
}

char *dc_buf_detach(struct dc_buf *b, size_t *len_out)
{
	char *p = b->ptr;
	if (len_out)
		*len_out = b->len;
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	b->err = 0;
	return p;
}
