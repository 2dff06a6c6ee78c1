/* SPDX-License-Identifier: MIT */
/*
 * vclab report: the pieces every section of the document model is built
 * with. Allocation and number formatting, access to results.json, placement
 * labels, and the builder primitives (blocks, tables, lists, figures). All
 * pure, like the sections built on them (report_host.c, report_scenarios.c,
 * report_build.c).
 */
#include "report/report_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/results.h"
#include "core/util.h"

/* ---- allocation and formatting helpers ---- */

void *vcl_rxrealloc(void *p, size_t size)
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
const char *vcl_rnum(double v, char *buf, size_t len)
{
	vcl_report_fmt_num(v, buf, len);
	return buf;
}

/* Escape free text from a results file for the inline markup (and for
 * markdown, which honours the same backslash escapes). Newlines become
 * spaces: every text field renders on one line. */
char *vcl_resc(const char *s)
{
	size_t n = strlen(s != NULL ? s : "");
	char *out = vcl_rxrealloc(NULL, 2 * n + 1), *o = out;

	for (const char *p = s != NULL ? s : ""; *p != '\0'; p++) {
		if (strchr("\\*`[]_|<>#", *p) != NULL)
			*o++ = '\\';
		*o++ = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p;
	}
	*o = '\0';
	return out;
}

/* ---- results access ---- */

bool vcl_rjnum(struct json_object *o, const char *path, double *v)
{
	return o != NULL && vcl_json_path_double(o, path, v) == 0 && isfinite(*v);
}

const char *vcl_rjstr(struct json_object *o, const char *path)
{
	struct json_object *x = o != NULL ? vcl_json_path(o, path) : NULL;

	return x != NULL && json_object_is_type(x, json_type_string) ? json_object_get_string(x)
								     : NULL;
}

bool vcl_rjbool(struct json_object *o, const char *path, bool *v)
{
	struct json_object *x = o != NULL ? vcl_json_path(o, path) : NULL;

	if (x == NULL || !json_object_is_type(x, json_type_boolean))
		return false;
	*v = json_object_get_boolean(x);
	return true;
}

/* backends.<name> or peers.<name> (names may hold dots or dashes). */
struct json_object *vcl_rentry(const struct vcl_report_run *run, const char *section,
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
	const struct vcl_backend_ops *const *order = vcl_backends;
	const char **v = NULL;
	size_t len = 0;

	v = vcl_rxrealloc(v, sizeof(*v));
	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t r = 0; r < n; r++) {
			struct json_object *sec = vcl_json_path(runs[r].root, section);

			if (sec == NULL || !json_object_is_type(sec, json_type_object))
				continue;
			json_object_object_foreach(sec, key, val)
			{
				bool known = vcl_backends_find(key) != NULL, dup = false;

				(void)val;
				/* Pass 0 collects known names in their fixed order below;
				 * pass 1 appends the others in file order. */
				if (pass == 0 || known)
					continue;
				for (size_t i = 0; i < len; i++)
					dup = dup || strcmp(v[i], key) == 0;
				if (dup)
					continue;
				v = vcl_rxrealloc(v, (len + 2) * sizeof(*v));
				v[len++] = key;
			}
		}
		if (pass == 0) {
			for (size_t i = 0; order[i] != NULL; i++) {
				for (size_t r = 0; r < n; r++) {
					if (vcl_rentry(&runs[r], section, order[i]->name) != NULL) {
						v = vcl_rxrealloc(v, (len + 2) * sizeof(*v));
						v[len++] = order[i]->name;
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
	const char *a = NULL;

	/* A VM placement's own record first (bench writes it on each). */
	for (const struct vcl_backend_ops *const *b = vcl_backends; *b != NULL && a == NULL; b++)
		if (!(*b)->is_peer && vcl_backend_is_vm(*b))
			a = vcl_rjstr(vcl_rentry(run, "backends", (*b)->name), "accelerator");
	if (a == NULL)
		a = vcl_rjstr(run->root, "config.vm.accelerator");
	if (a == NULL)
		a = vcl_rjstr(run->root, "host.accelerator");
	return a;
}

/* "TCG" for "tcg": accelerators read in capitals in prose and labels. */
void vcl_rupper(const char *s, char *buf, size_t len)
{
	size_t i = 0;

	for (; s != NULL && s[i] != '\0' && i + 1 < len; i++)
		buf[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 'a' + 'A' : s[i]);
	buf[i] = '\0';
}

const struct vcl_backend_ops *vcl_report_ops(const struct vcl_report_run *run, const char *section,
					     const char *name)
{
	const struct vcl_backend_ops *ops = vcl_backends_find(name);

	return ops != NULL ? ops
			   : vcl_backends_find(vcl_rjstr(vcl_rentry(run, section, name), "family"));
}

bool vcl_report_is_vm(const struct vcl_report_run *run, const char *section, const char *name)
{
	const struct vcl_backend_ops *ops = vcl_report_ops(run, section, name);

	return ops != NULL && vcl_backend_is_vm(ops);
}

/* The entry that says how a sandbox ran (platform, network): the top
 * level's, else the first service's that ran it. These are the host's
 * and the run's facts, alike for every service of the run. */
static struct json_object *sandbox_entry(const struct vcl_report_run *run, const char *section,
					 const char *name)
{
	struct json_object *o = vcl_rentry(run, section, name), *svcs = NULL;

	if (vcl_rjstr(o, "platform") != NULL ||
	    !json_object_object_get_ex(run->root, "services", &svcs) ||
	    !json_object_is_type(svcs, json_type_object))
		return o;
	json_object_object_foreach(svcs, svc, v)
	{
		struct json_object *e = vcl_json_path(v, section), *x = NULL;

		(void)svc;
		if (e != NULL && json_object_object_get_ex(e, name, &x) &&
		    vcl_rjstr(x, "platform") != NULL)
			return x;
	}
	return o;
}

void vcl_report_plabel(const struct vcl_report_run *run, const char *section, const char *name,
		       char *buf, size_t len)
{
	const struct vcl_backend_ops *ops = vcl_report_ops(run, section, name);
	const char *accel = ops != NULL && ops->accel_labelled ? vcl_report_vm_accel(run) : NULL;
	struct json_object *sb = sandbox_entry(run, section, name);
	const char *platform = vcl_rjstr(sb, "platform");
	char acc[16];

	/* A gVisor sandbox says which platform trapped its system calls and
	 * which network it had, as a VM says TCG. */
	if (platform != NULL && platform[0] != '\0') {
		const char *net = vcl_rjstr(sb, "network");

		snprintf(buf, len, "%s (%s%s%s)", name, platform, net != NULL ? ", net " : "",
			 net != NULL ? net : "");
		return;
	}
	if (accel == NULL) {
		snprintf(buf, len, "%s", name);
		return;
	}
	vcl_rupper(accel, acc, sizeof(acc));
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
		d->b = vcl_rxrealloc(d->b, d->cap * sizeof(*d->b));
	}
	b = &d->b[d->n++];
	memset(b, 0, sizeof(*b));
	b->kind = k;
	return b;
}

void vcl_rdoc_heading(struct vcl_rdoc *d, int level, const char *id, const char *fmt, ...)
{
	struct vcl_rblock *b = push(d, VCL_RB_HEADING);
	va_list ap;

	b->level = level;
	b->id = vcl_rxstrdup(id);
	va_start(ap, fmt);
	b->text = xvasprintf(fmt, ap);
	va_end(ap);
}

void vcl_rdoc_block(struct vcl_rdoc *d, enum vcl_rblock_kind k, const char *fmt, ...)
{
	struct vcl_rblock *b = push(d, k);
	va_list ap;

	va_start(ap, fmt);
	b->text = xvasprintf(fmt, ap);
	va_end(ap);
}

void vcl_rtab_add(struct tab *t, const char *fmt, ...)
{
	va_list ap;

	if (t->n == t->cap) {
		t->cap = t->cap != 0 ? 2 * t->cap : 32;
		t->cells = vcl_rxrealloc(t->cells, t->cap * sizeof(*t->cells));
	}
	va_start(ap, fmt);
	t->cells[t->n++] = xvasprintf(fmt, ap);
	va_end(ap);
}

/* Take ownership of an already formatted cell. */
void vcl_rtab_own(struct tab *t, char *s)
{
	vcl_rtab_add(t, "%s", s);
	free(s);
}

void vcl_rtab_num(struct tab *t, bool have, double v)
{
	char b[32];

	if (have)
		vcl_rtab_add(t, "%s", vcl_rnum(v, b, sizeof(b)));
	else
		vcl_rtab_add(t, "—");
}

/* The number at path in o, scaled, or a dash when it is absent. (A helper
 * rather than vcl_rtab_num(t, vcl_rjnum(o, p, &v), v): argument order is unspecified.) */
void vcl_rtab_j(struct tab *t, struct json_object *o, const char *path, double scale)
{
	double v = 0;
	bool have = vcl_rjnum(o, path, &v);

	vcl_rtab_num(t, have, v * scale);
}

/* A count (n, instances, connections): always a whole number. */
void vcl_rtab_count(struct tab *t, struct json_object *o, const char *path)
{
	double v = 0;

	if (vcl_rjnum(o, path, &v))
		vcl_rtab_add(t, "%.0f", v);
	else
		vcl_rtab_add(t, "—");
}

/* A table with a "run" column first when the report compares runs. hdr is
 * NULL-terminated; numeric is the mask without the run column. */
void vcl_rtab_init(struct tab *t, const struct vcl_report_ctx *c, unsigned numeric,
		   const char *const *hdr)
{
	memset(t, 0, sizeof(*t));
	if (c->n > 1) {
		vcl_rtab_add(t, "run");
		numeric <<= 1;
	}
	for (size_t i = 0; hdr[i] != NULL; i++)
		vcl_rtab_add(t, "%s", hdr[i]);
	t->cols = t->n;
	t->numeric = numeric;
}

void vcl_rtab_row(struct tab *t, const struct vcl_report_ctx *c, size_t r)
{
	if (c->n > 1) {
		char *e = vcl_resc(c->runs[r].label);

		vcl_rtab_own(t, e);
	}
}

size_t vcl_rtab_rows(const struct tab *t)
{
	return t->cols != 0 ? t->n / t->cols : 0;
}

/* Move the table into the document when it has body rows; free it always. */
bool vcl_rdoc_table(struct vcl_rdoc *d, struct tab *t)
{
	if (t->cols == 0 || t->n % t->cols != 0)
		abort(); /* a row with the wrong number of cells is a bug here */
	if (vcl_rtab_rows(t) < 2) {
		for (size_t i = 0; i < t->n; i++)
			free(t->cells[i]);
		free(t->cells);
		memset(t, 0, sizeof(*t));
		return false;
	}
	{
		struct vcl_rblock *b = push(d, VCL_RB_TABLE);

		b->rows = vcl_rtab_rows(t);
		b->cols = t->cols;
		b->cells = t->cells;
		b->numeric = t->numeric;
	}
	memset(t, 0, sizeof(*t));
	return true;
}

void vcl_rdoc_list_item(struct vcl_rdoc *d, struct vcl_rblock **lst, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	if (*lst == NULL) {
		*lst = push(d, VCL_RB_LIST);
	}
	i = (*lst)->rows++;
	(*lst)->cols = 1;
	(*lst)->cells = vcl_rxrealloc((*lst)->cells, (*lst)->rows * sizeof(char *));
	va_start(ap, fmt);
	(*lst)->cells[i] = xvasprintf(fmt, ap);
	va_end(ap);
}

/* Figures of a section, in planning order, after the caveat about other
 * runs active while it was measured. Without gnuplot there are none: the
 * report says so once, near the top. */
void vcl_rdoc_figures(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const char *section)
{
	/* Beside the figures (and tables) of the section: other runs active
	 * while it was measured, whether or not figures are drawn. */
	vcl_rsec_concurrent(d, c, section);
	if (c->gnuplot_missing != NULL || c->figs == NULL)
		return;
	for (size_t i = 0; i < c->figs->n; i++) {
		if (strcmp(c->figs->v[i].section, section) == 0)
			push(d, VCL_RB_FIGURE)->fig = &c->figs->v[i];
	}
}

void vcl_rjoin(char **acc, char *item, const char *sep)
{
	char *t;

	if (*acc == NULL) {
		*acc = item;
		return;
	}
	t = vcl_rxasprintf("%s%s%s", *acc, sep, item);
	free(*acc);
	free(item);
	*acc = t;
}

/* Placements listed in config.backends that have no data under key. */
void vcl_rdoc_not_measured(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const char *scenario,
			   const char *key)
{
	for (size_t r = 0; r < c->n; r++) {
		const struct vcl_report_run *run = &c->runs[r];
		struct json_object *want = vcl_json_path(run->root, "config.backends");
		struct json_object *scen = vcl_json_path(run->root, "config.scenarios");
		char *in = c->n > 1 ? vcl_rxasprintf(" in %s", run->label) : vcl_rxstrdup("");
		char *missing = NULL;

		if (scen != NULL && !in_list(scen, scenario)) {
			vcl_rdoc_block(d, VCL_RB_PARA,
				       "The %s scenario was not run%s (not in config.scenarios).",
				       scenario, in);
			free(in);
			continue;
		}
		for (size_t i = 0; want != NULL && json_object_is_type(want, json_type_array) &&
				   i < json_object_array_length(want);
		     i++) {
			const char *b = json_object_get_string(json_object_array_get_idx(want, i));
			struct json_object *e;

			if (b == NULL)
				continue;
			e = vcl_rentry(run, "backends", b);
			if (e != NULL && vcl_json_path(e, key) != NULL &&
			    !json_object_is_type(vcl_json_path(e, key), json_type_null))
				continue;
			vcl_rjoin(&missing, vcl_resc(b), ", ");
		}
		if (missing != NULL)
			vcl_rdoc_block(
			    d, VCL_RB_PARA,
			    "Not measured%s: %s (asked for in config.backends; see Errors).", in,
			    missing);
		free(missing);
		free(in);
	}
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
