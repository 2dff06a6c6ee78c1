/* SPDX-License-Identifier: MIT */
#ifndef VCL_BENCH_RESOURCES_H
#define VCL_BENCH_RESOURCES_H

/*
 * The resource scenarios (issue 29: cpu, membw, disk, net): what a service
 * spends in each placement, measured by the field's own tools (sysbench,
 * fio, iperf3) run inside the placement from one tools image
 * (scripts/build-tools-image.sh, `make tools`) through the user-image
 * machinery, interleaved across placements, each figure with its ratio to
 * bare and a bootstrap CI (docs/resources.md).
 *
 * resources.c is the driver every scenario shares: load the tools image,
 * prepare the placements for it, shuffled rounds of launch -> ready ->
 * measure -> destroy, then the statistics. scenario_resources.c holds the
 * four kinds: the tool's command line and how its output becomes figures.
 */

#include <json-c/json.h>
#include <stdint.h>

#include "bench/bench.h"

/* Counts and durations per profile. */
struct vcl_res_params {
	const char *profile;
	unsigned rounds;     /* launches per placement */
	unsigned cpu_events; /* sysbench cpu --events */
	unsigned mem_mib;    /* sysbench memory --memory-total-size, per direction */
	unsigned disk_s;     /* fio --runtime per job (4 jobs) */
	unsigned net_s;	     /* iperf3 -t per direction, and the ping loop */
};

/* One launch being measured. */
struct vcl_res_launch {
	struct vcl_bench *b;
	const struct vcl_res_params *p;
	struct vcl_instance *inst;
	const char *rootfs;    /* the image's unpacked rootfs on the host */
	const char *rootfs_fs; /* the file system the image's rootfs is on ("ext4") */
	/* The disk scenario's host folders (NULL for the other kinds), each
	 * emptied after every launch: scratch_dir is bound at /scratch (bare,
	 * ctr, runc), upper_dir holds bare's and ctr's overlay upper layer;
	 * scratch_fs and upper_fs name their file systems, state_fs that of
	 * the run's state folder (where runc's bundle keeps its upper layer). */
	const char *scratch_dir, *upper_dir;
	const char *scratch_fs, *upper_fs, *state_fs;
	const char *vm_fs; /* where a VM's data disk is (VCL_VM_IMAGE_ROOT) */
	/* Filled by the kind: numbers (one sample each) and what produced
	 * them (tool, version, command, path or storage labels). */
	struct json_object *fig;
	struct json_object *info;
};

struct vcl_res_kind {
	const char *name; /* the scenario's name */
	int (*measure)(struct vcl_res_launch *l, struct vcl_error **err);
	bool storage; /* the placements get the host folders of vcl_res_launch */
};

/* The disk scenario's write targets: a file on the volume at /scratch (a
 * host folder on disk; a virtio-blk data disk for a VM), and one in the
 * rootfs overlay's root. */
#define VCL_RES_SCRATCH	     "/scratch"
#define VCL_RES_SCRATCH_FILE "/scratch/fio.dat"
#define VCL_RES_OVERLAY_FILE "/fio-overlay.dat"

/* The tools image is there (installed or built): the resource scenarios'
 * preflight; the error names it and `make tools`. */
int vcl_res_tools_check(struct vcl_error **err);

/* Run kind k in every active placement that runs a user's service. */
int vcl_res_run(struct vcl_bench *b, const struct vcl_res_kind *k, struct vcl_error **err);

/* Inside the placement: POST argv (one argument a line) to toolrun's path
 * ("/run" or "/exec"); *out the tool's output (malloc'd), *exit_status its
 * exit status (X-Exit). */
int vcl_res_post(const struct vcl_endpoint *ep, const char *path, const char *const *argv,
		 unsigned timeout_ms, char **out, int *exit_status, struct vcl_error **err);
/* On the host, in network namespace netns_fd (-1: the host's): run argv,
 * *out its stdout and stderr (malloc'd), *exit_status its exit status. */
int vcl_res_host_tool(int netns_fd, const char *const *argv, unsigned timeout_ms, char **out,
		      int *exit_status, struct vcl_error **err);
/* argv as a JSON array, the exact command line in results.json. */
struct json_object *vcl_res_argv_json(const char *const *argv);

/* A metric's better direction from its name: lower for times and
 * latencies (_ms, _us), higher otherwise (rates). */
int vcl_res_lower_is_better(const char *metric);

#endif
