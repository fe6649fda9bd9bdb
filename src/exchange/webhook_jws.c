/*
 * webhook_jws.c — JWS signatures of webhook deliveries (dancu/exchange.h),
 * the alternative to the HMAC header for receivers that verify with a
 * public key instead of holding a shared secret.
 *
 * One ES256 key (P-256) for the server, in a JWK file of mode 0600. Each
 * delivery carries X-Dancu-JWS: a compact JWS (RFC 7515) over the exact
 * body with the payload detached ("header..signature", RFC 7515 appendix
 * F): the receiver puts base64url(body) back in the middle and verifies
 * with the public JWK (`dancu agency jws-key` prints it). The protected
 * header binds the delivery: {"alg":"ES256","kid":…,"typ":
 * "dancu-webhook+jws","iat":…,"dancu_agency":…,"dancu_seq":…}. The kid is
 * the key's RFC 7638 thumbprint. Signing is cjose's.
 */
#include <cjose/cjose.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dancu/buf.h"
#include "dancu/core.h"
#include "dancu/exchange.h"

#include "core/internal.h"

struct dc_webhook_jws {
	cjose_jwk_t *jwk;
};

/* The RFC 7638 thumbprint of an EC public JWK (json text) into kid (44). */
static int thumbprint(const char *pub_json, char kid[44])
{
	json_t *j = json_loads(pub_json, 0, NULL);
	const char *x = j ? json_string_value(json_object_get(j, "x")) : NULL;
	const char *y = j ? json_string_value(json_object_get(j, "y")) : NULL;
	char canon[256];
	unsigned char md[32];
	unsigned int len = 0;
	int rc = x && y ? DC_OK : DC_ERR_INVALID;
	if (rc == DC_OK &&
	    (size_t)snprintf(canon, sizeof canon,
	                     "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", x,
	                     y) >= sizeof canon)
		rc = DC_ERR_INVALID;
	if (rc == DC_OK && EVP_Digest(canon, strlen(canon), md, &len, EVP_sha256(), NULL) != 1)
		rc = DC_ERR_VERIFY;
	if (rc == DC_OK)
		sodium_bin2base64(kid, 44, md, sizeof md, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	json_decref(j);
	return rc;
}

int dc_webhook_jws_keygen(const char *path, struct dc_buf *public_jwks)
{
	cjose_err err;
	char kid[44];
	char *pub = NULL, *priv = NULL;
	int fd = -1;
	cjose_jwk_t *jwk = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &err);
	int rc = jwk ? DC_OK : DC_ERR_VERIFY;
	if (rc == DC_OK)
		pub = cjose_jwk_to_json(jwk, false, &err);
	if (rc == DC_OK && !pub)
		rc = DC_ERR_VERIFY;
	if (rc == DC_OK)
		rc = thumbprint(pub, kid);
	if (rc == DC_OK && !cjose_jwk_set_kid(jwk, kid, strlen(kid), &err))
		rc = DC_ERR_VERIFY;
	if (rc == DC_OK && !(priv = cjose_jwk_to_json(jwk, true, &err)))
		rc = DC_ERR_VERIFY;
	if (rc == DC_OK) {
		/* never overwrite a key: receivers trust it */
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		rc = fd < 0 ? (errno == EEXIST ? DC_ERR_CONFLICT : DC_ERR_IO) : DC_OK;
	}
	if (rc == DC_OK) {
		size_t n = strlen(priv);
		if (write(fd, priv, n) != (ssize_t)n || fsync(fd) != 0)
			rc = DC_ERR_IO;
	}
	if (fd >= 0 && close(fd) != 0 && rc == DC_OK)
		rc = DC_ERR_IO;
	if (rc == DC_OK)
		rc = dc_webhook_jws_public(path, public_jwks);
	free(pub);
	if (priv) {
		memset(priv, 0, strlen(priv));
		free(priv);
	}
	cjose_jwk_release(jwk);
	return rc;
}

static int load_jwk(const char *path, cjose_jwk_t **out)
{
	struct stat sb;
	char text[2048];
	cjose_err err;
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? DC_ERR_NOT_FOUND : DC_ERR_IO;
	int rc = fstat(fileno(f), &sb) ? DC_ERR_IO : DC_OK;
	if (rc == DC_OK && (sb.st_mode & 077))
		rc = DC_ERR_FORBIDDEN;
	size_t n = rc == DC_OK ? fread(text, 1, sizeof text - 1, f) : 0;
	fclose(f);
	if (rc)
		return rc;
	text[n] = '\0';
	*out = cjose_jwk_import(text, n, &err);
	memset(text, 0, sizeof text);
	if (!*out || cjose_jwk_get_kty(*out, &err) != CJOSE_JWK_KTY_EC ||
	    !cjose_jwk_get_kid(*out, &err))
		rc = DC_ERR_INVALID;
	if (rc && *out) {
		cjose_jwk_release(*out);
		*out = NULL;
	}
	return rc;
}

int dc_webhook_jws_public(const char *path, struct dc_buf *out)
{
	cjose_jwk_t *jwk = NULL;
	cjose_err err;
	int rc = load_jwk(path, &jwk);
	if (rc)
		return rc;
	char *pub = cjose_jwk_to_json(jwk, false, &err);
	json_t *j = pub ? json_loads(pub, 0, NULL) : NULL;
	if (j) {
		json_object_set_new(j, "alg", json_string("ES256"));
		json_object_set_new(j, "use", json_string("sig"));
		char *s = json_dumps(j, JSON_COMPACT);
		if (s)
			dc_buf_addf(out, "{\"keys\":[%s]}", s);
		else
			rc = DC_ERR_NOMEM;
		free(s);
	} else {
		rc = DC_ERR_VERIFY;
	}
	json_decref(j);
	free(pub);
	cjose_jwk_release(jwk);
	return rc ? rc : dc_buf_error(out);
}

int dc_webhook_jws_load(const char *path, struct dc_webhook_jws **out)
{
	struct dc_webhook_jws *k = calloc(1, sizeof *k);
	if (!k)
		return DC_ERR_NOMEM;
	int rc = load_jwk(path, &k->jwk);
	if (rc) {
		free(k);
		return rc;
	}
	*out = k;
	return DC_OK;
}

void dc_webhook_jws_free(struct dc_webhook_jws *k)
{
	if (!k)
		return;
	cjose_jwk_release(k->jwk);
	free(k);
}

int dc_webhook_jws_sign(const struct dc_webhook_jws *k, const char *agency, int64_t seq, int64_t ts,
                        const char *body, size_t len, struct dc_buf *out)
{
	cjose_err err;
	const char *compact = NULL;
	cjose_jws_t *jws = NULL;
	json_t *h = json_object();
	int rc = h ? DC_OK : DC_ERR_NOMEM;
	if (rc == DC_OK) {
		json_object_set_new(h, "alg", json_string("ES256"));
		json_object_set_new(h, "kid", json_string(cjose_jwk_get_kid(k->jwk, &err)));
		json_object_set_new(h, "typ", json_string("dancu-webhook+jws"));
		json_object_set_new(h, "iat", json_integer(ts));
		json_object_set_new(h, "dancu_agency", json_string(agency));
		json_object_set_new(h, "dancu_seq", json_integer(seq));
		/* cjose's header type is a jansson object */
		jws = cjose_jws_sign(k->jwk, (cjose_header_t *)h, (const uint8_t *)body, len, &err);
		if (!jws || !cjose_jws_export(jws, &compact, &err) || !compact)
			rc = DC_ERR_VERIFY;
	}
	if (rc == DC_OK) {
		/* detach the payload: "header.payload.signature" → "header..signature" */
		const char *d1 = strchr(compact, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
		if (!d2)
			rc = DC_ERR_VERIFY;
		else {
			dc_buf_add(out, compact, (size_t)(d1 - compact) + 1);
			dc_buf_adds(out, d2);
			rc = dc_buf_error(out);
		}
	}
	cjose_jws_release(jws);
	json_decref(h);
	return rc;
}
