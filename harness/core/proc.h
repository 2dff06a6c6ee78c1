/* SPDX-License-Identifier: MIT */
#ifndef VCL_PROC_H
#define VCL_PROC_H

/* Helpers shared by the process-based placements (bare, ctr, peers). */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/cgroup.h"
#include "core/error.h"

/* Accumulates bytes from a READY channel until a full line arrives. */
struct vcl_readyline {
	char buf[256];
	size_t len;
};

/* Read what is available on fd (which must be O_NONBLOCK). Returns 1 when a "VCLAB-READY ..." line is
 * complete (port set from its port= field when present, else left as is),
 * 0 when more is needed, -1 on EOF before the line or a read error. */
int vcl_readyline_feed(struct vcl_readyline *rl, int fd, uint16_t *port, struct vcl_error **err);
/* Parse a complete READY line; pure. Returns 0 and the port, -1 if not one. */
int vcl_readyline_parse(const char *line, uint16_t *port);
/* The start_ns= field of a READY line (the payload's CLOCK_MONOTONIC at
 * main), or 0 when absent or not a number; pure. */
uint64_t vcl_readyline_start_ns(const char *line);

/* Turn a wait status into an error: VCL_E_OOM when the cgroup (may be
 * NULL) counted an out-of-memory kill, else VCL_E_DIED with the exit code or
 * signal. Always returns -1. */
int vcl_explain_exit(const char *name, int status, struct vcl_cgroup *cg, struct vcl_error **err);

/* CPU time (user + system, all threads) of a process from /proc/PID/stat,
 * in microseconds (clock-tick resolution). */
int vcl_proc_cpu_usec(pid_t pid, uint64_t *usec);

/* waitpid(2) restarted on EINTR: the pid, 0 (WNOHANG and still running),
 * or -1 with errno. */
pid_t vcl_waitpid(pid_t pid, int *status, int flags);

/*
 * Kill and reap a child this process owns and has not reaped yet (so the pid
 * cannot have been reused): send sig (through pidfd when it is >= 0, else by
 * pid), wait up to timeout_ms for the child to exit, then SIGKILL it and wait
 * for good. With sig == SIGKILL there is nothing to escalate to and the wait
 * is unbounded, as for every destroy path today; timeout_ms < 0 waits for
 * sig alone without escalating. Waits are EINTR-safe. Fills *status (may be
 * NULL) and returns 0 once reaped; -1 with errno when the pid is not a child
 * (ECHILD) or is not a pid (EINVAL). Keeps no other state: callers record
 * that the child is gone.
 */
int vcl_proc_kill_reap(pid_t pid, int pidfd, int sig, int timeout_ms, int *status);

/* Sum PSS/RSS over every process of cg and add its cgroup counters. */
int vcl_sample_cgroup(struct vcl_cgroup *cg, struct vcl_mem *mem, struct vcl_error **err);

#endif
