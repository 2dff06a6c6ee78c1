/* SPDX-License-Identifier: MIT */
#ifndef VCL_CORE_HOST_H
#define VCL_CORE_HOST_H

#include <json-c/json.h>
#include <stdbool.h>
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
};

/* Gather the facts. uri: libvirt URI to try (NULL = qemu:///system). Never
 * fails for a missing piece: that piece is recorded as absent, with why. */
int vcl_host_probe(struct vcl_host *h, const char *uri, struct vcl_error **err);
/* The facts as the results.json "host" object. */
struct json_object *vcl_host_json(const struct vcl_host *h);

#endif
