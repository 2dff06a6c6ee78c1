/* SPDX-License-Identifier: MIT */
/*
 * The bare placement: the payload as a plain host process. fork/exec on
 * 127.0.0.1, in an accounting-only cgroup (nothing limited, everything
 * counted) pinned to the workload cores hwloc chose. The payload binds
 * port 0 and names its port in the READY line, so no port can be taken
 * between choosing and binding.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bare/bare.h"
#include "core/cgroup.h"
#include "core/cleanup.h"
#include "core/ledger.h"
#include "core/proc.h"
#include "core/util.h"

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

static int bare_prepare(const struct vcl_spec *spec, struct vcl_error **err)
{
	if (access(spec->payload, X_OK) < 0)
		return vcl_error_set(err, VCL_E_ENV, errno, "Payload %s (run `make all`)",
				     spec->payload);
	return 0;
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

static int bare_launch(const struct vcl_spec *spec, struct vcl_instance **out,
		       struct vcl_error **err)
{
	struct vcl_instance *inst = vcl_instance_new(&vcl_bare_ops, spec);
	struct bare *b = calloc(1, sizeof(*b));
	char cgpath[160];
	int pfd[2] = {-1, -1};
	pid_t pid;

	if (inst == NULL || b == NULL) {
		free(b);
		vcl_instance_free(inst);
		return vcl_fail(err, ENOMEM, "Launch bare instance");
	}
	inst->priv = b;
	snprintf(cgpath, sizeof(cgpath), "vclab/%s/%u", spec->run_id, spec->index);
	if (vcl_cgroup_create(cgpath, NULL, spec->cpuset, &b->cg, err) < 0)
		goto fail;
	snprintf(inst->cgroup, sizeof(inst->cgroup), "%s", cgpath);
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		vcl_fail(err, errno, "pipe2");
		goto fail;
	}
	snprintf(inst->ep.addr, sizeof(inst->ep.addr), "127.0.0.1");

	inst->t.start = vcl_now_ns();
	pid = fork();
	if (pid < 0) {
		vcl_fail(err, errno, "fork");
		goto fail;
	}
	if (pid == 0) {
		const char *argv[] = {spec->payload, "--listen", "127.0.0.1:0", "--ready-fd",
				      "3",	     "--name",	 inst->name,	NULL};
		int r = vcl_cgroup_attach(b->cg, 0);

		if (r < 0) {
			dprintf(2, "vclab: join cgroup %s: %s\n", cgpath, strerror(-r));
			_exit(126);
		}
		/* fd 3 is the READY channel, the only fd the payload inherits
		 * besides stdio (everything else is O_CLOEXEC). */
		if (dup2(pfd[1], 3) < 0)
			_exit(126);
		execv(spec->payload, (char *const *)argv);
		dprintf(2, "vclab: exec %s: %s\n", spec->payload, strerror(errno));
		_exit(127);
	}
	inst->t.created = vcl_now_ns();
	inst->pid = pid;
	close(pfd[1]);
	inst->ready_fd = pfd[0];
	fcntl(inst->ready_fd, F_SETFL, O_NONBLOCK);
	inst->exit_fd = vcl_pidfd_open(pid);
	/* Without pidfds (Linux < 5.3, valgrind) a death before READY is
	 * only seen as a closed READY channel or a timeout. */
	if (inst->exit_fd < 0 && errno != ENOSYS) {
		vcl_fail(err, errno, "pidfd_open %d", (int)pid);
		goto fail;
	}
	if (vcl_ledger_add_pid(pid, err) < 0)
		goto fail;
	*out = inst;
	return 0;
fail:
	if (pfd[1] >= 0 && inst->ready_fd != pfd[0])
		close(pfd[1]);
	if (pfd[0] >= 0 && inst->ready_fd != pfd[0])
		close(pfd[0]);
	if (inst->pid > 0) {
		kill(inst->pid, SIGKILL);
		waitpid(inst->pid, NULL, 0);
	}
	bare_free(inst);
	return -1;
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

	if (!b->reaped && waitpid(inst->pid, &status, 0) == inst->pid)
		b->reaped = true;
	return vcl_explain_exit(inst->name, status, b->cg, err);
}

static int bare_sample(struct vcl_instance *inst, struct vcl_mem *mem, struct vcl_error **err)
{
	struct bare *b = inst->priv;

	return vcl_sample_cgroup(b->cg, mem, err);
}

static int bare_destroy(struct vcl_instance *inst, struct vcl_error **err)
{
	struct bare *b;
	int r = 0;

	if (inst == NULL)
		return 0;
	b = inst->priv;
	if (!b->reaped && inst->pid > 0) {
		kill(inst->pid, SIGKILL);
		while (waitpid(inst->pid, NULL, 0) < 0 && errno == EINTR)
			;
		b->reaped = true;
	}
	r = vcl_cgroup_destroy(b->cg, err);
	b->cg = NULL;
	bare_free(inst);
	return r;
}

const struct vcl_backend_ops vcl_bare_ops = {
    .name = "bare",
    .probe = bare_probe,
    .prepare = bare_prepare,
    .launch = bare_launch,
    .ready = bare_ready,
    .exited = bare_exited,
    .sample = bare_sample,
    .destroy = bare_destroy,
};
