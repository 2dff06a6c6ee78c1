/* SPDX-License-Identifier: MIT */
#ifndef VCL_EXPORT_H
#define VCL_EXPORT_H

/*
 * Exports: results.json in, the formats other tools read out
 * (docs/export.md). Pure: the documents are already loaded, the text goes
 * to a FILE; no clock, no host facts, so the same files give the same bytes.
 *
 *   openmetrics  OpenMetrics text exposition (what node_exporter's textfile
 *                collector and `promtool check metrics` read): one family per
 *                measured quantity in base units (vclab_startup_seconds as a
 *                summary, vclab_memory_overhead_bytes, vclab_density_instances,
 *                ...), labels host, accelerator, run_id, profile, service,
 *                placement, kind (a sandbox's also platform, network);
 *                ends with "# EOF".
 *   hyperfine    hyperfine's --export-json shape: {"results":[{"command",
 *                "mean","stddev","median","min","max","times":[...],
 *                "exit_codes","parameters"}]} in seconds, one entry per
 *                service, placement and peer with startup samples.
 *   csv          tidy long format, one row per sample: run_id, host,
 *                accelerator, service, placement, kind, platform, network
 *                (a sandbox's; empty for others), scenario, metric,
 *                sample_index, value, unit (base units: s, bytes).
 *
 * A document's services: `services.<name>` objects (each with backends and
 * peers) when the document has them, else the document itself as the
 * built-in payload, service "vclab-payload".
 */

#include <json-c/json.h>
#include <stddef.h>
#include <stdio.h>

#include "core/error.h"

enum vcl_export_format {
	VCL_EXPORT_OPENMETRICS,
	VCL_EXPORT_HYPERFINE,
	VCL_EXPORT_CSV,
};

/* The names --format takes, NULL-terminated, in the enum's order. */
extern const char *const vcl_export_format_names[];

/* "openmetrics" -> VCL_EXPORT_OPENMETRICS; -1 for an unknown name. */
int vcl_export_format_parse(const char *name, enum vcl_export_format *out);

/*
 * Write docs (n >= 1 loaded results documents) to f in fmt. Families and
 * rows follow the documents' order. -1 with a VCL_E_USAGE error when there
 * is nothing to export (hyperfine: no startup samples in any document), or
 * with the write error of f.
 */
int vcl_export_write(FILE *f, enum vcl_export_format fmt, struct json_object *const *docs, size_t n,
		     struct vcl_error **err);

#endif
