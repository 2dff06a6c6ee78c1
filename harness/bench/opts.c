/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "core/cleanup.h"
#include "core/util.h"

/* Profiles: counts sized so `quick` (what `make bench` runs: every
 * scenario, all three placements) finishes in under 4 minutes on a 2-core
 * machine where VMs run under TCG. */
static int apply_profile(struct vcl_bench_opts *o, const char *name)
{
	o->profile = name;
	if (strcmp(name, "quick") == 0) {
		o->runs = 20, o->warmup = 2, o->vm_runs = 5, o->vm_warmup = 1;
		o->mem_instances = 3, o->vm_mem_instances = 2;
		o->budget_mib = 64, o->vm_budget_mib = 768, o->burst = 8, o->vm_burst = 2;
		o->autoscale_repeats = 3, o->vm_autoscale_repeats = 2;
		o->steady_seconds = 2, o->steady_concurrency = 4;
	} else if (strcmp(name, "standard") == 0) {
		o->runs = 100, o->warmup = 5, o->vm_runs = 20, o->vm_warmup = 2;
		o->mem_instances = 8, o->vm_mem_instances = 4;
		o->budget_mib = 512, o->vm_budget_mib = 2048, o->burst = 16, o->vm_burst = 4;
		o->autoscale_repeats = 10, o->vm_autoscale_repeats = 5;
		o->steady_seconds = 10, o->steady_concurrency = 8;
	} else if (strcmp(name, "full") == 0) {
		o->runs = 500, o->warmup = 10, o->vm_runs = 50, o->vm_warmup = 3;
		o->mem_instances = 16, o->vm_mem_instances = 8;
		o->budget_mib = 2048, o->vm_budget_mib = 8192, o->burst = 32, o->vm_burst = 8;
		o->autoscale_repeats = 30, o->vm_autoscale_repeats = 10;
		o->steady_seconds = 30, o->steady_concurrency = 16;
	} else {
		return -1;
	}
	return 0;
}

void vcl_bench_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: vclab bench [OPTIONS]\n"
	    "  --profile quick|standard|full   counts and durations (default quick)\n"
	    "  --backends LIST      placements among bare,ctr,vm (default: all built in)\n"
	    "  --peer LIST          same-run peers among runc,crun,qemu-direct (default: the\n"
	    "                       peers of the chosen placements; 'none' for none)\n"
	    "  --scenarios LIST     startup,memory,density,autoscale,steady (default all)\n"
	    "  --runs N             measured launches per process placement/peer\n"
	    "  --vm-runs N          measured launches per VM placement/peer\n"
	    "  --warmup N           warm-up launches excluded from statistics (VMs: --vm-warmup)\n"
	    "  --out DIR            results folder (default results/<timestamp>-<host>)\n"
	    "  --payload PATH       payload binary (default: vclab-payload next to vclab)\n"
	    "  --mem-mib N --cpus X --pids N   limits every placement gets (256, 1, 64)\n"
	    "  --vcpus N --vm-mem-mib N        guest size (1, 256)\n"
	    "  --vm-net user|network:NAME      guest networking (default user)\n"
	    "  --vm-host-port N     VM n forwards from 127.0.0.1:N+n (default: a free port)\n"
	    "  --connect URI        libvirt URI (default qemu:///system)\n"
	    "  --kernel PATH --initrd PATH     guest kernel and initramfs\n"
	    "  --ctr-userns         run containers in a user namespace\n"
	    "  --ctr-no-seccomp     containers (ctr, runc, crun) without the syscall filter\n"
	    "  --budget-mib N       density: memory budget for process placements\n"
	    "  --vm-budget-mib N    density: memory budget for VMs\n"
	    "  --burst K            density: instances per burst\n"
	    "  --scale-threshold X  autoscale: CPU fraction that triggers scale-out (0.7)\n"
	    "  --steady-seconds S --concurrency C --work-iters N   steady state load\n"
	    "  --timeout-ms N       readiness timeout (process 5000, VM 60000)\n"
	    "  --seed N             launch-order seed (default: from the clock; recorded)\n"
	    "  --quiet              no progress bar\n"
	    "  --json               print the summary as JSON\n"
	    "  --no-report          do not write report.md/report.html\n");
}

static int need(int argc, char **argv, int i, struct vcl_error **err)
{
	if (i + 1 >= argc)
		return vcl_usage(err, "Option %s needs a value", argv[i]);
	return 0;
}

static int list(const char *opt, const char *v, const char *const *allowed, size_t nallowed,
		char ***out, struct vcl_error **err)
{
	char **l = vcl_split_list(v);

	if (l == NULL)
		return vcl_usage(err, "%s: empty item in list '%s'", opt, v);
	for (size_t i = 0; l[i] != NULL; i++) {
		bool ok = false;

		for (size_t j = 0; j < nallowed; j++)
			ok |= strcmp(l[i], allowed[j]) == 0;
		if (!ok) {
			int r = vcl_usage(err, "%s: unknown item '%s'", opt, l[i]);

			vcl_strvfreep(&l);
			return r;
		}
	}
	vcl_strvfreep(out);
	*out = l;
	return 0;
}

int vcl_bench_opts_parse(int argc, char **argv, struct vcl_bench_opts *o, bool *help,
			 struct vcl_error **err)
{
	static const char *const backends[] = {"bare", "ctr", "vm"};
	static const char *const peers[] = {"runc", "crun", "qemu-direct", "none"};
	static const char *const scenarios[] = {"startup", "memory", "density", "autoscale",
						"steady"};
	const char *profile = "quick";
	int i;

	memset(o, 0, sizeof(*o));
	*help = false;
	/* The profile first, so explicit options override its counts. */
	for (i = 1; i < argc - 1; i++)
		if (strcmp(argv[i], "--profile") == 0)
			profile = argv[i + 1];
	if (apply_profile(o, profile) < 0)
		return vcl_usage(err, "--profile: unknown profile '%s' (quick, standard, full)",
				 profile);
	o->timeout_ms = 5000;
	o->vm_timeout_ms = 60000;
	o->limits = (struct vcl_limits){.mem_mib = 256, .cpus = 1.0, .pids = 64};
	o->vcpus = 1;
	o->vm_mem_mib = 256;
	o->vm_net = "user";
	o->scale_threshold = 0.7;
	o->work_iters = 20000;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		uint64_t u = 0;
		double d = 0;

#define U64(name, lo, hi, field)                                                                   \
	if (strcmp(a, name) == 0) {                                                                \
		if (need(argc, argv, i, err) < 0)                                                  \
			return -1;                                                                 \
		if (vcl_parse_u64(argv[++i], lo, hi, &u) < 0)                                      \
			return vcl_usage(err, "%s: '%s' is not a whole number in %llu..%llu",      \
					 name, argv[i], (unsigned long long)(lo),                  \
					 (unsigned long long)(hi));                                \
		(field) = u;                                                                       \
		continue;                                                                          \
	}
#define STR(name, field)                                                                           \
	if (strcmp(a, name) == 0) {                                                                \
		if (need(argc, argv, i, err) < 0)                                                  \
			return -1;                                                                 \
		(field) = argv[++i];                                                               \
		continue;                                                                          \
	}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			*help = true;
			return 0;
		}
		if (strcmp(a, "--profile") == 0) {
			i++;
			continue;
		}
		U64("--runs", 1, 100000, o->runs)
		U64("--vm-runs", 1, 10000, o->vm_runs)
		U64("--warmup", 0, 1000, o->warmup)
		U64("--vm-warmup", 0, 100, o->vm_warmup)
		U64("--timeout-ms", 1, 3600000, o->timeout_ms)
		U64("--vm-timeout-ms", 1, 3600000, o->vm_timeout_ms)
		U64("--mem-mib", 8, 1048576, o->limits.mem_mib)
		U64("--pids", 1, 4194304, o->limits.pids)
		U64("--vcpus", 1, 256, o->vcpus)
		U64("--vm-mem-mib", 64, 1048576, o->vm_mem_mib)
		U64("--budget-mib", 1, 1048576, o->budget_mib)
		U64("--vm-budget-mib", 64, 1048576, o->vm_budget_mib)
		U64("--burst", 1, 1024, o->burst)
		U64("--vm-burst", 1, 64, o->vm_burst)
		U64("--mem-instances", 1, 1024, o->mem_instances)
		U64("--concurrency", 1, 1024, o->steady_concurrency)
		U64("--work-iters", 0, 1000000000, o->work_iters)
		U64("--vm-host-port", 1024, 65535, o->vm_host_port)
		U64("--repeats", 1, 1000, o->autoscale_repeats)
		if (strcmp(a, "--seed") == 0)
			o->seed_given = true;
		U64("--seed", 0, UINT64_MAX, o->seed)
		STR("--out", o->out)
		STR("--payload", o->payload)
		STR("--connect", o->connect_uri)
		STR("--kernel", o->kernel)
		STR("--initrd", o->initrd)
#undef U64
#undef STR
		if (strcmp(a, "--vm-net") == 0) {
			if (need(argc, argv, i, err) < 0)
				return -1;
			a = argv[++i];
			if (strcmp(a, "user") != 0 &&
			    (strncmp(a, "network:", 8) != 0 || a[8] == '\0'))
				return vcl_usage(err,
						 "--vm-net: '%s' is neither 'user' nor "
						 "'network:NAME'",
						 a);
			o->vm_net = a;
			continue;
		}
		if (strcmp(a, "--cpus") == 0 || strcmp(a, "--scale-threshold") == 0 ||
		    strcmp(a, "--steady-seconds") == 0) {
			bool cpus = strcmp(a, "--cpus") == 0,
			     thr = strcmp(a, "--scale-threshold") == 0;

			if (need(argc, argv, i, err) < 0)
				return -1;
			if (vcl_parse_double(argv[++i], 0.01, thr ? 1.0 : 3600, &d) < 0)
				return vcl_usage(err, "%s: '%s' is not a number in range", a,
						 argv[i]);
			if (cpus)
				o->limits.cpus = d;
			else if (thr)
				o->scale_threshold = d;
			else
				o->steady_seconds = d;
			continue;
		}
		if (strcmp(a, "--backends") == 0) {
			if (need(argc, argv, i, err) < 0 ||
			    list(a, argv[++i], backends, ARRAY_SIZE(backends), &o->backends, err) <
				0)
				return -1;
			o->backends_given = true;
			continue;
		}
		if (strcmp(a, "--peer") == 0 || strcmp(a, "--peers") == 0) {
			if (need(argc, argv, i, err) < 0 ||
			    list(a, argv[++i], peers, ARRAY_SIZE(peers), &o->peers, err) < 0)
				return -1;
			o->peers_given = true;
			continue;
		}
		if (strcmp(a, "--scenarios") == 0) {
			if (need(argc, argv, i, err) < 0 ||
			    list(a, argv[++i], scenarios, ARRAY_SIZE(scenarios), &o->scenarios,
				 err) < 0)
				return -1;
			continue;
		}
		if (strcmp(a, "--ctr-userns") == 0) {
			o->ctr_userns = true;
			continue;
		}
		if (strcmp(a, "--ctr-no-seccomp") == 0) {
			o->ctr_no_seccomp = true;
			continue;
		}
		if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
			o->quiet = true;
			continue;
		}
		if (strcmp(a, "--json") == 0) {
			o->json = true;
			continue;
		}
		if (strcmp(a, "--no-report") == 0) {
			o->no_report = true;
			continue;
		}
		return vcl_usage(err, "Unknown option '%s' (see vclab bench --help)", a);
	}
	o->vm_mem_instances =
	    o->vm_mem_instances > o->mem_instances ? o->mem_instances : o->vm_mem_instances;
	return 0;
}

void vcl_bench_opts_free(struct vcl_bench_opts *o)
{
	vcl_strvfreep(&o->backends);
	vcl_strvfreep(&o->peers);
	vcl_strvfreep(&o->scenarios);
}
