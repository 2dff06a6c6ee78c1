/* SPDX-License-Identifier: MIT */
/*
 * vclab report: the parts of the density section beyond its summary table
 * (pure). KSM (density.ksm), and every burst, which at the host's scale is
 * a table of a hundred rows or more: the density curve shows it, the table
 * stays one click away in a <details> element.
 */
#include "report/report_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/results.h"

bool vcl_rdoc_details(struct vcl_rdoc *d, struct tab *t, const char *summary)
{
	if (!vcl_rdoc_table(d, t))
		return false;
	d->b[d->n - 1].kind = VCL_RB_DETAILS;
	d->b[d->n - 1].text = vcl_resc(summary);
	return true;
}

void vcl_rsec_density_notes(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	static const char *const keys[] = {"stop_detail", "used_mib_reason",
					   "instances_per_gib_reason"};
	const char **bk = vcl_report_names(c->runs, c->n, "backends");
	struct vcl_rblock *lst = NULL;

	for (size_t r = 0; r < c->n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *m =
			    vcl_json_path(vcl_rentry(&c->runs[r], "backends", bk[i]), "density");
			char lab[192];

			vcl_report_slabel(c->runs, c->n, r, "backends", bk[i], lab, sizeof(lab));
			for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
				const char *v = vcl_rjstr(m, keys[k]);
				char *el, *ev;

				if (v == NULL || *v == '\0')
					continue;
				el = vcl_resc(lab);
				ev = vcl_resc(v);
				vcl_rdoc_list_item(d, &lst, "%s: `%s`: %s", el, keys[k], ev);
				free(el);
				free(ev);
			}
		}
	}
	free(bk);
}

/* density.cgroup_kernel_kib_start/_end: what one more cgroup cost the
 * kernel outside any footprint, before the first burst and with every
 * instance up. */
void vcl_rsec_density_cgcost(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	static const char *const hdr[] = {"placement", "before the first burst (KiB)",
					  "with every instance up (KiB)", NULL};
	const char **bk = vcl_report_names(c->runs, c->n, "backends");
	struct tab t;

	vcl_rtab_init(&t, c, 0x6u, hdr);
	for (size_t r = 0; r < c->n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *m =
			    vcl_json_path(vcl_rentry(&c->runs[r], "backends", bk[i]), "density");
			char lab[128];

			if (m == NULL ||
			    !json_object_object_get_ex(m, "cgroup_kernel_kib_start", NULL))
				continue;
			vcl_rtab_row(&t, c, r);
			vcl_report_plabel(&c->runs[r], "backends", bk[i], lab, sizeof(lab));
			vcl_rtab_own(&t, vcl_resc(lab));
			vcl_rtab_j(&t, m, "cgroup_kernel_kib_start", 1);
			vcl_rtab_j(&t, m, "cgroup_kernel_kib_end", 1);
		}
	}
	/* The header is the table's first row. */
	if (vcl_rtab_rows(&t) >= 2)
		vcl_rdoc_block(
		    d, VCL_RB_PARA,
		    "Kernel memory one more cgroup costs on this host outside every footprint "
		    "above: the kernel gives each new memory cgroup a slot for every "
		    "filesystem it has ever had mounted at once (each container's proc, sysfs, "
		    "tmpfs, devpts, mqueue), and keeps that size until reboot. It is part of "
		    "the MemAvailable drop, not of the footprint "
		    "([definition](%s#what-a-cgroup-costs-the-kernel)).",
		    c->metrics_href);
	vcl_rdoc_table(d, &t);
	free(bk);
}

void vcl_rsec_density_ksm(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	static const char *const hdr[] = {
	    "placement",      "mode",  "pages_sharing", "footprint / VM merged (MiB)",
	    "unmerged (MiB)", "saved", "settle (s)",	"settled",
	    "ksmd CPU (s)",   NULL};
	const char **bk = vcl_report_names(c->runs, c->n, "backends");
	bool any_vm = false;
	struct tab t;

	vcl_rtab_init(&t, c, 0x17cu, hdr);
	for (size_t r = 0; r < c->n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *k = vcl_json_path(
			    vcl_rentry(&c->runs[r], "backends", bk[i]), "density.ksm");
			double on, off;
			bool settled;
			const char *mode;
			char lab[128];

			if (vcl_report_is_vm(&c->runs[r], "backends", bk[i]) &&
			    vcl_json_path(vcl_rentry(&c->runs[r], "backends", bk[i]), "density") !=
				NULL)
				any_vm = true;
			if (k == NULL || !json_object_is_type(k, json_type_object))
				continue;
			vcl_rtab_row(&t, c, r);
			vcl_report_plabel(&c->runs[r], "backends", bk[i], lab, sizeof(lab));
			vcl_rtab_own(&t, vcl_resc(lab));
			mode = vcl_rjstr(k, "mode");
			vcl_rtab_own(&t, vcl_resc(mode != NULL ? mode : "—"));
			vcl_rtab_count(&t, k, "pages_sharing");
			vcl_rtab_j(&t, k, "per_instance_kib_on", 1.0 / 1024);
			vcl_rtab_j(&t, k, "per_instance_kib_off", 1.0 / 1024);
			if (vcl_rjnum(k, "per_instance_kib_on", &on) &&
			    vcl_rjnum(k, "per_instance_kib_off", &off) && off > 0)
				vcl_rtab_add(&t, "%.0f%%", 100 * (1 - on / off));
			else
				vcl_rtab_add(&t, "—");
			vcl_rtab_j(&t, k, "settle_s", 1);
			vcl_rtab_add(&t, "%s",
				     vcl_rjbool(k, "settled", &settled) ? (settled ? "yes" : "no")
									: "—");
			vcl_rtab_j(&t, k, "ksmd_cpu_s", 1);
		}
	}
	free(bk);
	if (vcl_rtab_rows(&t) > 1) {
		vcl_rdoc_block(
		    d, VCL_RB_PARA,
		    "Kernel samepage merging (`--ksm`): the VMs' footprint with pages merged and "
		    "without (unmerged with `run=2`, or before merging started), `pages_sharing` "
		    "once it held steady over 3 full scans (settled), how long that took, and the "
		    "CPU time ksmd spent. The host's KSM settings were restored afterwards.");
		vcl_rdoc_table(d, &t);
		return;
	}
	vcl_rdoc_table(d, &t);
	if (any_vm)
		vcl_rdoc_block(
		    d, VCL_RB_PARA,
		    "KSM was not measured (`--ksm off`): the VMs' footprint is unmerged.");
}

void vcl_rsec_density_bursts(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	static const char *const hdr[] = {"placement",
					  "burst of k",
					  "instances after",
					  "all ready (ms)",
					  "footprint (MiB)",
					  "footprint / instance (MiB)",
					  "MemAvailable drop / instance (MiB)",
					  "host CPU (cores)",
					  "healthy",
					  "p99 under load (ms)",
					  NULL};
	const char **bk = vcl_report_names(c->runs, c->n, "backends");
	size_t rows;
	struct tab t;
	char *sum;

	vcl_rtab_init(&t, c, 0x3feu, hdr);
	for (size_t r = 0; r < c->n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *bs = vcl_json_path(
			    vcl_rentry(&c->runs[r], "backends", bk[i]), "density.bursts");
			char lab[128];

			if (bs == NULL || !json_object_is_type(bs, json_type_array))
				continue;
			vcl_report_plabel(&c->runs[r], "backends", bk[i], lab, sizeof(lab));
			for (size_t k = 0; k < json_object_array_length(bs); k++) {
				struct json_object *b = json_object_array_get_idx(bs, k);
				double per = 0, n = 0;
				bool have;

				vcl_rtab_row(&t, c, r);
				vcl_rtab_own(&t, vcl_resc(lab));
				vcl_rtab_count(&t, b, "k");
				vcl_rtab_count(&t, b, "instances");
				vcl_rtab_j(&t, b, "ready_ms", 1);
				have = vcl_rjnum(b, "mem_per_instance_kib", &per) &&
				       vcl_rjnum(b, "instances", &n);
				vcl_rtab_num(&t, have, per * n / 1024);
				vcl_rtab_j(&t, b, "mem_per_instance_kib", 1.0 / 1024);
				vcl_rtab_j(&t, b, "memavail_drop_per_instance_kib", 1.0 / 1024);
				vcl_rtab_j(&t, b, "cpu_cores", 1);
				vcl_rtab_count(&t, b, "healthy");
				vcl_rtab_j(&t, b, "load_p99_ms", 1);
			}
		}
	}
	free(bk);
	rows = vcl_rtab_rows(&t);
	if (rows < 2) {
		vcl_rdoc_table(d, &t);
		return;
	}
	sum = vcl_rxasprintf("Every burst, in the order they were launched (%zu row%s)", rows - 1,
			     rows == 2 ? "" : "s");
	vcl_rdoc_details(d, &t, sum);
	free(sum);
}
