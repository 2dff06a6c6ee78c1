/* SPDX-License-Identifier: MIT */
#ifndef VCL_CORE_HOST_H
#define VCL_CORE_HOST_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cgroup.h"
#include "core/error.h"
#include "core/topo.h"

/* The host facts a result depends on. */
struct vcl_host {
	char hostname[64];
	char cpu_model[128];
	struct vcl_topo topo;
	uint64_t mem_mib;
	char kernel[128];
	enum vcl_cgroup_mode cgroup;
	char libvirt_version[32]; /* library version */
	char qemu_version[64];
	bool libvirt_ok; /* qemu:///system answers */
	char libvirt_why[256];
	/* Local libvirtd only: "" when virtlogd answers, else why not. */
	bool virtlogd_checked;
	char virtlogd_why[160];
	bool gnuplot;
	char accelerator[8]; /* "kvm" or "tcg" */
	char accel_why[256]; /* why that one */
	/* The fleet class the user put this host in (bench --host-class), ""
	 * for none: results.json host.class, what report, advise and check
	 * group hosts by. Not probed: a class is the operator's word. */
	char host_class[64];
};

/* Facts only a part above core can establish, handed in by the caller
 * (bench/backends.h fills them from the parts built in). Any may be NULL. */
struct vcl_host_hooks {
	/* 1 when KVM really works here (a guest booted under it), else 0 with
	 * the reason in why. Without it /dev/kvm alone never makes "kvm". */
	int (*kvm_usable)(char *why, size_t whylen);
};

/* Gather the facts. uri: libvirt URI to try (NULL = qemu:///system); hooks
 * may be NULL. Never fails for a missing piece: that piece is recorded as
 * absent, with why. */
int vcl_host_probe(struct vcl_host *h, const char *uri, const struct vcl_host_hooks *hooks,
		   struct vcl_error **err);
/* Whether s is a usable host class name: 1-63 of [A-Za-z0-9._-], starting
 * with a letter or digit (it names folders and report columns). Pure. */
bool vcl_host_class_name_ok(const char *s);
/* The facts as the results.json "host" object. */
struct json_object *vcl_host_json(const struct vcl_host *h);

#endif
