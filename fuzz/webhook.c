/* libFuzzer target: what the webhook pusher parses from outside
 * (src/exchange/webhook.c): a receiver's status line and a webhook URL.
 * Never a crash or overread; a status is -1 or 100–599 and matches the
 * three digits at 9–11; a split URL gives a non-empty host without ':' or
 * '/', a non-empty port, and a path starting with '/'. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exchange/exchange_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int st = dc__webhook_status((const char *)data, size);
	if (st != -1 && (st < 100 || st > 599 || size < 12 ||
	                 st != (data[9] - '0') * 100 + (data[10] - '0') * 10 + (data[11] - '0')))
		__builtin_trap();
	char *url = malloc(size + 1);
	if (!url)
		return 0;
	memcpy(url, data, size);
	url[size] = '\0';
	char host[200], port[16];
	const char *path = NULL;
	if (dc__webhook_split_url(url, host, sizeof host, port, sizeof port, &path) == 0) {
		if (!host[0] || strchr(host, ':') || strchr(host, '/') || !port[0] || !path ||
		    path[0] != '/' || strnlen(host, sizeof host) == sizeof host)
			__builtin_trap();
	}
	free(url);
	return 0;
}
