/*
 * dancu/chip.h — talking to an ICAO 9303 chip: a transport (APDU in, APDU
 * out), a software chip that answers like a card dancu issued, a PC/SC
 * transport for real readers (pcsc-lite), and the reader procedure
 * (select → BAC → secure-messaging reads of EF.COM, EF.SOD and the DGs).
 * The reader does not know which transport it talks to.
 *
 * Not done: PACE, chip authentication, active authentication, extended
 * length and odd-INS READ BINARY (files > 32 767 bytes), EAC (DG3/DG4).
 */
#ifndef DANCU_CHIP_H
#define DANCU_CHIP_H

#include <stddef.h>
#include <stdint.h>

#include "dancu/lds.h"

#define DC_APDU_MAX 261 /* short APDUs: 5 + 255 + 1; responses 256 + 2 */

/* Sends capdu (n bytes); writes the response (data + SW1 SW2) to rapdu
 * (capacity *rn, at least 258) and sets *rn. Returns DC_OK or an error of
 * the transport itself (DC_ERR_IO, DC_ERR_UNAVAILABLE). */
struct dc_chip_transport {
	void *ctx;
	int (*transmit)(void *ctx, const uint8_t *capdu, size_t n, uint8_t *rapdu, size_t *rn);
};

/* --- software chip --- */

struct dc_softchip;

/* A chip holding copies of l's files (EF.COM, EF.SOD, DG1–DG16) whose BAC
 * keys come from mrz (TD1, 90 characters). DC_ERR_INVALID, DC_ERR_NOMEM. */
int dc_softchip_new(const struct dc_lds *l, const char *mrz, struct dc_softchip **out);
void dc_softchip_free(struct dc_softchip *c);

/* A transport for it (ctx = the chip). Answers SELECT (the eMRTD AID, EFs by
 * FID), GET CHALLENGE, EXTERNAL AUTHENTICATE (BAC), READ BINARY (offset or
 * SFI) only under secure messaging, with ISO 7816-4 status words. */
struct dc_chip_transport dc_softchip_transport(struct dc_softchip *c);

/* --- PC/SC --- */

struct dc_pcsc;

/* Connects to the card in reader `name` (NULL: the first reader with a
 * card). DC_ERR_UNAVAILABLE (no pcscd, no reader, no card) with why. */
int dc_pcsc_open(const char *name, struct dc_pcsc **out, char *why, size_t whyn);
void dc_pcsc_close(struct dc_pcsc *p);
struct dc_chip_transport dc_pcsc_transport(struct dc_pcsc *p);

/* --- reader --- */

enum dc_read_status {
	DC_READ_OK = 0,
	DC_READ_TRANSPORT,  /* the transport failed */
	DC_READ_NO_APP,     /* the eMRTD application could not be selected */
	DC_READ_BAC_FAILED, /* BAC refused: wrong document number / dates */
	DC_READ_SM_ERROR,   /* a response failed its MAC or the session broke */
	DC_READ_FILE_ERROR, /* a file could not be read or is malformed */
};

const char *dc_read_status_name(enum dc_read_status s);

struct dc_read_result {
	enum dc_read_status status;
	char detail[160];
	int apdus; /* exchanged */
};

/* Reads the chip over t: SELECT the LDS1 application, BAC with the key
 * from mrz (the printed TD1 MRZ or just its first two lines), then under
 * SM EF.COM, EF.SOD and every DG EF.COM lists except DG3/DG4 (EAC). l
 * (zeroed or freed) receives the files. Returns DC_OK when r->status is
 * DC_READ_OK, DC_ERR_AUTH for BAC_FAILED, DC_ERR_VERIFY otherwise. */
int dc_chip_read(const struct dc_chip_transport *t, const char *mrz, struct dc_lds *l,
                 struct dc_read_result *r);

#endif
