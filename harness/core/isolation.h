/* SPDX-License-Identifier: MIT */
#ifndef VCL_ISOLATION_H
#define VCL_ISOLATION_H

/*
 * What the isolation probe (payload/isoprobe.h) measured, judged: pure
 * functions over the probe's JSON object (backends.<b>.isolation in
 * results.json), shared by bench, the report, the advisor and the tests.
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* The system calls the probe tries, in its order, with the words the
 * report uses for each (docs/isolation.md says how each is made harmless). */
struct vcl_isolation_call {
	const char *key;   /* syscalls.<key> in the probe's object */
	const char *label; /* "mount a tmpfs" */
	/* containerd's defaults (CRI, RuntimeDefault seccomp, its capability
	 * set) refuse it: a container run with them must see "denied" (or
	 * "absent"). */
	bool cri_forbids;
};
extern const struct vcl_isolation_call vcl_isolation_calls[];
extern const size_t vcl_isolation_ncalls;

/* containerd's default capability set (libcap's names, "cap_chown"...),
 * NULL-terminated: what a container under the CRI defaults may hold. */
extern const char *const vcl_isolation_cri_caps[];

/*
 * Everything in probe (one placement's isolation object) that containerd's
 * defaults forbid: a capability outside its default set in the effective,
 * permitted or bounding set; a forbidden call not denied; /proc/sys, the
 * sysrq trigger or /sys writable; kernel addresses in /proc/kallsyms;
 * /proc/kcore readable; a host process visible. Returns how many, and
 * lists them in why ("cap_sys_admin effective; mount a tmpfs allowed
 * ..."), "; "-separated, truncated to size. A probe object without a
 * field counts that field as a violation ("no caps"), so a probe that
 * said nothing never passes.
 */
unsigned vcl_isolation_cri_violations(struct json_object *probe, char *why, size_t size);

/* "denied", "allowed", "absent", "untried" of syscalls.<key>, or NULL. */
const char *vcl_isolation_call_result(struct json_object *probe, const char *key);

/* Whether the effective set holds cap ("cap_sys_admin"); false when absent. */
bool vcl_isolation_has_cap(struct json_object *probe, const char *set, const char *cap);

#endif
