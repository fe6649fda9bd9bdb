/*
 * qr.c — the card's QR payload (build, parse, validate) and its rendering
 * to SVG and PNG from libqrencode's module matrix. See dancu/qr.h.
 */
#include <png.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/qr.h"
#include "dancu/text.h"

#include "core/internal.h"

static int bad_text(const char *s)
{
	return !s || strpbrk(s, "|\r\n") != NULL || !dc_text_valid_utf8(s, strlen(s));
}

static int all_digits(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789") == n;
}

static void digits(char *o, int v, int n)
{
	for (int k = n - 1; k >= 0; k--, v /= 10)
		o[k] = (char)('0' + v % 10);
}

static void ddmmyyyy(const struct dc_date *d, char out[9])
{
	digits(out, d->day, 2);
	digits(out + 2, d->month, 2);
	digits(out + 4, d->year, 4);
	out[8] = '\0';
}

int dc_qr_build(const struct dc_qr_card *q, struct dc_buf *out)
{
	char dob[9], iss[9];
	const char *old = q->old_id ? q->old_id : "";
	if (!q->pin || !all_digits(q->pin, 12) ||
	    (*old && !all_digits(old, 9) && !all_digits(old, 12)) || bad_text(q->name) ||
	    !*q->name || (q->address && bad_text(q->address)) ||
	    dc_date_precision(&q->dob) != DC_DATE_DAY ||
	    dc_date_precision(&q->issued) != DC_DATE_DAY || (q->sex != 'M' && q->sex != 'F'))
		return DC_ERR_INVALID;
	ddmmyyyy(&q->dob, dob);
	ddmmyyyy(&q->issued, iss);
	return dc_buf_addf(out, "%s|%s|%s|%s|%s|%s|%s", q->pin, old, q->name, dob,
	                   q->sex == 'M' ? "Nam" : "N\xe1\xbb\xaf", q->address ? q->address : "",
	                   iss);
}

static int fail(char *detail, size_t dlen, const char *what)
{
	if (detail)
		snprintf(detail, dlen, "%s", what);
	return DC_ERR_INVALID;
}

int dc_qr_parse(const char *s, size_t n, struct dc_qr_card *q, struct dc_pool *pool, char *detail,
                size_t dlen)
{
	const char *f[7 + DC_QR_MAX_EXTRA];
	size_t fl[7 + DC_QR_MAX_EXTRA], nf = 0;
	struct dc_buf key = DC_BUF_INIT;
	int rc = DC_OK;
	memset(q, 0, sizeof *q);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (!dc_text_valid_utf8(s, n))
		return fail(detail, dlen, "the payload is not valid UTF-8");
	if (memchr(s, '\0', n))
		return fail(detail, dlen, "the payload contains a NUL byte");
	for (size_t i = 0, start = 0; i <= n; i++) {
		if (i < n && s[i] != '|')
			continue;
		if (nf == DC_ARRAY_LEN(f))
			return fail(detail, dlen, "too many fields");
		f[nf] = s + start;
		fl[nf++] = i - start;
		start = i + 1;
	}
	if (nf < 7)
		return fail(detail, dlen, "fewer than 7 '|'-separated fields");
	char *c[7 + DC_QR_MAX_EXTRA];
	for (size_t i = 0; i < nf; i++)
		if (!(c[i] = dc_pool_strndup(pool, f[i], fl[i])))
			return DC_ERR_NOMEM;
	q->pin = c[0];
	q->old_id = c[1];
	q->name = c[2];
	q->address = c[5];
	q->nextra = nf - 7;
	for (size_t i = 7; i < nf; i++)
		q->extra[i - 7] = c[i];
	if (!all_digits(q->pin, 12))
		return fail(detail, dlen, "field 1 (personal ID number) must be 12 digits");
	if (*q->old_id && !all_digits(q->old_id, 9) && !all_digits(q->old_id, 12))
		return fail(detail, dlen, "field 2 (old ID number) must be empty, 9 or 12 digits");
	if (!*q->name)
		return fail(detail, dlen, "field 3 (full name) is empty");
	if (strstr(q->name, "\xef\xbf\xbd"))
		return fail(
		        detail, dlen,
		        "field 3 (full name) contains U+FFFD: the scanner used a wrong code page");
	if (fl[3] != 8 || dc_date_parse(c[3], 8, &q->dob))
		return fail(detail, dlen, "field 4 (date of birth) must be a real date DDMMYYYY");
	if (fl[6] != 8 || dc_date_parse(c[6], 8, &q->issued))
		return fail(detail, dlen, "field 7 (date of issue) must be a real date DDMMYYYY");
	rc = dc_text_key_ascii(c[4], fl[4], &key);
	if (rc == DC_OK && !strcmp(dc_buf_str(&key), "nam"))
		q->sex = 'M';
	else if (rc == DC_OK && !strcmp(dc_buf_str(&key), "nu"))
		q->sex = 'F';
	else
		rc = fail(detail, dlen, "field 5 (sex) must be Nam or Nữ");
	dc_buf_release(&key);
	return rc;
}

/* Byte mode with an ECI 26 (UTF-8) designator in front when the text is not
 * plain ASCII: without it readers guess the charset of the bytes (ISO
 * 18004 says ISO-8859-1; zbar tries Shift JIS), and Vietnamese comes out
 * garbled. The payload bytes themselves are unchanged. */
static QRcode *encode(const char *s, size_t n)
{
	QRcode *qr = NULL;
	int ascii = 1;
	if (n == 0 || n > 2900)
		return NULL;
	for (size_t i = 0; i < n; i++)
		ascii &= (unsigned char)s[i] < 0x80;
	QRinput *in = QRinput_new2(0, QR_ECLEVEL_M);
	if (in && (ascii || QRinput_appendECIheader(in, 26) == 0) &&
	    QRinput_append(in, QR_MODE_8, (int)n, (const unsigned char *)s) == 0)
		qr = QRcode_encodeInput(in);
	QRinput_free(in);
	return qr;
}

#define QUIET 4

int dc_qr_svg(const char *s, size_t n, int module, struct dc_buf *out)
{
	QRcode *qr = encode(s, n);
	if (!qr)
		return DC_ERR_TOO_LARGE;
	if (module < 1)
		module = 1;
	int w = qr->width, size = (w + 2 * QUIET) * module;
	dc_buf_addf(out,
	            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg "
	            "xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
	            "viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">\n<rect width=\"%d\" "
	            "height=\"%d\" fill=\"#fff\"/>\n<path fill=\"#000\" d=\"",
	            size, size, w + 2 * QUIET, w + 2 * QUIET, w + 2 * QUIET, w + 2 * QUIET);
	for (int y = 0; y < w; y++)
		for (int x = 0; x < w; x++) {
			if (!(qr->data[y * w + x] & 1))
				continue;
			int run = 1;
			while (x + run < w && (qr->data[y * w + x + run] & 1))
				run++;
			dc_buf_addf(out, "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, run, run);
			x += run - 1;
		}
	dc_buf_adds(out, "\"/>\n</svg>\n");
	QRcode_free(qr);
	return dc_buf_error(out);
}

static void png_write_buf(png_structp p, png_bytep data, png_size_t len)
{
	struct dc_buf *b = png_get_io_ptr(p);
	dc_buf_add(b, data, len);
}

static void png_flush_none(png_structp p)
{
	(void)p;
}

/* Writes the image; libpng reports errors by longjmp back here, so this
 * function changes no local after setjmp. */
static int write_png(const QRcode *qr, int module, unsigned char *row, size_t rowbytes,
                     png_structp p, png_infop info, struct dc_buf *out)
{
	const int w = qr->width, size = (w + 2 * QUIET) * module;
	if (setjmp(png_jmpbuf(p)))
		return DC_ERR_IO;
	png_set_write_fn(p, out, png_write_buf, png_flush_none);
	png_set_IHDR(p, info, (png_uint_32)size, (png_uint_32)size, 1, PNG_COLOR_TYPE_GRAY,
	             PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(p, info);
	for (int y = 0; y < size; y++) {
		int my = y / module - QUIET;
		memset(row, 0xff, rowbytes); /* 1 = white */
		for (int x = 0; x < size && my >= 0 && my < w; x++) {
			int mx = x / module - QUIET;
			if (mx >= 0 && mx < w && (qr->data[my * w + mx] & 1))
				row[x / 8] &= (unsigned char)~(0x80u >> (x % 8));
		}
		png_write_row(p, row);
	}
	png_write_end(p, NULL);
	return dc_buf_error(out);
}

int dc_qr_png(const char *s, size_t n, int module, struct dc_buf *out)
{
	QRcode *qr = encode(s, n);
	png_structp p = NULL;
	png_infop info = NULL;
	unsigned char *row = NULL;
	int rc;
	if (!qr)
		return DC_ERR_TOO_LARGE;
	if (module < 1 || module > 32)
		module = module < 1 ? 1 : 32;
	size_t rowbytes = ((size_t)(qr->width + 2 * QUIET) * (size_t)module + 7) / 8;
	row = malloc(rowbytes);
	p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = p ? png_create_info_struct(p) : NULL;
	rc = row && p && info ? write_png(qr, module, row, rowbytes, p, info, out) : DC_ERR_NOMEM;
	png_destroy_write_struct(&p, &info);
	free(row);
	QRcode_free(qr);
	return rc;
}
