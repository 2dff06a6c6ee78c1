/* SPDX-License-Identifier: MIT */
/*
 * How a check is shown: the table for people and JUnit XML for CI servers.
 * Pure: both are built in memory (or written to a FILE the caller owns).
 */
/* clang-analyzer 14 does not model __attribute__((cleanup)), so every
 * cleanup_free variable looks leaked to it; LSan in `make asan` checks leaks. */
/* NOLINTBEGIN(clang-analyzer-unix.Malloc) */
#include <stdint.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/gate.h"
#include "core/cleanup.h"
#include "core/util.h"

/* Short, readable numbers: 196820 not 1.968e+05, 0.0889 not 0.08890000. */
static const char *fmt_num(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (isinf(v))
		snprintf(buf, len, "%sinf", v < 0 ? "-" : "");
	else if (fabs(v) >= 1e4)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.4g", v);
	return buf;
}

static void fmt_bounds(char *buf, size_t len, const struct vcl_bounds *b)
{
	char lo[32], hi[32];

	if (isinf(b->lo) && isinf(b->hi))
		snprintf(buf, len, "any");
	else if (isinf(b->lo))
		snprintf(buf, len, "<= %s", fmt_num(hi, sizeof(hi), b->hi));
	else if (isinf(b->hi))
		snprintf(buf, len, ">= %s", fmt_num(lo, sizeof(lo), b->lo));
	else
		snprintf(buf, len, "[%s, %s]", fmt_num(lo, sizeof(lo), b->lo),
			 fmt_num(hi, sizeof(hi), b->hi));
}

static void fmt_delta(char *buf, size_t len, double d)
{
	if (isnan(d))
		snprintf(buf, len, "-");
	else if (fabs(d) < 0.05) /* no "-0.0%" from the baseline's rounding */
		snprintf(buf, len, "+0.0%%");
	else
		snprintf(buf, len, "%+.1f%%", d);
}

/* One sentence on why a row failed or stood out. */
static void row_reason(FILE *f, const struct vcl_check_row *row)
{
	const struct vcl_metric *m = row->m;
	char v[32], bound[32], hi[32];

	switch (row->verdict) {
	case VCL_V_MISSING:
		fprintf(f, "missing from the results: %s", row->why != NULL ? row->why : "?");
		break;
	case VCL_V_REGRESSED:
	case VCL_V_IMPROVED:
		if (row->measured > m->b.hi)
			fprintf(f, "%s is above max %s", fmt_num(v, sizeof(v), row->measured),
				fmt_num(bound, sizeof(bound), m->b.hi));
		else
			fprintf(f, "%s is below min %s", fmt_num(v, sizeof(v), row->measured),
				fmt_num(bound, sizeof(bound), m->b.lo));
		if (isfinite(row->ci_lo))
			fprintf(f, ", and so is its whole 95%% CI [%s-%s]",
				fmt_num(v, sizeof(v), row->ci_lo),
				fmt_num(bound, sizeof(bound), row->ci_hi));
		fprintf(f, " (%s is better)", vcl_direction_name(m->dir));
		break;
	case VCL_V_PASS:
		if (row->within_noise)
			fprintf(f,
				"%s is beyond a bound but its 95%% CI [%s-%s] reaches back "
				"inside: within noise",
				fmt_num(v, sizeof(v), row->measured),
				fmt_num(bound, sizeof(bound), row->ci_lo),
				fmt_num(hi, sizeof(hi), row->ci_hi));
		else
			fprintf(f, "within bounds");
		break;
	}
}

static void host_line(FILE *f, const struct vcl_host_class *h)
{
	fprintf(f, "accelerator %s, cgroup %s, cpu '%s', ",
		h->accelerator != NULL ? h->accelerator : "any",
		h->cgroup != NULL ? h->cgroup : "any", h->cpu_model != NULL ? h->cpu_model : "any");
	if (h->cores >= 0)
		fprintf(f, "%ld cores", h->cores);
	else
		fprintf(f, "any core count");
}

void vcl_check_print(FILE *f, const struct vcl_baseline *b, const char *baseline_path,
		     const struct vcl_check_report *r, const char *results_path)
{
	static const char *const head[] = {"metric",   "baseline", "bounds", "better",
					   "measured", "delta",	   "verdict"};
	size_t w[ARRAY_SIZE(head)];
	char cell[ARRAY_SIZE(head)][160];
	int code = vcl_check_exit_code(r);
	bool first;

	fprintf(f, "baseline: %s (%s)", b->name, baseline_path);
	if (b->has_host) {
		fprintf(f, "\n  host class: ");
		host_line(f, &b->host);
	}
	fprintf(f, "\nresults:  %s (%s)\n\n", r->run_id != NULL ? r->run_id : "?", results_path);

	for (size_t c = 0; c < ARRAY_SIZE(head); c++)
		w[c] = strlen(head[c]);
	/* Two passes: widths, then rows. */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			for (size_t c = 0; c < ARRAY_SIZE(head); c++)
				fprintf(f, "%-*s%s", c + 1 < ARRAY_SIZE(head) ? (int)w[c] : 0,
					head[c], c + 1 < ARRAY_SIZE(head) ? "  " : "\n");
		}
		for (size_t i = 0; i < r->nrows; i++) {
			const struct vcl_check_row *row = &r->rows[i];

			snprintf(cell[0], sizeof(cell[0]), "%s", row->m->name);
			fmt_num(cell[1], sizeof(cell[1]), row->m->b.mid);
			fmt_bounds(cell[2], sizeof(cell[2]), &row->m->b);
			snprintf(cell[3], sizeof(cell[3]), "%s", vcl_direction_name(row->m->dir));
			fmt_num(cell[4], sizeof(cell[4]), row->measured);
			fmt_delta(cell[5], sizeof(cell[5]), row->delta_pct);
			snprintf(cell[6], sizeof(cell[6]), "%s%s", vcl_verdict_name(row->verdict),
				 row->within_noise ? " (noise)" : "");
			for (size_t c = 0; c < ARRAY_SIZE(head); c++) {
				if (pass == 0) {
					if (strlen(cell[c]) > w[c])
						w[c] = strlen(cell[c]);
				} else {
					fprintf(f, "%-*s%s",
						c + 1 < ARRAY_SIZE(head) ? (int)w[c] : 0, cell[c],
						c + 1 < ARRAY_SIZE(head) ? "  " : "\n");
				}
			}
		}
	}
	bool noise = false;

	for (size_t i = 0; i < r->nrows; i++)
		noise |= r->rows[i].within_noise;
	if (r->nregressed > 0 || r->nmissing > 0 || r->host_diff != NULL || r->incomplete ||
	    r->nimproved > 0 || noise)
		fputc('\n', f);
	for (size_t i = 0; i < r->nrows; i++) {
		const struct vcl_check_row *row = &r->rows[i];

		if (row->verdict != VCL_V_REGRESSED && row->verdict != VCL_V_MISSING &&
		    !row->within_noise)
			continue;
		fprintf(f, "%s %s: ", vcl_verdict_name(row->verdict), row->m->name);
		row_reason(f, row);
		fputc('\n', f);
	}
	if (r->host_diff != NULL)
		fprintf(f, "%s: the results come from another host class: %s%s\n",
			r->forced ? "warning" : "error", r->host_diff,
			r->forced ? " (judged anyway: --force)" : "");
	if (r->incomplete)
		fprintf(f, "%s: the run is incomplete: %s%s\n", r->forced ? "warning" : "FAIL",
			r->incomplete_reason != NULL ? r->incomplete_reason : "?",
			r->forced
			    ? " (judged anyway: --force)"
			    : " (an incomplete run fails the gate; --force judges the metrics "
			      "present)");
	if (r->nimproved > 0) {
		fprintf(f, "improved beyond bounds, so the baseline can be tightened: ");
		first = true;
		for (size_t i = 0; i < r->nrows; i++) {
			if (r->rows[i].verdict != VCL_V_IMPROVED)
				continue;
			fprintf(f, "%s%s", first ? "" : ", ", r->rows[i].m->name);
			first = false;
		}
		fprintf(f,
			"\n  to tighten: re-run `vclab baseline --from RUN/results.json... -o %s` "
			"from runs of this build on this host class, review and commit it\n",
			baseline_path);
	}
	fprintf(
	    f,
	    "\n%zu metrics: %zu pass, %zu improved, %zu regressed, %zu missing -> %s (exit %d)\n",
	    r->nrows, r->npass, r->nimproved, r->nregressed, r->nmissing,
	    code == 0 ? "PASS" : "FAIL", code);
}

/* ---- JUnit XML ---------------------------------------------------------- */

char *vcl_xml_escape(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	vcl_xml_put(f, s != NULL ? s : "", SIZE_MAX, VCL_ESC_APOS | VCL_ESC_CTRL);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Write s escaped; escaping failure (out of memory) writes nothing. */
static void xput(FILE *f, const char *s)
{
	cleanup_free char *e = vcl_xml_escape(s);

	if (e != NULL)
		fputs(e, f);
}

/* printf into a temporary string, then escaped. */
static void xprintf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void xprintf(FILE *f, const char *fmt, ...)
{
	cleanup_free char *s = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		s = NULL;
	else
		xput(f, s);
}

static void junit_case_open(FILE *f, const char *classname, const char *name)
{
	fputs("    <testcase classname=\"", f);
	xput(f, classname);
	fputs("\" name=\"", f);
	xput(f, name);
	fputs("\" time=\"0.000\">\n", f);
}

static void junit_metric(FILE *f, const char *classname, const struct vcl_check_row *row)
{
	const struct vcl_metric *m = row->m;
	cleanup_free char *expr = vcl_metric_expr(m);
	cleanup_free char *reason = NULL;
	size_t rlen = 0;
	char mid[32], lo[32], hi[32], v[32], d[32];
	FILE *rf;

	rf = open_memstream(&reason, &rlen);
	if (rf != NULL) {
		row_reason(rf, row);
		if (fclose(rf) != 0) {
			free(reason);
			reason = NULL;
		}
	}
	junit_case_open(f, classname, m->name);
	if (row->verdict == VCL_V_REGRESSED || row->verdict == VCL_V_MISSING) {
		fprintf(f, "      <failure type=\"%s\" message=\"",
			row->verdict == VCL_V_REGRESSED ? "regression" : "missing");
		xprintf(f, "%s: %s", vcl_verdict_name(row->verdict), reason != NULL ? reason : "?");
		fputs("\">", f);
		xprintf(f, "%s %s: %s", vcl_verdict_name(row->verdict), m->name,
			reason != NULL ? reason : "?");
		fputs("</failure>\n", f);
	}
	fputs("      <system-out>", f);
	xprintf(f,
		"path=%s check=%s direction=%s baseline=%s min=%s max=%s measured=%s delta=%s "
		"verdict=%s",
		expr != NULL ? expr : m->num, vcl_stat_name(m->stat), vcl_direction_name(m->dir),
		fmt_num(mid, sizeof(mid), m->b.mid), fmt_num(lo, sizeof(lo), m->b.lo),
		fmt_num(hi, sizeof(hi), m->b.hi), fmt_num(v, sizeof(v), row->measured),
		(fmt_delta(d, sizeof(d), row->delta_pct), d), vcl_verdict_name(row->verdict));
	if (row->verdict == VCL_V_IMPROVED)
		xprintf(f, " (%s; the baseline can be tightened: re-run vclab baseline)",
			reason != NULL ? reason : "");
	fputs("</system-out>\n    </testcase>\n", f);
}

char *vcl_junit_format(const struct vcl_baseline *b, const struct vcl_check_report *r,
		       const char *results_path, const char *timestamp, double elapsed_s)
{
	cleanup_free char *classname = NULL;
	char *buf = NULL;
	size_t len = 0, tests, failures, errors = 0;
	bool host_error = r->host_diff != NULL && !r->forced;
	bool incomplete_fail = r->incomplete && !r->forced;
	FILE *f;

	/* Jenkins splits classname at its last dot into package and class:
	 * keep the baseline name free of dots and odd characters. */
	if (asprintf(&classname, "vclab.check.%s", b->name != NULL ? b->name : "baseline") < 0)
		return NULL;
	for (char *c = classname + strlen("vclab.check."); *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
			*c = '_';

	tests = r->nrows + 1 + (b->has_host ? 1 : 0);
	failures = r->nregressed + r->nmissing + (incomplete_fail ? 1 : 0);
	errors = host_error ? 1 : 0;

	f = open_memstream(&buf, &len);
	if (f == NULL)
		return NULL;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f,
		"<testsuites name=\"vclab check\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
		"time=\"%.3f\">\n",
		tests, failures, errors, elapsed_s);
	fputs("  <testsuite name=\"", f);
	xput(f, classname);
	/* id, package and hostname: the Ant schema Jenkins follows wants them. */
	fprintf(f,
		"\" id=\"0\" package=\"vclab.check\" tests=\"%zu\" failures=\"%zu\" "
		"errors=\"%zu\" skipped=\"0\" time=\"%.3f\" hostname=\"",
		tests, failures, errors, elapsed_s);
	xput(f, r->hostname != NULL && r->hostname[0] != '\0' ? r->hostname : "localhost");
	fputc('"', f);
	if (timestamp != NULL) {
		fputs(" timestamp=\"", f);
		xput(f, timestamp);
		fputc('"', f);
	}
	fputs(">\n    <properties>\n", f);
	fputs("      <property name=\"baseline\" value=\"", f);
	xput(f, b->name);
	fputs("\"/>\n      <property name=\"results\" value=\"", f);
	xput(f, results_path);
	fputs("\"/>\n      <property name=\"run_id\" value=\"", f);
	xput(f, r->run_id != NULL ? r->run_id : "");
	fputs("\"/>\n    </properties>\n", f);

	if (b->has_host) {
		junit_case_open(f, classname, "host class");
		if (r->host_diff == NULL) {
			fputs("      <system-out>", f);
			xput(f, "results belong to the baseline's host class");
			fputs("</system-out>\n", f);
		} else if (host_error) {
			fputs("      <error type=\"host-class\" message=\"", f);
			xprintf(f, "results from another host class: %s", r->host_diff);
			fputs("\"/>\n", f);
		} else if (r->host_diff != NULL) {
			fputs("      <system-out>", f);
			xprintf(f, "host class differs (judged anyway: --force): %s", r->host_diff);
			fputs("</system-out>\n", f);
		}
		fputs("    </testcase>\n", f);
	}
	junit_case_open(f, classname, "run complete");
	if (incomplete_fail) {
		fputs("      <failure type=\"incomplete\" message=\"", f);
		xprintf(f, "the run is incomplete: %s",
			r->incomplete_reason != NULL ? r->incomplete_reason : "?");
		fputs("\"/>\n", f);
	} else if (r->incomplete) {
		fputs("      <system-out>", f);
		xprintf(f, "the run is incomplete (judged anyway: --force): %s",
			r->incomplete_reason != NULL ? r->incomplete_reason : "?");
		fputs("</system-out>\n", f);
	}
	fputs("    </testcase>\n", f);

	for (size_t i = 0; i < r->nrows; i++)
		junit_metric(f, classname, &r->rows[i]);
	fputs("  </testsuite>\n</testsuites>\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
/* NOLINTEND(clang-analyzer-unix.Malloc) */
