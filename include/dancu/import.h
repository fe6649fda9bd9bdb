/*
 * dancu/import.h — bulk import of citizens from CSV or JSON Lines.
 *
 * The file's first CSV line names the columns (any order, any subset that
 * includes the required ones: pin, birth_name, dob, sex); JSON Lines hold
 * one object per line with the same keys. Column names are those of
 * dc_citizen_column().
 *
 * Every row goes through the data-quality gate (rules.h). By default the
 * import is all or nothing: if any row is rejected, nothing is written and
 * the report lists every rejected row with its line number and rule code.
 * With `partial`, valid rows are written and rejected rows reported. Either
 * way the write is one transaction: an interrupted import leaves nothing.
 *
 * Re-running an import is idempotent: a row whose pin already exists with
 * identical content counts as unchanged; one whose pin exists with different
 * content is rejected ("pin.conflict"). An import that adds nothing writes
 * nothing.
 *
 * Text is stored in NFC with white space collapsed.
 */
#ifndef DANCU_IMPORT_H
#define DANCU_IMPORT_H

#include <stdint.h>
#include <stdio.h>

#include "dancu/date.h"
#include "dancu/rules.h"

struct dc_store;
struct dc_units;

enum dc_import_format { DC_IMPORT_AUTO = 0, DC_IMPORT_CSV, DC_IMPORT_JSONL };

struct dc_import_opts {
	const char *path;             /* file to read; "-" = standard input */
	enum dc_import_format format; /* AUTO: by extension (.jsonl/.ndjson → JSONL) */
	int partial;                  /* write valid rows even when some are rejected */
	const char *actor;            /* who imports (event actor), required */
	struct dc_date today;         /* reference date for the rules */
	FILE *progress;               /* progress bar target (a terminal), or NULL */
	FILE *report;                 /* one JSON line per rejected row/warning, or NULL */
	int report_warnings;          /* also write warnings to report */
};

struct dc_import_result {
	uint64_t rows; /* data rows read (blank lines not counted) */
	uint64_t inserted;
	uint64_t unchanged; /* already present, identical */
	uint64_t rejected;
	uint64_t warnings;                 /* rows with at least one warning */
	uint64_t rule_hits[DC_RULE_COUNT]; /* per rule, errors and warnings */
	int64_t batch_seq;                 /* the import event, 0 when nothing was written */
	int committed;                     /* 1 when the transaction committed */
	double seconds;
	char error[256]; /* why the import as a whole failed, "" otherwise */
};

/* Imports opts->path into s. Returns DC_OK when the import committed (or had
 * nothing to add), DC_ERR_RULE when rows were rejected in all-or-nothing mode
 * (nothing written), DC_ERR_INVALID for a bad header/file, or another error.
 * res is always filled. */
int dc_import(struct dc_store *s, const struct dc_units *u, const struct dc_import_opts *opts,
              struct dc_import_result *res);

#endif
