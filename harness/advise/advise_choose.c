/* SPDX-License-Identifier: MIT */
/*
 * The advisor's choice among placements that pass the hard constraints and
 * the SLO: noise-aware (docs/advisor.md, "Ties and the platform default").
 *
 * A cost difference only counts when it is measurable (outside the CI and
 * the run's A/A noise floor) and material (not a sliver of what the service
 * itself holds). Everything else is a tie, and ties go to the platform's
 * default: ctr, the default runc class, for Kubernetes workloads; a
 * profile's stated preference, else ctr. bare is considered only for a
 * stated need. Also the two manifest rules: host access and devices. Pure.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "advise/advise.h"
#include "core/cleanup.h"
#include "core/compare.h"

static const char *pn(int p)
{
	return vcl_place_name((enum vcl_place)p);
}

/* "privileged: true (container agent) at shop.yaml:40" for the first facts
 * of kind, at most max of them, "; "-separated. */
static const char *facts_text(const struct vcl_service *s, enum vcl_fact_kind kind, size_t max,
			      char *buf, size_t len)
{
	size_t off = 0, n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->nfacts && n < max; i++) {
		const struct vcl_fact *f = &s->facts[i];

		if (f->kind != kind || off >= len)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s (%s)", n > 0 ? "; " : "",
					f->text, f->at);
		n++;
	}
	return buf;
}

unsigned vcl_rule_host(const struct vcl_service *s, struct vcl_decision *d)
{
	char why[300];

	if (!s->host_access) {
		vcl_advise_step(
		    d, -1, VCL_STEP_INFO, false, "host",
		    "no host access (no privileged container, host namespace or hostPath of "
		    "/proc, /sys, /run)");
		return VCL_PLACE_ALL;
	}
	facts_text(s, VCL_FACT_HOST, 3, why, sizeof(why));
	vcl_advise_step(
	    d, VCL_VM, VCL_STEP_EXCLUDE, true, "host",
	    "host access: cannot be sandboxed: %s; a VM runtime class would show it the guest "
	    "kernel, not the host's",
	    why);
	if (d->sandbox)
		vcl_advise_step(d, VCL_GVISOR, VCL_STEP_EXCLUDE, true, "host",
				"host access: gvisor ruled out (%s; the sandbox shows gVisor's "
				"own kernel, gives no privileged mode, host /proc or /sys)",
				why);
	vcl_advise_step(
	    d, VCL_BARE, VCL_STEP_EXCLUDE, false, "host",
	    "host access: runs as a pod on the node (runc) where the node's kubelet puts it; a "
	    "separate bare-metal pool adds nothing");
	return VCL_PLACE_BIT(VCL_CTR);
}

unsigned vcl_rule_device(const struct vcl_service *s, struct vcl_decision *d)
{
	char why[200];

	/* A stated direct_hardware need is the hardware rule's. */
	if (!s->device || s->hw != 0)
		return VCL_PLACE_ALL;
	facts_text(s, VCL_FACT_DEVICE, 2, why, sizeof(why));
	vcl_advise_step(
	    d, VCL_VM, VCL_STEP_EXCLUDE, true, "device",
	    "device resource %s: vm ruled out (passthrough into a VM runtime class was not "
	    "measured); the device plugin hands it to a runc container",
	    why);
	if (d->sandbox)
		vcl_advise_step(d, VCL_GVISOR, VCL_STEP_EXCLUDE, true, "device",
				"device resource %s: gvisor ruled out (the sandbox passes no "
				"host device through)",
				why);
	return VCL_PLACE_BIT(VCL_CTR) | VCL_PLACE_BIT(VCL_BARE);
}

int vcl_advise_default(const struct vcl_service *s)
{
	if (s->prefer_given && s->prefer >= 0 && s->prefer < VCL_NPLACE)
		return s->prefer;
	return VCL_CTR;
}

/* Startup difference of a and b below which it is immaterial: 5 ms, or a
 * tenth of a tighter SLO. */
static double startup_floor_ms(const struct vcl_service *s)
{
	double f = VCL_IMMATERIAL_STARTUP_MS;

	if (s->slo_ms > 0.0 && s->slo_ms * VCL_SLO_SHARE < f)
		f = s->slo_ms * VCL_SLO_SHARE;
	return f;
}

/* Is the startup difference of a and b measurable? Writes how it was told. */
static bool startup_measurable(const struct vcl_measured *m, int a, int b, char *how, size_t len)
{
	const struct vcl_meas_backend *x = &m->b[a], *y = &m->b[b];
	int other = a == VCL_BARE ? b : b == VCL_BARE ? a : -1;

	/* The same-run comparison with its bootstrap CI and the A/A floor. */
	if (other >= 0 && m->cmp[other].present && isfinite(m->cmp[other].lo)) {
		enum vcl_cmp_verdict v =
		    vcl_cmp_verdict_of(m->cmp[other].lo, m->cmp[other].hi,
				       m->has_aa ? m->aa_lo : NAN, m->has_aa ? m->aa_hi : NAN);

		snprintf(how, len, "%s/bare ratio %.2f, CI [%.2f, %.2f]: %s", pn(other),
			 m->cmp[other].ratio, m->cmp[other].lo, m->cmp[other].hi,
			 vcl_cmp_verdict_name(v));
		return v == VCL_CMP_HIGHER || v == VCL_CMP_LOWER;
	}
	/* Else the medians' own CIs: overlapping intervals are no difference. */
	if (x->has_startup_ci && y->has_startup_ci) {
		bool overlap = x->startup_lo <= y->startup_hi && y->startup_lo <= x->startup_hi;

		snprintf(how, len, "median CIs [%.2f, %.2f] and [%.2f, %.2f] ms %s", x->startup_lo,
			 x->startup_hi, y->startup_lo, y->startup_hi,
			 overlap ? "overlap" : "do not overlap");
		return !overlap;
	}
	/* Else the A/A floor on the ratio of medians. */
	if (m->has_aa && y->startup_p50 > 0.0) {
		double r = x->startup_p50 / y->startup_p50;
		bool inside = r >= m->aa_lo && r <= m->aa_hi;

		snprintf(how, len, "ratio %.2f %s the A/A floor [%.2f, %.2f]", r,
			 inside ? "inside" : "outside", m->aa_lo, m->aa_hi);
		return !inside;
	}
	snprintf(how, len, "no CI in the results");
	return true;
}

void vcl_advise_compare(const struct vcl_service *s, const struct vcl_measured *m,
			const struct vcl_decision *d, int a, int b, struct vcl_tie *t)
{
	const struct vcl_cost *ca = &d->cost[a], *cb = &d->cost[b];
	double n = (double)(s->replicas > 0 ? s->replicas : 1);
	double raw, thr, q;
	char how[160], x[160] = "", y[200] = "", z[100] = "";
	size_t counted = 0;

	memset(t, 0, sizeof(*t));
	t->better = -1;

	/* Memory: per replica against 1% of what the replica requests. */
	thr = n * (s->mem_given ? s->mem_mib * VCL_IMMATERIAL_MEM_SHARE : VCL_IMMATERIAL_MEM_MIB);
	raw = cb->mem - ca->mem;
	if (m->b[a].has_overhead && m->b[b].has_overhead && thr > 0.0) {
		q = fabs(raw) / thr;
		if (q >= 1.0) {
			t->margin += raw;
			t->threshold += thr;
			counted++;
		} else if (q > t->q) {
			t->q = q;
		}
		snprintf(x, sizeof(x), "memory %s %.1f vs %s %.1f MiB (%s %.1f MiB)", pn(a),
			 ca->mem, pn(b), cb->mem, q >= 1.0 ? "material: over" : "immaterial: under",
			 thr);
	}

	/* Scale-out: the startup (or reaction) difference, when it is both
	 * measurable and above the floor. */
	if (s->scale_per_hour > 0.0) {
		double dms = fabs(ca->reaction_ms - cb->reaction_ms), f = startup_floor_ms(s);
		bool meas = true;

		/* Autoscale reaction carries no CI in results.json: it counts as
		 * measured, and says so. */
		if (ca->reaction_from_startup && cb->reaction_from_startup)
			meas = startup_measurable(m, a, b, how, sizeof(how));
		else
			snprintf(how, sizeof(how), "autoscale reaction p50, no CI in the results");

		thr = s->scale_per_hour * f / 1000.0 * VCL_W_SCALE_PER_S;
		raw = cb->scale - ca->scale;
		if (meas && dms >= f) {
			t->margin += raw;
			t->threshold += thr;
			counted++;
		} else if (meas && dms / f > t->q) {
			t->q = dms / f;
		}
		snprintf(y, sizeof(y), "%s %.1f ms apart (%s; %s %.1f ms)",
			 ca->reaction_from_startup ? "startup" : "reaction", dms, how,
			 dms >= f ? "over" : "under", f);
	}

	/* Steady state: 5 points of overhead, times the latency weight. */
	if (ca->steady > 0.0 || cb->steady > 0.0) {
		double dov = fabs(ca->steady_overhead - cb->steady_overhead);

		thr = vcl_latency_weight[s->latency] * 100.0 * VCL_IMMATERIAL_STEADY;
		raw = cb->steady - ca->steady;
		if (thr > 0.0 && dov >= VCL_IMMATERIAL_STEADY) {
			t->margin += raw;
			t->threshold += thr;
			counted++;
		} else if (thr > 0.0 && dov / VCL_IMMATERIAL_STEADY > t->q) {
			t->q = dov / VCL_IMMATERIAL_STEADY;
		}
		snprintf(z, sizeof(z), "steady %.1f%% apart (%s %.0f%%)", dov * 100.0,
			 dov >= VCL_IMMATERIAL_STEADY ? "over" : "under",
			 VCL_IMMATERIAL_STEADY * 100.0);
	}
	t->tie = counted == 0 || fabs(t->margin) < t->threshold;
	if (!t->tie)
		t->better = t->margin > 0.0 ? a : b;
	snprintf(t->why, sizeof(t->why), "%s%s%s%s%s", x, x[0] && (y[0] || z[0]) ? "; " : "", y,
		 y[0] && z[0] ? "; " : "", z);
	if (t->why[0] == '\0')
		snprintf(t->why, sizeof(t->why), "no cost term differs");
}

enum vcl_confidence vcl_advise_tie_confidence(const struct vcl_tie *t)
{
	if (t->tie)
		return t->q < 0.5 ? VCL_CONF_HIGH : t->q < 0.8 ? VCL_CONF_MEDIUM : VCL_CONF_LOW;
	{
		double r = t->threshold > 0.0 ? fabs(t->margin) / t->threshold : INFINITY;

		return r >= 4.0 ? VCL_CONF_HIGH : r >= 2.0 ? VCL_CONF_MEDIUM : VCL_CONF_LOW;
	}
}

bool vcl_advise_bare_need(const struct vcl_service *s, const struct vcl_measured *m,
			  const struct vcl_decision *d, int def, char *why, size_t len)
{
	const struct vcl_meas_backend *x = &m->b[def], *b = &m->b[VCL_BARE];
	double gain, need;
	char how[160];

	(void)d;
	if (s->hw != 0) {
		snprintf(why, len, "direct hardware stated");
		return true;
	}
	if (s->slo_ms <= 0.0) {
		snprintf(why, len,
			 "no stated need for bare (no direct hardware, no startup SLO): %s, the "
			 "platform default, keeps the container's benefits",
			 pn(def));
		return false;
	}
	if (!x->has_startup || !b->has_startup) {
		snprintf(why, len, "bare: startup SLO stated, but startup not measured on both");
		return false;
	}
	gain = x->startup_p95 - b->startup_p95;
	need = fmax(VCL_IMMATERIAL_STARTUP_MS, s->slo_ms * VCL_SLO_SHARE);
	if (!startup_measurable(m, def, VCL_BARE, how, sizeof(how)) || gain < need) {
		snprintf(why, len,
			 "bare not needed for the %g ms SLO: it starts %.2f ms sooner at p95 than "
			 "%s (%s), under the %.1f ms that would matter",
			 s->slo_ms, gain, pn(def), how, need);
		return false;
	}
	snprintf(why, len,
		 "bare starts %.1f ms sooner at p95 than %s (%s): at least %.1f ms of the %g ms "
		 "SLO",
		 gain, pn(def), how, need, s->slo_ms);
	return true;
}

/* The default, or the first allowed of ctr, vm, bare when the default is
 * not allowed here. */
static int usable_default(const struct vcl_service *s, unsigned ok, struct vcl_decision *d)
{
	static const int order[] = {VCL_CTR, VCL_VM, VCL_GVISOR, VCL_BARE};
	int def = vcl_advise_default(s);

	if (ok & VCL_PLACE_BIT(def))
		return def;
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		if (ok & VCL_PLACE_BIT(order[i])) {
			vcl_advise_step(d, -1, VCL_STEP_INFO, false, "default",
					"the default %s is not allowed here: starting from %s",
					pn(def), pn(order[i]));
			return order[i];
		}
	}
	return def;
}

static const char *default_why(const struct vcl_service *s, char *buf, size_t len)
{
	if (s->prefer_given && s->runtime_class[0] != '\0')
		snprintf(buf, len, "the existing runtimeClassName %s", s->runtime_class);
	else if (s->prefer_given)
		snprintf(buf, len, "the stated preference");
	else if (s->k8s)
		snprintf(buf, len, "the platform default, the runc class");
	else
		snprintf(buf, len, "the default");
	return buf;
}

void vcl_advise_choose(const struct vcl_service *s, const struct vcl_measured *m,
		       struct vcl_decision *d, unsigned ok, int *best, int *second)
{
	struct vcl_tie t[VCL_NPLACE], *deciding = NULL;
	int def = usable_default(s, ok, d);
	bool bare_ok = true;
	char why[240], dw[96];

	*best = def;
	*second = -1;
	memset(t, 0, sizeof(t));
	for (int p = 0; p < VCL_NPLACE; p++) {
		if (p == def || !(ok & VCL_PLACE_BIT(p)))
			continue;
		vcl_advise_compare(s, m, d, def, p, &t[p]);
		if (p == VCL_BARE && def != VCL_BARE &&
		    !vcl_advise_bare_need(s, m, d, def, why, sizeof(why))) {
			bare_ok = false;
			if (t[p].better == p)
				vcl_advise_step(
				    d, VCL_BARE, VCL_STEP_INFO, true, "need",
				    "%s; bare would save %.1f points (%.1f would be immaterial): "
				    "%s",
				    why, fabs(t[p].margin), t[p].threshold, t[p].why);
			else
				vcl_advise_step(d, VCL_BARE, VCL_STEP_INFO, true, "need", "%s",
						why);
			t[p].better = -1;
		}
		if (t[p].better == p &&
		    (deciding == NULL || fabs(t[p].margin) > fabs(deciding->margin))) {
			*best = p;
			deciding = &t[p];
		}
	}
	default_why(s, dw, sizeof(dw));
	if (deciding != NULL) {
		*second = def;
		vcl_advise_step(
		    d, *best, VCL_STEP_DECIDE, true, "decide",
		    "%s over %s (%s): a measurable, material difference of %.1f points (%.1f "
		    "would be immaterial): %s",
		    pn(*best), pn(def), dw, fabs(deciding->margin), deciding->threshold,
		    deciding->why);
		d->conf = vcl_advise_tie_confidence(deciding);
		return;
	}
	/* The default stands: against the closest competitor it had (bare
	 * without a stated need was none; its step says what it would save). */
	for (int p = 0; p < VCL_NPLACE; p++) {
		if (p == def || !(ok & VCL_PLACE_BIT(p)) || (p == VCL_BARE && !bare_ok))
			continue;
		if (deciding == NULL ||
		    vcl_advise_tie_confidence(&t[p]) < vcl_advise_tie_confidence(deciding)) {
			deciding = &t[p];
			*second = p;
		}
	}
	if (deciding == NULL) {
		d->conf = VCL_CONF_HIGH;
		vcl_advise_step(
		    d, def, VCL_STEP_DECIDE, true, "decide",
		    "%s: the only placement that meets every constraint%s (cost %.1f points)",
		    pn(def), bare_ok ? "" : " and need", d->cost[def].total);
		return;
	}
	d->conf = vcl_advise_tie_confidence(deciding);
	if (deciding->tie)
		vcl_advise_step(d, def, VCL_STEP_DECIDE, true, "tie", "tie with %s, so %s (%s): %s",
				pn(*second), pn(def), dw, deciding->why);
	else
		vcl_advise_step(d, def, VCL_STEP_DECIDE, true, "decide",
				"%s (%s): %s %s by %.1f points (%.1f would be immaterial): %s",
				pn(def), dw, pn(*second),
				deciding->better == def ? "costs more" : "would save",
				fabs(deciding->margin), deciding->threshold, deciding->why);
}
