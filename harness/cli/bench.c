/* SPDX-License-Identifier: MIT */
/* `vclab bench`: measure (bench/), then write the report (report/). */
#include <stdio.h>

#include "bench/bench.h"
#include "cli/cmds.h"
#include "report/report.h"

/* A report that cannot be written does not fail the run: the results are
 * saved, and `vclab report` can make it later. */
static void write_report(const struct vcl_bench *b)
{
	char path[600];
	const char *paths[1] = {path};
	struct vcl_error *re = NULL;

	snprintf(path, sizeof(path), "%s/results.json", b->out_dir);
	if (vcl_report_write(paths, 1, b->out_dir, &re) < 0) {
		vcl_warn("report: %s", re->msg);
		vcl_error_free(re);
	} else if (!b->o->quiet) {
		printf("report: %s/report.html\n", b->out_dir);
	}
}

int vcl_cmd_bench(int argc, char **argv, struct vcl_error **err)
{
	struct vcl_bench_opts o;
	struct vcl_bench b;
	bool help;
	int ret;

	if (vcl_bench_opts_parse(argc, argv, &o, &help, err) < 0 || help) {
		if (help)
			vcl_bench_usage(stdout);
		vcl_bench_opts_free(&o);
		return help ? 0 : -1;
	}
	ret = vcl_bench_run(&b, &o, err);
	if (ret == 0 && !o.no_report)
		write_report(&b);
	if (ret == 0)
		ret = vcl_bench_check_measured(&b, err);
	vcl_bench_release(&b);
	vcl_bench_opts_free(&o);
	return ret;
}
