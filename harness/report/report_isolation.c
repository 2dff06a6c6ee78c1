/* SPDX-License-Identifier: MIT */
/*
 * The isolation section: what the probe (docs/isolation.md) could reach
 * from each placement, one column per placement and peer, one row per
 * fact; and, for the container family, what containerd's defaults forbid
 * and the probe could still do (core/isolation.h). Absent when no run
 * measured isolation (it runs only when named).
 */
#include <stdlib.h>
#include <string.h>

#include "core/isolation.h"
#include "core/results.h"
#include "report/report_int.h"

#define MAX_COLS 32

struct col {
	size_t run;
	const char *section, *name;
	struct json_object *iso;
};

static size_t collect(const struct vcl_report_ctx *c, struct col *cols)
{
	static const char *const sections[] = {"backends", "peers"};
	size_t n = 0;

	for (size_t r = 0; r < c->n; r++)
		for (size_t s = 0; s < 2; s++) {
			const char **names = vcl_report_names(c->runs, c->n, sections[s]);

			for (size_t i = 0; names[i] != NULL && n < MAX_COLS; i++) {
				struct json_object *iso = vcl_json_path(
				    vcl_rentry(&c->runs[r], sections[s], names[i]), "isolation");

				if (iso != NULL && json_object_is_type(iso, json_type_object))
					cols[n++] = (struct col){r, sections[s], names[i], iso};
			}
			free(names);
		}
	return n;
}

static const char *yes_no(struct json_object *iso, const char *path)
{
	struct json_object *v = vcl_json_path(iso, path);

	if (v == NULL || !json_object_is_type(v, json_type_boolean))
		return "—";
	return json_object_get_boolean(v) ? "yes" : "no";
}

static size_t array_len(struct json_object *iso, const char *path)
{
	struct json_object *a = vcl_json_path(iso, path);

	return a != NULL && json_object_is_type(a, json_type_array) ? json_object_array_length(a)
								    : 0;
}

/* One row: the fact, then one cell per column from cell(). */
static void row(struct tab *t, const char *fact, const struct col *cols, size_t n,
		char *(*cell)(struct json_object *iso, const void *arg), const void *arg)
{
	vcl_rtab_add(t, "%s", fact);
	for (size_t i = 0; i < n; i++)
		vcl_rtab_own(t, cell(cols[i].iso, arg));
}

static char *cell_str(const char *s)
{
	return vcl_resc(s);
}

/* s escaped and bold: what a placement let through. */
static char *bold(const char *s)
{
	char *e = vcl_resc(s), *out = NULL;

	if (asprintf(&out, "**%s**", e) < 0)
		out = NULL;
	free(e);
	return out != NULL ? out : cell_str(s);
}

static char *c_yes_no(struct json_object *iso, const void *path)
{
	return cell_str(yes_no(iso, path));
}

static char *c_text(struct json_object *iso, const void *path)
{
	const char *s = vcl_rjstr(iso, path);

	return cell_str(s != NULL ? s : "—");
}

static char *c_count(struct json_object *iso, const void *path)
{
	double v;
	char b[32];

	if (!vcl_rjnum(iso, path, &v))
		return cell_str("—");
	snprintf(b, sizeof(b), "%.0f", v);
	return cell_str(b);
}

static char *c_caps(struct json_object *iso, const void *arg)
{
	char b[64];

	(void)arg;
	if (vcl_json_path(iso, "caps.effective") == NULL)
		return cell_str("—");
	snprintf(b, sizeof(b), "%zu / %zu", array_len(iso, "caps.effective"),
		 array_len(iso, "caps.bounding"));
	return cell_str(b);
}

static char *c_has_cap(struct json_object *iso, const void *cap)
{
	if (vcl_json_path(iso, "caps.effective") == NULL)
		return cell_str("—");
	return vcl_isolation_has_cap(iso, "effective", cap) ? bold("yes") : cell_str("no");
}

/* "denied EPERM", "**allowed**", "allowed EINVAL" (the bad argument
 * refused after the permission checks), "absent ENOSYS". */
static char *c_call(struct json_object *iso, const void *key)
{
	char path[96], b[64];
	const char *r = vcl_isolation_call_result(iso, key), *en;

	if (r == NULL)
		return cell_str("—");
	snprintf(path, sizeof(path), "syscalls.%s.errno", (const char *)key);
	en = vcl_rjstr(iso, path);
	snprintf(b, sizeof(b), "%s%s%s", r, en != NULL ? " " : "", en != NULL ? en : "");
	return strcmp(r, "allowed") == 0 ? bold(b) : cell_str(b);
}

static char *c_kallsyms(struct json_object *iso, const void *arg)
{
	const char *s = vcl_rjstr(iso, "paths.kallsyms");

	(void)arg;
	if (s != NULL && strcmp(s, "addresses") == 0)
		return bold("yes");
	return cell_str(s == NULL ? "—" : "no");
}

static char *c_masked(struct json_object *iso, const void *arg)
{
	struct json_object *m = vcl_json_path(iso, "paths.masked");
	unsigned readable = 0, total = 0;
	char b[32];

	(void)arg;
	if (m == NULL || !json_object_is_type(m, json_type_object))
		return cell_str("—");
	json_object_object_foreach(m, k, v)
	{
		(void)k;
		total++;
		readable += strcmp(json_object_get_string(v), "readable") == 0;
	}
	snprintf(b, sizeof(b), "%u of %u", readable, total);
	return cell_str(b);
}

static char *c_devices(struct json_object *iso, const void *arg)
{
	double ch, bl;
	char b[64];

	(void)arg;
	if (!vcl_rjnum(iso, "devices.char", &ch) || !vcl_rjnum(iso, "devices.block", &bl))
		return cell_str("—");
	snprintf(b, sizeof(b), "%.0f char, %.0f block", ch, bl);
	return cell_str(b);
}

static char *c_ifaces(struct json_object *iso, const void *arg)
{
	struct json_object *a = vcl_json_path(iso, "net.interfaces");
	char b[256] = "";
	size_t len = 0;

	(void)arg;
	if (a == NULL || !json_object_is_type(a, json_type_array))
		return cell_str("—");
	for (size_t i = 0; i < json_object_array_length(a) && len < sizeof(b); i++)
		len += (size_t)snprintf(b + len, sizeof(b) - len, "%s%s", i ? " " : "",
					json_object_get_string(json_object_array_get_idx(a, i)));
	return cell_str(b[0] != '\0' ? b : "none");
}

static char *c_cri(struct json_object *iso, const void *arg)
{
	double n;
	char b[32];

	(void)arg;
	if (!vcl_rjnum(iso, "cri_violations", &n))
		return cell_str("—");
	if (n == 0)
		return cell_str("none");
	snprintf(b, sizeof(b), "%.0f", n);
	return bold(b);
}

static void header(struct tab *t, const struct vcl_report_ctx *c, const struct col *cols, size_t n)
{
	memset(t, 0, sizeof(*t));
	vcl_rtab_add(t, "what the probe could do");
	for (size_t i = 0; i < n; i++) {
		char lab[128];

		char full[300];

		vcl_report_plabel(&c->runs[cols[i].run], cols[i].section, cols[i].name, lab,
				  sizeof(lab));
		if (c->n > 1)
			snprintf(full, sizeof(full), "%s, %s", lab, c->runs[cols[i].run].label);
		else
			snprintf(full, sizeof(full), "%s", lab);
		vcl_rtab_own(t, vcl_resc(full));
	}
	t->cols = t->n;
}

/* Below the table: the kernels, and each container's departures from
 * containerd's defaults, named. */
static void notes(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const struct col *cols,
		  size_t n)
{
	char kernels[1024] = "";
	size_t len = 0;

	for (size_t i = 0; i < n && len < sizeof(kernels); i++) {
		const char *rel = vcl_rjstr(cols[i].iso, "kernel.release");
		const char *same = yes_no(cols[i].iso, "kernel.host_kernel");
		char lab[128];

		vcl_report_plabel(&c->runs[cols[i].run], cols[i].section, cols[i].name, lab,
				  sizeof(lab));
		len += (size_t)snprintf(kernels + len, sizeof(kernels) - len, "%s%s %s%s",
					i ? "; " : "", lab, rel != NULL ? rel : "?",
					strcmp(same, "yes") == 0  ? " (the host's)"
					: strcmp(same, "no") == 0 ? " (not the host's)"
								  : "");
	}
	if (kernels[0] != '\0') {
		char *e = vcl_resc(kernels);

		vcl_rdoc_block(d, VCL_RB_PARA,
			       "Kernels the probe saw (uname; the host's when its boot id "
			       "matched): %s.",
			       e);
		free(e);
	}
	for (size_t i = 0; i < n; i++) {
		const char *why = vcl_rjstr(cols[i].iso, "cri_violations_are");
		char lab[128];

		if (why == NULL)
			continue;
		vcl_report_plabel(&c->runs[cols[i].run], cols[i].section, cols[i].name, lab,
				  sizeof(lab));
		{
			char *el = vcl_resc(lab), *ew = vcl_resc(why);

			vcl_rdoc_block(d, VCL_RB_WARNING,
				       "**%s did what containerd's defaults forbid:** %s.", el, ew);
			free(el);
			free(ew);
		}
	}
}

void vcl_rsec_isolation(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	struct col cols[MAX_COLS];
	size_t n = collect(c, cols);
	struct tab t;
	const char *slash = strrchr(c->metrics_href, '/');
	/* docs/isolation.md beside the metrics page the report links to */
	int dir = slash != NULL ? (int)(slash - c->metrics_href + 1) : 0;

	if (n == 0)
		return;
	vcl_rdoc_heading(d, 2, "isolation", "Isolation: what a service can reach");
	vcl_rdoc_block(
	    d, VCL_RB_PARA,
	    "The isolation probe (`vclab-isoprobe`) ran as the service in each placement, "
	    "the way a user's image runs there, and tried each call below harmlessly: "
	    "*denied* means the kernel or a seccomp filter refused it (EPERM, EACCES); "
	    "**allowed** means it passed the permission checks (and then failed on a "
	    "deliberately bad argument, as the errno says, or did its private thing and "
	    "undid it); *absent* means that kernel lacks the call or the feature "
	    "(ENOSYS, EOPNOTSUPP, EAFNOSUPPORT, ENODEV). Capabilities are "
	    "effective / bounding. The *containerd defaults* row counts, for containers, "
	    "what containerd's CRI defaults forbid and the probe could still do "
	    "([docs/isolation.md](%.*sisolation.md)).",
	    dir, c->metrics_href);
	header(&t, c, cols, n);
	row(&t, "runs on the host kernel", cols, n, c_yes_no, "kernel.host_kernel");
	row(&t, "capabilities", cols, n, c_caps, NULL);
	row(&t, "CAP_SYS_ADMIN", cols, n, c_has_cap, "cap_sys_admin");
	row(&t, "no_new_privs", cols, n, c_yes_no, "no_new_privs");
	row(&t, "seccomp", cols, n, c_text, "seccomp");
	for (size_t k = 0; k < vcl_isolation_ncalls; k++)
		row(&t, vcl_isolation_calls[k].label, cols, n, c_call, vcl_isolation_calls[k].key);
	row(&t, "processes visible", cols, n, c_count, "pids.visible");
	row(&t, "a host process visible", cols, n, c_yes_no, "pids.host_pid_visible");
	row(&t, "network interfaces", cols, n, c_ifaces, NULL);
	row(&t, "kernel addresses in /proc/kallsyms", cols, n, c_kallsyms, NULL);
	row(&t, "/proc/sys writable", cols, n, c_yes_no, "paths.proc_sys_writable");
	row(&t, "/sys writable", cols, n, c_yes_no, "paths.sys_writable");
	row(&t, "paths containerd masks, readable", cols, n, c_masked, NULL);
	row(&t, "devices in /dev", cols, n, c_devices, NULL);
	row(&t, "containerd defaults broken", cols, n, c_cri, NULL);
	vcl_rdoc_table(d, &t);
	notes(d, c, cols, n);
}
