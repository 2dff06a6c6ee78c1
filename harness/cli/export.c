/* SPDX-License-Identifier: MIT */
/* `vclab export --format F RESULTS.json... [-o FILE]`: the verb over
 * vcl_export_write (report/export.h, docs/export.md). */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmds.h"
#include "core/cleanup.h"
#include "core/results.h"
#include "core/util.h"
#include "report/export.h"

struct export_args {
	const char *format, *out;
};

static const struct vcl_opt export_opts[] = {
    VCL_OPT_ENUM_ROW(struct export_args, format, "format", vcl_export_format_names, NULL,
		     "what to write (required): OpenMetrics text, hyperfine JSON or tidy CSV"),
    VCL_OPT_STR_ROW(struct export_args, out, "output", 'o', "FILE",
		    "write FILE (atomically) instead of stdout"),
};

const struct vcl_optset vcl_export_optset = {
    .verb = "export",
    .usage = "export --format openmetrics|hyperfine|csv [-o FILE] RESULTS.json [RESULTS.json...]",
    .about = "Write results in the formats other tools read. openmetrics: the OpenMetrics\n"
	     "text exposition (base units: vclab_startup_seconds, vclab_memory_overhead_bytes,\n"
	     "vclab_density_instances, ...; labels host, accelerator, run_id, profile,\n"
	     "service, placement, kind), for node_exporter's textfile collector. hyperfine:\n"
	     "hyperfine's --export-json shape in seconds, one result per placement and peer,\n"
	     "for hyperfine's scripts. csv: tidy long format, one row per sample, for pandas\n"
	     "and R.",
    .footer = "docs/export.md describes every metric, label and column.",
    .operands = true,
    .opts = export_opts,
    .n = ARRAY_SIZE(export_opts),
    .size = sizeof(struct export_args),
};

static void put_docs(struct json_object **docs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_object_put(docs[i]);
	free(docs);
}

int vcl_cmd_export(int argc, char **argv, struct vcl_error **err)
{
	struct export_args a = {0};
	enum vcl_export_format fmt;
	struct json_object **docs;
	cleanup_free char *buf = NULL;
	size_t n, len = 0;
	FILE *f;
	int first, r = vcl_cmd_parse(&vcl_export_optset, argc, argv, &a, &first, err);

	if (r != 0)
		return r > 0 ? 0 : -1;
	if (a.format == NULL || vcl_export_format_parse(a.format, &fmt) < 0)
		return vcl_usage(err, "No format given: --format openmetrics|hyperfine|csv "
				      "(try --help)");
	if (first >= argc)
		return vcl_usage(err, "No results file given (usage: vclab export --format F "
				      "RESULTS.json...)");
	n = (size_t)(argc - first);
	docs = calloc(n, sizeof(struct json_object *));
	if (docs == NULL)
		return vcl_fail(err, ENOMEM, "Export");
	/* Every input is loaded and checked before anything is written. */
	for (size_t i = 0; i < n; i++)
		if (vcl_results_load(argv[first + (int)i], &docs[i], err) < 0) {
			put_docs(docs, n);
			return -1;
		}
	f = open_memstream(&buf, &len);
	if (f == NULL) {
		put_docs(docs, n);
		return vcl_fail(err, errno, "Export");
	}
	r = vcl_export_write(f, fmt, docs, n, err);
	put_docs(docs, n);
	if (fclose(f) != 0 && r == 0)
		r = vcl_fail(err, errno, "Export");
	if (r < 0)
		return -1;
	if (a.out != NULL)
		return vcl_write_atomic(a.out, buf, len, err) < 0 ? -1 : 0;
	if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
		return vcl_fail(err, errno, "Write the export to stdout");
	return 0;
}
