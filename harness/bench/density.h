/* SPDX-License-Identifier: MIT */
#ifndef VCL_BENCH_DENSITY_H
#define VCL_BENCH_DENSITY_H

/*
 * What stops a density run (density.stop_reason), as a pure decision on
 * the figures the scenario reads before each burst: unit-tested on literal
 * input (tests/unit/test_density.c). The host-side readings that fill it
 * (MemAvailable, pid and fd headroom) are in scenario_density.c.
 */

#include <stdbool.h>
#include <stdint.h>

/* The reasons, in the order they are checked: what went wrong with the
 * last burst first, then the budget, then what the next burst would run
 * out of. */
#define VCL_DENSITY_LAUNCH_FAILURE "launch-failure"
#define VCL_DENSITY_CPU		   "cpu"
#define VCL_DENSITY_BUDGET	   "budget"
#define VCL_DENSITY_MEMORY	   "memory"
#define VCL_DENSITY_PIDS	   "pids"
#define VCL_DENSITY_FDS		   "fds"
#define VCL_DENSITY_TIMEOUT	   "timeout"

struct vcl_density_state {
	unsigned k;	     /* the next burst's size */
	unsigned n;	     /* instances up */
	bool launch_failed;  /* the last burst did not all come up */
	bool cpu_starved;    /* ...because the host's CPU is saturated (readiness timeout) */
	unsigned unhealthy;  /* instances failing requests under --density-load */
	double p99_ms;	     /* the last step's p99 under load, < 0 when unmeasured */
	double p99_limit_ms; /* p99 above this counts as no longer healthy (0: no limit) */
	uint64_t used_kib, budget_kib;
	uint64_t memavail_kib, floor_kib;
	double per_inst_kib;  /* MemAvailable one more instance costs */
	uint64_t pids_free;   /* tasks the host (pid_max, threads-max, pids cgroup) still allows */
	double pids_per_inst; /* tasks one instance holds */
	uint64_t fds_free;    /* descriptors RLIMIT_NOFILE still allows this process */
	double fds_per_inst;  /* descriptors the harness holds per instance */
	uint64_t elapsed_ms, limit_ms; /* time spent, the scenario's limit (0: none) */
};

/* NULL to go on with the next burst, else the stop reason (one of the
 * VCL_DENSITY_* strings). Pure. */
const char *vcl_density_stop(const struct vcl_density_state *s);

/* Tasks and descriptors kept back for the harness itself and its probes:
 * a run stops this far from the limit, never at it. */
#define VCL_DENSITY_PIDS_SPARE 256
#define VCL_DENSITY_FDS_SPARE  256

/* Headroom below a limit, with the spare kept back: max(0, limit - used -
 * spare). Pure. */
uint64_t vcl_density_headroom(uint64_t limit, uint64_t used, uint64_t spare);

struct vcl_instance;
struct vcl_error;

/* One step of --density-load: what every instance up answered. */
struct vcl_density_load {
	uint64_t requests, errors;
	unsigned unhealthy;    /* instances with at least one failed request */
	double p50_ms, p99_ms; /* from the intended send time; p99 < 0 when none answered */
	double seconds;
};

/* Send rps requests a second to each of inst[0, n) for `seconds`,
 * open-loop (bench/density_load.c). */
int vcl_density_load(struct vcl_instance **inst, unsigned n, double rps, double seconds,
		     struct vcl_density_load *out, struct vcl_error **err);

/* GET /healthz once on each of inst[0, n), up to 1024 at a time in one epoll
 * set; bad[i] = 1 for each that did not answer 200 within timeout_ms of its
 * request's start. */
int vcl_density_health(struct vcl_instance **inst, unsigned n, unsigned timeout_ms,
		       unsigned char *bad, struct vcl_error **err);

/* Slab memory in use, KiB: active objects times their size over every
 * cache of a /proc/slabinfo text. Pure. */
double vcl_slabinfo_kib(const char *text);

struct vcl_ledger;

/* The kernel memory one more accounting-only cgroup costs outside its own
 * accounting, KiB: the median of 3 rounds of 32 cgroups made under
 * vclab/<run_id>/cgcost-<tag>-N (recorded in ledger) and removed
 * (bench/density_cgcost.c). */
int vcl_density_cgroup_cost(struct vcl_ledger *ledger, const char *run_id, const char *tag,
			    double *kib, struct vcl_error **err);

#endif
