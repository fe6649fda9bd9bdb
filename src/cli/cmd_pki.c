/*
 * cmd_pki.c — `dancu pki …`: the card PKI in a directory (see dancu/pki.h).
 *
 *   dancu pki init   --dir D [--curve P-256|P-384|brainpoolP256r1] [--country VN] [--days N]
 *   dancu pki ds-new --dir D --name N [--curve C] [--days N]
 *   dancu pki ds-activate|ds-revoke --dir D --name N
 *   dancu pki crl    --dir D [--days N]          re-issue the CRL
 *   dancu pki trust-add --dir D --file PEM --name N   add another CSCA/CRL
 *   dancu pki status --dir D                      JSON
 */
#include <stdio.h>
#include <string.h>

#include "dancu/buf.h"
#include "dancu/error.h"
#include "dancu/pki.h"

#include "cli/cli.h"
#include "core/internal.h"

int dc__cmd_pki(int argc, char **argv)
{
	const char *dir = NULL, *curve = NULL, *country = NULL, *name = NULL, *file = NULL;
	uint64_t days = 0;
	const struct cli_opt opts[] = {
	        {"dir", OPT_STR, &dir, 0, 0, "PKI directory"},
	        {"curve", OPT_STR, &curve, 0, 0, "P-256 (default), P-384, brainpoolP256r1"},
	        {"country", OPT_STR, &country, 0, 0, "init: country code (default VN)"},
	        {"name", OPT_STR, &name, 0, 0, "DS or trust-list entry name ([a-z0-9_-])"},
	        {"file", OPT_STR, &file, 0, 0, "trust-add: PEM with a CSCA certificate or CRL"},
	        {"days", OPT_U64, &days, 1, 36500, "validity in days"},
	};
	static const char *const verbs[] = {"init", "ds-new", "ds-activate", "ds-revoke",
	                                    "crl",  "status", "trust-add"};
	const char *usage =
	        "init|ds-new|ds-activate|ds-revoke|crl|trust-add|status --dir D [OPTIONS]";
	char *pos[1];
	size_t npos;
	int rc = dc__cli_parse("pki", usage, opts, DC_ARRAY_LEN(opts), argc, argv, pos, 1, &npos);
	if (rc)
		return rc < 0 ? 0 : rc;
	int known = 0;
	for (size_t i = 0; npos == 1 && i < DC_ARRAY_LEN(verbs); i++)
		known |= !strcmp(pos[0], verbs[i]);
	if (!known || !dir) {
		fprintf(stderr, "usage: dancu pki %s\n", usage);
		return 2;
	}
	const char *verb = pos[0];
	if (!strncmp(verb, "ds-", 3) && !name) {
		fprintf(stderr, "dancu pki %s: --name is required\n", verb);
		return 2;
	}
	if (!strcmp(verb, "trust-add") && (!file || !name)) {
		fprintf(stderr, "dancu pki trust-add: --file and --name are required\n");
		return 2;
	}
	struct dc_pki_opts o = {country, NULL, curve, 0, 0, (int)days};
	char why[160] = "";
	struct dc_buf b = DC_BUF_INIT;
	if (!strcmp(verb, "init"))
		rc = dc_pki_init(dir, &o, why);
	else if (!strcmp(verb, "ds-new"))
		rc = dc_pki_ds_new(dir, name, &o, why);
	else if (!strcmp(verb, "ds-activate"))
		rc = dc_pki_ds_activate(dir, name, why);
	else if (!strcmp(verb, "ds-revoke"))
		rc = dc_pki_ds_revoke(dir, name, why);
	else if (!strcmp(verb, "crl"))
		rc = dc_pki_crl_update(dir, (int)days, why);
	else if (!strcmp(verb, "trust-add"))
		rc = dc_pki_trust_add(dir, file, name, why);
	if (rc == DC_OK)
		rc = dc_pki_status_json(dir, &b, why);
	if (rc == DC_OK)
		printf("%s\n", dc_buf_str(&b));
	else
		fprintf(stderr, "dancu pki %s: %s (%s)\n", verb, why[0] ? why : dc_strerror(rc),
		        dc_err_code(rc));
	dc_buf_release(&b);
	return rc == DC_OK ? 0 : 1;
}
