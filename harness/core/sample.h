/* SPDX-License-Identifier: MIT */
#ifndef VCL_SAMPLE_H
#define VCL_SAMPLE_H

/*
 * Host-side memory figures, and the arithmetic the memory and density
 * scenarios do with them. A reading that fails is absent (a clear bit in
 * vcl_mem.known, with the reason), never 0: results.json shows it as null
 * with a "<key>_reason" beside it (docs/metrics.md, "Absent, never zero").
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/backend.h"
#include "core/cgroup.h"
#include "core/error.h"

/* PSS and RSS (KiB) of one process from /proc/PID/smaps_rollup. Returns 0,
 * 1 when the file is empty (a kernel thread or a zombie: no user memory),
 * or -1 with *err (errnum ENOENT/ESRCH: the process is gone). */
int vcl_sample_pid(pid_t pid, uint64_t *pss_kib, uint64_t *rss_kib, struct vcl_error **err);
/* Add PSS and RSS over a set of pids to mem (sets VCL_MEM_PSS). A process
 * that exited between listing and reading is skipped, as are kernel
 * threads and zombies; any other failure to read is an error, and so is
 * finding no live process at all (VCL_E_DIED). */
int vcl_sample_pids(const pid_t *pids, size_t n, struct vcl_mem *mem, struct vcl_error **err);
/* Copy a cgroup's figures into mem: cgroup_kib always, kmem_kib and
 * cpu_usec where the cgroup gave them (else their reason). */
/* Every live process of the tree rooted at root: its descendants by
 * parent pid, plus any process of its process group (a child that
 * double-forked away from its parent). At most max pids; returns the
 * count (root first), -1 with errno. */
int vcl_proc_tree_pids(pid_t root, pid_t *pids, size_t max);

void vcl_mem_set_cgroup(struct vcl_mem *mem, const struct vcl_cg_stats *st);
/* The instance has no cgroup to read: cgroup_kib and kmem_kib absent, why. */
void vcl_mem_no_cgroup(struct vcl_mem *mem, const char *why);
/* MemAvailable from /proc/meminfo, KiB. */
int vcl_memavailable_kib(uint64_t *out, struct vcl_error **err);
/* Parse a "Pss:   123 kB" style field out of smaps_rollup/meminfo text. Pure. */
int vcl_parse_kib_field(const char *text, const char *field, uint64_t *out);

/* The pid of a local daemon (libvirtd, virtlogd), read-only: its pid file
 * (/run/NAME.pid, /run/libvirt/NAME.pid) when it names a live process
 * called NAME, else the first process whose executable is called NAME.
 * Returns -1 with the reason in why when there is none. */
int vcl_daemon_pid(const char *name, pid_t *pid, char *why, size_t len);

/* ---- Pure arithmetic (unit-tested on literal input) ---- */

/* The mean over the instances of one placement started together. A field
 * is known in the mean only when every sample knows it (a mean over some of
 * them would be a different figure); the first sample's reason is kept. */
struct vcl_mem_mean {
	unsigned n; /* samples added */
	double pss_kib, rss_kib, cgroup_kib, kmem_kib;
	double helper_pss_kib; /* the engine helpers' part of pss_kib (VCL_MEM_HELPER) */
	unsigned max_procs; /* most host processes one sample counted (nginx: master + workers) */
	unsigned known;	    /* VCL_MEM_* known in all n samples */
	char cgroup_why[128], kmem_why[192];
};
void vcl_mem_mean_init(struct vcl_mem_mean *a);
void vcl_mem_mean_add(struct vcl_mem_mean *a, const struct vcl_mem *m);
/* Divide the sums by n. */
void vcl_mem_mean_finish(struct vcl_mem_mean *a);

/* The footprint of one instance: PSS plus cgroup kernel memory. False (and
 * why) when either is absent: PSS alone would understate it. */
bool vcl_mem_footprint(const struct vcl_mem_mean *m, double *kib, char *why, size_t len);

/* The median and spread (max - min) of n readings; sorts v. n > 0. */
void vcl_median_spread(uint64_t *v, size_t n, uint64_t *median, uint64_t *spread);
/* How far MemAvailable may lag, KiB: the sum of the per-CPU "vm stats
 * threshold" batches in /proc/zoneinfo text, in pages of page_size bytes. */
uint64_t vcl_zoneinfo_drift_kib(const char *zoneinfo, long page_size);

/* The drop in MemAvailable per instance and whether it is resolved: a drop
 * counts only when it is more than margin times the larger of the host's
 * own spread (before and after) and the counter drift, per instance. */
struct vcl_memavail {
	double drop;   /* KiB per instance; 0 when MemAvailable did not fall */
	double noise;  /* the smallest drop per instance it resolves */
	bool resolved; /* drop > noise */
};
void vcl_memavail_resolve(uint64_t before, uint64_t after, uint64_t spread_before,
			  uint64_t spread_after, uint64_t drift, unsigned instances,
			  unsigned margin, struct vcl_memavail *out);
/* Overhead by MemAvailable: this placement's drop less bare's; where bare's
 * own drop is not resolved, bare's footprint stands in for it (absent when
 * that is). False when this drop is not resolved. */
bool vcl_memavail_overhead(const struct vcl_memavail *inst, const struct vcl_memavail *bare,
			   bool bare_has_footprint, double bare_footprint, double *out);

#endif
