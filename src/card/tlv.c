/*
 * tlv.c — BER-TLV reading and writing (see dancu/tlv.h).
 */
#include "dancu/tlv.h"

#include "dancu/error.h"

#define TLV_MAX_LEN 0xFFFFFFu

int dc_tlv_parse(const uint8_t *p, size_t n, struct dc_tlv *t)
{
	size_t i = 0;
	if (!p || n == 0)
		return DC_ERR_INVALID;
	uint32_t tag = p[i++];
	t->constructed = (tag & 0x20) != 0;
	if ((tag & 0x1F) == 0x1F) {
		/* subsequent bytes while bit 8 is set; at most two more */
		for (int k = 0;; k++) {
			if (k == 2 || i >= n)
				return DC_ERR_INVALID;
			tag = (tag << 8) | p[i];
			if (!(p[i++] & 0x80))
				break;
		}
	}
	if (i >= n)
		return DC_ERR_INVALID;
	size_t len = p[i++];
	if (len & 0x80) {
		size_t nb = len & 0x7F;
		if (nb == 0 || nb > 3 || n - i < nb)
			return DC_ERR_INVALID;
		len = 0;
		for (size_t k = 0; k < nb; k++)
			len = (len << 8) | p[i++];
	}
	if (len > TLV_MAX_LEN || len > n - i)
		return DC_ERR_INVALID;
	t->tag = tag;
	t->val = p + i;
	t->len = len;
	t->size = i + len;
	return DC_OK;
}

int dc_tlv_next(const uint8_t *p, size_t n, size_t *off, struct dc_tlv *t)
{
	if (*off >= n)
		return 0;
	/* trailing 00 or FF filler (ISO 7816-4 §5.2.2) ends the list */
	size_t k = *off;
	while (k < n && (p[k] == 0x00 || p[k] == 0xFF))
		k++;
	if (k == n)
		return 0;
	int rc = dc_tlv_parse(p + *off, n - *off, t);
	if (rc != DC_OK)
		return rc;
	*off += t->size;
	return 1;
}

int dc_tlv_find(const uint8_t *p, size_t n, uint32_t tag, struct dc_tlv *t)
{
	size_t off = 0;
	int rc;
	while ((rc = dc_tlv_next(p, n, &off, t)) == 1)
		if (t->tag == tag)
			return DC_OK;
	return rc == 0 ? DC_ERR_NOT_FOUND : rc;
}

static size_t tag_bytes(uint32_t tag)
{
	return tag > 0xFFFF ? 3 : tag > 0xFF ? 2 : 1;
}

static size_t len_bytes(size_t len)
{
	return len < 0x80 ? 1 : len <= 0xFF ? 2 : len <= 0xFFFF ? 3 : 4;
}

size_t dc_tlv_size(uint32_t tag, size_t len)
{
	return tag_bytes(tag) + len_bytes(len) + len;
}

int dc_tlv_put_header(struct dc_buf *b, uint32_t tag, size_t len)
{
	uint8_t h[8];
	size_t i = 0;
	if (len > TLV_MAX_LEN) {
		if (!b->err)
			b->err = DC_ERR_TOO_LARGE;
		return b->err;
	}
	for (size_t k = tag_bytes(tag); k > 0; k--)
		h[i++] = (uint8_t)(tag >> (8 * (k - 1)));
	size_t lb = len_bytes(len);
	if (lb > 1)
		h[i++] = (uint8_t)(0x80 | (lb - 1));
	for (size_t k = lb > 1 ? lb - 1 : 1; k > 0; k--)
		h[i++] = (uint8_t)(len >> (8 * (k - 1)));
	return dc_buf_add(b, h, i);
}

int dc_tlv_put(struct dc_buf *b, uint32_t tag, const void *v, size_t n)
{
	dc_tlv_put_header(b, tag, n);
	return dc_buf_add(b, v, n);
}
