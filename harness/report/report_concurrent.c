/* SPDX-License-Identifier: MIT */
/*
 * Other vclab runs that were active during a run (results.json
 * concurrent_runs[], bench/concurrent.c): one caveat under the run table
 * naming them all, and one beside the figures of each scenario they
 * overlapped, with the seconds of that scenario they shared. Pure.
 */
#include <stdlib.h>
#include <string.h>

#include "core/results.h"
#include "report/report_int.h"

/* "run `ab12cd` (bare, ctr) for 3.1 s of the scenario's 4.0 s" for each entry that
 * overlapped scenario (NULL: the whole run), joined by "; "; NULL if none. */
static char *overlaps(struct json_object *arr, const char *scenario)
{
	char *text = NULL;

	for (size_t i = 0; arr != NULL && json_object_is_type(arr, json_type_array) &&
			   i < json_object_array_length(arr);
	     i++) {
		struct json_object *e = json_object_array_get_idx(arr, i), *pl = NULL, *sc;
		const char *id = vcl_rjstr(e, "run_id");
		char path[192], *names = NULL, *item, *eid;
		double ov = 0, of = 0;

		if (id == NULL)
			continue;
		if (scenario != NULL) {
			snprintf(path, sizeof(path), "scenarios.%s", scenario);
			sc = vcl_json_path(e, path);
			if (sc == NULL || !vcl_rjnum(sc, "overlap_s", &ov) || ov <= 0)
				continue;
			vcl_rjnum(sc, "of_s", &of);
		} else {
			vcl_rjnum(e, "overlap_s", &ov);
		}
		json_object_object_get_ex(e, "placements", &pl);
		for (size_t k = 0; pl != NULL && json_object_is_type(pl, json_type_array) &&
				   k < json_object_array_length(pl);
		     k++)
			vcl_rjoin(
			    &names,
			    vcl_resc(json_object_get_string(json_object_array_get_idx(pl, k))),
			    ", ");
		if (names == NULL)
			names = vcl_rxstrdup("-");
		eid = vcl_resc(id);
		item = scenario != NULL
			   ? vcl_rxasprintf("run `%s` (%s) for %.1f s of the scenario's %.1f s",
					    eid, names, ov, of)
			   : vcl_rxasprintf("run `%s` (%s) for %.1f s", eid, names, ov);
		free(eid);
		free(names);
		vcl_rjoin(&text, item, "; ");
	}
	return text;
}

void vcl_rsec_concurrent(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const char *scenario)
{
	for (size_t r = 0; r < c->n; r++) {
		char *text = overlaps(vcl_json_path(c->runs[r].root, "concurrent_runs"), scenario);
		char *in =
		    c->n > 1 ? vcl_rxasprintf(" of run %s", c->runs[r].label) : vcl_rxstrdup("");

		if (text != NULL && scenario != NULL)
			vcl_rdoc_block(d, VCL_RB_CAVEAT,
				       "The %s figures%s were measured while another vclab run was "
				       "active on this host: %s. Its load may have moved them; "
				       "compare with a run made alone.",
				       scenario, in, text);
		else if (text != NULL)
			vcl_rdoc_block(d, VCL_RB_CAVEAT,
				       "Other vclab runs were active on this host during run %s: "
				       "%s (concurrent_runs in results.json). Each scenario they "
				       "overlapped says so beside its figures.",
				       c->runs[r].label, text);
		free(text);
		free(in);
	}
}
