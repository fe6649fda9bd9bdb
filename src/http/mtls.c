/*
 * mtls.c — the verified client certificate behind a request.
 *
 * h2o (2.2) keeps its OpenSSL connection in a private struct; its public API
 * gives the session id and cipher, not the peer certificate. The struct's
 * first two members have been { SSL_CTX *ssl_ctx; SSL *ossl; } through the
 * 2.2 and 2.3 series; we read those two and check that they agree (the SSL
 * belongs to that SSL_CTX, and that context asks for client certificates)
 * before trusting them. If a future h2o changes the layout the check fails
 * and no certificate is seen: organisations bound to one are refused, never
 * let through (fail closed).
 */
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>

#include "dancu/core.h"

#include "http/http.h"
#include "http/mtls.h"
#include "verify/org_cert.h"

struct h2o_ssl_view {
	SSL_CTX *ssl_ctx;
	SSL *ossl;
};

int dc__mtls_peer_sha256(struct dc__call *c, char out[65])
{
	h2o_conn_t *conn = c->req->conn;
	if (!conn || !conn->callbacks->get_socket)
		return 0;
	h2o_socket_t *sock = conn->callbacks->get_socket(conn);
	if (!sock || !sock->ssl)
		return 0;
	const struct h2o_ssl_view *v = (const void *)sock->ssl;
	if (!v->ssl_ctx || !v->ossl || SSL_get_SSL_CTX(v->ossl) != v->ssl_ctx ||
	    !(SSL_CTX_get_verify_mode(v->ssl_ctx) & SSL_VERIFY_PEER))
		return 0;
	X509 *x = SSL_get1_peer_certificate(v->ossl);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int ok = x && SSL_get_verify_result(v->ossl) == X509_V_OK &&
	         X509_digest(x, EVP_sha256(), md, &n) == 1 && n == 32;
	X509_free(x);
	if (!ok)
		return 0;
	for (unsigned i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 1;
}

int dc__mtls_org_check(struct dc__call *c, const char *org)
{
	char sha[65];
	int have = dc__mtls_peer_sha256(c, sha);
	int rc = dc__org_cert_check(c->store, org, have ? sha : NULL);
	if (rc == DC_ERR_AUTH)
		return dc__fail(c, rc, 401,
		                have ? "this organisation's requests need one of its client "
		                       "certificates; the one presented is not bound to it"
		                     : "this organisation's requests need its client certificate "
		                       "(mTLS)");
	if (rc)
		return dc__fail(c, rc, 0, "the client certificate could not be checked");
	return DC_OK;
}
