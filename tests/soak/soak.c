/* SPDX-License-Identifier: MIT */
/*
 * Soak: N launch/destroy cycles mixed across the placements (bare, ctr, vm
 * in a fixed rotation, VMs one cycle in SOAK_VM_EVERY), each probed to a
 * 200. Afterwards: no leaked domain, cgroup, mount or process, and the
 * harness's fd count and RSS flat. `make soak SOAK_CYCLES=500`.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/backends.h"
#include "core/backend.h"
#include "core/cgroup.h"
#include "core/host.h"
#include "core/ledger.h"
#include "core/probe.h"
#include "core/sample.h"
#include "core/util.h"

/* The run's ledger (open between setup and teardown) and the kinds its
 * teardown and gc undo (main registers them). */
static struct vcl_ledger_kinds kinds;
static struct vcl_ledger *ledger;

#define SOAK_VM_EVERY 10

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d != NULL && readdir(d) != NULL)
		n++;
	if (d != NULL)
		closedir(d);
	return n;
}

static uint64_t rss_kib(void)
{
	uint64_t pss = 0, rss = 0;

	vcl_sample_pid(getpid(), &pss, &rss, NULL);
	return rss;
}

static int count_lines(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char line[512];
	int n = 0;

	if (p == NULL)
		return -1;
	while (fgets(line, sizeof(line), p) != NULL)
		n++;
	pclose(p);
	return n;
}

int main(int argc, char **argv)
{
	unsigned cycles = argc > 1 ? (unsigned)atoi(argv[1]) : 500;
	const struct vcl_backend_ops *ops[3] = {vcl_backend_find(vcl_backends, "bare"),
						vcl_backend_find(vcl_backends, "ctr"),
						vcl_backend_find(vcl_backends, "vm")};
	void *ctx[3] = {NULL, NULL, NULL}; /* each backend's run, from its prepare() */
	unsigned done[3] = {0}, failed = 0;
	struct vcl_host host;
	struct vcl_error *err = NULL;
	char payload[4096], run[16], cmd[512];
	struct vcl_spec spec;
	int fds0 = 0, leaks = 0;
	uint64_t rss0 = 0, t0;

	if (geteuid() != 0) {
		fprintf(stderr, "soak: needs root\n");
		return 2;
	}
	if (realpath("bin/vclab-payload", payload) == NULL) {
		fprintf(stderr, "soak: bin/vclab-payload missing\n");
		return 2;
	}
	if (ops[0] == NULL) {
		fprintf(stderr, "soak: no bare placement built in\n");
		return 2;
	}
	/* The ledger's undo of every kind built in, before any teardown or gc. */
	if (vcl_backends_init(&kinds, NULL) < 0)
		return 1;
	if (vcl_host_probe(&host, NULL, &vcl_backends_host_hooks, &err) < 0) {
		fprintf(stderr, "soak: %s\n", err->msg);
		return 1;
	}
	snprintf(run, sizeof(run), "soak%d", (int)getpid() % 10000);
	if (vcl_ledger_open(&ledger, run, &kinds, &err) < 0) {
		fprintf(stderr, "soak: %s\n", err->msg);
		return 1;
	}
	spec = (struct vcl_spec){.run_id = run,
				 .payload = payload,
				 .state_dir = vcl_ledger_dir(ledger),
				 .ledger = ledger,
				 .limits = {.mem_mib = 256, .cpus = 1, .pids = 64},
				 .cpuset = host.topo.workload_cpus,
				 .vcpus = 1,
				 .vm_mem_mib = 256,
				 .vm_net = "user",
				 .connect_uri = "qemu:///system",
				 .accel = host.accelerator};
	for (int i = 0; i < 3; i++) {
		if (ops[i] == NULL)
			continue;
		if (ops[i]->probe(&host, &err) < 0 ||
		    (ops[i]->prepare != NULL && ops[i]->prepare(&spec, &ctx[i], &err) < 0)) {
			printf("soak: %s not usable here: %s\n", ops[i]->name, err->msg);
			vcl_error_freep(&err);
			ops[i] = NULL;
		}
	}
	t0 = vcl_now_ns();
	for (unsigned c = 0; c < cycles; c++) {
		/* Rotation bare, ctr, bare, ctr, ..., a VM every SOAK_VM_EVERY. */
		int k =
		    (c % SOAK_VM_EVERY == SOAK_VM_EVERY - 1 && ops[2] != NULL) ? 2 : (int)(c % 2);
		struct vcl_instance *inst = NULL;

		if (ops[k] == NULL)
			k = 0;
		if (ops[k] == NULL)
			break; /* not even bare: nothing to soak */
		spec.index = c;
		if (ops[k]->launch(ctx[k], &spec, &inst, &err) < 0 ||
		    vcl_probe_wait(inst, k == 2 ? 60000 : 5000, &err) < 0) {
			fprintf(stderr, "soak: cycle %u (%s): %s\n", c, ops[k]->name, err->msg);
			vcl_error_freep(&err);
			failed++;
			if (inst != NULL)
				ops[k]->destroy(inst, NULL);
			continue;
		}
		if (ops[k]->destroy(inst, &err) < 0) {
			fprintf(stderr, "soak: destroy %u: %s\n", c, err->msg);
			vcl_error_freep(&err);
			failed++;
		}
		done[k]++;
		/* The baseline is taken after warm-up: libvirt's connection, the
		 * cgroup library and the stdio buffers have settled by then. */
		if (c == 20) {
			fds0 = count_fds();
			rss0 = rss_kib();
		}
	}
	for (int i = 2; i >= 0; i--)
		if (ops[i] != NULL && ops[i]->cleanup != NULL)
			ops[i]->cleanup(ctx[i], &spec);

	printf("soak: %u cycles in %.0f s: bare %u, ctr %u, vm %u, failed %u\n", cycles,
	       (double)(vcl_now_ns() - t0) / 1e9, done[0], done[1], done[2], failed);
	printf("soak: fds %d -> %d, RSS %llu -> %llu KiB\n", fds0, count_fds(),
	       (unsigned long long)rss0, (unsigned long long)rss_kib());
	if (cycles > 20 && count_fds() > fds0) {
		printf("soak: LEAK: fd count grew\n");
		leaks++;
	}
	if (cycles > 20 && rss_kib() > rss0 + 2048) {
		printf("soak: LEAK: RSS grew by more than 2 MiB\n");
		leaks++;
	}
	/* Leftovers of this run, looked for before the ledger's own teardown
	 * could hide them. */
	snprintf(cmd, sizeof(cmd),
		 "virsh -c qemu:///system list --all --name 2>/dev/null | grep '^vclab-%s-'", run);
	leaks += count_lines(cmd) > 0 ? (printf("soak: LEAK: domains\n"), 1) : 0;
	snprintf(cmd, sizeof(cmd),
		 "find /sys/fs/cgroup -mindepth 3 -maxdepth 4 -path '*/vclab/%s/*' -type d", run);
	leaks += count_lines(cmd) > 0 ? (printf("soak: LEAK: cgroups\n"), 1) : 0;
	snprintf(cmd, sizeof(cmd), "grep -e 'vclab' /proc/self/mountinfo | grep -e '%s'", run);
	leaks += count_lines(cmd) > 0 ? (printf("soak: LEAK: mounts\n"), 1) : 0;
	snprintf(cmd, sizeof(cmd), "ps -o pid= --ppid %d | grep -v -e \"^ *$$\\b\"", (int)getpid());
	leaks += count_lines(cmd) > 1 ? (printf("soak: LEAK: child processes\n"), 1) : 0;
	vcl_ledger_close(&ledger, NULL);
	printf("soak: %s\n", leaks == 0 && failed == 0 ? "PASS: nothing leaked" : "FAIL");
	return leaks == 0 && failed == 0 ? 0 : 1;
}
