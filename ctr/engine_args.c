/* SPDX-License-Identifier: MIT */
/* Pure parts of the engine peers (podman, docker): the `run` argv (from
 * an instance's spec, then as words), the rlimit adjustments, the names a
 * run's leftovers carry, what results.json says about the engine.
 * engine.c runs the engine. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/results.h"
#include "ctr/ctr.h"
#include "ctr/engine_internal.h"

/* podman's default for both rlimits, rootful (define.RLimitDefaultValue). */
#define PODMAN_RLIMIT_DEFAULT 1048576u

static void adjust_one(struct vcl_engine_adjust *a, const char *res, uint64_t def, uint64_t ceil,
		       const char *why)
{
	snprintf(a->what, sizeof(a->what), "ulimit %s", res);
	snprintf(a->engine_default, sizeof(a->engine_default), "%" PRIu64 ":%" PRIu64, def, def);
	snprintf(a->set, sizeof(a->set), "%" PRIu64 ":%" PRIu64, ceil, ceil);
	snprintf(a->option, sizeof(a->option), "--ulimit %s=%s", res, a->set);
	snprintf(a->reason, sizeof(a->reason), "%s", why);
}

size_t vcl_engine_ulimits(enum vcl_engine_kind kind, const struct vcl_engine_host *h,
			  struct vcl_engine_adjust *out, size_t max)
{
	size_t n = 0;
	uint64_t nproc;
	char why[256];

	if (kind != VCL_ENGINE_PODMAN || h == NULL)
		return 0; /* docker sets none: the container inherits containerd's */
	if (h->nofile_hard > 0 && h->nofile_hard < PODMAN_RLIMIT_DEFAULT && n < max) {
		snprintf(why, sizeof(why),
			 "podman's default RLIMIT_NOFILE %u exceeds this host's hard limit %" PRIu64
			 " (runc: operation not permitted)",
			 PODMAN_RLIMIT_DEFAULT, h->nofile_hard);
		adjust_one(&out[n++], "nofile", PODMAN_RLIMIT_DEFAULT, h->nofile_hard, why);
	}
	nproc = h->nproc_hard;
	if (h->pid_max > 0 && (nproc == 0 || h->pid_max < nproc))
		nproc = h->pid_max;
	if (nproc > 0 && nproc < PODMAN_RLIMIT_DEFAULT && n < max) {
		if (nproc < h->nproc_hard || h->nproc_hard == 0)
			snprintf(why, sizeof(why),
				 "podman's default RLIMIT_NPROC %u exceeds what podman itself "
				 "runs with here (kernel.pid_max %" PRIu64
				 "; vclab's hard limit %" PRIu64 ")",
				 PODMAN_RLIMIT_DEFAULT, h->pid_max, h->nproc_hard);
		else
			snprintf(why, sizeof(why),
				 "podman's default RLIMIT_NPROC %u exceeds this host's hard limit "
				 "%" PRIu64 " (runc: operation not permitted)",
				 PODMAN_RLIMIT_DEFAULT, h->nproc_hard);
		adjust_one(&out[n++], "nproc", PODMAN_RLIMIT_DEFAULT, nproc, why);
	}
	return n;
}

/* A growing argv; on allocation failure it remembers and every later add
 * is a no-op, checked once at the end. */
struct argv_b {
	char **v;
	size_t n, cap;
	bool oom;
};

static void add(struct argv_b *b, const char *s)
{
	if (b->oom)
		return;
	if (b->n + 2 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		char **v = realloc(b->v, cap * sizeof(*v));

		if (v == NULL) {
			b->oom = true;
			return;
		}
		b->v = v;
		b->cap = cap;
	}
	b->v[b->n] = strdup(s);
	if (b->v[b->n] == NULL) {
		b->oom = true;
		return;
	}
	b->v[++b->n] = NULL;
}

__attribute__((format(printf, 2, 3))) static void addf(struct argv_b *b, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		b->oom = true;
		return;
	}
	add(b, buf);
}

/* What r may not say; -1 with *err set. */
static int run_check(const struct vcl_engine_run *r, struct vcl_error **err)
{
	bool podman;

	if (r == NULL || r->bin == NULL || r->name == NULL || r->image == NULL ||
	    r->limits == NULL || r->args == NULL || r->args[0] == NULL)
		return vcl_usage(err, "Engine run: missing binary, name, image, limits or args");
	if (r->cgroup_parent == NULL || r->cgroup_parent[0] != '/')
		return vcl_usage(err, "Engine run: cgroup parent must be absolute");
	podman = r->kind == VCL_ENGINE_PODMAN;
	if (r->ready_fd && !podman)
		return vcl_usage(err, "Engine run: docker cannot hand an fd through");
	if (r->service && r->ready_fd)
		return vcl_usage(err, "Engine run: a service has no READY fd");
	/* dockerd maps users for every container or none (--userns-remap on
	 * the daemon); `run --userns` takes only "host". */
	if (r->userns && !podman)
		return vcl_usage(err, "docker has no per-container user namespace "
				      "(--userns-remap is the daemon's): leave out --ctr-userns");
	return 0;
}

/* Root, privileges, capabilities and no_new_privs: strict's fixed set, or
 * containerd's CRI defaults with the service's securityContext. */
static void add_security(struct argv_b *b, const struct vcl_engine_run *r)
{
	bool podman = r->kind == VCL_ENGINE_PODMAN, strict = r->mode == VCL_SECURITY_STRICT;

	if (strict || r->ro_root || !r->service) {
		add(b, "--read-only");
		if (podman)
			add(b, "--read-only-tmpfs=false"); /* podman adds /tmp, /var/tmp, /run */
	}
	if (r->privileged && !strict)
		add(b, "--privileged");
	add(b, "--cap-drop");
	add(b, "all");
	for (unsigned c = 0; !strict && !r->privileged && c < 64; c++) {
		char name[64];

		if ((r->caps & (UINT64_C(1) << c)) != 0 &&
		    vcl_cri_cap_name(c, name, sizeof(name)) == 0) {
			add(b, "--cap-add");
			add(b, name);
		}
	}
	if (strict || r->nnp) {
		add(b, "--security-opt");
		add(b, "no-new-privileges");
	}
}

/* The limits, cores and user namespace, as the ctr cgroup has them. */
static void add_limits(struct argv_b *b, const struct vcl_engine_run *r)
{
	if (r->limits->mem_mib > 0) {
		add(b, "--memory");
		addf(b, "%" PRIu64 "m", r->limits->mem_mib);
		/* No swap beyond the limit, as the ctr cgroup (memsw = mem). */
		add(b, "--memory-swap");
		addf(b, "%" PRIu64 "m", r->limits->mem_mib);
	}
	if (r->limits->cpus > 0) {
		add(b, "--cpus");
		addf(b, "%.3f", r->limits->cpus);
	}
	if (r->limits->pids > 0) {
		add(b, "--pids-limit");
		addf(b, "%u", r->limits->pids);
	}
	if (r->cpuset != NULL && r->cpuset[0] != '\0') {
		add(b, "--cpuset-cpus");
		add(b, r->cpuset);
	}
	if (r->userns) {
		add(b, "--uidmap");
		addf(b, "0:%u:%u", VCL_CTR_USERNS_BASE, VCL_CTR_USERNS_COUNT);
		add(b, "--gidmap");
		addf(b, "0:%u:%u", VCL_CTR_USERNS_BASE, VCL_CTR_USERNS_COUNT);
	}
}

/* What runc's config says for a service (ctr/oci.c): its user, folder,
 * environment and (strict) a writable /tmp; podman's log where the probe
 * reads it. */
static void add_service(struct argv_b *b, const struct vcl_engine_run *r)
{
	add(b, "--user");
	addf(b, "%u:%u", r->uid, r->gid);
	if (r->cwd != NULL && r->cwd[0] != '\0') {
		add(b, "--workdir");
		add(b, r->cwd);
	}
	for (char *const *e = r->env; e != NULL && *e != NULL; e++) {
		add(b, "--env");
		add(b, *e);
	}
	if (r->mode == VCL_SECURITY_STRICT) {
		add(b, "--tmpfs");
		add(b, "/tmp:rw,nosuid,nodev,mode=1777,size=64m");
	}
	if (r->kind == VCL_ENGINE_PODMAN && r->log_path != NULL) {
		add(b, "--log-driver");
		add(b, "k8s-file");
		add(b, "--log-opt");
		addf(b, "path=%s", r->log_path);
	}
}

char **vcl_engine_run_argv(const struct vcl_engine_run *r, struct vcl_error **err)
{
	struct argv_b b = {0};
	bool podman;

	if (run_check(r, err) < 0)
		return NULL;
	podman = r->kind == VCL_ENGINE_PODMAN;
	add(&b, r->bin);
	add(&b, "run");
	add(&b, "-d");
	add(&b, "--rm");
	if (podman) {
		add(&b, "--runtime");
		add(&b, "runc");
		add(&b, "--pull");
		add(&b, "never");
	}
	add(&b, "--name");
	add(&b, r->name);
	add(&b, "--hostname");
	add(&b, r->name);
	/* Own network namespace, loopback only: the probe enters it through
	 * /proc/PID/ns/net, as for ctr and runc. */
	add(&b, "--network");
	add(&b, "none");
	add_security(&b, r);
	add(&b, "--security-opt");
	if (r->seccomp_file != NULL)
		addf(&b, "seccomp=%s", r->seccomp_file);
	else
		add(&b, "seccomp=unconfined");
	add(&b, "--cgroup-parent");
	add(&b, r->cgroup_parent);
	add_limits(&b, r);
	for (size_t i = 0; i < r->nadjust; i++) {
		const char *eq = strchr(r->adjust[i].option, ' ');

		if (eq == NULL)
			continue;
		addf(&b, "%.*s", (int)(eq - r->adjust[i].option), r->adjust[i].option);
		add(&b, eq + 1);
	}
	if (r->service)
		add_service(&b, r);
	if (r->ready_fd) {
		add(&b, "--preserve-fds");
		add(&b, "1");
	}
	/* The payload's image has no entrypoint: its path is argv[0]. A
	 * service's argv is the image's entrypoint and command resolved
	 * (image/), so --entrypoint also drops the image's Cmd. */
	add(&b, "--entrypoint");
	add(&b, r->args[0]);
	add(&b, r->image);
	for (size_t i = 1; r->args[i] != NULL; i++)
		add(&b, r->args[i]);
	if (b.oom || b.v == NULL) {
		vcl_strvfreep(&b.v);
		return vcl_fail(err, ENOMEM, "Engine run argv"), NULL;
	}
	return b.v;
}

int vcl_engine_image_repo(char *buf, size_t size, const char *run_id)
{
	int n = snprintf(buf, size, "vclab-%s", run_id);

	return n < 0 || (size_t)n >= size ? -1 : n;
}

/* Does s start with "vclab-<run>"? Returns what follows, or NULL. */
static const char *after_run(const char *s, const char *run_id)
{
	size_t rl = strlen(run_id);

	if (strncmp(s, "vclab-", 6) != 0 || strncmp(s + 6, run_id, rl) != 0)
		return NULL;
	return s + 6 + rl;
}

bool vcl_engine_is_run_container(const char *name, const char *run_id)
{
	const char *p;

	if (name == NULL || run_id == NULL || run_id[0] == '\0')
		return false;
	if (name[0] == '/')
		name++;
	p = after_run(name, run_id);
	if (p == NULL || *p++ != '-' || *p == '\0')
		return false;
	return strspn(p, "0123456789") == strlen(p);
}

bool vcl_engine_is_run_image(const char *ref, const char *run_id)
{
	const char *p;

	if (ref == NULL || run_id == NULL || run_id[0] == '\0')
		return false;
	if (strncmp(ref, "localhost/", 10) == 0)
		ref += 10;
	p = after_run(ref, run_id);
	return p != NULL && *p == ':' && p[1] != '\0';
}

/* The argv of `ENGINE run -d` for this instance: its spec, service and
 * security mode as a struct vcl_engine_run. */
char **vcl_eng_launch_argv(struct vcl_launch *l, struct vcl_error **err)
{
	const struct vcl_spec *spec = l->spec;
	const struct vcl_svc_spec *svc = spec->svc;
	struct vcl_instance *inst = l->inst;
	struct eng_launch *el = l->arg;
	struct engine *e = el->e;
	bool podman = e->kind == VCL_ENGINE_PODMAN;
	struct vcl_engine_run r = {.kind = e->kind,
				   .bin = e->bin,
				   .name = inst->name,
				   .image = e->image,
				   .cgroup_parent = el->cgparent,
				   .limits = &spec->limits,
				   .cpuset = spec->cpuset,
				   .seccomp_file = e->seccomp[0] != '\0' ? e->seccomp : NULL,
				   .userns = spec->ctr_userns,
				   .ready_fd = podman && svc == NULL,
				   .adjust = e->adj,
				   .nadjust = e->nadj,
				   .args = el->args};

	r.mode = spec->security;
	r.caps = vcl_cri_caps(svc != NULL ? &svc->sec : NULL, spec->security);
	r.nnp = vcl_cri_no_new_privs(svc != NULL ? &svc->sec : NULL, spec->security);
	if (!vcl_cri_seccomp(svc != NULL ? &svc->sec : NULL, spec->security, spec->ctr_no_seccomp))
		r.seccomp_file = NULL;
	if (svc != NULL) {
		uid_t uid;
		gid_t gid;

		if (vcl_cri_svc_user(svc, spec->security, &uid, &gid, err) < 0)
			return NULL;
		r.args = svc->argv;
		r.service = true;
		r.env = svc->envp;
		r.cwd = svc->cwd;
		r.uid = (unsigned)uid;
		r.gid = (unsigned)gid;
		r.log_path = inst->log_path[0] != '\0' ? inst->log_path : NULL;
		r.ro_root = vcl_cri_read_only_root(&svc->sec, spec->security);
		r.privileged = svc->sec.privileged;
	}
	return vcl_engine_run_argv(&r, err);
}

struct json_object *vcl_eng_describe(const void *ctx)
{
	const struct engine *e = ctx;
	struct json_object *o, *adj, *top;

	if (e == NULL)
		return NULL;
	top = json_object_new_object();
	o = json_object_new_object();
	adj = json_object_new_array();
	json_object_object_add(o, "version", json_object_new_string(e->version));
	json_object_object_add(o, "runtime", json_object_new_string("runc"));
	json_object_object_add(o, "image", json_object_new_string(e->image));
	if (e->source != NULL)
		json_object_object_add(o, "image_source", json_object_new_string(e->source));
	json_object_object_add(o, "network",
			       json_object_new_string("none: own network namespace, loopback only "
						      "(as ctr and runc)"));
	json_object_object_add(o, "helper",
			       json_object_new_string(e->kind == VCL_ENGINE_PODMAN
							  ? "conmon"
							  : "containerd-shim-runc-v2"));
	json_object_object_add(o, "daemons",
			       json_object_new_string(e->kind == VCL_ENGINE_PODMAN
							  ? "none (podman has no daemon)"
							  : "dockerd, containerd"));
	for (size_t i = 0; i < e->nadj; i++) {
		const struct vcl_engine_adjust *a = &e->adj[i];
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "what", json_object_new_string(a->what));
		json_object_object_add(j, "engine_default",
				       json_object_new_string(a->engine_default));
		json_object_object_add(j, "set", json_object_new_string(a->set));
		json_object_object_add(j, "option", json_object_new_string(a->option));
		json_object_object_add(j, "reason", json_object_new_string(a->reason));
		json_object_array_add(adj, j);
	}
	json_object_object_add(top, "engine", o);
	json_object_object_add(top, "adjustments", adj);
	return top;
}
