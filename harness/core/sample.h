/* SPDX-License-Identifier: MIT */
#ifndef VCL_SAMPLE_H
#define VCL_SAMPLE_H

/* Host-side memory figures. */

#include <stdint.h>
#include <sys/types.h>

#include "core/backend.h"
#include "core/error.h"

/* PSS and RSS (KiB) of one process from /proc/PID/smaps_rollup. */
int vcl_sample_pid(pid_t pid, uint64_t *pss_kib, uint64_t *rss_kib, struct vcl_error **err);
/* Sum over a set of pids; processes that vanished meanwhile are skipped. */
int vcl_sample_pids(const pid_t *pids, size_t n, struct vcl_mem *mem, struct vcl_error **err);
/* MemAvailable from /proc/meminfo, KiB. */
int vcl_memavailable_kib(uint64_t *out, struct vcl_error **err);
/* Parse a "Pss:   123 kB" style field out of smaps_rollup/meminfo text. Pure. */
int vcl_parse_kib_field(const char *text, const char *field, uint64_t *out);

#endif
