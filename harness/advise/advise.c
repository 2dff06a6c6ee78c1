/* SPDX-License-Identifier: MIT */
/* vcl_advise_run(): the whole advisor behind `vclab advise` (cli/advise.c). */
#include "advise/advise.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/results.h"

static void free_decisions(struct vcl_decision **d)
{
	free(*d);
}

int vcl_advise_run(const char *results, const char *const *inputs, size_t ninputs, unsigned flags,
		   FILE *out, FILE *diag, struct vcl_error **err)
{
	struct vcl_advise_input in = {0};
	__attribute__((cleanup(free_decisions))) struct vcl_decision *d = NULL;
	struct json_object *root = NULL;
	struct vcl_measured m;
	int ret = -1;

	if (ninputs == 0)
		return vcl_usage(err, "No INPUT given (service profiles or Kubernetes manifests)");
	/* The usual mistake is running advise before any bench: say so. */
	if (access(results, R_OK) != 0)
		return vcl_error_set(err, VCL_E_USAGE, errno,
				     "Cannot read results %s (run `vclab bench` first, or pass "
				     "--results)",
				     results);
	if (vcl_results_load(results, &root, err) < 0)
		return -1;
	vcl_measured_from_json(root, results, &m);
	json_object_put(root);

	for (size_t i = 0; i < ninputs && ret == -1; i++)
		if (vcl_advise_load_file(inputs[i], &in, err) < 0)
			ret = -2;
	/* Warnings come first, also those before an error: they may explain it. */
	if (diag != NULL)
		for (size_t i = 0; i < in.nnotes; i++)
			fprintf(diag, "%s\n", in.notes[i]);
	if (ret == -2) {
		ret = -1;
		goto out;
	}
	if (in.nsvc == 0) {
		vcl_usage(err, "No services in the input (no profile, Deployment, StatefulSet, "
			       "DaemonSet or Pod)");
		goto out;
	}
	d = calloc(in.nsvc, sizeof(*d));
	if (d == NULL) {
		vcl_fail(err, ENOMEM, "Advise");
		goto out;
	}
	for (size_t i = 0; i < in.nsvc; i++)
		vcl_advise_decide(&in.svc[i], &m, &d[i]);
	if (flags & VCL_ADVISE_JSON)
		ret = vcl_advise_render_json(out, &m, &in, d, flags & VCL_ADVISE_EXPLAIN, err);
	else
		ret = vcl_advise_render_table(out, &m, &in, d, flags & VCL_ADVISE_EXPLAIN, err);
out:
	vcl_advise_input_free(&in);
	return ret;
}
