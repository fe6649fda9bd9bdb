/*
 * cmd_chip.c — `dancu card verify --chip`: read a chip and verify it.
 *
 *   dancu card verify --chip --id N --pki DIR [--trust PATH]
 *       the software chip of produced card N, signed now by the active DS of
 *       DIR, with its own keys (DIR/chips/N.pem, made at first use); read
 *       with PACE (or BAC) → SM → chip authentication → reads → active
 *       authentication
 *   dancu card verify --chip --reader [NAME|any] --mrz TEXT --trust PATH
 *       a real card over PC/SC; the BAC key comes from the printed MRZ
 * Then passive authentication against the trust list (default DIR/trust)
 * and the register cross-check. Prints the read status and every check
 * (access protocol, SM, chip and active authentication, passive
 * authentication, register) as JSON; exit 0 only when everything passed.
 * --dump DIR writes the files as read (EF.COM, EF.SOD, EF.CardAccess,
 * DGn.bin, and the active authentication challenge and signature) for a
 * kiosk-style POST /api/v1/verify/chip. --aa-challenge B64 signs the given
 * challenge (one from POST /api/v1/verify/chip/challenge) in active
 * authentication instead of a random one. --can DIGITS runs PACE with the
 * card access number (for the software chip: the number it is given).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "dancu/chip.h"
#include "dancu/error.h"
#include "dancu/lds.h"
#include "dancu/pki.h"

#include "cli/cli.h"

static int put(const char *dir, const char *name, const struct dc_lds_file *f)
{
	char p[4096];
	if (!f->data)
		return 0;
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *fp = fopen(p, "wb");
	int rc = fp && fwrite(f->data, 1, f->len, fp) == f->len ? 0 : DC_ERR_IO;
	if (fp && fclose(fp))
		rc = DC_ERR_IO;
	return rc;
}

static int dump_files(const char *dir, const struct dc_lds *l)
{
	char name[24];
	int rc = put(dir, "EF_COM.bin", &l->com) | put(dir, "EF_SOD.bin", &l->sod) |
	         put(dir, "EF_CardAccess.bin", &l->card_access);
	for (int i = 1; i <= DC_LDS_MAX_DG; i++) {
		snprintf(name, sizeof name, "DG%d.bin", i);
		rc |= put(dir, name, &l->dg[i]);
	}
	return rc ? DC_ERR_IO : DC_OK;
}

int dc__card_verify_chip(struct dc_store *s, const struct dc_units *u, int64_t id, const char *pki,
                         const char *trust_path, const char *reader, const char *mrz_in,
                         const char *dump, const char *aa_chal, const char *can,
                         const struct dc_date *today)
{
	uint8_t chal[8];
	size_t cn = 0;
	if (aa_chal && (sodium_base642bin(chal, sizeof chal, aa_chal, strlen(aa_chal), NULL, &cn,
	                                  NULL, sodium_base64_VARIANT_ORIGINAL) ||
	                cn != 8)) {
		fprintf(stderr, "dancu card verify --chip: --aa-challenge is base64 of 8 bytes\n");
		return 2;
	}
	char why[160] = "", mrz[96] = "", tp[4096];
	struct dc_pki_signer *sg = NULL;
	struct dc_pki_trust *trust = NULL;
	struct dc_softchip *chip = NULL;
	struct dc_chip_keys *keys = NULL;
	struct dc_pcsc *pcsc = NULL;
	struct dc_lds made, got;
	struct dc_buf out = DC_BUF_INIT;
	int exit_code = 1, rc;
	memset(&made, 0, sizeof made);
	memset(&got, 0, sizeof got);
	if (!trust_path && pki) {
		snprintf(tp, sizeof tp, "%s/trust", pki);
		trust_path = tp;
	}
	if (!trust_path) {
		fprintf(stderr, "dancu card verify --chip: --trust (or --pki) is required\n");
		return 2;
	}
	if ((rc = dc_pki_trust_load(trust_path, &trust, why)))
		goto fail;
	struct dc_chip_transport t;
	if (reader) {
		if (!mrz_in) {
			fprintf(stderr,
			        "dancu card verify --reader: --mrz (the printed MRZ) is needed "
			        "for the BAC key\n");
			exit_code = 2;
			goto done;
		}
		snprintf(mrz, sizeof mrz, "%s", mrz_in);
		if ((rc = dc_pcsc_open(strcmp(reader, "any") ? reader : NULL, &pcsc, why,
		                       sizeof why)))
			goto fail;
		t = dc_pcsc_transport(pcsc);
	} else {
		if (!id || !pki) {
			fprintf(stderr,
			        "dancu card verify --chip: --id and --pki (or --reader) are "
			        "required\n");
			exit_code = 2;
			goto done;
		}
		if ((rc = dc_pki_signer_load(pki, &sg, why)))
			goto fail;
		if ((rc = dc_chip_keys_for_card(pki, id, &keys))) {
			snprintf(why, sizeof why, "the chip keys of card %lld in %s/chips",
			         (long long)id, pki);
			goto fail;
		}
		rc = dc_card_chip_lds(s, u, id, sg, keys, &made, mrz);
		if (rc == DC_ERR_NOT_FOUND)
			snprintf(why, sizeof why, "no card with this id");
		else if (rc == DC_ERR_CONFLICT)
			snprintf(why, sizeof why, "the card is not produced yet");
		if (rc || (rc = dc_softchip_new(&made, mrz, &chip)) ||
		    (rc = dc_softchip_set_keys(chip, keys)))
			goto fail;
		/* the CAN given is the one "printed" on this software card */
		if (can && (rc = dc_softchip_set_can(chip, can))) {
			snprintf(why, sizeof why, "--can takes up to 16 digits");
			goto fail;
		}
		t = dc_softchip_transport(chip);
		if (mrz_in) /* the officer typed/scanned the MRZ: BAC with that */
			snprintf(mrz, sizeof mrz, "%s", mrz_in);
	}
	struct dc_read_result r;
	struct dc_chip_read_opts ro = {aa_chal ? chal : NULL, can};
	dc_chip_read_ex(&t, mrz, &ro, &got, &r);
	dc_buf_addf(&out,
	            "{\"read\":{\"status\":\"%s\",\"access\":\"%s\",\"apdus\":%d,\"detail\":\"",
	            dc_read_status_name(r.status), r.access ? r.access : "none", r.apdus);
	dc_buf_add_json_str(&out, r.detail, strlen(r.detail));
	dc_buf_adds(&out, "\"}");
	bool valid = false;
	if (r.status == DC_READ_OK && dump && r.aa >= 0) {
		struct dc_lds_file ch = {r.aa_challenge, 8}, sg_ = {r.aa_sig, r.aa_sig_len};
		rc = put(dump, "AA_challenge.bin", &ch) | put(dump, "AA_signature.bin", &sg_);
	}
	if (r.status == DC_READ_OK && dump && (rc || (rc = dump_files(dump, &got)))) {
		snprintf(why, sizeof why, "cannot write the files to %s", dump);
		goto fail;
	}
	if (r.status == DC_READ_OK) {
		dc_buf_adds(&out, ",\"verdict\":");
		rc = dc_card_chip_verify(s, u, &got, &r, trust, today, 0, &valid, NULL, &out);
		if (rc) {
			snprintf(why, sizeof why, "cannot verify against the register");
			goto fail;
		}
	}
	dc_buf_adds(&out, "}");
	printf("%s\n", dc_buf_str(&out));
	exit_code = valid ? 0 : 1;
	goto done;
fail:
	fprintf(stderr, "dancu card verify --chip: %s (%s)\n", why[0] ? why : dc_strerror(rc),
	        dc_err_code(rc));
done:
	dc_buf_release(&out);
	dc_lds_free(&made);
	dc_lds_free(&got);
	dc_softchip_free(chip);
	dc_chip_keys_free(keys);
	dc_pcsc_close(pcsc);
	dc_pki_signer_free(sg);
	dc_pki_trust_free(trust);
	return exit_code;
}

int dc__card_chip_serve(struct dc_store *s, const struct dc_units *u, int64_t id, const char *pki,
                        const char *vpcd)
{
	char why[160] = "", mrz[96], host[64] = "127.0.0.1";
	int port = 35963;
	struct dc_pki_signer *sg = NULL;
	struct dc_softchip *chip = NULL;
	struct dc_chip_keys *keys = NULL;
	struct dc_lds l;
	memset(&l, 0, sizeof l);
	if (!id || !pki) {
		fprintf(stderr, "dancu card chip-serve: --id and --pki are required\n");
		return 2;
	}
	if (vpcd && sscanf(vpcd, "%63[^:]:%d", host, &port) != 2) {
		fprintf(stderr, "dancu card chip-serve: --vpcd HOST:PORT\n");
		return 2;
	}
	int rc = dc_pki_signer_load(pki, &sg, why);
	if (rc == DC_OK && (rc = dc_chip_keys_for_card(pki, id, &keys)) != DC_OK)
		snprintf(why, sizeof why, "the chip keys of card %lld in %s/chips", (long long)id,
		         pki);
	if (rc == DC_OK && (rc = dc_card_chip_lds(s, u, id, sg, keys, &l, mrz)) != DC_OK)
		snprintf(why, sizeof why, "card %lld has no chip image (not produced?)",
		         (long long)id);
	if (rc == DC_OK)
		rc = dc_softchip_new(&l, mrz, &chip);
	if (rc == DC_OK)
		rc = dc_softchip_set_keys(chip, keys);
	if (rc == DC_OK) {
		fprintf(stderr, "dancu card chip-serve: card %lld on vpcd %s:%d\n", (long long)id,
		        host, port);
		rc = dc_softchip_serve_vpcd(chip, host, port, 0);
		if (rc == DC_ERR_UNAVAILABLE)
			snprintf(why, sizeof why,
			         "cannot connect to vpcd at %s:%d (is pcscd running?)", host, port);
	}
	if (rc)
		fprintf(stderr, "dancu card chip-serve: %s\n", why[0] ? why : dc_strerror(rc));
	dc_softchip_free(chip);
	dc_chip_keys_free(keys);
	dc_lds_free(&l);
	dc_pki_signer_free(sg);
	return rc ? 1 : 0;
}
