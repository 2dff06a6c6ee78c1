/* SPDX-License-Identifier: MIT */
/*
 * The advisor's rules: pure functions over a parsed service and the
 * measured numbers. No I/O here, so Check can test each rule on literal
 * input. docs/advisor.md explains the model; keep the two in step.
 */
#include "advise/advise.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/cleanup.h"

const double vcl_latency_weight[VCL_LAT_CRITICAL + 1] = {0.0, 1.0, 4.0, 16.0, 64.0};

const char *vcl_place_name(enum vcl_place p)
{
	static const char *const names[] = {"bare", "ctr", "vm"};

	return (unsigned)p < ARRAY_SIZE(names) ? names[p] : "?";
}

const char *vcl_tenancy_name(enum vcl_tenancy t)
{
	static const char *const names[] = {"trusted", "multi-team", "untrusted", "hostile"};

	return (unsigned)t < ARRAY_SIZE(names) ? names[t] : "?";
}

const char *vcl_latency_name(enum vcl_latency l)
{
	static const char *const names[] = {"none", "low", "medium", "high", "critical"};

	return (unsigned)l < ARRAY_SIZE(names) ? names[l] : "?";
}

const char *vcl_confidence_name(enum vcl_confidence c)
{
	static const char *const names[] = {"low", "medium", "high"};

	return (unsigned)c < ARRAY_SIZE(names) ? names[c] : "?";
}

static void step(struct vcl_decision *d, int place, enum vcl_step_kind kind, bool reason,
		 const char *rule, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void step(struct vcl_decision *d, int place, enum vcl_step_kind kind, bool reason,
		 const char *rule, const char *fmt, ...)
{
	struct vcl_step *st;
	va_list ap;

	/* The trace is bounded; the rules write far fewer steps than the
	 * bound, so the last slot being reused is only a safety net. */
	if (d->nsteps == VCL_MAX_STEPS)
		d->nsteps--;
	st = &d->steps[d->nsteps++];
	st->place = place;
	st->kind = kind;
	st->reason = reason;
	snprintf(st->rule, sizeof(st->rule), "%s", rule);
	va_start(ap, fmt);
	vsnprintf(st->text, sizeof(st->text), fmt, ap);
	va_end(ap);
}

/* Milliseconds with as many digits as the size deserves: "1930", "47.3",
 * "4.72". */
static const char *ms(double v, char *buf, size_t len)
{
	if (v >= 100.0)
		snprintf(buf, len, "%.0f", v);
	else if (v >= 10.0)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.2f", v);
	return buf;
}

static const char *mask_names(unsigned mask, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int p = 0; p < VCL_NPLACE; p++) {
		if (!(mask & VCL_PLACE_BIT(p)))
			continue;
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s",
					off > 0 ? "/" : "", vcl_place_name((enum vcl_place)p));
		if (off >= len)
			break;
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "nothing");
	return buf;
}

unsigned vcl_rule_tenancy(const struct vcl_service *s, struct vcl_decision *d)
{
	switch (s->tenancy) {
	case VCL_TEN_TRUSTED:
		if (s->tenancy_given)
			step(d, -1, VCL_STEP_INFO, false, "tenancy",
			     "trusted tenants: every placement allowed");
		else
			step(d, -1, VCL_STEP_NOTE, true, "tenancy",
			     "tenancy not stated: assumed trusted (state it: tenancy, or the "
			     "vclab.io/tenancy annotation)");
		return VCL_PLACE_ALL;
	case VCL_TEN_MULTI_TEAM:
		step(d, VCL_BARE, VCL_STEP_EXCLUDE, true, "tenancy",
		     "multi-team: bare ruled out (teams would share uid, files and /proc with no "
		     "boundary)");
		step(d, VCL_CTR, VCL_STEP_NOTE, true, "tenancy",
		     "multi-team: ctr allowed, but a container is not a security boundary: use "
		     "user namespaces, seccomp, no privileged pods");
		return VCL_PLACE_BIT(VCL_CTR) | VCL_PLACE_BIT(VCL_VM);
	case VCL_TEN_UNTRUSTED:
	case VCL_TEN_HOSTILE:
		step(d, VCL_BARE, VCL_STEP_EXCLUDE, true, "tenancy",
		     "%s tenants: bare ruled out (no isolation at all)",
		     vcl_tenancy_name(s->tenancy));
		step(d, VCL_CTR, VCL_STEP_EXCLUDE, true, "tenancy",
		     "%s tenants: ctr ruled out (shares the host kernel: one kernel bug crosses "
		     "tenants)",
		     vcl_tenancy_name(s->tenancy));
		if (s->tenancy == VCL_TEN_HOSTILE)
			step(d, VCL_VM, VCL_STEP_NOTE, true, "tenancy",
			     "hostile tenants: a VM is the minimum, not enough alone: dedicated "
			     "hosts "
			     "per tenant, no shared SMT siblings, patched VMM");
		return VCL_PLACE_BIT(VCL_VM);
	}
	return VCL_PLACE_ALL;
}

unsigned vcl_rule_kernel(const struct vcl_service *s, struct vcl_decision *d)
{
	if (!s->own_kernel) {
		step(d, -1, VCL_STEP_INFO, false, "kernel",
		     "runs on a shared kernel: every placement allowed");
		return VCL_PLACE_ALL;
	}
	step(d, VCL_BARE, VCL_STEP_EXCLUDE, true, "kernel",
	     "own kernel or kernel modules: bare ruled out (would change the host kernel)");
	step(d, VCL_CTR, VCL_STEP_EXCLUDE, true, "kernel",
	     "own kernel or kernel modules: ctr ruled out (containers share the host kernel)");
	return VCL_PLACE_BIT(VCL_VM);
}

static const char *hw_names(unsigned hw, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s", (hw & VCL_HW_NIC) ? "nic" : "",
		 (hw & VCL_HW_NIC) && (hw & (VCL_HW_GPU | VCL_HW_STORAGE)) ? "+" : "",
		 (hw & VCL_HW_GPU) ? "gpu" : "",
		 (hw & VCL_HW_GPU) && (hw & VCL_HW_STORAGE) ? "+" : "",
		 (hw & VCL_HW_STORAGE) ? "storage" : "");
	return buf;
}

unsigned vcl_rule_hardware(const struct vcl_service *s, struct vcl_decision *d)
{
	char names[32];

	if (s->hw == 0) {
		step(d, -1, VCL_STEP_INFO, false, "hardware",
		     "no direct hardware: every placement allowed");
		return VCL_PLACE_ALL;
	}
	hw_names(s->hw, names, sizeof(names));
	step(d, VCL_CTR, VCL_STEP_EXCLUDE, true, "hardware",
	     "direct %s: ctr ruled out (measured with loopback in its own netns only; device "
	     "passthrough not measured)",
	     names);
	step(d, VCL_VM, VCL_STEP_EXCLUDE, true, "hardware",
	     "direct %s: vm ruled out (measured with virtio only; VFIO passthrough not measured)",
	     names);
	return VCL_PLACE_BIT(VCL_BARE);
}

void vcl_advise_not_measured(const struct vcl_measured *m, enum vcl_place p, char *buf, size_t len)
{
	const char *name = vcl_place_name(p);

	if (m->b[p].absent[0] != '\0')
		snprintf(buf, len, "%s: not measured in results %s (%s)", name, m->source,
			 m->b[p].absent);
	else
		snprintf(buf, len, "%s: not measured in results %s (backends.%s missing)", name,
			 m->source, name);
}

unsigned vcl_rule_measured(const struct vcl_measured *m, struct vcl_decision *d)
{
	unsigned mask = 0;
	char why[240];

	for (int p = 0; p < VCL_NPLACE; p++) {
		if (m->b[p].present) {
			mask |= VCL_PLACE_BIT(p);
			continue;
		}
		vcl_advise_not_measured(m, (enum vcl_place)p, why, sizeof(why));
		step(d, p, VCL_STEP_EXCLUDE, true, "measured", "%s", why);
	}
	return mask;
}

unsigned vcl_rule_startup_slo(const struct vcl_service *s, const struct vcl_measured *m,
			      unsigned mask, struct vcl_decision *d)
{
	unsigned ok = 0;
	char a[32], b[32];

	if (s->slo_ms <= 0.0) {
		step(d, -1, VCL_STEP_INFO, false, "slo", "no startup SLO stated");
		return mask;
	}
	for (int p = 0; p < VCL_NPLACE; p++) {
		const struct vcl_meas_backend *mb = &m->b[p];
		const char *name = vcl_place_name((enum vcl_place)p);
		bool tcg = p == VCL_VM && m->tcg;

		if (!(mask & VCL_PLACE_BIT(p)))
			continue;
		if (!mb->has_startup) {
			step(d, p, VCL_STEP_EXCLUDE, true, "slo",
			     "%s: cannot check startup SLO (backends.%s.startup_ms.p95 missing%s)",
			     name, name, mb->startup_failures > 0 ? "; every launch failed" : "");
			continue;
		}
		if (mb->startup_p95 > s->slo_ms) {
			step(d, p, VCL_STEP_EXCLUDE, true, "slo",
			     "%s p95 startup %s ms > SLO %s ms%s", name,
			     ms(mb->startup_p95, a, sizeof(a)), ms(s->slo_ms, b, sizeof(b)),
			     tcg ? " (measured under TCG)" : "");
			continue;
		}
		step(d, p, VCL_STEP_INFO, false, "slo", "%s p95 startup %s ms <= SLO %s ms%s", name,
		     ms(mb->startup_p95, a, sizeof(a)), ms(s->slo_ms, b, sizeof(b)),
		     tcg ? " (measured under TCG)" : "");
		ok |= VCL_PLACE_BIT(p);
	}
	return ok;
}

/* Record a results key a cost term needed and did not find. */
static void missing(struct vcl_cost *c, const char *backend, const char *key)
{
	size_t off = strlen(c->missing);

	c->partial = true;
	snprintf(c->missing + off, sizeof(c->missing) - off, "%sbackends.%s.%s",
		 off > 0 ? ", " : "", backend, key);
}

void vcl_advise_cost(const struct vcl_service *s, const struct vcl_measured *m, enum vcl_place p,
		     struct vcl_cost *c)
{
	const struct vcl_meas_backend *mb = &m->b[p];
	const struct vcl_meas_backend *bare = &m->b[VCL_BARE];
	const char *name;
	double w;

	memset(c, 0, sizeof(*c));
	if ((unsigned)p >= VCL_NPLACE || !mb->present)
		return;
	c->scored = true;
	name = vcl_place_name(p);

	/* Memory: what the fleet holds beyond the payload itself. */
	if (mb->has_overhead)
		c->mem = (double)s->replicas * mb->overhead_kib / 1024.0 * VCL_W_MEM_PER_MIB;
	else
		missing(c, name, "memory.overhead_kib");

	/* Scale-out: seconds each scale-out waits for new capacity, times how
	 * often it happens. Autoscale reaction when measured, else startup. */
	if (mb->has_reaction) {
		c->reaction_ms = mb->reaction_p50;
	} else if (mb->has_startup) {
		c->reaction_ms = mb->startup_p50;
		c->reaction_from_startup = true;
	} else if (s->scale_per_hour > 0.0) {
		missing(c, name, "autoscale.reaction_ms");
	}
	c->scale = s->scale_per_hour * c->reaction_ms / 1000.0 * VCL_W_SCALE_PER_S;

	/* Steady state: how much slower than bare (worse of p99 latency and
	 * throughput), weighted by how much the service cares. Bare is the
	 * reference, so its overhead is 0 by definition. */
	w = vcl_latency_weight[s->latency];
	if (p != VCL_BARE && w > 0.0) {
		if (mb->has_steady && bare->present && bare->has_steady && mb->rps > 0.0 &&
		    bare->lat_p99 > 0.0) {
			double lat = mb->lat_p99 / bare->lat_p99;
			double thr = bare->rps / mb->rps;

			c->steady_overhead = fmax(0.0, fmax(lat, thr) - 1.0);
			c->steady_by_rps = thr > lat;
		} else {
			missing(c, mb->has_steady ? "bare" : name, "steady");
		}
	}
	c->steady = w * 100.0 * c->steady_overhead * VCL_W_STEADY_PER_PCT;
	c->total = c->mem + c->scale + c->steady;
}

enum vcl_confidence vcl_advise_confidence(double best, double runner_up, bool partial,
					  bool tcg_matters)
{
	enum vcl_confidence c;

	if (runner_up < 0.0) {
		c = VCL_CONF_HIGH;
	} else {
		/* +1 point on both sides: a ratio against a zero cost would be
		 * infinite for a difference nobody cares about. */
		double ratio = (runner_up + 1.0) / (best + 1.0);
		double margin = runner_up - best;

		if (ratio >= VCL_HIGH_RATIO && margin >= VCL_HIGH_MARGIN)
			c = VCL_CONF_HIGH;
		else if (ratio >= VCL_MEDIUM_RATIO && margin >= VCL_MEDIUM_MARGIN)
			c = VCL_CONF_MEDIUM;
		else
			c = VCL_CONF_LOW;
	}
	if ((partial || tcg_matters) && c == VCL_CONF_HIGH)
		c = VCL_CONF_MEDIUM;
	return c;
}

/* Lighter = lower measured memory overhead; unmeasured overhead falls back
 * to the order bare < ctr < vm. */
static bool lighter(const struct vcl_measured *m, int a, int b)
{
	const struct vcl_meas_backend *x = &m->b[a], *y = &m->b[b];

	if (x->has_overhead && y->has_overhead && x->overhead_kib != y->overhead_kib)
		return x->overhead_kib < y->overhead_kib;
	return a < b;
}

static void cost_step(struct vcl_decision *d, const struct vcl_service *s,
		      const struct vcl_measured *m, int p)
{
	const struct vcl_cost *c = &d->cost[p];
	const struct vcl_meas_backend *mb = &m->b[p], *bare = &m->b[VCL_BARE];
	char r[32], x[32], y[32], mem[96] = "", scale[96] = "", steady[128] = "";

	/* Every term with the measured numbers behind it; a zero term is left
	 * out unless all are zero, so the line stays readable. */
	if (c->mem > 0.0 || (c->scale <= 0.0 && c->steady <= 0.0))
		snprintf(mem, sizeof(mem), ", memory %.1f (%ld x %.0f KiB overhead)", c->mem,
			 s->replicas, mb->has_overhead ? mb->overhead_kib : 0.0);
	if (c->scale > 0.0)
		snprintf(scale, sizeof(scale), ", scale-out %.1f (%g/h x %s ms %s)", c->scale,
			 s->scale_per_hour, ms(c->reaction_ms, r, sizeof(r)),
			 c->reaction_from_startup ? "startup p50" : "reaction");
	if (c->steady > 0.0 && c->steady_by_rps)
		snprintf(steady, sizeof(steady),
			 ", steady %.1f (%.1f%% slower: %.0f vs bare %.0f rps, "
			 "weight %g)",
			 c->steady, c->steady_overhead * 100.0, mb->rps, bare->rps,
			 vcl_latency_weight[s->latency]);
	else if (c->steady > 0.0)
		snprintf(steady, sizeof(steady),
			 ", steady %.1f (%.1f%% slower: p99 %s vs bare %s ms, weight %g)",
			 c->steady, c->steady_overhead * 100.0, ms(mb->lat_p99, x, sizeof(x)),
			 ms(bare->lat_p99, y, sizeof(y)), vcl_latency_weight[s->latency]);
	d->cost_step[p] = (int)d->nsteps;
	{
		char terms[320];

		/* Each term starts with ", ": the first one becomes ": ". */
		snprintf(terms, sizeof(terms), "%s%s%s", mem, scale, steady);
		step(d, p, VCL_STEP_COST, false, "cost", "%s cost %.1f points: %s%s",
		     vcl_place_name((enum vcl_place)p), c->total, terms + 2,
		     c->partial ? " [incomplete: a term was not measured]" : "");
	}
}

/* Does the choice against vm rest on numbers TCG inflates? Startup,
 * autoscale reaction and steady state run many times slower under TCG;
 * memory overhead is mostly guest RAM and is not. So TCG matters when vm
 * lost on the SLO, or when memory alone would not have put vm clearly
 * behind the chosen placement. */
static bool tcg_matters(const struct vcl_measured *m, const struct vcl_decision *d, unsigned cand,
			int best)
{
	double vm_mem, b;

	if (!m->tcg || best == VCL_VM || !(cand & VCL_PLACE_BIT(VCL_VM)))
		return false;
	if (!(d->slo_ok & VCL_PLACE_BIT(VCL_VM)))
		return true;
	vm_mem = d->cost[VCL_VM].mem;
	b = d->cost[best].total;
	return !((vm_mem + 1.0) / (b + 1.0) >= VCL_HIGH_RATIO && vm_mem - b >= VCL_HIGH_MARGIN);
}

static void dedicated_cores_note(const struct vcl_service *s, struct vcl_decision *d, int p)
{
	static const char *const how[] = {
	    "bare: isolate them with a cpuset (taskset/isolcpus) on the node",
	    "ctr: Guaranteed QoS with integer CPU = limits, static CPU manager policy",
	    "vm: pin vCPUs and the emulator thread to host cores",
	};

	if (s->dedicated_cores && p >= 0)
		step(d, p, VCL_STEP_NOTE, true, "cores", "dedicated cores: %s", how[p]);
}

/* Step 1 left nothing: say which constraint allows what. */
static void none_allowed(struct vcl_decision *d, unsigned ten, unsigned ker, unsigned hw)
{
	char why[200] = "", a[32];
	size_t off = 0;
	const struct {
		unsigned mask;
		const char *what;
	} by[] = {{ten, "tenancy"}, {ker, "kernel"}, {hw, "hardware"}};

	for (size_t i = 0; i < ARRAY_SIZE(by); i++) {
		if (by[i].mask == VCL_PLACE_ALL || off >= sizeof(why))
			continue;
		off += (size_t)snprintf(why + off, sizeof(why) - off, "%s%s allows only %s",
					off > 0 ? "; " : "", by[i].what,
					mask_names(by[i].mask, a, sizeof(a)));
	}
	d->verdict = VCL_ADVICE_NONE;
	step(d, -1, VCL_STEP_DECIDE, true, "decide", "no placement satisfies all constraints: %s",
	     why);
	if (hw != VCL_PLACE_ALL)
		step(d, -1, VCL_STEP_NOTE, true, "hardware",
		     "outside what vclab measured: passing the device into a vm (VFIO, "
		     "SR-IOV)%s might meet both; measure it before relying on it",
		     (ten & VCL_PLACE_BIT(VCL_CTR)) ? " or a ctr (device plugin)" : "");
}

/* Step 3 left nothing: the SLO is below every allowed p95. */
static void slo_unmet(const struct vcl_service *s, const struct vcl_measured *m,
		      struct vcl_decision *d, unsigned cand)
{
	char a[32], b[32];

	d->verdict = VCL_ADVICE_NONE;
	d->tcg_matters = m->tcg && (cand & VCL_PLACE_BIT(VCL_VM));
	step(d, -1, VCL_STEP_DECIDE, true, "decide",
	     "no placement satisfies all constraints: the startup SLO %s ms is below the "
	     "p95 of every allowed placement (%s)",
	     ms(s->slo_ms, a, sizeof(a)), mask_names(cand, b, sizeof(b)));
	if (d->tcg_matters)
		step(d, VCL_VM, VCL_STEP_NOTE, true, "accel",
		     "vm startup was measured under TCG; under KVM it is far lower: "
		     "re-measure on a KVM host before giving up on vm");
}

/* Step 4: the cheapest of ok (never empty), ties to the lighter
 * placement. Sets *best and *second (-1 when ok holds one placement). */
static void pick_cheapest(const struct vcl_measured *m, struct vcl_decision *d, unsigned ok,
			  int *best, int *second)
{
	int order[VCL_NPLACE] = {0}, n = 0;
	int light;

	for (int p = 0; p < VCL_NPLACE; p++)
		if (ok & VCL_PLACE_BIT(p))
			order[n++] = p;
	for (int i = 1; i < n; i++) /* insertion sort by total cost */
		for (int j = i; j > 0 && d->cost[order[j]].total < d->cost[order[j - 1]].total;
		     j--) {
			int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	*best = order[0];
	*second = -1;
	if (n < 2)
		return;
	*second = order[1];
	if ((d->cost[*second].total + 1.0) / (d->cost[*best].total + 1.0) >= VCL_TIE_RATIO)
		return;
	/* A tie: every placement within the tie ratio of the cheapest
	 * competes on weight alone. */
	light = *best;
	for (int i = 1; i < n; i++) {
		int p = order[i];

		if ((d->cost[p].total + 1.0) / (d->cost[order[0]].total + 1.0) < VCL_TIE_RATIO &&
		    lighter(m, p, light))
			light = p;
	}
	step(d, -1, VCL_STEP_DECIDE, true, "tie",
	     "tie: %s %.1f vs %s %.1f points (within %.0f%%): the lighter %s wins "
	     "(overhead %.0f KiB)",
	     vcl_place_name((enum vcl_place)order[0]), d->cost[order[0]].total,
	     vcl_place_name((enum vcl_place)order[1]), d->cost[order[1]].total,
	     (VCL_TIE_RATIO - 1.0) * 100.0, vcl_place_name((enum vcl_place)light),
	     m->b[light].overhead_kib);
	if (light != *best) {
		*second = *best;
		*best = light;
	}
}

/* The choice is made: confidence, the deciding step and the notes that
 * qualify it. */
static void explain_choice(const struct vcl_service *s, const struct vcl_measured *m,
			   struct vcl_decision *d, unsigned cand, unsigned ok, int second)
{
	int best = d->place;
	unsigned unmeasured = d->allowed & ~d->measured;
	bool partial = d->cost[best].partial || (second >= 0 && d->cost[second].partial);
	enum vcl_confidence uncapped;
	const char *capped;
	char a[32];

	d->verdict = VCL_ADVICE_OK;
	d->tcg_matters = tcg_matters(m, d, cand, best);
	d->conf =
	    vcl_advise_confidence(d->cost[best].total, second >= 0 ? d->cost[second].total : -1.0,
				  partial || unmeasured != 0, d->tcg_matters);
	uncapped = vcl_advise_confidence(d->cost[best].total,
					 second >= 0 ? d->cost[second].total : -1.0, false, false);

	if (second < 0) {
		step(d, best, VCL_STEP_DECIDE, true, "decide",
		     "%s: the only %splacement that meets every constraint (cost %.1f points)",
		     vcl_place_name((enum vcl_place)best), unmeasured ? "measured " : "",
		     d->cost[best].total);
	} else {
		double x = d->cost[best].total, y = d->cost[second].total;

		step(d, best, VCL_STEP_DECIDE, true, "decide",
		     "%s is cheapest: %.1f vs %s %.1f points (ratio %.2f, margin %.1f)",
		     vcl_place_name((enum vcl_place)best), x,
		     vcl_place_name((enum vcl_place)second), y, (y + 1.0) / (x + 1.0), y - x);
	}
	/* When costs decided, the cost lines of the candidates cite the
	 * measured numbers the choice rests on. */
	for (int p = 0; p < VCL_NPLACE; p++)
		if (second >= 0 && (ok & VCL_PLACE_BIT(p)) && d->cost_step[p] >= 0)
			d->steps[d->cost_step[p]].reason = true;
	capped = d->conf != uncapped ? ": confidence capped at medium" : "";
	if (d->tcg_matters)
		step(d, VCL_VM, VCL_STEP_NOTE, true, "accel",
		     "vm lost on numbers measured under TCG, which overstates VM startup and CPU "
		     "cost%s",
		     capped);
	if (unmeasured != 0)
		step(d, -1, VCL_STEP_NOTE, true, "coverage",
		     "decided without %s, which the constraints allow but the results do not "
		     "measure%s",
		     mask_names(unmeasured, a, sizeof(a)), d->tcg_matters ? "" : capped);
	for (int i = 0; i < 2; i++) {
		int p = i == 0 ? best : second;

		if (p >= 0 && d->cost[p].partial)
			step(d, p, VCL_STEP_NOTE, true, "cost",
			     "%s: not measured, counted as 0: %s%s",
			     vcl_place_name((enum vcl_place)p), d->cost[p].missing,
			     d->tcg_matters || unmeasured ? "" : capped);
	}
	dedicated_cores_note(s, d, best);
	step(d, -1, VCL_STEP_DECIDE, false, "confidence", "confidence %s",
	     vcl_confidence_name(d->conf));
}

void vcl_advise_decide(const struct vcl_service *s, const struct vcl_measured *m,
		       struct vcl_decision *d)
{
	unsigned ten, ker, hw, cand, ok;
	int best, second;
	char a[32];

	memset(d, 0, sizeof(*d));
	d->place = -1;
	for (int p = 0; p < VCL_NPLACE; p++)
		d->cost_step[p] = -1;

	/* 1. Hard constraints that need no measurement. */
	ten = vcl_rule_tenancy(s, d);
	ker = vcl_rule_kernel(s, d);
	hw = vcl_rule_hardware(s, d);
	d->allowed = ten & ker & hw;
	if (d->allowed == 0) {
		none_allowed(d, ten, ker, hw);
		return;
	}

	/* 2. Only what results.json measured can be judged. */
	d->measured = vcl_rule_measured(m, d);
	cand = d->allowed & d->measured;
	for (int p = 0; p < VCL_NPLACE; p++) {
		if (d->measured & VCL_PLACE_BIT(p)) {
			vcl_advise_cost(s, m, (enum vcl_place)p, &d->cost[p]);
			cost_step(d, s, m, p);
		}
	}
	if (cand == 0) {
		d->verdict = VCL_ADVICE_UNJUDGED;
		step(d, -1, VCL_STEP_DECIDE, true, "decide",
		     "cannot judge: the constraints allow only %s, which %s not measured in %s",
		     mask_names(d->allowed, a, sizeof(a)),
		     __builtin_popcount(d->allowed) > 1 ? "were" : "was", m->source);
		return;
	}

	/* 3. The startup SLO against measured p95. */
	ok = vcl_rule_startup_slo(s, m, cand, d);
	d->slo_ok = ok;
	if (ok == 0) {
		slo_unmet(s, m, d, cand);
		return;
	}

	/* 4. Cheapest of what is left, ties to the lighter placement. */
	pick_cheapest(m, d, ok, &best, &second);
	d->place = best;
	explain_choice(s, m, d, cand, ok, second);
}

void vcl_advise_k8s(const struct vcl_service *s, enum vcl_place p, struct vcl_k8s_realise *r)
{
	memset(r, 0, sizeof(*r));
	switch (p) {
	case VCL_BARE:
		r->pool = "bare-metal";
		break;
	case VCL_CTR:
		r->runtime_class = "runc";
		break;
	case VCL_VM:
		r->runtime_class = "kata";
		if (s->tenancy == VCL_TEN_HOSTILE)
			r->pool = "dedicated";
		break;
	case VCL_NPLACE:
		break;
	}
	if (r->runtime_class != NULL && r->pool != NULL)
		snprintf(r->text, sizeof(r->text), "runtimeClassName: %s, pool %s",
			 r->runtime_class, r->pool);
	else if (r->runtime_class != NULL)
		snprintf(r->text, sizeof(r->text), "runtimeClassName: %s", r->runtime_class);
	else if (r->pool != NULL)
		snprintf(r->text, sizeof(r->text), "nodeSelector vclab.io/pool: %s", r->pool);
}

void vcl_advise_totals(const struct vcl_advise_input *in, const struct vcl_decision *d,
		       const struct vcl_measured *m, struct vcl_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (int p = 0; p < VCL_NPLACE; p++)
		t->ok[p] = m->b[p].present && m->b[p].has_overhead;
	for (size_t i = 0; i < in->nsvc; i++) {
		const struct vcl_service *s = &in->svc[i];
		double n = (double)s->replicas;

		t->replicas += s->replicas;
		if (!s->mem_given)
			t->no_memory++;
		for (int p = 0; p < VCL_NPLACE; p++) {
			if (!t->ok[p])
				continue;
			t->overhead_mib[p] += n * m->b[p].overhead_kib / 1024.0;
			t->mib[p] += n * (s->mem_mib + m->b[p].overhead_kib / 1024.0);
		}
		if (d[i].verdict != VCL_ADVICE_OK || !t->ok[d[i].place]) {
			t->advised_missing++;
			continue;
		}
		t->advised_overhead_mib += n * m->b[d[i].place].overhead_kib / 1024.0;
		t->advised_mib += n * (s->mem_mib + m->b[d[i].place].overhead_kib / 1024.0);
	}
}
