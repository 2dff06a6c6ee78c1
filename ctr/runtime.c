/* SPDX-License-Identifier: MIT */
/*
 * Same-run peers of the ctr placement: runc and crun, each run as a
 * program over an OCI bundle built around the very rootfs and payload ctr
 * uses, with the same namespaces, read-only root, capabilities (none),
 * no_new_privs and cgroup limits (docs/ctr.md lists the differences that
 * remain). The container runs detached (`run -d`); the payload's READY fd
 * is handed through with --preserve-fds 1, so the probe works as for ctr,
 * entering the container's network namespace through /proc/PID/ns/net.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cgroup.h"
#include "core/cleanup.h"
#include "core/launch.h"
#include "ctr/ctr.h"
#include "ctr/runtime.h"
#include "ctr/runtime_internal.h"
#include "core/ledger.h"
#include "core/nsexec.h"
#include "core/proc.h"
#include "core/results.h"
#include "core/sample.h"
#include "core/util.h"

extern char **environ;

static bool is_pod(const struct vcl_spec *spec)
{
	return spec->svc != NULL && spec->svc->pod != NULL;
}

/* The runtimes' descriptions; each run's prepare() copies one into its
 * context and finds its binary there. */
static const struct vcl_runtime runc_rt = {.name = "runc", .ops = &vcl_runc_ops};
static const struct vcl_runtime crun_rt = {.name = "crun", .ops = &vcl_crun_ops};

/* bin, --root ROOT and the runtime's global flags: the head of every
 * call. argv has room for 3 + VCL_RT_MAX_GLOBAL. Returns how many. */
static size_t rt_head(const struct vcl_runtime *rt, const char *root, char **argv)
{
	size_t n = 0;

	argv[n++] = (char *)rt->bin;
	argv[n++] = (char *)"--root";
	argv[n++] = (char *)root;
	for (unsigned i = 0; i < rt->nglobal && i < VCL_RT_MAX_GLOBAL; i++)
		argv[n++] = (char *)rt->global[i];
	return n;
}

static int find_bin(struct vcl_runtime *rt, struct vcl_error **err)
{
	if (rt->bin[0] != '\0')
		return 0;
	return vcl_ctr_find_bin(rt->name, rt->bin, sizeof(rt->bin), err);
}

/* Run the runtime with stdin from /dev/null, stdout and stderr into log
 * (the detached container inherits them: a pipe would never see EOF), and
 * ready_w, when >= 0, as fd 3 for --preserve-fds 1. Waits for it. */
static int run_rt(const struct vcl_runtime *rt, char *const argv[], const char *log, int ready_w,
		  int *status, struct vcl_error **err)
{
	return vcl_ctr_spawn_wait(rt->bin, argv, NULL, log, ready_w, status, err);
}

/* Error for a runtime call that failed: its own words, from its log. */
static int rt_failed(const struct vcl_runtime *rt, const char *verb, int status, const char *log,
		     enum vcl_error_kind kind, struct vcl_error **err)
{
	return vcl_ctr_tool_failed(rt->name, verb, status, log, kind, err);
}

static void rm_quiet(const char *dir)
{
	struct vcl_error *e = NULL;

	if (dir != NULL && vcl_rm_rf(dir, &e) < 0)
		vcl_error_free(e);
}

/* runc and crun make their cgroup in every mounted hierarchy (blkio,
 * devices, freezer, name=systemd, the cgroup2 tree here), not only in the
 * five controllers cgroup.c manages, and remove only the leaf on delete:
 * the empty parents are ours to remove, in every hierarchy. This run's
 * own folder (rel) with what is left in it; the shared top folder only
 * when empty (vcl_cgroup_remove_top: other runs' instances live under it). */
static void rmdir_everywhere(const char *rel)
{
	vcl_cgroup_remove_path(rel[0] == '/' ? rel + 1 : rel, NULL);
	vcl_cgroup_remove_top();
}

/* ---- probe: actually run a trivial container ---------------------------- */

/* The trial's folder and cgroup are in no ledger: probe() runs before a
 * run's ledger exists (bench opens it last, and probe gets no spec), so the
 * probe removes what it made on every way out. */

/* The trial `run`, killed with its process group after
 * rt->probe_timeout_ms (0: no limit); a killed trial's container is
 * deleted (`RT delete --force`: its sandbox and state), and its error
 * says so with the runtime's last words. */
static int run_trial(const struct vcl_runtime *rt, char *const argv[], const char *root,
		     const char *id, const char *log, int *status, struct vcl_error **err)
{
	cleanup_free char *text = NULL;
	posix_spawnattr_t at;
	char dlog[640], msg[512];
	pid_t pid;
	int r;

	if (rt->probe_timeout_ms == 0)
		return run_rt(rt, argv, log, -1, status, err);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&at, 0);
	r = vcl_ctr_spawn(rt->bin, argv, NULL, log, -1, &at, &pid, err);
	posix_spawnattr_destroy(&at);
	if (r < 0)
		return -1;
	r = vcl_wait_timeout(pid, rt->probe_timeout_ms, status);
	if (r < 0)
		return vcl_fail(err, errno, "Wait for %s", rt->bin);
	if (r == 0)
		return 0;
	snprintf(dlog, sizeof(dlog), "%s.delete", log);
	if (vcl_rt_delete(rt, root, id, dlog, NULL) < 0)
		vcl_warn("%s delete --force %s after its trial timed out failed", rt->name, id);
	if (vcl_read_file(log, &text, NULL, NULL) < 0 ||
	    vcl_oci_runtime_message(text, msg, sizeof(msg)) <= 0)
		snprintf(msg, sizeof(msg), "it printed nothing");
	return vcl_error_set(err, VCL_E_ENV, 0,
			     "%s run of a trivial container hung: killed after %.1f s (%s)",
			     rt->name, rt->probe_timeout_ms / 1000.0, msg);
}

static int rt_probe(struct vcl_runtime *rt, struct vcl_error **err)
{
	char tmpl[] = "/tmp/vclab-probe-XXXXXX";
	char p[600], log[600], root[600], id[64], cgp[64];
	cleanup_json struct json_object *cfg = NULL;
	const char *dir;
	int status = 0, ret;

	if (!vcl_is_root())
		return vcl_error_set(err, VCL_E_ENV, 0, "The %s peer needs root", rt->name);
	if (find_bin(rt, err) < 0)
		return -1;
	dir = mkdtemp(tmpl);
	if (dir == NULL)
		return vcl_fail(err, errno, "Create a trial bundle folder");
	snprintf(p, sizeof(p), "%s/rootfs", dir);
	snprintf(log, sizeof(log), "%s/log", dir);
	snprintf(root, sizeof(root), "%s/state", dir);
	snprintf(id, sizeof(id), "vclab-probe-%d", (int)getpid());
	snprintf(cgp, sizeof(cgp), "vclab/probe-%d", (int)getpid());
	if (mkdir(p, 0755) < 0 || mkdir(root, 0700) < 0) {
		ret = vcl_fail(err, errno, "Create the trial bundle in %s", dir);
		goto out;
	}
	snprintf(p, sizeof(p), "%s/rootfs/proc", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/rootfs/dev", dir);
	mkdir(p, 0755);
	ret = vcl_rt_trial_bundle(dir, &cfg, err);
	if (ret == 0)
		ret = vcl_rt_write_config(dir, cfg, err);
	if (ret == 0) {
		char *argv[8 + VCL_RT_MAX_GLOBAL];
		size_t n = rt_head(rt, root, argv);

		argv[n++] = (char *)"run";
		argv[n++] = (char *)"--bundle";
		argv[n++] = (char *)dir;
		argv[n++] = id;
		argv[n] = NULL;
		ret = run_trial(rt, argv, root, id, log, &status, err);
		if (ret == 0 && status != 0)
			ret = rt_failed(rt, "run of a trivial container", status, log, VCL_E_ENV,
					err);
	}
out:
	/* The runtime removes its cgroup when the container ends; this only
	 * catches what a failed run left. */
	{
		struct vcl_error *e = NULL;

		if (vcl_cgroup_remove_path(cgp, &e) < 0)
			vcl_error_free(e);
		rmdir_everywhere(cgp);
	}
	rm_quiet(dir);
	return ret < 0 ? vcl_error_wrap(err, "%s cannot run containers here", rt->name) : 0;
}

int vcl_rt_probe(const struct vcl_runtime *tmpl, struct vcl_error **err)
{
	struct vcl_runtime rt = *tmpl; /* its binary is looked up again by prepare */

	return rt_probe(&rt, err);
}

/* ---- the ops ------------------------------------------------------------ */

static char *rt_dir(const struct vcl_spec *spec, const struct vcl_runtime *rt)
{
	char *d = NULL;

	if (asprintf(&d, "%s/%s", spec->state_dir, rt->name) < 0)
		return NULL;
	return d;
}

/* One run of a runtime (prepare()'s context): the runtime as probe() left
 * it (its binary, its global flags), and the run's hold on the rootfs. */
struct rt_run {
	struct vcl_runtime rt;
	struct vcl_ctr_rootfs fs;
};

int vcl_rt_prepare(const struct vcl_runtime *tmpl, const struct vcl_spec *spec, void **ctx,
		   struct vcl_error **err)
{
	cleanup_free struct rt_run *run = malloc(sizeof(*run));
	cleanup_free char *dir = NULL;

	if (run == NULL)
		return vcl_fail(err, ENOMEM, "Prepare %s", tmpl->name);
	*run = (struct rt_run){.rt = *tmpl};
	if (find_bin(&run->rt, err) < 0)
		return -1;
	if (vcl_ctr_rootfs_prepare(spec, &run->fs, err) < 0)
		return -1;
	dir = rt_dir(spec, &run->rt);
	if (dir == NULL || vcl_ledger_add(spec->ledger, err, "dir %s", dir) < 0 ||
	    vcl_mkdir_p(dir, err) < 0) {
		vcl_ctr_rootfs_release(&run->fs);
		if (dir == NULL)
			return vcl_fail(err, ENOMEM, "Prepare %s", tmpl->name);
		return vcl_error_wrap(err, "Prepare %s", tmpl->name);
	}
	*ctx = steal_ptr(run);
	return 0;
}

void vcl_rt_cleanup(void *ctx, const struct vcl_spec *spec)
{
	struct rt_run *run = ctx;
	cleanup_free char *dir = NULL;
	char rel[128];

	if (run == NULL)
		return;
	dir = rt_dir(spec, &run->rt);
	if (dir != NULL)
		rm_quiet(dir);
	snprintf(rel, sizeof(rel), "vclab/%s", spec->run_id);
	rmdir_everywhere(rel);
	vcl_ctr_rootfs_release(&run->fs);
	free(run);
}

static void rt_priv_free(struct rt_priv *p)
{
	if (p == NULL)
		return;
	vcl_cgroup_freep(&p->cg);
	free(p->bundle);
	free(p->root);
	free(p);
}

/* `RT --root ROOT [global] VERB [FLAG] ID`, waited for; a non-zero exit is
 * an error in the runtime's own words. */
static int rt_call(const struct vcl_runtime *rt, const char *root, const char *verb,
		   const char *flag, const char *id, const char *log, struct vcl_error **err)
{
	char *argv[8 + VCL_RT_MAX_GLOBAL];
	size_t n = rt_head(rt, root, argv);
	int status = 0;

	argv[n++] = (char *)verb;
	if (flag != NULL)
		argv[n++] = (char *)flag;
	argv[n++] = (char *)id;
	argv[n] = NULL;
	if (run_rt(rt, argv, log, -1, &status, err) < 0)
		return -1;
	if (status != 0)
		return rt_failed(rt, verb, status, log, VCL_E_FAIL, err);
	return 0;
}

int vcl_rt_delete(const struct vcl_runtime *rt, const char *root, const char *id, const char *log,
		  struct vcl_error **err)
{
	return rt_call(rt, root, "delete", "--force", id, log, err);
}

/* `runc delete --force`, then make sure the cgroup is gone, then the bundle. */
static int rt_remove(struct vcl_instance *inst, struct rt_priv *p, struct vcl_error **err)
{
	char log[600];
	int ret;

	snprintf(log, sizeof(log), "%s/delete.log", p->bundle);
	ret = vcl_rt_delete(p->rt, p->root, p->id, log, err);
	/* Missing folders are fine: runc removed them. */
	if (vcl_cgroup_remove_path(p->cgpath, ret < 0 ? NULL : err) < 0 && ret == 0)
		ret = -1;
	if (p->svc_root)
		vcl_ctr_svc_root_release(p->bundle);
	rm_quiet(p->bundle);
	return ret;
}

/* ---- pods: the other containers, joining the sandbox by path ---------- */

/* Remove member k (delete, cgroup, overlay, bundle), quietly. */
static void member_remove(struct rt_priv *p, struct rt_member *k)
{
	char log[600];

	if (k->made) {
		snprintf(log, sizeof(log), "%s/delete.log", k->bundle);
		vcl_rt_delete(p->rt, p->root, k->id, log, NULL);
		vcl_cgroup_remove_path(k->cgpath, NULL);
		if (k->svc_root)
			vcl_ctr_svc_root_release(k->bundle);
		rm_quiet(k->bundle);
	}
	vcl_cgroup_freep(&k->cg);
	free(k->bundle);
	memset(k, 0, sizeof(*k));
}

/* Every member, then the sandbox holder: before the main container (its
 * cgroup is their parent). */
static void pod_remove(struct rt_priv *p)
{
	for (size_t i = p->nmembers; i-- > 0;)
		member_remove(p, &p->member[i]);
	p->nmembers = 0;
	if (p->holder > 0)
		vcl_proc_kill_reap(p->holder, p->holder_fd, SIGKILL, 0, NULL);
	p->holder = 0;
	vcl_closep(&p->holder_fd);
}

/* `RT run [-d] --pid-file F --bundle B ID` of member k, waited for: the
 * container's own exit status in the foreground (init containers). */
static int member_run(const struct rt_priv *p, const struct rt_member *k, bool detach,
		      const char *log, int *status, struct vcl_error **err)
{
	char *argv[16 + VCL_RT_MAX_GLOBAL], pidfile[600];
	size_t n = rt_head(p->rt, p->root, argv);

	snprintf(pidfile, sizeof(pidfile), "%s/pid", k->bundle);
	argv[n++] = (char *)"run";
	if (detach)
		argv[n++] = (char *)"-d";
	argv[n++] = (char *)"--pid-file";
	argv[n++] = pidfile;
	argv[n++] = (char *)"--bundle";
	argv[n++] = k->bundle;
	argv[n++] = (char *)k->id;
	argv[n] = NULL;
	return run_rt(p->rt, argv, log, -1, status, err);
}

/* Start member m: an init container in the foreground, to completion
 * (anything but exit 0 fails the launch); another detached. */
static int member_start(struct vcl_launch *l, const char *dir, const struct vcl_svc_spec *m,
			struct vcl_error **err)
{
	struct rt_priv *p = l->priv;
	struct rt_member *k;
	cleanup_free char *pidtext = NULL;
	char log[700], pidfile[600];
	int status = 0;
	long pid;

	if (p->nmembers >= RT_POD_MAX)
		return vcl_usage(err, "A pod of more than %d containers", RT_POD_MAX + 1);
	k = &p->member[p->nmembers++];
	if (vcl_rt_member_bundle(l, dir, m, k, err) < 0)
		return -1;
	snprintf(log, sizeof(log), "%s/run.log", k->bundle);
	if (member_run(p, k, !m->init, log, &status, err) < 0)
		return -1;
	if (m->init && status != 0)
		return vcl_error_set(
		    err, VCL_E_DIED, 0, "Init container %s exited with status %d (its output: %s)",
		    m->ctr_name, WIFEXITED(status) ? WEXITSTATUS(status) : -1, log);
	if (m->init)
		return 0;
	if (status != 0)
		return rt_failed(p->rt, "run", status, log, VCL_E_FAIL, err);
	snprintf(pidfile, sizeof(pidfile), "%s/pid", k->bundle);
	if (vcl_read_file(pidfile, &pidtext, NULL, err) < 0)
		return -1;
	pid = strtol(pidtext, NULL, 10);
	if (pid <= 1 || vcl_ledger_add_pid(l->spec->ledger, (pid_t)pid, err) < 0)
		return pid <= 1 ? vcl_fail(err, 0, "Bad pid file %s", pidfile) : -1;
	return vcl_cgroup_open_pid((pid_t)pid, &k->cg, err);
}

/* The whole pod: the processes of every container's cgroup; the cgroup
 * figures of the main one's, the parent of the others (hierarchical). */
static int pod_sample(struct rt_priv *p, struct vcl_mem *mem, struct vcl_error **err)
{
	cleanup_free pid_t *all = NULL;
	size_t nall = 0;
	struct vcl_cg_stats st;

	for (size_t i = 0; i <= p->nmembers; i++) {
		struct vcl_cgroup *cg = i == 0 ? p->cg : p->member[i - 1].cg;
		cleanup_free pid_t *pids = NULL;
		size_t n = 0;
		pid_t *grown;

		if (cg == NULL)
			continue;
		if (vcl_cgroup_pids(cg, &pids, &n, err) < 0)
			return -1;
		grown = realloc(all, (nall + n + 1) * sizeof(*all));
		if (grown == NULL)
			return vcl_fail(err, ENOMEM, "Sample the pod");
		all = grown;
		memcpy(all + nall, pids, n * sizeof(*pids));
		nall += n;
	}
	if (vcl_sample_pids(all, nall, mem, err) < 0 || vcl_cgroup_stats(p->cg, &st, err) < 0)
		return vcl_error_wrap(err, "Sample the pod of %s", p->cgpath);
	vcl_mem_set_cgroup(mem, &st);
	return 0;
}

/* Timed, before the main container: the sandbox, then the init
 * containers one by one to completion (the kubelet counts them in the
 * pod's startup), then the main container's config (it joins the
 * sandbox too). */
static int pod_before(struct vcl_launch *l, const char *dir, struct vcl_error **err)
{
	struct rt_priv *p = l->priv;

	if (p->rt->create_start)
		return vcl_usage(err, "%s runs one-container pods only", p->rt->name);
	if (vcl_ctr_sandbox_start(l->spec, NULL, l->inst->name, &p->holder, &p->holder_fd, NULL,
				  err) < 0)
		return -1;
	for (const struct vcl_svc_spec *const *m = l->spec->svc->pod; *m != NULL; m++)
		if ((*m)->init && member_start(l, dir, *m, err) < 0)
			return -1;
	return 0;
}

/* After the main container: the pod's other app containers. */
static int pod_after(struct vcl_launch *l, const char *dir, struct vcl_error **err)
{
	for (const struct vcl_svc_spec *const *m = l->spec->svc->pod; *m != NULL; m++)
		if (!(*m)->init && member_start(l, dir, *m, err) < 0)
			return -1;
	return 0;
}

/* The create call, t0 to `created`: `run -d --preserve-fds 1` with the
 * READY pipe as fd 3, or (create_start) `create`, which for runsc returns
 * once the sandbox has booted and its gofer serves the rootfs. */
static int rt_create(const struct vcl_runtime *rt, const struct rt_priv *p, const char *id,
		     const char *pidfile, const char *log, int ready_w, int *status,
		     struct vcl_error **err)
{
	char *argv[16 + VCL_RT_MAX_GLOBAL];
	size_t n = rt_head(rt, p->root, argv);

	argv[n++] = rt->create_start ? (char *)"create" : (char *)"run";
	if (!rt->create_start) {
		argv[n++] = (char *)"-d";
		argv[n++] = (char *)"--preserve-fds";
		argv[n++] = (char *)"1";
	}
	argv[n++] = (char *)"--pid-file";
	argv[n++] = (char *)pidfile;
	argv[n++] = (char *)"--bundle";
	argv[n++] = p->bundle;
	argv[n++] = (char *)id;
	argv[n] = NULL;
	return run_rt(rt, argv, log, rt->create_start ? -1 : ready_w, status, err);
}

/* create_start: the runtime's between() hook, then `start`. */
static int rt_start(const struct vcl_runtime *rt, const struct rt_priv *p,
		    struct vcl_instance *inst, const char *log, struct vcl_error **err)
{
	if (rt->between != NULL && rt->between(inst, err) < 0)
		return -1;
	return rt_call(rt, p->root, "start", NULL, p->id, log, err);
}

static void rt_launch_close(struct rt_launch *rl)
{
	free(rl->dir);
	vcl_closep(&rl->ready_r);
	vcl_closep(&rl->ready_w);
}

/* Names and paths of the bundle, the runtime's state and cgroup. */
static int rt_names(struct vcl_launch *l, struct vcl_error **err)
{
	const struct vcl_spec *spec = l->spec;
	struct rt_launch *rl = l->arg;
	struct rt_priv *p = l->priv;

	p->rt = rl->rt;
	snprintf(p->id, sizeof(p->id), "%s%s", l->inst->name,
		 rl->rt->id_suffix != NULL ? rl->rt->id_suffix : "");
	rl->args[6] = p->id;
	if (rl->rt->create_start) { /* no READY fd to hand through */
		rl->args[3] = rl->args[5];
		rl->args[4] = p->id;
		rl->args[5] = NULL;
	}
	snprintf(rl->listen, sizeof(rl->listen), "127.0.0.1:%u", VCL_CTR_PORT);
	snprintf(p->cgpath, sizeof(p->cgpath), "vclab/%s/%u", spec->run_id, spec->index);
	snprintf(rl->abscg, sizeof(rl->abscg), "/%s", p->cgpath);
	if (asprintf(&p->bundle, "%s/%u", rl->dir, spec->index) < 0 ||
	    asprintf(&p->root, "%s/state", rl->dir) < 0) {
		p->bundle = p->root = NULL;
		return vcl_fail(err, ENOMEM, "Launch %s", rl->rt->name);
	}
	snprintf(rl->log, sizeof(rl->log), "%s/run.log", p->bundle);
	snprintf(rl->pidfile, sizeof(rl->pidfile), "%s/pid", p->bundle);
	return 0;
}

/* The bundle (recorded first, with the runtime's cgroup), the cgroup when
 * the runtime wants it made, the config, the READY pipe, the runtime's
 * own ledger record. */
static int rt_setup(struct vcl_launch *l, struct vcl_error **err)
{
	const struct vcl_spec *spec = l->spec;
	struct rt_launch *rl = l->arg;
	struct rt_priv *p = l->priv;

	if (rt_names(l, err) < 0 || vcl_launch_record(l, err, "dir %s", p->bundle) < 0 ||
	    vcl_launch_record(l, err, "cgroup %s", p->cgpath) < 0)
		return -1;
	if (mkdir(p->bundle, 0755) < 0)
		return vcl_fail(err, errno, "Create bundle %s", p->bundle);
	p->made = true;
	if (rl->rt->own_cgroup) {
		struct vcl_cgroup *cg = NULL;

		if (vcl_cgroup_create(spec->ledger, p->cgpath, &spec->limits, spec->cpuset, &cg,
				      err) < 0)
			return -1;
		vcl_cgroup_free(cg); /* the runtime fills it; rt_remove removes it */
	}
	/* A pod's main container gets its config once the sandbox exists. */
	if ((!is_pod(spec) && vcl_rt_config(l, err) < 0) ||
	    vcl_ctr_ready_pipe(&rl->ready_r, &rl->ready_w, err) < 0)
		return -1;
	if (rl->rt->ledger_kind != NULL &&
	    vcl_launch_record(l, err, "%s %s %s", rl->rt->ledger_kind, p->root, p->id) < 0)
		return -1;
	return 0;
}

/* Timed: the create call (rt_create). */
static int rt_launch_start(struct vcl_launch *l, struct vcl_error **err)
{
	struct rt_launch *rl = l->arg;
	struct rt_priv *p = l->priv;

	if (is_pod(l->spec) && (pod_before(l, rl->dir, err) < 0 || vcl_rt_config(l, err) < 0))
		return -1;
	p->started = true;
	return rt_create(rl->rt, p, p->id, rl->pidfile, rl->log, rl->ready_w, &rl->status, err);
}

/* Its status, then the container's init from the pid file (recorded), its
 * pidfd, netns and cgroup, `start` for create_start, and the endpoint. */
static int rt_finish(struct vcl_launch *l, struct vcl_error **err)
{
	const struct vcl_spec *spec = l->spec;
	struct vcl_instance *inst = l->inst;
	struct rt_launch *rl = l->arg;
	struct vcl_runtime *rt = rl->rt;
	struct rt_priv *p = l->priv;
	cleanup_free char *pidtext = NULL;
	char nspath[64];
	long pid;

	vcl_closep(&rl->ready_w);
	if (rl->status != 0)
		return rt_failed(rt, rt->create_start ? "create" : "run", rl->status, rl->log,
				 VCL_E_FAIL, err);
	if (vcl_read_file(rl->pidfile, &pidtext, NULL, err) < 0)
		return -1;
	pid = strtol(pidtext, NULL, 10);
	if (pid <= 1)
		return vcl_fail(err, 0, "Bad pid file %s: %.20s", rl->pidfile, pidtext);
	inst->pid = (pid_t)pid;
	if (vcl_ledger_add_pid(spec->ledger, inst->pid, err) < 0)
		return -1;
	inst->exit_fd = vcl_pidfd_open(inst->pid);
	snprintf(nspath, sizeof(nspath), "/proc/%ld/ns/net", pid);
	inst->ep.netns_fd = open(nspath, O_RDONLY | O_CLOEXEC);
	if (inst->exit_fd < 0 || inst->ep.netns_fd < 0)
		return vcl_fail(err, errno, "Open the pidfd and %s of container %s", nspath,
				inst->name);
	if (vcl_cgroup_open_pid(inst->pid, &p->cg, err) < 0 ||
	    (rt->create_start && rt_start(rt, p, inst, rl->log, err) < 0))
		return -1;
	if (is_pod(spec) && pod_after(l, rl->dir, err) < 0)
		return -1;
	snprintf(inst->ep.addr, sizeof(inst->ep.addr), "127.0.0.1");
	inst->ep.port = spec->svc != NULL ? spec->svc->port : VCL_CTR_PORT;
	if (spec->svc == NULL && !rt->create_start)
		inst->ready_fd = steal_fd(rl->ready_r);
	snprintf(inst->cgroup, sizeof(inst->cgroup), "%s", p->cgpath);
	return 0;
}

/* `delete -f` once the create call was made (it removes the cgroup and
 * bundle too), else the bundle (and a service's overlay root) alone. */
static void rt_undo(struct vcl_launch *l, struct vcl_error **err)
{
	struct rt_priv *p = l->priv;
	struct vcl_error *e = NULL;

	(void)err;
	pod_remove(p);
	if (p->started) {
		if (rt_remove(l->inst, p, &e) < 0)
			vcl_error_free(e);
	} else if (p->made) {
		if (p->svc_root)
			vcl_ctr_svc_root_release(p->bundle);
		rm_quiet(p->bundle);
	}
	vcl_cgroup_freep(&p->cg);
	free(p->bundle);
	free(p->root);
}

static const struct rt_priv rt_priv_init = {.holder_fd = -1};

static const struct vcl_launch_hooks rt_hooks = {
    .what = "container",
    .priv_size = sizeof(struct rt_priv),
    .priv_init = &rt_priv_init,
    .setup = rt_setup,
    .start = rt_launch_start,
    .finish = rt_finish, /* records the pid: known from the pid file only */
    .undo = rt_undo,
};

static int rt_run_launch(struct rt_run *run, const struct vcl_spec *spec, struct vcl_instance **out,
			 struct vcl_error **err)
{
	static char a_payload[] = VCL_CTR_PAYLOAD, a_listen[] = "--listen",
		    a_ready[] = "--ready-fd", a_three[] = "3", a_name[] = "--name";
	__attribute__((cleanup(rt_launch_close))) struct rt_launch rl = {
	    .rt = &run->rt,
	    /* A service: the image's rootfs, read-only, /tmp a tmpfs. */
	    .rootfs = spec->svc != NULL ? spec->svc->rootfs : run->fs.path,
	    .dir = rt_dir(spec, &run->rt),
	    .ready_r = -1,
	    .ready_w = -1,
	};
	char *args[] = {a_payload, a_listen, rl.listen, a_ready, a_three, a_name, NULL, NULL};
	struct vcl_launch l = {
	    .spec = spec, .ops = run->rt.ops, .ctx = run, .arg = &rl, .who = run->rt.name};

	if (rl.rootfs == NULL)
		return vcl_usage(err, "%s launch before prepare()", run->rt.name);
	if (rl.dir == NULL)
		return vcl_fail(err, ENOMEM, "Launch %s", run->rt.name);
	memcpy(rl.args, args, sizeof(args));
	return vcl_launch(&rt_hooks, &l, out, err);
}

int vcl_rt_launch(void *ctx, const struct vcl_spec *spec, struct vcl_instance **out,
		  struct vcl_error **err)
{
	if (ctx == NULL)
		return vcl_usage(err, "OCI runtime launch before prepare()");
	return rt_run_launch(ctx, spec, out, err);
}

int vcl_rt_ready(struct vcl_instance *inst, struct vcl_error **err)
{
	struct rt_priv *p = inst->priv;

	return vcl_ctr_ready_feed(inst, &p->rl, err);
}

int vcl_rt_exited(struct vcl_instance *inst, struct vcl_error **err)
{
	struct rt_priv *p = inst->priv;

	return vcl_ctr_detached_exited(p->rt->name, inst->name, p->cg, err);
}

int vcl_rt_sample(struct vcl_instance *inst, struct vcl_mem *mem, struct vcl_error **err)
{
	struct rt_priv *p = inst->priv;

	memset(mem, 0, sizeof(*mem));
	if (p->nmembers > 0)
		return pod_sample(p, mem, err);
	if (vcl_sample_cgroup(p->cg, mem, err) < 0)
		return vcl_error_wrap(err, "Sample %s container %s", p->rt->name, inst->name);
	return 0;
}

int vcl_rt_destroy(struct vcl_instance *inst, struct vcl_error **err)
{
	struct rt_priv *p;
	int ret = 0;

	if (inst == NULL)
		return 0;
	p = inst->priv;
	if (p != NULL) {
		pod_remove(p);
		ret = rt_remove(inst, p, err);
		if (ret < 0)
			vcl_error_wrap(err, "Destroy %s container %s", p->rt->name, inst->name);
		rt_priv_free(p);
	}
	vcl_instance_free(inst);
	return ret;
}

/* An exec probe: `RT exec ID ARGV...`, the process of the container's
 * config (user, additionalGids, env, cwd, capabilities, seccomp) with
 * another argv, as containerd's ExecSync asks it; killed at timeout_ms. */
static int rt_exec(struct vcl_instance *inst, char *const *argv, unsigned timeout_ms, int *status,
		   struct vcl_error **err)
{
	struct rt_priv *p = inst->priv;
	char *args[64 + VCL_RT_MAX_GLOBAL];
	size_t n = rt_head(p->rt, p->root, args), k;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	pid_t pid;
	int r;

	args[n++] = (char *)"exec";
	args[n++] = inst->name;
	for (k = 0; argv[k] != NULL && n + 1 < sizeof(args) / sizeof(args[0]); k++)
		args[n++] = argv[k];
	args[n] = NULL;
	if (argv[k] != NULL)
		return vcl_usage(err, "Exec probe of %s: too many arguments", inst->name);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&at, 0);
	r = posix_spawn(&pid, p->rt->bin, &fa, &at, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (r != 0)
		return vcl_fail(err, r, "Exec probe: start %s exec", p->rt->name);
	if (vcl_wait_timeout(pid, timeout_ms, status) < 0)
		return vcl_fail(err, errno, "Exec probe: wait for %s exec", p->rt->name);
	return 0;
}

VCL_CTR_PEER_WRAPPERS(runc, vcl_rt, runc_rt)
VCL_CTR_PEER_WRAPPERS(crun, vcl_rt, crun_rt)

/* What runc and crun share in their ops: all but the name and what their
 * memory figure covers. N: the runtime's name, the prefix of its
 * VCL_CTR_PEER_WRAPPERS. */
#define RT_OPS(n)                                                                                  \
	.is_peer = true, .family = VCL_FAMILY_CONTAINER, .peer_of = "ctr", .runs_services = true,  \
	.runs_pods = true, .probe = n##_probe, .prepare = n##_prepare, .launch = n##_launch,       \
	.ready = vcl_rt_ready, .exited = vcl_rt_exited, .sample = vcl_rt_sample, .exec = rt_exec,  \
	.destroy = vcl_rt_destroy, .cleanup = n##_cleanup

const struct vcl_backend_ops vcl_runc_ops = {
    .name = "runc",
    RT_OPS(runc),
    .mem_covers = "the container's processes (PSS) and its cgroup's kernel memory; runc "
		  "itself has exited once the container runs",
};

const struct vcl_backend_ops vcl_crun_ops = {
    .name = "crun",
    RT_OPS(crun),
    .mem_covers = "the container's processes (PSS) and its cgroup's kernel memory; crun "
		  "itself has exited once the container runs",
};
