/*
 * dancu/pki.h — the card PKI: a country signing CA (CSCA), Document Signer
 * (DS) certificates, a CRL, which DS signs new cards, and the trust list a
 * verifier uses (ICAO 9303 Part 12). OpenSSL 3, ECDSA (P-256 by default, or
 * brainpoolP256r1/P-384), SHA-256 signatures.
 *
 * A PKI lives in one directory:
 *   csca.key, csca.pem          the CSCA key (mode 0600) and self-signed cert
 *   ds/<name>.key, ds/<name>.pem DS keys (0600) and certs issued by the CSCA
 *   active                      name of the DS that signs new cards
 *   revoked                     "serial-hex unix-seconds" per revoked DS
 *   trust/csca.pem, trust/crl.pem  what a verifier needs: CSCA certs and CRLs
 *                               (other countries' CSCAs can be added here)
 * Key files are created 0600 and refused when group- or other-accessible.
 * Private keys are PEM, unencrypted: protect the directory (or keep the CSCA
 * key offline; only `pki ds new` and `pki crl` need it).
 *
 * Times are Unix seconds; 0 means "now". Errors: DC_ERR_INVALID (bad name,
 * curve, times), DC_ERR_CONFLICT (exists already), DC_ERR_NOT_FOUND,
 * DC_ERR_FORBIDDEN (key file readable by others), DC_ERR_IO, DC_ERR_VERIFY.
 * `why` (may be NULL, ≥ 160 bytes) gets a message on failure.
 */
#ifndef DANCU_PKI_H
#define DANCU_PKI_H

#include <stddef.h>
#include <stdint.h>

struct dc_pki_opts {
	const char *country; /* ISO 3166 alpha-2, default "VN" */
	const char *org;     /* default "Bo Cong an" */
	const char *curve;   /* "P-256" (default), "P-384", "brainpoolP256r1" */
	int64_t not_before;  /* 0: now */
	int64_t not_after;   /* 0: not_before + days */
	int days;            /* default 3650 (CSCA), 1825 (DS) */
};

/* Creates the PKI in dir (created if missing): CSCA key and certificate,
 * an empty CRL, the trust list. DC_ERR_CONFLICT when dir has a CSCA. */
int dc_pki_init(const char *dir, const struct dc_pki_opts *o, char *why);

/* Issues DS `name` ([a-z0-9_-], 1–32 chars) signed by the CSCA. The first
 * DS becomes active. */
int dc_pki_ds_new(const char *dir, const char *name, const struct dc_pki_opts *o, char *why);

/* Makes DS `name` the one that signs new cards (not a revoked one). */
int dc_pki_ds_activate(const char *dir, const char *name, char *why);

/* Revokes DS `name` and re-issues the CRL (trust/crl.pem). If it was the
 * active DS, no DS is active afterwards. */
int dc_pki_ds_revoke(const char *dir, const char *name, char *why);

/* Re-issues the CRL with a new nextUpdate (now + days, default 30). */
int dc_pki_crl_update(const char *dir, int days, char *why);

/* Copies a CSCA certificate or CRL (PEM) into dir/trust as trust/<as>.pem. */
int dc_pki_trust_add(const char *dir, const char *pem_file, const char *as, char *why);

/* Writes a JSON description of the PKI (CSCA subject and validity, each DS
 * with serial, validity, state) to out (dc_buf). */
struct dc_buf;
int dc_pki_status_json(const char *dir, struct dc_buf *out, char *why);

/* The signer of new cards: the active DS certificate and key. Opaque; free
 * with dc_pki_signer_free. */
struct dc_pki_signer;
int dc_pki_signer_load(const char *dir, struct dc_pki_signer **out, char *why);
/* Loads a given DS by name (tests, re-signing with an older DS). */
int dc_pki_signer_load_ds(const char *dir, const char *name, struct dc_pki_signer **out, char *why);
void dc_pki_signer_free(struct dc_pki_signer *s);

/* A trust list: CSCA certificates and CRLs from a PEM file or from every
 * *.pem in a directory (e.g. dir/trust). Opaque; free with
 * dc_pki_trust_free. Safe to share between threads for verification once
 * loaded. */
struct dc_pki_trust;
int dc_pki_trust_load(const char *path, struct dc_pki_trust **out, char *why);
void dc_pki_trust_free(struct dc_pki_trust *t);

/* Refuses a key file readable or writable by group/other (DC_ERR_FORBIDDEN)
 * or missing (DC_ERR_NOT_FOUND). */
int dc_pki_key_mode_ok(const char *path, char *why);

#endif
