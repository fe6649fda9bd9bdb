/* Tests for src/eid/form.c: form/query decoding, repeated and malformed
 * parameters, capacity, and the two escapers. */
#include <string.h>

#include "dancu/buf.h"
#include "eid/oidc.h"
#include "lib/testlib.h"

static int get(const char *s, const char *name, char *out, size_t cap)
{
	return dc__form_get(s, strlen(s), name, out, cap);
}

static void test_decode(void **st)
{
	char v[64];
	assert_int_equal(get("a=1&code=x%2By+z&b=", "code", v, sizeof v), 1);
	assert_string_equal(v, "x+y z");
	assert_int_equal(get("a=1&b=", "b", v, sizeof v), 1);
	assert_string_equal(v, "");
	assert_int_equal(get("a", "a", v, sizeof v), 1); /* no '=': empty value */
	assert_string_equal(v, "");
	assert_int_equal(get("a=1", "b", v, sizeof v), 0);
	assert_int_equal(get("", "a", v, sizeof v), 0);
	assert_int_equal(get("st%61te=%E1%BA%A1", "state", v, sizeof v), 1); /* encoded key */
	assert_string_equal(v, "ạ");
	assert_int_equal(dc__form_get(NULL, 0, "a", v, sizeof v), 0);
}

static void test_rejects(void **st)
{
	char v[8];
	assert_int_equal(get("a=1&a=2", "a", v, sizeof v), -1);    /* repeated */
	assert_int_equal(get("a=%zz", "a", v, sizeof v), -1);      /* bad escape */
	assert_int_equal(get("a=%4", "a", v, sizeof v), -1);       /* cut escape */
	assert_int_equal(get("a=%00", "a", v, sizeof v), -1);      /* NUL */
	assert_int_equal(get("a=12345678", "a", v, sizeof v), -1); /* too long */
	assert_int_equal(get("a=1234567", "a", v, sizeof v), 1);
	/* A malformed other parameter does not matter. */
	assert_int_equal(get("b=%zz&a=1", "a", v, sizeof v), 1);
}

static void test_escape(void **st)
{
	struct dc_buf b = DC_BUF_INIT;
	char v[64];
	dc_buf_adds(&b, "v=");
	dc__form_escape(&b, "http://x/cb?a=1&b= ạ");
	assert_string_equal(dc_buf_str(&b), "v=http%3A%2F%2Fx%2Fcb%3Fa%3D1%26b%3D%20%E1%BA%A1");
	assert_int_equal(dc__form_get(b.ptr, b.len, "v", v, sizeof v), 1);
	assert_string_equal(v, "http://x/cb?a=1&b= ạ");
	dc_buf_reset(&b);
	dc__html_escape(&b, "<a href=\"x\">'&'</a>");
	assert_string_equal(dc_buf_str(&b),
	                    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
	dc_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_decode),
	        cmocka_unit_test(test_rejects),
	        cmocka_unit_test(test_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
