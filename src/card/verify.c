/*
 * verify.c — verification of a presented identity card (its QR payload or
 * its MRZ) against the register, every check reported on its own. See
 * dc_card_verify in dancu/card.h.
 *
 * The register is the source of truth (Law on Identification Art. 33 cl. 2):
 * the presented text is evidence. A card is accepted when its content is
 * exactly what the register issued on a card that is still the citizen's
 * valid card, not expired, whose data are still the register's, and the
 * citizen is alive.
 */
#include <stdio.h>
#include <string.h>

#include "dancu/card.h"
#include "dancu/citizen.h"
#include "dancu/qr.h"
#include "dancu/store.h"

#include "card/card_internal.h"
#include "core/internal.h"

static void add(struct dc_card_verdict *v, const char *name, int ok, const char *detail)
{
	if (v->nchecks < DC_CARD_MAX_CHECKS)
		v->checks[v->nchecks++] = (struct dc_card_check){name, ok, detail};
}

/* The 90 MRZ characters of text (newlines dropped) into out. */
static void mrz_flat(const char *s, size_t n, char out[91])
{
	size_t k = 0;
	for (size_t i = 0; i < n && k < 90; i++)
		if (s[i] != '\n' && s[i] != '\r')
			out[k++] = s[i];
	out[k] = '\0';
}

struct find {
	enum dc_card_form form;
	const char *flat; /* MRZ: 90 characters; QR: the payload */
	struct dc_card card;
	bool found;
};

static int find_cb(void *arg, const struct dc_card *c)
{
	struct find *f = arg;
	char flat[91] = "";
	if (!c->mrz[0])
		return 0;
	if (f->form == DC_CARD_FORM_MRZ)
		mrz_flat(c->mrz, strlen(c->mrz), flat);
	if (!strcmp(f->form == DC_CARD_FORM_MRZ ? flat : c->qr, f->flat)) {
		f->card = *c; /* the newest match wins: cards come oldest first */
		f->found = true;
	}
	return 0;
}

static const char *state_detail(enum dc_card_state s)
{
	switch (s) {
	case DC_CARD_DELIVERED:
		return "the citizen's valid card";
	case DC_CARD_REVOKED:
		return "this card was revoked";
	case DC_CARD_REPLACED:
		return "this card was replaced by a newer card";
	default:
		return "this card was not delivered";
	}
}

/* Compares the presented data with what the register prints today. */
static void data_current(struct dc_card_verdict *v, enum dc_card_form form, const char *flat,
                         const struct dc_card *c, const struct dc_citizen *x,
                         const struct dc_units *u, struct dc_pool *pool)
{
	char mrz[DC_MRZ_TEXT_MAX], now[91];
	struct dc_buf qr = DC_BUF_INIT, diff = DC_BUF_INIT;
	const char *why = NULL;
	if (dc__card_artefacts(c, x, u, mrz, &qr, &why)) {
		add(v, "data_current", 0, why);
		goto cleanup;
	}
	if (form == DC_CARD_FORM_MRZ) {
		mrz_flat(mrz, strlen(mrz), now);
		if (memcmp(now + 60, flat + 60, 30))
			dc_buf_adds(&diff, "name, ");
		if (memcmp(now + 30, flat + 30, 7))
			dc_buf_adds(&diff, "date of birth, ");
		if (now[37] != flat[37])
			dc_buf_adds(&diff, "sex, ");
	} else {
		struct dc_qr_card a, b;
		struct dc_pool tmp;
		dc_pool_init(&tmp, 2048);
		if (!dc_qr_parse(qr.ptr, qr.len, &a, &tmp, NULL, 0) &&
		    !dc_qr_parse(flat, strlen(flat), &b, &tmp, NULL, 0)) {
			if (strcmp(a.name, b.name))
				dc_buf_adds(&diff, "name, ");
			if (dc_date_cmp(&a.dob, &b.dob))
				dc_buf_adds(&diff, "date of birth, ");
			if (a.sex != b.sex)
				dc_buf_adds(&diff, "sex, ");
			if (strcmp(a.old_id, b.old_id))
				dc_buf_adds(&diff, "old ID number, ");
			if (strcmp(a.address, b.address))
				dc_buf_adds(&diff, "residence, ");
		}
		dc_pool_release(&tmp);
	}
	if (diff.len) {
		diff.ptr[diff.len - 2] = '\0';
		char *d = dc_pool_alloc(pool, diff.len + 64);
		if (d)
			snprintf(d, diff.len + 64, "the register's data changed since issue: %s",
			         diff.ptr);
		add(v, "data_current", 0, d ? d : "the register's data changed since issue");
	} else {
		add(v, "data_current", 1, "the card shows the register's current data");
	}
cleanup:
	dc_buf_release(&qr);
	dc_buf_release(&diff);
}

static int verify_mrz(struct dc_card_verdict *v, const char *text, size_t n, char flat[91])
{
	struct dc_mrz m;
	if (dc_mrz_parse(text, n, &m)) {
		add(v, "format", 0, "not a TD1 MRZ (3 lines of 30 characters 0-9 A-Z <)");
		return 0;
	}
	add(v, "format", 1, "TD1");
	add(v, "check_digit_document_number", m.cd_docno, "line 1 position 15");
	add(v, "check_digit_birth_date", m.cd_dob, "line 2 position 7");
	add(v, "check_digit_expiry", m.cd_expiry, "line 2 position 15");
	add(v, "check_digit_composite", m.cd_composite, "line 2 position 30");
	add(v, "dates", m.date_dob == 1 && m.date_expiry == 1, "birth and expiry are real dates");
	if (!m.is_vn) {
		add(v, "issuer", 0, "not a Vietnamese identity card (ID / VNM)");
		return 0;
	}
	add(v, "check_digit_personal_number", m.cd_pin, "line 1 position 30");
	add(v, "document_number_matches_id", m.vn_docno,
	    "the document number is the last 9 digits of the personal ID number");
	mrz_flat(text, n, flat);
	if (!m.pin[0] || dc_pin_parse(m.pin, 12, &v->pin))
		return 0;
	return 1;
}

int dc_card_verify(struct dc_store *s, const struct dc_units *units, enum dc_card_form form,
                   const char *text, size_t n, const struct dc_date *today,
                   struct dc_card_verdict *v, struct dc_pool *pool)
{
	struct dc_citizen x;
	struct find f;
	char flat[91] = "";
	int rc = DC_OK;
	memset(v, 0, sizeof *v);
	memset(&f, 0, sizeof f);
	f.form = form;
	if (form == DC_CARD_FORM_MRZ) {
		if (!verify_mrz(v, text, n, flat))
			goto verdict;
		f.flat = flat;
	} else {
		struct dc_qr_card q;
		char detail[128];
		if (dc_qr_parse(text, n, &q, pool, detail, sizeof detail)) {
			add(v, "format", 0, dc_pool_strdup(pool, detail));
			goto verdict;
		}
		add(v, "format", 1, q.nextra ? "QR payload with extra fields" : "QR payload");
		dc_pin_parse(q.pin, 12, &v->pin);
		/* The stored payload never has a trailing newline. */
		while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
			n--;
		f.flat = dc_pool_strndup(pool, text, n);
		if (!f.flat)
			return DC_ERR_NOMEM;
	}
	rc = dc_store_citizen_get(s, &v->pin, &x, pool);
	if (rc == DC_ERR_NOT_FOUND) {
		add(v, "citizen_known", 0, "no citizen with this personal ID number");
		rc = DC_OK;
		goto verdict;
	}
	if (rc)
		return rc;
	add(v, "citizen_known", 1, "in the register");
	v->name = x.birth_name;
	rc = dc_card_list(s, &v->pin, find_cb, &f);
	if (rc)
		return rc;
	if (!f.found) {
		add(v, "card_issued", 0,
		    "no card with exactly this content was issued to this citizen");
	} else {
		v->card_id = f.card.id;
		add(v, "card_issued", 1, "matches a card the register issued");
		add(v, "card_valid", f.card.state == DC_CARD_DELIVERED, state_detail(f.card.state));
		int expired = f.card.expiry.year && dc_date_cmp(today, &f.card.expiry) > 0;
		add(v, "not_expired", !expired,
		    expired              ? "the card's validity ended"
		    : f.card.expiry.year ? "within validity"
		                         : "no expiry");
		data_current(v, form, f.flat, &f.card, &x, units, pool);
	}
	add(v, "citizen_alive", x.status == DC_STATUS_ALIVE,
	    x.status == DC_STATUS_ALIVE  ? "alive"
	    : x.status == DC_STATUS_DEAD ? "the citizen's death is registered"
	                                 : "the citizen is declared missing");
verdict:
	v->valid = v->nchecks > 0;
	for (size_t i = 0; i < v->nchecks; i++)
		if (v->checks[i].ok != 1)
			v->valid = false;
	/* No card found means nothing was proven about validity. */
	if (!v->card_id)
		v->valid = false;
	return rc;
}

int dc_card_verdict_json(const struct dc_card_verdict *v, struct dc_buf *out)
{
	dc_buf_addf(out, "{\"valid\":%s,\"pin\":\"%s\",\"name\":", v->valid ? "true" : "false",
	            v->pin.d);
	if (v->name) {
		dc_buf_addc(out, '"');
		dc_buf_add_json_str(out, v->name, strlen(v->name));
		dc_buf_addc(out, '"');
	} else {
		dc_buf_adds(out, "null");
	}
	if (v->card_id)
		dc_buf_addf(out, ",\"card\":%lld", (long long)v->card_id);
	dc_buf_adds(out, ",\"checks\":[");
	for (size_t i = 0; i < v->nchecks; i++) {
		const struct dc_card_check *c = &v->checks[i];
		dc_buf_addf(out, "%s{\"check\":\"%s\",\"ok\":%s,\"detail\":\"", i ? "," : "",
		            c->name,
		            c->ok == 1   ? "true"
		            : c->ok == 0 ? "false"
		                         : "null");
		if (c->detail)
			dc_buf_add_json_str(out, c->detail, strlen(c->detail));
		dc_buf_adds(out, "\"}");
	}
	return dc_buf_adds(out, "]}");
}
