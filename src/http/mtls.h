/*
 * mtls.h — the client certificate of a request, for organisations bound to
 * one (internal to src/http/; see src/verify/org_cert.h).
 */
#ifndef DANCU_HTTP_MTLS_H
#define DANCU_HTTP_MTLS_H

struct dc__call;

/* 1 and the SHA-256 fingerprint (64 hex) in out when the request came over
 * TLS with a client certificate that verified against the client CA; 0
 * otherwise. */
int dc__mtls_peer_sha256(struct dc__call *c, char out[65]);

/* For a request authenticated as organisation org: DC_OK when org is bound
 * to no certificate or the request presents one of its certificates.
 * Otherwise the answer is written (401, or a storage error) and the code
 * returned. */
int dc__mtls_org_check(struct dc__call *c, const char *org);

#endif
