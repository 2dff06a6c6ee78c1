/* SPDX-License-Identifier: MIT */
/*
 * A pod's sandbox (ctr.h, "pods"), shared by ctr and the runc peer: one
 * process that holds the network, IPC and UTS namespaces every container
 * of the pod joins, as containerd's pause container does (docs/ctr.md,
 * "Pods").
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "core/cgroup.h"
#include "core/ledger.h"
#include "core/util.h"
#include "ctr/ctr.h"

/* The holder's life: in the pod's cgroup, its own network, IPC and UTS
 * namespaces, the hostname and loopback, one byte on ok, then the static
 * payload's --pause (a few pages) until it is killed, with the pod or
 * with vclab (PR_SET_PDEATHSIG). */
static __attribute__((noreturn)) void holder_main(struct vcl_cgroup *cg, const char *hostname,
						  const char *payload, int ok_w)
{
	int r = cg != NULL ? vcl_cgroup_attach(cg, 0) : 0;

	if (r < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 ||
	    unshare(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) < 0 ||
	    sethostname(hostname, strlen(hostname)) < 0 || vcl_loopback_up() < 0 ||
	    write(ok_w, "n", 1) != 1)
		_exit(126);
	execl(payload, payload, "--pause", (char *)NULL);
	_exit(127);
}

int vcl_ctr_sandbox_start(const struct vcl_spec *spec, struct vcl_cgroup *cg, const char *hostname,
			  pid_t *pid, int *pidfd, int ns[3], struct vcl_error **err)
{
	static const char *const names[] = {"net", "ipc", "uts"};
	int fds[2];
	char c, path[64];
	ssize_t n;
	pid_t child;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return vcl_fail(err, errno, "Pod sandbox pipe");
	child = fork();
	if (child == 0)
		holder_main(cg, hostname, spec->payload, fds[1]);
	close(fds[1]);
	if (child < 0) {
		close(fds[0]);
		return vcl_fail(err, errno, "Start the pod's sandbox");
	}
	*pid = child;
	*pidfd = vcl_pidfd_open(child);
	do
		n = read(fds[0], &c, 1);
	while (n < 0 && errno == EINTR);
	close(fds[0]);
	if (vcl_ledger_add_pid(spec->ledger, child, err) < 0)
		return -1;
	if (n != 1)
		return vcl_fail(err, EPIPE,
				"The pod's sandbox (pid %d) failed to make its namespaces",
				(int)child);
	for (size_t i = 0; ns != NULL && i < 3; i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)child, names[i]);
		ns[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (ns[i] < 0)
			return vcl_fail(err, errno, "Open %s", path);
	}
	return 0;
}
