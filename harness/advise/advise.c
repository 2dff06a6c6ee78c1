/* SPDX-License-Identifier: MIT */
/* `vclab advise`: the CLI verb over the advisor library (advise.h). */
#include "advise/advise.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "cli/cmds.h"
#include "core/results.h"

#define DEFAULT_RESULTS "results/latest/results.json"

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

static void usage(FILE *f)
{
	fputs("usage: vclab advise [--results R] [--explain] [--json] INPUT...\n"
	      "\n"
	      "Recommend vm, ctr or bare for each service, from measured numbers.\n"
	      "INPUT is a vclab service profile or a Kubernetes manifest (YAML);\n"
	      "docs/advisor.md describes both and the decision model.\n"
	      "\n"
	      "  --results R  results.json to judge by (default " DEFAULT_RESULTS ")\n"
	      "  --explain    print the full trace of every rule\n"
	      "  --json       machine-readable output (schema vclab.advice/1)\n",
	      f);
}

int vcl_cmd_advise(int argc, char **argv, struct vcl_error **err)
{
	static const struct option opts[] = {
	    {"results", required_argument, NULL, 'r'},
	    {"explain", no_argument, NULL, 'e'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *results = DEFAULT_RESULTS;
	unsigned flags = 0;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:ejh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			results = optarg;
			break;
		case 'e':
			flags |= VCL_ADVISE_EXPLAIN;
			break;
		case 'j':
			flags |= VCL_ADVISE_JSON;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			return vcl_usage(err, "Option '%s' needs a value (try --help)",
					 argv[optind - 1]);
		default:
			return vcl_usage(err, "Unknown or incomplete option '%s' (try --help)",
					 argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (vcl_advise_run(results, (const char *const *)(argv + optind), (size_t)(argc - optind),
			   flags, stdout, stderr, err) < 0)
		return -1;
	return 0;
}
