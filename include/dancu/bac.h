/*
 * dancu/bac.h — Basic Access Control and Secure Messaging (ICAO 9303
 * Part 11 §4.3, §9.7, §9.8, Appendix D) with two-key 3DES and the ISO/IEC
 * 9797-1 MAC algorithm 3 ("retail MAC"), both from OpenSSL (no cipher is
 * written here). Used by both sides: the reader (terminal, "IFD") and the
 * software chip ("IC").
 *
 * Keys are 16 bytes (Ka‖Kb, DES parity set). All buffers are caller-owned;
 * outputs go to caller arrays or a struct dc_buf. Not thread-safe per
 * session (a struct dc_sm belongs to one conversation).
 */
#ifndef DANCU_BAC_H
#define DANCU_BAC_H

#include <stddef.h>
#include <stdint.h>

#include "dancu/buf.h"

struct dc_bac_keys {
	uint8_t kenc[16], kmac[16];
};

/* A secure-messaging session: session keys and the send sequence counter.
 * aes = 0: 3DES keys (BAC), the SSC is ssc[0..8); aes = 1: AES-128 keys
 * (PACE, chip authentication), the SSC is all 16 bytes. */
struct dc_sm {
	uint8_t ksenc[16], ksmac[16], ssc[16];
	int aes;
};

/* MRZ_information = document number (9) ‖ cd ‖ birth date ‖ cd ‖ expiry ‖
 * cd (out ≥ 25 bytes, NUL-terminated) from a TD1 MRZ (3 lines with or
 * without newlines). DC_ERR_INVALID when the MRZ is not TD1-shaped. */
int dc_bac_mrz_info(const char *mrz, char out[25]);

/* Kseed = SHA-1(mrz_info)[0..16); Kenc/Kmac = KDF(Kseed, 1/2). */
int dc_bac_keys_from_mrz_info(const char *info, size_t n, struct dc_bac_keys *k);

/* KDF (§9.7.1): SHA-1(seed ‖ counter)[0..16) with DES parity adjusted. */
void dc_bac_kdf(const uint8_t seed[16], uint32_t counter, uint8_t out[16]);

/* KDF for AES-128 session keys (§9.7.1): SHA-1(seed ‖ counter)[0..16), no
 * parity; seed is n bytes (the shared secret, or K for the PACE password). */
void dc_kdf_aes128(const uint8_t *seed, size_t n, uint32_t counter, uint8_t out[16]);

/* AES-128: one block in ECB; CBC without padding (n a multiple of 16) with
 * iv; CMAC over already padded input, truncated to 8 bytes. DC_ERR_INVALID. */
int dc_aes128_ecb(const uint8_t key[16], const uint8_t in[16], uint8_t out[16]);
int dc_aes128_cbc(const uint8_t key[16], const uint8_t iv[16], int encrypt, const uint8_t *in,
                  size_t n, uint8_t *out);
int dc_aes128_cmac8(const uint8_t key[16], const uint8_t *in, size_t n, uint8_t mac[8]);

/* Two-key 3DES-CBC, IV zero, no padding; n a multiple of 8. DC_ERR_INVALID. */
int dc_des3_cbc(const uint8_t key[16], int encrypt, const uint8_t *in, size_t n, uint8_t *out);

/* Retail MAC over in (padding method 2 is applied here). */
int dc_retail_mac(const uint8_t key[16], const uint8_t *in, size_t n, uint8_t mac[8]);

/* Terminal: the EXTERNAL AUTHENTICATE data E.IFD‖M.IFD for S = RND.IFD ‖
 * RND.IC ‖ K.IFD. */
int dc_bac_ifd_auth(const struct dc_bac_keys *k, const uint8_t rnd_ic[8], const uint8_t rnd_ifd[8],
                    const uint8_t k_ifd[16], uint8_t cmd[40]);

/* Terminal: checks the chip's answer E.IC‖M.IC (MAC, RND.IFD and RND.IC
 * echoed) and derives the session. DC_ERR_VERIFY on any mismatch. */
int dc_bac_ifd_finish(const struct dc_bac_keys *k, const uint8_t rnd_ic[8],
                      const uint8_t rnd_ifd[8], const uint8_t k_ifd[16], const uint8_t resp[40],
                      struct dc_sm *sm);

/* Chip: checks the terminal's E.IFD‖M.IFD against its RND.IC, answers with
 * E.IC‖M.IC and derives the session. DC_ERR_VERIFY (wrong BAC key). */
int dc_bac_ic_answer(const struct dc_bac_keys *k, const uint8_t rnd_ic[8], const uint8_t k_ic[16],
                     const uint8_t cmd[40], uint8_t resp[40], struct dc_sm *sm);

/* Terminal: protects a plain short command APDU (case 1–4). out is reset. */
int dc_sm_wrap(struct dc_sm *sm, const uint8_t *apdu, size_t n, struct dc_buf *out);

/* Terminal: checks and decrypts a protected response; out (reset) gets the
 * plain data followed by SW1 SW2. DC_ERR_VERIFY (bad MAC or format),
 * DC_ERR_AUTH (a plain error status without MAC: the session is gone; out
 * holds that SW). */
int dc_sm_unwrap(struct dc_sm *sm, const uint8_t *rapdu, size_t n, struct dc_buf *out);

/* Chip: checks and decrypts a protected command; out (reset) gets the plain
 * APDU (CLA 00). DC_ERR_VERIFY. */
int dc_sm_unwrap_cmd(struct dc_sm *sm, const uint8_t *capdu, size_t n, struct dc_buf *out);

/* Chip: protects a response (data may be empty) with status sw. */
int dc_sm_wrap_resp(struct dc_sm *sm, const uint8_t *data, size_t n, uint16_t sw,
                    struct dc_buf *out);

#endif
