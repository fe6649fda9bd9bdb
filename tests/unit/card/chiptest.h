/* chiptest.h — hex helpers shared by the chip tests (tests/unit/card). */
#ifndef DANCU_CHIPTEST_H
#define DANCU_CHIPTEST_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes hex (spaces ignored) into out; returns the byte count. */
static inline size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	for (; *h; h++) {
		int v = hexval(*h);
		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			if (n < cap)
				out[n] = (uint8_t)(hi << 4 | v);
			n++;
			hi = -1;
		}
	}
	return n;
}

/* Compares n bytes with hex h. */
#define assert_hex(p, n, h)                             \
	do {                                            \
		uint8_t x_[4096];                       \
		size_t xn_ = unhex((h), x_, sizeof x_); \
		assert_int_equal((n), xn_);             \
		assert_memory_equal((p), x_, xn_);      \
	} while (0)

#endif
