/* SPDX-License-Identifier: MIT */
#ifndef VCL_LIMITS_H
#define VCL_LIMITS_H

/*
 * The host's and this process's limits on how many instances a run can
 * hold: file descriptors (RLIMIT_NOFILE), tasks (kernel.pid_max,
 * kernel.threads-max, the pids cgroup vclab runs in). Density reads them
 * before each burst and stops with `pids` or `fds` instead of failing.
 */

#include <stdint.h>

#include "core/error.h"

/* Raise RLIMIT_NOFILE's soft limit to the hard limit, and as root the hard
 * limit first to fs.nr_open (at most 1 << 20): thousands of instances hold
 * a few descriptors each (READY pipe, pidfd, netns). *soft and *hard get
 * the limits in force afterwards. Only this process and its children see
 * the change; nothing on the host changes. */
int vcl_raise_nofile(uint64_t *soft, uint64_t *hard, struct vcl_error **err);

/* Descriptors this process has open (entries of /proc/self/fd). */
int vcl_fds_open(uint64_t *n, struct vcl_error **err);

/* Tasks the host still allows: the least of pid_max and threads-max minus
 * the tasks now running (/proc/loadavg), and the pids cgroup's pids.max
 * minus pids.current along vclab's own cgroup (when limited). *limit gets
 * the limit that binds, *used the tasks it counts. */
int vcl_pids_room(uint64_t *limit, uint64_t *used, struct vcl_error **err);

/* The tasks count field of a /proc/loadavg line ("0.1 0.2 0.3 2/137 99"
 * gives 137); -1 when malformed. Pure. */
int vcl_loadavg_tasks(const char *text, uint64_t *tasks);

#endif
