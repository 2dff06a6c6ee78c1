/* SPDX-License-Identifier: MIT */
#ifndef VCL_LOADGEN_H
#define VCL_LOADGEN_H

/*
 * The built-in HTTP load generator: `concurrency` keep-alive connections for
 * a fixed duration; epoll, one thread, so its own cost is small and the same
 * against every placement. Two modes:
 *
 * - closed-loop (rate == 0): each connection sends the next request as soon
 *   as the previous response is complete. This measures peak throughput.
 *   Latency runs from the actual send, so a stall delays one request per
 *   connection and then simply sends fewer: coordinated omission, the
 *   percentiles hide the stall.
 *
 * - open-loop (rate > 0), in the spirit of wrk2: requests have fixed
 *   intended send times, `rate` per second over all connections (connection
 *   i sends at t0 + (i + k * concurrency) / rate). A connection still has one
 *   request in flight at a time; when it falls behind, the overdue requests
 *   go out as soon as it is free. Latency runs from the INTENDED send time,
 *   so a stall is counted in every request that should have been sent
 *   during it, as a client arriving at a constant rate would see it. After
 *   the window, a drain of at most VCL_LOADGEN_DRAIN_S completes what was
 *   scheduled in it; scheduled requests still not answered then are
 *   `unfinished` and count as errors.
 *
 * Both modes start with a connect phase outside the window: the
 * connections are opened one at a time, each answering one request (not
 * recorded) before the next opens, as wrk2's connections are up before it
 * measures. connect_ns is that phase's time, connect_max_ns its slowest
 * connection.
 *
 * Both modes record latency in an HDR-style histogram (core/hdr.h).
 */

#include <stddef.h>
#include <stdint.h>

#include "core/backend.h"
#include "core/error.h"

#define VCL_LOADGEN_DRAIN_S 1.0
/* The connect phase's limit: every connection up and answered once. */
#define VCL_LOADGEN_CONNECT_S 10.0

struct vcl_loadgen_opts {
	const struct vcl_endpoint *ep;
	const char *path; /* e.g. "/work?iters=20000" */
	unsigned concurrency;
	double seconds;
	double rate; /* open-loop target in requests/s over all connections; 0: closed-loop */
};

struct vcl_loadgen_result {
	uint64_t requests; /* completed with 200 */
	uint64_t errors;   /* non-200, resets, timeouts (open-loop: includes unfinished) */
	double seconds;	   /* measured wall time (open-loop: the window and the drain used) */
	double rps;	   /* requests / seconds: the achieved rate */
	double lat_p50_ms, lat_p90_ms, lat_p99_ms, lat_max_ms;
	double lat_p999_ms; /* 0 from wrk, which does not print it */
	/* open-loop only (0 in closed-loop) */
	double target_rps;   /* opts.rate */
	uint64_t scheduled;  /* requests whose intended send time fell in the window */
	uint64_t unfinished; /* scheduled but not answered by the end of the drain */
	/* the connect phase (both modes; 0 from wrk) */
	uint64_t connect_ns, connect_max_ns;
	uint64_t connect_errors; /* non-200 answers to the connect phase's requests */
};

int vcl_loadgen_run(const struct vcl_loadgen_opts *o, struct vcl_loadgen_result *r,
		    struct vcl_error **err);

/* n connections opened at once, as a client's pool or a burst of clients
 * opens them: how long until each handshake completes. A placement whose
 * front end drops SYNs beyond a short accept queue shows it here as a
 * connection retried after TCP's 1 s initial RTO. Not-up-in-time counts as
 * failed. When the endpoint is in the host's network namespace, the
 * namespace's TcpExt counters TCPSynRetrans and ListenDrops are read before
 * and after (counted = true): the SYNs retried and dropped meanwhile, this
 * burst's and any other host traffic's. */
struct vcl_connect_burst {
	unsigned connections, failed;
	uint64_t fastest_ns, slowest_ns;
	bool counted;
	uint64_t syn_retrans, listen_drops;
};
int vcl_loadgen_connect_burst(const struct vcl_endpoint *ep, unsigned n,
			      struct vcl_connect_burst *out, struct vcl_error **err);

/* Run wrk (when installed) against the same endpoint, entering the
 * endpoint's network namespace first. Closed-loop; with o->rate > 0 each
 * connection paces itself (wrk's delay(): concurrency/rate between an
 * answer and the next request), which offers about that load but, wrk not
 * being wrk2, measures latency from the actual send. Returns 1 when wrk ran, 0 when wrk is not installed, -1 on
 * failure. */
int vcl_wrk_run(const struct vcl_loadgen_opts *o, struct vcl_loadgen_result *r,
		struct vcl_error **err);
/* Parse wrk --latency output; pure. Fills rps, requests, errors (non-2xx/3xx
 * and socket errors), p50/p90/p99 and max (the Latency line's Max). */
int vcl_wrk_parse(const char *text, struct vcl_loadgen_result *r);

#endif
