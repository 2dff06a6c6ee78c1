/* SPDX-License-Identifier: MIT */
#ifndef VCL_CORE_NSEXEC_H
#define VCL_CORE_NSEXEC_H

/*
 * Run a command inside a running instance from the host, as the CRI's
 * ExecSync does for a Kubernetes exec probe: join the namespaces of one of
 * its processes (user first when it has its own, then ipc, uts, net, pid,
 * cgroup and mount), enter its root (/proc/PID/root), its folder, its
 * supplementary groups and user, and exec with its environment (PATH
 * looked up there). What is not taken from the instance: its capability
 * bounding set, no_new_privs and seccomp filter (docs/ctr.md); a non-root
 * user has no capabilities anyway.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "core/backend.h"
#include "core/error.h"

/* Run argv in the namespaces and root of pid as svc's user; wait up to
 * timeout_ms, then SIGKILL it. *status: its wait status (a time-out is a
 * kill by SIGKILL). The command stays in the caller's cgroup. */
int vcl_nsexec(pid_t pid, const struct vcl_svc_spec *svc, char *const *argv, unsigned timeout_ms,
	       int *status, struct vcl_error **err);

/* Wait for pid (a child leading its process group) up to timeout_ms;
 * then SIGKILL its group and reap it.
 * Returns 0 with *status, 1 when it was killed for the time-out, -1 on an
 * error. */
int vcl_wait_timeout(pid_t pid, unsigned timeout_ms, int *status);

/* Pure-ish: is argv[0] a file in rootfs (a path) or in one of the
 * folders of PATH from envp (a name), as the runtime's exec finds it?
 * Returns true when found. */
bool vcl_exec_found(const char *rootfs, const char *argv0, char *const *envp);

#endif
