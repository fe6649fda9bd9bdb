/*
 * dancu/password.h — password hashing for officers and e-ID accounts:
 * argon2id (libsodium) at the OWASP parameters (19 MiB, 2 passes, 1 lane),
 * stored as the self-describing PHC string crypto_pwhash_str makes.
 *
 * Each call costs tens of milliseconds of CPU and 19 MiB: the server runs
 * checks on its bounded hash threads, never on an event loop.
 *
 * Ownership: strings are borrowed for the call; out buffers are the
 * caller's, DC_PWHASH_LEN bytes.
 */
#ifndef DANCU_PASSWORD_H
#define DANCU_PASSWORD_H

#define DC_PWHASH_LEN 128 /* crypto_pwhash_STRBYTES */

/* Hashes password into out (NUL-terminated). DC_ERR_NOMEM when libsodium
 * cannot (out of memory). */
int dc_password_hash(const char *password, char out[DC_PWHASH_LEN]);

/* 1 when password matches hash, else 0. An empty hash (an unknown account)
 * spends the time a real check would and answers 0, so that an unknown
 * account cannot be told from a wrong password by timing. */
int dc_password_check(const char *hash, const char *password);

#endif
