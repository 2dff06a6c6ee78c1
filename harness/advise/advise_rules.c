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
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"

const double vcl_latency_weight[VCL_LAT_CRITICAL + 1] = {0.0, 1.0, 4.0, 16.0, 64.0};

const char *vcl_place_name(enum vcl_place p)
{
	static const char *const names[] = {"bare", "ctr", "vm", "gvisor"};

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

void vcl_advise_step(struct vcl_decision *d, int place, enum vcl_step_kind kind, bool reason,
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
			vcl_advise_step(d, -1, VCL_STEP_INFO, false, "tenancy",
					"trusted tenants: every placement allowed");
		else
			vcl_advise_step(
			    d, -1, VCL_STEP_NOTE, true, "tenancy",
			    "tenancy not stated: assumed trusted (state it: tenancy, or the "
			    "vclab.io/tenancy annotation)");
		return VCL_PLACE_ALL;
	case VCL_TEN_MULTI_TEAM:
		vcl_advise_step(
		    d, VCL_BARE, VCL_STEP_EXCLUDE, true, "tenancy",
		    "multi-team: bare ruled out (teams would share uid, files and /proc with no "
		    "boundary)");
		vcl_advise_step(
		    d, VCL_CTR, VCL_STEP_NOTE, true, "tenancy",
		    "multi-team: ctr allowed, but a container is not a security boundary: use "
		    "user namespaces, seccomp, no privileged pods");
		return VCL_PLACE_BIT(VCL_CTR) | VCL_PLACE_BIT(VCL_VM) | VCL_PLACE_BIT(VCL_GVISOR);
	case VCL_TEN_UNTRUSTED:
	case VCL_TEN_HOSTILE:
		vcl_advise_step(d, VCL_BARE, VCL_STEP_EXCLUDE, true, "tenancy",
				"%s tenants: bare ruled out (no isolation at all)",
				vcl_tenancy_name(s->tenancy));
		vcl_advise_step(
		    d, VCL_CTR, VCL_STEP_EXCLUDE, true, "tenancy",
		    "%s tenants: ctr ruled out (shares the host kernel: one kernel bug crosses "
		    "tenants)",
		    vcl_tenancy_name(s->tenancy));
		if (s->tenancy == VCL_TEN_HOSTILE) {
			if (d->sandbox)
				vcl_advise_step(
				    d, VCL_GVISOR, VCL_STEP_EXCLUDE, true, "tenancy",
				    "hostile tenants: gvisor ruled out (its sentry still runs on "
				    "the shared host kernel; a VM is the minimum)");
			vcl_advise_step(
			    d, VCL_VM, VCL_STEP_NOTE, true, "tenancy",
			    "hostile tenants: a VM is the minimum, not enough alone: dedicated "
			    "hosts "
			    "per tenant, no shared SMT siblings, patched VMM");
			return VCL_PLACE_BIT(VCL_VM);
		}
		if (d->sandbox)
			vcl_advise_step(d, VCL_GVISOR, VCL_STEP_NOTE, true, "tenancy",
					"untrusted tenants: gvisor allowed (a user-space kernel "
					"between the service and the host's), weighed against vm "
					"on the measured cost");
		return VCL_PLACE_BIT(VCL_VM) | VCL_PLACE_BIT(VCL_GVISOR);
	}
	return VCL_PLACE_ALL;
}

/* One placement's measured isolation in words. */
static void iso_words(const struct vcl_meas_iso *i, char *buf, size_t len)
{
	snprintf(buf, len,
		 "%s, %u capabilities%s, %u of %u calls containerd forbids went through%s%s",
		 i->host_kernel == 1   ? "on the host's kernel"
		 : i->host_kernel == 0 ? "its own kernel"
				       : "kernel not compared",
		 i->caps, i->sys_admin ? " incl. CAP_SYS_ADMIN" : ", no CAP_SYS_ADMIN", i->through,
		 i->tried, i->host_kernel == 0 && i->through > 0 ? " (inside its own kernel)" : "",
		 i->host_pid == 1 ? ", host processes visible" : "");
}

void vcl_rule_isolation_facts(const struct vcl_service *s, const struct vcl_measured *m,
			      struct vcl_decision *d)
{
	if (s->tenancy == VCL_TEN_TRUSTED)
		return;
	for (int p = 0; p < VCL_NPLACE; p++) {
		const struct vcl_meas_iso *i = &m->iso[p];
		char words[300];

		if (!i->present || (p == VCL_GVISOR && !d->sandbox))
			continue;
		iso_words(i, words, sizeof(words));
		vcl_advise_step(
		    d, p, VCL_STEP_INFO, false, "isolation",
		    "measured (the report's isolation table, backends.%s.isolation): %s",
		    vcl_place_name((enum vcl_place)p), words);
		if (i->cri_violations > 0)
			vcl_advise_step(d, p, VCL_STEP_NOTE, true, "isolation",
					"%s broke containerd's defaults %d time(s) in this run "
					"(the report's isolation table names them): fix its "
					"confinement before trusting it with %s tenants",
					vcl_place_name((enum vcl_place)p), i->cri_violations,
					vcl_tenancy_name(s->tenancy));
	}
}

unsigned vcl_rule_kernel(const struct vcl_service *s, struct vcl_decision *d)
{
	if (!s->own_kernel) {
		vcl_advise_step(d, -1, VCL_STEP_INFO, false, "kernel",
				"runs on a shared kernel: every placement allowed");
		return VCL_PLACE_ALL;
	}
	vcl_advise_step(
	    d, VCL_BARE, VCL_STEP_EXCLUDE, true, "kernel",
	    "own kernel or kernel modules: bare ruled out (would change the host kernel)");
	vcl_advise_step(
	    d, VCL_CTR, VCL_STEP_EXCLUDE, true, "kernel",
	    "own kernel or kernel modules: ctr ruled out (containers share the host kernel)");
	if (d->sandbox)
		vcl_advise_step(d, VCL_GVISOR, VCL_STEP_EXCLUDE, true, "kernel",
				"own kernel or kernel modules: gvisor ruled out (its kernel is "
				"gVisor's, which loads no modules)");
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
		vcl_advise_step(d, -1, VCL_STEP_INFO, false, "hardware",
				"no direct hardware: every placement allowed");
		return VCL_PLACE_ALL;
	}
	hw_names(s->hw, names, sizeof(names));
	vcl_advise_step(
	    d, VCL_CTR, VCL_STEP_EXCLUDE, true, "hardware",
	    "direct %s: ctr ruled out (measured with a veth pair from a lab netns and its own "
	    "loopback only; device passthrough not measured)",
	    names);
	vcl_advise_step(
	    d, VCL_VM, VCL_STEP_EXCLUDE, true, "hardware",
	    "direct %s: vm ruled out (measured with virtio only; VFIO passthrough not measured)",
	    names);
	if (d->sandbox)
		vcl_advise_step(d, VCL_GVISOR, VCL_STEP_EXCLUDE, true, "hardware",
				"direct %s: gvisor ruled out (the sandbox passes no host device "
				"through)",
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
		if (p == VCL_GVISOR && !d->sandbox)
			continue;
		vcl_advise_not_measured(m, (enum vcl_place)p, why, sizeof(why));
		vcl_advise_step(d, p, VCL_STEP_EXCLUDE, true, "measured", "%s", why);
	}
	return mask;
}

unsigned vcl_rule_startup_slo(const struct vcl_service *s, const struct vcl_measured *m,
			      unsigned mask, struct vcl_decision *d)
{
	unsigned ok = 0;
	char a[32], b[32];

	if (s->slo_ms <= 0.0) {
		vcl_advise_step(d, -1, VCL_STEP_INFO, false, "slo", "no startup SLO stated");
		return mask;
	}
	for (int p = 0; p < VCL_NPLACE; p++) {
		const struct vcl_meas_backend *mb = &m->b[p];
		const char *name = vcl_place_name((enum vcl_place)p);
		bool tcg = p == VCL_VM && m->tcg;

		if (!(mask & VCL_PLACE_BIT(p)))
			continue;
		if (!mb->has_startup) {
			vcl_advise_step(
			    d, p, VCL_STEP_EXCLUDE, true, "slo",
			    "%s: cannot check startup SLO (backends.%s.startup_ms.p95 missing%s)",
			    name, name, mb->startup_failures > 0 ? "; every launch failed" : "");
			continue;
		}
		if (mb->startup_p95 > s->slo_ms) {
			vcl_advise_step(d, p, VCL_STEP_EXCLUDE, true, "slo",
					"%s p95 startup %s ms > SLO %s ms%s", name,
					ms(mb->startup_p95, a, sizeof(a)),
					ms(s->slo_ms, b, sizeof(b)),
					tcg ? " (measured under TCG)" : "");
			continue;
		}
		vcl_advise_step(d, p, VCL_STEP_INFO, false, "slo",
				"%s p95 startup %s ms <= SLO %s ms%s", name,
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
		vcl_advise_step(d, p, VCL_STEP_COST, false, "cost", "%s cost %.1f points: %s%s",
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
	/* "Clearly": twice the chosen cost and 64 MiB more, on memory alone. */
	return !((vm_mem + 1.0) / (b + 1.0) >= 2.0 && vm_mem - b >= 64.0);
}

static void dedicated_cores_note(const struct vcl_service *s, struct vcl_decision *d, int p)
{
	static const char *const how[] = {
	    "bare: isolate them with a cpuset (taskset/isolcpus) on the node",
	    "ctr: Guaranteed QoS with integer CPU = limits, static CPU manager policy",
	    "vm: pin vCPUs and the emulator thread to host cores",
	};

	if (s->dedicated_cores && p >= 0)
		vcl_advise_step(d, p, VCL_STEP_NOTE, true, "cores", "dedicated cores: %s", how[p]);
}

/* Step 1 left nothing: say which constraint allows what, and call a clash
 * of host access with untrusted tenancy the conflict it is. */
static void none_allowed(const struct vcl_service *s, struct vcl_decision *d, unsigned ten,
			 unsigned ker, unsigned hw, unsigned host, unsigned dev)
{
	char why[240] = "", a[32];
	size_t off = 0;
	const struct {
		unsigned mask;
		const char *what;
	} by[] = {{ten, "tenancy"},
		  {ker, "kernel"},
		  {hw, "hardware"},
		  {host, "host access"},
		  {dev, "device"}};

	for (size_t i = 0; i < ARRAY_SIZE(by); i++) {
		if (by[i].mask == VCL_PLACE_ALL || off >= sizeof(why))
			continue;
		off += (size_t)snprintf(why + off, sizeof(why) - off, "%s%s allows only %s",
					off > 0 ? "; " : "", by[i].what,
					mask_names(by[i].mask, a, sizeof(a)));
	}
	d->verdict = VCL_ADVICE_NONE;
	vcl_advise_step(d, -1, VCL_STEP_DECIDE, true, "decide",
			"no placement satisfies all constraints: %s", why);
	if (host != VCL_PLACE_ALL && !(ten & VCL_PLACE_BIT(VCL_CTR)))
		vcl_advise_step(
		    d, -1, VCL_STEP_NOTE, true, "conflict",
		    "conflict: the workload needs the host (cannot be sandboxed) and its %s "
		    "tenancy "
		    "needs a VM; not papered over: trust the agent and run it as ctr, or split the "
		    "host-facing part from the tenant code",
		    vcl_tenancy_name(s->tenancy));
	if (hw != VCL_PLACE_ALL)
		vcl_advise_step(d, -1, VCL_STEP_NOTE, true, "hardware",
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
	vcl_advise_step(
	    d, -1, VCL_STEP_DECIDE, true, "decide",
	    "no placement satisfies all constraints: the startup SLO %s ms is below the "
	    "p95 of every allowed placement (%s)",
	    ms(s->slo_ms, a, sizeof(a)), mask_names(cand, b, sizeof(b)));
	if (d->tcg_matters)
		vcl_advise_step(d, VCL_VM, VCL_STEP_NOTE, true, "accel",
				"vm startup was measured under TCG; under KVM it is far lower: "
				"re-measure on a KVM host before giving up on vm");
}

/* The manifest facts every reason should carry: where the tenancy came
 * from, whose numbers are used, the HPA. */
static void cite_inputs(const struct vcl_service *s, const struct vcl_measured *m,
			struct vcl_decision *d)
{
	const struct vcl_fact *f = vcl_service_find_fact(s, VCL_FACT_TENANCY);

	if (f != NULL && s->tenancy != VCL_TEN_TRUSTED)
		vcl_advise_step(d, -1, VCL_STEP_NOTE, true, "tenancy", "tenancy %s: %s (%s)",
				vcl_tenancy_name(s->tenancy), f->text, f->at);
	f = vcl_service_find_fact(s, VCL_FACT_NUMBERS);
	if (f != NULL)
		vcl_advise_step(d, -1, VCL_STEP_NOTE, true, "numbers", "numbers: %s", f->text);
	else
		vcl_advise_step(
		    d, -1, VCL_STEP_NOTE, true, "numbers",
		    "numbers: %s's (%s), not this service's: measure its image to judge it",
		    m->numbers,
		    s->nimages > 0 ? "no measured service in the results matches its image"
				   : "a profile names no image");
	f = vcl_service_find_fact(s, VCL_FACT_HPA);
	if (f != NULL) {
		char a[32], b[32];

		vcl_advise_step(
		    d, -1, VCL_STEP_NOTE, true, "hpa",
		    "%s (%s): costed at %ld, %ld at peak; each scale-out waits for startup (ctr "
		    "p50 %s ms, vm %s ms)%s",
		    f->text, f->at, s->replicas, s->hpa_max,
		    m->b[VCL_CTR].has_startup ? ms(m->b[VCL_CTR].startup_p50, a, sizeof(a)) : "?",
		    m->b[VCL_VM].has_startup ? ms(m->b[VCL_VM].startup_p50, b, sizeof(b)) : "?",
		    s->scale_per_hour > 0.0
			? ""
			: "; no rate stated (vclab.io/scale-out-per-hour), so reaction is not "
			  "priced");
	}
}

/* After the choice: what the manifest says that qualifies it. */
static void manifest_notes(const struct vcl_service *s, struct vcl_decision *d, int best)
{
	const struct vcl_fact *f = vcl_service_find_fact(s, VCL_FACT_PSA);
	char buf[240];

	if (s->host_access)
		vcl_advise_step(
		    d, best, VCL_STEP_NOTE, true, "host",
		    "host access: cannot be sandboxed: keep it on runc, least privilege (drop "
		    "what it does not use), and out of tenant namespaces");
	if (f != NULL && s->host_access && strstr(f->text, "enforce: privileged") == NULL)
		vcl_advise_step(d, -1, VCL_STEP_NOTE, true, "admission",
				"%s (%s) rejects this pod's host access at admission", f->text,
				f->at);
	if (s->runtime_class[0] != '\0' && best >= 0 && vcl_advise_default(s) != best)
		vcl_advise_step(d, best, VCL_STEP_NOTE, true, "runtime",
				"changes the existing runtimeClassName %s (%s)", s->runtime_class,
				vcl_service_find_fact(s, VCL_FACT_RUNTIME) != NULL
				    ? vcl_service_find_fact(s, VCL_FACT_RUNTIME)->at
				    : s->origin);
	if (best == VCL_CTR && s->tenancy >= VCL_TEN_MULTI_TEAM &&
	    vcl_service_find_fact(s, VCL_FACT_HARDENING) != NULL) {
		size_t off = 0, n = 0;

		buf[0] = '\0';
		for (size_t i = 0; i < s->nfacts && n < 3 && off < sizeof(buf); i++)
			if (s->facts[i].kind == VCL_FACT_HARDENING) {
				off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s (%s)",
							n > 0 ? "; " : "", s->facts[i].text,
							s->facts[i].at);
				n++;
			}
		vcl_advise_step(d, VCL_CTR, VCL_STEP_NOTE, true, "hardening",
				"ctr shared with other teams, yet: %s", buf);
	}
}

/* A rule's mask without gvisor, where the results did not measure it; a
 * rule that allowed everything still does. */
static unsigned no_sandbox(unsigned mask)
{
	return mask == VCL_PLACE_ALL ? mask : mask & ~VCL_PLACE_BIT(VCL_GVISOR);
}

/* The choice is made: caps on the confidence and the notes that qualify it. */
static void explain_choice(const struct vcl_service *s, const struct vcl_measured *m,
			   struct vcl_decision *d, unsigned cand, unsigned ok, int second)
{
	int best = d->place;
	unsigned unmeasured = d->allowed & ~d->measured;
	bool partial = d->cost[best].partial || (second >= 0 && d->cost[second].partial);
	const char *capped = "";
	char a[32];

	d->verdict = VCL_ADVICE_OK;
	d->tcg_matters = tcg_matters(m, d, cand, best);
	if ((partial || unmeasured != 0 || d->tcg_matters) && d->conf == VCL_CONF_HIGH) {
		d->conf = VCL_CONF_MEDIUM;
		capped = ": confidence capped at medium";
	}
	/* When costs decided, the cost lines of the candidates cite the
	 * measured numbers the choice rests on. */
	for (int p = 0; p < VCL_NPLACE; p++)
		if (second >= 0 && (ok & VCL_PLACE_BIT(p)) && d->cost_step[p] >= 0)
			d->steps[d->cost_step[p]].reason = true;
	if (d->tcg_matters)
		vcl_advise_step(
		    d, VCL_VM, VCL_STEP_NOTE, true, "accel",
		    "vm lost on numbers measured under TCG, which overstates VM startup and CPU "
		    "cost%s",
		    capped);
	if (unmeasured != 0)
		vcl_advise_step(
		    d, -1, VCL_STEP_NOTE, true, "coverage",
		    "decided without %s, which the constraints allow but the results do not "
		    "measure%s",
		    mask_names(unmeasured, a, sizeof(a)), d->tcg_matters ? "" : capped);
	for (int i = 0; i < 2; i++) {
		int p = i == 0 ? best : second;

		if (p >= 0 && d->cost[p].partial)
			vcl_advise_step(d, p, VCL_STEP_NOTE, true, "cost",
					"%s: not measured, counted as 0: %s%s",
					vcl_place_name((enum vcl_place)p), d->cost[p].missing,
					d->tcg_matters || unmeasured ? "" : capped);
	}
	manifest_notes(s, d, best);
	dedicated_cores_note(s, d, best);
	vcl_advise_step(d, -1, VCL_STEP_DECIDE, false, "confidence", "confidence %s",
			vcl_confidence_name(d->conf));
}

/* One tax in words: "disk tax x5.10 [4.20-6.00] (fio randread_iops,
 * backends.vm.disk.metrics.randread_iops.x_bare)". */
static void tax_text(const struct vcl_measured *m, int p, int r, char *buf, size_t len)
{
	const struct vcl_meas_backend *b = &m->b[p];

	if (isfinite(b->tax_lo[r]) && isfinite(b->tax_hi[r]))
		snprintf(buf, len, "%s tax x%.2f [%.2f-%.2f] (backends.%s.%s.metrics.%s.x_bare%s)",
			 vcl_res_name((enum vcl_res)r), b->tax[r], b->tax_lo[r], b->tax_hi[r],
			 vcl_place_name((enum vcl_place)p), vcl_res_name((enum vcl_res)r),
			 vcl_res_figure((enum vcl_res)r),
			 p == VCL_VM && m->tcg ? ", a TCG figure" : "");
	else
		snprintf(buf, len, "%s tax x%.2f, no CI (backends.%s.%s.metrics.%s.x_bare%s)",
			 vcl_res_name((enum vcl_res)r), b->tax[r],
			 vcl_place_name((enum vcl_place)p), vcl_res_name((enum vcl_res)r),
			 vcl_res_figure((enum vcl_res)r),
			 p == VCL_VM && m->tcg ? ", a TCG figure" : "");
}

unsigned vcl_rule_resources(const struct vcl_service *s, const struct vcl_measured *m,
			    unsigned mask, struct vcl_decision *d)
{
	unsigned out = mask;
	char t[400];

	for (int r = 0; r < VCL_NRES && s->heavy != 0; r++) {
		if (!(s->heavy & (1u << r)))
			continue;
		for (int p = 0; p < VCL_NPLACE; p++) {
			const struct vcl_meas_backend *b = &m->b[p];
			bool against;

			if (!(mask & VCL_PLACE_BIT(p)) || p == VCL_BARE)
				continue;
			if (!(b->has_tax & (1u << r))) {
				vcl_advise_step(d, p, VCL_STEP_INFO, false, "resources",
						"%s-heavy (%s): %s's %s tax not measured (run "
						"--scenarios %s)",
						vcl_res_name((enum vcl_res)r), s->heavy_at,
						vcl_place_name((enum vcl_place)p),
						vcl_res_name((enum vcl_res)r),
						vcl_res_name((enum vcl_res)r));
				continue;
			}
			tax_text(m, p, r, t, sizeof(t));
			against = b->tax[r] >= VCL_TAX_AGAINST && isfinite(b->tax_lo[r]) &&
				  b->tax_lo[r] > 1.0 &&
				  __builtin_popcount(out & ~VCL_PLACE_BIT(p)) > 0;
			if (against)
				out &= ~VCL_PLACE_BIT(p);
			vcl_advise_step(
			    d, p, against ? VCL_STEP_EXCLUDE : VCL_STEP_INFO, against, "resources",
			    "%s-heavy service (%s): %s's %s%s", vcl_res_name((enum vcl_res)r),
			    s->heavy_at, vcl_place_name((enum vcl_place)p), t,
			    against ? ": advised against it" : ": weighed, not ruling out");
		}
	}
	return out;
}

void vcl_advise_decide(const struct vcl_service *s, const struct vcl_measured *m,
		       struct vcl_decision *d)
{
	unsigned ten, ker, hw, host, dev, cand, ok;
	int best, second;
	char a[32];

	memset(d, 0, sizeof(*d));
	d->place = -1;
	for (int p = 0; p < VCL_NPLACE; p++) {
		d->cost_step[p] = -1;
		if (m->b[p].present && m->b[p].has_overhead) {
			d->overhead_kib[p] = m->b[p].overhead_kib;
			d->has_overhead |= VCL_PLACE_BIT(p);
		}
	}

	/* 1. Hard constraints that need no measurement. */
	d->sandbox = m->b[VCL_GVISOR].present;
	ten = vcl_rule_tenancy(s, d);
	vcl_rule_isolation_facts(s, m, d);
	ker = vcl_rule_kernel(s, d);
	hw = vcl_rule_hardware(s, d);
	host = vcl_rule_host(s, d);
	dev = vcl_rule_device(s, d);
	if (!d->sandbox) { /* not measured: no candidate, named nowhere */
		ten = no_sandbox(ten);
		ker = no_sandbox(ker);
		hw = no_sandbox(hw);
		host = no_sandbox(host);
		dev = no_sandbox(dev);
	}
	d->allowed = ten & ker & hw & host & dev;
	if (!d->sandbox)
		d->allowed &= ~VCL_PLACE_BIT(VCL_GVISOR);
	cite_inputs(s, m, d);
	if (d->allowed == 0) {
		none_allowed(s, d, ten, ker, hw, host, dev);
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
		vcl_advise_step(
		    d, -1, VCL_STEP_DECIDE, true, "decide",
		    "cannot judge: the constraints allow only %s, which %s not measured in %s",
		    mask_names(d->allowed, a, sizeof(a)),
		    __builtin_popcount(d->allowed) > 1 ? "were" : "was", m->source);
		return;
	}

	/* 3. The startup SLO against measured p95, among what the
	 * service's resource profile leaves. */
	cand = vcl_rule_resources(s, m, cand, d);
	ok = vcl_rule_startup_slo(s, m, cand, d);
	d->slo_ok = ok;
	if (ok == 0) {
		slo_unmet(s, m, d, cand);
		return;
	}

	/* 4. The platform default unless another placement wins by a
	 * measurable, material margin (advise_choose.c). */
	vcl_advise_choose(s, m, d, ok, &best, &second);
	d->place = best;
	explain_choice(s, m, d, cand, ok, second);
}
