/* SPDX-License-Identifier: MIT */
/* The bundles of the OCI runtimes (runtime.c runs them): the config.json
 * written into each, the trial bundle of probe(), a service's volumes and
 * overlay root, a pod member's bundle. Nothing here starts a runtime. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/launch.h"
#include "core/results.h"
#include "core/util.h"
#include "core/volume.h"
#include "ctr/ctr.h"
#include "ctr/runtime.h"
#include "ctr/runtime_internal.h"

int vcl_rt_write_config(const char *bundle, struct json_object *cfg, struct vcl_error **err)
{
	char path[600];
	const char *text = json_object_to_json_string_ext(cfg, JSON_C_TO_STRING_PLAIN);
	cleanup_close int fd = -1;
	size_t len;

	if (text == NULL)
		return vcl_fail(err, ENOMEM, "Serialise the OCI config");
	len = strlen(text);
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		return vcl_fail(err, errno, "Write %s", path);
	return 0;
}

/* A rootfs that borrows the host's /usr read-only, so /bin/true runs: the
 * trial needs no payload (probe() gets no spec). Merged-/usr hosts have
 * bin, lib, lib64, sbin as symlinks into usr; others get bind mounts. */
int vcl_rt_trial_bundle(const char *dir, struct json_object **cfg_out, struct vcl_error **err)
{
	static const char *const tops[] = {"bin", "lib", "lib64", "sbin"};
	static char a_true[] = "/bin/true";
	char *const args[] = {a_true, NULL};
	static const struct vcl_limits lim = {0};
	char rootfs[512], p[600], cgp[128], target[256];
	cleanup_json struct json_object *cfg = NULL;
	struct json_object *mounts;
	struct vcl_oci_params op;

	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", dir);
	snprintf(cgp, sizeof(cgp), "/vclab/probe-%d", (int)getpid());
	op = (struct vcl_oci_params){.rootfs = rootfs,
				     .hostname = "vclab-probe",
				     .cgroups_path = cgp,
				     .args = args,
				     .limits = &lim,
				     .mode = VCL_SECURITY_STRICT};
	cfg = vcl_oci_config(&op, err);
	if (cfg == NULL)
		return -1;
	json_object_object_get_ex(cfg, "mounts", &mounts);
	for (size_t i = 0; i <= sizeof(tops) / sizeof(tops[0]); i++) {
		const char *top = i == 0 ? "usr" : tops[i - 1];
		char host[64];
		ssize_t n;

		snprintf(host, sizeof(host), "/%s", top);
		snprintf(p, sizeof(p), "%s/%s", rootfs, top);
		n = i == 0 ? -1 : readlink(host, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			if (symlink(target, p) < 0)
				goto fail;
			continue;
		}
		if (access(host, F_OK) < 0)
			continue;
		if (mkdir(p, 0755) < 0)
			goto fail;
		json_object_array_add(mounts, vcl_oci_bind_mount(host, host));
	}
	*cfg_out = steal_ptr(cfg);
	return 0;
fail:
	return vcl_fail(err, errno, "Build the trial rootfs %s", p);
}

/* The files of the pod's configMap and secret volumes in bundle/vol-<i>,
 * which the config binds read-only (an emptyDir is a tmpfs mount of its
 * own); removed with the bundle. */
static int rt_volumes(const char *bundle, const struct vcl_svc_spec *svc, struct vcl_error **err)
{
	for (size_t i = 0; i < svc->nvols; i++) {
		char dir[600];
		const char *what = "create its folder";

		if (svc->vols[i].empty)
			continue;
		snprintf(dir, sizeof(dir), "%s/vol-%zu", bundle, i);
		if (mkdir(dir, 0755) < 0 ||
		    vcl_volume_fill(dir, &svc->vols[i], &svc->sec, &what) < 0)
			return vcl_fail(err, errno, "Volume %s in %s: %s", svc->vols[i].name, dir,
					what);
	}
	return 0;
}

/* A service in CRI mode: its own overlay root in the bundle and the /etc
 * files; in strict mode the cached rootfs read-only and a /tmp tmpfs. */
static int rt_svc_params(const struct vcl_spec *spec, struct rt_priv *p, const char *hostname,
			 struct vcl_oci_params *op, char *root, size_t size, struct vcl_error **err)
{
	const struct vcl_svc_spec *svc = spec->svc;
	uid_t uid;
	gid_t gid;

	if (vcl_cri_svc_user(svc, spec->security, &uid, &gid, err) < 0)
		return -1;
	op->args = svc->argv;
	op->env = svc->envp;
	op->cwd = svc->cwd;
	op->uid = uid;
	op->gid = gid;
	op->tmp_tmpfs = true;
	op->sec = &svc->sec;
	if (rt_volumes(p->bundle, svc, err) < 0)
		return -1;
	op->vols = svc->vols;
	op->nvols = svc->nvols;
	op->vol_dir = p->bundle;
	if (spec->security == VCL_SECURITY_STRICT)
		return 0;
	if (vcl_ctr_etc_files(p->bundle, hostname, err) < 0 ||
	    vcl_ctr_svc_root(spec->ledger, p->bundle, svc->rootfs, root, size, err) < 0)
		return -1;
	p->svc_root = true;
	op->rootfs = root;
	op->etc_dir = p->bundle;
	return 0;
}

/* Member m's bundle (recorded first), overlay root and config: the
 * sandbox's network, IPC and UTS namespaces by path, its own cgroup
 * under the pod's. */
int vcl_rt_member_bundle(struct vcl_launch *l, const char *dir, const struct vcl_svc_spec *m,
			 struct rt_member *k, struct vcl_error **err)
{
	struct vcl_spec mspec = *l->spec;
	struct rt_priv *p = l->priv, mp = {.rt = p->rt};
	cleanup_json struct json_object *cfg = NULL;
	char abscg[300], root[600];
	struct vcl_oci_params op = {.hostname = l->inst->name,
				    .cgroups_path = abscg,
				    .limits = &l->spec->limits,
				    .cpuset = l->spec->cpuset,
				    .seccomp = !l->spec->ctr_no_seccomp,
				    .mode = l->spec->security,
				    .rootfs = m->rootfs,
				    .sandbox_pid = p->holder};

	mspec.svc = m;
	snprintf(k->id, sizeof(k->id), "%s-%s", l->inst->name, m->ctr_name);
	snprintf(k->cgpath, sizeof(k->cgpath), "%s/%s", p->cgpath, m->ctr_name);
	snprintf(abscg, sizeof(abscg), "/%s", k->cgpath);
	if (asprintf(&k->bundle, "%s/%u-%s", dir, l->spec->index, m->ctr_name) < 0) {
		k->bundle = NULL;
		return vcl_fail(err, ENOMEM, "Pod container %s", m->ctr_name);
	}
	if (vcl_launch_record(l, err, "dir %s", k->bundle) < 0 ||
	    vcl_launch_record(l, err, "cgroup %s", k->cgpath) < 0)
		return -1;
	if (mkdir(k->bundle, 0755) < 0)
		return vcl_fail(err, errno, "Create bundle %s", k->bundle);
	k->made = true;
	mp.bundle = k->bundle;
	if (rt_svc_params(&mspec, &mp, l->inst->name, &op, root, sizeof(root), err) < 0)
		return -1;
	k->svc_root = mp.svc_root;
	cfg = vcl_oci_config(&op, err);
	return cfg == NULL || vcl_rt_write_config(k->bundle, cfg, err) < 0 ? -1 : 0;
}

/* The OCI config of the container, written into the bundle. */
int vcl_rt_config(struct vcl_launch *l, struct vcl_error **err)
{
	const struct vcl_spec *spec = l->spec;
	struct rt_launch *rl = l->arg;
	struct rt_priv *p = l->priv;
	cleanup_json struct json_object *cfg = NULL;
	struct vcl_oci_params op = {.rootfs = rl->rootfs,
				    .hostname = l->inst->name,
				    .cgroups_path = rl->abscg,
				    .args = rl->args,
				    .limits = &spec->limits,
				    .cpuset = spec->cpuset,
				    .userns = spec->ctr_userns,
				    .seccomp = !spec->ctr_no_seccomp,
				    .mode = spec->security,
				    .sandbox_pid = p->holder};

	if (spec->svc != NULL) {
		if (rt_svc_params(spec, p, l->inst->name, &op, rl->svcroot, sizeof(rl->svcroot),
				  err) < 0)
			return -1;
		/* The service writes its output where runc writes its own
		 * (runc hands it to the container's user). */
		snprintf(l->inst->log_path, sizeof(l->inst->log_path), "%s", rl->log);
	}
	cfg = vcl_oci_config(&op, err);
	if (cfg == NULL || vcl_rt_write_config(p->bundle, cfg, err) < 0)
		return -1;
	return 0;
}
