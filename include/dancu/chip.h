/*
 * dancu/chip.h — talking to an ICAO 9303 chip: a transport (APDU in, APDU
 * out), a software chip that answers like a card dancu issued, a PC/SC
 * transport for real readers (pcsc-lite), and the reader procedure
 * (EF.CardAccess → PACE, or BAC when the chip offers no PACE → secure
 * messaging → EF.COM, DG14 → chip authentication → EF.SOD and the DGs →
 * active authentication). The reader does not know which transport it
 * talks to.
 *
 * The chip's own keys (struct dc_chip_keys): an ECDSA P-256 key for active
 * authentication (public half in DG15) and an ECDH P-256 key for chip
 * authentication (public half in DG14). For a software chip they live in
 * one PEM file, mode 0600, next to the PKI (DIR/chips/<card id>.pem); a
 * real card generates them inside and they never leave it.
 *
 * Not done: PACE with a PIN or PUK, integrated mapping and chip-authentication
 * mapping, DH (non-EC) PACE/CA, extended length and odd-INS READ BINARY
 * (files > 32 767 bytes), EAC terminal authentication (DG3/DG4).
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

/* --- the chip's keys (active and chip authentication) --- */

struct dc_chip_keys;

/* New random P-256 keys. DC_ERR_NOMEM / DC_ERR_IO. */
int dc_chip_keys_generate(struct dc_chip_keys **out);

/* Reads / writes the PEM file (two private keys: AA then CA). Writing goes
 * through a temporary file created mode 0600 and a rename; loading refuses
 * a file readable by others (DC_ERR_FORBIDDEN). DC_ERR_IO, DC_ERR_INVALID. */
int dc_chip_keys_load(const char *path, struct dc_chip_keys **out);
int dc_chip_keys_save(const struct dc_chip_keys *k, const char *path);

/* The keys of card card_id's software chip in pki_dir/chips/, generated and
 * saved the first time (at production). Caller frees. */
int dc_chip_keys_for_card(const char *pki_dir, int64_t card_id, struct dc_chip_keys **out);
void dc_chip_keys_free(struct dc_chip_keys *k);

/* DG15 (6F: the AA SubjectPublicKeyInfo), DG14 (6E: SecurityInfos with
 * ChipAuthenticationPublicKeyInfo, ChipAuthenticationInfo
 * id-CA-ECDH-AES-CBC-CMAC-128, ActiveAuthenticationInfo ecdsa-with-SHA256,
 * and PACEInfo when pace) and EF.CardAccess (31: the PACEInfo) appended to
 * out. */
int dc_chip_keys_dg15(const struct dc_chip_keys *k, struct dc_buf *out);
int dc_chip_keys_dg14(const struct dc_chip_keys *k, bool pace, struct dc_buf *out);
int dc_card_access_build(struct dc_buf *out);

/* What a SecurityInfos set (DG14 `6E 31 …` or EF.CardAccess `31 …`)
 * offers. Pointers borrow from the input. */
struct dc_secinfos {
	const uint8_t *ca_spki; /* ChipAuthenticationPublicKeyInfo (id-PK-ECDH) */
	size_t ca_spki_len;
	int ca_cipher;       /* ChipAuthenticationInfo id-CA-ECDH-x: 1 3DES, 2 AES-128,
	                        3/4 AES-192/256; 0 absent (3DES is then implied) */
	const char *aa_hash; /* ActiveAuthenticationInfo: "sha256", …; NULL absent */
	int pace;            /* 1: a PACEInfo id-PACE-ECDH-GM-AES-CBC-CMAC-128 */
	int pace_other;      /* PACEInfos of protocols not implemented here */
	int pace_param;      /* its parameterId (-1 absent) */
};

/* DC_OK, DC_ERR_INVALID (not a SecurityInfos set). Unknown infos are
 * skipped. */
int dc_secinfos_parse(const uint8_t *p, size_t n, struct dc_secinfos *out);

/* Active authentication, terminal side: the signature sig over challenge
 * chal (8 bytes) checked with DG15's key — ECDSA (plain r‖s or DER, hash
 * from DG14's ActiveAuthenticationInfo, SHA-256 when absent) or RSA with
 * ISO/IEC 9796-2 scheme 1. DC_OK (valid), DC_ERR_VERIFY (invalid),
 * DC_ERR_INVALID (DG15 malformed or an unsupported key); why (≥ 120 bytes)
 * says which. */
int dc_aa_verify(const uint8_t *dg15, size_t n, const char *aa_hash, const uint8_t *chal,
                 size_t chaln, const uint8_t *sig, size_t sn, char *why, size_t whyn);

/* --- software chip --- */

struct dc_softchip;

/* A chip holding copies of l's files (EF.COM, EF.SOD, DG1–DG16) whose BAC
 * keys come from mrz (TD1, 90 characters). DC_ERR_INVALID, DC_ERR_NOMEM. */
int dc_softchip_new(const struct dc_lds *l, const char *mrz, struct dc_softchip **out);
void dc_softchip_free(struct dc_softchip *c);

/* Gives the chip its private keys (a reference is kept): it then answers
 * INTERNAL AUTHENTICATE and chip authentication. Without them it answers
 * 6D00 to both. DC_ERR_NOMEM. */
int dc_softchip_set_keys(struct dc_softchip *c, const struct dc_chip_keys *k);

/* Gives the chip a card access number (digits, ≤ 16): it then accepts PACE
 * with the CAN (password reference 02) besides the MRZ. DC_ERR_INVALID. */
int dc_softchip_set_can(struct dc_softchip *c, const char *can);

/* A transport for it (ctx = the chip). Answers SELECT (the eMRTD AID, EFs by
 * FID; EF.CardAccess in the MF when l has one), GET CHALLENGE, EXTERNAL
 * AUTHENTICATE (BAC), MSE:Set AT + GENERAL AUTHENTICATE (PACE with the MRZ
 * password when EF.CardAccess offers it; chip authentication), INTERNAL
 * AUTHENTICATE (AA), READ BINARY (offset or SFI) — the LDS only under
 * secure messaging — with ISO 7816-4 status words. */
struct dc_chip_transport dc_softchip_transport(struct dc_softchip *c);

/* Serves the chip as a virtual card to a vsmartcard `vpcd` reader driver
 * (pcscd with /etc/reader.conf.d/vpcd) listening on host:port (TCP,
 * 2-byte length-framed messages: 1-byte power/reset/ATR controls or an
 * APDU). Returns after `sessions` power-offs (0: until the connection
 * closes). DC_ERR_UNAVAILABLE when it cannot connect. Tests and demos. */
int dc_softchip_serve_vpcd(struct dc_softchip *c, const char *host, int port, int sessions);

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
	DC_READ_TRANSPORT,   /* the transport failed */
	DC_READ_NO_APP,      /* the eMRTD application could not be selected */
	DC_READ_BAC_FAILED,  /* BAC refused: wrong document number / dates */
	DC_READ_SM_ERROR,    /* a response failed its MAC or the session broke */
	DC_READ_FILE_ERROR,  /* a file could not be read or is malformed */
	DC_READ_PACE_FAILED, /* PACE and then BAC refused: wrong MRZ */
	DC_READ_CA_FAILED,   /* chip authentication failed: not the chip DG14 names */
};

const char *dc_read_status_name(enum dc_read_status s);

/* Outcome of each chip check: 1 passed, 0 failed, -1 not offered, -2 not
 * performed (a kiosk that reported files only). */
struct dc_read_result {
	enum dc_read_status status;
	char detail[160];
	int apdus;          /* exchanged */
	const char *access; /* "pace" or "bac" (NULL: neither succeeded) */
	const char *sm;     /* "aes128" or "3des" (the final session) */
	int pace;           /* PACE: 1 used, 0 failed, -1 not offered */
	int ca;             /* chip authentication */
	int aa;             /* active authentication */
	char ca_detail[120], aa_detail[120];
	char pace_detail[120];   /* why PACE failed or was not used */
	uint8_t aa_challenge[8]; /* the challenge signed (aa ≠ -1) */
	uint8_t aa_sig[132];
	size_t aa_sig_len;
};

/* Reads the chip over t: EF.CardAccess (plain, in the MF); PACE with the
 * MRZ password when it offers id-PACE-ECDH-GM-AES-CBC-CMAC-128, else (or
 * when PACE fails: r->pace 0, r->pace_detail) SELECT the LDS1 application
 * and BAC with the key from mrz (the printed TD1 MRZ; both failing is
 * PACE_FAILED);
 * then under SM EF.COM; DG14 and chip authentication when DG14 offers it
 * (SM restarts with AES keys); EF.SOD and every DG EF.COM lists except
 * DG3/DG4 (EAC); active authentication when DG15 is present. l (zeroed or
 * freed) receives the files (EF.CardAccess in l->card_access). Returns
 * DC_OK when r->status is DC_READ_OK (AA may still have failed: r->aa),
 * DC_ERR_AUTH for BAC_FAILED / PACE_FAILED, DC_ERR_VERIFY otherwise. */
int dc_chip_read(const struct dc_chip_transport *t, const char *mrz, struct dc_lds *l,
                 struct dc_read_result *r);

/* Options of a read; fields may be NULL. */
struct dc_chip_read_opts {
	const uint8_t *aa_challenge; /* 8 bytes for active authentication (e.g. a
	                                server's); NULL: random */
	const char *can;             /* the card access number printed on the card: PACE with
	                                the CAN instead of the MRZ (BAC still needs mrz) */
};

/* dc_chip_read with options (o may be NULL). */
int dc_chip_read_ex(const struct dc_chip_transport *t, const char *mrz,
                    const struct dc_chip_read_opts *o, struct dc_lds *l, struct dc_read_result *r);

#endif
