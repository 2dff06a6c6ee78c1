/* SPDX-License-Identifier: MIT */
/* The density scenario's stop decision (bench/density.h). Pure. */
#include "bench/density.h"

#include <stddef.h>

uint64_t vcl_density_headroom(uint64_t limit, uint64_t used, uint64_t spare)
{
	return limit > used + spare ? limit - used - spare : 0;
}

const char *vcl_density_stop(const struct vcl_density_state *s)
{
	double k = s->k;

	/* The last burst: CPU starvation shows as readiness timeouts, which
	 * are launch failures of a different cause. */
	if (s->launch_failed)
		return s->cpu_starved ? VCL_DENSITY_CPU : VCL_DENSITY_LAUNCH_FAILURE;
	if (s->unhealthy > 0 ||
	    (s->p99_limit_ms > 0 && s->p99_ms >= 0 && s->p99_ms > s->p99_limit_ms))
		return VCL_DENSITY_CPU;
	if (s->n > 0 && s->used_kib >= s->budget_kib)
		return VCL_DENSITY_BUDGET;
	/* The next burst: would it cross the host floor, or run out of pids
	 * or descriptors? */
	if ((double)s->memavail_kib - s->per_inst_kib * k < (double)s->floor_kib)
		return VCL_DENSITY_MEMORY;
	if ((double)s->pids_free < s->pids_per_inst * k)
		return VCL_DENSITY_PIDS;
	if ((double)s->fds_free < s->fds_per_inst * k)
		return VCL_DENSITY_FDS;
	if (s->limit_ms > 0 && s->elapsed_ms >= s->limit_ms)
		return VCL_DENSITY_TIMEOUT;
	return NULL;
}
