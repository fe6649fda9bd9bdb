/* Tests for src/card/softchip.c and src/card/reader.c: the reader reads a
 * software chip (SELECT, BAC, SM reads) and passive authentication passes on
 * what it read; a wrong BAC key is refused as bac_failed; the chip refuses
 * reads without BAC; a man in the middle flipping a response byte is caught
 * by SM; status words for bad commands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/chip.h"
#include "dancu/pki.h"
#include "lib/testlib.h"
#include "unit/card/chiptest.h"

static const char *MRZ = "IDVNM1990123456001199012345<<7\n9903159F3903157VNM<<<<<<<<<<<8\n"
                         "NGUYEN<<THI<MAU<<<<<<<<<<<<<<<";

struct fx {
	char dir[256];
	struct dc_lds l;
	struct dc_pki_trust *trust;
};

static int setup(void **st)
{
	static struct fx f;
	char why[160], p[300];
	dc_test_tmpdir(f.dir, sizeof f.dir);
	assert_int_equal(dc_pki_init(f.dir, NULL, why), DC_OK);
	assert_int_equal(dc_pki_ds_new(f.dir, "ds1", NULL, why), DC_OK);
	struct dc_pki_signer *s;
	assert_int_equal(dc_pki_signer_load(f.dir, &s, why), DC_OK);
	struct dc_dg13 d;
	memset(&d, 0, sizeof d);
	d.f[1] = "001199012345";
	d.f[2] = "Nguyễn Thị Mẫu";
	struct dc_lds_input in = {MRZ, true, &d, NULL, false};
	assert_int_equal(dc_lds_build(&in, s, &f.l), DC_OK);
	dc_pki_signer_free(s);
	snprintf(p, sizeof p, "%s/trust", f.dir);
	assert_int_equal(dc_pki_trust_load(p, &f.trust, why), DC_OK);
	*st = &f;
	return 0;
}

static int teardown(void **st)
{
	struct fx *f = *st;
	dc_lds_free(&f->l);
	dc_pki_trust_free(f->trust);
	return 0;
}

static void same(const struct dc_lds_file *a, const struct dc_lds_file *b)
{
	assert_int_equal(a->len, b->len);
	assert_memory_equal(a->data, b->data, a->len);
}

static void test_read_verify(void **st)
{
	struct fx *f = *st;
	struct dc_softchip *c;
	assert_int_equal(dc_softchip_new(&f->l, MRZ, &c), DC_OK);
	struct dc_chip_transport t = dc_softchip_transport(c);
	struct dc_lds got;
	memset(&got, 0, sizeof got);
	struct dc_read_result r;
	/* the reader needs only the first two MRZ lines for BAC, but takes all three */
	assert_int_equal(dc_chip_read(&t, MRZ, &got, &r), DC_OK);
	assert_int_equal(r.status, DC_READ_OK);
	same(&got.com, &f->l.com);
	same(&got.sod, &f->l.sod);
	same(&got.dg[1], &f->l.dg[1]);
	same(&got.dg[2], &f->l.dg[2]); /* > 0xDF bytes: several READ BINARYs */
	same(&got.dg[13], &f->l.dg[13]);
	assert_true(r.apdus > 10);
	struct dc_pa_result pa;
	dc_pa_verify(&got, f->trust, 0, &pa);
	assert_int_equal(pa.reason, DC_PA_OK);
	assert_int_equal(pa.chain_ok, 1);
	dc_lds_free(&got);
	/* a second session on the same chip works */
	assert_int_equal(dc_chip_read(&t, MRZ, &got, &r), DC_OK);
	dc_lds_free(&got);
	dc_softchip_free(c);
}

static void test_wrong_key(void **st)
{
	struct fx *f = *st;
	struct dc_softchip *c;
	assert_int_equal(dc_softchip_new(&f->l, MRZ, &c), DC_OK);
	struct dc_chip_transport t = dc_softchip_transport(c);
	struct dc_lds got;
	memset(&got, 0, sizeof got);
	struct dc_read_result r;
	/* the same card number with another birth date (check digits kept valid) */
	const char *other = "IDVNM1990123456001199012345<<7\n9903160F3903157VNM<<<<<<<<<<<7\n"
	                    "NGUYEN<<THI<MAU<<<<<<<<<<<<<<<";
	assert_int_equal(dc_chip_read(&t, other, &got, &r), DC_ERR_AUTH);
	assert_int_equal(r.status, DC_READ_BAC_FAILED);
	assert_string_equal(dc_read_status_name(r.status), "bac_failed");
	assert_null(got.sod.data);
	assert_int_equal(dc_chip_read(&t, "not an MRZ", &got, &r), DC_ERR_AUTH);
	dc_lds_free(&got);
	dc_softchip_free(c);
}

static int tx(struct dc_chip_transport *t, const char *hex, uint8_t *r, size_t *rn)
{
	uint8_t a[300];
	size_t n = unhex(hex, a, sizeof a);
	*rn = 300;
	assert_int_equal(t->transmit(t->ctx, a, n, r, rn), DC_OK);
	return r[*rn - 2] << 8 | r[*rn - 1];
}

static void test_status_words(void **st)
{
	struct fx *f = *st;
	struct dc_softchip *c;
	assert_int_equal(dc_softchip_new(&f->l, MRZ, &c), DC_OK);
	struct dc_chip_transport t = dc_softchip_transport(c);
	uint8_t r[300];
	size_t rn;
	assert_int_equal(tx(&t, "00A4020C02011E", r, &rn), 0x6A82); /* no application yet */
	assert_int_equal(tx(&t, "00A4040C07A0000002471001", r, &rn), 0x9000);
	assert_int_equal(tx(&t, "00A4020C02011E", r, &rn), 0x6982); /* no BAC */
	assert_int_equal(tx(&t, "00B0000004", r, &rn), 0x6982);
	assert_int_equal(tx(&t, "00B0810004", r, &rn), 0x6982);
	assert_int_equal(tx(&t,
	                    "0082000028"
	                    "0000000000000000000000000000000000000000"
	                    "0000000000000000000000000000000000000000"
	                    "28",
	                    r, &rn),
	                 0x6985); /* no challenge */
	assert_int_equal(tx(&t, "0084000008", r, &rn), 0x9000);
	assert_int_equal(rn, 10);
	assert_int_equal(tx(&t,
	                    "0082000028"
	                    "0000000000000000000000000000000000000000"
	                    "0000000000000000000000000000000000000000"
	                    "28",
	                    r, &rn),
	                 0x6300);                               /* wrong key */
	assert_int_equal(tx(&t, "0CB0000004", r, &rn), 0x6988); /* SM without a session */
	assert_int_equal(tx(&t, "00CA000000", r, &rn), 0x6D00);
	assert_int_equal(tx(&t, "80A4040C00", r, &rn), 0x6E00);
	assert_int_equal(tx(&t, "00A4", r, &rn), 0x6700);
	dc_softchip_free(c);
}

struct mitm {
	struct dc_chip_transport inner;
	int n, flip_at;
};

static int mitm_tx(void *ctx, const uint8_t *a, size_t n, uint8_t *r, size_t *rn)
{
	struct mitm *m = ctx;
	int rc = m->inner.transmit(m->inner.ctx, a, n, r, rn);
	if (m->n++ == m->flip_at && *rn > 4)
		r[1] ^= 0x40;
	return rc;
}

static void test_mitm(void **st)
{
	struct fx *f = *st;
	struct dc_softchip *c;
	assert_int_equal(dc_softchip_new(&f->l, MRZ, &c), DC_OK);
	struct mitm m = {dc_softchip_transport(c), 0, 6}; /* a READ BINARY response */
	struct dc_chip_transport t = {&m, mitm_tx};
	struct dc_lds got;
	memset(&got, 0, sizeof got);
	struct dc_read_result r;
	assert_int_equal(dc_chip_read(&t, MRZ, &got, &r), DC_ERR_VERIFY);
	assert_int_equal(r.status, DC_READ_SM_ERROR);
	dc_lds_free(&got);
	/* a flipped BAC answer is a BAC failure */
	m.n = 0;
	m.flip_at = 2;
	assert_int_equal(dc_chip_read(&t, MRZ, &got, &r), DC_ERR_AUTH);
	dc_lds_free(&got);
	dc_softchip_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_read_verify),
	        cmocka_unit_test(test_wrong_key),
	        cmocka_unit_test(test_status_words),
	        cmocka_unit_test(test_mitm),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
