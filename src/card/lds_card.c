/*
 * lds_card.c — the chip image of a card in the register (see
 * dc_card_chip_lds in dancu/lds.h): DG1 = the card's MRZ, DG2 when the card
 * has a photo, DG13 from the citizen's record, EF.SOD by the signer.
 */
#include <stdio.h>
#include <string.h>

#include "dancu/card.h"
#include "dancu/chip.h"
#include "dancu/citizen.h"
#include "dancu/error.h"
#include "dancu/lds.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "card/card_internal.h"

static void dmy(const struct dc_date *d, char out[16])
{
	if (d->year && d->month && d->day)
		snprintf(out, 16, "%02d/%02d/%04d", d->day % 100, d->month % 100, d->year % 10000);
	else if (d->year)
		snprintf(out, 16, "%04d", d->year % 10000);
	else
		out[0] = 0;
}

int dc_card_chip_lds(struct dc_store *st, const struct dc_units *u, int64_t card_id,
                     struct dc_pki_signer *s, const struct dc_chip_keys *keys, struct dc_lds *l,
                     char *mrz_out)
{
	struct dc_card card;
	struct dc_citizen x;
	struct dc_pool pool;
	int rc = dc_card_get(st, card_id, &card);
	if (rc)
		return rc;
	if (!card.mrz[0])
		return DC_ERR_CONFLICT;
	dc_pool_init(&pool, 4096);
	rc = dc_store_citizen_get(st, &card.pin, &x, &pool);
	if (rc) {
		dc_pool_release(&pool);
		return rc;
	}
	char dob[16], issued[16], expiry[16];
	dmy(&x.dob, dob);
	dmy(&card.issued, issued);
	if (card.expiry.year)
		dmy(&card.expiry, expiry);
	else
		snprintf(expiry, sizeof expiry, "%s", "");
	struct dc_buf addr = DC_BUF_INIT;
	dc__card_residence(&x, u, &addr);
	struct dc_dg13 d;
	memset(&d, 0, sizeof d);
	d.f[1] = card.pin.d;
	d.f[2] = x.birth_name;
	d.f[3] = dob;
	d.f[4] = x.sex == DC_SEX_MALE ? "Nam" : x.sex == DC_SEX_FEMALE ? "Nữ" : NULL;
	d.f[5] = !x.nationality || !strcmp(x.nationality, "VN") ? "Việt Nam" : x.nationality;
	d.f[6] = x.ethnicity;
	d.f[7] = x.religion;
	d.f[8] = x.origin_place;
	d.f[9] = dc_buf_str(&addr);
	d.f[11] = issued;
	d.f[12] = card.expiry.year ? expiry : "Không thời hạn";
	d.f[15] = x.cmnd9;
	d.father = x.father_name;
	d.mother = x.mother_name;
	d.spouse = x.spouse_name;
	/* cards with their own keys are the generation that also offers PACE */
	struct dc_lds_input in = {card.mrz, card.has_photo, &d, keys, keys != NULL};
	rc = dc_lds_build(&in, s, l);
	if (rc == DC_OK && mrz_out)
		memcpy(mrz_out, card.mrz, strlen(card.mrz) + 1);
	dc_buf_release(&addr);
	dc_pool_release(&pool);
	return rc;
}

static const char *outcome(int v)
{
	return v == 1 ? "passed" : v == 0 ? "failed" : v == -1 ? "not_offered" : "not_performed";
}

static void check_json(struct dc_buf *out, const char *name, int v, const char *detail)
{
	dc_buf_addf(out, ",\"%s\":{\"result\":\"%s\",\"detail\":\"", name, outcome(v));
	dc_buf_add_json_str(out, detail, strlen(detail));
	dc_buf_adds(out, "\"}");
}

/* "chip":{…} — each check of the chip session on its own. */
static void chip_json(const struct dc_read_result *rd, const struct dc_lds *l, struct dc_buf *out)
{
	dc_buf_adds(out, "\"chip\":");
	if (!rd) {
		dc_buf_adds(out, "null,");
		return;
	}
	dc_buf_addf(out, "{\"access\":\"%s\",\"pace\":\"%s\",\"secure_messaging\":\"%s\"",
	            rd->access ? rd->access : "none", outcome(rd->pace), rd->sm ? rd->sm : "none");
	if (rd->pace_detail[0]) {
		dc_buf_adds(out, ",\"pace_detail\":\"");
		dc_buf_add_json_str(out, rd->pace_detail, strlen(rd->pace_detail));
		dc_buf_addc(out, '"');
	}
	check_json(out, "chip_auth", rd->ca,
	           rd->ca_detail[0] ? rd->ca_detail
	           : l->dg[14].data ? "DG14 offers no chip authentication"
	                            : "no DG14: the chip offers no chip authentication");
	check_json(out, "active_auth", rd->aa,
	           rd->aa_detail[0] ? rd->aa_detail
	                            : "no DG15: the chip offers no active authentication");
	dc_buf_adds(out, "},");
}

int dc_card_chip_verify(struct dc_store *st, const struct dc_units *u, const struct dc_lds *l,
                        const struct dc_read_result *rd, const struct dc_pki_trust *trust,
                        const struct dc_date *today, int64_t when, bool *valid, char *pin_out,
                        struct dc_buf *out)
{
	struct dc_pa_result pa;
	struct dc_card_verdict v;
	struct dc_pool pool;
	char mrz[93];
	int rc = dc_pa_verify(l, trust, when, &pa);
	if (rc)
		return rc;
	*valid = pa.reason == DC_PA_OK && pa.chain_ok == 1;
	if (rd && (rd->ca == 0 || rd->aa == 0))
		*valid = false;
	if (pin_out)
		pin_out[0] = 0;
	dc_pool_init(&pool, 4096);
	dc_buf_adds(out, "{\"valid\":");
	size_t at = out->len;
	dc_buf_adds(out, "false,");
	chip_json(rd, l, out);
	dc_buf_adds(out, "\"passive_auth\":");
	dc_pa_result_json(&pa, out);
	dc_buf_adds(out, ",\"register\":");
	if (!l->dg[1].data || dc_lds_dg1_mrz(l->dg[1].data, l->dg[1].len, mrz, sizeof mrz)) {
		*valid = false;
		dc_buf_adds(out, "null,\"detail\":\"DG1 (the MRZ) is missing or malformed\"");
	} else {
		rc = dc_card_verify(st, u, DC_CARD_FORM_MRZ, mrz, strlen(mrz), today, &v, &pool);
		if (rc == DC_OK) {
			dc_card_verdict_json(&v, out);
			*valid = *valid && v.valid;
			if (pin_out)
				memcpy(pin_out, v.pin.d, sizeof v.pin.d < 13 ? sizeof v.pin.d : 13);
			/* DG13's ID number (when read) must be the MRZ's */
			struct dc_dg13 d;
			if (l->dg[13].data &&
			    (dc_lds_dg13_parse(l->dg[13].data, l->dg[13].len, &d, &pool) ||
			     !d.f[1] || strcmp(d.f[1], v.pin.d) != 0)) {
				*valid = false;
				dc_buf_adds(
				        out,
				        ",\"detail\":\"DG13 does not carry the MRZ's ID number\"");
			}
		}
	}
	dc_buf_adds(out, "}");
	if (rc == DC_OK && *valid && !dc_buf_error(out))
		memcpy(out->ptr + at, "true, ", 6); /* "false," → "true, " */
	dc_pool_release(&pool);
	return rc ? rc : dc_buf_error(out);
}
