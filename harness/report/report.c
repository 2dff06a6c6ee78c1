/* SPDX-License-Identifier: MIT */
/*
 * vclab report: the I/O around the document model (load, draw, write);
 * the verb is cli/report.c. The model (report_model.c and the section files listed in
 * report_int.h) is pure so the markdown and HTML renderers (report_md.c,
 * report_html.c) and the golden tests see exactly the same content; only
 * vcl_report_write() touches the file system.
 */
#include "report/report_int.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "advise/advise.h"
#include "core/cleanup.h"
#include "core/results.h"
#include "core/util.h"

/* ---- I/O: load, draw, write ---- */

struct loaded {
	struct vcl_report_run *runs;
	char **labels, **files;
	size_t n;
};

static void loaded_free(struct loaded *l)
{
	for (size_t i = 0; i < l->n; i++) {
		json_object_put(l->runs[i].root);
		free(l->labels[i]);
		free(l->files[i]);
	}
	free(l->runs);
	free(l->labels);
	free(l->files);
}

static int load_all(const char *const *paths, size_t n, struct loaded *l, struct vcl_error **err)
{
	memset(l, 0, sizeof(*l));
	l->runs = vcl_rxrealloc(NULL, n * sizeof(*l->runs));
	l->labels = vcl_rxrealloc(NULL, n * sizeof(char *));
	l->files = vcl_rxrealloc(NULL, n * sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		struct json_object *root = NULL;
		const char *id, *slash;
		size_t same = 0;

		if (vcl_results_load(paths[i], &root, err) < 0) {
			loaded_free(l);
			return -1;
		}
		id = vcl_rjstr(root, "run_id");
		if (id == NULL || *id == '\0')
			id = "run";
		/* Labels must tell runs apart even when a file is given twice. */
		for (size_t k = 0; k < i; k++)
			if (strncmp(l->labels[k], id, strlen(id)) == 0 &&
			    (l->labels[k][strlen(id)] == '\0' || l->labels[k][strlen(id)] == '#'))
				same++;
		l->labels[i] = same > 0 ? vcl_rxasprintf("%s#%zu", id, same + 1) : vcl_rxstrdup(id);
		/* A label appears in markdown, HTML and gnuplot strings: keep it to
		 * characters that mean nothing special in any of them. */
		for (char *p = l->labels[i]; *p != '\0'; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '#'))
				*p = '-';
		slash = strrchr(paths[i], '/');
		l->files[i] = vcl_rxstrdup(slash != NULL ? slash + 1 : paths[i]);
		l->runs[i].root = root;
		l->runs[i].label = l->labels[i];
		l->runs[i].file = l->files[i];
		l->n = i + 1;
	}
	return 0;
}

/* A relative link from outdir to docs/metrics.md of the vclab tree the
 * binary belongs to (bin/../docs/metrics.md); the bare name when not found. */
static char *metrics_href(const char *outdir)
{
	cleanup_free char *rel = NULL;
	char doc[PATH_MAX], out[PATH_MAX];
	struct vcl_error *e = NULL;
	size_t common = 0, i;
	char *href;

	if (vcl_self_relative("../docs/metrics.md", &rel, &e) < 0) {
		vcl_error_free(e);
		return vcl_rxstrdup("docs/metrics.md");
	}
	if (realpath(rel, doc) == NULL || realpath(outdir, out) == NULL)
		return vcl_rxstrdup("docs/metrics.md");
	/* Longest common prefix ending at a path separator. */
	for (i = 0; doc[i] != '\0' && doc[i] == out[i]; i++)
		if (doc[i] == '/')
			common = i;
	if (out[i] == '\0' && doc[i] == '/')
		common = i;
	href = vcl_rxstrdup("");
	for (const char *p = out + common; *p != '\0'; p++) {
		if (*p == '/') {
			char *t = vcl_rxasprintf("%s../", href);

			free(href);
			href = t;
		}
	}
	{
		char *t = vcl_rxasprintf("%s%s", href, doc + common + 1);

		free(href);
		href = t;
	}
	return href;
}

/* Run the advisor on one results file, capturing its markdown. */
static char *advisor_text(const char *path, char **note)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	struct vcl_error *e = NULL;
	int ret;

	f = open_memstream(&buf, &len);
	if (f == NULL)
		abort();
	ret = vcl_advise_summary_md(path, f, &e);
	fclose(f);
	if (ret < 0) {
		char *m = vcl_resc(e != NULL && e->msg != NULL ? e->msg : "unknown error");

		free(*note);
		*note = vcl_rxasprintf("The advisor failed on this run: %s.", m);
		vcl_warn("advisor: %s", e != NULL && e->msg != NULL ? e->msg : "unknown error");
		free(m);
		vcl_error_free(e);
		free(buf);
		return NULL;
	}
	return buf;
}

static int write_text(const char *dir, const char *name, const char *text, struct vcl_error **err)
{
	cleanup_free char *path = vcl_rxasprintf("%s/%s", dir, name);

	return vcl_write_atomic(path, text, strlen(text), err);
}

int vcl_report_write(const char *const *paths, size_t n, const char *outdir, struct vcl_error **err)
{
	struct loaded l;
	struct vcl_report_figs figs = {0};
	struct vcl_report_ctx ctx;
	struct vcl_rdoc doc;
	cleanup_free char *dir = NULL;
	cleanup_free char *figdir = NULL;
	cleanup_free char *gnuplot = NULL;
	cleanup_free char *href = NULL;
	cleanup_free char *note = NULL;
	cleanup_free char *md = NULL;
	cleanup_free char *html = NULL;
	char **adv = NULL, **warnings = NULL;
	cleanup_free char *why = NULL;
	int ret = -1;

	if (n == 0)
		return vcl_usage(err, "No results file given");
	if (load_all(paths, n, &l, err) < 0)
		return -1;
	if (outdir != NULL) {
		dir = vcl_rxstrdup(outdir);
	} else {
		const char *slash = strrchr(paths[0], '/');

		dir = slash == NULL
			  ? vcl_rxstrdup(".")
			  : vcl_rxasprintf("%.*s", (int)(slash == paths[0] ? 1 : slash - paths[0]),
					   paths[0]);
	}
	figdir = vcl_rxasprintf("%s/figures", dir);
	if (vcl_mkdir_p(figdir, err) < 0) {
		vcl_error_wrap(err, "Report folder");
		goto out;
	}

	vcl_report_plan_figures(l.runs, l.n, &figs);
	gnuplot = vcl_report_find_gnuplot(&why);
	if (gnuplot == NULL)
		vcl_warn("%s; the report has tables only", why);
	if (vcl_report_draw(&figs, figdir, gnuplot, err) < 0)
		goto out;

	note = vcl_rxstrdup("The advisor gave no summary for this run.");
	adv = vcl_rxrealloc(NULL, n * sizeof(char *));
	for (size_t i = 0; i < n; i++)
		adv[i] = advisor_text(paths[i], &note);

	href = metrics_href(dir);
	memset(&ctx, 0, sizeof(ctx));
	ctx.runs = l.runs;
	ctx.n = l.n;
	ctx.figs = &figs;
	ctx.gnuplot_missing = gnuplot == NULL ? why : NULL;
	ctx.metrics_href = href;
	ctx.advisor_md = (const char *const *)adv;
	ctx.advisor_note = note;
	vcl_report_build(&ctx, &doc, &warnings);
	for (size_t i = 0; warnings[i] != NULL; i++)
		vcl_warn("%s", warnings[i]);
	md = vcl_report_markdown(&doc);
	html = vcl_report_html(&doc);
	vcl_rdoc_free(&doc);
	if (write_text(dir, "report.md", md, err) < 0 ||
	    write_text(dir, "report.html", html, err) < 0)
		goto out;
	ret = 0;
out:
	for (size_t i = 0; warnings != NULL && warnings[i] != NULL; i++)
		free(warnings[i]);
	free(warnings);
	for (size_t i = 0; adv != NULL && i < n; i++)
		free(adv[i]);
	free(adv);
	vcl_report_figs_free(&figs);
	loaded_free(&l);
	return ret;
}
