/*
 * form.c — application/x-www-form-urlencoded and query strings, for the
 * OpenID Connect endpoints (see eid/oidc.h). Fuzzed by fuzz/form.c.
 */
#include <string.h>

#include "dancu/buf.h"

#include "core/internal.h"
#include "eid/oidc.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes [p, e) into out; -1 when malformed or too long. */
static int decode(const char *p, const char *e, char *out, size_t cap)
{
	size_t o = 0;
	while (p < e) {
		int ch = (unsigned char)*p;
		if (ch == '+') {
			ch = ' ';
			p++;
		} else if (ch == '%') {
			if (e - p < 3 || hexval(p[1]) < 0 || hexval(p[2]) < 0)
				return -1;
			ch = hexval(p[1]) * 16 + hexval(p[2]);
			p += 3;
		} else {
			p++;
		}
		if (ch == 0 || o + 1 >= cap)
			return -1;
		out[o++] = (char)ch;
	}
	if (cap == 0)
		return -1;
	out[o] = '\0';
	return 0;
}

int dc__form_get(const char *s, size_t n, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	int found = 0;
	char key[128];
	if (!s)
		return 0;
	const char *p = s, *end = s + n;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *e = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(e - p));
		const char *ke = eq ? eq : e;
		if (ke > p && decode(p, ke, key, sizeof key) == 0 && strlen(key) == nl &&
		    !memcmp(key, name, nl)) {
			if (found)
				return -1; /* a repeated parameter is an error (RFC 6749 3.1) */
			found = 1;
			if (decode(eq ? eq + 1 : e, e, out, cap))
				return -1;
		}
		p = e + 1;
	}
	return found;
}

int dc__form_escape(struct dc_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~')
			dc_buf_addc(b, (char)c);
		else {
			dc_buf_addc(b, '%');
			dc_buf_addc(b, hex[c >> 4]);
			dc_buf_addc(b, hex[c & 15]);
		}
	}
	return dc_buf_error(b);
}

int dc__html_escape(struct dc_buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			dc_buf_adds(b, "&amp;");
			break;
		case '<':
			dc_buf_adds(b, "&lt;");
			break;
		case '>':
			dc_buf_adds(b, "&gt;");
			break;
		case '"':
			dc_buf_adds(b, "&quot;");
			break;
		case '\'':
			dc_buf_adds(b, "&#39;");
			break;
		default:
			dc_buf_addc(b, *s);
		}
	}
	return dc_buf_error(b);
}
