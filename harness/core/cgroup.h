/* SPDX-License-Identifier: MIT */
#ifndef VCL_CGROUP_H
#define VCL_CGROUP_H

/*
 * Cgroups on v1 (and the v1/v2 hybrid of these lab machines) and on pure
 * v2, behind one API. core/cgroup.c picks the mode's ops once
 * (core/cgroup_internal.h); core/cgroup_v1.c goes through libcgroup, which
 * knows where each v1 hierarchy is and creates across them all;
 * core/cgroup_v2.c writes the one unified tree itself.
 *
 * Paths are relative to the controller roots: "vclab/<run>/<n>".
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/backend.h"
#include "core/error.h"

enum vcl_cgroup_mode {
	VCL_CG_NONE = 0,
	VCL_CG_V1,
	VCL_CG_HYBRID, /* v1 controllers plus an empty cgroup2 at /sys/fs/cgroup/unified */
	VCL_CG_V2,
};

enum vcl_cgroup_mode vcl_cgroup_mode(void);
const char *vcl_cgroup_mode_name(enum vcl_cgroup_mode m);

struct vcl_cgroup;

/* Create path with the memory, cpu, cpuacct, pids and cpuset controllers.
 * lim == NULL makes an accounting-only cgroup (bare): nothing is limited.
 * cpuset may be NULL (inherit), or VCL_CGROUP_NO_CPUSET: no cpuset
 * controller at all (on v1 no folder in its hierarchy; the caller pins
 * with sched_setaffinity, as systemd's CPUAffinity= does). Records the
 * cgroup in ledger first. */
#define VCL_CGROUP_NO_CPUSET ""
struct vcl_ledger;
int vcl_cgroup_create(struct vcl_ledger *ledger, const char *path, const struct vcl_limits *lim,
		      const char *cpuset, struct vcl_cgroup **out, struct vcl_error **err);
/* Open an existing cgroup (QEMU's, made by libvirt) for reading only.
 * For v1, path is taken in the memory hierarchy; pass the path as
 * /proc/PID/cgroup gives it. */
int vcl_cgroup_open_pid(pid_t pid, struct vcl_cgroup **out, struct vcl_error **err);

/* Move pid (0 = the calling process) into the cgroup, on every hierarchy.
 * Async-signal-safe enough to call in a freshly forked child: it only
 * writes files (no allocation). */
/* On a pure v2 host: an O_PATH directory fd of cg, for clone3's
 * CLONE_INTO_CGROUP (the child is born in the cgroup: no attach, no
 * migration cost). -1 elsewhere (v1, hybrid) or on error. */
int vcl_cgroup_dirfd(const struct vcl_cgroup *cg);
int vcl_cgroup_attach(struct vcl_cgroup *cg, pid_t pid);

/* A figure the cgroup does not give (unreadable file, a kernel that does
 * not report it) is marked unknown with the reason, never left at 0. */
struct vcl_cg_stats {
	uint64_t mem_bytes;  /* usage including kernel memory */
	uint64_t kmem_bytes; /* kernel memory part; valid only when kmem_known */
	bool kmem_known;
	char kmem_why[192]; /* why not, when !kmem_known */
	uint64_t cpu_usec;  /* CPU time of all tasks; valid only when cpu_known */
	bool cpu_known;
	uint64_t oom_kills; /* tasks killed by the memory limit */
	uint64_t pids;	    /* tasks now */
};
int vcl_cgroup_stats(struct vcl_cgroup *cg, struct vcl_cg_stats *st, struct vcl_error **err);
/* pids of every task in the cgroup (memory hierarchy on v1). */
int vcl_cgroup_pids(struct vcl_cgroup *cg, pid_t **pids, size_t *n, struct vcl_error **err);
/* SIGKILL every task, wait until empty (bounded), remove the folders. Frees cg. */
int vcl_cgroup_destroy(struct vcl_cgroup *cg, struct vcl_error **err);
/* Free the handle only (for vcl_cgroup_open_pid). */
void vcl_cgroup_free(struct vcl_cgroup *cg);
/* Cleanup for a handle this scope holds: frees the handle, leaves the
 * folders (removing them is vcl_cgroup_destroy's, or the ledger's). */
static inline void vcl_cgroup_freep(struct vcl_cgroup **cg)
{
	vcl_cgroup_free(*cg);
	*cg = NULL;
}
#define cleanup_cgroup __attribute__((cleanup(vcl_cgroup_freep)))
/* vcl_cgroup_destroy() on a handle a struct owns, which is then NULL; 0 when
 * it already is (a half-made or already destroyed instance). */
static inline int vcl_cgroup_destroyp(struct vcl_cgroup **cg, struct vcl_error **err)
{
	struct vcl_cgroup *c = *cg;

	*cg = NULL;
	return c != NULL ? vcl_cgroup_destroy(c, err) : 0;
}
const char *vcl_cgroup_path(const struct vcl_cgroup *cg);

/* Kill every task and remove path in every hierarchy; for gc and teardown
 * of what one run owns ("vclab/<run>/<n>", "vclab/<run>"). Missing folders
 * are not an error. Never for a folder other runs share: on v2 its
 * cgroup.kill would kill their instances too. */
int vcl_cgroup_remove_path(const char *path, struct vcl_error **err);

/* The top folder "vclab", which every run shares: rmdir it in every
 * hierarchy when no run uses it any more (EBUSY otherwise, and that is
 * fine). Kills nothing and removes nothing under it. */
void vcl_cgroup_remove_top(void);

/* Absolute folder of path for one controller ("memory", "cpu", ...), using
 * the unified tree on v2. Caller frees. */
char *vcl_cgroup_dir(const char *controller, const char *path);

/*
 * Pure cgroup v2 (core/cgroup_v2.c), on the tree at root: "/sys/fs/cgroup" for real, a temp
 * dir laid out like one in unit tests (tests/unit/test_cgroup.c).
 */
/* Make root/path for an instance: every parent from the root down gets
 * memory, cpu, pids and cpuset in its cgroup.subtree_control (delegation
 * is top-down), then path gets lim's memory.max, memory.swap.max, cpu.max,
 * pids.max and cpuset's cpuset.cpus. lim NULL: accounting only. Fails with
 * VCL_E_ENV naming the cgroup when a controller is not available to a
 * parent, or when a parent holds processes (the no-internal-process rule). */
int vcl_cgroup_v2_create(const char *root, const char *path, const struct vcl_limits *lim,
			 const char *cpuset, struct vcl_error **err);
/* Pure: the cgroup of a process out of the text of /proc/PID/cgroup, with
 * no leading '/': the "0::" line when v2, else the v1 line whose
 * controllers include memory. -1 when there is none or out is too small. */
int vcl_cgroup_proc_path(const char *text, bool v2, char *out, size_t len);
/* The cgroup to sample for a process in path: up past threaded cgroups to
 * their threaded root, and from libvirt's "libvirt" child of a systemd
 * machine scope to the scope (machine.slice/machine-qemu...scope), so a VM
 * is read as a whole, not its emulator thread group. */
int vcl_cgroup_v2_sample_path(const char *root, const char *path, char *out, size_t len);
/* pids of every process in root/path and the cgroups under it. */
int vcl_cgroup_v2_procs(const char *root, const char *path, pid_t **pids, size_t *n,
			struct vcl_error **err);

/* vclab doctor's cgroup line on v2: "v2 (controllers: cpuset cpu ...)"
 * from root/cgroup.controllers; -1, naming what is missing, when a
 * controller vclab delegates (memory, cpu, pids, cpuset) is not there. */
int vcl_cgroup_v2_describe(const char *root, char *buf, size_t len);

/* The ledger's "cgroup PATH" records (vcl_cgroup_create writes them): undo
 * removes the cgroup; once a run is torn down its parent cgroups go too. */
struct vcl_ledger_kind;
extern const struct vcl_ledger_kind vcl_cgroup_ledger_kind;

#endif
