/* SPDX-License-Identifier: MIT */
/* `vclab report [-o DIR] RESULTS.json...`: the verb over vcl_report_write. */
#include "cli/cmds.h"
#include "core/cleanup.h"
#include "report/report.h"

struct report_args {
	const char *outdir;
};

static const struct vcl_opt report_opts[] = {
    VCL_OPT_STR_ROW(struct report_args, outdir, "output", 'o', "DIR",
		    "where to write (default: the folder of the first file)"),
};

const struct vcl_optset vcl_report_optset = {
    .verb = "report",
    .usage = "report [-o DIR] RESULTS.json [RESULTS.json...]",
    .about = "Write DIR/report.md, DIR/report.html and DIR/figures/ (gnuplot scripts, SVG\n"
	     "and PNG). With several results files the report compares them against the\n"
	     "first and warns when their hosts differ.",
    .footer = "gnuplot: $VCLAB_GNUPLOT, else `gnuplot` on PATH; without it, tables only.",
    .operands = true,
    .opts = report_opts,
    .n = ARRAY_SIZE(report_opts),
    .size = sizeof(struct report_args),
};

int vcl_cmd_report(int argc, char **argv, struct vcl_error **err)
{
	struct report_args a = {0};
	int first, r = vcl_cmd_parse(&vcl_report_optset, argc, argv, &a, &first, err);

	if (r != 0)
		return r > 0 ? 0 : -1;
	if (first >= argc)
		return vcl_usage(
		    err, "No results file given (usage: vclab report [-o DIR] RESULTS.json...)");
	if (vcl_report_write((const char *const *)argv + first, (size_t)(argc - first), a.outdir,
			     err) < 0)
		return -1;
	return 0;
}
