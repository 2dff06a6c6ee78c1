/* SPDX-License-Identifier: MIT */
#ifndef VCL_HTTP_H
#define VCL_HTTP_H

/*
 * The payload's HTTP/1.1 request parser: pure, bounded, never reads past
 * len, never allocates. Shared with the unit tests and the fuzz target.
 * And the one response writer of the payloads (payload, isoprobe, toolrun):
 * static binaries, so libc only.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VCL_HTTP_MAX_HEAD 8192 /* request line + headers; more is 413 */
#define VCL_HTTP_MAX_BODY 8192 /* a body we skip; more is 413 */

struct vcl_http_req {
	char method[16];
	char path[512];	 /* without the query */
	char query[512]; /* after '?', without it; "" when none */
	bool keep_alive;
	size_t content_length;
	size_t head_len; /* bytes of request line + headers incl. the blank line */
};

enum {
	VCL_HTTP_INCOMPLETE = 0,
	VCL_HTTP_BAD = -400,
	VCL_HTTP_TOO_LARGE = -413,
};

/* Parse one request at the start of buf. Returns the total size of the
 * request (head + body) when complete, VCL_HTTP_INCOMPLETE when more bytes
 * are needed, or VCL_HTTP_BAD / VCL_HTTP_TOO_LARGE. */
long vcl_http_parse(const char *buf, size_t len, struct vcl_http_req *req);

/* Find key=value in a query string ("a=1&iters=5") as an unsigned number.
 * Returns 0 when found and valid, -1 when absent, -2 when not a number or
 * above max. */
int vcl_http_query_u64(const char *query, const char *key, uint64_t max, uint64_t *out);

/* The reason phrase of a status code the payloads send ("Error" for one
 * they do not name). */
const char *vcl_http_reason(int status);

/* Send the n bytes at p on socket fd (MSG_NOSIGNAL: a closed peer is an
 * error, not a SIGPIPE), retrying on EINTR. 0, or -1 on an error; EAGAIN
 * included: the replies are small, a full send buffer means a client that
 * does not read, and it is dropped rather than waited for. */
int vcl_http_send_all(int fd, const char *p, size_t n);

/* Send one response on fd: the status line (with vcl_http_reason),
 * Content-Type type, Content-Length len, the header lines in extra (each
 * ending in CRLF; "" for none), Connection keep-alive or close, and the
 * len bytes of body. A small response goes out in one send (no second
 * segment for Nagle to hold back). 0, or -1 on an error. */
int vcl_http_reply(int fd, int status, const char *type, const char *extra, const char *body,
		   size_t len, bool keep_alive);

/* The next connection on listener lfd (CLOEXEC), retrying EINTR and
 * ECONNABORTED; -1 on another error, printed as "who: accept: ..." on
 * stderr. */
int vcl_http_accept(int lfd, const char *who);

/* The deterministic CPU work behind GET /work?iters=N: a fixed mixing loop
 * whose checksum depends only on N. */
uint64_t vcl_work_checksum(uint64_t iters);

#endif
