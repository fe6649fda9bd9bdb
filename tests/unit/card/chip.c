/* Tests for src/card/softchip.c and src/card/reader.c: the reader reads a
 * software chip (SELECT, BAC, SM reads) and passive authentication passes on
 * what it read; a wrong BAC key is refused as bac_failed; the chip refuses
 * reads without BAC; a man in the middle flipping a response byte is caught
 * by SM; status words for bad commands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/bac.h"
#include "dancu/chip.h"
#include "dancu/pki.h"
#include "lib/testlib.h"
#include "unit/card/chiptest.h"

static const char *MRZ = "IDVNM1990123456001199012345<<7\n9903159F3903157VNM<<<<<<<<<<<8\n"
                         "NGUYEN<<THI<MAU<<<<<<<<<<<<<<<";

struct fx {
	char dir[256];
	struct dc_lds l, lk; /* lk: with DG14/DG15 and EF.CardAccess (PACE) */
	struct dc_chip_keys *keys, *other;
	struct dc_pki_signer *s;
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
	assert_int_equal(dc_chip_keys_generate(&f.keys), DC_OK);
	assert_int_equal(dc_chip_keys_generate(&f.other), DC_OK);
	struct dc_lds_input ink = {MRZ, true, &d, f.keys, true};
	assert_int_equal(dc_lds_build(&ink, s, &f.lk), DC_OK);
	f.s = s;
	snprintf(p, sizeof p, "%s/trust", f.dir);
	assert_int_equal(dc_pki_trust_load(p, &f.trust, why), DC_OK);
	*st = &f;
	return 0;
}

static int teardown(void **st)
{
	struct fx *f = *st;
	dc_lds_free(&f->l);
	dc_lds_free(&f->lk);
	dc_chip_keys_free(f->keys);
	dc_chip_keys_free(f->other);
	dc_pki_signer_free(f->s);
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
	assert_string_equal(r.access, "bac"); /* an older chip: no PACE, no DG14/DG15 */
	assert_int_equal(r.pace, -1);
	assert_int_equal(r.ca, -1);
	assert_int_equal(r.aa, -1);
	assert_string_equal(r.sm, "3des");
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

/* A chip with its keys and PACE: the reader uses PACE, SM goes AES, chip
 * and active authentication pass, passive authentication covers DG14/15. */
static void test_pace_ca_aa(void **st)
{
	struct fx *f = *st;
	struct dc_softchip *c;
	assert_int_equal(dc_softchip_new(&f->lk, MRZ, &c), DC_OK);
	assert_int_equal(dc_softchip_set_keys(c, f->keys), DC_OK);
	struct dc_chip_transport t = dc_softchip_transport(c);
	struct dc_lds got;
	memset(&got, 0, sizeof got);
	struct dc_read_result r;
	assert_int_equal(dc_chip_read(&t, MRZ, &got, &r), DC_OK);
	assert_string_equal(r.access, "pace");
	assert_int_equal(r.pace, 1);
	assert_string_equal(r.sm, "aes128");
	assert_int_equal(r.ca, 1);
	assert_int_equal(r.aa, 1);
	same(&got.dg[14], &f->lk.dg[14]);
	same(&got.dg[15], &f->lk.dg[15]);
	same(&got.dg[2], &f->lk.dg[2]);
	same(&got.card_access, &f->lk.card_access);
	struct dc_pa_result pa;
	dc_pa_verify(&got, f->trust, 0, &pa);
	assert_int_equal(pa.reason, DC_PA_OK);
	dc_lds_free(&got);
	/* the same card read over BAC when the chip offers no PACE */
	struct dc_lds nopace = f->lk;
	nopace.card_access.data = NULL;
	struct dc_softchip *c2;
	assert_int_equal(dc_softchip_new(&nopace, MRZ, &c2), DC_OK);
	assert_int_equal(dc_softchip_set_keys(c2, f->keys), DC_OK);
	struct dc_chip_transport t2 = dc_softchip_transport(c2);
	assert_int_equal(dc_chip_read(&t2, MRZ, &got, &r), DC_OK);
	assert_string_equal(r.access, "bac");
	assert_int_equal(r.pace, 0); /* DG14 says the chip offers PACE: a downgrade */
	assert_non_null(strstr(r.pace_detail, "downgrade"));
	assert_string_equal(r.sm, "aes128"); /* chip authentication switched to AES */
	assert_int_equal(r.ca, 1);
	assert_int_equal(r.aa, 1);
	dc_lds_free(&got);
	/* a wrong PACE password (another birth date) */
	const char *other = "IDVNM1990123456001199012345<<7\n9903160F3903157VNM<<<<<<<<<<<7\n"
	                    "NGUYEN<<THI<MAU<<<<<<<<<<<<<<<";
	assert_int_equal(dc_chip_read(&t, other, &got, &r), DC_ERR_AUTH);
	assert_int_equal(r.status, DC_READ_PACE_FAILED);
	assert_string_equal(dc_read_status_name(r.status), "pace_failed");
	assert_int_equal(r.pace, 0);
	assert_null(got.dg[1].data);
	dc_lds_free(&got);
	/* and the right one works again afterwards */
	assert_int_equal(dc_chip_read(&t, MRZ, &got, &r), DC_OK);
	dc_lds_free(&got);
	dc_softchip_free(c2);
	dc_softchip_free(c);
}

/* A chip that refuses PACE at the first GENERAL AUTHENTICATE (as field
 * cards that want the CAN do): the reader falls back to BAC. */
struct refuse_pace {
	struct dc_chip_transport inner;
};

static int refuse_tx(void *ctx, const uint8_t *a, size_t n, uint8_t *r, size_t *rn)
{
	struct refuse_pace *p = ctx;
	if (n > 2 && a[0] == 0x10 && a[1] == 0x86) {
		r[0] = 0x69;
		r[1] = 0x82;
		*rn = 2;
		return DC_OK;
	}
	return p->inner.transmit(p->inner.ctx, a, n, r, rn);
}

static void test_pace_fallback(void **st)
{
	struct fx *f = *st;
	struct dc_softchip *c;
	assert_int_equal(dc_softchip_new(&f->lk, MRZ, &c), DC_OK);
	assert_int_equal(dc_softchip_set_keys(c, f->keys), DC_OK);
	struct refuse_pace p = {dc_softchip_transport(c)};
	struct dc_chip_transport t = {&p, refuse_tx};
	struct dc_lds got;
	memset(&got, 0, sizeof got);
	struct dc_read_result r;
	assert_int_equal(dc_chip_read(&t, MRZ, &got, &r), DC_OK);
	assert_string_equal(r.access, "bac");
	assert_int_equal(r.pace, 0);
	assert_non_null(strstr(r.pace_detail, "6982"));
	assert_non_null(strstr(r.pace_detail, "then BAC"));
	assert_int_equal(r.ca, 1);
	assert_int_equal(r.aa, 1);
	assert_string_equal(r.sm, "aes128");
	dc_lds_free(&got);
	dc_softchip_free(c);
}

/* PACE with the card access number; a wrong CAN falls back to BAC with
 * the MRZ; a chip without a CAN refuses password 02 and BAC follows. */
static void test_pace_can(void **st)
{
	struct fx *f = *st;
	struct dc_softchip *c;
	assert_int_equal(dc_softchip_new(&f->lk, MRZ, &c), DC_OK);
	assert_int_equal(dc_softchip_set_keys(c, f->keys), DC_OK);
	struct dc_chip_transport t = dc_softchip_transport(c);
	struct dc_lds got;
	memset(&got, 0, sizeof got);
	struct dc_read_result r;
	struct dc_chip_read_opts o = {NULL, "123456"};
	/* no CAN on this chip yet */
	assert_int_equal(dc_chip_read_ex(&t, MRZ, &o, &got, &r), DC_OK);
	assert_string_equal(r.access, "bac");
	assert_int_equal(r.pace, 0);
	dc_lds_free(&got);
	assert_int_equal(dc_softchip_set_can(c, "12a"), DC_ERR_INVALID);
	assert_int_equal(dc_softchip_set_can(c, "123456"), DC_OK);
	assert_int_equal(dc_chip_read_ex(&t, MRZ, &o, &got, &r), DC_OK);
	assert_string_equal(r.access, "pace");
	assert_int_equal(r.pace, 1);
	assert_int_equal(r.ca, 1);
	assert_int_equal(r.aa, 1);
	dc_lds_free(&got);
	o.can = "654321";
	assert_int_equal(dc_chip_read_ex(&t, MRZ, &o, &got, &r), DC_OK);
	assert_string_equal(r.access, "bac");
	assert_int_equal(r.pace, 0);
	assert_non_null(strstr(r.pace_detail, "then BAC"));
	dc_lds_free(&got);
	/* the MRZ password still works on a chip with a CAN */
	assert_int_equal(dc_chip_read(&t, MRZ, &got, &r), DC_OK);
	assert_string_equal(r.access, "pace");
	dc_lds_free(&got);
	dc_softchip_free(c);
}

/* A clone: the files of the card (so passive authentication passes) on a
 * chip without its private keys. Chip authentication fails (its own
 * reason), and with the CA key right but the AA key wrong, AA fails. */
static void test_clone(void **st)
{
	struct fx *f = *st;
	struct dc_softchip *c;
	struct dc_lds got;
	struct dc_read_result r;
	memset(&got, 0, sizeof got);
	assert_int_equal(dc_softchip_new(&f->lk, MRZ, &c), DC_OK);
	assert_int_equal(dc_softchip_set_keys(c, f->other), DC_OK);
	struct dc_chip_transport t = dc_softchip_transport(c);
	assert_int_equal(dc_chip_read(&t, MRZ, &got, &r), DC_ERR_VERIFY);
	assert_int_equal(r.status, DC_READ_CA_FAILED);
	assert_string_equal(dc_read_status_name(r.status), "chip_auth_failed");
	assert_int_equal(r.ca, 0);
	dc_lds_free(&got);
	dc_softchip_free(c);
	/* DG14 rewritten to the clone's CA key: CA passes, PA names DG14, AA fails */
	struct dc_lds forged;
	memset(&forged, 0, sizeof forged);
	struct dc_buf b = DC_BUF_INIT;
	dc_chip_keys_dg14(f->other, true, &b);
	forged = f->lk;
	struct dc_lds_file d14 = {(uint8_t *)b.ptr, b.len};
	forged.dg[14] = d14;
	assert_int_equal(dc_softchip_new(&forged, MRZ, &c), DC_OK);
	assert_int_equal(dc_softchip_set_keys(c, f->other), DC_OK);
	t = dc_softchip_transport(c);
	assert_int_equal(dc_chip_read(&t, MRZ, &got, &r), DC_OK);
	assert_int_equal(r.ca, 1);
	assert_int_equal(r.aa, 0);
	assert_non_null(strstr(r.aa_detail, "does not verify"));
	struct dc_pa_result pa;
	dc_pa_verify(&got, f->trust, 0, &pa);
	assert_int_equal(pa.reason, DC_PA_DG_HASH);
	assert_int_equal(pa.bad_dg, 14);
	dc_lds_free(&got);
	dc_softchip_free(c);
	/* DG15 rewritten to the clone's AA key: AA passes, PA names DG15 */
	dc_buf_reset(&b);
	dc_chip_keys_dg15(f->other, &b);
	forged = f->lk;
	struct dc_lds_file d15 = {(uint8_t *)b.ptr, b.len};
	forged.dg[15] = d15;
	assert_int_equal(dc_softchip_new(&forged, MRZ, &c), DC_OK);
	assert_int_equal(dc_softchip_set_keys(c, f->keys), DC_OK);
	/* the chip holds the card's real keys: its AA signature no longer fits DG15 */
	t = dc_softchip_transport(c);
	assert_int_equal(dc_chip_read(&t, MRZ, &got, &r), DC_OK);
	assert_int_equal(r.aa, 0);
	dc_pa_verify(&got, f->trust, 0, &pa);
	assert_int_equal(pa.reason, DC_PA_DG_HASH);
	assert_int_equal(pa.bad_dg, 15);
	dc_lds_free(&got);
	dc_softchip_free(c);
	dc_buf_release(&b);
}

/* The reader's PACE against the ICAO App. G.1 transcript, byte for byte,
 * with the example's ephemeral keys. */
struct replay {
	const char *const *pairs;
	int i, bad;
};

static int replay_tx(void *ctx, const uint8_t *a, size_t n, uint8_t *r, size_t *rn)
{
	struct replay *p = ctx;
	uint8_t want[300];
	if (!p->pairs[2 * p->i])
		return DC_ERR_IO;
	size_t wn = unhex(p->pairs[2 * p->i], want, sizeof want);
	if (wn != n || memcmp(want, a, n) != 0)
		p->bad = p->i + 1;
	*rn = unhex(p->pairs[2 * p->i + 1], r, *rn);
	p->i++;
	return DC_OK;
}

int dc__pace_terminal(const struct dc_chip_transport *t, const char *info, int param,
                      int send_param, const uint8_t *sk_map, const uint8_t *sk_eph,
                      struct dc_sm *sm, int *apdus, char *why, size_t whyn);

static void test_pace_g1_replay(void **st)
{
	(void)st;
	static const char *const g1[] = {
	        "0022C1A40F800A04007F00070202040202830101",
	        "9000",
	        "10860000027C0000",
	        "7C12801095A3A016522EE98D01E76CB6B98B42C39000",
	        "10860000457C438141047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC"
	        "5E544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D00",
	        "7C43824104824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F5730D8C879"
	        "AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C549000",
	        "10860000457C438341042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD30"
	        "1C3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB3646200",
	        "7C438441049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB7764B222"
	        "77A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F0949000",
	        "008600000C7C0A8508C2B0BD78D94BA86600",
	        "7C0A86083ABB9674BCE93C089000",
	        NULL,
	        NULL,
	};
	struct replay p = {g1, 0, 0};
	struct dc_chip_transport t = {&p, replay_tx};
	uint8_t skm[32], ske[32];
	unhex("7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99", skm, 32);
	unhex("A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595", ske, 32);
	struct dc_sm sm;
	int apdus = 0;
	char why[160];
	assert_int_equal(dc__pace_terminal(&t, "T22000129364081251010318", 13, 0, skm, ske, &sm,
	                                   &apdus, why, sizeof why),
	                 DC_OK);
	assert_int_equal(p.bad, 0);
	assert_int_equal(apdus, 5);
	assert_hex(sm.ksenc, 16, "F5F0E35C0D7161EE6724EE513A0D9A7F");
	assert_int_equal(sm.aes, 1);
	/* a chip that refuses the mapping: PACE fails (no fallback to BAC then) */
	static const char *const bad[] = {
	        "0022C1A40F800A04007F00070202040202830101",
	        "9000",
	        "10860000027C0000",
	        "7C12801095A3A016522EE98D01E76CB6B98B42C39000",
	        "10860000457C438141047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC"
	        "5E544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D00",
	        "6A80",
	        NULL,
	        NULL,
	};
	struct replay q = {bad, 0, 0};
	t.ctx = &q;
	assert_int_equal(dc__pace_terminal(&t, "T22000129364081251010318", 13, 0, skm, ske, &sm,
	                                   &apdus, why, sizeof why),
	                 DC_ERR_AUTH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_read_verify),    cmocka_unit_test(test_wrong_key),
	        cmocka_unit_test(test_status_words),   cmocka_unit_test(test_mitm),
	        cmocka_unit_test(test_pace_ca_aa),     cmocka_unit_test(test_clone),
	        cmocka_unit_test(test_pace_g1_replay), cmocka_unit_test(test_pace_fallback),
	        cmocka_unit_test(test_pace_can),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
