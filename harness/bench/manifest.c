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

#include "core/cleanup.h"
#include "core/k8s.h"
#include "core/util.h"
#include "core/yamldoc.h"

/* ---- reading ----------------------------------------------------------- */

/* A ConfigMap or Secret, for env valueFrom and envFrom. */
struct kv_source {
	bool secret;
	const char *ns, *name;
	yaml_document_t *doc;
	yaml_node_t *data, *string_data;
	yaml_node_t *binary; /* a ConfigMap's binaryData */
};

struct reader {
	struct vcl_yaml **ys;
	size_t ny;
	const struct vcl_image_maps *maps;
	struct kv_source *src;
	size_t nsrc;
	struct vcl_services *out;
	/* the workload being read */
	struct vcl_yaml *y;
	yaml_document_t *doc;
	struct vcl_service_def *d;
	const struct vcl_k8s_obj *obj;
};

static int nomem(struct vcl_error **err)
{
	return vcl_fail(err, ENOMEM, "Manifest");
}

/* Mark the workload not measured: the first reason stays. */
static void skip(struct reader *r, const yaml_node_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void skip(struct reader *r, const yaml_node_t *at, const char *fmt, ...)
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
		return nomem(err);
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

static const struct kv_source *find_source(const struct reader *r, bool secret, const char *name)
{
	for (size_t i = 0; i < r->nsrc; i++)
		if (r->src[i].secret == secret && strcmp(r->src[i].name, name) == 0 &&
		    strcmp(r->src[i].ns, r->obj->ns) == 0)
			return &r->src[i];
	return NULL;
}

/* The value of key in a source, owned by d; NULL when absent (or a
 * Secret's data is not base64: *bad set). */
static char *source_value(struct reader *r, const struct kv_source *s, const char *key, bool *bad)
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
static size_t source_keys(const struct kv_source *s, const char **keys, size_t max)
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
static int str_list(struct reader *r, yaml_node_t *n, const char *what, char ***out,
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
		return nomem(err);
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *it = vcl_yaml_seq_at(r->doc, n, i);
		const char *s = vcl_yaml_str(it);

		if (s == NULL)
			return vcl_yaml_error(err, r->y, it, "%s: expected a string", what);
		if ((v[i] = vcl_service_own_str(r->d, s)) == NULL)
			return nomem(err);
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
		s = find_source(r, sec != NULL, name);
		if (s == NULL) {
			if (opt == NULL || strcmp(opt, "true") != 0)
				skip(r, it, "envFrom %s %s is not in the manifests given",
				     sec != NULL ? "Secret" : "ConfigMap", name);
			continue;
		}
		nk = source_keys(s, keys, ARRAY_SIZE(keys));
		for (size_t j = 0; j < nk; j++) {
			char key[300];
			bool bad;
			char *v = source_value(r, s, keys[j], &bad);

			if (v == NULL) {
				if (bad)
					skip(r, it, "Secret %s: %s is not base64 text", name,
					     keys[j]);
				continue;
			}
			snprintf(key, sizeof(key), "%s%s", prefix != NULL ? prefix : "", keys[j]);
			if (env_push(r, env, n, key, v) < 0)
				return nomem(err);
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
		s = name != NULL ? find_source(r, i == 1, name) : NULL;
		v = s != NULL && key != NULL ? source_value(r, s, key, &bad) : NULL;
		if (v == NULL && (opt == NULL || strcmp(opt, "true") != 0))
			skip(r, ref, "%s %s/%s is not in the manifests given", refs[i],
			     name != NULL ? name : "?", key != NULL ? key : "?");
		return v;
	}
	skip(r, vf,
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
			return nomem(err);
	}
	k->io.env = env;
	return 0;
}

/* Capabilities by name ("NET_ADMIN", "CAP_NET_ADMIN", "ALL") as bits. */
static int caps_of(struct reader *r, yaml_node_t *list, uint64_t *bits, struct vcl_error **err)
{
	for (size_t i = 0; i < vcl_yaml_seq_len(list); i++) {
		yaml_node_t *it = vcl_yaml_seq_at(r->doc, list, i);
		const char *s = vcl_yaml_str(it);
		char name[64];
		cap_value_t cv;

		if (s == NULL)
			return vcl_yaml_error(err, r->y, it, "capabilities: expected names");
		if (strcmp(s, "ALL") == 0) {
			*bits = UINT64_MAX;
			continue;
		}
		snprintf(name, sizeof(name), "%s%s", strncmp(s, "CAP_", 4) == 0 ? "" : "CAP_", s);
		if (cap_from_name(name, &cv) < 0 || cv < 0 || cv >= 64)
			return vcl_yaml_error(err, r->y, it, "capabilities: unknown capability %s",
					      s);
		*bits |= 1ULL << cv;
	}
	return 0;
}

static int read_id(struct reader *r, yaml_node_t *n, unsigned *out, bool *has,
		   struct vcl_error **err)
{
	double v;

	if (n == NULL)
		return 0;
	if (vcl_yaml_double(r->y, n, 0, 4294967294.0, &v, err) < 0)
		return -1;
	if (v != floor(v))
		return vcl_yaml_error(err, r->y, n, "expected a whole number");
	*out = (unsigned)v;
	*has = true;
	return 0;
}

/* The pod's fsGroup and supplementalGroups. */
static int read_groups(struct reader *r, yaml_node_t *sc, struct vcl_security *sec,
		       struct vcl_error **err)
{
	yaml_node_t *list = vcl_yaml_get(r->doc, sc, "supplementalGroups");
	unsigned g = 0;

	if (read_id(r, vcl_yaml_get(r->doc, sc, "fsGroup"), &g, &sec->has_fs_group, err) < 0)
		return -1;
	sec->fs_group = (gid_t)g;
	if (list != NULL && list->type != YAML_SEQUENCE_NODE)
		return vcl_yaml_error(err, r->y, list,
				      "supplementalGroups: expected a list of ids");
	if (vcl_yaml_seq_len(list) > ARRAY_SIZE(sec->supp_groups))
		return vcl_yaml_error(err, r->y, list, "supplementalGroups: more than %zu groups",
				      ARRAY_SIZE(sec->supp_groups));
	for (size_t i = 0; i < vcl_yaml_seq_len(list); i++) {
		bool has = false;

		if (read_id(r, vcl_yaml_seq_at(r->doc, list, i), &g, &has, err) < 0)
			return -1;
		sec->supp_groups[sec->nsupp++] = (gid_t)g;
	}
	return 0;
}

/* securityContext of the pod (pod true) or of a container, over sec. */
static int read_security(struct reader *r, yaml_node_t *sc, bool pod, struct vcl_security *sec,
			 struct vcl_error **err)
{
	yaml_node_t *caps = vcl_yaml_get(r->doc, sc, "capabilities");
	const char *seccomp =
	    vcl_yaml_str(vcl_yaml_get(r->doc, vcl_yaml_get(r->doc, sc, "seccompProfile"), "type"));
	unsigned uid = sec->run_as_user, gid = sec->run_as_group;
	const char *v;

	if (sc == NULL)
		return 0;
	if (sc->type != YAML_MAPPING_NODE)
		return vcl_yaml_error(err, r->y, sc, "securityContext: expected a mapping");
	if (read_id(r, vcl_yaml_get(r->doc, sc, "runAsUser"), &uid, &sec->has_user, err) < 0 ||
	    read_id(r, vcl_yaml_get(r->doc, sc, "runAsGroup"), &gid, &sec->has_group, err) < 0)
		return -1;
	sec->run_as_user = (uid_t)uid;
	sec->run_as_group = (gid_t)gid;
	if ((v = vcl_yaml_str(vcl_yaml_get(r->doc, sc, "runAsNonRoot"))) != NULL)
		sec->run_as_non_root = strcmp(v, "true") == 0;
	if (seccomp != NULL)
		sec->seccomp = strcmp(seccomp, "Unconfined") == 0 ? VCL_SECCOMP_UNCONFINED
								  : VCL_SECCOMP_RUNTIME_DEFAULT;
	if (pod)
		return read_groups(r, sc, sec, err);
	if ((v = vcl_yaml_str(vcl_yaml_get(r->doc, sc, "privileged"))) != NULL)
		sec->privileged = strcmp(v, "true") == 0;
	if ((v = vcl_yaml_str(vcl_yaml_get(r->doc, sc, "readOnlyRootFilesystem"))) != NULL)
		sec->read_only_root = strcmp(v, "true") == 0;
	if ((v = vcl_yaml_str(vcl_yaml_get(r->doc, sc, "allowPrivilegeEscalation"))) != NULL)
		sec->no_new_privs = strcmp(v, "false") == 0;
	if (caps_of(r, vcl_yaml_get(r->doc, caps, "add"), &sec->cap_add, err) < 0 ||
	    caps_of(r, vcl_yaml_get(r->doc, caps, "drop"), &sec->cap_drop, err) < 0)
		return -1;
	return 0;
}

/* A port of a probe: a number some container declares, or the name of a
 * port of container c. */
static int probe_port(struct reader *r, yaml_node_t *podspec, yaml_node_t *c, yaml_node_t *pn,
		      uint16_t *out, struct vcl_error **err)
{
	const char *s = vcl_yaml_str(pn);
	static const char *const lists[] = {"containers", "initContainers"};
	char *end;
	long want = -1;

	if (s == NULL || s[0] == '\0')
		return vcl_yaml_error(err, r->y, pn != NULL ? pn : c, "probe: expected a port");
	errno = 0;
	want = strtol(s, &end, 10);
	if (*end != '\0' || errno != 0)
		want = -1;
	for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
		yaml_node_t *cs = vcl_yaml_get(r->doc, podspec, lists[l]);

		for (size_t i = 0; i < vcl_yaml_seq_len(cs); i++) {
			yaml_node_t *ci = vcl_yaml_seq_at(r->doc, cs, i);
			yaml_node_t *ports = vcl_yaml_get(r->doc, ci, "ports");

			for (size_t j = 0; j < vcl_yaml_seq_len(ports); j++) {
				yaml_node_t *p = vcl_yaml_seq_at(r->doc, ports, j);
				const char *num =
				    vcl_yaml_str(vcl_yaml_get(r->doc, p, "containerPort"));
				const char *name = vcl_yaml_str(vcl_yaml_get(r->doc, p, "name"));
				long pv = num != NULL ? strtol(num, NULL, 10) : 0;

				if (pv < 1 || pv > 65535)
					continue;
				if ((want > 0 && pv == want) ||
				    (want < 0 && ci == c && name != NULL && strcmp(name, s) == 0)) {
					*out = (uint16_t)pv;
					return 0;
				}
			}
		}
	}
	return vcl_yaml_error(err, r->y, pn,
			      want > 0 ? "probe port %s: no container of the pod declares it "
					 "(ports[].containerPort)"
				       : "probe port '%s': no port of this container has that name",
			      s);
}

/* exec: the command, run inside the instance (the backend's exec op),
 * ready when it exits 0 within timeoutSeconds (default 1, the
 * kubelet's). */
static int read_exec_probe(struct reader *r, yaml_node_t *probe, struct vcl_error **err)
{
	struct vcl_service_def *d = r->d;
	yaml_node_t *ex = vcl_yaml_get(r->doc, probe, "exec");
	yaml_node_t *to = vcl_yaml_get(r->doc, probe, "timeoutSeconds");
	char **argv = NULL;
	double secs = 1;

	if (str_list(r, vcl_yaml_get(r->doc, ex, "command"), "exec.command", &argv, err) < 0)
		return -1;
	if (argv == NULL || argv[0] == NULL || argv[0][0] == '\0')
		return vcl_yaml_error(err, r->y, ex, "exec probe: expected a command list");
	if (to != NULL && vcl_yaml_double(r->y, to, 1, 3600, &secs, err) < 0)
		return -1;
	d->ready.kind = VCL_READY_EXEC;
	d->ready.argv = argv;
	d->ready.timeout_ms = (unsigned)(secs * 1000);
	d->probe_line = (unsigned)ex->start_mark.line + 1;
	return 1;
}

/* The pod's probe (readiness, else startup, else liveness) of container
 * c into d's ready and port. 1 when c has one, 0 when not. */
static int read_probe(struct reader *r, yaml_node_t *podspec, yaml_node_t *c,
		      struct vcl_error **err)
{
	static const char *const kinds[] = {"readinessProbe", "startupProbe", "livenessProbe"};
	struct vcl_service_def *d = r->d;
	yaml_node_t *probe = NULL, *h, *t;

	for (size_t i = 0; i < ARRAY_SIZE(kinds) && probe == NULL; i++)
		probe = vcl_yaml_get(r->doc, c, kinds[i]);
	if (probe == NULL)
		return 0;
	h = vcl_yaml_get(r->doc, probe, "httpGet");
	t = vcl_yaml_get(r->doc, probe, "tcpSocket");
	memset(&d->ready, 0, sizeof(d->ready));
	d->io.ready_spec = &d->ready;
	if (h != NULL) {
		const char *path = vcl_yaml_str(vcl_yaml_get(r->doc, h, "path"));
		const char *scheme = vcl_yaml_str(vcl_yaml_get(r->doc, h, "scheme"));

		if (probe_port(r, podspec, c, vcl_yaml_get(r->doc, h, "port"), &d->io.port, err) <
		    0)
			return -1;
		if (scheme != NULL && strcmp(scheme, "HTTP") != 0)
			skip(r, h, "httpGet probe with scheme %s: vclab probes plain HTTP only",
			     scheme);
		if (vcl_yaml_get(r->doc, h, "host") != NULL)
			skip(r, h, "httpGet probe with a host: vclab probes the instance itself");
		if (path == NULL || path[0] == '\0')
			path = "/";
		if (path[0] != '/' || strlen(path) >= sizeof(d->ready.path) ||
		    strpbrk(path, " \r\n") != NULL)
			return vcl_yaml_error(err, r->y, vcl_yaml_get(r->doc, h, "path"),
					      "httpGet.path: expected /PATH");
		d->ready.kind = VCL_READY_HTTP;
		snprintf(d->ready.path, sizeof(d->ready.path), "%s", path);
		/* The steady scenario GETs the probe's path: the one request
		 * the manifest says the service answers. */
		if ((d->io.load = vcl_service_own_str(d, path)) == NULL)
			return nomem(err);
		/* The kubelet counts 200-399 as success. */
		d->ready.status = 200;
		d->ready.status_max = 399;
		return 1;
	}
	if (t != NULL) {
		if (probe_port(r, podspec, c, vcl_yaml_get(r->doc, t, "port"), &d->io.port, err) <
		    0)
			return -1;
		d->ready.kind = VCL_READY_TCP;
		return 1;
	}
	if (vcl_yaml_get(r->doc, probe, "exec") != NULL)
		return read_exec_probe(r, probe, err);
	skip(r, probe, "probe of a kind vclab does not run (httpGet, tcpSocket, exec only)");
	return 1;
}

/* limits, else requests, of one resource of a container. */
static int resource(struct reader *r, yaml_node_t *c, const char *what, double *out, bool *given,
		    struct vcl_error **err)
{
	yaml_node_t *res = vcl_yaml_get(r->doc, c, "resources");
	yaml_node_t *n = vcl_yaml_get(r->doc, vcl_yaml_get(r->doc, res, "limits"), what);
	const char *s;
	double v;

	if (n == NULL)
		n = vcl_yaml_get(r->doc, vcl_yaml_get(r->doc, res, "requests"), what);
	if (n == NULL)
		return 0;
	s = vcl_yaml_str(n);
	if (s == NULL || vcl_k8s_quantity(s, &v) < 0 || v <= 0)
		return vcl_yaml_error(err, r->y, n, "resources %s '%s': not a Kubernetes quantity",
				      what, s != NULL ? s : "");
	*out += v;
	*given = true;
	return 0;
}

/* A file mode as Kubernetes writes it: decimal in JSON (420), octal in
 * YAML (0644, 0o644). */
static int read_mode(struct reader *r, yaml_node_t *n, unsigned *mode, struct vcl_error **err)
{
	const char *s = vcl_yaml_str(n);
	char *end;
	long v;

	if (n == NULL)
		return 0;
	if (s != NULL && strncmp(s, "0o", 2) == 0)
		v = strtol(s + 2, &end, 8);
	else
		v = s != NULL ? strtol(s, &end, 0) : -1;
	if (s == NULL || *end != '\0' || v < 0 || v > 0777)
		return vcl_yaml_error(err, r->y, n, "mode '%s': expected 0 to 0777 (511)",
				      s != NULL ? s : "");
	*mode = (unsigned)v;
	return 0;
}

/* A relative path inside a volume, without "..": what the API server
 * accepts for items[].path. */
static bool vol_path_ok(const char *p)
{
	if (p == NULL || p[0] == '\0' || p[0] == '/' || strlen(p) > 255)
		return false;
	for (const char *c = p; c != NULL; c = strchr(c, '/')) {
		c += *c == '/';
		if (strncmp(c, "..", 2) == 0 && (c[2] == '/' || c[2] == '\0'))
			return false;
	}
	return true;
}

static int vol_file_push(struct reader *r, struct vcl_volume *v, const char *path, char *data,
			 unsigned mode)
{
	struct vcl_vol_file *grown = vcl_service_own(r->d, calloc(v->nfiles + 1, sizeof(*grown)));

	if (grown == NULL || (path = vcl_service_own_str(r->d, path)) == NULL)
		return -1;
	if (v->nfiles > 0)
		memcpy(grown, v->files, v->nfiles * sizeof(*grown));
	grown[v->nfiles++] =
	    (struct vcl_vol_file){.path = path, .data = data, .len = strlen(data), .mode = mode};
	v->files = grown;
	return 0;
}

/* configMap or secret: its files, items[] or every key. */
static int vol_files(struct reader *r, yaml_node_t *src, bool secret, struct vcl_volume *v,
		     struct vcl_error **err)
{
	const char *name = vcl_yaml_str(vcl_yaml_get(r->doc, src, secret ? "secretName" : "name"));
	const char *opt = vcl_yaml_str(vcl_yaml_get(r->doc, src, "optional"));
	const char *what = secret ? "Secret" : "ConfigMap";
	yaml_node_t *items = vcl_yaml_get(r->doc, src, "items");
	const struct kv_source *s;
	const char *keys[256];
	unsigned mode = 0644;
	size_t nk;

	if (read_mode(r, vcl_yaml_get(r->doc, src, "defaultMode"), &mode, err) < 0)
		return -1;
	if (name == NULL)
		return vcl_yaml_error(err, r->y, src, "volume %s: %s without a %s", v->name,
				      secret ? "secret" : "configMap",
				      secret ? "secretName" : "name");
	s = find_source(r, secret, name);
	if (s == NULL) {
		if (opt == NULL || strcmp(opt, "true") != 0)
			skip(r, src, "volume %s: %s %s is not in the manifests given", v->name,
			     what, name);
		return 0;
	}
	if (s->binary != NULL)
		skip(r, src, "volume %s: ConfigMap %s has binaryData, which vclab does not read",
		     v->name, name);
	for (size_t i = 0; i < vcl_yaml_seq_len(items); i++) {
		yaml_node_t *it = vcl_yaml_seq_at(r->doc, items, i);
		const char *key = vcl_yaml_str(vcl_yaml_get(r->doc, it, "key"));
		const char *path = vcl_yaml_str(vcl_yaml_get(r->doc, it, "path"));
		unsigned m = mode;
		bool bad;
		char *val;

		if (key == NULL || !vol_path_ok(path))
			return vcl_yaml_error(err, r->y, it,
					      "volume %s: items[] needs a key and a relative path "
					      "without '..'",
					      v->name);
		if (read_mode(r, vcl_yaml_get(r->doc, it, "mode"), &m, err) < 0)
			return -1;
		val = source_value(r, s, key, &bad);
		if (val == NULL) {
			if (opt == NULL || strcmp(opt, "true") != 0)
				skip(r, it, "volume %s: %s %s has no key %s%s", v->name, what, name,
				     key, bad ? " that is base64 text" : "");
			continue;
		}
		if (vol_file_push(r, v, path, val, m) < 0)
			return nomem(err);
	}
	if (items != NULL)
		return 0;
	nk = source_keys(s, keys, ARRAY_SIZE(keys));
	for (size_t j = 0; j < nk; j++) {
		bool bad;
		char *val = NULL;

		if (!vol_path_ok(keys[j]) || strchr(keys[j], '/') != NULL ||
		    (val = source_value(r, s, keys[j], &bad)) == NULL) {
			skip(r, src, "volume %s: %s %s key %s is not a file name%s", v->name, what,
			     name, keys[j], secret ? " or not base64 text" : "");
			continue;
		}
		if (vol_file_push(r, v, keys[j], val, mode) < 0)
			return nomem(err);
	}
	return 0;
}

/* One volumeMounts[] entry of the main container c, as a vcl_volume. */
static int read_mount(struct reader *r, yaml_node_t *podspec, yaml_node_t *vm,
		      struct vcl_error **err)
{
	static const char *const later[] = {"projected", "downwardAPI"};
	const char *name = vcl_yaml_str(vcl_yaml_get(r->doc, vm, "name"));
	const char *path = vcl_yaml_str(vcl_yaml_get(r->doc, vm, "mountPath"));
	const char *ro = vcl_yaml_str(vcl_yaml_get(r->doc, vm, "readOnly"));
	yaml_node_t *vols = vcl_yaml_get(r->doc, podspec, "volumes"), *vol = NULL, *ed, *cm, *sec;
	struct vcl_service_def *d = r->d;
	struct vcl_volume *grown, *v;

	if (name == NULL || path == NULL || path[0] != '/' || strlen(path) > 255)
		return vcl_yaml_error(err, r->y, vm,
				      "volumeMounts: expected a name and an absolute mountPath");
	for (size_t i = 0; i < vcl_yaml_seq_len(vols) && vol == NULL; i++) {
		yaml_node_t *it = vcl_yaml_seq_at(r->doc, vols, i);
		const char *n = vcl_yaml_str(vcl_yaml_get(r->doc, it, "name"));

		if (n != NULL && strcmp(n, name) == 0)
			vol = it;
	}
	if (vol == NULL)
		return vcl_yaml_error(err, r->y, vm, "volumeMounts: no volume named %s in volumes",
				      name);
	for (size_t k = 0; k < ARRAY_SIZE(later); k++)
		if (vcl_yaml_get(r->doc, vol, later[k]) != NULL)
			skip(r, vol,
			     "volume %s (%s): vclab mounts emptyDir, configMap and secret only",
			     name, later[k]);
	if (vcl_yaml_get(r->doc, vm, "subPath") != NULL ||
	    vcl_yaml_get(r->doc, vm, "subPathExpr") != NULL)
		skip(r, vm, "volumeMounts %s: subPath is not mounted by vclab yet", name);
	ed = vcl_yaml_get(r->doc, vol, "emptyDir");
	cm = vcl_yaml_get(r->doc, vol, "configMap");
	sec = vcl_yaml_get(r->doc, vol, "secret");
	if (ed == NULL && cm == NULL && sec == NULL)
		return 0;
	grown = vcl_service_own(d, calloc(d->nvols + 1, sizeof(*grown)));
	if (grown == NULL)
		return nomem(err);
	if (d->nvols > 0)
		memcpy(grown, d->vols, d->nvols * sizeof(*grown));
	d->vols = grown;
	v = &d->vols[d->nvols++];
	if ((v->name = vcl_service_own_str(d, name)) == NULL ||
	    (v->target = vcl_service_own_str(d, path)) == NULL)
		return nomem(err);
	/* configMap and secret volumes are read-only, as the kubelet mounts
	 * them; an emptyDir as volumeMounts says. */
	v->read_only = ed == NULL || (ro != NULL && strcmp(ro, "true") == 0);
	v->empty = ed != NULL;
	if (ed != NULL) {
		yaml_node_t *lim = vcl_yaml_get(r->doc, ed, "sizeLimit");
		const char *medium = vcl_yaml_str(vcl_yaml_get(r->doc, ed, "medium"));
		const char *q = vcl_yaml_str(lim);
		double bytes;

		if (medium != NULL && medium[0] != '\0' && strcmp(medium, "Memory") != 0)
			skip(r, ed, "volume %s: emptyDir medium %s is not read by vclab", name,
			     medium);
		if (lim != NULL && (q == NULL || vcl_k8s_quantity(q, &bytes) < 0 || bytes < 1))
			return vcl_yaml_error(err, r->y, lim,
					      "emptyDir sizeLimit '%s': not a Kubernetes quantity",
					      q != NULL ? q : "");
		if (lim != NULL)
			v->size_bytes = (uint64_t)ceil(bytes);
		return 0;
	}
	return vol_files(r, cm != NULL ? cm : sec, cm == NULL, v, err);
}

/* Volumes: the main container's mounts become d->vols; storage a
 * placement cannot reproduce is a skip reason. */
static int read_volumes(struct reader *r, yaml_node_t *podspec, yaml_node_t *c,
			struct vcl_error **err)
{
	static const char *const host[] = {
	    "hostPath", "persistentVolumeClaim", "nfs", "iscsi", "csi", "ephemeral"};
	yaml_node_t *mounts = vcl_yaml_get(r->doc, c, "volumeMounts");
	yaml_node_t *vols = vcl_yaml_get(r->doc, podspec, "volumes");

	for (size_t i = 0; i < vcl_yaml_seq_len(vols); i++) {
		yaml_node_t *v = vcl_yaml_seq_at(r->doc, vols, i);
		const char *name = vcl_yaml_str(vcl_yaml_get(r->doc, v, "name"));

		for (size_t k = 0; k < ARRAY_SIZE(host); k++)
			if (vcl_yaml_get(r->doc, v, host[k]) != NULL)
				skip(r, v,
				     "volume %s is a %s: node or cluster storage a placement "
				     "here cannot reproduce",
				     name != NULL ? name : "?", host[k]);
	}
	for (size_t i = 0; i < vcl_yaml_seq_len(mounts); i++)
		if (read_mount(r, podspec, vcl_yaml_seq_at(r->doc, mounts, i), err) < 0)
			return -1;
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
		return nomem(err);
	if (from == NULL)
		skip(r, img,
		     "image %s: no --image-map entry, and vclab reads images only from local "
		     "layouts, archives or a mirror the map names",
		     ref);
	k->sec = *pod_sec;
	k->sec_given = pod_sec_given || vcl_yaml_get(r->doc, c, "securityContext") != NULL;
	if (read_security(r, vcl_yaml_get(r->doc, c, "securityContext"), false, &k->sec, err) < 0 ||
	    read_env(r, c, k, err) < 0 ||
	    str_list(r, vcl_yaml_get(r->doc, c, "command"), "command", &command, err) < 0 ||
	    str_list(r, vcl_yaml_get(r->doc, c, "args"), "args", &args, err) < 0)
		return -1;
	nenv = k->io.env != NULL ? vcl_strv_len(k->io.env) : 0;
	for (size_t i = 0; command != NULL && command[i] != NULL; i++)
		if ((command[i] = expand(r, command[i], k->io.env, nenv)) == NULL)
			return nomem(err);
	for (size_t i = 0; args != NULL && args[i] != NULL; i++)
		if ((args[i] = expand(r, args[i], k->io.env, nenv)) == NULL)
			return nomem(err);
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
			return nomem(err);
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
	if (read_security(r, pod_sc, true, &pod_sec, err) < 0)
		return -1;
	d->ctrs = calloc(n + ni, sizeof(*d->ctrs));
	if (d->ctrs == NULL)
		return nomem(err);
	d->nctrs = n + ni;
	for (size_t i = 0; i < ni + n; i++) {
		yaml_node_t *c = i < ni ? vcl_yaml_seq_at(r->doc, init, i)
					: vcl_yaml_seq_at(r->doc, ctrs, i - ni);

		if (read_container(r, c, i < ni, &pod_sec, pod_sc != NULL, &d->ctrs[i], err) < 0)
			return -1;
		if (i < ni && !d->ctrs[i].sidecar)
			continue;
		if (resource(r, c, "memory", &mem, &mem_given, err) < 0 ||
		    resource(r, c, "cpu", &cpu, &cpu_given, err) < 0)
			return -1;
	}
	d->io = d->ctrs[ni].io; /* the main container: the first of containers[] */
	d->sec = d->ctrs[ni].sec;
	/* The pod's probe: the first app container's that has one. */
	for (size_t i = 0; i < n && probed == 0; i++)
		if ((probed = read_probe(r, podspec, vcl_yaml_seq_at(r->doc, ctrs, i), err)) < 0)
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
	if (read_volumes(r, podspec, vcl_yaml_seq_at(r->doc, ctrs, 0), err) < 0)
		return -1;
	/* The pod's volumes are mounted in its main container only. */
	for (size_t i = 0; i < ni + n; i++) {
		yaml_node_t *c = i < ni ? vcl_yaml_seq_at(r->doc, init, i)
					: vcl_yaml_seq_at(r->doc, ctrs, i - ni);
		yaml_node_t *vm = vcl_yaml_get(r->doc, c, "volumeMounts");

		if (i != ni && vcl_yaml_seq_len(vm) > 0)
			skip(r, vm,
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
		return nomem(err);
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
		nomem(err);
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
		nomem(err);
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
