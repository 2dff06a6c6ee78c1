/* SPDX-License-Identifier: MIT */
/*
 * The ctr placement's child (ctr/ctr_child.h): from clone() to execve().
 * It joins its cgroup, unshares its cgroup namespace, builds a private
 * mount tree around the shared read-only rootfs, pivots into it, drops
 * every capability and execs the payload or the service. It allocates
 * nothing (the parent prepared struct child_args) and reports each step
 * that fails, and its stamps, over the error pipe. docs/ctr.md explains
 * each step.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "core/cgroup.h"
#include "core/cleanup.h"
#include "core/host.h"
#include "core/launch.h"
#include "core/ledger.h"
#include "core/nsexec.h"
#include "core/proc.h"
#include "core/util.h"
#include "core/volume.h"
#include "ctr/ctr_child.h"

/* The child's record to the parent: an error (step set) or, just before
 * execve, its stamps (step 0). */
static void child_send(struct child_args *a, int step, int errnum)
{
	struct vcl_ctr_child_error rec;
	ssize_t n;

	a->rec.step = step;
	a->rec.errnum = errnum;
	/* A copy: GCC's sanitizer build (-O1, -Wstringop-overread) took
	 * &a->rec for its first member and refused the write. */
	rec = a->rec;
	do
		n = write(a->err_w, &rec, sizeof(rec));
	while (n < 0 && errno == EINTR);
}

static __attribute__((noreturn)) void child_fail(struct child_args *a, int step)
{
	child_send(a, step, errno != 0 ? errno : EIO);
	_exit(127);
}

/* A stamp as a group of steps ends (enum vcl_ctr_mark). */
static void child_mark(struct child_args *a, int mark)
{
	struct timespec ts;

	if (a->rec.nmarks >= VCL_CTR_MAX_MARKS)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	a->rec.mark[a->rec.nmarks] = (unsigned char)mark;
	a->rec.t[a->rec.nmarks++] = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#define TRY(step, expr)                                                                            \
	do {                                                                                       \
		if ((expr) < 0)                                                                    \
			child_fail(a, (step));                                                     \
	} while (0)

/* A device node: mknod with the host node's number, mode and owner, as
 * runc makes them; in a user namespace, where mknod is refused, a bind of
 * the host's node onto an empty file (runc's fallback). The bind costs a
 * mount per node in the container's memory cgroup (docs/metrics.md). */
static int mount_dev_node(const struct child_args *a, const char *host, const char *rel)
{
	struct stat st;
	int fd;

	if (!a->userns) {
		if (stat(host, &st) < 0 || !S_ISCHR(st.st_mode))
			return -1;
		return mknod(rel, S_IFCHR | (st.st_mode & 0777), st.st_rdev) < 0 ||
			       chmod(rel, st.st_mode & 0777) < 0 ||
			       chown(rel, st.st_uid, st.st_gid) < 0
			   ? -1
			   : 0;
	}
	fd = open(rel, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		return -1;
	close(fd);
	return mount(host, rel, NULL, MS_BIND, NULL);
}

/* The bounding set down to keep, and the ambient set emptied (needs
 * CAP_SETPCAP, so before any setresuid() away from root: that clears the
 * permitted set, and the drop would fail with EPERM). */
static int drop_bounding(uint64_t keep)
{
	for (cap_value_t c = 0; c < (cap_value_t)cap_max_bits(); c++)
		if ((c >= 64 || (keep & (UINT64_C(1) << c)) == 0) && cap_drop_bound(c) < 0 &&
		    errno != EINVAL)
			return -1;
	return cap_reset_ambient();
}

static int drop_caps(const struct child_args *a, bool bounding_done)
{
	/* Bounding set first: without it an exec as uid 0 would grant the
	 * full bounding set back. A non-root user has lost its permitted
	 * set at setresuid(): it keeps only the bounding set, as under
	 * containerd (no ambient capabilities). */
	if (!bounding_done && drop_bounding(a->cri->caps) < 0)
		return -1;
	return cap_set_proc(a->uid == 0 ? a->cri->capset : a->nocaps);
}

/* The child's ids by raw system calls, for itself only: glibc's wrappers
 * apply them to every thread of the process they believe they run in,
 * which for a CLONE_VM child is the harness (posix_spawn avoids them for
 * the same reason). */
static int set_groups(size_t n, const gid_t *groups)
{
	return (int)syscall(SYS_setgroups, n, groups);
}

static int set_gid(gid_t gid)
{
	return (int)syscall(SYS_setresgid, gid, gid, gid);
}

static int set_uid(uid_t uid)
{
	return (int)syscall(SYS_setresuid, uid, uid, uid);
}

static int mkdir_if_missing(const char *path)
{
	return mkdir(path, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* The service's root: a private tmpfs (or the service's upper_dir) on the
 * run's overlay folder, the image's rootfs as the read-only lower layer,
 * the tmpfs as the upper. The strings were made by the parent (the child
 * allocates nothing). */
static int mount_overlay(struct child_args *a)
{
	if (vcl_overlay_upper_mount(a->ovl_dir, a->svc->upper_dir) < 0)
		return -1;
	if (chdir(a->ovl_dir) < 0 || mkdir_if_missing("upper") < 0 ||
	    mkdir_if_missing("work") < 0 || mkdir_if_missing("root") < 0)
		return -1;
	if (mount("overlay", a->ovl_root, "overlay", MS_NOSUID | MS_NODEV, a->ovl_opts) < 0)
		return -1;
	a->rootfs = a->ovl_root;
	return 0;
}

/* containerd's /dev: a tmpfs with the OCI default nodes (binds of the
 * host's), the /dev/fd and stdio links, devpts, a shm tmpfs and mqueue.
 * Strict: a read-only tmpfs with null, zero and urandom. */
static int mount_dev(const struct child_args *a)
{
	static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
	static const char *const links[][2] = {{"/proc/self/fd", "dev/fd"},
					       {"/proc/self/fd/0", "dev/stdin"},
					       {"/proc/self/fd/1", "dev/stdout"},
					       {"/proc/self/fd/2", "dev/stderr"},
					       {"pts/ptmx", "dev/ptmx"}};
	char host[32], rel[32];

	if (!a->cri->cri)
		return mount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=64k") <
				   0 ||
			       mount_dev_node(a, "/dev/null", "dev/null") < 0 ||
			       mount_dev_node(a, "/dev/zero", "dev/zero") < 0 ||
			       mount_dev_node(a, "/dev/urandom", "dev/urandom") < 0 ||
			       mount(NULL, "dev", NULL,
				     MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC,
				     NULL) < 0
			   ? -1
			   : 0;
	if (mount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") < 0)
		return -1;
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		snprintf(host, sizeof(host), "/dev/%s", nodes[i]);
		snprintf(rel, sizeof(rel), "dev/%s", nodes[i]);
		if (mount_dev_node(a, host, rel) < 0)
			return -1;
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlink(links[i][0], links[i][1]) < 0)
			return -1;
	if (mkdir("dev/pts", 0755) < 0 || mkdir("dev/shm", 01777) < 0 ||
	    mkdir("dev/mqueue", 0755) < 0)
		return -1;
	return mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		     "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0 ||
		       mount("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			     "mode=1777,size=65536k") < 0 ||
		       mount("mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			     NULL) < 0
		   ? -1
		   : 0;
}

/* One masked path: a file under /dev/null; the first folder under an
 * empty read-only tmpfs (*empty names it), every later one under a
 * read-only bind of that same tmpfs: the same empty read-only folder
 * inside, one superblock per container instead of one per folder. */
static int mask_path(const char *rel, bool dir, const char **empty)
{
	if (!dir)
		return mount("dev/null", rel, NULL, MS_BIND, NULL);
	if (*empty == NULL) {
		*empty = rel;
		return mount("tmpfs", rel, "tmpfs", MS_RDONLY, "size=0");
	}
	return mount(*empty, rel, NULL, MS_BIND, NULL) < 0 ||
		       mount(NULL, rel, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0
		   ? -1
		   : 0;
}

/* /sys read-only (read-write when privileged), then the OCI default masked
 * paths (mask_path) and read-only /proc paths, as runc applies containerd's lists.
 * Paths this kernel lacks are skipped. */
static int mount_sys_masks(const struct child_args *a)
{
	unsigned long ro = a->cri->masks ? MS_RDONLY : 0;
	const char *empty = NULL;

	if ((mkdir("sys", 0555) < 0 && errno != EEXIST) ||
	    mount("sysfs", "sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | ro, NULL) < 0)
		return -1;
	if (!a->cri->masks)
		return 0;
	for (size_t i = 0; vcl_cri_masked_paths[i] != NULL; i++) {
		const char *rel = vcl_cri_masked_paths[i] + 1;
		struct stat st;

		if (stat(rel, &st) < 0)
			continue;
		if (mask_path(rel, S_ISDIR(st.st_mode), &empty) < 0)
			return -1;
	}
	for (size_t i = 0; vcl_cri_readonly_paths[i] != NULL; i++) {
		const char *rel = vcl_cri_readonly_paths[i] + 1;

		if (access(rel, F_OK) < 0)
			continue;
		/* proc's own flags kept: in a user namespace they are locked. */
		if (mount(rel, rel, NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    mount(NULL, rel, NULL,
			  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  NULL) < 0)
			return -1;
	}
	return 0;
}

static int write_text(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd;
	ssize_t n;

	/* A link in the image (resolv.conf to a resolver's stub file) is
	 * replaced, not followed: containerd's bind mount hides it too. */
	if (unlink(path) < 0 && errno != ENOENT)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -1;
	n = write(fd, text, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* /etc/hosts, /etc/hostname and /etc/resolv.conf with what containerd's
 * sandbox files hold, written into the overlay (containerd binds them). */
static int write_etc(const struct child_args *a)
{
	char name[80];

	snprintf(name, sizeof(name), "%s\n", a->hostname);
	if (mkdir("etc", 0755) < 0 && errno != EEXIST)
		return -1;
	return write_text("etc/hosts", a->hosts) < 0 || write_text("etc/hostname", name) < 0 ||
		       write_text("etc/resolv.conf", a->resolv) < 0
		   ? -1
		   : 0;
}

/*
 * The container's init, step by step: each step is a function of its own
 * that reports the step that failed over the error pipe (TRY), so a step
 * can be added, timed or changed without reading the others.
 */

/* Into the cgroup: with a user namespace the parent writes the maps and
 * moves us, then sends the go byte; else we attach ourselves unless
 * clone3 made us there. */
static void child_join_cgroup(struct child_args *a)
{
	char go;
	ssize_t n;

	if (a->userns) {
		do
			n = read(a->sync_r, &go, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1) {
			errno = n < 0 ? errno : EPIPE;
			child_fail(a, VCL_CTR_STEP_SYNC);
		}
	} else if (!a->born_in_cg) {
		int r = vcl_cgroup_attach(a->cg, 0);

		if (r < 0) {
			errno = -r;
			child_fail(a, VCL_CTR_STEP_CGROUP);
		}
	}
}

/* Only now the namespaces other than pid (and user): made by a task of
 * the container's cgroup, their kernel memory is charged to it (runc
 * joins the cgroup before unsharing too), and the cgroup namespace is
 * rooted at this cgroup. The parent opens /proc/PID/ns/net once the new
 * one exists. */
static void child_unshare(struct child_args *a)
{
	ssize_t n;

	if (a->sandbox_ns[0] >= 0) {
		/* A pod's container: the sandbox's network, IPC and UTS. */
		for (size_t i = 0; i < 3; i++)
			TRY(VCL_CTR_STEP_UNSHARE, setns(a->sandbox_ns[i], 0));
		TRY(VCL_CTR_STEP_UNSHARE, unshare(CLONE_NEWNS | CLONE_NEWCGROUP));
	} else {
		TRY(VCL_CTR_STEP_UNSHARE, unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
						  CLONE_NEWNET | CLONE_NEWCGROUP));
	}
	if (a->nsready_w < 0)
		return;
	do
		n = write(a->nsready_w, "n", 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		child_fail(a, VCL_CTR_STEP_NOTIFY);
	close(a->nsready_w);
}

/* The new root as a private mount point, entered (the cwd). */
static void child_mount_root(struct child_args *a)
{
	/* Nothing mounted below may propagate to the host. */
	TRY(VCL_CTR_STEP_MNT_PRIVATE, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	/* pivot_root needs the new root to be a mount point. In userns mode
	 * this runs before setresuid: the path is walked as the host's root
	 * (owner of state_dir), not as the mapped uid. */
	if (a->svc != NULL)
		TRY(VCL_CTR_STEP_MNT_OVERLAY, mount_overlay(a));
	else
		TRY(VCL_CTR_STEP_MNT_BIND, mount(a->rootfs, a->rootfs, NULL, MS_BIND, NULL));
	TRY(VCL_CTR_STEP_CHDIR, chdir(a->rootfs));
	if (a->userns) {
		/* Files created below (the /dev nodes) need a mapped fsuid. */
		TRY(VCL_CTR_STEP_SETID, set_gid(0));
		TRY(VCL_CTR_STEP_SETID, set_groups(0, NULL));
		TRY(VCL_CTR_STEP_SETID, set_uid(0));
	}
}

/* The READY pipe becomes fd 3 (a service's log becomes stdout and
 * stderr); everything else is closed by the exec (the error pipe must
 * survive until then). */
static void child_fds(struct child_args *a)
{
	int fd;

	if (a->err_w == 3) {
		fd = fcntl(3, F_DUPFD_CLOEXEC, 4);
		TRY(VCL_CTR_STEP_FDS, fd);
		a->err_w = fd;
	}
	if (a->svc != NULL) {
		/* The service has no READY channel: stdout and stderr go
		 * to its log, stdin is empty (child_service_user). */
		TRY(VCL_CTR_STEP_FDS, dup2(a->log_fd, 1));
		TRY(VCL_CTR_STEP_FDS, dup2(a->log_fd, 2));
	} else if (a->ready_w == 3) {
		TRY(VCL_CTR_STEP_FDS, fcntl(3, F_SETFD, 0));
	} else {
		TRY(VCL_CTR_STEP_FDS, dup2(a->ready_w, 3));
	}
	TRY(VCL_CTR_STEP_FDS, close_range(a->svc != NULL ? 3 : 4, ~0U, CLOSE_RANGE_CLOEXEC));
}

/* Read-only root (the payload's), /etc files, /proc, /dev, /sys and the
 * masks (CRI), a read-only service root (readOnlyRootFilesystem). */
static void child_mounts(struct child_args *a)
{
	const struct vcl_svc_spec *svc = a->svc;

	/* Read-only root: a bind remount changes only this mount's flags; the
	 * locked flags of the host mount must be kept in a user namespace.
	 * A service's overlay stays writable (its upper layer is a tmpfs). */
	if (svc == NULL) {
		TRY(VCL_CTR_STEP_MNT_RO,
		    mount(NULL, ".", NULL,
			  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | a->mflags,
			  NULL));
	} else {
		TRY(VCL_CTR_STEP_MNT_PROC, mkdir_if_missing("proc"));
		TRY(VCL_CTR_STEP_MNT_DEV, mkdir_if_missing("dev"));
	}
	if (svc != NULL && a->cri->cri)
		TRY(VCL_CTR_STEP_ETC, write_etc(a));
	TRY(VCL_CTR_STEP_MNT_PROC,
	    mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL));
	TRY(VCL_CTR_STEP_MNT_DEV, mount_dev(a));
	if (a->cri->cri)
		TRY(VCL_CTR_STEP_MNT_SYS, mount_sys_masks(a));
	/* The pod's volumes, before the root may turn read-only (their mount
	 * points may be new folders), as runc mounts the spec's. */
	if (svc != NULL) {
		const char *what;

		TRY(VCL_CTR_STEP_MNT_VOLUMES,
		    vcl_volumes_mount(svc->vols, svc->nvols, &svc->sec, &what));
	}
	/* readOnlyRootFilesystem: the overlay itself read-only, its mounts
	 * (/dev, /proc, /sys) as they are. */
	if (svc != NULL && a->cri->ro_root)
		TRY(VCL_CTR_STEP_MNT_RO,
		    mount(NULL, ".", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
			  NULL));
}

/* Hostname and loopback, in the container's own uts and net namespaces;
 * then pivot_root(".", "."): the old root ends up stacked on the new one
 * and is detached at once; no put_old folder is needed in a read-only
 * rootfs (pivot_root(2), "NOTES"). */
static void child_pivot(struct child_args *a)
{
	TRY(VCL_CTR_STEP_HOSTNAME, sethostname(a->hostname, strlen(a->hostname)));
	TRY(VCL_CTR_STEP_LOOPBACK, vcl_loopback_up());
	TRY(VCL_CTR_STEP_PIVOT_ROOT, syscall(SYS_pivot_root, ".", "."));
	TRY(VCL_CTR_STEP_UMOUNT_OLD, umount2(".", MNT_DETACH));
	TRY(VCL_CTR_STEP_CHDIR, chdir("/"));
}

/* A service's stdin, folder and user (the image's User, or runAsUser and
 * runAsGroup). Returns whether the bounding set is already dropped. */
static bool child_service_user(struct child_args *a)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	TRY(VCL_CTR_STEP_FDS, fd);
	TRY(VCL_CTR_STEP_FDS, dup2(fd, 0));
	TRY(VCL_CTR_STEP_CHDIR, chdir(a->svc->cwd));
	if (a->uid == 0 && a->gid == 0) {
		if (a->ngroups > 0)
			TRY(VCL_CTR_STEP_SETID, set_groups(a->ngroups, a->groups));
		return false;
	}
	TRY(VCL_CTR_STEP_CAPS, drop_bounding(a->cri->caps));
	TRY(VCL_CTR_STEP_SETID, set_groups(a->ngroups, a->groups));
	TRY(VCL_CTR_STEP_SETID, set_gid(a->gid));
	TRY(VCL_CTR_STEP_SETID, set_uid(a->uid));
	return true;
}

/* Capabilities, no_new_privs, then the syscall filter: last before exec,
 * as it denies pivot_root, mount and unshare, which the steps above
 * needed (without no_new_privs it went in before the drop, child_main). */
static void child_lockdown(struct child_args *a, bool bounding_done)
{
	TRY(VCL_CTR_STEP_CAPS, drop_caps(a, bounding_done));
	if (a->cri->nnp)
		TRY(VCL_CTR_STEP_NO_NEW_PRIVS, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	if (a->cri->nnp && a->seccomp != NULL)
		TRY(VCL_CTR_STEP_SECCOMP, prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, a->seccomp));
}

/* A CLONE_VM child: the harness's handlers back to the default (the
 * table is the child's own copy), then the harness's mask again. */
static void child_signals(const struct child_args *a)
{
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;

		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL &&
		    sa.sa_handler != SIG_IGN) {
			sa.sa_handler = SIG_DFL;
			sa.sa_flags = 0;
			sigaction(sig, &sa, NULL);
		}
	}
	sigprocmask(SIG_SETMASK, &a->sigmask, NULL);
}

int child_main(void *arg)
{
	struct child_args *a = arg;
	static char path_env[] = "PATH=/";
	char *const envp[] = {path_env, NULL};
	bool bounding_done = false;

	if (a->vm)
		child_signals(a);
	child_mark(a, VCL_CTR_MARK_ENTRY);
	child_join_cgroup(a);
	child_mark(a, VCL_CTR_MARK_CGROUP);
	child_unshare(a);
	child_mark(a, VCL_CTR_MARK_UNSHARE);
	child_mount_root(a);
	child_fds(a);
	child_mounts(a);
	child_pivot(a);
	child_mark(a, VCL_CTR_MARK_MOUNTS);
	/* Without no_new_privs only CAP_SYS_ADMIN may load a filter: load it
	 * now, while the capabilities are all there (runc does the same).
	 * Nothing below calls what it denies. */
	if (!a->cri->nnp && a->seccomp != NULL)
		TRY(VCL_CTR_STEP_SECCOMP, prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, a->seccomp));
	if (a->svc != NULL)
		bounding_done = child_service_user(a);
	child_lockdown(a, bounding_done);
	child_mark(a, VCL_CTR_MARK_LOCKDOWN);
	child_send(a, 0, 0);
	if (a->svc != NULL)
		execve(a->svc->argv[0], a->svc->argv, a->svc->envp);
	else
		execve(VCL_CTR_PAYLOAD, a->argv, envp);
	child_fail(a, VCL_CTR_STEP_EXEC);
}
