/*
 * csv.c — streaming RFC 4180 reader and field quoting.
 *
 * The reader keeps one buffer. A record is parsed in place: quotes are
 * removed by copying bytes down within the record, and each field is
 * NUL-terminated where its delimiter was. When a record runs past the end of
 * the buffered data, the unparsed tail is moved to the front and more input
 * is read; a record larger than DC_CSV_MAX_RECORD is rejected rather than
 * growing memory without bound.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dancu/csv.h"

#include "core/internal.h"

#define CHUNK (1u << 20)

struct dc_csv {
	int fd;          /* -1 for memory input */
	const char *mem; /* memory input */
	size_t mem_len, mem_off;
	char *buf; /* cap bytes + 1 for a terminator */
	size_t cap;
	size_t start; /* first unparsed byte */
	size_t end;   /* bytes of valid data */
	int eof;
	uint64_t line;     /* physical line of buf[start] */
	uint64_t consumed; /* bytes before buf[0] */
	int first;         /* BOM check pending */
	const char *err;
};

static int open_common(struct dc_csv **out, size_t cap)
{
	struct dc_csv *r = calloc(1, sizeof(*r));
	if (!r)
		return DC_ERR_NOMEM;
	r->cap = cap;
	r->buf = malloc(r->cap + 1);
	if (!r->buf) {
		free(r);
		return DC_ERR_NOMEM;
	}
	r->line = 1;
	r->first = 1;
	r->fd = -1;
	*out = r;
	return DC_OK;
}

int dc_csv_open_fd(int fd, struct dc_csv **out)
{
	int rc = open_common(out, DC_CSV_MAX_RECORD + CHUNK);
	if (rc == DC_OK)
		(*out)->fd = fd;
	return rc;
}

int dc_csv_open_mem(const void *p, size_t n, struct dc_csv **out)
{
	/* Small inputs get a buffer of their own size (fuzzing opens many). */
	size_t cap = DC_CSV_MAX_RECORD + CHUNK;
	if (n + 1 < cap)
		cap = n + 1;
	int rc = open_common(out, cap);
	if (rc == DC_OK) {
		(*out)->mem = p;
		(*out)->mem_len = n;
	}
	return rc;
}

void dc_csv_free(struct dc_csv *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r);
}

const char *dc_csv_errmsg(const struct dc_csv *r)
{
	return r->err ? r->err : "";
}

uint64_t dc_csv_offset(const struct dc_csv *r)
{
	return r->consumed + r->start;
}

uint64_t dc_csv_line(const struct dc_csv *r)
{
	return r->line;
}

/* Moves the unparsed tail to the front and reads more. Returns 1 if bytes
 * were added, 0 at end of input, or an error. */
static int refill(struct dc_csv *r)
{
	if (r->eof)
		return 0;
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->consumed += r->start;
		r->end -= r->start;
		r->start = 0;
	}
	size_t room = r->cap - r->end;
	if (room == 0)
		return 0;
	if (room > CHUNK)
		room = CHUNK;
	size_t got;
	if (r->fd < 0) {
		got = r->mem_len - r->mem_off;
		if (got > room)
			got = room;
		memcpy(r->buf + r->end, r->mem + r->mem_off, got);
		r->mem_off += got;
	} else {
		ssize_t n;
		do {
			n = read(r->fd, r->buf + r->end, room);
		} while (n < 0 && errno == EINTR);
		if (n < 0)
			return DC_ERR_IO;
		got = (size_t)n;
	}
	if (got == 0) {
		r->eof = 1;
		return 0;
	}
	r->end += got;
	if (r->first && r->end >= 3) {
		r->first = 0;
		if ((unsigned char)r->buf[0] == 0xEF && (unsigned char)r->buf[1] == 0xBB &&
		    (unsigned char)r->buf[2] == 0xBF)
			r->start = 3;
	}
	return 1;
}

enum parse { P_ROW, P_MORE, P_BAD };

/* Parses one record starting at r->start within the buffered data. On P_ROW
 * or P_BAD sets *next to the first byte after the record (after its line
 * ending) and *lines to the physical lines it spans. */
static enum parse parse_record(struct dc_csv *r, struct dc_csv_row *row, size_t *next,
                               uint64_t *lines)
{
	char *b = r->buf;
	size_t i = r->start, end = r->end;
	uint64_t nl = 0;
	row->nfields = 0;
	for (;;) {
		/* One field. */
		if (row->nfields == DC_CSV_MAX_FIELDS) {
			r->err = "too many fields";
			goto bad;
		}
		char *out = b + i;
		char *fstart = out;
		if (i < end && b[i] == '"') {
			i++;
			for (;;) {
				if (i >= end)
					return P_MORE;
				char c = b[i];
				if (c == '"') {
					if (i + 1 >= end)
						return P_MORE;
					if (b[i + 1] == '"') {
						*out++ = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				if (c == '\n')
					nl++;
				*out++ = c;
				i++;
			}
			if (i >= end && !r->eof)
				return P_MORE;
			if (i < end && b[i] != ',' && b[i] != '\n' && b[i] != '\r') {
				r->err = "text after a closing quote";
				goto bad;
			}
		} else {
			while (i < end && b[i] != ',' && b[i] != '\n' && b[i] != '\r') {
				if (b[i] == '"') {
					r->err = "quote inside an unquoted field";
					goto bad;
				}
				i++;
			}
			out = b + i;
			if (i >= end && !r->eof)
				return P_MORE;
		}
		size_t flen = (size_t)(out - fstart);
		row->fields[row->nfields] = fstart;
		row->lens[row->nfields] = flen;
		row->nfields++;
		if (i >= end) { /* last record without a line ending */
			fstart[flen] = '\0';
			*next = i;
			*lines = nl + 1;
			return P_ROW;
		}
		char d = b[i];
		fstart[flen] = '\0'; /* safe: out ≤ b + i, the delimiter's place */
		if (d == ',') {
			i++;
			continue;
		}
		if (d == '\r') {
			if (i + 1 >= end && !r->eof)
				return P_MORE;
			i++;
			if (i < end && b[i] == '\n')
				i++;
		} else {
			i++;
		}
		*next = i;
		*lines = nl + 1;
		return P_ROW;
	}
bad:
	/* Skip to the end of this physical line. */
	while (i < end && b[i] != '\n')
		i++;
	if (i >= end && !r->eof)
		return P_MORE;
	*next = i < end ? i + 1 : i;
	*lines = nl + 1;
	return P_BAD;
}

int dc_csv_next(struct dc_csv *r, struct dc_csv_row *row)
{
	for (;;) {
		if (r->start >= r->end) {
			int rc = refill(r);
			if (rc < 0)
				return rc;
			if (rc == 0 && r->start >= r->end)
				return 0;
			continue;
		}
		size_t next = 0;
		uint64_t lines = 0;
		r->err = NULL;
		/* parse_record unescapes in place, so it must only run on a
		 * record known to be complete: a quick scan finds its end first. */
		size_t probe = r->start;
		int complete = 0;
		/* Find whether a full record is buffered without modifying it. */
		{
			/* The same states as parse_record, so both agree on
			 * where the record ends. */
			enum { START, PLAIN, QUOTED, CLOSED } st = START;
			size_t j = probe;
			for (; j < r->end && !complete; j++) {
				char c = r->buf[j];
				switch (st) {
				case START:
				case PLAIN:
					if (c == '"' && st == START)
						st = QUOTED;
					else if (c == ',')
						st = START;
					else if (c == '\n')
						complete = 1;
					else
						st = PLAIN;
					break;
				case QUOTED:
					if (c == '"')
						st = CLOSED;
					break;
				case CLOSED:
					if (c == '"')
						st = QUOTED; /* "" inside quotes */
					else if (c == ',')
						st = START;
					else if (c == '\n')
						complete = 1;
					else
						st = PLAIN; /* malformed; parser rejects */
					break;
				}
			}
			if (!complete && r->eof)
				complete = 1;
			if (j - r->start > DC_CSV_MAX_RECORD) {
				/* Oversize: report it and skip it — the whole record when
				 * its end is known, else up to the next line ending. */
				row->line = r->line;
				row->nfields = 0;
				r->err = "record too long";
				if (complete) {
					for (size_t k = r->start; k < j; k++)
						r->line += r->buf[k] == '\n';
					r->start = j;
					return DC_ERR_INVALID;
				}
				for (;;) {
					size_t k = r->start;
					while (k < r->end && r->buf[k] != '\n')
						k++;
					if (k < r->end) {
						r->start = k + 1;
						r->line++;
						return DC_ERR_INVALID;
					}
					r->start = r->end;
					int rc = refill(r);
					if (rc < 0)
						return rc;
					if (rc == 0)
						return DC_ERR_INVALID;
				}
			}
		}
		if (!complete) {
			int rc = refill(r);
			if (rc < 0)
				return rc;
			continue;
		}
		enum parse p = parse_record(r, row, &next, &lines);
		if (p == P_MORE) {
			/* The scan saw a complete record, so this is only reached at
			 * the end of input inside an open quote. */
			if (r->eof) {
				row->line = r->line;
				row->nfields = 0;
				r->err = "unterminated quoted field";
				r->start = r->end;
				return DC_ERR_INVALID;
			}
			int rc = refill(r);
			if (rc < 0)
				return rc;
			continue;
		}
		row->line = r->line;
		r->line += lines;
		r->start = next;
		if (p == P_BAD)
			return DC_ERR_INVALID;
		return 1;
	}
}

int dc_csv_add_field(struct dc_buf *out, const char *s, size_t n)
{
	int quote = n > 0 && (s[0] == ' ' || s[n - 1] == ' ');
	for (size_t i = 0; i < n && !quote; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			quote = 1;
	if (!quote)
		return dc_buf_add(out, s, n);
	dc_buf_addc(out, '"');
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"') {
			dc_buf_add(out, s + run, i + 1 - run);
			dc_buf_addc(out, '"');
			run = i + 1;
		}
	}
	dc_buf_add(out, s + run, n - run);
	return dc_buf_addc(out, '"');
}
