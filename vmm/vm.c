/* SPDX-License-Identifier: MIT */
/*
 * The vm placement: one transient libvirt domain per instance.
 *
 * Lean on purpose, since the libvirt tax is measured against plain QEMU
 * (qemu_direct.c): one virConnect per run (prepare/cleanup), one
 * virDomainCreateXML per launch (no define, no validation, no managed
 * save), VIR_DOMAIN_START_AUTODESTROY so a crashed harness cannot leak a
 * running domain past its connection.
 *
 * Readiness: the serial console goes to a file (virtlogd writes it), and an
 * inotify watch on its folder is the instance's ready_fd: no polling. The
 * QEMU pid comes from libvirt's pid file; its pidfd is exit_fd, so a QEMU
 * that dies while booting ends the wait at once.
 */
#include "vmm/vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/cgroup.h"
#include "core/cleanup.h"
#include "core/ledger.h"
#include "core/proc.h"
#include "core/sample.h"
#include "core/util.h"

#define LIBVIRT_PID_DIR "/run/libvirt/qemu"
#define LIBVIRT_LOG_DIR "/var/log/libvirt/qemu"

/* Run-wide state of one profile: set by prepare(), dropped by cleanup().
 * vm and vm-iaas may run in the same bench, each with its own. */
struct vm_run {
	const struct vcl_backend_ops *ops;
	enum vcl_vm_profile profile;
	virConnectPtr conn;
	char *uri;
	bool local;
	char *imgdir; /* VCL_VM_IMAGE_ROOT/vclab-<run>[-iaas], local only */
	char *kernel;
	char *initrd;
	char *disk;	/* iaas: the root disk every instance's overlay is backed by */
	char *svc_disk; /* the user's service: its rootfs disk and description */
	char *svc_cfg;
};

static struct vm_run runs[] = {
    {.ops = &vcl_vm_ops, .profile = VCL_VM_PROFILE_MICRO},
    {.ops = &vcl_vm_iaas_ops, .profile = VCL_VM_PROFILE_IAAS},
};

struct vm_priv {
	struct vm_run *run;
	virDomainPtr dom;
	struct vcl_serial_watch sw;
	bool have_sw;
	char *dir; /* per-instance folder holding serial.log */
	struct vcl_cgroup *cg;
	enum vcl_vm_net net;
	const char *network;
};

static void quiet_errors(void *data, virErrorPtr e)
{
	/* libvirt prints every error to stderr by default; vclab reports
	 * them itself, once, with context. */
}

static const char *virt_msg(void)
{
	const char *m = virGetLastErrorMessage();

	return m != NULL ? m : "unknown libvirt error";
}

static const char *spec_uri(const struct vcl_spec *spec)
{
	return spec->connect_uri != NULL && *spec->connect_uri != '\0' ? spec->connect_uri
								       : VCL_VM_DEFAULT_URI;
}

static int open_conn(const char *uri, virConnectPtr *out, struct vcl_error **err)
{
	virSetErrorFunc(NULL, quiet_errors);
	*out = virConnectOpen(uri);
	if (*out == NULL)
		return vcl_error_set(err, VCL_E_ENV, 0, "libvirtd not reachable at %s: %s", uri,
				     virt_msg());
	return 0;
}

static int vm_iaas_probe(const struct vcl_host *host, struct vcl_error **err)
{
	cleanup_virconn virConnectPtr c = NULL;

	if (open_conn(VCL_VM_DEFAULT_URI, &c, err) < 0)
		return -1;
	return vcl_vmm_iaas_image(NULL, NULL, NULL, err);
}

static int vm_probe(const struct vcl_host *host, struct vcl_error **err)
{
	cleanup_virconn virConnectPtr c = NULL;
	cleanup_free char *k = NULL;
	cleanup_free char *i = NULL;

	if (open_conn(VCL_VM_DEFAULT_URI, &c, err) < 0)
		return -1;
	if (vcl_vmm_guest_kernel(&k, err) < 0 ||
	    vcl_vmm_guest_file("initramfs.cpio.gz", &i, err) < 0)
		return -1;
	if (access(VCL_VM_FIRMWARE_QBOOT, R_OK) != 0)
		return vcl_error_set(err, VCL_E_ENV, errno,
				     "Firmware %s: install qemu-system-data (make deps)",
				     VCL_VM_FIRMWARE_QBOOT);
	return 0;
}

static void run_cleanup(struct vm_run *g)
{
	const struct vcl_backend_ops *ops = g->ops;
	enum vcl_vm_profile profile = g->profile;

	if (g->conn != NULL)
		virConnectClose(g->conn);
	if (g->imgdir != NULL)
		vcl_rm_rf(g->imgdir, NULL);
	free(g->uri);
	free(g->imgdir);
	free(g->kernel);
	free(g->initrd);
	free(g->disk);
	free(g->svc_disk);
	free(g->svc_cfg);
	memset(g, 0, sizeof(*g));
	g->ops = ops;
	g->profile = profile;
}

static void vm_cleanup(const struct vcl_spec *spec)
{
	run_cleanup(&runs[VCL_VM_PROFILE_MICRO]);
}

static void vm_iaas_cleanup(const struct vcl_spec *spec)
{
	run_cleanup(&runs[VCL_VM_PROFILE_IAAS]);
}

/* The root disk where libvirt's QEMU can read it: a hard link (same file
 * system: no copy of a 1 GiB image), else a copy. It is only ever the
 * read-only backing file of the instances' overlays. */
static int link_or_copy(const char *src, const char *dst, struct vcl_error **err)
{
	if (link(src, dst) == 0)
		return 0;
	if (errno != EXDEV && errno != EPERM)
		return vcl_fail(err, errno, "Link %s to %s", src, dst);
	return vcl_vmm_copy_file(src, dst, err);
}

static int run_prepare(struct vm_run *g, const struct vcl_spec *spec, struct vcl_error **err)
{
	bool iaas = g->profile == VCL_VM_PROFILE_IAAS;
	char *disk = NULL;
	char *kernel = NULL;
	char *initrd = NULL;
	const char *uri = spec_uri(spec);
	enum vcl_vm_net net;
	const char *network;

	if (g->conn != NULL)
		return 0;
	if (vcl_vm_parse_net(spec->vm_net, &net, &network, err) < 0)
		return -1;
	g->local = vcl_vm_uri_is_local(uri);
	if (!g->local) {
		/* Paths in the XML are read by the remote libvirtd, and a
		 * user-mode forward would listen on the remote loopback. */
		if (spec->kernel == NULL || spec->initrd == NULL)
			return vcl_usage(err,
					 "--connect %s is remote: give --kernel and --initrd "
					 "as paths on that host",
					 uri);
		if (net == VCL_VM_NET_USER)
			return vcl_usage(err,
					 "--connect %s is remote: --vm-net user would forward "
					 "to that host's loopback; use --vm-net network:NAME",
					 uri);
		if (spec->svc != NULL)
			return vcl_usage(err,
					 "--connect %s is remote: the service's disk is built on "
					 "this host; run it with a local libvirtd",
					 uri);
	}
	if (spec->svc != NULL && net != VCL_VM_NET_USER)
		return vcl_usage(err, "A user's service in a VM needs --vm-net user (the "
				      "forward to its port)");
	g->uri = strdup(uri);
	if (g->uri == NULL)
		return vcl_fail(err, ENOMEM, "vm prepare");

	if (iaas) {
		/* The iaas guest is one image: kernel, initrd and root disk
		 * from `make guest-iaas`, whatever --kernel/--initrd say. */
		if (!g->local) {
			vcl_usage(err, "vm-iaas needs a local libvirtd (its disk is a local file)");
			goto fail;
		}
		if (vcl_vmm_iaas_image(&kernel, &initrd, &disk, err) < 0)
			goto fail;
	} else if (spec->kernel != NULL) {
		kernel = strdup(spec->kernel);
	} else if (vcl_vmm_guest_kernel(&kernel, err) < 0) {
		goto fail;
	}
	if (iaas)
		; /* set above */
	else if (spec->initrd != NULL)
		initrd = strdup(spec->initrd);
	else if (vcl_vmm_guest_file("initramfs.cpio.gz", &initrd, err) < 0)
		goto fail;
	if (kernel == NULL || initrd == NULL) {
		vcl_fail(err, ENOMEM, "vm prepare");
		goto fail;
	}

	if (g->local) {
		/* libvirt's QEMU runs as libvirt-qemu and may not traverse the
		 * build tree (a home folder, say): copy the image to where it can. */
		if (asprintf(&g->imgdir, "%s/vclab-%s%s", VCL_VM_IMAGE_ROOT, spec->run_id,
			     iaas ? "-iaas" : "") < 0) {
			g->imgdir = NULL;
			vcl_fail(err, ENOMEM, "vm prepare");
			goto fail;
		}
		if (vcl_ledger_add(spec->ledger, err, "dir %s", g->imgdir) < 0)
			goto fail;
		if (mkdir(g->imgdir, 0755) < 0 && errno != EEXIST) {
			vcl_fail(err, errno, "Create %s", g->imgdir);
			goto fail;
		}
		/* Same file name as the source (vmlinux or vmlinuz): the copy
		 * says which kernel the domain boots. */
		const char *kbase = strrchr(kernel, '/');

		if (asprintf(&g->kernel, "%s/%s", g->imgdir, kbase != NULL ? kbase + 1 : kernel) <
			0 ||
		    asprintf(&g->initrd, "%s/%s", g->imgdir,
			     iaas ? "initrd.img" : "initramfs.cpio.gz") < 0 ||
		    (iaas && asprintf(&g->disk, "%s/root.ext4", g->imgdir) < 0)) {
			vcl_fail(err, ENOMEM, "vm prepare");
			goto fail;
		}
		if (vcl_vmm_copy_file(kernel, g->kernel, err) < 0 ||
		    vcl_vmm_copy_file(initrd, g->initrd, err) < 0)
			goto fail;
		if (iaas && link_or_copy(disk, g->disk, err) < 0)
			goto fail;
		/* The service's disks next to the kernel, where libvirt's QEMU
		 * user reads them; the folder is in the ledger. */
		if (spec->svc != NULL && vcl_vmm_svc_files(spec->ledger, spec->svc, g->imgdir, true,
							   &g->svc_disk, &g->svc_cfg, err) < 0)
			goto fail;
	} else {
		g->kernel = kernel;
		g->initrd = initrd;
		kernel = initrd = NULL;
	}
	if (open_conn(g->uri, &g->conn, err) < 0)
		goto fail;
	free(kernel);
	free(initrd);
	free(disk);
	return 0;
fail:
	free(kernel);
	free(initrd);
	free(disk);
	run_cleanup(g);
	return -1;
}

static int vm_prepare(const struct vcl_spec *spec, struct vcl_error **err)
{
	return run_prepare(&runs[VCL_VM_PROFILE_MICRO], spec, err);
}

static int vm_iaas_prepare(const struct vcl_spec *spec, struct vcl_error **err)
{
	return run_prepare(&runs[VCL_VM_PROFILE_IAAS], spec, err);
}

static int read_pid_file(const char *name, pid_t *pid, struct vcl_error **err)
{
	cleanup_free char *path = NULL;
	cleanup_free char *buf = NULL;
	uint64_t v;

	if (asprintf(&path, "%s/%s.pid", LIBVIRT_PID_DIR, name) < 0)
		return vcl_fail(err, ENOMEM, "QEMU pid file");
	if (vcl_read_file(path, &buf, NULL, err) < 0)
		return vcl_error_wrap(err, "QEMU pid of %s", name);
	buf[strcspn(buf, "\n")] = '\0';
	if (vcl_parse_u64(buf, 1, INT32_MAX, &v) < 0)
		return vcl_fail(err, 0, "Bad QEMU pid '%s' in %s", buf, path);
	*pid = (pid_t)v;
	return 0;
}

/* The most telling line of libvirt's per-domain log: QEMU's own stderr
 * ("qemu-system-x86_64: ...", "terminating on signal 15 from pid N") or
 * libvirt's "shutting down, reason=..." rather than the taint notes. */
static void domain_log_tail(const char *name, char *buf, size_t len)
{
	cleanup_free char *path = NULL;
	cleanup_free char *text = NULL;
	char *save = NULL;

	buf[0] = '\0';
	if (asprintf(&path, "%s/%s.log", LIBVIRT_LOG_DIR, name) < 0)
		return;
	if (vcl_read_file(path, &text, NULL, NULL) < 0)
		return;
	for (char *l = strtok_r(text, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		if (strstr(l, "qemu-system") != NULL && strstr(l, ": ") != NULL &&
		    strncmp(l, "/usr", 4) != 0)
			snprintf(buf, len, "%s", l);
		else if (strstr(l, "shutting down") != NULL || strstr(l, "terminating") != NULL)
			snprintf(buf, len, "%s", l);
	}
}

static void remove_domain_log(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s.log", LIBVIRT_LOG_DIR, name);
	unlink(path);
}

static void priv_free(struct vm_priv *p)
{
	if (p == NULL)
		return;
	vcl_virdom_freep(&p->dom);
	vcl_cgroup_freep(&p->cg);
	vcl_serial_watch_free(&p->sw);
	if (p->dir != NULL)
		vcl_rm_rf(p->dir, NULL);
	free(p->dir);
	free(p);
}

/* Destroy and forget; safe on a dead or half-made instance. */
static int kill_qemu_pidfd(struct vcl_instance *inst, struct vcl_error **err)
{
	struct pollfd pfd = {.fd = inst->exit_fd, .events = POLLIN};

	if (syscall(SYS_pidfd_send_signal, inst->exit_fd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		return vcl_fail(err, errno, "Kill QEMU %d of %s (libvirtd is gone)", (int)inst->pid,
				inst->name);
	if (poll(&pfd, 1, 5000) != 1)
		return vcl_fail(err, ETIMEDOUT, "QEMU %d of %s did not exit after SIGKILL",
				(int)inst->pid, inst->name);
	return 0;
}

static int vm_destroy(struct vcl_instance *inst, struct vcl_error **err)
{
	struct vm_run *g;
	struct vm_priv *p;
	int ret = 0;

	if (inst == NULL)
		return 0;
	p = inst->priv;
	g = p != NULL ? p->run : &runs[VCL_VM_PROFILE_MICRO];
	if (p != NULL && p->dom != NULL) {
		/* The domain may be gone already (QEMU died, transient domains
		 * vanish): that is success here. */
		if (virDomainDestroy(p->dom) < 0) {
			/* Copies: virConnectIsAlive() resets libvirt's last error. */
			virErrorPtr e = virGetLastError();
			int code = e != NULL ? e->code : VIR_ERR_INTERNAL_ERROR;
			char msg[512];

			snprintf(msg, sizeof(msg), "%s", virt_msg());
			if (code == VIR_ERR_NO_DOMAIN || code == VIR_ERR_OPERATION_INVALID) {
				/* gone already: success */
			} else if (virConnectIsAlive(g->conn) != 1 && inst->exit_fd >= 0) {
				/* libvirtd is gone but its QEMU runs on: end that very
				 * process through its pidfd (no pid reuse possible). */
				ret = kill_qemu_pidfd(inst, err);
			} else {
				ret = vcl_fail(err, 0, "Destroy domain %s: %s", inst->name, msg);
			}
		}
	}
	/* ready_fd is the watch's inotify fd: closed once, by the instance. */
	if (p != NULL && inst->ready_fd == p->sw.ifd)
		p->sw.ifd = -1;
	if (g->local)
		remove_domain_log(inst->name);
	priv_free(p);
	inst->priv = NULL;
	vcl_instance_free(inst);
	return ret;
}

static int run_launch(struct vm_run *g, const struct vcl_spec *spec, struct vcl_instance **out,
		      struct vcl_error **err)
{
	bool iaas = g->profile == VCL_VM_PROFILE_IAAS;
	cleanup_free char *overlay = NULL;
	struct vcl_instance *inst;
	struct vm_priv *p;
	cleanup_free char *xml = NULL;
	char cmdline[512];
	struct vcl_vm_opts o = {0};
	uint16_t port = 0;

	if (g->conn == NULL)
		return vcl_fail(err, 0, "vm: launch before prepare");
	inst = vcl_instance_new(g->ops, spec);
	if (inst == NULL)
		return vcl_fail(err, ENOMEM, "vm launch");
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		vcl_instance_free(inst);
		return vcl_fail(err, ENOMEM, "vm launch");
	}
	p->sw.ifd = -1;
	p->run = g;
	inst->priv = p;

	if (vcl_vm_parse_net(spec->vm_net, &p->net, &p->network, err) < 0)
		goto fail;
	if (iaas && p->net != VCL_VM_NET_USER) {
		vcl_usage(err, "vm-iaas supports only --vm-net user");
		goto fail;
	}
	if (p->net == VCL_VM_NET_USER && vcl_vmm_host_port(spec, &port, err) < 0)
		goto fail;
	if (iaas ? vcl_vm_iaas_cmdline(inst->name, VCL_VM_GUEST_PORT, cmdline, sizeof(cmdline),
				       err) < 0
		 : vcl_vm_kernel_cmdline(
		       inst->name, spec->svc ? spec->svc->port : VCL_VM_GUEST_PORT,
		       p->net == VCL_VM_NET_NETWORK, cmdline, sizeof(cmdline), err) < 0)
		goto fail;

	vcl_vm_opts_from_spec(&o, spec, inst->name, g->kernel, g->initrd, cmdline, port);
	vcl_vm_opts_profile(&o, spec, g->profile);
	o.net = p->net;
	o.network = p->network;
	if (spec->svc != NULL && vcl_vm_svc_opts(&o, spec->svc, g->svc_disk, g->svc_cfg, cmdline,
						 sizeof(cmdline), err) < 0)
		goto fail;

	if (g->local) {
		if (asprintf(&p->dir, "%s/%s", g->imgdir, inst->name) < 0) {
			p->dir = NULL;
			vcl_fail(err, ENOMEM, "vm launch");
			goto fail;
		}
		if (vcl_serial_watch_init(&p->sw, p->dir, err) < 0)
			goto fail;
		p->have_sw = true;
		o.serial_path = p->sw.path;
		/* The service writes to the console: its last lines are what
		 * the probe quotes when it fails. */
		if (spec->svc != NULL)
			snprintf(inst->log_path, sizeof(inst->log_path), "%s", p->sw.path);
	}
	if (iaas) {
		/* The instance's writes go to its own qcow2 overlay (ledger:
		 * file), removed with its folder; the shared image stays as
		 * built. Made before t0: it is the same for both iaas paths. */
		if (vcl_vmm_root_overlay(spec->ledger, &o, g->disk, p->dir, &overlay, err) < 0)
			goto fail;
	}
	if (vcl_vm_domain_xml(&o, &xml, err) < 0)
		goto fail;

	/* Recorded before it exists: a crash between here and destroy still
	 * leaves a ledger line for teardown and gc. */
	if (vcl_ledger_add(spec->ledger, err, "domain %s %s", g->uri, inst->name) < 0)
		goto fail;

	inst->t.start = vcl_now_ns();
	p->dom = virDomainCreateXML(g->conn, xml, VIR_DOMAIN_START_AUTODESTROY);
	inst->t.created = vcl_now_ns();
	if (p->dom == NULL) {
		char m[512];

		/* A copy: the next libvirt call (virConnectIsAlive) resets the
		 * last error and frees its message. */
		snprintf(m, sizeof(m), "%s", virt_msg());

		if (port != 0 && (strstr(m, "host forwarding rule") != NULL ||
				  strstr(m, "ddress already in use") != NULL))
			vcl_fail(err, EADDRINUSE, "Create domain %s: host port 127.0.0.1:%u %s: %s",
				 inst->name, (unsigned)port,
				 spec->vm_host_port != 0
				     ? "(--vm-host-port) is already taken"
				     : "was taken between picking it and QEMU binding it (retry)",
				 m);
		else if (strstr(m, "virtlogd-sock") != NULL)
			/* libvirtd answers but its log daemon does not: every
			 * create will fail the same way. */
			vcl_error_set(
			    err, VCL_E_ENV, 0,
			    "virtlogd is not running, so libvirtd cannot create domain %s "
			    "(start it: scripts/services.sh, or virtlogd -d): %s",
			    inst->name, m);
		else if (virConnectIsAlive(g->conn) != 1)
			/* The daemon went away: no later launch can work either. */
			vcl_error_set(err, VCL_E_ENV, 0,
				      "libvirtd stopped answering (create domain %s): %s",
				      inst->name, m);
		else
			vcl_fail(err, 0, "Create domain %s: %s", inst->name, m);
		goto fail;
	}

	if (g->local) {
		/* QEMU is libvirt's child, not ours: the ledger holds the domain,
		 * and destroying the domain is how it goes away. */
		if (read_pid_file(inst->name, &inst->pid, err) < 0)
			goto fail;
		inst->exit_fd = vcl_pidfd_open(inst->pid);
		if (inst->exit_fd < 0) {
			vcl_error_set(err, VCL_E_DIED, errno,
				      "QEMU of domain %s (pid %d) gone right after create",
				      inst->name, (int)inst->pid);
			goto fail;
		}
		/* libvirt made QEMU's cgroup; sampling reads it, never writes. */
		if (vcl_cgroup_open_pid(inst->pid, &p->cg, NULL) == 0)
			snprintf(inst->cgroup, sizeof(inst->cgroup), "%s", vcl_cgroup_path(p->cg));
		inst->ready_fd = p->sw.ifd;
	}

	if (p->net == VCL_VM_NET_USER) {
		snprintf(inst->ep.addr, sizeof(inst->ep.addr), "127.0.0.1");
		inst->ep.port = port;
	}
	*out = inst;
	return 0;
fail:
	vm_destroy(inst, NULL);
	return -1;
}

static int vm_launch(const struct vcl_spec *spec, struct vcl_instance **out, struct vcl_error **err)
{
	return run_launch(&runs[VCL_VM_PROFILE_MICRO], spec, out, err);
}

static int vm_iaas_launch(const struct vcl_spec *spec, struct vcl_instance **out,
			  struct vcl_error **err)
{
	return run_launch(&runs[VCL_VM_PROFILE_IAAS], spec, out, err);
}

/* libvirt network mode: the endpoint is the guest's DHCP lease. */
static int lease_endpoint(struct vcl_instance *inst, struct vm_priv *p, struct vcl_error **err)
{
	virDomainInterfacePtr *ifaces = NULL;
	int n = virDomainInterfaceAddresses(p->dom, &ifaces,
					    VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE, 0);
	int found = 0;

	if (n < 0)
		return vcl_fail(err, 0, "Addresses of %s: %s", inst->name, virt_msg());
	for (int i = 0; i < n; i++) {
		for (unsigned j = 0; !found && j < ifaces[i]->naddrs; j++) {
			if (ifaces[i]->addrs[j].type != VIR_IP_ADDR_TYPE_IPV4)
				continue;
			snprintf(inst->ep.addr, sizeof(inst->ep.addr), "%s",
				 ifaces[i]->addrs[j].addr);
			inst->ep.port = VCL_VM_GUEST_PORT;
			found = 1;
		}
		virDomainInterfaceFree(ifaces[i]);
	}
	free(ifaces);
	return found;
}

static int vm_ready(struct vcl_instance *inst, struct vcl_error **err)
{
	struct vm_priv *p = inst->priv;
	int r;

	if (!p->have_sw)
		return 1; /* no console channel (remote): HTTP decides */
	r = vcl_serial_watch_check(&p->sw, err);
	if (r <= 0)
		return r;
	vcl_serial_watch_phases(&p->sw, &inst->t);
	if (p->net == VCL_VM_NET_NETWORK) {
		int l = lease_endpoint(inst, p, err);

		if (l < 0)
			return -1;
		if (l == 0)
			return vcl_fail(err, 0,
					"Guest %s is READY but network %s has no DHCP lease for it",
					inst->name, p->network);
	}
	return 1;
}

static int vm_exited(struct vcl_instance *inst, struct vcl_error **err)
{
	struct vm_priv *p = inst->priv;
	char logline[256];
	const char *console = "";

	domain_log_tail(inst->name, logline, sizeof(logline));
	if (p->have_sw) {
		vcl_serial_watch_check(&p->sw, NULL);
		console = vcl_serial_watch_last(&p->sw);
	}
	return vcl_error_set(err, VCL_E_DIED, 0,
			     "QEMU of domain %s (pid %d) exited%s (killed or crashed)%s%s; "
			     "last console line: %s",
			     inst->name, (int)inst->pid, inst->t.ready ? "" : " before READY",
			     *logline ? "; libvirt log: " : "", logline,
			     *console ? console : "(none)");
}

static int vm_sample(struct vcl_instance *inst, struct vcl_mem *mem, struct vcl_error **err)
{
	struct vm_priv *p = inst->priv;

	memset(mem, 0, sizeof(*mem));
	if (inst->pid <= 0)
		return vcl_fail(err, 0, "Sample %s: QEMU pid unknown (remote URI?)", inst->name);
	if (vcl_sample_pids(&inst->pid, 1, mem, err) < 0)
		return vcl_error_wrap(err, "Sample %s", inst->name);
	if (p->cg != NULL) {
		struct vcl_cg_stats st;

		if (vcl_cgroup_stats(p->cg, &st, err) < 0)
			return vcl_error_wrap(err, "Sample %s", inst->name);
		vcl_mem_set_cgroup(mem, &st);
	} else {
		vcl_mem_no_cgroup(mem, "QEMU's cgroup was not found");
	}
	/* libvirt may leave QEMU out of the cpuacct hierarchy (it does on this
	 * v1/v2 hybrid, where cpu and cpuacct are mounted apart): then QEMU's
	 * own CPU time, all threads, is the VM's. */
	if ((mem->cpu_usec == 0 || !(mem->known & VCL_MEM_CPU)) &&
	    vcl_proc_cpu_usec(inst->pid, &mem->cpu_usec) == 0)
		mem->known |= VCL_MEM_CPU;
	return 0;
}

int vcl_vmm_destroy_domain(const char *uri, const char *name, struct vcl_error **err)
{
	cleanup_virconn virConnectPtr c = NULL;
	cleanup_virdom virDomainPtr d = NULL;

	if (uri == NULL || *uri == '\0')
		uri = VCL_VM_DEFAULT_URI;
	/* Reuse a run's connection when it is the same libvirtd. */
	for (size_t i = 0; i < ARRAY_SIZE(runs) && c == NULL; i++) {
		if (runs[i].conn != NULL && runs[i].uri != NULL && strcmp(runs[i].uri, uri) == 0) {
			c = runs[i].conn;
			virConnectRef(c);
		}
	}
	if (c == NULL && open_conn(uri, &c, err) < 0)
		return -1;
	d = virDomainLookupByName(c, name);
	if (d == NULL) {
		virErrorPtr e = virGetLastError();

		if (e != NULL && e->code == VIR_ERR_NO_DOMAIN)
			goto done;
		return vcl_fail(err, 0, "Look up domain %s at %s: %s", name, uri, virt_msg());
	}
	if (virDomainDestroy(d) < 0) {
		virErrorPtr e = virGetLastError();

		if (e == NULL ||
		    (e->code != VIR_ERR_NO_DOMAIN && e->code != VIR_ERR_OPERATION_INVALID))
			return vcl_fail(err, 0, "Destroy domain %s at %s: %s", name, uri,
					virt_msg());
	}
done:
	if (vcl_vm_uri_is_local(uri))
		remove_domain_log(name);
	return 0;
}

/* The ledger's "domain URI NAME" records (vm_launch writes them). */
static int domain_undo(const struct vcl_ledger_rec *r, struct vcl_error **err)
{
	if (r->b == NULL)
		return 0;
	if (r->dry_run) {
		if (r->print)
			printf("  would destroy domain %s (%s) if it exists\n", r->b, r->a);
		return 0;
	}
	return vcl_vmm_destroy_domain(r->a, r->b, err);
}

static const struct vcl_ledger_kind domain_kind = {.name = "domain", .undo = domain_undo};
static const struct vcl_ledger_kind *const vm_kinds[] = {&domain_kind, NULL};

const struct vcl_backend_ops vcl_vm_ops = {
    .name = "vm",
    .runs_services = true,
    .is_peer = false,
    .family = VCL_FAMILY_VM,
    .accel_labelled = true,
    .probe = vm_probe,
    .prepare = vm_prepare,
    .launch = vm_launch,
    .ready = vm_ready,
    .exited = vm_exited,
    .sample = vm_sample,
    .destroy = vm_destroy,
    .cleanup = vm_cleanup,
    .kinds = vm_kinds,
    .daemons = (const char *const[]){"libvirtd", "virtlogd", NULL},
};

/* The iaas profile: the same code, its own run state and image. Its
 * domains are "domain" ledger records like vm's (one kind, registered by
 * vm). */
const struct vcl_backend_ops vcl_vm_iaas_ops = {
    .name = "vm-iaas",
    .is_peer = false,
    .family = VCL_FAMILY_VM,
    .accel_labelled = true,
    .probe = vm_iaas_probe,
    .prepare = vm_iaas_prepare,
    .launch = vm_iaas_launch,
    .ready = vm_ready,
    .exited = vm_exited,
    .sample = vm_sample,
    .destroy = vm_destroy,
    .cleanup = vm_iaas_cleanup,
    .not_quick = true,
};
