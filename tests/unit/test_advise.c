/* SPDX-License-Identifier: MIT */
/* Unit tests of the advisor: each rule on literal input, the quantity and
 * YAML readers, bad input, and results that lack a placement. No root. */
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
	ck_assert_uint_eq(vcl_rule_tenancy(&s, &d), VCL_PLACE_BIT(VCL_CTR) | VCL_PLACE_BIT(VCL_VM));
	ck_assert(has_step(&d, VCL_STEP_NOTE, "ctr allowed"));

	memset(&d, 0, sizeof(d));
	s.tenancy = VCL_TEN_UNTRUSTED;
	ck_assert_uint_eq(vcl_rule_tenancy(&s, &d), VCL_PLACE_BIT(VCL_VM));
	ck_assert(!has_step(&d, VCL_STEP_NOTE, "dedicated hosts"));

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
	ck_assert_uint_eq(vcl_rule_measured(&m, &d), VCL_PLACE_ALL);
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
	ck_assert_uint_eq(vcl_rule_startup_slo(&s, &m, VCL_PLACE_ALL, &d), VCL_PLACE_ALL);
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

START_TEST(quantities)
{
	static const struct {
		const char *s;
		double v;
	} good[] = {
	    {"512Mi", 536870912.0},
	    {"1Gi", 1073741824.0},
	    {"500m", 0.5},
	    {"2", 2.0},
	    {"1.5", 1.5},
	    {"1e3", 1000.0},
	    {"2G", 2e9},
	    {"1Ki", 1024.0},
	    {".5", 0.5},
	    {"0", 0.0},
	    {"1E", 1e18},
	    {"+3k", 3000.0},
	    {"1Pi", 1125899906842624.0},
	};
	static const char *const bad[] = {"",	  "Mi", "-1",	"1.5X", "inf", "nan",
					  "0x10", " 1", "1 Gi", "1mi",	"1e"};
	double v;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		ck_assert_msg(vcl_k8s_quantity(good[i].s, &v) == 0, "%s rejected", good[i].s);
		ck_assert_msg(fabs(v - good[i].v) <= 1e-9 * fmax(1.0, good[i].v), "%s = %g",
			      good[i].s, v);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(vcl_k8s_quantity(bad[i], &v) < 0, "'%s' accepted", bad[i]);
}
END_TEST

static int parse(const char *name, const char *text, struct vcl_advise_input *in,
		 struct vcl_error **err)
{
	return vcl_advise_parse_buffer(name, text, strlen(text), in, err);
}

START_TEST(profile_fields)
{
	struct vcl_advise_input in = {0};
	cleanup_error struct vcl_error *err = NULL;
	const char *text = "name: api\n"
			   "replicas: 3\n"
			   "memory: 1.5Gi\n"
			   "cpu: 250m\n"
			   "tenancy: multi-team\n"
			   "startup_slo_ms: 800\n"
			   "scale_out_per_hour: 12.5\n"
			   "latency: high\n"
			   "own_kernel: no\n"
			   "direct_hardware: [nic, storage]\n"
			   "dedicated_cores: true\n"
			   "colour: blue\n";
	const struct vcl_service *s;

	ck_assert_int_eq(parse("p.yaml", text, &in, &err), 0);
	ck_assert_uint_eq(in.nsvc, 1);
	s = &in.svc[0];
	ck_assert_str_eq(s->name, "api");
	ck_assert_str_eq(s->origin, "p.yaml:1:1");
	ck_assert_int_eq(s->replicas, 3);
	ck_assert_double_eq_tol(s->mem_mib, 1536.0, 1e-9);
	ck_assert_double_eq_tol(s->cpu, 0.25, 1e-12);
	ck_assert_int_eq(s->tenancy, VCL_TEN_MULTI_TEAM);
	ck_assert(s->tenancy_given);
	ck_assert_double_eq(s->slo_ms, 800.0);
	ck_assert_double_eq(s->scale_per_hour, 12.5);
	ck_assert_int_eq(s->latency, VCL_LAT_HIGH);
	ck_assert(!s->own_kernel);
	ck_assert_uint_eq(s->hw, VCL_HW_NIC | VCL_HW_STORAGE);
	ck_assert(s->dedicated_cores);
	/* The unknown field is a warning with its position, not an error. */
	ck_assert_uint_eq(in.nnotes, 1);
	ck_assert_str_eq(in.notes[0], "p.yaml:12:1: warning: unknown field 'colour' (ignored)");
	vcl_advise_input_free(&in);
}
END_TEST

/* Each bad profile must fail with VCL_E_USAGE (exit 2) and this message. */
START_TEST(profile_bad_values)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
	    {"name: a\nreplicas: -2\nmemory: 1Gi\n",
	     "b.yaml:2:11: replicas must be 0 or more (got -2)"},
	    {"name: a\nreplicas: 1.5\nmemory: 1Gi\n",
	     "b.yaml:2:11: replicas must be a whole number up to 100000 (got 1.5)"},
	    {"name: a\nmemory: 1Gi\nstartup_slo_ms: 0\n",
	     "b.yaml:3:17: startup_slo_ms must be more than 0 (got 0; leave it out for no SLO)"},
	    {"name: a\nmemory: 512\n",
	     "b.yaml:2:9: memory 512 is less than 1 MiB (a plain number is bytes: write e.g. "
	     "512Mi)"},
	    {"name: a\nmemory: lots\n",
	     "b.yaml:2:9: memory 'lots' is not a Kubernetes quantity (e.g. 512Mi, 2Gi)"},
	    {"name: a\nmemory: 1Gi\ncpu: 0\n",
	     "b.yaml:3:6: cpu must be more than 0 and at most 10000 (got 0)"},
	    {"name: a\nmemory: 65Ti\n", "b.yaml:2:9: memory 65Ti is more than 64Ti per replica"},
	    {"name: a\nmemory: 1Gi\ntenancy: friendly\n",
	     "b.yaml:3:10: tenancy 'friendly' is not one of: trusted, multi-team, untrusted, "
	     "hostile"},
	    {"name: a\nmemory: 1Gi\nown_kernel: maybe\n", "b.yaml:3:13: expected true or false"},
	    {"name: a\nmemory: 1Gi\ndirect_hardware: [fpga]\n",
	     "b.yaml:3:19: direct_hardware: unknown device 'fpga' (nic, gpu, storage or none)"},
	    {"name: a\nmemory: 1Gi\nscale_out_per_hour: -1\n",
	     "b.yaml:3:21: scale_out_per_hour must be 0 or more (got -1)"},
	    {"memory: 1Gi\n", "b.yaml:1:1: service profile has no name"},
	    {"name: a\n",
	     "b.yaml:1:1: service profile 'a' has no memory (per replica, e.g. 512Mi)"},
	    {"- a\n- b\n",
	     "b.yaml:1:1: expected a mapping (a service profile or a Kubernetes object)"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct vcl_advise_input in = {0};
		cleanup_error struct vcl_error *err = NULL;

		ck_assert_int_lt(parse("b.yaml", cases[i].text, &in, &err), 0);
		ck_assert_ptr_nonnull(err);
		ck_assert_int_eq(err->kind, VCL_E_USAGE);
		ck_assert_int_eq(vcl_error_exit_code(err), 2);
		ck_assert_str_eq(err->msg, cases[i].msg);
		vcl_advise_input_free(&in);
	}
}
END_TEST

START_TEST(malformed_yaml)
{
	struct vcl_advise_input in = {0};
	cleanup_error struct vcl_error *err = NULL;
	regex_t re;

	ck_assert_int_lt(parse("bad.yaml", "name: a\nmemory: [1Gi\ncpu: 1\n", &in, &err), 0);
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
	ck_assert_int_eq(vcl_error_exit_code(err), 2);
	ck_assert_int_eq(regcomp(&re, "^bad\\.yaml:[0-9]+:[0-9]+: [^\n]+$", REG_EXTENDED), 0);
	ck_assert_msg(regexec(&re, err->msg, 0, NULL, 0) == 0, "message: %s", err->msg);
	regfree(&re);
	vcl_advise_input_free(&in);
}
END_TEST

START_TEST(k8s_objects)
{
	struct vcl_advise_input in = {0};
	cleanup_error struct vcl_error *err = NULL;
	const char *text = "apiVersion: v1\n"
			   "kind: Service\n"
			   "metadata: {name: web}\n"
			   "---\n"
			   "apiVersion: apps/v1\n"
			   "kind: Deployment\n"
			   "metadata:\n"
			   "  name: web\n"
			   "  annotations:\n"
			   "    vclab.io/tenancy: untrusted\n"
			   "    vclab.io/startup-slo-ms: \"700\"\n"
			   "    vclab.io/colour: blue\n"
			   "    other.io/x: y\n"
			   "spec:\n"
			   "  replicas: 5\n"
			   "  template:\n"
			   "    metadata:\n"
			   "      annotations: {vclab.io/tenancy: hostile}\n"
			   "    spec:\n"
			   "      containers:\n"
			   "        - name: a\n"
			   "          resources:\n"
			   "            requests: {memory: 256Mi, cpu: 500m}\n"
			   "        - name: b\n"
			   "          resources:\n"
			   "            limits: {memory: 1Gi, cpu: \"1.5\"}\n"
			   "---\n"
			   "apiVersion: apps/v1\n"
			   "kind: DaemonSet\n"
			   "metadata: {name: agent}\n"
			   "spec:\n"
			   "  template:\n"
			   "    spec:\n"
			   "      containers: [{name: a}]\n"
			   "---\n"
			   "apiVersion: v1\n"
			   "kind: Pod\n"
			   "metadata: {name: one, annotations: {vclab.io/own_kernel: \"true\"}}\n"
			   "spec:\n"
			   "  containers: [{name: a, resources: {requests: {memory: 2G}}}]\n";
	const struct vcl_service *s;

	ck_assert_int_eq(parse("k.yaml", text, &in, &err), 0);
	ck_assert_uint_eq(in.nsvc, 3);
	s = &in.svc[0];
	ck_assert_str_eq(s->name, "web");
	ck_assert_str_eq(s->kind, "Deployment");
	ck_assert_str_eq(s->origin, "k.yaml:5:1");
	ck_assert_int_eq(s->replicas, 5);
	ck_assert_double_eq_tol(s->mem_mib, 256.0 + 1024.0, 1e-9);
	ck_assert_double_eq_tol(s->cpu, 2.0, 1e-12);
	ck_assert_int_eq(s->tenancy, VCL_TEN_HOSTILE); /* the template wins */
	ck_assert_double_eq(s->slo_ms, 700.0);
	s = &in.svc[1];
	ck_assert_str_eq(s->kind, "DaemonSet");
	ck_assert_int_eq(s->replicas, 1);
	ck_assert(!s->mem_given);
	s = &in.svc[2];
	ck_assert_str_eq(s->kind, "Pod");
	ck_assert(s->own_kernel);
	ck_assert_double_eq_tol(s->mem_mib, 2e9 / 1048576.0, 1e-9);

	ck_assert_uint_eq(in.nskipped, 1);
	ck_assert_str_eq(
	    in.skipped[0].line,
	    "k.yaml:1:1: note: skipped Service 'web' (not a workload: only Deployment, "
	    "StatefulSet, ReplicaSet, DaemonSet, Job, CronJob and Pod are advised on; "
	    "Namespace and HorizontalPodAutoscaler are joined to them)");
	ck_assert_uint_eq(in.nnotes, 3);
	ck_assert_str_eq(in.notes[0],
			 "k.yaml:12:5: warning: unknown annotation 'vclab.io/colour' (ignored)");
	ck_assert_str_eq(in.notes[1], "k.yaml:34:7: warning: DaemonSet 'agent': 1 of 1 containers "
				      "state no memory request or limit (counted as 0)");
	ck_assert_str_eq(in.notes[2],
			 "k.yaml:28:1: note: DaemonSet 'agent' runs one replica per "
			 "node: counted as 1 (set vclab.io/replicas to the node count)");
	vcl_advise_input_free(&in);
}
END_TEST

START_TEST(k8s_bad_values)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
	    {"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  replicas: -1\n"
	     "  template: {spec: {containers: [{name: a}]}}\n",
	     "m.yaml:5:13: replicas must be 0 or more (got -1)"},
	    {"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n"
	     "  template: {spec: {containers: [{name: a, resources: {requests: {memory: "
	     "12Xi}}}]}}\n",
	     "m.yaml:5:75: memory '12Xi' is not a Kubernetes quantity (e.g. 512Mi, 2Gi)"},
	    {"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n"
	     "    vclab.io/startup-slo-ms: \"0\"\nspec: {containers: [{name: a}]}\n",
	     "m.yaml:6:30: startup_slo_ms must be more than 0 (got 0; leave it out for no SLO)"},
	    {"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {}\n",
	     "m.yaml:4:7: Pod 'p' has no containers"},
	    {"apiVersion: v1\nmetadata: {name: p}\n",
	     "m.yaml:1:1: Kubernetes object without a kind"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct vcl_advise_input in = {0};
		cleanup_error struct vcl_error *err = NULL;

		ck_assert_int_lt(parse("m.yaml", cases[i].text, &in, &err), 0);
		ck_assert_int_eq(err->kind, VCL_E_USAGE);
		ck_assert_str_eq(err->msg, cases[i].msg);
		vcl_advise_input_free(&in);
	}
}
END_TEST

/* Write text to a fresh temporary file; the caller unlinks it. */
static char *temp_file(const char *text)
{
	char *path = strdup("/tmp/vclab-advise-test-XXXXXX");
	int fd;

	ck_assert_ptr_nonnull(path);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* A workload measured by `bench --manifest` is joined by its identity
 * (namespace, kind, name), before any image match, even when its image was
 * read from elsewhere (--image-map) and its name holds a dot; a skipped
 * workload has no numbers to join. */
START_TEST(join_by_manifest_identity)
{
	static const char yaml[] = "apiVersion: apps/v1\n"
				   "kind: Deployment\n"
				   "metadata: {name: web.v2, namespace: shop}\n"
				   "spec:\n"
				   "  template:\n"
				   "    spec:\n"
				   "      containers:\n"
				   "      - {name: web, image: registry.example/web:2,\n"
				   "         resources: {requests: {memory: 64Mi}}}\n"
				   "---\n"
				   "apiVersion: v1\n"
				   "kind: Pod\n"
				   "metadata: {name: job, namespace: shop}\n"
				   "spec:\n"
				   "  containers:\n"
				   "  - {name: job, image: registry.example/job:1,\n"
				   "     resources: {requests: {memory: 64Mi}}}\n";
	cleanup_error struct vcl_error *err = NULL;
	struct vcl_advise_input in = {0};
	struct json_object *root = NULL, *svcs, *web, *man, *skipped;
	struct vcl_measured *m = calloc(1, sizeof(*m));
	struct vcl_decision d[2];
	const struct vcl_fact *f;

	ck_assert_int_eq(vcl_results_load(FIXTURE, &root, &err), 0);
	svcs = vcl_json_obj(root, "services");
	web = vcl_json_obj(svcs, "shop/Deployment/web.v2");
	man = vcl_json_obj(web, "manifest");
	json_object_object_add(man, "namespace", json_object_new_string("shop"));
	json_object_object_add(man, "kind", json_object_new_string("Deployment"));
	json_object_object_add(man, "name", json_object_new_string("web.v2"));
	json_object_object_add(man, "at", json_object_new_string("app.yaml:1"));
	json_object_object_add(vcl_json_obj(web, "image"), "reference",
			       json_object_new_string("oci:/srv/web:2"));
	json_object_object_add(web, "backends", json_object_get(vcl_json_path(root, "backends")));
	skipped = vcl_json_obj(svcs, "shop/Pod/job");
	json_object_object_add(skipped, "skipped", json_object_new_boolean(1));
	vcl_measured_from_json(root, "R.json", m);
	json_object_put(root);
	ck_assert_uint_eq(m->nsvc, 1);
	ck_assert_str_eq(m->svc[0].wname, "web.v2");
	ck_assert(m->svc[0].b[VCL_CTR].present);

	ck_assert_int_eq(vcl_advise_parse_buffer("app.yaml", yaml, strlen(yaml), &in, &err), 0);
	ck_assert_uint_eq(in.nsvc, 2);
	memset(d, 0, sizeof(d));
	vcl_advise_decide_all(&in, m, d);
	f = vcl_service_find_fact(&in.svc[0], VCL_FACT_NUMBERS);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->text, "measured service shop/Deployment/web.v2, its own workload (read "
				  "at app.yaml:1), image oci:/srv/web:2 (results "
				  "services.shop/Deployment/web.v2)");
	ck_assert_ptr_null(vcl_service_find_fact(&in.svc[1], VCL_FACT_NUMBERS));
	vcl_advise_input_free(&in);
	free(m);
}
END_TEST

START_TEST(results_lacking_vm)
{
	struct json_object *root = NULL;
	cleanup_error struct vcl_error *err = NULL;
	char *path = NULL, *out = NULL;
	const char *argv[] = {"docs/examples/web-api.yaml", "docs/examples/plugin-runner.yaml"};
	struct vcl_measured m;
	size_t len = 0;
	FILE *f;

	ck_assert_int_eq(vcl_results_load(FIXTURE, &root, &err), 0);
	json_object_object_del(vcl_json_path(root, "backends"), "vm");
	vcl_measured_from_json(root, "X.json", &m);
	ck_assert(m.b[VCL_BARE].present && m.b[VCL_CTR].present && !m.b[VCL_VM].present);
	ck_assert_double_eq(m.b[VCL_CTR].overhead_kib, 900.0);
	ck_assert_double_eq(m.b[VCL_VM].startup_p95, 0.0);
	/* bench's record of a placement the host could not run. */
	{
		struct json_object *skipped = json_object_new_object();
		struct vcl_measured m2;
		char why[300];

		json_object_object_add(skipped, "skipped", json_object_new_boolean(1));
		json_object_object_add(skipped, "reason", json_object_new_string("No /dev/kvm"));
		json_object_object_add(vcl_json_path(root, "backends"), "vm", skipped);
		vcl_measured_from_json(root, "S.json", &m2);
		ck_assert(!m2.b[VCL_VM].present);
		vcl_advise_not_measured(&m2, VCL_VM, why, sizeof(why));
		ck_assert_str_eq(why, "vm: not measured in results S.json (skipped: No /dev/kvm)");
		json_object_object_del(vcl_json_path(root, "backends"), "vm");
	}
	path = temp_file(json_object_to_json_string(root));
	json_object_put(root);

	f = open_memstream(&out, &len);
	ck_assert_int_eq(vcl_advise_run(path, argv, 2, 0, f, NULL, &err), 0);
	fclose(f);
	unlink(path);
	free(path);
	ck_assert_msg(
	    strstr(out, "not judged: vm: not measured in results /tmp/vclab-advise-test-") != NULL,
	    "%s", out);
	ck_assert_msg(strstr(out, "(backends.vm missing)") != NULL, "%s", out);
	/* web-api (multi-team) is decided among the others: ctr. */
	ck_assert_msg(strstr(out, "\nweb-api                   6   512 MiB   0.50  ctr ") != NULL,
		      "%s", out);
	/* plugin-runner (hostile) needs vm, which was not measured. */
	ck_assert_msg(strstr(out, "plugin-runner -> cannot judge with these results") != NULL, "%s",
		      out);
	ck_assert_msg(strstr(out, "n/a  (backends.vm.memory.overhead_kib not measured)") != NULL,
		      "%s", out);
	free(out);
}
END_TEST

START_TEST(results_missing_or_malformed)
{
	const char *argv[] = {"docs/examples/web-api.yaml"};
	char *bad = temp_file("{\"schema\": \"vclab.results/1\",\n  \"run_id\": }\n");
	char *other = temp_file("{\"schema\": \"something/2\"}\n");
	struct vcl_error *err = NULL;

	ck_assert_int_lt(
	    vcl_advise_run("/nonexistent/results.json", argv, 1, 0, stdout, NULL, &err), 0);
	ck_assert_int_eq(vcl_error_exit_code(err), 2);
	ck_assert_ptr_null(strchr(err->msg, '\n'));
	ck_assert_ptr_nonnull(strstr(err->msg, "/nonexistent/results.json"));
	vcl_error_freep(&err);

	ck_assert_int_lt(vcl_advise_run(bad, argv, 1, 0, stdout, NULL, &err), 0);
	ck_assert_int_eq(vcl_error_exit_code(err), 2);
	ck_assert_ptr_nonnull(strstr(err->msg, ":2:"));
	ck_assert_ptr_null(strchr(err->msg, '\n'));
	vcl_error_freep(&err);

	ck_assert_int_lt(vcl_advise_run(other, argv, 1, 0, stdout, NULL, &err), 0);
	ck_assert_int_eq(vcl_error_exit_code(err), 2);
	ck_assert_ptr_nonnull(strstr(err->msg, "not a vclab results file"));
	vcl_error_freep(&err);
	unlink(bad);
	unlink(other);
	free(bad);
	free(other);
}
END_TEST

START_TEST(run_rejects_bad_input_files)
{
	const char *missing[] = {"tests/data/advise/does-not-exist.yaml"};
	char *bad = temp_file("name: a\nmemory: 1Gi\nreplicas: -3\n");
	const char *badv[] = {bad};
	struct vcl_error *err = NULL;
	char want[128];

	ck_assert_int_lt(vcl_advise_run(FIXTURE, missing, 1, 0, stdout, NULL, &err), 0);
	ck_assert_int_eq(vcl_error_exit_code(err), 2);
	vcl_error_freep(&err);
	ck_assert_int_lt(vcl_advise_run(FIXTURE, badv, 1, 0, stdout, NULL, &err), 0);
	snprintf(want, sizeof(want), "%s:3:11: replicas must be 0 or more (got -3)", bad);
	ck_assert_str_eq(err->msg, want);
	vcl_error_freep(&err);
	unlink(bad);
	free(bad);
}
END_TEST

/* A List's items are objects like any document's; objects that are not
 * workloads fold into one note counting them by kind, or one note each. */
START_TEST(k8s_list_and_skipped)
{
	static const char text[] = "apiVersion: v1\n"
				   "kind: List\n"
				   "items:\n"
				   "- apiVersion: apps/v1\n"
				   "  kind: Deployment\n"
				   "  metadata: {name: web}\n"
				   "  spec:\n"
				   "    template:\n"
				   "      spec:\n"
				   "        containers:\n"
				   "        - {name: web, image: nginx:1.25}\n"
				   "- {apiVersion: v1, kind: Service, metadata: {name: web}}\n"
				   "---\n"
				   "apiVersion: v1\n"
				   "kind: ConfigMap\n"
				   "metadata: {name: cfg}\n"
				   "---\n"
				   "{apiVersion: v1, kind: Service, metadata: {name: db}}\n";
	struct vcl_advise_input in = {0}, verbose = {0};
	struct vcl_error *err = NULL;

	ck_assert_int_eq(vcl_advise_parse_buffer("list.yaml", text, strlen(text), &in, &err), 0);
	ck_assert_uint_eq(in.nsvc, 1);
	ck_assert_str_eq(in.svc[0].kind, "Deployment");
	ck_assert_str_eq(in.svc[0].origin, "list.yaml:4:3");
	ck_assert_uint_eq(in.nskipped, 3);
	ck_assert_uint_eq(in.nnotes, 1); /* web states no memory */
	ck_assert_int_eq(vcl_advise_fold_skipped(&in, false), 0);
	ck_assert_uint_eq(in.nnotes, 2);
	ck_assert_str_eq(in.notes[1], "note: skipped 3 objects that are not workloads: 2 Service, "
				      "1 ConfigMap (--verbose lists them)");
	ck_assert_int_eq(vcl_advise_parse_buffer("list.yaml", text, strlen(text), &verbose, &err),
			 0);
	ck_assert_int_eq(vcl_advise_fold_skipped(&verbose, true), 0);
	ck_assert_uint_eq(verbose.nnotes, 4);
	ck_assert_ptr_nonnull(
	    strstr(verbose.notes[2], "list.yaml:14:1: note: skipped ConfigMap 'cfg'"));
	vcl_advise_input_free(&in);
	vcl_advise_input_free(&verbose);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("advise");
	TCase *rules = tcase_create("rules");
	TCase *input = tcase_create("input");
	TCase *results = tcase_create("results");

	tcase_add_test(rules, tenancy_rule);
	tcase_add_test(rules, kernel_and_hardware_rules);
	tcase_add_test(rules, measured_rule);
	tcase_add_test(rules, slo_rule);
	tcase_add_test(rules, cost_terms);
	tcase_add_test(rules, confidence);
	tcase_add_test(rules, decide_contradictions);
	tcase_add_test(rules, decide_choices);
	tcase_add_test(rules, decide_tie_goes_to_default);
	tcase_add_test(rules, compare_noise_and_materiality);
	tcase_add_test(rules, bare_needs_a_stated_need);
	tcase_add_test(rules, host_access_and_tenancy);
	tcase_add_test(rules, decide_tcg_caps_confidence);
	tcase_add_test(rules, decide_without_vm);
	tcase_add_test(rules, k8s_realisation_and_totals);
	suite_add_tcase(s, rules);
	tcase_add_test(input, quantities);
	tcase_add_test(input, profile_fields);
	tcase_add_test(input, profile_bad_values);
	tcase_add_test(input, malformed_yaml);
	tcase_add_test(input, k8s_objects);
	tcase_add_test(input, k8s_bad_values);
	tcase_add_test(input, k8s_list_and_skipped);
	suite_add_tcase(s, input);
	tcase_add_test(results, results_lacking_vm);
	tcase_add_test(results, join_by_manifest_identity);
	tcase_add_test(results, results_missing_or_malformed);
	tcase_add_test(results, run_rejects_bad_input_files);
	suite_add_tcase(s, results);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
