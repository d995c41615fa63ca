/* Discovery: HTTP responses (framing, headers, title) and text cleaning,
 * with truncated, binary and oversized input. */
#include "http_response.h"
#include "text.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static int parse(const char *s, struct http_resp *r)
{
	return http_parse_head((const uint8_t *)s, strlen(s), "HTTP", r);
}

static void simple_response(void **state)
{
	(void)state;
	const char *s = "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Length: 5\r\n"
	                "Content-Type: text/html\r\n\r\nhello";
	struct http_resp r;
	assert_int_equal(parse(s, &r), 1);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.minor, 1);
	assert_int_equal(r.nh, 3);
	assert_int_equal(r.content_length, 5);
	assert_false(r.chunked);
	const struct http_hdr *h = http_header(&r, "SERVER");
	assert_non_null(h);
	assert_int_equal(h->vlen, 12);
	assert_memory_equal(h->value, "nginx/1.22.1", 12);
	const uint8_t *body = (const uint8_t *)s + r.head_len;
	assert_true(http_body_complete(&r, body, 5, false));
	assert_false(http_body_complete(&r, body, 4, false));
	assert_true(http_body_complete(&r, body, 4, true));
	/* Every prefix is "need more", never a wrong answer. */
	for (size_t n = 1; n < r.head_len; n++)
		assert_int_equal(http_parse_head((const uint8_t *)s, n, "HTTP", &r), 0);
}

static void lenient_forms(void **state)
{
	(void)state;
	struct http_resp r;
	/* bare LF line ends, no reason, odd header spacing, a folded line */
	assert_int_equal(parse("HTTP/1.0 404\nX-A :  b  \n folded\nNoColon\n\n", &r), 1);
	assert_int_equal(r.status, 404);
	assert_int_equal(r.rlen, 0);
	assert_int_equal(r.nh, 1);
	assert_int_equal(r.h[0].nlen, 3);
	assert_memory_equal(r.h[0].value, "b", 1);
	assert_int_equal(r.h[0].vlen, 1);
	assert_int_equal(parse("http/1.1 301 Moved\r\nLocation: /x\r\n\r\n", &r), 1);
	assert_int_equal(
	    http_parse_head((const uint8_t *)"RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n", 28,
	                    "RTSP", &r),
	    1);
	assert_true(http_body_complete(&r, NULL, 0, false) == false ||
	            r.content_length < 0); /* unframed RTSP: until eof */
	assert_int_equal(parse("HTTP/1.1 204 No Content\r\n\r\n", &r), 1);
	assert_true(http_body_complete(&r, NULL, 0, false));
}

static void not_http(void **state)
{
	(void)state;
	struct http_resp r;
	assert_int_equal(parse("SSH-2.0-OpenSSH_9.2\r\n", &r), -1);
	assert_int_equal(parse("HTTP/2 200\r\n\r\n", &r), -1);
	assert_int_equal(parse("HTTP/1.1 2x0 OK\r\n\r\n", &r), -1);
	assert_int_equal(parse("HTTP/1.1\r\n\r\n", &r), -1);
	assert_int_equal(parse("H", &r), 0); /* could still become HTTP */
	uint8_t bin[] = {0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x0a};
	assert_int_equal(http_parse_head(bin, sizeof bin, "HTTP", &r), -1);
	uint8_t nul[] = {'H', 'T', 0, 'P', '/'};
	assert_int_equal(http_parse_head(nul, sizeof nul, "HTTP", &r), -1);
}

static void oversized_heads(void **state)
{
	(void)state;
	struct http_resp r;
	size_t n = HTTP_MAX_HEAD_BYTES + 100;
	char *s = malloc(n + 1);
	assert_non_null(s);
	memcpy(s, "HTTP/1.1 200 OK\r\nX: ", 20);
	memset(s + 20, 'a', n - 20);
	s[n] = '\0';
	assert_int_equal(http_parse_head((const uint8_t *)s, n, "HTTP", &r), -1);
	/* 1000 headers: the first HTTP_MAX_HEADERS kept. */
	size_t len = 0;
	len += (size_t)sprintf(s, "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i < 1000 && len + 16 < n; i++)
		len += (size_t)sprintf(s + len, "H%d: v\r\n", i);
	len += (size_t)sprintf(s + len, "\r\n");
	assert_int_equal(http_parse_head((const uint8_t *)s, len, "HTTP", &r), 1);
	assert_int_equal(r.nh, HTTP_MAX_HEADERS);
	/* Content-Length beyond int64, negative, garbage: unknown. */
	assert_int_equal(
	    parse("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", &r),
	    1);
	assert_int_equal(r.content_length, -1);
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", &r), 1);
	assert_int_equal(r.content_length, -1);
	free(s);
}

static void chunked_bodies(void **state)
{
	(void)state;
	const char *s = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	                "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n";
	struct http_resp r;
	assert_int_equal(parse(s, &r), 1);
	assert_true(r.chunked);
	const uint8_t *b = (const uint8_t *)s + r.head_len;
	size_t bl = strlen(s) - r.head_len;
	uint8_t out[64];
	assert_true(http_body_complete(&r, b, bl, false));
	assert_int_equal(http_dechunk(b, bl, out, sizeof out), 12);
	assert_memory_equal(out, "hello, world", 12);
	for (size_t n = 0; n < bl - 4; n++) /* incomplete until the last chunk */
		assert_false(http_body_complete(&r, b, n, false));
	assert_int_equal(http_dechunk(b, bl, out, 3), 3); /* capped output */
	const char *evil = "fffffffffffffffffffff\r\nabc";
	assert_int_equal(
	    http_dechunk((const uint8_t *)evil, strlen(evil), out, sizeof out), 0);
	const char *huge = "7fffffff\r\nabc";
	assert_int_equal(
	    http_dechunk((const uint8_t *)huge, strlen(huge), out, sizeof out), 3);
	const char *nohex = "zz\r\n";
	assert_int_equal(http_dechunk((const uint8_t *)nohex, 4, out, sizeof out), 0);
}

static void titles(void **state)
{
	(void)state;
	char t[64];
	const char *b = "<html><HEAD><TiTlE lang=en>\n  Router &amp; Co\t Login </title>";
	assert_int_equal(http_title((const uint8_t *)b, strlen(b), t, sizeof t), 0);
	assert_string_equal(t, "Router & Co Login");
	const char *open = "<title>never closed";
	assert_int_equal(http_title((const uint8_t *)open, strlen(open), t, sizeof t), 0);
	assert_string_equal(t, "never closed");
	assert_int_equal(
	    http_title((const uint8_t *)"<titles>x</titles>", 18, t, sizeof t), -1);
	assert_int_equal(http_title((const uint8_t *)"<title", 6, t, sizeof t), -1);
	uint8_t bin[] = "<title>\xff\xfe\xc3\xa9t\xc3\xa9\x01</title>";
	assert_int_equal(http_title(bin, sizeof bin - 1, t, sizeof t), 0);
	assert_string_equal(t, "??\xc3\xa9t\xc3\xa9?");
	char small[5];
	assert_int_equal(http_title((const uint8_t *)b, strlen(b), small, sizeof small),
	                 0);
	assert_string_equal(small, "Rout");
}

static void text_is_clean_utf8(void **state)
{
	(void)state;
	char out[32];
	/* overlong, surrogate, truncated sequences and controls */
	const uint8_t in[] = {'a',  0xc0, 0xaf, 'b',  0xed, 0xa0, 0x80, 'c', 0xe2,
	                      0x82, '\n', 'd',  0x00, 0xf0, 0x9f, 0x98, 0x80};
	size_t n = text_clean(in, sizeof in, out, sizeof out, 1);
	assert_string_equal(out, "a??b???c?? d?\xf0\x9f\x98\x80");
	assert_int_equal(n, strlen(out));
	assert_int_equal(text_clean((const uint8_t *)"   ", 3, out, sizeof out, 1), 0);
	/* A multi-byte sequence never split by the cap. */
	const uint8_t e[] = {0xc3, 0xa9, 0xc3, 0xa9};
	text_clean(e, sizeof e, out, 4, 0);
	assert_string_equal(out, "\xc3\xa9");
	assert_non_null(mem_casefind((const uint8_t *)"abcHTTPS", 8, "https"));
	assert_null(mem_casefind((const uint8_t *)"abc", 3, "abcd"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(simple_response),    cmocka_unit_test(lenient_forms),
	    cmocka_unit_test(not_http),           cmocka_unit_test(oversized_heads),
	    cmocka_unit_test(chunked_bodies),     cmocka_unit_test(titles),
	    cmocka_unit_test(text_is_clean_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
