/* SPDX-License-Identifier: MIT */
/*
 * The isolation probe's facts judged against containerd's defaults
 * (core/isolation.h). Pure: no I/O.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/isolation.h"
#include "core/results.h"

/* Whether containerd's defaults forbid each call: mount, fsopen, bpf,
 * perf_event_open, init_module, reboot, swapon, open_by_handle_at need a
 * capability outside its set (SYS_ADMIN, BPF, PERFMON, SYS_MODULE,
 * SYS_BOOT, DAC_READ_SEARCH); keyctl, unshare(CLONE_NEWUSER), userfaultfd
 * and syslog are refused by its RuntimeDefault seccomp profile; ptrace of
 * a pid 1 that is not the caller's child needs SYS_PTRACE. NET_RAW and
 * MKNOD are in its set: a raw socket and a device node are allowed. */
const struct vcl_isolation_call vcl_isolation_calls[] = {
    {"mount_tmpfs", "mount a tmpfs", true},
    {"fsopen_tmpfs", "fsopen(\"tmpfs\")", true},
    {"bpf_prog_load", "bpf(PROG_LOAD)", true},
    {"keyctl", "keyctl", true},
    {"ptrace_pid1", "ptrace pid 1", true},
    {"unshare_userns", "unshare a user ns", true},
    {"perf_event_open", "perf_event_open, system-wide", true},
    {"init_module", "init_module", true},
    {"reboot", "reboot (bad magic)", true},
    {"swapon", "swapon", true},
    {"open_by_handle_at", "open_by_handle_at", true},
    {"userfaultfd", "userfaultfd", true},
    {"syslog", "syslog (dmesg)", true},
    {"raw_socket", "raw packet socket", false},
    {"mknod_char", "mknod a char device", false},
};
const size_t vcl_isolation_ncalls = sizeof(vcl_isolation_calls) / sizeof(vcl_isolation_calls[0]);

/* containerd's pkg/oci defaultUnixCaps (what CRI gives without adds). */
const char *const vcl_isolation_cri_caps[] = {
    "cap_chown",
    "cap_dac_override",
    "cap_fsetid",
    "cap_fowner",
    "cap_mknod",
    "cap_net_raw",
    "cap_setgid",
    "cap_setuid",
    "cap_setfcap",
    "cap_setpcap",
    "cap_net_bind_service",
    "cap_sys_chroot",
    "cap_kill",
    "cap_audit_write",
    NULL,
};

static const char *str_at(struct json_object *o, const char *path);

const char *vcl_isolation_call_result(struct json_object *probe, const char *key)
{
	char path[96];

	snprintf(path, sizeof(path), "syscalls.%s.result", key);
	return str_at(probe, path);
}

bool vcl_isolation_has_cap(struct json_object *probe, const char *set, const char *cap)
{
	char path[64];
	struct json_object *a;

	snprintf(path, sizeof(path), "caps.%s", set);
	a = vcl_json_path(probe, path);
	if (a == NULL || !json_object_is_type(a, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(a, i)), cap) == 0)
			return true;
	return false;
}

struct why {
	char *p;
	size_t size, len;
	unsigned n;
};

__attribute__((format(printf, 2, 3))) static void add(struct why *w, const char *fmt, ...)
{
	va_list ap;
	int r;

	w->n++;
	if (w->size == 0 || w->len + 1 >= w->size)
		return;
	if (w->len > 0)
		w->len += (size_t)snprintf(w->p + w->len, w->size - w->len, "; ");
	if (w->len >= w->size)
		return;
	va_start(ap, fmt);
	r = vsnprintf(w->p + w->len, w->size - w->len, fmt, ap);
	va_end(ap);
	if (r > 0)
		w->len += (size_t)r;
	if (w->len >= w->size)
		w->len = w->size - 1;
}

static bool cri_cap(const char *name)
{
	for (const char *const *c = vcl_isolation_cri_caps; *c != NULL; c++)
		if (strcmp(*c, name) == 0)
			return true;
	return false;
}

static void check_caps(struct json_object *probe, struct why *w)
{
	static const char *const sets[] = {"effective", "permitted", "bounding"};

	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		char path[32];
		struct json_object *a;

		snprintf(path, sizeof(path), "caps.%s", sets[s]);
		a = vcl_json_path(probe, path);
		if (a == NULL || !json_object_is_type(a, json_type_array)) {
			add(w, "no %s capability set", sets[s]);
			continue;
		}
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			const char *name = json_object_get_string(json_object_array_get_idx(a, i));

			if (name == NULL || !cri_cap(name))
				add(w, "%s %s", name != NULL ? name : "?", sets[s]);
		}
	}
}

/* A boolean fact (parent.key) that must not be true: null (nothing there
 * to write or see) passes, a missing key counts as a violation. */
static void check_false(struct json_object *probe, const char *parent, const char *key,
			const char *what, struct why *w)
{
	struct json_object *p = vcl_json_path(probe, parent), *v = NULL;

	if (p == NULL || !json_object_object_get_ex(p, key, &v))
		add(w, "%s not measured", what);
	else if (v != NULL && json_object_get_boolean(v))
		add(w, "%s", what);
}

static const char *str_at(struct json_object *o, const char *path)
{
	struct json_object *v = vcl_json_path(o, path);

	return v != NULL && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
								     : NULL;
}

unsigned vcl_isolation_cri_violations(struct json_object *probe, char *why, size_t size)
{
	struct why w = {.p = why, .size = size};
	const char *s;

	if (size > 0)
		why[0] = '\0';
	check_caps(probe, &w);
	for (size_t i = 0; i < vcl_isolation_ncalls; i++) {
		const char *r = vcl_isolation_call_result(probe, vcl_isolation_calls[i].key);

		if (!vcl_isolation_calls[i].cri_forbids)
			continue;
		if (r == NULL)
			add(&w, "%s not tried", vcl_isolation_calls[i].label);
		else if (strcmp(r, "denied") != 0 && strcmp(r, "absent") != 0)
			add(&w, "%s %s", vcl_isolation_calls[i].label, r);
	}
	check_false(probe, "paths", "proc_sys_writable", "/proc/sys writable", &w);
	check_false(probe, "paths", "sysrq_trigger_writable", "/proc/sysrq-trigger writable", &w);
	check_false(probe, "paths", "sys_writable", "/sys writable", &w);
	check_false(probe, "pids", "host_pid_visible", "a host process visible", &w);
	s = str_at(probe, "paths.kallsyms");
	if (s != NULL && strcmp(s, "addresses") == 0)
		add(&w, "kernel addresses in /proc/kallsyms");
	s = str_at(probe, "paths.masked./proc/kcore");
	if (s != NULL && strcmp(s, "readable") == 0)
		add(&w, "/proc/kcore readable");
	return w.n;
}
