/* SPDX-License-Identifier: MIT */
#include "core/host.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "core/cleanup.h"
#include "core/sample.h"
#include "core/util.h"

static void silent_libvirt(void *opaque, virErrorPtr e)
{
	(void)opaque;
	(void)e;
}

static void cpu_model(char *out, size_t len, bool *virt_flags)
{
	cleanup_free char *buf = NULL;

	snprintf(out, len, "unknown");
	*virt_flags = false;
	if (vcl_read_file("/proc/cpuinfo", &buf, NULL, NULL) < 0)
		return;
	for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		if (strncmp(line, "model name", 10) == 0 && strcmp(out, "unknown") == 0) {
			char *v = strchr(line, ':');

			if (v != NULL)
				snprintf(out, len, "%s", v + 2);
		} else if (strncmp(line, "flags", 5) == 0 && !*virt_flags) {
			*virt_flags = strstr(line, " vmx") != NULL || strstr(line, " svm") != NULL;
		}
	}
}

/* kvm only when a guest boots under it: a PVM-style nested /dev/kvm passes
 * the ioctls but hangs real kernels. The boot check is the VM part's
 * (hooks->kvm_usable). */
static void probe_accel(struct vcl_host *h, bool virt_flags, const struct vcl_host_hooks *hooks)
{
	cleanup_close int fd = -1;
	int api;

	snprintf(h->accelerator, sizeof(h->accelerator), "tcg");
	if (!virt_flags) {
		snprintf(h->accel_why, sizeof(h->accel_why), "no vmx/svm in the CPU flags");
		return;
	}
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(h->accel_why, sizeof(h->accel_why), "/dev/kvm: %s", strerror(errno));
		return;
	}
	api = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION) {
		snprintf(h->accel_why, sizeof(h->accel_why),
			 "/dev/kvm answers API version %d, not %d", api, KVM_API_VERSION);
		return;
	}
	if (hooks == NULL || hooks->kvm_usable == NULL) {
		snprintf(h->accel_why, sizeof(h->accel_why),
			 "/dev/kvm opens, but the VM placement is not built to prove a guest "
			 "boots under it");
		return;
	}
	if (hooks->kvm_usable(h->accel_why, sizeof(h->accel_why)) == 1) {
		snprintf(h->accelerator, sizeof(h->accelerator), "kvm");
		if (h->accel_why[0] == '\0')
			snprintf(h->accel_why, sizeof(h->accel_why),
				 "vmx/svm present, /dev/kvm usable, a guest booted under KVM");
	}
}

#define VCL_VIRTLOGD_SOCK "/run/libvirt/virtlogd-sock"

/* A local libvirtd hands each QEMU's console log to virtlogd; with virtlogd
 * gone (a socket file left on a disk-backed /run, say) every create fails.
 * Connecting to its socket tells, without speaking its protocol. */
static void probe_virtlogd(struct vcl_host *h)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = VCL_VIRTLOGD_SOCK};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	h->virtlogd_checked = true;
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		snprintf(h->virtlogd_why, sizeof(h->virtlogd_why), "%s: %s", VCL_VIRTLOGD_SOCK,
			 strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void probe_libvirt(struct vcl_host *h, const char *uri)
{
	unsigned long libver = 0, hv = 0;
	virConnectPtr conn;

	virSetErrorFunc(NULL, silent_libvirt);
	if (virGetVersion(&libver, NULL, NULL) == 0)
		snprintf(h->libvirt_version, sizeof(h->libvirt_version), "%lu.%lu.%lu",
			 libver / 1000000, libver / 1000 % 1000, libver % 1000);
	conn = virConnectOpen(uri != NULL ? uri : "qemu:///system");
	if (conn == NULL) {
		const virError *e = virGetLastError();

		h->libvirt_ok = false;
		snprintf(h->libvirt_why, sizeof(h->libvirt_why), "%s",
			 e != NULL && e->message != NULL ? e->message : "connection failed");
		return;
	}
	h->libvirt_ok = true;
	if (uri == NULL || strcmp(uri, "qemu:///system") == 0)
		probe_virtlogd(h);
	if (virConnectGetVersion(conn, &hv) == 0 && hv != 0)
		snprintf(h->qemu_version, sizeof(h->qemu_version), "%lu.%lu.%lu", hv / 1000000,
			 hv / 1000 % 1000, hv % 1000);
	virConnectClose(conn);
}

static void probe_qemu_binary(struct vcl_host *h)
{
	FILE *p;
	char line[256];

	if (h->qemu_version[0] != '\0')
		return;
	p = popen("qemu-system-x86_64 --version 2>/dev/null", "r");
	if (p == NULL)
		return;
	if (fgets(line, sizeof(line), p) != NULL) {
		const char *v = strstr(line, "version ");

		if (v != NULL) {
			snprintf(h->qemu_version, sizeof(h->qemu_version), "%s", v + 8);
			h->qemu_version[strcspn(h->qemu_version, " \n")] = '\0';
		}
	}
	pclose(p);
}

static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	cleanup_free char *copy = strdup(path != NULL ? path : "/usr/bin:/bin");

	if (copy == NULL)
		return false;
	for (char *dir = strtok(copy, ":"); dir != NULL; dir = strtok(NULL, ":")) {
		char full[512];

		snprintf(full, sizeof(full), "%s/%s", dir, prog);
		if (access(full, X_OK) == 0)
			return true;
	}
	return false;
}

int vcl_host_probe(struct vcl_host *h, const char *uri, const struct vcl_host_hooks *hooks,
		   struct vcl_error **err)
{
	struct utsname u;
	uint64_t kib = 0;
	bool virt_flags;
	const char *gp = getenv("VCLAB_GNUPLOT");
	cleanup_free char *meminfo = NULL;

	memset(h, 0, sizeof(*h));
	gethostname(h->hostname, sizeof(h->hostname) - 1);
	cpu_model(h->cpu_model, sizeof(h->cpu_model), &virt_flags);
	if (vcl_topo_probe(&h->topo, err) < 0)
		return -1;
	if (vcl_read_file("/proc/meminfo", &meminfo, NULL, NULL) == 0 &&
	    vcl_parse_kib_field(meminfo, "MemTotal", &kib) == 0)
		h->mem_mib = kib / 1024;
	if (uname(&u) == 0)
		snprintf(h->kernel, sizeof(h->kernel), "%s", u.release);
	h->cgroup = vcl_cgroup_mode();
	probe_libvirt(h, uri);
	probe_qemu_binary(h);
	h->gnuplot = gp != NULL ? access(gp, X_OK) == 0 : on_path("gnuplot");
	probe_accel(h, virt_flags, hooks);
	return 0;
}

bool vcl_host_class_name_ok(const char *s)
{
	size_t n = 0;

	if (s == NULL || !isalnum((unsigned char)s[0]))
		return false;
	for (; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '.' && s[n] != '_' && s[n] != '-')
			return false;
	return n < 64;
}

struct json_object *vcl_host_json(const struct vcl_host *h)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "hostname", json_object_new_string(h->hostname));
	json_object_object_add(o, "cpu_model", json_object_new_string(h->cpu_model));
	json_object_object_add(o, "packages", json_object_new_int(h->topo.packages));
	json_object_object_add(o, "cores", json_object_new_int(h->topo.cores));
	json_object_object_add(o, "cpus", json_object_new_int(h->topo.pus));
	json_object_object_add(o, "mem_mib", json_object_new_int64((int64_t)h->mem_mib));
	json_object_object_add(o, "kernel", json_object_new_string(h->kernel));
	json_object_object_add(o, "cgroup",
			       json_object_new_string(vcl_cgroup_mode_name(h->cgroup)));
	json_object_object_add(o, "accelerator", json_object_new_string(h->accelerator));
	json_object_object_add(o, "accel_reason", json_object_new_string(h->accel_why));
	json_object_object_add(o, "libvirt_version", json_object_new_string(h->libvirt_version));
	json_object_object_add(o, "qemu_version", json_object_new_string(h->qemu_version));
	json_object_object_add(o, "libvirt_ok", json_object_new_boolean(h->libvirt_ok));
	if (!h->libvirt_ok)
		json_object_object_add(o, "libvirt_reason", json_object_new_string(h->libvirt_why));
	if (h->virtlogd_checked) {
		json_object_object_add(o, "virtlogd_ok",
				       json_object_new_boolean(h->virtlogd_why[0] == '\0'));
		if (h->virtlogd_why[0] != '\0')
			json_object_object_add(o, "virtlogd_reason",
					       json_object_new_string(h->virtlogd_why));
	}
	json_object_object_add(o, "gnuplot", json_object_new_boolean(h->gnuplot));
	if (h->host_class[0] != '\0')
		json_object_object_add(o, "class", json_object_new_string(h->host_class));
	return o;
}
