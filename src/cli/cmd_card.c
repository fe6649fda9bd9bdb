/*
 * cmd_card.c — `dancu card …`: the identity card lifecycle, its MRZ and QR,
 * verification of a presented card, and check-in events, against --db/--pg.
 *
 *   dancu card apply --pin P --kind first|renewal|exchange|reissue [--reason R]
 *   dancu card approve|reject|produce|deliver|revoke --id N [--reason R]
 *                                                    [--issued YYYY-MM-DD]
 *                                    produce --pki DIR: also the chip's own keys
 *                                    (DIR/chips/N.pem, mode 0600; DG14/DG15)
 *   dancu card show --pin P | --id N
 *   dancu card mrz --id N
 *   dancu card qr --id N [--svg FILE] [--png FILE]
 *   dancu card verify --qr TEXT | --mrz TEXT     exit 0 valid, 1 not valid
 *   dancu card verify --chip (--id N --pki DIR | --reader NAME --mrz TEXT) [--trust PATH]
 *                    [--dump DIR] [--aa-challenge B64] [--can DIGITS]
 *                                                 chip read + every check (cmd_chip.c)
 *   dancu card chip-serve --id N --pki DIR [--vpcd HOST:PORT]   the software chip as a
 *                                                 virtual card for pcscd + vsmartcard-vpcd
 *   dancu card checkin-event --name N [--csv FILE]    creates an event
 *   dancu card checkin --event N --qr TEXT | --mrz TEXT
 *
 * Writes are audited with "cli:$USER" as the actor, like `dancu officer`.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dancu/card.h"
#include "dancu/chip.h"
#include "dancu/checkin.h"
#include "dancu/qr.h"
#include "dancu/store.h"
#include "dancu/units.h"

#include "cli/cli.h"
#include "core/internal.h"

static void cli_actor(char *out, size_t n)
{
	const char *user = getenv("SUDO_USER");
	if (!user || !*user)
		user = getenv("USER");
	snprintf(out, n, "cli:%s", user && *user ? user : "unknown");
}

static int print_card(void *arg, const struct dc_card *c)
{
	struct dc_buf b = DC_BUF_INIT;
	dc_card_json(c, *(int *)arg, &b);
	printf("%s\n", dc_buf_str(&b));
	dc_buf_release(&b);
	return 0;
}

static int write_file(const char *path, const struct dc_buf *b)
{
	FILE *f = fopen(path, "wb");
	int rc = f && fwrite(b->ptr, 1, b->len, f) == b->len ? 0 : DC_ERR_IO;
	if (f && fclose(f))
		rc = DC_ERR_IO;
	if (rc)
		fprintf(stderr, "dancu card qr: cannot write %s\n", path);
	return rc;
}

static int read_file(const char *path, struct dc_buf *b)
{
	char chunk[65536];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return DC_ERR_IO;
	ssize_t n;
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		dc_buf_add(b, chunk, (size_t)n);
	close(fd);
	return n < 0 ? DC_ERR_IO : dc_buf_error(b);
}

static void print_verdict(const struct dc_card_verdict *v)
{
	struct dc_buf b = DC_BUF_INIT;
	dc_card_verdict_json(v, &b);
	printf("%s\n", dc_buf_str(&b));
	dc_buf_release(&b);
}

int dc__cmd_card(int argc, char **argv)
{
	const char *db = NULL, *pg = NULL, *pin_s = NULL, *kind = NULL, *reason = NULL,
	           *evidence = NULL, *svg = NULL, *png = NULL, *qr = NULL, *mrz = NULL,
	           *name = NULL, *csv = NULL, *pki = NULL, *trust = NULL, *reader = NULL,
	           *dump = NULL, *vpcd = NULL, *aa_chal = NULL, *can = NULL;
	int chip = 0;
	uint64_t id = 0, event = 0;
	struct dc_date issued = {0, 0, 0};
	const struct cli_opt opts[] = {
	        {"db", OPT_STR, &db, 0, 0, "SQLite database file"},
	        {"pg", OPT_STR, &pg, 0, 0, "PostgreSQL conninfo"},
	        {"pin", OPT_STR, &pin_s, 0, 0, "personal ID number (apply, show)"},
	        {"kind", OPT_STR, &kind, 0, 0, "first | renewal | exchange | reissue (apply)"},
	        {"reason", OPT_STR, &reason, 0, 0,
	         "apply: first | age | changed_data | damaged | on_request | error | "
	         "admin_change | lost | nationality; reject/revoke: free text"},
	        {"evidence", OPT_STR, &evidence, 0, 0, "reference of the supporting document"},
	        {"id", OPT_U64, &id, 1, 9e18, "card id"},
	        {"issued", OPT_DATE, &issued, 0, 0, "produce: back-dated issue date"},
	        {"svg", OPT_STR, &svg, 0, 0, "qr: write an SVG image here"},
	        {"png", OPT_STR, &png, 0, 0, "qr: write a PNG image here"},
	        {"qr", OPT_STR, &qr, 0, 0, "verify/checkin: the QR payload"},
	        {"mrz", OPT_STR, &mrz, 0, 0, "verify/checkin: the MRZ (3 lines, \\n between)"},
	        {"name", OPT_STR, &name, 0, 0, "checkin-event: the event's name"},
	        {"csv", OPT_STR, &csv, 0, 0, "checkin-event: candidate list, lines pin,room"},
	        {"event", OPT_U64, &event, 1, 9e18, "checkin: event id"},
	        {"chip", OPT_FLAG, &chip, 0, 0, "verify: read the chip (software chip of --id)"},
	        {"pki", OPT_STR, &pki, 0, 0, "produce, verify --chip, chip-serve: PKI directory"},
	        {"trust", OPT_STR, &trust, 0, 0, "verify --chip: CSCA trust list (file or dir)"},
	        {"reader", OPT_STR, &reader, 0, 0, "verify --chip: PC/SC reader name, or any"},
	        {"dump", OPT_STR, &dump, 0, 0, "verify --chip: write the files read to this dir"},
	        {"aa-challenge", OPT_STR, &aa_chal, 0, 0,
	         "verify --chip: active-authentication challenge (base64 of 8 bytes)"},
	        {"can", OPT_STR, &can, 0, 0,
	         "verify --chip: PACE with the card access number (the software chip takes it)"},
	        {"vpcd", OPT_STR, &vpcd, 0, 0, "chip-serve: vpcd address (127.0.0.1:35963)"},
	};
	static const char *const verbs[] = {
	        "apply", "approve", "reject", "produce",       "deliver", "revoke",    "show",
	        "mrz",   "qr",      "verify", "checkin-event", "checkin", "chip-serve"};
	char *pos[1];
	size_t npos;
	const char *usage = "apply|approve|reject|produce|deliver|revoke|show|mrz|qr|verify|"
	                    "checkin-event|checkin|chip-serve [OPTIONS]";
	int rc = dc__cli_parse("card", usage, opts, DC_ARRAY_LEN(opts), argc, argv, pos, 1, &npos);
	if (rc)
		return rc < 0 ? 0 : rc;
	int known = 0;
	for (size_t i = 0; npos == 1 && i < DC_ARRAY_LEN(verbs); i++)
		known |= !strcmp(pos[0], verbs[i]);
	if (!known) {
		fprintf(stderr, "usage: dancu card %s\n", usage);
		return 2;
	}
	const char *verb = pos[0];
	struct dc_pin pin;
	enum dc_card_action act = dc_card_action_parse(verb);
	int is_verify = !strcmp(verb, "verify") || !strcmp(verb, "checkin");
	if ((!strcmp(verb, "apply") || (!strcmp(verb, "show") && !id)) &&
	    (!pin_s || dc_pin_parse(pin_s, strlen(pin_s), &pin))) {
		fprintf(stderr, "dancu card %s: --pin with a 12-digit number is required\n", verb);
		return 2;
	}
	if (!strcmp(verb, "apply") && !dc_card_kind_parse(kind)) {
		fprintf(stderr, "dancu card apply: --kind first|renewal|exchange|reissue\n");
		return 2;
	}
	if ((act || !strcmp(verb, "mrz") || !strcmp(verb, "qr")) && !id) {
		fprintf(stderr, "dancu card %s: --id is required\n", verb);
		return 2;
	}
	if (!strcmp(verb, "verify") && (chip || reader))
		is_verify = 0; /* --chip: --mrz is optional (the BAC key), --qr unused */
	if (is_verify && !qr == !mrz) {
		fprintf(stderr, "dancu card %s: give exactly one of --qr and --mrz\n", verb);
		return 2;
	}
	if (!strcmp(verb, "checkin") && !event) {
		fprintf(stderr, "dancu card checkin: --event is required\n");
		return 2;
	}
	if (!strcmp(verb, "checkin-event") && (!name || !*name)) {
		fprintf(stderr, "dancu card checkin-event: --name is required\n");
		return 2;
	}

	struct dc_units *u = NULL;
	struct dc_store *s = NULL;
	struct dc_pool pool;
	struct dc_buf b = DC_BUF_INIT;
	struct dc_card card;
	char actor[96];
	int exit_code;
	dc_pool_init(&pool, 0);
	cli_actor(actor, sizeof actor);
	struct dc_card_op op = {actor, NULL, reason, evidence, dc_date_today(), issued, "", NULL};
	if ((exit_code = dc__cli_open(db, pg, &u, &s)))
		goto cleanup;
	exit_code = 1;
	if (!strcmp(verb, "apply")) {
		enum dc_card_kind k = dc_card_kind_parse(kind);
		if (!op.reason)
			op.reason = k == DC_CARD_FIRST     ? "first"
			            : k == DC_CARD_RENEWAL ? "age"
			                                   : NULL;
		rc = dc_card_apply(s, &pin, k, &op, &card);
	} else if (act) {
		rc = dc_card_act(s, u, (int64_t)id, act, &op, &card);
		/* production with --pki: the chip's own keys are made now, so DG14 and
		 * DG15 exist from issuance (PKI_DIR/chips/N.pem, mode 0600) */
		struct dc_chip_keys *ck = NULL;
		if (rc == DC_OK && act == DC_CARD_PRODUCE && pki &&
		    (rc = dc_chip_keys_for_card(pki, (int64_t)id, &ck)))
			snprintf(op.detail, sizeof op.detail,
			         "the card is produced, but its chip keys could not be written to "
			         "%s/chips",
			         pki);
		dc_chip_keys_free(ck);
	} else if (!strcmp(verb, "show")) {
		int with = 1;
		rc = id ? dc_card_get(s, (int64_t)id, &card)
		        : dc_card_list(s, &pin, print_card, &with);
		if (rc == DC_OK && id)
			print_card(&with, &card);
		if (rc == DC_ERR_NOT_FOUND)
			snprintf(op.detail, sizeof op.detail, "no card with this id");
		exit_code = rc ? 1 : 0;
		goto report;
	} else if (!strcmp(verb, "mrz") || !strcmp(verb, "qr")) {
		rc = dc_card_get(s, (int64_t)id, &card);
		if (rc == DC_ERR_NOT_FOUND)
			snprintf(op.detail, sizeof op.detail, "no card with this id");
		else if (rc == DC_OK && !card.mrz[0]) {
			snprintf(op.detail, sizeof op.detail, "the card is not produced yet");
			rc = DC_ERR_CONFLICT;
		}
		if (rc == DC_OK && verb[0] == 'm')
			printf("%s\n", card.mrz);
		if (rc == DC_OK && verb[0] == 'q') {
			printf("%s\n", card.qr);
			if (svg && !(rc = dc_qr_svg(card.qr, strlen(card.qr), 4, &b)))
				rc = write_file(svg, &b);
			dc_buf_reset(&b);
			if (rc == DC_OK && png &&
			    !(rc = dc_qr_png(card.qr, strlen(card.qr), 6, &b)))
				rc = write_file(png, &b);
		}
		exit_code = rc ? 1 : 0;
		goto report;
	} else if (!strcmp(verb, "chip-serve")) {
		exit_code = dc__card_chip_serve(s, u, (int64_t)id, pki, vpcd);
		goto cleanup;
	} else if (!strcmp(verb, "verify") && (chip || reader)) {
		exit_code = dc__card_verify_chip(s, u, (int64_t)id, pki, trust, reader, mrz, dump,
		                                 aa_chal, can, &op.today);
		goto cleanup;
	} else if (!strcmp(verb, "verify")) {
		struct dc_card_verdict v;
		const char *t = qr ? qr : mrz;
		rc = dc_card_verify(s, u, qr ? DC_CARD_FORM_QR : DC_CARD_FORM_MRZ, t, strlen(t),
		                    &op.today, &v, &pool);
		if (rc == DC_OK) {
			print_verdict(&v);
			exit_code = v.valid ? 0 : 1;
		}
		goto report;
	} else if (!strcmp(verb, "checkin-event")) {
		int64_t eid = 0, added = 0;
		rc = dc_checkin_event_create(s, name, actor, &eid);
		if (rc == DC_OK && csv) {
			if (read_file(csv, &b)) {
				snprintf(op.detail, sizeof op.detail, "cannot read %s", csv);
				rc = DC_ERR_IO;
			} else {
				rc = dc_checkin_import_csv(s, eid, b.ptr ? b.ptr : "", b.len,
				                           &added, op.detail, sizeof op.detail);
			}
		}
		if (rc == DC_OK)
			printf("{\"id\":%lld,\"candidates\":%lld}\n", (long long)eid,
			       (long long)added);
		exit_code = rc ? 1 : 0;
		goto report;
	} else { /* checkin */
		struct dc_checkin_result r;
		const char *t = qr ? qr : mrz;
		rc = dc_checkin_scan(s, u, (int64_t)event, qr ? DC_CARD_FORM_QR : DC_CARD_FORM_MRZ,
		                     t, strlen(t), &op.today, &r, &pool);
		if (rc == DC_ERR_NOT_FOUND)
			snprintf(op.detail, sizeof op.detail, "no such event");
		if (rc == DC_OK) {
			dc_checkin_result_json((int64_t)event, &r, &b);
			printf("%s\n", dc_buf_str(&b));
			exit_code = r.checked_in ? 0 : 1;
		}
		goto report;
	}
	if (rc == DC_OK) {
		int with = 1;
		print_card(&with, &card);
		exit_code = 0;
	}
report:
	if (rc)
		fprintf(stderr, "dancu card %s: %s\n", verb,
		        op.detail[0] ? op.detail : dc_strerror(rc));
cleanup:
	dc_buf_release(&b);
	dc_pool_release(&pool);
	dc_store_close(s);
	dc_units_free(u);
	return exit_code;
}
