/* SPDX-License-Identifier: MIT */
#ifndef VCL_REPORT_INT_H
#define VCL_REPORT_INT_H

/*
 * Internal to the report code: what the files of the document model and of
 * the figures share. Not an API; report.h is the one the rest of vclab uses.
 *
 *   report_model.c      helpers, results access, document builder primitives
 *   report_host.c       header and host sections
 *   report_class.c      the fleet view: a column per host class
 *   report_scenarios.c  startup, memory, density, autoscale, steady sections
 *   report_engines.c    the engine peers (podman, docker) beside ctr and runc
 *   report_services.c   the services section: a table across services, one
 *                       section per service
 *   report_build.c      comparison, errors, advisor, definitions sections and
 *                       vcl_report_build()
 *   report.c            the CLI verb and vcl_report_write() (the only I/O)
 *
 *   report_plots.c       series, colours, script pieces, vcl_report_plan_figures()
 *   report_plot_startup.c, report_plot_memory.c, report_plot_density.c,
 *   report_plot_steady.c one file per figure family
 *   report_density.c     the density section's KSM, load and burst tables
 *   report_gnuplot.c     locating and running gnuplot, SVG inlining
 */

#include "bench/backends.h"
#include "report/report.h"

/* ---- helpers (report_model.c) ---- */

/* realloc() that aborts, like vcl_rxasprintf(). */
void *vcl_rxrealloc(void *p, size_t size);
/* vcl_report_fmt_num() into buf, returning buf. */
const char *vcl_rnum(double v, char *buf, size_t len);
/* Free text escaped for the inline markup, on one line (malloc'd). */
char *vcl_resc(const char *s);
/* Append item (taken) to *acc (NULL: none yet), sep between them. */
void vcl_rjoin(char **acc, char *item, const char *sep);

/* Results access: the value at path in o, when present and of the type. */
bool vcl_rjnum(struct json_object *o, const char *path, double *v);
const char *vcl_rjstr(struct json_object *o, const char *path);
bool vcl_rjbool(struct json_object *o, const char *path, bool *v);
/* backends.<name> or peers.<name> (names may hold dots or dashes). */
struct json_object *vcl_rentry(const struct vcl_report_run *run, const char *section,
			       const char *name);
/* s in upper case into buf. */
void vcl_rupper(const char *s, char *buf, size_t len);

/* ---- document builder (report_model.c) ---- */

void vcl_rdoc_heading(struct vcl_rdoc *d, int level, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void vcl_rdoc_block(struct vcl_rdoc *d, enum vcl_rblock_kind k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A table under construction. */
struct tab {
	size_t cols, n, cap;
	char **cells;
	unsigned numeric;
};

void vcl_rtab_add(struct tab *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Take ownership of an already formatted cell. */
void vcl_rtab_own(struct tab *t, char *s);
/* A number, or a dash when !have. */
void vcl_rtab_num(struct tab *t, bool have, double v);
/* The number at path in o, scaled, or a dash when it is absent. */
void vcl_rtab_j(struct tab *t, struct json_object *o, const char *path, double scale);
/* A count (n, instances, connections): always a whole number. */
void vcl_rtab_count(struct tab *t, struct json_object *o, const char *path);
/* A table with a "run" column first when the report compares runs. hdr is
 * NULL-terminated; numeric is the mask without the run column. */
void vcl_rtab_init(struct tab *t, const struct vcl_report_ctx *c, unsigned numeric,
		   const char *const *hdr);
/* Start a row: the run label when the report compares runs. */
void vcl_rtab_row(struct tab *t, const struct vcl_report_ctx *c, size_t r);
size_t vcl_rtab_rows(const struct tab *t);
/* Move the table into the document when it has body rows; free it always. */
bool vcl_rdoc_table(struct vcl_rdoc *d, struct tab *t);
/* Append an item to the list *lst, starting the list when *lst is NULL. */
void vcl_rdoc_list_item(struct vcl_rdoc *d, struct vcl_rblock **lst, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Figures of a section, in planning order (none without gnuplot). */
void vcl_rdoc_figures(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const char *section);
/* A caveat naming the other vclab runs active while scenario was measured
 * (NULL: during the whole run), from concurrent_runs[] (report_concurrent.c). */
void vcl_rsec_concurrent(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const char *scenario);
/* Placements listed in config.backends that have no data under key. */
void vcl_rdoc_not_measured(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const char *scenario,
			   const char *key);

/* ---- sections, in document order ---- */

/* report_host.c; the host section appends warnings about mismatched hosts. */
void vcl_rsec_header(struct vcl_rdoc *d, const struct vcl_report_ctx *c);
void vcl_rsec_host(struct vcl_rdoc *d, const struct vcl_report_ctx *c, char ***warnings,
		   size_t *nw);
/* report_class.c: the fleet view, hosts grouped by host.class (nothing
 * when no run names a class or is a host's error) */
bool vcl_report_is_fleet(const struct vcl_report_ctx *c);
void vcl_rsec_classes(struct vcl_rdoc *d, const struct vcl_report_ctx *c);
/* report_scenarios.c */
void vcl_rsec_startup(struct vcl_rdoc *d, const struct vcl_report_ctx *c);
void vcl_rsec_memory(struct vcl_rdoc *d, const struct vcl_report_ctx *c);
void vcl_rsec_density(struct vcl_rdoc *d, const struct vcl_report_ctx *c);
/* report_density.c: parts of the density section: what stopped each
 * placement and why a figure is missing, the KSM table, the bursts */
void vcl_rsec_density_notes(struct vcl_rdoc *d, const struct vcl_report_ctx *c);
void vcl_rsec_density_cgcost(struct vcl_rdoc *d, const struct vcl_report_ctx *c);
void vcl_rsec_density_ksm(struct vcl_rdoc *d, const struct vcl_report_ctx *c);
void vcl_rsec_density_bursts(struct vcl_rdoc *d, const struct vcl_report_ctx *c);
/* Move t into the document as a table shown collapsed under summary
 * (<details>), when it has body rows; free it always. */
bool vcl_rdoc_details(struct vcl_rdoc *d, struct tab *t, const char *summary);
void vcl_rsec_autoscale(struct vcl_rdoc *d, const struct vcl_report_ctx *c);
void vcl_rsec_steady(struct vcl_rdoc *d, const struct vcl_report_ctx *c);
/* report_isolation.c: the probe's facts, a column per placement. */
void vcl_rsec_isolation(struct vcl_rdoc *d, const struct vcl_report_ctx *c);
/* report_engines.c: podman and docker beside ctr and runc, per service */
void vcl_rsec_engines(struct vcl_rdoc *d, const struct vcl_report_ctx *c);
/* report_resources.c: the tax table and the cpu, membw, disk, net figures
 * (no section when the runs measured none) */
void vcl_rsec_resources(struct vcl_rdoc *d, const struct vcl_report_ctx *c);
void vcl_rp_fig_resources(const struct vcl_report_run *runs, size_t n, struct vcl_report_figs *out);
/* report_services.c: the services of the run (none: no section). */
void vcl_rsec_services(struct vcl_rdoc *d, const struct vcl_report_ctx *c);

/* ---- figures (report_plots.c) ---- */

/* One line, box or bar group of a figure. */
struct series {
	char label[192];
	const char *color;
	int dash;      /* gnuplot dash type: 1 solid, 2 dashed (peers, wrk, later runs) */
	double *x, *y; /* points (x may be NULL: y only) */
	size_t n;
};

struct serieslist {
	struct series *v;
	size_t n;
};

struct series *vcl_rp_add_series(struct serieslist *l);
void vcl_rp_add_point(struct series *s, double x, double y);
void vcl_rp_serieslist_free(struct serieslist *l);
/* A colour "#rrggbb" as the integer gnuplot takes. */
unsigned vcl_rp_color_int(const char *rgb);
/* qsort() comparison of doubles. */
int vcl_rp_cmp_double(const void *a, const void *b);
/* Label (with suffix), colour and dash of the series of one placement or
 * peer in run r. */
void vcl_rp_series_label(const struct vcl_report_run *runs, size_t n, size_t r, const char *section,
			 const char *name, const char *suffix, struct series *s);
/* A number in a datablock. */
void vcl_rp_gp_num(FILE *f, double v);
/* The start (SVG terminal) and end (PNG replot) of every script. */
void vcl_rp_preamble(FILE *f, const char *name, const char *title,
		     const struct vcl_report_run *runs, size_t n);
void vcl_rp_postamble(FILE *f, const char *name);

/* Log scale when the values span more than this factor: a VM under TCG and a
 * bare process differ by three orders of magnitude, and a linear axis would
 * flatten one of them to nothing. */
#define LOG_SPAN 20.0

/* Whether the x (use_x) or y values of all series want a log axis. */
bool vcl_rp_wants_log(const struct serieslist *l, bool use_x);
/* "bare n=20, ctr n=20, vm (TCG) n=5" (malloc'd) */
char *vcl_rp_counts(const struct serieslist *l);

/* A script being written to memory. */
struct figbuf {
	FILE *f;
	char *buf;
	size_t len;
};

FILE *vcl_rp_fig_open(struct figbuf *b);
/* Close the script and append it to out as figure name (takes caption). */
void vcl_rp_fig_add(struct vcl_report_figs *out, struct figbuf *b, const char *name,
		    const char *section, char *caption);
/* Series s as datablock $name of x y lines. */
void vcl_rp_datablock_xy(FILE *f, const char *name, const struct series *s);
/* Every series of l as datablocks $PREFIX0, $PREFIX1, ... */
void vcl_rp_datablocks(FILE *f, const char *prefix, const struct serieslist *l);

/* Rows of a stacked bar figure: label, parts, total. */
struct stackrow {
	char label[192];
	double part[12];
	double n;
};

/* The plot commands of a stacked bar figure (in percent of the total when
 * percent). */
void vcl_rp_stacked(FILE *f, const struct stackrow *rows, size_t nrows, size_t nparts,
		    const char *const *part_names, const char *const *part_colors, const char *unit,
		    bool percent);

/* Figure families: each appends the figures the runs can support. */
/* report_plot_startup.c */
void vcl_rp_fig_startup_cdf(const struct vcl_report_run *runs, size_t n,
			    struct vcl_report_figs *out);
/* report_steps.c: a placement's own launch steps (steps_ms) */
void vcl_rp_fig_startup_steps(const struct vcl_report_run *runs, size_t n,
			      struct vcl_report_figs *out);
void vcl_rsec_startup_steps(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const char **bk);
void vcl_rp_fig_startup_phases(const struct vcl_report_run *runs, size_t n,
			       struct vcl_report_figs *out);
/* report_plot_vmboot.c */
void vcl_rp_fig_vm_boot_phases(const struct vcl_report_run *runs, size_t n,
			       struct vcl_report_figs *out);
/* report_plot_memory.c */
void vcl_rp_fig_memory(const struct vcl_report_run *runs, size_t n, struct vcl_report_figs *out);
void vcl_rp_fig_density(const struct vcl_report_run *runs, size_t n, struct vcl_report_figs *out,
			const char *name, const char *key, double scale, const char *title,
			const char *ylabel, const char *what);
/* report_plot_density.c: the density curve (footprint total and per
 * instance, p99 under --density-load) and the KSM burndown */
void vcl_rp_fig_density_curve(const struct vcl_report_run *runs, size_t n,
			      struct vcl_report_figs *out);
void vcl_rp_fig_density_ksm(const struct vcl_report_run *runs, size_t n,
			    struct vcl_report_figs *out);
/* report_plot_steady.c */
void vcl_rp_fig_autoscale(const struct vcl_report_run *runs, size_t n, struct vcl_report_figs *out);
void vcl_rp_fig_steady_latency(const struct vcl_report_run *runs, size_t n,
			       struct vcl_report_figs *out);
void vcl_rp_fig_steady_rps(const struct vcl_report_run *runs, size_t n,
			   struct vcl_report_figs *out);

#endif
