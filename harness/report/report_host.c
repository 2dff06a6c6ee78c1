/* SPDX-License-Identifier: MIT */
/*
 * vclab report: the first sections of the document (pure): what was run,
 * and on which host, with warnings when compared runs' hosts differ.
 */
#include "report/report_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/results.h"
#include "core/util.h"

/* ---- sections ---- */

void vcl_rsec_header(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	struct tab t;
	static const char *const hdr[] = {"run",      "file",	 "started (UTC)",  "finished (UTC)",
					  "complete", "profile", "runs + warm-up", "vclab",
					  NULL};

	memset(&t, 0, sizeof(t));
	for (size_t i = 0; hdr[i] != NULL; i++)
		vcl_rtab_add(&t, "%s", hdr[i]);
	t.cols = t.n;
	t.numeric = 0;
	for (size_t r = 0; r < c->n; r++) {
		struct json_object *root = c->runs[r].root;
		const char *s;
		bool complete = false;
		double runs = 0, warm = 0, vruns = 0, vwarm = 0;
		bool hr = vcl_rjnum(root, "config.runs", &runs),
		     hw = vcl_rjnum(root, "config.warmup", &warm);

		vcl_rtab_own(&t, vcl_resc(c->runs[r].label));
		vcl_rtab_own(&t, vcl_resc(c->runs[r].file));
		s = vcl_rjstr(root, "started");
		vcl_rtab_own(&t, vcl_resc(s != NULL ? s : "—"));
		s = vcl_rjstr(root, "finished");
		vcl_rtab_own(&t, vcl_resc(s != NULL ? s : "—"));
		vcl_rtab_add(&t, "%s",
			     vcl_rjbool(root, "complete", &complete) ? (complete ? "yes" : "**no**")
								     : "—");
		s = vcl_rjstr(root, "config.profile");
		vcl_rtab_own(&t, vcl_resc(s != NULL ? s : "—"));
		if (hr && hw && vcl_rjnum(root, "config.vm_runs", &vruns) &&
		    vcl_rjnum(root, "config.vm_warmup", &vwarm))
			vcl_rtab_add(&t, "%.0f + %.0f (VMs: %.0f + %.0f)", runs, warm, vruns,
				     vwarm);
		else if (hr && hw)
			vcl_rtab_add(&t, "%.0f + %.0f", runs, warm);
		else
			vcl_rtab_add(&t, "—");
		s = vcl_rjstr(root, "vclab_version");
		vcl_rtab_own(&t, vcl_resc(s != NULL ? s : "—"));
	}
	vcl_rdoc_table(d, &t);

	for (size_t r = 0; r < c->n; r++) {
		struct json_object *root = c->runs[r].root;
		bool complete = true;
		const char *note = vcl_rjstr(root, "note");

		if (vcl_rjbool(root, "complete", &complete) && !complete) {
			const char *why = vcl_rjstr(root, "incomplete_reason");
			char *e = vcl_resc(why != NULL ? why : "no reason recorded");

			vcl_rdoc_block(
			    d, VCL_RB_WARNING,
			    "Run %s is incomplete: %s. The sections below show what was measured "
			    "before it stopped.",
			    c->runs[r].label, e);
			free(e);
		}
		if (note != NULL) {
			char *e = vcl_resc(note);

			vcl_rdoc_block(d, VCL_RB_WARNING, "Note in results file %s: %s",
				       c->runs[r].label, e);
			free(e);
		}
	}
	vcl_rsec_concurrent(d, c, NULL);
	if (c->gnuplot_missing != NULL) {
		char *e = vcl_resc(c->gnuplot_missing);

		vcl_rdoc_block(
		    d, VCL_RB_PARA,
		    "**No figures:** %s. This report has tables only; the gnuplot scripts are in "
		    "`figures/*.gp` and can be drawn later with `gnuplot NAME.gp` in that folder.",
		    e);
		free(e);
	}
}

/* Host facts that make two runs incomparable when they differ. */
static const struct {
	const char *path, *what, *why;
} class_facts[] = {
    {"host.accelerator", "Accelerators", "VM startup and CPU figures are not comparable"},
    {"host.cgroup", "cgroup modes", "Container setup and memory accounting differ"},
    {"host.cpu_model", "CPU models", "All timings depend on the CPU"},
    {"host.cores", "Core counts", "Concurrency and noise differ"},
};

/* The fact as text ("2" for numbers). */
static char *fact_text(struct json_object *root, const char *path)
{
	struct json_object *x = vcl_json_path(root, path);

	if (x == NULL || json_object_is_type(x, json_type_null))
		return vcl_rxstrdup("—");
	if (json_object_is_type(x, json_type_boolean))
		return vcl_rxstrdup(json_object_get_boolean(x) ? "yes" : "no");
	if (json_object_is_type(x, json_type_int))
		return vcl_rxasprintf("%lld", (long long)json_object_get_int64(x));
	if (json_object_is_type(x, json_type_double)) {
		char b[32];

		return vcl_rxstrdup(vcl_rnum(json_object_get_double(x), b, sizeof(b)));
	}
	return vcl_rxstrdup(json_object_get_string(x));
}

static void add_warning(char ***warnings, size_t *nw, char *w)
{
	*warnings = vcl_rxrealloc(*warnings, (*nw + 2) * sizeof(char *));
	(*warnings)[(*nw)++] = w;
	(*warnings)[*nw] = NULL;
}

/* The accelerator, in large type: it decides how to read every VM number. */
static void host_accelerator(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	char *line = vcl_rxstrdup("");

	for (size_t r = 0; r < c->n; r++) {
		const char *a = vcl_rjstr(c->runs[r].root, "host.accelerator");
		char acc[16], *prev = line;
		const char *what = a == NULL		   ? "not recorded"
				   : strcmp(a, "tcg") == 0 ? "software emulation, no KVM"
				   : strcmp(a, "kvm") == 0 ? "hardware virtualisation"
							   : "as recorded";

		vcl_rupper(a != NULL ? a : "unknown", acc, sizeof(acc));
		if (c->n > 1)
			line = vcl_rxasprintf("%s%s%s: %s (%s)", prev, r > 0 ? " · " : "",
					      c->runs[r].label, acc, what);
		else
			line = vcl_rxasprintf("Accelerator: %s (%s)", acc, what);
		free(prev);
	}
	vcl_rdoc_block(d, VCL_RB_BIGFACT, "%s", line);
	free(line);
}

/* The caveat for runs whose VMs ran under TCG. */
static void host_tcg_caveat(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	char *tcg_runs = NULL;

	for (size_t r = 0; r < c->n; r++) {
		const char *a = vcl_report_vm_accel(&c->runs[r]);
		bool ran_vm = false;

		for (size_t s = 0; s < 2; s++) {
			const char *sec = s == 0 ? "backends" : "peers";
			const char **names = vcl_report_names(&c->runs[r], 1, sec);

			for (size_t i = 0; names[i] != NULL; i++)
				ran_vm = ran_vm || vcl_report_is_vm(&c->runs[r], sec, names[i]);
			free(names);
		}
		if (ran_vm && a != NULL && strcmp(a, "tcg") == 0) {
			char *prev = tcg_runs;

			tcg_runs = vcl_rxasprintf("%s%s%s", prev != NULL ? prev : "",
						  prev != NULL ? ", " : "", c->runs[r].label);
			free(prev);
		}
	}
	if (tcg_runs != NULL && c->n > 1)
		vcl_rdoc_block(
		    d, VCL_RB_CAVEAT,
		    "**VMs ran under TCG in %s** (QEMU software emulation, no usable KVM). VM "
		    "startup and CPU figures of those runs are far above what KVM gives and must "
		    "not be read as KVM numbers. Memory overhead is roughly comparable but "
		    "includes "
		    "TCG's translation cache.",
		    tcg_runs);
	else if (tcg_runs != NULL)
		vcl_rdoc_block(
		    d, VCL_RB_CAVEAT,
		    "**VMs ran under TCG** (QEMU software emulation, no usable KVM). VM startup "
		    "and CPU figures here are far above what KVM gives and must not be read as "
		    "KVM numbers. Memory overhead is roughly comparable but includes TCG's "
		    "translation cache.");
	free(tcg_runs);
}

/* Comparison: differing host classes make deltas misleading. */
static void host_class_differs(struct vcl_rdoc *d, const struct vcl_report_ctx *c, char ***warnings,
			       size_t *nw)
{
	for (size_t i = 0; c->n > 1 && i < ARRAY_SIZE(class_facts); i++) {
		char *first = NULL;
		char *list = NULL;
		bool differ = false;

		for (size_t r = 0; r < c->n; r++) {
			char *v, *prev = list;

			/* A fleet host that gave no results has no facts to differ. */
			if (vcl_rjstr(c->runs[r].root, "error") != NULL)
				continue;
			v = fact_text(c->runs[r].root, class_facts[i].path);
			if (first == NULL)
				first = vcl_rxstrdup(v);

			differ = differ || strcmp(v, first) != 0;
			list = vcl_rxasprintf("%s%s%s %s", prev != NULL ? prev : "",
					      prev != NULL ? ", " : "", c->runs[r].label, v);
			free(prev);
			free(v);
		}
		if (differ) {
			char *e = vcl_resc(list);

			vcl_rdoc_block(d, VCL_RB_WARNING, "%s differ: %s. %s.", class_facts[i].what,
				       e, class_facts[i].why);
			add_warning(warnings, nw,
				    vcl_rxasprintf("%s differ (%s): %s", class_facts[i].what, list,
						   class_facts[i].why));
			free(e);
		}
		free(list);
		free(first);
	}
}

/* One row per host fact any run recorded, one column per run. */
static void host_facts(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	static const struct {
		const char *path, *name;
	} facts[] = {
	    {"host.hostname", "hostname"},
	    {"host.class", "host class"},
	    {"error", "no results: why"},
	    {"host.cpu_model", "CPU model"},
	    {"host.packages", "packages"},
	    {"host.cores", "cores"},
	    {"host.cpus", "CPUs (PUs)"},
	    {"host.mem_mib", "memory (MiB)"},
	    {"host.kernel", "kernel"},
	    {"host.cgroup", "cgroup mode"},
	    {"host.accelerator", "accelerator"},
	    {"host.accel_reason", "why that accelerator"},
	    {"host.libvirt_version", "libvirt"},
	    {"host.qemu_version", "QEMU"},
	    {"host.libvirt_ok", "libvirt answered"},
	    {"host.gnuplot", "gnuplot on the measuring host"},
	    {"config.limits.mem_mib", "limit: memory per instance (MiB)"},
	    {"config.limits.cpus", "limit: CPUs per instance"},
	    {"config.limits.pids", "limit: pids per instance"},
	    {"config.pinning.layout", "pinning layout"},
	    {"config.pinning.workload_cpus", "workload CPUs"},
	    {"config.pinning.harness_cpus", "harness CPUs"},
	    {"config.vm.vcpus", "VM vCPUs"},
	    {"config.vm.mem_mib", "VM memory (MiB)"},
	    {"config.vm.net", "VM network"},
	};
	struct tab t;

	memset(&t, 0, sizeof(t));
	vcl_rtab_add(&t, "fact");
	for (size_t r = 0; r < c->n; r++)
		vcl_rtab_own(&t, c->n > 1 ? vcl_resc(c->runs[r].label) : vcl_rxstrdup("value"));
	t.cols = t.n;
	for (size_t i = 0; i < ARRAY_SIZE(facts); i++) {
		bool any = false;

		for (size_t r = 0; r < c->n; r++)
			any = any || vcl_json_path(c->runs[r].root, facts[i].path) != NULL;
		if (!any)
			continue;
		vcl_rtab_add(&t, "%s", facts[i].name);
		for (size_t r = 0; r < c->n; r++) {
			char *v = fact_text(c->runs[r].root, facts[i].path);

			vcl_rtab_own(&t, vcl_resc(v));
			free(v);
		}
	}
	vcl_rdoc_table(d, &t);
}

void vcl_rsec_host(struct vcl_rdoc *d, const struct vcl_report_ctx *c, char ***warnings, size_t *nw)
{
	vcl_rdoc_heading(d, 2, "host", "Host");
	host_accelerator(d, c);
	host_tcg_caveat(d, c);
	host_class_differs(d, c, warnings, nw);
	host_facts(d, c);
}
