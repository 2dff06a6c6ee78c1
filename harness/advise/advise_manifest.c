/* SPDX-License-Identifier: MIT */
/*
 * Kubernetes objects as the advisor reads them: workloads (Deployment,
 * StatefulSet, DaemonSet, Job, CronJob, Pod) with what their pod spec says
 * about resources, devices, host access and security context;
 * HorizontalPodAutoscalers and Namespaces, joined to the workloads once all
 * input is read; and the --map file. Every fact that can move a decision is
 * kept with its "FILE:LINE" (docs/advisor.md, "Manifests"). Pure: works on
 * loaded YAML.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "advise/advise.h"
#include "advise/advise_input.h"
#include "core/cleanup.h"
#include "core/k8s.h"

void vcl_service_fact(struct vcl_service *s, enum vcl_fact_kind kind, const char *at,
		      const char *fmt, ...)
{
	struct vcl_fact *f;
	va_list ap;

	if (s->nfacts >= VCL_MAX_FACTS)
		return;
	f = &s->facts[s->nfacts++];
	f->kind = kind;
	snprintf(f->at, sizeof(f->at), "%s", at != NULL ? at : "");
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
}

const struct vcl_fact *vcl_service_find_fact(const struct vcl_service *s, enum vcl_fact_kind kind)
{
	for (size_t i = 0; i < s->nfacts; i++)
		if (s->facts[i].kind == kind)
			return &s->facts[i];
	return NULL;
}

/* Reading one object: the YAML, its document and the service it fills. */
struct obj {
	struct vcl_yaml *y;
	yaml_document_t *doc;
	struct vcl_service *s;
	struct vcl_advise_input *in;
};

static void at_of(const struct obj *o, const yaml_node_t *n, char *buf, size_t len)
{
	vcl_advise_line(o->y, n, buf, len);
}

static bool is_true(yaml_node_t *n)
{
	const char *v = vcl_yaml_str(n);

	return v != NULL && strcmp(v, "true") == 0;
}

static void fact(const struct obj *o, enum vcl_fact_kind kind, const yaml_node_t *n,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void fact(const struct obj *o, enum vcl_fact_kind kind, const yaml_node_t *n,
		 const char *fmt, ...)
{
	char at[160], text[200];
	va_list ap;

	at_of(o, n, at, sizeof(at));
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	vcl_service_fact(o->s, kind, at, "%s", text);
	if (kind == VCL_FACT_HOST)
		o->s->host_access = true;
}

/* Paths whose hostPath mount gives the host kernel's view or its runtime
 * sockets: a VM runtime class would mount the guest's instead (or nothing). */
static bool host_view_path(const char *path)
{
	static const char *const prefixes[] = {"/proc", "/sys", "/var/run", "/run", "/dev"};
	size_t n;

	if (strcmp(path, "/") == 0)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		n = strlen(prefixes[i]);
		if (strncmp(path, prefixes[i], n) == 0 && (path[n] == '\0' || path[n] == '/'))
			return true;
	}
	return false;
}

static void read_volumes(const struct obj *o, yaml_node_t *podspec)
{
	yaml_node_t *vols = vcl_yaml_get(o->doc, podspec, "volumes");

	for (size_t i = 0; i < vcl_yaml_seq_len(vols); i++) {
		yaml_node_t *v = vcl_yaml_seq_at(o->doc, vols, i);
		yaml_node_t *hp = vcl_yaml_get(o->doc, v, "hostPath");
		yaml_node_t *pn = vcl_yaml_get(o->doc, hp, "path");
		const char *path = vcl_yaml_str(pn);
		const char *name = vcl_yaml_str(vcl_yaml_get(o->doc, v, "name"));

		if (path == NULL)
			continue;
		if (host_view_path(path))
			fact(o, VCL_FACT_HOST, pn, "hostPath %s (volume %s)", path,
			     name != NULL ? name : "?");
		else
			fact(o, VCL_FACT_HARDENING, pn, "hostPath %s (volume %s): node files", path,
			     name != NULL ? name : "?");
	}
}

/* securityContext of a container (cname) or of the pod (cname NULL). */
static void read_security(const struct obj *o, yaml_node_t *sc, const char *cname)
{
	char who[160];
	yaml_node_t *n;

	if (sc == NULL)
		return;
	if (cname != NULL)
		snprintf(who, sizeof(who), "container %s", cname);
	else
		snprintf(who, sizeof(who), "pod");
	n = vcl_yaml_get(o->doc, sc, "privileged");
	if (is_true(n))
		fact(o, VCL_FACT_HOST, n, "privileged: true (%s)", who);
	n = vcl_yaml_get(o->doc, vcl_yaml_get(o->doc, sc, "capabilities"), "add");
	for (size_t i = 0; i < vcl_yaml_seq_len(n); i++) {
		yaml_node_t *c = vcl_yaml_seq_at(o->doc, n, i);
		const char *cap = vcl_yaml_str(c);

		if (cap == NULL)
			continue;
		/* SYS_MODULE loads code into the host kernel: the host's, not a
		 * guest's, is the point. */
		if (strcasecmp(cap, "SYS_MODULE") == 0 || strcasecmp(cap, "CAP_SYS_MODULE") == 0)
			fact(o, VCL_FACT_HOST, c, "capabilities.add %s (%s)", cap, who);
		else
			fact(o, VCL_FACT_HARDENING, c, "capabilities.add %s (%s)", cap, who);
	}
	n = vcl_yaml_get(o->doc, sc, "allowPrivilegeEscalation");
	if (is_true(n))
		fact(o, VCL_FACT_HARDENING, n, "allowPrivilegeEscalation: true (%s)", who);
	n = vcl_yaml_get(o->doc, sc, "runAsUser");
	if (vcl_yaml_str(n) != NULL && strcmp(vcl_yaml_str(n), "0") == 0)
		fact(o, VCL_FACT_HARDENING, n, "runAsUser: 0, root (%s)", who);
	n = vcl_yaml_get(o->doc, sc, "runAsNonRoot");
	if (vcl_yaml_str(n) != NULL && strcmp(vcl_yaml_str(n), "false") == 0)
		fact(o, VCL_FACT_HARDENING, n, "runAsNonRoot: false (%s)", who);
	n = vcl_yaml_get(o->doc, sc, "readOnlyRootFilesystem");
	if (vcl_yaml_str(n) != NULL && strcmp(vcl_yaml_str(n), "false") == 0)
		fact(o, VCL_FACT_HARDENING, n, "readOnlyRootFilesystem: false (%s)", who);
}

/* Resource names that are not a device: the scheduler's own. */
static bool device_resource(const char *name)
{
	static const char *const plain[] = {"cpu", "memory", "ephemeral-storage", "storage",
					    "pods"};

	for (size_t i = 0; i < ARRAY_SIZE(plain); i++)
		if (strcmp(name, plain[i]) == 0)
			return false;
	return strncmp(name, "hugepages-", 10) != 0;
}

static void read_devices(const struct obj *o, yaml_node_t *res, const char *cname)
{
	static const char *const kinds[] = {"limits", "requests"};

	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		yaml_node_t *m = vcl_yaml_get(o->doc, res, kinds[k]);

		if (m == NULL || m->type != YAML_MAPPING_NODE)
			continue;
		for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
		     p < m->data.mapping.pairs.top; p++) {
			yaml_node_t *key = yaml_document_get_node(o->doc, p->key);
			yaml_node_t *val = yaml_document_get_node(o->doc, p->value);
			const char *name = vcl_yaml_str(key);

			if (name == NULL || !device_resource(name))
				continue;
			/* limits and requests of one device are one fact. */
			if (k == 1 &&
			    vcl_yaml_get(o->doc, vcl_yaml_get(o->doc, res, "limits"), name) != NULL)
				continue;
			o->s->device = true;
			fact(o, VCL_FACT_DEVICE, key, "%s %s: %s (container %s)", kinds[k], name,
			     vcl_yaml_str(val) != NULL ? vcl_yaml_str(val) : "?", cname);
		}
	}
}

/* One container: its requests (limits where a request is missing), image,
 * devices and securityContext. counted: adds to the replica's size (not
 * for init containers, which run before the others). */
static int read_container(const struct obj *o, yaml_node_t *c, bool counted, size_t *no_mem,
			  struct vcl_error **err)
{
	yaml_node_t *res = vcl_yaml_get(o->doc, c, "resources");
	yaml_node_t *req = vcl_yaml_get(o->doc, res, "requests");
	yaml_node_t *lim = vcl_yaml_get(o->doc, res, "limits");
	yaml_node_t *mem = vcl_yaml_get(o->doc, req, "memory");
	yaml_node_t *cpu = vcl_yaml_get(o->doc, req, "cpu");
	const char *name = vcl_yaml_str(vcl_yaml_get(o->doc, c, "name"));
	const char *image = vcl_yaml_str(vcl_yaml_get(o->doc, c, "image"));
	struct vcl_service *s = o->s;
	double v = 0.0;

	if (name == NULL)
		name = "?";
	if (image != NULL && s->nimages < VCL_MAX_CONTAINERS)
		snprintf(s->images[s->nimages++], sizeof(s->images[0]), "%s", image);
	read_devices(o, res, name);
	read_security(o, vcl_yaml_get(o->doc, c, "securityContext"), name);
	if (!counted)
		return 0;
	if (mem == NULL)
		mem = vcl_yaml_get(o->doc, lim, "memory");
	if (cpu == NULL)
		cpu = vcl_yaml_get(o->doc, lim, "cpu");
	if (mem != NULL) {
		if (vcl_advise_get_memory(o->y, mem, &v, err) < 0)
			return -1;
		s->mem_mib += v;
		s->mem_given = true;
	} else {
		(*no_mem)++;
	}
	if (cpu != NULL) {
		if (vcl_advise_get_cpu(o->y, cpu, &v, err) < 0)
			return -1;
		s->cpu += v;
		s->cpu_given = true;
	}
	return 0;
}

/* The placement an existing runtimeClassName stands for, -1 when it is
 * not one the advisor knows. */
static int runtime_class_place(const char *rc)
{
	static const char *const vm[] = {"kata", "firecracker", "clh", "cloud-hypervisor",
					 "qemu", "vm"};

	if (strcmp(rc, "runc") == 0 || strcmp(rc, "crun") == 0)
		return VCL_CTR;
	for (size_t i = 0; i < ARRAY_SIZE(vm); i++)
		if (strstr(rc, vm[i]) != NULL)
			return VCL_VM;
	return -1;
}

/* Everything in a pod spec: containers (and native sidecars, init
 * containers with restartPolicy Always, which run beside them), host
 * namespaces, hostPath volumes, security context, runtime class. */
static int read_podspec(const struct obj *o, yaml_node_t *podspec, struct vcl_error **err)
{
	static const char *const hostns[] = {"hostNetwork", "hostPID", "hostIPC"};
	yaml_node_t *ctrs = vcl_yaml_get(o->doc, podspec, "containers");
	yaml_node_t *init = vcl_yaml_get(o->doc, podspec, "initContainers");
	yaml_node_t *rc = vcl_yaml_get(o->doc, podspec, "runtimeClassName");
	struct vcl_service *s = o->s;
	size_t n = vcl_yaml_seq_len(ctrs), no_mem = 0, counted = n;

	if (n == 0)
		return vcl_yaml_error(err, o->y, podspec != NULL ? podspec : ctrs,
				      "%s '%s' has no containers", s->kind, s->name);
	for (size_t i = 0; i < n; i++)
		if (read_container(o, vcl_yaml_seq_at(o->doc, ctrs, i), true, &no_mem, err) < 0)
			return -1;
	for (size_t i = 0; i < vcl_yaml_seq_len(init); i++) {
		yaml_node_t *c = vcl_yaml_seq_at(o->doc, init, i);
		const char *restart = vcl_yaml_str(vcl_yaml_get(o->doc, c, "restartPolicy"));
		bool sidecar = restart != NULL && strcmp(restart, "Always") == 0;

		if (sidecar)
			counted++;
		if (read_container(o, c, sidecar, &no_mem, err) < 0)
			return -1;
	}
	/* After the containers, so "privileged" is the first host fact cited. */
	for (size_t i = 0; i < ARRAY_SIZE(hostns); i++) {
		yaml_node_t *h = vcl_yaml_get(o->doc, podspec, hostns[i]);

		if (is_true(h))
			fact(o, VCL_FACT_HOST, h, "%s: true", hostns[i]);
	}
	read_security(o, vcl_yaml_get(o->doc, podspec, "securityContext"), NULL);
	read_volumes(o, podspec);
	if (vcl_yaml_str(rc) != NULL) {
		snprintf(s->runtime_class, sizeof(s->runtime_class), "%s", vcl_yaml_str(rc));
		s->prefer = runtime_class_place(s->runtime_class);
		s->prefer_given = s->prefer >= 0;
		fact(o, VCL_FACT_RUNTIME, rc, "runtimeClassName: %s", s->runtime_class);
	}
	if (no_mem > 0 && vcl_advise_warn(o->in, o->y, podspec, "warning",
					  "%s '%s': %zu of %zu containers state no memory request "
					  "or limit (counted as 0)",
					  s->kind, s->name, no_mem, counted) < 0)
		return vcl_advise_nomem(err, o->y);
	return 0;
}

/* vclab.io/<field> annotations of one metadata mapping. */
static int read_annotations(const struct obj *o, yaml_node_t *meta, bool *replicas_set,
			    struct vcl_error **err)
{
	yaml_node_t *ann = vcl_yaml_get(o->doc, meta, "annotations");
	static const char prefix[] = "vclab.io/";

	if (ann == NULL)
		return 0;
	if (ann->type != YAML_MAPPING_NODE)
		return vcl_yaml_error(err, o->y, ann, "annotations must be a mapping");
	for (yaml_node_pair_t *p = ann->data.mapping.pairs.start; p < ann->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(o->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(o->doc, p->value);
		const char *key = vcl_yaml_str(k);
		char field[64];
		int r;

		if (key == NULL || strncmp(key, prefix, sizeof(prefix) - 1) != 0)
			continue;
		/* Annotation names are usually kebab-case: accept both. */
		snprintf(field, sizeof(field), "%s", key + sizeof(prefix) - 1);
		for (char *c = field; *c != '\0'; c++)
			if (*c == '-')
				*c = '_';
		if (vcl_yaml_str(v) == NULL)
			return vcl_yaml_error(err, o->y, v, "annotation %s must be a string", key);
		r = vcl_advise_set_field(o->y, o->doc, o->s, field, v, err);
		if (r < 0)
			return -1;
		if (r == 0 && vcl_advise_warn(o->in, o->y, k, "warning",
					      "unknown annotation '%s' (ignored)", key) < 0)
			return vcl_advise_nomem(err, o->y);
		if (r > 0 && strcmp(field, "replicas") == 0)
			*replicas_set = true;
		if (r > 0 && strcmp(field, "tenancy") == 0)
			fact(o, VCL_FACT_TENANCY, v, "%s: %s on %s %s", key, vcl_yaml_str(v),
			     o->s->kind, o->s->name);
	}
	return 0;
}

static const char *ns_of(yaml_document_t *doc, yaml_node_t *meta)
{
	const char *ns = vcl_yaml_str(vcl_yaml_get(doc, meta, "namespace"));

	return ns != NULL && ns[0] != '\0' ? ns : "default";
}

/* A label or annotation of a Namespace. */
static yaml_node_t *ns_meta(yaml_document_t *doc, yaml_node_t *meta, const char *key)
{
	yaml_node_t *v = vcl_yaml_get(doc, vcl_yaml_get(doc, meta, "labels"), key);

	return v != NULL ? v : vcl_yaml_get(doc, vcl_yaml_get(doc, meta, "annotations"), key);
}

static int read_namespace(struct vcl_yaml *y, yaml_document_t *doc, yaml_node_t *root,
			  struct vcl_advise_input *in, struct vcl_error **err)
{
	yaml_node_t *meta = vcl_yaml_get(doc, root, "metadata");
	const char *name = vcl_yaml_str(vcl_yaml_get(doc, meta, "name"));
	yaml_node_t *enf = ns_meta(doc, meta, "pod-security.kubernetes.io/enforce");
	yaml_node_t *ten = ns_meta(doc, meta, "vclab.io/tenancy");
	struct vcl_k8s_ns ns = {.tenancy = -1};
	struct vcl_k8s_ns *grown;

	if (name == NULL)
		return vcl_yaml_error(err, y, root, "Namespace without metadata.name");
	snprintf(ns.name, sizeof(ns.name), "%s", name);
	vcl_advise_line(y, root, ns.at, sizeof(ns.at));
	if (vcl_yaml_str(enf) != NULL) {
		snprintf(ns.enforce, sizeof(ns.enforce), "%s", vcl_yaml_str(enf));
		vcl_advise_line(y, enf, ns.enforce_at, sizeof(ns.enforce_at));
	}
	if (ten != NULL) {
		if (vcl_advise_get_tenancy(y, ten, &ns.tenancy, err) < 0)
			return -1;
		vcl_advise_line(y, ten, ns.tenancy_at, sizeof(ns.tenancy_at));
	}
	grown = realloc(in->ns, (in->nns + 1) * sizeof(*grown));
	if (grown == NULL)
		return vcl_advise_nomem(err, y);
	in->ns = grown;
	in->ns[in->nns++] = ns;
	return 0;
}

/* autoscaling/v2 (and v2beta2): metrics[] of type Resource, cpu,
 * Utilization; v1: targetCPUUtilizationPercentage. */
static int hpa_cpu_target(struct vcl_yaml *y, yaml_document_t *doc, yaml_node_t *spec, double *out,
			  struct vcl_error **err)
{
	yaml_node_t *v1 = vcl_yaml_get(doc, spec, "targetCPUUtilizationPercentage");
	yaml_node_t *metrics = vcl_yaml_get(doc, spec, "metrics");

	*out = 0.0;
	if (v1 != NULL)
		return vcl_yaml_double(y, v1, 1.0, 1000.0, out, err);
	for (size_t i = 0; i < vcl_yaml_seq_len(metrics); i++) {
		yaml_node_t *mt = vcl_yaml_seq_at(doc, metrics, i);
		yaml_node_t *r = vcl_yaml_get(doc, mt, "resource");
		const char *rn = vcl_yaml_str(vcl_yaml_get(doc, r, "name"));
		yaml_node_t *t = vcl_yaml_get(doc, r, "target");
		yaml_node_t *u = vcl_yaml_get(doc, t, "averageUtilization");

		if (rn == NULL || strcmp(rn, "cpu") != 0)
			continue;
		if (u == NULL) /* v2beta1 */
			u = vcl_yaml_get(doc, r, "targetAverageUtilization");
		if (u != NULL)
			return vcl_yaml_double(y, u, 1.0, 1000.0, out, err);
	}
	return 0;
}

static int read_hpa(struct vcl_yaml *y, yaml_document_t *doc, yaml_node_t *root,
		    struct vcl_advise_input *in, struct vcl_error **err)
{
	yaml_node_t *meta = vcl_yaml_get(doc, root, "metadata");
	yaml_node_t *spec = vcl_yaml_get(doc, root, "spec");
	yaml_node_t *ref = vcl_yaml_get(doc, spec, "scaleTargetRef");
	yaml_node_t *minn = vcl_yaml_get(doc, spec, "minReplicas");
	yaml_node_t *maxn = vcl_yaml_get(doc, spec, "maxReplicas");
	const char *name = vcl_yaml_str(vcl_yaml_get(doc, meta, "name"));
	const char *tkind = vcl_yaml_str(vcl_yaml_get(doc, ref, "kind"));
	const char *tname = vcl_yaml_str(vcl_yaml_get(doc, ref, "name"));
	struct vcl_k8s_hpa h = {0};
	struct vcl_k8s_hpa *grown;

	if (tkind == NULL || tname == NULL)
		return vcl_yaml_error(err, y, ref != NULL ? ref : root,
				      "HorizontalPodAutoscaler '%s' has no scaleTargetRef kind "
				      "and name",
				      name != NULL ? name : "?");
	if (maxn == NULL)
		return vcl_yaml_error(err, y, spec != NULL ? spec : root,
				      "HorizontalPodAutoscaler '%s' has no maxReplicas",
				      name != NULL ? name : "?");
	h.h.present = true;
	h.h.min = 1;
	if (minn != NULL && vcl_advise_get_count(y, minn, "minReplicas", &h.h.min, err) < 0)
		return -1;
	if (vcl_advise_get_count(y, maxn, "maxReplicas", &h.h.max, err) < 0)
		return -1;
	if (h.h.max < h.h.min)
		return vcl_yaml_error(err, y, maxn, "maxReplicas %ld is below minReplicas %ld",
				      h.h.max, h.h.min);
	if (hpa_cpu_target(y, doc, spec, &h.h.cpu_target, err) < 0)
		return -1;
	snprintf(h.h.name, sizeof(h.h.name), "%s", name != NULL ? name : "(unnamed)");
	vcl_advise_line(y, root, h.h.at, sizeof(h.h.at));
	snprintf(h.ns, sizeof(h.ns), "%s", ns_of(doc, meta));
	snprintf(h.target_kind, sizeof(h.target_kind), "%s", tkind);
	snprintf(h.target, sizeof(h.target), "%s", tname);
	grown = realloc(in->hpa, (in->nhpa + 1) * sizeof(*grown));
	if (grown == NULL)
		return vcl_advise_nomem(err, y);
	in->hpa = grown;
	in->hpa[in->nhpa++] = h;
	return 0;
}

static int remember_file(struct vcl_advise_input *in, const char *name)
{
	char **grown;

	for (size_t i = 0; i < in->nfiles; i++)
		if (strcmp(in->files[i], name) == 0)
			return 0;
	grown = realloc(in->files, (in->nfiles + 1) * sizeof(*grown));
	if (grown == NULL)
		return -1;
	in->files = grown;
	in->files[in->nfiles] = strdup(name);
	if (in->files[in->nfiles] == NULL)
		return -1;
	in->nfiles++;
	return 0;
}

static int read_workload(struct vcl_yaml *y, const struct vcl_k8s_obj *ko,
			 const struct vcl_k8s_workload *w, struct vcl_advise_input *in,
			 struct vcl_error **err)
{
	yaml_document_t *doc = ko->doc;
	yaml_node_t *root = ko->root;
	yaml_node_t *meta = vcl_yaml_get(doc, root, "metadata");
	const char *name = ko->name != NULL ? ko->name : "(unnamed)";
	struct vcl_service s;
	struct obj o = {.y = y, .doc = doc, .s = &s, .in = in};
	struct vcl_k8s_pod pod;
	bool replicas_set = false;

	vcl_advise_service_defaults(&s);
	s.k8s = true;
	snprintf(s.kind, sizeof(s.kind), "%s", w->kind);
	snprintf(s.name, sizeof(s.name), "%s", name);
	snprintf(s.ns, sizeof(s.ns), "%s", ko->ns);
	s.ns_given = ko->ns_given;
	snprintf(s.file, sizeof(s.file), "%s", y->name);
	snprintf(s.api_version, sizeof(s.api_version), "%s",
		 vcl_yaml_str(vcl_yaml_get(doc, root, "apiVersion")) != NULL
		     ? vcl_yaml_str(vcl_yaml_get(doc, root, "apiVersion"))
		     : "v1");
	vcl_advise_where(y, root, s.origin, sizeof(s.origin));
	if (vcl_k8s_pod_template(y, ko, w, &pod, err) < 0)
		return -1;
	if (pod.count != NULL && vcl_advise_get_count(y, pod.count, w->count, &s.replicas, err) < 0)
		return -1;
	if (read_podspec(&o, pod.spec, err) < 0)
		return -1;
	/* The object's annotations first, then the pod template's, which are
	 * closer to the pods and win (a Pod has only its own). */
	if (read_annotations(&o, meta, &replicas_set, err) < 0 ||
	    (pod.meta != meta && read_annotations(&o, pod.meta, &replicas_set, err) < 0))
		return -1;
	if (strcmp(w->kind, "DaemonSet") == 0 && !replicas_set &&
	    vcl_advise_warn(in, y, root, "note",
			    "DaemonSet '%s' runs one replica per node: counted as 1 (set "
			    "vclab.io/replicas to the node count)",
			    name) < 0)
		return vcl_advise_nomem(err, y);
	s.own_replicas = s.hpa_max = s.replicas;
	s.nfacts_own = s.nfacts;
	if (vcl_advise_push_service(in, &s) < 0 || remember_file(in, y->name) < 0)
		return vcl_advise_nomem(err, y);
	return 0;
}

int vcl_advise_parse_k8s(struct vcl_yaml *y, const struct vcl_k8s_obj *o, void *ctx,
			 struct vcl_error **err)
{
	struct vcl_advise_input *in = ctx;
	yaml_node_t *kind_n = vcl_yaml_get(o->doc, o->root, "kind");
	const struct vcl_k8s_workload *w;

	if (o->kind == NULL)
		return vcl_yaml_error(err, y, kind_n != NULL ? kind_n : o->root,
				      "Kubernetes object without a kind");
	if (strcmp(o->kind, "Namespace") == 0)
		return read_namespace(y, o->doc, o->root, in, err);
	if (strcmp(o->kind, "HorizontalPodAutoscaler") == 0)
		return read_hpa(y, o->doc, o->root, in, err);
	w = vcl_k8s_workload_of(o->kind);
	if (w != NULL)
		return read_workload(y, o, w, in, err);
	if (vcl_advise_skip_kind(in, y, o) < 0)
		return vcl_advise_nomem(err, y);
	return 0;
}

static void join_namespace(struct vcl_service *s, const struct vcl_k8s_ns *ns)
{
	if (ns->tenancy >= 0) {
		vcl_service_fact(s, VCL_FACT_TENANCY, ns->tenancy_at,
				 "vclab.io/tenancy: %s on Namespace %s",
				 vcl_tenancy_name((enum vcl_tenancy)ns->tenancy), ns->name);
		/* The stricter of the two: a namespace for untrusted tenants
		 * does not become trusted by an annotation on one object. */
		if (!s->tenancy_given || ns->tenancy > (int)s->tenancy)
			s->tenancy = (enum vcl_tenancy)ns->tenancy;
		s->tenancy_given = true;
	}
	if (ns->enforce[0] != '\0')
		vcl_service_fact(s, VCL_FACT_PSA, ns->enforce_at,
				 "pod-security.kubernetes.io/enforce: %s on Namespace %s",
				 ns->enforce, ns->name);
}

static void join_hpa(struct vcl_service *s, const struct vcl_k8s_hpa *h)
{
	char target[48] = "";

	s->hpa = h->h;
	/* The HPA owns the replica count: it never goes below min, and spec.
	 * replicas is only the count before it first acts. */
	s->replicas = h->h.min;
	s->hpa_max = h->h.max;
	if (h->h.cpu_target > 0.0)
		snprintf(target, sizeof(target), " at %g%% CPU", h->h.cpu_target);
	vcl_service_fact(s, VCL_FACT_HPA, h->h.at,
			 "HorizontalPodAutoscaler %s scales %s %s from %ld to %ld replicas%s",
			 h->h.name, s->kind, s->name, h->h.min, h->h.max, target);
}

int vcl_advise_join(struct vcl_advise_input *in, struct vcl_error **err)
{
	(void)err;
	for (size_t i = 0; i < in->nsvc; i++) {
		struct vcl_service *s = &in->svc[i];

		if (!s->k8s)
			continue;
		s->nfacts = s->nfacts_own;
		s->replicas = s->hpa_max = s->own_replicas;
		s->tenancy = s->own_tenancy;
		s->tenancy_given = s->own_tenancy_given;
		memset(&s->hpa, 0, sizeof(s->hpa));
		for (size_t j = 0; j < in->nns; j++)
			if (strcmp(in->ns[j].name, s->ns) == 0)
				join_namespace(s, &in->ns[j]);
	}
	for (size_t j = 0; j < in->nhpa; j++) {
		const struct vcl_k8s_hpa *h = &in->hpa[j];
		bool found = false;

		for (size_t i = 0; i < in->nsvc; i++) {
			struct vcl_service *s = &in->svc[i];

			if (s->k8s && strcmp(s->ns, h->ns) == 0 &&
			    strcmp(s->kind, h->target_kind) == 0 &&
			    strcmp(s->name, h->target) == 0) {
				join_hpa(s, h);
				found = true;
			}
		}
		if (!found &&
		    vcl_advise_note(in,
				    "%s: note: HorizontalPodAutoscaler %s targets %s %s/%s, "
				    "which is not in the input (ignored)",
				    h->h.at, h->h.name, h->target_kind, h->ns, h->target) < 0)
			return vcl_fail(err, ENOMEM, "Join HPAs");
	}
	return 0;
}

static int parse_map_yaml(struct vcl_yaml *y, struct vcl_advise_input *in, struct vcl_error **err)
{
	for (size_t i = 0; i < y->ndocs; i++) {
		yaml_document_t *doc = &y->docs[i];
		yaml_node_t *root = vcl_yaml_root(y, i);

		if (root == NULL)
			continue;
		if (root->type != YAML_MAPPING_NODE)
			return vcl_yaml_error(err, y, root,
					      "a map file is a mapping: image -> measured service");
		for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
		     p < root->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);
			yaml_node_t *v = yaml_document_get_node(doc, p->value);
			struct vcl_image_map *grown;

			if (vcl_yaml_str(k) == NULL || vcl_yaml_str(v) == NULL)
				return vcl_yaml_error(err, y, k,
						      "expected 'image: service-name' (two "
						      "strings)");
			grown = realloc(in->map, (in->nmap + 1) * sizeof(*grown));
			if (grown == NULL)
				return vcl_advise_nomem(err, y);
			in->map = grown;
			snprintf(in->map[in->nmap].image, sizeof(in->map[0].image), "%s",
				 vcl_yaml_str(k));
			snprintf(in->map[in->nmap].service, sizeof(in->map[0].service), "%s",
				 vcl_yaml_str(v));
			vcl_advise_line(y, k, in->map[in->nmap].at, sizeof(in->map[0].at));
			in->nmap++;
		}
	}
	return 0;
}

int vcl_advise_parse_map(const char *name, const char *buf, size_t len, struct vcl_advise_input *in,
			 struct vcl_error **err)
{
	struct vcl_yaml *y = NULL;
	int r;

	if (vcl_yaml_load_buffer(name, buf, len, &y, err) < 0)
		return -1;
	r = parse_map_yaml(y, in, err);
	vcl_yaml_free(y);
	return r;
}

int vcl_advise_load_map(const char *path, struct vcl_advise_input *in, struct vcl_error **err)
{
	struct vcl_yaml *y = NULL;
	int r;

	if (vcl_yaml_load_file(path, &y, err) < 0)
		return -1;
	r = parse_map_yaml(y, in, err);
	vcl_yaml_free(y);
	return r;
}

int vcl_advise_match_service(const struct vcl_advise_input *in, const struct vcl_service *s,
			     const struct vcl_measured *m, char *image_out, size_t len)
{
	/* The same workload, measured from its own manifest. */
	for (size_t i = 0; s->k8s && i < m->nsvc; i++) {
		const struct vcl_meas_service *ms = &m->svc[i];

		if (ms->kind[0] == '\0' || strcmp(ms->kind, s->kind) != 0 ||
		    strcmp(ms->wname, s->name) != 0 || strcmp(ms->ns, s->ns) != 0)
			continue;
		/* The digest as docker shows an id (its first 12 hex digits): the
		 * reference is where the image was read, not what the manifest says. */
		if (image_out != NULL)
			snprintf(image_out, len, "its own workload (read at %s), image %.19s",
				 ms->at, ms->digest[0] != '\0' ? ms->digest : ms->reference);
		return (int)i;
	}
	for (size_t c = 0; c < s->nimages; c++) {
		const char *img = s->images[c];

		for (size_t i = 0; i < m->nsvc; i++) {
			const struct vcl_meas_service *ms = &m->svc[i];

			if (vcl_k8s_image_matches(img, ms->reference) ||
			    (ms->digest[0] != '\0' && vcl_k8s_image_matches(img, ms->digest))) {
				if (image_out != NULL)
					snprintf(image_out, len, "image %s", img);
				return (int)i;
			}
		}
		for (size_t k = 0; in != NULL && k < in->nmap; k++) {
			if (!vcl_k8s_image_matches(img, in->map[k].image))
				continue;
			for (size_t i = 0; i < m->nsvc; i++) {
				if (strcmp(m->svc[i].name, in->map[k].service) != 0)
					continue;
				if (image_out != NULL)
					snprintf(image_out, len, "image %s (--map %s)", img,
						 in->map[k].at);
				return (int)i;
			}
		}
	}
	return -1;
}
