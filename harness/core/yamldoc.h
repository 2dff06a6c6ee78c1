/* SPDX-License-Identifier: MIT */
#ifndef VCL_YAMLDOC_H
#define VCL_YAMLDOC_H

/*
 * YAML input (service profiles, Kubernetes manifests, baselines) through
 * libyaml's document API. Every node keeps its start mark, so any reader can
 * point at "file:line:col". Lines and columns printed are 1-based.
 */

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "core/error.h"

struct vcl_yaml {
	char *name; /* file name used in messages */
	yaml_document_t *docs;
	size_t ndocs; /* empty documents are dropped */
};

/* Load every document of a file. A syntax error gives VCL_E_USAGE with
 * "FILE:LINE:COL: problem (context)". */
int vcl_yaml_load_file(const char *path, struct vcl_yaml **out, struct vcl_error **err);
/* Same from memory; name is used in messages. */
int vcl_yaml_load_buffer(const char *name, const char *buf, size_t len, struct vcl_yaml **out,
			 struct vcl_error **err);
void vcl_yaml_free(struct vcl_yaml *y);

/* Root node of document i, or NULL. */
yaml_node_t *vcl_yaml_root(struct vcl_yaml *y, size_t i);
/* Value of key in a mapping node of document doc; NULL when absent or when
 * map is not a mapping. */
yaml_node_t *vcl_yaml_get(yaml_document_t *doc, yaml_node_t *map, const char *key);
/* The text of a scalar node, or NULL for other node types. */
const char *vcl_yaml_str(yaml_node_t *n);
/* Child i of a sequence node, NULL past the end. */
yaml_node_t *vcl_yaml_seq_at(yaml_document_t *doc, yaml_node_t *seq, size_t i);
size_t vcl_yaml_seq_len(yaml_node_t *seq);

/* Set a VCL_E_USAGE error "FILE:LINE:COL: <message>" pointing at node n. */
int vcl_yaml_error(struct vcl_error **err, const struct vcl_yaml *y, const yaml_node_t *n,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Warn through vcl_warn(): "vclab: warning: FILE:LINE:COL: <message>". */
void vcl_yaml_warn(const struct vcl_yaml *y, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Scalar conversions with range checks; on failure set the error at n. */
int vcl_yaml_double(const struct vcl_yaml *y, yaml_node_t *n, double min, double max, double *out,
		    struct vcl_error **err);
int vcl_yaml_bool(const struct vcl_yaml *y, yaml_node_t *n, bool *out, struct vcl_error **err);

#endif
