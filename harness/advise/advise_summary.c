/* SPDX-License-Identifier: MIT */
/* The advisor's summary in the report: the example services of
 * docs/examples/ judged against the run's results, as the advisor's table. */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "advise/advise.h"
#include "core/cleanup.h"
#include "core/util.h"

/* docs/examples next to the binary (bin/../docs), else in the working folder. */
static int examples(glob_t *g)
{
	cleanup_free char *rel = NULL;
	char pattern[4200];

	if (vcl_self_relative("../docs/examples/*.yaml", &rel, NULL) == 0 &&
	    glob(rel, 0, NULL, g) == 0)
		return 0;
	snprintf(pattern, sizeof(pattern), "docs/examples/*.yaml");
	return glob(pattern, 0, NULL, g) == 0 ? 0 : -1;
}

int vcl_advise_summary_md(const char *results_path, FILE *out, struct vcl_error **err)
{
	glob_t g;
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	int r;

	memset(&g, 0, sizeof(g));
	if (examples(&g) < 0) {
		globfree(&g);
		return vcl_error_set(err, VCL_E_ENV, 0,
				     "No example service profiles found (docs/examples/*.yaml)");
	}
	mem = open_memstream(&text, &len);
	if (mem == NULL) {
		globfree(&g);
		return vcl_fail(err, errno, "open_memstream");
	}
	r = vcl_advise_run(results_path, (const char *const *)g.gl_pathv, g.gl_pathc, 0, mem, NULL,
			   err);
	fclose(mem);
	if (r == 0) {
		fprintf(out,
			"The example services of `docs/examples/` judged against this run's "
			"numbers (`vclab advise --results results.json docs/examples/*.yaml`):\n\n"
			"```text\n%s```\n",
			text != NULL ? text : "");
	}
	free(text);
	globfree(&g);
	return r < 0 ? -1 : 0;
}
