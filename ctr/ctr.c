/* SPDX-License-Identifier: MIT */
/*
 * The container placement: one clone() into new pid, mount, uts, ipc, net
 * (and optionally user) namespaces; the child joins its cgroup, unshares
 * its cgroup namespace, builds a private mount tree around the shared
 * read-only rootfs, pivots into it, drops every capability and execs the
 * payload as the container's init (the child's side: ctr/ctr_child.c).
 * docs/ctr.md explains each step.
 *
 * Speed matters (the startup target is a fraction of runc's): the rootfs is
 * prepared once and bind-mounted, the child needs no allocation, and
 * without a user namespace the parent never waits for the child: setup
 * failures travel back over a CLOEXEC error pipe that is read only when
 * the instance ends or closes its READY channel without a READY line.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cgroup.h"
#include "core/cleanup.h"
#include "ctr/ctr.h"
#include "ctr/ctr_child.h"
#include "core/host.h"
#include "core/launch.h"
#include "core/ledger.h"
#include "core/nsexec.h"
#include "core/proc.h"
#include "core/util.h"
#include "core/volume.h"

/* Most containers a pod may have beside its main one. */
#define CTR_POD_MAX 16

/* A pod (spec->svc->pod): the sandbox holder, a process that only holds
 * the pod's network, IPC and UTS namespaces (containerd's pause), and the
 * pod's other running containers. All live in the pod's cgroup. */
struct ctr_pod {
	pid_t holder;
	int holder_fd; /* its pidfd */
	pid_t member[CTR_POD_MAX];
	int member_fd[CTR_POD_MAX];
	size_t nmembers;
};

struct ctr_priv {
	struct vcl_cgroup *cg;
	int err_r;
	bool reaped;
	int wstatus;
	struct vcl_readyline rl;
	uint64_t mem_mib;
	uint64_t clone_ns;		   /* just before the clone call: "clone" starts here */
	struct vcl_ctr_child_error stamps; /* the child's record of a setup that reached exec */
	struct ctr_pod pod;
};

/* The size of the child's stack, one per run (struct ctr_run). One serves
 * every launch of the run: a CLONE_VM child uses it while the parent waits
 * (CLONE_VFORK), a user-namespace child gets its own copy-on-write copy. */
#define CHILD_STACK_SIZE ((size_t)256 * 1024)

/* One run of the ctr placement: what prepare() makes once and every
 * launch uses, handed to the functions that need it; the run context of
 * the ops (prepare returns it, cleanup frees it). */
struct ctr_run {
	cap_t nocaps;		   /* an empty capability set */
	struct sock_fprog seccomp; /* the syscall filter; filter NULL: not built */
	char ovl_dir[256];	   /* a service's overlay folder; "" without one */
	struct cri_conf cri;	   /* the run's mode and the service's securityContext */
	struct vcl_ctr_rootfs fs;  /* the payload's rootfs, shared with the peers */
	char *stack;		   /* the children's stack (mmap), CHILD_STACK_SIZE bytes */
};

/* The setup error the child left in the error pipe, if any: 1 and *ce set,
 * 0 when there is none (exec succeeded or the child was killed first).
 * The stamps it sent before execve are kept in p->stamps on the way. */
static int child_error(struct ctr_priv *p, struct vcl_ctr_child_error *ce)
{
	ssize_t n;

	if (p->err_r < 0)
		return 0;
	for (;;) {
		do
			n = read(p->err_r, ce, sizeof(*ce));
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)sizeof(*ce))
			return 0;
		if (ce->step != 0)
			return 1;
		p->stamps = *ce;
	}
}

static int setup_error(const struct vcl_ctr_child_error *ce, struct vcl_error **err)
{
	return vcl_fail(err, ce->errnum, "Container setup failed at step '%s'",
			vcl_ctr_step_name(ce->step));
}

static void reap(struct vcl_instance *inst, struct ctr_priv *p)
{
	if (p->reaped || inst->pid <= 0)
		return;
	vcl_waitpid(inst->pid, &p->wstatus, 0);
	p->reaped = true;
}

static void kill_and_reap(struct vcl_instance *inst, struct ctr_priv *p)
{
	if (p->reaped || inst->pid <= 0)
		return;
	vcl_proc_kill_reap(inst->pid, inst->exit_fd, SIGKILL, 0, &p->wstatus);
	p->reaped = true;
}

/* What p holds, not p itself. */
static void priv_release(struct ctr_priv *p)
{
	vcl_closep(&p->err_r);
	vcl_cgroup_freep(&p->cg);
}

static void priv_free(struct ctr_priv *p)
{
	if (p == NULL)
		return;
	priv_release(p);
	free(p);
}

static int write_map(pid_t pid, const char *file, struct vcl_error **err)
{
	char path[64], map[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	if (vcl_ctr_idmap(map, sizeof(map), 0, VCL_CTR_USERNS_BASE, VCL_CTR_USERNS_COUNT) < 0)
		return vcl_fail(err, EINVAL, "Id map for %s", path);
	return vcl_write_file(path, map, err);
}

static int ctr_probe(const struct vcl_host *host, struct vcl_error **err)
{
	const int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
			  CLONE_NEWCGROUP;
	int status;
	pid_t pid;

	if (!vcl_is_root())
		return vcl_error_set(err, VCL_E_ENV, 0,
				     "The ctr placement needs root (CAP_SYS_ADMIN) to create "
				     "namespaces and cgroups");
	if (host != NULL && host->cgroup == VCL_CG_NONE)
		return vcl_error_set(err, VCL_E_ENV, 0, "No cgroup hierarchy is mounted");
	/* Try it: a kernel without one of the namespaces, or a seccomp
	 * policy around us, fails here with the real errno. */
	pid = fork();
	if (pid < 0)
		return vcl_fail(err, errno, "Fork");
	if (pid == 0)
		_exit(unshare(flags) < 0 ? errno : 0);
	if (vcl_waitpid(pid, &status, 0) < 0)
		return vcl_fail(err, errno, "Wait for the namespace check");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return vcl_error_set(err, VCL_E_ENV, WIFEXITED(status) ? WEXITSTATUS(status) : 0,
				     "Cannot create pid/mount/uts/ipc/net/cgroup namespaces");
	return 0;
}

/* The confinement of this service's containers, from the run's mode and
 * its securityContext (cri.c); the process capability set for root. */
static int cri_conf_make(struct cri_conf *cri_conf, const struct vcl_spec *spec,
			 struct vcl_error **err)
{
	const struct vcl_security *sec = spec->svc != NULL ? &spec->svc->sec : NULL;
	cap_value_t list[64];
	int n = 0;

	cri_conf->cri = spec->security == VCL_SECURITY_CRI;
	cri_conf->ro_root = spec->svc == NULL || vcl_cri_read_only_root(sec, spec->security);
	cri_conf->nnp = vcl_cri_no_new_privs(sec, spec->security);
	cri_conf->masks = vcl_cri_masks(sec, spec->security);
	cri_conf->caps = vcl_cri_caps(sec, spec->security);
	for (cap_value_t c = 0; c < 64 && c < (cap_value_t)cap_max_bits(); c++)
		if (cri_conf->caps & (UINT64_C(1) << c))
			list[n++] = c;
	if (cri_conf->capset != NULL)
		cap_free(cri_conf->capset);
	cri_conf->capset = cap_init();
	if (cri_conf->capset == NULL ||
	    (n > 0 && (cap_set_flag(cri_conf->capset, CAP_EFFECTIVE, n, list, CAP_SET) < 0 ||
		       cap_set_flag(cri_conf->capset, CAP_PERMITTED, n, list, CAP_SET) < 0)))
		return vcl_fail(err, errno != 0 ? errno : ENOMEM, "Build the capability set");
	return 0;
}

static int run_prepare(struct ctr_run *run, const struct vcl_spec *spec, struct vcl_error **err)
{
	void *stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

	if (stack == MAP_FAILED)
		return vcl_fail(err, errno, "Map a stack for the containers' init");
	run->stack = stack;
	run->nocaps = cap_init();
	if (run->nocaps == NULL)
		return vcl_fail(err, errno, "Allocate an empty capability set");
	if (!spec->ctr_no_seccomp && vcl_seccomp_build(&run->seccomp, err) < 0)
		return -1;
	if (cri_conf_make(&run->cri, spec, err) < 0)
		return -1;
	if (spec->svc != NULL) {
		if (spec->svc->rootfs == NULL)
			return vcl_usage(err, "ctr needs a rootfs: --binary runs on bare only");
		if (spec->ctr_userns)
			return vcl_usage(err,
					 "ctr with --ctr-userns cannot run a user's service yet");
		snprintf(run->ovl_dir, sizeof(run->ovl_dir), "%s/ctr-overlay", spec->state_dir);
		if (vcl_ledger_add(spec->ledger, err, "dir %s", run->ovl_dir) < 0)
			return -1;
		if (mkdir(run->ovl_dir, 0700) < 0 && errno != EEXIST)
			return vcl_fail(err, errno, "Create %s", run->ovl_dir);
	}
	return vcl_ctr_rootfs_prepare(spec, &run->fs, err);
}

/* Undo run_prepare, whatever part of it was done, and free run. */
static void run_free(struct ctr_run *run)
{
	if (run == NULL)
		return;
	if (run->ovl_dir[0] != '\0')
		rmdir(run->ovl_dir);
	free(run->seccomp.filter);
	if (run->cri.capset != NULL)
		cap_free(run->cri.capset);
	if (run->nocaps != NULL)
		cap_free(run->nocaps);
	vcl_ctr_rootfs_release(&run->fs);
	if (run->stack != NULL)
		munmap(run->stack, CHILD_STACK_SIZE);
	free(run);
}

/* The pipes between the launcher and one container child. Each end the
 * launcher still holds when it returns is closed. */
struct launch_pipes {
	int ready_r, ready_w;	  /* READY line; ready_r becomes inst->ready_fd */
	int err_w;		  /* the child's setup error (read end in p->err_r) */
	int sync_r, sync_w;	  /* the go byte, with a user namespace only */
	int nsready_r, nsready_w; /* the child has its own network namespace */
};

static void launch_pipes_close(struct launch_pipes *lp)
{
	vcl_closep(&lp->ready_r);
	vcl_closep(&lp->ready_w);
	vcl_closep(&lp->err_w);
	vcl_closep(&lp->sync_r);
	vcl_closep(&lp->sync_w);
	vcl_closep(&lp->nsready_r);
	vcl_closep(&lp->nsready_w);
}

/* Returns 0, or -1 with errno. */
static int launch_pipes_open(struct launch_pipes *lp, struct ctr_priv *p, bool userns)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	lp->ready_r = fds[0];
	lp->ready_w = fds[1];
	/* The shared READY reader reads until EAGAIN. */
	if (fcntl(lp->ready_r, F_SETFL, O_NONBLOCK) < 0)
		return -1;
	/* Non-blocking: read only after the child is gone or has exec'd. */
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	p->err_r = fds[0];
	lp->err_w = fds[1];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	lp->nsready_r = fds[0];
	lp->nsready_w = fds[1];
	if (userns) {
		if (pipe2(fds, O_CLOEXEC) < 0)
			return -1;
		lp->sync_r = fds[0];
		lp->sync_w = fds[1];
	}
	return 0;
}

/*
 * Without a user namespace the parent has nothing to do until the child
 * execs, so it lends the child its memory and waits (CLONE_VM |
 * CLONE_VFORK, as posix_spawn and Go's forkExec do): no copy of the
 * harness's page tables at the clone, none to tear down at the exec
 * (together about 1.3 ms of the launch here, docs/ctr.md), and nothing
 * of the kind charged to the harness's cgroup. Every signal is blocked
 * until the child has put its handlers back to the default (it shares
 * the harness's memory, so no handler of the harness may run in it).
 * One stack serves every launch: the parent is suspended while it is used.
 */
static pid_t clone_vfork(struct child_args *a, int flags, int *pidfd, char *stack)
{
	sigset_t all;
	pid_t pid;
	int e;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &a->sigmask);
	a->vm = true;
	pid = clone(child_main, stack + CHILD_STACK_SIZE, flags | CLONE_VM | CLONE_VFORK, a, pidfd);
	e = errno;
	a->vm = false;
	sigprocmask(SIG_SETMASK, &a->sigmask, NULL);
	errno = e;
	return pid;
}

/*
 * Start the container's init. On pure v2: clone3(CLONE_INTO_CGROUP), fork-like
 * (no stack of its own), so the child is born in its cgroup: no attach, no
 * migration, and the pid namespace made by this clone is charged to the
 * container too. Elsewhere, or on a kernel without clone3 (ENOSYS, E2BIG),
 * clone() and the child (or, with a user namespace, the parent) attaches.
 */
static pid_t ctr_clone(struct child_args *a, int flags, int *pidfd, const struct vcl_cgroup *cg,
		       char *stack)
{
	cleanup_close int cgfd = vcl_cgroup_dirfd(cg);

	a->born_in_cg = false;
	if (cgfd >= 0) {
		struct clone_args ca = {
		    .flags = (uint64_t)(flags & ~CSIGNAL) | CLONE_INTO_CGROUP,
		    .pidfd = (uint64_t)(uintptr_t)pidfd,
		    .exit_signal = (uint64_t)(flags & CSIGNAL),
		    .cgroup = (uint64_t)cgfd,
		};
		long pid;

		a->born_in_cg = true; /* the child's copy of a says so */
		pid = syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid == 0)
			_exit(child_main(a));
		if (pid > 0 || (errno != ENOSYS && errno != E2BIG))
			return (pid_t)pid;
		a->born_in_cg = false;
	}
	if (a->userns)
		return clone(child_main, stack + CHILD_STACK_SIZE, flags, a, pidfd);
	return clone_vfork(a, flags, pidfd, stack);
}

/* With a user namespace the child waits: maps first (setresuid in the
 * child needs them), then the cgroup, then the go byte. */
static int release_userns_child(struct ctr_priv *p, struct launch_pipes *lp, pid_t pid,
				bool born_in_cg, const char *cgpath, struct vcl_error **err)
{
	int r;

	if (write_map(pid, "uid_map", err) < 0 || write_map(pid, "gid_map", err) < 0)
		return -1;
	r = born_in_cg ? 0 : vcl_cgroup_attach(p->cg, pid);
	if (r < 0)
		return vcl_fail(err, -r, "Attach container %d to cgroup %s", pid, cgpath);
	if (write(lp->sync_w, "g", 1) != 1)
		return vcl_fail(err, errno, "Signal the container to start");
	vcl_closep(&lp->sync_w);
	return 0;
}

/* Wait until the child has its own network namespace (EOF: it died first,
 * and the error pipe says why), then hold that namespace for the probe. */
static int open_child_netns(struct vcl_instance *inst, int nsready_r, struct vcl_error **err)
{
	char nspath[64];
	char c;
	ssize_t n;

	do
		n = read(nsready_r, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return vcl_fail(err, n < 0 ? errno : EPIPE, "Wait for the container's namespaces");
	snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", inst->pid);
	inst->ep.netns_fd = open(nspath, O_RDONLY | O_CLOEXEC);
	if (inst->ep.netns_fd < 0)
		return vcl_fail(err, errno, "Open %s", nspath);
	return 0;
}

/* A launch failed after the child started: stop it, and let its own
 * explanation replace ours (it failed first). */
static void fail_child(struct vcl_instance *inst, struct ctr_priv *p, struct launch_pipes *lp,
		       struct vcl_error **err)
{
	struct vcl_ctr_child_error ce;

	vcl_closep(&lp->sync_w); /* a child waiting for the go byte gets EOF */
	kill_and_reap(inst, p);
	if (child_error(p, &ce))
		setup_error(&ce, err);
}

/* A service's child arguments: the overlay's strings and its log. */
static int service_args(const struct ctr_run *run, const struct vcl_spec *spec,
			struct vcl_instance *inst, struct child_args *a, struct vcl_error **err)
{
	const char *ovl_dir = run->ovl_dir;
	int n;

	snprintf(a->ovl_dir, sizeof(a->ovl_dir), "%s", ovl_dir);
	snprintf(a->ovl_root, sizeof(a->ovl_root), "%s/root", ovl_dir);
	n = snprintf(a->ovl_opts, sizeof(a->ovl_opts),
		     "lowerdir=%s,upperdir=%s/upper,workdir=%s/work", spec->svc->rootfs, ovl_dir,
		     ovl_dir);
	if (n < 0 || (size_t)n >= sizeof(a->ovl_opts) || strchr(spec->svc->rootfs, ',') != NULL)
		return vcl_usage(err, "Rootfs path %s cannot be an overlay lower layer",
				 spec->svc->rootfs);
	if (vcl_cri_svc_user(spec->svc, spec->security, &a->uid, &a->gid, err) < 0)
		return -1;
	a->ngroups = vcl_security_groups(&spec->svc->sec, a->groups, ARRAY_SIZE(a->groups));
	if (spec->security == VCL_SECURITY_CRI) {
		if (vcl_ctr_etc_text(inst->name, a->hosts, sizeof(a->hosts), a->resolv,
				     sizeof(a->resolv)) < 0)
			return vcl_fail(err, ENAMETOOLONG, "/etc/hosts of %s", inst->name);
	}
	snprintf(inst->log_path, sizeof(inst->log_path), "%s/%s.log", spec->state_dir, inst->name);
	a->log_fd = open(inst->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (a->log_fd < 0) {
		inst->log_path[0] = '\0';
		return vcl_fail(err, errno, "Create the log of %s", inst->name);
	}
	/* Another user reopens its stdio through /proc/self/fd (/dev/stderr)
	 * only if it owns the file: runc hands a container's stdio over too. */
	if ((a->uid != 0 || a->gid != 0) && fchown(a->log_fd, a->uid, a->gid) < 0)
		return vcl_fail(err, errno, "Give the log of %s to uid %u", inst->name,
				(unsigned)a->uid);
	return 0;
}

/* ---- pods: a sandbox and the pod's other containers ------------------- */

static void pod_kill(struct ctr_pod *pod)
{
	for (size_t i = 0; i < pod->nmembers; i++) {
		vcl_proc_kill_reap(pod->member[i], pod->member_fd[i], SIGKILL, 0, NULL);
		vcl_closep(&pod->member_fd[i]);
	}
	pod->nmembers = 0;
	if (pod->holder > 0)
		vcl_proc_kill_reap(pod->holder, pod->holder_fd, SIGKILL, 0, NULL);
	pod->holder = 0;
	vcl_closep(&pod->holder_fd);
}

/* The child arguments of member m of the pod, from the main one's: its
 * root, user, confinement (conf, made here) and log. */
static int member_args(const struct vcl_spec *spec, const struct vcl_instance *inst,
		       const struct vcl_svc_spec *m, struct child_args *a, struct cri_conf *conf,
		       char *log, size_t loglen, struct vcl_error **err)
{
	const struct sock_fprog *filter = a->pod_filter;

	struct vcl_spec mspec = *spec;
	int n;

	mspec.svc = m;
	if (m->rootfs == NULL)
		return vcl_usage(err, "Container %s of the pod has no rootfs", m->ctr_name);
	if (cri_conf_make(conf, &mspec, err) < 0)
		return -1;
	a->svc = m;
	a->cri = conf;
	a->seccomp = vcl_cri_seccomp(&m->sec, spec->security, spec->ctr_no_seccomp) ? filter : NULL;
	n = snprintf(a->ovl_opts, sizeof(a->ovl_opts),
		     "lowerdir=%s,upperdir=%s/upper,workdir=%s/work", m->rootfs, a->ovl_dir,
		     a->ovl_dir);
	if (n < 0 || (size_t)n >= sizeof(a->ovl_opts) || strchr(m->rootfs, ',') != NULL)
		return vcl_usage(err, "Rootfs path %s cannot be an overlay lower layer", m->rootfs);
	vcl_svc_user(m, &a->uid, &a->gid);
	if (spec->security == VCL_SECURITY_CRI) {
		char why[256];

		if (vcl_cri_check_user(&m->sec, a->uid, why, sizeof(why)) < 0)
			return vcl_usage(err, "Container %s: %s", m->ctr_name, why);
	}
	snprintf(log, loglen, "%s/%s-%s.log", spec->state_dir, inst->name, m->ctr_name);
	a->log_fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (a->log_fd < 0)
		return vcl_fail(err, errno, "Create %s", log);
	if ((a->uid != 0 || a->gid != 0) && fchown(a->log_fd, a->uid, a->gid) < 0)
		return vcl_fail(err, errno, "Give %s to uid %u", log, (unsigned)a->uid);
	return 0;
}

/* Wait for init container pid (pidfd fd) to end; an error unless it
 * exited 0: its setup error (err_r) or its status, and where its log is. */
static int member_wait_init(const struct vcl_svc_spec *m, pid_t pid, int fd, int err_r,
			    const char *log, struct vcl_error **err)
{
	struct ctr_priv tmp = {.err_r = err_r};
	struct vcl_ctr_child_error ce;
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int status = 0;

	/* An init container that never ends holds the pod back as long as
	 * the kubelet would let it: vclab gives it 5 minutes. */
	if (poll(&pfd, 1, 300000) == 0)
		kill(pid, SIGKILL);
	vcl_waitpid(pid, &status, 0);
	if (child_error(&tmp, &ce)) {
		setup_error(&ce, err);
		return vcl_error_wrap(err, "Init container %s", m->ctr_name);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return vcl_error_set(err, VCL_E_DIED, 0, "Init container %s %s %d (its output: %s)",
			     m->ctr_name,
			     WIFEXITED(status) ? "exited with status" : "was killed by signal",
			     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), log);
}

/* Start member m; an init container is waited for. */
static int member_start(const struct vcl_spec *spec, const struct vcl_instance *inst,
			struct ctr_priv *p, const struct child_args *main_a,
			const struct vcl_svc_spec *m, struct vcl_error **err)
{
	int flags = CLONE_NEWPID | CLONE_PIDFD | SIGCHLD;
	struct cri_conf conf = {0};
	struct child_args a = *main_a;
	char log[640];
	int epipe[2] = {-1, -1}, pidfd = -1, r = -1;
	pid_t pid;

	a.log_fd = -1;
	a.nsready_w = -1;
	a.ready_w = -1;
	if (p->pod.nmembers >= CTR_POD_MAX) {
		vcl_usage(err, "A pod of more than %d containers", CTR_POD_MAX + 1);
		goto out;
	}
	if (member_args(spec, inst, m, &a, &conf, log, sizeof(log), err) < 0)
		goto out;
	if (pipe2(epipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		vcl_fail(err, errno, "Pipe for container %s", m->ctr_name);
		goto out;
	}
	a.err_w = epipe[1];
	pid = ctr_clone(&a, flags, &pidfd, p->cg, a.pod_stack);
	vcl_closep(&epipe[1]);
	if (pid < 0) {
		vcl_fail(err, errno, "Start container %s", m->ctr_name);
		goto out;
	}
	if (vcl_ledger_add_pid(spec->ledger, pid, err) < 0) {
		vcl_proc_kill_reap(pid, pidfd, SIGKILL, 0, NULL);
		goto out;
	}
	if (m->init) {
		r = member_wait_init(m, pid, pidfd, epipe[0], log, err);
		goto out;
	}
	p->pod.member[p->pod.nmembers] = pid;
	p->pod.member_fd[p->pod.nmembers++] = steal_fd(pidfd);
	r = 0;
out:
	vcl_closep(&pidfd);
	vcl_closep(&epipe[0]);
	vcl_closep(&epipe[1]);
	vcl_closep(&a.log_fd);
	if (conf.capset != NULL)
		cap_free(conf.capset);
	return r;
}

/* A pod: the sandbox, then its init containers one by one to completion
 * (their time is the pod's startup, as the kubelet counts it), then its
 * other app containers; the main one is started by the caller, into the
 * same sandbox. */
static int pod_start(const struct vcl_spec *spec, const struct vcl_instance *inst,
		     struct ctr_priv *p, struct child_args *a, struct vcl_error **err)
{
	if (vcl_ctr_sandbox_start(spec, p->cg, inst->name, &p->pod.holder, &p->pod.holder_fd,
				  a->sandbox_ns, err) < 0)
		return -1;
	for (const struct vcl_svc_spec *const *m = spec->svc->pod; *m != NULL; m++)
		if ((*m)->init && member_start(spec, inst, p, a, *m, err) < 0)
			return -1;
	for (const struct vcl_svc_spec *const *m = spec->svc->pod; *m != NULL; m++)
		if (!(*m)->init && member_start(spec, inst, p, a, *m, err) < 0)
			return -1;
	return 0;
}

/* One launch's scratch: the pipes, the child's arguments and its argv;
 * what the launcher still holds when it returns is closed then. */
struct ctr_launch {
	struct ctr_run *run;
	const char *rootfs;
	struct launch_pipes lp;
	struct child_args a;
	char listen[32], cgpath[192];
	char *argv[8];
	int pidfd;
};

static void ctr_launch_close(struct ctr_launch *cl)
{
	for (size_t i = 0; i < 3; i++)
		vcl_closep(&cl->a.sandbox_ns[i]);
	launch_pipes_close(&cl->lp);
	vcl_closep(&cl->pidfd);
	vcl_closep(&cl->a.log_fd);
}

/* Names only; nothing exists yet. */
static int ctr_setup(struct vcl_launch *l, struct vcl_error **err)
{
	struct ctr_launch *cl = l->arg;

	(void)err;
	((struct ctr_priv *)l->priv)->mem_mib = l->spec->limits.mem_mib;
	cl->argv[6] = l->inst->name;
	snprintf(cl->listen, sizeof(cl->listen), "127.0.0.1:%u", VCL_CTR_PORT);
	snprintf(cl->cgpath, sizeof(cl->cgpath), "vclab/%s/%u", l->spec->run_id, l->spec->index);
	return 0;
}

/* What the child gets: its copy of this, made before the clone. */
static void child_args_init(struct ctr_launch *cl, const struct vcl_launch *l)
{
	const struct vcl_spec *spec = l->spec;
	struct ctr_priv *p = l->priv;

	cl->a = (struct child_args){
	    .rootfs = cl->rootfs,
	    .hostname = l->inst->name,
	    .argv = cl->argv,
	    .cg = p->cg,
	    .nocaps = cl->run->nocaps,
	    .seccomp = spec->ctr_no_seccomp ? NULL : &cl->run->seccomp,
	    .mflags = cl->run->fs.mflags,
	    .userns = spec->ctr_userns,
	    .ready_w = cl->lp.ready_w,
	    .err_w = cl->lp.err_w,
	    .sync_r = cl->lp.sync_r,
	    .nsready_w = cl->lp.nsready_w,
	    .svc = spec->svc,
	    .log_fd = -1,
	    .cri = &cl->run->cri,
	    .sandbox_ns = {-1, -1, -1},
	    .pod_filter = spec->ctr_no_seccomp ? NULL : &cl->run->seccomp,
	    .pod_stack = cl->run->stack,
	};
	if (!vcl_cri_seccomp(spec->svc != NULL ? &spec->svc->sec : NULL, spec->security,
			     spec->ctr_no_seccomp))
		cl->a.seccomp = NULL;
}

/* Timed, as runc's create is: the cgroup, the pipes, the clone. */
static int ctr_start(struct vcl_launch *l, struct vcl_error **err)
{
	const struct vcl_spec *spec = l->spec;
	struct ctr_launch *cl = l->arg;
	struct ctr_priv *p = l->priv;
	/* Only the pid namespace at clone (the payload must be its init); the
	 * child unshares the others once it is in its cgroup. */
	int flags = CLONE_NEWPID | CLONE_PIDFD | SIGCHLD | (spec->ctr_userns ? CLONE_NEWUSER : 0);
	pid_t pid;

	if (vcl_cgroup_create(spec->ledger, cl->cgpath, &spec->limits, spec->cpuset, &p->cg, err) <
	    0)
		return -1;
	if (launch_pipes_open(&cl->lp, p, spec->ctr_userns) < 0)
		return vcl_fail(err, errno, "Create pipes or clone");
	child_args_init(cl, l);
	if (spec->svc != NULL && service_args(cl->run, spec, l->inst, &cl->a, err) < 0)
		return -1;
	if (spec->svc != NULL && spec->svc->pod != NULL &&
	    pod_start(spec, l->inst, p, &cl->a, err) < 0)
		return -1;
	p->clone_ns = vcl_now_ns();
	pid = ctr_clone(&cl->a, flags, &cl->pidfd, p->cg, cl->run->stack);
	vcl_closep(&cl->a.log_fd);
	if (pid < 0)
		return vcl_fail(err, errno, "Create pipes or clone");
	l->inst->pid = pid;
	l->inst->exit_fd = steal_fd(cl->pidfd);
	return 0;
}

/* The child's ends closed; with a user namespace it is released; its
 * network namespace held for the probe; the endpoint. */
static int ctr_finish(struct vcl_launch *l, struct vcl_error **err)
{
	const struct vcl_spec *spec = l->spec;
	struct vcl_instance *inst = l->inst;
	struct ctr_launch *cl = l->arg;

	vcl_closep(&cl->lp.ready_w);
	vcl_closep(&cl->lp.err_w);
	vcl_closep(&cl->lp.sync_r);
	vcl_closep(&cl->lp.nsready_w);
	if ((spec->ctr_userns && release_userns_child(l->priv, &cl->lp, inst->pid, cl->a.born_in_cg,
						      cl->cgpath, err) < 0) ||
	    open_child_netns(inst, cl->lp.nsready_r, err) < 0)
		return -1;
	snprintf(inst->ep.addr, sizeof(inst->ep.addr), "127.0.0.1");
	inst->ep.port = spec->svc != NULL ? spec->svc->port : VCL_CTR_PORT;
	if (spec->svc == NULL)
		inst->ready_fd = steal_fd(cl->lp.ready_r);
	snprintf(inst->cgroup, sizeof(inst->cgroup), "%s", cl->cgpath);
	return 0;
}

/* The child (stopped, and its own error in place of ours), the cgroup. */
static void ctr_undo(struct vcl_launch *l, struct vcl_error **err)
{
	struct ctr_launch *cl = l->arg;
	struct ctr_priv *p = l->priv;
	cleanup_error struct vcl_error *e2 = NULL;

	if (l->inst->pid > 0)
		fail_child(l->inst, p, &cl->lp, err);
	pod_kill(&p->pod);
	vcl_cgroup_destroyp(&p->cg, &e2);
	priv_release(p);
}

static const struct ctr_priv ctr_priv_init = {.err_r = -1, .pod = {.holder_fd = -1}};

static const struct vcl_launch_hooks ctr_hooks = {
    .what = "container",
    .priv_size = sizeof(struct ctr_priv),
    .priv_init = &ctr_priv_init,
    .setup = ctr_setup,
    .start = ctr_start,
    .record_pid = true,
    .finish = ctr_finish,
    .undo = ctr_undo,
};

static int ctr_launch(void *ctx, const struct vcl_spec *spec, struct vcl_instance **out,
		      struct vcl_error **err)
{
	struct ctr_run *run = ctx;
	/* -Wwrite-strings: execve wants char *const[], so writable copies. */
	static char a_payload[] = VCL_CTR_PAYLOAD, a_listen[] = "--listen",
		    a_ready[] = "--ready-fd", a_three[] = "3", a_name[] = "--name";
	__attribute__((cleanup(ctr_launch_close))) struct ctr_launch cl = {
	    .run = run,
	    .rootfs = run != NULL ? run->fs.path : NULL,
	    .lp = {-1, -1, -1, -1, -1, -1, -1},
	    .a = {.log_fd = -1, .sandbox_ns = {-1, -1, -1}},
	    .pidfd = -1,
	};
	struct vcl_launch l = {.spec = spec, .ops = &vcl_ctr_ops, .ctx = run, .arg = &cl};
	char *argv[] = {a_payload, a_listen, cl.listen, a_ready, a_three, a_name, NULL, NULL};

	if (cl.rootfs == NULL)
		return vcl_usage(err, "Container launch before prepare()");
	memcpy(cl.argv, argv, sizeof(argv));
	return vcl_launch(&ctr_hooks, &l, out, err);
}

static int ctr_prepare(const struct vcl_spec *spec, void **ctx, struct vcl_error **err)
{
	struct ctr_run *run = calloc(1, sizeof(*run));

	if (run == NULL)
		return vcl_fail(err, ENOMEM, "Prepare ctr");
	if (run_prepare(run, spec, err) < 0) {
		run_free(run);
		return -1;
	}
	*ctx = run;
	return 0;
}

static void ctr_cleanup(void *ctx, const struct vcl_spec *spec)
{
	(void)spec;
	run_free(ctx);
}

static int ctr_ready(struct vcl_instance *inst, struct vcl_error **err)
{
	struct ctr_priv *p = inst->priv;
	struct vcl_ctr_child_error ce;
	int ret = vcl_readyline_feed(&p->rl, inst->ready_fd, &inst->ep.port, err);

	if (ret > 0) {
		inst->t.ready = vcl_now_ns();
		/* The child's stamps are in the error pipe by now (sent before
		 * its execve); the payload's own start is in its READY line. */
		if (child_error(p, &ce) == 0)
			vcl_ctr_steps(&p->stamps, p->clone_ns, vcl_readyline_start_ns(p->rl.buf),
				      inst->t.ready, &inst->t);
		/* The child exec'd: nothing more comes. Held open, the pipe
		 * keeps the page the child wrote its stamps into charged to
		 * the container's memory cgroup. */
		vcl_closep(&p->err_r);
	}

	/* Closed with nothing written: most likely the child died in setup,
	 * and then its own error says much more. (The probe prefixes the
	 * instance name.) */
	if (ret < 0 && p->rl.len == 0 && child_error(p, &ce))
		return setup_error(&ce, err);
	return ret;
}

static int ctr_exited(struct vcl_instance *inst, struct vcl_error **err)
{
	struct ctr_priv *p = inst->priv;
	struct vcl_ctr_child_error ce;

	reap(inst, p);
	if (child_error(p, &ce))
		return setup_error(&ce, err);
	return vcl_explain_exit(inst->name, p->wstatus, p->cg, err);
}

static int ctr_sample(struct vcl_instance *inst, struct vcl_mem *mem, struct vcl_error **err)
{
	struct ctr_priv *p = inst->priv;

	memset(mem, 0, sizeof(*mem));
	if (vcl_sample_cgroup(p->cg, mem, err) < 0)
		return vcl_error_wrap(err, "Sample container %s", inst->name);
	return 0;
}

/* An exec probe: in the container's namespaces and root, as its user
 * (core/nsexec.h); what is not carried over is in docs/ctr.md. */
static int ctr_exec(struct vcl_instance *inst, char *const *argv, unsigned timeout_ms, int *status,
		    struct vcl_error **err)
{
	return vcl_nsexec(inst->pid, inst->svc, argv, timeout_ms, status, err);
}

static int ctr_destroy(struct vcl_instance *inst, struct vcl_error **err)
{
	struct ctr_priv *p;
	int ret = 0;

	if (inst == NULL)
		return 0;
	p = inst->priv;
	if (p != NULL) {
		kill_and_reap(inst, p);
		pod_kill(&p->pod);
		/* Kills whatever else is left in the cgroup and removes it;
		 * the mounts lived in the container's mount namespace and went
		 * with its last process. */
		ret = vcl_cgroup_destroyp(&p->cg, err);
		if (ret < 0)
			vcl_error_wrap(err, "Destroy container %s", inst->name);
		priv_free(p);
	}
	vcl_instance_free(inst);
	return ret;
}

const struct vcl_backend_ops vcl_ctr_ops = {
    .name = "ctr",
    .is_peer = false,
    .runs_services = true,
    .runs_pods = true,
    .family = VCL_FAMILY_CONTAINER,
    .probe = ctr_probe,
    .prepare = ctr_prepare,
    .launch = ctr_launch,
    .ready = ctr_ready,
    .exited = ctr_exited,
    .sample = ctr_sample,
    .exec = ctr_exec,
    .destroy = ctr_destroy,
    .cleanup = ctr_cleanup,
};
