/*
 * exchange_internal.h — shared by the files of src/exchange/ and the HTTP
 * and CLI front ends of the exchange.
 */
#ifndef DANCU_EXCHANGE_INTERNAL_H
#define DANCU_EXCHANGE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Opens a sealed webhook secret (hex, from agency.webhook_sealed) with the
 * master key. DC_ERR_VERIFY when it does not open. */
int dc__agency_webhook_secret(const char *sealed_hex, const unsigned char key[32],
                              unsigned char secret[32]);

struct dc_buf;
/* Appends the feed's JSON object for one event to out when it touches a
 * field of the subscription list `fields`: returns 1 (appended), 0 (not for
 * this agency), or an error. Strings are borrowed; pin may be NULL. */
int dc__feed_event_json(const char *fields, int64_t seq, const char *pin, const char *kind,
                        int64_t at_ms, const char *before_json, const char *after_json,
                        struct dc_buf *out);

/* Splits "http://host[:port][/path]" (NUL-terminated) into host (hn
 * bytes), port (pn bytes; "80" when absent) and *path (points into url; "/"
 * when absent). DC_ERR_INVALID for another scheme, an empty host or port,
 * or parts too long. Pure. */
int dc__webhook_split_url(const char *url, char *host, size_t hn, char *port, size_t pn,
                          const char **path);

/* The status code of an HTTP/1.0 or 1.1 status line at resp (n bytes):
 * 100–599, or -1 when it is not one. Pure. */
int dc__webhook_status(const char *resp, size_t n);

#endif
