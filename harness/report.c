/* SPDX-License-Identifier: MIT */
/*
 * vclab report: the document model built from results.json, and the I/O
 * around it (load, draw, write). The model is pure so the markdown and HTML
 * renderers (report_md.c, report_html.c) and the golden tests see exactly the
 * same content; only vcl_report_write() touches the file system.
 */
#include "report.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "results.h"
#include "util.h"

/* The advisor lives on another branch; a weak reference lets the report
 * carry its summary exactly when it is linked. */
extern int vcl_advise_summary_md(const char *results_path, FILE *out, struct vcl_error **err)
    __attribute__((weak));

/* ---- allocation and formatting helpers ---- */

static void *xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size);

	if (q == NULL)
		abort();
	return q;
}

static char *xvasprintf(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	return s;
}

char *vcl_rxasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

char *vcl_rxstrdup(const char *s)
{
	char *d = strdup(s != NULL ? s : "");

	if (d == NULL)
		abort();
	return d;
}

void vcl_report_fmt_num(double v, char *buf, size_t len)
{
	double a = fabs(v);

	if (!isfinite(v))
		snprintf(buf, len, "—");
	else if (v == 0)
		snprintf(buf, len, "0");
	else if (a >= 100)
		snprintf(buf, len, "%.0f", v);
	else if (a >= 10)
		snprintf(buf, len, "%.1f", v);
	else if (a >= 1)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.3f", v);
}

/* A number as text in a static-free way: callers pass a small buffer. */
static const char *N(double v, char *buf, size_t len)
{
	vcl_report_fmt_num(v, buf, len);
	return buf;
}

/* Escape free text from a results file for the inline markup (and for
 * markdown, which honours the same backslash escapes). Newlines become
 * spaces: every text field renders on one line. */
static char *esc(const char *s)
{
	size_t n = strlen(s != NULL ? s : "");
	char *out = xrealloc(NULL, 2 * n + 1), *o = out;

	for (const char *p = s != NULL ? s : ""; *p != '\0'; p++) {
		if (strchr("\\*`[]_|<>#", *p) != NULL)
			*o++ = '\\';
		*o++ = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p;
	}
	*o = '\0';
	return out;
}

/* ---- results access ---- */

static bool jnum(struct json_object *o, const char *path, double *v)
{
	return o != NULL && vcl_json_path_double(o, path, v) == 0 && isfinite(*v);
}

static const char *jstr(struct json_object *o, const char *path)
{
	struct json_object *x = o != NULL ? vcl_json_path(o, path) : NULL;

	return x != NULL && json_object_is_type(x, json_type_string) ? json_object_get_string(x)
								     : NULL;
}

static bool jbool(struct json_object *o, const char *path, bool *v)
{
	struct json_object *x = o != NULL ? vcl_json_path(o, path) : NULL;

	if (x == NULL || !json_object_is_type(x, json_type_boolean))
		return false;
	*v = json_object_get_boolean(x);
	return true;
}

/* backends.<name> or peers.<name> (names may hold dots or dashes). */
static struct json_object *entry(const struct vcl_report_run *run, const char *section,
				 const char *name)
{
	struct json_object *sec = vcl_json_path(run->root, section), *o = NULL;

	if (sec == NULL || !json_object_is_type(sec, json_type_object) ||
	    !json_object_object_get_ex(sec, name, &o) || !json_object_is_type(o, json_type_object))
		return NULL;
	return o;
}

static bool in_list(struct json_object *arr, const char *s)
{
	if (arr == NULL || !json_object_is_type(arr, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		const char *x = json_object_get_string(json_object_array_get_idx(arr, i));

		if (x != NULL && strcmp(x, s) == 0)
			return true;
	}
	return false;
}

const char **vcl_report_names(const struct vcl_report_run *runs, size_t n, const char *section)
{
	static const char *const order[] = {"bare", "ctr", "vm", "runc", "crun", "qemu-direct"};
	const char **v = NULL;
	size_t len = 0;

	v = xrealloc(v, sizeof(*v));
	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t r = 0; r < n; r++) {
			struct json_object *sec = vcl_json_path(runs[r].root, section);

			if (sec == NULL || !json_object_is_type(sec, json_type_object))
				continue;
			json_object_object_foreach(sec, key, val)
			{
				bool known = false, dup = false;

				(void)val;
				for (size_t i = 0; i < ARRAY_SIZE(order); i++)
					known = known || strcmp(order[i], key) == 0;
				/* Pass 0 collects known names in their fixed order below;
				 * pass 1 appends the others in file order. */
				if (pass == 0 || known)
					continue;
				for (size_t i = 0; i < len; i++)
					dup = dup || strcmp(v[i], key) == 0;
				if (dup)
					continue;
				v = xrealloc(v, (len + 2) * sizeof(*v));
				v[len++] = key;
			}
		}
		if (pass == 0) {
			for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
				for (size_t r = 0; r < n; r++) {
					if (entry(&runs[r], section, order[i]) != NULL) {
						v = xrealloc(v, (len + 2) * sizeof(*v));
						v[len++] = order[i];
						break;
					}
				}
			}
		}
	}
	v[len] = NULL;
	return v;
}

const char *vcl_report_vm_accel(const struct vcl_report_run *run)
{
	const char *a = jstr(entry(run, "backends", "vm"), "accelerator");

	if (a == NULL)
		a = jstr(run->root, "config.vm.accelerator");
	if (a == NULL)
		a = jstr(run->root, "host.accelerator");
	return a;
}

/* "TCG" for "tcg": accelerators read in capitals in prose and labels. */
static void upper(const char *s, char *buf, size_t len)
{
	size_t i = 0;

	for (; s != NULL && s[i] != '\0' && i + 1 < len; i++)
		buf[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 'a' + 'A' : s[i]);
	buf[i] = '\0';
}

void vcl_report_plabel(const struct vcl_report_run *run, const char *section, const char *name,
		       char *buf, size_t len)
{
	const char *family = jstr(entry(run, section, name), "family");
	bool is_vm = strcmp(name, "vm") == 0 || (family != NULL && strcmp(family, "vm") == 0);
	const char *accel = is_vm ? vcl_report_vm_accel(run) : NULL;
	char acc[16];

	if (accel == NULL) {
		snprintf(buf, len, "%s", name);
		return;
	}
	upper(accel, acc, sizeof(acc));
	snprintf(buf, len, "%s (%s)", name, acc);
}

void vcl_report_slabel(const struct vcl_report_run *runs, size_t n, size_t r, const char *section,
		       const char *name, char *buf, size_t len)
{
	char p[96];

	vcl_report_plabel(&runs[r], section, name, p, sizeof(p));
	if (n > 1)
		snprintf(buf, len, "%s: %s", runs[r].label, p);
	else
		snprintf(buf, len, "%s", p);
}

/* ---- document builder ---- */

static struct vcl_rblock *push(struct vcl_rdoc *d, enum vcl_rblock_kind k)
{
	struct vcl_rblock *b;

	if (d->n == d->cap) {
		d->cap = d->cap != 0 ? 2 * d->cap : 64;
		d->b = xrealloc(d->b, d->cap * sizeof(*d->b));
	}
	b = &d->b[d->n++];
	memset(b, 0, sizeof(*b));
	b->kind = k;
	return b;
}

static void heading(struct vcl_rdoc *d, int level, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void heading(struct vcl_rdoc *d, int level, const char *id, const char *fmt, ...)
{
	struct vcl_rblock *b = push(d, VCL_RB_HEADING);
	va_list ap;

	b->level = level;
	b->id = vcl_rxstrdup(id);
	va_start(ap, fmt);
	b->text = xvasprintf(fmt, ap);
	va_end(ap);
}

static void block(struct vcl_rdoc *d, enum vcl_rblock_kind k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void block(struct vcl_rdoc *d, enum vcl_rblock_kind k, const char *fmt, ...)
{
	struct vcl_rblock *b = push(d, k);
	va_list ap;

	va_start(ap, fmt);
	b->text = xvasprintf(fmt, ap);
	va_end(ap);
}

/* A table under construction. */
struct tab {
	size_t cols, n, cap;
	char **cells;
	unsigned numeric;
};

static void tab_add(struct tab *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tab_add(struct tab *t, const char *fmt, ...)
{
	va_list ap;

	if (t->n == t->cap) {
		t->cap = t->cap != 0 ? 2 * t->cap : 32;
		t->cells = xrealloc(t->cells, t->cap * sizeof(*t->cells));
	}
	va_start(ap, fmt);
	t->cells[t->n++] = xvasprintf(fmt, ap);
	va_end(ap);
}

/* Take ownership of an already formatted cell. */
static void tab_own(struct tab *t, char *s)
{
	tab_add(t, "%s", s);
	free(s);
}

static void tab_num(struct tab *t, bool have, double v)
{
	char b[32];

	if (have)
		tab_add(t, "%s", N(v, b, sizeof(b)));
	else
		tab_add(t, "—");
}

/* The number at path in o, scaled, or a dash when it is absent. (A helper
 * rather than tab_num(t, jnum(o, p, &v), v): argument order is unspecified.) */
static void tab_j(struct tab *t, struct json_object *o, const char *path, double scale)
{
	double v = 0;
	bool have = jnum(o, path, &v);

	tab_num(t, have, v * scale);
}

/* A count (n, instances, connections): always a whole number. */
static void tab_count(struct tab *t, struct json_object *o, const char *path)
{
	double v = 0;

	if (jnum(o, path, &v))
		tab_add(t, "%.0f", v);
	else
		tab_add(t, "—");
}

/* A table with a "run" column first when the report compares runs. hdr is
 * NULL-terminated; numeric is the mask without the run column. */
static void tab_init(struct tab *t, const struct vcl_report_ctx *c, unsigned numeric,
		     const char *const *hdr)
{
	memset(t, 0, sizeof(*t));
	if (c->n > 1) {
		tab_add(t, "run");
		numeric <<= 1;
	}
	for (size_t i = 0; hdr[i] != NULL; i++)
		tab_add(t, "%s", hdr[i]);
	t->cols = t->n;
	t->numeric = numeric;
}

static void tab_row(struct tab *t, const struct vcl_report_ctx *c, size_t r)
{
	if (c->n > 1) {
		char *e = esc(c->runs[r].label);

		tab_own(t, e);
	}
}

static size_t tab_rows(const struct tab *t)
{
	return t->cols != 0 ? t->n / t->cols : 0;
}

/* Move the table into the document when it has body rows; free it always. */
static bool doc_table(struct vcl_rdoc *d, struct tab *t)
{
	if (t->cols == 0 || t->n % t->cols != 0)
		abort(); /* a row with the wrong number of cells is a bug here */
	if (tab_rows(t) < 2) {
		for (size_t i = 0; i < t->n; i++)
			free(t->cells[i]);
		free(t->cells);
		memset(t, 0, sizeof(*t));
		return false;
	}
	{
		struct vcl_rblock *b = push(d, VCL_RB_TABLE);

		b->rows = tab_rows(t);
		b->cols = t->cols;
		b->cells = t->cells;
		b->numeric = t->numeric;
	}
	memset(t, 0, sizeof(*t));
	return true;
}

static void list_item(struct vcl_rdoc *d, struct vcl_rblock **lst, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void list_item(struct vcl_rdoc *d, struct vcl_rblock **lst, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	if (*lst == NULL) {
		*lst = push(d, VCL_RB_LIST);
	}
	i = (*lst)->rows++;
	(*lst)->cols = 1;
	(*lst)->cells = xrealloc((*lst)->cells, (*lst)->rows * sizeof(char *));
	va_start(ap, fmt);
	(*lst)->cells[i] = xvasprintf(fmt, ap);
	va_end(ap);
}

/* Figures of a section, in planning order. Without gnuplot there are none:
 * the report says so once, near the top. */
static void figures(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const char *section)
{
	if (c->gnuplot_missing != NULL || c->figs == NULL)
		return;
	for (size_t i = 0; i < c->figs->n; i++) {
		if (strcmp(c->figs->v[i].section, section) == 0)
			push(d, VCL_RB_FIGURE)->fig = &c->figs->v[i];
	}
}

/* Placements listed in config.backends that have no data under key. */
static void not_measured(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const char *scenario,
			 const char *key)
{
	for (size_t r = 0; r < c->n; r++) {
		const struct vcl_report_run *run = &c->runs[r];
		struct json_object *want = vcl_json_path(run->root, "config.backends");
		struct json_object *scen = vcl_json_path(run->root, "config.scenarios");
		char *in = c->n > 1 ? vcl_rxasprintf(" in %s", run->label) : vcl_rxstrdup("");
		char *missing = NULL;

		if (scen != NULL && !in_list(scen, scenario)) {
			block(d, VCL_RB_PARA,
			      "The %s scenario was not run%s (not in config.scenarios).", scenario,
			      in);
			free(in);
			continue;
		}
		for (size_t i = 0; want != NULL && json_object_is_type(want, json_type_array) &&
				   i < json_object_array_length(want);
		     i++) {
			const char *b = json_object_get_string(json_object_array_get_idx(want, i));
			struct json_object *e;
			char *m;

			if (b == NULL)
				continue;
			e = entry(run, "backends", b);
			if (e != NULL && vcl_json_path(e, key) != NULL &&
			    !json_object_is_type(vcl_json_path(e, key), json_type_null))
				continue;
			m = esc(b);
			if (missing == NULL) {
				missing = m;
			} else {
				char *t = vcl_rxasprintf("%s, %s", missing, m);

				free(missing);
				free(m);
				missing = t;
			}
		}
		if (missing != NULL)
			block(d, VCL_RB_PARA,
			      "Not measured%s: %s (asked for in config.backends; see Errors).", in,
			      missing);
		free(missing);
		free(in);
	}
}

/* ---- sections ---- */

static void sec_header(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	struct tab t;
	static const char *const hdr[] = {"run",      "file",	 "started (UTC)",  "finished (UTC)",
					  "complete", "profile", "runs + warm-up", "vclab",
					  NULL};

	memset(&t, 0, sizeof(t));
	for (size_t i = 0; hdr[i] != NULL; i++)
		tab_add(&t, "%s", hdr[i]);
	t.cols = t.n;
	t.numeric = 0;
	for (size_t r = 0; r < c->n; r++) {
		struct json_object *root = c->runs[r].root;
		const char *s;
		bool complete = false;
		double runs = 0, warm = 0, vruns = 0, vwarm = 0;
		bool hr = jnum(root, "config.runs", &runs), hw = jnum(root, "config.warmup", &warm);

		tab_own(&t, esc(c->runs[r].label));
		tab_own(&t, esc(c->runs[r].file));
		s = jstr(root, "started");
		tab_own(&t, esc(s != NULL ? s : "—"));
		s = jstr(root, "finished");
		tab_own(&t, esc(s != NULL ? s : "—"));
		tab_add(&t, "%s",
			jbool(root, "complete", &complete) ? (complete ? "yes" : "**no**") : "—");
		s = jstr(root, "config.profile");
		tab_own(&t, esc(s != NULL ? s : "—"));
		if (hr && hw && jnum(root, "config.vm_runs", &vruns) &&
		    jnum(root, "config.vm_warmup", &vwarm))
			tab_add(&t, "%.0f + %.0f (VMs: %.0f + %.0f)", runs, warm, vruns, vwarm);
		else if (hr && hw)
			tab_add(&t, "%.0f + %.0f", runs, warm);
		else
			tab_add(&t, "—");
		s = jstr(root, "vclab_version");
		tab_own(&t, esc(s != NULL ? s : "—"));
	}
	doc_table(d, &t);

	for (size_t r = 0; r < c->n; r++) {
		struct json_object *root = c->runs[r].root;
		bool complete = true;
		const char *note = jstr(root, "note");

		if (jbool(root, "complete", &complete) && !complete) {
			const char *why = jstr(root, "incomplete_reason");
			char *e = esc(why != NULL ? why : "no reason recorded");

			block(d, VCL_RB_WARNING,
			      "Run %s is incomplete: %s. The sections below show what was measured "
			      "before it stopped.",
			      c->runs[r].label, e);
			free(e);
		}
		if (note != NULL) {
			char *e = esc(note);

			block(d, VCL_RB_WARNING, "Note in results file %s: %s", c->runs[r].label,
			      e);
			free(e);
		}
	}
	if (c->gnuplot_missing != NULL) {
		char *e = esc(c->gnuplot_missing);

		block(
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

		return vcl_rxstrdup(N(json_object_get_double(x), b, sizeof(b)));
	}
	return vcl_rxstrdup(json_object_get_string(x));
}

static void add_warning(char ***warnings, size_t *nw, char *w)
{
	*warnings = xrealloc(*warnings, (*nw + 2) * sizeof(char *));
	(*warnings)[(*nw)++] = w;
	(*warnings)[*nw] = NULL;
}

static void sec_host(struct vcl_rdoc *d, const struct vcl_report_ctx *c, char ***warnings,
		     size_t *nw)
{
	static const struct {
		const char *path, *name;
	} facts[] = {
	    {"host.hostname", "hostname"},
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
	char *tcg_runs = NULL;

	heading(d, 2, "host", "Host");
	/* The accelerator, in large type: it decides how to read every VM number. */
	{
		char *line = vcl_rxstrdup("");

		for (size_t r = 0; r < c->n; r++) {
			const char *a = jstr(c->runs[r].root, "host.accelerator");
			char acc[16], *prev = line;
			const char *what = a == NULL		   ? "not recorded"
					   : strcmp(a, "tcg") == 0 ? "software emulation, no KVM"
					   : strcmp(a, "kvm") == 0 ? "hardware virtualisation"
								   : "as recorded";

			upper(a != NULL ? a : "unknown", acc, sizeof(acc));
			if (c->n > 1)
				line = vcl_rxasprintf("%s%s%s: %s (%s)", prev, r > 0 ? " · " : "",
						      c->runs[r].label, acc, what);
			else
				line = vcl_rxasprintf("Accelerator: %s (%s)", acc, what);
			free(prev);
		}
		block(d, VCL_RB_BIGFACT, "%s", line);
		free(line);
	}
	for (size_t r = 0; r < c->n; r++) {
		const char *a = vcl_report_vm_accel(&c->runs[r]);
		bool ran_vm = entry(&c->runs[r], "backends", "vm") != NULL;
		const char **peers = vcl_report_names(&c->runs[r], 1, "peers");

		for (size_t i = 0; peers[i] != NULL; i++) {
			const char *fam = jstr(entry(&c->runs[r], "peers", peers[i]), "family");

			ran_vm = ran_vm || (fam != NULL && strcmp(fam, "vm") == 0);
		}
		free(peers);
		if (ran_vm && a != NULL && strcmp(a, "tcg") == 0) {
			char *prev = tcg_runs;

			tcg_runs = vcl_rxasprintf("%s%s%s", prev != NULL ? prev : "",
						  prev != NULL ? ", " : "", c->runs[r].label);
			free(prev);
		}
	}
	if (tcg_runs != NULL && c->n > 1)
		block(d, VCL_RB_CAVEAT,
		      "**VMs ran under TCG in %s** (QEMU software emulation, no usable KVM). VM "
		      "startup and CPU figures of those runs are far above what KVM gives and must "
		      "not be read as KVM numbers. Memory overhead is roughly comparable but "
		      "includes "
		      "TCG's translation cache.",
		      tcg_runs);
	else if (tcg_runs != NULL)
		block(d, VCL_RB_CAVEAT,
		      "**VMs ran under TCG** (QEMU software emulation, no usable KVM). VM startup "
		      "and CPU figures here are far above what KVM gives and must not be read as "
		      "KVM numbers. Memory overhead is roughly comparable but includes TCG's "
		      "translation cache.");
	free(tcg_runs);

	/* Comparison: differing host classes make deltas misleading. */
	for (size_t i = 0; c->n > 1 && i < ARRAY_SIZE(class_facts); i++) {
		char *first = fact_text(c->runs[0].root, class_facts[i].path);
		char *list = NULL;
		bool differ = false;

		for (size_t r = 0; r < c->n; r++) {
			char *v = fact_text(c->runs[r].root, class_facts[i].path);
			char *prev = list;

			differ = differ || strcmp(v, first) != 0;
			list = vcl_rxasprintf("%s%s%s %s", prev != NULL ? prev : "",
					      prev != NULL ? ", " : "", c->runs[r].label, v);
			free(prev);
			free(v);
		}
		if (differ) {
			char *e = esc(list);

			block(d, VCL_RB_WARNING, "%s differ: %s. %s.", class_facts[i].what, e,
			      class_facts[i].why);
			add_warning(warnings, nw,
				    vcl_rxasprintf("%s differ (%s): %s", class_facts[i].what, list,
						   class_facts[i].why));
			free(e);
		}
		free(list);
		free(first);
	}

	memset(&t, 0, sizeof(t));
	tab_add(&t, "fact");
	for (size_t r = 0; r < c->n; r++)
		tab_own(&t, c->n > 1 ? esc(c->runs[r].label) : vcl_rxstrdup("value"));
	t.cols = t.n;
	for (size_t i = 0; i < ARRAY_SIZE(facts); i++) {
		bool any = false;

		for (size_t r = 0; r < c->n; r++)
			any = any || vcl_json_path(c->runs[r].root, facts[i].path) != NULL;
		if (!any)
			continue;
		tab_add(&t, "%s", facts[i].name);
		for (size_t r = 0; r < c->n; r++) {
			char *v = fact_text(c->runs[r].root, facts[i].path);

			tab_own(&t, esc(v));
			free(v);
		}
	}
	doc_table(d, &t);
}

static void startup_row(struct tab *t, const struct vcl_report_ctx *c, size_t r,
			const char *section, const char *name, struct json_object *st,
			const char *ref_name, struct json_object *ref_st)
{
	char lab[128], b1[32], b2[32];
	double v, lo, hi, ref;

	tab_row(t, c, r);
	vcl_report_plabel(&c->runs[r], section, name, lab, sizeof(lab));
	if (strcmp(section, "peers") == 0) {
		const char *fam = jstr(entry(&c->runs[r], section, name), "family");
		char *e = esc(lab), *f = esc(fam != NULL ? fam : "?");

		tab_add(t, "%s (peer of %s)", e, f);
		free(e);
		free(f);
	} else {
		tab_own(t, esc(lab));
	}
	tab_count(t, st, "n");
	tab_j(t, st, "p50", 1);
	tab_j(t, st, "p90", 1);
	tab_j(t, st, "p99", 1);
	if (jnum(st, "min", &lo) && jnum(st, "max", &hi))
		tab_add(t, "%s–%s", N(lo, b1, sizeof(b1)), N(hi, b2, sizeof(b2)));
	else
		tab_add(t, "—");
	tab_j(t, st, "cv", 1);
	if (jnum(st, "ci95.0", &lo) && jnum(st, "ci95.1", &hi))
		tab_add(t, "%s–%s", N(lo, b1, sizeof(b1)), N(hi, b2, sizeof(b2)));
	else
		tab_add(t, "—");
	if (ref_st != NULL && st != ref_st && jnum(st, "p50", &v) && jnum(ref_st, "p50", &ref) &&
	    ref > 0) {
		char *e = esc(ref_name);

		tab_add(t, "×%s vs %s", N(v / ref, b1, sizeof(b1)), e);
		free(e);
	} else {
		tab_add(t, "—");
	}
}

static void sec_startup(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	static const char *const hdr[] = {
	    "placement",    "n",  "p50 (ms)",		"p90 (ms)",	 "p99 (ms)",
	    "min–max (ms)", "CV", "95% CI of p50 (ms)", "ratio of p50s", NULL};
	static const char *const phdr[] = {"placement",
					   "n",
					   "create call (ms)",
					   "boot/exec: create → READY (ms)",
					   "READY → first 200 (ms)",
					   "first 200 (ms)",
					   NULL};
	const char **bk = vcl_report_names(c->runs, c->n, "backends");
	const char **pe = vcl_report_names(c->runs, c->n, "peers");
	char **skipped = NULL;
	size_t nskipped = 0;
	struct tab t;
	bool any;

	heading(d, 2, "startup", "Startup");
	block(d, VCL_RB_PARA,
	      "Time from t0, just before the create call, to the first `200` from `GET /healthz`, "
	      "seen from the host ([definition](%s#startup)). Ratios compare medians of the same "
	      "run: placements against bare, peers against the placement of their family.",
	      c->metrics_href);
	tab_init(&t, c, 0x1feu, hdr);
	for (size_t r = 0; r < c->n; r++) {
		struct json_object *bare =
		    vcl_json_path(entry(&c->runs[r], "backends", "bare"), "startup_ms");

		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *st =
			    vcl_json_path(entry(&c->runs[r], "backends", bk[i]), "startup_ms");

			if (st != NULL && json_object_is_type(st, json_type_object))
				startup_row(&t, c, r, "backends", bk[i], st, "bare", bare);
		}
		for (size_t i = 0; pe[i] != NULL; i++) {
			struct json_object *p = entry(&c->runs[r], "peers", pe[i]);
			struct json_object *st = vcl_json_path(p, "startup_ms");
			const char *fam = jstr(p, "family");
			bool skip = false;

			if (jbool(p, "skipped", &skip) && skip) {
				const char *why = jstr(p, "reason");
				char *e = esc(pe[i]),
				     *w = esc(why != NULL ? why : "no reason given");

				skipped = xrealloc(skipped, (nskipped + 1) * sizeof(char *));
				skipped[nskipped++] = vcl_rxasprintf(
				    "%s%s%s: skipped — %s", e, c->n > 1 ? " in " : "",
				    c->n > 1 ? c->runs[r].label : "", w);
				free(e);
				free(w);
				continue;
			}
			if (st == NULL || !json_object_is_type(st, json_type_object))
				continue;
			startup_row(&t, c, r, "peers", pe[i], st, fam != NULL ? fam : "?",
				    fam != NULL ? vcl_json_path(entry(&c->runs[r], "backends", fam),
								"startup_ms")
						: NULL);
		}
	}
	any = doc_table(d, &t);
	if (nskipped > 0) {
		struct vcl_rblock *lst = NULL;

		block(d, VCL_RB_PARA, "Peers that did not run:");
		for (size_t i = 0; i < nskipped; i++) {
			list_item(d, &lst, "%s", skipped[i]);
			free(skipped[i]);
		}
	}
	free(skipped);
	if (!any)
		block(d, VCL_RB_PARA, "No startup results in %s.",
		      c->n > 1 ? "these runs" : "this run");
	not_measured(d, c, "startup", "startup_ms");
	for (size_t r = 0; r < c->n; r++) {
		for (size_t s = 0; s < 2; s++) {
			const char *section = s == 0 ? "backends" : "peers";
			const char **names = vcl_report_names(&c->runs[r], 1, section);

			for (size_t i = 0; names[i] != NULL; i++) {
				double f;
				char lab[128];

				if (!jnum(entry(&c->runs[r], section, names[i]), "startup_failures",
					  &f) ||
				    f <= 0)
					continue;
				vcl_report_plabel(&c->runs[r], section, names[i], lab, sizeof(lab));
				block(d, VCL_RB_PARA,
				      "%s%s%s: %.0f launch%s failed and %s not in the statistics "
				      "(see Errors).",
				      c->n > 1 ? c->runs[r].label : "", c->n > 1 ? ": " : "", lab,
				      f, f == 1 ? "" : "es", f == 1 ? "is" : "are");
			}
			free(names);
		}
	}

	tab_init(&t, c, 0x3eu, phdr);
	for (size_t r = 0; r < c->n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *ph =
			    vcl_json_path(entry(&c->runs[r], "backends", bk[i]), "phases_ms");
			double cr, rd, f2, n;
			bool hc = jnum(ph, "create.p50", &cr), hr = jnum(ph, "ready.p50", &rd),
			     hf = jnum(ph, "first_200.p50", &f2);
			char lab[128];

			if (ph == NULL || !(hc || hr || hf))
				continue;
			tab_row(&t, c, r);
			vcl_report_plabel(&c->runs[r], "backends", bk[i], lab, sizeof(lab));
			tab_own(&t, esc(lab));
			if (jnum(ph, "first_200.n", &n) || jnum(ph, "create.n", &n))
				tab_add(&t, "%.0f", n);
			else
				tab_add(&t, "—");
			tab_num(&t, hc, cr);
			tab_num(&t, hc && hr, rd - cr);
			tab_num(&t, hr && hf, f2 - rd);
			tab_num(&t, hf, f2);
		}
	}
	if (tab_rows(&t) > 1) {
		block(d, VCL_RB_PARA,
		      "Phases, medians from the same t0. The middle columns are differences of "
		      "medians, so they need not add up exactly to the median total.");
		doc_table(d, &t);
	} else {
		doc_table(d, &t);
	}
	figures(d, c, "startup");
	free(bk);
	free(pe);
}

static void sec_memory(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	static const char *const hdr[] = {"placement",
					  "instances",
					  "PSS (MiB)",
					  "RSS (MiB)",
					  "cgroup (MiB)",
					  "kernel (MiB)",
					  "MemAvailable drop (MiB)",
					  NULL};
	static const char *const ohdr[] = {"placement",
					   "payload's own (MiB)",
					   "overhead: PSS + kernel (MiB)",
					   "overhead: MemAvailable (MiB)",
					   "overhead vs payload",
					   NULL};
	const char **bk = vcl_report_names(c->runs, c->n, "backends");
	struct tab t;
	bool any;

	heading(d, 2, "memory", "Memory");
	block(d, VCL_RB_PARA,
	      "Per idle instance, averaged over the instances started together. PSS sums all of "
	      "the instance's host processes; kernel is the cgroup's kernel memory "
	      "([definition](%s#memory-overhead)).",
	      c->metrics_href);
	tab_init(&t, c, 0x7eu, hdr);
	for (size_t r = 0; r < c->n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *m =
			    vcl_json_path(entry(&c->runs[r], "backends", bk[i]), "memory");
			static const char *const keys[] = {"pss_kib", "rss_kib", "cgroup_kib",
							   "kmem_kib", "memavail_drop_kib"};
			char lab[128];

			if (m == NULL || !json_object_is_type(m, json_type_object))
				continue;
			tab_row(&t, c, r);
			vcl_report_plabel(&c->runs[r], "backends", bk[i], lab, sizeof(lab));
			tab_own(&t, esc(lab));
			tab_count(&t, m, "instances");
			for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
				tab_j(&t, m, keys[k], 1.0 / 1024);
		}
	}
	any = doc_table(d, &t);
	if (!any)
		block(d, VCL_RB_PARA, "No memory results in %s.",
		      c->n > 1 ? "these runs" : "this run");

	tab_init(&t, c, 0x1eu, ohdr);
	for (size_t r = 0; r < c->n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *m =
			    vcl_json_path(entry(&c->runs[r], "backends", bk[i]), "memory");
			double pay, ovh;
			char lab[128], b[32];

			if (m == NULL || vcl_json_path(m, "payload_kib") == NULL)
				continue;
			tab_row(&t, c, r);
			vcl_report_plabel(&c->runs[r], "backends", bk[i], lab, sizeof(lab));
			tab_own(&t, esc(lab));
			tab_j(&t, m, "payload_kib", 1.0 / 1024);
			tab_j(&t, m, "overhead_kib", 1.0 / 1024);
			tab_j(&t, m, "overhead_memavail_kib", 1.0 / 1024);
			if (jnum(m, "payload_kib", &pay) && jnum(m, "overhead_kib", &ovh) &&
			    pay > 0)
				tab_add(&t, "×%s", N(ovh / pay, b, sizeof(b)));
			else
				tab_add(&t, "—");
		}
	}
	if (tab_rows(&t) > 1)
		block(
		    d, VCL_RB_PARA,
		    "Overhead: what an instance costs beyond the same payload run bare in the same "
		    "run, by footprint (PSS plus cgroup kernel memory) and by the drop in "
		    "MemAvailable. Both are reported because neither alone is the whole truth.");
	else if (any)
		block(d, VCL_RB_PARA,
		      "No overhead figures: bare was not measured in this scenario, "
		      "so there is nothing to subtract.");
	doc_table(d, &t);
	not_measured(d, c, "memory", "memory");
	figures(d, c, "memory");
	free(bk);
}

static void sec_density(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	static const char *const hdr[] = {"placement",		 "max instances",
					  "instances per GiB",	 "scale-out (instances/s)",
					  "memory budget (MiB)", "memory used (MiB)",
					  "stopped by",		 NULL};
	static const char *const bhdr[] = {"placement",
					   "burst of k",
					   "instances after",
					   "all ready (ms)",
					   "memory per instance (MiB)",
					   NULL};
	const char **bk = vcl_report_names(c->runs, c->n, "backends");
	struct tab t;

	heading(d, 2, "density", "Density and scale-out");
	block(d, VCL_RB_PARA,
	      "Instances that reach ready and stay healthy under a memory budget; the scale-out "
	      "rate is how fast a burst of instances all become ready "
	      "([definition](%s#density)).",
	      c->metrics_href);
	tab_init(&t, c, 0x3eu, hdr);
	for (size_t r = 0; r < c->n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *m =
			    vcl_json_path(entry(&c->runs[r], "backends", bk[i]), "density");
			const char *why;
			char lab[128];

			if (m == NULL || !json_object_is_type(m, json_type_object))
				continue;
			tab_row(&t, c, r);
			vcl_report_plabel(&c->runs[r], "backends", bk[i], lab, sizeof(lab));
			tab_own(&t, esc(lab));
			tab_count(&t, m, "max_instances");
			tab_j(&t, m, "instances_per_gib", 1);
			tab_j(&t, m, "scaleout_per_s", 1);
			tab_count(&t, m, "budget_mib");
			tab_j(&t, m, "used_mib", 1);
			why = jstr(m, "stop_reason");
			tab_own(&t, esc(why != NULL ? why : "—"));
		}
	}
	if (!doc_table(d, &t))
		block(d, VCL_RB_PARA, "No density results in %s.",
		      c->n > 1 ? "these runs" : "this run");
	not_measured(d, c, "density", "density");

	tab_init(&t, c, 0x1eu, bhdr);
	for (size_t r = 0; r < c->n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *bs =
			    vcl_json_path(entry(&c->runs[r], "backends", bk[i]), "density.bursts");
			char lab[128];

			if (bs == NULL || !json_object_is_type(bs, json_type_array))
				continue;
			vcl_report_plabel(&c->runs[r], "backends", bk[i], lab, sizeof(lab));
			for (size_t k = 0; k < json_object_array_length(bs); k++) {
				struct json_object *b = json_object_array_get_idx(bs, k);

				tab_row(&t, c, r);
				tab_own(&t, esc(lab));
				tab_count(&t, b, "k");
				tab_count(&t, b, "instances");
				tab_j(&t, b, "ready_ms", 1);
				tab_j(&t, b, "mem_per_instance_kib", 1.0 / 1024);
			}
		}
	}
	if (tab_rows(&t) > 1)
		block(d, VCL_RB_PARA, "Bursts, in the order they were launched:");
	doc_table(d, &t);
	figures(d, c, "density");
	free(bk);
}

static void sec_autoscale(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	static const char *const hdr[] = {
	    "placement", "threshold",	    "n", "reaction p50 (ms)", "min–max (ms)",
	    "CV",	 "detect p50 (ms)", NULL};
	const char **bk = vcl_report_names(c->runs, c->n, "backends");
	struct tab t;

	heading(d, 2, "autoscale", "Autoscale reaction");
	block(d, VCL_RB_PARA,
	      "Load is driven at one instance; when its CPU use crosses the threshold (a fraction "
	      "of its CPU limit) one more instance of the same placement is launched. Reaction: "
	      "crossing → the new instance's first 200. Detect: load start → crossing, which "
	      "depends on the sampling window rather than the placement "
	      "([definition](%s#autoscale-reaction)).",
	      c->metrics_href);
	tab_init(&t, c, 0x7eu, hdr);
	for (size_t r = 0; r < c->n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *m =
			    vcl_json_path(entry(&c->runs[r], "backends", bk[i]), "autoscale");
			double lo, hi;
			char lab[128], b1[32], b2[32];

			if (m == NULL || !json_object_is_type(m, json_type_object))
				continue;
			tab_row(&t, c, r);
			vcl_report_plabel(&c->runs[r], "backends", bk[i], lab, sizeof(lab));
			tab_own(&t, esc(lab));
			tab_j(&t, m, "threshold", 1);
			tab_count(&t, m, "reaction_ms.n");
			tab_j(&t, m, "reaction_ms.p50", 1);
			if (jnum(m, "reaction_ms.min", &lo) && jnum(m, "reaction_ms.max", &hi))
				tab_add(&t, "%s–%s", N(lo, b1, sizeof(b1)), N(hi, b2, sizeof(b2)));
			else
				tab_add(&t, "—");
			tab_j(&t, m, "reaction_ms.cv", 1);
			tab_j(&t, m, "detect_ms.p50", 1);
		}
	}
	if (!doc_table(d, &t))
		block(d, VCL_RB_PARA, "No autoscale results in %s.",
		      c->n > 1 ? "these runs" : "this run");
	not_measured(d, c, "autoscale", "autoscale");
	figures(d, c, "autoscale");
	free(bk);
}

static void steady_row(struct tab *t, const struct vcl_report_ctx *c, size_t r, const char *lab,
		       struct json_object *s, struct json_object *bare_s)
{
	double v, ref;
	const char *tool = jstr(s, "tool");
	char b[32];

	tab_row(t, c, r);
	tab_own(t, esc(lab));
	tab_own(t, esc(tool != NULL ? tool : "—"));
	tab_count(t, s, "concurrency");
	tab_j(t, s, "duration_s", 1);
	tab_count(t, s, "requests");
	tab_j(t, s, "rps", 1);
	tab_j(t, s, "lat_ms.p50", 1);
	tab_j(t, s, "lat_ms.p90", 1);
	tab_j(t, s, "lat_ms.p99", 1);
	tab_count(t, s, "errors");
	if (bare_s != NULL && bare_s != s && jnum(s, "rps", &v) && jnum(bare_s, "rps", &ref) &&
	    ref > 0)
		tab_add(t, "×%s", N(v / ref, b, sizeof(b)));
	else
		tab_add(t, "—");
}

static void sec_steady(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	static const char *const hdr[] = {
	    "placement",	  "tool",     "concurrency", "duration (s)", "requests",
	    "throughput (req/s)", "p50 (ms)", "p90 (ms)",    "p99 (ms)",     "errors",
	    "throughput vs bare", NULL};
	const char **bk = vcl_report_names(c->runs, c->n, "backends");
	struct tab t;

	heading(d, 2, "steady", "Steady state");
	block(d, VCL_RB_PARA,
	      "Latency percentiles and throughput of the same `/work` request against each "
	      "placement ([definition](%s#steady-state)). Rows marked wrk come from wrk run "
	      "against the same instance, where it is installed.",
	      c->metrics_href);
	tab_init(&t, c, 0x7fcu, hdr);
	for (size_t r = 0; r < c->n; r++) {
		struct json_object *bare_s =
		    vcl_json_path(entry(&c->runs[r], "backends", "bare"), "steady");

		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *s =
			    vcl_json_path(entry(&c->runs[r], "backends", bk[i]), "steady");
			struct json_object *w = vcl_json_path(s, "wrk");
			char lab[128], wl[160];

			if (s == NULL || !json_object_is_type(s, json_type_object))
				continue;
			vcl_report_plabel(&c->runs[r], "backends", bk[i], lab, sizeof(lab));
			steady_row(&t, c, r, lab, s, bare_s);
			if (w != NULL && json_object_is_type(w, json_type_object)) {
				snprintf(wl, sizeof(wl), "%s (wrk)", lab);
				steady_row(&t, c, r, wl, w, vcl_json_path(bare_s, "wrk"));
			}
		}
	}
	if (!doc_table(d, &t))
		block(d, VCL_RB_PARA, "No steady-state results in %s.",
		      c->n > 1 ? "these runs" : "this run");
	not_measured(d, c, "steady", "steady");
	figures(d, c, "steady");
	free(bk);
}

static void cmp_cell(struct tab *t, bool have, double v, bool count)
{
	if (have && count)
		tab_add(t, "%.0f", v);
	else
		tab_num(t, have, v);
}

/* Side by side: each metric of each placement, later runs against the first. */
static void sec_compare(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	static const struct {
		const char *section, *path, *name;
		double scale; /* 0: a count, shown whole */
	} metrics[] = {
	    {"backends", "startup_ms.p50", "startup p50 (ms)", 1},
	    {"backends", "startup_ms.p99", "startup p99 (ms)", 1},
	    {"backends", "phases_ms.create.p50", "create call p50 (ms)", 1},
	    {"backends", "phases_ms.ready.p50", "READY line p50 (ms)", 1},
	    {"peers", "startup_ms.p50", "startup p50 (ms)", 1},
	    {"backends", "memory.pss_kib", "PSS per instance (MiB)", 1.0 / 1024},
	    {"backends", "memory.overhead_kib", "overhead per instance (MiB)", 1.0 / 1024},
	    {"backends", "memory.memavail_drop_kib", "MemAvailable drop per instance (MiB)",
	     1.0 / 1024},
	    {"backends", "density.max_instances", "max instances", 0},
	    {"backends", "density.scaleout_per_s", "scale-out (instances/s)", 1},
	    {"backends", "autoscale.reaction_ms.p50", "autoscale reaction p50 (ms)", 1},
	    {"backends", "steady.rps", "throughput (req/s)", 1},
	    {"backends", "steady.lat_ms.p50", "latency p50 (ms)", 1},
	    {"backends", "steady.lat_ms.p99", "latency p99 (ms)", 1},
	};
	struct tab t;

	heading(d, 2, "comparison", "Comparison");
	block(d, VCL_RB_PARA,
	      "Every run against the first (%s): Δ is the later run minus the first, × the later "
	      "run divided by the first. Runs from different hosts or accelerators are compared "
	      "only with the warnings above in mind.",
	      c->runs[0].label);
	memset(&t, 0, sizeof(t));
	tab_add(&t, "placement");
	tab_add(&t, "metric");
	for (size_t r = 0; r < c->n; r++) {
		const char *a = vcl_report_vm_accel(&c->runs[r]);
		char acc[16];
		char *e = esc(c->runs[r].label);

		upper(a != NULL ? a : "?", acc, sizeof(acc));
		tab_add(&t, "%s (VMs: %s)", e, acc);
		if (r > 0) {
			tab_add(&t, "Δ %s", e);
			tab_add(&t, "× %s", e);
		}
		free(e);
	}
	t.cols = t.n;
	t.numeric = ~0u << 2;
	for (size_t s = 0; s < 2; s++) {
		const char *section = s == 0 ? "backends" : "peers";
		const char **names = vcl_report_names(c->runs, c->n, section);

		for (size_t i = 0; names[i] != NULL; i++) {
			for (size_t m = 0; m < ARRAY_SIZE(metrics); m++) {
				double v0 = 0, v;
				bool h0, any = false;

				if (strcmp(metrics[m].section, section) != 0)
					continue;
				for (size_t r = 0; r < c->n; r++)
					any = any || jnum(entry(&c->runs[r], section, names[i]),
							  metrics[m].path, &v);
				if (!any)
					continue;
				tab_own(&t, esc(names[i]));
				tab_add(&t, "%s", metrics[m].name);
				h0 = jnum(entry(&c->runs[0], section, names[i]), metrics[m].path,
					  &v0);
				if (metrics[m].scale != 0)
					v0 *= metrics[m].scale;
				cmp_cell(&t, h0, v0, metrics[m].scale == 0);
				for (size_t r = 1; r < c->n; r++) {
					bool h = jnum(entry(&c->runs[r], section, names[i]),
						      metrics[m].path, &v);
					char b[32];

					if (metrics[m].scale != 0)
						v *= metrics[m].scale;
					cmp_cell(&t, h, v, metrics[m].scale == 0);
					if (h && h0)
						tab_add(&t, "%s%s", v - v0 >= 0 ? "+" : "",
							N(v - v0, b, sizeof(b)));
					else
						tab_add(&t, "—");
					if (h && h0 && v0 != 0)
						tab_add(&t, "×%s", N(v / v0, b, sizeof(b)));
					else
						tab_add(&t, "—");
				}
			}
		}
		free(names);
	}
	if (!doc_table(d, &t))
		block(d, VCL_RB_PARA, "The runs share no metric to compare.");
}

static void sec_errors(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	static const char *const hdr[] = {"placement", "scenario", "kind", "message", NULL};
	struct tab t;

	tab_init(&t, c, 0, hdr);
	for (size_t r = 0; r < c->n; r++) {
		struct json_object *errs = vcl_json_path(c->runs[r].root, "errors");

		for (size_t i = 0; errs != NULL && json_object_is_type(errs, json_type_array) &&
				   i < json_object_array_length(errs);
		     i++) {
			struct json_object *e = json_object_array_get_idx(errs, i);
			static const char *const keys[] = {"backend", "scenario", "kind",
							   "message"};

			tab_row(&t, c, r);
			for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
				const char *s = jstr(e, keys[k]);

				tab_own(&t, esc(s != NULL ? s : "—"));
			}
		}
	}
	heading(d, 2, "errors", "Errors recorded");
	if (!doc_table(d, &t))
		block(d, VCL_RB_PARA, "None: every scenario that was asked for finished.");
}

static void sec_advisor(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	heading(d, 2, "advisor", "Advisor summary");
	for (size_t r = 0; r < c->n; r++) {
		if (c->n > 1)
			heading(d, 3, "", "Run %s", c->runs[r].label);
		if (c->advisor_md != NULL && c->advisor_md[r] != NULL)
			block(d, VCL_RB_MARKDOWN, "%s", c->advisor_md[r]);
		else
			block(d, VCL_RB_PARA, "%s",
			      c->advisor_note != NULL
				  ? c->advisor_note
				  : "The advisor was not built into this vclab, "
				    "so there is no placement advice here.");
	}
}

static void sec_definitions(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	struct vcl_rblock *l = NULL;
	const char *h = c->metrics_href;

	heading(d, 2, "definitions", "Definitions");
	block(d, VCL_RB_PARA, "Short forms; the full text is in [docs/metrics.md](%s).", h);
	list_item(d, &l,
		  "**Startup** ([more](%s#startup)): t0 just before the create call "
		  "(virDomainCreateXML, clone, fork) to the first `200` from `GET /healthz`, seen "
		  "from the host. Phases from the same t0: the create call returned; the payload's "
		  "READY line was seen; the first 200.",
		  h);
	list_item(d, &l,
		  "**Memory overhead** ([more](%s#memory-overhead)): host memory one idle instance "
		  "costs beyond the same payload run bare — PSS of all its host processes (plus "
		  "cgroup kernel memory) and, at density, the drop in MemAvailable per instance. "
		  "Both are reported.",
		  h);
	list_item(
	    d, &l,
	    "**Density** ([more](%s#density)): instances that reach ready and stay healthy "
	    "under a memory budget. **Scale-out rate**: instances per second for a burst of k "
	    "instances to all be ready.",
	    h);
	list_item(d, &l,
		  "**Autoscale reaction** ([more](%s#autoscale-reaction)): from the instance's CPU "
		  "use crossing the threshold to the first 200 of the instance launched in "
		  "response; *detect* is the time from load start to the crossing.",
		  h);
	list_item(d, &l,
		  "**Steady state** ([more](%s#steady-state)): latency percentiles and throughput "
		  "of the same `/work` request against each placement at a fixed concurrency.",
		  h);
	list_item(d, &l,
		  "**Statistics** ([more](%s#statistics)): n samples in launch order; percentiles "
		  "by linear interpolation (type 7); CV = standard deviation / mean; 95%% CI is a "
		  "percentile bootstrap of the median (2000 resamples, fixed seed).",
		  h);
	list_item(
	    d, &l,
	    "**Accelerator** ([more](%s#accelerator)): KVM is hardware virtualisation; TCG "
	    "is QEMU's software emulation, used when KVM is not usable. A TCG number is never "
	    "a KVM number.",
	    h);
}

void vcl_report_build(const struct vcl_report_ctx *c, struct vcl_rdoc *d, char ***warnings)
{
	size_t nw = 0;

	memset(d, 0, sizeof(*d));
	*warnings = xrealloc(NULL, sizeof(char *));
	(*warnings)[0] = NULL;
	if (c->n == 1) {
		d->title = vcl_rxasprintf("vclab report — run %s", c->runs[0].label);
	} else {
		char *t = vcl_rxstrdup("vclab comparison —");

		for (size_t r = 0; r < c->n; r++) {
			char *p = t;

			t = vcl_rxasprintf("%s%s %s", p, r > 0 ? " vs" : "", c->runs[r].label);
			free(p);
		}
		d->title = t;
	}
	heading(d, 1, "top", "%s", d->title);
	sec_header(d, c);
	sec_host(d, c, warnings, &nw);
	if (c->n > 1)
		sec_compare(d, c);
	sec_startup(d, c);
	sec_memory(d, c);
	sec_density(d, c);
	sec_autoscale(d, c);
	sec_steady(d, c);
	sec_errors(d, c);
	sec_advisor(d, c);
	sec_definitions(d, c);
}

void vcl_rdoc_free(struct vcl_rdoc *d)
{
	for (size_t i = 0; i < d->n; i++) {
		struct vcl_rblock *b = &d->b[i];

		free(b->id);
		free(b->text);
		if (b->cells != NULL) {
			for (size_t k = 0; k < b->rows * b->cols; k++)
				free(b->cells[k]);
			free(b->cells);
		}
	}
	free(d->b);
	free(d->title);
	memset(d, 0, sizeof(*d));
}

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
	l->runs = xrealloc(NULL, n * sizeof(*l->runs));
	l->labels = xrealloc(NULL, n * sizeof(char *));
	l->files = xrealloc(NULL, n * sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		struct json_object *root = NULL;
		const char *id, *slash;
		size_t same = 0;

		if (vcl_results_load(paths[i], &root, err) < 0) {
			loaded_free(l);
			return -1;
		}
		id = jstr(root, "run_id");
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

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warn(const char *fmt, ...)
{
	va_list ap;

	fputs("vclab report: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Run the advisor on one results file, capturing its markdown. */
static char *advisor_text(const char *path, char **note)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	struct vcl_error *e = NULL;
	int ret;

	if (vcl_advise_summary_md == NULL)
		return NULL;
	f = open_memstream(&buf, &len);
	if (f == NULL)
		abort();
	ret = vcl_advise_summary_md(path, f, &e);
	fclose(f);
	if (ret < 0) {
		char *m = esc(e != NULL && e->msg != NULL ? e->msg : "unknown error");

		free(*note);
		*note = vcl_rxasprintf("The advisor failed on this run: %s.", m);
		warn("advisor: %s", e != NULL && e->msg != NULL ? e->msg : "unknown error");
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
		warn("%s; the report has tables only", why);
	if (vcl_report_draw(&figs, figdir, gnuplot, err) < 0)
		goto out;

	note = vcl_rxstrdup(vcl_advise_summary_md == NULL
				? "The advisor was not built into this vclab "
				  "(`vcl_advise_summary_md` is not linked), so there is no "
				  "placement advice here."
				: "The advisor gave no summary for this run.");
	adv = xrealloc(NULL, n * sizeof(char *));
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
		warn("%s", warnings[i]);
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

static void report_usage(FILE *f)
{
	fprintf(f, "usage: vclab report [-o DIR] RESULTS.json [RESULTS.json...]\n"
		   "\n"
		   "Write DIR/report.md, DIR/report.html and DIR/figures/ (gnuplot scripts, SVG\n"
		   "and PNG). With several results files the report compares them against the\n"
		   "first and warns when their hosts differ.\n"
		   "\n"
		   "  -o, --output DIR   where to write (default: the folder of the first file)\n"
		   "  -h, --help         this text\n"
		   "\n"
		   "gnuplot: $VCLAB_GNUPLOT, else `gnuplot` on PATH; without it, tables only.\n");
}

int vcl_cmd_report(int argc, char **argv, struct vcl_error **err)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *outdir = NULL;
	int c;

	optind = 0; /* GNU getopt: full re-initialisation, the verb may run twice */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			outdir = optarg;
			break;
		case 'h':
			report_usage(stdout);
			return 0;
		default:
			return vcl_usage(
			    err, "Unknown or incomplete option '%s' (see vclab report --help)",
			    argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return vcl_usage(
		    err, "No results file given (usage: vclab report [-o DIR] RESULTS.json...)");
	if (vcl_report_write((const char *const *)argv + optind, (size_t)(argc - optind), outdir,
			     err) < 0)
		return -1;
	return 0;
}
