/* SPDX-License-Identifier: MIT */
#include "core/topo.h"

#include <errno.h>
#include <hwloc.h>
#include <stdio.h>
#include <string.h>

static int cpuset_list(hwloc_const_bitmap_t set, char *out, size_t len)
{
	return hwloc_bitmap_list_snprintf(out, len, set) < 0 ? -1 : 0;
}

int vcl_topo_probe(struct vcl_topo *t, struct vcl_error **err)
{
	hwloc_topology_t topo;
	hwloc_bitmap_t work, harness;
	hwloc_obj_t last_core;

	memset(t, 0, sizeof(*t));
	if (hwloc_topology_init(&topo) < 0 || hwloc_topology_load(topo) < 0)
		return vcl_fail(err, 0, "hwloc: cannot load the host topology");
	t->packages = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
	t->cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
	t->pus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
	work = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(topo));
	harness = hwloc_bitmap_dup(work);
	/* More than 2 PUs: give the harness and the load generator the last
	 * core (all its PUs), the workloads everything else, so measuring does
	 * not steal cycles from what is measured. Small hosts share all PUs,
	 * and results.json says so. */
	last_core = t->cores > 0
			? hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, (unsigned)t->cores - 1)
			: NULL;
	if (t->pus > 2 && t->cores > 1 && last_core != NULL) {
		hwloc_bitmap_copy(harness, last_core->cpuset);
		hwloc_bitmap_andnot(work, work, last_core->cpuset);
		t->split = true;
	}
	cpuset_list(work, t->workload_cpus, sizeof(t->workload_cpus));
	cpuset_list(harness, t->harness_cpus, sizeof(t->harness_cpus));
	hwloc_bitmap_free(work);
	hwloc_bitmap_free(harness);
	hwloc_topology_destroy(topo);
	return 0;
}

static int bind_list(const char *list, int pid, struct vcl_error **err)
{
	hwloc_topology_t topo;
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	int r;

	if (hwloc_topology_init(&topo) < 0 || hwloc_topology_load(topo) < 0) {
		hwloc_bitmap_free(set);
		return vcl_fail(err, 0, "hwloc: cannot load the host topology");
	}
	hwloc_bitmap_list_sscanf(set, list);
	r = pid == 0 ? hwloc_set_cpubind(topo, set, HWLOC_CPUBIND_PROCESS)
		     : hwloc_set_proc_cpubind(topo, pid, set, HWLOC_CPUBIND_PROCESS);
	hwloc_bitmap_free(set);
	hwloc_topology_destroy(topo);
	if (r < 0)
		return vcl_fail(err, errno, "Bind %s to cpus %s", pid == 0 ? "vclab" : "instance",
				list);
	return 0;
}

int vcl_topo_bind_harness(const struct vcl_topo *t, struct vcl_error **err)
{
	return bind_list(t->harness_cpus, 0, err);
}

int vcl_topo_bind_pid(const struct vcl_topo *t, int pid, struct vcl_error **err)
{
	return bind_list(t->workload_cpus, pid, err);
}
