/* SPDX-License-Identifier: MIT */
#ifndef VCL_KSM_H
#define VCL_KSM_H

/*
 * Kernel samepage merging for the density scenario's --ksm. vclab changes
 * only run, sleep_millisecs and pages_to_scan under /sys/kernel/mm/ksm, and
 * records each one's value in the run's ledger ("sysfs PATH VALUE") before
 * it writes the new one: the normal teardown restores them (signals end a
 * run through it too), and `vclab gc` does after a crash.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"
#include "core/ledger.h"

#define VCL_KSM_DIR "/sys/kernel/mm/ksm"

/* The ledger's "sysfs PATH VALUE" records: put a KSM setting back. */
extern const struct vcl_ledger_kind vcl_ksm_ledger_kind;

struct vcl_ksm {
	bool on;      /* vcl_ksm_start turned merging on; restore to undo */
	char run[16]; /* the host's values before, as read */
	char sleep_ms[16];
	char pages[16];
	pid_t ksmd;	    /* the ksmd kernel thread, 0 when not found */
	uint64_t ksmd_cpu0; /* its CPU time at start, us */
};

struct vcl_ksm_counters {
	uint64_t pages_sharing, pages_shared, full_scans;
};

/* Is KSM built into this kernel? Pure apart from one access(). */
bool vcl_ksm_available(void);
/* Save the settings, record them in the ledger, turn merging on with a
 * scan rate that settles in seconds rather than minutes. */
struct vcl_ledger;
int vcl_ksm_start(struct vcl_ksm *k, struct vcl_ledger *ledger, struct vcl_error **err);
/* run=2: unmerge every page (and stop), for the footprint without KSM of
 * the same instances. */
int vcl_ksm_unmerge(struct vcl_error **err);
/* Put back what vcl_ksm_start changed (no-op when it did not). */
int vcl_ksm_restore(struct vcl_ksm *k, struct vcl_error **err);
int vcl_ksm_read(struct vcl_ksm_counters *c, struct vcl_error **err);
/* ksmd's CPU time since vcl_ksm_start, seconds; < 0 when unknown. */
double vcl_ksm_cpu_s(const struct vcl_ksm *k);

/* Has merging settled? sharing[i] is pages_sharing read at the i-th new
 * full scan (n readings so far): settled when the last `scans` readings
 * lie within tol (a fraction) of the last one. Pure. */
bool vcl_ksm_settled(const uint64_t *sharing, size_t n, unsigned scans, double tol);

/* KiB of VMAs marked mergeable ("mg" in VmFlags) in a /proc/PID/smaps
 * text. Pure. */
uint64_t vcl_smaps_mergeable_kib(const char *smaps);

#endif
