/* SPDX-License-Identifier: MIT */
/*
 * Kubernetes manifests as services for `vclab bench --manifest`
 * (bench/manifest.h). Two passes over every file: the ConfigMaps and
 * Secrets first (env may name one from any file), then the workloads,
 * each read from its pod template into a struct vcl_service_def. Pure
 * apart from vcl_manifest_load_files and vcl_image_maps_add.
 */
#include "bench/manifest.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "bench/manifest_internal.h"
#include "core/cleanup.h"
#include "core/k8s.h"
#include "core/util.h"
#include "core/yamldoc.h"

/* ---- reading ----------------------------------------------------------- */

int vcl_mf_nomem(struct vcl_error **err)
{
	return vcl_fail(err, ENOMEM, "Manifest");
}

void vcl_mf_skip(struct reader *r, const yaml_node_t *at, const char *fmt, ...)
{
	char why[300];
	va_list ap;

	if (r->d->skip[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(r->d->skip, sizeof(r->d->skip), "%s:%zu: %s", r->y->name, at->start_mark.line + 1,
		 why);
}

static int collect_source(struct vcl_yaml *y, const struct vcl_k8s_obj *o, void *ctx,
			  struct vcl_error **err)
{
	struct reader *r = ctx;
	struct kv_source *grown;
	bool secret;

	(void)y;
	if (o->kind == NULL ||
	    (strcmp(o->kind, "ConfigMap") != 0 && strcmp(o->kind, "Secret") != 0) ||
	    o->name == NULL)
		return 0;
	secret = strcmp(o->kind, "Secret") == 0;
	grown = realloc(r->src, (r->nsrc + 1) * sizeof(*grown));
	if (grown == NULL)
		return vcl_mf_nomem(err);
	r->src = grown;
	r->src[r->nsrc++] = (struct kv_source){
	    .secret = secret,
	    .ns = o->ns,
	    .name = o->name,
	    .doc = o->doc,
	    .data = vcl_yaml_get(o->doc, o->root, "data"),
	    .string_data = secret ? vcl_yaml_get(o->doc, o->root, "stringData") : NULL,
	    .binary = secret ? NULL : vcl_yaml_get(o->doc, o->root, "binaryData"),
	};
	return 0;
}

const struct kv_source *vcl_mf_find_source(const struct reader *r, bool secret, const char *name)
{
	for (size_t i = 0; i < r->nsrc; i++)
		if (r->src[i].secret == secret && strcmp(r->src[i].name, name) == 0 &&
		    strcmp(r->src[i].ns, r->obj->ns) == 0)
			return &r->src[i];
	return NULL;
}

/* The value of key in a source, owned by d; NULL when absent (or a
 * Secret's data is not base64: *bad set). */
char *vcl_mf_source_value(struct reader *r, const struct kv_source *s, const char *key, bool *bad)
{
	const char *v = vcl_yaml_str(vcl_yaml_get(s->doc, s->string_data, key));
	char *dec = NULL;
	size_t len;

	*bad = false;
	if (v != NULL)
		return vcl_service_own_str(r->d, v);
	v = vcl_yaml_str(vcl_yaml_get(s->doc, s->data, key));
	if (v == NULL || !s->secret)
		return v != NULL ? vcl_service_own_str(r->d, v) : NULL;
	if (vcl_k8s_base64(v, &dec, &len) < 0 || strlen(dec) != len) {
		free(dec);
		*bad = true;
		return NULL;
	}
	return vcl_service_own(r->d, dec);
}

/* The keys of a source, data's then stringData's, each once (a key in
 * both is stringData's, as the API server merges them); at most max. */
size_t vcl_mf_source_keys(const struct kv_source *s, const char **keys, size_t max)
{
	size_t n = 0;

	for (int pass = 0; pass < 2; pass++) {
		yaml_node_t *m = pass == 0 ? s->data : s->string_data;

		if (m == NULL || m->type != YAML_MAPPING_NODE)
			continue;
		for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
		     p < m->data.mapping.pairs.top && n < max; p++) {
			const char *k = vcl_yaml_str(yaml_document_get_node(s->doc, p->key));
			bool dup = false;

			for (size_t j = 0; k != NULL && j < n; j++)
				dup = dup || strcmp(keys[j], k) == 0;
			if (k != NULL && !dup)
				keys[n++] = k;
		}
	}
	return n;
}

/* A list of strings (command, args) as an owned NULL-terminated array. */
int vcl_mf_str_list(struct reader *r, yaml_node_t *n, const char *what, char ***out,
		    struct vcl_error **err)
{
	size_t cnt;
	char **v;

	*out = NULL;
	if (n == NULL)
		return 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return vcl_yaml_error(err, r->y, n, "%s: expected a list of strings", what);
	cnt = vcl_yaml_seq_len(n);
	v = vcl_service_own(r->d, calloc(cnt + 1, sizeof(*v)));
	if (v == NULL)
		return vcl_mf_nomem(err);
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *it = vcl_yaml_seq_at(r->doc, n, i);
		const char *s = vcl_yaml_str(it);

		if (s == NULL)
			return vcl_yaml_error(err, r->y, it, "%s: expected a string", what);
		if ((v[i] = vcl_service_own_str(r->d, s)) == NULL)
			return vcl_mf_nomem(err);
	}
	*out = v;
	return 0;
}

/* Kubernetes' $(VAR) in env values, command and args: VAR from the env
 * defined so far; $$ escapes; an unknown $(VAR) stays as written. */
static char *expand(struct reader *r, const char *s, char *const *env, size_t nenv)
{
	char buf[4096];
	size_t o = 0;

	for (const char *p = s; *p != '\0' && o + 1 < sizeof(buf); p++) {
		const char *close = p[0] == '$' && p[1] == '(' ? strchr(p + 2, ')') : NULL;

		if (p[0] == '$' && p[1] == '$') {
			buf[o++] = '$';
			p++;
			continue;
		}
		if (close != NULL) {
			size_t klen = (size_t)(close - p - 2);
			const char *val = NULL;

			for (size_t i = nenv; i-- > 0 && val == NULL;)
				if (strncmp(env[i], p + 2, klen) == 0 && env[i][klen] == '=')
					val = env[i] + klen + 1;
			if (val != NULL) {
				o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s", val);
				if (o >= sizeof(buf))
					o = sizeof(buf) - 1;
				p = close;
				continue;
			}
		}
		buf[o++] = *p;
	}
	buf[o] = '\0';
	return vcl_service_own_str(r->d, buf);
}

static int env_push(struct reader *r, char ***env, size_t *n, const char *k, const char *v)
{
	char *kv = NULL, **grown;

	if (asprintf(&kv, "%s=%s", k, v) < 0 || vcl_service_own(r->d, kv) == NULL)
		return -1;
	grown = vcl_service_own(r->d, calloc(*n + 2, sizeof(*grown)));
	if (grown == NULL)
		return -1;
	if (*n > 0)
		memcpy(grown, *env, *n * sizeof(*grown));
	grown[(*n)++] = kv;
	*env = grown;
	return 0;
}

/* envFrom: every key of a ConfigMap or Secret, with the prefix. */
static int env_from(struct reader *r, yaml_node_t *list, char ***env, size_t *n,
		    struct vcl_error **err)
{
	for (size_t i = 0; i < vcl_yaml_seq_len(list); i++) {
		yaml_node_t *it = vcl_yaml_seq_at(r->doc, list, i);
		yaml_node_t *cm = vcl_yaml_get(r->doc, it, "configMapRef");
		yaml_node_t *sec = vcl_yaml_get(r->doc, it, "secretRef");
		yaml_node_t *ref = cm != NULL ? cm : sec;
		const char *name = vcl_yaml_str(vcl_yaml_get(r->doc, ref, "name"));
		const char *prefix = vcl_yaml_str(vcl_yaml_get(r->doc, it, "prefix"));
		const char *opt = vcl_yaml_str(vcl_yaml_get(r->doc, ref, "optional"));
		const struct kv_source *s;
		const char *keys[256];
		size_t nk;

		if (name == NULL)
			return vcl_yaml_error(err, r->y, it,
					      "envFrom: expected configMapRef or secretRef with "
					      "a name");
		s = vcl_mf_find_source(r, sec != NULL, name);
		if (s == NULL) {
			if (opt == NULL || strcmp(opt, "true") != 0)
				vcl_mf_skip(r, it, "envFrom %s %s is not in the manifests given",
					    sec != NULL ? "Secret" : "ConfigMap", name);
			continue;
		}
		nk = vcl_mf_source_keys(s, keys, ARRAY_SIZE(keys));
		for (size_t j = 0; j < nk; j++) {
			char key[300];
			bool bad;
			char *v = vcl_mf_source_value(r, s, keys[j], &bad);

			if (v == NULL) {
				if (bad)
					vcl_mf_skip(r, it, "Secret %s: %s is not base64 text", name,
						    keys[j]);
				continue;
			}
			snprintf(key, sizeof(key), "%s%s", prefix != NULL ? prefix : "", keys[j]);
			if (env_push(r, env, n, key, v) < 0)
				return vcl_mf_nomem(err);
		}
	}
	return 0;
}

/* One env entry's valueFrom. */
static const char *value_from(struct reader *r, yaml_node_t *vf)
{
	static const char *const refs[] = {"configMapKeyRef", "secretKeyRef"};
	yaml_node_t *field = vcl_yaml_get(r->doc, vf, "fieldRef");
	const char *path = vcl_yaml_str(vcl_yaml_get(r->doc, field, "fieldPath"));

	if (path != NULL && strcmp(path, "metadata.name") == 0)
		return r->obj->name != NULL ? r->obj->name : "";
	if (path != NULL && strcmp(path, "metadata.namespace") == 0)
		return r->obj->ns;
	for (size_t i = 0; i < ARRAY_SIZE(refs); i++) {
		yaml_node_t *ref = vcl_yaml_get(r->doc, vf, refs[i]);
		const char *name = vcl_yaml_str(vcl_yaml_get(r->doc, ref, "name"));
		const char *key = vcl_yaml_str(vcl_yaml_get(r->doc, ref, "key"));
		const char *opt = vcl_yaml_str(vcl_yaml_get(r->doc, ref, "optional"));
		const struct kv_source *s;
		const char *v;
		bool bad;

		if (ref == NULL)
			continue;
		s = name != NULL ? vcl_mf_find_source(r, i == 1, name) : NULL;
		v = s != NULL && key != NULL ? vcl_mf_source_value(r, s, key, &bad) : NULL;
		if (v == NULL && (opt == NULL || strcmp(opt, "true") != 0))
			vcl_mf_skip(r, ref, "%s %s/%s is not in the manifests given", refs[i],
				    name != NULL ? name : "?", key != NULL ? key : "?");
		return v;
	}
	vcl_mf_skip(r, vf,
		    "env valueFrom %s is not read by vclab (only configMapKeyRef, secretKeyRef, "
		    "fieldRef metadata.name and metadata.namespace)",
		    path != NULL ? path : "of this kind");
	return NULL;
}

static int read_env(struct reader *r, yaml_node_t *c, struct vcl_container_def *k,
		    struct vcl_error **err)
{
	yaml_node_t *list = vcl_yaml_get(r->doc, c, "env");
	char **env = NULL;
	size_t n = 0;

	if (env_from(r, vcl_yaml_get(r->doc, c, "envFrom"), &env, &n, err) < 0)
		return -1;
	if (list != NULL && list->type != YAML_SEQUENCE_NODE)
		return vcl_yaml_error(err, r->y, list, "env: expected a list of {name, value}");
	for (size_t i = 0; i < vcl_yaml_seq_len(list); i++) {
		yaml_node_t *it = vcl_yaml_seq_at(r->doc, list, i);
		const char *name = vcl_yaml_str(vcl_yaml_get(r->doc, it, "name"));
		yaml_node_t *vn = vcl_yaml_get(r->doc, it, "value");
		yaml_node_t *vf = vcl_yaml_get(r->doc, it, "valueFrom");
		const char *v = vn != NULL ? vcl_yaml_str(vn) : "";

		if (name == NULL || name[0] == '\0' || strchr(name, '=') != NULL)
			return vcl_yaml_error(err, r->y, it, "env: an entry without a valid name");
		if (vn != NULL && v == NULL)
			return vcl_yaml_error(err, r->y, vn, "env %s: value must be a string",
					      name);
		if (vf != NULL)
			v = value_from(r, vf);
		if (v == NULL)
			continue;
		v = expand(r, v, env, n);
		if (v == NULL || env_push(r, &env, &n, name, v) < 0)
			return vcl_mf_nomem(err);
	}
	k->io.env = env;
	return 0;
}

static int read_container(struct reader *r, yaml_node_t *c, bool init,
			  const struct vcl_security *pod_sec, bool pod_sec_given,
			  struct vcl_container_def *k, struct vcl_error **err)
{
	yaml_node_t *img = vcl_yaml_get(r->doc, c, "image");
	const char *name = vcl_yaml_str(vcl_yaml_get(r->doc, c, "name"));
	const char *ref = vcl_yaml_str(img);
	const char *restart = vcl_yaml_str(vcl_yaml_get(r->doc, c, "restartPolicy"));
	char **command = NULL, **args = NULL;
	const char *from;
	size_t nenv;

	if (c->type != YAML_MAPPING_NODE)
		return vcl_yaml_error(err, r->y, c, "a container: expected a mapping");
	k->line = (unsigned)c->start_mark.line + 1;
	k->init = init;
	k->sidecar = init && restart != NULL && strcmp(restart, "Always") == 0;
	snprintf(k->name, sizeof(k->name), "%s", name != NULL ? name : "");
	if (ref == NULL || ref[0] == '\0')
		return vcl_yaml_error(err, r->y, img != NULL ? img : c, "container %s has no image",
				      name != NULL ? name : "(unnamed)");
	snprintf(k->image, sizeof(k->image), "%s", ref);
	from = vcl_image_maps_find(r->maps, ref);
	if (from != NULL && (k->io.ref = vcl_service_own_str(r->d, from)) == NULL)
		return vcl_mf_nomem(err);
	if (from == NULL)
		vcl_mf_skip(
		    r, img,
		    "image %s: no --image-map entry, and vclab reads images only from local "
		    "layouts, archives or a mirror the map names",
		    ref);
	k->sec = *pod_sec;
	k->sec_given = pod_sec_given || vcl_yaml_get(r->doc, c, "securityContext") != NULL;
	if (vcl_mf_read_security(r, vcl_yaml_get(r->doc, c, "securityContext"), false, &k->sec,
				 err) < 0 ||
	    read_env(r, c, k, err) < 0 ||
	    vcl_mf_str_list(r, vcl_yaml_get(r->doc, c, "command"), "command", &command, err) < 0 ||
	    vcl_mf_str_list(r, vcl_yaml_get(r->doc, c, "args"), "args", &args, err) < 0)
		return -1;
	nenv = k->io.env != NULL ? vcl_strv_len(k->io.env) : 0;
	for (size_t i = 0; command != NULL && command[i] != NULL; i++)
		if ((command[i] = expand(r, command[i], k->io.env, nenv)) == NULL)
			return vcl_mf_nomem(err);
	for (size_t i = 0; args != NULL && args[i] != NULL; i++)
		if ((args[i] = expand(r, args[i], k->io.env, nenv)) == NULL)
			return vcl_mf_nomem(err);
	k->io.entrypoint = command;
	k->io.cmd = args;
	if (k->sec.has_user) {
		char u[48];

		if (k->sec.has_group)
			snprintf(u, sizeof(u), "%u:%u", (unsigned)k->sec.run_as_user,
				 (unsigned)k->sec.run_as_group);
		else
			snprintf(u, sizeof(u), "%u", (unsigned)k->sec.run_as_user);
		if ((k->io.user = vcl_service_own_str(r->d, u)) == NULL)
			return vcl_mf_nomem(err);
	}
	return 0;
}

static int read_pod(struct reader *r, yaml_node_t *podspec, struct vcl_error **err)
{
	struct vcl_service_def *d = r->d;
	yaml_node_t *ctrs = vcl_yaml_get(r->doc, podspec, "containers");
	yaml_node_t *init = vcl_yaml_get(r->doc, podspec, "initContainers");
	yaml_node_t *pod_sc = vcl_yaml_get(r->doc, podspec, "securityContext");
	size_t n = vcl_yaml_seq_len(ctrs), ni = vcl_yaml_seq_len(init);
	struct vcl_security pod_sec = {0};
	double mem = 0, cpu = 0;
	bool mem_given = false, cpu_given = false;
	int probed = 0;

	if (ctrs == NULL || ctrs->type != YAML_SEQUENCE_NODE || n == 0)
		return vcl_yaml_error(err, r->y, ctrs != NULL ? ctrs : podspec,
				      "%s '%s' has no containers", d->wl.kind, d->wl.name);
	if (vcl_mf_read_security(r, pod_sc, true, &pod_sec, err) < 0)
		return -1;
	d->ctrs = calloc(n + ni, sizeof(*d->ctrs));
	if (d->ctrs == NULL)
		return vcl_mf_nomem(err);
	d->nctrs = n + ni;
	for (size_t i = 0; i < ni + n; i++) {
		yaml_node_t *c = i < ni ? vcl_yaml_seq_at(r->doc, init, i)
					: vcl_yaml_seq_at(r->doc, ctrs, i - ni);

		if (read_container(r, c, i < ni, &pod_sec, pod_sc != NULL, &d->ctrs[i], err) < 0)
			return -1;
		if (i < ni && !d->ctrs[i].sidecar)
			continue;
		if (vcl_mf_resource(r, c, "memory", &mem, &mem_given, err) < 0 ||
		    vcl_mf_resource(r, c, "cpu", &cpu, &cpu_given, err) < 0)
			return -1;
	}
	d->io = d->ctrs[ni].io; /* the main container: the first of containers[] */
	d->sec = d->ctrs[ni].sec;
	/* The pod's probe: the first app container's that has one. */
	for (size_t i = 0; i < n && probed == 0; i++)
		if ((probed =
			 vcl_mf_read_probe(r, podspec, vcl_yaml_seq_at(r->doc, ctrs, i), err)) < 0)
			return -1;
	if (probed == 0 || d->ready.kind == VCL_READY_EXEC) {
		/* No probe: ready when the first declared port accepts. An
		 * exec probe: that port is still the service's (steady). */
		yaml_node_t *p = vcl_yaml_seq_at(
		    r->doc, vcl_yaml_get(r->doc, vcl_yaml_seq_at(r->doc, ctrs, 0), "ports"), 0);
		const char *num = vcl_yaml_str(vcl_yaml_get(r->doc, p, "containerPort"));
		long pv = num != NULL ? strtol(num, NULL, 10) : 0;

		if (probed == 0)
			d->ready = (struct vcl_ready){.kind = VCL_READY_TCP};
		d->io.ready_spec = &d->ready;
		if (pv > 0 && pv < 65536)
			d->io.port = (uint16_t)pv;
	}
	if (mem_given) {
		d->limits.mem_mib = (uint64_t)ceil(mem / 1048576.0);
		d->mem_given = d->limits.mem_mib > 0;
	}
	if (cpu_given) {
		d->limits.cpus = cpu;
		d->cpus_given = true;
	}
	if (vcl_mf_read_volumes(r, podspec, vcl_yaml_seq_at(r->doc, ctrs, 0), err) < 0)
		return -1;
	/* The pod's volumes are mounted in its main container only. */
	for (size_t i = 0; i < ni + n; i++) {
		yaml_node_t *c = i < ni ? vcl_yaml_seq_at(r->doc, init, i)
					: vcl_yaml_seq_at(r->doc, ctrs, i - ni);
		yaml_node_t *vm = vcl_yaml_get(r->doc, c, "volumeMounts");

		if (i != ni && vcl_yaml_seq_len(vm) > 0)
			vcl_mf_skip(
			    r, vm,
			    "container %s mounts volumes: vclab mounts a pod's volumes in its "
			    "first container only yet",
			    d->ctrs[i].name);
	}
	return 0;
}

static int read_workload(struct vcl_yaml *y, const struct vcl_k8s_obj *o, void *ctx,
			 struct vcl_error **err)
{
	struct reader *r = ctx;
	const struct vcl_k8s_workload *w = vcl_k8s_workload_of(o->kind);
	struct vcl_services *s = r->out;
	struct vcl_service_def *grown, *d;
	struct vcl_k8s_pod pod;

	if (o->kind == NULL)
		return vcl_yaml_error(err, y, o->root, "Kubernetes object without a kind");
	if (w == NULL)
		return 0;
	grown = realloc(s->v, (s->n + 1) * sizeof(*grown));
	if (grown == NULL)
		return vcl_mf_nomem(err);
	s->v = grown;
	d = &s->v[s->n++];
	memset(d, 0, sizeof(*d));
	r->y = y;
	r->doc = o->doc;
	r->d = d;
	r->obj = o;
	d->line = (unsigned)o->root->start_mark.line + 1;
	d->wl.line = d->line;
	d->wl.replicas = -1;
	snprintf(d->wl.ns, sizeof(d->wl.ns), "%s", o->ns);
	snprintf(d->wl.kind, sizeof(d->wl.kind), "%s", o->kind);
	snprintf(d->wl.name, sizeof(d->wl.name), "%s", o->name != NULL ? o->name : "(unnamed)");
	snprintf(d->wl.file, sizeof(d->wl.file), "%s", y->name);
	snprintf(d->name, sizeof(d->name), "%s/%s/%s", d->wl.ns, d->wl.kind, d->wl.name);
	for (size_t i = 0; i + 1 < s->n; i++)
		if (strcmp(s->v[i].name, d->name) == 0)
			return vcl_yaml_error(err, y, o->root,
					      "%s is defined twice (first at %s:%u)", d->name,
					      s->v[i].wl.file, s->v[i].wl.line);
	if (o->name == NULL)
		return vcl_yaml_error(err, y, o->root, "%s without metadata.name", o->kind);
	if (vcl_k8s_pod_template(y, o, w, &pod, err) < 0)
		return -1;
	if (pod.count != NULL) {
		double v;

		if (vcl_yaml_double(y, pod.count, 0, 1e6, &v, err) < 0)
			return -1;
		d->wl.replicas = (long)v;
	}
	return read_pod(r, pod.spec, err);
}

int vcl_manifest_parse(size_t n, const char *const *names, const char *const *bufs,
		       const size_t *lens, const struct vcl_image_maps *maps,
		       struct vcl_services **out, struct vcl_error **err)
{
	struct reader r = {.maps = maps};
	int ret = -1;

	*out = NULL;
	r.ys = calloc(n, sizeof(struct vcl_yaml *));
	r.out = calloc(1, sizeof(*r.out));
	if (r.ys == NULL || r.out == NULL) {
		vcl_mf_nomem(err);
		goto out;
	}
	snprintf(r.out->file, sizeof(r.out->file), "%s", n > 0 ? names[0] : "");
	for (r.ny = 0; r.ny < n; r.ny++)
		if (vcl_yaml_load_buffer(names[r.ny], bufs[r.ny], lens[r.ny], &r.ys[r.ny], err) < 0)
			goto out;
	for (size_t i = 0; i < n; i++)
		if (vcl_k8s_each(r.ys[i], collect_source, NULL, &r, err) < 0)
			goto out;
	for (size_t i = 0; i < n; i++)
		if (vcl_k8s_each(r.ys[i], read_workload, NULL, &r, err) < 0)
			goto out;
	if (r.out->n == 0) {
		vcl_usage(err,
			  "%s: no workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, "
			  "Job, CronJob or Pod) in the manifests",
			  n > 0 ? names[0] : "");
		goto out;
	}
	/* s->v grew by realloc: point each service's options at its own
	 * fields only now. */
	for (size_t i = 0; i < r.out->n; i++) {
		r.out->v[i].io.name = r.out->v[i].name;
		r.out->v[i].io.ready_spec = &r.out->v[i].ready;
	}
	*out = steal_ptr(r.out);
	ret = 0;
out:
	vcl_services_free(r.out);
	for (size_t i = 0; i < r.ny; i++)
		vcl_yaml_free(r.ys[i]);
	free(r.ys);
	free(r.src);
	return ret;
}

int vcl_manifest_load_files(size_t n, char *const *paths, const struct vcl_image_maps *maps,
			    struct vcl_services **out, struct vcl_error **err)
{
	char **bufs = calloc(n + 1, sizeof(*bufs));
	size_t *lens = calloc(n + 1, sizeof(*lens));
	int r = -1;
	size_t i;

	if (bufs == NULL || lens == NULL) {
		vcl_mf_nomem(err);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (vcl_read_file(paths[i], &bufs[i], &lens[i], err) < 0) {
			vcl_error_set_kind(err, VCL_E_USAGE);
			vcl_error_wrap(err, "--manifest %s", paths[i]);
			goto out;
		}
	}
	r = vcl_manifest_parse(n, (const char *const *)paths, (const char *const *)bufs, lens, maps,
			       out, err);
out:
	for (i = 0; bufs != NULL && i < n; i++)
		free(bufs[i]);
	free(bufs);
	free(lens);
	return r;
}
