/*
 * dancu/qr.h — the QR code on the identity card: its payload and images.
 *
 * Payload (chip CCCD 2021–2024; ../shared/domain/id-number-and-card.md §2):
 * seven fields separated by '|', UTF-8:
 *   ID12 | OLD ID (9 or 12 digits, may be empty) | FULL NAME | DDMMYYYY (birth)
 *   | Nam/Nữ | RESIDENCE (may be empty) | DDMMYYYY (issue)
 * The 2024 card adds fields whose order is not published; the parser keeps
 * any fields after the seventh as they are ("extra").
 *
 * Images: libqrencode gives the module matrix (error correction level M,
 * 8-bit mode, so the UTF-8 bytes are encoded as they are, behind an ECI 26
 * "UTF-8" designator when not plain ASCII); dancu draws it as
 * SVG (one path) or PNG (libpng, 1 bit per pixel, 4-module quiet zone).
 *
 * Functions are thread-safe. Output goes to caller-owned buffers; strings in
 * a parsed struct dc_qr_card are borrowed from the pool passed in.
 */
#ifndef DANCU_QR_H
#define DANCU_QR_H

#include <stddef.h>

#include "dancu/buf.h"
#include "dancu/date.h"
#include "dancu/pool.h"

#define DC_QR_MAX_EXTRA 16

struct dc_qr_card {
	const char *pin;     /* 12 digits */
	const char *old_id;  /* 9 or 12 digits, or "" */
	const char *name;    /* as printed */
	struct dc_date dob;  /* full date */
	int sex;             /* 'M' (Nam) or 'F' (Nữ) */
	const char *address; /* may be "" */
	struct dc_date issued;
	size_t nextra; /* fields after the seventh (2024 card), parse only */
	const char *extra[DC_QR_MAX_EXTRA];
};

/* Appends the 7-field payload of q to out. DC_ERR_INVALID when a field is
 * missing or malformed, or a text field contains '|' or a line break. */
int dc_qr_build(const struct dc_qr_card *q, struct dc_buf *out);

/* Parses a payload (n bytes). Fields are copied into pool. On
 * DC_ERR_INVALID, detail (may be NULL) names the first bad field. Trailing
 * CR/LF (scanners add them) is ignored. */
int dc_qr_parse(const char *s, size_t n, struct dc_qr_card *out, struct dc_pool *pool, char *detail,
                size_t dlen);

/* Appends an SVG image of a QR code holding the n bytes at s; `module` is
 * the size of one module in SVG units (≥ 1). DC_ERR_TOO_LARGE when the data
 * does not fit a QR code. */
int dc_qr_svg(const char *s, size_t n, int module, struct dc_buf *out);

/* Appends a PNG image (grey, 1 bit) of the QR code, `module` pixels per
 * module (1–32). */
int dc_qr_png(const char *s, size_t n, int module, struct dc_buf *out);

#endif
