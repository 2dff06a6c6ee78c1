/* SPDX-License-Identifier: MIT */
#ifndef VCL_BENCH_SERVICES_H
#define VCL_BENCH_SERVICES_H

/*
 * `vclab bench --services FILE.yaml`: several services in one run, each
 * measured in every placement chosen (docs/services.md, "Services file"):
 *
 *   services:
 *     - name: web
 *       image: oci:/srv/images/nginx:latest   # or binary: /usr/sbin/x
 *       port: 8080
 *       ready: http:/=200                     # or tcp, tcp:PING=+PONG, a mapping
 *       env: {GREETING: hello}                # or [GREETING=hello]
 *       command: [-g, "daemon off;"]          # replaces Cmd, as -- CMD does
 *       limits: {memory: 256Mi, cpu: 1.5, pids: 64}
 *       load: /index.html                     # steady: GET this (else skipped)
 *     - name: vclab-payload                   # the built-in payload
 *
 * Parsing is pure (unit-tested on literal text); every error is
 * "FILE:LINE:COL: message", VCL_E_USAGE. Loading the images (skopeo,
 * umoci) is vcl_services_load_images, before anything of the run exists.
 */

#include <stdbool.h>
#include <json-c/json.h>
#include <stddef.h>
#include <stdio.h>

#include "core/backend.h"
#include "core/error.h"
#include "image/image.h"

/* The name of the built-in payload as a service. */
#define VCL_PAYLOAD_SERVICE "vclab-payload"

/* One container of a manifest's pod. Strings are owned by the service. */
struct vcl_container_def {
	char name[64];
	char image[256];	  /* the reference as the manifest writes it */
	struct vcl_image_opts io; /* what the image layer runs: ref after --image-map */
	bool init;		  /* initContainers[]: runs to completion before the others */
	bool sidecar;		  /* an init container with restartPolicy: Always */
	struct vcl_security sec;  /* its securityContext over the pod's (core/backend.h) */
	bool sec_given;		  /* the pod or the container states one */
	unsigned line;
};

/* Where a service of --manifest comes from: its object in the files. */
struct vcl_workload_id {
	char ns[64];
	char kind[32];
	char name[254];
	char file[256];
	unsigned line; /* 1-based line of the object */
	long replicas; /* spec.replicas (parallelism), -1 when not stated */
};

/* One service of the file. Strings are owned (freed by vcl_services_free). */
struct vcl_service_def {
	/* results' services.<name>; a manifest's workload is
	 * "<namespace>/<kind>/<name>" */
	char name[352];
	bool payload;		  /* the built-in payload: top-level backends */
	struct vcl_image_opts io; /* what --image/--port/... would say */
	struct vcl_ready ready;	  /* io.ready_spec points here when given */
	/* limits: the fields given override the run's --mem-mib/--cpus/--pids */
	bool mem_given, cpus_given, pids_given;
	struct vcl_limits limits;
	unsigned line; /* 1-based line of its entry, for messages */
	void **owned;  /* io's strings and arrays, freed with the set */
	size_t nowned;
	/* --manifest only (wl.kind[0] == '\0' otherwise): the workload, its
	 * pod's containers (init containers first, in order), and why it is
	 * not measured ("" when it is). */
	struct vcl_workload_id wl;
	struct vcl_container_def *ctrs;
	size_t nctrs;
	char skip[400];
	/* The main container's securityContext, for the image's service spec
	 * (zero: containerd's defaults; always zero for a services file). */
	struct vcl_security sec;
	/* A pod of several containers, after vcl_services_load_images: the
	 * images of ctrs[] other than the main one (in ctrs[] order), and
	 * their specs as the main spec's pod[] (NULL-terminated). */
	struct vcl_image *pod_img;
	const struct vcl_svc_spec **pod_svc;
	size_t npod;
	/* The main container's pod volumes (emptyDir, configMap, secret), in
	 * volumeMounts order; owned. Handed to the image's service spec. */
	struct vcl_volume *vols;
	size_t nvols;
};

struct vcl_services {
	char file[256];
	struct vcl_service_def *v;
	size_t n;
	/* After vcl_services_load_images: one image per service (unused for
	 * the payload). */
	struct vcl_image *img;
};

/* Keep p (malloc'd) with d, freed by vcl_services_free; returns p, or
 * NULL (p freed) when out of memory. */
void *vcl_service_own(struct vcl_service_def *d, void *p);
char *vcl_service_own_str(struct vcl_service_def *d, const char *s);

/* Parse a services file's text; name is used in messages. Pure. */
int vcl_services_parse(const char *name, const char *buf, size_t len, struct vcl_services **out,
		       struct vcl_error **err);
/* Read and parse path. */
int vcl_services_load_file(const char *path, struct vcl_services **out, struct vcl_error **err);
/* Copy, unpack and configure every service's image (image/image.h), in
 * file order. An error names the file, line and service; for a
 * manifest's workload it is no error: the workload is skipped with the
 * reason (skip) and the run goes on. */
int vcl_services_load_images(struct vcl_services *s, struct vcl_error **err);
void vcl_services_free(struct vcl_services *s);

/* The limits service i runs with: the run's, with the file's overrides. */
struct vcl_limits vcl_services_limits(const struct vcl_services *s, size_t i,
				      const struct vcl_limits *run);

/* The terminal summary of services.<name> in results: one row per service
 * and placement (startup p50, phases, PSS, overhead against bare). */
void vcl_services_print_summary(struct json_object *root, FILE *f);

/* A size for limits.memory in MiB: a number of MiB, or with a suffix
 * Ki/Mi/Gi/K/M/G (binary, as Kubernetes writes them: 256Mi, 1Gi). Pure.
 * Returns 0 or -1. */
int vcl_services_parse_mib(const char *s, uint64_t *mib);

#endif
