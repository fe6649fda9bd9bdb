/*
 * lds.c — building and parsing the chip's LDS files: EF.COM, DG1, DG2,
 * DG13 (see dancu/lds.h). EF.SOD and passive authentication are in sod.c.
 */
#include "dancu/lds.h"

#include <stdlib.h>
#include <string.h>

#include "dancu/chip.h"
#include "dancu/error.h"
#include "dancu/tlv.h"

/* The DG tags of ICAO 9303 Part 10 Table 34, by DG number. */
static const uint8_t dg_tag[DC_LDS_MAX_DG + 1] = {0,    0x61, 0x75, 0x63, 0x76, 0x65,
                                                  0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B,
                                                  0x6C, 0x6D, 0x6E, 0x6F, 0x70};

/* A synthetic 64×80 grey "face" (an oval, two eyes, a mouth), baseline
 * JPEG made once with libjpeg for this file; no real person. */
static const uint8_t face_jpeg[] = {
        0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00,
        0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x10, 0x0b, 0x0c, 0x0e, 0x0c,
        0x0a, 0x10, 0x0e, 0x0d, 0x0e, 0x12, 0x11, 0x10, 0x13, 0x18, 0x28, 0x1a, 0x18, 0x16, 0x16,
        0x18, 0x31, 0x23, 0x25, 0x1d, 0x28, 0x3a, 0x33, 0x3d, 0x3c, 0x39, 0x33, 0x38, 0x37, 0x40,
        0x48, 0x5c, 0x4e, 0x40, 0x44, 0x57, 0x45, 0x37, 0x38, 0x50, 0x6d, 0x51, 0x57, 0x5f, 0x62,
        0x67, 0x68, 0x67, 0x3e, 0x4d, 0x71, 0x79, 0x70, 0x64, 0x78, 0x5c, 0x65, 0x67, 0x63, 0xff,
        0xc0, 0x00, 0x0b, 0x08, 0x00, 0x50, 0x00, 0x40, 0x01, 0x01, 0x11, 0x00, 0xff, 0xc4, 0x00,
        0x1f, 0x00, 0x00, 0x01, 0x05, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
        0xff, 0xc4, 0x00, 0xb5, 0x10, 0x00, 0x02, 0x01, 0x03, 0x03, 0x02, 0x04, 0x03, 0x05, 0x05,
        0x04, 0x04, 0x00, 0x00, 0x01, 0x7d, 0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21,
        0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08,
        0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a,
        0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37,
        0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56,
        0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75,
        0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93,
        0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9,
        0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6,
        0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
        0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
        0xf8, 0xf9, 0xfa, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, 0xeb, 0x28,
        0xa2, 0x8a, 0x28, 0xa2, 0x8a, 0x28, 0xa4, 0x27, 0x03, 0x26, 0xa2, 0x6b, 0x88, 0xd4, 0xe3,
        0x93, 0xf4, 0xa4, 0x17, 0x31, 0x93, 0xdc, 0x7b, 0x91, 0x53, 0x02, 0x08, 0xc8, 0x39, 0x1e,
        0xd4, 0xb4, 0x51, 0x45, 0x54, 0xb9, 0x97, 0x73, 0x6c, 0x07, 0x81, 0xd7, 0xeb, 0x50, 0x51,
        0x52, 0xc1, 0x2f, 0x96, 0xd8, 0x27, 0xe5, 0x3d, 0x6a, 0xed, 0x14, 0x53, 0x25, 0x62, 0x91,
        0xb3, 0x0e, 0xb5, 0x42, 0x8a, 0x28, 0xab, 0xb6, 0xec, 0x5a, 0x21, 0x9e, 0xdc, 0x54, 0xb4,
        0x54, 0x17, 0x7f, 0xea, 0x87, 0xd6, 0xb2, 0xf5, 0x1b, 0x77, 0xbb, 0xb1, 0x9a, 0x08, 0xa4,
        0xf2, 0xdd, 0xc6, 0x03, 0x7f, 0x4f, 0xa1, 0xe9, 0xf8, 0xd4, 0x5a, 0x3d, 0x94, 0xb6, 0x16,
        0x5e, 0x4c, 0xd2, 0x07, 0x6d, 0xc5, 0xb8, 0xce, 0x14, 0x7a, 0x0f, 0xe7, 0xf8, 0xd4, 0xba,
        0x8d, 0xbb, 0xdd, 0xd8, 0xcd, 0x04, 0x52, 0x79, 0x6e, 0xe3, 0x01, 0xbf, 0xa7, 0xd0, 0xf4,
        0xfc, 0x6a, 0x2d, 0x1e, 0xca, 0x5b, 0x0b, 0x2f, 0x26, 0x69, 0x03, 0xb6, 0xe2, 0xdc, 0x67,
        0x0a, 0x3d, 0x07, 0xf3, 0xfc, 0x6b, 0x5e, 0xcf, 0xf8, 0xff, 0x00, 0x0a, 0xb3, 0x45, 0x41,
        0x77, 0xfe, 0xa8, 0x7d, 0x6a, 0xa5, 0x14, 0x51, 0x56, 0x6c, 0xff, 0x00, 0x8f, 0xf0, 0xab,
        0x34, 0x54, 0x73, 0xae, 0xf8, 0x98, 0x01, 0x93, 0xd4, 0x55, 0x1a, 0x28, 0xa2, 0xae, 0x5b,
        0x2e, 0xd8, 0xf2, 0x47, 0x53, 0x9a, 0x9a, 0x8a, 0x2a, 0x95, 0xc4, 0x7b, 0x1f, 0x23, 0xee,
        0x9f, 0xd2, 0xaa, 0x49, 0x6b, 0x6f, 0x23, 0x97, 0x92, 0xde, 0x27, 0x63, 0xd4, 0xb2, 0x02,
        0x4d, 0x22, 0xd9, 0xda, 0xab, 0x06, 0x5b, 0x68, 0x43, 0x03, 0x90, 0x42, 0x0c, 0x8a, 0xb5,
        0x14, 0x66, 0x47, 0xc7, 0x6e, 0xe6, 0xaf, 0x01, 0x81, 0x81, 0x4b, 0x45, 0x14, 0x8c, 0x03,
        0x02, 0x08, 0xc8, 0x35, 0x03, 0x5a, 0x82, 0x7e, 0x56, 0xc0, 0xf4, 0xc6, 0x69, 0x05, 0xa8,
        0xcf, 0x2f, 0x91, 0xec, 0x2a, 0x75, 0x55, 0x41, 0x85, 0x18, 0x14, 0xea, 0x28, 0xa2, 0x8a,
        0x28, 0xa2, 0x8a, 0x2b, 0xff, 0xd9,
};
#define FACE_W 64
#define FACE_H 80

void dc_lds_free(struct dc_lds *l)
{
	free(l->com.data);
	free(l->sod.data);
	free(l->card_access.data);
	for (int i = 0; i <= DC_LDS_MAX_DG; i++)
		free(l->dg[i].data);
	memset(l, 0, sizeof *l);
}

int dc_lds_set(struct dc_lds_file *f, const void *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);
	if (!d)
		return DC_ERR_NOMEM;
	memcpy(d, p, n);
	free(f->data);
	f->data = d;
	f->len = n;
	return DC_OK;
}

static int take(struct dc_lds_file *f, struct dc_buf *b)
{
	int rc = dc_buf_error(b);
	if (rc == DC_OK)
		rc = dc_lds_set(f, b->ptr, b->len);
	dc_buf_release(b);
	return rc;
}

static void be(uint8_t *p, uint32_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* ISO/IEC 19794-5 (2005) facial record with one face and no feature points. */
static void face_record(struct dc_buf *b, int gender)
{
	uint8_t h[14], fi[20], ii[12];
	uint32_t block = 20 + 12 + (uint32_t)sizeof face_jpeg;
	memcpy(h,
	       "FAC\0"
	       "010\0",
	       8);
	be(h + 8, 14 + block, 4);
	be(h + 12, 1, 2);
	memset(fi, 0, sizeof fi);
	be(fi, block, 4);
	fi[6] = (uint8_t)gender; /* 0 unspecified, 1 male, 2 female */
	memset(ii, 0, sizeof ii);
	ii[0] = 1; /* full frontal */
	ii[1] = 0; /* JPEG */
	be(ii + 2, FACE_W, 2);
	be(ii + 4, FACE_H, 2);
	ii[6] = 3; /* greyscale */
	ii[7] = 2; /* digital still camera */
	dc_buf_add(b, h, sizeof h);
	dc_buf_add(b, fi, sizeof fi);
	dc_buf_add(b, ii, sizeof ii);
	dc_buf_add(b, face_jpeg, sizeof face_jpeg);
}

static int build_dg2(struct dc_lds_file *f, int gender)
{
	struct dc_buf rec = DC_BUF_INIT, bht = DC_BUF_INIT, bit = DC_BUF_INIT, grp = DC_BUF_INIT,
	              out = DC_BUF_INIT;
	face_record(&rec, gender);
	dc_tlv_put(&bht, 0x80, "\x01\x01", 2); /* ICAO header version */
	dc_tlv_put(&bht, 0x81, "\x02", 1);     /* biometric type: face */
	dc_tlv_put(&bht, 0x87, "\x01\x01", 2); /* format owner: ISO/IEC JTC1 SC37 */
	dc_tlv_put(&bht, 0x88, "\x00\x08", 2); /* format type: face image */
	dc_tlv_put(&bit, 0xA1, bht.ptr, bht.len);
	dc_tlv_put(&bit, 0x5F2E, rec.ptr, rec.len);
	dc_tlv_put(&grp, 0x02, "\x01", 1);
	dc_tlv_put(&grp, 0x7F60, bit.ptr, bit.len);
	struct dc_buf g2 = DC_BUF_INIT;
	dc_tlv_put(&g2, 0x7F61, grp.ptr, grp.len);
	dc_tlv_put(&out, 0x75, g2.ptr, g2.len);
	int err = dc_buf_error(&rec) | dc_buf_error(&bht) | dc_buf_error(&bit) |
	          dc_buf_error(&grp) | dc_buf_error(&g2);
	dc_buf_release(&rec);
	dc_buf_release(&bht);
	dc_buf_release(&bit);
	dc_buf_release(&grp);
	dc_buf_release(&g2);
	if (err)
		dc_buf_release(&out);
	return err ? DC_ERR_NOMEM : take(f, &out);
}

static int printable_field(int i)
{
	return i == 1 || i == 3 || i == 11 || i == 15 || i == 16;
}

static void dg13_names(struct dc_buf *b, int no, const char *a, const char *c)
{
	struct dc_buf in = DC_BUF_INIT, s = DC_BUF_INIT;
	uint8_t n = (uint8_t)no;
	dc_tlv_put(&in, 0x02, &n, 1);
	const char *v[2] = {a, c};
	for (int k = 0; k < 2; k++) {
		if (!v[k] || !*v[k])
			continue;
		dc_buf_reset(&s);
		dc_tlv_put(&s, 0x0C, v[k], strlen(v[k]));
		dc_tlv_put(&in, 0x30, s.ptr, s.len);
	}
	dc_tlv_put(b, 0x30, in.ptr, in.len);
	if (dc_buf_error(&in) || dc_buf_error(&s))
		dc_tlv_put_header(b, 0, (size_t)-1); /* make b's error sticky */
	dc_buf_release(&in);
	dc_buf_release(&s);
}

static int build_dg13(struct dc_lds_file *f, const struct dc_dg13 *d)
{
	struct dc_buf body = DC_BUF_INIT, out = DC_BUF_INIT, one = DC_BUF_INIT;
	for (int i = 1; i <= 16; i++) {
		if (i == 13) {
			if ((d->father && *d->father) || (d->mother && *d->mother))
				dg13_names(&body, 13, d->father, d->mother);
			continue;
		}
		if (i == 14) {
			dg13_names(&body, 14, d->spouse, NULL);
			continue;
		}
		const char *v = d->f[i];
		if (!v || !*v)
			continue;
		uint8_t n = (uint8_t)i;
		dc_buf_reset(&one);
		dc_tlv_put(&one, 0x02, &n, 1);
		dc_tlv_put(&one, printable_field(i) ? 0x13 : 0x0C, v, strlen(v));
		dc_tlv_put(&body, 0x30, one.ptr, one.len);
	}
	dc_tlv_put(&out, 0x6D, body.ptr, body.len);
	int err = dc_buf_error(&body) | dc_buf_error(&one);
	dc_buf_release(&body);
	dc_buf_release(&one);
	if (err)
		dc_buf_release(&out);
	return err ? DC_ERR_NOMEM : take(f, &out);
}

static int build_com(struct dc_lds *l)
{
	struct dc_buf body = DC_BUF_INIT, tags = DC_BUF_INIT, out = DC_BUF_INIT;
	for (int i = 1; i <= DC_LDS_MAX_DG; i++)
		if (l->dg[i].data)
			dc_buf_add(&tags, &dg_tag[i], 1);
	dc_tlv_put(&body, 0x5F01, "0107", 4);
	dc_tlv_put(&body, 0x5F36, "040000", 6);
	dc_tlv_put(&body, 0x5C, tags.ptr ? tags.ptr : "", tags.len);
	dc_tlv_put(&out, 0x60, body.ptr, body.len);
	int err = dc_buf_error(&body) | dc_buf_error(&tags);
	dc_buf_release(&body);
	dc_buf_release(&tags);
	if (err)
		dc_buf_release(&out);
	return err ? DC_ERR_NOMEM : take(&l->com, &out);
}

int dc_lds_build(const struct dc_lds_input *in, struct dc_pki_signer *s, struct dc_lds *l)
{
	char mrz[91];
	size_t n = 0;
	for (const char *p = in->mrz; p && *p; p++) {
		if (*p == '\n' || *p == '\r')
			continue;
		if (n == 90)
			return DC_ERR_INVALID;
		mrz[n++] = *p;
	}
	if (n != 90)
		return DC_ERR_INVALID;
	struct dc_buf b = DC_BUF_INIT;
	/* 61 5D 5F1F 5A <90> */
	dc_tlv_put_header(&b, 0x61, dc_tlv_size(0x5F1F, 90));
	dc_tlv_put(&b, 0x5F1F, mrz, 90);
	int rc = take(&l->dg[1], &b);
	int gender = mrz[37] == 'M' ? 1 : mrz[37] == 'F' ? 2 : 0;
	if (rc == DC_OK && in->photo)
		rc = build_dg2(&l->dg[2], gender);
	if (rc == DC_OK && in->dg13)
		rc = build_dg13(&l->dg[13], in->dg13);
	if (rc == DC_OK && in->keys) {
		rc = dc_chip_keys_dg14(in->keys, in->pace, &b);
		if (rc == DC_OK)
			rc = take(&l->dg[14], &b);
		if (rc == DC_OK)
			rc = dc_chip_keys_dg15(in->keys, &b);
		if (rc == DC_OK)
			rc = take(&l->dg[15], &b);
	}
	if (rc == DC_OK && in->pace) {
		rc = dc_card_access_build(&b);
		if (rc == DC_OK)
			rc = take(&l->card_access, &b);
	}
	dc_buf_release(&b);
	if (rc == DC_OK)
		rc = build_com(l);
	if (rc == DC_OK && s)
		rc = dc_sod_build(l, s);
	return rc;
}

/* --- parsing --- */

/* The value of the outer TLV with tag, which must span exactly n bytes. */
static int outer(const uint8_t *p, size_t n, uint32_t tag, struct dc_tlv *t)
{
	if (dc_tlv_parse(p, n, t) != DC_OK || t->tag != tag)
		return DC_ERR_INVALID;
	return DC_OK;
}

int dc_lds_dg1_mrz(const uint8_t *dg1, size_t n, char *out, size_t outn)
{
	struct dc_tlv t, m;
	if (outer(dg1, n, 0x61, &t) || dc_tlv_find(t.val, t.len, 0x5F1F, &m) != DC_OK ||
	    m.len != 90 || outn < 93)
		return DC_ERR_INVALID;
	for (size_t i = 0; i < 90; i++)
		if (m.val[i] < 0x20 || m.val[i] > 0x7E)
			return DC_ERR_INVALID;
	memcpy(out, m.val, 30);
	out[30] = '\n';
	memcpy(out + 31, m.val + 30, 30);
	out[61] = '\n';
	memcpy(out + 62, m.val + 60, 30);
	out[92] = 0;
	return DC_OK;
}

int dc_lds_dg2_image(const uint8_t *dg2, size_t n, const uint8_t **img, size_t *imgn, int *type)
{
	struct dc_tlv t, g, b, d;
	if (outer(dg2, n, 0x75, &t) || dc_tlv_find(t.val, t.len, 0x7F61, &g) != DC_OK ||
	    dc_tlv_find(g.val, g.len, 0x7F60, &b) != DC_OK)
		return DC_ERR_INVALID;
	if (dc_tlv_find(b.val, b.len, 0x5F2E, &d) != DC_OK &&
	    dc_tlv_find(b.val, b.len, 0x7F2E, &d) != DC_OK)
		return DC_ERR_NOT_FOUND;
	/* header 14 + facial information 20 + feature points + image information 12 */
	if (d.len < 46 || memcmp(d.val, "FAC\0", 4) != 0)
		return DC_ERR_INVALID;
	size_t npts = (size_t)d.val[18] << 8 | d.val[19];
	size_t off = 14 + 20 + 8 * npts;
	if (off + 12 > d.len)
		return DC_ERR_INVALID;
	*type = d.val[off + 1];
	off += 12;
	*img = d.val + off;
	*imgn = d.len - off;
	return DC_OK;
}

static char *str_of(const struct dc_tlv *t, struct dc_pool *pool)
{
	if (t->tag != 0x0C && t->tag != 0x13)
		return NULL;
	return dc_pool_strndup(pool, (const char *)t->val, t->len);
}

static void dg13_walk(const uint8_t *p, size_t n, struct dc_dg13 *out, struct dc_pool *pool,
                      int depth, int *bad)
{
	size_t off = 0;
	struct dc_tlv t;
	int rc;
	while ((rc = dc_tlv_next(p, n, &off, &t)) == 1) {
		struct dc_tlv a, v;
		size_t o2 = 0;
		if (t.tag == 0x30 && dc_tlv_next(t.val, t.len, &o2, &a) == 1 && a.tag == 0x02 &&
		    a.len == 1 && a.val[0] >= 1 && a.val[0] <= 16) {
			int no = a.val[0];
			if (no == 13 || no == 14) {
				const char **dst[2] = {no == 13 ? &out->father : &out->spouse,
				                       no == 13 ? &out->mother : NULL};
				int k = 0;
				while (k < 2 && dc_tlv_next(t.val, t.len, &o2, &v) == 1) {
					struct dc_tlv s;
					if (v.tag == 0x30 &&
					    dc_tlv_parse(v.val, v.len, &s) == DC_OK && dst[k])
						*dst[k] = str_of(&s, pool);
					else if (dst[k])
						*dst[k] = str_of(&v, pool);
					k++;
				}
			} else if (dc_tlv_next(t.val, t.len, &o2, &v) == 1) {
				out->f[no] = str_of(&v, pool);
			}
		} else if (t.constructed && depth < 8) {
			dg13_walk(t.val, t.len, out, pool, depth + 1, bad);
		}
	}
	if (rc < 0)
		*bad = 1;
}

int dc_lds_dg13_parse(const uint8_t *p, size_t n, struct dc_dg13 *out, struct dc_pool *pool)
{
	struct dc_tlv t;
	memset(out, 0, sizeof *out);
	if (outer(p, n, 0x6D, &t))
		return DC_ERR_INVALID;
	int bad = 0;
	dg13_walk(t.val, t.len, out, pool, 0, &bad);
	return bad ? DC_ERR_INVALID : DC_OK;
}

int dc_lds_com_dgs(const uint8_t *p, size_t n, uint32_t *mask)
{
	struct dc_tlv t, l;
	*mask = 0;
	if (outer(p, n, 0x60, &t) || dc_tlv_find(t.val, t.len, 0x5C, &l) != DC_OK)
		return DC_ERR_INVALID;
	for (size_t i = 0; i < l.len; i++)
		for (int k = 1; k <= DC_LDS_MAX_DG; k++)
			if (dg_tag[k] == l.val[i])
				*mask |= 1u << k;
	return DC_OK;
}
