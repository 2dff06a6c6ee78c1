/* SPDX-License-Identifier: MIT */
#include "core/nsexec.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/proc.h"
#include "core/volume.h"

int vcl_wait_timeout(pid_t pid, unsigned timeout_ms, int *status)
{
	const struct timespec tick = {.tv_nsec = 2L * 1000 * 1000};

	for (unsigned waited = 0;; waited += 2) {
		pid_t r = vcl_waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0)
			return -1;
		if (waited >= timeout_ms)
			break;
		nanosleep(&tick, NULL);
	}
	/* pid leads its group: what it started goes too. */
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	return vcl_waitpid(pid, status, 0) == pid ? 1 : -1;
}

/* The namespaces to join, user first (its capabilities make the others
 * joinable), mount last (it changes what /proc/PID names). */
static const char *const ns_names[] = {"user", "ipc", "uts", "net", "pid", "cgroup", "mnt"};

/* Same namespace as ours: setns to it would fail (user) or do nothing. */
static bool same_ns(pid_t pid, const char *ns)
{
	char a[64], b[64];
	struct stat sa, sb;

	snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int)pid, ns);
	snprintf(b, sizeof(b), "/proc/self/ns/%s", ns);
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
	       sa.st_dev == sb.st_dev;
}

/* The child: every fd opened before the first setns (their /proc paths
 * mean the host's view only until the mount namespace changes). */
static __attribute__((noreturn)) void child(pid_t pid, const struct vcl_svc_spec *svc,
					    char *const *argv)
{
	int fds[sizeof(ns_names) / sizeof(ns_names[0])], root;
	char path[64];
	gid_t groups[17];
	size_t ng = vcl_security_groups(&svc->sec, groups, 17);
	uid_t uid;
	gid_t gid;
	pid_t grand;
	int st;

	for (size_t i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_names[i]);
		fds[i] = same_ns(pid, ns_names[i]) ? -1 : open(path, O_RDONLY | O_CLOEXEC);
	}
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		_exit(125);
	for (size_t i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++)
		if (fds[i] >= 0 && setns(fds[i], 0) < 0) {
			dprintf(2, "vclab: exec probe: join %s namespace of %d: %s\n", ns_names[i],
				(int)pid, strerror(errno));
			_exit(125);
		}
	if (fchdir(root) < 0 || chroot(".") < 0 || chdir(svc->cwd != NULL ? svc->cwd : "/") < 0)
		_exit(125);
	/* The pid namespace applies to children: fork once more. */
	grand = fork();
	if (grand < 0)
		_exit(125);
	if (grand > 0)
		_exit(vcl_waitpid(grand, &st, 0) == grand && WIFEXITED(st) ? WEXITSTATUS(st) : 125);
	vcl_svc_user(svc, &uid, &gid);
	if (setgroups(ng, groups) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0) {
		dprintf(2, "vclab: exec probe: user %u:%u: %s\n", (unsigned)uid, (unsigned)gid,
			strerror(errno));
		_exit(125);
	}
	environ = (char **)svc->envp;
	execvp(argv[0], argv);
	dprintf(2, "vclab: exec probe: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int vcl_nsexec(pid_t pid, const struct vcl_svc_spec *svc, char *const *argv, unsigned timeout_ms,
	       int *status, struct vcl_error **err)
{
	pid_t c;

	if (pid <= 0 || argv == NULL || argv[0] == NULL)
		return vcl_fail(err, EINVAL, "Exec probe: no process or no command");
	c = fork();
	if (c < 0)
		return vcl_fail(err, errno, "Exec probe: fork");
	if (c == 0) {
		int nul = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
		}
		setpgid(0, 0);
		child(pid, svc, argv);
	}
	if (vcl_wait_timeout(c, timeout_ms, status) < 0)
		return vcl_fail(err, errno, "Exec probe: wait for %d", (int)c);
	return 0;
}

bool vcl_exec_found(const char *rootfs, const char *argv0, char *const *envp)
{
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	bool found = false;

	if (root < 0)
		return false;
	for (char *const *e = envp; e != NULL && *e != NULL; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
	for (const char *p = path; !found;) {
		size_t len = strchr(argv0, '/') != NULL ? 0 : strcspn(p, ":");
		char cand[1024];
		struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
		struct stat st;
		int fd;

		snprintf(cand, sizeof(cand), "%.*s/%s", (int)len, p, argv0);
		fd = (int)syscall(SYS_openat2, root, len == 0 ? argv0 : cand, &how, sizeof(how));
		found = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
			(st.st_mode & 0111) != 0;
		if (fd >= 0)
			close(fd);
		if (len == 0 || p[len] == '\0')
			break;
		p += len + 1;
	}
	close(root);
	return found;
}
