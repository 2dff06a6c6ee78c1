/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "payload/http.h"
#include "tests/suite_main.h"

static long parse(const char *s, struct vcl_http_req *r)
{
	return vcl_http_parse(s, strlen(s), r);
}

START_TEST(test_simple_get)
{
	struct vcl_http_req r;
	const char *s = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

	ck_assert_int_eq(parse(s, &r), (long)strlen(s));
	ck_assert_str_eq(r.method, "GET");
	ck_assert_str_eq(r.path, "/healthz");
	ck_assert_str_eq(r.query, "");
	ck_assert(r.keep_alive);
}
END_TEST

START_TEST(test_query_and_close)
{
	struct vcl_http_req r;
	uint64_t v = 0;

	ck_assert_int_gt(parse("GET /work?a=1&iters=500 HTTP/1.1\r\nConnection: close\r\n\r\n", &r),
			 0);
	ck_assert_str_eq(r.path, "/work");
	ck_assert_str_eq(r.query, "a=1&iters=500");
	ck_assert(!r.keep_alive);
	ck_assert_int_eq(vcl_http_query_u64(r.query, "iters", 1000, &v), 0);
	ck_assert_uint_eq(v, 500);
	ck_assert_int_eq(vcl_http_query_u64(r.query, "iters", 100, &v), -2);
	ck_assert_int_eq(vcl_http_query_u64(r.query, "mib", 100, &v), -1);
	ck_assert_int_eq(vcl_http_query_u64("iters=", "iters", 100, &v), -2);
	ck_assert_int_eq(vcl_http_query_u64("iters=12x", "iters", 100, &v), -2);
	ck_assert_int_eq(vcl_http_query_u64("xiters=5", "iters", 100, &v), -1);
	ck_assert_int_eq(vcl_http_query_u64("iters=99999999999999999999", "iters", UINT64_MAX, &v),
			 -2);
}
END_TEST

START_TEST(test_http10_keepalive)
{
	struct vcl_http_req r;

	ck_assert_int_gt(parse("GET / HTTP/1.0\r\n\r\n", &r), 0);
	ck_assert(!r.keep_alive);
	ck_assert_int_gt(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &r), 0);
	ck_assert(r.keep_alive);
}
END_TEST

START_TEST(test_incomplete)
{
	struct vcl_http_req r;
	const char *s = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

	for (size_t i = 0; i < strlen(s); i++)
		ck_assert_int_eq(vcl_http_parse(s, i, &r), VCL_HTTP_INCOMPLETE);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabc", &r),
			 VCL_HTTP_INCOMPLETE);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", &r),
			 (long)strlen("GET / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"));
}
END_TEST

START_TEST(test_malformed)
{
	static const char *const bad[] = {
	    "GARBAGE\r\n\r\n",
	    "GET\r\n\r\n",
	    "GET /x\r\n\r\n",
	    "GET x HTTP/1.1\r\n\r\n",
	    "GET /x HTTP/2.0\r\n\r\n",
	    "GET /x HTTP/1.1 \r\n\r\n",
	    "GET  /x HTTP/1.1\r\n\r\n",
	    "G(T /x HTTP/1.1\r\n\r\n",
	    "GET /x HTTP/1.1\r\nNoColon\r\n\r\n",
	    "GET /x HTTP/1.1\r\n: empty\r\n\r\n",
	    "GET /x HTTP/1.1\r\nBad Name: v\r\n\r\n",
	    "GET /x HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
	    "GET /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
	    "GET /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
	    "GET /x\x01 HTTP/1.1\r\n\r\n",
	    "GET /x HTTP/1.1\nHost: x\r\n\r\n",
	};
	struct vcl_http_req r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(bad[i], &r) == VCL_HTTP_BAD, "accepted: %s", bad[i]);
}
END_TEST

START_TEST(test_oversized)
{
	struct vcl_http_req r;
	char *big = malloc(VCL_HTTP_MAX_HEAD + 100);
	char path[1024];

	memset(big, 'a', VCL_HTTP_MAX_HEAD + 99);
	memcpy(big, "GET /", 5);
	big[VCL_HTTP_MAX_HEAD + 99] = '\0';
	ck_assert_int_eq(parse(big, &r), VCL_HTTP_TOO_LARGE);
	free(big);
	ck_assert_int_eq(parse("GET /x HTTP/1.1\r\nContent-Length: 99999\r\n\r\n", &r),
			 VCL_HTTP_TOO_LARGE);
	ck_assert_int_eq(parse("GET /x HTTP/1.1\r\nContent-Length: 12345678901\r\n\r\n", &r),
			 VCL_HTTP_TOO_LARGE);
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	{
		char req[1200];

		snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\n\r\n", path);
		ck_assert_int_eq(parse(req, &r), VCL_HTTP_TOO_LARGE);
	}
}
END_TEST

START_TEST(test_pipelined)
{
	struct vcl_http_req r;
	const char *two = "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
	long n = parse(two, &r);

	ck_assert_int_eq(n, 19);
	ck_assert_str_eq(r.path, "/a");
	ck_assert_int_eq(parse(two + n, &r), 19);
	ck_assert_str_eq(r.path, "/b");
}
END_TEST

START_TEST(test_work_checksum)
{
	/* Deterministic and dependent on N. */
	ck_assert_uint_eq(vcl_work_checksum(0), 0xcbf29ce484222325ULL);
	ck_assert_uint_eq(vcl_work_checksum(1000), vcl_work_checksum(1000));
	ck_assert_uint_ne(vcl_work_checksum(1000), vcl_work_checksum(1001));
}
END_TEST

/* What vcl_http_reply sends for len body bytes with extra headers. */
static size_t reply_bytes(int status, const char *extra, const char *body, size_t len, bool ka,
			  char *got, size_t size)
{
	int sv[2];
	size_t n = 0;
	ssize_t r;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(vcl_http_reply(sv[0], status, "text/plain", extra, body, len, ka), 0);
	close(sv[0]);
	while ((r = read(sv[1], got + n, size - 1 - n)) > 0)
		n += (size_t)r;
	close(sv[1]);
	got[n] = '\0';
	return n;
}

START_TEST(test_reply)
{
	static char big[20000], got[24000];
	const char *want = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
			   "Content-Length: 4\r\nX-Exit: 3\r\nConnection: close\r\n\r\nnope";
	size_t n = reply_bytes(404, "X-Exit: 3\r\n", "nope", 4, false, got, sizeof(got));

	ck_assert_uint_eq(n, strlen(want));
	ck_assert_str_eq(got, want);
	/* A body larger than the head's buffer goes out whole, after it. */
	memset(big, 'x', sizeof(big));
	n = reply_bytes(200, "", big, sizeof(big), true, got, sizeof(got));
	ck_assert_ptr_nonnull(strstr(got, "HTTP/1.1 200 OK\r\n"));
	ck_assert_ptr_nonnull(
	    strstr(got, "Content-Length: 20000\r\nConnection: keep-alive\r\n\r\n"));
	ck_assert_uint_eq(n - (size_t)(strstr(got, "\r\n\r\n") + 4 - got), sizeof(big));
	ck_assert_str_eq(vcl_http_reason(599), "Error");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("parser");

	tcase_add_test(tc, test_simple_get);
	tcase_add_test(tc, test_query_and_close);
	tcase_add_test(tc, test_http10_keepalive);
	tcase_add_test(tc, test_incomplete);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_oversized);
	tcase_add_test(tc, test_pipelined);
	tcase_add_test(tc, test_work_checksum);
	tcase_add_test(tc, test_reply);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
