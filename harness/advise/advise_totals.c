/* SPDX-License-Identifier: MIT */
/*
 * After the decision (advise_rules.c): how a placement is realised on
 * Kubernetes (pool, runtime class), the fleet totals of the decisions, and
 * whether a stricter startup SLO would change one. Pure, as the rules:
 * Check tests them on literal input. docs/advisor.md explains the model.
 */
#include "advise/advise.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void vcl_advise_k8s(const struct vcl_service *s, enum vcl_place p, struct vcl_k8s_realise *r)
{
	memset(r, 0, sizeof(*r));
	switch (p) {
	case VCL_BARE:
		r->pool = "bare-metal";
		break;
	case VCL_CTR:
		/* An existing container class (nvidia, runsc, crun) stays: it is
		 * still ctr, and the GPU or sandbox may depend on it. */
		r->runtime_class =
		    s->runtime_class[0] != '\0' && !(s->prefer_given && s->prefer == VCL_VM)
			? s->runtime_class
			: "runc";
		break;
	case VCL_VM:
		r->runtime_class = "kata";
		if (s->tenancy == VCL_TEN_HOSTILE)
			r->pool = "dedicated";
		break;
	case VCL_GVISOR:
		r->runtime_class = "gvisor"; /* handler runsc */
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

/* Per-replica overhead of p for decision d: the service's own numbers
 * where it has them, else the payload's. */
static bool overhead_of(const struct vcl_decision *d, const struct vcl_measured *m, int p,
			double *kib)
{
	if (d->has_overhead & VCL_PLACE_BIT(p)) {
		*kib = d->overhead_kib[p];
		return true;
	}
	*kib = m->b[p].overhead_kib;
	return m->b[p].present && m->b[p].has_overhead;
}

void vcl_advise_totals(const struct vcl_advise_input *in, const struct vcl_decision *d,
		       const struct vcl_measured *m, struct vcl_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (int p = 0; p < VCL_NPLACE; p++)
		t->ok[p] = m->b[p].present && m->b[p].has_overhead;
	for (size_t i = 0; i < in->nsvc; i++) {
		const struct vcl_service *s = &in->svc[i];
		double n = (double)s->replicas,
		       nmax = (double)(s->hpa_max > s->replicas ? s->hpa_max : s->replicas);
		double kib;

		t->replicas += s->replicas;
		t->replicas_max += (long)nmax;
		if (!s->mem_given)
			t->no_memory++;
		for (int p = 0; p < VCL_NPLACE; p++) {
			if (!t->ok[p] || !overhead_of(&d[i], m, p, &kib))
				continue;
			t->overhead_mib[p] += n * kib / 1024.0;
			t->mib[p] += n * (s->mem_mib + kib / 1024.0);
			t->mib_max[p] += nmax * (s->mem_mib + kib / 1024.0);
		}
		if (d[i].verdict != VCL_ADVICE_OK || !t->ok[d[i].place] ||
		    !overhead_of(&d[i], m, d[i].place, &kib)) {
			t->advised_missing++;
			continue;
		}
		t->advised_overhead_mib += n * kib / 1024.0;
		t->advised_mib += n * (s->mem_mib + kib / 1024.0);
		t->advised_max_mib += nmax * (s->mem_mib + kib / 1024.0);
	}
}

bool vcl_advise_slo_change(const struct vcl_service *s, const struct vcl_measured *m,
			   const struct vcl_decision *d, struct vcl_slo_change *c)
{
	struct vcl_decision *t;
	struct vcl_service tight = *s;
	double bps[2 * VCL_NPLACE];
	size_t nb = 0;
	bool found = false;
	int was = d->place;

	if (d->verdict != VCL_ADVICE_OK)
		return false;
	/* Where the advice can change: just below each placement's p95 (it
	 * fails the SLO), and where bare's gain becomes a tenth of it. */
	for (int p = 0; p < VCL_NPLACE; p++) {
		if (!m->b[p].present || !m->b[p].has_startup)
			continue;
		bps[nb++] = m->b[p].startup_p95;
		if (p != VCL_BARE && m->b[VCL_BARE].has_startup &&
		    m->b[p].startup_p95 > m->b[VCL_BARE].startup_p95)
			bps[nb++] =
			    (m->b[p].startup_p95 - m->b[VCL_BARE].startup_p95) / VCL_SLO_SHARE;
	}
	t = malloc(sizeof(*t));
	if (t == NULL)
		return false;
	memset(c, 0, sizeof(*c));
	for (double below = s->slo_ms > 0.0 ? s->slo_ms : INFINITY;;) {
		double next = 0.0;

		/* The largest breakpoint under the current SLO. */
		for (size_t i = 0; i < nb; i++)
			if (bps[i] < below && bps[i] > next)
				next = bps[i];
		if (next <= 0.0)
			break;
		below = next;
		tight.slo_ms = next * 0.999;
		vcl_advise_decide(&tight, m, t);
		if (t->verdict != VCL_ADVICE_OK || t->place != was) {
			c->slo_ms = next;
			c->place = t->verdict == VCL_ADVICE_OK ? t->place : -1;
			found = true;
			break;
		}
	}
	free(t);
	return found;
}
