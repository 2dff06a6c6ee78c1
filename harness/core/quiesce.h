/* SPDX-License-Identifier: MIT */
#ifndef VCL_CORE_QUIESCE_H
#define VCL_CORE_QUIESCE_H

/*
 * Settling between measured launches. A launch right after a VM or runc
 * teardown used to pay for that teardown (deferred cgroup offlining,
 * RCU grace periods, QEMU's exit still running on the other core): bare's
 * exec -> READY took 10-23 ms after a VM, 2.5-3 ms otherwise. Before each
 * measured launch the harness waits, bounded, until no other task is
 * runnable on the host (procs_running in /proc/stat counts the reader
 * itself), and records how long that took.
 */

#include <stdbool.h>
#include <stdint.h>

/* procs_running from /proc/stat text; -1 when absent. Pure. */
int vcl_procs_running_parse(const char *stat_text);

struct vcl_settle {
	double ms;   /* time spent waiting */
	bool quiet;  /* the host went quiet within the bound */
	int running; /* procs_running at the end */
};

/* Wait until procs_running <= 1 on two reads in a row (1 ms apart), at
 * most max_ms. Never fails: a host that stays busy is recorded as such. */
void vcl_settle(unsigned max_ms, struct vcl_settle *out);

#endif
