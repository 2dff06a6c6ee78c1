/* SPDX-License-Identifier: MIT */
#ifndef VCL_LEDGER_H
#define VCL_LEDGER_H

/*
 * The resource ledger. Before vclab creates a domain, cgroup, mount, netns
 * or scratch folder it appends a line to /run/vclab/<run>/ledger; processes
 * are recorded with their start time right after fork (they always live in
 * a recorded cgroup too). Teardown walks the ledger backwards. `vclab gc`
 * does the same for runs whose runner process is gone, and touches nothing
 * that is not in a ledger.
 *
 * Records are write()n before the resource is created (no fsync: the
 * resources do not outlive a reboot).
 *
 * Line format: "<kind> <value...>\n", kinds:
 *   cgroup PATH              relative cgroup path
 *   domain URI NAME          libvirt domain
 *   pid PID STARTTIME        a process vclab started
 *   mount PATH               a mount point
 *   dir PATH                 a folder to rm -rf
 *   engine ENGINE RUN        every container vclab-RUN-N and image vclab-RUN:*
 *                            in podman's or docker's storage (ctr/engine.c)
 */

#include <stdbool.h>
#include <sys/types.h>

#include "core/error.h"

#define VCL_LEDGER_ROOT "/run/vclab"

/* Open the ledger of run_id (creates /run/vclab/<run>/ and its owner file).
 * There is one current ledger per process; vcl_ledger_add() writes to it. */
int vcl_ledger_open(const char *run_id, struct vcl_error **err);
/* Folder of the current ledger, or NULL. */
const char *vcl_ledger_dir(void);
/* Append one record to the current ledger (no-op without one). The line is
 * written with one write() before the call returns, so it outlives a crash
 * (even SIGKILL) of vclab; it is not fsync'd (ledger.c says why). */
int vcl_ledger_add(struct vcl_error **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Record a child pid with its start time. */
int vcl_ledger_add_pid(pid_t pid, struct vcl_error **err);
/* Tear down everything the current ledger lists (reverse order), then
 * remove the ledger. Called at exit; safe to call twice. */
int vcl_ledger_close(struct vcl_error **err);

struct vcl_gc_opts {
	bool dry_run;
	const char *root; /* default VCL_LEDGER_ROOT; tests point it elsewhere */
};
/* Tear down the ledgers of dead runs. Prints what it removes (or would). */
int vcl_gc(const struct vcl_gc_opts *opts, unsigned *removed, struct vcl_error **err);

#endif
