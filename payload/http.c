/* SPDX-License-Identifier: MIT */
#include "payload/http.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *find_head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 3 < len; i++)
		if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' &&
		    buf[i + 3] == '\n')
			return buf + i;
	return NULL;
}

static bool is_token_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Case-insensitive: does the comma-separated header value hold token? */
static bool value_has_token(const char *v, size_t vlen, const char *token)
{
	size_t tlen = strlen(token);

	for (size_t i = 0; i + tlen <= vlen; i++) {
		bool start_ok = i == 0 || v[i - 1] == ',' || v[i - 1] == ' ' || v[i - 1] == '\t';
		bool end_ok = i + tlen == vlen || v[i + tlen] == ',' || v[i + tlen] == ' ' ||
			      v[i + tlen] == '\t';

		if (start_ok && end_ok && strncasecmp(v + i, token, tlen) == 0)
			return true;
	}
	return false;
}

static int parse_request_line(const char *p, size_t n, struct vcl_http_req *req, int *minor)
{
	const char *sp1 = memchr(p, ' ', n), *sp2, *target, *q;
	size_t mlen, tlen, plen;

	if (sp1 == NULL)
		return -1;
	mlen = (size_t)(sp1 - p);
	if (mlen == 0 || mlen >= sizeof(req->method))
		return -1;
	for (size_t i = 0; i < mlen; i++)
		if (!is_token_char(p[i]))
			return -1;
	memcpy(req->method, p, mlen);
	req->method[mlen] = '\0';

	target = sp1 + 1;
	sp2 = memchr(target, ' ', n - (size_t)(target - p));
	if (sp2 == NULL)
		return -1;
	tlen = (size_t)(sp2 - target);
	if (tlen == 0 || target[0] != '/')
		return -1;
	for (size_t i = 0; i < tlen; i++)
		if ((unsigned char)target[i] <= 0x20 || (unsigned char)target[i] >= 0x7f)
			return -1;
	q = memchr(target, '?', tlen);
	plen = q != NULL ? (size_t)(q - target) : tlen;
	if (plen >= sizeof(req->path))
		return -2;
	memcpy(req->path, target, plen);
	req->path[plen] = '\0';
	if (q != NULL) {
		size_t qlen = tlen - plen - 1;

		if (qlen >= sizeof(req->query))
			return -2;
		memcpy(req->query, q + 1, qlen);
		req->query[qlen] = '\0';
	}

	/* "HTTP/1.x" exactly */
	if ((size_t)(p + n - (sp2 + 1)) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
	    (sp2[8] != '0' && sp2[8] != '1'))
		return -1;
	*minor = sp2[8] - '0';
	return 0;
}

long vcl_http_parse(const char *buf, size_t len, struct vcl_http_req *req)
{
	const char *end, *line, *eol;
	size_t head;
	int minor = 0, r;
	bool have_cl = false, conn_close = false, conn_keep = false;

	memset(req, 0, sizeof(*req));
	end = find_head_end(buf, len < VCL_HTTP_MAX_HEAD ? len : VCL_HTTP_MAX_HEAD);
	if (end == NULL)
		return len >= VCL_HTTP_MAX_HEAD ? VCL_HTTP_TOO_LARGE : VCL_HTTP_INCOMPLETE;
	head = (size_t)(end - buf) + 4;

	eol = memchr(buf, '\r', head);
	if (eol == NULL || eol[1] != '\n')
		return VCL_HTTP_BAD;
	r = parse_request_line(buf, (size_t)(eol - buf), req, &minor);
	if (r == -2)
		return VCL_HTTP_TOO_LARGE;
	if (r < 0)
		return VCL_HTTP_BAD;

	for (line = eol + 2; line < end; line = eol + 2) {
		const char *colon, *v;
		size_t nlen, vlen;

		eol = memchr(line, '\r', (size_t)(end + 2 - line));
		if (eol == NULL || eol[1] != '\n')
			return VCL_HTTP_BAD;
		colon = memchr(line, ':', (size_t)(eol - line));
		if (colon == NULL || colon == line)
			return VCL_HTTP_BAD;
		nlen = (size_t)(colon - line);
		for (size_t i = 0; i < nlen; i++)
			if (!is_token_char(line[i]))
				return VCL_HTTP_BAD;
		v = colon + 1;
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		vlen = (size_t)(eol - v);
		while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		for (size_t i = 0; i < vlen; i++)
			if ((unsigned char)v[i] < 0x20 && v[i] != '\t')
				return VCL_HTTP_BAD;

		if (nlen == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
			size_t cl = 0;

			if (have_cl || vlen == 0 || vlen > 9)
				return vlen > 9 ? VCL_HTTP_TOO_LARGE : VCL_HTTP_BAD;
			for (size_t i = 0; i < vlen; i++) {
				if (v[i] < '0' || v[i] > '9')
					return VCL_HTTP_BAD;
				cl = cl * 10 + (size_t)(v[i] - '0');
			}
			have_cl = true;
			req->content_length = cl;
		} else if (nlen == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0) {
			/* Chunked bodies are not part of this payload's protocol;
			 * refusing them avoids request-smuggling ambiguity. */
			return VCL_HTTP_BAD;
		} else if (nlen == 10 && strncasecmp(line, "Connection", 10) == 0) {
			conn_close |= value_has_token(v, vlen, "close");
			conn_keep |= value_has_token(v, vlen, "keep-alive");
		}
	}
	if (req->content_length > VCL_HTTP_MAX_BODY)
		return VCL_HTTP_TOO_LARGE;
	req->keep_alive = minor == 1 ? !conn_close : conn_keep;
	req->head_len = head;
	if (len < head + req->content_length)
		return VCL_HTTP_INCOMPLETE;
	return (long)(head + req->content_length);
}

int vcl_http_query_u64(const char *query, const char *key, uint64_t max, uint64_t *out)
{
	size_t klen = strlen(key);
	const char *p = query;

	while (p != NULL && *p != '\0') {
		const char *amp = strchr(p, '&');
		size_t len = amp != NULL ? (size_t)(amp - p) : strlen(p);

		if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			uint64_t v = 0;
			size_t digits = len - klen - 1;

			if (digits == 0 || digits > 19)
				return -2;
			for (size_t i = 0; i < digits; i++) {
				char c = p[klen + 1 + i];

				if (c < '0' || c > '9')
					return -2;
				v = v * 10 + (uint64_t)(c - '0');
			}
			if (v > max)
				return -2;
			*out = v;
			return 0;
		}
		p = amp != NULL ? amp + 1 : NULL;
	}
	return -1;
}

uint64_t vcl_work_checksum(uint64_t iters)
{
	/* xorshift64* steps folded into an FNV-style accumulator: cheap per
	 * iteration, impossible for the compiler to collapse, same on every
	 * placement. */
	uint64_t x = 0x9e3779b97f4a7c15ULL, acc = 0xcbf29ce484222325ULL;

	for (uint64_t i = 0; i < iters; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		acc = (acc ^ (x * 0x2545f4914f6cdd1dULL)) * 0x100000001b3ULL;
	}
	return acc;
}

const char *vcl_http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 413:
		return "Content Too Large";
	case 500:
		return "Internal Server Error";
	case 507:
		return "Insufficient Storage";
	default:
		return "Error";
	}
}

int vcl_http_send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int vcl_http_reply(int fd, int status, const char *type, const char *extra, const char *body,
		   size_t len, bool keep_alive)
{
	char out[1024];
	int n = snprintf(out, sizeof(out),
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
			 "Connection: %s\r\n\r\n",
			 status, vcl_http_reason(status), type, len, extra,
			 keep_alive ? "keep-alive" : "close");

	if (n < 0 || (size_t)n >= sizeof(out))
		return -1;
	if (len <= sizeof(out) - (size_t)n) {
		memcpy(out + n, body, len);
		return vcl_http_send_all(fd, out, (size_t)n + len);
	}
	if (vcl_http_send_all(fd, out, (size_t)n) < 0)
		return -1;
	return vcl_http_send_all(fd, body, len);
}

int vcl_http_accept(int lfd, const char *who)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0)
			return fd;
		if (errno != EINTR && errno != ECONNABORTED) {
			fprintf(stderr, "%s: accept: %s\n", who, strerror(errno));
			return -1;
		}
	}
}
