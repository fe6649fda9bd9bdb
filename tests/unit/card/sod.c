/* Tests for src/card/lds.c and src/card/sod.c: LDS build → SOD → passive
 * authentication round trip; each failure with its own reason (a flipped
 * byte in DG1, DG2, DG13, a DG the SOD does not cover, a broken signature,
 * an expired DS, a revoked DS, a DS from an untrusted CSCA); the BSI 2008
 * sample (data we did not produce: ecdsa-with-SHA1, explicit EC parameters)
 * passes signature and hashes; DG1/DG2/DG13 parse back, including the
 * domain notes' DG13 long-form vector. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dancu/lds.h"
#include "dancu/pki.h"
#include "lib/testlib.h"
#include "unit/card/chiptest.h"

static const char *MRZ = "IDVNM1990123456001199012345<<7\n9903159F3903157VNM<<<<<<<<<<<8\n"
                         "NGUYEN<<THI<MAU<<<<<<<<<<<<<<<";

static struct dc_dg13 sample13(void)
{
	struct dc_dg13 d;
	memset(&d, 0, sizeof d);
	d.f[1] = "001199012345";
	d.f[2] = "Nguyễn Thị Mẫu";
	d.f[3] = "15/03/1999";
	d.f[4] = "Nữ";
	d.f[5] = "Việt Nam";
	d.f[6] = "Kinh";
	d.f[7] = "Không";
	d.f[9] = "Số 99, ngõ 999, đường Dữ Liệu Mẫu, tổ dân phố Kiểm Thử, Phường Ba Đình, "
	         "Thành phố Hà Nội (địa chỉ giả lập dùng cho kiểm thử)";
	d.f[11] = "10/05/2021";
	d.f[12] = "15/03/2039";
	d.father = "Nguyễn Văn B";
	d.mother = "Trần Thị C";
	return d;
}

struct fx {
	char dir[256], other[256];
	struct dc_pki_trust *trust;
};

static int setup(void **st)
{
	static struct fx f;
	char why[160], p[512];
	dc_test_tmpdir(f.dir, sizeof f.dir);
	dc_test_tmpdir(f.other, sizeof f.other);
	time_t now = time(NULL);
	assert_int_equal(dc_pki_init(f.dir, NULL, why), DC_OK);
	assert_int_equal(dc_pki_ds_new(f.dir, "good", NULL, why), DC_OK);
	assert_int_equal(dc_pki_ds_new(f.dir, "old",
	                               &(struct dc_pki_opts){.not_before = now - 3 * 365 * 86400,
	                                                     .not_after = now - 86400},
	                               why),
	                 DC_OK);
	assert_int_equal(dc_pki_ds_new(f.dir, "gone", NULL, why), DC_OK);
	assert_int_equal(dc_pki_init(f.other, &(struct dc_pki_opts){.country = "ZZ"}, why), DC_OK);
	assert_int_equal(dc_pki_ds_new(f.other, "foreign", NULL, why), DC_OK);
	snprintf(p, sizeof p, "%s/trust", f.dir);
	assert_int_equal(dc_pki_trust_load(p, &f.trust, why), DC_OK);
	*st = &f;
	return 0;
}

static int teardown(void **st)
{
	struct fx *f = *st;
	dc_pki_trust_free(f->trust);
	return 0;
}

static void build(const char *dir, const char *ds, struct dc_lds *l)
{
	char why[160];
	struct dc_pki_signer *s = NULL;
	assert_int_equal(dc_pki_signer_load_ds(dir, ds, &s, why), DC_OK);
	struct dc_dg13 d = sample13();
	struct dc_lds_input in = {MRZ, true, &d, NULL, false};
	memset(l, 0, sizeof *l);
	assert_int_equal(dc_lds_build(&in, s, l), DC_OK);
	dc_pki_signer_free(s);
}

static void expect(const struct dc_lds *l, const struct dc_pki_trust *t, enum dc_pa_reason want,
                   int bad_dg)
{
	struct dc_pa_result r;
	assert_int_equal(dc_pa_verify(l, t, 0, &r), DC_OK);
	if (r.reason != want)
		fprintf(stderr, "got %s (%s), want %s\n", dc_pa_reason_name(r.reason), r.detail,
		        dc_pa_reason_name(want));
	assert_int_equal(r.reason, want);
	assert_int_equal(r.bad_dg, bad_dg);
}

static void test_round_trip(void **st)
{
	struct fx *f = *st;
	struct dc_lds l;
	build(f->dir, "good", &l);
	/* DG1 as ICAO and the domain notes give it */
	assert_hex(l.dg[1].data, 5, "615D5F1F5A");
	assert_int_equal(l.dg[1].len, 95);
	uint32_t mask;
	assert_int_equal(dc_lds_com_dgs(l.com.data, l.com.len, &mask), DC_OK);
	assert_int_equal(mask, (1u << 1) | (1u << 2) | (1u << 13));
	struct dc_pa_result r;
	assert_int_equal(dc_pa_verify(&l, f->trust, 0, &r), DC_OK);
	assert_int_equal(r.reason, DC_PA_OK);
	assert_int_equal(r.sod_ok, 1);
	assert_int_equal(r.signature_ok, 1);
	assert_int_equal(r.chain_ok, 1);
	assert_int_equal(r.hashes_ok, 1);
	assert_true(r.crl_checked);
	assert_string_equal(r.hash_alg, "sha256");
	assert_non_null(strstr(r.ds_subject, "DS good"));
	struct dc_buf b = DC_BUF_INIT;
	dc_pa_result_json(&r, &b);
	assert_non_null(strstr(dc_buf_str(&b), "\"passed\":true"));
	dc_buf_release(&b);
	/* without a trust list the chain is not checked */
	assert_int_equal(dc_pa_verify(&l, NULL, 0, &r), DC_OK);
	assert_int_equal(r.reason, DC_PA_OK);
	assert_int_equal(r.chain_ok, -1);
	/* parse back */
	char mrz[93];
	assert_int_equal(dc_lds_dg1_mrz(l.dg[1].data, l.dg[1].len, mrz, sizeof mrz), DC_OK);
	assert_string_equal(mrz, MRZ);
	const uint8_t *img;
	size_t imgn;
	int type;
	assert_int_equal(dc_lds_dg2_image(l.dg[2].data, l.dg[2].len, &img, &imgn, &type), DC_OK);
	assert_int_equal(type, 0);
	assert_hex(img, 3, "FFD8FF");
	struct dc_pool pool;
	dc_pool_init(&pool, 0);
	struct dc_dg13 d, want = sample13();
	assert_int_equal(dc_lds_dg13_parse(l.dg[13].data, l.dg[13].len, &d, &pool), DC_OK);
	for (int i = 1; i <= 16; i++)
		if (want.f[i])
			assert_string_equal(d.f[i], want.f[i]);
	assert_string_equal(d.father, "Nguyễn Văn B");
	assert_string_equal(d.mother, "Trần Thị C");
	assert_null(d.spouse);
	dc_pool_release(&pool);
	dc_lds_free(&l);
}

static void test_tampered(void **st)
{
	struct fx *f = *st;
	struct dc_lds l;
	build(f->dir, "good", &l);
	int dgs[] = {1, 2, 13};
	for (size_t i = 0; i < 3; i++) {
		struct dc_lds_file *g = &l.dg[dgs[i]];
		g->data[g->len - 1] ^= 0x01;
		expect(&l, f->trust, DC_PA_DG_HASH, dgs[i]);
		g->data[g->len - 1] ^= 0x01;
	}
	expect(&l, f->trust, DC_PA_OK, 0);
	/* a DG the SOD does not cover */
	assert_int_equal(dc_lds_set(&l.dg[15], "\x6F\x00", 2), DC_OK);
	expect(&l, f->trust, DC_PA_DG_NOT_IN_SOD, 15);
	free(l.dg[15].data);
	l.dg[15].data = NULL;
	/* the signature (last byte of the SOD is inside the ECDSA signature) */
	l.sod.data[l.sod.len - 2] ^= 0x01;
	expect(&l, f->trust, DC_PA_SIGNATURE, 0);
	/* truncated SOD */
	l.sod.len -= 10;
	expect(&l, f->trust, DC_PA_SOD_MALFORMED, 0);
	dc_lds_free(&l);
}

static void test_bad_ds(void **st)
{
	struct fx *f = *st;
	char why[160], p[512];
	struct dc_lds l;
	build(f->dir, "old", &l);
	expect(&l, f->trust, DC_PA_DS_EXPIRED, 0);
	struct dc_pa_result r;
	dc_pa_verify(&l, f->trust, 0, &r);
	assert_int_equal(r.signature_ok, 1);
	assert_int_equal(r.hashes_ok, 1);
	assert_int_equal(r.chain_ok, 0);
	dc_lds_free(&l);
	/* untrusted CSCA */
	build(f->other, "foreign", &l);
	expect(&l, f->trust, DC_PA_DS_UNTRUSTED, 0);
	dc_lds_free(&l);
	/* revoked: signed, then revoked, then the verifier loads the new CRL */
	build(f->dir, "gone", &l);
	expect(&l, f->trust, DC_PA_OK, 0);
	assert_int_equal(dc_pki_ds_revoke(f->dir, "gone", why), DC_OK);
	struct dc_pki_trust *t2 = NULL;
	snprintf(p, sizeof p, "%s/trust", f->dir);
	assert_int_equal(dc_pki_trust_load(p, &t2, why), DC_OK);
	expect(&l, t2, DC_PA_DS_REVOKED, 0);
	dc_pki_trust_free(t2);
	dc_lds_free(&l);
}

static int load(const char *name, struct dc_lds_file *f)
{
	char p[256];
	snprintf(p, sizeof p, "tests/data/icao/bsi2008/%s", name);
	FILE *fp = fopen(p, "rb");
	if (!fp)
		return -1;
	uint8_t buf[65536];
	size_t n = fread(buf, 1, sizeof buf, fp);
	fclose(fp);
	return dc_lds_set(f, buf, n);
}

static void test_bsi2008(void **st)
{
	struct fx *f = *st;
	struct dc_lds l;
	memset(&l, 0, sizeof l);
	assert_int_equal(load("EF_SOD.bin", &l.sod), 0);
	assert_int_equal(load("EF_COM.bin", &l.com), 0);
	assert_int_equal(load("Datagroup1.bin", &l.dg[1]), 0);
	assert_int_equal(load("Datagroup2.bin", &l.dg[2]), 0);
	assert_int_equal(load("Datagroup3.bin", &l.dg[3]), 0);
	assert_int_equal(load("Datagroup14.bin", &l.dg[14]), 0);
	struct dc_pa_result r;
	assert_int_equal(dc_pa_verify(&l, NULL, 0, &r), DC_OK);
	if (r.reason)
		fprintf(stderr, "bsi2008: %s %s\n", dc_pa_reason_name(r.reason), r.detail);
	assert_int_equal(r.reason, DC_PA_OK);
	assert_int_equal(r.signature_ok, 1);
	assert_int_equal(r.hashes_ok, 1);
	assert_string_equal(r.hash_alg, "sha1");
	/* no CSCA ships with it: our trust list does not vouch for it */
	assert_int_equal(dc_pa_verify(&l, f->trust, 0, &r), DC_OK);
	assert_int_equal(r.reason, DC_PA_DS_UNTRUSTED);
	assert_int_equal(r.signature_ok, 1);
	assert_int_equal(r.hashes_ok, 1);
	/* EF.COM lists DG1, DG2, DG3, DG14 */
	uint32_t mask;
	assert_int_equal(dc_lds_com_dgs(l.com.data, l.com.len, &mask), DC_OK);
	assert_int_equal(mask, (1u << 1) | (1u << 2) | (1u << 3) | (1u << 14));
	/* DG15 is not covered by its SOD */
	assert_int_equal(load("Datagroup15.bin", &l.dg[15]), 0);
	expect(&l, NULL, DC_PA_DG_NOT_IN_SOD, 15);
	/* DG2 holds a JPEG2000 image */
	const uint8_t *img;
	size_t imgn;
	int type;
	assert_int_equal(dc_lds_dg2_image(l.dg[2].data, l.dg[2].len, &img, &imgn, &type), DC_OK);
	assert_int_equal(type, 1);
	dc_lds_free(&l);
}

static void test_dg13_vectors(void **st)
{
	/* records from the domain notes §5.4, wrapped in 6D */
	uint8_t b[512];
	size_t n = unhex("6D 3A"
	                 "30 11 02 01 01 13 0C 30 30 31 30 39 39 30 31 32 33 34 35"
	                 "30 08 02 01 04 0C 03 4E 61 6D"
	                 "30 12 02 01 0E 30 0D 0C 0B 4C C3 AA 20 54 68 E1 BB 8B 20 44"
	                 "30 03 02 01 0E",
	                 b, sizeof b);
	b[1] = (uint8_t)(n - 2);
	struct dc_pool pool;
	dc_pool_init(&pool, 0);
	struct dc_dg13 d;
	assert_int_equal(dc_lds_dg13_parse(b, n, &d, &pool), DC_OK);
	assert_string_equal(d.f[1], "001099012345");
	assert_string_equal(d.f[4], "Nam");
	assert_string_equal(d.spouse, "Lê Thị D");
	b[n - 4] = 0x20; /* inner length past the end */
	assert_int_equal(dc_lds_dg13_parse(b, n, &d, &pool), DC_ERR_INVALID);
	dc_pool_release(&pool);
	/* our own encoding of field 9 is the long form of the notes: 30 81 B1 … 0C 81 AB */
	struct dc_dg13 s = sample13();
	struct dc_lds l;
	memset(&l, 0, sizeof l);
	struct dc_lds_input in = {MRZ, false, &s, NULL, false};
	assert_int_equal(dc_lds_build(&in, NULL, &l), DC_OK);
	assert_null(l.dg[2].data);
	assert_null(l.sod.data);
	const uint8_t *p =
	        memmem(l.dg[13].data, l.dg[13].len, "\x30\x81\xB1\x02\x01\x09\x0C\x81\xAB", 9);
	assert_non_null(p);
	dc_lds_free(&l);
	in.mrz = "TOO SHORT";
	assert_int_equal(dc_lds_build(&in, NULL, &l), DC_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_round_trip),   cmocka_unit_test(test_tampered),
	        cmocka_unit_test(test_bad_ds),       cmocka_unit_test(test_bsi2008),
	        cmocka_unit_test(test_dg13_vectors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
