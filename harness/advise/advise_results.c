/* SPDX-License-Identifier: MIT */
/*
 * results.json -> the few numbers the advisor uses (docs/results.md names
 * them). Pure: reads a parsed JSON tree, touches nothing else. A number that
 * is absent or null stays "not measured"; nothing is made up.
 */
#include "advise/advise.h"

#include <stdio.h>
#include <string.h>

#include "core/results.h"

static bool get(struct json_object *root, const char *backend, const char *path, double *out)
{
	char dotted[128];

	snprintf(dotted, sizeof(dotted), "backends.%s.%s", backend, path);
	return vcl_json_path_double(root, dotted, out) == 0;
}

static const char *str_at(struct json_object *root, const char *dotted)
{
	struct json_object *o = vcl_json_path(root, dotted);

	if (o == NULL || !json_object_is_type(o, json_type_string))
		return NULL;
	return json_object_get_string(o);
}

void vcl_measured_from_json(struct json_object *root, const char *source, struct vcl_measured *m)
{
	const char *s;
	struct json_object *o;

	memset(m, 0, sizeof(*m));
	snprintf(m->source, sizeof(m->source), "%s", source);
	s = str_at(root, "run_id");
	snprintf(m->run_id, sizeof(m->run_id), "%s", s != NULL ? s : "?");
	s = str_at(root, "host.hostname");
	snprintf(m->host, sizeof(m->host), "%s", s != NULL ? s : "?");
	o = vcl_json_path(root, "complete");
	m->complete =
	    o != NULL && json_object_is_type(o, json_type_boolean) && json_object_get_boolean(o);

	/* The VM's own label wins over the host's: a results file may have
	 * been merged from runs on different hosts. */
	s = str_at(root, "backends.vm.accelerator");
	if (s == NULL)
		s = str_at(root, "config.vm.accelerator");
	if (s == NULL)
		s = str_at(root, "host.accelerator");
	snprintf(m->accel, sizeof(m->accel), "%s", s != NULL ? s : "unknown");
	m->tcg = strcmp(m->accel, "tcg") == 0;

	for (int p = 0; p < VCL_NPLACE; p++) {
		const char *name = vcl_place_name((enum vcl_place)p);
		struct vcl_meas_backend *b = &m->b[p];
		char dotted[64];

		snprintf(dotted, sizeof(dotted), "backends.%s", name);
		o = vcl_json_path(root, dotted);
		if (o == NULL || !json_object_is_type(o, json_type_object)) {
			snprintf(b->absent, sizeof(b->absent), "backends.%s missing", name);
			continue;
		}
		/* bench records a placement the host cannot run as skipped,
		 * with the reason: that is "not measured", and why. */
		snprintf(dotted, sizeof(dotted), "backends.%s.skipped", name);
		o = vcl_json_path(root, dotted);
		if (o != NULL && json_object_is_type(o, json_type_boolean) &&
		    json_object_get_boolean(o)) {
			snprintf(dotted, sizeof(dotted), "backends.%s.reason", name);
			s = str_at(root, dotted);
			snprintf(b->absent, sizeof(b->absent), "skipped: %s",
				 s != NULL ? s : "no reason given");
			continue;
		}
		b->present = true;
		get(root, name, "startup_failures", &b->startup_failures);
		b->has_startup = get(root, name, "startup_ms.p95", &b->startup_p95) &&
				 get(root, name, "startup_ms.p50", &b->startup_p50);
		b->has_overhead = get(root, name, "memory.overhead_kib", &b->overhead_kib);
		b->has_reaction = get(root, name, "autoscale.reaction_ms.p50", &b->reaction_p50);
		b->has_steady = get(root, name, "steady.rps", &b->rps) &&
				get(root, name, "steady.lat_ms.p99", &b->lat_p99);
	}
}
