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
#include "core/launch.h"
#include "core/ledger.h"
#include "core/proc.h"
#include "core/sample.h"
#include "core/util.h"

#define QEMU_BIN "qemu-system-x86_64"

/* Run-wide state of one profile (qemu-direct: micro, qemu-direct-iaas). */
struct qd_run {
	const struct vcl_backend_ops *ops;
	/* Its folder is per-run scratch (state dir), one folder per instance
	 * below it; QEMU runs as root and reads the guest where it is. */
	struct vcl_vm_guest guest;
};

struct qd_priv {
	struct vcl_vm_machine m; /* its folder holds serial.log and qemu.log */
	struct vcl_cgroup *cg;
};

/* Fresh private data: no console watch yet. */
static const struct qd_priv qd_priv_init = {.m = {.sw = {.ifd = -1}}};

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

/* Undo run_prepare, whatever part of it was done. */
static void run_cleanup(struct qd_run *g)
{
	vcl_vm_guest_free(&g->guest);
}

/* Undo run_prepare and free the run (a profile's cleanup). */
static void run_free(struct qd_run *g)
{
	if (g == NULL)
		return;
	run_cleanup(g);
	free(g);
}

static int run_prepare(struct qd_run *g, const struct vcl_spec *spec, struct vcl_error **err)
{
	const char *base = spec->state_dir;
	cleanup_free char *dir = NULL;

	if (base == NULL)
		base = vcl_ledger_dir(spec->ledger);
	if (base == NULL)
		base = "/tmp";
	if (asprintf(&dir, "%s/qemu-direct-%s%s", base, spec->run_id,
		     g->guest.profile == VCL_VM_PROFILE_IAAS ? "-iaas" : "") < 0) {
		dir = NULL;
		return vcl_fail(err, ENOMEM, "qemu-direct prepare");
	}
	if (vcl_vm_guest_prepare(&g->guest, g->guest.profile, spec, dir, false, err) < 0)
		return -1;
	return 0;
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

/* Kill and reap QEMU, remove its cgroup and the instance's folder: all
 * the instance holds but its private data itself. Safe on a dead or
 * half-made instance. */
static int qd_release(struct vcl_instance *inst, struct vcl_error **err)
{
	struct qd_priv *p = inst->priv;
	int ret;

	if (inst->pid > 0) {
		/* Still our unreaped child: the pid cannot have been reused. */
		vcl_proc_kill_reap(inst->pid, -1, SIGKILL, 0, NULL);
		inst->pid = -1;
	}
	ret = vcl_cgroup_destroyp(&p->cg, err);
	vcl_vm_machine_free(&p->m, inst);
	return ret;
}

/* In the child: QEMU's stdio, cgroup and CPUs, then exec; never returns. */
static void exec_qemu(char **argv, const char *logpath, struct vcl_cgroup *cg,
		      const cpu_set_t *cpus)
{
	int nul = open("/dev/null", O_RDONLY);
	int log = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	/* QEMU dies with the harness, as a libvirt autodestroy domain dies
	 * with its connection. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (nul < 0 || log < 0 || dup2(nul, 0) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0)
		_exit(127);
	if (vcl_cgroup_attach(cg, 0) < 0)
		_exit(126);
	if (cpus != NULL && sched_setaffinity(0, sizeof(*cpus), cpus) < 0)
		_exit(126);
	execvp(argv[0], argv);
	_exit(127);
}

/* One launch's scratch, shared by its hooks. */
struct qd_launch {
	char **argv;
	cpu_set_t cpus;
	bool pin; /* cpus holds spec->cpuset */
	uint16_t port;
};

/* Untimed, before t0: the machine from the run's guest, its folder and
 * console, and QEMU's argv. */
static int qd_setup(struct vcl_launch *l, struct vcl_error **err)
{
	struct qd_run *g = l->ctx;
	struct qd_launch *a = l->arg;
	struct qd_priv *p = l->priv;

	if (vcl_vmm_host_port(l->spec, &a->port, err) < 0 ||
	    vcl_vm_machine_init(&p->m, &g->guest, l->spec, l->inst->name, a->port, VCL_VM_NET_USER,
				NULL, err) < 0 ||
	    vcl_vm_machine_files(&p->m, &g->guest, l->spec->ledger, l->inst, err) < 0)
		return -1;
	return vcl_vm_qemu_argv(&p->m.o, QEMU_BIN, &a->argv, err);
}

/*
 * Timed: start QEMU. An accounting-only cgroup, like the one libvirt gives
 * its QEMU: the memory figures of both paths then mean the same thing. It
 * comes after t0, as libvirt's machine cgroup is made inside the timed
 * virDomainCreateXML and ctr's inside its timed launch.
 */
static int qd_start(struct vcl_launch *l, struct vcl_error **err)
{
	struct vcl_instance *inst = l->inst;
	struct qd_launch *a = l->arg;
	struct qd_priv *p = l->priv;
	cleanup_free char *cgpath = NULL;
	cleanup_free char *logpath = NULL;
	pid_t pid;

	if (asprintf(&cgpath, "vclab/%s/%s", l->spec->run_id, inst->name) < 0 ||
	    asprintf(&logpath, "%s/qemu.log", p->m.dir) < 0) {
		cgpath = logpath = NULL;
		return vcl_fail(err, ENOMEM, "qemu-direct launch");
	}
	if (vcl_cgroup_create(l->spec->ledger, cgpath, NULL, a->pin ? l->spec->cpuset : NULL,
			      &p->cg, err) < 0)
		return vcl_error_wrap(err, "qemu-direct %s", inst->name);
	snprintf(inst->cgroup, sizeof(inst->cgroup), "%s", vcl_cgroup_path(p->cg));
	pid = fork();
	if (pid < 0)
		return vcl_fail(err, errno, "fork");
	if (pid == 0)
		exec_qemu(a->argv, logpath, p->cg, a->pin ? &a->cpus : NULL);
	inst->pid = pid;
	return 0;
}

static int qd_finish(struct vcl_launch *l, struct vcl_error **err)
{
	struct vcl_instance *inst = l->inst;
	struct qd_priv *p = l->priv;

	inst->exit_fd = vcl_pidfd_open(inst->pid);
	if (inst->exit_fd < 0)
		return vcl_fail(err, errno, "pidfd_open of QEMU %d", (int)inst->pid);
	inst->ready_fd = p->m.sw.ifd;
	vcl_vm_machine_endpoint(&p->m, &inst->ep);
	return 0;
}

VCL_VM_LAUNCH_HOOKS(qd, true)

static int run_launch(void *ctx, const struct vcl_spec *spec, struct vcl_instance **out,
		      struct vcl_error **err)
{
	struct qd_run *g = ctx;
	struct qd_launch a = {.pin = spec->cpuset != NULL && *spec->cpuset != '\0'};
	struct vcl_launch l = {.spec = spec, .ctx = g, .arg = &a};
	int r;

	if (g == NULL)
		return vcl_fail(err, 0, "qemu-direct: launch before prepare");
	l.ops = g->ops;
	if (spec->vm_net != NULL && strcmp(spec->vm_net, "user") != 0)
		return vcl_usage(err, "qemu-direct supports only --vm-net user");
	if (a.pin && !parse_cpuset(spec->cpuset, &a.cpus))
		return vcl_usage(err, "Bad cpuset '%s'", spec->cpuset);
	r = vcl_launch(&qd_hooks, &l, out, err);
	vcl_strvfreep(&a.argv);
	return r;
}

/* The two profiles' entry points (their runs are prepare()'s contexts). */
VCL_VM_PROFILE_RUN(qd, qd_run, vcl_qemu_direct_ops, VCL_VM_PROFILE_MICRO)
VCL_VM_PROFILE_RUN(qd_iaas, qd_run, vcl_qemu_direct_iaas_ops, VCL_VM_PROFILE_IAAS)

static int qd_ready(struct vcl_instance *inst, struct vcl_error **err)
{
	struct qd_priv *p = inst->priv;
	int r = vcl_serial_watch_check(&p->m.sw, err);

	if (r > 0)
		vcl_serial_watch_phases(&p->m.sw, &inst->t);
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
	snprintf(path, sizeof(path), "%s/qemu.log", p->m.dir);
	last_line_of(path, logline, sizeof(logline));
	vcl_serial_watch_check(&p->m.sw, NULL);
	console = vcl_serial_watch_last(&p->m.sw);
	return vcl_error_set(err, VCL_E_DIED, 0, "QEMU of %s %s%s; QEMU log: %s; console: %s",
			     inst->name, how, inst->t.ready ? "" : " before READY",
			     *logline ? logline : "(empty)", *console ? console : "(empty)");
}

static int qd_sample(struct vcl_instance *inst, struct vcl_mem *mem, struct vcl_error **err)
{
	struct qd_priv *p = inst->priv;

	return vcl_vmm_sample_qemu(inst, p->cg, "QEMU is not running",
				   "QEMU runs without a cgroup of its own", mem, err);
}

const struct vcl_backend_ops vcl_qemu_direct_ops = {
    .name = "qemu-direct",
    VCL_VM_APP_TRAITS,
    .is_peer = true,
    .peer_of = "vm",
    VCL_VM_PROFILE_OPS(qd, qd),
};

const struct vcl_backend_ops vcl_qemu_direct_iaas_ops = {
    .name = "qemu-direct-iaas",
    .is_peer = true,
    .peer_of = "vm-iaas",
    VCL_VM_PROFILE_OPS(qd_iaas, qd),
    .not_quick = true,
};
