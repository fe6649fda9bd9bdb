/*
 * oidc_keys.c — ES256 signing keys in files (mode 0600), the JWKS, and
 * compact JWS signing (see eid/oidc.h for the directory layout).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dancu/buf.h"

#include "core/internal.h"
#include "eid/oidc.h"

#define MAX_KEYS 16

const char *dc__oidc_key_dir(void)
{
	const char *e = getenv("DANCU_OIDC_KEYS");
	return e && *e ? e : "oidc-keys";
}

int dc__b64url(struct dc_buf *b, const unsigned char *p, size_t n)
{
	size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *tmp = malloc(cap);
	if (!tmp)
		return DC_ERR_NOMEM;
	sodium_bin2base64(tmp, cap, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	int rc = dc_buf_adds(b, tmp);
	free(tmp);
	return rc;
}

/* Key ids present (numeric names "<seconds>.pem"), newest first. */
static int list_keys(const char *dir, long long *ids, int max)
{
	DIR *d = opendir(dir);
	int n = 0;
	if (!d)
		return errno == ENOENT ? 0 : DC_ERR_IO;
	struct dirent *e;
	while ((e = readdir(d)) && n < max) {
		char *end;
		long long v = strtoll(e->d_name, &end, 10);
		if (end != e->d_name && !strcmp(end, ".pem") && v > 0)
			ids[n++] = v;
	}
	closedir(d);
	for (int i = 1; i < n; i++) /* insertion sort, descending */
		for (int j = i; j > 0 && ids[j] > ids[j - 1]; j--) {
			long long t = ids[j];
			ids[j] = ids[j - 1];
			ids[j - 1] = t;
		}
	return n;
}

static int write_key(const char *dir, long long id)
{
	char path[4096], tmp[4200];
	EVP_PKEY *k = EVP_EC_gen("P-256");
	int rc = DC_ERR_IO;
	if (!k)
		return DC_ERR_NOMEM;
	if (mkdir(dir, 0700) && errno != EEXIST)
		goto cleanup;
	snprintf(path, sizeof path, "%s/%lld.pem", dir, id);
	snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		goto cleanup;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		goto cleanup;
	}
	int ok = PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1;
	ok &= fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok &= fclose(f) == 0;
	/* link(): never replace an existing key of the same second. */
	if (ok && link(tmp, path) == 0)
		rc = DC_OK;
	else if (ok && errno == EEXIST)
		rc = DC_ERR_CONFLICT;
	unlink(tmp);
cleanup:
	EVP_PKEY_free(k);
	return rc;
}

int dc__oidc_keys_rotate(const char *dir, int64_t keep_s, char kid_out[32])
{
	long long ids[MAX_KEYS];
	long long now = (long long)time(NULL);
	int n = list_keys(dir, ids, MAX_KEYS);
	if (n < 0)
		return n;
	long long id = n > 0 && ids[0] >= now ? ids[0] + 1 : now;
	int rc = write_key(dir, id);
	if (rc)
		return rc;
	snprintf(kid_out, 32, "%lld", id);
	/* Key ids[i] was superseded at ids[i-1] (and ids[0] now, by the new key).
	 * Keep a key while tokens it signed may still be checked. */
	for (int i = 0; i < n; i++) {
		long long superseded = i == 0 ? id : ids[i - 1];
		if (id - superseded > keep_s || (i > 0 && now - superseded > keep_s)) {
			char path[4096];
			snprintf(path, sizeof path, "%s/%lld.pem", dir, ids[i]);
			unlink(path);
		}
	}
	return DC_OK;
}

static EVP_PKEY *load(const char *dir, long long id)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof path, "%s/%lld.pem", dir, id);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	EVP_PKEY *k = NULL;
	/* A key readable by others is refused, like the master key. */
	if (fstat(fileno(f), &st) == 0 && !(st.st_mode & 077))
		k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return k;
}

static int ensure_key(const char *dir, long long *ids, int *n)
{
	*n = list_keys(dir, ids, MAX_KEYS);
	if (*n < 0)
		return *n;
	if (*n == 0) {
		char kid[32];
		int rc = dc__oidc_keys_rotate(dir, 0, kid);
		if (rc && rc != DC_ERR_CONFLICT)
			return rc;
		*n = list_keys(dir, ids, MAX_KEYS);
	}
	return *n > 0 ? DC_OK : DC_ERR_IO;
}

static int coord(struct dc_buf *b, EVP_PKEY *k, const char *param)
{
	BIGNUM *v = NULL;
	unsigned char raw[32];
	if (EVP_PKEY_get_bn_param(k, param, &v) != 1)
		return DC_ERR_VERIFY;
	int ok = BN_bn2binpad(v, raw, 32) == 32;
	BN_free(v);
	return ok ? dc__b64url(b, raw, 32) : DC_ERR_VERIFY;
}

int dc__oidc_jwks(const char *dir, struct dc_buf *out)
{
	long long ids[MAX_KEYS];
	int n = 0;
	int rc = ensure_key(dir, ids, &n);
	if (rc)
		return rc;
	dc_buf_adds(out, "{\"keys\":[");
	int first = 1;
	for (int i = 0; i < n && rc == DC_OK; i++) {
		EVP_PKEY *k = load(dir, ids[i]);
		if (!k)
			continue;
		dc_buf_addf(out,
		            "%s{\"kty\":\"EC\",\"crv\":\"P-256\",\"use\":\"sig\",\"alg\":\"ES256\","
		            "\"kid\":\"%lld\",\"x\":\"",
		            first ? "" : ",", ids[i]);
		rc = coord(out, k, OSSL_PKEY_PARAM_EC_PUB_X);
		dc_buf_adds(out, "\",\"y\":\"");
		if (rc == DC_OK)
			rc = coord(out, k, OSSL_PKEY_PARAM_EC_PUB_Y);
		dc_buf_adds(out, "\"}");
		first = 0;
		EVP_PKEY_free(k);
	}
	dc_buf_adds(out, "]}");
	return rc ? rc : dc_buf_error(out);
}

/* The signing key, parsed once. A deliberate exception to "no mutable
 * globals": the key directory is itself process-wide (dc__oidc_key_dir),
 * and reading and parsing the PEM file on every token was most of a token
 * request's CPU. The directory is listed again at most once a second, so a
 * rotation takes effect within a second (the previous key stays published
 * in the JWKS much longer).
 *
 * Signing contexts are kept too: EVP_DigestSignInit looks the algorithm up
 * in the provider tables on every call, which cost a third of a signature.
 * A context initialised for signing (EVP_PKEY_sign_init) signs any number
 * of digests; one is taken from the pool for each signature and put back
 * after it, so no context is used by two threads at once. The pool belongs
 * to the cached key and is emptied when the key changes. */
#define CACHE_MS 1000
#define POOL 8
static struct {
	pthread_mutex_t mu;
	char dir[4096];
	long long id;
	int64_t listed_ms;
	EVP_PKEY *key;
	EVP_PKEY_CTX *pool[POOL];
	int npool;
} cache = {PTHREAD_MUTEX_INITIALIZER, "", 0, 0, NULL, {NULL}, 0};

static void pool_empty(void)
{
	while (cache.npool > 0)
		EVP_PKEY_CTX_free(cache.pool[--cache.npool]);
}

/* A signing context of the newest key (the caller's, for sign_put), and
 * the key's id. */
static int sign_get(const char *dir, EVP_PKEY_CTX **out, long long *id)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	int rc = DC_OK;
	*out = NULL;
	pthread_mutex_lock(&cache.mu);
	if (!cache.key || strcmp(cache.dir, dir) || now - cache.listed_ms >= CACHE_MS) {
		long long ids[MAX_KEYS];
		int n = 0;
		rc = ensure_key(dir, ids, &n);
		if (rc == DC_OK && (!cache.key || strcmp(cache.dir, dir) || cache.id != ids[0])) {
			EVP_PKEY *k = load(dir, ids[0]);
			if (k) {
				pool_empty();
				EVP_PKEY_free(cache.key);
				cache.key = k;
				cache.id = ids[0];
				snprintf(cache.dir, sizeof cache.dir, "%s", dir);
			} else {
				rc = DC_ERR_VERIFY;
			}
		}
		if (rc == DC_OK)
			cache.listed_ms = now;
	}
	if (rc == DC_OK && cache.key) {
		*id = cache.id;
		if (cache.npool > 0) {
			*out = cache.pool[--cache.npool];
		} else {
			EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, cache.key, NULL);
			if (c && EVP_PKEY_sign_init(c) == 1)
				*out = c;
			else
				EVP_PKEY_CTX_free(c);
		}
	}
	pthread_mutex_unlock(&cache.mu);
	return rc ? rc : *out ? DC_OK : DC_ERR_VERIFY;
}

/* Back to the pool, unless the key changed meanwhile (or the pool is
 * full). */
static void sign_put(EVP_PKEY_CTX *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&cache.mu);
	if (cache.npool < POOL && EVP_PKEY_CTX_get0_pkey(c) == cache.key) {
		cache.pool[cache.npool++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&cache.mu);
	EVP_PKEY_CTX_free(c);
}

/* A DER ECDSA-Sig-Value (SEQUENCE of two INTEGERs) of P-256 to the raw
 * r || s of JWS (RFC 7518 3.4): each integer without its sign byte, left
 * padded to 32 bytes. 0, or -1 when the DER is not of that shape. */
static int der_to_raw(const unsigned char *d, size_t n, unsigned char raw[64])
{
	size_t i = 2;
	if (n < 8 || d[0] != 0x30 || d[1] != n - 2)
		return -1;
	for (int k = 0; k < 2; k++) {
		if (i + 2 > n || d[i] != 0x02)
			return -1;
		size_t len = d[i + 1];
		i += 2;
		if (len == 0 || i + len > n)
			return -1;
		const unsigned char *v = d + i;
		i += len;
		while (len > 32 && *v == 0) {
			v++;
			len--;
		}
		if (len > 32)
			return -1;
		memset(raw + k * 32, 0, 32 - len);
		memcpy(raw + k * 32 + 32 - len, v, len);
	}
	return i == n ? 0 : -1;
}

int dc__oidc_sign(const char *dir, const char *claims, struct dc_buf *out)
{
	long long id = 0;
	EVP_PKEY_CTX *ctx = NULL;
	int rc = sign_get(dir, &ctx, &id);
	if (rc)
		return rc;
	unsigned char der[128], raw[64], digest[crypto_hash_sha256_BYTES];
	size_t derlen = sizeof der;
	char hdr[96];
	size_t start = out->len;
	snprintf(hdr, sizeof hdr, "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"%lld\"}", id);
	dc__b64url(out, (const unsigned char *)hdr, strlen(hdr));
	dc_buf_addc(out, '.');
	dc__b64url(out, (const unsigned char *)claims, strlen(claims));
	rc = dc_buf_error(out) ? DC_ERR_NOMEM : DC_ERR_VERIFY;
	if (rc == DC_ERR_VERIFY) {
		crypto_hash_sha256(digest, (const unsigned char *)out->ptr + start,
		                   out->len - start);
		if (EVP_PKEY_sign(ctx, der, &derlen, digest, sizeof digest) == 1 &&
		    der_to_raw(der, derlen, raw) == 0) {
			dc_buf_addc(out, '.');
			rc = dc__b64url(out, raw, 64);
		}
	}
	sign_put(ctx);
	return rc;
}
