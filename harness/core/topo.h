/* SPDX-License-Identifier: MIT */
#ifndef VCL_TOPO_H
#define VCL_TOPO_H

/*
 * Core choice with hwloc. With more than 2 PUs the harness and the load
 * generator get one core and the workloads the rest ("split"); on small
 * hosts everything shares all PUs and the layout says so ("shared").
 */

#include <stdbool.h>

#include "core/error.h"

struct vcl_topo {
	int packages, cores, pus;
	char workload_cpus[128]; /* cpuset list for instances */
	char harness_cpus[128];	 /* cpuset list for the harness and load generator */
	bool split;		 /* workloads apart from the harness */
};

int vcl_topo_probe(struct vcl_topo *t, struct vcl_error **err);
/* Pin the calling process to the harness cpus (hwloc_set_cpubind). */
int vcl_topo_bind_harness(const struct vcl_topo *t, struct vcl_error **err);
/* Pin a process (pid) to the workload cpus. */
int vcl_topo_bind_pid(const struct vcl_topo *t, int pid, struct vcl_error **err);

#endif
