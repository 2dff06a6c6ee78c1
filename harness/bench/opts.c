/* SPDX-License-Identifier: MIT */
/* `vclab bench` options: one table (core/opt.h) and the profiles. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench/backends.h"
#include "bench/bench.h"
#include "core/cleanup.h"
#include "core/opt.h"
#include "core/util.h"

/*
 * Profiles: one row each, one column per count they set. Counts sized so
 * `quick` (what `make bench` runs: every scenario, all three placements)
 * finishes in under 4 minutes on a 2-core machine where VMs run under TCG.
 * The columns are fields of struct vcl_bench_opts of the same name.
 * Quick's density budgets (32 MiB, 384 MiB) were halved when the quick run
 * took 390 s on a loaded host, density 74 s of it (592 bare, 296 ctr, 18
 * VMs at ~48 MiB each): about 300 bare, 150 ctr and 8 VMs now.
 */
#define PROFILE_COLUMNS(X)                                                                         \
	X(unsigned, runs)                                                                          \
	X(unsigned, warmup)                                                                        \
	X(unsigned, vm_runs)                                                                       \
	X(unsigned, vm_warmup)                                                                     \
	X(unsigned, mem_instances)                                                                 \
	X(unsigned, vm_mem_instances)                                                              \
	X(uint64_t, budget_mib)                                                                    \
	X(uint64_t, vm_budget_mib)                                                                 \
	X(unsigned, burst)                                                                         \
	X(unsigned, vm_burst)                                                                      \
	X(double, density_seconds)                                                                 \
	X(unsigned, autoscale_repeats)                                                             \
	X(unsigned, vm_autoscale_repeats)                                                          \
	X(double, steady_seconds)                                                                  \
	X(unsigned, steady_concurrency)

struct profile {
	const char *name;
#define COLUMN(type, f) type f;
	PROFILE_COLUMNS(COLUMN)
#undef COLUMN
};

/* Columns in PROFILE_COLUMNS order: runs, warmup, vm_runs, vm_warmup,
 * mem_instances, vm_mem_instances, budget_mib, vm_budget_mib, burst, vm_burst,
 * density_seconds, autoscale_repeats, vm_autoscale_repeats, steady_seconds, steady_concurrency. */
/* clang-format off */
static const struct profile profiles[] = {
	/*            run  wu vrun vwu mem vmem budget vbudget burst vburst dens_s rep vrep  s conc */
	{"quick",      20,  2,   5,  1,  3,   2,    32,    384,    8,     2,    60,  3,   2,  2,   4},
	{"standard",  100,  5,  20,  2,  8,   4,  1024,   4096,   64,     4,   600, 10,   5, 10,   8},
	{"full",      500, 10,  50,  3, 16,   8,  4096,  16384,  128,     8,  1800, 30,  10, 30,  16},
};
/* clang-format on */

static const char *const profile_names[] = {"quick", "standard", "full", NULL};
static const char *const scenario_names[] = {"startup", "memory",    "density", "autoscale",
					     "steady",	"cpu",	     "membw",	"disk",
					     "net",	"isolation", NULL};
static const char *const vm_nets[] = {"user", "network:", NULL};
static const char *const caches[] = {"warm", "cold", NULL};
static const char *const ksm_modes[] = {"off", "on", "both", NULL};
static const char *const security_modes[] = {"cri", "strict", NULL};
static const char *const gvisor_platforms[] = {"auto", "systrap", "kvm", "ptrace", NULL};

#define B struct vcl_bench_opts
static const struct vcl_opt bench_opts[] = {
    VCL_OPT_ENUM_ROW(B, profile, "profile", profile_names, NULL,
		     "counts and durations (default quick; docs/scenarios.md has the table)"),
    VCL_OPT_LIST_OF_ROW(B, backends, "backends", NULL, vcl_backends_placement_words,
			"placements (default: all built in)"),
    VCL_OPT_LIST_OF_ROW(B, peers, "peer", "peers", vcl_backends_peer_words,
			"same-run peers (default: the peers of the chosen placements but podman "
			"and docker, which run only when named; 'none' for none)"),
    VCL_OPT_LIST_ROW(B, scenarios, "scenarios", NULL, scenario_names,
		     "what to run (default all but isolation, which runs when named)"),
    VCL_OPT_UINT_ROW(B, runs, "runs", 1, 100000, "N",
		     "measured launches per process placement/peer"),
    VCL_OPT_UINT_ROW(B, vm_runs, "vm-runs", 1, 10000, "N",
		     "measured launches per VM placement/peer"),
    VCL_OPT_UINT_ROW(B, warmup, "warmup", 0, 1000, "N",
		     "warm-up launches excluded from statistics, processes"),
    VCL_OPT_UINT_ROW(B, vm_warmup, "vm-warmup", 0, 100, "N", "warm-up launches of VMs"),
    VCL_OPT_STR_ROW(B, out, "out", 0, "DIR", "results folder (default results/<timestamp>-<host>)"),
    VCL_OPT_STR_ROW(B, payload, "payload", 0, "PATH",
		    "payload binary (default: vclab-payload next to vclab)"),
    VCL_OPT_U64_ROW(B, limits.mem_mib, "mem-mib", 8, 1048576, "N",
		    "memory limit every placement gets, MiB (default 256)"),
    VCL_OPT_DOUBLE_ROW(B, limits.cpus, "cpus", 0.01, 3600, "X",
		       "CPU limit every placement gets, cores (default 1)"),
    VCL_OPT_UINT_ROW(B, limits.pids, "pids", 1, 4194304, "N",
		     "pids limit every placement gets (default 64)"),
    VCL_OPT_UINT_ROW(B, vcpus, "vcpus", 1, 256, "N", "guest vCPUs (default 1)"),
    VCL_OPT_U64_ROW(B, vm_mem_mib, "vm-mem-mib", 64, 1048576, "N", "guest RAM, MiB (default 256)"),
    VCL_OPT_ENUM_ROW(B, vm_net, "vm-net", vm_nets, "user|network:NAME",
		     "guest networking (default user)"),
    VCL_OPT_U64_ROW(B, vm_host_port, "vm-host-port", 1024, 65535, "N",
		    "VM n forwards from 127.0.0.1:N+n (default: a free port)"),
    VCL_OPT_STR_ROW(B, connect_uri, "connect", 0, "URI", "libvirt URI (default qemu:///system)"),
    VCL_OPT_STR_ROW(B, kernel, "kernel", 0, "PATH", "guest kernel"),
    VCL_OPT_STR_ROW(B, initrd, "initrd", 0, "PATH", "guest initramfs"),
    VCL_OPT_FLAG_ROW(B, ctr_userns, "ctr-userns", 0, "run containers in a user namespace"),
    VCL_OPT_FLAG_ROW(B, ctr_no_seccomp, "ctr-no-seccomp", 0,
		     "containers (ctr, runc, crun) without the syscall filter"),
    VCL_OPT_ENUM_ROW(B, security, "security", security_modes, "cri|strict",
		     "containers (ctr, runc, crun, podman): cri, containerd's defaults (its "
		     "capability set, writable root, default mounts) with each service's "
		     "securityContext (default); strict, no capabilities and a read-only root"),
    VCL_OPT_ENUM_ROW(B, gvisor_platform, "gvisor-platform", gvisor_platforms,
		     "auto|systrap|kvm|ptrace",
		     "gvisor: the platform runsc traps system calls with; auto tries systrap, "
		     "kvm, ptrace and keeps the first that runs (default). One that cannot run "
		     "here skips gvisor, with runsc's reason"),
    VCL_OPT_UINT_ROW(B, mem_instances, "mem-instances", 1, 1024, "N",
		     "memory: idle instances per placement (VMs: at most this many)"),
    VCL_OPT_U64_ROW(B, budget_mib, "budget-mib", 1, 1048576, "N",
		    "density: memory budget for process placements, MiB"),
    VCL_OPT_U64_ROW(B, vm_budget_mib, "vm-budget-mib", 64, 1048576, "N",
		    "density: memory budget for VMs, MiB"),
    VCL_OPT_UINT_ROW(B, burst, "burst", 1, 4096, "K", "density: process instances per burst"),
    VCL_OPT_UINT_ROW(B, vm_burst, "vm-burst", 1, 64, "K", "density: VMs per burst"),
    VCL_OPT_ENUM_ROW(B, ksm, "ksm", ksm_modes, "on|off|both",
		     "density: kernel samepage merging for VMs: on for the run (footprint also "
		     "after unmerging), both (grow without, then merge), off (default)"),
    VCL_OPT_DOUBLE_ROW(B, density_load, "density-load", 0.1, 10000, "RPS",
		       "density: each instance serves RPS req/s for 1 s after each burst; "
		       "healthy instances and p99 per step (default off)"),
    VCL_OPT_DOUBLE_ROW(B, density_seconds, "density-seconds", 1, 86400, "S",
		       "density: time limit per placement (stop_reason timeout)"),
    VCL_OPT_DOUBLE_ROW(B, density_hold, "density-hold", 0, 3600, "S",
		       "density: keep the instances up S s after the growth stops, before "
		       "the final /healthz check (for outside counts; default 0)"),
    VCL_OPT_DOUBLE_ROW(B, scale_threshold, "scale-threshold", 0.01, 1, "X",
		       "autoscale: CPU fraction that triggers scale-out (default 0.7)"),
    VCL_OPT_UINT_ROW(B, autoscale_repeats, "repeats", 1, 1000, "N",
		     "autoscale: scale-out repeats of process placements"),
    VCL_OPT_DOUBLE_ROW(B, steady_seconds, "steady-seconds", 0.01, 3600, "S",
		       "steady state: seconds of load"),
    VCL_OPT_UINT_ROW(B, steady_concurrency, "concurrency", 1, 1024, "C",
		     "steady state: concurrent connections"),
    VCL_OPT_U64_ROW(B, work_iters, "work-iters", 0, 1000000000, "N",
		    "steady state: work per request, iterations (default 20000)"),
    VCL_OPT_UINT_ROW(B, steady_rate, "steady-rate", 1, 1000000, "R",
		     "steady state: open-loop req/s, the same for every placement (default 200)"),
    VCL_OPT_UINT_ROW(B, timeout_ms, "timeout-ms", 1, 3600000, "N",
		     "readiness timeout of processes, ms (default 5000)"),
    VCL_OPT_UINT_ROW(B, vm_timeout_ms, "vm-timeout-ms", 1, 3600000, "N",
		     "readiness timeout of VMs, ms (default 60000)"),
    VCL_OPT_U64_GIVEN_ROW(B, seed, seed_given, "seed", 0, UINT64_MAX, "N",
			  "launch-order seed (default: from the clock; recorded)"),
    VCL_OPT_ENUM_ROW(
	B, cache, "cache", caches, "cold|warm",
	"startup: drop the page cache before each launch (cold) or not (warm, default)"),
    VCL_OPT_STR_ROW(
	B, image, "image", 0, "REF",
	"measure this image instead of the payload: oci:DIR[:TAG], oci-archive:FILE[:TAG], "
	"docker-archive:FILE, dir:DIR or rootfs:DIR"),
    VCL_OPT_STR_ROW(B, binary, "binary", 0, "PATH", "measure this host executable, run as it is"),
    VCL_OPT_STR_ROW(B, svc_name, "name", 0, "NAME", "service name (default: from the reference)"),
    VCL_OPT_UINT_ROW(B, svc_port, "port", 1, 65535, "N",
		     "port the service listens on (default: the image's one ExposedPort)"),
    VCL_OPT_STR_ROW(B, ready, "ready", 0, "http:PATH[=STATUS]|tcp|tcp:SEND[=EXPECT]",
		    "service readiness (default http:/=200; tcp:PING=+PONG for redis)"),
    VCL_OPT_STR_ROW(B, services, "services", 0, "FILE.yaml",
		    "measure every service this file lists (docs/services.md), each in every "
		    "placement"),
    VCL_OPT_APPEND_ROW(B, manifests, "manifest", 0, "FILE.yaml",
		       "measure every workload of these Kubernetes manifests, each pod in every "
		       "placement (docs/services.md), repeatable"),
    VCL_OPT_APPEND_ROW(B, image_maps, "image-map", 0, "FROM=TO|FILE",
		       "read the image a manifest names FROM from TO (oci:DIR[:TAG], "
		       "docker-archive:FILE, a mirror's docker://...), or the FROM=TO lines of "
		       "FILE; repeatable"),
    VCL_OPT_APPEND_ROW(B, svc_env, "env", 0, "K=V", "service environment, repeatable"),
    VCL_OPT_STR_ROW(B, host_class, "host-class", 0, "NAME",
		    "the fleet class of this host, recorded as host.class: report, advise and "
		    "check group hosts by it (docs/fleet.md; default none)"),
    VCL_OPT_FLAG_ROW(B, quiet, "quiet", 'q', "no progress bar"),
    VCL_OPT_FLAG_ROW(B, json, "json", 0, "print the summary as JSON"),
    VCL_OPT_FLAG_ROW(B, no_report, "no-report", 0, "do not write report.md/report.html"),
};
#undef B

const struct vcl_optset vcl_bench_optset = {
    .verb = "bench",
    .usage = "bench [OPTIONS]",
    .about = "Launch bare, ctr and vm instances of one payload and measure startup, memory,\n"
	     "density, autoscale reaction and steady state (docs/scenarios.md). Explicit\n"
	     "counts override the profile's, whatever their order.",
    .opts = bench_opts,
    .n = ARRAY_SIZE(bench_opts),
    .size = sizeof(struct vcl_bench_opts),
};

void vcl_bench_usage(FILE *f)
{
	vcl_opt_help(f, &vcl_bench_optset);
}

/* A count the command line did not set still holds (type)-1: no option
 * accepts that value (every range ends far below it). */
static void mark_profile_counts(struct vcl_bench_opts *o)
{
#define UNSET(type, f) o->f = (type)-1;
	PROFILE_COLUMNS(UNSET)
#undef UNSET
}

static void fill_profile_counts(struct vcl_bench_opts *o)
{
	const struct profile *p = &profiles[0];

	for (size_t i = 0; i < ARRAY_SIZE(profiles); i++)
		if (strcmp(profiles[i].name, o->profile) == 0)
			p = &profiles[i];
	/* The profile's density time limit is sized for its own budgets. An
	 * explicit larger budget without --density-seconds scales the limit
	 * by as much, so that the budget, not the clock, stops the run
	 * (quick with --budget-mib 1024: 60 s x 32). */
	if (o->density_seconds == (double)-1) {
		double f = 1;

		if (o->budget_mib != (uint64_t)-1 && o->budget_mib > p->budget_mib)
			f = (double)o->budget_mib / (double)p->budget_mib;
		if (o->vm_budget_mib != (uint64_t)-1 && o->vm_budget_mib > p->vm_budget_mib &&
		    (double)o->vm_budget_mib / (double)p->vm_budget_mib > f)
			f = (double)o->vm_budget_mib / (double)p->vm_budget_mib;
		o->density_seconds =
		    p->density_seconds * f > 86400 ? 86400 : p->density_seconds * f;
	}
#define FILL(type, f)                                                                              \
	if (o->f == (type)-1)                                                                      \
		o->f = p->f;
	PROFILE_COLUMNS(FILL)
#undef FILL
}

int vcl_bench_opts_parse(int argc, char **argv, struct vcl_bench_opts *o, bool *help,
			 struct vcl_error **err)
{
	int r, argc_all = argc, first = argc + 1;

	/* "-- CMD ARGS...": the service's command, kept away from the
	 * option parser (bench takes no other operands). */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			first = i + 1;
			argc = i;
			break;
		}

	memset(o, 0, sizeof(*o));
	*help = false;
	o->profile = "quick";
	o->timeout_ms = 5000;
	o->vm_timeout_ms = 60000;
	o->limits = (struct vcl_limits){.mem_mib = 256, .cpus = 1.0, .pids = 64};
	o->vcpus = 1;
	o->vm_mem_mib = 256;
	o->vm_net = "user";
	o->cache = "warm";
	o->ksm = "off";
	o->security = "cri";
	o->gvisor_platform = "auto";
	o->scale_threshold = 0.7;
	o->work_iters = 20000;
	o->steady_rate = 200;
	/* Explicit counts win over the profile's: the profile fills in what
	 * the command line left unset, after parsing. */
	mark_profile_counts(o);
	r = vcl_opt_parse(&vcl_bench_optset, argc, argv, o, NULL, err);
	fill_profile_counts(o);
	if (r != 0) {
		*help = r > 0;
		return r > 0 ? 0 : -1;
	}
	if (first <= argc_all) {
		if (o->image == NULL && o->binary == NULL)
			return vcl_usage(
			    err, "-- CMD needs --image or --binary (see vclab bench --help)");
		if (first == argc_all)
			return vcl_usage(err, "-- without a command");
		o->svc_cmd = calloc((size_t)(argc_all - first) + 1, sizeof(char *));
		if (o->svc_cmd == NULL)
			return vcl_fail(err, ENOMEM, "Options");
		for (int i = first; i < argc_all; i++)
			o->svc_cmd[i - first] = argv[i];
	}
	if (o->image != NULL && o->binary != NULL)
		return vcl_usage(err, "Give one of --image and --binary");
	if (o->services != NULL && (o->image != NULL || o->binary != NULL || o->svc_cmd != NULL))
		return vcl_usage(err, "--services lists the services: give no --image, --binary "
				      "or -- CMD with it");
	if (o->manifests != NULL &&
	    (o->services != NULL || o->image != NULL || o->binary != NULL || o->svc_cmd != NULL))
		return vcl_usage(err, "--manifest gives the services: give no --services, --image, "
				      "--binary or -- CMD with it");
	if (o->image_maps != NULL && o->manifests == NULL)
		return vcl_usage(err, "--image-map maps the images of --manifest files: give one");
	if (o->host_class != NULL && !vcl_host_class_name_ok(o->host_class))
		return vcl_usage(err,
				 "--host-class '%s': want 1-63 of A-Z a-z 0-9 . _ -, starting with "
				 "a letter or digit",
				 o->host_class);
	o->backends_given = o->backends != NULL;
	o->peers_given = o->peers != NULL;
	o->vm_mem_instances =
	    o->vm_mem_instances > o->mem_instances ? o->mem_instances : o->vm_mem_instances;
	return 0;
}

void vcl_bench_opts_free(struct vcl_bench_opts *o)
{
	vcl_opt_free(&vcl_bench_optset, o);
	free(o->svc_cmd);
	o->svc_cmd = NULL;
}
