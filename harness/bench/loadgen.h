/* SPDX-License-Identifier: MIT */
#ifndef VCL_LOADGEN_H
#define VCL_LOADGEN_H

/*
 * The built-in closed-loop HTTP load generator: `concurrency` keep-alive
 * connections, each sending the next request as soon as the previous
 * response is complete, for a fixed duration. epoll, one thread, so its own
 * cost is small and the same against every placement.
 */

#include <stddef.h>
#include <stdint.h>

#include "core/backend.h"
#include "core/error.h"

struct vcl_loadgen_opts {
	const struct vcl_endpoint *ep;
	const char *path; /* e.g. "/work?iters=20000" */
	unsigned concurrency;
	double seconds;
};

struct vcl_loadgen_result {
	uint64_t requests; /* completed with 200 */
	uint64_t errors;   /* non-200, resets, timeouts */
	double seconds;	   /* measured wall time */
	double rps;
	double lat_p50_ms, lat_p90_ms, lat_p99_ms, lat_max_ms;
};

int vcl_loadgen_run(const struct vcl_loadgen_opts *o, struct vcl_loadgen_result *r,
		    struct vcl_error **err);

/* Run wrk (when installed) against the same endpoint, entering the
 * endpoint's network namespace first. Returns 1 when wrk ran, 0 when wrk is
 * not installed, -1 on failure. */
int vcl_wrk_run(const struct vcl_loadgen_opts *o, struct vcl_loadgen_result *r,
		struct vcl_error **err);
/* Parse wrk --latency output; pure. */
int vcl_wrk_parse(const char *text, struct vcl_loadgen_result *r);

#endif
