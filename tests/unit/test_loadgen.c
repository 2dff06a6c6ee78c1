/* SPDX-License-Identifier: MIT */
/*
 * The HDR histogram against exact percentiles, the wrk parser on literal
 * wrk --latency output, and the load generator in both modes against a tiny
 * HTTP server on 127.0.0.1 (a thread here) that stalls at known points:
 * closed-loop percentiles hide a stall (coordinated omission), open-loop
 * ones show it, and open-loop keeps its rate.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/loadgen.h"
#include "core/cleanup.h"
#include "core/hdr.h"
#include "tests/suite_main.h"
#include "tests/unit/test_server.h"

/* ---- HDR histogram ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest value with at least ceil(q*n) values at or below. */
static uint64_t exact_pct(const uint64_t *sorted, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * (double)n - 1e-9);

	return sorted[rank < 1 ? 0 : rank - 1];
}

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 11;
}

START_TEST(test_hdr_buckets)
{
	uint64_t lo, hi, prev_hi = 0;
	unsigned last = vcl_hdr_bucket(VCL_HDR_MAX_US);

	/* Contiguous, each value in its own bucket, never wider than 1/128 of its
	 * lower bound, exact below 256 µs, up to the bucket that holds 60 s. */
	ck_assert_uint_lt(last, VCL_HDR_NBUCKETS);
	ck_assert_uint_ge(last, VCL_HDR_NBUCKETS - 128);
	for (unsigned i = 0; i <= last; i++) {
		vcl_hdr_bucket_range(i, &lo, &hi);
		ck_assert_uint_eq(vcl_hdr_bucket(lo), i);
		ck_assert_uint_eq(vcl_hdr_bucket(hi < VCL_HDR_MAX_US ? hi : VCL_HDR_MAX_US), i);
		if (i > 0)
			ck_assert_uint_eq(lo, prev_hi + 1);
		if (lo < 256)
			ck_assert_uint_eq(lo, hi);
		else
			ck_assert_uint_le((hi - lo + 1) * 128, lo);
		prev_hi = hi;
	}
	ck_assert_uint_eq(vcl_hdr_bucket(UINT64_MAX), last);
}
END_TEST

START_TEST(test_hdr_exact_small)
{
	struct vcl_hdr h;

	/* 1..100 µs: every value has its own bucket, so nearest rank is exact. */
	vcl_hdr_init(&h);
	for (uint64_t v = 100; v >= 1; v--)
		vcl_hdr_record(&h, v);
	ck_assert_uint_eq(vcl_hdr_count(&h), 100);
	ck_assert_uint_eq(vcl_hdr_max(&h), 100);
	ck_assert_double_eq(vcl_hdr_percentile(&h, 0.50), 50);
	ck_assert_double_eq(vcl_hdr_percentile(&h, 0.90), 90);
	ck_assert_double_eq(vcl_hdr_percentile(&h, 0.99), 99);
	ck_assert_double_eq(vcl_hdr_percentile(&h, 0.999), 100);
	ck_assert_double_eq(vcl_hdr_percentile(&h, 0.29), 29);
	ck_assert_double_eq(vcl_hdr_percentile(&h, 0), 1);
	ck_assert_double_eq(vcl_hdr_percentile(&h, 1), 100);
	ck_assert_double_eq_tol(vcl_hdr_mean(&h), 50.5, 1e-12);
	/* Empty, and 0 counted as 1 µs. */
	vcl_hdr_init(&h);
	ck_assert_double_eq(vcl_hdr_percentile(&h, 0.5), 0);
	ck_assert_uint_eq(vcl_hdr_max(&h), 0);
	vcl_hdr_record(&h, 0);
	ck_assert_double_eq(vcl_hdr_percentile(&h, 0.5), 1);
}
END_TEST

START_TEST(test_hdr_against_exact)
{
	static const double qs[] = {0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 0.9999};
	enum { N = 200000 };
	uint64_t *x = malloc(N * sizeof(*x)), seed = 42;
	struct vcl_hdr *h = malloc(sizeof(*h)), *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));

	ck_assert_ptr_nonnull(x);
	vcl_hdr_init(h);
	vcl_hdr_init(a);
	vcl_hdr_init(b);
	/* Log-uniform from 1 µs to ~60 s: every bucket width is exercised. */
	for (size_t i = 0; i < N; i++) {
		double u = (double)(lcg(&seed) % 1000000) / 1e6;

		x[i] = (uint64_t)exp(u * log(6e7));
		vcl_hdr_record(h, x[i]);
		vcl_hdr_record(i % 3 == 0 ? a : b, x[i]);
	}
	vcl_hdr_merge(a, b);
	qsort(x, N, sizeof(*x), cmp_u64);
	ck_assert_uint_eq(vcl_hdr_count(h), N);
	ck_assert_uint_eq(vcl_hdr_max(h), x[N - 1]);
	ck_assert_uint_eq(vcl_hdr_count(a), N);
	ck_assert_uint_eq(vcl_hdr_max(a), x[N - 1]);
	for (size_t i = 0; i < ARRAY_SIZE(qs); i++) {
		double want = (double)exact_pct(x, N, qs[i]), got = vcl_hdr_percentile(h, qs[i]);

		/* Midpoint of a bucket at most want/128 wide: within want/256. */
		ck_assert_msg(fabs(got - want) <= want / 256 + 0.5, "q %g: %g, exact %g", qs[i],
			      got, want);
		/* A merged histogram answers exactly as the one that saw all. */
		ck_assert_double_eq(vcl_hdr_percentile(a, qs[i]), got);
	}
	/* Beyond 60 s: counted in the top bucket, max stays exact. */
	vcl_hdr_record(h, 120000000);
	ck_assert_uint_eq(vcl_hdr_max(h), 120000000);
	ck_assert_double_eq(vcl_hdr_percentile(h, 1), 120000000);
	ck_assert_uint_eq(h->above, 1);
	free(x);
	free(h);
	free(a);
	free(b);
}
END_TEST

/* ---- wrk parser ---- */

START_TEST(test_wrk_parse_units)
{
	/* wrk 4.x --latency output; units us, ms, s and errors of both kinds. */
	static const char out[] = "Running 10s test @ http://127.0.0.1:8080/work?iters=20000\n"
				  "  1 threads and 4 connections\n"
				  "  Thread Stats   Avg      Stdev     Max   +/- Stdev\n"
				  "    Latency   635.91us  210.12us   1.20s    93.69%\n"
				  "    Req/Sec     6.30k   400.00     7.00k    70.00%\n"
				  "  Latency Distribution\n"
				  "     50%  590.00us\n"
				  "     75%  700.00us\n"
				  "     90%    1.02ms\n"
				  "     99%    2.50s \n"
				  "  62734 requests in 10.01s, 6.50MB read\n"
				  "  Socket errors: connect 0, read 2, write 0, timeout 3\n"
				  "  Non-2xx or 3xx responses: 5\n"
				  "Requests/sec:   6267.45\n"
				  "Transfer/sec:    665.12KB\n";
	struct vcl_loadgen_result r = {0};

	ck_assert_int_eq(vcl_wrk_parse(out, &r), 0);
	ck_assert_double_eq_tol(r.lat_p50_ms, 0.59, 1e-9);
	ck_assert_double_eq_tol(r.lat_p90_ms, 1.02, 1e-9);
	ck_assert_double_eq_tol(r.lat_p99_ms, 2500, 1e-9);
	ck_assert_double_eq_tol(r.lat_max_ms, 1200, 1e-9);
	ck_assert_double_eq_tol(r.rps, 6267.45, 1e-9);
	ck_assert_uint_eq(r.requests, 62734);
	ck_assert_uint_eq(r.errors, 10);
}
END_TEST

START_TEST(test_wrk_parse_real)
{
	/* Captured from wrk 4.1.0 (Debian 12) against vclab-payload. */
	static const char out[] = "Running 1s test @ http://127.0.0.1:18777/work?iters=20000\n"
				  "  1 threads and 4 connections\n"
				  "  Thread Stats   Avg      Stdev     Max   +/- Stdev\n"
				  "    Latency    24.34ms   62.79ms 308.28ms   89.89%\n"
				  "    Req/Sec     8.29k     5.91k   16.63k    70.00%\n"
				  "  Latency Distribution\n"
				  "     50%   59.00us\n"
				  "     75%    6.77ms\n"
				  "     90%   89.98ms\n"
				  "     99%  286.50ms\n"
				  "  8284 requests in 1.03s, 857.52KB read\n"
				  "Requests/sec:   8073.37\n"
				  "Transfer/sec:    835.72KB\n";
	struct vcl_loadgen_result r = {0};

	ck_assert_int_eq(vcl_wrk_parse(out, &r), 0);
	ck_assert_double_eq_tol(r.lat_p50_ms, 0.059, 1e-9);
	ck_assert_double_eq_tol(r.lat_p90_ms, 89.98, 1e-9);
	ck_assert_double_eq_tol(r.lat_p99_ms, 286.5, 1e-9);
	ck_assert_double_eq_tol(r.lat_max_ms, 308.28, 1e-9);
	ck_assert_double_eq_tol(r.rps, 8073.37, 1e-9);
	ck_assert_uint_eq(r.requests, 8284);
	ck_assert_uint_eq(r.errors, 0);
}
END_TEST

START_TEST(test_wrk_parse_bad)
{
	struct vcl_loadgen_result r = {0};

	ck_assert_int_eq(vcl_wrk_parse("", &r), -1);
	ck_assert_int_eq(vcl_wrk_parse("unable to connect to 127.0.0.1:1 Connection refused\n", &r),
			 -1);
	/* No distribution (wrk without --latency). */
	ck_assert_int_eq(vcl_wrk_parse("    Latency   1.00ms  0.10ms   2.00ms   90.00%\n"
				       "Requests/sec:   10.00\n",
				       &r),
			 -1);
	/* A unit it does not know. */
	ck_assert_int_eq(
	    vcl_wrk_parse("  Latency Distribution\n     50%   1.00xs\n     90%   1.00ms\n"
			  "     99%   1.00ms\nRequests/sec:   10.00\n",
			  &r),
	    -1);
	/* Minutes. */
	ck_assert_int_eq(
	    vcl_wrk_parse("  Latency Distribution\n     50%   1.00ms\n     90%   1.00ms\n"
			  "     99%   1.50m\nRequests/sec:   10.00\n",
			  &r),
	    0);
	ck_assert_double_eq_tol(r.lat_p99_ms, 90000, 1e-9);
}
END_TEST

/* ---- the load generator against a server with a known delay ---- */

static void run_conc(struct tsrv *s, unsigned conc, double rate, double seconds,
		     struct vcl_loadgen_result *r)
{
	struct vcl_endpoint ep = {.addr = "127.0.0.1", .netns_fd = -1};
	struct vcl_loadgen_opts o = {
	    .ep = &ep, .path = "/work", .concurrency = conc, .seconds = seconds, .rate = rate};
	struct vcl_error *e = NULL;
	int rc;

	tsrv_start(s);
	ep.port = s->port;
	rc = vcl_loadgen_run(&o, r, &e);
	tsrv_stop(s);
	ck_assert_msg(rc == 0, "loadgen: %s", e != NULL ? e->msg : "?");
	fprintf(stderr,
		"%s: %llu ok, %llu errors, %.0f rps (target %.0f), p50 %.3f p90 %.3f p99 %.3f "
		"p99.9 %.3f max %.3f ms; connect phase %.1f ms (slowest %.1f)\n",
		rate > 0 ? "open-loop" : "closed-loop", (unsigned long long)r->requests,
		(unsigned long long)r->errors, r->rps, r->target_rps, r->lat_p50_ms, r->lat_p90_ms,
		r->lat_p99_ms, r->lat_p999_ms, r->lat_max_ms, (double)r->connect_ns / 1e6,
		(double)r->connect_max_ns / 1e6);
}

static void run(struct tsrv *s, double rate, double seconds, struct vcl_loadgen_result *r)
{
	run_conc(s, 2, rate, seconds, r);
}

START_TEST(test_one_stall)
{
	struct tsrv s = {.stall_at = 200, .stall_ms = 200};
	struct vcl_loadgen_result c, o;

	/* Closed-loop: the 200 ms stall delays one request per connection (2 of
	 * thousands); p99 never sees it, only max does. */
	run(&s, 0, 0.3, &c);
	ck_assert_uint_ge(c.requests, 400);
	ck_assert_uint_eq(c.errors, 0);
	ck_assert_double_lt(c.lat_p99_ms, 50);
	ck_assert_double_ge(c.lat_max_ms, 150);
	ck_assert_double_eq(c.target_rps, 0);
	/* Open-loop at 1000 req/s: the ~200 requests due during the stall all
	 * count it from their intended send time (a ramp from 200 ms down to 0:
	 * p90 ~100 ms, p99 ~190 ms). */
	s = (struct tsrv){.stall_at = 300, .stall_ms = 200};
	run(&s, 1000, 0.8, &o);
	ck_assert_uint_eq(o.errors, 0);
	ck_assert_uint_eq(o.unfinished, 0);
	ck_assert_uint_eq(o.scheduled, 800);
	ck_assert_double_ge(o.lat_p99_ms, 100);
	ck_assert_double_ge(o.lat_p90_ms, 50);
	ck_assert_double_ge(o.lat_max_ms, 150);
	ck_assert_double_eq(o.target_rps, 1000);
	ck_assert_double_ge(o.rps, 900);
	ck_assert_double_le(o.rps, 1100);
}
END_TEST

START_TEST(test_periodic_stall)
{
	struct tsrv s = {.every = 500, .stall_ms = 20};
	struct vcl_loadgen_result c, o;

	/* 20 ms once every 500 requests: 2 of every 500 requests (0.4%) in
	 * closed-loop; 4% (20 ms at 1000 req/s) in open-loop. */
	run(&s, 0, 0.3, &c);
	ck_assert_uint_ge(c.requests, 400);
	ck_assert_double_lt(c.lat_p99_ms, 10);
	ck_assert_double_ge(c.lat_max_ms, 15);
	s = (struct tsrv){.every = 500, .stall_ms = 20};
	run(&s, 1000, 0.8, &o);
	ck_assert_uint_eq(o.errors, 0);
	ck_assert_double_ge(o.lat_p99_ms, 10);
	ck_assert_double_ge(o.rps, 900);
	ck_assert_double_le(o.rps, 1100);
}
END_TEST

START_TEST(test_open_unreachable_rate)
{
	/* Every request takes 20 ms on one server thread: ~50 req/s at most, so
	 * a 400 req/s target falls behind; the achieved rate says so, and what
	 * was due but not answered by the end of the 1 s drain is counted. */
	struct tsrv s = {.every = 1, .stall_ms = 20};
	struct vcl_loadgen_result o;

	run(&s, 400, 0.3, &o);
	ck_assert_uint_eq(o.scheduled, 120);
	ck_assert_double_lt(o.rps, 100);
	ck_assert_uint_gt(o.unfinished, 0);
	ck_assert_uint_ge(o.errors, o.unfinished);
	ck_assert_uint_eq(o.requests + o.unfinished, o.scheduled);
	ck_assert_double_ge(o.lat_p99_ms, 300);
}
END_TEST

/* QEMU's user-mode port forward listens with a backlog of 1 and accepts
 * from its main loop: a SYN beyond the two queued handshakes is dropped and
 * retried after TCP's 1 s initial RTO. The same on a loopback listener with
 * backlog 1 that accepts 300 ms late. */
START_TEST(test_burst_meets_short_backlog)
{
	struct tsrv s = {.backlog = 1, .accept_delay_ms = 300};
	struct vcl_endpoint ep = {.addr = "127.0.0.1", .netns_fd = -1};
	struct vcl_connect_burst cb;
	struct vcl_error *e = NULL;
	int rc;

	tsrv_start(&s);
	ep.port = s.port;
	rc = vcl_loadgen_connect_burst(&ep, 4, &cb, &e);
	tsrv_stop(&s);
	ck_assert_msg(rc == 0, "burst: %s", e != NULL ? e->msg : "?");
	fprintf(stderr, "burst of 4, backlog 1: fastest %.3f ms, slowest %.3f ms, %u failed\n",
		(double)cb.fastest_ns / 1e6, (double)cb.slowest_ns / 1e6, cb.failed);
	ck_assert_uint_eq(cb.connections, 4);
	ck_assert_uint_eq(cb.failed, 0);
	ck_assert_double_lt((double)cb.fastest_ns / 1e6, 100);
	ck_assert_double_ge((double)cb.slowest_ns / 1e6, 900);
}
END_TEST

/* The same listener under open-loop load: the connect phase opens the
 * connections one at a time before the window, so none of them is retried
 * and no handshake is in the latency (before it, two of four connections
 * started 1 s late and p99 was ~1 s). */
START_TEST(test_window_without_handshakes)
{
	struct tsrv s = {.backlog = 1, .accept_delay_ms = 300};
	struct vcl_loadgen_result r;

	run_conc(&s, 4, 200, 0.5, &r);
	ck_assert_uint_eq(r.errors, 0);
	ck_assert_uint_eq(r.scheduled, 100);
	ck_assert_uint_eq(r.requests, 100);
	ck_assert_double_ge((double)r.connect_max_ns / 1e6, 250);
	ck_assert_double_lt((double)r.connect_ns / 1e6, 900);
	ck_assert_double_lt(r.lat_p99_ms, 100);
}
END_TEST

/* A server that closes the connection after every answer (busybox httpd
 * says "Connection: close"): the connect phase counts a connection as up
 * once it has answered, and both modes reconnect without errors. */
START_TEST(test_server_closes_each)
{
	struct tsrv s = {.close_each = true};
	struct vcl_loadgen_result c, o;

	run(&s, 0, 0.3, &c);
	ck_assert_uint_ge(c.requests, 50);
	ck_assert_uint_eq(c.errors, 0);
	s = (struct tsrv){.close_each = true};
	run(&s, 200, 0.5, &o);
	ck_assert_uint_eq(o.errors, 0);
	ck_assert_uint_eq(o.requests, o.scheduled);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loadgen");
	TCase *hdr = tcase_create("hdr"), *wrk = tcase_create("wrk"), *gen = tcase_create("gen");

	tcase_add_test(hdr, test_hdr_buckets);
	tcase_add_test(hdr, test_hdr_exact_small);
	tcase_add_test(hdr, test_hdr_against_exact);
	tcase_add_test(wrk, test_wrk_parse_units);
	tcase_add_test(wrk, test_wrk_parse_real);
	tcase_add_test(wrk, test_wrk_parse_bad);
	/* Real time on loopback; sanitizers slow the server, not the clock. */
	tcase_set_timeout(gen, 30);
	tcase_add_test(gen, test_one_stall);
	tcase_add_test(gen, test_periodic_stall);
	tcase_add_test(gen, test_open_unreachable_rate);
	tcase_add_test(gen, test_burst_meets_short_backlog);
	tcase_add_test(gen, test_window_without_handshakes);
	tcase_add_test(gen, test_server_closes_each);
	suite_add_tcase(s, hdr);
	suite_add_tcase(s, wrk);
	suite_add_tcase(s, gen);
	return run_suite(s);
}
