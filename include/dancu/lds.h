/*
 * dancu/lds.h — the chip's Logical Data Structure (ICAO 9303 Part 10) as
 * dancu issues it, the Document Security Object (EF.SOD) and passive
 * authentication (Part 11 §5.1).
 *
 * Files: EF.COM (tag 60), DG1 (61, the TD1 MRZ), DG2 (75, the face in the
 * ICAO biometric template, ISO/IEC 19794-5 record with a JPEG), DG13 (6D,
 * the Vietnamese fields, domain notes id-number-and-card.md §5.4) and
 * EF.SOD (77, CMS SignedData over an LDSSecurityObject with SHA-256 hashes
 * of every DG, signed by a Document Signer).
 *
 * Ownership: struct dc_lds owns its file buffers (malloc); dc_lds_free()
 * releases them. Parsed strings (DG13) live in the caller's pool.
 */
#ifndef DANCU_LDS_H
#define DANCU_LDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dancu/buf.h"
#include "dancu/pool.h"

struct dc_pki_signer;
struct dc_pki_trust;

#define DC_LDS_MAX_DG 16

struct dc_lds_file {
	uint8_t *data; /* NULL when absent */
	size_t len;
};

struct dc_lds {
	struct dc_lds_file com, sod;
	struct dc_lds_file card_access;           /* EF.CardAccess (MF); not covered by the SOD */
	struct dc_lds_file dg[DC_LDS_MAX_DG + 1]; /* dg[1]..dg[16]; dg[0] unused */
};

void dc_lds_free(struct dc_lds *l);

/* Copies n bytes into f (replacing what was there). DC_ERR_NOMEM. */
int dc_lds_set(struct dc_lds_file *f, const void *p, size_t n);

/* DG13 fields by number (1..16; 13 and 14 use father/mother/spouse). NULL
 * or "" = absent. Dates "dd/mm/yyyy". */
struct dc_dg13 {
	const char *f[17];
	const char *father, *mother, *spouse;
};

/* Everything the chip carries about the holder. */
struct dc_chip_keys;
struct dc_lds_input {
	const char *mrz;                 /* TD1, 90 characters (newlines are skipped) */
	bool photo;                      /* DG2 with the face image (false: no DG2) */
	const struct dc_dg13 *dg13;      /* NULL: no DG13 */
	const struct dc_chip_keys *keys; /* NULL: no DG14/DG15 (no AA, no CA) */
	bool pace;                       /* EF.CardAccess and DG14 offer PACE */
};

/* Builds EF.COM, DG1, DG2, DG13, DG14, DG15, EF.CardAccess and the EF.SOD
 * signed by s. l must be
 * zeroed or freed. DC_ERR_INVALID (MRZ not 90 characters), DC_ERR_IO
 * (signing failed). */
int dc_lds_build(const struct dc_lds_input *in, struct dc_pki_signer *s, struct dc_lds *l);

/* Re-signs the SOD over the DGs now in l (tests; re-issuing). */
int dc_sod_build(struct dc_lds *l, struct dc_pki_signer *s);

/* DG1 → the MRZ as three lines separated by '\n' (out ≥ 93 bytes). */
int dc_lds_dg1_mrz(const uint8_t *dg1, size_t n, char *out, size_t outn);

/* DG2 → the first face image (borrowed from dg2) and its type (0 JPEG,
 * 1 JPEG2000). DC_ERR_INVALID or DC_ERR_NOT_FOUND. */
int dc_lds_dg2_image(const uint8_t *dg2, size_t n, const uint8_t **img, size_t *imgn, int *type);

/* DG13 → fields (strings copied into pool). Walks the TLVs generically:
 * every SEQUENCE whose first element is INTEGER 1..16; field 13 two names,
 * 14 the spouse. Unknown numbers are ignored. DC_ERR_INVALID. */
int dc_lds_dg13_parse(const uint8_t *p, size_t n, struct dc_dg13 *out, struct dc_pool *pool);

/* EF.COM → the DG numbers listed (bitmask, bit i = DG i). */
int dc_lds_com_dgs(const uint8_t *p, size_t n, uint32_t *mask);

/* The chip image of produced card card_id, built now from the card (its
 * MRZ, issue date, expiry, photo flag) and the citizen's current record
 * (DG13), signed by s (NULL: no EF.SOD); with keys (may be NULL) also
 * DG14 and DG15 (active and chip authentication) and PACE in EF.CardAccess. mrz_out (may be NULL, ≥
 * 93 bytes) gets the card's MRZ. DC_ERR_NOT_FOUND, DC_ERR_CONFLICT (not produced), store errors.
 * The SOD is not stored: the register keeps the data the chip is derived from. */
struct dc_store;
struct dc_units;
int dc_card_chip_lds(struct dc_store *st, const struct dc_units *u, int64_t card_id,
                     struct dc_pki_signer *s, const struct dc_chip_keys *keys, struct dc_lds *l,
                     char *mrz_out);

/* Verification of a chip read (files in l): passive authentication against
 * trust at `when`, then the MRZ in DG1 against the register as
 * dc_card_verify (DC_CARD_FORM_MRZ) does, and DG13's ID number equal to the
 * MRZ's. rd (may be NULL: not known) is what the reader did: the access
 * protocol (PACE/BAC), the SM cipher, chip and active authentication, each
 * reported under "chip"; a failed CA or AA makes the card invalid.
 * *valid is true only when all passed and the chain was checked.
 * Appends {"valid":…,"chip":{…},"passive_auth":{…},"register":{…}} to out. Returns
 * DC_OK when a verdict was reached; *pin_out (≥ 13 bytes, may be NULL)
 * gets whose card it claims to be. */
struct dc_date;
struct dc_read_result;
int dc_card_chip_verify(struct dc_store *st, const struct dc_units *u, const struct dc_lds *l,
                        const struct dc_read_result *rd, const struct dc_pki_trust *trust,
                        const struct dc_date *today, int64_t when, bool *valid, char *pin_out,
                        struct dc_buf *out);

/* --- passive authentication --- */

/* Reason codes, stable strings from dc_pa_reason_name(). */
enum dc_pa_reason {
	DC_PA_OK = 0,
	DC_PA_SOD_MALFORMED,    /* not CMS SignedData / not an LDSSecurityObject */
	DC_PA_SIGNATURE,        /* the SOD signature does not verify */
	DC_PA_DS_UNTRUSTED,     /* the DS does not chain to a trusted CSCA */
	DC_PA_DS_EXPIRED,       /* DS (or CSCA) not valid at the verification time */
	DC_PA_DS_REVOKED,       /* DS listed on its CSCA's CRL */
	DC_PA_DG_HASH,          /* a data group's hash differs from the SOD's */
	DC_PA_DG_NOT_IN_SOD,    /* a data group was read that the SOD does not cover */
	DC_PA_UNSUPPORTED_HASH, /* the SOD's hash algorithm is unknown */
};

const char *dc_pa_reason_name(enum dc_pa_reason r);

/* The outcome, each check separately: 1 pass, 0 fail, -1 not made. */
struct dc_pa_result {
	enum dc_pa_reason reason; /* first failure: sod, signature, chain, hashes */
	int sod_ok, signature_ok, chain_ok, hashes_ok;
	int bad_dg;        /* DG number of the hash failure, 0 otherwise */
	bool crl_checked;  /* a CRL of the DS's CSCA was consulted */
	char hash_alg[16]; /* "sha256", … */
	char ds_subject[160];
	char detail[160];
};

/* Passive authentication of the files in l (EF.SOD and every DG present)
 * against trust (NULL: the chain is not checked, chain_ok = -1) at time
 * `when` (Unix seconds, 0 = now). Explicit EC parameters in certificates
 * are accepted deliberately (real CSCAs use them). Returns DC_OK whenever
 * a result was reached (r->reason says whether it passed). */
int dc_pa_verify(const struct dc_lds *l, const struct dc_pki_trust *trust, int64_t when,
                 struct dc_pa_result *r);

/* Appends r as JSON: {"passed":…,"reason":…,"checks":{…}}. */
int dc_pa_result_json(const struct dc_pa_result *r, struct dc_buf *out);

#endif
