/*
 * signin.h — the e-ID sign-in of a server-rendered page (signin.c), shared
 * by the OpenID authorization page (api_oidc.c) and the e-KYC consent page
 * (api_kyc.c). Internal to src/http/.
 *
 * A page posts pin, password and, for an account with TOTP, totp. The
 * sign-in runs in two halves: on the loop, the per-address limit (20 failed
 * sign-ins from one address within 15 minutes, across accounts and pages)
 * and the read of the account's argon2id hash; on a hash thread
 * (dc__offload), the password check; back on the loop, the attempt counted
 * (five in a row hold the account: dancu/eid.h), the account's usability
 * (active, citizen alive, identity card not expired: dc_eid_usable), the
 * TOTP, and every failure written to the login history. Then the page's
 * finish callback answers with the result.
 *
 * Ownership: the page allocates its own state with dc__signin_new, the
 * struct dc__signin as its first member; dc__signin_start consumes it (it
 * is freed after finish returns, on every path). The password is wiped as
 * soon as it was checked.
 */
#ifndef DANCU_HTTP_SIGNIN_H
#define DANCU_HTTP_SIGNIN_H

#include <stddef.h>
#include <stdint.h>

#include "dancu/eid.h"
#include "dancu/password.h"
#include "http/api_oidc.h"
#include "http/http.h"

struct dc__signin;

/* Answers the page once the sign-in is decided. rc is DC_OK (signed in:
 * g->acct is the account; the page records the success in the login
 * history itself, in its own transaction), or one of the outcomes that
 * dc__signin_text words for the page (DC_ERR_AUTH, DC_ERR_VERIFY,
 * DC_ERR_LOCKED, DC_ERR_EXPIRED, DC_ERR_RATE, DC_ERR_BUSY; Retry-After is
 * already set for the last two), or a storage error (answer with
 * dc__fail). Returns what a handler returns. */
typedef int (*dc__signin_finish)(struct dc__call *c, struct dc_buf *body, struct dc__signin *g,
                                 int rc);

struct dc__signin {
	char pin[DC__OIDC_PARAM], pw[DC__OIDC_PARAM], totp[16];
	char client[80]; /* who asked, for the login history ("bank-1", "kyc:org") */
	char ip[64];
	int64_t t;
	struct dc_eid_account acct; /* on success */
	char card_expiry[11];       /* on DC_ERR_EXPIRED */
	char vi[320], en[320];      /* dc__signin_text's words */
	dc__signin_finish finish;
	/* private */
	char hash[DC_PWHASH_LEN];
	int ok, parked;
};

/* A zeroed page state of size bytes (≥ sizeof(struct dc__signin)), whose
 * first member is the struct dc__signin; NULL when out of memory. */
struct dc__signin *dc__signin_new(size_t size);

/* Reads pin, password and totp from the posted form into g. -1 when the
 * form is malformed; 0 when the number or the password is missing; 1. */
int dc__signin_read(struct dc__call *c, struct dc__signin *g);

/* Runs the sign-in of g (read by dc__signin_read; g->client and g->finish
 * set) and consumes g. Returns what finish returned, or DC__DEFERRED. */
int dc__signin_start(struct dc__call *c, struct dc_buf *body, struct dc__signin *g);

/* The HTTP status and the page's message (Vietnamese, English) for a
 * non-OK outcome rc, pointing into g or at static strings; 0 when rc is
 * not a sign-in outcome (a storage error). */
int dc__signin_text(struct dc__signin *g, int rc, const char **vi, const char **en);

/* Appends the page's labelled inputs: personal ID number, password and
 * the TOTP code (Vietnamese with English), as both pages show them. */
int dc__signin_fields(struct dc_buf *b);

#endif
