/* SPDX-License-Identifier: MIT */
/*
 * Advisor output: a table for people (fits 100 columns), JSON for tools,
 * and with explain the full rule trace. Renders to any FILE *, so the
 * golden tests compare exactly what the CLI prints.
 */
#include "advise/advise.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/cleanup.h"

#define WIDTH 100

/* Print text word-wrapped to WIDTH: first line after lead, the rest after
 * cont (both all spaces or a short marker). */
/* gvisor is shown only where the results measured it (advise.h,
 * vcl_decision.sandbox): advice on results without it reads as before. */
static bool shown(const struct vcl_measured *m, int p)
{
	return p != VCL_GVISOR || m->b[p].present;
}

static void wrapped(FILE *out, const char *lead, const char *cont, const char *text)
{
	size_t col = strlen(lead);
	const char *p = text;

	fputs(lead, out);
	while (*p != '\0') {
		const char *end = strchr(p, ' ');
		size_t w = end != NULL ? (size_t)(end - p) : strlen(p);

		if (col > strlen(cont) && col + 1 + w > WIDTH && p != text) {
			fprintf(out, "\n%s", cont);
			col = strlen(cont);
		} else if (p != text) {
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, w, out);
		col += w;
		p += w;
		while (*p == ' ')
			p++;
	}
	fputc('\n', out);
}

static const char *mem_text(double mib, char *buf, size_t len)
{
	if (mib >= 1024.0 * 1024.0)
		snprintf(buf, len, "%.1f TiB", mib / 1024.0 / 1024.0);
	else if (mib >= 1024.0)
		snprintf(buf, len, "%.1f GiB", mib / 1024.0);
	else
		snprintf(buf, len, "%.0f MiB", mib);
	return buf;
}

const char *vcl_advise_text(const struct vcl_decision *d)
{
	switch (d->verdict) {
	case VCL_ADVICE_OK:
		return vcl_place_name((enum vcl_place)d->place);
	case VCL_ADVICE_NONE:
		return "none";
	case VCL_ADVICE_UNJUDGED:
		return "?";
	}
	return "?";
}

static void header(FILE *out, const struct vcl_measured *m, const struct vcl_advise_input *in)
{
	bool first = true, vm = m->b[VCL_VM].present, fallback = false;

	/* VM numbers may be only the measured services' (a --manifest run). */
	for (size_t i = 0; i < m->nsvc; i++)
		vm |= m->svc[i].b[VCL_VM].present;
	/* The top level's gaps matter only to a service judged on them. */
	for (size_t i = 0; i < in->nsvc; i++)
		fallback |= vcl_service_find_fact(&in->svc[i], VCL_FACT_NUMBERS) == NULL;

	fprintf(out, "vclab advise: results %s (run %s, host %s, accelerator %s%s)\n", m->source,
		m->run_id, m->host, m->accel, m->complete ? "" : ", INCOMPLETE run");
	/* The warning is about VM numbers: only when there are some. */
	if (m->tcg && vm) {
		fputs("\n", out);
		wrapped(out, "!! ", "!! ",
			"WARNING: the vm numbers were measured under TCG (software emulation, no "
			"KVM). TCG overstates VM startup and CPU cost many times over compared "
			"with KVM, so advice against vm rests on pessimistic numbers. Re-run "
			"`vclab bench` on a KVM host before relying on it.");
	} else if (!m->tcg && strcmp(m->accel, "kvm") != 0 && vm) {
		fputs("\n", out);
		wrapped(out, "!! ", "!! ",
			"WARNING: the results do not say which accelerator the vm numbers came "
			"from (kvm or tcg): treat vm numbers with care.");
	}
	for (int p = 0; p < VCL_NPLACE; p++) {
		char why[600];

		if (m->b[p].present || !fallback || !shown(m, p))
			continue;
		vcl_advise_not_measured(m, (enum vcl_place)p, why, sizeof(why));
		fprintf(out, "%snot judged: %s\n", first ? "\n" : "", why);
		first = false;
	}
}

static void table(FILE *out, const struct vcl_advise_input *in, const struct vcl_decision *d)
{
	fprintf(out, "\n%-20s  %5s  %8s  %5s  %-6s  %-6s  %s\n", "SERVICE", "REPL", "MEM/REPL",
		"CPU", "ADVICE", "CONF", "KUBERNETES");
	for (size_t i = 0; i < in->nsvc; i++) {
		const struct vcl_service *s = &in->svc[i];
		struct vcl_k8s_realise k = {0};
		char name[24], mem[32], cpu[16];

		if (strlen(s->name) > 20)
			snprintf(name, sizeof(name), "%.19s~", s->name);
		else
			snprintf(name, sizeof(name), "%.20s", s->name);
		if (s->mem_given)
			mem_text(s->mem_mib, mem, sizeof(mem));
		else
			snprintf(mem, sizeof(mem), "-");
		if (s->cpu_given)
			snprintf(cpu, sizeof(cpu), "%.*f",
				 s->cpu < 10.0	  ? 2
				 : s->cpu < 100.0 ? 1
						  : 0,
				 s->cpu);
		else
			snprintf(cpu, sizeof(cpu), "-");
		if (d[i].verdict == VCL_ADVICE_OK)
			vcl_advise_k8s(s, (enum vcl_place)d[i].place, &k);
		fprintf(out, "%-20s  %5ld  %8s  %5s  %-6s  %-6s  %s\n", name, s->replicas, mem, cpu,
			vcl_advise_text(&d[i]),
			d[i].verdict == VCL_ADVICE_OK ? vcl_confidence_name(d[i].conf) : "-",
			d[i].verdict == VCL_ADVICE_OK ? k.text : "no placement (see below)");
	}
}

static void service_inputs(FILE *out, const struct vcl_service *s)
{
	char line[512], mem[32], slo[32];
	static const char *const hw[] = {
	    "none",    "nic",	      "gpu",	     "nic+gpu",
	    "storage", "nic+storage", "gpu+storage", "nic+gpu+storage"};

	if (s->slo_ms > 0.0)
		snprintf(slo, sizeof(slo), "%g ms", s->slo_ms);
	else
		snprintf(slo, sizeof(slo), "none");
	snprintf(line, sizeof(line),
		 "input: %s, %ld replicas x %s, cpu %s%.2f, tenancy %s%s, startup SLO %s, "
		 "%g scale-outs/h, latency %s, own kernel %s, direct hardware %s, dedicated "
		 "cores %s",
		 s->kind, s->replicas, s->mem_given ? mem_text(s->mem_mib, mem, sizeof(mem)) : "?",
		 s->cpu_given ? "" : "~", s->cpu, vcl_tenancy_name(s->tenancy),
		 s->tenancy_given ? "" : " (assumed)", slo, s->scale_per_hour,
		 vcl_latency_name(s->latency), s->own_kernel ? "yes" : "no", hw[s->hw & 7u],
		 s->dedicated_cores ? "yes" : "no");
	wrapped(out, "  ", "    ", line);
	for (size_t i = 0; i < s->nfacts; i++) {
		static const char *const kinds[] = {"host",	 "device",  "tenancy",
						    "hpa",	 "runtime", "pod-security",
						    "hardening", "numbers"};

		snprintf(line, sizeof(line), "fact (%s): %s  [%s]", kinds[s->facts[i].kind],
			 s->facts[i].text, s->facts[i].at);
		wrapped(out, "  ", "    ", line);
	}
}

static const char *kind_mark(enum vcl_step_kind k)
{
	switch (k) {
	case VCL_STEP_INFO:
		return "ok";
	case VCL_STEP_EXCLUDE:
		return "OUT";
	case VCL_STEP_NOTE:
		return "note";
	case VCL_STEP_COST:
		return "cost";
	case VCL_STEP_DECIDE:
		return "=>";
	}
	return "?";
}

static void reasons(FILE *out, const struct vcl_advise_input *in, const struct vcl_decision *d,
		    bool explain)
{
	fprintf(out, "\n%s\n", explain ? "Trace (every rule, in order)" : "Why");
	for (size_t i = 0; i < in->nsvc; i++) {
		const struct vcl_service *s = &in->svc[i];

		if (d[i].verdict == VCL_ADVICE_OK)
			fprintf(out, "\n%s -> %s (confidence %s)  [%s]\n", s->name,
				vcl_advise_text(&d[i]), vcl_confidence_name(d[i].conf), s->origin);
		else if (d[i].verdict == VCL_ADVICE_NONE)
			fprintf(out, "\n%s -> no placement satisfies all constraints  [%s]\n",
				s->name, s->origin);
		else
			fprintf(out, "\n%s -> cannot judge with these results  [%s]\n", s->name,
				s->origin);
		if (explain)
			service_inputs(out, s);
		for (size_t j = 0; j < d[i].nsteps; j++) {
			const struct vcl_step *st = &d[i].steps[j];
			char lead[48];

			if (!explain) {
				/* Unmeasured placements are said once, above the
				 * table; repeating them per service is noise. */
				if (!st->reason || (strcmp(st->rule, "measured") == 0 &&
						    d[i].verdict != VCL_ADVICE_UNJUDGED))
					continue;
				wrapped(out, "  - ", "    ", st->text);
				continue;
			}
			snprintf(lead, sizeof(lead), "  %-4s %-10s %-4s ", kind_mark(st->kind),
				 st->rule,
				 st->place >= 0 ? vcl_place_name((enum vcl_place)st->place) : "*");
			wrapped(out, lead, "                       ", st->text);
		}
	}
}

/* Which services change placement if their startup SLO tightens. */
static void slo_changes(FILE *out, const struct vcl_advise_input *in, const struct vcl_decision *d)
{
	bool any = false;

	for (size_t i = 0; i < in->nsvc; i++) {
		char a[32];

		if (!d[i].slo_changes)
			continue;
		if (!any)
			fputs("\nIf startup SLOs tighten (the advice changes below):\n", out);
		any = true;
		if (d[i].slo_change_ms >= 100.0)
			snprintf(a, sizeof(a), "%.0f", d[i].slo_change_ms);
		else
			snprintf(a, sizeof(a), "%.2f", d[i].slo_change_ms);
		fprintf(out, "  %-20.20s  %-4s -> %-12s below %s ms\n", in->svc[i].name,
			vcl_advise_text(&d[i]),
			d[i].slo_change_place >= 0
			    ? vcl_place_name((enum vcl_place)d[i].slo_change_place)
			    : "no placement",
			a);
	}
	if (!any)
		fputs("\nIf startup SLOs tighten: no service changes placement before its SLO "
		      "drops below the fastest measured p95.\n",
		      out);
}

static void totals(FILE *out, const struct vcl_measured *m, const struct vcl_advise_input *in,
		   const struct vcl_decision *d)
{
	struct vcl_totals t;
	char mem[32], ovh[32];

	vcl_advise_totals(in, d, m, &t);
	fprintf(out,
		"\nHost memory for %ld replicas: replicas x (memory per replica + measured "
		"overhead)\n",
		t.replicas);
	for (int p = 0; p < VCL_NPLACE; p++) {
		const char *name = vcl_place_name((enum vcl_place)p);

		if (!shown(m, p))
			continue;
		if (!t.ok[p]) {
			fprintf(
			    out,
			    "  all %-4s    %10s  (backends.%s.memory.overhead_kib not measured)\n",
			    name, "n/a", name);
			continue;
		}
		fprintf(out, "  all %-4s    %10s  of which overhead %s (%.0f KiB per replica%s)\n",
			name, mem_text(t.mib[p], mem, sizeof(mem)),
			mem_text(t.overhead_mib[p], ovh, sizeof(ovh)), m->b[p].overhead_kib,
			p == VCL_VM && m->tcg ? ", TCG" : "");
	}
	if (t.advised_missing == in->nsvc) {
		fprintf(out,
			"  as advised  %10s  (no service has a placement with measured overhead)",
			"n/a");
	} else {
		fprintf(out, "  as advised  %10s  of which overhead %s",
			mem_text(t.advised_mib, mem, sizeof(mem)),
			mem_text(t.advised_overhead_mib, ovh, sizeof(ovh)));
		if (t.advised_missing > 0)
			fprintf(out, "; %zu service%s not counted", t.advised_missing,
				t.advised_missing > 1 ? "s" : "");
	}
	fputc('\n', out);
	if (t.no_memory > 0)
		fprintf(out, "  %zu service%s state%s no memory: counted as overhead only\n",
			t.no_memory, t.no_memory > 1 ? "s" : "", t.no_memory > 1 ? "" : "s");
	if (t.replicas_max > t.replicas) {
		fprintf(out, "\nAt HPA max (%ld replicas):\n", t.replicas_max);
		for (int p = 0; p < VCL_NPLACE; p++)
			if (t.ok[p])
				fprintf(out, "  all %-4s    %10s\n",
					vcl_place_name((enum vcl_place)p),
					mem_text(t.mib_max[p], mem, sizeof(mem)));
		fprintf(out, "  as advised  %10s\n", mem_text(t.advised_max_mib, mem, sizeof(mem)));
	}
	slo_changes(out, in, d);
}

int vcl_advise_render_table(FILE *out, const struct vcl_measured *m,
			    const struct vcl_advise_input *in, const struct vcl_decision *d,
			    bool explain, struct vcl_error **err)
{
	header(out, m, in);
	table(out, in, d);
	reasons(out, in, d, explain);
	totals(out, m, in, d);
	if (explain)
		fprintf(
		    out,
		    "\nCost: 1 point = 1 MiB held; memory %g/MiB, scale-out %g per second of "
		    "reaction per event/h,\nsteady %g per %% slower than bare x latency weight "
		    "(none 0, low 1, medium 4, high 16, critical 64).\nTie: a difference counts "
		    "only when measurable (CI, A/A floor) and material (memory %g%% of the "
		    "request,\nstartup %g ms or a tenth of a tighter SLO, steady %g%%); ties go "
		    "to the default (ctr, or the stated preference).\nConfidence: a tie is high "
		    "under half the material level, a win high at 4x it, medium at 2x.\n",
		    VCL_W_MEM_PER_MIB, VCL_W_SCALE_PER_S, VCL_W_STEADY_PER_PCT,
		    VCL_IMMATERIAL_MEM_SHARE * 100.0, VCL_IMMATERIAL_STARTUP_MS,
		    VCL_IMMATERIAL_STEADY * 100.0);
	if (fflush(out) != 0 || ferror(out))
		return vcl_fail(err, errno, "Write advice");
	return 0;
}

/* A number rounded to `digits` decimals that also prints that way. */
static struct json_object *jnum(double v, int digits)
{
	char buf[64];
	double scale = pow(10.0, digits);
	double r = round(v * scale) / scale;

	if (!isfinite(v))
		return NULL;
	snprintf(buf, sizeof(buf), "%.*f", digits, r);
	return json_object_new_double_s(r, buf);
}

/* What the advisor read about service s ("input"). */
static struct json_object *json_input(const struct vcl_service *s)
{
	struct json_object *in = json_object_new_object();
	struct json_object *hw = json_object_new_array();
	static const char *const hwn[] = {"nic", "gpu", "storage"};

	json_object_object_add(in, "replicas", json_object_new_int64(s->replicas));
	json_object_object_add(in, "memory_mib", s->mem_given ? jnum(s->mem_mib, 1) : NULL);
	json_object_object_add(in, "cpu", s->cpu_given ? jnum(s->cpu, 3) : NULL);
	json_object_object_add(in, "tenancy", json_object_new_string(vcl_tenancy_name(s->tenancy)));
	json_object_object_add(in, "tenancy_assumed", json_object_new_boolean(!s->tenancy_given));
	json_object_object_add(in, "startup_slo_ms", s->slo_ms > 0.0 ? jnum(s->slo_ms, 1) : NULL);
	json_object_object_add(in, "scale_out_per_hour", jnum(s->scale_per_hour, 2));
	json_object_object_add(in, "latency", json_object_new_string(vcl_latency_name(s->latency)));
	json_object_object_add(in, "own_kernel", json_object_new_boolean(s->own_kernel));
	for (unsigned i = 0; i < 3; i++)
		if (s->hw & (1u << i))
			json_object_array_add(hw, json_object_new_string(hwn[i]));
	json_object_object_add(in, "direct_hardware", hw);
	json_object_object_add(in, "dedicated_cores", json_object_new_boolean(s->dedicated_cores));
	json_object_object_add(in, "host_access", json_object_new_boolean(s->host_access));
	json_object_object_add(
	    in, "replicas_max",
	    json_object_new_int64(s->hpa_max > s->replicas ? s->hpa_max : s->replicas));
	json_object_object_add(in, "runtime_class",
			       s->runtime_class[0] ? json_object_new_string(s->runtime_class)
						   : NULL);
	return in;
}

/* Cost points per placement ("cost_points"), null where not scored. */
static struct json_object *json_costs(const struct vcl_decision *d)
{
	struct json_object *costs = json_object_new_object();

	for (int p = 0; p < VCL_NPLACE; p++) {
		const struct vcl_cost *c = &d->cost[p];
		struct json_object *co;

		if (p == VCL_GVISOR && !d->sandbox)
			continue;
		if (!c->scored) {
			json_object_object_add(costs, vcl_place_name((enum vcl_place)p), NULL);
			continue;
		}
		co = json_object_new_object();
		json_object_object_add(co, "total", jnum(c->total, 1));
		json_object_object_add(co, "memory", jnum(c->mem, 1));
		json_object_object_add(co, "scale_out", jnum(c->scale, 1));
		json_object_object_add(co, "steady", jnum(c->steady, 1));
		json_object_object_add(co, "partial", json_object_new_boolean(c->partial));
		json_object_object_add(
		    co, "allowed",
		    json_object_new_boolean((d->allowed & d->slo_ok & VCL_PLACE_BIT(p)) != 0));
		json_object_object_add(costs, vcl_place_name((enum vcl_place)p), co);
	}
	return costs;
}

/* Every step of the decision ("trace", under --explain). */
static struct json_object *json_trace(const struct vcl_decision *d)
{
	struct json_object *tr = json_object_new_array();
	static const char *const kinds[] = {"info", "exclude", "note", "cost", "decide"};

	for (size_t j = 0; j < d->nsteps; j++) {
		const struct vcl_step *st = &d->steps[j];
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "rule", json_object_new_string(st->rule));
		json_object_object_add(e, "placement",
				       st->place >= 0 ? json_object_new_string(vcl_place_name(
							    (enum vcl_place)st->place))
						      : NULL);
		json_object_object_add(e, "kind", json_object_new_string(kinds[st->kind]));
		json_object_object_add(e, "text", json_object_new_string(st->text));
		json_object_array_add(tr, e);
	}
	return tr;
}

static struct json_object *json_service(const struct vcl_service *s, const struct vcl_decision *d,
					bool explain)
{
	struct json_object *o = json_object_new_object();
	struct json_object *rs = json_object_new_array();

	json_object_object_add(o, "name", json_object_new_string(s->name));
	json_object_object_add(o, "origin", json_object_new_string(s->origin));
	json_object_object_add(o, "kind", json_object_new_string(s->kind));
	json_object_object_add(o, "input", json_input(s));
	{
		struct json_object *facts = json_object_new_array();
		static const char *const kinds[] = {"host",	 "device",  "tenancy",
						    "hpa",	 "runtime", "pod-security",
						    "hardening", "numbers"};

		for (size_t i = 0; i < s->nfacts; i++) {
			struct json_object *f = json_object_new_object();

			json_object_object_add(f, "kind",
					       json_object_new_string(kinds[s->facts[i].kind]));
			json_object_object_add(f, "text", json_object_new_string(s->facts[i].text));
			json_object_object_add(f, "at", json_object_new_string(s->facts[i].at));
			json_object_array_add(facts, f);
		}
		json_object_object_add(o, "facts", facts);
	}

	json_object_object_add(o, "verdict",
			       json_object_new_string(d->verdict == VCL_ADVICE_OK ? "ok"
						      : d->verdict == VCL_ADVICE_NONE
							  ? "no_placement"
							  : "unjudged"));
	if (d->verdict == VCL_ADVICE_OK) {
		struct vcl_k8s_realise k;
		struct json_object *kube = json_object_new_object();

		vcl_advise_k8s(s, (enum vcl_place)d->place, &k);
		json_object_object_add(
		    o, "placement",
		    json_object_new_string(vcl_place_name((enum vcl_place)d->place)));
		json_object_object_add(o, "confidence",
				       json_object_new_string(vcl_confidence_name(d->conf)));
		json_object_object_add(
		    kube, "runtimeClassName",
		    k.runtime_class != NULL ? json_object_new_string(k.runtime_class) : NULL);
		if (k.pool != NULL) {
			struct json_object *sel = json_object_new_object();

			json_object_object_add(sel, "vclab.io/pool",
					       json_object_new_string(k.pool));
			json_object_object_add(kube, "nodeSelector", sel);
		} else {
			json_object_object_add(kube, "nodeSelector", NULL);
		}
		json_object_object_add(o, "kubernetes", kube);
	} else {
		json_object_object_add(o, "placement", NULL);
		json_object_object_add(o, "confidence", NULL);
		json_object_object_add(o, "kubernetes", NULL);
	}
	json_object_object_add(o, "tcg_matters", json_object_new_boolean(d->tcg_matters));
	for (size_t j = 0; j < d->nsteps; j++)
		if (d->steps[j].reason && (strcmp(d->steps[j].rule, "measured") != 0 ||
					   d->verdict == VCL_ADVICE_UNJUDGED))
			json_object_array_add(rs, json_object_new_string(d->steps[j].text));
	json_object_object_add(o, "reasons", rs);
	json_object_object_add(o, "cost_points", json_costs(d));
	if (d->slo_changes) {
		struct json_object *c = json_object_new_object();

		json_object_object_add(c, "below_slo_ms", jnum(d->slo_change_ms, 2));
		json_object_object_add(c, "placement",
				       d->slo_change_place >= 0
					   ? json_object_new_string(vcl_place_name(
						 (enum vcl_place)d->slo_change_place))
					   : NULL);
		json_object_object_add(o, "if_slo_tightens", c);
	} else {
		json_object_object_add(o, "if_slo_tightens", NULL);
	}
	if (explain)
		json_object_object_add(o, "trace", json_trace(d));
	return o;
}

int vcl_advise_render_json(FILE *out, const struct vcl_measured *m,
			   const struct vcl_advise_input *in, const struct vcl_decision *d,
			   bool explain, struct vcl_error **err)
{
	struct json_object *root = json_object_new_object();
	struct json_object *res = json_object_new_object();
	struct json_object *nj = json_object_new_array();
	struct json_object *svcs = json_object_new_array();
	struct json_object *tot = json_object_new_object();
	struct json_object *notes = json_object_new_array();
	struct vcl_totals t;
	const char *text;

	json_object_object_add(root, "schema", json_object_new_string("vclab.advice/1"));
	json_object_object_add(res, "path", json_object_new_string(m->source));
	json_object_object_add(res, "run_id", json_object_new_string(m->run_id));
	json_object_object_add(res, "host", json_object_new_string(m->host));
	json_object_object_add(res, "complete", json_object_new_boolean(m->complete));
	json_object_object_add(res, "accelerator", json_object_new_string(m->accel));
	json_object_object_add(res, "vm_numbers_from_tcg", json_object_new_boolean(m->tcg));
	json_object_object_add(root, "results", res);
	for (int p = 0; p < VCL_NPLACE; p++) {
		char why[600];

		if (m->b[p].present || !shown(m, p))
			continue;
		vcl_advise_not_measured(m, (enum vcl_place)p, why, sizeof(why));
		json_object_array_add(nj, json_object_new_string(why));
	}
	json_object_object_add(root, "not_judged", nj);
	for (size_t i = 0; i < in->nsvc; i++)
		json_object_array_add(svcs, json_service(&in->svc[i], &d[i], explain));
	json_object_object_add(root, "services", svcs);
	vcl_advise_totals(in, d, m, &t);
	for (int p = 0; p < VCL_NPLACE; p++)
		if (shown(m, p))
			json_object_object_add(tot, vcl_place_name((enum vcl_place)p),
					       t.ok[p] ? jnum(t.mib[p], 1) : NULL);
	json_object_object_add(tot, "advised", jnum(t.advised_mib, 1));
	for (int p = 0; p < VCL_NPLACE; p++) {
		char key[32];

		if (!shown(m, p))
			continue;
		snprintf(key, sizeof(key), "%s_overhead", vcl_place_name((enum vcl_place)p));
		json_object_object_add(tot, key, t.ok[p] ? jnum(t.overhead_mib[p], 1) : NULL);
	}
	json_object_object_add(tot, "advised_overhead", jnum(t.advised_overhead_mib, 1));
	for (int p = 0; p < VCL_NPLACE; p++) {
		char key[32];

		if (!shown(m, p))
			continue;
		snprintf(key, sizeof(key), "%s_at_hpa_max", vcl_place_name((enum vcl_place)p));
		json_object_object_add(tot, key, t.ok[p] ? jnum(t.mib_max[p], 1) : NULL);
	}
	json_object_object_add(tot, "advised_at_hpa_max", jnum(t.advised_max_mib, 1));
	json_object_object_add(tot, "replicas", json_object_new_int64(t.replicas));
	json_object_object_add(tot, "replicas_at_hpa_max", json_object_new_int64(t.replicas_max));
	json_object_object_add(tot, "advised_missing_services",
			       json_object_new_int64((int64_t)t.advised_missing));
	json_object_object_add(root, "host_memory_mib", tot);
	for (size_t i = 0; i < in->nnotes; i++)
		json_object_array_add(notes, json_object_new_string(in->notes[i]));
	json_object_object_add(root, "notes", notes);

	text =
	    json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						     JSON_C_TO_STRING_NOSLASHESCAPE);
	fprintf(out, "%s\n", text);
	json_object_put(root);
	if (fflush(out) != 0 || ferror(out))
		return vcl_fail(err, errno, "Write advice");
	return 0;
}
