/*
 * dancu/mrz.h — the machine-readable zone of the identity card (ICAO 9303
 * TD1, 3 lines of 30 characters), in the Vietnamese variant.
 *
 * Layout (../shared/domain/id-number-and-card.md §3, icao9303.md §1.2):
 *   line 1  "ID" "VNM", document number = the last 9 digits of the 12-digit
 *           personal ID number, its check digit, the full 12-digit number,
 *           "<<", the check digit of the 12 digits;
 *   line 2  birth date YYMMDD + check, sex M/F/<, expiry YYMMDD + check
 *           ("991231" = no expiry), "VNM", eleven '<', composite check digit
 *           over line 1 pos 6–30 and line 2 pos 1–7, 9–15, 19–29;
 *   line 3  SURNAME<<GIVEN<NAMES, diacritics removed, Đ → D.
 *
 * Check digits (ICAO 9303 Part 3 §4.9): 0–9 → 0–9, A–Z → 10–35, '<' → 0,
 * weights 7 3 1 repeated, sum mod 10.
 *
 * All functions are pure and thread-safe; output goes into caller-owned
 * buffers. Parsing reads any TD1 (so the ICAO specimens parse too) and
 * reports every check separately; the Vietnamese checks are only made for
 * "ID"/"VNM" documents.
 */
#ifndef DANCU_MRZ_H
#define DANCU_MRZ_H

#include <stdbool.h>
#include <stddef.h>

#include "dancu/date.h"

#define DC_MRZ_LINE 30
/* Three lines joined by '\n', plus the NUL. */
#define DC_MRZ_TEXT_MAX (3 * DC_MRZ_LINE + 2 + 1)

/* The check digit (0–9) of the n characters at s, or -1 when one of them is
 * not in the MRZ character set (0–9, A–Z, '<'). */
int dc_mrz_check_digit(const char *s, size_t n);

/* Writes the MRZ name field for a Vietnamese full name in its usual order
 * (surname first): "Đặng Văn An" → "DANG<<VAN<AN", padded with '<' to 30.
 * Diacritics are removed, Đ → D; spaces and hyphens separate components;
 * apostrophes and other punctuation are dropped. Too long a name is
 * shortened as ICAO 9303 Part 3 §4.6 asks: the given names are cut to
 * initials from the last one, then the field is cut at 30 characters.
 * out gets 30 characters and a NUL. DC_ERR_INVALID for invalid UTF-8 or a
 * name with no letter. */
int dc_mrz_name(const char *name, size_t n, char out[DC_MRZ_LINE + 1]);

/* What a card's MRZ is made of. All strings borrowed for the call. */
struct dc_mrz_input {
	const char *pin;       /* 12 ASCII digits */
	const char *name;      /* UTF-8 full name, surname first */
	struct dc_date dob;    /* unknown month/day become "<<" */
	int sex;               /* 'M', 'F', anything else → '<' */
	struct dc_date expiry; /* year 0: no expiry → 991231 */
};

/* Builds the three lines, joined by '\n', into out. Returns DC_OK, or
 * DC_ERR_INVALID (bad number, no birth year, name as dc_mrz_name). */
int dc_mrz_build(const struct dc_mrz_input *in, char out[DC_MRZ_TEXT_MAX]);

/* A parsed TD1 MRZ: each field as its characters (NUL-terminated), and the
 * result of every check. */
struct dc_mrz {
	char doc_code[3], state[4];
	char docno[10];     /* line 1 pos 6–14 */
	char optional1[16]; /* line 1 pos 16–30 */
	char dob[7];        /* YYMMDD */
	char sex;           /* 'M', 'F', '<', 'X' */
	char expiry[7];     /* YYMMDD; "991231" = no expiry */
	char nationality[4];
	char optional2[12];
	char primary[31], secondary[31]; /* name parts, '<' turned into spaces */
	bool is_vn;                      /* "ID" + "VNM" */
	char pin[13];                    /* VN: the 12 digits of the optional data, else "" */
	/* the checks: 1 passed, 0 failed, -1 not applicable */
	int cd_docno, cd_dob, cd_expiry, cd_composite;
	int cd_pin;      /* VN: line 1 pos 30 = check digit of the 12 digits */
	int vn_docno;    /* VN: document number = last 9 digits of the ID */
	int date_dob;    /* YYMMDD is a calendar date (unknown parts as '<' pass) */
	int date_expiry; /* ditto, or 991231 */
};

/* Parses a TD1 MRZ: 90 characters, optionally as three lines separated by
 * "\n" or "\r\n" (a trailing newline is fine). DC_ERR_INVALID when the
 * shape is wrong (length, a character outside the MRZ set, a sex other than
 * M/F/</X); failed check digits are NOT an error: see the check fields and
 * dc_mrz_ok. */
int dc_mrz_parse(const char *s, size_t n, struct dc_mrz *out);

/* true when every applicable check of m passed. */
bool dc_mrz_ok(const struct dc_mrz *m);

/* Birth date of m as a dc_date, reading YY with the century taken from the
 * personal ID number when there is one (VN), else the closest century not
 * in the future relative to `today`. Unknown parts stay 0. */
struct dc_date dc_mrz_dob(const struct dc_mrz *m, const struct dc_date *today);

/* YYMMDD of a date into out (7 bytes); unknown parts as '<'. */
void dc_mrz_yymmdd(const struct dc_date *d, char out[7]);

#endif
