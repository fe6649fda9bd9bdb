/*
 * org_cert.h — client certificates (mTLS) bound to organisations (internal,
 * dc__). A certificate is named by the SHA-256 of its DER encoding, as 64
 * lower-case hex digits (what `openssl x509 -fingerprint -sha256` prints,
 * without the colons). An organisation with no bound certificate is served
 * with its API key alone; one with bound certificates must also present one
 * of them (the TLS layer checks the chain against the client CA; this
 * checks which organisation it belongs to). Store rules as in store.h.
 */
#ifndef DANCU_VERIFY_ORG_CERT_H
#define DANCU_VERIFY_ORG_CERT_H

#include <stdint.h>

struct dc_store;

/* 1 when s is 64 lower-case hex digits. */
int dc__org_cert_sha_ok(const char *s);

/* The SHA-256 fingerprint of the first certificate in the PEM file at path.
 * DC_ERR_INVALID when it holds none. */
int dc__org_cert_file_sha256(const char *path, char out[65]);

/* Binds / unbinds. add: DC_ERR_INVALID (bad fingerprint), DC_ERR_CONFLICT
 * (already bound). remove: DC_ERR_NOT_FOUND. */
int dc__org_cert_add(struct dc_store *s, const char *org, const char *sha256, const char *label,
                     int64_t now_ms);
int dc__org_cert_remove(struct dc_store *s, const char *org, const char *sha256);
int dc__org_cert_list(struct dc_store *s, const char *org,
                      int (*cb)(void *arg, const char *sha256, const char *label,
                                int64_t created_ms),
                      void *arg);

/* DC_OK when org has no bound certificate or presented (the request's
 * verified client certificate, NULL when none) is one of them; DC_ERR_AUTH
 * otherwise; or a storage error. */
int dc__org_cert_check(struct dc_store *s, const char *org, const char *presented);

#endif
