/* SPDX-License-Identifier: MIT */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bench/backends.h"
#include "cli/cmds.h"
#include "core/cleanup.h"
#include "core/cgroup.h"
#include "core/error.h"
#include "core/host.h"

struct doctor_args {
	bool json;
	const char *uri;
};

static const struct vcl_opt doctor_opts[] = {
    VCL_OPT_FLAG_ROW(struct doctor_args, json, "json", 0, "print the facts as JSON"),
    VCL_OPT_STR_ROW(struct doctor_args, uri, "connect", 0, "URI",
		    "libvirt URI to probe (default qemu:///system)"),
};

const struct vcl_optset vcl_doctor_optset = {
    .verb = "doctor",
    .usage = "doctor [--json] [--connect URI]",
    .about = "Print the host facts results depend on: CPU, topology, memory, kernel, cgroup\n"
	     "mode, libvirt/QEMU, gnuplot, and the accelerator with the reason.",
    .opts = doctor_opts,
    .n = ARRAY_SIZE(doctor_opts),
    .size = sizeof(struct doctor_args),
};

int vcl_cmd_doctor(int argc, char **argv, struct vcl_error **err)
{
	struct doctor_args a = {0};
	struct vcl_host h;
	int r = vcl_cmd_parse(&vcl_doctor_optset, argc, argv, &a, NULL, err);

	if (r != 0)
		return r > 0 ? 0 : -1;
	if (vcl_host_probe(&h, a.uri, &vcl_backends_host_hooks, err) < 0)
		return -1;
	if (a.json) {
		struct json_object *o = vcl_host_json(&h);

		printf("%s\n", json_object_to_json_string_ext(
				   o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		return 0;
	}
	printf("%-14s %s\n", "host", h.hostname);
	printf("%-14s %s\n", "cpu", h.cpu_model);
	printf("%-14s %d package(s), %d core(s), %d PU(s)\n", "topology", h.topo.packages,
	       h.topo.cores, h.topo.pus);
	printf("%-14s %s (%s)\n", "pinning", h.topo.split ? "split" : "shared",
	       h.topo.split ? "workloads apart from the harness" : "2 PUs or fewer: all share");
	printf("%-14s %llu MiB\n", "memory", (unsigned long long)h.mem_mib);
	printf("%-14s %s\n", "kernel", h.kernel);
	if (h.cgroup == VCL_CG_V2) {
		char cgline[256];

		vcl_cgroup_v2_describe("/sys/fs/cgroup", cgline, sizeof(cgline));
		printf("%-14s %s\n", "cgroup", cgline);
	} else {
		printf("%-14s %s\n", "cgroup", vcl_cgroup_mode_name(h.cgroup));
	}
	printf("%-14s %s\n", "libvirt", h.libvirt_version[0] ? h.libvirt_version : "absent");
	printf("%-14s %s\n", "qemu", h.qemu_version[0] ? h.qemu_version : "absent");
	printf("%-14s %s%s%s\n", "qemu:///system", h.libvirt_ok ? "answers" : "does not answer",
	       h.libvirt_ok ? "" : ": ", h.libvirt_ok ? "" : h.libvirt_why);
	if (h.virtlogd_checked)
		printf(
		    "%-14s %s%s%s\n", "virtlogd",
		    h.virtlogd_why[0] == '\0' ? "answers" : "does not answer: ", h.virtlogd_why,
		    h.virtlogd_why[0] == '\0'
			? ""
			: " (domain creates fail unless qemu.conf sets stdio_handler = \"file\"; "
			  "start it: virtlogd -d)");
	printf("%-14s %s\n", "gnuplot",
	       h.gnuplot ? "present" : "absent (reports will have tables only)");
	printf("%-14s %s%s — %s\n", "accelerator", h.accelerator,
	       strcmp(h.accelerator, "kvm") == 0
		   ? ""
		   : " (software emulation: VM figures are not KVM figures)",
	       h.accel_why);
	return 0;
}
