/* SPDX-License-Identifier: MIT */
#ifndef VCL_ISOPROBE_H
#define VCL_ISOPROBE_H

/*
 * The isolation probe's side (bin/vclab-isoprobe, issue 28): what a service
 * can reach from where it runs, written as one JSON object. The harness
 * runs the probe as the service in every placement and reads the object
 * from GET /isolation (docs/isolation.md lists every key).
 *
 * Every system call tried is harmless by construction: it either fails on
 * a bad argument after the permission check (reboot with a bad magic,
 * init_module of nothing, swapon of a missing file, a BPF program the
 * verifier rejects, a zero-length file handle), or makes something private
 * and undoes it at once (a tmpfs on a folder of its own, unmounted; a user
 * namespace in a child that exits; a perf counter closed unread).
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What the harness tells the probe about the host, from the request's
 * query: its own pid and that pid's start time (clock ticks after boot),
 * the host's boot id and kernel release. Zero/empty when not given. */
struct vcl_isoprobe_host {
	pid_t pid;
	unsigned long long starttime;
	char boot_id[40];
	char release[65]; /* the host's uname release: where there is no boot
			   * id (gVisor), a different release is a different kernel */
};

/* A growing text buffer for the JSON (the probe's only allocation). */
struct vcl_isobuf {
	char *p;
	size_t len, cap;
	int oom;
};

void vcl_isobuf_put(struct vcl_isobuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* s as a JSON string (quoted, escaped). */
void vcl_isobuf_str(struct vcl_isobuf *b, const char *s);

/* Probe everything, append the JSON object to b. */
void vcl_isoprobe_run(const struct vcl_isoprobe_host *host, struct vcl_isobuf *b);

#endif
