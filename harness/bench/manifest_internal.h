/* SPDX-License-Identifier: MIT */
#ifndef VCL_BENCH_MANIFEST_INTERNAL_H
#define VCL_BENCH_MANIFEST_INTERNAL_H

/*
 * What manifest.c (the reader: documents, ConfigMaps and Secrets, env,
 * containers, pods, workloads) and manifest_cri.c (one field at a time
 * mapped with the kubelet's and CRI's defaults: securityContext, probes,
 * resources, volumes) share. Internal to the two files.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "bench/manifest.h"
#include "core/error.h"
#include "core/k8s.h"
#include "core/yamldoc.h"

/* A ConfigMap or Secret, for env valueFrom and envFrom. */
struct kv_source {
	bool secret;
	const char *ns, *name;
	yaml_document_t *doc;
	yaml_node_t *data, *string_data;
	yaml_node_t *binary; /* a ConfigMap's binaryData */
};

/* One vcl_manifest_parse: every file read, the sources found in the first
 * pass, the services made, and the workload being read. */
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

/* "Manifest: out of memory": -1. */
int vcl_mf_nomem(struct vcl_error **err);

/* Mark the workload not measured: the first reason stays. */
void vcl_mf_skip(struct reader *r, const yaml_node_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The ConfigMap (or Secret) NAME in the workload's namespace, or NULL. */
const struct kv_source *vcl_mf_find_source(const struct reader *r, bool secret, const char *name);

/* The value of key in a source, owned by d; NULL when absent (or a
 * Secret's data is not base64: *bad set). */
char *vcl_mf_source_value(struct reader *r, const struct kv_source *s, const char *key, bool *bad);

/* The keys of a source, data's then stringData's, each once (a key in
 * both is stringData's, as the API server merges them); at most max. */
size_t vcl_mf_source_keys(const struct kv_source *s, const char **keys, size_t max);

/* A list of strings (command, args) as an owned NULL-terminated array. */
int vcl_mf_str_list(struct reader *r, yaml_node_t *n, const char *what, char ***out,
		    struct vcl_error **err);

/* securityContext of the pod (pod true) or of a container, over sec. */
int vcl_mf_read_security(struct reader *r, yaml_node_t *sc, bool pod, struct vcl_security *sec,
			 struct vcl_error **err);

/* The pod's probe (readiness, else startup, else liveness) of container
 * c into d's ready and port. 1 when c has one, 0 when not. */
int vcl_mf_read_probe(struct reader *r, yaml_node_t *podspec, yaml_node_t *c,
		      struct vcl_error **err);

/* limits, else requests, of one resource of a container. */
int vcl_mf_resource(struct reader *r, yaml_node_t *c, const char *what, double *out, bool *given,
		    struct vcl_error **err);

/* Volumes: the main container's mounts become d->vols; storage a
 * placement cannot reproduce is a skip reason. */
int vcl_mf_read_volumes(struct reader *r, yaml_node_t *podspec, yaml_node_t *c,
			struct vcl_error **err);

#endif
