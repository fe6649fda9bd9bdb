/*
 * pki_internal.h — what pki.c shares with sod.c. Internal to src/card/.
 */
#ifndef DANCU_PKI_INTERNAL_H
#define DANCU_PKI_INTERNAL_H

#include <openssl/evp.h>
#include <openssl/x509.h>

struct dc_pki_signer {
	X509 *cert;
	EVP_PKEY *key;
};

struct dc_pki_trust {
	X509_STORE *store; /* CSCAs and CRLs; CRL checking on when any CRL was loaded */
	int ncsca, ncrl;
};

#endif
