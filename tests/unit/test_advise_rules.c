/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the advisor's rules: each rule, the costs, the confidence and
 * the decision on literal input. No root.
 */
#include <check.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "advise/advise.h"
#include "core/k8s.h"
#include "core/cleanup.h"
#include "core/results.h"
#include "tests/suite_main.h"

#define FIXTURE "tests/data/results-sample.json"

/* Numbers shaped like the fixture, written out so each rule test shows the
 * numbers it relies on. */
static struct vcl_meas_backend backend(double p50, double p95, double overhead_kib, double reaction,
				       double rps, double p99)
{
	return (struct vcl_meas_backend){
	    .present = true,
	    .has_startup = true,
	    .startup_p50 = p50,
	    .startup_p95 = p95,
	    .has_overhead = true,
	    .overhead_kib = overhead_kib,
	    .has_reaction = true,
	    .reaction_p50 = reaction,
	    .has_steady = true,
	    .rps = rps,
	    .lat_p99 = p99,
	};
}

static void measured(struct vcl_measured *m, bool tcg)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->source, sizeof(m->source), "R.json");
	snprintf(m->accel, sizeof(m->accel), "%s", tcg ? "tcg" : "kvm");
	m->tcg = tcg;
	m->complete = true;
	m->b[VCL_BARE] = backend(1.6, 1.8, 0.0, 270.0, 5000.0, 2.0);
	m->b[VCL_CTR] = backend(4.1, 4.7, 1024.0, 280.0, 4800.0, 2.2);
	m->b[VCL_VM] = backend(1900.0, 1930.0, 200.0 * 1024, 2700.0, 300.0, 30.0);
}

static void service(struct vcl_service *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "svc");
	snprintf(s->kind, sizeof(s->kind), "profile");
	s->replicas = 4;
	s->mem_mib = 512;
	s->mem_given = true;
	s->tenancy = VCL_TEN_TRUSTED;
	s->tenancy_given = true;
	s->latency = VCL_LAT_LOW;
}

/* True when some step of d mentions needle (and, if kind >= 0, has that kind). */
static bool has_step(const struct vcl_decision *d, int kind, const char *needle)
{
	for (size_t i = 0; i < d->nsteps; i++)
		if ((kind < 0 || (int)d->steps[i].kind == kind) &&
		    strstr(d->steps[i].text, needle) != NULL)
			return true;
	return false;
}

/* bare, ctr and vm: what measured() fills in (no gvisor). */
#define MEASURED3 (VCL_PLACE_BIT(VCL_BARE) | VCL_PLACE_BIT(VCL_CTR) | VCL_PLACE_BIT(VCL_VM))

START_TEST(tenancy_rule)
{
	struct vcl_service s;
	struct vcl_decision d = {0};

	service(&s);
	ck_assert_uint_eq(vcl_rule_tenancy(&s, &d), VCL_PLACE_ALL);
	ck_assert(!has_step(&d, VCL_STEP_NOTE, "assumed"));

	memset(&d, 0, sizeof(d));
	s.tenancy_given = false;
	ck_assert_uint_eq(vcl_rule_tenancy(&s, &d), VCL_PLACE_ALL);
	ck_assert(has_step(&d, VCL_STEP_NOTE, "assumed trusted"));

	memset(&d, 0, sizeof(d));
	s.tenancy = VCL_TEN_MULTI_TEAM;
	ck_assert_uint_eq(vcl_rule_tenancy(&s, &d), VCL_PLACE_BIT(VCL_CTR) | VCL_PLACE_BIT(VCL_VM) |
							VCL_PLACE_BIT(VCL_GVISOR));
	ck_assert(has_step(&d, VCL_STEP_NOTE, "ctr allowed"));

	memset(&d, 0, sizeof(d));
	s.tenancy = VCL_TEN_UNTRUSTED;
	/* gvisor beside vm; named in a step only where the results measured
	 * it (d.sandbox). */
	ck_assert_uint_eq(vcl_rule_tenancy(&s, &d),
			  VCL_PLACE_BIT(VCL_VM) | VCL_PLACE_BIT(VCL_GVISOR));
	ck_assert(!has_step(&d, VCL_STEP_NOTE, "dedicated hosts"));
	ck_assert(!has_step(&d, VCL_STEP_NOTE, "gvisor allowed"));
	memset(&d, 0, sizeof(d));
	d.sandbox = true;
	ck_assert_uint_eq(vcl_rule_tenancy(&s, &d),
			  VCL_PLACE_BIT(VCL_VM) | VCL_PLACE_BIT(VCL_GVISOR));
	ck_assert(has_step(&d, VCL_STEP_NOTE, "gvisor allowed"));
	s.tenancy = VCL_TEN_HOSTILE;
	memset(&d, 0, sizeof(d));
	d.sandbox = true;
	ck_assert_uint_eq(vcl_rule_tenancy(&s, &d), VCL_PLACE_BIT(VCL_VM));
	ck_assert(has_step(&d, VCL_STEP_EXCLUDE, "gvisor ruled out"));
	s.tenancy = VCL_TEN_UNTRUSTED;
	memset(&d, 0, sizeof(d));

	memset(&d, 0, sizeof(d));
	s.tenancy = VCL_TEN_HOSTILE;
	ck_assert_uint_eq(vcl_rule_tenancy(&s, &d), VCL_PLACE_BIT(VCL_VM));
	ck_assert(has_step(&d, VCL_STEP_NOTE, "VM is the minimum"));
	ck_assert(has_step(&d, VCL_STEP_NOTE, "dedicated hosts"));
}
END_TEST

START_TEST(kernel_and_hardware_rules)
{
	struct vcl_service s;
	struct vcl_decision d = {0};

	service(&s);
	ck_assert_uint_eq(vcl_rule_kernel(&s, &d), VCL_PLACE_ALL);
	ck_assert_uint_eq(vcl_rule_hardware(&s, &d), VCL_PLACE_ALL);
	s.own_kernel = true;
	ck_assert_uint_eq(vcl_rule_kernel(&s, &d), VCL_PLACE_BIT(VCL_VM));
	s.hw = VCL_HW_GPU | VCL_HW_NIC;
	ck_assert_uint_eq(vcl_rule_hardware(&s, &d), VCL_PLACE_BIT(VCL_BARE));
	ck_assert(has_step(&d, VCL_STEP_EXCLUDE, "direct nic+gpu: vm ruled out"));
}
END_TEST

START_TEST(measured_rule)
{
	struct vcl_measured m;
	struct vcl_decision d = {0};

	measured(&m, true);
	/* gvisor is not in these results: no candidate, and no step names it */
	ck_assert_uint_eq(vcl_rule_measured(&m, &d), MEASURED3);
	ck_assert_uint_eq(d.nsteps, 0);
	m.b[VCL_VM].present = false;
	ck_assert_uint_eq(vcl_rule_measured(&m, &d),
			  VCL_PLACE_BIT(VCL_BARE) | VCL_PLACE_BIT(VCL_CTR));
	ck_assert_str_eq(d.steps[0].text,
			 "vm: not measured in results R.json (backends.vm missing)");
}
END_TEST

START_TEST(slo_rule)
{
	struct vcl_service s;
	struct vcl_measured m;
	struct vcl_decision d = {0};

	service(&s);
	measured(&m, true);
	/* No SLO: nothing is ruled out. */
	ck_assert_uint_eq(vcl_rule_startup_slo(&s, &m, VCL_PLACE_ALL, &d), VCL_PLACE_ALL);
	s.slo_ms = 500;
	ck_assert_uint_eq(vcl_rule_startup_slo(&s, &m, VCL_PLACE_ALL, &d),
			  VCL_PLACE_BIT(VCL_BARE) | VCL_PLACE_BIT(VCL_CTR));
	ck_assert(has_step(&d, VCL_STEP_EXCLUDE,
			   "vm p95 startup 1930 ms > SLO 500 ms (measured under TCG)"));
	/* Exactly at the SLO passes: the SLO is a bound, not a target. */
	s.slo_ms = 1930;
	ck_assert_uint_eq(vcl_rule_startup_slo(&s, &m, VCL_PLACE_ALL, &d), MEASURED3);
	/* Only placements in the mask are looked at. */
	ck_assert_uint_eq(vcl_rule_startup_slo(&s, &m, VCL_PLACE_BIT(VCL_CTR), &d),
			  VCL_PLACE_BIT(VCL_CTR));
	/* A placement without startup numbers cannot be checked. */
	memset(&d, 0, sizeof(d));
	m.b[VCL_CTR].has_startup = false;
	ck_assert_uint_eq(vcl_rule_startup_slo(&s, &m, VCL_PLACE_ALL, &d),
			  VCL_PLACE_BIT(VCL_BARE) | VCL_PLACE_BIT(VCL_VM));
	ck_assert(has_step(&d, VCL_STEP_EXCLUDE, "backends.ctr.startup_ms.p95 missing"));
}
END_TEST

START_TEST(cost_terms)
{
	struct vcl_service s;
	struct vcl_measured m;
	struct vcl_cost c;

	service(&s);
	measured(&m, false);
	s.scale_per_hour = 10;
	s.latency = VCL_LAT_MEDIUM;
	/* ctr: 4 x 1024 KiB = 4 MiB; 10/h x 0.28 s x 10 = 28; p99 2.2 vs
	 * 2.0 is 10% slower, rps 4800 vs 5000 only 4.2%: 10 x weight 4 = 40. */
	vcl_advise_cost(&s, &m, VCL_CTR, &c);
	ck_assert(c.scored && !c.partial);
	ck_assert_double_eq_tol(c.mem, 4.0, 1e-9);
	ck_assert_double_eq_tol(c.scale, 28.0, 1e-9);
	ck_assert_double_eq_tol(c.steady_overhead, 0.1, 1e-9);
	ck_assert(!c.steady_by_rps);
	ck_assert_double_eq_tol(c.steady, 40.0, 1e-9);
	ck_assert_double_eq_tol(c.total, 72.0, 1e-9);
	/* bare is the steady-state reference: 0 by definition. */
	vcl_advise_cost(&s, &m, VCL_BARE, &c);
	ck_assert_double_eq_tol(c.total, 27.0, 1e-9);
	/* vm: throughput 5000/300 = 16.67x is worse than p99 15x. */
	vcl_advise_cost(&s, &m, VCL_VM, &c);
	ck_assert(c.steady_by_rps);
	ck_assert_double_eq_tol(c.steady_overhead, 5000.0 / 300.0 - 1.0, 1e-9);
	/* No autoscale numbers: startup p50 stands in. */
	m.b[VCL_CTR].has_reaction = false;
	vcl_advise_cost(&s, &m, VCL_CTR, &c);
	ck_assert(c.reaction_from_startup);
	ck_assert_double_eq_tol(c.scale, 10 * 0.0041 * 10, 1e-9);
	/* No steady numbers: the term counts 0 and the cost is partial. */
	m.b[VCL_CTR].has_steady = false;
	vcl_advise_cost(&s, &m, VCL_CTR, &c);
	ck_assert(c.partial);
	ck_assert_double_eq(c.steady, 0.0);
	/* Not measured at all: not scored. */
	m.b[VCL_CTR].present = false;
	vcl_advise_cost(&s, &m, VCL_CTR, &c);
	ck_assert(!c.scored);
}
END_TEST

START_TEST(confidence)
{
	struct vcl_tie t = {0};

	/* A tie: high when every difference is under half its material level. */
	t.tie = true;
	t.q = 0.3;
	ck_assert_int_eq(vcl_advise_tie_confidence(&t), VCL_CONF_HIGH);
	t.q = 0.6;
	ck_assert_int_eq(vcl_advise_tie_confidence(&t), VCL_CONF_MEDIUM);
	t.q = 0.95;
	ck_assert_int_eq(vcl_advise_tie_confidence(&t), VCL_CONF_LOW);
	/* A win: by margin over the immaterial level. */
	t.tie = false;
	t.threshold = 10;
	t.margin = 45;
	ck_assert_int_eq(vcl_advise_tie_confidence(&t), VCL_CONF_HIGH);
	t.margin = -25;
	ck_assert_int_eq(vcl_advise_tie_confidence(&t), VCL_CONF_MEDIUM);
	t.margin = 12;
	ck_assert_int_eq(vcl_advise_tie_confidence(&t), VCL_CONF_LOW);
}
END_TEST

START_TEST(decide_contradictions)
{
	struct vcl_service s;
	struct vcl_measured m;
	struct vcl_decision d;

	measured(&m, false);
	/* Untrusted + direct hardware. */
	service(&s);
	s.tenancy = VCL_TEN_UNTRUSTED;
	s.hw = VCL_HW_GPU;
	vcl_advise_decide(&s, &m, &d);
	ck_assert_int_eq(d.verdict, VCL_ADVICE_NONE);
	ck_assert_int_eq(d.place, -1);
	ck_assert(has_step(&d, VCL_STEP_DECIDE,
			   "no placement satisfies all constraints: tenancy "
			   "allows only vm; hardware allows only bare"));
	/* Own kernel + a bare-only need. */
	service(&s);
	s.own_kernel = true;
	s.hw = VCL_HW_NIC;
	vcl_advise_decide(&s, &m, &d);
	ck_assert_int_eq(d.verdict, VCL_ADVICE_NONE);
	ck_assert(
	    has_step(&d, VCL_STEP_DECIDE, "kernel allows only vm; hardware allows only bare"));
	/* Untrusted with an SLO below vm's p95. */
	service(&s);
	s.tenancy = VCL_TEN_UNTRUSTED;
	s.slo_ms = 100;
	vcl_advise_decide(&s, &m, &d);
	ck_assert_int_eq(d.verdict, VCL_ADVICE_NONE);
	ck_assert(has_step(&d, VCL_STEP_EXCLUDE, "vm p95 startup 1930 ms > SLO 100 ms"));
	ck_assert(has_step(&d, VCL_STEP_DECIDE, "startup SLO 100 ms is below the p95"));
}
END_TEST

START_TEST(decide_choices)
{
	struct vcl_service s;
	struct vcl_measured m;
	struct vcl_decision d;

	measured(&m, false);
	service(&s);
	/* Trusted, latency critical: bare is cheaper on steady numbers, but
	 * nothing states a need for it: the default ctr stays. */
	s.latency = VCL_LAT_CRITICAL;
	vcl_advise_decide(&s, &m, &d);
	ck_assert_int_eq(d.verdict, VCL_ADVICE_OK);
	ck_assert_int_eq(d.place, VCL_CTR);
	ck_assert(has_step(&d, VCL_STEP_INFO, "no stated need for bare"));
	ck_assert(has_step(&d, VCL_STEP_INFO, "bare would save"));
	/* Untrusted: vm by hard constraint, high. */
	s.tenancy = VCL_TEN_UNTRUSTED;
	vcl_advise_decide(&s, &m, &d);
	ck_assert_int_eq(d.place, VCL_VM);
	ck_assert_int_eq(d.conf, VCL_CONF_HIGH);
	ck_assert(has_step(&d, VCL_STEP_DECIDE, "the only placement"));
	/* Multi-team: bare out, ctr in with a note. */
	s.tenancy = VCL_TEN_MULTI_TEAM;
	vcl_advise_decide(&s, &m, &d);
	ck_assert_int_eq(d.place, VCL_CTR);
	/* GPU, trusted: bare. */
	service(&s);
	s.hw = VCL_HW_GPU;
	vcl_advise_decide(&s, &m, &d);
	ck_assert_int_eq(d.place, VCL_BARE);
	ck_assert_int_eq(d.conf, VCL_CONF_HIGH);
	/* Dedicated cores add how to pin them for the chosen placement. */
	service(&s);
	s.dedicated_cores = true;
	s.tenancy = VCL_TEN_HOSTILE;
	vcl_advise_decide(&s, &m, &d);
	ck_assert(has_step(&d, VCL_STEP_NOTE, "dedicated cores: vm: pin vCPUs"));
}
END_TEST

START_TEST(decide_tie_goes_to_default)
{
	struct vcl_service s;
	struct vcl_measured m;
	struct vcl_decision d;

	measured(&m, false);
	service(&s);
	s.tenancy = VCL_TEN_MULTI_TEAM; /* ctr vs vm */
	/* vm cheaper on cost, but by less than is material: ties go to ctr. */
	s.latency = VCL_LAT_NONE;
	s.replicas = 1;
	m.b[VCL_VM].overhead_kib = 2048; /* 2 MiB vs 1: under 1% of 512 MiB */
	m.b[VCL_CTR].overhead_kib = 1024;
	m.b[VCL_VM].reaction_p50 = 990.0;  /* 100/h x 0.99 s x 10 = 990 */
	m.b[VCL_CTR].reaction_p50 = 993.0; /* 3 ms apart: under 5 ms */
	s.scale_per_hour = 100;
	vcl_advise_decide(&s, &m, &d);
	ck_assert(d.cost[VCL_VM].total < d.cost[VCL_CTR].total);
	ck_assert_int_eq(d.place, VCL_CTR);
	ck_assert(has_step(&d, VCL_STEP_DECIDE, "tie with vm, so ctr"));
	/* A stated preference takes the tie instead. */
	s.prefer = VCL_VM;
	s.prefer_given = true;
	vcl_advise_decide(&s, &m, &d);
	ck_assert_int_eq(d.place, VCL_VM);
	ck_assert(has_step(&d, VCL_STEP_DECIDE, "the stated preference"));
	/* A material, measurable difference beats the preference. */
	m.b[VCL_VM].overhead_kib = 200.0 * 1024;
	vcl_advise_decide(&s, &m, &d);
	ck_assert_int_eq(d.place, VCL_CTR);
	ck_assert(has_step(&d, VCL_STEP_DECIDE, "ctr over vm"));
}
END_TEST

START_TEST(compare_noise_and_materiality)
{
	struct vcl_service s;
	struct vcl_measured m;
	struct vcl_decision d;
	struct vcl_tie t;

	measured(&m, false);
	service(&s);
	s.latency = VCL_LAT_NONE;
	s.scale_per_hour = 60;
	s.replicas = 1;
	/* bare vs ctr: startup 25 ms apart, but the comparison's CI holds 1. */
	m.b[VCL_CTR].has_reaction = m.b[VCL_BARE].has_reaction = false;
	m.b[VCL_CTR].startup_p50 = 30.0;
	m.cmp[VCL_CTR] = (struct vcl_meas_cmp){.present = true,
					       .ratio = 1.4,
					       .lo = 0.8,
					       .hi = 2.5,
					       .verdict = "no measurable difference"};
	vcl_advise_decide(&s, &m, &d);
	vcl_advise_compare(&s, &m, &d, VCL_CTR, VCL_BARE, &t);
	ck_assert(t.tie);
	ck_assert(strstr(t.why, "no measurable difference") != NULL);
	/* The CI excludes 1, but lies inside the A/A floor: still a tie. */
	m.cmp[VCL_CTR].lo = 1.1;
	m.cmp[VCL_CTR].hi = 1.3;
	m.has_aa = true;
	m.aa_lo = 1.05;
	m.aa_hi = 1.35;
	vcl_advise_compare(&s, &m, &d, VCL_CTR, VCL_BARE, &t);
	ck_assert(t.tie);
	/* Outside the floor, and 28 ms apart: a difference. */
	m.has_aa = false;
	vcl_advise_compare(&s, &m, &d, VCL_CTR, VCL_BARE, &t);
	ck_assert(!t.tie);
	ck_assert_int_eq(t.better, VCL_BARE);
	/* Measurable but under 5 ms: immaterial. */
	m.b[VCL_CTR].startup_p50 = 4.1;
	vcl_advise_decide(&s, &m, &d);
	vcl_advise_compare(&s, &m, &d, VCL_CTR, VCL_BARE, &t);
	ck_assert(t.tie);
	/* With no comparison, overlapping median CIs are no difference. */
	memset(&m.cmp, 0, sizeof(m.cmp));
	m.b[VCL_CTR].startup_p50 = 30.0;
	m.b[VCL_CTR].has_startup_ci = m.b[VCL_BARE].has_startup_ci = true;
	m.b[VCL_CTR].startup_lo = 1.0;
	m.b[VCL_CTR].startup_hi = 40.0;
	m.b[VCL_BARE].startup_lo = 1.5;
	m.b[VCL_BARE].startup_hi = 1.7;
	vcl_advise_decide(&s, &m, &d);
	vcl_advise_compare(&s, &m, &d, VCL_CTR, VCL_BARE, &t);
	ck_assert(t.tie);
	ck_assert(strstr(t.why, "overlap") != NULL);
	/* Memory: 1 MiB on a 512 MiB request is immaterial; on 64 MiB not. */
	s.scale_per_hour = 0;
	vcl_advise_decide(&s, &m, &d);
	vcl_advise_compare(&s, &m, &d, VCL_CTR, VCL_BARE, &t);
	ck_assert(t.tie);
	ck_assert_double_lt(t.q, 0.5);
	s.mem_mib = 64;
	vcl_advise_decide(&s, &m, &d);
	vcl_advise_compare(&s, &m, &d, VCL_CTR, VCL_BARE, &t);
	ck_assert(!t.tie);
}
END_TEST

START_TEST(bare_needs_a_stated_need)
{
	struct vcl_service s;
	struct vcl_measured m;
	struct vcl_decision d = {0};
	char why[300];

	measured(&m, false);
	service(&s);
	ck_assert(!vcl_advise_bare_need(&s, &m, &d, VCL_CTR, why, sizeof(why)));
	ck_assert(strstr(why, "no stated need") != NULL);
	s.hw = VCL_HW_NIC;
	ck_assert(vcl_advise_bare_need(&s, &m, &d, VCL_CTR, why, sizeof(why)));
	s.hw = 0;
	/* SLO 1000 ms: bare's 2.9 ms gain is far under a tenth of it. */
	s.slo_ms = 1000;
	ck_assert(!vcl_advise_bare_need(&s, &m, &d, VCL_CTR, why, sizeof(why)));
	/* SLO 60 ms, ctr p95 40 ms vs bare 1.8 and measurably so: bare. */
	s.slo_ms = 60;
	m.b[VCL_CTR].startup_p95 = 40.0;
	m.cmp[VCL_CTR] = (struct vcl_meas_cmp){
	    .present = true, .ratio = 20, .lo = 15, .hi = 25, .verdict = "higher"};
	ck_assert(vcl_advise_bare_need(&s, &m, &d, VCL_CTR, why, sizeof(why)));
	vcl_advise_decide(&s, &m, &d);
	ck_assert_int_eq(d.place, VCL_BARE);
	/* Not measurable (CI holds 1): no need. */
	m.cmp[VCL_CTR].lo = 0.5;
	ck_assert(!vcl_advise_bare_need(&s, &m, &d, VCL_CTR, why, sizeof(why)));
}
END_TEST

START_TEST(host_access_and_tenancy)
{
	struct vcl_service s;
	struct vcl_measured m;
	struct vcl_decision d;

	measured(&m, false);
	service(&s);
	s.k8s = true;
	vcl_service_fact(&s, VCL_FACT_HOST, "a.yaml:9", "hostPID: true");
	s.host_access = true;
	vcl_advise_decide(&s, &m, &d);
	ck_assert_int_eq(d.place, VCL_CTR);
	ck_assert(has_step(&d, VCL_STEP_EXCLUDE,
			   "host access: cannot be sandboxed: hostPID: true "
			   "(a.yaml:9)"));
	/* Untrusted without host access: vm. With it: a conflict. */
	s.tenancy = VCL_TEN_UNTRUSTED;
	vcl_advise_decide(&s, &m, &d);
	ck_assert_int_eq(d.verdict, VCL_ADVICE_NONE);
	ck_assert(has_step(&d, VCL_STEP_NOTE, "conflict: the workload needs the host"));
	s.host_access = false;
	vcl_advise_decide(&s, &m, &d);
	ck_assert_int_eq(d.place, VCL_VM);
	/* A device resource rules vm out, keeps ctr. */
	service(&s);
	s.device = true;
	ck_assert_uint_eq(vcl_rule_device(&s, &d),
			  VCL_PLACE_BIT(VCL_CTR) | VCL_PLACE_BIT(VCL_BARE));
	vcl_advise_decide(&s, &m, &d);
	ck_assert_int_eq(d.place, VCL_CTR);
}
END_TEST

START_TEST(decide_tcg_caps_confidence)
{
	struct vcl_service s;
	struct vcl_measured m;
	struct vcl_decision d;

	service(&s);
	s.tenancy = VCL_TEN_MULTI_TEAM;
	s.slo_ms = 1000; /* vm out on the SLO */
	measured(&m, false);
	vcl_advise_decide(&s, &m, &d);
	ck_assert_int_eq(d.place, VCL_CTR);
	ck_assert_int_eq(d.conf, VCL_CONF_HIGH);
	ck_assert(!d.tcg_matters);
	measured(&m, true);
	vcl_advise_decide(&s, &m, &d);
	ck_assert_int_eq(d.place, VCL_CTR);
	ck_assert(d.tcg_matters);
	ck_assert_int_eq(d.conf, VCL_CONF_MEDIUM);
	ck_assert(has_step(&d, VCL_STEP_NOTE, "confidence capped at medium"));
}
END_TEST

START_TEST(decide_without_vm)
{
	struct vcl_service s;
	struct vcl_measured m;
	struct vcl_decision d;

	measured(&m, true);
	m.b[VCL_VM].present = false;
	service(&s);
	vcl_advise_decide(&s, &m, &d);
	ck_assert_int_eq(d.verdict, VCL_ADVICE_OK);
	ck_assert_int_eq(d.place, VCL_CTR);
	ck_assert(has_step(&d, VCL_STEP_EXCLUDE, "vm: not measured in results R.json"));
	/* Deciding without an allowed placement is never high confidence. */
	ck_assert_int_le(d.conf, VCL_CONF_MEDIUM);
	ck_assert(has_step(&d, VCL_STEP_NOTE, "decided without vm"));
	/* A missing term names the key it lacked. */
	m.b[VCL_CTR].has_overhead = false;
	vcl_advise_decide(&s, &m, &d);
	ck_assert(has_step(&d, VCL_STEP_NOTE,
			   "ctr: not measured, counted as 0: backends.ctr.memory.overhead_kib"));
	/* What only vm could satisfy cannot be judged. */
	s.tenancy = VCL_TEN_UNTRUSTED;
	vcl_advise_decide(&s, &m, &d);
	ck_assert_int_eq(d.verdict, VCL_ADVICE_UNJUDGED);
	ck_assert(
	    has_step(&d, VCL_STEP_DECIDE, "constraints allow only vm, which was not measured"));
}
END_TEST

START_TEST(k8s_realisation_and_totals)
{
	struct vcl_service s[2];
	struct vcl_measured m;
	struct vcl_decision d[2];
	struct vcl_advise_input in = {.svc = s, .nsvc = 2};
	struct vcl_k8s_realise k;
	struct vcl_totals t;

	service(&s[0]);
	vcl_advise_k8s(&s[0], VCL_CTR, &k);
	ck_assert_str_eq(k.runtime_class, "runc");
	ck_assert_ptr_null(k.pool);
	vcl_advise_k8s(&s[0], VCL_VM, &k);
	ck_assert_str_eq(k.text, "runtimeClassName: kata");
	vcl_advise_k8s(&s[0], VCL_BARE, &k);
	ck_assert_str_eq(k.text, "nodeSelector vclab.io/pool: bare-metal");
	s[0].tenancy = VCL_TEN_HOSTILE;
	vcl_advise_k8s(&s[0], VCL_VM, &k);
	ck_assert_str_eq(k.pool, "dedicated");

	measured(&m, false);
	service(&s[0]); /* 4 x 512 MiB, bare */
	service(&s[1]);
	s[1].replicas = 2;
	s[1].tenancy = VCL_TEN_UNTRUSTED; /* vm */
	vcl_advise_decide(&s[0], &m, &d[0]);
	vcl_advise_decide(&s[1], &m, &d[1]);
	vcl_advise_totals(&in, d, &m, &t);
	ck_assert_double_eq_tol(t.mib[VCL_BARE], 6 * 512.0, 1e-9);
	ck_assert_double_eq_tol(t.mib[VCL_CTR], 6 * 513.0, 1e-9);
	ck_assert_double_eq_tol(t.mib[VCL_VM], 6 * 712.0, 1e-9);
	/* s[0] goes to ctr now (the default; bare states no need). */
	ck_assert_double_eq_tol(t.advised_mib, 4 * 513.0 + 2 * 712.0, 1e-9);
	ck_assert_uint_eq(t.advised_missing, 0);
}
END_TEST

/* A disk-heavy service: vm's significant x5 disk tax rules it out and the
 * reason cites the figure; a tax whose CI holds 1, or a service not heavy
 * on disk, leaves vm in; a profile string sets the bits. */
START_TEST(resources_rule)
{
	struct vcl_measured m;
	struct vcl_service s;
	struct vcl_decision d;
	unsigned ok;

	measured(&m, true);
	service(&s);
	m.b[VCL_VM].has_tax = 1u << VCL_RES_DISK;
	m.b[VCL_VM].tax[VCL_RES_DISK] = 5.0;
	m.b[VCL_VM].tax_lo[VCL_RES_DISK] = 4.2;
	m.b[VCL_VM].tax_hi[VCL_RES_DISK] = 6.1;
	memset(&d, 0, sizeof(d));
	ck_assert_uint_eq(vcl_rule_resources(&s, &m, MEASURED3, &d), MEASURED3);
	s.heavy = 1u << VCL_RES_DISK;
	snprintf(s.heavy_at, sizeof(s.heavy_at), "db.yaml:2:10");
	ok = vcl_rule_resources(&s, &m, MEASURED3, &d);
	ck_assert_uint_eq(ok, MEASURED3 & ~VCL_PLACE_BIT(VCL_VM));
	ck_assert(has_step(&d, VCL_STEP_EXCLUDE,
			   "vm's disk tax x5.00 [4.20-6.10] "
			   "(backends.vm.disk.metrics.randread_iops.x_bare, a TCG figure)"));
	ck_assert(has_step(&d, VCL_STEP_INFO, "ctr's disk tax not measured"));
	/* Not significant: weighed, vm stays. */
	m.b[VCL_VM].tax_lo[VCL_RES_DISK] = 0.9;
	memset(&d, 0, sizeof(d));
	ck_assert_uint_eq(vcl_rule_resources(&s, &m, MEASURED3, &d), MEASURED3);
	ck_assert(has_step(&d, VCL_STEP_INFO, "not ruling out"));
	/* Never rules out the last placement. */
	m.b[VCL_VM].tax_lo[VCL_RES_DISK] = 4.2;
	memset(&d, 0, sizeof(d));
	ck_assert_uint_eq(vcl_rule_resources(&s, &m, VCL_PLACE_BIT(VCL_VM), &d),
			  VCL_PLACE_BIT(VCL_VM));
}
END_TEST

START_TEST(profile_field)
{
	static const char y[] = "name: db\nmemory: 256Mi\nprofile: disk-heavy, net-heavy\n";
	static const char bad[] = "name: db\nmemory: 256Mi\nprofile: io-heavy\n";
	struct vcl_advise_input in = {0};
	struct vcl_error *err = NULL;

	ck_assert_int_eq(vcl_advise_parse_buffer("p.yaml", y, sizeof(y) - 1, &in, &err), 0);
	ck_assert_uint_eq(in.nsvc, 1);
	ck_assert_uint_eq(in.svc[0].heavy, (1u << VCL_RES_DISK) | (1u << VCL_RES_NET));
	ck_assert_str_eq(in.svc[0].heavy_at, "p.yaml:3:10");
	vcl_advise_input_free(&in);
	memset(&in, 0, sizeof(in));
	ck_assert_int_eq(vcl_advise_parse_buffer("p.yaml", bad, sizeof(bad) - 1, &in, &err), -1);
	ck_assert_ptr_nonnull(strstr(err->msg, "p.yaml:3:10: profile: unknown 'io-heavy'"));
	vcl_error_free(err);
	vcl_advise_input_free(&in);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {tenancy_rule,
				      kernel_and_hardware_rules,
				      measured_rule,
				      slo_rule,
				      cost_terms,
				      confidence,
				      decide_contradictions,
				      decide_choices,
				      decide_tie_goes_to_default,
				      compare_noise_and_materiality,
				      bare_needs_a_stated_need,
				      host_access_and_tenancy,
				      decide_tcg_caps_confidence,
				      decide_without_vm,
				      k8s_realisation_and_totals,
				      resources_rule,
				      profile_field};

	return run_suite(suite_of("advise_rules", 0, tests, ARRAY_SIZE(tests), NULL));
}
