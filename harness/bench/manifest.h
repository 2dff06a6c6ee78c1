/* SPDX-License-Identifier: MIT */
#ifndef VCL_BENCH_MANIFEST_H
#define VCL_BENCH_MANIFEST_H

/*
 * `vclab bench --manifest FILE...`: the workloads of Kubernetes manifests
 * as services (bench/services.h), one per workload, each measured in every
 * placement (docs/services.md, "Kubernetes manifests"). The objects are
 * walked by core/k8s.h, the same walk the advisor uses.
 *
 * What cannot be measured honestly (a hostPath or PVC volume, an image
 * with no --image-map entry, a probe vclab does not run) is not an error:
 * the workload keeps its place with def->skip saying why and where, and
 * the run goes on. Bad input is an error, VCL_E_USAGE, one line
 * "FILE:LINE:COL: message": malformed YAML, a workload without
 * containers, a container without an image, a probe port no container
 * declares, a bad quantity.
 */

#include <stddef.h>

#include "bench/services.h"
#include "core/error.h"

/* --image-map FROM=TO: where to read an image the manifests name. */
struct vcl_image_map_entry {
	char from[256]; /* a reference as manifests write it (nginx:1.25, docker.io/x/y) */
	char to[512];	/* one the image layer reads: oci:DIR[:TAG], docker-archive:FILE, ... */
};

struct vcl_image_maps {
	struct vcl_image_map_entry *v;
	size_t n;
};

/* One --image-map argument: "FROM=TO", or the path of a file holding one
 * FROM=TO per line (blank lines and # comments allowed). Errors are
 * VCL_E_USAGE; a file's name its line. */
int vcl_image_maps_add(struct vcl_image_maps *m, const char *arg, struct vcl_error **err);
/* Pure: add the lines of a map file's text; name is used in messages. */
int vcl_image_maps_parse(struct vcl_image_maps *m, const char *name, const char *buf, size_t len,
			 struct vcl_error **err);
/* Where ref is read from: the TO of the first entry whose FROM names the
 * same image (core/k8s.h's vcl_k8s_image_matches), ref itself when it is
 * already in a transport the image layer reads (oci:, oci-archive:,
 * docker-archive:, dir:, rootfs:, docker://), else NULL. */
const char *vcl_image_maps_find(const struct vcl_image_maps *m, const char *ref);
void vcl_image_maps_free(struct vcl_image_maps *m);

/* Parse n manifests' texts (names are used in messages) into services, in
 * file order. ConfigMaps and Secrets of any of the files serve env
 * valueFrom/envFrom. Pure. */
int vcl_manifest_parse(size_t n, const char *const *names, const char *const *bufs,
		       const size_t *lens, const struct vcl_image_maps *maps,
		       struct vcl_services **out, struct vcl_error **err);
/* Read and parse the files. */
int vcl_manifest_load_files(size_t n, char *const *paths, const struct vcl_image_maps *maps,
			    struct vcl_services **out, struct vcl_error **err);

/* services.<name>.manifest of results.json: where the workload is, its
 * containers and images as written, its securityContext as read. */
struct json_object *vcl_manifest_json(const struct vcl_service_def *d);

#endif
