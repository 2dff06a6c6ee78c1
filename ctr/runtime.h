/* SPDX-License-Identifier: MIT */
#ifndef VCL_CTR_RUNTIME_H
#define VCL_CTR_RUNTIME_H

/*
 * An OCI runtime run as a program over a bundle (runtime.c): runc and crun
 * (peers of ctr) and runsc (the gvisor placement, gvisor.c) share the
 * bundle, the config, the launch, the removal and the trial run; what
 * differs is described here. Internal to ctr/.
 */

#include <stdbool.h>

#include "core/backend.h"
#include "core/error.h"
#include "core/proc.h"

struct vcl_cgroup;

#define VCL_RT_MAX_GLOBAL 4

struct vcl_runtime {
	const char *name; /* "runc", "crun", "runsc": the program and state folder name */
	const struct vcl_backend_ops *ops;
	char bin[256]; /* found in PATH on first use */
	/* Flags before the verb, for every call (runsc: --platform=ptrace,
	 * --network=host); nglobal of them. */
	char global[VCL_RT_MAX_GLOBAL][64];
	unsigned nglobal;
	/* runsc has no --preserve-fds: `create`, then between() (the sandbox
	 * runs, the service not yet), then `start`; readiness is the probe's
	 * alone. false: `run -d --preserve-fds 1` and the payload's READY fd. */
	bool create_start;
	int (*between)(struct vcl_instance *inst, struct vcl_error **err);
	/* A ledger kind recorded as "KIND ROOT ID" before the container is
	 * made, when the pid and cgroup records alone cannot undo it (runsc:
	 * its gofer and state). NULL for none. */
	const char *ledger_kind;
	/* vclab makes the container's cgroup (limits, cpuset, the parents'
	 * cpuset filled) before the runtime joins it: runsc 20221219 leaves
	 * the new v1 cpuset parents empty and then cannot write the child's
	 * cpuset.cpus ("permission denied"). */
	bool own_cgroup;
	/* Appended to the instance's name to make the container's ID, or
	 * NULL. runsc resolves an ID it is given as a prefix of the IDs it
	 * knows ("vclab-R-1" is ambiguous while "vclab-R-11" runs: a
	 * density run of 12 sandboxes could not delete sandbox 1); with a
	 * suffix no ID is a prefix of another. */
	const char *id_suffix;
	/* probe(): the trial container is killed after this long, 0 for no
	 * limit (runsc: a kvm sandbox hangs on a host whose KVM hangs). */
	unsigned probe_timeout_ms;
};

/* The ops of a runtime (VCL_CTR_PEER_WRAPPERS), over rt, its description:
 * probe() tries a copy of it; prepare() copies it into the run's context
 * (and finds its binary there), which launch and cleanup (which frees it)
 * take. */
int vcl_rt_probe(const struct vcl_runtime *rt, struct vcl_error **err);
int vcl_rt_prepare(const struct vcl_runtime *rt, const struct vcl_spec *spec, void **ctx,
		   struct vcl_error **err);
int vcl_rt_launch(void *ctx, const struct vcl_spec *spec, struct vcl_instance **out,
		  struct vcl_error **err);
void vcl_rt_cleanup(void *ctx, const struct vcl_spec *spec);
int vcl_rt_ready(struct vcl_instance *inst, struct vcl_error **err);
int vcl_rt_exited(struct vcl_instance *inst, struct vcl_error **err);
int vcl_rt_sample(struct vcl_instance *inst, struct vcl_mem *mem, struct vcl_error **err);
int vcl_rt_destroy(struct vcl_instance *inst, struct vcl_error **err);

/* `RT --root ROOT [global] delete --force ID`; a container that is not
 * there is success. */
int vcl_rt_delete(const struct vcl_runtime *rt, const char *root, const char *id, const char *log,
		  struct vcl_error **err);

#endif
