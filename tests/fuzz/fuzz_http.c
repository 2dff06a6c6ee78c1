/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the payload's HTTP request parser and query reader. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "payload/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vcl_http_req req;
	size_t off = 0;

	/* Walk pipelined requests the way the payload's connection loop does. */
	while (off < size) {
		long n = vcl_http_parse((const char *)data + off, size - off, &req);
		uint64_t v;

		if (n <= 0)
			break;
		if (req.path[sizeof(req.path) - 1] != '\0' ||
		    req.query[sizeof(req.query) - 1] != '\0')
			__builtin_trap();
		if ((size_t)n > size - off)
			__builtin_trap(); /* claimed more than it was given */
		vcl_http_query_u64(req.query, "iters", UINT64_MAX, &v);
		vcl_http_query_u64(req.query, "mib", 1024, &v);
		off += (size_t)n;
	}
	return 0;
}
