/* SPDX-License-Identifier: MIT */
/*
 * The qemu-direct peer: the same guest (kernel, initramfs, command line),
 * the same accelerator, memory, vCPUs, TCG cache, devices and user-mode
 * forward as the vm placement, started by fork/exec of qemu-system-x86_64
 * with no libvirt in between. Run interleaved with vm, it measures what
 * libvirt costs ("the libvirt tax"). Readiness is watched the same way: the
 * serial console goes to a file whose folder inotify watches.
 */
#include "vmm/vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cgroup.h"
#include "core/cleanup.h"
#include "core/ledger.h"
#include "core/proc.h"
#include "core/sample.h"
#include "core/util.h"

#define QEMU_BIN "qemu-system-x86_64"

/* Run-wide state of one profile (qemu-direct: micro, qemu-direct-iaas). */
struct qd_run {
	const struct vcl_backend_ops *ops;
	enum vcl_vm_profile profile;
	bool prepared;
	char *dir; /* per-run scratch: one folder per instance below it */
	char *kernel;
	char *initrd;
	char *disk;	/* iaas: backing file of every instance's overlay */
	char *svc_disk; /* the user's service: its rootfs disk and description */
	char *svc_cfg;
};

static struct qd_run runs[] = {
    {.ops = &vcl_qemu_direct_ops, .profile = VCL_VM_PROFILE_MICRO},
    {.ops = &vcl_qemu_direct_iaas_ops, .profile = VCL_VM_PROFILE_IAAS},
};

struct qd_priv {
	struct vcl_serial_watch sw;
	char *dir;
	struct vcl_cgroup *cg;
};

static int qd_probe(const struct vcl_host *host, struct vcl_error **err)
{
	cleanup_free char *k = NULL;
	cleanup_free char *i = NULL;
	static const char *const dirs[] = {"/usr/bin", "/usr/local/bin", "/bin"};
	bool found = false;

	if (vcl_vmm_guest_kernel(&k, err) < 0 ||
	    vcl_vmm_guest_file("initramfs.cpio.gz", &i, err) < 0)
		return -1;
	for (size_t d = 0; d < ARRAY_SIZE(dirs) && !found; d++) {
		char cand[64];

		snprintf(cand, sizeof(cand), "%s/%s", dirs[d], QEMU_BIN);
		found = access(cand, X_OK) == 0;
	}
	if (!found)
		return vcl_error_set(err, VCL_E_ENV, 0,
				     "%s not found in /usr/bin, /usr/local/bin or /bin: install "
				     "qemu-system-x86 (make deps)",
				     QEMU_BIN);
	return 0;
}

static int qd_iaas_probe(const struct vcl_host *host, struct vcl_error **err)
{
	if (vcl_vmm_iaas_image(NULL, NULL, NULL, err) < 0)
		return -1;
	return qd_probe(host, err);
}

static void run_cleanup(struct qd_run *g)
{
	const struct vcl_backend_ops *ops = g->ops;
	enum vcl_vm_profile profile = g->profile;

	if (g->dir != NULL)
		vcl_rm_rf(g->dir, NULL);
	free(g->dir);
	free(g->kernel);
	free(g->initrd);
	free(g->disk);
	free(g->svc_disk);
	free(g->svc_cfg);
	memset(g, 0, sizeof(*g));
	g->ops = ops;
	g->profile = profile;
}

static void qd_cleanup(const struct vcl_spec *spec)
{
	run_cleanup(&runs[VCL_VM_PROFILE_MICRO]);
}

static void qd_iaas_cleanup(const struct vcl_spec *spec)
{
	run_cleanup(&runs[VCL_VM_PROFILE_IAAS]);
}

static int run_prepare(struct qd_run *g, const struct vcl_spec *spec, struct vcl_error **err)
{
	const char *base = spec->state_dir;
	bool iaas = g->profile == VCL_VM_PROFILE_IAAS;

	if (g->prepared)
		return 0;
	if (base == NULL)
		base = vcl_ledger_dir(spec->ledger);
	if (base == NULL)
		base = "/tmp";
	if (asprintf(&g->dir, "%s/qemu-direct-%s%s", base, spec->run_id, iaas ? "-iaas" : "") < 0) {
		g->dir = NULL;
		return vcl_fail(err, ENOMEM, "qemu-direct prepare");
	}
	if (iaas) {
		if (vcl_vmm_iaas_image(&g->kernel, &g->initrd, &g->disk, err) < 0)
			goto fail;
	} else if (spec->kernel != NULL)
		g->kernel = strdup(spec->kernel);
	else if (vcl_vmm_guest_kernel(&g->kernel, err) < 0)
		goto fail;
	if (iaas)
		; /* set above */
	else if (spec->initrd != NULL)
		g->initrd = strdup(spec->initrd);
	else if (vcl_vmm_guest_file("initramfs.cpio.gz", &g->initrd, err) < 0)
		goto fail;
	if (g->kernel == NULL || g->initrd == NULL) {
		vcl_fail(err, ENOMEM, "qemu-direct prepare");
		goto fail;
	}
	if (vcl_ledger_add(spec->ledger, err, "dir %s", g->dir) < 0)
		goto fail;
	if (vcl_mkdir_p(g->dir, err) < 0)
		goto fail;
	/* QEMU runs as root here: the cached disk itself, no link. */
	if (spec->svc != NULL && vcl_vmm_svc_files(spec->ledger, spec->svc, g->dir, false,
						   &g->svc_disk, &g->svc_cfg, err) < 0)
		goto fail;
	g->prepared = true;
	return 0;
fail:
	run_cleanup(g);
	return -1;
}

static int qd_prepare(const struct vcl_spec *spec, struct vcl_error **err)
{
	return run_prepare(&runs[VCL_VM_PROFILE_MICRO], spec, err);
}

static int qd_iaas_prepare(const struct vcl_spec *spec, struct vcl_error **err)
{
	return run_prepare(&runs[VCL_VM_PROFILE_IAAS], spec, err);
}

/* cpuset list ("0-1,3") to an affinity mask; false on bad syntax. */
static bool parse_cpuset(const char *s, cpu_set_t *set)
{
	CPU_ZERO(set);
	while (*s != '\0') {
		char *end;
		unsigned long a = strtoul(s, &end, 10), b = a;

		if (end == s)
			return false;
		if (*end == '-') {
			s = end + 1;
			b = strtoul(s, &end, 10);
			if (end == s || b < a)
				return false;
		}
		for (unsigned long c = a; c <= b && c < CPU_SETSIZE; c++)
			CPU_SET(c, set);
		s = end;
		if (*s == ',')
			s++;
		else if (*s != '\0')
			return false;
	}
	return true;
}

static void qd_free(struct vcl_instance *inst)
{
	struct qd_priv *p = inst->priv;

	if (p != NULL) {
		if (inst->ready_fd == p->sw.ifd)
			p->sw.ifd = -1;
		vcl_serial_watch_free(&p->sw);
		if (p->dir != NULL)
			vcl_rm_rf(p->dir, NULL);
		free(p->dir);
		free(p);
	}
	inst->priv = NULL;
	vcl_instance_free(inst);
}

static int qd_destroy(struct vcl_instance *inst, struct vcl_error **err)
{
	struct qd_priv *p;
	int ret = 0;

	if (inst == NULL)
		return 0;
	p = inst->priv;
	if (inst->pid > 0) {
		/* Still our unreaped child: the pid cannot have been reused. */
		vcl_proc_kill_reap(inst->pid, -1, SIGKILL, 0, NULL);
		inst->pid = -1;
	}
	if (p != NULL)
		ret = vcl_cgroup_destroyp(&p->cg, err);
	qd_free(inst);
	return ret;
}

static int run_launch(struct qd_run *g, const struct vcl_spec *spec, struct vcl_instance **out,
		      struct vcl_error **err)
{
	bool iaas = g->profile == VCL_VM_PROFILE_IAAS;
	cleanup_free char *overlay = NULL;
	struct vcl_instance *inst;
	struct qd_priv *p;
	cleanup_strv char **argv = NULL;
	cleanup_free char *cgpath = NULL;
	cleanup_free char *logpath = NULL;
	char cmdline[512];
	struct vcl_vm_opts o = {0};
	cpu_set_t cpus;
	bool pin = spec->cpuset != NULL && *spec->cpuset != '\0';
	uint16_t port;
	pid_t pid;

	if (!g->prepared)
		return vcl_fail(err, 0, "qemu-direct: launch before prepare");
	if (spec->vm_net != NULL && strcmp(spec->vm_net, "user") != 0)
		return vcl_usage(err, "qemu-direct supports only --vm-net user");
	if (pin && !parse_cpuset(spec->cpuset, &cpus))
		return vcl_usage(err, "Bad cpuset '%s'", spec->cpuset);
	inst = vcl_instance_new(g->ops, spec);
	if (inst == NULL)
		return vcl_fail(err, ENOMEM, "qemu-direct launch");
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		vcl_instance_free(inst);
		return vcl_fail(err, ENOMEM, "qemu-direct launch");
	}
	p->sw.ifd = -1;
	inst->priv = p;

	if (vcl_vmm_host_port(spec, &port, err) < 0)
		goto fail;
	if (iaas
		? vcl_vm_iaas_cmdline(inst->name, VCL_VM_GUEST_PORT, cmdline, sizeof(cmdline),
				      err) < 0
		: vcl_vm_kernel_cmdline(inst->name, spec->svc ? spec->svc->port : VCL_VM_GUEST_PORT,
					false, cmdline, sizeof(cmdline), err) < 0)
		goto fail;
	if (asprintf(&p->dir, "%s/%s", g->dir, inst->name) < 0) {
		p->dir = NULL;
		vcl_fail(err, ENOMEM, "qemu-direct launch");
		goto fail;
	}
	if (vcl_serial_watch_init(&p->sw, p->dir, err) < 0)
		goto fail;
	if (asprintf(&logpath, "%s/qemu.log", p->dir) < 0) {
		logpath = NULL;
		vcl_fail(err, ENOMEM, "qemu-direct launch");
		goto fail;
	}
	vcl_vm_opts_from_spec(&o, spec, inst->name, g->kernel, g->initrd, cmdline, port);
	vcl_vm_opts_profile(&o, spec, g->profile);
	o.serial_path = p->sw.path;
	if (spec->svc != NULL) {
		if (vcl_vm_svc_opts(&o, spec->svc, g->svc_disk, g->svc_cfg, cmdline,
				    sizeof(cmdline), err) < 0)
			goto fail;
		snprintf(inst->log_path, sizeof(inst->log_path), "%s", p->sw.path);
	}
	if (iaas) {
		/* Its own overlay, as vm-iaas's, made before t0 the same way. */
		if (vcl_vmm_root_overlay(spec->ledger, &o, g->disk, p->dir, &overlay, err) < 0)
			goto fail;
	}
	if (vcl_vm_qemu_argv(&o, QEMU_BIN, &argv, err) < 0)
		goto fail;

	/* An accounting-only cgroup, like the one libvirt gives its QEMU: the
	 * memory figures of both paths then mean the same thing. t0 comes
	 * before it, as libvirt's machine cgroup is made inside the timed
	 * virDomainCreateXML and ctr's inside its timed launch. */
	inst->t.start = vcl_now_ns();
	if (asprintf(&cgpath, "vclab/%s/%s", spec->run_id, inst->name) < 0) {
		cgpath = NULL;
		vcl_fail(err, ENOMEM, "qemu-direct launch");
		goto fail;
	}
	if (vcl_cgroup_create(spec->ledger, cgpath, NULL, pin ? spec->cpuset : NULL, &p->cg, err) <
	    0) {
		vcl_error_wrap(err, "qemu-direct %s", inst->name);
		goto fail;
	}
	snprintf(inst->cgroup, sizeof(inst->cgroup), "%s", vcl_cgroup_path(p->cg));

	pid = fork();
	if (pid < 0) {
		vcl_fail(err, errno, "fork");
		goto fail;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		int log = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		/* QEMU dies with the harness, as a libvirt autodestroy domain
		 * dies with its connection. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (nul < 0 || log < 0 || dup2(nul, 0) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0)
			_exit(127);
		if (vcl_cgroup_attach(p->cg, 0) < 0)
			_exit(126);
		if (pin && sched_setaffinity(0, sizeof(cpus), &cpus) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	inst->t.created = vcl_now_ns();
	inst->pid = pid;
	inst->exit_fd = vcl_pidfd_open(pid);
	vcl_ledger_add_pid(spec->ledger, pid, NULL);
	if (inst->exit_fd < 0) {
		vcl_fail(err, errno, "pidfd_open of QEMU %d", (int)pid);
		goto fail;
	}
	inst->ready_fd = p->sw.ifd;
	snprintf(inst->ep.addr, sizeof(inst->ep.addr), "127.0.0.1");
	inst->ep.port = port;
	*out = inst;
	return 0;
fail:
	qd_destroy(inst, NULL);
	return -1;
}

static int qd_launch(const struct vcl_spec *spec, struct vcl_instance **out, struct vcl_error **err)
{
	return run_launch(&runs[VCL_VM_PROFILE_MICRO], spec, out, err);
}

static int qd_iaas_launch(const struct vcl_spec *spec, struct vcl_instance **out,
			  struct vcl_error **err)
{
	return run_launch(&runs[VCL_VM_PROFILE_IAAS], spec, out, err);
}

static int qd_ready(struct vcl_instance *inst, struct vcl_error **err)
{
	struct qd_priv *p = inst->priv;
	int r = vcl_serial_watch_check(&p->sw, err);

	if (r > 0)
		vcl_serial_watch_phases(&p->sw, &inst->t);
	return r;
}

static void last_line_of(const char *path, char *buf, size_t len)
{
	cleanup_free char *text = NULL;
	char *end, *start;

	buf[0] = '\0';
	if (vcl_read_file(path, &text, NULL, NULL) < 0)
		return;
	end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	start = strrchr(text, '\n');
	snprintf(buf, len, "%s", start ? start + 1 : text);
}

static int qd_exited(struct vcl_instance *inst, struct vcl_error **err)
{
	struct qd_priv *p = inst->priv;
	char how[64] = "exited";
	char logline[256] = "";
	char path[512];
	const char *console;
	int status;

	if (inst->pid > 0 && vcl_waitpid(inst->pid, &status, WNOHANG) == inst->pid) {
		if (WIFSIGNALED(status))
			snprintf(how, sizeof(how), "was killed by signal %d", WTERMSIG(status));
		else if (WIFEXITED(status))
			snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));
		inst->pid = -1;
	}
	snprintf(path, sizeof(path), "%s/qemu.log", p->dir);
	last_line_of(path, logline, sizeof(logline));
	vcl_serial_watch_check(&p->sw, NULL);
	console = vcl_serial_watch_last(&p->sw);
	return vcl_error_set(err, VCL_E_DIED, 0, "QEMU of %s %s%s; QEMU log: %s; console: %s",
			     inst->name, how, inst->t.ready ? "" : " before READY",
			     *logline ? logline : "(empty)", *console ? console : "(empty)");
}

static int qd_sample(struct vcl_instance *inst, struct vcl_mem *mem, struct vcl_error **err)
{
	struct qd_priv *p = inst->priv;
	struct vcl_cg_stats st;

	memset(mem, 0, sizeof(*mem));
	if (inst->pid <= 0)
		return vcl_fail(err, 0, "Sample %s: QEMU is not running", inst->name);
	if (vcl_sample_pids(&inst->pid, 1, mem, err) < 0)
		return vcl_error_wrap(err, "Sample %s", inst->name);
	if (p->cg != NULL) {
		if (vcl_cgroup_stats(p->cg, &st, err) < 0)
			return vcl_error_wrap(err, "Sample %s", inst->name);
		vcl_mem_set_cgroup(mem, &st);
	} else {
		vcl_mem_no_cgroup(mem, "QEMU runs without a cgroup of its own");
	}
	return 0;
}

const struct vcl_backend_ops vcl_qemu_direct_ops = {
    .name = "qemu-direct",
    .runs_services = true,
    .is_peer = true,
    .family = VCL_FAMILY_VM,
    .peer_of = "vm",
    .accel_labelled = true,
    .probe = qd_probe,
    .prepare = qd_prepare,
    .launch = qd_launch,
    .ready = qd_ready,
    .exited = qd_exited,
    .sample = qd_sample,
    .destroy = qd_destroy,
    .cleanup = qd_cleanup,
};

const struct vcl_backend_ops vcl_qemu_direct_iaas_ops = {
    .name = "qemu-direct-iaas",
    .is_peer = true,
    .family = VCL_FAMILY_VM,
    .peer_of = "vm-iaas",
    .accel_labelled = true,
    .probe = qd_iaas_probe,
    .prepare = qd_iaas_prepare,
    .launch = qd_iaas_launch,
    .ready = qd_ready,
    .exited = qd_exited,
    .sample = qd_sample,
    .destroy = qd_destroy,
    .cleanup = qd_iaas_cleanup,
    .not_quick = true,
};
