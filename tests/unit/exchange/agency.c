/* Tests for src/exchange/agency.c and service.c: subscription and
 * write-permission lists, list membership, the webhook signature (against
 * an HMAC-SHA256 computed by Python's hmac module, written here by hand),
 * the catalogue's linked procedures and the dossier states. */
#include <stdio.h>
#include <string.h>

#include "dancu/exchange.h"
#include "dancu/services.h"
#include "lib/testlib.h"

static void test_fields(void **state)
{
	(void)state;
	assert_true(dc_agency_fields_valid("*"));
	assert_true(dc_agency_fields_valid("status"));
	assert_true(dc_agency_fields_valid("birth_name,status,perm_commune,attr.bhyt_number"));
	assert_false(dc_agency_fields_valid(""));
	assert_false(dc_agency_fields_valid("salary"));
	assert_false(dc_agency_fields_valid("status,"));
	assert_false(dc_agency_fields_valid(",status"));
	assert_false(dc_agency_fields_valid("attr."));
	assert_false(dc_agency_fields_valid("attr.Bad"));
	assert_false(dc_agency_fields_valid("status,*"));
	assert_false(dc_agency_fields_valid(NULL));
	char big[DC_AGENCY_LIST_MAX + 8];
	memset(big, 0, sizeof big);
	for (size_t i = 0; i + 7 < sizeof big - 1; i += 7)
		memcpy(big + i, "status,", 7);
	big[strlen(big) - 1] = '\0';
	assert_false(dc_agency_fields_valid(big)); /* longer than the column */
}

static void test_writes(void **state)
{
	(void)state;
	assert_true(dc_agency_writes_valid(""));
	assert_true(dc_agency_writes_valid("bhyt_number"));
	assert_true(dc_agency_writes_valid("bhyt_number,civil_servant_status"));
	assert_false(dc_agency_writes_valid("*"));
	assert_false(dc_agency_writes_valid("bhyt-number"));
	assert_false(dc_agency_writes_valid("a,,b"));
	assert_false(dc_agency_writes_valid("0123456789012345678901234567890123456789x"));
}

static void test_list_has(void **state)
{
	(void)state;
	assert_true(dc_agency_list_has("a,bb,ccc", "bb", 2));
	assert_true(dc_agency_list_has("a,bb,ccc", "ccc", 3));
	assert_true(dc_agency_list_has("a,bb,ccc", "a", 1));
	assert_false(dc_agency_list_has("a,bb,ccc", "b", 1));
	assert_false(dc_agency_list_has("a,bb,ccc", "cc", 2));
	assert_false(dc_agency_list_has("", "a", 1));
	assert_true(dc_agency_list_has("*", "anything", 8));
}

static void test_sign(void **state)
{
	(void)state;
	char sig[72];
	const char *body = "{\"seq\":1}";
	dc_webhook_sign((const unsigned char *)"0123456789abcdef0123456789abcdef", 32, 1700000000,
	                body, strlen(body), sig);
	/* python3: hmac.new(key, b'1700000000.{"seq":1}', hashlib.sha256) */
	assert_string_equal(
	        sig, "sha256=d7df408189f2f7e5da5f02b7bf6b7d032f5ea23aaa0ab10ba3d5b13a88e5cc97");
	dc_webhook_sign((const unsigned char *)"0123456789abcdef0123456789abcdef", 32, 1700000001,
	                body, strlen(body), sig);
	assert_string_not_equal(
	        sig, "sha256=d7df408189f2f7e5da5f02b7bf6b7d032f5ea23aaa0ab10ba3d5b13a88e5cc97");
}

static void test_catalogue(void **state)
{
	(void)state;
	size_t n;
	const struct dc_service *s = dc_services(&n);
	assert_true(n >= 9);
	for (size_t i = 0; i < n; i++) {
		assert_ptr_equal(dc_service_find(s[i].code), &s[i]);
		assert_true(s[i].half_days > 0);
		/* every step of a linked procedure exists and is step-only or standalone */
		if (s[i].steps) {
			char copy[256];
			snprintf(copy, sizeof copy, "%s", s[i].steps);
			int steps = 0;
			for (char *p = copy, *e; p; p = e ? e + 1 : NULL, steps++) {
				e = strchr(p, ',');
				if (e)
					*e = '\0';
				assert_non_null(dc_service_find(p));
				assert_null(dc_service_find(p)->steps);
			}
			assert_int_equal(steps, 3);
		}
	}
	assert_null(dc_service_find("nope"));
	assert_null(dc_service_find(NULL));
	assert_true(dc_service_find("bhyt_child")->step_only);
	assert_string_equal(dc_service_find("bhyt_child")->queue, "bhxh");
	assert_true(dc_svc_state_valid("supplement_requested"));
	assert_true(dc_svc_state_valid("partial"));
	assert_false(dc_svc_state_valid("done"));
	assert_false(dc_svc_state_valid(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fields),    cmocka_unit_test(test_writes),
	        cmocka_unit_test(test_list_has),  cmocka_unit_test(test_sign),
	        cmocka_unit_test(test_catalogue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
