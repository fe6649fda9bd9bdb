/* Known-answer tests for src/card/chipauth.c, pace.c and ecp.c: the ICAO
 * 9303 Part 11 Appendix G.1 PACE example (ECDH generic mapping,
 * brainpoolP256r1, AES-128) step by step; chip authentication and active
 * authentication with the vectors of gmrtd's tests from real passports
 * (TestChipAuthAT, TestDoActiveAuth; domain notes icao9303.md §4.6–4.7);
 * our own DG14/DG15 round trip and SecurityInfos parsing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "card/ec_internal.h"
#include "dancu/chip.h"
#include "lib/testlib.h"
#include "unit/card/chiptest.h"

static void test_pace_g1(void **st)
{
	(void)st;
	uint8_t kpi[16], z[16], s[16], iv[16] = {0};
	dc__pace_kpi("T22000129364081251010318", 24, kpi);
	assert_hex(kpi, 16, "89DED1B26624EC1E634C1989302849DD");
	unhex("95A3A016522EE98D01E76CB6B98B42C3", z, 16);
	assert_int_equal(dc_aes128_cbc(kpi, iv, 0, z, 16, s), DC_OK);
	assert_hex(s, 16, "3F00C4D39D153F2B2A214A078D899B22");

	EC_GROUP *g = dc__ec_group_std(13);
	assert_non_null(g);
	uint8_t sk[32], pt[DC__EC_PT_MAX], b[200];
	size_t n;
	/* mapping: PK_map,IFD = SK_map,IFD·G; Ĝ = s·G + SK_map,IFD·PK_map,IC */
	unhex("7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99", sk, 32);
	BIGNUM *skmap = dc__ec_scalar(g, sk, 32);
	EC_POINT *p = EC_POINT_new(g);
	assert_int_equal(EC_POINT_mul(g, p, skmap, NULL, NULL, NULL), 1);
	n = dc__ec_point_encode(g, p, pt);
	assert_hex(
	        pt, n,
	        "047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E544552DCB67252"
	        "18799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D");
	EC_POINT *pic = NULL;
	n = unhex(
	        "04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F5730D8C879AAA9C9F7"
	        "3991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54",
	        b, sizeof b);
	assert_int_equal(dc__ec_point_decode(g, b, n, &pic), DC_OK);
	EC_GROUP *m = dc__pace_map(g, s, skmap, pic);
	assert_non_null(m);
	n = dc__ec_point_encode(m, EC_GROUP_get0_generator(m), pt);
	assert_hex(
	        pt, n,
	        "048CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E28C879506743F86"
	        "11AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522");
	/* key agreement on Ĝ */
	unhex("A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595", sk, 32);
	BIGNUM *skifd = dc__ec_scalar(m, sk, 32);
	EC_POINT *pifd = EC_POINT_new(m);
	assert_int_equal(EC_POINT_mul(m, pifd, skifd, NULL, NULL, NULL), 1);
	uint8_t pkifd[DC__EC_PT_MAX];
	size_t pkifdn = dc__ec_point_encode(m, pifd, pkifd);
	assert_hex(
	        pkifd, pkifdn,
	        "042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C3556F3B3B186DF"
	        "10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462");
	uint8_t pkic[DC__EC_PT_MAX];
	size_t pkicn = unhex(
	        "049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB7764B22277A2"
	        "EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094",
	        pkic, sizeof pkic);
	EC_POINT *eic = NULL;
	assert_int_equal(dc__ec_point_decode(m, pkic, pkicn, &eic), DC_OK);
	uint8_t k[66];
	size_t kn = 0;
	assert_int_equal(dc__ec_shared_x(m, skifd, eic, k, &kn), DC_OK);
	assert_hex(k, kn, "28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925");
	struct dc_sm sm;
	dc__sm_from_secret(k, kn, &sm);
	assert_hex(sm.ksenc, 16, "F5F0E35C0D7161EE6724EE513A0D9A7F");
	assert_hex(sm.ksmac, 16, "FE251C7858B356B24514B3BD5F4297D1");
	uint8_t t[8];
	assert_int_equal(dc__pace_token(sm.ksmac, dc__oid_pace_ecdh_gm_aes128, 10, pkic, pkicn, t),
	                 DC_OK);
	assert_hex(t, 8, "C2B0BD78D94BA866");
	assert_int_equal(
	        dc__pace_token(sm.ksmac, dc__oid_pace_ecdh_gm_aes128, 10, pkifd, pkifdn, t), DC_OK);
	assert_hex(t, 8, "3ABB9674BCE93C08");
	/* a point not on the curve is refused */
	pkic[40] ^= 1;
	EC_POINT *bad = NULL;
	assert_int_equal(dc__ec_point_decode(m, pkic, pkicn, &bad), DC_ERR_VERIFY);
	/* EF.CardAccess of the example */
	struct dc_secinfos si;
	n = unhex("31143012060A04007F0007020204020202010202010D", b, sizeof b);
	assert_int_equal(dc_secinfos_parse(b, n, &si), DC_OK);
	assert_int_equal(si.pace, 1);
	assert_int_equal(si.pace_param, 13);
	EC_POINT_free(eic);
	EC_POINT_free(pifd);
	EC_POINT_free(pic);
	EC_POINT_free(p);
	BN_free(skifd);
	BN_free(skmap);
	EC_GROUP_free(m);
	EC_GROUP_free(g);
}

static const char *AT_DG14 =
        "6E82017E3182017A300D060804007F0007020202020101300F060A04007F000702020302020201013012060A"
        "04007F0007020204020202010202010D30820142060904007F000702020102308201333081EC06072A8648CE"
        "3D02013081E0020101302C06072A8648CE3D0101022100A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D5"
        "2620282013481D1F6E5377304404207D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F3"
        "30B5D9042026DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B60441048BD2AEB9"
        "CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262547EF835C3DAC4FD97F8461A14611DC9"
        "C27745132DED8E545C1D54C72F046997022100A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F790"
        "1E0E82974856A7020101034200041983917269AC877C0B61544C2C022000D2A5ABA723E2D80141E648B40911"
        "DC3459761F27480E4B57181A53D8FE1190EA86C939AC14363178CAFFC621F0F905C3";

static void test_ca_at(void **st)
{
	(void)st;
	uint8_t dg14[512], sk[32], eph[DC__EC_PT_MAX], k[66];
	size_t n = unhex(AT_DG14, dg14, sizeof dg14), ephn = 0, kn = 0;
	struct dc_secinfos si;
	assert_int_equal(dc_secinfos_parse(dg14, n, &si), DC_OK);
	assert_non_null(si.ca_spki);
	assert_int_equal(si.ca_cipher, 2);
	assert_int_equal(si.pace, 1);
	unhex("80EBAFC8A51BECD4D90BB640EE38C9FD5C12748D28AAA37096B98C4533C4F5F5", sk, 32);
	assert_int_equal(dc__ca_terminal(si.ca_spki, si.ca_spki_len, sk, 32, eph, &ephn, k, &kn),
	                 DC_OK);
	assert_hex(
	        eph, ephn,
	        "044827C781BE1AC7A00B351214FD783AC76D99E831A6316C8FD6DE7BD96CFA31DA06B6B57BA38078"
	        "9729F4A028212A768C49BF5F97D98B1DB12BEEC1A1CD324FB2");
	assert_hex(k, kn, "0346C3CA1A64F5CD62B61D7591020283089496A53DB2BB5E900D386E92F4686D");
	struct dc_sm sm;
	dc__sm_from_secret(k, kn, &sm);
	assert_hex(sm.ksenc, 16, "C8E27260EFD3F318D18C080CBF11C7E6");
	assert_hex(sm.ksmac, 16, "A942190365204A21409EB28B52BF9160");
	/* malformed SecurityInfos */
	assert_int_equal(dc_secinfos_parse(dg14, 3, &si), DC_ERR_INVALID);
	assert_int_equal(dc_secinfos_parse((const uint8_t *)"\x30\x00", 2, &si), DC_ERR_INVALID);
}

static const char *AA_DG15 =
        "6F8201023081FF300D06092A864886F70D01010105000381ED003081E90281E100BB8F93F4DC95E205CDA17C"
        "6927AB1E365B13065D03CD12E0FCE95D96840529453202F56CC4C13F77CD062930C8BC89A2873B257045C286"
        "E601CF3C09323A53103314902804AA10A314628CE222206A8866946A36B442041BB54AC81E6855DD1D6E1610"
        "1833D65A191C20AC8B33B8A1A32920F46043F8031CF2BC17417030865FC5BE5A39DEE423BCBA3CA8177168EB"
        "23CFE01BA43EC87711B1CFFF85DB46F300DD8AE317B50D543B573E119E23AF7070D0B2FED6A3B2313A5EC02A"
        "531AAED1741F4390D1013E2A0F081EAC5DC8B0A1B2C6BDB1206F08D30E3643E1E5BDF536110203010001";
static const char *AA_SIG =
        "474256306840c0ab1b63c10e1c26bdfef4a0dd843920283cc4e6e70a60f2bd25dc7725f9677bc1cde66379dc"
        "28b38e8490f33afb2d10f9980c44c0bfc175d2b6684218f535c92fdd3e18db770a9ccbf91db3c7f0138e6d9e"
        "94b9bc8371761e3abed5e5e9b260279cfb238b58ae0d6a01da51c74c2a3ecd62c448bd9f20127f7384587287"
        "fa971204234e55b1a856c3e5aaaa620bb799a68fbae08ee132bb61683eba9b0b40dc1e54641cad975b16991c"
        "ab50af82e3f3985afd19e7427a125f5b4b9878b12a5d2e01c7eedca3bb41c6fc05dccd818bce379d04b1f2f5"
        "d43487d3";

static void test_aa_rsa(void **st)
{
	(void)st;
	uint8_t dg15[400], sig[300], rnd[8];
	char why[160];
	size_t n = unhex(AA_DG15, dg15, sizeof dg15), sn = unhex(AA_SIG, sig, sizeof sig);
	unhex("96302b0f3d7e7864", rnd, 8);
	assert_int_equal(dc_aa_verify(dg15, n, NULL, rnd, 8, sig, sn, why, sizeof why), DC_OK);
	rnd[0] ^= 1; /* another challenge */
	assert_int_equal(dc_aa_verify(dg15, n, NULL, rnd, 8, sig, sn, why, sizeof why),
	                 DC_ERR_VERIFY);
	rnd[0] ^= 1;
	sig[10] ^= 1;
	assert_int_equal(dc_aa_verify(dg15, n, NULL, rnd, 8, sig, sn, why, sizeof why),
	                 DC_ERR_VERIFY);
	assert_int_equal(dc_aa_verify(dg15, 10, NULL, rnd, 8, sig, sn, why, sizeof why),
	                 DC_ERR_INVALID);
}

/* Our own keys: DG14/DG15 parse back; AA signs and verifies; CA agrees on
 * both sides; the key file is 0600 and reloads. */
static void test_own_keys(void **st)
{
	(void)st;
	struct dc_chip_keys *k = NULL, *k2 = NULL;
	char dir[256], path[300];
	assert_int_equal(dc_chip_keys_generate(&k), DC_OK);
	struct dc_buf d14 = DC_BUF_INIT, d15 = DC_BUF_INIT;
	assert_int_equal(dc_chip_keys_dg14(k, true, &d14), DC_OK);
	assert_int_equal(dc_chip_keys_dg15(k, &d15), DC_OK);
	struct dc_secinfos si;
	assert_int_equal(dc_secinfos_parse((uint8_t *)d14.ptr, d14.len, &si), DC_OK);
	assert_non_null(si.ca_spki);
	assert_int_equal(si.ca_cipher, 2);
	assert_string_equal(si.aa_hash, "sha256");
	assert_int_equal(si.pace, 1);
	assert_int_equal(si.pace_param, 12);
	uint8_t chal[8] = {1, 2, 3, 4, 5, 6, 7, 8}, sig[140];
	size_t sn = 0;
	char why[160];
	assert_int_equal(dc__aa_sign(dc__chip_keys_aa(k), chal, 8, sig, &sn), DC_OK);
	assert_int_equal(sn, 64);
	assert_int_equal(dc_aa_verify((uint8_t *)d15.ptr, d15.len, si.aa_hash, chal, 8, sig, sn,
	                              why, sizeof why),
	                 DC_OK);
	sig[63] ^= 1;
	assert_int_equal(dc_aa_verify((uint8_t *)d15.ptr, d15.len, si.aa_hash, chal, 8, sig, sn,
	                              why, sizeof why),
	                 DC_ERR_VERIFY);
	/* regression: a plain r‖s whose r starts with 30 (1 in 256) is not DER */
	int tries = 0;
	do {
		chal[0] = (uint8_t)tries;
		chal[1] = (uint8_t)(tries >> 8);
		assert_int_equal(dc__aa_sign(dc__chip_keys_aa(k), chal, 8, sig, &sn), DC_OK);
	} while (sig[0] != 0x30 && ++tries < 20000);
	assert_int_equal(sig[0], 0x30);
	assert_int_equal(dc_aa_verify((uint8_t *)d15.ptr, d15.len, si.aa_hash, chal, 8, sig, sn,
	                              why, sizeof why),
	                 DC_OK);
	uint8_t eph[DC__EC_PT_MAX], k1[66], kc[66];
	size_t en = 0, k1n = 0, kcn = 0;
	assert_int_equal(dc__ca_terminal(si.ca_spki, si.ca_spki_len, NULL, 0, eph, &en, k1, &k1n),
	                 DC_OK);
	assert_int_equal(dc__ca_chip(dc__chip_keys_ca(k), eph, en, kc, &kcn), DC_OK);
	assert_int_equal(k1n, 32);
	assert_memory_equal(k1, kc, 32);
	eph[5] ^= 1;
	assert_int_equal(dc__ca_chip(dc__chip_keys_ca(k), eph, en, kc, &kcn), DC_ERR_VERIFY);
	/* the key file */
	dc_test_tmpdir(dir, sizeof dir);
	assert_int_equal(dc_chip_keys_for_card(dir, 7, &k2), DC_OK);
	snprintf(path, sizeof path, "%s/chips/7.pem", dir);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	struct dc_buf a = DC_BUF_INIT, b = DC_BUF_INIT;
	dc_chip_keys_dg15(k2, &a);
	dc_chip_keys_free(k2);
	assert_int_equal(dc_chip_keys_for_card(dir, 7, &k2), DC_OK); /* the same keys again */
	dc_chip_keys_dg15(k2, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.ptr, b.ptr, a.len);
	chmod(path, 0644);
	dc_chip_keys_free(k2);
	k2 = NULL;
	assert_int_not_equal(dc_chip_keys_for_card(dir, 7, &k2), DC_OK);
	dc_buf_release(&a);
	dc_buf_release(&b);
	dc_buf_release(&d14);
	dc_buf_release(&d15);
	dc_chip_keys_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_pace_g1),
	        cmocka_unit_test(test_ca_at),
	        cmocka_unit_test(test_aa_rsa),
	        cmocka_unit_test(test_own_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
