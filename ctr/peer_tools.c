/* SPDX-License-Identifier: MIT */
/*
 * The helpers of the peers that drive a CLI tool (ctr.h, "helpers of the
 * peers"): the runc and crun peers (runtime.c), podman and docker
 * (engine.c) and gVisor (gvisor.c) find their program, run it with its
 * output in a log, turn its failure into an error in its own words, and
 * read the READY line and the end of a detached container alike.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cgroup.h"
#include "core/cleanup.h"
#include "core/proc.h"
#include "core/util.h"
#include "ctr/ctr.h"

extern char **environ;

int vcl_ctr_find_bin(const char *name, char *bin, size_t size, struct vcl_error **err)
{
	const char *path = getenv("PATH");
	cleanup_free char *copy = NULL;
	char *save = NULL;

	/* root's usual PATH, in case ours is a user's one without sbin */
	if (asprintf(&copy, "%s:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		     path != NULL ? path : "") < 0)
		return vcl_fail(err, ENOMEM, "Find %s", name);
	for (char *d = strtok_r(copy, ":", &save); d != NULL; d = strtok_r(NULL, ":", &save)) {
		snprintf(bin, size, "%s/%s", d, name);
		if (d[0] == '/' && access(bin, X_OK) == 0)
			return 0;
	}
	bin[0] = '\0';
	return vcl_error_set(err, VCL_E_ENV, 0, "%s is not installed (not found in PATH)", name);
}

int vcl_ctr_spawn(const char *bin, char *const argv[], const char *out, const char *log,
		  int ready_w, const posix_spawnattr_t *attr, pid_t *pid, struct vcl_error **err)
{
	posix_spawn_file_actions_t fa;
	int r;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (out != NULL)
		posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	else
		posix_spawn_file_actions_adddup2(&fa, 2, 1);
	if (ready_w >= 0)
		posix_spawn_file_actions_adddup2(&fa, ready_w, 3);
	r = posix_spawn(pid, bin, &fa, attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return vcl_fail(err, r, "Start %s", bin);
	return 0;
}

int vcl_ctr_spawn_wait(const char *bin, char *const argv[], const char *out, const char *log,
		       int ready_w, int *status, struct vcl_error **err)
{
	pid_t pid;

	if (vcl_ctr_spawn(bin, argv, out, log, ready_w, NULL, &pid, err) < 0)
		return -1;
	if (vcl_waitpid(pid, status, 0) < 0)
		return vcl_fail(err, errno, "Wait for %s", bin);
	return 0;
}

int vcl_ctr_tool_failed(const char *name, const char *verb, int status, const char *log,
			enum vcl_error_kind kind, struct vcl_error **err)
{
	cleanup_free char *text = NULL;
	char msg[512];

	if (vcl_read_file(log, &text, NULL, NULL) < 0 ||
	    vcl_oci_runtime_message(text, msg, sizeof(msg)) <= 0)
		snprintf(msg, sizeof(msg), "no message");
	if (WIFSIGNALED(status))
		return vcl_error_set(err, kind, 0, "%s %s killed by signal %d: %s", name, verb,
				     WTERMSIG(status), msg);
	return vcl_error_set(err, kind, 0, "%s %s failed (status %d): %s", name, verb,
			     WIFEXITED(status) ? WEXITSTATUS(status) : -1, msg);
}

int vcl_ctr_ready_pipe(int *ready_r, int *ready_w, struct vcl_error **err)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		return vcl_fail(err, errno, "pipe2");
	*ready_r = fds[0];
	*ready_w = fds[1];
	if (fcntl(*ready_r, F_SETFL, O_NONBLOCK) < 0)
		return vcl_fail(err, errno, "fcntl");
	return 0;
}

int vcl_ctr_ready_feed(struct vcl_instance *inst, struct vcl_readyline *rl, struct vcl_error **err)
{
	int ret = vcl_readyline_feed(rl, inst->ready_fd, &inst->ep.port, err);

	if (ret > 0)
		inst->t.ready = vcl_now_ns();
	return ret;
}

int vcl_ctr_detached_exited(const char *who, const char *name, struct vcl_cgroup *cg,
			    struct vcl_error **err)
{
	struct vcl_cg_stats st;

	/* The container's init is the runtime's child, reparented when `run
	 * -d` returned: its exit status is not ours to read. The cgroup still
	 * tells an out-of-memory kill. */
	if (cg != NULL && vcl_cgroup_stats(cg, &st, NULL) == 0 && st.oom_kills > 0)
		return vcl_error_set(err, VCL_E_OOM, 0,
				     "%s container %s was killed by its cgroup's memory limit "
				     "(out of memory, %llu OOM kill(s))",
				     who, name, (unsigned long long)st.oom_kills);
	return vcl_error_set(err, VCL_E_DIED, 0,
			     "%s container %s exited (a detached container's exit status is "
			     "not available to vclab)",
			     who, name);
}
