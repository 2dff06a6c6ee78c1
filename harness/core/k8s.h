/* SPDX-License-Identifier: MIT */
#ifndef VCL_K8S_H
#define VCL_K8S_H

/*
 * Kubernetes objects in loaded YAML (core/yamldoc.h), the part both
 * readers of manifests share: the advisor (advise/advise_manifest.c) and
 * `vclab bench --manifest` (bench/manifest.c). One walk over documents and
 * `kind: List` items, one table of workload kinds and where their pod
 * template sits, one quantity parser, one image-reference normaliser. Pure:
 * no file is read here.
 */

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/yamldoc.h"

/* A Kubernetes resource quantity ("512Mi", "1.5", "500m", "1e3", "2G") in
 * base units (bytes, cores). Returns -1 for anything else, or negative. */
int vcl_k8s_quantity(const char *s, double *out);

/* One object: a document's root, or an item of a List. */
struct vcl_k8s_obj {
	yaml_document_t *doc;
	yaml_node_t *root; /* a mapping */
	const char *kind;  /* NULL when the object has none */
	const char *name;  /* metadata.name, NULL when missing */
	const char *ns;	   /* metadata.namespace, "default" when missing */
	bool ns_given;
};

/* Fill o from a mapping node of doc. */
void vcl_k8s_obj_init(yaml_document_t *doc, yaml_node_t *root, struct vcl_k8s_obj *o);

/* Call fn on every object of y in file order: each document's root and,
 * for `kind: List` (or any *List kind with items:), each of its items.
 * Empty documents are skipped. A root or item that is not a mapping is a
 * VCL_E_USAGE error at it, unless other is given: then fn_other gets
 * documents that are mappings with neither apiVersion nor kind (the
 * advisor's service profiles). Stops at the first fn < 0. */
typedef int (*vcl_k8s_fn)(struct vcl_yaml *y, const struct vcl_k8s_obj *o, void *ctx,
			  struct vcl_error **err);
int vcl_k8s_each(struct vcl_yaml *y, vcl_k8s_fn fn, vcl_k8s_fn other, void *ctx,
		 struct vcl_error **err);

/* A workload kind: where its pod template is below spec, and the key of
 * its replica count beside the template (NULL: none). */
struct vcl_k8s_workload {
	const char *kind;
	const char *tmpl[3]; /* path from spec to the pod template (empty for Pod) */
	const char *count;
};

/* The workload of kind (Deployment, StatefulSet, ReplicaSet, DaemonSet,
 * Job, CronJob, Pod), NULL for any other kind. */
const struct vcl_k8s_workload *vcl_k8s_workload_of(const char *kind);

/* The pod template of workload o of kind w: its metadata (NULL for a Pod:
 * the object's own), its pod spec, and the replica-count node (NULL when
 * absent). Errors (VCL_E_USAGE, at the node): no spec, no template spec. */
struct vcl_k8s_pod {
	yaml_node_t *meta;
	yaml_node_t *spec;
	yaml_node_t *count;
};
int vcl_k8s_pod_template(struct vcl_yaml *y, const struct vcl_k8s_obj *o,
			 const struct vcl_k8s_workload *w, struct vcl_k8s_pod *pod,
			 struct vcl_error **err);

/* An image reference as name:tag without Docker Hub's default prefixes,
 * and its digest: "docker.io/library/redis:7@sha256:ab" -> "redis:7",
 * "sha256:ab"; "redis" -> "redis:latest". */
void vcl_k8s_image_split(const char *ref, char *nametag, size_t nlen, char *digest, size_t dlen);
/* Do two references name the same image (equal, same digest, same
 * name:tag after vcl_k8s_image_split)? A bare digest matches a reference
 * pinned to it. */
bool vcl_k8s_image_matches(const char *a, const char *b);

/* Decode base64 (a Secret's data), NUL-terminated, into a malloc'd *out.
 * Returns -1 for text that is not base64 (or no memory). */
int vcl_k8s_base64(const char *in, char **out, size_t *len);

#endif
