/* SPDX-License-Identifier: MIT */
#ifndef VCL_UTIL_H
#define VCL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "core/error.h"

/* CLOCK_MONOTONIC in nanoseconds: every duration vclab reports uses it. */
uint64_t vcl_now_ns(void);
/* Parse a cpuset list ("0-3,6,8-9") into set. Pure; -1 on bad syntax or a
 * CPU past CPU_SETSIZE. */
int vcl_cpulist_parse(const char *list, cpu_set_t *set);
static inline double vcl_ns_to_ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

/* Read a whole (small) file into a NUL-terminated buffer. */
int vcl_read_file(const char *path, char **out, size_t *len, struct vcl_error **err);
/* Read a file holding one unsigned number (cgroup knobs); "max" reads as UINT64_MAX. */
int vcl_read_u64(const char *path, uint64_t *out, struct vcl_error **err);
/* Write a string to an existing file (cgroup knobs, /proc files). */
int vcl_write_file(const char *path, const char *data, struct vcl_error **err);
/* Write a file atomically: temp file in the same folder, fsync, rename.
 * Mode 0644. A reader never sees a half-written file. */
int vcl_write_atomic(const char *path, const char *data, size_t len, struct vcl_error **err);
/* mkdir -p with mode 0755. */
int vcl_mkdir_p(const char *path, struct vcl_error **err);
/* rm -rf of a folder vclab made (does not cross mount points). */
int vcl_rm_rf(const char *path, struct vcl_error **err);

/* Start time of a process in clock ticks since boot (field 22 of
 * /proc/PID/stat): with the pid it names one process across pid reuse. */
int vcl_proc_starttime(pid_t pid, unsigned long long *out);

/* pidfd_open(2); -1 with errno on failure. */
int vcl_pidfd_open(pid_t pid);

/* Absolute path of a file next to the running vclab binary ("../bin/x"). */
int vcl_self_relative(const char *rel, char **out, struct vcl_error **err);

/*
 * The installed library folder: $VCLAB_LIBDIR when set, else
 * <dir of the vclab binary>/../lib/vclab (PREFIX/bin/vclab ->
 * PREFIX/lib/vclab, where `make install` puts the payload, the guest init,
 * build-guest.sh and the guest image). 0 with *out = DIR/file (malloc'd)
 * when that file exists; 1 (*out NULL) when it does not, so the caller
 * tries the build tree; -1 on error.
 */
int vcl_libdir_file(const char *file, char **out, struct vcl_error **err);

/* Set when SIGINT/SIGTERM arrived; long waits check it and unwind. */
extern volatile int vcl_interrupted;
/* Set a VCL_E_INTR error naming the signal that arrived; returns -1. */
int vcl_error_interrupted(struct vcl_error **err);
/* Install SIGINT/SIGTERM handlers (no SA_RESTART, so waits return EINTR). */
void vcl_install_signal_handlers(void);

/* Parse helpers for options: strict, whole string, range checked. */
int vcl_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int vcl_parse_double(const char *s, double min, double max, double *out);

/* Split "a,b,c" into a NULL-terminated array (empty items rejected). */
char **vcl_split_list(const char *s);
size_t vcl_strv_len(char **v);
bool vcl_strv_contains(char **v, const char *s);

/* Write at most n bytes of s (stops at NUL) with &, <, > and " escaped for
 * XML/HTML. VCL_ESC_APOS also escapes '; VCL_ESC_CTRL writes tab, newline
 * and carriage return as character references and drops the other control
 * characters, which XML 1.0 cannot carry (attribute values, JUnit). */
#define VCL_ESC_APOS 0x1u
#define VCL_ESC_CTRL 0x2u
void vcl_xml_put(FILE *f, const char *s, size_t n, unsigned flags);

/* True when the effective uid is 0 with CAP_SYS_ADMIN effective. */
bool vcl_is_root(void);

/* Bring up "lo" in the network namespace socket sock was made in (a new
 * namespace starts with it down). System calls only; 0 or -1 with errno. */
int vcl_loopback_up_on(int sock);
/* The same in the caller's network namespace, on a socket of its own: a
 * clone(CLONE_VM) child may call it. */
int vcl_loopback_up(void);

#endif
