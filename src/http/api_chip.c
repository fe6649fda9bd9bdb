/*
 * api_chip.c — verification of a chip read by a kiosk or reader:
 *
 *   POST /api/v1/verify/chip  {"purpose","sod","dg1","dg2",…,"dg16","card_access"}
 *                             (base64 of each file as read, tag and length
 *                             included), and what the reader did:
 *                             "access" ("pace"|"bac"), "secure_messaging"
 *                             ("aes128"|"3des"), "chip_auth" ("passed"|
 *                             "failed"|"not_offered"), "active_auth"
 *                             {"challenge","signature"} (base64)
 *        → {"valid","chip":{access, pace, secure_messaging, chip_auth,
 *           active_auth},"passive_auth":{…each check, reason…},"register":{…}}
 *
 *   POST /api/v1/verify/chip/challenge  → {"challenge","ticket","expires_in"}
 *        an 8-byte challenge for the kiosk's INTERNAL AUTHENTICATE, with a
 *        ticket (expiry + MAC under a key derived from the master key, bound
 *        to the officer) to send back in "active_auth"
 *
 * Active authentication is verified here: the signature over the reader's
 * challenge against DG15, whose hash passive authentication checks. With a
 * ticket the challenge is known to come from this server within the last
 * minute and to be used once (a kiosk cannot replay a signature recorded
 * earlier; the used tickets are remembered per server process, up to
 * USED_N a minute); without one it is the kiosk's own and the detail
 * says so. The
 * access protocol and chip authentication happen between the reader and
 * the chip; the server reports what the reader says (a failed one makes the
 * card invalid) and cannot verify it.
 *
 * The server does passive authentication against the CSCA trust list of
 * the `card_trust` setting (a PEM file or directory; re-read when its
 * modification time changes, so a new CRL takes effect without a restart),
 * then checks the MRZ in DG1 against the register. Officers only, auditors
 * never; audited as "card.verify" (fields "chip") on the holder's record
 * before the answer leaves. 503 unavailable when no trust list is set.
 */
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dancu/audit.h"
#include "dancu/chip.h"
#include "dancu/date.h"
#include "dancu/lds.h"
#include "dancu/officer.h"
#include "dancu/pki.h"
#include "dancu/server.h"

#include "core/internal.h"
#include "http/api_chip.h"
#include "http/http.h"

/* The trust list, shared by every request; replaced when the file changes.
 * Users hold a reference so a replaced list is freed only when unused. */
struct held {
	struct dc_pki_trust *t;
	int refs;
	int retired;
};

/* Challenge tickets already used (their MACs), newest last: a ring large
 * enough for every ticket of the last minute up to USED_N per minute. */
#define USED_N 8192

struct used {
	uint8_t tag[16];
	int64_t exp;
};

struct dc__card_trust {
	pthread_mutex_t mu;
	struct held *cur;
	struct timespec mtime;
	char path[4096];
	struct used *used; /* ring of USED_N */
	size_t used_next;
};

struct dc__card_trust *dc__card_trust_new(void)
{
	struct dc__card_trust *ct = calloc(1, sizeof *ct);
	if (ct && !(ct->used = calloc(USED_N, sizeof *ct->used))) {
		free(ct);
		return NULL;
	}
	if (ct && pthread_mutex_init(&ct->mu, NULL) != 0) {
		free(ct->used);
		free(ct);
		return NULL;
	}
	return ct;
}

void dc__card_trust_free(struct dc__card_trust *ct)
{
	if (!ct)
		return;
	if (ct->cur) {
		dc_pki_trust_free(ct->cur->t);
		free(ct->cur);
	}
	pthread_mutex_destroy(&ct->mu);
	free(ct->used);
	free(ct);
}

static void drop(struct dc__card_trust *ct, struct held *h)
{
	pthread_mutex_lock(&ct->mu);
	int gone = --h->refs == 0 && h->retired;
	pthread_mutex_unlock(&ct->mu);
	if (gone) {
		dc_pki_trust_free(h->t);
		free(h);
	}
}

static int acquire(struct dc__card_trust *ct, const char *path, struct held **out, char *why)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		snprintf(why, 160, "the card trust list %s cannot be read", path);
		return DC_ERR_UNAVAILABLE;
	}
	pthread_mutex_lock(&ct->mu);
	if (ct->cur && !strcmp(ct->path, path) && ct->mtime.tv_sec == st.st_mtim.tv_sec &&
	    ct->mtime.tv_nsec == st.st_mtim.tv_nsec) {
		ct->cur->refs++;
		*out = ct->cur;
		pthread_mutex_unlock(&ct->mu);
		return DC_OK;
	}
	pthread_mutex_unlock(&ct->mu);
	struct dc_pki_trust *t = NULL;
	int rc = dc_pki_trust_load(path, &t, why);
	if (rc)
		return DC_ERR_UNAVAILABLE;
	struct held *h = calloc(1, sizeof *h);
	if (!h) {
		dc_pki_trust_free(t);
		return DC_ERR_NOMEM;
	}
	h->t = t;
	h->refs = 2; /* ours + the cache's */
	pthread_mutex_lock(&ct->mu);
	struct held *old = ct->cur;
	ct->cur = h;
	ct->mtime = st.st_mtim;
	snprintf(ct->path, sizeof ct->path, "%s", path);
	if (old)
		old->retired = 1;
	pthread_mutex_unlock(&ct->mu);
	if (old)
		drop(ct, old); /* the cache's reference */
	*out = h;
	return DC_OK;
}

static int decode(json_t *j, const char *k, struct dc_lds_file *f)
{
	json_t *v = json_object_get(j, k);
	if (!v)
		return DC_OK;
	if (!json_is_string(v))
		return DC_ERR_INVALID;
	size_t n = json_string_length(v), bin = 0;
	uint8_t *d = malloc(n / 4 * 3 + 3);
	if (!d)
		return DC_ERR_NOMEM;
	int rc = sodium_base642bin(d, n / 4 * 3 + 3, json_string_value(v), n, " \r\n", &bin, NULL,
	                           sodium_base64_VARIANT_ORIGINAL) == 0 &&
	                         bin > 0
	                 ? dc_lds_set(f, d, bin)
	                 : DC_ERR_INVALID;
	free(d);
	return rc;
}

static int b64(json_t *j, const char *k, uint8_t *out, size_t cap, size_t *n)
{
	json_t *v = json_object_get(j, k);
	if (!json_is_string(v))
		return DC_ERR_INVALID;
	return sodium_base642bin(out, cap, json_string_value(v), json_string_length(v), " \r\n", n,
	                         NULL, sodium_base64_VARIANT_ORIGINAL) == 0 &&
	                       *n > 0
	               ? DC_OK
	               : DC_ERR_INVALID;
}

#define CHAL_TTL_MS 60000

/* The ticket's MAC: challenge ‖ expiry ‖ officer under a subkey of the
 * master key (libsodium HMAC-SHA-512-256). */
static void chal_tag(const struct dc__call *c, const char *officer, const uint8_t chal[8],
                     const uint8_t exp[8], uint8_t tag[crypto_auth_BYTES])
{
	uint8_t k[crypto_auth_KEYBYTES], m[16 + 64];
	size_t on = strlen(officer) < 64 ? strlen(officer) : 64;
	crypto_kdf_derive_from_key(k, sizeof k, 1, "aachalng", c->key);
	memcpy(m, chal, 8);
	memcpy(m + 8, exp, 8);
	memcpy(m + 16, officer, on);
	crypto_auth(tag, m, 16 + on, k);
	sodium_memzero(k, sizeof k);
}

static int r_chip_challenge(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	int rc = dc__authenticate(c, &o);
	if (rc == DC_OK && o.role == DC_ROLE_AUDITOR)
		return dc__fail(c, DC_ERR_FORBIDDEN, 403, "auditors read the audit log, not cards");
	if (rc)
		return rc;
	if (!c->key)
		return dc__fail(c, DC_ERR_UNAVAILABLE, 503, "no master key");
	uint8_t chal[8], t[8 + crypto_auth_BYTES];
	int64_t exp = dc_now_ms() + CHAL_TTL_MS;
	randombytes_buf(chal, sizeof chal);
	for (int i = 0; i < 8; i++)
		t[i] = (uint8_t)((uint64_t)exp >> (56 - 8 * i));
	chal_tag(c, o.id, chal, t, t + 8);
	char b1[16], b2[sizeof t * 2];
	sodium_bin2base64(b1, sizeof b1, chal, sizeof chal, sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(b2, sizeof b2, t, sizeof t, sodium_base64_VARIANT_ORIGINAL);
	return dc_buf_addf(body, "{\"challenge\":\"%s\",\"ticket\":\"%s\",\"expires_in\":%d}", b1,
	                   b2, CHAL_TTL_MS / 1000);
}

/* Marks the ticket with this tag used; 0 when it already was. */
static int first_use(struct dc__card_trust *ct, const uint8_t *tag, int64_t exp)
{
	int64_t now = dc_now_ms();
	int fresh = 1;
	pthread_mutex_lock(&ct->mu);
	for (size_t i = 0; i < USED_N && fresh; i++)
		if (ct->used[i].exp >= now && sodium_memcmp(ct->used[i].tag, tag, 16) == 0)
			fresh = 0;
	if (fresh) {
		memcpy(ct->used[ct->used_next].tag, tag, 16);
		ct->used[ct->used_next].exp = exp;
		ct->used_next = (ct->used_next + 1) % USED_N;
	}
	pthread_mutex_unlock(&ct->mu);
	return fresh;
}

/* 1: the ticket proves the challenge came from here, for this officer, has
 * not expired and was not used before (on this server); 0: it does not. */
static int ticket_ok(const struct dc__call *c, const char *officer, json_t *aa,
                     const uint8_t chal[8])
{
	uint8_t t[8 + crypto_auth_BYTES + 4], tag[crypto_auth_BYTES];
	size_t n = 0;
	if (!c->key || b64(aa, "ticket", t, sizeof t, &n) || n != 8 + crypto_auth_BYTES)
		return 0;
	int64_t exp = 0;
	for (int i = 0; i < 8; i++)
		exp = (int64_t)((uint64_t)exp << 8 | t[i]);
	chal_tag(c, officer, chal, t, tag);
	return sodium_memcmp(tag, t + 8, sizeof tag) == 0 && dc_now_ms() <= exp &&
	       (!c->card_trust || first_use(c->card_trust, tag, exp));
}

/* What the reader did, from the request; active authentication checked here. */
static int reader_report(const struct dc__call *c, const char *officer, json_t *j,
                         const struct dc_lds *l, struct dc_read_result *rd)
{
	memset(rd, 0, sizeof *rd);
	rd->pace = rd->ca = rd->aa = -2;
	const char *acc = dc__str_member(j, "access"), *sm = dc__str_member(j, "secure_messaging"),
	           *ca = dc__str_member(j, "chip_auth");
	if (acc && strcmp(acc, "pace") && strcmp(acc, "bac"))
		return DC_ERR_INVALID;
	if (sm && strcmp(sm, "aes128") && strcmp(sm, "3des"))
		return DC_ERR_INVALID;
	if (ca && strcmp(ca, "passed") && strcmp(ca, "failed") && strcmp(ca, "not_offered"))
		return DC_ERR_INVALID;
	rd->access = !acc ? NULL : !strcmp(acc, "pace") ? "pace" : "bac";
	rd->pace = !acc ? -2 : rd->access[0] == 'p' ? 1 : -1;
	rd->sm = !sm ? NULL : !strcmp(sm, "aes128") ? "aes128" : "3des";
	if (ca) {
		rd->ca = ca[0] == 'p' ? 1 : ca[0] == 'f' ? 0 : -1;
		snprintf(rd->ca_detail, sizeof rd->ca_detail, "as reported by the reader");
	} else {
		snprintf(rd->ca_detail, sizeof rd->ca_detail, "the reader did not report it");
	}
	json_t *aa = json_object_get(j, "active_auth");
	if (aa && !json_is_object(aa))
		return DC_ERR_INVALID;
	if (!l->dg[15].data) {
		rd->aa = -1;
		return DC_OK;
	}
	if (!aa) {
		snprintf(rd->aa_detail, sizeof rd->aa_detail,
		         "DG15 is present but the reader sent no challenge and signature");
		return DC_OK;
	}
	size_t cn = 0;
	if (b64(aa, "challenge", rd->aa_challenge, sizeof rd->aa_challenge, &cn) || cn != 8 ||
	    b64(aa, "signature", rd->aa_sig, sizeof rd->aa_sig, &rd->aa_sig_len))
		return DC_ERR_INVALID;
	struct dc_secinfos si;
	int have = l->dg[14].data && dc_secinfos_parse(l->dg[14].data, l->dg[14].len, &si) == DC_OK;
	int ticketed = json_object_get(aa, "ticket") != NULL;
	if (ticketed && !ticket_ok(c, officer, aa, rd->aa_challenge)) {
		rd->aa = 0;
		snprintf(rd->aa_detail, sizeof rd->aa_detail,
		         "the challenge's ticket is not this server's, not this officer's, "
		         "expired or already used");
		return DC_OK;
	}
	rd->aa = dc_aa_verify(l->dg[15].data, l->dg[15].len, have ? si.aa_hash : NULL,
	                      rd->aa_challenge, 8, rd->aa_sig, rd->aa_sig_len, rd->aa_detail,
	                      sizeof rd->aa_detail) == DC_OK;
	if (rd->aa == 1 && !ticketed) {
		size_t k = strlen(rd->aa_detail);
		snprintf(rd->aa_detail + k, sizeof rd->aa_detail - k,
		         " (challenge chosen by the kiosk)");
	}
	return DC_OK;
}

static int r_verify_chip(struct dc__call *c, struct dc_buf *body)
{
	struct dc_officer o;
	json_t *j = NULL;
	struct dc_lds l;
	struct held *h = NULL;
	char why[160] = "", k[16], pin[13] = "";
	int rc = dc__authenticate(c, &o);
	if (rc == DC_OK && o.role == DC_ROLE_AUDITOR)
		return dc__fail(c, DC_ERR_FORBIDDEN, 403, "auditors read the audit log, not cards");
	if (rc || (rc = dc__parse_body(c, &j)))
		return rc;
	memset(&l, 0, sizeof l);
	const char *purpose = dc__str_member(j, "purpose");
	if (!purpose)
		purpose = "verification";
	if (!dc__purpose_ok(purpose))
		rc = dc__fail(c, DC_ERR_INVALID, 400, "unknown purpose");
	if (rc == DC_OK && (rc = decode(j, "sod", &l.sod)) == DC_OK &&
	    (rc = decode(j, "card_access", &l.card_access)) == DC_OK)
		rc = decode(j, "com", &l.com);
	for (int i = 1; rc == DC_OK && i <= DC_LDS_MAX_DG; i++) {
		snprintf(k, sizeof k, "dg%d", i);
		rc = decode(j, k, &l.dg[i]);
	}
	if (rc == DC_ERR_INVALID)
		rc = dc__fail(c, rc, 400,
		              "sod, com and dg1…dg16 must be base64 of the files as read");
	else if (rc)
		rc = dc__fail(c, rc, 0, "cannot read the request");
	if (rc == DC_OK && (!l.sod.data || !l.dg[1].data))
		rc = dc__fail(c, DC_ERR_INVALID, 400, "sod and dg1 are required");
	struct dc_read_result rd;
	if (rc == DC_OK && reader_report(c, o.id, j, &l, &rd) != DC_OK)
		rc = dc__fail(c, DC_ERR_INVALID, 400,
		              "access must be pace or bac, secure_messaging aes128 or 3des, "
		              "chip_auth passed, failed or not_offered, active_auth "
		              "{challenge (8 bytes), signature[, ticket]} in base64");
	if (rc == DC_OK &&
	    (!c->card_trust || !c->cfg || !c->cfg->card_trust || !*c->cfg->card_trust))
		rc = dc__fail(c, DC_ERR_UNAVAILABLE, 503,
		              "no CSCA trust list is configured (card_trust / DANCU_CARD_TRUST)");
	if (rc == DC_OK && (rc = acquire(c->card_trust, c->cfg->card_trust, &h, why)))
		rc = dc__fail(c, rc, 503, why[0] ? why : "the CSCA trust list cannot be loaded");
	struct dc_buf out = DC_BUF_INIT;
	bool valid = false;
	if (rc == DC_OK) {
		struct dc_date today = dc_date_today();
		rc = dc_card_chip_verify(c->store, c->units, &l, &rd, h->t, &today, 0, &valid, pin,
		                         &out);
		if (rc)
			rc = dc__fail(c, rc, 0, "cannot verify against the register");
	}
	/* audited before the answer (it names the holder) leaves */
	if (rc == DC_OK) {
		struct dc_audit_entry a = {o.id,    NULL,   "card.verify", pin[0] ? pin : NULL,
		                           purpose, "chip", c->request_id};
		if ((rc = dc_audit_append(c->store, &a, NULL)))
			rc = dc__fail(c, rc, 503,
			              "the read could not be audited, so it is refused");
	}
	if (rc == DC_OK)
		rc = dc_buf_add(body, out.ptr, out.len);
	if (h)
		drop(c->card_trust, h);
	dc_buf_release(&out);
	dc_lds_free(&l);
	json_decref(j);
	return rc;
}

const struct dc__route dc__chip_routes[] = {
        {"/api/v1/verify/chip/challenge", 0, "POST", r_chip_challenge},
        {"/api/v1/verify/chip", 0, "POST", r_verify_chip},
};
const size_t dc__chip_routes_n = DC_ARRAY_LEN(dc__chip_routes);
