/* SPDX-License-Identifier: MIT */
/*
 * results.json -> the few numbers the advisor uses (docs/results.md names
 * them). Pure: reads a parsed JSON tree, touches nothing else. A number that
 * is absent or null stays "not measured"; nothing is made up.
 */
#include "advise/advise.h"
#include "core/isolation.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/results.h"

static const char *str_at(struct json_object *root, const char *dotted)
{
	struct json_object *o = vcl_json_path(root, dotted);

	if (o == NULL || !json_object_is_type(o, json_type_string))
		return NULL;
	return json_object_get_string(o);
}

static const struct {
	const char *name, *figure;
	bool lower_better;
} res_table[VCL_NRES] = {
    [VCL_RES_CPU] = {"cpu", "event_us", true},
    [VCL_RES_MEMBW] = {"membw", "read_mib_s", false},
    [VCL_RES_DISK] = {"disk", "randread_iops", false},
    [VCL_RES_NET] = {"net", "send_mbit_s", false},
};

const char *vcl_res_name(enum vcl_res r)
{
	return res_table[r].name;
}

const char *vcl_res_figure(enum vcl_res r)
{
	return res_table[r].figure;
}

/* Each resource's tax: the figure's ratio to bare, turned so that more
 * than 1 is worse (a rate's ratio is inverted, and its CI with it). */
static void read_taxes(struct json_object *root, const char *prefix, struct vcl_meas_backend *b)
{
	for (int r = 0; r < VCL_NRES; r++) {
		char k[400];
		double x, lo, hi;

		snprintf(k, sizeof(k), "%s.%s.metrics.%s.x_bare.", prefix, res_table[r].name,
			 res_table[r].figure);
		if (vcl_json_path_double(root, strcat(k, "ratio"), &x) < 0 || !(x > 0))
			continue;
		*strrchr(k, '.') = '\0';
		strcat(k, ".ci95.0");
		if (vcl_json_path_double(root, k, &lo) < 0)
			lo = NAN;
		k[strlen(k) - 1] = '1';
		if (vcl_json_path_double(root, k, &hi) < 0)
			hi = NAN;
		b->has_tax |= 1u << r;
		b->tax[r] = res_table[r].lower_better ? x : 1.0 / x;
		b->tax_lo[r] = res_table[r].lower_better ? lo : 1.0 / hi;
		b->tax_hi[r] = res_table[r].lower_better ? hi : 1.0 / lo;
	}
}

static int tri(struct json_object *iso, const char *path)
{
	struct json_object *v = vcl_json_path(iso, path);

	if (v == NULL || !json_object_is_type(v, json_type_boolean))
		return -1;
	return json_object_get_boolean(v) ? 1 : 0;
}

/* The isolation probe's object, summed up for the tenancy rule. */
static void read_isolation(struct json_object *iso, struct vcl_meas_iso *b)
{
	struct json_object *v = vcl_json_path(iso, "caps.effective");
	double n;

	b->cri_violations = -1;
	if (iso == NULL || !json_object_is_type(iso, json_type_object) || v == NULL ||
	    !json_object_is_type(v, json_type_array))
		return;
	b->present = true;
	b->caps = (unsigned)json_object_array_length(v);
	b->sys_admin = vcl_isolation_has_cap(iso, "effective", "cap_sys_admin");
	b->host_kernel = tri(iso, "kernel.host_kernel");
	b->host_pid = tri(iso, "pids.host_pid_visible");
	for (size_t i = 0; i < vcl_isolation_ncalls; i++) {
		const char *r = vcl_isolation_call_result(iso, vcl_isolation_calls[i].key);

		if (!vcl_isolation_calls[i].cri_forbids || r == NULL || strcmp(r, "untried") == 0)
			continue;
		b->tried++;
		b->through += strcmp(r, "allowed") == 0;
	}
	if (vcl_json_path_double(iso, "cri_violations", &n) == 0)
		b->cri_violations = (int)n;
}

/* One placement's numbers under prefix ("backends.ctr", "services.web.backends.ctr"). */
static void read_backend(struct json_object *root, const char *prefix, struct vcl_meas_backend *b)
{
	char k[320];
	double lo = NAN, hi = NAN;

#define AT(path) (snprintf(k, sizeof(k), "%s.%s", prefix, path), k)
	b->present = true;
	(void)vcl_json_path_double(root, AT("startup_failures"), &b->startup_failures);
	b->has_startup = vcl_json_path_double(root, AT("startup_ms.p95"), &b->startup_p95) == 0;
	b->has_startup = vcl_json_path_double(root, AT("startup_ms.p50"), &b->startup_p50) == 0 &&
			 b->has_startup;
	/* ci95 is [lo, hi] or null (too few samples): null is no CI. */
	b->has_startup_ci = vcl_json_path_double(root, AT("startup_ms.ci95.0"), &lo) == 0 &&
			    vcl_json_path_double(root, AT("startup_ms.ci95.1"), &hi) == 0;
	b->startup_lo = lo;
	b->startup_hi = hi;
	if (!b->has_startup_ci)
		b->startup_lo = b->startup_hi = NAN;
	/* A memory figure may be null with a reason: absent, not zero. */
	b->has_overhead =
	    vcl_json_path_double(root, AT("memory.overhead_kib"), &b->overhead_kib) == 0;
	b->has_reaction =
	    vcl_json_path_double(root, AT("autoscale.reaction_ms.p50"), &b->reaction_p50) == 0;
	b->has_steady = vcl_json_path_double(root, AT("steady.rps"), &b->rps) == 0;
	b->has_steady =
	    vcl_json_path_double(root, AT("steady.lat_ms.p99"), &b->lat_p99) == 0 && b->has_steady;
#undef AT
	read_taxes(root, prefix, b);
}

/* comparisons[]: the startup ratio of each placement against bare. */
static void read_comparisons(struct json_object *root, struct vcl_measured *m)
{
	struct json_object *arr = vcl_json_path(root, "comparisons");

	if (arr == NULL || !json_object_is_type(arr, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *c = json_object_array_get_idx(arr, i);
		struct json_object *a, *b, *v, *r, *ci;
		struct vcl_meas_cmp *mc = NULL;

		if (!json_object_object_get_ex(c, "a", &a) ||
		    !json_object_object_get_ex(c, "b", &b) ||
		    strcmp(json_object_get_string(b), vcl_place_name(VCL_BARE)) != 0)
			continue;
		for (int p = 0; p < VCL_NPLACE; p++)
			if (strcmp(json_object_get_string(a), vcl_place_name((enum vcl_place)p)) ==
			    0)
				mc = &m->cmp[p];
		if (mc == NULL)
			continue;
		mc->present = true;
		mc->ratio = mc->lo = mc->hi = NAN;
		if (json_object_object_get_ex(c, "ratio", &r) && r != NULL)
			mc->ratio = json_object_get_double(r);
		if (json_object_object_get_ex(c, "ci95", &ci) && ci != NULL &&
		    json_object_is_type(ci, json_type_array) && json_object_array_length(ci) == 2) {
			mc->lo = json_object_get_double(json_object_array_get_idx(ci, 0));
			mc->hi = json_object_get_double(json_object_array_get_idx(ci, 1));
		}
		snprintf(mc->verdict, sizeof(mc->verdict), "%s",
			 json_object_object_get_ex(c, "verdict", &v) && v != NULL
			     ? json_object_get_string(v)
			     : "no CI");
	}
}

/* services.<name>: the user's own measured services (image + backends). */
static void copy_str(struct json_object *o, const char *path, char *buf, size_t len)
{
	const char *s = str_at(o, path);

	snprintf(buf, len, "%s", s != NULL ? s : "");
}

/* services.<name>: read relative to each entry, since a workload's name
 * ("shop/Deployment/web.v2") may hold a dot. A skipped workload has no
 * numbers and is left out. */
static void read_services(struct json_object *root, struct vcl_measured *m)
{
	struct json_object *svcs = vcl_json_path(root, "services");

	if (svcs == NULL || !json_object_is_type(svcs, json_type_object))
		return;
	json_object_object_foreach(svcs, name, v)
	{
		struct vcl_meas_service *ms;

		if (m->nsvc == VCL_MAX_MEAS_SVC)
			break;
		if (!json_object_is_type(v, json_type_object) ||
		    vcl_json_path(v, "skipped") != NULL)
			continue;
		ms = &m->svc[m->nsvc++];
		snprintf(ms->name, sizeof(ms->name), "%s", name);
		copy_str(v, "image.reference", ms->reference, sizeof(ms->reference));
		copy_str(v, "image.digest", ms->digest, sizeof(ms->digest));
		copy_str(v, "manifest.namespace", ms->ns, sizeof(ms->ns));
		copy_str(v, "manifest.kind", ms->kind, sizeof(ms->kind));
		copy_str(v, "manifest.name", ms->wname, sizeof(ms->wname));
		copy_str(v, "manifest.at", ms->at, sizeof(ms->at));
		for (int p = 0; p < VCL_NPLACE; p++) {
			struct json_object *b;
			char prefix[64];

			snprintf(prefix, sizeof(prefix), "backends.%s",
				 vcl_place_name((enum vcl_place)p));
			b = vcl_json_path(v, prefix);
			if (b == NULL || !json_object_is_type(b, json_type_object)) {
				snprintf(ms->b[p].absent, sizeof(ms->b[p].absent),
					 "services.%s.backends.%s missing", name,
					 vcl_place_name((enum vcl_place)p));
				continue;
			}
			read_backend(v, prefix, &ms->b[p]);
		}
	}
}

void vcl_measured_for_service(const struct vcl_measured *m, size_t i, struct vcl_measured *out)
{
	const struct vcl_meas_service *ms = &m->svc[i];

	*out = *m;
	for (int p = 0; p < VCL_NPLACE; p++) {
		out->b[p] = ms->b[p];
		/* Resource taxes are the placement's, measured once per run
		 * with the tools image, whatever the service. */
		out->b[p].has_tax = m->b[p].has_tax;
		memcpy(out->b[p].tax, m->b[p].tax, sizeof(out->b[p].tax));
		memcpy(out->b[p].tax_lo, m->b[p].tax_lo, sizeof(out->b[p].tax_lo));
		memcpy(out->b[p].tax_hi, m->b[p].tax_hi, sizeof(out->b[p].tax_hi));
		/* comparisons[] are the payload's: the service's own CIs judge. */
		memset(&out->cmp[p], 0, sizeof(out->cmp[p]));
	}
	snprintf(out->numbers, sizeof(out->numbers), "service %s (results services.%s)", ms->name,
		 ms->name);
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
	s = str_at(root, "backends.gvisor.platform");
	snprintf(m->gvisor_platform, sizeof(m->gvisor_platform), "%s", s != NULL ? s : "");

	snprintf(m->numbers, sizeof(m->numbers), "the built-in payload");
	m->aa_lo = m->aa_hi = NAN;
	m->has_aa = vcl_json_path_double(root, "calibration.aa.ci95.0", &m->aa_lo) == 0 &&
		    vcl_json_path_double(root, "calibration.aa.ci95.1", &m->aa_hi) == 0;
	read_comparisons(root, m);
	read_services(root, m);
	for (int p = 0; p < VCL_NPLACE; p++) {
		const char *name = vcl_place_name((enum vcl_place)p);
		struct vcl_meas_backend *b = &m->b[p];
		char dotted[64];

		snprintf(dotted, sizeof(dotted), "backends.%s", name);
		o = vcl_json_path(root, dotted);
		read_isolation(vcl_json_path(o, "isolation"), &m->iso[p]);
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
		snprintf(dotted, sizeof(dotted), "backends.%s", name);
		read_backend(root, dotted, b);
	}
}
