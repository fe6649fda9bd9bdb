/*
 * mrz.c — the TD1 machine-readable zone of the identity card: check digits,
 * the name transliteration, building a card's MRZ and parsing a presented
 * one with every check reported on its own. See dancu/mrz.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dancu/mrz.h"
#include "dancu/text.h"

#include "core/internal.h"

static int char_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A' + 10;
	if (ch == '<')
		return 0;
	return -1;
}

int dc_mrz_check_digit(const char *s, size_t n)
{
	static const int w[3] = {7, 3, 1};
	int sum = 0;
	for (size_t i = 0; i < n; i++) {
		int v = char_value(s[i]);
		if (v < 0)
			return -1;
		sum += v * w[i % 3];
	}
	return sum % 10;
}

/* Splits the ASCII key of a name into upper-case words of letters (digits
 * and punctuation dropped; spaces and hyphens separate). Returns the count. */
static size_t split_words(const char *ascii, char words[][DC_MRZ_LINE + 1], size_t max)
{
	size_t nw = 0, len = 0;
	for (const char *p = ascii;; p++) {
		char ch = *p;
		if (ch == '<') { /* "<u+XXXX>": a code point with no ASCII form */
			const char *e = strchr(p, '>');
			if (!e)
				break;
			p = e;
			continue;
		}
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (ch >= 'A' && ch <= 'Z') {
			if (nw < max && len < DC_MRZ_LINE)
				words[nw][len++] = ch;
			continue;
		}
		if (ch == ' ' || ch == '-' || ch == '\0') {
			if (len && nw < max) {
				words[nw][len] = '\0';
				nw++;
				len = 0;
			}
			if (ch == '\0')
				break;
		}
		/* apostrophes, dots and the rest are dropped */
	}
	return nw;
}

int dc_mrz_name(const char *name, size_t n, char out[DC_MRZ_LINE + 1])
{
	struct dc_buf key = DC_BUF_INIT;
	char words[16][DC_MRZ_LINE + 1];
	char line[128];
	int rc = dc_text_key_ascii(name, n, &key);
	if (rc)
		goto cleanup;
	size_t nw = split_words(dc_buf_str(&key), words, DC_ARRAY_LEN(words));
	if (nw == 0) {
		rc = DC_ERR_INVALID;
		goto cleanup;
	}
	/* Shorten given names to initials, the last first, until it fits. */
	for (size_t cut = nw; cut > 1;) {
		size_t len = strlen(words[0]) + 2;
		for (size_t i = 1; i < nw; i++)
			len += strlen(words[i]) + (i > 1);
		if (len <= DC_MRZ_LINE)
			break;
		cut--;
		if (strlen(words[cut]) > 1)
			words[cut][1] = '\0';
		else if (cut == 1)
			break;
	}
	size_t o = 0;
	line[0] = '\0';
	for (size_t i = 0; i < nw && o < sizeof line - 40; i++) {
		const char *sep = i == 0 ? "" : i == 1 ? "<<" : "<";
		o += (size_t)snprintf(line + o, sizeof line - o, "%s%s", sep, words[i]);
	}
	if (nw == 1)
		o += (size_t)snprintf(line + o, sizeof line - o, "<<");
	for (size_t i = 0; i < DC_MRZ_LINE; i++)
		out[i] = i < o ? line[i] : '<';
	out[DC_MRZ_LINE] = '\0';
cleanup:
	dc_buf_release(&key);
	return rc;
}

static void two(char *o, int v)
{
	o[0] = (char)('0' + v / 10 % 10);
	o[1] = (char)('0' + v % 10);
}

void dc_mrz_yymmdd(const struct dc_date *d, char out[7])
{
	two(out, d->year % 100);
	if (d->month)
		two(out + 2, d->month);
	else
		memcpy(out + 2, "<<", 2);
	if (d->month && d->day)
		two(out + 4, d->day);
	else
		memcpy(out + 4, "<<", 2);
	out[6] = '\0';
}

static char cd_char(const char *s, size_t n)
{
	int d = dc_mrz_check_digit(s, n);
	return d < 0 ? '<' : (char)('0' + d);
}

int dc_mrz_build(const struct dc_mrz_input *in, char out[DC_MRZ_TEXT_MAX])
{
	char l1[DC_MRZ_LINE + 1], l2[DC_MRZ_LINE + 1], l3[DC_MRZ_LINE + 1], comp[64];
	char dob[7], exp[7];
	if (!in->pin || strlen(in->pin) != 12 || strspn(in->pin, "0123456789") != 12 ||
	    in->dob.year < 1 || !in->name)
		return DC_ERR_INVALID;
	int rc = dc_mrz_name(in->name, strlen(in->name), l3);
	if (rc)
		return rc;
	/* line 1: ID VNM, 9-digit document number + cd, 12 digits, <<, cd */
	snprintf(l1, sizeof l1, "IDVNM%.9s%c%.12s<<%c", in->pin + 3, cd_char(in->pin + 3, 9),
	         in->pin, cd_char(in->pin, 12));
	dc_mrz_yymmdd(&in->dob, dob);
	if (in->expiry.year)
		dc_mrz_yymmdd(&in->expiry, exp);
	else
		memcpy(exp, "991231", 7);
	char sex = in->sex == 'M' || in->sex == 'F' ? (char)in->sex : '<';
	snprintf(l2, sizeof l2, "%s%c%c%s%cVNM<<<<<<<<<<<", dob, cd_char(dob, 6), sex, exp,
	         cd_char(exp, 6));
	/* composite: l1[5..29] + l2[0..6] + l2[8..14] + l2[18..28] */
	memcpy(comp, l1 + 5, 25);
	memcpy(comp + 25, l2, 7);
	memcpy(comp + 32, l2 + 8, 7);
	memcpy(comp + 39, l2 + 18, 11);
	l2[29] = cd_char(comp, 50);
	l2[30] = '\0';
	snprintf(out, DC_MRZ_TEXT_MAX, "%s\n%s\n%s", l1, l2, l3);
	return DC_OK;
}

/* 1 when the check digit character ch matches the n characters at s. */
static int check(const char *s, size_t n, char ch)
{
	int d = dc_mrz_check_digit(s, n);
	return d >= 0 && ch == '0' + d;
}

/* YYMMDD with '<' for unknown parts; 991231 passes. */
static int yymmdd_ok(const char *s)
{
	if (!memcmp(s, "991231", 6))
		return 1;
	unsigned long long y, m = 0, d = 0;
	if (dc_parse_uint(s, 2, 99, &y))
		return 0;
	if (memcmp(s + 2, "<<", 2) && dc_parse_uint(s + 2, 2, 12, &m))
		return 0;
	if (memcmp(s + 4, "<<", 2) && dc_parse_uint(s + 4, 2, 31, &d))
		return 0;
	if ((m == 0 && memcmp(s + 2, "<<", 2)) || (d == 0 && memcmp(s + 4, "<<", 2)))
		return 0;
	/* Feb 29 is possible in some century of any YY divisible by 4 */
	int leapish = y % 4 == 0 ? 2000 : 2001;
	return d == 0 || m == 0 || (int)d <= dc_date_days_in_month(leapish, (int)m);
}

static void name_part(char *dst, const char *src, size_t n)
{
	while (n && src[n - 1] == '<')
		n--;
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] == '<' ? ' ' : src[i];
	dst[n] = '\0';
}

int dc_mrz_parse(const char *s, size_t n, struct dc_mrz *m)
{
	char z[3 * DC_MRZ_LINE];
	size_t k = 0;
	memset(m, 0, sizeof *m);
	/* Collect 90 MRZ characters; newlines only between or after lines. */
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '\r' || ch == '\n') {
			if (k % DC_MRZ_LINE)
				return DC_ERR_INVALID;
			continue;
		}
		if (k >= sizeof z || char_value(ch) < 0)
			return DC_ERR_INVALID;
		z[k++] = ch;
	}
	if (k != sizeof z)
		return DC_ERR_INVALID;
	const char *l1 = z, *l2 = z + 30, *l3 = z + 60;
	if (!strchr("MF<X", l2[7]))
		return DC_ERR_INVALID;
	memcpy(m->doc_code, l1, 2);
	memcpy(m->state, l1 + 2, 3);
	memcpy(m->docno, l1 + 5, 9);
	memcpy(m->optional1, l1 + 15, 15);
	memcpy(m->dob, l2, 6);
	m->sex = l2[7];
	memcpy(m->expiry, l2 + 8, 6);
	memcpy(m->nationality, l2 + 15, 3);
	memcpy(m->optional2, l2 + 18, 11);
	const char *sep = NULL;
	for (size_t i = 0; i + 1 < DC_MRZ_LINE; i++)
		if (l3[i] == '<' && l3[i + 1] == '<') {
			sep = l3 + i;
			break;
		}
	if (sep) {
		name_part(m->primary, l3, (size_t)(sep - l3));
		name_part(m->secondary, sep + 2, (size_t)(l3 + DC_MRZ_LINE - sep - 2));
	} else {
		name_part(m->primary, l3, DC_MRZ_LINE);
	}
	/* ICAO: '<' at pos 15 means a long document number continuing in the
	 * optional data up to a '<', followed by its check digit there. */
	if (l1[14] == '<') {
		char full[32];
		size_t e = 15;
		while (e < 30 && l1[e] != '<')
			e++;
		memcpy(full, l1 + 5, 9);
		if (e > 16) {
			memcpy(full + 9, l1 + 15, e - 16);
			m->cd_docno = check(full, 9 + e - 16, l1[e - 1]);
		} else {
			m->cd_docno = 0;
		}
	} else {
		m->cd_docno = check(l1 + 5, 9, l1[14]);
	}
	m->cd_dob = check(l2, 6, l2[6]);
	m->cd_expiry = check(l2 + 8, 6, l2[14]);
	char comp[50];
	memcpy(comp, l1 + 5, 25);
	memcpy(comp + 25, l2, 7);
	memcpy(comp + 32, l2 + 8, 7);
	memcpy(comp + 39, l2 + 18, 11);
	m->cd_composite = check(comp, 50, l2[29]);
	m->date_dob = yymmdd_ok(m->dob);
	m->date_expiry = yymmdd_ok(m->expiry);
	m->is_vn = !memcmp(m->doc_code, "ID", 2) && !memcmp(m->state, "VNM", 3);
	m->cd_pin = m->vn_docno = -1;
	if (m->is_vn) {
		int digits = strspn(l1 + 15, "0123456789") >= 12;
		if (digits)
			memcpy(m->pin, l1 + 15, 12);
		m->cd_pin = digits && !memcmp(l1 + 27, "<<", 2) && check(l1 + 15, 12, l1[29]);
		m->vn_docno = digits && !memcmp(l1 + 5, l1 + 18, 9);
	}
	return DC_OK;
}

bool dc_mrz_ok(const struct dc_mrz *m)
{
	return m->cd_docno == 1 && m->cd_dob == 1 && m->cd_expiry == 1 && m->cd_composite == 1 &&
	       m->cd_pin != 0 && m->vn_docno != 0 && m->date_dob == 1 && m->date_expiry == 1;
}

struct dc_date dc_mrz_dob(const struct dc_mrz *m, const struct dc_date *today)
{
	struct dc_date d = {0, 0, 0};
	unsigned long long yy, mm = 0, dd = 0;
	if (dc_parse_uint(m->dob, 2, 99, &yy))
		return d;
	dc_parse_uint(m->dob + 2, 2, 12, &mm);
	dc_parse_uint(m->dob + 4, 2, 31, &dd);
	int century;
	if (m->pin[0]) {
		century = 19 + (m->pin[3] - '0') / 2;
	} else {
		century = today->year / 100;
		if ((int)(century * 100 + (int)yy) > today->year)
			century--;
	}
	d.year = (int16_t)(century * 100 + (int)yy);
	d.month = (int8_t)mm;
	d.day = (int8_t)(mm ? dd : 0);
	return d;
}
