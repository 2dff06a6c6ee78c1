/* SPDX-License-Identifier: MIT */
/*
 * The bare placement: the payload as a plain host process. fork/exec on
 * 127.0.0.1, in an accounting-only cgroup (nothing limited, everything
 * counted; no cpuset controller), pinned by sched_setaffinity to the
 * workload cores hwloc chose, as systemd's CPUAffinity= pins a unit. The payload binds
 * port 0 and names its port in the READY line, so no port can be taken
 * between choosing and binding.
 *
 * The user's service (spec->svc) runs the same way, chrooted into its
 * unpacked rootfs: the same binaries and libraries as in the other
 * placements, no limits; what installing it on the host as a systemd unit
 * with RootDirectory= and MountAPIVFS= would give. Like such a unit it
 * gets a mount namespace of its own, and a network namespace of its own
 * with only its loopback up (PrivateNetwork=yes: a packaged config binds
 * every address, which on the host's network would be every address the
 * host has; no other namespace): its root is
 * an overlay with the cached rootfs as the read-only lower layer and a
 * private tmpfs as the upper one (as ctr's), so nothing ever writes into
 * the image cache and concurrent instances do not collide; /proc is its
 * own procfs, /sys and /dev are the host's (bound), /run an empty tmpfs.
 * Its uid/gid/cwd/env come from the image config (runAsUser/Group over
 * them); it listens on its own port on that loopback, and its
 * output goes to a log the probe quotes when it fails, owned by the
 * service's user so that it can reopen /dev/stdout and /dev/stderr. It
 * leads its own process group, so a service that forks (a shell wrapper,
 * nginx workers) is killed whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bare/bare.h"
#include "core/cgroup.h"
#include "core/cleanup.h"
#include "core/launch.h"
#include "core/ledger.h"
#include "core/nsexec.h"
#include "core/proc.h"
#include "core/sample.h"
#include "core/util.h"
#include "core/volume.h"

/* One run of bare (prepare()'s context): the overlay folder it made for
 * a service with a rootfs ("" without one). */
struct bare_run {
	char ovl_dir[256];
};

struct bare {
	struct vcl_cgroup *cg;
	struct vcl_readyline rl;
	bool reaped;
};

static int bare_probe(const struct vcl_host *host, struct vcl_error **err)
{
	(void)host;
	if (vcl_cgroup_mode() == VCL_CG_NONE)
		return vcl_error_set(err, VCL_E_ENV, 0, "No cgroup file system at /sys/fs/cgroup");
	return 0;
}

static int bare_prepare(const struct vcl_spec *spec, void **ctx, struct vcl_error **err)
{
	cleanup_free struct bare_run *run = NULL;

	if (access(spec->payload, X_OK) < 0)
		return vcl_error_set(err, VCL_E_ENV, errno, "Payload %s (run `make all`)",
				     spec->payload);
	run = calloc(1, sizeof(*run));
	if (run == NULL)
		return vcl_fail(err, ENOMEM, "Prepare bare");
	if (spec->svc != NULL && spec->svc->rootfs != NULL) {
		char dir[sizeof(run->ovl_dir)];

		snprintf(dir, sizeof(dir), "%s/bare-overlay", spec->state_dir);
		if (vcl_ledger_add(spec->ledger, err, "dir %s", dir) < 0)
			return -1;
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return vcl_fail(err, errno, "Create %s", dir);
		memcpy(run->ovl_dir, dir, sizeof(dir));
	}
	*ctx = steal_ptr(run);
	return 0;
}

static void bare_cleanup(void *ctx, const struct vcl_spec *spec)
{
	struct bare_run *run = ctx;

	(void)spec;
	if (run != NULL && run->ovl_dir[0] != '\0')
		rmdir(run->ovl_dir); /* every instance's tmpfs went with its namespace */
	free(run);
}

static void bare_free(struct vcl_instance *inst)
{
	struct bare *b = inst->priv;

	if (b != NULL) {
		vcl_cgroup_destroy(b->cg, NULL);
		free(b);
	}
	vcl_instance_free(inst);
}

/* What the child needs; everything is prepared before t0 so that the child
 * only makes system calls (it may share the parent's memory). */
struct child_args {
	const char *const *argv;
	int ready_w;			/* the READY pipe's write end, becomes fd 3 */
	const cpu_set_t *affinity;	/* NULL: inherit */
	struct vcl_cgroup *join;	/* v1 with accounting: attach before exec */
	const struct vcl_svc_spec *svc; /* the user's service, or NULL */
	int log_fd;			/* the service's stdout and stderr */
	int net_w;			/* the service's: one byte once it has its netns */
	uid_t uid;			/* the service's user and group */
	gid_t gid;
	gid_t groups[17]; /* its supplementary groups: fsGroup, supplementalGroups */
	size_t ngroups;
	pid_t pod_parent; /* a pod's other container: the main one's process, else 0 */
	/* Its root: overlay of svc->rootfs under a private tmpfs on ovl_dir
	 * (the run's folder, shared: each instance mounts its own tmpfs
	 * there in its own mount namespace). Made by the parent. */
	const char *ovl_dir;
	char ovl_root[300], ovl_opts[1024];
};

/* The service's file system view, in a mount namespace of its own, as
 * systemd builds it for RootDirectory= with MountAPIVFS=yes. */
static int mount_service_root(const struct child_args *a)
{
	static const char *const subdirs[] = {"upper", "work", "root"};
	const char *what = NULL;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0 ||
	    vcl_overlay_upper_mount(a->ovl_dir, a->svc->upper_dir) < 0 || chdir(a->ovl_dir) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++)
		if (mkdir(subdirs[i], 0755) < 0 && errno != EEXIST)
			return -1;
	if (mount("overlay", a->ovl_root, "overlay", 0, a->ovl_opts) < 0 || chdir("root") < 0)
		return -1;
	/* The API file systems, on folders the image may lack (the overlay
	 * takes the new folders in its upper layer). */
	if ((mkdir("proc", 0555) < 0 && errno != EEXIST) ||
	    (mkdir("sys", 0555) < 0 && errno != EEXIST) ||
	    (mkdir("dev", 0755) < 0 && errno != EEXIST) ||
	    (mkdir("run", 0755) < 0 && errno != EEXIST))
		return -1;
	if (mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
	    mount("/sys", "sys", NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    mount("/dev", "dev", NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    mount("tmpfs", "run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755") < 0)
		return -1;
	/* The pod's volumes, each a tmpfs of this namespace, as the kubelet
	 * gives them to the container. */
	if (vcl_volumes_mount(a->svc->vols, a->svc->nvols, &a->svc->sec, &what) < 0) {
		dprintf(2, "vclab: volumes: %s: %s\n", what, strerror(errno));
		return -1;
	}
	return chroot(".");
}

/* Root, folder, user and groups of a->svc (the main container's, or a pod
 * member's), then exec. */
static __attribute__((noreturn)) void exec_in_root(const struct child_args *a)
{
	const struct vcl_svc_spec *svc = a->svc;

	if (svc->rootfs != NULL && (mount_service_root(a) < 0 || chdir(svc->cwd) < 0)) {
		dprintf(2, "vclab: root %s over %s, cwd %s: %s\n", a->ovl_root, svc->rootfs,
			svc->cwd, strerror(errno));
		_exit(126);
	}
	if ((a->uid != 0 || a->gid != 0 || a->ngroups > 0) &&
	    (syscall(SYS_setgroups, a->ngroups, a->groups) < 0 ||
	     syscall(SYS_setresgid, a->gid, a->gid, a->gid) < 0 ||
	     syscall(SYS_setresuid, a->uid, a->uid, a->uid) < 0)) {
		dprintf(2, "vclab: user %u:%u: %s\n", (unsigned)a->uid, (unsigned)a->gid,
			strerror(errno));
		_exit(126);
	}
	/* A pod's other container dies with the main one's process (which
	 * the ledger records), so nothing of the pod outlives a crash. Set
	 * after the user change, which clears it. */
	if (a->pod_parent > 0 &&
	    (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != a->pod_parent))
		_exit(126);
	execve(svc->argv[0], svc->argv, svc->envp);
	dprintf(2, "vclab: exec %s: %s\n", svc->argv[0], strerror(errno));
	_exit(127);
}

/*
 * A pod's other containers, started by the main container's process in
 * its network namespace before it execs (never on the CLONE_VM path):
 * each in a mount namespace of its own over its own overlay, its output
 * in the pod's log. Init containers run to completion in order; one that
 * fails ends the pod with status 125 and says which in the log. The
 * others stay children of the main container, in its process group and
 * cgroup: the pod is killed and measured whole.
 */
static void run_pod_members(const struct child_args *a)
{
	for (const struct vcl_svc_spec *const *m = a->svc->pod; m != NULL && *m != NULL; m++) {
		struct child_args ma = *a;
		int status = 0;
		pid_t pid;

		if ((*m)->rootfs != NULL &&
		    (size_t)snprintf(ma.ovl_opts, sizeof(ma.ovl_opts),
				     "lowerdir=%s,upperdir=%s/upper,workdir=%s/work", (*m)->rootfs,
				     a->ovl_dir, a->ovl_dir) >= sizeof(ma.ovl_opts)) {
			dprintf(2, "vclab: container %s: rootfs path too long\n", (*m)->ctr_name);
			_exit(125);
		}
		pid = fork();
		if (pid < 0) {
			dprintf(2, "vclab: fork for container %s: %s\n", (*m)->ctr_name,
				strerror(errno));
			_exit(125);
		}
		if (pid == 0) {
			/* Its own image, user and volumes (none: the pod's are
			 * the main container's); the pod's groups. */
			ma.svc = *m;
			ma.pod_parent = getppid();
			vcl_svc_user(*m, &ma.uid, &ma.gid);
			exec_in_root(&ma);
		}
		if (!(*m)->init)
			continue;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			dprintf(2, "vclab: init container %s failed: %s %d\n", (*m)->ctr_name,
				WIFEXITED(status) ? "exit status" : "signal",
				WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			_exit(125);
		}
	}
}

/* The service's side of child_exec. Raw system calls only: on the
 * CLONE_VM path glibc's setuid() would signal the parent's threads. */
static __attribute__((noreturn)) void exec_service(const struct child_args *a)
{
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (setpgid(0, 0) < 0 || nul < 0 || dup2(nul, 0) < 0 || dup2(a->log_fd, 1) < 0 ||
	    dup2(a->log_fd, 2) < 0)
		_exit(126);
	/* PrivateNetwork=yes: a packaged service listens where its config
	 * says (nginx on 0.0.0.0:80 and [::]:80, redis on every address);
	 * on the host's network that would bind every address the host has.
	 * In a network namespace of its own with only its loopback up, it
	 * binds there and the probe connects there (as for ctr). */
	if (unshare(CLONE_NEWNET) < 0 || vcl_loopback_up() < 0 || write(a->net_w, "n", 1) != 1) {
		dprintf(2, "vclab: private network: %s\n", strerror(errno));
		_exit(126);
	}
	run_pod_members(a);
	exec_in_root(a);
}

static int child_exec(void *opaque)
{
	const struct child_args *a = opaque;

	if (a->join != NULL) {
		int r = vcl_cgroup_attach(a->join, 0);

		if (r < 0) {
			dprintf(2, "vclab: join cgroup: %s\n", strerror(-r));
			_exit(126);
		}
	}
	if (a->affinity != NULL && sched_setaffinity(0, sizeof(*a->affinity), a->affinity) < 0)
		_exit(126);
	if (a->svc != NULL)
		exec_service(a);
	/* fd 3 is the READY channel, the only fd the payload inherits besides
	 * stdio (everything else is O_CLOEXEC). */
	if (dup2(a->ready_w, 3) < 0)
		_exit(126);
	execv(a->argv[0], (char *const *)a->argv);
	dprintf(2, "vclab: exec %s: %s\n", a->argv[0], strerror(errno));
	_exit(127);
}

/*
 * Start the payload, one of three ways, cheapest first:
 * - no accounting (startup): clone(CLONE_VM | CLONE_VFORK), as posix_spawn
 *   does: no copy of the harness's page tables, no cgroup on the way. This
 *   is what running the service as a plain host process costs.
 * - accounting on pure v2: clone3(CLONE_INTO_CGROUP): born in the cgroup,
 *   no migration.
 * - accounting on v1/hybrid: fork, the child joins the cgroup, exec. A v1
 *   attach waits for an RCU grace period (cgroup_threadgroup_rwsem): 2-20
 *   ms here, which is why the startup scenario does not take this path.
 */
static pid_t spawn(const struct child_args *a, int cg_dirfd)
{
	if (a->join == NULL && cg_dirfd < 0 && (a->svc == NULL || a->svc->pod == NULL)) {
		/* The child runs on this stack until it execs; the parent is
		 * suspended meanwhile (CLONE_VFORK). */
		char stack[32768] __attribute__((aligned(16)));

		return clone(child_exec, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD,
			     (void *)a);
	}
	if (cg_dirfd >= 0) {
		struct clone_args ca = {
		    .flags = CLONE_INTO_CGROUP,
		    .exit_signal = SIGCHLD,
		    .cgroup = (uint64_t)cg_dirfd,
		};
		long pid = syscall(SYS_clone3, &ca, sizeof(ca));

		if (pid == 0)
			child_exec((void *)a);
		if (pid > 0 || (errno != ENOSYS && errno != E2BIG && errno != EINVAL))
			return (pid_t)pid;
		/* Older kernel: fall through to fork + attach. */
	}
	{
		pid_t pid = fork();

		if (pid == 0)
			child_exec((void *)a);
		return pid;
	}
}

static int bare_overlay_args(struct child_args *a, const struct bare_run *run, const char *lower,
			     struct vcl_error **err)
{
	const char *ovl_dir = run != NULL ? run->ovl_dir : "";

	if (ovl_dir[0] == '\0')
		return vcl_fail(err, EINVAL, "bare: prepare() made no overlay folder");
	a->ovl_dir = ovl_dir;
	if ((size_t)snprintf(a->ovl_root, sizeof(a->ovl_root), "%s/root", ovl_dir) >=
		sizeof(a->ovl_root) ||
	    (size_t)snprintf(a->ovl_opts, sizeof(a->ovl_opts),
			     "lowerdir=%s,upperdir=%s/upper,workdir=%s/work", lower, ovl_dir,
			     ovl_dir) >= sizeof(a->ovl_opts))
		return vcl_fail(err, ENAMETOOLONG, "Overlay over %s", lower);
	return 0;
}

/* One launch's scratch: what the child needs, and the fds the parent
 * holds until the launch returns (closed then, whatever happened). */
struct bare_launch {
	const char *argv[8];
	struct child_args a;
	cpu_set_t cpus;
	int cg_dirfd; /* pure v2 with accounting: clone3 into it */
	int ready_r;  /* becomes inst->ready_fd */
	int net_r;    /* a service's: readable once it is in its netns */
};

static void bare_launch_close(struct bare_launch *bl)
{
	vcl_closep(&bl->cg_dirfd);
	vcl_closep(&bl->ready_r);
	vcl_closep(&bl->a.ready_w);
	vcl_closep(&bl->a.log_fd);
	vcl_closep(&bl->net_r);
	vcl_closep(&bl->a.net_w);
}

/* The cgroup (accounting) or the cores, then the service's log or the
 * READY pipe. */
static int bare_setup(struct vcl_launch *l, struct vcl_error **err)
{
	const struct vcl_spec *spec = l->spec;
	struct vcl_instance *inst = l->inst;
	struct bare_launch *bl = l->arg;
	struct bare *b = l->priv;
	char cgpath[160];
	int pfd[2];

	bl->argv[6] = inst->name;
	if (spec->accounting) {
		/* No cpuset controller: on v1 a cpuset folder per instance costs
		 * a walk over all its siblings at mkdir and at rmdir, and
		 * systemd, which a host service runs under, makes none. */
		snprintf(cgpath, sizeof(cgpath), "vclab/%s/%u", spec->run_id, spec->index);
		if (vcl_cgroup_create(spec->ledger, cgpath, NULL, VCL_CGROUP_NO_CPUSET, &b->cg,
				      err) < 0)
			return -1;
		snprintf(inst->cgroup, sizeof(inst->cgroup), "%s", cgpath);
		bl->cg_dirfd = vcl_cgroup_dirfd(b->cg);
		if (bl->cg_dirfd < 0)
			bl->a.join = b->cg;
	}
	/* Pinned to the workload cores by sched_setaffinity, as systemd's
	 * CPUAffinity= pins a service. */
	if (spec->cpuset != NULL && vcl_cpulist_parse(spec->cpuset, &bl->cpus) == 0)
		bl->a.affinity = &bl->cpus;
	snprintf(inst->ep.addr, sizeof(inst->ep.addr), "127.0.0.1");
	if (spec->svc == NULL) {
		if (pipe2(pfd, O_CLOEXEC) < 0)
			return vcl_fail(err, errno, "pipe2");
		bl->ready_r = pfd[0];
		bl->a.ready_w = pfd[1];
		return 0;
	}
	/* No READY channel: the probe waits for the port, in the service's
	 * own network namespace (exec_service). */
	inst->ep.port = spec->svc->port;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return vcl_fail(err, errno, "pipe2");
	bl->net_r = pfd[0];
	bl->a.net_w = pfd[1];
	snprintf(inst->log_path, sizeof(inst->log_path), "%s/%s.log", spec->state_dir, inst->name);
	bl->a.log_fd = open(inst->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (bl->a.log_fd < 0) {
		vcl_fail(err, errno, "Create %s", inst->log_path);
		inst->log_path[0] = '\0';
		return -1;
	}
	vcl_svc_user(spec->svc, &bl->a.uid, &bl->a.gid);
	bl->a.ngroups =
	    vcl_security_groups(&spec->svc->sec, bl->a.groups, ARRAY_SIZE(bl->a.groups));
	/* Another user reopens its stdio through /proc/self/fd only if it
	 * owns the file (runc hands a container's stdio over too). */
	if ((bl->a.uid != 0 || bl->a.gid != 0) && fchown(bl->a.log_fd, bl->a.uid, bl->a.gid) < 0)
		return vcl_fail(err, errno, "Give %s to uid %u", inst->log_path,
				(unsigned)bl->a.uid);
	if (spec->svc->rootfs != NULL &&
	    bare_overlay_args(&bl->a, l->ctx, spec->svc->rootfs, err) < 0)
		return -1;
	return 0;
}

static int bare_start(struct vcl_launch *l, struct vcl_error **err)
{
	struct bare_launch *bl = l->arg;
	pid_t pid = spawn(&bl->a, bl->cg_dirfd);

	if (pid < 0)
		return vcl_fail(err, errno, "Start %s", l->spec->payload);
	l->inst->pid = pid;
	return 0;
}

static int bare_finish(struct vcl_launch *l, struct vcl_error **err)
{
	struct vcl_instance *inst = l->inst;
	struct bare_launch *bl = l->arg;

	vcl_closep(&bl->a.log_fd);
	vcl_closep(&bl->a.ready_w);
	vcl_closep(&bl->a.net_w);
	if (bl->net_r >= 0) {
		char c, nspath[64];
		ssize_t n;

		/* One byte once the service has its network namespace, EOF if
		 * it died first: then the probe sees the death and quotes the
		 * log. A service gone between the byte and the open has no
		 * namespace file left; the probe sees that death too. */
		do
			n = read(bl->net_r, &c, 1);
		while (n < 0 && errno == EINTR);
		snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", (int)inst->pid);
		if (n == 1)
			inst->ep.netns_fd = open(nspath, O_RDONLY | O_CLOEXEC);
	}
	inst->ready_fd = steal_fd(bl->ready_r);
	if (inst->ready_fd >= 0)
		fcntl(inst->ready_fd, F_SETFL, O_NONBLOCK);
	inst->exit_fd = vcl_pidfd_open(inst->pid);
	/* Without pidfds (Linux < 5.3, valgrind) a death before READY is
	 * only seen as a closed READY channel or a timeout. */
	if (inst->exit_fd < 0 && errno != ENOSYS)
		return vcl_fail(err, errno, "pidfd_open %d", (int)inst->pid);
	return 0;
}

static void bare_undo(struct vcl_launch *l, struct vcl_error **err)
{
	struct bare *b = l->priv;

	(void)err;
	if (l->inst->pid > 0)
		vcl_proc_kill_reap(l->inst->pid, -1, SIGKILL, 0, NULL);
	vcl_cgroup_destroy(b->cg, NULL);
}

static const struct vcl_launch_hooks bare_hooks = {
    .priv_size = sizeof(struct bare),
    .setup = bare_setup,
    .start = bare_start,
    .record_pid = true,
    .finish = bare_finish,
    .undo = bare_undo,
};

static int bare_launch(void *ctx, const struct vcl_spec *spec, struct vcl_instance **out,
		       struct vcl_error **err)
{
	__attribute__((cleanup(bare_launch_close))) struct bare_launch bl = {
	    .argv = {spec->payload, "--listen", "127.0.0.1:0", "--ready-fd", "3", "--name"},
	    .a = {.svc = spec->svc, .ready_w = -1, .log_fd = -1, .net_w = -1},
	    .cg_dirfd = -1,
	    .ready_r = -1,
	    .net_r = -1,
	};
	struct vcl_launch l = {.spec = spec, .ops = &vcl_bare_ops, .ctx = ctx, .arg = &bl};

	bl.a.argv = bl.argv;
	return vcl_launch(&bare_hooks, &l, out, err);
}

static int bare_ready(struct vcl_instance *inst, struct vcl_error **err)
{
	struct bare *b = inst->priv;

	return vcl_readyline_feed(&b->rl, inst->ready_fd, &inst->ep.port, err);
}

static int bare_exited(struct vcl_instance *inst, struct vcl_error **err)
{
	struct bare *b = inst->priv;
	int status = 0;

	if (!b->reaped && vcl_waitpid(inst->pid, &status, 0) == inst->pid)
		b->reaped = true;
	return vcl_explain_exit(inst->name, status, b->cg, err);
}

static int bare_sample(struct vcl_instance *inst, struct vcl_mem *mem, struct vcl_error **err)
{
	struct bare *b = inst->priv;

	if (b->cg == NULL) {
		/* A plain process (no accounting): its own PSS, no cgroup. */
		memset(mem, 0, sizeof(*mem));
		vcl_mem_no_cgroup(mem, "plain process without an accounting cgroup");
		if (inst->svc != NULL) {
			/* The whole service: a wrapper and its children, a
			 * master and its workers. */
			pid_t pids[256];
			int n = vcl_proc_tree_pids(inst->pid, pids, 256);

			if (n > 0)
				return vcl_sample_pids(pids, (size_t)n, mem, err);
		}
		return vcl_sample_pids(&inst->pid, 1, mem, err);
	}
	return vcl_sample_cgroup(b->cg, mem, err);
}

/* An exec probe: in the service's own mount and network namespaces and
 * its root, as its user (core/nsexec.h). */
static int bare_exec(struct vcl_instance *inst, char *const *argv, unsigned timeout_ms, int *status,
		     struct vcl_error **err)
{
	return vcl_nsexec(inst->pid, inst->svc, argv, timeout_ms, status, err);
}

static int bare_destroy(struct vcl_instance *inst, struct vcl_error **err)
{
	struct bare *b;
	int r = 0;

	if (inst == NULL)
		return 0;
	b = inst->priv;
	if (!b->reaped && inst->pid > 0) {
		if (inst->svc != NULL)
			kill(-inst->pid, SIGKILL); /* its process group: every child */
		vcl_proc_kill_reap(inst->pid, -1, SIGKILL, 0, NULL);
		b->reaped = true;
	}
	r = vcl_cgroup_destroyp(&b->cg, err);
	bare_free(inst);
	return r;
}

const struct vcl_backend_ops vcl_bare_ops = {
    .name = "bare",
    .family = VCL_FAMILY_PROCESS,
    .baseline = true,
    .runs_services = true,
    .runs_pods = true,
    .probe = bare_probe,
    .prepare = bare_prepare,
    .cleanup = bare_cleanup,
    .launch = bare_launch,
    .ready = bare_ready,
    .exited = bare_exited,
    .sample = bare_sample,
    .exec = bare_exec,
    .destroy = bare_destroy,
};
