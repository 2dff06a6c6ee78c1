/* SPDX-License-Identifier: MIT */
/*
 * The VM boot figure: for every VM placement and peer of every run (vm,
 * vm-iaas, qemu-direct, qemu-direct-iaas), the guest's boot split into
 * firmware (t0 → kernel entry), kernel (→ /init) and userspace (→ the
 * payload's READY line), as stacked medians (docs/vm.md, "Boot phases").
 */
#include "report/report_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/results.h"

/* One row per placement or peer that recorded all three phases. */
static void add_rows(const struct vcl_report_run *runs, size_t n, size_t r, const char *group,
		     struct stackrow **rows, size_t *nrows, char **cnt, double *lo, double *hi)
{
	const char **bk = vcl_report_names(runs, n, group);

	for (size_t i = 0; bk[i] != NULL; i++) {
		struct json_object *ph =
		    vcl_json_path(vcl_rentry(&runs[r], group, bk[i]), "phases_ms");
		double fw, k, u, nn = 0;
		struct series tmp = {0};
		char *p = *cnt;
		struct stackrow *row;

		if (!vcl_rjnum(ph, "firmware.p50", &fw) || !vcl_rjnum(ph, "kernel.p50", &k) ||
		    !vcl_rjnum(ph, "userspace.p50", &u))
			continue;
		(void)vcl_rjnum(ph, "firmware.n", &nn);
		*rows = vcl_rxrealloc(*rows, (*nrows + 1) * sizeof(**rows));
		row = &(*rows)[*nrows];
		vcl_rp_series_label(runs, n, r, group, bk[i], "", &tmp);
		snprintf(row->label, sizeof(row->label), "%s", tmp.label);
		row->part[0] = fmax(0, fw);
		row->part[1] = fmax(0, k);
		row->part[2] = fmax(0, u);
		row->n = nn;
		*lo = fmin(*lo, fw + k + u);
		*hi = fmax(*hi, fw + k + u);
		*cnt = vcl_rxasprintf("%s%s%s n=%.0f", p, *nrows > 0 ? ", " : "", tmp.label, nn);
		free(p);
		(*nrows)++;
	}
	free(bk);
}

void vcl_rp_fig_vm_boot_phases(const struct vcl_report_run *runs, size_t n,
			       struct vcl_report_figs *out)
{
	static const char *const names[] = {"firmware: t0 → kernel entry", "kernel: → /init",
					    "userspace: /init → READY"};
	static const char *const colors[] = {"#76b7b2", "#e15759", "#edc948"};
	struct stackrow *rows = NULL;
	size_t nrows = 0;
	double lo = INFINITY, hi = 0;
	bool percent;
	struct figbuf b;
	FILE *f;
	char *cnt = vcl_rxstrdup("");

	for (size_t r = 0; r < n; r++) {
		add_rows(runs, n, r, "backends", &rows, &nrows, &cnt, &lo, &hi);
		add_rows(runs, n, r, "peers", &rows, &nrows, &cnt, &lo, &hi);
	}
	if (nrows == 0) {
		free(cnt);
		return;
	}
	percent = lo > 0 && hi / lo > LOG_SPAN;
	f = vcl_rp_fig_open(&b);
	vcl_rp_preamble(f, "vm_boot_phases", "VM boot phases (medians)", runs, n);
	vcl_rp_stacked(f, rows, nrows, 3, names, colors, "ms", percent);
	vcl_rp_postamble(f, "vm_boot_phases");
	vcl_rp_fig_add(
	    out, &b, "vm_boot_phases", "startup",
	    vcl_rxasprintf(
		"Guest boot of every VM placement and peer, from guest timestamps anchored to "
		"the host's clock: firmware (create call, QEMU start-up, firmware and the "
		"kernel's first steps before its clock), kernel (to the first process, /init), "
		"userspace (/init, and for vm-iaas the initrd and systemd, to the payload's "
		"READY line). Medians of each phase, stacked; %s. The label on each bar is the "
		"sum of the medians. Samples: %s.",
		percent ? "bars are shown as shares of their total because the totals differ "
			  "by more than 20×"
			: "bar heights in ms",
		cnt));
	free(cnt);
	free(rows);
}
