/* SPDX-License-Identifier: MIT */
/*
 * `vclab bench`'s summary on the terminal once a run ends (bench.h,
 * vcl_bench_print_summary): startup per placement and peer, the pairs,
 * each scenario's figures, isolation and services, read back from the
 * run's results (b->root); with --json, the startup figures as JSON.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench/backends.h"
#include "bench/bench.h"
#include "bench/services.h"
#include "core/compare.h"
#include "core/isolation.h"
#include "core/results.h"

/* One cell: the number at path under o with prec decimals and a unit, or
 * "-" when not measured. */
static void cell(struct json_object *o, const char *path, int width, int prec, const char *unit)
{
	double v;
	char buf[32];

	if (vcl_json_path_double(o, path, &v) == 0)
		snprintf(buf, sizeof(buf), "%.*f%s", prec, v, unit);
	else
		snprintf(buf, sizeof(buf), "-");
	printf(" %*s", width, buf);
}

/* The MemAvailable drop, or "<N" when it did not exceed the host's own
 * spread of N KiB per instance (too small for MemAvailable to see). */
static void memavail_cell(struct json_object *o)
{
	struct json_object *res = vcl_json_path(o, "memory.memavail_resolved");
	double noise;
	char buf[32];

	if (res != NULL && !json_object_get_boolean(res) &&
	    vcl_json_path_double(o, "memory.memavail_noise_kib", &noise) == 0) {
		snprintf(buf, sizeof(buf), "<%.0f", noise);
		printf(" %9s", buf);
		return;
	}
	cell(o, "memory.memavail_drop_kib", 9, 0, "");
}

/* The other scenarios, one row per placement. */
static void print_scenarios(struct vcl_bench *b, struct json_object *backends)
{
	bool any = false;

	if (backends == NULL)
		return;
	json_object_object_foreach(backends, n0, v0)
	{
		(void)n0;
		any |=
		    vcl_json_path(v0, "memory") != NULL || vcl_json_path(v0, "density") != NULL ||
		    vcl_json_path(v0, "autoscale") != NULL || vcl_json_path(v0, "steady") != NULL;
	}
	if (!any)
		return;
	printf("\nper instance: memory (KiB), density, autoscale reaction, steady state (/work)\n");
	printf("%-10s %9s %9s %9s %7s %8s %8s %10s %9s %8s %8s\n", "placement", "PSS", "overhead",
	       "memavail", "max n", "n/GiB", "scale/s", "react p50", "rps", "lat p50", "lat p99");
	json_object_object_foreach(backends, name, val)
	{
		const struct vcl_backend_ops *ops = vcl_backends_find(name);
		bool acc = ops != NULL && ops->accel_labelled;
		char label[32];

		snprintf(label, sizeof(label), "%s%s%s%s", name, acc ? " (" : "",
			 acc ? b->host.accelerator : "", acc ? ")" : "");
		printf("%-10s", label);
		cell(val, "memory.pss_kib", 9, 0, "");
		cell(val, "memory.overhead_kib", 9, 0, "");
		memavail_cell(val);
		cell(val, "density.max_instances", 7, 0, "");
		cell(val, "density.instances_per_gib", 8, 1, "");
		cell(val, "density.scaleout_per_s", 8, 1, "");
		cell(val, "autoscale.reaction_ms.p50", 10, 1, " ms");
		cell(val, "steady.rps", 9, 0, "");
		cell(val, "steady.lat_ms.p50", 8, 2, " ms");
		cell(val, "steady.lat_ms.p99", 8, 2, " ms");
		putchar('\n');
	}
}

/* The comparisons of arr, one line each; service, when not NULL, heads
 * each line, and the ratios against bare are printed too (the services
 * table has no "x bare" column). */
static void print_cmps(struct json_object *arr, const char *service)
{
	double v, lo, hi;
	char buf[96];

	for (size_t i = 0; arr != NULL && i < json_object_array_length(arr); i++) {
		struct json_object *c = json_object_array_get_idx(arr, i);
		const char *x = json_object_get_string(vcl_json_path(c, "a"));
		const char *y = json_object_get_string(vcl_json_path(c, "b"));
		const char *verdict = NULL;

		if (x == NULL || y == NULL ||
		    (service == NULL && strcmp(y, vcl_backends_baseline()) == 0) ||
		    !vcl_cmp_entry(c, &v, &lo, &hi, &verdict))
			continue;
		vcl_cmp_format(buf, sizeof(buf), v, lo, hi, verdict, true);
		printf("%s%s%s vs %s: %s\n", service != NULL ? service : "",
		       service != NULL ? ": " : "", x, y, buf);
	}
}

/* Each user's service's comparisons (services.<name>.comparisons). */
static void print_service_pairs(struct vcl_bench *b)
{
	struct json_object *svcs = NULL;

	if (!json_object_object_get_ex(b->root, "services", &svcs))
		return;
	json_object_object_foreach(svcs, name, svc)
	{
		print_cmps(vcl_json_path(svc, "comparisons"), name);
	}
}

/* Placements against their peers, then the run's calibration. */
static void print_pairs(struct vcl_bench *b)
{
	double v, lo, hi;
	char buf[96];

	print_cmps(vcl_json_path(b->root, "comparisons"), NULL);
	if (vcl_json_path_double(b->root, "calibration.aa.ratio", &v) == 0) {
		if (vcl_json_path_double(b->root, "calibration.aa.ci95.0", &lo) < 0 ||
		    vcl_json_path_double(b->root, "calibration.aa.ci95.1", &hi) < 0)
			lo = hi = NAN;
		vcl_cmp_format(buf, sizeof(buf), v, lo, hi, NULL, true);
		printf("calibration: A/A (bare vs bare) %s", buf);
		if (vcl_json_path_double(b->root, "calibration.probe_floor_ms.p50", &v) == 0)
			printf("; probe floor p50 %.3f ms", v);
		printf("\n");
	}
}

/* The startup table of the summary (placements, then peers). */
static void print_startup(struct vcl_bench *b, struct json_object *groups[2])
{
	double bare_p50 = 0;
	char path[96];

	snprintf(path, sizeof(path), "backends.%s.startup_ms.p50", vcl_backends_baseline());
	vcl_json_path_double(b->root, path, &bare_p50);
	printf("\nstartup: launch -> first 200 from GET /healthz (ms), host %s, accelerator %s\n",
	       b->host.hostname, b->host.accelerator);
	printf("%-18s %4s %9s %9s %9s %9s %6s %9s %9s  %s\n", "placement", "n", "p50", "p90", "p99",
	       "mean", "cv", "min", "max", "x bare [95% CI]");
	for (int g = 0; g < 2; g++) {
		if (groups[g] == NULL)
			continue;
		json_object_object_foreach(groups[g], name, val)
		{
			double p50 = 0, p90 = 0, p99 = 0, mean = 0, cv = 0, mn = 0, mx = 0, n = 0;
			char label[40], ratio[96] = "-";
			struct json_object *why = vcl_json_path(val, "reason");

			if (vcl_json_path_double(val, "startup_ms.p50", &p50) < 0) {
				printf("%-18s %s%s\n", name,
				       vcl_json_path(val, "skipped") != NULL ? "skipped: " : "",
				       why != NULL ? json_object_get_string(why)
						   : "no startup samples");
				continue;
			}
			vcl_json_path_double(val, "startup_ms.n", &n);
			vcl_json_path_double(val, "startup_ms.p90", &p90);
			vcl_json_path_double(val, "startup_ms.p99", &p99);
			vcl_json_path_double(val, "startup_ms.mean", &mean);
			vcl_json_path_double(val, "startup_ms.cv", &cv);
			vcl_json_path_double(val, "startup_ms.min", &mn);
			vcl_json_path_double(val, "startup_ms.max", &mx);
			const struct vcl_backend_ops *ops = vcl_backends_find(name);

			if (ops != NULL && ops->accel_labelled)
				snprintf(label, sizeof(label), "%s (%s)", name,
					 b->host.accelerator);
			else
				snprintf(label, sizeof(label), "%s%s", g ? "peer " : "", name);
			if (g == 0 && strcmp(name, vcl_backends_baseline()) == 0) {
				snprintf(ratio, sizeof(ratio), "1");
			} else {
				double r, lo, hi;
				const char *verdict;

				if (vcl_cmp_find(b->root, name, vcl_backends_baseline(), &r, &lo,
						 &hi, &verdict))
					vcl_cmp_format(ratio, sizeof(ratio), r, lo, hi, verdict,
						       true);
				else if (bare_p50 > 0)
					snprintf(ratio, sizeof(ratio), "x%.2f (no CI)",
						 p50 / bare_p50);
			}
			printf("%-18s %4.0f %9.2f %9.2f %9.2f %9.2f %6.3f %9.2f %9.2f  %s\n", label,
			       n, p50, p90, p99, mean, cv, mn, mx, ratio);
		}
	}
}

/* The isolation scenario's facts, one line per placement and peer (the
 * report has the whole table). */
static void print_isolation(struct json_object *groups[2])
{
	bool header = false;

	for (int g = 0; g < 2; g++) {
		if (groups[g] == NULL)
			continue;
		json_object_object_foreach(groups[g], name, val)
		{
			struct json_object *iso = vcl_json_path(val, "isolation"), *v;
			struct json_object *caps = vcl_json_path(iso, "caps.effective");
			unsigned through = 0, tried = 0;
			const char *mount = vcl_isolation_call_result(iso, "mount_tmpfs");
			char cri[16] = "-";

			if (iso == NULL)
				continue;
			if (!header)
				printf("\nisolation: what the probe reached as the service "
				       "(docs/isolation.md; every fact in the report)\n"
				       "%-18s %-11s %5s %-13s %-8s %-16s %s\n",
				       "placement", "host kernel", "caps", "CAP_SYS_ADMIN", "mount",
				       "forbidden calls", "containerd defaults broken");
			header = true;
			for (size_t i = 0; i < vcl_isolation_ncalls; i++) {
				const char *r =
				    vcl_isolation_call_result(iso, vcl_isolation_calls[i].key);

				if (!vcl_isolation_calls[i].cri_forbids || r == NULL)
					continue;
				tried++;
				through += strcmp(r, "allowed") == 0;
			}
			v = vcl_json_path(iso, "kernel.host_kernel");
			if (vcl_json_path(iso, "cri_violations") != NULL)
				snprintf(cri, sizeof(cri), "%d",
					 json_object_get_int(vcl_json_path(iso, "cri_violations")));
			printf("%-18s %-11s %5zu %-13s %-8s %2u of %-10u %s\n", name,
			       v == NULL		    ? "-"
			       : json_object_get_boolean(v) ? "yes"
							    : "no",
			       caps != NULL && json_object_is_type(caps, json_type_array)
				   ? json_object_array_length(caps)
				   : 0,
			       vcl_isolation_has_cap(iso, "effective", "cap_sys_admin") ? "yes"
											: "no",
			       mount != NULL ? mount : "-", through, tried, cri);
		}
	}
}

/* Did a backend whose figures depend on the accelerator (ops->accel_labelled:
 * the VMs) measure startup? */
static bool accel_startup(struct json_object *groups[2])
{
	for (int g = 0; g < 2; g++) {
		if (groups[g] == NULL)
			continue;
		json_object_object_foreach(groups[g], name, val)
		{
			const struct vcl_backend_ops *ops = vcl_backends_find(name);

			if (ops != NULL && ops->accel_labelled &&
			    vcl_json_path(val, "startup_ms") != NULL)
				return true;
		}
	}
	return false;
}

void vcl_bench_print_summary(struct vcl_bench *b)
{
	struct json_object *groups[2] = {NULL, NULL};

	json_object_object_get_ex(b->root, "backends", &groups[0]);
	json_object_object_get_ex(b->root, "peers", &groups[1]);
	if (b->o->json) {
		struct json_object *s = json_object_new_object();

		json_object_object_add(s, "results", json_object_new_string(b->out_dir));
		json_object_object_add(s, "run_id", json_object_new_string(b->run_id));
		json_object_object_add(s, "accelerator",
				       json_object_new_string(b->host.accelerator));
		for (int g = 0; g < 2; g++) {
			if (groups[g] == NULL)
				continue;
			json_object_object_foreach(groups[g], name, val)
			{
				struct json_object *st = vcl_json_path(val, "startup_ms");
				struct json_object *copy = NULL;

				if (st == NULL)
					continue;
				json_object_deep_copy(st, &copy, NULL);
				json_object_object_del(copy, "samples");
				json_object_object_add(s, name, copy);
			}
		}
		printf("%s\n", json_object_to_json_string_ext(
				   s, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(s);
		return;
	}
	if (vcl_bench_wants(b, "startup"))
		print_startup(b, groups);
	print_pairs(b);
	print_scenarios(b, groups[0]);
	print_isolation(groups);
	vcl_services_print_summary(b->root, stdout);
	print_service_pairs(b);
	if (strcmp(b->host.accelerator, "kvm") != 0 && accel_startup(groups))
		printf("note: VMs ran under TCG software emulation (%s); VM figures are not KVM "
		       "figures\n",
		       b->host.accel_why);
	printf("results: %s/results.json\n", b->out_dir);
}
