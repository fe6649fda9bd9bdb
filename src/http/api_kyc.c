/*
 * api_kyc.c — e-KYC with consent over HTTP (docs/VERIFICATION.md).
 *
 *   POST   /api/v1/kyc/requests        (organisation's API key) ask a citizen
 *                                      for attributes, for a purpose
 *   GET    /api/v1/kyc/requests        (the same) its own requests, newest
 *                                      first (200 at most)
 *   GET    /api/v1/kyc/requests/{id}   (the same organisation) state; once
 *                                      approved, the attributes as a JWT
 *                                      (ES256, the OpenID provider's newest
 *                                      key, verifiable with /oidc/jwks)
 *   GET    /kyc/{id}                   the citizen's page (Vietnamese with
 *   POST   /kyc/{id}                   English): sign in with e-ID, approve
 *                                      or decline
 *   GET    /api/v1/me/kyc              (citizen's Bearer token) requests and
 *   POST   /api/v1/me/kyc/{id}/approve consents; approve, decline, revoke
 *   POST   /api/v1/me/kyc/{id}/decline
 *   DELETE /api/v1/me/kyc/consents/{id}
 *
 * The Bearer routes act for the citizen, so only the citizen's own e-ID
 * applications may call them: OpenID clients listed in DANCU_KYC_CLIENTS
 * (comma-separated client ids; unset = none, the page is the only way).
 * Otherwise a relying party holding a citizen's access token could approve
 * its own requests.
 *
 * Every step is audited with the citizen as subject, so it shows in the data
 * tracker: the request (kyc.request), the decision (kyc.approve,
 * kyc.decline), the revocation (kyc.revoke) and each release (kyc.release,
 * with organisation, purpose and the attributes) — the release's entry is
 * committed before the JWT leaves. A release needs, at that moment: an
 * approved, unexpired, unrevoked consent; the attributes and purpose still
 * in the organisation's policy; the citizen alive; the e-ID account active.
 *
 * The page's password check runs on the hash threads (dc__offload), like
 * the OpenID sign-in page; failed attempts count towards the account's
 * lockout and the per-address limit.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/core.h"
#include "dancu/apikey.h"
#include "dancu/audit.h"
#include "dancu/citizen.h"
#include "dancu/date.h"
#include "dancu/db.h"
#include "dancu/eid.h"
#include "dancu/password.h"
#include "dancu/pin.h"
#include "dancu/pool.h"
#include "dancu/store.h"
#include "dancu/units.h"
#include "dancu/verify.h"

#include "core/internal.h"
#include "eid/oidc.h"
#include "http/api_kyc.h"
#include "http/api_oidc.h"
#include "http/api_verify.h"
#include "http/http.h"
#include "http/signin.h"
#include "verify/kyc.h"
#include "verify/verify_internal.h"

#define P DC__OIDC_PARAM

static const struct {
	const char *code, *vi, *en;
} attr_text[] = {
        {"name", "Họ, chữ đệm và tên", "Full name"},
        {"dob", "Ngày sinh", "Date of birth"},
        {"sex", "Giới tính", "Sex"},
        {"address", "Nơi thường trú", "Permanent address"},
        {"phone", "Số điện thoại", "Phone number"},
        {"email", "Thư điện tử", "E-mail"},
        {"father_name", "Họ tên cha", "Father's name"},
        {"mother_name", "Họ tên mẹ", "Mother's name"},
        {"nationality", "Quốc tịch", "Nationality"},
        {"card_issue_date", "Ngày cấp thẻ căn cước", "Identity card issue date"},
};

static const struct {
	const char *code, *vi, *en;
} purpose_text[] = {
        {"account_opening", "Mở tài khoản", "Account opening"},
        {"customer_due_diligence", "Nhận biết khách hàng", "Customer due diligence"},
        {"credit_assessment", "Thẩm định tín dụng", "Credit assessment"},
        {"subscriber_registration", "Đăng ký thuê bao", "Subscriber registration"},
        {"benefit_payment", "Chi trả trợ cấp", "Benefit payment"},
        {"employment", "Tuyển dụng", "Employment"},
        {"insurance", "Bảo hiểm", "Insurance"},
};

/* Each code of a comma-separated list, in turn: cb(arg, code). */
static int each_code(const char *list, void (*cb)(void *arg, const char *code), void *arg)
{
	char one[64];
	for (const char *p = list; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n < sizeof one) {
			memcpy(one, p, n);
			one[n] = '\0';
			cb(arg, one);
		}
		p += n + (comma != NULL);
	}
	return DC_OK;
}

/* The mask of a comma-separated list of field codes (-1 bits unknown). */
static uint32_t attr_mask(const char *list)
{
	uint32_t m = 0;
	if (dc_vfields_parse(list, &m))
		return 0xffffffffu;
	return m;
}

/* 1 when the organisation may still receive these attributes for this
 * purpose. */
static int policy_allows(const struct dc_org *org, const struct dc__kyc *k)
{
	int pu = dc_vpurpose_parse(k->purpose, strlen(k->purpose));
	uint32_t m = attr_mask(k->attributes);
	return !org->disabled && pu >= 0 && (org->purposes & (1u << pu)) &&
	       (m & ~org->receive_fields) == 0;
}

/* The citizen must be alive and hold a usable e-ID account (active, the
 * identity card not expired: dc_eid_usable). */
static int citizen_usable(struct dc__call *c, const char *pin)
{
	struct dc_date today = dc_date_today();
	return dc_eid_usable(c->store, pin, &today, NULL, NULL) == DC_OK;
}

/* The request as JSON; with_pin adds the citizen's number (for the
 * organisation that asked, which knows it). */
static void kyc_json(struct dc_buf *b, const struct dc__kyc *k, int64_t now, const char *org_name,
                     int with_pin)
{
	dc_buf_addf(b, "{\"id\":\"%s\",\"org\":\"%s\",", k->id, k->org);
	if (with_pin)
		dc_buf_addf(b, "\"pin\":\"%s\",", k->pin);
	if (org_name) {
		dc_buf_adds(b, "\"org_name\":\"");
		dc_buf_add_json_str(b, org_name, strlen(org_name));
		dc_buf_adds(b, "\",");
	}
	dc_buf_addf(b, "\"purpose\":\"%s\",\"attributes\":[", k->purpose);
	int first = 1;
	for (const char *p = k->attributes; *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		dc_buf_addf(b, "%s\"%.*s\"", first ? "" : ",", (int)n, p);
		first = 0;
		p += n + (comma != NULL);
	}
	dc_buf_addf(b,
	            "],\"state\":\"%s\",\"created_ms\":%lld,\"expires_ms\":%lld,"
	            "\"consent_days\":%d,\"decided_ms\":%lld,\"consent_expires_ms\":%lld,"
	            "\"revoked_ms\":%lld,\"releases\":%lld}",
	            dc__kyc_state(k, now), (long long)k->created_ms, (long long)k->expires_ms,
	            k->consent_days, (long long)k->decided_ms, (long long)k->consent_expires_ms,
	            (long long)k->revoked_ms, (long long)k->releases);
}

/* --- the organisation: request, fetch ----------------------------------- */

static int redirect_ok(const char *u)
{
	size_t n = strlen(u);
	if (n == 0)
		return 1;
	if (n > 500)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)u[i] <= ' ' || u[i] == '"' || u[i] == '<' || u[i] == '>' ||
		    (unsigned char)u[i] >= 0x7f)
			return 0;
	return !strncmp(u, "https://", 8) || !strncmp(u, "http://127.0.0.1", 16) ||
	       !strncmp(u, "http://localhost", 16);
}

static int r_create(struct dc__call *c, struct dc_buf *body)
{
	struct dc_apikey key;
	struct dc_org org;
	struct dc__kyc k;
	json_t *j = NULL;
	const char *m;
	json_t *v;
	char d[200], iss[300];
	int rc = dc__verify_org_of_key(c, &key, &org);
	if (rc)
		return rc;
	rc = dc__parse_body(c, &j);
	if (rc)
		return rc;
	memset(&k, 0, sizeof k);
	snprintf(k.org, sizeof k.org, "%s", org.id);
	k.consent_days = DC__KYC_CONSENT_DAYS;
	int64_t ttl = DC__KYC_TTL_MS;
	json_object_foreach (j, m, v) {
		if (strcmp(m, "pin") && strcmp(m, "attributes") && strcmp(m, "purpose") &&
		    strcmp(m, "redirect_uri") && strcmp(m, "expires_in") &&
		    strcmp(m, "consent_days")) {
			snprintf(d, sizeof d, "unknown member %s", m);
			json_decref(j);
			return dc__fail(c, DC_ERR_INVALID, 400, d);
		}
	}
	const char *pin = dc__str_member(j, "pin");
	const char *purpose = dc__str_member(j, "purpose");
	const char *redirect = dc__str_member(j, "redirect_uri");
	json_t *attrs = json_object_get(j, "attributes");
	json_t *ei = json_object_get(j, "expires_in"), *cd = json_object_get(j, "consent_days");
	struct dc_pin p;
	const char *err = NULL;
	uint32_t mask = 0;
	if (!pin || dc_pin_parse(pin, strlen(pin), &p))
		err = "pin must be a valid 12-digit personal ID number";
	else if (!purpose || dc_vpurpose_parse(purpose, strlen(purpose)) < 0)
		err = "purpose must be a known purpose code (see docs/VERIFICATION.md)";
	else if (!json_is_array(attrs) || json_array_size(attrs) == 0 ||
	         json_array_size(attrs) > DC_VF__COUNT)
		err = "attributes must be a non-empty array of field codes";
	else if (redirect && !redirect_ok(redirect))
		err = "redirect_uri must be an https URL (or http://127.0.0.1 / localhost) of at "
		      "most 500 characters";
	else if (ei && (!json_is_integer(ei) || json_integer_value(ei) < 60 ||
	                json_integer_value(ei) > 86400))
		err = "expires_in must be 60 to 86400 seconds";
	else if (cd && (!json_is_integer(cd) || json_integer_value(cd) < 1 ||
	                json_integer_value(cd) > 365))
		err = "consent_days must be 1 to 365";
	size_t i;
	json_array_foreach (attrs, i, v) {
		const char *s = json_string_value(v);
		int f = s ? dc_vfield_parse(s, strlen(s)) : -1;
		if (!err && f < 0) {
			snprintf(d, sizeof d, "unknown attribute %s", s ? s : "(not a string)");
			err = d;
		}
		if (f >= 0)
			mask |= 1u << f;
	}
	if (err) {
		rc = dc__fail(c, DC_ERR_INVALID, 400, err);
		goto cleanup;
	}
	/* The policy: every attribute and the purpose. */
	if (mask & ~org.receive_fields) {
		for (int f = 0; f < DC_VF__COUNT; f++)
			if ((mask & ~org.receive_fields) & (1u << f)) {
				snprintf(d, sizeof d,
				         "attribute %s is outside the organisation's policy "
				         "(receive_fields)",
				         dc_vfield_code(f));
				break;
			}
		rc = dc__fail(c, DC_ERR_FORBIDDEN, 403, d);
		goto cleanup;
	}
	if (!(org.purposes & (1u << dc_vpurpose_parse(purpose, strlen(purpose))))) {
		snprintf(d, sizeof d, "purpose %s is outside the organisation's policy", purpose);
		rc = dc__fail(c, DC_ERR_FORBIDDEN, 403, d);
		goto cleanup;
	}
	if (ei)
		ttl = json_integer_value(ei) * 1000;
	if (cd)
		k.consent_days = (int)json_integer_value(cd);
	struct dc_buf list = DC_BUF_INIT;
	dc_vfields_format(mask, &list);
	snprintf(k.attributes, sizeof k.attributes, "%s", dc_buf_str(&list));
	dc_buf_release(&list);
	snprintf(k.pin, sizeof k.pin, "%s", pin);
	snprintf(k.purpose, sizeof k.purpose, "%s", purpose);
	snprintf(k.redirect_uri, sizeof k.redirect_uri, "%s", redirect ? redirect : "");
	k.created_ms = dc_now_ms();
	k.expires_ms = k.created_ms + ttl;
	rc = dc_store_begin(c->store);
	if (rc == DC_OK)
		rc = dc__kyc_create(c->store, &k);
	struct dc_audit_entry au = {key.id,    org.id,       "kyc.request", k.pin,
	                            k.purpose, k.attributes, c->request_id};
	if (rc == DC_OK)
		rc = dc_audit_append(c->store, &au, NULL);
	if (rc == DC_OK)
		rc = dc_store_commit(c->store);
	else
		dc_store_rollback(c->store);
	if (rc) {
		rc = dc__fail(c, rc, 0, "the request could not be recorded");
		goto cleanup;
	}
	dc__oidc_issuer(c, iss, sizeof iss);
	char loc[128];
	snprintf(loc, sizeof loc, "/api/v1/kyc/requests/%s", k.id);
	dc__oidc_header(c, H2O_TOKEN_LOCATION, loc);
	c->status = 201;
	kyc_json(body, &k, k.created_ms, org.name, 0);
	/* Splice the approval URL in before the closing brace. */
	body->len--;
	dc_buf_addf(body, ",\"approval_url\":\"%s/kyc/%s\"}", iss, k.id);
	rc = dc_buf_error(body);
cleanup:
	json_decref(j);
	return rc;
}

/* The attributes of pin as a JSON object (the caller owns it). */
static json_t *attributes_of(struct dc__call *c, const char *pin, const char *list)
{
	struct dc_pin p;
	struct dc_citizen x;
	struct dc_pool pool;
	json_t *a = NULL;
	dc_pool_init(&pool, 0);
	if (dc_pin_parse(pin, strlen(pin), &p) || dc_store_citizen_get(c->store, &p, &x, &pool))
		goto cleanup;
	a = json_object();
	uint32_t m = attr_mask(list);
	char iso[DC_DATE_ISO_MAX];
	const char *s;
#define STR(v) json_string((v) ? (v) : "")
#define OPT(v) ((v) && *(v) ? json_string(v) : json_null())
	if (m & (1u << DC_VF_NAME))
		json_object_set_new(a, "name", STR(x.birth_name));
	if (m & (1u << DC_VF_DOB)) {
		dc_date_iso(&x.dob, iso);
		json_object_set_new(a, "dob", json_string(iso));
	}
	if (m & (1u << DC_VF_SEX)) {
		s = x.sex == DC_SEX_FEMALE ? "female" : x.sex == DC_SEX_MALE ? "male" : "unknown";
		json_object_set_new(a, "sex", json_string(s));
	}
	if (m & (1u << DC_VF_ADDRESS)) {
		const struct dc_commune *cm =
		        x.perm_commune
		                ? dc_units_commune(c->units, x.perm_commune, strlen(x.perm_commune))
		                : NULL;
		char formatted[700];
		snprintf(formatted, sizeof formatted, "%s%s%s",
		         x.perm_address ? x.perm_address : "", x.perm_address && cm ? ", " : "",
		         cm ? cm->name : "");
		json_object_set_new(a, "address",
		                    json_pack("{s:o, s:o, s:s}", "street", OPT(x.perm_address),
		                              "commune", OPT(x.perm_commune), "formatted",
		                              formatted));
	}
	if (m & (1u << DC_VF_PHONE))
		json_object_set_new(a, "phone", OPT(x.phone));
	if (m & (1u << DC_VF_EMAIL))
		json_object_set_new(a, "email", OPT(x.email));
	if (m & (1u << DC_VF_FATHER_NAME))
		json_object_set_new(a, "father_name", OPT(x.father_name));
	if (m & (1u << DC_VF_MOTHER_NAME))
		json_object_set_new(a, "mother_name", OPT(x.mother_name));
	if (m & (1u << DC_VF_NATIONALITY))
		json_object_set_new(a, "nationality", OPT(x.nationality));
	if (m & (1u << DC_VF_CARD_ISSUE_DATE)) {
		struct dc_verify_card card;
		memset(&card, 0, sizeof card);
		if (dc__verify_card_lookup(c->store, pin, &card) == DC_OK &&
		    dc_date_iso(&card.issue_date, iso) > 0)
			json_object_set_new(a, "card_issue_date", json_string(iso));
		else
			json_object_set_new(a, "card_issue_date", json_null());
	}
#undef STR
#undef OPT
cleanup:
	dc_pool_release(&pool);
	return a;
}

static int r_fetch(struct dc__call *c, struct dc_buf *body)
{
	struct dc_apikey key;
	struct dc_org org;
	struct dc__kyc k;
	char iss[300], jti[33];
	unsigned char raw[16];
	struct dc_buf jwt = DC_BUF_INIT;
	int rc = dc__verify_org_of_key(c, &key, &org);
	if (rc)
		return rc;
	if (!dc__kyc_id_ok(c->tail, c->tail_len))
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such e-KYC request");
	char id[DC__KYC_ID_LEN + 1];
	snprintf(id, sizeof id, "%.*s", (int)c->tail_len, c->tail);
	rc = dc__kyc_get(c->store, id, &k);
	if (rc == DC_ERR_NOT_FOUND || (rc == DC_OK && strcmp(k.org, org.id)))
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such e-KYC request");
	if (rc)
		return dc__fail(c, rc, 0, "the request could not be read");
	int64_t now = dc_now_ms();
	const char *state = dc__kyc_state(&k, now);
	if (!strcmp(state, "pending")) {
		c->status = 202;
		kyc_json(body, &k, now, NULL, 0);
		return dc_buf_error(body);
	}
	if (!strcmp(state, "declined"))
		return dc__fail(c, DC_ERR_CONSENT, 403, "the citizen declined the request");
	if (!strcmp(state, "revoked"))
		return dc__fail(c, DC_ERR_REVOKED, 410, "the citizen revoked the consent");
	if (!strcmp(state, "expired"))
		return dc__fail(c, DC_ERR_EXPIRED, 410,
		                k.decided_ms ? "the consent expired"
		                             : "the request expired unanswered");
	if (!policy_allows(&org, &k))
		return dc__fail(c, DC_ERR_FORBIDDEN, 403,
		                "the attributes or the purpose are no longer in the organisation's "
		                "policy");
	if (!citizen_usable(c, k.pin))
		return dc__fail(c, DC_ERR_FORBIDDEN, 403,
		                "the citizen is not alive or the e-ID account is not active");
	json_t *attrs = attributes_of(c, k.pin, k.attributes);
	if (!attrs)
		return dc__fail(c, DC_ERR_DB, 500, "the attributes could not be read");
	dc__oidc_issuer(c, iss, sizeof iss);
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(jti, sizeof jti, raw, sizeof raw);
	int64_t iat = now / 1000;
	json_t *claims = json_pack(
	        "{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:o}", "iss", iss, "aud", org.id,
	        "iat", (json_int_t)iat, "exp", (json_int_t)(iat + DC__KYC_JWT_TTL_S), "jti", jti,
	        "purpose", k.purpose, "kyc_request", k.id, "personal_id_number", k.pin,
	        "consent_expires", (json_int_t)(k.consent_expires_ms / 1000), "attributes", attrs);
	char *cj = claims ? json_dumps(claims, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(claims);
	rc = cj ? dc__oidc_sign(dc__oidc_key_dir(), cj, &jwt) : DC_ERR_NOMEM;
	free(cj);
	if (rc) {
		dc_buf_release(&jwt);
		return dc__fail(c, rc, 500, "the attributes could not be signed");
	}
	/* Nothing leaves unrecorded: the release is committed first. */
	rc = dc_store_begin(c->store);
	struct dc_audit_entry au = {key.id,    org.id,       "kyc.release", k.pin,
	                            k.purpose, k.attributes, c->request_id};
	if (rc == DC_OK)
		rc = dc_audit_append(c->store, &au, NULL);
	if (rc == DC_OK)
		rc = dc__kyc_count_release(c->store, k.id);
	if (rc == DC_OK)
		rc = dc_store_commit(c->store);
	else
		dc_store_rollback(c->store);
	if (rc) {
		dc_buf_release(&jwt);
		return dc__fail(c, rc, 0,
		                "the release could not be recorded; nothing was released");
	}
	k.releases++;
	kyc_json(body, &k, now, NULL, 0);
	body->len--;
	dc_buf_addf(body, ",\"token\":\"%s\",\"token_expires\":%lld}", dc_buf_str(&jwt),
	            (long long)(iat + DC__KYC_JWT_TTL_S));
	dc_buf_release(&jwt);
	return dc_buf_error(body);
}

struct org_list {
	struct dc_buf *b;
	int64_t now;
	int n;
};

static int org_list_cb(void *arg, const struct dc__kyc *k)
{
	struct org_list *a = arg;
	if (a->n++)
		dc_buf_addc(a->b, ',');
	kyc_json(a->b, k, a->now, NULL, 1);
	return dc_buf_error(a->b);
}

static int r_requests(struct dc__call *c, struct dc_buf *body)
{
	h2o_req_t *r = c->req;
	if (h2o_memis(r->method.base, r->method.len, H2O_STRLIT("POST")))
		return r_create(c, body);
	if (!h2o_memis(r->method.base, r->method.len, H2O_STRLIT("GET")))
		return dc__not_allowed(c, "GET, POST");
	struct dc_apikey key;
	struct dc_org org;
	int rc = dc__verify_org_of_key(c, &key, &org);
	if (rc)
		return rc;
	struct org_list a = {body, dc_now_ms(), 0};
	dc_buf_adds(body, "{\"requests\":[");
	rc = dc__kyc_list_org(c->store, org.id, org_list_cb, &a);
	if (rc)
		return dc__fail(c, rc, 0, "the requests could not be read");
	dc_buf_adds(body, "]}");
	return dc_buf_error(body);
}

/* --- deciding and revoking (shared by the page and the Bearer API) ------ */

/* Records the citizen's decision with its audit entry, in one transaction. */
static int decide(struct dc__call *c, const char *id, const char *pin, int approve)
{
	struct dc__kyc k;
	int64_t now = dc_now_ms();
	int rc = dc_store_begin(c->store);
	if (rc == DC_OK)
		rc = dc__kyc_decide(c->store, id, pin, approve, now);
	if (rc == DC_OK)
		rc = dc__kyc_get(c->store, id, &k);
	if (rc == DC_OK) {
		struct dc_audit_entry au = {
		        "citizen",    k.org,     approve ? "kyc.approve" : "kyc.decline",
		        pin,          k.purpose, k.attributes,
		        c->request_id};
		rc = dc_audit_append(c->store, &au, NULL);
	}
	if (rc == DC_OK)
		rc = dc_store_commit(c->store);
	else
		dc_store_rollback(c->store);
	return rc;
}

/* --- the citizen's page --------------------------------------------------- */

static void page_start(struct dc_buf *b, const char *title)
{
	dc_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
	               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	               "<title>");
	dc__html_escape(b, title);
	dc_buf_adds(b, "</title><style>body{font-family:sans-serif;max-width:34em;margin:2em "
	               "auto;padding:0 1em;line-height:1.5}label{display:block;margin-top:"
	               "1em}input[type=text],input[type=password]{width:100%;padding:.4em;"
	               "font-size:1.1em}button{margin:1em .5em 0 0;padding:.5em 1em;"
	               "font-size:1em}.err{color:#a00;font-weight:bold}[lang=en]{color:"
	               "#444}</style></head><body><main>");
}

static int page_end(struct dc__call *c, struct dc_buf *b, int status)
{
	dc_buf_adds(b, "</main></body></html>\n");
	c->status = status;
	c->content_type = "text/html; charset=utf-8";
	h2o_add_header_by_str(&c->req->pool, &c->req->res.headers, H2O_STRLIT("x-frame-options"), 0,
	                      NULL, H2O_STRLIT("DENY"));
	h2o_add_header_by_str(&c->req->pool, &c->req->res.headers,
	                      H2O_STRLIT("content-security-policy"), 0, NULL,
	                      H2O_STRLIT("default-src 'none'; style-src 'unsafe-inline'; "
	                                 "frame-ancestors 'none'; form-action 'self'"));
	h2o_add_header_by_str(&c->req->pool, &c->req->res.headers, H2O_STRLIT("cache-control"), 0,
	                      NULL, H2O_STRLIT("no-store"));
	return dc_buf_error(b);
}

static int message_page(struct dc__call *c, struct dc_buf *b, int status, const char *vi,
                        const char *en)
{
	dc_buf_reset(b);
	page_start(b, "Chia sẻ thông tin / Share information");
	dc_buf_adds(b, "<h1>Chia sẻ thông tin định danh <span lang=\"en\">/ Share identity "
	               "information</span></h1><p");
	dc_buf_adds(b, status >= 400 ? " class=\"err\" role=\"alert\">" : " role=\"status\">");
	dc__html_escape(b, vi);
	dc_buf_adds(b, "<br><span lang=\"en\">");
	dc__html_escape(b, en);
	dc_buf_adds(b, "</span></p>");
	return page_end(c, b, status);
}

static void attr_li(void *arg, const char *code)
{
	struct dc_buf *b = arg;
	for (size_t i = 0; i < DC_ARRAY_LEN(attr_text); i++)
		if (!strcmp(attr_text[i].code, code))
			dc_buf_addf(b, "<li>%s <span lang=\"en\">/ %s</span></li>", attr_text[i].vi,
			            attr_text[i].en);
}

static int request_page(struct dc__call *c, struct dc_buf *b, const struct dc__kyc *k, int status,
                        const char *vi_err, const char *en_err)
{
	struct dc_org org;
	const char *pvi = k->purpose, *pen = k->purpose;
	if (dc_org_get(c->store, k->org, &org))
		snprintf(org.name, sizeof org.name, "%s", k->org);
	for (size_t i = 0; i < DC_ARRAY_LEN(purpose_text); i++)
		if (!strcmp(purpose_text[i].code, k->purpose)) {
			pvi = purpose_text[i].vi;
			pen = purpose_text[i].en;
		}
	dc_buf_reset(b);
	page_start(b, "Chia sẻ thông tin / Share information");
	dc_buf_adds(b, "<h1>Yêu cầu chia sẻ thông tin định danh <span lang=\"en\">/ Request to "
	               "share identity information</span></h1><p><strong id=\"org\">");
	dc__html_escape(b, org.name);
	dc_buf_adds(b, "</strong> yêu cầu các thông tin sau <span lang=\"en\">(asks for the "
	               "following information)</span>:</p><ul id=\"attributes\">");
	each_code(k->attributes, attr_li, b);
	dc_buf_adds(b, "</ul><p>Mục đích <span lang=\"en\">/ Purpose</span>: <strong "
	               "id=\"purpose\">");
	dc__html_escape(b, pvi);
	dc_buf_adds(b, " <span lang=\"en\">/ ");
	dc__html_escape(b, pen);
	dc_buf_addf(b,
	            "</span></strong></p><p>Sự đồng ý có hiệu lực %d ngày; bạn có thể thu hồi bất "
	            "cứ lúc nào. <span lang=\"en\">Consent is valid for %d days; you may revoke "
	            "it at any time.</span></p>",
	            k->consent_days, k->consent_days);
	if (vi_err) {
		dc_buf_adds(b, "<p class=\"err\" role=\"alert\">");
		dc__html_escape(b, vi_err);
		dc_buf_adds(b, " <span lang=\"en\">");
		dc__html_escape(b, en_err);
		dc_buf_adds(b, "</span></p>");
	}
	dc_buf_addf(b, "<form method=\"post\" action=\"/kyc/%s\">", k->id);
	dc__signin_fields(b);
	dc_buf_adds(b, "<button type=\"submit\" name=\"decision\" value=\"approve\">Đồng ý chia sẻ "
	               "<span lang=\"en\">/ Approve</span></button>"
	               "<button type=\"submit\" name=\"decision\" value=\"decline\">Từ chối "
	               "<span lang=\"en\">/ Decline</span></button></form>");
	return page_end(c, b, status);
}

/* The request of the page's path, or a page already written (1). */
static int page_request(struct dc__call *c, struct dc_buf *body, struct dc__kyc *k, int *rc)
{
	char id[DC__KYC_ID_LEN + 1];
	if (!dc__kyc_id_ok(c->tail, c->tail_len)) {
		*rc = message_page(c, body, 404, "Không tìm thấy yêu cầu.", "No such request.");
		return 1;
	}
	snprintf(id, sizeof id, "%.*s", (int)c->tail_len, c->tail);
	int r = dc__kyc_get(c->store, id, k);
	if (r == DC_ERR_NOT_FOUND) {
		*rc = message_page(c, body, 404, "Không tìm thấy yêu cầu.", "No such request.");
		return 1;
	}
	if (r) {
		*rc = dc__fail(c, r, 0, "the request could not be read");
		return 1;
	}
	const char *state = dc__kyc_state(k, dc_now_ms());
	if (strcmp(state, "pending")) {
		*rc = !strcmp(state, "expired")
		              ? message_page(c, body, 410, "Yêu cầu đã hết hạn.",
		                             "The request has expired.")
		              : message_page(c, body, 409, "Yêu cầu này đã được trả lời.",
		                             "This request has already been answered.");
		return 1;
	}
	return 0;
}

/* The page's state across the sign-in (signin.h). */
struct kyc_signin {
	struct dc__signin s; /* first */
	struct dc__kyc k;
	int approve;
};

/* After the sign-in: rc is its outcome (signin.h). */
static int signin_finish(struct dc__call *c, struct dc_buf *body, struct dc__signin *s, int rc)
{
	struct kyc_signin *g = (struct kyc_signin *)s;
	const char *vi, *en;
	if (rc) {
		int status = dc__signin_text(s, rc, &vi, &en);
		return status ? request_page(c, body, &g->k, status, vi, en)
		              : dc__fail(c, rc, 0, "the sign-in could not be checked");
	}
	dc_eid_login_record(c->store, s->pin, s->client, s->acct.level, 1, s->ip, s->t);
	rc = decide(c, g->k.id, s->pin, g->approve);
	if (rc == DC_ERR_NOT_FOUND)
		return request_page(c, body, &g->k, 403, "Yêu cầu này dành cho một người khác.",
		                    "This request is for another person.");
	if (rc == DC_ERR_REPLAY)
		return message_page(c, body, 409, "Yêu cầu này đã được trả lời.",
		                    "This request has already been answered.");
	if (rc == DC_ERR_EXPIRED)
		return message_page(c, body, 410, "Yêu cầu đã hết hạn.",
		                    "The request has expired.");
	if (rc)
		return dc__fail(c, rc, 0, "the decision could not be recorded");
	message_page(c, body, 200,
	             g->approve ? "Bạn đã đồng ý chia sẻ thông tin. Bạn có thể thu hồi sự đồng "
	                          "ý trong tài khoản định danh điện tử."
	                        : "Bạn đã từ chối yêu cầu.",
	             g->approve ? "You approved sharing the information. You may revoke the "
	                          "consent in your e-ID account."
	                        : "You declined the request.");
	if (g->k.redirect_uri[0]) {
		/* Back to the organisation: a link, not an automatic redirect. */
		body->len -= strlen("</main></body></html>\n");
		dc_buf_adds(body, "<p><a id=\"return\" href=\"");
		dc__html_escape(body, g->k.redirect_uri);
		dc_buf_adds(body, strchr(g->k.redirect_uri, '?') ? "&amp;" : "?");
		dc_buf_addf(body,
		            "kyc_request=%s&amp;state=%s\">Quay lại <span lang=\"en\">/ "
		            "Return</span></a></p></main></body></html>\n",
		            g->k.id, g->approve ? "approved" : "declined");
	}
	return dc_buf_error(body);
}

/* Reads the posted page into g; *go = 1 when the sign-in is to run (else
 * the page was answered). */
static int page_post(struct dc__call *c, struct dc_buf *body, struct kyc_signin *g, int *go)
{
	char decision[32] = "";
	int rc = DC_OK;
	h2o_iovec_t e = c->req->entity;
	if (page_request(c, body, &g->k, &rc))
		return rc;
	if (!e.base || dc__signin_read(c, &g->s) != 1 ||
	    dc__form_get(e.base, e.len, "decision", decision, sizeof decision) != 1 ||
	    (strcmp(decision, "approve") && strcmp(decision, "decline")))
		return request_page(c, body, &g->k, 400, "Vui lòng nhập số định danh và mật khẩu.",
		                    "Enter your ID number and password.");
	g->approve = !strcmp(decision, "approve");
	snprintf(g->s.client, sizeof g->s.client, "kyc:%s", g->k.org);
	g->s.finish = signin_finish;
	*go = 1;
	return DC_OK;
}

static int r_page(struct dc__call *c, struct dc_buf *body)
{
	h2o_req_t *r = c->req;
	int rc = DC_OK;
	if (h2o_memis(r->method.base, r->method.len, H2O_STRLIT("GET"))) {
		struct dc__kyc k;
		if (page_request(c, body, &k, &rc))
			return rc;
		return request_page(c, body, &k, 200, NULL, NULL);
	}
	if (!h2o_memis(r->method.base, r->method.len, H2O_STRLIT("POST")))
		return dc__not_allowed(c, "GET, POST");
	struct kyc_signin *g = (struct kyc_signin *)dc__signin_new(sizeof *g);
	if (!g)
		return dc__fail(c, DC_ERR_NOMEM, 0, "out of memory");
	int go = 0;
	rc = page_post(c, body, g, &go);
	if (go)
		return dc__signin_start(c, body, &g->s); /* consumes g */
	sodium_memzero(g->s.pw, sizeof g->s.pw);
	free(g);
	return rc;
}

/* --- the citizen's API (Bearer token of the citizen's own e-ID app) ------- */

/* 1 when client_id is in DANCU_KYC_CLIENTS. */
static int kyc_client(const char *client_id)
{
	const char *list = getenv("DANCU_KYC_CLIENTS");
	size_t n = strlen(client_id);
	for (const char *p = list; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && n && !memcmp(p, client_id, n))
			return 1;
		p += len + (comma != NULL);
	}
	return 0;
}

struct list_arg {
	struct dc__call *c;
	struct dc_buf *b;
	int64_t now;
	int n;
};

static int list_cb(void *arg, const struct dc__kyc *k)
{
	struct list_arg *a = arg;
	struct dc_org org;
	if (a->n++)
		dc_buf_addc(a->b, ',');
	kyc_json(a->b, k, a->now, dc_org_get(a->c->store, k->org, &org) == DC_OK ? org.name : NULL,
	         0);
	return dc_buf_error(a->b);
}

static int r_me_list(struct dc__call *c, struct dc_buf *body)
{
	char client_id[65], scope[P], acr[64], pin[13];
	struct dc__oidc_client cl;
	int rc = dc__oidc_bearer(c, client_id, pin, scope, acr, &cl);
	if (rc)
		return rc;
	if (!kyc_client(client_id))
		return dc__fail(
		        c, DC_ERR_FORBIDDEN, 403,
		        "this application may not manage e-KYC consents (DANCU_KYC_CLIENTS)");
	struct list_arg a = {c, body, dc_now_ms(), 0};
	dc_buf_adds(body, "{\"requests\":[");
	rc = dc__kyc_list(c->store, pin, list_cb, &a);
	if (rc)
		return dc__fail(c, rc, 0, "the requests could not be read");
	dc_buf_adds(body, "]}");
	return dc_buf_error(body);
}

static int r_me(struct dc__call *c, struct dc_buf *body)
{
	char client_id[65], scope[P], acr[64], pin[13], id[DC__KYC_ID_LEN + 1];
	struct dc__oidc_client cl;
	struct dc__kyc k;
	h2o_req_t *r = c->req;
	int rc = dc__oidc_bearer(c, client_id, pin, scope, acr, &cl);
	if (rc)
		return rc;
	if (!kyc_client(client_id))
		return dc__fail(
		        c, DC_ERR_FORBIDDEN, 403,
		        "this application may not manage e-KYC consents (DANCU_KYC_CLIENTS)");
	const char *t = c->tail;
	size_t n = c->tail_len;
	int post = h2o_memis(r->method.base, r->method.len, H2O_STRLIT("POST"));
	int del = h2o_memis(r->method.base, r->method.len, H2O_STRLIT("DELETE"));
	/* consents/{id} */
	if (n == 9 + DC__KYC_ID_LEN && !memcmp(t, "consents/", 9) &&
	    dc__kyc_id_ok(t + 9, DC__KYC_ID_LEN)) {
		if (!del)
			return dc__not_allowed(c, "DELETE");
		snprintf(id, sizeof id, "%.*s", DC__KYC_ID_LEN, t + 9);
		int64_t now = dc_now_ms();
		rc = dc_store_begin(c->store);
		if (rc == DC_OK)
			rc = dc__kyc_revoke(c->store, id, pin, now);
		if (rc == DC_OK)
			rc = dc__kyc_get(c->store, id, &k);
		if (rc == DC_OK) {
			struct dc_audit_entry au = {"citizen", k.org,        "kyc.revoke", pin,
			                            k.purpose, k.attributes, c->request_id};
			rc = dc_audit_append(c->store, &au, NULL);
		}
		if (rc == DC_OK)
			rc = dc_store_commit(c->store);
		else
			dc_store_rollback(c->store);
		if (rc == DC_ERR_NOT_FOUND)
			return dc__fail(c, rc, 404, "no such consent");
		if (rc == DC_ERR_CONFLICT)
			return dc__fail(c, rc, 409, "only an approved consent can be revoked");
		if (rc)
			return dc__fail(c, rc, 0, "the consent could not be revoked");
		kyc_json(body, &k, now, NULL, 0);
		return dc_buf_error(body);
	}
	/* {id}/approve, {id}/decline */
	int approve = n == DC__KYC_ID_LEN + 8 && !memcmp(t + DC__KYC_ID_LEN, "/approve", 8);
	int declin = n == DC__KYC_ID_LEN + 8 && !memcmp(t + DC__KYC_ID_LEN, "/decline", 8);
	if (!(approve || declin) || !dc__kyc_id_ok(t, DC__KYC_ID_LEN))
		return dc__fail(c, DC_ERR_NOT_FOUND, 404, "no such resource");
	if (!post)
		return dc__not_allowed(c, "POST");
	if (!citizen_usable(c, pin))
		return dc__fail(c, DC_ERR_FORBIDDEN, 403, "the citizen's account is not usable");
	snprintf(id, sizeof id, "%.*s", DC__KYC_ID_LEN, t);
	rc = decide(c, id, pin, approve);
	if (rc == DC_ERR_NOT_FOUND)
		return dc__fail(c, rc, 404, "no such e-KYC request");
	if (rc == DC_ERR_REPLAY)
		return dc__fail(c, rc, 409, "the request has already been answered");
	if (rc == DC_ERR_EXPIRED)
		return dc__fail(c, rc, 410, "the request has expired");
	if (rc)
		return dc__fail(c, rc, 0, "the decision could not be recorded");
	rc = dc__kyc_get(c->store, id, &k);
	if (rc)
		return dc__fail(c, rc, 0, "the request could not be read");
	kyc_json(body, &k, dc_now_ms(), NULL, 0);
	return dc_buf_error(body);
}

const struct dc__route dc__kyc_routes[] = {
        {"/api/v1/kyc/requests", 0, "*", r_requests},
        {"/api/v1/kyc/requests/", 1, "GET", r_fetch},
        {"/api/v1/me/kyc", 0, "GET", r_me_list},
        {"/api/v1/me/kyc/", 1, "*", r_me},
        {"/kyc/", 1, "*", r_page},
};
const size_t dc__kyc_routes_n = DC_ARRAY_LEN(dc__kyc_routes);
