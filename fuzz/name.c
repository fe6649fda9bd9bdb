/* libFuzzer target: Vietnamese text. The input is split at its first NUL
 * (or in half) into two names a and b. Nothing may crash or leak. For valid
 * UTF-8:
 *   - clean, key and ASCII key succeed and are idempotent; the ASCII key is
 *     ASCII and is the same whether made from the text or from its key; the
 *     key of the cleaned text is the key of the text;
 *   - a name compares EXACT with itself and at least NORMALISED with its
 *     cleaned form;
 *   - comparison is symmetric and agrees with the keys: NORMALISED or
 *     better exactly when the keys are equal, NO_DIACRITICS or better
 *     exactly when the ASCII keys are equal;
 *   - a plausible name (dc_text_is_name) is at most 200 bytes.
 * Invalid UTF-8 gives DC_ERR_INVALID everywhere and is never a name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dancu/error.h"
#include "dancu/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef int (*text_fn)(const char *, size_t, struct dc_buf *);

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static int same(const struct dc_buf *a, const struct dc_buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
}

/* fn(s) into out, which is emptied first; traps on failure. */
static void apply(text_fn fn, const char *s, size_t n, struct dc_buf *out)
{
	dc_buf_reset(out);
	check(fn(s, n, out) == DC_OK);
}

/* The forms of one valid name, checked on their own. */
struct forms {
	struct dc_buf clean, key, ascii;
};

static void one(const char *s, size_t n, struct forms *f)
{
	struct dc_buf t = DC_BUF_INIT;
	apply(dc_text_clean, s, n, &f->clean);
	apply(dc_text_key, s, n, &f->key);
	apply(dc_text_key_ascii, s, n, &f->ascii);
	for (size_t i = 0; i < f->ascii.len; i++)
		check((unsigned char)f->ascii.ptr[i] < 0x80);
	apply(dc_text_clean, dc_buf_str(&f->clean), f->clean.len, &t);
	check(same(&t, &f->clean));
	apply(dc_text_key, dc_buf_str(&f->key), f->key.len, &t);
	check(same(&t, &f->key));
	apply(dc_text_key, dc_buf_str(&f->clean), f->clean.len, &t);
	check(same(&t, &f->key));
	apply(dc_text_key_ascii, dc_buf_str(&f->ascii), f->ascii.len, &t);
	check(same(&t, &f->ascii));
	apply(dc_text_key_ascii, dc_buf_str(&f->key), f->key.len, &t);
	check(same(&t, &f->ascii));
	check(dc_name_compare(s, n, s, n) == DC_NAME_EXACT);
	check(dc_name_compare(s, n, dc_buf_str(&f->clean), f->clean.len) <= DC_NAME_NORMALISED);
	if (dc_text_is_name(s, n))
		check(n > 0 && n <= 200);
	dc_buf_release(&t);
}

static void invalid(const char *s, size_t n)
{
	struct dc_buf t = DC_BUF_INIT;
	check(dc_text_clean(s, n, &t) == DC_ERR_INVALID);
	check(dc_text_key(s, n, &t) == DC_ERR_INVALID);
	check(dc_text_key_ascii(s, n, &t) == DC_ERR_INVALID);
	check(dc_name_compare(s, n, "a", 1) == DC_ERR_INVALID);
	check(!dc_text_is_name(s, n));
	dc_buf_release(&t);
}

static void release(struct forms *f)
{
	dc_buf_release(&f->clean);
	dc_buf_release(&f->key);
	dc_buf_release(&f->ascii);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *a = (const char *)data;
	const char *nul = memchr(a, '\0', size);
	size_t na = nul ? (size_t)(nul - a) : size / 2;
	const char *b = nul ? nul + 1 : a + na;
	size_t nb = size - (size_t)(b - a);
	struct forms fa = {DC_BUF_INIT, DC_BUF_INIT, DC_BUF_INIT};
	struct forms fb = {DC_BUF_INIT, DC_BUF_INIT, DC_BUF_INIT};
	int va = dc_text_valid_utf8(a, na), vb = dc_text_valid_utf8(b, nb);
	if (va)
		one(a, na, &fa);
	else
		invalid(a, na);
	if (vb)
		one(b, nb, &fb);
	else
		invalid(b, nb);
	int ab = dc_name_compare(a, na, b, nb);
	check(ab == dc_name_compare(b, nb, a, na));
	if (va && vb) {
		check(ab >= DC_NAME_EXACT && ab <= DC_NAME_DIFFERENT);
		check((ab <= DC_NAME_NORMALISED) == same(&fa.key, &fb.key));
		check((ab <= DC_NAME_NO_DIACRITICS) == same(&fa.ascii, &fb.ascii));
	} else {
		check(ab == DC_ERR_INVALID);
	}
	release(&fa);
	release(&fb);
	return 0;
}
