/* SPDX-License-Identifier: MIT */
/*
 * Same-run peers of the ctr placement that users actually run: podman and
 * docker. The image is ctr's own rootfs (the static payload, /proc, /dev),
 * imported into the engine's local storage once per run as
 * [localhost/]vclab-<run>:payload and never pulled; each instance is
 * `ENGINE run -d --rm` with the limits, seccomp filter, read-only root, no
 * capabilities and own loopback-only network namespace of ctr and runc
 * (engine_args.c builds the argv; docs/ctr.md lists what still differs).
 *
 * Timed launch: t.start just before the engine's CLI is spawned, t.created
 * when it returns (the container is running), then the harness's probe to
 * the first 200, entering the container's netns through /proc/PID/ns/net.
 * podman hands the payload's READY fd through (--preserve-fds 1); docker
 * cannot, so its READY phase is absent.
 *
 * Memory: the container's cgroup (its processes, kernel memory) plus the
 * engine's per-container helper -- conmon for podman, containerd-shim for
 * docker -- which is the container init's parent. The engine's daemons
 * (dockerd, containerd; podman has none) are recorded beside the figure.
 *
 * Leftovers: prepare() writes one ledger record "engine ENGINE RUN" before
 * the image or any container exists; its undo (vcl_engine_undo, for
 * teardown and `vclab gc`) removes every container named vclab-<run>-<n>
 * and every image vclab-<run>:* from the engine's storage. destroy()
 * removes its container by id and waits for the helper to exit.
 *
 * The user's service (issue 14, --image): the image the other placements
 * unpacked is written by the image layer (svc->export_archive, skopeo) as a
 * docker-archive tagged localhost/vclab-<run>:svc and `podman load`ed /
 * `docker load`ed once per run (image_from_archive); a rootfs:DIR service
 * has no image and is imported from its folder (image_from_rootfs). Its
 * instances run the image's resolved entrypoint, environment, folder and
 * user, with a tmpfs /tmp, as runc does; readiness is the harness's port
 * and HTTP probe, as for every placement running a service.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cgroup.h"
#include "core/cleanup.h"
#include "core/launch.h"
#include "core/ledger.h"
#include "core/proc.h"
#include "core/results.h"
#include "core/sample.h"
#include "core/util.h"
#include "ctr/ctr.h"
#include "ctr/engine_internal.h"

extern char **environ;

/* Where a docker daemon answers, if one runs (scripts/services.sh starts
 * one by hand on hosts without systemd). */
#define DOCKER_SOCK "/var/run/docker.sock"
/* How long destroy waits for the helper (conmon, shim) to exit. */
#define HELPER_EXIT_MS 5000

static struct engine podman_eng = {
    .name = "podman", .kind = VCL_ENGINE_PODMAN, .ops = &vcl_podman_ops};
static struct engine docker_eng = {
    .name = "docker", .kind = VCL_ENGINE_DOCKER, .ops = &vcl_docker_ops};

static struct engine *engine_by_name(const char *name)
{
	if (strcmp(name, "podman") == 0)
		return &podman_eng;
	if (strcmp(name, "docker") == 0)
		return &docker_eng;
	return NULL;
}

static int find_bin(struct engine *e, struct vcl_error **err)
{
	if (e->bin[0] != '\0')
		return 0;
	return vcl_ctr_find_bin(e->name, e->bin, sizeof(e->bin), err);
}

/* Run the engine and read what it printed on stdout into *out (may be
 * NULL). Files in dir, not pipes: `run -d` leaves a detached helper that
 * would hold a pipe open. */
static int eng_call(struct engine *e, const char *dir, const char *verb, char *const argv[],
		    int ready_w, char **out, enum vcl_error_kind kind, struct vcl_error **err)
{
	char opath[600], lpath[600];
	int status = 0;

	snprintf(opath, sizeof(opath), "%s/%s.out", dir, verb);
	snprintf(lpath, sizeof(lpath), "%s/%s.log", dir, verb);
	if (vcl_ctr_spawn_wait(e->bin, argv, opath, lpath, ready_w, &status, err) < 0)
		return -1;
	if (status != 0)
		return vcl_ctr_tool_failed(e->name, verb, status, lpath, kind, err);
	if (out != NULL && vcl_read_file(opath, out, NULL, err) < 0)
		return -1;
	return 0;
}

/* The same, in a scratch folder of its own (probe, undo: no run folder). */
static int eng_call_tmp(struct engine *e, const char *verb, char *const argv[], char **out,
			struct vcl_error **err)
{
	char tmpl[] = "/tmp/vclab-engine-XXXXXX";
	const char *dir = mkdtemp(tmpl);
	struct vcl_error *e2 = NULL;
	int r;

	if (dir == NULL)
		return vcl_fail(err, errno, "Create a scratch folder for %s %s", e->name, verb);
	r = eng_call(e, dir, verb, argv, -1, out, VCL_E_ENV, err);
	if (vcl_rm_rf(dir, &e2) < 0)
		vcl_error_free(e2);
	return r;
}

static void trim(char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* ---- probe ------------------------------------------------------------- */

static int eng_probe(struct engine *e, struct vcl_error **err)
{
	cleanup_free char *out = NULL;
	int r;

	if (!vcl_is_root())
		return vcl_error_set(err, VCL_E_ENV, 0, "The %s peer needs root", e->name);
	if (find_bin(e, err) < 0)
		return -1;
	if (e->kind == VCL_ENGINE_DOCKER && access(DOCKER_SOCK, F_OK) < 0)
		return vcl_error_set(err, VCL_E_ENV, errno,
				     "No docker daemon: %s does not exist (no systemd here: "
				     "scripts/services.sh starts dockerd by hand)",
				     DOCKER_SOCK);
	{
		char *const argv[] = {e->bin, (char *)"version", (char *)"--format",
				      e->kind == VCL_ENGINE_DOCKER ? (char *)"{{.Server.Version}}"
								   : (char *)"{{.Client.Version}}",
				      NULL};

		r = eng_call_tmp(e, "version", argv, &out, err);
	}
	if (r < 0)
		return vcl_error_wrap(err, e->kind == VCL_ENGINE_DOCKER
					       ? "No docker daemon answers on " DOCKER_SOCK
					       : "podman cannot run here");
	trim(out);
	snprintf(e->version, sizeof(e->version), "%s", out != NULL ? out : "");
	return 0;
}

/* ---- prepare / cleanup ------------------------------------------------- */

static void host_limits(struct vcl_engine_host *h)
{
	struct rlimit rl;
	uint64_t pm = 0;

	memset(h, 0, sizeof(*h));
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY)
		h->nofile_hard = rl.rlim_max;
	if (getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_max != RLIM_INFINITY)
		h->nproc_hard = rl.rlim_max;
	if (vcl_read_u64("/proc/sys/kernel/pid_max", &pm, NULL) == 0)
		h->pid_max = pm;
}

static int write_seccomp(struct engine *e, struct vcl_error **err)
{
	cleanup_json struct json_object *sc = vcl_seccomp_oci();
	const char *text;

	snprintf(e->seccomp, sizeof(e->seccomp), "%s/seccomp.json", e->dir);
	text = sc != NULL ? json_object_to_json_string_ext(sc, JSON_C_TO_STRING_PLAIN) : NULL;
	if (text == NULL)
		return vcl_fail(err, ENOMEM, "Serialise the seccomp filter");
	return vcl_write_atomic(e->seccomp, text, strlen(text), err);
}

/* The built-in payload's image: ctr's rootfs as a tar, imported with no
 * entrypoint of its own (each run names the payload). */
static int image_from_rootfs(struct engine *e, const char *rootfs, struct vcl_error **err)
{
	char tar[600], tarbin[256];
	int status = 0;

	snprintf(tar, sizeof(tar), "%s/rootfs.tar", e->dir);
	if (vcl_ctr_find_bin("tar", tarbin, sizeof(tarbin), err) < 0)
		return -1;
	{
		char log[600];
		char *const argv[] = {tarbin,	     (char *)"--numeric-owner",
				      (char *)"-C",  (char *)rootfs,
				      (char *)"-cf", tar,
				      (char *)".",   NULL};

		snprintf(log, sizeof(log), "%s/tar.log", e->dir);
		if (vcl_ctr_spawn_wait(tarbin, argv, NULL, log, -1, &status, err) < 0)
			return -1;
		if (status != 0)
			return vcl_ctr_tool_failed("tar", "of the rootfs", status, log, VCL_E_FAIL,
						   err);
	}
	{
		char *const argv[] = {e->bin, (char *)"import", tar, e->image, NULL};

		if (eng_call(e, e->dir, "import", argv, -1, NULL, VCL_E_FAIL, err) < 0)
			return -1;
	}
	unlink(tar);
	return 0;
}

/* The user's image: exported by the image layer as a docker-archive
 * tagged e->image, loaded into the engine's storage (never pulled). */
static int image_from_archive(struct engine *e, const struct vcl_svc_spec *svc,
			      struct vcl_error **err)
{
	char tar[600];

	snprintf(tar, sizeof(tar), "%s/image.tar", e->dir);
	if (svc->export_archive(svc, tar, e->image, err) < 0)
		return -1;
	{
		char *const argv[] = {e->bin, (char *)"load", (char *)"-q", (char *)"-i", tar,
				      NULL};

		if (eng_call(e, e->dir, "load", argv, -1, NULL, VCL_E_FAIL, err) < 0)
			return -1;
	}
	unlink(tar);
	return 0;
}

/* What a service needs of this peer, checked before anything is made. */
static int service_check(const struct engine *e, const struct vcl_spec *spec,
			 struct vcl_error **err)
{
	if (spec->svc->rootfs == NULL)
		return vcl_usage(err, "%s needs an image or a rootfs: --binary runs on bare only",
				 e->name);
	if (spec->ctr_userns)
		return vcl_usage(err, "%s with --ctr-userns cannot run a user's service yet",
				 e->name);
	return 0;
}

static int eng_run_prepare(struct engine *e, const struct vcl_spec *spec, struct vcl_error **err)
{
	const struct vcl_svc_spec *svc = spec->svc;
	struct vcl_engine_host h;
	char repo[96], cg[160];

	if (find_bin(e, err) < 0 || (svc != NULL && service_check(e, spec, err) < 0))
		return -1;
	if (vcl_ctr_rootfs_prepare(spec, &e->fs, err) < 0)
		return -1;
	snprintf(e->run_id, sizeof(e->run_id), "%s", spec->run_id);
	snprintf(e->dir, sizeof(e->dir), "%s/%s", spec->state_dir, e->name);
	if (vcl_engine_image_repo(repo, sizeof(repo), spec->run_id) < 0) {
		vcl_usage(err, "Run id %s is too long for an image name", spec->run_id);
		goto fail;
	}
	/* A loaded archive keeps its tag as written: localhost/ for both. */
	if (svc != NULL)
		snprintf(e->image, sizeof(e->image), "localhost/%s:svc", repo);
	else
		snprintf(e->image, sizeof(e->image), "%s%s:payload",
			 e->kind == VCL_ENGINE_PODMAN ? "localhost/" : "", repo);
	if (vcl_ledger_add(spec->ledger, err, "dir %s", e->dir) < 0 || vcl_mkdir_p(e->dir, err) < 0)
		goto fail;
	e->seccomp[0] = '\0';
	if (!spec->ctr_no_seccomp && write_seccomp(e, err) < 0)
		goto fail;
	host_limits(&h);
	e->nadj = vcl_engine_ulimits(e->kind, &h, e->adj, VCL_ENGINE_MAX_ADJUST);
	/* podman puts every conmon of the run in <cgroup-parent>/conmon;
	 * recorded first, so its undo comes after the engine's (newest first). */
	snprintf(cg, sizeof(cg), "vclab/%s/conmon", spec->run_id);
	if ((e->kind == VCL_ENGINE_PODMAN &&
	     vcl_ledger_add(spec->ledger, err, "cgroup %s", cg) < 0) ||
	    vcl_ledger_add(spec->ledger, err, "engine %s %s", e->name, spec->run_id) < 0)
		goto fail;
	if (svc != NULL && svc->export_archive != NULL) {
		e->source = "docker-archive of the image (skopeo), then load";
		if (image_from_archive(e, svc, err) < 0)
			goto fail;
	} else {
		e->source = svc != NULL ? "tar of the service's rootfs, then import"
					: "tar of ctr's payload rootfs, then import";
		if (image_from_rootfs(e, svc != NULL ? svc->rootfs : e->fs.path, err) < 0)
			goto fail;
	}
	return 0;
fail:
	vcl_ctr_rootfs_release(&e->fs);
	return vcl_error_wrap(err, "Prepare %s", e->name);
}

/* The run's context: a copy of the engine tmpl, prepared. */
static int eng_prepare(const struct engine *tmpl, const struct vcl_spec *spec, void **ctx,
		       struct vcl_error **err)
{
	struct engine *e = malloc(sizeof(*e));

	if (e == NULL)
		return vcl_fail(err, ENOMEM, "Prepare %s", tmpl->name);
	*e = *tmpl;
	e->fs = (struct vcl_ctr_rootfs){0};
	if (eng_run_prepare(e, spec, err) < 0) {
		free(e);
		return -1;
	}
	*ctx = e;
	return 0;
}

static void rm_quiet(const char *dir)
{
	struct vcl_error *e = NULL;

	if (dir[0] != '\0' && vcl_rm_rf(dir, &e) < 0)
		vcl_error_free(e);
}

/* Remove vclab/<run>[/<sub>] in every hierarchy. */
static void cg_quiet(const char *run_id, const char *sub)
{
	struct vcl_error *e = NULL;
	char rel[160];

	snprintf(rel, sizeof(rel), "vclab/%s%s%s", run_id, sub ? "/" : "", sub ? sub : "");
	if (vcl_cgroup_remove_path(rel, &e) < 0)
		vcl_error_free(e);
}

static void eng_cleanup(void *ctx, const struct vcl_spec *spec)
{
	struct engine *e = ctx;
	struct vcl_error *er = NULL;

	if (e == NULL)
		return;
	if (vcl_engine_undo(e->name, spec->run_id, false, false, &er) < 0) {
		vcl_warn("%s: %s", e->name, er->msg);
		vcl_error_free(er);
	}
	rm_quiet(e->dir);
	/* Engines make the parent in every hierarchy, as runc does. */
	cg_quiet(spec->run_id, "conmon");
	cg_quiet(spec->run_id, NULL);
	vcl_cgroup_remove_top(); /* the shared top, only when empty */
	vcl_ctr_rootfs_release(&e->fs);
	free(e);
}

/* ---- undo (ledger, gc) ------------------------------------------------- */

int vcl_engine_undo(const char *engine, const char *run_id, bool dry_run, bool print,
		    struct vcl_error **err)
{
	struct engine *e = engine_by_name(engine);
	cleanup_free char *ps = NULL;
	cleanup_free char *imgs = NULL;
	char *save = NULL;
	int ret = 0;

	if (e == NULL || run_id == NULL)
		return 0;
	if (find_bin(e, NULL) < 0)
		return 0; /* not installed: it holds nothing */
	if (e->kind == VCL_ENGINE_DOCKER && access(DOCKER_SOCK, F_OK) < 0)
		return 0; /* no daemon: its storage cannot be asked (kept for later) */
	{
		char *const argv[] = {e->bin,
				      (char *)"ps",
				      (char *)"-a",
				      (char *)"--format",
				      (char *)"{{.ID}} {{.Names}}",
				      NULL};

		if (eng_call_tmp(e, "ps", argv, &ps, err) < 0)
			return vcl_error_wrap(err, "List %s containers of run %s", engine, run_id);
	}
	for (char *l = strtok_r(ps, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		char *name = strchr(l, ' ');

		if (name == NULL || !vcl_engine_is_run_container(name + 1, run_id))
			continue;
		*name++ = '\0';
		if (print)
			printf("  %s %s container %s (%s)\n", dry_run ? "would remove" : "remove",
			       engine, name, l);
		if (!dry_run) {
			char *const pargv[] = {
			    e->bin, (char *)"rm", (char *)"-f", (char *)"-t", (char *)"0", l, NULL};
			char *const dargv[] = {e->bin, (char *)"rm", (char *)"-f", l, NULL};

			if (eng_call_tmp(e, "rm", e->kind == VCL_ENGINE_PODMAN ? pargv : dargv,
					 NULL, ret < 0 ? NULL : err) < 0)
				ret = -1;
		}
	}
	{
		char *const argv[] = {e->bin, (char *)"images", (char *)"--format",
				      (char *)"{{.Repository}}:{{.Tag}}", NULL};

		if (eng_call_tmp(e, "images", argv, &imgs, ret < 0 ? NULL : err) < 0)
			return -1;
	}
	for (char *l = strtok_r(imgs, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		if (!vcl_engine_is_run_image(l, run_id))
			continue;
		if (print)
			printf("  %s %s image %s\n", dry_run ? "would remove" : "remove", engine,
			       l);
		if (!dry_run) {
			char *const argv[] = {e->bin, (char *)"rmi", (char *)"-f", l, NULL};

			if (eng_call_tmp(e, "rmi", argv, NULL, ret < 0 ? NULL : err) < 0)
				ret = -1;
		}
	}
	return ret;
}

/* ---- launch / destroy -------------------------------------------------- */

/* What p holds, not p itself. */
static void priv_release(struct eng_priv *p)
{
	vcl_cgroup_freep(&p->cg);
	vcl_closep(&p->helper_fd);
}

static void priv_free(struct eng_priv *p)
{
	if (p == NULL)
		return;
	priv_release(p);
	free(p);
}

/* The first pid in the container's cgroup: its init (the payload). */
static int cgroup_first_pid(const char *rel, pid_t *pid, struct vcl_error **err)
{
	cleanup_free char *dir = vcl_cgroup_dir("pids", rel);
	cleanup_free char *text = NULL;
	char path[600];
	long v;

	if (dir == NULL)
		return vcl_fail(err, ENOMEM, "Cgroup %s", rel);
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if (vcl_read_file(path, &text, NULL, err) < 0)
		return -1;
	v = strtol(text, NULL, 10);
	if (v <= 1)
		return vcl_fail(err, ESRCH, "No process in %s", path);
	*pid = (pid_t)v;
	return 0;
}

/* Parent pid from /proc/PID/stat (the field after the parenthesised name). */
static pid_t parent_of(pid_t pid)
{
	cleanup_free char *text = NULL;
	char path[64];
	const char *p;
	int ppid = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (vcl_read_file(path, &text, NULL, NULL) < 0 || (p = strrchr(text, ')')) == NULL ||
	    sscanf(p + 1, " %*c %d", &ppid) != 1)
		return -1;
	return (pid_t)ppid;
}

/* `ENGINE rm -f ID`, then wait for the helper to go, then make sure the
 * container's cgroup is gone. */
static int eng_remove(struct vcl_instance *inst, struct eng_priv *p, struct vcl_error **err)
{
	struct engine *e = p->eng;
	int ret = 0;

	if (p->id[0] != '\0') {
		/* podman's rm -f waits the stop timeout (10 s) after SIGTERM,
		 * which a pid-1 payload without a handler ignores: -t 0 kills. */
		char *const pargv[] = {e->bin,	    (char *)"rm", (char *)"-f", (char *)"-t",
				       (char *)"0", p->id,	  NULL};
		char *const dargv[] = {e->bin, (char *)"rm", (char *)"-f", p->id, NULL};

		ret =
		    eng_call_tmp(e, "rm", e->kind == VCL_ENGINE_PODMAN ? pargv : dargv, NULL, err);
	}
	if (p->helper_fd >= 0 &&
	    poll(&(struct pollfd){.fd = p->helper_fd, .events = POLLIN}, 1, HELPER_EXIT_MS) == 0 &&
	    ret == 0)
		ret = vcl_error_set(err, VCL_E_FAIL, 0, "%s's helper (pid %d) of %s did not exit",
				    e->name, (int)p->helper, inst->name);
	if (p->cgpath[0] != '\0' && vcl_cgroup_remove_path(p->cgpath, ret < 0 ? NULL : err) < 0 &&
	    ret == 0)
		ret = -1;
	return ret;
}

static void eng_launch_close(struct eng_launch *el)
{
	vcl_strvfreep(&el->argv);
	free(el->idtext);
	vcl_closep(&el->ready_r);
	vcl_closep(&el->ready_w);
}

/* The argv and, for podman running the payload, the READY pipe. The run's
 * "engine" ledger record (prepare) covers the container: its undo removes
 * every vclab-<run>-<n>. */
static int eng_setup(struct vcl_launch *l, struct vcl_error **err)
{
	struct vcl_instance *inst = l->inst;
	struct eng_launch *el = l->arg;
	struct engine *e = el->e;
	bool podman = e->kind == VCL_ENGINE_PODMAN;
	struct eng_priv *p = l->priv;

	p->eng = e;
	snprintf(el->listen, sizeof(el->listen), "127.0.0.1:%u", VCL_CTR_PORT);
	snprintf(el->cgparent, sizeof(el->cgparent), "/vclab/%s", l->spec->run_id);
	if (l->spec->svc != NULL && podman)
		snprintf(inst->log_path, sizeof(inst->log_path), "%s/%s.log", e->dir, inst->name);
	if (podman) {
		el->args[6] = inst->name;
	} else { /* no READY fd through docker */
		el->args[3] = el->args[5];
		el->args[4] = inst->name;
		el->args[5] = NULL;
	}
	el->argv = vcl_eng_launch_argv(l, err);
	if (el->argv == NULL)
		return -1;
	if (!podman || l->spec->svc != NULL)
		return 0;
	return vcl_ctr_ready_pipe(&el->ready_r, &el->ready_w, err);
}

/* Timed: the engine's CLI, which returns once the container runs. */
static int eng_start(struct vcl_launch *l, struct vcl_error **err)
{
	struct eng_launch *el = l->arg;
	struct eng_priv *p = l->priv;

	p->started = true;
	return eng_call(el->e, el->e->dir, "run", el->argv, el->ready_w, &el->idtext, VCL_E_FAIL,
			err);
}

/* The container id it printed; the container's init (the first pid of its
 * cgroup), its helper, pidfds and netns; the endpoint. */
static int eng_finish(struct vcl_launch *l, struct vcl_error **err)
{
	struct vcl_instance *inst = l->inst;
	struct eng_launch *el = l->arg;
	struct eng_priv *p = l->priv;
	const char *id = el->idtext;
	char nspath[64];
	pid_t pid = -1;

	vcl_closep(&el->ready_w);
	trim(el->idtext);
	if (id == NULL || strlen(id) < 12 || strlen(id) >= sizeof(p->id) ||
	    strspn(id, "0123456789abcdef") != strlen(id))
		return vcl_fail(err, 0, "%s run printed no container id: %.80s", el->e->name, id);
	snprintf(p->id, sizeof(p->id), "%s", id);
	snprintf(p->cgpath, sizeof(p->cgpath), "vclab/%s/%s%s", l->spec->run_id,
		 el->e->kind == VCL_ENGINE_PODMAN ? "libpod-" : "", p->id);
	if (cgroup_first_pid(p->cgpath, &pid, err) < 0)
		return -1;
	inst->pid = pid;
	p->helper = parent_of(pid);
	if (p->helper > 1)
		p->helper_fd = vcl_pidfd_open(p->helper);
	inst->exit_fd = vcl_pidfd_open(pid);
	snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", (int)pid);
	inst->ep.netns_fd = open(nspath, O_RDONLY | O_CLOEXEC);
	if (inst->exit_fd < 0 || inst->ep.netns_fd < 0)
		return vcl_fail(err, errno, "Open the pidfd and %s of container %s", nspath,
				inst->name);
	if (vcl_cgroup_open_pid(pid, &p->cg, err) < 0)
		return -1;
	snprintf(inst->ep.addr, sizeof(inst->ep.addr), "127.0.0.1");
	inst->ep.port = l->spec->svc != NULL ? l->spec->svc->port : VCL_CTR_PORT;
	inst->ready_fd = steal_fd(el->ready_r); /* -1 for a service: the port and HTTP say */
	snprintf(inst->cgroup, sizeof(inst->cgroup), "%s", p->cgpath);
	return 0;
}

/* Once `run` was called the container may exist: remove it by id, or by
 * its name when no id came back. */
static void eng_undo(struct vcl_launch *l, struct vcl_error **err)
{
	struct eng_priv *p = l->priv;
	struct vcl_error *e2 = NULL;

	(void)err;
	if (p->started) {
		if (p->id[0] == '\0')
			snprintf(p->id, sizeof(p->id), "%s", l->inst->name);
		if (eng_remove(l->inst, p, &e2) < 0)
			vcl_error_free(e2);
	}
	priv_release(p);
}

static const struct eng_priv eng_priv_init = {.helper_fd = -1};

static const struct vcl_launch_hooks eng_hooks = {
    .what = "container",
    .priv_size = sizeof(struct eng_priv),
    .priv_init = &eng_priv_init,
    .setup = eng_setup,
    .start = eng_start,
    .finish = eng_finish, /* no pid record: prepare's "engine" record covers it */
    .undo = eng_undo,
};

static int eng_run_launch(struct engine *e, const struct vcl_spec *spec, struct vcl_instance **out,
			  struct vcl_error **err)
{
	static char a_payload[] = VCL_CTR_PAYLOAD, a_listen[] = "--listen",
		    a_ready[] = "--ready-fd", a_three[] = "3", a_name[] = "--name";
	__attribute__((cleanup(eng_launch_close))) struct eng_launch el = {
	    .e = e,
	    .ready_r = -1,
	    .ready_w = -1,
	};
	char *args[] = {a_payload, a_listen, el.listen, a_ready, a_three, a_name, NULL, NULL};
	struct vcl_launch l = {.spec = spec, .ops = e->ops, .ctx = e, .arg = &el, .who = e->name};

	if (e->image[0] == '\0' || e->bin[0] == '\0')
		return vcl_usage(err, "%s launch before prepare()", e->name);
	memcpy(el.args, args, sizeof(args));
	return vcl_launch(&eng_hooks, &l, out, err);
}

static int eng_launch(void *ctx, const struct vcl_spec *spec, struct vcl_instance **out,
		      struct vcl_error **err)
{
	if (ctx == NULL)
		return vcl_usage(err, "Engine launch before prepare()");
	return eng_run_launch(ctx, spec, out, err);
}

static int eng_ready(struct vcl_instance *inst, struct vcl_error **err)
{
	struct eng_priv *p = inst->priv;

	return vcl_ctr_ready_feed(inst, &p->rl, err);
}

static int eng_exited(struct vcl_instance *inst, struct vcl_error **err)
{
	struct eng_priv *p = inst->priv;

	return vcl_ctr_detached_exited(p->eng->name, inst->name, p->cg, err);
}

static int eng_sample(struct vcl_instance *inst, struct vcl_mem *mem, struct vcl_error **err)
{
	struct eng_priv *p = inst->priv;
	uint64_t pss = 0, rss = 0;

	memset(mem, 0, sizeof(*mem));
	if (vcl_sample_cgroup(p->cg, mem, err) < 0)
		return vcl_error_wrap(err, "Sample %s container %s", p->eng->name, inst->name);
	/* The helper is outside the container's cgroup (podman: the run's
	 * conmon cgroup; docker: containerd's) but exists for it alone. */
	if (p->helper <= 1 || vcl_sample_pid(p->helper, &pss, &rss, err) != 0)
		return vcl_error_wrap(err, "Sample %s's helper (pid %d) of %s", p->eng->name,
				      (int)p->helper, inst->name);
	mem->pss_kib += pss;
	mem->rss_kib += rss;
	mem->helper_pss_kib = pss;
	mem->known |= VCL_MEM_HELPER;
	mem->nprocs++;
	return 0;
}

static int eng_destroy(struct vcl_instance *inst, struct vcl_error **err)
{
	struct eng_priv *p;
	int ret = 0;

	if (inst == NULL)
		return 0;
	p = inst->priv;
	if (p != NULL) {
		ret = eng_remove(inst, p, err);
		if (ret < 0)
			vcl_error_wrap(err, "Destroy %s container %s", p->eng->name, inst->name);
		priv_free(p);
	}
	vcl_instance_free(inst);
	return ret;
}

VCL_CTR_PEER_WRAPPERS(podman, eng, podman_eng)
VCL_CTR_PEER_WRAPPERS(docker, eng, docker_eng)

/* The ledger's "engine ENGINE RUN" records (eng_prepare writes them). */
static int engine_kind_undo(const struct vcl_ledger_rec *r, struct vcl_error **err)
{
	if (r->b == NULL)
		return 0;
	return vcl_engine_undo(r->a, r->b, r->dry_run, r->print, err);
}

static const struct vcl_ledger_kind engine_kind = {.name = "engine", .undo = engine_kind_undo};
static const struct vcl_ledger_kind *const engine_kinds[] = {&engine_kind, NULL};

static const char *const docker_daemons[] = {"dockerd", "containerd", NULL};

/* What podman and docker share in their ops: all but the name, what
 * their memory figure covers and the daemons. N: the engine's name, the
 * prefix of its VCL_CTR_PEER_WRAPPERS. */
#define ENG_OPS(n)                                                                                 \
	.is_peer = true, .family = VCL_FAMILY_CONTAINER, .peer_of = "ctr", .engine = true,         \
	.opt_in = true, .runs_services = true, .probe = n##_probe, .prepare = n##_prepare,         \
	.launch = n##_launch, .ready = eng_ready, .exited = eng_exited, .sample = eng_sample,      \
	.destroy = eng_destroy, .cleanup = n##_cleanup, .describe = vcl_eng_describe,              \
	.kinds = engine_kinds

const struct vcl_backend_ops vcl_podman_ops = {
    .name = "podman",
    ENG_OPS(podman),
    .mem_covers = "the container's processes (PSS) and its cgroup's kernel memory, plus "
		  "conmon, podman's per-container monitor (helpers_pss_kib); podman has no "
		  "daemon",
};

const struct vcl_backend_ops vcl_docker_ops = {
    .name = "docker",
    ENG_OPS(docker),
    .mem_covers = "the container's processes (PSS) and its cgroup's kernel memory, plus "
		  "its containerd-shim (helpers_pss_kib); dockerd and containerd are in "
		  "daemons",
    .daemons = docker_daemons,
};
