/* SPDX-License-Identifier: MIT */
/*
 * Kubernetes objects in loaded YAML, shared by the advisor and bench
 * --manifest (core/k8s.h). Pure.
 */
#include "core/k8s.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"

int vcl_k8s_quantity(const char *s, double *out)
{
	static const struct {
		const char *suffix;
		double mult;
	} suffixes[] = {
	    {"Ki", 1024.0},
	    {"Mi", 1048576.0},
	    {"Gi", 1073741824.0},
	    {"Ti", 1099511627776.0},
	    {"Pi", 1125899906842624.0},
	    {"Ei", 1152921504606846976.0},
	    {"n", 1e-9},
	    {"u", 1e-6},
	    {"m", 1e-3},
	    {"k", 1e3},
	    {"M", 1e6},
	    {"G", 1e9},
	    {"T", 1e12},
	    {"P", 1e15},
	    {"E", 1e18},
	    {"", 1.0},
	};
	const char *p = s;
	char *end;
	double v;

	if (s == NULL)
		return -1;
	/* strtod also takes "inf", "nan", hex and leading blanks, none of
	 * which Kubernetes does: insist on a sign, digit or dot first, and no
	 * hex ("0x10"). */
	if (*p == '+')
		p++;
	if (!((*p >= '0' && *p <= '9') || *p == '.') || strpbrk(p, "xX") != NULL)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(v) || v < 0.0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		if (strcmp(end, suffixes[i].suffix) == 0) {
			*out = v * suffixes[i].mult;
			return 0;
		}
	}
	return -1;
}

void vcl_k8s_obj_init(yaml_document_t *doc, yaml_node_t *root, struct vcl_k8s_obj *o)
{
	yaml_node_t *meta = vcl_yaml_get(doc, root, "metadata");
	const char *ns = vcl_yaml_str(vcl_yaml_get(doc, meta, "namespace"));

	o->doc = doc;
	o->root = root;
	o->kind = vcl_yaml_str(vcl_yaml_get(doc, root, "kind"));
	o->name = vcl_yaml_str(vcl_yaml_get(doc, meta, "name"));
	o->ns_given = ns != NULL && ns[0] != '\0';
	o->ns = o->ns_given ? ns : "default";
}

static bool is_list(const struct vcl_k8s_obj *o)
{
	size_t n = o->kind != NULL ? strlen(o->kind) : 0;

	return n >= 4 && strcmp(o->kind + n - 4, "List") == 0 &&
	       vcl_yaml_get(o->doc, o->root, "items") != NULL;
}

int vcl_k8s_each(struct vcl_yaml *y, vcl_k8s_fn fn, vcl_k8s_fn other, void *ctx,
		 struct vcl_error **err)
{
	const char *what =
	    other != NULL ? "a service profile or a Kubernetes object" : "a Kubernetes object";

	for (size_t i = 0; i < y->ndocs; i++) {
		yaml_document_t *doc = &y->docs[i];
		yaml_node_t *root = vcl_yaml_root(y, i);
		yaml_node_t *items;
		struct vcl_k8s_obj o;

		if (root == NULL)
			continue;
		if (root->type != YAML_MAPPING_NODE)
			return vcl_yaml_error(err, y, root, "expected a mapping (%s)", what);
		vcl_k8s_obj_init(doc, root, &o);
		if (other != NULL && vcl_yaml_get(doc, root, "apiVersion") == NULL &&
		    o.kind == NULL) {
			if (other(y, &o, ctx, err) < 0)
				return -1;
			continue;
		}
		if (!is_list(&o)) {
			if (fn(y, &o, ctx, err) < 0)
				return -1;
			continue;
		}
		items = vcl_yaml_get(doc, root, "items");
		if (items->type != YAML_SEQUENCE_NODE)
			return vcl_yaml_error(err, y, items, "%s: items: expected a list", o.kind);
		for (size_t k = 0; k < vcl_yaml_seq_len(items); k++) {
			yaml_node_t *it = vcl_yaml_seq_at(doc, items, k);
			struct vcl_k8s_obj io;

			if (it->type != YAML_MAPPING_NODE)
				return vcl_yaml_error(err, y, it,
						      "expected a mapping (a Kubernetes object)");
			vcl_k8s_obj_init(doc, it, &io);
			if (fn(y, &io, ctx, err) < 0)
				return -1;
		}
	}
	return 0;
}

static const struct vcl_k8s_workload workloads[] = {
    {"Deployment", {"template", NULL, NULL}, "replicas"},
    {"StatefulSet", {"template", NULL, NULL}, "replicas"},
    {"ReplicaSet", {"template", NULL, NULL}, "replicas"},
    {"DaemonSet", {"template", NULL, NULL}, NULL},
    {"Job", {"template", NULL, NULL}, "parallelism"},
    {"CronJob", {"jobTemplate", "spec", "template"}, "parallelism"},
    {"Pod", {NULL, NULL, NULL}, NULL},
};

const struct vcl_k8s_workload *vcl_k8s_workload_of(const char *kind)
{
	for (size_t i = 0; kind != NULL && i < ARRAY_SIZE(workloads); i++)
		if (strcmp(workloads[i].kind, kind) == 0)
			return &workloads[i];
	return NULL;
}

int vcl_k8s_pod_template(struct vcl_yaml *y, const struct vcl_k8s_obj *o,
			 const struct vcl_k8s_workload *w, struct vcl_k8s_pod *pod,
			 struct vcl_error **err)
{
	yaml_document_t *doc = o->doc;
	yaml_node_t *spec = vcl_yaml_get(doc, o->root, "spec");
	yaml_node_t *tmpl = spec, *parent = spec;
	const char *name = o->name != NULL ? o->name : "(unnamed)";

	memset(pod, 0, sizeof(*pod));
	if (spec == NULL || spec->type != YAML_MAPPING_NODE)
		return vcl_yaml_error(err, y, spec != NULL ? spec : o->root, "%s '%s' has no spec",
				      w->kind, name);
	if (w->tmpl[0] == NULL) {
		pod->meta = vcl_yaml_get(doc, o->root, "metadata");
		pod->spec = spec;
		return 0;
	}
	/* The count sits beside the template: in spec, or for a CronJob in
	 * jobTemplate.spec. */
	for (size_t i = 0; i < ARRAY_SIZE(w->tmpl) && w->tmpl[i] != NULL; i++) {
		if (i + 1 < ARRAY_SIZE(w->tmpl) && w->tmpl[i + 1] != NULL &&
		    strcmp(w->tmpl[i + 1], "spec") == 0)
			parent = vcl_yaml_get(doc, vcl_yaml_get(doc, tmpl, w->tmpl[i]), "spec");
		tmpl = vcl_yaml_get(doc, tmpl, w->tmpl[i]);
	}
	pod->meta = vcl_yaml_get(doc, tmpl, "metadata");
	pod->spec = vcl_yaml_get(doc, tmpl, "spec");
	if (pod->spec == NULL || pod->spec->type != YAML_MAPPING_NODE)
		return vcl_yaml_error(err, y, tmpl != NULL ? tmpl : spec,
				      "%s '%s' has no pod template spec", w->kind, name);
	if (w->count != NULL)
		pod->count = vcl_yaml_get(doc, parent, w->count);
	return 0;
}

void vcl_k8s_image_split(const char *ref, char *nametag, size_t nlen, char *digest, size_t dlen)
{
	static const char *const defaults[] = {"docker.io/library/", "docker.io/",
					       "index.docker.io/library/", "library/"};
	const char *at = strchr(ref, '@');
	size_t n = at != NULL ? (size_t)(at - ref) : strlen(ref);
	const char *slash, *colon;

	snprintf(digest, dlen, "%s", at != NULL ? at + 1 : "");
	for (size_t i = 0; i < ARRAY_SIZE(defaults); i++) {
		size_t l = strlen(defaults[i]);

		if (n > l && strncmp(ref, defaults[i], l) == 0) {
			ref += l;
			n -= l;
		}
	}
	snprintf(nametag, nlen, "%.*s", (int)n, ref);
	/* No tag (a colon after the last slash is a tag, before it a port). */
	slash = strrchr(nametag, '/');
	colon = strrchr(nametag, ':');
	if (n > 0 && (colon == NULL || (slash != NULL && colon < slash)) &&
	    strlen(nametag) + 8 < nlen)
		strcat(nametag, ":latest");
}

bool vcl_k8s_image_matches(const char *a, const char *b)
{
	char na[256], da[128], nb[256], db[128];

	if (a[0] == '\0' || b[0] == '\0')
		return false;
	if (strcmp(a, b) == 0)
		return true;
	vcl_k8s_image_split(a, na, sizeof(na), da, sizeof(da));
	vcl_k8s_image_split(b, nb, sizeof(nb), db, sizeof(db));
	if (da[0] != '\0' && db[0] != '\0')
		return strcmp(da, db) == 0;
	/* A bare digest ("sha256:...") matches an image pinned to it. */
	if (strncmp(a, "sha256:", 7) == 0)
		return strcmp(a, db) == 0;
	if (strncmp(b, "sha256:", 7) == 0)
		return strcmp(b, da) == 0;
	return na[0] != '\0' && strcmp(na, nb) == 0;
}

static int b64_value(char c)
{
	static const char set[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c != '\0' ? strchr(set, c) : NULL;

	return p != NULL ? (int)(p - set) : -1;
}

int vcl_k8s_base64(const char *in, char **out, size_t *len)
{
	size_t n = strlen(in), o = 0;
	unsigned acc = 0;
	int bits = 0;
	char *buf = malloc(n / 4 * 3 + 4);

	*out = NULL;
	if (buf == NULL)
		return -1;
	for (const char *p = in; *p != '\0'; p++) {
		int v;

		if (*p == '\n' || *p == '\r' || *p == ' ')
			continue;
		if (*p == '=')
			break;
		v = b64_value(*p);
		if (v < 0) {
			free(buf);
			return -1;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (char)((acc >> bits) & 0xffu);
		}
	}
	buf[o] = '\0';
	*out = buf;
	*len = o;
	return 0;
}
