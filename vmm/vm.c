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
#include "core/launch.h"
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
	virConnectPtr conn;
	char *uri;
	bool local;
	/* Local: its folder is VCL_VM_IMAGE_ROOT/vclab-<run>[-iaas], where
	 * libvirt's QEMU user reads it; remote: the paths as given. */
	struct vcl_vm_guest guest;
};

struct vm_priv {
	struct vcl_vm_machine m; /* its folder holds serial.log (local only) */
	struct vm_run *run;
	virDomainPtr dom;
	struct vcl_cgroup *cg;
	enum vcl_vm_net net;
	const char *network;
};

/* Fresh private data: no console watch yet. */
static const struct vm_priv vm_priv_init = {.m = {.sw = {.ifd = -1}}};

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

/* Undo run_prepare, whatever part of it was done. */
static void run_cleanup(struct vm_run *g)
{
	vcl_virconn_closep(&g->conn);
	vcl_vm_guest_free(&g->guest);
	free(g->uri);
	g->uri = NULL;
	g->local = false;
}

/* Undo run_prepare and free the run (a profile's cleanup). */
static void run_free(struct vm_run *g)
{
	if (g == NULL)
		return;
	run_cleanup(g);
	free(g);
}

/* What a run of vm cannot do: a remote libvirtd reads paths on its own
 * host and forwards to its own loopback, and a service's disk is built
 * here. Sets *local. */
static int check_placement(const struct vm_run *g, const struct vcl_spec *spec, const char *uri,
			   bool *local, struct vcl_error **err)
{
	enum vcl_vm_net net;
	const char *network;

	if (vcl_vm_parse_net(spec->vm_net, &net, &network, err) < 0)
		return -1;
	*local = vcl_vm_uri_is_local(uri);
	if (!*local) {
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
	if (g->guest.profile == VCL_VM_PROFILE_IAAS && !*local)
		return vcl_usage(err, "vm-iaas needs a local libvirtd (its disk is a local file)");
	return 0;
}

static int run_prepare(struct vm_run *g, const struct vcl_spec *spec, struct vcl_error **err)
{
	const char *uri = spec_uri(spec);
	cleanup_free char *dir = NULL;

	if (check_placement(g, spec, uri, &g->local, err) < 0)
		return -1;
	g->uri = strdup(uri);
	/* libvirt's QEMU runs as libvirt-qemu and may not traverse the build
	 * tree (a home folder, say): the guest goes where it can. */
	if (g->uri == NULL ||
	    (g->local && asprintf(&dir, "%s/vclab-%s%s", VCL_VM_IMAGE_ROOT, spec->run_id,
				  g->guest.profile == VCL_VM_PROFILE_IAAS ? "-iaas" : "") < 0)) {
		dir = NULL;
		run_cleanup(g);
		return vcl_fail(err, ENOMEM, "vm prepare");
	}
	if (vcl_vm_guest_prepare(&g->guest, g->guest.profile, spec, dir, true, err) < 0 ||
	    open_conn(g->uri, &g->conn, err) < 0) {
		run_cleanup(g);
		return -1;
	}
	return 0;
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

/* Destroy p's domain. It may be gone already (QEMU died, transient
 * domains vanish): that is success here. */
static int destroy_dom(struct vcl_instance *inst, struct vm_priv *p, struct vcl_error **err)
{
	virErrorPtr e;
	int code;
	char msg[512];

	if (virDomainDestroy(p->dom) == 0)
		return 0;
	/* Copies: virConnectIsAlive() resets libvirt's last error. */
	e = virGetLastError();
	code = e != NULL ? e->code : VIR_ERR_INTERNAL_ERROR;
	snprintf(msg, sizeof(msg), "%s", virt_msg());
	if (code == VIR_ERR_NO_DOMAIN || code == VIR_ERR_OPERATION_INVALID)
		return 0;
	if (virConnectIsAlive(p->run->conn) != 1 && inst->exit_fd >= 0)
		/* libvirtd is gone but its QEMU runs on: end that very process
		 * through its pidfd (no pid reuse possible). */
		return kill_qemu_pidfd(inst, err);
	return vcl_fail(err, 0, "Destroy domain %s: %s", inst->name, msg);
}

/* Destroy the domain and drop all the instance holds but its private
 * data itself; safe on a dead or half-made instance. */
static int vm_release(struct vcl_instance *inst, struct vcl_error **err)
{
	struct vm_priv *p = inst->priv;
	int ret = p->dom != NULL ? destroy_dom(inst, p, err) : 0;

	vcl_vm_machine_free(&p->m, inst);
	if (p->run->local)
		remove_domain_log(inst->name);
	vcl_virdom_freep(&p->dom);
	vcl_cgroup_freep(&p->cg);
	return ret;
}

/* virDomainCreateXML failed: say why in the words that help, from a copy
 * of libvirt's message (the next libvirt call, virConnectIsAlive, resets
 * the last error and frees it). */
static int create_failed(const struct vm_run *g, const struct vcl_spec *spec,
			 const struct vcl_instance *inst, uint16_t port, struct vcl_error **err)
{
	char m[512];

	snprintf(m, sizeof(m), "%s", virt_msg());
	if (port != 0 && (strstr(m, "host forwarding rule") != NULL ||
			  strstr(m, "ddress already in use") != NULL))
		return vcl_fail(err, EADDRINUSE, "Create domain %s: host port 127.0.0.1:%u %s: %s",
				inst->name, (unsigned)port,
				spec->vm_host_port != 0
				    ? "(--vm-host-port) is already taken"
				    : "was taken between picking it and QEMU binding it (retry)",
				m);
	if (strstr(m, "virtlogd-sock") != NULL)
		/* libvirtd answers but its log daemon does not: every create
		 * will fail the same way. */
		return vcl_error_set(err, VCL_E_ENV, 0,
				     "virtlogd is not running, so libvirtd cannot create domain %s "
				     "(start it: scripts/services.sh, or virtlogd -d): %s",
				     inst->name, m);
	if (virConnectIsAlive(g->conn) != 1)
		/* The daemon went away: no later launch can work either. */
		return vcl_error_set(err, VCL_E_ENV, 0,
				     "libvirtd stopped answering (create domain %s): %s",
				     inst->name, m);
	return vcl_fail(err, 0, "Create domain %s: %s", inst->name, m);
}

/* A local domain's QEMU: its pid (libvirt's pid file), a pidfd as the
 * instance's exit_fd, libvirt's cgroup for sampling, the console watch as
 * ready_fd. QEMU is libvirt's child, not ours: the ledger holds the
 * domain, and destroying the domain is how it goes away. */
static int attach_qemu(struct vcl_instance *inst, struct vm_priv *p, struct vcl_error **err)
{
	if (read_pid_file(inst->name, &inst->pid, err) < 0)
		return -1;
	inst->exit_fd = vcl_pidfd_open(inst->pid);
	if (inst->exit_fd < 0)
		return vcl_error_set(err, VCL_E_DIED, errno,
				     "QEMU of domain %s (pid %d) gone right after create",
				     inst->name, (int)inst->pid);
	/* libvirt made QEMU's cgroup; sampling reads it, never writes. */
	if (vcl_cgroup_open_pid(inst->pid, &p->cg, NULL) == 0)
		snprintf(inst->cgroup, sizeof(inst->cgroup), "%s", vcl_cgroup_path(p->cg));
	inst->ready_fd = p->m.sw.ifd;
	return 0;
}

/* One launch's scratch, shared by its hooks. */
struct vm_launch {
	char *xml;
	uint16_t port; /* the 127.0.0.1 forward, 0 on a libvirt network */
};

/* Untimed, before t0: the machine from the run's guest, its folder and
 * console, the domain XML, and the ledger record of the domain. */
static int vm_setup(struct vcl_launch *l, struct vcl_error **err)
{
	struct vm_run *g = l->ctx;
	struct vm_launch *a = l->arg;
	struct vm_priv *p = l->priv;
	struct vcl_instance *inst = l->inst;

	p->run = g;
	if (vcl_vm_parse_net(l->spec->vm_net, &p->net, &p->network, err) < 0 ||
	    (p->net == VCL_VM_NET_USER && vcl_vmm_host_port(l->spec, &a->port, err) < 0) ||
	    vcl_vm_machine_init(&p->m, &g->guest, l->spec, inst->name, a->port, p->net, p->network,
				err) < 0 ||
	    vcl_vm_machine_files(&p->m, &g->guest, l->spec->ledger, l->inst, err) < 0 ||
	    vcl_vm_domain_xml(&p->m.o, &a->xml, err) < 0)
		return -1;
	/* Recorded before it exists: a crash between here and destroy still
	 * leaves a ledger line for teardown and gc. */
	return vcl_launch_record(l, err, "domain %s %s", g->uri, inst->name);
}

/* Timed: the create call, and nothing else. */
static int vm_start(struct vcl_launch *l, struct vcl_error **err)
{
	struct vm_run *g = l->ctx;
	struct vm_launch *a = l->arg;
	struct vm_priv *p = l->priv;

	p->dom = virDomainCreateXML(g->conn, a->xml, VIR_DOMAIN_START_AUTODESTROY);
	return p->dom != NULL ? 0 : create_failed(g, l->spec, l->inst, a->port, err);
}

static int vm_finish(struct vcl_launch *l, struct vcl_error **err)
{
	struct vm_run *g = l->ctx;
	struct vm_priv *p = l->priv;

	if (g->local && attach_qemu(l->inst, p, err) < 0)
		return -1;
	/* A libvirt network's endpoint is the guest's lease, known once READY. */
	if (p->net == VCL_VM_NET_USER)
		vcl_vm_machine_endpoint(&p->m, &l->inst->ep);
	return 0;
}

VCL_VM_LAUNCH_HOOKS(vm, false)

static int run_launch(void *ctx, const struct vcl_spec *spec, struct vcl_instance **out,
		      struct vcl_error **err)
{
	struct vm_run *g = ctx;
	struct vm_launch a = {0};
	struct vcl_launch l = {.spec = spec, .ctx = g, .arg = &a};
	int r;

	if (g == NULL)
		return vcl_fail(err, 0, "vm: launch before prepare");
	l.ops = g->ops;
	r = vcl_launch(&vm_hooks, &l, out, err);
	free(a.xml);
	return r;
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

/* The two profiles' entry points (their runs are prepare()'s contexts). */
VCL_VM_PROFILE_RUN(vm, vm_run, vcl_vm_ops, VCL_VM_PROFILE_MICRO)
VCL_VM_PROFILE_RUN(vm_iaas, vm_run, vcl_vm_iaas_ops, VCL_VM_PROFILE_IAAS)

static int vm_ready(struct vcl_instance *inst, struct vcl_error **err)
{
	struct vm_priv *p = inst->priv;
	int r;

	if (!p->m.have_sw)
		return 1; /* no console channel (remote): HTTP decides */
	r = vcl_serial_watch_check(&p->m.sw, err);
	if (r <= 0)
		return r;
	vcl_serial_watch_phases(&p->m.sw, &inst->t);
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
	if (p->m.have_sw) {
		vcl_serial_watch_check(&p->m.sw, NULL);
		console = vcl_serial_watch_last(&p->m.sw);
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

	if (vcl_vmm_sample_qemu(inst, p->cg, "QEMU pid unknown (remote URI?)",
				"QEMU's cgroup was not found", mem, err) < 0)
		return -1;
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
	/* The ledger's undo and gc come with no run: a connection of its own
	 * (a run's is closed by its cleanup, before the ledger's teardown). */
	cleanup_virconn virConnectPtr c = NULL;
	cleanup_virdom virDomainPtr d = NULL;

	if (uri == NULL || *uri == '\0')
		uri = VCL_VM_DEFAULT_URI;
	if (open_conn(uri, &c, err) < 0)
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
    VCL_VM_APP_TRAITS,
    VCL_VM_PROFILE_OPS(vm, vm),
    .kinds = vm_kinds,
    .daemons = (const char *const[]){"libvirtd", "virtlogd", NULL},
};

/* The iaas profile: the same code, its own run state and image. Its
 * domains are "domain" ledger records like vm's (one kind, registered by
 * vm). */
const struct vcl_backend_ops vcl_vm_iaas_ops = {
    .name = "vm-iaas",
    VCL_VM_PROFILE_OPS(vm_iaas, vm),
    .not_quick = true,
};
