/* SPDX-License-Identifier: MIT */
#ifndef VCL_ADVISE_INPUT_H
#define VCL_ADVISE_INPUT_H

/*
 * Helpers shared by the advisor's two readers: advise_input.c (profiles,
 * the field table, the YAML entry points) and advise_manifest.c
 * (Kubernetes objects). Private to harness/advise/.
 */

#include "advise/advise.h"
#include "core/k8s.h"

/* Append a complete line to in->notes. */
int vcl_advise_note(struct vcl_advise_input *in, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "FILE:LINE:COL: KIND: message" at node n into in->notes. */
int vcl_advise_warn(struct vcl_advise_input *in, const struct vcl_yaml *y, const yaml_node_t *n,
		    const char *kind, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* "FILE:LINE:COL" of n. */
void vcl_advise_where(const struct vcl_yaml *y, const yaml_node_t *n, char *buf, size_t len);
/* "FILE:LINE" of n: what a reason cites. */
void vcl_advise_line(const struct vcl_yaml *y, const yaml_node_t *n, char *buf, size_t len);
int vcl_advise_nomem(struct vcl_error **err, const struct vcl_yaml *y);

int vcl_advise_get_count(const struct vcl_yaml *y, yaml_node_t *n, const char *what, long *out,
			 struct vcl_error **err);
int vcl_advise_get_memory(const struct vcl_yaml *y, yaml_node_t *n, double *mib,
			  struct vcl_error **err);
int vcl_advise_get_cpu(const struct vcl_yaml *y, yaml_node_t *n, double *cores,
		       struct vcl_error **err);
/* One advisor field (profile key or vclab.io/<field> annotation): 1 set,
 * 0 not an advisor field, -1 bad value. */
int vcl_advise_set_field(const struct vcl_yaml *y, yaml_document_t *doc, struct vcl_service *s,
			 const char *key, yaml_node_t *v, struct vcl_error **err);
/* Parse "trusted", "multi-team", ... into *out (enum vcl_tenancy). */
int vcl_advise_get_tenancy(const struct vcl_yaml *y, yaml_node_t *n, int *out,
			   struct vcl_error **err);
void vcl_advise_service_defaults(struct vcl_service *s);
int vcl_advise_push_service(struct vcl_advise_input *in, const struct vcl_service *s);

/* A Kubernetes object (a vcl_k8s_fn, ctx the struct vcl_advise_input). */
int vcl_advise_parse_k8s(struct vcl_yaml *y, const struct vcl_k8s_obj *o, void *ctx,
			 struct vcl_error **err);
/* Remember an object of a kind the advisor does not read. */
int vcl_advise_skip_kind(struct vcl_advise_input *in, const struct vcl_yaml *y,
			 const struct vcl_k8s_obj *o);

#endif
