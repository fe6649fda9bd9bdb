/* Tests for src/card/bac.c and src/card/sm.c against the ICAO 9303 Part 11
 * Appendix D worked example (D.2 keys, D.3 mutual authentication, D.4 three
 * protected APDUs and their responses), the TD1 specimen and the synthetic
 * Vietnamese MRZ S1 (domain notes icao9303.md §1.5, §2.5), a wrong BAC key,
 * and tampered SM traffic. */
#include <string.h>

#include "dancu/bac.h"
#include "lib/testlib.h"
#include "unit/card/chiptest.h"

static void test_keys(void **st)
{
	struct dc_bac_keys k;
	dc_bac_keys_from_mrz_info("L898902C<369080619406236", 24, &k);
	assert_hex(k.kenc, 16, "AB94FDECF2674FDFB9B391F85D7F76F2");
	assert_hex(k.kmac, 16, "7962D9ECE03D1ACD4C76089DCE131543");
	char info[25];
	assert_int_equal(dc_bac_mrz_info("I<UTOD231458907<<<<<<<<<<<<<<<\n"
	                                 "7408122F1204159UTO<<<<<<<<<<<6\n"
	                                 "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
	                                 info),
	                 DC_OK);
	assert_string_equal(info, "D23145890774081221204159");
	dc_bac_keys_from_mrz_info(info, 24, &k);
	assert_hex(k.kenc, 16, "A72CD30E7376204FBAE59443E5C2E00B");
	assert_hex(k.kmac, 16, "208CC8377CEFD07949A2F40BFB31386D");
	assert_int_equal(
	        dc_bac_mrz_info("IDVNM1990123456001199012345<<79903159F3903157VNM<<<<<<<<<<<8"
	                        "NGUYEN<<THI<MAU<<<<<<<<<<<<<<<",
	                        info),
	        DC_OK);
	assert_string_equal(info, "199012345699031593903157");
	dc_bac_keys_from_mrz_info(info, 24, &k);
	assert_hex(k.kenc, 16, "80973DE575E9BCAE3713A74F570DE954");
	assert_hex(k.kmac, 16, "F22FAEA20BDC048970D340168C38A70B");
	assert_int_equal(dc_bac_mrz_info("short", info), DC_ERR_INVALID);
}

static void test_appendix_d3(void **st)
{
	struct dc_bac_keys k;
	uint8_t rnd_ic[8], rnd_ifd[8], k_ifd[16], k_ic[16], cmd[40], resp[40];
	dc_bac_keys_from_mrz_info("L898902C<369080619406236", 24, &k);
	unhex("4608F91988702212", rnd_ic, 8);
	unhex("781723860C06C226", rnd_ifd, 8);
	unhex("0B795240CB7049B01C19B33E32804F0B", k_ifd, 16);
	unhex("0B4F80323EB3191CB04970CB4052790B", k_ic, 16);
	assert_int_equal(dc_bac_ifd_auth(&k, rnd_ic, rnd_ifd, k_ifd, cmd), DC_OK);
	assert_hex(
	        cmd, 40,
	        "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A7");
	/* our chip side gives the ICAO response */
	struct dc_sm ic, ifd;
	assert_int_equal(dc_bac_ic_answer(&k, rnd_ic, k_ic, cmd, resp, &ic), DC_OK);
	assert_hex(
	        resp, 40,
	        "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449");
	assert_int_equal(dc_bac_ifd_finish(&k, rnd_ic, rnd_ifd, k_ifd, resp, &ifd), DC_OK);
	assert_hex(ifd.ksenc, 16, "979EC13B1CBFE9DCD01AB0FED307EAE5");
	assert_hex(ifd.ksmac, 16, "F1CB1F1FB5ADF208806B89DC579DC1F8");
	assert_hex(ifd.ssc, 8, "887022120C06C226");
	assert_memory_equal(&ic, &ifd, sizeof ic);
	/* a wrong BAC key (another MRZ): the chip refuses, and so does the terminal */
	struct dc_bac_keys bad;
	dc_bac_keys_from_mrz_info("L898902C<369080619406237", 24, &bad);
	uint8_t cmd2[40];
	dc_bac_ifd_auth(&bad, rnd_ic, rnd_ifd, k_ifd, cmd2);
	assert_int_equal(dc_bac_ic_answer(&k, rnd_ic, k_ic, cmd2, resp, &ic), DC_ERR_VERIFY);
	assert_int_equal(dc_bac_ifd_finish(&bad, rnd_ic, rnd_ifd, k_ifd, resp, &ifd),
	                 DC_ERR_VERIFY);
	/* a replayed answer to another challenge */
	uint8_t other[8];
	unhex("4608F91988702213", other, 8);
	dc_bac_ic_answer(&k, rnd_ic, k_ic, cmd, resp, &ic);
	assert_int_equal(dc_bac_ifd_finish(&k, other, rnd_ifd, k_ifd, resp, &ifd), DC_ERR_VERIFY);
	assert_int_equal(dc_bac_ic_answer(&k, other, k_ic, cmd, resp, &ic), DC_ERR_VERIFY);
}

static struct dc_sm d4_session(void)
{
	struct dc_sm sm;
	memset(&sm, 0, sizeof sm);
	unhex("979EC13B1CBFE9DCD01AB0FED307EAE5", sm.ksenc, 16);
	unhex("F1CB1F1FB5ADF208806B89DC579DC1F8", sm.ksmac, 16);
	unhex("887022120C06C226", sm.ssc, 8);
	return sm;
}

static void test_appendix_d4(void **st)
{
	struct dc_sm ifd = d4_session(), ic = d4_session();
	struct dc_buf out = DC_BUF_INIT, plain = DC_BUF_INIT, r = DC_BUF_INIT;
	static const struct {
		const char *cmd, *prot, *resp_data, *rapdu;
	} v[] = {
	        {"00A4020C02011E", "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800", "",
	         "990290008E08FA855A5D4C50A8ED9000"},
	        {"00B0000004", "0CB000000D9701048E08ED6705417E96BA5500", "60145F01",
	         "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"},
	        {"00B0000412", "0CB000040D9701128E082EA28A70F3C7B53500",
	         "04303130365F36063034303030305C026175",
	         "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D7"
	         "49000"},
	};
	for (size_t i = 0; i < 3; i++) {
		uint8_t a[300], rd[300], ra[300];
		size_t an = unhex(v[i].cmd, a, sizeof a);
		size_t rdn = unhex(v[i].resp_data, rd, sizeof rd);
		size_t ran = unhex(v[i].rapdu, ra, sizeof ra);
		assert_int_equal(dc_sm_wrap(&ifd, a, an, &out), DC_OK);
		assert_hex(out.ptr, out.len, v[i].prot);
		/* chip side: unwrap to the plain command, answer with the ICAO response */
		assert_int_equal(dc_sm_unwrap_cmd(&ic, (uint8_t *)out.ptr, out.len, &plain), DC_OK);
		assert_hex(plain.ptr, plain.len, v[i].cmd);
		assert_int_equal(dc_sm_wrap_resp(&ic, rd, rdn, 0x9000, &r), DC_OK);
		assert_hex(r.ptr, r.len, v[i].rapdu);
		assert_int_equal(dc_sm_unwrap(&ifd, ra, ran, &plain), DC_OK);
		assert_int_equal(plain.len, rdn + 2);
		assert_memory_equal(plain.ptr, rd, rdn);
		assert_hex(plain.ptr + rdn, 2, "9000");
	}
	dc_buf_release(&out);
	dc_buf_release(&plain);
	dc_buf_release(&r);
}

static void test_tampered(void **st)
{
	struct dc_sm ifd = d4_session(), ic = d4_session();
	struct dc_buf out = DC_BUF_INIT, plain = DC_BUF_INIT;
	uint8_t a[16];
	size_t an = unhex("00B0000004", a, sizeof a);
	dc_sm_wrap(&ifd, a, an, &out);
	out.ptr[8] ^= 1; /* inside DO'8E' */
	assert_int_equal(dc_sm_unwrap_cmd(&ic, (uint8_t *)out.ptr, out.len, &plain), DC_ERR_VERIFY);
	/* response: a flipped byte in the cryptogram; a replay (SSC moved on) */
	ifd = d4_session();
	ifd.ssc[7] = 0x29; /* the response is MACed under SSC …2A */
	uint8_t ra[64];
	size_t ran = unhex("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000", ra, sizeof ra);
	ra[4] ^= 1;
	assert_int_equal(dc_sm_unwrap(&ifd, ra, ran, &plain), DC_ERR_VERIFY);
	ra[4] ^= 1;
	ifd.ssc[7] = 0x29;
	assert_int_equal(dc_sm_unwrap(&ifd, ra, ran, &plain), DC_OK);
	assert_int_equal(dc_sm_unwrap(&ifd, ra, ran, &plain), DC_ERR_VERIFY); /* SSC is 2B now */
	/* a plain error status: the session is gone */
	assert_int_equal(dc_sm_unwrap(&ifd, (const uint8_t *)"\x69\x88", 2, &plain), DC_ERR_AUTH);
	assert_hex(plain.ptr, plain.len, "6988");
	/* garbage */
	assert_int_equal(dc_sm_unwrap(&ifd, (const uint8_t *)"\x87\xFF\x90\x00", 4, &plain),
	                 DC_ERR_VERIFY);
	assert_int_equal(
	        dc_sm_unwrap_cmd(&ic, (const uint8_t *)"\x0C\xB0\x00\x00\x01\x00", 6, &plain),
	        DC_ERR_VERIFY);
	assert_int_equal(dc_sm_wrap(&ifd, a, 3, &out), DC_ERR_INVALID);
	dc_buf_release(&out);
	dc_buf_release(&plain);
}

static struct dc_sm aes_session(const char *enc, const char *mac, const char *ssc)
{
	struct dc_sm sm;
	memset(&sm, 0, sizeof sm);
	sm.aes = 1;
	unhex(enc, sm.ksenc, 16);
	unhex(mac, sm.ksmac, 16);
	unhex(ssc, sm.ssc, 16);
	return sm;
}

/* One protected exchange: the terminal's wrap of plain must be want_c; the
 * chip unwraps it back; the chip's answer rapdu unwraps to want_plain. */
static void aes_exchange(struct dc_sm *ifd, struct dc_sm *ic, const char *plain, const char *want_c,
                         const char *rapdu, const char *want_plain)
{
	struct dc_buf out = DC_BUF_INIT, back = DC_BUF_INIT;
	uint8_t a[300], r[300];
	size_t an = unhex(plain, a, sizeof a), rn = unhex(rapdu, r, sizeof r);
	assert_int_equal(dc_sm_wrap(ifd, a, an, &out), DC_OK);
	assert_hex(out.ptr, out.len, want_c);
	assert_int_equal(dc_sm_unwrap_cmd(ic, (uint8_t *)out.ptr, out.len, &back), DC_OK);
	assert_hex(back.ptr, back.len, plain);
	assert_int_equal(dc_sm_unwrap(ifd, r, rn, &back), DC_OK);
	assert_hex(back.ptr, back.len, want_plain);
	*ic = *ifd; /* the chip counted its own response too */
	dc_buf_release(&out);
	dc_buf_release(&back);
}

/* AES-128 secure messaging: the SELECT right after the ICAO App. G.1 PACE
 * (SSC 0), and the chip authentication session of gmrtd's TestChipAuthAT
 * (a real passport): MSE:Set AT and GENERAL AUTHENTICATE under the old
 * keys, then a SELECT under the new keys with the SSC reset. */
static void test_aes_sm(void **st)
{
	(void)st;
	struct dc_sm ifd = aes_session("F5F0E35C0D7161EE6724EE513A0D9A7F",
	                               "FE251C7858B356B24514B3BD5F4297D1", "00");
	struct dc_sm ic = ifd;
	aes_exchange(&ifd, &ic, "00A4040C07A0000002471001",
	             "0CA4040C1D871101752F676B09FAC86A87D632749A49C7CC8E08C18BA1FCE707BD9F00",
	             "990290008E08BEA7B381C494A0799000", "9000");
	ifd = aes_session("524170DE3419B7AF2F23E45AD6EF9595", "97893F5FDC29A5C13A924FE7D8ED44FD",
	                  "000000000000000000000000000000F0");
	ic = ifd;
	aes_exchange(&ifd, &ic, "002241A40C800A04007F00070202030202",
	             "0C2241A41D8711015D8F69B1EA365CCE4304970DB12421F38E085340D338128085E700",
	             "990290008E083F5136E82A6C34779000", "9000");
	aes_exchange(
	        &ifd, &ic,
	        "00860000457C438041044827C781BE1AC7A00B351214FD783AC76D99E831A6316C8FD6DE7BD9"
	        "6CFA31DA06B6B57BA380789729F4A028212A768C49BF5F97D98B1DB12BEEC1A1CD324FB200",
	        "0C860000608751019E18F1BA79D805379752BB560EB70AAC3CE3BC5AFE2FDD4AEB325CA8B578B4A"
	        "93B9F66A5DF40005F8E878535251D33DD974AAF77FB858773E5799FA9DC1034E89B1150EC7F0BB3"
	        "DB4BF37A1B9EA4458A9701008E089D204D950C0B95DB00",
	        "8711010B0A5DFFC7432DE4DEB604291377A05B990290008E08B3384A1F5D1579739000",
	        "7C009000");
	/* the new keys from K (KDF counters 1 and 2, SHA-1, no parity) */
	uint8_t k[32], enc[16], mac[16];
	unhex("0346C3CA1A64F5CD62B61D7591020283089496A53DB2BB5E900D386E92F4686D", k, 32);
	dc_kdf_aes128(k, 32, 1, enc);
	dc_kdf_aes128(k, 32, 2, mac);
	assert_hex(enc, 16, "C8E27260EFD3F318D18C080CBF11C7E6");
	assert_hex(mac, 16, "A942190365204A21409EB28B52BF9160");
	ifd = aes_session("C8E27260EFD3F318D18C080CBF11C7E6", "A942190365204A21409EB28B52BF9160",
	                  "00");
	ic = ifd;
	aes_exchange(&ifd, &ic, "00A4020C02010E",
	             "0CA4020C1D8711011B2EE500E84960DF7F37AFE7ADFF53838E084500F3B43E192A5700",
	             "990290008E0803C4B125B4218CEF9000", "9000");
	/* a flipped MAC byte is refused */
	uint8_t r[16];
	size_t rn = unhex("990290008E0803C4B125B4218CEF9000", r, sizeof r);
	struct dc_buf b = DC_BUF_INIT;
	ifd.ssc[15] = 0x01;
	r[8] ^= 1;
	assert_int_equal(dc_sm_unwrap(&ifd, r, rn, &b), DC_ERR_VERIFY);
	dc_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_keys),        cmocka_unit_test(test_appendix_d3),
	        cmocka_unit_test(test_appendix_d4), cmocka_unit_test(test_tampered),
	        cmocka_unit_test(test_aes_sm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
