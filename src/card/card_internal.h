/*
 * card_internal.h — what card.c shares with verify.c and checkin.c, and the
 * block cipher pass the secure-messaging ciphers share (bac.c, aes.c).
 * Internal to src/card/.
 */
#ifndef DANCU_CARD_INTERNAL_H
#define DANCU_CARD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "dancu/buf.h"
#include "dancu/mrz.h"

struct dc_card;
struct dc_citizen;
struct dc_units;

/* The MRZ and QR payload the register prints for card c (its issue date
 * and expiry) from record x: mrz gets the three lines, qr the payload
 * (appended). DC_ERR_INVALID with *why set when the record cannot make one. */
int dc__card_artefacts(const struct dc_card *c, const struct dc_citizen *x,
                       const struct dc_units *u, char mrz[DC_MRZ_TEXT_MAX], struct dc_buf *qr,
                       const char **why);

/* The residence printed on the card (and in DG13): street address, commune,
 * province — of the permanent residence, else the temporary, else the
 * current one. Appended to b. */
void dc__card_residence(const struct dc_citizen *x, const struct dc_units *u, struct dc_buf *b);

/* One pass of cipher c (DES or AES family, ECB or CBC) without padding over
 * n bytes (a multiple of the block): encrypt when enc, else decrypt. iv is
 * NULL for ECB. DC_OK or DC_ERR_INVALID. */
int dc__card_cipher(const EVP_CIPHER *c, const uint8_t *key, const uint8_t *iv, int enc,
                    const uint8_t *in, size_t n, uint8_t *out);

#endif
