/*
 * dancu/csv.h — a streaming CSV reader (RFC 4180) and field writer.
 *
 * The reader takes bytes from a file descriptor or from memory and yields one
 * record at a time, quotes removed ("" → "), each field NUL-terminated in
 * place. Line endings may be LF or CRLF; quoted fields may hold commas,
 * quotes and newlines. A UTF-8 byte-order mark at the start is skipped.
 *
 * Malformed input (a quote inside an unquoted field, text after a closing
 * quote, an unterminated quote, a record over the size cap, too many fields)
 * is reported for that record with its line number; the reader then skips to
 * the next line and goes on, so one bad row never aborts a whole import.
 *
 * Ownership: the reader owns its buffer; the fields of a row are borrowed
 * until the next dc_csv_next or dc_csv_free. One thread at a time.
 */
#ifndef DANCU_CSV_H
#define DANCU_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "dancu/buf.h"

struct dc_csv;

#define DC_CSV_MAX_FIELDS 256
#define DC_CSV_MAX_RECORD (1u << 20) /* bytes in one record */

struct dc_csv_row {
	size_t nfields;
	char *fields[DC_CSV_MAX_FIELDS]; /* NUL-terminated, borrowed */
	size_t lens[DC_CSV_MAX_FIELDS];
	uint64_t line; /* 1-based physical line where the record starts */
};

/* Reads from fd (not closed by the reader). */
int dc_csv_open_fd(int fd, struct dc_csv **out);
/* Reads the n bytes at p (borrowed until dc_csv_free). */
int dc_csv_open_mem(const void *p, size_t n, struct dc_csv **out);
void dc_csv_free(struct dc_csv *r);

/* Next record: returns 1 with *row filled, 0 at the end of input,
 * DC_ERR_INVALID for a malformed record (row->line says where; message from
 * dc_csv_errmsg; call again for the next record), DC_ERR_IO on read errors. */
int dc_csv_next(struct dc_csv *r, struct dc_csv_row *row);

/* Why the last record was rejected; static text. */
const char *dc_csv_errmsg(const struct dc_csv *r);

/* Bytes of input consumed so far (for progress). Right after dc_csv_next
 * returned a record, this is where the next record starts: a reader opened
 * on the same input positioned there resumes at that record. */
uint64_t dc_csv_offset(const struct dc_csv *r);

/* The physical line (1-based) where the next record starts. */
uint64_t dc_csv_line(const struct dc_csv *r);

/* Appends one field to out, quoted when it holds a comma, quote, CR or LF
 * (or leading/trailing space). */
int dc_csv_add_field(struct dc_buf *out, const char *s, size_t n);

#endif
