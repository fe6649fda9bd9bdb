/*
 * password.c — argon2id hashing and checking (dancu/password.h).
 */
#include <sodium.h>
#include <string.h>

#include "dancu/password.h"

#include "core/internal.h"

#define OPS 2                   /* argon2id passes (OWASP) */
#define MEM (19u * 1024 * 1024) /* 19 MiB (OWASP) */

_Static_assert(DC_PWHASH_LEN == crypto_pwhash_STRBYTES, "DC_PWHASH_LEN");

int dc_password_hash(const char *password, char out[DC_PWHASH_LEN])
{
	if (sodium_init() < 0 || crypto_pwhash_str(out, password, strlen(password), OPS, MEM) != 0)
		return DC_ERR_NOMEM;
	return DC_OK;
}

int dc_password_check(const char *hash, const char *password)
{
	if (sodium_init() < 0)
		return 0;
	if (!password)
		password = "";
	if (!hash || !hash[0]) {
		char dummy[DC_PWHASH_LEN];
		(void)dc_password_hash(password, dummy);
		return 0;
	}
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}
