/* SPDX-License-Identifier: MIT */
#ifndef VCL_REPORT_H
#define VCL_REPORT_H

/*
 * Reports: results.json in, report.md + report.html + figures/ out.
 *
 * The work is split along these seams so each part can be tested alone:
 *
 *   report.c        vcl_report_write() (loading, writing); the verb is cli/report.c
 *   report_model.c, report_host.c, report_scenarios.c, report_build.c
 *                   the document model built from one or more results
 *                   (pure: json in, blocks out)
 *   report_plots.c, report_plot_*.c
 *                   gnuplot scripts (pure)
 *   report_gnuplot.c  running gnuplot (fork/exec), SVG inlining
 *   report_md.c     the document rendered as markdown (pure)
 *   report_html.c   the document rendered as one self-contained HTML file with
 *                   the SVG figures inline (pure)
 *
 * report_int.h declares what those files share; it is not an API.
 *
 * Everything that is pure is deterministic: the same results give the same
 * bytes (no clock, no absolute paths), which is what the golden tests in
 * tests/unit/test_report*.c check.
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/error.h"

struct vcl_backend_ops;

/*
 * Write OUTDIR/report.md, OUTDIR/report.html and OUTDIR/figures/ from the
 * results files (n >= 1). With n > 1 the report compares the runs side by
 * side (deltas and ratios against the first) and warns when their hosts
 * differ in accelerator, cgroup mode, CPU model or core count.
 * outdir NULL means the folder of the first results file.
 *
 * gnuplot is run as a program: $VCLAB_GNUPLOT when set, else `gnuplot` on
 * PATH. Without it the report holds tables only and one warning line goes to
 * stderr; that is not a failure. Warnings are printed to stderr as
 * "vclab: warning: ..." (vcl_warn). Every input is loaded and checked before
 * anything is written, so bad input leaves nothing behind.
 */
int vcl_report_write(const char *const *results_paths, size_t n, const char *outdir,
		     struct vcl_error **err);

/* ---- Pieces below are exposed for the golden tests and the renderers. ---- */

/* One results file as the report sees it. */
struct vcl_report_run {
	const char *label; /* run_id, made unique ("fx01", "fx01#2") */
	const char *file;  /* basename of the results file, for display */
	struct json_object *root;
};

/* One figure: a generated gnuplot script and, once drawn, its SVG. */
struct vcl_report_fig {
	char *name;    /* file stem under figures/: "startup_cdf" */
	char *section; /* "startup", "memory", "density", "autoscale", "steady" */
	char *caption; /* what it shows and from how many samples */
	char *script;  /* gnuplot text; writes NAME.svg and NAME.png in its folder */
	char *svg;     /* the drawn SVG (ids made unique), NULL when not drawn */
	char *problem; /* why it was not drawn, NULL when drawn or not attempted */
};

struct vcl_report_figs {
	struct vcl_report_fig *v;
	size_t n;
};

/* Plan the figures the results can support (pure). A scenario with no data
 * in any run gives no figure. */
void vcl_report_plan_figures(const struct vcl_report_run *runs, size_t n,
			     struct vcl_report_figs *out);
void vcl_report_figs_free(struct vcl_report_figs *f);

/* Locate gnuplot: $VCLAB_GNUPLOT (must be executable) or `gnuplot` on PATH.
 * Returns a malloc'd path, or NULL with *why set to a malloc'd explanation. */
char *vcl_report_find_gnuplot(char **why);

/* Write each figure's script to FIGDIR/NAME.gp and, when gnuplot is not NULL,
 * run it there and load NAME.svg into fig->svg. A figure that fails gets
 * fig->problem and a warning; only a failure to write a file is an error. */
int vcl_report_draw(struct vcl_report_figs *figs, const char *figdir, const char *gnuplot,
		    struct vcl_error **err);

/* Make the ids of a gnuplot SVG unique by prefixing them with "PREFIX-", and
 * drop the XML prolog, so several SVGs can live inline in one HTML page. */
char *vcl_report_svg_inline(const char *svg, const char *prefix);

/* The document model both renderers walk. Text fields use a small inline
 * markup: **bold**, `code` and [text](href); nothing else is special. */
enum vcl_rblock_kind {
	VCL_RB_HEADING,	 /* level, id, text */
	VCL_RB_PARA,	 /* text */
	VCL_RB_LIST,	 /* cells[0..rows): one item each */
	VCL_RB_TABLE,	 /* cells[rows][cols], row 0 the header; numeric right-aligned */
	VCL_RB_FIGURE,	 /* fig */
	VCL_RB_CAVEAT,	 /* text: a boxed caveat the reader must not miss */
	VCL_RB_WARNING,	 /* text: something about the inputs is wrong or mismatched */
	VCL_RB_BIGFACT,	 /* text: one fact in large type (the accelerator) */
	VCL_RB_MARKDOWN, /* text: markdown from elsewhere (the advisor), kept as is */
	VCL_RB_DETAILS,	 /* a table as VCL_RB_TABLE, shown collapsed; text: its summary */
};

struct vcl_rblock {
	enum vcl_rblock_kind kind;
	int level;
	char *id;
	char *text;
	size_t rows, cols;
	char **cells;
	unsigned numeric; /* bit c set: column c holds numbers */
	const struct vcl_report_fig *fig;
};

struct vcl_rdoc {
	char *title;
	struct vcl_rblock *b;
	size_t n, cap;
};

/* What the document is built from besides the results. */
struct vcl_report_ctx {
	const struct vcl_report_run *runs;
	size_t n;
	const struct vcl_report_figs *figs;
	const char *gnuplot_missing;   /* why no figures were drawn, or NULL */
	const char *metrics_href;      /* link to docs/metrics.md from the report folder */
	const char *const *advisor_md; /* per run: advisor markdown, or NULL */
	const char *advisor_note;      /* shown when advisor_md is NULL for a run */
};

/* Build the document (pure). Warnings about mismatched hosts are appended to
 * *warnings (one line each, NULL-terminated array, caller frees). */
void vcl_report_build(const struct vcl_report_ctx *ctx, struct vcl_rdoc *doc, char ***warnings);
void vcl_rdoc_free(struct vcl_rdoc *doc);

/* Render (pure). Return malloc'd text. */
char *vcl_report_markdown(const struct vcl_rdoc *doc);
char *vcl_report_html(const struct vcl_rdoc *doc);

/* Names under "backends" or "peers" across all runs, in a fixed order (the
 * registry's, bench/backends.c, first; then names this build does not
 * know, as they come). NULL-terminated; the strings belong to the json;
 * free the array only. */
const char **vcl_report_names(const struct vcl_report_run *runs, size_t n, const char *section);
/* Display label of a placement or peer in one run. One whose figures depend
 * on the accelerator (ops->accel_labelled: the VMs) carries it, "vm (TCG)". */
void vcl_report_plabel(const struct vcl_report_run *run, const char *section, const char *name,
		       char *buf, size_t len);
/* The same, prefixed with the run label when the report compares runs. */
void vcl_report_slabel(const struct vcl_report_run *runs, size_t n, size_t r, const char *section,
		       const char *name, char *buf, size_t len);
/* The accelerator a run's VMs used ("tcg", "kvm"), or NULL when unknown. */
const char *vcl_report_vm_accel(const struct vcl_report_run *run);
/* The registry's backend (bench/backends.c) of a placement or peer that a
 * run names, for its traits; a peer this build lacks is looked up by the
 * placement it compares with (its "family" in results.json). NULL when
 * neither is built in. */
const struct vcl_backend_ops *vcl_report_ops(const struct vcl_report_run *run, const char *section,
					     const char *name);
/* Is it a VM (the registry's traits; false for a name not built in)? */
bool vcl_report_is_vm(const struct vcl_report_run *run, const char *section, const char *name);

/* Formatting used everywhere, so numbers read the same in text and plots:
 * three significant figures at most, never scientific notation. */
void vcl_report_fmt_num(double v, char *buf, size_t len);

/* Small allocation helpers for the report code: a report of a few KiB that
 * cannot be allocated means the process cannot go on, so they abort. */
char *vcl_rxasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *vcl_rxstrdup(const char *s);

#endif
