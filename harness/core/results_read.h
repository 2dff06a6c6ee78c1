/* SPDX-License-Identifier: MIT */
#ifndef VCL_RESULTS_READ_H
#define VCL_RESULTS_READ_H

/*
 * The typed reader of results.json (and of any JSON document read with a
 * known shape). A value of the wrong type, or a missing required key, is
 * one error line that names the file, the line and column of the value and
 * its dotted path:
 *
 *   results.json:12:19: backends.bare.startup_ms: expected object, got string
 *
 * with kind VCL_E_USAGE (exit 2). A key the rules do not know is a warning,
 * never a failure: a newer vclab may have written it.
 * docs/results.schema.json is the same contract for outside tools.
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/error.h"

/* What a reader expects: one or more types, optionally null, optionally
 * required. VCL_JT_NUMBER takes integers too; VCL_JT_INTEGER takes a
 * number with no fraction ("5.0"), as JSON Schema does. */
enum {
	VCL_JT_OBJECT = 1u << 0,
	VCL_JT_ARRAY = 1u << 1,
	VCL_JT_NUMBER = 1u << 2,
	VCL_JT_INTEGER = 1u << 3,
	VCL_JT_STRING = 1u << 4,
	VCL_JT_BOOL = 1u << 5,
	VCL_JT_NULL = 1u << 6,	   /* null is allowed too */
	VCL_JT_REQUIRED = 1u << 7, /* absent is an error */
};

/* A parsed document with the text it came from, for positions. */
struct vcl_jdoc {
	const char *name; /* file name in messages */
	const char *text; /* the JSON text root was parsed from; NULL: no positions */
	size_t len;
	struct json_object *root;
	FILE *warn; /* where unknown keys are reported; NULL: not at all */
};

/* The value at a dotted path ("backends.bare.startup_ms", array steps are
 * numbers: "errors.0.kind"), checked against expect. Returns 1 and sets *out
 * when it is there with a wanted type (*out is NULL for a JSON null), 0 when
 * it is absent and not required (*out NULL), -1 with the one-line error. */
int vcl_jdoc_get(const struct vcl_jdoc *d, const char *dotted, unsigned expect,
		 struct json_object **out, struct vcl_error **err);

/* The same for a number (integer or not); *out untouched when absent or null. */
int vcl_jdoc_double(const struct vcl_jdoc *d, const char *dotted, unsigned expect, double *out,
		    struct vcl_error **err);

/* The same for a string; *out points into the document. */
int vcl_jdoc_string(const struct vcl_jdoc *d, const char *dotted, unsigned expect, const char **out,
		    struct vcl_error **err);

/*
 * A shape: the rules for the members of an object (or the items of an
 * array), ended by {NULL}. key is a member name, "*" for every member (a
 * map such as backends.<name>), or "[]" for every array item. sub gives the
 * rules for what the value holds.
 */
struct vcl_jrule {
	const char *key;
	unsigned type;
	const struct vcl_jrule *sub;
};

/* Check the whole document against rules (those of its root object): the
 * first wrongly typed value or missing required key is the error; unknown
 * keys are warnings to d->warn. */
int vcl_jdoc_check(const struct vcl_jdoc *d, const struct vcl_jrule *rules, struct vcl_error **err);

/* The rules of a vclab.results/1 document: every key the writer produces
 * (docs/results.schema.json says the same). */
extern const struct vcl_jrule vcl_results_rules[];

/* Check a parsed results document: schema "vclab.results/1" (a later one is
 * refused as newer), then vcl_results_rules. text/len for positions. */
int vcl_results_check(const char *name, const char *text, size_t len, struct json_object *root,
		      FILE *warn, struct vcl_error **err);

#endif
