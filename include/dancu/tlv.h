/*
 * dancu/tlv.h — BER-TLV (ISO/IEC 7816-4 / X.690 subset) reader and writer,
 * used for the chip's LDS files, secure-messaging data objects and APDUs.
 *
 * Reading: tags of 1–3 bytes (returned as the big-endian tag value, e.g.
 * 0x5F1F), definite lengths in short form or 81/82/83 long form. Indefinite
 * lengths (80) and longer length fields are refused (DC_ERR_INVALID); every
 * length is checked against the bytes given, so a parse never reads past
 * p + n. Values are borrowed from the input.
 *
 * Writing: appends to a struct dc_buf (binary-safe); errors are sticky in the
 * buffer as for every dc_buf append.
 */
#ifndef DANCU_TLV_H
#define DANCU_TLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dancu/buf.h"

struct dc_tlv {
	uint32_t tag;
	bool constructed;   /* bit 6 of the first tag byte */
	const uint8_t *val; /* borrowed from the input */
	size_t len;         /* value length */
	size_t size;        /* tag + length + value bytes */
};

/* Parses the TLV starting at p (n bytes available). DC_OK or DC_ERR_INVALID
 * (empty input, tag of more than 3 bytes, bad or indefinite length, value
 * past the end). Trailing bytes after the TLV are allowed (t->size tells
 * where the next one starts). */
int dc_tlv_parse(const uint8_t *p, size_t n, struct dc_tlv *t);

/* Iterates over a sequence of TLVs: *off is the position in p[0..n) (start
 * at 0). Returns 1 with *t set and *off advanced, 0 at the end (or on
 * 00/FF padding bytes at the end), DC_ERR_INVALID on a malformed TLV. */
int dc_tlv_next(const uint8_t *p, size_t n, size_t *off, struct dc_tlv *t);

/* First TLV with `tag` among the TLVs in p[0..n) (one level, no descent).
 * DC_OK, DC_ERR_NOT_FOUND or DC_ERR_INVALID. */
int dc_tlv_find(const uint8_t *p, size_t n, uint32_t tag, struct dc_tlv *t);

/* Appends the tag and length header for a value of len bytes. */
int dc_tlv_put_header(struct dc_buf *b, uint32_t tag, size_t len);

/* Appends tag, length and the n bytes of v. */
int dc_tlv_put(struct dc_buf *b, uint32_t tag, const void *v, size_t n);

/* Bytes a TLV of this tag and value length takes (header included). */
size_t dc_tlv_size(uint32_t tag, size_t len);

#endif
