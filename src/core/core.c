/*
 * core.c — the programmer-error trap, constant-time compare and the checked
 * integer parser that replaces atoi/strtol.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/internal.h"

_Noreturn void dc__bug(const char *file, int line, const char *msg)
{
	fprintf(stderr, "dancu: BUG at %s:%d: %s\n", file, line, msg);
	abort();
}

int dc_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a;
	const volatile unsigned char *y = b;
	unsigned char acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= (unsigned char)(x[i] ^ y[i]);
	return acc == 0;
}

int dc_parse_uint(const char *s, size_t n, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;
	if (n == 0 || n > 20)
		return DC_ERR_INVALID;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			return DC_ERR_INVALID;
		if (v > (max - d) / 10)
			return DC_ERR_INVALID;
		v = v * 10 + d;
	}
	*out = v;
	return DC_OK;
}

int64_t dc_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
