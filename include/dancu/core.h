/*
 * dancu/core.h — small things every dancu file uses.
 *
 * DC_BUG() reports a programmer mistake (a "can't happen" branch) and aborts;
 * it is not an error code and never handles bad outside input. DC_ARRAY_LEN
 * counts a static array. dc_ct_equal compares secrets in constant time.
 */
#ifndef DANCU_CORE_H
#define DANCU_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "dancu/error.h"

#define DC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Prints file, line and message to stderr, then aborts. Never returns. */
_Noreturn void dc__bug(const char *file, int line, const char *msg);
#define DC_BUG(msg) dc__bug(__FILE__, __LINE__, (msg))
#define DC_ASSERT(cond)                                                          \
	do {                                                                     \
		if (!(cond))                                                     \
			dc__bug(__FILE__, __LINE__, "assertion failed: " #cond); \
	} while (0)

/* 1 when the n bytes at a and b are equal, else 0; time depends only on n. */
int dc_ct_equal(const void *a, const void *b, size_t n);

/* Parses the n bytes at s as a non-negative decimal integer that fits in
 * *out and is at most max. Returns DC_OK or DC_ERR_INVALID (empty, non-digit,
 * too large). Replaces atoi/strtol, which are banned. */
int dc_parse_uint(const char *s, size_t n, unsigned long long max, unsigned long long *out);

/* The wall clock in milliseconds since the Unix epoch (UTC). */
int64_t dc_now_ms(void);

#endif
