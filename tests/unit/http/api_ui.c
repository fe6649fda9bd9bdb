/* The embedded web UI (src/http/api_ui.c, web/): every file has a real
 * content type and a strong ETag; the HTML keeps to what the strict CSP
 * allows (no inline script or style, no event-handler attributes, nothing
 * from another origin); every local link, script, stylesheet and ES-module
 * import points at an embedded file; every data-i18n key has an entry in
 * the dictionary of js/common.js; pages declare their language and a
 * viewport. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/api_ui.h"
#include "lib/testlib.h"

static const struct dc__ui_asset *asset(const char *path, size_t n)
{
	for (size_t i = 0; i < dc__ui_assets_n; i++)
		if (strlen(dc__ui_assets[i].path) == n && !memcmp(dc__ui_assets[i].path, path, n))
			return &dc__ui_assets[i];
	return NULL;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

/* A copy of an asset's bytes as a C string (assets may hold no NUL). */
static char *text(const struct dc__ui_asset *a)
{
	char *s = malloc(a->len + 1);
	assert_non_null(s);
	memcpy(s, a->data, a->len);
	s[a->len] = 0;
	assert_int_equal(strlen(s), a->len);
	return s;
}

static void test_types_and_etags(void **state)
{
	(void)state;
	assert_true(dc__ui_assets_n >= 5);
	assert_non_null(asset("index.html", 10));
	for (size_t i = 0; i < dc__ui_assets_n; i++) {
		const struct dc__ui_asset *a = &dc__ui_assets[i];
		assert_string_not_equal(a->content_type, "application/octet-stream");
		assert_int_equal(strlen(a->etag), 22);
		assert_int_equal(a->etag[0], '"');
		assert_int_equal(a->etag[21], '"');
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(a->etag, dc__ui_assets[j].etag);
	}
}

/* The path a relative URL in file `from` refers to ("js/x.js" from
 * "index.html", "./common.js" from "js/citizen.js"), in out. */
static void resolve(const char *from, const char *url, size_t n, char *out, size_t cap)
{
	const char *slash = strrchr(from, '/');
	size_t dir = slash ? (size_t)(slash - from + 1) : 0;
	if (n >= 2 && !memcmp(url, "./", 2)) {
		url += 2;
		n -= 2;
	}
	snprintf(out, cap, "%.*s%.*s", (int)dir, from, (int)n, url);
}

static void check_ref(const char *from, const char *url, size_t n)
{
	char path[256];
	if (n == 0 || (n == 2 && !memcmp(url, "./", 2)))
		return; /* the front page */
	if (memchr(url, ':', n) || (n >= 2 && !memcmp(url, "//", 2)))
		fail_msg("%s: a reference to another origin: %.*s", from, (int)n, url);
	resolve(from, url, n, path, sizeof path);
	if (!asset(path, strlen(path)))
		fail_msg("%s: %.*s is not an embedded file", from, (int)n, url);
}

/* Every attr="value" in html, checked as a local reference. */
static void refs(const char *from, const char *html, const char *attr)
{
	size_t an = strlen(attr);
	for (const char *p = strstr(html, attr); p; p = strstr(p + 1, attr)) {
		if (p > html && p[-1] != ' ')
			continue;
		const char *v = p + an, *e = strchr(v, '"');
		assert_non_null(e);
		check_ref(from, v, (size_t)(e - v));
	}
}

static void test_html_fits_the_csp(void **state)
{
	(void)state;
	const struct dc__ui_asset *dict = asset("js/common.js", 12);
	assert_non_null(dict);
	char *js = text(dict);
	for (size_t i = 0; i < dc__ui_assets_n; i++) {
		const struct dc__ui_asset *a = &dc__ui_assets[i];
		if (!ends_with(a->path, ".html"))
			continue;
		char *h = text(a);
		assert_non_null(strstr(h, "<html lang=\"vi\">"));
		assert_non_null(strstr(h, "<meta name=\"viewport\""));
		assert_null(strstr(h, "<style"));
		assert_null(strstr(h, " style="));
		assert_null(strstr(h, "javascript:"));
		for (const char *p = strstr(h, " on"); p; p = strstr(p + 1, " on")) {
			const char *q = p + 3;
			while (*q >= 'a' && *q <= 'z')
				q++;
			if (*q == '=')
				fail_msg("%s: an inline event handler at %.20s", a->path, p);
		}
		for (const char *p = strstr(h, "<script"); p; p = strstr(p + 1, "<script")) {
			const char *end = strchr(p, '>');
			assert_non_null(end);
			const char *src = strstr(p, " src=\"");
			if (!src || src > end)
				fail_msg("%s: an inline script", a->path);
			assert_memory_equal(end, "></script>", 10);
		}
		refs(a->path, h, "src=\"");
		refs(a->path, h, "href=\"");
		/* data-i18n keys exist in the dictionary */
		const char *attrs[] = {"data-i18n=\"", "data-title=\""};
		for (size_t k = 0; k < 2; k++)
			for (const char *p = strstr(h, attrs[k]); p; p = strstr(p + 1, attrs[k])) {
				const char *v = p + strlen(attrs[k]), *e = strchr(v, '"');
				char key[80];
				snprintf(key, sizeof key, "'%.*s':", (int)(e - v), v);
				if (!strstr(js, key))
					fail_msg("%s: %s has no dictionary entry", a->path, key);
			}
		free(h);
	}
	free(js);
}

static void test_module_imports_resolve(void **state)
{
	(void)state;
	for (size_t i = 0; i < dc__ui_assets_n; i++) {
		const struct dc__ui_asset *a = &dc__ui_assets[i];
		if (!ends_with(a->path, ".js"))
			continue;
		char *s = text(a);
		for (const char *p = strstr(s, " from '"); p; p = strstr(p + 1, " from '")) {
			const char *v = p + 7, *e = strchr(v, '\'');
			assert_non_null(e);
			if (memcmp(v, "./", 2) && memcmp(v, "../", 3))
				fail_msg("%s: a bare or remote import %.*s", a->path, (int)(e - v),
				         v);
			check_ref(a->path, v, (size_t)(e - v));
		}
		free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_types_and_etags),
	        cmocka_unit_test(test_html_fits_the_csp),
	        cmocka_unit_test(test_module_imports_resolve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
