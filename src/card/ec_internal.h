/*
 * ec_internal.h — elliptic-curve arithmetic and the chip-side protocol
 * steps shared by chipauth.c, pace.c, softchip.c and reader.c (ICAO 9303
 * Part 11 §4.4 PACE, §6.1 active and §6.2 chip authentication). Internal
 * to src/card/; tests include it for the known-answer vectors.
 *
 * Points travel uncompressed (04 ‖ x ‖ y). Every received point is checked
 * to be on the curve and not the point at infinity. Scalars given as bytes
 * are big-endian. All OpenSSL objects returned are owned by the caller.
 */
#ifndef DANCU_EC_INTERNAL_H
#define DANCU_EC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "dancu/bac.h"
#include "dancu/buf.h"

#define DC__EC_PT_MAX 133 /* an uncompressed P-521 point */

/* The group of an EC public or private key (named or explicit parameters). */
EC_GROUP *dc__ec_group_of(const EVP_PKEY *pk);

/* The standardized domain parameters of Part 11 §9.5.1 by id (12 = P-256,
 * 13 = brainpoolP256r1, …); NULL for unknown or non-EC ids. */
EC_GROUP *dc__ec_group_std(int id);

/* Decodes an uncompressed point of g; DC_ERR_VERIFY when it is not one, is
 * not on the curve or is the point at infinity. */
int dc__ec_point_decode(const EC_GROUP *g, const uint8_t *p, size_t n, EC_POINT **out);

/* Encodes pt uncompressed into out (capacity DC__EC_PT_MAX); returns the
 * length or 0. */
size_t dc__ec_point_encode(const EC_GROUP *g, const EC_POINT *pt, uint8_t *out);

/* A scalar: from bytes when sk is not NULL, otherwise random in [1, n). */
BIGNUM *dc__ec_scalar(const EC_GROUP *g, const uint8_t *sk, size_t skn);

/* x-coordinate of sk·P (field-size bytes) into x (≥ 66 bytes); *xn set. */
int dc__ec_shared_x(const EC_GROUP *g, const BIGNUM *sk, const EC_POINT *p, uint8_t *x, size_t *xn);

/* The group's field size in bytes. */
size_t dc__ec_field_len(const EC_GROUP *g);

/* The private keys inside a struct dc_chip_keys (borrowed). */
struct dc_chip_keys;
EVP_PKEY *dc__chip_keys_aa(const struct dc_chip_keys *k);
EVP_PKEY *dc__chip_keys_ca(const struct dc_chip_keys *k);

/* --- active authentication --- */

/* Chip: ECDSA-SHA-256 over the challenge as plain r‖s (TR-03110); sig ≥ 132
 * bytes, *sn set. */
int dc__aa_sign(EVP_PKEY *k, const uint8_t *chal, size_t n, uint8_t *sig, size_t *sn);

/* --- chip authentication --- */

/* Terminal: an ephemeral key on the group of the chip's key (the SPKI from
 * DG14), its public point into eph (DC__EC_PT_MAX) and the shared x into K
 * (≥ 66 bytes). sk (skn bytes) fixes the ephemeral key (tests); NULL:
 * random. DC_ERR_INVALID (unusable key), DC_ERR_VERIFY. */
int dc__ca_terminal(const uint8_t *spki, size_t n, const uint8_t *sk, size_t skn, uint8_t *eph,
                    size_t *ephn, uint8_t *k, size_t *kn);

/* Chip: the shared x from its CA private key and the terminal's point. */
int dc__ca_chip(EVP_PKEY *key, const uint8_t *eph, size_t n, uint8_t *k, size_t *kn);

/* Both sides: AES-128 session keys from the shared secret; SSC zero. */
void dc__sm_from_secret(const uint8_t *k, size_t kn, struct dc_sm *sm);

/* --- PACE (generic mapping, ECDH, AES-128) --- */

/* K_pi = KDF(SHA-1(MRZ_information), 3). */
void dc__pace_kpi(const char *mrz_info, size_t n, uint8_t kpi[16]);

/* The mapped generator Ĝ = s·G + sk·P as a new group (same curve and order). */
EC_GROUP *dc__pace_map(const EC_GROUP *g, const uint8_t s[16], const BIGNUM *sk, const EC_POINT *p);

/* The authentication token: CMAC-8 over 7F49 { 06 oid, 86 pk } (pk: the
 * other side's ephemeral public point, uncompressed). */
int dc__pace_token(const uint8_t ksmac[16], const uint8_t *oid, size_t oidn, const uint8_t *pk,
                   size_t pkn, uint8_t t[8]);

/* The DER of the protocol OIDs used here (values without tag and length). */
extern const uint8_t dc__oid_pace_ecdh_gm_aes128[10];
extern const uint8_t dc__oid_ca_ecdh_aes128[10];

#endif
