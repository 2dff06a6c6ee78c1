/* SPDX-License-Identifier: MIT */
/*
 * vclab report: the fleet view (pure). Results from several hosts, each
 * labelled with its class (bench --host-class, results host.class), side by
 * side: one column per class for each scenario's headline figure, with the
 * same-run ratio against bare and its bootstrap CI, and every host that gave
 * no results (results "error", written by the fleet playbook) with its
 * error. Shown when any run names a class or is such an error.
 */
#include "report/report_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/compare.h"
#include "core/results.h"

#define MAX_CLASSES 32

/* The classes of the runs, in order of first appearance. */
struct classes {
	const char *name[MAX_CLASSES];
	size_t n;
};

static const char *run_class(const struct vcl_report_run *run)
{
	const char *k = vcl_rjstr(run->root, "host.class");

	return k != NULL && *k != '\0' ? k : "(none)";
}

static void classes_of(const struct vcl_report_ctx *c, struct classes *k)
{
	memset(k, 0, sizeof(*k));
	for (size_t r = 0; r < c->n; r++) {
		const char *name = run_class(&c->runs[r]);
		size_t i = 0;

		while (i < k->n && strcmp(k->name[i], name) != 0)
			i++;
		if (i == k->n && k->n < MAX_CLASSES)
			k->name[k->n++] = name;
	}
}

bool vcl_report_is_fleet(const struct vcl_report_ctx *c)
{
	for (size_t r = 0; r < c->n; r++)
		if (vcl_rjstr(c->runs[r].root, "host.class") != NULL ||
		    vcl_rjstr(c->runs[r].root, "error") != NULL)
			return true;
	return false;
}

static const char *run_host(const struct vcl_report_run *run)
{
	const char *h = vcl_rjstr(run->root, "host.hostname");

	return h != NULL ? h : run->label;
}

/* A table with a first column and one column per class. */
static void class_table(struct tab *t, const char *first, const struct classes *k)
{
	memset(t, 0, sizeof(*t));
	vcl_rtab_add(t, "%s", first);
	for (size_t i = 0; i < k->n; i++)
		vcl_rtab_own(t, vcl_resc(k->name[i]));
	t->cols = t->n;
}

/* Startup p50 of name in run r, with its ratio against bare and the CI. */
static char *startup_cell(const struct vcl_report_run *run, const char *section, const char *name)
{
	struct json_object *e = vcl_rentry(run, section, name);
	double p50, ratio, lo, hi;
	const struct vcl_backend_ops *ops = vcl_report_ops(run, section, name);
	const char *verdict, *accel = vcl_rjstr(e, "accelerator");
	const char *base = vcl_backends_baseline();
	char num[48], cmp[128];

	if (!vcl_rjnum(e, "startup_ms.p50", &p50))
		return NULL;
	vcl_rnum(p50, num, sizeof(num));
	strcat(num, " ms");
	/* A VM's time says how it ran: TCG is never read as KVM. */
	if (accel == NULL && ops != NULL && ops->accel_labelled)
		accel = vcl_report_vm_accel(run);
	if (accel != NULL)
		snprintf(num + strlen(num), sizeof(num) - strlen(num), " (%s)",
			 strcmp(accel, "tcg") == 0   ? "TCG"
			 : strcmp(accel, "kvm") == 0 ? "KVM"
						     : accel);
	if (strcmp(name, base) == 0)
		return vcl_rxstrdup(num);
	if (!vcl_cmp_find(run->root, name, base, &ratio, &lo, &hi, &verdict))
		return vcl_rxasprintf("%s (no ratio)", num);
	vcl_cmp_format(cmp, sizeof(cmp), ratio, lo, hi, verdict, false);
	return vcl_rxasprintf("%s, %s", num, cmp);
}

/* Memory overhead per instance beyond bare, MiB. */
static char *memory_cell(const struct vcl_report_run *run, const char *section, const char *name)
{
	double kib;
	char num[32];

	if (!vcl_rjnum(vcl_rentry(run, section, name), "memory.overhead_kib", &kib))
		return NULL;
	return vcl_rxasprintf("%s MiB", vcl_rnum(kib / 1024.0, num, sizeof(num)));
}

/* Instances that fit the density budget. */
static char *density_cell(const struct vcl_report_run *run, const char *section, const char *name)
{
	double n, budget;
	char a[32], b[32];
	struct json_object *e = vcl_rentry(run, section, name);

	if (!vcl_rjnum(e, "density.max_instances", &n))
		return NULL;
	snprintf(a, sizeof(a), "%.0f", n);
	if (!vcl_rjnum(e, "density.budget_mib", &budget))
		return vcl_rxstrdup(a);
	return vcl_rxasprintf("%s in %s MiB", a, vcl_rnum(budget, b, sizeof(b)));
}

typedef char *(*cell_fn)(const struct vcl_report_run *, const char *, const char *);

/* One class's cell: each of its hosts' figure, "; " between them, each
 * prefixed with the host when the class has several. NULL when none has
 * the figure. */
static char *class_cell(const struct vcl_report_ctx *c, const char *klass, size_t hosts,
			const char *section, const char *name, cell_fn fn)
{
	char *out = NULL;

	for (size_t r = 0; r < c->n; r++) {
		char *v, *prev = out;

		if (strcmp(run_class(&c->runs[r]), klass) != 0 ||
		    vcl_rjstr(c->runs[r].root, "error") != NULL)
			continue;
		v = fn(&c->runs[r], section, name);
		if (v == NULL)
			continue;
		out = hosts > 1 ? vcl_rxasprintf("%s%s%s: %s", prev != NULL ? prev : "",
						 prev != NULL ? "; " : "", run_host(&c->runs[r]), v)
				: vcl_rxasprintf("%s%s%s", prev != NULL ? prev : "",
						 prev != NULL ? "; " : "", v);
		free(prev);
		free(v);
	}
	return out;
}

static size_t class_hosts(const struct vcl_report_ctx *c, const char *klass)
{
	size_t n = 0;

	for (size_t r = 0; r < c->n; r++)
		n += strcmp(run_class(&c->runs[r]), klass) == 0 &&
		     vcl_rjstr(c->runs[r].root, "error") == NULL;
	return n;
}

/* One table: a row per placement and peer any run measured, a column per
 * class. */
static void figure_table(struct vcl_rdoc *d, const struct vcl_report_ctx *c,
			 const struct classes *k, const char *title, cell_fn fn)
{
	static const char *const sections[] = {"backends", "peers"};
	struct tab t;

	vcl_rdoc_heading(d, 3, NULL, "%s", title);
	class_table(&t, "placement", k);
	for (size_t s = 0; s < 2; s++) {
		const char **names = vcl_report_names(c->runs, c->n, sections[s]);

		for (size_t i = 0; names[i] != NULL; i++) {
			char *cells[MAX_CLASSES];
			bool any = false;

			for (size_t j = 0; j < k->n; j++) {
				cells[j] = class_cell(c, k->name[j], class_hosts(c, k->name[j]),
						      sections[s], names[i], fn);
				any = any || cells[j] != NULL;
			}
			if (any) {
				vcl_rtab_add(&t, "%s%s", s == 1 ? "peer " : "", names[i]);
				for (size_t j = 0; j < k->n; j++) {
					vcl_rtab_own(&t,
						     vcl_resc(cells[j] != NULL ? cells[j] : "—"));
					free(cells[j]);
				}
			} else {
				for (size_t j = 0; j < k->n; j++)
					free(cells[j]);
			}
		}
		free(names);
	}
	if (!vcl_rdoc_table(d, &t))
		vcl_rdoc_block(d, VCL_RB_PARA, "No host measured this.");
}

/* Who is in which class, and the hosts that gave no results. */
static void membership(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const struct classes *k)
{
	struct vcl_rblock *lst = NULL;

	for (size_t j = 0; j < k->n; j++) {
		char *hosts = NULL;

		for (size_t r = 0; r < c->n; r++) {
			char *prev = hosts;
			bool failed = vcl_rjstr(c->runs[r].root, "error") != NULL;

			if (strcmp(run_class(&c->runs[r]), k->name[j]) != 0)
				continue;
			hosts = vcl_rxasprintf("%s%s%s%s", prev != NULL ? prev : "",
					       prev != NULL ? ", " : "", run_host(&c->runs[r]),
					       failed ? " (no results)" : "");
			free(prev);
		}
		{
			char *ek = vcl_resc(k->name[j]), *eh = vcl_resc(hosts);

			vcl_rdoc_list_item(d, &lst, "class **%s**: %s", ek, eh);
			free(ek);
			free(eh);
		}
		free(hosts);
	}
	for (size_t r = 0; r < c->n; r++) {
		const char *why = vcl_rjstr(c->runs[r].root, "error");
		char *eh, *ek, *ew;

		if (why == NULL)
			continue;
		eh = vcl_resc(run_host(&c->runs[r]));
		ek = vcl_resc(run_class(&c->runs[r]));
		ew = vcl_resc(why);
		vcl_rdoc_block(d, VCL_RB_WARNING,
			       "Host %s (class %s) gave no results: %s. The other hosts' results "
			       "still count.",
			       eh, ek, ew);
		free(eh);
		free(ek);
		free(ew);
	}
}

void vcl_rsec_classes(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	struct classes k;

	if (!vcl_report_is_fleet(c))
		return;
	classes_of(c, &k);
	vcl_rdoc_heading(d, 2, "classes", "Host classes");
	vcl_rdoc_block(d, VCL_RB_PARA,
		       "%zu host%s in %zu class%s (`vclab bench --host-class`). Each column holds "
		       "the figures of the hosts of one class; a ratio is against bare on the same "
		       "host in the same run, with its bootstrap 95%% CI, so it can be compared "
		       "across classes where the absolute times cannot. The host facts are side by "
		       "side in the Host section.",
		       c->n, c->n == 1 ? "" : "s", k.n, k.n == 1 ? "" : "es");
	membership(d, c, &k);
	figure_table(d, c, &k, "Startup p50 by class (x bare [95% CI])", startup_cell);
	figure_table(d, c, &k, "Memory overhead per instance by class", memory_cell);
	figure_table(d, c, &k, "Density by class (instances in the budget)", density_cell);
}
