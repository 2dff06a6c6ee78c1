/* SPDX-License-Identifier: MIT */
/*
 * What a pod's fields become for `vclab bench --manifest`, with the
 * defaults a kubelet and its CRI runtime give what is left out: the
 * securityContext (capabilities, users, groups), the probes, the
 * resources, the volumes and their files. manifest.c reads the documents
 * and walks the workloads; this file maps one field at a time. Pure.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "bench/manifest.h"
#include "bench/manifest_internal.h"
#include "core/cleanup.h"
#include "core/k8s.h"
#include "core/util.h"
#include "core/yamldoc.h"

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
int vcl_mf_read_security(struct reader *r, yaml_node_t *sc, bool pod, struct vcl_security *sec,
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

	if (vcl_mf_str_list(r, vcl_yaml_get(r->doc, ex, "command"), "exec.command", &argv, err) < 0)
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
int vcl_mf_read_probe(struct reader *r, yaml_node_t *podspec, yaml_node_t *c,
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
			vcl_mf_skip(r, h,
				    "httpGet probe with scheme %s: vclab probes plain HTTP only",
				    scheme);
		if (vcl_yaml_get(r->doc, h, "host") != NULL)
			vcl_mf_skip(r, h,
				    "httpGet probe with a host: vclab probes the instance itself");
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
			return vcl_mf_nomem(err);
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
	vcl_mf_skip(r, probe, "probe of a kind vclab does not run (httpGet, tcpSocket, exec only)");
	return 1;
}

/* limits, else requests, of one resource of a container. */
int vcl_mf_resource(struct reader *r, yaml_node_t *c, const char *what, double *out, bool *given,
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
	s = vcl_mf_find_source(r, secret, name);
	if (s == NULL) {
		if (opt == NULL || strcmp(opt, "true") != 0)
			vcl_mf_skip(r, src, "volume %s: %s %s is not in the manifests given",
				    v->name, what, name);
		return 0;
	}
	if (s->binary != NULL)
		vcl_mf_skip(r, src,
			    "volume %s: ConfigMap %s has binaryData, which vclab does not read",
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
		val = vcl_mf_source_value(r, s, key, &bad);
		if (val == NULL) {
			if (opt == NULL || strcmp(opt, "true") != 0)
				vcl_mf_skip(r, it, "volume %s: %s %s has no key %s%s", v->name,
					    what, name, key, bad ? " that is base64 text" : "");
			continue;
		}
		if (vol_file_push(r, v, path, val, m) < 0)
			return vcl_mf_nomem(err);
	}
	if (items != NULL)
		return 0;
	nk = vcl_mf_source_keys(s, keys, ARRAY_SIZE(keys));
	for (size_t j = 0; j < nk; j++) {
		bool bad;
		char *val = NULL;

		if (!vol_path_ok(keys[j]) || strchr(keys[j], '/') != NULL ||
		    (val = vcl_mf_source_value(r, s, keys[j], &bad)) == NULL) {
			vcl_mf_skip(r, src, "volume %s: %s %s key %s is not a file name%s", v->name,
				    what, name, keys[j], secret ? " or not base64 text" : "");
			continue;
		}
		if (vol_file_push(r, v, keys[j], val, mode) < 0)
			return vcl_mf_nomem(err);
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
			vcl_mf_skip(
			    r, vol,
			    "volume %s (%s): vclab mounts emptyDir, configMap and secret only",
			    name, later[k]);
	if (vcl_yaml_get(r->doc, vm, "subPath") != NULL ||
	    vcl_yaml_get(r->doc, vm, "subPathExpr") != NULL)
		vcl_mf_skip(r, vm, "volumeMounts %s: subPath is not mounted by vclab yet", name);
	ed = vcl_yaml_get(r->doc, vol, "emptyDir");
	cm = vcl_yaml_get(r->doc, vol, "configMap");
	sec = vcl_yaml_get(r->doc, vol, "secret");
	if (ed == NULL && cm == NULL && sec == NULL)
		return 0;
	grown = vcl_service_own(d, calloc(d->nvols + 1, sizeof(*grown)));
	if (grown == NULL)
		return vcl_mf_nomem(err);
	if (d->nvols > 0)
		memcpy(grown, d->vols, d->nvols * sizeof(*grown));
	d->vols = grown;
	v = &d->vols[d->nvols++];
	if ((v->name = vcl_service_own_str(d, name)) == NULL ||
	    (v->target = vcl_service_own_str(d, path)) == NULL)
		return vcl_mf_nomem(err);
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
			vcl_mf_skip(r, ed, "volume %s: emptyDir medium %s is not read by vclab",
				    name, medium);
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
int vcl_mf_read_volumes(struct reader *r, yaml_node_t *podspec, yaml_node_t *c,
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
				vcl_mf_skip(
				    r, v,
				    "volume %s is a %s: node or cluster storage a placement "
				    "here cannot reproduce",
				    name != NULL ? name : "?", host[k]);
	}
	for (size_t i = 0; i < vcl_yaml_seq_len(mounts); i++)
		if (read_mount(r, podspec, vcl_yaml_seq_at(r->doc, mounts, i), err) < 0)
			return -1;
	return 0;
}
