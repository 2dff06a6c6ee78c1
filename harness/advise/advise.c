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

static void slo_change(const struct vcl_service *s, const struct vcl_measured *m,
		       struct vcl_decision *d)
{
	struct vcl_slo_change c;

	d->slo_changes = vcl_advise_slo_change(s, m, d, &c);
	d->slo_change_ms = c.slo_ms;
	d->slo_change_place = c.place;
}

void vcl_advise_decide_all(struct vcl_advise_input *in, const struct vcl_measured *m,
			   struct vcl_decision *d)
{
	for (size_t i = 0; i < in->nsvc; i++) {
		struct vcl_service *s = &in->svc[i];
		char image[800];
		int k = vcl_advise_match_service(in, s, m, image, sizeof(image));

		if (k < 0) {
			vcl_advise_decide(s, m, &d[i]);
			slo_change(s, m, &d[i]);
		} else {
			/* Large: one copy at a time, off the stack. */
			struct vcl_measured *own = malloc(sizeof(*own));

			if (own == NULL) {
				vcl_advise_decide(s, m, &d[i]);
				continue;
			}
			vcl_measured_for_service(m, (size_t)k, own);
			vcl_service_fact(s, VCL_FACT_NUMBERS, m->source,
					 "measured service %s, %s (results services.%s)",
					 m->svc[k].name, image, m->svc[k].name);
			vcl_advise_decide(s, own, &d[i]);
			slo_change(s, own, &d[i]);
			free(own);
		}
	}
}

int vcl_advise_run(const char *results, const char *const *inputs, size_t ninputs, unsigned flags,
		   FILE *out, FILE *diag, struct vcl_error **err)
{
	struct vcl_advise_opts o = {
	    .results = results, .inputs = inputs, .ninputs = ninputs, .flags = flags};

	return vcl_advise_run_opts(&o, out, diag, err);
}

int vcl_advise_load_inputs(const struct vcl_advise_opts *o, struct vcl_advise_input *in, FILE *diag,
			   struct vcl_error **err)
{
	int ret = 0;

	for (size_t i = 0; i < o->ninputs && ret == 0; i++)
		if (vcl_advise_load_file(o->inputs[i], in, err) < 0)
			ret = -1;
	if (ret == 0 && o->map != NULL && vcl_advise_load_map(o->map, in, err) < 0)
		ret = -1;
	if (ret == 0 && vcl_advise_join(in, err) < 0)
		ret = -1;
	if (ret == 0 && vcl_advise_fold_skipped(in, o->flags & VCL_ADVISE_VERBOSE) < 0)
		ret = vcl_fail(err, ENOMEM, "Advise");
	/* Warnings come first, also those before an error: they may explain it. */
	if (diag != NULL)
		for (size_t i = 0; i < in->nnotes; i++)
			fprintf(diag, "%s\n", in->notes[i]);
	if (ret == 0 && in->nsvc == 0)
		ret = vcl_usage(err, "No services in the input (no profile, Deployment, "
				     "StatefulSet, DaemonSet, Job, CronJob or Pod)");
	return ret;
}

int vcl_advise_run_opts(const struct vcl_advise_opts *o, FILE *out, FILE *diag,
			struct vcl_error **err)
{
	struct vcl_advise_input in = {0};
	__attribute__((cleanup(free_decisions))) struct vcl_decision *d = NULL;
	struct json_object *root = NULL;
	struct vcl_measured *m = NULL;
	const char *results = o->results;
	int ret = -1;

	if (o->ninputs == 0)
		return vcl_usage(err, "No INPUT given (service profiles or Kubernetes manifests)");
	/* The usual mistake is running advise before any bench: say so. */
	if (access(results, R_OK) != 0)
		return vcl_error_set(err, VCL_E_USAGE, errno,
				     "Cannot read results %s (run `vclab bench` first, or pass "
				     "--results)",
				     results);
	if (vcl_results_load(results, &root, err) < 0)
		return -1;
	m = malloc(sizeof(*m));
	if (m == NULL) {
		json_object_put(root);
		return vcl_fail(err, ENOMEM, "Advise");
	}
	vcl_measured_from_json(root, results, m);
	json_object_put(root);

	if (vcl_advise_load_inputs(o, &in, diag, err) < 0)
		goto out;
	d = calloc(in.nsvc, sizeof(*d));
	if (d == NULL) {
		vcl_fail(err, ENOMEM, "Advise");
		goto out;
	}
	vcl_advise_decide_all(&in, m, d);
	if (o->flags & VCL_ADVISE_JSON)
		ret = vcl_advise_render_json(out, m, &in, d, o->flags & VCL_ADVISE_EXPLAIN, err);
	else
		ret = vcl_advise_render_table(out, m, &in, d, o->flags & VCL_ADVISE_EXPLAIN, err);
	if (ret == 0 && o->emit != NULL)
		ret = vcl_advise_emit_kustomize(o->emit, m, &in, d, err);
out:
	vcl_advise_input_free(&in);
	free(m);
	return ret;
}
