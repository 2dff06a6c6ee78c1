/* SPDX-License-Identifier: MIT */
/*
 * What one more cgroup costs the kernel outside the cgroup's own
 * accounting (density.cgroup_kernel_kib, docs/metrics.md#density).
 *
 * Each new memory cgroup gets a table with a slot for every memcg-aware
 * shrinker the kernel has ever had at once, and every mounted filesystem
 * (each container's proc, sysfs, tmpfs, devpts, mqueue) registers one.
 * The table is allocated without charging the cgroup, so an instance's
 * footprint does not hold it, and it never shrinks until reboot: after a
 * few thousand containers were up at once, every cgroup made on the host
 * costs hundreds of KiB. The probe makes accounting-only cgroups under the
 * run's own folder, as bare's instances get, and weighs the kernel's slab
 * objects and per-CPU memory before and after.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench/density.h"
#include "core/cgroup.h"
#include "core/cleanup.h"
#include "core/error.h"
#include "core/sample.h"
#include "core/stats.h"
#include "core/util.h"

#define PROBE_CGROUPS 32
#define PROBE_ROUNDS  3
/* A removed cgroup is freed after an RCU grace period, from a work queue:
 * a round that starts before the previous one's frees ran sees them as a
 * smaller cost (measured here: 90-166 KiB without the pause, 562-578 with
 * 200 ms or more). */
#define PROBE_PAUSE_NS 300000000L

double vcl_slabinfo_kib(const char *text)
{
	double bytes = 0;

	for (const char *p = text; p != NULL && *p != '\0';) {
		const char *nl = strchr(p, '\n');
		unsigned long active, total, size;
		char name[64];

		if (*p != '#' && strncmp(p, "slabinfo", 8) != 0 &&
		    sscanf(p, "%63s %lu %lu %lu", name, &active, &total, &size) == 4)
			bytes += (double)active * (double)size;
		p = nl != NULL ? nl + 1 : NULL;
	}
	return bytes / 1024;
}

/* The kernel's slab objects in use plus its per-CPU memory, KiB. */
static int kernel_kib(double *kib, struct vcl_error **err)
{
	cleanup_free char *slab = NULL;
	cleanup_free char *mi = NULL;
	uint64_t pcpu = 0;

	if (vcl_read_file("/proc/slabinfo", &slab, NULL, err) < 0 ||
	    vcl_read_file("/proc/meminfo", &mi, NULL, err) < 0)
		return -1;
	if (vcl_parse_kib_field(mi, "Percpu", &pcpu) < 0)
		return vcl_fail(err, 0, "No Percpu in /proc/meminfo");
	*kib = vcl_slabinfo_kib(slab) + (double)pcpu;
	return 0;
}

/* One round: PROBE_CGROUPS cgroups made, weighed, removed. */
static int probe_round(struct vcl_ledger *ledger, const char *run_id, const char *tag, double *per,
		       struct vcl_error **err)
{
	struct vcl_cgroup *cg[PROBE_CGROUPS] = {0};
	double before = 0, after = 0;
	unsigned made = 0;
	int rc = kernel_kib(&before, err);

	for (; rc == 0 && made < PROBE_CGROUPS; made++) {
		char path[160];

		snprintf(path, sizeof(path), "vclab/%s/cgcost-%s-%u", run_id, tag, made);
		rc = vcl_cgroup_create(ledger, path, NULL, VCL_CGROUP_NO_CPUSET, &cg[made], err);
		if (rc < 0)
			break;
	}
	if (rc == 0)
		rc = kernel_kib(&after, err);
	for (unsigned i = 0; i < made; i++) {
		struct vcl_error *e = NULL;

		if (vcl_cgroup_destroy(cg[i], rc == 0 ? err : &e) < 0)
			rc = -1;
		vcl_error_free(e);
	}
	*per = (after - before) / PROBE_CGROUPS;
	nanosleep(&(struct timespec){0, PROBE_PAUSE_NS}, NULL);
	return rc;
}

int vcl_density_cgroup_cost(struct vcl_ledger *ledger, const char *run_id, const char *tag,
			    double *kib, struct vcl_error **err)
{
	double per[PROBE_ROUNDS];
	struct vcl_stats st;

	for (unsigned r = 0; r < PROBE_ROUNDS; r++)
		if (probe_round(ledger, run_id, tag, &per[r], err) < 0)
			return vcl_error_wrap(err, "Kernel memory of a new cgroup");
	/* The median round: another process's allocation in one round
	 * does not move it. */
	vcl_stats_compute(per, PROBE_ROUNDS, 0, 0, &st);
	*kib = st.p50;
	return 0;
}
